# SPDX-License-Identifier: MIT
"""Exceptions raised for the library's TRM_E_* status codes."""


class TrainmetricsError(Exception):
    """Base of every error raised by trainmetrics; ``code`` is the TRM_E_* value."""

    code = None

    def __init__(self, message, code=None):
        super().__init__(message)
        if code is not None:
            self.code = code


class InvalidArgumentError(TrainmetricsError, ValueError):
    """TRM_E_INVALID: a missing, zero, absurd or unknown argument."""
    code = -1


class LabelError(TrainmetricsError, ValueError):
    """TRM_E_LABEL: a label outside [0, n_classes)."""
    code = -3


class NonFiniteError(TrainmetricsError, ValueError):
    """TRM_E_NONFINITE: NaN or Inf where a finite number is required."""
    code = -4


class MismatchError(TrainmetricsError, ValueError):
    """TRM_E_MISMATCH: objects, or an object and an operation, that do not fit."""
    code = -5


class TrainmetricsMemoryError(TrainmetricsError, MemoryError):
    """TRM_E_NOMEM: the allocation failed."""
    code = -2


class TrainmetricsOverflowError(TrainmetricsError, OverflowError):
    """TRM_E_OVERFLOW: a count or size would overflow."""
    code = -6


class ArgumentOverflowError(InvalidArgumentError, TrainmetricsOverflowError):
    """An integer option too large for the C type it is passed as (uint32_t, size_t, int).

    Both a ValueError (an invalid argument) and an OverflowError; ``code`` is
    TRM_E_INVALID. Raised by the package itself, before the library is called.
    """
    code = -1


class CorruptDataError(TrainmetricsError, ValueError):
    """TRM_E_CORRUPT: serialized bytes are damaged."""
    code = -8


class VersionError(TrainmetricsError, ValueError):
    """TRM_E_VERSION: serialized bytes come from an unknown format version."""
    code = -9


class EmptyError(TrainmetricsError, ValueError):
    """TRM_E_EMPTY: nothing has been accumulated."""
    code = -10


class InternalError(TrainmetricsError, RuntimeError):
    """TRM_E_INTERNAL: the library caught itself inconsistent (a bug); nothing was changed."""
    code = -11


ERRORS = {cls.code: cls for cls in (
    InvalidArgumentError, LabelError, NonFiniteError, MismatchError, TrainmetricsMemoryError,
    TrainmetricsOverflowError, CorruptDataError, VersionError, EmptyError, InternalError)}

try:  # scikit-learn's own class, so filters written for scikit-learn apply
    from sklearn.exceptions import UndefinedMetricWarning
except ImportError:  # pragma: no cover - depends on the machine
    class UndefinedMetricWarning(UserWarning):
        """A metric is ill-defined and was set to the zero_division value."""
