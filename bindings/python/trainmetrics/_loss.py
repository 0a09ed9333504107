# SPDX-License-Identifier: MIT
"""Loss: a streaming, mergeable cross-entropy / binary cross-entropy / Brier accumulator."""
import ctypes as C

import numpy as np

from . import _arrays
from ._accumulators import _Mergeable
from ._args import c_integer
from ._errors import InvalidArgumentError, MismatchError
from ._handle import ignore_index_property
from ._lib import H, call, lib, register_translation

LOSS_KINDS = {"cross_entropy": 0, "binary_cross_entropy": 1, "brier": 2}
_KIND_NAMES = {code: name for name, code in LOSS_KINDS.items()}

_C_KIND_WORDS = {"cross-entropy": "cross_entropy", "binary cross-entropy": "binary_cross_entropy", "Brier": "brier"}
register_translation(r"\ba (cross-entropy|binary cross-entropy|Brier) accumulator does not take",
                     lambda m: f"a Loss({_C_KIND_WORDS[m.group(1)]!r}) does not take")


def _float_array(values, name):
    a = np.asarray(values)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold numbers, got dtype {a.dtype}")
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)


class Loss(_Mergeable):
    """The weighted mean of a loss over every sample seen.

    ``kind`` is ``'cross_entropy'`` (multiclass log loss: from logits as
    ``torch.nn.functional.cross_entropy``, from probabilities as
    ``sklearn.metrics.log_loss`` >= 1.5, clipped at the dtype's eps, rows not
    renormalized), ``'binary_cross_entropy'`` (``binary_cross_entropy_with_logits``
    over ``n_classes`` outputs, each sample's loss the mean over its outputs) or
    ``'brier'`` (``sklearn.metrics.brier_score_loss``: sum over classes of the
    squared error, halved for two classes). ``sample_weight`` works as in
    scikit-learn. Batches may arrive in any split; ``merge`` adds another
    accumulator of the same kind and shape.

    ``ignore_index`` (cross-entropy and Brier) skips the samples of that class
    id, as ``F.cross_entropy(ignore_index=...)`` does: they are neither checked
    nor counted, and the mean is over the samples kept. torch's default is
    -100; here the default is None, scikit-learn's behaviour.
    """

    __slots__ = ()
    _kind = "loss"

    def __init__(self, kind="cross_entropy", n_classes=2, ignore_index=None):
        if kind not in LOSS_KINDS:
            raise InvalidArgumentError(f"kind must be one of {list(LOSS_KINDS)}, got {kind!r}")
        self._h = H()
        call("trm_loss_new", C.byref(self._h), LOSS_KINDS[kind], c_integer(n_classes, "n_classes", "size_t"), None)
        self.ignore_index = ignore_index

    ignore_index = ignore_index_property

    @property
    def kind(self):
        return _KIND_NAMES[lib.trm_loss_kind(self._h)]

    @property
    def n_classes(self):
        return lib.trm_loss_n_classes(self._h)

    def _weights(self, sample_weight, n):
        return None if sample_weight is None else _arrays.weights_for(sample_weight, n)

    @staticmethod
    def _address(array):
        return None if array is None else array.ctypes.data

    def update_logits(self, y_true, logits, sample_weight=None):
        """Rows of n_classes logits and the true class ids (cross-entropy only)."""
        s, stride, suffix = _arrays.score_rows(_float_array(logits, "logits"), self.n_classes)
        t = _arrays.true_labels_i32(y_true, s.shape[0])
        w = self._weights(sample_weight, t.size)
        if t.size:
            call("trm_loss_update_logits_" + suffix, self._h, t.ctypes.data, s.ctypes.data, t.size, stride,
                 self._address(w))
        return self

    def update_probs(self, y_true, probs, sample_weight=None):
        """Rows of n_classes probabilities, or (two classes only) a 1-D array of
        positive-class probabilities, with the true class ids."""
        p = _float_array(probs, "probs")
        if p.ndim == 1:
            p = np.ascontiguousarray(p)
            t = _arrays.true_labels_i32(y_true, p.shape[0])
            w = self._weights(sample_weight, t.size)
            if t.size:
                call("trm_loss_update_probs_binary_" + _arrays.SCORE_SUFFIX[p.dtype], self._h, t.ctypes.data,
                     p.ctypes.data, t.size, self._address(w))
            return self
        s, stride, suffix = _arrays.score_rows(p, self.n_classes)
        t = _arrays.true_labels_i32(y_true, s.shape[0])
        w = self._weights(sample_weight, t.size)
        if t.size:
            call("trm_loss_update_probs_" + suffix, self._h, t.ctypes.data, s.ctypes.data, t.size, stride,
                 self._address(w))
        return self

    def update_binary_logits(self, targets, logits, sample_weight=None):
        """(n, n_classes) logits and targets in [0, 1] (0/1 labels or soft
        targets); 1-D arrays when n_classes is 1."""
        x = _float_array(logits, "logits")
        t = _float_array(targets, "targets")
        dtype = np.float32 if x.dtype == np.float32 and t.dtype == np.float32 else np.float64
        x = np.ascontiguousarray(x, dtype=dtype)
        t = np.ascontiguousarray(t, dtype=dtype)
        if x.ndim == 1 and self.n_classes == 1:
            x, t = x[:, None], t.reshape(-1, 1) if t.ndim == 1 else t
        if x.ndim != 2 or x.shape[1] != self.n_classes:
            raise MismatchError(f"logits must have shape (n, {self.n_classes}), got {x.shape}")
        if t.shape != x.shape:
            raise MismatchError(f"targets have shape {t.shape}, logits {x.shape}")
        w = self._weights(sample_weight, x.shape[0])
        if x.shape[0]:
            suffix = "f32" if dtype is np.float32 else "f64"
            call("trm_loss_update_binary_logits_" + suffix, self._h, t.ctypes.data, x.ctypes.data, x.shape[0],
                 self._address(w))
        return self

    def value(self):
        """The weighted mean loss; raises EmptyError before any sample or when the weights sum to 0."""
        out = C.c_double()
        call("trm_loss_value", self._h, C.byref(out))
        return out.value

    def sum(self):
        """The weighted sum of the per-sample losses (scikit-learn's normalize=False)."""
        out = C.c_double()
        call("trm_loss_sum", self._h, C.byref(out))
        return out.value

    @property
    def total_weight(self):
        out = C.c_double()
        call("trm_loss_total_weight", self._h, C.byref(out))
        return out.value

    def compute(self):
        """Every value at once: {kind: mean loss, 'sum', 'total_weight', 'n_samples'}.

        The mean is NaN while it is undefined (no sample, or weights summing to 0).
        """
        n = self.n_samples
        weight = self.total_weight
        mean = self.value() if n and weight > 0 else float("nan")
        return {self.kind: mean, "sum": self.sum(), "total_weight": weight, "n_samples": n}

    def __repr__(self):
        ignore = f" ignore_index={self.ignore_index}" if self.ignore_index is not None else ""
        return f"<Loss kind={self.kind!r} n_classes={self.n_classes}{ignore} n_samples={self.n_samples}>"
