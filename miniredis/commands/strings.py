"""
String commands (Redis's t_string.c): GET, SET and their kin, counters,
ranges, LCS, and the origin's commands and typed values.

Typed values: the SET-like commands (SET, SETNX, SETEX, PSETEX, GETSET,
MSET, MSETNX) accept a value that is not a bulk string (an integer, an
array, a map or null, nested at will) and store it as a L{Typed}; GET, MGET,
GETSET, GETDEL, GETEX and SET ... GET give it back with its shape. Its TYPE
is C{string}. A typed integer also reads as its decimal string wherever a
string is expected (INCR, APPEND, STRLEN, GETRANGE...), and the result of
such a command is a plain string again; any other typed value answers
WRONGTYPE there.
"""

import copy

from miniredis import longdouble
from miniredis.commands import command, plain_arg, wrong_arity
from miniredis.commands.parsing import (
    LLONG_MAX,
    LLONG_MIN,
    NOT_FLOAT,
    SYNTAX,
    parse_int,
)
from miniredis.commands.spec import Arg, Block, Index, KeySpec, OneOf, Range, Token
from miniredis.notifications import notify
from miniredis.propagation import deletion
from miniredis.resp import OK, ReplyError
from miniredis.store import WRONGTYPE, Typed

TOO_BIG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"


# ---------------------------------------------------------------- values


def stored(value):
    """Wrap a typed (non-bytes) value for the string slot."""
    if type(value) is bytes:
        return value
    if isinstance(value, bytes):  # a simple string or verbatim argument
        return bytes(value)
    return Typed(value)


def loaded(value):
    """Unwrap a string-slot value for a reply."""
    return value.value if type(value) is Typed else value


def copied(value):
    """@return: a copy of a string-slot value (COPY)."""
    if type(value) is Typed:
        return Typed(copy.deepcopy(value.value))
    return value


def as_bytes(value):
    """
    @return: a string-slot value as bytes: a typed integer as its digits.
    @raise ReplyError: WRONGTYPE for any other typed value.
    """
    if type(value) is bytes or value is None:
        return value
    if type(value.value) is int:
        return b"%d" % value.value
    raise ReplyError(WRONGTYPE)


def read_bytes(db, key):
    """@return: the string at C{key} as bytes, or None if absent."""
    return as_bytes(db.get_string(key))


def plain_except(argv, is_value):
    """
    Make the arguments of a typed command plain bytes, but its values.

    @param is_value: tells from a position whether a value sits there.
    """
    for i, arg in enumerate(argv):
        if type(arg) is not bytes and not is_value(i):
            return [
                arg if is_value(j) else plain_arg(arg) for j, arg in enumerate(argv)
            ]
    return argv


def _third(i):
    return i == 2


def _fourth(i):
    return i == 3


def _pair_value(i):
    return i >= 2 and i % 2 == 0


def check_length(session, size):
    """@raise ReplyError: a string of C{size} bytes would be too big."""
    if size > session.server.config["proto-max-bulk-len"]:
        raise ReplyError(TOO_BIG)


# ---------------------------------------------------------------- expiry


def invalid_expire(name):
    return ReplyError("ERR invalid expire time in '%s' command" % (name,))


def expire_deadline(session, raw, unit, name):
    """
    Parse the expire time of SET, SETEX, PSETEX or GETEX.

    @param unit: C{b"ex"}, C{b"px"}, C{b"exat"} or C{b"pxat"}.
    @param name: the command, for the error text.
    @return: the absolute deadline in ms.
    """
    value = parse_int(raw)
    seconds = unit in (b"ex", b"exat")
    if value <= 0 or seconds and value > LLONG_MAX // 1000:
        raise invalid_expire(name)
    if seconds:
        value *= 1000
    if unit in (b"ex", b"px"):
        value += session.server.store.now_ms()
        if value > LLONG_MAX:
            raise invalid_expire(name)
    return value


_UNITS = (b"ex", b"px", b"exat", b"pxat")


class _Options:
    """The options of SET or GETEX, as Redis's parser reads them."""

    def __init__(self, argv, for_set):
        self.condition = None
        self.get = self.keepttl = self.persist = False
        self.unit = self.expire = None
        i = 3 if for_set else 2
        while i < len(argv):
            option = argv[i].lower()
            if (
                for_set
                and option in (b"nx", b"xx")
                and self.condition in (None, option)
            ):
                self.condition = option
            elif for_set and option == b"get":
                self.get = True
            elif for_set and option == b"keepttl" and self.unit is None:
                self.keepttl = True
            elif not for_set and option == b"persist" and self.unit is None:
                self.persist = True
            elif (
                option in _UNITS
                and not (self.keepttl or self.persist)
                and self.unit in (None, option)
                and i + 1 < len(argv)
            ):
                self.unit, self.expire = option, argv[i + 1]
                i += 1
            else:
                raise ReplyError(SYNTAX)
            i += 1


# ---------------------------------------------------------------- GET / SET


@command(
    "get",
    2,
    "readonly fast",
    group="string",
    since="1.0.0",
    acl="string",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def get(session, argv):
    """Read the value of a key: a string, or a typed value as it was stored."""
    value = session.db.lookup(argv[1])
    if value is None or type(value) is bytes:
        return value
    if type(value) is Typed:
        return value.value
    raise ReplyError(WRONGTYPE)


def set_keys(argv):
    """SET's key: read too when GET asks for the old value."""
    if any(arg.lower() == b"get" for arg in argv[3:] if type(arg) is bytes):
        return [(1, ("RW", "access", "update"))]
    return [(1, ("OW", "update"))]


@command(
    "set",
    -3,
    "write denyoom",
    getkeys=set_keys,
    group="string",
    since="1.0.0",
    acl="string",
    keys=[KeySpec("RW access update variable_flags", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("value"),
        OneOf("condition", Token("NX"), Token("XX"), flags="optional", since="2.6.12"),
        Token("GET", flags="optional", since="6.2.0"),
        OneOf(
            "expiration",
            Arg("seconds", "integer", token="EX", since="2.6.12"),
            Arg("milliseconds", "integer", token="PX", since="2.6.12"),
            Arg("unix-time-seconds", "unix-time", token="EXAT", since="6.2.0"),
            Arg("unix-time-milliseconds", "unix-time", token="PXAT", since="6.2.0"),
            Token("KEEPTTL", since="6.0.0"),
            flags="optional",
        ),
    ],
    typed=True,
)
def set_(session, argv):
    """Store a string (or a typed value) at a key, with optional expiry and conditions."""
    value = argv[2]
    if len(argv) == 3 and type(argv[1]) is bytes:  # the common case, fast
        db = session.db
        db.set(argv[1], value if type(value) is bytes else stored(value))
        if db.store.events:
            notify(db, "$", b"set", argv[1])
        return OK
    argv = plain_except(argv, _third)
    options = _Options(argv, for_set=True)
    deadline = None
    if options.unit is not None:
        deadline = expire_deadline(session, options.expire, options.unit, "set")
    db = session.db
    key = argv[1]
    if options.get:
        old = db.get_string(key)
        found = old is not None
        if not found:
            db.read_miss(key)
    else:
        found = db.lookup(key) is not None
    condition = options.condition
    if condition == b"nx" and found or condition == b"xx" and not found:
        return loaded(old) if options.get else None
    db.set(key, stored(argv[2]), keepttl=options.keepttl)
    notify(db, "$", b"set", key)
    if deadline is not None:
        db.set_deadline(key, deadline)
        notify(db, "g", b"expire", key)
        session.rewrite([b"SET", key, argv[2], b"PXAT", b"%d" % deadline])
    return loaded(old) if options.get else OK


@command(
    "setnx",
    3,
    "write denyoom fast",
    group="string",
    since="1.0.0",
    acl="string",
    keys=[KeySpec("OW insert", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("value")],
    typed=True,
)
def setnx(session, argv):
    """Write a string unless the key already exists."""
    argv = plain_except(argv, _third)
    db = session.db
    if db.lookup(argv[1]) is not None:
        return 0
    db.set(argv[1], stored(argv[2]))
    notify(db, "$", b"set", argv[1])
    return 1


def _set_expiring(session, argv, unit):
    argv = plain_except(argv, _fourth)
    name = argv[0].decode("utf-8", "replace").lower()
    deadline = expire_deadline(session, argv[2], unit, name)
    db = session.db
    key = argv[1]
    db.set(key, stored(argv[3]))
    notify(db, "$", b"set", key)
    db.set_deadline(key, deadline)
    notify(db, "g", b"expire", key)
    session.rewrite([b"SET", key, argv[3], b"PXAT", b"%d" % deadline])
    return OK


@command(
    "setex",
    4,
    "write denyoom",
    group="string",
    since="2.0.0",
    acl="string",
    keys=[KeySpec("OW update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("seconds", "integer"), Arg("value")],
    typed=True,
)
def setex(session, argv):
    """Write a string that expires after some seconds."""
    return _set_expiring(session, argv, b"ex")


@command(
    "psetex",
    4,
    "write denyoom",
    group="string",
    since="2.6.0",
    acl="string",
    keys=[KeySpec("OW update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("milliseconds", "integer"), Arg("value")],
    typed=True,
)
def psetex(session, argv):
    """Write a string that expires after some milliseconds."""
    return _set_expiring(session, argv, b"px")


@command(
    "getset",
    3,
    "write denyoom fast",
    group="string",
    since="1.0.0",
    acl="string",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("value")],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`SET` with the `!GET` argument",
    typed=True,
)
def getset(session, argv):
    """Write a string and answer the one it replaced."""
    argv = plain_except(argv, _third)
    db = session.db
    old = db.get_string(argv[1])
    if old is None:
        db.read_miss(argv[1])
    db.set(argv[1], stored(argv[2]))
    notify(db, "$", b"set", argv[1])
    session.rewrite([b"SET", argv[1], argv[2]])
    return loaded(old)


@command(
    "getdel",
    2,
    "write fast",
    group="string",
    since="6.2.0",
    acl="string",
    keys=[KeySpec("RW access delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def getdel(session, argv):
    """Read a string and delete its key in one step."""
    db = session.db
    old = db.get_string(argv[1])
    if old is None:
        db.read_miss(argv[1])
        session.rewrite()
        return None
    db.delete(argv[1])
    notify(db, "g", b"del", argv[1])
    session.rewrite([b"DEL", argv[1]])
    return loaded(old)


@command(
    "getex",
    -2,
    "write fast",
    group="string",
    since="6.2.0",
    acl="string",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        OneOf(
            "expiration",
            Arg("seconds", "integer", token="EX"),
            Arg("milliseconds", "integer", token="PX"),
            Arg("unix-time-seconds", "unix-time", token="EXAT"),
            Arg("unix-time-milliseconds", "unix-time", token="PXAT"),
            Token("PERSIST"),
            flags="optional",
        ),
    ],
)
def getex(session, argv):
    """Read a string and change or remove its time to live."""
    options = _Options(argv, for_set=False)
    db = session.db
    key = argv[1]
    session.rewrite()
    value = db.get_string(key)
    if value is None:
        db.read_miss(key)
        return None
    if options.unit is not None:
        deadline = expire_deadline(session, options.expire, options.unit, "getex")
        if options.unit in (b"exat", b"pxat") and deadline <= db.store.now_ms():
            db.delete(key)
            notify(db, "g", b"del", key)
            config = session.server.config
            session.rewrite([deletion(config, "lazyfree-lazy-expire"), key])
        else:
            db.set_deadline(key, deadline)
            notify(db, "g", b"expire", key)
            session.rewrite([b"PEXPIREAT", key, b"%d" % deadline])
    elif options.persist and db.persist(key):
        notify(db, "g", b"persist", key)
        session.rewrite([b"PERSIST", key])
    return loaded(value)


@command(
    "mget",
    -2,
    "readonly fast",
    group="string",
    since="1.0.0",
    acl="string",
    keys=[KeySpec("RO access", Index(1), Range(-1))],
    args=[Arg("key", "key", flags="multiple", key_spec=0)],
    tips="request_policy:multi_shard",
)
def mget(session, argv):
    """Read the values of several keys at once."""
    lookup = session.db.lookup
    out = []
    for key in argv[1:]:
        value = lookup(key)
        kind = type(value)
        out.append(value if kind is bytes else value.value if kind is Typed else None)
    return out


def _pairs(argv):
    if len(argv) % 2 == 0:
        raise wrong_arity(argv[0].decode("utf-8", "replace").lower())
    argv = plain_except(argv, _pair_value)
    return [(argv[i], stored(argv[i + 1])) for i in range(1, len(argv), 2)]


@command(
    "mset",
    -3,
    "write denyoom",
    group="string",
    since="1.0.1",
    acl="string",
    keys=[KeySpec("OW update", Index(1), Range(-1, 2))],
    args=[
        Block(
            "key_value", Arg("key", "key", key_spec=0), Arg("value"), flags="multiple"
        )
    ],
    tips="request_policy:multi_shard response_policy:all_succeeded",
    typed=True,
)
def mset(session, argv):
    """Write several keys at once."""
    db = session.db
    store = db.store
    if type(argv) is list and len(argv) % 2 and not store.events:
        if store.frequency is None:  # bulk strings only, no events: the fast way
            db.set_many(argv[1::2], argv[2::2])
            return OK
        for i in range(1, len(argv), 2):
            db.set(argv[i], argv[i + 1])
        return OK
    for key, value in _pairs(argv):
        db.set(key, value)
        notify(db, "$", b"set", key)
    return OK


@command(
    "msetnx",
    -3,
    "write denyoom",
    group="string",
    since="1.0.1",
    acl="string",
    keys=[KeySpec("OW insert", Index(1), Range(-1, 2))],
    args=[
        Block(
            "key_value", Arg("key", "key", key_spec=0), Arg("value"), flags="multiple"
        )
    ],
    tips="request_policy:multi_shard response_policy:agg_min",
    typed=True,
)
def msetnx(session, argv):
    """Write several keys at once, only if none of them exists."""
    db = session.db
    pairs = _pairs(argv)
    if any(db.lookup(key) is not None for key, _ in pairs):
        return 0
    for key, value in pairs:
        db.set(key, value)
        notify(db, "$", b"set", key)
    return 1


# ---------------------------------------------------------------- the origin's


@command(
    "delete",
    2,
    "write",
    group="generic",
    since="0.1.0",
    acl="keyspace",
    keys=[KeySpec("RM delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def delete(session, argv):
    """Remove one key; answers 1 if it existed (the origin's command)."""
    if not session.db.delete(argv[1]):
        session.rewrite()
        return 0
    notify(session.db, "g", b"del", argv[1])
    session.rewrite([b"DEL", argv[1]])
    return 1


@command("flush", 1, "write", group="generic", since="0.1.0", acl="keyspace dangerous")
def flush(session, argv):
    """
    Empty the selected database; answers how many keys it held (the origin's command).

    The origin had a single keyspace, which here is the client's current
    database: FLUSH empties that one (as FLUSHDB does) and counts its live
    keys, not the other databases.
    """
    db = session.db
    now = db.store.now_ms()
    expired = sum(1 for when in db.expires.deadlines.values() if when <= now)
    count = len(db) - expired
    db.clear()
    db.store.dirty += 1
    session.rewrite([b"FLUSHDB"])
    return count


# ---------------------------------------------------------------- counters


def _increment(session, key, delta):
    db = session.db
    value = db.lookup(key)
    if value is None:
        current = 0
    elif type(value) is bytes:
        current = parse_int(value)
    elif type(value) is Typed:
        current = parse_int(as_bytes(value))
    else:
        raise ReplyError(WRONGTYPE)
    result = current + delta
    if not LLONG_MIN <= result <= LLONG_MAX:
        raise ReplyError("ERR increment or decrement would overflow")
    if value is None:
        db.set(key, b"%d" % result)
    else:
        db.replace(key, b"%d" % result)
    if db.store.events:
        notify(db, "$", b"incrby", key)
    return result


@command(
    "incr",
    2,
    "write denyoom fast",
    group="string",
    since="1.0.0",
    acl="string",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def incr(session, argv):
    """Add one to the integer in a string."""
    return _increment(session, argv[1], 1)


@command(
    "decr",
    2,
    "write denyoom fast",
    group="string",
    since="1.0.0",
    acl="string",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def decr(session, argv):
    """Subtract one from the integer in a string."""
    return _increment(session, argv[1], -1)


@command(
    "incrby",
    3,
    "write denyoom fast",
    group="string",
    since="1.0.0",
    acl="string",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("increment", "integer")],
)
def incrby(session, argv):
    """Add an integer to the integer in a string."""
    return _increment(session, argv[1], parse_int(argv[2]))


@command(
    "decrby",
    3,
    "write denyoom fast",
    group="string",
    since="1.0.0",
    acl="string",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("decrement", "integer")],
)
def decrby(session, argv):
    """Subtract an integer from the integer in a string."""
    delta = parse_int(argv[2])
    if delta == LLONG_MIN:
        raise ReplyError("ERR decrement would overflow")
    return _increment(session, argv[1], -delta)


@command(
    "incrbyfloat",
    3,
    "write denyoom fast",
    group="string",
    since="2.6.0",
    acl="string",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("increment", "double")],
)
def incrbyfloat(session, argv):
    """INCRBYFLOAT in long double arithmetic (L{miniredis.longdouble})."""
    db = session.db
    key = argv[1]
    current = read_bytes(db, key)
    try:
        value = longdouble.parse(current) if current is not None else 0
        increment = longdouble.parse(argv[2])
    except ValueError:
        raise ReplyError(NOT_FLOAT)
    try:
        result = longdouble.format_human(longdouble.add(value, increment))
    except longdouble.Overflow:
        raise ReplyError("ERR increment would produce NaN or Infinity")
    db.set(key, result, keepttl=True)
    if len(result) <= 20 and _is_integer(result):
        db.encodings[key] = "embstr"  # Redis does not int-encode this one
    notify(db, "$", b"incrbyfloat", key)
    session.rewrite([b"SET", key, result, b"KEEPTTL"])
    return result


def _is_integer(text):
    try:
        parse_int(text)
    except ReplyError:
        return False
    return True


# ---------------------------------------------------------------- ranges


@command(
    "append",
    3,
    "write denyoom fast",
    group="string",
    since="2.0.0",
    acl="string",
    keys=[KeySpec("RW insert", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("value")],
)
def append(session, argv):
    """Add bytes at the end of a string, creating it if needed."""
    db = session.db
    key, tail = argv[1], argv[2]
    current = read_bytes(db, key)
    if current is None:
        db.set(key, tail)
        notify(db, "$", b"append", key)
        return len(tail)
    check_length(session, len(current) + len(tail))
    value = current + tail
    db.set(key, value, keepttl=True)
    db.encodings[key] = "raw"
    notify(db, "$", b"append", key)
    return len(value)


@command(
    "strlen",
    2,
    "readonly fast",
    group="string",
    since="2.2.0",
    acl="string",
    keys=[KeySpec("RO", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def strlen(session, argv):
    """Tell the length in bytes of a string."""
    value = read_bytes(session.db, argv[1])
    return 0 if value is None else len(value)


@command(
    "setrange",
    4,
    "write denyoom",
    group="string",
    since="2.2.0",
    acl="string",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("offset", "integer"), Arg("value")],
)
def setrange(session, argv):
    """Overwrite bytes of a string from an offset, padding with zeros."""
    db = session.db
    key, piece = argv[1], argv[3]
    offset = parse_int(argv[2])
    if offset < 0:
        raise ReplyError("ERR offset is out of range")
    current = read_bytes(db, key)
    if not piece:
        return 0 if current is None else len(current)
    check_length(session, offset + len(piece))
    current = current or b""
    if len(current) < offset:
        current += b"\x00" * (offset - len(current))
    value = current[:offset] + piece + current[offset + len(piece) :]
    db.set(key, value, keepttl=True)
    db.encodings[key] = "raw"
    notify(db, "$", b"setrange", key)
    return len(value)


def _range(session, argv):
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    value = read_bytes(session.db, argv[1])
    if not value or start < 0 and end < 0 and start > end:
        return b""
    size = len(value)
    if start < 0:
        start = max(0, size + start)
    if end < 0:
        end = max(0, size + end)
    end = min(end, size - 1)
    return value[start : end + 1] if start <= end else b""


@command(
    "getrange",
    4,
    "readonly",
    group="string",
    since="2.4.0",
    acl="string",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("start", "integer"),
        Arg("end", "integer"),
    ],
)
def getrange(session, argv):
    """Read a slice of a string, by byte offsets."""
    return _range(session, argv)


@command(
    "substr",
    4,
    "readonly",
    group="string",
    since="1.0.0",
    acl="string",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("start", "integer"),
        Arg("end", "integer"),
    ],
    doc_flags="deprecated",
    deprecated_since="2.0.0",
    replaced_by="`GETRANGE`",
)
def substr(session, argv):
    """Read a slice of a string (the old name of GETRANGE)."""
    return _range(session, argv)


@command(
    "lcs",
    -3,
    "readonly",
    group="string",
    since="7.0.0",
    acl="string",
    keys=[KeySpec("RO access", Index(1), Range(1))],
    args=[
        Arg("key1", "key", key_spec=0),
        Arg("key2", "key", key_spec=0),
        Token("LEN", flags="optional"),
        Token("IDX", flags="optional"),
        Arg("len", "integer", token="MINMATCHLEN", flags="optional"),
        Token("WITHMATCHLEN", flags="optional"),
    ],
)
def lcs(session, argv):
    """
    Find the longest common subsequence of the strings at two keys, or
    its length, or where its runs of matching bytes lie in each string.

    Missing keys read as empty strings. The walk back through the table
    picks the same subsequence Redis picks when several are as long.
    """
    db = session.db
    a = _lcs_operand(db.lookup(argv[1]))
    b = _lcs_operand(db.lookup(argv[2]))
    if a is None or b is None:
        raise ReplyError(LCS_WRONGTYPE)
    want_len = want_idx = with_len = False
    min_len = 0
    i = 3
    while i < len(argv):
        option = argv[i].lower()
        if option == b"idx":
            want_idx = True
        elif option == b"len":
            want_len = True
        elif option == b"withmatchlen":
            with_len = True
        elif option == b"minmatchlen" and i + 1 < len(argv):
            min_len = max(0, parse_int(argv[i + 1]))
            i += 1
        else:
            raise ReplyError(SYNTAX)
        i += 1
    if want_idx and want_len:
        raise ReplyError(
            "ERR If you want both the length and indexes, please just use IDX."
        )
    if len(a) >= UINT32_MAX - 1 or len(b) >= UINT32_MAX - 1:
        raise ReplyError("ERR String too long for LCS")
    # Redis's table: (len(a) + 1) * (len(b) + 1) cells of 4 bytes; this
    # one holds a bit per cell, but the limit is Redis's.
    if (len(a) + 1) * (len(b) + 1) * 4 > session.server.config["proto-max-bulk-len"]:
        raise ReplyError(
            "ERR Insufficient memory, transient memory for LCS exceeds "
            "proto-max-bulk-len"
        )
    if want_len:
        shorter, longer = sorted((a, b), key=len)
        return _lcs_rows(shorter, longer, None)
    table = bytearray(len(a) * ((len(b) + 7) // 8))
    length = _lcs_rows(a, b, table)
    found, ranges = _lcs_walk(a, b, length, table, min_len, with_len)
    if want_idx:
        return {b"matches": ranges, b"len": length}
    return found


# ---------------------------------------------------------------- LCS

LCS_WRONGTYPE = "ERR The specified keys must contain string values"
UINT32_MAX = (1 << 32) - 1


def _lcs_operand(value):
    """
    @return: a string-slot value as LCS reads it (absent: empty), or None
        for a value of another type (a typed value but an integer too).
    """
    if value is None:
        return b""
    if type(value) is bytes:
        return value
    if type(value) is Typed and type(value.value) is int:
        return b"%d" % value.value
    return None


def _lcs_masks(b):
    """@return: byte -> the int whose bit j is set where C{b[j]} is that byte."""
    reversed_b = b[::-1]
    masks = {}
    for byte in set(b):
        table = bytearray(b"0" * 256)
        table[byte] = ord("1")
        masks[byte] = int(reversed_b.translate(table), 2)
    return masks


def _lcs_rows(a, b, table):
    """
    Run the bit-parallel LCS recurrence (Hyyro's) of C{a} against C{b}.

    Row C{i} is an int whose bit C{j} is clear exactly where
    C{LCS(a[:i+1], b[:j+1])} exceeds C{LCS(a[:i+1], b[:j])}.

    @param table: None, or a bytearray of C{len(a)} rows of
        C{(len(b) + 7) // 8} bytes each, filled with the rows (little endian).
    @return: the length of the longest common subsequence.
    """
    m = len(b)
    if not a or not m:
        return 0
    masks = _lcs_masks(b)
    full = (1 << m) - 1
    row = full
    stride = (m + 7) // 8
    at = 0
    for byte in a:
        matched = row & masks.get(byte, 0)
        row = ((row + matched) | (row - matched)) & full
        if table is not None:
            table[at : at + stride] = row.to_bytes(stride, "little")
            at += stride
    return m - bin(row).count("1")


def _lcs_walk(a, b, length, table, min_len, with_len):
    """
    Walk the LCS table back from its last cell as Redis does: on a match
    take the byte, else go up a row where the cell above holds the longer
    subsequence, left otherwise (left on a tie).

    @return: C{(subsequence, ranges)}: the ranges of contiguous matches
        found on the way (last ones first), each as Redis's IDX shows it.
    """
    stride = (len(b) + 7) // 8
    found = bytearray(length)
    ranges = []
    i, j = len(a), len(b)
    run = None  # [a start, a end, b start, b end] of the matches in a row
    while i > 0 and j > 0:
        if a[i - 1] == b[j - 1]:
            i -= 1
            j -= 1
            length -= 1
            found[length] = a[i]
            if run is None:
                run = [i, i, j, j]
            else:
                run[0], run[2] = i, j
            if i and j:
                continue
        else:
            # A clear bit: the cell to the left is one shorter than this
            # one, so the cell above is the longer: go up.
            if table[(i - 1) * stride + ((j - 1) >> 3)] >> ((j - 1) & 7) & 1:
                j -= 1
            else:
                i -= 1
            if run is None:
                continue
        size = run[1] - run[0] + 1
        if size >= min_len:
            match = [[run[0], run[1]], [run[2], run[3]]]
            if with_len:
                match.append(size)
            ranges.append(match)
        run = None
    return bytes(found), ranges
