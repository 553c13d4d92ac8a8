"""
Packaging: install the checkout with pip into a fresh virtualenv (packages
from PyPI), then check that twistd finds the plugin, that the server runs,
and that uninstalling leaves Twisted's own plugins working. The wheel must
not ship C{twisted/__init__.py} nor C{twisted/plugins/__init__.py}.
"""

import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.servers import ROOT, ServerProcess, free_port
from tests.test_tls import make_certificate

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

_IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "dropin.cache",
    ".hypothesis",
)


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(*argv, cwd=None, check=True):
    done = subprocess.run(
        list(argv), capture_output=True, env=_env(), cwd=cwd, timeout=600
    )
    out = (done.stdout + done.stderr).decode("utf-8", "replace")
    if check:
        assert done.returncode == 0, "%s failed:\n%s" % (" ".join(argv), out)
    return out


class Venv:
    """A virtualenv in C{path} and a copy of the checkout in C{source}."""

    def __init__(self, path, source):
        self.path = str(path)
        self.source = str(source)

    def bin(self, name):
        return os.path.join(self.path, "bin", name)

    def pip(self, *args):
        return _run(self.bin("python"), "-m", "pip", *args, cwd=self.path)

    def twistd_help(self):
        return _run(self.bin("twistd"), "--help", cwd=self.path)

    def site_packages(self):
        out = _run(
            self.bin("python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        )
        return out.strip()


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    shutil.copytree(ROOT, str(source), ignore=_IGNORED)
    path = base / "venv"
    _run(sys.executable, "-m", "venv", str(path))
    made = Venv(path, source)
    made.pip("install", "-q", made.source)
    return made


def _serve(venv, argv, tmp_path):
    port = free_port()
    server = ServerProcess(
        [venv.bin(argv[0])] + argv[1:] + ["--port", str(port)],
        port,
        str(tmp_path),
        _env(),
    ).start()
    try:
        done = subprocess.run(
            ["redis-cli", "-p", str(port), "PING"], capture_output=True, timeout=30
        )
        assert done.stdout == b"PONG\n", done
    finally:
        server.stop()


def test_wheel_ships_no_twisted_init(venv, tmp_path):
    venv.pip("wheel", "-q", "--no-deps", "-w", str(tmp_path), venv.source)
    (wheel,) = [name for name in os.listdir(str(tmp_path)) if name.endswith(".whl")]
    with zipfile.ZipFile(str(tmp_path / wheel)) as archive:
        names = set(archive.namelist())
    assert "twisted/plugins/miniredis_plugin.py" in names
    assert "twisted/plugins/miniredis_reactor.py" in names
    assert "twisted/__init__.py" not in names
    assert "twisted/plugins/__init__.py" not in names
    assert "miniredis/__init__.py" in names and "miniredis/commands/server.py" in names
    for data in ("miniredis/sandbox.lua", "miniredis/lua/cjson.lua"):
        assert data in names
    assert "miniredis/lua/bit.py" in names
    assert (
        "miniredis/client/pool.py" in names and "miniredis/client/cluster.py" in names
    )
    for asset in ("index.html", "app.js", "style.css"):
        assert "miniredis/web/static/" + asset in names
    assert "miniredis/web/dashboard.py" in names


def test_installed_plugin_runs(venv, tmp_path):
    # First, with the plugin cache still cold: the plugin must not import
    # the reactor, or -r asyncio fails with "reactor already installed".
    _serve(venv, ["twistd", "-r", "asyncio", "-n", "--pidfile=", "miniredis"], tmp_path)
    assert "miniredis" in venv.twistd_help()
    _serve(venv, ["twistd", "-n", "--pidfile=", "miniredis"], tmp_path)
    _serve(venv, ["twist", "miniredis"], tmp_path)
    _serve(venv, ["miniredis"], tmp_path)


def test_installed_plugin_serves_tls(venv, tmp_path):
    """A plain pip install brings what Twisted's TLS needs: ssl: serves."""
    cert, key = make_certificate(str(tmp_path))
    port = free_port()
    listen = "ssl:%d:interface=127.0.0.1:privateKey=%s:certKey=%s" % (port, key, cert)
    argv = [venv.bin("twistd"), "-n", "--pidfile=", "miniredis", "--listen", listen]
    server = ServerProcess(argv, port, str(tmp_path), _env()).start()
    try:
        done = subprocess.run(
            ["redis-cli", "--tls", "--cacert", cert, "-p", str(port), "PING"],
            capture_output=True,
            timeout=30,
        )
        assert done.stdout == b"PONG\n", done
    finally:
        server.stop()


def test_uninstall_leaves_twisted_plugins(venv):
    assert "miniredis" in venv.twistd_help()
    plugins = os.path.join(venv.site_packages(), "twisted", "plugins")
    assert os.path.exists(os.path.join(plugins, "__init__.py"))
    venv.pip("uninstall", "-y", "-q", "miniredis")
    out = venv.twistd_help()
    assert "miniredis" not in out
    assert " web " in out and "Traceback" not in out
    assert os.path.exists(os.path.join(plugins, "__init__.py"))
    assert os.path.exists(os.path.join(os.path.dirname(plugins), "__init__.py"))


def test_editable_compat_install(venv, tmp_path):
    venv.pip(
        "install",
        "-q",
        "--no-deps",
        "-e",
        venv.source,
        "--config-settings",
        "editable_mode=compat",
    )
    try:
        assert "miniredis" in venv.twistd_help()
        _serve(venv, ["twistd", "-n", "--pidfile=", "miniredis"], tmp_path)
    finally:
        venv.pip("uninstall", "-y", "-q", "miniredis")
    assert "miniredis" not in venv.twistd_help()


def test_every_package_is_listed():
    """A new subpackage of miniredis must be in pyproject's packages."""
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        listed = set(re.findall(r'^    "([\w.]+)",$', f.read(), re.M))
    found = {
        os.path.relpath(path, ROOT).replace(os.sep, ".")
        for path, dirs, files in os.walk(os.path.join(ROOT, "miniredis"))
        if "__init__.py" in files
    }
    assert found <= listed, found - listed
