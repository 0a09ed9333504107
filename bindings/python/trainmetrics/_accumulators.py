# SPDX-License-Identifier: MIT
"""TopK, Multilabel and RegressionErrors: the streaming siblings of ConfusionMatrix."""
import ctypes as C

import numpy as np

from . import _arrays
from ._confusion import AVERAGES, METRICS, zero_division_code
from ._args import c_integer
from ._errors import EmptyError, InvalidArgumentError, LabelError, MismatchError
from ._handle import Handle
from ._lib import H, call, lib, register_translation

register_translation(r"metric (\d+) has no SAMPLES average",
                     lambda m: f"metric={_METRIC_NAMES.get(int(m.group(1)), m.group(1))!r} has no average='samples'")
register_translation(r"the SAMPLES average applies", "average='samples' applies")
_METRIC_NAMES = {code: name for name, code in METRICS.items()}


def _positive(value, name):
    return c_integer(value, name, "size_t")


class _Mergeable(Handle):
    __slots__ = ()

    def merge(self, other):
        """Add another accumulator of the same shape; returns self."""
        if type(other) is not type(self):
            raise InvalidArgumentError(f"cannot merge a {type(other).__name__} into a {type(self).__name__}")
        call(self._fn("merge"), self._h, other._h)
        return self

    def __iadd__(self, other):
        return self.merge(other)

    def __add__(self, other):
        return self.copy().merge(other)

    def reset(self):
        getattr(lib, self._fn("reset"))(self._h)
        return self

    @property
    def n_samples(self):
        return getattr(lib, self._fn("n_samples"))(self._h)

    def _require_samples(self):
        if self.n_samples == 0:
            raise EmptyError(f"{type(self).__name__}.compute: nothing has been accumulated")

    def __eq__(self, other):
        return self.to_bytes() == other.to_bytes() if type(other) is type(self) else NotImplemented

    __hash__ = None


class TopK(_Mergeable):
    """Top-k accuracy for k = 1 .. max_k (scikit-learn's tie rule: among equal
    scores the higher class index ranks first)."""

    __slots__ = ()
    _kind = "topk"

    def __init__(self, n_classes, max_k=5):
        self._h = H()
        call("trm_topk_new", C.byref(self._h), _positive(n_classes, "n_classes"), _positive(max_k, "max_k"), None)

    @property
    def n_classes(self):
        return lib.trm_topk_n_classes(self._h)

    @property
    def max_k(self):
        return lib.trm_topk_max_k(self._h)

    def update(self, y_true, scores):
        s, stride, suffix = _arrays.score_rows(scores, self.n_classes)
        t = _arrays.true_labels_i32(y_true, s.shape[0])
        if t.size:
            call("trm_topk_update_" + suffix, self._h, t.ctypes.data, s.ctypes.data, t.size, stride)
        return self

    def accuracy(self, k=1):
        out = C.c_double()
        call("trm_topk_accuracy", self._h, c_integer(k, "k", "size_t"), C.byref(out))
        return out.value

    def compute(self):
        """``{"top1_accuracy": ..., "top2_accuracy": ..., ..., "top<max_k>_accuracy": ...}``
        (floats, scikit-learn's top_k_accuracy_score for each k). Raises EmptyError
        when nothing has been accumulated, as :meth:`accuracy` does."""
        self._require_samples()
        return {f"top{k}_accuracy": self.accuracy(k) for k in range(1, self.max_k + 1)}

    def __repr__(self):
        return f"<TopK n_classes={self.n_classes} max_k={self.max_k} n_samples={self.n_samples}>"


class Multilabel(_Mergeable):
    """Per-label tn/fp/fn/tp of 0/1 indicator matrices, with per-label, averaged
    (including 'samples'), subset-accuracy and Hamming-loss metrics."""

    __slots__ = ()
    _kind = "multilabel"

    def __init__(self, n_labels):
        self._h = H()
        call("trm_multilabel_new", C.byref(self._h), _positive(n_labels, "n_labels"), None)

    @property
    def n_labels(self):
        return lib.trm_multilabel_n_labels(self._h)

    def _indicator(self, values, name, dtype):
        array = _arrays.as_array(values, name)
        if array.ndim != 2 or array.shape[1] != self.n_labels:
            raise MismatchError(f"{name} must have shape (n, {self.n_labels}), got {array.shape}")
        if dtype is np.uint8 and array.dtype.kind not in "biu":
            raise TypeError(f"{name} must be a 0/1 integer or boolean matrix, got dtype {array.dtype}")
        if dtype is np.uint8 and array.dtype != np.uint8:
            bad = (array != 0) & (array != 1)
            if bad.any():
                row, col = np.argwhere(bad)[0]
                raise LabelError(f"{name}[{row}][{col}] = {array[row, col]} is not 0 or 1")
        return np.ascontiguousarray(array, dtype=dtype)

    def update(self, y_true, y_pred):
        t = self._indicator(y_true, "y_true", np.uint8)
        p = self._indicator(y_pred, "y_pred", np.uint8)
        if t.shape != p.shape:
            raise MismatchError(f"y_true has shape {t.shape}, y_pred {p.shape}")
        if t.shape[0]:
            call("trm_multilabel_update_u8", self._h, t.ctypes.data, p.ctypes.data, t.shape[0])
        return self

    def update_threshold(self, y_true, scores, threshold=0.5, logits=False):
        if logits is not False:
            return self._update_threshold_flags(y_true, scores, threshold, _arrays.score_flags(logits))
        t = self._indicator(y_true, "y_true", np.uint8)
        s = _arrays.as_array(scores, "scores")
        s = self._indicator(s, "scores", np.float32 if s.dtype == np.float32 else np.float64)
        if t.shape != s.shape:
            raise MismatchError(f"y_true has shape {t.shape}, scores {s.shape}")
        suffix = "f32" if s.dtype == np.float32 else "f64"
        if t.shape[0]:
            call("trm_multilabel_update_threshold_" + suffix, self._h, t.ctypes.data, s.ctypes.data, t.shape[0],
                 float(threshold))
        return self

    def _update_threshold_flags(self, y_true, scores, threshold, flags):
        """sigmoid(score) > threshold (flags TRM_SCORES_LOGITS), or torchmetrics' rule (TRM_SCORES_AUTO)."""
        t = self._indicator(y_true, "y_true", np.uint8)
        s = np.asarray(scores)
        s = self._indicator(s, "scores", np.float32 if s.dtype == np.float32 else np.float64)
        if t.shape != s.shape:
            raise MismatchError(f"y_true has shape {t.shape}, scores {s.shape}")
        suffix = "f32" if s.dtype == np.float32 else "f64"
        if t.shape[0]:
            call("trm_multilabel_update_threshold_flags_" + suffix, self._h, t.ctypes.data, s.ctypes.data,
                 t.shape[0], float(threshold), flags)
        return self

    @property
    def counts(self):
        """(n_labels, 2, 2) as scikit-learn's multilabel_confusion_matrix: [[tn, fp], [fn, tp]]."""
        out = np.empty((self.n_labels, 4), dtype=np.uint64)
        call("trm_multilabel_counts", self._h, out.ctypes.data)
        return out.reshape(self.n_labels, 2, 2)

    def metric(self, name, average=None, zero_division=0):
        """A per-label metric by name (as ConfusionMatrix.metric), or averaged with
        'macro', 'micro', 'weighted', 'macro_present' or 'samples'."""
        if name not in METRICS:
            raise InvalidArgumentError(f"metric must be one of {list(METRICS)}, got {name!r}")
        zd = zero_division_code(zero_division)
        if average is None:
            out = np.empty(self.n_labels)
            call("trm_multilabel_metric_per_label", self._h, METRICS[name], zd, out.ctypes.data)
            return out
        averages = dict(AVERAGES, samples=4)
        if average not in averages:
            raise InvalidArgumentError(f"average must be None or one of {list(averages)}, got {average!r}")
        out = C.c_double()
        call("trm_multilabel_metric_average", self._h, METRICS[name], averages[average], zd, C.byref(out))
        return out.value

    def subset_accuracy(self):
        out = C.c_double()
        call("trm_multilabel_subset_accuracy", self._h, C.byref(out))
        return out.value

    def hamming_loss(self):
        out = C.c_double()
        call("trm_multilabel_hamming_loss", self._h, C.byref(out))
        return out.value

    def compute(self, zero_division=0):
        """Every metric in one dict: ``"subset_accuracy"`` and ``"hamming_loss"``
        (floats); for each of precision, recall, f1, specificity, npv, fpr, fnr and
        jaccard a per-label float64 array under its name and the averages under
        ``"<metric>_macro"``, ``"_micro"``, ``"_weighted"`` and ``"_samples"``
        (precision, recall, f1 and jaccard only: scikit-learn's 'samples' average
        exists for those); ``"support"`` per label. Raises EmptyError when nothing
        has been accumulated."""
        from ._confusion import COMPUTED_METRICS
        zero_division_code(zero_division)
        self._require_samples()
        result = {"subset_accuracy": self.subset_accuracy(), "hamming_loss": self.hamming_loss()}
        for name in COMPUTED_METRICS:
            result[name] = self.metric(name, None, zero_division)
            for average in ("macro", "micro", "weighted", "samples"):
                if average == "samples" and name not in SAMPLES_METRICS:
                    continue
                result[f"{name}_{average}"] = self.metric(name, average, zero_division)
        result["support"] = self.metric("support")
        return result

    def __repr__(self):
        return f"<Multilabel n_labels={self.n_labels} n_samples={self.n_samples}>"


SAMPLES_METRICS = ("precision", "recall", "f1", "jaccard")

REGRESSION_METRICS = {"mae": 0, "mse": 1, "rmse": 2, "r2": 3, "max_error": 4, "rmse_pooled": 5,
                      "rmse_per_sample": 6, "sad": 7}
PER_OUTPUT_METRICS = ("mae", "mse", "rmse", "r2", "max_error")


class RegressionErrors(_Mergeable):
    """Streaming regression and spectral-unmixing errors over n_outputs columns:
    'mae', 'mse', 'rmse', 'r2', 'max_error' per output or averaged, and the
    scalar 'rmse_pooled', 'rmse_per_sample' and 'sad' (spectral angle, radians)."""

    __slots__ = ()
    _kind = "regression"

    def __init__(self, n_outputs=1):
        self._h = H()
        call("trm_regression_new", C.byref(self._h), _positive(n_outputs, "n_outputs"), None)

    @property
    def n_outputs(self):
        return lib.trm_regression_n_outputs(self._h)

    def _matrix(self, values, name, dtype):
        array = _arrays.as_array(values, name)
        if array.ndim == 1 and self.n_outputs == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[1] != self.n_outputs:
            raise MismatchError(f"{name} must have shape (n, {self.n_outputs}), got {array.shape}")
        return np.ascontiguousarray(array, dtype=dtype)

    def update(self, y_true, y_pred):
        y_true, y_pred = _arrays.as_array(y_true, "y_true"), _arrays.as_array(y_pred, "y_pred")
        dtype = np.float32 if y_true.dtype == np.float32 == y_pred.dtype else np.float64
        t = self._matrix(y_true, "y_true", dtype)
        p = self._matrix(y_pred, "y_pred", dtype)
        if t.shape != p.shape:
            raise MismatchError(f"y_true has shape {t.shape}, y_pred {p.shape}")
        if t.shape[0]:
            suffix = "f32" if dtype is np.float32 else "f64"
            call("trm_regression_update_" + suffix, self._h, t.ctypes.data, p.ctypes.data, t.shape[0])
        return self

    def metric(self, name, multioutput="uniform_average"):
        """multioutput='raw_values' gives one value per output (scikit-learn's keyword)."""
        if name not in REGRESSION_METRICS:
            raise InvalidArgumentError(f"metric must be one of {list(REGRESSION_METRICS)}, got {name!r}")
        if multioutput == "raw_values":
            out = np.empty(self.n_outputs)
            call("trm_regression_per_output", self._h, REGRESSION_METRICS[name], out.ctypes.data)
            return out
        if multioutput != "uniform_average":
            raise InvalidArgumentError(f"multioutput must be 'raw_values' or 'uniform_average', got {multioutput!r}")
        out = C.c_double()
        call("trm_regression_average", self._h, REGRESSION_METRICS[name], C.byref(out))
        return out.value

    def compute(self):
        """Every error in one dict: ``"mae"``, ``"mse"``, ``"rmse"``, ``"r2"``,
        ``"max_error"`` averaged uniformly over the outputs (floats) and the same
        per output under ``"<name>_per_output"`` (float64 arrays), plus the scalar
        ``"rmse_pooled"``, ``"rmse_per_sample"`` and ``"sad"``. Raises EmptyError
        when nothing has been accumulated."""
        self._require_samples()
        result = {}
        for name in PER_OUTPUT_METRICS:
            result[name] = self.metric(name)
        for name in PER_OUTPUT_METRICS:
            result[name + "_per_output"] = self.metric(name, "raw_values")
        for name in ("rmse_pooled", "rmse_per_sample", "sad"):
            result[name] = self.metric(name)
        return result

    def __repr__(self):
        return f"<RegressionErrors n_outputs={self.n_outputs} n_samples={self.n_samples}>"
