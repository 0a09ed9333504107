/* SPDX-License-Identifier: MIT */
/* Label-pair counting for K <= 16 with AVX-512 (BW and VBMI2), taken when the
 * CPU has it.
 *
 * A model is mostly right, so most pairs land on the diagonal, and counting
 * pairs one at a time costs a load and a store each. Here 64 pairs at a time
 * are split instead: the diagonal ones are counted per class with a byte
 * compare and a masked add, K vector operations per 64 pairs, and the others
 * are compressed (VPCOMPRESSB) into a short list of cells that a scalar loop
 * counts. Once a label is known to be below 16 it fits a byte, and a cell
 * numbered true * 16 + pred fits one too. */
#include "fp-private.h"
#include "common-private.h"
#include "cpu-private.h"
#include "count-private.h"

#if TRM__HAVE_AVX512_COUNT
#include <immintrin.h>
#include <string.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi2,bmi,bmi2,popcnt")))
#define KERNEL static inline __attribute__((always_inline)) TARGET

#define LANES ((size_t)64)

bool trm__count_avx512_usable(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vbmi2") && trm__avx512_allowed();
}

/* Sixteen labels of a 32-bit array, narrowed to bytes; *out gets the live
 * lanes holding K or more (negatives read as huge unsigned values). */
KERNEL __m128i load_quarter_i32(const int32_t *labels, __mmask16 live, __m512i k, __mmask64 *out, int shift)
{
    __m512i v = live == 0xFFFF ? _mm512_loadu_si512(labels) : _mm512_maskz_loadu_epi32(live, labels);
    *out |= (__mmask64)_mm512_mask_cmpge_epu32_mask(live, v, k) << shift;
    return _mm512_cvtepi32_epi8(v);
}

/* Eight labels of a 64-bit array, narrowed to the low 8 bytes of the result. */
KERNEL __m128i load_eighth_i64(const int64_t *labels, __mmask8 live, __m512i k, __mmask64 *out, int shift)
{
    __m512i v = live == 0xFF ? _mm512_loadu_si512(labels) : _mm512_maskz_loadu_epi64(live, labels);
    *out |= (__mmask64)_mm512_mask_cmpge_epu64_mask(live, v, k) << shift;
    return _mm512_cvtepi64_epi8(v);
}

/* Masked loads are used only for the tail of a batch: on the Zen 5 this was
 * tuned on, streaming with them runs at a third of the speed of plain loads. */

/* The labels of the pairs [i, i + 64) as bytes, lanes outside `live` zero;
 * *out gets the live lanes whose label is K or more, tested on the full-width
 * label before it is narrowed. */
KERNEL __m512i load_bytes(const void *labels, size_t i, __mmask64 live, size_t k, enum trm__label_type type,
                          __mmask64 *out)
{
    __m128i part[4];
    switch (type) {
    case TRM__LABEL_U8: {
        const uint8_t *at = (const uint8_t *)labels + i;
        __m512i v = live == ~0ull ? _mm512_loadu_si512(at) : _mm512_maskz_loadu_epi8(live, at);
        *out = _mm512_mask_cmpge_epu8_mask(live, v, _mm512_set1_epi8((char)k));
        return v;
    }
    case TRM__LABEL_U16: {
        const uint16_t *at = (const uint16_t *)labels + i;
        __m512i lo = live == ~0ull ? _mm512_loadu_si512(at) : _mm512_maskz_loadu_epi16((__mmask32)live, at);
        __m512i hi = live == ~0ull ? _mm512_loadu_si512(at + 32)
                                   : _mm512_maskz_loadu_epi16((__mmask32)(live >> 32), at + 32);
        __m512i limit = _mm512_set1_epi16((short)k);
        *out = (__mmask64)_mm512_mask_cmpge_epu16_mask((__mmask32)live, lo, limit) |
               (__mmask64)_mm512_mask_cmpge_epu16_mask((__mmask32)(live >> 32), hi, limit) << 32;
        return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi16_epi8(lo)), _mm512_cvtepi16_epi8(hi), 1);
    }
    case TRM__LABEL_I32: {
        __m512i limit = _mm512_set1_epi32((int)k);
        *out = 0;
        for (int q = 0; q < 4; q++)
            part[q] = load_quarter_i32((const int32_t *)labels + i + 16 * q, (__mmask16)(live >> (16 * q)), limit,
                                       out, 16 * q);
        break;
    }
    default: {
        __m512i limit = _mm512_set1_epi64((long long)k);
        *out = 0;
        for (int q = 0; q < 4; q++) {
            const int64_t *at = (const int64_t *)labels + i + 16 * q;
            __m128i a = load_eighth_i64(at, (__mmask8)(live >> (16 * q)), limit, out, 16 * q);
            __m128i b = load_eighth_i64(at + 8, (__mmask8)(live >> (16 * q + 8)), limit, out, 16 * q + 8);
            part[q] = _mm_unpacklo_epi64(a, b);
        }
        break;
    }
    }
    __m512i v = _mm512_castsi128_si512(part[0]);
    v = _mm512_inserti32x4(v, part[1], 1);
    v = _mm512_inserti32x4(v, part[2], 2);
    return _mm512_inserti32x4(v, part[3], 3);
}

static inline TARGET uint64_t byte_sum(__m512i bytes)
{
    return (uint64_t)_mm512_reduce_add_epi64(_mm512_sad_epu8(bytes, _mm512_setzero_si512()));
}

/* The off-diagonal cells of a block, waiting to be counted, and how far that
 * has got. Three spare entries after them hold TRASH_CELL, so that cells go
 * four at a time. */
typedef struct waiting {
    uint8_t cells[TRM__COUNT_BLOCK + LANES + 3];
    size_t m, at;
} waiting;

/* Cell 15 * 16 + 15 is on the diagonal, which the sub-histograms never hold. */
#define TRASH_CELL 255

/* Counts up to 4 * groups more of the m cells, from *at on, into the
 * sub-histograms in turn, so that repeats of a cell do not wait on each
 * other's store-to-load latency. (Plain locals: fields of a struct in memory
 * would be reloaded after every count, which could have changed them.) */
KERNEL void count_waiting(const uint8_t *cells, size_t m, size_t *at, size_t groups, uint64_t (*sub)[256])
{
    size_t j = *at;
    for (size_t g = 0; g < groups && j < m; g++, j += 4) {
        sub[0][cells[j]]++;
        sub[1][cells[j + 1]]++;
        sub[2][cells[j + 2]]++;
        sub[3][cells[j + 3]]++;
    }
    *at = j;
}

/* Counts one block of at most TRM__COUNT_BLOCK pairs: the diagonal into diag,
 * and the others into `next`, to be counted with the next block; returns
 * false, counting nothing, when a label is outside [0, K). The cells of the
 * block before (`prev`) are counted meanwhile: they take loads and stores,
 * the block's own work the vector units, and the two overlap. */
KERNEL bool count_block(const trm__pairs *p, size_t k, size_t start, size_t end, enum trm__label_type type,
                        uint64_t *diag, uint64_t (*sub)[256], waiting *prev, waiting *next)
{
    /* Per pair: its class when the pair is on the diagonal, else 0xFF, which
     * matches no class. The tail of the last vector is 0xFF as well. */
    uint8_t equal[TRM__COUNT_BLOCK];
    __mmask64 bad = 0;
    /* Locals: the byte stores below could otherwise change *p for the compiler. */
    size_t m = 0, size = trm__label_size(type), end_bytes = p->n * size;
    size_t vectors = (end - start + LANES - 1) / LANES, passes = (k + 1) / 3;
    /* prev's cells spread evenly over the loops below, in groups of four */
    const uint8_t *waiting_cells = prev->cells;
    size_t waiting_m = prev->m, at = prev->at;
    size_t groups = ((waiting_m - at + 3) / 4 + vectors * (1 + passes) - 1) / (vectors * (1 + passes));
    const void *y_true = p->y_true, *y_pred = p->y_pred;
    for (size_t i = start; i < end; i += LANES) {
        __mmask64 live = _bzhi_u64(~0ull, (unsigned)(end - i < LANES ? end - i : LANES)), out_true, out_pred;
        /* The 64 pairs a block ahead: as many lines as a label has bytes. */
        for (size_t line = 0; line < size; line++)
            trm__prefetch_pairs(p, (i + TRM__COUNT_BLOCK) * size + 64 * line, end_bytes);
        __m512i t = load_bytes(y_true, i, live, k, type, &out_true);
        __m512i q = load_bytes(y_pred, i, live, k, type, &out_pred);
        bad |= out_true | out_pred;
        __mmask64 same = _mm512_mask_cmpeq_epi8_mask(live, t, q);
        _mm512_storeu_si512(equal + (i - start), _mm512_mask_mov_epi8(_mm512_set1_epi8(-1), same, t));
        /* true * 16 + pred, bytewise: a 16-bit shift moves no bits across the
         * byte boundary while both labels are below 16. */
        __m512i cell = _mm512_or_si512(_mm512_slli_epi16(t, 4), q);
        __mmask64 differ = live & ~same;
        _mm512_storeu_si512(next->cells + m, _mm512_maskz_compress_epi8(differ, cell));
        m += (size_t)_mm_popcnt_u64(differ);
        count_waiting(waiting_cells, waiting_m, &at, groups, sub);
    }
    if (bad)
        return false;
    memset(next->cells + m, TRASH_CELL, 3);
    next->m = m;
    next->at = 0;
    uint64_t on_diagonal = (end - start) - m;
    /* A block of 32 vectors keeps the byte counters below 256. Classes are
     * taken three at a time, so that independent counters hide the latency of
     * each masked add; the last class is what the others leave of the
     * diagonal, and classes of K and above count nothing. */
    for (size_t c = 0; c + 1 < k; c += 3) {
        __m512i c0 = _mm512_set1_epi8((char)c), c1 = _mm512_set1_epi8((char)(c + 1));
        __m512i c2 = _mm512_set1_epi8((char)(c + 2)), one = _mm512_set1_epi8(1);
        __m512i n0 = _mm512_setzero_si512(), n1 = n0, n2 = n0;
        for (size_t v = 0; v < vectors; v++) {
            __m512i classes = _mm512_loadu_si512(equal + v * LANES);
            n0 = _mm512_mask_add_epi8(n0, _mm512_cmpeq_epi8_mask(classes, c0), n0, one);
            n1 = _mm512_mask_add_epi8(n1, _mm512_cmpeq_epi8_mask(classes, c1), n1, one);
            n2 = _mm512_mask_add_epi8(n2, _mm512_cmpeq_epi8_mask(classes, c2), n2, one);
            count_waiting(waiting_cells, waiting_m, &at, groups, sub);
        }
        uint64_t n[3] = { byte_sum(n0), byte_sum(n1), byte_sum(n2) };
        for (size_t g = 0; g < 3 && c + g + 1 < k; g++) {
            diag[c + g] += n[g];
            on_diagonal -= n[g];
        }
    }
    diag[k - 1] += on_diagonal;
    count_waiting(waiting_cells, waiting_m, &at, SIZE_MAX, sub);
    prev->at = at;
    return true;
}

/* K = 2: adds the block's true ones, predicted ones and pairs of ones to
 * sums[0..2], VPSADBW summing 64 bytes at a time; returns false, adding
 * nothing, when a label is outside {0, 1}. */
KERNEL bool sum_binary_block(const trm__pairs *p, size_t start, size_t end, enum trm__label_type type,
                             uint64_t *sums)
{
    __m512i trues = _mm512_setzero_si512(), preds = trues, both = trues, zero = trues;
    __mmask64 bad = 0;
    for (size_t i = start; i < end; i += LANES) {
        __mmask64 live = _bzhi_u64(~0ull, (unsigned)(end - i < LANES ? end - i : LANES)), out_true, out_pred;
        __m512i t = load_bytes(p->y_true, i, live, 2, type, &out_true);
        __m512i q = load_bytes(p->y_pred, i, live, 2, type, &out_pred);
        bad |= out_true | out_pred;
        trues = _mm512_add_epi64(trues, _mm512_sad_epu8(t, zero));
        preds = _mm512_add_epi64(preds, _mm512_sad_epu8(q, zero));
        both = _mm512_add_epi64(both, _mm512_sad_epu8(_mm512_and_si512(t, q), zero));
    }
    if (bad)
        return false;
    sums[0] += (uint64_t)_mm512_reduce_add_epi64(trues);
    sums[1] += (uint64_t)_mm512_reduce_add_epi64(preds);
    sums[2] += (uint64_t)_mm512_reduce_add_epi64(both);
    return true;
}

KERNEL size_t count_typed(uint64_t *counts, size_t k, const trm__pairs *p, enum trm__label_type type,
                          uint64_t *kept)
{
    if (k == 2) {
        uint64_t sums[3] = { 0, 0, 0 };
        for (size_t start = 0; start < p->n; start += TRM__COUNT_BLOCK) {
            size_t end = trm__block_end_by(start, p->n, TRM__COUNT_BLOCK);
            if (!sum_binary_block(p, start, end, type, sums))
                return start;
        }
        trm__add_binary_sums(counts, p->n, sums[0], sums[1], sums[2]);
        *kept = p->n;
        return p->n;
    }
    uint64_t diag[TRM__AVX512_MAX_K] = { 0 }, sub[4][256];
    memset(sub, 0, sizeof sub);
    waiting cells[2];
    cells[1].m = cells[1].at = 0;
    for (size_t start = 0, b = 0; start < p->n; start += TRM__COUNT_BLOCK, b++) {
        size_t end = trm__block_end_by(start, p->n, TRM__COUNT_BLOCK);
        if (!count_block(p, k, start, end, type, diag, sub, &cells[(b + 1) % 2], &cells[b % 2]))
            return start;
    }
    waiting *last = &cells[(p->n - 1) / TRM__COUNT_BLOCK % 2];
    count_waiting(last->cells, last->m, &last->at, SIZE_MAX, sub);
    for (size_t t = 0; t < k; t++)
        for (size_t q = 0; q < k; q++)
            counts[t * k + q] += t == q ? diag[t] : sub[0][t * 16 + q] + sub[1][t * 16 + q] +
                                                        sub[2][t * 16 + q] + sub[3][t * 16 + q];
    *kept = p->n;
    return p->n;
}

TARGET size_t trm__count_pairs_avx512(uint64_t *counts, size_t k, const trm__pairs *pairs, uint64_t *kept)
{
    switch (pairs->type) {
    case TRM__LABEL_U8: return count_typed(counts, k, pairs, TRM__LABEL_U8, kept);
    case TRM__LABEL_U16: return count_typed(counts, k, pairs, TRM__LABEL_U16, kept);
    case TRM__LABEL_I32: return count_typed(counts, k, pairs, TRM__LABEL_I32, kept);
    default: return count_typed(counts, k, pairs, TRM__LABEL_I64, kept);
    }
}
#endif
