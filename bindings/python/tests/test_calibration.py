# SPDX-License-Identifier: MIT
"""Calibration against independent oracles.

* ``oracle`` below is a NumPy transcription of torchmetrics' documented
  calibration error (``_binning_bucketize`` + ``_ce_compute``): confidences and
  outcomes per sample, ``bucketize(right=True) - 1`` over n_bins + 1 edges, bin
  tables of n_bins + 1 entries, ``nan_to_num`` of the bin means, and the l1 / l2
  / max norms. Edges are b / n_bins in the scores' precision (the library's
  documented rule; torchmetrics' own float32 linspace can be one float32 unit
  off, which only matters for a confidence in that gap).
* The same formula written with torch (``torch.bucketize``, ``scatter_add_``,
  ``torch.sigmoid`` / ``torch.softmax``) on float64 tensors, for random data.
* scikit-learn's ``calibration_curve(strategy='uniform')`` for the binary
  per-bin accuracies and mean confidences, where its binning agrees: it puts a
  confidence on an inner edge in the lower bin (``searchsorted`` side='left')
  and 1.0 in the last regular bin, where torchmetrics (and we) put an edge in
  the upper bin and 1.0 in a bin of its own; ``test_sklearn_binning_differs``
  pins both differences.
"""
import pickle

import numpy as np
import pytest
import torch
from sklearn.calibration import calibration_curve

import trainmetrics as tm
from trainmetrics import InvalidArgumentError, LabelError, MismatchError, NonFiniteError

RTOL = 1e-12


def edges(n_bins, dtype):
    e = np.arange(n_bins + 1) / n_bins
    return e.astype(np.float32).astype(np.float64) if dtype == np.float32 else e


def confidences_of(y, scores, n_classes, logits):
    """(confidence, outcome) per sample, as torchmetrics' update steps define them."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y)
    if n_classes == 1:
        conf = 1.0 / (1.0 + np.exp(-s)) if logits else s
        return conf, y.astype(np.float64)
    pred = np.argmax(s, axis=1)  # first of equal maxima
    top = s[np.arange(len(s)), pred]
    conf = 1.0 / np.exp(s - top[:, None]).sum(axis=1) if logits else top
    return conf, (pred == y).astype(np.float64)


def oracle_bins(conf, outcome, n_bins, dtype):
    idx = np.searchsorted(edges(n_bins, dtype), conf, side="right") - 1
    count = np.bincount(idx, minlength=n_bins + 1).astype(np.float64)
    conf_sum = np.bincount(idx, weights=conf, minlength=n_bins + 1)
    hits = np.bincount(idx, weights=outcome, minlength=n_bins + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return count, conf_sum / count, hits / count


def oracle(y, scores, n_bins, n_classes=1, logits=False, dtype=np.float64):
    conf, outcome = confidences_of(y, scores, n_classes, logits)
    count, mean_conf, acc = oracle_bins(conf, outcome, n_bins, dtype)
    gap = np.abs(np.nan_to_num(acc) - np.nan_to_num(mean_conf))
    prop = count / count.sum()
    l2 = np.sum(gap ** 2 * prop)
    return {"l1": np.sum(gap * prop), "l2": np.sqrt(l2) if l2 > 0 else 0.0, "max": gap.max()}, (count, mean_conf, acc)


def torch_formula(y, scores, n_bins, n_classes=1, logits=False):
    """torchmetrics' compute, written with torch on float64 tensors."""
    s = torch.as_tensor(np.asarray(scores, dtype=np.float64))
    t = torch.as_tensor(np.asarray(y))
    if n_classes == 1:
        conf = torch.sigmoid(s) if logits else s
        acc = t.to(torch.float64)
    else:
        p = torch.softmax(s, dim=1) if logits else s
        conf, pred = p.max(dim=1)
        acc = pred.eq(t).to(torch.float64)
    boundaries = torch.linspace(0, 1, n_bins + 1, dtype=torch.float64)
    idx = torch.bucketize(conf, boundaries, right=True) - 1
    count = torch.zeros(n_bins + 1, dtype=torch.float64).scatter_add_(0, idx, torch.ones_like(conf))
    cbin = torch.nan_to_num(torch.zeros(n_bins + 1, dtype=torch.float64).scatter_add_(0, idx, conf) / count)
    abin = torch.nan_to_num(torch.zeros(n_bins + 1, dtype=torch.float64).scatter_add_(0, idx, acc) / count)
    prop = count / count.sum()
    l2 = torch.sum((abin - cbin) ** 2 * prop)
    return {"l1": float(torch.sum(torch.abs(abin - cbin) * prop)),
            "l2": float(torch.sqrt(l2)) if l2 > 0 else 0.0,
            "max": float(torch.max(torch.abs(abin - cbin)))}


def assert_matches(cal, want):
    got = cal.compute()
    for norm in ("l1", "l2", "max"):
        assert got[norm] == pytest.approx(want[norm], rel=RTOL, abs=1e-15), norm


def assert_bins(cal, table):
    count, conf, acc = table
    got = cal.bins()
    np.testing.assert_array_equal(got["count"], count.astype(np.uint64))
    np.testing.assert_allclose(got["confidence"], conf, rtol=RTOL, equal_nan=True)
    np.testing.assert_allclose(got["accuracy"], acc, rtol=RTOL, equal_nan=True)


def random_binary(rng, n, edge_heavy=False, n_bins=15):
    s = rng.random(n)
    if edge_heavy:
        k = rng.integers(0, n_bins + 1, n)
        s = np.where(rng.random(n) < 0.5, k / n_bins, s)
        s[rng.random(n) < 0.1] = 1.0
        s[rng.random(n) < 0.1] = 0.0
    return rng.integers(0, 2, n), s


def random_rows(rng, n, k, ties=False):
    logits = rng.normal(size=(n, k)) * 3
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    if ties:
        p = np.round(p * 4) / 4  # many equal maxima and edge values
    return rng.integers(0, k, n), p


# ---- the oracle on random and adversarial inputs -------------------------------------

@pytest.mark.parametrize("case", range(12))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_random(case, dtype):
    rng = np.random.default_rng(1000 + case)
    n_bins = int(rng.integers(1, 30))
    y, s = random_binary(rng, int(rng.integers(1, 500)), edge_heavy=case % 2 == 1, n_bins=n_bins)
    s = s.astype(dtype)
    cal = tm.Calibration(n_bins).update(y, s)
    want, table = oracle(y, s, n_bins, dtype=dtype)
    assert_matches(cal, want)
    assert_bins(cal, table)
    assert cal.n_samples == len(y)


@pytest.mark.parametrize("case", range(12))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_multiclass_random(case, dtype):
    rng = np.random.default_rng(2000 + case)
    n_bins, k = int(rng.integers(1, 25)), int(rng.integers(2, 8))
    y, p = random_rows(rng, int(rng.integers(1, 400)), k, ties=case % 2 == 1)
    p = p.astype(dtype)
    cal = tm.Calibration(n_bins, n_classes=k).update(y, p)
    want, table = oracle(y, p, n_bins, n_classes=k, dtype=dtype)
    assert_matches(cal, want)
    assert_bins(cal, table)


@pytest.mark.parametrize("case", range(8))
def test_logits_against_oracle_and_torch(case):
    rng = np.random.default_rng(3000 + case)
    n_bins = int(rng.integers(1, 20))
    n = int(rng.integers(1, 300))
    x = rng.normal(size=n) * 4
    y = rng.integers(0, 2, n)
    cal = tm.Calibration(n_bins, input="logits").update(y, x)
    want, table = oracle(y, x, n_bins, logits=True)
    assert_matches(cal, want)
    assert_bins(cal, table)
    for norm, value in torch_formula(y, x, n_bins, logits=True).items():
        assert cal.error(norm) == pytest.approx(value, rel=1e-9, abs=1e-12)

    k = int(rng.integers(2, 6))
    xm = rng.normal(size=(n, k)) * 3
    ym = rng.integers(0, k, n)
    mc = tm.Calibration(n_bins, n_classes=k, input="logits").update(ym, xm)
    want, table = oracle(ym, xm, n_bins, n_classes=k, logits=True)
    assert_matches(mc, want)
    assert_bins(mc, table)
    for norm, value in torch_formula(ym, xm, n_bins, n_classes=k, logits=True).items():
        assert mc.error(norm) == pytest.approx(value, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("case", range(6))
def test_probabilities_against_torch(case):
    rng = np.random.default_rng(4000 + case)
    n_bins = int(rng.integers(1, 40))
    y, s = random_binary(rng, 300)
    for norm, value in torch_formula(y, s, n_bins).items():
        assert tm.Calibration(n_bins).update(y, s).error(norm) == pytest.approx(value, rel=1e-12, abs=1e-15)
    k = 4
    ym, p = random_rows(rng, 300, k)
    mc = tm.Calibration(n_bins, n_classes=k).update(ym, p)
    for norm, value in torch_formula(ym, p, n_bins, n_classes=k).items():
        assert mc.error(norm) == pytest.approx(value, rel=1e-12, abs=1e-15)


def test_torchmetrics_docstring_examples():
    b = tm.Calibration(2).update([0, 0, 1, 1, 1], [0.25, 0.25, 0.55, 0.75, 0.75]).compute()
    assert round(b["l1"], 4) == 0.29 and round(b["l2"], 4) == 0.2918 and round(b["max"], 4) == 0.3167
    rows = [[0.25, 0.20, 0.55], [0.55, 0.05, 0.40], [0.10, 0.30, 0.60], [0.90, 0.05, 0.05]]
    m = tm.Calibration(3, n_classes=3).update([0, 1, 2, 0], rows).compute()
    assert round(m["l1"], 4) == 0.2 and round(m["l2"], 4) == 0.2082 and round(m["max"], 4) == 0.2333


# ---- edges ---------------------------------------------------------------------------

@pytest.mark.parametrize("n_bins", [1, 3, 7, 10, 15, 100])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_edge_and_its_neighbours(n_bins, dtype):
    """Each edge b/n in the scores' precision goes up, the value just below it stays down."""
    e = (np.arange(n_bins + 1) / n_bins).astype(dtype)
    below = np.nextafter(e[1:], dtype(0))
    above = np.nextafter(e[:-1], dtype(1))
    s = np.concatenate([e, below, above]).astype(dtype)
    y = np.arange(len(s)) % 2
    cal = tm.Calibration(n_bins).update(y, s)
    counts = cal.bins()["count"]
    want = np.zeros(n_bins + 1, dtype=np.uint64)
    want[:n_bins] += 1          # each e_b for b < n
    want[n_bins] += 1           # 1.0 on its own
    want[:n_bins] += 1          # below e_{b+1} is bin b
    want[:n_bins] += 1          # above e_b is bin b
    np.testing.assert_array_equal(counts, want)
    _, table = oracle(y, s, n_bins, dtype=dtype)
    assert_bins(cal, table)


def test_float_and_double_edges_differ_where_documented():
    # 0.7f = 0.699999988 is the float edge 7/10 (bin 7) but below the double 0.7 (bin 6).
    c32 = tm.Calibration(10).update([1], np.array([0.7], np.float32))
    c64 = tm.Calibration(10).update([1], np.array([np.float32(0.7)], np.float64))
    assert c32.bins()["count"][7] == 1 and c64.bins()["count"][6] == 1


def test_sklearn_calibration_curve_agrees_off_edges():
    rng = np.random.default_rng(5)
    for n_bins in (2, 5, 10, 13):
        y, s = random_binary(rng, 2000)
        s = s[s < 1.0]
        y = y[: len(s)]
        prob_true, prob_pred = calibration_curve(y, s, n_bins=n_bins, strategy="uniform")
        table = tm.Calibration(n_bins).update(y, s).bins()
        keep = table["count"] > 0
        np.testing.assert_allclose(table["accuracy"][keep], prob_true, rtol=1e-12)
        np.testing.assert_allclose(table["confidence"][keep], prob_pred, rtol=1e-12)


def test_sklearn_binning_differs():
    y, s = [1, 0, 1], [0.5, 1.0, 0.25]
    prob_true, prob_pred = calibration_curve(y, s, n_bins=2, strategy="uniform")
    # scikit-learn: 0.5 joins 0.25 in [0, .5], 1.0 is in (.5, 1]
    np.testing.assert_allclose(prob_pred, [0.375, 1.0])
    table = tm.Calibration(2).update(y, s).bins()
    # torchmetrics' rule: 0.25 | 0.5 | the bin of 1s
    np.testing.assert_array_equal(table["count"], [1, 1, 1])
    np.testing.assert_allclose(table["confidence"], [0.25, 0.5, 1.0])


def test_empty_bins_and_all_in_one_bin():
    cal = tm.Calibration(4).update([1, 1, 0], [0.5, 0.6, 0.7])
    t = cal.bins()
    np.testing.assert_array_equal(t["count"], [0, 0, 3, 0, 0])
    assert np.isnan(t["confidence"][[0, 1, 3, 4]]).all() and np.isnan(t["accuracy"][[0, 1, 3, 4]]).all()
    r = cal.compute()
    assert r["l1"] == pytest.approx(1 / 15) and r["l2"] == pytest.approx(1 / 15) and r["max"] == pytest.approx(1 / 15)
    conf, acc, count = cal.reliability()
    np.testing.assert_allclose(conf, [0.6]) and np.testing.assert_allclose(acc, [2 / 3])
    assert list(count) == [3]
    np.testing.assert_allclose(t["lower"], [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(t["upper"], [0.25, 0.5, 0.75, 1.0, 1.0])


def test_multiclass_ties_take_the_first_class():
    rows = np.array([[0.4, 0.4, 0.2], [0.4, 0.4, 0.2]])
    t = tm.Calibration(5, n_classes=3).update([1, 0], rows).bins()
    assert t["count"][2] == 2 and t["accuracy"][2] == 0.5
    # torch.max agrees on the tie
    assert int(torch.tensor(rows).max(dim=1).indices[0]) == 0


# ---- AUTO: torchmetrics' per-batch rule ----------------------------------------------

def test_auto_decides_per_batch():
    auto = tm.Calibration(6, input="auto")
    auto.update([0, 1], [0.2, 0.9]).update([0, 1, 1], [0.2, 1.5, -3.0])
    probs = tm.Calibration(6).update([0, 1], [0.2, 0.9])
    logits = tm.Calibration(6, input="logits").update([0, 1, 1], [0.2, 1.5, -3.0])
    np.testing.assert_allclose(auto.bins()["count"], probs.bins()["count"] + logits.bins()["count"])
    assert auto.compute()["l1"] == pytest.approx((probs + logits).compute()["l1"], rel=RTOL)
    # a multiclass batch with one logit outside [0, 1] is softmaxed whole
    xm = np.array([[0.2, 0.3, 2.0], [0.1, 0.5, 0.4]])
    a = tm.Calibration(4, n_classes=3, input="auto").update([2, 1], xm)
    want, _ = oracle([2, 1], xm, 4, n_classes=3, logits=True)
    assert_matches(a, want)


# ---- streaming, merge, serialization ---------------------------------------------------

@pytest.mark.parametrize("case", range(6))
def test_streaming_and_merge_equal_one_shot(case):
    rng = np.random.default_rng(6000 + case)
    k = 1 if case % 2 == 0 else 5
    n = 600
    if k == 1:
        y, s = random_binary(rng, n, edge_heavy=True, n_bins=12)
    else:
        y, s = random_rows(rng, n, k, ties=True)
    whole = tm.Calibration(12, n_classes=k).update(y, s)
    cuts = np.sort(rng.choice(np.arange(1, n), 5, replace=False))
    stream = tm.Calibration(12, n_classes=k)
    parts = []
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, n]):
        stream.update(y[lo:hi], s[lo:hi])
        parts.append(tm.Calibration(12, n_classes=k).update(y[lo:hi], s[lo:hi]))
    merged = parts[0]
    for p in parts[1:]:
        merged.merge(p)
    want, table = oracle(y, s, 12, n_classes=k)
    for cal in (whole, stream, merged):
        assert_matches(cal, want)
        assert_bins(cal, table)
        assert cal.n_samples == n


def test_serialization_round_trip():
    rng = np.random.default_rng(7)
    y, p = random_rows(rng, 100, 4)
    cal = tm.Calibration(9, n_classes=4, input="auto").update(y, p)
    back = tm.Calibration.from_bytes(cal.to_bytes())
    assert back == cal and back.input == "auto" and back.n_bins == 9 and back.n_classes == 4
    assert back.compute() == cal.compute()
    again = pickle.loads(pickle.dumps(cal))
    assert again.to_bytes() == cal.to_bytes()
    copy = cal.copy().update(y[:3], p[:3])
    assert copy.n_samples == 103 and cal.n_samples == 100
    cal.reset()
    assert cal.n_samples == 0 and cal.input == "auto"
    assert len(cal.to_bytes()) == 12 + 40 + 24 * 10


# ---- rejection ---------------------------------------------------------------------------

def test_bad_inputs_change_nothing():
    cal = tm.Calibration(5).update([0, 1], [0.2, 0.8])
    before = cal.to_bytes()
    with pytest.raises(NonFiniteError, match=r"scores\[1\] = nan"):
        cal.update([0, 1, 0], [0.1, np.nan, 0.3])
    with pytest.raises(LabelError, match=r"y_true\[2\] = 2 is not 0 or 1"):
        cal.update([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(InvalidArgumentError, match="not a probability"):
        cal.update([0, 1], [0.1, 1.5])
    with pytest.raises(InvalidArgumentError, match="not a probability"):
        cal.update([0], [-np.finfo(np.float64).smallest_subnormal])
    with pytest.raises(NonFiniteError):
        cal.update([0], np.array([np.inf], np.float32))
    assert cal.to_bytes() == before

    m = tm.Calibration(5, n_classes=3).update([0], [[0.5, 0.3, 0.2]])
    before = m.to_bytes()
    with pytest.raises(LabelError, match=r"outside \[0, 3\)"):
        m.update([3], [[0.5, 0.3, 0.2]])
    with pytest.raises(NonFiniteError, match=r"scores\[0\]\[2\]"):
        m.update([0], [[0.5, 0.3, np.nan]])
    with pytest.raises(MismatchError):
        m.update([0], [[0.5, 0.5]])
    with pytest.raises(MismatchError):
        m.merge(tm.Calibration(5, n_classes=4))
    with pytest.raises(MismatchError):
        m.merge(tm.Calibration(6, n_classes=3))
    assert m.to_bytes() == before

    with pytest.raises(InvalidArgumentError):
        tm.Calibration(0)
    with pytest.raises(InvalidArgumentError):
        tm.Calibration(5, input="softmax")
    with pytest.raises(InvalidArgumentError):
        m.error("l3")
    from trainmetrics import EmptyError
    with pytest.raises(EmptyError):
        tm.Calibration(3).compute()


def test_strided_rows_are_read_in_place():
    rng = np.random.default_rng(8)
    y, p = random_rows(rng, 50, 3)
    wide = np.concatenate([p, np.full((50, 2), np.nan)], axis=1)
    cal = tm.Calibration(7, n_classes=3).update(y, wide[:, :3])
    want, table = oracle(y, p, 7, n_classes=3)
    assert_matches(cal, want)
    assert_bins(cal, table)


@pytest.mark.parametrize("case", range(6))
def test_float32_logits(case):
    rng = np.random.default_rng(9000 + case)
    n_bins, n = int(rng.integers(1, 20)), 200
    x = (rng.normal(size=n) * 4).astype(np.float32)
    y = rng.integers(0, 2, n)
    cal = tm.Calibration(n_bins, input="logits").update(y, x)
    want, table = oracle(y, x, n_bins, logits=True, dtype=np.float32)
    assert_matches(cal, want)
    assert_bins(cal, table)
    xm = (rng.normal(size=(n, 4)) * 3).astype(np.float32)
    ym = rng.integers(0, 4, n)
    mc = tm.Calibration(n_bins, n_classes=4, input="logits").update(ym, xm)
    want, table = oracle(ym, xm, n_bins, n_classes=4, logits=True, dtype=np.float32)
    assert_matches(mc, want)
    assert_bins(mc, table)


@pytest.mark.parametrize("case", range(6))
def test_torchmetrics_float32_pipeline(case):
    """torchmetrics' own precision: float32 tensors, float32 linspace edges, float32 sums.
    Random data rarely comes within a float32 unit of an edge, so only rounding differs."""
    rng = np.random.default_rng(9500 + case)
    n_bins, k, n = [15, 10, 7, 20, 3, 33][case], 5, 1000
    logits = torch.tensor(rng.normal(size=(n, k)) * 2, dtype=torch.float32)
    target = torch.tensor(rng.integers(0, k, n))
    conf, pred = torch.softmax(logits, 1).max(dim=1)
    acc = pred.eq(target).float()
    boundaries = torch.linspace(0, 1, n_bins + 1, dtype=torch.float)
    idx = torch.bucketize(conf, boundaries, right=True) - 1
    count = torch.zeros(n_bins + 1).scatter_add_(0, idx, torch.ones_like(conf))
    cbin = torch.nan_to_num(torch.zeros(n_bins + 1).scatter_add_(0, idx, conf) / count)
    abin = torch.nan_to_num(torch.zeros(n_bins + 1).scatter_add_(0, idx, acc) / count)
    l1 = float(torch.sum(torch.abs(abin - cbin) * count / count.sum()))
    mc = tm.Calibration(n_bins, n_classes=k, input="logits").update(target.numpy(), logits.numpy())
    np.testing.assert_array_equal(mc.bins()["count"], count.numpy().astype(np.uint64))
    assert mc.error("l1") == pytest.approx(l1, abs=1e-5)


# ---- ignore_index: torchmetrics drops target == ignore_index first --------------------

@pytest.mark.parametrize("case", range(6))
@pytest.mark.parametrize("ignore", [-100, 255, 1])
def test_ignore_index_equals_the_filtered_oracle(case, ignore):
    rng = np.random.default_rng(5000 + case)
    n_bins, n, k = int(rng.integers(1, 20)), int(rng.integers(1, 300)), int(rng.integers(2, 6))
    y, s = random_binary(rng, n, n_bins=n_bins)
    ym, p = random_rows(rng, n, k)
    drop = rng.random(n) < 0.3
    y, ym = np.where(drop, ignore, y), np.where(drop, ignore, ym)
    s[drop], p[drop] = np.nan, 7.0  # an ignored sample's scores are never looked at
    keep = y != ignore
    for cal, labels, scores, kk in ((tm.Calibration(n_bins, ignore_index=ignore), y, s, 1),
                                    (tm.Calibration(n_bins, n_classes=k, ignore_index=ignore), ym, p, k)):
        keep = labels != ignore
        if not keep.any():
            continue
        cal.update(labels, scores)
        assert cal.n_samples == keep.sum()
        want, table = oracle(labels[keep], scores[keep], n_bins, n_classes=kk)
        assert_matches(cal, want)
        assert_bins(cal, table)
        for norm, value in torch_formula(labels[keep], scores[keep], n_bins, n_classes=kk).items():
            assert cal.error(norm) == pytest.approx(value, rel=1e-12, abs=1e-15)


def test_ignore_index_auto_looks_at_kept_rows_only():
    """torchmetrics filters preds before its [0, 1] test, so an ignored logit does not make the batch logits."""
    rows = np.array([[0.6, 0.4], [3.0, 0.0]])
    cal = tm.Calibration(2, n_classes=2, input="auto", ignore_index=-100).update([0, -100], rows)
    want, _ = oracle([0], rows[:1], 2, n_classes=2)
    assert cal.error() == pytest.approx(want["l1"]) == pytest.approx(0.4)
    with pytest.raises(InvalidArgumentError):
        tm.Calibration(2, n_classes=2, ignore_index=-100).update([0, 1], rows)


def test_ignore_index_property_pickle_and_merge():
    cal = tm.Calibration(4, ignore_index=255)
    assert cal.ignore_index == 255 and "ignore_index=255" in repr(cal)
    cal.update([1, 255, 0], [0.9, np.inf, 0.2])
    back = pickle.loads(pickle.dumps(cal))
    assert back.ignore_index == 255 and back.n_samples == 2 and back == cal
    other = tm.Calibration(4).update([1], [0.9])
    assert (cal + other).ignore_index == 255 and (cal + other).n_samples == 3
    cal.ignore_index = None
    assert cal.ignore_index is None
    with pytest.raises(LabelError):
        cal.update([255], [0.5])
    with pytest.raises(InvalidArgumentError):
        cal.ignore_index = 1.5
