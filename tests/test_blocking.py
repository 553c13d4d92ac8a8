"""
Blocking pops (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP): unit tests on a fake
clock, and differential tests with two connections per real server.
"""

import pytest

from miniredis.resp import ReplyError
from tests.differential import block_both, check_raw, wait_until_blocked
from tests.local import WRONGTYPE, Client, blocked_on
from tests.servers import RawConnection

# ---------------------------------------------------------------- unit


def test_blpop_served_by_a_push(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BLPOP", "k1", "k2", "0")
    assert waiter.replies() == []
    assert server.factory.waits.count == 1
    assert waiter.session.blocked is not None
    assert pusher.call("RPUSH", "k2", "a", "b") == 2
    assert waiter.replies() == [[b"k2", b"a"]]
    assert pusher.call("LRANGE", "k2", "0", "-1") == [b"b"]
    assert server.factory.waits.count == 0
    assert blocked_on(server, "k1") == blocked_on(server, "k2") == []


@pytest.mark.parametrize("proto, shape", [(2, b"*-1\r\n"), (3, b"_\r\n")])
@pytest.mark.parametrize(
    "command",
    [
        ("BRPOP", "k", "1.5"),
        ("BZPOPMIN", "k", "1.5"),
        ("BZMPOP", "1.5", "1", "k", "MAX"),
    ],
)
def test_timeout(server, proto, shape, command):
    waiter = Client(server, proto)
    waiter.send(*command)
    server.advance(1.4)
    assert waiter.raw() == b""
    server.advance(0.2)
    assert waiter.raw() == shape
    assert server.factory.waits.count == 0
    assert blocked_on(server, "k") == []


def test_timeout_is_rounded_up_to_a_millisecond(server):
    waiter = Client(server)
    waiter.send("BLPOP", "k", "0.0001")
    server.advance(0.0009)
    assert waiter.raw() == b""
    server.advance(0.0001)
    assert waiter.raw() == b"*-1\r\n"


def test_zero_waits_forever(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BLPOP", "k", "0")
    server.advance(10**7)
    assert waiter.raw() == b""
    pusher.call("LPUSH", "k", "v")
    assert waiter.replies() == [[b"k", b"v"]]


def test_served_client_gets_no_timeout_reply(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BLPOP", "k", "1")
    pusher.call("LPUSH", "k", "v")
    assert waiter.replies() == [[b"k", b"v"]]
    server.advance(2)
    assert waiter.raw() == b""


def test_first_come_first_served(server):
    first, second, third, pusher = (Client(server) for _ in range(4))
    first.send("BLPOP", "k", "0")
    second.send("BRPOP", "k", "other", "0")
    third.send("BLPOP", "k", "0")
    pusher.call("RPUSH", "k", "a", "b")
    assert first.replies() == [[b"k", b"a"]]
    assert second.replies() == [[b"k", b"b"]]
    assert third.replies() == []
    assert blocked_on(server, "other") == []
    pusher.call("RPUSH", "k", "c")
    assert third.replies() == [[b"k", b"c"]]


def test_push_inside_exec_serves_after_exec(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BLPOP", "k", "0")
    pusher.call("MULTI")
    pusher.call("RPUSH", "k", "a")
    assert waiter.replies() == []
    pusher.call("LLEN", "k")
    assert pusher.call("EXEC") == [1, 1]
    assert waiter.replies() == [[b"k", b"a"]]


def test_push_then_pop_inside_exec_keeps_the_client_blocked(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BLPOP", "k", "0")
    pusher.call("MULTI")
    pusher.call("RPUSH", "k", "a")
    pusher.call("LPOP", "k")
    assert pusher.call("EXEC") == [1, b"a"]
    assert waiter.replies() == []
    assert server.factory.waits.count == 1


def test_another_database_does_not_wake(server):
    waiter, pusher = Client(server), Client(server)
    waiter.call("SELECT", "1")
    waiter.send("BLPOP", "k", "0")
    pusher.call("RPUSH", "k", "zero")
    assert waiter.replies() == []
    pusher.call("SELECT", "1")
    pusher.call("RPUSH", "k", "one")
    assert waiter.replies() == [[b"k", b"one"]]
    assert pusher.call("SELECT", "0") == b"OK"
    assert pusher.call("LRANGE", "k", "0", "-1") == [b"zero"]


def test_disconnect_cleans_up(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BLPOP", "k", "5")
    waiter.disconnect()
    assert server.factory.waits.count == 0
    assert blocked_on(server, "k") == []
    pusher.call("RPUSH", "k", "a")
    assert pusher.call("LLEN", "k") == 1
    server.advance(10)


def test_requests_after_a_blocking_one_wait_their_turn(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BLPOP", "k", "0")
    waiter.send("PING")
    assert waiter.replies() == []
    pusher.call("RPUSH", "k", "a")
    assert waiter.replies() == [[b"k", b"a"], b"PONG"]


def test_exec_does_not_block(server):
    waiter = Client(server, proto=3)
    waiter.call("MULTI")
    waiter.call("BLPOP", "k", "0")
    waiter.call("BLMOVE", "k", "d", "LEFT", "LEFT", "0")
    assert waiter.call("EXEC") == [None, None]
    assert server.factory.waits.count == 0


def test_blmpop_served(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2")
    pusher.call("RPUSH", "b", "1", "2", "3")
    assert waiter.replies() == [[b"b", [b"3", b"2"]]]
    assert server.logged[-1] == (0, [b"RPOP", b"b", b"2"])


def test_blmove_served_and_feeds_the_next_waiter(server):
    mover, popper, pusher = Client(server), Client(server), Client(server)
    popper.send("BLPOP", "target", "0")
    mover.send("BLMOVE", "source", "target", "RIGHT", "LEFT", "0")
    pusher.call("RPUSH", "source", "a", "b")
    assert mover.replies() == [b"b"]
    assert popper.replies() == [[b"target", b"b"]]
    assert pusher.call("LRANGE", "source", "0", "-1") == [b"a"]
    assert pusher.call("EXISTS", "target") == 0
    assert server.logged[-3:] == [
        (0, [b"RPUSH", b"source", b"a", b"b"]),
        (0, [b"LMOVE", b"source", b"target", b"RIGHT", b"LEFT"]),
        (0, [b"LPOP", b"target"]),
    ]


def test_brpoplpush_rotates_what_wakes_it(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BRPOPLPUSH", "k", "k", "0")
    pusher.call("RPUSH", "k", "a", "b")
    assert waiter.replies() == [b"b"]
    assert pusher.call("LRANGE", "k", "0", "-1") == [b"b", b"a"]


def test_blmove_to_a_key_of_another_type(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BLMOVE", "k", "d", "LEFT", "LEFT", "0")
    pusher.call("SET", "d", "x")
    pusher.call("RPUSH", "k", "a")
    assert waiter.replies() == [WRONGTYPE]
    assert pusher.call("LRANGE", "k", "0", "-1") == [b"a"]
    assert server.factory.waits.count == 0


def test_key_renamed_onto_a_blocked_one(server):
    waiter, other = Client(server), Client(server)
    waiter.send("BLPOP", "k", "0")
    other.call("RPUSH", "src", "a")
    other.call("RENAME", "src", "k")
    assert waiter.replies() == [[b"k", b"a"]]


def test_served_pop_is_logged_as_a_pop(server):
    waiter, pusher = Client(server), Client(server)
    waiter.send("BRPOP", "k", "0")
    pusher.call("LPUSH", "k", "a")
    assert waiter.replies() == [[b"k", b"a"]]
    assert server.logged == [(0, [b"LPUSH", b"k", b"a"]), (0, [b"RPOP", b"k"])]


def test_timeout_errors(server):
    client = Client(server)
    assert client.call("BLPOP", "k", "-1") == ReplyError("ERR timeout is negative")
    assert client.call("BLPOP", "k", "x") == ReplyError(
        "ERR timeout is not a float or out of range"
    )
    assert server.factory.waits.count == 0


# ---------------------------------------------------------------- differential


@pytest.mark.parametrize(
    "blocking, push",
    [
        (("BLPOP", "k", "0"), ("LPUSH", "k", "a", "b")),
        (("BRPOP", "x", "k", "0"), ("RPUSH", "k", "a", "b")),
        (("BLMOVE", "k", "d", "LEFT", "RIGHT", "0"), ("RPUSH", "k", "a", "b")),
        (("BRPOPLPUSH", "k", "d", "0"), ("RPUSH", "k", "a", "b")),
        (("BLMPOP", "0", "2", "x", "k", "LEFT", "COUNT", "5"), ("RPUSH", "k", "a")),
    ],
)
def test_blocked_client_served(differ, waiters, blocking, push):
    block_both(differ, waiters, *blocking)
    differ.check(*push)
    real, mini = (connection.read() for connection in waiters)
    assert mini == real
    differ.check("LRANGE", "k", "0", "-1")
    differ.check("LRANGE", "d", "0", "-1")


def test_blocked_timeout(differ, waiters):
    check_raw(differ, "BLPOP", "k", "0.1")
    for connection in waiters:
        connection.send("BRPOP", "k", "0.1")
    assert waiters[1].read() == waiters[0].read() is None


def test_blocked_clients_served_in_order(differ, redis_server, mini_server):
    connections = []
    try:
        for port, commands in (
            (redis_server.port, differ.real),
            (mini_server.port, differ.mini),
        ):
            first, second = (RawConnection(port, differ.proto) for _ in range(2))
            connections += [first, second]
            first.send("BRPOP", "k", "0")
            wait_until_blocked(commands, 1)
            second.send("BLPOP", "other", "k", "0")
            wait_until_blocked(commands, 2)
        differ.check("RPUSH", "k", "a", "b", "c")
        replies = [connection.read() for connection in connections]
        assert replies[2:] == replies[:2] == [[b"k", b"c"], [b"k", b"a"]]
        differ.check("LRANGE", "k", "0", "-1")
    finally:
        for connection in connections:
            connection.close()
