"""
DEBUG: helpers for tests and tools, behind C{enable-debug-command} as in
Redis. Other families add subcommands with L{debug_subcommand}::

    @debug_subcommand("reload", -2)
    def debug_reload(session, argv):
        ...
"""

import time

from miniredis.commands import command
from miniredis.commands.introspection import help_reply, summary
from miniredis.commands.parsing import parse_float, parse_int
from miniredis.resp import OK, ReplyError

_DEBUG = {}


def debug_subcommand(name, arity):
    """
    Register the decorated C{f(session, argv)} as C{DEBUG name}; C{arity}
    counts C{DEBUG} and C{name} as for a command.
    """

    def register(func):
        _DEBUG[name.encode()] = (func, arity)
        return func

    return register


_DEBUG_REFUSED = (
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", '
    "you can run it from a local connection, otherwise you need to set this option "
    "in the configuration file, and then restart the server."
)


@command(
    "debug",
    -2,
    "admin noscript loading stale protected",
    group="server",
    since="1.0.0",
    doc_flags="syscmd",
)
def debug(session, argv):
    """Reach the debugging helpers (sleep, reload, ...), when enabled."""
    if not session.allowed(session.server.config["enable-debug-command"]):
        raise ReplyError(_DEBUG_REFUSED)
    name = argv[1].lower()
    entry = _DEBUG.get(name)
    if entry is None or not (
        len(argv) == entry[1] if entry[1] >= 0 else len(argv) >= -entry[1]
    ):
        raise ReplyError(
            "ERR unknown subcommand or wrong number of arguments for '%s'. "
            "Try DEBUG HELP." % (argv[1].decode("utf-8", "replace"),)
        )
    return entry[0](session, argv)


@debug_subcommand("sleep", 3)
def debug_sleep(session, argv):
    """Stop the whole server for the given seconds (0 for none)."""
    seconds = parse_float(argv[2])
    if seconds > 0:
        time.sleep(seconds)
    return OK


@debug_subcommand("set-active-expire", 3)
def debug_set_active_expire(session, argv):
    """Turn the active expire cycle off (0) or on (1)."""
    if parse_int(argv[2]):
        session.server.expiry.start()
    else:
        session.server.expiry.stop()
    return OK


@debug_subcommand("help", 2)
def debug_help(session, argv):
    """Prints this help."""
    lines = ["DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"]
    for name in sorted(_DEBUG):
        func = _DEBUG[name][0]
        lines.append(name.decode().upper())
        lines.append("    " + summary(func, ""))
    return help_reply(lines)
