"""
Clients blocked on keys (BLPOP, BZPOPMIN and friends) and their wake-ups.

A blocking command that finds nothing to pop calls L{Waits.block} and
returns L{BLOCKED}. Writes that feed a key call
C{Database.signal_ready}; after each command the dispatcher calls
L{Waits.serve_ready}, which offers every ready key to its waiters in the
order they blocked.
"""

from collections import deque

from miniredis.resp import NULL_ARRAY


class _Blocked:
    """A command's reply meaning: the client now waits."""

    def __repr__(self):
        return "BLOCKED"


BLOCKED = _Blocked()


def pop_or_wait(session, keys, timeout, first, pop):
    """
    What the blocking pops share: pop from the first of C{keys} that has
    something, or make the client wait until one of them gets something.

    @param first: C{first(db, keys)}: C{(key, value)} of the first key to
        pop from, or C{(None, None)}.
    @param pop: C{pop(db, key, value)}: C{(reply, argv)}, the pop done and
        the non-blocking command that persistence logs for it; or None when
        C{value} (what a fed key holds when a waiter is served) is not of
        the type popped.
    @return: the reply, or L{BLOCKED}.
    """
    db = session.db
    key, value = first(db, keys)
    if key is not None:
        reply, logged = pop(db, key, value)
        session.rewrite(logged)
        return reply
    if session.deny_blocking:
        return NULL_ARRAY
    server = session.server

    def serve(key):
        popped = pop(db, key, db.lookup(key))
        if popped is None:
            return None
        reply, logged = popped
        if server.propagate is not None:
            server.propagate(db.index, [logged])
        return reply

    server.waits.block(session, keys, timeout, serve, NULL_ARRAY)
    return BLOCKED


class Wait:
    """
    One blocked client.

    @ivar serve: C{serve(key)} tries to answer from C{key}: it returns the
        reply, or None to stay blocked (the key still cannot feed it).
    @ivar timeout_reply: the reply sent if the timeout passes first, or a
        callable that makes it then (WAIT's count).
    """

    __slots__ = ("session", "db", "keys", "serve", "timeout_reply", "timer")

    def __init__(self, session, db, keys, serve, timeout_reply):
        self.session = session
        self.db = db
        self.keys = keys
        self.serve = serve
        self.timeout_reply = timeout_reply
        self.timer = None

    def reply_at_timeout(self):
        """@return: the reply that ends the wait without a key serving it."""
        reply = self.timeout_reply
        return reply() if callable(reply) else reply


class Waits:
    """
    The blocked clients of one server.

    @ivar clock: the reactor timeouts are scheduled on.
    """

    def __init__(self, store, clock):
        self.store = store
        self.clock = clock
        self.count = 0

    def block(self, session, keys, timeout, serve, timeout_reply):
        """
        Block C{session} on C{keys} of its database.

        @param timeout: seconds (a float), 0 for no timeout.
        """
        db = session.db
        wait = Wait(session, db, list(dict.fromkeys(keys)), serve, timeout_reply)
        for key in wait.keys:
            db.blocked.setdefault(key, deque()).append(wait)
        if timeout > 0:
            wait.timer = self.clock.callLater(timeout, self._time_out, wait)
        session.blocked = wait
        self.count += 1

    def serve_ready(self):
        """Offer every key fed since the last call to the clients waiting on it."""
        store = self.store
        while store.ready:
            ready, store.ready = store.ready, []
            for db, key in ready:
                waiters = db.blocked.get(key)
                if not waiters:
                    continue
                for wait in list(waiters):
                    if db.lookup(key) is None:
                        break
                    if wait.session.blocked is not wait:
                        continue
                    reply = wait.serve(key)
                    if reply is not None:
                        self._release(wait)
                        wait.session.resume(reply)

    def cancel(self, session):
        """Forget the wait of C{session}, if any (it disconnected)."""
        if session.blocked is not None:
            self._release(session.blocked)
            session.blocked = None

    def _time_out(self, wait):
        wait.timer = None
        self._release(wait)
        wait.session.resume(wait.reply_at_timeout())

    def _release(self, wait):
        if wait.timer is not None and wait.timer.active():
            wait.timer.cancel()
        wait.timer = None
        for key in wait.keys:
            waiters = wait.db.blocked.get(key)
            if waiters is not None:
                try:
                    waiters.remove(wait)
                except ValueError:
                    pass
                if not waiters:
                    del wait.db.blocked[key]
        self.count -= 1
