"""
C{maxclients} at the socket level (issue 13): the server raises its open
files limit for them, holds 10,000 idle connections, and turns away the
ones past the limit with an error; compared with redis-server 7.0.15.
"""

import errno
import resource
import selectors
import socket
import time

import pytest

from miniredis import fdlimit
from miniredis.config import Config
from miniredis.resp import ReplyError
from tests.servers import RawConnection, miniredis_process, redis_process

CLIENTS = 10000
# Measured here: about 5 KB of resident memory per idle client (CPython
# 3.11, Twisted 26.10), where redis-server 7.0.15 took about 10 KB.
MINIREDIS_BYTES_PER_CLIENT = 20 * 1024


def _resident(pid):
    with open("/proc/%d/status" % (pid,)) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _room_for(count):
    """Raise this process's soft open files limit for C{count} more sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = count + 256
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip("the open files hard limit (%d) is below %d" % (hard, needed))
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def _open_many(port, count, batch=250):
    """
    Open C{count} connections with plain non-blocking sockets, a batch at
    a time (the listen backlog is 511).

    @return: the connected sockets.
    """
    opened = []
    selector = selectors.DefaultSelector()
    try:
        while len(opened) < count:
            waiting = []
            for _ in range(min(batch, count - len(opened))):
                sock = socket.socket()
                sock.setblocking(False)
                code = sock.connect_ex(("127.0.0.1", port))
                assert code in (0, errno.EINPROGRESS), code
                selector.register(sock, selectors.EVENT_WRITE)
                waiting.append(sock)
            left = set(waiting)
            deadline = time.time() + 30
            while left:
                assert time.time() < deadline, "connections did not complete"
                for key, _ in selector.select(1):
                    selector.unregister(key.fileobj)
                    left.discard(key.fileobj)
                    code = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    assert code == 0, code
            opened.extend(waiting)
    finally:
        selector.close()
    return opened


def _ping_all(socks, timeout=60):
    """Send PING on every socket; @return: how many answered +PONG."""
    selector = selectors.DefaultSelector()
    replies = {}
    for sock in socks:
        sock.send(b"PING\r\n")
        selector.register(sock, selectors.EVENT_READ)
        replies[sock] = b""
    answered = 0
    deadline = time.time() + timeout
    try:
        while answered < len(socks) and time.time() < deadline:
            for key, _ in selector.select(1):
                sock = key.fileobj
                replies[sock] += sock.recv(64)
                if replies[sock].endswith(b"\r\n"):
                    selector.unregister(sock)
                    answered += replies[sock] == b"+PONG\r\n"
    finally:
        selector.close()
    return answered


def _turned_away(port, count):
    """@return: what each of C{count} connections past the limit was told."""
    told = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        data = b""
        while True:
            chunk = sock.recv(256)
            if not chunk:
                break
            data += chunk
        told.append(data)
        sock.close()
    return told


@pytest.mark.parametrize("kind", ["redis", "miniredis"])
def test_ten_thousand_idle_clients(tmp_path, kind):
    _room_for(CLIENTS + 50)
    make = redis_process if kind == "redis" else miniredis_process
    server = make(str(tmp_path), "--maxclients", str(CLIENTS)).start()
    socks = []
    try:
        before = _resident(server.process.pid)
        socks = _open_many(server.port, CLIENTS)
        assert _ping_all(socks) == CLIENTS
        per_client = (_resident(server.process.pid) - before) / CLIENTS
        print("%s: %.0f bytes per idle client" % (kind, per_client))
        # the limit is reached: more are turned away at once, not left hanging
        assert (
            _turned_away(server.port, 20)
            == [b"-ERR max number of clients reached\r\n"] * 20
        )
        if kind == "miniredis":
            assert per_client < MINIREDIS_BYTES_PER_CLIENT
        with open("/proc/%d/limits" % (server.process.pid,)) as f:
            line = [x for x in f if x.startswith("Max open files")][0]
        assert int(line.split()[3]) >= CLIENTS + fdlimit.RESERVED
    finally:
        for sock in socks:
            sock.close()
    # once they are gone, a client gets in again
    deadline = time.time() + 10
    while True:
        try:
            assert RawConnection(server.port).call("PING") == b"PONG"
            break
        except (ConnectionError, AssertionError):
            assert time.time() < deadline
            time.sleep(0.1)
    server.stop()


class FakeLimits:
    """A stand-in for the C{resource} module, on a given limit."""

    RLIMIT_NOFILE = resource.RLIMIT_NOFILE
    RLIM_INFINITY = resource.RLIM_INFINITY

    def __init__(self, soft, hard, privileged=False):
        self.limits = (soft, hard)
        self.privileged = privileged

    def getrlimit(self, which):
        return self.limits

    def setrlimit(self, which, limits):
        if limits[1] > self.limits[1] and not self.privileged:
            raise OSError(errno.EPERM, "Operation not permitted")
        self.limits = limits


def test_the_soft_limit_is_raised_up_to_the_hard_one():
    limits = FakeLimits(1024, 65536)
    config = Config(maxclients=10000)
    fdlimit.follow(config, limits)
    assert config["maxclients"] == 10000
    assert limits.limits == (10032, 65536)


def test_maxclients_is_lowered_to_the_hard_limit():
    limits = FakeLimits(1024, 4096)
    config = Config(maxclients=10000)
    fdlimit.follow(config, limits)
    assert config["maxclients"] == 4096 - 32
    assert limits.limits == (4096, 4096)


def test_privileged_processes_raise_the_hard_limit_too():
    limits = FakeLimits(1024, 4096, privileged=True)
    config = Config(maxclients=10000)
    fdlimit.follow(config, limits)
    assert (config["maxclients"], limits.limits) == (10000, (10032, 10032))


def test_no_room_for_a_client_stops_the_start():
    with pytest.raises(fdlimit.TooFewFiles):
        fdlimit.follow(Config(), FakeLimits(32, 32))


def test_config_set_refuses_what_the_limit_cannot_hold():
    limits = FakeLimits(1024, 4096)
    config = Config(maxclients=100)
    fdlimit.follow(config, limits)
    with pytest.raises(ReplyError, match="try with 4064"):
        config.set("maxclients", b"5000")
    assert config["maxclients"] == 100
    config.set("maxclients", b"4000")
    assert config["maxclients"] == 4000
