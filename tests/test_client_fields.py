"""
CLIENT LIST and CLIENT INFO field by field against redis-server 7.0.15: the
same fields in the same order, and the same values where both servers must
agree (what a client is doing rather than how its memory is laid out).
"""

import pytest

from tests.servers import RawConnection

# Values that depend on the client's state, not on the server's memory.
_AGREED = ("name", "flags", "db", "sub", "psub", "ssub", "multi", "cmd", "user")
_AGREED += ("redir", "resp")


def _fields(line):
    return [tuple(part.split(b"=", 1)) for part in line.strip().split(b" ")]


def _agreed(fields):
    return [(name, value) for name, value in fields if name.decode() in _AGREED]


def _named(reply, name):
    """
    @return: the line of the client called C{name} (connections of other
        tests may linger: PyPy closes a socket nobody holds only when its
        garbage collector runs).
    """
    return next(line for line in reply.splitlines() if b" name=%s " % name in line)


@pytest.mark.parametrize("subcommand", [("INFO",), ("LIST", "TYPE", "normal")])
def test_fields_and_order_are_redis_s(differ, subcommand):
    differ.both("CLIENT", "SETNAME", "checker")
    real, mini = (
        _fields(_named(reply, b"checker"))
        for reply in differ.both("CLIENT", *subcommand)
    )
    assert [name for name, _ in mini] == [name for name, _ in real]
    assert _agreed(mini) == _agreed(real)
    assert dict(mini)[b"cmd"] == b"client|" + subcommand[0].lower().encode()
    assert dict(mini)[b"argv-mem"] == dict(real)[b"argv-mem"]


def _line_of(differ, waiters):
    """@return: each server's CLIENT LIST line of its waiter connection."""
    out = []
    for connection, waiter in zip((differ.real, differ.mini), waiters):
        out.append(_fields(connection.call("CLIENT", "LIST", "ID", waiter.id)))
    return out


def _remember_ids(waiters):
    for waiter in waiters:
        waiter.id = str(waiter.call("CLIENT", "ID"))


def test_a_client_in_multi(differ, waiters):
    _remember_ids(waiters)
    for waiter in waiters:
        waiter.call("SELECT", "3")
        waiter.call("MULTI")
        waiter.call("SET", "k", "v")
        waiter.call("INCR", "n")
    real, mini = _line_of(differ, waiters)
    assert _agreed(mini) == _agreed(real)
    assert dict(mini)[b"multi"] == b"2" and dict(mini)[b"flags"] == b"x"
    assert int(dict(mini)[b"multi-mem"]) > 0
    for waiter in waiters:
        waiter.call("DISCARD")


def test_a_subscriber(differ, waiters):
    _remember_ids(waiters)
    for waiter in waiters:
        waiter.call("SUBSCRIBE", "a")
        waiter.call("SUBSCRIBE", "b")
        waiter.call("PSUBSCRIBE", "c*")
    real, mini = _line_of(differ, waiters)
    assert _agreed(mini) == _agreed(real)
    assert dict(mini)[b"sub"] == b"2" and dict(mini)[b"psub"] == b"1"


def test_pending_query_bytes_are_counted(mini_server):
    """Half a request waits in the query buffer; its bytes show as qbuf."""
    slow, watcher = RawConnection(mini_server.port), RawConnection(mini_server.port)
    slow_id = str(slow.call("CLIENT", "ID"))
    slow.sock.sendall(b"*2\r\n$3\r\nGET\r\n$5\r\nab")
    line = b""
    for _ in range(50):
        line = watcher.call("CLIENT", "LIST", "ID", slow_id)
        if dict(_fields(line))[b"qbuf"] != b"0":
            break
    fields = dict(_fields(line))
    assert fields[b"qbuf"] == b"19" and fields[b"argv-mem"] == b"0"
    assert int(fields[b"tot-mem"]) >= 19
    slow.close()
    watcher.close()
