/* SPDX-License-Identifier: MIT */
/* The ranking handle: creation, whole-batch validation, the exact-mode sample
 * store and the binned counters, merge, the blob, and the queries, which hand
 * each column (or the micro problem) to ranking-exact.c or ranking-binned.c
 * and average the results as scikit-learn and torchmetrics do. */
#include "fp-private.h"
#include <inttypes.h>
#include <math.h>

#include "codec-private.h"
#include "ranking-private.h"

enum value_type { VALUE_F32, VALUE_F64 };

/* The kernels take the element type as a constant argument; inlining them
 * into each public wrapper turns it into specialised loops. */
#define KERNEL static inline __attribute__((always_inline))

/* Exact mode grows to at least this many rows at its first update. */
enum { MIN_ROWS = 16 };

#define HEADER_SIZE TRM__HEADER_SIZE(trm_ranking)

/* ---- scores ------------------------------------------------------------------ */

/* float -> double without a floating-point operation for subnormals, which
 * denormals-are-zero would read as 0 in a conversion. */
static inline double widen_f32(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    if ((b & 0x7f800000u) == 0 && (b & 0x007fffffu) != 0) {
        double magnitude = (double)(b & 0x007fffffu) * 0x1p-149;
        return (b >> 31) ? -magnitude : magnitude;
    }
    return (double)x;
}

KERNEL double load_score(const void *scores, size_t i, enum value_type type)
{
    return type == VALUE_F32 ? widen_f32(((const float *)scores)[i]) : ((const double *)scores)[i];
}

KERNEL unsigned score_not_finite(const void *scores, size_t i, enum value_type type)
{
    return type == VALUE_F32 ? trm__not_finite_f32(((const float *)scores)[i])
                             : trm__not_finite_f64(((const double *)scores)[i]);
}

/* Whether item (i, c) of a batch is a positive of column c. */
static inline uint8_t target_of(const trm_ranking *h, const int32_t *labels, size_t i, size_t c)
{
    switch (h->task) {
    case TRM_RANKING_BINARY: return (uint8_t)labels[i];
    case TRM_RANKING_MULTICLASS: return (size_t)labels[i] == c;
    default: return (uint8_t)labels[i * h->columns + c];
    }
}

/* ---- creation ---------------------------------------------------------------- */

static int check_shape(const char *func, int task, size_t columns)
{
    switch (task) {
    case TRM_RANKING_BINARY:
        if (columns != 1)
            return trm__fail(TRM_E_INVALID, func, "a binary task has 1 score column, not %zu", columns);
        return TRM_OK;
    case TRM_RANKING_MULTICLASS:
        if (columns < 2)
            return trm__fail(TRM_E_INVALID, func, "a multiclass task needs at least 2 columns, not %zu", columns);
        if (columns > INT32_MAX)
            return trm__fail(TRM_E_INVALID, func, "%zu classes do not fit int32 labels", columns);
        return TRM_OK;
    case TRM_RANKING_MULTILABEL:
        if (columns == 0)
            return trm__fail(TRM_E_INVALID, func, "a multilabel task needs at least 1 column");
        return TRM_OK;
    default: return trm__fail(TRM_E_INVALID, func, "unknown task %d", task);
    }
}

/* Bytes of one exact-mode row: C scores, C targets and a weight. */
static bool row_bytes(size_t columns, size_t *bytes)
{
    size_t per_column;
    return !trm__mul_overflows(columns, sizeof(double) + 1, &per_column) &&
           !trm__add_overflows(per_column, sizeof(double), bytes);
}

static int create(const char *func, trm_ranking **out, int mode, int task, size_t columns, size_t t,
                  const trm_allocator *alloc)
{
    trm_allocator hooks;
    size_t block = HEADER_SIZE, bins = 0, unused;
    int rc = check_shape(func, task, columns);
    if (rc != TRM_OK)
        return rc;
    if (trm__allocator_copy(func, &hooks, alloc) != TRM_OK)
        return TRM_E_INVALID;
    if (mode == TRM_RANKING_EXACT) {
        if (!row_bytes(columns, &unused) || trm__mul_overflows(columns, MIN_ROWS * (sizeof(double) + 1), &unused))
            return trm__fail(TRM_E_OVERFLOW, func, "a sample of %zu columns does not fit in memory sizes",
                             columns);
    } else {
        size_t width = t + 1, counters, bytes;
        if (t > SIZE_MAX / sizeof(double) || trm__mul_overflows(columns, width, &bins) ||
            trm__mul_overflows(bins, 2, &counters) || trm__mul_overflows(counters, sizeof(uint64_t), &bytes) ||
            trm__add_overflows(bytes, t * sizeof(double), &bytes) ||
            trm__add_overflows(block, bytes, &block))
            return trm__fail(TRM_E_OVERFLOW, func, "%zu columns x %zu thresholds do not fit in memory sizes",
                             columns, t);
    }
    uint8_t *base = trm__alloc_zeroed(&hooks, block);
    if (base == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes", block);
    trm_ranking *h = (trm_ranking *)base;
    *h = (trm_ranking){ .alloc = hooks, .mode = mode, .task = task, .columns = columns };
    if (mode == TRM_RANKING_BINNED) {
        h->n_thresholds = t;
        h->bins = (uint64_t *)(base + HEADER_SIZE);
        h->thresholds = (double *)(h->bins + 2 * bins);
    }
    *out = h;
    return TRM_OK;
}

/* ---- exact-mode storage -------------------------------------------------------- */

/* Makes room for `rows` samples; on failure the handle is unchanged. */
static int reserve_rows(const char *func, trm_ranking *h, size_t rows)
{
    if (rows <= h->capacity)
        return TRM_OK;
    size_t per_row = 0, bytes, cap = h->capacity > SIZE_MAX / 2 ? rows : h->capacity * 2;
    if (cap < rows)
        cap = rows;
    if (cap < MIN_ROWS)
        cap = MIN_ROWS;
    row_bytes(h->columns, &per_row);
    if (trm__mul_overflows(cap, per_row, &bytes)) {
        cap = rows;
        if (trm__mul_overflows(cap, per_row, &bytes))
            return trm__fail(TRM_E_OVERFLOW, func, "%zu samples of %zu columns need more than SIZE_MAX bytes",
                             rows, h->columns);
    }
    uint8_t *block = trm__alloc(&h->alloc, bytes);
    if (block == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes for %zu samples", bytes, cap);
    const size_t c = h->columns, n = (size_t)h->n;
    double *scores = (double *)block;
    double *weights = scores + cap * c;
    uint8_t *targets = (uint8_t *)(weights + cap);
    if (n > 0) {
        memcpy(scores, h->scores, n * c * sizeof(double));
        memcpy(weights, h->weights, n * sizeof(double));
        memcpy(targets, h->targets, n * c);
    }
    trm__free(&h->alloc, h->rows);
    h->rows = block;
    h->scores = scores;
    h->weights = weights;
    h->targets = targets;
    h->capacity = cap;
    return TRM_OK;
}

/* ---- batch validation ------------------------------------------------------------ */

static int check_labels(const char *func, const trm_ranking *h, const int32_t *labels, size_t n)
{
    const size_t c = h->columns;
    if (h->task == TRM_RANKING_MULTICLASS) {
        for (size_t i = 0; i < n; i++)
            if (trm__outside(labels[i], c))
                return trm__fail(TRM_E_LABEL, func, "labels[%zu] = %" PRId32 " is outside [0, %zu)", i,
                                 labels[i], c);
        return TRM_OK;
    }
    const size_t count = h->task == TRM_RANKING_BINARY ? n : n * c;
    for (size_t i = 0; i < count; i++) {
        if (trm__outside(labels[i], 2)) {
            if (h->task == TRM_RANKING_BINARY)
                return trm__fail(TRM_E_LABEL, func, "labels[%zu] = %" PRId32 " is not 0 or 1", i, labels[i]);
            return trm__fail(TRM_E_LABEL, func, "labels[%zu][%zu] = %" PRId32 " is not 0 or 1", i / c, i % c,
                             labels[i]);
        }
    }
    return TRM_OK;
}

KERNEL int check_scores(const char *func, const trm_ranking *h, const void *scores, size_t count,
                        enum value_type type)
{
    for (size_t start = 0; start < count; start += TRM__SCAN_BLOCK) {
        size_t end = trm__block_end(start, count);
        unsigned bad = 0;
        for (size_t i = start; i < end; i++)
            bad |= score_not_finite(scores, i, type);
        if (!bad)
            continue;
        for (size_t i = start; i < end; i++)
            if (score_not_finite(scores, i, type))
                return trm__fail(TRM_E_NONFINITE, func, "scores[%zu][%zu] = %g is not finite", i / h->columns,
                                 i % h->columns, load_score(scores, i, type));
    }
    return TRM_OK;
}

/* The batch's weight, once every weight is known to be finite and >= 0. */
static int check_weights(const char *func, const trm_ranking *h, const double *weights, size_t n, double *sum)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double w = weights[i];
        if (trm__not_finite_f64(w))
            return trm__fail(TRM_E_NONFINITE, func, "weights[%zu] = %g is not finite", i, w);
        if (w < 0.0)
            return trm__fail(TRM_E_INVALID, func, "weights[%zu] = %g is negative", i, w);
        s += w;
    }
    if (!(s <= TRM__RANKING_MAX_WEIGHT - h->total_weight))
        return trm__fail(TRM_E_OVERFLOW, func, "total weight %g + %g would exceed 2^500", h->total_weight, s);
    *sum = s;
    return TRM_OK;
}

/* ---- updates ------------------------------------------------------------------------ */

/* The bin of a score: how many thresholds it reaches (score >= t). */
static size_t bin_of(const trm_ranking *h, double score)
{
    const uint64_t key = trm__rank_key(score);
    size_t lo = 0, hi = h->n_thresholds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (trm__rank_key(h->thresholds[mid]) <= key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

KERNEL void count_binned(trm_ranking *h, const int32_t *labels, const void *scores, size_t n,
                         enum value_type type)
{
    const size_t c = h->columns, width = h->n_thresholds + 1;
    uint64_t *positives = h->bins, *negatives = h->bins + c * width;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c; j++) {
            size_t bin = bin_of(h, load_score(scores, i * c + j, type));
            (target_of(h, labels, i, j) ? positives : negatives)[j * width + bin]++;
        }
}

KERNEL void append_exact(trm_ranking *h, const int32_t *labels, const void *scores, const double *weights,
                         size_t n, enum value_type type)
{
    const size_t c = h->columns, base = (size_t)h->n;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < c; j++) {
            h->scores[(base + i) * c + j] = load_score(scores, i * c + j, type);
            h->targets[(base + i) * c + j] = target_of(h, labels, i, j);
        }
        h->weights[base + i] = weights ? weights[i] : 1.0;
    }
}

KERNEL int update(const char *func, trm_ranking *h, const int32_t *labels, const void *scores,
                  const double *weights, bool weighted, size_t n, enum value_type type)
{
    size_t count, rows = 0;
    double batch_weight = (double)n;
    TRM_REQUIRE_IN(func, h);
    TRM_REQUIRE_IN(func, labels);
    TRM_REQUIRE_IN(func, scores);
    if (weighted) {
        TRM_REQUIRE_IN(func, weights);
        if (h->mode == TRM_RANKING_BINNED)
            return trm__fail(TRM_E_MISMATCH, func, "a binned handle counts samples and takes no weights");
    }
    if (trm__mul_overflows(n, h->columns, &count))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu samples of %zu columns overflow size_t", n, h->columns);
    if (h->n > UINT64_MAX - n || (h->mode == TRM_RANKING_EXACT && trm__add_overflows((size_t)h->n, n, &rows)))
        return trm__fail(TRM_E_OVERFLOW, func, "sample count %" PRIu64 " + %zu overflows", h->n, n);
    int rc = check_labels(func, h, labels, n);
    if (rc == TRM_OK)
        rc = check_scores(func, h, scores, count, type);
    if (rc == TRM_OK && weighted)
        rc = check_weights(func, h, weights, n, &batch_weight);
    if (rc == TRM_OK && !weighted && h->mode == TRM_RANKING_EXACT &&
        !(batch_weight <= TRM__RANKING_MAX_WEIGHT - h->total_weight))
        rc = trm__fail(TRM_E_OVERFLOW, func, "total weight would exceed 2^500");
    if (rc != TRM_OK || n == 0)
        return rc;
    if (h->mode == TRM_RANKING_BINNED) {
        count_binned(h, labels, scores, n, type);
    } else {
        rc = reserve_rows(func, h, rows);
        if (rc != TRM_OK)
            return rc;
        append_exact(h, labels, scores, weighted ? weights : NULL, n, type);
        h->total_weight += batch_weight;
    }
    h->n += n;
    return TRM_OK;
}

#define DEFINE_UPDATES(suffix, T, type)                                                                  \
    int trm_ranking_update_##suffix(trm_ranking *h, const int32_t *labels, const T *scores, size_t n)     \
    {                                                                                                    \
        return update(__func__, h, labels, scores, NULL, false, n, type);                                \
    }                                                                                                    \
    int trm_ranking_update_weighted_##suffix(trm_ranking *h, const int32_t *labels, const T *scores,      \
                                             const double *weights, size_t n)                            \
    {                                                                                                    \
        return update(__func__, h, labels, scores, weights, true, n, type);                              \
    }
DEFINE_UPDATES(f32, float, VALUE_F32)
DEFINE_UPDATES(f64, double, VALUE_F64)

/* ---- life cycle ---------------------------------------------------------------------- */

int trm_ranking_new(trm_ranking **out, int task, size_t n_columns, const trm_allocator *alloc)
{
    TRM_REQUIRE(out);
    return create(__func__, out, TRM_RANKING_EXACT, task, n_columns, 0, alloc);
}

static int check_thresholds(const char *func, const double *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (trm__not_finite_f64(t[i]))
            return trm__fail(TRM_E_NONFINITE, func, "thresholds[%zu] = %g is not finite", i, t[i]);
        if (i > 0 && !(trm__rank_key(t[i]) > trm__rank_key(t[i - 1])))
            return trm__fail(TRM_E_INVALID, func, "thresholds[%zu] = %.17g does not exceed thresholds[%zu] = %.17g",
                             i, t[i], i - 1, t[i - 1]);
    }
    return TRM_OK;
}

int trm_ranking_new_binned(trm_ranking **out, int task, size_t n_columns, size_t n_thresholds,
                           const double *thresholds, const trm_allocator *alloc)
{
    trm_ranking *h = NULL;
    TRM_REQUIRE(out);
    if (n_thresholds < 2)
        return TRM_FAIL(TRM_E_INVALID, "n_thresholds is %zu; at least 2 are needed", n_thresholds);
    if (thresholds != NULL) {
        int rc = check_thresholds(__func__, thresholds, n_thresholds);
        if (rc != TRM_OK)
            return rc;
    }
    int rc = create(__func__, &h, TRM_RANKING_BINNED, task, n_columns, n_thresholds, alloc);
    if (rc != TRM_OK)
        return rc;
    /* NumPy's linspace(0, 1, T): i times the step 1 / (T - 1), the last one exactly 1. */
    const double step = 1.0 / (double)(n_thresholds - 1);
    for (size_t i = 0; i < n_thresholds; i++)
        h->thresholds[i] = thresholds ? thresholds[i] : (i + 1 == n_thresholds ? 1.0 : (double)i * step);
    *out = h;
    return TRM_OK;
}

void trm_ranking_free(trm_ranking *h)
{
    if (h) {
        trm_allocator hooks = h->alloc;
        trm__free(&hooks, h->rows);
        trm__free(&hooks, h);
    }
}

static void clear(trm_ranking *h)
{
    h->n = 0;
    h->total_weight = 0.0;
    if (h->mode == TRM_RANKING_BINNED)
        memset(h->bins, 0, 2 * h->columns * (h->n_thresholds + 1) * sizeof(uint64_t));
}

void trm_ranking_reset(trm_ranking *h)
{
    if (h)
        clear(h);
}

/* dst (fresh, same shape) takes src's samples; dst may not be src. */
static int copy_state(const char *func, trm_ranking *dst, const trm_ranking *src)
{
    if (src->mode == TRM_RANKING_BINNED) {
        const size_t t = src->n_thresholds;
        memcpy(dst->thresholds, src->thresholds, t * sizeof(double));
        memcpy(dst->bins, src->bins, 2 * src->columns * (t + 1) * sizeof(uint64_t));
    } else if (src->n > 0) {
        int rc = reserve_rows(func, dst, (size_t)src->n);
        if (rc != TRM_OK)
            return rc;
        const size_t n = (size_t)src->n, c = src->columns;
        memcpy(dst->scores, src->scores, n * c * sizeof(double));
        memcpy(dst->weights, src->weights, n * sizeof(double));
        memcpy(dst->targets, src->targets, n * c);
    }
    dst->n = src->n;
    dst->total_weight = src->total_weight;
    return TRM_OK;
}

int trm_ranking_clone(trm_ranking **out, const trm_ranking *h)
{
    trm_ranking *copy = NULL;
    TRM_REQUIRE(out);
    TRM_REQUIRE(h);
    int rc = create(__func__, &copy, h->mode, h->task, h->columns, h->n_thresholds, h->alloc.alloc ? &h->alloc : NULL);
    if (rc == TRM_OK)
        rc = copy_state(__func__, copy, h);
    if (rc != TRM_OK) {
        trm_ranking_free(copy);
        return rc;
    }
    *out = copy;
    return TRM_OK;
}

int trm_ranking_merge(trm_ranking *dst, const trm_ranking *src)
{
    TRM_REQUIRE(dst);
    TRM_REQUIRE(src);
    if (dst->mode != src->mode)
        return TRM_FAIL(TRM_E_MISMATCH, "dst is %s, src is %s", dst->mode ? "binned" : "exact",
                        src->mode ? "binned" : "exact");
    if (dst->task != src->task || dst->columns != src->columns)
        return TRM_FAIL(TRM_E_MISMATCH, "dst is task %d with %zu columns, src task %d with %zu columns", dst->task,
                        dst->columns, src->task, src->columns);
    if (dst->n_thresholds != src->n_thresholds ||
        (dst->n_thresholds > 0 && memcmp(dst->thresholds, src->thresholds, dst->n_thresholds * sizeof(double)) != 0))
        return TRM_FAIL(TRM_E_MISMATCH, "dst and src have different thresholds");
    const uint64_t added = src->n;
    if (dst->n > UINT64_MAX - added)
        return TRM_FAIL(TRM_E_OVERFLOW, "sample count %" PRIu64 " + %" PRIu64 " overflows", dst->n, added);
    if (dst->mode == TRM_RANKING_BINNED) {
        const size_t cells = 2 * dst->columns * (dst->n_thresholds + 1);
        for (size_t i = 0; i < cells; i++)
            dst->bins[i] += src->bins[i];
        dst->n += added;
        return TRM_OK;
    }
    size_t rows;
    if (trm__add_overflows((size_t)dst->n, (size_t)added, &rows))
        return TRM_FAIL(TRM_E_OVERFLOW, "%" PRIu64 " + %" PRIu64 " samples overflow size_t", dst->n, added);
    const double weight = src->total_weight;
    if (!(weight <= TRM__RANKING_MAX_WEIGHT - dst->total_weight))
        return TRM_FAIL(TRM_E_OVERFLOW, "total weight %g + %g would exceed 2^500", dst->total_weight, weight);
    int rc = reserve_rows(__func__, dst, rows);
    if (rc != TRM_OK)
        return rc;
    /* After the reserve, src's arrays are dst's new ones when src is dst; the
     * copied rows [0, added) do not overlap their destination [n, n + added). */
    const size_t n = (size_t)dst->n, c = dst->columns, k = (size_t)added;
    if (k > 0) {
        memcpy(dst->scores + n * c, src->scores, k * c * sizeof(double));
        memcpy(dst->weights + n, src->weights, k * sizeof(double));
        memcpy(dst->targets + n * c, src->targets, k * c);
    }
    dst->n += added;
    dst->total_weight += weight;
    return TRM_OK;
}

/* ---- blob ------------------------------------------------------------------------------ */

/* Body: u32 mode, u32 task, u64 C, u64 n; exact: n x C f64 scores, n f64
 * weights, n x C u8 targets; binned: u64 T, T f64 thresholds, C (T + 1) u64
 * positive bins, C (T + 1) u64 negative bins. */
#define BODY_FIXED ((size_t)24)

static bool body_size(const trm_ranking *h, size_t *size)
{
    size_t per_row = 0, rows;
    if (h->mode == TRM_RANKING_BINNED) {
        /* The handle holds these arrays already, so the sum fits. */
        *size = BODY_FIXED + 8 + h->n_thresholds * sizeof(double) +
                2 * h->columns * (h->n_thresholds + 1) * sizeof(uint64_t);
        return true;
    }
    row_bytes(h->columns, &per_row);
    return !trm__mul_overflows((size_t)h->n, per_row, &rows) && !trm__add_overflows(rows, BODY_FIXED, size);
}

int trm_ranking_serialize(const trm_ranking *h, uint8_t *buf, size_t cap, size_t *size)
{
    size_t body;
    TRM_REQUIRE(h);
    TRM_REQUIRE(size);
    if (!body_size(h, &body) || body > SIZE_MAX - TRM__BLOB_OVERHEAD)
        return TRM_FAIL(TRM_E_OVERFLOW, "the blob of %" PRIu64 " samples exceeds SIZE_MAX bytes", h->n);
    int rc = trm__blob_reserve(__func__, body, buf, cap, size);
    if (rc != TRM_OK)
        return rc;
    trm__writer w = trm__blob_begin(buf, TRM__KIND_RANKING);
    trm__put_u32(&w, (uint32_t)h->mode);
    trm__put_u32(&w, (uint32_t)h->task);
    trm__put_u64(&w, h->columns);
    trm__put_u64(&w, h->n);
    const size_t c = h->columns;
    if (h->mode == TRM_RANKING_BINNED) {
        const size_t t = h->n_thresholds;
        trm__put_u64(&w, t);
        for (size_t i = 0; i < t; i++)
            trm__put_f64(&w, h->thresholds[i]);
        for (size_t i = 0; i < 2 * c * (t + 1); i++)
            trm__put_u64(&w, h->bins[i]);
    } else {
        const size_t n = (size_t)h->n;
        for (size_t i = 0; i < n * c; i++)
            trm__put_f64(&w, h->scores[i]);
        for (size_t i = 0; i < n; i++)
            trm__put_f64(&w, h->weights[i]);
        if (n > 0)
            memcpy(w.at, h->targets, n * c);
        w.at += n * c;
    }
    trm__blob_seal(&w, buf);
    return TRM_OK;
}

static int load_exact(const char *func, trm_ranking *h, trm__reader *rd, uint64_t n)
{
    size_t per_row;
    const size_t c = h->columns;
    if (!row_bytes(c, &per_row) || rd->left % per_row != 0 || rd->left / per_row != n)
        return trm__fail(TRM_E_CORRUPT, func, "blob body of %zu bytes does not hold %" PRIu64 " samples of %zu columns",
                         rd->left, n, c);
    int rc = reserve_rows(func, h, (size_t)n);
    if (rc != TRM_OK)
        return rc;
    const size_t rows = (size_t)n;
    for (size_t i = 0; i < rows * c; i++) {
        double s = trm__get_f64(rd);
        if (trm__not_finite_f64(s))
            return trm__fail(TRM_E_CORRUPT, func, "blob score [%zu][%zu] = %g is not finite", i / c, i % c, s);
        h->scores[i] = s;
    }
    double total = 0.0;
    for (size_t i = 0; i < rows; i++) {
        double w = trm__get_f64(rd);
        if (trm__not_finite_f64(w) || w < 0.0)
            return trm__fail(TRM_E_CORRUPT, func, "blob weight [%zu] = %g is invalid", i, w);
        h->weights[i] = w;
        total += w;
    }
    if (!(total <= TRM__RANKING_MAX_WEIGHT))
        return trm__fail(TRM_E_CORRUPT, func, "blob total weight %g exceeds 2^500", total);
    h->total_weight = total;
    if (rows > 0)
        memcpy(h->targets, rd->at, rows * c);
    rd->at += rows * c;
    rd->left -= rows * c;
    for (size_t i = 0; i < rows; i++) {
        size_t ones = 0;
        for (size_t j = 0; j < c; j++) {
            uint8_t t = h->targets[i * c + j];
            if (t > 1)
                return trm__fail(TRM_E_CORRUPT, func, "blob target [%zu][%zu] = %u is not 0 or 1", i, j, t);
            ones += t;
        }
        if (h->task == TRM_RANKING_MULTICLASS && ones != 1)
            return trm__fail(TRM_E_CORRUPT, func, "blob multiclass sample %zu has %zu true classes", i, ones);
    }
    h->n = n;
    return TRM_OK;
}

static int load_binned(const char *func, trm_ranking *h, trm__reader *rd, uint64_t n)
{
    const size_t c = h->columns, t = h->n_thresholds, width = t + 1;
    if (rd->left != t * sizeof(double) + 2 * c * width * sizeof(uint64_t))
        return trm__fail(TRM_E_CORRUPT, func, "blob body of %zu bytes does not hold %zu x %zu bins", rd->left, c, t);
    for (size_t i = 0; i < t; i++)
        h->thresholds[i] = trm__get_f64(rd);
    if (check_thresholds(func, h->thresholds, t) != TRM_OK)
        return trm__fail(TRM_E_CORRUPT, func, "blob thresholds are not finite and strictly increasing");
    for (size_t i = 0; i < 2 * c * width; i++)
        h->bins[i] = trm__get_u64(rd);
    uint64_t all_positives = 0;
    for (size_t j = 0; j < c; j++) {
        uint64_t sum = 0, positives = 0;
        bool wrapped = false;
        for (size_t b = 0; b < width; b++) {
            wrapped |= __builtin_add_overflow(positives, h->bins[j * width + b], &positives);
            wrapped |= __builtin_add_overflow(sum, h->bins[(c + j) * width + b], &sum);
        }
        wrapped |= __builtin_add_overflow(sum, positives, &sum);
        wrapped |= __builtin_add_overflow(all_positives, positives, &all_positives);
        if (wrapped || sum != n)
            return trm__fail(TRM_E_CORRUPT, func, "blob column %zu counts do not add up to %" PRIu64 " samples", j, n);
    }
    if (h->task == TRM_RANKING_MULTICLASS && all_positives != n)
        return trm__fail(TRM_E_CORRUPT, func, "blob multiclass positives %" PRIu64 " differ from %" PRIu64 " samples",
                         all_positives, n);
    h->n = n;
    return TRM_OK;
}

int trm_ranking_deserialize(trm_ranking **out, const uint8_t *buf, size_t size, const trm_allocator *alloc)
{
    trm__reader rd;
    trm_ranking *h = NULL;
    TRM_REQUIRE(out);
    TRM_REQUIRE(buf);
    int rc = trm__blob_open(__func__, buf, size, TRM__KIND_RANKING, &rd);
    if (rc != TRM_OK)
        return rc;
    uint32_t mode = trm__get_u32(&rd), task = trm__get_u32(&rd);
    uint64_t columns = trm__get_u64(&rd), n = trm__get_u64(&rd), t = 0;
    if (mode == TRM_RANKING_BINNED)
        t = trm__get_u64(&rd);
    if (!rd.ok || mode > TRM_RANKING_BINNED || task > TRM_RANKING_MULTILABEL || columns == 0 || columns > SIZE_MAX ||
        (mode == TRM_RANKING_BINNED && (t < 2 || t > SIZE_MAX)))
        return TRM_FAIL(TRM_E_CORRUPT, "blob header is invalid");
    if (check_shape(__func__, (int)task, (size_t)columns) != TRM_OK)
        return TRM_FAIL(TRM_E_CORRUPT, "blob task %" PRIu32 " with %" PRIu64 " columns is invalid", task, columns);
    /* Compare the body with what the header implies before allocating anything. */
    if (mode == TRM_RANKING_BINNED) {
        size_t bins, bytes;
        if ((size_t)t > SIZE_MAX / 8 || trm__mul_overflows((size_t)columns, (size_t)t + 1, &bins) ||
            trm__mul_overflows(bins, 16, &bytes) || trm__add_overflows(bytes, (size_t)t * 8, &bytes) || rd.left != bytes)
            return TRM_FAIL(TRM_E_CORRUPT, "blob body of %zu bytes does not hold %" PRIu64 " x %" PRIu64 " bins",
                            rd.left, columns, t);
    } else {
        size_t per_row;
        if (!row_bytes((size_t)columns, &per_row) || rd.left % per_row != 0 || rd.left / per_row != n)
            return TRM_FAIL(TRM_E_CORRUPT, "blob body of %zu bytes does not hold %" PRIu64 " samples", rd.left, n);
    }
    rc = create(__func__, &h, (int)mode, (int)task, (size_t)columns, (size_t)t, alloc);
    if (rc == TRM_E_OVERFLOW)
        rc = TRM_FAIL(TRM_E_CORRUPT, "blob shape does not fit in memory sizes");
    if (rc != TRM_OK)
        return rc;
    rc = mode == TRM_RANKING_BINNED ? load_binned(__func__, h, &rd, n) : load_exact(__func__, h, &rd, n);
    if (rc != TRM_OK) {
        trm_ranking_free(h);
        return rc;
    }
    *out = h;
    return TRM_OK;
}

/* ---- accessors ---------------------------------------------------------------------------- */

int trm_ranking_task(const trm_ranking *h)
{
    return h ? h->task : -1;
}

int trm_ranking_mode(const trm_ranking *h)
{
    return h ? h->mode : -1;
}

size_t trm_ranking_n_columns(const trm_ranking *h)
{
    return h ? h->columns : 0;
}

size_t trm_ranking_n_thresholds(const trm_ranking *h)
{
    return h ? h->n_thresholds : 0;
}

int trm_ranking_thresholds(const trm_ranking *h, double *out)
{
    TRM_REQUIRE(h);
    TRM_REQUIRE(out);
    if (h->mode != TRM_RANKING_BINNED)
        return TRM_FAIL(TRM_E_MISMATCH, "an exact-mode handle has no fixed thresholds");
    memcpy(out, h->thresholds, h->n_thresholds * sizeof(double));
    return TRM_OK;
}

uint64_t trm_ranking_n_samples(const trm_ranking *h)
{
    return h ? h->n : 0;
}

/* ---- queries -------------------------------------------------------------------------------- */

static int check_query(const char *func, const trm_ranking *h, int metric)
{
    if (metric != TRM_RANKING_ROC_AUC && metric != TRM_RANKING_AVERAGE_PRECISION)
        return trm__fail(TRM_E_INVALID, func, "unknown metric %d", metric);
    if (h->n == 0)
        return trm__fail(TRM_E_EMPTY, func, "no sample has been accumulated");
    return TRM_OK;
}

/* scikit-learn raises for a ROC AUC of one class; name the column. */
static int check_both_classes(const char *func, const trm_ranking *h, size_t column)
{
    trm__rank_view v = trm__rank_column(h, column);
    size_t positives = 0;
    for (size_t i = 0; i < v.count; i++)
        positives += v.targets[v.first + i * v.stride];
    if (positives == 0 || positives == v.count) {
        if (column == TRM_RANKING_MICRO)
            return trm__fail(TRM_E_INVALID, func, "micro average: only one class present (%s); ROC AUC is not defined",
                             positives ? "no negative" : "no positive");
        return trm__fail(TRM_E_INVALID, func, "column %zu: only one class present (%s); ROC AUC is not defined",
                         column, positives ? "no negative" : "no positive");
    }
    return TRM_OK;
}

static int column_value(const char *func, const trm_ranking *h, int metric, size_t column, double *out)
{
    if (h->mode == TRM_RANKING_BINNED) {
        *out = metric == TRM_RANKING_ROC_AUC ? trm__binned_roc_auc(h, column)
                                             : trm__binned_average_precision(h, column);
        return TRM_OK;
    }
    trm__rank_view v = trm__rank_column(h, column);
    if (metric == TRM_RANKING_ROC_AUC)
        return trm__exact_roc_auc(func, h, &v, out);
    return trm__exact_average_precision(func, h, &v, out);
}

/* Every column's value into out (C values) or nothing. */
static int all_columns(const char *func, const trm_ranking *h, int metric, double *out)
{
    const size_t c = h->columns;
    if (h->mode == TRM_RANKING_EXACT && metric == TRM_RANKING_ROC_AUC)
        for (size_t j = 0; j < c; j++) {
            int rc = check_both_classes(func, h, j);
            if (rc != TRM_OK)
                return rc;
        }
    for (size_t j = 0; j < c; j++) {
        int rc = column_value(func, h, metric, j, &out[j]);
        if (rc != TRM_OK)
            return rc;
    }
    return TRM_OK;
}

static double *scratch(const char *func, const trm_ranking *h, size_t count)
{
    double *p = trm__alloc(&h->alloc, count * sizeof(double));
    if (p == NULL)
        trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu doubles", count);
    return p;
}

int trm_ranking_metric_per_class(const trm_ranking *h, int metric, double *out)
{
    TRM_REQUIRE(h);
    TRM_REQUIRE(out);
    int rc = check_query(__func__, h, metric);
    if (rc != TRM_OK)
        return rc;
    double *values = scratch(__func__, h, h->columns);
    if (values == NULL)
        return TRM_E_NOMEM;
    rc = all_columns(__func__, h, metric, values);
    if (rc == TRM_OK)
        memcpy(out, values, h->columns * sizeof(double));
    trm__free(&h->alloc, values);
    return rc;
}

/* scikit-learn's weighted average: positive weight per column, columns of
 * weight 0 scored 0, a total within 1e-8 of 0 giving 0 (np.isclose). The
 * weights are per-column sums in sample order (NumPy's axis-0 reduction). */
static double sklearn_weighted(const trm_ranking *h, double *values, double *weights)
{
    const size_t c = h->columns, n = (size_t)h->n;
    for (size_t j = 0; j < c; j++)
        weights[j] = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c; j++)
            weights[j] += h->targets[i * c + j] ? h->weights[i] : 0.0;
    double total = trm__numpy_sum(weights, c);
    if (fabs(total) <= 1e-8)
        return 0.0;
    for (size_t j = 0; j < c; j++) {
        if (weights[j] == 0.0)
            values[j] = 0.0;
        values[j] *= weights[j];
    }
    return trm__numpy_sum(values, c) / total;
}

/* torchmetrics' weighted average: weights positives / all positives (0 when none). */
static double torchmetrics_weighted(const trm_ranking *h, const double *values)
{
    double total = 0.0, sum = 0.0;
    for (size_t j = 0; j < h->columns; j++)
        total += (double)trm__binned_positives(h, j);
    for (size_t j = 0; j < h->columns; j++) {
        double share = total == 0.0 ? 0.0 : (double)trm__binned_positives(h, j) / total;
        sum += values[j] * share;
    }
    return sum;
}

int trm_ranking_metric_average(const trm_ranking *h, int metric, int average, double *out)
{
    TRM_REQUIRE(h);
    TRM_REQUIRE(out);
    int rc = check_query(__func__, h, metric);
    if (rc != TRM_OK)
        return rc;
    if (average != TRM_AVERAGE_MACRO && average != TRM_AVERAGE_MICRO && average != TRM_AVERAGE_WEIGHTED)
        return TRM_FAIL(TRM_E_INVALID, "average %d is not MACRO, MICRO or WEIGHTED", average);
    if (h->columns == 1 || average == TRM_AVERAGE_MICRO) {
        size_t column = h->columns == 1 ? 0 : TRM_RANKING_MICRO;
        if (h->mode == TRM_RANKING_EXACT && metric == TRM_RANKING_ROC_AUC) {
            rc = check_both_classes(__func__, h, column);
            if (rc != TRM_OK)
                return rc;
        }
        return column_value(__func__, h, metric, column, out);
    }
    double *values = scratch(__func__, h, 2 * h->columns);
    if (values == NULL)
        return TRM_E_NOMEM;
    rc = all_columns(__func__, h, metric, values);
    if (rc == TRM_OK) {
        if (average == TRM_AVERAGE_MACRO)
            *out = trm__numpy_sum(values, h->columns) / (double)h->columns;
        else if (h->mode == TRM_RANKING_EXACT)
            *out = sklearn_weighted(h, values, values + h->columns);
        else
            *out = torchmetrics_weighted(h, values);
    }
    trm__free(&h->alloc, values);
    return rc;
}

static int check_curve(const char *func, const trm_ranking *h, size_t column, size_t *n)
{
    TRM_REQUIRE_IN(func, h);
    TRM_REQUIRE_IN(func, n);
    if (column != TRM_RANKING_MICRO && column >= h->columns)
        return trm__fail(TRM_E_INVALID, func, "column %zu is outside [0, %zu)", column, h->columns);
    if (h->n == 0)
        return trm__fail(TRM_E_EMPTY, func, "no sample has been accumulated");
    return TRM_OK;
}

int trm_ranking_roc_curve(const trm_ranking *h, size_t column, int drop_intermediate, double *fpr, double *tpr,
                          double *thresholds, size_t cap, size_t *n)
{
    int rc = check_curve(__func__, h, column, n);
    if (rc != TRM_OK)
        return rc;
    if (h->mode == TRM_RANKING_BINNED)
        return trm__binned_roc_points(__func__, h, column, fpr, tpr, thresholds, cap, n);
    trm__rank_view v = trm__rank_column(h, column);
    return trm__exact_roc_points(__func__, h, &v, drop_intermediate != 0, fpr, tpr, thresholds, cap, n);
}

int trm_ranking_pr_curve(const trm_ranking *h, size_t column, double *precision, double *recall,
                         double *thresholds, size_t cap, size_t *n)
{
    int rc = check_curve(__func__, h, column, n);
    if (rc != TRM_OK)
        return rc;
    if (h->mode == TRM_RANKING_BINNED)
        return trm__binned_pr_points(__func__, h, column, precision, recall, thresholds, cap, n);
    trm__rank_view v = trm__rank_column(h, column);
    return trm__exact_pr_points(__func__, h, &v, precision, recall, thresholds, cap, n);
}
