/* SPDX-License-Identifier: MIT */
/* Streaming regression errors: the validation pass, a two-pass summary of each
 * batch, Chan's combination of two summaries (shared by update and merge), the
 * derived metrics and the handle's life cycle (clone, reset, serialization). */
#include "fp-private.h"
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "codec-private.h"
#include "common-private.h"
#include "trainmetrics/regression.h"

#define PI 3.14159265358979323846

/* Per-output arrays of a summary; e = y_pred - y_true. */
enum field {
    SHIFT,   /* a y_true value of the set (that of its first sample): y - shift is exact for
                data clustered far from 0, such as values near 1e8 with unit noise */
    MEAN,    /* mean of y_true - shift */
    M2,      /* sum of squared deviations of y_true from its mean, >= 0; exactly 0 for a
                constant column, since every y - shift is then 0 */
    SUM_ABS, /* sum of |e|, >= 0 */
    SUM_SQ,  /* sum of e^2, >= 0 */
    MAX_ABS, /* largest |e|, in [0, SUM_ABS], 0 exactly when SUM_ABS is */
    N_FIELDS
};

/* What a set of samples reduces to; update and merge both combine two of them.
 * Every value is finite: a combination that is not is refused before it is
 * committed. With n = 0 every value is 0. */
typedef struct summary {
    uint64_t n;               /* samples */
    double sum_rmse;          /* sum over samples of sqrt(mean over outputs of e^2), >= 0 */
    double sum_angle;         /* sum over samples of the spectral angle, in [0, pi n] */
    double *field[N_FIELDS];  /* M values each, see enum field */
} summary;

struct trm_regression {
    trm_allocator alloc; /* copy of the creator's hooks; alloc == NULL means malloc */
    size_t m;            /* outputs, >= 1; 2 * N_FIELDS * M doubles fit in size_t */
    summary total;       /* every sample accumulated so far */
    summary scratch;     /* a batch's summary, then the candidate total (+) batch; it trades
                            places with total once known to be finite, so a refused
                            update or merge leaves total untouched. Meaningless between
                            calls, never serialized or read by queries. */
};

/* The arrays live in the same block as the handle, after a 16-byte aligned header. */
#define HEADER_SIZE TRM__HEADER_SIZE(trm_regression)

enum value_type { VALUE_F32, VALUE_F64 };

/* The kernels take the element type as a constant argument; inlining them into
 * each public wrapper is what turns that constant into specialised loops
 * without a branch on the type. */
#define KERNEL static inline __attribute__((always_inline))

/* ---- allocation ------------------------------------------------------------ */

static int create(const char *func, trm_regression **out, size_t m, const trm_allocator *alloc)
{
    trm_allocator hooks;
    size_t values, bytes, block;
    if (m == 0)
        return trm__fail(TRM_E_INVALID, func, "n_outputs is 0");
    if (trm__allocator_copy(func, &hooks, alloc) != TRM_OK)
        return TRM_E_INVALID;
    if (trm__mul_overflows(m, 2 * N_FIELDS, &values) || trm__mul_overflows(values, sizeof(double), &bytes) ||
        trm__add_overflows(bytes, HEADER_SIZE, &block))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu outputs need more than SIZE_MAX bytes of state", m);
    uint8_t *base = trm__alloc_zeroed(&hooks, block);
    if (base == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes for %zu outputs", block, m);
    trm_regression *r = (trm_regression *)base;
    *r = (trm_regression){ .alloc = hooks, .m = m };
    double *arrays = (double *)(base + HEADER_SIZE);
    for (size_t f = 0; f < N_FIELDS; f++) {
        r->total.field[f] = arrays + f * m;
        r->scratch.field[f] = arrays + (N_FIELDS + f) * m;
    }
    *out = r;
    return TRM_OK;
}

static void clear_summary(summary *s, size_t m)
{
    s->n = 0;
    s->sum_rmse = 0.0;
    s->sum_angle = 0.0;
    for (size_t f = 0; f < N_FIELDS; f++)
        memset(s->field[f], 0, m * sizeof(double));
}

static void copy_summary(summary *dst, const summary *src, size_t m)
{
    if (dst == src)
        return;
    dst->n = src->n;
    dst->sum_rmse = src->sum_rmse;
    dst->sum_angle = src->sum_angle;
    for (size_t f = 0; f < N_FIELDS; f++)
        memcpy(dst->field[f], src->field[f], m * sizeof(double));
}

/* ---- validation ------------------------------------------------------------ */

KERNEL double load_value(const void *values, size_t i, enum value_type type)
{
    return type == VALUE_F32 ? (double)((const float *)values)[i] : ((const double *)values)[i];
}

static int report_value(const char *func, const char *array, size_t i, size_t m, double value)
{
    return trm__fail(TRM_E_NONFINITE, func, "%s[%zu][%zu] = %g is not finite", array, i / m, i % m, value);
}

/* Checks all `count` values of both arrays, naming the first bad one in row-major
 * order (y_true before y_pred at the same position). */
KERNEL int check_values(const char *func, const void *y_true, const void *y_pred, size_t count,
                        size_t m, enum value_type type)
{
    for (size_t start = 0; start < count; start = trm__block_end(start, count)) {
        size_t end = trm__block_end(start, count);
        uint64_t bad = 0;
        for (size_t i = start; i < end; i++)
            bad |= trm__not_finite_f64(load_value(y_true, i, type)) |
                   trm__not_finite_f64(load_value(y_pred, i, type));
        for (size_t i = start; bad && i < end; i++) {
            double t = load_value(y_true, i, type), p = load_value(y_pred, i, type);
            if (trm__not_finite_f64(t))
                return report_value(func, "y_true", i, m, t);
            if (trm__not_finite_f64(p))
                return report_value(func, "y_pred", i, m, p);
        }
    }
    return TRM_OK;
}

/* ---- per-sample kernels ---------------------------------------------------- */

/* sqrt(mean over the row of e^2), which is |e| for a single output. When the sum
 * of squares overflows although the errors themselves may not, the row is
 * scaled by its largest |e| first; an infinite error yields NaN, which the
 * caller's range check refuses. */
KERNEL double row_rmse(const void *y_true, const void *y_pred, size_t row, size_t m,
                       enum value_type type)
{
    if (m == 1)
        return fabs(load_value(y_pred, row, type) - load_value(y_true, row, type));
    double ss = 0.0;
    for (size_t j = 0; j < m; j++) {
        double e = load_value(y_pred, row + j, type) - load_value(y_true, row + j, type);
        ss += e * e;
    }
    if (ss <= DBL_MAX)
        return sqrt(ss / (double)m);
    double big = 0.0;
    for (size_t j = 0; j < m; j++) {
        double a = fabs(load_value(y_pred, row + j, type) - load_value(y_true, row + j, type));
        big = a > big ? a : big;
    }
    double scaled = 0.0;
    for (size_t j = 0; j < m; j++) {
        double q = (load_value(y_pred, row + j, type) - load_value(y_true, row + j, type)) / big;
        scaled += q * q;
    }
    return big * sqrt(scaled / (double)m);
}

/* Factors with (v[j] * pre) * post = the unit vector of the row v, up to one
 * rounding common to every component, which the angle does not see; post = 0
 * for the zero vector. The plain 1/|v| serves while the sum of squares lies well
 * inside the normal range; otherwise v is first brought near 1 by its largest
 * magnitude, so rows near 1e200 or 1e-200 get the angle they would have near 1. */
KERNEL void unit_factors(const void *v, size_t row, size_t m, enum value_type type, double *pre,
                         double *post)
{
    double ss = 0.0;
    for (size_t j = 0; j < m; j++) {
        double x = load_value(v, row + j, type);
        ss += x * x;
    }
    *pre = 1.0;
    if (ss >= 0x1p-900 && ss <= 0x1p900) {
        *post = 1.0 / sqrt(ss);
        return;
    }
    double big = 0.0;
    for (size_t j = 0; j < m; j++) {
        double a = fabs(load_value(v, row + j, type));
        big = a > big ? a : big;
    }
    if (big == 0.0) {
        *post = 0.0;
        return;
    }
    /* 1/big would overflow for the smallest subnormals; 2^1000 lifts them
     * exactly into [2^-74, 1). */
    *pre = big < 0x1p-1000 ? 0x1p1000 : 1.0 / big;
    ss = 0.0;
    for (size_t j = 0; j < m; j++) {
        double x = load_value(v, row + j, type) * *pre;
        ss += x * x;
    }
    *post = 1.0 / sqrt(ss);
}

/* The angle between the rows t and p as 2 atan2(|u - v|, |u + v|) on their unit
 * vectors u and v (Kahan): the arccos of the cosine clamped to [-1, 1], but
 * exactly 0 for identical rows and accurate for nearly parallel ones, where
 * arccos turns a rounding of 1e-16 in the cosine into an angle of 1.5e-8.
 * Between two numbers (one output) it is decided by their signs: 0 when they
 * agree, pi when they differ, pi/2 when exactly one is zero, as the general
 * form gives, without its square roots and arctangent. */
KERNEL double row_angle(const void *y_true, const void *y_pred, size_t row, size_t m,
                        enum value_type type)
{
    if (m == 1) {
        double t = load_value(y_true, row, type), p = load_value(y_pred, row, type);
        if (t == 0.0 || p == 0.0)
            return t == p ? 0.0 : PI / 2;
        return (t > 0.0) == (p > 0.0) ? 0.0 : PI;
    }
    double t_pre, t_post, p_pre, p_post;
    unit_factors(y_true, row, m, type, &t_pre, &t_post);
    unit_factors(y_pred, row, m, type, &p_pre, &p_post);
    if (t_post == 0.0 || p_post == 0.0)
        return t_post == p_post ? 0.0 : PI / 2;
    double diff = 0.0, sum = 0.0;
    for (size_t j = 0; j < m; j++) {
        double u = (load_value(y_true, row + j, type) * t_pre) * t_post;
        double v = (load_value(y_pred, row + j, type) * p_pre) * p_post;
        diff += (u - v) * (u - v);
        sum += (u + v) * (u + v);
    }
    return 2.0 * atan2(sqrt(diff), sqrt(sum));
}

/* ---- batch summary and combination ----------------------------------------- */

/* Adds one sample's squared deviations and errors to the per-output sums. The
 * loop is element-wise over the outputs, so it vectorizes; restrict tells the
 * compiler that the six arrays do not overlap. */
KERNEL void add_row(size_t m, const void *restrict y_true, const void *restrict y_pred, size_t row,
                    enum value_type type, const double *restrict shift, const double *restrict mean,
                    double *restrict m2, double *restrict sum_abs, double *restrict sum_sq,
                    double *restrict max_abs)
{
    for (size_t j = 0; j < m; j++) {
        double t = load_value(y_true, row + j, type), p = load_value(y_pred, row + j, type);
        double d = (t - shift[j]) - mean[j], e = p - t, a = fabs(e);
        m2[j] += d * d;
        sum_abs[j] += a;
        sum_sq[j] += e * e;
        max_abs[j] = a > max_abs[j] ? a : max_abs[j];
    }
}

/* Summarizes `rows` samples into s: the column means relative to the first row
 * in one pass, the squared deviations from them and the error sums in a second,
 * so M2 never suffers the cancellation of sum(y^2) - sum(y)^2/n. The per-row
 * reductions (RMSE, angle) run in loops of their own so that they do not keep
 * the per-output loop from vectorizing. */
KERNEL void summarize_batch(summary *s, size_t m, const void *y_true, const void *y_pred, size_t rows,
                            enum value_type type)
{
    double *shift = s->field[SHIFT], *mean = s->field[MEAN];
    for (size_t f = 0; f < N_FIELDS; f++)
        memset(s->field[f], 0, m * sizeof(double));
    for (size_t j = 0; j < m; j++)
        shift[j] = load_value(y_true, j, type);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < m; j++)
            mean[j] += load_value(y_true, i * m + j, type) - shift[j];
    for (size_t j = 0; j < m; j++)
        mean[j] /= (double)rows;

    double sum_rmse = 0.0, sum_angle = 0.0;
    for (size_t i = 0; i < rows; i++) {
        add_row(m, y_true, y_pred, i * m, type, shift, mean, s->field[M2], s->field[SUM_ABS],
                s->field[SUM_SQ], s->field[MAX_ABS]);
        sum_rmse += row_rmse(y_true, y_pred, i * m, m, type);
        sum_angle += row_angle(y_true, y_pred, i * m, m, type);
    }
    s->n = rows;
    s->sum_rmse = sum_rmse;
    s->sum_angle = sum_angle;
}

/* out = the summary of a's samples followed by b's: Chan, Golub and LeVeque's
 * pairwise update of the mean and M2, sums added, maxima kept. out may be b
 * (update) and a may be b (a merge into itself), but out is never a; each
 * output's values are read before they are written. */
static void combine(summary *out, const summary *a, const summary *b, size_t m)
{
    if (a->n == 0) {
        copy_summary(out, b, m);
        return;
    }
    if (b->n == 0) {
        copy_summary(out, a, m);
        return;
    }
    double na = (double)a->n, nb = (double)b->n;
    double nb_share = nb / (na + nb), weight = na * nb_share;
    for (size_t j = 0; j < m; j++) {
        /* The difference of the two means, formed from the shifts so that means
         * near 1e8 that differ by 1e-3 lose no digits. */
        double delta = (b->field[SHIFT][j] - a->field[SHIFT][j]) + (b->field[MEAN][j] - a->field[MEAN][j]);
        double a_max = a->field[MAX_ABS][j], b_max = b->field[MAX_ABS][j];
        out->field[SHIFT][j] = a->field[SHIFT][j];
        out->field[MEAN][j] = a->field[MEAN][j] + delta * nb_share;
        out->field[M2][j] = a->field[M2][j] + b->field[M2][j] + delta * delta * weight;
        out->field[SUM_ABS][j] = a->field[SUM_ABS][j] + b->field[SUM_ABS][j];
        out->field[SUM_SQ][j] = a->field[SUM_SQ][j] + b->field[SUM_SQ][j];
        out->field[MAX_ABS][j] = b_max > a_max ? b_max : a_max;
    }
    out->n = a->n + b->n;
    out->sum_rmse = a->sum_rmse + b->sum_rmse;
    out->sum_angle = a->sum_angle + b->sum_angle;
}

static const char *const field_name[N_FIELDS] = {
    "first y_true value",
    "mean of y_true",
    "sum of squared deviations of y_true",
    "sum of |y_pred - y_true|",
    "sum of squared errors",
    "largest |y_pred - y_true|",
};

/* Names the first running value of a candidate summary that left the double range. */
static int check_range(const char *func, const summary *s, size_t m)
{
    for (size_t f = 0; f < N_FIELDS; f++)
        for (size_t j = 0; j < m; j++)
            if (trm__not_finite_f64(s->field[f][j]))
                return trm__fail(TRM_E_OVERFLOW, func, "output %zu: the %s leaves the double range", j,
                                 field_name[f]);
    if (trm__not_finite_f64(s->sum_rmse))
        return trm__fail(TRM_E_OVERFLOW, func, "the sum of per-sample RMSEs leaves the double range");
    return TRM_OK;
}

/* Replaces r's total by total (+) part once the result is known to fit; part
 * may be r's scratch or another handle's total, including r's own. */
static int commit(const char *func, trm_regression *r, const summary *part)
{
    if (part->n > UINT64_MAX - r->total.n)
        return trm__fail(TRM_E_OVERFLOW, func, "sample count %" PRIu64 " + %" PRIu64 " overflows",
                         r->total.n, part->n);
    combine(&r->scratch, &r->total, part, r->m);
    int rc = check_range(func, &r->scratch, r->m);
    if (rc != TRM_OK)
        return rc;
    summary previous = r->total;
    r->total = r->scratch;
    r->scratch = previous;
    return TRM_OK;
}

KERNEL int update(const char *func, trm_regression *r, const void *y_true, const void *y_pred,
                  size_t rows, enum value_type type)
{
    size_t count;
    TRM_REQUIRE_IN(func, r);
    TRM_REQUIRE_IN(func, y_true);
    TRM_REQUIRE_IN(func, y_pred);
    if (trm__mul_overflows(rows, r->m, &count))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu samples of %zu outputs overflow size_t", rows, r->m);
    int rc = check_values(func, y_true, y_pred, count, r->m, type);
    if (rc != TRM_OK || rows == 0)
        return rc;
    summarize_batch(&r->scratch, r->m, y_true, y_pred, rows, type);
    return commit(func, r, &r->scratch);
}

/* ---- derived metrics ------------------------------------------------------- */

/* r2_score with force_finite=True: a perfect fit scores 1 even on a constant
 * column, any other fit of a constant column 0; fewer than 2 samples give NaN. */
static double r2(const summary *s, size_t j)
{
    double ss_res = s->field[SUM_SQ][j], ss_tot = s->field[M2][j];
    if (s->n < 2)
        return NAN;
    if (ss_res == 0.0)
        return 1.0;
    if (ss_tot == 0.0)
        return 0.0;
    return 1.0 - ss_res / ss_tot;
}

static double output_value(const summary *s, int metric, size_t j)
{
    double n = (double)s->n;
    switch (metric) {
    case TRM_MAE: return s->field[SUM_ABS][j] / n;
    case TRM_MSE: return s->field[SUM_SQ][j] / n;
    case TRM_RMSE: return sqrt(s->field[SUM_SQ][j] / n);
    case TRM_R2: return r2(s, j);
    default: return s->field[MAX_ABS][j];
    }
}

/* Uniform mean over the outputs; when the plain sum of large per-output values
 * leaves the double range, each value is divided before it is added. */
static double output_mean(const summary *s, size_t m, int metric)
{
    double sum = 0.0;
    for (size_t j = 0; j < m; j++)
        sum += output_value(s, metric, j);
    if (!isinf(sum))
        return sum / (double)m;
    sum = 0.0;
    for (size_t j = 0; j < m; j++)
        sum += output_value(s, metric, j) / (double)m;
    return sum;
}

static int check_query(const char *func, const trm_regression *r, int metric, bool per_output)
{
    if (metric < TRM_MAE || metric > TRM_SAD)
        return trm__fail(TRM_E_INVALID, func, "unknown metric %d", metric);
    if (per_output && metric > TRM_MAX_ERROR)
        return trm__fail(TRM_E_INVALID, func,
                         "metric %d summarizes whole samples and has no per-output value; "
                         "use trm_regression_average",
                         metric);
    if (r->total.n == 0)
        return trm__fail(TRM_E_EMPTY, func, "no sample has been accumulated");
    return TRM_OK;
}

/* ---- public functions, in the order of regression.h ------------------------ */

int trm_regression_new(trm_regression **out, size_t n_outputs, const trm_allocator *alloc)
{
    TRM_REQUIRE(out);
    return create(__func__, out, n_outputs, alloc);
}

void trm_regression_free(trm_regression *r)
{
    if (r) {
        trm_allocator hooks = r->alloc;
        trm__free(&hooks, r);
    }
}

int trm_regression_clone(trm_regression **out, const trm_regression *r)
{
    trm_regression *copy = NULL;
    TRM_REQUIRE(out);
    TRM_REQUIRE(r);
    int rc = create(__func__, &copy, r->m, r->alloc.alloc ? &r->alloc : NULL);
    if (rc != TRM_OK)
        return rc;
    copy_summary(&copy->total, &r->total, r->m);
    *out = copy;
    return TRM_OK;
}

void trm_regression_reset(trm_regression *r)
{
    if (r)
        clear_summary(&r->total, r->m);
}

int trm_regression_merge(trm_regression *dst, const trm_regression *src)
{
    TRM_REQUIRE(dst);
    TRM_REQUIRE(src);
    if (dst->m != src->m)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has %zu outputs, src has %zu", dst->m, src->m);
    return commit(__func__, dst, &src->total);
}

/* Body: u64 M, u64 n, f64 sum of per-sample RMSEs, f64 sum of angles, then the
 * N_FIELDS per-output arrays in the order of enum field, M f64 each. */
#define BODY_FIXED ((size_t)32)

int trm_regression_serialize(const trm_regression *r, uint8_t *buf, size_t cap, size_t *size)
{
    TRM_REQUIRE(r);
    TRM_REQUIRE(size);
    /* Twice these N_FIELDS * M doubles already exist, so the body size cannot overflow. */
    int rc = trm__blob_reserve(__func__, BODY_FIXED + N_FIELDS * r->m * sizeof(double), buf, cap, size);
    if (rc != TRM_OK)
        return rc;
    trm__writer w = trm__blob_begin(buf, TRM__KIND_REGRESSION);
    trm__put_u64(&w, r->m);
    trm__put_u64(&w, r->total.n);
    trm__put_f64(&w, r->total.sum_rmse);
    trm__put_f64(&w, r->total.sum_angle);
    for (size_t f = 0; f < N_FIELDS; f++)
        for (size_t j = 0; j < r->m; j++)
            trm__put_f64(&w, r->total.field[f][j]);
    trm__blob_seal(&w, buf);
    return TRM_OK;
}

/* Refuses a loaded summary that no sequence of updates and merges produces. */
static int check_loaded(const char *func, const summary *s, size_t m)
{
    double n = (double)s->n;
    if (trm__not_finite_f64(s->sum_rmse) || s->sum_rmse < 0.0)
        return trm__fail(TRM_E_CORRUPT, func, "blob sum of per-sample RMSEs %g is invalid", s->sum_rmse);
    /* Each angle is at most pi. A sum of n terms can exceed their exact sum by
     * (n - 1) roundings of 2^-53 relative (n * pi added one pi at a time is
     * 1.2e-11 high after 2^19 samples), hence the slack growing with n. */
    double slack = 1.0 + (n + 2.0) * 0x1p-52;
    if (trm__not_finite_f64(s->sum_angle) || s->sum_angle < 0.0 || s->sum_angle > PI * n * slack)
        return trm__fail(TRM_E_CORRUPT, func, "blob sum of angles %g is outside [0, pi * %" PRIu64 "]",
                         s->sum_angle, s->n);
    for (size_t j = 0; j < m; j++) {
        for (size_t f = 0; f < N_FIELDS; f++) {
            double v = s->field[f][j];
            bool signed_field = f == SHIFT || f == MEAN;
            if (trm__not_finite_f64(v) || (!signed_field && v < 0.0) || (s->n == 0 && v != 0.0))
                return trm__fail(TRM_E_CORRUPT, func, "blob output %zu: %s = %g is invalid", j,
                                 field_name[f], v);
        }
        double sum_abs = s->field[SUM_ABS][j], max_abs = s->field[MAX_ABS][j];
        if (max_abs > sum_abs || (max_abs == 0.0) != (sum_abs == 0.0) ||
            (sum_abs == 0.0 && s->field[SUM_SQ][j] != 0.0))
            return trm__fail(TRM_E_CORRUPT, func,
                             "blob output %zu: error sums %g, %g and maximum %g disagree", j, sum_abs,
                             s->field[SUM_SQ][j], max_abs);
        /* A single sample is its own shift. */
        if (s->n == 1 && (s->field[MEAN][j] != 0.0 || s->field[M2][j] != 0.0))
            return trm__fail(TRM_E_CORRUPT, func, "blob output %zu: one sample with a nonzero deviation", j);
    }
    if (s->n == 0 && (s->sum_rmse != 0.0 || s->sum_angle != 0.0))
        return trm__fail(TRM_E_CORRUPT, func, "blob of no samples has nonzero sums");
    return TRM_OK;
}

int trm_regression_deserialize(trm_regression **out, const uint8_t *buf, size_t size,
                               const trm_allocator *alloc)
{
    trm__reader rd;
    trm_regression *r = NULL;
    TRM_REQUIRE(out);
    TRM_REQUIRE(buf);
    int rc = trm__blob_open(__func__, buf, size, TRM__KIND_REGRESSION, &rd);
    if (rc != TRM_OK)
        return rc;
    uint64_t m = trm__get_u64(&rd);
    uint64_t n = trm__get_u64(&rd);
    double sum_rmse = trm__get_f64(&rd);
    double sum_angle = trm__get_f64(&rd);
    if (!rd.ok || m == 0 || m > SIZE_MAX)
        return TRM_FAIL(TRM_E_CORRUPT, "blob header is invalid");
    /* Compare the body length with what M implies before allocating anything. */
    const size_t per_output = N_FIELDS * sizeof(double);
    if (rd.left % per_output != 0 || rd.left / per_output != m)
        return TRM_FAIL(TRM_E_CORRUPT, "blob body of %zu bytes does not hold %" PRIu64 " outputs", rd.left,
                        m);
    rc = create(__func__, &r, (size_t)m, alloc);
    if (rc != TRM_OK)
        return rc;
    r->total.n = n;
    r->total.sum_rmse = sum_rmse;
    r->total.sum_angle = sum_angle;
    for (size_t f = 0; f < N_FIELDS; f++)
        for (size_t j = 0; j < r->m; j++)
            r->total.field[f][j] = trm__get_f64(&rd);
    rc = check_loaded(__func__, &r->total, r->m);
    if (rc != TRM_OK) {
        trm_regression_free(r);
        return rc;
    }
    *out = r;
    return TRM_OK;
}

size_t trm_regression_n_outputs(const trm_regression *r)
{
    return r ? r->m : 0;
}

uint64_t trm_regression_n_samples(const trm_regression *r)
{
    return r ? r->total.n : 0;
}

/* One wrapper per element type: the kernels above are specialised by the constant type. */
#define DEFINE_UPDATE(suffix, T, type)                                                     \
    int trm_regression_update_##suffix(trm_regression *r, const T *y_true, const T *y_pred, \
                                       size_t n_samples)                                   \
    {                                                                                      \
        return update(__func__, r, y_true, y_pred, n_samples, type);                       \
    }
DEFINE_UPDATE(f32, float, VALUE_F32)
DEFINE_UPDATE(f64, double, VALUE_F64)

static int regression_per_output_in(const char *func, const trm_regression *r, int metric, double *out)
{
    TRM_REQUIRE_IN(func, r);
    TRM_REQUIRE_IN(func, out);
    int rc = check_query(func, r, metric, true);
    if (rc != TRM_OK)
        return rc;
    for (size_t j = 0; j < r->m; j++)
        out[j] = output_value(&r->total, metric, j);
    return TRM_OK;
}

int trm_regression_per_output(const trm_regression *r, int metric, double *out)
{
    return regression_per_output_in(__func__, r, metric, out);
}

int trm_regression_metric_per_output(const trm_regression *r, int metric, double *out)
{
    return regression_per_output_in(__func__, r, metric, out);
}

static int regression_average_in(const char *func, const trm_regression *r, int metric, double *out)
{
    TRM_REQUIRE_IN(func, r);
    TRM_REQUIRE_IN(func, out);
    int rc = check_query(func, r, metric, false);
    if (rc != TRM_OK)
        return rc;
    const summary *s = &r->total;
    switch (metric) {
    case TRM_RMSE_POOLED:
        /* Every output has n errors, so the pooled mean is the mean of the per-output MSEs. */
        *out = sqrt(output_mean(s, r->m, TRM_MSE));
        break;
    case TRM_RMSE_PER_SAMPLE: *out = s->sum_rmse / (double)s->n; break;
    case TRM_SAD: *out = s->sum_angle / (double)s->n; break;
    default: *out = output_mean(s, r->m, metric); break;
    }
    return TRM_OK;
}

int trm_regression_average(const trm_regression *r, int metric, double *out)
{
    return regression_average_in(__func__, r, metric, out);
}

int trm_regression_metric_average(const trm_regression *r, int metric, double *out)
{
    return regression_average_in(__func__, r, metric, out);
}
