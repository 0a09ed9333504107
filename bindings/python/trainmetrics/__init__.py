# SPDX-License-Identifier: MIT
"""trainmetrics: streaming training metrics computed by a native library.

``ConfusionMatrix`` accumulates predictions batch by batch and derives every
per-class metric from it, and ``trainmetrics.sklearn`` offers scikit-learn's
functional API on top of it; ``TopK``, ``Multilabel`` and ``RegressionErrors``
are its siblings; ``Loss`` streams cross-entropy, binary cross-entropy and
the Brier score (``trainmetrics.sklearn.log_loss`` and ``brier_score_loss`` on
top of it); ``OverfitDetector`` judges train/validation curves; ``cam``
computes class activation maps (the Grad-CAM family) and ``overlay`` draws them
over an image.
"""
from ._accumulators import Multilabel, RegressionErrors, TopK
from ._cam import CAM, cam, colormap, overlay
from ._confusion import ConfusionMatrix
from ._errors import (CorruptDataError, EmptyError, InternalError, InvalidArgumentError, LabelError, MismatchError,
                      NonFiniteError, TrainmetricsError, TrainmetricsMemoryError, TrainmetricsOverflowError,
                      UndefinedMetricWarning, VersionError)
from ._lib import __version__  # noqa: F401  (the package version, kept in _lib.py)
from ._lib import path as library_path
from ._lib import version as library_version
from ._loss import Loss
from ._overfit import OverfitDetector

__all__ = ["CAM", "ConfusionMatrix", "CorruptDataError", "EmptyError", "InternalError", "InvalidArgumentError", "LabelError",
           "Loss", "MismatchError", "Multilabel", "NonFiniteError", "OverfitDetector", "RegressionErrors", "TopK",
           "TrainmetricsError", "TrainmetricsMemoryError", "TrainmetricsOverflowError", "UndefinedMetricWarning",
           "VersionError", "cam", "colormap", "library_path", "library_version", "overlay"]
