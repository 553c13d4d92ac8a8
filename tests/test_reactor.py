"""
L{miniredis.reactor}: epoll without a logging context per event. The
end-to-end tests run on it (C{python -m miniredis}); these check what it
does with one descriptor, and that it is what the server gets.
"""

import socket
import subprocess
import sys

from twisted.application.reactors import getReactorTypes
from twisted.internet.abstract import FileDescriptor
from twisted.python import log

from miniredis.reactor import DirectEPollReactor


class Reader(FileDescriptor):
    """One end of a socket pair; C{failing}: its doRead raises."""

    def __init__(self, sock, reactor, failing=False):
        FileDescriptor.__init__(self, reactor)
        self.sock = sock
        self.failing = failing
        self.read = b""
        self.lost = None

    def fileno(self):
        return self.sock.fileno()

    def doRead(self):
        if self.failing:
            raise ValueError("broken handler")
        self.read += self.sock.recv(100)

    def connectionLost(self, reason):
        self.lost = reason


def test_events_reach_their_handlers():
    reactor = DirectEPollReactor()
    left, right = socket.socketpair()
    errors = []
    log.addObserver(errors.append)
    try:
        reader = Reader(left, reactor)
        broken = Reader(right, reactor, failing=True)
        reactor.addReader(reader)
        reactor.addReader(broken)
        right.sendall(b"ping")
        left.sendall(b"pong")
        reactor.doIteration(1)
        assert reactor.ready == 2  # both ends were ready
        assert reader.read == b"ping" and reader.lost is None
        # A handler's exception is logged and costs that descriptor only.
        assert broken.lost is not None and broken.lost.check(ValueError)
        assert broken not in reactor.getReaders() and reader in reactor.getReaders()
        assert any(e.get("isError") for e in errors)
    finally:
        log.removeObserver(errors.append)
        reactor.removeAll()
        left.close()
        right.close()


def test_the_server_and_twistd_can_have_it():
    code = (
        "from miniredis.__main__ import _install_reactor; _install_reactor(); "
        "from twisted.internet import reactor; print(type(reactor).__name__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "DirectEPollReactor"
    assert "miniredis" in [r.shortName for r in getReactorTypes()]
