"""
What the server knows of one client: the state commands read and change.

A L{Session} belongs to a connection (L{miniredis.protocol}) or to an
internal caller such as a Lua script; commands only ever see sessions.
"""

import itertools
import time
from operator import attrgetter

from miniredis.watch import unwatch_all

_ids = itertools.count(1)


def _usual(name):
    """
    @return: a property for a session attribute the dispatcher looks at
        before every command: each change recomputes L{Session.usual}, so
        that the dispatcher reads one attribute instead of five (the getter
        is C{attrgetter}'s, about as quick as a plain attribute).
    """
    stored = "_" + name

    def set_(session, value):
        state = session.__dict__
        state[stored] = value
        state["usual"] = (
            state["_authenticated"]
            and not state["_checked"]
            and state["_multi"] is None
            and not state["_subscribed"]
            and not state["_monitoring"]
        )

    return property(attrgetter(stored), set_)


_LOOPBACK = ("127.0.0.1", "[::1]")
_REPLY_CHUNK = 16384  # Redis's PROTO_REPLY_CHUNK_BYTES


class Session:
    """
    One client's state.

    @ivar id: the unique client id (CLIENT ID).
    @ivar db: the selected L{miniredis.store.Database}.
    @ivar proto: the RESP version the client speaks (2 or 3).
    @ivar multi: queued C{(command, argv)} pairs inside MULTI, else None.
    @ivar multi_failed: a command was rejected while queueing (EXECABORT).
    @ivar watching: C{(database, key)} pairs under WATCH.
    @ivar watch_dirty: a watched key changed: the next EXEC fails.
    @ivar channels: subscribed channels; C{patterns}: subscribed patterns;
        C{shard_channels}: SSUBSCRIBEd channels; C{subscribed}: whether any
        of them is not empty (kept by L{miniredis.pubsub.PubSub}).
    @ivar blocked: the L{miniredis.waits.Wait} while blocked, else None.
    @ivar postponed: whether a request waits for CLIENT PAUSE to end.
    @ivar deny_blocking: inside EXEC or a script, blocking commands must
        answer at once as their non-blocking forms do.
    @ivar script: whether this is the session Lua scripts run commands in.
    @ivar user: the L{miniredis.acl.User} the client runs commands as.
    @ivar checked: whether the dispatcher asks the ACL before each command
        (the user is not unrestricted; kept by L{miniredis.acl.Users}).
    @ivar replica_announce: what the client told of itself with REPLCONF
        (L{miniredis.replication.master.Announce}), or None.
    @ivar replica: the L{miniredis.replication.master.ReplicaLink} once the
        client is a replica of this server, else None.
    @ivar from_master: the session runs this replica's master's stream.
    @ivar rewrites: what the running command asks persistence to log instead
        of itself (a list of argv lists), or None to log the command as sent.
    @ivar tracking: the L{miniredis.tracking.Mode} of CLIENT TRACKING while
        the client tracks keys, else None.
    @ivar usual: whether the client is authenticated, not checked by the
        ACL, not in MULTI, not subscribed and not monitoring (kept by
        L{_usual}): the dispatcher then skips its checks.
    """

    authenticated = _usual("authenticated")
    checked = _usual("checked")
    multi = _usual("multi")
    subscribed = _usual("subscribed")
    monitoring = _usual("monitoring")

    def __init__(self, server, connection=None, address=""):
        self.__dict__.update(
            _authenticated=False,
            _checked=False,
            _multi=None,
            _subscribed=False,
            _monitoring=False,
            usual=False,
        )
        self.server = server
        self.connection = connection
        self.address = address
        self.id = next(_ids)
        self.db = server.store.db(0)
        self.proto = 2
        self.name = b""
        self.user = None
        self.checked = False
        self.log_in(server.acl.default)
        self.authenticated = self.user.nopass and self.user.enabled
        if connection is None:
            self.checked = False  # the server's own (a log replayed): as Redis's
        self.multi = None
        self.multi_failed = False
        self.watching = set()
        self.watch_dirty = False
        self.channels = set()
        self.patterns = set()
        self.shard_channels = set()
        self.subscribed = False
        self.monitoring = False
        self.blocked = None
        self.postponed = False
        self.rewrites = None
        self.last_command = "NULL"
        self.created = time.time()
        self.last_interaction = self.created
        self.closing = False
        self.deny_blocking = False
        self.script = False
        self.replica_announce = None
        self.replica = None
        self.from_master = False
        self.tracking = None

    def log_in(self, user):
        """Run the next commands as C{user}, authenticated."""
        self.user = user
        self.checked = not user.unrestricted
        self.authenticated = True

    def discard_transaction(self):
        """Leave MULTI, forgetting the queued commands and the watched keys."""
        self.multi = None
        self.multi_failed = False
        unwatch_all(self)

    def is_local(self):
        """
        Whether the client is on this machine as Redis counts it: a Unix
        socket, 127.0.0.1 or ::1 (or a caller in this process).
        """
        address = self.address
        return ":" not in address or address.rpartition(":")[0] in _LOOPBACK

    def allowed(self, setting):
        """
        @param setting: the value of C{enable-protected-configs},
            C{enable-debug-command} or the like: C{yes}, C{no} or C{local}.
        @return: whether it lets this client do what it guards.
        """
        return setting == "yes" or (setting == "local" and self.is_local())

    def select(self, index):
        self.db = self.server.store.db(index)

    def push(self, value):
        """Send an out-of-band reply (a pub/sub message) to this client."""
        if self.connection is not None:
            self.connection.send_reply(value)

    def resume(self, reply):
        """End a blocking wait with C{reply} and go on with queued requests."""
        self.blocked = None
        if self.connection is not None:
            self.connection.resume(reply)

    def close_after_reply(self):
        """Close the connection once the current replies are sent (QUIT)."""
        self.closing = True

    def rewrite(self, *argvs):
        """Log C{argvs} to persistence in place of the running command."""
        if self.server.propagate is None:
            return
        if self.rewrites is None:
            self.rewrites = []
        self.rewrites.extend(argvs)

    def describe(self, argv=None):
        """
        @param argv: the request running now, when this client asks.
        @return: this client's line of CLIENT LIST / CLIENT INFO, with its
            buffers laid out as Redis's (an output buffer of 16 KB, then a
            list of 16 KB blocks).
        """
        now = time.time()
        connection = self.connection
        tracking = self.tracking
        query, output = connection.buffers() if connection else (0, 0)
        argv_mem = sum(len(arg) for arg in argv) if argv else 0
        multi_mem = 0
        for _, queued in self.multi or ():
            multi_mem += sum(len(arg) for arg in queued)
        obl = min(output, _REPLY_CHUNK)
        omem = output - obl
        flags = "".join(
            letter
            for letter, on in [
                ("O", self.monitoring),
                ("S", self.replica is not None),
                ("M", self.from_master),
                ("P", self.subscribed),
                ("x", self.multi is not None),
                ("b", self.blocked is not None),
                ("t", tracking is not None),
                ("R", tracking is not None and tracking.broken),
                ("B", tracking is not None and tracking.bcast),
            ]
            if on
        )
        fields = [
            ("id", self.id),
            ("addr", self.address),
            ("laddr", self.connection.local_address if self.connection else ""),
            ("fd", 8),
            ("name", self.name.decode("utf-8", "replace")),
            ("age", int(now - self.created)),
            ("idle", int(now - self.last_interaction)),
            ("flags", flags or "N"),
            ("db", self.db.index),
            ("sub", len(self.channels)),
            ("psub", len(self.patterns)),
            ("ssub", 0),
            ("multi", -1 if self.multi is None else len(self.multi)),
            ("qbuf", query),
            ("qbuf-free", 0),
            ("argv-mem", argv_mem),
            ("multi-mem", multi_mem),
            ("rbs", 0),
            ("rbp", 0),
            ("obl", obl),
            ("oll", -(-omem // _REPLY_CHUNK)),
            ("omem", omem),
            ("tot-mem", query + argv_mem + multi_mem + output),
            ("events", "rw" if output else "r"),
            ("cmd", self.last_command),
            ("user", self.user.name.decode("utf-8", "replace")),
            ("redir", -1 if tracking is None else tracking.redirect),
            ("resp", self.proto),
        ]
        return " ".join("%s=%s" % field for field in fields)
