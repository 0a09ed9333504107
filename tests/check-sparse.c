/* SPDX-License-Identifier: MIT */
/* The sparse confusion matrix: a hand-computed table; equality with the dense
 * matrix on the same pairs (bit for bit except kappa); bad batches and failed
 * table growth that change nothing; the memory of a million classes; every
 * floating-point mode; streaming, merging and serialization against one-shot
 * counting. The differential tests against scikit-learn and NumPy are in
 * bindings/python/tests/test_sparse.py. */
#include <stdbool.h>
#include <stdio.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#else
#define HAVE_MXCSR 0
#endif

#include "testutil.h"

DEFINE_SNAPSHOTS(sparse_confusion)

typedef trm_sparse_confusion sparse;

/* The detail of the last rejected call, kept before the snapshot that follows
 * it (a large blob's size query) sets another. */
static char rejected_detail[512];

static void rejected_mentions(const char *needle)
{
    ck_assert_msg(strstr(rejected_detail, needle) != NULL, "the detail \"%s\" lacks \"%s\"", rejected_detail,
                  needle);
}

#define ck_assert_sparse_rejected(code, h, call)                                        \
    do {                                                                                \
        size_t before_size_ = 0;                                                        \
        uint8_t *before_ = snapshot_sparse_confusion((h), &before_size_);               \
        ck_assert_fails((code), (call));                                                \
        snprintf(rejected_detail, sizeof rejected_detail, "%s", trm_last_error());      \
        ck_assert_unchanged_sparse_confusion((h), before_, before_size_);               \
        free(before_);                                                                  \
    } while (0)

static sparse *make(size_t k, uint32_t flags)
{
    sparse *cm = NULL;
    ck_assert_ok(trm_sparse_confusion_new(&cm, k, flags, NULL));
    return cm;
}

/* ---- an allocator that counts bytes and can fail the n-th call ------------------ */

typedef struct budget {
    size_t calls, fail_at; /* fail_at: the call number that answers NULL; 0 never */
    size_t live_bytes, peak_bytes, live_blocks;
} budget;

static void *budget_alloc(void *opaque, size_t size)
{
    budget *b = opaque;
    if (++b->calls == b->fail_at || size > SIZE_MAX - 32)
        return NULL;
    uint8_t *p = aligned_alloc(16, (size + 16 + 15) & ~(size_t)15);
    if (p == NULL)
        return NULL;
    memcpy(p, &size, sizeof size);
    b->live_bytes += size;
    b->live_blocks++;
    if (b->live_bytes > b->peak_bytes)
        b->peak_bytes = b->live_bytes;
    return p + 16;
}

static void budget_free(void *opaque, void *ptr)
{
    budget *b = opaque;
    if (ptr == NULL)
        return;
    uint8_t *p = (uint8_t *)ptr - 16;
    size_t size;
    memcpy(&size, p, sizeof size);
    b->live_bytes -= size;
    b->live_blocks--;
    free(p);
}

/* ---- a deterministic generator ---------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Labels clustered near the true one, so the matrix has both repeated and
 * single cells, and a few classes never appear. */
static void random_pairs(int32_t *t, int32_t *p, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        t[i] = (int32_t)(next_random() % k);
        uint64_t r = next_random() % 10;
        p[i] = r < 5 ? t[i] : r < 8 ? (int32_t)((t[i] + 1 + next_random() % 3) % k) : (int32_t)(next_random() % k);
    }
}

/* ---- the hand table ----------------------------------------------------------------
 * K = 5, class 4 never appears. Rows are true classes:
 *   row 0: 2 1 0 0 0   (3)      column sums 3 3 1 3 0, n = 10, tp 2 1 1 2 0
 *   row 1: 0 1 0 1 0   (2)
 *   row 2: 1 0 1 0 0   (2)
 *   row 3: 0 1 0 2 0   (3)
 * precision 2/3 1/3 1 2/3 -, recall 2/3 1/2 1/2 2/3 -, F1 = 2tp/(row+col)
 * 2/3 2/5 2/3 2/3 -; accuracy 6/10; balanced accuracy (2/3+1/2+1/2+2/3)/4 = 7/12;
 * macro F1 (12/5)/5, macro-present (12/5)/4, weighted (2+4/5+4/3+2)/10 = 46/75.
 * kappa: po = .6, pe = (9+6+2+9)/100 -> 17/37; linear: observed 1+2+2+2 = 7,
 * expected sum |i-j| col_i row_j / n = (45+33+11+45)/10 -> 1 - 7/13.4 = 32/67;
 * quadratic: observed 1+4+4+4 = 13, expected (111+51+17+111)/10 = 29 -> 16/29.
 * MCC: (6*10 - 26) / sqrt((100 - 28)(100 - 26)) = 34/sqrt(5328).
 * Class 0: tn = 10 - 3 - 3 + 2 = 6, fp = 1, specificity 6/7. */
static const int32_t hand_t[] = { 0, 0, 0, 1, 1, 2, 2, 3, 3, 3 };
static const int32_t hand_p[] = { 0, 0, 1, 1, 3, 2, 0, 3, 3, 1 };

static sparse *hand_matrix(void)
{
    sparse *cm = make(5, 0);
    ck_assert_ok(trm_sparse_confusion_update_i32(cm, hand_t, hand_p, 10));
    return cm;
}

START_TEST(hand_table_metrics)
{
    sparse *cm = hand_matrix();
    double v[5], x;
    const double precision[] = { 2.0 / 3, 1.0 / 3, 1.0, 2.0 / 3, 0.0 };
    const double recall[] = { 2.0 / 3, 0.5, 0.5, 2.0 / 3, 1.0 };
    const double f1[] = { 2.0 / 3, 0.4, 2.0 / 3, 2.0 / 3, 0.0 };
    ck_assert_uint_eq(trm_sparse_confusion_n_samples(cm), 10);
    ck_assert_uint_eq(trm_sparse_confusion_n_classes(cm), 5);
    ck_assert_ok(trm_sparse_confusion_metric_per_class(cm, TRM_PRECISION, TRM_ZERO_DIVISION_ZERO, v));
    for (int c = 0; c < 5; c++)
        ck_assert_close(v[c], precision[c]);
    ck_assert_ok(trm_sparse_confusion_metric_per_class(cm, TRM_RECALL, TRM_ZERO_DIVISION_ONE, v));
    for (int c = 0; c < 5; c++)
        ck_assert_close(v[c], recall[c]);
    ck_assert_ok(trm_sparse_confusion_metric_per_class(cm, TRM_F1, TRM_ZERO_DIVISION_NAN, v));
    for (int c = 0; c < 4; c++)
        ck_assert_close(v[c], f1[c]);
    ck_assert(isnan(v[4]));
    ck_assert_ok(trm_sparse_confusion_fbeta_per_class(cm, 1.0, TRM_ZERO_DIVISION_ZERO, v));
    for (int c = 0; c < 5; c++)
        ck_assert_close(v[c], f1[c]);
    ck_assert_ok(trm_sparse_confusion_metric_per_class(cm, TRM_SPECIFICITY, TRM_ZERO_DIVISION_ZERO, v));
    ck_assert_close(v[0], 6.0 / 7);
    ck_assert_ok(trm_sparse_confusion_metric_per_class(cm, TRM_SUPPORT, TRM_ZERO_DIVISION_ZERO, v));
    ck_assert_close(v[3], 3.0);

    ck_assert_ok(trm_sparse_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &x));
    ck_assert_close(x, 12.0 / 25);
    ck_assert_ok(trm_sparse_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_MACRO_PRESENT, TRM_ZERO_DIVISION_ZERO, &x));
    ck_assert_close(x, 0.6);
    ck_assert_ok(trm_sparse_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_WEIGHTED, TRM_ZERO_DIVISION_ZERO, &x));
    ck_assert_close(x, 46.0 / 75);
    ck_assert_ok(trm_sparse_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_MICRO, TRM_ZERO_DIVISION_ZERO, &x));
    ck_assert_close(x, 0.6);
    /* NaN entries leave the average: the mean over the four defined classes */
    ck_assert_ok(trm_sparse_confusion_fbeta_average(cm, 1.0, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_NAN, &x));
    ck_assert_close(x, 0.6);
    ck_assert_ok(trm_sparse_confusion_metric_average(cm, TRM_SUPPORT, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &x));
    ck_assert_close(x, 10.0);

    ck_assert_ok(trm_sparse_confusion_accuracy(cm, &x));
    ck_assert_close(x, 0.6);
    ck_assert_ok(trm_sparse_confusion_balanced_accuracy(cm, 0, &x));
    ck_assert_close(x, 7.0 / 12);
    ck_assert_ok(trm_sparse_confusion_balanced_accuracy(cm, 1, &x));
    ck_assert_close(x, (7.0 / 12 - 0.25) / 0.75);
    ck_assert_ok(trm_sparse_confusion_cohen_kappa(cm, TRM_KAPPA_NONE, &x));
    ck_assert_close(x, 17.0 / 37);
    ck_assert_ok(trm_sparse_confusion_cohen_kappa(cm, TRM_KAPPA_LINEAR, &x));
    ck_assert_close(x, 32.0 / 67);
    ck_assert_ok(trm_sparse_confusion_cohen_kappa(cm, TRM_KAPPA_QUADRATIC, &x));
    ck_assert_close(x, 16.0 / 29);
    ck_assert_ok(trm_sparse_confusion_matthews_corrcoef(cm, &x));
    ck_assert_close(x, 34.0 / sqrt(5328.0));
    trm_sparse_confusion_free(cm);
}
END_TEST

START_TEST(hand_table_cells)
{
    sparse *cm = hand_matrix();
    const int64_t want_t[] = { 0, 0, 1, 1, 2, 2, 3, 3 }, want_p[] = { 0, 1, 1, 3, 0, 2, 1, 3 };
    const double want_v[] = { 2, 1, 1, 1, 1, 1, 1, 2 };
    int64_t t[8], p[8];
    double v[8], total;
    size_t n = 0;
    ck_assert_uint_eq(trm_sparse_confusion_n_cells(cm), 8);
    ck_assert_fails(TRM_E_BUFFER, trm_sparse_confusion_cells(cm, t, p, v, 7, &n));
    ck_assert_uint_eq(n, 8);
    ck_assert_fails(TRM_E_BUFFER, trm_sparse_confusion_cells(cm, NULL, p, v, 8, &n));
    ck_assert_ok(trm_sparse_confusion_cells(cm, t, p, v, 8, &n));
    ck_assert_uint_eq(n, 8);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(t[i], want_t[i]);
        ck_assert_int_eq(p[i], want_p[i]);
        ck_assert_double_eq(v[i], want_v[i]);
    }
    ck_assert_ok(trm_sparse_confusion_total(cm, &total));
    ck_assert_double_eq(total, 10.0);
    /* 12 + 48 + 24 K + 16 per off-diagonal cell */
    size_t size = 0;
    ck_assert_fails(TRM_E_BUFFER, trm_sparse_confusion_serialize(cm, NULL, 0, &size));
    ck_assert_uint_eq(size, 12 + 48 + 24 * 5 + 16 * 4);
    trm_sparse_confusion_free(cm);
}
END_TEST

/* Weighted: the hand table with weight 0.5 on every pair of row 3, and one
 * pair of weight 0, which counts as a sample and adds nothing. */
START_TEST(weighted_hand_table)
{
    sparse *cm = make(5, TRM_CONFUSION_WEIGHTED);
    double w[11] = { 1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0 }, x, v[5];
    int32_t t[11], p[11];
    memcpy(t, hand_t, sizeof hand_t);
    memcpy(p, hand_p, sizeof hand_p);
    t[10] = 4;
    p[10] = 2;
    ck_assert_ok(trm_sparse_confusion_update_weighted_i32(cm, t, p, w, 11));
    ck_assert_uint_eq(trm_sparse_confusion_n_samples(cm), 11);
    ck_assert_uint_eq(trm_sparse_confusion_n_cells(cm), 8);
    ck_assert_ok(trm_sparse_confusion_total(cm, &x));
    ck_assert_double_eq(x, 8.5);
    /* accuracy (2 + 1 + 1 + 1) / 8.5; precision of class 3: 1 / (1 + 1) */
    ck_assert_ok(trm_sparse_confusion_accuracy(cm, &x));
    ck_assert_close(x, 5.0 / 8.5);
    ck_assert_ok(trm_sparse_confusion_metric_per_class(cm, TRM_PRECISION, TRM_ZERO_DIVISION_ZERO, v));
    ck_assert_close(v[3], 0.5);
    ck_assert_close(v[1], 1.0 / 2.5);
    /* the unweighted update adds weight 1 a pair */
    ck_assert_ok(trm_sparse_confusion_update_i32(cm, hand_t, hand_p, 2));
    ck_assert_ok(trm_sparse_confusion_total(cm, &x));
    ck_assert_double_eq(x, 10.5);
    trm_sparse_confusion_free(cm);
}
END_TEST

START_TEST(empty_and_undefined)
{
    sparse *cm = make(3, 0);
    double x = -1, v[3];
    ck_assert_sparse_rejected(TRM_E_EMPTY, cm, trm_sparse_confusion_accuracy(cm, &x));
    ck_assert_fails(TRM_E_EMPTY, trm_sparse_confusion_balanced_accuracy(cm, 0, &x));
    ck_assert_fails(TRM_E_EMPTY, trm_sparse_confusion_cohen_kappa(cm, 0, &x));
    ck_assert_fails(TRM_E_EMPTY, trm_sparse_confusion_matthews_corrcoef(cm, &x));
    ck_assert_double_eq(x, -1);
    ck_assert_ok(trm_sparse_confusion_metric_per_class(cm, TRM_PRECISION, TRM_ZERO_DIVISION_ONE, v));
    ck_assert_double_eq(v[2], 1.0);
    ck_assert_ok(trm_sparse_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_MACRO_PRESENT, TRM_ZERO_DIVISION_ONE, &x));
    ck_assert_double_eq(x, 1.0);
    /* every pair in one class: kappa 0/0 is NaN, MCC's zero denominator 0 */
    const int32_t same[] = { 2, 2, 2 };
    ck_assert_ok(trm_sparse_confusion_update_i32(cm, same, same, 3));
    for (int w = TRM_KAPPA_NONE; w <= TRM_KAPPA_QUADRATIC; w++) {
        ck_assert_ok(trm_sparse_confusion_cohen_kappa(cm, w, &x));
        ck_assert(isnan(x));
    }
    ck_assert_ok(trm_sparse_confusion_matthews_corrcoef(cm, &x));
    ck_assert_double_eq(x, 0.0);
    /* balanced accuracy leaves out the classes without true samples */
    ck_assert_ok(trm_sparse_confusion_balanced_accuracy(cm, 0, &x));
    ck_assert_double_eq(x, 1.0);
    trm_sparse_confusion_free(cm);
}
END_TEST

/* ---- the same numbers as the dense matrix ------------------------------------------ */

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

START_TEST(equals_dense_matrix)
{
    enum { K = 37, N = 3000 };
    static int32_t t[N], p[N];
    double ds[K], ss[K], d, s;
    random_pairs(t, p, N, K - 3); /* the last three classes stay empty */
    for (int weighted = 0; weighted <= 1; weighted++) {
        uint32_t flags = weighted ? TRM_CONFUSION_WEIGHTED : 0;
        trm_confusion *dense = NULL;
        sparse *cm = make(K, flags);
        ck_assert_ok(trm_confusion_new(&dense, K, flags, NULL));
        ck_assert_ok(trm_confusion_update_i32(dense, t, p, N));
        ck_assert_ok(trm_sparse_confusion_update_i32(cm, t, p, N));
#define SAME(a, b)                                                                                   \
    ck_assert_msg(weighted ? fabs((a) - (b)) <= 1e-12 * fmax(1, fabs(b)) || (isnan(a) && isnan(b))   \
                           : same_bits((a), (b)),                                                    \
                  "%s: %.17g vs dense %.17g", #a, (a), (b))
        for (int metric = TRM_PRECISION; metric <= TRM_SUPPORT; metric++)
            for (int zd = TRM_ZERO_DIVISION_ZERO; zd <= TRM_ZERO_DIVISION_NAN; zd++) {
                ck_assert_ok(trm_confusion_metric_per_class(dense, metric, zd, ds));
                ck_assert_ok(trm_sparse_confusion_metric_per_class(cm, metric, zd, ss));
                for (int c = 0; c < K; c++)
                    SAME(ss[c], ds[c]);
                for (int avg = TRM_AVERAGE_MACRO; avg <= TRM_AVERAGE_MACRO_PRESENT; avg++) {
                    ck_assert_ok(trm_confusion_metric_average(dense, metric, avg, zd, &d));
                    ck_assert_ok(trm_sparse_confusion_metric_average(cm, metric, avg, zd, &s));
                    SAME(s, d);
                    ck_assert_ok(trm_confusion_fbeta_average(dense, 0.5 + metric, avg, zd, &d));
                    ck_assert_ok(trm_sparse_confusion_fbeta_average(cm, 0.5 + metric, avg, zd, &s));
                    SAME(s, d);
                }
            }
        ck_assert_ok(trm_confusion_fbeta_per_class(dense, 2.0, TRM_ZERO_DIVISION_ZERO, ds));
        ck_assert_ok(trm_sparse_confusion_fbeta_per_class(cm, 2.0, TRM_ZERO_DIVISION_ZERO, ss));
        for (int c = 0; c < K; c++)
            SAME(ss[c], ds[c]);
        ck_assert_ok(trm_confusion_accuracy(dense, &d));
        ck_assert_ok(trm_sparse_confusion_accuracy(cm, &s));
        SAME(s, d);
        for (int adjusted = 0; adjusted <= 1; adjusted++) {
            ck_assert_ok(trm_confusion_balanced_accuracy(dense, adjusted, &d));
            ck_assert_ok(trm_sparse_confusion_balanced_accuracy(cm, adjusted, &s));
            SAME(s, d);
        }
        ck_assert_ok(trm_confusion_matthews_corrcoef(dense, &d));
        ck_assert_ok(trm_sparse_confusion_matthews_corrcoef(cm, &s));
        SAME(s, d);
        /* kappa sums its expected term in another order: equal to rounding */
        for (int w = TRM_KAPPA_NONE; w <= TRM_KAPPA_QUADRATIC; w++) {
            ck_assert_ok(trm_confusion_cohen_kappa(dense, w, &d));
            ck_assert_ok(trm_sparse_confusion_cohen_kappa(cm, w, &s));
            ck_assert_close(s, d);
        }
#undef SAME
        /* the exported cells are the dense matrix's non-zero cells */
        static double cells[K * K];
        static int64_t ct[K * K], cp[K * K];
        static double cv[K * K];
        size_t n = 0, nonzero = 0;
        ck_assert_ok(trm_confusion_matrix(dense, TRM_NORMALIZE_NONE, cells));
        ck_assert_ok(trm_sparse_confusion_cells(cm, ct, cp, cv, K * K, &n));
        for (size_t i = 0; i < K * K; i++) {
            if (cells[i] == 0.0)
                continue;
            ck_assert_uint_lt(nonzero, n);
            ck_assert_int_eq(ct[nonzero] * K + cp[nonzero], (int64_t)i);
            ck_assert_double_eq(cv[nonzero], cells[i]);
            nonzero++;
        }
        ck_assert_uint_eq(nonzero, n);
        trm_confusion_free(dense);
        trm_sparse_confusion_free(cm);
    }
}
END_TEST

/* ---- bad input changes nothing ------------------------------------------------------ */

START_TEST(bad_arguments)
{
    sparse *cm = NULL, *out = NULL;
    const trm_allocator half = { budget_alloc, NULL, NULL };
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_new(NULL, 3, 0, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_new(&out, 0, 0, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_new(&out, TRM_SPARSE_MAX_CLASSES + (size_t)1, 0, NULL));
    assert_mentions("maximum");
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_new(&out, 3, 2, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_new(&out, 3, 0, &half));
    ck_assert_ptr_null(out);
    cm = hand_matrix();
    double x, v[5];
    const int32_t t[] = { 0, 1 }, p[] = { 1, 0 };
    const double w[] = { 1, 1 };
    ck_assert_sparse_rejected(TRM_E_INVALID, cm, trm_sparse_confusion_update_i32(cm, NULL, p, 2));
    ck_assert_sparse_rejected(TRM_E_INVALID, cm, trm_sparse_confusion_update_i32(cm, t, NULL, 2));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_update_i32(NULL, t, p, 2));
    ck_assert_sparse_rejected(TRM_E_MISMATCH, cm, trm_sparse_confusion_update_weighted_i32(cm, t, p, w, 2));
    ck_assert_sparse_rejected(TRM_E_INVALID, cm, trm_sparse_confusion_metric_per_class(cm, 9, 0, v));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_metric_per_class(cm, 0, 3, v));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_metric_average(cm, 0, TRM_AVERAGE_SAMPLES, 0, &x));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_metric_average(cm, 0, 0, 0, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_fbeta_per_class(cm, -1.0, 0, v));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_fbeta_average(cm, NAN, 0, 0, &x));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_balanced_accuracy(cm, 2, &x));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_cohen_kappa(cm, 3, &x));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_accuracy(NULL, &x));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_total(cm, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_cells(cm, NULL, NULL, NULL, 0, NULL));
    ck_assert_fails(TRM_E_INVALID, trm_sparse_confusion_set_ignore_label(NULL, 1));
    ck_assert_uint_eq(trm_sparse_confusion_n_cells(NULL), 0);
    ck_assert_uint_eq(trm_sparse_confusion_n_samples(NULL), 0);
    ck_assert_uint_eq(trm_sparse_confusion_memory_size(NULL), 0);
    ck_assert_int_eq(trm_sparse_confusion_ignore_label(NULL), TRM_NO_IGNORE);
    trm_sparse_confusion_free(cm);
}
END_TEST

START_TEST(bad_labels_and_weights)
{
    sparse *cm = hand_matrix();
    const int32_t t[] = { 0, 1, 2, 3 }, bad_t[] = { 0, 1, -1, 5 }, bad_p[] = { 0, 1, 2, 5 };
    const int64_t wide_t[] = { 0, (int64_t)1 << 40 }, wide_p[] = { 1, 0 };
    ck_assert_sparse_rejected(TRM_E_LABEL, cm, trm_sparse_confusion_update_i32(cm, bad_t, t, 4));
    assert_mentions("y_true[2] = -1 is outside [0, 5)");
    ck_assert_sparse_rejected(TRM_E_LABEL, cm, trm_sparse_confusion_update_i32(cm, t, bad_p, 4));
    assert_mentions("y_pred[3] = 5");
    ck_assert_sparse_rejected(TRM_E_LABEL, cm, trm_sparse_confusion_update_i64(cm, wide_t, wide_p, 2));
    assert_mentions("y_true[1] = 1099511627776");
    trm_sparse_confusion_free(cm);

    cm = make(5, TRM_CONFUSION_WEIGHTED);
    const double nan_w[] = { 1, NAN, 1, 1 }, neg_w[] = { 1, 1, -0.5, 1 }, inf_w[] = { 1, 1, 1, INFINITY };
    const double huge[] = { HUGE_WEIGHT, HUGE_WEIGHT, 1, 1 };
    ck_assert_ok(trm_sparse_confusion_update_weighted_i32(cm, t, bad_p, neg_w, 2));
    ck_assert_sparse_rejected(TRM_E_NONFINITE, cm, trm_sparse_confusion_update_weighted_i32(cm, t, t, nan_w, 4));
    assert_mentions("weights[1]");
    ck_assert_sparse_rejected(TRM_E_INVALID, cm, trm_sparse_confusion_update_weighted_i32(cm, t, bad_p, neg_w, 4));
    assert_mentions("weights[2] = -0.5 is negative");
    ck_assert_sparse_rejected(TRM_E_NONFINITE, cm, trm_sparse_confusion_update_weighted_i32(cm, t, t, inf_w, 4));
    /* a bad label before a bad weight is the one reported */
    ck_assert_sparse_rejected(TRM_E_LABEL, cm, trm_sparse_confusion_update_weighted_i32(cm, t, bad_p, inf_w, 4));
    ck_assert_sparse_rejected(TRM_E_INVALID, cm, trm_sparse_confusion_update_weighted_i32(cm, t, t, NULL, 4));
    ck_assert_sparse_rejected(TRM_E_OVERFLOW, cm, trm_sparse_confusion_update_weighted_i64(cm, (const int64_t[]){ 0, 1 },
                                                                                          (const int64_t[]){ 1, 0 }, huge, 2));
    trm_sparse_confusion_free(cm);
}
END_TEST

START_TEST(ignore_label)
{
    sparse *cm = make(5, 0), *ref = make(5, 0);
    /* pairs whose true label is 7 are skipped whatever their prediction */
    const int32_t t[] = { 0, 7, 1, 7, 3 }, p[] = { 1, -3, 1, 2, 3 };
    const int32_t kept_t[] = { 0, 1, 3 }, kept_p[] = { 1, 1, 3 };
    ck_assert_fails(TRM_E_LABEL, trm_sparse_confusion_update_i32(cm, t, p, 5));
    ck_assert_ok(trm_sparse_confusion_set_ignore_label(cm, 7));
    ck_assert_int_eq(trm_sparse_confusion_ignore_label(cm), 7);
    ck_assert_ok(trm_sparse_confusion_update_i32(cm, t, p, 5));
    ck_assert_ok(trm_sparse_confusion_update_i32(ref, kept_t, kept_p, 3));
    ck_assert_uint_eq(trm_sparse_confusion_n_samples(cm), 3);
    /* the ignore label is part of the state, so the blobs differ there only */
    ck_assert_ok(trm_sparse_confusion_set_ignore_label(ref, 7));
    size_t a_size, b_size;
    uint8_t *a = snapshot_sparse_confusion(cm, &a_size), *b = snapshot_sparse_confusion(ref, &b_size);
    ck_assert_uint_eq(a_size, b_size);
    ck_assert_mem_eq(a, b, a_size);
    free(a);
    free(b);
    sparse *other = make(5, 0);
    ck_assert_sparse_rejected(TRM_E_MISMATCH, cm, trm_sparse_confusion_merge(cm, other));
    assert_mentions("ignore different labels");
    trm_sparse_confusion_free(other);
    ck_assert_ok(trm_sparse_confusion_set_ignore_label(cm, TRM_NO_IGNORE));
    ck_assert_int_eq(trm_sparse_confusion_ignore_label(cm), TRM_NO_IGNORE);
    trm_sparse_confusion_free(cm);
    trm_sparse_confusion_free(ref);
}
END_TEST

/* ---- growth through the allocator ---------------------------------------------------- */

/* 200 distinct off-diagonal cells make the table grow 16 -> 32 -> ... -> 512
 * slots: the handle and six tables. Each growth in turn is refused. */
START_TEST(failed_growth_changes_nothing)
{
    enum { K = 1000, N = 400 };
    int32_t t[N], p[N];
    for (int i = 0; i < N; i++) {
        t[i] = (i % 200) * 3 + 1;
        p[i] = (i % 200) * 3 + 2;
    }
    for (size_t fail = 2; fail <= 6; fail++) {
        budget b = { 0, 0, 0, 0, 0 };
        trm_allocator hooks = { budget_alloc, budget_free, &b };
        sparse *cm = NULL;
        ck_assert_ok(trm_sparse_confusion_new(&cm, K, 0, &hooks));
        ck_assert_ok(trm_sparse_confusion_update_i32(cm, hand_t, hand_p, 10));
        size_t cells = trm_sparse_confusion_n_cells(cm);
        b.fail_at = b.calls + fail - 1;
        ck_assert_sparse_rejected(TRM_E_NOMEM, cm, trm_sparse_confusion_update_i32(cm, t, p, N));
        rejected_mentions("cannot grow the cell table");
        ck_assert_uint_eq(trm_sparse_confusion_n_cells(cm), cells);
        ck_assert_uint_eq(trm_sparse_confusion_n_samples(cm), 10);
        /* the allocator works again: the same batch succeeds */
        ck_assert_ok(trm_sparse_confusion_update_i32(cm, t, p, N));
        ck_assert_uint_eq(trm_sparse_confusion_n_cells(cm), cells + 200);
        ck_assert_uint_eq(b.live_bytes, trm_sparse_confusion_memory_size(cm));

        /* a merge whose growth fails leaves dst unchanged too */
        sparse *dst = NULL;
        ck_assert_ok(trm_sparse_confusion_new(&dst, K, 0, &hooks));
        ck_assert_ok(trm_sparse_confusion_update_i32(dst, hand_p, hand_t, 10));
        b.fail_at = b.calls + fail - 1;
        ck_assert_sparse_rejected(TRM_E_NOMEM, dst, trm_sparse_confusion_merge(dst, cm));
        ck_assert_ok(trm_sparse_confusion_merge(dst, cm));
        ck_assert_uint_eq(trm_sparse_confusion_n_samples(dst), 10 + 10 + N);
        trm_sparse_confusion_free(dst);
        trm_sparse_confusion_free(cm);
        ck_assert_uint_eq(b.live_blocks, 0);
    }
}
END_TEST

/* A million classes and 10^5 samples: 24 bytes a class and the table for at
 * most 10^5 cells (2^18 slots of 16 bytes), nothing of K*K. */
START_TEST(million_classes_stay_small)
{
    enum { N = 100000 };
    const size_t K = 1000000;
    static int32_t t[N], p[N];
    budget b = { 0, 0, 0, 0, 0 };
    trm_allocator hooks = { budget_alloc, budget_free, &b };
    sparse *cm = NULL;
    for (int i = 0; i < N; i++) {
        t[i] = (int32_t)(next_random() % K);
        p[i] = next_random() % 4 == 0 ? t[i] : (int32_t)(next_random() % K);
    }
    ck_assert_ok(trm_sparse_confusion_new(&cm, K, 0, &hooks));
    for (int i = 0; i < N; i += 10000)
        ck_assert_ok(trm_sparse_confusion_update_i32(cm, t + i, p + i, 10000));
    double f1, kappa;
    ck_assert_ok(trm_sparse_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &f1));
    ck_assert_ok(trm_sparse_confusion_cohen_kappa(cm, TRM_KAPPA_QUADRATIC, &kappa));
    size_t arrays = 24 * K, table = ((size_t)1 << 18) * 16;
    printf("sparse: K = %zu, %d samples, %zu cells: %zu bytes held, %zu at the peak (dense: %zu)\n", K, N,
           trm_sparse_confusion_n_cells(cm), b.live_bytes, b.peak_bytes, K * K * 8);
    ck_assert_uint_eq(b.live_bytes, trm_sparse_confusion_memory_size(cm));
    ck_assert_uint_le(b.live_bytes, arrays + table + 4096);
    /* the peak: the metrics' 32 K bytes of scratch, or a growth's two tables */
    ck_assert_uint_le(b.peak_bytes, arrays + table + 32 * K + 4096);
    trm_sparse_confusion_reset(cm);
    ck_assert_uint_le(b.live_bytes, arrays + 4096);
    trm_sparse_confusion_free(cm);
    ck_assert_uint_eq(b.live_blocks, 0);
}
END_TEST

/* ---- streaming, merging, serialization ------------------------------------------------ */

static void assert_same_blob(const sparse *a, const sparse *b)
{
    size_t a_size, b_size;
    uint8_t *x = snapshot_sparse_confusion(a, &a_size), *y = snapshot_sparse_confusion(b, &b_size);
    ck_assert_uint_eq(a_size, b_size);
    ck_assert_mem_eq(x, y, a_size);
    free(x);
    free(y);
}

START_TEST(streaming_and_merge_equal_one_shot)
{
    enum { K = 300, N = 5000 };
    static int32_t t[N], p[N];
    static int64_t wt[N], wp[N];
    random_pairs(t, p, N, K);
    for (int i = 0; i < N; i++) {
        wt[i] = t[i];
        wp[i] = p[i];
    }
    sparse *once = make(K, 0), *streamed = make(K, 0), *parts[3], *merged = make(K, 0);
    ck_assert_ok(trm_sparse_confusion_update_i32(once, t, p, N));
    for (size_t at = 0, step = 1; at < N; at += step, step = step * 3 % 997 + 1)
        ck_assert_ok(trm_sparse_confusion_update_i64(streamed, wt + at, wp + at, at + step > N ? N - at : step));
    assert_same_blob(streamed, once);
    for (int j = 0; j < 3; j++) {
        parts[j] = make(K, 0);
        size_t from = (size_t)N * (size_t)j / 3, to = (size_t)N * (size_t)(j + 1) / 3;
        ck_assert_ok(trm_sparse_confusion_update_i32(parts[j], t + from, p + from, to - from));
    }
    for (int j = 2; j >= 0; j--)
        ck_assert_ok(trm_sparse_confusion_merge(merged, parts[j]));
    assert_same_blob(merged, once);
    /* merging a matrix into itself doubles it: the same as counting twice */
    ck_assert_ok(trm_sparse_confusion_merge(merged, merged));
    ck_assert_ok(trm_sparse_confusion_update_i32(once, t, p, N));
    assert_same_blob(merged, once);
    /* a clone and a blob round trip hold the same state and count on their own */
    sparse *copy = NULL, *loaded = NULL;
    size_t size;
    uint8_t *blob = snapshot_sparse_confusion(once, &size);
    ck_assert_ok(trm_sparse_confusion_clone(&copy, once));
    ck_assert_ok(trm_sparse_confusion_deserialize(&loaded, blob, size, NULL));
    assert_same_blob(copy, once);
    assert_same_blob(loaded, once);
    ck_assert_ok(trm_sparse_confusion_update_i32(loaded, t, p, 10));
    ck_assert_ok(trm_sparse_confusion_update_i32(once, t, p, 10));
    assert_same_blob(loaded, once);
    ck_assert_uint_eq(trm_sparse_confusion_n_samples(copy), 2 * N);
    /* reset: back to a new handle's state */
    trm_sparse_confusion_reset(copy);
    sparse *fresh = make(K, 0);
    assert_same_blob(copy, fresh);
    trm_sparse_confusion_free(fresh);
    free(blob);
    for (int j = 0; j < 3; j++)
        trm_sparse_confusion_free(parts[j]);
    trm_sparse_confusion_free(once);
    trm_sparse_confusion_free(streamed);
    trm_sparse_confusion_free(merged);
    trm_sparse_confusion_free(copy);
    trm_sparse_confusion_free(loaded);
}
END_TEST

START_TEST(weighted_streaming_and_merge)
{
    enum { K = 100, N = 2000 };
    static int32_t t[N], p[N];
    static double w[N];
    random_pairs(t, p, N, K);
    for (int i = 0; i < N; i++)
        w[i] = (double)(next_random() % 8) / 4.0; /* quarters: every sum is exact */
    sparse *once = make(K, TRM_CONFUSION_WEIGHTED), *a = make(K, TRM_CONFUSION_WEIGHTED),
           *b = make(K, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(trm_sparse_confusion_update_weighted_i32(once, t, p, w, N));
    ck_assert_ok(trm_sparse_confusion_update_weighted_i32(a, t, p, w, 700));
    ck_assert_ok(trm_sparse_confusion_update_weighted_i32(b, t + 700, p + 700, w + 700, N - 700));
    ck_assert_ok(trm_sparse_confusion_merge(a, b));
    assert_same_blob(a, once);
    sparse *unweighted = make(K, 0), *smaller = make(K - 1, TRM_CONFUSION_WEIGHTED);
    ck_assert_sparse_rejected(TRM_E_MISMATCH, a, trm_sparse_confusion_merge(a, unweighted));
    ck_assert_sparse_rejected(TRM_E_MISMATCH, a, trm_sparse_confusion_merge(a, smaller));
    rejected_mentions("dst has 100 classes, src has 99");
    trm_sparse_confusion_free(unweighted);
    trm_sparse_confusion_free(smaller);
    trm_sparse_confusion_free(once);
    trm_sparse_confusion_free(a);
    trm_sparse_confusion_free(b);
}
END_TEST

static int load_sparse(const uint8_t *blob, size_t size)
{
    static int sentinel;
    sparse *h = (sparse *)(void *)&sentinel;
    int rc = trm_sparse_confusion_deserialize(&h, blob, size, NULL);
    if (rc == TRM_OK)
        trm_sparse_confusion_free(h);
    else
        ck_assert_ptr_eq(h, (sparse *)(void *)&sentinel);
    return rc;
}

START_TEST(damaged_and_inconsistent_blobs)
{
    sparse *cm = hand_matrix();
    size_t size;
    uint8_t *blob = snapshot_sparse_confusion(cm, &size);
    ck_assert_every_damage_detected(blob, size, load_sparse);
    /* Resealed blobs that no matrix could produce. Offsets: 8 K, 16 flags,
     * 24 ignore, 32 n_samples, 40 weight, 48 cells, 56 tp[0], 96 row[0],
     * 136 col[0], 176 the first record (key 1, count 1), 192 the second key. */
    static const struct {
        size_t at;
        uint64_t value;
        const char *why;
    } edits[] = {
        { 32, 11, "sample count off by one" }, { 56, 4, "tp above the row sum" },
        { 176, 2, "cell moved to another column" },
        { 96, 4, "row sums disagree" },        { 176, 0, "record key on the diagonal" },
        { 176, 25, "key past K*K" },           { 184, 0, "zero cell" },
        { 184, 2, "cell above its row" },      { 192, 1, "keys out of order" },
        { 48, 5, "cell count and length" },    { 40, 1, "weight in an unweighted blob" },
    };
    uint8_t *copy = malloc(size);
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        memcpy(copy, blob, size);
        blob_put_le(copy + edits[e].at, edits[e].value, 8);
        blob_reseal(copy, size);
        trm_clear_last_error();
        ck_assert_msg(load_sparse(copy, size) == TRM_E_CORRUPT, "%s: accepted", edits[e].why);
        ck_assert(trm_last_error()[0] != '\0');
    }
    free(copy);
    free(blob);
    trm_sparse_confusion_free(cm);
}
END_TEST

/* Weighted rows and columns hold every weight of their tp and more, so a blob
 * whose tp exceeds them is corrupt; it would score an accuracy of 2, or of
 * infinity when the rows are 0 (the fuzzer's find). Offsets for K = 2: 56 tp,
 * 72 row, 88 col. */
START_TEST(weighted_blob_tp_above_its_sums)
{
    sparse *cm = make(2, TRM_CONFUSION_WEIGHTED);
    const int32_t t[] = { 0, 0, 1 }, p[] = { 0, 1, 1 };
    const double w[] = { 0.5, 0.25, 2.0 };
    ck_assert_ok(trm_sparse_confusion_update_weighted_i32(cm, t, p, w, 3));
    size_t size;
    uint8_t *blob = snapshot_sparse_confusion(cm, &size);
    ck_assert_int_eq(load_sparse(blob, size), TRM_OK);
    static const struct {
        size_t at;
        double value;
        const char *why;
    } edits[] = {
        { 56, 0.875, "tp[0] above row[0] = 0.75" },
        { 88, 0.25, "col[0] below tp[0] = 0.5" },
        { 72, 0.0, "row[0] of 0 under tp[0] = 0.5" },
    };
    uint8_t *copy = malloc(size);
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        memcpy(copy, blob, size);
        blob_put_f64(copy + edits[e].at, edits[e].value);
        blob_reseal(copy, size);
        ck_assert_msg(load_sparse(copy, size) == TRM_E_CORRUPT, "%s: accepted", edits[e].why);
        ck_assert_ptr_nonnull(strstr(trm_last_error(), "class 0 has more true positives than samples"));
    }
    free(copy);
    free(blob);
    trm_sparse_confusion_free(cm);
}
END_TEST

/* A count near 2^64, from a blob: a batch or a merge that would overflow the
 * sample count is refused whole; tn = n - row - col + tp stays exact. */
START_TEST(counts_near_two_to_the_64)
{
    sparse *cm = make(2, 0), *big = NULL;
    size_t size;
    uint8_t *blob = snapshot_sparse_confusion(cm, &size);
    ck_assert_uint_eq(size, 108);
    const uint64_t n = UINT64_MAX - 1;
    blob_put_le(blob + 32, n, 8);      /* samples */
    blob_put_le(blob + 56, n, 8);      /* tp[0] */
    blob_put_le(blob + 72, n, 8);      /* row[0] */
    blob_put_le(blob + 88, n, 8);      /* col[0] */
    blob_reseal(blob, size);
    ck_assert_ok(trm_sparse_confusion_deserialize(&big, blob, size, NULL));
    ck_assert_uint_eq(trm_sparse_confusion_n_samples(big), n);
    const int32_t t[] = { 1, 1 }, p[] = { 1, 0 };
    ck_assert_sparse_rejected(TRM_E_OVERFLOW, big, trm_sparse_confusion_update_i32(big, t, p, 2));
    ck_assert_sparse_rejected(TRM_E_OVERFLOW, big, trm_sparse_confusion_merge(big, big));
    ck_assert_ok(trm_sparse_confusion_update_i32(big, t, p, 1));
    double spec[2];
    /* class 1: tp 1, nothing else wrong; its tn is the n - 1 pairs of class 0 */
    ck_assert_ok(trm_sparse_confusion_metric_per_class(big, TRM_SPECIFICITY, TRM_ZERO_DIVISION_ZERO, spec));
    ck_assert_double_eq(spec[1], 1.0);
    ck_assert_double_eq(spec[0], 1.0);
    free(blob);
    trm_sparse_confusion_free(cm);
    trm_sparse_confusion_free(big);
}
END_TEST

/* ---- floating-point modes ----------------------------------------------------------- */

START_TEST(every_fp_mode)
{
#if HAVE_MXCSR
    static const unsigned modes[] = { 0, 0x0040u, 0x8000u, 0x8040u }; /* IEEE, DAZ, FTZ, both */
    sparse *ref = hand_matrix();
    double want[6];
    ck_assert_ok(trm_sparse_confusion_metric_average(ref, TRM_F1, TRM_AVERAGE_WEIGHTED, 0, &want[0]));
    ck_assert_ok(trm_sparse_confusion_cohen_kappa(ref, TRM_KAPPA_QUADRATIC, &want[1]));
    ck_assert_ok(trm_sparse_confusion_matthews_corrcoef(ref, &want[2]));
    ck_assert_ok(trm_sparse_confusion_balanced_accuracy(ref, 1, &want[3]));
    ck_assert_ok(trm_sparse_confusion_cohen_kappa(ref, TRM_KAPPA_LINEAR, &want[4]));
    ck_assert_ok(trm_sparse_confusion_fbeta_average(ref, 0.5, TRM_AVERAGE_MICRO, 0, &want[5]));
    for (size_t m = 0; m < 4; m++) {
        unsigned before = _mm_getcsr();
        _mm_setcsr((before & ~0x8040u) | modes[m]);
        sparse *cm = make(5, TRM_CONFUSION_WEIGHTED);
        double got[6], w[10], bad[10];
        for (int i = 0; i < 10; i++) {
            w[i] = 1.0;
            bad[i] = i == 4 ? NAN : 1.0;
        }
        int ok = trm_sparse_confusion_update_weighted_i32(cm, hand_t, hand_p, w, 10);
        size_t size;
        uint8_t *snap = snapshot_sparse_confusion(cm, &size);
        int rejected = trm_sparse_confusion_update_weighted_i32(cm, hand_t, hand_p, bad, 10);
        /* a subnormal weight is finite and >= 0: counted, in every mode */
        const double tiny[1] = { 4.9e-324 };
        int tiny_ok = trm_sparse_confusion_update_weighted_i32(cm, hand_t, hand_p, tiny, 1);
        uint64_t samples = trm_sparse_confusion_n_samples(cm);
        /* an off-diagonal subnormal weight (which flush-to-zero turns into a
         * zero cell) and its merge still give a blob that loads */
        sparse *tiny_cell = make(5, TRM_CONFUSION_WEIGHTED), *merged = make(5, TRM_CONFUSION_WEIGHTED), *loaded = NULL;
        const int32_t tt[] = { 0, 1, 1 }, tp[] = { 1, 0, 0 };
        const double tw[] = { 4.9e-324, 1.0, 4.9e-324 };
        int tiny_rc = trm_sparse_confusion_update_weighted_i32(tiny_cell, tt, tp, tw, 3);
        tiny_rc |= trm_sparse_confusion_update_weighted_i32(tiny_cell, tt, tp, tw, 1);
        tiny_rc |= trm_sparse_confusion_merge(merged, tiny_cell);
        tiny_rc |= trm_sparse_confusion_merge(merged, tiny_cell);
        size_t tiny_size;
        for (int round = 0; round < 2; round++) {
            uint8_t *tiny_blob = snapshot_sparse_confusion(round ? merged : tiny_cell, &tiny_size);
            tiny_rc |= trm_sparse_confusion_deserialize(&loaded, tiny_blob, tiny_size, NULL);
            trm_sparse_confusion_free(loaded);
            loaded = NULL;
            free(tiny_blob);
        }
        trm_sparse_confusion_free(tiny_cell);
        trm_sparse_confusion_free(merged);
        trm_sparse_confusion_reset(cm);
        trm_sparse_confusion_update_weighted_i32(cm, hand_t, hand_p, w, 10);
        trm_sparse_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_WEIGHTED, 0, &got[0]);
        trm_sparse_confusion_cohen_kappa(cm, TRM_KAPPA_QUADRATIC, &got[1]);
        trm_sparse_confusion_matthews_corrcoef(cm, &got[2]);
        trm_sparse_confusion_balanced_accuracy(cm, 1, &got[3]);
        trm_sparse_confusion_cohen_kappa(cm, TRM_KAPPA_LINEAR, &got[4]);
        trm_sparse_confusion_fbeta_average(cm, 0.5, TRM_AVERAGE_MICRO, 0, &got[5]);
        _mm_setcsr(before);
        ck_assert_int_eq(ok, TRM_OK);
        ck_assert_int_eq(rejected, TRM_E_NONFINITE);
        ck_assert_int_eq(tiny_ok, TRM_OK);
        ck_assert_msg(tiny_rc == TRM_OK, "mode %zu: subnormal cells: %s", m, trm_last_error());
        ck_assert_uint_eq(samples, 11);
        for (int i = 0; i < 6; i++)
            ck_assert_msg(same_bits(got[i], want[i]), "mode %zu, value %d: %.17g vs %.17g", m, i, got[i], want[i]);
        trm_sparse_confusion_reset(cm);
        free(snap);
        trm_sparse_confusion_free(cm);
    }
    trm_sparse_confusion_free(ref);
#endif
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sparse");
    TCase *tc = tcase_create("values");
    tcase_add_test(tc, hand_table_metrics);
    tcase_add_test(tc, hand_table_cells);
    tcase_add_test(tc, weighted_hand_table);
    tcase_add_test(tc, empty_and_undefined);
    tcase_add_test(tc, equals_dense_matrix);
    tcase_add_test(tc, every_fp_mode);
    suite_add_tcase(s, tc);
    tc = tcase_create("failures");
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, bad_labels_and_weights);
    tcase_add_test(tc, ignore_label);
    tcase_add_test(tc, failed_growth_changes_nothing);
    tcase_add_test(tc, damaged_and_inconsistent_blobs);
    tcase_add_test(tc, weighted_blob_tp_above_its_sums);
    tcase_add_test(tc, counts_near_two_to_the_64);
    suite_add_tcase(s, tc);
    tc = tcase_create("memory");
    tcase_add_test(tc, million_classes_stay_small);
    tcase_add_test(tc, streaming_and_merge_equal_one_shot);
    tcase_add_test(tc, weighted_streaming_and_merge);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
