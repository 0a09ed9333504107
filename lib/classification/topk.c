/* SPDX-License-Identifier: MIT */
/* Streaming top-k accuracy: validation pass, ranking pass, and the handle's
 * life cycle (clone, reset, merge, serialization). */
#include "fp-private.h"
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "codec-private.h"
#include "common-private.h"
#include "trainmetrics/topk.h"

struct trm_topk {
    trm_allocator alloc; /* copy of the creator's hooks; alloc == NULL means malloc */
    size_t k;            /* number of classes, >= 1 */
    size_t max_k;        /* 1 .. k; (max_k + 1) * 8 + HEADER_SIZE fits in size_t */
    uint64_t n_samples;  /* sum of ranks[]; batches that would overflow it are refused,
                            so no single counter can overflow */
    uint64_t *ranks;     /* max_k + 1 counters: ranks[r] samples had exactly r classes
                            ranked above their true class for r < max_k, ranks[max_k]
                            the rest; ranks[max_k] stays 0 when max_k == k, since a
                            rank is at most k - 1 */
};

/* The counters live in the same block as the handle, after a 16-byte aligned header. */
#define HEADER_SIZE TRM__HEADER_SIZE(trm_topk)

enum score_type { SCORE_F32, SCORE_F64 };

/* ---- allocation ------------------------------------------------------------ */

static int create(const char *func, trm_topk **out, size_t k, size_t max_k, const trm_allocator *alloc)
{
    trm_allocator hooks;
    size_t bins, bytes, block_size;
    if (k == 0)
        return trm__fail(TRM_E_INVALID, func, "n_classes is 0");
    if (max_k == 0 || max_k > k)
        return trm__fail(TRM_E_INVALID, func, "max_k = %zu is outside [1, %zu]", max_k, k);
    if (trm__allocator_copy(func, &hooks, alloc) != TRM_OK)
        return TRM_E_INVALID;
    if (trm__add_overflows(max_k, 1, &bins) || trm__mul_overflows(bins, sizeof(uint64_t), &bytes) ||
        trm__add_overflows(bytes, HEADER_SIZE, &block_size))
        return trm__fail(TRM_E_OVERFLOW, func, "max_k = %zu needs more than SIZE_MAX bytes of counters",
                         max_k);
    uint8_t *block = trm__alloc_zeroed(&hooks, block_size);
    if (block == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes for max_k = %zu", block_size, max_k);
    trm_topk *t = (trm_topk *)block;
    *t = (trm_topk){ .alloc = hooks, .k = k, .max_k = max_k, .ranks = (uint64_t *)(block + HEADER_SIZE) };
    *out = t;
    return TRM_OK;
}

static size_t n_bins(const trm_topk *t)
{
    return t->max_k + 1;
}

/* ---- validation ------------------------------------------------------------ */

static inline double load_score(const void *scores, size_t i, enum score_type type)
{
    return type == SCORE_F32 ? (double)((const float *)scores)[i] : ((const double *)scores)[i];
}

/* Negative labels wrap to huge unsigned values, so one compare covers both ends. */
/* Names the first bad element of rows [start, end): a row's label before its scores. */
static int report_row(const char *func, const trm_topk *t, const int32_t *y_true, const void *scores,
                      size_t start, size_t end, size_t stride, enum score_type type)
{
    for (size_t i = start; i < end; i++) {
        if (trm__outside(y_true[i], t->k))
            return trm__fail(TRM_E_LABEL, func, "y_true[%zu] = %" PRId32 " is outside [0, %zu)", i,
                             y_true[i], t->k);
        for (size_t j = 0; j < t->k; j++) {
            double s = load_score(scores, i * stride + j, type);
            if (!isfinite(s))
                return trm__fail(TRM_E_NONFINITE, func, "scores[%zu][%zu] = %g is not finite", i, j, s);
        }
    }
    return TRM_OK;
}

static inline int check_rows(const char *func, const trm_topk *t, const int32_t *y_true, const void *scores,
                             size_t n, size_t stride, enum score_type type)
{
    for (size_t start = 0; start < n; start = trm__block_end(start, n)) {
        size_t end = trm__block_end(start, n);
        uint64_t bad = 0;
        for (size_t i = start; i < end; i++) {
            uint64_t nonfinite = 0;
            for (size_t j = 0; j < t->k; j++)
                nonfinite |= !isfinite(load_score(scores, i * stride + j, type));
            bad |= trm__outside(y_true[i], t->k) | nonfinite;
        }
        if (bad)
            return report_row(func, t, y_true, scores, start, end, stride, type);
    }
    return TRM_OK;
}

static int check_room(const char *func, const trm_topk *t, uint64_t added)
{
    if (added > UINT64_MAX - t->n_samples)
        return trm__fail(TRM_E_OVERFLOW, func, "sample count %" PRIu64 " + %" PRIu64 " overflows",
                         t->n_samples, added);
    return TRM_OK;
}

/* ---- ranking --------------------------------------------------------------- */

/* How many classes rank above the true class `truth`: below it only a strictly
 * greater score does, above it an equal one does too (scikit-learn sorts stably
 * and reverses, so ties put the higher index first). Two branch-free counting
 * loops, no sort. */
static inline size_t rank_of(const void *scores, size_t row, size_t k, size_t truth, enum score_type type)
{
    double own = load_score(scores, row + truth, type);
    size_t above = 0;
    for (size_t j = 0; j < truth; j++)
        above += load_score(scores, row + j, type) > own;
    for (size_t j = truth + 1; j < k; j++)
        above += load_score(scores, row + j, type) >= own;
    return above;
}

static inline int update_scores(const char *func, trm_topk *t, const int32_t *y_true, const void *scores,
                                size_t n, size_t row_stride, enum score_type type)
{
    size_t span;
    TRM_REQUIRE_IN(func, t);
    TRM_REQUIRE_IN(func, y_true);
    TRM_REQUIRE_IN(func, scores);
    if (row_stride < t->k)
        return trm__fail(TRM_E_INVALID, func, "row_stride %zu is smaller than n_classes %zu", row_stride,
                         t->k);
    if (trm__mul_overflows(n, row_stride, &span))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu rows of stride %zu overflow size_t", n, row_stride);
    int rc = check_room(func, t, n);
    if (rc == TRM_OK)
        rc = check_rows(func, t, y_true, scores, n, row_stride, type);
    if (rc != TRM_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        size_t rank = rank_of(scores, i * row_stride, t->k, (size_t)y_true[i], type);
        t->ranks[rank < t->max_k ? rank : t->max_k]++;
    }
    t->n_samples += n;
    return TRM_OK;
}

/* ---- public functions, in the order of topk.h ------------------------------ */

int trm_topk_new(trm_topk **out, size_t n_classes, size_t max_k, const trm_allocator *alloc)
{
    TRM_REQUIRE(out);
    return create(__func__, out, n_classes, max_k, alloc);
}

void trm_topk_free(trm_topk *t)
{
    if (t) {
        trm_allocator hooks = t->alloc;
        trm__free(&hooks, t);
    }
}

int trm_topk_clone(trm_topk **out, const trm_topk *t)
{
    trm_topk *copy;
    TRM_REQUIRE(out);
    TRM_REQUIRE(t);
    int rc = create(__func__, &copy, t->k, t->max_k, t->alloc.alloc ? &t->alloc : NULL);
    if (rc != TRM_OK)
        return rc;
    memcpy(copy->ranks, t->ranks, n_bins(t) * sizeof *t->ranks);
    copy->n_samples = t->n_samples;
    *out = copy;
    return TRM_OK;
}

void trm_topk_reset(trm_topk *t)
{
    if (t == NULL)
        return;
    memset(t->ranks, 0, n_bins(t) * sizeof *t->ranks);
    t->n_samples = 0;
}

int trm_topk_merge(trm_topk *dst, const trm_topk *src)
{
    TRM_REQUIRE(dst);
    TRM_REQUIRE(src);
    if (dst->k != src->k)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has %zu classes, src has %zu", dst->k, src->k);
    if (dst->max_k != src->max_k)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has max_k %zu, src has %zu", dst->max_k, src->max_k);
    int rc = check_room(__func__, dst, src->n_samples);
    if (rc != TRM_OK)
        return rc;
    /* Read the count before the loop: src may be dst. */
    uint64_t added = src->n_samples;
    for (size_t r = 0; r < n_bins(dst); r++)
        dst->ranks[r] += src->ranks[r];
    dst->n_samples += added;
    return TRM_OK;
}

/* Body: u64 n_classes, u64 max_k, u64 n_samples, then max_k + 1 u64 rank counters. */
#define BODY_FIXED ((size_t)24)

int trm_topk_serialize(const trm_topk *t, uint8_t *buf, size_t cap, size_t *size)
{
    TRM_REQUIRE(t);
    TRM_REQUIRE(size);
    /* (max_k + 1) * 8 bytes of counters already exist, so the body size cannot overflow. */
    int rc = trm__blob_reserve(__func__, BODY_FIXED + n_bins(t) * sizeof(uint64_t), buf, cap, size);
    if (rc != TRM_OK)
        return rc;
    trm__writer w = trm__blob_begin(buf, TRM__KIND_TOPK);
    trm__put_u64(&w, t->k);
    trm__put_u64(&w, t->max_k);
    trm__put_u64(&w, t->n_samples);
    for (size_t r = 0; r < n_bins(t); r++)
        trm__put_u64(&w, t->ranks[r]);
    trm__blob_seal(&w, buf);
    return TRM_OK;
}

/* Reads the counters into a fresh accumulator, refusing values no update could produce. */
static int load_ranks(const char *func, trm_topk *t, trm__reader *r, uint64_t n_samples)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n_bins(t); i++) {
        t->ranks[i] = trm__get_u64(r);
        if (__builtin_add_overflow(sum, t->ranks[i], &sum))
            return trm__fail(TRM_E_CORRUPT, func, "blob rank counters sum past 2^64 - 1");
    }
    if (sum != n_samples)
        return trm__fail(TRM_E_CORRUPT, func,
                         "blob rank counters sum to %" PRIu64 ", its sample count is %" PRIu64, sum,
                         n_samples);
    if (t->max_k == t->k && t->ranks[t->max_k] != 0)
        return trm__fail(TRM_E_CORRUPT, func, "blob counts %" PRIu64 " samples of rank >= %zu among %zu classes",
                         t->ranks[t->max_k], t->max_k, t->k);
    t->n_samples = n_samples;
    return TRM_OK;
}

int trm_topk_deserialize(trm_topk **out, const uint8_t *buf, size_t size, const trm_allocator *alloc)
{
    trm__reader r;
    trm_topk *t;
    TRM_REQUIRE(out);
    TRM_REQUIRE(buf);
    int rc = trm__blob_open(__func__, buf, size, TRM__KIND_TOPK, &r);
    if (rc != TRM_OK)
        return rc;
    uint64_t k = trm__get_u64(&r);
    uint64_t max_k = trm__get_u64(&r);
    uint64_t n_samples = trm__get_u64(&r);
    if (!r.ok || k == 0 || k > SIZE_MAX || max_k == 0 || max_k > k)
        return TRM_FAIL(TRM_E_CORRUPT, "blob header is invalid");
    /* Compare the body length with what max_k implies before allocating anything. */
    size_t counters = r.left / sizeof(uint64_t);
    if (r.left % sizeof(uint64_t) != 0 || counters == 0 || counters - 1 != max_k)
        return TRM_FAIL(TRM_E_CORRUPT, "blob body of %zu bytes does not hold %" PRIu64 " + 1 counters",
                        r.left, max_k);
    rc = create(__func__, &t, (size_t)k, (size_t)max_k, alloc);
    if (rc != TRM_OK)
        return rc;
    rc = load_ranks(__func__, t, &r, n_samples);
    if (rc != TRM_OK) {
        trm_topk_free(t);
        return rc;
    }
    *out = t;
    return TRM_OK;
}

size_t trm_topk_n_classes(const trm_topk *t)
{
    return t ? t->k : 0;
}

size_t trm_topk_max_k(const trm_topk *t)
{
    return t ? t->max_k : 0;
}

uint64_t trm_topk_n_samples(const trm_topk *t)
{
    return t ? t->n_samples : 0;
}

/* One wrapper per score type: the kernels above are specialised by the constant type. */
#define DEFINE_UPDATE(suffix, T, type)                                                                \
    int trm_topk_update_##suffix(trm_topk *t, const int32_t *y_true, const T *scores, size_t n,      \
                                 size_t row_stride)                                                  \
    {                                                                                                 \
        return update_scores(__func__, t, y_true, scores, n, row_stride, type);                       \
    }
DEFINE_UPDATE(f32, float, SCORE_F32)
DEFINE_UPDATE(f64, double, SCORE_F64)

int trm_topk_accuracy(const trm_topk *t, size_t k, double *out)
{
    TRM_REQUIRE(t);
    TRM_REQUIRE(out);
    if (k == 0 || k > t->max_k)
        return TRM_FAIL(TRM_E_INVALID, "k = %zu is outside [1, %zu]", k, t->max_k);
    if (t->n_samples == 0)
        return TRM_FAIL(TRM_E_EMPTY, "no sample has been counted");
    uint64_t hits = 0;
    for (size_t r = 0; r < k; r++)
        hits += t->ranks[r];
    *out = (double)hits / (double)t->n_samples;
    return TRM_OK;
}
