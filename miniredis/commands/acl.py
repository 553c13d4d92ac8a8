"""
The ACL command: users, their rules, ACL LOG, DRYRUN and the ACL file.

The users themselves live in L{miniredis.acl}; this module only reads and
changes them for clients.
"""

import binascii
import os
import time

from miniredis import acl
from miniredis.commands import WRONG_ARITY, command, container, find
from miniredis.commands.connection import kill_client
from miniredis.commands.parsing import parse_int
from miniredis.commands.spec import Arg, OneOf, Token
from miniredis.resp import OK, ReplyError, Status

container(
    "acl",
    -2,
    "sentinel",
    summary="Commands that manage users and what they may do.",
    group="server",
    since="6.0.0",
)


def _text(value):
    return value.decode("utf-8", "replace")


def _usage(sent):
    return ReplyError(
        "ERR unknown subcommand or wrong number of arguments for '%s'. Try ACL HELP."
        % (_text(sent),)
    )


@command(
    "acl|setuser",
    -3,
    "admin noscript loading stale",
    group="server",
    since="6.0.0",
    args=[Arg("username"), Arg("rule", flags="optional multiple")],
)
def acl_setuser(session, argv):
    """Create a user or change its rules."""
    name = argv[2]
    if b" " in name or b"\0" in name:
        raise ReplyError("ERR Usernames can't contain spaces or null characters")
    users = session.server.acl
    user, previous = users.setuser(name, argv[3:])
    for client in list(session.server.clients.values()):
        if client.user is user:
            client.checked = not user.unrestricted
            if previous is not None and not _may_keep_subscriptions(client, user):
                kill_client(session, client)
    return OK


def _may_keep_subscriptions(client, user):
    """Whether a client's subscriptions are all still allowed to C{user}."""
    for channel in list(client.channels) + list(client.shard_channels):
        if not _channel_allowed(user, channel, False):
            return False
    return all(_channel_allowed(user, p, True) for p in client.patterns)


def _channel_allowed(user, channel, is_pattern):
    return any(
        s.allchannels or acl.channel_allowed(s.channels, channel, is_pattern)
        for s in user.selectors
    )


@command(
    "acl|getuser",
    3,
    "admin noscript loading stale",
    group="server",
    since="6.0.0",
    args=[Arg("username")],
)
def acl_getuser(session, argv):
    """Describe one user: flags, password hashes, commands, keys, channels."""
    user = session.server.acl.users.get(argv[2])
    if user is None:
        return None
    reply = {b"flags": user.flags(), b"passwords": list(user.passwords)}
    reply.update(user.root.details())
    reply[b"selectors"] = [s.details() for s in user.selectors[1:]]
    return reply


@command(
    "acl|deluser",
    -3,
    "admin noscript loading stale",
    group="server",
    since="6.0.0",
    args=[Arg("username", flags="multiple")],
)
def acl_deluser(session, argv):
    """Delete users, closing their connections."""
    users = session.server.acl
    if any(name == b"default" for name in argv[2:]):
        raise ReplyError("ERR The 'default' user cannot be removed")
    deleted = 0
    for name in argv[2:]:
        user = users.users.pop(name, None)
        if user is not None:
            deleted += 1
            _disconnect(session, user)
    return deleted


def _disconnect(session, user):
    """Close the connections logged in as C{user}."""
    default = session.server.acl.default
    for client in list(session.server.clients.values()):
        if client.user is user:
            client.log_in(default)
            client.authenticated = False
            kill_client(session, client)


@command("acl|list", 2, "admin noscript loading stale", group="server", since="6.0.0")
def acl_list(session, argv):
    """List the users as rules, one line each."""
    return session.server.acl.lines()


@command("acl|users", 2, "admin noscript loading stale", group="server", since="6.0.0")
def acl_users(session, argv):
    """List the user names."""
    return sorted(session.server.acl.users)


@command("acl|whoami", 2, "noscript loading stale", group="server", since="6.0.0")
def acl_whoami(session, argv):
    """Tell the user this connection runs as."""
    return session.user.name


@command(
    "acl|cat",
    -2,
    "noscript loading stale",
    group="server",
    since="6.0.0",
    args=[Arg("categoryname", flags="optional")],
)
def acl_cat(session, argv):
    """List the command categories, or the commands of one category."""
    if len(argv) > 3:
        raise _usage(argv[1])
    if len(argv) == 2:
        return [name.encode() for name in acl.CATEGORIES]
    category = _text(argv[2]).lower()
    if category not in acl.CATEGORIES:
        raise ReplyError("ERR Unknown category '%s'" % (_text(argv[2]),))
    return [
        cmd.name.encode() for cmd in acl.every_command() if category in cmd.categories
    ]


@command(
    "acl|genpass",
    -2,
    "noscript loading stale",
    group="server",
    since="6.0.0",
    args=[Arg("bits", "integer", flags="optional")],
)
def acl_genpass(session, argv):
    """Make a random password (256 bits, or as many bits as asked)."""
    bits = 256
    if len(argv) > 2:
        bits = parse_int(argv[2])
        if not 0 < bits <= 4096:
            raise ReplyError(
                "ERR ACL GENPASS argument must be the number of bits for the output "
                "password, a positive number up to 4096"
            )
    chars = (bits + 3) // 4
    return binascii.hexlify(os.urandom((chars + 1) // 2))[:chars]


@command(
    "acl|log",
    -2,
    "admin noscript loading stale",
    group="server",
    since="6.0.0",
    args=[
        OneOf("operation", Arg("count", "integer"), Token("RESET"), flags="optional")
    ],
)
def acl_log(session, argv):
    """Show the latest refused commands and logins, or forget them."""
    users = session.server.acl
    if len(argv) > 3:
        raise _usage(argv[1])
    count = 10
    if len(argv) == 3:
        if argv[2].lower() == b"reset":
            users.log = []
            return OK
        count = max(parse_int(argv[2]), 0)
    now = time.time() * 1000
    return [entry.reply(now) for entry in users.log[:count]]


@command(
    "acl|dryrun",
    -4,
    "admin noscript loading stale",
    group="server",
    since="7.0.0",
    args=[Arg("username"), Arg("command"), Arg("arg", flags="optional multiple")],
)
def acl_dryrun(session, argv):
    """Tell whether a user could run a command, without running it."""
    users = session.server.acl
    user = users.users.get(argv[2])
    if user is None:
        raise ReplyError("ERR User '%s' not found" % (_text(argv[2]),))
    request = argv[3:]
    cmd, problem = find(request, session.server.renamed)
    if cmd is None or problem not in (None, WRONG_ARITY):
        raise ReplyError("ERR Command '%s' not found" % (_text(argv[3]),))
    if problem is not None:
        raise ReplyError("ERR wrong number of arguments for '%s' command" % (cmd.name,))
    refusal = users.check(user, cmd, request)
    if refusal is None:
        return OK
    reason, position = refusal
    if reason == acl.DENIED_CMD:
        what = "run the '%s' command" % (cmd.name,)
    else:
        kind = "key" if reason == acl.DENIED_KEY else "channel"
        what = "access the '%s' %s" % (_text(request[position]), kind)
    return ("This user has no permissions to " + what).encode()


@command("acl|save", 2, "admin noscript loading stale", group="server", since="6.0.0")
def acl_save(session, argv):
    """Write the users to the ACL file."""
    path = _aclfile(session)
    text = b"".join(line + b"\n" for line in session.server.acl.lines())
    temporary = path + ".tmp-%d" % (os.getpid(),)
    try:
        with open(temporary, "wb") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except OSError:
        raise ReplyError(
            "ERR There was an error trying to save the ACLs. Please check the server logs for more information"
        )
    return OK


@command("acl|load", 2, "admin noscript loading stale", group="server", since="6.0.0")
def acl_load(session, argv):
    """Replace the users with those of the ACL file."""
    path = _aclfile(session)
    users = session.server.acl
    for user in users.load(path):
        _disconnect(session, user)
    for client in session.server.clients.values():
        client.checked = not client.user.unrestricted
    return OK


def _aclfile(session):
    path = session.server.config["aclfile"]
    if not path:
        raise ReplyError(
            "ERR This Redis instance is not configured to use an ACL file. You may "
            "want to specify users via the ACL SETUSER command and then issue a "
            "CONFIG REWRITE (assuming you have a Redis configuration file set) in "
            "order to store users in the Redis configuration."
        )
    return path


_HELP = (
    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
    "HELP",
    "    Prints this help.",
)


@command("acl|help", 2, "loading stale", group="server", since="6.0.0")
def acl_help(session, argv):
    """List the subcommands of ACL."""
    return [Status(line.encode()) for line in _HELP]
