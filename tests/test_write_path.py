"""
The reply write path (L{miniredis.protocol.write_now}): replies sent at once
when nothing is queued, the rest queued behind in order, over a real socket.

What L{write_now} reads of Twisted's private state is checked when
L{miniredis.protocol} is imported (L{FAST_WRITE}); the unit tests below pin
that check and the fast path on a real socket pair without a reactor.
"""

import socket

import pytest
from twisted.internet import abstract, tcp
from twisted.internet.protocol import Protocol

from miniredis import protocol
from miniredis.protocol import write_now
from tests.servers import RawConnection


def test_large_replies_stay_in_order(mini_server):
    """
    Replies larger than the socket buffer are partly sent at once and partly
    queued; replies written after them must wait their turn.
    """
    conn = RawConnection(mini_server.port, timeout=30)
    try:
        big = b"x" * (8 * 1024 * 1024)
        assert conn.call("SET", "write-path:big", big) == b"OK"
        requests = []
        for i in range(4):
            requests += [["GET", "write-path:big"], ["ECHO", "after-%d" % i]]
        for request in requests:
            conn.send(*request)
        replies = [conn.read() for _ in requests]
        for i in range(4):
            assert replies[2 * i] == big
            assert replies[2 * i + 1] == b"after-%d" % i
        assert conn.call("DEL", "write-path:big") == 1
    finally:
        conn.close()


def test_many_small_pipelined_replies(mini_server):
    """Thousands of pipelined replies come back whole and in order."""
    conn = RawConnection(mini_server.port)
    try:
        for i in range(5000):
            conn.send("ECHO", "%d" % i)
        assert [conn.read() for _ in range(5000)] == [b"%d" % i for i in range(5000)]
    finally:
        conn.close()


class _Reactor:
    """Records the writers a transport asks to be watched."""

    def __init__(self):
        self.writers = []

    def addReader(self, reader):
        pass

    def addWriter(self, writer):
        self.writers.append(writer)


@pytest.fixture
def server_socket():
    """@return: C{(tcp.Server on one end of a socket pair, reactor, peer)}."""
    ours, peer = socket.socketpair()
    peer.setblocking(False)
    reactor = _Reactor()
    transport = tcp.Server(ours, Protocol(), ("127.0.0.1", 1), None, 0, reactor)
    yield transport, reactor, peer
    ours.close()
    peer.close()


def test_the_fast_path_is_taken_with_this_twisted():
    """
    The probe finds Twisted's write queue where L{write_now} looks for it;
    when this fails after a Twisted upgrade, replies still go out (through
    C{transport.write}) but one reactor trip later: update L{write_now}.
    """
    assert protocol.FAST_WRITE
    assert protocol._fast_write_probe()


def test_an_empty_queue_sends_at_once(server_socket):
    transport, reactor, peer = server_socket
    write_now(transport, b"+OK\r\n")
    assert peer.recv(100) == b"+OK\r\n"
    assert reactor.writers == []
    assert transport._tempDataBuffer == [] and transport.dataBuffer == b""


def test_queued_data_goes_first(server_socket):
    transport, reactor, peer = server_socket
    transport.write(b"first")
    write_now(transport, b"second")
    with pytest.raises(BlockingIOError):
        peer.recv(100)
    assert transport._tempDataBuffer == [b"first", b"second"]
    assert reactor.writers == [transport] * 2


def test_without_the_probe_everything_is_queued(server_socket, monkeypatch):
    transport, reactor, peer = server_socket
    monkeypatch.setattr(protocol, "FAST_WRITE", False)
    write_now(transport, b"+OK\r\n")
    with pytest.raises(BlockingIOError):
        peer.recv(100)
    assert transport._tempDataBuffer == [b"+OK\r\n"]


def test_the_probe_fails_when_write_queues_elsewhere(monkeypatch):
    def write(self, data):
        self.elsewhere = [data]

    monkeypatch.setattr(tcp.Server, "write", write)
    assert not protocol._fast_write_probe()


def test_the_probe_fails_when_the_queue_changes_type(monkeypatch):
    init = abstract.FileDescriptor.__init__

    def queue_as_tuple(self, reactor=None):
        init(self, reactor)
        self._tempDataBuffer = ()

    monkeypatch.setattr(abstract.FileDescriptor, "__init__", queue_as_tuple)
    assert not protocol._fast_write_probe()


def test_the_probe_fails_when_the_socket_is_kept_elsewhere(monkeypatch):
    init = tcp.Connection.__init__

    def elsewhere(self, skt, protocol, reactor=None):
        init(self, skt, protocol, reactor)
        self._socket, self.socket = self.socket, None

    monkeypatch.setattr(tcp.Connection, "__init__", elsewhere)
    assert not protocol._fast_write_probe()
