#ifndef BIGMEM_H_INCLUDED
#define BIGMEM_H_INCLUDED

/*
 * bigmem.h - ask for huge pages under a large, fresh allocation.
 */
#include <stddef.h>

/* Advise the kernel to back [PTR, PTR+SIZE) with huge pages; best effort. */
extern void bigmem_advise(void *ptr, size_t size);

#endif
