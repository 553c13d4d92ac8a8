"""
Bitmap commands (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS,
BITOP, BITFIELD and BITFIELD_RO.

A bitmap is a string seen as a row of bits, bit 0 being the most
significant bit of the first byte; bits past the end of the string read
as 0, and a write past the end first pads the string with zero bytes.
Strings stay immutable C{bytes}: a write builds the new value. As in Redis,
a string a bitmap command wrote reports the C{raw} encoding.

Typed values (see L{miniredis.commands.strings}): a typed integer reads as
its decimal digits, as it does for GETRANGE or SETRANGE; any other typed
value is WRONGTYPE here.
"""

import operator
from functools import reduce

from miniredis.commands import command
from miniredis.commands.parsing import SYNTAX, parse_int
from miniredis.commands.spec import Arg, Block, Index, KeySpec, OneOf, Range, Token
from miniredis.commands.strings import read_bytes
from miniredis.notifications import notify
from miniredis.resp import ReplyError

BAD_OFFSET = "ERR bit offset is not an integer or out of range"
BAD_BIT = "ERR bit is not an integer or out of range"
BAD_BIT_ARGUMENT = "ERR The bit argument must be 1 or 0."
BAD_TYPE = (
    "ERR Invalid bitfield type. Use something like i16 u8. "
    "Note that u64 is not supported but i64 is."
)
BAD_OVERFLOW = "ERR Invalid OVERFLOW type specified"
NOT_ONE_KEY = "ERR BITOP NOT must be called with a single source key."
RO_GET_ONLY = "ERR BITFIELD_RO only supports the GET subcommand"

_ONES = bytes(bin(i).count("1") for i in range(256))
_INT64 = 1 << 64


def _as_int64(value):
    """@return: C{value} wrapped to a signed 64-bit integer, as C arithmetic does."""
    value %= _INT64
    return value - _INT64 if value >> 63 else value


def bit_offset(session, raw, width=0):
    """
    Parse a bit offset: a non-negative integer whose byte lies within
    C{proto-max-bulk-len}.

    @param width: for BITFIELD, the width of the field type: C{#N} then
        means field N of that width (bit C{N * width}, a product taken in
        64-bit arithmetic, wrapping as Redis's does).
    @raise ReplyError: for anything else.
    """
    indexed = width and raw[:1] == b"#"
    offset = parse_int(raw[1:] if indexed else raw, BAD_OFFSET)
    if indexed:
        offset = _as_int64(offset * width)
    if offset < 0 or offset >> 3 >= session.server.config["proto-max-bulk-len"]:
        raise ReplyError(BAD_OFFSET)
    return offset


def save(db, key, value, existed):
    """Store a bitmap command's result: an existing key keeps its deadline."""
    if existed:
        db.replace(key, value)
    else:
        db.set(key, value)
    db.encodings[key] = "raw"


# ---------------------------------------------------------------- single bits


_BITS = {b"0": 0, b"1": 1}


@command(
    "setbit",
    4,
    "write denyoom",
    group="bitmap",
    since="2.2.0",
    acl="bitmap",
    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("offset", "integer"),
        Arg("value", "integer"),
    ],
)
def setbit(session, argv):
    """
    Set or clear one bit of a string, growing the string with zero bytes to
    reach it; answers the bit's previous value.
    """
    offset = bit_offset(session, argv[2])
    bit = _BITS.get(argv[3])
    if bit is None:
        bit = parse_int(argv[3], BAD_BIT)
        if bit not in (0, 1):
            raise ReplyError(BAD_BIT)
    db = session.db
    key = argv[1]
    current = read_bytes(db, key)
    value = current or b""
    index = offset >> 3
    if len(value) <= index:
        value += bytes(index + 1 - len(value))
    mask = 0x80 >> (offset & 7)
    old = value[index]
    new = old | mask if bit else old & ~mask
    if current is None or new != old or len(value) != len(current):
        save(
            db,
            key,
            value[:index] + bytes((new,)) + value[index + 1 :],
            current is not None,
        )
        notify(db, "$", b"setbit", key)
    else:
        db.encodings[key] = "raw"  # Redis unshares the string all the same
    return 1 if old & mask else 0


@command(
    "getbit",
    3,
    "readonly fast",
    group="bitmap",
    since="2.2.0",
    acl="bitmap",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("offset", "integer")],
)
def getbit(session, argv):
    """Read one bit of a string: 0 past its end or for a missing key."""
    offset = bit_offset(session, argv[2])
    value = read_bytes(session.db, argv[1])
    index = offset >> 3
    if value is None or index >= len(value):
        return 0
    return value[index] >> (7 - (offset & 7)) & 1


# ---------------------------------------------------------------- ranges


_UNITS = {b"bit": True, b"byte": False}


def _in_bits(unit):
    """@return: whether a range's unit is C{BIT} (else C{BYTE})."""
    in_bits = _UNITS.get(unit.lower())
    if in_bits is None:
        raise ReplyError(SYNTAX)
    return in_bits


def _bit_span(start, end, size, in_bits):
    """
    Clip the range C{start..end} (negative counting from the end) of a
    string of C{size} bytes, in bytes or in bits.

    @return: C{(first bit, last bit)}, or None for an empty range.
    """
    total = size * 8 if in_bits else size
    if start < 0:
        start = max(0, start + total)
    if end < 0:
        end = max(0, end + total)
    end = min(end, total - 1)
    if start > end:
        return None
    if in_bits:
        return start, end
    return start * 8, end * 8 + 7


def _popcount_by_int(data):
    """@return: how many bits of C{data} are set (where int has bit_count)."""
    return int.from_bytes(data, "big").bit_count()


def _popcount_by_table(data):
    """@return: how many bits of C{data} are set, byte counts tallied."""
    counts = data.translate(_ONES)
    return sum(ones * counts.count(ones) for ones in range(1, 9))


# int.bit_count is four to nine times quicker; CPython 3.9 lacks it
_popcount = _popcount_by_int if hasattr(int, "bit_count") else _popcount_by_table


def _count_ones(value, first, last):
    """@return: how many bits of C{value} are set from bit C{first} to C{last}."""
    low, high = first >> 3, last >> 3
    count = _popcount(value[low : high + 1])
    before = value[low] >> (8 - (first & 7)) if first & 7 else 0
    after = value[high] & (0xFF >> ((last & 7) + 1))
    return count - _ONES[before] - _ONES[after]


def _first_bit(value, bit, first, last):
    """
    @return: the position of the first bit equal to C{bit} from bit
        C{first} to bit C{last} of C{value}, or None if there is none.
    """
    low, high = first >> 3, last >> 3
    before = 0xFF00 >> (first & 7) & 0xFF
    after = 0xFF >> ((last & 7) + 1)
    window = bytearray(value[low : high + 1])
    if bit:  # the bits outside the range can only not match
        window[0] &= ~before
        window[-1] &= ~after
        rest = window.lstrip(b"\x00")
    else:
        window[0] |= before
        window[-1] |= after
        rest = window.lstrip(b"\xff")
    if not rest:
        return None
    byte = rest[0] if bit else rest[0] ^ 0xFF
    return (low + len(window) - len(rest)) * 8 + 8 - byte.bit_length()


@command(
    "bitcount",
    -2,
    "readonly",
    group="bitmap",
    since="2.6.0",
    acl="bitmap",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Block(
            "index",
            Arg("start", "integer"),
            Arg("end", "integer"),
            OneOf(
                "index_unit",
                Token("BYTE"),
                Token("BIT"),
                flags="optional",
                since="7.0.0",
            ),
            flags="optional",
        ),
    ],
)
def bitcount(session, argv):
    """
    Count the set bits of a string, or of a range of it given in bytes or
    (with BIT) in bits.
    """
    value = read_bytes(session.db, argv[1])
    if value is None:
        return 0
    if len(argv) == 2:
        return _popcount(value)
    if len(argv) not in (4, 5):
        raise ReplyError(SYNTAX)
    start = parse_int(argv[2])
    end = parse_int(argv[3])
    if start < 0 and end < 0 and start > end:
        return 0  # Redis answers this before it reads the unit
    in_bits = len(argv) == 5 and _in_bits(argv[4])
    span = _bit_span(start, end, len(value), in_bits)
    return 0 if span is None else _count_ones(value, *span)


@command(
    "bitpos",
    -3,
    "readonly",
    group="bitmap",
    since="2.8.7",
    acl="bitmap",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("bit", "integer"),
        Block(
            "index",
            Arg("start", "integer"),
            Block(
                "end_index",
                Arg("end", "integer"),
                OneOf(
                    "index_unit",
                    Token("BYTE"),
                    Token("BIT"),
                    flags="optional",
                    since="7.0.0",
                ),
                flags="optional",
            ),
            flags="optional",
        ),
    ],
)
def bitpos(session, argv):
    """
    Find the first bit set to 1, or to 0, in a string or in a range of it
    given in bytes or (with BIT) in bits; -1 when there is none.

    Looking for a 0 without an end to the range finds the first bit past
    the string when all of it is set, as a string reads as zeros past its end.
    """
    bit = parse_int(argv[2])
    if bit not in (0, 1):
        raise ReplyError(BAD_BIT_ARGUMENT)
    value = read_bytes(session.db, argv[1])
    if value is None:
        return -1 if bit else 0
    argc = len(argv)
    if argc > 6:
        raise ReplyError(SYNTAX)
    start, end, in_bits = 0, -1, False
    if argc > 3:
        start = parse_int(argv[3])
        if argc == 6:
            in_bits = _in_bits(argv[5])
        if argc > 4:
            end = parse_int(argv[4])
    span = _bit_span(start, end, len(value), in_bits)
    if span is None:
        return -1
    found = _first_bit(value, bit, *span)
    if found is not None:
        return found
    if bit == 0 and argc < 5:
        return span[1] + 1
    return -1


# ---------------------------------------------------------------- BITOP


_OPERATORS = {b"and": operator.and_, b"or": operator.or_, b"xor": operator.xor}


@command(
    "bitop",
    -4,
    "write denyoom",
    group="bitmap",
    since="2.6.0",
    acl="bitmap",
    keys=[
        KeySpec("OW update", Index(2), Range(0)),
        KeySpec("RO access", Index(3), Range(-1)),
    ],
    args=[
        Arg("operation"),
        Arg("destkey", "key", key_spec=0),
        Arg("key", "key", flags="multiple", key_spec=1),
    ],
)
def bitop(session, argv):
    """
    Combine strings bit by bit (AND, OR, XOR, or NOT of one) into a
    destination key, shorter strings counting as zero-padded; answers the
    result's length (an empty result deletes the destination).
    """
    name = argv[1].lower()
    if name != b"not" and name not in _OPERATORS:
        raise ReplyError(SYNTAX)
    if name == b"not" and len(argv) != 4:
        raise ReplyError(NOT_ONE_KEY)
    db = session.db
    target = argv[2]
    sources = []
    for key in argv[3:]:
        value = read_bytes(db, key)
        if value is None:
            db.read_miss(key)
        sources.append(value or b"")
    size = max(len(value) for value in sources)
    if not size:
        if db.delete(target):
            notify(db, "g", b"del", target)
        else:
            session.rewrite()
        return 0
    numbers = [int.from_bytes(value.ljust(size, b"\x00"), "big") for value in sources]
    if name == b"not":
        result = ~numbers[0] & ((1 << size * 8) - 1)
    else:
        result = reduce(_OPERATORS[name], numbers)
    db.set(target, result.to_bytes(size, "big"))
    db.encodings[target] = "raw"
    notify(db, "$", b"set", target)
    return size


# ---------------------------------------------------------------- BITFIELD


class _Field:
    """
    One GET, SET or INCRBY of a BITFIELD.

    @ivar verb: C{b"get"}, C{b"set"} or C{b"incrby"}.
    @ivar signed: an C{i} type (else C{u}).
    @ivar bits: the width.
    @ivar offset: the first bit.
    @ivar number: the value of SET, the increment of INCRBY.
    @ivar overflow: C{b"wrap"}, C{b"sat"} or C{b"fail"}.
    """

    __slots__ = ("verb", "signed", "bits", "offset", "number", "overflow")


def _field_type(raw):
    """@return: C{(signed, bits)} of a type C{i1}..C{i64} or C{u1}..C{u63}."""
    sign = raw[:1]
    if sign not in (b"i", b"u"):
        raise ReplyError(BAD_TYPE)
    bits = parse_int(raw[1:], BAD_TYPE)
    if not 1 <= bits <= (64 if sign == b"i" else 63):
        raise ReplyError(BAD_TYPE)
    return sign == b"i", bits


_ARGUMENTS = {b"get": 2, b"set": 3, b"incrby": 3}


def _parse_fields(session, argv):
    """@return: the L{_Field}s of a BITFIELD request, in order."""
    fields = []
    overflow = b"wrap"
    i = 2
    while i < len(argv):
        verb = argv[i].lower()
        left = len(argv) - i - 1
        if verb == b"overflow" and left >= 1:
            overflow = argv[i + 1].lower()
            if overflow not in (b"wrap", b"sat", b"fail"):
                raise ReplyError(BAD_OVERFLOW)
            i += 2
            continue
        needed = _ARGUMENTS.get(verb)
        if needed is None or left < needed:
            raise ReplyError(SYNTAX)
        field = _Field()
        field.verb = verb
        field.signed, field.bits = _field_type(argv[i + 1])
        field.offset = bit_offset(session, argv[i + 2], field.bits)
        field.number = parse_int(argv[i + 3]) if verb != b"get" else 0
        field.overflow = overflow
        fields.append(field)
        i += 1 + needed
    return fields


def _read_field(value, field):
    """@return: the integer C{field} reads in C{value} (zeros past its end)."""
    bits = field.bits
    low = field.offset >> 3
    last = field.offset + bits - 1
    width = (last >> 3) - low + 1
    chunk = bytes(value[low : low + width]).ljust(width, b"\x00")
    number = int.from_bytes(chunk, "big") >> (7 - (last & 7)) & ((1 << bits) - 1)
    if field.signed and number >> (bits - 1):
        number -= 1 << bits
    return number


def _write_field(buffer, field, number):
    """Write the low bits of C{number} at C{field} of the bytearray C{buffer}."""
    bits = field.bits
    low = field.offset >> 3
    last = field.offset + bits - 1
    high = last >> 3
    shift = 7 - (last & 7)
    mask = ((1 << bits) - 1) << shift
    word = int.from_bytes(buffer[low : high + 1], "big") & ~mask
    word |= (number << shift) & mask
    buffer[low : high + 1] = word.to_bytes(high - low + 1, "big")


def _fit(field, old):
    """
    @return: the number a SET or INCRBY writes at C{field}, whose value is
        C{old}, under its overflow mode: None when FAIL refuses it.
    """
    bits = field.bits
    if field.signed:
        top, bottom = (1 << (bits - 1)) - 1, -(1 << (bits - 1))
    else:
        top, bottom = (1 << bits) - 1, 0
    # Redis checks a signed SET by the headroom top - wanted, computed in 64
    # bits: for the lowest values it wraps, and they overflow upwards.
    upwards = False
    if field.verb == b"incrby":
        wanted = old + field.number
    elif field.signed:
        wanted = field.number
        upwards = bits < 64 and wanted <= top - (1 << 63)
    else:
        wanted = field.number % _INT64  # a negative SET as an unsigned 64-bit
    if bottom <= wanted <= top:
        return wanted
    if field.overflow == b"fail":
        return None
    if field.overflow == b"sat":
        return top if wanted > top or upwards else bottom
    wrapped = wanted % (1 << bits)
    if field.signed and wrapped > top:
        wrapped -= 1 << bits
    return wrapped


def _bitfield(session, argv, read_only):
    fields = _parse_fields(session, argv)
    db = session.db
    key = argv[1]
    writes = [f for f in fields if f.verb != b"get"]
    if not writes:
        session.rewrite()  # never logged, even if the lookup expired the key
        value = read_bytes(db, key) or b""
        return [_read_field(value, f) for f in fields]
    if read_only:
        raise ReplyError(RO_GET_ONLY)
    current = read_bytes(db, key)
    buffer = bytearray(current or b"")
    end = max(f.offset + f.bits - 1 for f in writes) // 8 + 1
    if len(buffer) < end:
        buffer.extend(bytes(end - len(buffer)))
    replies = []
    changes = 0
    for field in fields:
        old = _read_field(buffer, field)
        if field.verb == b"get":
            replies.append(old)
            continue
        new = _fit(field, old)
        if new is None:
            replies.append(None)
            continue
        _write_field(buffer, field, new)
        changes += 1
        replies.append(new if field.verb == b"incrby" else old)
    save(db, key, bytes(buffer), current is not None)
    if changes:
        notify(db, "$", b"setbit", key)
    return replies


def bitfield_keys(argv):
    """BITFIELD's key: written unless every operation is a GET."""
    at = 2
    while at < len(argv):
        left = len(argv) - at - 1
        op = argv[at].lower()
        if op == b"get" and left >= 2:
            at += 3
        elif op == b"overflow" and left >= 1:
            at += 2
        else:
            return [(1, ("RW", "access", "update"))]
    return [(1, ("RO", "access"))]


@command(
    "bitfield",
    -2,
    "write denyoom",
    getkeys=bitfield_keys,
    group="bitmap",
    since="3.2.0",
    acl="bitmap",
    keys=[KeySpec("RW access update variable_flags", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        OneOf(
            "operation",
            Block(
                "encoding_offset",
                Arg("encoding"),
                Arg("offset", "integer"),
                token="GET",
            ),
            Block(
                "write",
                OneOf(
                    "wrap_sat_fail",
                    Token("WRAP"),
                    Token("SAT"),
                    Token("FAIL"),
                    token="OVERFLOW",
                    flags="optional",
                ),
                OneOf(
                    "write_operation",
                    Block(
                        "encoding_offset_value",
                        Arg("encoding"),
                        Arg("offset", "integer"),
                        Arg("value", "integer"),
                        token="SET",
                    ),
                    Block(
                        "encoding_offset_increment",
                        Arg("encoding"),
                        Arg("offset", "integer"),
                        Arg("increment", "integer"),
                        token="INCRBY",
                    ),
                ),
            ),
            flags="optional multiple",
        ),
    ],
)
def bitfield(session, argv):
    """
    Read, set and increment integer fields of any width (i1 to i64, u1 to
    u63) at any bit offset of a string, with a choice of what an overflow
    does (WRAP, SAT or FAIL); answers one value per GET, SET or INCRBY.
    """
    return _bitfield(session, argv, read_only=False)


@command(
    "bitfield_ro",
    -2,
    "readonly fast",
    group="bitmap",
    since="6.0.0",
    acl="bitmap",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Block(
            "encoding_offset",
            Arg("encoding"),
            Arg("offset", "integer"),
            token="GET",
            flags="optional multiple multiple_token",
        ),
    ],
)
def bitfield_ro(session, argv):
    """Read several integer fields of any width from a string, without writing."""
    return _bitfield(session, argv, read_only=True)
