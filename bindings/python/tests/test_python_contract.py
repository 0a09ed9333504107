# SPDX-License-Identifier: MIT
"""The Python face of the library's contract.

* integer options are checked against the C type they are passed as (one shared
  helper, trainmetrics._args.c_integer): negative or too large values raise
  ValueError naming the Python parameter instead of wrapping modulo 2**32 / 2**64;
* CAM refuses 3-D input whose reading contradicts output_shape (a single
  (C, H, W) map without its batch axis) instead of guessing;
* an empty ConfusionMatrix answers by one documented rule, checked against
  scikit-learn 1.2 (and the >= 1.4 rule for zero_division=np.nan);
* error messages use Python names, never TRM_* constants.
"""
import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

import trainmetrics as tm
from trainmetrics import ConfusionMatrix, OverfitDetector

# ---- 1. integer options ----------------------------------------------------------------------

BAD_INTEGERS = [
    ("patience", lambda: OverfitDetector(patience=-1)),
    ("patience", lambda: OverfitDetector(patience=2 ** 32 + 1)),   # would wrap to 1
    ("patience", lambda: OverfitDetector(patience=2 ** 32)),       # would wrap to 0
    ("patience", lambda: OverfitDetector(patience=True)),
    ("patience", lambda: OverfitDetector(patience=2.5)),
    ("warmup", lambda: OverfitDetector(warmup=-1)),
    ("warmup", lambda: OverfitDetector(warmup=2 ** 32 + 3)),
    ("pq[1]", lambda: OverfitDetector(pq=(0.5, -1))),
    ("pq[1]", lambda: OverfitDetector(pq=(0.5, 2 ** 32 + 5))),
    ("pq=", lambda: OverfitDetector(pq=0.5)),
    ("up[0]", lambda: OverfitDetector(up=(-1, 5))),
    ("up[1]", lambda: OverfitDetector(up=(2, -5))),
    ("up[0]", lambda: OverfitDetector(up=(2 ** 33, 5))),
    ("trend[0]", lambda: OverfitDetector(trend=(-8, 0.05))),
    ("trend[0]", lambda: OverfitDetector(trend=(2 ** 32 + 8, 0.05))),
    ("n_classes", lambda: ConfusionMatrix(-1)),
    ("n_classes", lambda: ConfusionMatrix(2 ** 64 + 1)),
    ("n_classes", lambda: tm.TopK(-3)),
    ("max_k", lambda: tm.TopK(5, -1)),
    ("max_k", lambda: tm.TopK(5, 2 ** 64 + 1)),
    ("k", lambda: tm.TopK(5, 3).update([0], [[0.1, 0.2, 0.3, 0.4, 0.5]]).accuracy(-1)),
    ("k", lambda: tm.TopK(5, 3).update([0], [[0.1, 0.2, 0.3, 0.4, 0.5]]).accuracy(2 ** 64 + 1)),
    ("n_labels", lambda: tm.Multilabel(-2)),
    ("n_outputs", lambda: tm.RegressionErrors(-1)),
    ("output_shape[0]", lambda: tm.CAM(output_shape=(-1, 4))),
    ("output_shape[1]", lambda: tm.CAM(output_shape=(4, 2 ** 64 + 4))),
    ("output_shape[0]", lambda: tm.cam(np.ones((1, 2, 3, 3)), output_shape=(-3, 3))),
    ("digits", lambda: ConfusionMatrix(2).update([0], [1]).classification_report(digits=2 ** 32 + 2)),
]


@pytest.mark.parametrize("name,trigger", BAD_INTEGERS, ids=[f"{i}-{t[0]}" for i, t in enumerate(BAD_INTEGERS)])
def test_bad_integer_options_raise_value_error_naming_the_parameter(name, trigger):
    with pytest.raises(ValueError) as info:
        trigger()
    assert isinstance(info.value, tm.InvalidArgumentError)
    assert name in str(info.value), str(info.value)


def test_too_large_is_also_an_overflow_error():
    with pytest.raises(OverflowError):
        OverfitDetector(patience=2 ** 32 + 1)
    with pytest.raises(OverflowError):
        ConfusionMatrix(2 ** 64)


def test_in_range_integer_options_still_work():
    # NumPy integers are integers too; the largest uint32 reaches the library unchanged.
    d = OverfitDetector(patience=np.int64(3), warmup=np.uint8(2), pq=(0.5, np.int32(5)), up=(2, 5))
    assert d.n_epochs == 0
    OverfitDetector(patience=2 ** 32 - 1)
    assert ConfusionMatrix(np.int16(4)).n_classes == 4
    assert tm.TopK(np.uint64(5), np.int8(2)).max_k == 2
    assert tm.CAM("eigencam", output_shape=(np.int64(4), 4))(np.ones((1, 2, 2, 2))).shape == (1, 4, 4)


def test_patience_is_not_wrapped():
    # A loss that bottoms out at epoch 1 and then only rises: each extra epoch of
    # patience stops one epoch later, so patience 3 stops 2 epochs after patience 1
    # (2**32 + 1 would have wrapped to 1 and stopped as early; it raises instead).
    def stop(patience):
        d = OverfitDetector("keras", patience=patience)
        for val in [1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]:
            d.push(val, val)
        return d.stop_epoch
    assert stop(3) - stop(1) == 2


def test_every_integer_option_goes_through_the_shared_helper():
    # No module converts an option with a bare int(...) next to a library call any more.
    import inspect
    import re

    from trainmetrics import _accumulators, _cam, _confusion, _overfit
    for module in (_accumulators, _cam, _confusion, _overfit):
        source = inspect.getsource(module)
        calls = re.findall(r"call\([^)]*\bint\(", source)
        assert not calls, f"{module.__name__}: {calls}"


# ---- 2. CAM shapes ------------------------------------------------------------------------------

def test_cam_3d_against_a_2d_output_shape_asks_for_the_batch_axis():
    a = np.abs(np.random.default_rng(1).standard_normal((4, 7, 7)))  # one (C, H, W) map
    with pytest.raises(ValueError) as info:
        tm.cam(a, a, output_shape=(24, 24))
    text = str(info.value)
    assert "(N, C, H, W)" in text and "activations[None]" in text and "(4, 7, 7)" in text
    maps = tm.cam(a[None], a[None], output_shape=(24, 24))  # what was meant
    assert maps.shape == (1, 24, 24)


def test_cam_channels_last_contradiction_is_explained():
    a = np.ones((7, 7, 4), dtype=np.float32)  # one (H, W, C) map
    with pytest.raises(ValueError) as info:
        tm.CAM(layout="channels_last", output_shape=(14, 14))(a)
    assert "(N, H, W, C)" in str(info.value) and "channels_last" in str(info.value)
    assert tm.CAM("eigencam", layout="channels_last", output_shape=(14, 14))(a[None]).shape == (1, 14, 14)


def test_cam_2d_input_and_empty_axes_are_refused():
    with pytest.raises(ValueError, match=r"activations\[None\]"):
        tm.cam(np.ones((3, 5)))
    with pytest.raises(ValueError, match="empty axis"):
        tm.cam(np.ones((2, 0, 3, 3)))


def test_cam_documented_1d_batches_still_work():
    # (N, C, L) with hirescam: sum over channels of g * a, by hand.
    a = np.array([[[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]]])
    g = np.array([[[1.0, -1.0, 2.0], [2.0, 1.0, 1.0]]])
    want = np.array([[1 * 1 + 0.5 * 2, -2 + 0, 6 - 1]])
    np.testing.assert_allclose(tm.cam(a, g, "hirescam", relu=False, normalize=False), want, rtol=1e-6)
    np.testing.assert_allclose(tm.cam(a, g, "hirescam", relu=False, normalize=False, output_shape=(3,)), want,
                               rtol=1e-6)
    last = tm.CAM("hirescam", layout="channels_last", relu=False, normalize=False)(np.moveaxis(a, 1, -1),
                                                                                    np.moveaxis(g, 1, -1))
    np.testing.assert_allclose(last, want, rtol=1e-6)


# ---- 3. the empty matrix --------------------------------------------------------------------------

def sk(fn, *args, **kwargs):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def empty_matrices():
    return [ConfusionMatrix(3), ConfusionMatrix(3, weighted=True),
            ConfusionMatrix(3, weighted=True).update([0, 1], [1, 2], [0.0, 0.0])]


@pytest.mark.parametrize("which", range(3))
@pytest.mark.parametrize("metric", ["precision", "recall", "f1"])
@pytest.mark.parametrize("zero_division", [0, 1, "warn"])
def test_empty_matrix_prf_matches_scikit_learn(which, metric, zero_division):
    cm = empty_matrices()[which]
    fn = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}[metric]
    labels = [0, 1, 2]
    want = sk(fn, [], [], labels=labels, average=None, zero_division=zero_division)
    np.testing.assert_array_equal(cm.metric(metric, None, zero_division), want)
    for average in ("macro", "micro", "weighted"):
        want = sk(fn, [], [], labels=labels, average=average, zero_division=zero_division)
        assert cm.metric(metric, average, zero_division) == want, average
    assert cm.metric(metric, "macro_present", zero_division) == (1.0 if zero_division == 1 else 0.0)


@pytest.mark.parametrize("which", range(3))
def test_empty_matrix_with_nan_zero_division_is_nan(which):
    # scikit-learn >= 1.4: every class undefined, so every value and average is NaN.
    cm = empty_matrices()[which]
    for metric in ("precision", "recall", "f1", "jaccard"):
        assert np.isnan(cm.metric(metric, None, np.nan)).all()
        for average in ("macro", "micro", "weighted", "macro_present"):
            assert math.isnan(cm.metric(metric, average, np.nan)), (metric, average)
    assert math.isnan(cm.fbeta(2.0, "macro", np.nan))


@pytest.mark.parametrize("which", range(3))
def test_empty_matrix_scores_match_scikit_learn(which):
    cm = empty_matrices()[which]
    assert math.isnan(sk(skm.accuracy_score, [], [])) and math.isnan(cm.accuracy())
    assert math.isnan(sk(skm.balanced_accuracy_score, [], [])) and math.isnan(cm.balanced_accuracy())
    assert math.isnan(cm.balanced_accuracy(adjusted=True))
    for weights in (None, "linear", "quadratic"):
        assert math.isnan(sk(skm.cohen_kappa_score, [], [], weights=weights))
        assert math.isnan(cm.cohen_kappa(weights))
    assert sk(skm.matthews_corrcoef, [], []) == 0.0 and cm.matthews_corrcoef() == 0.0


def test_empty_input_of_the_sklearn_layer():
    assert math.isnan(tm.sklearn.accuracy_score([], []))
    assert math.isnan(tm.sklearn.cohen_kappa_score([], []))
    assert tm.sklearn.matthews_corrcoef([], []) == 0.0
    assert sk(tm.sklearn.f1_score, [], [], labels=[0, 1], average="macro") == 0.0


def test_a_counted_matrix_is_unaffected():
    # By hand: y_true 0 0 1 1, y_pred 0 1 1 1 -> accuracy 3/4, MCC 1/sqrt(3).
    cm = ConfusionMatrix(2).update([0, 0, 1, 1], [0, 1, 1, 1])
    assert cm.accuracy() == 0.75
    assert math.isclose(cm.matthews_corrcoef(), 1 / math.sqrt(3), rel_tol=1e-12)
    assert math.isclose(cm.cohen_kappa(), skm.cohen_kappa_score([0, 0, 1, 1], [0, 1, 1, 1]), rel_tol=1e-12)


# ---- 4. Python names in error messages ---------------------------------------------------------------

MESSAGES = [
    ("weighted=True", tm.MismatchError, lambda: ConfusionMatrix(3).update([0], [1], [1.0])),
    ("weighted=False", tm.MismatchError, lambda: ConfusionMatrix(3).merge(ConfusionMatrix(3, weighted=True))),
    ("sample_weight[1]", tm.InvalidArgumentError,
     lambda: ConfusionMatrix(3, weighted=True).update([0, 1], [1, 1], [1.0, -2.0])),
    ("'eigencam'", tm.InvalidArgumentError,
     lambda: tm.CAM("eigencam").weights(np.ones((1, 2, 3, 3)), np.ones((1, 2, 3, 3)))),
    ("pq=(alpha, strip)", tm.InvalidArgumentError, lambda: OverfitDetector(pq=(-1.0, 2))),
    ("up=(s, strip)", tm.InvalidArgumentError, lambda: OverfitDetector(up=(0, 2))),
    ("gl_alpha", tm.InvalidArgumentError, lambda: OverfitDetector(gl_alpha=-1.0)),
    ("min_delta =", tm.InvalidArgumentError, lambda: OverfitDetector(patience=3, min_delta=-1.0)),
    ("trend=(window, alpha)", tm.InvalidArgumentError, lambda: OverfitDetector(trend=(1, 0.5))),
    ("average='samples'", tm.InvalidArgumentError,
     lambda: tm.Multilabel(2).update([[0, 1]], [[0, 1]]).metric("fpr", "samples")),
]


@pytest.mark.parametrize("name,cls,trigger", MESSAGES, ids=[m[0] for m in MESSAGES])
def test_error_messages_use_python_names(name, cls, trigger):
    with pytest.raises(cls) as info:
        trigger()
    text = str(info.value)
    assert name in text, text
    assert "TRM_" not in text and "GRADCAM" not in text and "SAMPLES" not in text, text
    assert text.startswith("trm_")  # which C call failed is still said
