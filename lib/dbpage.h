#ifndef DBPAGE_H_INCLUDED
#define DBPAGE_H_INCLUDED

/*
 * dbpage.h - Berkeley DB's on-disk page format (stable since 4.x), as
 * far as mapseal.c and hashpage.c read and write it: the header every
 * page starts with, the fields every meta page shares, the page types,
 * and field access in this host's byte order (the only order the maps
 * map_create() writes come in).
 */
#include <stdint.h>
#include <string.h>

/* Every page's header (26 bytes). */
#define PAGE_HEADER	26
#define PAGE_LSN_OFFSET	4		/* the LSN's offset half */
#define PAGE_PGNO	8
#define PAGE_ENTRIES	20
#define PAGE_HF_OFFSET	22		/* where the items start */
#define PAGE_TYPE	25

/* Every meta page. */
#define META_SIZE	512		/* what a meta page uses of its page */
#define META_MAGIC	12
#define META_VERSION	16
#define META_PAGESIZE	20
#define META_ENCRYPT	24
#define META_TYPE	25
#define META_FLAGS	26
#define META_FILEID	52

/* Page types. */
#define P_INVALID	0		/* unused: only the header counts */
#define P_HASH_UNSORTED	2
#define P_IBTREE	3
#define P_IRECNO	4
#define P_LBTREE	5
#define P_LRECNO	6
#define P_OVERFLOW	7
#define P_HASHMETA	8
#define P_BTREEMETA	9
#define P_LDUP		12
#define P_HASH		13

static inline unsigned dbpage_get16(const unsigned char *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof(v));
    return (v);
}

static inline uint32_t dbpage_get32(const unsigned char *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return (v);
}

static inline void dbpage_put16(unsigned char *p, unsigned v)
{
    uint16_t w = (uint16_t) v;

    memcpy(p, &w, sizeof(w));
}

static inline void dbpage_put32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

#endif
