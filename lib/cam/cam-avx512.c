/* SPDX-License-Identifier: MIT */
/* The Grad-CAM loops with AVX-512F, taken when the CPU has it.
 *
 * Grad-CAM reads floats and sums them in double, and the conversion bounds the
 * portable loops: on the Zen 5 this was tuned on, VCVTPS2PD issues about once
 * a cycle at any width, so 256-bit code widens 4 floats a cycle, about 50 GB/s
 * of inputs, below a read pass from L3 or memory; 512-bit code widens 8.
 *
 * Each loop keeps the portable loop's arithmetic and order (eight lanes of
 * partial sums, ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), the same
 * tails), so a CPU with AVX-512 gives the same bits as one without. A lane's
 * sum is a chain of dependent adds; where that chain would set the pace
 * (a long reduction per output), several outputs are summed side by side
 * rather than splitting one sum, which would change its rounding. */
#include "fp-private.h"
#include "cam-private.h"
#include "cpu-private.h"

#if TRM__HAVE_AVX512_CAM
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define TARGET __attribute__((target("avx512f")))
#define KERNEL static inline __attribute__((always_inline)) TARGET

/* The loops over the rows handled side by side; GCC -O2 would keep them. */
#define UNROLL _Pragma("GCC unroll 4")

bool trm__cam_avx512_usable(void)
{
    return __builtin_cpu_supports("avx512f") && trm__avx512_allowed();
}

/* Eight floats from p, as doubles. */
KERNEL __m512d widen(const float *p)
{
    return _mm512_cvtps_pd(_mm256_loadu_ps(p));
}

/* The first `count` (< 8) floats from p as doubles, the other lanes zero;
 * nothing past them is read. */
KERNEL __m512d widen_first(const float *p, size_t count)
{
    return _mm512_cvtps_pd(_mm512_castps512_ps256(_mm512_maskz_loadu_ps((__mmask16)((1u << count) - 1), p)));
}

/* The portable loops' lane total, ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)). */
KERNEL double lane_total(__m512d s)
{
    __m512d pairs = _mm512_add_pd(s, _mm512_permute_pd(s, 0x55));
    __m512d quads = _mm512_add_pd(pairs, _mm512_permutex_pd(pairs, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm512_cvtsd_f64(quads) + _mm256_cvtsd_f64(_mm512_extractf64x4_pd(quads, 1));
}

/* Asks for the line 4 KiB past float `offset` of `base`. The address is
 * formed as an integer: near the end of an input it points past it, which a
 * prefetch tolerates and pointer arithmetic would not. */
KERNEL void prefetch_ahead(const float *base, size_t offset)
{
    __builtin_prefetch((const void *)((uintptr_t)base + offset * sizeof(float) + 4096));
}

/* ---- channels-first Grad-CAM ---------------------------------------------------- */

/* map[i .. i + 8) += w cur[i .. i + 8) */
KERNEL void add_weighted(double *map, __m512d w, const float *cur)
{
    _mm512_storeu_pd(map, _mm512_add_pd(_mm512_loadu_pd(map), _mm512_mul_pd(w, widen(cur))));
}

/* cam.c's sum_and_add_row: returns the sum of the row `next` and adds the row
 * `cur`, weighted by w, into the map. */
KERNEL double sum_and_add_row(bool with_next, bool with_cur, const float *restrict next,
                              const float *restrict cur, double w, size_t n, double *restrict map)
{
    __m512d sum = _mm512_setzero_pd(), weight = _mm512_set1_pd(w);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        if (with_next) {
            prefetch_ahead(next, i);
            sum = _mm512_add_pd(sum, widen(next + i));
            sum = _mm512_add_pd(sum, widen(next + i + 8));
        }
        if (with_cur) {
            prefetch_ahead(cur, i);
            add_weighted(map + i, weight, cur + i);
            add_weighted(map + i + 8, weight, cur + i + 8);
        }
    }
    if (i + 8 <= n) {
        if (with_next)
            sum = _mm512_add_pd(sum, widen(next + i));
        if (with_cur)
            add_weighted(map + i, weight, cur + i);
        i += 8;
    }
    double tail = 0.0;
    for (; i < n; i++) {
        if (with_next)
            tail += next[i];
        if (with_cur)
            map[i] += w * cur[i];
    }
    return lane_total(sum) + tail;
}

/* The activation row added is two channels behind the gradient row summed:
 * with one, each row's adds into the map wait for the reduction that ends the
 * row before, and the out-of-order window cannot reach past it (1-D maps of
 * 200 positions: 66 vs 73 GB/s from L3). */
#define LAG ((size_t)2)

TARGET void trm__gradcam_first_avx512(const float *g, const float *a, size_t channels, size_t n, double *w,
                                      double *map)
{
    memset(map, 0, n * sizeof(double));
    size_t c = 0;
    for (; c < channels && c < LAG; c++)
        w[c] = sum_and_add_row(true, false, g + c * n, NULL, 0.0, n, map) / (double)n;
    for (; c < channels; c++)
        w[c] = sum_and_add_row(true, true, g + c * n, a + (c - LAG) * n, w[c - LAG], n, map) / (double)n;
    for (c = channels > LAG ? channels - LAG : 0; c < channels; c++)
        sum_and_add_row(false, true, NULL, a + c * n, w[c], n, map);
}

/* ---- channels-last: per-channel sums and per-position weighted sums --------------- */

/* These loops take r rows at a time side by side, r streams a row apart. The
 * r rows of a pass are contiguous, so the next pass reads the next r * width
 * floats; each step asks for that run's lines at the pace the pass reads its
 * own, r lines per 16 columns, 4 KiB further on, so every line is asked for
 * once, a pass ahead. (Channels-last 14x14 and 56x56 maps: 0.77-0.79 of a
 * read pass asking 4 KiB past each stream, 0.98-1.17 like this.) */
#define ROWS_PER_PASS ((size_t)4)

/* For row k of the pass at `rows`, at column j. */
KERNEL void prefetch_next_pass(const float *rows, size_t r, size_t width, size_t j, size_t k)
{
    prefetch_ahead(rows, r * (width + j) + k * 16);
}

/* sums[j] += rows[0][j] + ... + rows[r - 1][j], added in that order, for the
 * rows at `rows`, `rows + width`, ...: the sums are loaded and stored once per
 * r rows. */
KERNEL void add_rows(size_t r, const float *rows, size_t width, double *sums)
{
    size_t j = 0;
    for (; j + 16 <= width; j += 16) {
        __m512d low = _mm512_loadu_pd(sums + j), high = _mm512_loadu_pd(sums + j + 8);
        UNROLL
        for (size_t k = 0; k < r; k++) {
            prefetch_next_pass(rows, r, width, j, k);
            low = _mm512_add_pd(low, widen(rows + k * width + j));
            high = _mm512_add_pd(high, widen(rows + k * width + j + 8));
        }
        _mm512_storeu_pd(sums + j, low);
        _mm512_storeu_pd(sums + j + 8, high);
    }
    for (; j < width; j++)
        for (size_t k = 0; k < r; k++)
            sums[j] += rows[k * width + j];
}

/* out[0 .. r) = the weighted sums of r rows side by side: a row's sum is one
 * chain of adds, 3 cycles each, and r chains keep the adds issuing every
 * cycle (channels-last 7x7 maps of 2048 channels: 1 row at a time is
 * latency-bound at ~10 bytes a cycle). */
KERNEL void weighted_rows(size_t r, const float *rows, size_t width, const double *w, double *out)
{
    __m512d s[ROWS_PER_PASS];
    for (size_t k = 0; k < r; k++)
        s[k] = _mm512_setzero_pd();
    size_t j = 0;
    for (; j + 16 <= width; j += 16) {
        __m512d low = _mm512_loadu_pd(w + j), high = _mm512_loadu_pd(w + j + 8);
        UNROLL
        for (size_t k = 0; k < r; k++) {
            prefetch_next_pass(rows, r, width, j, k);
            s[k] = _mm512_add_pd(s[k], _mm512_mul_pd(low, widen(rows + k * width + j)));
            s[k] = _mm512_add_pd(s[k], _mm512_mul_pd(high, widen(rows + k * width + j + 8)));
        }
    }
    if (j + 8 <= width) {
        __m512d wj = _mm512_loadu_pd(w + j);
        UNROLL
        for (size_t k = 0; k < r; k++)
            s[k] = _mm512_add_pd(s[k], _mm512_mul_pd(wj, widen(rows + k * width + j)));
        j += 8;
    }
    if (j < width) { /* the portable tail adds element t into lane t */
        __mmask8 live = (__mmask8)((1u << (width - j)) - 1);
        __m512d wj = _mm512_maskz_loadu_pd(live, w + j);
        for (size_t k = 0; k < r; k++)
            s[k] = _mm512_mask_add_pd(s[k], live, s[k], _mm512_mul_pd(wj, widen_first(rows + k * width + j, width - j)));
    }
    for (size_t k = 0; k < r; k++)
        out[k] = lane_total(s[k]);
}

/* One pass of r rows from row i: their weighted sums into out[i ..], or, with
 * w NULL, their columns added into out. */
KERNEL void pass(size_t r, const float *rows, size_t i, size_t width, const double *w, double *out)
{
    if (w)
        weighted_rows(r, rows + i * width, width, w, out + i);
    else
        add_rows(r, rows + i * width, width, out);
}

/* The count rows in passes of ROWS_PER_PASS, then one at a time; r is a
 * constant in each call, so the loops over the rows of a pass unroll. */
KERNEL void in_passes(const float *rows, size_t count, size_t width, const double *w, double *out)
{
    size_t i = 0;
    for (; i + ROWS_PER_PASS <= count; i += ROWS_PER_PASS)
        pass(ROWS_PER_PASS, rows, i, width, w, out);
    for (; i < count; i++)
        pass(1, rows, i, width, w, out);
}

TARGET void trm__column_sums_avx512(const float *rows, size_t count, size_t width, double *sums)
{
    memset(sums, 0, width * sizeof(double));
    in_passes(rows, count, width, NULL, sums);
}

TARGET void trm__weighted_row_sums_avx512(const float *rows, size_t count, size_t width, const double *w,
                                          double *out)
{
    in_passes(rows, count, width, w, out);
}
#endif
