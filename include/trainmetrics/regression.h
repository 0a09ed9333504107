/* SPDX-License-Identifier: MIT */
/**
 * @file regression.h
 * @brief Streaming regression and spectral-unmixing errors over M outputs.
 *
 * Each sample is a row of M values: a batch is n_samples rows of y_true and
 * the same number of rows of y_pred, both row-major. Per output the
 * accumulator keeps, in double, the sample count, the mean of y_true and its
 * sum of squared deviations (combined across batches and merges with Chan's
 * parallel formula, never as sum(y^2) - sum(y)^2/n), the sums of |e| and e^2
 * and the largest |e|, where e = y_pred - y_true; across outputs it keeps the
 * sums of the per-sample RMSE and of the spectral angle. Every metric is derived
 * from these, so batches can arrive in any split and partial accumulators can
 * be merged in any order.
 *
 * Every update validates its whole batch before anything changes: a NaN or an
 * infinity, a size overflow or a running sum that would leave the double range
 * rejects the batch, leaves the accumulator as it was and describes the first
 * offending element in trm_last_error().
 */
#ifndef TRAINMETRICS_REGRESSION_H
#define TRAINMETRICS_REGRESSION_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque streaming regression accumulator. */
typedef struct trm_regression trm_regression;

/**
 * @brief Regression metrics, with e = y_pred - y_true and n samples.
 *
 * The first five are per output and agree with scikit-learn's
 * `multioutput='raw_values'`; their average is the uniform mean over outputs
 * (`multioutput='uniform_average'`). The last three summarize whole samples and
 * have no per-output value.
 */
enum {
    TRM_MAE = 0,             /**< mean |e| (mean_absolute_error). */
    TRM_MSE = 1,             /**< mean e^2 (mean_squared_error). */
    TRM_RMSE = 2,            /**< sqrt(MSE) per output; its average is the mean of those roots. */
    TRM_R2 = 3,              /**< 1 - SS_res/SS_tot (r2_score, force_finite=True): 1.0 when
                                  SS_res = 0, else 0.0 when y_true is constant, NaN for n < 2. */
    TRM_MAX_ERROR = 4,       /**< max |e| (max_error applied to each output). */
    TRM_RMSE_POOLED = 5,     /**< sqrt of the mean of all n*M squared errors; scalar only. */
    TRM_RMSE_PER_SAMPLE = 6, /**< mean over samples of sqrt(mean over outputs of e^2); scalar only. */
    TRM_SAD = 7              /**< Spectral angle distance: mean over samples of
                                  arccos(<y, y_hat>/(|y| |y_hat|)) in radians, 0 when both
                                  rows are zero and pi/2 when exactly one is; scalar only. */
};

/** The regression metrics under the module's prefix (since 0.2); same numbers. */
enum {
    TRM_REGRESSION_MAE = TRM_MAE,                         /**< Same as #TRM_MAE. */
    TRM_REGRESSION_MSE = TRM_MSE,                         /**< Same as #TRM_MSE. */
    TRM_REGRESSION_RMSE = TRM_RMSE,                       /**< Same as #TRM_RMSE. */
    TRM_REGRESSION_R2 = TRM_R2,                           /**< Same as #TRM_R2. */
    TRM_REGRESSION_MAX_ERROR = TRM_MAX_ERROR,             /**< Same as #TRM_MAX_ERROR. */
    TRM_REGRESSION_RMSE_POOLED = TRM_RMSE_POOLED,         /**< Same as #TRM_RMSE_POOLED. */
    TRM_REGRESSION_RMSE_PER_SAMPLE = TRM_RMSE_PER_SAMPLE, /**< Same as #TRM_RMSE_PER_SAMPLE. */
    TRM_REGRESSION_SAD = TRM_SAD                          /**< Same as #TRM_SAD. */
};

/**
 * @brief Create an empty accumulator for samples of M outputs.
 * @param out Receives the new handle; untouched on failure.
 * @param n_outputs Number of outputs M per sample (1 for a plain regression), at least 1.
 * @param alloc Memory hooks, or NULL for malloc/free.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p out, M = 0 or an allocator with
 *         a NULL hook; #TRM_E_OVERFLOW when the per-output state of M outputs
 *         does not fit in memory sizes; #TRM_E_NOMEM when the allocator fails.
 */
TRM_API int trm_regression_new(trm_regression **out, size_t n_outputs, const trm_allocator *alloc);

/**
 * @brief Release an accumulator.
 * @param r The handle, or NULL (then nothing happens).
 */
TRM_API void trm_regression_free(trm_regression *r);

/**
 * @brief Deep copy, with the same allocator, output count and sums.
 * @param out Receives the copy; untouched on failure.
 * @param r The accumulator to copy.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NOMEM.
 */
TRM_API int trm_regression_clone(trm_regression **out, const trm_regression *r);

/**
 * @brief Forget every sample; the output count is kept.
 * @param r The accumulator, or NULL (then nothing happens).
 */
TRM_API void trm_regression_reset(trm_regression *r);

/**
 * @brief Add the samples summarized by @p src to @p dst (the reduce step of a distributed run).
 *
 * The result is the accumulator of the concatenated samples, up to rounding.
 * @param dst Accumulator that receives the sum.
 * @param src Accumulator to add; may be @p dst itself, which doubles every sample.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_MISMATCH when the
 *         output counts differ; #TRM_E_OVERFLOW when the sample count would pass
 *         2^64 - 1 or a running sum would leave the double range.
 */
TRM_API int trm_regression_merge(trm_regression *dst, const trm_regression *src);

/**
 * @brief Write the accumulator as a versioned, little-endian, CRC-32C-checked blob.
 * @param r The accumulator.
 * @param buf Destination, or NULL to query the size.
 * @param cap Bytes available at @p buf.
 * @param size Receives the number of bytes the blob needs, also on #TRM_E_BUFFER.
 * @return #TRM_OK; #TRM_E_INVALID for a NULL @p r or @p size; #TRM_E_BUFFER
 *         when @p buf is NULL or @p cap is too small (nothing is written).
 */
TRM_API int trm_regression_serialize(const trm_regression *r, uint8_t *buf, size_t cap, size_t *size);

/**
 * @brief Rebuild an accumulator from a blob written by trm_regression_serialize().
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
TRM_API int trm_regression_deserialize(trm_regression **out, const uint8_t *buf, size_t size,
                                       const trm_allocator *alloc);

/**
 * @brief Number of outputs M.
 * @param r The accumulator.
 * @return M, or 0 for a NULL handle.
 */
TRM_API size_t trm_regression_n_outputs(const trm_regression *r);

/**
 * @brief Number of samples (rows) accumulated so far.
 * @param r The accumulator.
 * @return The count, or 0 for a NULL handle.
 */
TRM_API uint64_t trm_regression_n_samples(const trm_regression *r);

/**
 * @brief Accumulate n_samples rows of float targets and predictions.
 *
 * Each float is converted to double exactly; all arithmetic is in double.
 * @param r The accumulator.
 * @param y_true n_samples x M finite true values, row-major.
 * @param y_pred n_samples x M finite predictions, row-major.
 * @param n_samples Number of rows; 0 is a no-op.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers; #TRM_E_NONFINITE for a NaN
 *         or infinite value (trm_last_error() names the array, sample and output);
 *         #TRM_E_OVERFLOW when n_samples * M overflows size_t, the sample count
 *         would pass 2^64 - 1, or a running sum would leave the double range
 *         (errors or deviations beyond about 1e154).
 */
TRM_API int trm_regression_update_f32(trm_regression *r, const float *y_true, const float *y_pred,
                                      size_t n_samples);

/**
 * @brief Accumulate n_samples rows of double targets and predictions.
 * @param r The accumulator.
 * @param y_true n_samples x M finite true values, row-major.
 * @param y_pred n_samples x M finite predictions, row-major.
 * @param n_samples Number of rows; 0 is a no-op.
 * @return As trm_regression_update_f32().
 */
TRM_API int trm_regression_update_f64(trm_regression *r, const double *y_true, const double *y_pred,
                                      size_t n_samples);

/**
 * @brief One metric for each output.
 * @param r The accumulator.
 * @param metric One of TRM_MAE, TRM_MSE, TRM_RMSE, TRM_R2, TRM_MAX_ERROR.
 * @param out M values.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers, an unknown metric or a
 *         scalar-only one (TRM_RMSE_POOLED, TRM_RMSE_PER_SAMPLE, TRM_SAD);
 *         #TRM_E_EMPTY when no sample has been accumulated.
 */
TRM_API int trm_regression_per_output(const trm_regression *r, int metric, double *out);

/**
 * @brief One metric over all outputs.
 *
 * For the per-output metrics, the uniform mean of the M per-output values
 * (scikit-learn `multioutput='uniform_average'`: the RMSE average is the mean of
 * the per-output roots, the R2 average the mean of the per-output scores); for
 * TRM_RMSE_POOLED, TRM_RMSE_PER_SAMPLE and TRM_SAD, their single value. The
 * spectral angle is evaluated as 2 atan2(|u - v|, |u + v|) on the unit vectors
 * u, v of the two rows: the same angle as the clamped arccos of the cosine, but
 * exact for identical rows and accurate for nearly parallel ones, where the
 * arccos form loses half of the digits.
 * @param r The accumulator.
 * @param metric One of TRM_MAE .. TRM_SAD.
 * @param out Receives the value.
 * @return #TRM_OK; #TRM_E_INVALID for NULL pointers or an unknown metric;
 *         #TRM_E_EMPTY when no sample has been accumulated.
 */
TRM_API int trm_regression_average(const trm_regression *r, int metric, double *out);

/**
 * @brief One metric for each output; the same function as
 *        trm_regression_per_output() under the name shape every handle's
 *        queries share (`trm_<handle>_metric_per_<unit>`), since 0.2.
 * @param r The accumulator.
 * @param metric One of TRM_REGRESSION_MAE .. TRM_REGRESSION_MAX_ERROR.
 * @param out M values.
 * @return As trm_regression_per_output().
 */
TRM_API int trm_regression_metric_per_output(const trm_regression *r, int metric, double *out);

/**
 * @brief One metric over all outputs; the same function as
 *        trm_regression_average() under the name shape every handle's queries
 *        share (`trm_<handle>_metric_average`), since 0.2.
 * @param r The accumulator.
 * @param metric One of TRM_REGRESSION_MAE .. TRM_REGRESSION_SAD.
 * @param out Receives the value.
 * @return As trm_regression_average().
 */
TRM_API int trm_regression_metric_average(const trm_regression *r, int metric, double *out);

#ifdef __cplusplus
}
#endif

#endif /* TRAINMETRICS_REGRESSION_H */
