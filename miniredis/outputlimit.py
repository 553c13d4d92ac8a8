"""
C{client-output-buffer-limit}: how much output a client may leave unread.

A client's pending output is what the server holds for it and could not
send yet: the replies waiting in the L{miniredis.protocol.Outbox} and the
bytes its transport keeps because the socket took no more. Each client is
in one class, as in Redis: C{replica} for a replica of this server,
C{pubsub} for a client subscribed to anything, C{normal} for the rest
(MONITOR clients and a replica's link to its master too). Past the class's
hard limit the client is dropped at once; above its soft limit for longer
than the given seconds, it is dropped too.

Usage::

    limit = OutputLimit()
    if limit.exceeded(config["client-output-buffer-limit"]["pubsub"],
                      size, clock.seconds()):
        transport.abortConnection()
"""

# How many one-second slots C{client_recent_max_output_buffer} looks back.
_RECENT_SECONDS = 8


def _descriptor(transport):
    """
    @return: the Twisted C{FileDescriptor} under C{transport} (itself, or
        the one a TLS transport wraps), whose write queue is C{dataBuffer}
        from C{offset} on, then C{_tempDataBuffer}; or None.
    """
    while transport is not None:
        if type(getattr(transport, "dataBuffer", None)) is bytes:
            return transport
        transport = getattr(transport, "transport", None)
    return None


def queued(transport):
    """
    @return: how many bytes C{transport} holds because the socket did not
        take them yet.
    """
    found = _descriptor(transport)
    if found is None:
        return 0
    return len(found.dataBuffer) - found.offset + found._tempDataLen


def queued_pieces(transport):
    """@return: how many pieces the bytes L{queued} counts are in."""
    found = _descriptor(transport)
    if found is None:
        return 0
    return len(found._tempDataBuffer) + (len(found.dataBuffer) > found.offset)


def client_class(session):
    """@return: the class of limits that applies to C{session}'s client."""
    if session.replica is not None and not session.monitoring:
        return "replica"
    if session.subscribed:
        return "pubsub"
    return "normal"


class OutputLimit:
    """
    One client's standing against its limits.

    @ivar soft_since: when its output last went over the soft limit (clock
        seconds), or None while it is under.
    """

    def __init__(self):
        self.soft_since = None

    def exceeded(self, limits, size, now):
        """
        @param limits: the class's C{(hard, soft, seconds)} (0: no limit).
        @param size: the client's pending output in bytes.
        @param now: the clock's time in seconds.
        @return: whether the client must be dropped.
        """
        hard, soft, seconds = limits
        if hard and size >= hard:
            return True
        if not soft or size < soft:
            self.soft_since = None
            return False
        if self.soft_since is None:
            self.soft_since = now
            return False
        return now - self.soft_since > seconds


class RecentMaximum:
    """
    The largest buffer seen over the last seconds, in one-second slots
    (C{client_recent_max_input_buffer}, C{client_recent_max_output_buffer}).
    """

    def __init__(self):
        self._slots = [0] * _RECENT_SECONDS
        self._second = 0

    def _advance(self, now):
        second = int(now)
        if second != self._second:
            for passed in range(
                self._second + 1, min(second, self._second + _RECENT_SECONDS) + 1
            ):
                self._slots[passed % _RECENT_SECONDS] = 0
            self._second = second

    def note(self, size, now):
        """A client had C{size} bytes waiting at C{now}."""
        self._advance(now)
        slot = self._second % _RECENT_SECONDS
        if size > self._slots[slot]:
            self._slots[slot] = size

    def value(self, now):
        """@return: the largest size noted in the last seconds."""
        self._advance(now)
        return max(self._slots)
