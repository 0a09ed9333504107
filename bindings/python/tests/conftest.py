# SPDX-License-Identifier: MIT
"""Shared fixtures and helpers of the trainmetrics test suite.

Random cases are seeded (SEED plus the name of the check and the case number),
so a failure message naming a case reproduces it exactly. The scikit-learn
installed on Debian is 1.2; ``prf_reference``/``jaccard_reference`` implement
the scikit-learn >= 1.4 rules from per-label counts for the zero-division edges
where 1.2 and >= 1.4 disagree (see test_sklearn_differential.py).
"""
import math
import os
import sys
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)  # bindings/python, which holds trainmetrics/
# TRAINMETRICS_TEST_INSTALLED=1 tests the installed package instead (run pytest with
# --confcutdir=bindings/python/tests so bindings/python/conftest.py stays out, and
# from a directory outside the checkout).
INSTALLED = os.environ.get("TRAINMETRICS_TEST_INSTALLED") == "1"
if INSTALLED:
    while PACKAGE_ROOT in sys.path:
        sys.path.remove(PACKAGE_ROOT)
elif PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, PACKAGE_ROOT)

import trainmetrics  # noqa: E402  (this checkout's package after the sys.path fix above, or the installed one)

_FROM_CHECKOUT = os.path.dirname(os.path.abspath(trainmetrics.__file__)) == os.path.join(PACKAGE_ROOT, "trainmetrics")
if _FROM_CHECKOUT == INSTALLED:
    raise RuntimeError(f"trainmetrics was imported from {trainmetrics.__file__}, but TRAINMETRICS_TEST_INSTALLED="
                       f"{os.environ.get('TRAINMETRICS_TEST_INSTALLED', '')!r} asks for the "
                       + ("installed package" if INSTALLED else "checkout's package"))
from sklearn import metrics as skm  # noqa: E402
from sklearn.exceptions import UndefinedMetricWarning  # noqa: E402

# The test modules import these helpers as `testlib`: the name "conftest" is shared
# with bindings/python/conftest.py, so it is not a reliable module name to import from.
sys.modules.setdefault("testlib", sys.modules[__name__])

SEED = 20240611
EXAMPLES = os.path.join(PACKAGE_ROOT, "examples")


def case_rng(name, index):
    """The generator of case `index` of the check `name` (stable across runs and platforms)."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode()), index])


def pytest_configure(config):
    # scikit-learn's own remark while computing expected balanced accuracies.
    config.addinivalue_line("filterwarnings", "ignore:y_pred contains classes not in y_true:UserWarning")


@pytest.fixture
def rng(request):
    """A generator seeded from the test's node id, so each test sees its own stable stream."""
    return np.random.default_rng([SEED, zlib.crc32(request.node.nodeid.encode())])


# ---- comparisons -------------------------------------------------------------------------

RTOL = 1e-9
# Values that cancel to about zero (kappa, MCC, adjusted balanced accuracy, averages of
# zeros) come out as 0 in one implementation and 1e-17 in the other: no relative
# tolerance covers that, so a tiny absolute one is added.
ATOL = 1e-12


def close(got, want, rtol=RTOL, atol=ATOL):
    """True when got and want have the same shape and agree (NaN == NaN, inf == inf)."""
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return False
    try:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    except AssertionError:
        return False
    return True


def assert_close(got, want, what="", rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=rtol,
                               atol=atol, equal_nan=True, err_msg=what)
    assert np.shape(got) == np.shape(want), what


def same_report(got, want, digits):
    """Same layout and text, except that a number may differ by one unit in its last digit.

    scikit-learn 1.2 derives F1 from the floating precision and recall, >= 1.4 (and
    trainmetrics) from the counts, so a score sitting on a rounding boundary
    (0.95 against 0.9499999999999999) may print one digit apart. Lines must have
    the same length (the columns are right-aligned, so the layout matches), and
    tokens are compared as numbers: scikit-learn prints an unweighted support as
    "208.0" instead of "208" when no selected label has a true positive (its
    float "pathological case" zeros), which is the same number.
    """
    got_lines, want_lines = got.split("\n"), want.split("\n")
    if len(got_lines) != len(want_lines):
        return False
    for a_line, b_line in zip(got_lines, want_lines):
        if a_line == b_line:
            continue
        a, b = a_line.split(), b_line.split()
        if len(a_line) != len(b_line) or len(a) != len(b):
            return False
        for x, y in zip(a, b):
            if x == y:
                continue
            try:
                fx, fy = float(x), float(y)
            except ValueError:
                return False
            if not abs(fx - fy) <= 1.0001 * 10.0 ** -digits:
                return False
    return True


def record(fn, *args, **kwargs):
    """Calls fn; returns (result or the exception raised, UndefinedMetricWarning messages)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the caller compares exceptions too
            result = e
    messages = [str(w.message) for w in caught if issubclass(w.category, UndefinedMetricWarning)]
    return result, messages


def is_nan(value):
    return isinstance(value, float) and math.isnan(value)


# ---- scikit-learn >= 1.4 semantics from counts ------------------------------------------------

def zero_division_value(zero_division):
    if isinstance(zero_division, str):
        return 0.0
    return float(zero_division)  # 0, 1 or NaN


def divide(num, den, zero_division):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), zero_division_value(zero_division))


def nanaverage(values, weights=None):
    """scikit-learn >= 1.4 `_nanaverage`: NaN entries dropped with their weights;
    all-NaN (or nothing) gives NaN; weights that sum to 0 give the plain mean."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return np.nan
    keep = ~np.isnan(values)
    if not keep.any():
        return np.nan
    if weights is None:
        return float(np.average(values[keep]))
    weights = np.asarray(weights, dtype=float)[keep]
    if weights.sum() == 0:
        return float(np.average(values[keep]))
    return float(np.average(values[keep], weights=weights))


def label_counts(y_true, y_pred, labels, sample_weight):
    """tp, true and predicted sums per label, counted by scikit-learn itself."""
    mcm = skm.multilabel_confusion_matrix(y_true, y_pred, labels=labels, sample_weight=sample_weight)
    tp = mcm[:, 1, 1].astype(float)
    return tp, tp + mcm[:, 1, 0], tp + mcm[:, 0, 1]


def prf_reference(tp, true_sum, pred_sum, beta, average, zero_division):
    """precision_recall_fscore_support of scikit-learn >= 1.4, from counts.

    F-beta is (1+b^2)tp / ((1+b^2)tp + b^2 fn + fp) = (1+b^2)tp / (b^2 true + pred),
    undefined only when that denominator is 0; beta = 0 is precision, beta = inf recall.
    Averages use `nanaverage`.
    """
    tp, true_sum, pred_sum = (np.asarray(x, dtype=float) for x in (tp, true_sum, pred_sum))
    if average == "micro":
        tp, true_sum, pred_sum = (np.array([x.sum()]) for x in (tp, true_sum, pred_sum))
    precision = divide(tp, pred_sum, zero_division)
    recall = divide(tp, true_sum, zero_division)
    if math.isinf(beta):
        fscore = recall
    elif beta == 0:
        fscore = precision
    else:
        b2 = beta * beta
        fscore = divide((1 + b2) * tp, b2 * true_sum + pred_sum, zero_division)
    if average is None:
        return precision, recall, fscore, true_sum
    weights = true_sum if average == "weighted" else None
    return (nanaverage(precision, weights), nanaverage(recall, weights), nanaverage(fscore, weights), None)


def jaccard_reference(tp, true_sum, pred_sum, average, zero_division):
    """jaccard_score of scikit-learn >= 1.4, from counts."""
    tp, true_sum, pred_sum = (np.asarray(x, dtype=float) for x in (tp, true_sum, pred_sum))
    weights = true_sum
    if average == "micro":
        tp, true_sum, pred_sum = (np.array([x.sum()]) for x in (tp, true_sum, pred_sum))
    values = divide(tp, true_sum + pred_sum - tp, zero_division)
    if average is None:
        return values
    if average != "weighted" or not np.any(weights):
        weights = None
    return nanaverage(values, weights)


def prfs_14(y_true, y_pred, *, beta=1.0, labels=None, pos_label=1, average=None,
            warn_for=("precision", "recall", "f-score"), sample_weight=None, zero_division="warn"):
    """A stand-in for scikit-learn's precision_recall_fscore_support with >= 1.4 numbers.

    Label handling is scikit-learn 1.2's own (_check_set_wise_labels and
    multilabel_confusion_matrix); only the division and averaging rules are 1.4's.
    Used to run scikit-learn 1.2's classification_report with 1.4 semantics.
    """
    from sklearn.metrics._classification import _check_set_wise_labels
    labels = _check_set_wise_labels(y_true, y_pred, average, labels, pos_label)
    tp, true_sum, pred_sum = label_counts(y_true, y_pred, labels, sample_weight)
    p, r, f, s = prf_reference(tp, true_sum, pred_sum, beta, average, zero_division)
    if average is None:
        if sample_weight is None:
            s = s.astype(np.int64)
        return p, r, f, s
    return np.float64(p), np.float64(r), np.float64(f), None


def warning_text(metric_start, modifier, size):
    """scikit-learn >= 1.4 UndefinedMetricWarning text."""
    where = "due to" if size == 1 else "in labels with"
    return (f"{metric_start} ill-defined and being set to 0.0 {where} no {modifier} samples. "
            "Use `zero_division` parameter to control this behavior.")


def normalize_12_warning(message):
    """scikit-learn 1.2 says "Precision and F-score are ill-defined" where >= 1.4 says
    "Precision is ill-defined" (the F-score warning is separate in >= 1.4)."""
    for metric in ("Precision", "Recall"):
        message = message.replace(f"{metric} and F-score are", f"{metric} is")
    return message


# ---- random cases -------------------------------------------------------------------------------

SIZES = np.array([1, 2, 3, 5, 8, 13, 30, 64, 150, 400, 1000, 3000, 20000])
SIZE_P = np.array([8, 6, 6, 8, 8, 8, 12, 10, 10, 8, 7, 5, 4], dtype=float)
SIZE_P /= SIZE_P.sum()
LABEL_KINDS = ("dense", "sparse", "negative", "string", "float")
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ_-"))


def make_classes(rng, kind, k):
    if kind == "dense":
        return np.arange(k, dtype=np.int64)
    if kind == "sparse":  # non-contiguous class ids
        return np.sort(rng.choice(10 ** 6, size=k, replace=False)).astype(np.int64)
    if kind == "negative":
        return np.sort(rng.choice(np.arange(-1000, 1000), size=k, replace=False)).astype(np.int64)
    if kind == "float":  # integral float labels, which scikit-learn accepts as classes
        return np.sort(rng.choice(np.arange(-50, 5000), size=k, replace=False)).astype(np.float64)
    names = set()
    while len(names) < k:
        length = int(rng.integers(1, 21)) if rng.random() < 0.15 else int(rng.integers(1, 7))
        names.add("".join(rng.choice(LETTERS, size=length)))
    return np.array(sorted(names))


def extra_labels(rng, kind, classes, count):
    """Labels of the same kind that are not among classes."""
    out = []
    existing = set(classes.tolist())
    while len(out) < count:
        if kind == "string":
            candidate = "zz_" + "".join(rng.choice(LETTERS, size=int(rng.integers(1, 5))))
        elif kind == "float":
            candidate = float(rng.integers(-2000, 2 * 10 ** 6))
        else:
            candidate = int(rng.integers(-2000, 2 * 10 ** 6))
        if candidate not in existing:
            existing.add(candidate)
            out.append(candidate)
    return np.array(out, dtype=classes.dtype if kind != "string" else None)


def as_input(rng, y):
    """The same labels as an ndarray, a list or a non-contiguous view."""
    form = rng.random()
    if form < 0.2:
        return y.tolist()
    if form < 0.4 and y.size:
        big = np.empty(2 * y.size, dtype=y.dtype)
        big[::2] = y
        view = big[::2]
        assert not view.flags.c_contiguous or y.size == 1
        return view
    return y


@dataclass
class Case:
    index: int
    k: int
    kind: str
    classes: np.ndarray
    y_true: np.ndarray
    y_pred: np.ndarray
    weights: object = None
    weight_kind: str = "none"
    labels: object = None
    labels_mode: str = "none"
    present: np.ndarray = field(default=None)
    t_in: object = None  # the forms handed to trainmetrics
    p_in: object = None
    w_in: object = None

    def describe(self):
        return (f"case {self.index}: K={self.k} kind={self.kind} n={len(self.y_true)} "
                f"weights={self.weight_kind} labels={self.labels_mode}"
                + (f" {list(self.labels)[:8]}" if self.labels is not None else ""))

    @property
    def binary_valid(self):
        return len(self.present) <= 2


def make_case(rng, index, *, k=None, n=None, weight_kinds=("none", "dyadic", "float", "int"),
              weight_p=(0.45, 0.2, 0.25, 0.1), labels_modes=("none", "superset", "subset", "reordered"),
              labels_p=(0.4, 0.2, 0.2, 0.2), kinds=LABEL_KINDS):
    k = int(rng.integers(1, 61)) if k is None else k
    n = int(rng.choice(SIZES, p=SIZE_P)) if n is None else n
    kind = str(rng.choice(kinds))
    classes = make_classes(rng, kind, k)
    # Drop classes from y_true and/or y_pred so that absent classes are common.
    true_pool = classes[rng.random(k) > 0.3] if k > 1 and rng.random() < 0.6 else classes
    pred_pool = classes[rng.random(k) > 0.3] if k > 1 and rng.random() < 0.6 else classes
    true_pool = true_pool if true_pool.size else classes[:1]
    pred_pool = pred_pool if pred_pool.size else classes[-1:]
    y_true = rng.choice(true_pool, n)
    y_pred = rng.choice(pred_pool, n)
    right = (rng.random(n) < rng.random()) & np.isin(y_true, pred_pool)
    y_pred[right] = y_true[right]

    weight_kind = str(rng.choice(weight_kinds, p=np.asarray(weight_p) / np.sum(weight_p)))
    weights = None
    if weight_kind == "dyadic":  # exact sums: reports print the same supports
        weights = rng.choice([0.0, 0.5, 1.0, 2.25, 3.0], n)
    elif weight_kind == "float":
        weights = rng.random(n) * 3
        weights[rng.random(n) < 0.1] = 0.0
    elif weight_kind == "int":
        weights = rng.integers(0, 5, n)
    if weights is not None and weights.sum() == 0:
        weights[0] = 1  # an all-zero total is an adversarial case of its own

    labels_mode = str(rng.choice(labels_modes, p=np.asarray(labels_p) / np.sum(labels_p)))
    labels = None
    if labels_mode == "superset":
        labels = np.concatenate([classes, extra_labels(rng, kind, classes, int(rng.integers(1, 4)))])
        labels = labels[rng.permutation(labels.size)]
    elif labels_mode == "subset":
        size = int(rng.integers(1, k + 1))
        labels = rng.choice(classes, size=size, replace=False)
    elif labels_mode == "reordered":
        labels = classes[rng.permutation(k)]
    if labels is not None and rng.random() < 0.3:
        labels = labels.tolist()

    case = Case(index=index, k=k, kind=kind, classes=classes, y_true=y_true, y_pred=y_pred, weights=weights,
                weight_kind=weight_kind, labels=labels, labels_mode=labels_mode,
                present=np.unique(np.concatenate([y_true, y_pred])))
    case.t_in = as_input(rng, y_true)
    case.p_in = as_input(rng, y_pred)
    case.w_in = None if weights is None else (weights.tolist() if rng.random() < 0.2 else weights)
    return case


class Failures:
    """Collects mismatches of a looped test and fails once with the first few, readably."""

    def __init__(self, limit=12):
        self.items = []
        self.limit = limit
        self.checks = 0

    def check(self, ok, message):
        self.checks += 1
        if not ok:
            self.items.append(message)
        return ok

    def close(self, got, want, message, **tol):
        return self.check(close(got, want, **tol), f"{message}\n    trainmetrics: {got!r}\n    expected:     {want!r}")

    def assert_none(self):
        if self.items:
            shown = "\n  ".join(self.items[:self.limit])
            pytest.fail(f"{len(self.items)} of {self.checks} checks failed; first {min(self.limit, len(self.items))}:"
                        f"\n  {shown}", pytrace=False)


@pytest.fixture
def failures():
    return Failures()


def report_dict_differences(got, want, rtol=1e-12, atol=1e-15):
    """Where two classification_report(output_dict=True) results differ, as strings (none: equal).

    Keys, their order and every value's Python type (int or float support) must be
    identical; numbers must agree to rtol (F1 is derived from precision and recall
    by scikit-learn 1.2, from the counts by trainmetrics, so it may differ in its
    last bits; weight sums may be added in another order).
    """
    problems = []
    if list(got) != list(want):
        return [f"keys {list(got)!r}, scikit-learn {list(want)!r}"]
    for key, value in want.items():
        entries = value.items() if isinstance(value, dict) else [(None, value)]
        if isinstance(value, dict) != isinstance(got[key], dict):
            problems.append(f"[{key!r}] is {got[key]!r}, scikit-learn {value!r}")
            continue
        if isinstance(value, dict) and list(got[key]) != list(value):
            problems.append(f"[{key!r}] keys {list(got[key])}, scikit-learn {list(value)}")
            continue
        for metric, v in entries:
            g = got[key] if metric is None else got[key][metric]
            where = f"[{key!r}]" + ("" if metric is None else f"[{metric!r}]")
            if type(g) is not type(v):
                problems.append(f"{where} is {type(g).__name__} {g!r}, scikit-learn {type(v).__name__} {v!r}")
            elif not close(g, v, rtol=rtol, atol=atol):
                problems.append(f"{where} = {g!r}, scikit-learn {v!r}")
    return problems
