#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check the bundled run directories independently of the scripts that wrote them.

usage: check-runs.py [--mayonnaise MAYONNAISE.csv] [ROOT]

ROOT (default: examples/data) holds mayonnaise/, digits/ and unmixing/. For each
run: run.conf is parsed by the contract's rules and every file it names must
exist; the history must be a Keras CSVLogger log (header `epoch,<sorted keys>`,
epochs 0..n-1); every .npy must be format 1.0, C order, of the contract's dtype
and of shapes that agree with each other; the last history row must equal what
scikit-learn computes from the committed predictions (accuracy, log loss) or
estimates (RMSE); Grad-CAM is recomputed with NumPy from the committed
activations and gradients. Prints the figures; exit status 1 on any failure.
With --mayonnaise (the CSV of export-mayonnaise.R) the unmixing endmembers are
also recomputed from the spectra.
"""

import ast
import csv
import math
import os
import sys

import numpy as np
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("  FAIL:", what)
    return cond


def read_conf(path):
    conf = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            k, v = line.split("=", 1)
            conf[k.strip()] = v.strip()
    return conf


def read_npy(path, dtype, ndim):
    """Reads the header by hand (magic, version, dict) before NumPy loads the data."""
    with open(path, "rb") as f:
        raw = f.read()
    check(raw[:6] == b"\x93NUMPY", f"{path}: magic")
    check(raw[6:8] == b"\x01\x00", f"{path}: format version 1.0")
    hlen = int.from_bytes(raw[8:10], "little")
    header = ast.literal_eval(raw[10:10 + hlen].decode("latin1"))
    check((10 + hlen) % 64 == 0, f"{path}: header padded to 64 bytes")
    check(header["descr"] == dtype, f"{path}: dtype {header['descr']} != {dtype}")
    check(header["fortran_order"] is False, f"{path}: C order")
    check(len(header["shape"]) == ndim, f"{path}: {ndim}-D, got {header['shape']}")
    a = np.load(path, allow_pickle=False)
    check(a.shape == tuple(header["shape"]), f"{path}: shape")
    check(len(raw) == 10 + hlen + a.nbytes, f"{path}: size = header + data")
    check(np.isfinite(a).all(), f"{path}: finite")
    return a


def read_history(path, keys):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    check(rows[0] == ["epoch"] + sorted(keys), f"{path}: header {rows[0]}")
    body = rows[1:]
    check([int(r[0]) for r in body] == list(range(len(body))), f"{path}: epochs 0..n-1")
    for r in body:
        for v in r[1:]:
            check(repr(float(v)) == v, f"{path}: {v} is not written as Python repr")
    return {k: np.array([float(r[i + 1]) for r in body]) for i, k in enumerate(rows[0][1:])}


def curve_summary(h, key):
    v = h["val_" + key]
    best = int(np.argmin(v))
    print(f"  epochs {len(v)}; best val_{key} {v[best]:.6g} at epoch {best}; "
          f"final {key} {h[key][-1]:.6g}, val_{key} {v[-1]:.6g} "
          f"(final/best val = {v[-1] / v[best]:.3g})")
    return best


def gradcam(act, grad):
    spatial = tuple(range(2, act.ndim))
    w = grad.astype(np.float64).mean(axis=spatial)                     # (N, C)
    cam = np.einsum("nc,nc...->n...", w, act.astype(np.float64))
    return np.maximum(cam, 0.0)


def check_classification(d, conf):
    for k in ("classes", "predictions", "activations", "gradients", "inputs"):
        check(k in conf, f"{d}: run.conf has {k}")
    check(conf.get("cam_target") == "predicted", f"{d}: cam_target = predicted")
    classes = open(os.path.join(d, conf["classes"])).read().split("\n")[:-1]
    check(all("," not in c and " " not in c and c for c in classes), f"{d}: class names")
    h = read_history(os.path.join(d, conf["history"]), ["loss", "accuracy", "val_loss", "val_accuracy"])
    with open(os.path.join(d, conf["predictions"]), newline="") as f:
        rows = list(csv.reader(f))
    check(rows[0] == ["id", "true", "pred"] + ["p_" + c for c in classes], f"{d}: predictions header")
    body = rows[1:]
    ids = [int(r[0]) for r in body]
    check(len(set(ids)) == len(ids), f"{d}: ids unique")
    idx = {c: i for i, c in enumerate(classes)}
    y_true = np.array([idx[r[1]] for r in body])
    y_pred = np.array([idx[r[2]] for r in body])
    p = np.array([[float(v) for v in r[3:]] for r in body])
    check(np.abs(p.sum(1) - 1).max() < 1e-12, f"{d}: probabilities sum to 1")
    check((p.argmax(1) == y_pred).all(), f"{d}: pred = argmax of p_*")
    acc = accuracy_score(y_true, y_pred)
    # eps far below the default 1e-15: the overfitted model puts less than 1e-15
    # on the true class of some spectra, and clipping there would hide it.
    ll = log_loss(y_true, p, labels=list(range(len(classes))), eps=1e-300)
    print(f"  {len(body)} held-out rows; sklearn accuracy {acc!r} vs last val_accuracy "
          f"{h['val_accuracy'][-1]!r}; sklearn log loss {ll:.9g} vs last val_loss {h['val_loss'][-1]:.9g}")
    check(abs(acc - h["val_accuracy"][-1]) < 1e-12, f"{d}: accuracy matches history")
    check(abs(ll - h["val_loss"][-1]) < 1e-5 * max(1.0, ll), f"{d}: log loss matches history")
    best = curve_summary(h, "loss")
    print(f"  final accuracy {h['accuracy'][-1]:.4g}, val_accuracy {h['val_accuracy'][-1]:.4g}; "
          f"val_accuracy at best val_loss {h['val_accuracy'][best]:.4g}")

    act = read_npy(os.path.join(d, conf["activations"]), "<f4", 4 if "axis" not in conf else 3)
    grad = read_npy(os.path.join(d, conf["gradients"]), "<f4", act.ndim)
    x = read_npy(os.path.join(d, conf["inputs"]), "<f4", act.ndim - 1)
    check(act.shape == grad.shape, f"{d}: activations and gradients shapes agree")
    check(act.shape[0] == len(body) and x.shape[0] == len(body), f"{d}: N = predictions rows")
    print(f"  activations/gradients {act.shape} <f4, inputs {x.shape} <f4")
    cam = gradcam(act, grad)
    nz = int((cam.reshape(len(cam), -1).max(1) > 0).sum())
    print(f"  Grad-CAM (NumPy): {nz} of {len(cam)} maps not all zero")
    check(nz >= 0.8 * len(cam), f"{d}: most Grad-CAM maps non-zero")
    if "axis" in conf:
        axis = np.loadtxt(os.path.join(d, conf["axis"]))
        check(axis.shape == (x.shape[1],), f"{d}: axis has L lines")
        check(np.array_equal(axis, np.arange(1100, 2501, 4)), f"{d}: axis 1100..2500 nm by 4")
    return h


def check_regression(d, conf, mayo_csv):
    for k in ("outputs", "truth", "estimates", "endmembers", "axis"):
        check(k in conf, f"{d}: run.conf has {k}")
    outputs = open(os.path.join(d, conf["outputs"])).read().split("\n")[:-1]
    h = read_history(os.path.join(d, conf["history"]), ["loss", "rmse", "val_loss", "val_rmse"])
    t = read_npy(os.path.join(d, conf["truth"]), "<f8", 2)
    e = read_npy(os.path.join(d, conf["estimates"]), "<f8", 2)
    em = read_npy(os.path.join(d, conf["endmembers"]), "<f8", 2)
    axis = np.loadtxt(os.path.join(d, conf["axis"]))
    check(t.shape == e.shape and t.shape[1] == len(outputs), f"{d}: truth/estimates (N, outputs)")
    check(em.shape == (len(outputs), len(axis)), f"{d}: endmembers (outputs, L)")
    check(np.abs(t.sum(1) - 1).max() < 1e-12 and (t >= 0).all(), f"{d}: true abundances on the simplex")
    check(np.abs(e.sum(1) - 1).max() < 1e-5 and (e >= 0).all(), f"{d}: estimates on the simplex")
    if "inputs" in conf:
        x = read_npy(os.path.join(d, conf["inputs"]), "<f4", 2)
        check(x.shape == (len(t), len(axis)), f"{d}: inputs (N, L)")
        resid = x - t @ em
        print(f"  inputs {x.shape}: sd of (mixture - truth @ endmembers) = {resid.std():.3g}")
    rmse = math.sqrt(mean_squared_error(t, e))
    print(f"  {len(t)} held-out mixtures x {len(outputs)} outputs; sklearn RMSE {rmse:.9g} vs last "
          f"val_rmse {h['val_rmse'][-1]:.9g}")
    check(abs(rmse - h["val_rmse"][-1]) < 1e-5 * rmse, f"{d}: RMSE matches history")
    check(np.allclose(h["rmse"], np.sqrt(h["loss"]), rtol=1e-12, atol=0), f"{d}: rmse = sqrt(loss)")
    curve_summary(h, "rmse")
    if mayo_csv:
        with open(mayo_csv, newline="") as f:
            rows = list(csv.reader(f))[1:]
        for k, name in enumerate(outputs):
            spec = [list(map(float, r[4:])) for r in rows if r[2] == name and r[3] == "1"]
            check(np.allclose(np.mean(spec, axis=0), em[k], rtol=1e-12, atol=1e-14),
                  f"{d}: endmember {name} = mean of its training spectra")
        print("  endmembers recomputed from the exported spectra: "
              + ("equal" if not any(d in f for f in FAILURES) else "see failures"))
    return h


def main(argv):
    mayo = None
    if len(argv) >= 2 and argv[0] == "--mayonnaise":
        mayo, argv = argv[1], argv[2:]
    root = argv[0] if argv else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    total = 0
    for name in ("mayonnaise", "digits", "unmixing"):
        d = os.path.join(root, name)
        print(f"{name}/")
        conf = read_conf(os.path.join(d, "run.conf"))
        for k in ("title", "task", "description", "history", "source"):
            check(conf.get(k), f"{d}: run.conf has {k}")
        for k, v in conf.items():
            if k in ("history", "classes", "predictions", "activations", "gradients", "inputs",
                     "axis", "outputs", "truth", "estimates", "endmembers"):
                check(os.path.isfile(os.path.join(d, v)), f"{d}: {k} file {v} exists")
        if conf["task"] == "classification":
            check_classification(d, conf)
        else:
            check(conf["task"] == "regression", f"{d}: task")
            check_regression(d, conf, mayo)
        size = 0
        for f in sorted(os.listdir(d)):
            s = os.path.getsize(os.path.join(d, f))
            size += s
            print(f"    {s:9d}  {f}")
        print(f"  {size} bytes in {name}/")
        total += size
    print(f"total {total} bytes")
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
