#ifndef SOCKSPEC_H_INCLUDED
#define SOCKSPEC_H_INCLUDED

/*
 * sockspec.h - libmilter socket specifications: unix:/path, local:/path,
 * inet:port[@host], inet6:port[@host].
 */
#include <stddef.h>

typedef enum SOCKSPEC_TYPE {
    SOCKSPEC_UNIX,
    SOCKSPEC_INET,
    SOCKSPEC_INET6,
} SOCKSPEC_TYPE;

/*
 * Check SPEC. Returns its type, or -1 with a reason (and, for the usual
 * mistakes such as Postfix's inet:host:port, what was probably meant)
 * in ERR.
 */
extern int sockspec_check(const char *spec, char *err, size_t errlen);

/* The path of a unix: or local: SPEC, else null. */
extern const char *sockspec_path(const char *spec);

/* 1 when something accepts connections on the unix socket PATH. */
extern int sockspec_unix_in_use(const char *path);

/*
 * The addresses of an inet: or inet6: SPEC (a checked one), for bind()
 * or, when TO_CONNECT, for connect(): no host or a wildcard means every
 * address, or loopback to connect to. 0, or -1 with a reason; free *RES
 * with freeaddrinfo().
 */
struct addrinfo;
extern int sockspec_resolve(const char *spec, int to_connect,
			            struct addrinfo **res, char *err,
			            size_t errlen);

/*
 * Connect once to what listens on SPEC (a wildcard host: on loopback)
 * and hang up; 1 if the connection was made. Wakes a listener waiting
 * in select().
 */
extern int sockspec_knock(const char *spec);

#endif
