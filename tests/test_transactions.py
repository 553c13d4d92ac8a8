"""
MULTI, EXEC, DISCARD, WATCH and UNWATCH: against a real redis-server (one
and two connections per server), and in process for the wire form of an
aborted EXEC, persistence of a transaction's writes and blocking commands.
"""

import time

import pytest
from twisted.internet import task

from miniredis import MiniRedisFactory
from miniredis.resp import encode_command
from tests.local import loopback_transport, receive
from tests.servers import RawConnection

# ---------------------------------------------------------------- one client


def test_queued_commands_and_exec(differ):
    differ.run(
        [
            ("MULTI",),
            ("SET", "k", "v"),
            ("GET", "k"),
            ("INCR", "n"),
            ("LPUSH", "l", "a"),
            ("EXPIRE", "n", "100"),
            ("HSET", "h", "f", "v"),
            ("HGETALL", "h"),
            ("EXEC",),
            ("GET", "k"),
            ("MULTI",),
            ("EXEC",),
        ]
    )


def test_state_errors(differ):
    differ.run(
        [
            ("EXEC",),
            ("DISCARD",),
            ("MULTI",),
            ("MULTI",),
            ("PING",),
            ("EXEC",),
            ("MULTI",),
            ("WATCH", "x"),
            ("PING",),
            ("EXEC",),
            ("MULTI",),
            ("SET", "a", "1"),
            ("DISCARD",),
            ("GET", "a"),
            ("DISCARD",),
            ("MULTI", "x"),
            ("DISCARD", "x"),
            ("WATCH",),
            ("UNWATCH", "x"),
        ]
    )


def test_queueing_errors_abort_exec(differ):
    differ.run(
        [
            ("MULTI",),
            ("SET", "a", "1"),
            ("NOSUCH", "x"),
            ("SET", "b", "2"),
            ("EXEC",),
            ("EXISTS", "a", "b"),
            ("EXEC",),
            ("MULTI",),
            ("SET", "a"),
            ("EXEC",),
            ("MULTI",),
            ("CLIENT", "NOSUCH"),
            ("EXEC",),
            ("MULTI",),
            ("SET", "a", "1"),
            ("MULTI", "x"),
            ("EXEC",),
            ("MULTI",),
            ("SHUTDOWN",),
            ("EXEC",),
            ("MULTI",),
            ("EXEC", "x"),
            ("EXEC",),
            ("EXEC", "x"),
        ]
    )


def test_runtime_errors_are_returned_in_place(differ):
    differ.run(
        [
            ("SET", "s", "text"),
            ("MULTI",),
            ("INCR", "s"),
            ("SET", "a", "1"),
            ("LPUSH", "s", "x"),
            ("INCR", "a"),
            ("EVAL", "return redis.call('incr', 's')", "0"),
            ("EVAL", "return 1 +", "0"),
            ("EXEC",),
            ("GET", "a"),
        ]
    )


def test_blocking_commands_do_not_block_inside_multi(differ):
    differ.run(
        [
            ("RPUSH", "full", "a", "b"),
            ("ZADD", "z", "1", "m"),
            ("MULTI",),
            ("BLPOP", "empty", "0"),
            ("BRPOP", "empty", "0"),
            ("BLMOVE", "empty", "x", "LEFT", "LEFT", "0"),
            ("BRPOPLPUSH", "empty", "x", "0"),
            ("BLMPOP", "0", "1", "empty", "LEFT"),
            ("BZPOPMIN", "emptyz", "0"),
            ("BZPOPMAX", "emptyz", "0"),
            ("BZMPOP", "0", "1", "emptyz", "MIN"),
            ("BLPOP", "full", "0"),
            ("BZPOPMIN", "z", "0"),
            ("EXEC",),
            ("LRANGE", "full", "0", "-1"),
        ]
    )


def test_select_and_subscribe_inside_multi(differ):
    differ.run(
        [
            ("MULTI",),
            ("SELECT", "1"),
            ("SET", "k", "in-1"),
            ("EXEC",),
            ("GET", "k"),
            ("SELECT", "0"),
            ("GET", "k"),
        ]
    )
    if differ.proto == 2:
        differ.run(
            [
                ("MULTI",),
                ("SUBSCRIBE", "c"),
                ("EXEC",),
                ("MULTI",),
                ("EXEC",),
                ("PING",),
            ]
        )


def test_watch_by_the_same_client(differ):
    differ.run(
        [
            ("WATCH", "k"),
            ("SET", "k", "mine"),
            ("MULTI",),
            ("GET", "k"),
            ("EXEC",),
            ("WATCH", "k"),
            ("MULTI",),
            ("SET", "k", "queued"),
            ("EXEC",),
            ("GET", "k"),
            ("WATCH", "k"),
            ("UNWATCH",),
            ("SET", "k", "again"),
            ("MULTI",),
            ("PING",),
            ("EXEC",),
            ("WATCH", "k", "k", "other"),
            ("MULTI",),
            ("DISCARD",),
            ("SET", "k", "after discard"),
            ("MULTI",),
            ("PING",),
            ("EXEC",),
        ]
    )


# ---------------------------------------------------------------- two clients


def _watch_case(port, proto, setup, change, queued=(("PING",),)):
    """
    WATCH k from one client, let C{change} run on another client, then
    MULTI/EXEC: @return: every reply.
    """
    a, b = RawConnection(port, proto), RawConnection(port, proto)
    try:
        a.call("FLUSHALL")
        out = [a.call(*command) for command in setup]
        out.append(a.call("WATCH", "k"))
        for command in change:
            if command == "sleep":
                time.sleep(0.15)
            else:
                out.append(b.call(*command))
        out.append(a.call("MULTI"))
        out += [a.call(*command) for command in queued]
        out.append(a.call("EXEC"))
        out.append(a.call("GET", "k"))
        return out
    finally:
        a.close()
        b.close()


WATCH_CASES = {
    "other client writes": ((), [("SET", "k", "theirs")]),
    "same value written": ((("SET", "k", "v"),), [("SET", "k", "v")]),
    "unrelated key written": ((), [("SET", "other", "x")]),
    "missing key created": ((), [("LPUSH", "k", "x")]),
    "missing key deleted": ((), [("DEL", "k")]),
    "key deleted": ((("SET", "k", "v"),), [("DEL", "k")]),
    "expire set": ((("SET", "k", "v"),), [("EXPIRE", "k", "100")]),
    "persist without ttl": ((("SET", "k", "v"),), [("PERSIST", "k")]),
    "flushdb with the key": ((("SET", "k", "v"),), [("FLUSHDB",)]),
    "flushdb without the key": ((("SET", "x", "v"),), [("FLUSHDB",)]),
    "flushall": ((("SET", "k", "v"),), [("FLUSHALL",)]),
    "flushdb of another db": (
        (("SET", "k", "v"),),
        [("SELECT", "1"), ("FLUSHDB",), ("SELECT", "0")],
    ),
    "swapdb, key in db 0": ((("SET", "k", "v"),), [("SWAPDB", "0", "1")]),
    "swapdb, key in no db": ((), [("SWAPDB", "0", "1")]),
    "swapdb, key in db 1": (
        (),
        [("SELECT", "1"), ("SET", "k", "x"), ("SELECT", "0"), ("SWAPDB", "0", "1")],
    ),
    "key expires after watch": ((("SET", "k", "v", "PX", "50"),), ["sleep"]),
    "key written by a script": (
        (),
        [("EVAL", "return redis.call('set', KEYS[1], 'lua')", "1", "k")],
    ),
    "key read by a script": (
        (("SET", "k", "v"),),
        [("EVAL", "return redis.call('get', KEYS[1])", "1", "k")],
    ),
    "key written in a transaction": (
        (),
        [("MULTI",), ("SET", "k", "tx"), ("EXEC",)],
    ),
    "rename onto the key": (
        (("SET", "src", "v"),),
        [("RENAME", "src", "k")],
    ),
    "stream groups changed": (  # Redis does not count these as changes of the key
        (("XADD", "k", "1-1", "f", "v"), ("XGROUP", "CREATE", "k", "g", "0")),
        [
            ("XGROUP", "CREATE", "k", "g2", "0"),
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "k", ">"),
            ("XACK", "k", "g", "1-1"),
            ("XCLAIM", "k", "g", "d", "0", "1-1"),
            ("XAUTOCLAIM", "k", "g", "e", "0", "0"),
            ("XSETID", "k", "5-5"),
            ("XGROUP", "SETID", "k", "g", "0"),
            ("XGROUP", "DELCONSUMER", "k", "g", "c"),
            ("XGROUP", "DESTROY", "k", "g2"),
        ],
    ),
}


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("case", sorted(WATCH_CASES))
def test_watch(redis_server, mini_server, case, proto):
    setup, change = WATCH_CASES[case]
    real = _watch_case(redis_server.port, proto, setup, change)
    mini = _watch_case(mini_server.port, proto, setup, change)
    assert mini == real


def test_watch_in_another_database(redis_server, mini_server):
    def case(port):
        a, b = RawConnection(port), RawConnection(port)
        a.call("FLUSHALL")
        out = [a.call("WATCH", "k"), a.call("SELECT", "1"), b.call("SET", "k", "1")]
        out += [a.call("MULTI"), a.call("PING"), a.call("EXEC")]
        out += [a.call("WATCH", "k"), b.call("SET", "k", "2")]
        out += [a.call("MULTI"), a.call("PING"), a.call("EXEC")]
        return out

    assert case(mini_server.port) == case(redis_server.port)


def test_a_client_leaving_forgets_its_watches(redis_server, mini_server):
    def case(port):
        a = RawConnection(port)
        a.call("FLUSHALL")
        a.call("WATCH", "k")
        a.close()
        b = RawConnection(port)
        return [b.call("SET", "k", "v"), b.call("GET", "k")]

    assert case(mini_server.port) == case(redis_server.port)


# ---------------------------------------------------------------- in process


class Client:
    """A connection to an in-process server, on a fake clock."""

    def __init__(self, factory):
        self.protocol = factory.buildProtocol(None)
        self.transport = loopback_transport()
        self.protocol.makeConnection(self.transport)

    def send(self, *args):
        """@return: the bytes answered to C{args}."""
        self.transport.clear()
        receive(self.protocol, encode_command(list(args)))
        return self.transport.value()


@pytest.fixture
def factory():
    return MiniRedisFactory(clock=task.Clock())


@pytest.mark.parametrize("proto, null", [(2, b"*-1\r\n"), (3, b"_\r\n")])
def test_aborted_exec_is_a_null_array(factory, proto, null):
    a, b = Client(factory), Client(factory)
    if proto == 3:
        a.send("HELLO", "3")
    a.send("WATCH", "k")
    b.send("SET", "k", "v")
    a.send("MULTI")
    a.send("SET", "k", "mine")
    assert a.send("EXEC") == null
    assert b.send("GET", "k") == b"$1\r\nv\r\n"


def test_queued_reply(factory):
    a = Client(factory)
    assert a.send("MULTI") == b"+OK\r\n"
    assert a.send("SET", "k", "v") == b"+QUEUED\r\n"
    assert a.send("EXEC") == b"*1\r\n+OK\r\n"


def test_writes_are_logged_between_multi_and_exec(factory):
    logged = []
    factory.writes.listen(lambda db, argvs: logged.extend((db, argv) for argv in argvs))
    a = Client(factory)
    a.send("MULTI")
    a.send("SET", "a", "1")
    a.send("GET", "a")
    a.send("SELECT", "3")
    a.send("INCR", "n")
    a.send("EXEC")
    assert logged == [
        (0, [b"MULTI"]),
        (0, [b"SET", b"a", b"1"]),
        (3, [b"INCR", b"n"]),
        (3, [b"EXEC"]),
    ]


def test_nothing_logged_without_writes(factory):
    logged = []
    factory.writes.listen(lambda db, argvs: logged.append(argvs))
    a, b = Client(factory), Client(factory)
    a.send("MULTI")
    a.send("GET", "a")
    a.send("EXEC")
    a.send("MULTI")
    a.send("SET", "a", "1")
    a.send("NOSUCH")
    a.send("EXEC")
    a.send("WATCH", "k")
    b.send("GET", "k")
    a.send("MULTI")
    a.send("SET", "a", "1")
    a.send("DISCARD")
    assert logged == []


def test_blocking_pop_inside_exec_does_not_block(factory):
    a, b = Client(factory), Client(factory)
    a.send("MULTI")
    a.send("BLPOP", "l", "0")
    a.send("RPUSH", "l", "x")
    a.send("BLPOP", "l", "0")
    assert a.send("EXEC") == b"*3\r\n*-1\r\n:1\r\n*2\r\n$1\r\nl\r\n$1\r\nx\r\n"
    assert a.protocol.session.deny_blocking is False
    # outside MULTI the same client blocks again
    assert a.send("BLPOP", "l", "0") == b""
    assert b.send("RPUSH", "l", "y") == b":1\r\n"
    assert a.transport.value() == b"*2\r\n$1\r\nl\r\n$1\r\ny\r\n"


def test_exec_serves_blocked_clients_after_the_transaction(factory):
    a, b = Client(factory), Client(factory)
    assert a.send("BLPOP", "l", "0") == b""
    b.send("MULTI")
    b.send("RPUSH", "l", "x", "y")
    b.send("LLEN", "l")
    assert b.send("EXEC") == b"*2\r\n:2\r\n:2\r\n"
    assert a.transport.value() == b"*2\r\n$1\r\nl\r\n$1\r\nx\r\n"
