"""
MODULE, PUBSUB HELP and RESTORE-ASKING against redis-server 7.0.15: miniredis
has no modules, and says so as Redis does when a module cannot be loaded.
"""

import pytest

from tests.differential import Differ
from tests.servers import miniredis_process, redis_process


@pytest.mark.parametrize(
    "line",
    [
        ("MODULE", "LIST"),
        ("MODULE", "HELP"),
        ("MODULE", "LOAD", "/nonexistent/module.so"),
        ("MODULE", "LOADEX", "/nonexistent/module.so", "CONFIG", "a", "b"),
        ("MODULE", "UNLOAD", "nosuch"),
        ("MODULE", "LOAD"),
        ("MODULE", "LIST", "x"),
        ("MODULE", "NOSUCH"),
        ("MODULE",),
        ("PUBSUB", "HELP"),
        ("PUBSUB", "HELP", "x"),
    ],
)
def test_module_refused_by_default(differ, line):
    differ.check(*line)


@pytest.fixture(scope="module", params=["yes", "local"])
def enabled(request, tmp_path_factory):
    """Both servers started with C{enable-module-command} set."""
    option = ("--enable-module-command", request.param)
    real = redis_process(str(tmp_path_factory.mktemp("r")), *option).start()
    mini = miniredis_process(str(tmp_path_factory.mktemp("m")), *option).start()
    yield real, mini
    real.stop()
    mini.stop()


@pytest.mark.parametrize(
    "line",
    [
        ("MODULE", "LIST"),
        ("MODULE", "LOAD", "/nonexistent/module.so"),
        ("MODULE", "LOAD", "/nonexistent/module.so", "arg"),
        ("MODULE", "LOADEX", "/nonexistent/module.so"),
        ("MODULE", "LOADEX", "/nonexistent/module.so", "CONFIG", "a"),
        ("MODULE", "LOADEX", "/nonexistent/module.so", "ARGS", "x"),
        ("MODULE", "UNLOAD", "nosuch"),
        ("CONFIG", "GET", "enable-module-command"),
        ("CONFIG", "SET", "enable-module-command", "no"),
    ],
)
def test_module_enabled(enabled, line):
    real, mini = enabled
    for proto in (2, 3):
        pair = Differ(real.port, mini.port, proto)
        pair.check(*line)
        pair.close()


def test_restore_asking_restores(differ):
    differ.check("SET", "k", "value")
    payload = differ.both("DUMP", "k")[0]  # redis-server's, which both read
    differ.check("RESTORE-ASKING", "copy", "0", payload)
    differ.check("GET", "copy")
    differ.check("RESTORE-ASKING", "copy", "0", payload)
    differ.check("RESTORE-ASKING", "copy", "0", payload, "REPLACE", "IDLETIME", "5")
    differ.check("RESTORE-ASKING", "copy", "0", "bad payload")
    differ.check("RESTORE-ASKING", "copy", "0")
