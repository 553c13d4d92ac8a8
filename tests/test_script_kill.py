"""
SCRIPT KILL stops every runaway script that has not written, wherever it
loops: in plain code, in a coroutine, under pcall, inside MULTI/EXEC, run by
EVALSHA. Meanwhile other clients get BUSY; afterwards PONG. Each case runs
against redis-server and miniredis (both with a 100 ms busy threshold) and
their replies are compared. SHUTDOWN NOSAVE and SIGTERM end a server whose
script is busy.
"""

import signal
import time

import pytest

from tests.servers import RawConnection, miniredis_process, redis_process

THRESHOLD = ("--busy-reply-threshold", "100")

LOOPS = {
    "plain": "while true do end",
    "coroutine.wrap": (
        "local co = coroutine.wrap(function() while true do end end); co()"
    ),
    "coroutine.create": (
        "local co = coroutine.create(function() while true do end end); "
        "return coroutine.resume(co)"
    ),
    "coroutines in a loop": (
        "while true do coroutine.resume(coroutine.create(function() "
        "while true do end end)) end"
    ),
    "pcall": "while true do pcall(function() while true do end end) end",
    "pcall of a coroutine": (
        "while true do pcall(coroutine.wrap(function() while true do end end)) end"
    ),
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    pair = (
        redis_process(str(tmp_path_factory.mktemp("kill-redis")), *THRESHOLD).start(),
        miniredis_process(
            str(tmp_path_factory.mktemp("kill-mini")), *THRESHOLD
        ).start(),
    )
    yield pair
    for server in pair:
        server.stop()


def _until_busy(port, timeout=10.0):
    """@return: the BUSY error another client gets while a script runs."""
    other = RawConnection(port)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            reply = other.call("PING")
            if reply != b"PONG":
                return reply
            time.sleep(0.02)
    finally:
        other.close()
    raise AssertionError("the script never made the server busy")


def _kill(port, *request, prelude=()):
    """
    Send C{request} on one connection (after C{prelude}), kill its script
    from another; @return: C{(BUSY reply, SCRIPT KILL's reply, the
    request's reply, PING after)}.
    """
    runner = RawConnection(port)
    for line in prelude:
        runner.call(*line)
    runner.send(*request)
    busy = _until_busy(port)
    killer = RawConnection(port)
    killed = killer.call("SCRIPT", "KILL")
    reply = runner.read()
    after = killer.call("PING")
    runner.close()
    killer.close()
    return busy, killed, reply, after


@pytest.mark.parametrize("body", list(LOOPS.values()), ids=list(LOOPS))
def test_eval_is_killed(servers, body):
    real, mini = (_kill(server.port, "EVAL", body, "0") for server in servers)
    assert mini == real
    busy, killed, reply, after = mini
    assert busy.message.startswith("BUSY ") and killed == b"OK" and after == b"PONG"


@pytest.mark.parametrize("body", ["plain", "coroutine.wrap", "pcall"])
def test_evalsha_is_killed(servers, body):
    results = []
    for server in servers:
        conn = RawConnection(server.port)
        sha = conn.call("SCRIPT", "LOAD", LOOPS[body])
        conn.close()
        results.append(_kill(server.port, "EVALSHA", sha, "0"))
    assert results[1] == results[0]


@pytest.mark.parametrize("body", ["plain", "coroutine.wrap", "pcall"])
def test_a_script_inside_exec_is_killed(servers, body):
    prelude = [("MULTI",), ("SET", "before", "1"), ("EVAL", LOOPS[body], "0")]
    prelude.append(("SET", "after", "2"))
    real, mini = (_kill(server.port, "EXEC", prelude=prelude) for server in servers)
    assert mini == real
    assert mini[2][0] == b"OK" and mini[2][2] == b"OK"  # the rest of EXEC ran


def test_a_script_that_wrote_cannot_be_killed(tmp_path):
    replies = []
    for start in (redis_process, miniredis_process):
        server = start(str(tmp_path / start.__name__), *THRESHOLD)
        (tmp_path / start.__name__).mkdir()
        server.start()
        conn = RawConnection(server.port)
        conn.send("EVAL", "redis.call('set', 'w', '1') while true do end", "0")
        busy = _until_busy(server.port)
        other = RawConnection(server.port)
        replies.append((busy, other.call("SCRIPT", "KILL")))
        other.send("SHUTDOWN", "NOSAVE")
        assert server.process.wait(15) is not None
    assert replies[1] == replies[0]
    assert replies[0][1].message.startswith("UNKILLABLE")


@pytest.mark.parametrize("how", ["SHUTDOWN NOSAVE", "SIGTERM"])
def test_a_busy_server_can_be_stopped(tmp_path, how):
    """
    It stops the script: the caller gets no reply, and what the script and
    its transaction wrote is not logged.
    """
    options = (*THRESHOLD, "--appendonly", "yes", "--appendfsync", "always")
    server = miniredis_process(str(tmp_path), *options).start()
    RawConnection(server.port).call("SET", "before", "1")
    conn = RawConnection(server.port)
    conn.send("MULTI")
    conn.send("EVAL", "redis.call('set', 'w', '1') while true do end", "0")
    conn.send("EXEC")
    _until_busy(server.port)
    if how == "SIGTERM":
        server.process.send_signal(signal.SIGTERM)
    else:
        other = RawConnection(server.port)
        other.send("SHUTDOWN", "NOSAVE")
    assert server.process.wait(15) is not None
    assert _replies_until_closed(conn) in ([], [b"OK", b"QUEUED"])  # none to EXEC
    again = miniredis_process(str(tmp_path), *options).start()
    conn = RawConnection(again.port)
    assert (conn.call("GET", "before"), conn.call("GET", "w")) == (b"1", None)
    again.stop()


def _replies_until_closed(conn):
    replies = []
    try:
        while True:
            replies.append(conn.read())
    except ConnectionError:
        return replies


def test_a_script_goes_busy_at_its_calls(tmp_path):
    """
    A script of few Lua instructions whose calls are slow goes busy at its
    next call once past the threshold, and a kill stops it there: the count
    hook alone would come too late where calls are slow (lupa's crossings
    on PyPy). Redis checks at its hook only, where this script would hold
    the others until its end: a case of its own, not compared.
    """
    server = miniredis_process(
        str(tmp_path), "--busy-reply-threshold", "20", "--enable-debug-command", "yes"
    ).start()
    try:
        runner = RawConnection(server.port)
        assert runner.call("DEBUG", "POPULATE", "100000") == b"OK"
        runner.send("EVAL", "for i = 1, 1000 do redis.call('keys', '*') end", "0")
        busy = _until_busy(server.port)
        assert busy.message.startswith("BUSY ")
        killer = RawConnection(server.port)
        assert killer.call("SCRIPT", "KILL") == b"OK"
        reply = runner.read()
        assert reply.message.startswith("ERR Script killed by user with SCRIPT KILL")
        assert killer.call("PING") == b"PONG"
    finally:
        server.stop()
