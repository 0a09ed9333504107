/* SPDX-License-Identifier: MIT */
/* Label-pair counting in one pass over memory.
 *
 * The batch is walked in blocks small enough to stay in L1: one vectorized
 * loop over a block tests the labels (an OR over branch-free range tests) and
 * numbers each pair's cell; the cells are then counted while the labels of the
 * next block are prefetched, so memory and counting overlap and the labels
 * are read from memory once.
 * A bad pair must leave the counts unchanged; each path ensures that in its
 * own way: the binary and small-K paths count into local sums that reach the
 * matrix only at the end, and the large-K path counts in place and, on the rare
 * failure, walks the blocks already counted again to take their counts back. */
#include "fp-private.h"
#include "common-private.h"
#include "count-private.h"

#define BLOCK TRM__COUNT_BLOCK

/* Every kernel is inlined into count_typed(), where the label type is a
 * constant: the type switch of each load then folds away and the loops are
 * straight-line code the vectorizer accepts. */
#define KERNEL static inline __attribute__((always_inline))

/* Past this many samples per call the 32-bit sub-histograms are folded into
 * the 64-bit ones before a counter could wrap. */
#define FOLD_EVERY ((size_t)1 << 30)

static inline size_t block_end(size_t start, size_t n)
{
    return trm__block_end_by(start, n, BLOCK);
}

static inline bool skipped(const trm__pairs *p, int64_t true_label)
{
    return p->has_ignore && true_label == p->ignore;
}

/* Index of the first bad pair of [start, end), or end. */
KERNEL size_t first_bad(const trm__pairs *p, size_t k, size_t start, size_t end,
                               enum trm__label_type type)
{
    for (size_t i = start; i < end; i++) {
        int64_t t = trm__load_label(p->y_true, i, type), q = trm__load_label(p->y_pred, i, type);
        if (!skipped(p, t) && (trm__outside(t, k) | trm__outside(q, k)))
            return i;
    }
    return end;
}

/* K = 2 without an ignore label: the four cells follow from three sums (true
 * ones, predicted ones, both), which vectorize to the memory bandwidth. The
 * range test rides along in the same loop. */
KERNEL size_t count_binary(uint64_t *counts, const trm__pairs *p, enum trm__label_type type,
                                  uint64_t *kept)
{
    uint64_t trues = 0, preds = 0, both = 0;
    for (size_t start = 0; start < p->n; start = block_end(start, p->n)) {
        size_t end = block_end(start, p->n);
        /* 64-bit labels could truncate to 0/1 below, so they are checked exactly first. */
        if (type == TRM__LABEL_I64 && first_bad(p, 2, start, end, type) != end)
            return first_bad(p, 2, start, end, type);
        /* Narrow types keep narrow lanes: valid labels are 0/1, so a block's
         * sums fit 16 bits, and a block with anything else is discarded. */
        uint16_t t_sum = 0, p_sum = 0, tp_sum = 0;
        uint32_t bad = 0;
        for (size_t i = start; i < end; i++) {
            uint32_t t = (uint32_t)trm__load_label(p->y_true, i, type);
            uint32_t q = (uint32_t)trm__load_label(p->y_pred, i, type);
            bad |= (t | q) & ~1u;
            t_sum = (uint16_t)(t_sum + t);
            p_sum = (uint16_t)(p_sum + q);
            tp_sum = (uint16_t)(tp_sum + (t & q));
        }
        if (bad)
            return first_bad(p, 2, start, end, type);
        trues += t_sum;
        preds += p_sum;
        both += tp_sum;
    }
    trm__add_binary_sums(counts, p->n, trues, preds, both);
    *kept = p->n;
    return p->n;
}

/* Numbers the cells of the pairs of [start, end) into cells, leaving skipped
 * pairs out, and returns how many it wrote; *bad says whether a counted pair
 * has a label outside [0, K). Without an ignore label every pair counts and
 * labels of up to 32 bits are tested as uint32 (negatives wrap above 2^31,
 * past K), so the loop vectorizes in 32-bit lanes. */
KERNEL size_t block_cells(const trm__pairs *p, size_t k, size_t start, size_t end, enum trm__label_type type,
                          uint32_t *cells, bool *bad)
{
    size_t m = 0;
    if (p->has_ignore) {
        uint64_t out = 0;
        for (size_t i = start; i < end; i++) {
            int64_t t = trm__load_label(p->y_true, i, type), q = trm__load_label(p->y_pred, i, type);
            uint64_t use = t != p->ignore;
            out |= use & (trm__outside(t, k) | trm__outside(q, k));
            /* Skipped pairs are written and then overwritten: no branch to mispredict. */
            cells[m] = (uint32_t)t * (uint32_t)k + (uint32_t)q;
            m += use;
        }
        *bad = out != 0;
        return m;
    }
    uint64_t out = 0;
    uint32_t limit = (uint32_t)k, out32 = 0;
    for (size_t i = start; i < end; i++, m++) {
        int64_t t = trm__load_label(p->y_true, i, type), q = trm__load_label(p->y_pred, i, type);
        if (type == TRM__LABEL_I64)
            out |= trm__outside(t, k) | trm__outside(q, k);
        else
            out32 |= ((uint32_t)t >= limit) | ((uint32_t)q >= limit);
        cells[m] = (uint32_t)t * (uint32_t)k + (uint32_t)q;
    }
    *bad = (out | out32) != 0;
    return m;
}

/* Counting a block is compute bound and leaves the memory system idle, so
 * while it runs the labels of the next block are fetched: line `line` of each
 * label array, past the block that starts at `next` and ends at `next_end`. */
KERNEL void prefetch_line(const trm__pairs *p, size_t next, size_t next_end, size_t line,
                          enum trm__label_type type)
{
    size_t size = trm__label_size(type);
    trm__prefetch_pairs(p, next * size + line * 64, next_end * size);
}

/* Cells taken between two prefetches: 64 bytes of int32 labels. */
#define CHUNK ((size_t)16)

/* Adds delta to the matrix cell of each of the m cells. */
KERNEL void add_in_place(uint64_t *counts, const uint32_t *cells, size_t m, uint64_t delta,
                         const trm__pairs *p, size_t next, size_t next_end, enum trm__label_type type)
{
    for (size_t c = 0; c < m; c += CHUNK) {
        prefetch_line(p, next, next_end, c / CHUNK, type);
        size_t stop = m - c < CHUNK ? m : c + CHUNK;
        /* unrolled: the loop's own compare and branch otherwise slow it */
        _Pragma("GCC unroll 4")
        for (size_t j = c; j < stop; j++)
            counts[cells[j]] += delta;
    }
}

/* The small-K path's sub-histograms (count-avx512.c keeps its own, of 8-bit
 * cells and 64-bit counters): counts m cells into four sub-histograms of
 * 32-bit counters `stride` apart, taking consecutive cells in turn, so runs of
 * the same cell (the diagonal, mostly) do not wait on each other's
 * store-to-load latency. */
static inline void count_cells(uint32_t *sub, size_t stride, const uint32_t *cell, size_t m)
{
    size_t j = 0;
    _Pragma("GCC unroll 4")
    for (; j + 4 <= m; j += 4) {
        sub[cell[j]]++;
        sub[stride + cell[j + 1]]++;
        sub[2 * stride + cell[j + 2]]++;
        sub[3 * stride + cell[j + 3]]++;
    }
    for (; j < m; j++)
        sub[cell[j]]++;
}

/* Adds the four sub-histograms of `cells` counters to `to` and clears them. */
static inline void fold_cells(uint32_t *sub, size_t cells, uint64_t *to)
{
    for (size_t c = 0; c < cells; c++) {
        to[c] += (uint64_t)sub[c] + sub[cells + c] + sub[2 * cells + c] + sub[3 * cells + c];
        sub[c] = sub[cells + c] = sub[2 * cells + c] = sub[3 * cells + c] = 0;
    }
}

/* count_cells() a chunk at a time, prefetching the next block's labels
 * in between. */
KERNEL void add_to_subs(uint32_t *sub, size_t stride, const uint32_t *cell, size_t m, const trm__pairs *p,
                        size_t next, size_t next_end, enum trm__label_type type)
{
    for (size_t c = 0; c < m; c += CHUNK) {
        prefetch_line(p, next, next_end, c / CHUNK, type);
        count_cells(sub, stride, cell + c, m - c < CHUNK ? m - c : CHUNK);
    }
}

/* Small K: the counts go to sub-histograms in the scratch and reach the matrix
 * only at the end. */
KERNEL size_t count_small(uint64_t *counts, size_t k, const trm__pairs *p, void *scratch,
                                 enum trm__label_type type, uint64_t *kept)
{
    size_t n_cells = k * k;
    uint32_t *sub = scratch;
    uint64_t *folded = (uint64_t *)(sub + 4 * n_cells), used = 0;
    uint32_t cells[BLOCK];
    for (size_t c = 0; c < 4 * n_cells; c++)
        sub[c] = 0;
    for (size_t c = 0; c < n_cells; c++)
        folded[c] = 0;
    for (size_t start = 0; start < p->n; start = block_end(start, p->n)) {
        size_t end = block_end(start, p->n);
        bool bad;
        size_t m = block_cells(p, k, start, end, type, cells, &bad);
        if (bad)
            return first_bad(p, k, start, end, type);
        used += m;
        add_to_subs(sub, n_cells, cells, m, p, end, block_end(end, p->n), type);
        if (end % FOLD_EVERY == 0)
            fold_cells(sub, n_cells, folded);
    }
    fold_cells(sub, n_cells, folded);
    for (size_t c = 0; c < n_cells; c++)
        counts[c] += folded[c];
    *kept = used;
    return p->n;
}

/* Large K: count in place; a failure takes back the blocks already counted. */
KERNEL size_t count_in_place(uint64_t *counts, size_t k, const trm__pairs *p, enum trm__label_type type,
                             uint64_t *kept)
{
    uint64_t used = 0;
    uint32_t cells[BLOCK];
    for (size_t start = 0; start < p->n; start = block_end(start, p->n)) {
        size_t end = block_end(start, p->n);
        bool bad;
        size_t m = block_cells(p, k, start, end, type, cells, &bad);
        if (bad) {
            for (size_t back = 0; back < start; back = block_end(back, p->n)) {
                m = block_cells(p, k, back, block_end(back, p->n), type, cells, &bad);
                add_in_place(counts, cells, m, UINT64_MAX, p, 0, 0, type);
            }
            return first_bad(p, k, start, end, type);
        }
        used += m;
        add_in_place(counts, cells, m, 1, p, end, block_end(end, p->n), type);
    }
    *kept = used;
    return p->n;
}

KERNEL size_t count_typed(uint64_t *counts, size_t k, const trm__pairs *p,
                                                                 void *scratch, uint64_t *kept,
                                                                 enum trm__label_type type)
{
#if TRM__HAVE_AVX512_COUNT
    if (k <= TRM__AVX512_MAX_K && !p->has_ignore && p->n >= BLOCK && trm__count_avx512_usable()) {
        size_t bad_block = trm__count_pairs_avx512(counts, k, p, kept);
        return bad_block == p->n ? p->n : first_bad(p, k, bad_block, block_end(bad_block, p->n), type);
    }
#endif
    if (k == 2 && !p->has_ignore)
        return count_binary(counts, p, type, kept);
    if (scratch && p->n >= 4 * k * k)
        return count_small(counts, k, p, scratch, type, kept);
    return count_in_place(counts, k, p, type, kept);
}

TRM__DISPATCH size_t trm__count_pairs(uint64_t *counts, size_t k, const trm__pairs *pairs, void *scratch, uint64_t *kept)
{
    switch (pairs->type) {
    case TRM__LABEL_U8: return count_typed(counts, k, pairs, scratch, kept, TRM__LABEL_U8);
    case TRM__LABEL_U16: return count_typed(counts, k, pairs, scratch, kept, TRM__LABEL_U16);
    case TRM__LABEL_I32: return count_typed(counts, k, pairs, scratch, kept, TRM__LABEL_I32);
    default: return count_typed(counts, k, pairs, scratch, kept, TRM__LABEL_I64);
    }
}
