/* SPDX-License-Identifier: MIT */
/*
 * Check suite for the names added in 0.2 (version node TRAINMETRICS_0.2):
 * every handle-first query name and every module-prefixed constant.
 *
 * Each new function is called on a hand-worked example and must give the
 * hand-computed value, and the same value as the 0.1 name it stands for; on
 * bad input it must return the same status as the 0.1 name, with the same
 * trm_last_error() detail after its own function name.
 *
 * The example, K = 3, y_true = 0 0 1 1 2 2 2, y_pred = 0 1 1 1 2 0 2:
 *
 *         pred 0  1  2 | row
 *   true 0     1  1  0 |  2
 *   true 1     0  2  0 |  2
 *   true 2     1  0  2 |  3
 *   col        2  3  2 |  7
 *
 * tp = 1 2 2; precision = 1/2 2/3 1; recall = 1/2 1 2/3; F1 = 2tp/(2tp+fp+fn)
 * = 2/4 4/5 4/5; F2 = 5tp/(5tp+4fn+fp) = 5/10 10/11 10/14; accuracy = 5/7;
 * macro precision = (1/2 + 2/3 + 1)/3 = 13/18; balanced accuracy = mean
 * recall = 13/18; MCC = (c s - t.p)/sqrt((s^2 - p.p)(s^2 - t.t)) with c = 5,
 * s = 7, t = (2 2 3), p = (2 3 2): (35 - 16)/sqrt(32 * 32) = 19/32; kappa =
 * (po - pe)/(1 - pe) with po = 5/7, pe = t.p/49 = 16/49: 19/33.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static const int32_t Y_TRUE[7] = {0, 0, 1, 1, 2, 2, 2};
static const int32_t Y_PRED[7] = {0, 1, 1, 1, 2, 0, 2};

static trm_confusion *make_example(size_t k)
{
    trm_confusion *cm = NULL;
    ck_assert_ok(trm_confusion_new(&cm, k, 0, NULL));
    ck_assert_ok(trm_confusion_update_i32(cm, Y_TRUE, Y_PRED, 7));
    return cm;
}

/* The detail of trm_last_error() after "function: ". */
static void error_detail(const char *func, char *detail, size_t cap)
{
    const char *e = trm_last_error();
    size_t n = strlen(func);
    ck_assert_msg(strncmp(e, func, n) == 0 && e[n] == ':' && e[n + 1] == ' ',
                  "trm_last_error() = \"%s\" does not start with \"%s: \"", e, func);
    snprintf(detail, cap, "%s", e + n + 2);
}

/* Both calls fail with `code`, each naming itself, with the same detail. */
#define ck_assert_same_failure(code, old_call, new_call)                                   \
    do {                                                                                   \
        char old_detail_[256], new_detail_[256];                                           \
        trm_clear_last_error();                                                            \
        int old_rc_ = (old_call);                                                          \
        error_detail(old_name_, old_detail_, sizeof old_detail_);                          \
        trm_clear_last_error();                                                            \
        int new_rc_ = (new_call);                                                          \
        error_detail(new_name_, new_detail_, sizeof new_detail_);                          \
        ck_assert_msg(old_rc_ == (code) && new_rc_ == (code),                              \
                      "%s returned %d and %s returned %d, expected %d", #old_call, old_rc_, \
                      #new_call, new_rc_, (int)(code));                                    \
        ck_assert_str_eq(new_detail_, old_detail_);                                        \
    } while (0)

#define NAMES(old, new)              \
    const char *old_name_ = #old;    \
    const char *new_name_ = #new;    \
    (void)old_name_;                 \
    (void)new_name_

/* ---- constants ------------------------------------------------------------------ */

START_TEST(constants_keep_their_numbers)
{
    /* Each prefixed name equals the old one and the number the 0.1 header gave it. */
    static const struct {
        const char *name;
        long long value, old, number;
    } table[] = {
#define ROW(new, old, number) {#new, (long long)(new), (long long)(old), (number)}
        ROW(TRM_CONFUSION_NORMALIZE_NONE, TRM_NORMALIZE_NONE, 0),
        ROW(TRM_CONFUSION_NORMALIZE_TRUE, TRM_NORMALIZE_TRUE, 1),
        ROW(TRM_CONFUSION_NORMALIZE_PRED, TRM_NORMALIZE_PRED, 2),
        ROW(TRM_CONFUSION_NORMALIZE_ALL, TRM_NORMALIZE_ALL, 3),
        ROW(TRM_CAM_LAYOUT_CHANNELS_FIRST, TRM_LAYOUT_CHANNELS_FIRST, 0),
        ROW(TRM_CAM_LAYOUT_CHANNELS_LAST, TRM_LAYOUT_CHANNELS_LAST, 1),
        ROW(TRM_REGRESSION_MAE, TRM_MAE, 0),
        ROW(TRM_REGRESSION_MSE, TRM_MSE, 1),
        ROW(TRM_REGRESSION_RMSE, TRM_RMSE, 2),
        ROW(TRM_REGRESSION_R2, TRM_R2, 3),
        ROW(TRM_REGRESSION_MAX_ERROR, TRM_MAX_ERROR, 4),
        ROW(TRM_REGRESSION_RMSE_POOLED, TRM_RMSE_POOLED, 5),
        ROW(TRM_REGRESSION_RMSE_PER_SAMPLE, TRM_RMSE_PER_SAMPLE, 6),
        ROW(TRM_REGRESSION_SAD, TRM_SAD, 7),
        ROW(TRM_OVERFIT_MODE_MIN, TRM_MODE_MIN, 0),
        ROW(TRM_OVERFIT_MODE_MAX, TRM_MODE_MAX, 1),
        ROW(TRM_OVERFIT_PRESET_DEFAULT, TRM_PRESET_DEFAULT, 0),
        ROW(TRM_OVERFIT_PRESET_KERAS, TRM_PRESET_KERAS, 1),
        ROW(TRM_OVERFIT_PRESET_LIGHTNING, TRM_PRESET_LIGHTNING, 2),
        ROW(TRM_OVERFIT_PRESET_PRECHELT_GL, TRM_PRESET_PRECHELT_GL, 3),
        ROW(TRM_OVERFIT_PRESET_PRECHELT_PQ, TRM_PRESET_PRECHELT_PQ, 4),
        ROW(TRM_OVERFIT_PRESET_PRECHELT_UP, TRM_PRESET_PRECHELT_UP, 5),
        ROW(TRM_OVERFIT_CRIT_PATIENCE, TRM_CRIT_PATIENCE, 1),
        ROW(TRM_OVERFIT_CRIT_GL, TRM_CRIT_GL, 2),
        ROW(TRM_OVERFIT_CRIT_PQ, TRM_CRIT_PQ, 4),
        ROW(TRM_OVERFIT_CRIT_UP, TRM_CRIT_UP, 8),
        ROW(TRM_OVERFIT_CRIT_THRESHOLD, TRM_CRIT_THRESHOLD, 16),
        ROW(TRM_OVERFIT_CRIT_DIVERGENCE, TRM_CRIT_DIVERGENCE, 32),
        ROW(TRM_OVERFIT_CRIT_NONFINITE, TRM_CRIT_NONFINITE, 64),
        ROW(TRM_OVERFIT_CRIT_TREND, TRM_CRIT_TREND, 128),
        ROW(TRM_OVERFIT_VERDICT_WARMUP, TRM_FIT_WARMUP, 0),
        ROW(TRM_OVERFIT_VERDICT_IMPROVING, TRM_FIT_IMPROVING, 1),
        ROW(TRM_OVERFIT_VERDICT_PLATEAU, TRM_FIT_PLATEAU, 2),
        ROW(TRM_OVERFIT_VERDICT_OVERFITTING, TRM_FIT_OVERFITTING, 3),
        ROW(TRM_OVERFIT_VERDICT_DIVERGED, TRM_FIT_DIVERGED, 4),
        ROW(TRM_OVERFIT_STAT_GL, TRM_STAT_GL, 0),
        ROW(TRM_OVERFIT_STAT_PROGRESS, TRM_STAT_PROGRESS, 1),
        ROW(TRM_OVERFIT_STAT_PQ, TRM_STAT_PQ, 2),
        ROW(TRM_OVERFIT_STAT_GAP, TRM_STAT_GAP, 3),
        ROW(TRM_OVERFIT_STAT_VAL_SLOPE, TRM_STAT_VAL_SLOPE, 4),
        ROW(TRM_OVERFIT_STAT_GAP_SLOPE, TRM_STAT_GAP_SLOPE, 5),
        ROW(TRM_OVERFIT_STAT_TREND_Z, TRM_STAT_TREND_Z, 6),
        ROW(TRM_OVERFIT_STAT_TREND_P, TRM_STAT_TREND_P, 7),
#undef ROW
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        ck_assert_msg(table[i].value == table[i].old && table[i].value == table[i].number,
                      "%s = %lld, its 0.1 name %lld, expected %lld", table[i].name, table[i].value,
                      table[i].old, table[i].number);
}
END_TEST

START_TEST(prefixed_constants_are_accepted)
{
    /* The matrix normalized by rows with the new name: row 0 is 1/2 1/2 0. */
    trm_confusion *cm = make_example(3);
    double by_rows[9];
    ck_assert_ok(trm_confusion_matrix(cm, TRM_CONFUSION_NORMALIZE_TRUE, by_rows));
    ck_assert_close(by_rows[0], 0.5);
    ck_assert_close(by_rows[1], 0.5);
    ck_assert_close(by_rows[5], 0.0);
    ck_assert_close(by_rows[6], 1.0 / 3.0);
    trm_confusion_free(cm);

    trm_cam *c = NULL;
    ck_assert_ok(trm_cam_new(&c, TRM_CAM_GRADCAM, NULL));
    ck_assert_ok(trm_cam_set_layout(c, TRM_CAM_LAYOUT_CHANNELS_LAST));
    trm_cam_free(c);

    trm_overfit *o = NULL;
    ck_assert_ok(trm_overfit_new(&o, NULL));
    ck_assert_ok(trm_overfit_set_mode(o, TRM_OVERFIT_MODE_MAX));
    ck_assert_ok(trm_overfit_preset(o, TRM_OVERFIT_PRESET_KERAS));
    ck_assert_ok(trm_overfit_set_criteria(o, TRM_OVERFIT_CRIT_PATIENCE));
    trm_overfit_free(o);
}
END_TEST

/* ---- confusion-matrix queries ---------------------------------------------------- */

START_TEST(confusion_metric_per_class)
{
    NAMES(trm_metric_per_class, trm_confusion_metric_per_class);
    trm_confusion *cm = make_example(3);
    static const double precision[3] = {1.0 / 2, 2.0 / 3, 1.0};
    static const double recall[3] = {1.0 / 2, 1.0, 2.0 / 3};
    double old_v[3], new_v[3];
    ck_assert_ok(trm_metric_per_class(cm, TRM_PRECISION, TRM_ZERO_DIVISION_ZERO, old_v));
    ck_assert_ok(trm_confusion_metric_per_class(cm, TRM_PRECISION, TRM_ZERO_DIVISION_ZERO, new_v));
    for (int c = 0; c < 3; c++) {
        ck_assert_close(new_v[c], precision[c]);
        ck_assert_close(old_v[c], precision[c]);
    }
    ck_assert_ok(trm_confusion_metric_per_class(cm, TRM_RECALL, TRM_ZERO_DIVISION_NAN, new_v));
    for (int c = 0; c < 3; c++)
        ck_assert_close(new_v[c], recall[c]);

    ck_assert_same_failure(TRM_E_INVALID, trm_metric_per_class(NULL, TRM_F1, 0, old_v),
                           trm_confusion_metric_per_class(NULL, TRM_F1, 0, new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_metric_per_class(cm, TRM_F1, 0, NULL),
                           trm_confusion_metric_per_class(cm, TRM_F1, 0, NULL));
    ck_assert_same_failure(TRM_E_INVALID, trm_metric_per_class(cm, 99, 0, old_v),
                           trm_confusion_metric_per_class(cm, 99, 0, new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_metric_per_class(cm, TRM_F1, 7, old_v),
                           trm_confusion_metric_per_class(cm, TRM_F1, 7, new_v));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(confusion_metric_average)
{
    NAMES(trm_metric_average, trm_confusion_metric_average);
    trm_confusion *cm = make_example(3);
    double old_v = 0.0, new_v = 0.0;
    ck_assert_ok(trm_metric_average(cm, TRM_PRECISION, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &old_v));
    ck_assert_ok(trm_confusion_metric_average(cm, TRM_PRECISION, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO,
                                              &new_v));
    ck_assert_close(old_v, 13.0 / 18.0);
    ck_assert_close(new_v, 13.0 / 18.0);
    /* Macro F1 = (1/2 + 4/5 + 4/5)/3 = 7/10; micro F1 = accuracy = 5/7. */
    ck_assert_ok(trm_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &new_v));
    ck_assert_close(new_v, 0.7);
    ck_assert_ok(trm_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_MICRO, TRM_ZERO_DIVISION_ZERO, &new_v));
    ck_assert_close(new_v, 5.0 / 7.0);

    ck_assert_same_failure(TRM_E_INVALID, trm_metric_average(NULL, TRM_F1, 0, 0, &old_v),
                           trm_confusion_metric_average(NULL, TRM_F1, 0, 0, &new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_metric_average(cm, TRM_F1, 0, 0, NULL),
                           trm_confusion_metric_average(cm, TRM_F1, 0, 0, NULL));
    ck_assert_same_failure(TRM_E_INVALID, trm_metric_average(cm, TRM_F1, TRM_AVERAGE_SAMPLES, 0, &old_v),
                           trm_confusion_metric_average(cm, TRM_F1, TRM_AVERAGE_SAMPLES, 0, &new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_metric_average(cm, -1, 0, 0, &old_v),
                           trm_confusion_metric_average(cm, -1, 0, 0, &new_v));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(confusion_metric_undefined)
{
    NAMES(trm_metric_undefined, trm_confusion_metric_undefined);
    /* With K = 4 the fourth class is never true nor predicted: its precision
     * (tp + fp = 0) is undefined, the other three are not. */
    trm_confusion *cm = make_example(4);
    uint8_t old_v[4], new_v[4];
    static const uint8_t expected[4] = {0, 0, 0, 1};
    ck_assert_ok(trm_metric_undefined(cm, TRM_PRECISION, old_v));
    ck_assert_ok(trm_confusion_metric_undefined(cm, TRM_PRECISION, new_v));
    for (int c = 0; c < 4; c++) {
        ck_assert_uint_eq(old_v[c], expected[c]);
        ck_assert_uint_eq(new_v[c], expected[c]);
    }
    ck_assert_same_failure(TRM_E_INVALID, trm_metric_undefined(NULL, TRM_PRECISION, old_v),
                           trm_confusion_metric_undefined(NULL, TRM_PRECISION, new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_metric_undefined(cm, TRM_PRECISION, NULL),
                           trm_confusion_metric_undefined(cm, TRM_PRECISION, NULL));
    ck_assert_same_failure(TRM_E_INVALID, trm_metric_undefined(cm, 9, old_v),
                           trm_confusion_metric_undefined(cm, 9, new_v));
    trm_confusion_free(cm);
}
END_TEST

START_TEST(confusion_fbeta)
{
    trm_confusion *cm = make_example(3);
    static const double f2[3] = {5.0 / 10, 10.0 / 11, 10.0 / 14};
    double old_v[3], new_v[3], old_a = 0.0, new_a = 0.0;
    {
        NAMES(trm_fbeta_per_class, trm_confusion_fbeta_per_class);
        ck_assert_ok(trm_fbeta_per_class(cm, 2.0, TRM_ZERO_DIVISION_ZERO, old_v));
        ck_assert_ok(trm_confusion_fbeta_per_class(cm, 2.0, TRM_ZERO_DIVISION_ZERO, new_v));
        for (int c = 0; c < 3; c++) {
            ck_assert_close(old_v[c], f2[c]);
            ck_assert_close(new_v[c], f2[c]);
        }
        ck_assert_same_failure(TRM_E_INVALID, trm_fbeta_per_class(cm, -1.0, 0, old_v),
                               trm_confusion_fbeta_per_class(cm, -1.0, 0, new_v));
        ck_assert_same_failure(TRM_E_INVALID, trm_fbeta_per_class(cm, NAN, 0, old_v),
                               trm_confusion_fbeta_per_class(cm, NAN, 0, new_v));
        ck_assert_same_failure(TRM_E_INVALID, trm_fbeta_per_class(NULL, 1.0, 0, old_v),
                               trm_confusion_fbeta_per_class(NULL, 1.0, 0, new_v));
    }
    {
        NAMES(trm_fbeta_average, trm_confusion_fbeta_average);
        /* (1/2 + 10/11 + 5/7)/3 */
        double want = (0.5 + 10.0 / 11 + 5.0 / 7) / 3;
        ck_assert_ok(trm_fbeta_average(cm, 2.0, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &old_a));
        ck_assert_ok(trm_confusion_fbeta_average(cm, 2.0, TRM_AVERAGE_MACRO, TRM_ZERO_DIVISION_ZERO, &new_a));
        ck_assert_close(old_a, want);
        ck_assert_close(new_a, want);
        ck_assert_same_failure(TRM_E_INVALID, trm_fbeta_average(cm, 2.0, 42, 0, &old_a),
                               trm_confusion_fbeta_average(cm, 2.0, 42, 0, &new_a));
        ck_assert_same_failure(TRM_E_INVALID, trm_fbeta_average(cm, 2.0, 0, 0, NULL),
                               trm_confusion_fbeta_average(cm, 2.0, 0, 0, NULL));
    }
    trm_confusion_free(cm);
}
END_TEST

START_TEST(confusion_scores)
{
    trm_confusion *cm = make_example(3);
    trm_confusion *empty = NULL;
    ck_assert_ok(trm_confusion_new(&empty, 3, 0, NULL));
    double old_v = 0.0, new_v = 0.0;
    {
        NAMES(trm_accuracy, trm_confusion_accuracy);
        ck_assert_ok(trm_accuracy(cm, &old_v));
        ck_assert_ok(trm_confusion_accuracy(cm, &new_v));
        ck_assert_close(old_v, 5.0 / 7.0);
        ck_assert_close(new_v, 5.0 / 7.0);
        ck_assert_same_failure(TRM_E_EMPTY, trm_accuracy(empty, &old_v), trm_confusion_accuracy(empty, &new_v));
        ck_assert_same_failure(TRM_E_INVALID, trm_accuracy(NULL, &old_v), trm_confusion_accuracy(NULL, &new_v));
        ck_assert_same_failure(TRM_E_INVALID, trm_accuracy(cm, NULL), trm_confusion_accuracy(cm, NULL));
    }
    {
        NAMES(trm_balanced_accuracy, trm_confusion_balanced_accuracy);
        ck_assert_ok(trm_balanced_accuracy(cm, 0, &old_v));
        ck_assert_ok(trm_confusion_balanced_accuracy(cm, 0, &new_v));
        ck_assert_close(old_v, 13.0 / 18.0);
        ck_assert_close(new_v, 13.0 / 18.0);
        /* Adjusted: (13/18 - 1/3)/(1 - 1/3) = (7/18)/(2/3) = 7/12. */
        ck_assert_ok(trm_confusion_balanced_accuracy(cm, 1, &new_v));
        ck_assert_close(new_v, 7.0 / 12.0);
        ck_assert_same_failure(TRM_E_INVALID, trm_balanced_accuracy(cm, 2, &old_v),
                               trm_confusion_balanced_accuracy(cm, 2, &new_v));
        ck_assert_same_failure(TRM_E_EMPTY, trm_balanced_accuracy(empty, 0, &old_v),
                               trm_confusion_balanced_accuracy(empty, 0, &new_v));
    }
    {
        NAMES(trm_cohen_kappa, trm_confusion_cohen_kappa);
        ck_assert_ok(trm_cohen_kappa(cm, TRM_KAPPA_NONE, &old_v));
        ck_assert_ok(trm_confusion_cohen_kappa(cm, TRM_KAPPA_NONE, &new_v));
        ck_assert_close(old_v, 19.0 / 33.0);
        ck_assert_close(new_v, 19.0 / 33.0);
        ck_assert_same_failure(TRM_E_INVALID, trm_cohen_kappa(cm, 3, &old_v),
                               trm_confusion_cohen_kappa(cm, 3, &new_v));
        ck_assert_same_failure(TRM_E_EMPTY, trm_cohen_kappa(empty, 0, &old_v),
                               trm_confusion_cohen_kappa(empty, 0, &new_v));
    }
    {
        NAMES(trm_matthews_corrcoef, trm_confusion_matthews_corrcoef);
        ck_assert_ok(trm_matthews_corrcoef(cm, &old_v));
        ck_assert_ok(trm_confusion_matthews_corrcoef(cm, &new_v));
        ck_assert_close(old_v, 19.0 / 32.0);
        ck_assert_close(new_v, 19.0 / 32.0);
        ck_assert_same_failure(TRM_E_EMPTY, trm_matthews_corrcoef(empty, &old_v),
                               trm_confusion_matthews_corrcoef(empty, &new_v));
        ck_assert_same_failure(TRM_E_INVALID, trm_matthews_corrcoef(NULL, &old_v),
                               trm_confusion_matthews_corrcoef(NULL, &new_v));
    }
    trm_confusion_free(empty);
    trm_confusion_free(cm);
}
END_TEST

START_TEST(confusion_report)
{
    NAMES(trm_classification_report, trm_confusion_report);
    /* Rows from the example; weighted precision (2/2 + 2 (2/3) + 3)/7 = 16/21
     * = 0.76, weighted recall and F1 5/7 = 0.71. */
    static const char expected[] =
        "              precision    recall  f1-score   support\n"
        "\n"
        "           0       0.50      0.50      0.50         2\n"
        "           1       0.67      1.00      0.80         2\n"
        "           2       1.00      0.67      0.80         3\n"
        "\n"
        "    accuracy                           0.71         7\n"
        "   macro avg       0.72      0.72      0.70         7\n"
        "weighted avg       0.76      0.71      0.71         7\n";
    trm_confusion *cm = make_example(3);
    char old_buf[1024], new_buf[1024];
    size_t old_size = 0, new_size = 0;
    ck_assert_ok(trm_classification_report(cm, NULL, 2, old_buf, sizeof old_buf, &old_size));
    ck_assert_ok(trm_confusion_report(cm, NULL, 2, new_buf, sizeof new_buf, &new_size));
    ck_assert_str_eq(old_buf, expected);
    ck_assert_str_eq(new_buf, expected);
    ck_assert_uint_eq(new_size, sizeof expected);
    ck_assert_uint_eq(old_size, sizeof expected);

    /* Too small a buffer: the size is still reported, as for the old name. */
    new_size = 0;
    ck_assert_int_eq(trm_confusion_report(cm, NULL, 2, NULL, 0, &new_size), TRM_E_BUFFER);
    ck_assert_uint_eq(new_size, sizeof expected);
    ck_assert_same_failure(TRM_E_INVALID, trm_classification_report(cm, NULL, 31, old_buf, 1024, &old_size),
                           trm_confusion_report(cm, NULL, 31, new_buf, 1024, &new_size));
    ck_assert_same_failure(TRM_E_INVALID, trm_classification_report(NULL, NULL, 2, old_buf, 1024, &old_size),
                           trm_confusion_report(NULL, NULL, 2, new_buf, 1024, &new_size));
    static const char *const names[3] = {"a", NULL, "c"};
    ck_assert_same_failure(TRM_E_INVALID, trm_classification_report(cm, names, 2, old_buf, 1024, &old_size),
                           trm_confusion_report(cm, names, 2, new_buf, 1024, &new_size));
    trm_confusion_free(cm);
}
END_TEST

/* ---- regression ------------------------------------------------------------------ */

/* M = 2, rows (1, 2), (3, 4) predicted as (2, 2), (3, 6): e = (1, 0), (0, 2).
 * MAE 1/2 1; MSE 1/2 2; max error 1 2; R2: output 0 has SS_tot 2, SS_res 1 ->
 * 1/2, output 1 has SS_tot 2, SS_res 4 -> -1; pooled RMSE sqrt(5/4). */
static trm_regression *make_regression(void)
{
    static const double y_true[4] = {1, 2, 3, 4};
    static const double y_pred[4] = {2, 2, 3, 6};
    trm_regression *r = NULL;
    ck_assert_ok(trm_regression_new(&r, 2, NULL));
    ck_assert_ok(trm_regression_update_f64(r, y_true, y_pred, 2));
    return r;
}

START_TEST(regression_metric_per_output)
{
    NAMES(trm_regression_per_output, trm_regression_metric_per_output);
    static const struct {
        int metric;
        double want[2];
    } table[] = {
        {TRM_REGRESSION_MAE, {0.5, 1.0}},
        {TRM_REGRESSION_MSE, {0.5, 2.0}},
        {TRM_REGRESSION_MAX_ERROR, {1.0, 2.0}},
        {TRM_REGRESSION_R2, {0.5, -1.0}},
    };
    trm_regression *r = make_regression();
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        double old_v[2], new_v[2];
        ck_assert_ok(trm_regression_per_output(r, table[i].metric, old_v));
        ck_assert_ok(trm_regression_metric_per_output(r, table[i].metric, new_v));
        for (int j = 0; j < 2; j++) {
            ck_assert_close(old_v[j], table[i].want[j]);
            ck_assert_close(new_v[j], table[i].want[j]);
        }
    }
    double old_v[2], new_v[2];
    trm_regression *empty = NULL;
    ck_assert_ok(trm_regression_new(&empty, 2, NULL));
    ck_assert_same_failure(TRM_E_EMPTY, trm_regression_per_output(empty, TRM_MAE, old_v),
                           trm_regression_metric_per_output(empty, TRM_MAE, new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_regression_per_output(r, TRM_SAD, old_v),
                           trm_regression_metric_per_output(r, TRM_SAD, new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_regression_per_output(r, 8, old_v),
                           trm_regression_metric_per_output(r, 8, new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_regression_per_output(NULL, TRM_MAE, old_v),
                           trm_regression_metric_per_output(NULL, TRM_MAE, new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_regression_per_output(r, TRM_MAE, NULL),
                           trm_regression_metric_per_output(r, TRM_MAE, NULL));
    trm_regression_free(empty);
    trm_regression_free(r);
}
END_TEST

START_TEST(regression_metric_average)
{
    NAMES(trm_regression_average, trm_regression_metric_average);
    static const struct {
        int metric;
        double want;
    } table[] = {
        {TRM_REGRESSION_MAE, 0.75},
        {TRM_REGRESSION_MSE, 1.25},
        {TRM_REGRESSION_R2, -0.25},
        {TRM_REGRESSION_RMSE_POOLED, 1.118033988749894848}, /* sqrt(5/4) */
    };
    trm_regression *r = make_regression();
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        double old_v = 0.0, new_v = 0.0;
        ck_assert_ok(trm_regression_average(r, table[i].metric, &old_v));
        ck_assert_ok(trm_regression_metric_average(r, table[i].metric, &new_v));
        ck_assert_close(old_v, table[i].want);
        ck_assert_close(new_v, table[i].want);
    }
    double old_v = 0.0, new_v = 0.0;
    trm_regression *empty = NULL;
    ck_assert_ok(trm_regression_new(&empty, 2, NULL));
    ck_assert_same_failure(TRM_E_EMPTY, trm_regression_average(empty, TRM_SAD, &old_v),
                           trm_regression_metric_average(empty, TRM_SAD, &new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_regression_average(r, -1, &old_v),
                           trm_regression_metric_average(r, -1, &new_v));
    ck_assert_same_failure(TRM_E_INVALID, trm_regression_average(NULL, TRM_MAE, &old_v),
                           trm_regression_metric_average(NULL, TRM_MAE, &new_v));
    trm_regression_free(empty);
    trm_regression_free(r);
}
END_TEST

/* ---- overfit ---------------------------------------------------------------------- */

START_TEST(overfit_should_stop_checked)
{
    /* Keras preset, patience 0 and min_delta 0: validation 1.0 then 0.9
     * improves, 0.95 at epoch 3 does not, so training should stop there. */
    trm_overfit *o = NULL;
    ck_assert_ok(trm_overfit_new(&o, NULL));
    ck_assert_ok(trm_overfit_preset(o, TRM_OVERFIT_PRESET_KERAS));
    int stop = -7;
    ck_assert_ok(trm_overfit_should_stop_checked(o, &stop));
    ck_assert_int_eq(stop, 0);
    ck_assert_ok(trm_overfit_push(o, 1.0, 1.0));
    ck_assert_ok(trm_overfit_push(o, 0.9, 0.9));
    ck_assert_ok(trm_overfit_should_stop_checked(o, &stop));
    ck_assert_int_eq(stop, 0);
    ck_assert_int_eq(trm_overfit_should_stop(o), 0);
    ck_assert_ok(trm_overfit_push(o, 0.8, 0.95));
    ck_assert_ok(trm_overfit_should_stop_checked(o, &stop));
    ck_assert_int_eq(stop, 1);
    ck_assert_int_eq(trm_overfit_should_stop(o), 1);
    ck_assert_int_eq(trm_overfit_stop_epoch(o), 3);

    /* NULL: a status, never an answer; the out value is left alone. */
    stop = -7;
    ck_assert_fails(TRM_E_INVALID, trm_overfit_should_stop_checked(NULL, &stop));
    ck_assert_int_eq(stop, -7);
    ck_assert_fails(TRM_E_INVALID, trm_overfit_should_stop_checked(o, NULL));
    /* The 0.1 predicate's documented answer for NULL, nonzero although no detector stopped. */
    ck_assert_int_eq(trm_overfit_should_stop(NULL), TRM_E_INVALID);
    trm_overfit_free(o);
}
END_TEST

static Suite *names_suite(void)
{
    Suite *s = suite_create("names");
    TCase *tc = tcase_create("constants");
    tcase_add_test(tc, constants_keep_their_numbers);
    tcase_add_test(tc, prefixed_constants_are_accepted);
    suite_add_tcase(s, tc);

    tc = tcase_create("confusion");
    tcase_add_test(tc, confusion_metric_per_class);
    tcase_add_test(tc, confusion_metric_average);
    tcase_add_test(tc, confusion_metric_undefined);
    tcase_add_test(tc, confusion_fbeta);
    tcase_add_test(tc, confusion_scores);
    tcase_add_test(tc, confusion_report);
    suite_add_tcase(s, tc);

    tc = tcase_create("regression");
    tcase_add_test(tc, regression_metric_per_output);
    tcase_add_test(tc, regression_metric_average);
    suite_add_tcase(s, tc);

    tc = tcase_create("overfit");
    tcase_add_test(tc, overfit_should_stop_checked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(names_suite());
}
