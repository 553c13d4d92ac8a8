"""
MULTI, EXEC, DISCARD, WATCH and UNWATCH.

Queueing happens in the dispatcher (L{miniredis.commands.queue_in_multi});
a WATCHed key is marked by C{Database.modified}, which sets the watching
sessions' C{watch_dirty}.
"""

from miniredis import monitor
from miniredis.commands import call, command
from miniredis.commands.spec import Arg, Index, KeySpec, Range
from miniredis.resp import NULL_ARRAY, OK, ReplyError


@command(
    "multi",
    1,
    "noscript loading stale fast allow_busy",
    group="transactions",
    since="1.2.0",
    acl="transaction",
)
def multi(session, argv):
    if session.multi is not None:
        raise ReplyError("ERR MULTI calls can not be nested")
    session.multi = []
    session.multi_failed = False
    return OK


@command(
    "discard",
    1,
    "noscript loading stale fast allow_busy",
    group="transactions",
    since="2.0.0",
    acl="transaction",
)
def discard(session, argv):
    if session.multi is None:
        raise ReplyError("ERR DISCARD without MULTI")
    discard_transaction(session)
    return OK


def discard_transaction(session):
    """Leave MULTI, forgetting the queued commands and the watched keys."""
    session.multi = None
    session.multi_failed = False
    unwatch_all(session)


@command(
    "exec",
    1,
    "noscript loading stale skip_slowlog",
    group="transactions",
    since="1.2.0",
    acl="transaction",
)
def exec_(session, argv):
    if session.multi is None:
        raise ReplyError("ERR EXEC without MULTI")
    queued, session.multi = session.multi, None
    failed, session.multi_failed = session.multi_failed, False
    if failed:
        unwatch_all(session)
        raise ReplyError("EXECABORT Transaction discarded because of previous errors.")
    for db, key in session.watching:
        db.lookup(key)  # a watched key past its deadline counts as changed
    dirty = session.watch_dirty
    unwatch_all(session)
    if dirty:
        return NULL_ARRAY
    return run_atomically(session, queued)


def run_atomically(session, queued):
    """
    Run queued C{(command, argv)} pairs as one transaction; their writes are
    logged between MULTI and EXEC.

    @return: the list of replies.
    """
    server = session.server
    propagate = server.propagate
    logged = []
    if propagate is not None:
        server.propagate = lambda db, argvs: logged.append((db, argvs))
    session.deny_blocking = True
    try:
        replies = []
        for cmd, args in queued:
            replies.append(call(session, cmd, args))
            monitor.feed(session, cmd, args)
    finally:
        session.deny_blocking = False
        server.propagate = propagate
    if logged:
        propagate(logged[0][0], [[b"MULTI"]])
        for db, argvs in logged:
            propagate(db, argvs)
        propagate(logged[-1][0], [[b"EXEC"]])
    return replies


@command(
    "watch",
    -2,
    "noscript loading stale fast allow_busy",
    group="transactions",
    since="2.2.0",
    acl="transaction",
    keys=[KeySpec("RO", Index(1), Range(-1))],
    args=[Arg("key", "key", flags="multiple", key_spec=0)],
)
def watch(session, argv):
    if session.multi is not None:
        raise ReplyError("ERR WATCH inside MULTI is not allowed")
    db = session.db
    for key in argv[1:]:
        if (db, key) in session.watching:
            continue
        db.lookup(key)
        session.watching.add((db, key))
        db.watched.setdefault(key, set()).add(session)
    return OK


@command(
    "unwatch",
    1,
    "noscript loading stale fast allow_busy",
    group="transactions",
    since="2.2.0",
    acl="transaction",
)
def unwatch(session, argv):
    unwatch_all(session)
    return OK


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
