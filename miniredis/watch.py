"""
WATCH bookkeeping: which clients watch which keys.

A database keeps C{watched} (key -> watching sessions); a write to a watched
key (L{miniredis.store.Database.modified}) marks those sessions
C{watch_dirty}, so that their next EXEC fails.
"""


def watch(session, db, key):
    """C{session} watches C{key} of C{db}."""
    if (db, key) in session.watching:
        return
    db.lookup(key)
    session.watching.add((db, key))
    db.watched.setdefault(key, set()).add(session)


def unwatch_all(session):
    """Forget every key C{session} watches."""
    for db, key in session.watching:
        sessions = db.watched.get(key)
        if sessions is not None:
            sessions.discard(session)
            if not sessions:
                del db.watched[key]
    session.watching = set()
    session.watch_dirty = False
