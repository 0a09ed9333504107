# SPDX-License-Identifier: MIT
"""``trainmetrics.lightning.EarlyStopping``: Lightning 2's EarlyStopping arguments and
behaviour, decided by the native overfitting detector; see
trainmetrics.training.LightningEarlyStopping. Importing this module imports Lightning
if it is installed (the callback then subclasses lightning.pytorch.Callback)."""
from .training import LightningEarlyStopping as EarlyStopping

__all__ = ["EarlyStopping"]
