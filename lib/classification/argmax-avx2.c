/* SPDX-License-Identifier: MIT */
/* The argmax of float32 score rows with AVX2, taken when the CPU has it.
 *
 * A row of 8 to 16 scores is two 8-lane loads, the first and the last eight,
 * which overlap instead of needing a masked load or a scalar tail; longer rows
 * are a loop of such loads ending on the last eight. The maximum is a vector
 * max and three shuffle steps, and its first index the lowest set bit of the
 * lanes equal to it: the same answer as the portable kernel, ties to the
 * lowest index and -0 equal to +0, for every finite row.
 * Non-finite scores are caught without a compare: x * 0 is NaN exactly when x
 * is infinite or NaN, and OR-ing it into a running value keeps a NaN a NaN
 * (all exponent bits and some mantissa bit set) while zeros leave it alone;
 * an OR also keeps the chain from row to row one cycle long. */
#include "fp-private.h"
#include "argmax-private.h"
#include "cpu-private.h"

#if TRM__HAVE_AVX2_ARGMAX
#include <immintrin.h>

#define TARGET __attribute__((target("avx2,bmi")))
#define KERNEL static inline __attribute__((always_inline)) TARGET

bool trm__argmax_avx2_usable(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && trm__avx2_allowed();
}

/* The lanes of v that are infinite or NaN, as NaN; the others as zero. */
KERNEL __m256 nonfinite(__m256 v)
{
    return _mm256_mul_ps(v, _mm256_setzero_ps());
}

/* Every lane of the result holds the largest lane of m. */
KERNEL __m256 spread_max(__m256 m)
{
    m = _mm256_max_ps(m, _mm256_permute2f128_ps(m, m, 1));
    m = _mm256_max_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm256_max_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(2, 3, 0, 1)));
}

KERNEL unsigned lanes_equal(__m256 v, __m256 m)
{
    return (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, m, _CMP_EQ_OQ));
}

/* 8 <= k <= 16: the first and the last eight scores; bit j of the second
 * mask stands for score k - 8 + j. */
KERNEL size_t first_equal(__m256 first, __m256 last, __m256 m, size_t k)
{
    return (size_t)_tzcnt_u32(lanes_equal(first, m) | lanes_equal(last, m) << (k - 8));
}

KERNEL size_t short_row_argmax(const float *row, size_t k, __m256 *check)
{
    __m256 first = _mm256_loadu_ps(row), last = _mm256_loadu_ps(row + k - 8);
    *check = _mm256_or_ps(*check, _mm256_or_ps(nonfinite(first), nonfinite(last)));
    return first_equal(first, last, spread_max(_mm256_max_ps(first, last)), k);
}

/* Two short rows share the reduction: their half maxima meet in one vector,
 * one 128-bit lane per row, and two shuffle steps finish both. */
KERNEL void short_pair_argmax(const float *a, const float *b, size_t k, __m256 *check, size_t *pred_a,
                              size_t *pred_b)
{
    __m256 a0 = _mm256_loadu_ps(a), a1 = _mm256_loadu_ps(a + k - 8);
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + k - 8);
    __m256 bad = _mm256_or_ps(_mm256_or_ps(nonfinite(a0), nonfinite(a1)), _mm256_or_ps(nonfinite(b0), nonfinite(b1)));
    *check = _mm256_or_ps(*check, bad);
    __m256 ma = _mm256_max_ps(a0, a1), mb = _mm256_max_ps(b0, b1);
    __m256 m = _mm256_max_ps(_mm256_permute2f128_ps(ma, mb, 0x20), _mm256_permute2f128_ps(ma, mb, 0x31));
    m = _mm256_max_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(1, 0, 3, 2)));
    m = _mm256_max_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(2, 3, 0, 1)));
    *pred_a = first_equal(a0, a1, _mm256_permute2f128_ps(m, m, 0x00), k);
    *pred_b = first_equal(b0, b1, _mm256_permute2f128_ps(m, m, 0x11), k);
}

/* The hardware prefetcher alone leaves the row scan at two thirds of the
 * read pass on the Zen 5 this was tuned on; asking for the line 16 KiB ahead
 * once per 64 bytes read closes the gap. The address is formed as an integer:
 * near the end of the scores it points past them, which a prefetch tolerates
 * and pointer arithmetic would not. */
#define AHEAD ((uintptr_t)16384)

KERNEL void prefetch_ahead(const float *at)
{
    __builtin_prefetch((const void *)((uintptr_t)at + AHEAD));
}

/* k > 16: two running maxima hide the latency of the max, then the row (now
 * in L1) is searched from the start for the first lane equal to it. */
KERNEL size_t long_row_argmax(const float *row, size_t k, __m256 *check)
{
    __m256 m0 = _mm256_loadu_ps(row), m1 = _mm256_loadu_ps(row + k - 8);
    __m256 c0 = _mm256_or_ps(*check, nonfinite(m0)), c1 = nonfinite(m1);
    size_t j = 8;
    for (; j + 16 <= k; j += 16) {
        prefetch_ahead(row + j);
        __m256 a = _mm256_loadu_ps(row + j), b = _mm256_loadu_ps(row + j + 8);
        m0 = _mm256_max_ps(m0, a);
        m1 = _mm256_max_ps(m1, b);
        c0 = _mm256_or_ps(c0, nonfinite(a));
        c1 = _mm256_or_ps(c1, nonfinite(b));
    }
    if (j + 8 <= k) {
        __m256 a = _mm256_loadu_ps(row + j);
        m0 = _mm256_max_ps(m0, a);
        c0 = _mm256_or_ps(c0, nonfinite(a));
    }
    *check = _mm256_or_ps(c0, c1);
    __m256 m = spread_max(_mm256_max_ps(m0, m1));
    for (j = 0; j + 8 < k; j += 8) {
        unsigned hits = lanes_equal(_mm256_loadu_ps(row + j), m);
        if (hits)
            return j + (size_t)_tzcnt_u32(hits);
    }
    return k - 8 + (size_t)_tzcnt_u32(lanes_equal(_mm256_loadu_ps(row + k - 8), m));
}

TARGET void trm__argmax_f32_avx2(const float *scores, size_t stride, size_t k, const int32_t *y_true, size_t start,
                                 size_t end, const trm__row_filter *filter, int32_t *pred, bool *nonfinite_found)
{
    __m256 check = _mm256_setzero_ps();
    size_t i = start;
    if (k <= 16 && !filter->has_ignore)
        for (; i + 2 <= end; i += 2) {
            const float *row = scores + i * stride;
            size_t pred_a, pred_b;
            prefetch_ahead(row);
            short_pair_argmax(row, row + stride, k, &check, &pred_a, &pred_b);
            pred[i - start] = (int32_t)pred_a;
            pred[i - start + 1] = (int32_t)pred_b;
        }
    for (; i < end; i++) {
        pred[i - start] = 0;
        if (filter->has_ignore && y_true[i] == filter->ignore)
            continue;
        const float *row = scores + i * stride;
        prefetch_ahead(row);
        pred[i - start] = (int32_t)(k <= 16 ? short_row_argmax(row, k, &check) : long_row_argmax(row, k, &check));
    }
    *nonfinite_found = _mm256_movemask_ps(_mm256_cmp_ps(check, check, _CMP_UNORD_Q)) != 0;
}
#endif
