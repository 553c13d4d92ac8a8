"""
The keyspace: numbered databases of typed values with deadlines.

A value's Python type says its Redis type::

    bytes or Typed -> string    QuickList -> list    dict -> hash
    set -> set                  ZSet -> zset         Stream -> stream

Usage::

    store = Store(databases=16)
    db = store.db(0)
    db.set(b"k", b"v")
    db.get_string(b"k")      # b"v"
"""

import time

from miniredis.expiry import ExpiryIndex
from miniredis.notifications import EVICTED, NEW, notify
from miniredis.resp import ReplyError

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class Typed:
    """
    A string-slot value a typed client stored: an int, a list, a map or null.

    @ivar value: the decoded RESP value, given back as it came.
    """

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Typed) and other.value == self.value

    def __repr__(self):
        return "Typed(%r)" % (self.value,)


_TYPE_NAMES = {
    bytes: "string",
    Typed: "string",
    dict: "hash",
    set: "set",
}


def register_type(cls, name):
    """Tell the keyspace that values of class C{cls} have Redis type C{name}."""
    _TYPE_NAMES[cls] = name


def type_name(value):
    """@return: the Redis type name (C{"string"}, C{"list"}, ...) of C{value}."""
    return _TYPE_NAMES[type(value)]


def wall_clock_ms():
    return int(time.time() * 1000)


class Database:
    """
    One numbered database: a dict of keys, their deadlines, and the hooks
    that other parts hang on key changes.

    @ivar data: key -> value.
    @ivar expires: the deadlines (an L{ExpiryIndex}).
    @ivar watched: key -> sessions that WATCH it (see L{commands.transactions}).
    @ivar blocked: key -> waiters blocked on it (see L{miniredis.waits}).
    @ivar access: key -> the L{Store.lru_clock} of its last access (OBJECT
        IDLETIME), or under an LFU policy its LFU stamp (L{Store.frequency});
        entries of keys deleted by a command's own hand linger until L{prune}.
    @ivar encodings: key -> the OBJECT ENCODING of a value that its content
        alone does not tell (a string C{raw} after APPEND, a hash that grew
        into a hashtable...); L{set} drops it.
    @ivar samplers: key -> C{(set, list of its members)}, what SPOP and
        SRANDMEMBER pick from in a large set (L{miniredis.commands.sets});
        entries whose set is gone linger until L{prune}.
    @ivar hits, misses: lookups by commands that found a live key, or none
        (L{lookup}; TYPE, TTL and the like peek): INFO's C{keyspace_hits}
        and C{keyspace_misses} are their sums. Unlike Redis, which counts
        the lookups of reads only, the lookups of write commands count too.
    """

    def __init__(self, store, index):
        self.store = store
        self.index = index
        self.data = {}
        self.expires = ExpiryIndex()
        self.watched = {}
        self.blocked = {}
        self.access = {}
        self.encodings = {}
        self.samplers = {}
        self.hits = 0
        self.misses = 0

    def __len__(self):
        return len(self.data)

    # -- reading

    def lookup(self, key):
        """@return: the live value at C{key}, or None (an expired key is removed)."""
        if (
            key in self.expires.deadlines
            and self.expires.deadlines[key] <= self.store.now_ms()
            and self._expired_now(key)
        ):
            if self.store.events and not self.store.writing:
                self.report_miss(key)
            return None
        value = self.data.get(key)
        if value is not None:
            self.access[key] = self.store.lru_clock
            self.hits += 1
        else:
            self.misses += 1
            if self.store.events and not self.store.writing:
                self.report_miss(key)
        return value

    def peek(self, key, quiet=False):
        """
        L{lookup} that does not count as an access (TYPE, TTL, OBJECT...).

        @param quiet: report no C{keymiss} (OBJECT, SCAN...).
        """
        if (
            key in self.expires.deadlines
            and self.expires.deadlines[key] <= self.store.now_ms()
            and self._expired_now(key)
        ):
            if self.store.events and not (self.store.writing or quiet):
                self.report_miss(key)
            return None
        value = self.data.get(key)
        if value is None and self.store.events and not (self.store.writing or quiet):
            self.report_miss(key)
        return value

    def report_miss(self, key):
        """
        Publish C{keymiss} for C{key}: a read found nothing there. Reads
        report it themselves; a write command calls this for the keys it
        reads as Redis's C{lookupKeyRead} does (the sources of a STORE...).
        """
        notify(self, "m", b"keymiss", key)

    def read_miss(self, key):
        """
        L{report_miss} for a write command's read of C{key}, which found
        nothing (its own lookups report no misses).
        """
        if self.store.writing:
            self.report_miss(key)

    def get_typed(self, key, cls):
        """
        @return: the value at C{key} if it is of class C{cls}, None if absent.
        @raise ReplyError: WRONGTYPE if the key holds another type.
        """
        value = self.lookup(key)
        if value is None or type(value) is cls:
            return value
        raise ReplyError(WRONGTYPE)

    def get_string(self, key):
        """@return: the string at C{key} (bytes or L{Typed}) or None."""
        value = self.lookup(key)
        if value is None or type(value) is bytes or type(value) is Typed:
            return value
        raise ReplyError(WRONGTYPE)

    def ttl_ms(self, key):
        """@return: ms left before C{key} expires, -1 with no deadline, -2 if absent."""
        if self.peek(key) is None:
            return -2
        deadline = self.expires.deadlines.get(key)
        if deadline is None:
            return -1
        return max(0, deadline - self.store.now_ms())

    # -- writing

    def set(self, key, value, keepttl=False):
        """Store C{value} at C{key}; its deadline goes unless C{keepttl}."""
        store = self.store
        if store.events:
            self._report_new(key)
        self.data[key] = value
        self.access[key] = store.lru_clock
        if self.encodings:
            self.encodings.pop(key, None)
        if not keepttl and key in self.expires.deadlines:
            self.expires.remove(key)
        store.dirty += 1  # modified(key), without the call
        if self.watched:
            self._alert_watchers(key)
        if store.tracking is not None:
            store.tracking.invalidate(key)
        if type(value) is not bytes and store.written is not None:
            store.written(self, key)

    def set_many(self, keys, values):
        """
        L{set} each of C{keys} (byte strings, later ones winning) to the
        byte string at the same place in C{values}, in bulk: MSET, when no
        keyspace event and no LFU counter asks for a look at each key.
        """
        store = self.store
        self.data.update(zip(keys, values))
        self.access.update(dict.fromkeys(keys, store.lru_clock))
        if self.encodings:
            for key in keys:
                self.encodings.pop(key, None)
        deadlines = self.expires.deadlines
        if deadlines and not deadlines.keys().isdisjoint(keys):
            for key in keys:
                if key in deadlines:
                    self.expires.remove(key)
        store.dirty += len(keys)
        if self.watched:
            for key in keys:
                self._alert_watchers(key)
        if store.tracking is not None:
            for key in keys:
                store.tracking.invalidate(key)

    def _report_new(self, key):
        """Publish C{new} for C{key} if nothing (live) is there yet."""
        if self.peek(key) is None:
            notify(self, NEW, b"new", key)

    def replace(self, key, value):
        """
        Store C{value} at C{key}, whose live value L{lookup} has just
        returned: its deadline and its access time stay as they are.
        """
        self.data[key] = value
        if self.encodings:
            self.encodings.pop(key, None)
        store = self.store
        store.dirty += 1
        if self.watched:
            self._alert_watchers(key)
        if store.tracking is not None:
            store.tracking.invalidate(key)
        if type(value) is not bytes and store.written is not None:
            store.written(self, key)

    def delete(self, key):
        """@return: whether C{key} was there (and is now gone)."""
        if self.lookup(key) is None:
            return False
        del self.data[key]
        self.access.pop(key, None)
        if key in self.expires.deadlines:
            self.expires.remove(key)
        self.modified(key)
        return True

    def evict(self, key):
        """
        Remove C{key} to free memory (L{miniredis.eviction}): its watchers
        see it, and it is published as the C{evicted} event.
        """
        del self.data[key]
        if key in self.expires.deadlines:
            self.expires.remove(key)
        self.modified(key)
        if self.store.events:
            notify(self, EVICTED, b"evicted", key)

    def lookup_counting(self, key):
        """L{lookup} under an LFU policy: a hit counts in the key's LFU counter."""
        stamp = self.access.get(key)
        value = Database.lookup(self, key)
        if value is not None:
            self.access[key] = self.store.frequency.touched(stamp)
        return value

    def set_counting(self, key, value, keepttl=False):
        """
        L{set} under an LFU policy: a new key starts with a fresh counter,
        a key written over keeps its own and counts one more access.
        """
        stamp = self.access.get(key) if key in self.data else None
        Database.set(self, key, value, keepttl)
        frequency = self.store.frequency
        self.access[key] = (
            frequency.fresh() if stamp is None else frequency.touched(stamp)
        )

    def remove_if_empty(self, key, value):
        """
        Delete C{key} when its aggregate C{value} has become empty (and
        report it as a C{del} event).
        """
        if not value:
            del self.data[key]
            if key in self.expires.deadlines:
                self.expires.remove(key)
            if self.store.events:
                notify(self, "g", b"del", key)

    def set_deadline(self, key, deadline_ms):
        """Give C{key} (which must exist) an absolute deadline in ms."""
        self.expires.set(key, deadline_ms)
        self.modified(key)

    def persist(self, key):
        """@return: whether C{key} had a deadline (now removed)."""
        if key in self.expires.deadlines:
            self.expires.remove(key)
            self.modified(key)
            return True
        return False

    def clear(self):
        """Empty the database; @return: how many keys it held."""
        count = self.empty()
        self.store.flushed()
        return count

    def empty(self):
        """
        L{clear}, but for the clients that track keys: the caller tells
        them (L{Store.flushed}); @return: how many keys it held.
        """
        count = len(self.data)
        keys = [key for key in self.watched if key in self.data]
        self.data.clear()
        self.expires.clear()
        self.access.clear()
        self.encodings.clear()
        self.samplers.clear()
        for key in keys:
            self._alert_watchers(key)
        self.store.dirty += count + len(keys)
        return count

    def modified(self, key):
        """
        Note that C{key} changed: WATCHers see it, clients that may cache
        it are told (L{miniredis.tracking}), and the change counts toward
        the save rules.
        """
        store = self.store
        store.dirty += 1
        if self.watched:
            self._alert_watchers(key)
        if store.tracking is not None:
            store.tracking.invalidate(key)
        if store.written is not None:
            store.written(self, key)

    def _alert_watchers(self, key):
        sessions = self.watched.get(key)
        if sessions:
            for session in sessions:
                session.watch_dirty = True

    def signal_ready(self, key):
        """A push fed C{key}: clients blocked on it may now be served."""
        if key in self.blocked:
            self.store.ready.append((self, key))

    def _expired_now(self, key):
        """
        A key past its deadline was found: remove it, and @return: True;
        on a replica, leave it to the master's C{DEL} (clients see it gone,
        the master's stream still sees it, as in Redis).
        """
        store = self.store
        if store.replica:
            return not store.applying_master
        if not store.paused:  # CLIENT PAUSE: gone, yet not deleted
            self._expire(key)
        return True

    def _expire(self, key):
        store = self.store
        del self.data[key]
        self.access.pop(key, None)
        self.expires.remove(key)
        store.expired_keys += 1
        if store.events:
            notify(self, "x", b"expired", key)
        store.dirty += 1
        if self.watched:
            self._alert_watchers(key)
        if store.tracking is not None:
            store.tracking.expired(key)
        store.key_expired(self.index, key)

    def prune(self):
        """Drop the L{access}, L{encodings} and L{samplers} of deleted keys."""
        data = self.data
        self.access = {k: t for k, t in self.access.items() if k in data}
        self.encodings = {k: e for k, e in self.encodings.items() if k in data}
        self.samplers = {k: s for k, s in self.samplers.items() if data.get(k) is s[0]}

    def expire_due(self, now_ms, limit):
        """Remove up to C{limit} keys whose deadline has passed; @return: count."""
        due = self.expires.due(now_ms, limit)
        for key in due:
            self._expire(key)
        return len(due)


class Store:
    """
    The databases of one server.

    @ivar dirty: changes since the last save (for the C{save} rules).
    @ivar ready: C{(database, key)} pairs fed by a push since the waits were
        last served.
    @ivar now_ms: a function giving the current time in ms; tests pass a fake.
        It stands at 0 while a log loads (no key expires then).
    @ivar clock_ms: the same function, which a log's loading leaves alone:
        the time of what records when it happened (stream deliveries).
    @ivar expire_listeners: callables C{(db_index, key)} told of each expiry
        (persistence logs a DEL).
    @ivar replica: the server is a replica: keys past their deadline look
        gone to clients but stay until the master deletes them.
    @ivar applying_master: the master's stream is running: it sees every key.
    @ivar lru_clock: the time in ms, as of the last active expire cycle
        (key access times are stamped with it, as Redis does with its own,
        whose resolution is a second).
    @ivar frequency: None, or under an LFU policy the
        L{miniredis.eviction.Frequency} whose stamps L{Database.access}
        holds (see L{count_frequency}).
    @ivar written: None, or a callable C{(database, key)} told of each write
        (L{miniredis.encodings.Conversions} records encodings with it).
    @ivar paused: whether CLIENT PAUSE holds the clients (L{miniredis.pause}):
        keys past their deadline then stay, though they read as missing.
    @ivar events: the keyspace event classes that publish (empty while
        notifications are off); C{notifications}: where they are published
        (see L{miniredis.notifications}); C{writing}: whether the running
        command is a write, whose lookups do not report C{keymiss}.
    @ivar tracking: None until a client first tracks keys, then the
        server's L{miniredis.tracking.Tracking}, told of every change.
    """

    def __init__(self, databases=16, now_ms=wall_clock_ms):
        self.databases = [Database(self, i) for i in range(databases)]
        self.now_ms = self.clock_ms = now_ms
        self.dirty = 0
        self.ready = []
        self.expired_keys = 0
        self.expire_listeners = []
        self.replica = False
        self.applying_master = False
        self.lru_clock = now_ms()
        self.frequency = None
        self.paused = False
        self.events = frozenset()
        self.notifications = None
        self.writing = False
        self.tracking = None
        self.written = None

    def db(self, index):
        return self.databases[index]

    @property
    def keyspace_hits(self):
        return sum(db.hits for db in self.databases)

    @property
    def keyspace_misses(self):
        return sum(db.misses for db in self.databases)

    def reset_stats(self):
        """Zero the lookup counts (CONFIG RESETSTAT)."""
        for db in self.databases:
            db.hits = db.misses = 0

    def count_frequency(self, frequency):
        """
        Stamp key accesses with LFU counters of C{frequency} (an
        L{miniredis.eviction.Frequency}), or with times again for None:
        every key starts afresh.
        """
        self.frequency = frequency
        for db in self.databases:
            if frequency is None:
                db.__dict__.pop("lookup", None)
                db.__dict__.pop("set", None)
                stamp = self.lru_clock
            else:
                db.lookup, db.set = db.lookup_counting, db.set_counting
                stamp = frequency.fresh()
            db.access = dict.fromkeys(db.data, stamp)

    def key_expired(self, index, key):
        for listener in self.expire_listeners:
            listener(index, key)

    def flushall(self):
        """Empty every database; @return: how many keys were removed."""
        count = sum(db.empty() for db in self.databases)
        self.flushed()
        return count

    def flushed(self):
        """One database or all were emptied: tell the clients that track keys."""
        if self.tracking is not None:
            self.tracking.flushed()

    def swap(self, a, b):
        """Swap the contents of databases C{a} and C{b} (SWAPDB)."""
        one, two = self.databases[a], self.databases[b]
        one.data, two.data = two.data, one.data
        one.expires, two.expires = two.expires, one.expires
        one.access, two.access = two.access, one.access
        one.encodings, two.encodings = two.encodings, one.encodings
        one.samplers, two.samplers = two.samplers, one.samplers
        for db in (one, two):
            for key in list(db.watched):  # tracking clients are not told
                if key in one.data or key in two.data:
                    self.dirty += 1
                    db._alert_watchers(key)
            for key in db.blocked:
                if key in db.data:
                    self.ready.append((db, key))

    def active_expire_cycle(self, limit=200, budget=0.005):
        """
        Remove expired keys, C{limit} per database at a time, until about
        C{budget} seconds of CPU are spent (one round at least); also tick
        L{lru_clock} and prune the access records of deleted keys.

        @return: whether the budget ran out with due keys left.
        """
        now = self.now_ms()
        self.lru_clock = now
        started = time.perf_counter()
        busy = not self.paused
        while busy:
            busy = False
            for db in self.databases:
                if db.expires:
                    busy = db.expire_due(now, limit) == limit or busy
            if time.perf_counter() - started >= budget:
                break
        for db in self.databases:
            if len(db.access) > 2 * len(db.data) + 1024:
                db.prune()
        return busy
