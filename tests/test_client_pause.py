"""
CLIENT PAUSE and UNPAUSE, compared with redis-server: which commands wait,
in what order they run once the pause ends, and keys that stay while it
lasts.
"""

import socket
import time

import pytest

from tests.servers import RawConnection


@pytest.mark.parametrize(
    "args",
    [
        ("CLIENT", "PAUSE", "abc"),
        ("CLIENT", "PAUSE", "-1"),
        ("CLIENT", "PAUSE", "10", "sometimes"),
        ("CLIENT", "PAUSE", "10", "write", "extra"),
        ("CLIENT", "PAUSE"),
        ("CLIENT", "UNPAUSE", "now"),
        ("CLIENT", "UNPAUSE"),
    ],
)
def test_arguments(differ, args):
    differ.check(*args)


def _answered(connection, wait=0.15):
    """@return: the next reply if one comes within C{wait} seconds, else None."""
    connection.sock.settimeout(wait)
    try:
        return connection.read()
    except socket.timeout:
        return None
    finally:
        connection.sock.settimeout(10)


def _on_both(redis_server, mini_server, scenario):
    """@return: what C{scenario(pauser, other)} gives on each server."""
    results = []
    for server in (redis_server, mini_server):
        pauser, other = RawConnection(server.port), RawConnection(server.port)
        try:
            pauser.call("FLUSHALL")
            results.append(scenario(pauser, other))
        finally:
            pauser.call("CLIENT", "UNPAUSE")
            pauser.close()
            other.close()
    return results


def test_write_pause_holds_writes_in_order(redis_server, mini_server):
    def scenario(pauser, other):
        pauser.call("SET", "k", "1")
        assert pauser.call("CLIENT", "PAUSE", "5000", "WRITE") == b"OK"
        seen = [other.call("GET", "k")]
        other.send("INCR", "k")
        other.send("GET", "k")  # waits behind the write, in order
        seen.append(_answered(other))
        pauser.call("CLIENT", "UNPAUSE")
        seen += [other.read(), other.read()]
        return seen

    real, mini = _on_both(redis_server, mini_server, scenario)
    assert mini == real == [b"1", None, 2, b"2"]


@pytest.mark.parametrize(
    "command",
    [
        ("PUBLISH", "c", "m"),
        ("EVAL", "return 1", "0"),
        ("EVAL_RO", "return 1", "0"),
        ("PING",),
        ("DEL", "k"),
        ("EXISTS", "k"),
        ("CLIENT", "UNPAUSE"),
    ],
)
@pytest.mark.parametrize("mode", ["WRITE", "ALL"])
def test_what_waits(redis_server, mini_server, command, mode):
    def scenario(pauser, other):
        pauser.call("CLIENT", "PAUSE", "400", mode)
        other.send(*command)
        first = _answered(other, 0.1)
        return first is None, first if first is not None else other.read()

    real, mini = _on_both(redis_server, mini_server, scenario)
    assert mini == real


def test_exec_of_writes_waits(redis_server, mini_server):
    def scenario(pauser, other):
        other.call("MULTI")
        other.call("GET", "k")
        pauser.call("CLIENT", "PAUSE", "5000", "WRITE")
        seen = [other.call("GET", "k")]  # queued: a read goes on
        other.send("SET", "k", "v")
        seen.append(_answered(other))
        pauser.call("CLIENT", "UNPAUSE")
        seen.append(other.read())
        pauser.call("CLIENT", "PAUSE", "5000", "WRITE")
        other.send("EXEC")
        seen.append(_answered(other))
        pauser.call("CLIENT", "UNPAUSE")
        seen.append(other.read())
        return seen

    real, mini = _on_both(redis_server, mini_server, scenario)
    assert mini == real


def test_the_pause_ends_by_itself(redis_server, mini_server):
    def scenario(pauser, other):
        pauser.call("CLIENT", "PAUSE", "300", "ALL")
        started = time.monotonic()
        other.call("PING")
        return 0.2 < time.monotonic() - started < 2

    assert _on_both(redis_server, mini_server, scenario) == [True, True]


def test_keys_stay_past_their_deadline(redis_server, mini_server):
    def scenario(pauser, other):
        pauser.call("SET", "short", "v", "PX", "100")
        pauser.call("CLIENT", "PAUSE", "5000", "WRITE")
        time.sleep(0.3)
        seen = [other.call("GET", "short"), other.call("DBSIZE")]
        pauser.call("CLIENT", "UNPAUSE")
        seen += [other.call("GET", "short"), other.call("DBSIZE")]
        return seen

    real, mini = _on_both(redis_server, mini_server, scenario)
    assert mini == real == [None, 1, None, 0]


def test_pauses_add_up(redis_server, mini_server):
    def scenario(pauser, other):
        pauser.call("CLIENT", "PAUSE", "600", "WRITE")
        # The stricter mode and the later end of the two.
        pauser.call("CLIENT", "PAUSE", "10", "ALL")
        time.sleep(0.1)
        other.send("GET", "k")
        return _answered(other, 0.1), other.read()

    real, mini = _on_both(redis_server, mini_server, scenario)
    assert mini == real == (None, None)
