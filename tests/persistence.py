"""
Persistence helpers shared by the AOF, RDB and durability tests: a server
with persistence on a fake clock and fake threads, and a data set to load
into a real redis-server and read back.
"""

import os

from twisted.internet import defer, task

from miniredis.persistence import Persistence, aof
from miniredis.protocol import MiniRedisFactory
from tests.local import Connection

EPOCH = 1_700_000_000


class Threads:
    """A stand-in for the thread pool: calls run when the test says so."""

    def __init__(self):
        self.pending = []
        self.calls = 0

    def __call__(self, f, *args):
        d = defer.Deferred()
        self.pending.append((f, args, d))
        self.calls += 1
        return d

    def run(self):
        pending, self.pending = self.pending, []
        for f, args, d in pending:
            d.callback(f(*args))


class Server:
    """A factory with its L{Persistence} started, on a fake clock and threads."""

    def __init__(self, directory, **config):
        self.clock = task.Clock()
        self.clock.advance(EPOCH)
        self.directory = str(directory)
        self.factory = MiniRedisFactory(clock=self.clock, dir=self.directory, **config)
        self.threads = Threads()
        self.persistence = Persistence(self.factory, run_in_thread=self.threads)
        self.factory.doStart()
        self.persistence.startService()
        self.store = self.factory.store
        self.client = Connection(self.factory)

    def call(self, *args):
        """Send, let the turn end and any fsync run; @return: the reply."""
        self.client.send(*args)
        self.settle()
        (reply,) = self.client.replies()
        return reply

    def settle(self):
        for _ in range(50):
            self.clock.advance(0)
            if not self.threads.pending:
                break
            self.threads.run()

    def aof(self):
        with open(os.path.join(self.directory, "appendonly.aof"), "rb") as f:
            return f.read()

    def stop(self):
        self.persistence.stopService()
        self.factory.doStop()


def commands_of(data):
    """@return: the argv lists of a log image."""
    return [argv for _, _, argv in aof.Scan(data)]


def populate(conn):
    """Every core type, small (compact encodings) and large, and expiries."""
    conn.call("FLUSHALL")
    conn.call("SET", "s", "hello")
    conn.call("SET", "i", "12345")
    conn.call("SET", "long", "x" * 1000)
    conn.call("SET", "lzf", "abcdefgh" * 200)
    conn.call("SET", "binary", bytes(range(256)) * 3)
    conn.call("RPUSH", "l", "1", "2", "a", "b" * 100, "-70000")
    conn.call("RPUSH", "biglist", *[str(i) for i in range(3000)])
    conn.call("RPUSH", "hugeitems", "y" * 10000, "z" * 20000)
    conn.call("SADD", "iset", *[str(i) for i in range(100)])
    conn.call("SADD", "bigiset", *[str(i * 7) for i in range(1000)])
    conn.call("SADD", "sset", "a", "b", "c")
    conn.call("SADD", "bigset", *["m%d" % i for i in range(600)])
    conn.call("HSET", "h", "f1", "v1", "f2", "2")
    conn.call("HSET", "bigh", *[x for i in range(1000) for x in ("f%d" % i, "v%d" % i)])
    conn.call("HSET", "longh", "f", "z" * 200)
    conn.call("ZADD", "z", "1.5", "a", "-2", "b", "1e300", "c", "inf", "d")
    conn.call(
        "ZADD", "bigz", *[x for i in range(1000) for x in (repr(i / 3), "m%d" % i)]
    )
    conn.call("SET", "ex", "v", "PX", "100000000")
    conn.call("PEXPIRE", "bigh", "100000000")
    conn.call("PEXPIRE", "l", "100000000")
    conn.call("SELECT", "3")
    conn.call("SET", "db3", "x")
    conn.call("SELECT", "0")


def read_back(conn):
    """@return: {(db, key): (type, value, pttl)} as redis-server says."""
    out = {}
    for index in (0, 3):
        conn.call("SELECT", str(index))
        for key in conn.call("KEYS", "*"):
            kind = conn.call("TYPE", key)
            if kind == b"string":
                value = conn.call("GET", key)
            elif kind == b"list":
                value = conn.call("LRANGE", key, "0", "-1")
            elif kind == b"set":
                value = sorted(conn.call("SMEMBERS", key))
            elif kind == b"hash":
                flat = conn.call("HGETALL", key)
                value = dict(zip(flat[::2], flat[1::2]))
            else:
                flat = conn.call("ZRANGE", key, "0", "-1", "WITHSCORES")
                value = [(m, float(s)) for m, s in zip(flat[::2], flat[1::2])]
            out[(index, key)] = (kind, value, conn.call("PEXPIRETIME", key))
    conn.call("SELECT", "0")
    return out
