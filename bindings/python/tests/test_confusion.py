# SPDX-License-Identifier: MIT
"""The ConfusionMatrix class: updates from every input form, contents, metrics and life cycle."""
import copy
import math
import pickle

import numpy as np
import pytest
from sklearn import metrics as skm

import trainmetrics
import trainmetrics._confusion as confusion_module
from trainmetrics import ConfusionMatrix, MismatchError

from testlib import assert_close, divide, nanaverage, prf_reference, same_report

LABEL_DTYPES = [np.uint8, np.uint16, np.int32, np.int64, np.int8, np.int16, np.uint32, np.uint64, np.bool_]


def reference_counts(k, y_true, y_pred, weights=None, ignore=None):
    """The expected cells, counted with NumPy."""
    t, p = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    w = np.ones(t.size) if weights is None else np.asarray(weights, dtype=float)
    if ignore is not None:
        keep = t != ignore
        t, p, w = t[keep], p[keep], w[keep]
    out = np.zeros((k, k))
    np.add.at(out, (t, p), w)
    return out


def random_labels(rng, k, n, dtype=np.int64):
    t = rng.integers(0, k, n)
    p = np.where(rng.random(n) < 0.6, t, rng.integers(0, k, n))
    return t.astype(dtype), p.astype(dtype)


class CallSpy:
    """Records the C calls ConfusionMatrix makes (name and arguments), then makes them."""

    def __init__(self):
        self.calls = []
        self.real = confusion_module.call

    def __call__(self, name, *args):
        self.calls.append((name, args))
        return self.real(name, *args)

    def named(self, prefix):
        return [(name, args) for name, args in self.calls if name.startswith(prefix)]


    def direct(self, name, fn):
        """A stand-in for a C function update() calls without call() (its fast path)."""
        def record(*args):
            self.calls.append((name, args))
            return fn(*args)
        return record


@pytest.fixture
def spy(monkeypatch):
    s = CallSpy()
    monkeypatch.setattr(confusion_module, "call", s)
    for table in ("_UPDATE_BY_DTYPE", "_WEIGHTED_BY_DTYPE", "_ARGMAX_BY_DTYPE"):  # the fast paths' C functions
        monkeypatch.setattr(confusion_module, table, {dtype: s.direct(fn.__name__, fn)
                                                      for dtype, fn in getattr(confusion_module, table).items()})
    return s


# ---- label updates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", LABEL_DTYPES + ["list"], ids=lambda d: getattr(d, "__name__", str(d)))
def test_update_every_label_dtype_and_view(rng, dtype):
    k = 2 if dtype is np.bool_ else int(rng.integers(2, 100))
    n = 5001
    t, p = random_labels(rng, k, n)
    want = reference_counts(k, t, p)
    if dtype == "list":
        inputs = [(t.tolist(), p.tolist())]
    else:
        tt, pp = t.astype(dtype), p.astype(dtype)
        inputs = [(tt, pp), (tt[::2], pp[::2]), (tt[1::3], pp[1::3]), (tt[::-1], pp[::-1])]
    for y_true, y_pred in inputs:
        cm = ConfusionMatrix(k)
        assert cm.update(y_true, y_pred) is cm
        expected = reference_counts(k, y_true, y_pred)
        counts = cm.counts
        assert counts.dtype == np.uint64
        np.testing.assert_array_equal(counts, expected)
    cm = ConfusionMatrix(k).update(inputs[0][0], inputs[0][1])
    np.testing.assert_array_equal(cm.counts, want)


def test_update_mixed_dtypes_and_batches(rng):
    k = 50
    t, p = random_labels(rng, k, 3000)
    cm = ConfusionMatrix(k)
    cuts = [0, 1, 1, 700, 1500, 2999, 3000]
    forms = [(np.uint8, np.int64), (np.int32, np.uint16), (np.int16, np.int8), (np.uint64, np.int32),
             (np.int64, np.int64), (np.uint8, np.uint8)]
    for (a, b), (dt, dp) in zip(zip(cuts, cuts[1:]), forms):
        cm.update(t[a:b].astype(dt), p[a:b].astype(dp))
    np.testing.assert_array_equal(cm.counts, reference_counts(k, t, p))
    assert cm.total == 3000 and isinstance(cm.total, int)


@pytest.mark.parametrize("dtype,suffix", [(np.uint8, "u8"), (np.uint16, "u16"), (np.int32, "i32"),
                                          (np.int64, "i64")])
def test_contiguous_labels_are_passed_without_a_copy(spy, rng, dtype, suffix):
    t, p = random_labels(rng, 7, 1000, dtype)
    cm = ConfusionMatrix(7).update(t, p)
    ((name, args),) = spy.named("trm_confusion_update_")
    assert name == "trm_confusion_update_" + suffix
    assert args[1] == t.ctypes.data and args[2] == p.ctypes.data and args[3] == t.size
    np.testing.assert_array_equal(cm.counts, reference_counts(7, t, p))


def test_views_and_other_dtypes_are_converted_once(spy, rng):
    t, p = random_labels(rng, 7, 1000, np.int32)
    cm = ConfusionMatrix(7).update(t[::2], p[::2])
    ((name, args),) = spy.named("trm_confusion_update_")
    assert name == "trm_confusion_update_i32"
    assert args[1] != t.ctypes.data  # a gapped view is copied into a contiguous buffer
    np.testing.assert_array_equal(cm.counts, reference_counts(7, t[::2], p[::2]))
    spy.calls.clear()
    cm.update(t.astype(np.int16), p.astype(np.int16))
    assert spy.named("trm_confusion_update_")[0][0] == "trm_confusion_update_i64"


def test_weighted_updates_match_sklearn(rng):
    k = 12
    cm = ConfusionMatrix(k, weighted=True)
    assert cm.weighted
    ts, ps, ws = [], [], []
    for batch, weights_form in enumerate(["float", "list", "int", "uint8-labels", "view"]):
        t, p = random_labels(rng, k, int(rng.integers(1, 800)))
        w = rng.random(t.size) * 4
        w[rng.random(t.size) < 0.1] = 0.0
        if weights_form == "list":
            cm.update(t, p, w.tolist())
        elif weights_form == "int":
            w = rng.integers(0, 5, t.size)
            cm.update(t, p, w)
        elif weights_form == "uint8-labels":
            cm.update(t.astype(np.uint8), p.astype(np.uint8), w)
        elif weights_form == "view":
            wide = np.repeat(w, 2)
            cm.update(np.repeat(t, 2)[::2], np.repeat(p, 2)[::2], wide[::2])
        else:
            cm.update(t, p, w)
        ts.append(t), ps.append(p), ws.append(np.asarray(w, dtype=float))
    t, p, w = np.concatenate(ts), np.concatenate(ps), np.concatenate(ws)
    want = skm.confusion_matrix(t, p, labels=range(k), sample_weight=w)
    assert cm.counts.dtype == np.float64
    assert_close(cm.counts, want, "weighted cells")
    assert_close(cm.matrix(), want)
    assert isinstance(cm.total, float) and cm.total == pytest.approx(w.sum(), rel=1e-12)
    # Unweighted updates of a weighted matrix count 1.0 per pair.
    cm.update([0, 1], [1, 1])
    want[0, 1] += 1
    want[1, 1] += 1
    assert_close(cm.counts, want)


# ---- argmax and threshold --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_update_argmax_ties_go_to_the_lowest_index(rng, dtype):
    k = 9
    n = 4000
    t = rng.integers(0, k, n)
    scores = rng.integers(0, 3, (n, k)).astype(dtype)  # many ties
    scores[::7] = 1.0  # whole rows tied: class 0
    cm = ConfusionMatrix(k)
    assert cm.update_argmax(t, scores) is cm
    np.testing.assert_array_equal(cm.counts, reference_counts(k, t, np.argmax(scores, axis=1)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_update_argmax_column_slices_are_strided_rows_without_a_copy(spy, rng, dtype):
    k, width, n = 5, 13, 1500
    t = rng.integers(0, k, n)
    wide = rng.standard_normal((n, width)).astype(dtype)
    for view, stride in [(wide[:, :k], width), (wide[:, 4:4 + k], width), (wide[::3, 2:2 + k], 3 * width)]:
        spy.calls.clear()
        y = t[:view.shape[0]]
        cm = ConfusionMatrix(k).update_argmax(y, view)
        np.testing.assert_array_equal(cm.counts, reference_counts(k, y, np.argmax(view, axis=1)))
        ((name, args),) = spy.named("trm_confusion_update_argmax_")
        assert name.endswith("f32" if dtype == np.float32 else "f64")
        assert args[2] == view.ctypes.data, "a row-strided column slice must not be copied"
        assert args[3] == view.shape[0] and args[4] == stride


@pytest.mark.parametrize("make", ["reversed", "fortran", "broadcast", "column_step", "list", "float16", "int",
                                  "single_row", "sliding_window"])
def test_update_argmax_any_layout_counts_like_numpy(rng, make):
    k, n = 4, 300
    t = rng.integers(0, k, n)
    base = rng.standard_normal((n, 3 * k))
    if make == "reversed":
        scores = base[::-1, :k]
    elif make == "fortran":
        scores = np.asfortranarray(base[:, :k])
    elif make == "broadcast":
        scores = np.broadcast_to(base[0, :k], (n, k))
    elif make == "column_step":
        scores = base[:, ::3]
    elif make == "list":
        scores = base[:, :k].tolist()
    elif make == "float16":
        scores = base[:, :k].astype(np.float16)
    elif make == "int":
        scores = rng.integers(-3, 3, (n, k))
    elif make == "single_row":
        t, scores = t[:1], base[:1, ::2][:, :k]
    else:  # overlapping rows: row i is x[i:i+k], a row stride (1 element) smaller than K
        # x is the head of a larger buffer so that a reader using the wrong row
        # stride stays inside mapped memory and fails the comparison instead of crashing.
        big = rng.standard_normal(n * k + k)
        x = big[:n + k - 1]
        scores = np.lib.stride_tricks.sliding_window_view(x, k)
    want = reference_counts(k, t, np.argmax(np.asarray(scores), axis=1))
    cm = ConfusionMatrix(k).update_argmax(t, scores)
    np.testing.assert_array_equal(cm.counts, want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_update_threshold_is_strictly_greater(rng, dtype):
    n = 3000
    t = rng.integers(0, 2, n)
    scores = rng.choice(np.array([-2.0, -1.5, 0.0, 0.25, 0.5, 0.75, 1.0, 3.0]), n).astype(dtype)
    for threshold in (0.5, 0.25, 0.0, -1.5, 0.75, 5.0, -math.inf):
        cm = ConfusionMatrix(2)
        assert cm.update_threshold(t, scores, threshold) is cm
        # Every threshold and score here is exact in float32, so `>` has one meaning.
        np.testing.assert_array_equal(cm.counts, reference_counts(2, t, (scores > threshold).astype(int)),
                                      err_msg=f"threshold {threshold}")
    cm = ConfusionMatrix(2).update_threshold(t, scores)  # default 0.5
    np.testing.assert_array_equal(cm.counts, reference_counts(2, t, (scores > 0.5).astype(int)))
    # Lists and views
    cm = ConfusionMatrix(2).update_threshold(t[::2].tolist(), scores[::2].tolist(), 0.25)
    np.testing.assert_array_equal(cm.counts, reference_counts(2, t[::2], (scores[::2] > 0.25).astype(int)))


# ---- ignore_index ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ignore", [-100, -1, 0, 2, 255, 2 ** 40])
def test_ignore_index_skips_pairs_whose_true_label_matches(rng, ignore):
    k = 5
    cm = ConfusionMatrix(k, ignore_index=ignore)
    assert cm.ignore_index == ignore
    t, p = random_labels(rng, k, 2000)
    mark = rng.random(t.size) < 0.2
    t[mark] = ignore
    p[mark & (rng.random(t.size) < 0.5)] = 10 ** 6  # the prediction of a skipped pair is not checked
    cm.update(t, p)
    want = reference_counts(k, t, p, ignore=ignore)
    np.testing.assert_array_equal(cm.counts, want)
    if 0 <= ignore < 256:
        cm2 = ConfusionMatrix(k, ignore_index=ignore).update(t.astype(np.uint8), np.clip(p, 0, 255).astype(np.uint8))
        np.testing.assert_array_equal(cm2.counts, reference_counts(k, t, np.clip(p, 0, 255), ignore=ignore))
    # Weighted, argmax and threshold updates skip the same rows (NaN scores there are not read).
    w = rng.random(t.size)
    cmw = ConfusionMatrix(k, weighted=True, ignore_index=ignore).update(t, p, w)
    assert_close(cmw.counts, reference_counts(k, t, p, w, ignore=ignore))
    if abs(ignore) < 2 ** 31:
        scores = rng.standard_normal((t.size, k))
        scores[t == ignore] = np.nan
        cma = ConfusionMatrix(k, ignore_index=ignore).update_argmax(t, scores)
        keep = t != ignore
        np.testing.assert_array_equal(cma.counts, reference_counts(k, t[keep], np.argmax(scores[keep], axis=1)))


def test_ignore_index_threshold_and_property():
    cm = ConfusionMatrix(2, ignore_index=-1)
    cm.update_threshold([-1, 1, 0, -1], [np.nan, 0.7, 0.2, np.inf])
    np.testing.assert_array_equal(cm.counts, [[1, 0], [0, 1]])
    cm.ignore_index = None
    assert cm.ignore_index is None
    cm.ignore_index = np.int64(3)
    assert cm.ignore_index == 3
    assert ConfusionMatrix(3).ignore_index is None


# ---- contents ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True])
def test_counts_matrix_total_match_sklearn(rng, weighted):
    for _ in range(20):
        k = int(rng.integers(1, 30))
        t, p = random_labels(rng, k, int(rng.integers(1, 500)))
        p[p == k - 1] = 0  # an empty column
        w = rng.random(t.size) * 2 if weighted else None
        cm = ConfusionMatrix(k, weighted=weighted).update(t, p, w)
        assert cm.n_classes == k and cm.weighted == weighted
        for normalize in (None, "true", "pred", "all"):
            want = skm.confusion_matrix(t, p, labels=range(k), sample_weight=w, normalize=normalize)
            got = cm.matrix(normalize)
            assert got.dtype == np.float64
            assert_close(got, want, f"normalize={normalize}")
        if not weighted:
            np.testing.assert_array_equal(cm.counts, skm.confusion_matrix(t, p, labels=range(k)))
            assert cm.total == t.size
        else:
            assert cm.total == pytest.approx(w.sum(), rel=1e-12)


# ---- metrics -----------------------------------------------------------------------------------------

AVERAGES = [None, "macro", "micro", "weighted", "macro_present"]


def random_matrix(rng):
    k = int(rng.integers(1, 25))
    n = int(rng.choice([1, 3, 20, 200, 2000]))
    t, p = random_labels(rng, k, n)
    if k > 2:  # absent classes
        t[t == 1] = 0
        p[p == 2] = 0
    w = None
    if rng.random() < 0.4:
        w = rng.choice([0.0, 0.5, 1.0, 2.25], n)
        w[0] = 1.0
    cm = ConfusionMatrix(k, weighted=w is not None).update(t, p, w)
    return k, t, p, w, cm


def one_vs_rest(t, p, w, k):
    mcm = skm.multilabel_confusion_matrix(t, p, labels=range(k), sample_weight=w).astype(float)
    return mcm[:, 1, 1], mcm[:, 0, 1], mcm[:, 1, 0], mcm[:, 0, 0]  # tp, fp, fn, tn


def average_of(num, den, average, zd, support, present):
    """Any ratio metric, averaged like trainmetrics documents (>= 1.4 rules)."""
    if average == "micro":
        return float(divide(num.sum(), den.sum(), zd))
    values = divide(num, den, zd)
    if average is None:
        return values
    if average == "macro_present":
        return nanaverage(values[present]) if present.any() else float(divide(0, 0, zd))
    return nanaverage(values, support if average == "weighted" else None)


def test_metric_methods_match_sklearn(rng):
    for _ in range(40):
        k, t, p, w, cm = random_matrix(rng)
        labels = list(range(k))
        tp, fp, fn, tn = one_vs_rest(t, p, w, k)
        support = tp + fn
        present = (tp + fp + fn) > 0
        sk = lambda f, **kw: f(t, p, sample_weight=w, **kw)  # noqa: E731
        for zd in (0, 1, np.nan):
            sk_zd = 0 if isinstance(zd, float) else zd
            for average in AVERAGES:
                tag = f"K={k} n={t.size} weighted={w is not None} average={average} zd={zd}"
                # precision, recall, jaccard: scikit-learn itself for zero_division 0 and 1
                for name, num, den in [("precision", tp, tp + fp), ("recall", tp, tp + fn),
                                       ("jaccard", tp, tp + fp + fn), ("specificity", tn, tn + fp),
                                       ("npv", tn, tn + fn), ("fpr", fp, fp + tn), ("fnr", fn, fn + tp)]:
                    got = getattr(cm, name)(average, zd)
                    assert_close(got, average_of(num, den, average, zd, support, present), f"{name} {tag}")
                if average in (None, "macro", "micro", "weighted") and not isinstance(zd, float):
                    sk_p, sk_r, _, _ = sk(skm.precision_recall_fscore_support, labels=labels, average=average,
                                          zero_division=sk_zd)
                    if not (average == "weighted" and zd == 1 and support.sum() == 0):  # rule (c)
                        assert_close(cm.precision(average, zd), sk_p, f"precision vs sklearn {tag}")
                        assert_close(cm.recall(average, zd), sk_r, f"recall vs sklearn {tag}")
                    assert_close(cm.jaccard(average, zd),
                                 sk(skm.jaccard_score, labels=labels, average=average, zero_division=sk_zd),
                                 f"jaccard vs sklearn {tag}")
                if average == "macro_present" and not isinstance(zd, float) and present.any():
                    # scikit-learn's default label set: the classes that occur (by weight)
                    sk_p, sk_r, sk_f, _ = sk(skm.precision_recall_fscore_support, average="macro",
                                             labels=list(np.flatnonzero(present)), zero_division=sk_zd)
                    assert_close(cm.precision(average, zd), sk_p, f"precision {tag}")
                    assert_close(cm.recall(average, zd), sk_r, f"recall {tag}")
                # F-beta from counts (>= 1.4; equal to 1.2 for zero_division 0)
                for beta in (1.0, 0.5, 2.0, 0.0, math.inf):
                    if average == "macro_present":
                        f = prf_reference(tp, tp + fn, tp + fp, beta, None, zd)[2]
                        want = nanaverage(f[present]) if present.any() else float(divide(0, 0, zd))
                    else:
                        want = prf_reference(tp, tp + fn, tp + fp, beta, average, zd)[2]
                    got = cm.f1(average, zd) if beta == 1.0 else cm.fbeta(beta, average, zd)
                    assert_close(got, want, f"fbeta {beta} {tag}")
                    if zd == 0 and average != "macro_present":
                        assert_close(got, sk(skm.fbeta_score, beta=beta, labels=labels, average=average,
                                             zero_division=0), f"fbeta {beta} vs sklearn {tag}")
            # support: per class, and the total for any average
            assert_close(cm.support(), support)
            for average in AVERAGES[1:]:
                assert cm.support(average) == pytest.approx(support.sum())
        # undefined flags
        denominators = {"precision": tp + fp, "recall": tp + fn, "f1": tp + fp + fn, "jaccard": tp + fp + fn,
                        "specificity": tn + fp, "npv": tn + fn, "fpr": fp + tn, "fnr": fn + tp}
        for name, den in denominators.items():
            np.testing.assert_array_equal(cm.undefined(name), den == 0, err_msg=name)
        assert not cm.undefined("support").any()
        # whole-matrix scores
        assert_close(cm.accuracy(), sk(skm.accuracy_score))
        for adjusted in (False, True):
            with np.errstate(all="ignore"):
                assert_close(cm.balanced_accuracy(adjusted), sk(skm.balanced_accuracy_score, adjusted=adjusted))
            assert_close(cm.balanced_accuracy(adjusted=adjusted), cm.balanced_accuracy(adjusted))
        for weights in (None, "linear", "quadratic"):
            with np.errstate(all="ignore"):
                want = skm.cohen_kappa_score(t, p, labels=labels, weights=weights, sample_weight=w)
            assert_close(cm.cohen_kappa(weights), want, f"kappa {weights}")
        assert_close(cm.matthews_corrcoef(), sk(skm.matthews_corrcoef))


def test_classification_report_matches_sklearn(rng):
    for case in range(30):
        k, t, p, w, cm = random_matrix(rng)
        digits = case % 6
        names = [f"class {i}" for i in range(k)] if case % 3 == 0 else None
        want = skm.classification_report(t, p, labels=range(k), target_names=names, sample_weight=w, digits=digits,
                                         zero_division=0)
        got = cm.classification_report(target_names=names, digits=digits)
        assert same_report(got, want, digits), f"\n--- trainmetrics\n{got}\n--- scikit-learn\n{want}"
    assert "precision" in ConfusionMatrix(3).update([0], [0]).classification_report()


def test_metric_argument_errors_leave_nothing_behind():
    cm = ConfusionMatrix(3).update([0, 1], [0, 2])
    for bad in [lambda: cm.metric("accuracy"), lambda: cm.precision("samples"), lambda: cm.recall(None, 2),
                lambda: cm.f1(None, "nan"), lambda: cm.fbeta(-1.0), lambda: cm.fbeta(math.nan),
                lambda: cm.cohen_kappa("cubic"), lambda: cm.matrix("rows"),
                lambda: cm.classification_report(digits=31), lambda: cm.classification_report(target_names=["a"])]:
        with pytest.raises(ValueError):
            bad()


# ---- merging and life cycle --------------------------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True])
def test_merge_add_iadd(rng, weighted):
    k = 11
    t, p = random_labels(rng, k, 3000)
    w = rng.choice([0.5, 1.0, 2.0], t.size) if weighted else None
    whole = ConfusionMatrix(k, weighted=weighted).update(t, p, w)
    parts = []
    for a, b in [(0, 1000), (1000, 1001), (1001, 3000)]:
        parts.append(ConfusionMatrix(k, weighted=weighted).update(t[a:b], p[a:b], None if w is None else w[a:b]))
    acc = ConfusionMatrix(k, weighted=weighted)
    assert acc.merge(parts[0]) is acc
    before = parts[1].to_bytes()
    total = acc + parts[1]
    assert total is not acc and acc == parts[0] and parts[1].to_bytes() == before
    same = total
    total += parts[2]
    assert total is same
    assert total == whole
    assert sum(parts[1:], parts[0]) == whole
    doubled = whole.copy().merge(whole)  # merging a matrix into itself
    assert_close(doubled.matrix(), 2 * whole.matrix())


def test_merge_refuses_other_shapes_and_options():
    cm = ConfusionMatrix(3).update([0, 1], [1, 1])
    before = cm.to_bytes()
    for other in (ConfusionMatrix(4), ConfusionMatrix(3, weighted=True), ConfusionMatrix(3, ignore_index=-1)):
        with pytest.raises(MismatchError):
            cm.merge(other)
        with pytest.raises(MismatchError):
            cm + other
        with pytest.raises(MismatchError):
            cm += other
    with pytest.raises(ValueError):
        cm.merge(np.zeros((3, 3)))
    assert cm.to_bytes() == before


def test_copy_reset_and_equality():
    cm = ConfusionMatrix(4, weighted=True, ignore_index=-1).update([0, 1, -1], [1, 1, 3], [0.5, 2.0, 9.0])
    for dup in (cm.copy(), copy.copy(cm), copy.deepcopy(cm), copy.deepcopy([cm])[0]):
        assert dup == cm and dup is not cm
        assert dup.weighted and dup.ignore_index == -1 and dup.n_classes == 4
        dup.update([2], [2], [1.0])
        assert dup != cm  # independent cells
        assert cm.total == 2.5
    assert cm.reset() is cm
    assert cm.total == 0.0 and not cm.matrix().any()
    assert cm.weighted and cm.ignore_index == -1 and cm.n_classes == 4
    assert cm == ConfusionMatrix(4, weighted=True, ignore_index=-1)
    assert cm != ConfusionMatrix(4, weighted=True)
    assert cm != ConfusionMatrix(4, ignore_index=-1)
    assert (cm == "not a matrix") is False and cm != 3
    with pytest.raises(TypeError):
        hash(cm)


@pytest.mark.parametrize("options", [{}, {"weighted": True}, {"ignore_index": -100}, {"weighted": True,
                                                                                      "ignore_index": 7}])
def test_serialization_and_pickle_round_trip(rng, options):
    k = 6
    t, p = random_labels(rng, k, 500)
    w = rng.random(t.size) if options.get("weighted") else None
    cm = ConfusionMatrix(k, **options).update(t, p, w)
    blob = cm.to_bytes()
    assert isinstance(blob, bytes) and blob[:4] == b"TRMB"
    back = ConfusionMatrix.from_bytes(blob)
    assert back == cm and back.to_bytes() == blob
    assert ConfusionMatrix.from_bytes(bytearray(blob)) == cm
    assert ConfusionMatrix.from_bytes(memoryview(blob)) == cm
    assert back.weighted == cm.weighted and back.ignore_index == cm.ignore_index
    np.testing.assert_array_equal(back.matrix(), cm.matrix())
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(cm, protocol=protocol))
        assert again == cm and again.to_bytes() == blob
        # The round trip is a working matrix, not a frozen snapshot.
        again.update([0], [0], None if w is None else [1.0])
        assert again != cm
    assert pickle.loads(pickle.dumps([cm, cm]))[1] == cm


def test_repr():
    assert repr(ConfusionMatrix(3)) == "<ConfusionMatrix n_classes=3 total=0>"
    cm = ConfusionMatrix(3).update([0, 1, 2], [0, 0, 0])
    assert repr(cm) == "<ConfusionMatrix n_classes=3 total=3>"
    w = ConfusionMatrix(2, weighted=True, ignore_index=-100).update([0], [1], [2.5])
    assert repr(w) == "<ConfusionMatrix weighted n_classes=2 total=2.5, ignore_index=-100>"


def test_add_counts_and_weights(rng):
    k = 5
    t, p = random_labels(rng, k, 400)
    cm = ConfusionMatrix(k).update(t, p)
    table = cm.counts
    for form in (table, table.astype(np.int64), table.astype(np.int32), table.tolist(),
                 np.asfortranarray(table.astype(np.int64)), np.repeat(table, 2, axis=1)[:, ::2]):
        again = ConfusionMatrix(k)
        assert again.add_counts(form) is again
        assert again == cm
    weighted = ConfusionMatrix(k, weighted=True).update(t, p, rng.choice([0.5, 1.5], t.size))
    back = ConfusionMatrix(k, weighted=True).add_counts(weighted.counts)
    assert back == weighted
    back = ConfusionMatrix(k, weighted=True).add_counts(table)  # integer counts on a weighted matrix
    np.testing.assert_array_equal(back.counts, table.astype(float))


def test_package_exports():
    for name in trainmetrics.__all__:
        assert hasattr(trainmetrics, name)
    assert len(set(trainmetrics.__all__)) == len(trainmetrics.__all__)
    # every public class and function the package imports is exported, and named in its docstring
    public = {name for name, value in vars(trainmetrics).items()
              if not name.startswith("_") and callable(value) and value.__module__.startswith("trainmetrics.")}
    assert public <= set(trainmetrics.__all__), public - set(trainmetrics.__all__)
    for name in ("ConfusionMatrix", "SparseConfusionMatrix", "TopK", "Multilabel", "RegressionErrors", "Loss",
                 "Calibration", "Ranking", "OverfitDetector", "TrainingMonitor", "cam", "overlay"):
        assert f"``{name}``" in trainmetrics.__doc__, name
    assert trainmetrics.library_version.startswith("0.")
    assert trainmetrics.library_path.endswith("libtrainmetrics.so.0")
    assert issubclass(trainmetrics.UndefinedMetricWarning, UserWarning)
