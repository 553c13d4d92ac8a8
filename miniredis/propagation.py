"""
The write stream: every change to the data, once, as the commands that
replay it, handed to whoever listens (the append-only file and its rewrite,
replicas). Keyspace events and client tracking want keys, not commands: the
store tells them of each changed key (L{miniredis.store.Database.modified}).

No command knows who listens. A key found expired while somebody listens
goes into the stream as a C{DEL} (C{UNLINK} with C{lazyfree-lazy-expire},
as Redis writes it: see L{deletion}). L{miniredis.commands.call} gives the stream
what ran (or what the command asked to log in its place, see
L{miniredis.session.Session.rewrite}); EXEC and scripts hold their writes
and hand them over as one MULTI/EXEC block. Usage::

    factory.writes.listen(lambda db, argvs: print(db, argvs))
"""

import contextlib


def deletion(config, lazy_parameter):
    """
    @param lazy_parameter: the C{lazyfree-lazy-*} parameter of the kind of
        deletion (expiry, eviction, a server-side delete).
    @return: the command a deletion is written to the stream as: C{UNLINK}
        where that parameter is on, else C{DEL}, as Redis propagates them
        (miniredis frees the value at once either way).
    """
    return b"UNLINK" if config[lazy_parameter] else b"DEL"


class _Dropped(list):
    """A batch of writes that L{WriteStream.discard} dropped: it keeps none."""

    def append(self, write):
        pass


class WriteStream:
    """
    The listeners of a server's writes.

    While nobody listens, the server's C{propagate} is None, which tells the
    command path that it need not track writes at all; otherwise it is
    L{emit}.

    @ivar listeners: callables C{(db_index, argvs)}.
    @ivar muted: writes are dropped (a script's C{redis.set_repl}).
    """

    def __init__(self, server):
        self._server = server
        self.listeners = []
        self._calling = ()
        self.muted = False
        self._batch = None

    def listen(self, listener):
        """Give C{listener} every write from now on."""
        if listener not in self.listeners:
            self.listeners.append(listener)
        self._hook()

    def unlisten(self, listener):
        if listener in self.listeners:
            self.listeners.remove(listener)
        self._hook()

    def _hook(self):
        server = self._server
        self._calling = tuple(self.listeners)
        server.propagate = self.emit if self.listeners else None
        expiries = server.store.expire_listeners
        if self.listeners and self._expired not in expiries:
            expiries.append(self._expired)
        elif not self.listeners and self._expired in expiries:
            expiries.remove(self._expired)

    def _expired(self, db, key):
        """
        A key found expired is written as a C{DEL} (or C{UNLINK}); inside a
        transaction or a script it goes with their writes.
        """
        name = deletion(self._server.config, "lazyfree-lazy-expire")
        self.emit(db, [[name, key]])

    def emit(self, db, argvs):
        """Hand the commands C{argvs}, run on database C{db}, to the listeners."""
        if self.muted:
            return
        if self._batch is not None:
            self._batch.append((db, argvs))
            return
        for listener in self._calling:  # a copy: a listener may leave
            listener(db, argvs)

    def begin(self):
        """
        Hold the writes from now until L{commit}, to hand them over as one
        transaction.

        @return: whether this call began the batch (False inside one
            already: the writes join the outer batch).
        """
        if self._batch is not None:
            return False
        self._batch = []
        return True

    def commit(self):
        """Hand the held writes over between MULTI and EXEC, if any."""
        batch, self._batch = self._batch, None
        if batch:
            self.emit(batch[0][0], [[b"MULTI"]])
            for db, argvs in batch:
                self.emit(db, argvs)
            self.emit(batch[-1][0], [[b"EXEC"]])

    def discard(self):
        """
        Drop the held writes, and those that join the batch until its
        L{commit} (a script, and its transaction, ended by the server's stop).
        """
        if self._batch is not None:
            self._batch = _Dropped()

    @contextlib.contextmanager
    def paused(self):
        """Nobody hears the writes made inside (a log being replayed)."""
        muted, propagate = self.muted, self._server.propagate
        self.muted, self._server.propagate = True, None
        try:
            yield
        finally:
            self.muted, self._server.propagate = muted, propagate
