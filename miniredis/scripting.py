"""
Lua scripting: the sandboxed Lua 5.1 runtime (lupa), the script cache, the
Lua <-> RESP conversions and the thread scripts run on.

Usage (what EVAL does)::

    scripts = Scripts(server)
    script = scripts.compile(b"return redis.call('get', KEYS[1])")
    reply = scripts.evaluate(session, script, [b"key"], [])

The sandbox (C{sandbox.lua}) offers what Redis 7.0 offers scripts: the
C{redis} table, C{string}, C{table}, C{math}, C{coroutine}, C{bit},
C{cjson}, C{struct} and C{cmsgpack}, with the global table and every library table read-only. No
script can reach C{os}, C{io}, C{debug}, C{require}, C{loadfile},
C{dofile}, lupa's C{python} module or any Python object: the Python
callables behind C{redis.call} and friends are upvalues of Lua closures,
and the runtime's attribute filter refuses any attribute access anyway.

Busy scripts
============
Redis runs a script to its end, but once it has run longer than
C{busy-reply-threshold} ms it answers other clients C{-BUSY} (all but the
commands flagged C{allow_busy}, among them SCRIPT KILL), and SCRIPT KILL
stops a script that has not written. Here, as in Redis, a script runs on
the reactor thread, inline, and a Lua count hook calls back every 100000
instructions:

  - Past the threshold, the hook makes the server busy (C{server.busy},
    which has the dispatcher answer others C{BUSY}), stops reading the
    caller's connection, and from then on turns the reactor once at each
    call (L{Scripts._serve_others}): other clients are read and answered,
    timers and calls from threads run. Redis's
    C{processEventsWhileBlocked} does the same.
  - SCRIPT KILL sets a flag the hook reads; it then raises C{ERR Script
    killed by user with SCRIPT KILL...} in the script.
  - When the reactor is asked to stop meanwhile (SHUTDOWN NOSAVE, SIGTERM),
    the hook stops the script whatever it wrote. Its writes, and those of
    the transaction it runs in, are not logged, and its caller's connection
    is dropped without a reply: as when Redis exits under a script, nothing
    of it is acknowledged or persisted.
  - When the script ends, its caller gets the reply as the command's own,
    the server is no longer busy and the caller's connection is read again.

Only a script with a connection to answer goes busy: one called by an
in-process session runs to its end (other clients then wait). The
reactor must be one that can be turned from inside a callback
(C{doIteration}, as Twisted's select, poll and epoll reactors have);
under any other, every script runs to its end.

Running every script on a thread of its own, and waiting for it there up
to the threshold, was what this module did before: a thread hand-off cost
25-80 us per script (FCALL of a one-line function ran 12k times a second
under load, against 100k+ inline).

While a script runs the store's clock is frozen at the script's start, as
Redis does, so keys do not expire under it. Its writes are logged to
persistence as the commands it ran, between MULTI and EXEC.
"""

import hashlib
import math
import os
import time

from lupa import lua51
from twisted.logger import LogLevel

from miniredis.commands import BLOCKED, BUSY, WRONG_ARITY, call, find
from miniredis.commands.parsing import LLONG_MIN
from miniredis.eviction import OOM
from miniredis.logging import logger
from miniredis.lua import cjson_source
from miniredis.lua.bit import bit_operation
from miniredis.lua.cmsgpack import MessagePack
from miniredis.lua.structlib import StructLibrary
from miniredis.resp import (
    NULL_ARRAY,
    BigNumber,
    Double,
    PairMap,
    Pairs,
    ReplyError,
    SetReply,
    Status,
    Verbatim,
    format_double,
)
from miniredis.version import __redis_version__

log = logger("miniredis.scripting")

MAX_DEPTH = 200

_SANDBOX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox.lua")
_SHEBANG_FLAGS = frozenset(
    [
        b"no-writes",
        b"allow-oom",
        b"allow-stale",
        b"no-cluster",
        b"allow-cross-slot-keys",
    ]
)
_LOG_LEVELS = [LogLevel.debug, LogLevel.info, LogLevel.info, LogLevel.warn]
# What a killed script's command calls get, as its next line gets from the
# count hook (KILLED in sandbox.lua).
_KILLED = "ERR Script killed by user with SCRIPT KILL..."
# A run with at most this many keys and arguments hands them to Lua as
# arguments of the call (the sandbox makes the tables), more as two tables.
_SPREAD_MOST = 64
BUSY_FUNCTION = (
    "BUSY Redis is busy running a script. "
    "You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
)


def sha1hex(data):
    """@return: the SHA1 of C{data} as 40 lower-case hex digits (bytes)."""
    return hashlib.sha1(data).hexdigest().encode()


def _refuse_attributes(obj, name, is_setting):
    raise AttributeError("scripts cannot reach Python objects")


class Script:
    """
    A compiled script of the cache.

    @ivar sha: its SHA1 (bytes, lower-case hex).
    @ivar function: the Lua function of its body.
    @ivar shebang: whether it starts with C{#!lua} (then Redis 7 semantics:
        it may write only without the C{no-writes} flag).
    @ivar flags: the flags of its shebang line.
    """

    is_function = False

    def __init__(self, sha, function, shebang, flags):
        self.sha = sha
        self.function = function
        self.shebang = shebang
        self.flags = flags

    @property
    def writes(self):
        """Whether the script may write (EVAL_RO refuses those with a shebang)."""
        return b"no-writes" not in self.flags

    @property
    def grows(self):
        """
        Whether it is refused over C{maxmemory}: one with a shebang, unless
        it has C{allow-oom} or C{no-writes}.
        """
        return self.shebang and not self.flags & {b"allow-oom", b"no-writes"}

    @property
    def name(self):
        """How errors and logs name it: its SHA1."""
        return self.sha


def parse_shebang(body):
    """
    Split a script's C{#!lua flags=...} line off.

    @return: C{(has shebang, flags, code)}, the code keeping the line's
        newline so that error line numbers stay right.
    @raise ReplyError: for a malformed shebang.
    """
    if not body.startswith(b"#!"):
        return False, frozenset(), body
    end = body.find(b"\n")
    if end < 0:
        raise ReplyError("ERR Invalid script shebang")
    parts = body[:end].split()
    if parts[0] != b"#!lua":
        raise ReplyError(
            "ERR Unexpected engine in script shebang: %s" % (_text(parts[0]),)
        )
    flags = set()
    for part in parts[1:]:
        if not part.startswith(b"flags="):
            raise ReplyError("ERR Unknown lua shebang option: %s" % (_text(part),))
        for flag in part[6:].split(b","):
            if flag and flag not in _SHEBANG_FLAGS:
                raise ReplyError(
                    "ERR Unexpected flag in script shebang: %s" % (_text(flag),)
                )
            flags.add(flag)
    return True, frozenset(flags), body[end:]


def _version_number(version):
    """@return: C{"7.0.15"} as C{0x07000f}."""
    major, minor, patch = (int(part) for part in version.split("."))
    return major << 16 | minor << 8 | patch


def _text(raw):
    return raw.decode("utf-8", "replace")


class Run:
    """
    One execution of a script.

    @ivar caller: the L{Session} that called EVAL.
    @ivar script: the L{Script}, or the L{miniredis.functions.Function}.
    @ivar command: the caller's command (for FUNCTION STATS).
    @ivar started: when it started (C{time.monotonic()}).
    @ivar deadline: when it goes busy (C{time.monotonic()}), or None when
        it may not.
    @ivar next_pause: when C{redis.call} next checks the deadline, or (once
        busy) turns the reactor for the others; None when it may not go busy.
    @ivar resp: the RESP version C{redis.setresp} chose (2 by default).
    @ivar wrote: a write command ran (SCRIPT KILL then refuses).
    @ivar oom: the server was over C{maxmemory} when it began, and the
        script lacks C{allow-oom}: the commands it calls that may take
        memory are refused.
    @ivar killed: SCRIPT KILL, or the reactor's stop, asked it to stop.
    @ivar abandoned: the reactor is stopping: its writes are not logged.
    @ivar busy: it went past the busy threshold.
    @ivar began: the run holds the write stream's writes (to hand them
        over as one MULTI/EXEC block when it ends).
    """

    deadline = next_pause = saved_clock = None
    resp = 2
    wrote = oom = killed = abandoned = busy = began = False

    def __init__(self, caller, script, keys, args, readonly, command=()):
        self.caller = caller
        self.script = script
        self.command = command
        self.started = time.monotonic()
        self.keys = keys
        self.args = args
        self.readonly = readonly

    @property
    def busy_reply(self):
        """What other clients are told while it runs past the threshold."""
        return BUSY_FUNCTION if self.script.is_function else BUSY


class Scripts:
    """
    The scripting engine of one server: its Lua runtime and script cache.

    @ivar cache: sha -> L{Script}.
    @ivar current: the L{Run} in progress, or None.
    """

    def __init__(self, server):
        self.server = server
        self.cache = {}
        self.current = None
        self._session = server.session()
        self._session.address = "lua"  # as MONITOR names a script's commands
        self._session.authenticated = True
        self._session.deny_blocking = True
        self._session.script = True
        self.lua = lua51.LuaRuntime(
            encoding=None,
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            attribute_filter=_refuse_attributes,
        )
        with open(_SANDBOX, "rb") as f:
            sandbox = f.read()
        lua_globals = self.lua.globals()
        to_number, to_string = lua_globals.tonumber, lua_globals.tostring
        self._load_deadline = None
        (
            self._compile,
            self._run,
            self._shape,
            self._unpack,
            self._chunk,
            self._load_library,
            self._run_function,
        ) = self.lua.execute(
            sandbox,
            self._redis_call,
            self._killed,
            self._log,
            sha1hex,
            self._setresp,
            self._set_repl,
            self._command_exists,
            bit_operation,
            cjson_source(),
            __redis_version__.encode(),
            _version_number(__redis_version__),
            self._load_expired,
            StructLibrary(to_number, to_string),
            MessagePack(self.lua.table, to_number, to_string),
            name=b"=miniredis",
        )

    # -- the cache

    def compile(self, body):
        """
        @return: the cached L{Script} of C{body}, compiling it if new.
        @raise ReplyError: for a bad shebang or a syntax error.
        """
        sha = sha1hex(body)
        script = self.cache.get(sha)
        if script is None:
            shebang, flags, code = parse_shebang(body)
            function, error = self._compile(code)
            if function is None:
                raise ReplyError(
                    b"ERR Error compiling script (new function): " + _bytes(error)
                )
            script = self.cache[sha] = Script(sha, function, shebang, flags)
        return script

    def lookup(self, sha):
        """@return: the cached L{Script} of a SHA1 (any case), or None."""
        return self.cache.get(sha.lower())

    def flush(self):
        self.cache.clear()

    # -- function libraries

    def load_library(self, code, timeout):
        """
        Run the code of a function library (its shebang line cut off).

        @param timeout: seconds it may run, or None for no limit.
        @return: C{(name, callback, description, flags)} for each function
            it registered: bytes, a Lua function, bytes or None, a set of
            flags (bytes).
        @raise ReplyError: when it does not compile or fails to run.
        """
        if timeout is not None:
            self._load_deadline = time.monotonic() + timeout
        try:
            result = self._load_library(code)
        finally:
            self._load_deadline = None
        if type(result) is not tuple:  # true alone: nothing registered
            result = (result,)
        if not result[0]:
            raise ReplyError(_bytes(result[1]))
        flat = result[1:]
        return [
            (
                flat[i],
                flat[i + 1],
                flat[i + 2] or None,
                frozenset(flat[i + 3].split(b",")) - {b""},
            )
            for i in range(0, len(flat), 4)
        ]

    def _load_expired(self):
        deadline = self._load_deadline
        return deadline is not None and time.monotonic() > deadline

    # -- running

    def evaluate(self, caller, script, keys, args, readonly=False, command=()):
        """
        Run C{script} for C{caller} (a L{Session}): a L{Script}, or a
        function of a library (L{miniredis.functions.Function}).

        @param command: the caller's command, for FUNCTION STATS.
        @return: the reply.
        """
        run = Run(caller, script, keys, args, readonly or not script.writes, command)
        run.oom = (
            self.server.memory.over
            and b"allow-oom" not in script.flags
            and not caller.from_master
        )
        threshold = self.server.config["busy-reply-threshold"]
        if threshold > 0 and self._may_go_busy(caller):
            run.deadline = run.next_pause = run.started + threshold / 1000.0
        self._begin(run)
        try:
            reply = self._execute(run)
        except lua51.LuaError as e:
            reply = ReplyError(b"ERR Error running script: " + _bytes(e.args[0]))
        except Exception:
            log.failure("script {name} failed", name=_text(run.script.name))
            reply = ReplyError("ERR internal error running the script")
        finally:
            if run.busy:
                self._end_busy(run)
        self._end(run)
        return reply

    def _may_go_busy(self, caller):
        return caller.connection is not None and hasattr(
            self.server.clock, "doIteration"
        )

    def _begin(self, run):
        server = self.server
        store = server.store
        run.saved_clock = store.now_ms
        frozen = store.now_ms()
        store.now_ms = lambda: frozen
        run.began = server.writes.begin()
        session, caller = self._session, run.caller
        session.db = caller.db
        session.proto = 2
        if session.user is not caller.user or session.checked != caller.checked:
            session.user, session.checked = caller.user, caller.checked
        self.current = run

    def _end(self, run):
        """Undo L{_begin}; log the writes."""
        server = self.server
        self.current = None
        server.store.now_ms = run.saved_clock
        server.writes.muted = False
        if run.abandoned:
            server.writes.discard()
        if run.began:
            server.writes.commit()

    def _pause(self, run):
        """
        The run is past its deadline: go busy (the first time), then serve
        the others once.
        """
        if not run.busy:
            self._go_busy(run)
        self._serve_others(run)

    def _go_busy(self, run):
        """The script went past the threshold: answer the others BUSY."""
        run.busy = True
        self.server.busy = run
        run.caller.connection.transport.pauseProducing()
        log.warn(
            "Slow script detected: still in execution after {ms} milliseconds. "
            "You can try killing the script using the {kill} command. "
            "Script name is: {name}.",
            ms=self.server.config["busy-reply-threshold"],
            kill="FUNCTION KILL" if run.script.is_function else "SCRIPT KILL",
            name=_text(run.script.name),
        )

    def _serve_others(self, run):
        """
        Turn the reactor once while the script is busy: read and answer the
        other clients, run what is due. A stop asked meanwhile ends the
        script; by then C{runUntilCurrent} has already begun the reactor's
        shutdown (listeners closed, clients sent what they hold and
        disconnected, logs closed) while the script is still on the stack.
        """
        clock = self.server.clock
        clock.doIteration(0)
        clock.runUntilCurrent()
        if getattr(clock, "_stopped", False):  # reactor.stop() was called
            run.killed = run.abandoned = True

    def _end_busy(self, run):
        """
        A script that went busy has ended. One that the server's stop ended
        leaves its caller without a reply: the connection is dropped, as the
        process exits.
        """
        self.server.busy = None
        connection = run.caller.connection
        if connection is None or connection.transport is None:
            return
        if run.abandoned:
            connection.drop()
            return
        connection.transport.resumeProducing()
        if run.killed:
            log.warn("Lua script killed by user with SCRIPT KILL.")

    def kill(self, function=False):
        """
        SCRIPT KILL, or FUNCTION KILL when C{function} is true: each stops
        only its own kind.

        @raise ReplyError: NOTBUSY, UNKILLABLE or BUSY (the other kind runs).
        """
        run = self.server.busy
        if run is None:
            raise ReplyError("NOTBUSY No scripts in execution right now.")
        if run.wrote:
            raise ReplyError(
                "UNKILLABLE Sorry the script already executed write commands "
                "against the dataset. You can either wait the script termination "
                "or kill the server in a hard way using the SHUTDOWN NOSAVE command."
            )
        if run.script.is_function != function:
            raise ReplyError(run.busy_reply)
        run.killed = True

    def _execute(self, run):
        execute = self._run_function if run.script.is_function else self._run
        keys, args = run.keys, run.args
        if len(keys) + len(args) <= _SPREAD_MOST:
            result = execute(run.script.function, len(keys), *keys, *args)
        else:
            table_from = self.lua.table_from
            result = execute(run.script.function, table_from(keys), table_from(args))
        if result[0]:
            return self.from_lua(result[1], run.resp)
        message = _bytes(result[1])
        if len(result) > 3 and result[2] is not None:
            message += b" script: %s, on %s:%d." % (
                run.script.name,
                _bytes(result[2]),
                result[3],
            )
        return ReplyError(message)

    # -- the callables behind the redis table (never raise)

    def _redis_call(self, raise_errors, *args):
        run = self.current
        if run.next_pause is not None and time.monotonic() >= run.next_pause:
            # The count hook alone comes too seldom where calls are slow
            # (lupa on PyPy): a call is a point to pause at too, every
            # millisecond at most. A killed script runs no more commands.
            self._pause(run)
            run.next_pause = time.monotonic() + 0.001
        reply = ReplyError(_KILLED) if run.killed else self._command(run, args)
        if type(reply) is ReplyError:
            if raise_errors:
                return False, _bytes(reply.message)
            return True, self.lua.table_from({b"err": _bytes(reply.message)})
        try:
            return True, self.to_lua(reply, run.resp)
        except Exception:
            log.failure("converting a reply for Lua failed")
            return False, b"ERR internal error"

    def _command(self, run, args):
        """Run the command C{args} of C{redis.call}; @return: its reply."""
        try:
            argv = [_argument(arg) for arg in args]
            if not argv:
                raise ReplyError(
                    "ERR Please specify at least one argument for this redis lib call"
                )
            cmd = _script_command(argv, self.server.renamed)
            session = self._session
            if session.checked:
                denied = self.server.acl.refuse(session, cmd, argv, "lua", run.caller)
                if denied is not None:
                    raise denied
            if cmd.write:
                if run.readonly:
                    raise ReplyError(
                        "ERR Write commands are not allowed from read-only scripts."
                    )
                run.wrote = True
            if run.oom and "denyoom" in cmd.flags:
                raise ReplyError(OOM)
            reply = call(self._session, cmd, argv)
            if reply is BLOCKED:
                reply = ReplyError("ERR This Redis command is not allowed from script")
        except ReplyError as e:
            reply = e
        except Exception:
            log.failure("redis.call failed")
            reply = ReplyError("ERR internal error")
        return reply

    def _killed(self):
        """
        The count hook: go busy past the deadline, serve the others while
        busy; @return: whether the script must stop.
        """
        run = self.current
        if run is None:
            return False
        if run.deadline is not None and (run.busy or time.monotonic() >= run.deadline):
            self._pause(run)
        return run.killed

    def _log(self, level, message):
        log.emit(_LOG_LEVELS[int(level)], "{message}", message=_text(message))

    def _setresp(self, resp):
        self.current.resp = resp
        self._session.proto = resp

    def _set_repl(self, flags):
        self.server.writes.muted = not flags & 1

    def _command_exists(self, *args):
        try:
            argv = [_argument(arg) for arg in args]
        except ReplyError:
            return False
        _, problem = find(argv, self.server.renamed)
        return problem is None or problem is WRONG_ARITY

    # -- conversions

    def to_lua(self, value, resp):
        """
        Convert a command's reply to what C{redis.call} returns, by the
        rules of RESP C{resp} (what C{redis.setresp} chose).
        """
        kind = type(value)
        if kind is bytes or kind is int:
            return value
        if kind is Status:
            return self.lua.table_from({b"ok": bytes(value)})
        if kind is list:
            return self.lua.table_from([self.to_lua(v, resp) for v in value])
        if kind is Pairs:
            return self.to_lua(value.flat() if resp == 2 else list(value), resp)
        if value is None or value is NULL_ARRAY:
            return False if resp == 2 else None
        if kind is ReplyError:
            return self.lua.table_from({b"err": _bytes(value.message)})
        if kind is bool:
            return value if resp == 3 else int(value)
        if kind is float:
            if resp == 2:
                return format_double(value)
            return self.lua.table_from({b"double": value})
        if kind is Double:
            if resp == 2:
                return bytes(value)
            return self.lua.table_from({b"double": float(value)})
        if kind is PairMap:
            if resp == 2:
                return self.to_lua(list(value), resp)
            value, kind = dict(value), dict
        if kind is dict:
            if resp == 2:
                flat = []
                for k, v in value.items():
                    flat.append(self.to_lua(k, resp))
                    flat.append(self.to_lua(v, resp))
                return self.lua.table_from(flat)
            entries = {
                self._key(k, resp): self.to_lua(v, resp) for k, v in value.items()
            }
            return self.lua.table_from({b"map": self.lua.table_from(entries)})
        if isinstance(value, SetReply) and resp == 3:
            members = {self._key(m, resp): True for m in value}
            return self.lua.table_from({b"set": self.lua.table_from(members)})
        if isinstance(value, BigNumber):
            digits = b"%d" % value
            if resp == 2:
                return digits
            return self.lua.table_from({b"big_number": digits})
        if isinstance(value, Verbatim):
            if resp == 2:
                return bytes(value)
            inner = self.lua.table_from(
                {b"format": value.format, b"string": bytes(value)}
            )
            return self.lua.table_from({b"verbatim_string": inner})
        if isinstance(value, bytes):
            return bytes(value)
        if isinstance(value, (list, tuple, set, frozenset)):
            return self.to_lua(list(value), resp)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, str):
            return value.encode("utf-8")
        raise TypeError("cannot convert %r for Lua" % (value,))

    def _key(self, key, resp):
        converted = self.to_lua(key, resp)
        return False if converted is None else converted

    def from_lua(self, value, resp, depth=0):
        """
        Convert what a script returned to a reply, by Redis's rules for
        RESP C{resp} (what C{redis.setresp} chose).
        """
        kind = type(value)
        if kind is bytes or value is None:
            return value
        if kind is int:
            return value
        if kind is float:
            if value != value or not -(2.0**63) <= value < 2.0**63:
                return LLONG_MIN
            return int(value)
        if kind is bool:
            if resp == 3:
                return value
            return 1 if value else None
        if lua51.lua_type(value) != "table":
            return None
        if depth >= MAX_DEPTH:
            return ReplyError("ERR reached lua stack limit")
        shape = self._shape(value)
        tag = shape[0]
        if tag == b"array":
            items = self._items(shape)
            return [self.from_lua(item, resp, depth + 1) for item in items]
        if tag == b"err":
            return ReplyError(shape[1])
        if tag == b"ok":
            return Status(shape[1])
        if tag == b"double":
            return float(shape[1])
        if tag == b"map":
            items = self._items(shape)
            return {
                _hashable(self.from_lua(items[i], resp, depth + 1)): self.from_lua(
                    items[i + 1], resp, depth + 1
                )
                for i in range(0, len(items), 2)
            }
        if tag == b"set":
            return SetReply(
                self.from_lua(item, resp, depth + 1) for item in self._items(shape)
            )
        if tag == b"big_number":
            try:
                return BigNumber(int(shape[1]))
            except ValueError:
                return shape[1]
        verbatim = Verbatim(shape[2])
        verbatim.format = shape[1]
        return verbatim

    def _items(self, shape):
        """@return: the elements of an array, map or set C{shape} as a list."""
        count, table = shape[1], shape[2]
        items = list(shape[3:])
        chunk = self._chunk
        while len(items) < count:
            start = len(items) + 1
            more = self._unpack(table, start, min(count, start + chunk - 1))
            items.extend(more if type(more) is tuple else (more,))
        return items


def _hashable(value):
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value


def _bytes(message):
    if isinstance(message, bytes):
        return message
    return str(message).encode("utf-8")


def _argument(value):
    """A C{redis.call} argument as bytes, formatted as Redis formats numbers."""
    kind = type(value)
    if kind is bytes:
        return value
    if kind is int:
        return b"%.17g" % value
    if kind is float:
        if math.isnan(value):
            return b"-nan" if math.copysign(1.0, value) < 0 else b"nan"
        return b"%.17g" % value
    raise ReplyError("ERR Lua redis lib command arguments must be strings or integers")


def _script_command(argv, table=None):
    """
    Look up a command called by a script (in C{table}, a server's renamed
    commands, if given).

    @raise ReplyError: with the errors Redis gives scripts.
    """
    cmd, problem = find(argv, table)
    if problem is WRONG_ARITY:
        raise ReplyError("ERR Wrong number of args calling Redis command from script")
    if problem is not None:
        raise ReplyError("ERR Unknown Redis command called from script")
    if "noscript" in cmd.flags:
        raise ReplyError("ERR This Redis command is not allowed from script")
    return cmd
