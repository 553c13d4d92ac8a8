"""
DUMP and RESTORE: values of every type serialized by redis-server and
restored into miniredis and the other way round, the replies and errors of
both servers compared, the payload's footer, what persistence is given and
an AOF restart.
"""

import pytest

from miniredis import listpack
from miniredis.persistence import rdb
from miniredis.persistence.crc64 import crc64
from miniredis.resp import ReplyError
from miniredis.store import Typed
from tests.persistence import EPOCH, Server, commands_of, read_back
from tests.servers import RawConnection, redis_process

BAD_PAYLOAD = ReplyError("ERR DUMP payload version or checksum are wrong")


def payload(body, version=rdb.RDB_VERSION):
    """@return: C{body} with a DUMP footer: C{version} and a right checksum."""
    data = body + version.to_bytes(2, "little")
    return data + crc64(0, data).to_bytes(8, "little")


def numbers(count, step=1):
    return [str(i * step) for i in range(count)]


def pairs(count):
    return [x for i in range(count) for x in ("f%d" % i, "v%d" % i)]


# name -> the command that builds the value at "k" (its encoding in Redis)
VALUES = {
    "string-int": ("SET", "k", "12345"),
    "string-negative": ("SET", "k", "-70000"),
    "string-int64": ("SET", "k", "9223372036854775807"),
    "string-short": ("SET", "k", "hello"),
    "string-long": ("SET", "k", "abcdefgh" * 200),
    "string-binary": ("SET", "k", bytes(range(256)) * 3),
    "string-empty": ("SET", "k", ""),
    "list-small": ("RPUSH", "k", "1", "2", "a", "b" * 100, "-70000", ""),
    "list-large": ("RPUSH", "k", *numbers(3000), "y" * 10000, "z" * 20000),
    "set-int-small": ("SADD", "k", *numbers(100, -3)),
    "set-int-large": ("SADD", "k", *numbers(1000, 7)),
    "set-int-wide": ("SADD", "k", "1", "-70000", "9223372036854775807"),
    "set-string-small": ("SADD", "k", "a", "b", "c", ""),
    "set-string-large": ("SADD", "k", *["m%d" % i for i in range(600)]),
    "hash-small": ("HSET", "k", "f1", "v1", "f2", "2", "", "empty"),
    "hash-large": ("HSET", "k", *pairs(1000)),
    "hash-long-value": ("HSET", "k", "f", "z" * 200),
    "zset-small": ("ZADD", "k", "1.5", "a", "-2", "b", "1e300", "c", "inf", "d"),
    "zset-large": (
        "ZADD",
        "k",
        *[x for i in range(1000) for x in (repr(i / 3), "m%d" % i)],
    ),
    "zset-long-member": ("ZADD", "k", "-inf", "x" * 100, "0", "y"),
}


@pytest.fixture
def pair(redis_server, mini_server):
    """C{(real, mini)} connections to emptied servers."""
    real, mini = RawConnection(redis_server.port), RawConnection(mini_server.port)
    for conn in (real, mini):
        conn.call("FLUSHALL")
    yield real, mini
    real.close()
    mini.close()


@pytest.mark.parametrize("name", sorted(VALUES))
def test_values_cross_both_ways(pair, name):
    real, mini = pair
    for conn in (real, mini):
        assert not isinstance(conn.call(*VALUES[name]), ReplyError)
    assert mini.call("RESTORE", "from-real", "0", real.call("DUMP", "k")) == b"OK"
    assert real.call("RESTORE", "from-mini", "0", mini.call("DUMP", "k")) == b"OK"
    # and back again: miniredis's dump of what it restored from redis-server
    assert real.call("RESTORE", "again", "0", mini.call("DUMP", "from-real")) == b"OK"
    real_keys, mini_keys = read_back(real), read_back(mini)
    expected = real_keys[(0, b"k")]
    assert expected[1] is not None
    assert real_keys == {(0, k): expected for k in (b"k", b"from-mini", b"again")}
    assert mini_keys == {(0, k): expected for k in (b"k", b"from-real")}


@pytest.fixture(scope="module")
def debugging(tmp_path_factory):
    """A redis-server that answers DEBUG DIGEST-VALUE (miniredis does not)."""
    directory = str(tmp_path_factory.mktemp("redis-debug"))
    server = redis_process(directory, "--enable-debug-command", "yes").start()
    yield server
    server.stop()


def test_digests_survive_the_trip_through_miniredis(debugging, mini_server):
    """redis-server's value -> miniredis -> redis-server: the same digest."""
    real, mini = RawConnection(debugging.port), RawConnection(mini_server.port)
    mini.call("FLUSHALL")
    for name, command in sorted(VALUES.items()):
        real.call("DEL", "k", "back")
        real.call(*command)
        assert mini.call("RESTORE", name, "0", real.call("DUMP", "k")) == b"OK"
        assert real.call("RESTORE", "back", "0", mini.call("DUMP", name)) == b"OK"
        digests = real.call("DEBUG", "DIGEST-VALUE", "k", "back")
        assert digests[0] == digests[1], name
    real.close()
    mini.close()


# ---------------------------------------------------------------- errors


def test_dump_of_a_missing_key_and_arity(differ):
    differ.run(
        [
            ("DUMP", "nokey"),
            ("DUMP",),
            ("DUMP", "a", "b"),
            ("RESTORE", "k", "0"),
            ("RESTORE",),
        ]
    )


def test_replace_and_busykey(differ):
    real = differ.real.call
    real("SET", "src", "value")
    dumped = real("DUMP", "src")
    differ.run(
        [
            ("SET", "k", "old", "EX", "100"),
            ("RESTORE", "k", "0", dumped),
            ("RESTORE", "k", "0", "garbage"),
            ("RESTORE", "k", "-1", dumped),
            ("GET", "k"),
            ("RESTORE", "k", "0", dumped, "REPLACE"),
            ("GET", "k"),
            ("TTL", "k"),
            ("RESTORE", "k", "0", dumped, "replace", "REPLACE"),
            ("RPUSH", "l", "x"),
            ("RESTORE", "l", "0", dumped, "REPLACE"),
            ("TYPE", "l"),
            ("RESTORE", "new", "0", dumped),
            ("GET", "new"),
        ]
    )


def test_footer_errors(differ):
    differ.real.call("SET", "src", "value")
    dumped = differ.real.call("DUMP", "src")
    body = dumped[:-10]
    wrong_crc = dumped[:-1] + bytes([dumped[-1] ^ 1])
    differ.run(
        [
            ("RESTORE", "k", "0", wrong_crc),
            ("RESTORE", "k", "0", dumped[:-8] + b"\0" * 8),  # 0 is not "unchecked"
            ("RESTORE", "k", "0", payload(body, 12)),
            ("RESTORE", "k", "0", payload(body, 0xFFFF)),
            ("RESTORE", "k", "0", dumped[1:]),
            ("RESTORE", "k", "0", "short"),
            ("RESTORE", "k", "0", ""),
            ("RESTORE", "k", "0", payload(body, 9)),
            ("RESTORE", "k2", "0", payload(body, 1)),
            ("MGET", "k", "k2"),
        ]
    )


def test_bad_data(differ):
    nan = b"\x00\x00\x00\x00\x00\x00\xf8\x7f"
    bodies = [
        b"",  # the type byte is read from the footer
        b"\x01\x00",  # an empty list
        b"\x02\x00",  # an empty set
        b"\x02\x02\x01a\x01a",  # a duplicate member
        b"\x05\x02\x01a" + b"\0" * 8 + b"\x01a" + b"\0" * 8,
        b"\x05\x01\x01a" + nan,
        b"\x03\x01\x01a\x03nan",
        b"\x03\x01\x01a\x03abc",
        b"\x08\x00",  # no such type
        b"\xff",
        b"\x00\x80",  # a length past the end
        b"\x0b\x03abc",  # an intset too short
    ]
    differ.run(
        [("RESTORE", "k%d" % i, "0", payload(body)) for i, body in enumerate(bodies)]
    )
    differ.run(
        [
            ("DBSIZE",),
            # bytes left before the footer are ignored
            ("RESTORE", "extra", "0", payload(b"\x00\x02hiEXTRA")),
            # a value that runs into the footer takes it
            ("RESTORE", "into", "0", payload(b"\x00\x04hi")),
            ("MGET", "extra", "into"),
            ("RESTORE", "tiny", "0", b"\x00" * 10),
            ("GET", "tiny"),
        ]
    )


def test_option_syntax(differ):
    differ.real.call("SET", "src", "value")
    dumped = differ.real.call("DUMP", "src")
    differ.run(
        [
            ("RESTORE", "k", "0", dumped, "BOGUS"),
            ("RESTORE", "k", "0", dumped, "IDLETIME"),
            ("RESTORE", "k", "0", dumped, "FREQ"),
            ("RESTORE", "k", "0", dumped, "IDLETIME", "-1"),
            ("RESTORE", "k", "0", dumped, "IDLETIME", "x"),
            ("RESTORE", "k", "0", dumped, "FREQ", "256"),
            ("RESTORE", "k", "0", dumped, "FREQ", "-1"),
            ("RESTORE", "k", "0", dumped, "FREQ", "1.5"),
            ("RESTORE", "k", "0", dumped, "FREQ", "1", "IDLETIME", "1"),
            ("RESTORE", "k", "0", dumped, "IDLETIME", "1", "FREQ", "1"),
            ("RESTORE", "k", "x", dumped),
            ("RESTORE", "k", "99999999999999999999", dumped),
            ("RESTORE", "k", "-1", "garbage"),
            ("RESTORE", "k", "0", "garbage", "BOGUS"),
            ("SET", "busy", "v"),
            # options are read first, then the key, then the ttl
            ("RESTORE", "busy", "x", "garbage", "IDLETIME", "-1"),
            ("RESTORE", "busy", "x", "garbage"),
            ("RESTORE", "k", "0", dumped, "IDLETIME", "1", "IDLETIME", "2"),
            ("RESTORE", "k", "0", dumped, "absttl", "replace", "ABSTTL"),
            ("GET", "k"),
        ]
    )


def test_ttl(differ):
    differ.real.call("SET", "src", "value")
    dumped = differ.real.call("DUMP", "src")
    differ.check("RESTORE", "k", "5000", dumped)
    for conn in (differ.real, differ.mini):
        assert 4000 <= conn.call("PTTL", "k") <= 5000
    differ.check("RESTORE", "k", "0", dumped, "REPLACE")
    differ.check("PTTL", "k")
    # a relative ttl whose deadline overflows: Redis takes it as passed
    differ.check("RESTORE", "never", "9223372036854775807", dumped)
    differ.check("EXISTS", "never")


def test_absttl(differ):
    differ.real.call("SET", "src", "value")
    dumped = differ.real.call("DUMP", "src")
    differ.run(
        [
            ("RESTORE", "k", "4102444800000", dumped, "ABSTTL"),
            ("PEXPIRETIME", "k"),
            ("RESTORE", "max", "9223372036854775807", dumped, "ABSTTL"),
            ("PEXPIRETIME", "max"),
            # a deadline already passed: OK, and no key
            ("RESTORE", "past", "1", dumped, "ABSTTL"),
            ("EXISTS", "past"),
            # ... and with REPLACE the old value is gone too
            ("RESTORE", "k", "1", dumped, "ABSTTL", "REPLACE"),
            ("EXISTS", "k"),
            ("RESTORE", "k", "0", dumped, "ABSTTL"),
            ("PTTL", "k"),
        ]
    )


def near(differ, *args):
    """Both servers' integer replies, equal but for a second ticking between."""
    real, mini = differ.both(*args)
    assert abs(real - mini) <= 1, (args, real, mini)
    return mini


@pytest.mark.parametrize(
    "idle", ["0", "1000", "16777215", "20000000", "99999999999", "9223372036854775807"]
)
def test_idletime(differ, idle):
    """Redis keeps 24 bits of seconds: long idle times wrap as they do there."""
    differ.real.call("SET", "src", "value")
    dumped = differ.real.call("DUMP", "src")
    differ.check("RESTORE", "k", "0", dumped, "IDLETIME", idle)
    near(differ, "OBJECT", "IDLETIME", "k")
    differ.check("RESTORE", "k", "0", dumped, "REPLACE", "FREQ", "100")
    assert near(differ, "OBJECT", "IDLETIME", "k") <= 1  # no LFU: FREQ is ignored
    differ.check("OBJECT", "FREQ", "k")


def test_freq_under_lfu(differ):
    differ.real.call("SET", "src", "value")
    dumped = differ.real.call("DUMP", "src")
    try:
        differ.run(
            [
                ("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"),
                ("RESTORE", "k", "0", dumped, "FREQ", "100"),
                ("OBJECT", "FREQ", "k"),
                ("RESTORE", "zero", "0", dumped, "FREQ", "0"),
                ("OBJECT", "FREQ", "zero"),
                ("RESTORE", "top", "0", dumped, "FREQ", "255"),
                ("OBJECT", "FREQ", "top"),
                # IDLETIME has no effect under LFU: a new key's counter
                ("RESTORE", "idle", "0", dumped, "IDLETIME", "1000"),
                ("OBJECT", "FREQ", "idle"),
                ("OBJECT", "IDLETIME", "idle"),
            ]
        )
    finally:
        differ.both("CONFIG", "SET", "maxmemory-policy", "noeviction")


# ---------------------------------------------------------------- miniredis


def test_payload_footer(server):
    server.call("SET", "k", "hello")
    dumped = server.call("DUMP", "k")
    assert dumped == payload(b"\x00\x05hello")
    assert dumped[-10:-8] == b"\x09\x00"  # v9 encodings; Redis 2.6 and up read it


def test_versions_up_to_what_the_loader_reads(server):
    """A deliberate difference: Redis 7.2's payloads (v11) restore here."""
    body = b"\x14" + rdb.encode_string(b"\x0a\x00\x00\x00\x01\x00\x81a\x02\xff")
    assert server.call("RESTORE", "k", "0", payload(body, 11)) == b"OK"
    assert server.call("SMEMBERS", "k") == [b"a"]
    assert server.call("RESTORE", "k2", "0", payload(body, 12)) == BAD_PAYLOAD


@pytest.mark.parametrize(
    "value",
    [Typed(42), Typed([1, b"two", None]), Typed({b"a": [1, 2.5, None]}), Typed(None)],
    ids=["int", "array", "map", "null"],
)
def test_typed_values_round_trip(server3, value):
    server3.store.db(0).set(b"k", value)
    dumped = server3.call("DUMP", "k")
    assert server3.call("RESTORE", "copy", "0", dumped) == b"OK"
    assert server3.store.db(0).data[b"copy"] == value
    assert server3.call("TYPE", "copy") == server3.call("TYPE", "k")


def test_what_persistence_is_given(server):
    call = server.call
    now = server.now_ms()
    call("SET", "src", "v")
    dumped = call("DUMP", "src")
    server.logged.clear()
    call("RESTORE", "plain", "0", dumped)
    call("RESTORE", "rel", "5000", dumped, "IDLETIME", "10")
    call("RESTORE", "abs", "%d" % (now + 9000), dumped, "ABSTTL")
    call("RESTORE", "abs", "1", dumped, "ABSTTL", "REPLACE")  # deletes it
    call("RESTORE", "gone", "1", dumped, "ABSTTL")  # nothing changes
    call("RESTORE", "plain", "0", dumped)  # BUSYKEY
    assert server.logged == [
        (0, [b"RESTORE", b"plain", b"0", dumped]),
        (
            0,
            [b"RESTORE", b"rel", b"%d" % (now + 5000), dumped]
            + [b"IDLETIME", b"10", b"ABSTTL"],
        ),
        (0, [b"RESTORE", b"abs", b"%d" % (now + 9000), dumped, b"ABSTTL"]),
        (0, [b"DEL", b"abs"]),
    ]
    assert call("OBJECT", "IDLETIME", "rel") == 10
    server.advance(5)
    assert call("EXISTS", "rel") == 0


def test_freq_decays_a_point_a_minute(server):
    call = server.call
    call("SET", "src", "v")
    dumped = call("DUMP", "src")
    call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    call("RESTORE", "k", "0", dumped, "FREQ", "20")
    server.advance(150)
    assert call("OBJECT", "FREQ", "k") == 18


def test_a_restored_list_serves_blocked_clients(server):
    call = server.call
    call("RPUSH", "src", "1")
    dumped = call("DUMP", "src")
    waiting = server.connect()
    waiting.send("BLPOP", "dst", "0")
    call("RESTORE", "dst", "0", dumped)
    assert waiting.replies() == [[b"dst", b"1"]]


def test_restored_keys_survive_an_aof_restart(tmp_path):
    first = Server(tmp_path, appendonly=True)
    first.call("RPUSH", "src", "a", "b")
    dumped = first.call("DUMP", "src")
    assert first.call("RESTORE", "kept", "0", dumped) == b"OK"
    assert first.call("RESTORE", "ttl", "100000", dumped) == b"OK"
    deadline = (EPOCH + 100) * 1000
    assert [b"RESTORE", b"ttl", b"%d" % deadline, dumped, b"ABSTTL"] in commands_of(
        first.aof()
    )
    first.clock.advance(60)
    first.stop()
    again = Server(tmp_path, appendonly=True)
    db = again.store.db(0)
    assert list(db.data[b"kept"]) == list(db.data[b"ttl"]) == [b"a", b"b"]
    # the deadline stays where it was: replaying does not extend the key's life
    assert db.expires.deadlines == {b"ttl": deadline}


@pytest.mark.parametrize("cut", [1, 3, 4, 6, 7, 8])
def test_a_stream_node_cut_short(differ, cut):
    """
    Found by fuzzing: a stream node's listpack that ends inside an entry
    raised StopIteration out of RESTORE (dropping the client). miniredis
    always checks payloads, as Redis does with sanitize-dump-payload yes.
    """
    # count, deleted, 1 field "f", end mark; then one entry: flags, ms, seq,
    # value, element count
    items = [1, 0, 1, b"f", 0, rdb.STREAM_SAME_FIELDS, 0, 0, b"v", 4]
    blob = listpack.encode(items[: len(items) - cut])
    body = (
        b"\x13\x01"
        + rdb.encode_string(b"\0" * 16)
        + rdb.encode_string(blob)
        + b"\x01\x00\x01\x00\x00\x00\x00\x01\x00"
    )
    differ.check("CONFIG", "SET", "sanitize-dump-payload", "yes")
    try:
        differ.check("RESTORE", "k", "0", payload(body))
        differ.check("EXISTS", "k")
    finally:
        differ.check("CONFIG", "SET", "sanitize-dump-payload", "no")
