/* SPDX-License-Identifier: MIT */
/* Open-addressing hash table from a 64-bit cell key (true * K + pred) to an
 * 8-byte amount, for the off-diagonal cells of a sparse confusion matrix.
 *
 * Linear probing over a power-of-two number of slots, at most 3/4 full, with
 * backward-shift deletion (no tombstones). The table grows by doubling through
 * the owner's allocator; a growth that fails leaves the table as it was. Every
 * stored amount is non-zero once an operation of the owner completes: keys are
 * claimed with a zero amount first and, if the operation cannot complete,
 * removed again. */
#ifndef TRM_CELLMAP_PRIVATE_H
#define TRM_CELLMAP_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "trainmetrics/common.h"

/* An integer count or a sum of weights; which one is the owner's flag. */
typedef union trm__amount {
    uint64_t count;
    double weight;
} trm__amount;

/* A key no cell has: K <= 2^32 - 1 keeps every true * K + pred below it. */
#define TRM__CELLMAP_EMPTY UINT64_MAX

typedef struct trm__cellmap_slot {
    uint64_t key; /* TRM__CELLMAP_EMPTY for a free slot */
    trm__amount value;
} trm__cellmap_slot;

typedef struct trm__cellmap {
    trm__cellmap_slot *slots; /* capacity slots, or NULL while capacity is 0 */
    size_t capacity;          /* 0 or a power of two >= TRM__CELLMAP_MIN_CAPACITY */
    size_t used;              /* occupied slots, <= 3/4 of capacity */
} trm__cellmap;

#define TRM__CELLMAP_MIN_CAPACITY ((size_t)16)

void trm__cellmap_init(trm__cellmap *m);
/* Gives the slots back; the map is empty (capacity 0) afterwards. */
void trm__cellmap_release(trm__cellmap *m, const trm_allocator *alloc);
/* The amount stored for key, or NULL. */
trm__amount *trm__cellmap_find(const trm__cellmap *m, uint64_t key);
/* Finds key or inserts it with a zero amount, growing the table when it is
 * full; *inserted tells which. TRM_E_NOMEM (no message) leaves m unchanged. */
int trm__cellmap_claim(trm__cellmap *m, uint64_t key, const trm_allocator *alloc, int *inserted);
/* Makes room for n keys in an empty map with one allocation (deserialization);
 * TRM_E_NOMEM (no message) leaves m unchanged. */
int trm__cellmap_reserve(trm__cellmap *m, size_t n, const trm_allocator *alloc);
/* Removes key if present. */
void trm__cellmap_remove(trm__cellmap *m, uint64_t key);
/* A copy with the same slots; TRM_E_NOMEM (no message) leaves dst alone. */
int trm__cellmap_copy(trm__cellmap *dst, const trm__cellmap *src, const trm_allocator *alloc);
/* Bytes of slots held. */
size_t trm__cellmap_bytes(const trm__cellmap *m);

/* Index of the first occupied slot at or after `from`, or capacity. */
static inline size_t trm__cellmap_next(const trm__cellmap *m, size_t from)
{
    while (from < m->capacity && m->slots[from].key == TRM__CELLMAP_EMPTY)
        from++;
    return from;
}

#endif /* TRM_CELLMAP_PRIVATE_H */
