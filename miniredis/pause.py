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
    The pause of one server.

    @ivar mode: None, L{WRITE} or L{ALL}.
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
        if self.mode is not None:
            end = max(end, self._end)
            if self.mode == ALL:
                mode = ALL
            self._timer.cancel()
        self.mode, self._end = mode, end
        self._timer = clock.callLater(end - clock.seconds(), self.end)
        self._server.store.paused = True
        self._server.restrictions_changed()

    def end(self):
        """Lift the pause; the postponed requests run in the order they came."""
        if self.mode is None:
            return
        if self._timer.active():
            self._timer.cancel()
        self.mode = self._timer = None
        self._server.store.paused = False
        self._server.restrictions_changed()
        while self.postponed and self.mode is None:
            session, argv = self.postponed.popleft()
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
