/* SPDX-License-Identifier: MIT */
/* trm_confusion_update_argmax_f32 for rows of at most 40 scores with
 * AVX-512F, taken when the CPU has it: the argmaxes found 16 rows at a time
 * and counted as they are found.
 *
 * A row at a time, the argmax is a horizontal reduction: shuffles and maxima
 * inside one vector, a compare against the result, a bit scan. Here sixteen
 * rows are done together and the work is vertical instead. A row's 16 scores
 * are one masked load (a shorter row's other lanes get -FLT_MAX, which no
 * finite score loses to); in-lane unpacks turn four such rows into four
 * vectors whose 128-bit lane L holds, for the four rows, score 4L + j
 * (j = 0..3), so three compares and maxima give every lane the best of its
 * four scores and their index. A 4x4 shuffle of 128-bit lanes across four
 * such groups lines up lane L of all sixteen rows, and three more compares
 * merge the lanes in score order; longer rows repeat this per 16 scores and
 * merge the results the same way. A later candidate wins only when strictly
 * greater, so ties go to the lowest index and -0 equals +0, as in the
 * portable kernel.
 *
 * The scan is bound by the vector units and counting by loads and stores, so
 * the cells of one block of rows are counted while the next block is
 * scanned, and the two overlap. A block is counted only once it has been
 * checked; a bad row takes back the blocks counted before it, so a failed
 * call leaves the matrix as it was. */
#include "fp-private.h"
#include "argmax-private.h"
#include "cpu-private.h"

#if TRM__HAVE_AVX512_ARGMAX
#include <immintrin.h>
#include <float.h>
#include <stdint.h>

#define TARGET __attribute__((target("avx512f")))
#define KERNEL static inline __attribute__((always_inline)) TARGET

/* The loops over rows and lanes, which must live in registers; GCC -O2 would
 * keep them as loops over arrays in memory. */
#define UNROLL _Pragma("GCC unroll 4")

bool trm__argmax_avx512_usable(void)
{
    return __builtin_cpu_supports("avx512f") && trm__avx512_allowed();
}

/* A running best score and its index, for each lane. */
typedef struct best {
    __m512 score;
    __m512i index;
} best;

/* Where `later` (higher indices than `*b`) is strictly greater, it wins. The
 * maximum is taken apart from the compare, which keeps the compare's latency
 * out of the chain from one step to the next. */
KERNEL void take_greater(best *b, __m512 later, __m512i later_index)
{
    __mmask16 greater = _mm512_cmp_ps_mask(later, b->score, _CMP_GT_OQ);
    b->score = _mm512_max_ps(b->score, later);
    b->index = _mm512_mask_blend_epi32(greater, b->index, later_index);
}

KERNEL __m512 unpack_lo_pairs(__m512 a, __m512 b)
{
    return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
}

KERNEL __m512 unpack_hi_pairs(__m512 a, __m512 b)
{
    return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
}

/* x * 0 is NaN exactly when x is infinite or NaN; OR-ing it into *check
 * keeps a NaN a NaN (all exponent bits and some mantissa bit set) while zeros
 * leave it alone. */
KERNEL void check_finite(__m512 *check, __m512 x)
{
    __m512i bad = _mm512_castps_si512(_mm512_mul_ps(x, _mm512_setzero_ps()));
    *check = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(*check), bad));
}

/* Rows row, row + stride, row + 2 stride, row + 3 stride: lane L of the
 * result holds the best of scores 4L .. 4L + 3 of each. */
KERNEL best four_rows(const float *row, size_t stride, __mmask16 in_row, __m512 *check)
{
    __m512 x[4];
    UNROLL
    for (size_t i = 0; i < 4; i++) {
        /* the pointer walks from row to row, which spares GCC an address
         * register per row, and stops at the last */
        if (i > 0)
            row += stride;
        x[i] = _mm512_mask_loadu_ps(_mm512_set1_ps(-FLT_MAX), in_row, row);
        check_finite(check, x[i]);
    }
    __m512 lo01 = _mm512_unpacklo_ps(x[0], x[1]), hi01 = _mm512_unpackhi_ps(x[0], x[1]);
    __m512 lo23 = _mm512_unpacklo_ps(x[2], x[3]), hi23 = _mm512_unpackhi_ps(x[2], x[3]);
    __m512i first = _mm512_set_epi32(12, 12, 12, 12, 8, 8, 8, 8, 4, 4, 4, 4, 0, 0, 0, 0);
    best b = { unpack_lo_pairs(lo01, lo23), first };
    take_greater(&b, unpack_hi_pairs(lo01, lo23), _mm512_add_epi32(first, _mm512_set1_epi32(1)));
    take_greater(&b, unpack_lo_pairs(hi01, hi23), _mm512_add_epi32(first, _mm512_set1_epi32(2)));
    take_greater(&b, unpack_hi_pairs(hi01, hi23), _mm512_add_epi32(first, _mm512_set1_epi32(3)));
    return b;
}

/* The hardware prefetcher alone does not keep up with the scan; each line of
 * scores is asked for 16 KiB ahead, and the line of true labels 64 groups
 * ahead. The addresses are formed as integers: near the end of an input they
 * point past it, which a prefetch tolerates and pointer arithmetic would not. */
#define AHEAD ((uintptr_t)16384)
#define LABELS_AHEAD ((uintptr_t)4096)

/* Shuffles picking the even or the odd 128-bit lanes of each source. */
#define EVEN_LANES _MM_SHUFFLE(2, 0, 2, 0)
#define ODD_LANES _MM_SHUFFLE(3, 1, 3, 1)

/* The 4x4 transpose of 128-bit lanes: lane L of v[q] goes to lane q of v[L]. */
KERNEL void transpose_lanes(__m512 v[4])
{
    __m512 even01 = _mm512_shuffle_f32x4(v[0], v[1], EVEN_LANES), even23 = _mm512_shuffle_f32x4(v[2], v[3], EVEN_LANES);
    __m512 odd01 = _mm512_shuffle_f32x4(v[0], v[1], ODD_LANES), odd23 = _mm512_shuffle_f32x4(v[2], v[3], ODD_LANES);
    v[0] = _mm512_shuffle_f32x4(even01, even23, EVEN_LANES);
    v[1] = _mm512_shuffle_f32x4(odd01, odd23, EVEN_LANES);
    v[2] = _mm512_shuffle_f32x4(even01, even23, ODD_LANES);
    v[3] = _mm512_shuffle_f32x4(odd01, odd23, ODD_LANES);
}

/* For each of the 16 rows from `row` on, the best of its first k <= 16
 * scores (the lanes of in_row) and their index. */
KERNEL best sixteen_rows(const float *row, size_t stride, size_t k, __mmask16 in_row, __m512 *check)
{
    __m512 score[4], index[4];
    UNROLL
    for (size_t q = 0; q < 4; q++) {
        best g = four_rows(row + 4 * q * stride, stride, in_row, check);
        score[q] = g.score;
        index[q] = _mm512_castsi512_ps(g.index);
    }
    transpose_lanes(score);
    transpose_lanes(index);
    /* lane[L]: for each of the 16 rows, the best of scores 4L .. 4L + 3 */
    best lane[4];
    UNROLL
    for (size_t l = 0; l < 4; l++)
        lane[l] = (best){ score[l], _mm512_castps_si512(index[l]) };
    if (k > 4)
        take_greater(&lane[0], lane[1].score, lane[1].index);
    if (k > 12)
        take_greater(&lane[2], lane[3].score, lane[3].index);
    if (k > 8)
        take_greater(&lane[0], lane[2].score, lane[2].index);
    return lane[0];
}

/* The argmaxes of the 16 rows from `row` on, 16 scores at a time; in_last
 * holds the lanes of the last 16 (or fewer). `wide` (a constant) says
 * whether k can exceed 16. */
KERNEL __m512i argmax_sixteen(const float *row, size_t stride, size_t k, bool wide, __mmask16 in_last,
                              __m512 *check)
{
    for (size_t byte = 0; byte < 64 * stride; byte += 64)
        __builtin_prefetch((const void *)((uintptr_t)row + byte + AHEAD));
    if (!wide)
        return sixteen_rows(row, stride, k, in_last, check).index;
    best b = sixteen_rows(row, stride, 16, 0xFFFF, check);
    for (size_t j = 16; j < k; j += 16) {
        best part = sixteen_rows(row + j, stride, k - j < 16 ? k - j : 16, k - j <= 16 ? in_last : 0xFFFF, check);
        take_greater(&b, part.score, _mm512_add_epi32(part.index, _mm512_set1_epi32((int)j)));
    }
    return b.index;
}

/* The cells (true * K + argmax) of 16 rows into cells; *bad gets the rows of
 * `live` whose true label is K or more (negatives read as huge), whose cells
 * are clamped into the matrix but never counted. */
KERNEL void cells_of_sixteen(const int32_t *y_true, __m512i pred, size_t k, __mmask16 live, uint32_t *cells,
                             __mmask16 *bad)
{
    __m512i truth = _mm512_loadu_si512(y_true), kv = _mm512_set1_epi32((int)k);
    *bad |= _mm512_mask_cmpge_epu32_mask(live, truth, kv);
    __m512i cell = _mm512_add_epi32(_mm512_mullo_epi32(truth, kv), pred);
    _mm512_storeu_si512(cells, _mm512_min_epu32(cell, _mm512_set1_epi32((int)(k * k - 1))));
}

/* The scan of one call: the rows of k scores `stride` apart, their true
 * labels, and what it has seen of them. `wide` (a constant) says whether k
 * can exceed 16; in_last holds the lanes of the row's last 16 scores (or
 * fewer). */
typedef struct scan {
    const float *scores;
    const int32_t *y_true;
    size_t k, stride;
    bool wide;
    __mmask16 in_last, bad;
    __m512 check;
} scan;

/* Finds the argmaxes of the 16 rows from row i on and writes their cells;
 * only the rows of `live` are checked. */
KERNEL void scan_group(scan *s, size_t i, __mmask16 live, uint32_t *cells)
{
    __builtin_prefetch((const void *)((uintptr_t)(s->y_true + i) + LABELS_AHEAD));
    __m512i pred = argmax_sixteen(s->scores + i * s->stride, s->stride, s->k, s->wide, s->in_last, &s->check);
    cells_of_sixteen(s->y_true + i, pred, s->k, live, cells, &s->bad);
}

KERNEL bool scan_failed(const scan *s)
{
    return s->bad || _mm512_cmp_ps_mask(s->check, s->check, _CMP_UNORD_Q);
}

KERNEL void add_cells(uint64_t *counts, const uint32_t *cells, size_t m, uint64_t delta)
{
    UNROLL
    for (size_t j = 0; j < m; j++)
        counts[cells[j]] += delta;
}

/* Rows are checked a block at a time and counted a block behind, so that a
 * count never waits on the check, and only rows known good are counted. */
#define BLOCK_ROWS ((size_t)1024)

/* Takes back the counts of rows [0, end), a multiple of 16: the same scan
 * finds the same cells, and integer counts undo exactly. */
KERNEL void take_back(uint64_t *counts, scan *s, size_t end)
{
    uint32_t cells[16];
    for (size_t i = 0; i < end; i += 16) {
        scan_group(s, i, 0xFFFF, cells);
        add_cells(counts, cells, 16, UINT64_MAX);
    }
}

KERNEL bool count_argmax(uint64_t *counts, size_t k, bool wide, const int32_t *y_true, const float *scores,
                         size_t n, size_t stride, size_t *checked)
{
    scan s = { scores, y_true, k, stride, wide, (__mmask16)((1u << ((k - 1) % 16 + 1)) - 1), 0,
               _mm512_setzero_ps() };
    /* the cells of the block being scanned and of the one before, which is
     * counted meanwhile: the scan is bound by the vector units and the count
     * by loads and stores, and the two overlap */
    uint32_t cells[2][BLOCK_ROWS];
    size_t i = 0, blocks = 0;
    for (; n - i >= 16; i += 16) {
        size_t at = i % BLOCK_ROWS;
        scan_group(&s, i, 0xFFFF, cells[blocks % 2] + at);
        if (blocks > 0)
            add_cells(counts, cells[(blocks - 1) % 2] + at, 16, 1);
        if (at + 16 == BLOCK_ROWS) {
            if (scan_failed(&s)) {
                take_back(counts, &s, i + 16 - BLOCK_ROWS);
                *checked = i + 16;
                return false;
            }
            blocks++;
        }
    }
    /* the last rows, as the end of the 16 rows that end the call */
    uint32_t tail[16];
    size_t left = n - i;
    if (left > 0)
        scan_group(&s, n - 16, (__mmask16)(0xFFFF << (16 - left)), tail);
    if (scan_failed(&s)) {
        /* the blocks before the last one, and as much of it as the rows
         * scanned since */
        take_back(counts, &s, blocks > 0 ? (blocks - 1) * BLOCK_ROWS + i % BLOCK_ROWS : 0);
        *checked = n;
        return false;
    }
    if (blocks > 0)
        add_cells(counts, cells[(blocks - 1) % 2] + i % BLOCK_ROWS, BLOCK_ROWS - i % BLOCK_ROWS, 1);
    add_cells(counts, cells[blocks % 2], i % BLOCK_ROWS, 1);
    add_cells(counts, tail + 16 - left, left, 1);
    return true;
}

TARGET bool trm__count_argmax_f32_avx512(uint64_t *counts, size_t k, const int32_t *y_true, const float *scores,
                                         size_t n, size_t stride, size_t *checked)
{
    if (k <= 16)
        return count_argmax(counts, k, false, y_true, scores, n, stride, checked);
    return count_argmax(counts, k, true, y_true, scores, n, stride, checked);
}
#endif
