# SPDX-License-Identifier: MIT
"""trainmetrics.sklearn.classification_report(output_dict=True) against scikit-learn's own dict."""
import pickle
import warnings
from unittest import mock

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.metrics import _classification as sk_classification

import trainmetrics
import trainmetrics.sklearn as ts
from testlib import prfs_14, report_dict_differences


def sklearn_dict(*args, zero_division="warn", **kwargs):
    """scikit-learn 1.2's dict; for zero_division=1 its scores follow the >= 1.4 division
    rules trainmetrics follows (1.2's report code run over testlib.prfs_14)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if zero_division in ("warn", 0):
            return skm.classification_report(*args, output_dict=True, zero_division=zero_division, **kwargs)
        with mock.patch.object(sk_classification, "precision_recall_fscore_support", prfs_14):
            want = skm.classification_report(*args, output_dict=True, zero_division=zero_division, **kwargs)
        # Supports do not depend on zero_division: take them (and their types) from
        # scikit-learn's own function rather than the stand-in.
        raw = skm.classification_report(*args, output_dict=True, zero_division=zero_division, **kwargs)
        for key, value in want.items():
            if isinstance(value, dict):
                value["support"] = raw[key]["support"]
        return want


def ours(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ts.classification_report(*args, output_dict=True, **kwargs)


def check(*args, **kwargs):
    want = sklearn_dict(*args, **kwargs)
    y_true, y_pred = (np.asarray(y) for y in args[:2])
    if kwargs.get("sample_weight") is None and not np.any(y_true == y_pred):
        # scikit-learn's "pathological case" (no y_true == y_pred at all) turns its
        # counts into floats; trainmetrics keeps them ints on purpose (see
        # test_support_types), so only that type is adjusted here.
        for value in want.values():
            if isinstance(value, dict):
                value["support"] = int(value["support"])
    got = ours(*args, **kwargs)
    problems = report_dict_differences(got, want)
    assert not problems, "\n".join(problems) + f"\n--- got {got}\n--- scikit-learn {want}"
    return got


@pytest.mark.parametrize("case", range(60))
def test_random_reports(case):
    rng = np.random.default_rng([31, case])
    k = int(rng.integers(1, 9))
    n = int(rng.choice([1, 2, 5, 30, 300]))
    t = rng.integers(0, k, n)
    p = np.where(rng.random(n) < rng.random(), t, rng.integers(0, k + 1, n))
    kwargs = {"zero_division": ["warn", 0, 1][case % 3]}
    if case % 4 == 1:
        kwargs["sample_weight"] = rng.integers(0, 4, n).astype(float) / 2  # dyadic, zeros included
    elif case % 4 == 2:
        kwargs["sample_weight"] = rng.random(n)
    mode = case % 5
    present = np.unique(np.r_[t, p])
    if mode == 1:
        kwargs["labels"] = rng.permutation(present)[: max(1, len(present) // 2)]  # a subset
    elif mode == 2:
        kwargs["labels"] = rng.permutation(np.r_[present, [k + 3]])  # a label absent from the data
    elif mode == 3:
        kwargs["labels"] = rng.permutation(present)  # all of them, shuffled: still "accuracy"
    if case % 7 == 0:
        count = len(kwargs.get("labels", present))
        kwargs["target_names"] = [f"class {i}" for i in range(count)]
    got = check(t, p, **kwargs)
    assert ("accuracy" in got) == (mode not in (1, 2) or set(kwargs["labels"]) == set(present))


def test_zero_weight_class_is_present():
    # Class 2's only sample weighs 0: the labels say it is there, so the line is "accuracy".
    t, p, w = [0, 1, 2, 0], [0, 1, 1, 0], [1.0, 1.0, 0.0, 1.0]
    for kwargs in ({}, {"labels": [0, 1, 2]}):
        got = check(t, p, sample_weight=w, zero_division=0, **kwargs)
        assert "accuracy" in got and "micro avg" not in got
        assert got["2"]["support"] == 0.0
    assert "micro avg" in check(t, p, sample_weight=w, zero_division=0, labels=[0, 1, 2, 3])


def test_support_types():
    assert type(check([0, 1, 1], [0, 1, 0])["0"]["support"]) is int
    assert type(check([0, 1, 1], [0, 1, 0], sample_weight=[1, 1, 1])["0"]["support"]) is float  # int weights too
    # scikit-learn's pathological case (no sample with y_pred == y_true) gives float
    # supports there; trainmetrics keeps counts as ints (a deliberate difference).
    want = skm.classification_report([0, 1, 1], [1, 0, 0], output_dict=True, zero_division=0)
    assert type(want["0"]["support"]) is float
    got = check([0, 1, 1], [1, 0, 0], zero_division=0)
    assert type(got["0"]["support"]) is int and type(got["macro avg"]["support"]) is int
    assert got["0"]["support"] == want["0"]["support"] == 1


def test_zero_division_variants_on_missing_classes():
    t, p = [0, 0, 1, 1], [0, 0, 0, 3]  # 3 never true, 1 never predicted, 2 nowhere
    for zd in ("warn", 0, 1):
        for labels in (None, [0, 1, 2, 3], [1, 2], [2]):
            check(t, p, labels=labels, zero_division=zd)


def test_string_labels_and_target_names():
    t = ["cat", "dog", "dog", "bird", "cat"]
    p = ["cat", "cat", "dog", "bird", "bird"]
    check(t, p)
    check(t, p, labels=["dog", "cat"])
    got = check(t, p, target_names=[10, 20, 30])  # names are keys as given, ints included
    assert list(got)[:3] == [10, 20, 30]


def test_target_names_length_rules():
    t, p = [0, 1, 2, 2], [0, 2, 2, 1]
    with pytest.raises(ValueError, match="Number of classes, 3, does not match size of target_names, 2"):
        ts.classification_report(t, p, target_names=["a", "b"])
    for names in (["a", "b"], ["a", "b", "c", "d"]):
        with pytest.warns(UserWarning, match=f"labels size, 3, does not match size of target_names, {len(names)}"):
            got = ts.classification_report(t, p, labels=[0, 1, 2], target_names=names, output_dict=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = skm.classification_report(t, p, labels=[0, 1, 2], target_names=names, output_dict=True)
            want_text = skm.classification_report(t, p, labels=[0, 1, 2], target_names=names)
            got_text = ts.classification_report(t, p, labels=[0, 1, 2], target_names=names)
        assert not report_dict_differences(got, want)
        assert got_text == want_text


def test_duplicate_target_names_text_keeps_every_row():
    t, p = [0, 1, 2, 2], [0, 2, 2, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ts.classification_report(t, p, target_names=["x", "x", "y"]) == \
            skm.classification_report(t, p, target_names=["x", "x", "y"])
    check(t, p, target_names=["x", "x", "y"])


@pytest.mark.parametrize("seed", range(20))
def test_confusion_matrix_report_sees_zero_weight_classes(seed):
    """A class whose only samples weigh 0 is present for scikit-learn's unique_labels, and for the C report."""
    rng = np.random.default_rng(seed)
    k, n = int(rng.integers(2, 6)), int(rng.integers(1, 40))
    t, p = rng.integers(0, k, n), rng.integers(0, k, n)
    w = rng.choice([0.0, 0.0, 0.25, 0.5, 1.0, 3.0], n)  # exact sums: the float supports print alike
    c = seed % k  # a class that occurs, at weight 0 only
    t[0] = c
    w[(t == c) | (p == c)] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = skm.classification_report(t, p, labels=list(range(k)), sample_weight=w, zero_division=0)
    streamed = trainmetrics.ConfusionMatrix(k, weighted=True)
    for part in np.array_split(np.arange(n), 3):  # merged and pickled, the record survives
        streamed = pickle.loads(pickle.dumps(
            streamed + trainmetrics.ConfusionMatrix(k, weighted=True).update(t[part], p[part], w[part])))
    for cm in (trainmetrics.ConfusionMatrix(k, weighted=True).update(t, p, w), streamed):
        assert same_report_lines(cm.classification_report(), want)


def same_report_lines(got, want):
    """The same lines, names and columns; a printed number may differ by one unit of its last digit (an F1
    that scikit-learn rounds from the other side of a .xx5 tie, its formula differing by an ulp)."""
    got_lines, want_lines = got.splitlines(), want.splitlines()
    if len(got_lines) != len(want_lines):
        return False
    for g, w in zip(got_lines, want_lines):
        gt, wt = g.split(), w.split()
        names = [x for x in gt if not x.replace(".", "").isdigit()], [x for x in wt if not x.replace(".", "").isdigit()]
        numbers = [float(x) for x in gt if x.replace(".", "").isdigit()], [float(x) for x in wt if x.replace(".", "").isdigit()]
        if names[0] != names[1] or len(numbers[0]) != len(numbers[1]) or len(g) != len(w):
            return False
        if any(abs(a - b) > 0.0100001 for a, b in zip(*numbers)):
            return False
    return True
