#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test of the overfitting detector.

Oracles written here from their published definitions, independent of the C code:
  * Mann-Kendall (S, tie-corrected variance, continuity-corrected Z, one-sided
    normal p) and the Theil-Sen slope, by brute force with NumPy;
  * keras.callbacks.EarlyStopping.on_epoch_end (Keras 2.x logic, min mode,
    baseline None): the stop epoch and the best epoch when training stops;
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
    return tally.summary()


if __name__ == "__main__":
    sys.exit(main())
