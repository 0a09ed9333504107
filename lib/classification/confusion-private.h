/* SPDX-License-Identifier: MIT */
/* Read-only view of a confusion matrix's cells for the derived-metric code, so
 * metrics.c never needs the struct layout. */
#ifndef TRM_CONFUSION_PRIVATE_H
#define TRM_CONFUSION_PRIVATE_H

#include <stdbool.h>
#include <string.h>

#include "trainmetrics/confusion.h"

/* Exactly one of counts and weights is non-NULL; both hold K*K row-major cells. */
typedef struct trm__cells {
    size_t k;
    const uint64_t *counts;
    const double *weights;
    const uint8_t *seen; /* weighted: K flags of the classes that occurred in weighted
                            pairs, any weight; NULL when unweighted */
    const trm_allocator *alloc; /* the matrix's hooks, for scratch memory */
} trm__cells;

trm__cells trm__confusion_cells(const trm_confusion *cm);

static inline double trm__cell_value(const uint64_t *counts, const double *weights, size_t index)
{
    return counts ? (double)counts[index] : weights[index];
}

static inline double trm__cell(const trm__cells *c, size_t index)
{
    return trm__cell_value(c->counts, c->weights, index);
}

/* Whether a cell is not zero, on the bits: a weight that only a
 * denormals-are-zero mode reads as 0 still counts. */
static inline bool trm__cell_nonzero(const trm__cells *c, size_t index)
{
    if (c->counts)
        return c->counts[index] != 0;
    uint64_t bits;
    memcpy(&bits, c->weights + index, sizeof bits);
    return (bits << 1) != 0;
}

/* Whether class c's row or column holds a nonzero cell. */
static inline bool trm__class_in_cells(trm__cells c, size_t cls)
{
    for (size_t j = 0; j < c.k; j++)
        if (trm__cell_nonzero(&c, cls * c.k + j) || trm__cell_nonzero(&c, j * c.k + cls))
            return true;
    return false;
}

/* Whether class c occurred: a nonzero cell, or a weighted pair of any weight. */
static inline bool trm__class_occurred(trm__cells c, size_t cls)
{
    return (c.seen && c.seen[cls]) || trm__class_in_cells(c, cls);
}

#endif /* TRM_CONFUSION_PRIVATE_H */
