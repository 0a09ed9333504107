/* SPDX-License-Identifier: MIT */
/**
 * @file multilabel.h
 * @brief Streaming multilabel accumulator: per-label confusion counts,
 *        sample-wise scores, subset accuracy and Hamming loss.
 *
 * Samples are rows of L labels, each 0 or 1, row-major. For label l the
 * accumulator counts tn, fp, fn and tp (scikit-learn
 * `multilabel_confusion_matrix`); for each sample it records what the SAMPLES
 * average needs, so every metric is exact whatever the batch boundaries. The
 * metric enums are those of metrics.h, with scikit-learn (>= 1.4) semantics on
 * indicator matrices. Every update validates its whole batch before anything
 * is counted: a value other than 0/1, a NaN score or an overflow rejects the
 * batch, leaves the accumulator as it was and describes the first offending
 * element in trm_last_error().
 */
#ifndef TRAINMETRICS_MULTILABEL_H
#define TRAINMETRICS_MULTILABEL_H

#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque streaming multilabel accumulator. */
typedef struct trm_multilabel trm_multilabel;

/**
 * @brief Create an empty multilabel accumulator.
 * @param out Receives the new handle; untouched on failure.
 * @param n_labels Number of labels L per sample, at least 1.
 * @param alloc Memory hooks, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p out, L = 0 or an allocator
 *         with a single hook; #TRM_E_OVERFLOW when the counters for L labels do
 *         not fit in memory sizes; #TRM_E_NOMEM when the allocator fails.
 */
TRM_API int trm_multilabel_new(trm_multilabel **out, size_t n_labels, const trm_allocator *alloc);

/**
 * @brief Release a multilabel accumulator.
 * @param m The handle, or NULL (then nothing happens).
 */
TRM_API void trm_multilabel_free(trm_multilabel *m);

/**
 * @brief Deep copy, with the same allocator, label count and counts.
 * @param out Receives the copy; untouched on failure.
 * @param m The accumulator to copy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NOMEM.
 */
TRM_API int trm_multilabel_clone(trm_multilabel **out, const trm_multilabel *m);

/**
 * @brief Forget every sample; L is kept.
 * @param m The accumulator, or NULL (then nothing happens).
 */
TRM_API void trm_multilabel_reset(trm_multilabel *m);

/**
 * @brief Add the samples of @p src to @p dst (the reduce step of a distributed run).
 * @param dst Accumulator that receives the sum.
 * @param src Accumulator to add; may be @p dst itself.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_MISMATCH when the
 *         label counts differ; #TRM_E_OVERFLOW when the sample count would pass
 *         the limit given at trm_multilabel_update_u8().
 */
TRM_API int trm_multilabel_merge(trm_multilabel *dst, const trm_multilabel *src);

/**
 * @brief Write the accumulator as a versioned, little-endian, CRC-32C-checked blob.
 * @param m The accumulator.
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the number of bytes the blob needs, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p m or @p size; #TRM_E_BUFFER
 *         when @p buf is NULL or @p cap is too small (nothing is written);
 *         #TRM_E_OVERFLOW when the blob, about 1.1 times the handle's memory,
 *         would exceed SIZE_MAX bytes.
 */
TRM_API int trm_multilabel_serialize(const trm_multilabel *m, uint8_t *buf, size_t cap, size_t *size);

/**
 * @brief Rebuild an accumulator from a blob written by trm_multilabel_serialize().
 *
 * Every field is validated, including the relations between the counts that
 * any real accumulator satisfies; no length in the blob is trusted.
 * @param out Receives the new handle; untouched on failure.
 * @param buf The blob.
 * @param size Its exact length in bytes.
 * @param alloc Memory hooks for the new handle, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an allocator with a
 *         single hook; #TRM_E_CORRUPT for a truncated, damaged or inconsistent
 *         blob; #TRM_E_VERSION for an unknown format version; #TRM_E_MISMATCH
 *         for a valid blob of another handle type; #TRM_E_NOMEM.
 */
TRM_API int trm_multilabel_deserialize(trm_multilabel **out, const uint8_t *buf, size_t size,
                                       const trm_allocator *alloc);

/**
 * @brief Number of labels L.
 * @param m The accumulator.
 * @return L, or 0 for a NULL handle.
 */
TRM_API size_t trm_multilabel_n_labels(const trm_multilabel *m);

/**
 * @brief Number of samples (rows) counted so far.
 * @param m The accumulator.
 * @return The count, or 0 for a NULL handle.
 */
TRM_API uint64_t trm_multilabel_n_samples(const trm_multilabel *m);

/**
 * @brief Count n samples of 0/1 truths and 0/1 predictions.
 * @param m The accumulator.
 * @param y_true n_samples rows of L values, each 0 or 1.
 * @param y_pred n_samples rows of L values, each 0 or 1.
 * @param n_samples Number of rows; 0 is a no-op.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_LABEL for a value
 *         other than 0 or 1 (the detail names the array, sample and label);
 *         #TRM_E_OVERFLOW when n_samples*L overflows size_t or the sample
 *         count would pass (2^64 - 1) / (2L), the bound that keeps every
 *         per-sample sum within 64 bits.
 */
TRM_API int trm_multilabel_update_u8(trm_multilabel *m, const uint8_t *y_true, const uint8_t *y_pred,
                                     size_t n_samples);

/**
 * @brief Predict `score > threshold` (strict, no implicit sigmoid) for every
 *        label of n samples of float scores, and count them.
 * @param m The accumulator.
 * @param y_true n_samples rows of L values, each 0 or 1.
 * @param scores n_samples rows of L finite scores.
 * @param n_samples Number of rows; 0 is a no-op.
 * @param threshold Decision threshold; NaN is refused, infinities are allowed.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or a NaN threshold;
 *         #TRM_E_LABEL for a truth other than 0 or 1; #TRM_E_NONFINITE for a
 *         NaN or Inf score; #TRM_E_OVERFLOW as trm_multilabel_update_u8().
 */
TRM_API int trm_multilabel_update_threshold_f32(trm_multilabel *m, const uint8_t *y_true,
                                                const float *scores, size_t n_samples, float threshold);

/**
 * @brief Predict `score > threshold` for every label of n samples of double
 *        scores, and count them.
 * @param m The accumulator.
 * @param y_true n_samples rows of L values, each 0 or 1.
 * @param scores n_samples rows of L finite scores.
 * @param n_samples Number of rows; 0 is a no-op.
 * @param threshold Decision threshold; NaN is refused, infinities are allowed.
 * @return As trm_multilabel_update_threshold_f32().
 */
TRM_API int trm_multilabel_update_threshold_f64(trm_multilabel *m, const uint8_t *y_true,
                                                const double *scores, size_t n_samples,
                                                double threshold);

/**
 * @brief Threshold probabilities or logits of every label, counted.
 *
 * The flags are those of trm_confusion_update_threshold_flags_f32():
 * #TRM_SCORES_LOGITS predicts `sigmoid(score) > threshold` with the float32
 * rounding of torch's sigmoid; #TRM_SCORES_AUTO takes the scores of the call
 * as logits when any of the n_samples * L scores lies outside [0, 1]
 * (torchmetrics' multilabel rule, decided per update); 0 is
 * trm_multilabel_update_threshold_f32().
 * @param m The accumulator.
 * @param y_true n_samples x L values, each 0 or 1.
 * @param scores n_samples x L finite scores.
 * @param n_samples Number of rows; 0 is a no-op.
 * @param threshold Decision threshold on the probability; NaN is refused.
 * @param flags 0, #TRM_SCORES_LOGITS or #TRM_SCORES_AUTO.
 * @return As trm_multilabel_update_threshold_f32(), and #TRM_E_INVALID for
 *         unknown flags or both flags at once.
 */
TRM_API int trm_multilabel_update_threshold_flags_f32(trm_multilabel *m, const uint8_t *y_true,
                                                      const float *scores, size_t n_samples,
                                                      float threshold, uint32_t flags);

/**
 * @brief Threshold double probabilities or logits of every label, counted.
 * @param m The accumulator.
 * @param y_true n_samples x L values, each 0 or 1.
 * @param scores n_samples x L finite scores.
 * @param n_samples Number of rows; 0 is a no-op.
 * @param threshold Decision threshold on the probability; NaN is refused.
 * @param flags 0, #TRM_SCORES_LOGITS or #TRM_SCORES_AUTO.
 * @return As trm_multilabel_update_threshold_flags_f32().
 */
TRM_API int trm_multilabel_update_threshold_flags_f64(trm_multilabel *m, const uint8_t *y_true,
                                                      const double *scores, size_t n_samples,
                                                      double threshold, uint32_t flags);

/**
 * @brief Copy the per-label confusion counts.
 *
 * The layout equals scikit-learn `multilabel_confusion_matrix(y_true,
 * y_pred).reshape(L, 4)`.
 * @param m The accumulator.
 * @param out L x 4 counts: tn, fp, fn, tp for each label in turn.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers.
 */
TRM_API int trm_multilabel_counts(const trm_multilabel *m, uint64_t *out);

/**
 * @brief One metric for each label, from that label's tn, fp, fn and tp.
 *
 * As trm_metric_per_class() on a two-class problem per label: undefined values
 * take the zero_division value; #TRM_SUPPORT is the number of samples in which
 * the label is true.
 * @param m The accumulator.
 * @param metric One of TRM_PRECISION .. TRM_SUPPORT.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out L values.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or unknown enum values;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_multilabel_metric_per_label(const trm_multilabel *m, int metric, int zero_division,
                                            double *out);

/**
 * @brief One metric averaged over labels or over samples.
 *
 * MACRO, MICRO, WEIGHTED and MACRO_PRESENT combine the per-label values with
 * the rules of trm_metric_average() (scikit-learn `precision_recall_fscore_support`
 * and `jaccard_score` on indicator matrices). #TRM_AVERAGE_SAMPLES takes, for
 * each sample with t true labels, p predicted labels and c labels both true and
 * predicted, precision c/p, recall c/t, F1 2c/(t+p) or Jaccard c/(t+p-c), and
 * averages over the samples; a sample whose denominator is 0 takes the
 * zero_division value, and
 * with #TRM_ZERO_DIVISION_NAN it is left out (NaN when every sample is). Any
 * average of #TRM_SUPPORT is the sum of the supports. With nothing counted the
 * SAMPLES average is the zero_division value.
 * @param m The accumulator.
 * @param metric One of TRM_PRECISION .. TRM_SUPPORT; with SAMPLES only
 *        precision, recall, F1, Jaccard and support.
 * @param average One of the TRM_AVERAGE_* values.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out Receives the average.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, unknown enum values or a
 *         metric that has no SAMPLES average; #TRM_E_NOMEM.
 */
TRM_API int trm_multilabel_metric_average(const trm_multilabel *m, int metric, int average,
                                          int zero_division, double *out);

/**
 * @brief Fraction of samples whose whole row of predictions is right
 *        (scikit-learn `accuracy_score` on indicator matrices).
 * @param m The accumulator.
 * @param out Receives the accuracy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_EMPTY if nothing
 *         has been counted.
 */
TRM_API int trm_multilabel_subset_accuracy(const trm_multilabel *m, double *out);

/**
 * @brief Fraction of wrong label decisions: (fp + fn summed over labels) / (n L)
 *        (scikit-learn `hamming_loss`).
 * @param m The accumulator.
 * @param out Receives the loss.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_EMPTY if nothing
 *         has been counted.
 */
TRM_API int trm_multilabel_hamming_loss(const trm_multilabel *m, double *out);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_MULTILABEL_H */
