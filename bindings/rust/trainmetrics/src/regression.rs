//! Streaming regression and spectral-unmixing errors.

use std::os::raw::c_int;
use std::ptr::NonNull;

use crate::{call, rows_of, same_len, sys, Result, Score};

/// Regression metrics, with e = y_pred - y_true.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegressionMetric {
    /// Mean |e| per output.
    Mae,
    /// Mean e² per output.
    Mse,
    /// sqrt(MSE) per output; its average is the mean of the per-output roots.
    Rmse,
    /// Coefficient of determination per output (scikit-learn, `force_finite=True`).
    R2,
    /// Max |e| per output.
    MaxError,
    /// sqrt of the mean of all squared errors; scalar only.
    RmsePooled,
    /// Mean over samples of each sample's RMSE across outputs; scalar only.
    RmsePerSample,
    /// Spectral angle distance: mean angle in radians between true and predicted rows; scalar only.
    Sad,
}

impl RegressionMetric {
    fn raw(self) -> c_int {
        match self {
            RegressionMetric::Mae => sys::TRM_MAE,
            RegressionMetric::Mse => sys::TRM_MSE,
            RegressionMetric::Rmse => sys::TRM_RMSE,
            RegressionMetric::R2 => sys::TRM_R2,
            RegressionMetric::MaxError => sys::TRM_MAX_ERROR,
            RegressionMetric::RmsePooled => sys::TRM_RMSE_POOLED,
            RegressionMetric::RmsePerSample => sys::TRM_RMSE_PER_SAMPLE,
            RegressionMetric::Sad => sys::TRM_SAD,
        }
    }
}

/// A streaming accumulator of regression errors over samples of M outputs.
///
/// Sums are kept in double with Welford/Chan updates, so batches may arrive in any
/// split and partial accumulators merge exactly.
pub struct RegressionErrors {
    raw: NonNull<sys::trm_regression>,
}

crate::handle!(
    RegressionErrors,
    trm_regression,
    trm_regression_free,
    trm_regression_clone,
    trm_regression_reset,
    trm_regression_serialize,
    trm_regression_deserialize,
    "accumulator"
);
crate::merge!(RegressionErrors, trm_regression_merge, "accumulator", "the output counts");

impl RegressionErrors {
    /// An empty accumulator for samples of `n_outputs` values (1 for a plain regression).
    pub fn new(n_outputs: usize) -> Result<Self> {
        // SAFETY: out-pointer from create; NULL allocator = malloc.
        Self::create(|out| unsafe { sys::trm_regression_new(out, n_outputs, std::ptr::null()) })
    }

    /// The number of outputs M.
    pub fn n_outputs(&self) -> usize {
        // SAFETY: a live handle.
        unsafe { sys::trm_regression_n_outputs(self.raw.as_ptr()) }
    }

    /// The number of samples accumulated.
    pub fn n_samples(&self) -> u64 {
        // SAFETY: a live handle.
        unsafe { sys::trm_regression_n_samples(self.raw.as_ptr()) }
    }

    /// Accumulates rows of M finite targets and predictions, row-major.
    pub fn update<S: Score>(&mut self, y_true: &[S], y_pred: &[S]) -> Result<()> {
        same_len("RegressionErrors::update", y_true.len(), y_pred.len())?;
        let n = rows_of("RegressionErrors::update", y_true.len(), self.n_outputs())?;
        // SAFETY: both slices hold n rows of M values.
        call(|| unsafe { S::regression_update(self.raw.as_ptr(), y_true.as_ptr(), y_pred.as_ptr(), n) })
    }

    /// One metric per output (MAE, MSE, RMSE, R², max error).
    pub fn per_output(&self, metric: RegressionMetric) -> Result<Vec<f64>> {
        let mut out = vec![0f64; self.n_outputs()];
        // SAFETY: out holds M values.
        call(|| unsafe { sys::trm_regression_per_output(self.raw.as_ptr(), metric.raw(), out.as_mut_ptr()) })?;
        Ok(out)
    }

    /// One metric over all outputs: the uniform mean of the per-output values, or the
    /// single value of the scalar-only metrics.
    pub fn average(&self, metric: RegressionMetric) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe { sys::trm_regression_average(self.raw.as_ptr(), metric.raw(), &mut out) })?;
        Ok(out)
    }
}

impl std::fmt::Debug for RegressionErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegressionErrors")
            .field("n_outputs", &self.n_outputs())
            .field("n_samples", &self.n_samples())
            .finish()
    }
}
