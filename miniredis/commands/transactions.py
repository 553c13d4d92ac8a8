"""
MULTI, EXEC, DISCARD, WATCH and UNWATCH.

Queueing happens in the dispatcher (L{miniredis.commands.queue_in_multi});
WATCH's bookkeeping is L{miniredis.watch}.
"""

from miniredis.commands import call, command
from miniredis.commands.spec import Arg, Index, KeySpec, Range
from miniredis.resp import NULL_ARRAY, OK, ReplyError
from miniredis.watch import unwatch_all
from miniredis.watch import watch as watch_key


@command(
    "multi",
    1,
    "noscript loading stale fast allow_busy",
    group="transactions",
    since="1.2.0",
    acl="transaction",
)
def multi(session, argv):
    """Start queueing commands for one atomic EXEC."""
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
    """Drop the commands queued since MULTI."""
    if session.multi is None:
        raise ReplyError("ERR DISCARD without MULTI")
    session.discard_transaction()
    return OK


@command(
    "exec",
    1,
    "noscript loading stale skip_slowlog",
    group="transactions",
    since="1.2.0",
    acl="transaction",
)
def exec_(session, argv):
    """Run the commands queued since MULTI, all at once."""
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
    return _run_queued(session, queued)


def _run_queued(session, queued):
    """
    Run the queued C{(command, argv)} pairs as one transaction; their writes
    are logged between MULTI and EXEC.

    @return: the list of their replies.
    """
    began = session.server.writes.begin()
    replies = []
    session.deny_blocking = True
    try:
        for cmd, args in queued:
            reply = None
            if session.checked:  # the rules may have changed since MULTI
                reply = session.server.acl.recheck(session, cmd, args)
            if reply is None:
                reply = call(session, cmd, args)
            replies.append(reply)
    finally:
        session.deny_blocking = False
    if began:
        session.server.writes.commit()
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
    """Make the next EXEC fail if any of these keys changes first."""
    if session.multi is not None:
        raise ReplyError("ERR WATCH inside MULTI is not allowed")
    for key in argv[1:]:
        watch_key(session, session.db, key)
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
    """Stop watching every key watched for the next EXEC."""
    unwatch_all(session)
    return OK
