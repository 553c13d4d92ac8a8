"""
Real clients over real sockets: redis-py (RESP3 and RESP2), redis-cli
(arguments, stdin, an interactive terminal), inline commands,
redis-benchmark, and the server started by twistd, twist and python -m.
"""

import os
import pty
import select
import shutil
import socket
import subprocess
import sys
import time

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from twisted.application.internet import StreamServerEndpointService
from twisted.python.usage import UsageError

from miniredis.tap import Options, endpoints, makeService
from tests.servers import ROOT, ServerProcess, free_port, miniredis_process


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _cli(port, *args, stdin=None):
    done = subprocess.run(
        ["redis-cli", "-p", str(port)] + list(args),
        input=stdin,
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.decode()


# ----------------------------------------------------------------- redis-py


def _protocol_of(protocol):
    """@return: the protocol redis-py speaks when asked for C{protocol}."""
    if protocol is None:  # redis-py's default: RESP3 from its version 8
        return 3 if int(redis.__version__.split(".")[0]) >= 8 else 2
    return protocol


@pytest.mark.parametrize("protocol", [None, 2], ids=["default", "resp2"])
def test_redis_py(mini_server, protocol):
    client = redis.Redis(
        port=mini_server.port, protocol=protocol, client_name="worker", db=2
    )
    try:
        assert client.ping() is True
        assert client.set("greeting", "hello") is True
        assert client.get("greeting") == b"hello"
        assert client.client_getname() in ("worker", b"worker")
        info = client.client_info()
        assert (str(info["db"]), info["name"]) == ("2", "worker")
        assert str(info["resp"]) == str(_protocol_of(protocol))
        assert isinstance(client.client_id(), int)
        assert any(c["name"] == "worker" for c in client.client_list())
        hello = client.execute_command("HELLO")
        if isinstance(hello, list):  # RESP2: the map comes flattened
            hello = dict(zip(hello[::2], hello[1::2]))
        hello = {k.decode() if isinstance(k, bytes) else k: v for k, v in hello.items()}
        assert hello["proto"] == _protocol_of(protocol)
        assert client.info()["redis_version"] == "7.0.15"
        assert client.info("server")["redis_mode"] == "standalone"
        assert "db2" in client.info("keyspace")
        assert client.config_get("maxclients") == {"maxclients": "10000"} or (
            client.config_get("maxclients") == {b"maxclients": b"10000"}
        )
        assert client.config_set("hz", 11) is True
        assert client.config_get("hz") in ({"hz": "11"}, {b"hz": b"11"})
        assert client.config_set("hz", 10) is True
        seconds, micros = client.time()
        assert abs(seconds - time.time()) < 5 and 0 <= micros < 1000000
        assert client.command_count() > 20
        assert client.execute_command("ECHO", "x") == b"x"
    finally:
        client.close()


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    server = miniredis_process(
        str(tmp_path_factory.mktemp("secured")), "--requirepass", "s3cret"
    ).start()
    yield server
    server.stop()


@pytest.mark.parametrize("protocol", [None, 2], ids=["default", "resp2"])
def test_redis_py_with_a_password(secured, protocol):
    client = redis.Redis(port=secured.port, password="s3cret", protocol=protocol)
    try:
        assert client.ping() is True
    finally:
        client.close()
    once = Retry(NoBackoff(), 0)  # redis-py retries a failed handshake otherwise
    for password in ("wrong", None):
        client = redis.Redis(
            port=secured.port, password=password, protocol=protocol, retry=once
        )
        with pytest.raises(redis.AuthenticationError):
            client.ping()


# ------------------------------------------------------------------ redis-cli


def test_redis_cli_arguments(mini_server):
    port = mini_server.port
    assert _cli(port, "ping") == "PONG\n"
    assert _cli(port, "set", "cli-key", "two words") == "OK\n"
    assert _cli(port, "get", "cli-key") == "two words\n"
    assert _cli(port, "--no-raw", "get", "cli-key") == '"two words"\n'
    assert _cli(port, "--no-raw", "get", "cli-missing") == "(nil)\n"
    assert "redis_version:7.0.15" in _cli(port, "info", "server")
    assert _cli(port, "-3", "ping") == "PONG\n"
    assert _cli(port, "-n", "3", "client", "info").startswith("id=")
    assert "unknown command" in _cli(port, "nosuchcommand")


def test_redis_cli_reads_stdin(mini_server):
    out = _cli(mini_server.port, stdin=b'SET stdin-key "a b"\nGET stdin-key\nPING\n')
    assert out == "OK\na b\nPONG\n"


def _interactive(port, steps):
    """
    Type lines into an interactive redis-cli, each time waiting for the text
    expected in what it prints.

    @param steps: C{(line, expected text)} pairs.
    @return: everything redis-cli printed.
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child
        os.execvp("redis-cli", ["redis-cli", "-p", str(port)])
    out = bytearray()

    def pump_until(text, seconds=10):
        """Read until C{text} was printed and then nothing for a moment."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                if text.encode() in out:
                    return
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                return
            if not data:
                return
            out.extend(data)
            for _ in range(data.count(b"\x1b[6n")):  # where is the cursor?
                os.write(fd, b"\x1b[1;1R")

    try:
        pump_until("127.0.0.1:%d> " % (port,))
        for line, expected in steps:
            os.write(fd, line.encode() + b"\r")
            pump_until(expected)
        os.write(fd, b"quit\r")
        pump_until("never printed", seconds=2)
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    return out.decode("utf-8", "replace")


def test_redis_cli_interactive(mini_server):
    """redis-cli asks COMMAND DOCS at start for its help and hints."""
    steps = [
        ("help ping", "Check the connection: answers PONG, or the message given."),
        ("set tty-key v", "\r\nOK\r\n"),
        ("get tty-key", '\r\n"v"\r\n'),
    ]
    out = _interactive(mini_server.port, steps)
    for _, expected in steps:
        assert expected in out
    assert "ERR" not in out


# ------------------------------------------------------------ inline commands


@pytest.mark.parametrize(
    "data",
    [
        b"PING\r\n",
        b'SET inline-key "b c"\r\nGET inline-key\r\n',
        b"ECHO 'single quoted'\r\nECHO \"\\x41\\n\"\r\n",
        b"\r\nPING\n",
        b"SET inline-2 x\nEXISTS-NOT-A-COMMAND\r\n",
    ],
)
def test_inline_commands(redis_server, mini_server, data):
    expected = _exchange_all(redis_server.port, data)
    assert _exchange_all(mini_server.port, data) == expected


def _exchange_all(port, data):
    """Send C{data} and an ECHO marker; @return: all replies up to the marker's."""
    marker = b"ECHO end-of-test-marker\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data + marker)
        out = b""
        while not out.endswith(b"end-of-test-marker\r\n"):
            chunk = sock.recv(65536)
            assert chunk, out
            out += chunk
        return out


# ------------------------------------------------------------- redis-benchmark


def test_redis_benchmark(mini_server):
    """INCR and MSET come from the strings family: without them this fails."""
    done = subprocess.run(
        [
            "redis-benchmark",
            "-p",
            str(mini_server.port),
            "-q",
            "-n",
            "20000",
            "-t",
            "ping,set,get,incr,mset",
        ],
        capture_output=True,
        timeout=300,
    )
    out = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert done.returncode == 0, out
    assert "Could not fetch server CONFIG" not in out
    assert "ERR" not in out and "rror" not in out, out
    for test in ("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"):
        assert "%s: " % (test,) in out, out


# ------------------------------------------------------ twistd, twist, python -m


def _start(tmp_path, argv, port):
    return ServerProcess(argv, port, str(tmp_path), _env()).start()


def _ping(port=None, unix=None):
    family = socket.AF_UNIX if unix else socket.AF_INET
    with socket.socket(family) as sock:
        sock.settimeout(10)
        sock.connect(unix or ("127.0.0.1", port))
        sock.sendall(b"PING\r\n")
        return sock.recv(100)


def test_twistd_plugin(tmp_path):
    port = free_port()
    twistd = shutil.which("twistd")
    assert twistd, "twistd is not on PATH"
    server = _start(
        tmp_path,
        [sys.executable, twistd, "-n", "--pidfile=", "miniredis", "--port", str(port)],
        port,
    )
    try:
        assert _ping(port) == b"+PONG\r\n"
    finally:
        server.stop()


def test_twist_with_listen_endpoints(tmp_path):
    port = free_port()
    path = str(tmp_path / "miniredis.sock")
    argv = [sys.executable, shutil.which("twist"), "--reactor=asyncio", "miniredis"]
    argv += [
        "--listen",
        "tcp:%d:interface=127.0.0.1" % port,
        "--listen",
        "unix:" + path,
    ]
    server = _start(tmp_path, argv, port)
    try:
        assert _ping(port) == b"+PONG\r\n"
        assert _ping(unix=path) == b"+PONG\r\n"
    finally:
        server.stop()


def test_python_m_miniredis_with_unixsocket_and_options(tmp_path):
    port = free_port()
    path = str(tmp_path / "m.sock")
    argv = [sys.executable, "-m", "miniredis", "--port", str(port)]
    argv += ["--unixsocket", path, "--databases", "4", "--maxclients", "50"]
    server = _start(tmp_path, argv, port)
    try:
        assert _ping(unix=path) == b"+PONG\r\n"
        client = redis.Redis(port=port)
        assert client.config_get("databases") == {"databases": "4"}
        assert client.config_get("maxclients") == {"maxclients": "50"}
        with pytest.raises(redis.ResponseError, match="DB index is out of range"):
            client.execute_command("SELECT", "4")
        client.close()
    finally:
        server.stop()


def test_bad_options_exit_with_usage(tmp_path):
    for argv in (["--port", "abc"], ["--bogus"], ["--appendfsync", "sometimes"]):
        done = subprocess.run(
            [sys.executable, "-m", "miniredis"] + argv,
            capture_output=True,
            env=_env(),
            timeout=30,
        )
        assert done.returncode == 2
        assert done.stderr.startswith(b"miniredis: ")


def test_plugin_does_not_import_the_reactor():
    code = (
        "import sys\n"
        "from twisted.plugin import IPlugin, getPlugins\n"
        "from twisted.application.service import IServiceMaker\n"
        "names = [p.tapname for p in getPlugins(IServiceMaker)]\n"
        "assert 'miniredis' in names, names\n"
        "import miniredis.tap\n"
        "assert 'twisted.internet.reactor' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=_env(), timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()


def test_tap_endpoints_and_config(tmp_path):
    def parsed(*argv):
        options = Options()
        options.parseOptions(list(argv))
        return options

    options = parsed()
    assert endpoints(options, options.server_config) == [
        "tcp:6379:interface=127.0.0.1:backlog=511"
    ]
    options = parsed(
        "--bind", "127.0.0.1 -::1 *", "--port", "7000", "--unixsocket", "/s"
    )
    assert endpoints(options, options.server_config) == [
        "unix:/s:backlog=511",
        "tcp:7000:interface=127.0.0.1:backlog=511",
        "tcp6:7000:interface=\\:\\:1:backlog=511",
        "tcp:7000:backlog=511",
    ]
    options = parsed(
        "--port", "0", "--unixsocket", "/tmp/a:b", "--unixsocketperm", "660"
    )
    assert endpoints(options, options.server_config) == [
        "unix:/tmp/a\\:b:mode=660:backlog=511"
    ]
    options = parsed("--tcp-backlog", "2048")
    assert endpoints(options, options.server_config) == [
        "tcp:6379:interface=127.0.0.1:backlog=2048"
    ]
    options = parsed("-l", "unix:/x", "--listen", "tcp:1", "--port", "5")
    assert endpoints(options, options.server_config) == ["unix:/x", "tcp:1"]
    assert options.server_config["port"] == 1
    options = parsed("-l", "tcp6:port=7002:interface=\\:\\:1")
    assert options.server_config["port"] == 7002
    path = tmp_path / "m.conf"
    path.write_text("port 7100\nmaxclients 5\n")
    options = parsed("--maxclients", "6", "--requirepass", "pw", str(path))
    assert endpoints(options, options.server_config) == [
        "tcp:7100:interface=127.0.0.1:backlog=511"
    ]
    service = makeService(options)
    config = service.factory.config
    assert (config["maxclients"], config["requirepass"]) == (6, "pw")
    assert config.file == str(path)
    listeners = [s for s in service if isinstance(s, StreamServerEndpointService)]
    assert len(listeners) == 1
    with pytest.raises(UsageError, match="only once"):
        parsed("-c", str(path), str(path))
    with pytest.raises(UsageError, match="Options go before"):
        parsed(str(path), "--port", "7000")
    with pytest.raises(UsageError, match="--hz"):
        parsed("--hz", "often")
    with pytest.raises(UsageError, match="Bad configuration file"):
        parsed(str(tmp_path / "missing.conf"))
