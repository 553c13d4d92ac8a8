"""
RDB snapshots: the CRC-64 and LZF primitives, the writer and the loader on
every encoding (compact ones built here byte by byte from Redis's format
description), and files of a real redis-server 7.0 both ways.
"""

import math
import os
import platform
import random
import struct
import sys

import pytest

from miniredis.persistence import crc64 as crc64_module
from miniredis.persistence import rdb
from miniredis.persistence.crc64 import _crc64_bytes, crc64, crc64_python
from miniredis.persistence.files import write_atomically
from miniredis.persistence.lzf import LZFError, decompress
from miniredis.quicklist import QuickList
from miniredis.store import Store, Typed
from miniredis.zset import ZSet
from tests.persistence import populate, read_back
from tests.servers import RawConnection, redis_process

NOW = 1_700_000_000_000

# ---------------------------------------------------------------- CRC-64


@pytest.mark.parametrize("crc", [crc64, crc64_python, _crc64_bytes])
def test_crc64_check_value(crc):
    assert crc(0, b"123456789") == 0xE9C6D914C4B8D9CA
    assert crc(0, b"") == 0


@pytest.mark.parametrize("crc", [crc64, crc64_python])
def test_crc64_matches_bytewise_and_chains(crc):
    data = random.Random(1).randbytes(1003)
    whole = _crc64_bytes(0, data)
    assert crc(0, data) == whole
    assert crc(crc(0, data[:517]), data[517:]) == whole
    assert crc(0, memoryview(data)[3:]) == _crc64_bytes(0, data[3:])
    assert crc(5, b"") == 5


def test_crc64_runs_in_c_where_anycrc_is_a_dependency():
    """pyproject.toml asks for anycrc on CPython 3.11+: the RDB checksum uses it."""
    wanted = platform.python_implementation() == "CPython" and sys.version_info >= (
        3,
        11,
    )
    assert (crc64_module._anycrc is not None) == wanted


# ---------------------------------------------------------------- LZF


def test_lzf_literals_and_back_references():
    assert decompress(b"\x02abc", 3) == b"abc"
    # "abc" then a 9-byte copy from 3 back (overlapping: a repeating pattern)
    assert decompress(b"\x02abc\xe0\x00\x02", 12) == b"abc" * 4
    # a short copy that does not overlap: ctrl 0x20 = length 3, distance 4
    assert decompress(b"\x03abcd\x20\x03", 7) == b"abcdabc"


@pytest.mark.parametrize(
    "data, length",
    [
        (b"\x05ab", 7),  # literal run past the end
        (b"\x00a\x20\x05", 4),  # reference before the start
        (b"\x00a\xe0", 10),  # truncated reference
        (b"\x02abc", 4),  # wrong length
    ],
)
def test_lzf_errors(data, length):
    with pytest.raises(LZFError):
        decompress(data, length)


# ---------------------------------------------------------------- round trip


def sample_store():
    store = Store(databases=16, now_ms=lambda: NOW)
    db = store.db(0)
    db.set(b"str", b"hello")
    db.set(b"int", b"-12345")
    db.set(b"notint", b"007")
    db.set(b"bigint", b"%d" % (1 << 40))
    db.set(b"len63", b"x" * 63)
    db.set(b"len64", b"y" * 64)
    db.set(b"len16384", b"z" * 16384)
    db.set(b"binary", bytes(range(256)))
    db.set(b"typed-map", Typed({b"a": [1, 2, {b"b": None}], b"c": 2.5}))
    db.set(b"typed-int", Typed(42))
    db.set(b"list", QuickList([b"a", b"1", b"", b"b" * 300]))
    db.set(b"set", {b"m1", b"m2", b"3"})
    db.set(b"hash", {b"f": b"v", b"n": b"10"})
    db.set(b"zset", ZSet([(b"a", 1.5), (b"b", -math.inf), (b"c", 1e300)]))
    db.set(b"ttl", b"v")
    db.set_deadline(b"ttl", NOW + 5000)
    db.set(b"gone", b"v")
    db.set_deadline(b"gone", NOW - 1)
    store.db(5).set(b"elsewhere", QuickList([b"x"]))
    return store


def dumped(store, **kwargs):
    parts = []
    rdb.write_rdb(parts.append, store, now_ms=NOW, **kwargs)
    return b"".join(parts)


def loaded(data, **kwargs):
    store = Store(databases=16, now_ms=lambda: NOW)
    result = rdb.load_rdb(data, store, **kwargs)
    return store, result


def test_round_trip_every_type():
    original = sample_store()
    data = dumped(original)
    assert data.startswith(b"REDIS0009")
    store, result = loaded(data)
    assert result.keys == 16 and result.end == len(data) and result.version == 9
    assert result.aux[b"redis-ver"] == b"7.0.15"
    expected = dict(original.db(0).data)
    del expected[b"gone"]
    assert store.db(0).data == expected
    assert type(store.db(0).data[b"list"]) is QuickList
    assert store.db(0).data[b"typed-map"] == Typed(
        {b"a": [1, 2, {b"b": None}], b"c": 2.5}
    )
    assert store.db(0).expires.deadlines == {b"ttl": NOW + 5000}
    assert store.db(5).data == {b"elsewhere": QuickList([b"x"])}


def test_integers_are_int_encoded():
    assert rdb.encode_string(b"12") == b"\xc0\x0c"
    assert rdb.encode_string(b"-300") == b"\xc1" + struct.pack("<h", -300)
    assert rdb.encode_string(b"70000") == b"\xc2" + struct.pack("<i", 70000)
    assert rdb.encode_string(b"007") == b"\x03007"
    assert rdb.encode_string(b"4294967296") == b"\x0a4294967296"


def test_checksum_verified_and_optional():
    data = bytearray(dumped(sample_store()))
    data[40] ^= 0x01
    with pytest.raises(rdb.RDBError, match="wrong RDB checksum"):
        loaded(bytes(data))
    unchecked = dumped(sample_store(), checksum=False)
    assert unchecked.endswith(b"\x00" * 8)
    assert loaded(unchecked)[1].keys == 16


@pytest.mark.parametrize(
    "data, message",
    [
        (b"RADIS0009\xff", "wrong signature"),
        (b"REDIS0012\xff", "can't handle RDB format version 12"),
        (b"REDIS0009\xfe\x00\x00\x01k", "unexpected end of data"),
        (b"REDIS0009\xfe\x00\x07\x01k", "module value"),
        (b"REDIS0009\xfe\x40\x20", "more than 16 databases"),
        (b"REDIS0009\x08\x01k\x00\xff", "unknown RDB value type 8"),
        (b"REDIS0009\xf7\xff", "unsupported RDB opcode"),
    ],
)
def test_load_errors(data, message):
    with pytest.raises(rdb.RDBError, match=message):
        loaded(data + b"\x00" * 8)


def test_write_atomically_replaces_or_leaves_alone(tmp_path):
    path = str(tmp_path / "dump.rdb")
    write_atomically(path, lambda write: write(b"one"))
    with pytest.raises(RuntimeError):
        write_atomically(path, lambda write: (write(b"two"), _fail()))
    assert open(path, "rb").read() == b"one"
    assert os.listdir(str(tmp_path)) == ["dump.rdb"]


def _fail():
    raise RuntimeError("disk on fire")


# ------------------------------------------------ compact encodings, by hand


def int_width(value, choices):
    """@return: the first C{(tag, width)} whose signed width holds C{value}."""
    return next(
        (tag, width)
        for tag, width in choices
        if -(1 << (8 * width - 1)) <= value < 1 << (8 * width - 1)
    )


def ziplist(entries):
    """A ziplist as Redis 3.2 to 6.2 wrote them."""
    body, previous = b"", 0
    for entry in entries:
        head = (
            bytes((previous,))
            if previous < 254
            else b"\xfe" + previous.to_bytes(4, "little")
        )
        if isinstance(entry, int):
            if 0 <= entry <= 12:
                head += bytes((0xF1 + entry,))
            else:
                tag, width = int_width(
                    entry, ((0xFE, 1), (0xC0, 2), (0xF0, 3), (0xD0, 4), (0xE0, 8))
                )
                head += bytes((tag,)) + entry.to_bytes(width, "little", signed=True)
        else:
            n = len(entry)
            if n < 64:
                head += bytes((n,))
            elif n < 16384:
                head += bytes((0x40 | n >> 8, n & 0xFF))
            else:
                head += b"\x80" + n.to_bytes(4, "big")
            head += entry
        body += head
        previous = len(head)
    size = 10 + len(body) + 1
    return (
        size.to_bytes(4, "little")
        + (10).to_bytes(4, "little")
        + len(entries).to_bytes(2, "little")
        + body
        + b"\xff"
    )


def listpack(entries):
    """A listpack as Redis 7 writes them."""
    body = b""
    for entry in entries:
        if isinstance(entry, int):
            if 0 <= entry < 128:
                encoded = bytes((entry,))
            elif -4096 <= entry < 4096:
                value = entry & 0x1FFF
                encoded = bytes((0xC0 | value >> 8, value & 0xFF))
            else:
                tag, width = int_width(
                    entry, ((0xF1, 2), (0xF2, 3), (0xF3, 4), (0xF4, 8))
                )
                encoded = bytes((tag,)) + entry.to_bytes(width, "little", signed=True)
        else:
            n = len(entry)
            if n < 64:
                encoded = bytes((0x80 | n,)) + entry
            elif n < 4096:
                encoded = bytes((0xE0 | n >> 8, n & 0xFF)) + entry
            else:
                encoded = b"\xf0" + n.to_bytes(4, "little") + entry
        size = len(encoded)
        backlen = 1 if size <= 127 else 2 if size < 16383 else 3
        body += encoded + b"\x01" * backlen
    total = 6 + len(body) + 1
    return (
        total.to_bytes(4, "little")
        + len(entries).to_bytes(2, "little")
        + body
        + b"\xff"
    )


def intset(values, width):
    return (
        width.to_bytes(4, "little")
        + len(values).to_bytes(4, "little")
        + b"".join(v.to_bytes(width, "little", signed=True) for v in sorted(values))
    )


def zipmap(pairs):
    def length(n):
        return bytes((n,)) if n < 254 else b"\xfe" + n.to_bytes(4, "little")

    body = b"".join(
        length(len(k)) + k + length(len(v)) + b"\x02" + v + b"\x00\x00"
        for k, v in pairs
    )
    return bytes((len(pairs),)) + body + b"\xff"


def string(blob):
    return rdb.encode_length(len(blob)) + blob


def image(entries, version=9):
    """An RDB file of database 0 holding C{entries} (type byte onward)."""
    data = b"REDIS%04d\xfe\x00" % version + b"".join(entries) + b"\xff"
    return data + crc64(0, data).to_bytes(8, "little")


def entry(kind, key, payload):
    return bytes((kind,)) + string(key) + payload


EDGE_INTS = [0, 12, 13, -1, 127, 128, -128, 4095, 4096, -4096, -4097, 32767]
EDGE_INTS += [32768, -32769, 1 << 23, -(1 << 23) - 1, 1 << 31, (1 << 63) - 1]
EDGE_INTS += [-(1 << 63)]
EDGE_STRINGS = [b"", b"a", b"x" * 63, b"y" * 64, b"z" * 4095, b"w" * 4096]
EDGE_STRINGS += [b"v" * 16384]


def as_bytes(items):
    return [b"%d" % i if isinstance(i, int) else i for i in items]


def test_ziplist_encodings():
    items = EDGE_INTS + EDGE_STRINGS + [b"after a long entry"]
    data = image(
        [
            entry(rdb.LIST_ZIPLIST, b"l", string(ziplist(items))),
            entry(rdb.LIST_QUICKLIST, b"q", b"\x02" + string(ziplist([1, b"a"])) * 2),
            entry(rdb.HASH_ZIPLIST, b"h", string(ziplist([b"f", 1, b"g", b"v"]))),
            entry(rdb.ZSET_ZIPLIST, b"z", string(ziplist([b"m", b"1.5", b"n", 3]))),
        ]
    )
    store, result = loaded(data)
    db = store.db(0).data
    assert db[b"l"] == QuickList(as_bytes(items))
    assert db[b"q"] == QuickList([b"1", b"a", b"1", b"a"])
    assert db[b"h"] == {b"f": b"1", b"g": b"v"}
    assert db[b"z"] == ZSet([(b"m", 1.5), (b"n", 3.0)])


def test_listpack_encodings():
    items = EDGE_INTS + EDGE_STRINGS
    plain = b"p" * 100
    data = image(
        [
            entry(
                rdb.LIST_QUICKLIST_2,
                b"l",
                b"\x03"
                + b"\x02"
                + string(listpack(items))
                + b"\x01"
                + string(plain)
                + b"\x02"
                + string(listpack([b"end"])),
            ),
            entry(rdb.HASH_LISTPACK, b"h", string(listpack([b"f", 7, b"g", b"v"]))),
            entry(rdb.ZSET_LISTPACK, b"z", string(listpack([b"m", b"-inf", b"n", 2]))),
            entry(rdb.SET_LISTPACK, b"s", string(listpack([b"a", 5]))),
        ],
        version=11,
    )
    db = loaded(data)[0].db(0).data
    assert db[b"l"] == QuickList(as_bytes(items) + [plain, b"end"])
    assert db[b"h"] == {b"f": b"7", b"g": b"v"}
    assert db[b"z"] == ZSet([(b"m", -math.inf), (b"n", 2.0)])
    assert db[b"s"] == {b"a", b"5"}


def test_intset_zipmap_and_old_zset():
    old_scores = b"\x02" + string(b"a") + b"\x031.5" + string(b"b") + b"\xfe"
    data = image(
        [
            entry(rdb.SET_INTSET, b"i2", string(intset([1, -2, 300], 2))),
            entry(rdb.SET_INTSET, b"i4", string(intset([1 << 20, -5], 4))),
            entry(rdb.SET_INTSET, b"i8", string(intset([1 << 40], 8))),
            entry(
                rdb.HASH_ZIPMAP,
                b"zm",
                string(zipmap([(b"f", b"v"), (b"k" * 300, b"")])),
            ),
            entry(rdb.ZSET, b"z", old_scores),
        ],
        version=6,
    )
    db = loaded(data)[0].db(0).data
    assert db[b"i2"] == {b"1", b"-2", b"300"}
    assert db[b"i4"] == {b"1048576", b"-5"}
    assert db[b"i8"] == {b"1099511627776"}
    assert db[b"zm"] == {b"f": b"v", b"k" * 300: b""}
    assert db[b"z"] == ZSet([(b"a", 1.5), (b"b", math.inf)])


def test_opcodes_expiry_in_seconds_and_skipped_records():
    data = image(
        [
            b"\xfa" + string(b"note") + string(b"hi"),
            b"\xfb\x02\x01",
            b"\xfd" + (1_800_000_000).to_bytes(4, "little"),
            b"\xf8\x05",
            entry(rdb.STRING, b"sec", string(b"v")),
            b"\xf9\x07",
            b"\xfc" + (NOW - 10).to_bytes(8, "little"),
            entry(rdb.STRING, b"expired", string(b"v")),
            b"\xf5"
            + string(b"#!lua name=lib\nredis.register_function('f', function() end)"),
            entry(rdb.SET, b"empty", b"\x00"),
            entry(rdb.STRING, b"lzf", b"\xc3\x07\x0c\x02abc\xe0\x00\x02"),
        ]
    )
    store, result = loaded(data)
    assert store.db(0).data == {b"sec": b"v", b"lzf": b"abc" * 4}
    assert store.db(0).expires.deadlines == {b"sec": 1_800_000_000_000}
    assert result.aux == {b"note": b"hi"}
    assert result.expired == 1 and result.keys == 2
    assert len(result.functions) == 1


def test_typed_prefix_is_documented_and_checked():
    store = Store(now_ms=lambda: NOW)
    store.db(0).set(b"k", Typed([1, {b"x": b"y"}]))
    data = dumped(store)
    assert rdb.TYPED_PREFIX + b"*2\r\n:1\r\n%1\r\n$1\r\nx\r\n$1\r\ny\r\n" in data
    bad = image([entry(rdb.STRING, b"k", string(rdb.TYPED_PREFIX + b"*2\r\n:1"))])
    with pytest.raises(rdb.RDBError, match="malformed typed value"):
        loaded(bad)


# ------------------------------------------------------- a real redis-server


def from_store(store):
    out = {}
    for db in store.databases:
        for key, value in db.data.items():
            if isinstance(value, bytes):
                shown = (b"string", value)
            elif isinstance(value, QuickList):
                shown = (b"list", list(value))
            elif isinstance(value, set):
                shown = (b"set", sorted(value))
            elif isinstance(value, dict):
                shown = (b"hash", value)
            else:
                shown = (b"zset", list(value.items()))
            out[(db.index, key)] = shown + (db.expires.deadlines.get(key, -1),)
    return out


@pytest.fixture
def real(tmp_path):
    server = redis_process(
        str(tmp_path), "--dbfilename", "real.rdb", "--enable-debug-command", "yes"
    ).start()
    conn = RawConnection(server.port)
    yield server, conn
    conn.close()
    server.stop()


def test_redis_dump_loads_equal(real, tmp_path):
    """redis-server 7.0 writes (listpack, quicklist 2, intset, LZF...); we read."""
    server, conn = real
    populate(conn)
    conn.call("SAVE")
    data = open(str(tmp_path / "real.rdb"), "rb").read()
    assert data.startswith(b"REDIS0010")
    store = Store()
    result = rdb.load_rdb(data, store)
    assert result.keys == 19
    assert from_store(store) == read_back(conn)


def test_our_dump_loads_equal_in_redis(real, tmp_path):
    """What we write, redis-server 7.0 reads: every key equal, TTLs too."""
    server, conn = real
    populate(conn)
    conn.call("SAVE")
    store = Store()
    rdb.load_rdb(open(str(tmp_path / "real.rdb"), "rb").read(), store)
    expected = read_back(conn)
    conn.call("FLUSHALL")
    write_atomically(
        str(tmp_path / "ours.rdb"), lambda write: rdb.write_rdb(write, store)
    )
    conn.call("CONFIG", "SET", "dbfilename", "ours.rdb")
    assert conn.call("DEBUG", "RELOAD", "NOSAVE") == b"OK"
    assert read_back(conn) == expected
