# SPDX-License-Identifier: MIT
"""Helpers shared by the scripts that make the bundled run directories.

Everything here is about writing the run-directory contract exactly (Keras
CSVLogger history, predictions CSV, NumPy .npy files, run.conf) and about making
a PyTorch run reproducible byte for byte on one machine.
"""

import csv
import os
import random

import numpy as np
import torch


def deterministic(seed):
    """Seed every generator and forbid non-deterministic kernels (CPU, 1 thread)."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    # One intra-op thread: a reduction split across threads could add in an
    # order that depends on the number of cores.
    torch.set_num_threads(1)


def read_mayonnaise(path):
    """The CSV written by export-mayonnaise.R: ids, oil names, train flag, wavelengths, spectra."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert header[:4] == ["id", "oil_code", "oil", "train"], header[:4]
    wavelength = np.array([float(h) for h in header[4:]])
    body = rows[1:]
    ids = np.array([int(r[0]) for r in body])
    code = np.array([int(r[1]) for r in body])
    oil = [r[2] for r in body]
    train = np.array([r[3] == "1" for r in body])
    x = np.array([[float(v) for v in r[4:]] for r in body])
    # Class index = oil code - 1, so class names follow the data's codes.
    names = [None] * 6
    for c, o in zip(code, oil):
        assert names[c - 1] in (None, o)
        names[c - 1] = o
    return ids, code - 1, names, train, wavelength, x


def save_npy(path, array, dtype):
    """NumPy format 1.0, little-endian, C order."""
    a = np.ascontiguousarray(np.asarray(array, dtype=np.dtype(dtype).newbyteorder("<")))
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=(1, 0), allow_pickle=False)


class HistoryWriter:
    """A per-epoch log as Keras' CSVLogger writes it: `epoch,<keys sorted>`, epoch from 0."""

    def __init__(self, path, keys):
        self.keys = sorted(keys)
        self.f = open(path, "w", newline="")
        self.f.write(",".join(["epoch"] + self.keys) + "\n")

    def row(self, epoch, values):
        assert sorted(values) == self.keys
        self.f.write(",".join([str(epoch)] + [repr(float(values[k])) for k in self.keys]) + "\n")

    def close(self):
        self.f.close()


def write_lines(path, items):
    with open(path, "w") as f:
        for it in items:
            f.write(f"{it}\n")


def write_axis(path, wavelength):
    # Whole numbers of nm are written without a decimal point.
    write_lines(path, [("%d" % w) if float(w).is_integer() else repr(float(w)) for w in wavelength])


def write_conf(path, entries):
    with open(path, "w") as f:
        f.write("# Run manifest read by `trainmetrics page` (key = value, see PROVENANCE.md).\n")
        for k, v in entries:
            assert "\n" not in v and "#" not in v, (k, v)
            f.write(f"{k} = {v}\n")


def softmax64(logits):
    """Softmax in float64 of the model's float32 logits (rows sum to 1 to ~1e-16)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def write_predictions(path, ids, true_idx, probs, classes):
    pred_idx = probs.argmax(axis=1)
    with open(path, "w", newline="") as f:
        f.write(",".join(["id", "true", "pred"] + ["p_" + c for c in classes]) + "\n")
        for i, t, p, pr in zip(ids, true_idx, pred_idx, probs):
            f.write(",".join([str(int(i)), classes[t], classes[p]] + [repr(float(v)) for v in pr]) + "\n")
    return pred_idx


def cam_tensors(features_fn, head_fn, x, target):
    """Last conv activations and d(logit[target]) / d(activations), for each row of x.

    features_fn maps inputs to the last conv layer's output; head_fn maps that
    output to logits. target is None for the predicted class.
    """
    a = features_fn(x).detach().requires_grad_(True)
    logits = head_fn(a)
    idx = logits.argmax(dim=1) if target is None else target
    # Rows are independent, so the gradient of the sum of each row's chosen logit
    # is each row's own gradient.
    logits.gather(1, idx.view(-1, 1)).sum().backward()
    return a.detach().numpy(), a.grad.detach().numpy(), logits.detach().numpy(), idx.numpy()
