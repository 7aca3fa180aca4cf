#ifndef FNV_H_INCLUDED
#define FNV_H_INCLUDED

/*
 * fnv.h - the FNV-1a hash of bytes and strings, in 32 and 64 bits, whole
 * or in steps: start from FNV32_START or FNV64_START, feed bytes and
 * strings in order, and the value so far is the hash of all of them.
 * Quick and well spread, for hash tables and change digests; not for
 * anything that must resist a chosen input.
 */
#include <stdint.h>

#define FNV32_START	2166136261u
#define FNV32_PRIME	16777619u
#define FNV64_START	14695981039346656037ULL
#define FNV64_PRIME	1099511628211ULL

/* One byte more. */
static inline uint32_t fnv32_byte(uint32_t h, unsigned char c)
{
    return ((h ^ c) * FNV32_PRIME);
}

static inline uint64_t fnv64_byte(uint64_t h, unsigned char c)
{
    return ((h ^ c) * FNV64_PRIME);
}

/* The bytes of a string more, without its NUL. */
static inline uint32_t fnv32_string(uint32_t h, const char *s)
{
    while (*s)
	h = fnv32_byte(h, (unsigned char) *s++);
    return (h);
}

static inline uint64_t fnv64_string(uint64_t h, const char *s)
{
    while (*s)
	h = fnv64_byte(h, (unsigned char) *s++);
    return (h);
}

/* The hash of the string S alone. */
static inline uint32_t fnv32(const char *s)
{
    return (fnv32_string(FNV32_START, s));
}

static inline uint64_t fnv64(const char *s)
{
    return (fnv64_string(FNV64_START, s));
}

#endif
