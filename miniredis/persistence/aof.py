"""
The append-only file: every effective write, as RESP requests, in order.

The log is what Redis 6 wrote in its single-file mode: plain RESP arrays
of bulk strings, with a C{SELECT} whenever the database changes, so
C{redis-cli --pipe < appendonly.aof} replays it into a real Redis. Typed
values of the origin (C{SET k <map>}) appear as the nested RESP they came
as. A file may start with an RDB image (Redis's C{aof-use-rdb-preamble});
the commands follow it.

L{AppendOnlyFile} writes: commands of one reactor turn are buffered and
written together at the end of the turn; C{appendfsync always} holds the
replies of those writes (see L{AppendOnlyFile.durable}) until a single
fsync, run off the reactor thread, covers all of them (group commit).

L{scan} parses a log and L{replay} loads one into a server.

Usage::

    log = AppendOnlyFile("appendonly.aof", clock, "everysec", run_in_thread)
    log.feed(0, [[b"SET", b"k", b"v"]])
"""

import os
from collections import deque

from miniredis.commands import call, lookup, plain_args
from miniredis.logging import logger
from miniredis.persistence import files
from miniredis.resp import (
    ARRAY_HEADERS,
    BULK_HEADERS,
    Decoder,
    ProtocolError,
    ReplyError,
    encode_into,
)

try:
    import hiredis
except ImportError:  # PyPy
    hiredis = None

log = logger("miniredis.persistence.aof")

_MORE = object()
_CHUNK = 1 << 16


class AOFError(Exception):
    """
    A log that cannot be loaded.

    @ivar offset: where the trouble starts in the file.
    """

    def __init__(self, message, offset):
        Exception.__init__(self, message)
        self.offset = offset


# ---------------------------------------------------------------- writing


def encode_request_into(argv, out):
    """
    Append to the list C{out} the parts of the RESP array of C{argv}: bulk
    strings, and typed values (ints, doubles, arrays, maps, null) in their
    RESP3 form.
    """
    count = len(argv)
    out.append(ARRAY_HEADERS[count] if count < 1024 else b"*%d\r\n" % count)
    for arg in argv:
        if type(arg) is bytes:
            size = len(arg)
            if size < 1024:
                out += (BULK_HEADERS[size], arg, b"\r\n")
            else:
                out += (b"$%d\r\n" % size, arg, b"\r\n")
        else:
            encode_into(arg, 3, out)


def encode_request(argv):
    """@return: the RESP array of C{argv} (see L{encode_request_into})."""
    out = []
    encode_request_into(argv, out)
    return b"".join(out)


def select_command(index):
    """@return: the log entry of C{SELECT index}."""
    return encode_request([b"SELECT", b"%d" % index])


class AppendOnlyFile:
    """
    The open log and its write and fsync policy.

    @ivar path: the file's path.
    @ivar policy: C{"always"}, C{"everysec"} or C{"no"} (C{appendfsync}).
    @ivar size: the file's size, counting buffered writes once written.
    @ivar base_size: the size after the last rewrite (or at opening), for
        the automatic rewrite rule.
    @ivar written: how many batches have been written to the file.
    @ivar synced: how many of those are known to be on disk.
    @ivar last_write_ok: whether the last write succeeded.
    """

    def __init__(self, path, clock, policy, run_in_thread):
        """
        @param run_in_thread: C{f(callable, *args)} returning a Deferred of
            the call's result, run off the reactor thread.
        """
        self.path = path
        self.clock = clock
        self.policy = policy
        self.run_in_thread = run_in_thread
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.size = self.base_size = os.fstat(self.fd).st_size
        self.buffer = []
        self.selected = -1
        self.written = 0
        self.synced = 0
        self.syncing = False
        self.last_write_ok = True
        self._held = deque()
        self._flush_call = None
        self._retired = {}

    # -- logging

    def feed(self, db, argvs):
        """Log the commands C{argvs} run against database C{db}."""
        buffer = self.buffer
        if db != self.selected:
            buffer.append(select_command(db))
            self.selected = db
        for argv in argvs:
            encode_request_into(argv, buffer)
        if self._flush_call is None:
            self._flush_call = self.clock.callLater(0, self.flush)

    def flush(self):
        """Write what this turn logged; with C{always}, start the fsync."""
        self._flush_call = None
        if self.buffer:
            data = b"".join(self.buffer)
            try:
                files.write_all(self.fd, data)
            except OSError as e:
                self._write_failed(e)
                return
            self.buffer = []
            self.size += len(data)
            self.written += 1
            self.last_write_ok = True
        if self.policy == "always" and self.written > self.synced:
            self.sync()

    def _write_failed(self, error):
        if self.last_write_ok:
            log.error(
                "error writing to the AOF {path}: {error}", path=self.path, error=error
            )
        self.last_write_ok = False
        self.buffer = [b"".join(self.buffer)]
        if self._flush_call is None:
            self._flush_call = self.clock.callLater(1, self.flush)

    # -- durability

    def sync(self):
        """fsync what was written so far, off the reactor thread."""
        if self.syncing or self.written == self.synced:
            return
        self.syncing = True
        target, fd = self.written, self.fd
        d = self.run_in_thread(os.fsync, fd)
        d.addCallbacks(
            self._synced,
            self._sync_failed,
            callbackArgs=(target, fd),
            errbackArgs=(fd,),
        )

    def _synced(self, ignored, target, fd):
        self.syncing = False
        self._close_if_retired(fd)
        self.synced = max(self.synced, target)
        self._release()
        if self.policy == "always" and self.written > self.synced:
            self.sync()

    def _sync_failed(self, failure, fd):
        self.syncing = False
        self._close_if_retired(fd)
        log.failure("fsync of the AOF {path} failed", failure, path=self.path)
        if self.policy == "always":
            self._flush_call = self._flush_call or self.clock.callLater(1, self.flush)

    def _release(self):
        held, synced = self._held, self.synced
        while held and held[0][0] <= synced:
            _, action, args = held.popleft()
            action(*args)

    def durable(self, action, *args):
        """
        Run C{action(*args)} once every write logged so far is on disk: at
        once if nothing is pending, else after the fsync that covers it.
        Actions run in the order they were given.
        """
        needed = self.written + 1 if self.buffer else self.written
        if needed <= self.synced and not self._held:
            action(*args)
        else:
            self._held.append((needed, action, args))

    # -- switching files

    def reopen(self, path, selected=-1):
        """
        Continue in the (complete, durable) file C{path}, which replaces
        this log: what was buffered is already in it.

        @param selected: the database the file's last C{SELECT} chose.
        """
        old = self.fd
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.size = self.base_size = os.fstat(self.fd).st_size
        self.buffer = []
        self.selected = selected
        self.written += 1
        self.synced = self.written
        self.last_write_ok = True
        self._retire(old, in_thread=True)
        self._release()

    def _retire(self, fd, in_thread=False):
        """
        Close C{fd} once no fsync uses it; with C{in_thread}, off the
        reactor thread: the last close of a replaced log deletes the file,
        which takes milliseconds for a large one.
        """
        if self.syncing:
            self._retired[fd] = in_thread
        elif in_thread:
            d = self.run_in_thread(os.close, fd)
            d.addErrback(lambda f: log.failure("closing a replaced AOF failed", f))
        else:
            os.close(fd)

    def _close_if_retired(self, fd):
        if fd in self._retired:
            self._retire(fd, self._retired.pop(fd))

    def close(self):
        """Write and fsync everything (on this thread), then close."""
        if self._flush_call is not None and self._flush_call.active():
            self._flush_call.cancel()
        self._flush_call = None
        if self.buffer:
            files.write_all(self.fd, b"".join(self.buffer))
            self.buffer = []
        os.fsync(self.fd)
        self.written += 1
        self.synced = self.written
        self._release()
        self._retire(self.fd)


# ---------------------------------------------------------------- reading


class _Truncated(Exception):
    """The data ends inside a frame."""


def _length(data, pos, nl):
    try:
        return int(data[pos + 1 : nl])
    except ValueError:
        raise ProtocolError("invalid length at offset %d" % (pos,))


def _line_end(data, pos):
    nl = data.find(b"\r\n", pos)
    if nl < 0:
        raise _Truncated()
    return nl


def _skip(data, pos):
    """
    @return: the offset just past the RESP value at C{pos}.
    @raise _Truncated: the data ends inside it.
    @raise ProtocolError: it is not RESP.
    """
    if pos >= len(data):
        raise _Truncated()
    kind = data[pos]
    nl = _line_end(data, pos)
    if kind in b"$=!":
        count = _length(data, pos, nl)
        end = nl + 2 if count < 0 else nl + 4 + count
        if end > len(data):
            raise _Truncated()
        return end
    if kind in b"*~>%|":
        count = _length(data, pos, nl)
        pos = nl + 2
        for _ in range(count * 2 if kind in b"%|" else count):
            pos = _skip(data, pos)
        return pos
    if kind in b"+-:_,#(":
        return nl + 2
    raise ProtocolError("unexpected type byte %r at offset %d" % (chr(kind), pos))


def _typed_frame(data, pos):
    """@return: C{(value, end)} of any frame, decoded by the server's decoder."""
    end = _skip(data, pos)
    decoder = Decoder(inline=False)
    decoder.feed(bytes(data[pos:end]))
    return decoder.values()[0], end


def _read_frame(data, pos):
    """
    @return: C{(argv, end)} of the request at C{pos}: an array of bulk
        strings read here, anything else through L{_typed_frame}.
    """
    if data[pos] != 42:  # *
        return _typed_frame(data, pos)
    nl = _line_end(data, pos)
    count = _length(data, pos, nl)
    argv = []
    at = nl + 2
    for _ in range(count):
        if at >= len(data):
            raise _Truncated()
        if data[at] != 36:  # $
            return _typed_frame(data, pos)
        nl = _line_end(data, at)
        size = _length(data, at, nl)
        stop = nl + 2 + size
        if size < 0 or stop + 2 > len(data):
            return _typed_frame(data, pos)
        argv.append(data[nl + 2 : stop])
        at = stop + 2
    return argv, at


class Scan:
    """
    The commands of a log image, in order, with their offsets.

    Iterating gives C{(start, end, argv)} for each complete command. When
    iteration stops, L{error} says why if the data is not RESP, and
    L{truncated} whether it ends inside a command.

    @ivar end: the offset just past the last complete command.
    """

    def __init__(self, data, start=0):
        self.data = data
        self.start = start
        self.end = start
        self.error = None
        self.truncated = False

    def __iter__(self):
        if hiredis is not None:
            return self._fast()
        return self._pure()

    def _check(self, value):
        if type(value) is not list or not value:
            self.error = "expected a non-empty array of arguments"
            return False
        return True

    def _fast(self):
        # hiredis moves its unread input to the front of its buffer as it
        # goes: fed a whole file at once, that is quadratic. Feed it a
        # chunk at a time.
        data = self.data
        reader = hiredis.Reader(notEnoughData=_MORE)
        pos = fed = self.start
        gets = reader.gets
        while True:
            try:
                value = gets()
            except hiredis.ProtocolError as e:
                self.error = str(e)
                return
            if value is _MORE:
                if fed >= len(data):
                    break
                chunk = min(_CHUNK, len(data) - fed)
                reader.feed(data, fed, chunk)
                fed += chunk
                continue
            size = _bulk_frame_size(value)
            if size is None:
                try:
                    value, end = _typed_frame(data, pos)
                except (ProtocolError, _Truncated) as e:
                    self.error = str(e) or "malformed frame"
                    return
            else:
                end = pos + size
            if not self._check(value):
                return
            yield pos, end, value
            pos = self.end = end
        self.truncated = pos < len(data)

    def _pure(self):
        data, pos, size = self.data, self.start, len(self.data)
        while pos < size:
            try:
                value, end = _read_frame(data, pos)
            except ProtocolError as e:
                self.error = str(e)
                return
            except _Truncated:
                self.truncated = True
                return
            if not self._check(value):
                return
            yield pos, end, value
            pos = self.end = end


def _bulk_frame_size(value):
    """@return: the wire size of an array of bulk strings, else None."""
    if type(value) is not list:
        return None
    count = len(value)
    size = 3 + len(b"%d" % count)
    for arg in value:
        if type(arg) is not bytes:
            return None
        n = len(arg)
        size += 5 + n + (1 if n < 10 else 2 if n < 100 else len(b"%d" % n))
    return size


class Replay:
    """
    What loading a log found.

    @ivar commands: how many commands were run.
    @ivar errors: how many of them answered with an error.
    @ivar end: the offset just past the last command loaded.
    @ivar truncated: whether an incomplete command (or transaction) at the
        end was dropped.
    """

    def __init__(self):
        self.commands = 0
        self.errors = 0
        self.end = 0
        self.truncated = False


def replay(factory, data, start=0, name="appendonly.aof"):
    """
    Run the commands of a log image against C{factory}'s store.

    A transaction left open at the end counts as a truncated tail: its
    commands are not run. As in Redis, no key expires while the log loads
    (the store's time stands at 0): the log says with a C{DEL} when a key
    went, and a deadline passed by now takes effect once loading is done.

    @param name: the file's name, for messages.
    @rtype: L{Replay}
    @raise AOFError: for data that is not a log (at any place but the end)
        or an unknown command.
    """
    result = Replay()
    session = factory.session()
    session.authenticated = True
    session.deny_blocking = True
    result.end = start
    store = factory.store
    now_ms, store.now_ms = store.now_ms, _loading_time
    try:
        scan = _replay_commands(session, data, start, name, result)
    finally:
        store.now_ms = now_ms
    if scan.error is not None:
        raise AOFError(
            "Bad file format reading the append only file %s at offset %d: %s"
            % (name, scan.end, scan.error),
            scan.end,
        )
    return result


def _loading_time():
    return 0


def _replay_commands(session, data, start, name, result):
    """Run the commands of the log; @return: the L{Scan}."""
    queued = None
    scan = Scan(data, start)
    for offset, end, argv in scan:
        verb = argv[0].lower() if type(argv[0]) is bytes else argv[0]
        if verb == b"multi":
            queued = []
        elif verb == b"exec" and queued is not None:
            for offset, queued_argv in queued:
                _run(session, queued_argv, offset, name, result)
            queued = None
            result.end = end
        elif queued is not None:
            queued.append((offset, argv))
        else:
            _run(session, argv, offset, name, result)
            result.end = end
    result.truncated = scan.truncated or queued is not None
    return scan


def _run(session, argv, offset, name, result):
    try:
        cmd = lookup(argv, session.server.renamed)
    except ReplyError as e:
        raise AOFError(
            "Unknown command or wrong arity reading the append only file %s "
            "at offset %d: %s" % (name, offset, e.message),
            offset,
        )
    if type(argv) is not list and not cmd.typed:
        argv = plain_args(argv)
    reply = call(session, cmd, argv)
    result.commands += 1
    if isinstance(reply, ReplyError):
        result.errors += 1
