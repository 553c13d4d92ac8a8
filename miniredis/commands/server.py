"""
Server commands: MONITOR, ROLE, WAIT, TIME, LOLWUT, SLOWLOG (the log is
L{miniredis.slowlog}) and LATENCY (L{miniredis.latency}, and the
histograms of L{miniredis.commandstats}). INFO, CONFIG and
DEBUG have modules of their own (L{miniredis.commands.info},
L{miniredis.commands.configuration}, L{miniredis.commands.debug}), and
COMMAND too (L{miniredis.commands.introspection}).
"""

from miniredis import commandstats, monitor
from miniredis.commands import BLOCKED, COMMANDS, command, container
from miniredis.commands.parsing import LLONG_MAX, parse_int, parse_int_at_least
from miniredis.commands.spec import Arg
from miniredis.resp import OK, Replies, ReplyError, Status, Verbatim
from miniredis.version import __redis_version__


@command("monitor", 1, "admin noscript loading stale", group="server", since="1.0.0")
def monitor_(session, argv):
    """
    Show this client every command the server runs, as it runs them.

    The lines are made by L{miniredis.monitor}.
    """
    if session.deny_blocking:
        raise ReplyError("ERR MONITOR isn't allowed for DENY BLOCKING client")
    if session.monitoring:
        return Replies()  # Redis answers a second MONITOR with nothing
    monitor.start(session)
    return OK


# ------------------------------------------------------------------ ROLE WAIT


@command(
    "role",
    1,
    "noscript loading stale fast",
    group="server",
    since="2.8.12",
    acl="admin dangerous",
)
def role(session, argv):
    """Tell the role of this server in replication, with its replicas."""
    return session.server.replication.role()


@command(
    "wait",
    3,
    "noscript",
    group="generic",
    since="3.0.0",
    acl="connection",
    args=[Arg("numreplicas", "integer"), Arg("timeout", "integer")],
    tips="request_policy:all_shards response_policy:agg_min",
)
def wait(session, argv):
    """
    Wait until the writes made so far reach some replicas, or for a
    timeout in milliseconds (0: for ever); reply how many did.

    Inside MULTI or a script it answers at once with the count as it
    stands. A timeout past the end of time (Redis's deadline would
    overflow) never ends.
    """
    wanted = parse_int(argv[1])
    timeout = parse_int(argv[2], "ERR timeout is not an integer or out of range")
    if timeout < 0:
        raise ReplyError("ERR timeout is negative")
    server = session.server
    if server.upstream.active:
        raise ReplyError(
            "ERR WAIT cannot be used with replica instances. Please also note that "
            "since Redis 4.0 if a replica is configured to be writable (which is not "
            "the default) writes to replicas are just local and are not propagated."
        )
    if timeout > LLONG_MAX - server.store.now_ms():
        timeout = 0
    count = server.replication.wait(session, wanted, timeout / 1000.0)
    return BLOCKED if count is None else count


# --------------------------------------------------------------- TIME LOLWUT


@command(
    "time",
    1,
    "loading stale fast",
    group="server",
    since="2.6.0",
    tips="nondeterministic_output",
)
def time_(session, argv):
    """Tell the server's clock: Unix seconds and microseconds."""
    micros = int(session.server.clock.seconds() * 1000000)
    return [b"%d" % (micros // 1000000), b"%d" % (micros % 1000000)]


@command(
    "lolwut",
    -1,
    "readonly fast",
    group="server",
    since="5.0.0",
    args=[Arg("version", "integer", token="VERSION", flags="optional")],
)
def lolwut(session, argv):
    """Display some computer art and the Redis version (here: the version)."""
    if len(argv) == 3 and argv[1].lower() == b"version":
        parse_int(argv[2])
    return Verbatim(b"Redis ver. %s\n" % (__redis_version__.encode(),))


# ------------------------------------------------------------ SLOWLOG LATENCY


container(
    "slowlog",
    -2,
    group="server",
    since="2.2.12",
    summary="Commands that read or empty the log of slow commands.",
)


@command(
    "slowlog|get",
    -2,
    "admin loading stale",
    group="server",
    since="2.2.12",
    args=[Arg("count", "integer", flags="optional")],
    tips="request_policy:all_nodes nondeterministic_output",
)
def slowlog_get(session, argv):
    """Read the newest entries of the slow log, ten unless told how many."""
    if len(argv) > 3:
        raise ReplyError(
            "ERR unknown subcommand or wrong number of arguments for '%s'. "
            "Try SLOWLOG HELP." % (argv[1].decode("utf-8", "replace"),)
        )
    count = 10
    if len(argv) > 2:
        count = parse_int_at_least(
            argv[2], -1, "ERR count should be greater than or equal to -1"
        )
    return session.server.slowlog.get(count)


@command(
    "slowlog|len",
    2,
    "admin loading stale",
    group="server",
    since="2.2.12",
    tips="request_policy:all_nodes response_policy:agg_sum nondeterministic_output",
)
def slowlog_len(session, argv):
    """Count the entries of the slow log."""
    return len(session.server.slowlog.entries)


@command(
    "slowlog|reset",
    2,
    "admin loading stale",
    group="server",
    since="2.2.12",
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def slowlog_reset(session, argv):
    """Empty the slow log."""
    session.server.slowlog.reset()
    return OK


_SLOWLOG_HELP = (
    "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
    "HELP",
    "    Prints this help.",
)


@command("slowlog|help", 2, "loading stale", group="server", since="6.2.0")
def slowlog_help(session, argv):
    """List the subcommands of SLOWLOG."""
    return [Status(line.encode()) for line in _SLOWLOG_HELP]


container(
    "latency",
    -2,
    group="server",
    since="2.8.13",
    summary="Commands that report the latency spikes and histograms.",
)


@command(
    "latency|latest",
    2,
    "admin noscript loading stale",
    group="server",
    since="2.8.13",
    tips="nondeterministic_output request_policy:all_nodes response_policy:special",
)
def latency_latest(session, argv):
    """Show the latest spike of each event the latency monitor saw."""
    return session.server.latency.latest()


@command(
    "latency|history",
    3,
    "admin noscript loading stale",
    group="server",
    since="2.8.13",
    args=[Arg("event")],
    tips="nondeterministic_output request_policy:all_nodes response_policy:special",
)
def latency_history(session, argv):
    """Show the spikes of one event, with their times."""
    return session.server.latency.history(argv[2])


@command(
    "latency|reset",
    -2,
    "admin noscript loading stale",
    group="server",
    since="2.8.13",
    args=[Arg("event", flags="optional multiple")],
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def latency_reset(session, argv):
    """Forget the spikes of the events named, or of all; count the events."""
    return session.server.latency.reset(argv[2:] or None)


@command(
    "latency|graph",
    3,
    "admin noscript loading stale",
    group="server",
    since="2.8.13",
    args=[Arg("event")],
    tips="nondeterministic_output request_policy:all_nodes response_policy:special",
)
def latency_graph(session, argv):
    """Draw the spikes of one event as text."""
    graph = session.server.latency.graph(argv[2])
    if graph is None:
        raise ReplyError(
            "ERR No samples available for event '%s'"
            % (argv[2].decode("utf-8", "replace"),)
        )
    return Verbatim(graph.encode())


@command(
    "latency|doctor",
    2,
    "admin noscript loading stale",
    group="server",
    since="2.8.13",
    tips="nondeterministic_output request_policy:all_nodes response_policy:special",
)
def latency_doctor(session, argv):
    """Explain in words the spikes the latency monitor saw."""
    return Verbatim(session.server.latency.doctor().encode())


@command(
    "latency|histogram",
    -2,
    "admin noscript loading stale",
    group="server",
    since="7.0.0",
    args=[Arg("command", flags="optional multiple")],
    tips="nondeterministic_output request_policy:all_nodes response_policy:special",
)
def latency_histogram(session, argv):
    """Show the latency histograms of the commands named, or of all."""
    server = session.server
    if len(argv) > 2:
        wanted = [cmd for name in argv[2:] for cmd in _with_subcommands(name)]
    else:
        wanted = list(commandstats.walk(COMMANDS))
    shown = set(commandstats.tracked(server, COMMANDS))
    return {cmd.name.encode(): _histogram_reply(cmd) for cmd in wanted if cmd in shown}


def _with_subcommands(name):
    """@return: the command called C{name} (C{"config|get"}) and its subcommands."""
    parent, _, sub = name.lower().partition(b"|")
    cmd = COMMANDS.get(parent)
    if cmd is not None and sub:
        cmd = (cmd.subcommands or {}).get(sub)
        if cmd is None or b"|" in sub:
            return []
    if cmd is None:
        return []
    return [cmd] + list((cmd.subcommands or {}).values())


def _histogram_reply(cmd):
    buckets = commandstats.histogram(cmd)
    shown = {}
    before = 0
    for bound, count in buckets:
        if count > before:
            shown[bound] = count
        before = count
    return {b"calls": cmd.calls - cmd.untracked, b"histogram_usec": shown}


_LATENCY_HELP = (
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a "
    "histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
    "HELP",
    "    Prints this help.",
)


@command("latency|help", 2, "loading stale", group="server", since="2.8.13")
def latency_help(session, argv):
    """List the subcommands of LATENCY."""
    return [Status(line.encode()) for line in _LATENCY_HELP]
