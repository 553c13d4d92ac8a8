"""
CLIENT PAUSE: clients held back, their requests postponed, until a deadline
or CLIENT UNPAUSE.

As in Redis 7.0, a pause of C{ALL} postpones every command of every client
(CLIENT UNPAUSE too: only its deadline or another client already past the
check ends it early), a pause of C{WRITE} postpones the commands that may
write or propagate (and an EXEC whose queue holds one). Keys do not expire
while a pause lasts: a key past its deadline reads as missing but stays, so
that nothing is written behind the paused clients' backs.
"""

from collections import deque

from miniredis.waits import BLOCKED

ALL = "all"
WRITE = "write"
_MAY_WRITE = frozenset(["write", "may_replicate"])


class Pause:
    """
    The pause of one server: CLIENT PAUSE's, and the one FAILOVER holds
    while it runs (which pauses writes and ends only with the failover).

    @ivar mode: None, L{WRITE} or L{ALL}: the stricter of both pauses.
    @ivar postponed: C{(session, cmd, argv)} of the requests waiting, in the
        order they came.
    """

    def __init__(self, server, dispatch):
        """
        @param server: the L{miniredis.protocol.MiniRedisFactory}.
        @param dispatch: what runs a postponed request when the pause ends.
        """
        self._server = server
        self._dispatch = dispatch
        self.mode = None
        self._client_mode = None
        self._failover = False
        self._end = 0.0
        self._timer = None
        self.postponed = deque()

    def start(self, seconds, mode):
        """
        Pause for C{seconds} from now in C{mode}; a pause already running
        keeps its later end and its stricter mode, as Redis's does.
        """
        clock = self._server.clock
        end = clock.seconds() + seconds
        if self._client_mode is not None:
            end = max(end, self._end)
            if self._client_mode == ALL:
                mode = ALL
            self._timer.cancel()
        self._client_mode, self._end = mode, end
        self._timer = clock.callLater(end - clock.seconds(), self.end)
        self._changed()

    def end(self):
        """Lift CLIENT PAUSE's pause."""
        if self._client_mode is None:
            return
        if self._timer.active():
            self._timer.cancel()
        self._client_mode = self._timer = None
        self._changed()

    def hold_for_failover(self, on):
        """Pause writes while a failover runs (C{on}), or no longer."""
        self._failover = on
        self._changed()

    def _changed(self):
        """
        Take up the stricter mode of both pauses; when it eased, the
        postponed requests run again in the order they came (those still
        held are postponed anew).
        """
        before = self.mode
        mode = self._client_mode
        if mode is None and self._failover:
            mode = WRITE
        self.mode = mode
        self._server.store.paused = mode is not None
        self._server.restrictions_changed()
        if before == ALL and mode != ALL or before is not None and mode is None:
            waiting, self.postponed = self.postponed, deque()
            for session, argv in waiting:
                if session.connection is None:
                    continue
                session.postponed = False
                reply = self._dispatch(session, argv)
                if reply is not BLOCKED:
                    session.resume(reply)

    def holds(self, session, cmd):
        """Whether C{cmd} from C{session} must wait for the pause to end."""
        if self.mode == ALL:
            return True
        if _MAY_WRITE & cmd.flags:
            return True
        if cmd.name != "exec" or session.multi is None:
            return False
        return any(_MAY_WRITE & queued.flags for queued, argv in session.multi)

    def postpone(self, session, argv):
        """Hold C{argv} of C{session} back until the pause ends."""
        session.postponed = True
        self.postponed.append((session, argv))
        return BLOCKED

    def forget(self, session):
        """C{session} went away: drop its postponed request."""
        if session.postponed:
            self.postponed = deque(p for p in self.postponed if p[0] is not session)
