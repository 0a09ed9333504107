/* SPDX-License-Identifier: MIT */
/**
 * @file ranking.h
 * @brief Ranking metrics from scores: ROC AUC, average precision, the ROC
 *        curve and the precision-recall curve, for binary, multiclass
 *        (one-vs-rest) and multilabel tasks, exact or binned.
 *
 * A handle sees samples of C score columns: one for a binary task (the score
 * of the positive class), K for a multiclass task (label in [0, K), column c
 * scored against "not c"), L for a multilabel task (one 0/1 target per
 * column). Each column is a binary problem; averages combine them.
 *
 * **Exact mode** (trm_ranking_new()) keeps every (scores, label, weight)
 * sample in memory that grows from the handle's allocator; merge concatenates
 * and the blob stores the samples. Its numbers are those of scikit-learn 1.2
 * (`roc_auc_score`, `average_precision_score`, `roc_curve`,
 * `precision_recall_curve`), ties, sample weights and zero weights included:
 * samples are ranked by decreasing score, equal scores form one threshold,
 * the ROC AUC is the trapezoidal area and the average precision the step sum
 * sum_n (R_n - R_{n-1}) P_n, the sums taken in NumPy's pairwise order. The
 * ROC curve starts at the point (0, 0) with the threshold max + 1
 * (scikit-learn < 1.3; 1.3 and later write +inf there).
 *
 * **Binned mode** (trm_ranking_new_binned()) keeps, for every column and every
 * one of T increasing thresholds, how many positive and negative samples
 * scored at or above it: constant memory, exact merge. Its numbers are those
 * of torchmetrics with `thresholds=T` or a list (`BinaryAUROC`,
 * `BinaryAveragePrecision`, `BinaryROC`, `BinaryPrecisionRecallCurve` and
 * their multiclass and multilabel versions): a sample is predicted positive
 * at threshold t when score >= t; precision and recall divide with 0 for 0/0;
 * the AUC is the trapezoidal area over the T points of the binned ROC curve
 * and the average precision -sum_t (R_{t+1} - R_t) P_t over the binned PR
 * curve. Scores are not passed through a sigmoid or softmax: a score below
 * the first threshold is negative at every threshold.
 *
 * **Binning error.** Call a (positive, negative) sample pair of a column
 * a pair. The exact ROC AUC is the fraction of pairs whose positive scores
 * higher, ties counting 1/2. When every score lies in [t_0, t_{T-1}] (for the
 * default grid: in [0, 1]), the binned AUC is the same fraction with the two
 * scores of a pair replaced by their bins [t_i, t_{i+1}) (the top bin holds
 * the scores equal to t_{T-1}, all tied): pairs in different bins count as
 * in the exact value, pairs in one bin count 1/2 (0 in the top bin, where
 * the exact value is 1/2 too). Hence
 * |binned AUC - exact AUC| <= (1/2) x (fraction of pairs whose scores share
 * a bin). tests/check-ranking.c checks this bound.
 *
 * Every update validates its whole batch before anything changes: a NaN or
 * infinite score (#TRM_E_NONFINITE), a label out of range (#TRM_E_LABEL), a
 * bad weight or a size overflow rejects the batch, leaves the handle as it
 * was and names the first offending element in trm_last_error(). Scores are
 * compared by their exact values in every floating-point mode (denormals-are-
 * zero does not merge a subnormal score with 0).
 *
 * Undefined results: an exact-mode ROC AUC of a column without a positive or
 * without a negative sample is #TRM_E_INVALID (scikit-learn raises
 * ValueError "Only one class present"); when such samples exist but all of
 * them weigh 0, the value is NaN (scikit-learn's UndefinedMetricWarning
 * value). The average precision of a column without positives is 0
 * (scikit-learn sets recall to 1). Binned mode never fails on a present
 * class: like torchmetrics it divides 0/0 as 0.
 */
#ifndef TRAINMETRICS_RANKING_H
#define TRAINMETRICS_RANKING_H

#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque ranking-metric accumulator. */
typedef struct trm_ranking trm_ranking;

/** What a sample's labels and scores describe. */
enum {
    TRM_RANKING_BINARY = 0,     /**< One score column; labels 0 or 1. */
    TRM_RANKING_MULTICLASS = 1, /**< K >= 2 score columns; one label in [0, K) per sample (one-vs-rest). */
    TRM_RANKING_MULTILABEL = 2  /**< L >= 1 score columns; L labels of 0 or 1 per sample. */
};

/** How a handle keeps its samples. */
enum {
    TRM_RANKING_EXACT = 0, /**< Every sample kept; scikit-learn's numbers. */
    TRM_RANKING_BINNED = 1 /**< Counts at T fixed thresholds; torchmetrics' binned numbers. */
};

/** The scores a handle derives. */
enum {
    TRM_RANKING_ROC_AUC = 0,          /**< Area under the ROC curve (roc_auc_score). */
    TRM_RANKING_AVERAGE_PRECISION = 1 /**< Average precision (average_precision_score). */
};

/** The column argument of the curve functions that asks for the micro-averaged
 *  curve: every (score, target) pair of every column pooled into one binary problem. */
#define TRM_RANKING_MICRO SIZE_MAX

/**
 * @brief Create an empty exact-mode accumulator.
 * @param out Receives the new handle; untouched on failure.
 * @param task #TRM_RANKING_BINARY, #TRM_RANKING_MULTICLASS or #TRM_RANKING_MULTILABEL.
 * @param n_columns Score columns C: 1 for BINARY, the class count K >= 2 for
 *        MULTICLASS, the label count L >= 1 for MULTILABEL.
 * @param alloc Memory hooks, or NULL for malloc/free; the samples grow from them.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p out, an unknown task, a column
 *         count that does not fit the task or an allocator with a NULL hook;
 *         #TRM_E_OVERFLOW when one sample of C columns does not fit in memory
 *         sizes; #TRM_E_NOMEM.
 */
TRM_API int trm_ranking_new(trm_ranking **out, int task, size_t n_columns, const trm_allocator *alloc);

/**
 * @brief Create an empty binned-mode accumulator with T thresholds.
 * @param out Receives the new handle; untouched on failure.
 * @param task As for trm_ranking_new().
 * @param n_columns As for trm_ranking_new().
 * @param n_thresholds T >= 2.
 * @param thresholds T finite, strictly increasing thresholds, or NULL for
 *        t_i = i x (1 / (T - 1)), t_{T-1} = 1 (NumPy's `linspace(0, 1, T)`; torchmetrics' `thresholds=T`
 *        rounds these to float32: pass those values to reproduce its bins bit for bit).
 * @param alloc Memory hooks, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID as for trm_ranking_new(), or T < 2;
 *         #TRM_E_NONFINITE for a NaN or infinite threshold; #TRM_E_INVALID for
 *         thresholds that do not strictly increase (trm_last_error() names the
 *         index); #TRM_E_OVERFLOW when the counters do not fit in memory sizes;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_ranking_new_binned(trm_ranking **out, int task, size_t n_columns, size_t n_thresholds,
                                   const double *thresholds, const trm_allocator *alloc);

/**
 * @brief Release an accumulator.
 * @param h The handle, or NULL (then nothing happens).
 */
TRM_API void trm_ranking_free(trm_ranking *h);

/**
 * @brief Deep copy, with the same allocator, options and samples.
 * @param out Receives the copy; untouched on failure.
 * @param h The accumulator to copy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NOMEM.
 */
TRM_API int trm_ranking_clone(trm_ranking **out, const trm_ranking *h);

/**
 * @brief Forget every sample; task, columns, mode and thresholds are kept.
 * @param h The accumulator, or NULL (then nothing happens).
 */
TRM_API void trm_ranking_reset(trm_ranking *h);

/**
 * @brief Add the samples of @p src to @p dst (the reduce step of a distributed run).
 *
 * Exact mode appends src's samples after dst's, so the result is the handle
 * of the concatenated stream, with the same tie order; binned mode adds the
 * counts, exactly.
 * @param dst Accumulator that receives the samples.
 * @param src Accumulator to add; may be @p dst itself.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_MISMATCH when
 *         mode, task, columns or thresholds differ; #TRM_E_OVERFLOW when the
 *         sample count or the memory size would overflow or the total weight
 *         would pass 2^500; #TRM_E_NOMEM (exact mode grows).
 */
TRM_API int trm_ranking_merge(trm_ranking *dst, const trm_ranking *src);

/**
 * @brief Write the accumulator as a versioned, little-endian, CRC-32C-checked blob.
 * @param h The accumulator.
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the number of bytes the blob needs, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p h or @p size; #TRM_E_BUFFER
 *         when @p buf is NULL or @p cap is too small (nothing is written);
 *         #TRM_E_OVERFLOW when the blob would exceed SIZE_MAX bytes.
 */
TRM_API int trm_ranking_serialize(const trm_ranking *h, uint8_t *buf, size_t cap, size_t *size);

/**
 * @brief Rebuild an accumulator from a blob written by trm_ranking_serialize().
 * @param out Receives the new handle; untouched on failure.
 * @param buf The blob.
 * @param size Its exact length in bytes.
 * @param alloc Memory hooks for the new handle, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an allocator with a NULL
 *         hook; #TRM_E_CORRUPT for a truncated, damaged or inconsistent blob;
 *         #TRM_E_VERSION for an unknown format version; #TRM_E_MISMATCH for a
 *         valid blob of another handle type; #TRM_E_NOMEM.
 */
TRM_API int trm_ranking_deserialize(trm_ranking **out, const uint8_t *buf, size_t size,
                                    const trm_allocator *alloc);

/**
 * @brief The task the handle was created for.
 * @param h The accumulator.
 * @return #TRM_RANKING_BINARY, #TRM_RANKING_MULTICLASS or #TRM_RANKING_MULTILABEL; -1 for NULL.
 */
TRM_API int trm_ranking_task(const trm_ranking *h);

/**
 * @brief The mode the handle was created in.
 * @param h The accumulator.
 * @return #TRM_RANKING_EXACT or #TRM_RANKING_BINNED; -1 for NULL.
 */
TRM_API int trm_ranking_mode(const trm_ranking *h);

/**
 * @brief Number of score columns C.
 * @param h The accumulator.
 * @return C, or 0 for a NULL handle.
 */
TRM_API size_t trm_ranking_n_columns(const trm_ranking *h);

/**
 * @brief Number of thresholds T of a binned handle.
 * @param h The accumulator.
 * @return T, or 0 for an exact-mode or NULL handle.
 */
TRM_API size_t trm_ranking_n_thresholds(const trm_ranking *h);

/**
 * @brief The thresholds of a binned handle, increasing.
 * @param h The accumulator.
 * @param out T values.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_MISMATCH for an exact-mode handle.
 */
TRM_API int trm_ranking_thresholds(const trm_ranking *h, double *out);

/**
 * @brief Number of samples accumulated so far.
 * @param h The accumulator.
 * @return The count, or 0 for a NULL handle.
 */
TRM_API uint64_t trm_ranking_n_samples(const trm_ranking *h);

/**
 * @brief Accumulate n samples of float scores, each of weight 1.
 *
 * Floats are widened to double exactly (also subnormal ones under DAZ).
 * @param h The accumulator.
 * @param labels BINARY: n labels 0/1; MULTICLASS: n labels in [0, K);
 *        MULTILABEL: n x L labels 0/1, row-major.
 * @param scores n x C finite scores, row-major.
 * @param n Number of samples; 0 is a no-op.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_LABEL for a label
 *         out of range; #TRM_E_NONFINITE for a NaN or infinite score;
 *         #TRM_E_OVERFLOW when sizes or the sample count would overflow or
 *         the total weight would pass 2^500; #TRM_E_NOMEM when exact mode
 *         cannot grow.
 */
TRM_API int trm_ranking_update_f32(trm_ranking *h, const int32_t *labels, const float *scores, size_t n);

/**
 * @brief Accumulate n samples of double scores, each of weight 1.
 * @param h The accumulator.
 * @param labels As for trm_ranking_update_f32().
 * @param scores n x C finite scores, row-major.
 * @param n Number of samples; 0 is a no-op.
 * @return As trm_ranking_update_f32().
 */
TRM_API int trm_ranking_update_f64(trm_ranking *h, const int32_t *labels, const double *scores, size_t n);

/**
 * @brief Accumulate n weighted samples of float scores (exact mode only).
 * @param h The accumulator.
 * @param labels As for trm_ranking_update_f32().
 * @param scores n x C finite scores, row-major.
 * @param weights n finite weights >= 0 (scikit-learn `sample_weight`; weight 0
 *        removes the sample from every curve, as there).
 * @param n Number of samples; 0 is a no-op.
 * @return As trm_ranking_update_f32(); also #TRM_E_NONFINITE for a NaN or
 *         infinite weight, #TRM_E_INVALID for a negative one, #TRM_E_MISMATCH
 *         for a binned handle (torchmetrics' binned metrics take no weights).
 */
TRM_API int trm_ranking_update_weighted_f32(trm_ranking *h, const int32_t *labels, const float *scores,
                                            const double *weights, size_t n);

/**
 * @brief Accumulate n weighted samples of double scores (exact mode only).
 * @param h The accumulator.
 * @param labels As for trm_ranking_update_f32().
 * @param scores n x C finite scores, row-major.
 * @param weights n finite weights >= 0.
 * @param n Number of samples; 0 is a no-op.
 * @return As trm_ranking_update_weighted_f32().
 */
TRM_API int trm_ranking_update_weighted_f64(trm_ranking *h, const int32_t *labels, const double *scores,
                                            const double *weights, size_t n);

/**
 * @brief One score for each column (scikit-learn `average=None`).
 * @param h The accumulator.
 * @param metric #TRM_RANKING_ROC_AUC or #TRM_RANKING_AVERAGE_PRECISION.
 * @param out C values; untouched on failure.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, an unknown metric, or
 *         (exact ROC AUC) a column without a positive or a negative sample;
 *         #TRM_E_EMPTY when no sample has been accumulated; #TRM_E_NOMEM
 *         (exact mode sorts in scratch memory from the handle's allocator).
 */
TRM_API int trm_ranking_metric_per_class(const trm_ranking *h, int metric, double *out);

/**
 * @brief One score over all columns.
 *
 * #TRM_AVERAGE_MACRO is the mean of the per-column scores; #TRM_AVERAGE_WEIGHTED
 * weighs each by its positive weight (scikit-learn: columns of weight 0 count
 * 0, a total weight within 1e-8 of 0 gives 0; binned: torchmetrics, the
 * positive counts); #TRM_AVERAGE_MICRO pools every (score, target) pair of
 * every column into one binary problem (scikit-learn `average='micro'`,
 * torchmetrics' micro). For a binary task all three are the binary score.
 * @param h The accumulator.
 * @param metric #TRM_RANKING_ROC_AUC or #TRM_RANKING_AVERAGE_PRECISION.
 * @param average #TRM_AVERAGE_MACRO, #TRM_AVERAGE_MICRO or #TRM_AVERAGE_WEIGHTED.
 * @param out Receives the value; untouched on failure.
 * @return As trm_ranking_metric_per_class(); #TRM_E_INVALID also for another average.
 */
TRM_API int trm_ranking_metric_average(const trm_ranking *h, int metric, int average, double *out);

/**
 * @brief The ROC curve of one column, or of the micro-averaged problem.
 *
 * Exact mode: scikit-learn 1.2 `roc_curve`: n points, the first (0, 0) with
 * threshold max + 1, then one point per distinct score, decreasing;
 * @p drop_intermediate removes the collinear interior points as scikit-learn
 * does (its default is true). A column without negatives has fpr NaN, one
 * without positives tpr NaN (scikit-learn's warning values). Binned mode:
 * torchmetrics' binned ROC: T points at the thresholds in decreasing order;
 * @p drop_intermediate is ignored.
 * @param h The accumulator.
 * @param column A column in [0, C), or #TRM_RANKING_MICRO.
 * @param drop_intermediate Nonzero to drop suboptimal points (exact mode).
 * @param fpr n false-positive rates.
 * @param tpr n true-positive rates.
 * @param thresholds n thresholds.
 * @param cap Values each of the three arrays can hold.
 * @param n Receives the number of points n, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p h or @p n or a column out of
 *         range; #TRM_E_EMPTY when no sample has been accumulated;
 *         #TRM_E_BUFFER when an array is NULL or @p cap < n (nothing written);
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_ranking_roc_curve(const trm_ranking *h, size_t column, int drop_intermediate, double *fpr,
                                  double *tpr, double *thresholds, size_t cap, size_t *n);

/**
 * @brief The precision-recall curve of one column, or of the micro-averaged problem.
 *
 * Exact mode: scikit-learn 1.2 `precision_recall_curve`: one point per
 * distinct score in increasing threshold order, then the point
 * (precision 1, recall 0) without a threshold; n - 1 thresholds. Binned mode:
 * torchmetrics' binned curve: T points at the increasing thresholds, then
 * (1, 0): n = T + 1 points, T thresholds.
 * @param h The accumulator.
 * @param column A column in [0, C), or #TRM_RANKING_MICRO.
 * @param precision n precisions.
 * @param recall n recalls.
 * @param thresholds n - 1 thresholds.
 * @param cap Values the precision and recall arrays can hold (thresholds needs one less).
 * @param n Receives the number of points n, also on #TRM_E_BUFFER.
 * @return As trm_ranking_roc_curve().
 */
TRM_API int trm_ranking_pr_curve(const trm_ranking *h, size_t column, double *precision, double *recall,
                                 double *thresholds, size_t cap, size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_RANKING_H */
