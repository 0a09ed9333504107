/* SPDX-License-Identifier: MIT */
/* Streaming multilabel accumulator: validation pass, counting pass, the
 * per-label and sample-wise metrics, and the handle's life cycle (clone, reset,
 * merge, serialization). Per-label metrics go through the shared tally of
 * tally.c, exactly as the confusion-matrix metrics do. */
#include "fp-private.h"
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "codec-private.h"
#include "common-private.h"
#include "logits-private.h"
#include "tally-private.h"
#include "trainmetrics/multilabel.h"

/* The metrics with a SAMPLES average. For a sample with t true labels, p
 * predicted ones and c both, each is c / d for a denominator d in 0 .. width:
 * precision d = p, recall d = t, F1 d = t + p (value 2c / d), Jaccard
 * d = t + p - c. */
enum { SAMPLE_PRECISION, SAMPLE_RECALL, SAMPLE_F1, SAMPLE_JACCARD, N_SAMPLE_METRICS };

/* What a SAMPLES average needs, exactly and mergeably: samples[d] counts the
 * samples whose denominator was d (d = 0: the metric is undefined for them)
 * and hits[d] sums their c. Both arrays have width + 1 entries; hits[0] stays
 * 0, kept so that recording a sample needs no branch. */
typedef struct sample_sums {
    uint64_t *samples;
    uint64_t *hits;
} sample_sums;

struct trm_multilabel {
    trm_allocator alloc;   /* copy of the creator's hooks; alloc == NULL means malloc */
    size_t n_labels;       /* L >= 1; (13L + 8) * 8 + HEADER_SIZE fits in size_t */
    uint64_t max_samples;  /* (2^64 - 1) / (2L): with n_samples <= max_samples every
                              sum over labels or samples below, even 2 * sum(tp),
                              fits in 64 bits */
    uint64_t n_samples;    /* rows counted, <= max_samples */
    uint64_t exact_rows;   /* rows whose every label was predicted right */
    uint64_t *tp;          /* L counters: rows with label l true and predicted */
    uint64_t *truth;       /* L counters: rows with label l true (tp + fn) */
    uint64_t *pred;        /* L counters: rows with label l predicted (tp + fp) */
    sample_sums sums[N_SAMPLE_METRICS]; /* width L, except 2L for F1 */
};

/* Every counter lives in one run of 64-bit words after a 16-byte aligned
 * header: 3L per-label counters, then samples and hits of each SAMPLES metric
 * (3 * 2(L + 1) + 2(2L + 1) words), so merge, reset and clone are loops over
 * one array. */
#define HEADER_SIZE TRM__HEADER_SIZE(trm_multilabel)
#define WORDS_PER_LABEL ((size_t)13)
#define WORDS_FIXED ((size_t)8)

/* Where the predictions come from: 0/1 bytes, or scores against a threshold. */
enum pred_type { PRED_U8, PRED_F32, PRED_F64 };

/* ---- allocation ------------------------------------------------------------ */

static size_t sample_width(size_t n_labels, int which)
{
    return which == SAMPLE_F1 ? 2 * n_labels : n_labels;
}

static uint64_t *words(const trm_multilabel *m)
{
    return m->tp;
}

static size_t n_words(const trm_multilabel *m)
{
    return WORDS_PER_LABEL * m->n_labels + WORDS_FIXED;
}

static int create(const char *func, trm_multilabel **out, size_t n_labels, const trm_allocator *alloc)
{
    trm_allocator hooks;
    size_t count, bytes, block_size;
    if (n_labels == 0)
        return trm__fail(TRM_E_INVALID, func, "n_labels is 0");
    if (trm__allocator_copy(func, &hooks, alloc) != TRM_OK)
        return TRM_E_INVALID;
    if (trm__mul_overflows(n_labels, WORDS_PER_LABEL, &count) ||
        trm__add_overflows(count, WORDS_FIXED, &count) ||
        trm__mul_overflows(count, sizeof(uint64_t), &bytes) ||
        trm__add_overflows(bytes, HEADER_SIZE, &block_size))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu labels need more than SIZE_MAX bytes of counters",
                         n_labels);
    uint8_t *block = trm__alloc_zeroed(&hooks, block_size);
    if (block == NULL)
        return trm__fail(TRM_E_NOMEM, func, "cannot allocate %zu bytes for %zu labels", block_size, n_labels);
    trm_multilabel *m = (trm_multilabel *)block;
    uint64_t *at = (uint64_t *)(block + HEADER_SIZE);
    *m = (trm_multilabel){
        .alloc = hooks,
        .n_labels = n_labels,
        .max_samples = UINT64_MAX / (2 * (uint64_t)n_labels),
        .tp = at,
        .truth = at + n_labels,
        .pred = at + 2 * n_labels,
    };
    at += 3 * n_labels;
    for (int which = 0; which < N_SAMPLE_METRICS; which++) {
        size_t entries = sample_width(n_labels, which) + 1;
        m->sums[which] = (sample_sums){ at, at + entries };
        at += 2 * entries;
    }
    *out = m;
    return TRM_OK;
}

/* ---- validation ------------------------------------------------------------ */

static inline double load_score(const void *scores, size_t i, enum pred_type type)
{
    return type == PRED_F32 ? (double)((const float *)scores)[i] : ((const double *)scores)[i];
}

/* A threshold is compared in double: converting a float score and a float
 * threshold to double keeps their order exactly. */
static inline size_t load_pred(const void *pred, size_t i, double threshold, enum pred_type type)
{
    if (type == PRED_U8)
        return ((const uint8_t *)pred)[i];
    return load_score(pred, i, type) > threshold;
}

static inline uint64_t bad_pred(const void *pred, size_t i, enum pred_type type)
{
    if (type == PRED_U8)
        return ((const uint8_t *)pred)[i] > 1;
    return !isfinite(load_score(pred, i, type));
}

/* Names the first bad value of [start, end), y_true before the prediction of
 * the same sample and label. */
static int report_value(const char *func, size_t n_labels, const uint8_t *y_true, const void *pred,
                        size_t start, size_t end, enum pred_type type)
{
    for (size_t i = start; i < end; i++) {
        size_t sample = i / n_labels, label = i % n_labels;
        if (y_true[i] > 1)
            return trm__fail(TRM_E_LABEL, func, "y_true[%zu][%zu] = %u is not 0 or 1", sample, label,
                             (unsigned)y_true[i]);
        if (!bad_pred(pred, i, type))
            continue;
        if (type == PRED_U8)
            return trm__fail(TRM_E_LABEL, func, "y_pred[%zu][%zu] = %u is not 0 or 1", sample, label,
                             (unsigned)((const uint8_t *)pred)[i]);
        return trm__fail(TRM_E_NONFINITE, func, "scores[%zu][%zu] = %g is not finite", sample, label,
                         load_score(pred, i, type));
    }
    return TRM_OK;
}

static inline int check_values(const char *func, size_t n_labels, const uint8_t *y_true, const void *pred,
                               size_t n_values, enum pred_type type)
{
    for (size_t start = 0; start < n_values; start = trm__block_end(start, n_values)) {
        size_t end = trm__block_end(start, n_values);
        uint64_t bad = 0;
        for (size_t i = start; i < end; i++)
            bad |= (uint64_t)(y_true[i] > 1) | bad_pred(pred, i, type);
        if (bad)
            return report_value(func, n_labels, y_true, pred, start, end, type);
    }
    return TRM_OK;
}

static int check_room(const char *func, const trm_multilabel *m, uint64_t added)
{
    if (added > m->max_samples - m->n_samples)
        return trm__fail(TRM_E_OVERFLOW, func,
                         "%" PRIu64 " + %" PRIu64 " samples pass the limit of %" PRIu64 " for %zu labels",
                         m->n_samples, added, m->max_samples, m->n_labels);
    return TRM_OK;
}

/* ---- counting -------------------------------------------------------------- */

static inline void record(sample_sums *s, size_t denominator, size_t hits)
{
    s->samples[denominator]++;
    s->hits[denominator] += hits;
}

/* Per row: the per-label counters take branch-free adds of 0/1 values, then
 * the row's totals go to the SAMPLES sums. */
static inline void count_rows(trm_multilabel *m, const uint8_t *y_true, const void *pred, size_t n,
                              double threshold, enum pred_type type)
{
    size_t n_labels = m->n_labels;
    /* The counters and the input never overlap; saying so lets the label loop vectorize. */
    uint64_t *restrict tp = m->tp, *restrict truth = m->truth, *restrict predicted = m->pred;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *restrict row = y_true + i * n_labels;
        size_t n_true = 0, n_pred = 0, n_both = 0;
        for (size_t l = 0; l < n_labels; l++) {
            size_t t = row[l], p = load_pred(pred, i * n_labels + l, threshold, type);
            tp[l] += t & p;
            truth[l] += t;
            predicted[l] += p;
            n_true += t;
            n_pred += p;
            n_both += t & p;
        }
        size_t n_union = n_true + n_pred - n_both;
        m->exact_rows += n_both == n_union;
        record(&m->sums[SAMPLE_PRECISION], n_pred, n_both);
        record(&m->sums[SAMPLE_RECALL], n_true, n_both);
        record(&m->sums[SAMPLE_F1], n_true + n_pred, n_both);
        record(&m->sums[SAMPLE_JACCARD], n_union, n_both);
    }
    m->n_samples += n;
}

/* torchmetrics takes a batch of scores as logits when one lies outside [0, 1]
 * (the scores are known to be finite). */
static inline bool outside_unit(const void *scores, size_t n_values, enum pred_type type)
{
    uint64_t outside = 0;
    for (size_t i = 0; i < n_values; i++) {
        double s = load_score(scores, i, type);
        outside |= (uint64_t)((s < 0.0) | (s > 1.0));
    }
    return outside != 0;
}

static inline int update_rows(const char *func, trm_multilabel *m, const uint8_t *y_true, const void *pred,
                              size_t n, double threshold, uint32_t flags, enum pred_type type)
{
    size_t n_values;
    TRM_REQUIRE_IN(func, m);
    TRM_REQUIRE_IN(func, y_true);
    if (pred == NULL)
        return trm__fail(TRM_E_INVALID, func, "%s is NULL", type == PRED_U8 ? "y_pred" : "scores");
    if (isnan(threshold))
        return trm__fail(TRM_E_INVALID, func, "threshold is NaN");
    if (trm__mul_overflows(n, m->n_labels, &n_values))
        return trm__fail(TRM_E_OVERFLOW, func, "%zu samples of %zu labels overflow size_t", n, m->n_labels);
    int rc = trm__check_score_flags(func, flags);
    if (rc == TRM_OK)
        rc = check_room(func, m, n);
    if (rc == TRM_OK)
        rc = check_values(func, m->n_labels, y_true, pred, n_values, type);
    if (rc != TRM_OK)
        return rc;
    if ((flags & TRM_SCORES_AUTO) && outside_unit(pred, n_values, type))
        flags = TRM_SCORES_LOGITS;
    /* The cut on the raw scores that the threshold on their sigmoid stands for. */
    if (flags & TRM_SCORES_LOGITS)
        threshold = type == PRED_F32 ? (double)trm__logit_cut_f32((float)threshold) : trm__logit_cut_f64(threshold);
    count_rows(m, y_true, pred, n, threshold, type);
    return TRM_OK;
}

/* ---- metrics --------------------------------------------------------------- */

/* The per-label tally: tp, row = tp + fn, col = tp + fp, tn, total = n_samples. */
static int tally_open(const char *func, const void *source, trm__tally *t)
{
    const trm_multilabel *m = source;
    int rc = trm__tally_alloc(func, &m->alloc, m->n_labels, t);
    if (rc != TRM_OK)
        return rc;
    for (size_t l = 0; l < m->n_labels; l++) {
        t->tp[l] = (double)m->tp[l];
        t->row[l] = (double)m->truth[l];
        t->col[l] = (double)m->pred[l];
        t->tn[l] = (double)(m->n_samples - m->truth[l] - m->pred[l] + m->tp[l]);
    }
    t->total = (double)m->n_samples;
    return TRM_OK;
}

static double support_sum(const trm_multilabel *m)
{
    uint64_t sum = 0; /* <= n_samples * L, which fits */
    for (size_t l = 0; l < m->n_labels; l++)
        sum += m->truth[l];
    return (double)sum;
}

static int sample_metric(int metric)
{
    switch (metric) {
    case TRM_PRECISION: return SAMPLE_PRECISION;
    case TRM_RECALL: return SAMPLE_RECALL;
    case TRM_F1: return SAMPLE_F1;
    case TRM_JACCARD: return SAMPLE_JACCARD;
    default: return -1;
    }
}

/* Mean over samples of c / d (2c / d for F1). Undefined samples (d = 0) count
 * with the zero_division value, or leave the mean with NAN. */
static double samples_average(const trm_multilabel *m, int which, int zero_division)
{
    const sample_sums *s = &m->sums[which];
    double scale = which == SAMPLE_F1 ? 2.0 : 1.0, sum = 0.0;
    for (size_t d = 1; d <= sample_width(m->n_labels, which); d++)
        sum += scale * (double)s->hits[d] / (double)d;
    uint64_t undefined = s->samples[0], defined = m->n_samples - undefined;
    if (zero_division == TRM_ZERO_DIVISION_NAN)
        return defined ? sum / (double)defined : NAN;
    if (m->n_samples == 0)
        return trm__zero_division_value(zero_division);
    return (sum + (double)undefined * trm__zero_division_value(zero_division)) / (double)m->n_samples;
}

/* ---- public functions, in the order of multilabel.h ------------------------ */

int trm_multilabel_new(trm_multilabel **out, size_t n_labels, const trm_allocator *alloc)
{
    TRM_REQUIRE(out);
    return create(__func__, out, n_labels, alloc);
}

void trm_multilabel_free(trm_multilabel *m)
{
    if (m) {
        trm_allocator hooks = m->alloc;
        trm__free(&hooks, m);
    }
}

int trm_multilabel_clone(trm_multilabel **out, const trm_multilabel *m)
{
    trm_multilabel *copy;
    TRM_REQUIRE(out);
    TRM_REQUIRE(m);
    int rc = create(__func__, &copy, m->n_labels, m->alloc.alloc ? &m->alloc : NULL);
    if (rc != TRM_OK)
        return rc;
    memcpy(words(copy), words(m), n_words(m) * sizeof(uint64_t));
    copy->n_samples = m->n_samples;
    copy->exact_rows = m->exact_rows;
    *out = copy;
    return TRM_OK;
}

void trm_multilabel_reset(trm_multilabel *m)
{
    if (m == NULL)
        return;
    memset(words(m), 0, n_words(m) * sizeof(uint64_t));
    m->n_samples = 0;
    m->exact_rows = 0;
}

int trm_multilabel_merge(trm_multilabel *dst, const trm_multilabel *src)
{
    TRM_REQUIRE(dst);
    TRM_REQUIRE(src);
    if (dst->n_labels != src->n_labels)
        return TRM_FAIL(TRM_E_MISMATCH, "dst has %zu labels, src has %zu", dst->n_labels, src->n_labels);
    int rc = check_room(__func__, dst, src->n_samples);
    if (rc != TRM_OK)
        return rc;
    /* Each word is read before it is written, so merging into itself doubles it;
     * every sum stays in 64 bits because the sample count does. */
    uint64_t *to = words(dst);
    const uint64_t *from = words(src);
    for (size_t i = 0; i < n_words(dst); i++)
        to[i] += from[i];
    dst->exact_rows += src->exact_rows;
    dst->n_samples += src->n_samples;
    return TRM_OK;
}

/* Body: 3 words u64 L, u64 n_samples, u64 exact_rows; then 14L + 4 words of
 * arrays: L x (tn, fp, fn, tp), and for precision, recall, F1 and Jaccard in
 * turn samples[0 .. w] and hits[1 .. w] (w = L, 2L for F1). */
#define BODY_HEADER_WORDS ((size_t)3)
#define ARRAY_WORDS_PER_LABEL ((size_t)14)
#define ARRAY_WORDS_FIXED ((size_t)4)

int trm_multilabel_serialize(const trm_multilabel *m, uint8_t *buf, size_t cap, size_t *size)
{
    TRM_REQUIRE(m);
    TRM_REQUIRE(size);
    size_t body_words, body;
    if (trm__mul_overflows(m->n_labels, ARRAY_WORDS_PER_LABEL, &body_words) ||
        trm__add_overflows(body_words, BODY_HEADER_WORDS + ARRAY_WORDS_FIXED, &body_words) ||
        trm__mul_overflows(body_words, sizeof(uint64_t), &body))
        return TRM_FAIL(TRM_E_OVERFLOW, "a blob for %zu labels does not fit in size_t", m->n_labels);
    int rc = trm__blob_reserve(__func__, body, buf, cap, size);
    if (rc != TRM_OK)
        return rc;
    trm__writer w = trm__blob_begin(buf, TRM__KIND_MULTILABEL);
    trm__put_u64(&w, m->n_labels);
    trm__put_u64(&w, m->n_samples);
    trm__put_u64(&w, m->exact_rows);
    for (size_t l = 0; l < m->n_labels; l++) {
        trm__put_u64(&w, m->n_samples - m->truth[l] - m->pred[l] + m->tp[l]);
        trm__put_u64(&w, m->pred[l] - m->tp[l]);
        trm__put_u64(&w, m->truth[l] - m->tp[l]);
        trm__put_u64(&w, m->tp[l]);
    }
    for (int which = 0; which < N_SAMPLE_METRICS; which++) {
        const sample_sums *s = &m->sums[which];
        size_t width = sample_width(m->n_labels, which);
        for (size_t d = 0; d <= width; d++)
            trm__put_u64(&w, s->samples[d]);
        for (size_t d = 1; d <= width; d++)
            trm__put_u64(&w, s->hits[d]);
    }
    trm__blob_seal(&w, buf);
    return TRM_OK;
}

/* The per-label sums every SAMPLES array must reproduce. */
typedef struct label_sums {
    uint64_t tp, fp, fn;
} label_sums;

static int corrupt(const char *func, const char *what)
{
    return trm__fail(TRM_E_CORRUPT, func, "blob is inconsistent: %s", what);
}

static int load_labels(const char *func, trm_multilabel *m, trm__reader *r, label_sums *sums)
{
    *sums = (label_sums){ 0, 0, 0 };
    for (size_t l = 0; l < m->n_labels; l++) {
        uint64_t tn = trm__get_u64(r), fp = trm__get_u64(r), fn = trm__get_u64(r), tp = trm__get_u64(r);
        uint64_t total;
        if (__builtin_add_overflow(tn, fp, &total) || __builtin_add_overflow(total, fn, &total) ||
            __builtin_add_overflow(total, tp, &total) || total != m->n_samples)
            return trm__fail(TRM_E_CORRUPT, func,
                             "blob label %zu: tn + fp + fn + tp is not the sample count %" PRIu64, l,
                             m->n_samples);
        m->tp[l] = tp;
        m->truth[l] = tp + fn;
        m->pred[l] = tp + fp;
        /* Each count is at most n_samples <= (2^64 - 1) / (2L): no sum overflows. */
        sums->tp += tp;
        sums->fp += fp;
        sums->fn += fn;
    }
    uint64_t wrong = sums->fp + sums->fn, wrong_rows = m->n_samples - m->exact_rows;
    /* Every row that is not exact has between 1 and L wrong labels. */
    if (wrong < wrong_rows || wrong > wrong_rows * (uint64_t)m->n_labels)
        return corrupt(func, "the exact-row count does not fit the per-label errors");
    return TRM_OK;
}

/* One SAMPLES array: its samples sum to n_samples, each hit sum is at most what
 * its denominator allows, the denominators add up to the per-label marginal
 * they count, and the hits to the total tp. */
static int load_sample_sums(const char *func, trm_multilabel *m, trm__reader *r, int which,
                            uint64_t marginal, uint64_t tp_sum)
{
    sample_sums *s = &m->sums[which];
    size_t width = sample_width(m->n_labels, which);
    uint64_t samples = 0, weighted = 0, hits = 0;
    for (size_t d = 0; d <= width; d++) {
        s->samples[d] = trm__get_u64(r);
        if (__builtin_add_overflow(samples, s->samples[d], &samples))
            return corrupt(func, "sample counts overflow");
    }
    if (samples != m->n_samples)
        return corrupt(func, "sample counts do not add up to the sample count");
    /* Now each samples[d] <= n_samples, so d * samples[d] <= 2L * n_samples fits,
     * and so do the sums below. */
    for (size_t d = 1; d <= width; d++) {
        uint64_t h = trm__get_u64(r), limit = (uint64_t)d * s->samples[d];
        if (which == SAMPLE_F1)
            limit /= 2; /* c <= min(t, p) <= (t + p) / 2 */
        if (h > limit)
            return corrupt(func, "a sample-wise hit sum exceeds its denominators");
        s->hits[d] = h;
        weighted += (uint64_t)d * s->samples[d];
        hits += h;
    }
    if (weighted != marginal || hits != tp_sum)
        return corrupt(func, "sample-wise sums do not match the per-label counts");
    return TRM_OK;
}

static int load_counts(const char *func, trm_multilabel *m, trm__reader *r)
{
    label_sums sums;
    int rc = load_labels(func, m, r, &sums);
    const uint64_t marginal[N_SAMPLE_METRICS] = {
        [SAMPLE_PRECISION] = sums.tp + sums.fp,
        [SAMPLE_RECALL] = sums.tp + sums.fn,
        [SAMPLE_F1] = 2 * sums.tp + sums.fp + sums.fn,
        [SAMPLE_JACCARD] = sums.tp + sums.fp + sums.fn,
    };
    for (int which = 0; rc == TRM_OK && which < N_SAMPLE_METRICS; which++)
        rc = load_sample_sums(func, m, r, which, marginal[which], sums.tp);
    if (rc != TRM_OK)
        return rc;
    /* Rows with nothing true and nothing predicted: undefined for F1 and
     * Jaccard alike, among those undefined for precision and for recall, and
     * exact matches. */
    uint64_t empty = m->sums[SAMPLE_F1].samples[0];
    uint64_t no_pred = m->sums[SAMPLE_PRECISION].samples[0], no_true = m->sums[SAMPLE_RECALL].samples[0];
    if (m->sums[SAMPLE_JACCARD].samples[0] != empty || empty > no_pred || empty > no_true ||
        no_pred + no_true - empty > m->n_samples || empty > m->exact_rows)
        return corrupt(func, "the counts of empty rows disagree");
    return TRM_OK;
}

int trm_multilabel_deserialize(trm_multilabel **out, const uint8_t *buf, size_t size,
                               const trm_allocator *alloc)
{
    trm__reader r;
    trm_multilabel *m;
    TRM_REQUIRE(out);
    TRM_REQUIRE(buf);
    int rc = trm__blob_open(__func__, buf, size, TRM__KIND_MULTILABEL, &r);
    if (rc != TRM_OK)
        return rc;
    uint64_t n_labels = trm__get_u64(&r);
    uint64_t n_samples = trm__get_u64(&r);
    uint64_t exact_rows = trm__get_u64(&r);
    if (!r.ok || n_labels == 0)
        return TRM_FAIL(TRM_E_CORRUPT, "blob header is invalid");
    /* Compare the array length with what L implies before allocating anything;
     * a length that matches bounds L by the blob's own size. */
    size_t array_words = r.left / sizeof(uint64_t);
    if (r.left % sizeof(uint64_t) != 0 || array_words < ARRAY_WORDS_FIXED ||
        (array_words - ARRAY_WORDS_FIXED) % ARRAY_WORDS_PER_LABEL != 0 ||
        (array_words - ARRAY_WORDS_FIXED) / ARRAY_WORDS_PER_LABEL != n_labels)
        return TRM_FAIL(TRM_E_CORRUPT, "blob body does not hold %" PRIu64 " labels", n_labels);
    if (n_samples > UINT64_MAX / (2 * n_labels) || exact_rows > n_samples)
        return TRM_FAIL(TRM_E_CORRUPT, "blob sample counts are invalid");
    rc = create(__func__, &m, (size_t)n_labels, alloc);
    if (rc != TRM_OK)
        return rc;
    m->n_samples = n_samples;
    m->exact_rows = exact_rows;
    rc = load_counts(__func__, m, &r);
    if (rc != TRM_OK) {
        trm_multilabel_free(m);
        return rc;
    }
    *out = m;
    return TRM_OK;
}

size_t trm_multilabel_n_labels(const trm_multilabel *m)
{
    return m ? m->n_labels : 0;
}

uint64_t trm_multilabel_n_samples(const trm_multilabel *m)
{
    return m ? m->n_samples : 0;
}

int trm_multilabel_update_u8(trm_multilabel *m, const uint8_t *y_true, const uint8_t *y_pred, size_t n_samples)
{
    return update_rows(__func__, m, y_true, y_pred, n_samples, 0.0, 0, PRED_U8);
}

/* One wrapper per score type: the kernels above are specialised by the constant type. */
#define DEFINE_UPDATE_THRESHOLD(suffix, T, type)                                                          \
    int trm_multilabel_update_threshold_##suffix(trm_multilabel *m, const uint8_t *y_true, const T *scores, \
                                                 size_t n_samples, T threshold)                           \
    {                                                                                                     \
        return update_rows(__func__, m, y_true, scores, n_samples, threshold, 0, type);                   \
    }                                                                                                     \
    int trm_multilabel_update_threshold_flags_##suffix(trm_multilabel *m, const uint8_t *y_true,          \
                                                       const T *scores, size_t n_samples, T threshold,    \
                                                       uint32_t flags)                                    \
    {                                                                                                     \
        return update_rows(__func__, m, y_true, scores, n_samples, threshold, flags, type);               \
    }
DEFINE_UPDATE_THRESHOLD(f32, float, PRED_F32)
DEFINE_UPDATE_THRESHOLD(f64, double, PRED_F64)

int trm_multilabel_counts(const trm_multilabel *m, uint64_t *out)
{
    TRM_REQUIRE(m);
    TRM_REQUIRE(out);
    for (size_t l = 0; l < m->n_labels; l++) {
        out[4 * l + 0] = m->n_samples - m->truth[l] - m->pred[l] + m->tp[l];
        out[4 * l + 1] = m->pred[l] - m->tp[l];
        out[4 * l + 2] = m->truth[l] - m->tp[l];
        out[4 * l + 3] = m->tp[l];
    }
    return TRM_OK;
}

int trm_multilabel_metric_per_label(const trm_multilabel *m, int metric, int zero_division, double *out)
{
    TRM_REQUIRE(m);
    TRM_REQUIRE(out);
    return trm__tally_per_class_of(__func__, tally_open, m, false, metric, 1.0, zero_division, out);
}

int trm_multilabel_metric_average(const trm_multilabel *m, int metric, int average, int zero_division,
                                  double *out)
{
    TRM_REQUIRE(m);
    TRM_REQUIRE(out);
    int rc = trm__check_metric(__func__, metric, zero_division);
    if (rc == TRM_OK)
        rc = trm__check_average(__func__, average, 1);
    if (rc != TRM_OK)
        return rc;
    if (metric == TRM_SUPPORT) {
        *out = support_sum(m);
        return TRM_OK;
    }
    if (average == TRM_AVERAGE_SAMPLES) {
        int which = sample_metric(metric);
        if (which < 0)
            return TRM_FAIL(TRM_E_INVALID, "metric %d has no SAMPLES average (precision, recall, F1, "
                                           "Jaccard and support have)", metric);
        *out = samples_average(m, which, zero_division);
        return TRM_OK;
    }
    return trm__tally_average_of(__func__, tally_open, m, false, metric, 1.0, average, zero_division, out);
}

int trm_multilabel_subset_accuracy(const trm_multilabel *m, double *out)
{
    TRM_REQUIRE(m);
    TRM_REQUIRE(out);
    if (m->n_samples == 0)
        return TRM_FAIL(TRM_E_EMPTY, "no sample has been counted");
    *out = (double)m->exact_rows / (double)m->n_samples;
    return TRM_OK;
}

int trm_multilabel_hamming_loss(const trm_multilabel *m, double *out)
{
    TRM_REQUIRE(m);
    TRM_REQUIRE(out);
    if (m->n_samples == 0)
        return TRM_FAIL(TRM_E_EMPTY, "no sample has been counted");
    uint64_t wrong = 0; /* fp + fn over labels, <= n_samples * L, which fits */
    for (size_t l = 0; l < m->n_labels; l++)
        wrong += m->truth[l] + m->pred[l] - 2 * m->tp[l];
    *out = (double)wrong / ((double)m->n_samples * (double)m->n_labels);
    return TRM_OK;
}
