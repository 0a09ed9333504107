/* SPDX-License-Identifier: MIT */
/* The vectorized argmax of float32 score rows behind
 * trm_confusion_update_argmax_f32, on CPUs with AVX2 or AVX-512F. */
#ifndef TRM_ARGMAX_PRIVATE_H
#define TRM_ARGMAX_PRIVATE_H

#include "cpu-private.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Rows whose true label equals ignore (when has_ignore) are skipped unread. */
typedef struct trm__row_filter {
    bool has_ignore;
    int64_t ignore;
} trm__row_filter;

#if TRM__X86_KERNELS
#define TRM__HAVE_AVX2_ARGMAX 1
/* Rows shorter than this take the portable kernel. */
#define TRM__AVX2_ARGMAX_MIN_K ((size_t)8)
bool trm__argmax_avx2_usable(void);
/* For each row i of [start, end), writes the argmax of the k scores at
 * scores + i * stride (ties to the lowest index, -0 equal to +0) to
 * pred[i - start], or 0 for a skipped row, which is not read;
 * *nonfinite_found says whether a row read holds a non-finite score, in which
 * case the argmaxes mean nothing. */
void trm__argmax_f32_avx2(const float *scores, size_t stride, size_t k, const int32_t *y_true, size_t start,
                          size_t end, const trm__row_filter *filter, int32_t *pred, bool *nonfinite_found);

#define TRM__HAVE_AVX512_ARGMAX 1
bool trm__argmax_avx512_usable(void);
/* Argmax rows of k <= TRM__AVX512_ARGMAX_MAX_K float32 scores, `stride`
 * apart, counted against their true labels (none ignored), for calls of
 * n >= TRM__AVX512_ARGMAX_MIN_ROWS rows: on success adds the n pairs to counts (K*K row-major) and returns true; otherwise returns
 * false with the counts as they were and *checked set past the first row
 * holding a non-finite score or a true label outside [0, K). */
/* Past 128 scores a row the 16 rows read side by side, each a stream of its
 * own, fall behind the row-at-a-time AVX2 kernel (K=256: equal; K=1000: 3x
 * slower); at 65-128 they are twice as fast. */
#define TRM__AVX512_ARGMAX_MAX_K ((size_t)128)
#define TRM__AVX512_ARGMAX_MIN_ROWS ((size_t)16)
bool trm__count_argmax_f32_avx512(uint64_t *counts, size_t k, const int32_t *y_true, const float *scores, size_t n,
                                  size_t stride, size_t *checked);
#else
#define TRM__HAVE_AVX2_ARGMAX 0
#define TRM__HAVE_AVX512_ARGMAX 0
#endif

#endif /* TRM_ARGMAX_PRIVATE_H */
