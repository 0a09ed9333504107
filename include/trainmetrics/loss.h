/* SPDX-License-Identifier: MIT */
/**
 * @file loss.h
 * @brief Streaming, mergeable losses: cross-entropy (log loss), binary
 *        cross-entropy from logits, and the Brier score.
 *
 * A loss accumulator keeps the weighted sum of per-sample losses, the sum of
 * the sample weights and the number of samples. Its value is their ratio, the
 * weighted mean over every sample seen (scikit-learn's `sample_weight`, or
 * PyTorch's `reduction='mean'` without weights). Batches can arrive in any
 * split and partial accumulators can be merged in any order.
 *
 * Precision: each per-sample loss is computed in double (float inputs are
 * converted exactly) with a few ulp of error. The two sums are double-double
 * pairs (a Neumaier-compensated sum, renormalized after every batch and merge),
 * so the accumulated sums are within about 2^-104 relative plus one rounding of
 * each added term of the exact sums, whatever the batch split or merge order;
 * the value read is the rounded ratio of the two, correct to a few ulp.
 *
 * Every update validates its whole batch first: a bad label or target, a NaN
 * or an infinity, a probability outside [0, 1], a negative weight or a loss
 * that leaves the double range rejects the batch, leaves the accumulator as it
 * was and describes the first offending element in trm_last_error().
 *
 * Under denormals-are-zero, a subnormal weight counts as 0 and a subnormal
 * probability as 0, which the clipping below makes the same loss.
 *
 * The class-id losses (cross-entropy, Brier) can skip the samples of one label
 * (trm_loss_set_ignore_label(), torch `F.cross_entropy(ignore_index=...)`,
 * whose `reduction='mean'` divides by the samples kept): a skipped sample's
 * values and weight are neither checked nor summed, and it is not counted.
 */
#ifndef TRAINMETRICS_LOSS_H
#define TRAINMETRICS_LOSS_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque streaming loss accumulator. */
typedef struct trm_loss trm_loss;

/**
 * @brief Which loss an accumulator sums, fixed at creation.
 *
 * With K classes and y the true class of a sample:
 * - CROSS_ENTROPY: from logits x, log(sum_k exp(x_k)) - x_y computed as
 *   m + log(sum_k exp(x_k - m)) - x_y with m = max_k x_k, so a logit of 1000
 *   does not overflow (torch `F.cross_entropy`); from probabilities p,
 *   -log(clip(p_y, eps, 1 - eps)) with eps the machine epsilon of the input
 *   type (scikit-learn `log_loss`, eps = `np.finfo(dtype).eps`). Rows are not
 *   renormalized: this is scikit-learn >= 1.5, which dropped the division of
 *   each clipped row by its sum done up to 1.4 (the two agree to a few ulp on
 *   rows that sum to 1).
 * - BINARY_CROSS_ENTROPY: L outputs per sample with targets t in [0, 1]; each
 *   sample's loss is the mean over its outputs of
 *   max(x, 0) - x t + log1p(exp(-|x|)) (torch
 *   `F.binary_cross_entropy_with_logits`, which with `reduction='mean'` is the
 *   mean over all n L elements, the same number without weights).
 * - BRIER: from probabilities, sum_k (p_k - [k = y])^2, halved when K = 2 so
 *   that the binary score is (p_1 - y)^2: scikit-learn's `brier_score_loss`
 *   with `scale_by_half='auto'` (the multiclass form of recent releases; the
 *   binary form is the same in every version).
 */
enum {
    TRM_LOSS_CROSS_ENTROPY = 0,        /**< Multiclass log loss / softmax cross-entropy; K >= 2. */
    TRM_LOSS_BINARY_CROSS_ENTROPY = 1, /**< Binary or multilabel cross-entropy from logits; L >= 1. */
    TRM_LOSS_BRIER = 2                 /**< Brier score from probabilities; K >= 2. */
};

/**
 * @brief Create an empty accumulator.
 * @param out Receives the new handle; untouched on failure.
 * @param kind One of #TRM_LOSS_CROSS_ENTROPY, #TRM_LOSS_BINARY_CROSS_ENTROPY, #TRM_LOSS_BRIER.
 * @param n_classes The classes K per sample (at least 2) or, for
 *        #TRM_LOSS_BINARY_CROSS_ENTROPY, the outputs L per sample (at least 1);
 *        at most 2^32.
 * @param alloc Memory hooks, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p out, an unknown kind, a class
 *         count out of range or an allocator with a NULL hook; #TRM_E_NOMEM
 *         when the allocator fails.
 */
TRM_API int trm_loss_new(trm_loss **out, int kind, size_t n_classes, const trm_allocator *alloc);

/**
 * @brief Release an accumulator.
 * @param l The handle, or NULL (then nothing happens).
 */
TRM_API void trm_loss_free(trm_loss *l);

/**
 * @brief Deep copy, with the same allocator, kind, class count, ignore label and sums.
 * @param out Receives the copy; untouched on failure.
 * @param l The accumulator to copy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NOMEM.
 */
TRM_API int trm_loss_clone(trm_loss **out, const trm_loss *l);

/**
 * @brief Forget every sample; the kind, class count and ignore label are kept.
 * @param l The accumulator, or NULL (then nothing happens).
 */
TRM_API void trm_loss_reset(trm_loss *l);

/**
 * @brief Add the samples summarized by @p src to @p dst (the reduce step of a distributed run).
 *
 * The ignore labels may differ: they only decided which samples were summed,
 * and @p dst keeps its own.
 * @param dst Accumulator that receives the sum.
 * @param src Accumulator to add; may be @p dst itself, which doubles every sample.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_MISMATCH when the
 *         kinds or class counts differ; #TRM_E_OVERFLOW when the sample count
 *         would pass 2^64 - 1 or a sum would leave the double range.
 */
TRM_API int trm_loss_merge(trm_loss *dst, const trm_loss *src);

/**
 * @brief Write the accumulator as a versioned, little-endian, CRC-32C-checked blob.
 * @param l The accumulator.
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the number of bytes the blob needs, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p l or @p size; #TRM_E_BUFFER
 *         when @p buf is NULL or @p cap is too small (nothing is written).
 */
TRM_API int trm_loss_serialize(const trm_loss *l, uint8_t *buf, size_t cap, size_t *size);

/**
 * @brief Rebuild an accumulator from a blob written by trm_loss_serialize().
 *
 * Every field is validated; no length in the blob is trusted.
 * @param out Receives the new handle; untouched on failure.
 * @param buf The blob.
 * @param size Its exact length in bytes.
 * @param alloc Memory hooks for the new handle, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an allocator with a NULL
 *         hook; #TRM_E_CORRUPT for a truncated, damaged or inconsistent blob;
 *         #TRM_E_VERSION for an unknown format version; #TRM_E_MISMATCH for a
 *         valid blob of another handle type; #TRM_E_NOMEM.
 */
TRM_API int trm_loss_deserialize(trm_loss **out, const uint8_t *buf, size_t size, const trm_allocator *alloc);

/**
 * @brief The loss the accumulator sums.
 * @param l The accumulator.
 * @return One of the TRM_LOSS_* kinds, or -1 for a NULL handle.
 */
TRM_API int trm_loss_kind(const trm_loss *l);

/**
 * @brief The class count K (or output count L) given at creation.
 * @param l The accumulator.
 * @return K or L, or 0 for a NULL handle.
 */
TRM_API size_t trm_loss_n_classes(const trm_loss *l);

/**
 * @brief Number of samples (rows) accumulated so far, whatever their weights.
 * @param l The accumulator.
 * @return The count, or 0 for a NULL handle.
 */
TRM_API uint64_t trm_loss_n_samples(const trm_loss *l);

/**
 * @brief Skip every later sample whose class id equals @p label (torch's `ignore_index`).
 *
 * The label may lie inside or outside [0, K) (torch's default is -100).
 * Samples already summed stay. Binary cross-entropy takes targets, not class
 * ids, and has no ignore label.
 * @param l A #TRM_LOSS_CROSS_ENTROPY or #TRM_LOSS_BRIER accumulator.
 * @param label The class id to skip, or #TRM_NO_IGNORE to skip none (the default).
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p l; #TRM_E_MISMATCH for a
 *         #TRM_LOSS_BINARY_CROSS_ENTROPY accumulator and a label other than
 *         #TRM_NO_IGNORE.
 */
TRM_API int trm_loss_set_ignore_label(trm_loss *l, int64_t label);

/**
 * @brief The ignore label in force.
 * @param l The accumulator.
 * @return The label, or #TRM_NO_IGNORE when none is set or @p l is NULL.
 */
TRM_API int64_t trm_loss_ignore_label(const trm_loss *l);

/**
 * @brief Accumulate n rows of logits with their true classes (cross-entropy only).
 * @param l A #TRM_LOSS_CROSS_ENTROPY accumulator of K classes.
 * @param y_true n class ids in [0, K), or the ignore label.
 * @param logits n rows; row i starts at logits[i * row_stride] and its first K values are used.
 * @param n Number of rows; 0 is a no-op.
 * @param row_stride Distance between rows in elements, at least K.
 * @param weights n finite sample weights >= 0, or NULL for weight 1 each.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, a row_stride below K or a
 *         negative weight; #TRM_E_MISMATCH for another kind of accumulator;
 *         #TRM_E_LABEL for a class id outside [0, K); #TRM_E_NONFINITE for a
 *         NaN or infinite logit or weight; #TRM_E_OVERFLOW when the sizes
 *         overflow, the sample count would pass 2^64 - 1 or a loss or sum
 *         leaves the double range (logits differing by about 1e308).
 */
TRM_API int trm_loss_update_logits_f32(trm_loss *l, const int32_t *y_true, const float *logits, size_t n,
                                       size_t row_stride, const double *weights);

/**
 * @brief Accumulate n rows of double logits; as trm_loss_update_logits_f32().
 * @param l A #TRM_LOSS_CROSS_ENTROPY accumulator of K classes.
 * @param y_true n class ids in [0, K), or the ignore label.
 * @param logits n rows of row_stride elements, K used.
 * @param n Number of rows; 0 is a no-op.
 * @param row_stride Distance between rows in elements, at least K.
 * @param weights n finite sample weights >= 0, or NULL for weight 1 each.
 * @return As trm_loss_update_logits_f32().
 */
TRM_API int trm_loss_update_logits_f64(trm_loss *l, const int32_t *y_true, const double *logits, size_t n,
                                       size_t row_stride, const double *weights);

/**
 * @brief Accumulate n rows of K class probabilities (cross-entropy or Brier).
 *
 * For cross-entropy the probability of the true class is clipped to
 * [FLT_EPSILON, 1 - FLT_EPSILON]; rows need not sum to 1. Every used value
 * must lie in [0, 1] (current scikit-learn raises there too).
 * @param l A #TRM_LOSS_CROSS_ENTROPY or #TRM_LOSS_BRIER accumulator of K classes.
 * @param y_true n class ids in [0, K), or the ignore label.
 * @param probs n rows; row i starts at probs[i * row_stride] and its first K values are used.
 * @param n Number of rows; 0 is a no-op.
 * @param row_stride Distance between rows in elements, at least K.
 * @param weights n finite sample weights >= 0, or NULL for weight 1 each.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, a row_stride below K, a
 *         probability outside [0, 1] or a negative weight; #TRM_E_MISMATCH
 *         for a #TRM_LOSS_BINARY_CROSS_ENTROPY accumulator; #TRM_E_LABEL for a
 *         class id outside [0, K); #TRM_E_NONFINITE for a NaN or infinite
 *         probability or weight; #TRM_E_OVERFLOW when the sizes overflow, the
 *         sample count would pass 2^64 - 1 or a sum leaves the double range.
 */
TRM_API int trm_loss_update_probs_f32(trm_loss *l, const int32_t *y_true, const float *probs, size_t n,
                                      size_t row_stride, const double *weights);

/**
 * @brief Accumulate n rows of double class probabilities; as
 *        trm_loss_update_probs_f32() with eps = DBL_EPSILON.
 * @param l A #TRM_LOSS_CROSS_ENTROPY or #TRM_LOSS_BRIER accumulator of K classes.
 * @param y_true n class ids in [0, K), or the ignore label.
 * @param probs n rows of row_stride elements, K used.
 * @param n Number of rows; 0 is a no-op.
 * @param row_stride Distance between rows in elements, at least K.
 * @param weights n finite sample weights >= 0, or NULL for weight 1 each.
 * @return As trm_loss_update_probs_f32().
 */
TRM_API int trm_loss_update_probs_f64(trm_loss *l, const int32_t *y_true, const double *probs, size_t n,
                                      size_t row_stride, const double *weights);

/**
 * @brief Accumulate n binary samples given by the probability of class 1 (K = 2 only).
 *
 * Sample i stands for the row (1 - p_i, p_i): the log loss of a single column
 * of positive-class probabilities (scikit-learn `log_loss` with 1-D
 * `y_pred`, 1 - p taken before clipping) or the binary Brier score (p_i - y_i)^2
 * (`brier_score_loss`).
 * @param l A #TRM_LOSS_CROSS_ENTROPY or #TRM_LOSS_BRIER accumulator of 2 classes.
 * @param y_true n class ids, 0 or 1, or the ignore label.
 * @param p_positive n probabilities in [0, 1] of class 1.
 * @param n Number of samples; 0 is a no-op.
 * @param weights n finite sample weights >= 0, or NULL for weight 1 each.
 * @return As trm_loss_update_probs_f32(), and #TRM_E_MISMATCH when K is not 2.
 */
TRM_API int trm_loss_update_probs_binary_f32(trm_loss *l, const int32_t *y_true, const float *p_positive,
                                             size_t n, const double *weights);

/**
 * @brief Accumulate n binary samples of double class-1 probabilities; as
 *        trm_loss_update_probs_binary_f32() with eps = DBL_EPSILON.
 * @param l A #TRM_LOSS_CROSS_ENTROPY or #TRM_LOSS_BRIER accumulator of 2 classes.
 * @param y_true n class ids, 0 or 1, or the ignore label.
 * @param p_positive n probabilities in [0, 1] of class 1.
 * @param n Number of samples; 0 is a no-op.
 * @param weights n finite sample weights >= 0, or NULL for weight 1 each.
 * @return As trm_loss_update_probs_binary_f32().
 */
TRM_API int trm_loss_update_probs_binary_f64(trm_loss *l, const int32_t *y_true, const double *p_positive,
                                             size_t n, const double *weights);

/**
 * @brief Accumulate n samples of L logits and L targets (binary cross-entropy only).
 * @param l A #TRM_LOSS_BINARY_CROSS_ENTROPY accumulator of L outputs.
 * @param targets n x L values in [0, 1], row-major: 0/1 labels or soft targets.
 * @param logits n x L finite logits, row-major.
 * @param n Number of samples; 0 is a no-op.
 * @param weights n finite sample weights >= 0, or NULL for weight 1 each.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or a negative weight;
 *         #TRM_E_MISMATCH for another kind of accumulator; #TRM_E_LABEL for a
 *         target outside [0, 1]; #TRM_E_NONFINITE for a NaN or infinite
 *         target, logit or weight; #TRM_E_OVERFLOW when the sizes overflow,
 *         the sample count would pass 2^64 - 1 or a sum leaves the double range.
 */
TRM_API int trm_loss_update_binary_logits_f32(trm_loss *l, const float *targets, const float *logits, size_t n,
                                              const double *weights);

/**
 * @brief Accumulate n samples of double logits and targets; as trm_loss_update_binary_logits_f32().
 * @param l A #TRM_LOSS_BINARY_CROSS_ENTROPY accumulator of L outputs.
 * @param targets n x L values in [0, 1], row-major.
 * @param logits n x L finite logits, row-major.
 * @param n Number of samples; 0 is a no-op.
 * @param weights n finite sample weights >= 0, or NULL for weight 1 each.
 * @return As trm_loss_update_binary_logits_f32().
 */
TRM_API int trm_loss_update_binary_logits_f64(trm_loss *l, const double *targets, const double *logits,
                                              size_t n, const double *weights);

/**
 * @brief The weighted mean loss over every sample seen: sum / total weight.
 * @param l The accumulator.
 * @param out Receives the value.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_EMPTY when no
 *         sample has been accumulated or the weights sum to 0 (scikit-learn
 *         raises there too).
 */
TRM_API int trm_loss_value(const trm_loss *l, double *out);

/**
 * @brief The weighted sum of the per-sample losses (scikit-learn `normalize=False`).
 * @param l The accumulator.
 * @param out Receives the sum, 0 for an empty accumulator.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers.
 */
TRM_API int trm_loss_sum(const trm_loss *l, double *out);

/**
 * @brief The sum of the sample weights (the sample count when none were given).
 * @param l The accumulator.
 * @param out Receives the total weight, 0 for an empty accumulator.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers.
 */
TRM_API int trm_loss_total_weight(const trm_loss *l, double *out);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_LOSS_H */
