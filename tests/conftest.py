import pytest

from tests.differential import Differ
from tests.local import Local
from tests.servers import RawConnection, miniredis_process, redis_process


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server for the whole run."""
    server = redis_process(str(tmp_path_factory.mktemp("redis"))).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mini_server(tmp_path_factory):
    """A miniredis process for the whole run."""
    server = miniredis_process(str(tmp_path_factory.mktemp("miniredis"))).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def debug_servers(tmp_path_factory):
    """A redis-server and a miniredis that take DEBUG (slow commands on demand)."""
    real = redis_process(
        str(tmp_path_factory.mktemp("redis")), "--enable-debug-command", "yes"
    ).start()
    mini = miniredis_process(
        str(tmp_path_factory.mktemp("mini")), "--enable-debug-command=yes"
    ).start()
    yield real, mini
    real.stop()
    mini.stop()


@pytest.fixture
def server():
    """A socketless miniredis (L{Local}), its first client speaking RESP2."""
    local = Local()
    yield local
    local.close()


@pytest.fixture
def server3():
    """A socketless miniredis (L{Local}), its first client speaking RESP3."""
    local = Local(proto=3)
    yield local
    local.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def differ(request, redis_server, mini_server):
    """A L{Differ} on empty servers, once per RESP version."""
    pair = Differ(redis_server.port, mini_server.port, proto=request.param)
    pair.both("FLUSHALL")
    yield pair
    pair.close()


@pytest.fixture
def waiters(differ, redis_server, mini_server):
    """A second connection to each server: C{(real, mini)}."""
    pair = (
        RawConnection(redis_server.port, differ.proto),
        RawConnection(mini_server.port, differ.proto),
    )
    yield pair
    for connection in pair:
        connection.close()
