"""
The command table and the dispatcher.

Every command is a function C{f(session, argv)} registered with L{command}
together with its spec (L{miniredis.commands.spec}): arity, flags, ACL
categories, key specs and arguments, as in Redis's own command table. The
table alone checks argument counts; a command gets C{argv} (its name
first) and returns a reply value (see L{miniredis.resp}) or raises
L{ReplyError}. A request travels: L{dispatch} (the checks made before a
command runs) -> L{call} (the command and all that follows it).

Usage::

    @command(
        "get", 2, "readonly fast", group="string", since="1.0.0", acl="string",
        keys=[KeySpec("RO access", Index(1), Range(0))],
        args=[Arg("key", "key", key_spec=0)],
    )
    def get(session, argv):
        '''Read the value of a key.'''
"""

import importlib
import pkgutil
from time import perf_counter as clock

from miniredis import commandstats, monitor
from miniredis.commands import spec
from miniredis.eviction import FAIL, OOM
from miniredis.resp import (
    BULK_HEADERS,
    OK,
    ReplyError,
    Status,
    encode_into,
    plain_arg,
)
from miniredis.waits import BLOCKED

__all__ = ["BLOCKED", "plain_arg"]

QUEUED = Status(b"QUEUED")
BUSY = (
    "BUSY Redis is busy running a script. "
    "You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
)


class Command:
    """
    One entry of the command table, made from the spec the command declared
    (see L{miniredis.commands.spec}).

    @ivar name: the lower-case name (C{"client|setname"} for a subcommand).
    @ivar arity: argument count including the name; negative means "at least".
    @ivar flags: a frozenset of Redis flag names (C{write}, C{readonly}, ...),
        C{movablekeys} included where the key specs make the keys move.
    @ivar key_specs: a tuple of L{KeySpec}.
    @ivar key_range: COMMAND INFO's C{(first, last, step)}, from the key specs.
    @ivar categories: the ACL categories, without their C{@}, in Redis's order.
    @ivar group, since, args, tips, doc_flags, deprecated_since, replaced_by:
        what COMMAND DOCS says of it.
    @ivar typed: whether arguments may be typed values (maps, arrays, ints).
    @ivar reads: whether a client that tracks keys may cache what it reads
        (C{readonly}, but for the read-only script commands: the commands
        their scripts run count instead).
    @ivar getkeys: None, or C{f(argv)} giving C{[(position, flags)]} where
        the key specs cannot (SORT's STORE, SET's variable flags).
    @ivar monitored: whether MONITOR shows the command (not C{admin} nor
        C{skip_monitor}).
    @ivar subcommands: name -> L{Command}, for container commands.
    @ivar calls, seconds, failed_calls, rejected_calls, untracked, latency: its
        statistics (L{miniredis.commandstats}).
    """

    __slots__ = (
        "name",
        "func",
        "arity",
        "flags",
        "key_specs",
        "key_range",
        "categories",
        "group",
        "since",
        "args",
        "tips",
        "doc_flags",
        "deprecated_since",
        "replaced_by",
        "typed",
        "getkeys",
        "write",
        "reads",
        "subcommands",
        "monitored",
        "calls",
        "failed_calls",
        "rejected_calls",
        "untracked",
        "seconds",
        "latency",
    )

    def __init__(
        self,
        name,
        func,
        arity,
        flags="",
        *,
        group,
        since,
        acl="",
        keys=(),
        args=(),
        tips="",
        doc_flags="",
        deprecated_since=None,
        replaced_by=None,
        typed=False,
        getkeys=None,
    ):
        flags = set(spec.check_words(flags, spec.FLAGS, "command flag"))
        explicit = set(spec.check_words(acl, spec.CATEGORIES, "ACL category"))
        if group not in spec.GROUPS:
            raise spec.SpecError("%s: unknown group %r" % (name, group))
        self.name = name
        self.func = func
        self.arity = arity
        self.key_specs = tuple(keys)
        for arg in spec.walk(args):
            if arg.key_spec is not None and arg.key_spec >= len(self.key_specs):
                raise spec.SpecError("%s: no key spec %d" % (name, arg.key_spec))
        first, last, step, movable = spec.legacy_range(self.key_specs)
        if movable:
            flags.add("movablekeys")
        self.flags = frozenset(flags)
        self.key_range = (first, last, step)
        found = explicit | spec.implicit_categories(flags, explicit)
        self.categories = [c for c in spec.CATEGORIES if c in found]
        self.group = group
        self.since = since
        self.args = tuple(args)
        self.tips = spec.check_tips(tips)
        self.doc_flags = spec.check_words(doc_flags, spec.DOC_FLAGS, "doc flag")
        self.deprecated_since = deprecated_since
        self.replaced_by = replaced_by
        self.typed = typed
        self.getkeys = getkeys
        self.write = "write" in flags
        self.reads = "readonly" in flags and name not in _SCRIPTS_RO
        self.monitored = not flags & {"admin", "skip_monitor"}
        self.subcommands = None
        commandstats.reset(self)

    def arity_ok(self, argc):
        arity = self.arity
        return argc == arity if arity >= 0 else argc >= -arity

    def has_keys(self):
        """@return: whether any argument of the command can be a key."""
        return self.getkeys is not None or any(
            "not_key" not in ks.flags for ks in self.key_specs
        )

    def key_positions(self, argv):
        """
        Find the keys of a command line, as Redis's key specs (or, where
        they cannot tell, the command's own C{getkeys}) find them.

        @return: a list of C{(position, key-spec flags)}; None where
            C{argv} does not fit the specs (a bad key count, say).
        """
        found = []
        reliable = not any("variable_flags" in ks.flags for ks in self.key_specs)
        if reliable:
            for ks in self.key_specs:
                if "not_key" in ks.flags:
                    continue
                positions = ks.positions(argv)
                if positions is None or "incomplete" in ks.flags:
                    found = None
                    break
                found.extend((i, ks.flags) for i in positions)
            if found is not None:
                return found
        if self.getkeys is not None:
            return self.getkeys(argv)
        return None if reliable else []

    def key_names(self, argv):
        """@return: the keys C{argv} names (none where it does not fit)."""
        return [argv[i] for i, _ in self.key_positions(argv) or ()]

    def __repr__(self):
        return "<Command %s>" % (self.name,)


COMMANDS = {}
_SCRIPTS_RO = frozenset(["eval_ro", "evalsha_ro", "fcall_ro"])


def command(name, arity, flags="", **spec_fields):
    """
    Register the decorated function as command C{name}, with its spec (the
    keyword arguments of L{Command}).

    A name C{"parent|sub"} registers a subcommand of the container command
    C{parent}, itself registered with L{container}.
    """

    def register(func):
        entry = Command(name, func, arity, flags, **spec_fields)
        parent, _, sub = name.partition("|")
        if sub:
            COMMANDS[parent.encode()].subcommands[sub.encode()] = entry
        else:
            COMMANDS[name.encode()] = entry
        return func

    return register


def container(name, arity=-2, flags="", bare=None, summary="", **spec_fields):
    """
    Register C{name} as a command whose first argument picks a subcommand.

    @param bare: the function run when C{name} comes alone (arity -1).
    @param summary: what COMMAND DOCS says of the container (a bare
        function's docstring says it otherwise).
    """

    def dispatch_subcommand(session, argv):
        raise AssertionError("containers dispatch through their subcommands")

    dispatch_subcommand.__doc__ = summary
    entry = Command(name, bare or dispatch_subcommand, arity, flags, **spec_fields)
    entry.subcommands = {}
    COMMANDS[name.encode()] = entry
    return entry


def wrong_arity(name):
    return ReplyError("ERR wrong number of arguments for '%s' command" % (name,))


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def unknown_command(argv):
    args = ""
    for arg in argv[1:]:
        if len(args) >= 128:
            break
        args += "'%s' " % (_text(arg)[: 128 - len(args)],)
    return ReplyError(
        "ERR unknown command '%s', with args beginning with: %s"
        % (_text(argv[0])[:128], args)
    )


UNKNOWN_COMMAND = "unknown command"
UNKNOWN_SUBCOMMAND = "unknown subcommand"
WRONG_ARITY = "wrong arity"


def renamed_table(renames):
    """
    The command table of a server whose configuration renames commands
    (C{rename-command}), as Redis 7.0 applies it: the command leaves its
    name (an empty new name disables it) and answers to the new one, while
    COMMAND, errors and the ACL still call it by its own name.

    @param renames: C{(old name, new name)} pairs, in the file's order.
    @return: C{{name: L{Command}}}, the table such a server looks up.
    @raise ValueError: with Redis's message, for a name that is no command
        (now) or a new name that already is one.
    """
    load_all()
    table = dict(COMMANDS)
    for old, new in renames:
        cmd = table.pop(old.lower(), None)
        if cmd is None:
            raise ValueError("No such command in rename-command")
        if new:
            if new.lower() in table:
                raise ValueError("Target command name already exists")
            table[new.lower()] = cmd
    return table


def find(argv, table=None):
    """
    The one lookup of the command table: find the entry for a request.

    @param table: the table to look in, if not L{COMMANDS} (a server's
        L{renamed_table}).
    @return: C{(command, problem)}: the L{Command} (its subcommand entry
        where it has one) and None; or, where the request does not fit,
        the entry found so far (None for an unknown name) and
        L{UNKNOWN_COMMAND}, L{UNKNOWN_SUBCOMMAND} or L{WRONG_ARITY}.
    """
    name = argv[0]
    if type(name) is not bytes:
        name = _text(name).encode()
    cmd = (COMMANDS if table is None else table).get(name.lower())
    if cmd is None:
        return None, UNKNOWN_COMMAND
    if not cmd.arity_ok(len(argv)):
        return cmd, WRONG_ARITY
    if cmd.subcommands is not None and len(argv) > 1:
        sub = cmd.subcommands.get(_text(argv[1]).lower().encode())
        if sub is None:
            return cmd, UNKNOWN_SUBCOMMAND
        if not sub.arity_ok(len(argv)):
            return sub, WRONG_ARITY
        return sub, None
    return cmd, None


def lookup(argv, table=None):
    """
    Find the table entry for a request, as L{find} does.

    @return: the L{Command}.
    @raise ReplyError: Redis's error for an unknown command or subcommand,
        or a wrong arity.
    """
    cmd, problem = find(argv, table)
    if problem is None:
        return cmd
    if problem is UNKNOWN_COMMAND:
        raise unknown_command(argv)
    if problem is WRONG_ARITY:
        raise wrong_arity(cmd.name)
    raise ReplyError(
        "ERR unknown subcommand '%s'. Try %s HELP."
        % (_text(argv[1])[:128], _text(argv[0]).upper())
    )


def plain_args(argv):
    """Turn the scalar typed arguments of a L{TypedRequest} into bytes."""
    return [plain_arg(a) for a in argv]


# When the call before the one running ended (see L{miniredis.commandstats}).
_mark = 0.0
# The shortest call that L{commandstats.record} looks at, in seconds.
_floor = commandstats.DETAIL / 1000000.0


def begin():
    """Mark the start of a run of requests: L{dispatch} times each from here."""
    global _mark
    _mark = clock()


def set_floor(seconds):
    """Have L{commandstats.record} look at the calls of C{seconds} or longer."""
    global _floor
    _floor = seconds


def call(session, cmd, argv, nested=True):
    """
    Run one command and do all that follows it (L{run}); while keyspace
    events are on, note whether it is a write (see L{miniredis.store.Store}).
    """
    store = session.server.store
    if not store.events:
        return run(session, cmd, argv, nested)
    outer, store.writing = store.writing, cmd.write
    try:
        return run(session, cmd, argv, nested)
    finally:
        store.writing = outer


def run(session, cmd, argv, nested=True):
    """
    Run one command and do all that follows it, as Redis's C{call()} does:
    its write goes to the write stream (L{miniredis.propagation}), it is
    counted, and MONITOR shows it. Client requests (L{dispatch}), EXEC's
    queued commands and a script's C{redis.call} all come through here.

    @param nested: whether C{argv} runs inside EXEC or a script, rather
        than as a client's own request (whose monitor line, for a client
        that monitors itself, follows its reply, and whose time runs from
        the end of the request before it: L{begin}).
    @return: the reply; an error reply as a L{ReplyError} value.
    """
    global _mark
    server = session.server
    started = clock() if nested else _mark
    if server.propagate is None:
        try:
            reply = cmd.func(session, argv)
        except ReplyError as e:
            reply = e
            cmd.failed_calls += 1
    else:
        reply = _logged(session, cmd, argv)
    if cmd.reads and server.tracking.clients:
        server.tracking.remember(session, cmd, argv)
    now = clock()
    if not nested:
        _mark = now
    took = now - started
    cmd.calls += 1
    cmd.seconds += took
    if took >= _floor:
        commandstats.record(session, cmd, argv, took, reply)
    if server.monitors and cmd.monitored:
        if nested:
            monitor.feed(session, cmd, argv)
        else:
            reply = monitor.feed_after(session, cmd, argv, reply)
    return reply


def _logged(session, cmd, argv):
    """
    Run C{cmd} while something listens to the write stream, and hand the
    stream what it wrote if it changed the data: the request itself, or
    what the command logged in its place
    (L{miniredis.session.Session.rewrite}).

    @return: the reply; an error reply as a L{ReplyError} value.
    """
    server = session.server
    store = server.store
    session.rewrites = None
    dirty = store.dirty
    try:
        reply = cmd.func(session, argv)
    except ReplyError as e:
        reply = e
        cmd.failed_calls += 1
    if store.dirty != dirty and server.propagate is not None:
        rewrites = session.rewrites
        if rewrites is None:
            if cmd.write:
                server.propagate(session.db.index, [argv])
        elif rewrites:
            server.propagate(session.db.index, rewrites)
    return reply


_ALLOWED_WHEN_SUBSCRIBED = frozenset(
    [
        b"subscribe",
        b"ssubscribe",
        b"psubscribe",
        b"unsubscribe",
        b"sunsubscribe",
        b"punsubscribe",
        b"ping",
        b"quit",
        b"reset",
    ]
)
_NOT_QUEUED = frozenset(["exec", "discard", "multi", "watch", "quit", "reset"])
# What a monitoring client may not run: Redis flags it a replica.
_TOUCHES_KEYS = frozenset(["write", "readonly", "may_replicate"])


# Names as clients spell them -> entries, for the servers that rename no
# command (each of the others has a dict of its own): see L{_entry}.
BY_NAME = {}


def _entry(argv, server):
    """
    The table entry for a request, checked for arity, by L{lookup}; names as
    clients spell them are remembered in C{server.by_name}, which
    L{dispatch} tries first (no lower-casing on the hot path).

    @raise ReplyError: as L{lookup} does.
    """
    cmd = lookup(argv, server.renamed)
    by_name = server.by_name
    if cmd.subcommands is None and "|" not in cmd.name and len(by_name) < 4096:
        if type(argv[0]) is bytes:
            by_name[argv[0]] = cmd
    return cmd


def _misfit(argv, table=None):
    """@return: the entry a request named with the wrong arity, else None."""
    cmd, problem = find(argv, table)
    return cmd if problem is WRONG_ARITY else None


def dispatch(session, argv):
    """
    Run one request of a client: the table lookup, then the checks Redis
    makes before a command runs (auth, ACL, MULTI queueing, subscribed mode).

    The request is timed from the end of the one before it (L{begin}).

    @return: the reply, or L{BLOCKED} when the client now waits.
    """
    global _mark
    server = session.server
    try:
        cmd = server.by_name.get(argv[0])
    except TypeError:  # a typed request may name its command with an array
        cmd = None
    if cmd is None or (
        len(argv) != cmd.arity and (cmd.arity >= 0 or len(argv) < -cmd.arity)
    ):
        try:
            cmd = _entry(argv, server)
        except ReplyError as e:
            return rejected(session, argv[0], e, _misfit(argv, server.renamed))
    if type(argv) is not list and not cmd.typed:
        try:
            argv = plain_args(argv)
        except ReplyError as e:
            return rejected(session, argv[0], e, cmd)
    session.last_command = cmd.name
    if not session.usual or server.restricted:
        refusal = _refusal(session, cmd, argv)
        if refusal is not None:
            return refusal
    if server.tracking.clients:
        reply = _call_tracked(session, cmd, argv)
    else:
        reply = call(session, cmd, argv, False)
    if server.store.ready and server.busy is None:
        server.waits.serve_ready()
        _mark = clock()  # the clients it woke are not this request's time
    return reply


def serve(session, requests, out):
    """
    Run a client's requests in order, each reply encoded onto C{out}, as
    Redis's C{processInputBuffer} does. The usual request (a known command
    with its arity, from an idle client with no restrictions, while nobody
    monitors, tracks keys or takes keyspace events) runs here as
    L{dispatch} would run it, without the call; any other goes through
    L{dispatch}.

    @param requests: an iterator of requests; when the client blocks, those
        not yet run are left in it.
    @return: whether the client now waits (a request answered L{BLOCKED}).
    """
    global _mark
    server = session.server
    by_name = server.by_name
    store = server.store
    mark = clock()
    for argv in requests:
        cmd = by_name.get(argv[0]) if type(argv) is list else None
        if (
            cmd is None
            or not server.direct
            or not session.usual
            or (len(argv) != cmd.arity and (cmd.arity >= 0 or len(argv) < -cmd.arity))
        ):
            _mark = mark
            reply = dispatch(session, argv)
            mark = _mark
        else:
            session.last_command = cmd.name
            if server.propagate is None:
                try:
                    reply = cmd.func(session, argv)
                except ReplyError as e:
                    reply = e
                    cmd.failed_calls += 1
            else:
                reply = _logged(session, cmd, argv)
            now = clock()
            took = now - mark
            mark = now
            cmd.calls += 1
            cmd.seconds += took
            if took >= _floor:
                commandstats.record(session, cmd, argv, took, reply)
            if store.ready and server.busy is None:
                server.waits.serve_ready()
                mark = clock()
        # The most common replies, written without a call.
        if type(reply) is bytes:
            size = len(reply)
            if size < 1024:
                out += (BULK_HEADERS[size], reply, b"\r\n")
            else:
                out += (b"$%d\r\n" % size, reply, b"\r\n")
        elif reply is OK and not session.closing:  # QUIT answers OK too
            out.append(b"+OK\r\n")
        elif type(reply) is int:
            out.append(b":%d\r\n" % reply)
        elif type(reply) is Status and not session.closing:
            out.append(b"+%s\r\n" % reply)
        elif reply is None:
            out.append(b"_\r\n" if session.proto == 3 else b"$-1\r\n")
        elif reply is BLOCKED:
            _mark = mark
            return True
        else:
            encode_into(reply, session.proto, out)
            if session.closing:
                break
    _mark = mark
    return False


def _call_tracked(session, cmd, argv):
    """
    L{call} while some clients track keys (L{miniredis.tracking}): the
    invalidations of this client's own keys follow its reply, and CLIENT
    CACHING holds for one command (or one transaction), as in Redis.
    """
    tracking = session.server.tracking
    outer, tracking.current = tracking.current, session
    try:
        reply = call(session, cmd, argv, False)
    finally:
        tracking.current = outer
    mode = session.tracking
    if (
        mode is not None
        and mode.caching
        and session.multi is None
        and not cmd.name.startswith("client|")
    ):
        mode.caching = False
    if outer is None:  # else this runs while a script is busy: not its reply
        reply = tracking.after(session, reply)
    return reply


def _refusal(session, cmd, argv):
    """
    The checks of a client that is not simply authenticated, unrestricted
    by the ACL and idle.

    @return: the reply refusing or queueing the request, or None to run it.
    """
    if not session.authenticated and "no_auth" not in cmd.flags:
        return rejected(
            session, argv[0], ReplyError("NOAUTH Authentication required."), cmd
        )
    if session.checked:
        denied = session.server.acl.refuse(session, cmd, argv)
        if denied is not None:
            return rejected(session, argv[0], denied, cmd)
    memory = session.server.memory
    if (
        memory.over
        and memory.make_room() == FAIL
        and _grows(session, cmd)
        and not session.from_master
    ):
        return rejected(session, argv[0], ReplyError(OOM), cmd)
    server = session.server
    if server.noreplicas and _writes(session, cmd):
        return rejected(session, argv[0], ReplyError(NOREPLICAS), cmd)
    if server.readonly_replica and not session.from_master and _writes(session, cmd):
        return rejected(session, argv[0], ReplyError(READONLY), cmd)
    if server.stale_replica and _needs_fresh_data(session, cmd):
        return rejected(session, argv[0], ReplyError(MASTERDOWN), cmd)
    if session.monitoring and _TOUCHES_KEYS & cmd.flags:
        return rejected(
            session,
            argv[0],
            ReplyError("ERR Replica can't interact with the keyspace"),
            cmd,
        )
    if session.server.busy is not None and "allow_busy" not in cmd.flags:
        return rejected(
            session, argv[0], ReplyError(session.server.busy.busy_reply), cmd
        )
    pause = session.server.pause
    if pause.mode is not None and pause.holds(session, cmd):
        return pause.postpone(session, argv)
    if session.multi is not None and cmd.name not in _NOT_QUEUED:
        return queue_in_multi(session, cmd, argv)
    if session.subscribed and session.proto == 2:
        if cmd.name.partition("|")[0].encode() not in _ALLOWED_WHEN_SUBSCRIBED:
            return rejected(
                session,
                argv[0],
                ReplyError(
                    "ERR Can't execute '%s': only (P|S)SUBSCRIBE / "
                    "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
                    % (cmd.name,)
                ),
                cmd,
            )
    return None


_ENDS_MULTI = frozenset(["exec", "discard", "quit", "reset"])
NOREPLICAS = "NOREPLICAS Not enough good replicas to write."
READONLY = "READONLY You can't write against a read only replica."
MASTERDOWN = (
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
)


def _needs_fresh_data(session, cmd):
    """Whether C{cmd} (or an EXEC of it) is one a stale replica refuses."""
    if cmd.name == "exec" and session.multi is not None:
        return any("stale" not in queued.flags for queued, _ in session.multi)
    return "stale" not in cmd.flags


def _writes(session, cmd):
    """Whether C{cmd} writes: a write command, or an EXEC of one."""
    if cmd.write:
        return True
    if cmd.name == "exec" and session.multi is not None:
        return any(queued.write for queued, _ in session.multi)
    return False


def _grows(session, cmd):
    """
    Whether C{cmd} may take memory, as Redis judges it over C{maxmemory}:
    a C{denyoom} command, an EXEC of one, or anything queued in MULTI.
    """
    if "denyoom" in cmd.flags:
        return True
    if session.multi is None:
        return False
    if cmd.name == "exec":
        return any("denyoom" in queued.flags for queued, _ in session.multi)
    return cmd.name not in _ENDS_MULTI


def rejected(session, name, error, cmd=None):
    """
    Refuse a request before it runs: inside MULTI this dooms the
    transaction, and a refused EXEC discards it (EXECABORT with the reason).

    @param cmd: the L{Command} refused, if the table has it: counted in its
        C{rejected_calls}.
    """
    if cmd is not None:
        cmd.rejected_calls += 1
    if type(name) is bytes and name.lower() == b"exec":
        session.discard_transaction()
        reason = error.message
        if reason.startswith("ERR "):
            reason = reason[4:]
        return ReplyError("EXECABORT Transaction discarded because of: " + reason)
    if session.multi is not None:
        session.multi_failed = True
    return error


def queue_in_multi(session, cmd, argv):
    """Queue a command of a MULTI block, refusing what cannot be queued."""
    if "no_multi" in cmd.flags:
        cmd.rejected_calls += 1
        session.multi_failed = True
        return ReplyError("ERR Command not allowed inside a transaction")
    session.multi.append((cmd, argv))
    return QUEUED


def load_all():
    """Import every command family so that each registers its commands."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(__name__ + "." + module.name)
