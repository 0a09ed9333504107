/* SPDX-License-Identifier: MIT */
/**
 * @file confusion.h
 * @brief Streaming confusion matrix over dense class ids 0 .. n_classes-1.
 *
 * Rows are true classes, columns predicted classes, both row-major. Every update
 * validates its whole batch before a single cell changes: a bad label, a NaN
 * score, a negative weight or an overflow rejects the batch, leaves the matrix as
 * it was and describes the first offending element in trm_last_error().
 */
#ifndef TRAINMETRICS_CONFUSION_H
#define TRAINMETRICS_CONFUSION_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque streaming confusion matrix. */
typedef struct trm_confusion trm_confusion;

/** Flag for trm_confusion_new(): cells are double sums of sample weights. */
#define TRM_CONFUSION_WEIGHTED (1u << 0)

/** Normalization of trm_confusion_matrix(), as scikit-learn's `normalize`. */
enum {
    TRM_NORMALIZE_NONE = 0, /**< Raw cells. */
    TRM_NORMALIZE_TRUE = 1, /**< Each row divided by its sum. */
    TRM_NORMALIZE_PRED = 2, /**< Each column divided by its sum. */
    TRM_NORMALIZE_ALL = 3   /**< Every cell divided by the total. */
};

/** The TRM_NORMALIZE_* values under the module's prefix (since 0.2); same numbers. */
enum {
    TRM_CONFUSION_NORMALIZE_NONE = TRM_NORMALIZE_NONE, /**< Same as #TRM_NORMALIZE_NONE. */
    TRM_CONFUSION_NORMALIZE_TRUE = TRM_NORMALIZE_TRUE, /**< Same as #TRM_NORMALIZE_TRUE. */
    TRM_CONFUSION_NORMALIZE_PRED = TRM_NORMALIZE_PRED, /**< Same as #TRM_NORMALIZE_PRED. */
    TRM_CONFUSION_NORMALIZE_ALL = TRM_NORMALIZE_ALL    /**< Same as #TRM_NORMALIZE_ALL. */
};

/**
 * @brief Create an empty confusion matrix.
 * @param out Receives the new handle; untouched on failure.
 * @param n_classes Number of classes K, at least 1.
 * @param flags 0 or #TRM_CONFUSION_WEIGHTED.
 * @param alloc Memory hooks, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p out, K = 0 or unknown flags;
 *         #TRM_E_OVERFLOW when K*K cells do not fit in memory sizes;
 *         #TRM_E_NOMEM when the allocator fails.
 */
TRM_API int trm_confusion_new(trm_confusion **out, size_t n_classes, uint32_t flags,
                              const trm_allocator *alloc);

/**
 * @brief Release a confusion matrix.
 * @param cm The handle, or NULL (then nothing happens).
 */
TRM_API void trm_confusion_free(trm_confusion *cm);

/**
 * @brief Deep copy, with the same allocator, options and cells.
 * @param out Receives the copy; untouched on failure.
 * @param cm The matrix to copy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NOMEM.
 */
TRM_API int trm_confusion_clone(trm_confusion **out, const trm_confusion *cm);

/**
 * @brief Zero every cell; the class count, flags and ignore label are kept.
 * @param cm The matrix, or NULL (then nothing happens).
 */
TRM_API void trm_confusion_reset(trm_confusion *cm);

/**
 * @brief Add the cells of @p src to @p dst (the reduce step of a distributed run).
 * @param dst Accumulator that receives the sum.
 * @param src Matrix to add; may be @p dst itself.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_MISMATCH when the
 *         class counts, flags or ignore labels differ; #TRM_E_OVERFLOW when a count
 *         would overflow (weighted: the total weight would exceed 2^500).
 */
TRM_API int trm_confusion_merge(trm_confusion *dst, const trm_confusion *src);

/**
 * @brief Write the matrix as a versioned, little-endian, CRC-32C-checked blob.
 * @param cm The matrix.
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the number of bytes the blob needs, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p cm or @p size; #TRM_E_BUFFER
 *         when @p buf is NULL or @p cap is too small (nothing is written).
 */
TRM_API int trm_confusion_serialize(const trm_confusion *cm, uint8_t *buf, size_t cap, size_t *size);

/**
 * @brief Rebuild a matrix from a blob written by trm_confusion_serialize().
 *
 * Every field is validated; no length in the blob is trusted.
 * @param out Receives the new handle; untouched on failure.
 * @param buf The blob.
 * @param size Its exact length in bytes.
 * @param alloc Memory hooks for the new handle, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_CORRUPT for a
 *         truncated, damaged or inconsistent blob; #TRM_E_VERSION for an unknown
 *         format version; #TRM_E_MISMATCH for a valid blob of another handle type;
 *         #TRM_E_NOMEM.
 */
TRM_API int trm_confusion_deserialize(trm_confusion **out, const uint8_t *buf, size_t size,
                                      const trm_allocator *alloc);

/**
 * @brief Number of classes K.
 * @param cm The matrix.
 * @return K, or 0 for a NULL handle.
 */
TRM_API size_t trm_confusion_n_classes(const trm_confusion *cm);

/**
 * @brief Flags given at creation.
 * @param cm The matrix.
 * @return The flags, or 0 for a NULL handle.
 */
TRM_API uint32_t trm_confusion_flags(const trm_confusion *cm);

/**
 * @brief Skip every pair whose TRUE label equals @p label (torchmetrics `ignore_index`).
 *
 * The prediction of a skipped pair is neither counted nor checked. The label may
 * lie inside or outside [0, K).
 * @param cm The matrix.
 * @param label The label to skip, or #TRM_NO_IGNORE to skip nothing.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle.
 */
TRM_API int trm_confusion_set_ignore_label(trm_confusion *cm, int64_t label);

/**
 * @brief The ignore label in force.
 * @param cm The matrix.
 * @return The label, or #TRM_NO_IGNORE when none is set or @p cm is NULL.
 */
TRM_API int64_t trm_confusion_ignore_label(const trm_confusion *cm);

/**
 * @brief Count n (true, predicted) pairs of 8-bit labels.
 * @param cm The matrix (on a weighted matrix every pair weighs 1.0).
 * @param y_true n true labels.
 * @param y_pred n predicted labels.
 * @param n Number of pairs; 0 is a no-op.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_LABEL for a label
 *         outside [0, K); #TRM_E_OVERFLOW when the total count would overflow;
 *         #TRM_E_INTERNAL when a kernel rejected the batch but its labels
 *         check as valid (a bug; nothing was counted).
 */
TRM_API int trm_confusion_update_u8(trm_confusion *cm, const uint8_t *y_true, const uint8_t *y_pred,
                                    size_t n);

/**
 * @brief Count n (true, predicted) pairs of 16-bit labels.
 * @param cm The matrix (on a weighted matrix every pair weighs 1.0).
 * @param y_true n true labels.
 * @param y_pred n predicted labels.
 * @param n Number of pairs; 0 is a no-op.
 * @return As trm_confusion_update_u8().
 */
TRM_API int trm_confusion_update_u16(trm_confusion *cm, const uint16_t *y_true,
                                     const uint16_t *y_pred, size_t n);

/**
 * @brief Count n (true, predicted) pairs of signed 32-bit labels.
 * @param cm The matrix (on a weighted matrix every pair weighs 1.0).
 * @param y_true n true labels.
 * @param y_pred n predicted labels.
 * @param n Number of pairs; 0 is a no-op.
 * @return As trm_confusion_update_u8().
 */
TRM_API int trm_confusion_update_i32(trm_confusion *cm, const int32_t *y_true, const int32_t *y_pred,
                                     size_t n);

/**
 * @brief Count n (true, predicted) pairs of signed 64-bit labels.
 * @param cm The matrix (on a weighted matrix every pair weighs 1.0).
 * @param y_true n true labels.
 * @param y_pred n predicted labels.
 * @param n Number of pairs; 0 is a no-op.
 * @return As trm_confusion_update_u8().
 */
TRM_API int trm_confusion_update_i64(trm_confusion *cm, const int64_t *y_true, const int64_t *y_pred,
                                     size_t n);

/**
 * @brief Add sample weights to the cells of n (true, predicted) pairs.
 *
 * A pair of weight 0 changes no cell, but the matrix remembers the classes of
 * every pair as occurring, for the classification report's choice between its
 * accuracy and "micro avg" lines (scikit-learn's `unique_labels` sees them).
 * @param cm A #TRM_CONFUSION_WEIGHTED matrix.
 * @param y_true n true labels.
 * @param y_pred n predicted labels.
 * @param weights n finite weights, each >= 0.
 * @param n Number of pairs; 0 is a no-op.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or a negative weight;
 *         #TRM_E_MISMATCH on an unweighted matrix; #TRM_E_LABEL;
 *         #TRM_E_NONFINITE for a NaN or infinite weight; #TRM_E_OVERFLOW when
 *         the total weight would exceed 2^500 (about 3e150), the ceiling that
 *         keeps every derived metric finite.
 */
TRM_API int trm_confusion_update_weighted_i32(trm_confusion *cm, const int32_t *y_true,
                                              const int32_t *y_pred, const double *weights, size_t n);

/**
 * @brief Add sample weights to the cells of n (true, predicted) pairs of 64-bit labels.
 * @param cm A #TRM_CONFUSION_WEIGHTED matrix.
 * @param y_true n true labels.
 * @param y_pred n predicted labels.
 * @param weights n finite weights, each >= 0.
 * @param n Number of pairs; 0 is a no-op.
 * @return As trm_confusion_update_weighted_i32().
 */
TRM_API int trm_confusion_update_weighted_i64(trm_confusion *cm, const int64_t *y_true,
                                              const int64_t *y_pred, const double *weights, size_t n);

/**
 * @brief Predict each row's argmax over K float scores and count it.
 *
 * Ties go to the lowest class index (NumPy/PyTorch argmax), and -0 equals +0.
 * Rows whose true label is the ignore label are skipped and their scores not
 * read.
 *
 * Scores compare as the caller's floating-point mode compares them, on every
 * kernel path (portable, AVX2, AVX-512) alike: with denormals-are-zero set
 * (x86's MXCSR.DAZ, which `torch.set_flush_denormal(True)` sets; Arm's
 * flush-to-zero), subnormal scores equal zero, so a row [0, 1e-40] predicts
 * class 0; in IEEE mode it predicts class 1. Flush-to-zero alone changes no
 * answer. On x86-64 a NaN or Inf score may raise the invalid flag (a trap,
 * where the caller has unmasked it) before the call returns
 * #TRM_E_NONFINITE. A rejected call leaves the matrix exactly as it was in
 * every mode.
 * @param cm The matrix.
 * @param y_true n true labels.
 * @param scores n rows of @p row_stride floats; the first K of each row are used.
 * @param n Number of rows; 0 is a no-op.
 * @param row_stride Distance between rows in elements, >= K.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or @p row_stride < K;
 *         #TRM_E_LABEL; #TRM_E_NONFINITE for a NaN or Inf score in a used row;
 *         #TRM_E_OVERFLOW when n*row_stride or the total count overflows;
 *         #TRM_E_INTERNAL when a kernel rejected the batch but its elements
 *         check as valid (a bug; nothing was counted).
 */
TRM_API int trm_confusion_update_argmax_f32(trm_confusion *cm, const int32_t *y_true,
                                            const float *scores, size_t n, size_t row_stride);

/**
 * @brief Predict each row's argmax over K double scores and count it.
 * @param cm The matrix.
 * @param y_true n true labels.
 * @param scores n rows of @p row_stride doubles; the first K of each row are used.
 * @param n Number of rows; 0 is a no-op.
 * @param row_stride Distance between rows in elements, >= K.
 * @return As trm_confusion_update_argmax_f32().
 */
TRM_API int trm_confusion_update_argmax_f64(trm_confusion *cm, const int32_t *y_true,
                                            const double *scores, size_t n, size_t row_stride);

/**
 * @brief Binary prediction `score > threshold` (strict, no implicit sigmoid), counted.
 * @param cm A matrix with K = 2.
 * @param y_true n true labels, 0 or 1.
 * @param scores n finite scores.
 * @param n Number of samples; 0 is a no-op.
 * @param threshold Decision threshold; NaN is refused.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or a NaN threshold;
 *         #TRM_E_MISMATCH when K != 2; #TRM_E_LABEL; #TRM_E_NONFINITE for a NaN
 *         or Inf score; #TRM_E_OVERFLOW.
 */
TRM_API int trm_confusion_update_threshold_f32(trm_confusion *cm, const int32_t *y_true,
                                               const float *scores, size_t n, float threshold);

/**
 * @brief Binary prediction `score > threshold` on double scores, counted.
 * @param cm A matrix with K = 2.
 * @param y_true n true labels, 0 or 1.
 * @param scores n finite scores.
 * @param n Number of samples; 0 is a no-op.
 * @param threshold Decision threshold; NaN is refused.
 * @return As trm_confusion_update_threshold_f32().
 */
TRM_API int trm_confusion_update_threshold_f64(trm_confusion *cm, const int32_t *y_true,
                                               const double *scores, size_t n, double threshold);

/**
 * @name Score flags (since 0.3)
 * What the scores of the `_threshold_flags` updates are, for
 * trm_confusion_update_threshold_flags_f32() and
 * trm_multilabel_update_threshold_flags_f32(). 0 means probabilities: the raw
 * score is compared, as by trm_confusion_update_threshold_f32().
 * @{
 */
/** The scores are logits: the prediction is `sigmoid(score) > threshold`. */
#define TRM_SCORES_LOGITS (1u << 0)
/**
 * torchmetrics' rule: the scores of one call are logits when any score that
 * is counted lies outside [0, 1], else probabilities.
 */
#define TRM_SCORES_AUTO (1u << 1)
/** @} */

/**
 * @brief Binary prediction from probabilities or logits, counted.
 *
 * With #TRM_SCORES_LOGITS the prediction is `s > threshold` for
 * `s = 1 / (1 + exp(-score))` rounded as float32 arithmetic rounds it
 * (exp(-score) rounded to float, then 1 + e and 1 / d each in float): the
 * float computation of `torch.sigmoid(x) > threshold` in torchmetrics, up to
 * the last bit of torch's own exp. The sigmoid is never evaluated per score:
 * the call finds the largest float c whose sigmoid is not above the threshold
 * (about 30 evaluations) and predicts `score > c`, which gives the same
 * predictions, exactly, in every floating-point mode. With #TRM_SCORES_AUTO
 * the scores of the call are taken as logits when a counted score lies
 * outside [0, 1] (torchmetrics' binary confusion matrix, which also decides
 * per update after dropping ignored samples), else as probabilities. Without
 * flags this is trm_confusion_update_threshold_f32(). Infinite scores are
 * refused in every mode (torchmetrics would take sigmoid(inf) = 1).
 * @param cm A matrix with K = 2.
 * @param y_true n true labels, 0 or 1.
 * @param scores n finite scores.
 * @param n Number of samples; 0 is a no-op.
 * @param threshold Decision threshold on the probability; NaN is refused.
 * @param flags 0, #TRM_SCORES_LOGITS or #TRM_SCORES_AUTO.
 * @return As trm_confusion_update_threshold_f32(), and #TRM_E_INVALID for
 *         unknown flags or both flags at once.
 */
TRM_API int trm_confusion_update_threshold_flags_f32(trm_confusion *cm, const int32_t *y_true,
                                                     const float *scores, size_t n, float threshold,
                                                     uint32_t flags);

/**
 * @brief Binary prediction from double probabilities or logits, counted.
 *
 * As trm_confusion_update_threshold_flags_f32(), with the sigmoid rounded as
 * double arithmetic rounds it (exp in long double, rounded to double).
 * @param cm A matrix with K = 2.
 * @param y_true n true labels, 0 or 1.
 * @param scores n finite scores.
 * @param n Number of samples; 0 is a no-op.
 * @param threshold Decision threshold on the probability; NaN is refused.
 * @param flags 0, #TRM_SCORES_LOGITS or #TRM_SCORES_AUTO.
 * @return As trm_confusion_update_threshold_flags_f32().
 */
TRM_API int trm_confusion_update_threshold_flags_f64(trm_confusion *cm, const int32_t *y_true,
                                                     const double *scores, size_t n, double threshold,
                                                     uint32_t flags);

/**
 * @brief Predict each pixel's argmax over K float class-score planes and count it.
 *
 * The per-pixel classification of segmentation and hyperspectral maps:
 * `scores.argmax(axis=1)` of an (N, K, H, W) tensor, or `axis=-1` of
 * (N, H, W, K), counted against (N, H, W) true labels, as torchmetrics'
 * multiclass metrics do with `ignore_index`. Any spatial shape works: only
 * the product P of its sizes matters. Ties go to the lowest class index, -0
 * equals +0, and subnormal scores compare as the caller's floating-point mode
 * compares them, as in trm_confusion_update_argmax_f32(). Pixels whose true
 * label is the ignore label are skipped: neither counted nor checked (their
 * scores may be anything, NaN included).
 * @param cm The matrix.
 * @param y_true batch * n_pixels true labels, sample-major (N, P).
 * @param scores batch * K * n_pixels floats in @p layout.
 * @param batch Number of samples N; 0 is a no-op.
 * @param n_pixels Pixels per sample P (H * W, or any spatial product); 0 is a no-op.
 * @param layout #TRM_LAYOUT_CHANNELS_FIRST for (N, K, P), #TRM_LAYOUT_CHANNELS_LAST
 *        for (N, P, K).
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an unknown @p layout;
 *         #TRM_E_LABEL for a true label outside [0, K) that is not ignored;
 *         #TRM_E_NONFINITE for a NaN or Inf score of a counted pixel;
 *         #TRM_E_OVERFLOW when batch * n_pixels * K or the total count
 *         overflows; #TRM_E_INTERNAL when a kernel rejected the batch but its
 *         elements check as valid (a bug; nothing was counted). On failure
 *         nothing is counted and trm_last_error() names the sample, pixel and
 *         class of the first bad element.
 */
TRM_API int trm_confusion_update_argmax_map_f32(trm_confusion *cm, const int32_t *y_true,
                                                const float *scores, size_t batch, size_t n_pixels,
                                                int layout);

/**
 * @brief Per-pixel argmax over K double class-score planes, counted.
 * @param cm The matrix.
 * @param y_true batch * n_pixels true labels, sample-major (N, P).
 * @param scores batch * K * n_pixels doubles in @p layout.
 * @param batch Number of samples N; 0 is a no-op.
 * @param n_pixels Pixels per sample P; 0 is a no-op.
 * @param layout #TRM_LAYOUT_CHANNELS_FIRST or #TRM_LAYOUT_CHANNELS_LAST.
 * @return As trm_confusion_update_argmax_map_f32().
 */
TRM_API int trm_confusion_update_argmax_map_f64(trm_confusion *cm, const int32_t *y_true,
                                                const double *scores, size_t batch, size_t n_pixels,
                                                int layout);

/**
 * @brief Per-pixel argmax over float planes, with 64-bit true labels (torch's `long`).
 * @param cm The matrix.
 * @param y_true batch * n_pixels true labels, sample-major (N, P).
 * @param scores batch * K * n_pixels floats in @p layout.
 * @param batch Number of samples N; 0 is a no-op.
 * @param n_pixels Pixels per sample P; 0 is a no-op.
 * @param layout #TRM_LAYOUT_CHANNELS_FIRST or #TRM_LAYOUT_CHANNELS_LAST.
 * @return As trm_confusion_update_argmax_map_f32().
 */
TRM_API int trm_confusion_update_argmax_map_i64_f32(trm_confusion *cm, const int64_t *y_true,
                                                    const float *scores, size_t batch, size_t n_pixels,
                                                    int layout);

/**
 * @brief Per-pixel argmax over double planes, with 64-bit true labels.
 * @param cm The matrix.
 * @param y_true batch * n_pixels true labels, sample-major (N, P).
 * @param scores batch * K * n_pixels doubles in @p layout.
 * @param batch Number of samples N; 0 is a no-op.
 * @param n_pixels Pixels per sample P; 0 is a no-op.
 * @param layout #TRM_LAYOUT_CHANNELS_FIRST or #TRM_LAYOUT_CHANNELS_LAST.
 * @return As trm_confusion_update_argmax_map_f32().
 */
TRM_API int trm_confusion_update_argmax_map_i64_f64(trm_confusion *cm, const int64_t *y_true,
                                                    const double *scores, size_t batch, size_t n_pixels,
                                                    int layout);

/**
 * @brief Per-pixel argmax over float planes, with 8-bit true labels (ground-truth images).
 * @param cm The matrix.
 * @param y_true batch * n_pixels true labels, sample-major (N, P).
 * @param scores batch * K * n_pixels floats in @p layout.
 * @param batch Number of samples N; 0 is a no-op.
 * @param n_pixels Pixels per sample P; 0 is a no-op.
 * @param layout #TRM_LAYOUT_CHANNELS_FIRST or #TRM_LAYOUT_CHANNELS_LAST.
 * @return As trm_confusion_update_argmax_map_f32().
 */
TRM_API int trm_confusion_update_argmax_map_u8_f32(trm_confusion *cm, const uint8_t *y_true,
                                                   const float *scores, size_t batch, size_t n_pixels,
                                                   int layout);

/**
 * @brief Per-pixel argmax over double planes, with 8-bit true labels.
 * @param cm The matrix.
 * @param y_true batch * n_pixels true labels, sample-major (N, P).
 * @param scores batch * K * n_pixels doubles in @p layout.
 * @param batch Number of samples N; 0 is a no-op.
 * @param n_pixels Pixels per sample P; 0 is a no-op.
 * @param layout #TRM_LAYOUT_CHANNELS_FIRST or #TRM_LAYOUT_CHANNELS_LAST.
 * @return As trm_confusion_update_argmax_map_f32().
 */
TRM_API int trm_confusion_update_argmax_map_u8_f64(trm_confusion *cm, const uint8_t *y_true,
                                                   const double *scores, size_t batch, size_t n_pixels,
                                                   int layout);

/**
 * @brief Copy the integer counts.
 * @param cm An unweighted matrix.
 * @param out K*K counts, row = true, column = predicted.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_MISMATCH on a
 *         weighted matrix (use trm_confusion_matrix()).
 */
TRM_API int trm_confusion_counts(const trm_confusion *cm, uint64_t *out);

/**
 * @brief Copy the cells as doubles, optionally normalized.
 *
 * A zero row, column or total normalizes to zeros (scikit-learn).
 * @param cm The matrix.
 * @param normalize One of the TRM_NORMALIZE_* values.
 * @param out K*K doubles.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an unknown @p normalize.
 */
TRM_API int trm_confusion_matrix(const trm_confusion *cm, int normalize, double *out);

/**
 * @brief Sum of all cells (sample count, or total weight).
 * @param cm The matrix.
 * @param out Receives the sum.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers.
 */
TRM_API int trm_confusion_total(const trm_confusion *cm, double *out);

/**
 * @brief Add a K*K table of counts, e.g. the result of an all-reduce.
 *
 * On a weighted matrix each count is added as a weight.
 * @param cm The matrix.
 * @param counts K*K counts, row = true, column = predicted.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_OVERFLOW when the
 *         total count would overflow.
 */
TRM_API int trm_confusion_add_counts(trm_confusion *cm, const uint64_t *counts);

/**
 * @brief Add a K*K table of weights.
 * @param cm A #TRM_CONFUSION_WEIGHTED matrix.
 * @param weights K*K finite weights, each >= 0.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or a negative weight;
 *         #TRM_E_MISMATCH on an unweighted matrix; #TRM_E_NONFINITE;
 *         #TRM_E_OVERFLOW when the total weight would exceed 2^500.
 */
TRM_API int trm_confusion_add_weights(trm_confusion *cm, const double *weights);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_CONFUSION_H */
