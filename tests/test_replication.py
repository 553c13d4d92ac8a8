"""
Real redis-server processes as replicas of a miniredis process: the full
sync of every type, the live stream, partial resynchronisation, WAIT, the
replica settings (backlog, timeouts, min-replicas-to-write).
"""

import os
import signal
import time

import pytest

from miniredis.persistence import rdb
from miniredis.resp import ReplyError
from miniredis.store import Store
from tests.persistence import populate, read_back
from tests.servers import RawConnection, miniredis_process, redis_process


def info(conn, section="replication"):
    text = conn.call("INFO", section).decode()
    return dict(
        line.split(":", 1)
        for line in text.splitlines()
        if ":" in line and line[0] != "#"
    )


def wait_until(predicate, timeout=15.0, what="the condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % (what,))


class Pair:
    """A miniredis master and a redis-server replica, with connections."""

    def __init__(self, base, master_options=()):
        os.makedirs(str(base / "master"))
        os.makedirs(str(base / "replica"))
        self.processes = []
        self.master_process = self._start(
            miniredis_process(str(base / "master"), *master_options)
        )
        self.master = RawConnection(self.master_process.port)
        self.replica_process = None
        self.replica = None

    def _start(self, process):
        self.processes.append(process)
        return process.start()

    def attach(self):
        self.replica_process = self._start(
            redis_process(
                os.path.dirname(self.master_process.directory) + "/replica",
                "--replicaof",
                "127.0.0.1",
                str(self.master_process.port),
            )
        )
        self.replica = RawConnection(self.replica_process.port)
        self.settle()

    def settle(self):
        """Wait until the replica is up and has all the master made."""

        def caught_up():
            state = info(self.replica)
            return state.get("master_link_status") == "up" and state.get(
                "master_repl_offset"
            ) == info(self.master).get("master_repl_offset")

        wait_until(caught_up, what="the replica to catch up")

    def same_data(self):
        assert read_back(self.replica) == read_back(self.master)

    def stop(self):
        for process in self.processes:
            process.stop()


@pytest.fixture
def pair(tmp_path):
    made = []

    def make(*master_options):
        made.append(Pair(tmp_path, master_options))
        return made[0]

    yield make
    for one in made:
        one.stop()


def live_writes(conn):
    """Writes of every kind: relative expiries, transactions, scripts, dbs."""
    conn.call("SET", "live", "1", "EX", "1000")
    conn.call("INCRBYFLOAT", "f", "1.5")
    conn.call("EXPIRE", "s", "5000")
    conn.call("LPOP", "biglist")
    conn.call("ZADD", "z", "7", "new")
    conn.call("HDEL", "bigh", "f1")
    conn.call("SREM", "iset", "5")
    conn.call("APPEND", "s", " world")
    conn.call("MULTI")
    conn.call("INCR", "counter")
    conn.call("RPUSH", "l", "tx")
    conn.call("EXEC")
    conn.call(
        "EVAL",
        "redis.call('SET', KEYS[1], ARGV[1]); redis.call('PEXPIRE', KEYS[1], 90000);"
        " return redis.call('INCR', KEYS[2])",
        "2",
        "scripted",
        "scount",
        "v",
    )
    conn.call("SELECT", "3")
    conn.call("SET", "db3b", "y")
    conn.call("SELECT", "0")
    conn.call("SET", "gone", "x", "PX", "1")
    conn.call("DEL", "sset")
    conn.call("PERSIST", "l")
    time.sleep(0.01)
    conn.call("GET", "gone")  # expires here: the replica is told with a DEL


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_full_sync_then_stream(pair, diskless):
    pair = pair("--repl-diskless-sync", diskless)
    populate(pair.master)
    pair.master.call("SET", "soon", "v", "PX", "100000")
    pair.attach()
    pair.same_data()
    live_writes(pair.master)
    pair.settle()
    pair.same_data()
    assert pair.replica.call("EXISTS", "gone") == 0
    assert pair.master.call("WAIT", "1", "2000") == 1
    state = info(pair.master)
    assert state["connected_slaves"] == "1"
    assert info(pair.master, "clients")["connected_clients"] == "1"  # ours only
    assert state["slave0"].startswith(
        "ip=127.0.0.1,port=%d,state=online," % (pair.replica_process.port,)
    )
    assert state["repl_backlog_active"] == "1"
    role = pair.master.call("ROLE")
    assert role[0] == b"master" and role[1] == int(state["master_repl_offset"])
    assert role[2][0][:2] == [b"127.0.0.1", b"%d" % pair.replica_process.port]
    kind = "diskless" if diskless == "yes" else "full"
    assert "Starting %s sync with replica" % (kind,) in pair.master_process.log()
    assert (
        "MASTER <-> REPLICA sync: Finished with success" in pair.replica_process.log()
    )


def test_partial_resync_after_a_cut(pair):
    pair = pair()
    populate(pair.master)
    pair.attach()
    pair.replica.call("CLIENT", "KILL", "TYPE", "master")
    for i in range(200):
        pair.master.call("SET", "during%d" % i, "x" * 50)
    pair.master.call("EXPIRE", "during0", "300")
    pair.settle()
    pair.same_data()
    log = pair.replica_process.log()
    assert "Successful partial resynchronization with master." in log
    assert log.count("Full resync from master") == 1
    assert "Partial resynchronization request from" in pair.master_process.log()


def test_a_small_backlog_means_a_full_resync(pair):
    pair = pair("--repl-backlog-size", "1000")
    pair.attach()
    # the replica cannot come back before the writes are made
    pair.replica_process.process.send_signal(signal.SIGSTOP)
    try:
        assert pair.master.call("CLIENT", "KILL", "TYPE", "replica") == 1
        for i in range(50):
            pair.master.call("SET", "big%d" % i, "y" * 100)
    finally:
        pair.replica_process.process.send_signal(signal.SIGCONT)
    pair.settle()
    pair.same_data()
    assert info(pair.master)["repl_backlog_histlen"] == "1000"
    log = pair.replica_process.log()
    assert log.count("Full resync from master") == 2


def test_min_replicas_to_write(pair):
    pair = pair()
    pair.attach()
    assert pair.master.call("CONFIG", "SET", "min-replicas-to-write", "2") == b"OK"
    refused = ReplyError("NOREPLICAS Not enough good replicas to write.")
    assert pair.master.call("SET", "k", "v") == refused
    assert pair.master.call("GET", "k") is None
    pair.master.call("MULTI")
    pair.master.call("SET", "k", "v")
    assert pair.master.call("EXEC") == ReplyError(
        "EXECABORT Transaction discarded because of previous errors."
    )
    assert pair.master.call("CONFIG", "SET", "min-replicas-max-lag", "0") == b"OK"
    assert pair.master.call("SET", "k", "v") == b"OK"  # a lag of 0 turns it off
    assert pair.master.call("CONFIG", "SET", "min-replicas-max-lag", "10") == b"OK"
    assert pair.master.call("SET", "k", "v") == refused
    assert pair.master.call("CONFIG", "SET", "min-replicas-to-write", "1") == b"OK"
    assert pair.master.call("SET", "k", "v") == b"OK"


def test_ping_period_timeout_and_backlog_ttl(pair):
    pair = pair(
        "--repl-ping-replica-period",
        "1",
        "--repl-timeout",
        "2",
        "--repl-backlog-ttl",
        "1",
    )
    pair.attach()
    offset = int(info(pair.master)["master_repl_offset"])
    wait_until(
        lambda: int(info(pair.master)["master_repl_offset"]) >= offset + 14,
        what="a PING in the stream",
    )
    pair.replica_process.process.send_signal(signal.SIGSTOP)
    try:
        pair.master.call("SET", "k", "v")
        assert pair.master.call("WAIT", "1", "300") == 0
        wait_until(
            lambda: info(pair.master)["connected_slaves"] == "0",
            what="the silent replica to be dropped",
        )
        assert "Disconnecting timedout replica" in pair.master_process.log()
        wait_until(
            lambda: info(pair.master)["repl_backlog_active"] == "0",
            what="the backlog to be freed",
        )
    finally:
        pair.replica_process.process.send_signal(signal.SIGCONT)


def test_replconf_errors(pair):
    conn = pair().master
    assert conn.call("REPLCONF", "listening-port") == ReplyError("ERR syntax error")
    assert conn.call("REPLCONF", "nope", "1") == ReplyError(
        "ERR Unrecognized REPLCONF option: nope"
    )
    assert conn.call("REPLCONF", "listening-port", "1", "capa", "eof") == b"OK"
    conn.send("REPLCONF", "ACK", "5")  # no reply from a master that is not told
    assert conn.call("PING") == b"PONG"


def read_exactly(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.sock.recv(count - len(data))
        assert chunk, "connection closed"
        data += chunk
    return data


def read_line(conn):
    line = b""
    while not line.endswith(b"\r\n"):
        line += read_exactly(conn, 1)
    return line


@pytest.mark.parametrize("request_", [("PSYNC", "?", "-1"), ("SYNC",)])
def test_a_replica_without_capa_eof_gets_a_sized_payload(pair, request_):
    pair = pair()
    populate(pair.master)
    conn = RawConnection(pair.master_process.port)
    assert conn.call("REPLCONF", "listening-port", "7", "capa", "psync2") == b"OK"
    conn.send(*request_)
    line = read_line(conn)
    if request_[0] == "PSYNC":
        assert line.startswith(b"+FULLRESYNC ")
        replid, offset = line.split()[1:]
        assert replid.decode() == info(pair.master)["master_replid"]
        line = read_line(conn)
    while line == b"\n":  # kept alive while the image is made
        line = read_line(conn)
    assert line.startswith(b"$") and not line.startswith(b"$EOF:")
    image = read_exactly(conn, int(line[1:-2]))
    store = Store()
    rdb.load_rdb(image, store)
    assert len(store.db(0)) == int(pair.master.call("DBSIZE"))
    pair.master.call("SET", "after", "1")
    stream = read_exactly(conn, 38)
    assert stream.startswith(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n")
    assert info(pair.master)["slave0"].startswith("ip=127.0.0.1,port=7,state=online")


def test_continue_without_psync2(pair):
    pair = pair()
    conn = RawConnection(pair.master_process.port)
    conn.send("PSYNC", "?", "-1")
    replid, offset = read_line(conn).split()[1:]
    assert read_line(conn).startswith(b"$")  # an empty data set, then
    pair.master.call("SET", "k", "v")
    conn.sock.close()
    wait_until(lambda: info(pair.master)["connected_slaves"] == "0")
    again = RawConnection(pair.master_process.port)
    again.send("PSYNC", replid, str(int(offset) + 1))
    assert read_line(again) == b"+CONTINUE\r\n"
    assert read_exactly(again, 4) == b"*2\r\n"  # the SELECT, then the SET
    again.send("PSYNC", "0" * 40, "1")  # a second PSYNC on a replica is ignored
    again.send("REPLCONF", "ACK", "3")
    wait_until(lambda: info(pair.master)["slave0"].endswith("offset=3,lag=0"))


def test_the_master_answers_while_a_full_sync_runs(pair):
    pair = pair()
    for batch in range(200):
        keys = ["k%d" % (batch * 1000 + i) for i in range(1000)]
        pair.master.call("MSET", *[x for key in keys for x in (key, "v" * 20)])
    probe = RawConnection(pair.master_process.port)
    pair.replica_process = pair._start(
        redis_process(
            os.path.dirname(pair.master_process.directory) + "/replica",
            "--replicaof",
            "127.0.0.1",
            str(pair.master_process.port),
        )
    )
    pair.replica = RawConnection(pair.replica_process.port)
    slowest = 0.0
    deadline = time.time() + 60
    synced = False
    while not synced and time.time() < deadline:
        started = time.perf_counter()
        assert probe.call("PING") == b"PONG"
        slowest = max(slowest, time.perf_counter() - started)
        probe.call("INCR", "load")
        synced = info(pair.replica).get("master_link_status") == "up"
    assert synced
    assert slowest < 0.05, slowest
    pair.settle()
    assert pair.replica.call("DBSIZE") == 200001


def _stream_of(port, actions):
    """
    @return: the commands a replica of the server on C{port} is sent while
        C{actions(conn)} runs, up to a final C{SET end 1}.
    """
    replica = RawConnection(port)
    replica.send("SYNC")
    line = read_line(replica)
    while line == b"\n":
        line = read_line(replica)
    read_exactly(replica, int(line[1:-2]))
    client = RawConnection(port)
    actions(client)
    client.call("SET", "end", "1")
    commands = []
    while not commands or commands[-1] != [b"SET", b"end", b"1"]:
        commands.append(replica.read())
    replica.close()
    client.close()
    return commands


def test_deletions_are_written_as_redis_writes_them(tmp_path):
    """DEL or UNLINK, by the lazyfree setting of each kind of deletion."""

    def actions(conn):
        conn.call("CONFIG", "SET", "lazyfree-lazy-expire", "yes")
        conn.call("SET", "k", "v")
        conn.call("EXPIREAT", "k", "1")
        conn.call("SET", "k", "v")
        conn.call("GETEX", "k", "PXAT", "1")
        conn.call("CONFIG", "SET", "lazyfree-lazy-server-del", "yes")
        conn.call("SET", "k", "v")
        payload = conn.call("DUMP", "k")
        conn.call("RESTORE", "k", "1", payload, "REPLACE", "ABSTTL")
        conn.call("CONFIG", "SET", "lazyfree-lazy-expire", "no")
        conn.call("SET", "k", "v")
        conn.call("EXPIREAT", "k", "1")
        conn.call("SET", "b", "v", "PX", "10")
        time.sleep(0.3)  # the active cycle finds it
        conn.call("CONFIG", "SET", "lazyfree-lazy-expire", "yes")
        conn.call("SET", "c", "v", "PX", "10")
        time.sleep(0.3)

    found = []
    for make in (redis_process, miniredis_process):
        directory = tmp_path / make.__name__
        directory.mkdir()
        server = make(str(directory)).start()
        try:
            stream = _stream_of(server.port, actions)
        finally:
            server.stop()
        found.append([c for c in stream if c[0].upper() in (b"DEL", b"UNLINK")])
    assert found[1] == found[0]
    assert [c[0].upper() for c in found[0]] == [
        b"UNLINK",
        b"UNLINK",
        b"DEL",
        b"DEL",
        b"DEL",
        b"UNLINK",
    ]
