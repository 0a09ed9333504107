# SPDX-License-Identifier: MIT
"""ConfusionMatrix: the streaming confusion matrix and the metrics derived from it."""
import ctypes as C
import math

import numpy as np

from . import _arrays
from ._args import c_integer
from ._errors import EmptyError, InvalidArgumentError
from ._handle import Handle, ignore_index_property
from ._lib import H, call, check, lib, register_translation

WEIGHTED = 1

METRICS = {"precision": 0, "recall": 1, "f1": 2, "specificity": 3, "npv": 4, "fpr": 5, "fnr": 6,
           "jaccard": 7, "support": 8}
AVERAGES = {"macro": 0, "micro": 1, "weighted": 2, "macro_present": 3}
NORMALIZE = {None: 0, "true": 1, "pred": 2, "all": 3}
KAPPA = {None: 0, "linear": 1, "quadratic": 2}

# The per-call fast path of update(): the bound C function of each native label
# dtype, looked up once, and ctypes' cheapest way to an array's address
# (c_char.from_buffer accepts only writable C-contiguous memory, which is exactly
# what may be passed as it lies; anything else takes the general path).
_UPDATE_BY_DTYPE = {dtype: getattr(lib, "trm_confusion_update_" + suffix)
                    for dtype, suffix in _arrays.LABEL_SUFFIX.items()}
_WEIGHTED_BY_DTYPE = {np.dtype(np.int32): lib.trm_confusion_update_weighted_i32,
                      np.dtype(np.int64): lib.trm_confusion_update_weighted_i64}
_ARGMAX_BY_DTYPE = {np.dtype(np.float32): lib.trm_confusion_update_argmax_f32,
                    np.dtype(np.float64): lib.trm_confusion_update_argmax_f64}
_from_buffer = C.c_char.from_buffer
_addressof = C.addressof
_ndarray = np.ndarray
_int32, _float64 = np.dtype(np.int32), np.dtype(np.float64)
# compute(): every per-class metric with its three averages.
COMPUTED_METRICS = ("precision", "recall", "f1", "specificity", "npv", "fpr", "fnr", "jaccard")


# C names in the library's messages, as this class spells them.
register_translation(r"created without TRM_CONFUSION_WEIGHTED",
                     "created without weighted=True (sample_weight and float counts need "
                     "ConfusionMatrix(n_classes, weighted=True))")
register_translation(r"dst has flags 0x([0-9a-fA-F]+), src has 0x([0-9a-fA-F]+)",
                     lambda m: f"this matrix has weighted={bool(int(m.group(1), 16) & WEIGHTED)}, the other "
                               f"weighted={bool(int(m.group(2), 16) & WEIGHTED)}")
register_translation(r"dst and src ignore different labels", "the two matrices have different ignore_index")
register_translation(r"\bdst has (\d+) classes, src has (\d+)", r"this matrix has n_classes=\1, the other \2")
register_translation(r"\bweights\[(\d+)\] = ", r"sample_weight[\1] = ")
register_translation(r"\bweights\[(\d+)\]\[(\d+)\] = ", r"counts[\1][\2] = ")


def zero_division_code(zero_division):
    """scikit-learn's zero_division: "warn" and 0 give 0.0, 1 gives 1.0, np.nan gives NaN."""
    if isinstance(zero_division, str) and zero_division == "warn":
        return 0
    if isinstance(zero_division, (int, float)) and not isinstance(zero_division, bool):
        if math.isnan(zero_division):
            return 2
        if zero_division in (0, 1):
            return int(zero_division)
    raise InvalidArgumentError(f"zero_division must be 'warn', 0, 1 or np.nan, got {zero_division!r}")


def _average_code(average):
    if average not in AVERAGES:
        raise InvalidArgumentError(f"average must be None or one of {sorted(AVERAGES)}, got {average!r}")
    return AVERAGES[average]


def _lookup(table, key, what):
    try:
        return table[key]
    except (KeyError, TypeError):
        raise InvalidArgumentError(f"{what} must be one of {list(table)}, got {key!r}") from None


class ConfusionMatrix(Handle):
    """Streaming confusion matrix over class ids 0 .. n_classes-1.

    Rows are true classes, columns predicted ones. Every update checks its whole
    batch first: a bad label, NaN score or negative weight raises and leaves the
    matrix unchanged. ``weighted=True`` keeps float sums of sample weights.
    ``ignore_index`` skips pairs whose true label equals it (torchmetrics).

    An empty matrix (nothing counted, or only zero weights) never raises: every
    per-class metric and every average is the ``zero_division`` value (0.0 by
    default, 1.0 or NaN), accuracy, balanced_accuracy and cohen_kappa are NaN and
    matthews_corrcoef is 0.0, as scikit-learn answers for empty input.
    Integer options (n_classes, digits) must fit their C type: a negative or
    too large value raises ValueError naming the option.
    """

    __slots__ = ()
    _kind = "confusion"

    def __init__(self, n_classes, *, weighted=False, ignore_index=None):
        self._h = H()
        call("trm_confusion_new", C.byref(self._h), c_integer(n_classes, "n_classes", "size_t"),
             WEIGHTED if weighted else 0, None)
        if ignore_index is not None:
            self.ignore_index = ignore_index

    # ---- shape and options -------------------------------------------------------

    @property
    def n_classes(self):
        return lib.trm_confusion_n_classes(self._h)

    @property
    def weighted(self):
        return bool(lib.trm_confusion_flags(self._h) & WEIGHTED)

    ignore_index = ignore_index_property

    # ---- updates ---------------------------------------------------------------------

    def update(self, y_true, y_pred, sample_weight=None):
        """Count (true, predicted) label pairs, optionally weighted; returns self.

        Labels are 1-D integer arrays, lists or torch tensors. Contiguous writable
        NumPy arrays (or CPU tensors) of one dtype among uint8, uint16, int32 and
        int64 reach the library without a copy and without a second check.
        """
        if sample_weight is None and type(y_true) is _ndarray and type(y_pred) is _ndarray:
            # The hot path of a training loop: one dict lookup, two addresses, one call.
            # The library validates the whole batch and sets trm_last_error itself.
            fn = _UPDATE_BY_DTYPE.get(y_true.dtype)
            n = y_true.size
            if fn is not None and n and y_true.ndim == 1 and y_pred.dtype == y_true.dtype \
                    and y_pred.shape == y_true.shape:
                try:
                    t_address, p_address = _addressof(_from_buffer(y_true)), _addressof(_from_buffer(y_pred))
                except (TypeError, ValueError):  # read-only or not contiguous
                    pass
                else:
                    status = fn(self._h, t_address, p_address, n)
                    if status:
                        check(status)
                    return self
        elif type(sample_weight) is _ndarray and type(y_true) is _ndarray and type(y_pred) is _ndarray:
            fn = _WEIGHTED_BY_DTYPE.get(y_true.dtype)
            n = y_true.size
            if fn is not None and n and y_true.ndim == 1 and y_pred.dtype == y_true.dtype \
                    and sample_weight.dtype == _float64 and y_pred.shape == y_true.shape == sample_weight.shape:
                addresses = (_arrays.native_address(y_true), _arrays.native_address(y_pred),
                             _arrays.native_address(sample_weight))
                if None not in addresses:
                    status = fn(self._h, *addresses, n)
                    if status:
                        check(status)
                    return self
        if sample_weight is None:
            t, p, suffix = _arrays.labels_pair(y_true, y_pred)
            if t.size:
                call("trm_confusion_update_" + suffix, self._h, t.ctypes.data, p.ctypes.data, t.size)
            return self
        t, p, suffix = _arrays.labels_pair(y_true, y_pred, wide=True)
        w = _arrays.weights_for(sample_weight, t.size)
        if t.size:
            call("trm_confusion_update_weighted_" + suffix, self._h, t.ctypes.data, p.ctypes.data,
                 w.ctypes.data, t.size)
        return self

    def update_argmax(self, y_true, scores):
        """Predict each row's argmax (ties to the lowest index) and count it; returns self."""
        if type(y_true) is _ndarray and type(scores) is _ndarray and y_true.dtype == _int32 \
                and scores.ndim == 2 and y_true.ndim == 1:
            fn = _ARGMAX_BY_DTYPE.get(scores.dtype)
            n, k = scores.shape
            if fn is not None and n and n == y_true.shape[0] and k == lib.trm_confusion_n_classes(self._h):
                addresses = _arrays.native_address(y_true), _arrays.native_address(scores)
                if None not in addresses:
                    status = fn(self._h, *addresses, n, k)
                    if status:
                        check(status)
                    return self
        s, stride, suffix = _arrays.score_rows(scores, self.n_classes)
        t = _arrays.true_labels_i32(y_true, s.shape[0])
        if t.size:
            call("trm_confusion_update_argmax_" + suffix, self._h, t.ctypes.data, s.ctypes.data, t.size, stride)
        return self

    def update_threshold(self, y_true, scores, threshold=0.5, logits=False):
        """Binary prediction ``score > threshold`` (strict, no sigmoid); returns self.

        ``logits=True`` predicts ``sigmoid(score) > threshold``, ``logits="auto"``
        takes a batch as logits when a counted score lies outside [0, 1] (torchmetrics)."""
        if logits is not False:
            return self._update_threshold_flags(y_true, scores, threshold, _arrays.score_flags(logits))
        s, suffix = _arrays.binary_scores(scores)
        t = _arrays.true_labels_i32(y_true, s.shape[0])
        if t.size:
            call("trm_confusion_update_threshold_" + suffix, self._h, t.ctypes.data, s.ctypes.data, t.size,
                 float(threshold))
        return self

    def _update_threshold_flags(self, y_true, scores, threshold, flags):
        s, suffix = _arrays.binary_scores(scores)
        t = _arrays.true_labels_i32(y_true, s.shape[0])
        if t.size:
            call("trm_confusion_update_threshold_flags_" + suffix, self._h, t.ctypes.data, s.ctypes.data, t.size,
                 float(threshold), flags)
        return self

    def update_argmax_map(self, y_true, scores, layout="channels_first"):
        """Count the per-pixel argmax of class-score maps; returns self.

        ``scores`` is (N, C, *spatial) for layout="channels_first" (PyTorch) or
        (N, *spatial, C) for "channels_last", ``y_true`` is (N, *spatial); the
        prediction is ``scores.argmax(axis=1)`` (or ``axis=-1``), ties to the lowest
        class. Pixels whose true label is ``ignore_index`` are skipped."""
        t, s, batch, n_pixels, code, suffix = _arrays.score_map(y_true, scores, self.n_classes, layout)
        if t.size:
            call("trm_confusion_update_argmax_map_" + suffix, self._h, t.ctypes.data, s.ctypes.data, batch,
                 n_pixels, code)
        return self

    def iou(self, zero_division=0):
        """Intersection over union per class, tp / (tp + fp + fn); absent classes take zero_division."""
        out = np.empty(self.n_classes)
        call("trm_confusion_iou_per_class", self._h, zero_division_code(zero_division), out.ctypes.data)
        return out

    def mean_iou(self):
        """Mean IoU over the present classes other than ignore_index (torchmetrics
        MulticlassJaccardIndex, average="macro"); NaN when none is present."""
        out = C.c_double()
        if lib.trm_confusion_mean_iou(self._h, C.byref(out)) == EmptyError.code:
            return math.nan
        return out.value

    def add_counts(self, counts):
        """Add a (n_classes, n_classes) table of counts, e.g. an all-reduced one; returns self."""
        k = self.n_classes
        table = _arrays.as_array(counts, "counts")
        if table.shape != (k, k):
            raise InvalidArgumentError(f"counts must have shape {(k, k)}, got {table.shape}")
        if table.dtype.kind == "f" and self.weighted:
            table = np.ascontiguousarray(table, dtype=np.float64)
            call("trm_confusion_add_weights", self._h, table.ctypes.data)
            return self
        if table.dtype.kind not in "iub" or (table.size and table.min() < 0):
            raise InvalidArgumentError("counts must be non-negative integers")
        table = np.ascontiguousarray(table, dtype=np.uint64)
        call("trm_confusion_add_counts", self._h, table.ctypes.data)
        return self

    # ---- contents ----------------------------------------------------------------------

    @property
    def counts(self):
        """The cells: uint64 counts, or float64 weight sums for a weighted matrix."""
        k = self.n_classes
        if self.weighted:
            return self.matrix()
        out = np.empty((k, k), dtype=np.uint64)
        call("trm_confusion_counts", self._h, out.ctypes.data)
        return out

    def matrix(self, normalize=None):
        """The cells as float64, normalized over 'true' rows, 'pred' columns or 'all'."""
        k = self.n_classes
        out = np.empty((k, k), dtype=np.float64)
        call("trm_confusion_matrix", self._h, _lookup(NORMALIZE, normalize, "normalize"), out.ctypes.data)
        return out

    @property
    def total(self):
        out = C.c_double()
        call("trm_confusion_total", self._h, C.byref(out))
        return out.value if self.weighted else int(out.value)

    # ---- metrics ------------------------------------------------------------------------

    def metric(self, name, average=None, zero_division=0):
        """Any per-class metric by name ('precision', 'recall', 'f1', 'specificity', 'npv',
        'fpr', 'fnr', 'jaccard', 'support'): an array per class, or a float averaged with
        average='macro', 'micro', 'weighted' or 'macro_present'."""
        code = _lookup(METRICS, name, "metric")
        zd = zero_division_code(zero_division)
        if average is None:
            out = np.empty(self.n_classes)
            call("trm_metric_per_class", self._h, code, zd, out.ctypes.data)
            return out
        out = C.c_double()
        call("trm_metric_average", self._h, code, _average_code(average), zd, C.byref(out))
        return out.value

    def precision(self, average=None, zero_division=0):
        return self.metric("precision", average, zero_division)

    def recall(self, average=None, zero_division=0):
        return self.metric("recall", average, zero_division)

    def f1(self, average=None, zero_division=0):
        return self.metric("f1", average, zero_division)

    def specificity(self, average=None, zero_division=0):
        return self.metric("specificity", average, zero_division)

    def npv(self, average=None, zero_division=0):
        return self.metric("npv", average, zero_division)

    def fpr(self, average=None, zero_division=0):
        return self.metric("fpr", average, zero_division)

    def fnr(self, average=None, zero_division=0):
        return self.metric("fnr", average, zero_division)

    def jaccard(self, average=None, zero_division=0):
        return self.metric("jaccard", average, zero_division)

    def support(self, average=None):
        return self.metric("support", average)

    def fbeta(self, beta, average=None, zero_division=0):
        """F-beta from counts (scikit-learn >= 1.4): per class, or averaged."""
        zd = zero_division_code(zero_division)
        if average is None:
            out = np.empty(self.n_classes)
            call("trm_fbeta_per_class", self._h, float(beta), zd, out.ctypes.data)
            return out
        out = C.c_double()
        call("trm_fbeta_average", self._h, float(beta), _average_code(average), zd, C.byref(out))
        return out.value

    def undefined(self, name):
        """Boolean per class: True where the metric's denominator is zero."""
        out = np.empty(self.n_classes, dtype=np.uint8)
        call("trm_metric_undefined", self._h, _lookup(METRICS, name, "metric"), out.ctypes.data)
        return out.astype(bool)

    def _scalar(self, name, *args, empty):
        out = C.c_double()
        if self.total == 0:  # nothing counted, or only zero weights: the documented value
            return empty
        call(name, self._h, *args, C.byref(out))
        return out.value

    # An empty matrix (total == 0: nothing counted, or only zero weights) answers
    # without raising, as scikit-learn does for empty input:
    #   * per-class metrics (precision, recall, f1, fbeta, jaccard, ...) have a zero
    #     denominator in every class, so each class gets the zero_division value and
    #     every average (macro, micro, weighted, macro_present) is that value too:
    #     0.0 for zero_division=0/"warn", 1.0 for 1, NaN for np.nan (scikit-learn's
    #     f1_score([], [], labels=[0, 1], average=...) gives 0.0, or 1.0 with
    #     zero_division=1);
    #   * accuracy, balanced_accuracy (plain and adjusted) and cohen_kappa are NaN
    #     (scikit-learn 1.2: accuracy_score([], []), balanced_accuracy_score([], [])
    #     and cohen_kappa_score([], []) are all nan);
    #   * matthews_corrcoef is 0.0 (scikit-learn: 0.0 whenever its denominator is 0).

    def accuracy(self):
        """trace / total; NaN for an empty matrix (scikit-learn's accuracy_score([], []))."""
        return self._scalar("trm_accuracy", empty=math.nan)

    def balanced_accuracy(self, adjusted=False):
        """Mean recall over the classes present in y_true; NaN for an empty matrix."""
        return self._scalar("trm_balanced_accuracy", 1 if adjusted else 0, empty=math.nan)

    def cohen_kappa(self, weights=None):
        """Cohen's kappa (weights None, 'linear' or 'quadratic'); NaN for an empty matrix."""
        return self._scalar("trm_cohen_kappa", _lookup(KAPPA, weights, "weights"), empty=math.nan)

    def matthews_corrcoef(self):
        """Multiclass MCC; 0.0 when its denominator is 0, so also for an empty matrix."""
        return self._scalar("trm_matthews_corrcoef", empty=0.0)

    def compute(self, zero_division=0):
        """Every metric of the matrix in one dict (a snapshot; the matrix is unchanged).

        Keys:

        * ``"accuracy"``, ``"balanced_accuracy"``, ``"cohen_kappa"`` (unweighted),
          ``"matthews_corrcoef"``: floats, as the methods of the same names;
        * ``"precision"``, ``"recall"``, ``"f1"``, ``"specificity"``, ``"npv"``,
          ``"fpr"``, ``"fnr"``, ``"jaccard"``: float64 arrays, one value per class;
        * ``"<metric>_macro"``, ``"<metric>_micro"``, ``"<metric>_weighted"`` for each
          of those eight: the averages as floats (weighted by support);
        * ``"support"``: the true count (weight sum) per class, float64.

        ``zero_division`` (0, 1, np.nan or "warn", which gives 0 silently) is the
        value of every undefined per-class metric, as in :meth:`metric`. An empty
        matrix does not raise: it gives the documented empty values (NaN accuracy,
        balanced_accuracy and cohen_kappa, 0.0 matthews_corrcoef, zero_division
        elsewhere).
        """
        zero_division_code(zero_division)  # refuse a bad value before anything is computed
        result = {"accuracy": self.accuracy(), "balanced_accuracy": self.balanced_accuracy(),
                  "cohen_kappa": self.cohen_kappa(), "matthews_corrcoef": self.matthews_corrcoef()}
        for name in COMPUTED_METRICS:
            result[name] = self.metric(name, None, zero_division)
            for average in ("macro", "micro", "weighted"):
                result[f"{name}_{average}"] = self.metric(name, average, zero_division)
        result["support"] = self.support()
        return result

    def classification_report(self, target_names=None, digits=2):
        """scikit-learn's text report over all n_classes classes (zero_division 0).

        A class is present when it occurred in y_true or y_pred, weight 0 included
        (a weighted matrix remembers such classes), so the accuracy line and the
        "micro avg" line come where scikit-learn puts them. Weights added as a
        table (``add_weights``) carry no labels and mark nothing.
        """
        names = None
        if target_names is not None:
            target_names = [str(name).encode() for name in target_names]
            if len(target_names) != self.n_classes:
                raise InvalidArgumentError(f"{len(target_names)} target_names for {self.n_classes} classes")
            names = (C.c_char_p * len(target_names))(*target_names)
        size = C.c_size_t()
        digits = c_integer(digits, "digits", "int")
        lib.trm_classification_report(self._h, names, digits, None, 0, C.byref(size))
        buf = C.create_string_buffer(max(size.value, 1))
        call("trm_classification_report", self._h, names, digits, C.cast(buf, C.c_void_p), len(buf),
             C.byref(size))
        return buf.value.decode()

    # ---- life cycle ------------------------------------------------------------------------

    def merge(self, other):
        """Add another matrix's cells (same classes and options); returns self."""
        if not isinstance(other, ConfusionMatrix):
            raise InvalidArgumentError(f"cannot merge a {type(other).__name__} into a ConfusionMatrix")
        call("trm_confusion_merge", self._h, other._h)
        return self

    def __iadd__(self, other):
        return self.merge(other)

    def __add__(self, other):
        return self.copy().merge(other)

    def reset(self):
        """Zero the cells; classes and options are kept. Returns self."""
        lib.trm_confusion_reset(self._h)
        return self

    def __eq__(self, other):
        if not isinstance(other, ConfusionMatrix):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    __hash__ = None

    def __repr__(self):
        kind = "weighted " if self.weighted else ""
        ignore = f", ignore_index={self.ignore_index}" if self.ignore_index is not None else ""
        return f"<ConfusionMatrix {kind}n_classes={self.n_classes} total={self.total}{ignore}>"
