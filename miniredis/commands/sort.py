"""
SORT and SORT_RO (Redis's sort.c): the elements of a list, set or sorted
set, sorted as numbers or as strings (ALPHA), by themselves or by weights
read from other keys (BY), cut to a window (LIMIT), replaced by the values
of other keys (GET) and, for SORT, stored as a list (STORE).

A pattern names a key by putting an element in place of its first C{*};
C{key->field} reads a field of the hash at C{key}, and C{#} is the element
itself. A pattern without C{*} names nothing (GET answers null); BY with
such a pattern does not sort (C{BY nosort}): a list or sorted set keeps its
own order (DESC reverses it), a set comes in its iteration order, except
with STORE or inside a script, where it is sorted as strings, as Redis 7.0
does so that the result is the same everywhere.

Orders, as Redis's: numbers tie-break by the elements' bytes; strings
compare byte by byte (Redis's C{strcoll} in the C locale), only up to a NUL
byte unless storing; elements without a BY weight come first under ALPHA;
elements of equal ALPHA weights keep the order they were read in (Redis's
order is not defined there: a set's members are read in byte order, so
that replaying a SORT ... STORE gives the same list).

SORT ... STORE is logged as sent (it is deterministic given the data);
SORT without STORE logs nothing, even when its lookups expire keys.
"""

import re
from fractions import Fraction
from itertools import islice

from miniredis.commands import COMMANDS, command
from miniredis.commands.parsing import SYNTAX, parse_int, strtod
from miniredis.commands.sets import ordered
from miniredis.commands.spec import Arg, Block, Index, KeySpec, OneOf, Range, Token
from miniredis.commands.strings import as_bytes
from miniredis.encodings import encoding
from miniredis.notifications import notify
from miniredis.quicklist import QuickList
from miniredis.resp import ReplyError
from miniredis.store import WRONGTYPE, Typed
from miniredis.zset import ZSet

NOT_DOUBLE = "ERR One or more scores can't be converted into double"
_MIN_NORMAL = 2.2250738585072014e-308
_C_SPACE = b" \t\n\v\f\r"


_DENIED = "ERR %s option of SORT denied due to insufficient ACL permissions."


class _Options:
    """
    The options of one SORT or SORT_RO command.

    @ivar by: the BY pattern, or None.
    @ivar nosort: some BY pattern had no C{*}: nothing is sorted.
    @ivar gets: the GET patterns, in order.
    @ivar store: the STORE destination, or None.
    """

    __slots__ = ("desc", "alpha", "offset", "count", "by", "nosort", "gets", "store")

    def __init__(self, argv, readonly, reads_any_key):
        """
        @param reads_any_key: tells whether the client may read any key,
            which BY and GET patterns need (as Redis asks its ACL).
        """
        self.desc = self.alpha = self.nosort = False
        self.offset, self.count = 0, -1
        self.by = self.store = None
        self.gets = []
        i = 2
        while i < len(argv):
            option = argv[i].lower()
            left = len(argv) - i - 1
            if option == b"asc":
                self.desc = False
            elif option == b"desc":
                self.desc = True
            elif option == b"alpha":
                self.alpha = True
            elif option == b"limit" and left >= 2:
                self.offset, self.count = parse_int(argv[i + 1]), parse_int(argv[i + 2])
                i += 2
            elif option == b"store" and left >= 1 and not readonly:
                self.store = argv[i + 1]
                i += 1
            elif option == b"by" and left >= 1:
                self.by = argv[i + 1]
                if _star(self.by) < 0:
                    self.nosort = True  # and it stays so, whatever BY follows
                elif not reads_any_key():
                    raise ReplyError(_DENIED % ("BY",))
                i += 1
            elif option == b"get" and left >= 1:
                if not reads_any_key():
                    raise ReplyError(_DENIED % ("GET",))
                self.gets.append(argv[i + 1])
                i += 1
            else:
                raise ReplyError(SYNTAX)
            i += 1


# ---------------------------------------------------------------- patterns


def _star(pattern):
    """@return: where the C{*} is, as C's C{strchr} finds it (not past a NUL)."""
    return pattern.partition(b"\x00")[0].find(b"*")


def _resolver(db, pattern):
    """
    @return: a function giving, for an element, the value C{pattern} names:
        the element itself (C{#}), a string (bytes or a L{Typed}), a hash
        field, or None when the key is absent or of another type.
    """
    head = pattern.partition(b"\x00")[0]  # C's string functions stop at a NUL
    if head == b"#":
        return lambda element: element
    star = head.find(b"*")
    if star < 0:
        return lambda element: None
    prefix = pattern[:star]
    arrow = head.find(b"->", star + 1)
    if arrow < 0 or arrow + 2 >= len(head):
        suffix = pattern[star + 1 :]

        def string_at(element):
            value = db.lookup(prefix + element + suffix)
            kind = type(value)
            return value if kind is bytes or kind is Typed else None

        return string_at
    middle, field = pattern[star + 1 : arrow], pattern[arrow + 2 :]

    def field_of(element):
        value = db.lookup(prefix + element + middle)
        return value.get(field) if type(value) is dict else None

    return field_of


# ---------------------------------------------------------------- weights


def _exact(text, value):
    """Whether the number C{text} (all of it) is exactly the double C{value}."""
    text = text.lstrip(_C_SPACE)
    sign = text[:1]
    digits = text[1:] if sign in (b"+", b"-") else text
    if digits[:2].lower() == b"0x":
        mantissa, _, power = digits[2:].lower().partition(b"p")
        whole, _, fraction = mantissa.partition(b".")
        exact = Fraction(int(whole + fraction, 16)) * Fraction(2) ** (
            int(power or b"0") - 4 * len(fraction)
        )
    else:
        exact = Fraction(digits.decode())
    return exact == Fraction(abs(value))


# Digits alone, shorter than this, are read with float() at once.
_QUICK_DIGITS = 300


def _score(text):
    """
    Read a weight as Redis does, with C{strtod} up to a NUL byte: leading
    spaces, hexadecimal and C{inf} are fine, an empty string is 0.

    @return: the double, or None for what Redis refuses (trailing text,
        NaN, overflow, underflow: a result that is zero or subnormal and
        inexact, where C{strtod} sets C{ERANGE}).
    """
    if text.isdigit() and len(text) < _QUICK_DIGITS:  # the common case
        return float(text)
    head = text.partition(b"\x00")[0]
    value, end, out_of_range = strtod(head)
    if end != len(head) or out_of_range or value != value:
        return None
    if value and -_MIN_NORMAL < value < _MIN_NORMAL and not _exact(head, value):
        return None
    return value


def _plain_numbers(elements):
    """
    @return: the length of the longest element when every element is
        digits alone, short enough for L{_score}'s quick path (each is then
        the double C{float} reads); else 0.
    """
    if b"".join(elements).isdigit() and all(elements):
        longest = max(map(len, elements))
        if longest < _QUICK_DIGITS:
            return longest
    return 0


# an element with a leading zero, in elements joined after a space each
_LEADING_ZERO = re.compile(rb" 0[0-9]")


def _weight_bytes(value):
    """A BY or GET value as the string Redis reads (None stays None)."""
    return value if type(value) is bytes or value is None else as_bytes(value)


def _sorted(db, elements, options, binary):
    """
    @param binary: compare strings in full (STORE) rather than up to a NUL.
    @return: C{elements} sorted as C{options} say.
    @raise ReplyError: a weight is not a number, in a numeric sort.
    """
    weight = _resolver(db, options.by) if options.by is not None else None
    if options.alpha:
        if weight is None:
            if binary or not any(b"\x00" in e for e in elements):
                return sorted(elements, reverse=options.desc)
            return sorted(
                elements, key=lambda e: e.partition(b"\x00")[0], reverse=options.desc
            )
        keys = {}
        for element in elements:
            text = _weight_bytes(weight(element))
            if text is None:
                keys[element] = (False, b"")
            else:
                keys[element] = (True, text if binary else text.partition(b"\x00")[0])
        return sorted(elements, key=keys.__getitem__, reverse=options.desc)
    longest = _plain_numbers(elements) if weight is None else 0
    if longest:
        if longest <= 15 and not _LEADING_ZERO.search(b" " + b" ".join(elements)):
            # Different elements are different doubles (a double holds 15
            # digits exactly): by value alone.
            return sorted(elements, key=float, reverse=options.desc)
        # By the element, then (a stable sort) by its value: as the pairs
        # would sort, and faster than pairs to build and compare.
        ordered = sorted(elements, reverse=options.desc)
        ordered.sort(key=float, reverse=options.desc)
        return ordered
    scored = []
    refused = False
    for element in elements:
        text = _weight_bytes(weight(element)) if weight is not None else element
        score = 0.0 if text is None else _score(text)
        if score is None:
            refused = True  # Redis still reads every weight before it answers
            continue
        scored.append((score, element))
    if refused:
        raise ReplyError(NOT_DOUBLE)
    scored.sort(reverse=options.desc)
    return [element for _, element in scored]


# ---------------------------------------------------------------- SORT


def _in_script(session):
    scripts = getattr(session.server, "scripts", None)
    return scripts is not None and scripts.current is not None


def _window(options, length):
    """@return: the C{slice} of a result of C{length} that LIMIT keeps."""
    start = max(options.offset, 0)
    end = length - 1 if options.count < 0 else start + options.count - 1
    if start >= length:
        return slice(0, 0)
    return slice(start, min(end, length - 1) + 1)


def _unsorted(session, value, options):
    """
    @return: the LIMIT window of C{value} in its own order (BY nosort),
        reversed by DESC for a list or sorted set; a set's order is its
        iteration order, which DESC does not change.
    """
    window = _window(options, len(value))
    kind = type(value)
    if kind is QuickList:
        return list(
            islice(
                reversed(value) if options.desc else value, window.start, window.stop
            )
        )
    if kind is ZSet:
        if options.desc:
            length = len(value)
            pairs = value.order.islice(
                length - window.stop, length - window.start, reverse=True
            )
        else:
            pairs = value.order.islice(window.start, window.stop)
        return [member for _, member in pairs]
    return ordered(session, value)[window]


def _elements(session, key, value, options):
    """@return: the elements of C{value} to sort, in the order Redis reads them."""
    kind = type(value)
    if kind is QuickList:
        return list(value)
    if kind is ZSet:
        return [member for _, member in value.order]
    members = ordered(session, value)
    if (
        options.alpha
        and options.by is not None
        and encoding(session.db, key, value, session.server.config) != "intset"
    ):
        members.sort()  # a hash table's order is arbitrary: make ties stable
    return members


def _sort(session, argv, readonly):
    cmd = COMMANDS[b"sort_ro" if readonly else b"sort"]
    options = _Options(
        argv, readonly, lambda: session.server.acl.reads_any_key(session, cmd, argv)
    )
    session.rewrite()  # what SORT alone expires is logged as DELs, not SORT
    db = session.db
    key = argv[1]
    value = db.lookup(key)
    if value is None:
        db.read_miss(key)
        value = QuickList()
    elif type(value) not in (QuickList, set, ZSet):
        raise ReplyError(WRONGTYPE)
    storing = options.store is not None
    if options.nosort and type(value) is set and (storing or _in_script(session)):
        options.nosort, options.alpha, options.by = False, True, None
    if options.nosort:
        elements = _unsorted(session, value, options)
    else:
        elements = _sorted(
            db, _elements(session, key, value, options), options, storing
        )
        elements = elements[_window(options, len(elements))]
    items = _fetched(db, elements, options.gets, storing)
    if not storing:
        return items
    return _store(session, argv, options.store, items)


def _fetched(db, elements, gets, storing):
    """
    @return: the elements, or what the GET patterns name for each: for a
        reply, null for nothing and a typed value with its shape; for
        STORE, an empty string for nothing.
    """
    if not gets:
        return elements
    resolvers = [_resolver(db, pattern) for pattern in gets]
    out = []
    for element in elements:
        for resolve in resolvers:
            found = resolve(element)
            if type(found) is Typed:
                found = _weight_bytes(found) if storing else found.value
            elif found is None and storing:
                found = b""
            out.append(found)
    return out


def _store(session, argv, destination, items):
    """
    Replace C{destination} with the list C{items}, or delete it if empty;
    clients blocked on a destination that was absent are served.

    @return: the length of the list.
    """
    db = session.db
    if not items:
        if db.delete(destination):
            notify(db, "g", b"del", destination)
            session.rewrite(list(argv))
        return 0
    created = db.lookup(destination) is None
    db.set(destination, QuickList(items))
    notify(db, "l", b"sortstore", destination)
    if created:
        db.signal_ready(destination)
    session.rewrite(list(argv))
    return len(items)


# SORT's options and how many arguments follow each.
_OPTIONS = {b"limit": 2, b"by": 1, b"get": 1, b"store": 1}


def sort_keys(argv):
    """
    The keys of a SORT line: the sorted key, and the STORE destination
    (the last one given), which its key specs cannot find.
    """
    found = [(1, ("RO", "access"))]
    at = 2
    store = None
    while at < len(argv):
        option = argv[at].lower()
        if option == b"store" and at + 1 < len(argv):
            store = at + 1
        at += 1 + _OPTIONS.get(option, 0)
    if store is not None:
        found.append((store, ("OW", "update")))
    return found


def sort_ro_keys(argv):
    """The keys of a SORT_RO line: the sorted key alone."""
    return [(1, ("RO", "access"))]


@command(
    "sort",
    -2,
    "write denyoom",
    getkeys=sort_keys,
    group="generic",
    since="1.0.0",
    acl="set sortedset list dangerous",
    keys=[
        KeySpec("RO access", Index(1), Range(0)),
        KeySpec("RO access"),
        KeySpec("OW update"),
    ],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("pattern", "pattern", token="BY", flags="optional", key_spec=1),
        Block(
            "offset_count",
            Arg("offset", "integer"),
            Arg("count", "integer"),
            token="LIMIT",
            flags="optional",
        ),
        Arg(
            "pattern",
            "pattern",
            token="GET",
            flags="optional multiple multiple_token",
            key_spec=1,
        ),
        OneOf("order", Token("ASC"), Token("DESC"), flags="optional"),
        Arg("sorting", "pure-token", token="ALPHA", flags="optional"),
        Arg("destination", "key", token="STORE", flags="optional", key_spec=2),
    ],
)
def sort(session, argv):
    """
    Sort the elements of a list, set or sorted set, as numbers or as
    strings, by themselves or by other keys' values, optionally storing
    the result in a list.
    """
    return _sort(session, argv, readonly=False)


@command(
    "sort_ro",
    -2,
    "readonly",
    getkeys=sort_ro_keys,
    group="generic",
    since="7.0.0",
    acl="set sortedset list dangerous",
    keys=[KeySpec("RO access", Index(1), Range(0)), KeySpec("RO access")],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("pattern", "pattern", token="BY", flags="optional", key_spec=1),
        Block(
            "offset_count",
            Arg("offset", "integer"),
            Arg("count", "integer"),
            token="LIMIT",
            flags="optional",
        ),
        Arg(
            "pattern",
            "pattern",
            token="GET",
            flags="optional multiple multiple_token",
            key_spec=1,
        ),
        OneOf("order", Token("ASC"), Token("DESC"), flags="optional"),
        Arg("sorting", "pure-token", token="ALPHA", flags="optional"),
    ],
)
def sort_ro(session, argv):
    """
    Sort the elements of a list, set or sorted set as SORT does, without
    storing them (for read-only contexts).
    """
    return _sort(session, argv, readonly=True)
