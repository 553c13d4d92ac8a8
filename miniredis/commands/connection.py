"""
Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET CLIENT.
"""

from miniredis import __redis_version__
from miniredis.commands import command, container
from miniredis.commands.parsing import parse_int
from miniredis.commands.transactions import unwatch_all
from miniredis.resp import OK, ReplyError, Status, Verbatim

PONG = Status(b"PONG")


@command("ping", -1, "fast sentinel")
def ping(session, argv):
    if len(argv) > 2:
        raise ReplyError("ERR wrong number of arguments for 'ping' command")
    if session.subscribed and session.proto == 2:
        return [b"pong", argv[1] if len(argv) == 2 else b""]
    return argv[1] if len(argv) == 2 else PONG


@command("echo", 2, "fast")
def echo(session, argv):
    return argv[1]


@command("quit", -1, "allow_busy noscript loading stale fast no_auth")
def quit(session, argv):
    session.close_after_reply()
    return OK


@command("select", 2, "loading stale fast")
def select(session, argv):
    index = parse_int(argv[1])
    if not 0 <= index < len(session.server.store.databases):
        raise ReplyError("ERR DB index is out of range")
    session.select(index)
    return OK


def _check_password(session, user, password):
    required = session.server.config["requirepass"]
    if (
        user not in (b"default",)
        or not required
        or password.decode("utf-8", "surrogateescape") != required
    ):
        if not required and user == b"default":
            return
        raise ReplyError(
            "WRONGPASS invalid username-password pair or user is disabled."
        )


@command("auth", -2, "noscript loading stale fast no_auth allow_busy")
def auth(session, argv):
    if len(argv) > 3:
        raise ReplyError("ERR syntax error")
    required = session.server.config["requirepass"]
    if len(argv) == 2 and not required:
        raise ReplyError(
            "ERR AUTH <password> called without any password configured for the "
            "default user. Are you sure your configuration is correct?"
        )
    user, password = (b"default", argv[1]) if len(argv) == 2 else (argv[1], argv[2])
    _check_password(session, user, password)
    session.authenticated = True
    return OK


@command("hello", -1, "noscript loading stale fast no_auth allow_busy")
def hello(session, argv):
    proto = session.proto
    if len(argv) > 1:
        try:
            proto = int(argv[1])
        except ValueError:
            raise ReplyError("ERR Protocol version is not an integer or out of range")
        if proto not in (2, 3):
            raise ReplyError("NOPROTO unsupported protocol version")
    name = None
    i = 2
    while i < len(argv):
        option = argv[i].lower()
        more = len(argv) - i - 1
        if option == b"auth" and more >= 2:
            _check_password(session, argv[i + 1], argv[i + 2])
            session.authenticated = True
            i += 3
        elif option == b"setname" and more >= 1:
            name = _valid_name(argv[i + 1])
            i += 2
        else:
            raise ReplyError(
                "ERR Syntax error in HELLO option '%s'"
                % (argv[i].decode("utf-8", "replace"),)
            )
    if not session.authenticated:
        raise ReplyError(
            "NOAUTH HELLO must be called with the client already authenticated, "
            "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to "
            "authenticate the client and select the RESP protocol version at the same time"
        )
    if name is not None:
        session.name = name
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


@command("reset", 1, "noscript loading stale fast no_auth allow_busy")
def reset(session, argv):
    session.multi = None
    session.multi_failed = False
    unwatch_all(session)
    session.select(0)
    session.proto = 2
    session.name = b""
    session.authenticated = not session.server.config["requirepass"]
    session.server.pubsub.drop(session)
    return Status(b"RESET")


def _valid_name(name):
    if any(c <= 32 or c > 126 for c in name):
        raise ReplyError(
            "ERR Client names cannot contain spaces, newlines or special characters."
        )
    return name


container("client", -2, "sentinel")


@command("client|id", 2, "noscript loading stale")
def client_id(session, argv):
    return session.id


@command("client|setname", 3, "noscript loading stale")
def client_setname(session, argv):
    session.name = _valid_name(argv[2])
    return OK


@command("client|getname", 2, "noscript loading stale")
def client_getname(session, argv):
    return session.name or None


@command("client|info", 2, "noscript loading stale")
def client_info(session, argv):
    return Verbatim(session.describe().encode() + b"\n")


@command("client|list", -2, "admin noscript loading stale")
def client_list(session, argv):
    clients = session.server.clients.values()
    if len(argv) > 2:
        if argv[2].lower() == b"id" and len(argv) > 3:
            wanted = set()
            for raw in argv[3:]:
                wanted.add(parse_int(raw, "ERR Invalid client ID"))
            clients = [c for c in clients if c.id in wanted]
        elif argv[2].lower() == b"type" and len(argv) == 4:
            kind = argv[3].lower()
            if kind not in (b"normal", b"master", b"replica", b"slave", b"pubsub"):
                raise ReplyError("ERR Unknown client type '%s'" % (argv[3].decode(),))
            clients = [
                c
                for c in clients
                if (kind == b"pubsub") == c.subscribed
                and kind in (b"normal", b"pubsub")
            ]
        else:
            raise ReplyError("ERR syntax error")
    text = "".join(c.describe() + "\n" for c in clients)
    return Verbatim(text.encode())


@command("client|kill", -3, "admin noscript loading stale")
def client_kill(session, argv):
    server = session.server
    if len(argv) == 3:
        for other in list(server.clients.values()):
            if other.address == argv[2].decode("utf-8", "replace"):
                _kill(other)
                return OK
        raise ReplyError("ERR No such client")
    if len(argv) % 2:
        raise ReplyError("ERR syntax error")
    killed = 0
    skipme = True
    filters = []
    for i in range(2, len(argv), 2):
        option, value = argv[i].lower(), argv[i + 1]
        if option == b"id":
            wanted = parse_int(value, "ERR client-id should be greater than 0")
            filters.append(lambda c, w=wanted: c.id == w)
        elif option == b"addr":
            filters.append(lambda c, w=value.decode(): c.address == w)
        elif option == b"skipme":
            skipme = value.lower() != b"no"
        else:
            raise ReplyError("ERR syntax error")
    for other in list(server.clients.values()):
        if skipme and other is session:
            continue
        if all(f(other) for f in filters):
            _kill(other)
            killed += 1
    return killed


def _kill(other):
    if other.connection is not None:
        other.closing = True
        other.connection.transport.loseConnection()


@command("client|no-evict", 3, "admin noscript loading stale")
def client_no_evict(session, argv):
    if argv[2].lower() not in (b"on", b"off"):
        raise ReplyError("ERR syntax error")
    return OK


@command("client|reply", 3, "noscript loading stale")
def client_reply(session, argv):
    if argv[2].lower() != b"on":
        raise ReplyError("ERR syntax error")
    return OK


@command("client|help", 2, "loading stale")
def client_help(session, argv):
    return [
        Status(line)
        for line in (
            b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            b"ID",
            b"    Return the ID of the current connection.",
            b"INFO",
            b"    Return information about the current client connection.",
            b"LIST [TYPE <type>] [ID <id> [...]]",
            b"    Return information about client connections.",
            b"GETNAME",
            b"    Return the name of the current connection.",
            b"SETNAME <name>",
            b"    Assign the name <name> to the current connection.",
            b"KILL <ip:port> | ID <id> | ADDR <ip:port> [SKIPME yes|no]",
            b"    Kill connections.",
            b"HELP",
            b"    Print this help.",
        )
    ]
