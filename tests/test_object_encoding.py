"""
OBJECT ENCODING against redis-server 7.0.15, around every threshold: sizes
on both sides of each limit, CONFIG SET of the limits, one-way conversions
(a value that grew keeps its encoding when it shrinks), and values made
afresh by DEBUG RELOAD and RESTORE.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.differential import Differ
from tests.servers import miniredis_process, redis_process

_LIMITS = {
    "hash-max-listpack-entries": "512",
    "hash-max-listpack-value": "64",
    "set-max-intset-entries": "512",
    "zset-max-listpack-entries": "128",
    "zset-max-listpack-value": "64",
    "list-max-listpack-size": "-2",
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Both servers, DEBUG RELOAD allowed."""
    option = ("--enable-debug-command", "yes")
    real = redis_process(str(tmp_path_factory.mktemp("r")), *option).start()
    mini = miniredis_process(str(tmp_path_factory.mktemp("m")), *option).start()
    yield real, mini
    real.stop()
    mini.stop()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def pair(request, servers):
    """A L{Differ} on emptied servers with Redis's default thresholds."""
    one = Differ(servers[0].port, servers[1].port, proto=request.param)
    one.both("FLUSHALL")
    for name, value in _LIMITS.items():
        one.both("CONFIG", "SET", name, value)
    yield one
    one.close()


def _members(count, width=1, integers=False):
    if integers:
        return [str(n) for n in range(count)]
    return [("m%d" % n).ljust(width, "x") for n in range(count)]


def _fill(kind, count, width=1, integers=False):
    """@return: the command that makes key C{k} of C{kind} with C{count} members."""
    members = _members(count, width, integers)
    if kind == "hash":
        return ["HSET", "k"] + [part for m in members for part in (m, "v")]
    if kind == "set":
        return ["SADD", "k"] + members
    if kind == "zset":
        return ["ZADD", "k"] + [part for m in members for part in ("1", m)]
    return ["RPUSH", "k"] + members


_ENCODE = ("OBJECT", "ENCODING", "k")


@pytest.mark.parametrize(
    "kind,count,width,integers",
    [
        ("hash", 512, 1, False),
        ("hash", 513, 1, False),
        ("hash", 3, 64, False),
        ("hash", 3, 65, False),
        ("set", 512, 1, True),
        ("set", 513, 1, True),
        ("set", 3, 1, False),
        ("zset", 128, 1, False),
        ("zset", 129, 1, False),
        ("zset", 3, 64, False),
        ("zset", 3, 65, False),
        ("list", 1, 1, False),
        ("list", 1000, 100, False),
    ],
)
def test_sizes_around_the_defaults(pair, kind, count, width, integers):
    pair.check(*_fill(kind, count, width, integers))
    pair.check(*_ENCODE)
    pair.check("DEBUG", "RELOAD")
    pair.check(*_ENCODE)


@pytest.mark.parametrize(
    "kind,shrink",
    [
        ("hash", ("HDEL", "k", "m0", "m1", "m2")),
        ("set", ("SREM", "k", "0", "1", "2")),
        ("zset", ("ZREM", "k", "m0", "m1", "m2")),
    ],
)
def test_conversions_go_one_way(pair, kind, shrink):
    limit = "set-max-intset-entries" if kind == "set" else "%s-max-listpack-entries"
    pair.check("CONFIG", "SET", limit % kind if "%" in limit else limit, "4")
    pair.check(*_fill(kind, 4, integers=kind == "set"))
    pair.check(*_ENCODE)
    pair.check(*_fill(kind, 6, integers=kind == "set"))
    pair.check(*_ENCODE)
    pair.check(*shrink)
    pair.check(*_ENCODE)  # stays converted
    pair.check("RENAME", "k", "k2")
    pair.check("OBJECT", "ENCODING", "k2")
    pair.check("RENAME", "k2", "k")
    payload = pair.both("DUMP", "k")[0]
    pair.check("RESTORE", "k", "0", payload, "REPLACE")
    pair.check(*_ENCODE)  # made afresh from a small content
    pair.check(*_fill(kind, 6, integers=kind == "set"))
    pair.check(*shrink)
    pair.check("DEBUG", "RELOAD")
    pair.check(*_ENCODE)


def test_a_long_value_converts_for_good(pair):
    pair.check("HSET", "k", "f", "x" * 100)
    pair.check(*_ENCODE)
    pair.check("HSET", "k", "f", "short")
    pair.check(*_ENCODE)
    pair.check("SADD", "s", "1", "2", "word")
    pair.check("SREM", "s", "word")
    pair.check("OBJECT", "ENCODING", "s")


def test_config_set_waits_for_a_write(pair):
    pair.check("HSET", "k", "a", "1", "b", "2", "c", "3")
    pair.check("CONFIG", "SET", "hash-max-listpack-entries", "2")
    pair.check(*_ENCODE)  # nothing written yet
    pair.check("HSET", "k", "d", "4")
    pair.check(*_ENCODE)
    pair.check("CONFIG", "SET", "hash-max-listpack-entries", "100")
    pair.check("HDEL", "k", "d")
    pair.check(*_ENCODE)
    pair.check("SADD", "s", "1", "2", "3")
    pair.check("CONFIG", "SET", "set-max-intset-entries", "1")
    pair.check("OBJECT", "ENCODING", "s")
    pair.check("SADD", "s", "4")
    pair.check("OBJECT", "ENCODING", "s")


_WRITES = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "limit"]),
        st.integers(min_value=0, max_value=12),
        st.integers(min_value=1, max_value=12),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(["hash", "set", "zset"]), writes=_WRITES)
def test_random_writes_and_limits(servers, kind, writes):
    pair = Differ(servers[0].port, servers[1].port)
    pair.both("FLUSHALL")
    for name, value in _LIMITS.items():
        pair.both("CONFIG", "SET", name, value)
    limit = {
        "hash": "hash-max-listpack-entries",
        "set": "set-max-intset-entries",
        "zset": "zset-max-listpack-entries",
    }[kind]
    for action, first, count in writes:
        members = [str(n) for n in range(first, first + count)]
        if action == "limit":
            pair.check("CONFIG", "SET", limit, str(count))
        elif action == "add":
            pair.check(*_fill(kind, 0)[:2], *_pairs(kind, members))
        else:
            remove = {"hash": "HDEL", "set": "SREM", "zset": "ZREM"}[kind]
            pair.check(remove, "k", *members)
        pair.check(*_ENCODE)
    pair.close()


def _pairs(kind, members):
    if kind == "hash":
        return [part for m in members for part in (m, "v")]
    if kind == "zset":
        return [part for m in members for part in ("1", m)]
    return members


@pytest.mark.parametrize(
    "members",
    [
        ("1", "-5", "0"),
        ("1", "007"),
        ("-0",),
        ("9223372036854775807", "-9223372036854775808"),
        ("9223372036854775808",),
        ("1 2",),
        ("+1",),
        ("",),
    ],
)
def test_which_sets_are_integers(pair, members):
    pair.check("SADD", "k", *members)
    pair.check(*_ENCODE)
