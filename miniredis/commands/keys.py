"""
Keyspace commands (Redis's db.c, expire.c, object.c, and DUMP and RESTORE
of its cluster.c): DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, COPY, MOVE, the
FLUSH and SWAP of databases, the EXPIRE family, OBJECT, DUMP and RESTORE.

Every relative expiry is logged as an absolute PEXPIREAT, and one already in
the past deletes the key and is logged as a DEL. RESTORE with a relative
time to live is logged with its deadline and ABSTTL, as Redis propagates it.
"""

import copy
import itertools
import random

from miniredis.commands import command, container
from miniredis.commands.parsing import LLONG_MAX, NOT_INTEGER, SYNTAX, parse_int
from miniredis.commands.spec import Arg, Index, KeySpec, OneOf, Range, Token
from miniredis.commands.strings import copied, invalid_expire
from miniredis.encodings import encoding, string_encoding
from miniredis.glob import matcher
from miniredis.notifications import notify
from miniredis.persistence.rdb import (
    RDBError,
    dump_footer_ok,
    dump_payload,
    load_dump_payload,
)
from miniredis.propagation import deletion
from miniredis.quicklist import QuickList
from miniredis.resp import OK, ReplyError, Status
from miniredis.scan import parse_cursor, parse_options
from miniredis.store import Typed, type_name
from miniredis.stream import Stream
from miniredis.zset import ZSet

NO_SUCH_KEY = "ERR no such key"
SAME_OBJECT = "ERR source and destination objects are the same"
DB_RANGE = "ERR DB index is out of range"
NONE = Status(b"none")


# ---------------------------------------------------------------- existence


@command(
    "del",
    -2,
    "write",
    group="generic",
    since="1.0.0",
    acl="keyspace",
    keys=[KeySpec("RM delete", Index(1), Range(-1))],
    args=[Arg("key", "key", flags="multiple", key_spec=0)],
    tips="request_policy:multi_shard response_policy:agg_sum",
)
def del_(session, argv):
    """Remove keys of any type; answers how many existed."""
    db = session.db
    deleted = 0
    for key in argv[1:]:
        if db.delete(key):
            notify(db, "g", b"del", key)
            deleted += 1
    return deleted


@command(
    "unlink",
    -2,
    "write fast",
    group="generic",
    since="4.0.0",
    acl="keyspace",
    keys=[KeySpec("RM delete", Index(1), Range(-1))],
    args=[Arg("key", "key", flags="multiple", key_spec=0)],
    tips="request_policy:multi_shard response_policy:agg_sum",
)
def unlink(session, argv):
    """Remove keys, as DEL does."""
    return del_(session, argv)


@command(
    "exists",
    -2,
    "readonly fast",
    group="generic",
    since="1.0.0",
    acl="keyspace",
    keys=[KeySpec("RO", Index(1), Range(-1))],
    args=[Arg("key", "key", flags="multiple", key_spec=0)],
    tips="request_policy:multi_shard response_policy:agg_sum",
)
def exists(session, argv):
    """Count how many of the keys given exist."""
    peek = session.db.peek
    return sum(1 for key in argv[1:] if peek(key) is not None)


@command(
    "touch",
    -2,
    "readonly fast",
    group="generic",
    since="3.2.1",
    acl="keyspace",
    keys=[KeySpec("RO", Index(1), Range(-1))],
    args=[Arg("key", "key", flags="multiple", key_spec=0)],
    tips="request_policy:multi_shard response_policy:agg_sum",
)
def touch(session, argv):
    """Mark keys as just used; answers how many exist."""
    lookup = session.db.lookup
    return sum(1 for key in argv[1:] if lookup(key) is not None)


@command(
    "type",
    2,
    "readonly fast",
    group="generic",
    since="1.0.0",
    acl="keyspace",
    keys=[KeySpec("RO", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def type_(session, argv):
    """Name the data type of the value at a key."""
    value = session.db.peek(argv[1])
    return NONE if value is None else Status(type_name(value).encode())


@command(
    "dbsize",
    1,
    "readonly fast",
    group="server",
    since="1.0.0",
    acl="keyspace",
    tips="request_policy:all_shards response_policy:agg_sum",
)
def dbsize(session, argv):
    """Count the keys of the selected database."""
    return len(session.db)


def _live_keys(db):
    """@return: the keys of C{db} not past their deadline (none removed)."""
    deadlines = db.expires.deadlines
    if not deadlines:
        return list(db.data)
    now = db.store.now_ms()
    return [key for key in db.data if deadlines.get(key, now + 1) > now]


@command(
    "keys",
    2,
    "readonly",
    group="generic",
    since="1.0.0",
    acl="keyspace dangerous",
    args=[Arg("pattern", "pattern")],
    tips="request_policy:all_shards nondeterministic_output_order",
)
def keys(session, argv):
    """List every key whose name matches a glob pattern."""
    match = matcher(argv[1])
    return [key for key in _live_keys(session.db) if match(key)]


@command(
    "randomkey",
    1,
    "readonly",
    group="generic",
    since="1.0.0",
    acl="keyspace",
    tips="request_policy:all_shards nondeterministic_output",
)
def randomkey(session, argv):
    """Name a key of the selected database picked at random."""
    db = session.db
    while db.data:
        index = random.randrange(len(db.data))
        key = next(itertools.islice(iter(db.data), index, None))
        if db.peek(key, quiet=True) is not None:
            return key
    return None


@command(
    "scan",
    -2,
    "readonly",
    group="generic",
    since="2.8.0",
    acl="keyspace",
    args=[
        Arg("cursor", "integer"),
        Arg("pattern", "pattern", token="MATCH", flags="optional"),
        Arg("count", "integer", token="COUNT", flags="optional"),
        Arg("type", token="TYPE", flags="optional", since="6.0.0"),
    ],
    tips="nondeterministic_output request_policy:special",
)
def scan(session, argv):
    """Walk the key names of a database a few at a time with a cursor."""
    cursor = parse_cursor(argv[1])
    pattern, count, kind = parse_options(argv, 2, allow_type=True)
    db = session.db
    cursor, page = session.server.cursors.page(cursor, lambda: list(db.data), count)
    match = matcher(pattern) if pattern is not None else None
    found = []
    for key in page:
        if match is not None and not match(key):
            continue
        value = db.peek(key, quiet=True)
        if value is not None and (kind is None or type_name(value) == kind):
            found.append(key)
    return [b"%d" % cursor, found]


# ---------------------------------------------------------------- databases


def _int32(raw, error=None):
    """
    @return: a 32-bit integer, as Redis reads a database number.
    @raise ReplyError: C{error}, or Redis's own texts, if C{raw} is not one.
    """
    index = parse_int(raw, error or NOT_INTEGER)
    if not -(1 << 31) <= index < (1 << 31):
        raise ReplyError(
            error
            or "ERR value is out of range, value must between -2147483648 "
            "and 2147483647"
        )
    return index


def _check_database(session, index):
    if not 0 <= index < len(session.server.store.databases):
        raise ReplyError(DB_RANGE)
    return session.server.store.db(index)


def _flush_mode(argv):
    if len(argv) > 2 or len(argv) == 2 and argv[1].lower() not in (b"sync", b"async"):
        raise ReplyError(SYNTAX)


@command(
    "flushdb",
    -1,
    "write",
    group="server",
    since="1.0.0",
    acl="keyspace dangerous",
    args=[
        OneOf(
            "async",
            Token("ASYNC", since="4.0.0"),
            Token("SYNC", since="6.2.0"),
            flags="optional",
        )
    ],
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def flushdb(session, argv):
    """Empty the selected database."""
    _flush_mode(argv)
    session.db.clear()
    session.server.store.dirty += 1
    return OK


@command(
    "flushall",
    -1,
    "write",
    group="server",
    since="1.0.0",
    acl="keyspace dangerous",
    args=[
        OneOf(
            "async",
            Token("ASYNC", since="4.0.0"),
            Token("SYNC", since="6.2.0"),
            flags="optional",
        )
    ],
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def flushall(session, argv):
    """Empty every database."""
    _flush_mode(argv)
    store = session.server.store
    store.flushall()
    store.dirty += 1
    return OK


@command(
    "swapdb",
    3,
    "write fast",
    group="server",
    since="4.0.0",
    acl="keyspace dangerous",
    args=[Arg("index1", "integer"), Arg("index2", "integer")],
)
def swapdb(session, argv):
    """Exchange the contents of two databases."""
    first = _int32(argv[1], "ERR invalid first DB index")
    second = _int32(argv[2], "ERR invalid second DB index")
    _check_database(session, first)
    _check_database(session, second)
    store = session.server.store
    if first != second:
        store.swap(first, second)
    store.dirty += 1
    return OK


def _place(target, key, value, deadline, encoding):
    """
    Store C{value} at C{key} of C{target} with C{deadline} and the OBJECT
    ENCODING its content does not tell (or None).
    """
    target.delete(key)  # as Redis replaces it: a new key (event "new")
    target.set(key, value)
    if deadline is not None:
        target.set_deadline(key, deadline)
    if encoding is not None:
        target.encodings[key] = encoding
    target.signal_ready(key)


def _rename(session, argv, nx):
    db = session.db
    source, destination = argv[1], argv[2]
    value = db.lookup(source)
    if value is None:
        raise ReplyError(NO_SUCH_KEY)
    if source == destination:
        return 0 if nx else OK
    if nx and db.lookup(destination) is not None:
        return 0
    deadline = db.expires.deadlines.get(source)
    encoding = db.encodings.get(source)
    db.delete(source)
    _place(db, destination, value, deadline, encoding)
    notify(db, "g", b"rename_from", source)
    notify(db, "g", b"rename_to", destination)
    return 1 if nx else OK


@command(
    "rename",
    3,
    "write",
    group="generic",
    since="1.0.0",
    acl="keyspace",
    keys=[
        KeySpec("RW access delete", Index(1), Range(0)),
        KeySpec("OW update", Index(2), Range(0)),
    ],
    args=[Arg("key", "key", key_spec=0), Arg("newkey", "key", key_spec=1)],
)
def rename(session, argv):
    """Give a key another name, replacing any key of that name."""
    return _rename(session, argv, nx=False)


@command(
    "renamenx",
    3,
    "write fast",
    group="generic",
    since="1.0.0",
    acl="keyspace",
    keys=[
        KeySpec("RW access delete", Index(1), Range(0)),
        KeySpec("OW insert", Index(2), Range(0)),
    ],
    args=[Arg("key", "key", key_spec=0), Arg("newkey", "key", key_spec=1)],
)
def renamenx(session, argv):
    """Give a key another name, unless that name is taken."""
    return _rename(session, argv, nx=True)


def duplicate(value):
    """@return: a deep copy of a stored value (COPY)."""
    kind = type(value)
    if kind is bytes or kind is Typed:
        return copied(value)
    if kind is QuickList:
        return value.copy()
    if kind is dict:
        return dict(value)
    if kind is set:
        return set(value)
    if kind is ZSet:
        return ZSet(value.items())
    if kind is Stream:
        return value.copy()
    return copy.deepcopy(value)


@command(
    "copy",
    -3,
    "write denyoom",
    group="generic",
    since="6.2.0",
    acl="keyspace",
    keys=[
        KeySpec("RO access", Index(1), Range(0)),
        KeySpec("OW update", Index(2), Range(0)),
    ],
    args=[
        Arg("source", "key", key_spec=0),
        Arg("destination", "key", key_spec=1),
        Arg("destination-db", "integer", token="DB", flags="optional"),
        Token("REPLACE", flags="optional"),
    ],
)
def copy_(session, argv):
    """Duplicate a key's value under another name, in this or another database."""
    db = target = session.db
    replace = False
    i = 3
    while i < len(argv):
        option = argv[i].lower()
        if option == b"replace":
            replace = True
        elif option == b"db" and i + 1 < len(argv):
            target = _check_database(session, parse_int(argv[i + 1]))
            i += 1
        else:
            raise ReplyError(SYNTAX)
        i += 1
    source, destination = argv[1], argv[2]
    if target is db and source == destination:
        raise ReplyError(SAME_OBJECT)
    value = db.lookup(source)
    if value is None:
        return 0
    if target.lookup(destination) is not None and not replace:
        return 0
    encoding = db.encodings.get(source) or _encoding_of_copy(session, value)
    deadline = db.expires.deadlines.get(source)
    _place(target, destination, duplicate(value), deadline, encoding)
    notify(target, "g", b"copy_to", destination)
    return 1


def _encoding_of_copy(session, value):
    """A copied shared integer is a new object: keep its refcount at 1."""
    if _shared_integer(value):
        return "int"
    return None


@command(
    "move",
    3,
    "write fast",
    group="generic",
    since="1.0.0",
    acl="keyspace",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("db", "integer")],
)
def move(session, argv):
    """Move a key into another database, unless it exists there."""
    db = session.db
    key = argv[1]
    target = _check_database(session, _int32(argv[2]))
    if target is db:
        raise ReplyError(SAME_OBJECT)
    value = db.lookup(key)
    if value is None or target.lookup(key) is not None:
        return 0
    deadline = db.expires.deadlines.get(key)
    encoding = db.encodings.get(key)
    db.delete(key)
    _place(target, key, value, deadline, encoding)
    notify(db, "g", b"move_from", key)
    notify(target, "g", b"move_to", key)
    return 1


# ---------------------------------------------------------------- expiry


def _expire_flags(argv):
    flags = set()
    for raw in argv[3:]:
        option = raw.lower()
        if option not in (b"nx", b"xx", b"gt", b"lt"):
            raise ReplyError(
                "ERR Unsupported option %s" % (raw.decode("utf-8", "replace"),)
            )
        flags.add(option)
    if b"nx" in flags and len(flags) > 1:
        raise ReplyError(
            "ERR NX and XX, GT or LT options at the same time are not compatible"
        )
    if b"gt" in flags and b"lt" in flags:
        raise ReplyError("ERR GT and LT options at the same time are not compatible")
    return flags


def _expire(session, argv, name, seconds, relative):
    flags = _expire_flags(argv)
    when = parse_int(argv[2])
    if seconds:
        if not -(LLONG_MAX // 1000) <= when <= LLONG_MAX // 1000:
            raise invalid_expire(name)
        when *= 1000
    db = session.db
    now = db.store.now_ms()
    if relative:
        if when > LLONG_MAX - now:
            raise invalid_expire(name)
        when += now
    session.rewrite()
    key = argv[1]
    if db.lookup(key) is None:
        return 0
    current = db.expires.deadlines.get(key)
    if (
        b"nx" in flags
        and current is not None
        or b"xx" in flags
        and current is None
        or b"gt" in flags
        and (current is None or when <= current)
        or b"lt" in flags
        and current is not None
        and when >= current
    ):
        return 0
    if when <= now:
        db.delete(key)
        notify(db, "g", b"del", key)
        config = session.server.config
        session.rewrite([deletion(config, "lazyfree-lazy-expire"), key])
    else:
        db.set_deadline(key, when)
        notify(db, "g", b"expire", key)
        session.rewrite([b"PEXPIREAT", key, b"%d" % when])
    return 1


@command(
    "expire",
    -3,
    "write fast",
    group="generic",
    since="1.0.0",
    acl="keyspace",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("seconds", "integer"),
        OneOf(
            "condition",
            Token("NX"),
            Token("XX"),
            Token("GT"),
            Token("LT"),
            flags="optional",
            since="7.0.0",
        ),
    ],
)
def expire(session, argv):
    """Make a key expire after some seconds."""
    return _expire(session, argv, "expire", seconds=True, relative=True)


@command(
    "pexpire",
    -3,
    "write fast",
    group="generic",
    since="2.6.0",
    acl="keyspace",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("milliseconds", "integer"),
        OneOf(
            "condition",
            Token("NX"),
            Token("XX"),
            Token("GT"),
            Token("LT"),
            flags="optional",
            since="7.0.0",
        ),
    ],
)
def pexpire(session, argv):
    """Make a key expire after some milliseconds."""
    return _expire(session, argv, "pexpire", seconds=False, relative=True)


@command(
    "expireat",
    -3,
    "write fast",
    group="generic",
    since="1.2.0",
    acl="keyspace",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("unix-time-seconds", "unix-time"),
        OneOf(
            "condition",
            Token("NX"),
            Token("XX"),
            Token("GT"),
            Token("LT"),
            flags="optional",
            since="7.0.0",
        ),
    ],
)
def expireat(session, argv):
    """Make a key expire at a Unix time, in seconds."""
    return _expire(session, argv, "expireat", seconds=True, relative=False)


@command(
    "pexpireat",
    -3,
    "write fast",
    group="generic",
    since="2.6.0",
    acl="keyspace",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("unix-time-milliseconds", "unix-time"),
        OneOf(
            "condition",
            Token("NX"),
            Token("XX"),
            Token("GT"),
            Token("LT"),
            flags="optional",
            since="7.0.0",
        ),
    ],
)
def pexpireat(session, argv):
    """Make a key expire at a Unix time, in milliseconds."""
    return _expire(session, argv, "pexpireat", seconds=False, relative=False)


def _deadline(session, key):
    """@return: C{key}'s deadline in ms, -1 without one, -2 if absent."""
    db = session.db
    if db.peek(key) is None:
        return -2
    return db.expires.deadlines.get(key, -1)


@command(
    "ttl",
    2,
    "readonly fast",
    group="generic",
    since="1.0.0",
    acl="keyspace",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output",
)
def ttl(session, argv):
    """Tell how many seconds a key has left to live."""
    remaining = session.db.ttl_ms(argv[1])
    return remaining if remaining < 0 else (remaining + 500) // 1000


@command(
    "pttl",
    2,
    "readonly fast",
    group="generic",
    since="2.6.0",
    acl="keyspace",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output",
)
def pttl(session, argv):
    """Tell how many milliseconds a key has left to live."""
    return session.db.ttl_ms(argv[1])


@command(
    "expiretime",
    2,
    "readonly fast",
    group="generic",
    since="7.0.0",
    acl="keyspace",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def expiretime(session, argv):
    """Tell when a key expires, as a Unix time in seconds."""
    when = _deadline(session, argv[1])
    return when if when < 0 else (when + 500) // 1000


@command(
    "pexpiretime",
    2,
    "readonly fast",
    group="generic",
    since="7.0.0",
    acl="keyspace",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def pexpiretime(session, argv):
    """Tell when a key expires, as a Unix time in milliseconds."""
    return _deadline(session, argv[1])


@command(
    "persist",
    2,
    "write fast",
    group="generic",
    since="2.2.0",
    acl="keyspace",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def persist(session, argv):
    """Make a key live forever again."""
    db = session.db
    if db.lookup(argv[1]) is None:
        return 0
    if not db.persist(argv[1]):
        return 0
    notify(db, "g", b"persist", argv[1])
    return 1


# ---------------------------------------------------------------- OBJECT

container(
    "object",
    -2,
    group="generic",
    since="2.2.3",
    summary="Commands that look at how the value of a key is kept.",
)

_LFU = ("allkeys-lfu", "volatile-lfu")
_SHARED_REFCOUNT = (1 << 31) - 1
_SHARED_INTEGERS = 10000
_LFU_MAX = 255
_POLICY_NOTE = (
    " Please note that when switching between policies at runtime LRU and LFU "
    "data will take some time to adjust."
)


def _shared_integer(value):
    """Whether Redis would hold C{value} as one of its shared integers."""
    if type(value) is not bytes or string_encoding(value) != "int":
        return False
    return 0 <= int(value) < _SHARED_INTEGERS


@command(
    "object|encoding",
    3,
    "readonly",
    group="generic",
    since="2.2.3",
    acl="keyspace",
    keys=[KeySpec("RO", Index(2), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output",
)
def object_encoding(session, argv):
    """Tell how Redis would encode the value of a key."""
    db = session.db
    value = db.peek(argv[2], quiet=True)
    if value is None:
        return None
    return encoding(db, argv[2], value, session.server.config).encode()


@command(
    "object|refcount",
    3,
    "readonly",
    group="generic",
    since="2.2.3",
    acl="keyspace",
    keys=[KeySpec("RO", Index(2), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output",
)
def object_refcount(session, argv):
    """Tell how many references the value of a key has."""
    db = session.db
    value = db.peek(argv[2], quiet=True)
    if value is None:
        return None
    if (
        argv[2] not in db.encodings
        and _shared_integer(value)
        and _shares_integers(session.server.config)
    ):
        return _SHARED_REFCOUNT
    return 1


def _shares_integers(config):
    """
    Whether Redis would share small integers: not under a limit with an
    LRU or LFU policy, whose keys each need their own access stamp.
    """
    policy = config["maxmemory-policy"]
    return not config["maxmemory"] or not policy.endswith(("-lru", "-lfu"))


def idle_seconds(db, key):
    """
    @return: the seconds since C{key} of C{db} was last used (LRU stamps),
        counted as Redis counts them: whole seconds of its LRU clock, so a
        key used at 12.9 s is 1 second idle at 13.0 s.
    """
    clock = db.store.lru_clock
    return max(0, clock // 1000 - db.access.get(key, clock) // 1000)


@command(
    "object|idletime",
    3,
    "readonly",
    group="generic",
    since="2.2.3",
    acl="keyspace",
    keys=[KeySpec("RO", Index(2), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output",
)
def object_idletime(session, argv):
    """Tell how many seconds passed since a key was last used."""
    db = session.db
    if db.peek(argv[2], quiet=True) is None:
        return None
    if session.server.config["maxmemory-policy"] in _LFU:
        raise ReplyError(
            "ERR An LFU maxmemory policy is selected, idle time not tracked."
            + _POLICY_NOTE
        )
    return idle_seconds(db, argv[2])


@command(
    "object|freq",
    3,
    "readonly",
    group="generic",
    since="4.0.0",
    acl="keyspace",
    keys=[KeySpec("RO", Index(2), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output",
)
def object_freq(session, argv):
    """Tell the LFU access counter of a key."""
    db = session.db
    key = argv[2]
    if db.peek(key, quiet=True) is None:
        return None
    if db.store.frequency is None:
        raise ReplyError(
            "ERR An LFU maxmemory policy is not selected, access frequency not "
            "tracked." + _POLICY_NOTE
        )
    return db.store.frequency.counter(db.access.get(key))


_OBJECT_HELP = [
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
]


@command(
    "object|help", 2, "loading stale", group="generic", since="6.2.0", acl="keyspace"
)
def object_help(session, argv):
    """List the subcommands of OBJECT."""
    return [Status(line.encode()) for line in _OBJECT_HELP]


# ---------------------------------------------------------------- DUMP / RESTORE

BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
BAD_DATA = "ERR Bad data format"
_LRU_CLOCK_MAX = (1 << 24) - 1


@command(
    "dump",
    2,
    "readonly",
    group="generic",
    since="2.6.0",
    acl="keyspace",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
    tips="nondeterministic_output",
)
def dump(session, argv):
    """
    Serialize the value of a key (not its name nor its time to live) into
    the opaque string RESTORE takes, or nil for a missing key.
    """
    value = session.db.lookup(argv[1])
    if value is None:
        return None
    return dump_payload(value)


def _restore_options(argv):
    """@return: C{(replace, absttl, idle seconds, freq)}, None where not given."""
    replace = absttl = False
    idle = freq = None
    i = 4
    while i < len(argv):
        option = argv[i].lower()
        valued = i + 1 < len(argv)
        if option == b"replace":
            replace = True
        elif option == b"absttl":
            absttl = True
        elif option == b"idletime" and valued and freq is None:
            i += 1
            idle = parse_int(argv[i])
            if idle < 0:
                raise ReplyError("ERR Invalid IDLETIME value, must be >= 0")
        elif option == b"freq" and valued and idle is None:
            i += 1
            freq = parse_int(argv[i])
            if not 0 <= freq <= _LFU_MAX:
                raise ReplyError("ERR Invalid FREQ value, must be >= 0 and <= 255")
        else:
            raise ReplyError(SYNTAX)
        i += 1
    return replace, absttl, idle, freq


def _restored_idle(lru_clock, idle):
    """
    @return: the OBJECT IDLETIME Redis shows after RESTORE ... IDLETIME
        C{idle}: it keeps access times in 24 bits of seconds (and scales the
        idle time by 1000 in 64 bits), so a long idle time wraps.
    """
    scaled = (idle * 1000 + (1 << 63)) % (1 << 64) - (1 << 63)
    idle = scaled // 1000 if scaled >= 0 else -(-scaled // 1000)
    clock = lru_clock & _LRU_CLOCK_MAX
    stamp = clock - idle
    if stamp < 0:
        stamp += _LRU_CLOCK_MAX
    stamp &= _LRU_CLOCK_MAX
    return clock - stamp if clock >= stamp else clock + _LRU_CLOCK_MAX - stamp


def _stamp_access(session, db, key, idle, freq):
    """
    Give C{key} the IDLETIME or the FREQ of RESTORE, whichever the eviction
    policy tracks (Redis ignores the other).
    """
    clock = db.store.lru_clock
    if db.store.frequency is not None:
        if freq is not None:
            db.access[key] = db.store.frequency.stamp(freq)
    elif idle is not None:
        db.access[key] = clock - _restored_idle(clock // 1000, idle) * 1000


@command(
    "restore",
    -4,
    "write denyoom",
    group="generic",
    since="2.6.0",
    acl="keyspace dangerous",
    keys=[KeySpec("OW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("ttl", "integer"),
        Arg("serialized-value"),
        Token("REPLACE", flags="optional", since="3.0.0"),
        Token("ABSTTL", flags="optional", since="5.0.0"),
        Arg("seconds", "integer", token="IDLETIME", flags="optional", since="5.0.0"),
        Arg("frequency", "integer", token="FREQ", flags="optional", since="5.0.0"),
    ],
)
def restore(session, argv):
    """
    Create a key from a value DUMP serialized, with a time to live in ms (0
    for none) or, with ABSTTL, a deadline as a unix time in ms.
    """
    replace, absttl, idle, freq = _restore_options(argv)
    db = session.db
    key = argv[1]
    if not replace and db.lookup(key) is not None:
        raise ReplyError("BUSYKEY Target key name already exists.")
    ttl = parse_int(argv[2])
    if ttl < 0:
        raise ReplyError("ERR Invalid TTL value, must be >= 0")
    payload = argv[3]
    if not dump_footer_ok(payload):
        raise ReplyError(BAD_PAYLOAD)
    try:
        value = load_dump_payload(payload, key)
    except RDBError:
        raise ReplyError(BAD_DATA)
    deleted = replace and db.delete(key)
    deadline = None
    if ttl:
        now = db.store.now_ms()
        deadline = ttl if absttl else now + ttl
        if deadline <= now or deadline > LLONG_MAX:  # Redis's sum overflows
            if deleted:
                notify(db, "g", b"del", key)
                session.rewrite([b"DEL", key])
            else:
                session.rewrite()
            return OK
    _place(db, key, value, deadline, None)
    _stamp_access(session, db, key, idle, freq)
    notify(db, "g", b"restore", key)
    if deadline is not None and not absttl:
        logged = [b"RESTORE", key, b"%d" % deadline, payload] + argv[4:]
        session.rewrite(logged + [b"ABSTTL"])
    return OK


@command(
    "restore-asking",
    -4,
    "write denyoom asking",
    group="server",
    since="3.0.0",
    acl="keyspace dangerous",
    keys=[KeySpec("OW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("ttl", "integer"),
        Arg("serialized-value"),
        Token("REPLACE", flags="optional", since="3.0.0"),
        Token("ABSTTL", flags="optional", since="5.0.0"),
        Arg("seconds", "integer", token="IDLETIME", flags="optional", since="5.0.0"),
        Arg("frequency", "integer", token="FREQ", flags="optional", since="5.0.0"),
    ],
    doc_flags="syscmd",
)
def restore_asking(session, argv):
    """
    RESTORE as one cluster node sends it to another while moving a slot;
    a standalone server restores the key just the same.
    """
    return restore(session, argv)
