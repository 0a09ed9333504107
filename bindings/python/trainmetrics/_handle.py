# SPDX-License-Identifier: MIT
"""What every wrapped C handle shares: ownership, copying and serialization."""
import ctypes as C

from ._args import c_integer
from ._lib import H, call, lib

NO_IGNORE = -(2 ** 63)  # TRM_NO_IGNORE (INT64_MIN): how the library spells "no ignore label"


def _get_ignore_index(self):
    label = getattr(lib, self._fn("ignore_label"))(self._h)
    return None if label == NO_IGNORE else label


def _set_ignore_index(self, label):
    if label is not None:
        label = c_integer(label, "ignore_index", "int64", minimum=NO_IGNORE + 1)
    call(self._fn("set_ignore_label"), self._h, NO_IGNORE if label is None else label)


ignore_index_property = property(
    _get_ignore_index, _set_ignore_index,
    doc="The true label whose samples are skipped (torchmetrics' ``ignore_index``), or None.")


class Handle:
    """Owns one trm_<kind> handle; subclasses set ``_kind`` ("confusion", "overfit", ...)."""

    __slots__ = ("_h",)
    _kind = None

    @classmethod
    def _adopt(cls, handle):
        self = cls.__new__(cls)
        self._h = handle
        return self

    def _fn(self, verb):
        return f"trm_{self._kind}_{verb}"

    def __del__(self):
        handle = getattr(self, "_h", None)
        if handle:
            getattr(lib, self._fn("free"))(handle)
            self._h = None

    def copy(self):
        """An independent deep copy."""
        handle = H()
        call(self._fn("clone"), C.byref(handle), self._h)
        return type(self)._adopt(handle)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def to_bytes(self):
        """The library's versioned, CRC-checked serialization."""
        size = C.c_size_t()
        getattr(lib, self._fn("serialize"))(self._h, None, 0, C.byref(size))
        buf = C.create_string_buffer(size.value)
        call(self._fn("serialize"), self._h, C.cast(buf, C.c_void_p), size.value, C.byref(size))
        return buf.raw[:size.value]

    @classmethod
    def from_bytes(cls, data):
        data = bytes(data)
        handle = H()
        call(f"trm_{cls._kind}_deserialize", C.byref(handle), data, len(data), None)
        return cls._adopt(handle)

    def __reduce__(self):
        # Pickling ships the serialized state, so multiprocessing, Dask and Spark can move it.
        return (type(self).from_bytes, (self.to_bytes(),))
