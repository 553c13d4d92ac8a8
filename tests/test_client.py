"""
The Deferred client, L{miniredis.client}: against a miniredis server in the
same reactor over real sockets, and driven through a C{StringTransport} on
a C{task.Clock} for timeouts and lost connections.
"""

import pytest
import pytest_twisted
from twisted.internet import defer, endpoints, task
from twisted.internet.error import ConnectionDone, ConnectionLost, NotConnectingError
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from miniredis.client import RedisClientProtocol, RedisError, connect
from miniredis.protocol import MiniRedisFactory
from miniredis.resp import OK, ProtocolError, Push, ReplyError, Status


class Server:
    """A miniredis server listening on a free loopback port."""

    def __init__(self, factory, port):
        self.factory = factory
        self.port = port
        self.clients = []

    @defer.inlineCallbacks
    def connect(self, **options):
        from twisted.internet import reactor

        client = yield connect(reactor, "tcp:127.0.0.1:%d" % (self.port,), **options)
        self.clients.append(client)
        return client

    def drop_connections(self):
        """Close every connection from the server's side."""
        for session in list(self.factory.clients.values()):
            session.connection.transport.loseConnection()


def listen(**config):
    from twisted.internet import reactor

    factory = MiniRedisFactory(**config)
    endpoint = endpoints.serverFromString(reactor, "tcp:0:interface=127.0.0.1")
    return endpoint.listen(factory).addCallback(
        lambda port: (Server(factory, port.getHost().port), port)
    )


@pytest_twisted.async_yield_fixture()
async def server():
    server, port = await listen()
    yield server
    for client in server.clients:
        client.transport.loseConnection()
    await port.stopListening()


@pytest_twisted.async_yield_fixture()
async def secured():
    server, port = await listen(requirepass="sesame")
    yield server
    for client in server.clients:
        client.transport.loseConnection()
    await port.stopListening()


def errors_of(deferred):
    """@return: the failure C{deferred} fired with (it must have failed)."""
    failures = []
    deferred.addErrback(failures.append)
    assert len(failures) == 1, failures
    return failures[0]


# ---------------------------------------------------------------- real sockets


@pytest_twisted.inlineCallbacks
def test_origin_commands(server):
    client = yield server.connect(protocol=3)
    assert (yield client.mset("k1", "v1", "k2", ["v2-0", 1, "v2-2"], "k3", "v3")) == OK
    assert (yield client.get("k2")) == [b"v2-0", 1, b"v2-2"]
    assert (yield client.mget("k3", "k1")) == [b"v3", b"v1"]
    assert (yield client.delete("k1")) == 1
    assert (yield client.get("k1")) is None
    assert (yield client.delete("k1")) == 0
    yield client.set("kx", {"vx": {"vy": 0, "vz": [1, 2, 3]}})
    assert (yield client.get("kx")) == {b"vx": {b"vy": 0, b"vz": [1, 2, 3]}}
    assert (yield client.flush()) == 3


@pytest_twisted.inlineCallbacks
def test_typed_values_resp2(server):
    client = yield server.connect(protocol=2)
    assert client.protocolVersion == 2
    yield client.set("t", {"a": [1, None, 2.5], "b": -7})
    assert (yield client.get("t")) == [b"a", [1, None, b"2.5"], b"b", -7]


@pytest_twisted.inlineCallbacks
def test_replies_as_the_codec_reads_them(server):
    client = yield server.connect(protocol=2)
    reply = yield client.set("k", "v")
    assert type(reply) is Status
    assert (yield client.set("k", "w", ex=100, get=True)) == b"v"
    assert 0 < (yield client.ttl("k")) <= 100
    assert (yield client.set("k", "x", nx=True)) is None
    assert (yield client.hset("h", {"f": "1", "g": "2"})) == 2
    # Converted in redis-py's manner: a dict under RESP2 too.
    assert (yield client.hgetall("h")) == {b"f": b"1", b"g": b"2"}
    assert (yield client.zadd("z", {"a": 1, "b": 2.5})) == 2
    assert (yield client.zrange("z", 0, -1, "WITHSCORES")) == [b"a", b"1", b"b", b"2.5"]
    assert (yield client.del_("k", "h", "z", "nothing")) == 3
    assert (yield client.client_setname("me")) == OK
    assert (yield client.client_getname()) == b"me"


@pytest_twisted.inlineCallbacks
def test_resp3(server):
    client = yield server.connect(protocol=3)
    assert client.protocolVersion == 3
    yield client.hset("h", "f", "v")
    assert (yield client.hgetall("h")) == {b"f": b"v"}
    yield client.zadd("z", 1.5, "m")
    assert (yield client.zscore("z", "m")) == 1.5
    assert (yield client.get("missing")) is None
    info = yield client.hello()
    assert info[b"proto"] == 3
    yield client.reset()
    assert client.protocolVersion == 2
    assert (yield client.get("missing")) is None
    yield client.execute("HELLO", "3")
    assert client.protocolVersion == 3


@pytest_twisted.inlineCallbacks
def test_decode_responses(server):
    client = yield server.connect(protocol=3, decode_responses=True)
    yield client.hset("h", "clé", "\xff".encode("latin-1"))
    assert (yield client.hgetall("h")) == {"clé": "\udcff"}
    assert (yield client.ping()) == "PONG"
    yield client.set("back", "\udcff")
    assert (yield client.execute("STRLEN", "back")) == 1


@pytest_twisted.inlineCallbacks
def test_pipelining(server):
    client = yield server.connect()
    fired = []
    calls = []
    for i in range(200):
        calls.append(client.incr("counter").addCallback(fired.append))
        calls.append(client.echo(b"%d" % i))
    assert len(client._pending) == 400
    results = yield defer.gatherResults(calls)
    assert fired == list(range(1, 201))
    assert results[1::2] == [b"%d" % i for i in range(200)]


@pytest_twisted.inlineCallbacks
def test_error_replies(server):
    client = yield server.connect()
    yield client.set("s", "text")
    calls = [client.incr("s"), client.execute("NOSUCH", "a"), client.get("s")]
    results = yield defer.DeferredList(calls, consumeErrors=True)
    (ok1, incr), (ok2, unknown), (ok3, value) = results
    assert not ok1 and incr.check(RedisError)
    assert incr.value.message == "ERR value is not an integer or out of range"
    assert isinstance(incr.value, ReplyError)
    assert not ok2 and unknown.value.message.startswith("ERR unknown command 'NOSUCH'")
    assert ok3 and value == b"text"


@pytest_twisted.inlineCallbacks
def test_transaction(server):
    client = yield server.connect()
    yield client.multi()
    queued = yield client.incr("n")
    assert queued == b"QUEUED"
    yield client.lpush("n", "x")
    replies = yield client.exec()
    assert replies[0] == 1
    assert isinstance(replies[1], ReplyError)


@pytest_twisted.inlineCallbacks
def test_scripting(server):
    client = yield server.connect()
    sha = yield client.script_load("return {KEYS[1], ARGV[1]}")
    assert (yield client.evalsha(sha, 1, "k", "a")) == [b"k", b"a"]
    assert (yield client.eval("return 7", 0)) == 7


@pytest_twisted.inlineCallbacks
def test_blocking_command_and_pipelined_calls_behind_it(server):
    waiting = yield server.connect()
    other = yield server.connect()
    popped = waiting.blpop("queue", 0)
    after = waiting.ping()
    yield other.rpush("queue", "job")
    assert (yield popped) == [b"queue", b"job"]
    assert (yield after) == b"PONG"


@pytest_twisted.inlineCallbacks
def test_connect_with_password_and_db(secured):
    client = yield secured.connect(password="sesame", db=2)
    yield client.set("k", "v")
    session = secured.factory.clients[(yield client.client_id())]
    assert session.db.index == 2
    client3 = yield secured.connect(password="sesame", db=1, protocol=3)
    assert client3.protocolVersion == 3


@pytest_twisted.inlineCallbacks
def test_connect_refused_password(secured):
    with pytest.raises(RedisError) as caught:
        yield secured.connect(password="wrong", protocol=2)
    assert caught.value.message.startswith("WRONGPASS")
    with pytest.raises(RedisError):
        yield secured.connect(password="wrong")
    client = yield secured.connect(protocol=2)
    with pytest.raises(RedisError, match="NOAUTH"):
        yield client.get("k")


@pytest_twisted.inlineCallbacks
def test_server_closes_while_calls_are_pending(server):
    from twisted.internet import reactor

    client = yield server.connect()
    calls = [client.blpop("never", 0), client.get("k"), client.ping()]
    while not any(s.blocked for s in server.factory.clients.values()):
        yield task.deferLater(reactor, 0.005)
    server.drop_connections()
    results = yield defer.DeferredList(calls, consumeErrors=True)
    for ok, failure in results:
        assert not ok
        assert failure.check(ConnectionDone, ConnectionLost)
    later = client.get("k")
    with pytest.raises((ConnectionDone, ConnectionLost)):
        yield later


@pytest_twisted.inlineCallbacks
def test_pub_sub_resp3(server):
    subscriber = yield server.connect(protocol=3)
    publisher = yield server.connect()
    received = []
    subscriber.pushReceived = received.append
    confirmations = yield subscriber.subscribe("news", "weather")
    assert confirmations == [[b"subscribe", b"news", 1], [b"subscribe", b"weather", 2]]
    assert all(type(push) is Push for push in confirmations)
    assert (yield subscriber.psubscribe("w*")) == [[b"psubscribe", b"w*", 3]]
    assert (yield publisher.publish("weather", "rain")) == 2
    assert (yield subscriber.ping()) == b"PONG"
    assert received == [
        [b"message", b"weather", b"rain"],
        [b"pmessage", b"w*", b"weather", b"rain"],
    ]
    left = yield subscriber.unsubscribe()
    assert sorted(left) == [
        [b"unsubscribe", b"news", 2],
        [b"unsubscribe", b"weather", 1],
    ]
    assert (yield subscriber.punsubscribe()) == [[b"punsubscribe", b"w*", 0]]
    assert (yield subscriber.unsubscribe()) == [[b"unsubscribe", None, 0]]
    assert (yield publisher.publish("weather", "sun")) == 0


@pytest_twisted.inlineCallbacks
def test_pub_sub_needs_resp3(server):
    client = yield server.connect(protocol=2)
    with pytest.raises(ValueError, match="RESP3"):
        yield client.subscribe("news")


# ---------------------------------------------------------------- StringTransport


def connected(timeout=None, clock=None):
    client = RedisClientProtocol(timeout=timeout, clock=clock)
    client.makeConnection(StringTransport())
    return client


def test_requests_on_the_wire():
    client = connected()
    client.set("k", 1)
    client.mget("a", b"b")
    client.client_setname("n")
    assert client.transport.value() == (
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n:1\r\n"
        b"*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n"
        b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$1\r\nn\r\n"
    )


def test_replies_matched_in_order_across_reads():
    client = connected()
    got = []
    for name in ("a", "b", "c"):
        client.get(name).addCallback(got.append)
    client.dataReceived(b"$1\r\n1\r\n$")
    assert got == [b"1"]
    client.dataReceived(b"-1\r\n$2\r\n33\r")
    assert got == [b"1", None]
    client.dataReceived(b"\n")
    assert got == [b"1", None, b"33"]


def test_pushes_are_not_replies():
    client = connected()
    pushes = []
    client.pushReceived = pushes.append
    got = []
    client.get("a").addCallback(got.append)
    client.dataReceived(b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n$1\r\nv\r\n")
    assert got == [b"v"]
    assert pushes == [[b"message", b"c", b"m"]]


def test_monitor_lines_are_not_replies():
    client = connected()
    lines = []
    client.monitorLineReceived = lines.append
    confirmed = client.monitor()
    line = b'1700000000.000001 [0 127.0.0.1:5000] "SET" "k" "v"'
    client.dataReceived(b"+OK\r\n+%s\r\n" % line)
    assert confirmed.result == OK
    pong = client.ping()
    client.dataReceived(b"+%s\r\n+PONG\r\n+%s\r\n" % (line, line))
    assert pong.result == Status(b"PONG")
    assert lines == [line] * 3
    reset = client.reset()
    client.dataReceived(b"+RESET\r\n")
    assert reset.result == Status(b"RESET")
    late = client.echo("x")
    client.dataReceived(b"+%s\r\n" % line)  # no longer a line: a reply
    assert late.result == line


@pytest_twisted.inlineCallbacks
def test_monitor_against_the_server(server):
    watcher = yield server.connect()
    other = yield server.connect()
    lines = []
    watcher.monitorLineReceived = lines.append
    assert (yield watcher.monitor()) == OK
    yield other.set("k", "v")
    assert (yield watcher.ping()) == Status(b"PONG")  # its line comes next
    assert (yield watcher.echo("x")) == b"x"
    assert [line.split(b"] ")[1] for line in lines[:2]] == [
        b'"SET" "k" "v"',
        b'"PING"',
    ]


def test_timeout():
    clock = task.Clock()
    client = connected(timeout=5, clock=clock)
    first = client.get("a")
    clock.advance(4)
    second = client.get("b")
    clock.advance(0.9)
    client.dataReceived(b"$1\r\n1\r\n")
    assert first.result == b"1"
    clock.advance(4.9)
    assert not client.transport.disconnecting
    clock.advance(0.1)
    assert errors_of(second).check(defer.TimeoutError)
    assert client.transport.disconnecting
    assert errors_of(client.ping()).check(defer.TimeoutError)


def test_no_timer_while_nothing_is_awaited():
    clock = task.Clock()
    client = connected(timeout=5, clock=clock)
    assert clock.getDelayedCalls() == []
    reply = client.ping()
    assert len(clock.getDelayedCalls()) == 1
    client.dataReceived(b"+PONG\r\n")
    assert reply.result == b"PONG"
    assert clock.getDelayedCalls() == []
    clock.advance(60)
    assert not client.transport.disconnecting


def test_connection_lost_fails_every_pending_call():
    client = connected()
    calls = [client.get("a"), client.blpop("q", 0), client.ping()]
    client.dataReceived(b"$1\r\nx\r\n")
    assert calls[0].result == b"x"
    reason = Failure(ConnectionLost("gone"))
    client.connectionLost(reason)
    for call in calls[1:]:
        assert errors_of(call).value is reason.value
    assert errors_of(client.get("b")).value is reason.value


def test_protocol_error_drops_the_connection():
    client = connected()
    calls = [client.get("a"), client.get("b")]
    client.dataReceived(b"?what\r\n")
    for call in calls:
        assert errors_of(call).check(ProtocolError)
    assert client.transport.disconnecting


def test_call_before_connecting():
    client = RedisClientProtocol()
    assert errors_of(client.get("a")).check(NotConnectingError)


def test_call_without_a_command():
    client = connected()
    assert errors_of(client.execute()).check(ValueError)
    assert client.transport.value() == b""


def test_error_reply_inside_a_reply_is_a_value():
    client = connected()
    result = client.exec()
    client.dataReceived(b"*2\r\n:1\r\n-ERR inner\r\n")
    assert result.result == [1, ReplyError("ERR inner")]


def test_one_method_per_command():
    from miniredis import commands

    commands.load_all()
    methods = set(dir(RedisClientProtocol))
    assert "del_" in methods
    for name, command in commands.COMMANDS.items():
        name = name.decode().replace("-", "_")
        if name in ("del", "debug"):
            continue
        # A new command wants its method in miniredis.client.RedisCommands.
        if command.subcommands is not None:
            assert any(m.startswith(name + "_") for m in methods), name
        else:
            assert name in methods, name
