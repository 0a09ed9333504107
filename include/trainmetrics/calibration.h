/* SPDX-License-Identifier: MIT */
/**
 * @file calibration.h
 * @brief Streaming calibration error (ECE, RMS calibration error, MCE) and
 *        the per-bin table of a reliability diagram.
 *
 * The numbers are those of torchmetrics' `BinaryCalibrationError` and
 * `MulticlassCalibrationError`. Each sample gives a confidence c in [0, 1] and
 * an outcome a in {0, 1}:
 * - binary (one score per sample): c is the probability of the positive class
 *   and a the true label, so a bin's "accuracy" is its fraction of positives
 *   (torchmetrics >= 0.11, and scikit-learn's `calibration_curve`);
 * - multiclass (K >= 2 scores per sample): c is the largest probability of the
 *   row and a is 1 when its class (the first one among equal maxima, as
 *   `torch.max`) is the true class.
 *
 * There are n_bins uniform bins plus one more: bin b (0 <= b < n_bins) holds
 * the confidences in [e_b, e_{b+1}) and bin n_bins holds the confidences equal
 * to 1, where e_b is b / n_bins rounded to the precision of the update (float
 * for the _f32 updates, double for the _f64 ones). This is
 * `torch.bucketize(c, edges, right=True) - 1` over n_bins + 1 edges, which
 * torchmetrics uses with bin tables of n_bins + 1 entries: a confidence on an
 * edge belongs to the bin above it, 0 to bin 0, and exactly 1 to the last,
 * one-point bin. (torchmetrics takes its edges from a float32
 * `torch.linspace`, which can be one float32 unit off b / n_bins; a confidence
 * in that gap is binned differently.)
 *
 * With n_b samples in bin b, acc_b the mean outcome and conf_b the mean
 * confidence of its samples, and N samples in all:
 * - L1 (expected calibration error) = sum_b |acc_b - conf_b| n_b / N;
 * - L2 (RMS calibration error) = sqrt(sum_b (acc_b - conf_b)^2 n_b / N);
 * - MAX (maximum calibration error) = max over non-empty bins of |acc_b - conf_b|.
 *
 * The accumulator keeps, for each of the n_bins + 1 bins, the sample count and
 * the number of outcomes 1 as 64-bit integers and the sum of confidences as a
 * double: constant memory, and a merge gives the state of the concatenated
 * samples (the counts exactly, the sums up to rounding). Every update
 * validates its whole batch before anything is counted: a label outside its
 * range, a NaN or infinite score, or a probability outside [0, 1] rejects the
 * batch, leaves the accumulator as it was and describes the first offending
 * element in trm_last_error().
 *
 * A sample whose label is the ignore label (trm_calibration_set_ignore_label(),
 * torchmetrics' `ignore_index`) is dropped before anything else: its scores
 * are neither checked nor binned, and #TRM_CALIBRATION_AUTO looks only at the
 * samples kept, as torchmetrics filters `preds` before its test.
 */
#ifndef TRAINMETRICS_CALIBRATION_H
#define TRAINMETRICS_CALIBRATION_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque streaming calibration-error accumulator. */
typedef struct trm_calibration trm_calibration;

/** The norm of trm_calibration_error(). */
enum {
    TRM_CALIBRATION_L1 = 0,  /**< Expected calibration error (torchmetrics `norm='l1'`). */
    TRM_CALIBRATION_L2 = 1,  /**< Root-mean-square calibration error (`norm='l2'`). */
    TRM_CALIBRATION_MAX = 2  /**< Maximum calibration error (`norm='max'`). */
};

/** What the scores given to the updates are (trm_calibration_set_input()). */
enum {
    /** Probabilities: every used score must lie in [0, 1]; the default. */
    TRM_CALIBRATION_PROBABILITIES = 0,
    /** Logits: binary scores go through the sigmoid 1 / (1 + exp(-x)), multiclass
        rows through the softmax exp(x_j - m) / sum_i exp(x_i - m), m the row's maximum. */
    TRM_CALIBRATION_LOGITS = 1,
    /** torchmetrics' rule, decided per update call: a batch whose used scores all
        lie in [0, 1] is taken as probabilities, any other batch as logits. */
    TRM_CALIBRATION_AUTO = 2
};

/**
 * @brief Create an empty accumulator.
 * @param out Receives the new handle; untouched on failure.
 * @param n_bins Number of uniform bins over [0, 1], 1 .. 2^24 (torchmetrics'
 *        default is 15). The tables hold n_bins + 1 bins; see the file comment.
 * @param n_classes 0 or 1 for a binary accumulator (one score per sample), or
 *        the number of classes K >= 2 of a multiclass one.
 * @param alloc Memory hooks, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p out, @p n_bins outside
 *         [1, 2^24] or an allocator with a single hook; #TRM_E_OVERFLOW when
 *         the bin tables do not fit in memory sizes; #TRM_E_NOMEM when the
 *         allocator fails.
 */
TRM_API int trm_calibration_new(trm_calibration **out, size_t n_bins, size_t n_classes,
                                const trm_allocator *alloc);

/**
 * @brief Release an accumulator.
 * @param c The handle, or NULL (then nothing happens).
 */
TRM_API void trm_calibration_free(trm_calibration *c);

/**
 * @brief Deep copy, with the same allocator, shape, input kind, ignore label and bins.
 * @param out Receives the copy; untouched on failure.
 * @param c The accumulator to copy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NOMEM.
 */
TRM_API int trm_calibration_clone(trm_calibration **out, const trm_calibration *c);

/**
 * @brief Forget every sample; the bin count, class count, input kind and ignore
 *        label are kept.
 * @param c The accumulator, or NULL (then nothing happens).
 */
TRM_API void trm_calibration_reset(trm_calibration *c);

/**
 * @brief Add the bins of @p src to those of @p dst (the reduce step of a distributed run).
 *
 * The input kinds and ignore labels may differ: they only decide how scores
 * became confidences and which samples were counted, and @p dst keeps its own.
 * @param dst Accumulator that receives the sum.
 * @param src Accumulator to add; may be @p dst itself, which doubles every bin.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_MISMATCH when the
 *         bin counts or the class counts differ; #TRM_E_OVERFLOW when the
 *         sample count would pass 2^64 - 1.
 */
TRM_API int trm_calibration_merge(trm_calibration *dst, const trm_calibration *src);

/**
 * @brief Write the accumulator as a versioned, little-endian, CRC-32C-checked blob.
 * @param c The accumulator.
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the number of bytes the blob needs, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p c or @p size; #TRM_E_BUFFER
 *         when @p buf is NULL or @p cap is too small (nothing is written).
 */
TRM_API int trm_calibration_serialize(const trm_calibration *c, uint8_t *buf, size_t cap, size_t *size);

/**
 * @brief Rebuild an accumulator from a blob written by trm_calibration_serialize().
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
TRM_API int trm_calibration_deserialize(trm_calibration **out, const uint8_t *buf, size_t size,
                                        const trm_allocator *alloc);

/**
 * @brief Number of uniform bins, as given to trm_calibration_new().
 * @param c The accumulator.
 * @return n_bins (the tables have one more entry), or 0 for a NULL handle.
 */
TRM_API size_t trm_calibration_n_bins(const trm_calibration *c);

/**
 * @brief Number of scores per sample.
 * @param c The accumulator.
 * @return 1 for a binary accumulator, K for a multiclass one, 0 for a NULL handle.
 */
TRM_API size_t trm_calibration_n_classes(const trm_calibration *c);

/**
 * @brief Number of samples accumulated so far.
 * @param c The accumulator.
 * @return The count, or 0 for a NULL handle.
 */
TRM_API uint64_t trm_calibration_n_samples(const trm_calibration *c);

/**
 * @brief Choose how the next updates read their scores.
 * @param c The accumulator.
 * @param input #TRM_CALIBRATION_PROBABILITIES, #TRM_CALIBRATION_LOGITS or #TRM_CALIBRATION_AUTO.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p c or an unknown kind.
 */
TRM_API int trm_calibration_set_input(trm_calibration *c, int input);

/**
 * @brief The input kind the updates use.
 * @param c The accumulator.
 * @return One of the TRM_CALIBRATION_PROBABILITIES .. TRM_CALIBRATION_AUTO
 *         values, or #TRM_E_INVALID for a NULL @p c.
 */
TRM_API int trm_calibration_input(const trm_calibration *c);

/**
 * @brief Drop every later sample whose label equals @p label (torchmetrics `ignore_index`).
 *
 * The label may be any value, in the label range or not (torchmetrics'
 * segmentation value 255, say, or -100). Samples already counted stay.
 * @param c The accumulator.
 * @param label The label to drop, or #TRM_NO_IGNORE to drop none (the default).
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p c.
 */
TRM_API int trm_calibration_set_ignore_label(trm_calibration *c, int64_t label);

/**
 * @brief The ignore label in force.
 * @param c The accumulator.
 * @return The label, or #TRM_NO_IGNORE when none is set or @p c is NULL.
 */
TRM_API int64_t trm_calibration_ignore_label(const trm_calibration *c);

/**
 * @brief Accumulate n binary samples with float scores.
 *
 * Each confidence is worked out in double from the float score; its bin edges
 * are b / n_bins rounded to float.
 * @param c A binary accumulator.
 * @param y_true n labels, each 0 or 1 or the ignore label.
 * @param scores n finite scores of the positive class (see trm_calibration_set_input());
 *        those of ignored samples are not checked.
 * @param n Number of samples; 0 is a no-op.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or, for probabilities, a
 *         score outside [0, 1]; #TRM_E_MISMATCH on a multiclass accumulator;
 *         #TRM_E_LABEL for a label other than 0 and 1; #TRM_E_NONFINITE for a
 *         NaN or infinite score; #TRM_E_OVERFLOW when the sample count would
 *         pass 2^64 - 1. trm_last_error() names the first offending sample.
 */
TRM_API int trm_calibration_update_binary_f32(trm_calibration *c, const int32_t *y_true, const float *scores,
                                              size_t n);

/**
 * @brief Accumulate n binary samples with double scores; bin edges are b / n_bins in double.
 * @param c A binary accumulator.
 * @param y_true n labels, each 0 or 1 or the ignore label.
 * @param scores n finite scores of the positive class (ignored samples' unchecked).
 * @param n Number of samples; 0 is a no-op.
 * @return As trm_calibration_update_binary_f32().
 */
TRM_API int trm_calibration_update_binary_f64(trm_calibration *c, const int32_t *y_true, const double *scores,
                                              size_t n);

/**
 * @brief Accumulate n multiclass samples from rows of float scores.
 *
 * Rows of probabilities need not sum to 1 (torchmetrics does not ask it
 * either). Confidences are worked out in double; torchmetrics rounds them to
 * float32. Bin edges are b / n_bins rounded to float.
 * @param c A multiclass accumulator of K classes.
 * @param y_true n labels in [0, K), or the ignore label.
 * @param scores n rows, the first K of each row_stride values used, all finite
 *        (ignored rows' unchecked).
 * @param n Number of rows; 0 is a no-op.
 * @param row_stride Distance between rows in elements, at least K.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, @p row_stride < K or, for
 *         probabilities, a score outside [0, 1]; #TRM_E_MISMATCH on a binary
 *         accumulator; #TRM_E_LABEL for a label outside [0, K);
 *         #TRM_E_NONFINITE for a NaN or infinite score; #TRM_E_OVERFLOW when
 *         n * row_stride overflows size_t or the sample count would pass
 *         2^64 - 1. trm_last_error() names the first offending row.
 */
TRM_API int trm_calibration_update_multiclass_f32(trm_calibration *c, const int32_t *y_true, const float *scores,
                                                  size_t n, size_t row_stride);

/**
 * @brief Accumulate n multiclass samples from rows of double scores; bin edges
 *        are b / n_bins in double.
 * @param c A multiclass accumulator of K classes.
 * @param y_true n labels in [0, K), or the ignore label.
 * @param scores n rows, the first K of each row_stride values used, all finite
 *        (ignored rows' unchecked).
 * @param n Number of rows; 0 is a no-op.
 * @param row_stride Distance between rows in elements, at least K.
 * @return As trm_calibration_update_multiclass_f32().
 */
TRM_API int trm_calibration_update_multiclass_f64(trm_calibration *c, const int32_t *y_true, const double *scores,
                                                  size_t n, size_t row_stride);

/**
 * @brief The calibration error under one norm (see the file comment).
 *
 * L2 is 0 when its sum is 0, as in torchmetrics.
 * @param c The accumulator.
 * @param norm #TRM_CALIBRATION_L1, #TRM_CALIBRATION_L2 or #TRM_CALIBRATION_MAX.
 * @param out Receives the value, in [0, 1].
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an unknown norm;
 *         #TRM_E_EMPTY when no sample has been accumulated.
 */
TRM_API int trm_calibration_error(const trm_calibration *c, int norm, double *out);

/**
 * @brief The reliability-diagram table: for each of the n_bins + 1 bins, its
 *        sample count, mean confidence and accuracy (mean outcome).
 *
 * An empty bin has count 0 and NaN for both means (torchmetrics reports 0
 * there; NaN keeps an empty bin apart from a bin whose mean is 0). The last
 * entry is the bin of confidences exactly 1. Works on an empty accumulator.
 * @param c The accumulator.
 * @param counts n_bins + 1 counts, or NULL when not wanted.
 * @param confidence n_bins + 1 mean confidences, or NULL.
 * @param accuracy n_bins + 1 mean outcomes, or NULL.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p c.
 */
TRM_API int trm_calibration_bins(const trm_calibration *c, uint64_t *counts, double *confidence,
                                 double *accuracy);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_CALIBRATION_H */
