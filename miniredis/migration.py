"""
MIGRATE's transfers: the keys' DUMP payloads sent as RESTORE commands to
another server while this server goes on serving; the client that asked
waits for the outcome.

As Redis does, a connection to a target is kept for 10 seconds after its
last use, with its authentication and selected database, and reused by the
next MIGRATE to the same address; an error or a timeout closes it. Usage::

    targets = Targets(reactor)
    targets.run("127.0.0.1", 6380, auth, 0, restores, 1.0, done)

C{done(skip, replies)} gets the target's replies in order (the first
C{skip} answer AUTH and SELECT), or C{done(0, error)} with a L{ReplyError}
saying what went wrong with the connection.
"""

from collections import deque

from twisted.internet import protocol

from miniredis.resp import Decoder, ReplyError, encode_command

CONNECT_ERROR = "IOERR error or timeout connecting to the client"
READ_ERROR = "IOERR error or timeout reading to target instance"
IDLE_SECONDS = 10


class _Job:
    __slots__ = ("requests", "skip", "done", "timer", "replies")

    def __init__(self, requests, skip, done):
        self.requests = requests
        self.skip = skip
        self.done = done
        self.timer = None
        self.replies = []


class TargetConnection(protocol.Protocol):
    """
    One kept connection to a target, running its jobs in order.

    @ivar selected: the database last selected there, or None.
    """

    def __init__(self, link):
        self.link = link
        self.decoder = Decoder(inline=False)

    def connectionMade(self):
        self.link.connected(self)

    def dataReceived(self, data):
        self.decoder.feed(data)
        self.link.replies(self.decoder.values())

    def connectionLost(self, reason):
        self.link.lost(READ_ERROR)


class _Link(protocol.ClientFactory):
    """A target address: its connection (once made) and the jobs for it."""

    noisy = False

    def __init__(self, targets, key):
        self.targets = targets
        self.key = key
        self.clock = targets.clock
        self.connection = None
        self.selected = None
        self.waiting = []
        self.running = deque()
        self.idle = None
        self.connector = None

    def buildProtocol(self, addr):
        return TargetConnection(self)

    def clientConnectionFailed(self, connector, reason):
        self.lost(CONNECT_ERROR)

    def submit(self, auth, db, restores, timeout, done):
        requests = [auth] if auth is not None else []
        if self.selected != db:
            requests.append([b"SELECT", b"%d" % db])
            self.selected = db
        job = _Job(requests + restores, len(requests), done)
        job.timer = self.clock.callLater(timeout, self._timed_out)
        if self.idle is not None and self.idle.active():
            self.idle.cancel()
        self.idle = None
        if self.connection is None:
            self.waiting.append(job)
        else:
            self._send(job)

    def connected(self, connection):
        self.connection = connection
        waiting, self.waiting = self.waiting, []
        for job in waiting:
            self._send(job)

    def _send(self, job):
        self.running.append(job)
        self.connection.transport.write(
            b"".join(encode_command(argv) for argv in job.requests)
        )

    def replies(self, values):
        running = self.running
        for value in values:
            if not running:
                break
            job = running[0]
            job.replies.append(value)
            if len(job.replies) == len(job.requests):
                running.popleft()
                job.timer.cancel()
                if any(isinstance(r, ReplyError) for r in job.replies[: job.skip]):
                    self.selected = None  # the SELECT may not have happened
                job.done(job.skip, job.replies)
        if not running and not self.waiting:
            self.idle = self.clock.callLater(IDLE_SECONDS, self.close)

    def _timed_out(self):
        self.lost(READ_ERROR)

    def lost(self, reason):
        """The connection failed, closed or timed out: fail every job."""
        self.targets.forget(self)
        jobs = list(self.running) + self.waiting
        self.running.clear()
        self.waiting = []
        for job in jobs:
            if job.timer.active():
                job.timer.cancel()
            job.done(0, ReplyError(reason))
        self.close()

    def close(self):
        self.targets.forget(self)
        if self.idle is not None and self.idle.active():
            self.idle.cancel()
        self.idle = None
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.transport.loseConnection()
        elif self.connector is not None:
            self.connector.disconnect()


class Targets:
    """The kept connections of one server's MIGRATEs."""

    def __init__(self, clock):
        self.clock = clock
        self._links = {}

    def run(self, host, port, auth, db, restores, timeout, done):
        """
        Send the RESTORE commands C{restores} to database C{db} of the
        target, after C{auth} (an AUTH argv, or None).

        @param timeout: seconds allowed for the replies.
        """
        key = (host, port)
        link = self._links.get(key)
        if link is None:
            link = self._links[key] = _Link(self, key)
            link.connector = self.clock.connectTCP(host, port, link, timeout=timeout)
        link.submit(auth, db, restores, timeout, done)

    def forget(self, link):
        if self._links.get(link.key) is link:
            del self._links[link.key]
