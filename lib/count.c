/* SPDX-License-Identifier: MIT */
/* Label-pair counting in one pass over memory.
 *
 * The batch is walked in blocks small enough to stay in L1: a block is first
 * validated (an OR over branch-free range tests, which vectorizes) and then
 * counted while it is still cached, so the labels are read from memory once.
 * A bad pair must leave the counts unchanged; each path ensures that in its
 * own way: the binary and small-K paths count into local sums that reach the
 * matrix only at the end, and the large-K path counts in place and, on the rare
 * failure, walks the blocks already counted again to take their counts back. */
#include "common-private.h"
#include "count-private.h"

#define BLOCK ((size_t)2048)

/* Every kernel is inlined into count_typed(), where the label type is a
 * constant: the type switch of each load then folds away and the loops are
 * straight-line code the vectorizer accepts. */
#define KERNEL static inline __attribute__((always_inline))

/* Past this many samples per call the 32-bit sub-histograms are folded into
 * the 64-bit ones before a counter could wrap. */
#define FOLD_EVERY ((size_t)1 << 30)

static inline uint64_t outside(int64_t label, size_t k)
{
    return (uint64_t)label >= (uint64_t)k; /* negatives wrap to huge values */
}

static inline size_t block_end(size_t start, size_t n)
{
    return n - start > BLOCK ? start + BLOCK : n;
}

static inline bool skipped(const trm__pairs *p, int64_t true_label)
{
    return p->has_ignore && true_label == p->ignore;
}

KERNEL size_t cell_of(const trm__pairs *p, size_t k, size_t i, enum trm__label_type type)
{
    return (size_t)trm__load_label(p->y_true, i, type) * k + (size_t)trm__load_label(p->y_pred, i, type);
}

/* Index of the first bad pair of [start, end), or end. */
KERNEL size_t first_bad(const trm__pairs *p, size_t k, size_t start, size_t end,
                               enum trm__label_type type)
{
    for (size_t i = start; i < end; i++) {
        int64_t t = trm__load_label(p->y_true, i, type), q = trm__load_label(p->y_pred, i, type);
        if (!skipped(p, t) && (outside(t, k) | outside(q, k)))
            return i;
    }
    return end;
}

/* Whether [start, end) holds a bad pair; *used counts the pairs not skipped.
 * Without an ignore label every pair counts and labels of up to 32 bits are
 * tested as uint32 (negatives wrap above 2^31, past any usable limit), which
 * the vectorizer handles in 32-bit lanes. */
KERNEL bool block_is_bad(const trm__pairs *p, size_t k, size_t start, size_t end,
                                enum trm__label_type type, uint64_t *used)
{
    if (p->has_ignore) {
        uint64_t bad = 0, count = 0;
        for (size_t i = start; i < end; i++) {
            int64_t t = trm__load_label(p->y_true, i, type), q = trm__load_label(p->y_pred, i, type);
            uint64_t use = t != p->ignore;
            bad |= use & (outside(t, k) | outside(q, k));
            count += use;
        }
        *used += count;
        return bad != 0;
    }
    *used += end - start;
    if (type == TRM__LABEL_I64) {
        uint64_t bad = 0;
        for (size_t i = start; i < end; i++)
            bad |= outside(trm__load_label(p->y_true, i, type), k) | outside(trm__load_label(p->y_pred, i, type), k);
        return bad != 0;
    }
    uint32_t limit = k < ((size_t)1 << 31) ? (uint32_t)k : (uint32_t)1 << 31, bad = 0;
    for (size_t i = start; i < end; i++)
        bad |= ((uint32_t)trm__load_label(p->y_true, i, type) >= limit) |
               ((uint32_t)trm__load_label(p->y_pred, i, type) >= limit);
    return bad != 0;
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
    counts[3] += both;
    counts[2] += trues - both;
    counts[1] += preds - both;
    counts[0] += p->n - trues - preds + both;
    *kept = p->n;
    return p->n;
}

static void fold(uint32_t *sub, uint64_t *folded, size_t cells)
{
    for (size_t c = 0; c < cells; c++) {
        folded[c] += (uint64_t)sub[c] + sub[cells + c] + sub[2 * cells + c] + sub[3 * cells + c];
        sub[c] = sub[cells + c] = sub[2 * cells + c] = sub[3 * cells + c] = 0;
    }
}

/* Small K: four 32-bit sub-histograms take consecutive pairs in turn, so runs
 * of the same cell (the diagonal, mostly) do not wait on each other's
 * store-to-load latency. */
KERNEL size_t count_small(uint64_t *counts, size_t k, const trm__pairs *p, void *scratch,
                                 enum trm__label_type type, uint64_t *kept)
{
    size_t cells = k * k;
    uint32_t *sub = scratch;
    uint64_t *folded = (uint64_t *)(sub + 4 * cells), used = 0;
    for (size_t c = 0; c < 4 * cells; c++)
        sub[c] = 0;
    for (size_t c = 0; c < cells; c++)
        folded[c] = 0;
    for (size_t start = 0; start < p->n; start = block_end(start, p->n)) {
        size_t end = block_end(start, p->n);
        if (block_is_bad(p, k, start, end, type, &used))
            return first_bad(p, k, start, end, type);
        size_t i = start;
        if (!p->has_ignore)
            for (; i + 4 <= end; i += 4) {
                sub[cell_of(p, k, i, type)]++;
                sub[cells + cell_of(p, k, i + 1, type)]++;
                sub[2 * cells + cell_of(p, k, i + 2, type)]++;
                sub[3 * cells + cell_of(p, k, i + 3, type)]++;
            }
        for (; i < end; i++)
            if (!skipped(p, trm__load_label(p->y_true, i, type)))
                sub[cell_of(p, k, i, type)]++;
        if (end % FOLD_EVERY == 0)
            fold(sub, folded, cells);
    }
    fold(sub, folded, cells);
    for (size_t c = 0; c < cells; c++)
        counts[c] += folded[c];
    *kept = used;
    return p->n;
}

/* Large K: count in place; a failure takes back the blocks already counted. */
KERNEL size_t count_in_place(uint64_t *counts, size_t k, const trm__pairs *p,
                                    enum trm__label_type type, uint64_t *kept)
{
    uint64_t used = 0;
    for (size_t start = 0; start < p->n; start = block_end(start, p->n)) {
        size_t end = block_end(start, p->n);
        if (block_is_bad(p, k, start, end, type, &used)) {
            for (size_t i = 0; i < start; i++)
                if (!skipped(p, trm__load_label(p->y_true, i, type)))
                    counts[cell_of(p, k, i, type)]--;
            return first_bad(p, k, start, end, type);
        }
        for (size_t i = start; i < end; i++)
            if (!skipped(p, trm__load_label(p->y_true, i, type)))
                counts[cell_of(p, k, i, type)]++;
    }
    *kept = used;
    return p->n;
}

KERNEL size_t count_typed(uint64_t *counts, size_t k, const trm__pairs *p,
                                                                 void *scratch, uint64_t *kept,
                                                                 enum trm__label_type type)
{
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
