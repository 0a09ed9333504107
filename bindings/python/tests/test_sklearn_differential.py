# SPDX-License-Identifier: MIT
"""trainmetrics.sklearn against scikit-learn on 300 seeded random cases per function.

Each case draws K in 1..60 classes of one label kind (dense ids, non-contiguous
ids, negative ids, strings, integral floats), n from 1 to 20000 samples (mostly small so the
suite stays fast), classes absent from y_true and/or y_pred, sample weights
(dyadic, arbitrary float, integer or none) and a `labels` argument (none,
superset with unseen labels, subset, reordered), and hands trainmetrics the
labels as an ndarray, a list or a non-contiguous view. Each function's 300
cases are split in three chunks of 100 so that a failure names a small range.

scikit-learn 1.2 (Debian) predates two >= 1.4 rules that trainmetrics follows.
Where they differ the expected value is the >= 1.4 one, computed with NumPy
from scikit-learn's own per-label counts (conftest.prf_reference) and the
check says so:
  (a) F-beta from counts, (1+b^2)tp / ((1+b^2)tp + b^2 fn + fp), undefined only
      when that denominator is 0. With zero_division=1, 1.2 derives F from the
      substituted precision/recall instead (e.g. beta=0 with no predictions
      gives 0 in 1.2, the zero_division value in >= 1.4); with 0/"warn" both agree.
  (b) zero_division=np.nan (1.2 refuses it): undefined values are NaN and the
      averages drop them with their weights (_nanaverage); all-NaN gives NaN.
  (c) average="weighted" when the selected labels have no true samples at all:
      1.2 short-circuits to (0, zero_division, 0); >= 1.4 (which dropped that
      branch) averages with zero weights, i.e. takes the plain mean. This only
      changes the result for zero_division=1.
Everywhere else the expected value is scikit-learn's, and the NumPy reference
is checked against scikit-learn as well so the reference itself is tested.
"""
import math
from unittest import mock

import numpy as np
import pytest
import sklearn.metrics._classification as sk_classification
from sklearn import metrics as skm

from trainmetrics import sklearn as ts

from testlib import (case_rng, close, is_nan, jaccard_reference, label_counts, make_case, normalize_12_warning,
                     prf_reference, prfs_14, record, same_report)

N_CASES = 300
CHUNKS = 3
PER_CHUNK = N_CASES // CHUNKS
ZERO_DIVISIONS = ("warn", 0, 1, np.nan)
AVERAGES = (None, "micro", "macro", "weighted")


def cases(name, chunk, binary_share=0.0, **kwargs):
    for index in range(chunk * PER_CHUNK, (chunk + 1) * PER_CHUNK):
        rng = case_rng(name, index)
        k = int(rng.integers(1, 3)) if rng.random() < binary_share else None
        yield make_case(rng, index, k=k, **kwargs), rng


def both_raise(failures, got, want, tag):
    """Handles exceptions: returns True when the comparison is over (both raised, or a mismatch)."""
    got_exc, want_exc = isinstance(got, Exception), isinstance(want, Exception)
    if not got_exc and not want_exc:
        return False
    if want_exc and isinstance(want, ValueError):
        failures.check(isinstance(got, ValueError),
                       f"{tag}: scikit-learn raised ValueError({want}); trainmetrics gave {got!r}")
    elif want_exc:
        failures.check(False, f"{tag}: scikit-learn raised {want!r} (test case problem); trainmetrics gave {got!r}")
    else:
        failures.check(False, f"{tag}: trainmetrics raised {got!r}; scikit-learn gave {want!r}")
    return True


def zd_name(zd):
    return "nan" if is_nan(zd) else repr(zd)


def pick_pos_label(case, rng):
    """A pos_label scikit-learn accepts for average='binary' (None = leave the default 1)."""
    present = case.present.tolist()
    if case.kind != "string" and (1 in present or len(present) == 1) and rng.random() < 0.3:
        return None
    if len(present) == 2 or rng.random() < 0.6:
        return present[int(rng.integers(len(present)))]
    return case.classes.tolist()[int(rng.integers(case.k))]


# ---- confusion_matrix ----------------------------------------------------------------------------

@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_confusion_matrix(chunk, failures):
    for case, _ in cases("confusion_matrix", chunk):
        for normalize in (None, "true", "pred", "all"):
            tag = f"{case.describe()} normalize={normalize}"
            want, _ = record(skm.confusion_matrix, case.y_true, case.y_pred, labels=case.labels,
                             sample_weight=case.weights, normalize=normalize)
            got, _ = record(ts.confusion_matrix, case.t_in, case.p_in, labels=case.labels,
                            sample_weight=case.w_in, normalize=normalize)
            if both_raise(failures, got, want, tag):
                continue
            failures.close(got, want, tag)
            if normalize is None:
                failures.check(got.dtype.kind == want.dtype.kind,
                               f"{tag}: dtype {got.dtype}, scikit-learn {want.dtype}")
    failures.assert_none()


# ---- precision, recall, F-beta -------------------------------------------------------------------

PRF_FUNCTIONS = {  # name: (position in the (p, r, f, s) tuple or None for all, warn_for)
    "precision_recall_fscore_support": (None, ("precision", "recall", "f-score")),
    "precision_score": (0, ("precision",)),
    "recall_score": (1, ("recall",)),
    "f1_score": (2, ("f-score",)),
    "fbeta_score": (2, ("f-score",)),
}


def check_prf(failures, name, case, average, zd, beta, pos_label):
    position, warn_for = PRF_FUNCTIONS[name]
    kwargs = dict(labels=case.labels, average=average, zero_division=zd)
    if name in ("precision_recall_fscore_support", "fbeta_score"):
        kwargs["beta"] = beta
    if average == "binary" and pos_label is not None:
        kwargs["pos_label"] = pos_label
    tag = f"{name} {case.describe()} average={average} zero_division={zd_name(zd)} beta={beta}" + (
        f" pos_label={pos_label!r}" if average == "binary" else "")
    sk_kwargs = dict(kwargs)
    if is_nan(zd):
        sk_kwargs["zero_division"] = 0  # 1.2 refuses NaN; the values are replaced by rule (b) below
    want, sk_warnings = record(getattr(skm, name), case.y_true, case.y_pred, sample_weight=case.weights,
                               **sk_kwargs)
    got, tm_warnings = record(getattr(ts, name), case.t_in, case.p_in, sample_weight=case.w_in, **kwargs)
    if both_raise(failures, got, want, tag):
        return

    # >= 1.4 reference from scikit-learn's per-label counts.
    selected = [1 if pos_label is None else pos_label] if average == "binary" else case.labels
    tp, true_sum, pred_sum = label_counts(case.y_true, case.y_pred, selected, case.weights)
    ref = prf_reference(tp, true_sum, pred_sum, beta, None if average == "binary" else average, zd)
    if average == "binary":  # >= 1.4 averages the single label with _nanaverage: the value itself
        ref = (float(ref[0][0]), float(ref[1][0]), float(ref[2][0]), None)

    want = tuple(want) if position is None else (None,) * position + (want,)
    got = tuple(got) if position is None else (None,) * position + (got,)
    for i in (range(len(want)) if position is None else [position]):
        metric = ("precision", "recall", "f-score", "support")[i]
        if want[i] is None and i == 3:
            failures.check(got[i] is None, f"{tag}: support should be None for an average, got {got[i]!r}")
            continue
        if i == 3:
            failures.close(got[i], want[i], f"{tag} support")
            # Integer counts without weights (scikit-learn 1.2 itself returns float zeros
            # when no label has a true positive), weight sums otherwise.
            kind = "i" if case.weights is None else "f"
            failures.check(np.asarray(got[i]).dtype.kind == kind, f"{tag}: support dtype {np.asarray(got[i]).dtype}")
            continue
        if is_nan(zd):
            # Rule (b): zero_division=np.nan, >= 1.4 semantics computed with NumPy.
            failures.close(got[i], ref[i], f"{tag} {metric} (>= 1.4 rule b: zero_division=nan)")
        elif i == 2 and zd == 1:
            # Rule (a): F-beta from counts with zero_division=1, >= 1.4 semantics computed with NumPy.
            failures.close(got[i], ref[i], f"{tag} {metric} (>= 1.4 rule a: F from counts)")
        elif average == "weighted" and zd == 1 and true_sum.sum() == 0:
            # Rule (c): 1.2's weighted short-circuit for labels without true samples.
            failures.close(got[i], ref[i], f"{tag} {metric} (>= 1.4 rule c: weighted, no true samples)")
        else:
            failures.close(got[i], want[i], f"{tag} {metric}")
            failures.check(close(ref[i], want[i]),
                           f"{tag} {metric}: the test's NumPy reference {ref[i]!r} disagrees with scikit-learn "
                           f"{want[i]!r} (test bug)")

    if zd != "warn":
        failures.check(not tm_warnings, f"{tag}: warned {tm_warnings} although zero_division={zd_name(zd)}")
        return
    # Precision and recall warnings: the same text as scikit-learn (1.2's "Precision and
    # F-score are" is spelled "Precision is" since 1.4, which trainmetrics follows).
    want_pr = {normalize_12_warning(m) for m in sk_warnings if m.startswith(("Precision", "Recall"))}
    got_pr = {m for m in tm_warnings if m.startswith(("Precision", "Recall"))}
    failures.check(got_pr == want_pr, f"{tag}: precision/recall warnings {sorted(got_pr)}, "
                                      f"scikit-learn {sorted(want_pr)}")
    # F-score warning: its text follows 1.4, so only check that one is raised whenever
    # 1.4 would raise it (F computed by division, some label with tp+fp+fn = 0).
    if "f-score" in warn_for and 0 < beta < math.inf:
        sums = true_sum + pred_sum
        if average == "micro":
            sums = np.array([sums.sum()])
        if np.any(sums == 0):
            failures.check(any(m.startswith("F-score is ill-defined") for m in tm_warnings),
                           f"{tag}: no F-score UndefinedMetricWarning (>= 1.4 raises one); got {tm_warnings}")


def run_prf_family(name, chunk, failures):
    for case, rng in cases(name, chunk, binary_share=0.3):
        zd = ZERO_DIVISIONS[case.index % len(ZERO_DIVISIONS)]
        if name == "f1_score":
            beta = 1.0
        else:
            beta = [1.0, 0.5, 2.0, 0.0, math.inf, float(rng.uniform(0.05, 6))][case.index % 6]
        pos_label = pick_pos_label(case, rng) if case.binary_valid else None
        averages = AVERAGES + ("binary",)
        for average in averages:
            check_prf(failures, name, case, average, zd, beta, pos_label)
    failures.assert_none()


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_precision_recall_fscore_support(chunk, failures):
    run_prf_family("precision_recall_fscore_support", chunk, failures)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_precision_score(chunk, failures):
    run_prf_family("precision_score", chunk, failures)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_recall_score(chunk, failures):
    run_prf_family("recall_score", chunk, failures)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_f1_score(chunk, failures):
    run_prf_family("f1_score", chunk, failures)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_fbeta_score(chunk, failures):
    run_prf_family("fbeta_score", chunk, failures)


# ---- jaccard -------------------------------------------------------------------------------------

@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_jaccard_score(chunk, failures):
    for case, rng in cases("jaccard_score", chunk, binary_share=0.3):
        zd = ZERO_DIVISIONS[case.index % len(ZERO_DIVISIONS)]
        pos_label = pick_pos_label(case, rng) if case.binary_valid else None
        for average in AVERAGES + ("binary",):
            kwargs = dict(labels=case.labels, average=average, zero_division=zd)
            if average == "binary" and pos_label is not None:
                kwargs["pos_label"] = pos_label
            tag = f"jaccard_score {case.describe()} average={average} zero_division={zd_name(zd)}"
            sk_kwargs = dict(kwargs, zero_division=0 if is_nan(zd) else zd)
            want, sk_warnings = record(skm.jaccard_score, case.y_true, case.y_pred, sample_weight=case.weights,
                                       **sk_kwargs)
            got, tm_warnings = record(ts.jaccard_score, case.t_in, case.p_in, sample_weight=case.w_in, **kwargs)
            if both_raise(failures, got, want, tag):
                continue
            selected = [1 if pos_label is None else pos_label] if average == "binary" else case.labels
            counts = label_counts(case.y_true, case.y_pred, selected, case.weights)
            ref = jaccard_reference(*counts, None if average == "binary" else average, zd)
            if average == "binary":
                ref = float(ref[0])
            if is_nan(zd):
                # Rule (b): zero_division=np.nan, >= 1.4 semantics computed with NumPy.
                failures.close(got, ref, f"{tag} (>= 1.4 rule b: zero_division=nan)")
            else:
                failures.close(got, want, tag)
                failures.check(close(ref, want), f"{tag}: NumPy reference {ref!r} disagrees with scikit-learn "
                                                 f"{want!r} (test bug)")
            if zd == "warn":
                failures.check(set(tm_warnings) == set(sk_warnings),
                               f"{tag}: warnings {tm_warnings}, scikit-learn {sk_warnings}")
            else:
                failures.check(not tm_warnings, f"{tag}: warned {tm_warnings}")
    failures.assert_none()


# ---- whole-matrix scores -------------------------------------------------------------------------

@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_accuracy_score(chunk, failures):
    for case, _ in cases("accuracy_score", chunk):
        for normalize in (True, False):
            tag = f"accuracy_score {case.describe()} normalize={normalize}"
            want, _ = record(skm.accuracy_score, case.y_true, case.y_pred, normalize=normalize,
                             sample_weight=case.weights)
            got, _ = record(ts.accuracy_score, case.t_in, case.p_in, normalize=normalize, sample_weight=case.w_in)
            if both_raise(failures, got, want, tag):
                continue
            failures.close(got, want, tag)
            if not normalize and case.weights is None:
                failures.check(isinstance(got, (int, np.integer)) and got == want,
                               f"{tag}: count {got!r}, scikit-learn {want!r} (an exact integer)")
    failures.assert_none()


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_balanced_accuracy_score(chunk, failures):
    for case, _ in cases("balanced_accuracy_score", chunk):
        for adjusted in (False, True):
            tag = f"balanced_accuracy_score {case.describe()} adjusted={adjusted}"
            with np.errstate(all="ignore"):
                want, _ = record(skm.balanced_accuracy_score, case.y_true, case.y_pred, adjusted=adjusted,
                                 sample_weight=case.weights)
            got, _ = record(ts.balanced_accuracy_score, case.t_in, case.p_in, adjusted=adjusted,
                            sample_weight=case.w_in)
            if both_raise(failures, got, want, tag):
                continue
            failures.close(got, want, tag)
    failures.assert_none()


def selected_total(case):
    try:
        return skm.confusion_matrix(case.y_true, case.y_pred, labels=case.labels, sample_weight=case.weights).sum()
    except ValueError:
        return None


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_cohen_kappa_score(chunk, failures):
    for case, _ in cases("cohen_kappa_score", chunk):
        for weights in (None, "linear", "quadratic"):
            tag = f"cohen_kappa_score {case.describe()} weights={weights}"
            with np.errstate(all="ignore"):
                want, _ = record(skm.cohen_kappa_score, case.y_true, case.y_pred, labels=case.labels,
                                 weights=weights, sample_weight=case.weights)
            got, _ = record(ts.cohen_kappa_score, case.t_in, case.p_in, labels=case.labels, weights=weights,
                            sample_weight=case.w_in)
            if (isinstance(got, ValueError) and not isinstance(want, Exception) and np.isnan(want)
                    and selected_total(case) == 0):
                # The labels select no sample at all: scikit-learn returns NaN (0/0),
                # trainmetrics raises ValueError (EmptyError) - the accepted "raise
                # ValueError" alternative for empty input.
                continue
            if both_raise(failures, got, want, tag):
                continue
            failures.close(got, want, tag)  # rtol 1e-9, atol 1e-12
    failures.assert_none()


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_matthews_corrcoef(chunk, failures):
    for case, _ in cases("matthews_corrcoef", chunk):
        tag = f"matthews_corrcoef {case.describe()}"
        want, _ = record(skm.matthews_corrcoef, case.y_true, case.y_pred, sample_weight=case.weights)
        got, _ = record(ts.matthews_corrcoef, case.t_in, case.p_in, sample_weight=case.w_in)
        if both_raise(failures, got, want, tag):
            continue
        failures.close(got, want, tag)  # rtol 1e-9, atol 1e-12
    failures.assert_none()


# ---- classification_report -----------------------------------------------------------------------

def sklearn_report(case, zd, **kwargs):
    """scikit-learn 1.2's report; for zero_division 1 and NaN its numbers come from the
    >= 1.4 rules (a)-(c), by running 1.2's own report code over prfs_14."""
    call = lambda: record(skm.classification_report, case.y_true, case.y_pred, labels=case.labels,  # noqa: E731
                          sample_weight=case.weights, zero_division=zd, **kwargs)
    if zd == "warn" or zd == 0:
        return call()
    with mock.patch.object(sk_classification, "precision_recall_fscore_support", prfs_14):
        return call()


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_classification_report(chunk, failures):
    # Supports print as numbers, so weights are exact (dyadic or integer) here: a
    # last-bit difference in a weight sum would change the text, not the value.
    for case, rng in cases("classification_report", chunk, weight_kinds=("none", "dyadic", "int"),
                           weight_p=(0.5, 0.3, 0.2)):
        zd = ZERO_DIVISIONS[case.index % len(ZERO_DIVISIONS)]
        digits = case.index % 6
        n_rows = len(case.labels) if case.labels is not None else len(case.present)
        target_names = [f"name_{i}" for i in range(n_rows)] if rng.random() < 0.2 else None
        tag = f"classification_report {case.describe()} zero_division={zd_name(zd)} digits={digits}" + (
            " target_names" if target_names else "")

        want, sk_warnings = sklearn_report(case, zd, digits=digits, target_names=target_names)
        got, tm_warnings = record(ts.classification_report, case.t_in, case.p_in, labels=case.labels,
                                  sample_weight=case.w_in, zero_division=zd, digits=digits,
                                  target_names=target_names)
        if not both_raise(failures, got, want, tag):
            failures.check(same_report(got, want, digits), f"{tag}: text differs\n--- trainmetrics\n{got}\n"
                                                           f"--- scikit-learn\n{want}")

        want_d, _ = sklearn_report(case, zd, output_dict=True, target_names=target_names)
        got_d, _ = record(ts.classification_report, case.t_in, case.p_in, labels=case.labels,
                          sample_weight=case.w_in, zero_division=zd, output_dict=True, target_names=target_names)
        if not both_raise(failures, got_d, want_d, tag + " output_dict"):
            if failures.check(list(got_d) == list(want_d),
                              f"{tag} output_dict: keys {list(got_d)}, scikit-learn {list(want_d)}"):
                for key, value in want_d.items():
                    if isinstance(value, dict):
                        ok = list(got_d[key]) == list(value) and all(
                            close(got_d[key][m], value[m]) for m in value)
                    else:
                        ok = close(got_d[key], value)
                    failures.check(ok, f"{tag} output_dict[{key!r}]: {got_d[key]!r}, scikit-learn {value!r}")

        if zd == "warn":
            want_pr = {normalize_12_warning(m) for m in sk_warnings if m.startswith(("Precision", "Recall"))}
            got_pr = {m for m in tm_warnings if m.startswith(("Precision", "Recall"))}
            failures.check(got_pr == want_pr, f"{tag}: warnings {sorted(got_pr)}, scikit-learn {sorted(want_pr)}")
            if not isinstance(want, Exception):
                selected = case.labels if case.labels is not None else case.present
                tp, true_sum, pred_sum = label_counts(case.y_true, case.y_pred, selected, case.weights)
                if np.any(true_sum + pred_sum == 0):  # >= 1.4 warns for F as well
                    failures.check(any(m.startswith("F-score is ill-defined") for m in tm_warnings),
                                   f"{tag}: no F-score UndefinedMetricWarning; got {tm_warnings}")
        else:
            failures.check(not tm_warnings, f"{tag}: warned {tm_warnings}")
    failures.assert_none()


def test_reference_rules_on_known_edges():
    """The three 1.2 / >= 1.4 differences the differential relies on, on fixed inputs."""
    # (a) beta = 0 with no predicted samples of the label: >= 1.4 gives zero_division.
    y_true, y_pred = [0, 0, 1], [1, 1, 1]
    assert ts.fbeta_score(y_true, y_pred, beta=0.0, average=None, zero_division=1).tolist() == [1.0, 1 / 3]
    assert ts.f1_score(y_true, y_pred, average=None, zero_division=1).tolist() == [0.0, 0.5]
    # (b) NaN zero_division: undefined precision of label 0 dropped from the macro average.
    assert ts.precision_score(y_true, y_pred, average="macro", zero_division=np.nan) == pytest.approx(1 / 3)
    assert math.isnan(ts.precision_score([0, 0], [0, 0], labels=[1], average="macro", zero_division=np.nan))
    assert ts.precision_score(y_true, y_pred, average="weighted", zero_division=np.nan) == pytest.approx(1 / 3)
    # (c) weighted average over labels with no true samples: the plain mean in >= 1.4.
    p, r, f, _ = ts.precision_recall_fscore_support([0, 0, 1], [0, 2, 1], labels=[2, 3], average="weighted",
                                                    zero_division=1)
    assert (p, r, f) == (0.5, 1.0, 0.5)
    sk = skm.precision_recall_fscore_support([0, 0, 1], [0, 2, 1], labels=[2, 3], average="weighted",
                                             zero_division=1)
    assert sk[:3] == (0.0, 1.0, 0.0)  # scikit-learn 1.2's short-circuit, which >= 1.4 removed
