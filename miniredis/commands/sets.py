"""
Set commands (Redis's t_set.c).

A set is a Python C{set} of byte strings; a set that becomes empty is
deleted. Replies list a small set of integers in ascending order, as Redis
does for its intset encoding; any other set comes in no particular order.
SPOP is logged as the SREM of what it popped.
"""

import random

from miniredis.commands import command
from miniredis.commands.hashes import COUNT_RANGE
from miniredis.commands.parsing import (
    LIMIT_NEGATIVE,
    LLONG_MIN,
    NUMKEYS,
    SYNTAX,
    parse_int,
    parse_int_at_least,
    parse_pop_count,
)
from miniredis.commands.randompick import random_picks
from miniredis.commands.spec import Arg, Index, Keynum, KeySpec, Range
from miniredis.glob import matcher
from miniredis.notifications import notify
from miniredis.resp import ReplyError, SetReply
from miniredis.scan import parse_cursor, parse_options


def _set(db, key):
    """@return: the set at C{key}, None if absent; WRONGTYPE otherwise."""
    return db.get_typed(key, set)


def _sets(db, keys):
    """@return: the set (or None) at each of C{keys}, all type-checked."""
    found = [_set(db, key) for key in keys]
    for key, value in zip(keys, found):
        if value is None:
            db.read_miss(key)
    return found


def _as_integer(member):
    try:
        return parse_int(member)
    except ReplyError:
        return None


def _intset_order(session, members):
    """
    @return: C{members} in ascending numeric order if Redis would hold them
        as an intset (few, all integers), else None.
    """
    if len(members) > session.server.config["set-max-intset-entries"]:
        return None
    numbers = []
    for member in members:
        number = _as_integer(member)
        if number is None:
            return None
        numbers.append((number, member))
    numbers.sort()
    return [member for _, member in numbers]


def ordered(session, members):
    """@return: C{members} as a list, in Redis's order for an intset."""
    members = list(members)
    return _intset_order(session, members) or members


def _store(db, key, members, event):
    """
    Replace C{key} with the set C{members}, or delete it if empty; report
    C{event} (or C{del}).
    """
    if members:
        db.set(key, members)
        notify(db, "s", event, key)
    elif db.delete(key):
        notify(db, "g", b"del", key)
    return len(members)


# ---------------------------------------------------------------- members


@command(
    "sadd",
    -3,
    "write denyoom fast",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[KeySpec("RW insert", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member", flags="multiple")],
)
def sadd(session, argv):
    """Add members to a set, creating it if needed; answers how many are new."""
    db = session.db
    key = argv[1]
    value = _set(db, key)
    if value is None:
        value = set()
        db.set(key, value)
    size = len(value)
    value.update(argv[2:])
    if len(value) != size:
        if db.store.events:
            notify(db, "s", b"sadd", key)
        db.modified(key)
    return len(value) - size


@command(
    "srem",
    -3,
    "write fast",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member", flags="multiple")],
)
def srem(session, argv):
    """Remove members from a set; answers how many were there."""
    db = session.db
    key = argv[1]
    value = _set(db, key)
    if value is None:
        return 0
    size = len(value)
    value.difference_update(argv[2:])
    if len(value) != size:
        notify(db, "s", b"srem", key)
        db.modified(key)
        db.remove_if_empty(key, value)
    return size - len(value)


@command(
    "smove",
    4,
    "write fast",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[
        KeySpec("RW access delete", Index(1), Range(0)),
        KeySpec("RW insert", Index(2), Range(0)),
    ],
    args=[
        Arg("source", "key", key_spec=0),
        Arg("destination", "key", key_spec=1),
        Arg("member"),
    ],
)
def smove(session, argv):
    """Move a member from one set into another."""
    db = session.db
    source_key, target_key, member = argv[1], argv[2], argv[3]
    source = _set(db, source_key)
    if source is None:
        return 0
    target = _set(db, target_key)
    if source is target:
        return int(member in source)
    if member not in source:
        return 0
    source.remove(member)
    notify(db, "s", b"srem", source_key)
    db.modified(source_key)
    db.remove_if_empty(source_key, source)
    if target is None:
        target = set()
        db.set(target_key, target)
    if member not in target:
        target.add(member)
        notify(db, "s", b"sadd", target_key)
        db.modified(target_key)
    return 1


# Sets larger than this keep a list of their members for random picks.
_SAMPLED_ABOVE = 128


def random_member(db, key, value, pop):
    """
    @return: a random member of the set C{value} at C{key}, removed from the
        set if C{pop}.

    A Python set offers no random member, and listing one costs its size.
    So a large set gets a list of its members in C{db.samplers}, made once
    and kept as SPOP takes members out, so that picks cost O(1) until the
    set changes otherwise: the list is made again when its length no longer
    matches the set's, or when it gives a member the set no longer holds.
    """
    if len(value) <= _SAMPLED_ABOVE:
        member = random.choice(list(value))
    else:
        entry = db.samplers.get(key)
        while True:
            if entry is None or entry[0] is not value or len(entry[1]) != len(value):
                entry = db.samplers[key] = (value, list(value))
            members = entry[1]
            at = random.randrange(len(members))
            member = members[at]
            if member in value:
                break
            entry = None
        if pop:
            members[at] = members[-1]
            members.pop()
    if pop:
        value.remove(member)
    return member


@command(
    "spop",
    -2,
    "write fast",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[KeySpec("RW access delete", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("count", "integer", flags="optional", since="3.2.0"),
    ],
    tips="nondeterministic_output",
)
def spop(session, argv):
    """Take members out of a set at random."""
    count = parse_pop_count(argv)
    db = session.db
    key = argv[1]
    value = _set(db, key)
    if count is None:
        if value is None:
            return None
        popped = [random_member(db, key, value, pop=True)]
    elif value is None or count == 0:
        return SetReply()
    else:
        popped = random_picks(ordered(session, value), count)
        value.difference_update(popped)
    if db.store.events:
        notify(db, "s", b"spop", key)
    db.modified(key)
    db.remove_if_empty(key, value)
    session.rewrite([b"SREM", key] + popped)
    return popped[0] if count is None else SetReply(popped)


@command(
    "srandmember",
    -2,
    "readonly",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("count", "integer", flags="optional", since="2.6.0"),
    ],
    tips="nondeterministic_output",
)
def srandmember(session, argv):
    """Pick members of a set at random, leaving them there."""
    if len(argv) > 3:
        raise ReplyError(SYNTAX)
    if len(argv) == 2:
        value = _set(session.db, argv[1])
        return random_member(session.db, argv[1], value, pop=False) if value else None
    count = parse_int(argv[2])
    if count == LLONG_MIN:
        raise ReplyError(COUNT_RANGE)
    value = _set(session.db, argv[1])
    if not value:
        return []
    if count >= len(value):
        return ordered(session, value)
    return random_picks(list(value), count)


# ---------------------------------------------------------------- reading


@command(
    "smembers",
    2,
    "readonly",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output_order",
)
def smembers(session, argv):
    """List every member of a set."""
    return SetReply(ordered(session, _set(session.db, argv[1]) or ()))


@command(
    "sismember",
    3,
    "readonly fast",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[KeySpec("RO", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member")],
)
def sismember(session, argv):
    """Tell whether a value is a member of a set."""
    value = _set(session.db, argv[1])
    return int(value is not None and argv[2] in value)


@command(
    "smismember",
    -3,
    "readonly fast",
    group="set",
    since="6.2.0",
    acl="set",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member", flags="multiple")],
)
def smismember(session, argv):
    """Tell, for each value given, whether it is a member of a set."""
    value = _set(session.db, argv[1]) or ()
    return [int(member in value) for member in argv[2:]]


@command(
    "scard",
    2,
    "readonly fast",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[KeySpec("RO", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def scard(session, argv):
    """Count the members of a set."""
    value = _set(session.db, argv[1])
    return 0 if value is None else len(value)


@command(
    "sscan",
    -3,
    "readonly",
    group="set",
    since="2.8.0",
    acl="set",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("cursor", "integer"),
        Arg("pattern", "pattern", token="MATCH", flags="optional"),
        Arg("count", "integer", token="COUNT", flags="optional"),
    ],
    tips="nondeterministic_output",
)
def sscan(session, argv):
    """Walk the members of a set a few at a time with a cursor."""
    cursor = parse_cursor(argv[2])
    value = _set(session.db, argv[1])
    if value is None:
        return [b"0", []]
    pattern, count, _ = parse_options(argv, 3)
    members = _intset_order(session, value)
    if members is not None:
        cursor = 0  # Redis answers an intset all at once
    else:
        cursor, members = session.server.cursors.page(
            cursor, lambda: list(value), count
        )
    match = matcher(pattern) if pattern is not None else None
    return [
        b"%d" % cursor,
        [m for m in members if m in value and (match is None or match(m))],
    ]


# ---------------------------------------------------------------- algebra


def _inter(sets):
    if any(s is None for s in sets):
        return set()
    smallest, *others = sorted(sets, key=len)
    return smallest.intersection(*others)


def _union(sets):
    return set().union(*(s for s in sets if s is not None))


def _diff(sets):
    first = sets[0]
    if first is None:
        return set()
    return first.difference(*(s for s in sets[1:] if s is not None))


@command(
    "sinter",
    -2,
    "readonly",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[KeySpec("RO access", Index(1), Range(-1))],
    args=[Arg("key", "key", flags="multiple", key_spec=0)],
    tips="nondeterministic_output_order",
)
def sinter(session, argv):
    """List the members common to all the sets given."""
    return SetReply(ordered(session, _inter(_sets(session.db, argv[1:]))))


@command(
    "sunion",
    -2,
    "readonly",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[KeySpec("RO access", Index(1), Range(-1))],
    args=[Arg("key", "key", flags="multiple", key_spec=0)],
    tips="nondeterministic_output_order",
)
def sunion(session, argv):
    """List the members found in any of the sets given."""
    return SetReply(ordered(session, _union(_sets(session.db, argv[1:]))))


@command(
    "sdiff",
    -2,
    "readonly",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[KeySpec("RO access", Index(1), Range(-1))],
    args=[Arg("key", "key", flags="multiple", key_spec=0)],
    tips="nondeterministic_output_order",
)
def sdiff(session, argv):
    """List the members of the first set that are in none of the others."""
    return SetReply(ordered(session, _diff(_sets(session.db, argv[1:]))))


@command(
    "sinterstore",
    -3,
    "write denyoom",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[
        KeySpec("RW update", Index(1), Range(0)),
        KeySpec("RO access", Index(2), Range(-1)),
    ],
    args=[
        Arg("destination", "key", key_spec=0),
        Arg("key", "key", flags="multiple", key_spec=1),
    ],
)
def sinterstore(session, argv):
    """Store the members common to all the sets given."""
    db = session.db
    return _store(db, argv[1], _inter(_sets(db, argv[2:])), b"sinterstore")


@command(
    "sunionstore",
    -3,
    "write denyoom",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[
        KeySpec("OW update", Index(1), Range(0)),
        KeySpec("RO access", Index(2), Range(-1)),
    ],
    args=[
        Arg("destination", "key", key_spec=0),
        Arg("key", "key", flags="multiple", key_spec=1),
    ],
)
def sunionstore(session, argv):
    """Store the members found in any of the sets given."""
    db = session.db
    return _store(db, argv[1], _union(_sets(db, argv[2:])), b"sunionstore")


@command(
    "sdiffstore",
    -3,
    "write denyoom",
    group="set",
    since="1.0.0",
    acl="set",
    keys=[
        KeySpec("OW update", Index(1), Range(0)),
        KeySpec("RO access", Index(2), Range(-1)),
    ],
    args=[
        Arg("destination", "key", key_spec=0),
        Arg("key", "key", flags="multiple", key_spec=1),
    ],
)
def sdiffstore(session, argv):
    """Store the members of the first set that are in none of the others."""
    db = session.db
    return _store(db, argv[1], _diff(_sets(db, argv[2:])), b"sdiffstore")


@command(
    "sintercard",
    -3,
    "readonly",
    group="set",
    since="7.0.0",
    acl="set",
    keys=[KeySpec("RO access", Index(1), Keynum(0, 1, 1))],
    args=[
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=0),
        Arg("limit", "integer", token="LIMIT", flags="optional"),
    ],
)
def sintercard(session, argv):
    """Count the members common to all the sets given, up to a limit."""
    numkeys = parse_int_at_least(argv[1], 1, NUMKEYS)
    if numkeys > len(argv) - 2:
        raise ReplyError("ERR Number of keys can't be greater than number of args")
    limit = 0
    i = 2 + numkeys
    while i < len(argv):
        if argv[i].lower() == b"limit" and i + 1 < len(argv):
            limit = parse_int_at_least(argv[i + 1], 0, LIMIT_NEGATIVE)
            i += 2
        else:
            raise ReplyError(SYNTAX)
    sets = _sets(session.db, argv[2 : 2 + numkeys])
    if any(s is None for s in sets):
        return 0
    smallest, *others = sorted(sets, key=len)
    count = 0
    for member in smallest:
        if all(member in other for other in others):
            count += 1
            if count == limit:
                break
    return count
