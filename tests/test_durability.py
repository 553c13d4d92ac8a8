"""
Durability end to end, with real processes: kill -9 under a write load,
a rewrite under load (nothing lost, PING stays fast), round trips with a
real redis-server (RDB both ways, the AOF through C{redis-cli --pipe}),
SHUTDOWN and SIGTERM saves, the save rules and start-up failures.
"""

import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from miniredis.persistence import rdb
from miniredis.resp import ReplyError
from miniredis.store import Store
from tests.persistence import EPOCH, Server, commands_of, populate, read_back
from tests.servers import RawConnection, miniredis_process, redis_process

# ------------------------------------------------- commands, on a fake clock


@pytest.mark.parametrize(
    "args",
    [
        ("BGSAVE", "foo"),
        ("BGSAVE", "SCHEDULE", "x"),
        ("SHUTDOWN", "foo"),
        ("SHUTDOWN", "NOSAVE", "SAVE"),
        ("SHUTDOWN", "ABORT"),
        ("SHUTDOWN", "ABORT", "NOW"),
        ("SAVE", "x"),
        ("LASTSAVE", "x"),
        ("BGREWRITEAOF", "x"),
    ],
)
def test_command_errors_match_redis(differ, args):
    differ.check(*args)


def saved(directory):
    store = Store()
    with open(os.path.join(str(directory), "dump.rdb"), "rb") as f:
        rdb.load_rdb(f.read(), store)
    return store.db(0).data


def test_save_lastsave_and_info(tmp_path):
    server = Server(tmp_path)
    server.call("SET", "k", "v")
    assert b"rdb_changes_since_last_save:1" in server.call("INFO", "persistence")
    server.clock.advance(7)
    assert server.call("SAVE") == b"OK"
    assert server.call("LASTSAVE") == EPOCH + 7
    info = server.call("INFO", "persistence")
    assert b"rdb_changes_since_last_save:0" in info and b"rdb_saves:1" in info
    assert saved(tmp_path) == {b"k": b"v"}


def test_bgsave_forks_a_child_that_writes_the_snapshot(tmp_path):
    server = Server(tmp_path)
    server.call("SET", "k", "v")
    assert server.call("BGSAVE") == b"Background saving started"
    server.call("SET", "k", "changed after the fork")
    assert server.call("BGSAVE") == ReplyError(
        "ERR Background save already in progress"
    )
    assert server.call("SAVE") == ReplyError("ERR Background save already in progress")
    assert b"rdb_bgsave_in_progress:1" in server.call("INFO", "persistence")
    done = server.persistence.bgsave_done()
    for _ in range(500):
        if done.called:
            break
        server.clock.advance(0.1)
        time.sleep(0.01)
    assert done.called
    assert saved(tmp_path) == {b"k": b"v"}
    info = server.call("INFO", "persistence")
    assert b"rdb_last_bgsave_status:ok" in info and b"rdb_saves:1" in info
    assert b"rdb_changes_since_last_save:1" in info


def test_save_rules_start_a_bgsave(tmp_path):
    server = Server(tmp_path, save="10 2")
    server.call("SET", "a", "1")
    server.call("SET", "b", "2")
    server.clock.advance(5)
    assert server.persistence.child is None
    server.clock.advance(5)
    assert server.persistence.child is not None
    server.persistence._kill_child()


def test_shutdown_saves_as_configured_and_closes_the_log(tmp_path):
    server = Server(tmp_path, appendonly=True, save="3600 1")
    stops = []
    server.factory.shutdown_hooks.append(lambda: stops.append(True))
    server.call("SET", "k", "v")
    server.client.send("SHUTDOWN")
    server.settle()
    assert server.client.replies() == [] and stops == [True]
    assert saved(tmp_path) == {b"k": b"v"}
    assert commands_of(server.aof())[-1] == [b"SET", b"k", b"v"]
    assert server.factory.propagate is None
    server.persistence.stopService()  # the reactor's stop: nothing more to do
    assert saved(tmp_path) == {b"k": b"v"}


def test_shutdown_nosave_and_failed_saves(tmp_path):
    server = Server(tmp_path, save="3600 1", dbfilename="blocked.rdb")
    # A directory where the snapshot should go: every save fails.
    (tmp_path / "blocked.rdb").mkdir()
    server.call("SET", "k", "v")
    assert server.call("SHUTDOWN") == ReplyError(
        "ERR Errors trying to SHUTDOWN. Check logs."
    )
    assert not server.persistence.finished
    server.client.send("SHUTDOWN", "NOSAVE")
    assert server.client.replies() == [] and server.persistence.finished
    other = Server(tmp_path / "other", dbfilename="blocked.rdb")
    (tmp_path / "other" / "blocked.rdb").mkdir(parents=True)
    other.client.send("SHUTDOWN", "SAVE", "FORCE")
    assert other.client.replies() == [] and other.persistence.finished


def test_debug_reload_and_loadaof(tmp_path):
    server = Server(tmp_path, appendonly=True, enable_debug_command="yes")
    server.call("SET", "k", "v", "PX", "50000")
    server.call("RPUSH", "l", "a", "b")
    before = dict(server.store.db(0).data), dict(server.store.db(0).expires.deadlines)
    assert server.call("DEBUG", "RELOAD") == b"OK"
    assert (
        dict(server.store.db(0).data),
        server.store.db(0).expires.deadlines,
    ) == before
    server.store.db(0).data[b"l"].append(b"not logged")
    assert server.call("DEBUG", "LOADAOF") == b"OK"
    assert (
        dict(server.store.db(0).data),
        server.store.db(0).expires.deadlines,
    ) == before
    assert server.call("DEBUG", "RELOAD", "BAD") == ReplyError("ERR syntax error")
    os.unlink(str(tmp_path / "dump.rdb"))
    assert server.call("DEBUG", "RELOAD", "NOSAVE") == ReplyError(
        "ERR Error trying to load the RDB dump, check server logs."
    )


def test_appendonly_off_while_being_turned_on(tmp_path):
    server = Server(tmp_path)
    server.call("SET", "k", "v")
    server.client.send("CONFIG", "SET", "appendonly", "yes")
    server.client.send("CONFIG", "SET", "appendonly", "no")
    server.settle()
    assert server.persistence.log is None and server.factory.propagate is None
    assert commands_of(server.aof()) == [[b"SELECT", b"0"], [b"SET", b"k", b"v"]]


# ------------------------------------------------------------ real processes


def start(directory, *options):
    return miniredis_process(str(directory), "--dir", str(directory), *options).start()


def wait_until(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class Writers:
    """
    Client threads writing as fast as the server acknowledges: each owns
    its keys, so what a restart must show is known from the acks alone.

    @ivar acked: per writer, C{(sequence number, time of the ack)} pairs.
    """

    def __init__(self, port, count=3, pipeline=4):
        self.port = port
        self.pipeline = pipeline
        self.acked = [[] for _ in range(count)]
        self.running = True
        self.threads = [
            threading.Thread(target=self._write, args=(n,)) for n in range(count)
        ]

    def start(self):
        for thread in self.threads:
            thread.start()
        return self

    def _write(self, n):
        conn = RawConnection(self.port)
        acked = self.acked[n]
        sequence = 0
        try:
            while self.running:
                batch = range(sequence, sequence + self.pipeline)
                for i in batch:
                    conn.send("SET", "w%d:%d" % (n, i), "v%d" % i)
                    conn.send("RPUSH", "log%d" % n, str(i))
                for i in batch:
                    conn.read()
                    conn.read()
                    acked.append((i, time.time()))
                sequence += self.pipeline
        except (ConnectionError, OSError):
            pass

    def stop(self):
        self.running = False
        for thread in self.threads:
            thread.join(10)


def missing_after_restart(conn, writers):
    """@return: per writer, the acknowledged sequence numbers not found."""
    lost = []
    for n, acked in enumerate(writers.acked):
        logged = {int(i) for i in conn.call("LRANGE", "log%d" % n, "0", "-1")}
        values = []
        for start in range(0, len(acked), 50):
            keys = ["w%d:%d" % (n, i) for i, _ in acked[start : start + 50]]
            values += conn.call("MGET", *keys)
        lost.append(
            [
                i
                for (i, _), value in zip(acked, values)
                if value != b"v%d" % i or i not in logged
            ]
        )
    return lost


# ---------------------------------------------------------------- kill -9


def test_kill_9_with_always_keeps_every_acknowledged_write(tmp_path):
    server = start(tmp_path, "--appendonly", "yes", "--appendfsync", "always")
    writers = Writers(server.port).start()
    assert wait_until(lambda: all(len(a) > 200 for a in writers.acked))
    server.kill()
    writers.stop()
    again = start(tmp_path, "--appendonly", "yes")
    conn = RawConnection(again.port)
    assert missing_after_restart(conn, writers) == [[], [], []]
    again.stop()


def test_kill_9_with_everysec_loses_at_most_the_last_seconds(tmp_path):
    server = start(tmp_path, "--appendonly", "yes", "--appendfsync", "everysec")
    writers = Writers(server.port).start()
    time.sleep(2.5)
    server.kill()
    killed = time.time()
    writers.stop()
    again = start(tmp_path, "--appendonly", "yes")
    conn = RawConnection(again.port)
    for n, lost in enumerate(missing_after_restart(conn, writers)):
        acked_at = dict(writers.acked[n])
        assert all(killed - acked_at[i] < 2.0 for i in lost)
    again.stop()


# ---------------------------------------------------------------- rewrite


def test_rewrite_under_load_loses_nothing_and_ping_stays_fast(tmp_path):
    server = start(tmp_path, "--appendonly", "yes", "--appendfsync", "everysec")
    conn = RawConnection(server.port)
    subprocess.run(
        ["redis-benchmark", "-p", str(server.port), "-t", "set", "-n", "150000"]
        + ["-r", "1000000", "-P", "100", "-q"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    conn.call("RPUSH", "big", *[str(i) for i in range(50000)])
    conn.call("HSET", "bighash", *[x for i in range(5000) for x in ("f%d" % i, "v")])
    writers = Writers(server.port, count=2).start()
    latencies = []
    pinging = threading.Event()
    pinging.set()

    def ping():
        pinger = RawConnection(server.port)
        while pinging.is_set():
            before = time.perf_counter()
            assert pinger.call("PING") == b"PONG"
            latencies.append(time.perf_counter() - before)
            time.sleep(0.005)

    pinger = threading.Thread(target=ping)
    pinger.start()
    time.sleep(0.3)
    baseline = len(latencies)
    assert conn.call("BGREWRITEAOF") == b"Background append only file rewriting started"
    assert wait_until(
        lambda: b"aof_rewrites:1" in conn.call("INFO", "persistence"), timeout=60
    )
    during = latencies[baseline:]
    writers.stop()
    pinging.clear()
    pinger.join()
    keys = conn.call("DBSIZE")
    digest = conn.call("LRANGE", "big", "0", "-1"), conn.call("HLEN", "bighash")
    conn.send("SHUTDOWN", "NOSAVE")
    assert conn.closed()
    server.process.wait(10)
    again = start(tmp_path, "--appendonly", "yes")
    conn = RawConnection(again.port)
    assert missing_after_restart(conn, writers) == [[], []]
    assert conn.call("DBSIZE") == keys
    assert (
        conn.call("LRANGE", "big", "0", "-1"),
        conn.call("HLEN", "bighash"),
    ) == digest
    assert len(during) > 5
    assert max(during) < 0.05, "PING took %.1f ms during the rewrite" % (
        1000 * max(during),
    )
    again.stop()


# ------------------------------------------------------- a real redis-server


@pytest.fixture
def real(tmp_path):
    directory = tmp_path / "redis"
    directory.mkdir()
    server = redis_process(
        str(directory), "--dbfilename", "dump.rdb", "--enable-debug-command", "yes"
    ).start()
    conn = RawConnection(server.port)
    yield server, conn, directory
    conn.close()
    server.stop()


def test_rdb_round_trip_through_miniredis(real, tmp_path):
    """redis-server's dump -> miniredis -> its own dump -> redis-server: equal."""
    redis, conn, redis_dir = real
    populate(conn)
    expected = read_back(conn)
    digest = conn.call("DEBUG", "DIGEST")
    conn.call("SAVE")
    mini_dir = tmp_path / "mini"
    mini_dir.mkdir()
    shutil.copy(str(redis_dir / "dump.rdb"), str(mini_dir / "dump.rdb"))
    mini = start(mini_dir)
    mini_conn = RawConnection(mini.port)
    assert mini_conn.call("DBSIZE") == 18
    assert mini_conn.call("SAVE") == b"OK"
    mini.stop()
    shutil.copy(str(mini_dir / "dump.rdb"), str(redis_dir / "dump.rdb"))
    conn.call("DEBUG", "RELOAD", "NOSAVE")
    assert conn.call("DEBUG", "DIGEST") == digest
    assert read_back(conn) == expected


def test_aof_replays_into_redis_with_redis_cli_pipe(real, tmp_path):
    """miniredis's log, rewritten and appended to, loads into redis-server."""
    redis, conn, redis_dir = real
    populate(conn)
    conn.call("SAVE")
    mini_dir = tmp_path / "mini"
    mini_dir.mkdir()
    shutil.copy(str(redis_dir / "dump.rdb"), str(mini_dir / "dump.rdb"))
    mini = start(mini_dir, "--appendonly", "yes", "--appendfsync", "always")
    mini_conn = RawConnection(mini.port)
    script = [
        ("SET", "after", "1", "EX", "1000"),
        ("INCRBYFLOAT", "after", "0.5"),
        ("LPUSH", "l", "new"),
        ("RPOP", "biglist"),
        ("HSET", "h", "f3", "v3"),
        ("SREM", "sset", "a"),
        ("SPOP", "bigset", "3"),
        ("ZADD", "z", "7", "e"),
        ("SELECT", "3"),
        ("SET", "db3b", "y"),
        ("SELECT", "0"),
        ("MULTI",),
        ("INCR", "i"),
        ("DEL", "long"),
        ("EXEC",),
        ("EXPIRE", "s", "5000"),
    ]
    for args in script:
        mini_conn.call(*args)
    expected = read_back(mini_conn)
    conn.call("FLUSHALL")
    with open(str(mini_dir / "appendonly.aof"), "rb") as log:
        piped = subprocess.run(
            ["redis-cli", "-p", str(redis.port), "--pipe"],
            stdin=log,
            capture_output=True,
            check=True,
        )
    assert b"errors: 0" in piped.stdout
    assert read_back(conn) == expected
    mini.stop()


# ---------------------------------------------------------------- saving


def test_sigterm_saves_when_save_rules_are_set(tmp_path):
    server = start(tmp_path, "--save", "3600 1")
    RawConnection(server.port).call("SET", "k", "v")
    server.stop()
    assert server.process.returncode == 0
    again = start(tmp_path)
    assert RawConnection(again.port).call("GET", "k") == b"v"
    again.stop()


def test_shutdown_save_and_nosave(tmp_path):
    server = start(tmp_path, "--save", "3600 1")
    conn = RawConnection(server.port)
    conn.call("SET", "k", "v")
    conn.send("SHUTDOWN", "NOSAVE")
    assert conn.closed()
    assert server.process.wait(10) == 0
    assert not os.path.exists(str(tmp_path / "dump.rdb"))
    server = start(tmp_path)
    conn = RawConnection(server.port)
    conn.call("SET", "k", "v")
    assert conn.call("SHUTDOWN", "NOSAVE", "SAVE").message == "ERR syntax error"
    conn.send("SHUTDOWN", "SAVE")
    assert conn.closed()
    assert server.process.wait(10) == 0
    again = start(tmp_path)
    assert RawConnection(again.port).call("GET", "k") == b"v"
    again.stop()


def test_save_rules_bgsave_and_lastsave(tmp_path):
    server = start(tmp_path, "--save", "1 2", "--enable-debug-command", "yes")
    conn = RawConnection(server.port)
    first = conn.call("LASTSAVE")
    conn.call("SET", "a", "1")
    time.sleep(1.3)
    assert not os.path.exists(str(tmp_path / "dump.rdb"))  # 1 change < 2
    conn.call("SET", "b", "2")
    assert wait_until(lambda: os.path.exists(str(tmp_path / "dump.rdb")), 5)
    assert wait_until(lambda: b"rdb_saves:1" in conn.call("INFO", "persistence"))
    assert conn.call("LASTSAVE") >= first
    assert b"rdb_changes_since_last_save:0" in conn.call("INFO", "persistence")
    conn.call("SET", "c", "3")
    assert conn.call("BGSAVE") == b"Background saving started"
    assert wait_until(lambda: b"rdb_saves:2" in conn.call("INFO", "persistence"))
    conn.call("SET", "c", "changed")
    assert conn.call("DEBUG", "RELOAD") == b"OK"
    assert conn.call("MGET", "a", "b", "c") == [b"1", b"2", b"changed"]
    server.stop()


def test_corrupt_aof_stops_start_up_with_the_offset(tmp_path):
    with open(str(tmp_path / "appendonly.aof"), "wb") as f:
        f.write(b"*1\r\n$4\r\nPING\r\n!!garbage\r\n*1\r\n$4\r\nPING\r\n")
    server = miniredis_process(
        str(tmp_path), "--dir", str(tmp_path), "--appendonly", "yes"
    )
    with pytest.raises(RuntimeError, match="exited with 1"):
        server.start()
    log = server.log()
    assert "Bad file format reading the append only file" in log
    assert "at offset 14" in log and "miniredis-check-aof --fix" in log
    checked = subprocess.run(
        [sys.executable, "-m", "miniredis.persistence.check", "--fix"]
        + [str(tmp_path / "appendonly.aof")],
        input=b"y\n",
        capture_output=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert checked.returncode == 0
    again = start(tmp_path, "--appendonly", "yes")
    assert RawConnection(again.port).call("PING") == b"PONG"
    again.stop()
