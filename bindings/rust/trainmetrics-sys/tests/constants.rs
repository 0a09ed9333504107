//! The constants have the types of the parameters they are passed as, and the
//! values API.md fixes forever.

use std::os::raw::c_int;
use trainmetrics_sys as sys;

// Each array only compiles if every element is exactly c_int / u32 / i64.
const STATUS: [c_int; 12] = [
    sys::TRM_OK,
    sys::TRM_E_INVALID,
    sys::TRM_E_NOMEM,
    sys::TRM_E_LABEL,
    sys::TRM_E_NONFINITE,
    sys::TRM_E_MISMATCH,
    sys::TRM_E_OVERFLOW,
    sys::TRM_E_BUFFER,
    sys::TRM_E_CORRUPT,
    sys::TRM_E_VERSION,
    sys::TRM_E_EMPTY,
    sys::TRM_E_INTERNAL,
];
const METRICS: [c_int; 9] = [
    sys::TRM_PRECISION,
    sys::TRM_RECALL,
    sys::TRM_F1,
    sys::TRM_SPECIFICITY,
    sys::TRM_NPV,
    sys::TRM_FPR,
    sys::TRM_FNR,
    sys::TRM_JACCARD,
    sys::TRM_SUPPORT,
];
const AVERAGES: [c_int; 5] = [
    sys::TRM_AVERAGE_MACRO,
    sys::TRM_AVERAGE_MICRO,
    sys::TRM_AVERAGE_WEIGHTED,
    sys::TRM_AVERAGE_MACRO_PRESENT,
    sys::TRM_AVERAGE_SAMPLES,
];
const ZERO_DIVISION: [c_int; 3] =
    [sys::TRM_ZERO_DIVISION_ZERO, sys::TRM_ZERO_DIVISION_ONE, sys::TRM_ZERO_DIVISION_NAN];
const KAPPA: [c_int; 3] = [sys::TRM_KAPPA_NONE, sys::TRM_KAPPA_LINEAR, sys::TRM_KAPPA_QUADRATIC];
const NORMALIZE: [c_int; 4] =
    [sys::TRM_NORMALIZE_NONE, sys::TRM_NORMALIZE_TRUE, sys::TRM_NORMALIZE_PRED, sys::TRM_NORMALIZE_ALL];
const REGRESSION: [c_int; 8] = [
    sys::TRM_MAE,
    sys::TRM_MSE,
    sys::TRM_RMSE,
    sys::TRM_R2,
    sys::TRM_MAX_ERROR,
    sys::TRM_RMSE_POOLED,
    sys::TRM_RMSE_PER_SAMPLE,
    sys::TRM_SAD,
];
const MODES: [c_int; 2] = [sys::TRM_MODE_MIN, sys::TRM_MODE_MAX];
const PRESETS: [c_int; 6] = [
    sys::TRM_PRESET_DEFAULT,
    sys::TRM_PRESET_KERAS,
    sys::TRM_PRESET_LIGHTNING,
    sys::TRM_PRESET_PRECHELT_GL,
    sys::TRM_PRESET_PRECHELT_PQ,
    sys::TRM_PRESET_PRECHELT_UP,
];
const VERDICTS: [c_int; 5] = [
    sys::TRM_FIT_WARMUP,
    sys::TRM_FIT_IMPROVING,
    sys::TRM_FIT_PLATEAU,
    sys::TRM_FIT_OVERFITTING,
    sys::TRM_FIT_DIVERGED,
];
const STATS: [c_int; 8] = [
    sys::TRM_STAT_GL,
    sys::TRM_STAT_PROGRESS,
    sys::TRM_STAT_PQ,
    sys::TRM_STAT_GAP,
    sys::TRM_STAT_VAL_SLOPE,
    sys::TRM_STAT_GAP_SLOPE,
    sys::TRM_STAT_TREND_Z,
    sys::TRM_STAT_TREND_P,
];
const CAM_METHODS: [c_int; 8] = [
    sys::TRM_CAM_GRADCAM,
    sys::TRM_CAM_GRADCAM_PLUS_PLUS,
    sys::TRM_CAM_XGRADCAM,
    sys::TRM_CAM_HIRESCAM,
    sys::TRM_CAM_GRADCAM_ELEMENTWISE,
    sys::TRM_CAM_LAYERCAM,
    sys::TRM_CAM_EIGENCAM,
    sys::TRM_CAM_EIGENGRADCAM,
];
const LAYOUTS: [c_int; 2] = [sys::TRM_LAYOUT_CHANNELS_FIRST, sys::TRM_LAYOUT_CHANNELS_LAST];
const CAM_NORMALIZE: [c_int; 2] = [sys::TRM_CAM_NORMALIZE_NONE, sys::TRM_CAM_NORMALIZE_MINMAX];
const COLORMAPS: [c_int; 4] =
    [sys::TRM_COLORMAP_JET, sys::TRM_COLORMAP_VIRIDIS, sys::TRM_COLORMAP_INFERNO, sys::TRM_COLORMAP_GRAY];
const CRITERIA: [u32; 8] = [
    sys::TRM_CRIT_PATIENCE,
    sys::TRM_CRIT_GL,
    sys::TRM_CRIT_PQ,
    sys::TRM_CRIT_UP,
    sys::TRM_CRIT_THRESHOLD,
    sys::TRM_CRIT_DIVERGENCE,
    sys::TRM_CRIT_NONFINITE,
    sys::TRM_CRIT_TREND,
];
const WEIGHTED: u32 = sys::TRM_CONFUSION_WEIGHTED;
const NO_IGNORE: i64 = sys::TRM_NO_IGNORE;

fn dense(values: &[c_int]) -> bool {
    values.iter().enumerate().all(|(i, &v)| v == i as c_int)
}

#[test]
fn enum_values_are_those_of_the_api() {
    assert_eq!(STATUS, [0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11]);
    for values in [
        &METRICS[..],
        &AVERAGES,
        &ZERO_DIVISION,
        &KAPPA,
        &NORMALIZE,
        &REGRESSION,
        &MODES,
        &PRESETS,
        &VERDICTS,
        &STATS,
        &CAM_METHODS,
        &LAYOUTS,
        &CAM_NORMALIZE,
        &COLORMAPS,
    ] {
        assert!(dense(values), "{values:?} is not 0, 1, 2, ...");
    }
}

#[test]
fn flags_and_ignore_label() {
    assert_eq!(CRITERIA, [1, 2, 4, 8, 16, 32, 64, 128]);
    assert_eq!(WEIGHTED, 1);
    assert_eq!(NO_IGNORE, i64::MIN);
}

#[test]
fn constants_pass_to_the_functions_unconverted() {
    // Typed calls: these compile only because the types agree with the prototypes.
    unsafe {
        assert_eq!(std::ffi::CStr::from_ptr(sys::trm_strerror(sys::TRM_E_LABEL)).to_bytes().is_empty(), false);
        let mut cm = std::ptr::null_mut();
        assert_eq!(sys::trm_confusion_new(&mut cm, 2, sys::TRM_CONFUSION_WEIGHTED, std::ptr::null()), sys::TRM_OK);
        assert_eq!(sys::trm_confusion_set_ignore_label(cm, sys::TRM_NO_IGNORE), sys::TRM_OK);
        assert_eq!(sys::trm_confusion_ignore_label(cm), i64::MIN);
        let mut out = [0.0f64; 2];
        assert_eq!(
            sys::trm_metric_per_class(cm, sys::TRM_PRECISION, sys::TRM_ZERO_DIVISION_ONE, out.as_mut_ptr()),
            sys::TRM_OK
        );
        assert_eq!(out, [1.0, 1.0]);
        sys::trm_confusion_free(cm);
    }
}

#[test]
fn header_and_library_versions_agree() {
    let number = unsafe { sys::trm_version_number() };
    assert_eq!(number, sys::TRM_VERSION_NUMBER);
    assert_eq!(
        sys::TRM_VERSION_NUMBER,
        sys::TRM_VERSION_MAJOR * 10000 + sys::TRM_VERSION_MINOR * 100 + sys::TRM_VERSION_PATCH
    );
    let text = unsafe { std::ffi::CStr::from_ptr(sys::trm_version_string()) };
    assert_eq!(text.to_bytes_with_nul(), sys::TRM_VERSION_STRING);
}
