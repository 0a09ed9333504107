/* SPDX-License-Identifier: MIT */
/* Streaming confusion matrix: validation pass, counting pass, and the handle's
 * life cycle (clone, reset, merge, serialization). */
#include "fp-private.h"
#include <inttypes.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "argmax-map-private.h"
#include "argmax-private.h"
#include "codec-private.h"
#include "common-private.h"
#include "confusion-private.h"
#include "count-private.h"
#include "logits-private.h"

struct trm_confusion {
    trm_allocator alloc; /* copy of the creator's hooks; alloc == NULL means malloc */
    size_t k;            /* number of classes, >= 1; K*K*8 fits in size_t */
    uint32_t flags;      /* 0 or TRM_CONFUSION_WEIGHTED */
    int64_t ignore;      /* true label to skip; meaningful only when has_ignore */
    bool has_ignore;     /* false for TRM_NO_IGNORE, which then matches no label */
    uint64_t total;      /* unweighted: sum of counts; batches that would overflow it
                            are refused, so no single cell can overflow */
    double weight_total; /* weighted: running sum of added weight; batches that would
                            make it infinite are refused, which keeps every cell finite */
    uint64_t *counts;    /* K*K cells when unweighted, else NULL */
    double *weights;     /* K*K cells when weighted, else NULL */
    uint8_t *seen;       /* weighted: K flags, 1 for a class that occurred (true or predicted)
                            in a counted weighted pair, whatever its weight: a pair of weight
                            0 (or one flushed to 0) leaves no trace in the cells, yet
                            scikit-learn counts its classes among the labels present.
                            NULL when unweighted */
    void *scratch;       /* TRM__COUNT_SCRATCH(K) bytes for the counting kernels, or NULL */
};

/* The cells live in the same block as the handle, after a 16-byte aligned header. */
#define HEADER_SIZE TRM__HEADER_SIZE(trm_confusion)

enum label_type { LABEL_U8 = TRM__LABEL_U8, LABEL_U16 = TRM__LABEL_U16, LABEL_I32 = TRM__LABEL_I32,
                  LABEL_I64 = TRM__LABEL_I64 };

/* ---- allocation ------------------------------------------------------------ */

static int cell_bytes(const char *func, size_t k, size_t *bytes)
{
    size_t cells, size, block;
    if (trm__mul_overflows(k, k, &cells) || trm__mul_overflows(cells, sizeof(uint64_t), &size) ||
        trm__add_overflows(size, HEADER_SIZE, &block))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu classes need more than SIZE_MAX bytes of cells", k);
    *bytes = size;
    return TRM_OK;
}

static int create(const char *func, trm_confusion **out, size_t k, uint32_t flags,
                  const trm_allocator *alloc)
{
    trm_allocator hooks;
    size_t bytes = 0;
    if (k == 0)
        return trm__fail(TRM_E_INVALID, func, "n_classes is 0");
    if (flags & ~TRM_CONFUSION_WEIGHTED)
        return trm__fail(TRM_E_INVALID, func, "unknown flags 0x%" PRIx32, flags);
    if (trm__allocator_copy(func, &hooks, alloc) != TRM_OK)
        return TRM_E_INVALID;
    int rc = cell_bytes(func, k, &bytes);
    if (rc != TRM_OK)
        return rc;
    /* Small unweighted matrices carry the counting kernels' scratch after the
     * cells (at most a few dozen KiB), weighted ones K flags (K is at most the
     * square root of the cells' bytes), so the sum cannot overflow. */
    size_t scratch = flags & TRM_CONFUSION_WEIGHTED ? 0 : TRM__COUNT_SCRATCH(k);
    size_t flag_bytes = flags & TRM_CONFUSION_WEIGHTED ? k : 0;
    bytes += scratch + flag_bytes;
    uint8_t *block = trm__alloc_zeroed(&hooks, HEADER_SIZE + bytes);
    if (block == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes for %zu classes",
                         HEADER_SIZE + bytes, k);
    trm_confusion *cm = (trm_confusion *)block;
    *cm = (trm_confusion){ .alloc = hooks, .k = k, .flags = flags, .ignore = TRM_NO_IGNORE };
    if (flags & TRM_CONFUSION_WEIGHTED) {
        cm->weights = (double *)(block + HEADER_SIZE);
        cm->seen = block + HEADER_SIZE + k * k * sizeof(double);
    } else {
        cm->counts = (uint64_t *)(block + HEADER_SIZE);
    }
    if (scratch)
        cm->scratch = block + HEADER_SIZE + k * k * sizeof(uint64_t);
    *out = cm;
    return TRM_OK;
}

static size_t n_cells(const trm_confusion *cm)
{
    return cm->k * cm->k;
}

/* ---- validation ------------------------------------------------------------ */

static inline int64_t load_label(const void *labels, size_t i, enum label_type type)
{
    return trm__load_label(labels, i, (enum trm__label_type)type);
}

static inline double load_score(const void *scores, size_t i, enum trm__score_type type)
{
    return type == TRM__SCORE_F32 ? (double)((const float *)scores)[i] : ((const double *)scores)[i];
}

static inline uint64_t counted(const trm_confusion *cm, int64_t true_label)
{
    return !cm->has_ignore | (true_label != cm->ignore);
}

static int report_label(const char *func, const char *array, size_t i, int64_t label, size_t k)
{
    return trm__fail(TRM_E_LABEL, func, "%s[%zu] = %" PRId64 " is outside [0, %zu)", array, i, label, k);
}

/* Checks every counted pair; *kept receives how many pairs will be counted. */
static inline int check_pairs(const char *func, const trm_confusion *cm, const void *y_true,
                              const void *y_pred, size_t n, enum label_type type, uint64_t *kept)
{
    uint64_t used = 0;
    for (size_t start = 0; start < n; start = trm__block_end(start, n)) {
        size_t end = trm__block_end(start, n);
        uint64_t bad = 0;
        for (size_t i = start; i < end; i++) {
            int64_t t = load_label(y_true, i, type), p = load_label(y_pred, i, type);
            uint64_t use = counted(cm, t);
            bad |= use & (trm__outside(t, cm->k) | trm__outside(p, cm->k));
            used += use;
        }
        for (size_t i = start; bad && i < end; i++) {
            int64_t t = load_label(y_true, i, type), p = load_label(y_pred, i, type);
            if (!counted(cm, t))
                continue;
            if (trm__outside(t, cm->k))
                return report_label(func, "y_true", i, t, cm->k);
            if (trm__outside(p, cm->k))
                return report_label(func, "y_pred", i, p, cm->k);
        }
    }
    *kept = used;
    return TRM_OK;
}

/* Weights of counted pairs must be finite and >= 0; *sum receives their total.
 * On failure *pairs_first is the number of pairs up to and including the
 * offending one, whose labels the caller checks first: a bad label there is
 * reported before the bad weight. */
static int check_weights(const char *func, const trm_confusion *cm, const void *y_true,
                         const double *weights, size_t n, enum label_type type, double *sum,
                         size_t *pairs_first)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!counted(cm, load_label(y_true, i, type)))
            continue;
        double w = weights[i];
        *pairs_first = i + 1;
        if (!isfinite(w))
            return trm__fail(TRM_E_NONFINITE, func, "weights[%zu] = %g is not finite", i, w);
        if (w < 0.0)
            return trm__fail(TRM_E_INVALID, func, "weights[%zu] = %g is negative", i, w);
        s += w;
    }
    *sum = s;
    return TRM_OK;
}

/* Rows of `width` scores `stride` apart, one per true label; rows whose label is
 * ignored are neither checked nor read. */
static inline int check_score_rows(const char *func, const trm_confusion *cm, const int32_t *y_true,
                                   const void *scores, size_t n, size_t stride, size_t width,
                                   enum trm__score_type type, uint64_t *kept)
{
    uint64_t used = 0;
    for (size_t start = 0; start < n; start = trm__block_end(start, n)) {
        size_t end = trm__block_end(start, n);
        uint64_t bad = 0;
        for (size_t i = start; i < end; i++) {
            uint64_t use = counted(cm, y_true[i]);
            uint64_t nonfinite = use && trm__row_nonfinite(scores, i * stride, width, type);
            bad |= use & (trm__outside(y_true[i], cm->k) | nonfinite);
            used += use;
        }
        for (size_t i = start; bad && i < end; i++) {
            if (!counted(cm, y_true[i]))
                continue;
            if (trm__outside(y_true[i], cm->k))
                return report_label(func, "y_true", i, y_true[i], cm->k);
            for (size_t j = 0; j < width; j++) {
                double s = load_score(scores, i * stride + j, type);
                if (isfinite(s))
                    continue;
                /* Argmax rows hold K scores each and are named in two
                 * dimensions, even when K is 1; a threshold update's one
                 * score per label in one. */
                if (width != cm->k)
                    return trm__fail(TRM_E_NONFINITE, func, "scores[%zu] = %g is not finite", i, s);
                return trm__fail(TRM_E_NONFINITE, func, "scores[%zu][%zu] = %g is not finite", i, j, s);
            }
        }
    }
    *kept = used;
    return TRM_OK;
}

/* Weighted matrices keep their total weight below 2^500 (about 3e150): far
 * beyond any real sum of sample weights, yet low enough that re-summing the
 * cells in another order, K * total, and the products of two totals that the
 * metrics form all stay finite. */
#define MAX_TOTAL_WEIGHT 0x1p500

static bool weight_fits(double total)
{
    return total <= MAX_TOTAL_WEIGHT;
}

/* Refuses a batch that would overflow the total, before anything is counted. */
static int check_room(const char *func, const trm_confusion *cm, uint64_t kept, double weight)
{
    if (cm->weights) {
        if (!weight_fits(cm->weight_total + weight))
            return trm__fail(TRM_E_OVERFLOW, func, "total weight %g + %g would exceed 2^500",
                             cm->weight_total, weight);
    } else if (kept > UINT64_MAX - cm->total) {
        return trm__fail(TRM_E_OVERFLOW, func, "total count %" PRIu64 " + %" PRIu64 " overflows",
                         cm->total, kept);
    }
    return TRM_OK;
}

/* ---- counting -------------------------------------------------------------- */

static inline void add_to_cell(trm_confusion *cm, size_t cell, double weight)
{
    if (cm->counts)
        cm->counts[cell]++;
    else
        cm->weights[cell] += weight;
}

/* Adds a whole K*K table: exactly one of counts and weights is given. */
static void add_table(trm_confusion *cm, const uint64_t *counts, const double *weights)
{
    for (size_t i = 0; i < n_cells(cm); i++) {
        if (cm->counts)
            cm->counts[i] += counts[i];
        else
            cm->weights[i] += counts ? (double)counts[i] : weights[i];
    }
}

static void add_to_total(trm_confusion *cm, uint64_t kept, double weight)
{
    if (cm->counts)
        cm->total += kept;
    else
        cm->weight_total += weight;
}

/* Plain integer counting has its own loops so that the common case stays one
 * load-load-increment without a branch on the storage kind. */
static inline void count_pairs(trm_confusion *cm, const void *y_true, const void *y_pred, size_t n,
                               enum label_type type)
{
    size_t k = cm->k;
    if (cm->counts && !cm->has_ignore) {
        for (size_t i = 0; i < n; i++)
            cm->counts[(size_t)load_label(y_true, i, type) * k + (size_t)load_label(y_pred, i, type)]++;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t t = load_label(y_true, i, type);
        if (counted(cm, t))
            add_to_cell(cm, (size_t)t * k + (size_t)load_label(y_pred, i, type), 1.0);
    }
}

static inline void add_weighted_pairs(trm_confusion *cm, const void *y_true, const void *y_pred,
                                      const double *weights, size_t n, enum label_type type)
{
    size_t k = cm->k;
    for (size_t i = 0; i < n; i++) {
        int64_t t = load_label(y_true, i, type);
        if (!counted(cm, t))
            continue;
        size_t p = (size_t)load_label(y_pred, i, type);
        cm->weights[(size_t)t * k + p] += weights[i];
        /* unconditional, so no floating-point mode decides what was seen */
        cm->seen[t] = cm->seen[p] = 1;
    }
}

/* ---- shared update paths --------------------------------------------------- */

/* A kernel reported a bad element that the checking pass, which names it,
 * does not find: the counts were taken back, and the call must still fail. */
static int unconfirmed_failure(const char *func)
{
    return trm__fail(TRM_E_INTERNAL, func, "a counting kernel rejected the batch but its elements check as valid");
}

static inline int update_pairs(const char *func, trm_confusion *cm, const void *y_true,
                               const void *y_pred, const double *weights, size_t n,
                               enum label_type type)
{
    uint64_t kept = 0;
    double weight = 0.0;
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, y_true);
    TRM_REQUIRE_IN(func, y_pred);
    /* Plain counts take the one-pass kernels; the exact total is only known
     * afterwards, so a batch that could overflow it takes the checked path. */
    if (cm->counts && weights == NULL && cm->k <= TRM__COUNT_MAX_K && n <= UINT64_MAX - cm->total) {
        trm__pairs pairs = { y_true, y_pred, n, (enum trm__label_type)type, cm->has_ignore, cm->ignore };
        size_t bad = trm__count_pairs(cm->counts, cm->k, &pairs, cm->scratch, &kept);
        if (bad < n) {
            int rc = check_pairs(func, cm, y_true, y_pred, bad + 1, type, &kept);
            return rc != TRM_OK ? rc : unconfirmed_failure(func);
        }
        cm->total += kept;
        return TRM_OK;
    }
    /* A bad weight limits the label check to the pairs up to its own, so the
     * first offending pair is the one reported. */
    size_t labels_to_check = n;
    int weights_rc = TRM_OK;
    if (weights)
        weights_rc = check_weights(func, cm, y_true, weights, n, type, &weight, &labels_to_check);
    int rc = check_pairs(func, cm, y_true, y_pred, labels_to_check, type, &kept);
    if (rc == TRM_OK)
        rc = weights_rc;
    if (weights == NULL)
        weight = (double)kept;
    if (rc == TRM_OK)
        rc = check_room(func, cm, kept, weight);
    if (rc != TRM_OK)
        return rc;
    if (weights)
        add_weighted_pairs(cm, y_true, y_pred, weights, n, type);
    else
        count_pairs(cm, y_true, y_pred, n, type);
    add_to_total(cm, kept, weight);
    return TRM_OK;
}

static inline int update_weighted(const char *func, trm_confusion *cm, const void *y_true,
                                  const void *y_pred, const double *weights, size_t n,
                                  enum label_type type)
{
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, weights);
    if (cm->weights == NULL)
        return trm__fail(TRM_E_MISMATCH, func, "matrix was created without TRM_CONFUSION_WEIGHTED");
    return update_pairs(func, cm, y_true, y_pred, weights, n, type);
}

static inline int update_argmax(const char *func, trm_confusion *cm, const int32_t *y_true,
                                const void *scores, size_t n, size_t row_stride, enum trm__score_type type)
{
    uint64_t kept = 0;
    size_t span;
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, y_true);
    TRM_REQUIRE_IN(func, scores);
    if (row_stride < cm->k)
        return trm__fail(TRM_E_INVALID, func, "row_stride %zu is smaller than n_classes %zu", row_stride,
                         cm->k);
    if (trm__mul_overflows(n, row_stride, &span))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu rows of stride %zu overflow size_t", n, row_stride);
    trm__score_rows rows = { y_true, scores, row_stride, type, trm__subnormals_read_as_zero(type), false };
#if TRM__HAVE_AVX2_ARGMAX
    rows.avx2 = type == TRM__SCORE_F32 && cm->k >= TRM__AVX2_ARGMAX_MIN_K && trm__argmax_avx2_usable();
#endif
    /* Plain counts take the one-pass kernel when the batch cannot overflow the
     * total and the pair kernels can number the cells in 32 bits; weighted
     * cells keep two passes, since adding and taking back a float weight need
     * not restore it exactly. */
    if (cm->counts && n <= UINT64_MAX - cm->total && cm->k <= TRM__COUNT_MAX_K) {
        size_t checked = n;
        trm__argmax_target target = { cm->counts, cm->k, cm->has_ignore, cm->ignore, cm->scratch };
        if (!trm__count_argmax(&target, &rows, n, &kept, &checked)) {
            int rc = check_score_rows(func, cm, y_true, scores, checked, row_stride, cm->k, type, &kept);
            return rc != TRM_OK ? rc : unconfirmed_failure(func);
        }
        cm->total += kept;
        return TRM_OK;
    }
    int rc = check_score_rows(func, cm, y_true, scores, n, row_stride, cm->k, type, &kept);
    if (rc == TRM_OK)
        rc = check_room(func, cm, kept, (double)kept);
    if (rc != TRM_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (counted(cm, y_true[i]))
            add_to_cell(cm, (size_t)y_true[i] * cm->k +
                                trm__argmax_row(scores, i * row_stride, cm->k, rows.flush, type),
                        1.0);
    add_to_total(cm, kept, (double)kept);
    return TRM_OK;
}

/* Score maps: one pass into plain counts, as update_argmax; otherwise check,
 * then add. Channels-last maps with 32-bit labels are rows of K scores, which
 * the row argmax kernels take; the errors name pixels either way. */
static inline int update_argmax_map(const char *func, trm_confusion *cm, const void *y_true, enum label_type lt,
                                    const void *scores, size_t batch, size_t pixels, int layout,
                                    enum trm__score_type type)
{
    uint64_t kept = 0;
    size_t n, span, checked;
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, y_true);
    TRM_REQUIRE_IN(func, scores);
    if (layout != TRM_LAYOUT_CHANNELS_FIRST && layout != TRM_LAYOUT_CHANNELS_LAST)
        return trm__fail(TRM_E_INVALID, func, "unknown layout %d", layout);
    if (trm__mul_overflows(batch, pixels, &n) || trm__mul_overflows(n, cm->k, &span))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu samples of %zu pixels and %zu classes overflow size_t", batch,
                         pixels, cm->k);
    trm__score_map map = { y_true, (enum trm__label_type)lt, scores, type, batch, pixels, cm->k,
                           layout == TRM_LAYOUT_CHANNELS_LAST, cm->has_ignore, cm->ignore };
    if (n == 0)
        return TRM_OK;
    bool ok;
    checked = n;
    if (cm->counts && n <= UINT64_MAX - cm->total && cm->k <= TRM__COUNT_MAX_K) {
        if (map.channels_last && lt == LABEL_I32) {
            trm__score_rows rows = { y_true, scores, cm->k, type, trm__subnormals_read_as_zero(type), false };
#if TRM__HAVE_AVX2_ARGMAX
            rows.avx2 = type == TRM__SCORE_F32 && cm->k >= TRM__AVX2_ARGMAX_MIN_K && trm__argmax_avx2_usable();
#endif
            trm__argmax_target target = { cm->counts, cm->k, cm->has_ignore, cm->ignore, cm->scratch };
            ok = trm__count_argmax(&target, &rows, n, &kept, &checked);
        } else {
            trm__map_cells cells = { cm->counts, NULL, cm->scratch };
            ok = trm__count_argmax_map(&map, &cells, &kept, &checked);
        }
        if (ok) {
            cm->total += kept;
            return TRM_OK;
        }
    } else if ((ok = trm__check_argmax_map(&map, &kept, &checked))) {
        int rc = check_room(func, cm, kept, (double)kept);
        if (rc != TRM_OK)
            return rc;
        trm__map_cells cells = { cm->counts, cm->weights, NULL };
        trm__add_argmax_map(&map, &cells);
        add_to_total(cm, kept, (double)kept);
        return TRM_OK;
    }
    int rc = trm__argmax_map_fault(func, &map, checked);
    return rc != TRM_OK ? rc : unconfirmed_failure(func);
}

/* Whether a counted score lies outside [0, 1]: torchmetrics then takes the
 * scores as logits (the scores are known to be finite). */
static inline bool outside_unit(const trm_confusion *cm, const int32_t *y_true, const void *scores, size_t n,
                                enum trm__score_type type)
{
    uint64_t outside = 0;
    for (size_t i = 0; i < n; i++) {
        double s = load_score(scores, i, type);
        outside |= counted(cm, y_true[i]) & (uint64_t)((s < 0.0) | (s > 1.0));
    }
    return outside != 0;
}

/* The threshold on raw scores that a threshold on sigmoid(score) stands for. */
static double logit_cut(double threshold, enum trm__score_type type)
{
    return type == TRM__SCORE_F32 ? (double)trm__logit_cut_f32((float)threshold) : trm__logit_cut_f64(threshold);
}

static inline int update_threshold(const char *func, trm_confusion *cm, const int32_t *y_true,
                                   const void *scores, size_t n, double threshold, uint32_t flags,
                                   enum trm__score_type type)
{
    uint64_t kept = 0;
    TRM_REQUIRE_IN(func, cm);
    TRM_REQUIRE_IN(func, y_true);
    TRM_REQUIRE_IN(func, scores);
    if (cm->k != 2)
        return trm__fail(TRM_E_MISMATCH, func, "threshold updates need 2 classes, the matrix has %zu", cm->k);
    if (isnan(threshold))
        return trm__fail(TRM_E_INVALID, func, "threshold is NaN");
    int rc = trm__check_score_flags(func, flags);
    if (rc == TRM_OK)
        rc = check_score_rows(func, cm, y_true, scores, n, 1, 1, type, &kept);
    if (rc == TRM_OK)
        rc = check_room(func, cm, kept, (double)kept);
    if (rc != TRM_OK)
        return rc;
    if ((flags & TRM_SCORES_AUTO) && outside_unit(cm, y_true, scores, n, type))
        flags = TRM_SCORES_LOGITS;
    if (flags & TRM_SCORES_LOGITS)
        threshold = logit_cut(threshold, type);
    for (size_t i = 0; i < n; i++)
        if (counted(cm, y_true[i]))
            add_to_cell(cm, (size_t)y_true[i] * 2 + (load_score(scores, i, type) > threshold), 1.0);
    add_to_total(cm, kept, (double)kept);
    return TRM_OK;
}

/* Table additions (add_counts, add_weights, merge) check the whole table first. */
static int check_count_table(const char *func, const trm_confusion *cm, const uint64_t *counts,
                             uint64_t *sum)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n_cells(cm); i++)
        if (__builtin_add_overflow(s, counts[i], &s))
            return trm__fail(TRM_E_OVERFLOW, func, "the counts sum past 2^64 - 1 at cell [%zu][%zu]",
                             i / cm->k, i % cm->k);
    *sum = s;
    return TRM_OK;
}

static int check_weight_table(const char *func, const trm_confusion *cm, const double *weights,
                              double *sum)
{
    double s = 0.0;
    for (size_t i = 0; i < n_cells(cm); i++) {
        if (!isfinite(weights[i]))
            return trm__fail(TRM_E_NONFINITE, func, "weights[%zu][%zu] = %g is not finite", i / cm->k,
                             i % cm->k, weights[i]);
        if (weights[i] < 0.0)
            return trm__fail(TRM_E_INVALID, func, "weights[%zu][%zu] = %g is negative", i / cm->k,
                             i % cm->k, weights[i]);
        s += weights[i];
    }
    *sum = s;
    return TRM_OK;
}

/* ---- public functions, in the order of confusion.h ------------------------- */

int trm_confusion_new(trm_confusion **out, size_t n_classes, uint32_t flags, const trm_allocator *alloc)
{
    TRM_REQUIRE(out);
    return create(__func__, out, n_classes, flags, alloc);
}

void trm_confusion_free(trm_confusion *cm)
{
    if (cm) {
        trm_allocator hooks = cm->alloc;
        trm__free(&hooks, cm);
    }
}

int trm_confusion_clone(trm_confusion **out, const trm_confusion *cm)
{
    trm_confusion *copy;
    TRM_REQUIRE(out);
    TRM_REQUIRE(cm);
    int rc = create(__func__, &copy, cm->k, cm->flags, cm->alloc.alloc ? &cm->alloc : NULL);
    if (rc != TRM_OK)
        return rc;
    uint64_t *counts = copy->counts;
    double *weights = copy->weights;
    uint8_t *seen = copy->seen;
    void *scratch = copy->scratch;
    *copy = *cm;
    copy->counts = counts;
    copy->weights = weights;
    copy->seen = seen;
    copy->scratch = scratch;
    if (counts) {
        memcpy(counts, cm->counts, n_cells(cm) * sizeof *counts);
    } else {
        memcpy(weights, cm->weights, n_cells(cm) * sizeof *weights);
        memcpy(seen, cm->seen, cm->k);
    }
    *out = copy;
    return TRM_OK;
}

void trm_confusion_reset(trm_confusion *cm)
{
    if (cm == NULL)
        return;
    if (cm->counts) {
        memset(cm->counts, 0, n_cells(cm) * sizeof *cm->counts);
    } else {
        memset(cm->weights, 0, n_cells(cm) * sizeof *cm->weights);
        memset(cm->seen, 0, cm->k);
    }
    cm->total = 0;
    cm->weight_total = 0.0;
}

int trm_confusion_merge(trm_confusion *dst, const trm_confusion *src)
{
    uint64_t sum = 0;
    double weight = 0.0;
    TRM_REQUIRE(dst);
    TRM_REQUIRE(src);
    if (dst->k != src->k)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has %zu classes, src has %zu", dst->k, src->k);
    if (dst->flags != src->flags)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has flags 0x%" PRIx32 ", src has 0x%" PRIx32, dst->flags,
                        src->flags);
    if (dst->has_ignore != src->has_ignore || (dst->has_ignore && dst->ignore != src->ignore))
        return TRM_FAIL(TRM_E_MISMATCH, "dst and src ignore different labels");
    if (src->counts)
        sum = src->total;
    else
        weight = src->weight_total;
    int rc = check_room(__func__, dst, sum, weight);
    if (rc != TRM_OK)
        return rc;
    /* Each cell is read before it is written, so merging a matrix into itself doubles it. */
    add_table(dst, src->counts, src->weights);
    for (size_t c = 0; dst->seen && c < dst->k; c++)
        dst->seen[c] |= src->seen[c];
    add_to_total(dst, sum, weight);
    return TRM_OK;
}

/* Body of format 1: u64 n_classes, u32 flags, u32 reserved (0), i64 ignore
 * label, then K*K cells as u64 counts or f64 weights. Format 2 appends, as a
 * bitmap of ceil(K / 64) u64 words (class c is bit c % 64 of word c / 64), the
 * seen classes whose row and column cells are all zero: the only ones the
 * cells do not tell. It is written only when there is one; every other matrix
 * keeps writing format 1, which readers since 0.1 load. */
enum { FORMAT_V1 = 1, FORMAT_V2 = 2, FORMAT_NEWEST = FORMAT_V2 };
#define BODY_FIXED ((size_t)24)

static size_t bitmap_words(size_t k)
{
    return k / 64 + (k % 64 != 0);
}

/* A seen class that no cell records; judged on the bits, so the blob does not
 * depend on the floating-point mode. */
static bool seen_without_weight(const trm_confusion *cm, size_t c)
{
    return cm->seen && cm->seen[c] && !trm__class_in_cells(trm__confusion_cells(cm), c);
}

static bool any_seen_without_weight(const trm_confusion *cm)
{
    for (size_t c = 0; c < cm->k; c++)
        if (seen_without_weight(cm, c))
            return true;
    return false;
}

int trm_confusion_serialize(const trm_confusion *cm, uint8_t *buf, size_t cap, size_t *size)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(size);
    /* K*K*8 bytes of cells already exist, so the body size cannot overflow. */
    bool flagged = any_seen_without_weight(cm);
    size_t words = flagged ? bitmap_words(cm->k) : 0;
    int rc = trm__blob_reserve(__func__, BODY_FIXED + (n_cells(cm) + words) * sizeof(uint64_t), buf, cap, size);
    if (rc != TRM_OK)
        return rc;
    trm__writer w = trm__blob_begin_format(buf, TRM__KIND_CONFUSION, flagged ? FORMAT_V2 : FORMAT_V1);
    trm__put_u64(&w, cm->k);
    trm__put_u32(&w, cm->flags);
    trm__put_u32(&w, 0);
    trm__put_u64(&w, (uint64_t)(cm->has_ignore ? cm->ignore : TRM_NO_IGNORE));
    for (size_t i = 0; i < n_cells(cm); i++) {
        if (cm->counts)
            trm__put_u64(&w, cm->counts[i]);
        else
            trm__put_f64(&w, cm->weights[i]);
    }
    for (size_t word = 0; word < words; word++) {
        uint64_t bits = 0;
        for (size_t c = word * 64; c < cm->k && c < word * 64 + 64; c++)
            bits |= (uint64_t)seen_without_weight(cm, c) << (c % 64);
        trm__put_u64(&w, bits);
    }
    trm__blob_seal(&w, buf);
    return TRM_OK;
}

/* Reads the cells into a fresh matrix, refusing values no update could produce. */
static int load_cells(const char *func, trm_confusion *cm, trm__reader *r)
{
    for (size_t i = 0; i < n_cells(cm); i++) {
        if (cm->counts) {
            uint64_t c = trm__get_u64(r);
            if (__builtin_add_overflow(cm->total, c, &cm->total))
                return trm__fail(TRM_E_CORRUPT, func, "blob counts sum past 2^64 - 1");
            cm->counts[i] = c;
        } else {
            double w = trm__get_f64(r);
            if (!isfinite(w) || w < 0.0 || !weight_fits(cm->weight_total + w))
                return trm__fail(TRM_E_CORRUPT, func, "blob weight [%zu][%zu] = %g is invalid",
                                 i / cm->k, i % cm->k, w);
            cm->weights[i] = w;
            cm->weight_total += w;
        }
    }
    return TRM_OK;
}

/* Reads format 2's bitmap into the loaded matrix: only a weighted matrix
 * writes it, never with a bit at or past K or for a class the cells record,
 * and never empty (the writer then writes format 1). */
static int load_seen(const char *func, trm_confusion *cm, trm__reader *r)
{
    bool any = false;
    for (size_t word = 0; word < bitmap_words(cm->k); word++) {
        uint64_t bits = trm__get_u64(r);
        for (size_t b = 0; b < 64; b++) {
            if (!((bits >> b) & 1))
                continue;
            size_t c = word * 64 + b;
            if (c >= cm->k || cm->seen == NULL)
                return trm__fail(TRM_E_CORRUPT, func, "blob flags class %zu, which has no zero-weight record", c);
            if (trm__class_in_cells(trm__confusion_cells(cm), c))
                return trm__fail(TRM_E_CORRUPT, func, "blob flags class %zu, whose cells hold weight", c);
            cm->seen[c] = 1;
            any = true;
        }
    }
    if (!any)
        return trm__fail(TRM_E_CORRUPT, func, "blob of format 2 flags no zero-weight class");
    return TRM_OK;
}

int trm_confusion_deserialize(trm_confusion **out, const uint8_t *buf, size_t size,
                              const trm_allocator *alloc)
{
    trm__reader r;
    trm_confusion *cm;
    size_t cells, words = 0, body_words;
    uint16_t format;
    TRM_REQUIRE(out);
    TRM_REQUIRE(buf);
    int rc = trm__blob_open_format(__func__, buf, size, TRM__KIND_CONFUSION, FORMAT_NEWEST, &format, &r);
    if (rc != TRM_OK)
        return rc;
    uint64_t k = trm__get_u64(&r);
    uint32_t flags = trm__get_u32(&r);
    uint32_t reserved = trm__get_u32(&r);
    int64_t ignore = (int64_t)trm__get_u64(&r);
    if (!r.ok || k == 0 || k > SIZE_MAX || (flags & ~TRM_CONFUSION_WEIGHTED) || reserved != 0)
        return TRM_FAIL(TRM_E_CORRUPT, "blob header is invalid");
    /* Compare the body length with what K implies before allocating anything. */
    if (format >= FORMAT_V2)
        words = bitmap_words((size_t)k);
    if (trm__mul_overflows((size_t)k, (size_t)k, &cells) || trm__add_overflows(cells, words, &body_words) ||
        r.left / sizeof(uint64_t) != body_words || r.left % sizeof(uint64_t) != 0)
        return TRM_FAIL(TRM_E_CORRUPT, "blob body of %zu bytes does not hold %" PRIu64 "x%" PRIu64 " cells%s",
                        r.left, k, k, words ? " and their zero-weight classes" : "");
    rc = create(__func__, &cm, (size_t)k, flags, alloc);
    if (rc != TRM_OK)
        return rc;
    cm->ignore = ignore;
    cm->has_ignore = ignore != TRM_NO_IGNORE;
    rc = load_cells(__func__, cm, &r);
    if (rc == TRM_OK && format >= FORMAT_V2)
        rc = load_seen(__func__, cm, &r);
    if (rc != TRM_OK) {
        trm_confusion_free(cm);
        return rc;
    }
    *out = cm;
    return TRM_OK;
}

size_t trm_confusion_n_classes(const trm_confusion *cm)
{
    return cm ? cm->k : 0;
}

uint32_t trm_confusion_flags(const trm_confusion *cm)
{
    return cm ? cm->flags : 0;
}

int trm_confusion_set_ignore_label(trm_confusion *cm, int64_t label)
{
    TRM_REQUIRE(cm);
    cm->ignore = label;
    cm->has_ignore = label != TRM_NO_IGNORE;
    return TRM_OK;
}

int64_t trm_confusion_ignore_label(const trm_confusion *cm)
{
    return cm && cm->has_ignore ? cm->ignore : TRM_NO_IGNORE;
}

/* One line per label type: the kernels above are specialised by the constant type. */
#define DEFINE_UPDATE(suffix, T, type)                                                               \
    int trm_confusion_update_##suffix(trm_confusion *cm, const T *y_true, const T *y_pred, size_t n) \
    {                                                                                                \
        return update_pairs(__func__, cm, y_true, y_pred, NULL, n, type);                            \
    }
DEFINE_UPDATE(u8, uint8_t, LABEL_U8)
DEFINE_UPDATE(u16, uint16_t, LABEL_U16)
DEFINE_UPDATE(i32, int32_t, LABEL_I32)
DEFINE_UPDATE(i64, int64_t, LABEL_I64)

#define DEFINE_UPDATE_WEIGHTED(suffix, T, type)                                                     \
    int trm_confusion_update_weighted_##suffix(trm_confusion *cm, const T *y_true, const T *y_pred, \
                                               const double *weights, size_t n)                     \
    {                                                                                               \
        return update_weighted(__func__, cm, y_true, y_pred, weights, n, type);                     \
    }
DEFINE_UPDATE_WEIGHTED(i32, int32_t, LABEL_I32)
DEFINE_UPDATE_WEIGHTED(i64, int64_t, LABEL_I64)

#define DEFINE_UPDATE_SCORES(suffix, T, type)                                                          \
    int trm_confusion_update_argmax_##suffix(trm_confusion *cm, const int32_t *y_true, const T *scores, \
                                             size_t n, size_t row_stride)                              \
    {                                                                                                  \
        return update_argmax(__func__, cm, y_true, scores, n, row_stride, type);                       \
    }                                                                                                  \
    int trm_confusion_update_threshold_##suffix(trm_confusion *cm, const int32_t *y_true,              \
                                                const T *scores, size_t n, T threshold)                \
    {                                                                                                  \
        return update_threshold(__func__, cm, y_true, scores, n, threshold, 0, type);                  \
    }                                                                                                  \
    int trm_confusion_update_threshold_flags_##suffix(trm_confusion *cm, const int32_t *y_true,        \
                                                      const T *scores, size_t n, T threshold,          \
                                                      uint32_t flags)                                  \
    {                                                                                                  \
        return update_threshold(__func__, cm, y_true, scores, n, threshold, flags, type);              \
    }
DEFINE_UPDATE_SCORES(f32, float, TRM__SCORE_F32)
DEFINE_UPDATE_SCORES(f64, double, TRM__SCORE_F64)

/* One line per label and score type of the map updates. */
#define DEFINE_UPDATE_MAP(name, L, label, T, type)                                                      \
    int trm_confusion_update_argmax_map_##name(trm_confusion *cm, const L *y_true, const T *scores,    \
                                               size_t batch, size_t n_pixels, int layout)              \
    {                                                                                                   \
        return update_argmax_map(__func__, cm, y_true, label, scores, batch, n_pixels, layout, type);   \
    }
DEFINE_UPDATE_MAP(f32, int32_t, LABEL_I32, float, TRM__SCORE_F32)
DEFINE_UPDATE_MAP(f64, int32_t, LABEL_I32, double, TRM__SCORE_F64)
DEFINE_UPDATE_MAP(i64_f32, int64_t, LABEL_I64, float, TRM__SCORE_F32)
DEFINE_UPDATE_MAP(i64_f64, int64_t, LABEL_I64, double, TRM__SCORE_F64)
DEFINE_UPDATE_MAP(u8_f32, uint8_t, LABEL_U8, float, TRM__SCORE_F32)
DEFINE_UPDATE_MAP(u8_f64, uint8_t, LABEL_U8, double, TRM__SCORE_F64)

int trm_confusion_counts(const trm_confusion *cm, uint64_t *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    if (cm->counts == NULL)
        return TRM_FAIL(TRM_E_MISMATCH, "a weighted matrix has no integer counts; use trm_confusion_matrix");
    memcpy(out, cm->counts, n_cells(cm) * sizeof *out);
    return TRM_OK;
}

static double cell(const trm_confusion *cm, size_t i)
{
    return trm__cell_value(cm->counts, cm->weights, i);
}

/* scikit-learn divides and then maps the 0/0 of an empty row, column or matrix to 0. */
static double ratio_or_zero(double part, double whole)
{
    return whole != 0.0 ? part / whole : 0.0;
}

/* Divides each of the K lines of a K*K matrix by its sum: rows are lines
 * `k` apart with elements 1 apart, columns the other way round. */
static void normalize_lines(double *m, size_t k, size_t line_stride, size_t step)
{
    for (size_t l = 0; l < k; l++) {
        double *line = m + l * line_stride, sum = 0.0;
        for (size_t i = 0; i < k; i++)
            sum += line[i * step];
        for (size_t i = 0; i < k; i++)
            line[i * step] = ratio_or_zero(line[i * step], sum);
    }
}

int trm_confusion_matrix(const trm_confusion *cm, int normalize, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    if (normalize < TRM_NORMALIZE_NONE || normalize > TRM_NORMALIZE_ALL)
        return TRM_FAIL(TRM_E_INVALID, "unknown normalize mode %d", normalize);
    size_t k = cm->k;
    double total = 0.0;
    for (size_t i = 0; i < n_cells(cm); i++) {
        out[i] = cell(cm, i);
        total += out[i];
    }
    if (normalize == TRM_NORMALIZE_ALL) {
        for (size_t i = 0; i < n_cells(cm); i++)
            out[i] = ratio_or_zero(out[i], total);
    } else if (normalize == TRM_NORMALIZE_TRUE) {
        normalize_lines(out, k, k, 1);
    } else if (normalize == TRM_NORMALIZE_PRED) {
        normalize_lines(out, k, 1, k);
    }
    return TRM_OK;
}

int trm_confusion_total(const trm_confusion *cm, double *out)
{
    TRM_REQUIRE(cm);
    TRM_REQUIRE(out);
    if (cm->counts) {
        *out = (double)cm->total;
        return TRM_OK;
    }
    /* Weighted: the sum of the cells, as the metrics see it. */
    double total = 0.0;
    for (size_t i = 0; i < n_cells(cm); i++)
        total += cell(cm, i);
    *out = total;
    return TRM_OK;
}

int trm_confusion_add_counts(trm_confusion *cm, const uint64_t *counts)
{
    uint64_t sum = 0;
    TRM_REQUIRE(cm);
    TRM_REQUIRE(counts);
    int rc = check_count_table(__func__, cm, counts, &sum);
    if (rc == TRM_OK)
        rc = check_room(__func__, cm, sum, (double)sum);
    if (rc != TRM_OK)
        return rc;
    add_table(cm, counts, NULL);
    add_to_total(cm, sum, (double)sum);
    return TRM_OK;
}

int trm_confusion_add_weights(trm_confusion *cm, const double *weights)
{
    double sum = 0.0;
    TRM_REQUIRE(cm);
    TRM_REQUIRE(weights);
    if (cm->weights == NULL)
        return TRM_FAIL(TRM_E_MISMATCH, "matrix was created without TRM_CONFUSION_WEIGHTED");
    int rc = check_weight_table(__func__, cm, weights, &sum);
    if (rc == TRM_OK)
        rc = check_room(__func__, cm, 0, sum);
    if (rc != TRM_OK)
        return rc;
    add_table(cm, NULL, weights);
    add_to_total(cm, 0, sum);
    return TRM_OK;
}

trm__cells trm__confusion_cells(const trm_confusion *cm)
{
    return (trm__cells){ cm->k, cm->counts, cm->weights, cm->seen, &cm->alloc };
}
