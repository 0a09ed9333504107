#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test of the confusion matrix and its metrics against scikit-learn.

Calls the shared library through ctypes (the API.md names, as outside programs
do) on seeded random cases and compares with sklearn.metrics. Debian ships
scikit-learn 1.2, which predates two >= 1.4 rules the library follows; where
they matter the expected value is computed here with NumPy from the >= 1.4
definition and the test says so:
  * F-beta from counts: with zero_division=1, a class with tp = 0 but fp or fn
    > 0 scores 0 in >= 1.4, while 1.2 derives F from the substituted precision
    or recall. (With zero_division=0 both versions agree, so F is compared with
    scikit-learn directly there.)
  * zero_division=np.nan does not exist in 1.2; its averages drop NaN entries
    with their weights (_nanaverage), reproduced here in NumPy.
Exit status 77 (skipped) when NumPy or scikit-learn is missing.
"""
import ctypes as C
import math
import sys
import warnings

try:
    import numpy as np
    from sklearn import metrics as skm
    from sklearn.exceptions import UndefinedMetricWarning
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"skipping: {e}")
    sys.exit(77)

warnings.simplefilter("ignore", UndefinedMetricWarning)
warnings.simplefilter("ignore", RuntimeWarning)
warnings.simplefilter("ignore", UserWarning)

from oracle_lib import Tally, lib, ok, ptr  # noqa: E402  (after the skip above)

D = C.c_double
PRECISION, RECALL, F1, JACCARD, SUPPORT = 0, 1, 2, 7, 8
MACRO, MICRO, WEIGHTED, MACRO_PRESENT = 0, 1, 2, 3
ZD = {0: 0, 1: 1, "nan": 2}
WEIGHTED_FLAG = 1

tally = Tally()
expect = tally.close


class Confusion:
    def __init__(self, k, weighted=False):
        self.k = k
        self.h = C.c_void_p()
        ok(lib.trm_confusion_new(C.byref(self.h), k, WEIGHTED_FLAG if weighted else 0, None))

    def __del__(self):
        lib.trm_confusion_free(self.h)

    def per_class(self, metric, zd):
        out = np.empty(self.k)
        ok(lib.trm_metric_per_class(self.h, metric, ZD[zd], ptr(out)))
        return out

    def average(self, metric, avg, zd):
        out = D()
        ok(lib.trm_metric_average(self.h, metric, avg, ZD[zd], C.byref(out)))
        return out.value

    def fbeta(self, beta, zd, avg=None):
        if avg is None:
            out = np.empty(self.k)
            ok(lib.trm_fbeta_per_class(self.h, beta, ZD[zd], ptr(out)))
            return out
        out = D()
        ok(lib.trm_fbeta_average(self.h, beta, avg, ZD[zd], C.byref(out)))
        return out.value

    def matrix(self, normalize):
        out = np.empty(self.k * self.k)
        ok(lib.trm_confusion_matrix(self.h, normalize, ptr(out)))
        return out.reshape(self.k, self.k)

    def scalar(self, fn, *args):
        out = D()
        ok(fn(self.h, *args, C.byref(out)))
        return out.value

    def report(self, digits):
        size = C.c_size_t()
        lib.trm_classification_report(self.h, None, digits, None, 0, C.byref(size))
        buf = C.create_string_buffer(size.value)
        ok(lib.trm_classification_report(self.h, None, digits, buf, size.value, C.byref(size)))
        return buf.value.decode()


def random_case(rng):
    k = int(rng.integers(1, 61))
    n = int(rng.choice([1, 2, 7, 50, 300, 2000, 20000]))
    classes = np.arange(k)
    # Drop some classes from y_true and/or y_pred so absent classes are common.
    true_pool = classes[rng.random(k) > 0.25] if k > 1 and rng.random() < 0.6 else classes
    pred_pool = classes[rng.random(k) > 0.25] if k > 1 and rng.random() < 0.6 else classes
    true_pool = true_pool if true_pool.size else classes[:1]
    pred_pool = pred_pool if pred_pool.size else classes[-1:]
    y_true = rng.choice(true_pool, n).astype(np.int32)
    y_pred = rng.choice(pred_pool, n).astype(np.int32)
    # Make predictions mostly right so the metrics are not all near chance.
    right = rng.random(n) < rng.random()
    y_pred[right & np.isin(y_true, pred_pool)] = y_true[right & np.isin(y_true, pred_pool)]
    weights = rng.choice([0.0, 0.5, 1.0, 2.25, 3.0], n) if rng.random() < 0.3 else None
    return k, y_true, y_pred, weights


def nanaverage(values, weights=None):
    """scikit-learn >= 1.4 _nanaverage; the library returns the zero_division value (NaN) when empty."""
    mask = ~np.isnan(values)
    if not mask.any():
        return np.nan
    v = values[mask]
    if weights is None:
        return v.mean()
    w = weights[mask]
    return np.average(v, weights=w) if w.sum() != 0 else v.mean()


def count_fbeta(tp, true_sum, pred_sum, beta, zd_value):
    """F-beta from counts, scikit-learn >= 1.4."""
    if math.isinf(beta):
        num, den = tp, true_sum
    else:
        num, den = (1 + beta * beta) * tp, beta * beta * true_sum + pred_sum
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), zd_value)


def same_report(got, want, digits):
    """Identical layout and text; a number may differ by one unit in its last digit.

    scikit-learn 1.2 derives F1 from rounded precision and recall, >= 1.4 from the
    counts, so a score lying on a rounding boundary (0.95 against 0.9499999999999)
    may print one digit apart; the values themselves are compared to 1e-12 above.
    """
    a, b = got.split(" "), want.split(" ")
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        try:
            if abs(float(x) - float(y)) > 1.0001 * 10.0 ** -digits:
                return False
        except ValueError:
            return False
    return True


def check_case(case_id, rng):
    k, y_true, y_pred, weights = random_case(rng)
    labels = list(range(k))
    cm = Confusion(k, weighted=weights is not None)
    # Accumulate in random batches, as training does.
    cuts = np.sort(rng.integers(0, len(y_true) + 1, size=3))
    for a, b in zip([0, *cuts], [*cuts, len(y_true)]):
        t, p = np.ascontiguousarray(y_true[a:b]), np.ascontiguousarray(y_pred[a:b])
        if weights is None:
            ok(lib.trm_confusion_update_i32(cm.h, ptr(t), ptr(p), b - a))
        else:
            w = np.ascontiguousarray(weights[a:b])
            ok(lib.trm_confusion_update_weighted_i32(cm.h, ptr(t), ptr(p), ptr(w), b - a))
    tag = f"case {case_id} (K={k}, n={len(y_true)}, weighted={weights is not None})"

    sk = lambda f, **kw: f(y_true, y_pred, sample_weight=weights, **kw)
    weighted_cm = sk(skm.confusion_matrix, labels=labels)
    weighted_presence = weighted_cm.sum(axis=0) + weighted_cm.sum(axis=1)
    for norm, name in enumerate([None, "true", "pred", "all"]):
        expect(f"{tag} matrix normalize={name}", cm.matrix(norm),
               sk(skm.confusion_matrix, labels=labels, normalize=name))

    for zd in (0, 1):
        p, r, f, s = sk(skm.precision_recall_fscore_support, labels=labels, average=None, zero_division=zd)
        expect(f"{tag} precision zd={zd}", cm.per_class(PRECISION, zd), p)
        expect(f"{tag} recall zd={zd}", cm.per_class(RECALL, zd), r)
        expect(f"{tag} support", cm.per_class(SUPPORT, zd), s)
        expect(f"{tag} jaccard zd={zd}", cm.per_class(JACCARD, zd),
               sk(skm.jaccard_score, labels=labels, average=None, zero_division=zd))
        for avg_name, avg in [("macro", MACRO), ("micro", MICRO), ("weighted", WEIGHTED)]:
            p, r, f, _ = sk(skm.precision_recall_fscore_support, labels=labels, average=avg_name, zero_division=zd)
            expect(f"{tag} precision {avg_name} zd={zd}", cm.average(PRECISION, avg, zd), p)
            expect(f"{tag} recall {avg_name} zd={zd}", cm.average(RECALL, avg, zd), r)
            expect(f"{tag} jaccard {avg_name} zd={zd}", cm.average(JACCARD, avg, zd),
                   sk(skm.jaccard_score, labels=labels, average=avg_name, zero_division=zd))
            if zd == 0:  # 1.2 and >= 1.4 agree on F when zero_division is 0
                expect(f"{tag} f1 {avg_name}", cm.average(F1, avg, zd), f)
        # MACRO_PRESENT is scikit-learn's default label set (classes that occur), except
        # that a class whose samples all weigh 0 has tp + fp + fn = 0 and is absent.
        present_labels = [c for c in labels if weighted_presence[c] > 0] or None
        p, r, f, _ = sk(skm.precision_recall_fscore_support, labels=present_labels, average="macro",
                        zero_division=zd)
        expect(f"{tag} precision macro_present zd={zd}", cm.average(PRECISION, MACRO_PRESENT, zd), p)
        expect(f"{tag} recall macro_present zd={zd}", cm.average(RECALL, MACRO_PRESENT, zd), r)
        if zd == 0:
            expect(f"{tag} f1 macro_present", cm.average(F1, MACRO_PRESENT, zd), f)
            for beta in (0.5, 2.0):
                expect(f"{tag} fbeta {beta}", cm.fbeta(beta, zd),
                       sk(skm.fbeta_score, beta=beta, labels=labels, average=None, zero_division=zd))

    # >= 1.4 count-form F-beta and NaN zero_division, computed here with NumPy.
    mat = sk(skm.confusion_matrix, labels=labels).astype(float)  # weighted when weights are given
    tp, true_sum, pred_sum = np.diag(mat), mat.sum(axis=1), mat.sum(axis=0)
    present = (true_sum + pred_sum) > 0
    for zd, zd_value in [(1, 1.0), ("nan", np.nan)]:
        for beta in (1.0, 0.5, 2.0, 0.0, math.inf):
            want = count_fbeta(tp, true_sum, pred_sum, beta, zd_value)
            expect(f"{tag} fbeta {beta} zd={zd} (>=1.4 rule)", cm.fbeta(beta, zd), want)
            expect(f"{tag} fbeta {beta} macro zd={zd}", cm.fbeta(beta, zd, MACRO), nanaverage(want))
            expect(f"{tag} fbeta {beta} weighted zd={zd}", cm.fbeta(beta, zd, WEIGHTED), nanaverage(want, true_sum))
            expect(f"{tag} fbeta {beta} macro_present zd={zd}", cm.fbeta(beta, zd, MACRO_PRESENT),
                   nanaverage(want[present]) if present.any() else zd_value)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision_nan = np.where(pred_sum > 0, tp / np.where(pred_sum > 0, pred_sum, 1), np.nan)
    expect(f"{tag} precision macro zd=nan", cm.average(PRECISION, MACRO, "nan"), nanaverage(precision_nan))
    expect(f"{tag} precision weighted zd=nan", cm.average(PRECISION, WEIGHTED, "nan"),
           nanaverage(precision_nan, true_sum))

    if mat.sum() == 0:  # every weight was 0: nothing counted
        tally.check(lib.trm_accuracy(cm.h, C.byref(D())) == -10,
                    f"{tag}: accuracy of an empty matrix is not TRM_E_EMPTY")
        return
    expect(f"{tag} accuracy", cm.scalar(lib.trm_accuracy), sk(skm.accuracy_score))
    for adjusted in (0, 1):
        expect(f"{tag} balanced accuracy adjusted={adjusted}", cm.scalar(lib.trm_balanced_accuracy, adjusted),
               sk(skm.balanced_accuracy_score, adjusted=bool(adjusted)))
    for code, name in enumerate([None, "linear", "quadratic"]):
        expect(f"{tag} kappa {name}", cm.scalar(lib.trm_cohen_kappa, code),
               skm.cohen_kappa_score(y_true, y_pred, labels=labels, weights=name, sample_weight=weights),
               rtol=1e-9, atol=1e-12)
    expect(f"{tag} mcc", cm.scalar(lib.trm_matthews_corrcoef), sk(skm.matthews_corrcoef), rtol=1e-9, atol=1e-12)

    digits = int(rng.integers(0, 6))
    want = sk(skm.classification_report, labels=labels, digits=digits, zero_division=0)
    got = cm.report(digits)
    tally.check(same_report(got, want, digits),
                lambda: f"{tag} report digits={digits}:\n--- library\n{got}\n--- scikit-learn\n{want}")


def check_other_entry_points(rng):
    """Every label width, argmax, threshold and merge against scikit-learn on the same data."""
    for case in range(60):
        k = int(rng.integers(2, 40))
        n = int(rng.integers(1, 5000))
        y_true = rng.integers(0, k, n)
        want = None
        scores = rng.integers(0, 4, (n, k + 3)).astype(np.float32)  # many ties, 3 padding columns
        scores[:, k:] = 99.0
        y_pred = np.argmax(scores[:, :k], axis=1)
        want = skm.confusion_matrix(y_true, y_pred, labels=list(range(k)))
        for name, dt in [("u8", np.uint8), ("u16", np.uint16), ("i32", np.int32), ("i64", np.int64)]:
            if name == "u8" and k > 255:
                continue
            cm = Confusion(k)
            t, p = y_true.astype(dt), y_pred.astype(dt)
            ok(getattr(lib, "trm_confusion_update_" + name)(cm.h, ptr(t), ptr(p), n))
            expect(f"update_{name} K={k}", cm.matrix(0), want)
        cm = Confusion(k)
        t = y_true.astype(np.int32)
        ok(lib.trm_confusion_update_argmax_f32(cm.h, ptr(t), ptr(scores), n, k + 3))
        expect(f"argmax K={k} (ties to lowest index)", cm.matrix(0), want)
        half = n // 2
        a, b = Confusion(k), Confusion(k)
        p32 = y_pred.astype(np.int32)
        ok(lib.trm_confusion_update_i32(a.h, ptr(t), ptr(p32), half))
        ok(lib.trm_confusion_update_i32(b.h, ptr(t[half:]), ptr(p32[half:]), n - half))
        ok(lib.trm_confusion_merge(a.h, b.h))
        expect(f"merge K={k}", a.matrix(0), want)
    for case in range(40):
        n = int(rng.integers(1, 3000))
        y_true = rng.integers(0, 2, n).astype(np.int32)
        scores = np.round(rng.random(n), 1)
        threshold = float(rng.choice([0.0, 0.3, 0.5, 0.7]))
        cm = Confusion(2)
        ok(lib.trm_confusion_update_threshold_f64(cm.h, ptr(y_true), ptr(scores), n, threshold))
        expect(f"threshold {threshold}", cm.matrix(0),
               skm.confusion_matrix(y_true, (scores > threshold).astype(int), labels=[0, 1]))


def main():
    rng = np.random.default_rng(20261127)
    cases = 300
    for case_id in range(cases):
        check_case(case_id, rng)
    check_other_entry_points(rng)
    return tally.summary()


if __name__ == "__main__":
    sys.exit(main())
