/* SPDX-License-Identifier: MIT */
/* Streaming losses: the validation pass over a batch, one kernel per input form
 * (logits, probability rows, positive-class probabilities, multilabel logits)
 * specialised by element type, the compensated sums shared by update and merge,
 * and the handle's life cycle (clone, reset, serialization). */
#include "fp-private.h"
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codec-private.h"
#include "common-private.h"
#include "trainmetrics/loss.h"

#define MAX_CLASSES ((uint64_t)1 << 32)

/* A double-double sum: hi + lo with |lo| <= ulp(hi) / 2 (hi + lo rounds to hi),
 * both 0 for an empty sum. Renormalized after every change, so the blob of a
 * state is canonical and equal states serialize alike. */
typedef struct twofold {
    double hi, lo;
} twofold;

struct trm_loss {
    trm_allocator alloc; /* copy of the creator's hooks; alloc == NULL means malloc */
    int kind;            /* TRM_LOSS_* */
    size_t k;            /* classes K (>= 2) or, for binary cross-entropy, outputs L (>= 1) */
    int64_t ignore;      /* class id whose samples are skipped; meaningful only when has_ignore */
    bool has_ignore;     /* false for TRM_NO_IGNORE, which then matches no class id */
    uint64_t n;          /* samples accumulated, weighted or not */
    twofold loss;        /* sum over samples of weight * loss, >= 0 */
    twofold weight;      /* sum of the weights, >= 0; 0 only if loss is 0 */
};

enum value_type { VALUE_F32, VALUE_F64 };

/* The kernels take the element type as a constant argument; inlining them into
 * each public wrapper is what turns that constant into specialised loops. */
#define KERNEL static inline __attribute__((always_inline))

KERNEL double load_value(const void *p, size_t i, enum value_type type)
{
    return type == VALUE_F32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

/* scikit-learn's eps = np.finfo(dtype).eps; both bounds are values of the type. */
KERNEL double type_eps(enum value_type type)
{
    return type == VALUE_F32 ? (double)FLT_EPSILON : DBL_EPSILON;
}

/* ---- compensated sums ----------------------------------------------------- */

/* Knuth's TwoSum: s + e == a + b exactly (round to nearest, no overflow). */
static inline twofold two_sum(double a, double b)
{
    double s = a + b, bb = s - a;
    return (twofold){ s, (a - (s - bb)) + (b - bb) };
}

/* A running Neumaier sum: hi is the plain sum, lo collects its rounding errors. */
static inline void accumulate(twofold *acc, double x)
{
    twofold t = two_sum(acc->hi, x);
    acc->hi = t.hi;
    acc->lo += t.lo;
}

/* a + b as a normalized twofold. */
static inline twofold add_twofold(twofold a, twofold b)
{
    twofold s = two_sum(a.hi, b.hi);
    double lo = s.lo + (a.lo + b.lo);
    twofold r = two_sum(s.hi, lo);
    if (r.hi == 0.0)
        r = (twofold){ 0.0, 0.0 };
    return r;
}

static inline bool twofold_finite(twofold t)
{
    return !trm__not_finite_f64(t.hi) && !trm__not_finite_f64(t.lo);
}

/* ---- validation ----------------------------------------------------------- */

static const char *const kind_name[] = { "cross-entropy", "binary cross-entropy", "Brier" };

static int check_kind(const char *func, const trm_loss *l, int a, int b, const char *what)
{
    if (l->kind != a && l->kind != b)
        return trm__fail(TRM_E_MISMATCH, func, "a %s accumulator does not take %s", kind_name[l->kind], what);
    return TRM_OK;
}

static int check_rows(const char *func, size_t n, size_t cols, size_t row_stride, size_t k)
{
    size_t elements;
    if (row_stride < k)
        return trm__fail(TRM_E_INVALID, func, "row_stride %zu is less than the %zu classes", row_stride, k);
    /* The last row needs only its first k values. */
    if (n > 0 && (trm__mul_overflows(n - 1, row_stride, &elements) || trm__add_overflows(elements, cols, &elements)))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu rows of stride %zu overflow size_t", n, row_stride);
    return TRM_OK;
}

/* 1 for a sample that counts, 0 for one with the ignore label; y is NULL for
 * binary cross-entropy, whose samples all count. Branch-free, so it can mask
 * the validation loops. */
static inline unsigned kept(const trm_loss *l, const int32_t *y, size_t i)
{
    return y == NULL || !l->has_ignore || (int64_t)y[i] != l->ignore;
}

static int check_labels(const char *func, const trm_loss *l, const int32_t *y, size_t n)
{
    for (size_t start = 0; start < n; start = trm__block_end(start, n)) {
        size_t end = trm__block_end(start, n);
        uint64_t bad = 0;
        for (size_t i = start; i < end; i++)
            bad |= trm__outside(y[i], l->k) & kept(l, y, i);
        if (!bad)
            continue;
        for (size_t i = start; i < end; i++)
            if (kept(l, y, i) && trm__outside(y[i], l->k))
                return trm__fail(TRM_E_LABEL, func, "y_true[%zu] = %" PRId32 " is outside [0, %zu)", i, y[i],
                                 l->k);
    }
    return TRM_OK;
}

static int check_weights(const char *func, const trm_loss *l, const int32_t *y, const double *w, size_t n)
{
    if (w == NULL)
        return TRM_OK;
    for (size_t i = 0; i < n; i++) {
        if (!kept(l, y, i))
            continue;
        if (trm__not_finite_f64(w[i]))
            return trm__fail(TRM_E_NONFINITE, func, "weights[%zu] = %g is not finite", i, w[i]);
        if (w[i] < 0.0)
            return trm__fail(TRM_E_INVALID, func, "weights[%zu] = %g is negative", i, w[i]);
    }
    return TRM_OK;
}

/* Where a bad value sits, as "[i][j]" or, for a plain array (one column), "[i]". */
static void describe_at(char *at, size_t cap, size_t i, size_t j, size_t cols)
{
    if (cols == 1)
        snprintf(at, cap, "[%zu]", i);
    else
        snprintf(at, cap, "[%zu][%zu]", i, j);
}

/* Finite values, and, when bounded, in [0, 1] (refused with out_of_range):
 * rows of `cols` used values every `stride`, those of skipped samples aside. */
KERNEL int check_values(const char *func, const trm_loss *l, const int32_t *y, const char *name, const void *v,
                        size_t rows, size_t cols, size_t stride, enum value_type type, bool bounded, int out_of_range)
{
    char at[48];
    for (size_t i = 0; i < rows; i++) {
        unsigned bad = 0;
        for (size_t j = 0; j < cols; j++) {
            double x = load_value(v, i * stride + j, type);
            bad |= trm__not_finite_f64(x) | (bounded & !(x >= 0.0 && x <= 1.0));
        }
        if (!(bad & kept(l, y, i)))
            continue;
        for (size_t j = 0; j < cols; j++) {
            double x = load_value(v, i * stride + j, type);
            describe_at(at, sizeof at, i, j, cols);
            if (trm__not_finite_f64(x))
                return trm__fail(TRM_E_NONFINITE, func, "%s%s = %g is not finite", name, at, x);
            if (bounded && !(x >= 0.0 && x <= 1.0))
                return trm__fail(out_of_range, func, "%s%s = %.17g is outside [0, 1]", name, at, x);
        }
    }
    return TRM_OK;
}

/* ---- per-sample losses ---------------------------------------------------- */

/* log(sum_k exp(x_k)) - x_y, shifted by the largest logit m so that no exp
 * overflows; the terms other than the first maximum's exp(0) = 1 are summed
 * apart and added with log1p, which keeps the digits of a small loss. */
KERNEL double softmax_cross_entropy(const void *x, size_t base, size_t k, size_t y, enum value_type type)
{
    size_t top = 0;
    double m = load_value(x, base, type);
    for (size_t j = 1; j < k; j++) {
        double v = load_value(x, base + j, type);
        if (v > m) {
            m = v;
            top = j;
        }
    }
    double rest = 0.0;
    for (size_t j = 0; j < k; j++)
        if (j != top)
            rest += exp(load_value(x, base + j, type) - m);
    return (m - load_value(x, base + y, type)) + log1p(rest);
}

KERNEL double clipped_log_loss(double p, enum value_type type)
{
    double eps = type_eps(type);
    return -log(p < eps ? eps : p > 1.0 - eps ? 1.0 - eps : p);
}

/* sum_k (p_k - [k = y])^2, halved for two classes (scikit-learn's 'auto'). */
KERNEL double brier_row(const void *p, size_t base, size_t k, size_t y, enum value_type type)
{
    double sum = 0.0;
    for (size_t j = 0; j < k; j++) {
        double d = load_value(p, base + j, type) - (j == y ? 1.0 : 0.0);
        sum += d * d;
    }
    return k == 2 ? 0.5 * sum : sum;
}

/* max(x, 0) - x t + log1p(exp(-|x|)), averaged over the L outputs. */
KERNEL double binary_logits_row(const void *t, const void *x, size_t base, size_t l, enum value_type type)
{
    double sum = 0.0;
    for (size_t j = 0; j < l; j++) {
        double xv = load_value(x, base + j, type), tv = load_value(t, base + j, type);
        sum += (fmax(xv, 0.0) - xv * tv) + log1p(exp(-fabs(xv)));
    }
    return l == 1 ? sum : sum / (double)l;
}

/* The forms of input an update can take. */
enum input_form { LOGITS, PROB_ROWS, PROB_POSITIVE, BINARY_LOGITS };

typedef struct batch {
    const int32_t *y;     /* class ids, or NULL for BINARY_LOGITS */
    const void *targets;  /* BINARY_LOGITS targets, n x L */
    const void *values;   /* logits or probabilities */
    size_t n, stride;
    const double *weights;
} batch;

KERNEL double sample_loss(const trm_loss *l, const batch *b, size_t i, enum input_form form, enum value_type type)
{
    switch (form) {
    case LOGITS: return softmax_cross_entropy(b->values, i * b->stride, l->k, (size_t)b->y[i], type);
    case PROB_ROWS:
        if (l->kind == TRM_LOSS_BRIER)
            return brier_row(b->values, i * b->stride, l->k, (size_t)b->y[i], type);
        return clipped_log_loss(load_value(b->values, i * b->stride + (size_t)b->y[i], type), type);
    case PROB_POSITIVE: {
        double p = load_value(b->values, i, type), y = (double)b->y[i];
        if (l->kind == TRM_LOSS_BRIER)
            return (p - y) * (p - y);
        /* 1 - p in the input's type, as scikit-learn forms the column before clipping */
        double q = b->y[i] ? p : type == VALUE_F32 ? (double)(1.0f - (float)p) : 1.0 - p;
        return clipped_log_loss(q, type);
    }
    default: return binary_logits_row(b->targets, b->values, i * l->k, l->k, type);
    }
}

/* Sums the kept samples of the batch into *loss and *weight and counts them
 * in *n_kept; returns the first sample whose weighted loss is not finite, or n. */
KERNEL size_t sum_batch(const trm_loss *l, const batch *b, enum input_form form, enum value_type type,
                        twofold *loss, twofold *weight, uint64_t *n_kept)
{
    size_t first_bad = b->n;
    for (size_t i = 0; i < b->n; i++) {
        if (!kept(l, b->y, i))
            continue;
        ++*n_kept;
        double w = b->weights ? b->weights[i] : 1.0;
        double term = w * sample_loss(l, b, i, form, type);
        if (trm__not_finite_f64(term) && first_bad == b->n)
            first_bad = i;
        accumulate(loss, term);
        accumulate(weight, w);
    }
    return first_bad;
}

/* Replaces l's sums by sums (+) part once the result is known to fit. */
static int commit(const char *func, trm_loss *l, uint64_t n, twofold loss, twofold weight)
{
    if (n > UINT64_MAX - l->n)
        return trm__fail(TRM_E_OVERFLOW, func, "sample count %" PRIu64 " + %" PRIu64 " overflows", l->n, n);
    twofold new_loss = add_twofold(l->loss, loss), new_weight = add_twofold(l->weight, weight);
    if (!twofold_finite(new_loss))
        return trm__fail(TRM_E_OVERFLOW, func, "the sum of the losses leaves the double range");
    if (!twofold_finite(new_weight))
        return trm__fail(TRM_E_OVERFLOW, func, "the sum of the weights leaves the double range");
    l->n += n;
    l->loss = new_loss;
    l->weight = new_weight;
    return TRM_OK;
}

KERNEL int update(const char *func, trm_loss *l, const batch *b, enum input_form form, enum value_type type)
{
    int rc;
    const char *name = form == LOGITS || form == BINARY_LOGITS ? "logits" : form == PROB_ROWS ? "probs" : "p_positive";
    TRM_REQUIRE_IN(func, l);
    if (form == BINARY_LOGITS && b->targets == NULL)
        return trm__fail(TRM_E_INVALID, func, "targets is NULL");
    if (form != BINARY_LOGITS && b->y == NULL)
        return trm__fail(TRM_E_INVALID, func, "y_true is NULL");
    if (b->values == NULL)
        return trm__fail(TRM_E_INVALID, func, "%s is NULL", name);
    if (form == BINARY_LOGITS) {
        rc = check_kind(func, l, TRM_LOSS_BINARY_CROSS_ENTROPY, TRM_LOSS_BINARY_CROSS_ENTROPY,
                        "targets and logits");
    } else {
        if (form == LOGITS)
            rc = check_kind(func, l, TRM_LOSS_CROSS_ENTROPY, TRM_LOSS_CROSS_ENTROPY, "logits (only cross-entropy does)");
        else
            rc = check_kind(func, l, TRM_LOSS_CROSS_ENTROPY, TRM_LOSS_BRIER, "class probabilities");
        if (rc == TRM_OK && form == PROB_POSITIVE && l->k != 2)
            rc = trm__fail(TRM_E_MISMATCH, func, "positive-class probabilities need 2 classes, the accumulator has %zu",
                           l->k);
    }
    if (rc != TRM_OK)
        return rc;

    bool rows = form == LOGITS || form == PROB_ROWS;
    size_t cols = rows || form == BINARY_LOGITS ? l->k : 1;
    size_t stride = rows ? b->stride : cols;
    rc = check_rows(func, b->n, cols, stride, cols);
    if (rc == TRM_OK && form == BINARY_LOGITS)
        rc = check_values(func, l, NULL, "targets", b->targets, b->n, cols, stride, type, true, TRM_E_LABEL);
    if (rc == TRM_OK && form != BINARY_LOGITS)
        rc = check_labels(func, l, b->y, b->n);
    if (rc == TRM_OK && form == PROB_POSITIVE)
        rc = check_values(func, l, b->y, name, b->values, b->n, 1, 1, type, true, TRM_E_INVALID);
    else if (rc == TRM_OK)
        rc = check_values(func, l, b->y, name, b->values, b->n, cols, stride, type, form == PROB_ROWS,
                          TRM_E_INVALID);
    if (rc == TRM_OK)
        rc = check_weights(func, l, b->y, b->weights, b->n);
    if (rc != TRM_OK || b->n == 0)
        return rc;

    batch work = *b;
    work.stride = stride;
    twofold loss = { 0.0, 0.0 }, weight = { 0.0, 0.0 };
    uint64_t n_kept = 0;
    size_t bad = sum_batch(l, &work, form, type, &loss, &weight, &n_kept);
    if (bad < b->n)
        return trm__fail(TRM_E_OVERFLOW, func, "the weighted loss of sample %zu leaves the double range", bad);
    return commit(func, l, n_kept, loss, weight);
}

/* ---- allocation ------------------------------------------------------------ */

static int check_shape(const char *func, int kind, uint64_t k, int code)
{
    if (kind < TRM_LOSS_CROSS_ENTROPY || kind > TRM_LOSS_BRIER)
        return trm__fail(code, func, "unknown loss kind %d", kind);
    uint64_t least = kind == TRM_LOSS_BINARY_CROSS_ENTROPY ? 1 : 2;
    if (k < least || k > MAX_CLASSES)
        return trm__fail(code, func, "a %s loss needs %s in [%" PRIu64 ", 2^32], got %" PRIu64, kind_name[kind],
                         kind == TRM_LOSS_BINARY_CROSS_ENTROPY ? "n_classes (outputs)" : "n_classes", least, k);
    return TRM_OK;
}

static int create(const char *func, trm_loss **out, int kind, size_t k, const trm_allocator *alloc)
{
    trm_allocator hooks;
    int rc = check_shape(func, kind, (uint64_t)k, TRM_E_INVALID);
    if (rc != TRM_OK)
        return rc;
    if (trm__allocator_copy(func, &hooks, alloc) != TRM_OK)
        return TRM_E_INVALID;
    trm_loss *l = trm__alloc_zeroed(&hooks, sizeof *l);
    if (l == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes", sizeof *l);
    *l = (trm_loss){ .alloc = hooks, .kind = kind, .k = k, .ignore = TRM_NO_IGNORE };
    *out = l;
    return TRM_OK;
}

/* ---- public functions, in the order of loss.h ------------------------------ */

int trm_loss_new(trm_loss **out, int kind, size_t n_classes, const trm_allocator *alloc)
{
    TRM_REQUIRE(out);
    return create(__func__, out, kind, n_classes, alloc);
}

void trm_loss_free(trm_loss *l)
{
    if (l) {
        trm_allocator hooks = l->alloc;
        trm__free(&hooks, l);
    }
}

int trm_loss_clone(trm_loss **out, const trm_loss *l)
{
    trm_loss *copy = NULL;
    TRM_REQUIRE(out);
    TRM_REQUIRE(l);
    int rc = create(__func__, &copy, l->kind, l->k, l->alloc.alloc ? &l->alloc : NULL);
    if (rc != TRM_OK)
        return rc;
    copy->ignore = l->ignore;
    copy->has_ignore = l->has_ignore;
    copy->n = l->n;
    copy->loss = l->loss;
    copy->weight = l->weight;
    *out = copy;
    return TRM_OK;
}

void trm_loss_reset(trm_loss *l)
{
    if (l) {
        l->n = 0;
        l->loss = l->weight = (twofold){ 0.0, 0.0 };
    }
}

int trm_loss_merge(trm_loss *dst, const trm_loss *src)
{
    TRM_REQUIRE(dst);
    TRM_REQUIRE(src);
    if (dst->kind != src->kind)
        return TRM_FAIL(TRM_E_MISMATCH, "dst is a %s accumulator, src a %s one", kind_name[dst->kind],
                        kind_name[src->kind]);
    if (dst->k != src->k)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has %zu classes, src has %zu", dst->k, src->k);
    return commit(__func__, dst, src->n, src->loss, src->weight);
}

/* Body of format 1: u64 kind, u64 K, u64 n, then f64 loss hi, lo and weight
 * hi, lo. Format 2 puts the i64 ignore label after n; a format-1 blob loads
 * without one, as its writer had. */
enum { FORMAT_V1 = 1, FORMAT_V2 = 2, FORMAT_NEWEST = FORMAT_V2 };
#define BODY_SIZE ((size_t)64)

int trm_loss_serialize(const trm_loss *l, uint8_t *buf, size_t cap, size_t *size)
{
    TRM_REQUIRE(l);
    TRM_REQUIRE(size);
    int rc = trm__blob_reserve(__func__, BODY_SIZE, buf, cap, size);
    if (rc != TRM_OK)
        return rc;
    trm__writer w = trm__blob_begin_format(buf, TRM__KIND_LOSS, FORMAT_NEWEST);
    trm__put_u64(&w, (uint64_t)l->kind);
    trm__put_u64(&w, l->k);
    trm__put_u64(&w, l->n);
    trm__put_u64(&w, (uint64_t)trm_loss_ignore_label(l));
    trm__put_f64(&w, l->loss.hi);
    trm__put_f64(&w, l->loss.lo);
    trm__put_f64(&w, l->weight.hi);
    trm__put_f64(&w, l->weight.lo);
    trm__blob_seal(&w, buf);
    return TRM_OK;
}

/* A pair that no sequence of updates and merges leaves: not finite, negative,
 * or not normalized (hi + lo must round to hi, and lo be 0 when hi is). */
static bool bad_twofold(twofold t)
{
    return !twofold_finite(t) || t.hi < 0.0 || t.hi + t.lo != t.hi || (t.hi == 0.0 && t.lo != 0.0) ||
           signbit(t.hi);
}

static int check_loaded(const char *func, const trm_loss *l)
{
    if (bad_twofold(l->loss))
        return trm__fail(TRM_E_CORRUPT, func, "blob loss sum (%g, %g) is invalid", l->loss.hi, l->loss.lo);
    if (bad_twofold(l->weight))
        return trm__fail(TRM_E_CORRUPT, func, "blob weight sum (%g, %g) is invalid", l->weight.hi, l->weight.lo);
    if (l->n == 0 && (l->loss.hi != 0.0 || l->weight.hi != 0.0))
        return trm__fail(TRM_E_CORRUPT, func, "blob of no samples has nonzero sums");
    /* every term is weight * loss, so a zero total weight leaves a zero sum */
    if (l->weight.hi == 0.0 && l->loss.hi != 0.0)
        return trm__fail(TRM_E_CORRUPT, func, "blob loss sum %g with zero total weight", l->loss.hi);
    /* A Brier row is at most K: rows need not sum to 1, so p_y = 0 and every
     * other p_k = 1 give 1 + (K - 1); halved, two classes give at most 1. The
     * slack covers the roundings. */
    double bound = l->k == 2 ? 1.0 : (double)l->k;
    if (l->kind == TRM_LOSS_BRIER && l->loss.hi > bound * l->weight.hi * (1.0 + 0x1p-40))
        return trm__fail(TRM_E_CORRUPT, func, "blob Brier sum %g exceeds %g times the weight %g", l->loss.hi,
                         bound, l->weight.hi);
    return TRM_OK;
}

int trm_loss_deserialize(trm_loss **out, const uint8_t *buf, size_t size, const trm_allocator *alloc)
{
    trm__reader rd;
    trm_loss *l = NULL;
    TRM_REQUIRE(out);
    TRM_REQUIRE(buf);
    uint16_t format;
    int rc = trm__blob_open_format(__func__, buf, size, TRM__KIND_LOSS, FORMAT_NEWEST, &format, &rd);
    if (rc != TRM_OK)
        return rc;
    uint64_t kind = trm__get_u64(&rd), k = trm__get_u64(&rd), n = trm__get_u64(&rd);
    int64_t ignore = format >= FORMAT_V2 ? (int64_t)trm__get_u64(&rd) : TRM_NO_IGNORE;
    twofold loss, weight;
    loss.hi = trm__get_f64(&rd);
    loss.lo = trm__get_f64(&rd);
    weight.hi = trm__get_f64(&rd);
    weight.lo = trm__get_f64(&rd);
    if (!rd.ok || rd.left != 0)
        return TRM_FAIL(TRM_E_CORRUPT, "blob body of %zu bytes is not %zu bytes long", size - TRM__BLOB_OVERHEAD,
                        format >= FORMAT_V2 ? BODY_SIZE : BODY_SIZE - 8);
    if (kind > TRM_LOSS_BRIER)
        return TRM_FAIL(TRM_E_CORRUPT, "blob loss kind %" PRIu64 " is unknown", kind);
    rc = check_shape(__func__, (int)kind, k, TRM_E_CORRUPT);
    if (rc != TRM_OK)
        return rc;
    if (kind == TRM_LOSS_BINARY_CROSS_ENTROPY && ignore != TRM_NO_IGNORE)
        return TRM_FAIL(TRM_E_CORRUPT, "blob binary cross-entropy has an ignore label");
    trm_loss probe = { .kind = (int)kind, .k = (size_t)k, .n = n, .loss = loss, .weight = weight };
    rc = check_loaded(__func__, &probe);
    if (rc != TRM_OK)
        return rc;
    rc = create(__func__, &l, (int)kind, (size_t)k, alloc);
    if (rc != TRM_OK)
        return rc;
    trm_loss_set_ignore_label(l, ignore);
    l->n = n;
    l->loss = loss;
    l->weight = weight;
    *out = l;
    return TRM_OK;
}

int trm_loss_kind(const trm_loss *l)
{
    return l ? l->kind : -1;
}

size_t trm_loss_n_classes(const trm_loss *l)
{
    return l ? l->k : 0;
}

uint64_t trm_loss_n_samples(const trm_loss *l)
{
    return l ? l->n : 0;
}

int trm_loss_set_ignore_label(trm_loss *l, int64_t label)
{
    TRM_REQUIRE(l);
    if (l->kind == TRM_LOSS_BINARY_CROSS_ENTROPY && label != TRM_NO_IGNORE)
        return TRM_FAIL(TRM_E_MISMATCH, "binary cross-entropy takes targets, not class ids, so nothing to ignore");
    l->ignore = label;
    l->has_ignore = label != TRM_NO_IGNORE;
    return TRM_OK;
}

int64_t trm_loss_ignore_label(const trm_loss *l)
{
    return l && l->has_ignore ? l->ignore : TRM_NO_IGNORE;
}

/* One wrapper per input form and element type: the kernels above are
 * specialised by the constant form and type. */
#define DEFINE_ROW_UPDATE(name, form, suffix, T, type)                                                  \
    int trm_loss_update_##name##_##suffix(trm_loss *l, const int32_t *y_true, const T *values, size_t n, \
                                          size_t row_stride, const double *weights)                     \
    {                                                                                                   \
        batch b = { y_true, NULL, values, n, row_stride, weights };                                     \
        return update(__func__, l, &b, form, type);                                                     \
    }
DEFINE_ROW_UPDATE(logits, LOGITS, f32, float, VALUE_F32)
DEFINE_ROW_UPDATE(logits, LOGITS, f64, double, VALUE_F64)
DEFINE_ROW_UPDATE(probs, PROB_ROWS, f32, float, VALUE_F32)
DEFINE_ROW_UPDATE(probs, PROB_ROWS, f64, double, VALUE_F64)

#define DEFINE_BINARY_UPDATE(suffix, T, type)                                                         \
    int trm_loss_update_probs_binary_##suffix(trm_loss *l, const int32_t *y_true, const T *p_positive, \
                                              size_t n, const double *weights)                        \
    {                                                                                                 \
        batch b = { y_true, NULL, p_positive, n, 1, weights };                                        \
        return update(__func__, l, &b, PROB_POSITIVE, type);                                          \
    }                                                                                                 \
    int trm_loss_update_binary_logits_##suffix(trm_loss *l, const T *targets, const T *logits,        \
                                               size_t n, const double *weights)                       \
    {                                                                                                 \
        batch b = { NULL, targets, logits, n, 0, weights };                                           \
        return update(__func__, l, &b, BINARY_LOGITS, type);                                          \
    }
DEFINE_BINARY_UPDATE(f32, float, VALUE_F32)
DEFINE_BINARY_UPDATE(f64, double, VALUE_F64)

int trm_loss_value(const trm_loss *l, double *out)
{
    TRM_REQUIRE(l);
    TRM_REQUIRE(out);
    if (l->n == 0)
        return TRM_FAIL(TRM_E_EMPTY, "no sample has been accumulated");
    if (l->weight.hi == 0.0)
        return TRM_FAIL(TRM_E_EMPTY, "the weights of the %" PRIu64 " samples sum to 0", l->n);
    /* Both pairs are normalized, so hi alone is each sum rounded to double. */
    *out = l->loss.hi / l->weight.hi;
    return TRM_OK;
}

int trm_loss_sum(const trm_loss *l, double *out)
{
    TRM_REQUIRE(l);
    TRM_REQUIRE(out);
    *out = l->loss.hi;
    return TRM_OK;
}

int trm_loss_total_weight(const trm_loss *l, double *out)
{
    TRM_REQUIRE(l);
    TRM_REQUIRE(out);
    *out = l->weight.hi;
    return TRM_OK;
}
