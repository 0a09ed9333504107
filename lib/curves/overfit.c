/* SPDX-License-Identifier: MIT */
/* Overfitting detector. The options and the pushed history are the whole
 * state; everything else (best epoch, patience counter, criteria, statistics)
 * is derived by evaluating the epochs in order. So changing an option replays
 * the history, and cloning or deserializing is "same options, same pushes". */
#include "fp-private.h"
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "codec-private.h"
#include "common-private.h"
#include "text-private.h"
#include "trainmetrics/overfit.h"
#include "trend-private.h"

enum { N_CRITERIA = 8, N_STATS = 8, MIN_WINDOW = 4, MAX_WINDOW = 1024 };
#define ALL_CRITERIA ((1u << N_CRITERIA) - 1)

static const char *const criterion_names[N_CRITERIA] = {
    "PATIENCE", "GL", "PQ", "UP", "THRESHOLD", "DIVERGENCE", "NONFINITE", "TREND",
};

typedef struct options {
    int mode;
    uint32_t criteria; /* which criteria decide should_stop */
    uint32_t patience;
    double min_delta_abs, min_delta_rel;
    double gl_alpha;
    double pq_alpha;
    uint32_t pq_strip;
    uint32_t up_s, up_strip;
    double stop_threshold, divergence_threshold; /* NaN = off */
    uint32_t trend_window;
    double trend_alpha;
    uint32_t warmup;
    /* Since blob format 2: */
    uint32_t start_from_epoch; /* Keras start_from_epoch: PATIENCE ignores epochs 1 .. this */
    uint32_t flags;            /* OPTION_* bits */
    double baseline;           /* Keras baseline; NaN = off */
} options;

/* The preset was KERAS, whose warm-up is Keras's start_from_epoch. */
#define OPTION_WARMUP_STARTS_MONITORING (1u << 0)
#define ALL_OPTION_FLAGS OPTION_WARMUP_STARTS_MONITORING

/* Everything derived from the options and the history by evaluate(). */
typedef struct derived {
    int64_t best_epoch; /* -1 until a finite validation value arrives */
    double best_value;
    bool has_ref;       /* patience reference: value at the last improvement */
    double ref;
    int64_t ref_epoch;  /* Keras's best_epoch: the last improvement, else the first monitored epoch; -1 */
    int64_t restore_epoch; /* ref_epoch as of the stop epoch, or of the last epoch if none */
    uint64_t wait;      /* monitored epochs since the last improvement (that beat the baseline) */
    uint32_t up_rises;  /* successive strip ends at which validation got worse */
    uint32_t fired;
    int64_t first_fire[N_CRITERIA];
    int64_t stop_epoch;
    uint32_t holds;     /* criteria holding at the last epoch */
    double stats[N_STATS];
    size_t trend_epoch; /* epoch whose window trend_s describes; 0: none */
    double trend_s[3];  /* Mann-Kendall S of the validation, gap and training windows */
} derived;

struct trm_overfit {
    trm_allocator alloc;
    options opt;
    double *train, *val; /* history: n of cap values each, one block starting at train */
    size_t n, cap;
    double *scratch;     /* trend workspace for scratch_window epochs */
    size_t scratch_window;
    derived st;
};

/* ---- options ---------------------------------------------------------------- */

static const options default_options = {
    .mode = TRM_MODE_MIN,
    .criteria = TRM_CRIT_PATIENCE | TRM_CRIT_TREND | TRM_CRIT_NONFINITE,
    .patience = 5,
    .gl_alpha = 5.0,
    .pq_alpha = 0.5,
    .pq_strip = 5,
    .up_s = 3,
    .up_strip = 5,
    .stop_threshold = NAN,
    .divergence_threshold = NAN,
    .trend_window = 8,
    .trend_alpha = 0.05,
    .baseline = NAN,
};

static bool nonnegative(double x)
{
    return x >= 0.0 && isfinite(x);
}

/* Reports the first option out of range against func. */
static int check_options(const char *func, int code, const options *o)
{
    if (o->mode != TRM_MODE_MIN && o->mode != TRM_MODE_MAX)
        return trm__fail(code, func, "unknown mode %d", o->mode);
    if (o->criteria & ~ALL_CRITERIA)
        return trm__fail(code, func, "unknown criteria bits 0x%" PRIx32, o->criteria & ~ALL_CRITERIA);
    if (!nonnegative(o->min_delta_abs) || !nonnegative(o->min_delta_rel))
        return trm__fail(code, func, "min_delta_abs = %g and min_delta_rel = %g must be finite and >= 0",
                         o->min_delta_abs, o->min_delta_rel);
    if (!nonnegative(o->gl_alpha))
        return trm__fail(code, func, "GL alpha = %g must be finite and >= 0", o->gl_alpha);
    if (!nonnegative(o->pq_alpha) || o->pq_strip == 0)
        return trm__fail(code, func, "PQ alpha = %g must be finite and >= 0, strip = %" PRIu32 " >= 1",
                         o->pq_alpha, o->pq_strip);
    if (o->up_s == 0 || o->up_strip == 0)
        return trm__fail(code, func, "UP s = %" PRIu32 " and strip = %" PRIu32 " must be >= 1", o->up_s,
                         o->up_strip);
    if (o->trend_window < MIN_WINDOW || o->trend_window > MAX_WINDOW)
        return trm__fail(code, func, "trend window %" PRIu32 " is outside [%d, %d]", o->trend_window,
                         MIN_WINDOW, MAX_WINDOW);
    if (!(o->trend_alpha > 0.0 && o->trend_alpha < 1.0))
        return trm__fail(code, func, "trend alpha = %g is outside (0, 1)", o->trend_alpha);
    if (o->flags & ~ALL_OPTION_FLAGS)
        return trm__fail(code, func, "unknown option flags 0x%" PRIx32, o->flags & ~ALL_OPTION_FLAGS);
    if (isinf(o->baseline))
        return trm__fail(code, func, "baseline = %g must be finite, or NaN for none", o->baseline);
    return TRM_OK;
}

/* ---- memory ----------------------------------------------------------------- */

static int reserve_scratch(const char *func, trm_overfit *o, size_t window)
{
    if (window <= o->scratch_window)
        return TRM_OK;
    /* The window's three series, each after the epoch it slid from, a sorted
     * copy for ties and the pairwise slopes; window <= MAX_WINDOW keeps this
     * small. */
    size_t doubles = 3 * (window + 1) + window + window * (window - 1) / 2;
    double *scratch = trm__alloc(&o->alloc, doubles * sizeof(double));
    if (scratch == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate the trend workspace for %zu epochs", window);
    trm__free(&o->alloc, o->scratch);
    o->scratch = scratch;
    o->scratch_window = window;
    return TRM_OK;
}

/* Makes room for `more` epochs, doubling the capacity. */
static int reserve_history(const char *func, trm_overfit *o, size_t more)
{
    size_t need, cap, bytes;
    if (trm__add_overflows(o->n, more, &need))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu + %zu epochs overflow size_t", o->n, more);
    if (need <= o->cap)
        return TRM_OK;
    cap = o->cap > need / 2 ? 2 * o->cap : need;
    if (cap < 16)
        cap = 16;
    if (trm__mul_overflows(cap, 2 * sizeof(double), &bytes))
        return trm__fail(TRM_E_OVERFLOW, func, "a history of %zu epochs overflows size_t", cap);
    double *block = trm__alloc(&o->alloc, bytes);
    if (block == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate a history of %zu epochs", cap);
    if (o->n) {
        memcpy(block, o->train, o->n * sizeof(double));
        memcpy(block + cap, o->val, o->n * sizeof(double));
    }
    trm__free(&o->alloc, o->train);
    o->train = block;
    o->val = block + cap;
    o->cap = cap;
    return TRM_OK;
}

/* ---- evaluation of one epoch ------------------------------------------------- */

/* Values are compared as "badness": the value in MIN mode, its negation in MAX
 * mode, so every criterion is written once for losses. */
static double badness(const trm_overfit *o, double x)
{
    return o->opt.mode == TRM_MODE_MAX ? -x : x;
}

static bool all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return false;
    return true;
}

/* Prechelt's GL(t) in percent; NaN where the ratio is not defined. */
static double generalization_loss(const trm_overfit *o, double val)
{
    double best = o->st.best_value;
    if (!isfinite(val) || o->st.best_epoch < 0)
        return NAN;
    if (o->opt.mode == TRM_MODE_MIN)
        return best > 0.0 ? 100.0 * (val / best - 1.0) : NAN;
    return val > 0.0 ? 100.0 * (best / val - 1.0) : NAN;
}

/* Prechelt's P_k(t) over the k training values ending at epoch t. */
static double training_progress(const trm_overfit *o, size_t t)
{
    size_t k = o->opt.pq_strip;
    if (t < k || !all_finite(o->train + t - k, k))
        return NAN;
    const double *strip = o->train + t - k;
    double sum = 0.0, low = strip[0], high = strip[0];
    for (size_t i = 0; i < k; i++) {
        sum += strip[i];
        low = fmin(low, strip[i]);
        high = fmax(high, strip[i]);
    }
    if (o->opt.mode == TRM_MODE_MIN)
        return low > 0.0 ? 1000.0 * (sum / ((double)k * low) - 1.0) : NAN;
    return sum > 0.0 ? 1000.0 * ((double)k * high / sum - 1.0) : NAN;
}

/* The last epoch PATIENCE does not look at (Keras start_from_epoch, counted
 * in epochs: Keras's 0-based epochs 0 .. n-1 are our epochs 1 .. n). */
static uint64_t unmonitored_epochs(const options *opt)
{
    uint32_t n = opt->start_from_epoch;
    if ((opt->flags & OPTION_WARMUP_STARTS_MONITORING) && opt->warmup > n)
        n = opt->warmup;
    return n;
}

/* Whether val beats ref by more than the min_delta margin (taken relative to ref). */
static bool improves(const trm_overfit *o, double val, double ref)
{
    double margin = fmax(o->opt.min_delta_abs, o->opt.min_delta_rel * fabs(ref));
    /* Keras and Lightning both test val + delta < ref; the same in exact
     * arithmetic as val < ref - delta, but this rounding is theirs. */
    return badness(o, val) + margin < badness(o, ref);
}

/* Keras EarlyStopping.on_epoch_end, step for step: an improvement moves the
 * reference (and Keras's best_epoch) but restarts the wait only when it also
 * beats the baseline; an improving epoch never stops. */
static bool patience_holds(trm_overfit *o, size_t t, double val)
{
    derived *st = &o->st;
    if (t <= unmonitored_epochs(&o->opt))
        return false;
    if (st->ref_epoch < 0)
        st->ref_epoch = (int64_t)t; /* restore_best_weights keeps the first monitored weights */
    st->wait++;
    if (isfinite(val) && (!st->has_ref || improves(o, val, st->ref))) {
        st->has_ref = true;
        st->ref = val;
        st->ref_epoch = (int64_t)t;
        if (isnan(o->opt.baseline) || improves(o, val, o->opt.baseline))
            st->wait = 0;
        return false;
    }
    /* Keras checks only after the first epoch. */
    return st->wait >= o->opt.patience && t > 1;
}

static bool up_holds(trm_overfit *o, size_t t)
{
    size_t k = o->opt.up_strip;
    if (t % k != 0 || t <= k)
        return false;
    if (badness(o, o->val[t - 1]) > badness(o, o->val[t - 1 - k]))
        o->st.up_rises++;
    else
        o->st.up_rises = 0;
    return o->st.up_rises >= o->opt.up_s;
}

/* Mann-Kendall on the window ending at t; also fills the trend statistics.
 * The Theil-Sen slopes, O(w^2) each and used by no criterion, are found only
 * for the epoch whose statistics are kept (`kept`). When the window of t - 1
 * was tested, S slides from it in O(w): replaying a blob's n epochs costs
 * O(n w log w), not O(n w^2). */
static bool trend_holds(trm_overfit *o, size_t t, bool kept)
{
    size_t w = o->opt.trend_window;
    derived *st = &o->st;
    double *stats = st->stats;
    if (t < w || !all_finite(o->train + t - w, w) || !all_finite(o->val + t - w, w))
        return false;
    /* slot 0 of each series: the epoch before the window, when sliding */
    double *val = o->scratch, *gap = val + w + 1, *train = gap + w + 1, *work = train + w + 1;
    bool slide = st->trend_epoch == t - 1 && t > w;
    for (size_t i = slide ? 0 : 1; i <= w; i++) {
        train[i] = o->train[t - w + i - 1];
        val[i] = o->val[t - w + i - 1];
        gap[i] = val[i] - train[i];
    }
    if (kept) {
        stats[TRM_STAT_VAL_SLOPE] = trm__theil_sen_slope(val + 1, w, work);
        stats[TRM_STAT_GAP_SLOPE] = trm__theil_sen_slope(gap + 1, w, work);
    }
    double *series[3] = { val, gap, train };
    trm__mann_kendall tests[3];
    for (int k = 0; k < 3; k++) {
        double *x = series[k];
        for (size_t i = slide ? 0 : 1; i <= w; i++)
            x[i] = badness(o, x[i]);
        double s = slide ? trm__mann_kendall_slide_s(st->trend_s[k], x, w) : trm__mann_kendall_s(x + 1, w);
        tests[k] = trm__mann_kendall_with_s(x + 1, w, s, work);
        st->trend_s[k] = s;
    }
    st->trend_epoch = t;
    stats[TRM_STAT_TREND_Z] = tests[0].z;
    stats[TRM_STAT_TREND_P] = tests[0].p_rise;
    double alpha = o->opt.trend_alpha;
    return tests[0].p_rise < alpha && tests[1].p_rise < alpha && !(tests[2].p_rise < alpha);
}

/* Advances the derived state to epoch t; `kept` says whether t is the last
 * epoch of the call, whose statistics the queries then read. */
static void evaluate(trm_overfit *o, size_t t, bool kept)
{
    derived *st = &o->st;
    double train = o->train[t - 1], val = o->val[t - 1];
    uint32_t holds = 0;

    for (int s = 0; s < N_STATS; s++)
        st->stats[s] = NAN;
    if (isfinite(val) && (st->best_epoch < 0 || badness(o, val) < badness(o, st->best_value))) {
        st->best_value = val;
        st->best_epoch = (int64_t)t;
    }
    if (!isfinite(train) || !isfinite(val))
        holds |= TRM_CRIT_NONFINITE;
    if (patience_holds(o, t, val))
        holds |= TRM_CRIT_PATIENCE;

    double gl = generalization_loss(o, val), progress = training_progress(o, t);
    st->stats[TRM_STAT_GL] = gl;
    st->stats[TRM_STAT_PROGRESS] = progress;
    st->stats[TRM_STAT_PQ] = gl / progress;
    st->stats[TRM_STAT_GAP] = val - train;
    if (gl > o->opt.gl_alpha)
        holds |= TRM_CRIT_GL;
    if (t % o->opt.pq_strip == 0 && gl / progress > o->opt.pq_alpha)
        holds |= TRM_CRIT_PQ;
    if (up_holds(o, t))
        holds |= TRM_CRIT_UP;
    /* NaN thresholds compare false, which turns them off. */
    if (isfinite(val) && badness(o, val) < badness(o, o->opt.stop_threshold))
        holds |= TRM_CRIT_THRESHOLD;
    if (isfinite(val) && badness(o, val) > badness(o, o->opt.divergence_threshold))
        holds |= TRM_CRIT_DIVERGENCE;
    if (trend_holds(o, t, kept))
        holds |= TRM_CRIT_TREND;

    for (int c = 0; c < N_CRITERIA; c++)
        if ((holds & ~st->fired) & (1u << c))
            st->first_fire[c] = (int64_t)t;
    st->fired |= holds;
    if (st->stop_epoch < 0 && t > o->opt.warmup && (holds & o->opt.criteria))
        st->stop_epoch = (int64_t)t;
    /* Training ends at the stop epoch: later epochs do not move what it restores. */
    if (st->stop_epoch < 0 || st->stop_epoch == (int64_t)t)
        st->restore_epoch = st->ref_epoch;
    st->holds = holds;
}

static void replay(trm_overfit *o)
{
    o->st = (derived){ .best_epoch = -1, .best_value = NAN, .stop_epoch = -1, .ref_epoch = -1,
                       .restore_epoch = -1 };
    for (int c = 0; c < N_CRITERIA; c++)
        o->st.first_fire[c] = -1;
    for (int s = 0; s < N_STATS; s++)
        o->st.stats[s] = NAN;
    for (size_t t = 1; t <= o->n; t++)
        evaluate(o, t, t == o->n);
}

/* Validates, takes and re-evaluates new options; a failure changes nothing. */
static int apply_options(const char *func, trm_overfit *o, const options *next)
{
    int rc = check_options(func, TRM_E_INVALID, next);
    if (rc == TRM_OK)
        rc = reserve_scratch(func, o, next->trend_window);
    if (rc != TRM_OK)
        return rc;
    o->opt = *next;
    replay(o);
    return TRM_OK;
}

static int append(const char *func, trm_overfit *o, const double *train, const double *val, size_t n)
{
    int rc = reserve_history(func, o, n);
    if (rc != TRM_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        o->train[o->n] = train[i];
        o->val[o->n] = val[i];
        o->n++;
        evaluate(o, o->n, i + 1 == n);
    }
    return TRM_OK;
}

static int create(const char *func, trm_overfit **out, const options *opt, const trm_allocator *alloc)
{
    trm_allocator hooks;
    if (trm__allocator_copy(func, &hooks, alloc) != TRM_OK)
        return TRM_E_INVALID;
    trm_overfit *o = trm__alloc_zeroed(&hooks, sizeof *o);
    if (o == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate a detector");
    o->alloc = hooks;
    int rc = apply_options(func, o, opt);
    if (rc != TRM_OK) {
        trm_overfit_free(o);
        return rc;
    }
    *out = o;
    return TRM_OK;
}

/* ---- public functions, in the order of overfit.h ------------------------------ */

int trm_overfit_new(trm_overfit **out, const trm_allocator *alloc)
{
    TRM_REQUIRE(out);
    return create(__func__, out, &default_options, alloc);
}

void trm_overfit_free(trm_overfit *o)
{
    if (o == NULL)
        return;
    trm_allocator hooks = o->alloc;
    trm__free(&hooks, o->train);
    trm__free(&hooks, o->scratch);
    trm__free(&hooks, o);
}

int trm_overfit_clone(trm_overfit **out, const trm_overfit *o)
{
    trm_overfit *copy;
    TRM_REQUIRE(out);
    TRM_REQUIRE(o);
    int rc = create(__func__, &copy, &o->opt, o->alloc.alloc ? &o->alloc : NULL);
    if (rc != TRM_OK)
        return rc;
    rc = append(__func__, copy, o->train, o->val, o->n);
    if (rc != TRM_OK) {
        trm_overfit_free(copy);
        return rc;
    }
    *out = copy;
    return TRM_OK;
}

void trm_overfit_reset(trm_overfit *o)
{
    if (o == NULL)
        return;
    o->n = 0;
    replay(o);
}

/* Body of format 1: 8 u32 options, 7 f64 options, u64 n, then n training and
 * n validation values. Format 2 puts 2 u32 options (start_from_epoch, flags)
 * and 1 f64 option (baseline) before n. A format-1 blob loads with their
 * defaults, which is what its writer had. */
enum { FORMAT_V1 = 1, FORMAT_V2 = 2, FORMAT_NEWEST = FORMAT_V2 };
#define BODY_FIXED ((size_t)(10 * 4 + 8 * 8 + 8))

int trm_overfit_serialize(const trm_overfit *o, uint8_t *buf, size_t cap, size_t *size)
{
    TRM_REQUIRE(o);
    TRM_REQUIRE(size);
    /* The history already fits in memory, so its byte count cannot overflow. */
    int rc = trm__blob_reserve(__func__, BODY_FIXED + 2 * o->n * sizeof(double), buf, cap, size);
    if (rc != TRM_OK)
        return rc;
    const options *p = &o->opt;
    trm__writer w = trm__blob_begin_format(buf, TRM__KIND_OVERFIT, FORMAT_NEWEST);
    const uint32_t words[8] = { (uint32_t)p->mode, p->criteria, p->patience, p->pq_strip,
                                p->up_s, p->up_strip, p->trend_window, p->warmup };
    const double reals[7] = { p->min_delta_abs, p->min_delta_rel, p->gl_alpha, p->pq_alpha,
                              p->stop_threshold, p->divergence_threshold, p->trend_alpha };
    for (int i = 0; i < 8; i++)
        trm__put_u32(&w, words[i]);
    for (int i = 0; i < 7; i++)
        trm__put_f64(&w, reals[i]);
    trm__put_u32(&w, p->start_from_epoch);
    trm__put_u32(&w, p->flags);
    trm__put_f64(&w, p->baseline);
    trm__put_u64(&w, o->n);
    for (size_t i = 0; i < o->n; i++)
        trm__put_f64(&w, o->train[i]);
    for (size_t i = 0; i < o->n; i++)
        trm__put_f64(&w, o->val[i]);
    trm__blob_seal(&w, buf);
    return TRM_OK;
}

int trm_overfit_deserialize(trm_overfit **out, const uint8_t *buf, size_t size, const trm_allocator *alloc)
{
    trm__reader r;
    trm_overfit *o;
    options p;
    TRM_REQUIRE(out);
    TRM_REQUIRE(buf);
    uint16_t format;
    int rc = trm__blob_open_format(__func__, buf, size, TRM__KIND_OVERFIT, FORMAT_NEWEST, &format, &r);
    if (rc != TRM_OK)
        return rc;
    uint32_t words[10] = { 0 };
    double reals[8] = { 0 };
    reals[7] = default_options.baseline;
    for (int i = 0; i < 8; i++)
        words[i] = trm__get_u32(&r);
    for (int i = 0; i < 7; i++)
        reals[i] = trm__get_f64(&r);
    if (format >= FORMAT_V2) {
        words[8] = trm__get_u32(&r);
        words[9] = trm__get_u32(&r);
        reals[7] = trm__get_f64(&r);
    }
    uint64_t n = trm__get_u64(&r);
    p = (options){ .mode = (int)words[0], .criteria = words[1], .patience = words[2], .pq_strip = words[3],
                   .up_s = words[4], .up_strip = words[5], .trend_window = words[6], .warmup = words[7],
                   .start_from_epoch = words[8], .flags = words[9],
                   .min_delta_abs = reals[0], .min_delta_rel = reals[1], .gl_alpha = reals[2],
                   .pq_alpha = reals[3], .stop_threshold = reals[4], .divergence_threshold = reals[5],
                   .trend_alpha = reals[6], .baseline = reals[7] };
    /* Compare the body length with what n implies before allocating anything. */
    if (!r.ok || words[0] > 1 || n > r.left / (2 * sizeof(double)) || r.left != 2 * n * sizeof(double))
        return TRM_FAIL(TRM_E_CORRUPT, "blob body does not hold the options and %" PRIu64 " epochs", n);
    rc = check_options(__func__, TRM_E_CORRUPT, &p);
    if (rc == TRM_OK)
        rc = create(__func__, &o, &p, alloc);
    if (rc != TRM_OK)
        return rc;
    rc = reserve_history(__func__, o, (size_t)n);
    if (rc != TRM_OK) {
        trm_overfit_free(o);
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        o->train[i] = trm__get_f64(&r);
    for (size_t i = 0; i < n; i++)
        o->val[i] = trm__get_f64(&r);
    o->n = (size_t)n;
    replay(o);
    *out = o;
    return TRM_OK;
}

int trm_overfit_preset(trm_overfit *o, int preset)
{
    TRM_REQUIRE(o);
    if (o->n > 0)
        return TRM_FAIL(TRM_E_INVALID, "presets apply only before the first push (%zu epochs pushed)", o->n);
    options next = default_options;
    next.mode = o->opt.mode;
    switch (preset) {
    case TRM_PRESET_DEFAULT: break;
    case TRM_PRESET_KERAS:
        next.criteria = TRM_CRIT_PATIENCE;
        next.patience = 0;
        next.flags = OPTION_WARMUP_STARTS_MONITORING;
        break;
    case TRM_PRESET_LIGHTNING:
        next.criteria = TRM_CRIT_PATIENCE | TRM_CRIT_NONFINITE | TRM_CRIT_THRESHOLD | TRM_CRIT_DIVERGENCE;
        next.patience = 3;
        break;
    case TRM_PRESET_PRECHELT_GL: next.criteria = TRM_CRIT_GL; break;
    case TRM_PRESET_PRECHELT_PQ: next.criteria = TRM_CRIT_PQ; break;
    case TRM_PRESET_PRECHELT_UP: next.criteria = TRM_CRIT_UP; break;
    default: return TRM_FAIL(TRM_E_INVALID, "unknown preset %d", preset);
    }
    return apply_options(__func__, o, &next);
}

/* Each setter edits a copy of the options and hands it to apply_options(). */
#define EDIT_OPTIONS(o, edit)                          \
    do {                                               \
        TRM_REQUIRE(o);                                \
        options next = (o)->opt;                       \
        edit;                                          \
        return apply_options(__func__, (o), &next);    \
    } while (0)

int trm_overfit_set_mode(trm_overfit *o, int mode)
{
    EDIT_OPTIONS(o, next.mode = mode);
}

int trm_overfit_set_criteria(trm_overfit *o, uint32_t mask)
{
    EDIT_OPTIONS(o, next.criteria = mask);
}

int trm_overfit_set_patience(trm_overfit *o, uint32_t patience, double min_delta_abs, double min_delta_rel)
{
    EDIT_OPTIONS(o, (next.patience = patience, next.min_delta_abs = min_delta_abs,
                     next.min_delta_rel = min_delta_rel));
}

int trm_overfit_set_gl(trm_overfit *o, double alpha)
{
    EDIT_OPTIONS(o, next.gl_alpha = alpha);
}

int trm_overfit_set_pq(trm_overfit *o, double alpha, uint32_t strip)
{
    EDIT_OPTIONS(o, (next.pq_alpha = alpha, next.pq_strip = strip));
}

int trm_overfit_set_up(trm_overfit *o, uint32_t s, uint32_t strip)
{
    EDIT_OPTIONS(o, (next.up_s = s, next.up_strip = strip));
}

int trm_overfit_set_thresholds(trm_overfit *o, double stop_threshold, double divergence_threshold)
{
    EDIT_OPTIONS(o, (next.stop_threshold = stop_threshold, next.divergence_threshold = divergence_threshold));
}

int trm_overfit_set_trend(trm_overfit *o, uint32_t window, double alpha)
{
    EDIT_OPTIONS(o, (next.trend_window = window, next.trend_alpha = alpha));
}

int trm_overfit_set_warmup(trm_overfit *o, uint32_t epochs)
{
    EDIT_OPTIONS(o, next.warmup = epochs);
}

int trm_overfit_set_start_from_epoch(trm_overfit *o, uint32_t epochs)
{
    EDIT_OPTIONS(o, next.start_from_epoch = epochs);
}

int trm_overfit_set_baseline(trm_overfit *o, double baseline)
{
    EDIT_OPTIONS(o, next.baseline = baseline);
}

int trm_overfit_push(trm_overfit *o, double train, double val)
{
    TRM_REQUIRE(o);
    return append(__func__, o, &train, &val, 1);
}

int trm_overfit_push_many(trm_overfit *o, const double *train, const double *val, size_t n)
{
    TRM_REQUIRE(o);
    TRM_REQUIRE(train);
    TRM_REQUIRE(val);
    return append(__func__, o, train, val, n);
}

int trm_overfit_verdict(const trm_overfit *o)
{
    if (o == NULL)
        return TRM_FAIL(TRM_E_INVALID, "o is NULL");
    if (o->n == 0 || o->n <= o->opt.warmup)
        return TRM_FIT_WARMUP;
    if (o->st.fired & (TRM_CRIT_NONFINITE | TRM_CRIT_DIVERGENCE))
        return TRM_FIT_DIVERGED;
    if (o->st.holds & TRM_CRIT_TREND)
        return TRM_FIT_OVERFITTING;
    if (o->st.holds & TRM_CRIT_PATIENCE)
        return TRM_FIT_PLATEAU;
    return TRM_FIT_IMPROVING;
}

int trm_overfit_should_stop(const trm_overfit *o)
{
    if (o == NULL)
        return TRM_FAIL(TRM_E_INVALID, "o is NULL");
    return o->st.stop_epoch >= 0;
}

int trm_overfit_should_stop_checked(const trm_overfit *o, int *stop)
{
    TRM_REQUIRE(o);
    TRM_REQUIRE(stop);
    *stop = o->st.stop_epoch >= 0;
    return TRM_OK;
}

size_t trm_overfit_n_epochs(const trm_overfit *o)
{
    return o ? o->n : 0;
}

int64_t trm_overfit_best_epoch(const trm_overfit *o)
{
    return o ? o->st.best_epoch : -1;
}

double trm_overfit_best_value(const trm_overfit *o)
{
    return o ? o->st.best_value : NAN;
}

int64_t trm_overfit_restore_epoch(const trm_overfit *o)
{
    return o ? o->st.restore_epoch : -1;
}

double trm_overfit_restore_value(const trm_overfit *o)
{
    if (o == NULL || o->st.restore_epoch < 0)
        return NAN;
    return o->val[o->st.restore_epoch - 1];
}

int64_t trm_overfit_onset_epoch(const trm_overfit *o)
{
    int verdict = trm_overfit_verdict(o);
    bool episode = verdict == TRM_FIT_PLATEAU || verdict == TRM_FIT_OVERFITTING || verdict == TRM_FIT_DIVERGED;
    if (!episode || o->st.best_epoch < 0 || (size_t)o->st.best_epoch >= o->n)
        return -1;
    return o->st.best_epoch + 1;
}

int64_t trm_overfit_stop_epoch(const trm_overfit *o)
{
    return o ? o->st.stop_epoch : -1;
}

uint32_t trm_overfit_fired(const trm_overfit *o)
{
    return o ? o->st.fired : 0;
}

/* Index of a single criterion bit, or -1. */
static int criterion_index(uint32_t criterion)
{
    for (int c = 0; c < N_CRITERIA; c++)
        if (criterion == 1u << c)
            return c;
    return -1;
}

int64_t trm_overfit_first_fire(const trm_overfit *o, uint32_t criterion)
{
    int c = criterion_index(criterion);
    return o && c >= 0 ? o->st.first_fire[c] : -1;
}

int trm_overfit_statistic(const trm_overfit *o, int stat, double *out)
{
    TRM_REQUIRE(o);
    TRM_REQUIRE(out);
    if (stat < 0 || stat >= N_STATS)
        return TRM_FAIL(TRM_E_INVALID, "unknown statistic %d", stat);
    if (o->n == 0)
        return TRM_FAIL(TRM_E_EMPTY, "no epoch has been pushed");
    *out = o->st.stats[stat];
    return TRM_OK;
}

int trm_overfit_history(const trm_overfit *o, double *train, double *val)
{
    TRM_REQUIRE(o);
    TRM_REQUIRE(train);
    TRM_REQUIRE(val);
    if (o->n) {
        memcpy(train, o->train, o->n * sizeof *train);
        memcpy(val, o->val, o->n * sizeof *val);
    }
    return TRM_OK;
}

/* ---- explanation -------------------------------------------------------------- */

static void explain_state(trm__text *t, const trm_overfit *o)
{
    const derived *st = &o->st;
    double last = o->val[o->n - 1];
    int64_t onset = trm_overfit_onset_epoch(o);
    switch (trm_overfit_verdict(o)) {
    case TRM_FIT_WARMUP:
        trm__text_printf(t, "Warming up: epoch %zu of %" PRIu32 " warm-up epochs", o->n, o->opt.warmup);
        if (st->best_epoch > 0)
            trm__text_printf(t, "; best validation so far %.6g at epoch %" PRId64, st->best_value,
                             st->best_epoch);
        trm__text_printf(t, ".");
        return;
    case TRM_FIT_DIVERGED:
        if (st->fired & TRM_CRIT_NONFINITE)
            trm__text_printf(t, "Diverged: a non-finite value was pushed at epoch %" PRId64,
                             st->first_fire[criterion_index(TRM_CRIT_NONFINITE)]);
        else
            trm__text_printf(t, "Diverged: validation passed the divergence threshold %.6g at epoch %" PRId64,
                             o->opt.divergence_threshold, st->first_fire[criterion_index(TRM_CRIT_DIVERGENCE)]);
        break;
    case TRM_FIT_OVERFITTING:
        trm__text_printf(t, "Overfitting since epoch %" PRId64 ": validation worsened from its best %.6g "
                            "(epoch %" PRId64 ") to %.6g at epoch %zu while training did not get worse; Mann-Kendall "
                            "over the last %" PRIu32 " epochs gives Z = %.2f, one-sided p = %.4f, and the gap "
                            "changes by %.3g per epoch",
                         onset, st->best_value, st->best_epoch, last, o->n, o->opt.trend_window,
                         st->stats[TRM_STAT_TREND_Z], st->stats[TRM_STAT_TREND_P],
                         st->stats[TRM_STAT_GAP_SLOPE]);
        break;
    case TRM_FIT_PLATEAU:
        trm__text_printf(t, "Plateau since epoch %" PRId64 ": validation has not improved beyond its best "
                            "%.6g (epoch %" PRId64 ") for %" PRIu64 " epochs, without a significant upward trend",
                         onset, st->best_value, st->best_epoch, st->wait);
        break;
    default:
        trm__text_printf(t, "Improving: validation %.6g at epoch %zu, best %.6g at epoch %" PRId64, last, o->n,
                         st->best_value, st->best_epoch);
        break;
    }
    trm__text_printf(t, ".");
}

static void explain_criteria(trm__text *t, const trm_overfit *o)
{
    const derived *st = &o->st;
    if (st->fired == 0) {
        trm__text_printf(t, " No stop criterion has fired.");
        return;
    }
    trm__text_printf(t, " Fired:");
    const char *separator = " ";
    for (int c = 0; c < N_CRITERIA; c++) {
        if (st->fired & (1u << c)) {
            trm__text_printf(t, "%s%s at epoch %" PRId64, separator, criterion_names[c], st->first_fire[c]);
            separator = ", ";
        }
    }
    if (st->stop_epoch >= 0)
        trm__text_printf(t, "; training should have stopped at epoch %" PRId64 ".", st->stop_epoch);
    else
        trm__text_printf(t, "; none of the selected criteria has stopped training.");
}

static void write_explanation(trm__text *t, const void *context)
{
    const trm_overfit *o = context;
    if (o->n == 0) {
        trm__text_printf(t, "No epoch has been pushed yet.");
        return;
    }
    explain_state(t, o);
    explain_criteria(t, o);
    /* Keras users compare with what restore_best_weights keeps; say so only
     * where that differs from the best epoch already named. */
    if (o->st.restore_epoch >= 0 && o->st.restore_epoch != o->st.best_epoch)
        trm__text_printf(t, " Keras's restore_best_weights would restore epoch %" PRId64 " (validation %.6g), "
                            "the last that improved on its reference by more than min_delta.",
                         o->st.restore_epoch, trm_overfit_restore_value(o));
}

int trm_overfit_explain(const trm_overfit *o, char *buf, size_t cap, size_t *size)
{
    TRM_REQUIRE(o);
    TRM_REQUIRE(size);
    return trm__text_deliver(__func__, write_explanation, o, buf, cap, size);
}
