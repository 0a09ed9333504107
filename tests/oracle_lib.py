# SPDX-License-Identifier: MIT
"""What the oracle scripts (tests/*_diff*.py) share: the library under test,
loaded by the Python package with the package's own ctypes prototype table
(bindings/python/trainmetrics/_lib.py, _PROTOTYPES), so that a signature is
declared once for the package and for its differential tests; and the tally
of checks they print as "N passed, M failed".

The scripts are run as `python3 tests/<script>.py PATH-TO-libtrainmetrics.so`.
Array arguments are c_void_p in the table: pass ptr(array) (or a ctypes
object); a blob to deserialize is bytes.
"""
import ctypes as C
import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load():
    # The library meson test names, not whatever the package would find first.
    if len(sys.argv) > 1:
        os.environ["TRAINMETRICS_LIBRARY"] = os.path.abspath(sys.argv[1])
    sys.path.insert(0, os.path.join(_ROOT, "bindings", "python"))
    from trainmetrics import _lib  # noqa: E402  (needs the path and the environment above)
    return _lib


_lib = _load()
lib = _lib.lib
PROTOTYPES = _lib._PROTOTYPES


def ptr(array):
    """The address of a NumPy array's data, for a c_void_p parameter."""
    return array.ctypes.data_as(C.c_void_p)


def ok(rc):
    if rc != 0:
        raise RuntimeError(f"status {rc}: {lib.trm_last_error().decode()}")


class Tally:
    """Counts checks; prints the first `shown` mismatches."""

    def __init__(self, shown=20):
        self.passed = 0
        self.failed = 0
        self.shown = shown

    def check(self, condition, message):
        """Records one check; `message` (a string or a function giving one) is printed on failure."""
        if condition:
            self.passed += 1
            return True
        self.failed += 1
        if self.failed <= self.shown:
            print("MISMATCH", message() if callable(message) else message)
        return False

    def close(self, what, got, want, rtol=1e-12, atol=1e-12):
        """Arrays (or scalars) of the same shape agree, NaN matching NaN."""
        import numpy as np
        got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
        same = got.shape == want.shape and np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        return self.check(same, lambda: f"{what}:\n  library  {got}\n  expected {want}")

    def status(self, what, got, want):
        return self.check(got == want, lambda: f"{what}: status {got}, expected {want}")

    def summary(self):
        """Prints the last line and returns the exit status."""
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0
