/* SPDX-License-Identifier: MIT */
/* The per-pixel argmax of class-score maps behind
 * trm_confusion_update_argmax_map_*: (N, K, P) planes or (N, P, K) rows of
 * scores against (N, P) true labels (argmax-map.c). */
#ifndef TRM_ARGMAX_MAP_PRIVATE_H
#define TRM_ARGMAX_MAP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argmax-private.h"
#include "count-private.h"

/* One call's maps; batch * pixels * k fits in size_t. */
typedef struct trm__score_map {
    const void *y_true; /* batch * pixels labels, sample-major */
    enum trm__label_type label_type; /* U8, I32 or I64 */
    const void *scores;
    enum trm__score_type score_type;
    size_t batch, pixels, k;
    bool channels_last; /* (N, P, K) rather than (N, K, P) */
    bool has_ignore;    /* pixels whose true label is `ignore` are neither counted nor checked */
    int64_t ignore;
} trm__score_map;

/* Where a pass puts the pixels it counts: exactly one of counts and weights. */
typedef struct trm__map_cells {
    uint64_t *counts;  /* K*K; K <= TRM__COUNT_MAX_K for trm__count_argmax_map */
    double *weights;   /* K*K */
    void *scratch;     /* TRM__COUNT_SCRATCH(K) bytes for the pair kernels, or NULL */
} trm__map_cells;

/* One pass over memory into unweighted counts: true with *kept (the pixels
 * not ignored) when every pixel was counted; otherwise false with the counts
 * exactly as they were and *checked (a flat pixel index s * P + p) past the
 * first bad pixel. The caller guarantees the total cannot overflow. */
bool trm__count_argmax_map(const trm__score_map *m, const trm__map_cells *cells, uint64_t *kept, size_t *checked);

/* The checking pass alone, for the two-pass path (weighted cells, totals
 * that could overflow, K past the pair kernels): the same verdict as
 * trm__count_argmax_map, nothing written. */
bool trm__check_argmax_map(const trm__score_map *m, uint64_t *kept, size_t *checked);

/* After a successful check: one count (or weight 1.0) per pixel not ignored. */
void trm__add_argmax_map(const trm__score_map *m, const trm__map_cells *cells);

/* Names the first bad element among flat pixels [0, limit) in trm_last_error()
 * for func and returns its code (TRM_E_LABEL or TRM_E_NONFINITE), or TRM_OK
 * when there is none. */
int trm__argmax_map_fault(const char *func, const trm__score_map *m, size_t limit);

#endif /* TRM_ARGMAX_MAP_PRIVATE_H */
