"""
Sentinel fails a miniredis master over to its redis-server replica, then
turns the restarted miniredis into a replica of the new master.
"""

import os

import pytest

from tests.servers import (
    RawConnection,
    ServerProcess,
    free_port,
    miniredis_process,
    redis_process,
)
from tests.test_replica import Chain, caught_up
from tests.test_replication import wait_until

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def chain(tmp_path):
    made = Chain(tmp_path)
    yield made
    made.stop()


def sentinel(chain, master_port):
    directory = str(chain.base / "sentinel")
    os.makedirs(directory)
    port = free_port()
    path = os.path.join(directory, "sentinel.conf")
    with open(path, "w") as f:
        f.write(
            "port %d\nbind 127.0.0.1\n"
            "sentinel monitor mymaster 127.0.0.1 %d 1\n"
            "sentinel down-after-milliseconds mymaster 1000\n"
            "sentinel failover-timeout mymaster 5000\n" % (port, master_port)
        )
    process = ServerProcess(["redis-server", path, "--sentinel"], port, directory)
    chain.processes.append(process)
    return process.start(), RawConnection(port)


def fresh_call(port, *argv):
    """A command on a new connection (Sentinel closes the clients it sees)."""
    try:
        conn = RawConnection(port)
        try:
            return conn.call(*argv)
        finally:
            conn.close()
    except (ConnectionError, OSError):
        return None


def test_failover_and_back_as_a_replica(chain):
    mini_dir = chain.base / "mini"
    os.makedirs(str(mini_dir))
    config = mini_dir / "miniredis.conf"
    config.write_text("")
    mini_process = miniredis_process(str(mini_dir), "-c", str(config))
    chain.processes.append(mini_process)
    mini_process.start()
    mini = RawConnection(mini_process.port)
    replica_process = chain.start(
        redis_process,
        "replica",
        "--replicaof",
        "127.0.0.1",
        str(mini_process.port),
        "--repl-diskless-sync-delay",
        "0",
    )
    replica = RawConnection(replica_process.port)
    caught_up(mini, replica)
    sentinel_process, watcher = sentinel(chain, mini_process.port)
    wait_until(
        lambda: len(watcher.call("SENTINEL", "REPLICAS", "mymaster")) == 1,
        what="Sentinel to find the replica",
    )
    acknowledged = []
    for i in range(200):
        mini.call("SET", "acked%d" % i, str(i))
        if i % 20 == 19:
            assert mini.call("WAIT", "1", "5000") == 1
            acknowledged = ["acked%d" % j for j in range(i + 1)]
    mini_process.kill()  # a crash: nothing more reaches the replica
    wait_until(
        lambda: (
            watcher.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")
            == [b"127.0.0.1", b"%d" % replica_process.port]
        ),
        timeout=60,
        what="the failover",
    )
    replica = RawConnection(replica_process.port)  # Sentinel closed clients
    assert replica.call("ROLE")[0] == b"master"
    values = replica.call("MGET", *acknowledged)
    assert values == [b"%d" % i for i in range(len(acknowledged))]
    replica.call("SET", "after-failover", "1")
    mini_process.start()
    wait_until(
        lambda: (
            (fresh_call(mini_process.port, "ROLE") or [])[:4]
            == [b"slave", b"127.0.0.1", replica_process.port, b"connected"]
        ),
        timeout=60,
        what="Sentinel to make miniredis a replica",
    )
    mini = RawConnection(mini_process.port)
    caught_up(replica, mini)
    assert mini.call("GET", "after-failover") == b"1"
    assert "replicaof" in config.read_text()  # Sentinel's CONFIG REWRITE
