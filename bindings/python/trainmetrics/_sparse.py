# SPDX-License-Identifier: MIT
"""SparseConfusionMatrix: a confusion matrix for 10^4 .. 10^9 classes in O(K + cells) memory."""
import ctypes as C
import math

import numpy as np

from . import _arrays
from ._args import c_integer
from ._confusion import AVERAGES, KAPPA, METRICS, WEIGHTED, _average_code, _lookup, zero_division_code
from ._errors import InvalidArgumentError
from ._handle import Handle, ignore_index_property
from ._lib import H, call, lib


class SparseConfusionMatrix(Handle):
    """Streaming confusion matrix that never holds the K x K table.

    Per class it keeps tp, the true count and the predicted count; the
    non-zero off-diagonal cells live in a hash table. Every metric agrees with
    ``ConfusionMatrix`` (and scikit-learn with ``labels=range(n_classes)``);
    what needs the full matrix (``matrix()``, normalization, the text report,
    argmax updates) is not offered: ``cells()`` returns the non-zero cells in
    COO form instead. Updates check the whole batch first and change nothing
    when they raise. As ``ConfusionMatrix``, an empty matrix answers the
    zero_division value for per-class metrics, NaN for accuracy, balanced
    accuracy and kappa, and 0.0 for MCC.
    """

    __slots__ = ()
    _kind = "sparse_confusion"

    def __init__(self, n_classes, *, weighted=False, ignore_index=None):
        self._h = H()
        call("trm_sparse_confusion_new", C.byref(self._h), c_integer(n_classes, "n_classes", "size_t"),
             WEIGHTED if weighted else 0, None)
        if ignore_index is not None:
            self.ignore_index = ignore_index

    # ---- shape and options -------------------------------------------------------

    @property
    def n_classes(self):
        return lib.trm_sparse_confusion_n_classes(self._h)

    @property
    def weighted(self):
        return bool(lib.trm_sparse_confusion_flags(self._h) & WEIGHTED)

    ignore_index = ignore_index_property

    # ---- updates and contents ---------------------------------------------------------

    def update(self, y_true, y_pred, sample_weight=None):
        """Count (true, predicted) label pairs, optionally weighted; returns self."""
        t, p, suffix = _arrays.labels_pair(y_true, y_pred, wide=True)
        if sample_weight is None:
            if t.size:
                call("trm_sparse_confusion_update_" + suffix, self._h, t.ctypes.data, p.ctypes.data, t.size)
            return self
        w = _arrays.weights_for(sample_weight, t.size)
        if t.size:
            call("trm_sparse_confusion_update_weighted_" + suffix, self._h, t.ctypes.data, p.ctypes.data,
                 w.ctypes.data, t.size)
        return self

    @property
    def n_samples(self):
        """Pairs counted (ignored ones excluded)."""
        return lib.trm_sparse_confusion_n_samples(self._h)

    @property
    def total(self):
        """Sum of the cells: the sample count, or the total weight."""
        out = C.c_double()
        call("trm_sparse_confusion_total", self._h, C.byref(out))
        return out.value if self.weighted else int(out.value)

    @property
    def n_cells(self):
        """Non-zero cells of the K x K matrix, diagonal included."""
        return lib.trm_sparse_confusion_n_cells(self._h)

    @property
    def memory_size(self):
        """Bytes the handle holds."""
        return lib.trm_sparse_confusion_memory_size(self._h)

    def cells(self):
        """The non-zero cells as (y_true, y_pred, value) arrays, ordered by row then column."""
        n = self.n_cells
        t = np.empty(n, dtype=np.int64)
        p = np.empty(n, dtype=np.int64)
        v = np.empty(n, dtype=np.float64)
        got = C.c_size_t()
        call("trm_sparse_confusion_cells", self._h, t.ctypes.data, p.ctypes.data, v.ctypes.data, n, C.byref(got))
        return t, p, v

    # ---- metrics ------------------------------------------------------------------------

    def metric(self, name, average=None, zero_division=0):
        """A per-class metric by name (as ConfusionMatrix.metric): an array, or a float
        averaged with average='macro', 'micro', 'weighted' or 'macro_present'."""
        code = _lookup(METRICS, name, "metric")
        zd = zero_division_code(zero_division)
        if average is None:
            out = np.empty(self.n_classes)
            call("trm_sparse_confusion_metric_per_class", self._h, code, zd, out.ctypes.data)
            return out
        out = C.c_double()
        call("trm_sparse_confusion_metric_average", self._h, code, _average_code(average), zd, C.byref(out))
        return out.value

    def precision(self, average=None, zero_division=0):
        return self.metric("precision", average, zero_division)

    def recall(self, average=None, zero_division=0):
        return self.metric("recall", average, zero_division)

    def f1(self, average=None, zero_division=0):
        return self.metric("f1", average, zero_division)

    def fbeta(self, beta, average=None, zero_division=0):
        """F-beta from counts, per class or averaged."""
        zd = zero_division_code(zero_division)
        if average is None:
            out = np.empty(self.n_classes)
            call("trm_sparse_confusion_fbeta_per_class", self._h, float(beta), zd, out.ctypes.data)
            return out
        out = C.c_double()
        call("trm_sparse_confusion_fbeta_average", self._h, float(beta), _average_code(average), zd,
             C.byref(out))
        return out.value

    def _scalar(self, name, *args, empty):
        if self.total == 0:  # nothing counted, or only zero weights: ConfusionMatrix's answers
            return empty
        out = C.c_double()
        call(name, self._h, *args, C.byref(out))
        return out.value

    def accuracy(self):
        return self._scalar("trm_sparse_confusion_accuracy", empty=math.nan)

    def balanced_accuracy(self, adjusted=False):
        return self._scalar("trm_sparse_confusion_balanced_accuracy", 1 if adjusted else 0, empty=math.nan)

    def cohen_kappa(self, weights=None):
        """Cohen's kappa, weights None, 'linear' or 'quadratic'."""
        return self._scalar("trm_sparse_confusion_cohen_kappa", _lookup(KAPPA, weights, "weights"), empty=math.nan)

    def matthews_corrcoef(self):
        return self._scalar("trm_sparse_confusion_matthews_corrcoef", empty=0.0)

    def compute(self, zero_division=0):
        """Every scalar metric in one dict: accuracy, balanced_accuracy, cohen_kappa (and
        its linear and quadratic forms), matthews_corrcoef, and precision, recall and f1
        under each average ('precision_macro', ..., 'f1_micro'), plus n_samples."""
        result = {"n_samples": self.n_samples, "accuracy": self.accuracy(),
                  "balanced_accuracy": self.balanced_accuracy(), "cohen_kappa": self.cohen_kappa(),
                  "cohen_kappa_linear": self.cohen_kappa("linear"),
                  "cohen_kappa_quadratic": self.cohen_kappa("quadratic"),
                  "matthews_corrcoef": self.matthews_corrcoef()}
        for name in ("precision", "recall", "f1"):
            for average in AVERAGES:
                result[f"{name}_{average}"] = self.metric(name, average, zero_division)
        return result

    # ---- life cycle ------------------------------------------------------------------------

    def merge(self, other):
        """Add another sparse matrix's cells (same classes and options); returns self."""
        if not isinstance(other, SparseConfusionMatrix):
            raise InvalidArgumentError(f"cannot merge a {type(other).__name__} into a SparseConfusionMatrix")
        call("trm_sparse_confusion_merge", self._h, other._h)
        return self

    def __iadd__(self, other):
        return self.merge(other)

    def __add__(self, other):
        return self.copy().merge(other)

    def reset(self):
        """Zero the counts and give the table back; classes and options are kept. Returns self."""
        lib.trm_sparse_confusion_reset(self._h)
        return self

    def __eq__(self, other):
        if not isinstance(other, SparseConfusionMatrix):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    __hash__ = None

    def __repr__(self):
        kind = "weighted " if self.weighted else ""
        ignore = f", ignore_index={self.ignore_index}" if self.ignore_index is not None else ""
        return (f"<SparseConfusionMatrix {kind}n_classes={self.n_classes} n_samples={self.n_samples} "
                f"n_cells={self.n_cells}{ignore}>")
