"""
MIGRATE, differentially: a redis-server and miniredis each move the same
keys to a target redis-server of their own; the replies, what stays behind
and what arrives must be the same. Then `redis-cli --cluster import` moves
miniredis's data into a real three-master Redis Cluster.
"""

import os
import socket
import subprocess

import pytest

from tests.persistence import populate, read_back
from tests.servers import RawConnection, free_port, miniredis_process, redis_process
from tests.test_replication import wait_until

PASSWORD = "pw"


@pytest.fixture
def targets(tmp_path):
    started = []
    for name in ("for-redis", "for-mini"):
        directory = tmp_path / name
        os.makedirs(str(directory))
        started.append(redis_process(str(directory), "--requirepass", PASSWORD).start())
    yield started
    for process in started:
        process.stop()


def without_deadlines(data):
    """read_back's data with each deadline as whether there is one."""
    return {key: (kind, value, ttl > 0) for key, (kind, value, ttl) in data.items()}


def test_migrate_like_redis(redis_server, mini_server, targets):
    sources = (RawConnection(redis_server.port), RawConnection(mini_server.port))
    conns = [RawConnection(t.port) for t in targets]
    for conn in conns:
        assert conn.call("AUTH", PASSWORD) == b"OK"
    for source in sources:
        populate(source)

    def migrate(*args, fixed_port=None):
        replies = []
        for source, target in zip(sources, targets):
            port = str(fixed_port or target.port)
            replies.append(source.call("MIGRATE", "127.0.0.1", port, *args))
        assert replies[1] == replies[0], args
        return replies[1]

    assert (
        migrate("", "0", "5000", "AUTH", PASSWORD, "KEYS", "s", "l", "bigh", "nokey")
        == b"OK"
    )
    assert migrate("z", "0", "5000", "AUTH2", "default", PASSWORD) == b"OK"
    assert migrate("i", "1", "5000", "AUTH", PASSWORD, "COPY") == b"OK"
    assert migrate("i", "1", "5000", "AUTH", PASSWORD, "COPY")  # BUSYKEY
    assert migrate("i", "1", "5000", "AUTH", PASSWORD, "COPY", "REPLACE") == b"OK"
    assert migrate("nokey", "0", "5000", "AUTH", PASSWORD) == b"NOKEY"
    migrate("h", "0", "5000")  # NOAUTH
    migrate("h", "0", "5000", "AUTH", "wrong")
    migrate("h", "0", "5000", "KEYS", "h")
    migrate("", "0", "5000", "AUTH")
    migrate("h", "0", "5000", "FOO")
    migrate("h", "0", "200", fixed_port=free_port())  # nobody listens
    assert without_deadlines(read_back(sources[1])) == without_deadlines(
        read_back(sources[0])
    )  # what stayed
    arrived = [without_deadlines(read_back(conn)) for conn in conns]
    for index in (0, 1):
        for conn in conns:
            conn.call("SELECT", str(index))
        assert conns[1].call("KEYS", "*") and arrived[1] == arrived[0]
    conns[1].call("SELECT", "0")
    assert 0 < conns[1].call("PTTL", "bigh") <= 100000000


def cluster_port():
    """@return: a free port whose cluster bus port (10000 above) is free too."""
    while True:
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


def entry_of(conn, key):
    """@return: C{(type, value, deadline)} of C{key}, as read_back gives them."""
    kind = conn.call("TYPE", key)
    if kind == b"string":
        value = conn.call("GET", key)
    elif kind == b"list":
        value = conn.call("LRANGE", key, "0", "-1")
    elif kind == b"set":
        value = sorted(conn.call("SMEMBERS", key))
    elif kind == b"hash":
        flat = conn.call("HGETALL", key)
        value = dict(zip(flat[::2], flat[1::2]))
    else:
        flat = conn.call("ZRANGE", key, "0", "-1", "WITHSCORES")
        value = [(m, float(s)) for m, s in zip(flat[::2], flat[1::2])]
    return kind, value, conn.call("PEXPIRETIME", key)


@pytest.mark.timeout(120)
def test_redis_cli_cluster_import(tmp_path):
    nodes = []
    try:
        for n in range(3):
            directory = tmp_path / ("node%d" % n)
            os.makedirs(str(directory))
            nodes.append(
                redis_process(
                    str(directory), "--cluster-enabled", "yes", port=cluster_port()
                ).start()
            )
        source = miniredis_process(str(tmp_path)).start()
        nodes.append(source)
        created = subprocess.run(
            ["redis-cli", "--cluster", "create", "--cluster-yes"]
            + ["127.0.0.1:%d" % node.port for node in nodes[:3]],
            capture_output=True,
            timeout=60,
        )
        assert created.returncode == 0, created.stdout.decode()
        for node in nodes[:3]:
            node_conn = RawConnection(node.port)
            wait_until(
                lambda c=node_conn: b"cluster_state:ok" in c.call("CLUSTER", "INFO"),
                what="the cluster",
            )
        conn = RawConnection(source.port)
        populate(conn)
        conn.call("SELECT", "3")
        conn.call("FLUSHDB")  # a cluster has only database 0
        conn.call("SELECT", "0")
        expected = {key: entry for (index, key), entry in read_back(conn).items()}
        imported = subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "import",
                "127.0.0.1:%d" % nodes[0].port,
                "--cluster-from",
                "127.0.0.1:%d" % source.port,
                "--cluster-copy",
            ],
            capture_output=True,
            timeout=60,
        )
        assert imported.returncode == 0, imported.stdout.decode()
        found = {}
        for node in nodes[:3]:
            node_conn = RawConnection(node.port)
            for key in expected:
                if node_conn.call("EXISTS", key) == 1:
                    found[key] = entry_of(node_conn, key)
        assert set(found) == set(expected)
        for key, (kind, value, deadline) in expected.items():
            assert found[key][:2] == (kind, value)
            assert abs(found[key][2] - deadline) <= 1000  # sent as a TTL
        assert conn.call("DBSIZE") == len(expected)  # --cluster-copy keeps them
    finally:
        for node in nodes:
            node.stop()
