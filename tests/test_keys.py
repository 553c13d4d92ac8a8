"""
Keyspace commands: unit tests on a fake clock, differential tests against
Redis, and a state machine issuing random string and key commands to both.
"""

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from miniredis import glob
from miniredis.commands.keys import idle_seconds
from miniredis.quicklist import QuickList
from miniredis.resp import ReplyError, Status
from miniredis.store import Store, Typed
from miniredis.zset import ZSet
from tests.differential import Differ
from tests.local import Local


def put(server, key, value, db=0):
    """Store a value directly (for types whose commands live elsewhere)."""
    server.store.db(db).set(key, value)


# ---------------------------------------------------------------- unit


def test_existence(server):
    call = server.call
    call("MSET", "a", "1", "b", "2")
    assert call("EXISTS", "a", "a", "b", "c") == 3
    assert call("TOUCH", "a", "a", "c") == 2
    assert call("DEL", "a", "a", "c") == 1
    assert call("UNLINK", "b", "b") == 1
    assert call("DBSIZE") == 0


def test_type_of_every_kind(server):
    put(server, b"l", QuickList([b"a"]))
    put(server, b"h", {b"f": b"v"})
    put(server, b"s", {b"m"})
    put(server, b"z", ZSet([(b"m", 1.0)]))
    put(server, b"t", Typed([1]))
    server.call("SET", "str", "v")
    kinds = [server.call("TYPE", k) for k in ("l", "h", "s", "z", "t", "str", "no")]
    assert kinds == [
        Status(b"list"),
        Status(b"hash"),
        Status(b"set"),
        Status(b"zset"),
        Status(b"string"),
        Status(b"string"),
        Status(b"none"),
    ]


def test_aggregate_encodings_follow_the_config():
    server = Local(
        hash_max_listpack_entries=2,
        hash_max_listpack_value=3,
        set_max_intset_entries=2,
        zset_max_listpack_entries=2,
        zset_max_listpack_value=3,
    )
    try:
        values = {
            b"list": QuickList([b"a"]),
            b"hash": {b"f": b"v", b"g": b"w"},
            b"hash-many": {b"a": b"1", b"b": b"2", b"c": b"3"},
            b"hash-long": {b"f": b"long"},
            b"intset": {b"1", b"-2"},
            b"intset-many": {b"1", b"2", b"3"},
            b"set-text": {b"1", b"x"},
            b"zset": ZSet([(b"a", 1.0), (b"b", 2.0)]),
            b"zset-many": ZSet([(b"a", 1.0), (b"b", 2.0), (b"c", 3.0)]),
            b"zset-long": ZSet([(b"long", 1.0)]),
        }
        for key, value in values.items():
            put(server, key, value)
        found = [server.call("OBJECT", "ENCODING", key) for key in values]
        assert found == [
            b"quicklist",
            b"listpack",
            b"hashtable",
            b"hashtable",
            b"intset",
            b"hashtable",
            b"hashtable",
            b"listpack",
            b"skiplist",
            b"skiplist",
        ]
        assert server.call("OBJECT", "REFCOUNT", "list") == 1
    finally:
        server.close()


def test_shared_integers_follow_the_memory_policy():
    # With noeviction small integers are shared; under a limit with an LRU
    # or LFU policy each key needs its own stamp, so none is.
    server = Local(maxmemory=1 << 30, maxmemory_policy="noeviction")
    try:
        server.call("SET", "n", "5")
        assert server.call("OBJECT", "REFCOUNT", "n") == 2147483647
        server.call("COPY", "n", "m")
        assert server.call("OBJECT", "REFCOUNT", "m") == 1
        assert server.call("OBJECT", "ENCODING", "m") == b"int"
        server.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
        assert server.call("OBJECT", "REFCOUNT", "n") == 2147483647
        server.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        server.call("SET", "o", "6")
        assert server.call("OBJECT", "REFCOUNT", "o") == 1
    finally:
        server.close()


def test_idletime(server):
    call = server.call
    call("MSET", "a", "1", "b", "2")
    server.advance(30)
    for args in (
        ("TYPE", "a"),
        ("EXISTS", "a"),
        ("TTL", "a"),
        ("OBJECT", "ENCODING", "a"),
    ):
        call(*args)  # none of these counts as an access
    call("GET", "b")
    assert call("OBJECT", "IDLETIME", "a") == 30
    assert call("OBJECT", "IDLETIME", "b") == 0
    call("RENAME", "a", "c")  # reading the source is an access
    call("MOVE", "c", "1")
    call("SELECT", "1")
    server.advance(5)
    assert call("OBJECT", "IDLETIME", "c") == 5
    call("TOUCH", "c")
    assert call("OBJECT", "IDLETIME", "c") == 0
    assert call("OBJECT", "IDLETIME", "nokey") is None


def test_lfu_policy(server):
    call = server.call
    call("SET", "k", "v")
    not_lfu = call("OBJECT", "FREQ", "k")
    assert not_lfu.message.startswith("ERR An LFU maxmemory policy is not selected")
    call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    assert call("OBJECT", "FREQ", "k") == 5
    server.advance(150)
    assert call("OBJECT", "FREQ", "k") == 3
    idle = call("OBJECT", "IDLETIME", "k")
    assert idle.message.startswith("ERR An LFU maxmemory policy is selected")


def test_rename_keeps_deadline_and_watchers(server):
    call = server.call
    other = server.connect()
    call("SET", "a", "1", "EX", "100")
    call("SET", "b", "2")
    other.call("WATCH", "b")
    assert call("RENAME", "a", "b") == b"OK"
    assert call("TTL", "b") == 100
    assert call("EXISTS", "a") == 0
    other.call("MULTI")
    other.call("GET", "b")
    assert other.call("EXEC") is None
    assert call("RENAMENX", "b", "b") == 0
    assert call("RENAME", "b", "b") == b"OK"
    assert call("RENAME", "nokey", "x") == ReplyError("ERR no such key")


def test_copy_is_deep(server):
    call = server.call
    put(server, b"l", QuickList([b"a"]))
    put(server, b"t", Typed([1, [2]]))
    put(server, b"z", ZSet([(b"m", 1.0)]))
    call("PEXPIRE", "l", "100000")
    assert call("COPY", "l", "l2", "DB", "3") == 1
    assert call("COPY", "t", "t2") == 1
    assert call("COPY", "z", "z2") == 1
    server.store.db(0).data[b"l"].append(b"b")
    server.store.db(0).data[b"t"].value[1].append(3)
    server.store.db(0).data[b"z"].add(b"n", 2.0)
    assert server.store.db(3).data[b"l2"] == QuickList([b"a"])
    assert server.store.db(3).expires.deadlines[b"l2"] == server.now_ms() + 100000
    assert call("GET", "t2") == [1, [2]]
    assert len(server.store.db(0).data[b"z2"]) == 1
    assert call("COPY", "t", "t2") == 0
    assert call("COPY", "t", "t2", "REPLACE") == 1
    assert call("GET", "t2") == [1, [2, 3]]


def test_blocked_clients_are_served_by_keys_arriving(server):
    call = server.call
    waiting = server.connect()

    def served(*commands):
        for args in commands:
            call(*args)
        replies = waiting.replies()
        server.advance(0)  # the waiting client goes on with its requests
        return replies

    waiting.send("BLPOP", "dst", "0")
    assert served(("RPUSH", "src", "1"), ("RENAME", "src", "dst")) == [[b"dst", b"1"]]
    waiting.send("BLPOP", "copied", "0")
    assert served(("RPUSH", "src", "2"), ("COPY", "src", "copied")) == [
        [b"copied", b"2"]
    ]
    waiting.call("SELECT", "1")
    waiting.send("BLPOP", "src", "0")
    assert served(
        ("MOVE", "src", "1"),
    ) == [[b"src", b"2"]]
    waiting.send("BLPOP", "swapped", "0")
    assert served(("RPUSH", "swapped", "3"), ("SWAPDB", "0", "1")) == [
        [b"swapped", b"3"]
    ]


def test_swapdb_moves_deadlines(server):
    call = server.call
    call("SET", "a", "1", "EX", "100")
    call("SELECT", "2")
    call("SET", "b", "2")
    assert call("SWAPDB", "0", "2") == b"OK"
    assert call("GET", "a") == b"1"
    assert call("TTL", "a") == 100
    call("SELECT", "0")
    assert call("GET", "b") == b"2"


def test_what_persistence_is_given(server):
    call = server.call
    now = server.now_ms()
    call("SET", "k", "v")
    call("EXPIRE", "k", "100")
    call("EXPIRE", "k", "50", "GT")  # not done: nothing
    call("EXPIRE", "nokey", "100")
    call("PEXPIRE", "k", "100")
    call("EXPIREAT", "k", "2000000000")
    call("PERSIST", "k")
    call("PEXPIREAT", "k", "1")
    call("FLUSHDB")
    call("FLUSHALL", "ASYNC")
    call("SWAPDB", "1", "1")
    assert server.logged == [
        (0, [b"SET", b"k", b"v"]),
        (0, [b"PEXPIREAT", b"k", b"%d" % (now + 100000)]),
        (0, [b"PEXPIREAT", b"k", b"%d" % (now + 100)]),
        (0, [b"PEXPIREAT", b"k", b"2000000000000"]),
        (0, [b"PERSIST", b"k"]),
        (0, [b"DEL", b"k"]),
        (0, [b"FLUSHDB"]),
        (0, [b"FLUSHALL", b"ASYNC"]),
        (0, [b"SWAPDB", b"1", b"1"]),
    ]


def test_scan_iterates_everything_once(server):
    call = server.call
    for i in range(100):
        call("SET", "key:%d" % i, "v")
    put(server, b"list:1", QuickList([b"a"]))
    seen = []
    cursor = b"0"
    while True:
        cursor, keys = call("SCAN", cursor, "COUNT", "7", "MATCH", "key:*")
        assert len(keys) <= 7
        seen += keys
        if cursor == b"0":
            break
    assert sorted(seen) == sorted(b"key:%d" % i for i in range(100))
    assert call("SCAN", "0", "TYPE", "list", "COUNT", "200") == [b"0", [b"list:1"]]
    assert call("SCAN", "0", "TYPE", "STRING", "COUNT", "1000")[1] != []


def test_keys_and_randomkey_skip_expired_keys(server):
    call = server.call
    call("SET", "gone", "x", "PX", "10")
    call("SET", "here", "y")
    server.clock.advance(0.011)
    db = server.store.db(0)
    db.data[b"stale"] = b"z"  # past its deadline, not yet removed
    db.expires.set(b"stale", server.now_ms() - 1)
    assert call("KEYS", "*") == [b"here"]
    assert call("DBSIZE") == 3  # as Redis: not yet reclaimed keys count
    for _ in range(10):
        assert call("RANDOMKEY") == b"here"
    assert call("SCAN", "0") == [b"0", [b"here"]]
    assert call("DBSIZE") == 1


def test_arity(server):
    for args in [
        ("DEL",),
        ("UNLINK",),
        ("EXISTS",),
        ("TOUCH",),
        ("TYPE",),
        ("KEYS",),
        ("DBSIZE", "x"),
        ("RANDOMKEY", "x"),
        ("SCAN",),
        ("SWAPDB", "0"),
        ("RENAME", "a"),
        ("RENAMENX", "a"),
        ("COPY", "a"),
        ("MOVE", "a"),
        ("EXPIRE", "a"),
        ("PEXPIRE", "a"),
        ("EXPIREAT", "a"),
        ("PEXPIREAT", "a"),
        ("TTL",),
        ("PTTL", "a", "b"),
        ("EXPIRETIME",),
        ("PEXPIRETIME",),
        ("PERSIST",),
        ("OBJECT",),
    ]:
        assert server.call(*args) == ReplyError(
            "ERR wrong number of arguments for '%s' command" % (args[0].lower(),)
        ), args
    assert server.call("OBJECT", "ENCODING") == ReplyError(
        "ERR wrong number of arguments for 'object|encoding' command"
    )
    assert server.call("OBJECT", "NOPE", "k") == ReplyError(
        "ERR unknown subcommand 'NOPE'. Try OBJECT HELP."
    )


# ---------------------------------------------------------------- differential


def test_existence_like_redis(differ):
    differ.run(
        [
            ("MSET", "a", "1", "b", "2", "c", "3"),
            ("EXISTS", "a", "a", "nokey", "b"),
            ("TOUCH", "a", "a", "nokey"),
            ("TYPE", "a"),
            ("TYPE", "nokey"),
            ("DEL", "a", "a", "nokey"),
            ("UNLINK", "b", "nokey", "b"),
            ("DBSIZE",),
            ("DEL", "nokey"),
            ("DEL", "c"),
            ("DBSIZE",),
        ]
    )


def test_keys_patterns(differ):
    differ.check(
        "MSET",
        *[
            part
            for key in (
                "hello",
                "hallo",
                "hxllo",
                "hllo",
                "heeeello",
                "a*b",
                "a?b",
                "x[y",
                "",
                "Hello",
            )
            for part in (key, "v")
        ],
    )
    for pattern in [
        "*",
        "h?llo",
        "h*llo",
        "h[ae]llo",
        "h[^e]llo",
        "h[a-b]llo",
        "h[b-a]llo",
        "a\\*b",
        "a\\?b",
        "x\\[y",
        "",
        "*llo",
        "[Hh]ello",
        "nomatch*",
    ]:
        differ.check("KEYS", pattern, unordered=True)


def test_flushing(differ):
    differ.run(
        [
            ("SET", "a", "1"),
            ("SELECT", "1"),
            ("SET", "b", "1"),
            ("FLUSHDB", "foo"),
            ("FLUSHDB", "async", "sync"),
            ("FLUSHDB", "SYNC"),
            ("DBSIZE",),
            ("SELECT", "0"),
            ("DBSIZE",),
            ("FLUSHALL", "nope"),
            ("FLUSHALL", "async"),
            ("DBSIZE",),
            ("FLUSHDB",),
            ("FLUSHALL",),
        ]
    )


def test_rename(differ):
    differ.run(
        [
            ("RENAME", "nokey", "x"),
            ("RENAME", "nokey", "nokey"),
            ("RENAMENX", "nokey", "nokey"),
            ("SET", "a", "1", "EX", "100"),
            ("SET", "b", "2"),
            ("RENAME", "a", "a"),
            ("RENAMENX", "a", "a"),
            ("RENAMENX", "a", "b"),
            ("RENAME", "a", "b"),
            ("GET", "b"),
            ("TTL", "b"),
            ("EXISTS", "a"),
            ("SET", "c", "3"),
            ("EXPIRE", "c", "50"),
            ("RENAME", "b", "c"),
            ("TTL", "c"),
            ("RENAMENX", "c", "d"),
            ("GET", "d"),
            ("TTL", "d"),
            ("SETRANGE", "r", "0", "12"),
            ("RENAME", "r", "r2"),
            ("OBJECT", "ENCODING", "r2"),
        ]
    )


def test_copy(differ):
    differ.run(
        [
            ("SET", "k", "v", "EX", "100"),
            ("COPY", "k", "k"),
            ("COPY", "k", "k", "DB", "0"),
            ("COPY", "nokey", "nokey"),
            ("COPY", "k", "k2", "DB"),
            ("COPY", "k", "k2", "DB", "abc"),
            ("COPY", "k", "k2", "DB", "16"),
            ("COPY", "k", "k2", "DB", "-1"),
            ("COPY", "nokey", "x", "DB", "16"),
            ("COPY", "k", "k2", "FOO"),
            ("COPY", "nokey", "x"),
            ("COPY", "k", "k", "DB", "1"),
            ("COPY", "k", "k2"),
            ("TTL", "k2"),
            ("SET", "other", "o"),
            ("COPY", "other", "k2"),
            ("COPY", "other", "k2", "REPLACE"),
            ("GET", "k2"),
            ("TTL", "k2"),
            ("COPY", "other", "k2", "replace", "db", "0", "REPLACE"),
            ("SET", "n", "7"),
            ("COPY", "n", "n2"),
            ("OBJECT", "REFCOUNT", "n2"),
            ("OBJECT", "ENCODING", "n2"),
            ("APPEND", "n", "1"),
            ("COPY", "n", "n3"),
            ("OBJECT", "ENCODING", "n3"),
            ("SELECT", "1"),
            ("GET", "k"),
            ("TTL", "k"),
        ]
    )


def test_move_and_swapdb(differ):
    differ.run(
        [
            ("SET", "k", "v", "EX", "100"),
            ("MOVE", "k", "3000000000"),
            ("MOVE", "k", "abc"),
            ("MOVE", "k", "16"),
            ("MOVE", "k", "-1"),
            ("MOVE", "k", "0"),
            ("MOVE", "nokey", "0"),
            ("MOVE", "nokey", "1"),
            ("MOVE", "k", "1"),
            ("EXISTS", "k"),
            ("SET", "k", "again"),
            ("MOVE", "k", "1"),
            ("SELECT", "1"),
            ("GET", "k"),
            ("TTL", "k"),
            ("SWAPDB", "0", "abc"),
            ("SWAPDB", "abc", "0"),
            ("SWAPDB", "99", "abc"),
            ("SWAPDB", "3000000000", "0"),
            ("SWAPDB", "0", "16"),
            ("SWAPDB", "-1", "0"),
            ("SWAPDB", "1", "1"),
            ("SWAPDB", "0", "1"),
            ("GET", "k"),
            ("TTL", "k"),
            ("SELECT", "0"),
            ("GET", "k"),
        ]
    )


def test_expire_family(differ):
    differ.run(
        [
            ("EXPIRE", "nokey", "100"),
            ("EXPIRE", "nokey", "abc"),
            ("SET", "k", "v"),
            ("PERSIST", "k"),
            ("PEXPIRETIME", "k"),
            ("EXPIRE", "k", "100"),
            ("EXPIRE", "k", "50", "GT"),
            ("EXPIRE", "k", "50", "LT"),
            ("EXPIRE", "k", "500", "NX"),
            ("EXPIRE", "k", "500", "XX"),
            ("TTL", "k"),
            ("PERSIST", "k"),
            ("EXPIRE", "k", "500", "GT"),
            ("EXPIRE", "k", "500", "XX"),
            ("EXPIRE", "k", "500", "LT"),
            ("EXPIRE", "k", "400", "gt", "xx"),
            ("EXPIRE", "k", "600", "gt", "xx"),
            ("EXPIRE", "k", "10", "NX", "XX"),
            ("EXPIRE", "k", "10", "GT", "LT"),
            ("EXPIRE", "k", "10", "lt", "nx"),
            ("EXPIRE", "k", "10", "FOO"),
            ("EXPIRE", "k", "abc", "foo"),
            ("EXPIRE", "nokey", "abc", "foo"),
            ("EXPIRE", "k", "1.5"),
            ("EXPIRE", "k", "9223372036854775807"),
            ("EXPIRE", "k", "-9223372036854775808"),
            ("PEXPIRE", "k", "9223372036854775807"),
            ("EXPIREAT", "k", "9223372036854775807"),
            ("PEXPIREAT", "k", "9223372036854775807"),
            ("EXPIRETIME", "k"),
            ("PEXPIRETIME", "k"),
            ("EXPIREAT", "k", "9223372036854775"),
            ("EXPIRETIME", "k"),
            ("PEXPIREAT", "k", "99999999999499"),
            ("EXPIRETIME", "k"),
            ("PEXPIREAT", "k", "99999999999500"),
            ("EXPIRETIME", "k"),
            ("EXPIRE", "k", "0"),
            ("EXISTS", "k"),
            ("SET", "k", "v"),
            ("EXPIRE", "k", "-9223372036854775"),
            ("EXISTS", "k"),
            ("SET", "k", "v"),
            ("PEXPIRE", "k", "-1"),
            ("GET", "k"),
            ("SET", "k", "v"),
            ("EXPIREAT", "k", "1"),
            ("TTL", "k"),
            ("SET", "k", "v"),
            ("PEXPIREAT", "k", "0", "NX"),
            ("EXISTS", "k"),
            ("SET", "k", "v", "EX", "100"),
            ("EXPIRE", "k", "-1", "GT"),
            ("EXPIRE", "k", "-1", "LT"),
            ("EXISTS", "k"),
            ("TTL", "nokey"),
            ("PTTL", "nokey"),
            ("EXPIRETIME", "nokey"),
            ("PEXPIRETIME", "nokey"),
            ("PERSIST", "nokey"),
        ]
    )


def test_object(differ):
    differ.run(
        [
            ("OBJECT", "HELP"),
            ("OBJECT", "help", "x"),
            ("OBJECT", "ENCODING"),
            ("OBJECT",),
            ("OBJECT", "FOO", "k"),
            ("OBJECT", "ENCODING", "nokey"),
            ("OBJECT", "REFCOUNT", "nokey"),
            ("OBJECT", "IDLETIME", "nokey"),
            ("OBJECT", "FREQ", "nokey"),
            ("SET", "k", "v"),
            ("OBJECT", "ENCODING", "k"),
            ("OBJECT", "REFCOUNT", "k"),
            ("OBJECT", "IDLETIME", "k"),
            ("OBJECT", "FREQ", "k"),
        ]
    )


def test_object_under_lfu(differ):
    try:
        differ.run(
            [
                ("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"),
                ("SET", "k", "v"),
                ("OBJECT", "FREQ", "k"),
                ("OBJECT", "IDLETIME", "k"),
            ]
        )
    finally:
        differ.both("CONFIG", "SET", "maxmemory-policy", "noeviction")


_MAKE = {
    "RPUSH": lambda key, items: ("RPUSH", key, *items),
    "HSET": lambda key, items: ("HSET", key, *[p for i in items for p in (i, i)]),
    "SADD": lambda key, items: ("SADD", key, *items),
    "ZADD": lambda key, items: ("ZADD", key, *[p for i in items for p in ("1", i)]),
}


@pytest.mark.parametrize("maker", sorted(_MAKE))
def test_aggregate_encodings(differ, maker):
    differ.check(*_MAKE[maker]("probe", ["x"]))
    for name, items in [
        ("small", ["%d" % i for i in range(5)]),
        ("many", ["%d" % i for i in range(600)]),
        ("long", ["x" * 65]),
        ("limit", ["x" * 64]),
        ("text", ["a", "b"]),
        ("mixed", ["1", "b"]),
        ("entries", ["%d" % i for i in range(128)]),
        ("entries+1", ["%d" % i for i in range(129)]),
        ("intset", ["%d" % i for i in range(512)]),
        ("intset+1", ["%d" % i for i in range(513)]),
    ]:
        differ.check(*_MAKE[maker](name, items))
        differ.check("OBJECT", "ENCODING", name)
        differ.check("OBJECT", "REFCOUNT", name)
        differ.check("TYPE", name)


def test_scan_like_redis(differ):
    differ.check("MSET", *[p for i in range(50) for p in ("key:%d" % i, "v")])
    differ.check("MSET", "other", "v", "key:x", "v")
    for options in [
        (),
        ("COUNT", "5"),
        ("MATCH", "key:1*"),
        ("MATCH", "key:1*", "COUNT", "3"),
        ("TYPE", "string"),
        ("TYPE", "STRING", "MATCH", "o*"),
        ("TYPE", "list"),
        ("TYPE", "nosuchtype"),
        ("MATCH", "nomatch"),
    ]:
        found = {}
        for name, conn in (("real", differ.real), ("mini", differ.mini)):
            keys, cursor = set(), "0"
            while True:
                cursor, page = conn.call("SCAN", cursor, *options)
                keys.update(page)
                if cursor == b"0":
                    break
            found[name] = keys
        assert found["mini"] == found["real"], options
    differ.run(
        [
            ("SCAN", "abc"),
            ("SCAN", "0", "COUNT", "0"),
            ("SCAN", "0", "COUNT", "abc"),
            ("SCAN", "0", "MATCH"),
            ("SCAN", "0", "TYPE", "string", "foo"),
            ("SCAN", "18446744073709551616"),
            ("SCAN", "+"),
            ("SCAN", " 1"),
        ]
    )


def test_randomkey_like_redis(differ):
    differ.check("RANDOMKEY")
    differ.check("SET", "only", "v")
    differ.check("RANDOMKEY")
    differ.check("PEXPIRE", "only", "1")
    time.sleep(0.005)
    differ.check("RANDOMKEY")


def test_arity_like_redis(differ):
    differ.run(
        [
            ("DEL",),
            ("EXISTS",),
            ("TYPE",),
            ("TYPE", "a", "b"),
            ("KEYS",),
            ("KEYS", "a", "b"),
            ("DBSIZE", "x"),
            ("RANDOMKEY", "x"),
            ("SCAN",),
            ("SWAPDB", "0"),
            ("RENAME", "a"),
            ("RENAMENX", "a", "b", "c"),
            ("COPY", "a"),
            ("MOVE", "a"),
            ("EXPIRE", "a"),
            ("PEXPIREAT", "a"),
            ("TTL",),
            ("PTTL", "a", "b"),
            ("EXPIRETIME",),
            ("PERSIST",),
            ("TOUCH",),
            ("UNLINK",),
        ]
    )


# ---------------------------------------------------------------- state machine

KEY = st.sampled_from(["a", "b", "c"])
VALUE = st.sampled_from(
    ["", "0", "7", "-7", "10000", "9223372036854775807", "1.5", "abc", "x" * 50]
)
INTEGER = st.sampled_from(["0", "1", "-1", "3", "-100", "9223372036854775807", "x"])
FLOAT = st.sampled_from(["0.1", "1.5", "-3", "1e3", "x", "inf"])
SECONDS = st.sampled_from(["100", "1000", "0", "-1", "x"])
OFFSET = st.sampled_from(["0", "1", "5", "-1", "-3"])


def _flat(groups):
    return [part for group in groups for part in group]


SET_OPTIONS = st.lists(
    st.sampled_from(
        [
            ("NX",),
            ("XX",),
            ("GET",),
            ("KEEPTTL",),
            ("EX", "100"),
            ("PX", "200000"),
            ("EXAT", "99999999999"),
            ("EX", "0"),
        ]
    ),
    max_size=2,
).map(_flat)
GETEX_OPTIONS = st.lists(
    st.sampled_from(
        [("EX", "100"), ("PX", "200000"), ("EXAT", "99999999999"), ("PXAT", "1")]
        + [("PERSIST",), ("EX", "-1")]
    ),
    max_size=2,
).map(_flat)
EXPIRE_OPTIONS = st.lists(st.sampled_from(["NX", "XX", "GT", "LT"]), max_size=2)
MANY_KEYS = st.lists(KEY, min_size=1, max_size=3)


def _command(name, *parts):
    """
    A strategy for C{(name, parts...)}: C{name} a string or a strategy,
    C{parts} strategies of an argument or of a list of them.
    """
    if isinstance(name, str):
        name = st.just(name)

    def build(drawn):
        args = []
        for part in drawn:
            args.extend(part if isinstance(part, list) else [part])
        return tuple(args)

    return st.tuples(name, *parts).map(build)


COMMAND = st.one_of(
    _command("GET", KEY),
    _command("SET", KEY, VALUE, SET_OPTIONS),
    _command("SETNX", KEY, VALUE),
    _command("SETEX", KEY, SECONDS, VALUE),
    _command("PSETEX", KEY, st.sampled_from(["100000", "0"]), VALUE),
    _command("GETSET", KEY, VALUE),
    _command("GETDEL", KEY),
    _command("GETEX", KEY, GETEX_OPTIONS),
    _command("APPEND", KEY, VALUE),
    _command("STRLEN", KEY),
    _command("INCR", KEY),
    _command("DECR", KEY),
    _command("INCRBY", KEY, INTEGER),
    _command("DECRBY", KEY, INTEGER),
    _command("INCRBYFLOAT", KEY, FLOAT),
    _command("MGET", MANY_KEYS),
    _command("MSET", KEY, VALUE, KEY, VALUE),
    _command("MSETNX", KEY, VALUE, KEY, VALUE),
    _command("GETRANGE", KEY, OFFSET, OFFSET),
    _command("SETRANGE", KEY, OFFSET, VALUE),
    _command("DEL", MANY_KEYS),
    _command("EXISTS", MANY_KEYS),
    _command("TOUCH", MANY_KEYS),
    _command("TYPE", KEY),
    _command("RENAME", KEY, KEY),
    _command("RENAMENX", KEY, KEY),
    _command(
        "COPY", KEY, KEY, st.sampled_from([[], ["REPLACE"], ["DB", "1"], ["DB", "0"]])
    ),
    _command("MOVE", KEY, st.sampled_from(["0", "1"])),
    _command("SWAPDB", st.just("0"), st.just("1")),
    _command("SELECT", st.sampled_from(["0", "1"])),
    _command(
        st.sampled_from(["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"]),
        KEY,
        st.sampled_from(["100", "200000", "0", "-5", "99999999999", "x"]),
        EXPIRE_OPTIONS,
    ),
    _command("PERSIST", KEY),
    _command(st.sampled_from(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]), KEY),
    _command("OBJECT", st.sampled_from(["ENCODING", "REFCOUNT"]), KEY),
    _command("RPUSH", KEY, VALUE),
    _command("HSET", KEY, VALUE, VALUE),
    _command("SADD", KEY, VALUE),
    _command("ZADD", KEY, st.just("1"), VALUE),
    st.just(("KEYS", "*")),
    st.just(("DBSIZE",)),
    st.just(("RANDOMKEY",)),
    st.just(("SCAN",)),
)

# Replies that hold a time: ms or s, compared with this much leeway.
_TIMES = {"TTL": 1, "EXPIRETIME": 1, "PTTL": 1000, "PEXPIRETIME": 1000}


def _same(args, real, mini):
    name = args[0]
    if isinstance(name, str) and name in _TIMES and isinstance(real, int):
        if real >= 0 and mini >= 0:
            return abs(real - mini) <= _TIMES[name]
    if args == ("KEYS", "*"):
        return sorted(real) == sorted(mini)
    if args == ("RANDOMKEY",):
        return (real is None) == (mini is None)
    return real == mini and type(real) is type(mini)


def _scan_all(conn):
    keys, cursor = set(), "0"
    while True:
        cursor, page = conn.call("SCAN", cursor, "COUNT", "2")
        keys.update(page)
        if cursor == b"0":
            return keys


@pytest.mark.parametrize("proto", [2, 3])
def test_random_commands_match_redis(redis_server, mini_server, proto):
    probe = Differ(redis_server.port, mini_server.port)
    missing = set()
    for maker in _MAKE:
        real, mini = probe.both(*_MAKE[maker]("probe:" + maker, ["1"]))
        if real != mini:
            missing.add(maker)
    probe.close()

    class Commands(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.differ = Differ(redis_server.port, mini_server.port, proto=proto)
            self.differ.both("FLUSHALL")

        @rule(args=COMMAND)
        def run(self, args):
            if args[0] in missing:
                return
            if args == ("SCAN",):
                real, mini = _scan_all(self.differ.real), _scan_all(self.differ.mini)
            else:
                real, mini = self.differ.both(*args)
            assert _same(args, real, mini), (
                "%r: redis-server said %r, miniredis said %r" % (args, real, mini)
            )

        def teardown(self):
            self.differ.close()

    run_state_machine_as_test(
        Commands,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


@pytest.mark.timeout(30)
def test_many_stars_match_in_linear_time(differ):
    """
    Found by fuzzing: KEYS with C{*a*a*...*b} against a long run of C{a}
    backtracked for ever (one regular expression of C{.*} runs).
    """
    pattern = "*a" * 20 + "b"
    differ.check("SET", "a" * 200, "1")
    differ.check("SET", "a" * 200 + "b", "2")
    differ.check("KEYS", pattern)
    differ.check("SCAN", "0", "MATCH", pattern, "COUNT", "100")
    differ.check("CONFIG", "GET", pattern)


_GLOB = st.lists(
    st.sampled_from(["*", "?", "a", "b", "[ab]", "[^a]", "[a-b]", "\\*", "[", "]"]),
    max_size=8,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_GLOB, st.lists(st.sampled_from("ab*[]"), max_size=10).map("".join))
def test_glob_segments_match_as_one_expression_would(pattern, value):
    pattern, value = pattern.encode(), value.encode()
    whole = b".*".join(regex for regex, _ in glob._segments(pattern))
    expected = re.fullmatch(whole, value, re.DOTALL) is not None
    assert glob.matcher(pattern)(value) == expected


def test_idle_time_counts_whole_seconds_of_the_lru_clock():
    """As Redis's: a key used at 12.9 s is 1 second idle at 13.0 s."""
    store = Store(1, now_ms=lambda: 0)
    db = store.db(0)
    store.lru_clock = 12900
    db.set(b"k", b"v")
    assert idle_seconds(db, b"k") == 0
    store.lru_clock = 13000
    assert idle_seconds(db, b"k") == 1
    store.lru_clock = 13999
    assert idle_seconds(db, b"k") == 1
