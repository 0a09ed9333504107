# SPDX-License-Identifier: MIT
# pytest puts this file's directory on sys.path, so `pytest bindings/python` tests
# the package of this checkout (which finds the checkout's build/ by itself).
