"""
MEMORY: the replies' shapes, errors and texts against Redis (the numbers
cannot agree), and the sizes MEMORY USAGE estimates, on a fake clock.
"""

import sys

import pytest

from miniredis import sizes
from miniredis.quicklist import QuickList
from miniredis.store import Typed
from miniredis.zset import ZSet
from tests.differential import Differ
from tests.servers import miniredis_process, redis_process


def _shape(reply):
    """
    @return: C{reply} with its numbers replaced by their type: a map, or a
        flat array of names and values, as a list of C{(name, shape)}.
    """
    if isinstance(reply, dict):
        return [(name, _shape(value)) for name, value in reply.items()]
    if isinstance(reply, list):
        return [(reply[i], _shape(reply[i + 1])) for i in range(0, len(reply), 2)]
    return type(reply).__name__


# ---------------------------------------------------------------- differential


def test_errors_and_help(differ):
    differ.both("SET", "k", "v")
    differ.run(
        [
            ("MEMORY",),
            ("MEMORY", "NOSUCH"),
            ("MEMORY", "HELP"),
            ("MEMORY", "help", "x"),
            ("MEMORY", "USAGE"),
            ("MEMORY", "STATS", "x"),
            ("MEMORY", "DOCTOR", "x"),
            ("MEMORY", "MALLOC-STATS", "x"),
            ("MEMORY", "PURGE", "x"),
            ("MEMORY", "PURGE"),
            ("MEMORY", "USAGE", "nokey"),
            ("MEMORY", "USAGE", "nokey", "SAMPLES", "3"),
            ("MEMORY", "USAGE", "nokey", "SAMPLES", "x"),
            ("MEMORY", "USAGE", "nokey", "FOO"),
            ("MEMORY", "USAGE", "k", "SAMPLES"),
            ("MEMORY", "USAGE", "k", "samples", "x"),
            ("MEMORY", "USAGE", "k", "SAMPLES", "-1"),
            ("MEMORY", "USAGE", "k", "SAMPLES", "99999999999999999999"),
            ("MEMORY", "USAGE", "k", "FOO", "1"),
            ("MEMORY", "USAGE", "k", "SAMPLES", "1", "SAMPLES"),
        ]
    )


@pytest.mark.parametrize(
    "args",
    [
        ("SAMPLES", "0"),
        ("SAMPLES", "9223372036854775807"),
        ("SAMPLES", "2", "samples", "1"),
        (),
    ],
)
def test_usage_is_an_integer(differ, args):
    differ.both("RPUSH", "l", *"abcdefgh")
    differ.both("SET", "s", "hello")
    for key in ("l", "s"):
        real, mini = differ.both("MEMORY", "USAGE", key, *args)
        assert type(real) is int and type(mini) is int, (real, mini)
        assert mini > 0


def test_stats_shape(differ):
    real, mini = differ.both("MEMORY", "STATS")
    assert _shape(mini) == _shape(real)
    differ.both("SET", "k", "v")
    differ.both("SET", "e", "v", "EX", "100")
    differ.both("SELECT", "2")
    differ.both("SET", "k", "v")
    real, mini = differ.both("MEMORY", "STATS")
    differ.both("SELECT", "0")
    assert _shape(mini) == _shape(real)
    assert b"db.0" in dict(_shape(mini)) and b"db.2" in dict(_shape(mini))


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def fresh_differ(request, tmp_path):
    """
    A L{Differ} on servers of its own: MEMORY DOCTOR's verdict depends on
    all a server has allocated, which earlier tests leave behind.
    """
    (tmp_path / "real").mkdir()
    (tmp_path / "mini").mkdir()
    real = redis_process(str(tmp_path / "real")).start()
    mini = miniredis_process(str(tmp_path / "mini")).start()
    pair = Differ(real.port, mini.port, proto=request.param)
    yield pair
    pair.close()
    real.stop()
    mini.stop()


def test_doctor_and_malloc_stats(fresh_differ):
    differ = fresh_differ
    differ.check("MEMORY", "DOCTOR")
    differ.both("MSET", "a", "1", "b", "2")
    differ.both("RPUSH", "l", "x", "y")
    differ.check("MEMORY", "DOCTOR")
    # Redis's own is jemalloc's report: only its reply type can agree.
    real, mini = differ.both("MEMORY", "MALLOC-STATS")
    assert type(mini) is type(real)
    assert mini == b"Stats not supported for the current allocator"


def test_command_info_and_docs(differ):
    names = ["memory"] + [
        "memory|" + sub
        for sub in ("usage", "stats", "doctor", "malloc-stats", "purge", "help")
    ]
    real, mini = differ.both("COMMAND", "INFO", *names)
    for theirs, mine in zip(real, mini):
        # name, arity, flags, first, last, step and ACL categories
        assert mine[:7] == theirs[:7]
    real, mini = differ.both("COMMAND", "DOCS", "memory")
    for theirs, mine in zip(_docs(real), _docs(mini)):
        assert mine[b"group"] == theirs[b"group"] == b"server"
        assert sorted(mine.get(b"subcommands", {})) == sorted(
            theirs.get(b"subcommands", {})
        )


def _as_dict(reply):
    if isinstance(reply, dict):
        return reply
    return {reply[i]: reply[i + 1] for i in range(0, len(reply), 2)}


def _docs(reply):
    docs = _as_dict(_as_dict(reply)[b"memory"])
    if b"subcommands" in docs:
        docs[b"subcommands"] = _as_dict(docs[b"subcommands"])
    return [docs]


# ---------------------------------------------------------------- unit


def _usage(server, key, *args):
    return server.call("MEMORY", "USAGE", key, *args)


_SMALL_AND_LARGE = {
    "string": (b"x", b"x" * 1000),
    "typed": (Typed(1), Typed(b"x" * 1000)),
    "list": ("RPUSH", ["a"], ["a"] * 50),
    "hash": ("HSET", ["f", "v"], [p for i in range(50) for p in ("f%d" % i, "v")]),
    "set": ("SADD", ["a"], ["m%d" % i for i in range(50)]),
    "zset": ("ZADD", ["1", "a"], [p for i in range(50) for p in ("1", "m%d" % i)]),
}


def _make(server, key, kind, which):
    spec = _SMALL_AND_LARGE[kind]
    if kind in ("string", "typed"):
        server.store.db(0).set(key.encode(), spec[which])
    else:
        server.call(spec[0], key, *spec[1 + which])


@pytest.mark.parametrize("kind", sorted(_SMALL_AND_LARGE))
def test_usage_grows_with_the_value(server, kind):
    _make(server, "small", kind, 0)
    _make(server, "large", kind, 1)
    small = _usage(server, "small", "SAMPLES", "0")
    large = _usage(server, "large", "SAMPLES", "0")
    assert 0 < small < large
    assert _usage(server, "nokey") is None


def test_samples_extrapolate_aggregates_only(server):
    server.store.db(0).set(b"s", b"x" * 500)
    server.store.db(0).set(b"t", Typed(b"x" * 500))
    for key in ("s", "t"):
        assert _usage(server, key, "SAMPLES", "1") == _usage(server, key)
    # One short element among long ones: a sample of one misjudges the rest.
    long = "y" * 500
    server.call("RPUSH", "l", "a", long, long, long)
    server.call("HSET", "h", "a", "b", "f1", long, "f2", long, "f3", long)
    server.call("SADD", "set", "a", "1" + long, "2" + long, "3" + long)
    server.call("ZADD", "z", "1", "a", "2", "1" + long, "3", "2" + long)
    for key in ("l", "h", "set", "z"):
        exact = _usage(server, key, "SAMPLES", "0")
        assert _usage(server, key, "SAMPLES", "4") == exact
        assert _usage(server, key, "SAMPLES", "1") != exact
    # The default of five samples covers small aggregates in full.
    assert _usage(server, "l") == _usage(server, "l", "SAMPLES", "0")


def test_stats_are_consistent(server3):
    server3.call("SET", "k", "v")
    server3.call("SET", "e", "v", "EX", "100")
    stats = server3.call("MEMORY", "STATS")
    total = stats[b"total.allocated"]
    assert stats[b"dataset.bytes"] == total - stats[b"overhead.total"]
    assert stats[b"keys.count"] == 2
    assert stats[b"peak.allocated"] >= total >= stats[b"startup.allocated"]
    assert isinstance(stats[b"dataset.percentage"], float)
    assert 0 <= stats[b"dataset.percentage"] <= 100
    assert isinstance(stats[b"fragmentation"], float)
    tables = stats[b"db.0"]
    assert tables[b"overhead.hashtable.main"] > 0
    assert tables[b"overhead.hashtable.expires"] > 0
    assert server3.call("MEMORY", "PURGE") == b"OK"


@pytest.mark.skipif(not hasattr(sys, "getsizeof"), reason="checks against getsizeof")
def test_pypy_estimates_are_near_cpython_sizes():
    """
    On PyPy, MEMORY USAGE adds up estimates of what each object would take
    on CPython: checked here against CPython's own sizes, for a list value
    (its object, its parts, its packed chunks) and a sorted set.
    """
    values = [
        QuickList(b"member:%012d" % i for i in range(10000)),
        ZSet((b"member:%d" % i, float(i)) for i in range(1000)),
    ]
    for value in values:
        real = sizes.value_size(value, samples=0)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sizes, "sizeof", sizes._cpython_like)
            estimate = sizes.value_size(value, samples=0)
        assert 0.9 < estimate / real < 1.1, (type(value), estimate, real)
