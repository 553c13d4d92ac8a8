"""
Client-side caching (CLIENT TRACKING) compared with redis-server's: the
same steps on both servers, each run on one of several connections (a
tracking client, a writer, a redirect target...), and everything each
connection received, replies and invalidation messages in the order they
came, compared in full.
"""

import time

import pytest

from miniredis.resp import Push, ReplyError
from tests.differential import Differ
from tests.servers import RawConnection


class ClientId:
    """A step argument: the CLIENT ID of one of the connections, per server."""

    def __init__(self, name):
        self.name = name


_MESSAGES = (b"invalidate", b"tracking-redir-broken", b"message", b"pmessage")


def _is_message(value):
    """
    Whether C{value} is a message (an invalidation, a pub/sub message)
    rather than a reply.
    """
    if isinstance(value, Push):
        return value[0] in _MESSAGES
    return isinstance(value, list) and len(value) == 3 and value[0] == b"message"


class Side:
    """
    The named connections to one server and what each of them received.
    """

    def __init__(self, port, protos):
        self.connections = {}
        self.ids = {}
        self.received = {}
        for name, proto in protos.items():
            connection = RawConnection(port, proto)
            self.connections[name] = connection
            self.ids[name] = connection.call("CLIENT", "ID")  # an int
            self.received[name] = []

    def step(self, name, *args):
        """Run C{args} on connection C{name}; note all that comes up to its reply."""
        args = [
            b"%d" % self.ids[a.name] if isinstance(a, ClientId) else a for a in args
        ]
        connection = self.connections[name]
        connection.send(*args)
        self._read_reply(name)

    def _read_reply(self, name):
        connection, received = self.connections[name], self.received[name]
        while True:
            value = connection.read()
            received.append(self._named(value))
            if not _is_message(value):
                return value

    def _named(self, value):
        """
        C{value} with the client id that TRACKINGINFO or a broken-redirect
        push shows put as the connection's name (ids differ per server).
        """
        names = {client_id: name for name, client_id in self.ids.items()}
        if isinstance(value, dict) and b"redirect" in value:
            value = dict(value)
            redirect = value[b"redirect"]
            value[b"redirect"] = names.get(redirect, redirect)
        elif isinstance(value, list) and value[:1] in (
            [b"flags"],
            [b"tracking-redir-broken"],
        ):
            value = type(value)(value)
            i = (
                1
                if value[0] == b"tracking-redir-broken"
                else value.index(b"redirect") + 1
            )
            value[i] = names.get(value[i], value[i])
        return value

    def sync(self):
        """Collect the messages each connection got after its last reply."""
        for name, connection in self.connections.items():
            connection.send("PING")
            self._read_reply(name)
            self.received[name].pop()

    def take(self):
        """@return: what each connection received since last asked."""
        self.sync()
        taken = self.received
        self.received = {name: [] for name in taken}
        return taken

    def close(self):
        for connection in self.connections.values():
            connection.close()


class Tracked:
    """
    The same connections on redis-server and miniredis: a script of steps
    C{(connection name, *args)} runs on both, then what every connection
    received is compared.
    """

    def __init__(self, redis_port, mini_port, protos):
        for port in (redis_port, mini_port):
            setup = RawConnection(port)
            setup.call("FLUSHALL")
            setup.call("CONFIG", "SET", "tracking-table-max-keys", "1000000")
            setup.close()
        self.ports = (redis_port, mini_port)
        self.sides = [Side(redis_port, protos), Side(mini_port, protos)]

    def check(self, script):
        """
        Run C{script} on both servers (a step C{("sleep", seconds)} waits);
        assert every connection received the same.

        @return: what redis-server's connections received.
        """
        for step in script:
            if step[0] == "sleep":
                time.sleep(step[1])
                continue
            for side in self.sides:
                side.step(*step)
        real, mini = [side.take() for side in self.sides]
        for name in real:
            assert mini[name] == real[name], (name, real[name], mini[name])
        return real

    def check_info(self):
        """Assert both servers show the same tracking lines in INFO."""
        found = []
        for port in self.ports:
            connection = RawConnection(port)
            info = connection.call("INFO", "clients") + connection.call("INFO", "stats")
            connection.close()
            found.append([line for line in info.split(b"\r\n") if b"tracking_" in line])
        assert found[1] == found[0]
        assert len(found[0]) == 4

    def close(self):
        for side in self.sides:
            side.close()


@pytest.fixture
def tracked(redis_server, mini_server):
    made = []

    def make(**protos):
        made.append(Tracked(redis_server.port, mini_server.port, protos))
        return made[-1]

    yield make
    for each in made:
        each.close()


def _invalidations(received):
    return [value for value in received if _is_message(value)]


def test_default_mode_reads_then_writes(tracked):
    pair = tracked(me=3, other=2)
    got = pair.check(
        [
            ("other", "SET", "a", "1"),
            ("me", "CLIENT", "TRACKING", "on"),
            ("me", "GET", "a"),
            ("me", "MGET", "b", "c"),
            ("me", "GET", "missing"),
            ("other", "SET", "a", "2"),
            ("other", "SET", "a", "3"),  # no longer tracked: no message
            ("me", "GET", "a"),
            ("other", "MSET", "b", "1", "c", "2", "d", "3"),
            ("other", "DEL", "missing"),  # nothing deleted: no change
            ("me", "EXISTS", "a"),
            ("me", "SET", "a", "mine"),  # own write: after the reply
            ("me", "GET", "a"),
            ("me", "INCR", "a"),  # a write does not track
            ("me", "GET", "a"),
            ("me", "APPEND", "a", "x"),
            ("me", "CLIENT", "TRACKINGINFO"),
            ("me", "CLIENT", "GETREDIR"),
        ]
    )
    pair.check_info()
    assert len(_invalidations(got["me"])) == 5


def test_every_type_is_invalidated_in_order(tracked):
    pair = tracked(me=3, other=2)
    setup = [
        ("other", "SET", "str", "v"),
        ("other", "RPUSH", "list", "a", "b", "c"),
        ("other", "HSET", "hash", "f", "1", "g", "2"),
        ("other", "SADD", "set", "x", "y"),
        ("other", "ZADD", "zset", "1", "m", "2", "n"),
        ("other", "XADD", "stream", "1-1", "f", "v"),
        ("other", "PFADD", "hll", "a", "b"),
        ("other", "SETBIT", "bits", "7", "1"),
        ("other", "GEOADD", "geo", "13.36", "38.11", "palermo"),
    ]
    reads = [
        ("me", "CLIENT", "TRACKING", "on"),
        ("me", "GET", "str"),
        ("me", "STRLEN", "str"),
        ("me", "LRANGE", "list", "0", "-1"),
        ("me", "HGETALL", "hash"),
        ("me", "SISMEMBER", "set", "x"),
        ("me", "ZRANGE", "zset", "0", "-1"),
        ("me", "XRANGE", "stream", "-", "+"),
        ("me", "PFCOUNT", "hll"),
        ("me", "BITCOUNT", "bits"),
        ("me", "GEOPOS", "geo", "palermo"),
        ("me", "SINTER", "set", "set2"),
        ("me", "TYPE", "hash"),
    ]
    writes = [
        ("other", "APPEND", "str", "w"),
        ("other", "LPOP", "list"),
        ("other", "HDEL", "hash", "f"),
        ("other", "SREM", "set", "x"),
        ("other", "ZINCRBY", "zset", "5", "m"),
        ("other", "XTRIM", "stream", "MAXLEN", "0"),
        ("other", "PFADD", "hll", "c"),
        ("other", "SETBIT", "bits", "1", "1"),
        ("other", "GEOADD", "geo", "15.08", "37.50", "catania"),
        ("other", "SADD", "set2", "z"),
        ("other", "RENAME", "hash", "hash2"),
        ("other", "SORT", "list", "ALPHA", "STORE", "str"),
    ]
    got = pair.check(setup + reads + writes + [("me", "PING")])
    keys = [value[1] for value in _invalidations(got["me"])]
    assert [b"str"] in keys and [b"hash"] in keys and [b"set2"] in keys


def test_bcast_with_prefixes(tracked):
    pair = tracked(me=3, other=2, all=3)
    got = pair.check(
        [
            (
                "me",
                "CLIENT",
                "TRACKING",
                "on",
                "BCAST",
                "PREFIX",
                "user:",
                "PREFIX",
                "o",
            ),
            ("all", "CLIENT", "TRACKING", "on", "BCAST"),
            ("other", "SET", "user:1", "a"),
            ("other", "MSET", "user:3", "c", "user:2", "b", "x", "y"),
            ("other", "SET", "order", "1"),
            ("other", "SET", "elsewhere", "1"),
            ("me", "GET", "user:1"),
            ("me", "SET", "user:9", "mine"),
            ("me", "MULTI"),
            ("me", "SET", "ox", "1"),
            ("me", "DEL", "user:1"),
            ("me", "EXEC"),
            ("me", "CLIENT", "TRACKINGINFO"),
            ("me", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p"),
            ("me", "CLIENT", "TRACKINGINFO"),
            ("other", "SET", "pq", "1"),
        ]
    )
    pair.check_info()
    assert _invalidations(got["me"]) and _invalidations(got["all"])


def test_bcast_noloop_leaves_out_own_changes(tracked):
    pair = tracked(me=3, other=2)
    got = pair.check(
        [
            ("me", "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"),
            ("me", "SET", "mine", "1"),
            ("other", "SET", "theirs", "1"),
            ("me", "PING"),
            ("me", "MSET", "a", "1", "b", "2"),
            ("other", "SET", "b", "3"),
            ("me", "PING"),
        ]
    )
    assert _invalidations(got["me"])


def test_default_noloop(tracked):
    pair = tracked(me=3, other=2)
    got = pair.check(
        [
            ("me", "CLIENT", "TRACKING", "on", "NOLOOP"),
            ("me", "GET", "k"),
            ("me", "SET", "k", "1"),  # own write: nothing
            ("me", "GET", "k"),
            ("other", "SET", "k", "2"),
            ("me", "CLIENT", "TRACKINGINFO"),
        ]
    )
    assert len(_invalidations(got["me"])) == 1


def test_optin_and_optout(tracked):
    pair = tracked(me=3, other=2)
    got = pair.check(
        [
            ("me", "CLIENT", "TRACKING", "on", "OPTIN"),
            ("me", "GET", "skipped"),
            ("me", "CLIENT", "CACHING", "yes"),
            ("me", "CLIENT", "TRACKINGINFO"),
            ("me", "GET", "cached"),
            ("me", "CLIENT", "TRACKINGINFO"),
            ("me", "GET", "skipped2"),
            ("me", "CLIENT", "CACHING", "yes"),
            ("me", "MULTI"),
            ("me", "GET", "inmulti1"),
            ("me", "GET", "inmulti2"),
            ("me", "EXEC"),
            ("me", "GET", "after"),
            ("other", "MSET", "skipped", "1", "cached", "1", "skipped2", "1"),
            ("other", "MSET", "inmulti1", "1", "inmulti2", "1", "after", "1"),
            ("me", "CLIENT", "CACHING", "no"),
            ("me", "CLIENT", "TRACKING", "off"),
            ("me", "CLIENT", "TRACKING", "on", "OPTOUT"),
            ("me", "GET", "o1"),
            ("me", "CLIENT", "CACHING", "no"),
            ("me", "GET", "o2"),
            ("me", "CLIENT", "CACHING", "yes"),
            ("me", "CLIENT", "TRACKINGINFO"),
            ("other", "MSET", "o1", "1", "o2", "1"),
        ]
    )
    assert len(_invalidations(got["me"])) == 4


def test_redirect_resp2_pubsub(tracked):
    pair = tracked(me=2, sub=2, other=2)
    got = pair.check(
        [
            ("sub", "SUBSCRIBE", "__redis__:invalidate"),
            ("me", "CLIENT", "TRACKING", "on", "REDIRECT", ClientId("sub")),
            ("me", "GET", "k"),
            ("me", "HGET", "h", "f"),
            ("other", "SET", "k", "1"),
            ("me", "HSET", "h", "f", "v"),
            ("me", "GET", "k"),
            ("other", "FLUSHALL"),
            ("me", "CLIENT", "TRACKINGINFO"),
        ]
    )
    assert len(_invalidations(got["sub"])) == 3
    for side in pair.sides:
        assert side.ids["sub"] == side.connections["me"].call("CLIENT", "GETREDIR")
        info = side.connections["me"].call("CLIENT", "INFO")
        assert b"flags=t " in info
        assert b"redir=%d " % side.ids["sub"] in info


def test_redirect_resp3_and_broken(tracked):
    pair = tracked(me=3, target=3, other=2)
    got = pair.check(
        [
            ("me", "CLIENT", "TRACKING", "on", "REDIRECT", ClientId("target")),
            ("me", "GET", "k"),
            ("other", "SET", "k", "1"),
            ("me", "GET", "k"),
        ]
    )
    assert _invalidations(got["target"])
    for side in pair.sides:
        side.connections.pop("target").close()
    time.sleep(0.2)
    got = pair.check(
        [
            ("other", "SET", "k", "2"),
            ("me", "CLIENT", "TRACKINGINFO"),
        ]
    )
    assert _invalidations(got["me"])  # tracking-redir-broken
    for side in pair.sides:
        assert b"flags=tR " in side.connections["me"].call("CLIENT", "INFO")


def test_resp2_without_redirect_gets_nothing(tracked):
    pair = tracked(me=2, other=2)
    got = pair.check(
        [
            ("me", "CLIENT", "TRACKING", "on"),
            ("me", "GET", "k"),
            ("other", "SET", "k", "1"),
            ("me", "GET", "k"),
        ]
    )
    pair.check_info()
    assert not _invalidations(got["me"])


def test_flushes_send_a_null(tracked):
    pair = tracked(me=3, bcast=3, other=2)
    got = pair.check(
        [
            ("me", "CLIENT", "TRACKING", "on"),
            ("bcast", "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"),
            ("me", "GET", "k"),
            ("other", "FLUSHALL"),
            ("other", "SELECT", "3"),
            ("other", "FLUSHDB"),  # an empty database: a null still
            ("me", "FLUSHALL"),  # its own: after the reply
            ("bcast", "FLUSHDB"),
            ("other", "SWAPDB", "0", "3"),  # nothing for tracking
        ]
    )
    pair.check_info()
    assert len(_invalidations(got["me"])) == 4


def test_expiry_lazy_and_active(tracked):
    pair = tracked(me=3, other=2)
    got = pair.check(
        [
            ("other", "DEBUG", "SET-ACTIVE-EXPIRE", "0"),
            ("other", "SET", "lazy", "v", "PX", "50"),
            ("me", "CLIENT", "TRACKING", "on"),
            ("me", "GET", "lazy"),
            ("sleep", 0.2),
            ("me", "GET", "lazy"),  # expires in this read: after its reply
            ("other", "DEBUG", "SET-ACTIVE-EXPIRE", "1"),
            ("other", "SET", "active", "v", "PX", "50"),
            ("me", "GET", "active"),
            ("sleep", 0.5),
        ]
    )
    assert len(_invalidations(got["me"])) == 2


def test_writes_in_multi_and_scripts(tracked):
    pair = tracked(me=3, other=3)
    got = pair.check(
        [
            ("me", "CLIENT", "TRACKING", "on"),
            ("other", "CLIENT", "TRACKING", "on"),
            ("me", "MGET", "a", "b", "c"),
            ("other", "MGET", "a", "b"),
            ("me", "MULTI"),
            ("me", "SET", "a", "1"),
            ("me", "GET", "x"),
            ("me", "SET", "b", "1"),
            ("me", "EXEC"),
            ("me", "EVAL", "redis.call('set', KEYS[1], 1); return 1", "1", "c"),
            ("other", "EVAL", "redis.call('get', 'free'); return 1", "1", "listed"),
            ("me", "MSET", "free", "1", "listed", "1", "x", "1"),
            ("other", "EVAL_RO", "return redis.call('get', KEYS[1])", "1", "ro"),
            ("me", "SET", "ro", "1"),
            ("other", "CLIENT", "TRACKINGINFO"),
        ]
    )
    assert _invalidations(got["me"]) and _invalidations(got["other"])


def test_tracking_table_max_keys(redis_server, mini_server):
    """Keys past the limit are forgotten at random: counts compared."""
    counts = []
    for port in (redis_server.port, mini_server.port):
        me, other = RawConnection(port, 3), RawConnection(port)
        other.call("FLUSHALL")
        other.call("CONFIG", "SET", "tracking-table-max-keys", "2")
        me.call("CLIENT", "TRACKING", "on")
        keys = ["a", "b", "c", "d", "e"]
        for key in keys:
            me.send("GET", key)
        time.sleep(0.2)
        me.send("PING")
        messages = []
        replies = 0
        while replies < len(keys) + 1:
            value = me.read()
            if isinstance(value, Push):
                messages.append(value)
            else:
                replies += 1
        stats = other.call("INFO", "stats")
        other.call("CONFIG", "SET", "tracking-table-max-keys", "1000000")
        counts.append((len(messages), b"tracking_total_keys:2\r\n" in stats))
        me.close()
        other.close()
    assert counts[1] == counts[0] == (3, True)


TRACKING_ERRORS = [
    ("CLIENT", "TRACKING", "maybe"),
    ("CLIENT", "TRACKING", "on", "foo"),
    ("CLIENT", "TRACKING", "on", "REDIRECT"),
    ("CLIENT", "TRACKING", "on", "REDIRECT", "x"),
    ("CLIENT", "TRACKING", "on", "REDIRECT", "999999"),
    ("CLIENT", "TRACKING", "on", "PREFIX", "a"),
    ("CLIENT", "TRACKING", "on", "PREFIX"),
    ("CLIENT", "TRACKING", "on", "BCAST", "OPTIN"),
    ("CLIENT", "TRACKING", "on", "BCAST", "OPTIN", "OPTOUT"),
    ("CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"),
    ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab", "PREFIX", "a"),
    ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "b\0x"),
    ("CLIENT", "TRACKING", "off", "OPTIN", "OPTOUT"),
    ("CLIENT", "CACHING", "yes"),
    ("CLIENT", "TRACKINGINFO"),
    ("CLIENT", "GETREDIR"),
    ("CLIENT", "TRACKING", "on", "OPTIN"),
    ("CLIENT", "CACHING", "no"),
    ("CLIENT", "CACHING", "maybe"),
    ("CLIENT", "TRACKING", "on", "OPTOUT"),
    ("CLIENT", "TRACKING", "on", "BCAST"),
    ("CLIENT", "TRACKING", "on", "OPTIN", "NOLOOP"),
    ("CLIENT", "TRACKINGINFO"),
    ("CLIENT", "TRACKING", "off"),
    ("CLIENT", "CACHING", "no"),
    ("CLIENT", "TRACKING", "on", "OPTOUT"),
    ("CLIENT", "CACHING", "yes"),
    ("CLIENT", "CACHING", "no"),
    ("CLIENT", "TRACKINGINFO"),
    ("CLIENT", "TRACKING", "off"),
    ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "b"),
    ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab"),
    ("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "c", "PREFIX", "b"),
    ("CLIENT", "TRACKING", "on"),
    ("CLIENT", "TRACKING", "on", "BCAST"),
    ("CLIENT", "TRACKINGINFO"),
    ("CLIENT", "GETREDIR"),
    ("CLIENT", "TRACKING", "off"),
    ("CLIENT", "TRACKINGINFO"),
    ("CLIENT", "GETREDIR"),
]


def test_errors_and_info(differ):
    for args in TRACKING_ERRORS:
        differ.check(*args)


def test_redirect_twice(redis_server, mini_server):
    for port in (redis_server.port, mini_server.port):
        me, target = RawConnection(port), RawConnection(port)
        target_id = target.call("CLIENT", "ID")
        me_id = me.call("CLIENT", "ID")
        reply = me.call(
            "CLIENT", "TRACKING", "on", "REDIRECT", str(target_id), "REDIRECT", "1"
        )
        assert reply == ReplyError(
            "ERR A client can only redirect to a single other client"
        )
        assert me.call("CLIENT", "TRACKING", "on", "REDIRECT", str(me_id)) == b"OK"
        assert me.call("CLIENT", "GETREDIR") == me_id
        assert b" flags=t " in me.call("CLIENT", "INFO")
        me.close()
        target.close()


def test_reset_and_info_clients(redis_server, mini_server):
    differ = Differ(redis_server.port, mini_server.port, proto=3)
    try:
        differ.check("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "q")
        real, mini = differ.both("CLIENT", "INFO")
        assert b" flags=tB " in real and b" flags=tB " in mini
        assert b" redir=0 " in real and b" redir=0 " in mini
        real, mini = differ.both("INFO", "clients")
        assert b"tracking_clients:1\r\n" in real and b"tracking_clients:1\r\n" in mini
        differ.check("RESET")
        differ.check("CLIENT", "TRACKINGINFO")
        real, mini = differ.both("INFO", "clients")
        assert b"tracking_clients:0\r\n" in real and b"tracking_clients:0\r\n" in mini
    finally:
        differ.close()


def test_interleaved_with_keyspace_events(tracked):
    """A RESP3 client that tracks and subscribes gets both in Redis's order."""
    pair = tracked(me=3, other=2)
    try:
        got = pair.check(
            [
                ("other", "CONFIG", "SET", "notify-keyspace-events", "KA"),
                ("me", "CLIENT", "TRACKING", "on"),
                ("me", "PSUBSCRIBE", "__keyspace@0__:*"),
                ("me", "GET", "k"),
                ("me", "HGET", "h", "f"),
                ("me", "LRANGE", "l", "0", "1"),
                ("me", "GET", "x"),
                ("other", "SET", "k", "1"),
                ("other", "HSET", "h", "f", "v"),
                ("other", "RPUSH", "l", "a"),
                ("other", "SET", "x", "1", "PX", "10"),
                ("sleep", 0.3),
            ]
        )
    finally:
        pair.check([("other", "CONFIG", "SET", "notify-keyspace-events", "")])
    assert len(_invalidations(got["me"])) == 10


BUSY_SCRIPT = """
redis.call('set', KEYS[1], 'x')
local i = 0
while i < 5000000 do i = i + 1 end
redis.call('set', KEYS[2], 'y')
return i
"""


def test_busy_script_invalidations_follow_its_reply(tracked):
    pair = tracked(me=3, other=2)
    try:
        got = pair.check(
            [
                ("other", "CONFIG", "SET", "busy-reply-threshold", "20"),
                ("me", "CLIENT", "TRACKING", "on"),
                ("me", "MGET", "a", "b"),
                ("me", "EVAL", BUSY_SCRIPT, "2", "a", "b"),
                ("me", "GET", "a"),
            ]
        )
    finally:
        pair.check([("other", "CONFIG", "SET", "busy-reply-threshold", "5000")])
    assert len(_invalidations(got["me"])) == 2


# (read that tracks the key, write that changes it), per family.
READ_THEN_WRITE = [
    (("GET", "s"), ("SET", "s", "1")),
    (("GET", "s"), ("INCRBY", "s", "5")),
    (("GET", "s"), ("SETRANGE", "s", "3", "x")),
    (("GETRANGE", "s", "0", "1"), ("EXPIRE", "s", "100")),
    (("TTL", "s"), ("PERSIST", "s")),
    (("GET", "s"), ("GETDEL", "s")),
    (("LLEN", "l"), ("RPUSH", "l", "a", "b", "c")),
    (("LINDEX", "l", "0"), ("LSET", "l", "0", "z")),
    (("LRANGE", "l", "0", "-1"), ("LINSERT", "l", "BEFORE", "b", "q")),
    (("LPOS", "l", "q"), ("LMOVE", "l", "l2", "LEFT", "RIGHT")),
    (("LLEN", "l2"), ("RPOPLPUSH", "l", "l2")),
    (("HGET", "h", "f"), ("HSET", "h", "f", "1")),
    (("HLEN", "h"), ("HINCRBY", "h", "f", "2")),
    (("HEXISTS", "h", "g"), ("HSETNX", "h", "g", "1")),
    (("SCARD", "st"), ("SADD", "st", "a", "b")),
    (("SISMEMBER", "st", "a"), ("SMOVE", "st", "st2", "a")),
    (("SCARD", "st3"), ("SUNIONSTORE", "st3", "st", "st2")),
    (("ZSCORE", "z", "m"), ("ZADD", "z", "1", "m", "2", "n")),
    (("ZCARD", "z"), ("ZPOPMIN", "z")),
    (("ZRANK", "z", "n"), ("ZREMRANGEBYSCORE", "z", "-inf", "+inf")),
    (("XLEN", "x"), ("XADD", "x", "1-1", "f", "v")),
    (("XRANGE", "x", "-", "+"), ("XGROUP", "CREATE", "x", "g", "0")),
    (("XLEN", "x"), ("XGROUP", "CREATECONSUMER", "x", "g", "c")),
    (("XLEN", "x"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "x", ">")),
    (("XLEN", "x"), ("XACK", "x", "g", "1-1")),
    (("XLEN", "x"), ("XCLAIM", "x", "g", "d", "0", "1-1")),
    (("XLEN", "x"), ("XSETID", "x", "5-5")),
    (("XLEN", "x"), ("XDEL", "x", "1-1")),
    (("GETBIT", "b", "3"), ("SETBIT", "b", "3", "1")),
    (("BITPOS", "b", "1"), ("BITOP", "NOT", "b2", "b")),
    (("PFCOUNT", "p"), ("PFADD", "p", "x")),
    (("GEODIST", "g", "a", "b"), ("GEOADD", "g", "1", "1", "a", "2", "2", "b")),
    (("EXISTS", "s2"), ("COPY", "h", "s2")),
    (("TYPE", "s2"), ("UNLINK", "s2")),
    (("STRLEN", "m1"), ("MSETNX", "m1", "1", "m2", "2")),
    (("EXISTS", "m1"), ("RENAMENX", "m1", "m3")),
    (("EXISTS", "m3"), ("DEL", "m3")),
]


def test_each_write_of_each_family(tracked):
    pair = tracked(me=3, other=2)
    script = [("me", "CLIENT", "TRACKING", "on")]
    for read, write in READ_THEN_WRITE:
        script.append(("me",) + read)
        script.append(("other",) + write)
    got = pair.check(script)
    assert len(_invalidations(got["me"])) == 30
