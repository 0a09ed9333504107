# SPDX-License-Identifier: MIT
"""Turns Python, NumPy and PyTorch inputs into arrays the C entry points take.

Every public entry point that takes an array passes it through :func:`as_array`
first, so each accepts NumPy arrays, lists, anything with ``__array__`` or
``__dlpack__``, and torch tensors:

* a CPU tensor is viewed without a copy (``Tensor.numpy()``; a contiguous
  tensor of a supported dtype then reaches C as it lies);
* a tensor with ``requires_grad`` is detached first (no graph is kept or built);
* a tensor on another device (CUDA, MPS, ...) is copied to host memory, with a
  one-time :class:`DeviceCopyWarning` naming the bytes copied, because that copy
  and its device synchronization usually cost more than the metric itself;
* bfloat16 (which NumPy lacks) is widened to float32, conjugate/negative
  views are resolved.

C-contiguous arrays of a supported dtype are passed as they are (zero-copy);
anything else (lists, views with gaps, other integer widths) is converted once.
Torch is never imported here: a tensor can only exist once its user imported it.
"""
import ctypes as C
import sys
import warnings

import numpy as np

from ._errors import InvalidArgumentError, LabelError, MismatchError

# Label dtypes with a C entry point, by name suffix.
LABEL_SUFFIX = {np.dtype(np.uint8): "u8", np.dtype(np.uint16): "u16",
                np.dtype(np.int32): "i32", np.dtype(np.int64): "i64"}
SCORE_SUFFIX = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}


class DeviceCopyWarning(UserWarning):
    """A tensor was copied from an accelerator to host memory to be measured."""


_device_copy_warned = False


def _is_torch_tensor(value):
    # A tensor exists only once torch is imported; subclasses (nn.Parameter) count.
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, getattr(torch, "Tensor", ()))


def _torch_to_numpy(tensor, name):
    global _device_copy_warned
    if tensor.requires_grad:
        tensor = tensor.detach()
    if tensor.device.type != "cpu":
        if not _device_copy_warned:
            _device_copy_warned = True
            nbytes = tensor.numel() * tensor.element_size()
            warnings.warn(f"trainmetrics: {name} is a tensor on {tensor.device}; it is copied to host memory "
                          f"({nbytes} bytes for this call, and every later call with device tensors copies too, "
                          "with a device synchronization each time). Call .cpu() yourself to choose where "
                          "that copy happens. (warned once per process)",
                          DeviceCopyWarning, stacklevel=4)
        tensor = tensor.cpu()
    if tensor.is_conj():
        tensor = tensor.resolve_conj()
    if tensor.is_neg():
        tensor = tensor.resolve_neg()
    if str(tensor.dtype) == "torch.bfloat16":
        tensor = tensor.float()
    if tensor.layout is not None and str(tensor.layout) != "torch.strided":
        tensor = tensor.to_dense()
    return tensor.numpy()  # shares the tensor's memory, strides included


def as_array(values, name="array"):
    """``values`` as a NumPy array, without a copy whenever the memory allows it."""
    if type(values) is np.ndarray:
        return values
    if _is_torch_tensor(values):
        return _torch_to_numpy(values, name)
    if not hasattr(values, "__array__") and not hasattr(values, "__array_interface__") \
            and hasattr(values, "__dlpack__"):
        try:
            return np.from_dlpack(values)
        except (TypeError, RuntimeError, BufferError):
            pass  # a device-only DLPack producer: let np.asarray say what it can
    return np.asarray(values)


def address(array):
    return array.ctypes.data


_from_buffer = C.c_char.from_buffer
_addressof = C.addressof


def native_address(array):
    """The address of a writable C-contiguous array, or None when it is not one.

    ctypes' c_char.from_buffer is the cheapest way to an ndarray's address (about
    a third of ``array.ctypes.data``), and it refuses exactly the arrays that
    cannot be passed as they lie (read-only or with gaps).
    """
    try:
        return _addressof(_from_buffer(array))
    except (TypeError, ValueError):
        return None


def _one_dimensional(values, name):
    array = as_array(values, name)
    if array.ndim != 1:
        raise InvalidArgumentError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _integer_labels(array, name):
    if array.dtype == np.bool_:
        return array.view(np.uint8)
    if array.dtype.kind not in "iu":
        if array.size == 0:
            return array.astype(np.int64)
        raise TypeError(f"{name} must hold integer class ids, got dtype {array.dtype} "
                        "(trainmetrics.sklearn maps arbitrary label values)")
    # Compare in uint64: NumPy would compare a Python int through float64.
    too_big = array > np.uint64(np.iinfo(np.int64).max) if array.dtype == np.uint64 else None
    if too_big is not None and too_big.any():
        index = int(np.argmax(too_big))
        raise LabelError(f"{name}[{index}] = {array[index]} is not a valid class id")
    return array


def labels_pair(y_true, y_pred, *, wide=False):
    """Both label arrays with one shared C dtype; wide=True restricts to i32/i64."""
    t = _integer_labels(_one_dimensional(y_true, "y_true"), "y_true")
    p = _integer_labels(_one_dimensional(y_pred, "y_pred"), "y_pred")
    if t.shape != p.shape:
        raise MismatchError(f"y_true has {t.shape[0]} labels, y_pred has {p.shape[0]}")
    dtype = t.dtype if t.dtype == p.dtype else np.result_type(t.dtype, p.dtype)
    if dtype not in LABEL_SUFFIX or (wide and dtype.itemsize < 4):
        dtype = np.dtype(np.int64)
    t = np.ascontiguousarray(t, dtype=dtype)
    p = np.ascontiguousarray(p, dtype=dtype)
    return t, p, LABEL_SUFFIX[dtype]


def true_labels_i32(y_true, n):
    t = _integer_labels(_one_dimensional(y_true, "y_true"), "y_true")
    if t.shape[0] != n:
        raise MismatchError(f"y_true has {t.shape[0]} labels for {n} score rows")
    fits = t.itemsize < 4 or (t.itemsize == 4 and t.dtype.kind == "i")  # every value fits int32
    if t.size and not fits and (t.min() < np.iinfo(np.int32).min or t.max() > np.iinfo(np.int32).max):
        bad = int(np.argmax((t < np.iinfo(np.int32).min) | (t > np.iinfo(np.int32).max)))
        raise LabelError(f"y_true[{bad}] = {t[bad]} does not fit the 32-bit labels of score updates")
    return np.ascontiguousarray(t, dtype=np.int32)


def weights_for(sample_weight, n):
    w = np.ascontiguousarray(_one_dimensional(sample_weight, "sample_weight"), dtype=np.float64)
    if w.shape[0] != n:
        raise MismatchError(f"sample_weight has {w.shape[0]} values for {n} samples")
    return w


def score_rows(scores, n_classes):
    """A 2-D float array whose rows are n_classes wide; returns (array, row_stride, suffix).

    Rows may be strided (a column slice of a wider array) without a copy, as long
    as each row is contiguous.
    """
    s = as_array(scores, "scores")
    if s.ndim != 2:
        raise InvalidArgumentError(f"scores must be two-dimensional, got shape {s.shape}")
    if s.shape[1] != n_classes:
        raise MismatchError(f"scores have {s.shape[1]} columns for {n_classes} classes")
    if s.dtype not in SCORE_SUFFIX:
        s = s.astype(np.float64)
    item = s.itemsize
    # Rows are passed as they lie when each is contiguous and they do not overlap.
    rows_ok = s.shape[0] <= 1 or (s.strides[0] >= n_classes * item and s.strides[0] % item == 0)
    if not (rows_ok and (s.shape[1] <= 1 or s.strides[1] == item)):
        s = np.ascontiguousarray(s)
    stride = s.strides[0] // item if s.shape[0] > 1 else n_classes
    return s, max(stride, n_classes), SCORE_SUFFIX[s.dtype]


def binary_scores(scores):
    s = _one_dimensional(scores, "scores")
    if s.dtype not in SCORE_SUFFIX:
        s = s.astype(np.float64)
    s = np.ascontiguousarray(s)
    return s, SCORE_SUFFIX[s.dtype]


# The labels of score-map updates: u8, i32 (no suffix) and i64 entry points.
MAP_LABEL_SUFFIX = {np.dtype(np.uint8): "u8_", np.dtype(np.int32): "", np.dtype(np.int64): "i64_"}
LAYOUTS = {"channels_first": 0, "channels_last": 1}


def score_map(y_true, scores, n_classes, layout):
    """(N, C, *spatial) or (N, *spatial, C) scores and (N, *spatial) labels as the C
    map updates take them; returns (labels, scores, batch, n_pixels, layout code, suffix)."""
    if layout not in LAYOUTS:
        raise InvalidArgumentError(f"layout must be one of {list(LAYOUTS)}, got {layout!r}")
    s = np.asarray(scores)
    if s.ndim < 2:
        raise InvalidArgumentError(f"scores must have a batch and a class axis, got shape {s.shape}")
    first = layout == "channels_first"
    classes = s.shape[1] if first else s.shape[-1]
    if classes != n_classes:
        raise MismatchError(f"scores have {classes} classes on axis {1 if first else -1} for {n_classes} classes")
    spatial = s.shape[2:] if first else s.shape[1:-1]
    t = _integer_labels(np.asarray(y_true), "y_true")
    if t.shape != (s.shape[0],) + tuple(spatial):
        raise MismatchError(f"y_true has shape {t.shape}, the scores need {(s.shape[0],) + tuple(spatial)}")
    if s.dtype not in SCORE_SUFFIX:
        s = s.astype(np.float64)
    if t.dtype not in MAP_LABEL_SUFFIX:
        t = t.astype(np.int64)
    s = np.ascontiguousarray(s)
    t = np.ascontiguousarray(t)
    n_pixels = int(np.prod(spatial, dtype=np.int64)) if spatial else 1
    return t, s, s.shape[0], n_pixels, LAYOUTS[layout], MAP_LABEL_SUFFIX[t.dtype] + SCORE_SUFFIX[s.dtype]


# How the scores of a threshold update are read: probabilities, logits, or torchmetrics' rule.
SCORES_LOGITS, SCORES_AUTO = 1, 2


def score_flags(logits):
    """logits=False (probabilities), True (sigmoid first) or "auto" (torchmetrics)."""
    if logits is False:
        return 0
    if logits is True:
        return SCORES_LOGITS
    if isinstance(logits, str) and logits == "auto":
        return SCORES_AUTO
    raise InvalidArgumentError(f"logits must be False, True or 'auto', got {logits!r}")
