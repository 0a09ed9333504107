/* SPDX-License-Identifier: MIT */
/**
 * @file sparse.h
 * @brief Confusion matrix for huge label spaces (10^4 .. 10^9 classes) in
 *        O(K + distinct off-diagonal cells) memory.
 *
 * A dense trm_confusion holds K*K cells: 8 TB at a million classes. This handle
 * keeps, for every class, its true positives, its true count (row sum) and its
 * predicted count (column sum) in three arrays of K, and the non-zero
 * off-diagonal cells in a hash table keyed by `true * K + pred` that grows by
 * doubling. Every metric of metrics.h that depends only on per-class counts is
 * offered with the semantics of the dense matrix (scikit-learn's, see
 * metrics.h): per-class metrics and their MACRO, MACRO_PRESENT, WEIGHTED and
 * MICRO averages, F-beta, accuracy, balanced accuracy, Cohen's kappa (all three
 * weightings) and the Matthews correlation coefficient. For an unweighted
 * matrix every one of these equals the dense matrix's to the last bit except
 * kappa, whose expected-disagreement term is summed in another order (and
 * agrees to rounding).
 *
 * Not offered, because it needs the K*K matrix: the dense cell table and its
 * normalized forms (trm_confusion_counts, trm_confusion_matrix), adding a dense
 * table (trm_confusion_add_counts), the classification report's K lines of text
 * and argmax or threshold updates from K scores a row (compute the argmax
 * before updating). trm_sparse_confusion_cells() exports the non-zero cells
 * instead (COO form).
 *
 * Costs: an update is O(n) expected time, and allocates only when the table
 * grows; a failed growth changes no count and no cell. Per-class and averaged metrics,
 * accuracy, balanced accuracy and MCC take O(K) time and 32*K bytes of scratch;
 * kappa adds one pass over the table (O(cells)). n_cells is O(K + table
 * capacity), cells adds the sort of its output (O(c log c), no allocation).
 * Memory is 24*K bytes plus at most 16 / (3/8) ~ 43 bytes per off-diagonal cell.
 *
 * Every update validates its whole batch before counting: a bad label or
 * weight, an overflow or a failed allocation leaves the handle as it was and
 * describes the cause in trm_last_error().
 */
#ifndef TRAINMETRICS_SPARSE_H
#define TRAINMETRICS_SPARSE_H

#include "common.h"
#include "confusion.h"
#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque sparse confusion matrix. */
typedef struct trm_sparse_confusion trm_sparse_confusion;

/** Largest class count: every key true * K + pred fits below 2^64 - 1. */
#define TRM_SPARSE_MAX_CLASSES ((size_t)0xffffffffu)

/**
 * @brief Create an empty sparse confusion matrix.
 * @param out Receives the new handle; untouched on failure.
 * @param n_classes Number of classes K, 1 .. #TRM_SPARSE_MAX_CLASSES.
 * @param flags 0 or #TRM_CONFUSION_WEIGHTED (cells are sums of sample weights).
 * @param alloc Memory hooks, or NULL for malloc/free; the table grows through them.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p out, K = 0, K above the maximum,
 *         unknown flags or half an allocator; #TRM_E_OVERFLOW when 24*K bytes do
 *         not fit in size_t; #TRM_E_NOMEM when the allocator fails.
 */
TRM_API int trm_sparse_confusion_new(trm_sparse_confusion **out, size_t n_classes, uint32_t flags,
                                     const trm_allocator *alloc);

/**
 * @brief Release a sparse confusion matrix.
 * @param cm The handle, or NULL (then nothing happens).
 */
TRM_API void trm_sparse_confusion_free(trm_sparse_confusion *cm);

/**
 * @brief Deep copy, with the same allocator, options and cells.
 * @param out Receives the copy; untouched on failure.
 * @param cm The matrix to copy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NOMEM.
 */
TRM_API int trm_sparse_confusion_clone(trm_sparse_confusion **out, const trm_sparse_confusion *cm);

/**
 * @brief Back to empty: every count is zero and the table's memory is given
 *        back; the class count, flags and ignore label are kept.
 * @param cm The matrix, or NULL (then nothing happens).
 */
TRM_API void trm_sparse_confusion_reset(trm_sparse_confusion *cm);

/**
 * @brief Add every cell of @p src to @p dst (dst += src); merging a matrix
 *        into itself doubles it.
 * @param dst The matrix that receives the cells.
 * @param src The matrix whose cells are added; unchanged.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_MISMATCH when the
 *         class counts, flags or ignore labels differ; #TRM_E_OVERFLOW when a
 *         total would overflow; #TRM_E_NOMEM when @p dst's table cannot grow.
 *         On failure @p dst is unchanged.
 */
TRM_API int trm_sparse_confusion_merge(trm_sparse_confusion *dst, const trm_sparse_confusion *src);

/**
 * @brief Serialize into a versioned, CRC-checked blob of
 *        12 + 40 + 24*K + 16*(off-diagonal cells) bytes; cells are written in
 *        key order, so equal matrices give equal blobs.
 * @param cm The matrix.
 * @param buf Output buffer, or NULL to ask for the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the blob size, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p cm or @p size; #TRM_E_BUFFER
 *         when @p buf is NULL or @p cap is too small (nothing written);
 *         #TRM_E_OVERFLOW when the size does not fit in size_t.
 */
TRM_API int trm_sparse_confusion_serialize(const trm_sparse_confusion *cm, uint8_t *buf, size_t cap,
                                           size_t *size);

/**
 * @brief Rebuild a matrix from a blob of trm_sparse_confusion_serialize().
 * @param out Receives the new handle; untouched on failure.
 * @param buf The blob.
 * @param size Its size in bytes.
 * @param alloc Memory hooks for the new handle, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or half an allocator;
 *         #TRM_E_CORRUPT for a damaged or inconsistent blob; #TRM_E_VERSION for
 *         an unknown format version; #TRM_E_MISMATCH for the blob of another
 *         handle type; #TRM_E_NOMEM.
 */
TRM_API int trm_sparse_confusion_deserialize(trm_sparse_confusion **out, const uint8_t *buf, size_t size,
                                             const trm_allocator *alloc);

/**
 * @brief Number of classes.
 * @param cm The matrix.
 * @return K, or 0 for a NULL handle.
 */
TRM_API size_t trm_sparse_confusion_n_classes(const trm_sparse_confusion *cm);

/**
 * @brief Creation flags.
 * @param cm The matrix.
 * @return The flags, or 0 for a NULL handle.
 */
TRM_API uint32_t trm_sparse_confusion_flags(const trm_sparse_confusion *cm);

/**
 * @brief Skip every pair whose TRUE label equals @p label (torchmetrics
 *        `ignore_index`), whatever its prediction; takes effect for later updates.
 * @param cm The matrix.
 * @param label The label to skip, or #TRM_NO_IGNORE to skip none (the default).
 * @return #TRM_OK; #TRM_E_INVALID for a NULL handle.
 */
TRM_API int trm_sparse_confusion_set_ignore_label(trm_sparse_confusion *cm, int64_t label);

/**
 * @brief The ignore label in force.
 * @param cm The matrix.
 * @return The label, or #TRM_NO_IGNORE when none is set or @p cm is NULL.
 */
TRM_API int64_t trm_sparse_confusion_ignore_label(const trm_sparse_confusion *cm);

/**
 * @brief Count n (true, predicted) label pairs; pairs with an ignored true
 *        label are skipped. On a weighted matrix each pair adds weight 1.0.
 * @param cm The matrix.
 * @param y_true n true labels in [0, K).
 * @param y_pred n predicted labels in [0, K).
 * @param n Number of pairs (0 is fine).
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_LABEL for a label
 *         outside [0, K) (the first one is named); #TRM_E_OVERFLOW when the
 *         sample count or total would overflow; #TRM_E_NOMEM when the table
 *         cannot grow. On failure nothing is counted (the table may keep the
 *         room it grew into before the allocation that failed).
 */
TRM_API int trm_sparse_confusion_update_i32(trm_sparse_confusion *cm, const int32_t *y_true,
                                            const int32_t *y_pred, size_t n);

/**
 * @brief trm_sparse_confusion_update_i32() for 64-bit labels.
 * @param cm The matrix.
 * @param y_true n true labels in [0, K).
 * @param y_pred n predicted labels in [0, K).
 * @param n Number of pairs.
 * @return As trm_sparse_confusion_update_i32().
 */
TRM_API int trm_sparse_confusion_update_i64(trm_sparse_confusion *cm, const int64_t *y_true,
                                            const int64_t *y_pred, size_t n);

/**
 * @brief Add the weight of each (true, predicted) pair; weighted matrices only.
 * @param cm A matrix created with #TRM_CONFUSION_WEIGHTED.
 * @param y_true n true labels in [0, K).
 * @param y_pred n predicted labels in [0, K).
 * @param weights n finite weights >= 0 (those of ignored pairs are not read).
 * @param n Number of pairs.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or a negative weight;
 *         #TRM_E_NONFINITE for a NaN or infinite weight; #TRM_E_MISMATCH for an
 *         unweighted matrix; #TRM_E_LABEL, #TRM_E_OVERFLOW (total weight past
 *         2^500), #TRM_E_NOMEM as trm_sparse_confusion_update_i32().
 */
TRM_API int trm_sparse_confusion_update_weighted_i32(trm_sparse_confusion *cm, const int32_t *y_true,
                                                     const int32_t *y_pred, const double *weights, size_t n);

/**
 * @brief trm_sparse_confusion_update_weighted_i32() for 64-bit labels.
 * @param cm A matrix created with #TRM_CONFUSION_WEIGHTED.
 * @param y_true n true labels in [0, K).
 * @param y_pred n predicted labels in [0, K).
 * @param weights n finite weights >= 0.
 * @param n Number of pairs.
 * @return As trm_sparse_confusion_update_weighted_i32().
 */
TRM_API int trm_sparse_confusion_update_weighted_i64(trm_sparse_confusion *cm, const int64_t *y_true,
                                                     const int64_t *y_pred, const double *weights, size_t n);

/**
 * @brief Number of pairs counted (ignored pairs excluded; weighted pairs
 *        count once whatever their weight).
 * @param cm The matrix.
 * @return The count, or 0 for a NULL handle.
 */
TRM_API uint64_t trm_sparse_confusion_n_samples(const trm_sparse_confusion *cm);

/**
 * @brief Sum of all cells: the sample count, or the total weight.
 * @param cm The matrix.
 * @param out Receives the sum.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers.
 */
TRM_API int trm_sparse_confusion_total(const trm_sparse_confusion *cm, double *out);

/**
 * @brief Number of non-zero cells of the K*K matrix, diagonal included; O(K + table).
 * @param cm The matrix.
 * @return The count, or 0 for a NULL handle.
 */
TRM_API size_t trm_sparse_confusion_n_cells(const trm_sparse_confusion *cm);

/**
 * @brief The non-zero cells in COO form, ordered by true label, then predicted.
 * @param cm The matrix.
 * @param true_labels Receives the row of each cell.
 * @param pred_labels Receives the column of each cell.
 * @param values Receives each cell's count or weight sum (counts above 2^53 round).
 * @param cap Entries available in each of the three arrays.
 * @param n_cells Receives the number of cells, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p cm or @p n_cells; #TRM_E_BUFFER
 *         when an array is NULL or @p cap is too small (nothing written).
 */
TRM_API int trm_sparse_confusion_cells(const trm_sparse_confusion *cm, int64_t *true_labels,
                                       int64_t *pred_labels, double *values, size_t cap, size_t *n_cells);

/**
 * @brief Bytes the handle holds now: the handle with its K-arrays, plus the table.
 * @param cm The matrix.
 * @return The byte count, or 0 for a NULL handle.
 */
TRM_API size_t trm_sparse_confusion_memory_size(const trm_sparse_confusion *cm);

/**
 * @brief One metric for each class, as trm_confusion_metric_per_class().
 * @param cm The matrix.
 * @param metric One of TRM_PRECISION .. TRM_SUPPORT.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out Receives K values.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or unknown enum values;
 *         #TRM_E_NOMEM for the O(K) scratch.
 */
TRM_API int trm_sparse_confusion_metric_per_class(const trm_sparse_confusion *cm, int metric,
                                                  int zero_division, double *out);

/**
 * @brief One metric averaged over the classes, as trm_confusion_metric_average().
 * @param cm The matrix.
 * @param metric One of TRM_PRECISION .. TRM_SUPPORT.
 * @param average TRM_AVERAGE_MACRO, _MICRO, _WEIGHTED or _MACRO_PRESENT.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out Receives the average.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or unknown enum values
 *         (TRM_AVERAGE_SAMPLES included); #TRM_E_NOMEM.
 */
TRM_API int trm_sparse_confusion_metric_average(const trm_sparse_confusion *cm, int metric, int average,
                                                int zero_division, double *out);

/**
 * @brief F-beta of each class, as trm_confusion_fbeta_per_class().
 * @param cm The matrix.
 * @param beta Weight of recall, >= 0 (0 gives precision, +Inf recall).
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out Receives K values.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, a negative or NaN beta or
 *         an unknown zero_division; #TRM_E_NOMEM.
 */
TRM_API int trm_sparse_confusion_fbeta_per_class(const trm_sparse_confusion *cm, double beta,
                                                 int zero_division, double *out);

/**
 * @brief Averaged F-beta, as trm_confusion_fbeta_average().
 * @param cm The matrix.
 * @param beta Weight of recall, >= 0.
 * @param average TRM_AVERAGE_MACRO, _MICRO, _WEIGHTED or _MACRO_PRESENT.
 * @param zero_division One of the TRM_ZERO_DIVISION_* values.
 * @param out Receives the average.
 * @return As trm_sparse_confusion_fbeta_per_class().
 */
TRM_API int trm_sparse_confusion_fbeta_average(const trm_sparse_confusion *cm, double beta, int average,
                                               int zero_division, double *out);

/**
 * @brief Fraction of pairs (or of weight) on the diagonal.
 * @param cm The matrix.
 * @param out Receives the accuracy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_EMPTY when the
 *         total is zero; #TRM_E_NOMEM.
 */
TRM_API int trm_sparse_confusion_accuracy(const trm_sparse_confusion *cm, double *out);

/**
 * @brief Mean recall over the classes with true samples (scikit-learn
 *        `balanced_accuracy_score`), optionally adjusted for chance.
 * @param cm The matrix.
 * @param adjusted 0, or 1 for (score - 1/n) / (1 - 1/n) over the n classes used.
 * @param out Receives the score.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or @p adjusted not 0/1;
 *         #TRM_E_EMPTY; #TRM_E_NOMEM.
 */
TRM_API int trm_sparse_confusion_balanced_accuracy(const trm_sparse_confusion *cm, int adjusted, double *out);

/**
 * @brief Cohen's kappa (scikit-learn `cohen_kappa_score`); NaN when undefined.
 *        The expected disagreement is summed from the row and column sums in
 *        O(K) (prefix sums for LINEAR, means and variances for QUADRATIC).
 * @param cm The matrix.
 * @param weighting TRM_KAPPA_NONE, TRM_KAPPA_LINEAR or TRM_KAPPA_QUADRATIC.
 * @param out Receives kappa.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an unknown weighting;
 *         #TRM_E_EMPTY; #TRM_E_NOMEM.
 */
TRM_API int trm_sparse_confusion_cohen_kappa(const trm_sparse_confusion *cm, int weighting, double *out);

/**
 * @brief Matthews correlation coefficient (scikit-learn), 0 when its
 *        denominator is 0.
 * @param cm The matrix.
 * @param out Receives the coefficient.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_EMPTY; #TRM_E_NOMEM.
 */
TRM_API int trm_sparse_confusion_matthews_corrcoef(const trm_sparse_confusion *cm, double *out);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_SPARSE_H */
