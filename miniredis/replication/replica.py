"""
The replica side of replication: miniredis following a Redis (or miniredis)
master, in Redis 7.0's protocol.

L{Upstream} keeps the link to the master: it connects, runs the handshake
(PING, AUTH with C{masteruser}/C{masterauth}, REPLCONF, PSYNC), loads the
snapshot of a full resynchronisation, then applies the master's stream as
the master's own client would and acknowledges it (C{REPLCONF ACK}) every
second. A lost link is made again a second later and asks to continue
where it stopped. Usage::

    factory.upstream.follow("127.0.0.1", 6379)   # REPLICAOF 127.0.0.1 6379
    factory.upstream.stop()                      # REPLICAOF NO ONE
"""

from twisted.internet import protocol, task
from twisted.logger import Logger

from miniredis.commands import begin, dispatch
from miniredis.persistence import aof, rdb
from miniredis.replication.failover import IN_PROGRESS
from miniredis.resp import ReplyError, encode_command
from miniredis.session import Session
from miniredis.tls import TLSError

log = Logger(namespace="miniredis.replication")

RECONNECT_DELAY = 1.0


class MasterConnection(protocol.Protocol):
    """
    The connection to the master: the handshake, the snapshot, the stream.

    @ivar state: C{handshake}, C{transfer} (the snapshot), then C{stream}.
    """

    def __init__(self, upstream, generation):
        self.upstream = upstream
        self.generation = generation
        self.state = "handshake"
        self.local_address = ""
        self._buffer = bytearray()
        self._steps = []
        self._bulk = None
        self._image = None
        self._full = None

    def connectionMade(self):
        upstream = self.upstream
        upstream.connection = self
        host = self.transport.getHost()
        self.local_address = "%s:%s" % (host.host, host.port)
        config = upstream.config
        steps = [([b"PING"], self._pong)]
        if config["masterauth"]:
            auth = [b"AUTH", config["masterauth"].encode()]
            if config["masteruser"]:
                auth.insert(1, config["masteruser"].encode())
            steps.append((auth, self._authenticated))
        steps += [
            (
                [b"REPLCONF", b"listening-port", b"%d" % _listening_port(config)],
                _whatever,
            ),
            ([b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"], _whatever),
            (upstream.psync_request(), self._psync_reply),
        ]
        self._steps = steps
        upstream.link_state = "handshake"
        self._next_step()

    def _next_step(self):
        argv = self._steps[0][0]
        self.transport.write(encode_command(argv))

    def send(self, *argv):
        self.transport.write(encode_command(list(argv)))

    def buffers(self):
        """
        @return: C{(query, output)} as L{miniredis.protocol.RedisServerProtocol.buffers}
            says: the master's bytes not yet applied; what we send goes out at once.
        """
        return len(self._buffer), 0

    def dataReceived(self, data):
        self.upstream.last_io = self.upstream.clock.seconds()
        self._buffer += data
        try:
            while self._buffer and self.state != "closed" and self._advance():
                pass
        except (_Broken, rdb.RDBError, ValueError, IndexError) as e:
            log.warn("replication link to the master broken: {why}", why=str(e))
            self.transport.loseConnection()
            self._buffer = bytearray()

    def _advance(self):
        """Handle what the buffer holds for the current state; @return: whether to go on."""
        if self.state == "handshake":
            line = self._line()
            if line is None:
                return False
            handler = self._steps.pop(0)[1]
            handler(line)
            if self._steps:
                self._next_step()
            return self.state != "handshake" or bool(self._steps)
        if self.state == "transfer":
            return self._transfer()
        return self._stream()

    def _line(self):
        """@return: the next reply line (past the master's keepalive newlines)."""
        while self._buffer[:1] == b"\n":
            del self._buffer[:1]
        end = self._buffer.find(b"\r\n")
        if end < 0:
            return None
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 2]
        return line

    # -- the handshake

    def _pong(self, line):
        if line[:1] == b"-" and not line.startswith(
            (b"-NOAUTH", b"-NOPERM", b"-ERR operation not permitted")
        ):
            raise _Broken("Error reply to PING from master: %r" % (line,))

    def _authenticated(self, line):
        if line[:1] == b"-":
            raise _Broken(
                "Unable to AUTH to MASTER: %s" % (line[1:].decode("utf-8", "replace"),)
            )

    def _psync_reply(self, line):
        upstream = self.upstream
        if line.startswith(b"+FULLRESYNC"):
            parts = line.split()
            self._full = (parts[1].decode(), int(parts[2]))
            log.info(
                "Full resync from master: {replid}:{offset}",
                replid=self._full[0],
                offset=self._full[1],
            )
            self.state = "transfer"
            upstream.link_state = "sync"
            upstream.factory.failover.accepted()
        elif line.startswith(b"+CONTINUE"):
            parts = line.split()
            if len(parts) > 1:
                upstream.master.shift_id(parts[1].decode())
            log.info("Successful partial resynchronization with master.")
            self.state = "stream"
            upstream.connected(self)
            upstream.factory.failover.accepted()
        elif upstream.factory.failover.state == IN_PROGRESS:
            upstream.factory.failover.abort("Failover target rejected psync request")
        else:
            raise _Broken("Unexpected reply to PSYNC from master: %r" % (line,))

    # -- the snapshot

    def _transfer(self):
        buffer = self._buffer
        if self._bulk is None:
            line = self._line()
            if line is None:
                return False
            if line.startswith(b"$EOF:"):
                self._bulk = ("eof", line[5:])
            elif line.startswith(b"$"):
                self._bulk = ("size", int(line[1:]))
            else:
                raise _Broken("Bad protocol from MASTER: %r" % (line[:64],))
            self._image = bytearray()
            return True
        kind, arg = self._bulk
        image = self._image
        if kind == "size":
            take = arg - len(image)
            image += buffer[:take]
            del buffer[:take]
            if len(image) < arg:
                return False
            data = bytes(image)
        else:
            image += buffer
            del buffer[:]
            if not image.endswith(arg):
                return False
            data = bytes(image[: -len(arg)])
        self._bulk = self._image = None
        self.upstream.load(data, *self._full)
        self.state = "stream"
        self.upstream.connected(self)
        return True

    # -- the stream

    def _stream(self):
        buffer = self._buffer
        data = bytes(buffer)
        scan = aof.Scan(data)
        upstream = self.upstream
        for start, end, argv in scan:
            upstream.apply(argv, data[start:end])
            if self.state != "stream":  # the link was dropped meanwhile
                return False
        if scan.error is not None:
            raise _Broken("Bad protocol in the master's stream: %s" % (scan.error,))
        del buffer[: scan.end]
        return False

    def connectionLost(self, reason):
        self.state = "closed"
        self.upstream.lost(self.generation)


def _listening_port(config):
    """@return: the port a master is told: the TLS one with C{tls-replication}."""
    return config["tls-port"] if config["tls-replication"] else config["port"]


class _Broken(Exception):
    """The master said what a replica cannot go on with."""


def _whatever(line):
    """REPLCONF's answers: an old master may not know them."""


class _Connector(protocol.ClientFactory):
    noisy = False

    def __init__(self, upstream, generation):
        self.upstream = upstream
        self.generation = generation

    def buildProtocol(self, addr):
        return MasterConnection(self.upstream, self.generation)

    def clientConnectionFailed(self, connector, reason):
        log.warn(
            "Error condition on socket for SYNC: {why}", why=reason.getErrorMessage()
        )
        self.upstream.lost(self.generation)


class Upstream:
    """
    This server's master, when it is a replica.

    @ivar host: the master's host, or None when this server is a master.
    @ivar port: the master's port.
    @ivar link_state: C{connect}, C{connecting}, C{handshake}, C{sync} or
        C{connected}, as ROLE shows it.
    @ivar connection: the L{MasterConnection}, once the connection is made.
    @ivar session: the session the master's stream runs in.
    @ivar last_io: when the master last sent something.
    @ivar down_since: when the link went down.
    @ivar restored_db: the database the master's stream had selected, as
        an RDB file or the last link left it: the next link starts there.
    """

    def __init__(self, factory):
        self.factory = factory
        self.config = factory.config
        self.clock = factory.clock
        self.master = factory.replication
        self.host = None
        self.port = None
        self.link_state = "connect"
        self.connection = None
        self._connector = None
        self.session = None
        self.last_io = 0
        self.down_since = self.clock.seconds()
        self.restored_db = 0
        self._generation = 0
        self._acks = task.LoopingCall(self._tick)
        self._acks.clock = self.clock

    @property
    def active(self):
        """Whether this server is a replica."""
        return self.host is not None

    def follow(self, host, port):
        """REPLICAOF host port: drop any link, then follow this master."""
        self._drop()
        self.host, self.port = host, port
        self.config["replicaof"] = "%s %d" % (host, port)
        self.master.become_replica()
        self.factory.expiry.stop()  # the master says when keys go
        self.factory.store.replica = True
        self.factory.replica_changed()
        if not self._acks.running:
            self._acks.start(1, now=False)
        log.info("Connecting to MASTER {host}:{port}", host=host, port=port)
        self._connect()

    def stop(self):
        """REPLICAOF NO ONE: this server is a master again."""
        if not self.active:
            return
        self._drop()
        self.host = self.port = None
        self.config["replicaof"] = ""
        if self._acks.running:
            self._acks.stop()
        self.master.promote()
        self.factory.store.replica = False
        self.factory.expiry.start()
        self.factory.replica_changed()
        log.info("MASTER MODE enabled")

    def _drop(self):
        """Forget the link: whatever becomes of it is no longer heard."""
        self._generation += 1
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.state = "closed"
            connection.transport.loseConnection()
        connector, self._connector = self._connector, None
        if connector is not None:
            connector.disconnect()
        self._forget_session()
        self.link_state = "connect"

    def _connect(self):
        """Connect to the master: over TLS with C{tls-replication}."""
        self.link_state = "connecting"
        connector = _Connector(self, self._generation)
        timeout = self.config["repl-timeout"]
        if not self.config["tls-replication"]:
            self._connector = self.clock.connectTCP(
                self.host, self.port, connector, timeout=timeout
            )
            return
        try:
            self.factory.tls.contexts()
        except TLSError as e:
            log.warn("Unable to connect to MASTER: {why}", why=str(e))
            self.lost(self._generation)
            return
        self._connector = self.clock.connectSSL(
            self.host, self.port, connector, self.factory.tls.client, timeout=timeout
        )

    def psync_request(self):
        """@return: the PSYNC to send: from this server's own history if it has one."""
        master = self.master
        if master.backlog is None:
            return [b"PSYNC", b"?", b"-1"]
        request = [b"PSYNC", master.replid.encode(), b"%d" % (master.offset + 1)]
        if self.factory.failover.state == IN_PROGRESS:
            request.append(b"FAILOVER")  # the master is to hand us its role
        return request

    def load(self, data, replid, offset):
        """Replace the data with the master's snapshot."""
        store = self.factory.store
        with self.factory.writes.paused():
            store.flushall()
            result = rdb.load_rdb(data, store, now_ms=0)
        self.master.adopt(replid, offset)
        try:
            self.restored_db = int(result.aux.get(b"repl-stream-db", b"0"))
        except ValueError:
            self.restored_db = 0
        log.info(
            "MASTER <-> REPLICA sync: Finished with success ({size} bytes)",
            size=len(data),
        )
        self._rewrite_log()

    def _rewrite_log(self):
        """
        The append-only file does not hold the snapshot just loaded: write
        it anew from the data (after a rewrite in progress, if any).
        """
        persistence = getattr(self.factory, "persistence", None)
        if persistence is None or persistence.log is None:
            return
        try:
            persistence.start_rewrite()
        except ReplyError:
            self.clock.callLater(1, self._rewrite_log)

    def connected(self, connection):
        self.link_state = "connected"
        self.factory.replica_changed()
        self.last_io = self.clock.seconds()
        session = Session(self.factory, connection, "%s:%d" % (self.host, self.port))
        session.authenticated = True
        session.from_master = True
        session.deny_blocking = True
        session.select(self.restored_db)
        self.session = session
        self.factory.clients[session.id] = session
        self.send_ack()

    def _forget_session(self):
        session, self.session = self.session, None
        if session is not None:
            self.restored_db = session.db.index
            self.factory.forget(session)

    def stream_db(self):
        """@return: the database the master's stream has selected now."""
        if self.session is not None:
            return self.session.db.index
        return self.restored_db

    def apply(self, argv, raw):
        """Run one command of the master's stream; it goes on to our replicas."""
        verb = argv[0].lower() if type(argv[0]) is bytes else b""
        if verb == b"replconf" and len(argv) > 1 and argv[1].lower() == b"getack":
            self.send_ack()
        else:
            store = self.factory.store
            store.applying_master = True
            try:
                begin()
                dispatch(self.session, argv)
            finally:
                store.applying_master = False
        self.master.feed(raw)

    def send_ack(self):
        if self.link_state == "connected":
            self.connection.send(b"REPLCONF", b"ACK", b"%d" % self.master.offset)

    def lost(self, generation):
        """The link went down (or could not be made): try again soon."""
        if generation != self._generation:
            return
        self._generation += 1
        self.connection = self._connector = None
        self._forget_session()
        self.link_state = "connect"
        self.factory.replica_changed()
        self.down_since = self.clock.seconds()
        log.info("Connection with master lost.")
        self.clock.callLater(RECONNECT_DELAY, self._retry, self._generation)

    def _retry(self, generation):
        if self.active and generation == self._generation:
            self._connect()

    def _tick(self):
        if self.link_state != "connected":
            return
        if self.clock.seconds() - self.last_io > self.config["repl-timeout"]:
            log.warn("MASTER timeout: no data nor PING received...")
            self.connection.transport.loseConnection()
            return
        self.send_ack()

    # -- reports

    def role(self):
        offset = self.master.offset if self.link_state == "connected" else -1
        return [
            b"slave",
            self.host.encode(),
            self.port,
            self.link_state.encode(),
            offset,
        ]

    def info(self):
        """@return: INFO replication's fields that describe the link."""
        now = self.clock.seconds()
        up = self.link_state == "connected"
        fields = [
            ("role", "slave"),
            ("master_host", self.host),
            ("master_port", self.port),
            ("master_link_status", "up" if up else "down"),
            ("master_last_io_seconds_ago", int(now - self.last_io) if up else -1),
            ("master_sync_in_progress", int(self.link_state == "sync")),
            ("slave_read_repl_offset", self.master.offset),
            ("slave_repl_offset", self.master.offset),
        ]
        if not up:
            fields.append(
                ("master_link_down_since_seconds", int(now - self.down_since))
            )
        fields += [
            ("slave_priority", self.config["replica-priority"]),
            ("slave_read_only", int(self.config["replica-read-only"])),
            ("replica_announced", 1),
        ]
        return fields
