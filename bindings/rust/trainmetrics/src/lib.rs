//! Safe Rust interface to libtrainmetrics: streaming confusion matrices and the
//! metrics derived from them, top-k and multilabel accuracy, regression and
//! spectral-unmixing errors, overfitting detection on training curves, and class
//! activation maps (Grad-CAM and its family).
//!
//! Every handle of the C library has a type here that owns it: [`ConfusionMatrix`],
//! [`TopK`], [`Multilabel`], [`RegressionErrors`], [`OverfitDetector`] and [`Cam`].
//! Dropping a value frees its handle; cloning one deep-copies it through the C
//! `*_clone` function. Every fallible call returns [`Result`], whose [`Error`]
//! carries the library's status code and the detail text `trm_last_error()` gave
//! for that very call. As in C, a call that fails changes nothing: a batch with one
//! bad label is rejected whole.
//!
//! Threads follow the C contract: a handle can move to another thread (`Send`);
//! the accumulators are also `Sync`, since the library makes their const queries
//! (every `&self` method here) safe from many threads at once, while a [`Cam`],
//! whose computations grow a workspace and which the library allows one thread at
//! a time, is not `Sync`.
//!
//! ```
//! use trainmetrics::{Average, ConfusionMatrix, ErrorKind, Metric, ZeroDivision};
//!
//! let mut cm = ConfusionMatrix::new(3)?;
//! cm.update(&[0u8, 1, 2, 2], &[0u8, 2, 2, 1])?;
//! assert_eq!(cm.counts()?, [1, 0, 0, 0, 0, 1, 0, 1, 1]);
//! assert_eq!(cm.accuracy()?, 0.5);
//! // F1 per class: 1, 0, 1/2.
//! let f1 = cm.metric_average(Metric::F1, Average::Macro, ZeroDivision::Zero)?;
//! assert!((f1 - 0.5).abs() < 1e-15);
//!
//! // A bad batch is refused whole, with the library's explanation.
//! let error = cm.update(&[0u8, 7], &[0u8, 0]).unwrap_err();
//! assert_eq!(error.kind(), ErrorKind::Label);
//! assert!(error.message().contains("y_true[1] = 7"));
//! assert_eq!(cm.counts()?, [1, 0, 0, 0, 0, 1, 0, 1, 1]);
//! # Ok::<(), trainmetrics::Error>(())
//! ```
//!
//! The library is found through pkg-config when `trainmetrics-sys` builds; see that
//! crate for building against an uninstalled build tree.
#![deny(missing_docs)]

use std::ffi::CStr;
use std::fmt;
use std::os::raw::{c_char, c_int};
use std::ptr;

pub use trainmetrics_sys as sys;

mod cam;
mod confusion;
mod multilabel;
mod overfit;
mod regression;
mod topk;

pub use cam::{colormap_apply, overlay_rgb8, Cam, CamMethod, CamNormalize, Colormap, Layout};
pub use confusion::{ConfusionMatrix, Label, Normalize, WeightedLabel};
pub use multilabel::Multilabel;
pub use overfit::{Criteria, Mode, OverfitDetector, Preset, Statistic, Verdict};
pub use regression::{RegressionErrors, RegressionMetric};
pub use topk::TopK;

/// The result of every fallible call.
pub type Result<T> = std::result::Result<T, Error>;

/// The class of a failure: the C status code, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `TRM_E_INVALID`: a missing argument, a zero or absurd size, an unknown option,
    /// or slices whose lengths do not fit together.
    Invalid,
    /// `TRM_E_NOMEM`: the allocator returned NULL.
    NoMem,
    /// `TRM_E_LABEL`: a label outside `[0, n_classes)` (or not 0/1 for multilabel).
    Label,
    /// `TRM_E_NONFINITE`: NaN or infinity where a finite number is required.
    NonFinite,
    /// `TRM_E_MISMATCH`: handles, or a handle and an operation, that do not fit.
    Mismatch,
    /// `TRM_E_OVERFLOW`: a count or a size computation would overflow.
    Overflow,
    /// `TRM_E_BUFFER`: an output buffer was too small.
    Buffer,
    /// `TRM_E_CORRUPT`: a serialized blob is damaged.
    Corrupt,
    /// `TRM_E_VERSION`: a serialized blob has an unknown format version.
    Version,
    /// `TRM_E_EMPTY`: nothing has been accumulated yet.
    Empty,
    /// `TRM_E_INTERNAL`: the library caught itself inconsistent (a bug).
    Internal,
    /// A code this crate does not know (from a newer library).
    Unknown,
}

/// A failed call: the status code and the detail of the failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: i32,
    message: String,
}

impl Error {
    /// The failure of the C call that just returned `code`, with this thread's
    /// `trm_last_error()` text (or the code's short name when the library left none).
    fn last(code: c_int) -> Error {
        // SAFETY: trm_last_error returns a NUL-terminated thread-local string, valid
        // until the next failing call on this thread; it is copied at once.
        let detail = unsafe { text(sys::trm_last_error()) };
        let message = if detail.is_empty() { strerror(code) } else { detail };
        Error { code, message }
    }

    /// An error found by this crate before calling the library (for example slices
    /// of different lengths), with the code the library uses for such input.
    fn new(code: c_int, message: String) -> Error {
        Error { code, message }
    }

    /// The library's status code, a negative `TRM_E_*` value.
    pub fn code(&self) -> i32 {
        self.code
    }

    /// The class of the failure.
    pub fn kind(&self) -> ErrorKind {
        match self.code {
            sys::TRM_E_INVALID => ErrorKind::Invalid,
            sys::TRM_E_NOMEM => ErrorKind::NoMem,
            sys::TRM_E_LABEL => ErrorKind::Label,
            sys::TRM_E_NONFINITE => ErrorKind::NonFinite,
            sys::TRM_E_MISMATCH => ErrorKind::Mismatch,
            sys::TRM_E_OVERFLOW => ErrorKind::Overflow,
            sys::TRM_E_BUFFER => ErrorKind::Buffer,
            sys::TRM_E_CORRUPT => ErrorKind::Corrupt,
            sys::TRM_E_VERSION => ErrorKind::Version,
            sys::TRM_E_EMPTY => ErrorKind::Empty,
            sys::TRM_E_INTERNAL => ErrorKind::Internal,
            _ => ErrorKind::Unknown,
        }
    }

    /// The detail, e.g. `"trm_confusion_update_i32: y_true[17] = 12 is outside [0, 10)"`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, strerror(self.code))
    }
}

impl std::error::Error for Error {}

/// The short name the library gives a status code (`trm_strerror`).
pub fn strerror(code: i32) -> String {
    // SAFETY: trm_strerror returns static NUL-terminated text, never NULL.
    unsafe { text(sys::trm_strerror(code)) }
}

/// The version of the linked library as text, e.g. `"0.1.0"`.
pub fn version_string() -> String {
    // SAFETY: static NUL-terminated text, never NULL.
    unsafe { text(sys::trm_version_string()) }
}

/// The version of the linked library as MAJOR*10000 + MINOR*100 + PATCH.
pub fn version_number() -> u32 {
    // SAFETY: no arguments, no state.
    unsafe { sys::trm_version_number() }
}

/// Copies C text (NULL reads as empty).
unsafe fn text(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Runs one C call with this thread's error detail cleared first, so the detail
/// an `Err` carries belongs to this call.
fn call(f: impl FnOnce() -> c_int) -> Result<()> {
    // SAFETY: only touches this thread's error buffer.
    unsafe { sys::trm_clear_last_error() };
    let code = f();
    if code >= 0 {
        Ok(())
    } else {
        Err(Error::last(code))
    }
}

/// Allocation failure of a clone, reported as `Vec` reports one.
fn clone_failed(error: Error) -> ! {
    panic!("trainmetrics: clone failed: {error}")
}

/// The two-step size query shared by every `*_serialize` function: ask with no
/// buffer (TRM_E_BUFFER reports the size), then write.
fn serialize_with(f: impl Fn(*mut u8, usize, *mut usize) -> c_int) -> Result<Vec<u8>> {
    let mut size = 0usize;
    let first = call(|| f(ptr::null_mut(), 0, &mut size));
    match first {
        Err(e) if e.code != sys::TRM_E_BUFFER => return Err(e),
        _ => {}
    }
    let mut buf = vec![0u8; size];
    let mut written = 0usize;
    call(|| f(buf.as_mut_ptr(), buf.len(), &mut written))?;
    buf.truncate(written);
    Ok(buf)
}

/// The same for NUL-terminated text (report, explanation).
fn text_with(f: impl Fn(*mut c_char, usize, *mut usize) -> c_int) -> Result<String> {
    let bytes = serialize_with(|buf, cap, size| f(buf.cast::<c_char>(), cap, size))?;
    let text = CStr::from_bytes_with_nul(&bytes)
        .map_err(|_| Error::new(sys::TRM_E_INTERNAL, "text without its terminating NUL".to_string()))?;
    Ok(text.to_string_lossy().into_owned())
}

/// Checks that two slices describe the same samples.
fn same_len(what: &str, a: usize, b: usize) -> Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(Error::new(sys::TRM_E_INVALID, format!("{what}: lengths differ ({a} and {b})")))
    }
}

/// Checks that a slice holds exactly `rows` rows of `width`, returning `rows`.
fn rows_of(what: &str, len: usize, width: usize) -> Result<usize> {
    if width == 0 || len % width != 0 {
        return Err(Error::new(
            sys::TRM_E_INVALID,
            format!("{what}: {len} values are not whole rows of {width}"),
        ));
    }
    Ok(len / width)
}

/// Checks that `n` rows of `stride` elements, of which the first `used` are read,
/// fit in `len` elements (the last row needs only `used`).
fn check_rows(what: &str, len: usize, n: usize, stride: usize, used: usize) -> Result<()> {
    if stride < used {
        return Err(Error::new(sys::TRM_E_INVALID, format!("{what}: row_stride {stride} < {used}")));
    }
    if n == 0 {
        return Ok(());
    }
    let needed = (n - 1)
        .checked_mul(stride)
        .and_then(|x| x.checked_add(used))
        .ok_or_else(|| Error::new(sys::TRM_E_OVERFLOW, format!("{what}: {n} rows of {stride} overflow")))?;
    if len < needed {
        return Err(Error::new(
            sys::TRM_E_INVALID,
            format!("{what}: {n} rows of stride {stride} need {needed} scores, got {len}"),
        ));
    }
    Ok(())
}

/// Checked product of sizes.
fn product(what: &str, factors: &[usize]) -> Result<usize> {
    factors.iter().try_fold(1usize, |acc, &x| {
        acc.checked_mul(x)
            .ok_or_else(|| Error::new(sys::TRM_E_OVERFLOW, format!("{what}: size overflows")))
    })
}

/// Per-class metrics (`TRM_PRECISION` .. `TRM_SUPPORT`), for confusion matrices and
/// multilabel accumulators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// tp / (tp + fp).
    Precision,
    /// tp / (tp + fn).
    Recall,
    /// 2tp / (2tp + fp + fn).
    F1,
    /// tn / (tn + fp).
    Specificity,
    /// Negative predictive value, tn / (tn + fn).
    Npv,
    /// False positive rate, fp / (fp + tn).
    Fpr,
    /// False negative rate, fn / (fn + tp).
    Fnr,
    /// tp / (tp + fp + fn).
    Jaccard,
    /// The number (or weight) of true samples of the class.
    Support,
}

impl Metric {
    fn raw(self) -> c_int {
        match self {
            Metric::Precision => sys::TRM_PRECISION,
            Metric::Recall => sys::TRM_RECALL,
            Metric::F1 => sys::TRM_F1,
            Metric::Specificity => sys::TRM_SPECIFICITY,
            Metric::Npv => sys::TRM_NPV,
            Metric::Fpr => sys::TRM_FPR,
            Metric::Fnr => sys::TRM_FNR,
            Metric::Jaccard => sys::TRM_JACCARD,
            Metric::Support => sys::TRM_SUPPORT,
        }
    }
}

/// How per-class values are combined (`TRM_AVERAGE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Average {
    /// Mean over all classes (scikit-learn with `labels=range(K)`).
    Macro,
    /// The metric of the pooled counts.
    Micro,
    /// Mean weighted by support.
    Weighted,
    /// Mean over the classes with tp + fp + fn > 0 (scikit-learn's default label set).
    MacroPresent,
    /// Mean over samples; multilabel only.
    Samples,
}

impl Average {
    fn raw(self) -> c_int {
        match self {
            Average::Macro => sys::TRM_AVERAGE_MACRO,
            Average::Micro => sys::TRM_AVERAGE_MICRO,
            Average::Weighted => sys::TRM_AVERAGE_WEIGHTED,
            Average::MacroPresent => sys::TRM_AVERAGE_MACRO_PRESENT,
            Average::Samples => sys::TRM_AVERAGE_SAMPLES,
        }
    }
}

/// The value an undefined metric takes (scikit-learn `zero_division`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZeroDivision {
    /// 0.0.
    Zero,
    /// 1.0.
    One,
    /// NaN, left out of averages together with its weight.
    Nan,
}

impl ZeroDivision {
    fn raw(self) -> c_int {
        match self {
            ZeroDivision::Zero => sys::TRM_ZERO_DIVISION_ZERO,
            ZeroDivision::One => sys::TRM_ZERO_DIVISION_ONE,
            ZeroDivision::Nan => sys::TRM_ZERO_DIVISION_NAN,
        }
    }
}

/// Disagreement weights of Cohen's kappa.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kappa {
    /// Unweighted.
    None,
    /// |i - j|.
    Linear,
    /// (i - j)².
    Quadratic,
}

impl Kappa {
    fn raw(self) -> c_int {
        match self {
            Kappa::None => sys::TRM_KAPPA_NONE,
            Kappa::Linear => sys::TRM_KAPPA_LINEAR,
            Kappa::Quadratic => sys::TRM_KAPPA_QUADRATIC,
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// Score element types the library accepts: `f32` and `f64`.
///
/// Sealed: its methods pick the C function of the element type.
pub trait Score: Copy + sealed::Sealed {
    #[doc(hidden)]
    unsafe fn confusion_argmax(cm: *mut sys::trm_confusion, y: *const i32, s: *const Self, n: usize, stride: usize)
        -> c_int;
    #[doc(hidden)]
    unsafe fn confusion_threshold(cm: *mut sys::trm_confusion, y: *const i32, s: *const Self, n: usize, t: Self)
        -> c_int;
    #[doc(hidden)]
    unsafe fn topk_update(t: *mut sys::trm_topk, y: *const i32, s: *const Self, n: usize, stride: usize) -> c_int;
    #[doc(hidden)]
    unsafe fn multilabel_threshold(m: *mut sys::trm_multilabel, y: *const u8, s: *const Self, n: usize, t: Self)
        -> c_int;
    #[doc(hidden)]
    unsafe fn regression_update(r: *mut sys::trm_regression, y: *const Self, p: *const Self, n: usize) -> c_int;
}

macro_rules! score {
    ($t:ty, $argmax:ident, $threshold:ident, $topk:ident, $ml:ident, $reg:ident) => {
        impl sealed::Sealed for $t {}
        impl Score for $t {
            unsafe fn confusion_argmax(
                cm: *mut sys::trm_confusion,
                y: *const i32,
                s: *const Self,
                n: usize,
                stride: usize,
            ) -> c_int {
                sys::$argmax(cm, y, s, n, stride)
            }
            unsafe fn confusion_threshold(
                cm: *mut sys::trm_confusion,
                y: *const i32,
                s: *const Self,
                n: usize,
                t: Self,
            ) -> c_int {
                sys::$threshold(cm, y, s, n, t)
            }
            unsafe fn topk_update(t: *mut sys::trm_topk, y: *const i32, s: *const Self, n: usize, stride: usize) -> c_int {
                sys::$topk(t, y, s, n, stride)
            }
            unsafe fn multilabel_threshold(
                m: *mut sys::trm_multilabel,
                y: *const u8,
                s: *const Self,
                n: usize,
                t: Self,
            ) -> c_int {
                sys::$ml(m, y, s, n, t)
            }
            unsafe fn regression_update(r: *mut sys::trm_regression, y: *const Self, p: *const Self, n: usize) -> c_int {
                sys::$reg(r, y, p, n)
            }
        }
    };
}

score!(
    f32,
    trm_confusion_update_argmax_f32,
    trm_confusion_update_threshold_f32,
    trm_topk_update_f32,
    trm_multilabel_update_threshold_f32,
    trm_regression_update_f32
);
score!(
    f64,
    trm_confusion_update_argmax_f64,
    trm_confusion_update_threshold_f64,
    trm_topk_update_f64,
    trm_multilabel_update_threshold_f64,
    trm_regression_update_f64
);

/// What every accumulator handle shares: ownership of the C pointer, `Drop`,
/// `Clone` through `*_clone`, `reset`, serialization, and `Send` + `Sync`.
macro_rules! handle {
    ($name:ident, $raw:ident, $free:ident, $clone:ident, $reset:ident, $ser:ident, $de:ident, $what:expr) => {
        impl $name {
            /// Takes ownership of a handle the library just created.
            fn from_raw(raw: *mut sys::$raw) -> Self {
                $name { raw: std::ptr::NonNull::new(raw).expect("the library returned TRM_OK and no handle") }
            }

            /// Wraps a constructor that writes its handle through an out-pointer.
            fn create(f: impl FnOnce(*mut *mut sys::$raw) -> std::os::raw::c_int) -> crate::Result<Self> {
                let mut raw = std::ptr::null_mut();
                crate::call(|| f(&mut raw))?;
                Ok(Self::from_raw(raw))
            }

            /// The C handle, for calls through [`sys`](crate::sys); it stays owned by `self`.
            pub fn as_ptr(&self) -> *const sys::$raw {
                self.raw.as_ptr()
            }

            #[doc = concat!("A deep copy of the ", $what, ", independent of `self`; `Err` only when memory runs out.")]
            pub fn try_clone(&self) -> crate::Result<Self> {
                // SAFETY: self.raw is a live handle; the copy is owned by the result.
                Self::create(|out| unsafe { sys::$clone(out, self.raw.as_ptr()) })
            }

            #[doc = concat!("Forgets everything accumulated; the options of the ", $what, " are kept.")]
            pub fn reset(&mut self) {
                // SAFETY: a live handle, borrowed mutably.
                unsafe { sys::$reset(self.raw.as_ptr()) }
            }

            #[doc = concat!("The ", $what, " as a versioned, little-endian, CRC-32C-checked blob, ")]
            #[doc = "readable by [`deserialize`](Self::deserialize) on any machine."]
            pub fn serialize(&self) -> crate::Result<Vec<u8>> {
                // SAFETY: a live handle; the buffer and size pointers come from serialize_with.
                crate::serialize_with(|buf, cap, size| unsafe { sys::$ser(self.raw.as_ptr(), buf, cap, size) })
            }

            #[doc = concat!("Rebuilds a ", $what, " from a blob of [`serialize`](Self::serialize). ")]
            #[doc = "Every field is validated: a damaged blob gives `ErrorKind::Corrupt`, another "]
            #[doc = "format version `ErrorKind::Version`, a blob of another handle type `ErrorKind::Mismatch`."]
            pub fn deserialize(blob: &[u8]) -> crate::Result<Self> {
                // SAFETY: the pointer and length describe the slice; NULL allocator = malloc.
                Self::create(|out| unsafe { sys::$de(out, blob.as_ptr(), blob.len(), std::ptr::null()) })
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                // SAFETY: the handle is owned by self and never used again.
                unsafe { sys::$free(self.raw.as_ptr()) }
            }
        }

        impl Clone for $name {
            /// Deep copy through the C clone function; panics only when memory runs out.
            fn clone(&self) -> Self {
                self.try_clone().unwrap_or_else(|e| crate::clone_failed(e))
            }
        }

        // SAFETY: the library keeps no thread affinity: a handle may be used from
        // any thread, one at a time (&mut self), and its const queries (&self)
        // from many threads at once (DESIGN.md, "Conventions").
        unsafe impl Send for $name {}
        unsafe impl Sync for $name {}
    };
}
pub(crate) use handle;

/// `merge` for the handles that have one.
macro_rules! merge {
    ($name:ident, $merge:ident, $what:expr, $shape:expr) => {
        impl $name {
            #[doc = concat!("Adds everything `other` accumulated to this ", $what, " (the reduce step of a ")]
            #[doc = concat!("distributed run); `ErrorKind::Mismatch` when ", $shape, " differ.")]
            pub fn merge(&mut self, other: &$name) -> crate::Result<()> {
                // SAFETY: two live handles; they cannot alias (&mut and &).
                crate::call(|| unsafe { sys::$merge(self.raw.as_ptr(), other.raw.as_ptr()) })
            }
        }
    };
}
pub(crate) use merge;
