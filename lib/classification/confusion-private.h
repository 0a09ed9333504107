/* SPDX-License-Identifier: MIT */
/* Read-only view of a confusion matrix's cells for the derived-metric code, so
 * metrics.c never needs the struct layout. */
#ifndef TRM_CONFUSION_PRIVATE_H
#define TRM_CONFUSION_PRIVATE_H

#include "trainmetrics/confusion.h"

/* Exactly one of counts and weights is non-NULL; both hold K*K row-major cells. */
typedef struct trm__cells {
    size_t k;
    const uint64_t *counts;
    const double *weights;
    const uint8_t *zero_weight_classes; /* weighted: K flags of the classes seen only in
                                           pairs of weight 0; NULL when unweighted */
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

#endif /* TRM_CONFUSION_PRIVATE_H */
