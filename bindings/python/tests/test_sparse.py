# SPDX-License-Identifier: MIT
"""SparseConfusionMatrix against scikit-learn and exact NumPy oracles, up to 10^6 classes.

scikit-learn's confusion_matrix (behind balanced_accuracy_score, cohen_kappa_score
and matthews_corrcoef) cannot hold 200000^2 cells, so at that size the oracle is
NumPy bincount on the labels, with kappa's expected disagreement summed exactly
in Python integers from moments (quadratic) and prefix sums (linear).
"""
import math
import pickle

import numpy as np
import pytest
from sklearn import metrics as skm

from trainmetrics import (ConfusionMatrix, InvalidArgumentError, LabelError, MismatchError, NonFiniteError,
                          SparseConfusionMatrix)

from testlib import assert_close, prf_reference

AVERAGES = ["macro", "weighted", "micro"]


def clustered_labels(rng, k, n):
    """Mostly right, some near misses (repeated cells), some anywhere (single cells)."""
    t = rng.integers(0, k, n)
    r = rng.random(n)
    near = (t + rng.integers(1, 4, n)) % k
    p = np.where(r < 0.5, t, np.where(r < 0.8, near, rng.integers(0, k, n)))
    return t, p


def counts_of(k, t, p, w=None):
    """tp, true_sum, pred_sum per class from the labels alone."""
    w = np.ones(t.size) if w is None else np.asarray(w, dtype=float)
    same = t == p
    tp = np.bincount(t[same], weights=w[same], minlength=k)
    return tp, np.bincount(t, weights=w, minlength=k), np.bincount(p, weights=w, minlength=k)


def linear_sum(k, a, b):
    """sum_ij |i - j| a_i b_j in exact integers: per j, j*A(<j) - S(<j) + S(>j) - j*A(>j)."""
    idx = np.arange(k, dtype=np.int64)
    a_below = np.concatenate([[0], np.cumsum(a)[:-1]])
    s_below = np.concatenate([[0], np.cumsum(idx * a)[:-1]])
    a_total, s_total = int(a.sum()), int((idx * a).sum())
    a_above = a_total - a_below - a
    s_above = s_total - s_below - idx * a
    per_j = idx * a_below - s_below + s_above - idx * a_above
    return sum(int(x) * int(y) for x, y in zip(per_j[b > 0], b[b > 0]))


def quadratic_sum(k, a, b):
    """sum_ij (i - j)^2 a_i b_j = B sum i^2 a_i + A sum j^2 b_j - 2 (sum i a_i)(sum j b_j), exactly."""
    idx = [int(i) for i in np.nonzero(a)[0]], [int(j) for j in np.nonzero(b)[0]]
    m0a, m0b = int(a.sum()), int(b.sum())
    m1a = sum(i * int(a[i]) for i in idx[0])
    m2a = sum(i * i * int(a[i]) for i in idx[0])
    m1b = sum(j * int(b[j]) for j in idx[1])
    m2b = sum(j * j * int(b[j]) for j in idx[1])
    return m0b * m2a + m0a * m2b - 2 * m1a * m1b


def exact_kappa(k, t, p, weights):
    """Cohen's kappa as scikit-learn defines it, with integer sums for unweighted counts."""
    _, true_sum, pred_sum = (x.astype(np.int64) for x in counts_of(k, t, p))
    n = t.size
    d = np.abs(t.astype(np.int64) - p.astype(np.int64))
    if weights is None:
        observed = int(np.count_nonzero(d))
        expected = n * n - int(np.dot(pred_sum, true_sum))
    elif weights == "linear":
        observed = int(d.sum())
        expected = linear_sum(k, pred_sum, true_sum)
    else:
        observed = int((d * d).sum())
        expected = quadratic_sum(k, pred_sum, true_sum)
    # kappa = 1 - observed / (expected / n)
    return 1.0 - observed * n / expected if expected else math.nan


def numpy_mcc(k, t, p, w=None):
    tp, true_sum, pred_sum = counts_of(k, t, p, w)
    c, s = tp.sum(), true_sum.sum()
    cov_tp = c * s - np.dot(pred_sum, true_sum)
    cov_pp = s * s - np.dot(pred_sum, pred_sum)
    cov_tt = s * s - np.dot(true_sum, true_sum)
    return 0.0 if cov_pp * cov_tt == 0 else cov_tp / math.sqrt(cov_pp * cov_tt)


def numpy_balanced_accuracy(k, t, p, adjusted=False):
    tp, true_sum, _ = counts_of(k, t, p)
    present = true_sum > 0
    score = np.mean(tp[present] / true_sum[present])
    if adjusted:
        chance = 1 / np.count_nonzero(present)
        score = (score - chance) / (1 - chance)
    return score


def matrix_of(k, t, p, w=None):
    m = SparseConfusionMatrix(k, weighted=w is not None)
    m.update(t, p, sample_weight=w)
    return m


# ---- scikit-learn where its dense matrix fits ---------------------------------------------------

@pytest.mark.parametrize("k", [10, 1000])
@pytest.mark.parametrize("case", range(3))
def test_matches_sklearn(k, case):
    rng = np.random.default_rng([15, k, case])
    n = 20000 if k == 1000 else 500
    t, p = clustered_labels(rng, k, n)
    if case == 2:  # adversarial: a run of one class, and the top classes never seen
        t[: n // 4] = p[: n // 4] = 0
        t, p = t % (k - 3), p % (k - 3)
    m = matrix_of(k, t, p)
    labels = list(range(k))
    for average in [None] + AVERAGES:
        want = skm.precision_recall_fscore_support(t, p, labels=labels, average=average, zero_division=0)
        got = (m.precision(average), m.recall(average), m.f1(average))
        for g, w in zip(got, want[:3]):
            assert_close(g, w, f"{average}", rtol=1e-12, atol=1e-15)
    # scikit-learn's default label set is MACRO_PRESENT
    assert_close(m.f1("macro_present"), skm.f1_score(t, p, average="macro", zero_division=0), rtol=1e-12)
    assert_close(m.fbeta(2.0, "weighted"),
                 skm.fbeta_score(t, p, beta=2.0, labels=labels, average="weighted", zero_division=0), rtol=1e-12)
    assert m.accuracy() == pytest.approx(skm.accuracy_score(t, p), rel=1e-15)
    for adjusted in (False, True):
        assert_close(m.balanced_accuracy(adjusted), skm.balanced_accuracy_score(t, p, adjusted=adjusted), rtol=1e-12)
    for weights in (None, "linear", "quadratic"):
        want = skm.cohen_kappa_score(t, p, labels=labels, weights=weights)
        assert_close(m.cohen_kappa(weights), want, f"kappa {weights}", rtol=1e-11, atol=1e-14)
        assert_close(m.cohen_kappa(weights), exact_kappa(k, t, p, weights), f"exact kappa {weights}", rtol=1e-12)
    assert_close(m.matthews_corrcoef(), skm.matthews_corrcoef(t, p), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("zero_division", [1, np.nan])
def test_zero_division_rules(zero_division):
    rng = np.random.default_rng(7)
    k = 50
    t, p = clustered_labels(rng, k, 300)
    t, p = t % 40, p % 45  # classes 45.. absent, 40..44 predicted only
    m = matrix_of(k, t, p)
    tp, true_sum, pred_sum = counts_of(k, t, p)
    for average in [None] + AVERAGES:
        want = prf_reference(tp, true_sum, pred_sum, 1.0, average, zero_division)
        got = (m.precision(average, zero_division), m.recall(average, zero_division), m.f1(average, zero_division))
        for g, w in zip(got, want[:3]):
            assert_close(g, w, f"{average} zd={zero_division}", rtol=1e-12)


def test_weighted_matches_sklearn():
    rng = np.random.default_rng(11)
    k = 200
    t, p = clustered_labels(rng, k, 5000)
    w = rng.random(t.size) * 3
    w[::17] = 0.0
    m = matrix_of(k, t, p, w)
    labels = list(range(k))
    for average in [None] + AVERAGES:
        want = skm.precision_recall_fscore_support(t, p, labels=labels, average=average, sample_weight=w,
                                                   zero_division=0)
        for g, ww in zip((m.precision(average), m.recall(average), m.f1(average)), want[:3]):
            assert_close(g, ww, f"{average}", rtol=1e-10, atol=1e-13)
    assert_close(m.accuracy(), skm.accuracy_score(t, p, sample_weight=w), rtol=1e-12)
    assert_close(m.balanced_accuracy(), skm.balanced_accuracy_score(t, p, sample_weight=w), rtol=1e-10)
    for weights in (None, "linear", "quadratic"):
        assert_close(m.cohen_kappa(weights), skm.cohen_kappa_score(t, p, labels=labels, weights=weights,
                                                                   sample_weight=w), rtol=1e-10)
    assert_close(m.matthews_corrcoef(), skm.matthews_corrcoef(t, p, sample_weight=w), rtol=1e-10)
    assert m.n_samples == t.size


# ---- 200000 classes: per-label scikit-learn and NumPy oracles ------------------------------------

def test_two_hundred_thousand_classes():
    k, n = 200_000, 100_000
    rng = np.random.default_rng(200_000)
    t, p = clustered_labels(rng, k, n)
    m = SparseConfusionMatrix(k)
    for start in range(0, n, 25_000):
        m.update(t[start:start + 25_000].astype(np.int32), p[start:start + 25_000].astype(np.int32))
    labels = np.arange(k)
    for average in [None, "macro", "weighted"]:
        # precision_recall_fscore_support with labels counts per label: O(K) memory
        want = skm.precision_recall_fscore_support(t, p, labels=labels, average=average, zero_division=0)
        for g, w in zip((m.precision(average), m.recall(average), m.f1(average)), want[:3]):
            assert_close(g, w, f"{average}", rtol=1e-12, atol=1e-15)
    assert m.accuracy() == skm.accuracy_score(t, p)
    for adjusted in (False, True):
        assert_close(m.balanced_accuracy(adjusted), numpy_balanced_accuracy(k, t, p, adjusted), rtol=1e-12)
    for weights in (None, "linear", "quadratic"):
        assert_close(m.cohen_kappa(weights), exact_kappa(k, t, p, weights), f"kappa {weights}", rtol=1e-12)
    assert_close(m.matthews_corrcoef(), numpy_mcc(k, t, p), rtol=1e-12)
    # the cells are the non-zero ones of the (never built) dense matrix
    ct, cp, cv = m.cells()
    keys = t.astype(np.int64) * k + p
    uniq, count = np.unique(keys, return_counts=True)
    assert np.array_equal(ct * k + cp, uniq) and np.array_equal(cv, count)
    assert m.n_cells == uniq.size


def test_a_million_classes_stay_small():
    k, n = 1_000_000, 100_000
    rng = np.random.default_rng(1_000_000)
    t, p = rng.integers(0, k, n), rng.integers(0, k, n)
    m = matrix_of(k, t, p)
    # 24 bytes a class, and a table of at most 2^18 slots of 16 bytes for 10^5 cells
    assert m.memory_size <= 24 * k + 16 * 2 ** 18 + 4096
    assert m.memory_size < 1e-4 * 8 * k * k
    assert_close(m.f1("macro"), prf_reference(*counts_of(k, t, p), 1.0, "macro", 0)[2], rtol=1e-12)
    m.reset()
    assert m.memory_size <= 24 * k + 4096 and m.n_cells == 0


# ---- the same numbers as ConfusionMatrix ---------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True])
def test_equals_dense(weighted):
    rng = np.random.default_rng([3, weighted])
    k = 40
    t, p = clustered_labels(rng, k, 2000)
    w = rng.random(t.size) if weighted else None
    sparse, dense = matrix_of(k, t, p, w), ConfusionMatrix(k, weighted=weighted)
    dense.update(t, p, sample_weight=w)
    rtol = 1e-12 if weighted else 0.0
    for name in ("precision", "recall", "f1", "specificity", "npv", "fpr", "fnr", "jaccard", "support"):
        for zd in (0, 1, np.nan):
            assert_close(sparse.metric(name, None, zd), dense.metric(name, None, zd), name, rtol=rtol, atol=0)
            for average in ("macro", "micro", "weighted", "macro_present"):
                assert_close(sparse.metric(name, average, zd), dense.metric(name, average, zd), name,
                             rtol=rtol, atol=0)
    for adjusted in (False, True):
        assert_close(sparse.balanced_accuracy(adjusted), dense.balanced_accuracy(adjusted), rtol=rtol, atol=0)
    assert_close(sparse.matthews_corrcoef(), dense.matthews_corrcoef(), rtol=rtol, atol=0)
    for weights in (None, "linear", "quadratic"):
        assert_close(sparse.cohen_kappa(weights), dense.cohen_kappa(weights), rtol=1e-12)
    ct, cp, cv = sparse.cells()
    cells = dense.matrix()
    assert np.array_equal(cells[ct, cp], cv) and np.count_nonzero(cells) == ct.size


# ---- compute(), life cycle, bad input -----------------------------------------------------------

def test_compute_dict_and_empty():
    m = SparseConfusionMatrix(5)
    got = m.compute()
    assert math.isnan(got["accuracy"]) and math.isnan(got["cohen_kappa"]) and got["matthews_corrcoef"] == 0.0
    assert got["f1_macro"] == 0.0 and got["n_samples"] == 0
    m.update([0, 0, 0, 1, 1, 2, 2, 3, 3, 3], [0, 0, 1, 1, 3, 2, 0, 3, 3, 1])
    got = m.compute()
    assert got["accuracy"] == 0.6 and got["n_samples"] == 10
    assert got["f1_macro"] == pytest.approx(12 / 25) and got["f1_macro_present"] == pytest.approx(0.6)
    assert got["cohen_kappa"] == pytest.approx(17 / 37) and got["cohen_kappa_quadratic"] == pytest.approx(16 / 29)
    assert set(got) >= {f"{m}_{a}" for m in ("precision", "recall", "f1")
                        for a in ("macro", "micro", "weighted", "macro_present")}


def test_streaming_merge_pickle_equal_one_shot():
    rng = np.random.default_rng(5)
    k = 5000
    t, p = clustered_labels(rng, k, 30000)
    once = matrix_of(k, t, p)
    streamed, parts = SparseConfusionMatrix(k), []
    for chunk in np.array_split(np.arange(t.size), 7):
        streamed.update(t[chunk], p[chunk])
        parts.append(matrix_of(k, t[chunk], p[chunk]))
    assert streamed == once
    merged = SparseConfusionMatrix(k)
    for part in reversed(parts):
        merged += part
    assert merged == once
    assert pickle.loads(pickle.dumps(once)) == once
    assert once.copy() == once
    assert SparseConfusionMatrix.from_bytes(once.to_bytes()).compute() == once.compute()


def test_ignore_index():
    m = SparseConfusionMatrix(4, ignore_index=-1)
    m.update([0, -1, 2, -1], [0, 7, 1, 3])
    assert m.n_samples == 2 and m.ignore_index == -1
    t, p, v = m.cells()
    assert t.tolist() == [0, 2] and p.tolist() == [0, 1] and v.tolist() == [1, 1]


def test_bad_input_changes_nothing():
    m = matrix_of(5, np.array([0, 1, 2]), np.array([0, 2, 2]))
    before = m.to_bytes()
    with pytest.raises(LabelError, match=r"y_pred\[1\] = 5"):
        m.update([0, 1], [0, 5])
    with pytest.raises(LabelError, match=r"y_true\[0\] = -2"):
        m.update([-2, 1], [0, 1])
    with pytest.raises(MismatchError):
        m.update([0, 1], [0, 1], sample_weight=[1.0, 1.0])
    with pytest.raises(MismatchError):
        m.merge(SparseConfusionMatrix(6))
    with pytest.raises(InvalidArgumentError):
        m.merge(ConfusionMatrix(5))
    assert m.to_bytes() == before
    w = SparseConfusionMatrix(5, weighted=True)
    w.update([0, 1], [1, 1], sample_weight=[0.5, 2.0])
    before = w.to_bytes()
    with pytest.raises(NonFiniteError):
        w.update([0, 1], [1, 2], sample_weight=[1.0, np.nan])
    with pytest.raises(InvalidArgumentError, match="negative"):
        w.update([0, 1], [1, 2], sample_weight=[-1.0, 1.0])
    assert w.to_bytes() == before
    with pytest.raises(InvalidArgumentError):
        SparseConfusionMatrix(0)
    with pytest.raises(InvalidArgumentError):
        SparseConfusionMatrix(2 ** 32)
