/* SPDX-License-Identifier: MIT */
/*
 * Check suite for metrics.h.
 *
 * Every expected value below is worked out by hand from the confusion matrix
 * (the arithmetic is in the comments and in the fractions themselves); none is
 * obtained by calling the library. scikit-learn >= 1.4 is the reference for the
 * semantics. Conventions: rows are true classes, columns predicted classes; for
 * class c, tp = M[c][c], fn = row - tp, fp = column - tp, tn = N - tp - fp - fn.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "testutil.h"

#define MAXK 3

/* Marks an undefined per-class value: the zero_division value is expected. */
#define UNDEF (-1.0)
/* The same expected value under zero_division ZERO, ONE and NAN. */
#define ALL3(x) {(x), (x), (x)}

static const int ZERO_DIVISIONS[3] = {TRM_ZERO_DIVISION_ZERO, TRM_ZERO_DIVISION_ONE,
                                      TRM_ZERO_DIVISION_NAN};
static const int AVERAGES[4] = {TRM_AVERAGE_MACRO, TRM_AVERAGE_MICRO, TRM_AVERAGE_WEIGHTED,
                                TRM_AVERAGE_MACRO_PRESENT};
static const char *const METRIC_NAMES[] = {"precision", "recall", "f1",      "specificity", "npv",
                                           "fpr",       "fnr",    "jaccard", "support"};
static const char *const AVERAGE_NAMES[] = {"macro", "micro", "weighted", "macro_present"};
static const char *const ZD_NAMES[] = {"zero", "one", "nan"};

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static double zd_value(int zero_division)
{
    return zero_division == TRM_ZERO_DIVISION_ZERO ? 0.0
           : zero_division == TRM_ZERO_DIVISION_ONE ? 1.0
                                                     : NAN;
}

static double resolve(double expected, int zero_division)
{
    return expected == UNDEF ? zd_value(zero_division) : expected;
}

/* ck_assert_close with a context string (for table-driven loops); also lets
 * +-Inf match itself. */
static void check_close(double got, double want, const char *context)
{
    bool ok;
    if (isnan(want))
        ok = isnan(got);
    else
        ok = got == want || (!isnan(got) && fabs(got - want) <= 1e-12 * fmax(1.0, fabs(want)));
    ck_assert_msg(ok, "%s = %.17g, expected %.17g", context, got, want);
}

static trm_confusion *new_matrix(size_t k, uint32_t flags)
{
    trm_confusion *cm = NULL;
    ck_assert_ok(trm_confusion_new(&cm, k, flags, NULL));
    return cm;
}

/* A matrix holding the K*K counts (row = true, column = predicted). */
static trm_confusion *from_counts(size_t k, const uint64_t *counts)
{
    trm_confusion *cm = new_matrix(k, 0);
    ck_assert_ok(trm_confusion_add_counts(cm, counts));
    return cm;
}

/* A matrix counting n (true, predicted) pairs. */
static trm_confusion *from_pairs(size_t k, const int32_t *y_true, const int32_t *y_pred, size_t n)
{
    trm_confusion *cm = new_matrix(k, 0);
    ck_assert_ok(trm_confusion_update_i32(cm, y_true, y_pred, n));
    return cm;
}

/* A weighted matrix from n weighted (true, predicted) pairs. */
static trm_confusion *from_weighted_pairs(size_t k, const int32_t *y_true, const int32_t *y_pred,
                                          const double *weights, size_t n)
{
    trm_confusion *cm = new_matrix(k, TRM_CONFUSION_WEIGHTED);
    ck_assert_ok(trm_confusion_update_weighted_i32(cm, y_true, y_pred, weights, n));
    return cm;
}

/* Per-class values of one metric under every zero_division policy, and the
 * undefined flags, which must be 1 exactly where `expected` says UNDEF. */
static void check_per_class(const trm_confusion *cm, int metric, const double *expected)
{
    size_t k = trm_confusion_n_classes(cm);
    char context[128];
    for (int z = 0; z < 3; z++) {
        double out[MAXK];
        ck_assert_ok(trm_metric_per_class(cm, metric, ZERO_DIVISIONS[z], out));
        for (size_t c = 0; c < k; c++) {
            snprintf(context, sizeof context, "%s[class %zu], zero_division %s",
                     METRIC_NAMES[metric], c, ZD_NAMES[z]);
            check_close(out[c], resolve(expected[c], ZERO_DIVISIONS[z]), context);
        }
    }
    uint8_t flags[MAXK];
    ck_assert_ok(trm_metric_undefined(cm, metric, flags));
    for (size_t c = 0; c < k; c++)
        ck_assert_msg(flags[c] == (expected[c] == UNDEF), "undefined %s[class %zu] = %d",
                      METRIC_NAMES[metric], c, flags[c]);
}

static void check_average(const trm_confusion *cm, int metric, int average, int z, double want)
{
    char context[128];
    double out = -12345.0;
    ck_assert_ok(trm_metric_average(cm, metric, AVERAGES[average], ZERO_DIVISIONS[z], &out));
    snprintf(context, sizeof context, "%s %s average, zero_division %s", METRIC_NAMES[metric],
             AVERAGE_NAMES[average], ZD_NAMES[z]);
    check_close(out, want, context);
}

/* Everything known about one metric on one matrix. */
typedef struct metric_case {
    int metric;
    double per_class[MAXK]; /* UNDEF where the denominator is 0 */
    double macro[3];        /* zero_division ZERO, ONE, NAN */
    double weighted[3];
    double micro; /* pooled counts: the same under every policy here */
} metric_case;

/* MACRO_PRESENT is expected to equal MACRO: use only on matrices where every
 * class has tp + fp + fn > 0. */
static void run_metric_cases(const trm_confusion *cm, const metric_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const metric_case *mc = &cases[i];
        check_per_class(cm, mc->metric, mc->per_class);
        for (int z = 0; z < 3; z++) {
            check_average(cm, mc->metric, 0, z, mc->macro[z]);
            check_average(cm, mc->metric, 1, z, mc->micro);
            check_average(cm, mc->metric, 2, z, mc->weighted[z]);
            check_average(cm, mc->metric, 3, z, mc->macro[z]);
        }
    }
}

static void check_fbeta(const trm_confusion *cm, double beta, const double *expected)
{
    size_t k = trm_confusion_n_classes(cm);
    char context[128];
    for (int z = 0; z < 3; z++) {
        double out[MAXK];
        ck_assert_ok(trm_fbeta_per_class(cm, beta, ZERO_DIVISIONS[z], out));
        for (size_t c = 0; c < k; c++) {
            snprintf(context, sizeof context, "f-beta(%g)[class %zu], zero_division %s", beta, c,
                     ZD_NAMES[z]);
            check_close(out[c], resolve(expected[c], ZERO_DIVISIONS[z]), context);
        }
    }
}

static void check_fbeta_average(const trm_confusion *cm, double beta, int average, int z,
                                double want)
{
    char context[128];
    double out = -12345.0;
    ck_assert_ok(trm_fbeta_average(cm, beta, AVERAGES[average], ZERO_DIVISIONS[z], &out));
    snprintf(context, sizeof context, "f-beta(%g) %s average, zero_division %s", beta,
             AVERAGE_NAMES[average], ZD_NAMES[z]);
    check_close(out, want, context);
}

/* Scalar scores of a matrix. */
typedef struct scalar_scores {
    double accuracy;
    double balanced, balanced_adjusted;
    double kappa[3]; /* NONE, LINEAR, QUADRATIC */
    double mcc;
} scalar_scores;

static void check_scalars(const trm_confusion *cm, const scalar_scores *want)
{
    double out = -12345.0;
    ck_assert_ok(trm_accuracy(cm, &out));
    check_close(out, want->accuracy, "accuracy");
    ck_assert_ok(trm_balanced_accuracy(cm, 0, &out));
    check_close(out, want->balanced, "balanced accuracy");
    ck_assert_ok(trm_balanced_accuracy(cm, 1, &out));
    check_close(out, want->balanced_adjusted, "adjusted balanced accuracy");
    ck_assert_ok(trm_cohen_kappa(cm, TRM_KAPPA_NONE, &out));
    check_close(out, want->kappa[0], "kappa");
    ck_assert_ok(trm_cohen_kappa(cm, TRM_KAPPA_LINEAR, &out));
    check_close(out, want->kappa[1], "linear kappa");
    ck_assert_ok(trm_cohen_kappa(cm, TRM_KAPPA_QUADRATIC, &out));
    check_close(out, want->kappa[2], "quadratic kappa");
    ck_assert_ok(trm_matthews_corrcoef(cm, &out));
    check_close(out, want->mcc, "matthews_corrcoef");
}

#define GUARD 0x5a

/* Renders the report and compares it with `expected`, also checking the size
 * query (buf NULL), a buffer one byte short (nothing written) and that the
 * bytes past cap are left alone. */
static void check_report(const trm_confusion *cm, const char *const *names, int digits,
                         const char *expected)
{
    size_t need = strlen(expected) + 1;
    size_t size = 0;
    ck_assert_int_eq(trm_classification_report(cm, names, digits, NULL, 0, &size), TRM_E_BUFFER);
    ck_assert_uint_eq(size, need);

    char *buf = malloc(need + 16);
    ck_assert_ptr_nonnull(buf);
    memset(buf, GUARD, need + 16);
    size = 0;
    ck_assert_int_eq(trm_classification_report(cm, names, digits, buf, need - 1, &size),
                     TRM_E_BUFFER);
    ck_assert_uint_eq(size, need);
    for (size_t i = 0; i < need + 16; i++)
        ck_assert_msg((unsigned char)buf[i] == GUARD, "byte %zu written on TRM_E_BUFFER", i);

    size = 0;
    ck_assert_ok(trm_classification_report(cm, names, digits, buf, need, &size));
    ck_assert_uint_eq(size, need);
    ck_assert_str_eq(buf, expected);
    for (size_t i = need; i < need + 16; i++)
        ck_assert_msg((unsigned char)buf[i] == GUARD, "byte %zu past cap written", i);
    free(buf);
}

/* ------------------------------------------------------------------------ */
/* Matrices                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * M1, 7 samples:     pred 0  1  2   row
 *          true 0      [ 3, 0, 1 ]   4
 *          true 1      [ 2, 0, 1 ]   3
 *          true 2      [ 0, 0, 0 ]   0
 *          column        5  0  2     N = 7
 * Class 1 is never predicted, class 2 never occurs in y_true.
 *   class 0: tp 3, fn 1, fp 2, tn 7-3-2-1 = 1
 *   class 1: tp 0, fn 3, fp 0, tn 7-0-0-3 = 4
 *   class 2: tp 0, fn 0, fp 2, tn 7-0-2-0 = 5
 * Pooled: tp 3, fp 4, fn 4, tn 1+4+5 = 10.
 */
static trm_confusion *make_m1(void)
{
    static const int32_t y_true[7] = {0, 1, 0, 0, 1, 0, 1};
    static const int32_t y_pred[7] = {0, 0, 2, 0, 2, 0, 0};
    return from_pairs(3, y_true, y_pred, 7);
}

/*
 * M2, binary, 100 samples:  [[tn 65, fp 5], [fn 10, tp 20]] (class 1 positive).
 *   class 1: tp 20, fp 5,  fn 10, tn 65, support 30
 *   class 0: tp 65, fp 10, fn 5,  tn 20, support 70
 */
static trm_confusion *make_m2(void)
{
    static const uint64_t counts[4] = {65, 5, 10, 20};
    return from_counts(2, counts);
}

/*
 * M3, 5 samples, class 1 absent from both y_true and y_pred:
 *   [[2, 0, 1],
 *    [0, 0, 0],
 *    [1, 0, 1]]   rows 3, 0, 2; columns 3, 0, 2
 *   class 0: tp 2, fn 1, fp 1, tn 1
 *   class 1: tp 0, fn 0, fp 0, tn 5
 *   class 2: tp 1, fn 1, fp 1, tn 2
 */
static trm_confusion *make_m3(void)
{
    static const uint64_t counts[9] = {2, 0, 1, 0, 0, 0, 1, 0, 1};
    return from_counts(3, counts);
}

/*
 * W, weighted (sample weights 0.5 .. 2.0):
 *   (0,0,2.0) (0,1,0.5) (1,1,1.5) (1,0,1.0) (1,1,0.5) (2,2,2.0) (2,0,1.0)
 *   [[2.0, 0.5, 0.0],     rows 2.5, 3.0, 3.0
 *    [1.0, 2.0, 0.0],     columns 4.0, 2.5, 2.0
 *    [1.0, 0.0, 2.0]]     N = 8.5
 *   class 0: tp 2, fn 0.5, fp 2.0, tn 8.5-2-2-0.5 = 4
 *   class 1: tp 2, fn 1.0, fp 0.5, tn 8.5-2-0.5-1 = 5
 *   class 2: tp 2, fn 1.0, fp 0.0, tn 8.5-2-0-1   = 5.5
 */
static trm_confusion *make_weighted(void)
{
    static const int32_t y_true[7] = {0, 0, 1, 1, 1, 2, 2};
    static const int32_t y_pred[7] = {0, 1, 1, 0, 1, 2, 0};
    static const double weights[7] = {2.0, 0.5, 1.5, 1.0, 0.5, 2.0, 1.0};
    return from_weighted_pairs(3, y_true, y_pred, weights, 7);
}

/* ------------------------------------------------------------------------ */
/* Three-class case with a never-predicted and a never-true class           */
/* ------------------------------------------------------------------------ */

/* Weighted averages use supports 4, 3, 0 (sum 7); NAN drops undefined entries
 * with their weights. */
static const metric_case M1_CASES[] = {
    /* precision tp/(tp+fp): 3/5, 0/0, 0/2 */
    {TRM_PRECISION,
     {3.0 / 5, UNDEF, 0.0},
     /* macro: (3/5+0+0)/3, (3/5+1+0)/3, (3/5+0)/2 */
     {1.0 / 5, 8.0 / 15, 3.0 / 10},
     /* weighted: 4*3/5/7, (4*3/5+3*1)/7, 4*3/5/4 (class 1 dropped with weight 3) */
     {12.0 / 35, 27.0 / 35, 3.0 / 5},
     /* 3/(3+4) */
     3.0 / 7},
    /* recall tp/(tp+fn): 3/4, 0/3, 0/0 */
    {TRM_RECALL,
     {3.0 / 4, 0.0, UNDEF},
     /* (3/4)/3, (3/4+0+1)/3, (3/4+0)/2 */
     {1.0 / 4, 7.0 / 12, 3.0 / 8},
     /* 4*3/4/7 whatever class 2 (weight 0) gets */
     ALL3(3.0 / 7),
     3.0 / 7},
    /* F1 2tp/(2tp+fp+fn): 6/9, 0/3, 0/2 -- class 2 has tp = fn = 0 but fp > 0:
     * F1 is 0, not the zero_division value (scikit-learn >= 1.4) */
    {TRM_F1, {2.0 / 3, 0.0, 0.0}, ALL3(2.0 / 9), /* 4*2/3/7 */ ALL3(8.0 / 21),
     /* 6/(6+4+4) */ 3.0 / 7},
    /* specificity tn/(tn+fp): 1/3, 4/4, 5/7 */
    {TRM_SPECIFICITY, {1.0 / 3, 1.0, 5.0 / 7},
     /* (7/21+21/21+15/21)/3 */ ALL3(43.0 / 63),
     /* (4/3+3)/7 */ ALL3(13.0 / 21),
     /* 10/(10+4) */ 5.0 / 7},
    /* NPV tn/(tn+fn): 1/2, 4/7, 5/5 */
    {TRM_NPV, {1.0 / 2, 4.0 / 7, 1.0},
     /* (7/14+8/14+14/14)/3 */ ALL3(29.0 / 42),
     /* (4/2+12/7)/7 */ ALL3(26.0 / 49),
     /* 10/(10+4) */ 5.0 / 7},
    /* FPR fp/(fp+tn): 2/3, 0/4, 2/7 */
    {TRM_FPR, {2.0 / 3, 0.0, 2.0 / 7},
     /* (14/21+0+6/21)/3 */ ALL3(20.0 / 63),
     /* 4*2/3/7 */ ALL3(8.0 / 21),
     /* 4/(4+10) */ 2.0 / 7},
    /* FNR fn/(fn+tp): 1/4, 3/3, 0/0 */
    {TRM_FNR,
     {1.0 / 4, 1.0, UNDEF},
     /* (1/4+1+0)/3, (1/4+1+1)/3, (1/4+1)/2 */
     {5.0 / 12, 3.0 / 4, 5.0 / 8},
     /* (4/4+3)/7 */ ALL3(4.0 / 7),
     /* 4/(4+3) */ 4.0 / 7},
    /* Jaccard tp/(tp+fp+fn): 3/6, 0/3, 0/2 */
    {TRM_JACCARD, {1.0 / 2, 0.0, 0.0}, ALL3(1.0 / 6), /* 4/2/7 */ ALL3(2.0 / 7),
     /* 3/(3+4+4) */ 3.0 / 11},
    /* support: row sums, never undefined; every average is the total 7 */
    {TRM_SUPPORT, {4.0, 3.0, 0.0}, ALL3(7.0), ALL3(7.0), 7.0},
};

START_TEST(three_class_metrics)
{
    trm_confusion *cm = make_m1();
    run_metric_cases(cm, M1_CASES, sizeof M1_CASES / sizeof M1_CASES[0]);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(three_class_scores)
{
    trm_confusion *cm = make_m1();
    /* rows t = (4, 3, 0), columns p = (5, 0, 2), trace 3, N = 7.
     * Kappa: E[i][j] = p_i t_j / 7 =
     *   [[20/7, 15/7, 0], [0, 0, 0], [8/7, 6/7, 0]]
     * NONE:      sum wO = 1+2+1 = 4;      sum wE = (15+8+6)/7 = 29/7;    1 - 28/29
     * LINEAR:    sum wO = 2*1+2+1 = 5;    sum wE = (15+2*8+6)/7 = 37/7;  1 - 35/37
     * QUADRATIC: sum wO = 4*1+2+1 = 7;    sum wE = (15+4*8+6)/7 = 53/7;  1 - 49/53
     * (check NONE: po = 3/7, pe = (4*5)/49, (21-20)/(49-20) = 1/29)
     * MCC: cov_tp = 3*7 - (4*5+3*0+0*2) = 1; cov_pp = 49 - (25+0+4) = 20;
     *      cov_tt = 49 - (16+9+0) = 24; 1/sqrt(20*24)
     * Balanced: classes 0, 1 occur; (3/4 + 0)/2 = 3/8; adjusted (3/8-1/2)/(1/2) = -1/4 */
    const scalar_scores want = {
        .accuracy = 3.0 / 7,
        .balanced = 3.0 / 8,
        .balanced_adjusted = -1.0 / 4,
        .kappa = {1.0 / 29, 2.0 / 37, 4.0 / 53},
        .mcc = 1.0 / sqrt(480.0),
    };
    check_scalars(cm, &want);
    trm_confusion_free(cm);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Binary textbook case                                                     */
/* ------------------------------------------------------------------------ */

/* Supports 70, 30 (N = 100); pooled tp 85, fp 15, fn 15, tn 85. */
static const metric_case M2_CASES[] = {
    /* class 0: 65/75, class 1: 20/25; weighted (70*13/15 + 30*4/5)/100 = (182/3+24)/100 */
    {TRM_PRECISION, {13.0 / 15, 4.0 / 5}, ALL3(5.0 / 6), ALL3(127.0 / 150), 17.0 / 20},
    /* 65/70, 20/30; macro (39/42+28/42)/2 */
    {TRM_RECALL, {13.0 / 14, 2.0 / 3}, ALL3(67.0 / 84), ALL3(17.0 / 20), 17.0 / 20},
    /* 130/145, 40/55; macro (286+232)/319/2; weighted (70*26/29+30*8/11)/100 */
    {TRM_F1, {26.0 / 29, 8.0 / 11}, ALL3(259.0 / 319), ALL3(1349.0 / 1595), 17.0 / 20},
    /* 20/30, 65/70; weighted (140/3+195/7)/100 = 1565/2100 */
    {TRM_SPECIFICITY, {2.0 / 3, 13.0 / 14}, ALL3(67.0 / 84), ALL3(313.0 / 420), 17.0 / 20},
    /* 20/25, 65/75; weighted (56+26)/100 */
    {TRM_NPV, {4.0 / 5, 13.0 / 15}, ALL3(5.0 / 6), ALL3(41.0 / 50), 17.0 / 20},
    /* 10/30, 5/70; macro (14/42+3/42)/2; weighted (70/3+15/7)/100 = 535/2100 */
    {TRM_FPR, {1.0 / 3, 1.0 / 14}, ALL3(17.0 / 84), ALL3(107.0 / 420), 3.0 / 20},
    /* 5/70, 10/30; weighted (5+10)/100 */
    {TRM_FNR, {1.0 / 14, 1.0 / 3}, ALL3(17.0 / 84), ALL3(3.0 / 20), 3.0 / 20},
    /* 65/80, 20/35; macro (91/112+64/112)/2; weighted (455/8+120/7)/100 = 4145/5600;
     * micro 85/(85+15+15) */
    {TRM_JACCARD, {13.0 / 16, 4.0 / 7}, ALL3(155.0 / 224), ALL3(829.0 / 1120), 17.0 / 23},
    {TRM_SUPPORT, {70.0, 30.0}, ALL3(100.0), ALL3(100.0), 100.0},
};

START_TEST(binary_metrics)
{
    trm_confusion *cm = make_m2();
    run_metric_cases(cm, M2_CASES, sizeof M2_CASES / sizeof M2_CASES[0]);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(binary_scores)
{
    trm_confusion *cm = make_m2();
    /* MCC = (tp*tn - fp*fn)/sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn))
     *     = (20*65 - 5*10)/sqrt(25*30*70*75) = 1250/(750*sqrt 7) = 5/(3*sqrt 7)
     * Kappa: po = 85/100, pe = (70*75 + 30*25)/100^2 = 0.6, (0.85-0.6)/0.4 = 5/8;
     *        with K = 2 the linear and quadratic weights equal the plain ones.
     * Balanced: (13/14 + 2/3)/2 = 67/84; adjusted 2*67/84 - 1 = 25/42 */
    const scalar_scores want = {
        .accuracy = 17.0 / 20,
        .balanced = 67.0 / 84,
        .balanced_adjusted = 25.0 / 42,
        .kappa = {5.0 / 8, 5.0 / 8, 5.0 / 8},
        .mcc = 5.0 / (3.0 * sqrt(7.0)),
    };
    check_scalars(cm, &want);
    trm_confusion_free(cm);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* zero_division corner cases                                               */
/* ------------------------------------------------------------------------ */

/* M3: class 1 has tp = fp = fn = 0, so even F1 is undefined there. */
START_TEST(absent_class)
{
    trm_confusion *cm = make_m3();
    /* F1: 4/6, 0/0, 2/4 -> the zero_division value for class 1 (ONE -> 1) */
    check_per_class(cm, TRM_F1, (const double[]){2.0 / 3, UNDEF, 1.0 / 2});
    check_per_class(cm, TRM_JACCARD, (const double[]){1.0 / 2, UNDEF, 1.0 / 3});
    /* specificity tn/(tn+fp): 1/2, 5/5, 2/3 -- defined for the absent class */
    check_per_class(cm, TRM_SPECIFICITY, (const double[]){1.0 / 2, 1.0, 2.0 / 3});

    /* F1 macro: (2/3+0+1/2)/3, (2/3+1+1/2)/3, (2/3+1/2)/2;
     * macro over present classes 0 and 2: (2/3+1/2)/2 whatever the policy */
    const double f1_macro[3] = {7.0 / 18, 13.0 / 18, 7.0 / 12};
    for (int z = 0; z < 3; z++) {
        check_average(cm, TRM_F1, 0, z, f1_macro[z]);
        check_average(cm, TRM_F1, 3, z, 7.0 / 12);
        /* weighted (3*2/3 + 0*zd + 2*1/2)/5; micro 2*3/(6+2+2) */
        check_average(cm, TRM_F1, 2, z, 3.0 / 5);
        check_average(cm, TRM_F1, 1, z, 3.0 / 5);
        /* presence is tp+fp+fn > 0 whatever the metric:
         * specificity macro (1/2+1+2/3)/3, present (1/2+2/3)/2 */
        check_average(cm, TRM_SPECIFICITY, 0, z, 13.0 / 18);
        check_average(cm, TRM_SPECIFICITY, 3, z, 7.0 / 12);
    }

    /* po = 3/5, pe = (3*3+0+2*2)/25 = 13/25, kappa (15-13)/(25-13) = 1/6;
     * MCC: cov_tp = 3*5-13 = 2, cov_pp = cov_tt = 25-13 = 12 -> 2/12;
     * balanced (2/3+1/2)/2 = 7/12 over the 2 occurring classes, adjusted (7/12-1/2)*2.
     * Kappa weights: only off-diagonal cells (0,2), (2,0) are nonzero in O and
     * E = [[9/5,0,6/5],[0,0,0],[6/5,0,4/5]], both at distance 2:
     * LINEAR 1 - 2*2/(2*12/5) = 1/6, QUADRATIC 1 - 4*2/(4*12/5) = 1/6. */
    const scalar_scores want = {
        .accuracy = 3.0 / 5,
        .balanced = 7.0 / 12,
        .balanced_adjusted = 1.0 / 6,
        .kappa = {1.0 / 6, 1.0 / 6, 1.0 / 6},
        .mcc = 1.0 / 6,
    };
    check_scalars(cm, &want);
    trm_confusion_free(cm);
}
END_TEST

/* Undefined specificity, NPV and FPR need degenerate binary matrices. */
START_TEST(degenerate_binary)
{
    /* All samples are true class 0: [[3, 1], [0, 0]].
     *   class 0: tp 3, fn 1, fp 0, tn 0;  class 1: tp 0, fn 0, fp 1, tn 3 */
    static const uint64_t all_true_0[4] = {3, 1, 0, 0};
    static const struct {
        int metric;
        double v[2];
    } only_true_0[] = {
        {TRM_PRECISION, {3.0 / 3, 0.0 / 1}},   {TRM_RECALL, {3.0 / 4, UNDEF}},
        {TRM_F1, {6.0 / 7, 0.0 / 1}},          {TRM_SPECIFICITY, {UNDEF, 3.0 / 4}},
        {TRM_NPV, {0.0 / 1, 3.0 / 3}},         {TRM_FPR, {UNDEF, 1.0 / 4}},
        {TRM_FNR, {1.0 / 4, UNDEF}},           {TRM_JACCARD, {3.0 / 4, 0.0 / 1}},
        {TRM_SUPPORT, {4.0, 0.0}},
    };
    trm_confusion *cm = from_counts(2, all_true_0);
    for (size_t i = 0; i < sizeof only_true_0 / sizeof only_true_0[0]; i++)
        check_per_class(cm, only_true_0[i].metric, only_true_0[i].v);
    trm_confusion_free(cm);

    /* All samples predicted class 1: [[0, 2], [0, 3]].
     *   class 0: tp 0, fn 2, fp 0, tn 3;  class 1: tp 3, fn 0, fp 2, tn 0 */
    static const uint64_t all_pred_1[4] = {0, 2, 0, 3};
    static const struct {
        int metric;
        double v[2];
    } only_pred_1[] = {
        {TRM_PRECISION, {UNDEF, 3.0 / 5}},     {TRM_RECALL, {0.0 / 2, 3.0 / 3}},
        {TRM_F1, {0.0 / 2, 6.0 / 8}},          {TRM_SPECIFICITY, {3.0 / 3, 0.0 / 2}},
        {TRM_NPV, {3.0 / 5, UNDEF}},           {TRM_FPR, {0.0 / 3, 2.0 / 2}},
        {TRM_FNR, {2.0 / 2, 0.0 / 3}},         {TRM_JACCARD, {0.0 / 2, 3.0 / 5}},
        {TRM_SUPPORT, {2.0, 3.0}},
    };
    cm = from_counts(2, all_pred_1);
    for (size_t i = 0; i < sizeof only_pred_1 / sizeof only_pred_1[0]; i++)
        check_per_class(cm, only_pred_1[i].metric, only_pred_1[i].v);
    /* NPV weighted (supports 2, 3): (2*3/5 + 3*0)/5, (2*3/5 + 3*1)/5, 3/5 alone */
    const double npv_weighted[3] = {6.0 / 25, 21.0 / 25, 3.0 / 5};
    for (int z = 0; z < 3; z++)
        check_average(cm, TRM_NPV, 2, z, npv_weighted[z]);
    trm_confusion_free(cm);
}
END_TEST

/* With NAN, dropping the undefined classes can leave weights that sum to 0:
 * then the weighted average is the plain mean of what is left. */
START_TEST(weighted_average_zero_weights)
{
    /* [[1, 1, 2], [0, 0, 0], [0, 0, 0]], N = 4, supports 4, 0, 0.
     *   class 0: tp 1, fn 3, fp 0, tn 0 -> specificity 0/0, FPR 0/0
     *   class 1: tp 0, fn 0, fp 1, tn 3 -> specificity 3/4, FPR 1/4
     *   class 2: tp 0, fn 0, fp 2, tn 2 -> specificity 2/4, FPR 2/4 */
    static const uint64_t counts[9] = {1, 1, 2, 0, 0, 0, 0, 0, 0};
    trm_confusion *cm = from_counts(3, counts);
    /* weighted: 4*0/4, 4*1/4, then classes 1 and 2 with weights 0 -> (3/4+1/2)/2 */
    const double spec_weighted[3] = {0.0, 1.0, 5.0 / 8};
    /* weighted: 0, 1, (1/4+1/2)/2 */
    const double fpr_weighted[3] = {0.0, 1.0, 3.0 / 8};
    /* macro: (0+3/4+1/2)/3, (1+3/4+1/2)/3, (3/4+1/2)/2 */
    const double spec_macro[3] = {5.0 / 12, 3.0 / 4, 5.0 / 8};
    for (int z = 0; z < 3; z++) {
        check_average(cm, TRM_SPECIFICITY, 2, z, spec_weighted[z]);
        check_average(cm, TRM_FPR, 2, z, fpr_weighted[z]);
        check_average(cm, TRM_SPECIFICITY, 0, z, spec_macro[z]);
        /* pooled tn 0+3+2 = 5, fp 0+1+2 = 3: 5/8 */
        check_average(cm, TRM_SPECIFICITY, 1, z, 5.0 / 8);
    }
    trm_confusion_free(cm);

    /* K = 1, [[5]]: tn = fp = 0, specificity undefined everywhere, pooled
     * included; with NAN nothing is left, so every average is NaN. */
    static const uint64_t single[1] = {5};
    cm = from_counts(1, single);
    for (int a = 0; a < 4; a++)
        for (int z = 0; z < 3; z++)
            check_average(cm, TRM_SPECIFICITY, a, z, zd_value(ZERO_DIVISIONS[z]));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(undefined_scores)
{
    /* Everything in class 1 on both sides: [[0, 0], [0, 5]].
     * Kappa: E = [[0, 0], [0, 5]], sum wO = sum wE = 0 -> 0/0 -> NaN.
     * MCC: cov_tp = 5*5 - 25 = 0, cov_pp = 25 - 25 = 0 -> denominator 0 -> 0.
     * Balanced: only class 1 occurs, recall 1; adjusted (1-1)/(1-1) = NaN. */
    static const uint64_t one_class[4] = {0, 0, 0, 5};
    trm_confusion *cm = from_counts(2, one_class);
    scalar_scores want = {
        .accuracy = 1.0,
        .balanced = 1.0,
        .balanced_adjusted = NAN,
        .kappa = {NAN, NAN, NAN},
        .mcc = 0.0,
    };
    check_scalars(cm, &want);
    trm_confusion_free(cm);

    /* [[1, 1], [0, 0]]: only class 0 occurs in y_true, recall 1/2.
     * Adjusted: (1/2 - 1)/(1 - 1) = -Inf (scikit-learn divides by zero too).
     * Kappa: p = (1, 1), t = (2, 0), E = [[1, 0], [1, 0]]; sum wO = 1, sum wE = 1 -> 0.
     * MCC: cov_tp = 1*2 - (2*1+0*1) = 0, cov_tt = 4 - 4 = 0 -> 0. */
    static const uint64_t half[4] = {1, 1, 0, 0};
    cm = from_counts(2, half);
    want = (scalar_scores){
        .accuracy = 1.0 / 2,
        .balanced = 1.0 / 2,
        .balanced_adjusted = -INFINITY,
        .kappa = {0.0, 0.0, 0.0},
        .mcc = 0.0,
    };
    check_scalars(cm, &want);
    trm_confusion_free(cm);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* F-beta                                                                   */
/* ------------------------------------------------------------------------ */

START_TEST(fbeta_binary)
{
    trm_confusion *cm = make_m2();
    /* (1+b^2)tp / ((1+b^2)tp + b^2 fn + fp)
     * class 0 (tp 65, fp 10, fn 5), class 1 (tp 20, fp 5, fn 10)
     * b = 2:   325/(325+20+10) = 65/71,        100/(100+40+5) = 20/29
     * b = 0.5: 81.25/(81.25+1.25+10) = 65/74,  25/(25+2.5+5) = 10/13
     * b = 0: precision 13/15, 4/5;  b = Inf: recall 13/14, 2/3
     * b = 1: F1 26/29, 8/11 */
    check_fbeta(cm, 2.0, (const double[]){65.0 / 71, 20.0 / 29});
    check_fbeta(cm, 0.5, (const double[]){65.0 / 74, 10.0 / 13});
    check_fbeta(cm, 0.0, (const double[]){13.0 / 15, 4.0 / 5});
    check_fbeta(cm, INFINITY, (const double[]){13.0 / 14, 2.0 / 3});
    /* b = 1e200: b^2 overflows a double, the limit is recall again. */
    check_fbeta(cm, 1e200, (const double[]){13.0 / 14, 2.0 / 3});
    check_fbeta(cm, 1.0, (const double[]){26.0 / 29, 8.0 / 11});
    for (int z = 0; z < 3; z++) {
        /* macro (65/71+20/29)/2; weighted (70*65/71 + 30*20/29)/100;
         * micro: 5*85/(5*85 + 4*15 + 15) = 425/500 */
        check_fbeta_average(cm, 2.0, 0, z, (65.0 / 71 + 20.0 / 29) / 2);
        check_fbeta_average(cm, 2.0, 2, z, (70 * 65.0 / 71 + 30 * 20.0 / 29) / 100);
        check_fbeta_average(cm, 2.0, 1, z, 17.0 / 20);
        check_fbeta_average(cm, 2.0, 3, z, (65.0 / 71 + 20.0 / 29) / 2);
        /* b = 0.5: macro (65/74+10/13)/2; micro 1.25*85/(1.25*85+0.25*15+15) = 0.85 */
        check_fbeta_average(cm, 0.5, 0, z, (65.0 / 74 + 10.0 / 13) / 2);
        check_fbeta_average(cm, 0.5, 1, z, 17.0 / 20);
        /* b = 0 and Inf average like precision and recall: 5/6, 67/84 */
        check_fbeta_average(cm, 0.0, 0, z, 5.0 / 6);
        check_fbeta_average(cm, INFINITY, 0, z, 67.0 / 84);
        check_fbeta_average(cm, INFINITY, 2, z, 17.0 / 20);
    }
    trm_confusion_free(cm);
}
END_TEST

START_TEST(fbeta_zero_division)
{
    /* M1: class 0 tp 3, fp 2, fn 1; class 1 tp 0, fp 0, fn 3; class 2 tp 0, fp 2, fn 0.
     * b = 2:   15/(15+4+2) = 5/7,  0/(0+12+0) = 0,  0/(0+0+2) = 0
     * b = 0.5: 3.75/(3.75+0.25+2) = 5/8, 0/0.75 = 0, 0/2 = 0
     * b = 0 is precision: 3/5, 0/0, 0/2;  b = Inf is recall: 3/4, 0/3, 0/0 */
    trm_confusion *cm = make_m1();
    check_fbeta(cm, 2.0, (const double[]){5.0 / 7, 0.0, 0.0});
    check_fbeta(cm, 0.5, (const double[]){5.0 / 8, 0.0, 0.0});
    check_fbeta(cm, 0.0, (const double[]){3.0 / 5, UNDEF, 0.0});
    check_fbeta(cm, INFINITY, (const double[]){3.0 / 4, 0.0, UNDEF});
    /* b = 0 macro as precision: 1/5, 8/15, 3/10; b = Inf as recall: 1/4, 7/12, 3/8 */
    const double b0_macro[3] = {1.0 / 5, 8.0 / 15, 3.0 / 10};
    const double binf_macro[3] = {1.0 / 4, 7.0 / 12, 3.0 / 8};
    for (int z = 0; z < 3; z++) {
        check_fbeta_average(cm, 0.0, 0, z, b0_macro[z]);
        check_fbeta_average(cm, INFINITY, 0, z, binf_macro[z]);
        /* b = 2 macro (5/7)/3, weighted 4*5/7/7 */
        check_fbeta_average(cm, 2.0, 0, z, 5.0 / 21);
        check_fbeta_average(cm, 2.0, 2, z, 20.0 / 49);
        /* micro b = 2: 5*3/(5*3 + 4*4 + 4) = 15/35 */
        check_fbeta_average(cm, 2.0, 1, z, 3.0 / 7);
    }
    trm_confusion_free(cm);

    /* M3: class 1 has tp = fp = fn = 0, undefined for every beta.
     * b = 2: 10/(10+4+1) = 2/3, 0/0, 5/(5+4+1) = 1/2 */
    cm = make_m3();
    check_fbeta(cm, 2.0, (const double[]){2.0 / 3, UNDEF, 1.0 / 2});
    check_fbeta(cm, 0.5, (const double[]){2.0 / 3, UNDEF, 1.0 / 2});
    /* macro (2/3+0+1/2)/3, (2/3+1+1/2)/3, (2/3+1/2)/2; present classes (2/3+1/2)/2 */
    const double b2_macro[3] = {7.0 / 18, 13.0 / 18, 7.0 / 12};
    for (int z = 0; z < 3; z++) {
        check_fbeta_average(cm, 2.0, 0, z, b2_macro[z]);
        check_fbeta_average(cm, 2.0, 3, z, 7.0 / 12);
    }
    trm_confusion_free(cm);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Weighted matrix                                                          */
/* ------------------------------------------------------------------------ */

START_TEST(weighted_matrix)
{
    trm_confusion *cm = make_weighted();
    /* precision 2/4, 2/2.5, 2/2; recall 2/2.5, 2/3, 2/3;
     * F1 4/6.5, 4/5.5, 4/5; support 2.5, 3, 3 (sums of weights) */
    check_per_class(cm, TRM_PRECISION, (const double[]){1.0 / 2, 4.0 / 5, 1.0});
    check_per_class(cm, TRM_RECALL, (const double[]){4.0 / 5, 2.0 / 3, 2.0 / 3});
    check_per_class(cm, TRM_F1, (const double[]){8.0 / 13, 8.0 / 11, 4.0 / 5});
    check_per_class(cm, TRM_SUPPORT, (const double[]){2.5, 3.0, 3.0});
    /* specificity tn/(tn+fp): 4/6, 5/5.5, 5.5/5.5 */
    check_per_class(cm, TRM_SPECIFICITY, (const double[]){2.0 / 3, 10.0 / 11, 1.0});
    for (int z = 0; z < 3; z++) {
        /* weighted precision (2.5*1/2 + 3*4/5 + 3*1)/8.5 = 6.65/8.5 */
        check_average(cm, TRM_PRECISION, 2, z, 133.0 / 170);
        /* weighted recall = accuracy = 6/8.5 */
        check_average(cm, TRM_RECALL, 2, z, 12.0 / 17);
        /* macro recall (4/5 + 2/3 + 2/3)/3 */
        check_average(cm, TRM_RECALL, 0, z, 32.0 / 45);
        /* weighted F1 (2.5*8/13 + 3*8/11 + 3*4/5)/8.5 */
        check_average(cm, TRM_F1, 2, z, (20.0 / 13 + 24.0 / 11 + 12.0 / 5) / 8.5);
        /* micro precision 6/(6+2.5) */
        check_average(cm, TRM_PRECISION, 1, z, 12.0 / 17);
        check_average(cm, TRM_SUPPORT, 0, z, 8.5);
    }
    /* rows t = (2.5, 3, 3), columns p = (4, 2.5, 2), trace 6, N = 8.5
     * kappa: po*N^2 = 51, pe*N^2 = 2.5*4 + 3*2.5 + 3*2 = 23.5, (51-23.5)/(72.25-23.5)
     * linear: wO = 0.5*1 + 1*1 + 1*2 = 3.5;
     *   wE*N = 1*(4*3 + 2.5*2.5 + 2.5*3 + 2*3) + 2*(4*3 + 2*2.5) = 31.75 + 34 = 65.75
     *   (E[i][j] = p_i t_j / N, pairs (0,1),(1,0),(1,2),(2,1) and (0,2),(2,0));
     *   1 - 3.5*8.5/65.75 = 1 - 29.75/65.75 = 36/65.75
     * quadratic: wO = 0.5 + 1 + 4*1 = 5.5; wE*N = 31.75 + 4*17 = 99.75;
     *   1 - 5.5*8.5/99.75 = 1 - 46.75/99.75 = 53/99.75
     * MCC: cov_tp = 6*8.5 - 23.5 = 27.5; cov_pp = 72.25 - (16+6.25+4) = 46;
     *      cov_tt = 72.25 - (6.25+9+9) = 48
     * balanced: (4/5 + 2/3 + 2/3)/3 = 32/45; adjusted (32/45 - 1/3)/(2/3) = 17/30 */
    const scalar_scores want = {
        .accuracy = 12.0 / 17,
        .balanced = 32.0 / 45,
        .balanced_adjusted = 17.0 / 30,
        .kappa = {27.5 / 48.75, 36.0 / 65.75, 53.0 / 99.75},
        .mcc = 27.5 / sqrt(46.0 * 48.0),
    };
    check_scalars(cm, &want);
    trm_confusion_free(cm);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Empty matrix                                                             */
/* ------------------------------------------------------------------------ */

START_TEST(empty_matrix)
{
    trm_confusion *cm = new_matrix(3, 0);
    /* Every denominator is 0 (tn too), so every metric but SUPPORT is undefined. */
    const double undef3[3] = {UNDEF, UNDEF, UNDEF};
    for (int m = TRM_PRECISION; m <= TRM_JACCARD; m++) {
        check_per_class(cm, m, undef3);
        for (int a = 0; a < 4; a++)
            for (int z = 0; z < 3; z++)
                check_average(cm, m, a, z, zd_value(ZERO_DIVISIONS[z]));
    }
    check_per_class(cm, TRM_SUPPORT, (const double[]){0.0, 0.0, 0.0});
    for (int a = 0; a < 4; a++)
        for (int z = 0; z < 3; z++)
            check_average(cm, TRM_SUPPORT, a, z, 0.0);
    const double betas[4] = {0.0, 0.5, 2.0, INFINITY};
    for (int b = 0; b < 4; b++) {
        check_fbeta(cm, betas[b], undef3);
        for (int a = 0; a < 4; a++)
            for (int z = 0; z < 3; z++)
                check_fbeta_average(cm, betas[b], a, z, zd_value(ZERO_DIVISIONS[z]));
    }

    double out = -12345.0;
    ck_assert_fails(TRM_E_EMPTY, trm_accuracy(cm, &out));
    ck_assert_fails(TRM_E_EMPTY, trm_balanced_accuracy(cm, 0, &out));
    ck_assert_fails(TRM_E_EMPTY, trm_balanced_accuracy(cm, 1, &out));
    for (int w = TRM_KAPPA_NONE; w <= TRM_KAPPA_QUADRATIC; w++)
        ck_assert_fails(TRM_E_EMPTY, trm_cohen_kappa(cm, w, &out));
    ck_assert_fails(TRM_E_EMPTY, trm_matthews_corrcoef(cm, &out));
    ck_assert(out == -12345.0);
    trm_confusion_free(cm);

    /* An empty weighted matrix behaves the same. */
    cm = new_matrix(2, TRM_CONFUSION_WEIGHTED);
    ck_assert_fails(TRM_E_EMPTY, trm_accuracy(cm, &out));
    check_average(cm, TRM_F1, 2, 1, 1.0);
    trm_confusion_free(cm);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* classification_report                                                    */
/* ------------------------------------------------------------------------ */

/* Header for width 12: 12 spaces + " ", then " " + each title right-aligned in 9. */
#define HEADER12 "              precision    recall  f1-score   support\n\n"

START_TEST(report_three_class)
{
    /* M1 with zero_division 0: p (0.60, 0, 0), r (0.75, 0, 0), f1 (2/3, 0, 0);
     * accuracy 3/7 = 0.43; macro 1/5, 1/4, 2/9 = 0.20 0.25 0.22;
     * weighted 12/35 = 0.343, 3/7 = 0.429, 8/21 = 0.381 */
    static const char expected[] = HEADER12
        "           0       0.60      0.75      0.67         4\n"
        "           1       0.00      0.00      0.00         3\n"
        "           2       0.00      0.00      0.00         0\n"
        "\n"
        "    accuracy                           0.43         7\n"
        "   macro avg       0.20      0.25      0.22         7\n"
        "weighted avg       0.34      0.43      0.38         7\n";
    /* digits 0: "{:>9.0f}"; the accuracy row's blanks stay 2 x 10 characters */
    static const char expected_0[] = HEADER12
        "           0          1         1         1         4\n"
        "           1          0         0         0         3\n"
        "           2          0         0         0         0\n"
        "\n"
        "    accuracy                              0         7\n"
        "   macro avg          0         0         0         7\n"
        "weighted avg          0         0         0         7\n";
    trm_confusion *cm = make_m1();
    check_report(cm, NULL, 2, expected);
    check_report(cm, NULL, 0, expected_0);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(report_custom_names)
{
    /* M2, digits 3; "malignant tumour" (16) is wider than "weighted avg" (12).
     * class 0: 13/15 = 0.8667, 13/14 = 0.9286, 26/29 = 0.8966, 70
     * class 1: 0.8, 2/3, 8/11 = 0.7273, 30
     * accuracy 0.85; macro 5/6 = 0.8333, 67/84 = 0.7976, 259/319 = 0.8119
     * weighted 127/150 = 0.8467, 0.85, 1349/1595 = 0.8458 */
    static const char *const names[2] = {"benign", "malignant tumour"};
    static const char expected[] =
        "                  precision    recall  f1-score   support\n"
        "\n"
        "          benign      0.867     0.929     0.897        70\n"
        "malignant tumour      0.800     0.667     0.727        30\n"
        "\n"
        "        accuracy                          0.850       100\n"
        "       macro avg      0.833     0.798     0.812       100\n"
        "    weighted avg      0.847     0.850     0.846       100\n";
    /* Python pads by code points: "café" and "naïve" are 4 and 5 wide. */
    static const char *const utf8_names[2] = {"caf\xc3\xa9", "na\xc3\xafve"};
    static const char expected_utf8[] = HEADER12
        "        caf\xc3\xa9       0.87      0.93      0.90        70\n"
        "       na\xc3\xafve       0.80      0.67      0.73        30\n"
        "\n"
        "    accuracy                           0.85       100\n"
        "   macro avg       0.83      0.80      0.81       100\n"
        "weighted avg       0.85      0.85      0.85       100\n";
    trm_confusion *cm = make_m2();
    check_report(cm, names, 3, expected);
    check_report(cm, utf8_names, 2, expected_utf8);

    /* digits 13 > 12 sets the width; the numbers overflow their 9 columns:
     * 13/15 = 0.86666..., 13/14 = 0.928571428571428..., 26/29 = 0.89655172413793...,
     * 2/3 = 0.6666..., 8/11 = 0.727272... */
    static const char prefix_13[] =
        "               precision    recall  f1-score   support\n"
        "\n"
        "            0  0.8666666666667 0.9285714285714 0.8965517241379        70\n"
        "            1  0.8000000000000 0.6666666666667 0.7272727272727        30\n";
    char buf[1024];
    size_t size = 0;
    ck_assert_ok(trm_classification_report(cm, NULL, 13, buf, sizeof buf, &size));
    ck_assert_uint_eq(size, strlen(buf) + 1);
    ck_assert_msg(strncmp(buf, prefix_13, strlen(prefix_13)) == 0, "digits 13 report:\n%s", buf);
    /* digits 30 is the largest accepted */
    ck_assert_ok(trm_classification_report(cm, NULL, 30, buf, sizeof buf, &size));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(report_absent_class)
{
    /* M3: class 1 never occurs, so the micro average gets its own line.
     * class 0: 2/3 x3, support 3; class 1: zeros (zero_division 0); class 2: 1/2 x3
     * micro 3/5; macro (2/3+0+1/2)/3 = 7/18 = 0.389; weighted (3*2/3+2*1/2)/5 = 0.6 */
    static const char expected[] = HEADER12
        "           0       0.67      0.67      0.67         3\n"
        "           1       0.00      0.00      0.00         0\n"
        "           2       0.50      0.50      0.50         2\n"
        "\n"
        "   micro avg       0.60      0.60      0.60         5\n"
        "   macro avg       0.39      0.39      0.39         5\n"
        "weighted avg       0.60      0.60      0.60         5\n";
    trm_confusion *cm = make_m3();
    check_report(cm, NULL, 2, expected);
    trm_confusion_free(cm);
}
END_TEST

/* scikit-learn counts a class present when it occurs in y_true or y_pred, its
 * weight 0 included: classification_report([0, 1, 2, 0], [0, 1, 1, 0],
 * labels=[0, 1, 2], sample_weight=[1, 1, 0, 1], zero_division=0) prints the
 * accuracy line, while the same report without the pair (2, 1) prints
 * "micro avg" (both texts are scikit-learn 1.2's output). Clone, merge and
 * reset carry the record of such classes. */
START_TEST(report_zero_weight_class_is_present)
{
    static const char rows[] =
        "              precision    recall  f1-score   support\n\n"
        "           0       1.00      1.00      1.00       2.0\n"
        "           1       1.00      1.00      1.00       1.0\n"
        "           2       0.00      0.00      0.00       0.0\n\n";
    static const char tail[] =
        "       1.00      1.00      1.00       3.0\n"
        "   macro avg       0.67      0.67      0.67       3.0\n"
        "weighted avg       1.00      1.00      1.00       3.0\n";
    char with_accuracy[512], with_micro[512];
    snprintf(with_accuracy, sizeof with_accuracy, "%s    accuracy                           1.00       3.0\n"
             "   macro avg       0.67      0.67      0.67       3.0\n"
             "weighted avg       1.00      1.00      1.00       3.0\n", rows);
    snprintf(with_micro, sizeof with_micro, "%s   micro avg%s", rows, tail);
    static const int32_t t[] = { 0, 1, 2, 0 }, p[] = { 0, 1, 1, 0 };
    static const double w[] = { 1, 1, 0, 1 };
    trm_confusion *cm = NULL, *without = NULL, *copy = NULL;
    ck_assert_ok(trm_confusion_new(&cm, 3, TRM_CONFUSION_WEIGHTED, NULL));
    ck_assert_ok(trm_confusion_new(&without, 3, TRM_CONFUSION_WEIGHTED, NULL));
    ck_assert_ok(trm_confusion_update_weighted_i32(cm, t, p, w, 4));
    ck_assert_ok(trm_confusion_update_weighted_i32(without, t, p, w, 2));
    ck_assert_ok(trm_confusion_update_weighted_i32(without, t + 3, p + 3, w + 3, 1));
    check_report(cm, NULL, 2, with_accuracy);
    check_report(without, NULL, 2, with_micro);
    ck_assert_ok(trm_confusion_clone(&copy, cm));
    check_report(copy, NULL, 2, with_accuracy);
    ck_assert_ok(trm_confusion_merge(without, cm)); /* doubles the weights: 4, 2, 0 */
    size_t size = 0;
    char buf[1024];
    ck_assert_ok(trm_classification_report(without, NULL, 2, buf, sizeof buf, &size));
    ck_assert_msg(strstr(buf, "    accuracy ") != NULL, "%s", buf);
    trm_confusion_reset(copy);
    ck_assert_ok(trm_confusion_update_weighted_i32(copy, t, p, w, 2));
    ck_assert_ok(trm_confusion_update_weighted_i32(copy, t + 3, p + 3, w + 3, 1));
    check_report(copy, NULL, 2, with_micro); /* reset forgot class 2 */
    /* an ignored pair is not seen at all */
    ck_assert_ok(trm_confusion_set_ignore_label(copy, 2));
    ck_assert_ok(trm_confusion_update_weighted_i32(copy, t + 2, p + 2, w + 2, 1));
    check_report(copy, NULL, 2, with_micro);
    trm_confusion_free(cm);
    trm_confusion_free(without);
    trm_confusion_free(copy);
}
END_TEST

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
/* A class whose only pair weighs 1e-310 occurred, in every floating-point
 * mode: flush-to-zero adds it as 0 and denormals-are-zero reads it as 0,
 * yet the report keeps its accuracy line; the blob is the same in every mode.
 * Pairs (0, 0) weight 1, (1, 1) weight 1, (2, 1) weight 1e-310. */
START_TEST(report_subnormal_weight_class_in_every_fp_mode)
{
    static const int32_t t[] = { 0, 1, 2 }, p[] = { 0, 1, 1 };
    static const double w[] = { 1.0, 1.0, 1e-310 };
    static const unsigned modes[] = { 0, 0x8000 /* FTZ */, 0x0040 /* DAZ */, 0x8040 };
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        unsigned before = _mm_getcsr();
        _mm_setcsr((before & ~0x8040u) | modes[m]);
        trm_confusion *cm = NULL, *back = NULL;
        int rc = trm_confusion_new(&cm, 3, TRM_CONFUSION_WEIGHTED, NULL);
        if (rc == TRM_OK)
            rc = trm_confusion_update_weighted_i32(cm, t, p, w, 3);
        char buf[1024], again[1024];
        size_t size = 0, blob_size = 0;
        if (rc == TRM_OK)
            rc = trm_classification_report(cm, NULL, 2, buf, sizeof buf, &size);
        /* and after a round trip, whatever the mode made of the cell */
        uint8_t *blob = rc == TRM_OK ? snapshot(cm, &blob_size) : NULL;
        if (rc == TRM_OK)
            rc = trm_confusion_deserialize(&back, blob, blob_size, NULL);
        if (rc == TRM_OK)
            rc = trm_classification_report(back, NULL, 2, again, sizeof again, &size);
        _mm_setcsr(before);
        ck_assert_ok(rc);
        ck_assert_msg(strstr(buf, "    accuracy ") != NULL, "mode 0x%x:\n%s", modes[m], buf);
        ck_assert_str_eq(again, buf);
        free(blob);
        trm_confusion_free(back);
        trm_confusion_free(cm);
    }
}
END_TEST
#endif

START_TEST(report_weighted)
{
    /* W: supports are float sums, printed as Python's repr (2.5, 3.0, total 8.5).
     * p 0.5, 0.8, 1; r 0.8, 2/3, 2/3; f1 8/13 = 0.615, 8/11 = 0.727, 0.8;
     * accuracy 6/8.5 = 0.706; macro 2.3/3 = 0.767, 32/45 = 0.711,
     * (8/13+8/11+4/5)/3 = 0.714; weighted 6.65/8.5 = 0.782, 0.706,
     * (20/13+24/11+12/5)/8.5 = 0.720 */
    static const char expected[] = HEADER12
        "           0       0.50      0.80      0.62       2.5\n"
        "           1       0.80      0.67      0.73       3.0\n"
        "           2       1.00      0.67      0.80       3.0\n"
        "\n"
        "    accuracy                           0.71       8.5\n"
        "   macro avg       0.77      0.71      0.71       8.5\n"
        "weighted avg       0.78      0.71      0.72       8.5\n";
    trm_confusion *cm = make_weighted();
    check_report(cm, NULL, 2, expected);
    trm_confusion_free(cm);

    /* repr switches to exponent notation below 1e-4: repr(1e-05) = "1e-05",
     * repr(2.0 + 1e-05) = "2.00001". Both classes perfect. */
    static const int32_t y[2] = {0, 1};
    static const double w[2] = {1e-05, 2.0};
    static const char expected_tiny[] = HEADER12
        "           0       1.00      1.00      1.00     1e-05\n"
        "           1       1.00      1.00      1.00       2.0\n"
        "\n"
        "    accuracy                           1.00   2.00001\n"
        "   macro avg       1.00      1.00      1.00   2.00001\n"
        "weighted avg       1.00      1.00      1.00   2.00001\n";
    cm = from_weighted_pairs(2, y, y, w, 2);
    check_report(cm, NULL, 2, expected_tiny);
    trm_confusion_free(cm);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Invalid arguments                                                        */
/* ------------------------------------------------------------------------ */

#define SENTINEL (-4242.5)
#define FLAG_SENTINEL 0xa5
#define SIZE_SENTINEL ((size_t)0xdeadbeef)

/* The outputs every bad call could write, pre-filled with sentinels, and a
 * snapshot of the (valid, 3-class) matrix. */
static struct {
    trm_confusion *cm;
    uint8_t *blob;
    size_t blob_size;
    double values[MAXK];
    double value;
    uint8_t flags[MAXK];
    char buf[256];
    size_t size;
} bad;

static void bad_setup(void)
{
    bad.cm = make_m1();
    bad.blob = snapshot(bad.cm, &bad.blob_size);
    for (size_t i = 0; i < MAXK; i++) {
        bad.values[i] = SENTINEL;
        bad.flags[i] = FLAG_SENTINEL;
    }
    bad.value = SENTINEL;
    memset(bad.buf, GUARD, sizeof bad.buf);
    bad.size = SIZE_SENTINEL;
}

static void bad_teardown(void)
{
    free(bad.blob);
    trm_confusion_free(bad.cm);
}

static void bad_check_untouched(void)
{
    for (size_t i = 0; i < MAXK; i++) {
        ck_assert_msg(bad.values[i] == SENTINEL, "values[%zu] written on failure", i);
        ck_assert_msg(bad.flags[i] == FLAG_SENTINEL, "flags[%zu] written on failure", i);
    }
    ck_assert_msg(bad.value == SENTINEL, "scalar output written on failure");
    for (size_t i = 0; i < sizeof bad.buf; i++)
        ck_assert_msg((unsigned char)bad.buf[i] == GUARD, "report byte %zu written on failure",
                      i);
    ck_assert_msg(bad.size == SIZE_SENTINEL, "size written on failure");
    ck_assert_unchanged(bad.cm, bad.blob, bad.blob_size);
}

#define ASSERT_INVALID(call)                                                            \
    do {                                                                                \
        ck_assert_fails(TRM_E_INVALID, call);                                           \
        bad_check_untouched();                                                          \
    } while (0)

static const int BAD_METRICS[] = {-1, 9};
static const int BAD_AVERAGES[] = {-1, 5, TRM_AVERAGE_SAMPLES};
static const int BAD_ZERO_DIVISIONS[] = {-1, 3};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(invalid_metric_per_class)
{
    ASSERT_INVALID(trm_metric_per_class(NULL, TRM_F1, TRM_ZERO_DIVISION_ZERO, bad.values));
    ASSERT_INVALID(trm_metric_per_class(bad.cm, TRM_F1, TRM_ZERO_DIVISION_ZERO, NULL));
    for (size_t i = 0; i < COUNT(BAD_METRICS); i++)
        ASSERT_INVALID(trm_metric_per_class(bad.cm, BAD_METRICS[i], TRM_ZERO_DIVISION_ZERO,
                                            bad.values));
    for (size_t i = 0; i < COUNT(BAD_ZERO_DIVISIONS); i++)
        ASSERT_INVALID(trm_metric_per_class(bad.cm, TRM_F1, BAD_ZERO_DIVISIONS[i], bad.values));
}
END_TEST

START_TEST(invalid_metric_average)
{
    ASSERT_INVALID(trm_metric_average(NULL, TRM_F1, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO,
                                      &bad.value));
    ASSERT_INVALID(
        trm_metric_average(bad.cm, TRM_F1, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, NULL));
    for (size_t i = 0; i < COUNT(BAD_METRICS); i++)
        ASSERT_INVALID(trm_metric_average(bad.cm, BAD_METRICS[i], TRM_AVERAGE_MACRO,
                                          TRM_ZERO_DIVISION_ZERO, &bad.value));
    for (size_t i = 0; i < COUNT(BAD_AVERAGES); i++) {
        ASSERT_INVALID(trm_metric_average(bad.cm, TRM_F1, BAD_AVERAGES[i],
                                          TRM_ZERO_DIVISION_ZERO, &bad.value));
        /* SUPPORT ignores the average mode, but not an invalid one */
        ASSERT_INVALID(trm_metric_average(bad.cm, TRM_SUPPORT, BAD_AVERAGES[i],
                                          TRM_ZERO_DIVISION_ZERO, &bad.value));
    }
    for (size_t i = 0; i < COUNT(BAD_ZERO_DIVISIONS); i++)
        ASSERT_INVALID(trm_metric_average(bad.cm, TRM_F1, TRM_AVERAGE_MACRO,
                                          BAD_ZERO_DIVISIONS[i], &bad.value));
}
END_TEST

START_TEST(invalid_metric_undefined)
{
    ASSERT_INVALID(trm_metric_undefined(NULL, TRM_PRECISION, bad.flags));
    ASSERT_INVALID(trm_metric_undefined(bad.cm, TRM_PRECISION, NULL));
    for (size_t i = 0; i < COUNT(BAD_METRICS); i++)
        ASSERT_INVALID(trm_metric_undefined(bad.cm, BAD_METRICS[i], bad.flags));
}
END_TEST

static const double BAD_BETAS[] = {-0.5, -INFINITY, NAN};

START_TEST(invalid_fbeta)
{
    ASSERT_INVALID(trm_fbeta_per_class(NULL, 2.0, TRM_ZERO_DIVISION_ZERO, bad.values));
    ASSERT_INVALID(trm_fbeta_per_class(bad.cm, 2.0, TRM_ZERO_DIVISION_ZERO, NULL));
    ASSERT_INVALID(trm_fbeta_average(NULL, 2.0, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO,
                                     &bad.value));
    ASSERT_INVALID(
        trm_fbeta_average(bad.cm, 2.0, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, NULL));
    for (size_t i = 0; i < COUNT(BAD_BETAS); i++) {
        ASSERT_INVALID(
            trm_fbeta_per_class(bad.cm, BAD_BETAS[i], TRM_ZERO_DIVISION_ZERO, bad.values));
        ASSERT_INVALID(trm_fbeta_average(bad.cm, BAD_BETAS[i], TRM_AVERAGE_MACRO,
                                         TRM_ZERO_DIVISION_ZERO, &bad.value));
    }
    for (size_t i = 0; i < COUNT(BAD_ZERO_DIVISIONS); i++) {
        ASSERT_INVALID(trm_fbeta_per_class(bad.cm, 2.0, BAD_ZERO_DIVISIONS[i], bad.values));
        ASSERT_INVALID(trm_fbeta_average(bad.cm, 2.0, TRM_AVERAGE_MACRO, BAD_ZERO_DIVISIONS[i],
                                         &bad.value));
    }
    for (size_t i = 0; i < COUNT(BAD_AVERAGES); i++)
        ASSERT_INVALID(trm_fbeta_average(bad.cm, 2.0, BAD_AVERAGES[i], TRM_ZERO_DIVISION_ZERO,
                                         &bad.value));
}
END_TEST

START_TEST(invalid_scores)
{
    ASSERT_INVALID(trm_accuracy(NULL, &bad.value));
    ASSERT_INVALID(trm_accuracy(bad.cm, NULL));

    ASSERT_INVALID(trm_balanced_accuracy(NULL, 0, &bad.value));
    ASSERT_INVALID(trm_balanced_accuracy(bad.cm, 0, NULL));
    ASSERT_INVALID(trm_balanced_accuracy(bad.cm, 2, &bad.value));
    ASSERT_INVALID(trm_balanced_accuracy(bad.cm, -1, &bad.value));

    ASSERT_INVALID(trm_cohen_kappa(NULL, TRM_KAPPA_NONE, &bad.value));
    ASSERT_INVALID(trm_cohen_kappa(bad.cm, TRM_KAPPA_NONE, NULL));
    ASSERT_INVALID(trm_cohen_kappa(bad.cm, -1, &bad.value));
    ASSERT_INVALID(trm_cohen_kappa(bad.cm, 3, &bad.value));

    ASSERT_INVALID(trm_matthews_corrcoef(NULL, &bad.value));
    ASSERT_INVALID(trm_matthews_corrcoef(bad.cm, NULL));
}
END_TEST

/* An argument error wins over an empty matrix. */
START_TEST(invalid_beats_empty)
{
    trm_confusion *empty = new_matrix(2, 0);
    ASSERT_INVALID(trm_accuracy(empty, NULL));
    ASSERT_INVALID(trm_balanced_accuracy(empty, 2, &bad.value));
    ASSERT_INVALID(trm_cohen_kappa(empty, 3, &bad.value));
    ASSERT_INVALID(trm_matthews_corrcoef(empty, NULL));
    trm_confusion_free(empty);
}
END_TEST

START_TEST(invalid_report)
{
    static const char *const with_null[3] = {"a", NULL, "c"};
    char *const buf = bad.buf;
    const size_t cap = sizeof bad.buf;
    ASSERT_INVALID(trm_classification_report(NULL, NULL, 2, buf, cap, &bad.size));
    ASSERT_INVALID(trm_classification_report(bad.cm, NULL, 2, buf, cap, NULL));
    ASSERT_INVALID(trm_classification_report(bad.cm, NULL, 2, NULL, 0, NULL));
    ASSERT_INVALID(trm_classification_report(bad.cm, NULL, -1, buf, cap, &bad.size));
    ASSERT_INVALID(trm_classification_report(bad.cm, NULL, 31, buf, cap, &bad.size));
    /* a size query with bad arguments is refused too, not answered */
    ASSERT_INVALID(trm_classification_report(bad.cm, NULL, 31, NULL, 0, &bad.size));
    ASSERT_INVALID(trm_classification_report(bad.cm, with_null, 2, buf, cap, &bad.size));
    ASSERT_INVALID(trm_classification_report(bad.cm, with_null, 2, NULL, 0, &bad.size));
}
END_TEST

/* ------------------------------------------------------------------------ */

/* True negatives come from the exact counts: past 2^53 the doubles of
 * total - row - col + tp cancel to nonsense, even below zero (found by the
 * fuzzer). The expected values are the hand ratios of the exact counts. */
START_TEST(true_negatives_exact_past_2_53)
{
    trm_confusion *cm = NULL;
    const uint64_t big[4] = { 2, (UINT64_C(1) << 56) + (UINT64_C(1) << 26), 1048578, 1 };
    const uint64_t spec[4] = { 2, 1, (UINT64_C(1) << 56) + 2, 0 };
    double out[2];
    ck_assert_ok(trm_confusion_new(&cm, 2, 0, NULL));
    ck_assert_ok(trm_confusion_add_counts(cm, big));
    ck_assert_ok(trm_metric_per_class(cm, TRM_NPV, TRM_ZERO_DIVISION_ZERO, out));
    /* class 1: tn = cell[0][0] = 2, fn = cell[1][0] = 1048578 */
    ck_assert_double_eq(out[1], 2.0 / 1048580.0);
    ck_assert_double_eq(out[0], 1.0 / (1.0 + 0x1p56 + 0x1p26));
    trm_confusion_reset(cm);
    ck_assert_ok(trm_confusion_add_counts(cm, spec));
    ck_assert_ok(trm_metric_per_class(cm, TRM_SPECIFICITY, TRM_ZERO_DIVISION_ZERO, out));
    /* class 0: tn = cell[1][1] = 0 */
    ck_assert_double_eq(out[0], 0.0);
    trm_confusion_free(cm);
}
END_TEST

/* Weight sums round; a true-negative weight that rounding takes below zero
 * is zero, so no fraction leaves [0, 1] (weights found by the fuzzer). */
START_TEST(true_negatives_weighted_never_negative)
{
    static const uint64_t bits[4] = { 0x0000003600000000u, 0x0000000021000001u, 0x00fff80000000002u, 0x1u };
    static const int metrics[] = { TRM_SPECIFICITY, TRM_NPV, TRM_FPR };
    double weights[4], out[2];
    trm_confusion *cm = NULL;
    memcpy(weights, bits, sizeof weights);
    ck_assert_ok(trm_confusion_new(&cm, 2, TRM_CONFUSION_WEIGHTED, NULL));
    ck_assert_ok(trm_confusion_add_weights(cm, weights));
    for (size_t m = 0; m < 3; m++) {
        ck_assert_ok(trm_metric_per_class(cm, metrics[m], TRM_ZERO_DIVISION_ZERO, out));
        for (int c = 0; c < 2; c++)
            ck_assert_msg(out[c] >= 0.0 && out[c] <= 1.0, "metric %d class %d = %g", metrics[m], c, out[c]);
    }
    trm_confusion_free(cm);
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");

    TCase *tc = tcase_create("three_class");
    tcase_add_test(tc, three_class_metrics);
    tcase_add_test(tc, three_class_scores);
    suite_add_tcase(s, tc);

    tc = tcase_create("binary");
    tcase_add_test(tc, binary_metrics);
    tcase_add_test(tc, binary_scores);
    suite_add_tcase(s, tc);

    tc = tcase_create("zero_division");
    tcase_add_test(tc, absent_class);
    tcase_add_test(tc, degenerate_binary);
    tcase_add_test(tc, weighted_average_zero_weights);
    tcase_add_test(tc, undefined_scores);
    suite_add_tcase(s, tc);

    tc = tcase_create("fbeta");
    tcase_add_test(tc, fbeta_binary);
    tcase_add_test(tc, fbeta_zero_division);
    suite_add_tcase(s, tc);

    tc = tcase_create("weighted");
    tcase_add_test(tc, weighted_matrix);
    suite_add_tcase(s, tc);

    tc = tcase_create("empty");
    tcase_add_test(tc, empty_matrix);
    suite_add_tcase(s, tc);

    tc = tcase_create("report");
    tcase_add_test(tc, report_three_class);
    tcase_add_test(tc, report_custom_names);
    tcase_add_test(tc, report_absent_class);
    tcase_add_test(tc, report_zero_weight_class_is_present);
#if defined(__x86_64__) || defined(__i386__)
    tcase_add_test(tc, report_subnormal_weight_class_in_every_fp_mode);
#endif
    tcase_add_test(tc, report_weighted);
    suite_add_tcase(s, tc);

    tc = tcase_create("invalid");
    tcase_add_checked_fixture(tc, bad_setup, bad_teardown);
    tcase_add_test(tc, invalid_metric_per_class);
    tcase_add_test(tc, invalid_metric_average);
    tcase_add_test(tc, invalid_metric_undefined);
    tcase_add_test(tc, invalid_fbeta);
    tcase_add_test(tc, invalid_scores);
    tcase_add_test(tc, invalid_beats_empty);
    tcase_add_test(tc, invalid_report);
    tcase_add_test(tc, true_negatives_exact_past_2_53);
    tcase_add_test(tc, true_negatives_weighted_never_negative);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(metrics_suite());
}
