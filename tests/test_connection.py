"""
Connection commands: PING ECHO QUIT SELECT AUTH HELLO RESET CLIENT.

Unit tests drive a protocol over StringTransport; differential tests compare
with a real redis-server, with and without C{requirepass}.
"""

import pytest
from twisted.internet import task

from miniredis.protocol import MiniRedisFactory
from miniredis.resp import NULL_ARRAY, ReplyError
from tests.local import Connection
from tests.servers import RawConnection, miniredis_process, redis_process


@pytest.fixture
def factory():
    return MiniRedisFactory(clock=task.Clock())


def test_ping_echo_select(factory):
    client = Connection(factory)
    assert client.raw("PING") == b"+PONG\r\n"
    assert client.call("PING", "x") == b"x"
    assert client.call("ECHO", "hi") == b"hi"
    assert client.call("SELECT", "3") == b"OK"
    assert client.session.db.index == 3
    assert client.call("SELECT", "16") == ReplyError("ERR DB index is out of range")
    assert client.call("SELECT", "x") == ReplyError(
        "ERR value is not an integer or out of range"
    )


def test_quit_closes_after_the_reply(factory):
    client = Connection(factory)
    assert client.raw("QUIT", "PING") == b"+OK\r\n"
    assert client.transport.disconnecting


def test_hello_switches_the_encoding(factory):
    client = Connection(factory)
    raw = client.raw("HELLO", "3", "SETNAME", "worker")
    assert raw.startswith(b"%7\r\n")
    assert client.session.proto == 3 and client.session.name == b"worker"
    assert client.raw("CLIENT", "GETNAME") == b"$6\r\nworker\r\n"
    assert client.raw("GET", "missing") == b"_\r\n"
    client.raw("HELLO", "2")
    assert client.raw("GET", "missing") == b"$-1\r\n"


def test_requirepass():
    factory = MiniRedisFactory(clock=task.Clock(), requirepass="s3cret")
    client = Connection(factory)
    noauth = ReplyError("NOAUTH Authentication required.")
    assert client.call("PING") == noauth
    assert client.call("CLIENT", "ID") == noauth
    assert client.call("AUTH", "nope") == ReplyError(
        "WRONGPASS invalid username-password pair or user is disabled."
    )
    assert client.call("AUTH", "s3cret") == b"OK"
    assert client.call("PING") == b"PONG"
    assert client.call("RESET") == b"RESET"
    assert client.call("PING") == noauth
    hello = client.call("HELLO", "3", "AUTH", "default", "s3cret")
    assert hello[b"proto"] == 3 and hello[b"id"] == client.session.id
    assert client.call("PING") == b"PONG"


def test_requirepass_from_the_command_line_as_bytes():
    factory = MiniRedisFactory(clock=task.Clock(), requirepass=b"pw")
    client = Connection(factory)
    assert client.call("AUTH", "pw") == b"OK"


def test_reset(factory):
    client = Connection(factory)
    client.call("HELLO", "3", "SETNAME", "n")
    client.call("SELECT", "2")
    client.call("MULTI")
    assert client.raw("RESET") == b"+RESET\r\n"
    session = client.session
    assert (session.proto, session.name, session.db.index) == (2, b"", 0)
    assert session.multi is None


def test_client_kill_by_id_and_self(factory):
    one, two = Connection(factory), Connection(factory)
    assert one.call("CLIENT", "KILL", "ID", str(two.session.id)) == 1
    assert two.transport.disconnecting and not one.transport.disconnecting
    assert one.call("CLIENT", "KILL", "ID", str(one.session.id)) == 0
    assert one.raw("CLIENT", "KILL", "ID", str(one.session.id), "SKIPME", "no") == (
        b":1\r\n"
    )
    assert one.transport.disconnecting


def test_client_kill_by_type(factory):
    one, two = Connection(factory), Connection(factory)
    factory.pubsub.subscribe(two.session, b"news")
    assert one.call("CLIENT", "KILL", "TYPE", "pubsub") == 1
    assert two.transport.disconnecting


def test_client_list_and_info(factory):
    one, two = Connection(factory), Connection(factory)
    two.call("CLIENT", "SETNAME", "second")
    listing = one.call("CLIENT", "LIST").decode().splitlines()
    assert len(listing) == 2
    assert "name=second" in listing[1].split()
    only = one.call("CLIENT", "LIST", "ID", str(two.session.id)).decode()
    assert only.startswith("id=%d " % two.session.id)
    info = two.call("CLIENT", "INFO").decode()
    assert "name=second" in info.split() and info.endswith("\n")
    assert "cmd=client|info" in info.split()


def test_client_unblock(factory):
    blocked, other = Connection(factory), Connection(factory)
    factory.waits.block(
        blocked.session, [b"k"], 0, lambda key: None, timeout_reply=NULL_ARRAY
    )
    assert other.call("CLIENT", "UNBLOCK", str(blocked.session.id)) == 1
    assert blocked.transport.value() == b"*-1\r\n"
    assert blocked.session.blocked is None and factory.waits.count == 0
    assert other.call("CLIENT", "UNBLOCK", str(blocked.session.id)) == 0
    factory.waits.block(blocked.session, [b"k"], 0, lambda key: None, NULL_ARRAY)
    blocked.transport.clear()
    assert other.call("CLIENT", "UNBLOCK", str(blocked.session.id), "ERROR") == 1
    assert blocked.transport.value() == (
        b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    )


# ------------------------------------------------------------ differential


def _without_id(reply):
    """A HELLO reply as a dict without its (server-specific) id."""
    if isinstance(reply, list):
        reply = dict(zip(reply[::2], reply[1::2]))
    if isinstance(reply, dict):
        reply = dict(reply)
        reply.pop(b"id")
    return reply


def test_basic_commands(differ):
    differ.run(
        [
            ("PING",),
            ("PING", "hello"),
            ("PING", "a", "b"),
            ("ECHO", "x y"),
            ("ECHO",),
            ("ECHO", "a", "b"),
            ("SELECT", "1"),
            ("SELECT", "15"),
            ("SELECT", "16"),
            ("SELECT", "-1"),
            ("SELECT", "x"),
            ("SELECT", "1.5"),
            ("SELECT",),
            ("SELECT", "0"),
        ]
    )


def test_auth_without_a_password(differ):
    differ.run(
        [
            ("AUTH", "x"),
            ("AUTH", "default", "anything"),
            ("AUTH", "someone", "x"),
            ("AUTH", "a", "b", "c"),
            ("AUTH",),
        ]
    )


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("2",),
        ("3",),
        ("3", "SETNAME", "worker"),
        ("2", "AUTH", "default", "whatever"),
        ("3", "AUTH", "nobody", "x"),
        ("2", "SETNAME", "a", "SETNAME", "b"),
    ],
)
def test_hello(differ, args):
    real, mini = differ.both("HELLO", *args)
    assert type(mini) is type(real)
    assert _without_id(mini) == _without_id(real)
    differ.check("CLIENT", "GETNAME")
    differ.check("GET", "missing")


def test_hello_errors(differ):
    differ.run(
        [
            ("HELLO", "1"),
            ("HELLO", "4"),
            ("HELLO", "x"),
            ("HELLO", " 3"),
            ("HELLO", "3", "AUTH"),
            ("HELLO", "3", "AUTH", "default"),
            ("HELLO", "3", "SETNAME"),
            ("HELLO", "3", "FOO"),
            ("HELLO", "3", "SETNAME", "a b"),
            ("CLIENT", "GETNAME"),
        ]
    )


def test_client_subcommands(differ):
    differ.run(
        [
            ("CLIENT", "GETNAME"),
            ("CLIENT", "SETNAME", "alpha"),
            ("CLIENT", "GETNAME"),
            ("CLIENT", "SETNAME", "a b"),
            ("CLIENT", "SETNAME", "caf\u00e9"),
            ("CLIENT", "SETNAME", ""),
            ("CLIENT", "GETNAME"),
            ("CLIENT", "SETNAME"),
            ("CLIENT",),
            ("CLIENT", "NOSUCH"),
            ("CLIENT", "SETINFO", "LIB-NAME", "redis-py"),
            ("CLIENT", "SETINFO", "LIB-VER", "8.1.0"),
            (
                "CLIENT",
                "MAINT_NOTIFICATIONS",
                "ON",
                "moving-endpoint-type",
                "internal-ip",
            ),
            ("CLIENT", "GETREDIR"),
            ("CLIENT", "NO-EVICT", "on"),
            ("CLIENT", "NO-EVICT", "maybe"),
            ("CLIENT", "REPLY", "ON"),
            ("CLIENT", "REPLY", "maybe"),
            ("CLIENT", "LIST", "TYPE", "master"),
            ("CLIENT", "LIST", "TYPE", "replica"),
            ("CLIENT", "LIST", "TYPE", "pubsub"),
            ("CLIENT", "LIST", "TYPE", "bogus"),
            ("CLIENT", "LIST", "ID", "x"),
            ("CLIENT", "LIST", "ID", "999999"),
            ("CLIENT", "LIST", "ID"),
            ("CLIENT", "LIST", "bogus"),
            ("CLIENT", "KILL", "1.2.3.4:5"),
            ("CLIENT", "KILL", "ID", "x"),
            ("CLIENT", "KILL", "ID", "0"),
            ("CLIENT", "KILL", "ID", "999999"),
            ("CLIENT", "KILL", "TYPE", "bogus"),
            ("CLIENT", "KILL", "TYPE", "master"),
            ("CLIENT", "KILL", "USER", "nobody"),
            ("CLIENT", "KILL", "USER", "default"),
            ("CLIENT", "KILL", "SKIPME", "maybe"),
            ("CLIENT", "KILL", "LADDR", "1.2.3.4:5"),
            ("CLIENT", "KILL", "ADDR", "1.2.3.4:5", "ID"),
            ("CLIENT", "KILL", "BOGUS", "x"),
            ("CLIENT", "UNBLOCK", "999999"),
            ("CLIENT", "UNBLOCK", "x"),
            ("CLIENT", "UNBLOCK", "1", "bogus"),
            ("CLIENT", "UNBLOCK", "1", "ERROR"),
        ]
    )


def _fields(text):
    return [pair.split("=", 1)[0] for pair in text.decode().split()]


def test_client_info_and_list_fields(differ):
    differ.both("CLIENT", "SETNAME", "me")
    for args in (("CLIENT", "INFO"), ("CLIENT", "LIST", "ID", "1", "2", "3")):
        real, mini = differ.both(*args)
        assert type(mini) is type(real)
    real, mini = differ.both("CLIENT", "INFO")
    assert _fields(mini) == _fields(real)
    assert mini.endswith(b"\n") and b" name=me " in mini
    real_id, mini_id = differ.both("CLIENT", "ID")
    real = differ.real.call("CLIENT", "LIST", "ID", str(real_id))
    mini = differ.mini.call("CLIENT", "LIST", "ID", str(mini_id))
    assert _fields(mini) == _fields(real)
    assert mini.startswith(b"id=%d " % mini_id)


def test_client_kill_other_connection(redis_server, mini_server):
    for server in (redis_server, mini_server):
        killer, victim = RawConnection(server.port), RawConnection(server.port)
        victim_id = victim.call("CLIENT", "ID")
        address = [
            field.split("=", 1)[1]
            for field in victim.call("CLIENT", "INFO").decode().split()
            if field.startswith("addr=")
        ][0]
        assert killer.call("CLIENT", "KILL", "ID", str(victim_id)) == 1
        assert victim.closed()
        other = RawConnection(server.port)
        assert killer.call("CLIENT", "KILL", "ADDR", address) == 0
        address = other.call("CLIENT", "INFO").decode().split()[1].split("=", 1)[1]
        assert killer.call("CLIENT", "KILL", address) == b"OK"
        assert other.closed()
        assert killer.call("CLIENT", "KILL", "ID", "1", "SKIPME", "no") == 0
        killer.close()


def test_quit_and_reset(differ):
    differ.run(
        [
            ("SELECT", "3"),
            ("CLIENT", "SETNAME", "x"),
            ("MULTI",),
            ("RESET",),
            ("CLIENT", "GETNAME"),
            ("GET", "missing"),
        ]
    )
    real, mini = differ.both("HELLO")
    assert _without_id(mini) == _without_id(real)
    differ.check("QUIT")
    assert differ.mini.closed() and differ.real.closed()


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """A redis-server and a miniredis, both with requirepass "secret"."""
    servers = [
        redis_process(str(tmp_path_factory.mktemp("rp")), "--requirepass", "secret"),
        miniredis_process(
            str(tmp_path_factory.mktemp("mp")), "--requirepass", "secret"
        ),
    ]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


def _replies(port, script):
    conn = RawConnection(port)
    replies = []
    for args in script:
        reply = conn.call(*args)
        replies.append(_without_id(reply) if args[0] == "HELLO" else reply)
    conn.close()
    return replies


@pytest.mark.parametrize(
    "script",
    [
        [("PING",), ("GET", "k"), ("CLIENT", "ID"), ("AUTH",), ("QUIT",)],
        [("AUTH", "wrong"), ("AUTH", "default", "wrong"), ("AUTH", "nobody", "x")],
        [("AUTH", "secret"), ("PING",), ("RESET",), ("GET", "k"), ("ECHO", "x")],
        [("AUTH", "default", "secret"), ("SELECT", "1"), ("CLIENT", "GETNAME")],
        [("HELLO",), ("HELLO", "3"), ("HELLO", "3", "AUTH", "default", "wrong")],
        [("HELLO", "3", "AUTH", "default", "secret", "BOGUS"), ("PING",)],
        [("HELLO", "2", "AUTH", "default", "secret", "SETNAME", "w"), ("PING",)],
        [("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "a b"), ("PING",)],
    ],
)
def test_requirepass_differential(secured, script):
    real, mini = secured
    assert _replies(mini.port, script) == _replies(real.port, script)


def test_client_kill_by_local_address(redis_server, mini_server):
    """Found by fuzzing: LADDR once raised AttributeError and dropped the killer."""
    for server in (redis_server, mini_server):
        killer, victim = RawConnection(server.port), RawConnection(server.port)
        assert killer.call("CLIENT", "KILL", "LADDR", "10.0.0.1:1") == 0
        laddr = "127.0.0.1:%d" % server.port
        assert killer.call("CLIENT", "KILL", "LADDR", laddr, "SKIPME", "yes") == 1
        assert victim.closed()
        assert killer.call("PING") == b"PONG"
        killer.close()
