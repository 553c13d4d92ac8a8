"""
Blocking sorted set pops (BZPOPMIN BZPOPMAX BZMPOP): unit tests on a fake
clock, and differential tests with two connections per real server.
"""

import pytest

from miniredis.resp import ReplyError
from tests.differential import block_both, check_raw
from tests.local import WRONGTYPE, Client, blocked_on

# ---------------------------------------------------------------- unit


def test_bzpopmin_served_by_zadd(server):
    waiter, writer = Client(server), Client(server)
    waiter.send("BZPOPMIN", "k1", "k2", "0")
    assert waiter.replies() == []
    assert waiter.session.blocked is not None
    assert writer.call("ZADD", "k2", "2", "b", "1.5", "a") == 2
    assert waiter.replies() == [[b"k2", b"a", b"1.5"]]
    assert writer.call("ZRANGE", "k2", "0", "-1") == [b"b"]
    assert server.factory.waits.count == 0
    assert blocked_on(server, "k1") == blocked_on(server, "k2") == []
    assert server.logged == [
        (0, [b"ZADD", b"k2", b"2", b"b", b"1.5", b"a"]),
        (0, [b"ZPOPMIN", b"k2"]),
    ]


def test_resp3_shape(server):
    waiter, writer = Client(server, proto=3), Client(server)
    waiter.send("BZPOPMAX", "k", "0")
    writer.call("ZADD", "k", "1", "a", "2.5", "b")
    assert waiter.raw() == b"*3\r\n$1\r\nk\r\n$1\r\nb\r\n,2.5\r\n"


def test_bzmpop_served_with_count(server):
    waiter, writer = Client(server), Client(server)
    waiter.send("BZMPOP", "0", "2", "a", "b", "MAX", "COUNT", "2")
    writer.call("ZADD", "b", "1", "x", "2", "y", "3", "z")
    assert waiter.replies() == [[b"b", [[b"z", b"3"], [b"y", b"2"]]]]
    assert server.logged[-1] == (0, [b"ZPOPMAX", b"b", b"2"])
    waiter.send("BZMPOP", "0", "1", "c", "MIN", "COUNT", "5")
    writer.call("ZADD", "c", "1", "x")
    assert waiter.replies() == [[b"c", [[b"x", b"1"]]]]
    assert server.logged[-1] == (0, [b"ZPOPMIN", b"c", b"1"])
    assert writer.call("EXISTS", "c") == 0


def test_served_at_once_is_logged_as_a_pop(server):
    client = Client(server)
    client.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert client.call("BZPOPMAX", "nokey", "z", "0") == [b"z", b"c", b"3"]
    assert client.call("BZMPOP", "1", "1", "z", "MIN") == [b"z", [[b"a", b"1"]]]
    assert server.logged[1:] == [
        (0, [b"ZPOPMAX", b"z"]),
        (0, [b"ZPOPMIN", b"z", b"1"]),
    ]


def test_zero_waits_forever(server):
    waiter, writer = Client(server), Client(server)
    waiter.send("BZPOPMIN", "k", "0")
    server.advance(10**7)
    assert waiter.raw() == b""
    writer.call("ZADD", "k", "1", "a")
    assert waiter.replies() == [[b"k", b"a", b"1"]]


def test_served_client_gets_no_timeout_reply(server):
    waiter, writer = Client(server), Client(server)
    waiter.send("BZPOPMIN", "k", "1")
    writer.call("ZADD", "k", "1", "a")
    assert waiter.replies() == [[b"k", b"a", b"1"]]
    server.advance(2)
    assert waiter.raw() == b""


def test_first_come_first_served(server):
    first, second, third, writer = (Client(server) for _ in range(4))
    first.send("BZPOPMIN", "k", "0")
    second.send("BZPOPMAX", "other", "k", "0")
    third.send("BZPOPMIN", "k", "0")
    writer.call("ZADD", "k", "1", "a", "2", "b")
    assert first.replies() == [[b"k", b"a", b"1"]]
    assert second.replies() == [[b"k", b"b", b"2"]]
    assert third.replies() == []
    assert blocked_on(server, "other") == []
    writer.call("ZADD", "k", "3", "c")
    assert third.replies() == [[b"k", b"c", b"3"]]


@pytest.mark.parametrize(
    "command",
    [
        ("ZINCRBY", "k", "1", "a"),
        ("ZADD", "k", "INCR", "1", "a"),
        ("ZADD", "k", "GT", "1", "a"),
        ("ZUNIONSTORE", "k", "1", "src"),
        ("ZINTERSTORE", "k", "2", "src", "src"),
        ("ZDIFFSTORE", "k", "1", "src"),
        ("ZRANGESTORE", "k", "src", "0", "0"),
        ("RENAME", "src", "k"),
    ],
)
def test_woken_by_every_write_that_creates_the_key(server, command):
    waiter, writer = Client(server), Client(server)
    writer.call("ZADD", "src", "1", "a")
    waiter.send("BZPOPMIN", "k", "0")
    writer.call(*command)
    [reply] = waiter.replies()
    assert reply[:2] == [b"k", b"a"]


def test_key_of_another_type_does_not_serve(server):
    waiter, writer = Client(server), Client(server)
    waiter.send("BZPOPMIN", "k", "0")
    writer.call("SET", "k", "x")
    writer.call("RENAME", "k", "k")
    writer.call("DEL", "k")
    writer.call("RPUSH", "k", "x")
    assert waiter.replies() == []
    writer.call("DEL", "k")
    writer.call("ZADD", "k", "1", "a")
    assert waiter.replies() == [[b"k", b"a", b"1"]]


def test_add_then_pop_inside_exec_keeps_the_client_blocked(server):
    waiter, writer = Client(server), Client(server)
    waiter.send("BZPOPMIN", "k", "0")
    writer.call("MULTI")
    writer.call("ZADD", "k", "1", "a")
    writer.call("ZPOPMIN", "k")
    assert writer.call("EXEC") == [1, [b"a", b"1"]]
    assert waiter.replies() == []
    assert server.factory.waits.count == 1


def test_add_inside_exec_serves_after_exec(server):
    waiter, writer = Client(server), Client(server)
    waiter.send("BZMPOP", "0", "1", "k", "MIN", "COUNT", "9")
    writer.call("MULTI")
    writer.call("ZADD", "k", "1", "a")
    writer.call("ZADD", "k", "2", "b")
    assert waiter.replies() == []
    assert writer.call("EXEC") == [1, 1]
    assert waiter.replies() == [[b"k", [[b"a", b"1"], [b"b", b"2"]]]]


def test_exec_does_not_block(server):
    client = Client(server, proto=3)
    client.call("MULTI")
    client.call("BZPOPMIN", "k", "0")
    client.call("BZMPOP", "0", "1", "k", "MIN")
    assert client.raw() == b""
    client.send("EXEC")
    assert client.raw() == b"*2\r\n_\r\n_\r\n"
    assert server.factory.waits.count == 0


def test_another_database_does_not_wake(server):
    waiter, writer = Client(server), Client(server)
    waiter.call("SELECT", "1")
    waiter.send("BZPOPMIN", "k", "0")
    writer.call("ZADD", "k", "1", "zero")
    assert waiter.replies() == []
    writer.call("SELECT", "1")
    writer.call("ZADD", "k", "1", "one")
    assert waiter.replies() == [[b"k", b"one", b"1"]]
    assert server.logged[-1] == (1, [b"ZPOPMIN", b"k"])


def test_disconnect_cleans_up(server):
    waiter, writer = Client(server), Client(server)
    waiter.send("BZPOPMAX", "k", "5")
    waiter.disconnect()
    assert server.factory.waits.count == 0
    assert blocked_on(server, "k") == []
    writer.call("ZADD", "k", "1", "a")
    assert writer.call("ZCARD", "k") == 1
    server.advance(10)


def test_requests_after_a_blocking_one_wait_their_turn(server):
    waiter, writer = Client(server), Client(server)
    waiter.send("BZPOPMIN", "k", "0")
    waiter.send("ZCARD", "k")
    assert waiter.replies() == []
    writer.call("ZADD", "k", "1", "a", "2", "b")
    assert waiter.replies() == [[b"k", b"a", b"1"], 1]


def test_errors(server):
    client = Client(server)
    client.call("SET", "str", "x")
    client.call("ZADD", "z", "1", "a")
    assert client.call("BZPOPMIN", "str", "z", "0") == WRONGTYPE
    assert client.call("BZPOPMIN", "nokey", "str", "0") == WRONGTYPE
    assert client.call("BZPOPMIN", "z", "-1") == ReplyError("ERR timeout is negative")
    assert client.call("BZMPOP", "x", "1", "z", "MIN") == ReplyError(
        "ERR timeout is not a float or out of range"
    )
    assert client.call("BZMPOP", "0", "1", "z", "UP") == ReplyError("ERR syntax error")
    assert server.factory.waits.count == 0
    assert client.call("ZCARD", "z") == 1


# ---------------------------------------------------------------- differential


@pytest.mark.parametrize(
    "blocking, write",
    [
        (("BZPOPMIN", "k", "0"), ("ZADD", "k", "1", "a", "2", "b")),
        (("BZPOPMAX", "x", "k", "0"), ("ZADD", "k", "1", "a", "2.5", "b")),
        (("BZPOPMIN", "k", "0"), ("ZINCRBY", "k", "0.1", "a")),
        (("BZMPOP", "0", "2", "x", "k", "MIN", "COUNT", "5"), ("ZADD", "k", "1", "a")),
        (("BZMPOP", "0", "1", "k", "MAX"), ("ZUNIONSTORE", "k", "1", "src")),
        (("BZPOPMIN", "k", "0"), ("ZRANGESTORE", "k", "src", "0", "0")),
    ],
)
def test_blocked_client_served(differ, waiters, blocking, write):
    differ.check("ZADD", "src", "3", "m", "4", "n")
    block_both(differ, waiters, *blocking)
    differ.check(*write)
    real, mini = (connection.read() for connection in waiters)
    assert mini == real
    differ.check("ZRANGE", "k", "0", "-1", "WITHSCORES")


def test_blocked_timeout(differ, waiters):
    check_raw(differ, "BZPOPMIN", "k", "0.1")
    check_raw(differ, "BZMPOP", "0.1", "1", "k", "MIN", "COUNT", "2")
    for connection in waiters:
        connection.send("BZPOPMAX", "k", "0.1")
    assert waiters[1].read() == waiters[0].read() is None


def test_immediate_replies(differ):
    differ.check("ZADD", "z", "1", "a", "2", "b", "3", "c")
    differ.check("SET", "str", "x")
    for args in [
        ("BZPOPMIN", "nokey", "z", "0"),
        ("BZPOPMAX", "z", "0"),
        ("BZMPOP", "0", "2", "nokey", "z", "MIN", "COUNT", "5"),
        ("BZPOPMIN", "str", "0"),
        ("BZPOPMIN", "nokey", "str", "z", "0"),
        ("BZMPOP", "0", "1", "str", "MIN"),
    ]:
        check_raw(differ, *args)


@pytest.mark.parametrize(
    "args",
    [("BZPOPMIN", "k", "x"), ("BZPOPMIN", "k", "-1"), ("BZPOPMIN", "k", "inf"),
     ("BZPOPMIN", "k", "1e20"), ("BZPOPMIN", "k", "nan"), ("BZPOPMIN", "k", " 1"),
     ("BZPOPMIN", "k", ""), ("BZPOPMIN", "k", "1e5000"), ("BZPOPMIN", "k"),
     ("BZMPOP", "x", "1", "k", "MIN"), ("BZMPOP", "0", "0", "k", "MIN"),
     ("BZMPOP", "-1", "x", "k", "MIN"), ("BZMPOP", "0", "1", "k", "foo"),
     ("BZMPOP", "0", "1", "k", "MIN", "COUNT", "0"),
     ("BZMPOP", "x", "1", "k", "MIN", "COUNT", "0"), ("BZMPOP", "0", "2", "k", "MIN"),
     ("BZMPOP", "0", "1", "k")],
    ids=" ".join,
)  # fmt: skip
def test_blocking_errors(differ, args):
    differ.check(*args)
