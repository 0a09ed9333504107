# SPDX-License-Identifier: MIT
"""Checks Python integers before they are handed to C integer parameters.

ctypes converts a Python int to uint32_t or size_t modulo 2**bits, so -1 would
reach the library as 4294967295 and 2**32 + 1 as 1. Every integer option goes
through :func:`c_integer` instead, which refuses what the C type cannot hold
and names the Python parameter in its message.
"""
import ctypes as C
import numbers

import numpy as np

from ._errors import ArgumentOverflowError, InvalidArgumentError

# (lowest, highest) value of each C type an option is passed as.
RANGES = {
    "uint32": (0, 2 ** 32 - 1),
    "size_t": (0, 2 ** (8 * C.sizeof(C.c_size_t)) - 1),
    "int64": (-2 ** 63, 2 ** 63 - 1),
    "int": (-2 ** (8 * C.sizeof(C.c_int) - 1), 2 ** (8 * C.sizeof(C.c_int) - 1) - 1),
}


def c_integer(value, name, ctype="uint32", minimum=None):
    """``value`` as a Python int that fits the C type ``ctype``; raises otherwise.

    ``name`` is the Python-facing parameter (``"patience"``, ``"pq[1] (strip)"``).
    ``minimum`` raises the lower bound (it defaults to the type's own, 0 for the
    unsigned types). Booleans, floats and strings are refused: an option that is
    a count is never guessed from them. Raises InvalidArgumentError (a
    ValueError) below the range and ArgumentOverflowError (a ValueError and an
    OverflowError) above it.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    low, high = RANGES[ctype]
    if minimum is not None:
        low = max(low, minimum)
    if value < low:
        raise InvalidArgumentError(f"{name} must be an integer >= {low}, got {value}")
    if value > high:
        raise ArgumentOverflowError(f"{name} = {value} is too large: the library takes it as a {ctype} "
                                    f"(at most {high})")
    return value
