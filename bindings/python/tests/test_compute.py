# SPDX-License-Identifier: MIT
"""compute(): every metric in one dict, checked against scikit-learn and NumPy formulas."""
import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

import trainmetrics
from testlib import assert_close, prf_reference

PER_CLASS = ("precision", "recall", "f1", "specificity", "npv", "fpr", "fnr", "jaccard")


def one_vs_rest(mcm):
    """Per-class tn, fp, fn, tp from scikit-learn's multilabel_confusion_matrix layout."""
    mcm = np.asarray(mcm, dtype=float)
    return mcm[:, 0, 0], mcm[:, 0, 1], mcm[:, 1, 0], mcm[:, 1, 1]


def ratio(num, den, zd):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), zd)


def oracle_per_class(tn, fp, fn, tp, zd):
    """The per-class metrics and their averages, from one-vs-rest counts (NumPy only)."""
    support = tp + fn
    nums_dens = {"precision": (tp, tp + fp), "recall": (tp, tp + fn), "f1": (2 * tp, 2 * tp + fp + fn),
                 "specificity": (tn, tn + fp), "npv": (tn, tn + fn), "fpr": (fp, fp + tn), "fnr": (fn, fn + tp),
                 "jaccard": (tp, tp + fp + fn)}
    out = {}
    for name, (num, den) in nums_dens.items():
        values = ratio(num, den, zd)
        out[name] = values
        out[name + "_macro"] = values.mean()
        out[name + "_weighted"] = (np.average(values, weights=support) if support.sum() else values.mean())
        out[name + "_micro"] = float(ratio(num.sum(), den.sum(), zd))
    out["support"] = support
    return out


def check_dict(got, want, keys, rtol=1e-9, atol=1e-12):
    assert set(keys) <= set(got)
    for key in keys:
        assert_close(got[key], want[key], key, rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", range(24))
def test_confusion_compute_against_sklearn(case):
    rng = np.random.default_rng([5, case])
    k = int(rng.integers(2, 8))
    n = int(rng.choice([3, 40, 500]))
    t = rng.integers(0, k, n)
    p = np.where(rng.random(n) < 0.5, t, rng.integers(0, k, n))
    if case % 3 == 0:
        t[t == k - 1] = 0  # a class that is never true
    w = rng.random(n) if case % 2 else None
    zd = [0, 1, np.nan][case % 3]
    cm = trainmetrics.ConfusionMatrix(k, weighted=w is not None).update(t, p, w)
    got = cm.compute(zero_division=zd)
    labels = np.arange(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(got["accuracy"], skm.accuracy_score(t, p, sample_weight=w), "accuracy")
        assert_close(got["balanced_accuracy"], skm.balanced_accuracy_score(t, p, sample_weight=w), "balanced")
        assert_close(got["cohen_kappa"], skm.cohen_kappa_score(t, p, labels=labels, sample_weight=w), "kappa")
        assert_close(got["matthews_corrcoef"], skm.matthews_corrcoef(t, p, sample_weight=w), "mcc")
    tn, fp, fn, tp = one_vs_rest(skm.multilabel_confusion_matrix(t, p, labels=labels, sample_weight=w))
    want = oracle_per_class(tn, fp, fn, tp, zd)
    if not np.isnan(zd):  # NaN zero_division drops undefined classes from averages: below
        check_dict(got, want, list(want))
    else:
        for name in PER_CLASS:
            assert_close(got[name], want[name], name)
    # precision/recall/F1 averages also straight from scikit-learn where its 1.2 rules agree (zd 0).
    if zd == 0:
        for average in ("macro", "micro", "weighted"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sp, sr, sf, _ = skm.precision_recall_fscore_support(t, p, labels=labels, average=average,
                                                                    sample_weight=w, zero_division=0)
            assert_close(got["precision_" + average], sp, average)
            assert_close(got["recall_" + average], sr, average)
            f_ref = prf_reference(tp, tp + fn, tp + fp, 1.0, average, 0)[2]
            assert_close(got["f1_" + average], f_ref, average)
    assert isinstance(got["accuracy"], float) and got["precision"].shape == (k,)
    assert cm.compute(zero_division=zd).keys() == got.keys()


def test_confusion_compute_keys_and_empty_matrix():
    got = trainmetrics.ConfusionMatrix(3).compute()
    want_keys = ["accuracy", "balanced_accuracy", "cohen_kappa", "matthews_corrcoef"]
    for name in PER_CLASS:
        want_keys += [name, name + "_macro", name + "_micro", name + "_weighted"]
    assert list(got) == want_keys + ["support"]
    assert math.isnan(got["accuracy"]) and math.isnan(got["cohen_kappa"]) and got["matthews_corrcoef"] == 0.0
    assert got["f1_macro"] == 0.0 and np.all(got["recall"] == 0)
    one = trainmetrics.ConfusionMatrix(3).compute(zero_division=1)
    assert one["f1_micro"] == 1.0 and np.all(one["precision"] == 1)
    with pytest.raises(ValueError):
        trainmetrics.ConfusionMatrix(3).compute(zero_division=2)


def test_topk_compute_against_sklearn(rng):
    y = rng.integers(0, 6, 300)
    scores = rng.random((300, 6)).round(1)  # ties
    got = trainmetrics.TopK(6, 4).update(y, scores).compute()
    assert list(got) == ["top1_accuracy", "top2_accuracy", "top3_accuracy", "top4_accuracy"]
    for k in range(1, 5):
        assert got[f"top{k}_accuracy"] == pytest.approx(
            skm.top_k_accuracy_score(y, scores, k=k, labels=range(6)), abs=1e-12)
    with pytest.raises(trainmetrics.EmptyError):
        trainmetrics.TopK(6, 4).compute()


def test_multilabel_compute_against_sklearn(rng):
    t = rng.integers(0, 2, (200, 5))
    p = np.where(rng.random((200, 5)) < 0.7, t, 1 - t)
    t[:, 4] = 0  # a label never true
    got = trainmetrics.Multilabel(5).update(t, p).compute(zero_division=0)
    assert got["subset_accuracy"] == pytest.approx(skm.accuracy_score(t, p), abs=1e-12)
    assert got["hamming_loss"] == pytest.approx(skm.hamming_loss(t, p), abs=1e-12)
    tn, fp, fn, tp = one_vs_rest(skm.multilabel_confusion_matrix(t, p))
    want = oracle_per_class(tn, fp, fn, tp, 0)
    check_dict(got, want, list(want))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn_ in (("precision", skm.precision_score), ("recall", skm.recall_score),
                          ("jaccard", skm.jaccard_score)):
            assert got[name + "_samples"] == pytest.approx(fn_(t, p, average="samples", zero_division=0), abs=1e-12)
    assert "specificity_samples" not in got
    with pytest.raises(trainmetrics.EmptyError):
        trainmetrics.Multilabel(5).compute()


def test_regression_compute_against_sklearn(rng):
    t = rng.standard_normal((100, 3))
    p = t + 0.3 * rng.standard_normal((100, 3))
    got = trainmetrics.RegressionErrors(3).update(t, p).compute()
    e = p - t
    want = {
        "mae_per_output": skm.mean_absolute_error(t, p, multioutput="raw_values"),
        "mse_per_output": skm.mean_squared_error(t, p, multioutput="raw_values"),
        "rmse_per_output": np.sqrt(skm.mean_squared_error(t, p, multioutput="raw_values")),
        "r2_per_output": skm.r2_score(t, p, multioutput="raw_values"),
        "max_error_per_output": np.array([skm.max_error(t[:, j], p[:, j]) for j in range(3)]),
        "rmse_pooled": np.sqrt(np.mean(e ** 2)),
        "rmse_per_sample": np.mean(np.sqrt(np.mean(e ** 2, axis=1))),
        "sad": np.mean(np.arccos(np.clip((t * p).sum(1) / np.linalg.norm(t, axis=1) / np.linalg.norm(p, axis=1),
                                         -1, 1))),
    }
    for name in ("mae", "mse", "rmse", "r2", "max_error"):
        want[name] = want[name + "_per_output"].mean()
    check_dict(got, want, list(want), rtol=1e-9)
    assert set(got) == set(want)
    with pytest.raises(trainmetrics.EmptyError):
        trainmetrics.RegressionErrors(3).compute()


def test_overfit_compute_against_prechelt_formulas():
    train = np.array([1.0, 0.7, 0.5, 0.42, 0.38, 0.35, 0.33, 0.31, 0.30])
    val = np.array([1.1, 0.8, 0.62, 0.58, 0.6, 0.63, 0.66, 0.7, 0.75])
    det = trainmetrics.OverfitDetector(pq=(0.5, 5))
    det.push_many(train, val)
    got = det.compute()
    assert got["n_epochs"] == 9 and got["best_epoch"] == int(np.argmin(val)) + 1 and got["best_value"] == val.min()
    gl = 100 * (val[-1] / val.min() - 1)
    strip = train[-5:]
    progress = 1000 * (strip.sum() / (5 * strip.min()) - 1)
    assert got["gl"] == pytest.approx(gl, rel=1e-12)
    assert got["progress"] == pytest.approx(progress, rel=1e-12)
    assert got["pq"] == pytest.approx(gl / progress, rel=1e-12)
    assert got["gap"] == pytest.approx(val[-1] - train[-1], rel=1e-12)
    assert got["verdict"] in ("warmup", "improving", "plateau", "overfitting", "diverged")
    assert isinstance(got["should_stop"], bool) and isinstance(got["fired"], dict)
    empty = trainmetrics.OverfitDetector().compute()
    assert empty["n_epochs"] == 0 and empty["best_epoch"] is None and math.isnan(empty["gl"])
