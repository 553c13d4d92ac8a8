"""
Client-side caching: the server's half of CLIENT TRACKING.

A client that tracks is told when a key it may hold in a cache changes.
In the default mode the server remembers which clients read which keys
(the keys of commands flagged C{readonly}); a write to a key sends those
clients one invalidation and forgets them for that key. In BCAST mode a
client gets instead every change to keys under its prefixes, gathered and
sent at the end of the reactor turn. Like Redis's, the table ignores
databases: a key name stands for that name in every database.

Messages are RESP3 pushes C{>2 invalidate [keys]} on the client's own
connection, or go to the client named by C{REDIRECT}: pushes again if it
speaks RESP3, else C{__redis__:invalidate} messages while it is in
subscribed mode. A flush sends a null in place of the keys.

The store learns of changes in one place (L{miniredis.store.Database})
and calls L{Tracking.invalidate}; the dispatcher tells L{Tracking.remember}
of every read by a tracking client and, while some client tracks, keeps
C{current} so that a client's own invalidations follow its reply::

    tracking = Tracking(factory)
    tracking.enable(session, Mode(optin=True))
"""

import itertools

from miniredis.resp import Push, Replies
from miniredis.waits import BLOCKED

CHANNEL = b"__redis__:invalidate"
_FLUSHED = object()


class Mode:
    """
    The settings of one client's tracking (CLIENT TRACKING ON ...).

    @ivar redirect: the id of the client the messages go to; 0 for none.
    @ivar bcast, optin, optout, noloop: the modes asked for.
    @ivar caching: CLIENT CACHING was given for the next command.
    @ivar broken: the client redirected to has gone away.
    @ivar prefixes: the BCAST prefixes, in the order given.
    """

    def __init__(
        self, redirect=0, bcast=False, optin=False, optout=False, noloop=False
    ):
        self.redirect = redirect
        self.bcast = bcast
        self.optin = optin
        self.optout = optout
        self.noloop = noloop
        self.caching = False
        self.broken = False
        self.prefixes = []

    def flags(self):
        """@return: CLIENT TRACKINGINFO's flags (after C{on})."""
        found = []
        if self.bcast:
            found.append(b"bcast")
        if self.optin:
            found.append(b"optin")
            if self.caching:
                found.append(b"caching-yes")
        if self.optout:
            found.append(b"optout")
            if self.caching:
                found.append(b"caching-no")
        if self.noloop:
            found.append(b"noloop")
        if self.broken:
            found.append(b"broken_redirect")
        return found


class _Prefix:
    """
    One BCAST prefix: its clients, and the keys under it changed since the
    last broadcast (key -> the client that changed it last, or None).
    """

    def __init__(self):
        self.clients = {}
        self.keys = {}


class Tracking:
    """
    The tracking table of one server.

    @ivar clients: how many clients track (INFO's C{tracking_clients}).
    @ivar table: key -> ids of the clients that may cache it.
    @ivar items: the sum of the sizes of the id sets (C{tracking_total_items}).
    @ivar prefixes: BCAST prefix -> its L{_Prefix}.
    @ivar current: the session whose own request runs now, or None.
    @ivar pending: the keys (or a flush) to report to C{current} once its
        reply has gone.
    """

    def __init__(self, server):
        self.server = server
        self.clients = 0
        self.table = {}
        self.items = 0
        self.prefixes = {}
        self.current = None
        self.pending = []
        self._call = None
        self._over = 0
        server.config.listeners.setdefault("tracking-table-max-keys", []).append(
            self._limit_changed
        )

    # -- clients

    def enable(self, session, mode, prefixes=()):
        """
        Make C{session} track in C{mode} (it may track already: the new
        mode replaces the old, and BCAST prefixes add up).
        """
        old = session.tracking
        if old is None:
            self.clients += 1
            self.server.plain_changed()
        else:
            mode.caching = old.caching
            mode.prefixes = old.prefixes
        session.tracking = mode
        self.server.store.tracking = self
        if mode.bcast:
            for prefix in prefixes or [b""]:
                state = self.prefixes.setdefault(prefix, _Prefix())
                if session not in state.clients:
                    state.clients[session] = None
                    mode.prefixes.append(prefix)

    def disable(self, session):
        """C{session} stops tracking (its keys stay in the table until used)."""
        mode = session.tracking
        if mode is None:
            return
        for prefix in mode.prefixes:
            state = self.prefixes[prefix]
            del state.clients[session]
            if not state.clients:
                del self.prefixes[prefix]
        session.tracking = None
        self.clients -= 1
        self.server.plain_changed()

    # -- reads

    def remember(self, session, cmd, argv):
        """
        A command flagged C{readonly} ran for C{session}: note the keys it
        read if the client tracks them. A script's reads stand for the keys
        of its caller's command, as in Redis.
        """
        if session.script:
            run = self.server.scripts.current
            if run is None:
                return
            session, keys = run.caller, run.keys
        else:
            keys = None
        mode = session.tracking
        if mode is None or mode.bcast:
            return
        if (mode.optin and not mode.caching) or (mode.optout and mode.caching):
            return
        if keys is None:
            keys = cmd.key_names(argv)
        table = self.table
        for key in keys:
            ids = table.get(key)
            if ids is None:
                ids = table[key] = set()
            if session.id not in ids:
                ids.add(session.id)
                self.items += 1
        if len(table) > self.server.config["tracking-table-max-keys"] > 0:
            self._soon()

    # -- writes

    def invalidate(self, key):
        """C{key} changed by the running command."""
        scripts = getattr(self.server, "scripts", None)
        by = None if scripts is not None and scripts.current else self.current
        self._invalidate(key, by, True)

    def expired(self, key):
        """C{key} expired (no client changed it)."""
        self._invalidate(key, None, True)

    def _invalidate(self, key, by, bcast):
        """
        Tell the clients that may cache C{key} that it changed, and forget
        them; note it for the BCAST prefixes it falls under if C{bcast}.

        @param by: the session whose command changed it, if any (BCAST's
            NOLOOP leaves its own changes out).
        """
        if bcast and self.prefixes:
            for prefix, state in self.prefixes.items():
                if key.startswith(prefix):
                    state.keys[key] = by
                    self._soon()
        ids = self.table.pop(key, None)
        if ids is None:
            return
        self.items -= len(ids)
        clients = self.server.clients
        current = self.current
        for client_id in sorted(ids):
            target = clients.get(client_id)
            if target is None or target.tracking is None or target.tracking.bcast:
                continue
            if target is current:
                if not target.tracking.noloop:
                    self.pending.append(key)
            else:
                self._send(target, [key])

    def flushed(self):
        """
        A database or all were emptied: every tracking client gets a null,
        and the table starts anew.
        """
        if self.clients:
            for session in list(self.server.clients.values()):
                if session.tracking is not None:
                    if session is self.current:
                        self.pending.append(_FLUSHED)
                    else:
                        self._send(session, None)
        self.table = {}
        self.items = 0

    def after(self, session, reply):
        """
        The request of C{session} has run.

        @return: C{reply} followed by the invalidations of C{session}'s own
            keys that its command caused (those that go to its connection).
            A blocked client gets them at once.
        """
        if not self.pending:
            return reply
        pending, self.pending = self.pending, []
        if reply is BLOCKED:
            for key in pending:
                self._send(session, None if key is _FLUSHED else [key])
            return reply
        follow = []
        for key in pending:
            for target, message in self._messages(
                session, None if key is _FLUSHED else [key]
            ):
                if target is session:
                    follow.append(message)
                else:
                    target.push(message)
        if not follow:
            return reply
        if type(reply) is Replies:
            return Replies(reply + follow)
        return Replies([reply] + follow)

    # -- messages

    def _send(self, session, keys):
        for target, message in self._messages(session, keys):
            target.push(message)

    def _messages(self, session, keys):
        """
        @param keys: a list of keys, or None for "all".
        @return: C{(session, message)} pairs: where to send what, to tell
            C{session} of C{keys} (nothing for a RESP2 client that has
            no redirect).
        """
        mode = session.tracking
        redirect = mode.redirect if mode is not None else 0
        if redirect:
            target = self.server.clients.get(redirect)
            if target is None:
                mode.broken = True
                if session.proto > 2:
                    return [(session, Push([b"tracking-redir-broken", redirect]))]
                return []
            if target.proto > 2:
                return [(target, Push([b"invalidate", keys]))]
            if target.subscribed:
                return [(target, Push([b"message", CHANNEL, keys]))]
            return []
        if session.proto > 2:
            return [(session, Push([b"invalidate", keys]))]
        return []

    # -- the end of a reactor turn

    def _soon(self):
        if self._call is None:
            self._call = self.server.clock.callLater(0, self._turn_ended)

    def _turn_ended(self):
        """What Redis does before it waits for events: broadcast and limit."""
        self._call = None
        self._limit()
        if self.clients:
            self._broadcast()

    def _broadcast(self):
        """Send each BCAST client the keys changed under its prefixes."""
        for prefix in sorted(self.prefixes):
            state = self.prefixes[prefix]
            if not state.keys:
                continue
            changed, state.keys = state.keys, {}
            keys = sorted(changed)
            for session in list(state.clients):
                if session.tracking.noloop:
                    own = [key for key in keys if changed[key] is not session]
                    if own:
                        self._send(session, own)
                else:
                    self._send(session, keys)

    def _limit(self):
        """
        Keep the table within C{tracking-table-max-keys}: forget keys,
        telling their clients as if the keys had changed. Like Redis, try
        harder each turn the table stays over the limit. Redis picks the
        keys at random; these are the longest tracked, found without a
        copy of the table.
        """
        limit = self.server.config["tracking-table-max-keys"]
        excess = len(self.table) - limit
        if not limit or excess <= 0:
            self._over = 0
            return
        effort = 100 * (self._over + 1)
        for key in list(itertools.islice(self.table, min(excess, effort))):
            self._invalidate(key, None, False)
        if len(self.table) > limit:
            self._over += 1
            self._soon()
        else:
            self._over = 0

    def _limit_changed(self, value=None):
        if self.table:
            self._soon()
