"""
AOF rewrite without fork and without stopping service.

A L{Rewrite} writes the shortest commands that rebuild the current data
into a temporary file, a few milliseconds of work per reactor turn, while
clients keep writing. It keeps one ordered stream: the dump of the keys
and the writes that happen meanwhile go into it in the order they happen,
so replaying the stream gives the data as it is when the rewrite ends.

The keys present at the start are dumped in turn, from a list of them
taken then. The rule that makes this exact: a write that reads and changes
only keys already I{taken out of turn} goes into the stream as it is; a
write that touches any other key is replaced, for each key it touched, by
a C{DEL} and the key's current state (which includes the write), and that
key is then taken out of turn: its turn in the list, if still to come, is
skipped. Only the keys that writes touch are remembered, not every key
dumped. C{FLUSHALL}, C{FLUSHDB} and C{SWAPDB} go in as they are and adjust
the bookkeeping of whole databases. A transaction (or a script) is fed once
all its writes have run, so it is taken as one write; one that empties or
swaps databases while touching keys not taken out of turn makes the
rewrite start over.

A value is copied when it is dumped (a cheap C-level copy) and large ones
are then written 64 items per command (C{RPUSH}, C{SADD}, C{HSET},
C{ZADD}; a stream one C{XADD} per entry, as Redis writes it), spread over
turns.

At the end the file is fsynced (the bulk off the reactor thread), renamed
over the log and the directory fsynced.

Usage::

    job = Rewrite(store, "appendonly.aof", clock, run_in_thread, done)
    job.start()
    job.feed(db_index, [argv, ...])     # every write while it runs
"""

import gc
import os
import time
from collections import deque

from miniredis.commands import find
from miniredis.persistence import files
from miniredis.persistence.aof import encode_request, select_command
from miniredis.quicklist import QuickList
from miniredis.resp import format_double
from miniredis.store import Typed
from miniredis.stream import Stream, format_id
from miniredis.zset import ZSet

BATCH = 64
_WHOLE_DATABASES = (b"flushall", b"flushdb", b"swapdb")


# --------------------------------------------------- values as commands


def value_commands(key, value):
    """
    @return: the log entries (bytes, or an iterator of bytes for large
        values) that rebuild C{value} at C{key}; the value is copied now.
    """
    kind = type(value)
    if kind is bytes:
        return encode_request([b"SET", key, value])
    if kind is Typed:
        return encode_request([b"SET", key, value.value])
    if kind is QuickList:
        return _batched(b"RPUSH", key, list(value), 1)
    if kind is set:
        return _batched(b"SADD", key, list(value), 1)
    if kind is dict:
        return _batched(b"HSET", key, _flat(value.items()), 2)
    if kind is ZSet:
        pairs = [
            (format_double(score), member) for member, score in value.scores.items()
        ]
        return _batched(b"ZADD", key, _flat(pairs), 2)
    if kind is Stream:
        return (encode_request(argv) for argv in stream_commands(key, value.copy()))
    raise TypeError("cannot rewrite a value of type %s" % (kind.__name__,))


class _CollectorHold:
    """
    Python's cyclic garbage collector, kept off while any rewrite holds it
    (and turned on again after the last only if it was on before the first).

    @ivar holders: how many rewrites hold it.
    """

    def __init__(self):
        self.holders = 0
        self._was_enabled = False

    def hold(self):
        if not self.holders:
            self._was_enabled = gc.isenabled()
            gc.disable()
        self.holders += 1

    def release(self):
        self.holders -= 1
        if not self.holders and self._was_enabled:
            gc.enable()


COLLECTOR = _CollectorHold()


def stream_commands(key, stream):
    """
    @return: an iterator of the commands that rebuild C{stream}, those of
        Redis's own rewrite: XADD for each entry (an XADD trimmed to nothing
        makes an empty stream), XSETID for its counters, then per group
        XGROUP CREATE, and XCLAIM for each pending entry (a consumer with
        none: XGROUP CREATECONSUMER).
    """
    if stream.entries:
        for formatted, flat in stream.entries.values():
            yield [b"XADD", key, formatted] + flat
    else:
        yield [b"XADD", key, b"MAXLEN", b"0", b"0-1", b"x", b"y"]
    yield [
        b"XSETID",
        key,
        format_id(stream.last_id),
        b"ENTRIESADDED",
        b"%d" % stream.entries_added,
        b"MAXDELETEDID",
        format_id(stream.max_deleted),
    ]
    for name in sorted(stream.groups):
        group = stream.groups[name]
        yield [
            b"XGROUP",
            b"CREATE",
            key,
            name,
            format_id(group.last_id),
            b"ENTRIESREAD",
            b"%d" % group.entries_read,
        ]
        for consumer_name in sorted(group.consumers):
            consumer = group.consumers[consumer_name]
            if not consumer.pending:
                yield [b"XGROUP", b"CREATECONSUMER", key, name, consumer_name]
            for stream_id, entry in consumer.pending.items():
                yield [
                    b"XCLAIM",
                    key,
                    name,
                    consumer_name,
                    b"0",
                    format_id(stream_id),
                    b"TIME",
                    b"%d" % entry.delivered,
                    b"RETRYCOUNT",
                    b"%d" % entry.count,
                    b"JUSTID",
                    b"FORCE",
                ]


def _flat(pairs):
    return [item for pair in pairs for item in pair]


def _batched(verb, key, items, width):
    step = BATCH * width
    if len(items) <= step:
        return encode_request([verb, key] + items)
    return (
        encode_request([verb, key] + items[i : i + step])
        for i in range(0, len(items), step)
    )


# ------------------------------------------------ which keys a write touches


def touched_keys(db, argv, verb):
    """
    @return: C{(keys, exact)}: the C{(database, key)} pairs the write
        C{argv}, run on database C{db}, reads or changes, and whether that
        is all it reads (SORT's BY and GET patterns read any key).
    """
    if verb == b"move":
        return [(db, argv[1]), (int(argv[2]), argv[1])], True
    if verb == b"copy":
        target = db
        for i in range(3, len(argv) - 1):
            if argv[i].lower() == b"db":
                target = int(argv[i + 1])
        return [(db, argv[1]), (target, argv[2])], True
    cmd, problem = find(argv)
    if problem is not None:
        return [], True
    touched = [(db, key) for key in cmd.key_names(argv)]
    return touched, all(spec.begin is not None for spec in cmd.key_specs)


# ---------------------------------------------------------------- the job


class Rewrite:
    """
    One rewrite in progress.

    @ivar path: the log it will replace.
    @ivar temp: the temporary file it writes.
    @ivar size: bytes written so far.
    @ivar selected: the database the stream's last C{SELECT} chose.
    @ivar started: when it started (clock seconds).
    @ivar slice: seconds of work per reactor turn.
    @ivar before_slice: called before each slice of work: the server sends
        the replies its clients wait for, which would otherwise wait for
        the slice (see L{miniredis.protocol.Outbox.flush}).
    """

    slice = 0.005
    before_slice = staticmethod(lambda: None)

    def __init__(self, store, path, clock, run_in_thread, done, libraries=list):
        """
        @param run_in_thread: C{f(callable, *args)} returning a Deferred,
            for the fsync of the bulk of the file.
        @param done: called with C{(rewrite, error)} at the end; C{error} is
            None when the new file is in place, else the exception.
        @param libraries: returns the code of each function library, which
            the stream loads first (C{FUNCTION LOAD}, as Redis writes it).
        """
        self.store = store
        self.libraries = libraries
        self.path = path
        self.clock = clock
        self.run_in_thread = run_in_thread
        self.done = done
        self.temp = files.temporary_path(path, "rewriteaof")
        self.fd = None
        self.size = 0
        self.started = clock.seconds()
        self._call = None
        self._finished = False
        self._epoch = 0
        self._holding = False
        self._snapshot()

    def _snapshot(self):
        """Take the list of keys to dump, and start an empty stream."""
        databases = self.store.databases
        self._hold_collector()  # before the lists exist: no collection walks them
        self._pending = [list(db.data) for db in databases]
        self._positions = [0] * len(databases)
        self._out_of_turn = [set() for _ in databases]
        self._db = 0
        self._queue = deque()
        self._transaction = None
        self.selected = -1
        self._synced_once = False
        for code in self.libraries():
            self._queue.append(encode_request([b"FUNCTION", b"LOAD", code]))

    def _hold_collector(self):
        """
        Keep Python's cyclic garbage collector from running while the
        lists of keys live: each collection that met them would walk every
        key (some 20 ms for a million) with the reactor held. Unreachable
        cycles wait until the keys are all dumped, or the job is aborted.
        """
        if not self._holding:
            self._holding = True
            COLLECTOR.hold()

    def _release_collector(self):
        if self._holding:
            self._holding = False
            COLLECTOR.release()

    # -- driving

    def start(self):
        """
        Open the temporary file and begin, one slice per reactor turn.

        @raise OSError: when the file cannot be opened (the job is over).
        """
        try:
            self._open()
        except BaseException:
            self.abort()
            raise
        # The listing of the keys has just held the reactor (some 10 ms for
        # a million): the first slice waits for one more turn, so that the
        # clients who waited meanwhile are served before it.
        self._call = self.clock.callLater(0, self._schedule)

    def run_to_completion(self):
        """Do all the work now, on this thread (at start-up)."""
        try:
            self._open()
            while self._work(None):
                pass
            os.fsync(self.fd)
            self._synced_once = True
            self._complete()
        except BaseException as e:
            self._fail(e)
            raise

    def abort(self):
        """Stop and remove the temporary file."""
        if self._finished:
            return
        self._finished = True
        self._release_collector()
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._close()
        if os.path.exists(self.temp):
            os.unlink(self.temp)

    def _open(self):
        self.fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def _schedule(self):
        self._call = self.clock.callLater(0, self._step)

    def _step(self):
        self._call = None
        if self._finished:
            return
        self.before_slice()
        try:
            more = self._work(time.monotonic() + self.slice)
            if more:
                self._schedule()
            elif not self._synced_once:
                d = self.run_in_thread(os.fsync, self.fd)
                d.addCallbacks(
                    self._bulk_synced, self._fail_failure, callbackArgs=(self._epoch,)
                )
            else:
                os.fsync(self.fd)
                self._complete()
        except Exception as e:
            self._fail(e)

    def _bulk_synced(self, ignored, epoch):
        if not self._finished and epoch == self._epoch:
            self._synced_once = True
            self._schedule()

    def _complete(self):
        self._close()
        os.replace(self.temp, self.path)
        files.fsync_directory(self.path)
        self._finished = True
        self.done(self, None)

    def _fail_failure(self, failure):
        self._fail(failure.value)

    def _fail(self, error):
        if not self._finished:
            self.abort()
            self.done(self, error)

    def _close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _work(self, deadline):
        """
        Write stream entries until C{deadline} (C{time.monotonic()}), or all
        of them when it is None.

        @return: whether work remains.
        """
        out = []
        queue = self._queue
        more = True
        while more:
            if queue:
                piece = queue[0]
                if type(piece) is bytes:
                    out.append(piece)
                    queue.popleft()
                else:
                    chunk = next(piece, None)
                    if chunk is None:
                        queue.popleft()
                    else:
                        out.append(chunk)
            else:
                more = self._visit_next()
            if deadline is not None and time.monotonic() >= deadline:
                break
        data = b"".join(out)
        files.write_all(self.fd, data)
        self.size += len(data)
        return more or bool(queue)

    def _visit_next(self):
        """Dump the next key whose turn it is; @return: whether keys remain."""
        pending, positions = self._pending, self._positions
        while self._db < len(pending):
            db = self._db
            keys = pending[db]
            position = positions[db]
            if position < len(keys):
                positions[db] = position + 1
                key = keys[position]
                # Let go of each key as it is visited: freeing the whole list
                # at the end would touch a million keys in one turn. An empty
                # string, not None: PyPy keeps a list of byte strings unboxed,
                # and a None would box all of them at once (some 15-40 ms).
                keys[position] = b""
                if key not in self._out_of_turn[db]:
                    self._dump(db, key, in_turn=True)
                return True
            pending[db] = []
            self._db += 1
        self._release_collector()
        return False

    # -- the stream

    def _select(self, db):
        if db != self.selected:
            self._queue.append(select_command(db))
            self.selected = db

    def _dump(self, db, key, in_turn=False):
        """
        Put the current state of C{key} into the stream: in its turn, or
        out of turn after a C{DEL} of whatever state the stream holds.
        """
        if not in_turn:
            self._out_of_turn[db].add(key)
        database = self.store.databases[db]
        value = database.data.get(key)
        deadline = database.expires.deadlines.get(key)
        if deadline is not None and deadline <= self.store.now_ms():
            value = None
        if not in_turn:
            self._select(db)
            self._queue.append(encode_request([b"DEL", key]))
        if value is None:
            return
        self._select(db)
        self._queue.append(value_commands(key, value))
        if deadline is not None:
            self._queue.append(encode_request([b"PEXPIREAT", key, b"%d" % deadline]))

    def feed(self, db, argvs):
        """
        Weave the writes C{argvs}, just run on database C{db}, into the
        stream. A transaction (C{MULTI} ... C{EXEC}, also what a script
        did) is taken whole: all its writes ran before it is fed.
        """
        if self._finished:
            return
        for argv in argvs:
            verb = argv[0].lower()
            if self._transaction is not None:
                if verb == b"exec":
                    writes, self._transaction = self._transaction, None
                    self._commit(writes)
                else:
                    self._transaction.append((db, argv, verb))
            elif verb == b"multi":
                self._transaction = []
            else:
                self._commit([(db, argv, verb)])

    def _commit(self, writes):
        """Put the C{(db, argv, verb)} writes, run together, into the stream."""
        touched = []
        exact = True
        whole = False
        for db, argv, verb in writes:
            if verb in _WHOLE_DATABASES:
                whole = True
            else:
                keys, known = touched_keys(db, argv, verb)
                touched += keys
                exact = exact and known
        taken = self._out_of_turn
        if exact and all(key in taken[index] for index, key in touched):
            self._verbatim(writes)
        elif whole:
            self._start_over()
        else:
            for index, key in dict.fromkeys(touched):
                self._dump(index, key)

    def _verbatim(self, writes):
        queue = self._queue
        if len(writes) > 1:
            queue.append(encode_request([b"MULTI"]))
        for db, argv, verb in writes:
            if verb == b"flushall":
                self._forget(range(len(self._out_of_turn)))
            elif verb == b"swapdb":
                self._swap(int(argv[1]), int(argv[2]))
            else:
                self._select(db)
                if verb == b"flushdb":
                    self._forget([db])
                else:
                    for index, key in touched_keys(db, argv, verb)[0]:
                        self._out_of_turn[index].add(key)
            queue.append(encode_request(argv))
        if len(writes) > 1:
            queue.append(encode_request([b"EXEC"]))

    def _forget(self, databases):
        for db in databases:
            self._pending[db] = []
            self._positions[db] = 0
            self._out_of_turn[db] = set()

    def _swap(self, a, b):
        for table in (self._pending, self._positions, self._out_of_turn):
            table[a], table[b] = table[b], table[a]
        self._db = min(self._db, a, b)

    def _start_over(self):
        """
        Begin again from the current data: for a transaction that emptied
        or swapped databases while changing keys not taken out of turn.
        """
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        self.size = 0
        self._epoch += 1
        self._snapshot()
        if self._call is None or not self._call.active():
            self._schedule()
