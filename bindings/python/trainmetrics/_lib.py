# SPDX-License-Identifier: MIT
"""Loads libtrainmetrics and declares the C functions the package calls.

Lookup order: the TRAINMETRICS_LIBRARY environment variable; the Meson build
directories of the checkout, but only when this package demonstrably sits in
the trainmetrics source tree (bindings/python/trainmetrics of a directory that
holds the project's meson.build and lib/trainmetrics.map); then the system
soname. A library that lacks a function this package calls is refused with an
ImportError naming the version found and the one needed, before anything is
bound.
"""
import ctypes as C
import glob
import os
import re

from ._errors import ERRORS, TrainmetricsError

# The one version literal of the Python package: pyproject.toml reads it
# (setuptools' attr:), and tests/test_version.py checks that it is the
# project version of the checkout's meson.build.
__version__ = "0.3.0"

SONAME = "libtrainmetrics.so.0"
# The C library must have this package's major version and at least its minor.
EXPECTED_VERSION = tuple(int(part) for part in __version__.split(".")[:2])
NEEDED = f"{EXPECTED_VERSION[0]}.{EXPECTED_VERSION[1]} or a later {EXPECTED_VERSION[0]}.x"

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def source_tree():
    """The checkout this package sits in, or None when it is installed elsewhere.

    Only the source tree has the package at bindings/python/trainmetrics under a
    directory with the project's meson.build and version script; an installed
    copy (site-packages, dist-packages, a virtual environment, even one inside
    the checkout) does not.
    """
    python_dir = os.path.dirname(_PACKAGE_DIR)
    bindings_dir = os.path.dirname(python_dir)
    root = os.path.dirname(bindings_dir)
    if (os.path.basename(python_dir), os.path.basename(bindings_dir)) != ("python", "bindings"):
        return None
    try:
        with open(os.path.join(root, "meson.build"), encoding="utf-8") as f:
            is_project = re.match(r"\s*project\(\s*'trainmetrics'", f.read(4096)) is not None
    except OSError:
        return None
    if not is_project or not os.path.isfile(os.path.join(root, "lib", "trainmetrics.map")):
        return None
    return root


# Builds that a stock interpreter cannot load (they need a sanitizer runtime
# preloaded): build-sanitize in CI, build-asan or build-tsan by hand.
_UNLOADABLE = re.compile(r"sanitize|asan|tsan|msan")


def _candidates():
    """(path, origin) pairs to try, in order."""
    explicit = os.environ.get("TRAINMETRICS_LIBRARY")
    if explicit:
        return [(explicit, "TRAINMETRICS_LIBRARY")]
    found = []
    root = source_tree()
    if root is not None:
        built = sorted(glob.glob(os.path.join(root, "build*", "lib", SONAME)))
        built = [p for p in built if not _UNLOADABLE.search(os.path.basename(os.path.dirname(os.path.dirname(p))))]
        # The README's build directory first, then the others by name.
        default = os.path.join(root, "build", "lib", SONAME)
        built.sort(key=lambda p: p != default)
        found += [(p, "the build of checkout " + root) for p in built]
    return found + [(SONAME, "the system's " + SONAME)]


def _describe_version(handle):
    """The version string a loaded library reports, or why it cannot say."""
    try:
        fn = handle.trm_version_string
    except AttributeError:
        return "of unknown version (it has no trm_version_string)"
    fn.restype = C.c_char_p
    fn.argtypes = []
    value = fn()
    return "version " + (value.decode(errors="replace") if value else "?")


def _load():
    """The first candidate that loads and has every function in _PROTOTYPES."""
    errors = []
    for path, origin in _candidates():
        try:
            handle = C.CDLL(path)
        except OSError as e:
            errors.append(f"{path} ({origin}): {e}")
            continue
        missing = [name for name in _PROTOTYPES if not hasattr(handle, name)]
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise ImportError(f"trainmetrics: the C library at {path} ({origin}) is {_describe_version(handle)} "
                              f"and lacks {shown}; this package needs {NEEDED}")
        return handle, path
    raise ImportError("trainmetrics: cannot load the C library; set TRAINMETRICS_LIBRARY to the path of "
                      f"{SONAME}, or build it with `meson setup build && meson compile -C build`.\n  "
                      + "\n  ".join(errors))


H = C.c_void_p
P = C.POINTER
D = C.c_double
I32, I64, U8, U16, U32, U64, SZ = C.c_int32, C.c_int64, C.c_uint8, C.c_uint16, C.c_uint32, C.c_uint64, C.c_size_t
VP = C.c_void_p  # array arguments are passed as raw addresses

_PROTOTYPES = {
    "trm_version_number": (C.c_uint, []),
    "trm_version_string": (C.c_char_p, []),
    "trm_strerror": (C.c_char_p, [C.c_int]),
    "trm_last_error": (C.c_char_p, []),
    "trm_clear_last_error": (None, []),
    "trm_confusion_new": (C.c_int, [P(H), SZ, U32, VP]),
    "trm_confusion_free": (None, [H]),
    "trm_confusion_clone": (C.c_int, [P(H), H]),
    "trm_confusion_reset": (None, [H]),
    "trm_confusion_merge": (C.c_int, [H, H]),
    "trm_confusion_serialize": (C.c_int, [H, VP, SZ, P(SZ)]),
    "trm_confusion_deserialize": (C.c_int, [P(H), C.c_char_p, SZ, VP]),
    "trm_confusion_n_classes": (SZ, [H]),
    "trm_confusion_flags": (U32, [H]),
    "trm_confusion_set_ignore_label": (C.c_int, [H, I64]),
    "trm_confusion_ignore_label": (I64, [H]),
    "trm_confusion_update_u8": (C.c_int, [H, VP, VP, SZ]),
    "trm_confusion_update_u16": (C.c_int, [H, VP, VP, SZ]),
    "trm_confusion_update_i32": (C.c_int, [H, VP, VP, SZ]),
    "trm_confusion_update_i64": (C.c_int, [H, VP, VP, SZ]),
    "trm_confusion_update_weighted_i32": (C.c_int, [H, VP, VP, VP, SZ]),
    "trm_confusion_update_weighted_i64": (C.c_int, [H, VP, VP, VP, SZ]),
    "trm_confusion_update_argmax_f32": (C.c_int, [H, VP, VP, SZ, SZ]),
    "trm_confusion_update_argmax_f64": (C.c_int, [H, VP, VP, SZ, SZ]),
    "trm_confusion_update_threshold_f32": (C.c_int, [H, VP, VP, SZ, C.c_float]),
    "trm_confusion_update_threshold_f64": (C.c_int, [H, VP, VP, SZ, D]),
    "trm_confusion_counts": (C.c_int, [H, VP]),
    "trm_confusion_matrix": (C.c_int, [H, C.c_int, VP]),
    "trm_confusion_total": (C.c_int, [H, P(D)]),
    "trm_confusion_add_counts": (C.c_int, [H, VP]),
    "trm_confusion_add_weights": (C.c_int, [H, VP]),
    "trm_metric_per_class": (C.c_int, [H, C.c_int, C.c_int, VP]),
    "trm_metric_average": (C.c_int, [H, C.c_int, C.c_int, C.c_int, P(D)]),
    "trm_metric_undefined": (C.c_int, [H, C.c_int, VP]),
    "trm_fbeta_per_class": (C.c_int, [H, D, C.c_int, VP]),
    "trm_fbeta_average": (C.c_int, [H, D, C.c_int, C.c_int, P(D)]),
    "trm_accuracy": (C.c_int, [H, P(D)]),
    "trm_balanced_accuracy": (C.c_int, [H, C.c_int, P(D)]),
    "trm_cohen_kappa": (C.c_int, [H, C.c_int, P(D)]),
    "trm_matthews_corrcoef": (C.c_int, [H, P(D)]),
    "trm_classification_report": (C.c_int, [H, P(C.c_char_p), C.c_int, VP, SZ, P(SZ)]),
    "trm_cam_new": (C.c_int, [P(H), C.c_int, VP]),
    "trm_cam_free": (None, [H]),
    "trm_cam_set_layout": (C.c_int, [H, C.c_int]),
    "trm_cam_set_relu": (C.c_int, [H, C.c_int]),
    "trm_cam_set_normalize": (C.c_int, [H, C.c_int]),
    "trm_cam_set_output_shape": (C.c_int, [H, SZ, P(SZ)]),
    "trm_cam_output_size": (C.c_int, [H, SZ, P(SZ), P(SZ)]),
    "trm_cam_compute_f32": (C.c_int, [H, VP, VP, SZ, SZ, SZ, P(SZ), VP]),
    "trm_cam_weights_f32": (C.c_int, [H, VP, VP, SZ, SZ, SZ, P(SZ), VP]),
    "trm_colormap_apply": (C.c_int, [VP, SZ, C.c_int, VP]),
    "trm_cam_overlay_rgb8": (C.c_int, [VP, VP, SZ, C.c_int, C.c_float, VP]),
    "trm_overfit_new": (C.c_int, [P(H), VP]),
    "trm_overfit_free": (None, [H]),
    "trm_overfit_clone": (C.c_int, [P(H), H]),
    "trm_overfit_reset": (None, [H]),
    "trm_overfit_serialize": (C.c_int, [H, VP, SZ, P(SZ)]),
    "trm_overfit_deserialize": (C.c_int, [P(H), C.c_char_p, SZ, VP]),
    "trm_overfit_preset": (C.c_int, [H, C.c_int]),
    "trm_overfit_set_mode": (C.c_int, [H, C.c_int]),
    "trm_overfit_set_criteria": (C.c_int, [H, U32]),
    "trm_overfit_set_patience": (C.c_int, [H, U32, D, D]),
    "trm_overfit_set_gl": (C.c_int, [H, D]),
    "trm_overfit_set_pq": (C.c_int, [H, D, U32]),
    "trm_overfit_set_up": (C.c_int, [H, U32, U32]),
    "trm_overfit_set_thresholds": (C.c_int, [H, D, D]),
    "trm_overfit_set_trend": (C.c_int, [H, U32, D]),
    "trm_overfit_set_warmup": (C.c_int, [H, U32]),
    "trm_overfit_push": (C.c_int, [H, D, D]),
    "trm_overfit_push_many": (C.c_int, [H, VP, VP, SZ]),
    "trm_overfit_verdict": (C.c_int, [H]),
    "trm_overfit_should_stop": (C.c_int, [H]),
    "trm_overfit_n_epochs": (SZ, [H]),
    "trm_overfit_best_epoch": (I64, [H]),
    "trm_overfit_best_value": (D, [H]),
    "trm_overfit_onset_epoch": (I64, [H]),
    "trm_overfit_stop_epoch": (I64, [H]),
    "trm_overfit_fired": (U32, [H]),
    "trm_overfit_first_fire": (I64, [H, U32]),
    "trm_overfit_statistic": (C.c_int, [H, C.c_int, P(D)]),
    "trm_overfit_history": (C.c_int, [H, VP, VP]),
    "trm_overfit_explain": (C.c_int, [H, VP, SZ, P(SZ)]),
}

# The top-k, multilabel and regression accumulators share the handle verbs.
for _kind in ("topk", "multilabel", "regression"):
    _PROTOTYPES.update({
        f"trm_{_kind}_free": (None, [H]),
        f"trm_{_kind}_clone": (C.c_int, [P(H), H]),
        f"trm_{_kind}_reset": (None, [H]),
        f"trm_{_kind}_merge": (C.c_int, [H, H]),
        f"trm_{_kind}_serialize": (C.c_int, [H, VP, SZ, P(SZ)]),
        f"trm_{_kind}_deserialize": (C.c_int, [P(H), C.c_char_p, SZ, VP]),
        f"trm_{_kind}_n_samples": (U64, [H]),
    })
_PROTOTYPES.update({
    "trm_topk_new": (C.c_int, [P(H), SZ, SZ, VP]),
    "trm_topk_n_classes": (SZ, [H]),
    "trm_topk_max_k": (SZ, [H]),
    "trm_topk_update_f32": (C.c_int, [H, VP, VP, SZ, SZ]),
    "trm_topk_update_f64": (C.c_int, [H, VP, VP, SZ, SZ]),
    "trm_topk_accuracy": (C.c_int, [H, SZ, P(D)]),
    "trm_multilabel_new": (C.c_int, [P(H), SZ, VP]),
    "trm_multilabel_n_labels": (SZ, [H]),
    "trm_multilabel_update_u8": (C.c_int, [H, VP, VP, SZ]),
    "trm_multilabel_update_threshold_f32": (C.c_int, [H, VP, VP, SZ, C.c_float]),
    "trm_multilabel_update_threshold_f64": (C.c_int, [H, VP, VP, SZ, D]),
    "trm_multilabel_counts": (C.c_int, [H, VP]),
    "trm_multilabel_metric_per_label": (C.c_int, [H, C.c_int, C.c_int, VP]),
    "trm_multilabel_metric_average": (C.c_int, [H, C.c_int, C.c_int, C.c_int, P(D)]),
    "trm_multilabel_subset_accuracy": (C.c_int, [H, P(D)]),
    "trm_multilabel_hamming_loss": (C.c_int, [H, P(D)]),
    "trm_regression_new": (C.c_int, [P(H), SZ, VP]),
    "trm_regression_n_outputs": (SZ, [H]),
    "trm_regression_update_f32": (C.c_int, [H, VP, VP, SZ]),
    "trm_regression_update_f64": (C.c_int, [H, VP, VP, SZ]),
    "trm_regression_per_output": (C.c_int, [H, C.c_int, VP]),
    "trm_regression_average": (C.c_int, [H, C.c_int, P(D)]),
})

# The streaming loss accumulator (issue 15, losses).
_PROTOTYPES.update({
    "trm_loss_new": (C.c_int, [P(H), C.c_int, SZ, VP]),
    "trm_loss_free": (None, [H]),
    "trm_loss_clone": (C.c_int, [P(H), H]),
    "trm_loss_reset": (None, [H]),
    "trm_loss_merge": (C.c_int, [H, H]),
    "trm_loss_serialize": (C.c_int, [H, VP, SZ, P(SZ)]),
    "trm_loss_deserialize": (C.c_int, [P(H), C.c_char_p, SZ, VP]),
    "trm_loss_kind": (C.c_int, [H]),
    "trm_loss_n_classes": (SZ, [H]),
    "trm_loss_n_samples": (U64, [H]),
    "trm_loss_set_ignore_label": (C.c_int, [H, I64]),
    "trm_loss_ignore_label": (I64, [H]),
    "trm_loss_update_logits_f32": (C.c_int, [H, VP, VP, SZ, SZ, VP]),
    "trm_loss_update_logits_f64": (C.c_int, [H, VP, VP, SZ, SZ, VP]),
    "trm_loss_update_probs_f32": (C.c_int, [H, VP, VP, SZ, SZ, VP]),
    "trm_loss_update_probs_f64": (C.c_int, [H, VP, VP, SZ, SZ, VP]),
    "trm_loss_update_probs_binary_f32": (C.c_int, [H, VP, VP, SZ, VP]),
    "trm_loss_update_probs_binary_f64": (C.c_int, [H, VP, VP, SZ, VP]),
    "trm_loss_update_binary_logits_f32": (C.c_int, [H, VP, VP, SZ, VP]),
    "trm_loss_update_binary_logits_f64": (C.c_int, [H, VP, VP, SZ, VP]),
    "trm_loss_value": (C.c_int, [H, P(D)]),
    "trm_loss_sum": (C.c_int, [H, P(D)]),
    "trm_loss_total_weight": (C.c_int, [H, P(D)]),
})

# Per-pixel argmax of score maps, IoU, thresholds on logits (0.3).
_PROTOTYPES.update({
    **{f"trm_confusion_update_argmax_map_{_labels}{_scores}": (C.c_int, [H, VP, VP, SZ, SZ, C.c_int])
       for _labels in ("", "i64_", "u8_") for _scores in ("f32", "f64")},
    "trm_confusion_update_threshold_flags_f32": (C.c_int, [H, VP, VP, SZ, C.c_float, U32]),
    "trm_confusion_update_threshold_flags_f64": (C.c_int, [H, VP, VP, SZ, D, U32]),
    "trm_multilabel_update_threshold_flags_f32": (C.c_int, [H, VP, VP, SZ, C.c_float, U32]),
    "trm_multilabel_update_threshold_flags_f64": (C.c_int, [H, VP, VP, SZ, D, U32]),
    "trm_confusion_iou_per_class": (C.c_int, [H, C.c_int, VP]),
    "trm_confusion_mean_iou": (C.c_int, [H, P(D)]),
})

# Overfit detector, Keras semantics (0.3): start_from_epoch, baseline, the restore epoch.
_PROTOTYPES.update({
    "trm_overfit_set_start_from_epoch": (C.c_int, [H, U32]),
    "trm_overfit_set_baseline": (C.c_int, [H, D]),
    "trm_overfit_restore_epoch": (I64, [H]),
    "trm_overfit_restore_value": (D, [H]),
})

# CAM (issue 15): Score-CAM and Ablation-CAM run the model through this callback:
# int forward(void *opaque, size_t sample, const float *inputs, size_t n_inputs, float *scores).
FORWARD_FN = C.CFUNCTYPE(C.c_int, C.c_void_p, SZ, C.POINTER(C.c_float), SZ, C.POINTER(C.c_float))
_PROTOTYPES.update({
    "trm_cam_set_forward_batch": (C.c_int, [H, SZ]),
    "trm_cam_set_ablation_ratio": (C.c_int, [H, D]),
    "trm_cam_set_resize": (C.c_int, [H, C.c_int]),
    "trm_cam_compute_forward_f32": (C.c_int, [H, VP, SZ, SZ, SZ, P(SZ), VP, SZ, P(SZ), FORWARD_FN, VP, VP]),
    "trm_cam_forward_weights_f32": (C.c_int, [H, VP, SZ, SZ, SZ, P(SZ), VP, SZ, P(SZ), FORWARD_FN, VP, VP]),
})

# Ranking metrics (issue 15): trm_ranking, exact and binned ROC AUC, average precision and curves.
_PROTOTYPES.update({
    "trm_ranking_new": (C.c_int, [P(H), C.c_int, SZ, VP]),
    "trm_ranking_new_binned": (C.c_int, [P(H), C.c_int, SZ, SZ, VP, VP]),
    "trm_ranking_free": (None, [H]),
    "trm_ranking_clone": (C.c_int, [P(H), H]),
    "trm_ranking_reset": (None, [H]),
    "trm_ranking_merge": (C.c_int, [H, H]),
    "trm_ranking_serialize": (C.c_int, [H, VP, SZ, P(SZ)]),
    "trm_ranking_deserialize": (C.c_int, [P(H), C.c_char_p, SZ, VP]),
    "trm_ranking_task": (C.c_int, [H]),
    "trm_ranking_mode": (C.c_int, [H]),
    "trm_ranking_n_columns": (SZ, [H]),
    "trm_ranking_n_thresholds": (SZ, [H]),
    "trm_ranking_thresholds": (C.c_int, [H, VP]),
    "trm_ranking_n_samples": (U64, [H]),
    "trm_ranking_update_f32": (C.c_int, [H, VP, VP, SZ]),
    "trm_ranking_update_f64": (C.c_int, [H, VP, VP, SZ]),
    "trm_ranking_update_weighted_f32": (C.c_int, [H, VP, VP, VP, SZ]),
    "trm_ranking_update_weighted_f64": (C.c_int, [H, VP, VP, VP, SZ]),
    "trm_ranking_metric_per_class": (C.c_int, [H, C.c_int, VP]),
    "trm_ranking_metric_average": (C.c_int, [H, C.c_int, C.c_int, P(D)]),
    "trm_ranking_roc_curve": (C.c_int, [H, SZ, C.c_int, VP, VP, VP, SZ, P(SZ)]),
    "trm_ranking_pr_curve": (C.c_int, [H, SZ, VP, VP, VP, SZ, P(SZ)]),
})

# Calibration error (issue 15): trm_calibration_*.
_PROTOTYPES.update({
    "trm_calibration_new": (C.c_int, [P(H), SZ, SZ, VP]),
    "trm_calibration_free": (None, [H]),
    "trm_calibration_clone": (C.c_int, [P(H), H]),
    "trm_calibration_reset": (None, [H]),
    "trm_calibration_merge": (C.c_int, [H, H]),
    "trm_calibration_serialize": (C.c_int, [H, VP, SZ, P(SZ)]),
    "trm_calibration_deserialize": (C.c_int, [P(H), C.c_char_p, SZ, VP]),
    "trm_calibration_n_bins": (SZ, [H]),
    "trm_calibration_n_classes": (SZ, [H]),
    "trm_calibration_n_samples": (U64, [H]),
    "trm_calibration_set_input": (C.c_int, [H, C.c_int]),
    "trm_calibration_input": (C.c_int, [H]),
    "trm_calibration_set_ignore_label": (C.c_int, [H, I64]),
    "trm_calibration_ignore_label": (I64, [H]),
    "trm_calibration_update_binary_f32": (C.c_int, [H, VP, VP, SZ]),
    "trm_calibration_update_binary_f64": (C.c_int, [H, VP, VP, SZ]),
    "trm_calibration_update_multiclass_f32": (C.c_int, [H, VP, VP, SZ, SZ]),
    "trm_calibration_update_multiclass_f64": (C.c_int, [H, VP, VP, SZ, SZ]),
    "trm_calibration_error": (C.c_int, [H, C.c_int, P(D)]),
    "trm_calibration_bins": (C.c_int, [H, VP, VP, VP]),
})

# Issue 15, huge label spaces: the sparse confusion matrix.
_PROTOTYPES.update({
    "trm_sparse_confusion_new": (C.c_int, [P(H), SZ, U32, VP]),
    "trm_sparse_confusion_free": (None, [H]),
    "trm_sparse_confusion_clone": (C.c_int, [P(H), H]),
    "trm_sparse_confusion_reset": (None, [H]),
    "trm_sparse_confusion_merge": (C.c_int, [H, H]),
    "trm_sparse_confusion_serialize": (C.c_int, [H, VP, SZ, P(SZ)]),
    "trm_sparse_confusion_deserialize": (C.c_int, [P(H), C.c_char_p, SZ, VP]),
    "trm_sparse_confusion_n_classes": (SZ, [H]),
    "trm_sparse_confusion_flags": (U32, [H]),
    "trm_sparse_confusion_set_ignore_label": (C.c_int, [H, I64]),
    "trm_sparse_confusion_ignore_label": (I64, [H]),
    "trm_sparse_confusion_update_i32": (C.c_int, [H, VP, VP, SZ]),
    "trm_sparse_confusion_update_i64": (C.c_int, [H, VP, VP, SZ]),
    "trm_sparse_confusion_update_weighted_i32": (C.c_int, [H, VP, VP, VP, SZ]),
    "trm_sparse_confusion_update_weighted_i64": (C.c_int, [H, VP, VP, VP, SZ]),
    "trm_sparse_confusion_n_samples": (U64, [H]),
    "trm_sparse_confusion_total": (C.c_int, [H, P(D)]),
    "trm_sparse_confusion_n_cells": (SZ, [H]),
    "trm_sparse_confusion_cells": (C.c_int, [H, VP, VP, VP, SZ, P(SZ)]),
    "trm_sparse_confusion_memory_size": (SZ, [H]),
    "trm_sparse_confusion_metric_per_class": (C.c_int, [H, C.c_int, C.c_int, VP]),
    "trm_sparse_confusion_metric_average": (C.c_int, [H, C.c_int, C.c_int, C.c_int, P(D)]),
    "trm_sparse_confusion_fbeta_per_class": (C.c_int, [H, D, C.c_int, VP]),
    "trm_sparse_confusion_fbeta_average": (C.c_int, [H, D, C.c_int, C.c_int, P(D)]),
    "trm_sparse_confusion_accuracy": (C.c_int, [H, P(D)]),
    "trm_sparse_confusion_balanced_accuracy": (C.c_int, [H, C.c_int, P(D)]),
    "trm_sparse_confusion_cohen_kappa": (C.c_int, [H, C.c_int, P(D)]),
    "trm_sparse_confusion_matthews_corrcoef": (C.c_int, [H, P(D)]),
})

lib, path = _load()

for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes

version_number = lib.trm_version_number()
version = lib.trm_version_string().decode()
if (version_number // 10000, version_number // 100 % 100) < EXPECTED_VERSION or \
        version_number // 10000 != EXPECTED_VERSION[0]:
    raise ImportError(f"trainmetrics: the C library at {path} is version {version}; this package needs {NEEDED}")


# (compiled pattern, replacement) pairs that turn the C names in the library's
# messages (TRM_CONFUSION_WEIGHTED, GRADCAM, "PQ alpha", weights[i], ...) into the
# Python-facing ones (weighted=True, 'gradcam', pq=(alpha, strip), sample_weight[i]).
# Each wrapper module registers the phrases of its own C functions.
TRANSLATIONS = []


def register_translation(pattern, replacement):
    """Rewrite library messages matching ``pattern`` (re.sub semantics, applied in order)."""
    TRANSLATIONS.append((re.compile(pattern), replacement))


def python_message(detail):
    """The library's error text with C constants and C parameter names in Python terms.

    The ``trm_function:`` prefix is kept, so the message still says which C call failed.
    """
    for pattern, replacement in TRANSLATIONS:
        detail = pattern.sub(replacement, detail)
    return detail


def check(status):
    """Raises the exception of a TRM_E_* status, with the library's detail (in Python terms)."""
    if status != 0:
        detail = lib.trm_last_error().decode(errors="replace")
        cls = ERRORS.get(status, TrainmetricsError)
        raise cls(python_message(detail) if detail else lib.trm_strerror(status).decode(), status)


def call(name, *args):
    """Calls a status-returning function after clearing stale error text."""
    fn = getattr(lib, name)
    lib.trm_clear_last_error()
    check(fn(*args))
