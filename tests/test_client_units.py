"""
The client's machinery without sockets: L{RedisClientProtocol} on a
C{StringTransport} and a C{task.Clock} (timeouts, cancellation, lost
connections), and L{ClientPool} on an endpoint handing out such
connections (waiting calls, the handshake redone, reconnection with
backoff); then L{in_process} against a server in this process.
"""

import pytest
import pytest_twisted
from twisted.application.internet import backoffPolicy
from twisted.internet import defer, task
from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from miniredis.client import (
    ClientPool,
    RedisClientProtocol,
    RedisError,
    Settings,
    in_process,
)
from miniredis.protocol import MiniRedisFactory


def connected(clock=None, **options):
    client = RedisClientProtocol(clock=clock, **options)
    client.makeConnection(StringTransport())
    return client


def failure_of(deferred):
    failures = []
    deferred.addErrback(failures.append)
    assert len(failures) == 1, failures
    return failures[0]


def test_cancelled_call_keeps_the_replies_in_order():
    client = connected()
    first, second = client.get("a"), client.get("b")
    first.cancel()
    assert failure_of(first).check(defer.CancelledError)
    client.dataReceived(b"$1\r\nx\r\n")
    assert not second.called
    client.dataReceived(b"$1\r\ny\r\n")
    assert second.result == b"y"


def test_per_call_timeout_leaves_the_connection_up():
    clock = task.Clock()
    client = connected(clock)
    slow = client.execute("BLPOP", "q", "0", timeout=5)
    clock.advance(4.9)
    assert not slow.called
    clock.advance(0.1)
    assert failure_of(slow).check(defer.TimeoutError)
    assert client.ready
    after = client.ping()
    client.dataReceived(b"*2\r\n$1\r\nq\r\n$1\r\nj\r\n+PONG\r\n")
    assert after.result == b"PONG"


def test_connection_timeout_drops_the_connection():
    clock = task.Clock()
    client = connected(clock, timeout=2)
    calls = [client.get("a"), client.get("b")]
    clock.advance(2)
    for call in calls:
        assert failure_of(call).check(defer.TimeoutError)
    assert client.transport.disconnecting
    assert failure_of(client.get("c")).check(defer.TimeoutError)


def test_typed_and_plain_arguments():
    typed = connected()
    typed.set("k", 1)
    assert typed.transport.value() == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n:1\r\n"
    plain = connected(typed=False)
    plain.set("k", 1, ex=10)
    assert plain.transport.value() == (
        b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n$2\r\nEX\r\n$2\r\n10\r\n"
    )


def test_pushes_go_to_the_handler():
    client = connected()
    pushes = []
    client.pushReceived = pushes.append
    call = client.get("k")
    client.dataReceived(b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n$1\r\nv\r\n")
    assert pushes == [[b"invalidate", [b"k"]]]
    assert call.result == b"v"


def test_converters_apply_to_each_protocol_version():
    client = connected()
    scores = client.zrange("z", 0, -1, withscores=True)
    client.dataReceived(b"*4\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$1\r\n2\r\n")
    assert scores.result == [(b"a", 1.5), (b"b", 2.0)]
    resp3 = client.zrange("z", 0, -1, withscores=True)
    client.dataReceived(b"*1\r\n*2\r\n$1\r\na\r\n,1.5\r\n")
    assert resp3.result == [(b"a", 1.5)]
    hashed = client.hgetall("h")
    client.dataReceived(b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n")
    assert hashed.result == {b"f": b"v"}


class FakeEndpoint:
    """
    Hands out connections on C{StringTransport}s, or refuses them.

    @ivar connections: the protocols connected so far (ClientService's
        proxies, which forward to ours).
    @ivar refuse: how many attempts to refuse first.
    """

    def __init__(self):
        self.connections = []
        self.attempts = 0
        self.refuse = 0
        self.held = None

    def connect(self, factory):
        self.attempts += 1
        if self.refuse:
            self.refuse -= 1
            return defer.fail(ConnectionRefusedError())
        if self.held is not None:
            held, self.held = self.held, None
            return held.addCallback(lambda _: self._connected(factory))
        return defer.succeed(self._connected(factory))

    def _connected(self, factory):
        protocol = factory.buildProtocol(None)
        protocol.makeConnection(StringTransport())
        self.connections.append(protocol)
        return protocol

    def written(self, index=-1):
        transport = self.connections[index].transport
        data = transport.value()
        transport.clear()
        return data

    def reply(self, data, index=-1):
        self.connections[index].dataReceived(data)


def a_pool(endpoint, clock, **settings):
    settings.setdefault("protocol", 2)
    settings.setdefault("retry_policy", backoffPolicy(jitter=lambda: 0))
    return ClientPool(clock, endpoint, size=1, settings=Settings(**settings))


def test_pool_calls_wait_for_the_connection_and_its_handshake():
    clock, endpoint = task.Clock(), FakeEndpoint()
    held = endpoint.held = defer.Deferred()
    pool = a_pool(endpoint, clock, db=3, name="worker", password="pw")
    call = pool.get("k")
    assert endpoint.connections == []
    held.callback(None)
    assert endpoint.written() == b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"
    endpoint.reply(b"+OK\r\n")
    assert endpoint.written() == b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n"
    endpoint.reply(b"+OK\r\n")
    assert b"SETNAME" in endpoint.written()
    assert not call.called
    endpoint.reply(b"+OK\r\n")
    assert endpoint.written() == b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    endpoint.reply(b"$1\r\nv\r\n")
    assert call.result == b"v"


def test_pool_handshake_under_resp3_with_a_user():
    clock, endpoint = task.Clock(), FakeEndpoint()
    a_pool(endpoint, clock, protocol=3, username="app", password="pw", name="n")
    assert endpoint.written() == (
        b"*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$2\r\npw\r\n"
    )
    endpoint.reply(b"%1\r\n$5\r\nproto\r\n:3\r\n")
    assert endpoint.written() == (b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$1\r\nn\r\n")


def test_pool_reconnects_with_backoff_and_sets_up_again():
    clock, endpoint = task.Clock(), FakeEndpoint()
    pool = a_pool(endpoint, clock, db=2)
    endpoint.reply(b"+OK\r\n")
    endpoint.written()
    pending = pool.get("k")
    endpoint.connections[-1].connectionLost(Failure(ConnectionDone()))
    assert failure_of(pending).check(ConnectionDone)
    endpoint.refuse = 3
    waiting = pool.get("k")
    delays = []
    while len(endpoint.connections) < 2:
        delay = (
            min(call.getTime() for call in clock.getDelayedCalls()) - clock.seconds()
        )
        delays.append(delay)
        clock.advance(delay)
    assert endpoint.attempts == 5
    assert len(delays) == 4
    assert all(later > earlier for earlier, later in zip(delays[1:], delays[2:]))
    assert endpoint.written() == b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"
    endpoint.reply(b"+OK\r\n")
    assert endpoint.written() == b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    endpoint.reply(b"$-1\r\n")
    assert waiting.called and waiting.result is None


def test_pool_refused_handshake_is_retried():
    clock, endpoint = task.Clock(), FakeEndpoint()
    pool = a_pool(endpoint, clock, password="wrong")
    call = pool.ping()
    endpoint.reply(b"-WRONGPASS invalid username-password pair\r\n")
    assert not call.called
    clock.advance(1.5)
    assert len(endpoint.connections) == 2
    endpoint.reply(b"+OK\r\n")
    endpoint.written()
    endpoint.reply(b"+PONG\r\n")
    assert call.result == b"PONG"


def test_pool_disconnect_fires_once_closed():
    clock, endpoint = task.Clock(), FakeEndpoint()
    pool = a_pool(endpoint, clock, protocol=2)
    closing = pool.disconnect()
    assert not closing.called
    endpoint.connections[-1].connectionLost(Failure(ConnectionDone()))
    assert closing.called
    assert failure_of(pool.get("k")).check(RuntimeError)


def test_pipeline_is_one_write():
    clock, endpoint = task.Clock(), FakeEndpoint()
    pool = a_pool(endpoint, clock)
    results = pool.pipeline().set("a", 1).incr("a").get("a").execute()
    assert endpoint.written().count(b"*") == 3
    endpoint.reply(b"+OK\r\n-ERR not an integer\r\n$1\r\n1\r\n")
    assert results.result[0] == b"OK"
    assert isinstance(results.result[1], RedisError)
    assert results.result[2] == b"1"


@pytest_twisted.ensureDeferred
async def test_in_process():
    from twisted.internet import reactor

    factory = MiniRedisFactory(clock=reactor)
    redis = in_process(factory, size=2)
    assert await redis.set("k", "v") == b"OK"
    assert await redis.get("k") == b"v"
    assert await redis.pipeline().incr("n").incr("n").execute() == [1, 2]
    popped = redis.blpop("q", 0)
    await redis.rpush("q", "job")
    assert await popped == [b"q", b"job"]
    sub = redis.subscriber()
    await sub.subscribe("c")
    await redis.publish("c", "hi")
    assert (await sub.get_message()).data == b"hi"
    await sub.disconnect()
    with pytest.raises(RedisError, match="WRONGTYPE"):
        await redis.lpush("k", "x")
    await redis.disconnect()
    factory.doStop()


def test_every_command_of_the_table_has_a_method():
    from miniredis import commands
    from miniredis.blocking import Client
    from miniredis.client import ClientPool, Pipeline, RedisCommands
    from miniredis.client.cluster import ClusterClient
    from miniredis.client.subscriber import Subscriber

    commands.load_all()
    missing = []
    for name, command in commands.COMMANDS.items():
        name = name.decode().replace("-", "_")
        names = [name]
        if command.subcommands is not None:
            names = [
                name + "_" + sub.decode().split("|")[-1].replace("-", "_")
                for sub in command.subcommands
            ]
        for method in names:
            method = "del_" if method == "del" else method
            if "subscribe" in method:
                # Subscribing takes a connection: a RESP3 connection's
                # method, or a pool's subscriber().
                assert hasattr(RedisClientProtocol, method)
                assert hasattr(Subscriber, method)
            elif not hasattr(RedisCommands, method):
                missing.append(method)
    assert missing == []
    for cls in (ClientPool, Pipeline, RedisClientProtocol, Client, ClusterClient):
        assert issubclass(cls, RedisCommands)


def test_pool_sends_to_a_live_connection_while_another_reconnects():
    clock, endpoint = task.Clock(), FakeEndpoint()
    pool = ClientPool(
        clock, endpoint, size=2, settings=Settings(protocol=2, retry_policy=lambda n: 5)
    )
    assert len(endpoint.connections) == 2
    endpoint.connections[0].connectionLost(Failure(ConnectionDone()))
    calls = [pool.ping() for _ in range(3)]
    assert endpoint.written(1).count(b"PING") == 3
    endpoint.reply(b"+PONG\r\n" * 3, 1)
    assert [call.result for call in calls] == [b"PONG"] * 3
    clock.advance(5)
    assert len(endpoint.connections) == 3


def test_pool_pushes_go_to_the_push_handler():
    clock, endpoint = task.Clock(), FakeEndpoint()
    pushes = []
    a_pool(endpoint, clock, push_handler=pushes.append)
    endpoint.reply(b">2\r\n$10\r\ninvalidate\r\n_\r\n")
    assert pushes == [[b"invalidate", None]]


def test_pool_disconnect_while_a_blocking_connection_is_made():
    clock, endpoint = task.Clock(), FakeEndpoint()
    pool = a_pool(endpoint, clock)
    held = endpoint.held = defer.Deferred()
    popped = pool.blpop("q", 0)
    closing = pool.disconnect()
    endpoint.connections[0].connectionLost(Failure(ConnectionDone()))
    assert closing.called
    held.callback(None)
    assert failure_of(popped).check(RuntimeError)
    assert endpoint.connections[-1].transport.disconnecting
