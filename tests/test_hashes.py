"""
Hash commands: unit tests on a socketless server, differential tests
against a real redis-server, and a state machine comparing both.
"""

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from miniredis.resp import ReplyError
from tests.differential import DifferMachine, run_machine
from tests.local import WRONGTYPE

# ---------------------------------------------------------------- unit


def test_set_get_delete(server):
    assert server.call("HSET", "h", "a", "1", "b", "2") == 2
    assert server.call("HSET", "h", "a", "3", "c", "4") == 1
    assert server.call("HGETALL", "h") == [b"a", b"3", b"b", b"2", b"c", b"4"]
    assert server.call("HDEL", "h", "a", "zz", "b") == 2
    assert server.call("HDEL", "h", "c") == 1
    assert server.call("EXISTS", "h") == 0


def test_hgetall_is_a_map_in_resp3(server3):
    server3.call("HSET", "h", "a", "1", "b", "2")
    assert server3.call("HGETALL", "h") == {b"a": b"1", b"b": b"2"}
    assert server3.call("HGETALL", "nokey") == {}


def test_hrandfield(server, server3):
    for s in (server, server3):
        s.call("HSET", "h", "a", "1", "b", "2", "c", "3")
        assert s.call("HRANDFIELD", "h") in (b"a", b"b", b"c")
        assert s.call("HRANDFIELD", "h", "5") == [b"a", b"b", b"c"]
        picked = s.call("HRANDFIELD", "h", "2")
        assert len(set(picked)) == 2 and set(picked) <= {b"a", b"b", b"c"}
        assert len(s.call("HRANDFIELD", "h", "-7")) == 7
    pairs = server3.call("HRANDFIELD", "h", "-4", "WITHVALUES")
    assert len(pairs) == 4
    assert all(value == {b"a": b"1", b"b": b"2", b"c": b"3"}[f] for f, value in pairs)
    flat = server.call("HRANDFIELD", "h", "2", "WITHVALUES")
    assert len(flat) == 4 and flat[0] + flat[1] in (b"a1", b"b2", b"c3")


def test_hincrbyfloat_is_logged_as_hset(server):
    server.call("HSET", "h", "f", "0.1")
    assert server.call("HINCRBYFLOAT", "h", "f", "0.2") == b"0.3"
    server.call("HINCRBYFLOAT", "h", "f", "x")
    assert server.logged == [
        (0, [b"HSET", b"h", b"f", b"0.1"]),
        (0, [b"HSET", b"h", b"f", b"0.3"]),
    ]


def test_hscan_pages_a_large_hash(server):
    fields = ["f%d" % i for i in range(600)]
    server.call("HSET", "h", *[x for f in fields for x in (f, "v")])
    cursor, seen = b"0", []
    while True:
        cursor, items = server.call("HSCAN", "h", cursor, "COUNT", "50")
        assert len(items) <= 100
        seen += items[::2]
        if cursor == b"0":
            break
    assert sorted(seen) == sorted(f.encode() for f in fields)


def test_hscan_skips_fields_deleted_meanwhile(server):
    server.call("HSET", "h", *[x for i in range(600) for x in ("f%d" % i, "v")])
    cursor, first = server.call("HSCAN", "h", "0", "COUNT", "300")
    server.call("HDEL", "h", *["f%d" % i for i in range(600)][300:350])
    cursor, second = server.call("HSCAN", "h", cursor, "COUNT", "300")
    assert cursor == b"0"
    assert len(first) + len(second) == 2 * 550


def test_wrong_type(server):
    server.call("SET", "s", "x")
    for args in [
        ("HSET", "s", "a", "b"),
        ("HGET", "s", "a"),
        ("HGETALL", "s"),
        ("HINCRBY", "s", "a", "1"),
        ("HSCAN", "s", "0"),
    ]:
        assert server.call(*args) == WRONGTYPE


# ---------------------------------------------------------------- differential


def test_set_and_get(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("HSET", "h", "a", "1", "b"),
            ("HSET", "h", "a", "1", "b", "2"),
            ("HSET", "h", "a", "3", "c", "4"),
            ("HMSET", "h", "a", "1", "b"),
            ("HMSET", "h", "x", "1"),
            ("HSETNX", "h", "a", "9"),
            ("HSETNX", "h", "z", "9"),
            ("HSETNX", "new", "z", "9"),
            ("HSETNX", "s", "z", "9"),
            ("HSET", "s", "a", "1"),
            ("HGET", "h", "a"),
            ("HGET", "h", "nof"),
            ("HGET", "nokey", "a"),
            ("HGET", "s", "a"),
            ("HMGET", "h", "a", "nof", "b"),
            ("HMGET", "nokey", "a", "b"),
            ("HMGET", "s", "a"),
            ("HEXISTS", "h", "b"),
            ("HEXISTS", "h", "nof"),
            ("HEXISTS", "nokey", "a"),
            ("HEXISTS", "s", "a"),
            ("HLEN", "h"),
            ("HLEN", "nokey"),
            ("HLEN", "s"),
            ("HSTRLEN", "h", "b"),
            ("HSTRLEN", "h", "nof"),
            ("HSTRLEN", "nokey", "a"),
            ("HSTRLEN", "s", "a"),
            ("HGETALL", "h"),
            ("HGETALL", "nokey"),
            ("HGETALL", "s"),
            ("HKEYS", "h"),
            ("HKEYS", "nokey"),
            ("HKEYS", "s"),
            ("HVALS", "h"),
            ("HVALS", "nokey"),
            ("HVALS", "s"),
            ("HDEL", "h", "nof", "a", "nof"),
            ("HDEL", "nokey", "a"),
            ("HDEL", "s", "a"),
            ("HDEL", "h", "b", "c", "x", "z"),
            ("EXISTS", "h"),
            ("HSET", "h", "a", "1"),
            ("HGETALL", "h"),
        ]
    )


def test_counters(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("HINCRBY", "h", "n", "10"),
            ("HINCRBY", "h", "n", "-3"),
            ("HINCRBY", "h", "n", "x"),
            ("HINCRBY", "h", "n", "1.5"),
            ("HINCRBY", "h", "n", "9223372036854775807"),
            ("HINCRBY", "h", "n", "-9223372036854775808"),
            ("HINCRBY", "h", "n", "9223372036854775800"),
            ("HINCRBY", "h", "big", "9223372036854775807"),
            ("HINCRBY", "h", "big", "1"),
            ("HSET", "h", "str", "abc", "sp", " 1", "zero", "007", "neg0", "-0"),
            ("HINCRBY", "h", "str", "1"),
            ("HINCRBY", "h", "sp", "1"),
            ("HINCRBY", "h", "zero", "1"),
            ("HINCRBY", "h", "neg0", "1"),
            ("HINCRBY", "s", "n", "1"),
            ("HINCRBY", "s", "n", "x"),
            ("HINCRBY", "new", "f", "5"),
            ("HGETALL", "h"),
        ]
    )


def test_hincrbyfloat(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("HINCRBYFLOAT", "h", "f", "0.1"),
            ("HINCRBYFLOAT", "h", "f", "0.2"),
            ("HINCRBYFLOAT", "h", "f", "1.5e3"),
            ("HINCRBYFLOAT", "h", "f", "-1500.3"),
            ("HINCRBYFLOAT", "h", "e", "1e300"),
            ("HINCRBYFLOAT", "h", "e", "1e300"),
            ("HINCRBYFLOAT", "h", "t", "1e-17"),
            ("HINCRBYFLOAT", "h", "t2", "1e-18"),
            ("HINCRBYFLOAT", "h", "t3", "-1e-20"),
            ("HINCRBYFLOAT", "h", "x", "0x10"),
            ("HINCRBYFLOAT", "h", "x", "0x1p-2"),
            ("HINCRBYFLOAT", "h", "p", "+.5"),
            ("HINCRBYFLOAT", "h", "p", "5."),
            ("HINCRBYFLOAT", "h", "f", "x"),
            ("HINCRBYFLOAT", "h", "f", "1 "),
            ("HINCRBYFLOAT", "h", "f", "inf"),
            ("HINCRBYFLOAT", "h", "f", "-Infinity"),
            ("HINCRBYFLOAT", "h", "f", "nan"),
            ("HINCRBYFLOAT", "h", "f", "1e5000"),
            ("HSET", "h", "str", "abc", "sp", " 1", "infy", "inf", "n", "nan"),
            ("HINCRBYFLOAT", "h", "str", "1"),
            ("HINCRBYFLOAT", "h", "sp", "1"),
            ("HINCRBYFLOAT", "h", "infy", "1"),
            ("HINCRBYFLOAT", "h", "n", "1"),
            ("HINCRBYFLOAT", "s", "f", "1"),
            ("HINCRBYFLOAT", "s", "f", "x"),
        ]
    )
    differ.check("HGETALL", "h", unordered=True)  # a hashtable: values > 64 bytes


def test_hrandfield_errors_and_empty_replies(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("HSET", "h", "a", "1", "b", "2", "c", "3"),
            ("HRANDFIELD", "nokey"),
            ("HRANDFIELD", "nokey", "5"),
            ("HRANDFIELD", "nokey", "-5", "WITHVALUES"),
            ("HRANDFIELD", "nokey", "5", "foo"),
            ("HRANDFIELD", "nokey", "x"),
            ("HRANDFIELD", "h", "x"),
            ("HRANDFIELD", "h", "0"),
            ("HRANDFIELD", "h", "0", "WITHVALUES"),
            ("HRANDFIELD", "h", "3"),
            ("HRANDFIELD", "h", "5", "withvalues"),
            ("HRANDFIELD", "h", "2", "foo"),
            ("HRANDFIELD", "h", "2", "WITHVALUES", "foo"),
            ("HRANDFIELD", "h", "x", "WITHVALUES"),
            ("HRANDFIELD", "h", "-9223372036854775808"),
            ("HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES"),
            ("HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"),
            ("HRANDFIELD", "nokey", "-4611686018427387904", "WITHVALUES"),
            ("HRANDFIELD", "s"),
            ("HRANDFIELD", "s", "1"),
            ("HRANDFIELD", "s", "1", "foo"),
            ("HRANDFIELD", "s", "x"),
            ("HRANDFIELD", "s", "-4611686018427387904", "WITHVALUES"),
        ]
    )


@pytest.mark.parametrize(
    "args",
    [
        ("HRANDFIELD", "h"),
        ("HRANDFIELD", "h", "2"),
        ("HRANDFIELD", "h", "-6"),
        ("HRANDFIELD", "h", "2", "WITHVALUES"),
        ("HRANDFIELD", "h", "-5", "WITHVALUES"),
    ],
)
def test_hrandfield_picks(differ, args):
    """Random picks: same shape and size, every pick a field of the hash."""
    content = {b"a": b"1", b"b": b"2", b"c": b"3"}
    differ.both("HSET", "h", *[x for pair in content.items() for x in pair])
    real, mini = differ.both(*args)
    assert type(mini) is type(real)
    if len(args) == 2:
        assert mini in content
        return
    assert len(mini) == len(real)
    if "WITHVALUES" not in args:
        picks = mini
    elif differ.proto == 3:
        assert all(type(pair) is list and len(pair) == 2 for pair in mini)
        picks = [f for f, v in mini if content[f] == v]
    else:
        picks = [f for f, v in zip(mini[::2], mini[1::2]) if content[f] == v]
    assert set(picks) <= set(content) and len(picks) == abs(int(args[2]))
    if int(args[2]) > 0:
        assert len(set(picks)) == len(picks)


def test_hscan(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("HSET", "h", "a", "1", "b", "2", "c", "3", "ab", "4"),
            ("HSCAN", "nokey", "0"),
            ("HSCAN", "nokey", "x"),
            ("HSCAN", "nokey", "0", "COUNT", "0"),
            ("HSCAN", "nokey", "0", "foo"),
            ("HSCAN", "s", "0"),
            ("HSCAN", "s", "x"),
            ("HSCAN", "s", "0", "COUNT", "0"),
            ("HSCAN", "h", "0"),
            ("HSCAN", "h", "0", "COUNT", "1"),
            ("HSCAN", "h", "0", "COUNT", "0"),
            ("HSCAN", "h", "0", "COUNT", "-1"),
            ("HSCAN", "h", "0", "COUNT", "x"),
            ("HSCAN", "h", "0", "MATCH", "a*"),
            ("HSCAN", "h", "0", "MATCH", "zz*"),
            ("HSCAN", "h", "0", "MATCH"),
            ("HSCAN", "h", "0", "TYPE", "string"),
            ("HSCAN", "h", "0", "NOVALUES"),
            ("HSCAN", "h", "0", "COUNT", "1", "COUNT", "2", "MATCH", "b"),
            ("HSCAN", "h", "7"),
            ("HSCAN", "h", "-1"),
            ("HSCAN", "h", "18446744073709551615"),
            ("HSCAN", "h", "18446744073709551616"),
            ("HSCAN", "h", " 1"),
        ]
    )


def test_large_hash_scan_and_getall(differ):
    fields = ["field:%d" % i for i in range(600)]
    differ.check("HSET", "h", *[x for f in fields for x in (f, f.upper())])
    differ.check("HLEN", "h")
    differ.check("HKEYS", "h", unordered=True)
    differ.check("HVALS", "h", unordered=True)
    for connection in (differ.real, differ.mini):
        cursor, seen = b"0", {}
        while True:
            cursor, items = connection.call("HSCAN", "h", cursor, "MATCH", "*1*")
            seen.update(zip(items[::2], items[1::2]))
            if cursor == b"0":
                break
        assert seen == {f.encode(): f.upper().encode() for f in fields if "1" in f}


# ---------------------------------------------------------------- state machine

keys = st.sampled_from(["h1", "h2", "h1", "h2", "str"])
fields = st.sampled_from(["a", "b", "c", "n"])
values = st.sampled_from(["x", "1", "-2", "1.5", "10"])


class HashMachine(DifferMachine):
    """Random hash commands, each reply compared between both servers."""

    setup = (
        ("SET", "str", "x"),
        ("HSET", "h1", "a", "x", "b", "1", "n", "1.5"),
        ("HSET", "h2", "c", "10"),
    )

    @invariant()
    def same_hashes(self):
        for key in ("h1", "h2"):
            self.differ.check("HGETALL", key)

    @rule(
        name=st.sampled_from(["HSET", "HMSET"]),
        key=keys,
        pairs=st.lists(st.tuples(fields, values), min_size=1, max_size=3),
    )
    def hset(self, name, key, pairs):
        self.differ.check(name, key, *[x for pair in pairs for x in pair])

    @rule(key=keys, field=fields, value=values)
    def hsetnx(self, key, field, value):
        self.differ.check("HSETNX", key, field, value)

    @rule(key=keys, chosen=st.lists(fields, min_size=1, max_size=3))
    def hdel(self, key, chosen):
        self.differ.check("HDEL", key, *chosen)

    @rule(name=st.sampled_from(["HGET", "HEXISTS", "HSTRLEN"]), key=keys, field=fields)
    def read_field(self, name, key, field):
        self.differ.check(name, key, field)

    @rule(key=keys, chosen=st.lists(fields, min_size=1, max_size=3))
    def hmget(self, key, chosen):
        self.differ.check("HMGET", key, *chosen)

    @rule(name=st.sampled_from(["HLEN", "HGETALL", "HKEYS", "HVALS"]), key=keys)
    def read_hash(self, name, key):
        self.differ.check(name, key)

    @rule(key=keys, field=fields, increment=st.sampled_from(["1", "-5", "x"]))
    def hincrby(self, key, field, increment):
        self.differ.check("HINCRBY", key, field, increment)

    @rule(key=keys, field=fields, increment=st.sampled_from(["0.1", "-2.5", "3"]))
    def hincrbyfloat(self, key, field, increment):
        self.differ.check("HINCRBYFLOAT", key, field, increment)

    @rule(key=keys, count=st.integers(-4, 4))
    def hrandfield(self, key, count):
        real, mini = self.differ.both("HRANDFIELD", key, str(count))
        if isinstance(real, ReplyError):
            assert mini == real
        else:
            assert len(mini) == len(real)
            assert set(mini) <= set(self.differ.mini.call("HKEYS", key))

    @rule(key=keys, pattern=st.sampled_from(["*", "a*", "[bc]"]))
    def hscan(self, key, pattern):
        self.differ.check("HSCAN", key, "0", "MATCH", pattern)

    @rule(key=keys)
    def delete(self, key):
        self.differ.check("DEL", key)


def test_hash_state_machine(differ):
    run_machine(HashMachine, differ)
