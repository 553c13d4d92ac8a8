"""
A miniredis server without sockets, on a fake clock, for unit tests.

Usage::

    server = Local()
    server.call("SET", "k", "v", "EX", 10)     # Status(b"OK")
    server.advance(10)
    server.call("GET", "k")                    # None
    server.logged                              # [(0, [b"SET", ...]), ...]
"""

from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from miniredis import MiniRedisFactory
from miniredis.resp import Decoder, ReplyError, encode_command

# Half a millisecond past a whole one: the fake clock keeps that offset as
# it advances by whole milliseconds, so its time in ms never rounds down a
# millisecond short whatever the float error.
EPOCH = 1700000000.0005

WRONGTYPE = ReplyError(
    "WRONGTYPE Operation against a key holding the wrong kind of value"
)


def loopback_transport():
    """
    A L{StringTransport} whose peer is on 127.0.0.1, as a local client's
    is (protected mode turns others away).
    """
    return StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 40000))


def receive(protocol, data):
    """
    Give C{protocol} one read, then end the reactor's turn: the replies the
    factory's outbox holds go out, as the reactor sends them after a poll.
    """
    protocol.dataReceived(data)
    protocol.factory.outbox.flush()


class Local:
    """
    A L{MiniRedisFactory} on a C{task.Clock}, its active expiry running,
    with one client connected through a C{StringTransport}.

    @ivar logged: C{(db index, argv)} of every write persistence is given.
    """

    def __init__(self, proto=2, **config):
        self.clock = task.Clock()
        self.clock.advance(EPOCH)
        self.factory = MiniRedisFactory(clock=self.clock, **config)
        self.factory.doStart()
        self.store = self.factory.store
        self.logged = []
        self.factory.writes.listen(self._log)
        self.client = self.connect(proto)

    def _log(self, index, argvs):
        self.logged.extend((index, list(argv)) for argv in argvs)

    def connect(self, proto=2):
        """@return: a new client connection (a L{Connection})."""
        connection = Connection(self.factory)
        if proto == 3:
            connection.call("HELLO", "3")
        return connection

    def call(self, *args):
        """Send C{args} as the first client; @return: the decoded reply."""
        return self.client.call(*args)

    def advance(self, seconds):
        self.clock.advance(seconds)

    def now_ms(self):
        return self.store.now_ms()

    def close(self):
        self.factory.doStop()


class Connection:
    """One client of a L{Local} server, or of any factory, on a StringTransport."""

    def __init__(self, factory):
        self.protocol = factory.buildProtocol(None)
        self.transport = loopback_transport()
        self.protocol.makeConnection(self.transport)
        self.decoder = Decoder(inline=False)

    @property
    def session(self):
        return self.protocol.session

    def send(self, *args):
        """Send a request without waiting for its reply (a blocking pop)."""
        receive(self.protocol, encode_command(list(args)))

    def raw(self, *args):
        """Send a request; @return: the bytes sent back at once."""
        self.transport.clear()
        self.send(*args)
        return self.transport.value()

    def replies(self):
        """@return: the replies received since the last call, decoded."""
        self.decoder.feed(self.transport.value())
        self.transport.clear()
        return self.decoder.values()

    def call(self, *args):
        self.transport.clear()
        self.send(*args)
        replies = self.replies()
        assert len(replies) == 1, replies
        return replies[0]


class Client:
    """
    A client of a L{Local} server that may stay blocked: its replies are
    read after the server's pending timers have run.
    """

    def __init__(self, server, proto=2):
        self.server = server
        self.connection = server.connect(proto)
        self.protocol = self.connection.protocol
        self.transport = self.connection.transport
        self.decoder = Decoder(inline=False)
        self.transport.clear()

    @property
    def session(self):
        return self.protocol.session

    def send(self, *args):
        receive(self.protocol, encode_command(list(args)))

    def raw(self):
        """@return: the bytes sent since the last look, after pending timers."""
        self.server.advance(0)
        data = self.transport.value()
        self.transport.clear()
        return data

    def replies(self):
        self.decoder.feed(self.raw())
        return self.decoder.values()

    def call(self, *args):
        self.send(*args)
        replies = self.replies()
        assert len(replies) == 1, replies
        return replies[0]

    def disconnect(self):
        self.protocol.connectionLost(None)


def blocked_on(server, key, index=0):
    """@return: the clients of C{server} blocked on C{key} of database C{index}."""
    return list(server.store.db(index).blocked.get(key.encode(), ()))
