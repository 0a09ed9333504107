#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""trainmetrics against NumPy, scikit-learn and PyTorch on the same data, in one run.

Confusion matrices: the library (through the Python package) against
np.bincount(t * K + p), sklearn.metrics.confusion_matrix and torch.bincount.
Class activation maps (when the library has them): GRADCAM against the NumPy and
PyTorch formulations, with and without F.interpolate to the output size.
Per-call cost: ConfusionMatrix.update against np.bincount on the same int64
batches of 64, 1024 and 65536 labels, in microseconds per call, where the
Python-side overhead of a call (not the counting) is what a training loop feels.
Every contender's result is checked equal to the library's before it is timed.

usage: compare.py [--quick] [--json]   (run from the checkout after building it)
  --quick  a short smoke run with small inputs
  --json   one JSON object per case instead of a table line
"""
import json
import os
import sys
import time
import timeit

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
JSON = "--json" in sys.argv
for _arg in sys.argv[1:]:
    if _arg not in ("--quick", "--json"):
        print(f"usage: {sys.argv[0]} [--quick] [--json]", file=sys.stderr)
        sys.exit(2)


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
    if JSON:
        print(json.dumps({"case": case, "unit": f"{unit}/s", "items": items,
                          "rates": {name: items / seconds for name, seconds in contenders},
                          "speedups": {name: seconds / base for name, seconds in contenders[1:]}}), flush=True)
        return
    scale, prefix = (1e9, "G") if unit == "samples" else (1e3, "k")
    line = f"{case:<34}" + "".join(f"  {name} {items / seconds / scale:7.3f} {prefix}{unit}/s" + (
        f" (trainmetrics {seconds / base:5.1f}x as fast)" if name != contenders[0][0] else "")
        for name, seconds in contenders)
    print(line, flush=True)


def compare_confusion():
    n = 1 << (16 if QUICK else 24)
    cases = [(np.int32, k) for k in (2, 10, 100, 1000)] + [(np.uint8, k) for k in (2, 10)]
    for dtype, k in cases:
        y_true, y_pred = (y.astype(dtype) for y in labels(n, k, k))
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
        report(f"confusion {np.dtype(dtype).name} K={k}", contenders, n, "samples")


def per_call_microseconds(fn, calls):
    """Best of several timeit rounds, in microseconds per call."""
    rounds = 3 if QUICK else 7
    return min(timeit.repeat(fn, number=calls, repeat=rounds)) / calls * 1e6


def compare_per_call():
    k = 10
    for n in (64, 1024, 65536):
        y_true, y_pred = (y.astype(np.int64) for y in labels(n, k, n))
        cm = trainmetrics.ConfusionMatrix(k)
        cm.update(y_true, y_pred)
        want = cm.counts.astype(np.int64)

        def numpy_bincount():
            return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)

        assert np.array_equal(numpy_bincount(), want)
        calls = max(10, (20000 if not QUICK else 2000) * 64 // n)
        # Alternate the two, so a noisy neighbour weighs on both alike.
        ours, theirs = [], []
        for _ in range(2):
            ours.append(per_call_microseconds(lambda: cm.update(y_true, y_pred), calls))
            theirs.append(per_call_microseconds(numpy_bincount, calls))
        ours, theirs = min(ours), min(theirs)
        case = f"per-call update int64 n={n} K={k}"
        if JSON:
            print(json.dumps({"case": case, "unit": "us/call", "trainmetrics": ours, "numpy.bincount": theirs,
                              "ratio": ours / theirs}), flush=True)
        else:
            print(f"{case:<34}  trainmetrics {ours:9.2f} us/call  numpy.bincount {theirs:9.2f} us/call"
                  f" (trainmetrics takes {ours / theirs:5.2f}x the time)", flush=True)


def numpy_gradcam(a, g, out_shape):
    """The NumPy formulation: pooled gradients weight the maps, ReLU, min-max per sample."""
    weights = g.mean(axis=(2, 3), keepdims=True)
    maps = np.maximum((weights * a).sum(axis=1), 0)
    low = maps.min(axis=(1, 2), keepdims=True)
    maps = (maps - low) / (maps.max(axis=(1, 2), keepdims=True) - low + 1e-7)
    return maps


def torch_gradcam(a, g, out_shape):
    """pytorch-grad-cam's formulation in torch, with F.interpolate for the resize."""
    weights = g.mean(dim=(2, 3), keepdim=True)
    maps = torch.relu((weights * a).sum(dim=1))
    low = maps.amin(dim=(1, 2), keepdim=True)
    maps = (maps - low) / (maps.amax(dim=(1, 2), keepdim=True) - low + 1e-7)
    if out_shape is not None:
        maps = torch.nn.functional.interpolate(maps[:, None], size=out_shape, mode="bilinear",
                                               align_corners=False)[:, 0]
    return maps


def compare_cam():
    shapes = [(32, 2048, 7, 7), (32, 512, 14, 14), (8, 256, 56, 56)]
    for shape in shapes:
        batch = 2 if QUICK else shape[0]
        rng = np.random.default_rng(1)
        a = rng.random((batch,) + shape[1:], dtype=np.float32)
        g = rng.standard_normal((batch,) + shape[1:], dtype=np.float32)
        for out_shape in (None, (224, 224)):
            options = {} if out_shape is None else {"output_shape": out_shape}
            engine = trainmetrics.CAM("gradcam", **options)
            ours = engine(a, g)
            contenders = [("trainmetrics", best_seconds(lambda: engine(a, g)))]
            if out_shape is None:
                assert np.allclose(numpy_gradcam(a, g, None), ours, atol=1e-4)
                contenders.append(("numpy", best_seconds(lambda: numpy_gradcam(a, g, None), repetitions=3)))
            if torch is not None:
                ta, tg = torch.from_numpy(a), torch.from_numpy(g)
                assert np.allclose(torch_gradcam(ta, tg, out_shape).numpy(), ours, atol=1e-4)
                contenders.append(("torch", best_seconds(lambda: torch_gradcam(ta, tg, out_shape), repetitions=3)))
            name = f"GRADCAM {shape[1:]} x{batch}" + (" -> 224x224" if out_shape else "")
            report(name, contenders, batch, "maps")


def main():
    header = (f"trainmetrics {trainmetrics.library_version} ({trainmetrics.library_path}), NumPy {np.__version__}"
              + (f", PyTorch {torch.__version__} (1 thread)" if torch is not None else ""))
    print(json.dumps({"header": header}) if JSON else header, flush=True)
    compare_confusion()
    compare_per_call()
    compare_cam()
    return 0


if __name__ == "__main__":
    sys.exit(main())
