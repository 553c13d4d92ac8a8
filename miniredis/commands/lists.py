"""
List commands (Redis's t_list.c) and the blocking pops.

A list is a L{QuickList} of byte strings, O(1) at both ends; a
list that becomes empty is deleted. Pushes call C{Database.signal_ready} so
that clients blocked in BLPOP, BRPOP, BLMOVE, BRPOPLPUSH or BLMPOP on that
key are served (by L{miniredis.waits}) once the running command, MULTI
block or script is over.

A served blocking pop is logged as the non-blocking write it amounts to
(C{LPOP key}, C{LPOP key count}, C{LMOVE ...}).
"""

from miniredis.commands import BLOCKED, command, wrong_arity
from miniredis.commands.parsing import (
    LLONG_MIN,
    SYNTAX,
    parse_int,
    parse_int_at_least,
    parse_mpop,
    parse_pop_count,
    parse_timeout,
)
from miniredis.commands.spec import Arg, Index, Keynum, KeySpec, OneOf, Range, Token
from miniredis.notifications import notify
from miniredis.quicklist import QuickList
from miniredis.resp import NULL_ARRAY, OK, ReplyError
from miniredis.store import WRONGTYPE
from miniredis.waits import pop_or_wait

RANK_ZERO = (
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
    "second ... or use negative to start from the end of the list"
)


# ---------------------------------------------------------------- helpers


def _list(db, key):
    """@return: the list at C{key}, None if absent; WRONGTYPE otherwise."""
    value = db.lookup(key)
    if value is None or type(value) is QuickList:
        return value
    raise ReplyError(WRONGTYPE)


_LEFT_RIGHT = (b"left", b"right")


def _where(raw):
    """@return: True for C{LEFT}, False for C{RIGHT}."""
    where = raw.lower()
    if where == b"left":
        return True
    if where == b"right":
        return False
    raise ReplyError(SYNTAX)


def _popped(db, key, value, event):
    """
    Note that elements left the list C{value} at C{key}, by C{event}
    (C{lpop}, C{lrem}...).
    """
    if db.store.events:
        notify(db, "l", event, key)
    db.modified(key)
    db.remove_if_empty(key, value)


def _pop_event(left):
    return b"lpop" if left else b"rpop"


def _pushed(db, key, left):
    """Note that elements joined the list at C{key}."""
    if db.store.events:
        notify(db, "l", b"lpush" if left else b"rpush", key)
    db.modified(key)
    db.signal_ready(key)


def _pop_many(value, left, count):
    pop = value.popleft if left else value.pop
    return [pop() for _ in range(min(count, len(value)))]


def _normalize(start, end, length):
    """
    @return: the C{(start, end)} inclusive indexes a range names in a list
        of C{length}, or None if the range is empty.
    """
    if start < 0:
        start += length
    if end < 0:
        end += length
    start = max(start, 0)
    if start > end or start >= length:
        return None
    return start, min(end, length - 1)


def _log(server, db, argv):
    """Log a write done outside any command (a served blocked client)."""
    if server.propagate is not None:
        server.propagate(db.index, [argv])


# ---------------------------------------------------------------- pushes


def _push(session, argv, left, existing_only=False):
    db = session.db
    key = argv[1]
    value = _list(db, key)
    if value is None:
        if existing_only:
            return 0
        value = QuickList()
        db.set(key, value)
    if left:
        length = value.extendleft(argv[2:])
    else:
        length = value.extend(argv[2:])
    _pushed(db, key, left)
    return length


@command(
    "lpush",
    -3,
    "write denyoom fast",
    group="list",
    since="1.0.0",
    acl="list",
    keys=[KeySpec("RW insert", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("element", flags="multiple")],
)
def lpush(session, argv):
    """Push elements onto the head of a list, creating it if needed."""
    return _push(session, argv, left=True)


@command(
    "rpush",
    -3,
    "write denyoom fast",
    group="list",
    since="1.0.0",
    acl="list",
    keys=[KeySpec("RW insert", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("element", flags="multiple")],
)
def rpush(session, argv):
    """Push elements onto the tail of a list, creating it if needed."""
    return _push(session, argv, left=False)


@command(
    "lpushx",
    -3,
    "write denyoom fast",
    group="list",
    since="2.2.0",
    acl="list",
    keys=[KeySpec("RW insert", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("element", flags="multiple")],
)
def lpushx(session, argv):
    """Push elements onto the head of a list that already exists."""
    return _push(session, argv, left=True, existing_only=True)


@command(
    "rpushx",
    -3,
    "write denyoom fast",
    group="list",
    since="2.2.0",
    acl="list",
    keys=[KeySpec("RW insert", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("element", flags="multiple")],
)
def rpushx(session, argv):
    """Push elements onto the tail of a list that already exists."""
    return _push(session, argv, left=False, existing_only=True)


# ---------------------------------------------------------------- pops


def _pop(session, argv, left):
    if len(argv) > 3:
        raise wrong_arity(argv[0].decode("utf-8", "replace").lower())
    count = parse_pop_count(argv)
    db = session.db
    key = argv[1]
    value = _list(db, key)
    if value is None:
        return None if count is None else NULL_ARRAY
    if count is None:
        item = value.popleft() if left else value.pop()
        _popped(db, key, value, _pop_event(left))
        return item
    if count == 0:
        return []
    items = _pop_many(value, left, count)
    _popped(db, key, value, _pop_event(left))
    return items


@command(
    "lpop",
    -2,
    "write fast",
    group="list",
    since="1.0.0",
    acl="list",
    keys=[KeySpec("RW access delete", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("count", "integer", flags="optional", since="6.2.0"),
    ],
)
def lpop(session, argv):
    """Take elements off the head of a list."""
    return _pop(session, argv, left=True)


@command(
    "rpop",
    -2,
    "write fast",
    group="list",
    since="1.0.0",
    acl="list",
    keys=[KeySpec("RW access delete", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("count", "integer", flags="optional", since="6.2.0"),
    ],
)
def rpop(session, argv):
    """Take elements off the tail of a list."""
    return _pop(session, argv, left=False)


# ---------------------------------------------------------------- reading


@command(
    "llen",
    2,
    "readonly fast",
    group="list",
    since="1.0.0",
    acl="list",
    keys=[KeySpec("RO", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def llen(session, argv):
    """Count the elements of a list."""
    value = _list(session.db, argv[1])
    return 0 if value is None else len(value)


@command(
    "lrange",
    4,
    "readonly",
    group="list",
    since="1.0.0",
    acl="list",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("start", "integer"),
        Arg("stop", "integer"),
    ],
)
def lrange(session, argv):
    """Read the elements of a list between two indexes."""
    start, end = parse_int(argv[2]), parse_int(argv[3])
    value = _list(session.db, argv[1])
    if value is None:
        return []
    bounds = _normalize(start, end, len(value))
    if bounds is None:
        return []
    start, end = bounds
    return value.range(start, end + 1)


@command(
    "lindex",
    3,
    "readonly",
    group="list",
    since="1.0.0",
    acl="list",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("index", "integer")],
)
def lindex(session, argv):
    """Read the element of a list at an index (negative counts from the end)."""
    value = _list(session.db, argv[1])
    if value is None:
        return None
    index = parse_int(argv[2])
    if index < 0:
        index += len(value)
    if not 0 <= index < len(value):
        return None
    return value[index]


@command(
    "lpos",
    -3,
    "readonly",
    group="list",
    since="6.0.6",
    acl="list",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("element"),
        Arg("rank", "integer", token="RANK", flags="optional"),
        Arg("num-matches", "integer", token="COUNT", flags="optional"),
        Arg("len", "integer", token="MAXLEN", flags="optional"),
    ],
)
def lpos(session, argv):
    """Find the positions of an element in a list."""
    rank, count, maxlen = _lpos_options(argv)
    value = _list(session.db, argv[1])
    if value is None:
        return None if count is None else []
    element = argv[2]
    from_tail = rank < 0
    skip = 0 if rank == LLONG_MIN else abs(rank) - 1  # Redis: LLONG_MIN is -1
    last = len(value) - 1
    found = []
    for scanned, item in enumerate(reversed(value) if from_tail else value):
        if maxlen and scanned >= maxlen:
            break
        if item != element:
            continue
        if skip:
            skip -= 1
            continue
        found.append(last - scanned if from_tail else scanned)
        if count is None or len(found) == count:
            break
    if count is None:
        return found[0] if found else None
    return found


def _lpos_options(argv):
    """@return: C{(rank, count or None, maxlen)} of an LPOS command."""
    rank, count, maxlen = 1, None, 0
    for i in range(3, len(argv), 2):
        option = argv[i].lower()
        if i + 1 >= len(argv):
            raise ReplyError(SYNTAX)
        if option == b"rank":
            rank = parse_int(argv[i + 1])
            if rank == 0:
                raise ReplyError(RANK_ZERO)
        elif option == b"count":
            count = parse_int_at_least(argv[i + 1], 0, "ERR COUNT can't be negative")
        elif option == b"maxlen":
            maxlen = parse_int_at_least(argv[i + 1], 0, "ERR MAXLEN can't be negative")
        else:
            raise ReplyError(SYNTAX)
    return rank, count, maxlen


# ---------------------------------------------------------------- changing


@command(
    "lset",
    4,
    "write denyoom",
    group="list",
    since="1.0.0",
    acl="list",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("index", "integer"), Arg("element")],
)
def lset(session, argv):
    """Overwrite the element of a list at an index."""
    db = session.db
    key = argv[1]
    value = _list(db, key)
    if value is None:
        raise ReplyError("ERR no such key")
    index = parse_int(argv[2])
    if index < 0:
        index += len(value)
    if not 0 <= index < len(value):
        raise ReplyError("ERR index out of range")
    value[index] = argv[3]
    notify(db, "l", b"lset", key)
    db.modified(key)
    return OK


@command(
    "lrem",
    4,
    "write",
    group="list",
    since="1.0.0",
    acl="list",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("count", "integer"), Arg("element")],
)
def lrem(session, argv):
    """Remove occurrences of an element from a list."""
    count = parse_int(argv[2])
    db = session.db
    key = argv[1]
    value = _list(db, key)
    if value is None:
        return 0
    element = argv[3]
    from_tail = count < 0
    limit = abs(count)
    kept = []
    removed = 0
    for item in reversed(value) if from_tail else value:
        if item == element and (not limit or removed < limit):
            removed += 1
        else:
            kept.append(item)
    if removed:
        if from_tail:
            kept.reverse()
        value.clear()
        value.extend(kept)
        _popped(db, key, value, b"lrem")
    return removed


@command(
    "ltrim",
    4,
    "write",
    group="list",
    since="1.0.0",
    acl="list",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("start", "integer"),
        Arg("stop", "integer"),
    ],
)
def ltrim(session, argv):
    """Keep only the elements of a list between two indexes."""
    start, end = parse_int(argv[2]), parse_int(argv[3])
    db = session.db
    key = argv[1]
    value = _list(db, key)
    if value is None:
        return OK
    bounds = _normalize(start, end, len(value))
    if bounds is None:
        value.clear()
    else:
        start, end = bounds
        for _ in range(len(value) - 1 - end):
            value.pop()
        for _ in range(start):
            value.popleft()
    _popped(db, key, value, b"ltrim")
    return OK


@command(
    "linsert",
    5,
    "write denyoom",
    group="list",
    since="2.2.0",
    acl="list",
    keys=[KeySpec("RW insert", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        OneOf("where", Token("BEFORE"), Token("AFTER")),
        Arg("pivot"),
        Arg("element"),
    ],
)
def linsert(session, argv):
    """Put an element before or after the first occurrence of another."""
    where = argv[2].lower()
    if where not in (b"before", b"after"):
        raise ReplyError(SYNTAX)
    db = session.db
    key = argv[1]
    value = _list(db, key)
    if value is None:
        return 0
    pivot = argv[3]
    for index, item in enumerate(value):
        if item == pivot:
            value.insert(index if where == b"before" else index + 1, argv[4])
            notify(db, "l", b"linsert", key)
            db.modified(key)
            return len(value)
    return -1


# ---------------------------------------------------------------- moves


def _move(db, source_key, target_key, from_left, to_left):
    """
    Pop from one list and push onto another (or the same) one.

    @return: the element moved, None if the source is absent.
    """
    source = _list(db, source_key)
    if source is None:
        return None
    target = _list(db, target_key)
    item = source.popleft() if from_left else source.pop()
    if target is None:
        target = QuickList()
        db.set(target_key, target)
    if to_left:
        target.appendleft(item)
    else:
        target.append(item)
    _pushed(db, target_key, to_left)
    _popped(db, source_key, source, _pop_event(from_left))
    return item


def _lmove_argv(source, target, from_left, to_left):
    return [
        b"LMOVE",
        source,
        target,
        b"LEFT" if from_left else b"RIGHT",
        b"LEFT" if to_left else b"RIGHT",
    ]


@command(
    "lmove",
    5,
    "write denyoom",
    group="list",
    since="6.2.0",
    acl="list",
    keys=[
        KeySpec("RW access delete", Index(1), Range(0)),
        KeySpec("RW insert", Index(2), Range(0)),
    ],
    args=[
        Arg("source", "key", key_spec=0),
        Arg("destination", "key", key_spec=1),
        OneOf("wherefrom", Token("LEFT"), Token("RIGHT")),
        OneOf("whereto", Token("LEFT"), Token("RIGHT")),
    ],
)
def lmove(session, argv):
    """Take an element from one end of a list and push it onto another list."""
    from_left, to_left = _where(argv[3]), _where(argv[4])
    return _move(session.db, argv[1], argv[2], from_left, to_left)


@command(
    "rpoplpush",
    3,
    "write denyoom",
    group="list",
    since="1.2.0",
    acl="list",
    keys=[
        KeySpec("RW access delete", Index(1), Range(0)),
        KeySpec("RW insert", Index(2), Range(0)),
    ],
    args=[Arg("source", "key", key_spec=0), Arg("destination", "key", key_spec=1)],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`LMOVE` with the `RIGHT` and `LEFT` arguments",
)
def rpoplpush(session, argv):
    """Move the tail of a list to the head of another list."""
    return _move(session.db, argv[1], argv[2], False, True)


# ---------------------------------------------------------------- multi-key pops


def _pop_for_reply(db, key, value, left, count):
    """
    Pop for a multi-key pop: BLPOP/BRPOP (C{count} None) or [B]LMPOP.

    @return: C{(reply, the non-blocking pop to log)}.
    """
    name = b"LPOP" if left else b"RPOP"
    if count is None:
        item = value.popleft() if left else value.pop()
        reply, logged = [key, item], [name, key]
    else:
        reply = [key, _pop_many(value, left, count)]
        logged = [name, key, b"%d" % count]
    _popped(db, key, value, _pop_event(left))
    return reply, logged


def _first_nonempty(db, keys):
    """
    @return: C{(key, list)} for the first of C{keys} holding a list, else
        C{(None, None)}; WRONGTYPE for a key of another type met before.
    """
    for key in keys:
        value = _list(db, key)
        if value:
            return key, value
    return None, None


@command(
    "lmpop",
    -4,
    "write",
    group="list",
    since="7.0.0",
    acl="list",
    keys=[KeySpec("RW access delete", Index(1), Keynum(0, 1, 1))],
    args=[
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=0),
        OneOf("where", Token("LEFT"), Token("RIGHT")),
        Arg("count", "integer", token="COUNT", flags="optional"),
    ],
)
def lmpop(session, argv):
    """Pop elements from the first of several lists that has any."""
    keys, left, count = parse_mpop(argv, 1, _LEFT_RIGHT)
    db = session.db
    key, value = _first_nonempty(db, keys)
    if key is None:
        return NULL_ARRAY
    reply, logged = _pop_for_reply(db, key, value, left, count)
    session.rewrite(logged)
    return reply


# ---------------------------------------------------------------- blocking


def _blocking_pop(session, keys, timeout, left, count=None):
    """BLPOP, BRPOP, BLMPOP: pop now, or wait for a push to C{keys}."""

    def pop(db, key, value):
        if type(value) is QuickList:
            return _pop_for_reply(db, key, value, left, count)
        return None

    return pop_or_wait(session, keys, timeout, _first_nonempty, pop)


@command(
    "blpop",
    -3,
    "write noscript blocking",
    group="list",
    since="2.0.0",
    acl="list",
    keys=[KeySpec("RW access delete", Index(1), Range(-2))],
    args=[Arg("key", "key", flags="multiple", key_spec=0), Arg("timeout", "double")],
)
def blpop(session, argv):
    """Pop the head of the first non-empty list, waiting for one if all are empty."""
    timeout = parse_timeout(argv[-1])
    return _blocking_pop(session, argv[1:-1], timeout, left=True)


@command(
    "brpop",
    -3,
    "write noscript blocking",
    group="list",
    since="2.0.0",
    acl="list",
    keys=[KeySpec("RW access delete", Index(1), Range(-2))],
    args=[Arg("key", "key", flags="multiple", key_spec=0), Arg("timeout", "double")],
)
def brpop(session, argv):
    """Pop the tail of the first non-empty list, waiting for one if all are empty."""
    timeout = parse_timeout(argv[-1])
    return _blocking_pop(session, argv[1:-1], timeout, left=False)


@command(
    "blmpop",
    -5,
    "write blocking",
    group="list",
    since="7.0.0",
    acl="list",
    keys=[KeySpec("RW access delete", Index(2), Keynum(0, 1, 1))],
    args=[
        Arg("timeout", "double"),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=0),
        OneOf("where", Token("LEFT"), Token("RIGHT")),
        Arg("count", "integer", token="COUNT", flags="optional"),
    ],
)
def blmpop(session, argv):
    """Pop elements from the first non-empty list, waiting for one if all are empty."""
    keys, left, count = parse_mpop(argv, 2, _LEFT_RIGHT)
    timeout = parse_timeout(argv[1])
    return _blocking_pop(session, keys, timeout, left, count)


def _blocking_move(session, source, target, from_left, to_left, timeout):
    """BLMOVE, BRPOPLPUSH: move now, or wait for a push to C{source}."""
    db = session.db
    logged = _lmove_argv(source, target, from_left, to_left)
    if _list(db, source) is not None:
        session.rewrite(logged)
        return _move(db, source, target, from_left, to_left)
    if session.deny_blocking:
        return None
    server = session.server

    def serve(key):
        if type(db.lookup(source)) is not QuickList:
            return None
        try:
            item = _move(db, source, target, from_left, to_left)
        except ReplyError as e:  # the target now holds another type
            return e
        _log(server, db, logged)
        return item

    server.waits.block(session, [source], timeout, serve, NULL_ARRAY)
    return BLOCKED


@command(
    "blmove",
    6,
    "write denyoom noscript blocking",
    group="list",
    since="6.2.0",
    acl="list",
    keys=[
        KeySpec("RW access delete", Index(1), Range(0)),
        KeySpec("RW insert", Index(2), Range(0)),
    ],
    args=[
        Arg("source", "key", key_spec=0),
        Arg("destination", "key", key_spec=1),
        OneOf("wherefrom", Token("LEFT"), Token("RIGHT")),
        OneOf("whereto", Token("LEFT"), Token("RIGHT")),
        Arg("timeout", "double"),
    ],
)
def blmove(session, argv):
    """Move an element from one list to another, waiting for one if the source is empty."""
    from_left, to_left = _where(argv[3]), _where(argv[4])
    timeout = parse_timeout(argv[5])
    return _blocking_move(session, argv[1], argv[2], from_left, to_left, timeout)


@command(
    "brpoplpush",
    4,
    "write denyoom noscript blocking",
    group="list",
    since="2.2.0",
    acl="list",
    keys=[
        KeySpec("RW access delete", Index(1), Range(0)),
        KeySpec("RW insert", Index(2), Range(0)),
    ],
    args=[
        Arg("source", "key", key_spec=0),
        Arg("destination", "key", key_spec=1),
        Arg("timeout", "double"),
    ],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`BLMOVE` with the `RIGHT` and `LEFT` arguments",
)
def brpoplpush(session, argv):
    """Move a list's tail to another list's head, waiting if the source is empty."""
    timeout = parse_timeout(argv[3])
    return _blocking_move(session, argv[1], argv[2], False, True, timeout)
