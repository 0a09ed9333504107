# SPDX-License-Identifier: MIT
"""Per-pixel argmax of score maps, IoU / mean IoU and thresholds on logits, against
NumPy, PyTorch and scikit-learn.

- update_argmax_map: NumPy's ``argmax(axis=1)`` / ``argmax(axis=-1)`` and torch's
  ``argmax(dim=1)`` (both take the first maximum) on random maps full of ties,
  every label and score dtype, with and without ``ignore_index``.
- iou / mean_iou: scikit-learn's ``jaccard_score`` (average=None and "macro") on the
  counted pixels, and torchmetrics' macro rule (absent classes and the ignore class
  get weight 0) written out in NumPy from its source, since torchmetrics itself is
  not installed.
- update_threshold(logits=True): torch.sigmoid(x) > threshold in float32 on the floats
  right around logit(threshold), and exactly the float32 formula the library
  documents (1 / (1 + exp(-x)), each step rounded to float) computed in NumPy.
"""
import math

import numpy as np
import pytest
import torch
from sklearn.metrics import jaccard_score

import trainmetrics as tm


def _reference_counts(y, pred, k, ignore=None):
    y = y.ravel().astype(np.int64)
    pred = pred.ravel().astype(np.int64)
    keep = np.ones(y.shape, bool) if ignore is None else y != ignore
    out = np.zeros((k, k), np.uint64)
    np.add.at(out, (y[keep], pred[keep]), 1)
    return out


SHAPES = [(4, 3, 9, 11), (2, 5, 3, 4, 6), (7, 8), (1, 1, 1, 1), (3, 16, 33, 31), (2, 17, 64, 65), (2, 20, 7, 9),
          (2, 21, 7, 9), (1, 23, 9, 5)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("score_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64, np.uint8, np.int16])
def test_argmax_map_matches_numpy_and_torch(shape, score_dtype, label_dtype):
    rng = np.random.default_rng(sum(shape) * 7 + np.dtype(score_dtype).itemsize + np.dtype(label_dtype).itemsize)
    n, k, spatial = shape[0], shape[1], shape[2:]
    scores = rng.integers(-3, 4, size=shape).astype(score_dtype)  # ties everywhere
    scores[rng.random(shape) < 0.05] = -0.0
    y = rng.integers(0, k, size=(n,) + spatial).astype(label_dtype)
    expected = _reference_counts(y, scores.argmax(axis=1), k)
    torch_pred = torch.from_numpy(scores).argmax(dim=1).numpy()
    np.testing.assert_array_equal(expected, _reference_counts(y, torch_pred, k))
    cm = tm.ConfusionMatrix(k).update_argmax_map(y, scores)
    np.testing.assert_array_equal(cm.counts, expected)
    last = np.moveaxis(scores, 1, -1)  # a view: the binding copies it contiguous
    cm = tm.ConfusionMatrix(k).update_argmax_map(y, last, layout="channels_last")
    np.testing.assert_array_equal(cm.counts, _reference_counts(y, last.argmax(axis=-1), k))
    cm = tm.ConfusionMatrix(k, weighted=True).update_argmax_map(y, scores)
    np.testing.assert_array_equal(cm.counts, expected.astype(np.float64))


@pytest.mark.parametrize("ignore", [0, 2, 255, -100])
@pytest.mark.parametrize("layout", ["channels_first", "channels_last"])
def test_argmax_map_ignore_index(ignore, layout):
    rng = np.random.default_rng(abs(ignore) + len(layout))
    n, k, h, w = 3, 6, 40, 50
    first = rng.normal(size=(n, k, h, w)).astype(np.float32)
    y = rng.integers(0, k, size=(n, h, w))
    y[rng.random(y.shape) < 0.3] = ignore
    label_dtype = np.uint8 if ignore == 255 else np.int64
    y = y.astype(label_dtype)
    # NaN and Inf in ignored pixels are neither read as errors nor counted
    bad = np.broadcast_to((y == ignore)[:, None], first.shape) & (rng.random(first.shape) < 0.2)
    first[bad] = np.nan
    scores = first if layout == "channels_first" else np.ascontiguousarray(np.moveaxis(first, 1, -1))
    cm = tm.ConfusionMatrix(k, ignore_index=ignore).update_argmax_map(y, scores, layout=layout)
    keep = y != ignore
    pred = np.nan_to_num(first, nan=-np.inf).argmax(axis=1)
    expected = np.zeros((k, k), np.uint64)
    np.add.at(expected, (y[keep].astype(np.int64), pred[keep]), 1)
    np.testing.assert_array_equal(cm.counts, expected)
    assert cm.total == int(keep.sum())


@pytest.mark.parametrize("layout", ["channels_first", "channels_last"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_argmax_map_refuses_nonfinite_and_bad_labels(layout, value):
    rng = np.random.default_rng(5)
    n, k, h, w = 2, 4, 30, 70
    first = rng.normal(size=(n, k, h, w))
    y = rng.integers(0, k, size=(n, h, w)).astype(np.int32)
    cm = tm.ConfusionMatrix(k).update_argmax_map(y, first)
    before = cm.counts.copy()
    scores = first.copy()
    scores[1, 2, 17, 33] = value
    if layout == "channels_last":
        scores = np.moveaxis(scores, 1, -1)
    with pytest.raises(tm.NonFiniteError) as err:
        cm.update_argmax_map(y, scores, layout=layout)
    pixel = 17 * w + 33
    where = f"scores[1][2][{pixel}]" if layout == "channels_first" else f"scores[1][{pixel}][2]"
    assert where in str(err.value)
    np.testing.assert_array_equal(cm.counts, before)
    bad = y.copy()
    bad[1, 29, 69] = 9
    with pytest.raises(tm.LabelError, match=rf"y_true\[1\]\[{29 * w + 69}\] = 9 is outside \[0, 4\)"):
        cm.update_argmax_map(bad, first)
    np.testing.assert_array_equal(cm.counts, before)


def test_argmax_map_argument_errors():
    cm = tm.ConfusionMatrix(3)
    scores = np.zeros((2, 3, 4, 5), np.float32)
    y = np.zeros((2, 4, 5), np.int64)
    with pytest.raises(tm.InvalidArgumentError, match="layout"):
        cm.update_argmax_map(y, scores, layout="nchw")
    with pytest.raises(tm.MismatchError, match="classes"):
        cm.update_argmax_map(y, scores, layout="channels_last")
    with pytest.raises(tm.MismatchError, match="y_true has shape"):
        cm.update_argmax_map(y[:, :3], scores)
    with pytest.raises(tm.InvalidArgumentError):
        cm.update_argmax_map(y, np.zeros(3))
    with pytest.raises(TypeError):
        cm.update_argmax_map(y.astype(float), scores)
    assert cm.total == 0


# ---- IoU -------------------------------------------------------------------------

def _torchmetrics_mean_iou(confmat, ignore):
    """torchmetrics' _jaccard_index_reduce(average="macro") in NumPy, as its source reads."""
    confmat = confmat.astype(np.float64)
    num = np.diag(confmat)
    denom = confmat.sum(0) + confmat.sum(1) - num
    jaccard = np.divide(num, denom, out=np.zeros_like(num), where=denom != 0)
    weights = np.ones_like(jaccard)
    if ignore is not None and 0 <= ignore < confmat.shape[0]:
        weights[ignore] = 0.0
    weights[confmat.sum(1) + confmat.sum(0) == 0] = 0.0
    return float(((weights * jaccard) / weights.sum()).sum()) if weights.sum() else math.nan


@pytest.mark.parametrize("case", range(40))
def test_iou_against_sklearn_and_torchmetrics_rule(case):
    rng = np.random.default_rng(1000 + case)
    k = int(rng.integers(1, 12))
    n = int(rng.integers(1, 400))
    ignore = [None, 0, k - 1, 255][case % 4]
    # some classes absent from the truth, some from the predictions, some from both
    y = rng.choice(rng.permutation(k)[: max(1, k - 2)], size=n)
    p = rng.choice(rng.permutation(k)[: max(1, k - 3)], size=n)
    if ignore is not None:
        y[rng.random(n) < 0.2] = ignore
    cm = tm.ConfusionMatrix(k, ignore_index=ignore).update(y.astype(np.int64), p.astype(np.int64))
    keep = np.ones(n, bool) if ignore is None else y != ignore
    yk, pk = y[keep], p[keep]
    if yk.size:
        sk = jaccard_score(yk, pk, labels=list(range(k)), average=None, zero_division=0)
        np.testing.assert_allclose(cm.iou(), sk, rtol=1e-12, atol=0)
        np.testing.assert_allclose(cm.iou(zero_division=1)[np.isin(np.arange(k), np.union1d(yk, pk))],
                                   sk[np.isin(np.arange(k), np.union1d(yk, pk))], rtol=1e-12)
        present = [c for c in np.union1d(yk, pk) if c != ignore]
        if present:
            expected = jaccard_score(yk, pk, labels=present, average="macro", zero_division=0)
            assert cm.mean_iou() == pytest.approx(expected, rel=1e-12, abs=0)
    expected = _torchmetrics_mean_iou(cm.counts, ignore)
    if math.isnan(expected):
        assert math.isnan(cm.mean_iou())
    else:
        assert cm.mean_iou() == pytest.approx(expected, rel=1e-12, abs=0)
    absent = ~np.isin(np.arange(k), np.union1d(yk, pk))
    assert np.all(cm.iou(zero_division=1)[absent] == 1.0)
    assert np.all(np.isnan(cm.iou(zero_division=np.nan)[absent]))


def test_mean_iou_of_an_empty_matrix_is_nan():
    assert math.isnan(tm.ConfusionMatrix(3).mean_iou())
    np.testing.assert_array_equal(tm.ConfusionMatrix(3).iou(), [0.0, 0.0, 0.0])


def test_segmentation_end_to_end():
    """Maps to IoU in one go, against sklearn on the flattened, filtered pixels."""
    rng = np.random.default_rng(3)
    n, k, h, w = 4, 5, 32, 32
    logits = rng.normal(size=(n, k, h, w)).astype(np.float32)
    y = rng.integers(0, k, size=(n, h, w))
    y[:, :4] = 255
    cm = tm.ConfusionMatrix(k, ignore_index=255).update_argmax_map(y.astype(np.uint8), logits)
    keep = y != 255
    pred = logits.argmax(axis=1)
    np.testing.assert_allclose(cm.iou(), jaccard_score(y[keep], pred[keep], average=None), rtol=1e-12)
    assert cm.mean_iou() == pytest.approx(jaccard_score(y[keep], pred[keep], average="macro"), rel=1e-12)


# ---- thresholds on logits ----------------------------------------------------------

def _floats_around(center, count):
    """The `count` float32 values on each side of center (and center itself)."""
    c = np.float32(center)
    bits = np.array([c]).view(np.int32)[0].astype(np.int64)
    steps = np.arange(-count, count + 1)
    if c >= 0:
        raw = bits + steps
        raw = raw[raw >= 0]
    else:
        raw = bits - steps
        raw = raw[raw >= np.iinfo(np.int32).min]
    return np.unique(raw.astype(np.int32).view(np.float32))


def _float_formula(x, t):
    """The documented predicate: 1 / (1 + exp(-x)) with every step rounded to float32."""
    with np.errstate(over="ignore"):
        e = np.exp(-x.astype(np.float64)).astype(np.float32)
    return (np.float32(1) / (np.float32(1) + e)) > np.float32(t)


THRESHOLDS = [0.5, 0.3, 0.7, 0.1, 0.9, 0.01, 0.99, 0.999, 1e-4, 0.25, 0.123456, 0.87654, 1e-30, 0.9999999]


@pytest.mark.parametrize("t", THRESHOLDS)
def test_logits_threshold_against_torch_sigmoid(t):
    t32 = np.float32(t)
    center = np.log(np.float64(t32) / (1.0 - np.float64(t32)))
    x = _floats_around(center, 3000)
    x = np.concatenate([x, np.float32([-200, -88.8, -87.5, -20, 0, -0.0, 20, 88.8, 200])])
    y = (np.arange(x.size) % 2).astype(np.int32)
    cm = tm.ConfusionMatrix(2).update_threshold(y, x, threshold=t32, logits=True)
    ours = np.zeros((2, 2), np.uint64)
    formula = _float_formula(x, t32)
    np.add.at(ours, (y, formula.astype(np.int64)), 1)
    np.testing.assert_array_equal(cm.counts, ours)  # exactly the documented float computation
    # torch's float32 exp is not correctly rounded: allow the rare boundary float where it differs
    torch_pred = (torch.sigmoid(torch.from_numpy(x)) > float(t32)).numpy()
    differ = np.count_nonzero(torch_pred != formula)
    assert differ <= 2, f"{differ} of {x.size} predictions differ from torch near logit({t})"
    # the multilabel update predicts the same
    m = tm.Multilabel(1)
    m.update_threshold(y[:, None], x[:, None], threshold=t32, logits=True)
    (tn, fp), (fn, tp) = m.counts[0]
    assert tp + fp == int(formula.sum())
    assert tp == int((formula & (y == 1)).sum())


def test_logits_threshold_float64_against_torch():
    rng = np.random.default_rng(9)
    x = np.concatenate([rng.normal(scale=5, size=20000), np.linspace(-1e-15, 1e-15, 2001)])
    y = rng.integers(0, 2, size=x.size).astype(np.int32)
    for t in [0.5, 0.2, 0.95]:
        cm = tm.ConfusionMatrix(2).update_threshold(y, x, threshold=t, logits=True)
        pred = (torch.sigmoid(torch.from_numpy(x)) > t).numpy().astype(np.int64)
        expected = np.zeros((2, 2), np.uint64)
        np.add.at(expected, (y, pred), 1)
        diff = np.abs(cm.counts.astype(np.int64) - expected.astype(np.int64)).sum()
        assert diff <= 2, (t, cm.counts, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_auto_follows_torchmetrics_rule(dtype):
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, size=500).astype(np.int32)
    probs = rng.random(500).astype(dtype)
    cm = tm.ConfusionMatrix(2).update_threshold(y, probs, 0.5, logits="auto")
    ref = tm.ConfusionMatrix(2).update_threshold(y, probs, 0.5)
    np.testing.assert_array_equal(cm.counts, ref.counts)
    logits = (rng.normal(size=500) * 3).astype(dtype)
    cm = tm.ConfusionMatrix(2).update_threshold(y, logits, 0.5, logits="auto")
    pred = (torch.sigmoid(torch.from_numpy(logits)) > 0.5).numpy().astype(np.int64)
    expected = np.zeros((2, 2), np.uint64)
    np.add.at(expected, (y, pred), 1)
    np.testing.assert_array_equal(cm.counts, expected)
    # multilabel: one score outside [0, 1] anywhere makes the whole batch logits
    yl = rng.integers(0, 2, size=(50, 4)).astype(np.uint8)
    s = rng.random((50, 4)).astype(dtype)
    s[17, 2] = 1.5
    m = tm.Multilabel(4).update_threshold(yl, s, 0.5, logits="auto")
    pl = (torch.sigmoid(torch.from_numpy(s)) > 0.5).numpy()
    tp = ((pl == 1) & (yl == 1)).sum(axis=0)
    np.testing.assert_array_equal(m.counts[:, 1, 1], tp)


def test_logits_argument_errors():
    cm = tm.ConfusionMatrix(2)
    with pytest.raises(tm.InvalidArgumentError, match="logits"):
        cm.update_threshold([0, 1], [0.2, 0.8], logits="yes")
    with pytest.raises(tm.InvalidArgumentError, match="logits"):
        tm.Multilabel(2).update_threshold([[0, 1]], [[0.2, 0.8]], logits=1)
    with pytest.raises(tm.NonFiniteError):
        cm.update_threshold([0, 1], [0.2, np.nan], logits=True)
    assert cm.total == 0
