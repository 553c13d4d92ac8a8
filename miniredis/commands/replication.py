"""
The commands a replica sends its master: REPLCONF, PSYNC and SYNC. They
only hand over to L{miniredis.replication.master}, which does the work.
"""

from miniredis.commands import command
from miniredis.commands.parsing import parse_int
from miniredis.commands.spec import Arg, Block, OneOf, Token
from miniredis.logging import logger
from miniredis.replication.failover import NO_FAILOVER
from miniredis.replication.master import Announce
from miniredis.resp import OK, Replies, ReplyError, Status

log = logger("miniredis.replication")
_NO_REPLY = Replies()
_HOST_MAX = 46  # Redis's NET_HOST_STR_LEN: an IPv6 address and its end


@command(
    "replconf",
    -1,
    "admin noscript loading stale allow_busy",
    group="server",
    since="3.0.0",
    doc_flags="syscmd",
)
def replconf(session, argv):
    """Let a replica tell its master about itself and acknowledge the stream."""
    if len(argv) % 2 == 0:
        raise ReplyError("ERR syntax error")
    announce = session.replica_announce or Announce()
    for i in range(1, len(argv), 2):
        option, value = argv[i].lower(), argv[i + 1]
        if option == b"listening-port":
            announce.port = parse_int(value)
        elif option == b"ip-address":
            if len(value) >= _HOST_MAX:
                raise ReplyError(
                    "ERR REPLCONF ip-address provided by replica instance is too "
                    "long: %d bytes" % (len(value),)
                )
            announce.ip = value.decode("utf-8", "replace")
        elif option == b"capa":
            announce.capa.add(value.lower().decode("utf-8", "replace"))
        elif option == b"ack":
            try:
                offset = int(value)
            except ValueError:
                return _NO_REPLY
            session.server.replication.ack(session, offset)
            return _NO_REPLY
        elif option == b"getack":
            return _NO_REPLY  # only a replica answers it, and this is a master
        elif option == b"rdb-only":
            if value not in (b"0", b"1"):
                raise ReplyError("ERR value is not an integer or out of range")
            announce.rdb_only = value == b"1"
        else:
            raise ReplyError(
                "ERR Unrecognized REPLCONF option: %s"
                % (argv[i].decode("utf-8", "replace"),)
            )
    session.replica_announce = announce
    return OK


def _start(session):
    if session.connection is None:
        raise ReplyError("ERR Replication is only possible for a connected client")
    if session.replica is not None:
        return False
    return True


@command(
    "psync",
    -3,
    "admin noscript no_async_loading no_multi",
    group="server",
    since="2.8.0",
    args=[Arg("replicationid"), Arg("offset", "integer")],
)
def psync(session, argv):
    """Ask for the replication stream from an offset, or a full copy first."""
    if not _start(session):
        return _NO_REPLY
    try:
        offset = int(argv[2])
    except ValueError:
        offset = None
    replid = argv[1].decode("utf-8", "replace")
    server = session.server
    if len(argv) > 3 and argv[3].lower() == b"failover":
        # Our master hands us its role and follows us from now on.
        if not server.upstream.active:
            raise ReplyError("ERR PSYNC FAILOVER can't be sent to a master.")
        if replid != server.replication.replid:
            raise ReplyError("ERR PSYNC FAILOVER replid must match my replid.")
        server.upstream.stop()
        log.info("Failover request received for replid {replid}.", replid=replid)
    if server.failover.state != NO_FAILOVER:
        session.connection.send_raw(b"-NOMASTERLINK Can't SYNC while failing over\r\n")
        return _NO_REPLY
    server.replication.psync(session, replid, offset)
    return _NO_REPLY


@command(
    "sync", 1, "admin noscript no_async_loading no_multi", group="server", since="1.0.0"
)
def sync(session, argv):
    """Ask for a full copy of the data, then the replication stream (old form)."""
    if _start(session):
        session.server.replication.full_sync(session, psync=False)
    return _NO_REPLY


def _replicaof(session, argv):
    upstream = session.server.upstream
    if argv[1].lower() == b"no" and argv[2].lower() == b"one":
        upstream.stop()
        return OK
    if session.replica is not None:
        raise ReplyError("ERR Command is not valid when client is a replica.")
    port = parse_int(argv[2], "ERR Invalid master port")
    if not 0 <= port <= 65535:
        raise ReplyError("ERR Invalid master port")
    host = argv[1].decode("utf-8", "replace")
    if upstream.active and (upstream.host, upstream.port) == (host, port):
        return Status(b"OK Already connected to specified master")
    upstream.follow(host, port)
    return OK


@command(
    "replicaof",
    3,
    "admin noscript stale no_async_loading",
    group="server",
    since="5.0.0",
    args=[
        OneOf(
            "args",
            Block("host-port", Arg("host"), Arg("port", "integer")),
            Block("no-one", Token("NO"), Token("ONE")),
        )
    ],
)
def replicaof(session, argv):
    """Follow another server as its replica, or with NO ONE be a master again."""
    return _replicaof(session, argv)


@command(
    "slaveof",
    3,
    "admin noscript stale no_async_loading",
    group="server",
    since="1.0.0",
    args=[
        OneOf(
            "args",
            Block("host-port", Arg("host"), Arg("port", "integer")),
            Block("no-one", Token("NO"), Token("ONE")),
        )
    ],
    doc_flags="deprecated",
    deprecated_since="5.0.0",
    replaced_by="`REPLICAOF`",
)
def slaveof(session, argv):
    """Follow another server, or be a master again: REPLICAOF under its old name."""
    return _replicaof(session, argv)


def _failover_options(argv):
    """@return: C{(target, timeout in ms, force)} of a FAILOVER request."""
    target, timeout, force = None, 0, False
    i = 1
    while i < len(argv):
        option = argv[i].lower()
        if option == b"timeout" and i + 1 < len(argv) and not timeout:
            timeout = parse_int(argv[i + 1])
            if timeout <= 0:
                raise ReplyError("ERR FAILOVER timeout must be greater than 0")
            i += 2
        elif option == b"to" and i + 2 < len(argv) and target is None:
            port = parse_int(argv[i + 2])
            target = (argv[i + 1].decode("utf-8", "replace"), port)
            i += 3
        elif option == b"force" and not force:
            force = True
            i += 1
        else:
            raise ReplyError("ERR syntax error")
    return target, timeout, force


@command(
    "failover",
    -1,
    "admin noscript stale",
    group="server",
    since="6.2.0",
    args=[
        Block(
            "target",
            Arg("host"),
            Arg("port", "integer"),
            Token("FORCE", flags="optional"),
            token="TO",
            flags="optional",
        ),
        Token("ABORT", flags="optional"),
        Arg("milliseconds", "integer", token="TIMEOUT", flags="optional"),
    ],
)
def failover(session, argv):
    """Hand this master's role to one of its replicas, then follow it."""
    server = session.server
    if len(argv) == 2 and argv[1].lower() == b"abort":
        if server.failover.state == NO_FAILOVER:
            raise ReplyError("ERR No failover in progress.")
        server.failover.abort("Failover manually aborted")
        return OK
    target, timeout, force = _failover_options(argv)
    if server.failover.state != NO_FAILOVER:
        raise ReplyError("ERR FAILOVER already in progress.")
    if server.upstream.active:
        raise ReplyError("ERR FAILOVER is not valid when server is a replica.")
    if not server.replication.replicas:
        raise ReplyError("ERR FAILOVER requires connected replicas.")
    if force and not (timeout and target):
        raise ReplyError(
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP."
        )
    if target is not None:
        link = server.failover.find(*target)
        if link is None:
            raise ReplyError("ERR FAILOVER target HOST and PORT is not a replica.")
        if link.state != "online":
            raise ReplyError("ERR FAILOVER target replica is not online.")
    server.failover.start(target, timeout, force)
    return OK
