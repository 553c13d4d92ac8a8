"""
FAILOVER: a master hands its role to one of its replicas, as Redis 7.0's
coordinated failover does.

The master pauses writes and waits until a replica (the one named, or the
first to get there) has acknowledged the whole stream; then it follows that
replica, asking it with C{PSYNC <replid> <offset> FAILOVER} to become a
master and to continue the history with its old master as a replica. A
timeout ends the wait: the failover is aborted, or with C{FORCE} goes on
all the same. Usage::

    factory.failover.start(("127.0.0.1", 6380), timeout_ms=0, force=False)
    factory.failover.abort("Failover manually aborted")
"""

from twisted.logger import Logger

log = Logger(namespace="miniredis.replication")

NO_FAILOVER = "no-failover"
WAITING = "waiting-for-sync"
IN_PROGRESS = "failover-in-progress"


class Failover:
    """
    The failover of one master, if one runs.

    @ivar state: L{NO_FAILOVER}, L{WAITING} or L{IN_PROGRESS}, as INFO's
        C{master_failover_state} says.
    @ivar target: C{(host, port)} of the replica taking over, or None while
        any replica may.
    @ivar force: whether the timeout starts the failover instead of ending it.
    """

    def __init__(self, factory):
        self.factory = factory
        self.state = NO_FAILOVER
        self.target = None
        self.force = False
        self._deadline = None

    def start(self, target, timeout_ms, force):
        """
        Pause writes and wait for C{target} (or any replica) to catch up.

        @param timeout_ms: how long to wait, 0 for ever.
        """
        clock = self.factory.clock
        self.state, self.target, self.force = WAITING, target, force
        if timeout_ms:
            self._deadline = clock.callLater(timeout_ms / 1000.0, self._timed_out)
        self.factory.pause.hold_for_failover(True)
        if target is None:
            log.info("FAILOVER requested to any replica.")
        else:
            log.info(
                "FAILOVER requested to {host}:{port}.", host=target[0], port=target[1]
            )
        clock.callLater(0, self.check)

    def find(self, host, port):
        """@return: the L{ReplicaLink} of the replica at C{host port}, or None."""
        for link in self.factory.replication.replicas:
            if link.ip == host and link.announce.port == port:
                return link
        return None

    def check(self):
        """A replica acknowledged: start the failover if the one we wait for caught up."""
        if self.state != WAITING:
            return
        offset = self.factory.replication.offset
        if self.target is not None:
            links = [self.find(*self.target)]
        else:
            links = self.factory.replication.replicas
        for link in links:
            if link is not None and link.acked and link.ack_offset == offset:
                self.target = (link.ip, link.announce.port)
                log.info(
                    "Failover target {host}:{port} is synced, failing over.",
                    host=link.ip,
                    port=link.announce.port,
                )
                self._hand_over()
                return

    def _timed_out(self):
        self._deadline = None
        if not self.force:
            self.abort("Replica never caught up before timeout")
            return
        log.info(
            "FAILOVER to {host}:{port} time out exceeded, failing over.",
            host=self.target[0],
            port=self.target[1],
        )
        self._hand_over()

    def _hand_over(self):
        self.state = IN_PROGRESS
        self._cancel_deadline()
        self.factory.upstream.follow(*self.target)

    def accepted(self):
        """The target answered our PSYNC: it is the master now."""
        if self.state == IN_PROGRESS:
            self._clear()

    def abort(self, reason):
        """End the failover; this server stays (or is again) a master."""
        if self.state == NO_FAILOVER:
            return
        if self.target is None:
            log.info("FAILOVER to any replica aborted: {reason}", reason=reason)
        else:
            log.info(
                "FAILOVER to {host}:{port} aborted: {reason}",
                host=self.target[0],
                port=self.target[1],
                reason=reason,
            )
        if self.state == IN_PROGRESS:
            self.factory.upstream.stop()
        self._clear()

    def _cancel_deadline(self):
        deadline, self._deadline = self._deadline, None
        if deadline is not None and deadline.active():
            deadline.cancel()

    def _clear(self):
        self.state, self.target, self.force = NO_FAILOVER, None, False
        self._cancel_deadline()
        self.factory.pause.hold_for_failover(False)
