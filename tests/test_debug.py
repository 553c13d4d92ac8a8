"""
DEBUG against redis-server 7.0.15, both started with enable-debug-command:
the subcommands tests and tools use answer as Redis's (DIGEST to the bit,
PROTOCOL to the byte); the others are refused with a reason.
"""

import pytest

from tests.differential import Differ, check_raw
from tests.servers import RawConnection


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def debug(request, debug_servers):
    """A L{Differ} on servers with DEBUG enabled, emptied."""
    pair = Differ(debug_servers[0].port, debug_servers[1].port, proto=request.param)
    pair.both("FLUSHALL")
    yield pair
    pair.close()


_TYPES = "string integer double bignum null array set map attrib push verbatim"
_TYPES += " true false nosuch"


@pytest.mark.parametrize("name", _TYPES.split())
def test_protocol_byte_for_byte(debug, name):
    check_raw(debug, "DEBUG", "PROTOCOL", name)
    if name in ("attrib", "push") and debug.proto == 3:
        check_raw(debug, "PING")  # the real reply came after


def _fill(debug):
    debug.run(
        [
            ("SET", "s", "hello"),
            ("SET", "n", "12345"),
            ("SET", "e", "x", "EX", "1000"),
            ("RPUSH", "l", "a", "b", "c", "a"),
            ("SADD", "set", "x", "y", "1", "2"),
            ("SADD", "ints", "1", "2", "300"),
            ("ZADD", "z", "1", "a", "1.5", "b", "0.1", "c", "-inf", "d", "1e20", "e"),
            ("HSET", "h", "f1", "v1", "f2", "v2"),
            ("XADD", "x", "1-1", "f", "v", "g", "w"),
            ("XADD", "x", "2-0", "f", "v2"),
            ("SELECT", "2"),
            ("SET", "other", "db"),
            ("SELECT", "0"),
        ]
    )


def test_digest_is_redis_s(debug):
    debug.check("DEBUG", "DIGEST")  # all zeros
    _fill(debug)
    debug.check("DEBUG", "DIGEST")
    debug.check("DEBUG", "DIGEST-VALUE", "s", "n", "e", "l", "set", "ints", "z")
    debug.check("DEBUG", "DIGEST-VALUE", "h", "x", "nosuch")
    debug.check("DEBUG", "DIGEST-VALUE")
    debug.check("DEL", "z")
    debug.check("DEBUG", "DIGEST")


@pytest.mark.parametrize(
    "line",
    [
        ("POPULATE", "5"),
        ("POPULATE", "3", "p"),
        ("POPULATE", "3", "q", "3"),
        ("POPULATE", "3", "r", "12"),
        ("POPULATE", "-1"),
        ("POPULATE", "x"),
        ("POPULATE", "3", "k", "-1"),
        ("POPULATE", "3", "k", "1", "extra"),
        ("POPULATE",),
    ],
)
def test_populate(debug, line):
    debug.check("SET", "key:1", "mine")
    debug.check("DEBUG", *line)
    debug.check("DEBUG", "DIGEST")
    debug.check("DBSIZE")


@pytest.mark.parametrize(
    "line",
    [
        ("OBJECT", "nosuch"),
        ("LISTPACK", "nosuch"),
        ("LISTPACK", "big"),
        ("LISTPACK", "small"),
        ("ERROR", "CUSTOM my error"),
        ("ERROR",),
        ("LOG", "a message"),
        ("CHANGE-REPL-ID",),
        ("CHANGE-REPL-ID", "x"),
        ("SET-ACTIVE-EXPIRE", "1"),
        ("SLEEP", "0"),
        ("NOSUCH",),
        ("JMAP",),
    ],
)
def test_answers_as_redis(debug, line):
    debug.check("HSET", "small", "a", "1")
    debug.check("SET", "big", "x" * 100)
    debug.check("DEBUG", *line)


def _object_fields(reply):
    fields = dict(part.split(b":", 1) for part in reply.split(b" ")[2:])
    fields.pop(b"lru")
    if fields[b"refcount"] == b"2147483647":  # shared: its clock is Redis's start
        fields.pop(b"lru_seconds_idle")
    return fields


@pytest.mark.parametrize(
    "setup",
    [
        ("SET", "k", "hello"),
        ("SET", "k", "12"),
        ("SET", "k", "123456789"),
        ("HSET", "k", "a", "1"),
        ("SADD", "k", "1", "2"),
        ("ZADD", "k", "1", "a"),
    ],
)
def test_object(debug, setup):
    """encoding, refcount, idle time as Redis; the serialized length close."""
    debug.check(*setup)
    real, mini = (_object_fields(r) for r in debug.both("DEBUG", "OBJECT", "k"))
    lengths = int(real.pop(b"serializedlength")), int(mini.pop(b"serializedlength"))
    assert abs(lengths[0] - lengths[1]) <= 8, lengths
    assert mini == real


def test_object_of_a_list(debug):
    debug.check("RPUSH", "k", *[str(n) for n in range(1000)])
    real, mini = debug.both("DEBUG", "OBJECT", "k")
    for part in (b"encoding:quicklist", b"ql_listpack_max:-2", b"ql_compressed:0"):
        assert part in real and part in mini
    assert b"ql_nodes:" in mini and b"ql_uncompressed_size:" in mini


@pytest.mark.parametrize("name", ["SEGFAULT", "RESTART", "QUICKLIST-PACKED-THRESHOLD"])
def test_refused_with_a_reason(debug_servers, name):
    mini = RawConnection(debug_servers[1].port)
    reply = mini.call("DEBUG", name, "0")
    assert str(reply).startswith("ERR miniredis does not have DEBUG %s (" % name)
    mini.close()


def test_stringmatch_test(debug_servers):
    """redis-server takes some 20 s over it: miniredis's answer only."""
    mini = RawConnection(debug_servers[1].port)
    reply = mini.call("DEBUG", "STRINGMATCH-TEST")
    assert reply == b"Apparently Redis did not crash: test passed"
    mini.close()


def test_refused_unless_enabled(differ):
    for line in [("HELP",), ("SLEEP", "0"), ("DIGEST",), ("SEGFAULT",), ("NOSUCH",)]:
        differ.check("DEBUG", *line)
    differ.check("DEBUG")
