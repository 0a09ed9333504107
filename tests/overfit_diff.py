#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test of the overfitting detector.

Oracles written here from their published definitions, independent of the C code:
  * Mann-Kendall (S, tie-corrected variance, continuity-corrected Z, one-sided
    normal p) and the Theil-Sen slope, by brute force with NumPy;
  * keras.callbacks.EarlyStopping.on_epoch_end (Keras 2.x logic, min mode,
    baseline None): the stop epoch and the best epoch when training stops;
  * Keras 3 EarlyStopping (keras/src/callbacks/early_stopping.py) with
    restore_best_weights=True: on_epoch_end with start_from_epoch, baseline,
    min_delta, any patience, mode min or max, and the epoch on_train_end restores;
  * Lightning EarlyStopping._evaluate_stopping_criteria (check_finite, patience).
Exit status 77 (skipped) without NumPy.
"""
import ctypes as C
import math
import sys

try:
    import numpy as np
except ImportError as e:  # pragma: no cover
    print(f"skipping: {e}")
    sys.exit(77)

from oracle_lib import Tally, lib  # noqa: E402  (after the skip above)

D, H = C.c_double, C.c_void_p
TREND_Z, TREND_P, VAL_SLOPE, GAP_SLOPE = 6, 7, 4, 5
KERAS, LIGHTNING = 1, 2

tally = Tally()


def expect(what, ok):
    tally.check(ok, what)


def detector(preset=None):
    h = H()
    assert lib.trm_overfit_new(C.byref(h), None) == 0
    if preset is not None:
        assert lib.trm_overfit_preset(h, preset) == 0
    return h


def statistic(h, stat):
    out = D()
    assert lib.trm_overfit_statistic(h, stat, C.byref(out)) == 0
    return out.value


def mann_kendall(x):
    n = len(x)
    s = sum(np.sign(x[j] - x[i]) for i in range(n) for j in range(i + 1, n))
    _, ties = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    z = 0.0 if s == 0 or var == 0 else (s - np.sign(s)) / math.sqrt(var)
    return z, 0.5 * math.erfc(z / math.sqrt(2))


def theil_sen(x):
    n = len(x)
    return float(np.median([(x[j] - x[i]) / (j - i) for i in range(n) for j in range(i + 1, n)]))


def keras_early_stopping(val, patience, min_delta):
    """Keras 2.x EarlyStopping, mode min: returns (stop epoch, best epoch), 1-based, or (None, best)."""
    best, best_epoch, wait = math.inf, None, 0
    for epoch, current in enumerate(val):
        wait += 1
        if current + min_delta < best:  # _is_improvement: Keras negates min_delta for np.less
            best, best_epoch, wait = current, epoch, 0
            continue
        if wait >= patience and epoch > 0:
            return epoch + 1, best_epoch + 1
    return None, (best_epoch + 1 if best_epoch is not None else None)


def lightning_early_stopping(val, patience):
    """Lightning EarlyStopping (mode min, min_delta 0, check_finite): stop epoch, 1-based."""
    best, wait = math.inf, 0
    for epoch, current in enumerate(val):
        if not math.isfinite(current):
            return epoch + 1
        if current < best:
            best, wait = current, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch + 1
    return None


def keras3_early_stopping(val, patience, min_delta=0.0, mode="min", baseline=None, start_from_epoch=0):
    """Keras 3 EarlyStopping(restore_best_weights=True) over a whole fit(): returns
    (stopped epoch or None, epoch whose weights on_train_end restores or None), both 1-based.

    Written from the Keras 3 source: monitor_op is less (min) or greater (max), min_delta
    is negated for less, _is_improvement(x, ref) = monitor_op(x - min_delta, ref), best
    starts at +inf (min) or -inf (max); epochs below start_from_epoch return at once; the
    first monitored epoch takes best_weights; an improvement moves best and best_epoch and
    resets wait only if it also improves on the baseline; otherwise wait >= patience at
    epoch > 0 stops. on_train_end restores best_weights whether or not training stopped."""
    op = (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
    delta = -abs(min_delta) if mode == "min" else abs(min_delta)
    best = math.inf if mode == "min" else -math.inf
    wait, best_epoch, have_weights = 0, 0, False
    for epoch, current in enumerate(val):
        if epoch < start_from_epoch:
            continue
        if not have_weights:
            have_weights, best_epoch = True, epoch
        wait += 1
        if op(current - delta, best):
            best, best_epoch = current, epoch
            if baseline is None or op(current - delta, baseline):
                wait = 0
            continue
        if wait >= patience and epoch > 0:
            return epoch + 1, best_epoch + 1
    return None, (best_epoch + 1 if have_weights else None)


def check_keras3(rng):
    """The Keras preset, start_from_epoch (and the preset's warm-up), baseline and the
    restore epoch against the Keras 3 replay, on random curves in both modes."""
    for case in range(1500):
        n = int(rng.integers(1, 50))
        val = random_curve(rng, n)
        mode = "max" if rng.random() < 0.4 else "min"
        if mode == "max":
            val = np.round(1.0 - val, 4)
        if rng.random() < 0.1:  # a NaN after the first monitored epoch: never an improvement
            val[int(rng.integers(0, n))] = np.nan
        patience = int(rng.integers(0, 6))
        min_delta = float(rng.choice([0.0, 0.001, 0.01, 0.05]))
        start = int(rng.integers(0, n + 2)) if rng.random() < 0.5 else 0
        finite = val[np.isfinite(val)]
        baseline = float(np.quantile(finite, rng.random())) if rng.random() < 0.4 and finite.size else None
        if start < n and not math.isfinite(val[start]):
            # Keras versions differ on a NaN first monitored value (best = NaN or stays inf)
            val[start] = 0.5
        want_stop, want_restore = keras3_early_stopping(val, patience, min_delta, mode, baseline, start)

        h = detector(KERAS)
        lib.trm_overfit_set_mode(h, 1 if mode == "max" else 0)
        lib.trm_overfit_set_patience(h, patience, min_delta, 0.0)
        if case % 2:
            lib.trm_overfit_set_start_from_epoch(h, start)
        else:
            lib.trm_overfit_set_warmup(h, start)  # the Keras preset's warm-up is start_from_epoch
        if baseline is not None:
            lib.trm_overfit_set_baseline(h, baseline)
        stop = None
        for epoch, v in enumerate(val, 1):
            lib.trm_overfit_push(h, 0.0, float(v))
            if lib.trm_overfit_stop_epoch(h) > 0:
                stop = epoch
                break
        restore = lib.trm_overfit_restore_epoch(h)
        what = f"keras3 case {case} ({mode}, patience {patience}, min_delta {min_delta}, start {start}, " \
               f"baseline {baseline})"
        expect(f"{what}: stop {stop} != {want_stop}", stop == want_stop)
        expect(f"{what}: restore {restore} != {want_restore}",
               restore == (want_restore if want_restore is not None else -1))
        if want_restore is not None:
            got = lib.trm_overfit_restore_value(h)
            expect(f"{what}: restore value {got}", got == val[want_restore - 1])
        # the epochs after the stop move neither the stop nor the restore epoch
        for v in val[stop or n:]:
            lib.trm_overfit_push(h, 0.0, float(v))
        expect(f"{what}: restore after the stop {lib.trm_overfit_restore_epoch(h)}",
               lib.trm_overfit_restore_epoch(h) == restore)
        expect(f"{what}: stop after the stop", lib.trm_overfit_stop_epoch(h) == (stop or -1))
        # the best epoch stays the true best over every pushed epoch
        score = np.where(np.isfinite(val), val if mode == "min" else -val, np.inf)
        want_best = int(np.argmin(score)) + 1 if np.isfinite(score).any() else -1
        expect(f"{what}: best {lib.trm_overfit_best_epoch(h)} != {want_best}",
               lib.trm_overfit_best_epoch(h) == want_best)
        lib.trm_overfit_free(h)


def check_issue_examples():
    """The two curves of issue 15, through the replay and the library."""
    val = [1, .8, .795, .79, .85, .86]
    expect("replay min_delta example", keras3_early_stopping(val, 3, 0.02) == (5, 2))
    h = detector(KERAS)
    lib.trm_overfit_set_patience(h, 3, 0.02, 0.0)
    for v in val:
        lib.trm_overfit_push(h, 0.0, v)
    expect("min_delta example", (lib.trm_overfit_stop_epoch(h), lib.trm_overfit_restore_epoch(h),
                                 lib.trm_overfit_best_epoch(h)) == (5, 2, 4))
    lib.trm_overfit_free(h)
    val = [1, .5, .6, .7, .8, .9, .95, .97]
    expect("replay start_from_epoch example", keras3_early_stopping(val, 2, start_from_epoch=4) == (7, 5))
    h = detector(KERAS)
    lib.trm_overfit_set_patience(h, 2, 0.0, 0.0)
    lib.trm_overfit_set_warmup(h, 4)
    for v in val:
        lib.trm_overfit_push(h, 0.0, v)
    expect("start_from_epoch example", (lib.trm_overfit_stop_epoch(h), lib.trm_overfit_restore_epoch(h)) == (7, 5))
    lib.trm_overfit_free(h)


def check_trend(rng):
    for case in range(400):
        w = int(rng.integers(4, 30))
        n = w + int(rng.integers(0, 5))
        train = np.round(rng.random(n), 1)  # coarse rounding: many ties
        val = np.round(rng.random(n) * 3, int(rng.integers(0, 3)))
        h = detector()
        lib.trm_overfit_set_trend(h, w, 0.05)
        for a, b in zip(train, val):
            lib.trm_overfit_push(h, float(a), float(b))
        x, gap = val[-w:], (val - train)[-w:]
        z, p = mann_kendall(x)
        for stat, want in [(TREND_Z, z), (TREND_P, p), (VAL_SLOPE, theil_sen(x)), (GAP_SLOPE, theil_sen(gap))]:
            got = statistic(h, stat)
            expect(f"trend case {case} stat {stat}: {got} != {want}", math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12))
        lib.trm_overfit_free(h)


def random_curve(rng, n):
    """A noisy U-shaped validation curve, sometimes with plateaus and NaN."""
    t = np.arange(n)
    val = 1.0 / (1 + 0.3 * t) + rng.uniform(0, 0.02) * t + rng.normal(0, rng.uniform(0.001, 0.05), n)
    return np.round(val, int(rng.integers(2, 5)))


def check_keras_and_lightning(rng):
    for case in range(400):
        n = int(rng.integers(2, 60))
        val = random_curve(rng, n)
        patience = int(rng.integers(0, 6))
        min_delta = float(rng.choice([0.0, 0.001, 0.01]))
        want_stop, want_best = keras_early_stopping(val, patience, min_delta)
        h = detector(KERAS)
        lib.trm_overfit_set_patience(h, patience, min_delta, 0.0)
        stop = None
        for epoch, v in enumerate(val, 1):
            lib.trm_overfit_push(h, 0.0, float(v))
            if lib.trm_overfit_stop_epoch(h) > 0:
                stop = epoch
                break
        expect(f"keras case {case} stop {stop} != {want_stop}", stop == want_stop)
        # Keras keeps the best value improved by more than min_delta; the detector's
        # best epoch is the true argmin, which agrees whenever min_delta is 0.
        if stop is not None and min_delta == 0.0:
            best = lib.trm_overfit_best_epoch(h)
            expect(f"keras case {case} best {best} != {want_best}", best == want_best)
        lib.trm_overfit_free(h)

        if rng.random() < 0.3:
            val[int(rng.integers(0, n))] = np.nan
        want = lightning_early_stopping(val, patience)
        h = detector(LIGHTNING)
        lib.trm_overfit_set_patience(h, patience, 0.0, 0.0)
        for v in val:
            lib.trm_overfit_push(h, 0.0, float(v))
        got = lib.trm_overfit_stop_epoch(h)
        expect(f"lightning case {case} stop {got} != {want}", got == (want if want is not None else -1))
        lib.trm_overfit_free(h)


def main():
    rng = np.random.default_rng(20261127)
    check_trend(rng)
    check_keras_and_lightning(rng)
    check_issue_examples()
    check_keras3(rng)
    return tally.summary()


if __name__ == "__main__":
    sys.exit(main())
