/* SPDX-License-Identifier: MIT */
/* The cell hash table of cellmap-private.h. */
#include "fp-private.h"
#include <string.h>

#include "cellmap-private.h"
#include "common-private.h"

/* Keys t * K + p of neighbouring classes differ in their low bits only; the
 * splitmix64 finalizer spreads them over the whole table. */
static size_t home_of(uint64_t key, size_t capacity)
{
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9u;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebu;
    key ^= key >> 31;
    return (size_t)key & (capacity - 1);
}

void trm__cellmap_init(trm__cellmap *m)
{
    *m = (trm__cellmap){ NULL, 0, 0 };
}

void trm__cellmap_release(trm__cellmap *m, const trm_allocator *alloc)
{
    trm__free(alloc, m->slots);
    trm__cellmap_init(m);
}

static trm__cellmap_slot *empty_slots(size_t capacity, const trm_allocator *alloc)
{
    size_t bytes;
    if (trm__mul_overflows(capacity, sizeof(trm__cellmap_slot), &bytes))
        return NULL;
    trm__cellmap_slot *slots = trm__alloc(alloc, bytes);
    if (slots != NULL)
        for (size_t i = 0; i < capacity; i++)
            slots[i].key = TRM__CELLMAP_EMPTY;
    return slots;
}

/* The slot holding key, or the free slot where it would go. */
static size_t probe(const trm__cellmap *m, uint64_t key)
{
    size_t mask = m->capacity - 1, i = home_of(key, m->capacity);
    while (m->slots[i].key != key && m->slots[i].key != TRM__CELLMAP_EMPTY)
        i = (i + 1) & mask;
    return i;
}

trm__amount *trm__cellmap_find(const trm__cellmap *m, uint64_t key)
{
    if (m->capacity == 0)
        return NULL;
    size_t i = probe(m, key);
    return m->slots[i].key == key ? &m->slots[i].value : NULL;
}

static int grow(trm__cellmap *m, const trm_allocator *alloc)
{
    size_t capacity = m->capacity ? 2 * m->capacity : TRM__CELLMAP_MIN_CAPACITY;
    if (capacity < m->capacity)
        return TRM_E_NOMEM;
    trm__cellmap bigger = { empty_slots(capacity, alloc), capacity, m->used };
    if (bigger.slots == NULL)
        return TRM_E_NOMEM;
    for (size_t i = trm__cellmap_next(m, 0); i < m->capacity; i = trm__cellmap_next(m, i + 1))
        bigger.slots[probe(&bigger, m->slots[i].key)] = m->slots[i];
    trm__free(alloc, m->slots);
    *m = bigger;
    return TRM_OK;
}

/* At most 3/4 full, so every probe ends at a free slot within a short run. */
static int full(const trm__cellmap *m)
{
    return m->used + 1 > m->capacity / 4 * 3;
}

int trm__cellmap_claim(trm__cellmap *m, uint64_t key, const trm_allocator *alloc, int *inserted)
{
    if (m->capacity != 0) {
        size_t i = probe(m, key);
        if (m->slots[i].key == key) {
            *inserted = 0;
            return TRM_OK;
        }
    }
    if (full(m) && grow(m, alloc) != TRM_OK)
        return TRM_E_NOMEM;
    size_t i = probe(m, key);
    m->slots[i] = (trm__cellmap_slot){ key, { 0 } };
    m->used++;
    *inserted = 1;
    return TRM_OK;
}

int trm__cellmap_reserve(trm__cellmap *m, size_t n, const trm_allocator *alloc)
{
    size_t capacity = TRM__CELLMAP_MIN_CAPACITY;
    while (capacity / 4 * 3 < n) {
        if (capacity > SIZE_MAX / 2)
            return TRM_E_NOMEM;
        capacity *= 2;
    }
    trm__cellmap_slot *slots = empty_slots(capacity, alloc);
    if (slots == NULL)
        return TRM_E_NOMEM;
    trm__free(alloc, m->slots);
    *m = (trm__cellmap){ slots, capacity, 0 };
    return TRM_OK;
}

/* Backward-shift deletion: each later slot of the run moves into the hole
 * when its home does not lie cyclically in (hole, slot]. */
void trm__cellmap_remove(trm__cellmap *m, uint64_t key)
{
    if (m->capacity == 0)
        return;
    size_t mask = m->capacity - 1, hole = probe(m, key);
    if (m->slots[hole].key != key)
        return;
    for (size_t j = (hole + 1) & mask; m->slots[j].key != TRM__CELLMAP_EMPTY; j = (j + 1) & mask) {
        size_t home = home_of(m->slots[j].key, m->capacity);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].key = TRM__CELLMAP_EMPTY;
    m->used--;
}

int trm__cellmap_copy(trm__cellmap *dst, const trm__cellmap *src, const trm_allocator *alloc)
{
    trm__cellmap copy = { NULL, src->capacity, src->used };
    if (src->capacity != 0) {
        copy.slots = trm__alloc(alloc, trm__cellmap_bytes(src));
        if (copy.slots == NULL)
            return TRM_E_NOMEM;
        memcpy(copy.slots, src->slots, trm__cellmap_bytes(src));
    }
    *dst = copy;
    return TRM_OK;
}

size_t trm__cellmap_bytes(const trm__cellmap *m)
{
    return m->capacity * sizeof(trm__cellmap_slot);
}
