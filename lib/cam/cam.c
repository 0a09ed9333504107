/* SPDX-License-Identifier: MIT */
/* Class activation maps. A call runs in two phases so that a failing call
 * writes nothing: phase 1 computes every sample's raw map (after ReLU) into the
 * workspace, checking the inputs for NaN/Inf inside the same loops that read
 * them; phase 2 normalizes, resizes and writes the maps to the caller's buffer.
 * The workspace belongs to the handle and only grows, so calls with the same
 * shapes never allocate. */
#include "fp-private.h"
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cam-forward-private.h"
#include "cam-private.h"
#include "common-private.h"
#include "eigen-private.h"
#include "resample-private.h"
#include "trainmetrics/cam.h"
#include "zoom-private.h"

#define MAX_DIMS TRM__RESAMPLE_MAX_DIMS

/* pytorch-grad-cam's epsilons. */
#define PLUS_PLUS_EPS 1e-6
#define XGRADCAM_EPS 1e-7
#define MINMAX_EPS 1e-7

/* Eigen-CAM: eigenvalues within TIE_TOL (relative) of the largest are tied,
 * and so are projection entries within TIE_TOL of the largest magnitude; a
 * candidate vector counts as orthogonal to the tied eigenspace when its
 * projection is below ORTHOGONAL_TOL of its norm. */
#define TIE_TOL 1e-10
#define ORTHOGONAL_TOL 1e-8

/* Partial sums per reduction: fixed-order lanes that the compiler can keep in
 * vector registers, where a single running sum would serialize the loop. */
#define LANES 8

/* The kernels take the operation and its flags as constant arguments; inlining
 * them into each call site turns those into specialised loops. */
#define KERNEL static inline __attribute__((always_inline))

/* GCC -O3 unrolls a loop over the LANES lanes completely before its vectorizer
 * runs and then vectorizes neither that loop nor the one around it; kept as a
 * loop, the lane loop is vectorized at -O2 and -O3 alike. */
#if defined(__GNUC__) && !defined(__clang__)
#define LANE_LOOP _Pragma("GCC unroll 1")
#else
#define LANE_LOOP
#endif

struct trm_cam {
    trm_allocator alloc;       /* copy of the creator's hooks; alloc == NULL means malloc */
    int method;                /* TRM_CAM_*, fixed at creation */
    int layout;                /* TRM_LAYOUT_CHANNELS_FIRST or TRM_LAYOUT_CHANNELS_LAST */
    int relu;                  /* 0 or 1 */
    int normalize;             /* TRM_CAM_NORMALIZE_NONE, _MINMAX or _MINMAX_AFTER_RESIZE */
    int resize;                /* TRM_CAM_RESIZE_LINEAR or _CUBIC_SPLINE */
    size_t forward_batch;      /* >= 1: tensors per forward callback call (Score-CAM, Ablation-CAM) */
    double ablation_ratio;     /* (0, 1]: Ablation-CAM's ratio_channels_to_ablate */
    size_t out_ndim;           /* 0: maps keep the feature resolution; else 1 .. MAX_DIMS */
    size_t out_dims[MAX_DIMS]; /* the first out_ndim are >= 1, their product times
                                  sizeof(float) fits in size_t */
    void *work;                /* work_size bytes from alloc, NULL while 0; scratch whose
                                  contents mean nothing between calls */
    size_t work_size;          /* only grows */
};

/* The shapes of one call, validated. */
typedef struct shape {
    size_t batch, channels, ndim;
    size_t dims[MAX_DIMS];     /* spatial sizes, each >= 1 */
    size_t n;                  /* positions per map, the product of dims */
    size_t per_sample;         /* channels * n: the floats of one sample in each tensor */
    size_t out_dims[MAX_DIMS]; /* the handle's output shape, or dims */
    size_t out_n;              /* floats per output map */
    bool resize;               /* out_dims differ from dims */
    /* The forward calls' extra shapes (trm_cam_compute_forward_f32 only). */
    size_t in_channels;        /* Score-CAM: channels of the model's input */
    size_t in_dims[MAX_DIMS];  /* Score-CAM: its spatial sizes, each >= 1 */
    size_t in_n;               /* Score-CAM: their product */
    size_t in_per_sample;      /* Score-CAM: in_channels * in_n */
    bool upsample;             /* Score-CAM: in_dims differ from dims */
    size_t item;               /* floats of one tensor handed to the forward callback */
    size_t per_call;           /* tensors per callback call: min(forward_batch, channels) */
    size_t n_pick;             /* Ablation-CAM: channels taken from each end of its ranking */
    bool ranks_channels;       /* Ablation-CAM: its ratio leaves channels out (2 n_pick < channels) */
} shape;

/* Pointers into the handle's workspace for one call; members a call does not
 * need are NULL. */
typedef struct workspace {
    double *maps;             /* compute: batch x n raw maps; weights: batch x channels weights */
    double *w, *sum1, *sum2;  /* channels each: weights and per-channel sums of one sample */
    double *centred;          /* Eigen: the sample's channels x positions matrix, centred */
    double *gram, *vectors;   /* Eigen: d x d each, d = min(channels, n) */
    double *values;           /* Eigen: d eigenvalues */
    double *off_diagonal;     /* Eigen: d, the tridiagonal form's subdiagonal */
    double *direction;        /* Eigen: channels; a candidate vector for a tie */
    double *image;            /* Eigen: n; that candidate mapped to positions */
    trm__lerp *lerps;         /* linear resize tables */
    float *scratch[2];        /* linear resize intermediates */
    size_t n_lerps, scratch_floats;
    trm__resample resample;
    trm__spline_tap *taps;    /* cubic-spline resize tables, n_lerps entries */
    double *zoom_scratch[2];  /* its intermediates, scratch_floats doubles each */
    float *resized;           /* spline without normalization: out_n floats, one map checked for overflow */
    trm__zoom zoom;
    /* forward calls only */
    float *batch_in;          /* per_call x item floats for the callback */
    float *scores;            /* channels + 1 floats: one sample's scores, then Ablation's original */
    float *batch_scores;      /* per_call floats: the scores of one callback call */
    size_t *picked;           /* channels: the channels perturbed, ascending */
    double *objectness;       /* Ablation, ranking: n, the sample's objectness mask */
    trm__ranked *ranked;      /* Ablation, ranking: channels */
    bool *chosen;             /* Ablation, ranking: channels flags */
    float *line;              /* Ablation, ranking: 2n floats, one channel's normalized values */
    float *mask;              /* Score: in_n, one channel upsampled and normalized */
    double *channel;          /* Score: n, one activation channel */
    trm__lerp *up_lerps;      /* Score: the upsampling tables (align_corners=True) */
    float *up_scratch[2];
    size_t n_up_lerps, up_scratch_floats;
    trm__resample upsample;
} workspace;

/* ---- options ----------------------------------------------------------------- */

static bool known_method(int method)
{
    return method >= TRM_CAM_GRADCAM && method <= TRM_CAM_ABLATIONCAM;
}

/* Score-CAM and Ablation-CAM run the model through a callback instead of
 * reading gradients. */
static bool forward_method(int method)
{
    return method == TRM_CAM_SCORECAM || method == TRM_CAM_ABLATIONCAM;
}

static bool weighting_method(int method)
{
    return method == TRM_CAM_GRADCAM || method == TRM_CAM_GRADCAM_PLUS_PLUS || method == TRM_CAM_XGRADCAM;
}

static bool eigen_method(int method)
{
    return method == TRM_CAM_EIGENCAM || method == TRM_CAM_EIGENGRADCAM;
}

static bool reads_gradients(int method)
{
    return method != TRM_CAM_EIGENCAM;
}

/* ---- shapes ------------------------------------------------------------------ */

/* Formats a flat position index as the spatial multi-index "(i0, i1, i2)". */
static void format_position(char *buf, size_t cap, const shape *sh, size_t position)
{
    size_t index[MAX_DIMS];
    for (size_t k = sh->ndim; k-- > 0;) {
        index[k] = position % sh->dims[k];
        position /= sh->dims[k];
    }
    if (sh->ndim == 1)
        snprintf(buf, cap, "(%zu)", index[0]);
    else if (sh->ndim == 2)
        snprintf(buf, cap, "(%zu, %zu)", index[0], index[1]);
    else
        snprintf(buf, cap, "(%zu, %zu, %zu)", index[0], index[1], index[2]);
}

/* The spatial part shared by every shaped call: rank, sizes, positions per map
 * and, for a call that writes maps, the output map from the handle's shape. */
static int check_spatial(const char *func, const trm_cam *c, size_t ndim, const size_t *spatial, bool maps_out,
                         shape *sh)
{
    size_t bytes;
    if (ndim < 1 || ndim > MAX_DIMS)
        return trm__fail(TRM_E_INVALID, func, "ndim = %zu is outside [1, %d]", ndim, MAX_DIMS);
    sh->ndim = ndim;
    sh->n = 1;
    for (size_t k = 0; k < ndim; k++) {
        if (spatial[k] == 0)
            return trm__fail(TRM_E_INVALID, func, "spatial[%zu] is 0", k);
        sh->dims[k] = spatial[k];
    }
    for (size_t k = 0; k < ndim; k++)
        if (trm__mul_overflows(sh->n, spatial[k], &sh->n) || trm__mul_overflows(sh->n, sizeof(double), &bytes))
            return trm__fail(TRM_E_OVERFLOW, func, "the spatial sizes up to spatial[%zu] = %zu overflow size_t",
                             k, spatial[k]);
    bool shaped = maps_out && c->out_ndim != 0;
    if (shaped && c->out_ndim != ndim)
        return trm__fail(TRM_E_MISMATCH, func, "the output shape has %zu axes, the inputs have %zu",
                         c->out_ndim, ndim);
    sh->out_n = 1;
    sh->resize = false;
    for (size_t k = 0; k < ndim; k++) {
        sh->out_dims[k] = shaped ? c->out_dims[k] : sh->dims[k];
        sh->out_n *= sh->out_dims[k]; /* fits: checked by trm_cam_set_output_shape */
        sh->resize |= sh->out_dims[k] != sh->dims[k];
    }
    return TRM_OK;
}

/* Everything about the arguments of a compute or weights call except the
 * contents of the tensors. */
static int check_call(const char *func, const trm_cam *c, size_t batch, size_t channels, size_t ndim,
                      const size_t *spatial, bool maps_out, shape *sh)
{
    size_t floats, bytes;
    *sh = (shape){ .batch = 0 }; /* the forward calls' members stay off for the others */
    if (batch == 0)
        return trm__fail(TRM_E_INVALID, func, "batch is 0");
    if (channels == 0)
        return trm__fail(TRM_E_INVALID, func, "channels is 0");
    int rc = check_spatial(func, c, ndim, spatial, maps_out, sh);
    if (rc != TRM_OK)
        return rc;
    sh->batch = batch;
    sh->channels = channels;
    if (trm__mul_overflows(channels, sh->n, &sh->per_sample) ||
        trm__mul_overflows(batch, sh->per_sample, &floats) || trm__mul_overflows(floats, sizeof(float), &bytes))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu samples of %zu channels x %zu positions overflow size_t",
                         batch, channels, sh->n);
    if (maps_out &&
        (trm__mul_overflows(batch, sh->out_n, &floats) || trm__mul_overflows(floats, sizeof(float), &bytes)))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu output maps of %zu floats overflow size_t", batch, sh->out_n);
    return TRM_OK;
}

/* ---- workspace --------------------------------------------------------------- */

/* Hands out 16-byte aligned regions of a block of `size` bytes; with base NULL
 * it only measures. */
typedef struct carver {
    char *base;
    size_t size;
    bool overflow;
} carver;

static void *carve(carver *cv, size_t count, size_t count2, size_t elem)
{
    size_t bytes, end;
    if (trm__mul_overflows(count, count2, &bytes) || trm__mul_overflows(bytes, elem, &bytes) ||
        trm__add_overflows(bytes, 15, &bytes) || trm__add_overflows(cv->size, bytes & ~(size_t)15, &end)) {
        cv->overflow = true;
        return NULL;
    }
    void *at = cv->base ? cv->base + cv->size : NULL;
    cv->size = end;
    return at;
}

/* Lays out what a call needs in `base` (or only measures with base NULL);
 * returns false when a size overflows. */
static bool lay_out(const trm_cam *c, const shape *sh, bool maps_out, char *base, workspace *ws, size_t *size)
{
    carver cv = { base, 0, false };
    size_t channels = sh->channels, n = sh->n;
    *ws = (workspace){ 0 };
    ws->maps = carve(&cv, sh->batch, maps_out ? n : channels, sizeof(double));
    ws->w = carve(&cv, channels, 1, sizeof(double));
    ws->sum1 = carve(&cv, channels, 1, sizeof(double));
    ws->sum2 = carve(&cv, channels, 1, sizeof(double));
    if ((maps_out && eigen_method(c->method)) || sh->ranks_channels) {
        size_t d = channels < n ? channels : n;
        ws->centred = carve(&cv, channels, n, sizeof(double));
        ws->gram = carve(&cv, d, d, sizeof(double));
        ws->vectors = carve(&cv, d, d, sizeof(double));
        ws->values = carve(&cv, d, 1, sizeof(double));
        ws->off_diagonal = carve(&cv, d, 1, sizeof(double));
        ws->direction = carve(&cv, channels, 1, sizeof(double));
        ws->image = carve(&cv, n, 1, sizeof(double));
    }
    if (sh->resize) {
        if (!trm__resample_sizes(sh->ndim, sh->dims, sh->out_dims, &ws->n_lerps, &ws->scratch_floats))
            return false;
        if (c->resize == TRM_CAM_RESIZE_CUBIC_SPLINE) {
            ws->taps = carve(&cv, ws->n_lerps, 1, sizeof(trm__spline_tap));
            ws->zoom_scratch[0] = carve(&cv, ws->scratch_floats, 1, sizeof(double));
            ws->zoom_scratch[1] = carve(&cv, ws->scratch_floats, 1, sizeof(double));
            if (c->normalize == TRM_CAM_NORMALIZE_NONE)
                ws->resized = carve(&cv, sh->out_n, 1, sizeof(float));
        } else {
            ws->lerps = carve(&cv, ws->n_lerps, 1, sizeof(trm__lerp));
            ws->scratch[0] = carve(&cv, ws->scratch_floats, 1, sizeof(float));
            ws->scratch[1] = carve(&cv, ws->scratch_floats, 1, sizeof(float));
        }
    }
    if (forward_method(c->method)) {
        ws->batch_in = carve(&cv, sh->per_call, sh->item, sizeof(float));
        ws->scores = carve(&cv, channels + 1, 1, sizeof(float)); /* fits: channels * n floats do */
        ws->batch_scores = carve(&cv, sh->per_call, 1, sizeof(float));
        ws->picked = carve(&cv, channels, 1, sizeof(size_t));
    }
    if (sh->ranks_channels) {
        ws->objectness = carve(&cv, n, 1, sizeof(double));
        ws->ranked = carve(&cv, channels, 1, sizeof(trm__ranked));
        ws->chosen = carve(&cv, channels, 1, sizeof(bool));
        ws->line = carve(&cv, n, 2, sizeof(float));
    }
    if (c->method == TRM_CAM_SCORECAM) {
        ws->mask = carve(&cv, sh->in_n, 1, sizeof(float));
        ws->channel = carve(&cv, n, 1, sizeof(double));
        if (sh->upsample) {
            if (!trm__resample_sizes(sh->ndim, sh->dims, sh->in_dims, &ws->n_up_lerps, &ws->up_scratch_floats))
                return false;
            ws->up_lerps = carve(&cv, ws->n_up_lerps, 1, sizeof(trm__lerp));
            ws->up_scratch[0] = carve(&cv, ws->up_scratch_floats, 1, sizeof(float));
            ws->up_scratch[1] = carve(&cv, ws->up_scratch_floats, 1, sizeof(float));
        }
    }
    *size = cv.size;
    return !cv.overflow;
}

/* Points ws into the handle's workspace, growing it first if the call needs
 * more; the old block is kept when the allocator fails. */
static int reserve(const char *func, trm_cam *c, const shape *sh, bool maps_out, workspace *ws)
{
    size_t need = 0;
    if (!lay_out(c, sh, maps_out, NULL, ws, &need))
        return trm__fail(TRM_E_OVERFLOW, func, "the workspace for %zu samples of %zu channels x %zu positions "
                         "overflows size_t", sh->batch, sh->channels, sh->n);
    if (need > c->work_size) {
        void *grown = trm__alloc(&c->alloc, need);
        if (grown == NULL)
            return trm__fail(TRM_E_NOMEM, func, "cannot allocate a workspace of %zu bytes", need);
        trm__free(&c->alloc, c->work);
        c->work = grown;
        c->work_size = need;
    }
    lay_out(c, sh, maps_out, c->work, ws, &need);
    if (sh->resize && c->resize == TRM_CAM_RESIZE_CUBIC_SPLINE)
        trm__zoom_plan(&ws->zoom, sh->ndim, sh->dims, sh->out_dims, ws->taps, ws->zoom_scratch[0],
                       ws->zoom_scratch[1]);
    else if (sh->resize)
        trm__resample_plan(&ws->resample, sh->ndim, sh->dims, sh->out_dims, ws->lerps, ws->scratch[0],
                           ws->scratch[1]);
    if (c->method == TRM_CAM_SCORECAM && sh->upsample)
        trm__resample_plan_corners(&ws->upsample, sh->ndim, sh->dims, sh->in_dims, ws->up_lerps,
                                   ws->up_scratch[0], ws->up_scratch[1]);
    return TRM_OK;
}

/* ---- kernels ----------------------------------------------------------------- */

/* What one pass computes from a gradient g, an activation a and a per-channel
 * parameter p (S = the channel's sum of activations, or its weight w). */
enum op {
    OP_SUM_G,          /* g */
    OP_SUM_A,          /* a */
    OP_SUM_GA_AND_A,   /* g a, and a as a second sum (XGrad-CAM) */
    OP_SUM_PLUS_PLUS,  /* relu(g) g^2 / (2 g^2 + S g^3 + eps); 0 where g = 0 or the
                          denominator is 0 (Grad-CAM++) */
    OP_WEIGHTED,       /* w a, for weights of magnitude at most MAX_CHECKED_WEIGHT */
    OP_WEIGHTED_LARGE, /* w a, for any finite weights */
    OP_HIRES,          /* g a */
    OP_ELEMENTWISE,    /* relu(g a) */
    OP_LAYER           /* relu(g) a */
};

typedef struct pair {
    double first, second;
} pair;

KERNEL bool op_reads_g(enum op op)
{
    return op != OP_SUM_A && op != OP_WEIGHTED && op != OP_WEIGHTED_LARGE;
}

KERNEL bool op_reads_a(enum op op)
{
    return op != OP_SUM_G && op != OP_SUM_PLUS_PLUS;
}

KERNEL bool op_uses_param(enum op op)
{
    return op == OP_SUM_PLUS_PLUS || op == OP_WEIGHTED || op == OP_WEIGHTED_LARGE;
}

/* Sums and products of floats, and products of a float with a weight of at
 * most MAX_CHECKED_WEIGHT, stay far inside the double range, while a NaN or an
 * infinity read makes the sums it enters non-finite for good (Inf * 0 is NaN,
 * Inf - Inf is NaN). For these ops the finished sums are checked instead of
 * every input, which takes the test out of the inner loops. The bound admits
 * any mean of floats, so every Grad-CAM weight (products below 2^256, sums of
 * them below 2^320). */
#define MAX_CHECKED_WEIGHT 0x1p128

KERNEL bool op_checks_sums(enum op op)
{
    return op == OP_SUM_G || op == OP_SUM_A || op == OP_SUM_GA_AND_A || op == OP_WEIGHTED || op == OP_HIRES;
}

KERNEL bool op_two_sums(enum op op)
{
    return op == OP_SUM_GA_AND_A;
}

/* max(x, 0) without a comparison: x + |x| is 2x or +0 exactly (values stay far
 * below DBL_MAX / 2), and the form needs no branch, so the loops around it
 * vectorize under the default -ftrapping-math. */
KERNEL double relu(double x)
{
    return 0.5 * (x + fabs(x));
}

KERNEL pair term(enum op op, double g, double a, double p)
{
    switch (op) {
    case OP_SUM_G: return (pair){ g, 0.0 };
    case OP_SUM_A: return (pair){ a, 0.0 };
    case OP_SUM_GA_AND_A: return (pair){ g * a, a };
    case OP_SUM_PLUS_PLUS: {
        /* relu(g) g^2 = relu(g)^3, and with relu(g) = 0 the quotient is 0 / 1e-6 */
        double r = relu(g), r2 = r * r, r3 = r2 * r, den = 2.0 * r2 + p * r3 + PLUS_PLUS_EPS;
        double zero = (double)(den == 0.0); /* arithmetic, not a select, so it vectorizes */
        return (pair){ (1.0 - zero) * (r3 / (den + zero)), 0.0 };
    }
    case OP_WEIGHTED:
    case OP_WEIGHTED_LARGE: return (pair){ p * a, 0.0 };
    case OP_HIRES: return (pair){ g * a, 0.0 };
    case OP_ELEMENTWISE: return (pair){ relu(g * a), 0.0 };
    default: return (pair){ relu(g) * a, 0.0 }; /* OP_LAYER */
    }
}

/* The arrays an op does not read may be NULL, so they are indexed only when read. */
KERNEL float load(const float *x, size_t i, bool read)
{
    return read ? x[i] : 0.0f;
}

KERNEL double param_at(const double *p, size_t i, bool used)
{
    return used ? p[i] : 0.0;
}

KERNEL unsigned bad_inputs(enum op op, float g, float a)
{
    if (op_checks_sums(op))
        return 0u;
    return (op_reads_g(op) ? trm__not_finite_f32(g) : 0u) | (op_reads_a(op) ? trm__not_finite_f32(a) : 0u);
}

/* Whether any of x[0 .. n) is NaN or infinite. */
static inline unsigned any_not_finite(const double *x, size_t n)
{
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= trm__not_finite_f64(x[i]);
    return bad;
}

static inline double lane_total(const double *s)
{
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

static inline unsigned lane_any(const unsigned *flags)
{
    unsigned any = 0;
    for (size_t k = 0; k < LANES; k++)
        any |= flags[k];
    return any;
}

/* The kernels read their inputs as one or two sequential streams; asking for
 * the line 4 KiB ahead on each block of LANES floats took the channels-first
 * Grad-CAM of 56x56 maps from 0.55 to 0.85 of a read pass on the Zen 5 this
 * was tuned on. The address is formed as an integer: near the end of an
 * input it points past it, which a prefetch tolerates and pointer arithmetic
 * would not. */
KERNEL void prefetch_ahead(const float *at)
{
    __builtin_prefetch((const void *)((uintptr_t)at + 4096));
}

/* Both kernels below run in blocks of LANES elements with one partial sum and
 * one non-finite flag per lane: an inner loop of constant trip count is what
 * GCC vectorizes at -O2, and per-lane flags keep the float checks in step with
 * the double arithmetic. The tail keeps its flag in a scalar: scalar stores
 * into the lane flags, read back as one vector, would stall on every row. */

/* *first (and *second) = sum over i < n of term(g[at + i], a[at + i],
 * p[p_at + i * p_step]); returns nonzero when a value read is not finite. */
KERNEL unsigned reduce(enum op op, const float *restrict g, const float *restrict a, size_t at,
                       const double *restrict p, size_t p_at, size_t p_step, size_t n, double *restrict first,
                       double *restrict second)
{
    double s1[LANES] = { 0 }, s2[LANES] = { 0 };
    unsigned bad[LANES] = { 0 };
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        if (op_reads_g(op))
            prefetch_ahead(g + at + i);
        if (op_reads_a(op))
            prefetch_ahead(a + at + i);
        LANE_LOOP
        for (size_t k = 0; k < LANES; k++) {
            float gv = load(g, at + i + k, op_reads_g(op)), av = load(a, at + i + k, op_reads_a(op));
            pair t = term(op, gv, av, param_at(p, p_at + (i + k) * p_step, op_uses_param(op)));
            bad[k] |= bad_inputs(op, gv, av);
            s1[k] += t.first;
            s2[k] += t.second;
        }
    }
    unsigned tail_bad = 0;
    for (size_t k = 0; i < n; i++, k++) {
        float gv = load(g, at + i, op_reads_g(op)), av = load(a, at + i, op_reads_a(op));
        pair t = term(op, gv, av, param_at(p, p_at + i * p_step, op_uses_param(op)));
        tail_bad |= bad_inputs(op, gv, av);
        s1[k] += t.first;
        s2[k] += t.second;
    }
    *first = lane_total(s1);
    if (op_two_sums(op))
        *second = lane_total(s2);
    return lane_any(bad) | tail_bad;
}

/* first[i] (and second[i]) += term(g[at + i], a[at + i], p[p_at + i * p_step])
 * for i < n; returns nonzero when a value read is not finite. */
KERNEL unsigned accumulate(enum op op, const float *restrict g, const float *restrict a, size_t at,
                           const double *restrict p, size_t p_at, size_t p_step, size_t n,
                           double *restrict first, double *restrict second)
{
    unsigned bad[LANES] = { 0 };
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        if (op_reads_g(op))
            prefetch_ahead(g + at + i);
        if (op_reads_a(op))
            prefetch_ahead(a + at + i);
        LANE_LOOP
        for (size_t k = 0; k < LANES; k++) {
            float gv = load(g, at + i + k, op_reads_g(op)), av = load(a, at + i + k, op_reads_a(op));
            pair t = term(op, gv, av, param_at(p, p_at + (i + k) * p_step, op_uses_param(op)));
            bad[k] |= bad_inputs(op, gv, av);
            first[i + k] += t.first;
            if (op_two_sums(op))
                second[i + k] += t.second;
        }
    }
    unsigned tail_bad = 0;
    for (; i < n; i++) {
        float gv = load(g, at + i, op_reads_g(op)), av = load(a, at + i, op_reads_a(op));
        pair t = term(op, gv, av, param_at(p, p_at + i * p_step, op_uses_param(op)));
        tail_bad |= bad_inputs(op, gv, av);
        first[i] += t.first;
        if (op_two_sums(op))
            second[i] += t.second;
    }
    return lane_any(bad) | tail_bad;
}

/* Per-channel sums of term() over the positions of the sample at offset `at`,
 * with the channel's p[c]. Channels-first reduces each contiguous channel row;
 * channels-last walks the positions and adds each contiguous channel vector
 * into the C sums, so no loop strides across channels. */
KERNEL unsigned channel_sums(enum op op, int layout, const float *g, const float *a, size_t at, const double *p,
                             size_t channels, size_t n, double *first, double *second)
{
    unsigned bad = 0;
    if (layout == TRM_LAYOUT_CHANNELS_FIRST) {
        for (size_t c = 0; c < channels; c++)
            bad |= reduce(op, g, a, at + c * n, p, c, 0, n, first + c, op_two_sums(op) ? second + c : NULL);
#if TRM__HAVE_AVX512_CAM
    } else if (op == OP_SUM_G && trm__cam_avx512_usable()) {
        trm__column_sums_avx512(g + at, n, channels, first);
#endif
    } else {
        memset(first, 0, channels * sizeof(double));
        if (op_two_sums(op))
            memset(second, 0, channels * sizeof(double));
        for (size_t i = 0; i < n; i++)
            bad |= accumulate(op, g, a, at + i * channels, p, 0, 1, channels, first, second);
    }
    if (op_checks_sums(op))
        bad |= any_not_finite(first, channels) | (op_two_sums(op) ? any_not_finite(second, channels) : 0u);
    return bad;
}

/* map[i] += the weighted sum of four consecutive channel rows: one pass over
 * the map for four channels quarters its loads and stores, and keeps four
 * input streams in flight. It pays on long rows only (bench: 56x56 gains
 * about 15%, 14x14 loses as much), hence the bound. */
#define FOUR_ROWS_FROM ((size_t)1024)

KERNEL void add_four_weighted(const float *restrict rows, size_t n, const double *restrict w,
                              double *restrict map)
{
    const float *a0 = rows, *a1 = a0 + n, *a2 = a1 + n, *a3 = a2 + n;
    for (size_t i = 0; i < n; i++)
        map[i] += (w[0] * a0[i] + w[1] * a1[i]) + (w[2] * a2[i] + w[3] * a3[i]);
}

/* map[i] = sum over channels c of term() at position i, with the channel's
 * p[c]: channels-first adds each contiguous channel row into the map,
 * channels-last reduces each position's contiguous channel vector. */
KERNEL unsigned channel_map(enum op op, int layout, const float *g, const float *a, size_t at, const double *p,
                            size_t channels, size_t n, double *map)
{
    unsigned bad = 0;
    if (layout == TRM_LAYOUT_CHANNELS_FIRST) {
        memset(map, 0, n * sizeof(double));
        size_t c = 0;
        if (op == OP_WEIGHTED && n >= FOUR_ROWS_FROM) /* its inputs need no check (op_checks_sums) */
            for (; c + 4 <= channels; c += 4)
                add_four_weighted(a + at + c * n, n, p + c, map);
        for (; c < channels; c++)
            bad |= accumulate(op, g, a, at + c * n, p, c, 0, n, map, NULL);
#if TRM__HAVE_AVX512_CAM
    } else if (op == OP_WEIGHTED && trm__cam_avx512_usable()) {
        trm__weighted_row_sums_avx512(a + at, n, channels, p, map);
#endif
    } else {
        for (size_t i = 0; i < n; i++)
            bad |= reduce(op, g, a, at + i * channels, p, 0, 1, channels, map + i, NULL);
    }
    if (op_checks_sums(op))
        bad |= any_not_finite(map, n);
    return bad;
}

/* Grad-CAM channels-first, pipelined by one channel: a channel's weight is the
 * mean of its own gradient row, so one loop sums the gradient row of channel
 * c while it adds the activation row of channel c - 1, weighted, into the map.
 * The gradients and the activations are read as two sequential streams, as in
 * the read pass, and the latency of the sum's adds hides behind the independent
 * adds into the map. with_next and with_cur are constants after inlining: the first pass
 * only sums and the last only adds. Returns the sum of the row `next`. */
KERNEL double sum_and_add_row(bool with_next, bool with_cur, const float *restrict next,
                              const float *restrict cur, double w, size_t n, double *restrict map)
{
    double s[LANES] = { 0 }, tail = 0.0;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        if (with_next)
            prefetch_ahead(next + i);
        if (with_cur)
            prefetch_ahead(cur + i);
        LANE_LOOP
        for (size_t k = 0; k < LANES; k++) {
            s[k] += with_next ? next[i + k] : 0.0f;
            if (with_cur)
                map[i + k] += w * cur[i + k];
        }
    }
    for (; i < n; i++) {
        tail += with_next ? next[i] : 0.0f;
        if (with_cur)
            map[i] += w * cur[i];
    }
    return lane_total(s) + tail;
}

/* Its weights are means of floats, within MAX_CHECKED_WEIGHT, so the weights
 * and the map are checked instead of the inputs. */
KERNEL unsigned gradcam_first(const float *g, const float *a, size_t channels, size_t n, double *w, double *map)
{
#if TRM__HAVE_AVX512_CAM
    if (trm__cam_avx512_usable()) {
        trm__gradcam_first_avx512(g, a, channels, n, w, map);
        return any_not_finite(w, channels) | any_not_finite(map, n);
    }
#endif
    memset(map, 0, n * sizeof(double));
    w[0] = sum_and_add_row(true, false, g, NULL, 0.0, n, map) / (double)n;
    for (size_t c = 1; c < channels; c++)
        w[c] = sum_and_add_row(true, true, g + c * n, a + (c - 1) * n, w[c - 1], n, map) / (double)n;
    sum_and_add_row(false, true, NULL, a + (channels - 1) * n, w[channels - 1], n, map);
    return any_not_finite(w, channels) | any_not_finite(map, n);
}

/* ---- channel weights ------------------------------------------------------------ */

/* w[c] of the weighting methods for the sample at offset `at`; returns nonzero
 * when the sample holds a non-finite value. */
TRM__DISPATCH static unsigned channel_weights(const trm_cam *c, const shape *sh, const float *g, const float *a, size_t at,
                                workspace *ws, double *w)
{
    size_t channels = sh->channels, n = sh->n;
    unsigned bad;
    switch (c->method) {
    case TRM_CAM_GRADCAM:
        bad = channel_sums(OP_SUM_G, c->layout, g, a, at, NULL, channels, n, ws->sum1, NULL);
        for (size_t k = 0; k < channels; k++)
            w[k] = ws->sum1[k] / (double)n;
        return bad;
    case TRM_CAM_XGRADCAM:
        bad = channel_sums(OP_SUM_GA_AND_A, c->layout, g, a, at, NULL, channels, n, ws->sum1, ws->sum2);
        for (size_t k = 0; k < channels; k++) {
            double den = ws->sum2[k] + XGRADCAM_EPS;
            w[k] = den != 0.0 ? ws->sum1[k] / den : 0.0;
        }
        return bad;
    default: /* TRM_CAM_GRADCAM_PLUS_PLUS: the sums of activations come first */
        bad = channel_sums(OP_SUM_A, c->layout, g, a, at, NULL, channels, n, ws->sum2, NULL);
        return bad | channel_sums(OP_SUM_PLUS_PLUS, c->layout, g, a, at, ws->sum2, channels, n, w, NULL);
    }
}

/* ---- Eigen-CAM ------------------------------------------------------------------ */

static double dot(const double *x, const double *y, size_t n)
{
    double s[LANES] = { 0 };
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (size_t k = 0; k < LANES; k++)
            s[k] += x[i + k] * y[i + k];
    for (size_t k = 0; i < n; i++, k++)
        s[k] += x[i] * y[i];
    return lane_total(s);
}

/* x[i] = a (EIGENCAM) or g a (EIGENGRADCAM) over the whole sample, in its layout. */
KERNEL unsigned gather(bool with_g, const float *g, const float *a, size_t at, size_t count, double *x)
{
    unsigned bad = 0;
    for (size_t i = 0; i < count; i++) {
        float av = a[at + i], gv = load(g, at + i, with_g);
        bad |= trm__not_finite_f32(av) | (with_g ? trm__not_finite_f32(gv) : 0u);
        x[i] = with_g ? (double)gv * av : (double)av;
    }
    return bad;
}

static double sum_of(const double *x, size_t n)
{
    double s[LANES] = { 0 };
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (size_t k = 0; k < LANES; k++)
            s[k] += x[i + k];
    for (size_t k = 0; i < n; i++, k++)
        s[k] += x[i];
    return lane_total(s);
}

/* Subtracts each channel's mean over the positions; sums holds C doubles. */
static void centre(double *x, int layout, size_t channels, size_t n, double *sums)
{
    if (layout == TRM_LAYOUT_CHANNELS_FIRST) {
        for (size_t c = 0; c < channels; c++) {
            double *row = x + c * n, mean = sum_of(row, n) / (double)n;
            for (size_t i = 0; i < n; i++)
                row[i] -= mean;
        }
        return;
    }
    memset(sums, 0, channels * sizeof(double));
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < channels; c++)
            sums[c] += x[i * channels + c];
    for (size_t c = 0; c < channels; c++)
        sums[c] /= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < channels; c++)
            x[i * channels + c] -= sums[c];
}

/* gram = m m^T for m of `rows` rows of `cols` (dot products of rows). */
static void gram_of_rows(const double *m, size_t rows, size_t cols, double *gram)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = i; j < rows; j++)
            gram[i * rows + j] = gram[j * rows + i] = dot(m + i * cols, m + j * cols, cols);
}

/* gram = m^T m for m of `rows` rows of `cols` (a sum of outer products of rows). */
static void gram_of_columns(const double *m, size_t rows, size_t cols, double *gram)
{
    memset(gram, 0, cols * cols * sizeof(double));
    for (size_t r = 0; r < rows; r++) {
        const double *row = m + r * cols;
        for (size_t i = 0; i < cols; i++) {
            double *out = gram + i * cols, mi = row[i];
            for (size_t j = i; j < cols; j++)
                out[j] += mi * row[j];
        }
    }
    for (size_t i = 0; i < cols; i++)
        for (size_t j = 0; j < i; j++)
            gram[i * cols + j] = gram[j * cols + i];
}

/* out = X s: each position's centred channel vector dotted with s. */
static void project(const double *x, int layout, size_t channels, size_t n, const double *s, double *out)
{
    if (layout == TRM_LAYOUT_CHANNELS_FIRST) {
        memset(out, 0, n * sizeof(double));
        for (size_t c = 0; c < channels; c++) {
            const double *row = x + c * n;
            for (size_t i = 0; i < n; i++)
                out[i] += s[c] * row[i];
        }
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = dot(x + i * channels, s, channels);
}

/* Candidate k of the tie rule: k = 0 is the all-ones channel vector, k >= 1
 * the unit vector of channel k - 1. Returns |s|^2. */
static double candidate(double *s, size_t channels, size_t k)
{
    for (size_t c = 0; c < channels; c++)
        s[c] = k == 0 ? 1.0 : (double)(c + 1 == k);
    return k == 0 ? (double)channels : 1.0;
}

static bool tied(double value, double top)
{
    return top - value <= TIE_TOL * top;
}

/* The projection p = X v of the centred sample on its principal direction v,
 * before the sign rule. vectors/values hold the eigen-decomposition of X^T X
 * (by_channels) or of X X^T. */
static void principal_projection(const double *x, int layout, size_t channels, size_t n, bool by_channels,
                                 workspace *ws, double *p)
{
    size_t d = by_channels ? channels : n, top = 0, n_tied = 0;
    const double *vec = ws->vectors, *values = ws->values;
    for (size_t i = 1; i < d; i++)
        if (values[i] > values[top])
            top = i;
    double largest = values[top];
    if (!(largest > 0.0)) { /* X = 0: every channel is constant over the positions */
        memset(p, 0, n * sizeof(double));
        return;
    }
    for (size_t i = 0; i < d; i++)
        n_tied += tied(values[i], largest);
    if (n_tied == 1) {
        if (by_channels) { /* v is the eigenvector itself */
            for (size_t c = 0; c < channels; c++)
                ws->direction[c] = vec[top * d + c];
            project(x, layout, channels, n, ws->direction, p);
        } else { /* X v = sigma u, u the eigenvector of X X^T, sigma^2 its value */
            double sigma = sqrt(largest);
            for (size_t i = 0; i < n; i++)
                p[i] = sigma * vec[top * d + i];
        }
        return;
    }
    /* A tie: v = P s / |P s| for the first candidate s not orthogonal to the tied
     * eigenspace, P its orthogonal projector. By channels, P s = sum_i v_i (v_i . s).
     * By positions, with u_i = X v_i / sigma_i: X P s = sum_i u_i (u_i . X s) and
     * |P s|^2 = sum_i (u_i . X s)^2 / sigma_i^2. Some unit vector always qualifies:
     * the squared projections of all of them add up to n_tied >= 2. */
    double *s = ws->direction, norm2 = 0.0;
    for (size_t k = 0; k <= channels; k++) {
        double s2 = candidate(s, channels, k);
        if (!by_channels)
            project(x, layout, channels, n, s, ws->image);
        norm2 = 0.0;
        for (size_t i = 0; i < d; i++) {
            if (!tied(values[i], largest))
                continue;
            double coef = dot(vec + i * d, by_channels ? s : ws->image, d);
            norm2 += by_channels ? coef * coef : coef * coef / values[i];
        }
        if (norm2 > ORTHOGONAL_TOL * ORTHOGONAL_TOL * s2)
            break;
    }
    double scale = 1.0 / sqrt(norm2);
    if (by_channels) {
        double *v = ws->image; /* holds C here: by channels, channels <= n */
        memset(v, 0, channels * sizeof(double));
        for (size_t i = 0; i < d; i++) {
            if (!tied(values[i], largest))
                continue;
            double coef = dot(vec + i * d, s, d) * scale;
            for (size_t c = 0; c < channels; c++)
                v[c] += coef * vec[i * d + c];
        }
        project(x, layout, channels, n, v, p);
        return;
    }
    memset(p, 0, n * sizeof(double));
    for (size_t i = 0; i < d; i++) {
        if (!tied(values[i], largest))
            continue;
        double coef = dot(vec + i * d, ws->image, d) * scale;
        for (size_t r = 0; r < n; r++)
            p[r] += coef * vec[i * d + r];
    }
}

/* Makes the entry of largest magnitude positive; entries within TIE_TOL of it
 * count as equal and the first of them decides. */
static void fix_sign(double *p, size_t n)
{
    double largest = 0.0;
    for (size_t i = 0; i < n; i++)
        largest = fmax(largest, fabs(p[i]));
    size_t first = 0;
    while (first < n && fabs(p[first]) < largest * (1.0 - TIE_TOL))
        first++;
    if (largest > 0.0 && p[first] < 0.0)
        for (size_t i = 0; i < n; i++)
            p[i] = -p[i];
}

/* The projection of the sample at offset `at` (of g a, or of a alone) on its
 * first principal direction, before the sign rule; nonzero for a non-finite input. */
static unsigned principal_component(const trm_cam *c, const shape *sh, bool with_g, const float *g,
                                    const float *a, size_t at, workspace *ws, double *p)
{
    size_t channels = sh->channels, n = sh->n;
    double *x = ws->centred;
    unsigned bad = with_g ? gather(true, g, a, at, sh->per_sample, x) : gather(false, g, a, at, sh->per_sample, x);
    if (bad)
        return bad;
    centre(x, c->layout, channels, n, ws->sum1);
    /* The Gram matrix of the smaller side: X^T X is C x C, X X^T is n x n. In the
     * layout's storage m, X^T X = m m^T channels-first and m^T m channels-last. */
    bool by_channels = channels <= n;
    size_t d = by_channels ? channels : n;
    size_t rows = c->layout == TRM_LAYOUT_CHANNELS_FIRST ? channels : n, cols = sh->per_sample / rows;
    if (by_channels == (c->layout == TRM_LAYOUT_CHANNELS_FIRST))
        gram_of_rows(x, rows, cols, ws->gram);
    else
        gram_of_columns(x, rows, cols, ws->gram);
    trm__symmetric_eigen(ws->gram, d, ws->vectors, ws->values, ws->off_diagonal);
    principal_projection(x, c->layout, channels, n, by_channels, ws, p);
    return 0;
}

static unsigned eigen_map(const trm_cam *c, const shape *sh, const float *g, const float *a, size_t at,
                          workspace *ws, double *map)
{
    unsigned bad = principal_component(c, sh, c->method == TRM_CAM_EIGENGRADCAM, g, a, at, ws, map);
    if (!bad)
        fix_sign(map, sh->n);
    return bad;
}

/* ---- the pipeline --------------------------------------------------------------- */

/* Whether every weight is small enough for OP_WEIGHTED (see op_checks_sums). */
static bool weights_bounded(const double *w, size_t channels)
{
    unsigned small = 1;
    for (size_t c = 0; c < channels; c++)
        small &= fabs(w[c]) <= MAX_CHECKED_WEIGHT;
    return small;
}

/* The raw map of the sample at offset `at`; returns nonzero when the sample
 * holds a non-finite value (the map is then meaningless). */
TRM__DISPATCH static unsigned raw_map(const trm_cam *c, const shape *sh, const float *g, const float *a, size_t at,
                        workspace *ws, double *map)
{
    size_t channels = sh->channels, n = sh->n;
    unsigned bad;
    switch (c->method) {
    case TRM_CAM_GRADCAM:
        if (c->layout == TRM_LAYOUT_CHANNELS_FIRST)
            return gradcam_first(g + at, a + at, channels, n, ws->w, map);
        /* fall through */
    case TRM_CAM_GRADCAM_PLUS_PLUS:
    case TRM_CAM_XGRADCAM:
        bad = channel_weights(c, sh, g, a, at, ws, ws->w);
        if (weights_bounded(ws->w, channels))
            return bad | channel_map(OP_WEIGHTED, c->layout, g, a, at, ws->w, channels, n, map);
        return bad | channel_map(OP_WEIGHTED_LARGE, c->layout, g, a, at, ws->w, channels, n, map);
    case TRM_CAM_HIRESCAM: return channel_map(OP_HIRES, c->layout, g, a, at, NULL, channels, n, map);
    case TRM_CAM_GRADCAM_ELEMENTWISE:
        return channel_map(OP_ELEMENTWISE, c->layout, g, a, at, NULL, channels, n, map);
    case TRM_CAM_LAYERCAM: return channel_map(OP_LAYER, c->layout, g, a, at, NULL, channels, n, map);
    default: return eigen_map(c, sh, g, a, at, ws, map);
    }
}

/* Names the first non-finite input of sample s: activations before gradients,
 * each in memory order. */
static int report_nonfinite(const char *func, const trm_cam *c, const shape *sh, const float *a, const float *g,
                            size_t s)
{
    const float *arrays[2] = { a, reads_gradients(c->method) ? g : NULL };
    const char *names[2] = { "activations", "gradients" };
    for (size_t t = 0; t < 2; t++) {
        if (arrays[t] == NULL)
            continue;
        for (size_t i = s * sh->per_sample; i < (s + 1) * sh->per_sample; i++) {
            if (!trm__not_finite_f32(arrays[t][i]))
                continue;
            size_t within = i - s * sh->per_sample, channel, position;
            if (c->layout == TRM_LAYOUT_CHANNELS_FIRST) {
                channel = within / sh->n;
                position = within % sh->n;
            } else {
                channel = within % sh->channels;
                position = within / sh->channels;
            }
            char where[80];
            format_position(where, sizeof where, sh, position);
            return trm__fail(TRM_E_NONFINITE, func, "%s[%zu] = %g is not finite (sample %zu, channel %zu, "
                             "position %s)", names[t], i, (double)arrays[t][i], s, channel, where);
        }
    }
    return trm__fail(TRM_E_NONFINITE, func, "sample %zu holds a non-finite value", s);
}

/* Without normalization the raw values are the output, so they must fit a
 * float, and so must the resized ones. A linear resize stays within the map's
 * range; a cubic spline can overshoot it, but by at most 3 times per axis: its
 * weights are non-negative and add up to 1, and a line's coefficients are at
 * most 3 times its largest sample (the interpolation matrix (1 4 1)/6 is
 * diagonally dominant by 1/3). Only maps past FLT_MAX / 27 are zoomed here
 * (into scratch) to be sure. */
static int check_float_range(const char *func, const trm_cam *c, const shape *sh, const workspace *ws,
                             const double *map, size_t s)
{
    double largest = 0.0;
    for (size_t i = 0; i < sh->n; i++) {
        largest = fmax(largest, fabs(map[i]));
        if (fabs(map[i]) <= FLT_MAX)
            continue;
        char where[80];
        format_position(where, sizeof where, sh, i);
        return trm__fail(TRM_E_OVERFLOW, func, "sample %zu: the map value %g at position %s exceeds the float "
                         "range; normalize the maps", s, map[i], where);
    }
    if (!sh->resize || c->resize != TRM_CAM_RESIZE_CUBIC_SPLINE || largest <= FLT_MAX / 27.0)
        return TRM_OK;
    trm__zoom_f32(&ws->zoom, map, ws->resized);
    shape out_sh = *sh;
    for (size_t k = 0; k < sh->ndim; k++)
        out_sh.dims[k] = sh->out_dims[k];
    for (size_t i = 0; i < sh->out_n; i++) {
        if (fabsf(ws->resized[i]) <= FLT_MAX)
            continue;
        char where[80];
        format_position(where, sizeof where, &out_sh, i);
        return trm__fail(TRM_E_OVERFLOW, func, "sample %zu: the cubic-spline resize overshoots the float range "
                         "at output position %s; normalize the maps", s, where);
    }
    return TRM_OK;
}

/* pytorch-grad-cam's scale_cam_image: (x - min) / (max - min + 1e-7). The map
 * is finite here, so plain comparisons replace fmin/fmax, which GCC calls in
 * libm (NaN rules) instead of inlining; one running minimum and maximum per
 * lane let the scan vectorize (a single pair is a chain of dependent
 * compares, 8% of a 1-D Grad-CAM). The double variant normalizes the raw
 * maps; the float one renormalizes a resized map in float arithmetic, as
 * scale_cam_image does on pytorch-grad-cam's float32 maps. */
#define DEFINE_NORMALIZE_MINMAX(name, type)                                       \
    KERNEL void name(type *map, size_t n)                                         \
    {                                                                             \
        type low[LANES], high[LANES];                                             \
        for (size_t k = 0; k < LANES; k++)                                        \
            low[k] = high[k] = map[0];                                            \
        size_t i = 0;                                                             \
        for (; i + LANES <= n; i += LANES) {                                      \
            LANE_LOOP                                                             \
            for (size_t k = 0; k < LANES; k++) {                                  \
                low[k] = map[i + k] < low[k] ? map[i + k] : low[k];               \
                high[k] = map[i + k] > high[k] ? map[i + k] : high[k];            \
            }                                                                     \
        }                                                                         \
        for (size_t k = 0; i < n; i++, k++) {                                     \
            low[k] = map[i] < low[k] ? map[i] : low[k];                           \
            high[k] = map[i] > high[k] ? map[i] : high[k];                        \
        }                                                                         \
        for (size_t k = 1; k < LANES; k++) {                                      \
            low[0] = low[k] < low[0] ? low[k] : low[0];                           \
            high[0] = high[k] > high[0] ? high[k] : high[0];                      \
        }                                                                         \
        type range = (type)((double)(high[0] - low[0]) + MINMAX_EPS);              \
        for (i = 0; i < n; i++)                                                   \
            map[i] = (map[i] - low[0]) / range;                                   \
    }

DEFINE_NORMALIZE_MINMAX(normalize_minmax, double)
DEFINE_NORMALIZE_MINMAX(normalize_minmax_f32, float)

TRM__DISPATCH static void finish_map(const trm_cam *c, const shape *sh, const workspace *ws, double *map, float *dst)
{
    /* pytorch-grad-cam's order, MINMAX_AFTER_RESIZE: scale_cam_image(cam,
     * target_size) normalizes and resizes each layer's map, and after the
     * layers are averaged scale_cam_image(result) normalizes again. */
    bool again = c->normalize == TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE;
    if (c->normalize != TRM_CAM_NORMALIZE_NONE)
        normalize_minmax(map, sh->n);
    if (sh->resize) {
        if (c->resize == TRM_CAM_RESIZE_CUBIC_SPLINE)
            trm__zoom_f32(&ws->zoom, map, dst);
        else
            trm__resample_f32(&ws->resample, map, dst);
        if (again && c->relu) /* aggregate_multi_layers' np.maximum(cam, 0): it clips a spline's undershoot,
                                 and a linear resize of a map >= 0 has none */
            for (size_t i = 0; i < sh->out_n; i++)
                dst[i] = dst[i] < 0.0f ? 0.0f : dst[i];
        if (again)
            normalize_minmax_f32(dst, sh->out_n);
        return;
    }
    for (size_t i = 0; i < sh->n; i++)
        dst[i] = (float)map[i];
    if (again)
        normalize_minmax_f32(dst, sh->n);
}

/* ---- Score-CAM and Ablation-CAM ------------------------------------------------------ */

/* The shapes of a forward call: the activations' as for the other methods,
 * then Score-CAM's inputs and the tensors and batches of the callback. */
static int check_forward_call(const char *func, const trm_cam *c, size_t batch, size_t channels, size_t ndim,
                              const size_t *spatial, size_t input_channels, const size_t *input_spatial,
                              bool maps_out, shape *sh)
{
    size_t floats, bytes;
    int rc = check_call(func, c, batch, channels, ndim, spatial, maps_out, sh);
    if (rc != TRM_OK)
        return rc;
    sh->in_channels = 0;
    sh->in_n = 0;
    sh->in_per_sample = 0;
    sh->upsample = false;
    sh->item = sh->per_sample;
    if (c->method == TRM_CAM_SCORECAM) {
        if (input_channels == 0)
            return trm__fail(TRM_E_INVALID, func, "input_channels is 0");
        sh->in_channels = input_channels;
        sh->in_n = 1;
        for (size_t k = 0; k < ndim; k++) {
            if (input_spatial[k] == 0)
                return trm__fail(TRM_E_INVALID, func, "input_spatial[%zu] is 0", k);
            sh->in_dims[k] = input_spatial[k];
            sh->upsample |= input_spatial[k] != spatial[k];
        }
        for (size_t k = 0; k < ndim; k++)
            if (trm__mul_overflows(sh->in_n, input_spatial[k], &sh->in_n) ||
                trm__mul_overflows(sh->in_n, sizeof(double), &bytes))
                return trm__fail(TRM_E_OVERFLOW, func, "the input sizes up to input_spatial[%zu] = %zu overflow "
                                 "size_t", k, input_spatial[k]);
        if (trm__mul_overflows(input_channels, sh->in_n, &sh->in_per_sample) ||
            trm__mul_overflows(batch, sh->in_per_sample, &floats) ||
            trm__mul_overflows(floats, sizeof(float), &bytes))
            return trm__fail(TRM_E_OVERFLOW, func, "%zu inputs of %zu channels x %zu positions overflow size_t",
                             batch, input_channels, sh->in_n);
        sh->item = sh->in_per_sample;
    }
    sh->per_call = c->forward_batch < channels ? c->forward_batch : channels;
    sh->n_pick = channels;
    sh->ranks_channels = false;
    if (c->method == TRM_CAM_ABLATIONCAM && c->ablation_ratio < 1.0) {
        /* Python's int(len(indices) * ratio): the product in double, truncated */
        sh->n_pick = (size_t)((double)channels * c->ablation_ratio);
        sh->ranks_channels = sh->n_pick < channels - sh->n_pick;
    }
    return TRM_OK;
}

/* Names the first non-finite value of a tensor of `batch` samples of
 * channels x positions of the given spatial shape. */
static int report_tensor_nonfinite(const char *func, const trm_cam *c, const char *name, const float *x,
                                   size_t batch, size_t channels, size_t ndim, const size_t *dims)
{
    shape where_sh = { .ndim = ndim, .n = 1 };
    for (size_t k = 0; k < ndim; k++) {
        where_sh.dims[k] = dims[k];
        where_sh.n *= dims[k];
    }
    size_t per_sample = channels * where_sh.n;
    for (size_t i = 0; i < batch * per_sample; i++) {
        if (!trm__not_finite_f32(x[i]))
            continue;
        size_t s = i / per_sample, within = i % per_sample, channel, position;
        if (c->layout == TRM_LAYOUT_CHANNELS_FIRST) {
            channel = within / where_sh.n;
            position = within % where_sh.n;
        } else {
            channel = within % channels;
            position = within / channels;
        }
        char where[80];
        format_position(where, sizeof where, &where_sh, position);
        return trm__fail(TRM_E_NONFINITE, func, "%s[%zu] = %g is not finite (sample %zu, channel %zu, "
                         "position %s)", name, i, (double)x[i], s, channel, where);
    }
    return TRM_OK;
}

/* Calls the model on `count` tensors and checks what it gives back;
 * channel_of[j] is the channel tensor j perturbs, NULL for Ablation-CAM's
 * unablated tensor. */
static int call_forward(const char *func, trm_cam_forward_fn forward, void *opaque, size_t sample,
                        const float *tensors, size_t count, float *scores, const size_t *channel_of)
{
    int status = forward(opaque, sample, tensors, count, scores);
    bool original = channel_of == NULL;
    char what[96];
    if (original)
        snprintf(what, sizeof what, "sample %zu, the unablated activations", sample);
    else if (channel_of[count - 1] - channel_of[0] == count - 1)
        snprintf(what, sizeof what, "sample %zu, channels %zu to %zu", sample, channel_of[0],
                 channel_of[count - 1]);
    else
        snprintf(what, sizeof what, "sample %zu, %zu chosen channels from %zu to %zu", sample, count,
                 channel_of[0], channel_of[count - 1]);
    if (status != 0)
        return trm__fail(TRM_E_INVALID, func, "the forward callback returned %d for %s", status, what);
    for (size_t j = 0; j < count; j++)
        if (trm__not_finite_f32(scores[j]))
            return trm__fail(TRM_E_NONFINITE, func, "the forward callback gave the score %g for %s (%s %zu)",
                             (double)scores[j], what, original ? "tensor" : "channel",
                             original ? j : channel_of[j]);
    return TRM_OK;
}

/* Score-CAM's masked input for channel k of the sample at offset `at`:
 * the channel upsampled to the input's shape, min-max normalized, times
 * every input channel. */
static void scorecam_tensor(const trm_cam *c, const shape *sh, const float *a, size_t at, const float *input,
                            size_t k, workspace *ws, float *dst)
{
    trm__channel_to_double(a + at, c->layout, sh->channels, sh->n, k, ws->channel);
    if (sh->upsample)
        trm__resample_f32(&ws->upsample, ws->channel, ws->mask);
    else
        for (size_t i = 0; i < sh->n; i++)
            ws->mask[i] = (float)ws->channel[i];
    trm__scorecam_mask(ws->mask, sh->in_n);
    trm__mask_input(input, ws->mask, c->layout, sh->in_channels, sh->in_n, dst);
}

/* The channels of the sample at offset `at` whose perturbed tensors go to the
 * model, ascending, into ws->picked; returns how many. That is every channel
 * unless Ablation-CAM's ratio leaves some out: then its n_pick best and
 * n_pick worst by objectness (ablation_layer.py), which takes the mask from
 * the sample's first principal projection, as Eigen-CAM computes it. */
static size_t pick_channels(const trm_cam *c, const shape *sh, const float *a, size_t at, workspace *ws)
{
    size_t channels = sh->channels, count = 0;
    if (!sh->ranks_channels || sh->n_pick == 0) {
        count = sh->ranks_channels ? 0 : channels;
        for (size_t k = 0; k < count; k++)
            ws->picked[k] = k;
        return count;
    }
    principal_component(c, sh, false, NULL, a, at, ws, ws->objectness); /* a is finite: checked before */
    trm__objectness_mask(ws->objectness, sh->n);
    trm__choose_ablated(a + at, c->layout, channels, sh->n, ws->objectness, sh->n_pick, ws->ranked, ws->chosen,
                        ws->line);
    for (size_t k = 0; k < channels; k++)
        if (ws->chosen[k])
            ws->picked[count++] = k;
    return count;
}

/* The channel weights of sample s from the model's scores on its perturbed
 * tensors, in batches of sh->per_call. A channel Ablation-CAM leaves out keeps
 * the unablated score, so its weight is 0. */
static int forward_weights(const char *func, const trm_cam *c, const shape *sh, const float *a,
                           const float *inputs, trm_cam_forward_fn forward, void *opaque, size_t s,
                           workspace *ws, double *w)
{
    size_t channels = sh->channels, at = s * sh->per_sample, n_picked = pick_channels(c, sh, a, at, ws);
    float ablated = 0.0f;
    int rc;
    if (c->method == TRM_CAM_ABLATIONCAM) {
        memcpy(ws->batch_in, a + at, sh->per_sample * sizeof(float));
        if ((rc = call_forward(func, forward, opaque, s, ws->batch_in, 1, ws->scores + channels, NULL)) != TRM_OK)
            return rc;
        ablated = trm__ablation_value(a + at, sh->per_sample);
        for (size_t k = 0; k < channels; k++)
            ws->scores[k] = ws->scores[channels];
    }
    for (size_t start = 0; start < n_picked; start += sh->per_call) {
        size_t count = n_picked - start < sh->per_call ? n_picked - start : sh->per_call;
        const size_t *channel_of = ws->picked + start;
        for (size_t j = 0; j < count; j++) {
            float *dst = ws->batch_in + j * sh->item;
            if (c->method == TRM_CAM_SCORECAM)
                scorecam_tensor(c, sh, a, at, inputs + s * sh->in_per_sample, channel_of[j], ws, dst);
            else
                trm__ablate_channel(a + at, c->layout, channels, sh->n, channel_of[j], ablated, dst);
        }
        if ((rc = call_forward(func, forward, opaque, s, ws->batch_in, count, ws->batch_scores, channel_of)) !=
            TRM_OK)
            return rc;
        for (size_t j = 0; j < count; j++)
            ws->scores[channel_of[j]] = ws->batch_scores[j];
    }
    if (c->method == TRM_CAM_SCORECAM)
        trm__softmax_weights(ws->scores, channels, w);
    else
        trm__ablation_weights(ws->scores[channels], ws->scores, channels, w);
    return TRM_OK;
}

/* map = sum over channels of w_k A_k for the sample at offset `at`. */
TRM__DISPATCH static void forward_map(const trm_cam *c, const shape *sh, const float *a, size_t at,
                                      const double *w, double *map)
{
    if (weights_bounded(w, sh->channels))
        channel_map(OP_WEIGHTED, c->layout, NULL, a, at, w, sh->channels, sh->n, map);
    else
        channel_map(OP_WEIGHTED_LARGE, c->layout, NULL, a, at, w, sh->channels, sh->n, map);
}

/* Both forward entry points: validation, then the weights of every sample
 * (the only part that calls the model), then maps or weights out. */
static int compute_forward(const char *func, trm_cam *c, const float *activations, size_t batch, size_t channels,
                           size_t ndim, const size_t *spatial, const float *inputs, size_t input_channels,
                           const size_t *input_spatial, trm_cam_forward_fn forward, void *opaque, bool maps_out,
                           float *out)
{
    shape sh;
    workspace ws;
    TRM_REQUIRE_IN(func, c);
    if (!forward_method(c->method))
        return trm__fail(TRM_E_INVALID, func, "method %d reads gradients (only SCORECAM and ABLATIONCAM run "
                         "a forward callback): use trm_cam_%s_f32", c->method, maps_out ? "compute" : "weights");
    TRM_REQUIRE_IN(func, activations);
    TRM_REQUIRE_IN(func, spatial);
    if (c->method == TRM_CAM_SCORECAM) {
        TRM_REQUIRE_IN(func, inputs);
        TRM_REQUIRE_IN(func, input_spatial);
    }
    TRM_REQUIRE_IN(func, forward);
    TRM_REQUIRE_IN(func, out);
    int rc = check_forward_call(func, c, batch, channels, ndim, spatial, input_channels, input_spatial, maps_out,
                                &sh);
    if (rc == TRM_OK)
        rc = report_tensor_nonfinite(func, c, "activations", activations, batch, channels, ndim, spatial);
    if (rc == TRM_OK && c->method == TRM_CAM_SCORECAM)
        rc = report_tensor_nonfinite(func, c, "inputs", inputs, batch, input_channels, ndim, input_spatial);
    if (rc == TRM_OK)
        rc = reserve(func, c, &sh, maps_out, &ws);
    if (rc != TRM_OK)
        return rc;
    for (size_t s = 0; s < batch; s++) {
        double *w = maps_out ? ws.w : ws.maps + s * channels;
        if ((rc = forward_weights(func, c, &sh, activations, inputs, forward, opaque, s, &ws, w)) != TRM_OK)
            return rc;
        if (!maps_out)
            continue;
        double *map = ws.maps + s * sh.n;
        forward_map(c, &sh, activations, s * sh.per_sample, w, map);
        if (c->relu)
            for (size_t i = 0; i < sh.n; i++)
                map[i] = relu(map[i]);
        if (c->normalize == TRM_CAM_NORMALIZE_NONE &&
            (rc = check_float_range(func, c, &sh, &ws, map, s)) != TRM_OK)
            return rc;
    }
    if (!maps_out) {
        for (size_t i = 0; i < batch * channels; i++)
            if (!(fabs(ws.maps[i]) <= FLT_MAX))
                return trm__fail(TRM_E_OVERFLOW, func, "the weight %g of sample %zu, channel %zu exceeds the "
                                 "float range", ws.maps[i], i / channels, i % channels);
        for (size_t i = 0; i < batch * channels; i++)
            out[i] = (float)ws.maps[i];
        return TRM_OK;
    }
    for (size_t s = 0; s < batch; s++)
        finish_map(c, &sh, &ws, ws.maps + s * sh.n, out + s * sh.out_n);
    return TRM_OK;
}

/* ---- public functions ---------------------------------------------------------------- */

int trm_cam_new(trm_cam **out, int method, const trm_allocator *alloc)
{
    trm_allocator hooks;
    TRM_REQUIRE(out);
    if (!known_method(method))
        return TRM_FAIL(TRM_E_INVALID, "unknown method %d", method);
    if (trm__allocator_copy(__func__, &hooks, alloc) != TRM_OK)
        return TRM_E_INVALID;
    trm_cam *c = trm__alloc(&hooks, sizeof *c);
    if (c == NULL)
        return TRM_FAIL(TRM_E_NOMEM, "cannot allocate a CAM calculator");
    *c = (trm_cam){ .alloc = hooks,
                    .method = method,
                    .layout = TRM_LAYOUT_CHANNELS_FIRST,
                    .relu = 1,
                    .normalize = TRM_CAM_NORMALIZE_MINMAX,
                    .resize = TRM_CAM_RESIZE_LINEAR,
                    /* pytorch-grad-cam's defaults: ScoreCAM batches 16, AblationCAM 32 */
                    .forward_batch = method == TRM_CAM_ABLATIONCAM ? 32 : 16,
                    .ablation_ratio = 1.0 };
    *out = c;
    return TRM_OK;
}

void trm_cam_free(trm_cam *c)
{
    if (c) {
        trm_allocator hooks = c->alloc;
        trm__free(&hooks, c->work);
        trm__free(&hooks, c);
    }
}

int trm_cam_set_layout(trm_cam *c, int layout)
{
    TRM_REQUIRE(c);
    if (layout != TRM_LAYOUT_CHANNELS_FIRST && layout != TRM_LAYOUT_CHANNELS_LAST)
        return TRM_FAIL(TRM_E_INVALID, "unknown layout %d", layout);
    c->layout = layout;
    return TRM_OK;
}

int trm_cam_set_relu(trm_cam *c, int enabled)
{
    TRM_REQUIRE(c);
    if (enabled != 0 && enabled != 1)
        return TRM_FAIL(TRM_E_INVALID, "enabled = %d must be 0 or 1", enabled);
    c->relu = enabled;
    return TRM_OK;
}

int trm_cam_set_normalize(trm_cam *c, int mode)
{
    TRM_REQUIRE(c);
    if (mode != TRM_CAM_NORMALIZE_NONE && mode != TRM_CAM_NORMALIZE_MINMAX &&
        mode != TRM_CAM_NORMALIZE_MINMAX_AFTER_RESIZE)
        return TRM_FAIL(TRM_E_INVALID, "unknown normalization %d", mode);
    c->normalize = mode;
    return TRM_OK;
}

int trm_cam_set_resize(trm_cam *c, int method)
{
    TRM_REQUIRE(c);
    if (method != TRM_CAM_RESIZE_LINEAR && method != TRM_CAM_RESIZE_CUBIC_SPLINE)
        return TRM_FAIL(TRM_E_INVALID, "unknown resize method %d", method);
    c->resize = method;
    return TRM_OK;
}

int trm_cam_set_output_shape(trm_cam *c, size_t ndim, const size_t *dims)
{
    size_t n = 1, bytes;
    TRM_REQUIRE(c);
    if (ndim > MAX_DIMS)
        return TRM_FAIL(TRM_E_INVALID, "ndim = %zu is above %d", ndim, MAX_DIMS);
    if (ndim > 0)
        TRM_REQUIRE(dims);
    for (size_t k = 0; k < ndim; k++)
        if (dims[k] == 0)
            return TRM_FAIL(TRM_E_INVALID, "dims[%zu] is 0", k);
    for (size_t k = 0; k < ndim; k++)
        if (trm__mul_overflows(n, dims[k], &n) || trm__mul_overflows(n, sizeof(float), &bytes))
            return TRM_FAIL(TRM_E_OVERFLOW, "the output sizes up to dims[%zu] = %zu overflow size_t", k, dims[k]);
    c->out_ndim = ndim;
    for (size_t k = 0; k < MAX_DIMS; k++)
        c->out_dims[k] = k < ndim ? dims[k] : 0;
    return TRM_OK;
}

int trm_cam_output_size(const trm_cam *c, size_t ndim, const size_t *spatial, size_t *n_out)
{
    shape sh;
    TRM_REQUIRE(c);
    TRM_REQUIRE(spatial);
    TRM_REQUIRE(n_out);
    int rc = check_spatial(__func__, c, ndim, spatial, true, &sh);
    if (rc != TRM_OK)
        return rc;
    *n_out = sh.out_n;
    return TRM_OK;
}

int trm_cam_compute_f32(trm_cam *c, const float *activations, const float *gradients, size_t batch,
                        size_t channels, size_t ndim, const size_t *spatial, float *out)
{
    shape sh;
    workspace ws;
    TRM_REQUIRE(c);
    if (forward_method(c->method))
        return TRM_FAIL(TRM_E_INVALID, "method %d runs the model through a forward callback: use "
                        "trm_cam_compute_forward_f32", c->method);
    TRM_REQUIRE(activations);
    if (reads_gradients(c->method))
        TRM_REQUIRE(gradients);
    TRM_REQUIRE(spatial);
    TRM_REQUIRE(out);
    int rc = check_call(__func__, c, batch, channels, ndim, spatial, true, &sh);
    if (rc == TRM_OK)
        rc = reserve(__func__, c, &sh, true, &ws);
    if (rc != TRM_OK)
        return rc;
    const float *g = reads_gradients(c->method) ? gradients : NULL;
    for (size_t s = 0; s < batch; s++) {
        double *map = ws.maps + s * sh.n;
        if (raw_map(c, &sh, g, activations, s * sh.per_sample, &ws, map))
            return report_nonfinite(__func__, c, &sh, activations, g, s);
        if (c->relu)
            for (size_t i = 0; i < sh.n; i++)
                map[i] = relu(map[i]);
        if (c->normalize == TRM_CAM_NORMALIZE_NONE &&
            (rc = check_float_range(__func__, c, &sh, &ws, map, s)) != TRM_OK)
            return rc;
    }
    for (size_t s = 0; s < batch; s++)
        finish_map(c, &sh, &ws, ws.maps + s * sh.n, out + s * sh.out_n);
    return TRM_OK;
}

int trm_cam_weights_f32(trm_cam *c, const float *activations, const float *gradients, size_t batch,
                        size_t channels, size_t ndim, const size_t *spatial, float *weights)
{
    shape sh;
    workspace ws;
    TRM_REQUIRE(c);
    if (!weighting_method(c->method))
        return TRM_FAIL(TRM_E_INVALID, "method %d has no channel weights (only GRADCAM, GRADCAM_PLUS_PLUS "
                        "and XGRADCAM do)", c->method);
    TRM_REQUIRE(activations);
    TRM_REQUIRE(gradients);
    TRM_REQUIRE(spatial);
    TRM_REQUIRE(weights);
    int rc = check_call(__func__, c, batch, channels, ndim, spatial, false, &sh);
    if (rc == TRM_OK)
        rc = reserve(__func__, c, &sh, false, &ws);
    if (rc != TRM_OK)
        return rc;
    for (size_t s = 0; s < batch; s++)
        if (channel_weights(c, &sh, gradients, activations, s * sh.per_sample, &ws, ws.maps + s * channels))
            return report_nonfinite(__func__, c, &sh, activations, gradients, s);
    for (size_t i = 0; i < batch * channels; i++)
        if (!(fabs(ws.maps[i]) <= FLT_MAX))
            return TRM_FAIL(TRM_E_OVERFLOW, "the weight %g of sample %zu, channel %zu exceeds the float range",
                            ws.maps[i], i / channels, i % channels);
    for (size_t i = 0; i < batch * channels; i++)
        weights[i] = (float)ws.maps[i];
    return TRM_OK;
}

int trm_cam_set_forward_batch(trm_cam *c, size_t batch_size)
{
    TRM_REQUIRE(c);
    if (batch_size == 0)
        return TRM_FAIL(TRM_E_INVALID, "batch_size is 0");
    c->forward_batch = batch_size;
    return TRM_OK;
}

int trm_cam_set_ablation_ratio(trm_cam *c, double ratio)
{
    TRM_REQUIRE(c);
    if (!(ratio > 0.0 && ratio <= 1.0))
        return TRM_FAIL(TRM_E_INVALID, "ratio %g is outside (0, 1]", ratio);
    c->ablation_ratio = ratio;
    return TRM_OK;
}

int trm_cam_compute_forward_f32(trm_cam *c, const float *activations, size_t batch, size_t channels, size_t ndim,
                                const size_t *spatial, const float *inputs, size_t input_channels,
                                const size_t *input_spatial, trm_cam_forward_fn forward, void *opaque,
                                float *out)
{
    return compute_forward(__func__, c, activations, batch, channels, ndim, spatial, inputs, input_channels,
                           input_spatial, forward, opaque, true, out);
}

int trm_cam_forward_weights_f32(trm_cam *c, const float *activations, size_t batch, size_t channels, size_t ndim,
                                const size_t *spatial, const float *inputs, size_t input_channels,
                                const size_t *input_spatial, trm_cam_forward_fn forward, void *opaque,
                                float *weights)
{
    return compute_forward(__func__, c, activations, batch, channels, ndim, spatial, inputs, input_channels,
                           input_spatial, forward, opaque, false, weights);
}
