"""
MONITOR: the same traffic sent to redis-server and to miniredis, and the
lines their monitoring clients receive compared one by one (the times and
the clients' ports aside). What Redis has no notion of (typed values) is
checked on a socketless server.
"""

import re
import time

import pytest

from miniredis.resp import OK, Status
from tests.local import Local
from tests.servers import RawConnection

END = b'"ECHO" "end of traffic"'


def _normalized(line):
    line = re.sub(rb"^\d+\.\d{6} ", b"<time> ", bytes(line))
    return re.sub(rb"127\.0\.0\.1:\d+\]", b"127.0.0.1:<port>]", line)


class Watched:
    """A server with one monitoring connection and one client."""

    def __init__(self, port, proto):
        self.port = port
        self.monitor = RawConnection(port, proto)
        assert self.monitor.call("MONITOR") == OK
        self.client = RawConnection(port, proto)

    def connect(self):
        return RawConnection(self.port)

    def seen(self):
        """@return: the monitor's lines up to now, normalized."""
        self.client.call("ECHO", "end of traffic")
        lines = []
        while True:
            line = self.monitor.read()
            assert type(line) is Status, line
            if line.endswith(END):
                return lines
            lines.append(_normalized(line))

    def close(self):
        self.monitor.close()
        self.client.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def watched(request, redis_server, mini_server):
    """C{(real, mini)}: each server L{Watched}, emptied first."""
    pair = [Watched(s.port, request.param) for s in (redis_server, mini_server)]
    for side in pair:
        side.client.call("FLUSHALL")
        side.seen()
    yield pair
    for side in pair:
        side.close()


def _same(watched, traffic):
    """Run C{traffic(side)} on both servers; assert the monitors saw the same."""
    real, mini = watched
    replies = [traffic(side) for side in (real, mini)]
    expected, got = real.seen(), mini.seen()
    assert got == expected
    assert replies[1] == replies[0]
    return expected


def test_commands_as_clients_send_them(watched):
    def traffic(side):
        call = side.client.call
        return [
            call("SET", "plain", "value"),
            call("set", 'quote"back\\slash', "\x00\x01\xff\t\r\n\a\b é"),
            call("LPUSH", "plain", "x"),  # runs, fails: shown
            call("NOSUCH", "a"),  # refused before it runs: not shown
            call("GET"),
            call("SELECT", "2"),
            call("INCRBY", "n", "5"),
            call("SELECT", "0"),
            call("INFO", "keyspace") is not None,
        ]

    lines = _same(watched, traffic)
    assert lines[0] == b'<time> [0 127.0.0.1:<port>] "SET" "plain" "value"'
    assert b'[2 127.0.0.1:<port>] "SELECT" "2"' in lines[3]


def test_admin_commands_are_not_shown(watched):
    def traffic(side):
        call = side.client.call
        call("CONFIG", "GET", "maxclients")
        call("CLIENT", "LIST")
        call("CLIENT", "SETNAME", "watched")
        call("MONITOR")  # on the client: admin too
        return call("ECHO", "x")

    lines = _same(watched, traffic)
    assert [line.split(b"] ")[1] for line in lines] == [
        b'"CLIENT" "SETNAME" "watched"',
        b'"ECHO" "x"',
    ]


def test_transactions_show_their_commands_before_exec(watched):
    def traffic(side):
        call = side.client.call
        return [
            call("MULTI"),
            call("SET", "k", "1"),
            call("LPUSH", "k", "v"),
            call("INCR", "k"),
            call("EXEC"),
            call("MULTI"),
            call("GET"),
            call("EXEC"),
        ]

    _same(watched, traffic)


def test_scripts_show_before_the_commands_they_run(watched):
    script = "redis.call('set', KEYS[1], ARGV[1]) return redis.call('incr', 'n')"

    def traffic(side):
        call = side.client.call
        return [
            call("EVAL", script, "1", "k\x01", "a\\b"),
            call("EVALSHA", "0" * 40, "0"),
            call("EVAL", "return redis.call('ping')", "0"),
        ]

    lines = _same(watched, traffic)
    assert b"[0 lua]" in lines[1]


def test_passwords_are_redacted(watched):
    def traffic(side):
        call = side.client.call
        return [
            call("AUTH", "secret"),
            call("AUTH", "user", "secret"),
            call("AUTH", "a", "b", "c"),  # a syntax error: nothing redacted
            call("HELLO", "2", "SETNAME", "n", "AUTH", "user", "secret"),
            call("HELLO", "4", "AUTH", "user", "secret"),
            call("HELLO", "2", "FOO", "AUTH", "user", "secret"),
        ]

    lines = _same(watched, traffic)
    assert b'"AUTH" "(redacted)"' in lines[0]


def test_blocked_command_shows_once(watched):
    def traffic(side):
        blocked, pusher = side.connect(), side.connect()
        blocked.send("BLPOP", "list", "0")
        for _ in range(200):  # until BLPOP waits (CLIENT LIST is not shown)
            if b"cmd=blpop" in side.client.call("CLIENT", "LIST"):
                break
            time.sleep(0.01)
        pusher.call("RPUSH", "list", "v")
        reply = blocked.read()
        blocked.close()
        pusher.close()
        return reply

    _same(watched, traffic)


def test_a_monitor_among_clients(watched):
    """What a monitoring connection may still do, and its own lines."""

    def traffic(side):
        monitor = side.monitor
        monitor.send("MONITOR")  # a second MONITOR gets no reply at all
        replies = [monitor.call("PING"), _normalized(monitor.read())]  # PONG, line
        replies.append(monitor.call("SET", "k", "v"))  # a replica's refusal
        replies.append(monitor.call("PUBLISH", "c", "m"))
        replies.append(monitor.call("ECHO", "own"))
        replies.append(_normalized(monitor.read()))
        return replies

    _same(watched, traffic)


def test_monitor_inside_multi_and_reset(redis_server, mini_server):
    for port in (redis_server.port, mini_server.port):
        client, other = RawConnection(port), RawConnection(port)
        client.call("MULTI")
        client.call("MONITOR")
        assert [str(e) for e in client.call("EXEC")] == [
            "ERR MONITOR isn't allowed for DENY BLOCKING client"
        ]
        assert client.call("MONITOR") == OK
        assert client.call("RESET") == Status(b"RESET")
        other.call("SET", "after", "reset")
        assert client.call("PING") == Status(b"PONG")  # no line came first
        client.close()
        other.close()


# ---------------------------------------------------------------- socketless


def test_typed_values_show_in_their_resp3_form():
    server = Local(proto=3)
    watcher = server.connect()
    assert watcher.call("MONITOR") == OK
    server.call("SET", "k", {"a": [1, None]})
    line = watcher.replies()[0]
    assert line.endswith(b'"SET" "k" "%1\\r\\n$1\\r\\na\\r\\n*2\\r\\n:1\\r\\n_\\r\\n"')


def test_a_closed_monitor_is_forgotten():
    server = Local()
    watcher = server.connect()
    watcher.call("MONITOR")
    assert server.factory.monitors == [watcher.session]
    assert "flags=O" in server.call("CLIENT", "LIST").decode()
    watcher.protocol.connectionLost(None)
    assert server.factory.monitors == []
    server.call("PING")
