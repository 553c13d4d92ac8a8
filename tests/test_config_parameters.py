"""
Every parameter of redis-server 7.0.15 that miniredis takes with no effect
(config.NO_EFFECT) is still read and checked as Redis reads and checks it:
the same default, the same errors, the same form once set.
"""

import os
import re
import subprocess

import pytest

from miniredis.config import _NO_EFFECT_PARAMETERS, ALIASES, PARAMETERS
from miniredis.resp import ReplyError
from tests.servers import RawConnection, free_port, miniredis_process, redis_process

# The parameters with no effect, and those of replication, TLS and ACL
# logging, whose checks Redis's ranges decide.
CHECKED = set(_NO_EFFECT_PARAMETERS) | {n for n in PARAMETERS if n.startswith("tls-")}
CHECKED |= {
    "acllog-max-len",
    "repl-backlog-ttl",
    "repl-ping-replica-period",
    "repl-timeout",
    "min-replicas-to-write",
    "min-replicas-max-lag",
    "replica-priority",
}
NAMES = sorted(CHECKED) + sorted(
    alias for alias, name in ALIASES.items() if name in CHECKED
)
BAD_VALUES = ["abc", "-1", "99999999999999999999", "", "yes no"]


@pytest.mark.parametrize("name", NAMES)
def test_default_and_errors(differ, name):
    default = differ.both("CONFIG", "GET", name)[0]
    differ.check("CONFIG", "GET", name)
    try:
        for value in BAD_VALUES:
            differ.check("CONFIG", "SET", name, value)
    finally:
        value = default[name.encode()] if isinstance(default, dict) else default[1]
        differ.both("CONFIG", "SET", name, value)
    differ.check("CONFIG", "GET", name)


@pytest.mark.parametrize(
    "name, value",
    [
        ("client-output-buffer-limit", "pubsub 1mb 2k 5"),
        ("client-output-buffer-limit", "slave 10 20 30 normal 1 2 3"),
        ("client-output-buffer-limit", "foo 1 2 3"),
        ("client-output-buffer-limit", "normal 1 2 x"),
        ("latency-tracking-info-percentiles", "50.5 99 99.99"),
        ("latency-tracking-info-percentiles", "50 101"),
        ("oom-score-adj-values", "1 2 3000"),
        ("active-defrag-cycle-max", "100"),
        ("hash-max-ziplist-entries", "100"),
        ("oom-score-adj", "RELATIVE"),
    ],
)
def test_values(differ, name, value):
    default = differ.both("CONFIG", "GET", name)[0]
    try:
        differ.check("CONFIG", "SET", name, value)
        differ.check("CONFIG", "GET", name)
    finally:
        value = default[name.encode()] if isinstance(default, dict) else default[1]
        differ.both("CONFIG", "SET", name, value)


@pytest.mark.parametrize(
    "name, value",
    [
        ("aof-timestamp-enabled", "yes"),
        ("maxmemory-clients", "10%"),
        ("maxmemory-clients", "1mb"),
        ("tls-session-cache-size", "100"),
    ],
)
def test_values_miniredis_cannot_honour_are_refused(mini_server, name, value):
    connection = RawConnection(mini_server.port)
    try:
        reply = connection.call("CONFIG", "SET", name, value)
        assert isinstance(reply, ReplyError)
        assert reply.message.startswith(
            "ERR CONFIG SET failed (possibly related to argument '%s') - miniredis "
            % (name,)
        )
        assert connection.call("CONFIG", "GET", name)[1] in (b"0", b"no", b"20480")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "option, why",
    [
        ("daemonize yes", b"miniredis does not fork"),
        ("supervised systemd", b"miniredis does not notify a supervisor"),
        ("syslog-enabled yes", b"miniredis does not log to syslog"),
        ("cluster-enabled yes", b"miniredis has no cluster mode"),
    ],
)
def test_start_options_miniredis_cannot_honour_stop_the_start(tmp_path, option, why):
    name, value = option.split()
    server = miniredis_process(str(tmp_path), "--" + name, value)
    done = subprocess.run(server.argv, capture_output=True, timeout=60, env=server.env)
    assert done.returncode != 0
    assert why in done.stderr + done.stdout


def test_shutdown_flags(differ):
    for value in ("nosave now", "default save", "", "now bogus", "DEFAULT"):
        differ.check("CONFIG", "SET", "shutdown-on-sigterm", value)
        differ.check("CONFIG", "GET", "shutdown-on-sigterm")
    differ.both("CONFIG", "SET", "shutdown-on-sigterm", "default")


def test_pidfile_backlog_and_socket_mode(tmp_path):
    pidfile = tmp_path / "m.pid"
    sock = tmp_path / "m.sock"
    server = miniredis_process(
        str(tmp_path),
        "--pidfile",
        str(pidfile),
        "--unixsocket",
        str(sock),
        "--unixsocketperm",
        "600",
        "--tcp-backlog",
        "1024",
    ).start()
    try:
        assert int(pidfile.read_text()) == server.process.pid
        assert oct(os.stat(str(sock)).st_mode & 0o777) == "0o600"
        listening = subprocess.run(
            ["ss", "-ltnH", "sport = :%d" % (server.port,)],
            capture_output=True,
            text=True,
        ).stdout.split()
        # ss shows a listening socket's backlog in its Send-Q column.
        assert listening[2] == "1024", listening
        connection = RawConnection(server.port)
        assert connection.call("CONFIG", "GET", "unixsocketperm") == [
            b"unixsocketperm",
            b"600",
        ]
        connection.close()
    finally:
        server.stop()
    assert not pidfile.exists()


def test_debian_s_redis_conf(tmp_path):
    """
    Debian's stock /etc/redis/redis.conf, with daemonize off and its paths
    and port moved into the test's directory, starts both servers with the
    same values for every parameter.
    """
    with open("/etc/redis/redis.conf") as f:
        text = f.read()
    servers = []
    for kind, start in (("real", redis_process), ("mini", miniredis_process)):
        directory = tmp_path / kind
        directory.mkdir()
        port = free_port()
        conf = re.sub(r"^daemonize yes$", "daemonize no", text, flags=re.M)
        for name, value in (
            ("port", str(port)),
            ("pidfile", str(directory / "server.pid")),
            ("logfile", str(directory / "server.log")),
            ("dir", str(directory)),
        ):
            conf = re.sub(r"^%s .*$" % name, "%s %s" % (name, value), conf, flags=re.M)
        path = directory / "redis.conf"
        path.write_text(conf)
        process = start(str(directory), port=port)
        # The file alone, not the options the helpers add.
        process.argv = process.argv[: process.argv.index("--port")] + [str(path)]
        servers.append(process.start())
    try:
        real, mini = (RawConnection(server.port) for server in servers)
        values = [dict(_pairs(c.call("CONFIG", "GET", "*"))) for c in (real, mini)]
        for name in (b"port", b"pidfile", b"logfile", b"dir"):
            for found in values:
                found.pop(name)
        # No save rules by default: miniredis persists when asked (README).
        assert values[1].pop(b"save") == b""
        assert values[0].pop(b"save") == b"3600 1 300 100 60 10000"
        assert values[1] == values[0]
        assert mini.call("PING") == b"PONG"
    finally:
        for server in servers:
            server.stop()


def _pairs(flat):
    return zip(flat[::2], flat[1::2])
