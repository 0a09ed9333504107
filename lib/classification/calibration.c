/* SPDX-License-Identifier: MIT */
/* Streaming calibration error: the validation pass, the binning pass (one
 * kernel for binary and multiclass, float and double scores), the norms and
 * the handle's life cycle (clone, reset, merge, serialization). */
#include "fp-private.h"
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "codec-private.h"
#include "common-private.h"
#include "trainmetrics/calibration.h"

/* Past 2^24 bins the float edges b / n_bins would no longer be distinct. */
#define MAX_BINS ((size_t)1 << 24)

struct trm_calibration {
    trm_allocator alloc; /* copy of the creator's hooks; alloc == NULL means malloc */
    size_t n_bins;       /* uniform bins, 1 .. MAX_BINS; the tables hold n_bins + 1 */
    size_t n_classes;    /* 1 = binary (one score per sample), else K >= 2 */
    int input;           /* TRM_CALIBRATION_PROBABILITIES .. TRM_CALIBRATION_AUTO */
    int64_t ignore;      /* label whose samples are dropped; meaningful only when has_ignore */
    bool has_ignore;     /* false for TRM_NO_IGNORE, which then matches no label */
    uint64_t n_samples;  /* sum of count[]; batches that would overflow it are refused,
                            so no single counter can overflow */
    uint64_t *count;     /* samples per bin */
    uint64_t *hits;      /* samples of outcome 1 per bin, <= count */
    double *sum_conf;    /* sum of the bin's confidences, each in the bin's range;
                            0 exactly when count is 0 */
};

/* The tables live in the same block as the handle, after a 16-byte aligned header. */
#define HEADER_SIZE TRM__HEADER_SIZE(trm_calibration)
#define N_TABLES ((size_t)3)

enum value_type { VALUE_F32, VALUE_F64 };

/* The kernels take the element type and the task as constant arguments;
 * inlining them into each public wrapper turns those constants into
 * specialised loops without a branch on either. */
#define KERNEL static inline __attribute__((always_inline))

/* ---- allocation ------------------------------------------------------------ */

static size_t n_tables_bins(const trm_calibration *c)
{
    return c->n_bins + 1;
}

static int create(const char *func, trm_calibration **out, size_t n_bins, size_t n_classes,
                  const trm_allocator *alloc)
{
    trm_allocator hooks;
    size_t values, bytes, block;
    if (n_bins == 0 || n_bins > MAX_BINS)
        return trm__fail(TRM_E_INVALID, func, "n_bins = %zu is outside [1, %zu]", n_bins, MAX_BINS);
    if (trm__allocator_copy(func, &hooks, alloc) != TRM_OK)
        return TRM_E_INVALID;
    if (trm__mul_overflows(n_bins + 1, N_TABLES, &values) || trm__mul_overflows(values, sizeof(uint64_t), &bytes) ||
        trm__add_overflows(bytes, HEADER_SIZE, &block))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu bins need more than SIZE_MAX bytes of state", n_bins);
    uint8_t *base = trm__alloc_zeroed(&hooks, block);
    if (base == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes for %zu bins", block, n_bins);
    trm_calibration *c = (trm_calibration *)base;
    uint8_t *tables = base + HEADER_SIZE;
    *c = (trm_calibration){
        .alloc = hooks,
        .n_bins = n_bins,
        .n_classes = n_classes < 2 ? 1 : n_classes,
        .input = TRM_CALIBRATION_PROBABILITIES,
        .ignore = TRM_NO_IGNORE,
        .count = (uint64_t *)tables,
        .hits = (uint64_t *)(tables + (n_bins + 1) * sizeof(uint64_t)),
        .sum_conf = (double *)(tables + 2 * (n_bins + 1) * sizeof(uint64_t)),
    };
    *out = c;
    return TRM_OK;
}

static void copy_tables(trm_calibration *dst, const trm_calibration *src)
{
    size_t bins = n_tables_bins(src);
    memcpy(dst->count, src->count, bins * sizeof *src->count);
    memcpy(dst->hits, src->hits, bins * sizeof *src->hits);
    memcpy(dst->sum_conf, src->sum_conf, bins * sizeof *src->sum_conf);
    dst->n_samples = src->n_samples;
}

/* ---- element access ---------------------------------------------------------- */

static inline double load_value(const void *values, size_t i, enum value_type type)
{
    return type == VALUE_F32 ? (double)((const float *)values)[i] : ((const double *)values)[i];
}

static inline unsigned value_not_finite(const void *values, size_t i, enum value_type type)
{
    return type == VALUE_F32 ? trm__not_finite_f32(((const float *)values)[i])
                             : trm__not_finite_f64(((const double *)values)[i]);
}

/* Outside [0, 1], judged on the bits so that a negative subnormal is refused
 * (and -0 accepted) whatever the denormals-are-zero mode, in which the value
 * itself would compare equal to 0. */
static inline unsigned value_outside_unit(const void *values, size_t i, enum value_type type)
{
    if (type == VALUE_F32) {
        float x = ((const float *)values)[i];
        uint32_t bits;
        memcpy(&bits, &x, sizeof bits);
        return ((bits >> 31) & ((bits << 1) != 0)) | (x > 1.0f);
    }
    double x = ((const double *)values)[i];
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return (unsigned)((bits >> 63) & ((bits << 1) != 0)) | (x > 1.0);
}

/* A binary label must be 0 or 1, a multiclass one in [0, K): both are "< K'" with K' = 2 or K. */
static inline size_t label_limit(const trm_calibration *c)
{
    return c->n_classes == 1 ? 2 : c->n_classes;
}

/* 1 for a sample that counts, 0 for one with the ignore label, without a branch. */
static inline unsigned kept(const trm_calibration *c, int32_t label)
{
    return (unsigned)(!c->has_ignore | ((int64_t)label != c->ignore));
}

/* ---- validation ---------------------------------------------------------------- */

/* Names the first bad element of rows [start, end): a row's label before its scores. */
static int report_row(const char *func, const trm_calibration *c, const int32_t *y_true, const void *scores,
                      size_t start, size_t end, size_t stride, bool probabilities, enum value_type type)
{
    const size_t limit = label_limit(c), k = c->n_classes;
    for (size_t i = start; i < end; i++) {
        if (!kept(c, y_true[i]))
            continue;
        if (trm__outside(y_true[i], limit)) {
            if (k == 1)
                return trm__fail(TRM_E_LABEL, func, "y_true[%zu] = %" PRId32 " is not 0 or 1", i, y_true[i]);
            return trm__fail(TRM_E_LABEL, func, "y_true[%zu] = %" PRId32 " is outside [0, %zu)", i, y_true[i],
                             k);
        }
        for (size_t j = 0; j < k; j++) {
            double s = load_value(scores, i * stride + j, type);
            if (value_not_finite(scores, i * stride + j, type)) {
                if (k == 1)
                    return trm__fail(TRM_E_NONFINITE, func, "scores[%zu] = %g is not finite", i, s);
                return trm__fail(TRM_E_NONFINITE, func, "scores[%zu][%zu] = %g is not finite", i, j, s);
            }
            if (probabilities && value_outside_unit(scores, i * stride + j, type)) {
                if (k == 1)
                    return trm__fail(TRM_E_INVALID, func, "scores[%zu] = %g is not a probability in [0, 1]", i,
                                     s);
                return trm__fail(TRM_E_INVALID, func, "scores[%zu][%zu] = %g is not a probability in [0, 1]", i,
                                 j, s);
            }
        }
    }
    return TRM_OK;
}

/* Block by block, an OR over branch-free tests masked by the row's kept bit;
 * a block that holds a bad element is scanned again. *n_kept receives the
 * number of samples that count. */
KERNEL int check_rows(const char *func, const trm_calibration *c, const int32_t *y_true, const void *scores,
                      size_t n, size_t stride, bool probabilities, enum value_type type, size_t *n_kept)
{
    const size_t limit = label_limit(c), k = c->n_classes;
    size_t count = 0;
    for (size_t start = 0; start < n; start = trm__block_end(start, n)) {
        size_t end = trm__block_end(start, n);
        unsigned bad = 0;
        for (size_t i = start; i < end; i++) {
            unsigned row_bad = (unsigned)trm__outside(y_true[i], limit), keep = kept(c, y_true[i]);
            for (size_t j = 0; j < k; j++)
                row_bad |= value_not_finite(scores, i * stride + j, type) |
                           (probabilities & value_outside_unit(scores, i * stride + j, type));
            bad |= row_bad & keep;
            count += keep;
        }
        if (bad)
            return report_row(func, c, y_true, scores, start, end, stride, probabilities, type);
    }
    *n_kept = count;
    return TRM_OK;
}

/* torchmetrics' test `torch.all((preds >= 0) * (preds <= 1))` on the kept
 * samples of a batch already known to be finite there. */
KERNEL bool all_probabilities(const trm_calibration *c, const int32_t *y_true, const void *scores, size_t n,
                              size_t stride, enum value_type type)
{
    unsigned outside = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned row_outside = 0;
        for (size_t j = 0; j < c->n_classes; j++)
            row_outside |= value_outside_unit(scores, i * stride + j, type);
        outside |= row_outside & kept(c, y_true[i]);
    }
    return outside == 0;
}

/* ---- binning ---------------------------------------------------------------------- */

/* Edge b of the uniform bins: b / n_bins in the precision of the scores. */
static inline double edge(size_t b, size_t n_bins, enum value_type type)
{
    double e = (double)b / (double)n_bins;
    return type == VALUE_F32 ? (double)(float)e : e;
}

/* The number of edges e_1 .. e_n that are <= conf, which is
 * torch.bucketize(conf, edges, right=True) - 1: [e_b, e_b+1) is bin b and
 * conf = 1 is bin n. conf * n lands within one bin of the answer, and the
 * edges, not that product, have the last word. */
static inline size_t bin_of(double conf, size_t n_bins, enum value_type type)
{
    size_t b = (size_t)(conf * (double)n_bins);
    if (b > n_bins)
        b = n_bins;
    while (b > 0 && conf < edge(b, n_bins, type))
        b--;
    while (b < n_bins && conf >= edge(b + 1, n_bins, type))
        b++;
    return b;
}

/* Confidence of the positive class: the score itself or its sigmoid. */
static inline double binary_confidence(double score, bool logits)
{
    return logits ? 1.0 / (1.0 + exp(-score)) : score;
}

/* The largest probability of a row and whether its class, the first of equal
 * maxima, is the label. For logits the softmax keeps the order of the scores,
 * so its maximum is at the first largest logit m and equals
 * 1 / sum_j exp(x_j - m). */
static inline double multiclass_confidence(const void *scores, size_t row, size_t k, int32_t label, bool logits,
                                           enum value_type type, unsigned *correct)
{
    size_t best = 0;
    double top = load_value(scores, row, type);
    for (size_t j = 1; j < k; j++) {
        double s = load_value(scores, row + j, type);
        if (s > top) {
            top = s;
            best = j;
        }
    }
    *correct = best == (size_t)label;
    if (!logits)
        return top;
    double sum = 0.0;
    for (size_t j = 0; j < k; j++)
        sum += exp(load_value(scores, row + j, type) - top);
    return 1.0 / sum;
}

KERNEL int update(const char *func, trm_calibration *c, const int32_t *y_true, const void *scores, size_t n,
                  size_t row_stride, bool multiclass, enum value_type type)
{
    size_t span;
    TRM_REQUIRE_IN(func, c);
    TRM_REQUIRE_IN(func, y_true);
    TRM_REQUIRE_IN(func, scores);
    if (multiclass != (c->n_classes > 1))
        return trm__fail(TRM_E_MISMATCH, func, "the accumulator is %s, the update %s",
                         c->n_classes > 1 ? "multiclass" : "binary", multiclass ? "multiclass" : "binary");
    const size_t k = c->n_classes;
    if (row_stride < k)
        return trm__fail(TRM_E_INVALID, func, "row_stride %zu is smaller than n_classes %zu", row_stride, k);
    if (trm__mul_overflows(n, row_stride, &span))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu rows of stride %zu overflow size_t", n, row_stride);
    const bool probabilities = c->input == TRM_CALIBRATION_PROBABILITIES;
    size_t n_kept = 0;
    int rc = check_rows(func, c, y_true, scores, n, row_stride, probabilities, type, &n_kept);
    if (rc != TRM_OK || n_kept == 0)
        return rc;
    if (n_kept > UINT64_MAX - c->n_samples)
        return trm__fail(TRM_E_OVERFLOW, func, "sample count %" PRIu64 " + %zu overflows", c->n_samples, n_kept);
    bool logits = c->input == TRM_CALIBRATION_LOGITS ||
                  (c->input == TRM_CALIBRATION_AUTO && !all_probabilities(c, y_true, scores, n, row_stride, type));

    for (size_t i = 0; i < n; i++) {
        if (!kept(c, y_true[i]))
            continue;
        unsigned outcome;
        double conf;
        if (multiclass) {
            conf = multiclass_confidence(scores, i * row_stride, k, y_true[i], logits, type, &outcome);
        } else {
            conf = binary_confidence(load_value(scores, i, type), logits);
            outcome = (unsigned)y_true[i];
        }
        size_t b = bin_of(conf, c->n_bins, type);
        c->count[b]++;
        c->hits[b] += outcome;
        c->sum_conf[b] += conf;
    }
    c->n_samples += n_kept;
    return TRM_OK;
}

/* ---- public functions, in the order of calibration.h ------------------------- */

int trm_calibration_new(trm_calibration **out, size_t n_bins, size_t n_classes, const trm_allocator *alloc)
{
    TRM_REQUIRE(out);
    return create(__func__, out, n_bins, n_classes, alloc);
}

void trm_calibration_free(trm_calibration *c)
{
    if (c) {
        trm_allocator hooks = c->alloc;
        trm__free(&hooks, c);
    }
}

int trm_calibration_clone(trm_calibration **out, const trm_calibration *c)
{
    trm_calibration *copy = NULL;
    TRM_REQUIRE(out);
    TRM_REQUIRE(c);
    int rc = create(__func__, &copy, c->n_bins, c->n_classes, c->alloc.alloc ? &c->alloc : NULL);
    if (rc != TRM_OK)
        return rc;
    copy->input = c->input;
    copy->ignore = c->ignore;
    copy->has_ignore = c->has_ignore;
    copy_tables(copy, c);
    *out = copy;
    return TRM_OK;
}

void trm_calibration_reset(trm_calibration *c)
{
    if (c == NULL)
        return;
    size_t bins = n_tables_bins(c);
    memset(c->count, 0, bins * sizeof *c->count);
    memset(c->hits, 0, bins * sizeof *c->hits);
    memset(c->sum_conf, 0, bins * sizeof *c->sum_conf);
    c->n_samples = 0;
}

int trm_calibration_merge(trm_calibration *dst, const trm_calibration *src)
{
    TRM_REQUIRE(dst);
    TRM_REQUIRE(src);
    if (dst->n_bins != src->n_bins)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has %zu bins, src has %zu", dst->n_bins, src->n_bins);
    if (dst->n_classes != src->n_classes)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has %zu classes, src has %zu (1 = binary)", dst->n_classes,
                        src->n_classes);
    if (src->n_samples > UINT64_MAX - dst->n_samples)
        return TRM_FAIL(TRM_E_OVERFLOW, "sample count %" PRIu64 " + %" PRIu64 " overflows", dst->n_samples,
                        src->n_samples);
    /* Read the count before the loop: src may be dst. */
    uint64_t added = src->n_samples;
    for (size_t b = 0; b < n_tables_bins(dst); b++) {
        dst->count[b] += src->count[b];
        dst->hits[b] += src->hits[b];
        dst->sum_conf[b] += src->sum_conf[b];
    }
    dst->n_samples += added;
    return TRM_OK;
}

/* Body of format 1: u64 n_bins, u64 n_classes, u32 input, u32 0, u64
 * n_samples, then the n_bins + 1 counts (u64), the n_bins + 1 hit counts (u64)
 * and the n_bins + 1 sums of confidences (f64). Format 2 puts the i64 ignore
 * label after n_samples; a format-1 blob loads without one, as its writer had. */
enum { FORMAT_V1 = 1, FORMAT_V2 = 2, FORMAT_NEWEST = FORMAT_V2 };
#define BODY_FIXED ((size_t)40)
#define BODY_PER_BIN ((size_t)24)

int trm_calibration_serialize(const trm_calibration *c, uint8_t *buf, size_t cap, size_t *size)
{
    TRM_REQUIRE(c);
    TRM_REQUIRE(size);
    /* These tables already exist in memory, so the body size cannot overflow. */
    int rc = trm__blob_reserve(__func__, BODY_FIXED + n_tables_bins(c) * BODY_PER_BIN, buf, cap, size);
    if (rc != TRM_OK)
        return rc;
    trm__writer w = trm__blob_begin_format(buf, TRM__KIND_CALIBRATION, FORMAT_NEWEST);
    trm__put_u64(&w, c->n_bins);
    trm__put_u64(&w, c->n_classes);
    trm__put_u32(&w, (uint32_t)c->input);
    trm__put_u32(&w, 0);
    trm__put_u64(&w, c->n_samples);
    trm__put_u64(&w, (uint64_t)trm_calibration_ignore_label(c));
    for (size_t b = 0; b < n_tables_bins(c); b++)
        trm__put_u64(&w, c->count[b]);
    for (size_t b = 0; b < n_tables_bins(c); b++)
        trm__put_u64(&w, c->hits[b]);
    for (size_t b = 0; b < n_tables_bins(c); b++)
        trm__put_f64(&w, c->sum_conf[b]);
    trm__blob_seal(&w, buf);
    return TRM_OK;
}

/* Whether a loaded sum of `count` confidences fits bin b: every confidence of
 * the bin lies between its float and double lower edges and below the larger
 * upper edge (the last bin holds only 1s), and a sum of count terms is off
 * their exact sum by at most count roundings. */
static bool sum_fits_bin(double sum, uint64_t count, size_t b, size_t n_bins)
{
    const double float_margin = 0x1p-23, slack = ((double)count + 2.0) * 0x1p-52;
    double lo = b == n_bins ? 1.0 : (double)b / (double)n_bins * (1.0 - float_margin);
    double hi = b == n_bins ? 1.0 : (double)(b + 1) / (double)n_bins * (1.0 + float_margin);
    double n = (double)count;
    if (trm__not_finite_f64(sum) || sum < 0.0)
        return false;
    if (count == 0)
        return sum == 0.0 && !signbit(sum);
    return sum >= lo * n * (1.0 - slack) && sum <= hi * n * (1.0 + slack);
}

/* Reads the tables into a fresh accumulator, refusing values no update could produce. */
static int load_tables(const char *func, trm_calibration *c, trm__reader *r, uint64_t n_samples)
{
    const size_t bins = n_tables_bins(c);
    uint64_t total = 0;
    for (size_t b = 0; b < bins; b++) {
        c->count[b] = trm__get_u64(r);
        if (__builtin_add_overflow(total, c->count[b], &total))
            return trm__fail(TRM_E_CORRUPT, func, "blob bin counts sum past 2^64 - 1");
    }
    if (total != n_samples)
        return trm__fail(TRM_E_CORRUPT, func, "blob bin counts sum to %" PRIu64 ", its sample count is %" PRIu64,
                         total, n_samples);
    for (size_t b = 0; b < bins; b++) {
        c->hits[b] = trm__get_u64(r);
        if (c->hits[b] > c->count[b])
            return trm__fail(TRM_E_CORRUPT, func, "blob bin %zu has %" PRIu64 " hits among %" PRIu64 " samples", b,
                             c->hits[b], c->count[b]);
    }
    for (size_t b = 0; b < bins; b++) {
        c->sum_conf[b] = trm__get_f64(r);
        if (!sum_fits_bin(c->sum_conf[b], c->count[b], b, c->n_bins))
            return trm__fail(TRM_E_CORRUPT, func,
                             "blob bin %zu: a sum of confidences %g does not fit %" PRIu64 " samples in the bin", b,
                             c->sum_conf[b], c->count[b]);
    }
    c->n_samples = n_samples;
    return TRM_OK;
}

int trm_calibration_deserialize(trm_calibration **out, const uint8_t *buf, size_t size,
                                const trm_allocator *alloc)
{
    trm__reader r;
    trm_calibration *c = NULL;
    TRM_REQUIRE(out);
    TRM_REQUIRE(buf);
    uint16_t format;
    int rc = trm__blob_open_format(__func__, buf, size, TRM__KIND_CALIBRATION, FORMAT_NEWEST, &format, &r);
    if (rc != TRM_OK)
        return rc;
    uint64_t n_bins = trm__get_u64(&r);
    uint64_t n_classes = trm__get_u64(&r);
    uint32_t input = trm__get_u32(&r);
    uint32_t reserved = trm__get_u32(&r);
    uint64_t n_samples = trm__get_u64(&r);
    int64_t ignore = format >= FORMAT_V2 ? (int64_t)trm__get_u64(&r) : TRM_NO_IGNORE;
    if (!r.ok || n_bins == 0 || n_bins > MAX_BINS || n_classes == 0 || n_classes > SIZE_MAX ||
        input > TRM_CALIBRATION_AUTO || reserved != 0)
        return TRM_FAIL(TRM_E_CORRUPT, "blob header is invalid");
    /* Compare the body length with what n_bins implies before allocating anything. */
    if (r.left % BODY_PER_BIN != 0 || r.left / BODY_PER_BIN != n_bins + 1)
        return TRM_FAIL(TRM_E_CORRUPT, "blob body of %zu bytes does not hold %" PRIu64 " + 1 bins", r.left,
                        n_bins);
    rc = create(__func__, &c, (size_t)n_bins, (size_t)n_classes, alloc);
    if (rc != TRM_OK)
        return rc;
    c->input = (int)input;
    trm_calibration_set_ignore_label(c, ignore);
    rc = load_tables(__func__, c, &r, n_samples);
    if (rc != TRM_OK) {
        trm_calibration_free(c);
        return rc;
    }
    *out = c;
    return TRM_OK;
}

size_t trm_calibration_n_bins(const trm_calibration *c)
{
    return c ? c->n_bins : 0;
}

size_t trm_calibration_n_classes(const trm_calibration *c)
{
    return c ? c->n_classes : 0;
}

uint64_t trm_calibration_n_samples(const trm_calibration *c)
{
    return c ? c->n_samples : 0;
}

int trm_calibration_set_input(trm_calibration *c, int input)
{
    TRM_REQUIRE(c);
    if (input < TRM_CALIBRATION_PROBABILITIES || input > TRM_CALIBRATION_AUTO)
        return TRM_FAIL(TRM_E_INVALID, "unknown input kind %d", input);
    c->input = input;
    return TRM_OK;
}

int trm_calibration_input(const trm_calibration *c)
{
    TRM_REQUIRE(c);
    return c->input;
}

int trm_calibration_set_ignore_label(trm_calibration *c, int64_t label)
{
    TRM_REQUIRE(c);
    c->ignore = label;
    c->has_ignore = label != TRM_NO_IGNORE;
    return TRM_OK;
}

int64_t trm_calibration_ignore_label(const trm_calibration *c)
{
    return c && c->has_ignore ? c->ignore : TRM_NO_IGNORE;
}

/* One wrapper per task and score type: the kernel above is specialised by both constants. */
#define DEFINE_UPDATES(suffix, T, type)                                                                  \
    int trm_calibration_update_binary_##suffix(trm_calibration *c, const int32_t *y_true, const T *scores, \
                                               size_t n)                                                 \
    {                                                                                                    \
        return update(__func__, c, y_true, scores, n, 1, false, type);                                   \
    }                                                                                                    \
    int trm_calibration_update_multiclass_##suffix(trm_calibration *c, const int32_t *y_true,            \
                                                   const T *scores, size_t n, size_t row_stride)         \
    {                                                                                                    \
        return update(__func__, c, y_true, scores, n, row_stride, true, type);                           \
    }
DEFINE_UPDATES(f32, float, VALUE_F32)
DEFINE_UPDATES(f64, double, VALUE_F64)

int trm_calibration_error(const trm_calibration *c, int norm, double *out)
{
    TRM_REQUIRE(c);
    TRM_REQUIRE(out);
    if (norm < TRM_CALIBRATION_L1 || norm > TRM_CALIBRATION_MAX)
        return TRM_FAIL(TRM_E_INVALID, "unknown norm %d", norm);
    if (c->n_samples == 0)
        return TRM_FAIL(TRM_E_EMPTY, "no sample has been accumulated");
    const double total = (double)c->n_samples;
    double l1 = 0.0, l2 = 0.0, worst = 0.0;
    for (size_t b = 0; b < n_tables_bins(c); b++) {
        if (c->count[b] == 0)
            continue;
        double n = (double)c->count[b];
        double gap = fabs((double)c->hits[b] / n - c->sum_conf[b] / n), share = n / total;
        l1 += gap * share;
        l2 += gap * gap * share;
        worst = gap > worst ? gap : worst;
    }
    *out = norm == TRM_CALIBRATION_L1 ? l1 : norm == TRM_CALIBRATION_L2 ? (l2 > 0.0 ? sqrt(l2) : 0.0) : worst;
    return TRM_OK;
}

int trm_calibration_bins(const trm_calibration *c, uint64_t *counts, double *confidence, double *accuracy)
{
    TRM_REQUIRE(c);
    for (size_t b = 0; b < n_tables_bins(c); b++) {
        double n = (double)c->count[b];
        if (counts)
            counts[b] = c->count[b];
        if (confidence)
            confidence[b] = c->count[b] ? c->sum_conf[b] / n : NAN;
        if (accuracy)
            accuracy[b] = c->count[b] ? (double)c->hits[b] / n : NAN;
    }
    return TRM_OK;
}
