/* SPDX-License-Identifier: MIT */
/**
 * @file topk.h
 * @brief Streaming top-k accuracy over rows of class scores.
 *
 * Each sample is ranked once, when it is added: its rank is the number of
 * classes that rank above its true class, where class j ranks above the true
 * class t when score[j] > score[t], or when the scores are equal and j > t
 * (scikit-learn `top_k_accuracy_score`, whose stable sort puts the higher index
 * first among equal scores). A sample is a hit at k when its rank is below k.
 * The accumulator keeps how many samples had each rank up to max_k, so the
 * accuracy at every k from 1 to max_k is exact. Every update validates its
 * whole batch before anything is counted: a bad label or a NaN score rejects
 * the batch, leaves the accumulator as it was and describes the first
 * offending element in trm_last_error().
 */
#ifndef TRAINMETRICS_TOPK_H
#define TRAINMETRICS_TOPK_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque streaming top-k accuracy accumulator. */
typedef struct trm_topk trm_topk;

/**
 * @brief Create an empty top-k accumulator.
 * @param out Receives the new handle; untouched on failure.
 * @param n_classes Number of classes K, at least 1.
 * @param max_k Largest k that trm_topk_accuracy() will be asked for, 1 .. K.
 * @param alloc Memory hooks, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p out, K = 0, @p max_k outside
 *         [1, K] or an allocator with a single hook; #TRM_E_OVERFLOW when
 *         max_k + 1 counters do not fit in memory sizes; #TRM_E_NOMEM when the
 *         allocator fails.
 */
TRM_API int trm_topk_new(trm_topk **out, size_t n_classes, size_t max_k, const trm_allocator *alloc);

/**
 * @brief Release a top-k accumulator.
 * @param t The handle, or NULL (then nothing happens).
 */
TRM_API void trm_topk_free(trm_topk *t);

/**
 * @brief Deep copy, with the same allocator, sizes and counts.
 * @param out Receives the copy; untouched on failure.
 * @param t The accumulator to copy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NOMEM.
 */
TRM_API int trm_topk_clone(trm_topk **out, const trm_topk *t);

/**
 * @brief Forget every sample; K and max_k are kept.
 * @param t The accumulator, or NULL (then nothing happens).
 */
TRM_API void trm_topk_reset(trm_topk *t);

/**
 * @brief Add the samples of @p src to @p dst (the reduce step of a distributed run).
 * @param dst Accumulator that receives the sum.
 * @param src Accumulator to add; may be @p dst itself.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_MISMATCH when K or
 *         max_k differ; #TRM_E_OVERFLOW when the sample count would pass 2^64 - 1.
 */
TRM_API int trm_topk_merge(trm_topk *dst, const trm_topk *src);

/**
 * @brief Write the accumulator as a versioned, little-endian, CRC-32C-checked blob.
 * @param t The accumulator.
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the number of bytes the blob needs, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p t or @p size; #TRM_E_BUFFER
 *         when @p buf is NULL or @p cap is too small (nothing is written).
 */
TRM_API int trm_topk_serialize(const trm_topk *t, uint8_t *buf, size_t cap, size_t *size);

/**
 * @brief Rebuild an accumulator from a blob written by trm_topk_serialize().
 *
 * Every field is validated; no length in the blob is trusted.
 * @param out Receives the new handle; untouched on failure.
 * @param buf The blob.
 * @param size Its exact length in bytes.
 * @param alloc Memory hooks for the new handle, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an allocator with a
 *         single hook; #TRM_E_CORRUPT for a truncated, damaged or inconsistent
 *         blob; #TRM_E_VERSION for an unknown format version; #TRM_E_MISMATCH
 *         for a valid blob of another handle type; #TRM_E_NOMEM.
 */
TRM_API int trm_topk_deserialize(trm_topk **out, const uint8_t *buf, size_t size,
                                 const trm_allocator *alloc);

/**
 * @brief Number of classes K.
 * @param t The accumulator.
 * @return K, or 0 for a NULL handle.
 */
TRM_API size_t trm_topk_n_classes(const trm_topk *t);

/**
 * @brief Largest k the accumulator answers for.
 * @param t The accumulator.
 * @return max_k, or 0 for a NULL handle.
 */
TRM_API size_t trm_topk_max_k(const trm_topk *t);

/**
 * @brief Number of samples counted so far.
 * @param t The accumulator.
 * @return The count, or 0 for a NULL handle.
 */
TRM_API uint64_t trm_topk_n_samples(const trm_topk *t);

/**
 * @brief Rank n rows of float scores against their true classes and count them.
 * @param t The accumulator.
 * @param y_true n true labels in [0, K).
 * @param scores n rows of @p row_stride floats; the first K of each row are used.
 * @param n Number of rows; 0 is a no-op.
 * @param row_stride Distance between rows in elements, >= K.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or @p row_stride < K;
 *         #TRM_E_LABEL for a label outside [0, K); #TRM_E_NONFINITE for a NaN
 *         or Inf score in a used column; #TRM_E_OVERFLOW when n*row_stride
 *         overflows size_t or the sample count would pass 2^64 - 1.
 */
TRM_API int trm_topk_update_f32(trm_topk *t, const int32_t *y_true, const float *scores, size_t n,
                                size_t row_stride);

/**
 * @brief Rank n rows of double scores against their true classes and count them.
 * @param t The accumulator.
 * @param y_true n true labels in [0, K).
 * @param scores n rows of @p row_stride doubles; the first K of each row are used.
 * @param n Number of rows; 0 is a no-op.
 * @param row_stride Distance between rows in elements, >= K.
 * @return As trm_topk_update_f32().
 */
TRM_API int trm_topk_update_f64(trm_topk *t, const int32_t *y_true, const double *scores, size_t n,
                                size_t row_stride);

/**
 * @brief Fraction of samples whose true class is among the k best ranked.
 *
 * Equals scikit-learn `top_k_accuracy_score(y_true, scores, k=k,
 * labels=range(K))` for K >= 3 (for K = 2 scikit-learn reads a single score
 * column instead).
 * @param t The accumulator.
 * @param k 1 .. max_k.
 * @param out Receives the accuracy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or @p k outside
 *         [1, max_k]; #TRM_E_EMPTY if nothing has been counted.
 */
TRM_API int trm_topk_accuracy(const trm_topk *t, size_t k, double *out);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_TOPK_H */
