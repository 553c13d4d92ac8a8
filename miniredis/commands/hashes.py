"""
Hash commands (Redis's t_hash.c).

A hash is a C{dict} of field -> value byte strings; it keeps insertion
order as Redis's small (listpack) hashes do, and a hash that becomes empty
is deleted. HINCRBYFLOAT computes in long double (L{miniredis.longdouble})
and is logged as the HSET of its result.
"""

import random

from miniredis import longdouble
from miniredis.commands import command, wrong_arity
from miniredis.commands.parsing import (
    LLONG_MAX,
    LLONG_MIN,
    NOT_FLOAT,
    SYNTAX,
    parse_int,
)
from miniredis.commands.randompick import random_picks
from miniredis.commands.spec import Arg, Block, Index, KeySpec, Range, Token
from miniredis.encodings import encoding
from miniredis.glob import matcher
from miniredis.notifications import notify
from miniredis.resp import OK, Pairs, ReplyError
from miniredis.scan import parse_cursor, parse_options

COUNT_RANGE = (
    "ERR value is out of range, value must between -9223372036854775807 "
    "and 9223372036854775807"
)


def _hash(db, key):
    """@return: the hash at C{key}, None if absent; WRONGTYPE otherwise."""
    return db.get_typed(key, dict)


def _hash_for_write(db, key):
    """@return: the hash at C{key}, created empty if absent."""
    value = _hash(db, key)
    if value is None:
        value = {}
        db.set(key, value)
    return value


def pairs(items):
    """
    A reply of C{[a, b]} pairs: an array of pairs in RESP3, one flat array
    in RESP2 (as HRANDFIELD WITHVALUES answers).
    """
    return Pairs(list(pair) for pair in items)


# ---------------------------------------------------------------- writing


def _set_fields(session, argv):
    if len(argv) % 2:
        raise wrong_arity(argv[0].decode("utf-8", "replace").lower())
    db = session.db
    key = argv[1]
    value = _hash_for_write(db, key)
    added = 0
    for i in range(2, len(argv), 2):
        field = argv[i]
        if field not in value:
            added += 1
        value[field] = argv[i + 1]
    if db.store.events:
        notify(db, "h", b"hset", key)
    db.modified(key)
    return added


@command(
    "hset",
    -4,
    "write denyoom fast",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Block("field_value", Arg("field"), Arg("value"), flags="multiple"),
    ],
)
def hset(session, argv):
    """Write fields of a hash, creating it if needed; answers how many are new."""
    return _set_fields(session, argv)


@command(
    "hmset",
    -4,
    "write denyoom fast",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Block("field_value", Arg("field"), Arg("value"), flags="multiple"),
    ],
    doc_flags="deprecated",
    deprecated_since="4.0.0",
    replaced_by="`HSET` with multiple field-value pairs",
)
def hmset(session, argv):
    """Write several fields of a hash (the old form of HSET)."""
    _set_fields(session, argv)
    return OK


@command(
    "hsetnx",
    4,
    "write denyoom fast",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RW insert", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("field"), Arg("value")],
)
def hsetnx(session, argv):
    """Write a field of a hash unless the field is already there."""
    db = session.db
    key, field = argv[1], argv[2]
    value = _hash(db, key)
    if value is not None and field in value:
        return 0
    _hash_for_write(db, key)[field] = argv[3]
    notify(db, "h", b"hset", key)
    db.modified(key)
    return 1


@command(
    "hdel",
    -3,
    "write fast",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("field", flags="multiple")],
)
def hdel(session, argv):
    """Remove fields from a hash; answers how many were there."""
    db = session.db
    key = argv[1]
    value = _hash(db, key)
    if value is None:
        return 0
    deleted = 0
    for field in argv[2:]:
        if value.pop(field, None) is not None:
            deleted += 1
    if deleted:
        notify(db, "h", b"hdel", key)
        db.modified(key)
        db.remove_if_empty(key, value)
    return deleted


@command(
    "hincrby",
    4,
    "write denyoom fast",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("field"), Arg("increment", "integer")],
)
def hincrby(session, argv):
    """Add an integer to a field of a hash holding an integer."""
    increment = parse_int(argv[3])
    db = session.db
    key, field = argv[1], argv[2]
    value = _hash(db, key)
    current = None if value is None else value.get(field)
    old = (
        0 if current is None else parse_int(current, "ERR hash value is not an integer")
    )
    new = old + increment
    if not LLONG_MIN <= new <= LLONG_MAX:
        raise ReplyError("ERR increment or decrement would overflow")
    _hash_for_write(db, key)[field] = b"%d" % new
    notify(db, "h", b"hincrby", key)
    db.modified(key)
    return new


@command(
    "hincrbyfloat",
    4,
    "write denyoom fast",
    group="hash",
    since="2.6.0",
    acl="hash",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("field"), Arg("increment", "double")],
)
def hincrbyfloat(session, argv):
    """Add a decimal number to a field of a hash holding a number."""
    try:
        increment = longdouble.parse(argv[3])
    except ValueError:
        raise ReplyError(NOT_FLOAT)
    if increment in (longdouble.INFINITY, -longdouble.INFINITY):
        raise ReplyError("ERR value is NaN or Infinity")
    db = session.db
    key, field = argv[1], argv[2]
    value = _hash(db, key)
    current = None if value is None else value.get(field)
    try:
        old = 0 if current is None else longdouble.parse(current)
    except ValueError:
        raise ReplyError("ERR hash value is not a float")
    try:
        new = longdouble.format_human(longdouble.add(old, increment))
    except longdouble.Overflow:
        raise ReplyError("ERR increment would produce NaN or Infinity")
    _hash_for_write(db, key)[field] = new
    notify(db, "h", b"hincrbyfloat", key)
    db.modified(key)
    session.rewrite([b"HSET", key, field, new])
    return new


# ---------------------------------------------------------------- reading


@command(
    "hget",
    3,
    "readonly fast",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("field")],
)
def hget(session, argv):
    """Read one field of a hash."""
    value = _hash(session.db, argv[1])
    return None if value is None else value.get(argv[2])


@command(
    "hmget",
    -3,
    "readonly fast",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("field", flags="multiple")],
)
def hmget(session, argv):
    """Read several fields of a hash at once."""
    value = _hash(session.db, argv[1]) or {}
    return [value.get(field) for field in argv[2:]]


@command(
    "hexists",
    3,
    "readonly fast",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RO", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("field")],
)
def hexists(session, argv):
    """Tell whether a hash has a field."""
    value = _hash(session.db, argv[1])
    return int(value is not None and argv[2] in value)


@command(
    "hlen",
    2,
    "readonly fast",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RO", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def hlen(session, argv):
    """Count the fields of a hash."""
    value = _hash(session.db, argv[1])
    return 0 if value is None else len(value)


@command(
    "hstrlen",
    3,
    "readonly fast",
    group="hash",
    since="3.2.0",
    acl="hash",
    keys=[KeySpec("RO", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("field")],
)
def hstrlen(session, argv):
    """Tell the length in bytes of one field's value."""
    value = _hash(session.db, argv[1]) or {}
    return len(value.get(argv[2], b""))


@command(
    "hgetall",
    2,
    "readonly",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output_order",
)
def hgetall(session, argv):
    """Read every field of a hash with its value."""
    return dict(_hash(session.db, argv[1]) or {})


@command(
    "hkeys",
    2,
    "readonly",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output_order",
)
def hkeys(session, argv):
    """List the field names of a hash."""
    return list(_hash(session.db, argv[1]) or ())


@command(
    "hvals",
    2,
    "readonly",
    group="hash",
    since="2.0.0",
    acl="hash",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output_order",
)
def hvals(session, argv):
    """List the values of a hash."""
    return list((_hash(session.db, argv[1]) or {}).values())


@command(
    "hrandfield",
    -2,
    "readonly",
    group="hash",
    since="6.2.0",
    acl="hash",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Block(
            "options",
            Arg("count", "integer"),
            Token("WITHVALUES", flags="optional"),
            flags="optional",
        ),
    ],
    tips="nondeterministic_output",
)
def hrandfield(session, argv):
    """Pick fields of a hash at random, with or without their values."""
    if len(argv) == 2:
        value = _hash(session.db, argv[1])
        return random.choice(list(value)) if value else None
    count = parse_int(argv[2])
    if count == LLONG_MIN:
        raise ReplyError(COUNT_RANGE)
    withvalues = len(argv) == 4 and argv[3].lower() == b"withvalues"
    if len(argv) >= 4 and not withvalues:
        raise ReplyError(SYNTAX)
    if withvalues and abs(count) > LLONG_MAX // 2:
        raise ReplyError("ERR value is out of range")
    value = _hash(session.db, argv[1])
    if not value:
        return []
    fields = random_picks(list(value), count)
    if withvalues:
        return pairs([(field, value[field]) for field in fields])
    return fields


@command(
    "hscan",
    -3,
    "readonly",
    group="hash",
    since="2.8.0",
    acl="hash",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("cursor", "integer"),
        Arg("pattern", "pattern", token="MATCH", flags="optional"),
        Arg("count", "integer", token="COUNT", flags="optional"),
    ],
    tips="nondeterministic_output",
)
def hscan(session, argv):
    """Walk the fields of a hash a few at a time with a cursor."""
    cursor = parse_cursor(argv[2])
    db = session.db
    key = argv[1]
    value = _hash(db, key)
    if value is None:
        return [b"0", []]
    pattern, count, _ = parse_options(argv, 3)
    server = session.server
    if encoding(db, key, value, server.config) == "listpack":
        cursor, fields = 0, list(value)  # Redis answers all at once
    else:
        cursor, fields = server.cursors.page(cursor, lambda: list(value), count)
    match = matcher(pattern) if pattern is not None else None
    items = []
    for field in fields:
        if field in value and (match is None or match(field)):
            items += (field, value[field])
    return [b"%d" % cursor, items]
