#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test of the regression accumulator against scikit-learn and NumPy.

Calls the shared library through ctypes (the API.md names, as outside programs
do) on seeded random cases, fed in random batch splits and sometimes through
several accumulators that are merged, and compares with:
  * sklearn.metrics mean_absolute_error, mean_squared_error (squared=True and
    False), r2_score (force_finite, the default) with multioutput='raw_values'
    and 'uniform_average', and max_error applied to each column;
  * NumPy formulas for the scalar-only metrics: RMSE_POOLED = sqrt(mean(e^2)),
    RMSE_PER_SAMPLE = mean over rows of sqrt(mean over columns of e^2), and SAD =
    mean over rows of the angle between y and y_hat (0 when both are zero, pi/2
    when one is).

float32 inputs go through trm_regression_update_f32; the references see the same
values widened to float64, which is what the library computes on.

SAD is checked twice. arccos(clip(cos)) in float64 is the textbook formula, but
near cos = 1 it turns the few roundings (about 1e-16 each) of a computed cosine
into an angle error of up to sqrt(2 * 4e-16), about 3e-8: two rows 2e-8 apart
in angle can get a cosine of exactly 1. It is therefore compared with an
absolute tolerance of 5e-8. The tight reference is the same angle in the
well-conditioned form 2 atan2(|u - v|, |u + v|) of the unit vectors u, v,
evaluated in long double.

Constant y_true columns use values whose mean NumPy computes exactly (0, 1,
-2.5, 3.75, 1e8), so scikit-learn's SS_tot is exactly 0 as the library's is.
Exit status 77 (skipped) when NumPy or scikit-learn is missing.
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
warnings.simplefilter("ignore", FutureWarning)

from oracle_lib import Tally, lib, ok, ptr  # noqa: E402  (after the skip above)

D, VP = C.c_double, C.c_void_p
MAE, MSE, RMSE, R2, MAX_ERROR, RMSE_POOLED, RMSE_PER_SAMPLE, SAD = range(8)
OK, E_INVALID, E_NONFINITE, E_MISMATCH, E_EMPTY = 0, -1, -4, -5, -10

tally = Tally()
expect_status = tally.status


def expect(what, got, want, rtol=1e-12, atol=0.0):
    return tally.close(what, got, want, rtol, atol)


class Regression:
    def __init__(self, m):
        self.m = m
        self.h = VP()
        ok(lib.trm_regression_new(C.byref(self.h), m, None))

    def __del__(self):
        lib.trm_regression_free(self.h)

    def update(self, y_true, y_pred):
        t, p = np.ascontiguousarray(y_true), np.ascontiguousarray(y_pred)
        if t.dtype == np.float32:
            return lib.trm_regression_update_f32(self.h, ptr(t), ptr(p), t.shape[0])
        return lib.trm_regression_update_f64(self.h, ptr(t), ptr(p), t.shape[0])

    def per_output(self, metric):
        out = np.empty(self.m)
        ok(lib.trm_regression_per_output(self.h, metric, ptr(out)))
        return out

    def average(self, metric):
        out = D()
        ok(lib.trm_regression_average(self.h, metric, C.byref(out)))
        return out.value


CONSTANTS = [0.0, 1.0, -2.5, 3.75, 1e8]


def random_case(rng):
    m = int(rng.integers(1, 21))
    n = int(rng.choice([1, 2, 3, 7, int(rng.integers(1, 5001)), int(rng.integers(1, 5001)), 5000]))
    # Offsets up to 1e8 over spreads of at least 1e-2 keep NumPy's float64 mean
    # good to 1e-12 of SS_tot; noise up to 3x the spread keeps |1 - R2| below ~10.
    spread = 10.0 ** rng.uniform(-2, 4, m)
    offset = rng.choice([0.0, 0.0, 5.0, -300.0, 1e6, 1e8], m) * (rng.random(m) < 0.7)
    noise = spread * 10.0 ** rng.uniform(-3, np.log10(3), m)
    if rng.random() < 0.2:  # integer-valued data: many exact ties and exact errors
        y_true = rng.integers(-5, 6, (n, m)).astype(float)
        y_pred = y_true + rng.integers(-2, 3, (n, m))
    else:
        y_true = offset + spread * rng.standard_normal((n, m))
        y_pred = y_true + noise * rng.standard_normal((n, m))
    kinds = rng.random(m)
    for j in range(m):
        if kinds[j] < 0.12:  # constant y_true, imperfect fit (R2 0) or perfect (R2 1)
            y_true[:, j] = CONSTANTS[int(rng.integers(len(CONSTANTS)))]
            y_pred[:, j] = y_true[:, j] + (rng.standard_normal(n) if rng.random() < 0.6 else 0.0)
        elif kinds[j] < 0.2:  # perfect fit of a varying column (R2 1, errors 0)
            y_pred[:, j] = y_true[:, j]
    if rng.random() < 0.3:  # zero rows and identical rows exercise SAD's special cases
        rows = rng.random(n)
        y_true[rows < 0.05] = 0.0
        y_pred[(rows > 0.05) & (rows < 0.1)] = 0.0
        y_pred[(rows > 0.1) & (rows < 0.15)] = y_true[(rows > 0.1) & (rows < 0.15)]
    if rng.random() < 0.3:
        y_true, y_pred = y_true.astype(np.float32), y_pred.astype(np.float32)
    return y_true, y_pred


def accumulate(rng, m, y_true, y_pred):
    """Random batch splits, spread over 1-3 accumulators merged in random order."""
    n = y_true.shape[0]
    parts = [Regression(m) for _ in range(int(rng.integers(1, 4)))]
    cuts = np.sort(rng.integers(0, n + 1, size=int(rng.integers(0, 6))))
    for a, b in zip([0, *cuts], [*cuts, n]):
        ok(parts[int(rng.integers(len(parts)))].update(y_true[a:b], y_pred[a:b]))
    order = rng.permutation(len(parts))
    into = Regression(m) if rng.random() < 0.5 else parts[order[0]]
    for k in order:
        if parts[k] is not into:
            ok(lib.trm_regression_merge(into.h, parts[k].h))
    return into


def angles_stable(t, p):
    """2 atan2(|u - v|, |u + v|) per row in long double; 0 for two zero rows, pi/2 for one."""
    t, p = t.astype(np.longdouble), p.astype(np.longdouble)
    nt, np_ = np.sqrt((t * t).sum(axis=1)), np.sqrt((p * p).sum(axis=1))
    zt, zp = nt == 0, np_ == 0
    u = t / np.where(zt, 1, nt)[:, None]
    v = p / np.where(zp, 1, np_)[:, None]
    a = 2 * np.arctan2(np.sqrt(((u - v) ** 2).sum(axis=1)), np.sqrt(((u + v) ** 2).sum(axis=1)))
    a = np.where(zt | zp, np.where(zt & zp, 0, np.pi / 2), a)
    return a.astype(float)


def angles_arccos(t, p):
    """arccos(<y, y_hat>/(|y||y_hat|)) with the cosine clamped to [-1, 1], in float64."""
    nt, np_ = np.linalg.norm(t, axis=1), np.linalg.norm(p, axis=1)
    zt, zp = nt == 0, np_ == 0
    cos = (t * p).sum(axis=1) / np.where(zt | zp, 1, nt * np_)
    a = np.arccos(np.clip(cos, -1, 1))
    return np.where(zt | zp, np.where(zt & zp, 0, np.pi / 2), a)


def check_case(case_id, rng):
    y_true, y_pred = random_case(rng)
    n, m = y_true.shape
    r = accumulate(rng, m, y_true, y_pred)
    tag = f"case {case_id} (n={n}, M={m}, {y_true.dtype})"
    expect(f"{tag} n_samples", lib.trm_regression_n_samples(r.h), n)
    t, p = y_true.astype(np.float64), y_pred.astype(np.float64)

    for metric, name, fn, kw in [
        (MAE, "MAE", skm.mean_absolute_error, {}),
        (MSE, "MSE", skm.mean_squared_error, {}),
        (RMSE, "RMSE", skm.mean_squared_error, {"squared": False}),
    ]:
        expect(f"{tag} {name} raw_values", r.per_output(metric), fn(t, p, multioutput="raw_values", **kw))
        expect(f"{tag} {name} uniform_average", r.average(metric),
               fn(t, p, multioutput="uniform_average", **kw))

    # scikit-learn answers one nan, whatever multioutput says, for fewer than 2 samples.
    want = skm.r2_score(t, p, multioutput="raw_values")
    want = np.full(m, np.nan) if np.ndim(want) == 0 else want
    expect(f"{tag} R2 raw_values", r.per_output(R2), want, rtol=1e-10, atol=1e-11)
    expect(f"{tag} R2 uniform_average", r.average(R2), skm.r2_score(t, p, multioutput="uniform_average"),
           rtol=1e-10, atol=1e-11)

    want = np.array([skm.max_error(t[:, j], p[:, j]) for j in range(m)])
    expect(f"{tag} max_error per column", r.per_output(MAX_ERROR), want)
    expect(f"{tag} max_error mean", r.average(MAX_ERROR), want.mean())

    e = p - t
    expect(f"{tag} RMSE_POOLED", r.average(RMSE_POOLED), np.sqrt(np.mean(e ** 2)))
    expect(f"{tag} RMSE_PER_SAMPLE", r.average(RMSE_PER_SAMPLE), np.mean(np.sqrt(np.mean(e ** 2, axis=1))))
    sad = r.average(SAD)
    expect(f"{tag} SAD (stable form, long double)", sad, np.mean(angles_stable(t, p)), rtol=1e-12, atol=1e-15)
    expect(f"{tag} SAD (float64 arccos form)", sad, np.mean(angles_arccos(t, p)), rtol=0, atol=5e-8)


def check_status_codes():
    """Refusals reach Python as the documented codes."""
    out, value = np.empty(3), D()
    r = Regression(3)
    expect_status("empty average", lib.trm_regression_average(r.h, MAE, C.byref(value)), E_EMPTY)
    expect_status("empty per_output", lib.trm_regression_per_output(r.h, R2, ptr(out)), E_EMPTY)
    ok(r.update(np.ones((2, 3)), np.zeros((2, 3))))
    for metric in (RMSE_POOLED, RMSE_PER_SAMPLE, SAD):
        expect_status(f"per_output of scalar-only {metric}",
                      lib.trm_regression_per_output(r.h, metric, ptr(out)), E_INVALID)
    for metric in (-1, 8):
        expect_status(f"unknown metric {metric}", lib.trm_regression_average(r.h, metric, C.byref(value)),
                      E_INVALID)
    bad = np.ones((4, 3))
    bad[2, 1] = np.nan
    expect_status("NaN in y_pred", r.update(np.ones((4, 3)), bad), E_NONFINITE)
    expect_status("Inf in y_true (f32)",
                  r.update(np.full((1, 3), np.inf, np.float32), np.ones((1, 3), np.float32)), E_NONFINITE)
    expect("rejected batches left n", lib.trm_regression_n_samples(r.h), 2)
    two = Regression(2)
    expect_status("merge of 3 and 2 outputs", lib.trm_regression_merge(r.h, two.h), E_MISMATCH)


def main():
    rng = np.random.default_rng(20261128)
    cases = 320
    for case_id in range(cases):
        check_case(case_id, rng)
    check_status_codes()
    return tally.summary()


if __name__ == "__main__":
    sys.exit(main())
