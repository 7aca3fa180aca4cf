#ifndef FILTER_H_INCLUDED
#define FILTER_H_INCLUDED

/*
 * filter.h - the libmilter callbacks: resolve each recipient at RCPT,
 * change the envelope at end of message.
 */

/* smfi_register() the filter; 0 or -1. Uses milter_global. */
extern int filter_register(void);

#endif
