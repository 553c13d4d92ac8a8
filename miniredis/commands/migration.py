"""
MIGRATE: move keys to another server. The transfer itself is
L{miniredis.migration}'s; the client waits for it while others are served.
"""

from miniredis.commands import BLOCKED, command
from miniredis.commands.parsing import SYNTAX, parse_int
from miniredis.commands.spec import (
    Arg,
    Block,
    Index,
    KeySpec,
    Keyword,
    OneOf,
    Range,
    Token,
)
from miniredis.persistence.rdb import dump_payload
from miniredis.resp import OK, ReplyError, Status


def _options(argv):
    """@return: C{(copy, replace, auth argv or None, keys)}."""
    copy = replace = False
    auth = None
    keys = [argv[3]]
    j = 6
    while j < len(argv):
        option = argv[j].lower()
        more = len(argv) - 1 - j
        if option == b"copy":
            copy = True
        elif option == b"replace":
            replace = True
        elif option == b"auth":
            if not more:
                raise ReplyError(SYNTAX)
            auth = [b"AUTH", argv[j + 1]]
            j += 1
        elif option == b"auth2":
            if more < 2:
                raise ReplyError(SYNTAX)
            auth = [b"AUTH", argv[j + 1], argv[j + 2]]
            j += 2
        elif option == b"keys":
            if argv[3]:
                raise ReplyError(
                    "ERR When using MIGRATE KEYS option, the key argument must be "
                    "set to the empty string"
                )
            keys = argv[j + 1 :]
            break
        else:
            raise ReplyError(SYNTAX)
        j += 1
    return copy, replace, auth, keys


@command(
    "migrate",
    -6,
    "write",
    group="generic",
    since="2.6.0",
    acl="keyspace dangerous",
    keys=[
        KeySpec("RW access delete", Index(3), Range(0)),
        KeySpec("RW access delete incomplete", Keyword("KEYS", -2), Range(-1)),
    ],
    args=[
        Arg("host"),
        Arg("port", "integer"),
        OneOf(
            "key_or_empty_string",
            Arg("key", "key", key_spec=0),
            Arg("empty_string", "pure-token", token=""),
        ),
        Arg("destination-db", "integer"),
        Arg("timeout", "integer"),
        Token("COPY", flags="optional", since="3.0.0"),
        Token("REPLACE", flags="optional", since="3.0.0"),
        OneOf(
            "authentication",
            Arg("password", token="AUTH", flags="optional", since="4.0.7"),
            Block(
                "username_password",
                Arg("username"),
                Arg("password"),
                token="AUTH2",
                flags="optional",
                since="6.0.0",
            ),
            flags="optional",
        ),
        Arg(
            "key",
            "key",
            token="KEYS",
            flags="optional multiple",
            since="3.0.6",
            key_spec=1,
        ),
    ],
    tips="nondeterministic_output",
)
def migrate(session, argv):
    """Move keys to another server (or copy them there), with their time to live."""
    copy, replace, auth, keys = _options(argv)
    timeout = parse_int(argv[5])
    target_db = parse_int(argv[4])
    if timeout <= 0:
        timeout = 1000
    port = parse_int(argv[2])
    db = session.db
    now = db.store.now_ms()
    moving = []
    restores = []
    for key in keys:
        value = db.lookup(key)
        if value is None:
            continue
        ttl = 0
        deadline = db.expires.deadlines.get(key)
        if deadline is not None:
            ttl = max(deadline - now, 1)
        moving.append((key, value))
        restore = [b"RESTORE", key, b"%d" % ttl, dump_payload(value)]
        restores.append(restore + [b"REPLACE"] if replace else restore)
    if not moving:
        return Status(b"NOKEY")
    if session.deny_blocking:
        raise ReplyError(
            "ERR MIGRATE cannot run inside MULTI or a script in miniredis: "
            "it does not block the server while the target answers"
        )
    server = session.server
    server.waits.block(session, (), 0, _no_key_serves, ReplyError(READ_TIMEOUT))
    wait = session.blocked

    def done(skip, outcome):
        reply = _finish(session, db, moving, skip, outcome, copy)
        if session.blocked is wait:
            server.waits.cancel(session)
            session.resume(reply)

    host = argv[1].decode("utf-8", "replace")
    server.migrations.run(host, port, auth, target_db, restores, timeout / 1000.0, done)
    return BLOCKED


READ_TIMEOUT = "IOERR error or timeout reading to target instance"


def _finish(session, db, moving, skip, outcome, copy):
    """
    Delete what the target took (unless COPY) and @return: MIGRATE's reply.

    @param skip: how many replies come before the RESTOREs' (AUTH, SELECT).
    """
    if isinstance(outcome, ReplyError):
        return outcome
    for reply in outcome[:skip]:
        if isinstance(reply, ReplyError):
            return ReplyError(
                "ERR Target instance replied with error: " + reply.message
            )
    error = None
    moved = []
    for (key, value), reply in zip(moving, outcome[skip:]):
        if isinstance(reply, ReplyError):
            if error is None:
                error = ReplyError(
                    "ERR Target instance replied with error: " + reply.message
                )
        elif not copy and db.data.get(key) is value:  # unchanged meanwhile
            db.delete(key)
            moved.append(key)
    server = session.server
    if moved and server.propagate is not None:
        server.propagate(db.index, [[b"DEL"] + moved])
    return error or OK


def _no_key_serves(key):
    return None
