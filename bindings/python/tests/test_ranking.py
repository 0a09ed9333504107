# SPDX-License-Identifier: MIT
"""trainmetrics.Ranking against scikit-learn 1.2 (exact mode) and against a NumPy
transcription of torchmetrics' binned formulas (binned mode), on random and
adversarial inputs: many ties, scores rounded to one decimal, scores a few ulps
apart, weights with zeros, 1e5 samples, float32 scores, streaming and merging.

Exact mode is compared bit for bit (assert_array_equal, NaN equal to NaN): the
library sorts, sums and divides in NumPy's order."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

import trainmetrics
from trainmetrics import Ranking
from trainmetrics import sklearn as tsk

warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", category=RuntimeWarning)

SEED = 20261202


def rng_for(*key):
    return np.random.default_rng([SEED, *[abs(hash(str(k))) % (2**31) for k in key]])


def scores_of(rng, n, style):
    if style == "uniform":
        return rng.random(n)
    if style == "round1":
        return np.round(rng.random(n), 1)
    if style == "all_equal":
        return np.full(n, 0.25)
    if style == "tiny":  # a handful of values one ulp apart
        return 0.5 + rng.integers(0, 4, n) * np.finfo(float).eps
    if style == "few":
        return rng.integers(0, 3, n).astype(float)
    if style == "signed_zero":
        return rng.choice([-0.0, 0.0, 1e-310, -1e-310, 1.0], n)
    raise AssertionError(style)


def weights_of(rng, n, style):
    if style is None:
        return None
    if style == "zeros":
        w = rng.random(n)
        w[rng.random(n) < 0.3] = 0.0
        return w
    if style == "integers":
        return rng.integers(0, 4, n).astype(float)
    return rng.random(n) * 10


def exact_equal(a, b):
    np.testing.assert_array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))


STYLES = ["uniform", "round1", "all_equal", "tiny", "few", "signed_zero"]
WEIGHTS = [None, "zeros", "integers", "float"]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("wstyle", WEIGHTS)
@pytest.mark.parametrize("n", [2, 7, 100, 3000])
def test_binary_exact_matches_sklearn(style, wstyle, n):
    rng = rng_for("binary", style, wstyle, n)
    for case in range(4):
        y = rng.integers(0, 2, n)
        y[0], y[-1] = 0, 1  # both classes present
        s = scores_of(rng, n, style)
        w = weights_of(rng, n, wstyle)
        if w is not None:
            w[0] = w[-1] = 1.0  # scikit-learn fails outright when every weight is 0
        r = Ranking("binary").update(y, s, w)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exact_equal(r.roc_auc(), skm.roc_auc_score(y, s, sample_weight=w))
            exact_equal(r.average_precision(), skm.average_precision_score(y, s, sample_weight=w))
            for drop in (True, False):
                for got, want in zip(r.roc_curve(drop_intermediate=drop),
                                     skm.roc_curve(y, s, sample_weight=w, drop_intermediate=drop)):
                    exact_equal(got, want)
            for got, want in zip(r.precision_recall_curve(), skm.precision_recall_curve(y, s, sample_weight=w)):
                exact_equal(got, want)


def test_binary_1e5_samples_and_float32():
    rng = rng_for("large")
    n = 100_000
    y = rng.integers(0, 2, n)
    s = np.round(rng.random(n), 3)
    w = weights_of(rng, n, "zeros")
    r = Ranking("binary").update(y, s, w)
    exact_equal(r.roc_auc(), skm.roc_auc_score(y, s, sample_weight=w))
    exact_equal(r.average_precision(), skm.average_precision_score(y, s, sample_weight=w))
    s32 = rng.random(n).astype(np.float32)
    r32 = Ranking("binary").update(y, s32)
    exact_equal(r32.roc_auc(), skm.roc_auc_score(y, s32.astype(np.float64)))
    exact_equal(r32.average_precision(), skm.average_precision_score(y, s32.astype(np.float64)))


def softmax_rows(rng, n, k, style):
    raw = scores_of(rng, n * k, style).reshape(n, k) + 1e-3
    return raw / raw.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("style", ["uniform", "round1", "few"])
@pytest.mark.parametrize("wstyle", [None, "zeros", "float"])
@pytest.mark.parametrize("k", [2, 3, 7])
def test_multiclass_ovr_matches_sklearn(style, wstyle, k):
    rng = rng_for("multiclass", style, wstyle, k)
    for case in range(3):
        n = int(rng.integers(k, 400))
        y = rng.integers(0, k, n)
        y[:k] = np.arange(k)
        s = softmax_rows(rng, n, k, style)
        w = weights_of(rng, n, wstyle)
        if w is not None:
            w[:k] = 1.0  # every class keeps positive weight
        r = Ranking("multiclass", n_classes=k).update(y, s, w)
        onehot = label_binarize(y, classes=np.arange(k)) if k > 2 else np.eye(2, dtype=int)[y]
        for average in ("macro", "weighted", "micro"):
            if k > 2 or average != "micro":
                want = skm.roc_auc_score(y, s, multi_class="ovr", average=average, sample_weight=w,
                                         labels=np.arange(k)) if k > 2 else \
                    skm.roc_auc_score(onehot, s, average=average, sample_weight=w)
                exact_equal(r.roc_auc(average), want)
            exact_equal(r.average_precision(average),
                        skm.average_precision_score(onehot, s, average=average, sample_weight=w))
        exact_equal(r.roc_auc(None), skm.roc_auc_score(onehot, s, average=None, sample_weight=w))
        exact_equal(r.average_precision(None), skm.average_precision_score(onehot, s, average=None,
                                                                           sample_weight=w))
        for c in range(k):
            for got, want in zip(r.roc_curve(c), skm.roc_curve(onehot[:, c], s[:, c], sample_weight=w)):
                exact_equal(got, want)
        for got, want in zip(r.roc_curve("micro"),
                             skm.roc_curve(onehot.ravel(), s.ravel(),
                                           sample_weight=None if w is None else np.repeat(w, k))):
            exact_equal(got, want)


@pytest.mark.parametrize("style", ["uniform", "round1", "few", "tiny"])
@pytest.mark.parametrize("wstyle", [None, "zeros"])
def test_multilabel_matches_sklearn(style, wstyle):
    rng = rng_for("multilabel", style, wstyle)
    for case in range(4):
        n, L = int(rng.integers(4, 300)), int(rng.integers(1, 6))
        y = rng.integers(0, 2, (n, L))
        y[0], y[1] = 0, 1
        s = scores_of(rng, n * L, style).reshape(n, L)
        w = weights_of(rng, n, wstyle)
        if w is not None:
            w[:2] = 1.0
        r = Ranking("multilabel", n_labels=L).update(y, s, w)
        for average in ("macro", "weighted", "micro", None):
            exact_equal(r.roc_auc(average), skm.roc_auc_score(y, s, average=average, sample_weight=w))
            exact_equal(r.average_precision(average),
                        skm.average_precision_score(y, s, average=average, sample_weight=w))
        assert r.compute()["roc_auc"] == r.roc_auc()


def test_average_precision_without_positives_and_weighted_zero_support():
    rng = rng_for("ap-empty")
    y = np.zeros((50, 3), dtype=int)
    y[:, 0] = rng.integers(0, 2, 50)
    y[0, 0], y[1, 0] = 0, 1
    s = rng.random((50, 3))
    r = Ranking("multilabel", n_labels=3).update(y, s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for average in ("macro", "weighted", None, "micro"):
            exact_equal(r.average_precision(average), skm.average_precision_score(y, s, average=average))
    with pytest.raises(ValueError, match="column 1: only one class present"):
        r.roc_auc()
    assert Ranking("binary").update(np.zeros(5), np.arange(5.0)).average_precision() == 0.0


def test_undefined_and_bad_inputs_raise_and_change_nothing():
    r = Ranking("binary").update([0, 1, 1], [0.1, 0.5, 0.5])
    before = r.to_bytes()
    with pytest.raises(trainmetrics.NonFiniteError, match=r"scores\[1\]\[0\] = nan"):
        r.update([0, 1], [0.2, np.nan])
    with pytest.raises(trainmetrics.NonFiniteError):
        r.update([0, 1], [np.inf, 0.1])
    with pytest.raises(trainmetrics.LabelError, match=r"labels\[1\] = 2 is not 0 or 1"):
        r.update([0, 2], [0.2, 0.3])
    with pytest.raises(trainmetrics.InvalidArgumentError, match=r"weight\[0\] = -1 is negative"):
        r.update([0, 1], [0.2, 0.3], [-1.0, 1.0])
    with pytest.raises(trainmetrics.NonFiniteError, match=r"weight\[1\] = nan"):
        r.update([0, 1], [0.2, 0.3], [1.0, np.nan])
    assert r.to_bytes() == before
    m = Ranking("multiclass", n_classes=3)
    with pytest.raises(trainmetrics.LabelError, match=r"labels\[0\] = 3 is outside \[0, 3\)"):
        m.update([3], [[0.1, 0.2, 0.7]])
    with pytest.raises(trainmetrics.EmptyError):
        m.roc_auc()
    one = Ranking("binary").update([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="only one class present"):
        one.roc_auc()
    with pytest.raises(ValueError, match="only one class present"):
        tsk.roc_auc_score([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError):
        skm.roc_auc_score([1, 1], [0.1, 0.2])
    with pytest.raises(trainmetrics.MismatchError):
        Ranking("binary", thresholds=5).update([0, 1], [0.1, 0.2], [1.0, 1.0])


def test_zero_weight_class_gives_nan_as_sklearn():
    y, s, w = [0, 1, 1, 0], [0.1, 0.4, 0.35, 0.8], [1.0, 0.0, 0.0, 1.0]
    r = Ranking("binary").update(y, s, w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = skm.roc_auc_score(y, s, sample_weight=w)
    assert np.isnan(want) and np.isnan(r.roc_auc())


@pytest.mark.parametrize("binned", [False, True])
def test_streaming_and_merge_equal_one_shot(binned):
    rng = rng_for("stream", binned)
    n, k = 2000, 4
    y = rng.integers(0, k, n)
    s = softmax_rows(rng, n, k, "round1")
    kw = {"thresholds": 50} if binned else {}
    one = Ranking("multiclass", n_classes=k, **kw).update(y, s)
    streamed = Ranking("multiclass", n_classes=k, **kw)
    parts = []
    for lo in range(0, n, 317):
        streamed.update(y[lo:lo + 317], s[lo:lo + 317])
        parts.append(Ranking("multiclass", n_classes=k, **kw).update(y[lo:lo + 317], s[lo:lo + 317]))
    merged = parts[0].copy()
    for p in parts[1:]:
        merged.merge(p)
    assert streamed.to_bytes() == one.to_bytes() == merged.to_bytes()
    back = pickle.loads(pickle.dumps(merged))
    assert back.compute("weighted") == one.compute("weighted")


# ---- binned mode against NumPy transcriptions of torchmetrics' formulas ----------------

def tm_state(y_onehot, s, thresholds):
    """torchmetrics' multi-threshold confusion counts: tp, fp, positives, negatives per
    (threshold, column), with pred = score >= threshold."""
    pred = s[:, :, None] >= thresholds[None, None, :]
    pos = y_onehot[:, :, None] == 1
    tp = (pred & pos).sum(0).T.astype(float)
    fp = (pred & ~pos).sum(0).T.astype(float)
    return tp, fp, pos[:, :, 0].sum(0).astype(float), (~pos[:, :, 0]).sum(0).astype(float)


def safe(a, b):
    b = np.asarray(b, dtype=float)
    return np.where(b == 0, 0.0, np.asarray(a, dtype=float) / np.where(b == 0, 1.0, b))


def tm_auroc(tp, fp, p, q):
    tpr, fpr = safe(tp, p)[::-1], safe(fp, q)[::-1]
    return np.trapz(tpr, fpr, axis=0)


def tm_ap(tp, fp, p):
    precision = np.vstack([safe(tp, tp + fp), np.ones((1, tp.shape[1]))])
    recall = np.vstack([safe(tp, p), np.zeros((1, tp.shape[1]))])
    return -np.sum((recall[1:] - recall[:-1]) * precision[:-1], axis=0)


def tm_average(values, weights, average):
    if average == "macro":
        return values.mean()
    w = safe(weights, weights.sum())
    return (values * w).sum()


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("grid", [2, 11, 100, "list"])
def test_binned_matches_numpy_oracle(task, grid):
    rng = rng_for("binned", task, grid)
    for case in range(4):
        n = int(rng.integers(1, 500))
        k = 1 if task == "binary" else int(rng.integers(2, 6))
        if grid == "list":
            thresholds = np.sort(rng.choice(np.linspace(-0.2, 1.2, 200), 17, replace=False))
        else:
            thresholds = np.linspace(0, 1, grid)
        s = np.round(rng.random((n, k)), int(rng.integers(1, 4)))
        if task == "multiclass":
            y = rng.integers(0, k, n)
            onehot = np.eye(k, dtype=int)[y]
        else:
            onehot = rng.integers(0, 2, (n, k))
            y = onehot[:, 0] if task == "binary" else onehot
        r = Ranking(task, n_classes=k if task == "multiclass" else None,
                    n_labels=k if task == "multilabel" else None,
                    thresholds=grid if grid != "list" else thresholds)
        r.update(y, s[:, 0] if task == "binary" else s)
        np.testing.assert_array_equal(r.thresholds, thresholds)
        tp, fp, p, q = tm_state(onehot, s, thresholds)
        auc, ap = tm_auroc(tp, fp, p, q), tm_ap(tp, fp, p)
        np.testing.assert_allclose(r.roc_auc(None), auc, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(r.average_precision(None), ap, rtol=1e-12, atol=1e-15)
        for average in ("macro", "weighted"):
            if k > 1:
                np.testing.assert_allclose(r.roc_auc(average), tm_average(auc, p, average), rtol=1e-12, atol=1e-15)
                np.testing.assert_allclose(r.average_precision(average), tm_average(ap, p, average), rtol=1e-12,
                                           atol=1e-15)
        micro = [x.sum(1, keepdims=True) for x in (tp, fp)]
        np.testing.assert_allclose(r.roc_auc("micro"), tm_auroc(*micro, p.sum(), q.sum())[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(r.average_precision("micro"), tm_ap(*micro, p.sum())[0], rtol=1e-12, atol=1e-15)
        fpr, tpr, thr = r.roc_curve(0)
        np.testing.assert_allclose(fpr, safe(fp[:, 0], q[0])[::-1], rtol=1e-15)
        np.testing.assert_allclose(tpr, safe(tp[:, 0], p[0])[::-1], rtol=1e-15)
        np.testing.assert_array_equal(thr, thresholds[::-1])
        prec, rec, thr = r.precision_recall_curve(0)
        np.testing.assert_allclose(prec, np.r_[safe(tp[:, 0], tp[:, 0] + fp[:, 0]), 1.0], rtol=1e-15)
        np.testing.assert_allclose(rec, np.r_[safe(tp[:, 0], p[0]), 0.0], rtol=1e-15)
        np.testing.assert_array_equal(thr, thresholds)


def test_torchmetrics_docstring_examples():
    # binary_roc / binary_auroc, thresholds=5, from torchmetrics' documentation
    r = Ranking("binary", thresholds=5).update([0, 1, 1, 0], [0, 0.5, 0.7, 0.8])
    fpr, tpr, thr = r.roc_curve()
    exact_equal(fpr, [0, 0.5, 0.5, 0.5, 1])
    exact_equal(tpr, [0, 0, 1, 1, 1])
    exact_equal(thr, [1, 0.75, 0.5, 0.25, 0])
    assert r.roc_auc() == 0.5
    # multiclass_auroc with thresholds=5: [1, 1, 1/3, 1/3, 0], macro 0.5333
    s = np.full((4, 5), 0.05)
    s[np.arange(4), np.arange(4)] = 0.75
    m = Ranking("multiclass", n_classes=5, thresholds=5).update([0, 1, 3, 2], s)
    np.testing.assert_allclose(m.roc_auc(None), [1, 1, 1 / 3, 1 / 3, 0], rtol=1e-15)
    np.testing.assert_allclose(m.roc_auc(), 0.5333333333333333, rtol=1e-15)


@pytest.mark.parametrize("grid", [5, 11, 101])
def test_binning_error_bound(grid):
    rng = rng_for("bound", grid)
    thresholds = np.linspace(0, 1, grid)
    for case in range(20):
        n = int(rng.integers(2, 400))
        y = rng.integers(0, 2, n)
        y[0], y[1] = 0, 1
        s = np.round(rng.random(n), int(rng.integers(1, 4)))
        exact = skm.roc_auc_score(y, s)
        binned = Ranking("binary", thresholds=grid).update(y, s).roc_auc()
        bins = np.searchsorted(thresholds, s, side="right")
        pos, neg = bins[y == 1], bins[y == 0]
        same = (pos[:, None] == neg[None, :]).mean()
        assert abs(binned - exact) <= 0.5 * same + 1e-12, (binned, exact, same)


def test_sklearn_functional_api():
    rng = rng_for("functional")
    y = rng.integers(0, 2, 200) * 2 - 1  # {-1, 1}
    s = np.round(rng.random(200), 2)
    exact_equal(tsk.roc_auc_score(y, s), skm.roc_auc_score(y, s))
    exact_equal(tsk.average_precision_score(y, s), skm.average_precision_score(y, s))
    for got, want in zip(tsk.roc_curve(y, s, drop_intermediate=False), skm.roc_curve(y, s, drop_intermediate=False)):
        exact_equal(got, want)
    for got, want in zip(tsk.precision_recall_curve(y, s), skm.precision_recall_curve(y, s)):
        exact_equal(got, want)
    labels = np.array(["b", "a", "c"])[rng.integers(0, 3, 200)]
    p = softmax_rows(rng, 200, 3, "uniform")
    for average in ("macro", "weighted", "micro"):
        exact_equal(tsk.roc_auc_score(labels, p, multi_class="ovr", average=average),
                    skm.roc_auc_score(labels, p, multi_class="ovr", average=average))
    with pytest.raises(ValueError):
        tsk.roc_auc_score(labels, p)
    yl = rng.integers(0, 2, (200, 3))
    for average in ("macro", "weighted", "micro", None):
        exact_equal(tsk.roc_auc_score(yl, p, average=average), skm.roc_auc_score(yl, p, average=average))
        exact_equal(tsk.average_precision_score(yl, p, average=average),
                    skm.average_precision_score(yl, p, average=average))
