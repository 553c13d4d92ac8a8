"""
Key deadlines: lazy expiry on access (see L{Database.lookup}) and an
active cycle that removes keys nobody reads.

The index is a dict of deadlines plus a heap ordered by deadline, so the
active cycle finds due keys in O(log n) each without sampling.
"""

import heapq
from time import perf_counter

from twisted.internet import task

from miniredis.logging import logger

log = logger("miniredis.expiry")


class ExpiryIndex:
    """
    Deadlines (absolute ms) of the keys of one database.

    @ivar deadlines: key -> deadline in ms.
    """

    def __init__(self):
        self.deadlines = {}
        self._heap = []

    def __len__(self):
        return len(self.deadlines)

    def set(self, key, deadline):
        self.deadlines[key] = deadline
        heapq.heappush(self._heap, (deadline, key))
        if len(self._heap) > 2 * len(self.deadlines) + 64:
            self._compact()

    def remove(self, key):
        del self.deadlines[key]

    def clear(self):
        self.deadlines.clear()
        self._heap = []

    def due(self, now_ms, limit):
        """@return: up to C{limit} keys whose deadline is at or before C{now_ms}."""
        heap, deadlines, out = self._heap, self.deadlines, []
        while heap and len(out) < limit and heap[0][0] <= now_ms:
            deadline, key = heapq.heappop(heap)
            if deadlines.get(key) == deadline:
                out.append(key)
        return out

    def _compact(self):
        self._heap = [(d, k) for k, d in self.deadlines.items()]
        heapq.heapify(self._heap)


class ActiveExpiry:
    """
    Run the store's active expire cycle C{hz} times a second on C{clock}
    (Redis's C{hz}, kept between 1 and 500 as Redis keeps it).

    A cycle may take a quarter of the period, as Redis's slow cycle does
    (25 ms at the default C{hz} of 10), but in slices of at most L{slice}
    seconds with the reactor's turn between them, so that clients wait no
    longer than a slice. Each slice is shown to the latency monitor as an
    C{expire-cycle} event.

    @ivar slice: seconds of expiring at a time.
    """

    slice = 0.005

    def __init__(self, store, clock, hz=10, latency=None, before_slice=lambda: None):
        """
        @param latency: the server's L{miniredis.latency.LatencyMonitor}.
        @param before_slice: called before each slice: the server sends the
            replies its clients wait for, which would otherwise wait for
            the slice (see L{miniredis.protocol.Outbox.flush}).
        """
        self.store = store
        self.latency = latency
        self.before_slice = before_slice
        self.clock = clock
        self._loop = task.LoopingCall(self._cycle)
        self._loop.clock = clock
        self._next_slice = None
        self._left = 0.0
        self.interval = 0.1
        self.set_hz(hz)

    def set_hz(self, hz):
        """Run the cycle C{hz} times a second from now on."""
        self.interval = 1.0 / min(max(hz, 1), 500)
        if self._loop.running:
            self.stop()
            self.start()

    def start(self):
        if not self._loop.running:
            self._loop.start(self.interval, now=False)

    def stop(self):
        if self._loop.running:
            self._loop.stop()
        if self._next_slice is not None:
            self._next_slice.cancel()
            self._next_slice = None

    def _cycle(self):
        if self._next_slice is None:
            self._left = self.interval / 4
            self._slice()

    def _slice(self):
        self._next_slice = None
        self.before_slice()
        started = perf_counter()
        busy = False
        try:
            busy = self.store.active_expire_cycle(budget=min(self.slice, self._left))
        except Exception:
            log.failure("active expire cycle failed")
        spent = perf_counter() - started
        self._left -= spent
        if self.latency is not None:
            self.latency.add("expire-cycle", int(spent * 1000))
        if busy and self._left > 0:
            self._next_slice = self.clock.callLater(0, self._slice)
