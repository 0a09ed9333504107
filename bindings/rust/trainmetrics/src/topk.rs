//! Streaming top-k accuracy.

use std::ptr::NonNull;

use crate::{call, check_rows, sys, Result, Score};

/// Streaming top-k accuracy over rows of class scores.
///
/// A sample is a hit at k when fewer than k classes rank above its true class;
/// among equal scores the higher class index ranks first (scikit-learn
/// `top_k_accuracy_score`).
pub struct TopK {
    raw: NonNull<sys::trm_topk>,
}

crate::handle!(TopK, trm_topk, trm_topk_free, trm_topk_clone, trm_topk_reset, trm_topk_serialize, trm_topk_deserialize, "accumulator");
crate::merge!(TopK, trm_topk_merge, "accumulator", "K or max_k");

impl TopK {
    /// An empty accumulator over `n_classes` classes answering for k = 1 ..= `max_k`.
    pub fn new(n_classes: usize, max_k: usize) -> Result<Self> {
        // SAFETY: out-pointer from create; NULL allocator = malloc.
        Self::create(|out| unsafe { sys::trm_topk_new(out, n_classes, max_k, std::ptr::null()) })
    }

    /// The number of classes K.
    pub fn n_classes(&self) -> usize {
        // SAFETY: a live handle.
        unsafe { sys::trm_topk_n_classes(self.raw.as_ptr()) }
    }

    /// The largest k answered for.
    pub fn max_k(&self) -> usize {
        // SAFETY: a live handle.
        unsafe { sys::trm_topk_max_k(self.raw.as_ptr()) }
    }

    /// The number of samples counted so far.
    pub fn n_samples(&self) -> u64 {
        // SAFETY: a live handle.
        unsafe { sys::trm_topk_n_samples(self.raw.as_ptr()) }
    }

    /// Ranks one row of scores per true label (the first K of every `row_stride`
    /// scores) and counts it.
    pub fn update<S: Score>(&mut self, y_true: &[i32], scores: &[S], row_stride: usize) -> Result<()> {
        check_rows("TopK::update", scores.len(), y_true.len(), row_stride, self.n_classes())?;
        // SAFETY: check_rows proved every row read lies inside scores.
        call(|| unsafe { S::topk_update(self.raw.as_ptr(), y_true.as_ptr(), scores.as_ptr(), y_true.len(), row_stride) })
    }

    /// The fraction of samples whose true class is among the k best ranked, 1 <= k <= max_k.
    pub fn accuracy(&self, k: usize) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe { sys::trm_topk_accuracy(self.raw.as_ptr(), k, &mut out) })?;
        Ok(out)
    }
}

impl std::fmt::Debug for TopK {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopK")
            .field("n_classes", &self.n_classes())
            .field("max_k", &self.max_k())
            .field("n_samples", &self.n_samples())
            .finish()
    }
}
