"""
Server commands: MONITOR, ROLE, WAIT, TIME and LOLWUT. INFO, CONFIG and
DEBUG have modules of their own (L{miniredis.commands.info},
L{miniredis.commands.configuration}, L{miniredis.commands.debug}), and
COMMAND too (L{miniredis.commands.introspection}).
"""

from miniredis import monitor
from miniredis.commands import BLOCKED, command
from miniredis.commands.parsing import LLONG_MAX, parse_int
from miniredis.commands.spec import Arg
from miniredis.resp import OK, Replies, ReplyError, Verbatim
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
