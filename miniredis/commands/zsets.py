"""
Sorted set commands (Redis's t_zset.c): ZADD and its kin, ranges by rank,
score and lex, pops (blocking ones too), set operations and ZSCAN.

Scores are Python floats; the encoder writes them as RESP3 doubles or RESP2
bulk strings. Where Redis answers pairs, RESP2 gets them flattened and
RESP3 as two-element arrays: L{Pairs} replies, shaped by the encoder.
"""

import math
import random

from miniredis.commands import command
from miniredis.commands.parsing import (
    LIMIT_NEGATIVE,
    LLONG_MAX,
    NOT_FLOAT,
    SYNTAX,
    parse_int,
    parse_int_at_least,
    parse_mpop,
    parse_pop_count,
    parse_timeout,
    strtod,
)
from miniredis.commands.randompick import random_picks
from miniredis.commands.spec import (
    Arg,
    Block,
    Index,
    Keynum,
    KeySpec,
    OneOf,
    Range,
    Token,
)
from miniredis.glob import matcher
from miniredis.notifications import notify
from miniredis.resp import NULL_ARRAY, Pairs, ReplyError, format_double
from miniredis.scan import parse_cursor, parse_options
from miniredis.store import WRONGTYPE
from miniredis.waits import pop_or_wait
from miniredis.zset import ZSet

NOT_FLOAT_RANGE = "ERR min or max is not a float"
NOT_LEX_RANGE = "ERR min or max not valid string range item"
NAN_SCORE = "ERR resulting score is not a number (NaN)"

# ---------------------------------------------------------------- numbers

_C_SPACE = b" \t\n\v\f\r"


def parse_score(raw, error=NOT_FLOAT):
    """
    Parse a score, a weight or an increment as Redis does: all of C{raw}
    must be a number, not NaN and within a double's range.

    @raise ReplyError: C{error} otherwise.
    """
    if len(raw) < 300:  # the common cases, plain decimals, read at once
        if raw.isdigit():
            return float(raw)
        digits = raw[1:] if raw[:1] == b"-" else raw
        if digits.replace(b".", b"", 1).isdigit():
            return float(raw)
    if raw and raw[0] not in _C_SPACE:
        value, end, out_of_range = strtod(raw)
        if end == len(raw) and not out_of_range and value == value:
            return value
    raise ReplyError(error)


def score_bound(raw):
    """
    Parse one end of a score range: C{(1.5} is exclusive, C{inf} and
    C{-inf} are allowed, and (as in Redis) so is an empty number.

    @return: C{(value, exclusive)}.
    """
    exclusive = raw[:1] == b"("
    text = (raw[1:] if exclusive else raw).split(b"\x00", 1)[0]
    value, end, _ = strtod(text)
    if end != len(text) or value != value:
        raise ReplyError(NOT_FLOAT_RANGE)
    return value, exclusive


def lex_bound(raw):
    """
    Parse one end of a lex range: C{[a} inclusive, C{(a} exclusive, C{-}
    and C{+} the ends.

    @return: C{(kind, member)}, C{kind} one of C{b"-+[("}.
    """
    kind = raw[:1]
    if kind in (b"-", b"+") and raw[1:2] in (b"", b"\x00"):
        return kind, b""
    if kind in (b"[", b"("):
        return kind, raw[1:]
    raise ReplyError(NOT_LEX_RANGE)


def d2string(value):
    """Write a score as a listpack holds it (what ZSCAN gives of a listpack)."""
    if math.isinf(value):
        return b"inf" if value > 0 else b"-inf"
    if value == 0:
        return b"-0" if math.copysign(1.0, value) < 0 else b"0"
    if -_HALF_LONG <= value <= _HALF_LONG and value == int(value):
        return b"%d" % int(value)
    return b"%.17g" % value


_HALF_LONG = float(LLONG_MAX // 2)

# ---------------------------------------------------------------- helpers


def listpack_limits(session):
    """
    @return: the thresholds of a sorted set's listpack (entries, longest
        member), as the server's L{Conversions} keeps them.
    """
    limits = session.server.conversions.limits
    return limits["zset-max-listpack-entries"], limits["zset-max-listpack-value"]


def _insert(zs, member, score, limits):
    """
    Add or update C{member}, switching C{zs} from listpack to skiplist when
    Redis would; a listpack keeps no negative zero.
    """
    if zs.compact and (
        len(member) > limits[1] or member not in zs.scores and len(zs) >= limits[0]
    ):
        zs.compact = False
    if zs.compact and score == 0:
        score = 0.0
    zs.add(member, score)


def fit_listpack(zs, limits):
    """Make a computed result a listpack when it is small enough."""
    zs.compact = len(zs) <= limits[0] and all(len(m) <= limits[1] for m in zs.scores)
    if zs.compact:
        for member, score in list(zs.scores.items()):
            if score == 0:
                zs.remove(member)
                zs.add(member, 0.0)


def _flat(pairs):
    """C{(score, member)} pairs as C{[member, score, ...]}."""
    out = []
    for score, member in pairs:
        out.append(member)
        out.append(score)
    return out


def _nested(pairs):
    """C{(score, member)} pairs as C{[[member, score], ...]} in every protocol."""
    return [[member, score] for score, member in pairs]


def _scored(pairs):
    """The WITHSCORES shape: flat under RESP2, pairs under RESP3."""
    return Pairs([member, score] for score, member in pairs)


def store_result(session, key, zs, event):
    """
    Store a computed result at C{key} (or delete C{key} if it is empty);
    report C{event} (or C{del}).
    """
    db = session.db
    if not zs:
        if db.delete(key):
            notify(db, "g", b"del", key)
        return 0
    db.set(key, zs)
    notify(db, "z", event, key)
    db.signal_ready(key)
    return len(zs)


def _changed(db, key, zs, event):
    """
    Note an in-place change of C{zs} by C{event}; drop the key if it
    emptied.
    """
    if db.store.events:
        notify(db, "z", event, key)
    db.modified(key)
    db.remove_if_empty(key, zs)


# ---------------------------------------------------------------- ranges


def _walk(zs, span, reverse, offset, limit):
    """
    @param span: C{(start, stop)} ranks.
    @param limit: how many at most; negative for all.
    @return: the C{(score, member)} pairs of C{span} in the direction
        asked, after skipping C{offset}.
    """
    start, stop = span
    if offset < 0:
        return []
    if reverse:
        stop -= offset
        if limit >= 0:
            start = max(start, stop - limit)
    else:
        start += offset
        if limit >= 0:
            stop = min(stop, start + limit)
    if start >= stop:
        return []
    return list(zs.order.islice(start, stop, reverse=reverse))


def _rank_span(length, start, end):
    """Redis's index sanitizing: @return: C{(start, stop)} ranks."""
    if start < 0:
        start += length
    if end < 0:
        end += length
    start = max(start, 0)
    if start > end or start >= length:
        return 0, 0
    return start, min(end, length - 1) + 1


def _above_min(member, low):
    kind, value = low
    if kind == b"-":
        return True
    if kind == b"+":
        return False
    return member > value if kind == b"(" else member >= value


def _below_max(member, high):
    kind, value = high
    if kind == b"+":
        return True
    if kind == b"-":
        return False
    return member < value if kind == b"(" else member <= value


def _lex_empty(low, high):
    """Whether a lex range holds nothing whatever the members."""
    rank = {b"-": 0, b"+": 2}

    def key(bound):
        return rank.get(bound[0], 1), bound[1]

    if key(low) != key(high):
        return key(low) > key(high)
    return low[0] != b"[" or high[0] != b"["


def _lex_span(zs, low, high):
    """The ranks of a lex range in a set whose scores are all equal."""
    if not zs:
        return 0, 0
    kind, value = low
    if kind in (b"-", b"+"):
        start = 0 if kind == b"-" else len(zs)
    else:
        start = zs.member_bisect(value, after=kind == b"(")
    kind, value = high
    if kind in (b"-", b"+"):
        stop = 0 if kind == b"-" else len(zs)
    else:
        stop = zs.member_bisect(value, after=kind == b"[")
    return start, max(start, stop)


def _lex_scan(zs, low, high, reverse, offset, limit):
    """
    A lex range of a set with several scores: Redis's walk of a listpack,
    in score order from the first member in range while members stay in
    range (no meaningful answer exists; this is the one Redis gives for
    small sets).
    """
    pairs = list(zs.order)
    if (
        not pairs
        or _lex_empty(low, high)
        or not _above_min(pairs[-1][1], low)
        or not _below_max(pairs[0][1], high)
        or offset < 0
    ):
        return []
    if reverse:
        i, step = len(pairs) - 1, -1
        while not _below_max(pairs[i][1], high):
            i -= 1
    else:
        i, step = 0, 1
        while not _above_min(pairs[i][1], low):
            i += 1
    if not (_above_min(pairs[i][1], low) and _below_max(pairs[i][1], high)):
        return []
    i += step * offset
    out = []
    while 0 <= i < len(pairs) and len(out) != limit:
        member = pairs[i][1]
        if not (_above_min(member, low) if reverse else _below_max(member, high)):
            break
        out.append(pairs[i])
        i += step
    return out


def lex_range(zs, low, high, reverse=False, offset=0, limit=-1):
    """@return: the C{(score, member)} pairs of a lex range, as Redis walks it."""
    if zs.uniform():
        return _walk(zs, _lex_span(zs, low, high), reverse, offset, limit)
    return _lex_scan(zs, low, high, reverse, offset, limit)


def score_range(zs, bounds, reverse=False, offset=0, limit=-1):
    """@return: the C{(score, member)} pairs within C{(low, low_ex, high, high_ex)}."""
    return _walk(zs, zs.score_span(*bounds), reverse, offset, limit)


def _parse_bounds(kind, low, high):
    if kind == "rank":
        return parse_int(low), parse_int(high)
    if kind == "score":
        return score_bound(low) + score_bound(high)
    return lex_bound(low), lex_bound(high)


def _select(zs, kind, bounds, reverse, offset, limit):
    """@return: the C{(score, member)} pairs a ZRANGE asks for."""
    if kind == "rank":
        start, stop = _rank_span(len(zs), *bounds)
        if reverse:
            start, stop = len(zs) - stop, len(zs) - start
        return _walk(zs, (start, stop), reverse, 0, -1)
    if kind == "score":
        return score_range(zs, bounds, reverse, offset, limit)
    return lex_range(zs, bounds[0], bounds[1], reverse, offset, limit)


def _zrange(session, argv, at, kind=None, reverse=None, destination=None):
    """
    The ZRANGE family.

    @param at: the index of the source key; min and max follow it.
    @param kind: C{"rank"}, C{"score"} or C{"lex"}; None lets BYSCORE or
        BYLEX choose. C{reverse} likewise, None lets REV choose.
    @param destination: the key ZRANGESTORE writes, else None.
    """
    withscores = False
    offset, limit = 0, -1
    i = at + 3
    while i < len(argv):
        option = argv[i].lower()
        if option == b"withscores" and destination is None:
            withscores = True
        elif option == b"limit" and len(argv) - i > 2:
            offset, limit = parse_int(argv[i + 1]), parse_int(argv[i + 2])
            i += 2
        elif option == b"rev" and reverse is None:
            reverse = True
        elif option in (b"bylex", b"byscore") and kind is None:
            kind = "lex" if option == b"bylex" else "score"
        else:
            raise ReplyError(SYNTAX)
        i += 1
    kind = kind or "rank"
    reverse = bool(reverse)
    if limit != -1 and kind == "rank":
        raise ReplyError(
            "ERR syntax error, LIMIT is only supported in combination with "
            "either BYSCORE or BYLEX"
        )
    if withscores and kind == "lex":
        raise ReplyError(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
        )
    low, high = argv[at + 1], argv[at + 2]
    if reverse and kind != "rank":
        low, high = high, low
    bounds = _parse_bounds(kind, low, high)
    zs = session.db.get_typed(argv[at], ZSet)
    if zs is None:
        session.db.read_miss(argv[at])
    pairs = [] if zs is None else _select(zs, kind, bounds, reverse, offset, limit)
    if destination is None:
        return _scored(pairs) if withscores else [m for _, m in pairs]
    limits = listpack_limits(session)
    result = ZSet()
    result.compact = kind != "rank" or len(pairs) <= limits[0]
    for score, member in pairs:
        _insert(result, member, score, limits)
    return store_result(session, destination, result, b"zrangestore")


@command(
    "zrange",
    -4,
    "readonly",
    group="sorted-set",
    since="1.2.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("start"),
        Arg("stop"),
        OneOf(
            "sortby", Token("BYSCORE"), Token("BYLEX"), flags="optional", since="6.2.0"
        ),
        Token("REV", flags="optional", since="6.2.0"),
        Block(
            "offset_count",
            Arg("offset", "integer"),
            Arg("count", "integer"),
            token="LIMIT",
            flags="optional",
            since="6.2.0",
        ),
        Token("WITHSCORES", flags="optional"),
    ],
)
def zrange(session, argv):
    """Read members of a sorted set by rank, score or name range."""
    return _zrange(session, argv, 1)


@command(
    "zrangestore",
    -5,
    "write denyoom",
    group="sorted-set",
    since="6.2.0",
    acl="sortedset",
    keys=[
        KeySpec("OW update", Index(1), Range(0)),
        KeySpec("RO access", Index(2), Range(0)),
    ],
    args=[
        Arg("dst", "key", key_spec=0),
        Arg("src", "key", key_spec=1),
        Arg("min"),
        Arg("max"),
        OneOf("sortby", Token("BYSCORE"), Token("BYLEX"), flags="optional"),
        Token("REV", flags="optional"),
        Block(
            "offset_count",
            Arg("offset", "integer"),
            Arg("count", "integer"),
            token="LIMIT",
            flags="optional",
        ),
    ],
)
def zrangestore(session, argv):
    """Copy a range of a sorted set into another key."""
    return _zrange(session, argv, 2, destination=argv[1])


@command(
    "zrevrange",
    -4,
    "readonly",
    group="sorted-set",
    since="1.2.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("start", "integer"),
        Arg("stop", "integer"),
        Token("WITHSCORES", flags="optional"),
    ],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`ZRANGE` with the `REV` argument",
)
def zrevrange(session, argv):
    """Read members of a sorted set by rank, from the highest score down."""
    return _zrange(session, argv, 1, "rank", True)


@command(
    "zrangebyscore",
    -4,
    "readonly",
    group="sorted-set",
    since="1.0.5",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("min", "double"),
        Arg("max", "double"),
        Token("WITHSCORES", flags="optional", since="2.0.0"),
        Block(
            "offset_count",
            Arg("offset", "integer"),
            Arg("count", "integer"),
            token="LIMIT",
            flags="optional",
        ),
    ],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`ZRANGE` with the `BYSCORE` argument",
)
def zrangebyscore(session, argv):
    """Read the members of a sorted set whose scores are in a range."""
    return _zrange(session, argv, 1, "score", False)


@command(
    "zrevrangebyscore",
    -4,
    "readonly",
    group="sorted-set",
    since="2.2.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("max", "double"),
        Arg("min", "double"),
        Token("WITHSCORES", flags="optional"),
        Block(
            "offset_count",
            Arg("offset", "integer"),
            Arg("count", "integer"),
            token="LIMIT",
            flags="optional",
        ),
    ],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`ZRANGE` with the `REV` and `BYSCORE` arguments",
)
def zrevrangebyscore(session, argv):
    """Read the members whose scores are in a range, highest first."""
    return _zrange(session, argv, 1, "score", True)


@command(
    "zrangebylex",
    -4,
    "readonly",
    group="sorted-set",
    since="2.8.9",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("min"),
        Arg("max"),
        Block(
            "offset_count",
            Arg("offset", "integer"),
            Arg("count", "integer"),
            token="LIMIT",
            flags="optional",
        ),
    ],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`ZRANGE` with the `BYLEX` argument",
)
def zrangebylex(session, argv):
    """Read the members of a sorted set between two names (equal scores)."""
    return _zrange(session, argv, 1, "lex", False)


@command(
    "zrevrangebylex",
    -4,
    "readonly",
    group="sorted-set",
    since="2.8.9",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("max"),
        Arg("min"),
        Block(
            "offset_count",
            Arg("offset", "integer"),
            Arg("count", "integer"),
            token="LIMIT",
            flags="optional",
        ),
    ],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`ZRANGE` with the `REV` and `BYLEX` arguments",
)
def zrevrangebylex(session, argv):
    """Read the members between two names, in reverse order."""
    return _zrange(session, argv, 1, "lex", True)


# ---------------------------------------------------------------- adding

_ZADD_FLAGS = frozenset([b"nx", b"xx", b"ch", b"incr", b"gt", b"lt"])


_NO_FLAGS = frozenset()


@command(
    "zadd",
    -4,
    "write denyoom fast",
    group="sorted-set",
    since="1.2.0",
    acl="sortedset",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        OneOf("condition", Token("NX"), Token("XX"), flags="optional", since="3.0.2"),
        OneOf("comparison", Token("GT"), Token("LT"), flags="optional", since="6.2.0"),
        Arg("change", "pure-token", token="CH", flags="optional", since="3.0.2"),
        Arg("increment", "pure-token", token="INCR", flags="optional", since="3.0.2"),
        Block("score_member", Arg("score", "double"), Arg("member"), flags="multiple"),
    ],
)
def zadd(session, argv):
    """Add members with scores to a sorted set, or change their scores."""
    if len(argv) == 4 and argv[2].lower() not in _ZADD_FLAGS:  # one, no flags
        return add_scores(
            session, argv[1], [(parse_score(argv[2]), argv[3])], _NO_FLAGS
        )
    flags = set()
    i = 2
    while i < len(argv) and argv[i].lower() in _ZADD_FLAGS:
        flags.add(argv[i].lower())
        i += 1
    rest = argv[i:]
    if not rest or len(rest) % 2:
        raise ReplyError(SYNTAX)
    if b"nx" in flags and b"xx" in flags:
        raise ReplyError("ERR XX and NX options at the same time are not compatible")
    if len(flags & {b"nx", b"gt", b"lt"}) > 1:
        raise ReplyError(
            "ERR GT, LT, and/or NX options at the same time are not compatible"
        )
    if b"incr" in flags and len(rest) > 2:
        raise ReplyError("ERR INCR option supports a single increment-element pair")
    scores = [parse_score(raw) for raw in rest[0::2]]
    return add_scores(session, argv[1], list(zip(scores, rest[1::2])), flags)


@command(
    "zincrby",
    4,
    "write denyoom fast",
    group="sorted-set",
    since="1.2.0",
    acl="sortedset",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("increment", "integer"), Arg("member")],
)
def zincrby(session, argv):
    """Add to the score of a member of a sorted set."""
    return add_scores(session, argv[1], [(parse_score(argv[2]), argv[3])], {b"incr"})


def add_scores(session, key, elements, flags):
    """
    Add or update C{(score, member)} elements under ZADD's C{flags}.

    @return: ZADD's reply: a count, or with INCR the new score or null.
    """
    db = session.db
    zs = db.get_typed(key, ZSet)
    incr = b"incr" in flags
    created = zs is None
    if created:
        if b"xx" in flags:
            return None if incr else 0
        zs = ZSet()
    limits = listpack_limits(session)
    added = updated = 0
    result = None
    for score, member in elements:
        current = zs.scores.get(member)
        if current is None:
            if b"xx" in flags:
                continue
            added += 1
        else:
            if b"nx" in flags:
                continue
            if incr:
                score += current
                if score != score:
                    raise ReplyError(NAN_SCORE)
            if (
                b"lt" in flags
                and score >= current
                or b"gt" in flags
                and score <= current
            ):
                continue
            if score != current:
                updated += 1
        result = score
        _insert(zs, member, score, limits)
    if created:
        db.set(key, zs)
        db.signal_ready(key)
    elif added or updated:
        db.modified(key)
    if (added or updated) and db.store.events:
        notify(db, "z", b"zincr" if incr else b"zadd", key)
    if incr:
        return result
    return added + updated if b"ch" in flags else added


# ---------------------------------------------------------------- reading


@command(
    "zcard",
    2,
    "readonly fast",
    group="sorted-set",
    since="1.2.0",
    acl="sortedset",
    keys=[KeySpec("RO", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0)],
)
def zcard(session, argv):
    """Count the members of a sorted set."""
    zs = session.db.get_typed(argv[1], ZSet)
    return 0 if zs is None else len(zs)


@command(
    "zscore",
    3,
    "readonly fast",
    group="sorted-set",
    since="1.2.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member")],
)
def zscore(session, argv):
    """Read the score of a member of a sorted set."""
    zs = session.db.get_typed(argv[1], ZSet)
    return None if zs is None else zs.scores.get(argv[2])


@command(
    "zmscore",
    -3,
    "readonly fast",
    group="sorted-set",
    since="6.2.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member", flags="multiple")],
)
def zmscore(session, argv):
    """Read the scores of several members of a sorted set."""
    zs = session.db.get_typed(argv[1], ZSet)
    scores = {} if zs is None else zs.scores
    return [scores.get(member) for member in argv[2:]]


def _rank(session, argv, reverse):
    zs = session.db.get_typed(argv[1], ZSet)
    rank = None if zs is None else zs.rank(argv[2])
    if rank is None or not reverse:
        return rank
    return len(zs) - 1 - rank


@command(
    "zrank",
    3,
    "readonly fast",
    group="sorted-set",
    since="2.0.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member")],
)
def zrank(session, argv):
    """Tell the rank of a member, counting from the lowest score."""
    return _rank(session, argv, False)


@command(
    "zrevrank",
    3,
    "readonly fast",
    group="sorted-set",
    since="2.0.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member")],
)
def zrevrank(session, argv):
    """Tell the rank of a member, counting from the highest score."""
    return _rank(session, argv, True)


@command(
    "zcount",
    4,
    "readonly fast",
    group="sorted-set",
    since="2.0.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("min", "double"), Arg("max", "double")],
)
def zcount(session, argv):
    """Count the members of a sorted set whose scores are in a range."""
    bounds = score_bound(argv[2]) + score_bound(argv[3])
    zs = session.db.get_typed(argv[1], ZSet)
    if zs is None:
        return 0
    start, stop = zs.score_span(*bounds)
    return stop - start


@command(
    "zlexcount",
    4,
    "readonly fast",
    group="sorted-set",
    since="2.8.9",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("min"), Arg("max")],
)
def zlexcount(session, argv):
    """Count the members of a sorted set between two names (equal scores)."""
    low, high = lex_bound(argv[2]), lex_bound(argv[3])
    zs = session.db.get_typed(argv[1], ZSet)
    if zs is None:
        return 0
    if zs.uniform():
        start, stop = _lex_span(zs, low, high)
        return stop - start
    return len(_lex_scan(zs, low, high, False, 0, -1))


@command(
    "zrandmember",
    -2,
    "readonly",
    group="sorted-set",
    since="6.2.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Block(
            "options",
            Arg("count", "integer"),
            Token("WITHSCORES", flags="optional"),
            flags="optional",
        ),
    ],
    tips="nondeterministic_output",
)
def zrandmember(session, argv):
    """Pick members of a sorted set at random, with or without scores."""
    if len(argv) == 2:
        zs = session.db.get_typed(argv[1], ZSet)
        return None if zs is None else zs.order[random.randrange(len(zs))][1]
    count = parse_int(argv[2])
    if not -LLONG_MAX <= count <= LLONG_MAX:
        raise ReplyError(
            "ERR value is out of range, value must between %d and %d"
            % (-LLONG_MAX, LLONG_MAX)
        )
    if len(argv) > 4 or len(argv) == 4 and argv[3].lower() != b"withscores":
        raise ReplyError(SYNTAX)
    withscores = len(argv) == 4
    if withscores and not -(LLONG_MAX // 2) <= count <= LLONG_MAX // 2:
        raise ReplyError("ERR value is out of range")
    zs = session.db.get_typed(argv[1], ZSet)
    if zs is None or count == 0:
        return []
    pairs = random_picks(zs.order, count)
    return _scored(pairs) if withscores else [m for _, m in pairs]


@command(
    "zscan",
    -3,
    "readonly",
    group="sorted-set",
    since="2.8.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("cursor", "integer"),
        Arg("pattern", "pattern", token="MATCH", flags="optional"),
        Arg("count", "integer", token="COUNT", flags="optional"),
    ],
    tips="nondeterministic_output",
)
def zscan(session, argv):
    """Walk the members of a sorted set a few at a time with a cursor."""
    cursor = parse_cursor(argv[2])
    zs = session.db.get_typed(argv[1], ZSet)
    if zs is None:
        return [b"0", []]
    pattern, count, _ = parse_options(argv, 3)
    listpack = zs.is_listpack(*listpack_limits(session))
    if listpack:
        cursor, page = 0, [member for _, member in zs.order]
    else:
        cursor, page = session.server.cursors.page(
            cursor, lambda: list(zs.scores), count
        )
    match = matcher(pattern) if pattern is not None else None
    text = d2string if listpack else format_double
    found = []
    for member in page:
        score = zs.scores.get(member)
        if score is not None and (match is None or match(member)):
            found.append(member)
            found.append(text(score))
    return [b"%d" % cursor, found]


# ---------------------------------------------------------------- removing


@command(
    "zrem",
    -3,
    "write fast",
    group="sorted-set",
    since="1.2.0",
    acl="sortedset",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member", flags="multiple")],
)
def zrem(session, argv):
    """Remove members from a sorted set; answers how many were there."""
    db = session.db
    zs = db.get_typed(argv[1], ZSet)
    if zs is None:
        return 0
    removed = sum(zs.remove(member) for member in argv[2:])
    if removed:
        _changed(db, argv[1], zs, b"zrem")
    return removed


def _zremrange(session, argv, kind):
    bounds = _parse_bounds(kind, argv[2], argv[3])
    db = session.db
    zs = db.get_typed(argv[1], ZSet)
    if zs is None:
        return 0
    if kind == "rank":
        removed = zs.remove_span(*_rank_span(len(zs), *bounds))
    elif kind == "score":
        removed = zs.remove_span(*zs.score_span(*bounds))
    elif zs.uniform():
        removed = zs.remove_span(*_lex_span(zs, *bounds))
    else:
        pairs = _lex_scan(zs, bounds[0], bounds[1], False, 0, -1)
        removed = sum(zs.remove(member) for _, member in pairs)
    if removed:
        _changed(db, argv[1], zs, b"zremrangeby" + kind.encode())
    return removed


@command(
    "zremrangebyrank",
    4,
    "write",
    group="sorted-set",
    since="2.0.0",
    acl="sortedset",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("start", "integer"),
        Arg("stop", "integer"),
    ],
)
def zremrangebyrank(session, argv):
    """Remove the members of a sorted set between two ranks."""
    return _zremrange(session, argv, "rank")


@command(
    "zremrangebyscore",
    4,
    "write",
    group="sorted-set",
    since="1.2.0",
    acl="sortedset",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("min", "double"), Arg("max", "double")],
)
def zremrangebyscore(session, argv):
    """Remove the members of a sorted set whose scores are in a range."""
    return _zremrange(session, argv, "score")


@command(
    "zremrangebylex",
    4,
    "write",
    group="sorted-set",
    since="2.8.9",
    acl="sortedset",
    keys=[KeySpec("RW delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("min"), Arg("max")],
)
def zremrangebylex(session, argv):
    """Remove the members of a sorted set between two names."""
    return _zremrange(session, argv, "lex")


# ---------------------------------------------------------------- pops


def _pop(db, key, zs, highest, count):
    """Pop up to C{count} pairs from one end; @return: C{(score, member)} pairs."""
    index = -1 if highest else 0
    pairs = [zs.pop(index) for _ in range(min(count, len(zs)))]
    _changed(db, key, zs, b"zpopmax" if highest else b"zpopmin")
    return pairs


def _pop_log(key, highest, count):
    """The command persistence logs for a pop: ZPOPMIN/ZPOPMAX [count]."""
    argv = [b"ZPOPMAX" if highest else b"ZPOPMIN", key]
    if count is not None:
        argv.append(b"%d" % count)
    return argv


def _zpop(session, argv, highest):
    count = parse_pop_count(argv)
    db = session.db
    zs = db.get_typed(argv[1], ZSet)
    if zs is None or count == 0:
        return []
    pairs = _pop(db, argv[1], zs, highest, 1 if count is None else count)
    return _flat(pairs) if count is None else _scored(pairs)


@command(
    "zpopmin",
    -2,
    "write fast",
    group="sorted-set",
    since="5.0.0",
    acl="sortedset",
    keys=[KeySpec("RW access delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("count", "integer", flags="optional")],
)
def zpopmin(session, argv):
    """Take the lowest-scored members out of a sorted set."""
    return _zpop(session, argv, False)


@command(
    "zpopmax",
    -2,
    "write fast",
    group="sorted-set",
    since="5.0.0",
    acl="sortedset",
    keys=[KeySpec("RW access delete", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("count", "integer", flags="optional")],
)
def zpopmax(session, argv):
    """Take the highest-scored members out of a sorted set."""
    return _zpop(session, argv, True)


_MAX_MIN = (b"max", b"min")


def _first_zset(db, keys):
    """@return: C{(key, zset)} of the first key holding a zset, or None."""
    for key in keys:
        zs = db.get_typed(key, ZSet)
        if zs is not None:
            return key, zs
    return None


def _mpop_reply(key, pairs):
    return [key, _nested(pairs)]


def _bzpop_reply(key, pairs):
    return [key] + _flat(pairs)


@command(
    "zmpop",
    -4,
    "write",
    group="sorted-set",
    since="7.0.0",
    acl="sortedset",
    keys=[KeySpec("RW access delete", Index(1), Keynum(0, 1, 1))],
    args=[
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=0),
        OneOf("where", Token("MIN"), Token("MAX")),
        Arg("count", "integer", token="COUNT", flags="optional"),
    ],
)
def zmpop(session, argv):
    """Pop members from the first of several sorted sets that has any."""
    keys, highest, count = parse_mpop(argv, 1, _MAX_MIN)
    found = _first_zset(session.db, keys)
    if found is None:
        return NULL_ARRAY
    key, zs = found
    session.rewrite(_pop_log(key, highest, count))
    return _mpop_reply(key, _pop(session.db, key, zs, highest, count))


def _blocking_pop(session, keys, highest, count, timeout, reply):
    """
    Pop from the first key holding a zset, or block until one of C{keys}
    gets one.

    @param count: how many to pop, None for BZPOPMIN's single pair.
    @param reply: C{reply(key, pairs)} builds the answer.
    """

    def first(db, keys):
        return _first_zset(db, keys) or (None, None)

    def pop(db, key, zs):
        if type(zs) is not ZSet:
            return None
        pairs = _pop(db, key, zs, highest, count or 1)
        logged = _pop_log(key, highest, None if count is None else len(pairs))
        return reply(key, pairs), logged

    return pop_or_wait(session, keys, timeout, first, pop)


@command(
    "bzpopmin",
    -3,
    "write noscript blocking fast",
    group="sorted-set",
    since="5.0.0",
    acl="sortedset",
    keys=[KeySpec("RW access delete", Index(1), Range(-2))],
    args=[Arg("key", "key", flags="multiple", key_spec=0), Arg("timeout", "double")],
)
def bzpopmin(session, argv):
    """Pop the lowest-scored member of the first non-empty sorted set, or wait."""
    timeout = parse_timeout(argv[-1])
    return _blocking_pop(session, argv[1:-1], False, None, timeout, _bzpop_reply)


@command(
    "bzpopmax",
    -3,
    "write noscript blocking fast",
    group="sorted-set",
    since="5.0.0",
    acl="sortedset",
    keys=[KeySpec("RW access delete", Index(1), Range(-2))],
    args=[Arg("key", "key", flags="multiple", key_spec=0), Arg("timeout", "double")],
)
def bzpopmax(session, argv):
    """Pop the highest-scored member of the first non-empty sorted set, or wait."""
    timeout = parse_timeout(argv[-1])
    return _blocking_pop(session, argv[1:-1], True, None, timeout, _bzpop_reply)


@command(
    "bzmpop",
    -5,
    "write blocking",
    group="sorted-set",
    since="7.0.0",
    acl="sortedset",
    keys=[KeySpec("RW access delete", Index(2), Keynum(0, 1, 1))],
    args=[
        Arg("timeout", "double"),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=0),
        OneOf("where", Token("MIN"), Token("MAX")),
        Arg("count", "integer", token="COUNT", flags="optional"),
    ],
)
def bzmpop(session, argv):
    """Pop members from the first non-empty sorted set, waiting if all are empty."""
    keys, highest, count = parse_mpop(argv, 2, _MAX_MIN)
    timeout = parse_timeout(argv[1])
    return _blocking_pop(session, keys, highest, count, timeout, _mpop_reply)


# ---------------------------------------------------------------- set operations


def _sources(session, argv, at, name):
    """
    Read C{numkeys key...} at C{at}: each key as a mapping member -> score
    (a plain set's members score 1).

    @return: the list of mappings.
    """
    numkeys = parse_int(argv[at])
    if numkeys < 1:
        raise ReplyError(
            "ERR at least 1 input key is needed for '%s' command" % (name,)
        )
    if numkeys > len(argv) - at - 1:
        raise ReplyError(SYNTAX)
    db = session.db
    sources = []
    for key in argv[at + 1 : at + 1 + numkeys]:
        value = db.lookup(key)
        if value is None:
            db.read_miss(key)
            sources.append({})
        elif type(value) is ZSet:
            sources.append(value.scores)
        elif type(value) is set:
            sources.append(dict.fromkeys(value, 1.0))
        else:
            raise ReplyError(WRONGTYPE)
    return sources


class _SetOp:
    """
    The options of ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD.

    @ivar weights: one per source. C{aggregate}: C{b"sum"}, C{b"min"} or
        C{b"max"}. C{withscores}: a bool. C{limit}: ZINTERCARD's, 0 for none.
    """

    def __init__(self, argv, at, count, weighted, withscores, cardinality):
        self.weights = [1.0] * count
        self.aggregate = b"sum"
        self.withscores = False
        self.limit = 0
        while at < len(argv):
            left = len(argv) - at
            option = argv[at].lower()
            if weighted and left > count and option == b"weights":
                self.weights = [
                    parse_score(raw, "ERR weight value is not a float")
                    for raw in argv[at + 1 : at + 1 + count]
                ]
                at += count + 1
            elif weighted and left >= 2 and option == b"aggregate":
                self.aggregate = argv[at + 1].lower()
                if self.aggregate not in (b"sum", b"min", b"max"):
                    raise ReplyError(SYNTAX)
                at += 2
            elif withscores and option == b"withscores":
                self.withscores = True
                at += 1
            elif cardinality and left >= 2 and option == b"limit":
                self.limit = parse_int_at_least(argv[at + 1], 0, LIMIT_NEGATIVE)
                at += 2
            else:
                raise ReplyError(SYNTAX)

    def combine(self, total, value):
        """Fold C{value} into C{total} as AGGREGATE says (a NaN sum is 0)."""
        if self.aggregate == b"sum":
            total += value
            return 0.0 if total != total else total
        if self.aggregate == b"min":
            return value if value < total else total
        return value if value > total else total


def _weighted(score, weight):
    value = weight * score
    return 0.0 if value != value else value


def _union(sources, op):
    result = {}
    for i in sorted(range(len(sources)), key=lambda i: len(sources[i])):
        weight = op.weights[i]
        for member, score in sources[i].items():
            value = _weighted(score, weight)
            total = result.get(member)
            result[member] = value if total is None else op.combine(total, value)
    return result


def _inter(sources, op):
    """The intersection; it stops at ZINTERCARD's LIMIT, if any."""
    ranked = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    first, rest = ranked[0], ranked[1:]
    result = {}
    for member, score in sources[first].items():
        total = _weighted(score, op.weights[first])
        for i in rest:
            other = sources[i].get(member)
            if other is None:
                break
            total = op.combine(total, other * op.weights[i])
        else:
            result[member] = total
            if len(result) == op.limit:
                break
    return result


def _diff(sources, op):
    first, rest = sources[0], sources[1:]
    return {
        member: score
        for member, score in first.items()
        if not any(member in other for other in rest)
    }


_OPERATIONS = {"zunion": _union, "zinter": _inter, "zdiff": _diff}


def _setop(session, argv, name, destination=None):
    """ZUNION, ZINTER, ZDIFF and (with C{destination}) their STORE forms."""
    at = 1 if destination is None else 2
    sources = _sources(session, argv, at, name)
    op = _SetOp(
        argv,
        at + 1 + len(sources),
        len(sources),
        weighted=not name.startswith("zdiff"),
        withscores=destination is None,
        cardinality=False,
    )
    result = _OPERATIONS[name.replace("store", "")](sources, op)
    if destination is None:
        pairs = sorted((score, member) for member, score in result.items())
        return _scored(pairs) if op.withscores else [m for _, m in pairs]
    zs = ZSet()
    for member, score in result.items():
        zs.add(member, score)
    fit_listpack(zs, listpack_limits(session))
    return store_result(session, destination, zs, name.encode())


@command(
    "zunion",
    -3,
    "readonly",
    group="sorted-set",
    since="6.2.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Keynum(0, 1, 1))],
    args=[
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=0),
        Arg("weight", "integer", token="WEIGHTS", flags="optional multiple"),
        OneOf(
            "aggregate",
            Token("SUM"),
            Token("MIN"),
            Token("MAX"),
            token="AGGREGATE",
            flags="optional",
        ),
        Token("WITHSCORES", flags="optional"),
    ],
)
def zunion(session, argv):
    """List the members found in any of the sorted sets, with combined scores."""
    return _setop(session, argv, "zunion")


@command(
    "zinter",
    -3,
    "readonly",
    group="sorted-set",
    since="6.2.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Keynum(0, 1, 1))],
    args=[
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=0),
        Arg("weight", "integer", token="WEIGHTS", flags="optional multiple"),
        OneOf(
            "aggregate",
            Token("SUM"),
            Token("MIN"),
            Token("MAX"),
            token="AGGREGATE",
            flags="optional",
        ),
        Token("WITHSCORES", flags="optional"),
    ],
)
def zinter(session, argv):
    """List the members common to all the sorted sets, with combined scores."""
    return _setop(session, argv, "zinter")


@command(
    "zdiff",
    -3,
    "readonly",
    group="sorted-set",
    since="6.2.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Keynum(0, 1, 1))],
    args=[
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=0),
        Token("WITHSCORES", flags="optional"),
    ],
)
def zdiff(session, argv):
    """List the members of the first sorted set that are in none of the others."""
    return _setop(session, argv, "zdiff")


@command(
    "zunionstore",
    -4,
    "write denyoom",
    group="sorted-set",
    since="2.0.0",
    acl="sortedset",
    keys=[
        KeySpec("OW update", Index(1), Range(0)),
        KeySpec("RO access", Index(2), Keynum(0, 1, 1)),
    ],
    args=[
        Arg("destination", "key", key_spec=0),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=1),
        Arg("weight", "integer", token="WEIGHTS", flags="optional multiple"),
        OneOf(
            "aggregate",
            Token("SUM"),
            Token("MIN"),
            Token("MAX"),
            token="AGGREGATE",
            flags="optional",
        ),
    ],
)
def zunionstore(session, argv):
    """Store the members found in any of the sorted sets, with combined scores."""
    return _setop(session, argv, "zunionstore", argv[1])


@command(
    "zinterstore",
    -4,
    "write denyoom",
    group="sorted-set",
    since="2.0.0",
    acl="sortedset",
    keys=[
        KeySpec("OW update", Index(1), Range(0)),
        KeySpec("RO access", Index(2), Keynum(0, 1, 1)),
    ],
    args=[
        Arg("destination", "key", key_spec=0),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=1),
        Arg("weight", "integer", token="WEIGHTS", flags="optional multiple"),
        OneOf(
            "aggregate",
            Token("SUM"),
            Token("MIN"),
            Token("MAX"),
            token="AGGREGATE",
            flags="optional",
        ),
    ],
)
def zinterstore(session, argv):
    """Store the members common to all the sorted sets, with combined scores."""
    return _setop(session, argv, "zinterstore", argv[1])


@command(
    "zdiffstore",
    -4,
    "write denyoom",
    group="sorted-set",
    since="6.2.0",
    acl="sortedset",
    keys=[
        KeySpec("OW update", Index(1), Range(0)),
        KeySpec("RO access", Index(2), Keynum(0, 1, 1)),
    ],
    args=[
        Arg("destination", "key", key_spec=0),
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=1),
    ],
)
def zdiffstore(session, argv):
    """Store the members of the first sorted set that are in none of the others."""
    return _setop(session, argv, "zdiffstore", argv[1])


@command(
    "zintercard",
    -3,
    "readonly",
    group="sorted-set",
    since="7.0.0",
    acl="sortedset",
    keys=[KeySpec("RO access", Index(1), Keynum(0, 1, 1))],
    args=[
        Arg("numkeys", "integer"),
        Arg("key", "key", flags="multiple", key_spec=0),
        Arg("limit", "integer", token="LIMIT", flags="optional"),
    ],
)
def zintercard(session, argv):
    """Count the members common to all the sorted sets, up to a limit."""
    sources = _sources(session, argv, 1, "zintercard")
    op = _SetOp(argv, 2 + len(sources), len(sources), False, False, True)
    return len(_inter(sources, op))
