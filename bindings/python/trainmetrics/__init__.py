# SPDX-License-Identifier: MIT
"""trainmetrics: streaming training metrics computed by a native library.

- ``ConfusionMatrix`` accumulates predictions batch by batch and derives every
  per-class metric from it; ``SparseConfusionMatrix`` does the same for huge
  label spaces without the K x K table; ``trainmetrics.sklearn`` offers
  scikit-learn's functional API on top of both.
- ``TopK``, ``Multilabel`` and ``RegressionErrors`` are their siblings for
  top-k accuracy, multilabel tallies and regression / unmixing errors.
- ``Loss`` streams cross-entropy, binary cross-entropy and the Brier score;
  ``Calibration`` the calibration error (ECE, RMS, MCE) and its reliability
  bins; ``Ranking`` ROC AUC, average precision and their curves.
- ``OverfitDetector`` judges train/validation curves; ``TrainingMonitor``
  (with the callbacks of ``trainmetrics.keras`` and ``trainmetrics.lightning``)
  stops training loops.
- ``cam`` computes class activation maps (the Grad-CAM family) and ``overlay``
  draws them over an image; ``trainmetrics.torch`` captures a torch model's
  activations and gradients for them.

Every array argument also takes torch tensors.
"""
from ._accumulators import Multilabel, RegressionErrors, TopK
from ._arrays import DeviceCopyWarning
from ._cam import CAM, cam, colormap, overlay
from ._calibration import Calibration
from ._confusion import ConfusionMatrix
from ._errors import (CorruptDataError, EmptyError, InternalError, InvalidArgumentError, LabelError, MismatchError,
                      NonFiniteError, TrainmetricsError, TrainmetricsMemoryError, TrainmetricsOverflowError,
                      UndefinedMetricWarning, VersionError)
from ._lib import __version__  # noqa: F401  (the package version, kept in _lib.py)
from ._lib import path as library_path
from ._lib import version as library_version
from ._loss import Loss
from ._overfit import OverfitDetector
from ._ranking import Ranking
from ._sparse import SparseConfusionMatrix
from .training import TrainingMonitor

__all__ = ["CAM", "Calibration", "ConfusionMatrix", "CorruptDataError", "DeviceCopyWarning", "EmptyError",
           "InternalError", "InvalidArgumentError", "LabelError", "Loss", "MismatchError", "Multilabel",
           "NonFiniteError", "OverfitDetector", "Ranking", "RegressionErrors", "SparseConfusionMatrix", "TopK",
           "TrainingMonitor", "TrainmetricsError", "TrainmetricsMemoryError", "TrainmetricsOverflowError",
           "UndefinedMetricWarning", "VersionError", "cam", "colormap", "library_path", "library_version", "overlay"]
