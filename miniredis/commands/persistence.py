"""
Persistence commands: SAVE BGSAVE BGREWRITEAOF LASTSAVE SHUTDOWN, DEBUG
RELOAD and DEBUG LOADAOF, and INFO's persistence section.

The work is done by the server's L{miniredis.persistence.Persistence}.
"""

from twisted.internet.interfaces import IReactorCore

from miniredis.commands import BLOCKED, command
from miniredis.commands.debug import debug_subcommand
from miniredis.commands.info import info_section
from miniredis.commands.parsing import SYNTAX
from miniredis.commands.spec import OneOf, Token
from miniredis.logging import logger
from miniredis.persistence import LoadError, Persistence
from miniredis.resp import OK, ReplyError, Status

log = logger("miniredis.commands.persistence")


def persistence(session):
    return Persistence.of(session.server)


@command(
    "save", 1, "admin noscript no_async_loading no_multi", group="server", since="1.0.0"
)
def save(session, argv):
    """Write an RDB snapshot now, before answering."""
    persistence(session).save()
    return OK


@command(
    "bgsave",
    -1,
    "admin noscript no_async_loading",
    group="server",
    since="1.0.0",
    args=[Token("SCHEDULE", flags="optional", since="3.2.2")],
)
def bgsave(session, argv):
    """Write an RDB snapshot in the background."""
    if len(argv) > 2 or len(argv) == 2 and argv[1].lower() != b"schedule":
        raise ReplyError(SYNTAX)
    persistence(session).bgsave()
    return Status(b"Background saving started")


@command(
    "bgrewriteaof", 1, "admin noscript no_async_loading", group="server", since="1.0.0"
)
def bgrewriteaof(session, argv):
    """Write a compact new append-only file in the background."""
    persistence(session).start_rewrite()
    return Status(b"Background append only file rewriting started")


@command(
    "lastsave",
    1,
    "loading stale fast",
    group="server",
    since="1.0.0",
    acl="admin dangerous",
    tips="nondeterministic_output",
)
def lastsave(session, argv):
    """Tell when the last snapshot was written, as a Unix time."""
    return int(persistence(session).lastsave)


_SHUTDOWN_FLAGS = (b"nosave", b"save", b"now", b"force", b"abort")


@command(
    "shutdown",
    -1,
    "admin noscript loading stale no_multi allow_busy",
    group="server",
    since="1.0.0",
    args=[
        OneOf("nosave_save", Token("NOSAVE"), Token("SAVE"), flags="optional"),
        Token("NOW", flags="optional", since="7.0.0"),
        Token("FORCE", flags="optional", since="7.0.0"),
        Token("ABORT", flags="optional", since="7.0.0"),
    ],
)
def shutdown(session, argv):
    """
    Save as configured (or as told), then stop the server. Like Redis, no
    reply is sent on success: the connection closes as the process exits.
    """
    flags = set()
    for arg in argv[1:]:
        flag = arg.lower()
        if flag not in _SHUTDOWN_FLAGS:
            raise ReplyError(SYNTAX)
        flags.add(flag)
    if {b"save", b"nosave"} <= flags or b"abort" in flags and len(flags) > 1:
        raise ReplyError(SYNTAX)
    if b"abort" in flags:
        raise ReplyError("ERR No shutdown in progress.")
    server = session.server
    log.info("User requested shutdown...", client=session.address, event="shutdown")
    wanted = b"save" in flags or bool(server.config["save"]) and b"nosave" not in flags
    keeper = persistence(session)
    try:
        keeper.shutdown(save=wanted)
    except (ReplyError, OSError):
        if b"force" not in flags:
            raise ReplyError("ERR Errors trying to SHUTDOWN. Check logs.")
        keeper.shutdown(save=False)
    for hook in server.shutdown_hooks:
        hook()
    clock = server.clock
    if IReactorCore.providedBy(clock):
        clock.callLater(0, clock.stop)
    return BLOCKED


@debug_subcommand("reload", -2)
def debug_reload(session, argv):
    """Save the RDB file, empty the data and load the file back (NOSAVE, NOFLUSH)."""
    options = {arg.lower() for arg in argv[2:]}
    if not options <= {b"merge", b"noflush", b"nosave"}:
        raise ReplyError(SYNTAX)
    persistence(session).reload(
        save=b"nosave" not in options, flush=b"noflush" not in options
    )
    return OK


@debug_subcommand("loadaof", 2)
def debug_loadaof(session, argv):
    """Write out the AOF, empty the data and load the AOF back."""
    keeper = persistence(session)
    try:
        keeper.reload_aof()
    except (LoadError, OSError) as e:
        raise ReplyError("ERR Error trying to load the AOF: %s" % (e,))
    return OK


@info_section("persistence")
def persistence_info(server):
    return Persistence.of(server).info()
