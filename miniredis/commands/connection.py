"""
Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET CLIENT.

Users are those of the ACL (L{miniredis.acl}); C{requirepass} is the
password of the C{default} user.
"""

from miniredis import monitor
from miniredis.acl import DENIED_AUTH
from miniredis.commands import command, container
from miniredis.commands.parsing import parse_int, parse_int_at_least
from miniredis.commands.spec import Arg, Block, OneOf, Token
from miniredis.pause import ALL, WRITE
from miniredis.resp import OK, ReplyError, SetReply, Status, Verbatim
from miniredis.tracking import Mode
from miniredis.version import __redis_version__
from miniredis.watch import unwatch_all

PONG = Status(b"PONG")
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


@command(
    "ping",
    -1,
    "fast sentinel",
    group="connection",
    since="1.0.0",
    acl="connection",
    args=[Arg("message", flags="optional")],
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def ping(session, argv):
    """Check the connection: answers PONG, or the message given."""
    if len(argv) > 2:
        raise ReplyError("ERR wrong number of arguments for 'ping' command")
    # session.usual first: a plain attribute, quicker to read than subscribed
    if not session.usual and session.subscribed and session.proto == 2:
        return [b"pong", argv[1] if len(argv) == 2 else b""]
    return argv[1] if len(argv) == 2 else PONG


@command(
    "echo",
    2,
    "loading stale fast",
    group="connection",
    since="1.0.0",
    acl="connection",
    args=[Arg("message")],
)
def echo(session, argv):
    """Answer with the message given."""
    return argv[1]


@command(
    "quit",
    -1,
    "noscript loading stale fast no_auth allow_busy",
    group="connection",
    since="1.0.0",
    acl="connection",
)
def quit(session, argv):
    """Close this connection once the replies before it are sent."""
    session.close_after_reply()
    return OK


@command(
    "select",
    2,
    "loading stale fast",
    group="connection",
    since="1.0.0",
    acl="connection",
    args=[Arg("index", "integer")],
)
def select(session, argv):
    """Make another numbered database the one this connection uses."""
    index = parse_int(argv[1])
    if not 0 <= index < len(session.server.store.databases):
        raise ReplyError("ERR DB index is out of range")
    session.select(index)
    return OK


def _authenticate(session, name, password, sent):
    """
    Log C{session} in as user C{name}.

    @param sent: the command's name as the client sent it (for ACL LOG).

    @raise ReplyError: WRONGPASS for an unknown or disabled user or a wrong
        password (logged in ACL LOG).
    """
    acl = session.server.acl
    user = acl.authenticate(name, password)
    if user is None:
        context = "toplevel" if session.multi is None else "multi"
        acl.record(DENIED_AUTH, context, sent, name, session.describe())
        raise ReplyError(WRONGPASS)
    session.log_in(user)


@command(
    "auth",
    -2,
    "noscript loading stale fast no_auth allow_busy",
    group="connection",
    since="1.0.0",
    acl="connection",
    args=[Arg("username", flags="optional", since="6.0.0"), Arg("password")],
)
def auth(session, argv):
    """Log this connection in with a password (and a user name)."""
    if len(argv) > 3:
        raise ReplyError("ERR syntax error")
    if len(argv) == 2:
        if session.server.acl.default.nopass:
            raise ReplyError(
                "ERR AUTH <password> called without any password configured for "
                "the default user. Are you sure your configuration is correct?"
            )
        _authenticate(session, b"default", argv[1], argv[0])
    else:
        _authenticate(session, argv[1], argv[2], argv[0])
    return OK


@command(
    "hello",
    -1,
    "noscript loading stale fast no_auth allow_busy",
    group="connection",
    since="6.0.0",
    acl="connection",
    args=[
        Block(
            "arguments",
            Arg("protover", "integer"),
            Block(
                "username_password",
                Arg("username"),
                Arg("password"),
                token="AUTH",
                flags="optional",
            ),
            Arg("clientname", token="SETNAME", flags="optional"),
            flags="optional",
        )
    ],
)
def hello(session, argv):
    """Handshake with Redis: pick the protocol, optionally log in and name the connection."""
    proto = session.proto
    if len(argv) > 1:
        proto = parse_int(
            argv[1], "ERR Protocol version is not an integer or out of range"
        )
        if proto not in (2, 3):
            raise ReplyError("NOPROTO unsupported protocol version")
    name = None
    i = 2
    while i < len(argv):
        option = argv[i].lower()
        more = len(argv) - i - 1
        if option == b"auth" and more >= 2:
            _authenticate(session, argv[i + 1], argv[i + 2], argv[0])
            i += 3
        elif option == b"setname" and more >= 1:
            name = argv[i + 1]
            i += 2
        else:
            raise ReplyError(
                "ERR Syntax error in HELLO option '%s'"
                % (argv[i].decode("utf-8", "replace"),)
            )
    if not session.authenticated:
        raise ReplyError(
            "NOAUTH HELLO must be called with the client already authenticated, "
            "otherwise the HELLO AUTH <user> <pass> option can be used to "
            "authenticate the client and select the RESP protocol version at the "
            "same time"
        )
    if name is not None:
        session.name = _valid_name(name)
    session.proto = proto
    return {
        b"server": b"redis",
        b"version": __redis_version__.encode(),
        b"proto": proto,
        b"id": session.id,
        b"mode": b"standalone",
        b"role": b"master",
        b"modules": [],
    }


@command(
    "reset",
    1,
    "noscript loading stale fast no_auth allow_busy",
    group="connection",
    since="6.2.0",
    acl="connection",
)
def reset(session, argv):
    """Reset the connection: as new, but for its id and address."""
    session.multi = None
    session.multi_failed = False
    unwatch_all(session)
    session.select(0)
    session.proto = 2
    session.name = b""
    default = session.server.acl.default
    session.log_in(default)
    session.authenticated = default.nopass and default.enabled
    session.server.pubsub.drop(session)
    monitor.stop(session)
    session.server.tracking.disable(session)
    return Status(b"RESET")


def _valid_name(name):
    if any(c <= 32 or c > 126 for c in name):
        raise ReplyError(
            "ERR Client names cannot contain spaces, newlines or special characters."
        )
    return name


container(
    "client",
    -2,
    "sentinel",
    group="connection",
    since="2.4.0",
    summary="Commands about client connections: names, listing, killing, pausing.",
)


@command(
    "client|id",
    2,
    "noscript loading stale",
    group="connection",
    since="5.0.0",
    acl="connection",
)
def client_id(session, argv):
    """Tell this connection's unique id."""
    return session.id


@command(
    "client|setname",
    3,
    "noscript loading stale",
    group="connection",
    since="2.6.9",
    acl="connection",
    args=[Arg("connection-name")],
)
def client_setname(session, argv):
    """Give this connection a name that CLIENT LIST shows."""
    session.name = _valid_name(argv[2])
    return OK


@command(
    "client|getname",
    2,
    "noscript loading stale",
    group="connection",
    since="2.6.9",
    acl="connection",
)
def client_getname(session, argv):
    """Tell the name this connection gave itself."""
    return session.name or None


@command(
    "client|getredir",
    2,
    "noscript loading stale",
    group="connection",
    since="6.0.0",
    acl="connection",
)
def client_getredir(session, argv):
    """Tell which client gets this one's invalidations (0: itself, -1: none)."""
    mode = session.tracking
    return -1 if mode is None else mode.redirect


@command(
    "client|tracking",
    -3,
    "noscript loading stale",
    group="connection",
    since="6.0.0",
    acl="connection",
    args=[
        OneOf("status", Token("ON"), Token("OFF")),
        Arg("client-id", "integer", token="REDIRECT", flags="optional"),
        Arg("prefix", token="PREFIX", flags="optional multiple multiple_token"),
        Token("BCAST", flags="optional"),
        Token("OPTIN", flags="optional"),
        Token("OPTOUT", flags="optional"),
        Token("NOLOOP", flags="optional"),
    ],
)
def client_tracking(session, argv):
    """Turn on or off invalidation messages for keys this client may cache."""
    redirect = 0
    options = set()
    prefixes = []
    j = 3
    while j < len(argv):
        option = argv[j].lower()
        more = j + 1 < len(argv)
        if option == b"redirect" and more:
            j += 1
            if redirect:
                raise ReplyError(
                    "ERR A client can only redirect to a single other client"
                )
            client_id = parse_int(argv[j])
            if client_id not in session.server.clients:
                raise ReplyError(
                    "ERR The client ID you want redirect to does not exist"
                )
            redirect = client_id
        elif option in (b"bcast", b"optin", b"optout", b"noloop"):
            options.add(option.decode())
        elif option == b"prefix" and more:
            j += 1
            prefixes.append(argv[j])
        else:
            raise ReplyError("ERR syntax error")
        j += 1
    state = argv[2].lower()
    if state == b"off":
        session.server.tracking.disable(session)
        return OK
    if state != b"on":
        raise ReplyError("ERR syntax error")
    _check_tracking(session, options, prefixes)
    mode = Mode(redirect, **{name: True for name in options})
    session.server.tracking.enable(session, mode, prefixes)
    return OK


def _check_tracking(session, options, prefixes):
    """
    Refuse a CLIENT TRACKING ON whose options do not go together, or that
    would change a mode of tracking that is on, as Redis does.
    """
    bcast = "bcast" in options
    if prefixes and not bcast:
        raise ReplyError("ERR PREFIX option requires BCAST mode to be enabled")
    old = session.tracking
    if old is not None and old.bcast != bcast:
        raise ReplyError(
            "ERR You can't switch BCAST mode on/off before disabling tracking "
            "for this client, and then re-enabling it with a different mode."
        )
    if bcast and options & {"optin", "optout"}:
        raise ReplyError("ERR OPTIN and OPTOUT are not compatible with BCAST")
    if {"optin", "optout"} <= options:
        raise ReplyError("ERR You can't specify both OPTIN mode and OPTOUT mode")
    if old is not None and (
        ("optin" in options and old.optout) or ("optout" in options and old.optin)
    ):
        raise ReplyError(
            "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking "
            "for this client, and then re-enabling it with a different mode."
        )
    if bcast:
        _check_prefixes(old.prefixes if old is not None else [], prefixes)


def _overlap(one, two):
    return one.startswith(two) or two.startswith(one)


def _check_prefixes(existing, prefixes):
    """Refuse BCAST prefixes of which one starts another, as Redis words it."""
    for i, prefix in enumerate(prefixes):
        for other in sorted(existing):
            if _overlap(prefix, other):
                raise ReplyError(
                    "ERR Prefix '%s' overlaps with an existing prefix '%s'. "
                    "Prefixes for a single client must not overlap."
                    % (_text(prefix), _text(other))
                )
        for other in prefixes[i + 1 :]:
            if _overlap(prefix, other):
                raise ReplyError(
                    "ERR Prefix '%s' overlaps with another provided prefix '%s'. "
                    "Prefixes for a single client must not overlap."
                    % (_text(prefix), _text(other))
                )


def _text(value):
    """A prefix in an error, as Redis's C{%s} shows it: up to a NUL byte."""
    return value.split(b"\0")[0].decode("utf-8", "replace")


@command(
    "client|caching",
    3,
    "noscript loading stale",
    group="connection",
    since="6.0.0",
    acl="connection",
    args=[OneOf("mode", Token("YES"), Token("NO"))],
)
def client_caching(session, argv):
    """Say whether the next command's keys are tracked (OPTIN/OPTOUT modes)."""
    mode = session.tracking
    if mode is None:
        raise ReplyError(
            "ERR CLIENT CACHING can be called only when the client is in tracking "
            "mode with OPTIN or OPTOUT mode enabled"
        )
    answer = argv[2].lower()
    if answer == b"yes":
        if not mode.optin:
            raise ReplyError(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled "
                "in OPTIN mode."
            )
    elif answer == b"no":
        if not mode.optout:
            raise ReplyError(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled "
                "in OPTOUT mode."
            )
    else:
        raise ReplyError("ERR syntax error")
    mode.caching = True
    return OK


@command(
    "client|trackinginfo",
    2,
    "noscript loading stale",
    group="connection",
    since="6.2.0",
    acl="connection",
)
def client_trackinginfo(session, argv):
    """Describe this client's CLIENT TRACKING settings."""
    mode = session.tracking
    if mode is None:
        return {b"flags": SetReply([b"off"]), b"redirect": -1, b"prefixes": []}
    return {
        b"flags": SetReply([b"on"] + mode.flags()),
        b"redirect": mode.redirect,
        b"prefixes": sorted(mode.prefixes),
    }


@command(
    "client|info",
    2,
    "noscript loading stale",
    group="connection",
    since="6.2.0",
    acl="connection",
    tips="nondeterministic_output",
)
def client_info(session, argv):
    """Describe this connection in one CLIENT LIST line."""
    return Verbatim(session.describe(argv).encode() + b"\n")


_TYPES = (b"normal", b"master", b"replica", b"slave", b"pubsub")


def _client_type(raw):
    """@return: a test of whether a client is of the type C{raw} names."""
    kind = raw.lower()
    if kind not in _TYPES:
        raise ReplyError(
            "ERR Unknown client type '%s'" % (raw.decode("utf-8", "replace"),)
        )
    if kind == b"pubsub":
        return lambda client: client.subscribed
    if kind == b"normal":
        return lambda client: (
            not (client.subscribed or client.replica is not None or client.from_master)
        )
    if kind == b"master":
        return lambda client: client.from_master
    return lambda client: client.replica is not None  # replica, slave


@command(
    "client|list",
    -2,
    "admin noscript loading stale",
    group="connection",
    since="2.4.0",
    acl="connection",
    args=[
        OneOf(
            "normal_master_replica_pubsub",
            Token("NORMAL"),
            Token("MASTER"),
            Token("REPLICA"),
            Token("PUBSUB"),
            token="TYPE",
            flags="optional",
            since="5.0.0",
        ),
        Block(
            "id",
            Arg("client-id", "integer", flags="multiple"),
            token="ID",
            flags="optional",
            since="6.2.0",
        ),
    ],
    tips="nondeterministic_output",
)
def client_list(session, argv):
    """Describe every connection, one line each."""
    clients = session.server.clients.values()
    option = argv[2].lower() if len(argv) > 2 else None
    if option == b"id" and len(argv) > 3:
        wanted = {parse_int(raw, "ERR Invalid client ID") for raw in argv[3:]}
        clients = [c for c in clients if c.id in wanted]
    elif option == b"type" and len(argv) == 4:
        wanted = _client_type(argv[3])
        clients = [c for c in clients if wanted(c)]
    elif option is not None:
        raise ReplyError("ERR syntax error")
    lines = [c.describe(argv if c is session else None) for c in clients]
    return Verbatim("".join(line + "\n" for line in lines).encode())


def client_user(session, name):
    """
    @return: the L{miniredis.acl.User} named C{name}.
    @raise ReplyError: where there is no such user.
    """
    user = session.server.acl.users.get(name)
    if user is None:
        raise ReplyError("ERR No such user '%s'" % (name.decode("utf-8", "replace"),))
    return user


def _kill_filter(session, option, value):
    """@return: a test on clients for one C{option value} pair of CLIENT KILL."""
    if option == b"id":
        wanted = parse_int_at_least(value, 1, "ERR client-id should be greater than 0")
        return lambda client: client.id == wanted
    if option == b"type":
        return _client_type(value)
    if option == b"user":
        user = client_user(session, value)
        return lambda client: client.user is user
    address = value.decode("utf-8", "replace")
    if option == b"addr":
        return lambda client: client.address == address
    if option == b"laddr":
        return lambda client: (
            client.connection is not None and client.connection.local_address == address
        )
    raise ReplyError("ERR syntax error")


@command(
    "client|kill",
    -3,
    "admin noscript loading stale",
    group="connection",
    since="2.4.0",
    acl="connection",
    args=[
        OneOf(
            "filter",
            Arg("ip:port", deprecated_since="2.8.12"),
            OneOf(
                "new-format",
                Arg(
                    "client-id", "integer", token="ID", flags="optional", since="2.8.12"
                ),
                OneOf(
                    "normal_master_slave_pubsub",
                    Token("NORMAL"),
                    Token("MASTER", since="3.2.0"),
                    Token("SLAVE"),
                    Token("REPLICA", since="5.0.0"),
                    Token("PUBSUB"),
                    token="TYPE",
                    flags="optional",
                    since="2.8.12",
                ),
                Arg("username", token="USER", flags="optional"),
                Arg("ip:port", token="ADDR", flags="optional"),
                Arg("ip:port", token="LADDR", flags="optional", since="6.2.0"),
                Arg("yes/no", token="SKIPME", flags="optional"),
                flags="multiple",
            ),
        )
    ],
)
def client_kill(session, argv):
    """Close other connections, picked by address, id, type or user."""
    clients = list(session.server.clients.values())
    if len(argv) == 3:
        address = argv[2].decode("utf-8", "replace")
        for other in clients:
            if other.address == address:
                kill_client(session, other)
                return OK
        raise ReplyError("ERR No such client")
    if len(argv) % 2:
        raise ReplyError("ERR syntax error")
    skipme = True
    filters = []
    for i in range(2, len(argv), 2):
        option, value = argv[i].lower(), argv[i + 1]
        if option == b"skipme":
            if value.lower() not in (b"yes", b"no"):
                raise ReplyError("ERR syntax error")
            skipme = value.lower() == b"yes"
        else:
            filters.append(_kill_filter(session, option, value))
    killed = 0
    for other in clients:
        if not (skipme and other is session) and all(f(other) for f in filters):
            kill_client(session, other)
            killed += 1
    return killed


def kill_client(session, other):
    if other is session:
        session.close_after_reply()
    elif other.connection is not None:
        other.closing = True
        other.connection.transport.loseConnection()


@command(
    "client|unblock",
    -3,
    "admin noscript loading stale",
    group="connection",
    since="5.0.0",
    acl="connection",
    args=[
        Arg("client-id", "integer"),
        OneOf("timeout_error", Token("TIMEOUT"), Token("ERROR"), flags="optional"),
    ],
)
def client_unblock(session, argv):
    """Wake a client waiting in a blocking command, as a timeout or an error."""
    client_id = parse_int(argv[2])
    error = False
    if len(argv) == 4:
        reason = argv[3].lower()
        if reason not in (b"timeout", b"error"):
            raise ReplyError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
        error = reason == b"error"
    elif len(argv) > 4:
        raise ReplyError("ERR syntax error")
    other = session.server.clients.get(client_id)
    if other is None or other.blocked is None:
        return 0
    reply = other.blocked.reply_at_timeout()
    session.server.waits.cancel(other)
    if error:
        reply = ReplyError("UNBLOCKED client unblocked via CLIENT UNBLOCK")
    other.resume(reply)
    return 1


@command(
    "client|no-evict",
    3,
    "admin noscript loading stale",
    group="connection",
    since="7.0.0",
    acl="connection",
    args=[OneOf("enabled", Token("ON"), Token("OFF"))],
)
def client_no_evict(session, argv):
    """Set client eviction mode for the current connection (nothing is evicted)."""
    if argv[2].lower() not in (b"on", b"off"):
        raise ReplyError("ERR syntax error")
    return OK


@command(
    "client|pause",
    -3,
    "admin noscript loading stale",
    group="connection",
    since="2.9.50",
    acl="connection",
    args=[
        Arg("timeout", "integer"),
        OneOf("mode", Token("WRITE"), Token("ALL"), flags="optional", since="6.2.0"),
    ],
)
def client_pause(session, argv):
    """Hold back every client's commands, or only its writes, for a while."""
    if len(argv) > 4:
        raise ReplyError(
            "ERR unknown subcommand or wrong number of arguments for '%s'. "
            "Try CLIENT HELP." % (argv[1].decode("utf-8", "replace"),)
        )
    timeout = parse_int(argv[2], "ERR timeout is not an integer or out of range")
    if timeout < 0:
        raise ReplyError("ERR timeout is negative")
    mode = ALL
    if len(argv) == 4:
        mode = argv[3].lower().decode("utf-8", "replace")
        if mode not in (ALL, WRITE):
            raise ReplyError("ERR CLIENT PAUSE mode must be WRITE or ALL")
    session.server.pause.start(timeout / 1000.0, mode)
    return OK


@command(
    "client|unpause",
    2,
    "admin noscript loading stale",
    group="connection",
    since="6.2.0",
    acl="connection",
)
def client_unpause(session, argv):
    """End a CLIENT PAUSE: the held-back commands run."""
    session.server.pause.end()
    return OK


@command(
    "client|reply",
    3,
    "noscript loading stale",
    group="connection",
    since="3.2.0",
    acl="connection",
    args=[OneOf("on_off_skip", Token("ON"), Token("OFF"), Token("SKIP"))],
)
def client_reply(session, argv):
    """Instruct the server whether to reply to commands (always ON here)."""
    if argv[2].lower() != b"on":
        raise ReplyError("ERR syntax error")
    return OK


@command(
    "client|help",
    2,
    "loading stale",
    group="connection",
    since="5.0.0",
    acl="connection",
)
def client_help(session, argv):
    """List the subcommands of CLIENT."""
    return [
        Status(line.encode())
        for line in (
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY ON",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
            "HELP",
            "    Prints this help.",
        )
    ]
