/* SPDX-License-Identifier: MIT */
/* libFuzzer harness that reads its input as a program of operations on two
 * handles of each type (confusion, top-k, multilabel, regression, overfit,
 * loss, calibration) and one CAM calculator: creation, every update variant with valid and bad labels,
 * NaN/Inf/huge values, merges of matching and mismatched handles, clone, reset,
 * serialize/deserialize round trips, deserialization of edited (resealed) blobs
 * and of blobs of another kind, queries, and refused allocations.
 *
 * Checked after every call:
 * - a call that fails leaves its handle's serialized state byte for byte as it
 *   was (a snapshot is taken before each call), sets trm_last_error(), and
 *   returns a documented code; TRM_E_INTERNAL is always a violation;
 * - a merge never changes its source; a query never changes its handle;
 * - a failing constructor, clone or deserialize leaves its output pointer alone;
 * - a successful deserialize re-serializes to the same bytes;
 * - CAM and colormap calls leave their output buffers alone on failure, and a
 *   failing CAM setter keeps the calculator's output shape;
 * - every allocation is released once all handles are freed.
 * Any violation aborts. */
#include <math.h>
#include <stdbool.h>

#include "fuzz-common.h"

/* ---- reading the program ------------------------------------------------------- */

typedef struct program {
    const uint8_t *at;
    size_t left;
} program;

static uint8_t get8(program *p)
{
    if (p->left == 0)
        return 0;
    p->left--;
    return *p->at++;
}

static uint64_t get_bytes(program *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)get8(p) << (8 * i);
    return v;
}

/* A label: mostly valid for k classes, sometimes just outside, sometimes extreme. */
static int64_t get_label(program *p, size_t k, int64_t ignore)
{
    uint8_t b = get8(p);
    switch (b >> 5) {
    case 5: return -1 - (int64_t)(b & 7);
    case 6: return (int64_t)k + (b & 7);
    case 7: {
        static const int64_t extreme[] = { INT64_MIN, INT64_MAX, INT32_MIN, INT32_MAX, 255, 65535, 256, 0 };
        int64_t v = extreme[b & 7];
        return (b & 7) == 7 ? ignore : v;
    }
    default: return (int64_t)(b % k);
    }
}

static double get_double(program *p)
{
    uint8_t b = get8(p);
    switch (b & 15) {
    case 8: return NAN;
    case 9: return INFINITY;
    case 10: return -INFINITY;
    case 11: return -0.0;
    case 12: return 4.9406564584124654e-324 * (b >> 4);
    case 13: return (b & 16) ? -1e300 : 1e300;
    case 14: return 0x1.8p499;
    case 15: {
        uint64_t bits = get_bytes(p, 8);
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
    }
    default: return (double)(int8_t)get8(p) / 4.0;
    }
}

static float get_float(program *p)
{
    uint8_t b = get8(p);
    switch (b & 15) {
    case 8: return NAN;
    case 9: return INFINITY;
    case 10: return -INFINITY;
    case 11: return -0.0f;
    case 12: return 1e-40f * (float)(b >> 4);
    case 13: return (b & 16) ? -3e38f : 3e38f;
    case 15: {
        uint32_t bits = (uint32_t)get_bytes(p, 4);
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    default: return (float)(int8_t)get8(p) / 4.0f;
    }
}

/* The stride of a row of k scores: k to k + 2, or k - 1 (refused). */
static size_t get_stride(program *p, size_t k)
{
    uint8_t s = get8(p);
    return s == 0xff && k > 1 ? k - 1 : k + s % 3;
}

/* `cells` scores, mostly small integers (so with ties), sometimes anything;
 * malloc'ed. */
static double *get_scores_f64(program *p, size_t cells)
{
    double *scores = malloc((cells ? cells : 1) * sizeof *scores);
    for (size_t i = 0; i < cells; i++)
        scores[i] = (get8(p) & 7) == 0 ? get_double(p) : (double)(get8(p) & 3);
    return scores;
}

static float *get_scores_f32(program *p, size_t cells)
{
    float *scores = malloc((cells ? cells : 1) * sizeof *scores);
    for (size_t i = 0; i < cells; i++)
        scores[i] = (get8(p) & 7) == 0 ? get_float(p) : (float)(get8(p) & 3);
    return scores;
}

/* ---- state ----------------------------------------------------------------------- */

enum { N_SLOTS = 2, MAX_N = 32, MAX_K = 8 };

static trm_confusion *cms[N_SLOTS];
static trm_topk *tks[N_SLOTS];
static trm_multilabel *mls[N_SLOTS];
static trm_regression *rgs[N_SLOTS];
static trm_overfit *ofs[N_SLOTS];
static trm_loss *lss[N_SLOTS];
static trm_calibration *cals[N_SLOTS];
static trm_cam *cam;
static int cam_method;           /* the method cam was created with */
static size_t cam_forward_batch; /* what trm_cam_set_forward_batch last accepted */
/* One allocator per slot of each type, plus one for the CAM calculator; a
 * clone keeps its source's allocator, so only the totals must balance. */
enum { ALLOC_CAM = 5 * N_SLOTS, ALLOC_LOSS = ALLOC_CAM + 1, ALLOC_CALIBRATION = ALLOC_LOSS + N_SLOTS,
       N_ALLOCS = ALLOC_CALIBRATION + N_SLOTS };
static fuzz_alloc_state alloc_states[N_ALLOCS];
static trm_allocator alloc_hooks[N_ALLOCS];

static int is_status(int rc)
{
    return rc <= TRM_OK && rc >= TRM_E_INTERNAL;
}

FUZZ_DEFINE_SNAPSHOT(confusion)
FUZZ_DEFINE_SNAPSHOT(topk)
FUZZ_DEFINE_SNAPSHOT(multilabel)
FUZZ_DEFINE_SNAPSHOT(regression)
FUZZ_DEFINE_SNAPSHOT(overfit)
FUZZ_DEFINE_SNAPSHOT(loss)
FUZZ_DEFINE_SNAPSHOT(calibration)

/* Runs `call` on handle h of type X; on failure the state must be unchanged. */
#define CHECKED(X, h, call)                                                                 \
    do {                                                                                    \
        size_t before_size_;                                                                \
        uint8_t *before_ = fuzz_snapshot_##X((h), &before_size_);                           \
        trm_clear_last_error();                                                             \
        int rc_ = (call);                                                                   \
        FUZZ_ASSERT(is_status(rc_) && rc_ != TRM_E_INTERNAL, "%s returned %d", #call, rc_);  \
        if (rc_ != TRM_OK) {                                                                \
            FUZZ_ASSERT(fuzz_same_##X((h), before_, before_size_),                          \
                        "%s failed with %d (%s) but changed the handle", #call, rc_,        \
                        trm_strerror(rc_));                                                 \
            FUZZ_ASSERT(trm_last_error()[0] != '\0', "%s failed with %d and left "          \
                        "trm_last_error() empty", #call, rc_);                              \
        }                                                                                   \
        free(before_);                                                                      \
    } while (0)

/* A query must not change the handle. */
#define QUERY(X, h, call)                                                                   \
    do {                                                                                    \
        size_t before_size_;                                                                \
        uint8_t *before_ = fuzz_snapshot_##X((h), &before_size_);                           \
        trm_clear_last_error();                                                             \
        int rc_ = (call);                                                                   \
        FUZZ_ASSERT(is_status(rc_) && rc_ != TRM_E_INTERNAL, "%s returned %d", #call, rc_);  \
        FUZZ_ASSERT(rc_ == TRM_OK || trm_last_error()[0] != '\0', "%s failed with %d and "  \
                    "left trm_last_error() empty", #call, rc_);                             \
        FUZZ_ASSERT(fuzz_same_##X((h), before_, before_size_), "%s changed the handle",     \
                    #call);                                                                 \
        free(before_);                                                                      \
    } while (0)

/* The operations every serializable type shares: clone, reset, round
 * trip, deserialization of an edited blob. `arr` is the slot array, `index`
 * the type's first allocator. */
#define GENERIC_OPS(X, arr, index)                                                          \
    static void clone_##X(program *p)                                                       \
    {                                                                                       \
        int from = get8(p) & 1;                                                             \
        static int sentinel_;                                                               \
        trm_##X *const untouched = (trm_##X *)(void *)&sentinel_;                           \
        trm_##X *copy = untouched;                                                          \
        trm_clear_last_error();                                                             \
        int rc = trm_##X##_clone(&copy, arr[from]);                                         \
        if (rc != TRM_OK) {                                                                 \
            FUZZ_ASSERT(rc == TRM_E_NOMEM, "clone returned %d", rc);                        \
            FUZZ_ASSERT(copy == untouched, "failed clone wrote its output");                \
            FUZZ_ASSERT(trm_last_error()[0] != '\0', "failed clone left no error");        \
            return;                                                                         \
        }                                                                                   \
        size_t a_size;                                                                      \
        uint8_t *a = fuzz_snapshot_##X(arr[from], &a_size);                                 \
        FUZZ_ASSERT(fuzz_same_##X(copy, a, a_size), "the clone serializes differently");   \
        free(a);                                                                            \
        trm_##X##_free(arr[1 - from]);                                                      \
        arr[1 - from] = copy;                                                               \
    }                                                                                       \
    static void reset_##X(program *p)                                                       \
    {                                                                                       \
        trm_##X##_reset(arr[get8(p) & 1]);                                                  \
    }                                                                                       \
    /* Deserializes buf; on success the handle re-serializes to buf and replaces          \
     * the slot. */                                                                         \
    static void load_##X(int slot, const uint8_t *buf, size_t size, int must_succeed)       \
    {                                                                                       \
        static int sentinel_;                                                               \
        trm_##X *const untouched = (trm_##X *)(void *)&sentinel_;                           \
        trm_##X *h = untouched;                                                             \
        trm_clear_last_error();                                                             \
        int rc = trm_##X##_deserialize(&h, buf, size, &alloc_hooks[(index) + slot]);        \
        if (rc != TRM_OK) {                                                                 \
            FUZZ_ASSERT(!must_succeed || rc == TRM_E_NOMEM,                                 \
                        "a fresh blob failed to deserialize: %d (%s)", rc, trm_last_error());                      \
            FUZZ_ASSERT(rc == TRM_E_CORRUPT || rc == TRM_E_VERSION || rc == TRM_E_MISMATCH || \
                        rc == TRM_E_NOMEM, "deserialize returned %d", rc);                  \
            FUZZ_ASSERT(h == untouched, "failed deserialize wrote its output");             \
            FUZZ_ASSERT(trm_last_error()[0] != '\0', "failed deserialize left no error");  \
            return;                                                                         \
        }                                                                                   \
        FUZZ_ASSERT(fuzz_same_##X(h, buf, size), "round trip changed the blob");            \
        trm_##X##_free(arr[slot]);                                                          \
        arr[slot] = h;                                                                      \
    }                                                                                       \
    static void roundtrip_##X(program *p)                                                   \
    {                                                                                       \
        int slot = get8(p) & 1;                                                             \
        size_t size;                                                                        \
        uint8_t *blob = fuzz_snapshot_##X(arr[slot], &size);                                \
        size_t small = 0;                                                                   \
        if (size > 0) {                                                                     \
            int rc = trm_##X##_serialize(arr[slot], blob, size - 1, &small);                \
            FUZZ_ASSERT(rc == TRM_E_BUFFER && small == size, "short serialize: %d, %zu",     \
                        rc, small);                                                         \
        }                                                                                   \
        load_##X(slot, blob, size, 1);                                                      \
        free(blob);                                                                         \
    }                                                                                       \
    static void edit_##X(program *p)                                                        \
    {                                                                                       \
        int slot = get8(p) & 1;                                                             \
        size_t size;                                                                        \
        uint8_t *blob = fuzz_snapshot_##X(arr[slot], &size);                                \
        int edits = 1 + (get8(p) & 3);                                                      \
        for (int e = 0; e < edits && size > 12; e++) {                                      \
            size_t at = 8 + (size_t)get_bytes(p, 2) % (size - 12);                          \
            uint8_t how = get8(p);                                                          \
            if (how & 0x80)                                                                 \
                blob[at] = get8(p);                                                         \
            else                                                                            \
                blob[at] ^= (uint8_t)(1u << (how & 7));                                     \
        }                                                                                   \
        if (size >= 12)                                                                     \
            blob_reseal(blob, size);                                                        \
        load_##X(slot, blob, size, 0);                                                      \
        free(blob);                                                                         \
    }

/* merge, for the types that have one (the overfit detector has not). */
#define MERGE_OP(X, arr)                                                                    \
    static void merge_##X(program *p)                                                       \
    {                                                                                       \
        trm_##X *dst = arr[get8(p) & 1], *src = arr[get8(p) & 1];                           \
        size_t src_size;                                                                    \
        uint8_t *src_before = fuzz_snapshot_##X(src, &src_size);                            \
        int same = dst == src;                                                              \
        CHECKED(X, dst, trm_##X##_merge(dst, src));                                         \
        if (!same)                                                                          \
            FUZZ_ASSERT(fuzz_same_##X(src, src_before, src_size), "merge changed its source"); \
        free(src_before);                                                                   \
    }

MERGE_OP(confusion, cms)
MERGE_OP(topk, tks)
MERGE_OP(multilabel, mls)
MERGE_OP(regression, rgs)
MERGE_OP(loss, lss)
MERGE_OP(calibration, cals)

GENERIC_OPS(confusion, cms, 0)
GENERIC_OPS(topk, tks, 2)
GENERIC_OPS(multilabel, mls, 4)
GENERIC_OPS(regression, rgs, 6)
GENERIC_OPS(overfit, ofs, 8)
GENERIC_OPS(loss, lss, ALLOC_LOSS)
GENERIC_OPS(calibration, cals, ALLOC_CALIBRATION)

/* `call` makes a handle of type X in `made`; on success it replaces arr[slot],
 * on failure `made` must be untouched and the failure TRM_E_NOMEM or `refused`. */
#define NEW_INTO(X, arr, slot, made, call, refused)                                         \
    do {                                                                                    \
        static int sentinel_;                                                               \
        trm_##X *const untouched_ = (trm_##X *)(void *)&sentinel_;                          \
        trm_##X *made = untouched_;                                                         \
        int rc_ = (call);                                                                   \
        if (rc_ != TRM_OK) {                                                                \
            FUZZ_ASSERT(made == untouched_, "failed new wrote its output");                 \
            FUZZ_ASSERT(rc_ == TRM_E_NOMEM || (refused), "%s returned %d", #call, rc_);      \
            return;                                                                         \
        }                                                                                   \
        trm_##X##_free(arr[slot]);                                                          \
        arr[slot] = made;                                                                   \
    } while (0)

/* ---- confusion ------------------------------------------------------------------- */

static void new_confusion(program *p)
{
    int slot = get8(p) & 1;
    size_t k = 1 + get8(p) % MAX_K;
    uint8_t f = get8(p);
    uint32_t flags = (f & 1) ? TRM_CONFUSION_WEIGHTED : 0;
    if (f == 0xff)
        flags |= 2; /* unknown flag: refused */
    NEW_INTO(confusion, cms, slot, cm, trm_confusion_new(&cm, k, flags, &alloc_hooks[slot]), flags & 2);
}

static void update_confusion(program *p, int variant)
{
    trm_confusion *cm = cms[get8(p) & 1];
    size_t k = trm_confusion_n_classes(cm);
    int64_t ignore = trm_confusion_ignore_label(cm);
    size_t n = get8(p) % (MAX_N + 1);
    int64_t t[MAX_N], pr[MAX_N];
    if (k > MAX_K * MAX_K)
        return;
    for (size_t i = 0; i < n; i++) {
        t[i] = get_label(p, k, ignore);
        pr[i] = get_label(p, k, ignore);
    }
    switch (variant) {
    case 0: {
        uint8_t a[MAX_N], b[MAX_N];
        for (size_t i = 0; i < n; i++)
            a[i] = (uint8_t)t[i], b[i] = (uint8_t)pr[i];
        CHECKED(confusion, cm, trm_confusion_update_u8(cm, a, b, n));
        break;
    }
    case 1: {
        uint16_t a[MAX_N], b[MAX_N];
        for (size_t i = 0; i < n; i++)
            a[i] = (uint16_t)t[i], b[i] = (uint16_t)pr[i];
        CHECKED(confusion, cm, trm_confusion_update_u16(cm, a, b, n));
        break;
    }
    case 2: {
        int32_t a[MAX_N], b[MAX_N];
        for (size_t i = 0; i < n; i++)
            a[i] = (int32_t)t[i], b[i] = (int32_t)pr[i];
        CHECKED(confusion, cm, trm_confusion_update_i32(cm, a, b, n));
        break;
    }
    case 3:
        CHECKED(confusion, cm, trm_confusion_update_i64(cm, t, pr, n));
        break;
    case 4:
    case 5: {
        double w[MAX_N];
        for (size_t i = 0; i < n; i++)
            w[i] = get_double(p);
        if (variant == 5) {
            CHECKED(confusion, cm, trm_confusion_update_weighted_i64(cm, t, pr, w, n));
        } else {
            int32_t a[MAX_N], b[MAX_N];
            for (size_t i = 0; i < n; i++)
                a[i] = (int32_t)t[i], b[i] = (int32_t)pr[i];
            CHECKED(confusion, cm, trm_confusion_update_weighted_i32(cm, a, b, w, n));
        }
        break;
    }
    }
}

static void argmax_confusion(program *p, int f64)
{
    trm_confusion *cm = cms[get8(p) & 1];
    size_t k = trm_confusion_n_classes(cm);
    int64_t ignore = trm_confusion_ignore_label(cm);
    size_t n = get8(p) % (MAX_N + 1);
    size_t stride = get_stride(p, k);
    int32_t t[MAX_N];
    if (k > MAX_K * MAX_K)
        return;
    for (size_t i = 0; i < n; i++)
        t[i] = (int32_t)get_label(p, k, ignore);
    if (f64) {
        double *scores = get_scores_f64(p, n * stride);
        CHECKED(confusion, cm, trm_confusion_update_argmax_f64(cm, t, scores, n, stride));
        free(scores);
    } else {
        float *scores = get_scores_f32(p, n * stride);
        CHECKED(confusion, cm, trm_confusion_update_argmax_f32(cm, t, scores, n, stride));
        free(scores);
    }
}

static void threshold_confusion(program *p, int f64)
{
    trm_confusion *cm = cms[get8(p) & 1];
    size_t n = get8(p) % (MAX_N + 1);
    int32_t t[MAX_N];
    for (size_t i = 0; i < n; i++)
        t[i] = (int32_t)get_label(p, 2, TRM_NO_IGNORE);
    if (f64) {
        double s[MAX_N];
        for (size_t i = 0; i < n; i++)
            s[i] = get_double(p);
        double th = get_double(p);
        CHECKED(confusion, cm, trm_confusion_update_threshold_f64(cm, t, s, n, th));
    } else {
        float s[MAX_N];
        for (size_t i = 0; i < n; i++)
            s[i] = get_float(p);
        float th = get_float(p);
        CHECKED(confusion, cm, trm_confusion_update_threshold_f32(cm, t, s, n, th));
    }
}

static void ignore_confusion(program *p)
{
    trm_confusion *cm = cms[get8(p) & 1];
    uint8_t b = get8(p);
    int64_t label = b == 0xff ? TRM_NO_IGNORE : get_label(p, trm_confusion_n_classes(cm), TRM_NO_IGNORE);
    CHECKED(confusion, cm, trm_confusion_set_ignore_label(cm, label));
    FUZZ_ASSERT(trm_confusion_ignore_label(cm) == label, "ignore label not kept");
}

static void add_confusion(program *p, int weights)
{
    trm_confusion *cm = cms[get8(p) & 1];
    size_t k = trm_confusion_n_classes(cm);
    if (k > MAX_K)
        return;
    if (weights) {
        double w[MAX_K * MAX_K];
        for (size_t i = 0; i < k * k; i++)
            w[i] = get_double(p);
        CHECKED(confusion, cm, trm_confusion_add_weights(cm, w));
    } else {
        uint64_t c[MAX_K * MAX_K];
        for (size_t i = 0; i < k * k; i++) {
            uint8_t b = get8(p);
            c[i] = b >= 0xf0 ? UINT64_MAX - (b & 15) : b >= 0xe0 ? (uint64_t)1 << ((b & 15) | 48) : b & 7;
        }
        CHECKED(confusion, cm, trm_confusion_add_counts(cm, c));
    }
}

static void query_confusion(program *p)
{
    trm_confusion *cm = cms[get8(p) & 1];
    size_t k = trm_confusion_n_classes(cm);
    double cells[MAX_K * MAX_K], v;
    uint64_t counts[MAX_K * MAX_K];
    uint8_t undef[MAX_K];
    if (k > MAX_K)
        return;
    int metric = get8(p) % 10, avg = get8(p) % 6, zd = get8(p) % 4;
    QUERY(confusion, cm, trm_confusion_matrix(cm, get8(p) % 5, cells));
    QUERY(confusion, cm, trm_confusion_counts(cm, counts));
    QUERY(confusion, cm, trm_confusion_total(cm, &v));
    QUERY(confusion, cm, trm_metric_per_class(cm, metric, zd, cells));
    QUERY(confusion, cm, trm_metric_average(cm, metric, avg, zd, &v));
    QUERY(confusion, cm, trm_metric_undefined(cm, metric, undef));
    double beta = get_double(p);
    QUERY(confusion, cm, trm_fbeta_per_class(cm, beta, zd, cells));
    QUERY(confusion, cm, trm_fbeta_average(cm, beta, avg, zd, &v));
    QUERY(confusion, cm, trm_accuracy(cm, &v));
    QUERY(confusion, cm, trm_balanced_accuracy(cm, get8(p) % 3, &v));
    QUERY(confusion, cm, trm_cohen_kappa(cm, get8(p) % 4, &v));
    QUERY(confusion, cm, trm_matthews_corrcoef(cm, &v));
    char text[4096];
    size_t need = 0;
    int digits = get8(p) % 20 - 2;
    QUERY(confusion, cm, trm_classification_report(cm, NULL, digits, text, sizeof text, &need));
    (void)k;
}

/* ---- top-k ----------------------------------------------------------------------- */

static void new_topk(program *p)
{
    int slot = get8(p) & 1;
    size_t k = 1 + get8(p) % MAX_K;
    size_t max_k = get8(p) % (k + 2); /* 0 and k + 1 are refused */
    NEW_INTO(topk, tks, slot, t, trm_topk_new(&t, k, max_k, &alloc_hooks[2 + slot]), max_k == 0 || max_k > k);
}

static void update_topk(program *p, int f64)
{
    trm_topk *t = tks[get8(p) & 1];
    size_t k = trm_topk_n_classes(t);
    size_t n = get8(p) % (MAX_N + 1);
    size_t stride = get_stride(p, k);
    int32_t y[MAX_N];
    if (k > MAX_K * MAX_K) /* an edited blob can claim many classes */
        return;
    for (size_t i = 0; i < n; i++)
        y[i] = (int32_t)get_label(p, k, TRM_NO_IGNORE);
    if (f64) {
        double *scores = get_scores_f64(p, n * stride);
        CHECKED(topk, t, trm_topk_update_f64(t, y, scores, n, stride));
        free(scores);
    } else {
        float *scores = get_scores_f32(p, n * stride);
        CHECKED(topk, t, trm_topk_update_f32(t, y, scores, n, stride));
        free(scores);
    }
}

static void query_topk(program *p)
{
    trm_topk *t = tks[get8(p) & 1];
    double v;
    QUERY(topk, t, trm_topk_accuracy(t, get8(p) % (MAX_K + 2), &v));
}

/* ---- multilabel ------------------------------------------------------------------ */

static void new_multilabel(program *p)
{
    int slot = get8(p) & 1;
    size_t l = get8(p) % (MAX_K + 1); /* 0 is refused */
    NEW_INTO(multilabel, mls, slot, m, trm_multilabel_new(&m, l, &alloc_hooks[4 + slot]), l == 0);
}

static uint8_t get_bit(program *p)
{
    uint8_t b = get8(p);
    return b == 0xff ? 2 : b == 0xfe ? 255 : (b & 1);
}

static void update_multilabel(program *p, int variant)
{
    trm_multilabel *m = mls[get8(p) & 1];
    size_t l = trm_multilabel_n_labels(m);
    size_t n = get8(p) % (MAX_N / 4 + 1);
    if (l > MAX_K)
        return;
    uint8_t t[MAX_N * MAX_K], pr[MAX_N * MAX_K];
    for (size_t i = 0; i < n * l; i++)
        t[i] = get_bit(p);
    if (variant == 0) {
        for (size_t i = 0; i < n * l; i++)
            pr[i] = get_bit(p);
        CHECKED(multilabel, m, trm_multilabel_update_u8(m, t, pr, n));
    } else if (variant == 1) {
        float s[MAX_N * MAX_K];
        for (size_t i = 0; i < n * l; i++)
            s[i] = get_float(p);
        float th = get_float(p);
        CHECKED(multilabel, m, trm_multilabel_update_threshold_f32(m, t, s, n, th));
    } else {
        double s[MAX_N * MAX_K];
        for (size_t i = 0; i < n * l; i++)
            s[i] = get_double(p);
        double th = get_double(p);
        CHECKED(multilabel, m, trm_multilabel_update_threshold_f64(m, t, s, n, th));
    }
}

static void query_multilabel(program *p)
{
    trm_multilabel *m = mls[get8(p) & 1];
    uint64_t counts[4 * MAX_K];
    if (trm_multilabel_n_labels(m) > MAX_K)
        return;
    double per[MAX_K], v;
    int metric = get8(p) % 10, avg = get8(p) % 6, zd = get8(p) % 4;
    QUERY(multilabel, m, trm_multilabel_counts(m, counts));
    QUERY(multilabel, m, trm_multilabel_metric_per_label(m, metric, zd, per));
    QUERY(multilabel, m, trm_multilabel_metric_average(m, metric, avg, zd, &v));
    QUERY(multilabel, m, trm_multilabel_subset_accuracy(m, &v));
    QUERY(multilabel, m, trm_multilabel_hamming_loss(m, &v));
}

/* ---- regression ------------------------------------------------------------------ */

static void new_regression(program *p)
{
    int slot = get8(p) & 1;
    size_t m = get8(p) % (MAX_K + 1); /* 0 is refused */
    NEW_INTO(regression, rgs, slot, r, trm_regression_new(&r, m, &alloc_hooks[6 + slot]), m == 0);
}

static void update_regression(program *p, int f64)
{
    trm_regression *r = rgs[get8(p) & 1];
    size_t m = trm_regression_n_outputs(r);
    size_t n = get8(p) % (MAX_N / 4 + 1);
    if (m > MAX_K)
        return;
    if (f64) {
        double a[MAX_N * MAX_K], b[MAX_N * MAX_K];
        for (size_t i = 0; i < n * m; i++)
            a[i] = get_double(p), b[i] = get_double(p);
        CHECKED(regression, r, trm_regression_update_f64(r, a, b, n));
    } else {
        float a[MAX_N * MAX_K], b[MAX_N * MAX_K];
        for (size_t i = 0; i < n * m; i++)
            a[i] = get_float(p), b[i] = get_float(p);
        CHECKED(regression, r, trm_regression_update_f32(r, a, b, n));
    }
}

static void query_regression(program *p)
{
    trm_regression *r = rgs[get8(p) & 1];
    double per[MAX_K], v;
    if (trm_regression_n_outputs(r) > MAX_K)
        return;
    int metric = get8(p) % 10;
    QUERY(regression, r, trm_regression_per_output(r, metric, per));
    QUERY(regression, r, trm_regression_average(r, metric, &v));
}

/* ---- overfit --------------------------------------------------------------------- */

enum { MAX_EPOCHS = 300 };

static void new_overfit(program *p)
{
    int slot = get8(p) & 1;
    NEW_INTO(overfit, ofs, slot, o, trm_overfit_new(&o, &alloc_hooks[8 + slot]), 0);
}

static void option_overfit(program *p, int which)
{
    trm_overfit *o = ofs[get8(p) & 1];
    switch (which) {
    case 0: CHECKED(overfit, o, trm_overfit_preset(o, get8(p) % 7)); break;
    case 1: CHECKED(overfit, o, trm_overfit_set_mode(o, get8(p) % 3)); break;
    case 2: {
        uint8_t b = get8(p);
        uint32_t mask = b == 0xff ? (uint32_t)get_bytes(p, 4) : b;
        CHECKED(overfit, o, trm_overfit_set_criteria(o, mask));
        break;
    }
    case 3: {
        uint32_t pat = get8(p) % 12;
        double a = get_double(p), r = get_double(p);
        CHECKED(overfit, o, trm_overfit_set_patience(o, pat, a, r));
        break;
    }
    case 4: CHECKED(overfit, o, trm_overfit_set_gl(o, get_double(p))); break;
    case 5: {
        double a = get_double(p);
        uint32_t strip = get8(p) % 8;
        CHECKED(overfit, o, trm_overfit_set_pq(o, a, strip));
        break;
    }
    case 6: {
        uint32_t s = get8(p) % 5, strip = get8(p) % 8;
        CHECKED(overfit, o, trm_overfit_set_up(o, s, strip));
        break;
    }
    case 7: {
        double a = get_double(p), b = get_double(p);
        CHECKED(overfit, o, trm_overfit_set_thresholds(o, a, b));
        break;
    }
    case 8: {
        uint8_t b = get8(p);
        uint32_t window = b == 0xff ? 1024 : b == 0xfe ? 1025 : b % 40;
        double alpha = (get8(p) & 1) ? get_double(p) : (double)get8(p) / 255.0;
        CHECKED(overfit, o, trm_overfit_set_trend(o, window, alpha));
        break;
    }
    case 9: {
        /* the warm-up and the options added with it in 0.3 share one op */
        uint8_t b = get8(p);
        if (b % 3 == 0)
            CHECKED(overfit, o, trm_overfit_set_warmup(o, (uint32_t)(b / 3) % 10));
        else if (b % 3 == 1)
            CHECKED(overfit, o, trm_overfit_set_start_from_epoch(o, (uint32_t)(b / 3) % 10));
        else
            CHECKED(overfit, o, trm_overfit_set_baseline(o, (b & 0x80) ? get_double(p) : NAN));
        break;
    }
    }
}

static void push_overfit(program *p, int many)
{
    trm_overfit *o = ofs[get8(p) & 1];
    if (trm_overfit_n_epochs(o) > MAX_EPOCHS)
        return;
    if (!many) {
        double t = get_double(p), v = get_double(p);
        CHECKED(overfit, o, trm_overfit_push(o, t, v));
        return;
    }
    size_t n = get8(p) % (MAX_N + 1);
    double t[MAX_N], v[MAX_N];
    double level = 1 + get8(p) / 16.0;
    for (size_t i = 0; i < n; i++) {
        /* mostly smooth curves, so that the criteria fire */
        uint8_t b = get8(p);
        t[i] = (b & 0x80) ? get_double(p) : level / (1 + (double)i) + (b & 7) / 64.0;
        v[i] = (b & 0x40) ? get_double(p) : level / (1 + (double)i) + (double)i * (b & 0x38) / 256.0;
    }
    CHECKED(overfit, o, trm_overfit_push_many(o, t, v, n));
}

static void query_overfit(program *p)
{
    trm_overfit *o = ofs[get8(p) & 1];
    size_t before_size;
    uint8_t *before = fuzz_snapshot_overfit(o, &before_size);
    size_t n = trm_overfit_n_epochs(o);
    int verdict = trm_overfit_verdict(o);
    FUZZ_ASSERT(verdict >= TRM_FIT_WARMUP && verdict <= TRM_FIT_DIVERGED, "verdict %d", verdict);
    int stop = trm_overfit_should_stop(o);
    int64_t stop_epoch = trm_overfit_stop_epoch(o);
    FUZZ_ASSERT((stop == 1) == (stop_epoch != -1), "should_stop %d, stop epoch %lld", stop, (long long)stop_epoch);
    int64_t best = trm_overfit_best_epoch(o);
    FUZZ_ASSERT(best == -1 || (best >= 1 && (uint64_t)best <= n), "best epoch %lld of %zu", (long long)best, n);
    double bv = trm_overfit_best_value(o);
    FUZZ_ASSERT((best == -1) == isnan(bv), "best epoch %lld, best value %g", (long long)best, bv);
    (void)trm_overfit_onset_epoch(o);
    uint32_t fired = trm_overfit_fired(o);
    (void)trm_overfit_first_fire(o, fired & (0u - fired));
    (void)trm_overfit_first_fire(o, (uint32_t)get_bytes(p, 1) << 1);
    double v;
    QUERY(overfit, o, trm_overfit_statistic(o, get8(p) % 9, &v));
    double *tr = malloc((n ? n : 1) * sizeof *tr), *va = malloc((n ? n : 1) * sizeof *va);
    QUERY(overfit, o, trm_overfit_history(o, tr, va));
    int64_t restore = trm_overfit_restore_epoch(o);
    double rv = trm_overfit_restore_value(o);
    FUZZ_ASSERT(restore == -1 || (restore >= 1 && (uint64_t)restore <= n), "restore epoch %lld of %zu",
                (long long)restore, n);
    FUZZ_ASSERT(stop_epoch == -1 || restore <= stop_epoch, "restore epoch %lld after the stop %lld",
                (long long)restore, (long long)stop_epoch);
    FUZZ_ASSERT(restore == -1 ? isnan(rv) : memcmp(&rv, &va[restore - 1], sizeof rv) == 0,
                "restore value %g at epoch %lld", rv, (long long)restore);
    free(tr);
    free(va);
    char text[64];
    size_t need = 0;
    int rc = trm_overfit_explain(o, text, sizeof text, &need);
    FUZZ_ASSERT(rc == TRM_OK || (rc == TRM_E_BUFFER && need > sizeof text), "explain returned %d, %zu", rc, need);
    if (rc == TRM_E_BUFFER) {
        char *big = malloc(need);
        size_t got = 0;
        rc = trm_overfit_explain(o, big, need, &got);
        FUZZ_ASSERT(rc == TRM_OK && got == need && strlen(big) + 1 == need, "explain returned %d", rc);
        free(big);
    } else {
        FUZZ_ASSERT(strlen(text) + 1 == need, "explain length %zu, reported %zu", strlen(text), need);
    }
    FUZZ_ASSERT(fuzz_same_overfit(o, before, before_size), "a query changed the detector");
    free(before);
}

/* ---- CAM --------------------------------------------------------------------------- */

/* What a CAM calculator shows of its settings without computing: the output
 * size for inputs of each rank. */
typedef struct cam_view {
    int rc[3];
    size_t n[3];
} cam_view;

static cam_view view_cam(void)
{
    static const size_t spatial[3] = { 2, 3, 4 };
    cam_view v;
    for (size_t r = 0; r < 3; r++) {
        v.n[r] = 0;
        v.rc[r] = trm_cam_output_size(cam, r + 1, spatial, &v.n[r]);
    }
    return v;
}

static int same_view(cam_view a, cam_view b)
{
    for (int r = 0; r < 3; r++)
        if (a.rc[r] != b.rc[r] || a.n[r] != b.n[r])
            return 0;
    return 1;
}

#define CAM_SETTER(call)                                                                  \
    do {                                                                                  \
        cam_view before_ = view_cam();                                                    \
        trm_clear_last_error();                                                           \
        int rc_ = (call);                                                                 \
        FUZZ_ASSERT(is_status(rc_) && rc_ != TRM_E_INTERNAL, "%s returned %d", #call, rc_); \
        if (rc_ != TRM_OK) {                                                              \
            FUZZ_ASSERT(same_view(before_, view_cam()), "%s failed but changed the "      \
                        "output shape", #call);                                           \
            FUZZ_ASSERT(trm_last_error()[0] != '\0', "%s left no error", #call);          \
        }                                                                                 \
    } while (0)

static void new_cam(program *p)
{
    int method = get8(p) % 11;
    trm_cam *c = NULL;
    int rc = trm_cam_new(&c, method, &alloc_hooks[ALLOC_CAM]);
    if (rc != TRM_OK) {
        FUZZ_ASSERT(c == NULL, "failed cam_new wrote its output");
        FUZZ_ASSERT(rc == TRM_E_NOMEM || method == 10, "cam_new returned %d", rc);
        return;
    }
    trm_cam_free(cam);
    cam = c;
    cam_method = method;
    cam_forward_batch = method == TRM_CAM_ABLATIONCAM ? 32 : 16;
}

static void set_cam(program *p, int which)
{
    switch (which) {
    case 0: CAM_SETTER(trm_cam_set_layout(cam, get8(p) % 3)); break;
    case 1: CAM_SETTER(trm_cam_set_relu(cam, get8(p) % 3)); break;
    case 2: CAM_SETTER(trm_cam_set_normalize(cam, get8(p) % 3)); break;
    case 3: {
        size_t ndim = get8(p) % 5, dims[4];
        for (size_t i = 0; i < 4; i++) {
            uint8_t b = get8(p);
            dims[i] = b == 0xff ? SIZE_MAX / 2 : b % 9;
        }
        CAM_SETTER(trm_cam_set_output_shape(cam, ndim, (get8(p) & 0x1f) == 0 ? NULL : dims));
        break;
    }
    case 4: {
        size_t batch_size = get8(p) % 5;
        CAM_SETTER(trm_cam_set_forward_batch(cam, batch_size));
        if (batch_size > 0)
            cam_forward_batch = batch_size;
        break;
    }
    case 5: {
        static const double odd[5] = { 0.0, -1.0, NAN, 1.5, 1.0 };
        uint8_t b = get8(p);
        CAM_SETTER(trm_cam_set_ablation_ratio(cam, b < 5 ? odd[b] : b / 255.0));
        break;
    }
    case 6: CAM_SETTER(trm_cam_set_resize(cam, get8(p) % 3)); break;
    }
}

/* The output of a CAM compute: as many floats as the call writes (capped),
 * filled with a pattern that a failed call must leave, and the calculator's
 * settings before the call. */
typedef struct cam_output {
    float *out;
    uint8_t *pattern;
    size_t bytes;
    cam_view before;
} cam_output;

static cam_output new_cam_output(int weights, size_t batch, size_t channels, size_t ndim, const size_t *spatial,
                                 size_t positions)
{
    size_t n_out = positions;
    if (!weights && ndim >= 1 && ndim <= 3 && positions > 0) {
        size_t q = 0;
        if (trm_cam_output_size(cam, ndim, spatial, &q) == TRM_OK)
            n_out = q;
    }
    size_t count = weights ? batch * channels : batch * n_out;
    if (count > (1u << 20))
        count = 1u << 20;
    cam_output o = { .bytes = (count ? count : 1) * sizeof(float) };
    o.out = malloc(o.bytes);
    o.pattern = malloc(o.bytes);
    memset(o.out, 0xa5, o.bytes);
    memcpy(o.pattern, o.out, o.bytes);
    o.before = view_cam();
    return o;
}

/* The contract after a compute that returned rc; frees the output. */
static void check_cam_output(cam_output *o, int rc, const char *what)
{
    FUZZ_ASSERT(is_status(rc) && rc != TRM_E_INTERNAL, "%s returned %d", what, rc);
    FUZZ_ASSERT(same_view(o->before, view_cam()), "%s changed the output shape", what);
    if (rc != TRM_OK) {
        FUZZ_ASSERT(memcmp(o->out, o->pattern, o->bytes) == 0, "failed %s (%d) wrote its output", what, rc);
        FUZZ_ASSERT(trm_last_error()[0] != '\0', "failed %s left no error", what);
    }
    free(o->out);
    free(o->pattern);
}

static void compute_cam(program *p, int weights)
{
    size_t batch = get8(p) % 3, channels = get8(p) % 4, ndim = get8(p) % 5, spatial[4] = { 1, 1, 1, 1 };
    size_t positions = 1;
    for (size_t i = 0; i < ndim && i < 4; i++) {
        spatial[i] = get8(p) % 5;
        positions *= spatial[i];
    }
    if (ndim > 3)
        positions = 1;
    size_t count = batch * channels * positions;
    float *a = malloc((count ? count : 1) * sizeof *a), *g = malloc((count ? count : 1) * sizeof *g);
    for (size_t i = 0; i < count; i++) {
        uint8_t b = get8(p);
        a[i] = (b & 0xf0) == 0xf0 ? get_float(p) : (float)(int8_t)b / 16.0f;
        b = get8(p);
        g[i] = (b & 0xf0) == 0xf0 ? get_float(p) : (float)(int8_t)b / 16.0f;
    }
    cam_output o = new_cam_output(weights, batch, channels, ndim, spatial, positions);
    const float *grads = (get8(p) & 0x1f) == 0 ? NULL : g;
    trm_clear_last_error();
    int rc = weights ? trm_cam_weights_f32(cam, a, grads, batch, channels, ndim, spatial, o.out)
                     : trm_cam_compute_f32(cam, a, grads, batch, channels, ndim, spatial, o.out);
    check_cam_output(&o, rc, "cam compute");
    free(a);
    free(g);
}

/* A model for the forward CAMs: score = bias + the tensor's sum / 8, reading
 * every float it is given; it can fail or give a chosen score at one call. */
typedef struct fuzz_model {
    size_t item, batch, calls, fail_at;
    int status;
    float bias, odd_score;
} fuzz_model;

static int fuzz_forward(void *opaque, size_t sample, const float *inputs, size_t n_inputs, float *scores)
{
    fuzz_model *m = opaque;
    FUZZ_ASSERT(sample < m->batch && n_inputs >= 1 && n_inputs <= cam_forward_batch,
                "forward callback for sample %zu with %zu tensors", sample, n_inputs);
    for (size_t j = 0; j < n_inputs; j++) {
        double total = m->bias;
        for (size_t i = 0; i < m->item; i++)
            total += inputs[j * m->item + i] / 8.0;
        scores[j] = (float)total;
    }
    if (++m->calls == m->fail_at) {
        if (m->status != 0)
            return m->status;
        scores[n_inputs - 1] = m->odd_score;
    }
    return 0;
}

static void compute_forward_cam(program *p, int weights)
{
    size_t batch = get8(p) % 3, channels = get8(p) % 7, ndim = get8(p) % 5, in_channels = get8(p) % 3;
    size_t spatial[4] = { 1, 1, 1, 1 }, in_spatial[4] = { 1, 1, 1, 1 }, positions = 1, in_positions = 1;
    for (size_t i = 0; i < ndim && i < 4; i++) {
        spatial[i] = get8(p) % 5;
        in_spatial[i] = get8(p) % 6;
        positions *= spatial[i];
        in_positions *= in_spatial[i];
    }
    if (ndim > 3)
        positions = in_positions = 1;
    size_t count = batch * channels * positions, in_count = batch * in_channels * in_positions;
    float *a = malloc((count ? count : 1) * sizeof *a), *x = malloc((in_count ? in_count : 1) * sizeof *x);
    for (size_t i = 0; i < count; i++) {
        uint8_t b = get8(p);
        a[i] = (b & 0xf0) == 0xf0 ? get_float(p) : (float)(int8_t)b / 16.0f;
    }
    for (size_t i = 0; i < in_count; i++)
        x[i] = (float)(int8_t)get8(p) / 32.0f;
    fuzz_model m = { .item = 0, .batch = batch, .fail_at = get8(p) % 8, .status = (int)(int8_t)get8(p),
                     .bias = (float)(int8_t)get8(p), .odd_score = (get8(p) & 1) ? NAN : INFINITY };
    /* the tensors the callback reads: Ablation-CAM's activations, Score-CAM's inputs */
    m.item = cam_method == TRM_CAM_SCORECAM ? in_channels * in_positions : channels * positions;
    cam_output o = new_cam_output(weights, batch, channels, ndim, spatial, positions);
    const float *inputs = (get8(p) & 0x1f) == 0 ? NULL : x;
    trm_clear_last_error();
    int rc = weights ? trm_cam_forward_weights_f32(cam, a, batch, channels, ndim, spatial, inputs, in_channels,
                                                   in_spatial, fuzz_forward, &m, o.out)
                     : trm_cam_compute_forward_f32(cam, a, batch, channels, ndim, spatial, inputs, in_channels,
                                                   in_spatial, fuzz_forward, &m, o.out);
    check_cam_output(&o, rc, "forward cam compute");
    FUZZ_ASSERT(rc != TRM_OK || (m.calls >= batch && (m.fail_at == 0 || m.fail_at > m.calls)),
                "forward cam compute succeeded after %zu calls (failure armed at %zu)", m.calls, m.fail_at);
    free(a);
    free(x);
}

static void colormap_cam(program *p, int overlay)
{
    size_t n = get8(p) % (MAX_N + 1);
    float v[MAX_N];
    uint8_t image[3 * MAX_N + 1], rgb[3 * MAX_N + 1], pattern[3 * MAX_N + 1];
    for (size_t i = 0; i < n; i++)
        v[i] = (get8(p) & 3) == 0 ? get_float(p) : (float)get8(p) / 255.0f;
    for (size_t i = 0; i < 3 * n; i++)
        image[i] = get8(p);
    int colormap = get8(p) % 5;
    memset(rgb, 0x5a, sizeof rgb);
    memcpy(pattern, rgb, sizeof rgb);
    trm_clear_last_error();
    int rc;
    if (!overlay) {
        rc = trm_colormap_apply(v, n, colormap, rgb);
    } else {
        float w = (get8(p) & 3) == 0 ? get_float(p) : (float)get8(p) / 255.0f;
        if (get8(p) & 1) {
            /* in place */
            memcpy(rgb, image, 3 * n);
            memcpy(pattern, rgb, sizeof rgb);
            rc = trm_cam_overlay_rgb8(rgb, v, n, colormap, w, rgb);
        } else {
            rc = trm_cam_overlay_rgb8(image, v, n, colormap, w, rgb);
        }
    }
    FUZZ_ASSERT(is_status(rc) && rc != TRM_E_INTERNAL, "colormap returned %d", rc);
    if (rc != TRM_OK) {
        FUZZ_ASSERT(memcmp(rgb, pattern, sizeof rgb) == 0, "failed colormap call (%d) wrote its output", rc);
        FUZZ_ASSERT(trm_last_error()[0] != '\0', "failed colormap call left no error");
    } else {
        FUZZ_ASSERT(memcmp(rgb + 3 * n, pattern + 3 * n, sizeof rgb - 3 * n) == 0, "colormap wrote past 3n bytes");
    }
}

/* ---- loss and calibration ----------------------------------------------------------- */

/* A value for a probability: mostly 0, 1/4 .. 1, sometimes anything. */
static double get_unit(program *p)
{
    uint8_t b = get8(p);
    return (b & 7) == 0 ? get_double(p) : (double)(b % 5) / 4.0;
}

/* An ignore label: none, torch's -100, segmentation's 255, or a label of k classes. */
static int64_t get_ignore(program *p, size_t k)
{
    uint8_t b = get8(p);
    switch (b & 3) {
    case 0: return TRM_NO_IGNORE;
    case 1: return -100;
    case 2: return 255;
    default: return get_label(p, k, TRM_NO_IGNORE);
    }
}

/* n class ids, weights (or NULL) and n * cols values, f64 and f32 copies. */
typedef struct sample_batch {
    size_t n, stride;
    int32_t y[MAX_N];
    double w[MAX_N], v[MAX_N * (MAX_K + 2)];
    float vf[MAX_N * (MAX_K + 2)];
    const double *weights;
} sample_batch;

static void get_batch(program *p, sample_batch *b, size_t k, size_t cols, int64_t ignore, bool unit)
{
    *b = (sample_batch){ 0 }; /* a refused stride k - 1 leaves values a dense read still looks at */
    b->n = get8(p) % (MAX_N + 1);
    b->stride = cols == 1 ? 1 : get_stride(p, cols);
    for (size_t i = 0; i < b->n; i++)
        b->y[i] = (int32_t)get_label(p, k, ignore);
    for (size_t i = 0; i < b->n * b->stride; i++) {
        b->v[i] = unit ? get_unit(p) : (get8(p) & 7) == 0 ? get_double(p) : (double)(int8_t)get8(p) / 8.0;
        b->vf[i] = (float)b->v[i];
    }
    b->weights = NULL;
    if (get8(p) & 1) {
        for (size_t i = 0; i < b->n; i++)
            b->w[i] = (get8(p) & 7) == 0 ? get_double(p) : (double)(get8(p) & 3);
        b->weights = b->w;
    }
}

static void new_loss(program *p)
{
    int slot = get8(p) & 1, kind = get8(p) % 4; /* 3 is unknown */
    size_t k = get8(p) % (MAX_K + 1);
    bool refused = kind > TRM_LOSS_BRIER || k < (kind == TRM_LOSS_BINARY_CROSS_ENTROPY ? 1u : 2u);
    NEW_INTO(loss, lss, slot, l, trm_loss_new(&l, kind, k, &alloc_hooks[ALLOC_LOSS + slot]), refused);
}

/* variant: bit 0 picks f64, bits 1-2 the input form (logits, probability
 * rows, positive-class probabilities, binary cross-entropy's targets). */
static void update_loss(program *p, int variant)
{
    trm_loss *l = lss[get8(p) & 1];
    size_t k = trm_loss_n_classes(l);
    int form = variant >> 1, f64 = variant & 1;
    if (k > MAX_K)
        return;
    sample_batch b;
    get_batch(p, &b, k, form == 2 ? 1 : k, trm_loss_ignore_label(l), form != 0);
    if (form == 3) {
        /* the batch values are the n x k targets, read densely; then n x k logits */
        double x[MAX_N * MAX_K];
        float xf[MAX_N * MAX_K];
        for (size_t i = 0; i < b.n * k; i++)
            x[i] = (get8(p) & 7) == 0 ? get_double(p) : (double)(int8_t)get8(p) / 8.0, xf[i] = (float)x[i];
        CHECKED(loss, l, f64 ? trm_loss_update_binary_logits_f64(l, b.v, x, b.n, b.weights)
                             : trm_loss_update_binary_logits_f32(l, b.vf, xf, b.n, b.weights));
        return;
    }
    if (form == 0)
        CHECKED(loss, l, f64 ? trm_loss_update_logits_f64(l, b.y, b.v, b.n, b.stride, b.weights)
                             : trm_loss_update_logits_f32(l, b.y, b.vf, b.n, b.stride, b.weights));
    else if (form == 1)
        CHECKED(loss, l, f64 ? trm_loss_update_probs_f64(l, b.y, b.v, b.n, b.stride, b.weights)
                             : trm_loss_update_probs_f32(l, b.y, b.vf, b.n, b.stride, b.weights));
    else
        CHECKED(loss, l, f64 ? trm_loss_update_probs_binary_f64(l, b.y, b.v, b.n, b.weights)
                             : trm_loss_update_probs_binary_f32(l, b.y, b.vf, b.n, b.weights));
}

static void ignore_loss(program *p)
{
    trm_loss *l = lss[get8(p) & 1];
    CHECKED(loss, l, trm_loss_set_ignore_label(l, get_ignore(p, trm_loss_n_classes(l))));
}

static void query_loss(program *p)
{
    trm_loss *l = lss[get8(p) & 1];
    double v;
    (void)get8(p);
    QUERY(loss, l, trm_loss_value(l, &v));
    QUERY(loss, l, trm_loss_sum(l, &v));
    QUERY(loss, l, trm_loss_total_weight(l, &v));
}

static void new_calibration(program *p)
{
    int slot = get8(p) & 1;
    size_t bins = get8(p) % 20, k = get8(p) % (MAX_K + 1); /* 0 bins are refused */
    NEW_INTO(calibration, cals, slot, c, trm_calibration_new(&c, bins, k, &alloc_hooks[ALLOC_CALIBRATION + slot]),
             bins == 0);
}

static void input_calibration(program *p)
{
    trm_calibration *c = cals[get8(p) & 1];
    CHECKED(calibration, c, trm_calibration_set_input(c, (int)(get8(p) % 5) - 1)); /* -1 and 3 are refused */
}

static void ignore_calibration(program *p)
{
    trm_calibration *c = cals[get8(p) & 1];
    CHECKED(calibration, c, trm_calibration_set_ignore_label(c, get_ignore(p, trm_calibration_n_classes(c))));
}

/* variant: bit 0 picks f64, bit 1 the multiclass update (refused by a binary accumulator). */
static void update_calibration(program *p, int variant)
{
    trm_calibration *c = cals[get8(p) & 1];
    size_t k = trm_calibration_n_classes(c);
    int f64 = variant & 1, multiclass = variant >> 1;
    if (k > MAX_K)
        return;
    sample_batch b;
    get_batch(p, &b, k == 1 ? 2 : k, multiclass ? (k == 1 ? 2 : k) : 1, trm_calibration_ignore_label(c),
              (get8(p) & 3) != 0);
    if (multiclass)
        CHECKED(calibration, c, f64 ? trm_calibration_update_multiclass_f64(c, b.y, b.v, b.n, b.stride)
                                    : trm_calibration_update_multiclass_f32(c, b.y, b.vf, b.n, b.stride));
    else
        CHECKED(calibration, c, f64 ? trm_calibration_update_binary_f64(c, b.y, b.v, b.n)
                                    : trm_calibration_update_binary_f32(c, b.y, b.vf, b.n));
}

static void query_calibration(program *p)
{
    trm_calibration *c = cals[get8(p) & 1];
    double v, conf[64], acc[64];
    uint64_t counts[64];
    int norm = get8(p) % 4; /* 3 is refused */
    QUERY(calibration, c, trm_calibration_error(c, norm, &v));
    if (trm_calibration_n_bins(c) < 64)
        QUERY(calibration, c, trm_calibration_bins(c, counts, conf, acc));
}

/* ---- cross-type ------------------------------------------------------------------- */

/* A valid blob of one kind given to another kind's deserialize: MISMATCH. */
static void cross_load(program *p)
{
    size_t size = 0;
    uint8_t *blob;
    int from = get8(p) % 7, slot = get8(p) & 1;
    switch (from) {
    case 0: blob = fuzz_snapshot_confusion(cms[slot], &size); break;
    case 1: blob = fuzz_snapshot_topk(tks[slot], &size); break;
    case 2: blob = fuzz_snapshot_multilabel(mls[slot], &size); break;
    case 3: blob = fuzz_snapshot_regression(rgs[slot], &size); break;
    case 4: blob = fuzz_snapshot_overfit(ofs[slot], &size); break;
    case 5: blob = fuzz_snapshot_loss(lss[slot], &size); break;
    default: blob = fuzz_snapshot_calibration(cals[slot], &size); break;
    }
    int to = (from + 1 + get8(p) % 6) % 7;
    static int sentinel_;
    void *const untouched = &sentinel_;
    void *h = untouched;
    int rc;
    trm_clear_last_error();
    switch (to) {
    case 0: rc = trm_confusion_deserialize((trm_confusion **)&h, blob, size, NULL); break;
    case 1: rc = trm_topk_deserialize((trm_topk **)&h, blob, size, NULL); break;
    case 2: rc = trm_multilabel_deserialize((trm_multilabel **)&h, blob, size, NULL); break;
    case 3: rc = trm_regression_deserialize((trm_regression **)&h, blob, size, NULL); break;
    case 4: rc = trm_overfit_deserialize((trm_overfit **)&h, blob, size, NULL); break;
    case 5: rc = trm_loss_deserialize((trm_loss **)&h, blob, size, NULL); break;
    default: rc = trm_calibration_deserialize((trm_calibration **)&h, blob, size, NULL); break;
    }
    FUZZ_ASSERT(rc == TRM_E_MISMATCH, "a blob of handle type %d given to type %d returned %d", from, to, rc);
    FUZZ_ASSERT(h == untouched, "mismatched deserialize wrote its output");
    FUZZ_ASSERT(trm_last_error()[0] != '\0', "mismatched deserialize left no error");
    free(blob);
}

/* Makes one of the next few allocations of a slot's allocator fail. */
static void arm_failure(program *p)
{
    fuzz_alloc_state *s = &alloc_states[get8(p) % N_ALLOCS];
    uint8_t b = get8(p);
    s->fail_at = b == 0xff ? SIZE_MAX : s->attempts + (b & 3);
}

/* ---- the interpreter ---------------------------------------------------------------- */

static void setup(void)
{
    for (size_t i = 0; i < N_ALLOCS; i++)
        alloc_hooks[i] = fuzz_hooks(&alloc_states[i], SIZE_MAX);
    for (int s = 0; s < N_SLOTS; s++) {
        int ok = trm_confusion_new(&cms[s], s ? 2 : 3, s ? TRM_CONFUSION_WEIGHTED : 0, &alloc_hooks[s]) == TRM_OK &&
                 trm_topk_new(&tks[s], 4, s ? 2 : 4, &alloc_hooks[2 + s]) == TRM_OK &&
                 trm_multilabel_new(&mls[s], s ? 2 : 3, &alloc_hooks[4 + s]) == TRM_OK &&
                 trm_regression_new(&rgs[s], s ? 1 : 3, &alloc_hooks[6 + s]) == TRM_OK &&
                 trm_overfit_new(&ofs[s], &alloc_hooks[8 + s]) == TRM_OK &&
                 trm_loss_new(&lss[s], s ? TRM_LOSS_BRIER : TRM_LOSS_CROSS_ENTROPY, 3,
                              &alloc_hooks[ALLOC_LOSS + s]) == TRM_OK &&
                 trm_calibration_new(&cals[s], s ? 4 : 15, s ? 3 : 1, &alloc_hooks[ALLOC_CALIBRATION + s]) == TRM_OK;
        FUZZ_ASSERT(ok, "setup failed");
    }
    FUZZ_ASSERT(trm_cam_new(&cam, TRM_CAM_GRADCAM, &alloc_hooks[ALLOC_CAM]) == TRM_OK, "setup failed");
    cam_method = TRM_CAM_GRADCAM;
    cam_forward_batch = 16;
}

static void teardown(void)
{
    for (int s = 0; s < N_SLOTS; s++) {
        trm_confusion_free(cms[s]);
        trm_topk_free(tks[s]);
        trm_multilabel_free(mls[s]);
        trm_regression_free(rgs[s]);
        trm_overfit_free(ofs[s]);
        trm_loss_free(lss[s]);
        trm_calibration_free(cals[s]);
        cms[s] = NULL, tks[s] = NULL, mls[s] = NULL, rgs[s] = NULL, ofs[s] = NULL, lss[s] = NULL, cals[s] = NULL;
    }
    trm_cam_free(cam);
    cam = NULL;
    size_t allocs = 0, frees = 0;
    for (size_t i = 0; i < N_ALLOCS; i++)
        allocs += alloc_states[i].allocs, frees += alloc_states[i].frees;
    FUZZ_ASSERT(allocs == frees, "%zu allocations, %zu releases", allocs, frees);
}

enum { N_OPS = 112 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    program prog = { data, size };
    program *p = &prog;
    setup();
    while (p->left > 0) {
        uint8_t op = get8(p) % N_OPS;
        switch (op) {
        case 0: new_confusion(p); break;
        case 1: case 2: case 3: case 4: case 5: case 6: update_confusion(p, op - 1); break;
        case 7: case 8: argmax_confusion(p, op == 8); break;
        case 9: case 10: threshold_confusion(p, op == 10); break;
        case 11: ignore_confusion(p); break;
        case 12: merge_confusion(p); break;
        case 13: clone_confusion(p); break;
        case 14: reset_confusion(p); break;
        case 15: roundtrip_confusion(p); break;
        case 16: case 17: add_confusion(p, op == 17); break;
        case 18: query_confusion(p); break;
        case 19: edit_confusion(p); break;
        case 20: new_topk(p); break;
        case 21: case 22: update_topk(p, op == 22); break;
        case 23: merge_topk(p); break;
        case 24: clone_topk(p); break;
        case 25: reset_topk(p); break;
        case 26: roundtrip_topk(p); break;
        case 27: query_topk(p); break;
        case 28: edit_topk(p); break;
        case 29: new_multilabel(p); break;
        case 30: case 31: case 32: update_multilabel(p, op - 30); break;
        case 33: merge_multilabel(p); break;
        case 34: clone_multilabel(p); break;
        case 35: reset_multilabel(p); break;
        case 36: roundtrip_multilabel(p); break;
        case 37: query_multilabel(p); break;
        case 38: edit_multilabel(p); break;
        case 39: new_regression(p); break;
        case 40: case 41: update_regression(p, op == 41); break;
        case 42: merge_regression(p); break;
        case 43: clone_regression(p); break;
        case 44: reset_regression(p); break;
        case 45: roundtrip_regression(p); break;
        case 46: query_regression(p); break;
        case 47: edit_regression(p); break;
        case 48: new_overfit(p); break;
        case 49: case 50: case 51: case 52: case 53: case 54: case 55: case 56: case 57: case 58:
            option_overfit(p, op - 49);
            break;
        case 59: case 60: push_overfit(p, op == 60); break;
        case 61: clone_overfit(p); break;
        case 62: reset_overfit(p); break;
        case 63: roundtrip_overfit(p); break;
        case 64: query_overfit(p); break;
        case 65: edit_overfit(p); break;
        case 66: new_cam(p); break;
        case 67: case 68: case 69: case 70: set_cam(p, op - 67); break;
        case 71: {
            size_t ndim = get8(p) % 5, sp[4] = { get8(p) % 4, get8(p) % 4, get8(p) % 4, 1 }, n = 12345;
            cam_view before = view_cam();
            int rc = trm_cam_output_size(cam, ndim, sp, &n);
            FUZZ_ASSERT(rc == TRM_OK || n == 12345, "failed output_size (%d) wrote its output", rc);
            FUZZ_ASSERT(same_view(before, view_cam()), "output_size changed the calculator");
            break;
        }
        case 72: case 73: compute_cam(p, op == 73); break;
        case 74: case 75: colormap_cam(p, op == 75); break;
        case 76: cross_load(p); break;
        case 77: arm_failure(p); break;
        case 78: new_loss(p); break;
        case 79: case 80: case 81: case 82: case 83: case 84: case 85: case 86: update_loss(p, op - 79); break;
        case 87: ignore_loss(p); break;
        case 88: merge_loss(p); break;
        case 89: clone_loss(p); break;
        case 90: reset_loss(p); break;
        case 91: roundtrip_loss(p); break;
        case 92: query_loss(p); break;
        case 93: edit_loss(p); break;
        case 94: new_calibration(p); break;
        case 95: input_calibration(p); break;
        case 96: ignore_calibration(p); break;
        case 97: case 98: case 99: case 100: update_calibration(p, op - 97); break;
        case 101: merge_calibration(p); break;
        case 102: clone_calibration(p); break;
        case 103: reset_calibration(p); break;
        case 104: roundtrip_calibration(p); break;
        case 105: query_calibration(p); break;
        case 106: edit_calibration(p); break;
        case 107: case 108: set_cam(p, op - 103); break;
        case 109: case 110: compute_forward_cam(p, op == 110); break;
        case 111: set_cam(p, 6); break;
        }
    }
    /* disarm every allocator so that the final snapshots cannot fail */
    for (size_t i = 0; i < N_ALLOCS; i++)
        alloc_states[i].fail_at = SIZE_MAX;
    teardown();
    return 0;
}
