"""
Stream commands (Redis's t_stream.c): XADD and the range reads, trimming,
XREAD (blocking too), and consumer groups: XGROUP, XREADGROUP, XACK,
XPENDING, XCLAIM, XAUTOCLAIM, XINFO and XSETID.

The structure itself is L{miniredis.stream.Stream}. Writes that depend on
the moment (an XADD with C{*}, a group read) are logged as the commands
that redo them exactly, as Redis propagates them: the generated ID in
place of C{*}, an exact MAXLEN after a C{~} trim, XCLAIM ... FORCE JUSTID
for each entry a group delivered and XGROUP SETID for where the group got
to (Redis 7.0 leaves the SETID out but for NOACK reads; then a replay
loses the group's entries-read).
"""

import re

from miniredis.commands import command, container
from miniredis.commands.introspection import help_reply
from miniredis.commands.parsing import SYNTAX, parse_int
from miniredis.commands.spec import (
    Arg,
    Block,
    Index,
    KeySpec,
    Keyword,
    OneOf,
    Range,
    Token,
)
from miniredis.notifications import STREAM, notify
from miniredis.resp import NULL_ARRAY, OK, PairMap, ReplyError
from miniredis.stream import (
    INVALID_READS,
    MAX_ID,
    MAXLEN,
    MINID,
    ZERO_ID,
    Group,
    Stream,
    format_id,
    next_id,
    previous_id,
)
from miniredis.waits import BLOCKED

INVALID_ID = "ERR Invalid stream ID specified as stream command argument"
TOO_SMALL = (
    "ERR The ID specified in XADD is equal or smaller than the target stream top item"
)
NO_SUCH_KEY = "ERR no such key"
_BLOCKED_COUNT = 1000  # what a blocked XREAD without COUNT is served at most

# ---------------------------------------------------------------- helpers


def _stream(db, key):
    """@return: the stream at C{key}, None if absent; WRONGTYPE otherwise."""
    return db.get_typed(key, Stream)


def _consumer(db, key, group, name, now):
    """
    @return: the consumer C{name} of C{group}, made (and reported as
        C{xgroup-createconsumer} on C{key}) if it was not there.
    """
    found = group.consumers.get(name)
    if found is None:
        found = group.consumer(name, now)
        notify(db, STREAM, b"xgroup-createconsumer", key)
    return found


def _text(raw):
    return raw.decode("utf-8", "replace")


_STRTOULL = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]+)")
_ULL_MAX = (1 << 64) - 1


def _unsigned(raw):
    """
    Read an unsigned 64-bit number as Redis's C{string2ull} does (a plain
    integer, else what C{strtoull} accepts); @return: it, or None.
    """
    if not raw:
        return None
    try:
        value = parse_int(raw)
    except ReplyError:
        value = None
    if value is not None:
        return value if value >= 0 else None
    found = _STRTOULL.fullmatch(raw)
    if found is None:
        return None
    value = int(found.group(2))
    if value > _ULL_MAX:
        return None
    return (-value) & _ULL_MAX if found.group(1) == b"-" else value


def parse_id(raw, missing_seq=0, strict=False, seq_star=False):
    """
    Parse a stream ID as Redis does: C{ms-seq}, C{ms} alone (its sequence
    C{missing_seq}), C{-} and C{+} unless C{strict}, C{ms-*} if C{seq_star}.

    @return: C{(id, seq_given)}.
    @raise ReplyError: for anything else.
    """
    if len(raw) > 127:
        raise ReplyError(INVALID_ID)
    text = raw.split(b"\x00", 1)[0]
    if text == b"-" or text == b"+":
        if strict:
            raise ReplyError(INVALID_ID)
        return (ZERO_ID if text == b"-" else MAX_ID), True
    ms_part, dash, seq_part = text.partition(b"-")
    ms = _unsigned(ms_part)
    if ms is None:
        raise ReplyError(INVALID_ID)
    if not dash:
        return (ms, missing_seq), True
    if seq_star and seq_part == b"*":
        return (ms, 0), False
    seq = _unsigned(seq_part)
    if seq is None:
        raise ReplyError(INVALID_ID)
    return (ms, seq), True


def strict_id(raw):
    return parse_id(raw, strict=True)[0]


def _interval_start(raw):
    """The start of a range: C{(} excludes the ID."""
    if len(raw) > 1 and raw[:1] == b"(":
        start = next_id(parse_id(raw[1:], 0, strict=True)[0])
        if start is None:
            raise ReplyError("ERR invalid start ID for the interval")
        return start
    return parse_id(raw, 0)[0]


def _interval_end(raw):
    if len(raw) > 1 and raw[:1] == b"(":
        end = previous_id(parse_id(raw[1:], _ULL_MAX, strict=True)[0])
        if end is None:
            raise ReplyError("ERR invalid end ID for the interval")
        return end
    return parse_id(raw, _ULL_MAX)[0]


def _range(stream, start, end, count=0, reverse=False):
    """
    @return: the entries from C{start} to C{end} (at most C{count}, 0: all;
        the last ones if C{reverse}, newest first).
    """
    if start > end:
        return []
    ids = stream.ids
    first = ids.bisect_left(start)
    stop = ids.bisect_right(end)
    if count and stop - first > count:
        if reverse:
            first = stop - count
        else:
            stop = first + count
    entries = stream.entries
    out = [entries[stream_id] for stream_id in ids[first:stop]]
    if reverse:
        out.reverse()
    return out


def _count_option(argv, start):
    """XRANGE's C{COUNT n}: @return: the count, -1 when absent."""
    count = -1
    i = start
    while i < len(argv):
        if argv[i].lower() == b"count" and i + 1 < len(argv):
            count = max(0, parse_int(argv[i + 1]))
            i += 2
        else:
            raise ReplyError(SYNTAX)
    return count


def _no_group(key, group):
    return ReplyError(
        "NOGROUP No such key '%s' or consumer group '%s'" % (_text(key), _text(group))
    )


def _group_of(db, key, name):
    """@return: C{(stream, group)}; NOGROUP when either is missing."""
    stream = _stream(db, key)
    if stream is None:
        db.read_miss(key)  # XCLAIM and XAUTOCLAIM read it, as Redis does
    group = stream.groups.get(name) if stream is not None else None
    if group is None:
        raise _no_group(key, name)
    return stream, group


def _node_limits(session):
    config = session.server.config
    return config["stream-node-max-entries"], config["stream-node-max-bytes"]


# ---------------------------------------------------------------- XADD, XTRIM


class _Trim:
    """
    The trimming options of XADD and XTRIM.

    @ivar strategy: L{MAXLEN}, L{MINID} or None.
    @ivar threshold: the length or the ID.
    @ivar approx: whether C{~} was given.
    @ivar limit: at most this many entries removed (0: no limit; None:
        Redis's default for C{~}, from stream-node-max-entries).
    @ivar given: the indexes in C{argv} of these options and their values.
    """

    def __init__(self):
        self.strategy = None
        self.threshold = None
        self.approx = False
        self.limit = 0
        self.given = set()


_BOTH = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"


def _parse_trim(argv, xadd):
    """
    Parse XADD's or XTRIM's options from C{argv[2]} as Redis does.

    @return: C{(trim, nomkstream, index)}: C{index} is where the ID is
        for XADD (it stops there).
    """
    trim = _Trim()
    if xadd and argv[2] == b"*":
        return trim, False, 2  # the common case: no option
    nomkstream = False
    limit_given = False
    i = 2
    while i < len(argv):
        more = len(argv) - 1 - i
        option = argv[i].lower()
        if xadd and argv[i] == b"*":
            break
        if option in (b"maxlen", b"minid") and more:
            if trim.strategy is not None:
                raise ReplyError(_BOTH)
            trim.approx = False
            trim.given.add(i)
            if more >= 2 and argv[i + 1] in (b"~", b"="):
                trim.approx = argv[i + 1] == b"~"
                i += 1
                trim.given.add(i)
            if option == b"maxlen":
                trim.threshold = parse_int(argv[i + 1])
                if trim.threshold < 0:
                    raise ReplyError("ERR The MAXLEN argument must be >= 0.")
                trim.strategy = MAXLEN
            else:
                trim.threshold = strict_id(argv[i + 1])
                trim.strategy = MINID
            i += 1
            trim.given.add(i)
        elif option == b"limit" and more:
            trim.limit = parse_int(argv[i + 1])
            if trim.limit < 0:
                raise ReplyError("ERR The LIMIT argument must be >= 0.")
            limit_given = True
            trim.given.update((i, i + 1))
            i += 1
        elif xadd and option == b"nomkstream":
            nomkstream = True
        elif xadd:
            break
        else:
            raise ReplyError(SYNTAX)
        i += 1
    if limit_given and trim.strategy is None:
        raise ReplyError(
            "ERR syntax error, LIMIT cannot be used without specifying a "
            "trimming strategy"
        )
    if limit_given:
        if not trim.approx:
            raise ReplyError(
                "ERR syntax error, LIMIT cannot be used without the special ~ option"
            )
    elif trim.approx:
        trim.limit = None
    return trim, nomkstream, i


def _trim_logged(argv, trim, stream, start):
    """
    The options (up to C{start}) of an XADD or XTRIM as logged after a C{~}
    trim: an exact MAXLEN of the length reached, which replays to the same
    stream.
    """
    kept = [arg for i, arg in enumerate(argv[:start]) if i not in trim.given]
    return kept + [b"MAXLEN", b"=", b"%d" % len(stream)]


def _apply_trim(stream, trim, limits):
    """Trim C{stream} as C{trim} says, under the node C{limits}."""
    if trim.strategy is None:
        return 0
    limit = trim.limit
    if limit is None:
        limit = 100 * limits[0]
        if not 0 < limit <= 1000000:
            limit = 1000000
    return stream.trim(trim.strategy, trim.threshold, trim.approx, limit)


@command(
    "xadd",
    -5,
    "write denyoom fast",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Token("NOMKSTREAM", flags="optional", since="6.2.0"),
        Block(
            "trim",
            OneOf("strategy", Token("MAXLEN"), Token("MINID", since="6.2.0")),
            OneOf(
                "operator",
                Arg("equal", "pure-token", token="="),
                Arg("approximately", "pure-token", token="~"),
                flags="optional",
            ),
            Arg("threshold"),
            Arg("count", "integer", token="LIMIT", flags="optional", since="6.2.0"),
            flags="optional",
        ),
        OneOf("id_or_auto", Arg("auto_id", "pure-token", token="*"), Arg("id")),
        Block("field_value", Arg("field"), Arg("value"), flags="multiple"),
    ],
    tips="nondeterministic_output",
)
def xadd(session, argv):
    """Append an entry to a stream."""
    trim, nomkstream, index = _parse_trim(argv, True)
    fields = argv[index + 1 :]
    if len(fields) < 2 or len(fields) % 2:
        raise ReplyError("ERR wrong number of arguments for 'xadd' command")
    given = None
    seq_given = True
    if argv[index] != b"*":
        given, seq_given = parse_id(argv[index], strict=True, seq_star=True)
        if seq_given and given == ZERO_ID:
            raise ReplyError("ERR The ID specified in XADD must be greater than 0-0")
    db = session.db
    key = argv[1]
    stream = _stream(db, key)
    if stream is None:
        if nomkstream:
            return None
        stream = Stream()
        db.set(key, stream)
    if stream.last_id == MAX_ID:
        raise ReplyError(
            "ERR The stream has exhausted the last possible ID, "
            "unable to add more items"
        )
    last = stream.last_id
    if given is None:
        ms = session.server.store.clock_ms()
        new = (ms, 0) if ms > last[0] else next_id(last)
    elif seq_given:
        new = given
    elif given[0] == last[0]:
        if last[1] == _ULL_MAX:
            raise ReplyError(TOO_SMALL)
        new = (last[0], last[1] + 1)
    else:
        new = given
    if new <= last:
        raise ReplyError(TOO_SMALL)
    if sum(map(len, fields)) > 1 << 30:  # more than a listpack can hold
        raise ReplyError("ERR Elements are too large to be stored")
    limits = _node_limits(session)
    reply = stream.append(new, list(fields), *limits)
    db.modified(key)
    notify(db, STREAM, b"xadd", key)
    if _apply_trim(stream, trim, limits):
        notify(db, STREAM, b"xtrim", key)
    if session.server.propagate is not None and (
        trim.approx or given is None or not seq_given
    ):
        logged = (
            _trim_logged(argv, trim, stream, index) if trim.approx else argv[:index]
        )
        session.rewrite(logged + [reply] + list(fields))
    db.signal_ready(key)
    return reply


@command(
    "xtrim",
    -4,
    "write",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Block(
            "trim",
            OneOf("strategy", Token("MAXLEN"), Token("MINID", since="6.2.0")),
            OneOf(
                "operator",
                Arg("equal", "pure-token", token="="),
                Arg("approximately", "pure-token", token="~"),
                flags="optional",
            ),
            Arg("threshold"),
            Arg("count", "integer", token="LIMIT", flags="optional", since="6.2.0"),
        ),
    ],
    tips="nondeterministic_output",
)
def xtrim(session, argv):
    """Cut a stream down to a length or up to an ID."""
    trim, _, _ = _parse_trim(argv, False)
    db = session.db
    stream = _stream(db, argv[1])
    if stream is None:
        return 0
    if trim.strategy is None:
        raise ReplyError("ERR XTRIM called without an option to trim the stream")
    removed = _apply_trim(stream, trim, _node_limits(session))
    if removed:
        db.modified(argv[1])
        notify(db, STREAM, b"xtrim", argv[1])
        if trim.approx:
            session.rewrite(_trim_logged(argv, trim, stream, len(argv)))
    return removed


@command(
    "xdel",
    -3,
    "write fast",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("id", flags="multiple")],
)
def xdel(session, argv):
    """Remove entries of a stream by ID."""
    db = session.db
    stream = _stream(db, argv[1])
    if stream is None:
        return 0
    ids = [strict_id(raw) for raw in argv[2:]]
    deleted = 0
    for stream_id in ids:
        if stream.delete(stream_id):
            if stream_id > stream.max_deleted:
                stream.max_deleted = stream_id
            deleted += 1
    if deleted:
        db.modified(argv[1])
        notify(db, STREAM, b"xdel", argv[1])
    return deleted


@command(
    "xlen",
    2,
    "readonly fast",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RO", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def xlen(session, argv):
    """Count the entries of a stream."""
    stream = _stream(session.db, argv[1])
    return 0 if stream is None else len(stream)


# ---------------------------------------------------------------- ranges


def _xrange(session, argv, reverse):
    start_raw, end_raw = (argv[3], argv[2]) if reverse else (argv[2], argv[3])
    start = _interval_start(start_raw)
    end = _interval_end(end_raw)
    count = _count_option(argv, 4)
    stream = _stream(session.db, argv[1])
    if stream is None:
        return []
    if count == 0:
        return NULL_ARRAY
    if reverse:
        return _range(stream, start, end, max(count, 0), reverse=True)
    return _range(stream, start, end, max(count, 0))


@command(
    "xrange",
    -4,
    "readonly",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("start"),
        Arg("end"),
        Arg("count", "integer", token="COUNT", flags="optional"),
    ],
)
def xrange_(session, argv):
    """Read the entries of a stream between two IDs."""
    return _xrange(session, argv, False)


@command(
    "xrevrange",
    -4,
    "readonly",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("end"),
        Arg("start"),
        Arg("count", "integer", token="COUNT", flags="optional"),
    ],
)
def xrevrange(session, argv):
    """Read the entries of a stream between two IDs, newest first."""
    return _xrange(session, argv, True)


# ---------------------------------------------------------------- XREAD


class _Read:
    """
    What an XREAD or XREADGROUP asks for.

    @ivar keys: the streams; C{ids}: the ID after which to read each (None
        for C{>}).
    @ivar group, consumer: names, for XREADGROUP.
    """

    def __init__(self):
        self.timeout = None
        self.count = 0
        self.noack = False
        self.group = None
        self.consumer = None
        self.keys = []
        self.ids = []
        self.groups = []


def _parse_read(session, argv, xreadgroup):
    read = _Read()
    name = "XREADGROUP" if xreadgroup else "XREAD"
    streams = None
    i = 1
    while i < len(argv):
        more = len(argv) - i - 1
        option = argv[i].lower()
        if option == b"block" and more:
            if session.script:
                raise ReplyError(
                    "ERR %s command is not allowed with BLOCK option from scripts"
                    % (_text(argv[0]),)
                )
            i += 1
            timeout = parse_int(
                argv[i], "ERR timeout is not an integer or out of range"
            )
            if timeout < 0:
                raise ReplyError("ERR timeout is negative")
            read.timeout = timeout
        elif option == b"count" and more:
            i += 1
            read.count = max(0, parse_int(argv[i]))
        elif option == b"streams" and more:
            streams = argv[i + 1 :]
            if len(streams) % 2:
                raise ReplyError(
                    "ERR Unbalanced %s list of streams: for each stream key an "
                    "ID or '%s' must be specified." % (name, ">" if xreadgroup else "$")
                )
            break
        elif option == b"group" and more >= 2:
            if not xreadgroup:
                raise ReplyError(
                    "ERR The GROUP option is only supported by XREADGROUP. "
                    "You called XREAD instead."
                )
            read.group, read.consumer = argv[i + 1], argv[i + 2]
            i += 2
        elif option == b"noack":
            if not xreadgroup:
                raise ReplyError(
                    "ERR The NOACK option is only supported by XREADGROUP. "
                    "You called XREAD instead."
                )
            read.noack = True
        else:
            raise ReplyError(SYNTAX)
        i += 1
    if streams is None:
        raise ReplyError(SYNTAX)
    if xreadgroup and read.group is None:
        raise ReplyError("ERR Missing GROUP option for XREADGROUP")
    half = len(streams) // 2
    db = session.db
    for key, raw in zip(streams[:half], streams[half:]):
        stream = _stream(db, key)
        if stream is None:
            db.read_miss(key)  # XREADGROUP reads it, as Redis does
        if read.group is not None:
            group = stream.groups.get(read.group) if stream is not None else None
            if group is None:
                raise ReplyError(
                    "NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP "
                    "with GROUP option" % (_text(key), _text(read.group))
                )
            read.groups.append(group)
        if raw == b"$":
            if xreadgroup:
                raise ReplyError(
                    "ERR The $ ID is meaningless in the context of XREADGROUP: you "
                    "want to read the history of this consumer by specifying a "
                    "proper ID, or use the > ID to get new messages. The $ ID would "
                    "just return an empty result set."
                )
            stream_id = stream.last_id if stream is not None else ZERO_ID
        elif raw == b">":
            if not xreadgroup:
                raise ReplyError(
                    "ERR The > ID can be specified only when calling XREADGROUP "
                    "using the GROUP <group> <consumer> option."
                )
            stream_id = None
        else:
            stream_id = strict_id(raw)
        read.keys.append(key)
        read.ids.append(stream_id)
    return read


def _deliver(session, key, names, stream, group, after, count, noack, logged):
    """
    Serve a group's new entries after C{after} to a consumer, as Redis's
    C{streamReplyWithRange} does with a group: the group moves on, each
    entry enters the consumer's PEL (unless C{noack}) and C{logged} gets
    the commands that redo it.

    @param names: C{(group name, consumer name)}.
    @return: the entries.
    """
    group_name, consumer_name = names
    now = session.server.store.clock_ms()
    consumer = group.consumer(consumer_name, now, create=False)
    if consumer is None:
        consumer = _consumer(session.db, key, group, consumer_name, now)
        if noack:
            logged.append(
                [b"XGROUP", b"CREATECONSUMER", key, group_name, consumer_name]
            )
    consumer.seen = now
    start = next_id(after)
    out = []
    moved = False
    entries = stream.entries
    if start is not None:
        for stream_id in stream.ids.irange(start, None):
            if stream_id > group.last_id:
                if group.entries_read != INVALID_READS and not stream.has_tombstones(
                    stream_id
                ):
                    group.entries_read += 1
                elif stream.entries_added:
                    group.entries_read = stream.estimate_reads(stream_id)
                group.last_id = stream_id
                moved = True
            out.append(entries[stream_id])
            if not noack:
                entry = group.add_pending(stream_id, consumer, now, 1)
                logged.append(_claim_argv(key, group_name, group, stream_id, entry))
            if len(out) == count:
                break
    if moved:  # XCLAIM's LASTID alone would leave entries-read behind
        logged.append(_setid_argv(key, group_name, group))
    return out


def _claim_argv(key, group_name, group, stream_id, entry):
    """The XCLAIM that gives C{stream_id} to its consumer, as Redis logs it."""
    return [
        b"XCLAIM",
        key,
        group_name,
        entry.consumer.name,
        b"0",
        format_id(stream_id),
        b"TIME",
        b"%d" % entry.delivered,
        b"RETRYCOUNT",
        b"%d" % entry.count,
        b"FORCE",
        b"JUSTID",
        b"LASTID",
        format_id(group.last_id),
    ]


def _setid_argv(key, group_name, group):
    return [
        b"XGROUP",
        b"SETID",
        key,
        group_name,
        format_id(group.last_id),
        b"ENTRIESREAD",
        b"%d" % group.entries_read,
    ]


def _history(session, key, stream, group, consumer_name, after, count):
    """A consumer's own pending entries after C{after} (XREADGROUP with an ID)."""
    now = session.server.store.clock_ms()
    consumer = _consumer(session.db, key, group, consumer_name, now)
    consumer.seen = now
    start = next_id(after) or after
    out = []
    for stream_id in consumer.pending.irange(start, None):
        found = stream.entries.get(stream_id)
        if found is None:
            out.append([format_id(stream_id), NULL_ARRAY])
        else:
            entry = consumer.pending[stream_id]
            entry.delivered = now
            entry.count += 1
            out.append(found)
        if len(out) == count:
            break
    return out


def _xread(session, argv, xreadgroup):
    read = _parse_read(session, argv, xreadgroup)
    db = session.db
    served = PairMap()
    logged = []
    for i, key in enumerate(read.keys):
        stream = db.lookup(key)
        if stream is None:
            continue
        after = read.ids[i]
        if read.group is not None:
            group = read.groups[i]
            if after is not None:
                entries = _history(
                    session, key, stream, group, read.consumer, after, read.count
                )
                served.append([key, entries])
                session.server.store.dirty += 1
                continue
            if not stream.entries or stream.top_id() <= group.last_id:
                continue
            entries = _deliver(
                session,
                key,
                (read.group, read.consumer),
                stream,
                group,
                group.last_id,
                read.count,
                read.noack,
                logged,
            )
            served.append([key, entries])
            session.server.store.dirty += 1
        elif stream.entries and stream.top_id() > after:
            served.append([key, _range(stream, next_id(after), MAX_ID, read.count)])
    if read.group is not None:
        session.rewrite(*logged)
    if served:
        return served
    if read.timeout is None or session.deny_blocking:
        return NULL_ARRAY
    _block(session, read)
    return BLOCKED


def _block(session, read):
    """Make the client wait for entries on the streams of C{read}."""
    db = session.db
    server = session.server
    count = read.count or _BLOCKED_COUNT
    after = dict(zip(read.keys, read.ids))

    def serve(key):
        stream = db.lookup(key)
        if type(stream) is not Stream:
            return None
        if read.group is None:
            if stream.last_id <= after[key]:
                return None
            entries = _range(stream, next_id(after[key]), MAX_ID, count)
            return PairMap([[key, entries]])
        group = stream.groups.get(read.group)
        if group is None:
            return ReplyError(
                "NOGROUP the consumer group this client was blocked on no longer exists"
            )
        if stream.last_id <= group.last_id:
            return None
        logged = []
        entries = _deliver(
            session,
            key,
            (read.group, read.consumer),
            stream,
            group,
            group.last_id,
            count,
            read.noack,
            logged,
        )
        server.store.dirty += 1
        if logged and server.propagate is not None:
            server.propagate(db.index, logged)
        return PairMap([[key, entries]])

    timeout = read.timeout / 1000.0
    server.waits.block(session, read.keys, timeout, serve, NULL_ARRAY)


@command(
    "xread",
    -4,
    "readonly blocking",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RO access", Keyword("STREAMS", 1), Range(-1, 1, 2))],
    args=[
        Arg("count", "integer", token="COUNT", flags="optional"),
        Arg("milliseconds", "integer", token="BLOCK", flags="optional"),
        Block(
            "streams",
            Arg("key", "key", flags="multiple", key_spec=0),
            Arg("id", flags="multiple"),
            token="STREAMS",
        ),
    ],
)
def xread(session, argv):
    """Read new entries from streams, waiting for them if asked."""
    return _xread(session, argv, False)


@command(
    "xreadgroup",
    -7,
    "write blocking",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RO access", Keyword("STREAMS", 4), Range(-1, 1, 2))],
    args=[
        Block("group_consumer", Arg("group"), Arg("consumer"), token="GROUP"),
        Arg("count", "integer", token="COUNT", flags="optional"),
        Arg("milliseconds", "integer", token="BLOCK", flags="optional"),
        Token("NOACK", flags="optional"),
        Block(
            "streams",
            Arg("key", "key", flags="multiple", key_spec=0),
            Arg("id", flags="multiple"),
            token="STREAMS",
        ),
    ],
)
def xreadgroup(session, argv):
    """Read entries from streams as a consumer of a group."""
    return _xread(session, argv, True)


# ---------------------------------------------------------------- groups


def _subcommand_error(argv):
    return ReplyError(
        "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
        % (_text(argv[1])[:128], _text(argv[0]).upper())
    )


_XGROUP_HELP = [
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
]

container(
    "xgroup",
    -2,
    group="stream",
    since="5.0.0",
    summary="Commands that make, move and remove consumer groups of a stream.",
)


def _entries_read(raw):
    value = parse_int(raw)
    if value < 0 and value != INVALID_READS:
        raise ReplyError("ERR value for ENTRIESREAD must be positive or -1")
    return value


def _xgroup_target(session, argv, mkstream=False, need_group=True):
    """
    What every XGROUP subcommand checks first, in Redis's order.

    @return: C{(stream, group)} (either may be None where allowed).
    """
    stream = _stream(session.db, argv[2])
    if stream is None and not mkstream:
        raise ReplyError(
            "ERR The XGROUP subcommand requires the key to exist. Note that for "
            "CREATE you may want to use the MKSTREAM option to create an empty "
            "stream automatically."
        )
    group = stream.groups.get(argv[3]) if stream is not None else None
    if group is None and need_group:
        raise ReplyError(
            "NOGROUP No such consumer group '%s' for key name '%s'"
            % (_text(argv[3]), _text(argv[2]))
        )
    return stream, group


@command(
    "xgroup|create",
    -5,
    "write denyoom",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RW insert", Index(2), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("groupname"),
        OneOf("id", Arg("id"), Arg("new_id", "pure-token", token="$")),
        Token("MKSTREAM", flags="optional"),
        Arg("entries_read", "integer", token="ENTRIESREAD", flags="optional"),
    ],
)
def xgroup_create(session, argv):
    """Make a consumer group for a stream."""
    mkstream = False
    entries_read = INVALID_READS
    i = 5
    while i < len(argv):
        option = argv[i].lower()
        if option == b"mkstream":
            mkstream = True
            i += 1
        elif option == b"entriesread" and i + 1 < len(argv):
            entries_read = _entries_read(argv[i + 1])
            i += 2
        else:
            raise _subcommand_error(argv)
    stream, group = _xgroup_target(session, argv, mkstream, need_group=False)
    if len(argv) > 8:
        raise _subcommand_error(argv)
    if argv[4] == b"$":
        last = stream.last_id if stream is not None else ZERO_ID
    else:
        last = strict_id(argv[4])
    db = session.db
    if stream is None:
        stream = Stream()
        db.set(argv[2], stream)
    if group is not None:
        raise ReplyError("BUSYGROUP Consumer Group name already exists")
    stream.groups[argv[3]] = Group(last, entries_read)
    db.store.dirty += 1  # no WATCH nor tracking, as in Redis
    notify(db, STREAM, b"xgroup-create", argv[2])
    return OK


@command(
    "xgroup|setid",
    -5,
    "write",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RW update", Index(2), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("groupname"),
        OneOf("id", Arg("id"), Arg("new_id", "pure-token", token="$")),
        Arg("entries_read", "integer", token="ENTRIESREAD", flags="optional"),
    ],
)
def xgroup_setid(session, argv):
    """Move the last delivered ID of a consumer group."""
    stream, group = _xgroup_target(session, argv)
    if len(argv) != 5 and (len(argv) != 7 or argv[5].lower() != b"entriesread"):
        raise _subcommand_error(argv)
    last = stream.last_id if argv[4] == b"$" else parse_id(argv[4])[0]
    entries_read = INVALID_READS
    if len(argv) == 7:
        entries_read = _entries_read(argv[6])
    group.last_id = last
    group.entries_read = entries_read
    session.db.store.dirty += 1  # no WATCH nor tracking, as in Redis
    notify(session.db, STREAM, b"xgroup-setid", argv[2])
    return OK


@command(
    "xgroup|destroy",
    4,
    "write",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RW delete", Index(2), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("groupname")],
)
def xgroup_destroy(session, argv):
    """Remove a consumer group."""
    stream, group = _xgroup_target(session, argv, need_group=False)
    if group is None:
        return 0
    del stream.groups[argv[3]]
    session.db.store.dirty += 1  # no WATCH nor tracking, as in Redis
    notify(session.db, STREAM, b"xgroup-destroy", argv[2])
    session.db.signal_ready(argv[2])
    return 1


@command(
    "xgroup|createconsumer",
    5,
    "write denyoom",
    group="stream",
    since="6.2.0",
    acl="stream",
    keys=[KeySpec("RW insert", Index(2), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("groupname"), Arg("consumername")],
)
def xgroup_createconsumer(session, argv):
    """Add a consumer to a consumer group."""
    _, group = _xgroup_target(session, argv)
    if argv[4] in group.consumers:
        return 0
    _consumer(session.db, argv[2], group, argv[4], session.server.store.clock_ms())
    session.db.store.dirty += 1  # no WATCH nor tracking, as in Redis
    return 1


@command(
    "xgroup|delconsumer",
    5,
    "write",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RW delete", Index(2), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("groupname"), Arg("consumername")],
)
def xgroup_delconsumer(session, argv):
    """Remove a consumer from a group; its pending entries go with it."""
    _, group = _xgroup_target(session, argv)
    consumer = group.consumers.pop(argv[4], None)
    session.db.store.dirty += 1  # no WATCH nor tracking, as in Redis
    if consumer is None:
        return 0
    notify(session.db, STREAM, b"xgroup-delconsumer", argv[2])
    for stream_id in consumer.pending:
        del group.pending[stream_id]
    return len(consumer.pending)


@command("xgroup|help", 2, "loading stale", group="stream", since="5.0.0", acl="stream")
def xgroup_help(session, argv):
    """List the subcommands of XGROUP."""
    return help_reply(_XGROUP_HELP)


# ---------------------------------------------------------------- XACK, XPENDING


@command(
    "xack",
    -4,
    "write fast",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("group"), Arg("id", flags="multiple")],
)
def xack(session, argv):
    """Mark entries a consumer group delivered as processed."""
    db = session.db
    stream = _stream(db, argv[1])
    if stream is None:
        db.read_miss(argv[1])
    group = stream.groups.get(argv[2]) if stream is not None else None
    if group is None:
        return 0
    ids = [strict_id(raw) for raw in argv[3:]]
    acknowledged = 0
    for stream_id in ids:
        if group.remove_pending(stream_id):
            acknowledged += 1
            db.store.dirty += 1  # no WATCH nor tracking, as in Redis
    return acknowledged


@command(
    "xpending",
    -3,
    "readonly",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("group"),
        Block(
            "filters",
            Arg(
                "min-idle-time",
                "integer",
                token="IDLE",
                flags="optional",
                since="6.2.0",
            ),
            Arg("start"),
            Arg("end"),
            Arg("count", "integer"),
            Arg("consumer", flags="optional"),
            flags="optional",
        ),
    ],
    tips="nondeterministic_output",
)
def xpending(session, argv):
    """Show the entries a consumer group delivered and nobody acknowledged."""
    argc = len(argv)
    if argc != 3 and not 6 <= argc <= 9:
        raise ReplyError(SYNTAX)
    min_idle = 0
    consumer_name = None
    if argc >= 6:
        first = 3
        if argv[3].lower() == b"idle":
            min_idle = parse_int(argv[4])
            if argc < 8:
                raise ReplyError(SYNTAX)
            first = 5
        count = max(0, parse_int(argv[first + 2]))
        start = _interval_start(argv[first])
        end = _interval_end(argv[first + 1])
        if first + 3 < argc:
            consumer_name = argv[first + 3]
    db = session.db
    stream, group = _group_of(db, argv[1], argv[2])
    if argc == 3:
        pending = group.pending
        if not pending:
            return [0, None, None, NULL_ARRAY]
        owners = [
            [name, b"%d" % len(group.consumers[name].pending)]
            for name in sorted(group.consumers)
            if group.consumers[name].pending
        ]
        return [
            len(pending),
            format_id(pending.peekitem(0)[0]),
            format_id(pending.peekitem(-1)[0]),
            owners,
        ]
    pel = group.pending
    if consumer_name is not None:
        consumer = group.consumers.get(consumer_name)
        if consumer is None:
            return []
        pel = consumer.pending
    now = session.server.store.clock_ms()
    out = []
    if count and start <= end:
        for stream_id in pel.irange(start, end):
            entry = pel[stream_id]
            idle = now - entry.delivered
            if min_idle and idle < min_idle:
                continue
            out.append(
                [format_id(stream_id), entry.consumer.name, max(0, idle), entry.count]
            )
            if len(out) == count:
                break
    return out


# ---------------------------------------------------------------- claiming


def _claimed(stream, stream_id, justid):
    if justid:
        return format_id(stream_id)
    return stream.entries[stream_id]


@command(
    "xclaim",
    -6,
    "write fast",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("group"),
        Arg("consumer"),
        Arg("min-idle-time"),
        Arg("id", flags="multiple"),
        Arg("ms", "integer", token="IDLE", flags="optional"),
        Arg("unix-time-milliseconds", "unix-time", token="TIME", flags="optional"),
        Arg("count", "integer", token="RETRYCOUNT", flags="optional"),
        Token("FORCE", flags="optional"),
        Token("JUSTID", flags="optional"),
        Arg("id", token="LASTID", flags="optional"),
    ],
    tips="nondeterministic_output",
)
def xclaim(session, argv):
    """Take pending entries over from another consumer of a group."""
    db = session.db
    key = argv[1]
    stream, group = _group_of(db, key, argv[2])
    min_idle = max(
        0, parse_int(argv[4], "ERR Invalid min-idle-time argument for XCLAIM")
    )
    ids = []
    j = 5
    while j < len(argv):
        try:
            ids.append(strict_id(argv[j]))
        except ReplyError:
            break
        j += 1
    now = session.server.store.clock_ms()
    force = justid = False
    retrycount = None
    delivered = None
    last_id = ZERO_ID
    while j < len(argv):
        more = len(argv) - 1 - j
        option = argv[j].lower()
        if option == b"force":
            force = True
        elif option == b"justid":
            justid = True
        elif option in (b"idle", b"time", b"retrycount") and more:
            j += 1
            value = parse_int(
                argv[j],
                "ERR Invalid %s option argument for XCLAIM" % (_text(option).upper(),),
            )
            if option == b"idle":
                delivered = now - value
            elif option == b"time":
                delivered = value
            else:
                retrycount = value
        elif option == b"lastid" and more:
            j += 1
            last_id = strict_id(argv[j])
        else:
            raise ReplyError("ERR Unrecognized XCLAIM option '%s'" % (_text(argv[j]),))
        j += 1
    logged = []
    moved = last_id > group.last_id
    if moved:
        group.last_id = last_id
    if delivered is None or delivered < 0 or delivered > now:
        delivered = now
    consumer = None
    out = []
    for stream_id in ids:
        entry = group.pending.get(stream_id)
        if stream_id not in stream.entries:
            if entry is not None:
                logged.append(_claim_argv(key, argv[2], group, stream_id, entry))
                moved = False
                group.remove_pending(stream_id)
            continue
        fresh = False
        if entry is None:
            if not force:
                continue
            fresh = True
        elif min_idle and now - entry.delivered < min_idle:
            continue
        if consumer is None:
            consumer = _consumer(db, key, group, argv[3], now)
            consumer.seen = now
        if fresh:
            entry = group.add_pending(stream_id, consumer, delivered, 1)
        elif entry.consumer is not consumer:
            entry = group.add_pending(stream_id, consumer, delivered, entry.count)
        entry.delivered = delivered
        if retrycount is not None:
            entry.count = retrycount
        elif not justid:
            entry.count += 1
        out.append(_claimed(stream, stream_id, justid))
        logged.append(_claim_argv(key, argv[2], group, stream_id, entry))
        moved = False
    if moved:
        logged.append(_setid_argv(key, argv[2], group))
    if logged:
        db.store.dirty += 1  # no WATCH nor tracking, as in Redis
    session.rewrite(*logged)
    return out


@command(
    "xautoclaim",
    -6,
    "write fast",
    group="stream",
    since="6.2.0",
    acl="stream",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("group"),
        Arg("consumer"),
        Arg("min-idle-time"),
        Arg("start"),
        Arg("count", "integer", token="COUNT", flags="optional"),
        Token("JUSTID", flags="optional"),
    ],
    tips="nondeterministic_output",
)
def xautoclaim(session, argv):
    """Take over the pending entries of a group that have waited long enough."""
    min_idle = max(
        0, parse_int(argv[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM")
    )
    start = _interval_start(argv[5])
    count = 100
    justid = False
    j = 6
    while j < len(argv):
        option = argv[j].lower()
        if option == b"count" and j + 1 < len(argv):
            count = parse_int(argv[j + 1], "ERR COUNT must be > 0")
            if not 1 <= count <= ((1 << 63) - 1) // 16:
                raise ReplyError("ERR COUNT must be > 0")
            j += 1
        elif option == b"justid":
            justid = True
        else:
            raise ReplyError(SYNTAX)
        j += 1
    db = session.db
    key = argv[1]
    stream, group = _group_of(db, key, argv[2])
    now = session.server.store.clock_ms()
    attempts = count * 10
    consumer = None
    out = []
    deleted = []
    logged = []
    pending = group.pending
    ids = iter(list(pending.irange(start, None)))
    cursor = ZERO_ID
    while True:
        if not attempts or not count:
            cursor = next(ids, ZERO_ID)
            break
        attempts -= 1
        stream_id = next(ids, None)
        if stream_id is None:
            break
        entry = pending[stream_id]
        if stream_id not in stream.entries:
            logged.append(_claim_argv(key, argv[2], group, stream_id, entry))
            group.remove_pending(stream_id)
            deleted.append(format_id(stream_id))
            count -= 1
            continue
        if min_idle and now - entry.delivered < min_idle:
            continue
        if consumer is None:
            consumer = _consumer(db, key, group, argv[3], now)
            consumer.seen = now
        if entry.consumer is not consumer:
            entry = group.add_pending(stream_id, consumer, now, entry.count)
        entry.delivered = now
        if not justid:
            entry.count += 1
        out.append(_claimed(stream, stream_id, justid))
        count -= 1
        logged.append(_claim_argv(key, argv[2], group, stream_id, entry))
    if logged:
        db.store.dirty += 1  # no WATCH nor tracking, as in Redis
    session.rewrite(*logged)
    return [format_id(cursor), out, deleted]


# ---------------------------------------------------------------- XINFO, XSETID

_XINFO_HELP = [
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
]

container(
    "xinfo",
    -2,
    group="stream",
    since="5.0.0",
    summary="Commands that describe a stream, its groups and their consumers.",
)


def _info_stream(session, key):
    stream = _stream(session.db, key)
    if stream is None:
        raise ReplyError(NO_SUCH_KEY)
    return stream


def radix_nodes(keys):
    """
    @return: how many nodes a radix tree holding C{keys} (16-byte strings)
        has when built by insertions alone, as Redis's rax counts them.
    """
    if not keys:
        return 1

    def count(group, depth):
        if depth == 16:
            return 1
        run = depth
        first = group[0]
        while run < 16 and all(k[run] == first[run] for k in group):
            run += 1
        if run > depth:
            return 1 + count(group, run)
        branches = {}
        for k in group:
            branches.setdefault(k[depth], []).append(k)
        return 1 + sum(count(part, depth + 1) for part in branches.values())

    return count(sorted(keys), 0)


def _rax_key(stream_id):
    return stream_id[0].to_bytes(8, "big") + stream_id[1].to_bytes(8, "big")


def _stream_header(stream):
    return {
        b"length": len(stream),
        b"radix-tree-keys": len(stream.nodes),
        b"radix-tree-nodes": radix_nodes([_rax_key(k) for k in stream.keys]),
        b"last-generated-id": format_id(stream.last_id),
        b"max-deleted-entry-id": format_id(stream.max_deleted),
        b"entries-added": stream.entries_added,
        b"recorded-first-entry-id": format_id(stream.first_id()),
    }


@command(
    "xinfo|stream",
    -3,
    "readonly",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RO access", Index(2), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Block(
            "full",
            Arg("count", "integer", token="COUNT", flags="optional"),
            token="FULL",
            flags="optional",
        ),
    ],
)
def xinfo_stream(session, argv):
    """Describe a stream (FULL: with its entries, groups and consumers)."""
    stream = _info_stream(session, argv[2])
    options = argv[3:]
    if not options:
        reply = _stream_header(stream)
        reply[b"groups"] = len(stream.groups)
        reply[b"first-entry"] = (_range(stream, ZERO_ID, MAX_ID, 1) or [None])[0]
        reply[b"last-entry"] = (_range(stream, ZERO_ID, MAX_ID, 1, True) or [None])[0]
        return reply
    if options[0].lower() != b"full":
        raise _subcommand_error(argv)
    count = 10
    if len(options) > 1:
        if len(options) != 3 or options[1].lower() != b"count":
            raise _subcommand_error(argv)
        count = parse_int(options[2])
        if count < 0:
            count = 10
    reply = _stream_header(stream)
    reply[b"entries"] = _range(stream, ZERO_ID, MAX_ID, count)
    groups = []
    for name in sorted(stream.groups):
        group = stream.groups[name]
        pending = [
            [format_id(stream_id), entry.consumer.name, entry.delivered, entry.count]
            for stream_id, entry in _first(group.pending.items(), count)
        ]
        consumers = []
        for consumer_name in sorted(group.consumers):
            consumer = group.consumers[consumer_name]
            consumers.append(
                {
                    b"name": consumer_name,
                    b"seen-time": consumer.seen,
                    b"pel-count": len(consumer.pending),
                    b"pending": [
                        [format_id(stream_id), entry.delivered, entry.count]
                        for stream_id, entry in _first(consumer.pending.items(), count)
                    ],
                }
            )
        groups.append(
            {
                b"name": name,
                b"last-delivered-id": format_id(group.last_id),
                b"entries-read": _reads(group),
                b"lag": stream.lag(group),
                b"pel-count": len(group.pending),
                b"pending": pending,
                b"consumers": consumers,
            }
        )
    reply[b"groups"] = groups
    return reply


def _first(items, count):
    out = []
    for item in items:
        if count and len(out) == count:
            break
        out.append(item)
    return out


def _reads(group):
    return None if group.entries_read == INVALID_READS else group.entries_read


@command(
    "xinfo|groups",
    3,
    "readonly",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RO access", Index(2), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def xinfo_groups(session, argv):
    """Describe the consumer groups of a stream."""
    stream = _info_stream(session, argv[2])
    return [
        {
            b"name": name,
            b"consumers": len(group.consumers),
            b"pending": len(group.pending),
            b"last-delivered-id": format_id(group.last_id),
            b"entries-read": _reads(group),
            b"lag": stream.lag(group),
        }
        for name, group in sorted(stream.groups.items())
    ]


@command(
    "xinfo|consumers",
    4,
    "readonly",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RO access", Index(2), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("groupname")],
    tips="nondeterministic_output",
)
def xinfo_consumers(session, argv):
    """Describe the consumers of a group."""
    stream = _info_stream(session, argv[2])
    group = stream.groups.get(argv[3])
    if group is None:
        raise ReplyError(
            "NOGROUP No such consumer group '%s' for key name '%s'"
            % (_text(argv[3]), _text(argv[2]))
        )
    now = session.server.store.clock_ms()
    return [
        {
            b"name": name,
            b"pending": len(consumer.pending),
            b"idle": max(0, now - consumer.seen),
        }
        for name, consumer in sorted(group.consumers.items())
    ]


@command("xinfo|help", 2, "loading stale", group="stream", since="5.0.0", acl="stream")
def xinfo_help(session, argv):
    """List the subcommands of XINFO."""
    return help_reply(_XINFO_HELP)


@command(
    "xsetid",
    -3,
    "write denyoom fast",
    group="stream",
    since="5.0.0",
    acl="stream",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("last-id"),
        Arg(
            "entries_added",
            "integer",
            token="ENTRIESADDED",
            flags="optional",
            since="7.0.0",
        ),
        Arg(
            "max_deleted_entry_id",
            token="MAXDELETEDID",
            flags="optional",
            since="7.0.0",
        ),
    ],
)
def xsetid(session, argv):
    """Set a stream's last ID, entries-added counter and greatest deleted ID."""
    last = strict_id(argv[2])
    entries_added = -1
    max_deleted = ZERO_ID
    i = 3
    while i < len(argv):
        more = len(argv) - 1 - i
        option = argv[i].lower()
        if option == b"entriesadded" and more:
            entries_added = parse_int(argv[i + 1])
            if entries_added < 0:
                raise ReplyError("ERR entries_added must be positive")
        elif option == b"maxdeletedid" and more:
            max_deleted = strict_id(argv[i + 1])
            if last < max_deleted:
                raise ReplyError(
                    "ERR The ID specified in XSETID is smaller than the provided "
                    "max_deleted_entry_id"
                )
        else:
            raise ReplyError(SYNTAX)
        i += 2
    db = session.db
    stream = _stream(db, argv[1])
    if stream is None:
        raise ReplyError(NO_SUCH_KEY)
    if stream.entries:
        if last < stream.top_id():
            raise ReplyError(
                "ERR The ID specified in XSETID is smaller than the target stream "
                "top item"
            )
        if entries_added != -1 and len(stream) > entries_added:
            raise ReplyError(
                "ERR The entries_added specified in XSETID is smaller than the "
                "target stream length"
            )
    if last < stream.max_deleted:
        raise ReplyError(
            "ERR The ID specified in XSETID is smaller than current "
            "max_deleted_entry_id"
        )
    stream.last_id = last
    if entries_added != -1:
        stream.entries_added = entries_added
    if max_deleted != ZERO_ID:
        stream.max_deleted = max_deleted
    db.store.dirty += 1  # no WATCH nor tracking, as in Redis
    notify(db, STREAM, b"xsetid", argv[1])
    return OK
