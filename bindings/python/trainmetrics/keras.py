# SPDX-License-Identifier: MIT
"""``trainmetrics.keras.EarlyStopping``: keras.callbacks.EarlyStopping's arguments and
behaviour (Keras 3), decided by the native overfitting detector; see
trainmetrics.training.KerasEarlyStopping. Importing this module imports Keras if it
is installed (the callback then subclasses keras.callbacks.Callback)."""
from .training import KerasEarlyStopping as EarlyStopping

__all__ = ["EarlyStopping"]
