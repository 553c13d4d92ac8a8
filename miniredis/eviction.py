"""
maxmemory: the memory the dataset uses, held to its limit by evicting keys.

How memory is measured: miniredis counts a fixed baseline (L{BASELINE},
what an empty redis-server 7.0.15 reports) plus the estimated bytes of its
keys. While a limit is set, a L{Dataset} keeps that estimate up to date:
every write measures again the keys it touched (L{miniredis.sizes}, the
estimator of MEMORY USAGE), so the figure falls when keys go, which the
process's resident size does not do under pymalloc. Without a limit, INFO
estimates the dataset from a sample of keys instead, and no command pays
for the accounting. INFO's C{used_memory} is this figure;
C{used_memory_rss} stays the process's resident size.

Over the limit, before the next command runs, L{MemoryLimit.make_room}
evicts keys as Redis's C{performEvictions} does, by C{maxmemory-policy}:

    - C{allkeys-*} pick among all keys, C{volatile-*} among those with a
      deadline;
    - C{*-lru} the longest idle, C{*-lfu} the least frequently used (the
      logarithmic counter of L{Frequency}), C{volatile-ttl} the nearest
      deadline: each time C{maxmemory-samples} keys are sampled from every
      database into a pool of the 16 best candidates (L{EvictionPool});
    - C{*-random} a key at random, the databases in turn.

An evicted key is deleted, published as the C{evicted} keyspace event and
written to the write stream as a C{DEL} (C{UNLINK} with
C{lazyfree-lazy-eviction}), so the append-only file and replicas follow.
Eviction stops after a time that grows with C{maxmemory-eviction-tenacity}
and goes on in the next reactor turn. When nothing can be evicted
(C{noeviction}, or no key with a deadline for C{volatile-*}), commands
flagged C{denyoom} get Redis's C{-OOM} error; reads and deletes go on. A
replica with C{replica-ignore-maxmemory yes} evicts nothing: its master's
C{DEL}s free its memory.

Usage::

    limit = MemoryLimit(server, commands.find)
    if limit.over and limit.make_room() == FAIL:
        ...                     # refuse denyoom commands
"""

import bisect
import os
import random
import sys
import time

from miniredis.dataset import Dataset
from miniredis.propagation import deletion
from miniredis.sizes import dataset_estimate

try:
    import resource
except ImportError:  # Windows
    resource = None

OOM = "OOM command not allowed when used memory > 'maxmemory'."
# What an empty redis-server 7.0.15 counts as used (its used_memory_startup).
BASELINE = 876024
OK, RUNNING, FAIL = "ok", "running", "fail"
POOL_SIZE = 16
LFU_INIT = 5
LFU_MAX = 255
_KEYS_PER_CLOCK_CHECK = 16
_ESTIMATE_SAMPLES = 64


def resident_size():
    """@return: the resident memory of this process, in bytes."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        if resource is None:
            return 0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def time_limit(tenacity):
    """
    @return: the seconds one round of eviction may take, for a
        C{maxmemory-eviction-tenacity} (Redis's figures: 50us a step up to
        10, then 15% more a step; no limit at 100).
    """
    if tenacity <= 10:
        return 50e-6 * tenacity
    if tenacity < 100:
        return 500e-6 * 1.15 ** (tenacity - 10)
    return float("inf")


class Frequency:
    """
    The LFU counters of an LFU policy, kept as Redis keeps them in a key's
    access stamp: the time in minutes (16 bits) above an 8-bit counter that
    grows logarithmically (C{lfu-log-factor}) and loses one every
    C{lfu-decay-time} minutes.
    """

    def __init__(self, store, config):
        self._store = store
        self._config = config

    def _minutes(self):
        return (self._store.lru_clock // 60000) & 0xFFFF

    def fresh(self):
        """@return: the stamp of a new key."""
        return self._minutes() << 8 | LFU_INIT

    def stamp(self, counter):
        """@return: a stamp holding C{counter} as of now (RESTORE ... FREQ)."""
        return self._minutes() << 8 | counter

    def counter(self, stamp):
        """@return: the counter in C{stamp}, decayed to now (OBJECT FREQ)."""
        if stamp is None:
            return LFU_INIT
        counter, then = stamp & 0xFF, stamp >> 8
        now = self._minutes()
        elapsed = now - then if now >= then else 0xFFFF - then + now
        decay = self._config["lfu-decay-time"]
        periods = elapsed // decay if decay else 0
        return max(0, counter - periods)

    def touched(self, stamp):
        """@return: C{stamp} after one more access."""
        counter = self.counter(stamp)
        if counter < LFU_MAX:
            base = max(0, counter - LFU_INIT)
            if random.random() < 1.0 / (base * self._config["lfu-log-factor"] + 1):
                counter += 1
        return self._minutes() << 8 | counter


class EvictionPool:
    """
    The best candidates for eviction found so far: up to L{POOL_SIZE}
    C{(score, database, key)}, lowest score first, kept between rounds as
    Redis keeps its pool.
    """

    def __init__(self):
        self.entries = []

    def offer(self, score, index, key):
        entries = self.entries
        if len(entries) >= POOL_SIZE and score <= entries[0][0]:
            return
        for entry in entries:
            if entry[1] == index and entry[2] == key:
                return
        bisect.insort(entries, (score, index, key))
        if len(entries) > POOL_SIZE:
            del entries[0]

    def best(self):
        """@return: the entry with the highest score, removed, or None."""
        return self.entries.pop() if self.entries else None


class MemoryLimit:
    """
    The C{maxmemory} limit of one server.

    @ivar over: whether the memory used was over the limit when last
        measured (the server then runs L{make_room} before commands).
    @ivar dataset: the L{Dataset} while a limit is set, else None.
    @ivar evicted_keys: keys evicted so far (INFO's C{evicted_keys}).
    @ivar exceeded_since: when the memory went over the limit (seconds,
        C{time.monotonic}), None while under it; C{exceeded_time}: the
        seconds spent over it before.
    """

    def __init__(self, server, find):
        """
        @param find: the command table's lookup, for the L{Dataset}.
        """
        self._server = server
        self._find = find
        self._config = config = server.config
        self._store = server.store
        self._next_db = 0
        self._pool = EvictionPool()
        self._continuing = None
        self.over = False
        self.dataset = None
        self.evicted_keys = 0
        self.exceeded_since = None
        self.exceeded_time = 0.0
        config.listeners.setdefault("maxmemory", []).append(self._limit_changed)
        config.listeners.setdefault("maxmemory-policy", []).append(self._policy_changed)
        self._policy_changed()
        self._track(config["maxmemory"])

    def used(self):
        """@return: the bytes the server counts as used (INFO C{used_memory})."""
        if self.dataset is not None:
            return BASELINE + self.dataset.total
        return BASELINE + dataset_estimate(self._store, _ESTIMATE_SAMPLES)

    def _track(self, limit):
        """Keep the L{Dataset} up to date while there is a C{limit}."""
        self._limit = limit
        writes = self._server.writes
        if limit and self.dataset is None:
            self.dataset = Dataset(self._store, self._find)
            writes.listen(self._written)
        elif not limit and self.dataset is not None:
            writes.unlisten(self._written)
            self.dataset = None

    def _limit_changed(self, limit):
        """A new limit: evict at once (in the next turn) if over it."""
        self._track(limit)
        self.check()
        if self.over:
            self._continue_later()

    def _policy_changed(self, value=None):
        policy = self._config["maxmemory-policy"]
        lfu = policy.endswith("-lfu")
        if lfu != (self._store.frequency is not None):
            self._store.count_frequency(
                Frequency(self._store, self._config) if lfu else None
            )
        self._pool = EvictionPool()

    def _written(self, index, argvs):
        dataset = self.dataset
        dataset.written(index, argvs)
        if not self.over and BASELINE + dataset.total > self._limit:
            self.check()

    def check(self):
        """Measure again whether the memory used is over the limit."""
        limit = self._config["maxmemory"]
        over = bool(limit) and self.used() > limit
        if over == self.over:
            return
        self.over = over
        if over:
            self.exceeded_since = time.monotonic()
        else:
            self.exceeded_time += time.monotonic() - self.exceeded_since
            self.exceeded_since = None
        self._server.restrictions_changed()

    def sample(self):
        """Ten times a second: catch what the write stream did not show."""
        if self.dataset is not None:
            self.dataset.reconcile()
        self.check()

    def reset_stats(self):
        """Zero the count of evicted keys and the time over the limit."""
        self.evicted_keys = 0
        self.exceeded_time = 0.0
        if self.exceeded_since is not None:
            self.exceeded_since = time.monotonic()

    def exceeded(self):
        """@return: INFO's C{(total, current)} eviction exceeded times, in ms."""
        current = 0.0
        if self.exceeded_since is not None:
            current = time.monotonic() - self.exceeded_since
        return int((self.exceeded_time + current) * 1000), int(current * 1000)

    def make_room(self):
        """
        Evict keys until the memory used is within the limit, as the policy
        says, or the time of a round is up (eviction then goes on in the
        next reactor turn).

        @return: L{OK}, L{RUNNING} (still over, being evicted) or L{FAIL}
            (over, and nothing more can be evicted).
        """
        config = self._config
        if self._server.upstream.active and config["replica-ignore-maxmemory"]:
            return OK
        if self.dataset is None:
            return OK
        tofree = BASELINE + self.dataset.total - config["maxmemory"]
        if tofree <= 0:
            self.check()
            return OK
        policy = config["maxmemory-policy"]
        if policy == "noeviction":
            return FAIL
        pick = self._pick_random if policy.endswith("-random") else self._pick_pooled
        volatile = policy.startswith("volatile-")
        limit = time_limit(config["maxmemory-eviction-tenacity"])
        started = time.perf_counter()
        try:
            return self._evict_round(pick, policy, volatile, tofree, limit, started)
        finally:
            # the round's time, for the latency monitor's eviction-cycle event
            self._server.latency.add(
                "eviction-cycle", int((time.perf_counter() - started) * 1000)
            )

    def _evict_round(self, pick, policy, volatile, tofree, limit, started):
        """Evict keys until C{tofree} bytes are freed or C{limit} seconds pass."""
        freed = evicted = 0
        while freed < tofree:
            found = pick(policy, volatile)
            if found is None:
                self.check()
                return FAIL
            freed += self._evict(*found)
            evicted += 1
            if (
                evicted % _KEYS_PER_CLOCK_CHECK == 0
                and time.perf_counter() - started > limit
            ):
                self._continue_later()
                return RUNNING
        self.check()
        return OK

    def _continue_later(self):
        if self._continuing is None or not self._continuing.active():
            self._continuing = self._server.clock.callLater(0, self._continue)

    def _continue(self):
        if self.over and self.make_room() == RUNNING:
            self._continue_later()

    def _evict(self, index, key):
        """Delete C{key} of database C{index}; @return: the bytes it took."""
        db = self._store.databases[index]
        db.evict(key)
        self.evicted_keys += 1
        freed = -self.dataset.measure(index, key)
        name = deletion(self._config, "lazyfree-lazy-eviction")
        self._server.writes.emit(index, [[name, key]])
        return freed

    def _pick_random(self, policy, volatile):
        """@return: C{(database, key)} at random, the databases in turn."""
        tallies = self.dataset.tallies
        for _ in range(len(tallies)):
            index = self._next_db = (self._next_db + 1) % len(tallies)
            pool = tallies[index].volatile if volatile else tallies[index].keys
            if pool:
                return index, pool.sample(1)[0]
        return None

    def _pick_pooled(self, policy, volatile):
        """@return: C{(database, key)}, the best of the pool, or None."""
        samples = self._config["maxmemory-samples"]
        score = self._scorer(policy)
        databases = self._store.databases
        while True:
            candidates = 0
            for index, tally in enumerate(self.dataset.tallies):
                keys = tally.volatile if volatile else tally.keys
                if not keys:
                    continue
                candidates += len(keys)
                db = databases[index]
                for key in keys.sample(samples):
                    self._pool.offer(score(db, key), index, key)
            if not candidates:
                return None
            while True:
                entry = self._pool.best()
                if entry is None:
                    break
                _, index, key = entry
                db = databases[index]
                if key in db.data and (not volatile or key in db.expires.deadlines):
                    return index, key
                self.dataset.measure(index, key)  # gone, or no deadline now

    def _scorer(self, policy):
        """@return: C{f(db, key)}: the higher, the sooner a key goes."""
        clock = self._store.lru_clock
        if policy.endswith("-lru"):
            # A key loaded from a file has no stamp: it counts as never used.
            return lambda db, key: clock - db.access.get(key, 0)
        if policy.endswith("-lfu"):
            counter = self._store.frequency.counter
            return lambda db, key: LFU_MAX - counter(db.access.get(key))
        return lambda db, key: -db.expires.deadlines.get(key, 0)
