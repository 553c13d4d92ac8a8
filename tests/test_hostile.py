"""
What a hostile client could do to a default server, each compared with
redis-server 7.0.15 over real sockets: write files where it likes through
CONFIG, send unbounded requests before authenticating, name a command with
an array, call COMMAND from a script.
"""

import socket
import subprocess
import time

import pytest

from miniredis.acl import User
from tests.servers import RawConnection, miniredis_process, redis_process


def _pair(tmp_path_factory, name, *options):
    real = redis_process(str(tmp_path_factory.mktemp(name + "-redis")), *options)
    mini = miniredis_process(str(tmp_path_factory.mktemp(name + "-mini")), *options)
    return real.start(), mini.start()


@pytest.fixture(scope="module")
def protected_yes(tmp_path_factory):
    servers = _pair(tmp_path_factory, "protected", "--enable-protected-configs", "yes")
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def with_password(tmp_path_factory):
    servers = _pair(tmp_path_factory, "password", "--requirepass", "sesame")
    yield servers
    for server in servers:
        server.stop()


def _both(servers, *args):
    replies = []
    for server in servers:
        conn = RawConnection(server.port)
        replies.append(conn.call(*args))
        conn.close()
    return replies


# ------------------------------------------------------- protected configs


@pytest.mark.parametrize(
    "line",
    [
        ("CONFIG", "SET", "dir", "/tmp"),
        ("CONFIG", "SET", "dbfilename", "evil.txt"),
        ("CONFIG", "SET", "dbfilename", "../evil.txt"),
        ("CONFIG", "SET", "maxclients", "100", "dir", "/tmp"),
        ("CONFIG", "SET", "enable-protected-configs", "yes"),
        ("CONFIG", "GET", "enable-protected-configs"),
        ("CONFIG", "GET", "dbfilename"),
    ],
)
def test_protected_configs_are_refused_by_default(differ, line):
    differ.check(*line)


@pytest.mark.parametrize(
    "line",
    [
        ("CONFIG", "SET", "dbfilename", "../evil.txt"),
        ("CONFIG", "SET", "dbfilename", "/etc/cron.d/evil"),
        ("CONFIG", "SET", "dbfilename", "sub/evil.rdb"),
        ("CONFIG", "SET", "dbfilename", "plain.rdb"),
        ("CONFIG", "GET", "dbfilename"),
    ],
)
def test_file_names_are_plain_names_when_allowed(protected_yes, line):
    real, mini = _both(protected_yes, *line)
    assert mini == real


@pytest.mark.parametrize("option", ["--dbfilename", "--appendfilename"])
def test_a_path_as_file_name_stops_the_start(tmp_path, option):
    server = miniredis_process(str(tmp_path), option, "../evil")
    with pytest.raises(RuntimeError, match="exited"):
        server.start()
    assert "can't be a path, just a filename" in server.log()


def test_save_writes_nowhere_else(differ, mini_server):
    before = differ.mini.call("CONFIG", "GET", "dir")
    differ.check("SET", "payload", "\n* * * * * root evil\n")
    differ.check("CONFIG", "SET", "dir", "/tmp")
    differ.check("CONFIG", "SET", "dbfilename", "../../tmp/evil.rdb")
    differ.check("CONFIG", "GET", "dbfilename")
    assert differ.mini.call("CONFIG", "GET", "dir") == before


# ------------------------------------------- clients not authenticated


def _raw(port, data, source=None, timeout=5):
    """
    Send C{data} (from the address C{source}); @return: C{(what came back,
    whether the server closed the connection)}.
    """
    sock = socket.socket()
    sock.settimeout(timeout)
    if source is not None:
        sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    try:
        try:
            sock.sendall(data)
        except OSError:  # closed while we were still sending
            pass
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                return b"".join(chunks), False
            except OSError:
                return b"".join(chunks), True
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)
    finally:
        sock.close()


def _request(*args):
    out = b"*%d\r\n" % len(args)
    for arg in args:
        out += b"$%d\r\n%s\r\n" % (len(arg), arg)
    return out


@pytest.mark.parametrize(
    "data",
    [
        _request(*[b"x"] * 11),
        _request(b"AUTH", b"p" * 16385),
        b"*2\r\n$4\r\nAUTH\r\n$100000000\r\n" + b"x" * 65536,
        b"*1000000\r\n",
        _request(b"PING") + _request(*[b"y"] * 12),
    ],
    ids=["11 args", "17 KB", "100 MB announced", "1M args", "after a ping"],
)
def test_limits_before_auth(with_password, data):
    real, mini = (_raw(server.port, data) for server in with_password)
    assert mini == real
    assert mini[1], "the connection stays open"
    assert b"unauthenticated" in mini[0]


@pytest.mark.parametrize(
    "data",
    [
        _request(*[b"x"] * 10),
        _request(b"AUTH", b"sesame") + _request(b"SET", b"big", b"v" * 20000),
        _request(b"AUTH", b"sesame") + _request(*[b"DEL"] + [b"k"] * 30),
        _request(b"AUTH", b"wrong") + _request(*[b"x"] * 11),
    ],
    ids=["10 args", "auth then big", "auth then many", "wrong auth then many"],
)
def test_authenticating_lifts_the_limits(with_password, data):
    real, mini = (_raw(server.port, data) for server in with_password)
    assert mini == real


def test_passwords_compare_by_digest():
    user = User(b"someone")
    user.apply(b"on", False)
    user.apply(b">sesame", False)
    assert user.password_ok(b"sesame")
    assert not user.password_ok(b"sesam")
    assert not user.password_ok(b"sesame\x00")
    assert not user.password_ok(123)


# ----------------------------------------------------- odd command names


@pytest.mark.parametrize(
    "data", [b"*1\r\n*0\r\n", b"*2\r\n%1\r\n+a\r\n+b\r\n$1\r\nx\r\n", b"*1\r\n_\r\n"]
)
def test_a_command_named_by_an_aggregate_gets_an_error(mini_server, data):
    reply, closed = _raw(mini_server.port, data + _request(b"PING"))
    assert reply.startswith(b"-ERR unknown command")
    assert reply.endswith(b"+PONG\r\n") and not closed


@pytest.mark.parametrize(
    "script",
    [
        "return #redis.call('command') > 100",
        "return redis.pcall('command', 'count') > 100",
        "return redis.pcall('client')",
        "return redis.pcall('client', 'nosuch')",
        "return redis.pcall('nosuch')",
        "return redis.pcall('config', 'get')",
    ],
)
def test_container_commands_from_scripts(differ, script):
    differ.check("EVAL", script, "0")


# ---------------------------------------------------------- protected mode


def _from_elsewhere(port, data=b"PING\r\n"):
    """L{_raw} from 127.0.0.2 (not loopback as Redis counts it)."""
    return _raw(port, data, source="127.0.0.2", timeout=1)


def test_protected_mode_denies_other_addresses(redis_server, mini_server):
    real, mini = (_from_elsewhere(s.port) for s in (redis_server, mini_server))
    assert mini == real
    assert mini[0].startswith(b"-DENIED Redis is running in protected mode") and mini[1]


def test_protected_mode_off_or_a_password_lets_them_in(
    redis_server, mini_server, with_password
):
    servers = (redis_server, mini_server)
    for server in servers:
        assert RawConnection(server.port).call("CONFIG", "SET", "protected-mode", "no")
    try:
        real, mini = (_from_elsewhere(s.port) for s in servers)
        assert mini == real == (b"+PONG\r\n", False)
    finally:
        for server in servers:
            RawConnection(server.port).call("CONFIG", "SET", "protected-mode", "yes")
    real, mini = (_from_elsewhere(s.port) for s in with_password)
    assert mini == real
    assert mini[0].startswith(b"-NOAUTH")


# ------------------------------------------------------- idle connections


@pytest.fixture(scope="module")
def with_timeout(tmp_path_factory):
    servers = _pair(tmp_path_factory, "timeout", "--timeout", "1")
    yield servers
    for server in servers:
        server.stop()


@pytest.mark.parametrize(
    "data", [b"", b"*2\r\n$3\r\nGET\r\n$1\r\n"], ids=["silent", "half a request"]
)
def test_idle_clients_are_closed(with_timeout, data):
    for server in with_timeout:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(data)
        started = time.time()
        assert sock.recv(1) == b""  # closed by the server
        assert 0.9 < time.time() - started < 4.5
        sock.close()


@pytest.mark.parametrize("proto", [2, 3])
def test_busy_and_subscribed_clients_stay(with_timeout, proto):
    for server in with_timeout:
        subscriber = RawConnection(server.port, proto)
        subscriber.call("SUBSCRIBE", "news")
        talker = RawConnection(server.port)
        for _ in range(5):
            assert talker.call("PING") == b"PONG"
            time.sleep(0.5)
        publisher = RawConnection(server.port)
        assert publisher.call("PUBLISH", "news", "hello") == 1
        assert subscriber.read() == [b"message", b"news", b"hello"]
        for conn in (subscriber, talker, publisher):
            conn.close()


def test_tcp_keepalive_is_set(tmp_path):
    server = miniredis_process(str(tmp_path), "--tcp-keepalive", "7").start()
    try:
        conn = RawConnection(server.port)
        conn.call("PING")
        shown = subprocess.run(
            ["ss", "-tno", "state", "established", "( sport = :%d )" % server.port],
            capture_output=True,
            timeout=30,
        ).stdout.decode()
        assert "keepalive" in shown, shown
        conn.close()
    finally:
        server.stop()


# ------------------------------------------ accepted only if it is done


@pytest.mark.parametrize(
    "value", ["", "K", "E", "KE", "g$lshzxetd", "A", "Q", "Kq", "mn", "Am", "Amn"]
)
def test_keyspace_event_flags_that_publish_nothing(differ, value):
    differ.check("CONFIG", "SET", "notify-keyspace-events", value)
    differ.check("CONFIG", "GET", "notify-keyspace-events")
    differ.check("CONFIG", "SET", "notify-keyspace-events", "")


@pytest.mark.parametrize("value", ["KEA", "Ex", "Kg", "AE", "Kmn", "AKEnm"])
def test_keyspace_event_flags_that_publish(differ, value):
    differ.check("CONFIG", "SET", "notify-keyspace-events", value)
    differ.check("CONFIG", "GET", "notify-keyspace-events")
    differ.check("CONFIG", "SET", "notify-keyspace-events", "")


@pytest.fixture(scope="module")
def small_query_buffer(tmp_path_factory):
    servers = _pair(tmp_path_factory, "qbuf", "--client-query-buffer-limit", "1mb")
    yield servers
    for server in servers:
        server.stop()


def test_query_buffer_limit(small_query_buffer):
    """A request growing past client-query-buffer-limit closes its client."""
    for server in small_query_buffer:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10000000\r\n")
        closed = False
        try:
            for _ in range(40):
                sock.sendall(b"x" * 65536)
                time.sleep(0.01)
        except OSError:
            closed = True
        if not closed:
            try:
                closed = sock.recv(1) == b""
            except OSError:
                closed = True
        assert closed, server
        sock.close()
        conn = RawConnection(server.port)
        assert conn.call("EXISTS", "k") == 0
        assert conn.call("SET", "k", "x" * 500000) == b"OK"  # below: fine
        conn.close()


# ------------------------------------------------------- protocol errors


@pytest.mark.parametrize(
    "data",
    [
        b"*1\r\nfoo\r\n",
        b"*2\r\n$3\r\nget\r\n@1\r\n",
        b"*abc\r\n",
        b"*1\r\n$-5\r\n",
        b'set "a b\r\n',
    ],
)
def test_protocol_errors_read_as_redis_words_them(redis_server, mini_server, data):
    real, mini = (_raw(server.port, data) for server in (redis_server, mini_server))
    assert mini == real
    assert real[0].startswith(b"-ERR Protocol error: ") and real[1]
