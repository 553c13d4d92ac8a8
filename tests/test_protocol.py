"""
The server protocol without sockets: a C{StringTransport} per connection
and a C{task.Clock} for timers.
"""

import pytest
from twisted.internet import task
from twisted.internet.interfaces import ITCPTransport
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from zope.interface import implementer

from miniredis.protocol import MiniRedisFactory
from miniredis.resp import Decoder, ReplyError, encode_command
from tests.local import loopback_transport, receive


class CountingTransport(StringTransport):
    """A C{StringTransport} from 127.0.0.1 that counts its writes."""

    writes = 0

    def __init__(self):
        StringTransport.__init__(self, peerAddress=loopback_transport().getPeer())

    def write(self, data):
        self.writes += 1
        StringTransport.write(self, data)


@implementer(ITCPTransport)
class TCPTransport(CountingTransport):
    """A C{StringTransport} that says it is TCP and records TCP_NODELAY."""

    nodelay = None

    def setTcpNoDelay(self, enabled):
        self.nodelay = enabled


class Connection:
    """A server protocol on a transport, with a reply decoder."""

    def __init__(self, factory, transport=None):
        self.transport = transport or CountingTransport()
        self.protocol = factory.buildProtocol(None)
        self.protocol.makeConnection(self.transport)
        self.decoder = Decoder(inline=False)

    @property
    def session(self):
        return self.protocol.session

    def send(self, *requests):
        """Send C{requests} (argument lists) in one read."""
        receive(self.protocol, b"".join(encode_command(r) for r in requests))

    def replies(self):
        self.decoder.feed(self.transport.value())
        self.transport.clear()
        return self.decoder.values()

    def close(self):
        self.protocol.connectionLost(Failure(ConnectionError("gone")))


@pytest.fixture
def clock():
    return task.Clock()


@pytest.fixture
def factory(clock):
    return MiniRedisFactory(clock=clock)


def test_pipelined_requests_one_write(factory):
    client = Connection(factory)
    client.send(["SET", "k", "1"], ["INCR", "k"], ["GET", "k"], ["PING"], ["ECHO", "e"])
    assert client.transport.writes == 1
    assert client.transport.value() == b"+OK\r\n:2\r\n$1\r\n2\r\n+PONG\r\n$1\r\ne\r\n"


def test_replies_go_out_at_the_end_of_the_reactor_turn(factory, clock):
    """Every client served in one turn gets its replies after it, in one write."""
    one, two = Connection(factory), Connection(factory)
    one.protocol.dataReceived(encode_command(["SET", "k", "1"]))
    two.protocol.dataReceived(encode_command(["SUBSCRIBE", "c"]))
    one.protocol.dataReceived(encode_command(["PUBLISH", "c", "m"]))
    assert one.transport.value() == two.transport.value() == b""
    clock.advance(0)
    assert (one.transport.writes, two.transport.writes) == (1, 1)
    assert one.replies() == [b"OK", 1]
    assert two.replies() == [[b"subscribe", b"c", 1], [b"message", b"c", b"m"]]
    assert clock.getDelayedCalls() == []


@pytest.mark.parametrize("ready", [1, 2])
def test_a_client_alone_in_its_poll_is_answered_at_once(factory, clock, ready):
    """
    When the reactor's poll found one descriptor ready, nothing can share
    the turn's writes: the reply goes at once. Otherwise it waits.
    """
    clock.ready = ready  # as miniredis.reactor's reactor counts them
    client = Connection(factory)
    client.protocol.dataReceived(encode_command(["PING"]))
    assert client.transport.value() == (b"+PONG\r\n" if ready == 1 else b"")
    assert len(clock.getDelayedCalls()) == ready - 1
    clock.advance(0)
    assert client.replies() == [b"PONG"] and client.transport.writes == 1


def test_outbox_flushed_early_cancels_its_turn_end(factory, clock):
    client = Connection(factory)
    client.protocol.dataReceived(encode_command(["PING"]))
    assert len(clock.getDelayedCalls()) == 1
    factory.outbox.flush()
    assert client.replies() == [b"PONG"]
    assert clock.getDelayedCalls() == []


def test_quit_sends_what_the_turn_held_before_closing(factory, clock):
    client = Connection(factory)
    client.protocol.dataReceived(encode_command(["PING"]))
    client.protocol.dataReceived(encode_command(["QUIT"]))
    assert client.replies() == [b"PONG", b"OK"]
    assert client.transport.disconnecting
    clock.advance(0)
    assert client.transport.writes == 1


def test_request_split_across_reads(factory):
    client = Connection(factory)
    data = encode_command(["ECHO", "hello"])
    receive(client.protocol, data[:7])
    assert client.transport.writes == 0
    receive(client.protocol, data[7:] + encode_command(["PING"]))
    assert client.transport.writes == 1
    assert client.replies() == [b"hello", b"PONG"]


def test_inline_commands(factory):
    client = Connection(factory)
    receive(client.protocol, b"PING\r\nECHO \"a b\"\nSET k 'v w'\r\nGET k\r\n")
    assert client.replies() == [b"PONG", b"a b", b"OK", b"v w"]


def test_quit_closes_after_its_reply(factory):
    client = Connection(factory)
    client.send(["PING"], ["QUIT"], ["PING"])
    assert client.transport.value() == b"+PONG\r\n+OK\r\n"
    assert client.transport.disconnecting
    client.transport.clear()
    client.send(["PING"])
    assert client.transport.value() == b""


def test_unknown_command(factory):
    client = Connection(factory)
    client.send(["FOO", "a", "b"], ["FOO"])
    assert client.replies() == [
        ReplyError("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "),
        ReplyError("ERR unknown command 'FOO', with args beginning with: "),
    ]
    assert not client.transport.disconnecting


def test_unknown_command_long_arguments_like_redis(differ):
    differ.check("FOO", "x" * 100, "y" * 100, "z")
    differ.check("x" * 200)
    differ.check("FOO", *["a"] * 60)


def test_wrong_arity(factory):
    client = Connection(factory)
    client.send(["GET"], ["SET", "k"], ["CLIENT", "SETNAME"])
    assert client.replies() == [
        ReplyError("ERR wrong number of arguments for 'get' command"),
        ReplyError("ERR wrong number of arguments for 'set' command"),
        ReplyError("ERR wrong number of arguments for 'client|setname' command"),
    ]


def test_wrong_arity_like_redis(differ):
    differ.check("GET")
    differ.check("CLIENT", "SETNAME")
    differ.check("get", "a", "b")


def test_resp3_replies_after_hello(factory):
    client = Connection(factory)
    client.send(["GET", "missing"], ["HELLO", "3"], ["GET", "missing"])
    assert client.transport.value().startswith(b"$-1\r\n%")
    assert client.transport.value().endswith(b"_\r\n")


def test_tcp_nodelay(factory):
    transport = TCPTransport()
    Connection(factory, transport)
    assert transport.nodelay is True


def test_maxclients(clock):
    factory = MiniRedisFactory(clock=clock, maxclients=2)
    first, second = Connection(factory), Connection(factory)
    third = Connection(factory)
    assert third.transport.value() == b"-ERR max number of clients reached\r\n"
    assert third.transport.disconnecting
    assert third.session is None
    third.send(["PING"])
    assert third.transport.value() == b"-ERR max number of clients reached\r\n"
    assert factory.stats.rejected_connections == 1
    first.close()
    fourth = Connection(factory)
    fourth.send(["PING"])
    assert fourth.replies() == [b"PONG"]
    second.send(["PING"])
    assert second.replies() == [b"PONG"]


def test_connection_lost_forgets_the_client(factory):
    client = Connection(factory)
    session = client.session
    assert factory.clients[session.id] is session
    client.close()
    assert session.id not in factory.clients
    assert client.protocol.session is None


# ---------------------------------------------------------------- blocked clients


def test_blocked_client_requests_wait(factory, clock):
    blocked, pusher = Connection(factory), Connection(factory)
    blocked.send(["BLPOP", "list", "0"], ["PING"])
    blocked.send(["ECHO", "later"])
    assert blocked.transport.value() == b""
    pusher.send(["RPUSH", "list", "a", "b"])
    assert pusher.replies() == [2]
    assert blocked.replies() == [[b"list", b"a"]]
    clock.advance(0)
    assert blocked.replies() == [b"PONG", b"later"]
    blocked.send(["LPOP", "list"])
    assert blocked.replies() == [b"b"]


def test_blocked_client_times_out(factory, clock):
    client = Connection(factory)
    client.send(["BLPOP", "list", "1.5"], ["PING"])
    clock.advance(1)
    assert client.replies() == []
    clock.advance(0.5)
    assert client.replies() == [None, b"PONG"]


def test_blocked_client_queues_again(factory, clock):
    client, pusher = Connection(factory), Connection(factory)
    client.send(["BLPOP", "a", "0"], ["BLPOP", "b", "0"], ["PING"])
    pusher.send(["RPUSH", "a", "1"])
    clock.advance(0)
    assert client.replies() == [[b"a", b"1"]]
    pusher.send(["RPUSH", "b", "2"])
    clock.advance(0)
    assert client.replies() == [[b"b", b"2"], b"PONG"]


def test_protocol_error_behind_a_blocked_client(factory, clock):
    client, pusher = Connection(factory), Connection(factory)
    client.send(["BLPOP", "list", "0"])
    receive(client.protocol, encode_command(["PING"]) + b"*1\r\n$x\r\n")
    assert client.transport.value() == b""
    assert not client.transport.disconnecting
    pusher.send(["RPUSH", "list", "v"])
    clock.advance(0)
    assert client.replies() == [
        [b"list", b"v"],
        b"PONG",
        ReplyError("ERR Protocol error: invalid bulk length"),
    ]
    assert client.transport.disconnecting


def test_blocked_client_disconnects(factory):
    client = Connection(factory)
    client.send(["BLPOP", "list", "0"])
    db = factory.store.db(0)
    assert b"list" in db.blocked
    client.close()
    assert b"list" not in db.blocked
    assert factory.waits.count == 0


def test_waits_directly(factory, clock):
    """L{Waits}: a blocked session is served in order, once, from its key."""
    first, second = Connection(factory), Connection(factory)
    db = factory.store.db(0)
    served = []

    def serve_from(name):
        def serve(key):
            value = db.lookup(key)
            if value is None:
                return None
            served.append((name, key))
            db.delete(key)
            return b"served " + name

        return serve

    for connection, name in [(first, b"first"), (second, b"second")]:
        factory.waits.block(
            connection.session, [b"k1", b"k2"], 0, serve_from(name), None
        )
        assert connection.session.blocked is not None
    assert factory.waits.count == 2
    db.set(b"k2", b"x")
    db.signal_ready(b"k2")
    factory.waits.serve_ready()
    clock.advance(0)
    assert served == [(b"first", b"k2")]
    assert first.replies() == [b"served first"]
    assert first.session.blocked is None
    assert second.session.blocked is not None
    db.set(b"k1", b"y")
    db.signal_ready(b"k1")
    factory.waits.serve_ready()
    clock.advance(0)
    assert served == [(b"first", b"k2"), (b"second", b"k1")]
    assert second.replies() == [b"served second"]
    assert factory.waits.count == 0
    assert db.blocked == {}


def test_waits_timeout(factory, clock):
    client = Connection(factory)
    factory.waits.block(
        client.session, [b"k"], 2.0, lambda key: None, ReplyError("ERR late")
    )
    clock.advance(1.9)
    assert client.replies() == []
    clock.advance(0.1)
    assert client.replies() == [ReplyError("ERR late")]
    assert factory.waits.count == 0
    clock.advance(0)
    assert clock.getDelayedCalls() == []


def test_proto_max_bulk_len_is_honoured():
    """CONFIG SET proto-max-bulk-len holds for the connections made after it."""
    factory = MiniRedisFactory(clock=task.Clock())
    factory.config.set("proto-max-bulk-len", b"1048576")
    for decoder_kind in ("small", "large"):
        protocol = factory.buildProtocol(None)
        transport = loopback_transport()
        protocol.makeConnection(transport)
        size = 1048576 if decoder_kind == "small" else 1048577
        receive(protocol, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % size)
        if decoder_kind == "small":
            assert not transport.disconnecting
        else:
            assert transport.value() == b"-ERR Protocol error: invalid bulk length\r\n"
            assert transport.disconnecting
