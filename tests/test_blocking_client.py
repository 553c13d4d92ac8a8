"""
The blocking client, L{miniredis.blocking}, end to end against miniredis
processes: the origin's interactive session, errors, timeouts, and clean
reconnection after the server closed the connection.
"""

import select
import socket
import threading
import time

import pytest

from miniredis.blocking import Client
from miniredis.client import RedisError
from miniredis.resp import OK, Status
from tests.servers import free_port, miniredis_process


@pytest.fixture
def port(mini_server):
    with Client(port=mini_server.port) as client:
        client.flushall()
    return mini_server.port


def kill(port, client):
    """
    Close C{client}'s connection from the server's side (CLIENT KILL), and
    wait for the close to reach it (a command sent before would be lost
    with the connection, and raise).
    """
    with Client(port=port) as admin:
        assert admin.client_kill("ID", str(client.client_id())) == 1
    assert select.select([client._sock], [], [], 10)[0]


def test_origin_session(port):
    """The session of /work/shared/notes/origin.md gives those very shapes."""
    client = Client(port=port, decode_responses=True)
    assert client.mset("k1", "v1", "k2", ["v2-0", 1, "v2-2"], "k3", "v3") == "OK"
    assert client.get("k2") == ["v2-0", 1, "v2-2"]
    assert client.mget("k3", "k1") == ["v3", "v1"]
    assert client.delete("k1") == 1
    assert client.get("k1") is None
    assert client.delete("k1") == 0
    assert client.set("kx", {"vx": {"vy": 0, "vz": [1, 2, 3]}}) == "OK"
    assert client.get("kx") == {"vx": {"vy": 0, "vz": [1, 2, 3]}}
    assert client.flush() == 3
    client.close()


def test_bytes_by_default_and_resp2(port):
    with Client(port=port, protocol=2) as client:
        reply = client.set("k", "v")
        assert reply == OK and type(reply) is Status
        assert client.get("k") == b"v"
        client.set("t", {"a": [1, None]})
        assert client.get("t") == [b"a", [1, None]]
        assert client.execute("ECHO", b"\x00\xff") == b"\x00\xff"


def test_error_reply_raises(port):
    with Client(port=port) as client:
        client.set("s", "text")
        with pytest.raises(RedisError) as caught:
            client.incr("s")
        assert caught.value.message == "ERR value is not an integer or out of range"
        with pytest.raises(RedisError, match="^ERR unknown command 'NOPE'"):
            client.execute("NOPE")
        assert client.get("s") == b"text"
        with pytest.raises(ValueError):
            client.execute()


def test_close_and_context_manager(port):
    with Client(port=port) as client:
        client.ping()
        sock = client._sock
        assert "connected" in repr(client)
    assert client._sock is None
    assert sock.fileno() == -1
    client.close()
    assert client.ping() == b"PONG"
    client.close()


def test_reconnects_after_the_server_closed_the_connection(port):
    with Client(port=port, db=3, protocol=3) as client:
        client.set("k", "v")
        first = client.client_id()
        kill(port, client)
        assert client.get("k") == b"v"
        assert client.client_id() != first
        info = client.client_info()
        assert b" db=3 " in info and b" resp=3" in info


def test_reconnect_keeps_what_was_switched(port):
    with Client(port=port) as client:
        client.select(5)
        client.hello(3)
        client.set("k", "v")
        kill(port, client)
        info = client.client_info()
        assert b" db=5 " in info and b" resp=3" in info
        assert client.get("k") == b"v"


def test_reset_forgets_what_was_switched(port):
    with Client(port=port, db=4, protocol=3) as client:
        assert client.reset() == b"RESET"
        kill(port, client)
        info = client.client_info()
        assert b" db=0 " in info and b" resp=2" in info


def test_reconnects_after_a_restart(tmp_path):
    server = miniredis_process(str(tmp_path)).start()
    try:
        client = Client(port=server.port, decode_responses=True)
        assert client.set("k", "v") == "OK"
        server.stop()
        server = miniredis_process(str(tmp_path), port=server.port).start()
        assert client.ping() == "PONG"
        client.close()
    finally:
        server.stop()


def test_connection_lost_while_waiting(port):
    with Client(port=port) as client:
        victim = str(client.client_id())

        def kill_victim():
            with Client(port=port) as admin:
                admin.client_kill("ID", victim)

        killer = threading.Timer(0.2, kill_victim)
        killer.start()
        with pytest.raises(ConnectionError):
            client.blpop("nothing", 0)
        killer.join()
        assert client.ping() == b"PONG"


def test_timeout(port):
    with Client(port=port, timeout=0.2) as client:
        with pytest.raises(TimeoutError):
            client.blpop("nothing", 0)
        assert client._sock is None
        assert client.ping() == b"PONG"


def test_nobody_listening():
    client = Client(port=free_port())
    with pytest.raises(ConnectionError):
        client.ping()


def test_password_and_db(tmp_path):
    server = miniredis_process(str(tmp_path), "--requirepass", "sesame").start()
    try:
        with pytest.raises(RedisError, match="^WRONGPASS"):
            Client(port=server.port, password="wrong").ping()
        with Client(port=server.port, password="sesame", db=2) as client:
            assert client.ping() == b"PONG"
            assert b" db=2 " in client.client_info()
        with Client(port=server.port, password="sesame", protocol=3) as client:
            assert client.ping() == b"PONG"
            assert b" resp=3" in client.client_info()
        with Client(port=server.port) as client:
            with pytest.raises(RedisError, match="^NOAUTH"):
                client.get("k")
    finally:
        server.stop()


class FakeServer:
    """
    A one-connection server on a thread that answers each request with
    the next of C{answers} (bytes, sent as they are).
    """

    def __init__(self, answers):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.answers = list(answers)
        self.requests = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.listener.accept()
        with conn:
            for answer in self.answers:
                self.requests.append(conn.recv(65536))
                conn.sendall(answer)
            conn.recv(65536)

    def close(self):
        self.listener.close()
        self.thread.join(5)


def test_pushes_are_dropped():
    server = FakeServer([b">2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n+PONG\r\n", b":1\r\n"])
    try:
        with Client(port=server.port, protocol=2) as client:
            assert client.ping() == b"PONG"
            assert client.exists("k") == 1
        assert server.requests[1] == b"*2\r\n$6\r\nEXISTS\r\n$1\r\nk\r\n"
    finally:
        server.close()


def test_pub_sub_refused(port):
    with Client(port=port, protocol=3) as client:
        with pytest.raises(ValueError, match="pub/sub"):
            client.execute("subscribe", "news")
        assert client.ping() == b"PONG"


def test_monitor_yields_lines(port):
    watcher = Client(port=port, protocol=2)
    lines = watcher.monitor()

    def traffic():
        with Client(port=port, protocol=2) as other:  # no HELLO line
            while "flags=O" not in other.client_list().decode():
                time.sleep(0.01)
            other.set("k", "v")

    thread = threading.Thread(target=traffic)
    thread.start()
    line = next(lines)
    thread.join(10)
    assert line.endswith(b'"SET" "k" "v"')
    lines.close()
    assert watcher._sock is None
    with pytest.raises(ValueError, match="monitor"):
        watcher.execute("MONITOR")


def test_same_methods_as_the_deferred_client():
    from miniredis.client import RedisClientProtocol, RedisCommands

    assert issubclass(Client, RedisCommands)
    assert issubclass(RedisClientProtocol, RedisCommands)


def test_same_signatures_and_conversions(port):
    with Client(port=port, protocol=2) as client:
        client.execute("FLUSHALL")
        assert client.set("k", "v", ex=100, nx=True) == b"OK"
        assert client.zadd("z", {"a": 1.5}) == 1
        assert client.zscore("z", "a") == 1.5
        assert client.zrange("z", 0, -1, withscores=True) == [(b"a", 1.5)]
        assert client.hset("h", mapping={"f": "v"}) == 1
        assert client.hgetall("h") == {b"f": b"v"}
        assert client.expire("k", 10, gt=True) is False
        cursor, keys = client.scan(0)
        assert cursor == 0 and sorted(keys) == [b"h", b"k", b"z"]
