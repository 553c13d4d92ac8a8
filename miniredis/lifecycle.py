"""
The server's life as a service: its log set up at start, and the steps of a
graceful stop (C{SIGTERM}, C{SHUTDOWN}, or the end of twistd), each logged.

L{ServerService} is the top of the service tree that C{makeService} builds;
its children stop one after the other (a plain C{MultiService} stops them
all at once), last started first, so that on the way down:

    1. the listeners (and the web endpoints) stop accepting connections;
    2. L{Drain}: the replies of the commands already run are sent (after
       their writes are on disk where C{appendfsync always} asks), then
       the clients are disconnected;
    3. persistence saves the final snapshot and closes its log, when on;
    4. L{ServerService} says the server is ready to exit.

A command runs to its end before the reactor sees a signal: "in flight"
means its reply, which may still wait in the outbox or for an fsync.

Usage::

    top = ServerService(factory)
    Persistence(factory).setServiceParent(top)
    Drain(factory).setServiceParent(top)
    strports.service("tcp:6379", factory).setServiceParent(top)
"""

import gc
import os
import signal

from twisted.application import service
from twisted.internet import defer, task
from twisted.logger import ILogObserver, globalLogPublisher

from miniredis import logging
from miniredis.logging import logger

log = logger("miniredis.lifecycle")

DRAIN_TIMEOUT = 5.0


def _freeze_startup_objects():
    """
    Leave what exists once the server has started (modules, its parts, the
    data loaded from disk) out of Python's cyclic garbage collection: a
    full collection would otherwise walk them all, 30 ms and more with the
    reactor held, and a forked BGSAVE child would copy the pages the walk
    touches. They are still freed when no longer referenced. CPython only.
    """
    if hasattr(gc, "freeze"):
        gc.collect()
        gc.freeze()


class ServerService(service.MultiService):
    """
    The whole server: its parts as child services, its log.

    @ivar factory: the L{miniredis.protocol.MiniRedisFactory}.
    @ivar log_file: the L{logging.LogFile} of C{logfile}, or None.
    @ivar log_attached: whether C{log_file} already receives the events
        (C{python -m miniredis} logs to it); else, unless twistd made it the
        application's observer, L{startService} adds it to the global
        publisher (C{twist}).
    """

    def __init__(self, factory):
        service.MultiService.__init__(self)
        self.factory = factory
        self.log_file = logging.server_observer(factory.config)
        self.log_attached = False
        self._previous_sighup = None
        logging.follow(factory.config)

    def setServiceParent(self, parent):
        """
        Join C{parent}; a twistd application's log then goes to C{logfile}
        when that is set (twistd's C{--logger} still wins over it).
        """
        if self.log_file is not None and parent.getComponent(ILogObserver) is None:
            parent.setComponent(ILogObserver, self.log_file)
        return service.MultiService.setServiceParent(self, parent)

    def startService(self):
        log_file = self.log_file
        if log_file is not None and not self.log_attached and not log_file.received:
            # twistd made it its observer (and replayed the start-up events
            # to it); twist did not: it runs without the application's.
            globalLogPublisher.addObserver(self.log_file)
            self.log_attached = True
        if hasattr(signal, "SIGHUP"):
            self._previous_sighup = signal.signal(signal.SIGHUP, self._sighup)
        log.info(
            "miniredis starting: pid {pid}, loglevel {loglevel}",
            pid=os.getpid(),
            loglevel=self.factory.config["loglevel"],
            event="start",
        )
        service.MultiService.startService(self)
        _freeze_startup_objects()

    def _sighup(self, signum, frame):
        self.factory.clock.callFromThread(self.reopen_log)

    def reopen_log(self):
        """Reopen C{logfile} (SIGHUP, after logrotate moved it)."""
        if self.log_file is None:
            log.info("SIGHUP received: logging to standard output, nothing to reopen")
            return
        self.log_file.reopen()
        log.info(
            "SIGHUP received: log file {path} reopened",
            path=self.log_file.path,
            event="log_reopened",
        )

    @defer.inlineCallbacks
    def stopService(self):
        """Stop the children one after the other, last started first."""
        service.Service.stopService(self)
        log.info("Shutting down: stopping listeners", event="shutdown")
        try:
            for child in reversed(list(self)):
                yield defer.maybeDeferred(child.stopService)
        finally:
            self._stopped()

    def _stopped(self):
        if self._previous_sighup is not None:
            signal.signal(signal.SIGHUP, self._previous_sighup)
            self._previous_sighup = None
        log.info("miniredis is now ready to exit, bye bye...", event="exit")


class Drain(service.Service):
    """
    On stop, after the listeners: send the replies of the commands that ran,
    then close the client connections (waiting up to L{DRAIN_TIMEOUT}).
    """

    name = "drain"

    def __init__(self, factory):
        self.factory = factory

    def stopService(self):
        service.Service.stopService(self)
        factory = self.factory
        log.info(
            "No longer accepting connections; sending the replies of {clients} clients",
            clients=len(factory.clients),
            event="drain",
        )
        factory.outbox.flush()
        d = defer.Deferred()
        if factory.durable is not None:
            factory.durable(d.callback, None)
        else:
            d.callback(None)
        d.addCallback(lambda _: self._disconnect())
        return d

    def _disconnect(self):
        """
        Close the clients' connections; a replica's link to its master stays
        (as in Redis, a replica's last snapshot continues its history).
        """
        factory = self.factory

        def clients():
            return [s for s in factory.clients.values() if not s.from_master]

        for session in clients():
            connection = session.connection
            if connection is not None and connection.transport is not None:
                connection.flush()
                connection.transport.loseConnection()
        clock = factory.clock
        waited = [0.0]

        def gone():
            if not clients() or waited[0] >= DRAIN_TIMEOUT:
                loop.stop()
            waited[0] += 0.05

        loop = task.LoopingCall(gone)
        loop.clock = clock
        d = loop.start(0.05)
        d.addCallback(
            lambda _: log.info(
                "Clients disconnected ({left} left)",
                left=len(clients()),
                event="drain",
            )
        )
        return d
