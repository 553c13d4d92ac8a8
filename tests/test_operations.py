"""
Running it for months: log levels and events, the log file and SIGHUP, JSON
lines through twistd's --logger, and the graceful stop (SIGTERM, SHUTDOWN).
"""

import json
import os
import signal
import sys
import time
import types

import pytest
from twisted.application import service
from twisted.internet import task
from twisted.logger import LogLevel

from miniredis import lifecycle
from miniredis.logging import LevelFilter
from miniredis.protocol import MiniRedisFactory
from tests.servers import (
    ROOT,
    RawConnection,
    ServerProcess,
    free_port,
    miniredis_process,
)


def wait_for(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as f:
        return f.read()


def test_level_filter():
    def shown(level, event_level, **fields):
        event = {"log_level": event_level}
        event.update(fields)
        return LevelFilter(level).passes(event)

    assert shown("debug", LogLevel.debug)
    assert not shown("verbose", LogLevel.debug)
    assert shown("verbose", LogLevel.debug, verbose=True)
    assert not shown("notice", LogLevel.debug, verbose=True)
    assert shown("notice", LogLevel.info)
    assert not shown("warning", LogLevel.info)
    assert shown("warning", LogLevel.warn)
    assert shown("warning", LogLevel.error)


def test_loglevel_and_logfile(tmp_path):
    logfile = str(tmp_path / "miniredis.log")
    server = miniredis_process(
        str(tmp_path), "--logfile", logfile, "--loglevel", "verbose"
    ).start()
    try:
        client = RawConnection(server.port)
        assert client.call("CONFIG", "GET", "logfile") == [b"logfile", logfile.encode()]
        client.close()
        assert wait_for(lambda: "closed the connection" in read(logfile))
        assert "Accepted 127.0.0.1:" in read(logfile)
        assert "miniredis starting" in read(logfile)
        # notice: connections are no longer logged
        client = RawConnection(server.port)
        client.call("CONFIG", "SET", "loglevel", "notice")
        client.close()
        other = RawConnection(server.port)
        other.call("PING")
        port = other.sock.getsockname()[1]
        other.close()
        time.sleep(0.3)
        assert ":%d" % (port,) not in read(logfile)
        # logfile is fixed at start, as in Redis
        client = RawConnection(server.port)
        error = client.call("CONFIG", "SET", "logfile", "x")
        assert "can't set immutable config" in str(error)
        client.close()
    finally:
        server.stop()
    assert server.log() == ""  # nothing on standard output


def test_sighup_reopens_the_log_file(tmp_path):
    logfile = str(tmp_path / "miniredis.log")
    server = miniredis_process(str(tmp_path), "--logfile", logfile).start()
    try:
        assert wait_for(lambda: "miniredis starting" in read(logfile))
        os.rename(logfile, logfile + ".1")  # what logrotate does
        server.process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "log file %s reopened" % (logfile,) in read(logfile))
        assert "reopened" not in read(logfile + ".1")
        assert RawConnection(server.port).call("PING") == b"PONG"
    finally:
        server.stop()


def _twistd(tmp_path, *options):
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    twistd = os.path.join(os.path.dirname(sys.executable), "twistd")
    argv = [twistd, "-n", "--pidfile="] + list(options)
    argv += ["miniredis", "--port", str(port), "--dir", str(tmp_path)]
    return ServerProcess(argv, port, str(tmp_path), env)


def test_json_lines_with_twistd_logger(tmp_path):
    server = _twistd(tmp_path, "--logger=miniredis.logging.json_observer").start()
    try:
        assert RawConnection(server.port).call("PING") == b"PONG"
    finally:
        server.stop()
    lines = [json.loads(line) for line in server.log().splitlines() if line.strip()]
    namespaces = {event.get("log_namespace") for event in lines}
    assert "miniredis.lifecycle" in namespaces
    (exit_event,) = [e for e in lines if e.get("event") == "exit"]
    assert exit_event["log_level"]["name"] == "info"


STEPS = [
    "Shutting down: stopping listeners",
    "No longer accepting connections",
    "Clients disconnected",
    "Saving the final RDB snapshot before exiting",
    "DB saved on disk",
    "Writing and fsyncing the append only file",
    "miniredis is now ready to exit, bye bye...",
]


def _in_order(log, steps):
    positions = [log.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions) if p == -1]
    assert positions == sorted(positions), log


def test_sigterm_is_graceful(tmp_path):
    server = _twistd(tmp_path, "--logfile=-")
    server.argv += ["--save", "3600 1", "--appendonly", "yes"]
    server.start()
    client = RawConnection(server.port)
    # A pipeline in flight when the signal comes: each command the server
    # ran is answered and saved; what it had not read yet is not run.
    count = 20000
    client.call("SET", "first", "v")
    client.sock.sendall(
        b"".join(
            b"*3\r\n$3\r\nSET\r\n$6\r\nk%05d\r\n$1\r\nv\r\n" % i for i in range(count)
        )
    )
    server.process.send_signal(signal.SIGTERM)
    answered = 1
    try:
        while True:
            assert client.read() == b"OK"
            answered += 1
    except ConnectionError:
        pass
    # twistd ends by killing itself with the signal it got, once stopped
    # cleanly (systemd counts that a clean exit)
    assert server.process.wait(20) == -signal.SIGTERM
    log = server.log()
    _in_order(log, STEPS)
    assert "Received SIGTERM" in log
    # the snapshot holds every key
    restarted = miniredis_process(str(tmp_path), "--dir", str(tmp_path)).start()
    try:
        assert RawConnection(restarted.port).call("DBSIZE") == answered
    finally:
        restarted.stop()


def test_shutdown_command_does_the_same(tmp_path):
    server = _twistd(tmp_path, "--logfile=-")
    server.argv += ["--save", "3600 1"]
    server.start()
    client = RawConnection(server.port)
    client.call("SET", "k", "v")
    client.send("SHUTDOWN")
    assert server.process.wait(20) == 0
    assert client.closed()
    log = server.log()
    assert "User requested shutdown..." in log
    _in_order(
        log,
        [
            "User requested shutdown...",
            "Saving the final RDB snapshot before exiting",
            "DB saved on disk",
            "Shutting down: stopping listeners",
            "No longer accepting connections",
            "miniredis is now ready to exit, bye bye...",
        ],
    )
    assert os.path.exists(os.path.join(str(tmp_path), "dump.rdb"))


def test_sigterm_without_persistence_saves_nothing(tmp_path):
    server = miniredis_process(str(tmp_path)).start()
    RawConnection(server.port).call("SET", "k", "v")
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(20) == 0
    log = server.log()
    assert "Saving the final RDB snapshot" not in log
    _in_order(log, ["No longer accepting connections", "ready to exit"])
    assert not os.path.exists(os.path.join(str(tmp_path), "dump.rdb"))


@pytest.mark.parametrize("runner", ["twistd", "twist"])
def test_logfile_under_twistd_and_twist(tmp_path, runner):
    logfile = str(tmp_path / "miniredis.log")
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    argv = [os.path.join(os.path.dirname(sys.executable), runner)]
    if runner == "twistd":
        argv += ["-n", "--pidfile="]
    argv += ["miniredis", "--port", str(port), "--logfile", logfile]
    server = ServerProcess(argv, port, str(tmp_path), env).start()
    try:
        assert RawConnection(port).call("PING") == b"PONG"
        assert wait_for(lambda: "miniredis starting" in read(logfile))
    finally:
        server.stop()
    assert wait_for(lambda: "ready to exit" in read(logfile))


def test_the_server_freezes_what_it_started_with(monkeypatch):
    """
    Once its parts have started (the data loaded), the server leaves every
    object there is out of cyclic garbage collection, after one last one.
    """
    calls = []
    fake_gc = types.SimpleNamespace(
        collect=lambda: calls.append("collect"), freeze=lambda: calls.append("freeze")
    )
    monkeypatch.setattr(lifecycle, "gc", fake_gc)
    top = lifecycle.ServerService(MiniRedisFactory(clock=task.Clock()))
    part = service.Service()
    part.startService = lambda: calls.append("part started")
    part.setServiceParent(top)
    top.startService()
    try:
        assert calls == ["part started", "collect", "freeze"]
    finally:
        top.stopService()
