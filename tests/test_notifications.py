"""
Keyspace notifications compared with redis-server's: the same commands on
both servers, and the messages a C{PSUBSCRIBE __key*__:*} subscriber gets
from each compared in full, order included.
"""

import time

import pytest

from tests.differential import Differ
from tests.servers import RawConnection


class Events:
    """
    A L{Differ} plus one RESP2 subscriber per server, listening to every
    keyspace and keyevent channel.
    """

    def __init__(self, redis_port, mini_port, flags):
        self.differ = Differ(redis_port, mini_port)
        self.differ.check("FLUSHALL")
        self.differ.check("CONFIG", "SET", "notify-keyspace-events", flags)
        self.subscribers = []
        for port in (redis_port, mini_port):
            subscriber = RawConnection(port)
            subscriber.call("PSUBSCRIBE", "__key*__:*")
            self.subscribers.append(subscriber)

    def received(self):
        """@return: C{(redis-server's messages, miniredis's)} since last asked."""
        found = []
        for subscriber in self.subscribers:
            subscriber.send("PING")
            messages = []
            while True:
                message = subscriber.read()
                if message == [b"pong", b""]:
                    break
                messages.append(message[2:])
            found.append(messages)
        return found

    def check(self, script, unordered=False):
        """
        Run C{script} on both servers; assert the same messages came. A
        step starting with C{"~"} has replies that may differ (random picks).
        """
        for step in script:
            if step[0] == "~":
                self.differ.both(*step[1:])
            else:
                self.differ.check(*step, unordered=unordered)
        real, mini = self.received()
        assert mini == real, (script, real, mini)
        return real

    def close(self):
        self.differ.check("CONFIG", "SET", "notify-keyspace-events", "")
        self.differ.check("FLUSHALL")
        self.differ.close()
        for subscriber in self.subscribers:
            subscriber.close()


@pytest.fixture
def events(request, redis_server, mini_server):
    made = []

    def make(flags="KEA"):
        made.append(Events(redis_server.port, mini_server.port, flags))
        return made[-1]

    yield make
    for each in made:
        each.close()


STRINGS = [
    ("SET", "s", "1"),
    ("SET", "s", "2", "EX", "100"),
    ("SET", "s", "3", "KEEPTTL"),
    ("SET", "s", "4", "PX", "100000", "GET"),
    ("SET", "s", "5", "NX"),
    ("SET", "s2", "5", "XX"),
    ("SET", "s2", "5", "NX", "EXAT", "99999999999"),
    ("SETNX", "s", "x"),
    ("SETNX", "s3", "x"),
    ("SETEX", "s4", "100", "v"),
    ("PSETEX", "s5", "100000", "v"),
    ("GETSET", "s", "6"),
    ("GETSET", "s6", "6"),
    ("GETDEL", "s6"),
    ("GETDEL", "s6"),
    ("GETEX", "s", "EX", "50"),
    ("GETEX", "s", "PERSIST"),
    ("GETEX", "s", "PX", "0"),
    ("GETEX", "s2", "PXAT", "1"),
    ("GETEX", "s3"),
    ("MSET", "a", "1", "b", "2", "a", "3"),
    ("MSETNX", "c", "1", "d", "2"),
    ("MSETNX", "c", "1", "e", "2"),
    ("INCR", "n"),
    ("INCRBY", "n", "5"),
    ("DECR", "n"),
    ("DECRBY", "n", "2"),
    ("DECRBY", "nn", "2"),
    ("INCR", "a"),
    ("INCRBYFLOAT", "f", "1.5"),
    ("INCRBYFLOAT", "f", "1e3"),
    ("APPEND", "ap", "x"),
    ("APPEND", "ap", "y"),
    ("SETRANGE", "sr", "3", "abc"),
    ("SETRANGE", "sr", "0", ""),
    ("SETRANGE", "missing", "0", ""),
    ("SETRANGE", "sr", "1", "Z"),
    ("INCR", "s4"),
    ("SET", "s4", "1", "EX", "0"),
    # checked together: whichever meets the past deadline first (GET, or a
    # server's own expiry), the messages of the pair are the same
    [("SET", "s4", "1", "PXAT", "1"), ("GET", "s4")],
]

KEYS = [
    ("SET", "a", "1"),
    ("SET", "b", "2"),
    ("RPUSH", "l", "x"),
    ("DEL", "a", "b", "zz"),
    ("MSET", "a", "1", "b", "2", "c", "3"),
    ("UNLINK", "a", "nope"),
    ("EXPIRE", "b", "100"),
    ("EXPIRE", "b", "50", "GT"),
    ("EXPIRE", "b", "500", "GT"),
    ("PEXPIRE", "b", "900000"),
    ("EXPIREAT", "b", "99999999999"),
    ("PEXPIREAT", "b", "99999999999999"),
    ("PERSIST", "b"),
    ("PERSIST", "b"),
    ("EXPIRE", "nope", "10"),
    ("EXPIRE", "c", "-1"),
    ("SET", "c", "1"),
    ("PEXPIREAT", "c", "1"),
    ("SET", "c", "1"),
    ("RENAME", "b", "r"),
    ("RENAME", "r", "r"),
    ("SET", "x", "1"),
    ("RENAME", "r", "x"),
    ("RENAMENX", "x", "l"),
    ("RENAMENX", "x", "y"),
    ("COPY", "y", "z"),
    ("COPY", "y", "z"),
    ("COPY", "y", "z", "REPLACE"),
    ("COPY", "y", "w", "DB", "1"),
    ("MOVE", "z", "2"),
    ("MOVE", "l", "2"),
    ("MOVE", "nope", "2"),
    ("SET", "t", "1"),
    ("TOUCH", "t"),
    ("SWAPDB", "0", "2"),
    ("SWAPDB", "0", "2"),
    ("FLUSHDB",),
    ("SET", "t", "1"),
    ("FLUSHALL",),
]

LISTS = [
    ("LPUSH", "l", "a", "b"),
    ("RPUSH", "l", "c"),
    ("LPUSHX", "l", "d"),
    ("RPUSHX", "l", "e"),
    ("LPUSHX", "nope", "d"),
    ("RPUSHX", "nope", "d"),
    ("LPOP", "l"),
    ("RPOP", "l", "2"),
    ("LSET", "l", "0", "z"),
    ("LINSERT", "l", "BEFORE", "z", "y"),
    ("LINSERT", "l", "AFTER", "nothere", "y"),
    ("LREM", "l", "0", "y"),
    ("LREM", "l", "0", "nothere"),
    ("RPUSH", "l", "1", "2", "3", "4"),
    ("LTRIM", "l", "1", "-2"),
    ("LTRIM", "l", "5", "1"),
    ("RPUSH", "l", "a", "b", "c"),
    ("LMOVE", "l", "m", "LEFT", "RIGHT"),
    ("LMOVE", "m", "m", "LEFT", "RIGHT"),
    ("RPOPLPUSH", "l", "l"),
    ("RPOPLPUSH", "l", "m"),
    ("RPOPLPUSH", "l", "m"),
    ("LMPOP", "2", "nope", "m", "LEFT", "COUNT", "10"),
    ("RPUSH", "l", "a"),
    ("LPOP", "l"),
    ("RPUSH", "l", "a", "b"),
    ("RPOP", "l", "5"),
    ("LPOP", "l"),
    ("BLPOP", "nope", "l", "0.01"),
    ("RPUSH", "l", "a"),
    ("BLPOP", "nope", "l", "0.01"),
    ("RPUSH", "l", "a", "b"),
    ("BRPOP", "l", "0.01"),
    ("BLMOVE", "l", "m", "RIGHT", "LEFT", "0.01"),
    ("BRPOPLPUSH", "m", "n", "0.01"),
    ("BLMPOP", "0.01", "1", "n", "RIGHT"),
    ("BLMPOP", "0.01", "1", "m", "RIGHT", "COUNT", "5"),
]

HASHES = [
    ("HSET", "h", "a", "1", "b", "2"),
    ("HSET", "h", "a", "1"),
    ("HMSET", "h", "c", "3"),
    ("HSETNX", "h", "a", "9"),
    ("HSETNX", "h", "d", "9"),
    ("HSETNX", "h2", "d", "9"),
    ("HINCRBY", "h", "n", "3"),
    ("HINCRBYFLOAT", "h", "f", "1.5"),
    ("HINCRBYFLOAT", "h3", "f", "1.5"),
    ("HDEL", "h", "a", "zz"),
    ("HDEL", "h", "zz"),
    ("HDEL", "h2", "d"),
    ("HDEL", "h", "b", "c", "d", "n", "f"),
]

SETS = [
    ("SADD", "s", "a", "b", "c"),
    ("SADD", "s", "a"),
    ("SREM", "s", "a", "zz"),
    ("SREM", "s", "zz"),
    ("SMOVE", "s", "t", "b"),
    ("SMOVE", "s", "t", "zz"),
    ("SMOVE", "s", "s", "c"),
    ("SMOVE", "s", "t", "c"),
    ("SMOVE", "t", "t", "c"),
    ("SADD", "s", "1", "2", "3"),
    ("~", "SPOP", "s"),
    ("SPOP", "s", "0"),
    ("~", "SPOP", "s", "1"),
    ("~", "SPOP", "s", "5"),
    ("SPOP", "nope"),
    ("SADD", "u", "1", "2", "3", "4", "5", "6"),
    ("~", "SPOP", "u", "5"),
    ("SADD", "s", "1", "2", "3"),
    ("~", "SPOP", "s", "2"),
    ("~", "SPOP", "s"),
    ("SADD", "a", "1", "2"),
    ("SADD", "b", "2", "3"),
    ("SINTERSTORE", "d", "a", "b"),
    ("SUNIONSTORE", "d", "a", "b"),
    ("SDIFFSTORE", "d", "a", "b"),
    ("SDIFFSTORE", "d", "a", "a"),
    ("SINTERSTORE", "d", "a", "nope"),
    ("SUNIONSTORE", "a", "a", "b"),
]

ZSETS = [
    ("ZADD", "z", "1", "a", "2", "b", "3", "c"),
    ("ZADD", "z", "1", "a"),
    ("ZADD", "z", "5", "a"),
    ("ZADD", "z", "INCR", "1", "a"),
    ("ZADD", "z", "NX", "INCR", "1", "a"),
    ("ZADD", "z", "XX", "10", "new"),
    ("ZADD", "z2", "XX", "10", "new"),
    ("ZINCRBY", "z", "2", "b"),
    ("ZINCRBY", "z3", "2", "b"),
    ("ZREM", "z", "a", "zz"),
    ("ZREM", "z", "zz"),
    ("ZREM", "z3", "b"),
    ("ZADD", "z", "1", "a", "4", "d", "5", "e"),
    ("ZREMRANGEBYRANK", "z", "0", "0"),
    ("ZREMRANGEBYRANK", "z", "10", "20"),
    ("ZREMRANGEBYSCORE", "z", "4", "4"),
    ("ZREMRANGEBYLEX", "z", "[a", "[b"),
    ("ZREMRANGEBYSCORE", "z", "-inf", "+inf"),
    ("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"),
    ("ZPOPMIN", "z"),
    ("ZPOPMAX", "z", "1"),
    ("ZPOPMIN", "z", "0"),
    ("ZPOPMIN", "nope"),
    ("ZMPOP", "2", "nope", "z", "MIN", "COUNT", "5"),
    ("ZADD", "z", "1", "a", "2", "b"),
    ("BZPOPMIN", "z", "0.01"),
    ("BZPOPMAX", "z", "0.01"),
    ("ZADD", "z", "1", "a", "2", "b"),
    ("BZMPOP", "0.01", "1", "z", "MAX", "COUNT", "1"),
    ("ZADD", "y", "1", "b", "5", "x"),
    ("ZUNIONSTORE", "d", "2", "z", "y"),
    ("ZINTERSTORE", "d", "2", "z", "y"),
    ("ZDIFFSTORE", "d", "2", "z", "y"),
    ("ZINTERSTORE", "d", "2", "z", "nope"),
    ("ZRANGESTORE", "r", "y", "0", "-1"),
    ("ZRANGESTORE", "r", "y", "5", "10"),
    ("ZRANGESTORE", "r", "nope", "0", "-1"),
]

BITS_AND_MORE = [
    ("SETBIT", "b", "7", "1"),
    ("SETBIT", "b", "7", "1"),
    ("SETBIT", "b", "100", "0"),
    ("BITFIELD", "bf", "SET", "u8", "0", "255", "GET", "u8", "0"),
    ("BITFIELD", "bf", "GET", "u8", "0"),
    (
        "BITFIELD",
        "bf",
        "INCRBY",
        "u8",
        "0",
        "1",
        "OVERFLOW",
        "FAIL",
        "INCRBY",
        "u8",
        "0",
        "300",
    ),
    ("BITFIELD", "bf2", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"),
    ("SET", "x", "a"),
    ("BITOP", "AND", "dest", "b", "x"),
    ("BITOP", "NOT", "dest", "nope"),
    ("BITOP", "OR", "dest", "nope", "nope2"),
    ("PFADD", "hll", "a", "b"),
    ("PFADD", "hll", "a"),
    ("PFADD", "hll2"),
    ("PFADD", "hll2"),
    ("PFCOUNT", "hll", "hll2"),
    ("PFMERGE", "hll3", "hll", "hll2"),
    ("PFMERGE", "hll3"),
    ("RPUSH", "l", "3", "1", "2"),
    ("SORT", "l", "STORE", "sorted"),
    ("SORT", "nope", "STORE", "sorted"),
    ("SORT", "l", "STORE", "sorted2", "LIMIT", "5", "5"),
    ("DUMP", "nope"),
]

READS = [
    ("SET", "s", "v"),
    ("RPUSH", "l", "v"),
    ("GET", "nope"),
    ("MGET", "s", "nope", "nope2"),
    ("EXISTS", "nope", "s"),
    ("TYPE", "nope"),
    ("TTL", "nope"),
    ("PTTL", "nope"),
    ("EXPIRETIME", "nope"),
    ("OBJECT", "ENCODING", "nope"),
    ("DUMP", "nope"),
    ("STRLEN", "nope"),
    ("GETRANGE", "nope", "0", "1"),
    ("LRANGE", "nope", "0", "-1"),
    ("LLEN", "nope"),
    ("LINDEX", "nope", "0"),
    ("HGET", "nope", "f"),
    ("HGETALL", "nope"),
    ("SMEMBERS", "nope"),
    ("SISMEMBER", "nope", "m"),
    ("SINTER", "s2", "nope"),
    ("ZSCORE", "nope", "m"),
    ("ZRANGE", "nope", "0", "-1"),
    ("ZUNION", "2", "nope", "nope2"),
    ("BITCOUNT", "nope"),
    ("GETBIT", "nope", "0"),
    ("PFCOUNT", "nope"),
    ("PFCOUNT", "nope", "nope2"),
    ("SORT", "nope"),
    ("LPOP", "nope"),
    ("INCR", "n"),
    ("~", "SCAN", "0"),
    ("~", "RANDOMKEY"),
]

FAMILIES = {
    "reads": READS,
    "strings": STRINGS,
    "keys": KEYS,
    "lists": LISTS,
    "hashes": HASHES,
    "sets": SETS,
    "zsets": ZSETS,
    "bits_and_more": BITS_AND_MORE,
}


@pytest.mark.parametrize("flags", ["KEA", "KEAnm"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_events(events, family, flags):
    """
    Each step publishes what it publishes in redis-server. Active expiry is
    off on both, so that a key given a past deadline goes when a command
    meets it, not whenever either server's cycle runs.
    """
    watch = events(flags)
    unordered = family == "sets"
    watch.check([("DEBUG", "SET-ACTIVE-EXPIRE", "0")])
    try:
        for step in FAMILIES[family]:
            watch.check(_commands(step), unordered=unordered)
    finally:
        watch.differ.check("DEBUG", "SET-ACTIVE-EXPIRE", "1")


@pytest.mark.parametrize("flags", ["Kl", "Eg$", "Kn", "Km", "Ez", "Ehs", "Kx"])
def test_narrow_classes(events, flags):
    watch = events(flags)
    for family in ("strings", "keys", "lists", "hashes", "zsets"):
        for step in FAMILIES[family]:
            watch.check(_commands(step))
        watch.check([("FLUSHALL",)])


def _commands(step):
    """@return: the commands of a step of L{FAMILIES}: one, or a list checked together."""
    return step if isinstance(step, list) else [step]


def test_restore(events):
    watch = events("KEA")
    watch.check([("SET", "k", "v")])
    dumps = watch.differ.both("DUMP", "k")  # each its own RDB version
    for connection, dumped in zip((watch.differ.real, watch.differ.mini), dumps):
        for args in [
            ("RESTORE", "r", "0", dumped),
            ("RESTORE", "r", "0", dumped),
            ("RESTORE", "r", "100000", dumped, "REPLACE"),
            ("RESTORE", "r", "1", dumped, "REPLACE", "ABSTTL"),
            ("RESTORE", "q", "1", dumped, "ABSTTL"),
        ]:
            connection.call(*args)
    real, mini = watch.received()
    assert mini == real


def test_transaction_and_script(events):
    watch = events("KEA")
    watch.check(
        [
            ("MULTI",),
            ("SET", "k", "1"),
            ("INCR", "k"),
            ("LPUSH", "l", "a"),
            ("LPOP", "l"),
            ("EXEC",),
        ]
    )
    script = (
        "redis.call('set', KEYS[1], 'x', 'EX', 10) "
        "redis.call('del', KEYS[1]) "
        "return redis.call('hset', KEYS[2], 'f', 'v')"
    )
    watch.check([("EVAL", script, "2", "a", "h")])


def test_lazy_expiry(events):
    """
    Keys past their deadline publish C{expired} when a command meets them.
    (redis-server may expire the other due keys first in the same turn:
    the messages are compared as sets.) The deadlines are 20 ms away: a
    server that reaches a deadline while it sets it deletes the key there
    (C{del}, not C{expire}), which a loaded machine made happen with 1 ms.
    """
    watch = events("KEA")
    watch.check([("DEBUG", "SET-ACTIVE-EXPIRE", "0")])
    try:
        watch.check([("SET", "k", "v", "PX", "20"), ("SET", "j", "v", "PX", "20")])
        watch.check([("RPUSH", "l", "v"), ("PEXPIRE", "l", "20")])
        time.sleep(0.1)
        watch.differ.run([("GET", "k"), ("SET", "j", "w"), ("LPUSH", "l", "w")])
        real, mini = watch.received()
        assert sorted(mini) == sorted(real)
        assert [b"__keyevent@0__:expired", b"l"] in mini
    finally:
        watch.differ.check("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_active_expiry(events):
    watch = events("Ex")
    watch.check([("SET", "k", "v", "PX", "20"), ("SADD", "s", "v")])
    watch.check([("PEXPIRE", "s", "20")])  # not 1 ms: see test_lazy_expiry
    deadline = time.time() + 5
    real, mini = [], []
    while (len(real) < 2 or len(mini) < 2) and time.time() < deadline:
        time.sleep(0.05)
        more_real, more_mini = watch.received()
        real += more_real
        mini += more_mini
    assert (
        sorted(mini)
        == sorted(real)
        == sorted(
            [[b"__keyevent@0__:expired", b"k"], [b"__keyevent@0__:expired", b"s"]]
        )
    )


def test_off_publishes_nothing(events):
    watch = events("")
    assert watch.check([("SET", "k", "v"), ("DEL", "k")]) == []


@pytest.mark.parametrize(
    "wait, push",
    [
        (("BLPOP", "l", "0"), ("RPUSH", "l", "a")),
        (("BLMOVE", "l", "m", "LEFT", "RIGHT", "0"), ("RPUSH", "l", "a", "b")),
        (("BZPOPMIN", "z", "0"), ("ZADD", "z", "1", "a")),
        (("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "5"), ("LPUSH", "l", "a", "b")),
    ],
)
def test_served_waiter(events, redis_server, mini_server, wait, push):
    """A client woken by a push: the push's events, then the pop's."""
    watch = events("KEAn")
    waiters = [RawConnection(port) for port in (redis_server.port, mini_server.port)]
    try:
        for waiter in waiters:
            waiter.send(*wait)
        time.sleep(0.1)
        watch.check([push])
        assert waiters[1].read() == waiters[0].read()
    finally:
        for waiter in waiters:
            waiter.close()


XADD_AND_TRIM = [
    ("XADD", "x", "1-1", "f", "v"),
    ("XADD", "x", "1-2", "f", "v"),
    ("XADD", "x", "1-1", "f", "v"),
    ("XADD", "x", "MAXLEN", "5", "2-1", "f", "v"),
    ("XADD", "x", "MAXLEN", "1", "2-2", "f", "v"),
    ("XADD", "x", "MINID", "~", "2", "2-3", "f", "v"),
    ("XADD", "nope", "NOMKSTREAM", "1-1", "f", "v"),
    ("XADD", "y", "NOMKSTREAM", "MAXLEN", "0", "1-1", "f", "v"),
    ("XADD", "y", "MAXLEN", "0", "1-1", "f", "v"),
    ("XADD", "z", "0-0", "f", "v"),
    ("XTRIM", "x", "MAXLEN", "10"),
    ("XTRIM", "x", "MAXLEN", "1"),
    ("XTRIM", "x", "MINID", "5"),
    ("XTRIM", "nope", "MAXLEN", "0"),
    ("XDEL", "x", "1-1"),
    ("XDEL", "y", "1-1"),
    ("XDEL", "x", "5-0"),
    ("XDEL", "nope", "1-1"),
    ("XSETID", "x", "9-9"),
    ("XSETID", "x", "1-1"),
    ("XSETID", "nope", "9-9"),
    ("XLEN", "x"),
    ("XLEN", "nope"),
    ("XRANGE", "nope", "-", "+"),
    ("XREVRANGE", "nope", "+", "-"),
    ("XREAD", "STREAMS", "nope", "x", "0", "0"),
    ("XINFO", "STREAM", "nope"),
    ("XPENDING", "nope", "g"),
]

XGROUP = [
    ("XGROUP", "CREATE", "x", "g", "$"),
    ("XGROUP", "CREATE", "x", "g", "$", "MKSTREAM"),
    ("XGROUP", "CREATE", "x", "g", "$", "MKSTREAM"),
    ("XGROUP", "CREATE", "x", "h", "0"),
    ("XGROUP", "SETID", "x", "g", "0"),
    ("XGROUP", "SETID", "x", "nogroup", "0"),
    ("XGROUP", "SETID", "nope", "g", "0"),
    ("XGROUP", "CREATECONSUMER", "x", "g", "c"),
    ("XGROUP", "CREATECONSUMER", "x", "g", "c"),
    ("XGROUP", "CREATECONSUMER", "x", "nogroup", "c"),
    ("XGROUP", "DELCONSUMER", "x", "g", "c"),
    ("XGROUP", "DELCONSUMER", "x", "g", "c"),
    ("XGROUP", "DELCONSUMER", "nope", "g", "c"),
    ("XGROUP", "DESTROY", "x", "g"),
    ("XGROUP", "DESTROY", "x", "g"),
    ("XGROUP", "DESTROY", "nope", "g"),
    ("XINFO", "GROUPS", "x"),
    ("XINFO", "CONSUMERS", "x", "h"),
]

CONSUMERS = [
    ("XADD", "x", "1-1", "f", "v"),
    ("XADD", "x", "1-2", "f", "v"),
    ("XGROUP", "CREATE", "x", "g", "0"),
    ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "x", "0"),
    ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "x", ">"),
    ("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "x", ">"),
    ("XREADGROUP", "GROUP", "g", "c3", "STREAMS", "x", ">"),
    ("XREADGROUP", "GROUP", "g", "c4", "NOACK", "STREAMS", "x", ">"),
    ("XREADGROUP", "GROUP", "g", "c5", "STREAMS", "nope", ">"),
    ("XCLAIM", "x", "g", "c6", "0", "1-1", "JUSTID"),
    ("XCLAIM", "x", "g", "c7", "0", "9-9"),
    ("XCLAIM", "x", "g", "c8", "0", "9-9", "FORCE"),
    ("XCLAIM", "nope", "g", "c", "0", "1-1"),
    ("XAUTOCLAIM", "x", "g", "c9", "0", "0", "JUSTID"),
    ("XAUTOCLAIM", "x", "g", "c10", "0", "9-9"),
    ("XAUTOCLAIM", "nope", "g", "c", "0", "0"),
    ("XDEL", "x", "1-2"),
    ("XAUTOCLAIM", "x", "g", "c11", "0", "0"),
    ("XACK", "x", "g", "1-1"),
    ("XACK", "nope", "g", "1-1"),
    ("XINFO", "GROUPS", "x"),
]

STREAM_FAMILIES = {
    "xadd_and_trim": XADD_AND_TRIM,
    "xgroup": XGROUP,
    "consumers": CONSUMERS,
}


@pytest.mark.parametrize("flags", ["KEA", "Kt", "Et", "KEAnm"])
@pytest.mark.parametrize("family", sorted(STREAM_FAMILIES))
def test_stream_events(events, family, flags):
    watch = events(flags)
    for step in STREAM_FAMILIES[family]:
        watch.check([step])


def test_served_stream_waiter(events, redis_server, mini_server):
    """A group reader woken by XADD: its consumer is made as it is served."""
    watch = events("KEAn")
    watch.check([("XGROUP", "CREATE", "x", "g", "$", "MKSTREAM")])
    waiters = [RawConnection(port) for port in (redis_server.port, mini_server.port)]
    try:
        for waiter in waiters:
            waiter.send(
                "XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "x", ">"
            )
        time.sleep(0.1)
        watch.check([("XADD", "x", "1-1", "f", "v")])
        assert waiters[1].read() == waiters[0].read()
        watch.check([("XINFO", "GROUPS", "x")])
    finally:
        for waiter in waiters:
            waiter.close()


def test_timed_out_stream_waiter(events, redis_server, mini_server):
    """A group reader that waits in vain makes no consumer and no event."""
    watch = events("KEAn")
    watch.check([("XGROUP", "CREATE", "x", "g", "$", "MKSTREAM")])
    waiters = [RawConnection(port) for port in (redis_server.port, mini_server.port)]
    try:
        for waiter in waiters:
            waiter.send(
                "XREADGROUP", "GROUP", "g", "c", "BLOCK", "50", "STREAMS", "x", ">"
            )
        assert waiters[1].read() == waiters[0].read()
        watch.check([("XINFO", "GROUPS", "x")])
    finally:
        for waiter in waiters:
            waiter.close()
