"""
HyperLogLog commands: unit tests (what persistence is given, typed values,
deadlines) and differential tests against Redis, the stored strings
compared byte for byte (sparse, dense, across the promotion, corrupted).
"""

import random

import pytest

from miniredis.commands import hyperloglog
from miniredis.resp import ReplyError
from tests.local import WRONGTYPE

NOT_HLL = ReplyError(hyperloglog.NOT_HLL)
CORRUPTED = ReplyError(hyperloglog.CORRUPTED)
STALE_SPARSE = b"HYLL\x01\x00\x00\x00" + bytes(7) + b"\x80"


def _elements(prefix, count, start=0):
    return ["%s%d" % (prefix, i) for i in range(start, start + count)]


def _add(differ, key, elements, batch=10000):
    for i in range(0, len(elements), batch):
        differ.check("PFADD", key, *elements[i : i + batch])


def _index_of(element):
    return hyperloglog.position(element.encode())[0]


# ---------------------------------------------------------------- unit


def test_what_persistence_is_given(server):
    call = server.call
    assert call("PFADD", "h", "a", "b") == 1
    assert call("PFADD", "h", "a") == 0  # unchanged: not logged
    assert call("PFCOUNT", "h") == 2  # the cache is written: logged
    assert call("PFCOUNT", "h") == 2  # read from the cache
    assert call("PFCOUNT", "h", "nokey") == 2  # a union changes nothing
    assert call("PFMERGE", "d", "h") == b"OK"
    call("SET", "s", "foo")
    assert call("PFADD", "s", "x") == NOT_HLL
    assert call("PFCOUNT", "nokey") == 0
    assert server.logged == [
        (0, [b"PFADD", b"h", b"a", b"b"]),
        (0, [b"PFCOUNT", b"h"]),
        (0, [b"PFMERGE", b"d", b"h"]),
        (0, [b"SET", b"s", b"foo"]),
    ]


def test_typed_values_are_no_hll(server):
    call = server.call
    call("SET", "n", 12)
    call("SET", "t", [1, 2])
    for key in ("n", "t"):
        assert call("PFADD", key, "a") == NOT_HLL
        assert call("PFCOUNT", key) == NOT_HLL
        assert call("PFCOUNT", key, "nokey") == NOT_HLL
        assert call("PFMERGE", "d", key) == NOT_HLL
    assert call("GET", "t") == [1, 2]
    assert call("EXISTS", "d") == 0


def test_deadlines_stay(server):
    call = server.call
    call("PFADD", "h", "a")
    call("EXPIRE", "h", "100")
    call("PFADD", "h", "b")
    assert call("PFCOUNT", "h") == 2
    call("PFMERGE", "h", "nokey")
    assert call("TTL", "h") == 100


def test_a_shared_value_is_parsed_again(server):
    call = server.call
    call("PFADD", "h", "a")
    call("COPY", "h", "c")
    for key, element in (("h", "b"), ("c", "c")):
        call("PFADD", key, element)
        assert call("PFCOUNT", key) == 2
    assert call("PFCOUNT", "h", "c") == 3


def test_sparse_limit_from_config(server):
    call = server.call
    call("CONFIG", "SET", "hll-sparse-max-bytes", "0")
    call("PFADD", "h", "a")
    assert len(call("GET", "h")) == hyperloglog.DENSE_SIZE
    call("CONFIG", "SET", "hll-sparse-max-bytes", "1kb")
    assert call("CONFIG", "GET", "hll-sparse-max-bytes") == [
        b"hll-sparse-max-bytes",
        b"1024",
    ]


def test_dirty_counts_every_update(server):
    store = server.store
    server.call("PFADD", "h", "a")
    dirty = store.dirty
    server.call("PFADD", "h", "b", "c", "d")
    assert store.dirty == dirty + 3


# ---------------------------------------------------------------- differential


def test_command_info(differ):
    for name in ("PFADD", "PFCOUNT", "PFMERGE"):
        real, mini = differ.both("COMMAND", "INFO", name)
        assert mini[0][:7] == real[0][:7]


def test_config(differ):
    differ.run(
        [
            ("CONFIG", "GET", "hll-sparse-max-bytes"),
            ("CONFIG", "SET", "hll-sparse-max-bytes", "-1"),
            ("CONFIG", "SET", "hll-sparse-max-bytes", "many"),
            ("CONFIG", "SET", "hll-sparse-max-bytes", "1k"),
            ("CONFIG", "GET", "hll-sparse-max-bytes"),
            ("CONFIG", "SET", "hll-sparse-max-bytes", "3000"),
        ]
    )


def test_empty_and_small(differ):
    differ.run(
        [
            ("PFADD", "h"),
            ("GET", "h"),
            ("PFADD", "h"),
            ("PFCOUNT", "h"),
            ("GET", "h"),
            ("PFADD", "h", "a", "b", "c", "a"),
            ("GET", "h"),
            ("PFCOUNT", "h"),
            ("GET", "h"),
            ("OBJECT", "ENCODING", "h"),
            ("PFADD", "e", ""),
            ("GET", "e"),
            ("PFCOUNT", "nokey"),
            ("EXISTS", "nokey"),
        ]
    )


def test_growing_one_by_one_across_the_promotion(differ):
    for i, element in enumerate(_elements("e", 1800)):
        differ.check("PFADD", "h", element)
        if i % 40 == 0:
            differ.check("GET", "h")
            differ.check("PFCOUNT", "h")
    differ.check("GET", "h")
    assert differ.check("STRLEN", "h") == hyperloglog.DENSE_SIZE


@pytest.mark.parametrize("limit", ["0", "40", "300", "3000", "20000"])
def test_batches_and_sparse_limits(differ, limit):
    differ.check("CONFIG", "SET", "hll-sparse-max-bytes", limit)
    try:
        for size in (3, 30, 300, 3000):
            differ.check("PFADD", "h", *_elements("b%d-" % size, size))
            differ.check("GET", "h")
            differ.check("PFCOUNT", "h")
    finally:
        differ.check("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


@pytest.mark.parametrize("size", [1, 100, 10000, 200000])
def test_counts(differ, size):
    _add(differ, "h", _elements("x", size))
    differ.check("PFCOUNT", "h")
    differ.check("GET", "h")
    differ.check("PFCOUNT", "h")


def test_random_binary_elements(differ):
    rng = random.Random(7)
    for n in range(20):
        elements = [
            bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 40)))
            for _ in range(rng.randrange(1, 300))
        ]
        differ.check("PFADD", "r%d" % n, *elements)
        differ.check("GET", "r%d" % n)
    differ.check("PFCOUNT", *["r%d" % n for n in range(20)])
    differ.check("PFMERGE", "all", *["r%d" % n for n in range(20)])
    differ.check("GET", "all")


def test_several_keys_and_merges(differ):
    _add(differ, "small", _elements("s", 50))
    _add(differ, "mid", _elements("m", 900))
    _add(differ, "big", _elements("b", 20000))
    differ.run(
        [
            ("PFCOUNT", "small", "mid"),
            ("PFCOUNT", "small", "mid", "big", "nokey"),
            ("PFCOUNT", "nokey", "nokey2"),
            ("PFMERGE", "new-sparse", "small", "mid"),
            ("GET", "new-sparse"),
            ("PFCOUNT", "new-sparse"),
            ("PFMERGE", "new-dense", "small", "big"),
            ("GET", "new-dense"),
            ("PFMERGE", "small", "mid"),  # an existing sparse destination
            ("GET", "small"),
            ("PFMERGE", "mid", "big"),  # becomes dense
            ("GET", "mid"),
            ("PFMERGE", "big", "new-sparse"),  # an existing dense destination
            ("GET", "big"),
            ("PFCOUNT", "big"),
            ("PFMERGE", "alone"),
            ("GET", "alone"),
            ("PFMERGE", "alone", "nokey"),
            ("GET", "alone"),
            ("OBJECT", "ENCODING", "alone"),
        ]
    )


def test_merge_promotes_a_sparse_destination(differ):
    differ.check("CONFIG", "SET", "hll-sparse-max-bytes", "200")
    try:
        _add(differ, "a", _elements("a", 60))
        _add(differ, "b", _elements("b", 60))
        differ.run([("GET", "a"), ("PFMERGE", "a", "b"), ("GET", "a")])
    finally:
        differ.check("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


def test_errors(differ):
    differ.run(
        [
            ("PFADD",),
            ("PFCOUNT",),
            ("PFMERGE",),
            ("SET", "s", "foo"),
            ("SET", "i", "12345"),
            ("RPUSH", "l", "a"),
            ("SET", "short", "HYLL\x01"),
            ("SET", "enc", "HYLL\x02" + "\x00" * 20),
            ("SET", "dense-size", "HYLL\x00" + "\x00" * 20),
            ("PFADD", "h", "a"),
        ]
    )
    for key in ("s", "i", "l", "short", "enc", "dense-size"):
        differ.run(
            [
                ("PFADD", key, "a"),
                ("PFCOUNT", key),
                ("PFCOUNT", "h", key),
                ("PFMERGE", key, "h"),
                ("PFMERGE", "d", "h", key),
            ]
        )
    differ.check("EXISTS", "d")


def test_values_cross_between_servers(differ):
    real, mini = differ.real, differ.mini
    for key, size in (("sparse", 200), ("dense", 5000)):
        real.call("PFADD", key, *_elements("r", size))
        mini.call("PFADD", key, *_elements("m", size))
        from_real = real.call("GET", key)
        from_mini = mini.call("GET", key)
        for server in (real, mini):
            server.call("SET", "from-real", from_real)
            server.call("SET", "from-mini", from_mini)
        assert mini.call("PFCOUNT", "from-real") == real.call("PFCOUNT", key)
        assert real.call("PFCOUNT", "from-mini") == mini.call("PFCOUNT", key)
        real.call("PFCOUNT", "from-real")
        mini.call("PFCOUNT", "from-mini")
        for name in ("from-real", "from-mini"):
            differ.check("GET", name)
            differ.check("PFADD", name, "x", "y")
            differ.check("GET", name)
            differ.check("PFCOUNT", name)
        differ.check("DEL", "from-real", "from-mini")
        # DUMP payloads: a large string is compressed by Redis only.
        assert mini.call("RESTORE", "r", "0", real.call("DUMP", key)) == b"OK"
        assert real.call("RESTORE", "m", "0", mini.call("DUMP", key)) == b"OK"
        assert mini.call("GET", "r") == real.call("GET", key)
        assert real.call("GET", "m") == mini.call("GET", key)
        differ.check("DEL", "r", "m")


def test_stale_cache_count_is_a_change(differ):
    differ.check("PFADD", "h", "a")
    differ.run(
        [
            ("WATCH", "h"),
            ("PFCOUNT", "h"),  # fills the cache: touches the key
            ("MULTI",),
            ("PING",),
            ("EXEC",),
            ("WATCH", "h"),
            ("PFCOUNT", "h"),  # from the cache: no change
            ("PFADD", "h", "a"),  # no change
            ("MULTI",),
            ("PING",),
            ("EXEC",),
        ]
    )


def test_corrupted(differ):
    differ.check("PFADD", "h", "a", "b", "c")
    differ.run(
        [
            ("SET", "tail", differ.real.call("GET", "h")),
            ("APPEND", "tail", "hello"),
            ("PFCOUNT", "tail"),
            ("GET", "tail"),
            ("OBJECT", "ENCODING", "tail"),
            ("PFADD", "tail", "zz"),
            ("GET", "tail"),
            ("PFCOUNT", "tail", "h"),
            ("PFMERGE", "d", "tail"),
            ("SET", "magic", differ.real.call("GET", "h")),
            ("SETRANGE", "magic", "0", "0123"),
            ("PFCOUNT", "magic"),
            ("SET", "dense", differ.real.call("GET", "h")),
            ("SETRANGE", "dense", "4", "\x00"),
            ("PFCOUNT", "dense"),
            # a valid cache is believed
            ("SET", "cached", b"HYLL\x01\x00\x00\x00*" + bytes(6) + b"\x7fjunk"),
            ("PFCOUNT", "cached"),
            ("PFCOUNT", "cached", "h"),
            # one XZERO cut by the end of the string
            ("SET", "cut", STALE_SPARSE + b"\x7f"),
            ("PFCOUNT", "cut"),
            ("PFADD", "cut", "a"),
            ("GET", "cut"),
            # a VAL or a ZERO past the 16384th register
            ("SET", "val-after", STALE_SPARSE + b"\x7f\xff\x80"),
            ("PFCOUNT", "val-after"),
            ("PFCOUNT", "val-after", "h"),
            ("PFMERGE", "d", "val-after"),
            ("PFADD", "val-after", *_elements("v", 30)),
            ("GET", "val-after"),
            ("SET", "zero-after", STALE_SPARSE + b"\x7f\xff\x00"),
            ("PFMERGE", "zero-after", "h"),
            ("PFADD", "zero-after", *_elements("v", 30)),
            ("GET", "zero-after"),
            ("EXISTS", "d"),
        ]
    )


def test_a_failed_pfadd_keeps_what_it_changed(differ):
    # The opcodes cover registers 0 to 99 only.
    low = [e for e in _elements("e", 100000) if _index_of(e) < 100][:3]
    high = next(e for e in _elements("e", 10) if _index_of(e) >= 100)
    differ.run(
        [
            ("SET", "p", STALE_SPARSE + b"\x40\x63"),
            ("PFCOUNT", "p"),
            ("PFADD", "p", low[0], low[1], high, low[2]),
            ("GET", "p"),
            ("SET", "q", STALE_SPARSE + b"\x40\x63"),
            ("PFADD", "q", high),
            ("GET", "q"),
        ]
    )


def test_random_corruption(differ):
    rng = random.Random(11)
    differ.check("PFADD", "h", "a")
    for n in range(60):
        key = "f%d" % n
        _add(differ, key, _elements("x", rng.choice([5, 50, 500, 5000])))
        for _ in range(rng.randrange(1, 5)):
            size = differ.check("STRLEN", key)
            start = 16 if rng.random() < 0.9 else 0
            offset = str(rng.randrange(start, size))
            differ.check("SETRANGE", key, offset, bytes([rng.getrandbits(8)]))
        differ.run(
            [
                ("PFCOUNT", key),
                ("GET", key),
                ("PFADD", key, *_elements("y", rng.randrange(1, 50))),
                ("GET", key),
                ("PFCOUNT", key, "h"),
                ("PFMERGE", "m", key),
                ("GET", "m"),
            ]
        )


def test_wrongtype_of_other_types(server):
    server.call("RPUSH", "l", "a")
    assert server.call("PFADD", "l", "a") == WRONGTYPE
    assert server.call("PFCOUNT", "l", "nokey") == WRONGTYPE


def test_a_failed_pfadd_is_not_logged(server):
    low = next(e for e in _elements("e", 100000) if _index_of(e) < 100)
    high = next(e for e in _elements("e", 10) if _index_of(e) >= 100)
    server.call("SET", "p", STALE_SPARSE + b"\x40\x63")
    before = server.call("GET", "p")
    assert server.call("PFADD", "p", low, high) == CORRUPTED
    assert server.call("GET", "p") != before  # as in Redis: changed in place
    assert [argv[0] for _, argv in server.logged] == [b"SET"]


# ------------------------------------------------------ PFDEBUG, PFSELFTEST


def test_pfdebug_matches_redis(differ):
    differ.run(
        [
            ("PFADD", "h", "a", "b", "c"),
            ("PFDEBUG", "ENCODING", "h"),
            ("PFDEBUG", "DECODE", "h"),
            ("PFDEBUG", "GETREG", "h"),
            ("PFDEBUG", "ENCODING", "h"),
            ("PFDEBUG", "DECODE", "h"),
            ("PFDEBUG", "TODENSE", "h"),
            ("PFCOUNT", "h"),
            ("PFADD", "s", *["e%d" % i for i in range(300)]),
            ("PFDEBUG", "DECODE", "s"),
            ("PFDEBUG", "TODENSE", "s"),
            ("PFDEBUG", "TODENSE", "s"),
            ("PFDEBUG", "ENCODING", "s"),
            ("PFCOUNT", "s"),
            ("GET", "s"),
            ("PFDEBUG", "BOGUS", "s"),
            ("PFDEBUG", "GETREG", "missing"),
            ("PFDEBUG", "BOGUS", "missing"),
            ("SET", "str", "x"),
            ("PFDEBUG", "ENCODING", "str"),
            ("PFDEBUG", "GETREG"),
            ("PFDEBUG", "GETREG", "h", "extra"),
        ]
    )


def test_pfselftest(differ):
    differ.check("PFSELFTEST")
    differ.check("PFSELFTEST", "extra")
