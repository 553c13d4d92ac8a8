"""
An RDB snapshot for a replica, written by a forked child into a pipe and
read from the pipe by the reactor, so that the server goes on serving
while a copy-on-write image of its data is encoded.

Usage::

    Snapshot(reactor, store, aux, on_data, on_done).start()

C{on_data(chunk)} gets the RDB image piece by piece; C{on_done(ok)} says
whether the child wrote all of it. The snapshot is a push producer: a
transport it feeds may pause it.
"""

import os
import signal

from twisted.internet.interfaces import IPushProducer, IReadDescriptor
from twisted.logger import Logger
from zope.interface import implementer

from miniredis.persistence import files, rdb

log = Logger(namespace="miniredis.replication")

_READ_SIZE = 1 << 16
_REAP_INTERVAL = 0.05


@implementer(IReadDescriptor, IPushProducer)
class Snapshot:
    """
    One child writing one RDB image into a pipe.

    @ivar pid: the child's process id, once started.
    @ivar size: how many bytes were read so far.
    """

    def __init__(self, reactor, store, aux, on_data, on_done, checksum=True):
        """
        @param aux: C{(name, value)} AUX fields for the image.
        """
        self.reactor = reactor
        self.store = store
        self.aux = aux
        self.checksum = checksum
        self.on_data = on_data
        self.on_done = on_done
        self.pid = None
        self.size = 0
        self._fd = None
        self._paused = False

    def start(self):
        """Fork the child and start reading what it writes."""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            self._child(write_end)
        os.close(write_end)
        os.set_blocking(read_end, False)
        self.pid = pid
        self._fd = read_end
        self.reactor.addReader(self)

    def _child(self, fd):
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            rdb.write_rdb(
                lambda data: files.write_all(fd, data),
                self.store,
                checksum=self.checksum,
                aux=self.aux,
            )
            code = 0
        except BaseException as e:
            os.write(2, b"miniredis: replication snapshot failed: %r\n" % (e,))
        finally:
            os._exit(code)

    # -- IReadDescriptor

    def fileno(self):
        return -1 if self._fd is None else self._fd

    def logPrefix(self):
        return "replication-snapshot"

    def doRead(self):
        try:
            chunk = os.read(self._fd, _READ_SIZE)
        except BlockingIOError:
            return None
        if not chunk:
            self._finished()
            return None
        self.size += len(chunk)
        self.on_data(chunk)
        return None

    def connectionLost(self, reason):
        """The reactor saw the pipe's end (a hang-up with nothing to read)."""
        self._finished()

    def _finished(self):
        if self._fd is not None:
            self._close()
            self._reap()

    def _close(self):
        if self._fd is not None:
            if not self._paused:
                self.reactor.removeReader(self)
            os.close(self._fd)
            self._fd = None

    def _reap(self):
        """Wait (without blocking) for the child, then tell how it went."""
        try:
            done, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            done, status = self.pid, -1
        if done == 0:
            self.reactor.callLater(_REAP_INTERVAL, self._reap)
            return
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        if not ok:
            log.error(
                "the replication snapshot's child failed ({status})", status=status
            )
        self.on_done(ok)

    # -- IPushProducer

    def pauseProducing(self):
        if self._fd is not None and not self._paused:
            self.reactor.removeReader(self)
        self._paused = True

    def resumeProducing(self):
        if self._fd is not None and self._paused:
            self.reactor.addReader(self)
        self._paused = False

    def stopProducing(self):
        """Stop the child (the replica went away) and forget the image."""
        if self._fd is None:
            return
        self._close()
        self.on_data = _ignore
        self.on_done = _ignore
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._reap()


def _ignore(*args):
    pass
