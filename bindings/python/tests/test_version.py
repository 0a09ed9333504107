# SPDX-License-Identifier: MIT
"""The version is written once for Python (trainmetrics/_lib.py) and must be
the project version of meson.build; the C library must report a compatible one."""
import os
import re
from importlib import metadata

import pytest

import trainmetrics
from trainmetrics import _lib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def meson_version():
    path = os.path.join(REPO, "meson.build")
    if not os.path.exists(path):
        return None
    text = open(path, encoding="utf-8").read()
    m = re.search(r"project\(\s*'trainmetrics'.*?version\s*:\s*'([^']+)'", text, re.S)
    assert m, "meson.build has no project version"
    return m.group(1)


def test_package_version_is_the_meson_project_version():
    # The tests sit in the checkout even when they test an installed package.
    version = meson_version()
    if version is None:
        pytest.skip("these tests are not in a trainmetrics checkout")
    assert version == trainmetrics.__version__


def test_pyproject_reads_the_version_from_lib_py():
    text = open(os.path.join(HERE, "..", "pyproject.toml"), encoding="utf-8").read()
    assert 'dynamic = ["version"]' in text
    assert re.search(r'^version\s*=\s*\{\s*attr\s*=\s*"trainmetrics\._lib\.__version__"\s*\}', text, re.M)
    assert not re.search(r'^version\s*=\s*"', text, re.M)


def test_installed_distribution_metadata_matches():
    if _lib.source_tree() is not None:
        return  # the source tree is not an installed distribution
    assert metadata.version("trainmetrics") == trainmetrics.__version__


def test_library_version_is_compatible():
    major, minor, _ = (int(x) for x in trainmetrics.library_version.split("."))
    assert major == _lib.EXPECTED_VERSION[0] and minor >= _lib.EXPECTED_VERSION[1]
    assert _lib.lib.trm_version_number() == major * 10000 + minor * 100 + int(trainmetrics.library_version.split(".")[2])
