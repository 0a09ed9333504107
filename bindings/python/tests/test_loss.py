# SPDX-License-Identifier: MIT
"""Loss and trainmetrics.sklearn.log_loss / brier_score_loss against PyTorch,
scikit-learn and NumPy on seeded random and adversarial data.

Oracles: torch.nn.functional.cross_entropy and binary_cross_entropy_with_logits
in float64 on the same (upcast) inputs; sklearn.metrics.log_loss and
brier_score_loss (the installed 1.2); NumPy formulas for the cases 1.2 does not
cover (weighted torch losses, the multiclass Brier score, rows that do not sum
to 1, which scikit-learn >= 1.5 no longer renormalizes).
"""
import pickle

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn import metrics as skm

import trainmetrics as tm
from trainmetrics import sklearn as tsk

REL = 1e-12


def torch_ce(logits, y, weights=None):
    per = F.cross_entropy(torch.from_numpy(np.asarray(logits, dtype=np.float64)), torch.from_numpy(np.asarray(y)),
                          reduction="none").numpy()
    return float(per.mean()) if weights is None else float(np.sum(per * weights) / np.sum(weights))


def torch_bce(logits, targets, weights=None):
    per = F.binary_cross_entropy_with_logits(torch.from_numpy(np.asarray(logits, dtype=np.float64)),
                                             torch.from_numpy(np.asarray(targets, dtype=np.float64)),
                                             reduction="none").numpy()
    if weights is None:
        return float(F.binary_cross_entropy_with_logits(torch.from_numpy(np.asarray(logits, dtype=np.float64)),
                                                        torch.from_numpy(np.asarray(targets, dtype=np.float64))))
    return float(np.sum(per.mean(axis=1) * weights) / np.sum(weights))


def numpy_log_loss(y, p, weights=None):
    """scikit-learn >= 1.5: clip the true class's probability, no renormalization."""
    eps = np.finfo(p.dtype).eps
    q = np.clip(p[np.arange(len(y)), y].astype(np.float64), eps, 1 - eps)
    return float(np.average(-np.log(q), weights=weights))


def numpy_brier(y, p, weights=None):
    onehot = np.eye(p.shape[1])[y]
    per = ((p.astype(np.float64) - onehot) ** 2).sum(axis=1)
    return float(np.average(per * (0.5 if p.shape[1] == 2 else 1.0), weights=weights))


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def batches(n, rng):
    cuts = np.sort(rng.integers(0, n + 1, int(rng.integers(0, 5))))
    return np.split(np.arange(n), cuts)


# ---- cross-entropy from logits ------------------------------------------------------------

@pytest.mark.parametrize("seed", range(25))
def test_logits_match_torch(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 600)), int(rng.integers(2, 20))
    dtype = rng.choice([np.float32, np.float64])
    x = (rng.normal(0, rng.choice([0.1, 3, 50]), (n, k))).astype(dtype)
    y = rng.integers(0, k, n)
    loss = tm.Loss("cross_entropy", k)
    for part in batches(n, rng):
        loss.update_logits(y[part], x[part])
    assert loss.n_samples == n
    assert loss.value() == pytest.approx(torch_ce(x, y), rel=REL, abs=1e-15)
    one = tm.Loss("cross_entropy", k).update_logits(y, x)
    assert loss.value() == pytest.approx(one.value(), rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("case", ["huge", "ties", "offset", "mixed", "one-hot-1e4"])
def test_logits_adversarial(case):
    rng = np.random.default_rng(7)
    n, k = 300, 6
    if case == "huge":
        x = rng.choice([-1e4, 1e4, 0.0], (n, k))
    elif case == "ties":
        x = np.full((n, k), 3.0)
        x[::3] = -1e4
    elif case == "offset":
        x = 1e4 + rng.normal(0, 1e-3, (n, k))
    elif case == "mixed":
        x = rng.normal(0, 1, (n, k)) * rng.choice([1e-8, 1, 1e3, 1e4], (n, 1))
    else:
        x = np.zeros((n, k))
        x[np.arange(n), rng.integers(0, k, n)] = 1e4
    y = rng.integers(0, k, n)
    w = rng.choice([0.0, 0.5, 1.0, 3.0], n)
    w[0] = 1.0
    got = tm.Loss("cross_entropy", k).update_logits(y, x).value()
    assert got == pytest.approx(torch_ce(x, y), rel=REL, abs=1e-15)
    got = tm.Loss("cross_entropy", k).update_logits(y, x, sample_weight=w).value()
    assert got == pytest.approx(torch_ce(x, y, w), rel=REL, abs=1e-15)


def test_logits_strided_view_is_read_in_place():
    rng = np.random.default_rng(3)
    wide = rng.normal(0, 2, (100, 9))
    y = rng.integers(0, 4, 100)
    view = wide[:, 2:6]
    got = tm.Loss("cross_entropy", 4).update_logits(y, view).value()
    assert got == pytest.approx(torch_ce(np.ascontiguousarray(view), y), rel=REL)


# ---- cross-entropy from probabilities (log_loss) ------------------------------------------

@pytest.mark.parametrize("seed", range(25))
def test_probs_match_sklearn(seed):
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(2, 12))
    n = int(rng.integers(k, 500))
    p = softmax(rng.normal(0, rng.choice([0.5, 5, 40]), (n, k)))
    y = rng.integers(0, k, n)
    y[:k] = np.arange(k)  # every class present, as scikit-learn infers the classes from y_true
    w = rng.choice([0.0, 0.25, 1.0, 2.0], n) if seed % 2 else None
    if w is not None:
        w[0] = 1.0
    loss = tm.Loss("cross_entropy", k)
    for part in batches(n, rng):
        loss.update_probs(y[part], p[part], None if w is None else w[part])
    want = skm.log_loss(y, p, sample_weight=w)
    assert loss.value() == pytest.approx(want, rel=1e-12)
    assert tsk.log_loss(y, p, sample_weight=w) == pytest.approx(want, rel=1e-12)
    assert tsk.log_loss(y, p, sample_weight=w, normalize=False) == pytest.approx(
        skm.log_loss(y, p, sample_weight=w, normalize=False), rel=1e-12)


def test_probs_exact_zero_and_one():
    # rows with exact 0 and 1: clipped at eps (36.04 for the float64 eps)
    p = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    y = np.array([0, 0, 2, 2, 1])
    assert tsk.log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=1e-12)
    assert tsk.log_loss(y, p) == pytest.approx(numpy_log_loss(y, p), rel=1e-14)
    p32 = p.astype(np.float32)
    # scikit-learn computes float32 input in float32; the library in double with float32's eps
    assert tsk.log_loss(y, p32) == pytest.approx(skm.log_loss(y, p32), rel=1e-6)
    assert tsk.log_loss(y, p32) == pytest.approx(numpy_log_loss(y, p32), rel=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_column(dtype):
    rng = np.random.default_rng(11)
    n = 400
    p1 = rng.random(n).astype(dtype)
    p1[:6] = [0, 1, 0, 1, 1e-30, 1 - 1e-12]
    y = rng.integers(0, 2, n)
    y[:6] = [0, 1, 1, 0, 0, 1]
    w = rng.choice([0.0, 1.0, 2.5], n)
    w[0] = 1
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert tsk.log_loss(y, p1) == pytest.approx(skm.log_loss(y, p1), rel=tol)
    assert tsk.log_loss(y, p1, sample_weight=w) == pytest.approx(skm.log_loss(y, p1, sample_weight=w), rel=tol)
    # against the two-column rows it stands for
    rows = np.stack([1 - p1, p1], axis=1)
    assert tm.Loss("cross_entropy", 2).update_probs(y, p1).value() == pytest.approx(
        tm.Loss("cross_entropy", 2).update_probs(y, rows).value(), rel=1e-6 if dtype == np.float32 else 1e-12)


def test_rows_not_summing_to_one_follow_sklearn_1_5():
    # scikit-learn <= 1.4 divides each clipped row by its sum; >= 1.5 (and we) do not
    p = np.array([[0.2, 0.3], [0.1, 0.1], [0.9, 0.9]])
    y = np.array([1, 0, 1])
    assert tsk.log_loss(y, p) == pytest.approx(numpy_log_loss(y, p), rel=1e-14)
    assert tsk.log_loss(y, p) == pytest.approx(-np.mean(np.log([0.3, 0.1, 0.9])), rel=1e-14)
    assert abs(tsk.log_loss(y, p) - skm.log_loss(y, p)) > 0.1


def test_sklearn_label_handling():
    y = np.array(["spam", "ham", "ham", "spam"])
    p = np.array([[.1, .9], [.9, .1], [.8, .2], [.35, .65]])
    assert tsk.log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=1e-12)
    y3 = np.array([2, 2, 5])
    p3 = np.array([[0.2, 0.5, 0.3], [0.6, 0.2, 0.2], [0.1, 0.1, 0.8]])
    assert tsk.log_loss(y3, p3, labels=[1, 2, 5]) == pytest.approx(skm.log_loss(y3, p3, labels=[1, 2, 5]), rel=1e-12)
    with pytest.raises(ValueError):
        tsk.log_loss([1, 1, 1], [[0.5, 0.5]] * 3)
    with pytest.raises(ValueError):
        tsk.log_loss([0, 1, 2], [[0.5, 0.5]] * 3)


# ---- Brier -----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(20))
def test_brier_binary_matches_sklearn(seed):
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(1, 800))
    p = rng.random(n).astype(rng.choice([np.float32, np.float64]))
    p[rng.random(n) < 0.1] = rng.choice([0.0, 1.0])
    y = rng.integers(0, 2, n)
    w = rng.choice([0.0, 1.0, 0.5, 4.0], n)
    w[0] = 1
    loss = tm.Loss("brier", 2)
    for part in batches(n, rng):
        loss.update_probs(y[part], p[part], w[part])
    assert loss.value() == pytest.approx(skm.brier_score_loss(y, p, sample_weight=w), rel=1e-12, abs=1e-15)
    assert tsk.brier_score_loss(y, p) == pytest.approx(skm.brier_score_loss(y, p), rel=1e-12, abs=1e-15)
    # labels other than 0/1: the greater label is positive
    labels = np.where(y == 1, 7, 3)
    assert tsk.brier_score_loss(labels, p) == pytest.approx(skm.brier_score_loss(labels, p), rel=1e-12, abs=1e-15)
    assert tsk.brier_score_loss(labels, 1 - p, pos_label=3) == pytest.approx(
        skm.brier_score_loss(labels, 1 - p, pos_label=3), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("seed", range(10))
def test_brier_multiclass_matches_numpy(seed):
    rng = np.random.default_rng(300 + seed)
    k = int(rng.integers(2, 10))
    n = int(rng.integers(k, 500))
    p = softmax(rng.normal(0, 4, (n, k)))
    p[0] = 0
    p[0, 0] = 1
    y = rng.integers(0, k, n)
    w = rng.random(n)
    got = tm.Loss("brier", k).update_probs(y, p, w).value()
    assert got == pytest.approx(numpy_brier(y, p, w), rel=1e-12)
    if k == 2:
        assert got == pytest.approx(skm.brier_score_loss(y, p[:, 1], sample_weight=w), rel=1e-12)
    y[:k] = np.arange(k)
    full = numpy_brier(y, p) * (2.0 if k == 2 else 1.0)
    assert tsk.brier_score_loss(y, p, scale_by_half=False) == pytest.approx(full, rel=1e-12)
    assert tsk.brier_score_loss(y, p, scale_by_half=True) == pytest.approx(full / 2, rel=1e-12)


# ---- binary cross-entropy from logits -----------------------------------------------------------

@pytest.mark.parametrize("seed", range(20))
def test_binary_logits_match_torch(seed):
    rng = np.random.default_rng(400 + seed)
    n, outputs = int(rng.integers(1, 400)), int(rng.integers(1, 9))
    dtype = rng.choice([np.float32, np.float64])
    x = rng.normal(0, rng.choice([0.5, 5, 100]), (n, outputs)).astype(dtype)
    x[rng.random((n, outputs)) < 0.05] = rng.choice([-1e4, 1e4])
    soft = seed % 2 == 0
    t = (rng.random((n, outputs)) if soft else rng.integers(0, 2, (n, outputs))).astype(dtype)
    loss = tm.Loss("binary_cross_entropy", outputs)
    for part in batches(n, rng):
        loss.update_binary_logits(t[part], x[part])
    assert loss.value() == pytest.approx(torch_bce(x, t), rel=REL, abs=1e-15)
    w = rng.choice([0.0, 1.0, 3.0], n)
    w[0] = 1
    got = tm.Loss("binary_cross_entropy", outputs).update_binary_logits(t, x, w).value()
    assert got == pytest.approx(torch_bce(x, t, w), rel=REL, abs=1e-15)


def test_binary_logits_one_dimensional():
    x = np.array([-1e4, 1e4, 0.0, 3.0])
    t = np.array([1.0, 0.0, 0.5, 1.0])
    got = tm.Loss("binary_cross_entropy", 1).update_binary_logits(t, x).value()
    assert got == pytest.approx(torch_bce(x[:, None], t[:, None]), rel=REL)
    assert got == pytest.approx((1e4 + 1e4 + np.log(2) + np.log1p(np.exp(-3.0))) / 4, rel=1e-14)


# ---- streaming, merge, serialization ----------------------------------------------------------

@pytest.mark.parametrize("kind", ["cross_entropy", "brier", "binary_cross_entropy"])
def test_merge_pickle_round_trip(kind):
    rng = np.random.default_rng(9)
    n, k = 1000, 4
    y = rng.integers(0, k, n)
    w = rng.random(n)
    parts = [tm.Loss(kind, k) for _ in range(4)]
    whole = tm.Loss(kind, k)
    if kind == "binary_cross_entropy":
        x, t = rng.normal(0, 3, (n, k)), rng.integers(0, 2, (n, k))
        whole.update_binary_logits(t, x, w)
        for i, chunk in enumerate(np.array_split(np.arange(n), 4)):
            parts[i].update_binary_logits(t[chunk], x[chunk], w[chunk])
    else:
        p = softmax(rng.normal(0, 2, (n, k)))
        whole.update_probs(y, p, w)
        for i, chunk in enumerate(np.array_split(np.arange(n), 4)):
            parts[i].update_probs(y[chunk], p[chunk], w[chunk])
    forward = parts[0] + parts[1] + parts[2] + parts[3]
    backward = parts[3] + parts[2] + parts[1] + parts[0]
    for merged in (forward, backward):
        assert merged.n_samples == n
        assert merged.value() == pytest.approx(whole.value(), rel=1e-15)
    loaded = pickle.loads(pickle.dumps(forward))
    assert loaded == forward
    assert tm.Loss.from_bytes(forward.to_bytes()).compute() == forward.compute()
    values = forward.compute()
    assert set(values) == {kind, "sum", "total_weight", "n_samples"}
    assert values[kind] == pytest.approx(values["sum"] / values["total_weight"], rel=1e-15)
    assert values["total_weight"] == pytest.approx(w.sum(), rel=1e-15)
    assert values["n_samples"] == n
    with pytest.raises(tm.MismatchError):
        forward.merge(tm.Loss(kind, k + 1))


# ---- rejection -------------------------------------------------------------------------------------

def test_bad_inputs_raise_and_change_nothing():
    loss = tm.Loss("cross_entropy", 3).update_logits([0, 1], [[0.0, 1, 2], [3, 4, 5]])
    before = loss.to_bytes()
    with pytest.raises(tm.NonFiniteError, match=r"logits\[1\]\[2\] = nan"):
        loss.update_logits([0, 1], [[0.0, 1, 2], [3, 4, np.nan]])
    with pytest.raises(tm.NonFiniteError, match="inf"):
        loss.update_logits([0], [[np.inf, 1, 2]])
    with pytest.raises(tm.LabelError, match=r"y_true\[1\] = 3 is outside \[0, 3\)"):
        loss.update_logits([0, 3], [[0.0, 1, 2], [3, 4, 5]])
    with pytest.raises(tm.InvalidArgumentError, match=r"probs\[0\]\[1\] = 1.5 is outside \[0, 1\]"):
        loss.update_probs([0], [[0.0, 1.5, 0.0]])
    with pytest.raises(tm.InvalidArgumentError, match=r"probs\[0\]\[0\] = -0.1"):
        loss.update_probs([0], [[-0.1, 1.0, 0.1]])
    with pytest.raises(tm.InvalidArgumentError, match=r"sample_weight\[1\] = -1 is negative"):
        loss.update_logits([0, 1], [[0.0, 1, 2], [3, 4, 5]], sample_weight=[1, -1])
    with pytest.raises(tm.MismatchError, match=r"Loss\('cross_entropy'\) does not take targets"):
        loss.update_binary_logits(np.zeros((1, 3)), np.zeros((1, 3)))
    assert loss.to_bytes() == before
    brier = tm.Loss("brier", 2)
    with pytest.raises(tm.MismatchError, match="does not take logits"):
        brier.update_logits([0], [[0.0, 1.0]])
    with pytest.raises(tm.InvalidArgumentError, match=r"p_positive\[1\] = 1.25"):
        brier.update_probs([0, 1], [0.5, 1.25])
    bce = tm.Loss("binary_cross_entropy", 2)
    with pytest.raises(tm.LabelError, match=r"targets\[0\]\[1\] = 2 is outside \[0, 1\]"):
        bce.update_binary_logits([[0, 2]], [[0.0, 0.0]])
    with pytest.raises(tm.InvalidArgumentError):
        tm.Loss("hinge", 2)
    with pytest.raises(tm.InvalidArgumentError):
        tm.Loss("cross_entropy", 1)
    with pytest.raises(ValueError):
        tsk.brier_score_loss([0, 1], [0.5, 1.5])  # scikit-learn raises there too
    with pytest.raises(ValueError):
        skm.brier_score_loss([0, 1], [0.5, 1.5])


def test_empty_and_zero_weights():
    loss = tm.Loss("cross_entropy", 2)
    with pytest.raises(tm.EmptyError):
        loss.value()
    assert np.isnan(loss.compute()["cross_entropy"])
    loss.update_probs([0, 1], [0.3, 0.6], sample_weight=[0.0, 0.0])
    assert loss.n_samples == 2
    with pytest.raises(tm.EmptyError, match="sum to 0"):
        loss.value()
    with pytest.raises(ZeroDivisionError):
        skm.log_loss([0, 1], [0.3, 0.6], sample_weight=[0.0, 0.0])


# ---- ignore_index: torch's F.cross_entropy(ignore_index=...) -----------------------------------

@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("ignore", [-100, 255, 0])
def test_ignore_index_matches_torch(seed, ignore):
    rng = np.random.default_rng(700 + seed)
    n, k = int(rng.integers(1, 400)), int(rng.integers(2, 12))
    dtype = rng.choice([np.float32, np.float64])
    x = rng.normal(0, 3, (n, k)).astype(dtype)
    y = rng.integers(0, k, n)
    y[rng.random(n) < 0.3] = ignore
    keep = y != ignore
    x[~keep & (rng.random(n) < 0.5)] = np.nan  # an ignored row is never read
    loss = tm.Loss("cross_entropy", k, ignore_index=ignore)
    for part in batches(n, rng):
        loss.update_logits(y[part], x[part])
    assert loss.n_samples == keep.sum()
    if not keep.any():
        with pytest.raises(tm.EmptyError):
            loss.value()
        return
    want = F.cross_entropy(torch.from_numpy(np.nan_to_num(x).astype(np.float64)), torch.from_numpy(y),
                           ignore_index=ignore).item()
    assert loss.value() == pytest.approx(want, rel=REL, abs=1e-15)


def test_ignore_index_probabilities_weights_and_brier():
    rng = np.random.default_rng(9)
    y, p = rng.integers(0, 3, 200), rng.dirichlet(np.ones(3), 200)
    w = rng.random(200)
    y[::4] = -100
    keep = y != -100
    ce = tm.Loss("cross_entropy", 3, ignore_index=-100).update_probs(y, p, sample_weight=w)
    assert ce.value() == pytest.approx(skm.log_loss(y[keep], p[keep], sample_weight=w[keep], labels=[0, 1, 2]),
                                       rel=1e-12)
    brier = tm.Loss("brier", 3, ignore_index=-100).update_probs(y, p)
    onehot = np.eye(3)[y[keep]]
    assert brier.value() == pytest.approx(np.mean(np.sum((p[keep] - onehot) ** 2, axis=1)), rel=1e-12)
    yb, pb = np.array([1, 255, 0]), np.array([0.75, 3.0, 0.25])
    binary = tm.Loss("brier", 2, ignore_index=255).update_probs(yb, pb)
    assert binary.value() == pytest.approx(skm.brier_score_loss([1, 0], [0.75, 0.25]))


def test_ignore_index_life_cycle_and_refusals():
    loss = tm.Loss("cross_entropy", 2, ignore_index=-100).update_logits([0, -100], [[0.0, 0.0], [np.inf, 0]])
    assert loss.ignore_index == -100 and "ignore_index=-100" in repr(loss) and loss.n_samples == 1
    back = pickle.loads(pickle.dumps(loss))
    assert back == loss and back.ignore_index == -100
    assert (loss + tm.Loss("cross_entropy", 2).update_logits([1], [[0.0, 0.0]])).ignore_index == -100
    with pytest.raises(tm.LabelError):
        loss.update_logits([0, 2], [[0.0, 0.0], [0.0, 0.0]])  # a kept bad label still raises
    assert loss.n_samples == 1
    with pytest.raises(tm.MismatchError, match="binary cross-entropy"):
        tm.Loss("binary_cross_entropy", 2, ignore_index=-100)
    assert tm.Loss("binary_cross_entropy", 2).ignore_index is None
    loss.ignore_index = None
    with pytest.raises(tm.LabelError):
        loss.update_logits([-100], [[0.0, 0.0]])
