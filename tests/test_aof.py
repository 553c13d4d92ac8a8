"""
The append-only file on a fake clock: what is logged, when replies go out
under each C{appendfsync} policy, loading (truncated, corrupt, with an RDB
preamble), CONFIG SET at run time, rewrites (with writes woven in) and the
check tool.
"""

import gc
import io
import os
import platform
import random
from collections import deque

import pytest
from twisted.internet import task
from twisted.logger import globalLogPublisher

from miniredis.persistence import aof, check, rdb
from miniredis.persistence.rewrite import COLLECTOR, Rewrite
from miniredis.quicklist import QuickList
from miniredis.resp import encode_command
from miniredis.store import Typed
from miniredis.zset import ZSet
from tests.local import Connection
from tests.persistence import EPOCH, Server, commands_of


@pytest.fixture
def events():
    seen = []
    globalLogPublisher.addObserver(seen.append)
    yield seen
    globalLogPublisher.removeObserver(seen.append)


def texts(events):
    from twisted.logger import formatEvent

    return "\n".join(formatEvent(e) for e in events)


def snapshot(store):
    """@return: every live key's value and deadline, comparable."""
    out = {}
    now = store.now_ms()
    for db in store.databases:
        for key, value in db.data.items():
            if db.expires.deadlines.get(key, now + 1) <= now:
                continue
            if isinstance(value, ZSet):
                value = ("zset", sorted(value.scores.items()))
            elif isinstance(value, QuickList):
                value = ("list", list(value))
            out[(db.index, key)] = (value, db.expires.deadlines.get(key))
    return out


# ---------------------------------------------------------------- writing


def test_persistence_off_stays_off_the_write_path(tmp_path):
    server = Server(tmp_path)
    assert server.factory.propagate is None and server.factory.durable is None
    assert server.call("SET", "k", "v") == b"OK"
    assert os.listdir(str(tmp_path)) == []


def test_log_holds_effective_writes(tmp_path):
    server = Server(tmp_path, appendonly=True)
    server.call("SET", "a", "1")
    server.call("INCRBYFLOAT", "a", "1.5")
    server.call("GET", "a")
    server.call("SELECT", "2")
    server.call("SET", "b", "x", "EX", "100")
    server.call("MULTI")
    server.call("SET", "c", "1")
    server.call("DEL", "b")
    server.call("EXEC")
    assert commands_of(server.aof()) == [
        [b"SELECT", b"0"],
        [b"SET", b"a", b"1"],
        [b"SET", b"a", b"2.5", b"KEEPTTL"],
        [b"SELECT", b"2"],
        [b"SET", b"b", b"x", b"PXAT", b"%d" % ((EPOCH + 100) * 1000)],
        [b"MULTI"],
        [b"SET", b"c", b"1"],
        [b"DEL", b"b"],
        [b"EXEC"],
    ]


def test_expired_keys_are_logged_as_del(tmp_path):
    server = Server(tmp_path, appendonly=True)
    server.call("SET", "lazy", "v", "PX", "10")
    server.call("SET", "active", "v", "PX", "10")
    server.clock.advance(0.005)
    server.call("SET", "plain", "v")
    server.clock.advance(0.02)
    assert server.call("GET", "lazy") is None
    server.clock.advance(0.2)
    logged = commands_of(server.aof())
    assert [b"DEL", b"lazy"] in logged and [b"DEL", b"active"] in logged
    assert logged.index([b"DEL", b"lazy"]) > logged.index([b"SET", b"plain", b"v"])


def test_typed_values_are_logged_as_nested_resp(tmp_path):
    server = Server(tmp_path, appendonly=True)
    server.call("SET", "k", {b"a": [1, 2.5, None]})
    assert (
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n%1\r\n$1\r\na\r\n*3\r\n:1\r\n,2.5\r\n_\r\n"
        in (server.aof())
    )
    server.stop()
    again = Server(tmp_path, appendonly=True)
    assert again.store.db(0).data[b"k"] == Typed({b"a": [1, 2.5, None]})


def test_always_holds_replies_until_one_fsync_covers_them(tmp_path):
    server = Server(tmp_path, appendonly=True, appendfsync="always")
    one, two, reader = (
        server.client,
        Connection(server.factory),
        Connection(server.factory),
    )
    one.send("SET", "a", "1")
    two.send("SET", "b", "2")
    assert one.replies() == [] and two.replies() == []
    server.clock.advance(0)  # end of the turn: one write, one fsync started
    assert b"SET" in server.aof()
    assert server.threads.calls == 1
    reader.send("GET", "a")  # it saw a write that is not on disk yet
    one.send("SET", "c", "3")  # the reactor goes on while the fsync runs
    server.clock.advance(0)
    assert server.threads.calls == 1
    assert one.replies() == [] and reader.replies() == []
    server.threads.run()  # the first fsync completes, the second starts
    server.clock.advance(0)
    assert one.replies() == [b"OK"] and two.replies() == [b"OK"]
    assert reader.replies() == [b"1"]
    assert server.threads.calls == 2
    server.threads.run()
    server.clock.advance(0)
    assert one.replies() == [b"OK"]
    reader.send("GET", "c")  # nothing pending: answered at once
    assert reader.replies() == [b"3"]


def test_always_holds_quit_and_pushes_in_order(tmp_path):
    server = Server(tmp_path, appendonly=True, appendfsync="always")
    client = server.client
    client.send("SET", "a", "1")
    client.send("QUIT")
    assert client.transport.value() == b"" and not client.transport.disconnecting
    server.settle()
    assert client.replies() == [b"OK", b"OK"]
    assert client.transport.disconnecting


def test_everysec_writes_each_turn_and_fsyncs_each_second(tmp_path):
    server = Server(tmp_path, appendonly=True, appendfsync="everysec")
    server.client.send("SET", "a", "1")
    assert server.client.replies() == [b"OK"]
    server.clock.advance(0)
    assert b"SET" in server.aof() and server.threads.calls == 0
    server.clock.advance(1.0)
    assert server.threads.calls == 1
    server.threads.run()
    server.clock.advance(1.0)
    assert server.threads.calls == 1  # nothing new to sync


def test_no_policy_never_fsyncs(tmp_path):
    server = Server(tmp_path, appendonly=True, appendfsync="no")
    server.call("SET", "a", "1")
    server.clock.advance(5)
    assert server.threads.calls == 0 and b"SET" in server.aof()


def test_config_set_appendfsync(tmp_path):
    server = Server(tmp_path, appendonly=True)
    assert server.factory.durable is None
    server.call("CONFIG", "SET", "appendfsync", "always")
    assert server.factory.durable is not None
    server.call("CONFIG", "SET", "appendfsync", "no")
    assert server.factory.durable is None


def test_config_set_appendonly_writes_the_data_then_logs(tmp_path):
    server = Server(tmp_path)
    server.call("SET", "before", "1")
    server.call("CONFIG", "SET", "appendonly", "yes")
    server.call("SET", "after", "2")
    assert server.persistence.log is not None
    assert commands_of(server.aof()) == [
        [b"SELECT", b"0"],
        [b"SET", b"before", b"1"],
        [b"SET", b"after", b"2"],
    ]
    server.call("CONFIG", "SET", "appendonly", "no")
    assert server.factory.propagate is None and server.persistence.log is None
    server.call("SET", "ignored", "3")
    assert b"ignored" not in server.aof()


def test_turning_appendonly_on_is_retried_after_a_failure(tmp_path, monkeypatch):
    server = Server(tmp_path)
    server.call("SET", "k", "v")
    open_file = Rewrite._open
    failures = []

    def failing(job):
        if not failures:
            failures.append(job)
            raise OSError("disk on fire")
        open_file(job)

    monkeypatch.setattr(Rewrite, "_open", failing)
    server.call("CONFIG", "SET", "appendonly", "yes")
    assert server.persistence.log is None
    assert b"aof_last_bgrewrite_status:err" in server.call("INFO", "persistence")
    server.clock.advance(5.1)
    server.settle()
    assert server.persistence.log is not None
    assert commands_of(server.aof()) == [[b"SELECT", b"0"], [b"SET", b"k", b"v"]]


# ---------------------------------------------------------------- loading


@pytest.fixture(params=["hiredis", "pure"])
def scanner(request, monkeypatch):
    """Scan with hiredis (CPython) and without (PyPy)."""
    if request.param == "pure":
        monkeypatch.setattr(aof, "hiredis", None)
    elif aof.hiredis is None:
        pytest.skip("hiredis is not installed")
    return aof.Scan


def test_scan_offsets_typed_values_and_endings(scanner):
    typed = b"*3\r\n$3\r\nSET\r\n$1\r\nt\r\n%1\r\n+a\r\n*2\r\n:1\r\n,2.5\r\n"
    data = GOOD + typed + GOOD
    scan = scanner(data)
    found = list(scan)
    assert [(start, end) for start, end, _ in found] == [
        (0, 23),
        (23, 50),
        (50, 50 + len(typed)),
        (50 + len(typed), 73 + len(typed)),
        (73 + len(typed), len(data)),
    ]
    assert found[2][2] == [b"SET", b"t", {b"a": [1, 2.5]}]
    assert scan.error is None and not scan.truncated
    for cut in (51, 60, 50 + len(typed) - 3):
        scan = scanner(data[:cut])
        assert len(list(scan)) == 2 and scan.truncated and scan.end == 50
    scan = scanner(GOOD + b"?junk\r\n" + GOOD)
    assert len(list(scan)) == 2 and scan.error and scan.end == 50
    scan = scanner(GOOD + b":12\r\n")
    assert len(list(scan)) == 2 and "array" in scan.error


def write_file(tmp_path, data, name="appendonly.aof"):
    with open(str(tmp_path / name), "wb") as f:
        f.write(data)


GOOD = encode_command(["SELECT", "0"]) + encode_command(["SET", "a", "1"])


def test_truncated_last_command_is_dropped_and_cut(tmp_path, events):
    write_file(tmp_path, GOOD + b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$5\r\nhal")
    server = Server(tmp_path, appendonly=True)
    assert server.store.db(0).data == {b"a": b"1"}
    assert server.aof() == GOOD
    assert "short read while loading the AOF" in texts(events)
    server.call("SET", "b", "2")
    assert commands_of(server.aof())[-1] == [b"SET", b"b", b"2"]


def test_unfinished_transaction_is_dropped(tmp_path):
    tail = encode_command(["MULTI"]) + encode_command(["SET", "b", "2"])
    write_file(tmp_path, GOOD + tail)
    server = Server(tmp_path, appendonly=True)
    assert server.store.db(0).data == {b"a": b"1"}
    assert server.aof() == GOOD


def test_truncation_refused_when_configured(tmp_path):
    write_file(tmp_path, GOOD + b"*2\r\n$3\r\nDEL")
    with pytest.raises(SystemExit, match="Unexpected end of file .* offset 50"):
        Server(tmp_path, appendonly=True, aof_load_truncated=False)


def test_corruption_inside_stops_start_up_with_the_offset(tmp_path):
    write_file(tmp_path, GOOD + b"garbage" + encode_command(["SET", "b", "2"]))
    with pytest.raises(SystemExit) as raised:
        Server(tmp_path, appendonly=True)
    message = str(raised.value)
    assert "Bad file format reading the append only file appendonly.aof" in message
    assert "at offset 50" in message and "miniredis-check-aof --fix" in message


def test_unknown_command_stops_start_up(tmp_path):
    write_file(tmp_path, GOOD + encode_command(["NOSUCH", "x"]))
    with pytest.raises(SystemExit, match="offset 50: ERR unknown command 'NOSUCH'"):
        Server(tmp_path, appendonly=True)


def test_aof_wins_over_rdb(tmp_path):
    first = Server(tmp_path)
    first.call("SET", "from", "rdb")
    first.call("SAVE")
    write_file(tmp_path, encode_command(["SET", "from", "aof"]))
    assert Server(tmp_path, appendonly=True).store.db(0).data == {b"from": b"aof"}
    assert Server(tmp_path).store.db(0).data == {b"from": b"rdb"}


def test_rdb_is_loaded_and_logged_when_there_is_no_aof(tmp_path):
    first = Server(tmp_path)
    first.call("SET", "k", "v")
    first.call("SAVE")
    server = Server(tmp_path, appendonly=True)
    assert commands_of(server.aof()) == [[b"SELECT", b"0"], [b"SET", b"k", b"v"]]


def test_rdb_preamble(tmp_path):
    first = Server(tmp_path)
    first.call("SET", "k", "v")
    first.call("SAVE")
    preamble = open(str(tmp_path / "dump.rdb"), "rb").read()
    write_file(tmp_path, preamble + encode_command(["SET", "k2", "v2"]))
    server = Server(tmp_path, appendonly=True)
    assert server.store.db(0).data == {b"k": b"v", b"k2": b"v2"}


# ---------------------------------------------------------------- rewrite


def test_rewrite_compacts(tmp_path):
    server = Server(tmp_path, appendonly=True)
    for _ in range(10):
        server.call("INCR", "n")
    server.call("SET", "gone", "x")
    server.call("DEL", "gone")
    server.call("SET", "t", "v", "PX", "5000")
    assert (
        server.call("BGREWRITEAOF") == b"Background append only file rewriting started"
    )
    server.settle()
    assert server.persistence.rewrite is None
    assert commands_of(server.aof()) == [
        [b"SELECT", b"0"],
        [b"SET", b"n", b"10"],
        [b"SET", b"t", b"v"],
        [b"PEXPIREAT", b"t", b"%d" % (EPOCH * 1000 + 5000)],
    ]
    server.call("SET", "after", "1")
    assert commands_of(server.aof())[-2:] == [
        [b"PEXPIREAT", b"t", b"%d" % (EPOCH * 1000 + 5000)],
        [b"SET", b"after", b"1"],
    ]
    info = server.call("INFO", "persistence")
    assert b"aof_rewrites:1" in info and b"aof_base_size:" in info


def test_rewrite_batches_large_values_by_64(tmp_path):
    server = Server(tmp_path, appendonly=True)
    db = server.store.db(0)
    db.set(b"l", QuickList(b"%d" % i for i in range(200)))
    db.set(b"s", {b"%d" % i for i in range(65)})
    db.set(b"h", {b"f%d" % i: b"v" for i in range(130)})
    db.set(b"z", ZSet((b"m%d" % i, i / 7) for i in range(64)))
    db.set(b"typed", Typed([1, {b"x": None}]))
    server.call("BGREWRITEAOF")
    server.settle()
    logged = commands_of(server.aof())
    sizes = [(argv[0], len(argv) - 2) for argv in logged if argv[0] != b"SELECT"]
    assert sizes == [
        (b"RPUSH", 64),
        (b"RPUSH", 64),
        (b"RPUSH", 64),
        (b"RPUSH", 8),
        (b"SADD", 64),
        (b"SADD", 1),
        (b"HSET", 128),
        (b"HSET", 128),
        (b"HSET", 4),
        (b"ZADD", 128),
        (b"SET", 1),
    ]
    before = snapshot(server.store)
    server.stop()
    assert snapshot(Server(tmp_path, appendonly=True).store) == before


def test_one_rewrite_at_a_time(tmp_path):
    server = Server(tmp_path, appendonly=True)
    server.client.send("BGREWRITEAOF")
    server.client.send("BGREWRITEAOF")
    assert server.client.replies()[1].message == (
        "ERR Background append only file rewriting already in progress"
    )


def test_automatic_rewrite(tmp_path):
    server = Server(
        tmp_path,
        appendonly=True,
        auto_aof_rewrite_min_size=1000,
        auto_aof_rewrite_percentage=100,
    )
    for _ in range(100):
        server.call("SET", "k", "x" * 20)
    server.clock.advance(0.1)
    server.settle()
    assert server.persistence.stats["aof_rewrites"] == 1
    assert commands_of(server.aof()) == [[b"SELECT", b"0"], [b"SET", b"k", b"x" * 20]]


class Steps:
    """
    The clock of a L{Rewrite} under test: its calls run one per L{step}
    (a C{task.Clock} would run a call scheduled by a call at once).
    """

    def __init__(self, clock):
        self.clock = clock
        self.calls = deque()

    def seconds(self):
        return self.clock.seconds()

    def callLater(self, delay, f, *args):
        call = task.DelayedCall(0, f, args, {}, self.calls.remove, None, self.seconds)
        self.calls.append(call)
        return call

    def step(self):
        if self.calls:
            call = self.calls.popleft()
            call.called = 1
            call.func(*call.args)


def stepped_rewrite(server):
    """
    A L{Rewrite} of the server's store, fed every write as persistence
    feeds its own, that the test drives one step (one key or one batch of a
    large value) at a time.

    @return: the job, the list its end appends to, and its L{Steps}.
    """
    done = []
    steps = Steps(server.clock)
    job = Rewrite(
        server.store,
        str(server.directory) + "/rewritten.aof",
        steps,
        server.threads,
        lambda job, error: done.append(error),
    )
    job.slice = 0
    server.factory.writes.listen(job.feed)
    job.start()
    steps.step()  # the turn that start() lets pass before the first slice
    assert not job.size
    return job, done, steps


def finish(server, job, done, steps):
    """Run the job to its end; @return: the data its file rebuilds."""
    for _ in range(100000):
        if done:
            break
        steps.step()
        server.clock.advance(0)
        server.threads.run()
    assert done == [None]
    fresh = Server(server.directory + "/fresh")
    fresh.clock.advance(server.clock.seconds() - fresh.clock.seconds())
    aof.replay(fresh.factory, open(job.path, "rb").read())
    return snapshot(fresh.store)


def test_writes_during_a_rewrite_are_woven_in(tmp_path):
    server = Server(tmp_path, appendonly=True)
    for i in range(20):
        server.call("SET", "k%d" % i, "v")
    server.store.db(0).set(b"big", QuickList(b"x%d" % i for i in range(300)))
    server.call("ZADD", "zsrc", "1", "a")  # dumped last
    server.call("SELECT", "1")
    server.call("SET", "one", "1")
    server.call("SELECT", "0")
    job, done, steps = stepped_rewrite(server)
    script = [
        ("SET", "k0", "new"),
        ("ZUNIONSTORE", "k0", "1", "zsrc"),  # reads a key not yet dumped
        ("APPEND", "k19", "tail"),
        ("DEL", "k18"),
        ("RENAME", "k1", "k17"),
        ("SET", "fresh", "1"),
        ("MOVE", "k2", "1"),
        ("COPY", "k3", "one", "DB", "1", "REPLACE"),
        ("SET", "k4", "t", "PX", "100000"),
        ("RPUSH", "big", "pushed while being written"),
        ("SWAPDB", "0", "1"),
        ("SET", "k5", "after-swap"),
        ("FLUSHDB",),
        ("SET", "k6", "after-flush"),
        ("SWAPDB", "0", "1"),
        ("MULTI",),
        ("INCR", "k7"),
        ("SET", "k8", "m"),
        ("EXEC",),
    ]
    for args in script:
        server.client.send(*args)
        server.clock.advance(0)
        steps.step()
        steps.step()
    assert not done
    assert finish(server, job, done, steps) == snapshot(server.store)


def random_command(rng, keys):
    """@return: a random write (or SELECT) over every type, on C{keys}."""
    key, other = rng.choice(keys), rng.choice(keys)
    member = "m%d" % rng.randrange(8)
    return rng.choice(
        [
            ("SET", key, "%d" % rng.randrange(100)),
            ("APPEND", key, "x"),
            ("INCR", "n%d" % rng.randrange(3)),
            ("DEL", key, other),
            ("RENAME", key, other),
            ("COPY", key, other, "REPLACE"),
            ("MOVE", key, "1"),
            ("SELECT", "%d" % rng.randrange(2)),
            ("PEXPIRE", key, "%d" % rng.randrange(1, 50)),
            ("PERSIST", key),
            ("SWAPDB", "0", "1"),
            ("RPUSH", key, member, "x"),
            ("LPOP", key),
            ("LMOVE", key, other, "LEFT", "RIGHT"),
            ("HSET", key, member, "v"),
            ("HDEL", key, member),
            ("SADD", key, member),
            ("SPOP", key),
            ("SMOVE", key, other, member),
            ("SINTERSTORE", key, other, key),
            ("ZADD", key, "%d" % rng.randrange(5), member),
            ("ZPOPMIN", key),
            ("ZUNIONSTORE", key, "2", key, other),
        ]
    )


@pytest.mark.parametrize("seed", range(8))
def test_random_writes_during_a_rewrite(tmp_path, seed):
    """Whatever the interleaving, the rewritten log rebuilds the data."""
    rng = random.Random(seed)
    server = Server(tmp_path, appendonly=True)
    keys = ["k%d" % i for i in range(20)]
    for i, key in enumerate(keys[:15]):
        kind = i % 5
        if kind == 0:
            server.call("SET", key, "v")
        elif kind == 1:
            server.call("RPUSH", key, *["e%d" % n for n in range(150)])
        elif kind == 2:
            server.call("HSET", key, *["f%d" % (n // 2) for n in range(200)])
        elif kind == 3:
            server.call("SADD", key, *["m%d" % n for n in range(100)])
        else:
            server.call(
                "ZADD", key, *[x for n in range(70) for x in (str(n), "m%d" % n)]
            )
    job, done, steps = stepped_rewrite(server)
    for _ in range(300):
        args = random_command(rng, keys)
        if args[0] == "SWAPDB" and rng.random() < 0.7:
            continue
        if rng.random() < 0.05:
            server.client.send("MULTI")
            server.client.send(*args)
            args = random_command(rng, keys)
            server.client.send(*args)
            server.client.send("EXEC")
        else:
            server.client.send(*args)
        server.clock.advance(rng.choice([0, 0, 0.01]))
        for _ in range(rng.randrange(4)):
            steps.step()
    assert not done  # the file's fsync waits: the job ends after the writes
    assert finish(server, job, done, steps) == snapshot(server.store)


def test_a_transaction_that_swaps_databases_starts_the_rewrite_over(tmp_path):
    server = Server(tmp_path, appendonly=True)
    for i in range(10):
        server.call("SET", "k%d" % i, "v")
    job, done, steps = stepped_rewrite(server)
    steps.step()
    steps.step()
    assert job.size > 0
    for args in [("MULTI",), ("SET", "k9", "new"), ("SWAPDB", "0", "1"), ("EXEC",)]:
        server.client.send(*args)
    assert job.size == 0
    server.client.send("SET", "k1", "after")
    assert finish(server, job, done, steps) == snapshot(server.store)


def test_keys_expiring_inside_a_transaction_go_with_it(tmp_path):
    server = Server(tmp_path, appendonly=True)
    server.call("RPUSH", "l", "old")
    server.call("PEXPIRE", "l", "10")
    server.call("SET", "other", "v")
    job, done, steps = stepped_rewrite(server)
    steps.step()
    server.clock.advance(0.02)
    for args in [("MULTI",), ("RPUSH", "l", "new"), ("EXEC",)]:
        server.client.send(*args)
    server.clock.advance(0)
    assert commands_of(server.aof())[-4:] == [
        [b"MULTI"],
        [b"DEL", b"l"],
        [b"RPUSH", b"l", b"new"],
        [b"EXEC"],
    ]
    assert finish(server, job, done, steps) == snapshot(server.store)


# ---------------------------------------------------------------- the tool


def run_check(path, *flags, answer="y\n"):
    out = io.StringIO()
    status = check.main(list(flags) + [str(path)], io.StringIO(answer), out)
    return status, out.getvalue()


def test_check_tool(tmp_path):
    path = tmp_path / "appendonly.aof"
    write_file(tmp_path, GOOD)
    status, out = run_check(path)
    assert status == 0 and "is valid" in out
    assert "size=50, ok_up_to=50, ok_up_to_line=13, diff=0" in out
    write_file(tmp_path, GOOD + b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$2\r\nxy")
    status, out = run_check(path)
    assert status == 1 and "ok_up_to=50, ok_up_to_line=19, diff=26" in out
    assert "Use the --fix option" in out
    status, out = run_check(path, "--fix", answer="n\n")
    assert status == 1 and "Aborting" in out and path.stat().st_size == 76
    status, out = run_check(path, "--fix")
    assert status == 0 and "Successfully truncated" in out
    assert open(str(path), "rb").read() == GOOD


def test_check_tool_finds_unfinished_transactions_and_garbage(tmp_path):
    path = tmp_path / "appendonly.aof"
    write_file(tmp_path, GOOD + encode_command(["MULTI"]) + GOOD)
    status, out = run_check(path)
    assert "Reached EOF before reading EXEC for MULTI" in out and "ok_up_to=50," in out
    write_file(tmp_path, GOOD + b"xx" + GOOD)
    status, out = run_check(path, "--fix")
    assert "Bad file format" in out and status == 0
    assert open(str(path), "rb").read() == GOOD
    assert run_check(tmp_path / "nosuch")[0] == 1


def test_check_tool_reads_an_rdb_preamble(tmp_path):
    parts = []
    rdb.write_rdb(parts.append, Server(tmp_path).store)
    write_file(tmp_path, b"".join(parts) + GOOD)
    assert run_check(tmp_path / "appendonly.aof")[0] == 0


def test_no_cyclic_collection_while_the_keys_are_listed(tmp_path, monkeypatch):
    """
    The collector is off from the list of keys to the last key dumped (or
    an abort, or a file that cannot be opened), and stays off after if the
    application had turned it off.
    """
    server = Server(tmp_path, appendonly=True)
    for i in range(10):
        server.call("SET", "k%d" % i, "v")
    assert COLLECTOR.holders == 0 and gc.isenabled()
    try:
        job, done, steps = stepped_rewrite(server)
        other, other_done, other_steps = stepped_rewrite(server)
        assert not gc.isenabled()
        finish(server, job, done, steps)
        assert not gc.isenabled()  # the other one still lists keys
        other.abort()
        assert gc.isenabled()

        def cannot_open(job):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(Rewrite, "_open", cannot_open)
        with pytest.raises(OSError):
            stepped_rewrite(server)
        assert COLLECTOR.holders == 0 and gc.isenabled()
        monkeypatch.undo()
        gc.disable()
        job, done, steps = stepped_rewrite(server)
        finish(server, job, done, steps)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_rewrite_sends_the_replies_that_wait_before_each_slice(tmp_path, monkeypatch):
    server = Server(tmp_path, appendonly=True)
    for i in range(10):
        server.call("SET", "k%d" % i, "v")
    server.client.send("BGREWRITEAOF")
    server.clock.advance(0)  # the keys are written; their fsync waits
    job = server.persistence.rewrite
    order = []
    work = job._work

    def slice_of_work(deadline):
        order.append("slice")
        return work(deadline)

    monkeypatch.setattr(job, "_work", slice_of_work)
    server.threads.run()  # the fsync ends: the last slice is due
    client = server.factory.buildProtocol(None)
    monkeypatch.setattr(client, "flush", lambda: order.append("reply"))
    server.factory.outbox.add(client)  # due after the slice
    server.clock.advance(0)
    assert order == ["reply", "slice"]
    server.settle()
    assert server.persistence.rewrite is None


def test_a_rewrite_lets_go_of_the_keys_it_has_dumped(tmp_path):
    """
    Its list of the keys to dump drops each as it goes, so that the list's
    end frees no million keys in one turn; on PyPy, the list stays unboxed.
    """
    server = Server(tmp_path, appendonly=True)
    for i in range(10):
        server.call("SET", "k%d" % i, "v")
    job, done, steps = stepped_rewrite(server)
    for _ in range(4):
        steps.step()
    pending = job._pending[0]
    dumped = job._positions[0]
    assert 0 < dumped < 10
    assert pending[:dumped] == [b""] * dumped
    if platform.python_implementation() == "PyPy":
        # still a list of byte strings that PyPy keeps unboxed: a None
        # would have boxed every key at once
        import __pypy__

        assert __pypy__.strategy(pending) == "BytesListStrategy"
    assert b"" not in pending[dumped:]
    assert finish(server, job, done, steps) == snapshot(server.store)
