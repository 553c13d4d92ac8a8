"""
Eviction under maxmemory: each policy on a socketless server (a write load
five times the limit, the memory held near it, the right keys kept), then
against redis-server where the outcome does not depend on chance.
"""

import random
import time

import pytest

from miniredis.commands import find
from miniredis.dataset import Dataset
from miniredis.eviction import BASELINE, EvictionPool, Frequency, time_limit
from miniredis.resp import ReplyError
from miniredis.sizes import key_size
from tests.local import Local
from tests.servers import RawConnection, miniredis_process, redis_process

DATA = 100_000  # bytes of keys the limit leaves room for
LIMIT = BASELINE + DATA
VALUE = b"v" * 200
OOM = "OOM command not allowed when used memory > 'maxmemory'."


def dataset(server):
    """@return: the bytes of keys the server counts."""
    return server.factory.memory.used() - BASELINE


class Load:
    """
    Writes to a L{Local} server under a limit until five times the limit
    went in, checking the memory after each write.

    @ivar peak: the most memory the keys took, after any write.
    """

    def __init__(self, policy, **config):
        random.seed(7)
        self.server = Local(maxmemory=LIMIT, maxmemory_policy=policy, **config)
        self.peak = 0
        self.written = 0

    def set(self, key, *options):
        reply = self.server.call("SET", key, VALUE, *options)
        self.written += key_size(key.encode(), VALUE)
        self.peak = max(self.peak, dataset(self.server))
        return reply

    def run(self, prefix, between=lambda i: None, options=lambda i: ()):
        """Write keys C{prefix:<n>} until five times the limit went in."""
        keys = []
        while self.written < 5 * DATA:
            key = "%s:%d" % (prefix, len(keys))
            assert self.set(key, *options(len(keys))) == b"OK"
            keys.append(key)
            between(len(keys))
        return keys

    def alive(self, keys):
        return [key for key in keys if self.server.call("EXISTS", key)]

    def check_held(self):
        """The keys took at most 10% more than the limit, and not much less."""
        assert self.peak <= DATA * 1.1
        assert DATA * 0.9 <= dataset(self.server) <= DATA * 1.1

    def check_propagated(self):
        """Every evicted key went to the write stream as a DEL."""
        deleted = [argv[1] for _, argv in self.server.logged if argv[0] == b"DEL"]
        assert len(deleted) == self.server.factory.memory.evicted_keys > 0
        assert not any(self.server.call("EXISTS", key) for key in deleted[-20:])

    def close(self):
        self.server.close()


@pytest.fixture
def load(request):
    loads = []

    def make(policy, **config):
        loads.append(Load(policy, **config))
        return loads[-1]

    yield make
    for each in loads:
        each.close()


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu"])
def test_hot_keys_survive(load, policy):
    run = load(policy)
    hot = ["hot:%d" % i for i in range(10)]
    for key in hot:
        run.set(key)
        for _ in range(20):
            run.server.call("GET", key)

    def read_hot(count):
        if count % 10 == 0:
            for key in hot:
                run.server.call("GET", key)
            run.server.advance(0.1)  # the LRU clock ticks with the expire cycle

    cold = run.run("cold", read_hot)
    run.check_held()
    run.check_propagated()
    assert run.alive(hot) == hot
    assert len(run.alive(cold[: len(cold) // 2])) < len(cold) // 20


@pytest.mark.parametrize("policy", ["volatile-lru", "volatile-lfu", "volatile-random"])
def test_keys_without_ttl_survive(load, policy):
    run = load(policy)
    kept = ["kept:%d" % i for i in range(40)]
    for key in kept:
        run.set(key)
    volatile = run.run(
        "volatile", lambda i: run.server.advance(0.01), lambda i: ("EX", "1000")
    )
    run.check_held()
    run.check_propagated()
    assert run.alive(kept) == kept
    assert 0 < len(run.alive(volatile)) < len(volatile) // 4


def test_shortest_ttls_go_first(load):
    run = load("volatile-ttl")
    ttls = {}

    def ttl(i):
        ttls["t:%d" % i] = random.randrange(100, 100000)
        return ("EX", str(ttls["t:%d" % i]))

    keys = run.run("t", options=ttl)
    run.check_held()
    run.check_propagated()
    alive = run.alive(keys)
    ranked = sorted(keys, key=ttls.get)
    shortest, longest = ranked[: len(ranked) // 2], ranked[-len(alive) :]
    # Sampled: the newest keys wait to be drawn, whatever their TTL; of the
    # older ones, those with the shorter half of the TTLs are all gone.
    older = set(keys[: len(keys) * 3 // 4])
    assert not set(alive) & set(shortest) & older
    assert len(set(alive) & set(longest)) > 0.75 * len(alive)


def test_allkeys_random(load):
    run = load("allkeys-random")
    keys = run.run("r")
    run.check_held()
    run.check_propagated()
    # Chance, not age, picks: some of the older half is still there.
    assert run.alive(keys[len(keys) // 2 :])
    assert run.alive(keys[len(keys) // 4 : len(keys) // 2])


def test_noeviction_refuses_writes(load):
    run = load("noeviction")
    for i in range(10 * DATA // len(VALUE)):
        reply = run.set("k:%d" % i)
        if isinstance(reply, ReplyError):
            break
    assert reply.message == OOM
    assert run.peak <= DATA * 1.1
    call = run.server.call
    assert call("GET", "k:0") == VALUE
    assert call("DEL", "k:0", "k:1", "k:2") == 3
    assert call("SET", "k:0", VALUE) == b"OK"
    assert run.server.factory.memory.evicted_keys == 0


def test_volatile_policy_without_volatile_keys_refuses(load):
    run = load("volatile-lru")
    replies = [run.set("k:%d" % i) for i in range(10 * DATA // len(VALUE))]
    assert replies[-1].message == OOM
    assert run.set("t", "EX", "100").message == OOM


def test_the_accounting_falls_as_keys_go(load):
    run = load("noeviction")
    call = run.server.call
    empty = dataset(run.server)
    for i in range(50):
        call("RPUSH", "list", VALUE)
        call("HSET", "hash", str(i), VALUE)
    call("SET", "s", VALUE, "EX", "1")
    full = dataset(run.server)
    assert full > empty + 100 * len(VALUE)
    call("DEL", "list")
    call("HDEL", "hash", *map(str, range(25)))
    assert dataset(run.server) < empty + 30 * len(VALUE) + (full - empty) // 2
    run.server.advance(2)  # s expires
    call("FLUSHALL")
    assert dataset(run.server) == empty == 0


def test_the_accounting_matches_a_count_from_scratch(load):
    run = load("noeviction")
    call = run.server.call
    for args in [
        ("MSET", "a", VALUE, "b", VALUE, "c", "1"),
        ("RPUSH", "l", "x", "y", "z"),
        ("LMOVE", "l", "m", "LEFT", "RIGHT"),
        ("EXPIRE", "a", "100"),
        ("MOVE", "b", "2"),
        ("COPY", "a", "a2", "DB", "3"),
        ("SWAPDB", "0", "3"),
        ("SELECT", "3"),
        ("MULTI",),
        ("INCR", "c"),
        ("RENAME", "c", "d"),
        ("SELECT", "0"),
        ("APPEND", "a2", VALUE),
        ("EXEC",),
        ("EVAL", "redis.call('SET', 'undeclared', ARGV[1])", "0", VALUE),
        ("ZADD", "z", "1", "one", "2", "two"),
        ("FLUSHDB",),
    ]:
        call(*args)
    memory = run.server.factory.memory
    assert memory.dataset.total > 0
    assert memory.dataset.total == Dataset(run.server.store, find).total


def test_tenacity_spreads_eviction_over_reactor_turns():
    server = Local(maxmemory_policy="allkeys-lru", maxmemory_eviction_tenacity="0")
    try:
        call = server.call
        for i in range(1000):
            call("SET", "k:%d" % i, VALUE)
        assert call("CONFIG", "SET", "maxmemory", str(LIMIT)) == b"OK"
        memory = server.factory.memory
        assert memory.over
        # Sixteen keys a round: the write goes ahead while eviction goes on.
        assert call("SET", "one-more", VALUE) == b"OK"
        assert memory.evicted_keys == 16
        server.advance(0)
        assert not memory.over
        assert DATA * 0.9 <= dataset(server) <= DATA
    finally:
        server.close()


def test_keys_loaded_out_of_sight_are_counted(load):
    run = load("allkeys-lru")
    data = run.server.store.db(3).data
    for i in range(100):  # as a log being loaded puts them
        data[b"key:%d" % i] = b"x" * 300
    run.server.advance(0.1)  # the database is counted again
    assert dataset(run.server) > 100 * 300


def test_lfu_counter():
    class Clock:
        lru_clock = 0

    config = {"lfu-log-factor": 10, "lfu-decay-time": 1}
    frequency = Frequency(Clock, config)
    random.seed(1)
    stamp = frequency.fresh()
    assert frequency.counter(stamp) == 5
    stamp = frequency.touched(stamp)
    assert frequency.counter(stamp) == 6  # the first hit always counts
    for _ in range(1000):
        stamp = frequency.touched(stamp)
    assert 10 <= frequency.counter(stamp) <= 20  # a logarithm of the hits
    Clock.lru_clock = 3 * 60000
    assert 7 <= frequency.counter(stamp) <= 17  # one less a minute
    config["lfu-decay-time"] = 0
    assert frequency.counter(frequency.stamp(255)) == 255


def test_pool_keeps_the_best_candidates():
    pool = EvictionPool()
    for score in range(40):
        pool.offer(score % 20, 0, b"k%d" % score)
    pool.offer(19, 0, b"k19")  # already there
    assert len(pool.entries) == 16
    assert pool.best() == (19, 0, b"k39")
    assert pool.best() == (19, 0, b"k19")
    assert time_limit(10) == pytest.approx(500e-6)
    assert time_limit(100) == float("inf")


def test_object_freq_and_idletime_follow_the_clock():
    server = Local(maxmemory_policy="allkeys-lfu")
    try:
        call = server.call
        call("SET", "k", "v")
        assert call("OBJECT", "FREQ", "k") == 5
        call("GET", "k")
        assert call("OBJECT", "FREQ", "k") == 6
        server.advance(180)
        assert call("OBJECT", "FREQ", "k") == 3
        call("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        server.advance(5)
        assert call("OBJECT", "IDLETIME", "k") == 5
    finally:
        server.close()


# ------------------------------------------------------- against redis-server


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A redis-server and a miniredis of this module's own."""
    servers = (
        redis_process(str(tmp_path_factory.mktemp("evict-redis"))).start(),
        miniredis_process(str(tmp_path_factory.mktemp("evict-mini"))).start(),
    )
    yield servers
    for server in servers:
        server.stop()


class Both:
    """A connection to each server of the L{pair}; L{check} compares replies."""

    def __init__(self, pair, proto=2):
        self.conns = [RawConnection(server.port, proto) for server in pair]

    def both(self, *args):
        return [conn.call(*args) for conn in self.conns]

    def check(self, *args):
        real, mini = self.both(*args)
        assert mini == real, "%r: redis %r, miniredis %r" % (args, real, mini)
        return mini

    def close(self):
        for conn in self.conns:
            conn.close()


_DEFAULTS = [
    ("maxmemory", "0"),
    ("maxmemory-policy", "noeviction"),
    ("notify-keyspace-events", ""),
    ("maxmemory-samples", "5"),
    ("lfu-log-factor", "10"),
    ("lfu-decay-time", "1"),
    ("maxmemory-eviction-tenacity", "10"),
]


@pytest.fixture(params=[2, 3])
def both(request, pair):
    conns = Both(pair, request.param)
    conns.both("FLUSHALL")
    conns.both("CONFIG", "RESETSTAT")
    yield conns
    for name, value in _DEFAULTS:
        conns.both("CONFIG", "SET", name, value)
    conns.close()


def info(conn, section):
    text = conn.call("INFO", section)
    return dict(
        line.split(":", 1)
        for line in text.decode().splitlines()
        if ":" in line and not line.startswith("#")
    )


def test_evicted_events(both, pair):
    watchers = [RawConnection(server.port) for server in pair]
    try:
        both.check("CONFIG", "SET", "notify-keyspace-events", "KEe")
        for watcher in watchers:
            watcher.call("PSUBSCRIBE", "__key*__:*")
        both.check("SET", "k", "v")
        both.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        both.check("CONFIG", "SET", "maxmemory", "1")
        both.check("SET", "other", "v")  # k is evicted, yet still over: OOM
        both.check("DBSIZE")
        events = [[watcher.read(), watcher.read()] for watcher in watchers]
        assert (
            events[1]
            == events[0]
            == [
                [b"pmessage", b"__key*__:*", b"__keyspace@0__:k", b"evicted"],
                [b"pmessage", b"__key*__:*", b"__keyevent@0__:evicted", b"k"],
            ]
        )
        counts = [int(info(conn, "stats")["evicted_keys"]) for conn in both.conns]
        assert counts[1] >= 1 and counts[0] >= 1
    finally:
        for watcher in watchers:
            watcher.close()


def test_evicted_keys_are_invalidated(both, pair):
    """A client caching an evicted key is told, as after any other change."""
    trackers = [RawConnection(server.port, proto=3) for server in pair]
    try:
        both.check("SET", "k", "v")
        for tracker in trackers:
            assert tracker.call("CLIENT", "TRACKING", "on") == b"OK"
            assert tracker.call("GET", "k") == b"v"
        both.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        both.check("CONFIG", "SET", "maxmemory", "1")
        both.check("SET", "other", "v")  # k is evicted, yet still over: OOM
        both.check("CONFIG", "SET", "maxmemory", "0")
        pushes = [tracker.read() for tracker in trackers]
        assert pushes[1] == pushes[0]
        assert list(pushes[0]) == [b"invalidate", [b"k"]]
    finally:
        for tracker in trackers:
            tracker.close()


def test_volatile_keys_go_and_the_rest_is_refused(both):
    both.check("SET", "kept", "1")
    both.check("SET", "t", "2", "EX", "100")
    both.check("CONFIG", "SET", "maxmemory-policy", "volatile-ttl")
    both.check("CONFIG", "SET", "maxmemory", "1")
    for args in [
        ("SET", "new", "v"),
        ("EXISTS", "t"),
        ("GET", "kept"),
        ("DBSIZE",),
        ("LPUSH", "l", "a"),
        ("INCR", "kept"),
        ("APPEND", "kept", "x"),
        ("MULTI",),
        ("GET", "kept"),
        ("EXEC",),
        ("MULTI",),
        ("SET", "a", "b"),
        ("EXEC",),
        ("DEL", "kept"),
        ("SET", "kept", "1"),
    ]:
        both.check(*args)


def test_scripts_over_the_limit(both):
    both.check("SET", "x", "1")
    both.check("CONFIG", "SET", "maxmemory", "1")
    for args in [
        ("EVAL", "return redis.call('set', 'x', 'y')", "0"),
        ("EVAL", "return redis.pcall('incr', 'x')", "0"),
        ("EVAL", "return redis.call('get', 'x')", "0"),
        ("EVAL", "#!lua\nreturn 1", "0"),
        ("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'x')", "0"),
        ("EVAL", "#!lua flags=allow-oom\nreturn redis.call('incr', 'x')", "0"),
        ("EVAL", "return redis.call('del', 'x')", "0"),
    ]:
        both.check(*args)


def test_config_values(both):
    for args in [
        ("CONFIG", "SET", "maxmemory-samples", "0"),
        ("CONFIG", "SET", "maxmemory-samples", "10"),
        ("CONFIG", "SET", "lfu-log-factor", "-1"),
        ("CONFIG", "SET", "lfu-log-factor", "20"),
        ("CONFIG", "SET", "lfu-decay-time", "-1"),
        ("CONFIG", "SET", "lfu-decay-time", "3"),
        ("CONFIG", "SET", "maxmemory-eviction-tenacity", "101"),
        ("CONFIG", "SET", "maxmemory-eviction-tenacity", "50"),
        ("CONFIG", "SET", "replica-ignore-maxmemory", "maybe"),
        ("CONFIG", "SET", "maxmemory", "100mb"),
    ]:
        both.check(*args)
    for pattern in ["maxmemory*", "lfu-*", "replica-ignore-maxmemory"]:
        real, mini = both.both("CONFIG", "GET", pattern)
        if isinstance(real, list):  # RESP2: pairs in a flat array
            real, mini = [dict(zip(r[::2], r[1::2])) for r in (real, mini)]
        assert mini == real


def test_object_freq_by_policy(both):
    both.check("SET", "k", "v")
    for policy in ["noeviction", "allkeys-lru", "volatile-ttl", "allkeys-random"]:
        both.check("CONFIG", "SET", "maxmemory-policy", policy)
        both.check("OBJECT", "FREQ", "k")
        both.check("OBJECT", "FREQ", "nokey")
    for policy in ["allkeys-lfu", "volatile-lfu"]:
        both.check("CONFIG", "SET", "maxmemory-policy", policy)
        both.check("SET", policy, "v")
        both.check("OBJECT", "FREQ", policy)
        both.check("GET", policy)  # the first access always counts
        both.check("OBJECT", "FREQ", policy)
        both.check("OBJECT", "IDLETIME", policy)


def test_info_fields(both):
    both.check("CONFIG", "SET", "maxmemory", "100mb")
    both.check("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
    real, mini = [info(conn, "memory") for conn in both.conns]
    for name in ["maxmemory", "maxmemory_human", "maxmemory_policy"]:
        assert mini[name] == real[name]
    for name in [
        "used_memory",
        "used_memory_human",
        "used_memory_rss",
        "used_memory_startup",
        "used_memory_dataset",
        "mem_not_counted_for_evict",
    ]:
        assert name in real and name in mini
    assert list(mini) == [name for name in real if name in mini]
    real, mini = [info(conn, "stats") for conn in both.conns]
    for name in [
        "evicted_keys",
        "evicted_clients",
        "total_eviction_exceeded_time",
        "current_eviction_exceeded_time",
    ]:
        assert mini[name] == real[name] == "0"


# ------------------------------------------------------------ replication


def _wait(predicate, what):
    deadline = time.time() + 15
    while not predicate():
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.05)


def test_a_replica_follows_its_master_and_evicts_nothing(tmp_path):
    (tmp_path / "master").mkdir()
    (tmp_path / "replica").mkdir()
    master = miniredis_process(
        str(tmp_path / "master"),
        "--maxmemory",
        str(LIMIT),
        "--maxmemory-policy",
        "allkeys-random",
    ).start()
    replica = None
    try:
        replica = miniredis_process(
            str(tmp_path / "replica"),
            "--maxmemory",
            str(BASELINE + DATA // 2),
            "--maxmemory-policy",
            "allkeys-random",
            "--replicaof",
            "127.0.0.1 %d" % (master.port,),
        ).start()
        up, down = RawConnection(master.port), RawConnection(replica.port)
        _wait(
            lambda: info(down, "replication")["master_link_status"] == "up",
            "the link",
        )
        for batch in range(5 * DATA // len(VALUE) // 25):
            pairs = [("k:%d:%d" % (batch, i), VALUE) for i in range(25)]
            assert up.call("MSET", *[part for pair in pairs for part in pair]) == b"OK"
        offset = info(up, "replication")["master_repl_offset"]
        _wait(
            lambda: info(down, "replication")["master_repl_offset"] == offset,
            "the replica",
        )
        assert int(info(up, "stats")["evicted_keys"]) > 0
        assert info(down, "stats")["evicted_keys"] == "0"
        assert sorted(down.call("KEYS", "*")) == sorted(up.call("KEYS", "*"))
        up.close()
        down.close()
    finally:
        master.stop()
        if replica is not None:
            replica.stop()
