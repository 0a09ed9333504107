#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test of the top-k and multilabel accumulators against scikit-learn.

Calls the shared library through ctypes (the API.md names, as outside programs
do) on seeded random cases, fed in random batches, and compares with
sklearn.metrics:
  * top-k: top_k_accuracy_score(labels=range(K)) at every k <= max_k, for f32 and
    f64 scores with many ties. For K = 2 scikit-learn wants a single score column,
    so there the expected value is computed with scikit-learn's own algorithm in
    NumPy (stable argsort, reversed: the higher index first among equal scores).
  * multilabel: multilabel_confusion_matrix, precision_recall_fscore_support
    (average None, micro, macro, weighted, samples, and macro over the labels
    that occur), jaccard_score, accuracy_score (subset accuracy), hamming_loss;
    specificity, NPV, FPR and FNR from scikit-learn's per-label matrices.
Debian ships scikit-learn 1.2, which predates three >= 1.4 rules the library
follows; where they matter the expected value is computed here with NumPy from
the >= 1.4 definition and the test says so:
  * F from counts: with zero_division=1, a label (or sample) with tp = 0 but fp
    or fn > 0 scores 0 in >= 1.4, while 1.2 gives the zero_division value.
  * zero_division=np.nan does not exist in 1.2; averages drop NaN entries with
    their weights (_nanaverage), samples included.
  * average='weighted' when no label is ever true: 1.2 returns a constant, >= 1.4
    falls back to the plain mean (_nanaverage).
Merging partial accumulators must give the blob of one stream, and a blob must
load back to the same state. Exit status 77 (skipped) when NumPy or scikit-learn
is missing. The last line reads "N passed, M failed".
"""
import ctypes as C
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

D, SZ, H = C.c_double, C.c_size_t, C.c_void_p
PRECISION, RECALL, F1, SPECIFICITY, NPV, FPR, FNR, JACCARD, SUPPORT = range(9)
MACRO, MICRO, WEIGHTED, MACRO_PRESENT, SAMPLES = range(5)
ZD = {0: 0, 1: 1, "nan": 2}
E_EMPTY = -10

tally = Tally()
expect = tally.close


def expect_true(what, condition):
    return tally.check(condition, what)


def random_cuts(rng, n):
    """Batch boundaries 0 = c0 <= c1 <= ... <= n (empty batches included)."""
    cuts = np.sort(rng.integers(0, n + 1, size=int(rng.integers(0, 4))))
    return list(zip([0, *cuts], [*cuts, n]))


class Handle:
    """A trm_topk or trm_multilabel handle: blob, merge and reload."""

    kind = None

    def __del__(self):
        getattr(lib, f"trm_{self.kind}_free")(self.h)

    def blob(self):
        size = SZ()
        serialize = getattr(lib, f"trm_{self.kind}_serialize")
        serialize(self.h, None, 0, C.byref(size))
        buf = C.create_string_buffer(size.value)
        ok(serialize(self.h, buf, size.value, C.byref(size)))
        return buf.raw

    def merge(self, other):
        ok(getattr(lib, f"trm_{self.kind}_merge")(self.h, other.h))

    def reloaded(self):
        blob = self.blob()
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.h = H()
        ok(getattr(lib, f"trm_{self.kind}_deserialize")(C.byref(copy.h), blob, len(blob), None))
        return copy


# ---- top-k ---------------------------------------------------------------------------


class TopK(Handle):
    kind = "topk"

    def __init__(self, k, max_k):
        self.k, self.max_k, self.h = k, max_k, H()
        ok(lib.trm_topk_new(C.byref(self.h), k, max_k, None))

    def update(self, y, scores):
        """scores: n rows of row_stride >= K values, float32 or float64."""
        y = np.ascontiguousarray(y, dtype=np.int32)
        s = np.ascontiguousarray(scores)
        if s.dtype == np.float32:
            ok(lib.trm_topk_update_f32(self.h, ptr(y), ptr(s), len(y), s.shape[1]))
        else:
            ok(lib.trm_topk_update_f64(self.h, ptr(y), ptr(s), len(y), s.shape[1]))

    def accuracy(self, k):
        out = D()
        rc = lib.trm_topk_accuracy(self.h, k, C.byref(out))
        return rc if rc != 0 else out.value


def numpy_top_k(y, scores, k):
    """scikit-learn's top_k_accuracy_score algorithm, for K = 2."""
    order = np.argsort(scores, axis=1, kind="mergesort")[:, ::-1]
    return float(np.mean((order[:, :k] == y[:, None]).any(axis=1)))


def random_scores(rng, n, k, dtype):
    style = rng.integers(0, 4)
    if style == 0:  # few distinct values: ties everywhere
        s = rng.integers(0, 3, (n, k)).astype(float)
    elif style == 1:  # coarse probabilities, some ties
        s = np.round(rng.dirichlet(np.ones(k), n), 1)
    elif style == 2:  # continuous logits, ties rare
        s = rng.normal(0, 3, (n, k))
    else:  # every row constant: rank = number of higher class ids
        s = np.repeat(rng.normal(0, 1, (n, 1)), k, axis=1)
    return s.astype(dtype)


def check_topk_case(case_id, rng):
    k = int(rng.choice([2, 3, 3, 4, 5, 7, 10, 20, 50, 100]))
    max_k = int(rng.integers(1, k + 1))
    n = int(rng.choice([1, 2, 5, 30, 200, 1000, 3000]))
    dtype = np.float32 if rng.random() < 0.5 else np.float64
    pad = int(rng.choice([0, 0, 1, 3]))
    y = rng.integers(0, k, n).astype(np.int32)
    if k > 2 and rng.random() < 0.3:  # some classes never true
        y = rng.choice(np.arange(k)[: max(1, k // 3)], n).astype(np.int32)
    scores = random_scores(rng, n, k, dtype)
    padded = np.full((n, k + pad), np.nan, dtype=dtype)  # padding is never read
    padded[:, :k] = scores
    tag = f"topk case {case_id} (K={k}, max_k={max_k}, n={n}, {np.dtype(dtype).name}, pad={pad})"

    whole, parts = TopK(k, max_k), [TopK(k, max_k), TopK(k, max_k)]
    for i, (a, b) in enumerate(random_cuts(rng, n)):
        whole.update(y[a:b], padded[a:b])
        parts[i % 2].update(y[a:b], padded[a:b])
    parts[0].merge(parts[1])
    expect_true(f"{tag} merged blob == one-stream blob", parts[0].blob() == whole.blob())
    loaded = whole.reloaded()
    expect_true(f"{tag} reloaded blob == blob", loaded.blob() == whole.blob())
    expect(f"{tag} n_samples", lib.trm_topk_n_samples(whole.h), n)
    for kk in range(1, max_k + 1):
        if k == 2:
            want = numpy_top_k(y, scores, kk)
        else:
            want = skm.top_k_accuracy_score(y, scores, k=kk, labels=list(range(k)))
        expect(f"{tag} accuracy k={kk}", whole.accuracy(kk), want)
        expect(f"{tag} reloaded accuracy k={kk}", loaded.accuracy(kk), want)
    expect_true(f"{tag} k = max_k + 1 refused", whole.accuracy(max_k + 1) == -1)


# ---- multilabel ----------------------------------------------------------------------


class Multilabel(Handle):
    kind = "multilabel"

    def __init__(self, n_labels):
        self.L, self.h = n_labels, H()
        ok(lib.trm_multilabel_new(C.byref(self.h), n_labels, None))

    def update(self, y_true, pred, scores=None, threshold=None):
        t = np.ascontiguousarray(y_true, dtype=np.uint8)
        n = t.shape[0]
        if scores is None:
            p = np.ascontiguousarray(pred, dtype=np.uint8)
            ok(lib.trm_multilabel_update_u8(self.h, ptr(t), ptr(p), n))
        elif scores.dtype == np.float32:
            s = np.ascontiguousarray(scores)
            ok(lib.trm_multilabel_update_threshold_f32(self.h, ptr(t), ptr(s), n, threshold))
        else:
            s = np.ascontiguousarray(scores)
            ok(lib.trm_multilabel_update_threshold_f64(self.h, ptr(t), ptr(s), n, threshold))

    def counts(self):
        out = np.empty(4 * self.L, dtype=np.uint64)
        ok(lib.trm_multilabel_counts(self.h, ptr(out)))
        return out.reshape(self.L, 4)

    def per_label(self, metric, zd):
        out = np.empty(self.L)
        ok(lib.trm_multilabel_metric_per_label(self.h, metric, ZD[zd], ptr(out)))
        return out

    def average(self, metric, avg, zd):
        out = D()
        ok(lib.trm_multilabel_metric_average(self.h, metric, avg, ZD[zd], C.byref(out)))
        return out.value

    def scalar(self, fn):
        out = D()
        rc = fn(self.h, C.byref(out))
        return rc if rc != 0 else out.value


def nanaverage(values, weights=None):
    """scikit-learn >= 1.4 _nanaverage; NaN when nothing is left."""
    values = np.asarray(values, dtype=float)
    mask = ~np.isnan(values)
    if not mask.any():
        return np.nan
    if weights is None:
        return values[mask].mean()
    w = np.asarray(weights, dtype=float)[mask]
    return np.average(values[mask], weights=w) if w.sum() != 0 else values[mask].mean()


def divide(num, den, zd_value):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), zd_value)


def random_multilabel(rng):
    L = int(rng.integers(2, 13))
    n = int(rng.choice([1, 2, 3, 10, 50, 300, 1500]))
    density = rng.choice([0.02, 0.1, 0.3, 0.5, 0.8])
    y_true = (rng.random((n, L)) < density).astype(np.uint8)
    noise = rng.choice([0.0, 0.05, 0.2, 0.5])
    y_pred = np.where(rng.random((n, L)) < noise, 1 - y_true, y_true).astype(np.uint8)
    if rng.random() < 0.3:  # rows with nothing true and/or nothing predicted
        y_true[rng.random(n) < 0.3] = 0
        y_pred[rng.random(n) < 0.3] = 0
    if rng.random() < 0.3:  # labels that never occur in either
        absent = rng.random(L) < 0.3
        y_true[:, absent] = 0
        y_pred[:, absent] = 0
    return L, n, y_true, y_pred


def as_scores(rng, y_pred, dtype):
    """Scores whose strict `> threshold` is y_pred; some sit exactly on the threshold."""
    threshold = float(rng.choice([0.0, 0.5, -1.25]))
    above = threshold + rng.choice([0.5, 1e-3, 7.0], y_pred.shape)
    below = threshold - rng.choice([0.0, 0.0, 0.25, 3.0], y_pred.shape)  # 0.0: equal is not above
    return np.where(y_pred == 1, above, below).astype(dtype), threshold


def check_multilabel_case(case_id, rng):
    L, n, y_true, y_pred = random_multilabel(rng)
    tag = f"multilabel case {case_id} (L={L}, n={n})"

    # Feed random batches through random update paths, into one accumulator and
    # alternately into two partial ones.
    whole, parts = Multilabel(L), [Multilabel(L), Multilabel(L)]
    for i, (a, b) in enumerate(random_cuts(rng, n)):
        path = rng.integers(0, 3)
        t, p = y_true[a:b], y_pred[a:b]
        if path == 0:
            args = (t, p)
        else:
            scores, threshold = as_scores(rng, p, np.float32 if path == 1 else np.float64)
            args = (t, None, scores, threshold)
        whole.update(*args)
        parts[i % 2].update(*args)
    parts[0].merge(parts[1])
    expect_true(f"{tag} merged blob == one-stream blob", parts[0].blob() == whole.blob())
    ml = whole.reloaded()
    expect_true(f"{tag} reloaded blob == blob", ml.blob() == whole.blob())

    mcm = skm.multilabel_confusion_matrix(y_true, y_pred)
    expect(f"{tag} counts", ml.counts(), mcm.reshape(L, 4))
    tn, fp, fn, tp = (mcm.reshape(L, 4)[:, i].astype(float) for i in range(4))
    true_sum, pred_sum = tp + fn, tp + fp

    for zd in (0, 1):
        p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=zd)
        expect(f"{tag} precision zd={zd}", ml.per_label(PRECISION, zd), p)
        expect(f"{tag} recall zd={zd}", ml.per_label(RECALL, zd), r)
        expect(f"{tag} support", ml.per_label(SUPPORT, zd), s)
        expect(f"{tag} jaccard zd={zd}", ml.per_label(JACCARD, zd),
               skm.jaccard_score(y_true, y_pred, average=None, zero_division=zd))
        if zd == 0:  # 1.2 and >= 1.4 agree on F when zero_division is 0
            expect(f"{tag} f1", ml.per_label(F1, zd), f)
        # The other per-label rates, from scikit-learn's per-label matrices.
        for metric, num, den in [(SPECIFICITY, tn, tn + fp), (NPV, tn, tn + fn), (FPR, fp, fp + tn),
                                 (FNR, fn, fn + tp)]:
            expect(f"{tag} metric {metric} zd={zd}", ml.per_label(metric, zd), divide(num, den, zd))

        for avg_name, avg in [("micro", MICRO), ("macro", MACRO), ("weighted", WEIGHTED), ("samples", SAMPLES)]:
            if avg_name == "weighted" and true_sum.sum() == 0:
                continue  # 1.2 returns a constant here; the >= 1.4 rule is checked below
            p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, average=avg_name, zero_division=zd)
            expect(f"{tag} precision {avg_name} zd={zd}", ml.average(PRECISION, avg, zd), p)
            expect(f"{tag} recall {avg_name} zd={zd}", ml.average(RECALL, avg, zd), r)
            expect(f"{tag} jaccard {avg_name} zd={zd}", ml.average(JACCARD, avg, zd),
                   skm.jaccard_score(y_true, y_pred, average=avg_name, zero_division=zd))
            if zd == 0:
                expect(f"{tag} f1 {avg_name}", ml.average(F1, avg, zd), f)
            expect(f"{tag} support {avg_name}", ml.average(SUPPORT, avg, zd), true_sum.sum())
        present = [l for l in range(L) if tp[l] + fp[l] + fn[l] > 0]
        if present:
            p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, labels=present, average="macro",
                                                             zero_division=zd)
            expect(f"{tag} precision macro_present zd={zd}", ml.average(PRECISION, MACRO_PRESENT, zd), p)
            expect(f"{tag} recall macro_present zd={zd}", ml.average(RECALL, MACRO_PRESENT, zd), r)
            if zd == 0:
                expect(f"{tag} f1 macro_present", ml.average(F1, MACRO_PRESENT, zd), f)

    # >= 1.4 rules, computed here with NumPy: count-form F with zero_division 1,
    # zero_division NaN everywhere, weighted averages without true labels.
    t_count = y_true.sum(axis=1).astype(float)
    p_count = y_pred.sum(axis=1).astype(float)
    both = (y_true & y_pred).sum(axis=1).astype(float)
    sample_parts = {
        PRECISION: (both, p_count), RECALL: (both, t_count),
        F1: (2 * both, t_count + p_count), JACCARD: (both, t_count + p_count - both),
    }
    label_parts = {
        PRECISION: (tp, pred_sum), RECALL: (tp, true_sum), F1: (2 * tp, 2 * tp + fp + fn),
        JACCARD: (tp, tp + fp + fn),
    }
    pooled = {m: (num.sum(), den.sum()) for m, (num, den) in label_parts.items()}
    for zd, zd_value in [(1, 1.0), ("nan", np.nan)]:
        for metric in (PRECISION, RECALL, F1, JACCARD):
            if zd == 1 and metric != F1:
                continue  # compared with scikit-learn above
            per = divide(*label_parts[metric], zd_value)
            expect(f"{tag} metric {metric} zd={zd} (>=1.4 rule)", ml.per_label(metric, zd), per)
            expect(f"{tag} metric {metric} macro zd={zd} (>=1.4 rule)", ml.average(metric, MACRO, zd),
                   nanaverage(per))
            expect(f"{tag} metric {metric} weighted zd={zd} (>=1.4 rule)", ml.average(metric, WEIGHTED, zd),
                   nanaverage(per, true_sum))
            expect(f"{tag} metric {metric} micro zd={zd} (>=1.4 rule)", ml.average(metric, MICRO, zd),
                   divide(*pooled[metric], zd_value))
            samples = divide(*sample_parts[metric], zd_value)
            expect(f"{tag} metric {metric} samples zd={zd} (>=1.4 rule)", ml.average(metric, SAMPLES, zd),
                   nanaverage(samples))
    if true_sum.sum() == 0:
        for zd, zd_value in [(0, 0.0), (1, 1.0)]:
            for metric in (PRECISION, RECALL, F1, JACCARD):
                per = divide(*label_parts[metric], zd_value)
                expect(f"{tag} metric {metric} weighted zd={zd} without true labels (>=1.4 rule)",
                       ml.average(metric, WEIGHTED, zd), per.mean())

    expect(f"{tag} subset accuracy", ml.scalar(lib.trm_multilabel_subset_accuracy),
           skm.accuracy_score(y_true, y_pred))
    expect(f"{tag} hamming loss", ml.scalar(lib.trm_multilabel_hamming_loss), skm.hamming_loss(y_true, y_pred))


def check_empty():
    t, m = TopK(5, 3), Multilabel(4)
    expect_true("empty top-k accuracy is TRM_E_EMPTY", t.accuracy(1) == E_EMPTY)
    expect_true("empty subset accuracy is TRM_E_EMPTY", m.scalar(lib.trm_multilabel_subset_accuracy) == E_EMPTY)
    expect_true("empty hamming loss is TRM_E_EMPTY", m.scalar(lib.trm_multilabel_hamming_loss) == E_EMPTY)


def main():
    rng = np.random.default_rng(20261128)
    cases = 300
    for case_id in range(cases):
        check_topk_case(case_id, rng)
    for case_id in range(cases):
        check_multilabel_case(case_id, rng)
    check_empty()
    return tally.summary()


if __name__ == "__main__":
    sys.exit(main())
