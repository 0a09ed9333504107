/* SPDX-License-Identifier: MIT */
/**
 * @file metrics.h
 * @brief Metrics derived from a confusion matrix, with scikit-learn (>= 1.4) semantics.
 *
 * For class c: tp = M[c][c], fn = row sum - tp, fp = column sum - tp,
 * tn = total - tp - fp - fn. A metric whose denominator is zero is undefined and
 * takes the zero_division value. Every function here is a const query: it never
 * changes the matrix and is safe from several threads at once.
 */
#ifndef TRAINMETRICS_METRICS_H
#define TRAINMETRICS_METRICS_H

#include "confusion.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Per-class metrics. */
enum {
    TRM_PRECISION = 0,   /**< tp / (tp + fp) */
    TRM_RECALL = 1,      /**< tp / (tp + fn) */
    TRM_F1 = 2,          /**< 2tp / (2tp + fp + fn), undefined only when tp + fp + fn = 0 */
    TRM_SPECIFICITY = 3, /**< tn / (tn + fp) */
    TRM_NPV = 4,         /**< tn / (tn + fn) */
    TRM_FPR = 5,         /**< fp / (fp + tn) */
    TRM_FNR = 6,         /**< fn / (fn + tp) */
    TRM_JACCARD = 7,     /**< tp / (tp + fp + fn) */
    TRM_SUPPORT = 8      /**< row sum; never undefined */
};

/** How per-class values are combined. */
enum {
    TRM_AVERAGE_MACRO = 0,         /**< Mean over all K classes (scikit-learn, labels=range(K)). */
    TRM_AVERAGE_MICRO = 1,         /**< Metric of the pooled tp, fp, fn, tn. */
    TRM_AVERAGE_WEIGHTED = 2,      /**< Mean weighted by support. */
    TRM_AVERAGE_MACRO_PRESENT = 3, /**< Mean over classes with tp + fp + fn > 0. */
    TRM_AVERAGE_SAMPLES = 4        /**< Multilabel only; refused for confusion matrices. */
};

/** Value given to undefined metrics (scikit-learn `zero_division`). */
enum {
    TRM_ZERO_DIVISION_ZERO = 0, /**< 0.0 (scikit-learn "warn" and 0). */
    TRM_ZERO_DIVISION_ONE = 1,  /**< 1.0 */
    TRM_ZERO_DIVISION_NAN = 2   /**< NaN, and dropped from averages with its weight. */
};

/** Disagreement weights of Cohen's kappa. */
enum {
    TRM_KAPPA_NONE = 0,     /**< Unweighted. */
    TRM_KAPPA_LINEAR = 1,   /**< |i - j| */
    TRM_KAPPA_QUADRATIC = 2 /**< (i - j)^2 */
};

/**
 * @brief One metric for each class.
 * @param cm The matrix.
 * @param metric One of TRM_PRECISION .. TRM_SUPPORT.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out K values.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or unknown enum values;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_metric_per_class(const trm_confusion *cm, int metric, int zero_division, double *out);

/**
 * @brief One metric averaged over the classes.
 *
 * With #TRM_ZERO_DIVISION_NAN, undefined classes are left out together with
 * their weights; if every class is left out the result is NaN. A weighted
 * average whose remaining weights are all zero is the plain mean (scikit-learn).
 * The average of #TRM_SUPPORT is the total, whatever @p average says.
 * @param cm The matrix.
 * @param metric One of TRM_PRECISION .. TRM_SUPPORT.
 * @param average MACRO, MICRO, WEIGHTED or MACRO_PRESENT.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out Receives the average.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, unknown enum values or
 *         #TRM_AVERAGE_SAMPLES; #TRM_E_NOMEM.
 */
TRM_API int trm_metric_average(const trm_confusion *cm, int metric, int average, int zero_division,
                               double *out);

/**
 * @brief Which classes have the metric undefined (zero_division applied).
 * @param cm The matrix.
 * @param metric One of TRM_PRECISION .. TRM_SUPPORT.
 * @param out K flags: 1 where the denominator is zero, else 0.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an unknown metric;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_metric_undefined(const trm_confusion *cm, int metric, uint8_t *out);

/**
 * @brief F-beta for each class, from counts: (1+b^2)tp / ((1+b^2)tp + b^2 fn + fp).
 *
 * beta = 0 gives precision and beta = +Inf recall, as scikit-learn. For beta > 0
 * the score is undefined only when tp + fp + fn = 0.
 * @param cm The matrix.
 * @param beta Weight of recall, >= 0 (+Inf allowed).
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out K values.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, a negative or NaN beta or
 *         an unknown enum value; #TRM_E_NOMEM.
 */
TRM_API int trm_fbeta_per_class(const trm_confusion *cm, double beta, int zero_division, double *out);

/**
 * @brief F-beta averaged over the classes, with the rules of trm_metric_average().
 * @param cm The matrix.
 * @param beta Weight of recall, >= 0 (+Inf allowed).
 * @param average MACRO, MICRO, WEIGHTED or MACRO_PRESENT.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out Receives the average.
 * @return As trm_fbeta_per_class().
 */
TRM_API int trm_fbeta_average(const trm_confusion *cm, double beta, int average, int zero_division,
                              double *out);

/**
 * @brief Fraction (or weight share) of correct predictions: trace / total.
 * @param cm The matrix.
 * @param out Receives the accuracy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_EMPTY if nothing
 *         has been counted.
 */
TRM_API int trm_accuracy(const trm_confusion *cm, double *out);

/**
 * @brief Mean recall over the classes that occur in y_true (scikit-learn
 *        `balanced_accuracy_score`).
 *
 * Adjusted: (score - 1/n) / (1 - 1/n) with n the number of occurring classes, so
 * chance scores 0; with a single occurring class this divides by zero exactly as
 * scikit-learn does (NaN or -Inf).
 * @param cm The matrix.
 * @param adjusted 0 for the plain score, 1 for the chance-adjusted one.
 * @param out Receives the score.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or @p adjusted not 0/1;
 *         #TRM_E_EMPTY; #TRM_E_NOMEM.
 */
TRM_API int trm_balanced_accuracy(const trm_confusion *cm, int adjusted, double *out);

/**
 * @brief Cohen's kappa between the true and predicted labels (scikit-learn
 *        `cohen_kappa_score` with labels = range(K)).
 *
 * Linear and quadratic weights use the class ids as positions. NaN when
 * undefined (every sample in one class).
 * @param cm The matrix.
 * @param weighting One of the TRM_KAPPA_* values.
 * @param out Receives kappa.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an unknown weighting;
 *         #TRM_E_EMPTY; #TRM_E_NOMEM.
 */
TRM_API int trm_cohen_kappa(const trm_confusion *cm, int weighting, double *out);

/**
 * @brief Matthews correlation coefficient, multiclass (scikit-learn
 *        `matthews_corrcoef`); 0 when its denominator is 0.
 * @param cm The matrix.
 * @param out Receives the coefficient.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_EMPTY; #TRM_E_NOMEM.
 */
TRM_API int trm_matthews_corrcoef(const trm_confusion *cm, double *out);

/**
 * @brief Text report in scikit-learn's `classification_report` layout.
 *
 * Equals `classification_report(y_true, y_pred, labels=range(K),
 * target_names=class_names, digits=digits, zero_division=0)`: one row per class,
 * then the accuracy line (a "micro avg" line when some class never occurs in
 * either labels or predictions), "macro avg" and "weighted avg". As for
 * scikit-learn, a class that occurred only in pairs of weight 0 occurs: a
 * weighted matrix remembers the classes of its weighted pairs (since 0.3), so
 * the answer is the same in every floating-point mode. Weights added as a
 * table (trm_confusion_add_weights()) carry no labels; there a class occurs
 * when a cell of its row or column is not zero.
 * @param cm The matrix.
 * @param class_names K NUL-terminated UTF-8 names, or NULL for "0" .. "K-1".
 * @param digits Digits after the decimal point, 0 .. 30 (scikit-learn's default is 2).
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the bytes needed including the terminating NUL, also on
 *        #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for NULL @p cm or @p size, a NULL name or
 *         @p digits out of range; #TRM_E_BUFFER when @p buf is NULL or too small
 *         (nothing is written); #TRM_E_NOMEM.
 */
TRM_API int trm_classification_report(const trm_confusion *cm, const char *const *class_names,
                                      int digits, char *buf, size_t cap, size_t *size);

/*
 * The queries above under the name shape every handle's queries share since
 * 0.2: trm_<handle>_metric_per_<unit>, trm_<handle>_metric_average and
 * trm_<handle>_<score>, as trm_multilabel_metric_average(),
 * trm_regression_metric_average() and trm_topk_accuracy(). Each is the same
 * function as the older name it cites, which stays exported.
 */

/**
 * @brief One metric for each class; the same function as trm_metric_per_class().
 * @param cm The matrix.
 * @param metric One of TRM_PRECISION .. TRM_SUPPORT.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out K values.
 * @return As trm_metric_per_class().
 */
TRM_API int trm_confusion_metric_per_class(const trm_confusion *cm, int metric, int zero_division,
                                           double *out);

/**
 * @brief One metric averaged over the classes; the same function as trm_metric_average().
 * @param cm The matrix.
 * @param metric One of TRM_PRECISION .. TRM_SUPPORT.
 * @param average MACRO, MICRO, WEIGHTED or MACRO_PRESENT.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out Receives the average.
 * @return As trm_metric_average().
 */
TRM_API int trm_confusion_metric_average(const trm_confusion *cm, int metric, int average,
                                         int zero_division, double *out);

/**
 * @brief Which classes have an undefined metric; the same function as trm_metric_undefined().
 * @param cm The matrix.
 * @param metric One of TRM_PRECISION .. TRM_SUPPORT.
 * @param out K flags.
 * @return As trm_metric_undefined().
 */
TRM_API int trm_confusion_metric_undefined(const trm_confusion *cm, int metric, uint8_t *out);

/**
 * @brief F-beta for each class; the same function as trm_fbeta_per_class().
 * @param cm The matrix.
 * @param beta Weight of recall, >= 0 (+Inf allowed).
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out K values.
 * @return As trm_fbeta_per_class().
 */
TRM_API int trm_confusion_fbeta_per_class(const trm_confusion *cm, double beta, int zero_division,
                                          double *out);

/**
 * @brief F-beta averaged over the classes; the same function as trm_fbeta_average().
 * @param cm The matrix.
 * @param beta Weight of recall, >= 0 (+Inf allowed).
 * @param average MACRO, MICRO, WEIGHTED or MACRO_PRESENT.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out Receives the average.
 * @return As trm_fbeta_average().
 */
TRM_API int trm_confusion_fbeta_average(const trm_confusion *cm, double beta, int average,
                                        int zero_division, double *out);

/**
 * @brief Fraction of correct predictions; the same function as trm_accuracy().
 * @param cm The matrix.
 * @param out Receives the accuracy.
 * @return As trm_accuracy().
 */
TRM_API int trm_confusion_accuracy(const trm_confusion *cm, double *out);

/**
 * @brief Mean recall over the occurring classes; the same function as
 *        trm_balanced_accuracy().
 * @param cm The matrix.
 * @param adjusted 0 for the plain score, 1 for the chance-adjusted one.
 * @param out Receives the score.
 * @return As trm_balanced_accuracy().
 */
TRM_API int trm_confusion_balanced_accuracy(const trm_confusion *cm, int adjusted, double *out);

/**
 * @brief Cohen's kappa; the same function as trm_cohen_kappa().
 * @param cm The matrix.
 * @param weighting One of the TRM_KAPPA_* values.
 * @param out Receives kappa.
 * @return As trm_cohen_kappa().
 */
TRM_API int trm_confusion_cohen_kappa(const trm_confusion *cm, int weighting, double *out);

/**
 * @brief Matthews correlation coefficient; the same function as trm_matthews_corrcoef().
 * @param cm The matrix.
 * @param out Receives the coefficient.
 * @return As trm_matthews_corrcoef().
 */
TRM_API int trm_confusion_matthews_corrcoef(const trm_confusion *cm, double *out);

/**
 * @brief Text report in scikit-learn's `classification_report` layout; the same
 *        function as trm_classification_report().
 * @param cm The matrix.
 * @param class_names K NUL-terminated UTF-8 names, or NULL for "0" .. "K-1".
 * @param digits Digits after the decimal point, 0 .. 30.
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the bytes needed including the terminating NUL, also on
 *        #TRM_E_BUFFER.
 * @return As trm_classification_report().
 */
TRM_API int trm_confusion_report(const trm_confusion *cm, const char *const *class_names, int digits,
                                 char *buf, size_t cap, size_t *size);

/**
 * @brief Intersection over union of each class: tp / (tp + fp + fn).
 *
 * The per-class Jaccard index (the same values as trm_metric_per_class()
 * with #TRM_JACCARD), under the name segmentation work uses; torchmetrics
 * `MulticlassJaccardIndex(average=None)`, scikit-learn `jaccard_score(average=None)`.
 * A class absent from both truth and prediction (tp + fp + fn = 0) takes the
 * zero_division value; the ignore label's class, when it is one of the K, is
 * reported like any other (its true row is empty).
 * @param cm The matrix.
 * @param zero_division Value for absent classes: a TRM_ZERO_DIVISION_* value.
 * @param out K values.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an unknown @p zero_division.
 */
TRM_API int trm_confusion_iou_per_class(const trm_confusion *cm, int zero_division, double *out);

/**
 * @brief Mean intersection over union (mIoU), as torchmetrics' `MulticlassJaccardIndex`
 *        with `average="macro"` and `ignore_index`.
 *
 * The mean of the per-class IoU over the classes that are present (tp + fp +
 * fn > 0, so absent classes are left out rather than counted as 0 or 1) and
 * that are not the ignore label. scikit-learn's `jaccard_score(average="macro")`
 * gives the same number on the counted pairs when its labels are those
 * classes. Unlike trm_metric_average() with #TRM_AVERAGE_MACRO_PRESENT, a
 * class predicted for some pixels but equal to the ignore label does not
 * enter the mean.
 * @param cm The matrix.
 * @param out Receives the mean.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_EMPTY when no class
 *         other than the ignore label is present (torchmetrics returns NaN).
 */
TRM_API int trm_confusion_mean_iou(const trm_confusion *cm, double *out);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_METRICS_H */
