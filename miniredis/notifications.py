"""
Keyspace notifications: what a write did to a key, published on pub/sub
channels as Redis publishes it (C{notify-keyspace-events}).

A command reports each change once, with its event class and name::

    notify(session.db, "l", b"lpush", key)

which, when the class is configured, publishes the event name on
C{__keyspace@<db>__:<key>} (flag C{K}) and the key on
C{__keyevent@<db>__:<event>} (flag C{E}). While notifications are off
the call costs one attribute check.
"""

GENERIC = "g"
STRING = "$"
LIST = "l"
SET = "s"
HASH = "h"
ZSET = "z"
STREAM = "t"
EXPIRED = "x"
EVICTED = "e"
NEW = "n"
KEY_MISS = "m"


def notify(db, flag, event, key):
    """
    Report event C{event} (bytes) of class C{flag} on C{key} of C{db}.

    @param db: the L{miniredis.store.Database} the key lives in.
    """
    if flag in db.store.events:
        db.store.notifications.publish(db.index, event, key)


class Notifications:
    """
    Where the events of a store are published.

    @ivar pubsub: the L{miniredis.pubsub.PubSub} that takes them.
    @ivar keyspace: whether C{__keyspace@...} messages are published (K).
    @ivar keyevent: whether C{__keyevent@...} messages are published (E).
    """

    def __init__(self, store, pubsub, changed=lambda: None):
        """
        @param changed: called when events start or stop being published.
        """
        self._store = store
        self._changed = changed
        self.pubsub = pubsub
        self.keyspace = self.keyevent = False

    def configure(self, value):
        """
        Follow a C{notify-keyspace-events} value (as L{miniredis.config}
        parses it): the store's C{events} become the classes that publish.
        """
        flags = value.flags
        self.keyspace = "K" in flags
        self.keyevent = "E" in flags
        if self.keyspace or self.keyevent:
            self._store.events = frozenset(flags - set("KE"))
        else:
            self._store.events = frozenset()
        self._changed()

    def publish(self, index, event, key):
        if self.keyspace:
            self.pubsub.publish(b"__keyspace@%d__:%s" % (index, key), event)
        if self.keyevent:
            self.pubsub.publish(b"__keyevent@%d__:%s" % (index, event), key)
