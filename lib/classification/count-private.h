/* SPDX-License-Identifier: MIT */
/* The label-pair counting kernels behind trm_confusion_update_{u8,u16,i32,i64}:
 * one pass over memory that validates each block and counts it while it is
 * still in cache, leaving the counts untouched when a bad pair turns up. */
#ifndef TRM_COUNT_PRIVATE_H
#define TRM_COUNT_PRIVATE_H

#include "cpu-private.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum trm__label_type { TRM__LABEL_U8, TRM__LABEL_U16, TRM__LABEL_I32, TRM__LABEL_I64 };

/* Scratch the small-K path wants: 4 sub-histograms of 32-bit counters and one
 * 64-bit fold, for K*K <= TRM__SMALL_CELLS; 0 bytes beyond that. */
#define TRM__SMALL_CELLS ((size_t)4096)
#define TRM__COUNT_SCRATCH(k) \
    ((k) * (k) <= TRM__SMALL_CELLS ? (k) * (k) * (4 * sizeof(uint32_t) + sizeof(uint64_t)) : 0)

/* Wider matrices (32 GiB of cells and more) take a plain two-pass path. */
#define TRM__COUNT_MAX_K ((size_t)1 << 16)

typedef struct trm__pairs {
    const void *y_true, *y_pred;
    size_t n;
    enum trm__label_type type;
    bool has_ignore; /* pairs whose true label == ignore are skipped unchecked */
    int64_t ignore;
} trm__pairs;

/* Adds the batch to counts (K*K row-major). Returns n on success and sets
 * *kept to the number of pairs counted; otherwise returns the index of the
 * first pair with a label outside [0, K) and the counts are as they were.
 * scratch holds TRM__COUNT_SCRATCH(k) bytes, 16-byte aligned, or is NULL.
 * K is at most TRM__COUNT_MAX_K, so that cells number in 32 bits.
 * The caller guarantees the total cannot overflow by n more counts. */
size_t trm__count_pairs(uint64_t *counts, size_t k, const trm__pairs *pairs, void *scratch, uint64_t *kept);

/* K = 2: the four cells of n pairs from the number of true ones, predicted
 * ones and pairs of ones. */
static inline void trm__add_binary_sums(uint64_t *counts, uint64_t n, uint64_t trues, uint64_t preds, uint64_t both)
{
    counts[3] += both;
    counts[2] += trues - both;
    counts[1] += preds - both;
    counts[0] += n - trues - preds + both;
}

/* Pairs are validated and counted in blocks of this many. */
#define TRM__COUNT_BLOCK ((size_t)2048)

/* 2 <= K <= 16 without an ignore label, on CPUs with AVX-512 BW and VBMI2: the
 * same contract as trm__count_pairs(), except that a failure returns the
 * start of the block of TRM__COUNT_BLOCK pairs holding the first bad pair. */
#if TRM__X86_KERNELS
#define TRM__HAVE_AVX512_COUNT 1
#define TRM__AVX512_MAX_K ((size_t)16)
bool trm__count_avx512_usable(void);
size_t trm__count_pairs_avx512(uint64_t *counts, size_t k, const trm__pairs *pairs, uint64_t *kept);
#else
#define TRM__HAVE_AVX512_COUNT 0
#endif

static inline size_t trm__label_size(enum trm__label_type type)
{
    return type == TRM__LABEL_U8 ? 1 : type == TRM__LABEL_U16 ? 2 : type == TRM__LABEL_I32 ? 4 : 8;
}

/* Asks for the cache line at byte `offset` of both label arrays, if it is
 * below byte `end`. */
static inline void trm__prefetch_pairs(const trm__pairs *p, size_t offset, size_t end)
{
    if (offset < end) {
        __builtin_prefetch((const char *)p->y_true + offset);
        __builtin_prefetch((const char *)p->y_pred + offset);
    }
}

static inline int64_t trm__load_label(const void *labels, size_t i, enum trm__label_type type)
{
    switch (type) {
    case TRM__LABEL_U8: return ((const uint8_t *)labels)[i];
    case TRM__LABEL_U16: return ((const uint16_t *)labels)[i];
    case TRM__LABEL_I32: return ((const int32_t *)labels)[i];
    default: return ((const int64_t *)labels)[i];
    }
}

#endif /* TRM_COUNT_PRIVATE_H */
