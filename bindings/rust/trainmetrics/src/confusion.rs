//! The streaming confusion matrix and the metrics derived from it.

use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::ptr::NonNull;

use crate::{call, check_rows, same_len, sealed, sys, Average, Error, Kappa, Metric, Result, Score, ZeroDivision};

/// A streaming confusion matrix over the dense class ids `0 .. n_classes`.
///
/// Rows are true classes, columns predicted classes. Every update checks its whole
/// batch before counting: a label outside `[0, K)` (other than the ignore label)
/// gives `ErrorKind::Label` and leaves the matrix as it was.
pub struct ConfusionMatrix {
    raw: NonNull<sys::trm_confusion>,
}

crate::handle!(
    ConfusionMatrix,
    trm_confusion,
    trm_confusion_free,
    trm_confusion_clone,
    trm_confusion_reset,
    trm_confusion_serialize,
    trm_confusion_deserialize,
    "matrix"
);
crate::merge!(ConfusionMatrix, trm_confusion_merge, "matrix", "the class counts, weighting or ignore labels");

/// How [`ConfusionMatrix::matrix`] normalizes (scikit-learn's `normalize`); a zero
/// row, column or total gives zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Normalize {
    /// The raw cells.
    None,
    /// Each row divided by its sum.
    True,
    /// Each column divided by its sum.
    Pred,
    /// Every cell divided by the total.
    All,
}

/// Label element types of [`ConfusionMatrix::update`]: `u8`, `u16`, `i32`, `i64`.
pub trait Label: Copy + sealed::Sealed {
    #[doc(hidden)]
    unsafe fn update(cm: *mut sys::trm_confusion, t: *const Self, p: *const Self, n: usize) -> c_int;
}

/// Label element types of [`ConfusionMatrix::update_weighted`]: `i32`, `i64`.
pub trait WeightedLabel: Label {
    #[doc(hidden)]
    unsafe fn update_weighted(
        cm: *mut sys::trm_confusion,
        t: *const Self,
        p: *const Self,
        w: *const f64,
        n: usize,
    ) -> c_int;
}

macro_rules! label {
    ($t:ty, $f:ident) => {
        impl sealed::Sealed for $t {}
        impl Label for $t {
            unsafe fn update(cm: *mut sys::trm_confusion, t: *const Self, p: *const Self, n: usize) -> c_int {
                sys::$f(cm, t, p, n)
            }
        }
    };
}
label!(u8, trm_confusion_update_u8);
label!(u16, trm_confusion_update_u16);
label!(i32, trm_confusion_update_i32);
label!(i64, trm_confusion_update_i64);

impl WeightedLabel for i32 {
    unsafe fn update_weighted(cm: *mut sys::trm_confusion, t: *const i32, p: *const i32, w: *const f64, n: usize) -> c_int {
        sys::trm_confusion_update_weighted_i32(cm, t, p, w, n)
    }
}
impl WeightedLabel for i64 {
    unsafe fn update_weighted(cm: *mut sys::trm_confusion, t: *const i64, p: *const i64, w: *const f64, n: usize) -> c_int {
        sys::trm_confusion_update_weighted_i64(cm, t, p, w, n)
    }
}

impl ConfusionMatrix {
    /// An empty matrix of integer counts over `n_classes` classes (at least 1).
    pub fn new(n_classes: usize) -> Result<Self> {
        // SAFETY: out-pointer from create; NULL allocator = malloc.
        Self::create(|out| unsafe { sys::trm_confusion_new(out, n_classes, 0, std::ptr::null()) })
    }

    /// An empty matrix whose cells are double sums of sample weights.
    pub fn new_weighted(n_classes: usize) -> Result<Self> {
        // SAFETY: as in new.
        Self::create(|out| unsafe {
            sys::trm_confusion_new(out, n_classes, sys::TRM_CONFUSION_WEIGHTED, std::ptr::null())
        })
    }

    /// The number of classes K.
    pub fn n_classes(&self) -> usize {
        // SAFETY: a live handle.
        unsafe { sys::trm_confusion_n_classes(self.raw.as_ptr()) }
    }

    /// Whether the cells are weight sums ([`new_weighted`](Self::new_weighted)).
    pub fn is_weighted(&self) -> bool {
        // SAFETY: a live handle.
        unsafe { sys::trm_confusion_flags(self.raw.as_ptr()) & sys::TRM_CONFUSION_WEIGHTED != 0 }
    }

    /// Skip every pair whose true label is `label` (torchmetrics `ignore_index`),
    /// whatever its prediction; `None` skips nothing (the default).
    pub fn set_ignore_label(&mut self, label: Option<i64>) -> Result<()> {
        let raw = label.unwrap_or(sys::TRM_NO_IGNORE);
        // SAFETY: a live handle.
        call(|| unsafe { sys::trm_confusion_set_ignore_label(self.raw.as_ptr(), raw) })
    }

    /// The ignore label in force, if any.
    pub fn ignore_label(&self) -> Option<i64> {
        // SAFETY: a live handle.
        let raw = unsafe { sys::trm_confusion_ignore_label(self.raw.as_ptr()) };
        if raw == sys::TRM_NO_IGNORE {
            None
        } else {
            Some(raw)
        }
    }

    /// Counts the pairs `(y_true[i], y_pred[i])` (each weighs 1.0 on a weighted matrix).
    pub fn update<L: Label>(&mut self, y_true: &[L], y_pred: &[L]) -> Result<()> {
        same_len("ConfusionMatrix::update", y_true.len(), y_pred.len())?;
        // SAFETY: both slices hold y_true.len() labels.
        call(|| unsafe { L::update(self.raw.as_ptr(), y_true.as_ptr(), y_pred.as_ptr(), y_true.len()) })
    }

    /// Adds `weights[i]` (finite, >= 0) to the cell of each pair; weighted matrices only
    /// (`ErrorKind::Mismatch` otherwise).
    pub fn update_weighted<L: WeightedLabel>(&mut self, y_true: &[L], y_pred: &[L], weights: &[f64]) -> Result<()> {
        same_len("ConfusionMatrix::update_weighted", y_true.len(), y_pred.len())?;
        same_len("ConfusionMatrix::update_weighted", y_true.len(), weights.len())?;
        // SAFETY: the three slices hold y_true.len() elements.
        call(|| unsafe {
            L::update_weighted(self.raw.as_ptr(), y_true.as_ptr(), y_pred.as_ptr(), weights.as_ptr(), y_true.len())
        })
    }

    /// Predicts each row's argmax over the first K of `row_stride` scores (ties to the
    /// lowest class) and counts it against `y_true`; one row per true label.
    pub fn update_argmax<S: Score>(&mut self, y_true: &[i32], scores: &[S], row_stride: usize) -> Result<()> {
        let k = self.n_classes();
        check_rows("ConfusionMatrix::update_argmax", scores.len(), y_true.len(), row_stride, k)?;
        // SAFETY: check_rows proved every row read lies inside scores.
        call(|| unsafe { S::confusion_argmax(self.raw.as_ptr(), y_true.as_ptr(), scores.as_ptr(), y_true.len(), row_stride) })
    }

    /// Binary prediction `score > threshold` (strict, no sigmoid), counted; K must be 2.
    pub fn update_threshold<S: Score>(&mut self, y_true: &[i32], scores: &[S], threshold: S) -> Result<()> {
        same_len("ConfusionMatrix::update_threshold", y_true.len(), scores.len())?;
        // SAFETY: both slices hold y_true.len() elements.
        call(|| unsafe {
            S::confusion_threshold(self.raw.as_ptr(), y_true.as_ptr(), scores.as_ptr(), y_true.len(), threshold)
        })
    }

    fn cells(&self) -> usize {
        let k = self.n_classes();
        k * k // the library allocated K*K cells, so this cannot overflow
    }

    /// The integer counts, K*K row-major (row = true, column = predicted);
    /// `ErrorKind::Mismatch` on a weighted matrix.
    pub fn counts(&self) -> Result<Vec<u64>> {
        let mut out = vec![0u64; self.cells()];
        // SAFETY: out holds K*K counts.
        call(|| unsafe { sys::trm_confusion_counts(self.raw.as_ptr(), out.as_mut_ptr()) })?;
        Ok(out)
    }

    /// The cells as doubles, K*K row-major, normalized as asked.
    pub fn matrix(&self, normalize: Normalize) -> Result<Vec<f64>> {
        let mode = match normalize {
            Normalize::None => sys::TRM_NORMALIZE_NONE,
            Normalize::True => sys::TRM_NORMALIZE_TRUE,
            Normalize::Pred => sys::TRM_NORMALIZE_PRED,
            Normalize::All => sys::TRM_NORMALIZE_ALL,
        };
        let mut out = vec![0f64; self.cells()];
        // SAFETY: out holds K*K doubles.
        call(|| unsafe { sys::trm_confusion_matrix(self.raw.as_ptr(), mode, out.as_mut_ptr()) })?;
        Ok(out)
    }

    /// The sum of all cells: the sample count, or the total weight.
    pub fn total(&self) -> f64 {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer; cannot fail.
        let code = unsafe { sys::trm_confusion_total(self.raw.as_ptr(), &mut out) };
        debug_assert_eq!(code, sys::TRM_OK);
        out
    }

    /// Adds a K*K table of counts, e.g. the result of an all-reduce.
    pub fn add_counts(&mut self, counts: &[u64]) -> Result<()> {
        same_len("ConfusionMatrix::add_counts (K*K)", counts.len(), self.cells())?;
        // SAFETY: counts holds K*K values.
        call(|| unsafe { sys::trm_confusion_add_counts(self.raw.as_ptr(), counts.as_ptr()) })
    }

    /// Adds a K*K table of finite, non-negative weights; weighted matrices only.
    pub fn add_weights(&mut self, weights: &[f64]) -> Result<()> {
        same_len("ConfusionMatrix::add_weights (K*K)", weights.len(), self.cells())?;
        // SAFETY: weights holds K*K values.
        call(|| unsafe { sys::trm_confusion_add_weights(self.raw.as_ptr(), weights.as_ptr()) })
    }

    /// One metric per class (K values); undefined ones take `zero_division`.
    pub fn metric_per_class(&self, metric: Metric, zero_division: ZeroDivision) -> Result<Vec<f64>> {
        let mut out = vec![0f64; self.n_classes()];
        // SAFETY: out holds K values.
        call(|| unsafe {
            sys::trm_metric_per_class(self.raw.as_ptr(), metric.raw(), zero_division.raw(), out.as_mut_ptr())
        })?;
        Ok(out)
    }

    /// One metric averaged over the classes (`Average::Samples` is refused).
    pub fn metric_average(&self, metric: Metric, average: Average, zero_division: ZeroDivision) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe {
            sys::trm_metric_average(self.raw.as_ptr(), metric.raw(), average.raw(), zero_division.raw(), &mut out)
        })?;
        Ok(out)
    }

    /// For each class, whether `metric` is undefined there (its denominator is zero).
    pub fn metric_undefined(&self, metric: Metric) -> Result<Vec<bool>> {
        let mut out = vec![0u8; self.n_classes()];
        // SAFETY: out holds K flags.
        call(|| unsafe { sys::trm_metric_undefined(self.raw.as_ptr(), metric.raw(), out.as_mut_ptr()) })?;
        Ok(out.into_iter().map(|f| f != 0).collect())
    }

    /// F-beta per class from counts, (1+β²)tp / ((1+β²)tp + β²fn + fp); β >= 0.
    pub fn fbeta_per_class(&self, beta: f64, zero_division: ZeroDivision) -> Result<Vec<f64>> {
        let mut out = vec![0f64; self.n_classes()];
        // SAFETY: out holds K values.
        call(|| unsafe { sys::trm_fbeta_per_class(self.raw.as_ptr(), beta, zero_division.raw(), out.as_mut_ptr()) })?;
        Ok(out)
    }

    /// F-beta averaged over the classes.
    pub fn fbeta_average(&self, beta: f64, average: Average, zero_division: ZeroDivision) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe {
            sys::trm_fbeta_average(self.raw.as_ptr(), beta, average.raw(), zero_division.raw(), &mut out)
        })?;
        Ok(out)
    }

    /// Trace / total; `ErrorKind::Empty` when nothing was counted.
    pub fn accuracy(&self) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe { sys::trm_accuracy(self.raw.as_ptr(), &mut out) })?;
        Ok(out)
    }

    /// Mean recall over the classes present in y_true, optionally chance-adjusted
    /// (scikit-learn `balanced_accuracy_score`).
    pub fn balanced_accuracy(&self, adjusted: bool) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe { sys::trm_balanced_accuracy(self.raw.as_ptr(), c_int::from(adjusted), &mut out) })?;
        Ok(out)
    }

    /// Cohen's kappa between true and predicted labels; NaN when undefined.
    pub fn cohen_kappa(&self, weighting: Kappa) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe { sys::trm_cohen_kappa(self.raw.as_ptr(), weighting.raw(), &mut out) })?;
        Ok(out)
    }

    /// The multiclass Matthews correlation coefficient; 0 when its denominator is 0.
    pub fn matthews_corrcoef(&self) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live handle and a valid out-pointer.
        call(|| unsafe { sys::trm_matthews_corrcoef(self.raw.as_ptr(), &mut out) })?;
        Ok(out)
    }

    /// scikit-learn's `classification_report` text with `digits` decimals (0..=30);
    /// `class_names` gives K names, or `None` for "0" .. "K-1".
    pub fn classification_report(&self, class_names: Option<&[&str]>, digits: u32) -> Result<String> {
        let digits = c_int::try_from(digits).unwrap_or(c_int::MAX);
        let names: Option<Vec<CString>> = match class_names {
            None => None,
            Some(names) => {
                same_len("ConfusionMatrix::classification_report (class names)", names.len(), self.n_classes())?;
                let owned = names
                    .iter()
                    .map(|n| CString::new(*n))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|_| Error::new(sys::TRM_E_INVALID, "a class name contains NUL".to_string()))?;
                Some(owned)
            }
        };
        let pointers: Option<Vec<*const c_char>> = names.as_ref().map(|v| v.iter().map(|s| s.as_ptr()).collect());
        let names_ptr = pointers.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
        // SAFETY: names_ptr is NULL or K pointers to NUL-terminated names alive here.
        crate::text_with(|buf, cap, size| unsafe {
            sys::trm_classification_report(self.raw.as_ptr(), names_ptr, digits, buf, cap, size)
        })
    }
}

impl std::fmt::Debug for ConfusionMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfusionMatrix")
            .field("n_classes", &self.n_classes())
            .field("weighted", &self.is_weighted())
            .field("total", &self.total())
            .finish()
    }
}
