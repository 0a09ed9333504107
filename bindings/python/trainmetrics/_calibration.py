# SPDX-License-Identifier: MIT
"""Calibration: streaming calibration error (ECE, RMS, MCE) and the reliability-diagram bins."""
import ctypes as C

import numpy as np

from . import _arrays
from ._accumulators import _Mergeable
from ._args import c_integer
from ._errors import InvalidArgumentError
from ._handle import ignore_index_property
from ._lib import H, call, lib

NORMS = {"l1": 0, "l2": 1, "max": 2}
INPUTS = {"probabilities": 0, "logits": 1, "auto": 2}
_INPUT_NAMES = {code: name for name, code in INPUTS.items()}


class Calibration(_Mergeable):
    """torchmetrics' BinaryCalibrationError / MulticlassCalibrationError, streamed.

    ``n_classes`` None (or 0, 1) makes a binary accumulator: ``update`` takes the
    probability of the positive class per sample and 0/1 labels, and a bin's
    accuracy is its fraction of positives. ``n_classes`` K >= 2 makes a
    multiclass one: ``update`` takes (n, K) rows; the confidence is the row's
    maximum and a sample is correct when that class (the first of equal
    maxima) is its label. ``input`` says what the scores are: 'probabilities'
    (in [0, 1], the default), 'logits' (sigmoid or softmax applied) or 'auto'
    (torchmetrics' per-batch rule: logits when any score is outside [0, 1]).
    ``ignore_index`` drops the samples of that label before anything else, as
    torchmetrics does: their scores are not checked and 'auto' looks only at
    the samples kept.

    There are ``n_bins`` bins [b/n, (b+1)/n) plus a last one holding the
    confidences equal to 1, as torchmetrics' bucketize(right=True) gives.
    """

    __slots__ = ()
    _kind = "calibration"

    def __init__(self, n_bins=15, n_classes=None, input="probabilities", ignore_index=None):
        self._h = H()
        k = 1 if n_classes is None else c_integer(n_classes, "n_classes", "size_t")
        call("trm_calibration_new", C.byref(self._h), c_integer(n_bins, "n_bins", "size_t"), k, None)
        self.input = input
        self.ignore_index = ignore_index

    ignore_index = ignore_index_property

    @property
    def n_bins(self):
        return lib.trm_calibration_n_bins(self._h)

    @property
    def n_classes(self):
        """1 for a binary accumulator, else K."""
        return lib.trm_calibration_n_classes(self._h)

    @property
    def binary(self):
        return self.n_classes == 1

    @property
    def input(self):
        return _INPUT_NAMES[lib.trm_calibration_input(self._h)]

    @input.setter
    def input(self, value):
        if value not in INPUTS:
            raise InvalidArgumentError(f"input must be one of {list(INPUTS)}, got {value!r}")
        call("trm_calibration_set_input", self._h, INPUTS[value])

    def update(self, y_true, scores):
        """Add a batch: 1-D scores (binary) or (n, K) score rows (multiclass)."""
        if self.binary:
            s, suffix = _arrays.binary_scores(scores)
            t = _arrays.true_labels_i32(y_true, s.shape[0])
            if t.size:
                call("trm_calibration_update_binary_" + suffix, self._h, t.ctypes.data, s.ctypes.data, t.size)
        else:
            s, stride, suffix = _arrays.score_rows(scores, self.n_classes)
            t = _arrays.true_labels_i32(y_true, s.shape[0])
            if t.size:
                call("trm_calibration_update_multiclass_" + suffix, self._h, t.ctypes.data, s.ctypes.data,
                     t.size, stride)
        return self

    def error(self, norm="l1"):
        """The calibration error: 'l1' (ECE), 'l2' (RMS calibration error) or 'max' (MCE)."""
        if norm not in NORMS:
            raise InvalidArgumentError(f"norm must be one of {list(NORMS)}, got {norm!r}")
        out = C.c_double()
        call("trm_calibration_error", self._h, NORMS[norm], C.byref(out))
        return out.value

    def compute(self):
        """{'l1', 'l2', 'max', 'n_samples'}: the three norms and the sample count."""
        result = {norm: self.error(norm) for norm in NORMS}
        result["n_samples"] = self.n_samples
        return result

    def bins(self):
        """The n_bins + 1 bins: {'count', 'confidence', 'accuracy', 'lower', 'upper'} arrays.

        Empty bins have NaN mean confidence and accuracy; the last bin is the one
        of confidences exactly 1 (lower = upper = 1).
        """
        n = self.n_bins + 1
        counts = np.empty(n, dtype=np.uint64)
        confidence = np.empty(n)
        accuracy = np.empty(n)
        call("trm_calibration_bins", self._h, counts.ctypes.data, confidence.ctypes.data, accuracy.ctypes.data)
        edges = np.arange(n) / self.n_bins
        upper = np.append(edges[1:], 1.0)
        return {"count": counts, "confidence": confidence, "accuracy": accuracy, "lower": edges, "upper": upper}

    def reliability(self):
        """(mean confidence, accuracy, count) of the non-empty bins, for a reliability diagram.

        The one-point bin of confidences equal to 1 is kept apart (as in the error),
        so a diagram may show it as its own point at confidence 1.
        """
        table = self.bins()
        keep = table["count"] > 0
        return table["confidence"][keep], table["accuracy"][keep], table["count"][keep]

    def __repr__(self):
        task = "binary" if self.binary else f"n_classes={self.n_classes}"
        ignore = f" ignore_index={self.ignore_index}" if self.ignore_index is not None else ""
        return f"<Calibration n_bins={self.n_bins} {task} input={self.input!r}{ignore} n_samples={self.n_samples}>"
