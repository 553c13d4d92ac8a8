"""
COMMAND and its subcommands: the command table described to clients.

Everything here is derived from the specs the commands declared (see
L{miniredis.commands.spec}): flags, key positions, key specs, ACL
categories, and the documentation that C{redis-cli} shows as help. A
command's summary is the first paragraph of its function's docstring.
"""

from miniredis.commands import (
    COMMANDS,
    UNKNOWN_COMMAND,
    UNKNOWN_SUBCOMMAND,
    WRONG_ARITY,
    command,
    container,
    find,
)
from miniredis.commands.spec import SHOWN_FLAGS, Arg, OneOf
from miniredis.glob import matcher
from miniredis.resp import ReplyError, SetReply, Status


def _statuses(words):
    return SetReply(Status(word.encode()) for word in words)


def command_info(cmd):
    """@return: the COMMAND INFO entry of C{cmd}."""
    first, last, step = cmd.key_range
    if cmd.subcommands:
        subcommands = [command_info(sub) for sub in cmd.subcommands.values()]
    else:
        subcommands = SetReply()  # Redis's empty set, but a container's array
    return [
        cmd.name.encode(),
        cmd.arity,
        _statuses(f for f in SHOWN_FLAGS if f in cmd.flags),
        first,
        last,
        step,
        _statuses("@" + c for c in cmd.categories),
        _statuses(cmd.tips),
        SetReply(key_spec_reply(ks) for ks in cmd.key_specs),
        subcommands,
    ]


def key_spec_reply(ks):
    out = ks.reply()
    out[b"flags"] = _statuses(ks.flags)
    return out


def summary(func, default):
    """@return: the first paragraph of C{func}'s docstring, on one line."""
    lines = []
    for line in (func.__doc__ or "").strip().splitlines():
        line = line.strip()
        if not line or line.startswith("@"):
            break
        lines.append(line)
    return " ".join(lines) or default


def _argument_reply(arg):
    out = arg.reply()
    if b"flags" in out:
        out[b"flags"] = _statuses(arg.flags)
    if b"arguments" in out:
        out[b"arguments"] = [_argument_reply(a) for a in arg.args]
    return out


def command_docs(cmd):
    """@return: the COMMAND DOCS map of C{cmd}."""
    docs = {
        b"summary": summary(cmd.func, "The %s command." % (cmd.name.upper(),)).encode(),
        b"since": cmd.since.encode(),
        b"group": cmd.group.encode(),
    }
    if cmd.doc_flags:
        docs[b"doc_flags"] = _statuses(cmd.doc_flags)
    if cmd.deprecated_since:
        docs[b"deprecated_since"] = cmd.deprecated_since.encode()
    if cmd.replaced_by:
        docs[b"replaced_by"] = cmd.replaced_by.encode()
    if cmd.args:
        docs[b"arguments"] = [_argument_reply(arg) for arg in cmd.args]
    if cmd.subcommands:
        docs[b"subcommands"] = {
            sub.name.encode(): command_docs(sub) for sub in cmd.subcommands.values()
        }
    return docs


def table(session):
    """
    @return: the command table of C{session}'s server: L{COMMANDS}, or the
        table its C{rename-command} declarations made.
    """
    renamed = session.server.renamed
    return COMMANDS if renamed is None else renamed


def find_command(name, commands=COMMANDS):
    """
    @param commands: the table to look in (L{table}).
    @return: the table entry named C{name} (C{"client|id"} too), or None.
    """
    parent, _, sub = name.lower().partition(b"|")
    cmd = commands.get(parent)
    if sub and cmd is not None:
        return (cmd.subcommands or {}).get(sub)
    return cmd


def all_commands(commands=COMMANDS):
    """@return: every entry of the table, subcommands after their container."""
    for cmd in commands.values():
        yield cmd
        if cmd.subcommands:
            yield from cmd.subcommands.values()


def _command_all(session, argv):
    """List every command with its arity, flags, keys and categories."""
    return [command_info(cmd) for cmd in table(session).values()]


container(
    "command",
    -1,
    "loading stale",
    group="server",
    since="2.8.13",
    acl="connection",
    tips="nondeterministic_output_order",
    bare=_command_all,
)


@command(
    "command|count",
    2,
    "loading stale",
    group="server",
    since="2.8.13",
    acl="connection",
)
def command_count(session, argv):
    """Say how many commands this server knows."""
    return len(table(session))


@command(
    "command|info",
    -2,
    "loading stale",
    group="server",
    since="2.8.13",
    acl="connection",
    args=[Arg("command-name", flags="optional multiple")],
    tips="nondeterministic_output_order",
)
def command_info_(session, argv):
    """Describe the named commands (all of them when none is named)."""
    if len(argv) == 2:
        return _command_all(session, argv)
    out = []
    for name in argv[2:]:
        cmd = find_command(name, table(session))
        out.append(None if cmd is None else command_info(cmd))
    return out


@command(
    "command|docs",
    -2,
    "loading stale",
    group="server",
    since="7.0.0",
    acl="connection",
    args=[Arg("command-name", flags="optional multiple")],
    tips="nondeterministic_output_order",
)
def command_docs_(session, argv):
    """Give the documentation of the named commands (or of all of them)."""
    if len(argv) == 2:
        return {cmd.name.encode(): command_docs(cmd) for cmd in table(session).values()}
    out = {}
    for name in argv[2:]:
        cmd = find_command(name, table(session))
        if cmd is not None:
            out[cmd.name.encode()] = command_docs(cmd)
    return out


@command(
    "command|list",
    -2,
    "loading stale",
    group="server",
    since="7.0.0",
    acl="connection",
    args=[
        OneOf(
            "filterby",
            Arg("module-name", token="MODULE"),
            Arg("category", token="ACLCAT"),
            Arg("pattern", "pattern", token="PATTERN"),
            token="FILTERBY",
            flags="optional",
        )
    ],
    tips="nondeterministic_output_order",
)
def command_list(session, argv):
    """Name every command, or those of a category or matching a pattern."""
    if len(argv) == 2:
        wanted = lambda cmd: True  # noqa: E731
    elif len(argv) == 5 and argv[2].lower() == b"filterby":
        kind, value = argv[3].lower(), argv[4]
        if kind == b"module":
            wanted = lambda cmd: False  # noqa: E731
        elif kind == b"aclcat":
            category = value.lower().decode("utf-8", "replace")
            wanted = lambda cmd: category in cmd.categories  # noqa: E731
        elif kind == b"pattern":
            match = matcher(value, nocase=True)
            wanted = lambda cmd: match(cmd.name.encode())  # noqa: E731
        else:
            raise ReplyError("ERR syntax error")
    else:
        raise ReplyError("ERR syntax error")
    return [cmd.name.encode() for cmd in all_commands(table(session)) if wanted(cmd)]


def get_keys(argv, commands=COMMANDS):
    """
    Find the keys of a whole command line, as COMMAND GETKEYS does.

    @return: C{(command, [(position, key-spec flags)])}.
    @raise ReplyError: with the errors of COMMAND GETKEYS.
    """
    cmd, problem = find(argv, commands)
    if problem is UNKNOWN_COMMAND or problem is UNKNOWN_SUBCOMMAND:
        raise ReplyError("ERR Invalid command specified")
    if not cmd.has_keys():
        raise ReplyError("ERR The command has no key arguments")
    if problem is WRONG_ARITY:
        raise ReplyError("ERR Invalid number of arguments specified for command")
    found = cmd.key_positions(argv)
    if not found:
        if "no_mandatory_keys" in cmd.flags:
            return cmd, []
        raise ReplyError("ERR Invalid arguments specified for command")
    return cmd, found


_GETKEYS_ARGS = [Arg("command"), Arg("arg", flags="optional multiple")]


@command(
    "command|getkeys",
    -4,
    "loading stale",
    group="server",
    since="2.8.13",
    acl="connection",
)
def command_getkeys(session, argv):
    """Pick out the keys of a whole command line."""
    _, found = get_keys(argv[2:], table(session))
    return [argv[2 + i] for i, _ in found]


@command(
    "command|getkeysandflags",
    -4,
    "loading stale",
    group="server",
    since="7.0.0",
    acl="connection",
)
def command_getkeysandflags(session, argv):
    """Pick out the keys of a whole command line, with what it does to each."""
    _, found = get_keys(argv[2:], table(session))
    return [[argv[2 + i], _statuses(flags)] for i, flags in found]


def help_reply(lines):
    """@return: a HELP subcommand's reply: one status line each."""
    return [Status(line.encode()) for line in lines]


@command(
    "command|help", 2, "loading stale", group="server", since="5.0.0", acl="connection"
)
def command_help(session, argv):
    """List the subcommands of COMMAND."""
    return help_reply(
        [
            "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
            "HELP",
            "    Prints this help.",
        ]
    )
