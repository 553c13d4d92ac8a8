"""
CONFIG GET, SET, RESETSTAT, REWRITE and HELP: the server's parameters
(L{miniredis.config}) as clients see and change them.
"""

from miniredis import commandstats
from miniredis.commands import COMMANDS, command, container
from miniredis.commands.introspection import help_reply
from miniredis.commands.spec import Arg, Block
from miniredis.config import PROTECTED
from miniredis.resp import OK, ReplyError

container(
    "config",
    -2,
    summary="Commands that read and change the server parameters.",
    group="server",
    since="2.0.0",
)


@command(
    "config|get",
    -3,
    "admin noscript loading stale",
    group="server",
    since="2.0.0",
    args=[Block("parameter", Arg("parameter"), flags="multiple")],
)
def config_get(session, argv):
    """
    Get the values of configuration parameters: those matching glob
    patterns, and those named exactly (as the client spelled them).
    """
    config = session.server.config
    found = {}
    seen = set()
    for pattern in argv[2:]:
        glob = any(c in pattern for c in b"*?[\\")
        for name, value in config.get_matching(pattern).items():
            if name not in seen and (glob or name == pattern.lower()):
                seen.add(name)
                found[name if glob else pattern] = value
    return found


@command(
    "config|set",
    -4,
    "admin noscript loading stale",
    group="server",
    since="2.0.0",
    args=[Block("parameter_value", Arg("parameter"), Arg("value"), flags="multiple")],
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def config_set(session, argv):
    """
    Set configuration parameters, all or none: a value that does not parse,
    or that cannot be put to use, puts back those already set.
    """
    if len(argv) % 2:
        raise ReplyError("ERR syntax error")
    config = session.server.config
    pairs = []
    seen = set()
    for i in range(2, len(argv), 2):
        shown = argv[i].decode("utf-8", "replace")
        name = shown.lower()
        key = config.check_settable(name, shown)
        if key in PROTECTED and not session.allowed(config["enable-protected-configs"]):
            raise ReplyError(
                "ERR CONFIG SET failed (possibly related to argument '%s') - "
                "can't set protected config" % (shown,)
            )
        if name in seen:
            raise ReplyError(
                "ERR CONFIG SET failed (possibly related to argument '%s') - "
                "duplicate parameter" % (shown,)
            )
        seen.add(name)
        pairs.append((name, argv[i + 1], config.render(key)))
    applied = []
    changed = []
    try:
        for name, raw, old in pairs:
            config.set(name, raw)
            applied.append((name, old))
            key = config.check_settable(name)
            if config.render(key) != old:
                changed.append(key)
        config.apply(changed)
    except ReplyError:
        for name, old in applied:
            config.set(name, old)
        config.apply(changed, strict=False)
        raise
    return OK


@command(
    "config|resetstat", 2, "admin noscript loading stale", group="server", since="2.0.0"
)
def config_resetstat(session, argv):
    """Zero the counters that INFO reports."""
    server = session.server
    server.stats.reset()
    server.store.expired_keys = 0
    server.store.reset_stats()
    server.memory.reset_stats()
    commandstats.reset_all(COMMANDS)
    return OK


@command(
    "config|rewrite", 2, "admin noscript loading stale", group="server", since="2.8.0"
)
def config_rewrite(session, argv):
    """Write the running configuration back into the configuration file."""
    from miniredis import conffile

    config = session.server.config
    if not config.file:
        raise ReplyError("ERR The server is running without a config file")
    try:
        users = session.server.acl.lines() if not config["aclfile"] else []
        conffile.rewrite(config, [line.decode("utf-8") for line in users])
    except OSError as e:
        raise ReplyError("ERR Rewriting config file: %s" % (e.strerror,))
    return OK


@command("config|help", 2, "loading stale", group="server", since="5.0.0")
def config_help(session, argv):
    """List the subcommands of CONFIG."""
    return help_reply(
        [
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
            "HELP",
            "    Prints this help.",
        ]
    )
