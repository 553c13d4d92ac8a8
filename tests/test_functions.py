"""
Redis Functions against redis-server: every FUNCTION subcommand with its
errors, the load-time restrictions and C{redis.register_function}'s checks,
FCALL and FCALL_RO with keys, flags, MULTI and RESP3; DUMP payloads moved
both ways; FUNCTION KILL and STATS on a busy function; allow-oom over
maxmemory; libraries in RDB files both ways and in the AOF.
"""

import os
import time

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from miniredis.resp import ReplyError
from tests.differential import DifferMachine, many, run_machine
from tests.persistence import Server, commands_of
from tests.servers import RawConnection, miniredis_process, redis_process


def lib(name, *lines):
    """@return: the code of library C{name} made of C{lines}."""
    return "\n".join(["#!lua name=" + name] + list(lines))


def reg(name, body, flags=None, description=None):
    """@return: a C{redis.register_function} call in the table form."""
    extra = ""
    if flags is not None:
        extra += ", flags={%s}" % ", ".join("'%s'" % flag for flag in flags)
    if description is not None:
        extra += ", description='%s'" % description
    return (
        "redis.register_function{function_name='%s', "
        "callback=function(keys, args) %s end%s}" % (name, body, extra)
    )


def _as_dict(entry):
    if isinstance(entry, dict):
        return dict(entry)
    return dict(zip(entry[::2], entry[1::2]))


def normal_listing(reply):
    """A FUNCTION LIST reply in a fixed order (Redis lists in hash order)."""
    if not isinstance(reply, list):
        return reply
    libraries = []
    for entry in reply:
        entry = _as_dict(entry)
        entry[b"functions"] = sorted(entry[b"functions"], key=repr)
        libraries.append(entry)
    return sorted(libraries, key=lambda entry: entry[b"library_name"])


def check_listing(differ, *args):
    real, mini = differ.both(*args)
    assert normal_listing(mini) == normal_listing(real), (args, real, mini)
    return mini


@pytest.fixture
def fdiffer(differ):
    """The differ, with no library loaded on either server."""
    differ.check("FUNCTION", "FLUSH")
    return differ


# ---------------------------------------------------------------- loading

BAD_LIBRARIES = [
    "no shebang",
    "#!lua name=x",
    "#!lua\n" + reg("a", ""),
    "#!lua name=x foo=bar\n" + reg("a", ""),
    "#!lua name=x name=y\n" + reg("a", ""),
    '#!lua name=x "name=y"\n' + reg("a", ""),
    "#!lua name=\n" + reg("a", ""),
    "#!lua name=a-b\n" + reg("a", ""),
    "#!js name=x\n" + reg("a", ""),
    "#!lua name=x 'unbalanced\n" + reg("a", ""),
    lib("x"),
    lib("x", "local y = 1"),
    lib("x", "this is bad"),
    lib("x", "redis.call('ping')"),
    lib("x", "redis.pcall('ping')"),
    lib("x", "redis.setresp(3)"),
    lib("x", "return redis.foo"),
    lib("x", "redis.foo = 1"),
    lib("x", "error('boom')"),
    lib("x", "local s = string.format('%d', 1)"),
    lib("x", "foo = 1"),
    lib("x", "while true do end"),
    lib("x", "redis.register_function('a', function() end, 'x')"),
    lib("x", "redis.register_function()"),
    lib("x", "redis.register_function('a')"),
    lib("x", "redis.register_function({}, function() end)"),
    lib("x", "redis.register_function('a', 1)"),
    lib("x", "redis.register_function('a-1', function() end)"),
    lib("x", "redis.register_function('', function() end)"),
    lib("x", "redis.register_function{function_name='a'}"),
    lib("x", "redis.register_function{callback=function() end}"),
    lib("x", "redis.register_function{[1]=1}"),
    lib("x", "redis.register_function{function_name={}, callback=function() end}"),
    lib("x", "redis.register_function{function_name='a', callback=1}"),
    lib("x", reg("a", "", description="x").replace("description=", "description2=")),
    lib(
        "x",
        "redis.register_function{function_name='a', callback=function() end, "
        "description={}}",
    ),
    lib("x", reg("a", "", flags=["bad"])),
    lib(
        "x",
        "redis.register_function{function_name='a', callback=function() end, "
        "flags='no-writes'}",
    ),
    lib(
        "x",
        "redis.register_function{function_name='a', callback=function() end, "
        "flags={1}}",
    ),
    lib("x", reg("a", ""), reg("a", "")),
]


@pytest.mark.parametrize("code", BAD_LIBRARIES)
def test_bad_libraries(fdiffer, code):
    reply = fdiffer.check("FUNCTION", "LOAD", code)
    assert fdiffer.check("FUNCTION", "LIST") == []
    assert reply.message.startswith("ERR ")


def test_load_list_delete(fdiffer):
    d = fdiffer
    d.check("FUNCTION", "LOAD", lib("first", reg("f1", "return 1")))
    d.check(
        "FUNCTION",
        "LOAD",
        lib(
            "second",
            reg("f2", "return 2", flags=["no-writes", "allow-oom"], description="two"),
            "redis.register_function('f3', function() return 3 end)",
            "redis.register_function(4, function() return 4 end)",
            reg("f5", "return 5", flags=[]),
            reg("f6", "", flags=["allow-stale", "no-cluster", "allow-cross-slot-keys"]),
        ),
    )
    d.check("FUNCTION", "LOAD", "#!LUA name=Third\n" + reg("f7", "return 7"))
    for args in [
        (),
        ("WITHCODE",),
        ("LIBRARYNAME", "s*"),
        ("libraryname", "*T*", "withcode"),
        ("withcode", "LIBRARYNAME", "nomatch"),
    ]:
        check_listing(d, "FUNCTION", "LIST", *args)
    for line in [
        ("FUNCTION", "LOAD", lib("first", reg("other", ""))),
        ("FUNCTION", "LOAD", lib("fourth", reg("F1", ""))),
        ("FUNCTION", "LOAD", "REPLACE", lib("fourth", reg("F1", ""))),
        ("FUNCTION", "LOAD", "REPLACE", lib("first", reg("F2", ""))),
        ("FUNCTION", "LOAD", "replace", lib("first", reg("F1", "return 'new'"))),
        ("FUNCTION", "LOAD", "REPLACE", "replace", lib("first", reg("g", "return 8"))),
        ("FUNCTION", "LOAD", "bad", lib("fifth", reg("h", ""))),
        ("FUNCTION", "LOAD", "REPLACE", "x", lib("fifth", reg("h", ""))),
        ("FUNCTION", "LOAD"),
        ("FCALL", "g", "0"),
        ("FCALL", "f1", "0"),
        ("FUNCTION", "LIST", "LIBRARYNAME"),
        ("FUNCTION", "LIST", "WITHCODE", "WITHCODE"),
        ("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"),
        ("FUNCTION", "LIST", "foo"),
        ("FUNCTION", "DELETE", "nosuch"),
        ("FUNCTION", "DELETE", "third"),
        ("FUNCTION", "DELETE", "Third"),
        ("FCALL", "f7", "0"),
        ("FUNCTION", "DELETE"),
        ("FUNCTION", "DELETE", "a", "b"),
        ("FUNCTION", "STATS"),
        ("FUNCTION", "STATS", "x"),
        ("FUNCTION", "FLUSH", "bad"),
        ("FUNCTION", "FLUSH", "SYNC", "x"),
        ("FUNCTION", "FLUSH", "async"),
        ("FUNCTION", "STATS"),
        ("FUNCTION", "FLUSH", "SYNC"),
        ("FUNCTION", "FLUSH"),
        ("FUNCTION", "KILL"),
        ("FUNCTION", "KILL", "x"),
        ("FUNCTION", "HELP"),
        ("FUNCTION", "HELP", "x"),
        ("FUNCTION", "nosuch"),
        ("FUNCTION",),
    ]:
        d.check(*line)
    check_listing(d, "FUNCTION", "LIST", "WITHCODE")


# ---------------------------------------------------------------- FCALL


def test_fcall(fdiffer):
    d = fdiffer
    d.check(
        "FUNCTION",
        "LOAD",
        lib(
            "calls",
            reg("echo", "return {keys, args}"),
            reg("setter", "return redis.call('set', keys[1], args[1])"),
            reg("getter", "return redis.call('get', keys[1])", flags=["no-writes"]),
            reg(
                "sneaky",
                "local r = redis.call('set', 'k', 'v') return r",
                flags=["no-writes"],
            ),
            reg("incr", "return redis.pcall('incr', keys[1])"),
            reg("oops", "error('oops')"),
            reg("globals", "local k = KEYS return k"),
            reg("assign", "x = 5"),
            reg("unknown", "local r = redis.call('nosuch') return r"),
            reg("nested", "local r = redis.call('fcall', 'echo', 0) return r"),
            reg("resp3", "redis.setresp(3) return redis.call('hgetall', keys[1])"),
            reg(
                "typed",
                "return {1, 'two', {ok='fine'}, {double=1.5}, false, true, 3.99}",
            ),
            reg("fails", "return redis.error_reply('MY error')"),
        ),
    )
    for line in [
        ("FCALL", "echo", "2", "a", "b", "c", "d"),
        ("FCALL", "ECHO", "0"),
        ("FCALL", "echo", "0", "x"),
        ("FCALL", "echo", "40", *many(64)),
        ("FCALL", "echo", "64", *many(65)),
        ("FCALL", "echo", "3000", *many(9000)),
        ("FCALL", "nosuch", "0"),
        ("FCALL", "nosuch", "x"),
        ("FCALL", "echo", "x"),
        ("FCALL", "echo", "1.5"),
        ("FCALL", "echo", "-1"),
        ("FCALL", "echo", "3", "a"),
        ("FCALL", "echo"),
        ("FCALL",),
        ("FCALL", "setter", "1", "k", "v"),
        ("FCALL_RO", "setter", "1", "k", "v"),
        ("FCALL_RO", "getter", "1", "k"),
        ("FCALL", "getter", "1", "k"),
        ("FCALL", "sneaky", "0"),
        ("FCALL_RO", "sneaky", "0"),
        ("FCALL_RO", "nosuch", "0"),
        ("SET", "str", "text"),
        ("FCALL", "incr", "1", "str"),
        ("FCALL", "incr", "1", "counter"),
        ("FCALL", "oops", "0"),
        ("FCALL", "globals", "0"),
        ("FCALL", "assign", "0"),
        ("FCALL", "unknown", "0"),
        ("FCALL", "nested", "0"),
        ("HSET", "h", "f", "v"),
        ("FCALL", "resp3", "1", "h"),
        ("FCALL", "typed", "0"),
        ("FCALL", "fails", "0"),
        ("EVAL", "return redis.call('fcall', 'echo', 0)", "0"),
        ("MULTI",),
        ("FCALL", "setter", "1", "m", "in-multi"),
        ("FCALL", "nosuch", "0"),
        ("FCALL_RO", "getter", "1", "m"),
        ("EXEC",),
        ("MULTI",),
        ("FCALL",),
        ("EXEC",),
        ("GET", "m"),
        ("GET", "k"),
        ("COMMAND", "GETKEYS", "FCALL", "echo", "2", "a", "b", "c"),
        ("COMMAND", "GETKEYS", "FCALL_RO", "echo", "0", "c"),
    ]:
        d.check(*line)


def test_fcall_after_flush_and_replace(fdiffer):
    d = fdiffer
    d.check("FUNCTION", "LOAD", lib("v", reg("version", "return 1")))
    d.check("FCALL", "version", "0")
    d.check("FUNCTION", "LOAD", "REPLACE", lib("v", reg("version", "return 2")))
    d.check("FCALL", "version", "0")
    d.check("FLUSHALL")
    d.check("FCALL", "version", "0")
    d.check("FUNCTION", "FLUSH")
    d.check("FCALL", "version", "0")


# ---------------------------------------------------------------- DUMP/RESTORE


def test_dump_and_restore(fdiffer):
    d = fdiffer
    d.check("FUNCTION", "DUMP")
    d.check("FUNCTION", "LOAD", lib("one", reg("f1", "return 1")))
    # one library: with two, which collision Redis names depends on its hashing
    real_payload, mini_payload = d.both("FUNCTION", "DUMP")
    d.check("FUNCTION", "LOAD", lib("two", reg("f2", "return 2")))
    d.check("FUNCTION", "LOAD", lib("three", reg("f3", "return 3")))
    for payload in (real_payload, mini_payload):
        for line in [
            ("FUNCTION", "RESTORE", payload),
            ("FUNCTION", "RESTORE", payload, "APPEND"),
            ("FUNCTION", "RESTORE", payload, "bad"),
            ("FUNCTION", "RESTORE", payload, "FLUSH", "x"),
            ("FUNCTION", "RESTORE", payload + b"x"),
            ("FUNCTION", "RESTORE", payload[:-1] + b"\x00"),
            ("FUNCTION", "RESTORE", "short"),
            ("FUNCTION", "RESTORE", payload, "replace"),
            ("FCALL", "f3", "0"),
            ("FUNCTION", "RESTORE", payload, "FLUSH"),
            ("FCALL", "f3", "0"),
            ("FCALL", "f2", "0"),
            ("FCALL", "f1", "0"),
        ]:
            d.check(*line)
        check_listing(d, "FUNCTION", "LIST", "WITHCODE")
        d.check("FUNCTION", "FLUSH")
        d.check("FUNCTION", "LOAD", lib("other", reg("f1", "return 'clash'")))
        d.check("FUNCTION", "RESTORE", payload)
        d.check("FUNCTION", "RESTORE", payload, "REPLACE")
        d.check("FCALL", "f1", "0")
        d.check("FUNCTION", "FLUSH")
        d.check("FUNCTION", "LOAD", lib("three", reg("f3", "return 3")))


def test_restore_payloads_that_are_not_functions(fdiffer):
    d = fdiffer
    d.check("SET", "k", "value")
    real_key, _ = d.both("DUMP", "k")
    d.check("FUNCTION", "RESTORE", real_key)
    d.check("FUNCTION", "LOAD", lib("one", reg("f1", "return 1")))
    payload, _ = d.both("FUNCTION", "DUMP")
    d.check("FUNCTION", "RESTORE", payload[:-10] * 2 + payload[-10:])
    d.check("RESTORE", "key", "0", payload)


# ---------------------------------------------------------------- busy functions

THRESHOLD = ("--busy-reply-threshold", "100")
SPIN = lib(
    "spin",
    reg("spin", "while true do end"),
    reg("spin_ro", "while true do end", flags=["no-writes"]),
    reg("write_then_spin", "redis.call('set', 'x', '1') while true do end"),
)


@pytest.fixture(scope="module")
def busy_servers(tmp_path_factory):
    pair = (
        redis_process(str(tmp_path_factory.mktemp("fk-redis")), *THRESHOLD).start(),
        miniredis_process(str(tmp_path_factory.mktemp("fk-mini")), *THRESHOLD).start(),
    )
    for server in pair:
        conn = RawConnection(server.port)
        assert conn.call("FUNCTION", "LOAD", SPIN) == b"spin"
        conn.close()
    yield pair
    for server in pair:
        server.stop()


def _until_busy(port):
    other = RawConnection(port)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            reply = other.call("PING")
            if reply != b"PONG":
                return reply
            time.sleep(0.02)
    finally:
        other.close()
    raise AssertionError("the function never made the server busy")


def _stats_shape(reply):
    """FUNCTION STATS with the running time left out."""
    if not isinstance(reply, (list, dict)):
        return reply
    stats = _as_dict(reply)
    running = stats[b"running_script"]
    if running is not None:
        running = _as_dict(running)
        assert running.pop(b"duration_ms") >= 0
        stats[b"running_script"] = running
    return stats


def _busy_session(port, request, proto):
    """Run C{request}, probe the busy server, kill it; @return: the replies."""
    runner = RawConnection(port, proto)
    runner.send(*request)
    seen = [_until_busy(port)]
    other = RawConnection(port, proto)
    seen.append(_stats_shape(other.call("FUNCTION", "STATS")))
    seen.append(other.call("FUNCTION", "LIST"))
    function = request[0].startswith("FCALL")
    seen.append(other.call("SCRIPT" if function else "FUNCTION", "KILL"))
    seen.append(other.call("FUNCTION" if function else "SCRIPT", "KILL"))
    seen.append(runner.read())
    seen.append(other.call("PING"))
    seen.append(_stats_shape(other.call("FUNCTION", "STATS")))
    runner.close()
    other.close()
    return seen


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize(
    "request_",
    [
        ("FCALL", "spin", "1", "key"),
        ("FCALL_RO", "spin_ro", "0"),
        ("EVAL", "while true do end", "0"),
    ],
    ids=["fcall", "fcall_ro", "eval"],
)
def test_function_kill(busy_servers, request_, proto):
    real, mini = (_busy_session(s.port, request_, proto) for s in busy_servers)
    assert mini == real
    assert mini[-2] == b"PONG"


def test_a_function_that_wrote_cannot_be_killed(tmp_path):
    results = []
    for start in (redis_process, miniredis_process):
        directory = tmp_path / start.__name__
        directory.mkdir()
        server = start(str(directory), *THRESHOLD).start()
        conn = RawConnection(server.port)
        assert conn.call("FUNCTION", "LOAD", SPIN) == b"spin"
        conn.close()
        runner = RawConnection(server.port)
        runner.send("FCALL", "write_then_spin", "0")
        busy = _until_busy(server.port)
        other = RawConnection(server.port)
        results.append((busy, other.call("FUNCTION", "KILL")))
        other.send("SHUTDOWN", "NOSAVE")
        runner.close()
        other.close()
        server.process.wait(10)
    assert results[1] == results[0]
    assert results[1][1].message.startswith("UNKILLABLE ")


# ---------------------------------------------------------------- maxmemory

OOM_LIBRARY = lib(
    "oom",
    reg("plain", "return redis.call('set', keys[1], 'v')"),
    reg("allowed", "return redis.call('set', keys[1], 'v')", flags=["allow-oom"]),
    reg("reader", "return redis.call('get', keys[1])", flags=["no-writes"]),
)


def test_allow_oom(tmp_path):
    replies = []
    for start in (redis_process, miniredis_process):
        directory = tmp_path / start.__name__
        directory.mkdir()
        server = start(str(directory)).start()
        try:
            conn = RawConnection(server.port)
            seen = [conn.call("FUNCTION", "LOAD", OOM_LIBRARY)]
            seen.append(conn.call("CONFIG", "SET", "maxmemory", "1"))
            for line in [
                ("FCALL", "plain", "1", "a"),
                ("FCALL", "allowed", "1", "b"),
                ("FCALL", "reader", "1", "b"),
                ("FCALL_RO", "reader", "1", "b"),
                ("FUNCTION", "LOAD", lib("more", reg("m", ""))),
                ("FUNCTION", "DELETE", "oom"),
            ]:
                seen.append(conn.call(*line))
            conn.close()
            replies.append(seen)
        finally:
            server.stop()
    assert replies[1] == replies[0]
    assert replies[1][2].message.startswith("OOM ")


# ---------------------------------------------------------------- RDB and AOF

PERSISTED = lib(
    "kept",
    reg("kept_get", "return redis.call('get', keys[1])", flags=["no-writes"]),
    reg("kept_set", "return redis.call('set', keys[1], args[1])", description="d"),
)


def _listing_and_call(conn):
    return (
        normal_listing(conn.call("FUNCTION", "LIST", "WITHCODE")),
        conn.call("FCALL", "kept_get", "1", "k"),
    )


def test_rdb_both_ways(tmp_path):
    """A library saved by one server loads in the other, and back."""
    first = tmp_path / "first"
    first.mkdir()
    real = redis_process(str(first), "--dbfilename", "dump.rdb").start()
    try:
        conn = RawConnection(real.port)
        assert conn.call("FUNCTION", "LOAD", PERSISTED) == b"kept"
        assert conn.call("FCALL", "kept_set", "1", "k", "v") == b"OK"
        expected = _listing_and_call(conn)
        assert conn.call("SAVE") == b"OK"
        conn.close()
    finally:
        real.stop()
    mini = miniredis_process(str(first)).start()
    try:
        conn = RawConnection(mini.port)
        assert _listing_and_call(conn) == expected
        assert conn.call("SAVE") == b"OK"
        conn.close()
    finally:
        mini.stop()
    real = redis_process(str(first), "--dbfilename", "dump.rdb").start()
    try:
        conn = RawConnection(real.port)
        assert _listing_and_call(conn) == expected
        conn.close()
    finally:
        real.stop()


def test_aof_logs_and_rewrites_libraries(tmp_path):
    server = Server(tmp_path, appendonly=True)
    assert server.call("FUNCTION", "LOAD", PERSISTED) == b"kept"
    assert server.call("FCALL", "kept_set", "1", "k", "v") == b"OK"
    assert server.call("FUNCTION", "LOAD", lib("gone", reg("g", ""))) == b"gone"
    assert server.call("FUNCTION", "DELETE", "gone") == b"OK"
    logged = commands_of(server.aof())
    assert [b"FUNCTION", b"LOAD", PERSISTED.encode()] in logged
    assert [b"FUNCTION", b"DELETE", b"gone"] in logged
    server.call("BGREWRITEAOF")
    server.settle()
    assert commands_of(server.aof()) == [
        [b"FUNCTION", b"LOAD", PERSISTED.encode()],
        [b"SELECT", b"0"],
        [b"SET", b"k", b"v"],
    ]
    server.call("FUNCTION", "LOAD", lib("late", reg("late", "return 1")))
    server.stop()
    again = Server(tmp_path, appendonly=True)
    assert again.call("FCALL", "kept_get", "1", "k") == b"v"
    assert again.call("FCALL", "late", "0") == 1
    again.stop()


def test_redis_aof_loads(tmp_path):
    """The AOF redis-server writes for functions loads in miniredis."""
    real = redis_process(
        str(tmp_path), "--appendonly", "yes", "--aof-use-rdb-preamble", "no"
    ).start()
    try:
        conn = RawConnection(real.port)
        assert conn.call("FUNCTION", "LOAD", PERSISTED) == b"kept"
        assert conn.call("FCALL", "kept_set", "1", "k", "v") == b"OK"
        assert conn.call("BGREWRITEAOF").startswith(b"Background")
        deadline = time.time() + 10
        while b"aof_rewrite_in_progress:0" not in conn.call("INFO", "persistence"):
            assert time.time() < deadline
            time.sleep(0.05)
        conn.call("FUNCTION", "LOAD", lib("late", reg("late", "return 1")))
        expected = _listing_and_call(conn)
        conn.close()
    finally:
        real.stop()
    folder = tmp_path / "appendonlydir"
    parts = sorted(os.listdir(str(folder)))
    data = b"".join(
        (folder / name).read_bytes() for name in parts if not name.endswith("manifest")
    )
    mini_dir = tmp_path / "mini"
    mini_dir.mkdir()
    (mini_dir / "appendonly.aof").write_bytes(data)
    mini = miniredis_process(str(mini_dir), "--appendonly", "yes").start()
    try:
        conn = RawConnection(mini.port)
        assert _listing_and_call(conn) == expected
        assert conn.call("FCALL", "late", "0") == 1
        conn.close()
    finally:
        mini.stop()


# ---------------------------------------------------------------- state machine

LIBRARY_NAMES = st.sampled_from(["alpha", "beta", "gamma"])
# (not "f" and "F": one library registering both, FCALL crashes redis-server 7.0.15)
FUNCTION_NAMES = st.sampled_from(["f", "g", "h"])
BODIES = {
    "incr": ("return redis.call('incrby', keys[1], args[1] or 1)", None),
    "read": ("return redis.call('get', keys[1])", ["no-writes"]),
    "sneak": ("return redis.call('set', keys[1], 'x')", ["no-writes"]),
    "echo": ("return {keys, args}", ["no-writes", "allow-oom"]),
}


def _same_collision(real, mini):
    """Two errors naming a colliding function or library, maybe not the same."""
    return (
        isinstance(real, ReplyError)
        and isinstance(mini, ReplyError)
        and real.message.split()[:2] == mini.message.split()[:2]
        and real.message.endswith("already exists")
        and mini.message.endswith("already exists")
    )


class FunctionMachine(DifferMachine):
    """Random libraries loaded, replaced, deleted, restored and called."""

    setup = (("FUNCTION", "FLUSH"),)

    def __init__(self):
        super().__init__()
        self.payloads = []

    @invariant()
    def same_libraries(self):
        check_listing(self.differ, "FUNCTION", "LIST", "WITHCODE")
        self.differ.check("FUNCTION", "STATS")

    @rule(
        name=LIBRARY_NAMES,
        functions=st.lists(
            st.tuples(FUNCTION_NAMES, st.sampled_from(sorted(BODIES))),
            min_size=1,
            max_size=2,
        ),
        replace=st.booleans(),
    )
    def load(self, name, functions, replace):
        lines = [reg(fn, *BODIES[body]) for fn, body in functions]
        args = ["FUNCTION", "LOAD"] + (["REPLACE"] if replace else [])
        real, mini = self.differ.both(*(args + [lib(name, *lines)]))
        assert mini == real or _same_collision(real, mini), (real, mini)

    @rule(name=LIBRARY_NAMES)
    def delete(self, name):
        self.differ.check("FUNCTION", "DELETE", name)

    @rule()
    def flush(self):
        self.differ.check("FUNCTION", "FLUSH")

    @rule(
        name=st.sampled_from(["FCALL", "FCALL_RO"]),
        function=FUNCTION_NAMES,
        keys=st.lists(st.sampled_from(["k1", "k2"]), max_size=2),
        args=st.lists(st.sampled_from(["1", "5", "x"]), max_size=2),
    )
    def call(self, name, function, keys, args):
        self.differ.check(name, function, str(len(keys)), *(keys + args))

    @rule()
    def dump(self):
        real, _ = self.differ.both("FUNCTION", "DUMP")
        self.payloads.append(real)

    @precondition(lambda self: self.payloads)
    @rule(data=st.data(), policy=st.sampled_from([(), ("FLUSH",), ("REPLACE",)]))
    def restore(self, data, policy):
        payload = data.draw(st.sampled_from(self.payloads))
        real, mini = self.differ.both("FUNCTION", "RESTORE", payload, *policy)
        assert mini == real or _same_collision(real, mini), (real, mini)


def test_function_machine(differ):
    run_machine(FunctionMachine, differ)


def test_a_slow_library_loads_from_the_aof(tmp_path):
    """FUNCTION LOAD has a time limit for clients, none when the AOF loads."""
    slow = lib(
        "slow", "local n = 0", "for i = 1, 3e8 do n = n + 1 end", reg("s", "return 1")
    )
    (tmp_path / "appendonly.aof").write_bytes(
        b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$%d\r\n%s\r\n"
        % (len(slow), slow.encode())
    )
    server = Server(tmp_path, appendonly=True)
    assert server.call("FCALL", "s", "0") == 1
    refused = server.call("FUNCTION", "LOAD", "REPLACE", slow)
    assert refused.message == (
        "ERR Error registering functions: ERR FUNCTION LOAD timeout"
    )
    server.stop()
