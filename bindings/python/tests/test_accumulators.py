# SPDX-License-Identifier: MIT
"""TopK, Multilabel and RegressionErrors against scikit-learn on seeded random data.

The C test suites and tests/sklearn_diff_*.py cover these modules in depth; this
checks the Python layer: dtype handling, batching, merging, pickling, errors.
"""
import pickle

import numpy as np
import pytest
from sklearn import metrics as skm

import trainmetrics as tm


@pytest.mark.parametrize("seed", range(20))
def test_topk_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    k_classes, n = int(rng.integers(3, 30)), int(rng.integers(1, 2000))
    y = rng.integers(0, k_classes, n)
    scores = rng.integers(0, 5, (n, k_classes)).astype(rng.choice([np.float32, np.float64]))  # many ties
    half = n // 2
    a = tm.TopK(k_classes, max_k=k_classes).update(y[:half], scores[:half])
    b = tm.TopK(k_classes, max_k=k_classes).update(y[half:], scores[half:])
    merged = pickle.loads(pickle.dumps(a + b))
    assert merged.n_samples == n
    for k in (1, 2, k_classes - 1):
        want = skm.top_k_accuracy_score(y, scores, k=k, labels=np.arange(k_classes))
        assert merged.accuracy(k) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_multilabel_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    # one column would be binary, not multilabel, to scikit-learn
    n, labels = int(rng.integers(1, 500)), int(rng.integers(2, 12))
    y_true = rng.random((n, labels)) < 0.3
    scores = rng.random((n, labels))
    y_pred = scores > 0.6
    m = tm.Multilabel(labels).update(y_true[: n // 2], y_pred[: n // 2])
    m.update_threshold(y_true[n // 2:].astype(np.int64), scores[n // 2:], threshold=0.6)
    np.testing.assert_array_equal(m.counts, skm.multilabel_confusion_matrix(y_true, y_pred))
    for average in (None, "micro", "macro", "weighted", "samples"):
        p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, average=average, zero_division=0)
        np.testing.assert_allclose(m.metric("precision", average), p, rtol=1e-12)
        np.testing.assert_allclose(m.metric("recall", average), r, rtol=1e-12)
        np.testing.assert_allclose(m.metric("f1", average), f, rtol=1e-12)
    assert m.subset_accuracy() == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert m.hamming_loss() == pytest.approx(skm.hamming_loss(y_true, y_pred))


@pytest.mark.parametrize("seed", range(20))
def test_regression_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    n, outputs = int(rng.integers(2, 1000)), int(rng.integers(1, 8))
    y_true = rng.normal(5, 2, (n, outputs))
    y_pred = y_true + rng.normal(0, 0.5, (n, outputs))
    r = tm.RegressionErrors(outputs)
    for chunk in np.array_split(np.arange(n), 3):
        r.update(y_true[chunk], y_pred[chunk])
    for name, fn in [("mae", skm.mean_absolute_error), ("mse", skm.mean_squared_error), ("r2", skm.r2_score)]:
        for multioutput in ("raw_values", "uniform_average"):
            np.testing.assert_allclose(r.metric(name, multioutput), fn(y_true, y_pred, multioutput=multioutput),
                                       rtol=1e-10)
    np.testing.assert_allclose(r.metric("max_error", "raw_values"),
                               [skm.max_error(y_true[:, j], y_pred[:, j]) for j in range(outputs)])
    np.testing.assert_allclose(r.metric("rmse_pooled"), np.sqrt(np.mean((y_true - y_pred) ** 2)), rtol=1e-10)
    cosine = (y_true * y_pred).sum(1) / np.linalg.norm(y_true, axis=1) / np.linalg.norm(y_pred, axis=1)
    np.testing.assert_allclose(r.metric("sad"), np.mean(np.arccos(np.clip(cosine, -1, 1))), rtol=1e-7, atol=1e-9)


def test_errors_leave_state_unchanged():
    r = tm.RegressionErrors(2).update([[1.0, 2.0]], [[1.5, 2.5]])
    before = r.to_bytes()
    with pytest.raises(tm.NonFiniteError):
        r.update([[1.0, np.nan]], [[1.0, 2.0]])
    with pytest.raises(tm.MismatchError):
        r.update([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
    assert r.to_bytes() == before
    m = tm.Multilabel(2)
    with pytest.raises(tm.LabelError):
        m.update([[0, 2]], [[0, 1]])
    with pytest.raises(tm.MismatchError):
        m.merge(tm.Multilabel(3))
    t = tm.TopK(4, max_k=2)
    with pytest.raises(tm.InvalidArgumentError):
        t.accuracy(3)
    with pytest.raises(tm.NonFiniteError):
        t.update([0], [[np.nan, 0, 0, 0]])
    with pytest.raises(tm.EmptyError):
        t.accuracy(1)
