"""
FAILOVER: a miniredis master hands its role to a real redis-server replica
(and a redis-server master to a miniredis replica); the errors compared
with redis-server's.
"""

import pytest

from miniredis.resp import ReplyError
from tests.servers import RawConnection, miniredis_process, redis_process
from tests.test_replication import Pair, info, wait_until


@pytest.fixture
def pair(tmp_path):
    one = Pair(tmp_path)
    yield one
    one.stop()


def _assert_error(reply, text):
    assert isinstance(reply, ReplyError) and text in str(reply), reply


def _failed_over(old, new):
    """Whether C{old} now follows C{new}, linked and caught up."""
    old_state, new_state = info(old), info(new)
    return (
        old_state["role"] == "slave"
        and old_state["master_link_status"] == "up"
        and old_state["master_failover_state"] == "no-failover"
        and new_state["role"] == "master"
    )


@pytest.mark.parametrize("target", [(), ("TO", "127.0.0.1")])
def test_master_hands_over_to_a_redis_replica(pair, target):
    pair.master.call("SET", "before", "1")
    pair.attach()
    if target:
        target += (str(pair.replica_process.port),)
    assert pair.master.call("FAILOVER", *target, "TIMEOUT", "20000") == b"OK"
    assert info(pair.master)["master_failover_state"] in (
        "waiting-for-sync",
        "failover-in-progress",
        "no-failover",
    )
    wait_until(lambda: _failed_over(pair.master, pair.replica), what="the failover")
    # The history went on without a full resync; writes now go to the new master.
    assert pair.replica.call("SET", "after", "2") == b"OK"
    wait_until(lambda: pair.master.call("GET", "after") == b"2", what="the stream")
    assert pair.master.call("GET", "before") == b"1"
    _assert_error(pair.master.call("SET", "x", "y"), "READONLY")
    assert b"Failover target 127.0.0.1:%d is synced" % pair.replica_process.port in (
        pair.master_process.log().encode()
    )
    assert "Failover request received" in pair.replica_process.log()


def test_writes_wait_while_the_failover_runs(pair):
    pair.attach()
    pair.replica.call("CONFIG", "SET", "repl-timeout", "60")
    pair.replica_process.process.send_signal(19)  # SIGSTOP: it acknowledges nothing
    try:
        pair.master.call("SET", "k", "v")
        assert pair.master.call("FAILOVER", "TIMEOUT", "60000") == b"OK"
        assert info(pair.master)["master_failover_state"] == "waiting-for-sync"
        _assert_error(pair.master.call("FAILOVER"), "FAILOVER already in progress")
        writer = RawConnection(pair.master_process.port)
        writer.send("SET", "k", "w")
        assert pair.master.call("GET", "k") == b"v"  # reads go on
        assert pair.master.call("FAILOVER", "ABORT") == b"OK"
        assert writer.read() == b"OK"  # the write ran once the pause ended
        assert info(pair.master)["master_failover_state"] == "no-failover"
        assert "aborted: Failover manually aborted" in pair.master_process.log()
    finally:
        pair.replica_process.process.send_signal(18)  # SIGCONT


def test_a_timeout_aborts_or_forces(pair):
    pair.attach()
    pair.replica_process.process.send_signal(19)
    try:
        pair.master.call("SET", "k", "v")  # the replica cannot have acknowledged
        assert pair.master.call("FAILOVER", "TIMEOUT", "300") == b"OK"
        wait_until(
            lambda: info(pair.master)["master_failover_state"] == "no-failover",
            what="the timeout",
        )
        assert "Replica never caught up before timeout" in pair.master_process.log()
        assert info(pair.master)["role"] == "master"
        assert pair.master.call("SET", "k", "w") == b"OK"
        port = str(pair.replica_process.port)
        reply = pair.master.call(
            "FAILOVER", "TO", "127.0.0.1", port, "FORCE", "TIMEOUT", "300"
        )
        assert reply == b"OK"
        wait_until(
            lambda: (
                info(pair.master)["master_failover_state"] == "failover-in-progress"
            ),
            what="the forced failover",
        )
        assert "time out exceeded, failing over" in pair.master_process.log()
    finally:
        pair.replica_process.process.send_signal(18)
    wait_until(lambda: _failed_over(pair.master, pair.replica), what="the failover")
    assert pair.replica.call("GET", "k") == b"w"


def test_errors_with_a_replica(pair):
    pair.attach()
    port = str(pair.replica_process.port)
    for line, error in [
        (("TO", "127.0.0.1", "1"), "target HOST and PORT is not a replica"),
        (("TO", "localhost", port), "target HOST and PORT is not a replica"),
        (("TO", "127.0.0.1", port, "FORCE"), "requires both a timeout"),
        (("FORCE", "TIMEOUT", "10"), "requires both a timeout"),
        (("ABORT",), "No failover in progress"),
    ]:
        _assert_error(pair.master.call("FAILOVER", *line), error)
    _assert_error(
        pair.replica.call("FAILOVER"), "FAILOVER is not valid when server is a replica"
    )


def test_redis_master_hands_over_to_a_miniredis_replica(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "m").mkdir()
    master = redis_process(str(tmp_path / "r")).start()
    replica = miniredis_process(str(tmp_path / "m")).start()
    try:
        to_master = RawConnection(master.port)
        to_replica = RawConnection(replica.port)
        to_master.call("SET", "k", "v")
        to_replica.call("REPLICAOF", "127.0.0.1", str(master.port))
        wait_until(
            lambda: (
                info(to_replica).get("master_link_status") == "up"
                and to_replica.call("GET", "k") == b"v"
            ),
            what="the sync",
        )
        wait_until(
            lambda: info(to_master).get("slave0", "").find("state=online") >= 0,
            what="the replica online",
        )
        _assert_error(
            to_replica.call("PSYNC", "0" * 40, "1", "FAILOVER"),
            "ERR PSYNC FAILOVER replid must match my replid.",
        )
        assert to_master.call("FAILOVER", "TIMEOUT", "20000") == b"OK"
        wait_until(lambda: _failed_over(to_master, to_replica), what="the failover")
        assert to_replica.call("SET", "k", "w") == b"OK"
        wait_until(lambda: to_master.call("GET", "k") == b"w", what="the stream")
        assert "Failover request received" in replica.log()
    finally:
        master.stop()
        replica.stop()


@pytest.mark.parametrize(
    "line",
    [
        (),
        ("ABORT",),
        ("ABORT", "TIMEOUT", "1"),
        ("TO",),
        ("TO", "h"),
        ("TO", "h", "x"),
        ("TO", "127.0.0.1", "1"),
        ("TO", "127.0.0.1", "1", "FORCE"),
        ("TO", "127.0.0.1", "1", "TO", "127.0.0.1", "2"),
        ("TIMEOUT", "0"),
        ("TIMEOUT", "-1"),
        ("TIMEOUT", "x"),
        ("TIMEOUT", "10", "TIMEOUT", "20"),
        ("FORCE",),
        ("FORCE", "FORCE"),
        ("NOSUCH",),
        ("TO", "127.0.0.1", "1", "FORCE", "TIMEOUT", "10", "ABORT"),
    ],
)
def test_errors_without_replicas(differ, line):
    differ.check("FAILOVER", *line)


def test_psync_failover_to_a_master(differ):
    differ.check("PSYNC", "0" * 40, "1", "FAILOVER")


def test_failover_state_is_reported(differ):
    for connection in (differ.real, differ.mini):
        state = info(connection)
        assert state["master_failover_state"] == "no-failover"
