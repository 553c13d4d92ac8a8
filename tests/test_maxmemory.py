"""
maxmemory with noeviction, against redis-server: over the limit, commands
flagged denyoom get -OOM while reads and deletes go on. (The evicting
policies: tests/test_eviction.py.)
"""

import pytest

from tests.servers import RawConnection, miniredis_process, redis_process


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Both servers with a limit far below what they use already."""
    pair = (
        redis_process(str(tmp_path_factory.mktemp("oom-redis"))).start(),
        miniredis_process(str(tmp_path_factory.mktemp("oom-mini"))).start(),
    )
    for server in pair:
        conn = RawConnection(server.port)
        assert conn.call("SET", "kept", "v") == b"OK"
        assert conn.call("CONFIG", "SET", "maxmemory", "1") == b"OK"
        conn.close()
    yield pair
    for server in pair:
        server.stop()


SCRIPT = [
    ("SET", "k", "v"),
    ("GET", "kept"),
    ("INCR", "counter"),
    ("LPUSH", "list", "a"),
    ("APPEND", "kept", "more"),
    ("DEL", "kept"),
    ("EXISTS", "kept"),
    ("MULTI",),
    ("SET", "k", "v"),
    ("GET", "k"),
    ("EXEC",),
    ("CONFIG", "GET", "maxmemory"),
    ("PING",),
]


@pytest.mark.parametrize("proto", [2, 3])
def test_over_the_limit(tiny, proto):
    replies = []
    for server in tiny:
        conn = RawConnection(server.port, proto)
        replies.append([conn.call(*line) for line in SCRIPT])
        conn.close()
    assert replies[1] == replies[0]
    assert replies[1][0].message.startswith("OOM command not allowed")


def test_lifting_the_limit(tmp_path):
    server = miniredis_process(str(tmp_path), "--maxmemory", "1").start()
    try:
        conn = RawConnection(server.port)
        assert conn.call("SET", "k", "v").message.startswith("OOM")
        assert conn.call("CONFIG", "SET", "maxmemory", "0") == b"OK"
        assert conn.call("SET", "k", "v") == b"OK"
        assert conn.call("CONFIG", "SET", "maxmemory", "10gb") == b"OK"
        assert conn.call("SET", "k", "w") == b"OK"
        conn.close()
    finally:
        server.stop()


def test_policy_errors_match_redis(differ):
    differ.check("CONFIG", "SET", "maxmemory-policy", "bogus")
    differ.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    differ.check("CONFIG", "GET", "maxmemory-policy")
    differ.check("CONFIG", "SET", "maxmemory-policy", "noeviction")


def test_evicting_policies_are_taken_with_a_limit(mini_server):
    conn = RawConnection(mini_server.port)
    try:
        assert conn.call("CONFIG", "SET", "maxmemory", "10gb") == b"OK"
        assert conn.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru") == b"OK"
        assert conn.call("SET", "k", "v") == b"OK"
        assert conn.call("CONFIG", "SET", "maxmemory", "0") == b"OK"
        assert conn.call("CONFIG", "SET", "maxmemory-policy", "noeviction") == b"OK"
    finally:
        conn.close()


def test_evicting_policy_with_a_limit_at_the_start(tmp_path):
    server = miniredis_process(
        str(tmp_path), "--maxmemory", "1gb", "--maxmemory-policy", "allkeys-lru"
    ).start()
    try:
        conn = RawConnection(server.port)
        assert conn.call("SET", "k", "v") == b"OK"
        assert conn.call("CONFIG", "GET", "maxmemory-policy") == [
            b"maxmemory-policy",
            b"allkeys-lru",
        ]
        conn.close()
    finally:
        server.stop()
