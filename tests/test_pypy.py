"""
miniredis on PyPy3 (Debian's pypy3 is Python 3.9): the pure-Python decoder,
Python 3.9 syntax, and lupa built from source. A PyPy virtualenv gets the
package and runs this suite but for a few modules (L{EXCLUDED}); the
servers it starts run under PyPy too.
"""

import os
import shutil
import subprocess

import pytest

from tests.servers import ROOT

# The first test builds the PyPy virtualenv (lupa compiles from source: about
# four minutes with nothing cached), inside its own timeout; each step has a
# timeout of its own as well, so a hang still fails.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

# The whole suite runs under PyPy but for these modules: TLS, whose
# cryptography the PyPy virtualenv lacks (it would build from source with
# Rust), the README's checks, which make TLS certificates with it too, this
# module, and packaging, which builds a virtualenv of its own.
EXCLUDED = [
    "tests/test_pypy.py",
    "tests/test_tls.py",
    "tests/test_readme.py",
    "tests/test_packaging.py",
]


@pytest.fixture(scope="module")
def pypy(tmp_path_factory):
    """The python of a PyPy virtualenv with miniredis and the test tools."""
    interpreter = shutil.which("pypy3")
    if interpreter is None:
        pytest.fail(
            "pypy3 is not installed (apt-get install pypy3 pypy3-venv pypy3-dev)"
        )
    venv = str(tmp_path_factory.mktemp("pypy") / "venv")
    subprocess.run([interpreter, "-m", "venv", venv], check=True, timeout=300)
    python = os.path.join(venv, "bin", "python")
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            ROOT,
            "pytest",
            "pytest-twisted",
            "pytest-timeout",
            "hypothesis",
            "redis",
            "huey",
        ],
        check=True,
        timeout=1500,
    )
    return python


def test_hiredis_is_not_used(pypy):
    out = subprocess.run(
        [pypy, "-c", "from miniredis import resp; print(resp.request_decoder())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "respdecoder.Decoder object" in out


def test_suite_passes_on_pypy(pypy):
    result = subprocess.run(
        [pypy, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "tests"]
        + ["--ignore=" + path for path in EXCLUDED],
        cwd=ROOT,
        env=dict(
            os.environ, PATH=os.path.dirname(pypy) + os.pathsep + os.environ["PATH"]
        ),
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout.splitlines()[-1]
