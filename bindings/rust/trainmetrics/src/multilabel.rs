//! Streaming multilabel metrics.

use std::ptr::NonNull;

use crate::{call, rows_of, same_len, sys, Average, Metric, Result, Score, ZeroDivision};

/// Streaming multilabel accumulator: samples are rows of L labels, each 0 or 1.
///
/// Keeps per-label tn, fp, fn, tp (scikit-learn `multilabel_confusion_matrix`) and
/// what the `Average::Samples` average needs.
pub struct Multilabel {
    raw: NonNull<sys::trm_multilabel>,
}

crate::handle!(
    Multilabel,
    trm_multilabel,
    trm_multilabel_free,
    trm_multilabel_clone,
    trm_multilabel_reset,
    trm_multilabel_serialize,
    trm_multilabel_deserialize,
    "accumulator"
);
crate::merge!(Multilabel, trm_multilabel_merge, "accumulator", "the label counts");

impl Multilabel {
    /// An empty accumulator of `n_labels` labels per sample (at least 1).
    pub fn new(n_labels: usize) -> Result<Self> {
        // SAFETY: out-pointer from create; NULL allocator = malloc.
        Self::create(|out| unsafe { sys::trm_multilabel_new(out, n_labels, std::ptr::null()) })
    }

    /// The number of labels L.
    pub fn n_labels(&self) -> usize {
        // SAFETY: a live handle.
        unsafe { sys::trm_multilabel_n_labels(self.raw.as_ptr()) }
    }

    /// The number of samples (rows) counted so far.
    pub fn n_samples(&self) -> u64 {
        // SAFETY: a live handle.
        unsafe { sys::trm_multilabel_n_samples(self.raw.as_ptr()) }
    }

    /// Counts rows of 0/1 truths and 0/1 predictions, L values per row, row-major.
    pub fn update(&mut self, y_true: &[u8], y_pred: &[u8]) -> Result<()> {
        same_len("Multilabel::update", y_true.len(), y_pred.len())?;
        let n = rows_of("Multilabel::update", y_true.len(), self.n_labels())?;
        // SAFETY: both slices hold n rows of L values.
        call(|| unsafe { sys::trm_multilabel_update_u8(self.raw.as_ptr(), y_true.as_ptr(), y_pred.as_ptr(), n) })
    }

    /// Predicts `score > threshold` for every label and counts the rows.
    pub fn update_threshold<S: Score>(&mut self, y_true: &[u8], scores: &[S], threshold: S) -> Result<()> {
        same_len("Multilabel::update_threshold", y_true.len(), scores.len())?;
        let n = rows_of("Multilabel::update_threshold", y_true.len(), self.n_labels())?;
        // SAFETY: both slices hold n rows of L values.
        call(|| unsafe { S::multilabel_threshold(self.raw.as_ptr(), y_true.as_ptr(), scores.as_ptr(), n, threshold) })
    }

    /// The per-label counts `[tn, fp, fn, tp]`, one entry per label.
    pub fn counts(&self) -> Vec<[u64; 4]> {
        let mut flat = vec![0u64; 4 * self.n_labels()];
        // SAFETY: flat holds L x 4 counts; cannot fail for a live handle.
        let code = unsafe { sys::trm_multilabel_counts(self.raw.as_ptr(), flat.as_mut_ptr()) };
        debug_assert_eq!(code, sys::TRM_OK);
        flat.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect()
    }

    /// One metric per label, from that label's counts.
    pub fn metric_per_label(&self, metric: Metric, zero_division: ZeroDivision) -> Result<Vec<f64>> {
        let mut out = vec![0f64; self.n_labels()];
        // SAFETY: out holds L values.
        call(|| unsafe {
            sys::trm_multilabel_metric_per_label(self.raw.as_ptr(), metric.raw(), zero_division.raw(), out.as_mut_ptr())
        })?;
        Ok(out)
    }

    /// One metric averaged over labels, or over samples with `Average::Samples`.
    pub fn metric_average(&self, metric: Metric, average: Average, zero_division: ZeroDivision) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe {
            sys::trm_multilabel_metric_average(
                self.raw.as_ptr(),
                metric.raw(),
                average.raw(),
                zero_division.raw(),
                &mut out,
            )
        })?;
        Ok(out)
    }

    /// The fraction of samples whose whole row was predicted right.
    pub fn subset_accuracy(&self) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe { sys::trm_multilabel_subset_accuracy(self.raw.as_ptr(), &mut out) })?;
        Ok(out)
    }

    /// The fraction of wrong label decisions, (fp + fn) / (n L).
    pub fn hamming_loss(&self) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe { sys::trm_multilabel_hamming_loss(self.raw.as_ptr(), &mut out) })?;
        Ok(out)
    }
}

impl std::fmt::Debug for Multilabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Multilabel")
            .field("n_labels", &self.n_labels())
            .field("n_samples", &self.n_samples())
            .finish()
    }
}
