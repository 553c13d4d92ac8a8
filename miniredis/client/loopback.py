"""
An endpoint that connects a client to a L{MiniRedisFactory} in the same
process, without a socket: each side's writes reach the other on the next
turn of the reactor.
"""

from twisted.internet.address import IPv4Address
from twisted.internet.defer import succeed
from twisted.internet.error import ConnectionDone
from twisted.internet.interfaces import IStreamClientEndpoint, ITransport
from twisted.python.failure import Failure
from zope.interface import implementer


@implementer(ITransport)
class LoopbackTransport:
    """
    One side of an in-memory connection: what its protocol writes reaches
    the other side's protocol on the next turn of the reactor.

    @ivar peer: the other side's L{LoopbackTransport}.
    @ivar protocol: the protocol on this side.
    """

    disconnecting = False
    connected = True

    def __init__(self, clock, protocol, host, peer_address):
        self._clock = clock
        self.protocol = protocol
        self.peer = None
        self._host = host
        self._peer_address = peer_address
        self._outgoing = []
        self._call = None

    def write(self, data):
        if self.disconnecting or not data:
            return
        self._outgoing.append(bytes(data))
        if self._call is None:
            self._call = self._clock.callLater(0, self._deliver)

    def writeSequence(self, data):
        self.write(b"".join(data))

    def _deliver(self):
        self._call = None
        data, self._outgoing = b"".join(self._outgoing), []
        peer = self.peer
        if data and peer.connected:
            peer.protocol.dataReceived(data)

    def loseConnection(self):
        if self.disconnecting:
            return
        self.disconnecting = True
        self._clock.callLater(0, self._close)

    abortConnection = loseConnection

    def _close(self):
        if self._call is not None:
            self._call.cancel()
            self._deliver()
        for side in (self, self.peer):
            if side.connected:
                side.connected = False
                side.disconnecting = True
                side.protocol.connectionLost(Failure(ConnectionDone()))

    def getPeer(self):
        return self._peer_address

    def getHost(self):
        return self._host

    def registerProducer(self, producer, streaming):
        pass

    def unregisterProducer(self):
        pass

    def pauseProducing(self):
        pass

    def resumeProducing(self):
        pass

    def stopProducing(self):
        self.loseConnection()


@implementer(IStreamClientEndpoint)
class InProcessEndpoint:
    """Connects to a L{MiniRedisFactory} in this process."""

    _port = 0

    def __init__(self, reactor, factory):
        self._reactor = reactor
        self._factory = factory

    def connect(self, protocolFactory):
        InProcessEndpoint._port += 1
        server_address = IPv4Address("TCP", "127.0.0.1", 0)
        client_address = IPv4Address("TCP", "127.0.0.1", InProcessEndpoint._port)
        server = self._factory.buildProtocol(client_address)
        client = protocolFactory.buildProtocol(server_address)
        if server is None or client is None:
            raise ValueError("refused to build a protocol")
        client_side = LoopbackTransport(
            self._reactor, client, client_address, server_address
        )
        server_side = LoopbackTransport(
            self._reactor, server, server_address, client_address
        )
        client_side.peer, server_side.peer = server_side, client_side
        server.makeConnection(server_side)
        client.makeConnection(client_side)
        return succeed(client)
