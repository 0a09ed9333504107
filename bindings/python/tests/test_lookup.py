# SPDX-License-Identifier: MIT
"""Which C library the package loads, and how it refuses a wrong one.

Each case imports the package in a fresh interpreter (sys.executable, so a
virtual environment tests its own installation) from a neutral directory.
The same file runs against the source tree (``pytest bindings/python``) and
against an installed package (TRAINMETRICS_TEST_INSTALLED=1, see conftest.py).
"""
import ctypes.util
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap

import pytest

import trainmetrics
from trainmetrics import _lib

INSTALLED = os.environ.get("TRAINMETRICS_TEST_INSTALLED") == "1"
PACKAGE_DIR = os.path.dirname(os.path.abspath(trainmetrics.__file__))


def run_python(code, env_extra=None, drop=("TRAINMETRICS_LIBRARY",), path=None, cwd=None):
    env = {k: v for k, v in os.environ.items() if k not in drop and k != "PYTHONPATH"}
    # The package under test, wherever it is (the checkout or site-packages).
    env["PYTHONPATH"] = path if path is not None else os.path.dirname(PACKAGE_DIR)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                          cwd=cwd or os.path.abspath(os.sep))


def real_library():
    """The file of the libtrainmetrics this process loaded (found by soname or by path)."""
    if os.sep in trainmetrics.library_path:
        return os.path.realpath(trainmetrics.library_path)
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and os.path.basename(fields[5].strip()).startswith("libtrainmetrics.so"):
                    return os.path.realpath(fields[5].strip())
    except OSError:
        pass
    return None


def test_source_tree_only_in_the_checkout():
    root = _lib.source_tree()
    if INSTALLED:
        assert root is None, f"an installed package must not take {root} for its checkout"
    else:
        assert root is not None
        assert os.path.samefile(os.path.join(root, "bindings", "python", "trainmetrics"), PACKAGE_DIR)


def test_checkout_build_used_only_in_the_checkout():
    where = os.path.realpath(trainmetrics.library_path)
    root = _lib.source_tree()
    if root is None:
        # Installed: the system soname (or TRAINMETRICS_LIBRARY), never some build*/lib.
        explicit = os.environ.get("TRAINMETRICS_LIBRARY")
        assert trainmetrics.library_path in (_lib.SONAME, explicit)
    elif not os.environ.get("TRAINMETRICS_LIBRARY"):
        assert where.startswith(os.path.realpath(root) + os.sep)


def test_copy_beside_an_unrelated_build_ignores_it(tmp_path):
    """The reported bug: a copy of the package with a foreign build*/lib above it.

    An unrelated library (libm) stands at the place the old lookup searched;
    the copy must not load it, and falls back to the soname, found here through
    LD_LIBRARY_PATH pointing at the real library's directory.
    """
    lib = real_library()
    libm = ctypes.util.find_library("m")
    if lib is None or libm is None:
        pytest.skip("needs the path of a built libtrainmetrics and of libm")
    libm_path = next((os.path.join(d, libm) for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
                                                       "/usr/lib64", "/lib", "/usr/lib")
                      if os.path.exists(os.path.join(d, libm))), None)
    if libm_path is None:
        pytest.skip("libm not found on disk")
    (tmp_path / "build" / "lib").mkdir(parents=True)
    shutil.copy(libm_path, tmp_path / "build" / "lib" / _lib.SONAME)
    site = tmp_path / "a" / "site-packages"
    shutil.copytree(PACKAGE_DIR, site / "trainmetrics", ignore=shutil.ignore_patterns("__pycache__"))
    run = run_python("""
        import trainmetrics
        print(trainmetrics.__file__)
        print(trainmetrics.library_path)
        print(trainmetrics.ConfusionMatrix(2).update([0, 1, 1], [0, 1, 0]).accuracy())
    """, env_extra={"LD_LIBRARY_PATH": os.path.dirname(lib)}, path=str(site))
    assert run.returncode == 0, run.stderr
    file, loaded, accuracy = run.stdout.split()
    assert file.startswith(str(site))
    assert loaded == _lib.SONAME
    assert float(accuracy) == 2 / 3


def test_library_without_trainmetrics_functions_is_refused():
    libm = ctypes.util.find_library("m")
    if libm is None:
        pytest.skip("no libm")
    run = run_python("import trainmetrics", env_extra={"TRAINMETRICS_LIBRARY": libm})
    assert run.returncode != 0
    assert "ImportError" in run.stderr and "AttributeError" not in run.stderr, run.stderr
    assert "unknown version" in run.stderr and "lacks trm_version_number" in run.stderr
    assert f"needs {_lib.EXPECTED_VERSION[0]}.{_lib.EXPECTED_VERSION[1]}" in run.stderr


def compiler():
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    cc = cc.split()
    return cc if shutil.which(cc[0]) else None


def test_older_library_missing_a_symbol_names_both_versions(tmp_path):
    """A library that reports a version but lacks most functions (an old or a
    partial build): ImportError with its version and the needed one."""
    cc = compiler()
    if cc is None:
        pytest.skip("no C compiler to build the stand-in library")
    src = tmp_path / "old.c"
    src.write_text('unsigned trm_version_number(void) { return 903; }\n'
                   'const char *trm_version_string(void) { return "0.9.3"; }\n'
                   'const char *trm_strerror(int e) { (void)e; return "?"; }\n')
    out = tmp_path / _lib.SONAME
    subprocess.run(cc + ["-shared", "-fPIC", "-o", str(out), str(src)], check=True)
    run = run_python("import trainmetrics", env_extra={"TRAINMETRICS_LIBRARY": str(out)})
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: trainmetrics: the C library at " + str(out)), last
    assert "version 0.9.3" in last and "lacks trm_last_error" in last, last
    assert f"needs {_lib.NEEDED}" in last, last


def test_explicit_library_is_used():
    lib = real_library()
    if lib is None:
        pytest.skip("cannot tell which file the library was loaded from")
    run = run_python("import trainmetrics; print(trainmetrics.library_path)", env_extra={"TRAINMETRICS_LIBRARY": lib})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == lib
    assert os.path.realpath(lib) == real_library()
