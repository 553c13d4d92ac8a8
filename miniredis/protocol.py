"""
The server side of a connection and the Factory that holds the server.

Usage (embedding miniredis in a Twisted application)::

    from twisted.internet import endpoints, reactor
    from miniredis import MiniRedisFactory

    factory = MiniRedisFactory(databases=4)
    endpoints.serverFromString(reactor, "tcp:6380:interface=127.0.0.1").listen(factory)
    factory.store.db(0).set(b"greeting", b"hello")
"""

import socket
import time
from collections import deque

from twisted.internet import task, tcp
from twisted.internet.interfaces import ITCPTransport
from twisted.internet.protocol import Protocol, ServerFactory

from miniredis import commands, commandstats, monitor
from miniredis.acl import Users
from miniredis.commands import begin, dispatch, serve
from miniredis.config import Config
from miniredis.encodings import Conversions
from miniredis.eviction import MemoryLimit
from miniredis.expiry import ActiveExpiry
from miniredis.latency import LatencyMonitor
from miniredis.logging import logger
from miniredis.migration import Targets
from miniredis.notifications import Notifications
from miniredis.outputlimit import (
    OutputLimit,
    RecentMaximum,
    client_class,
    queued,
    queued_pieces,
)
from miniredis.pause import Pause
from miniredis.propagation import WriteStream
from miniredis.pubsub import PubSub
from miniredis.replication.failover import Failover
from miniredis.replication.master import Master
from miniredis.replication.replica import Upstream
from miniredis.resp import (
    Decoder,
    ReplyError,
    encode,
    encode_into,
    request_decoder,
)
from miniredis.scan import Cursors
from miniredis.session import Session
from miniredis.slowlog import SlowLog
from miniredis.store import Store
from miniredis.tls import TLS
from miniredis.tracking import Tracking
from miniredis.waits import Waits
from miniredis.watch import unwatch_all

log = logger("miniredis.protocol")

# What protected mode tells a client from elsewhere, as Redis 7.0 words it.
_DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled "
    b"and no password is set for the default user. In this mode connections are "
    b"only accepted from the loopback interface. If you want to connect from "
    b"external computers to Redis you may adopt one of the following solutions: "
    b"1) Just disable protected mode sending the command 'CONFIG SET protected-mode "
    b"no' from the loopback interface by connecting to Redis from the same host the "
    b"server is running, however MAKE SURE Redis is not publicly accessible from "
    b"internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    b"Alternatively you can just disable the protected mode by editing the Redis "
    b"configuration file, and setting the protected mode option to 'no', and then "
    b"restarting the server. 3) If you started the server manually just for "
    b"testing, restart it with the '--protected-mode no' option. 4) Setup a an "
    b"authentication password for the default user. NOTE: You only need to do one "
    b"of the above things in order for the server to start accepting connections "
    b"from the outside.\r\n"
)


def _keepalive(transport, seconds):
    """
    Probe an idle TCP connection every C{seconds} (C{tcp-keepalive}), as
    Redis does: after C{seconds} of silence, then every third of that, and
    give up after three unanswered probes.
    """
    if not seconds:
        return
    sock = None
    while transport is not None and sock is None:  # TLS wraps the TCP transport
        found = getattr(transport, "socket", None)
        sock = found if isinstance(found, socket.socket) else None
        transport = getattr(transport, "transport", None)
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # a Unix socket: nothing to probe
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    if not hasattr(socket, "TCP_KEEPIDLE"):
        return
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, seconds)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(seconds // 3, 1))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)


def _protected(factory):
    """Whether protected mode is on: asked for, and the default user has no password."""
    return factory.config["protected-mode"] and factory.acl.default.nopass


class RedisServerProtocol(Protocol):
    """
    One client connection: decode requests, run them in order, and hand
    their replies to the factory's L{Outbox}, which sends all that one turn
    of the reactor produced for this client with one write.

    @ivar session: the client's L{Session}.
    @ivar _unsent_size: the bytes in C{_unsent}.
    @ivar _handed: the bytes handed to the transport so far.
    @ivar _uncounted: the C{(start, end)} offsets, in all the bytes sent,
        of output the limits do not count (L{send_uncounted}), or None.
    @ivar _guarded: the client has not authenticated yet: its requests are
        decoded under the limits Redis sets for that (L{_until_authenticated}).
    @ivar _dropped: L{drop} closed the connection: no more replies go out.
    """

    session = None
    _guarded = False
    _dropped = False

    def __init__(self):
        self._decoder = None
        self._backlog = None
        self._out = None
        self._unsent = []
        self._unsent_size = 0
        self._handed = 0
        self._uncounted = None
        self._limit = OutputLimit()
        self.local_address = ""

    def connectionMade(self):
        factory = self.factory
        if len(factory.clients) >= factory.config["maxclients"]:
            factory.stats.rejected_connections += 1
            self.transport.write(b"-ERR max number of clients reached\r\n")
            self.transport.loseConnection()
            return
        if ITCPTransport.providedBy(self.transport):
            self.transport.setTcpNoDelay(True)
            _keepalive(self.transport, factory.config["tcp-keepalive"])
        self.session = Session(factory, self, _address(self.transport.getPeer()))
        if _protected(factory) and not self.session.is_local():
            self.transport.write(_DENIED)
            self.transport.loseConnection()
            self.session = None
            return
        self._guarded = not self.session.authenticated
        if self._guarded:
            self._decoder = Decoder(unauthenticated=True)
        else:
            self._decoder = request_decoder(factory.config["proto-max-bulk-len"])
        self.local_address = _address(self.transport.getHost())
        factory.clients[self.session.id] = self.session
        factory.stats.connections_received += 1
        log.debug(
            "Accepted {client}",
            client=self.session.address,
            verbose=True,
            event="connect",
        )

    def dataReceived(self, data):
        session = self.session
        if session is None or session.closing:
            return
        self.factory.stats.net_input_bytes += len(data)
        decoder = self._decoder
        decoder.feed(data)
        if self._guarded:
            decoder = self._until_authenticated()
        requests = decoder.requests()
        unparsed = decoder.pending()
        if unparsed:
            self.factory.stats.recent_input.note(unparsed, self.factory.clock.seconds())
        if unparsed and unparsed > self.factory.config["client-query-buffer-limit"]:
            log.info(
                "closing client {client} that reached max query buffer length",
                client=session.address,
            )
            session.closing = True
            self.transport.loseConnection()
            return
        if self._backlog is not None:
            self._backlog.extend(requests)
        else:
            self._run(requests)
        if decoder.error is not None and self._backlog is None:
            self._protocol_error(decoder.error)

    def _until_authenticated(self):
        """
        Run a client's requests one at a time, under Redis's limits for
        clients that have not authenticated (10 arguments of 16 KB), until
        one authenticates it; then go on with the full decoder.

        @return: the decoder for what is left.
        """
        session, decoder = self.session, self._decoder
        while not session.authenticated and not session.closing:
            one = decoder.requests(1)
            if not one:
                return decoder
            self._run(one)
        if session.authenticated:
            self._guarded = False
            rest = decoder.rest()
            decoder = self._decoder = request_decoder(
                self.factory.config["proto-max-bulk-len"]
            )
            decoder.feed(rest)
        return decoder

    def _run(self, requests):
        session = self.session
        out = self._out = []
        session.last_interaction = time.time()
        pending = iter(requests)
        if serve(session, pending, out):
            self._backlog = deque(pending)
        self._out = None
        self._deliver(out, session.closing)

    def _deliver(self, out, closing):
        """Send C{out}, once its writes are on disk where that is asked for."""
        if self.factory.durable is not None:
            self.factory.durable(self._send, out, closing)
        else:
            self._send(out, closing)

    def _send(self, out, closing):
        """
        Hand the replies in C{out} to the factory's L{Outbox}, or send them
        at once when the poll found nothing else ready (L{Outbox.alone});
        when the client is closing, send all it holds now and close.
        """
        if self._dropped:
            return
        if out:
            payload = b"".join(out)
            self.factory.stats.net_output_bytes += len(payload)
            now = self.factory.outbox.alone() and not closing
            if not self._unsent and not now:
                self.factory.outbox.add(self)
            self._unsent.append(payload)
            self._unsent_size += len(payload)
            if self._unsent_size > _WATCHED and not closing:
                self.check_output()
            if now:
                self.flush()
        if closing:
            self.flush()
            self.transport.loseConnection()

    def flush(self):
        """Send the replies the L{Outbox} holds for this client."""
        if self._unsent:
            payload = b"".join(self._unsent)
            self._unsent = []
            self._unsent_size = 0
            transport = self.transport
            if transport is not None:
                self._handed += len(payload)
                if write_now(transport, payload) and queued(transport):
                    self.check_output()
                elif self._limit.soft_since is not None:
                    self.check_output()  # back under the soft limit

    def output_size(self):
        """
        @return: this client's pending output: the bytes waiting in the
            L{Outbox}, in its transport, and (a replica in sync) the stream
            held back for it, less any output sent uncounted.
        """
        held = queued(self.transport)
        size = held + self._unsent_size
        if self._uncounted is not None:
            start, end = self._uncounted
            delivered = self._handed - held
            if delivered >= end:
                self._uncounted = None
            else:
                size -= end - max(delivered, start)
        link = self.session.replica if self.session is not None else None
        if link is not None:
            size += link.held
        return size

    def output_pieces(self):
        """@return: how many pieces that pending output is in (C{oll})."""
        return len(self._unsent) + queued_pieces(self.transport)

    def check_output(self):
        """
        Drop the client if its pending output is over its class's
        C{client-output-buffer-limit}, as Redis does: at once, without
        sending what it holds.
        """
        session = self.session
        if session is None or session.closing:
            return
        factory = self.factory
        size = self.output_size()
        now = factory.clock.seconds()
        factory.stats.recent_output.note(size, now)
        limits = factory.config["client-output-buffer-limit"][client_class(session)]
        if not self._limit.exceeded(limits, size, now):
            return
        log.warn(
            "Client {client} scheduled to be closed ASAP for overcoming of "
            "output buffer limits.",
            client=session.describe(),
        )
        self.drop()

    def drop(self):
        """Close the connection at once, without sending what it holds."""
        self.session.closing = True
        self._dropped = True
        self._unsent = []
        self._unsent_size = 0
        abort = getattr(self.transport, "abortConnection", None)
        if abort is not None:
            abort()
        else:
            self.transport.loseConnection()

    def buffers(self):
        """
        @return: C{(query, output)}: the bytes received and not yet decoded
            into a request, and the pending output (L{output_size}).
        """
        return self._decoder.pending(), self.output_size()

    def send_reply(self, value):
        """
        Send C{value} after any replies being built for this read.

        Out of a read (a pub/sub message, the end of a blocking wait) the
        reply waits in the L{Outbox} like any other, so all that one turn
        of the reactor has for this client goes out in one syscall.
        """
        if self.session is None or self.transport is None or self.session.closing:
            return
        if self._out is not None:
            encode_into(value, self.session.proto, self._out)
        else:
            self._deliver([encode(value, self.session.proto)], False)

    def send_raw(self, data):
        """
        Send bytes that are not a reply (the replication stream) after
        what is already on its way, in the same order.
        """
        if self.session is None or self.transport is None or self.session.closing:
            return
        if self._out is not None:
            self._out.append(data)
        else:
            self._deliver([data], False)

    def send_uncounted(self, data):
        """
        Send bytes as L{send_raw} does, but outside what the output
        limits count: a snapshot for a replica, which Redis sends from its
        file rather than from the client's output buffer.
        """
        start = self._handed + self._unsent_size
        self._uncounted = (start, start + len(data))
        self.send_raw(data)

    def resume(self, reply):
        """Send the reply that ends a blocking wait, then run what queued up."""
        self.send_reply(reply)
        self.factory.clock.callLater(0, self._drain_backlog)

    def _drain_backlog(self):
        backlog, self._backlog = self._backlog, None
        if backlog and self.session is not None and not self.session.closing:
            self._run(list(backlog))
        if self._backlog is None and self._decoder.error is not None:
            self._protocol_error(self._decoder.error)

    def _protocol_error(self, error):
        log.info(
            "protocol error from {client}: {error}",
            client=self.session.address,
            error=error,
        )
        self.session.closing = True
        self._deliver(
            [encode(ReplyError("ERR Protocol error: %s" % (error,)), 2)], True
        )

    def connectionLost(self, reason):
        session = self.session
        if session is None:
            return
        log.debug(
            "Client {client} closed the connection",
            client=session.address,
            verbose=True,
            event="disconnect",
        )
        self.factory.forget(session)
        self.session = None


# Replies for one client in one turn up to this size are not measured
# against the output limits until they are sent (most never wait).
_WATCHED = 1 << 16


class Outbox:
    """
    Replies held until the reactor has handled every event of one poll,
    then sent, a write per client.

    Redis writes its replies the same way, just before it waits for events
    again. Sending each client's replies as soon as its read is handled
    wakes the waiting benchmark or client process once per connection;
    sending them together at the end of the turn lets the first write wake
    it and the others find it running, which on a loaded loopback halves
    the kernel's time per request.

    Work done in slices between turns (active expiry, an AOF rewrite)
    calls L{flush} before each slice, so that no reply waits for one.

    When the poll found one descriptor ready (on L{miniredis.reactor}'s
    reactor, which counts them), there is nothing to send together with:
    a client's replies then go at once, and a single client does not wait
    for the end of the turn.
    """

    def __init__(self, clock):
        self._clock = clock
        self._waiting = []
        self._call = None

    def alone(self):
        """Whether the last poll found only one descriptor ready."""
        return getattr(self._clock, "ready", 0) == 1

    def add(self, protocol):
        """Send C{protocol}'s unsent replies at the end of this reactor turn."""
        if not self._waiting:
            self._call = self._clock.callLater(0, self.flush)
        self._waiting.append(protocol)

    def flush(self):
        """Send every held reply now (before the end of the turn, if called)."""
        call, self._call = self._call, None
        if call is not None and call.active():
            call.cancel()
        waiting, self._waiting = self._waiting, []
        for protocol in waiting:
            protocol.flush()


def _dispatch_one(session, argv):
    """Run one request on its own (a postponed one), timed from now."""
    begin()
    return dispatch(session, argv)


def write_now(transport, data):
    """
    Write C{data} to C{transport}, sending it at once when nothing is queued.

    A plain C{transport.write} only queues the data and asks the reactor to
    watch the socket for writability: two C{epoll_ctl} calls and one more
    trip through the event loop per reply batch. On a TCP connection whose
    buffer is empty this sends straight away, and queues only what the
    kernel did not take (or everything, on any socket error, for Twisted to
    handle as usual).

    Whether the buffer is empty is read from Twisted's private attributes:
    the fast path is taken only if L{_fast_write_probe} found them as
    expected when this module was imported. (Sending with the transport's
    C{writeSomeData} instead of its socket's C{send} costs 0.45 us more per
    write, measured on CPython 3.11.)

    @return: whether some of C{data} went to C{transport.write} (and may
        wait there).
    """
    if (
        FAST_WRITE
        and type(transport) is tcp.Server
        and transport.connected
        and not transport.disconnecting
        and not transport._tempDataBuffer
        and not transport.dataBuffer
    ):
        try:
            sent = transport.socket.send(data)
        except OSError:
            sent = 0
        data = data[sent:]
    if data:
        transport.write(data)
        return True
    return False


class _ProbeSocket:
    """The socket and the reactor of L{_fast_write_probe}'s C{tcp.Server}."""

    def setblocking(self, flag):
        pass

    def fileno(self):
        return -1

    def addReader(self, reader):
        pass

    def addWriter(self, writer):
        pass


def _fast_write_probe():
    """
    Check on a C{tcp.Server} over a fake socket what L{write_now} relies on:
    its queue is C{_tempDataBuffer} (a list) and C{dataBuffer} (bytes), both
    empty at first; C{write} queues there; and its C{socket} is the socket
    it was given.

    @return: whether L{write_now} may send past C{transport.write}.
    """
    try:
        sock = _ProbeSocket()
        server = tcp.Server(sock, Protocol(), ("127.0.0.1", 0), None, 0, sock)
        if not (
            server.connected
            and not server.disconnecting
            and type(server._tempDataBuffer) is list
            and not server._tempDataBuffer
            and type(server.dataBuffer) is bytes
            and not server.dataBuffer
        ):
            return False
        if server.socket is not sock:
            return False
        server.write(b"later")
        return server._tempDataBuffer == [b"later"] and not server.dataBuffer
    except Exception:
        return False


FAST_WRITE = _fast_write_probe()


def _address(address):
    host = getattr(address, "host", None)
    if host is None:
        return getattr(address, "name", "") or ""
    if ":" in host:
        return "[%s]:%s" % (host, address.port)
    return "%s:%s" % (host, address.port)


class ServerStats:
    """
    Counters INFO reports.

    @ivar samples: the last C{(time, commands)} pairs, taken ten times a
        second, for C{instantaneous_ops_per_sec}.
    @ivar peak_memory: the highest memory use INFO has reported.
    @ivar recent_input: the largest partial request waiting lately
        (L{RecentMaximum}); C{recent_output}: the largest pending output.
    """

    def __init__(self):
        self.started = time.time()
        self.peak_memory = 0
        self.samples = deque(maxlen=16)
        self.reset()

    def reset(self):
        """Zero the counters (CONFIG RESETSTAT)."""
        self.connections_received = 0
        self.rejected_connections = 0
        self.net_input_bytes = 0
        self.net_output_bytes = 0
        self.recent_input = RecentMaximum()
        self.recent_output = RecentMaximum()
        self.samples.clear()

    @property
    def commands(self):
        """
        The commands run (C{total_commands_processed}): the sum of every
        command's calls (L{miniredis.commandstats}), counted per process.
        """
        return commandstats.total(commands.COMMANDS)

    def sample(self, now):
        self.samples.append((now, self.commands))

    def ops_per_sec(self):
        """@return: commands per second over the last samples."""
        if len(self.samples) < 2:
            return 0
        (start, first), (end, last) = self.samples[0], self.samples[-1]
        return int((last - first) / (end - start)) if end > start else 0


class MiniRedisFactory(ServerFactory):
    """
    A miniredis server: listen with it on any endpoint.

    @ivar config: the L{Config}.
    @ivar store: the L{Store} of databases.
    @ivar clock: the reactor (or a C{task.Clock} in tests) timers run on.
    @ivar clients: client id -> L{Session} of each connected client.
    @ivar acl: the L{Users} (ACL).
    @ivar waits: the clients blocked in BLPOP and friends (L{Waits}).
    @ivar cursors: the snapshots behind SCAN cursors (L{Cursors}).
    @ivar pubsub: the channel and pattern subscriptions (L{PubSub}).
    @ivar monitors: the sessions of the clients in MONITOR mode, in the
        order they asked (L{miniredis.monitor}).
    @ivar writes: the L{WriteStream}: whoever listens to the writes.
    @ivar propagate: None while nobody listens to the writes, else
        C{writes.emit}: a callable C{(db_index, argvs)} given every write.
    @ivar durable: None, or C{durable(action, *args)} which runs the action
        once every write logged so far is on disk (C{appendfsync always}):
        connections send their replies through it.
    @ivar slowlog: the L{SlowLog} (SLOWLOG).
    @ivar latency: the L{LatencyMonitor} (LATENCY).
    @ivar shutdown_hooks: callables run by SHUTDOWN before the process stops.
    @ivar outbox: the L{Outbox} replies wait in until the end of a reactor
        turn.
    @ivar memory: the L{MemoryLimit} (C{maxmemory}).
    @ivar busy: None, or the script running past C{busy-reply-threshold}
        (L{miniredis.scripting}): other clients then get C{-BUSY}.
    @ivar pause: the L{Pause} of CLIENT PAUSE.
    @ivar replication: the master side of replication (L{Master}).
    @ivar migrations: MIGRATE's connections to its targets (L{Targets}).
    @ivar upstream: the replica side: this server's master, if it has one
        (L{Upstream}).
    @ivar tls: the server's L{TLS}: its contexts, and the C{tls-port}
        listeners it opens once started as a service.
    @ivar readonly_replica: writes from clients are refused: this server is
        a replica and C{replica-read-only} is on.
    @ivar stale_replica: commands that need fresh data are refused: this
        server is a replica whose link is down, and
        C{replica-serve-stale-data} is off.
    @ivar noreplicas: writes are refused: fewer replicas than
        C{min-replicas-to-write} acknowledge in time.
    @ivar renamed: None, or the command table under the names
        C{rename-command} gave (L{commands.renamed_table}).
    @ivar by_name: the entries of the names clients sent, as they spelt
        them (L{commands.BY_NAME}, or this server's own when it renames).
    @ivar tracking: the keys clients may cache (CLIENT TRACKING,
        L{Tracking}).
    @ivar plain: whether commands may skip call()'s work (L{plain_changed}).
    @ivar restricted: whether the server now refuses or holds back some
        commands (over C{maxmemory}, busy, paused, too few replicas, a
        replica's limits): one flag for the hot path
        of dispatch.
    @ivar direct: C{plain} and not C{restricted}: whether L{commands.serve}
        may run a usual client's request itself.
    """

    protocol = RedisServerProtocol

    def __init__(self, config=None, store=None, clock=None, **overrides):
        """
        @param config: a L{Config}, or None to build one from C{overrides}
            (keyword names as in Redis's configuration, C{_} for C{-}).
        @param store: a L{Store} to serve; a new empty one by default.
        @param clock: the reactor to use; the global one by default.
        """
        if clock is None:
            from twisted.internet import reactor as clock
        commands.load_all()
        self.config = config if config is not None else Config(**overrides)
        self.renamed = (
            commands.renamed_table(self.config.renames) if self.config.renames else None
        )
        self.by_name = commands.BY_NAME if self.renamed is None else {}
        self.clock = clock
        self.store = (
            store
            if store is not None
            else Store(
                self.config["databases"], now_ms=lambda: int(clock.seconds() * 1000)
            )
        )
        self.clients = {}
        self.acl = Users(self.config)
        self.stats = ServerStats()
        self._busy = None
        self.restricted = False
        self.direct = True
        self.noreplicas = False
        self.memory = None
        self.pause = Pause(self, _dispatch_one)
        self.conversions = Conversions(self.config, self.store)
        self._sampler = task.LoopingCall(self._sample)
        self._ticks = 0
        self._sampler.clock = clock
        self.waits = Waits(self.store, clock)
        self.propagate = None
        self.monitors = []
        self.plain = True
        self.writes = WriteStream(self)
        self.durable = None
        self.shutdown_hooks = []
        self.slowlog = SlowLog(self.config, clock)
        self.latency = LatencyMonitor(self.config, clock)
        commandstats.watch(self, commands.set_floor)
        self.outbox = Outbox(clock)
        self.expiry = ActiveExpiry(
            self.store,
            clock,
            self.config["hz"],
            self.latency,
            before_slice=self.outbox.flush,
        )
        self.config.listeners.setdefault("hz", []).append(self.expiry.set_hz)
        self.cursors = Cursors()
        self.pubsub = PubSub()
        self.tracking = Tracking(self)
        notifications = Notifications(self.store, self.pubsub, self.plain_changed)
        self.store.notifications = notifications
        notifications.configure(self.config["notify-keyspace-events"])
        self.config.listeners.setdefault("notify-keyspace-events", []).append(
            notifications.configure
        )
        self.replication = Master(self)
        self.upstream = Upstream(self)
        self.failover = Failover(self)
        self.migrations = Targets(clock)
        self.readonly_replica = False
        self.stale_replica = False
        for name in ("replica-read-only", "replica-serve-stale-data"):
            self.config.listeners.setdefault(name, []).append(self.replica_changed)
        self.tls = TLS(self)
        self.memory = MemoryLimit(self, commands.find)
        self.memory.check()

    @property
    def busy(self):
        return self._busy

    @busy.setter
    def busy(self, run):
        self._busy = run
        self.restrictions_changed()

    def set_noreplicas(self, refused):
        """Refuse writes (too few good replicas) or stop refusing them."""
        self.noreplicas = refused
        self.restrictions_changed()

    def replica_changed(self, ignored=None):
        """
        This server became a replica or a master, its link went up or
        down, or a replica setting changed.
        """
        upstream, config = self.upstream, self.config
        self.readonly_replica = upstream.active and config["replica-read-only"]
        self.stale_replica = (
            upstream.active
            and upstream.link_state != "connected"
            and not config["replica-serve-stale-data"]
        )
        self.restrictions_changed()

    def plain_changed(self):
        """
        Read again whether commands may skip call()'s work: nobody
        monitors, takes keyspace events or tracks keys (L{commands.serve}).
        """
        self.plain = (
            not self.monitors and not self.store.events and not self.tracking.clients
        )
        self.direct = self.plain and not self.restricted

    def restrictions_changed(self):
        """Read again whether some commands are refused or held back now."""
        self.restricted = (
            (self.memory is not None and self.memory.over)
            or self._busy is not None
            or self.pause.mode is not None
            or self.noreplicas
            or self.readonly_replica
            or self.stale_replica
        )
        self.direct = self.plain and not self.restricted

    def _sample(self):
        self.stats.sample(self.clock.seconds())
        self.memory.sample()
        self._ticks += 1
        if self._ticks % 10 == 0:  # once a second
            self._close_idle()

    def _close_idle(self):
        """
        Close the clients idle for longer than C{timeout} seconds, as Redis
        does: not those blocked, subscribed (in RESP3 too) or monitoring.
        """
        limit = self.config["timeout"]
        if not limit:
            return
        now = time.time()
        for session in list(self.clients.values()):
            if (
                now - session.last_interaction > limit
                and session.blocked is None
                and not session.subscribed
                and not session.monitoring
                and session.replica is None
                and not session.from_master
                and session.connection is not None
            ):
                session.connection.transport.loseConnection()

    def startFactory(self):
        self.expiry.start()
        self._sampler.start(0.1)
        if self.config["replicaof"] and not self.upstream.active:
            host, port = self.config["replicaof"].split()
            self.upstream.follow(host, int(port))

    def stopFactory(self):
        self.expiry.stop()
        if self._sampler.running:
            self._sampler.stop()

    def forget(self, session):
        """
        A client went away: drop its waits, watches, subscriptions, monitor
        and tracking.
        """
        self.clients.pop(session.id, None)
        self.tracking.disable(session)
        self.waits.cancel(session)
        unwatch_all(session)
        self.pubsub.drop(session)
        monitor.stop(session)
        self.pause.forget(session)
        if session.replica is not None:
            self.replication.detach(session)
        session.connection = None

    def session(self):
        """
        @return: a L{Session} not tied to a connection, for in-process use
            (the ACL does not hold it back, as for Redis's own clients).
        """
        return Session(self)
