/* SPDX-License-Identifier: MIT */
/* The argmax of score rows behind trm_confusion_update_argmax_f32/_f64: the
 * portable row kernels (static inline, so that each caller's loop inlines the
 * kernel of its type), the batched one-pass counter with its take-back
 * (argmax.c), and the float32 vector kernels for CPUs with AVX2 or AVX-512F
 * (argmax-avx2.c, argmax-avx512.c). */
#ifndef TRM_ARGMAX_PRIVATE_H
#define TRM_ARGMAX_PRIVATE_H

#include "cpu-private.h"
#include <float.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum trm__score_type { TRM__SCORE_F32, TRM__SCORE_F64 };

/* Rows whose true label equals ignore (when has_ignore) are skipped unread. */
typedef struct trm__row_filter {
    bool has_ignore;
    int64_t ignore;
} trm__row_filter;

/* ---- portable row kernels ------------------------------------------------ */

/* Row kernels for score updates, one set per float type, stamped out by one
 * macro. They work on the bits, so they vectorize without fast-math:
 * - a value is non-finite exactly when its exponent bits are all ones, that
 *   is when its magnitude bits read as an integer reach EXPONENT, so a row
 *   scan need only keep its largest magnitude;
 * - for finite rows, the argmax (ties to the lowest index,
 *   as NumPy and PyTorch) works on order keys: the bits read as a signed
 *   integer, with the magnitude flipped for negative values, order exactly like
 *   the floats; moving the negative keys up by one also gives -0 the key of +0,
 *   since the two compare equal. The maximum key is one integer loop, and the
 *   lowest index holding it a second one (a minimum, so it vectorizes too).
 * - with `flush` (the caller's mode reads subnormals as zero), a subnormal
 *   takes the key of zero: the order the vector kernels' float compares see,
 *   so every path gives one answer in every mode.
 * trm__scan_row() checks a row and finds its maximum in the same loop. */
#define TRM__DEFINE_ROW_KERNELS(suffix, T, KEY, KEY_MAX, EXPONENT, INDEX)                       \
    static inline KEY trm__row_key_##suffix(const T *row, size_t j, bool flush)                 \
    {                                                                                           \
        KEY bits;                                                                               \
        memcpy(&bits, row + j, sizeof bits);                                                    \
        bits = flush && (bits & EXPONENT) == 0 ? 0 : bits;                                      \
        KEY flip = (KEY)((bits >> (8 * sizeof bits - 1)) & KEY_MAX);                            \
        return (KEY)((bits ^ flip) + (flip & 1));                                               \
    }                                                                                           \
    static inline bool trm__row_nonfinite_##suffix(const T *row, size_t k)                      \
    {                                                                                           \
        KEY bad = 0;                                                                            \
        for (size_t j = 0; j < k; j++) {                                                        \
            KEY bits;                                                                           \
            memcpy(&bits, row + j, sizeof bits);                                                \
            bad |= (KEY)((bits & EXPONENT) == EXPONENT);                                        \
        }                                                                                       \
        return bad != 0;                                                                        \
    }                                                                                           \
    /* Whether the row holds a non-finite value; else *pred is its argmax. */                   \
    static inline bool trm__scan_row_##suffix(const T *row, size_t k, bool flush, size_t *pred) \
    {                                                                                           \
        KEY top = trm__row_key_##suffix(row, 0, flush), high = 0;                               \
        for (size_t j = 0; j < k; j++) {                                                        \
            KEY bits, key = trm__row_key_##suffix(row, j, flush);                               \
            memcpy(&bits, row + j, sizeof bits);                                                \
            bits &= KEY_MAX;                                                                    \
            high = bits > high ? bits : high;                                                   \
            top = key > top ? key : top;                                                        \
        }                                                                                       \
        INDEX index = (INDEX)k; /* lanes as wide as T: K*K cells fit in memory */               \
        for (INDEX j = 0; j < (INDEX)k; j++) {                                                  \
            INDEX at = trm__row_key_##suffix(row, j, flush) == top ? j : (INDEX)k;              \
            index = at < index ? at : index;                                                    \
        }                                                                                       \
        *pred = index;                                                                          \
        return high >= EXPONENT;                                                                \
    }
TRM__DEFINE_ROW_KERNELS(f32, float, int32_t, INT32_MAX, (int32_t)0x7f800000, uint32_t)
TRM__DEFINE_ROW_KERNELS(f64, double, int64_t, INT64_MAX, (int64_t)0x7ff0000000000000, uint64_t)

/* Whether the caller's floating-point mode reads subnormal operands of this
 * type as zero (x86's denormals-are-zero, which torch.set_flush_denormal
 * sets; Arm's flush-to-zero). The compare runs in that mode; the volatile
 * keeps the compiler from deciding it. */
static inline bool trm__subnormals_read_as_zero(enum trm__score_type type)
{
    volatile float tiny_f32 = FLT_TRUE_MIN;
    volatile double tiny_f64 = DBL_TRUE_MIN;
    return type == TRM__SCORE_F32 ? tiny_f32 == 0.0f : tiny_f64 == 0.0;
}

static inline bool trm__row_nonfinite(const void *scores, size_t row, size_t k, enum trm__score_type type)
{
    return type == TRM__SCORE_F32 ? trm__row_nonfinite_f32((const float *)scores + row, k)
                             : trm__row_nonfinite_f64((const double *)scores + row, k);
}

/* Checks one row and finds its argmax in the same read: whether it holds a
 * non-finite score (*pred then means nothing). */
static inline bool trm__scan_row(const void *scores, size_t row, size_t k, bool flush, size_t *pred,
                                 enum trm__score_type type)
{
    return type == TRM__SCORE_F32 ? trm__scan_row_f32((const float *)scores + row, k, flush, pred)
                                  : trm__scan_row_f64((const double *)scores + row, k, flush, pred);
}

/* The argmax of a row known to be finite. */
static inline size_t trm__argmax_row(const void *scores, size_t row, size_t k, bool flush,
                                      enum trm__score_type type)
{
    size_t pred;
    trm__scan_row(scores, row, k, flush, &pred, type);
    return pred;
}

#undef TRM__DEFINE_ROW_KERNELS

/* ---- the one-pass counter (argmax.c) ------------------------------------- */

/* The unweighted matrix an argmax update counts into. */
typedef struct trm__argmax_target {
    uint64_t *counts;  /* K*K row-major cells */
    size_t k;          /* K <= TRM__COUNT_MAX_K, so the pair kernels number cells in 32 bits */
    bool has_ignore;   /* rows whose true label is `ignore` are neither read nor counted */
    int64_t ignore;
    void *scratch;     /* TRM__COUNT_SCRATCH(K) bytes for the pair kernels, or NULL */
} trm__argmax_target;

/* One call's score rows and the way they are scanned, fixed for the call. */
typedef struct trm__score_rows {
    const int32_t *y_true;
    const void *scores;
    size_t stride;        /* elements from one row to the next */
    enum trm__score_type type;
    bool flush;           /* subnormals compare as zero (trm__subnormals_read_as_zero) */
    bool avx2;            /* float32 rows taken by the AVX2 kernel */
} trm__score_rows;

/* Counts the argmaxes of n rows against their true labels in one pass over
 * memory. Returns true with *kept (the rows not ignored) when every row was
 * counted; otherwise false with the counts exactly as they were and *checked
 * past the first bad row (a row read that holds a non-finite score, or a true
 * label outside [0, K) that is not ignored), for the caller to name it. */
bool trm__count_argmax(const trm__argmax_target *m, const trm__score_rows *r, size_t n, uint64_t *kept,
                       size_t *checked);

/* ---- float32 vector kernels ---------------------------------------------- */

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
/* On the 2-core AMD EPYC bench machine (2^24 floats, each kernel run alone)
 * this kernel is 4 to 9 times as fast as the portable loop below K = 8, even
 * with the AVX2 one at 8 to 16, and 1.1 to 1.4 times as fast at 20 to 40;
 * from 44 on the row-at-a-time AVX2 kernel wins (K=64: 10.7 against
 * 6.3 GB/s, K=128: 11.9 against 6.4), its 16 side-by-side row streams
 * falling behind. (Earlier builds took it up to 128; rebuilt, that
 * version measures the same here.) */
#define TRM__AVX512_ARGMAX_MAX_K ((size_t)40)
#define TRM__AVX512_ARGMAX_MIN_ROWS ((size_t)16)
bool trm__count_argmax_f32_avx512(uint64_t *counts, size_t k, const int32_t *y_true, const float *scores, size_t n,
                                  size_t stride, size_t *checked);
#else
#define TRM__HAVE_AVX2_ARGMAX 0
#define TRM__HAVE_AVX512_ARGMAX 0
#endif

#endif /* TRM_ARGMAX_PRIVATE_H */
