"""
String commands: unit tests on a fake clock (typed values, what persistence
is given, long double formatting) and differential tests against Redis.
"""

from fractions import Fraction

import pytest

from miniredis import longdouble
from miniredis.resp import ReplyError, Status
from tests.local import WRONGTYPE, Local


def non_string(differ, key):
    """Make C{key} a list on both servers."""
    assert differ.check("RPUSH", key, "a") == 1


# ---------------------------------------------------------------- the origin


def test_origin_session_resp2(server):
    call = server.call
    assert call("MSET", "k1", "v1", "k2", ["v2-0", 1, "v2-2"], "k3", "v3") == b"OK"
    assert call("GET", "k2") == [b"v2-0", 1, b"v2-2"]
    assert call("MGET", "k3", "k1") == [b"v3", b"v1"]
    assert call("DELETE", "k1") == 1
    assert call("GET", "k1") is None
    assert call("DELETE", "k1") == 0
    assert call("SET", "kx", {"vx": {"vy": 0, "vz": [1, 2, 3]}}) == b"OK"
    assert call("GET", "kx") == [b"vx", [b"vy", 0, b"vz", [1, 2, 3]]]
    assert call("FLUSH") == 3
    assert call("DBSIZE") == 0


def test_origin_session_resp3(server3):
    call = server3.call
    call("SET", "kx", {"vx": {"vy": 0, "vz": [1, 2, 3]}})
    assert call("GET", "kx") == {b"vx": {b"vy": 0, b"vz": [1, 2, 3]}}
    call("SET", "n", None)
    assert call("EXISTS", "n") == 1
    assert call("GET", "n") is None
    assert call("MGET", "kx", "n", "missing") == [
        {b"vx": {b"vy": 0, b"vz": [1, 2, 3]}},
        None,
        None,
    ]
    assert call("TYPE", "kx") == Status(b"string")


def test_typed_values_in_every_set_like_command(server):
    call = server.call
    assert call("SETNX", "a", [1, 2]) == 1
    assert call("SETNX", "a", [3]) == 0
    assert call("GETSET", "a", 7) == [1, 2]
    assert call("GET", "a") == 7
    assert call("SET", "a", {"x": 1}, "GET") == 7
    assert call("SETEX", "b", 100, [b"x"]) == b"OK"
    assert call("TTL", "b") == 100
    assert call("PSETEX", "c", 100000, [0]) == b"OK"
    assert call("MSETNX", "d", [1], "e", 2) == 1
    assert call("MGET", "b", "c", "d", "e") == [[b"x"], [0], [1], 2]
    assert call("GETEX", "b", "PERSIST") == [b"x"]
    assert call("GETDEL", "a") == [b"x", 1]
    assert call("EXISTS", "a") == 0


def test_typed_integer_reads_as_its_digits(server):
    call = server.call
    call("SET", "n", 41)
    assert call("GET", "n") == 41
    assert call("STRLEN", "n") == 2
    assert call("GETRANGE", "n", 0, 0) == b"4"
    assert call("OBJECT", "ENCODING", "n") == b"int"
    assert call("INCR", "n") == 42
    assert call("GET", "n") == b"42"
    call("SET", "n", -5)
    assert call("INCRBYFLOAT", "n", "0.5") == b"-4.5"
    call("SET", "n", 5)
    assert call("APPEND", "n", "x") == 2
    assert call("GET", "n") == b"5x"
    call("SET", "n", 5)
    assert call("SETRANGE", "n", 1, "0") == 2
    assert call("GET", "n") == b"50"


def test_other_typed_values_are_wrongtype_for_string_manipulation(server):
    call = server.call
    call("SET", "l", [1, 2])
    for args in (
        ("INCR", "l"),
        ("DECRBY", "l", "2"),
        ("INCRBYFLOAT", "l", "1"),
        ("APPEND", "l", "x"),
        ("STRLEN", "l"),
        ("SETRANGE", "l", "0", "x"),
        ("GETRANGE", "l", "0", "1"),
    ):
        assert call(*args) == WRONGTYPE, args
    assert call("TYPE", "l") == Status(b"string")
    assert call("OBJECT", "ENCODING", "l") == b"raw"
    assert call("GET", "l") == [1, 2]


def test_typed_values_only_as_values(server):
    error = ReplyError(
        "ERR typed values (arrays, maps, null) are only accepted as values "
        "of SET-like commands"
    )
    assert server.call("SET", ["k"], "v") == error
    assert server.call("GET", ["k"]) == error
    assert server.call("MSET", "a", "1", {"b": 1}, "2") == error
    assert server.call("SET", 1, "v", "EX", 100) == b"OK"
    assert server.call("TTL", "1") == 100


def test_flush_empties_only_the_current_database(server):
    call = server.call
    call("MSET", "a", "1", "b", "2")
    call("SET", "soon", "x", "PX", "1000")
    call("SELECT", "1")
    call("SET", "other", "x")
    call("SELECT", "0")
    db = server.store.db(0)
    db.data[b"stale"] = b"z"  # expired, not yet removed: not counted
    db.expires.set(b"stale", server.now_ms() - 1)
    assert call("FLUSH") == 3
    assert call("DBSIZE") == 0
    call("SELECT", "1")
    assert call("GET", "other") == b"x"


# ---------------------------------------------------------------- persistence


def test_what_persistence_is_given(server):
    call = server.call
    now = server.now_ms()
    call("SET", "a", "1", "EX", "100", "GET")
    call("SET", "a", "1", "NX")  # not done: nothing
    call("SETEX", "b", "10", "x")
    call("PSETEX", "b", "10", "x")
    call("GETEX", "b", "EX", "20")
    call("GETEX", "b", "PERSIST")
    call("GETEX", "b", "PERSIST")  # nothing to persist: nothing
    call("GETEX", "b")
    call("INCRBYFLOAT", "f", "1.5")
    call("GETSET", "a", "2")
    call("GETDEL", "a")
    call("GETDEL", "a")
    call("GETEX", "f", "PXAT", str(now - 1))
    call("DELETE", "b")
    call("DELETE", "b")
    call("FLUSH")
    call("INCR", "n")
    assert server.logged == [
        (0, [b"SET", b"a", b"1", b"PXAT", b"%d" % (now + 100000)]),
        (0, [b"SET", b"b", b"x", b"PXAT", b"%d" % (now + 10000)]),
        (0, [b"SET", b"b", b"x", b"PXAT", b"%d" % (now + 10)]),
        (0, [b"PEXPIREAT", b"b", b"%d" % (now + 20000)]),
        (0, [b"PERSIST", b"b"]),
        (0, [b"SET", b"f", b"1.5", b"KEEPTTL"]),
        (0, [b"SET", b"a", b"2"]),
        (0, [b"DEL", b"a"]),
        (0, [b"DEL", b"f"]),
        (0, [b"DEL", b"b"]),
        (0, [b"FLUSHDB"]),
        (0, [b"INCR", b"n"]),
    ]


def test_typed_value_is_logged_as_sent(server):
    server.call("SET", "t", [1, {"a": None}], "EX", "5")
    deadline = b"%d" % (server.now_ms() + 5000)
    assert server.logged == [(0, [b"SET", b"t", [1, {b"a": None}], b"PXAT", deadline])]


# ---------------------------------------------------------------- encodings


def test_string_encodings(server):
    call = server.call
    call("SET", "i", "12345")
    call("SET", "e", "x" * 44)
    call("SET", "r", "x" * 45)
    call("SET", "big", "123456789012345678901")
    assert [call("OBJECT", "ENCODING", k) for k in ("i", "e", "r", "big")] == [
        b"int",
        b"embstr",
        b"raw",
        b"embstr",
    ]
    call("APPEND", "i", "")
    assert call("OBJECT", "ENCODING", "i") == b"raw"
    call("INCRBYFLOAT", "f", "3000")
    assert call("OBJECT", "ENCODING", "f") == b"embstr"
    call("INCR", "f")
    assert call("OBJECT", "ENCODING", "f") == b"int"
    call("SETRANGE", "s", "0", "7")
    assert call("OBJECT", "ENCODING", "s") == b"raw"
    call("RENAME", "s", "s2")
    assert call("OBJECT", "ENCODING", "s2") == b"raw"
    assert call("OBJECT", "REFCOUNT", "s2") == 1
    call("SET", "s2", "7")
    assert call("OBJECT", "ENCODING", "s2") == b"int"
    assert call("OBJECT", "REFCOUNT", "s2") == 2147483647


def test_proto_max_bulk_len():
    server = Local(proto_max_bulk_len=10)
    try:
        too_big = ReplyError(
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
        )
        assert server.call("SETRANGE", "k", "8", "abc") == too_big
        assert server.call("SETRANGE", "k", "7", "abc") == 10
        assert server.call("APPEND", "k", "x") == too_big
        assert server.call("STRLEN", "k") == 10
    finally:
        server.close()


# ---------------------------------------------------------------- long double


@pytest.mark.parametrize(
    "start, increment, result",
    [
        (b"10.5", b"0.1", b"10.6"),
        (b"0", b"3.0e3", b"3000"),
        (b"0", b"5.0e+3", b"5000"),
        (b"3000", b"0.1", b"3000.10000000000000009"),
        (b"0.1", b"0.2", b"0.3"),
        (b"1", b"-1.5", b"-0.5"),
        (b"0", b"-0.0", b"0"),
        (b"0", b"-1e-20", b"0"),
        (b"0", b"0x1.8p1", b"3"),
        (b"0", b"0.000003814697265625", b"0.00000381469726562"),
        (b"0", b"0.000011444091796875", b"0.00001144409179688"),
    ],
)
def test_long_double_sums(start, increment, result):
    total = longdouble.add(longdouble.parse(start), longdouble.parse(increment))
    assert longdouble.format_human(total) == result


@pytest.mark.parametrize(
    "raw",
    [b"", b" 1", b"1 ", b"1e", b"0x", b"nan", b"1e4933", b"1e-5000", b"+", b"1" * 5120],
)
def test_long_double_rejects(raw):
    with pytest.raises(ValueError):
        longdouble.parse(raw)


def test_long_double_extremes():
    assert longdouble.parse(b"-inf") == -longdouble.INFINITY
    largest = longdouble.parse(b"1.18973149535723176502e4932")
    assert largest == Fraction((1 << 64) - 1) * 2 ** (16384 - 64)
    with pytest.raises(longdouble.Overflow):
        longdouble.add(largest, largest)
    text = longdouble.format_human(largest)
    assert len(text) == 4933 and text.startswith(b"1189731495357231765")
    assert longdouble.parse(text) == largest
    assert longdouble.parse(b"4e-4951") == Fraction(1, 2**16445)


# ---------------------------------------------------------------- arity


def test_arity_and_unknown_commands(server):
    for args in [
        ("GET",),
        ("SET", "k"),
        ("SETNX", "k"),
        ("SETEX", "k", "1"),
        ("PSETEX", "k", "1"),
        ("GETSET", "k"),
        ("GETDEL",),
        ("GETEX",),
        ("MGET",),
        ("MSET", "k"),
        ("MSETNX", "k"),
        ("APPEND", "k"),
        ("STRLEN",),
        ("INCR",),
        ("DECR", "a", "b"),
        ("INCRBY", "k"),
        ("DECRBY", "k"),
        ("INCRBYFLOAT", "k"),
        ("GETRANGE", "k", "0"),
        ("SUBSTR", "k", "0"),
        ("SETRANGE", "k", "0"),
        ("DELETE",),
        ("DELETE", "a", "b"),
        ("FLUSH", "x"),
    ]:
        name = args[0].lower()
        assert server.call(*args) == ReplyError(
            "ERR wrong number of arguments for '%s' command" % (name,)
        ), args
    assert server.call("MSET", "a", "1", "b") == ReplyError(
        "ERR wrong number of arguments for 'mset' command"
    )
    assert server.call("FLUHS") == ReplyError(
        "ERR unknown command 'FLUHS', with args beginning with: "
    )


# ---------------------------------------------------------------- differential


def test_set_options(differ):
    differ.run(
        [
            ("SET", "k", "v", "EX", "10", "EX", "20"),
            ("TTL", "k"),
            ("SET", "k", "v", "NX", "NX"),
            ("SET", "k", "v", "XX", "XX", "GET"),
            ("SET", "k", "v", "KEEPTTL", "KEEPTTL"),
            ("TTL", "k"),
            ("SET", "k", "w", "NX", "GET"),
            ("SET", "new", "w", "NX", "GET"),
            ("SET", "new2", "w", "XX", "GET"),
            ("GET", "new2"),
            ("SET", "k", "x", "GET", "GET"),
            ("SET", "k", "x", "get", "px", "100000"),
            ("TTL", "k"),
            ("SET", "k", "v", "EXAT", "1"),
            ("GET", "k"),
            ("SET", "k", "v", "PXAT", "99999999999999"),
            ("PEXPIRETIME", "k"),
            ("SET", "k", "v", "PX", "9223372036854775807"),
            ("SET", "k", "v", "EX", "9223372036854775"),
            ("SET", "k", "v", "EX", "9223372036854"),
            ("TTL", "k"),
            ("SET", "k", "v", "EX", "0"),
            ("SET", "k", "v", "PX", "-1"),
            ("SET", "k", "v", "EXAT", "0"),
            ("SET", "k", "v", "EX", "abc"),
            ("SET", "k", "v", "EX", "abc", "FOO"),
            ("SET", "k", "v", "EX", "1.5"),
            ("SET", "k", "v", "EX"),
            ("SET", "k", "v", "KEEPTTL", "EX", "10"),
            ("SET", "k", "v", "EX", "10", "KEEPTTL"),
            ("SET", "k", "v", "PX", "10", "EX", "10"),
            ("SET", "k", "v", "NX", "XX"),
            ("SET", "k", "v", "PERSIST"),
            ("SET", "k", "v", "FOO"),
            ("SET", "", ""),
            ("GET", ""),
        ]
    )


def test_set_family(differ):
    differ.run(
        [
            ("SETNX", "a", "1"),
            ("SETNX", "a", "2"),
            ("GET", "a"),
            ("SETEX", "b", "100", "x"),
            ("TTL", "b"),
            ("SETEX", "b", "0", "x"),
            ("SETEX", "b", "-1", "x"),
            ("SETEX", "b", "abc", "x"),
            ("SETEX", "b", "9223372036854775", "x"),
            ("PSETEX", "b", "0", "x"),
            ("PSETEX", "b", "9223372036854775807", "x"),
            ("PSETEX", "b", "100000", "y"),
            ("TTL", "b"),
            ("GET", "b"),
            ("GETSET", "a", "3"),
            ("GETSET", "missing", "3"),
            ("GETDEL", "a"),
            ("GETDEL", "a"),
            ("SET", "b", "v", "EX", "100"),
            ("GETSET", "b", "w"),
            ("TTL", "b"),
        ]
    )


def test_getex(differ):
    differ.run(
        [
            ("GETEX", "nokey", "EX", "-1"),
            ("SET", "k", "v"),
            ("GETEX", "k"),
            ("GETEX", "k", "EX", "-1"),
            ("GETEX", "k", "EX", "0"),
            ("GETEX", "k", "EX", "abc"),
            ("GETEX", "k", "PERSIST", "EX", "10"),
            ("GETEX", "k", "EX", "10", "PERSIST"),
            ("GETEX", "k", "EX", "10", "EX", "20"),
            ("TTL", "k"),
            ("GETEX", "k", "KEEPTTL"),
            ("GETEX", "k", "NX"),
            ("GETEX", "k", "GET"),
            ("GETEX", "k", "EX"),
            ("GETEX", "k", "PX", "30000"),
            ("TTL", "k"),
            ("GETEX", "k", "PERSIST", "PERSIST"),
            ("TTL", "k"),
            ("GETEX", "k", "EXAT", "99999999999"),
            ("EXPIRETIME", "k"),
            ("GETEX", "k", "PXAT", "1"),
            ("EXISTS", "k"),
        ]
    )


def test_wrong_type(differ):
    non_string(differ, "agg")
    differ.run(
        [
            ("GET", "agg"),
            ("SET", "agg", "v", "GET"),
            ("SET", "agg", "v", "NX", "GET"),
            ("SETNX", "agg", "v"),
            ("GETSET", "agg", "v"),
            ("GETDEL", "agg"),
            ("GETEX", "agg", "EX", "-1"),
            ("GETEX", "agg", "PERSIST"),
            ("APPEND", "agg", "x"),
            ("STRLEN", "agg"),
            ("SETRANGE", "agg", "0", "x"),
            ("SETRANGE", "agg", "0", ""),
            ("GETRANGE", "agg", "0", "1"),
            ("SUBSTR", "agg", "0", "1"),
            ("INCR", "agg"),
            ("INCRBY", "agg", "abc"),
            ("DECRBY", "agg", "1"),
            ("INCRBYFLOAT", "agg", "abc"),
            ("MGET", "agg", "nokey"),
            ("MSETNX", "agg", "1", "x", "2"),
            ("SET", "agg", "now a string"),
            ("GET", "agg"),
        ]
    )


def test_ranges(differ):
    differ.run(
        [
            ("SET", "k", "hello"),
            ("GETRANGE", "k", "0", "-1"),
            ("GETRANGE", "k", "-1", "-5"),
            ("GETRANGE", "k", "-3", "-1"),
            ("GETRANGE", "k", "-100", "100"),
            ("GETRANGE", "k", "2", "1"),
            ("GETRANGE", "k", "5", "10"),
            ("GETRANGE", "k", "0", "-100"),
            ("GETRANGE", "k", "9223372036854775807", "-9223372036854775808"),
            ("GETRANGE", "nokey", "0", "1"),
            ("GETRANGE", "k", "a", "1"),
            ("SUBSTR", "k", "1", "3"),
            ("SET", "empty", ""),
            ("GETRANGE", "empty", "0", "-1"),
            ("SETRANGE", "k", "-1", "x"),
            ("SETRANGE", "k", "abc", "x"),
            ("SETRANGE", "k", "536870912", "x"),
            ("SETRANGE", "k", "9223372036854775807", "x"),
            ("SETRANGE", "nokey", "536870911", ""),
            ("SETRANGE", "nokey", "5", ""),
            ("EXISTS", "nokey"),
            ("SETRANGE", "k", "100", ""),
            ("SETRANGE", "k", "1", "EL"),
            ("SETRANGE", "k", "8", "!"),
            ("GET", "k"),
            ("SETRANGE", "new", "3", "abc"),
            ("GET", "new"),
            ("OBJECT", "ENCODING", "new"),
            ("APPEND", "k", " world"),
            ("APPEND", "nokey2", "12"),
            ("OBJECT", "ENCODING", "nokey2"),
            ("OBJECT", "REFCOUNT", "nokey2"),
            ("APPEND", "nokey2", ""),
            ("OBJECT", "ENCODING", "nokey2"),
            ("STRLEN", "k"),
            ("STRLEN", "nokey"),
            ("STRLEN", "nokey2"),
            ("SET", "i", "-123"),
            ("STRLEN", "i"),
            ("GETRANGE", "i", "1", "2"),
        ]
    )


def test_counters(differ):
    differ.run(
        [
            ("INCR", "n"),
            ("INCRBY", "n", "41"),
            ("DECR", "n"),
            ("DECRBY", "n", "-10"),
            ("INCRBY", "n", "-9223372036854775808"),
            ("INCRBY", "n", "9223372036854775807"),
            ("DECRBY", "n", "-9223372036854775808"),
            ("INCRBY", "n", "9223372036854775808"),
            ("INCRBY", "n", "1.5"),
            ("INCRBY", "n", " 1"),
            ("INCRBY", "n", "+1"),
            ("INCRBY", "n", "01"),
            ("INCRBY", "n", ""),
            ("GET", "n"),
            ("SET", "m", "9223372036854775807"),
            ("INCR", "m"),
            ("SET", "m", "-9223372036854775808"),
            ("DECR", "m"),
            ("INCRBY", "m", "-1"),
            ("SET", "m", " 1"),
            ("INCR", "m"),
            ("SET", "m", "abc"),
            ("INCR", "m"),
            ("SET", "m", "1" * 25),
            ("INCR", "m"),
            ("SET", "m", "10", "EX", "100"),
            ("INCR", "m"),
            ("TTL", "m"),
            ("OBJECT", "ENCODING", "m"),
            ("OBJECT", "REFCOUNT", "m"),
            ("INCRBY", "m", "100000"),
            ("OBJECT", "REFCOUNT", "m"),
        ]
    )


def test_incrbyfloat(differ):
    script = [("DEL", "f")]
    for increment in [
        "10.5",
        "0.1",
        "-5",
        "3.0e3",
        "5.0e+3",
        "1e-20",
        "0x1p3",
        "-.5",
        "7.",
        "+1",
        "1e300",
        "-1e300",
        "1e-4940",
        "123456789012345678901234567890",
    ]:
        script.append(("INCRBYFLOAT", "f", increment))
        script.append(("GET", "f"))
    for bad in ["", " 1", "1 ", "abc", "nan", "inf", "-inf", "1e4933", "1e-5000"]:
        script.append(("INCRBYFLOAT", "f", bad))
    script += [
        ("SET", "g", "1e4932"),
        ("INCRBYFLOAT", "g", "1e4932"),
        ("SET", "g", "inf"),
        ("INCRBYFLOAT", "g", "1"),
        ("SET", "g", "abc"),
        ("INCRBYFLOAT", "g", "1"),
        ("SET", "g", "5", "EX", "100"),
        ("INCRBYFLOAT", "g", "2.5"),
        ("TTL", "g"),
        ("INCRBYFLOAT", "h", "3000"),
        ("OBJECT", "ENCODING", "h"),
        ("OBJECT", "REFCOUNT", "h"),
    ]
    differ.run(script)


def test_mset_mget(differ):
    differ.run(
        [
            ("MSET", "a", "1", "b", "2", "a", "3"),
            ("MGET", "a", "b", "c", "a"),
            ("MSETNX", "c", "1", "d", "2", "c", "3"),
            ("MGET", "c", "d"),
            ("MSETNX", "c", "1", "e", "2"),
            ("EXISTS", "e"),
            ("MSET", "a"),
            ("MSET", "a", "1", "b"),
            ("MSETNX", "a"),
            ("MSETNX", "a", "1", "b"),
            ("SET", "t", "v", "EX", "100"),
            ("MSET", "t", "w"),
            ("TTL", "t"),
            ("SET", "s", "12"),
            ("APPEND", "s", "3"),
            ("OBJECT", "ENCODING", "s"),
            ("MSET", "s", "123", "u", "1", "s", "77"),
            ("OBJECT", "ENCODING", "s"),
            ("MGET", "s", "u"),
        ]
    )


def test_mset_alerts_watchers_and_stamps_access(server):
    """MSET touches a WATCHed key (the EXEC fails) and stamps each key's access."""
    other = server.connect()
    server.call("WATCH", "w")
    server.call("MULTI")
    server.call("GET", "w")
    other.call("MSET", "x", "1", "w", "2")
    assert server.call("EXEC") is None
    server.advance(30)
    assert server.call("OBJECT", "IDLETIME", "x") >= 29
    other.call("MSET", "x", "3")
    assert server.call("OBJECT", "IDLETIME", "x") == 0


def test_string_encodings_like_redis(differ):
    script = []
    for key, value in [
        ("i", "12345"),
        ("shared", "9999"),
        ("unshared", "10000"),
        ("neg", "-1"),
        ("zero", "0"),
        ("minus0", "-0"),
        ("lead", "012"),
        ("e44", "x" * 44),
        ("r45", "x" * 45),
        ("i20", "12345678901234567890"),
        ("i19", "1234567890123456789"),
        ("lmin", "-9223372036854775808"),
    ]:
        script += [
            ("SET", key, value),
            ("OBJECT", "ENCODING", key),
            ("OBJECT", "REFCOUNT", key),
        ]
    script += [
        ("APPEND", "i", "6"),
        ("OBJECT", "ENCODING", "i"),
        ("SET", "i", "5"),
        ("OBJECT", "ENCODING", "i"),
        ("GETSET", "i", "x" * 50),
        ("OBJECT", "ENCODING", "i"),
        ("MSET", "m1", "1", "m2", "abc"),
        ("OBJECT", "ENCODING", "m1"),
        ("OBJECT", "ENCODING", "m2"),
        ("SETRANGE", "m2", "0", "1"),
        ("OBJECT", "ENCODING", "m2"),
        ("OBJECT", "REFCOUNT", "m2"),
    ]
    differ.run(script)


def test_arity_like_redis(differ):
    differ.run(
        [
            ("GET",),
            ("GET", "a", "b"),
            ("SET", "k"),
            ("SETNX", "k"),
            ("SETEX", "k", "1"),
            ("PSETEX", "k", "1", "v", "x"),
            ("GETSET", "k"),
            ("GETDEL",),
            ("GETEX",),
            ("MGET",),
            ("APPEND", "k"),
            ("STRLEN",),
            ("INCR",),
            ("DECR", "a", "b"),
            ("INCRBY", "k"),
            ("DECRBY", "k", "1", "2"),
            ("INCRBYFLOAT", "k"),
            ("GETRANGE", "k", "0"),
            ("SUBSTR", "k", "0"),
            ("SETRANGE", "k", "0"),
            ("NOSUCHCOMMAND", "a"),
        ]
    )
