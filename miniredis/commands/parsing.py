"""
Argument parsing shared by command families, with Redis's error texts.
"""

import math
import re
from fractions import Fraction

from miniredis import longdouble
from miniredis.resp import ReplyError

LLONG_MIN = -(1 << 63)
LLONG_MAX = (1 << 63) - 1

NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
SYNTAX = "ERR syntax error"
POSITIVE = "ERR value is out of range, must be positive"
NUMKEYS = "ERR numkeys should be greater than 0"
COUNT_POSITIVE = "ERR count should be greater than 0"
LIMIT_NEGATIVE = "ERR LIMIT can't be negative"

_INTEGER = re.compile(rb"-?[1-9][0-9]{0,19}|0")
_FLOAT = re.compile(
    rb"[+-]?(?:inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)",
    re.IGNORECASE,
)

_PLAIN_TIMEOUT = re.compile(rb"([0-9]{1,12})(?:\.([0-9]{1,9}))?")


def parse_int(raw, error=NOT_INTEGER):
    """
    Parse a 64-bit integer written as Redis writes one (no sign '+', no
    spaces, no leading zeros).

    @raise ReplyError: C{error} if C{raw} is not one.
    """
    if type(raw) is bytes:
        if raw.isdigit() and len(raw) < 19 and (raw[0] != 48 or len(raw) == 1):
            return int(raw)  # the common case: plain digits, read at once
        if _INTEGER.fullmatch(raw):
            value = int(raw)
            if LLONG_MIN <= value <= LLONG_MAX:
                return value
    raise ReplyError(error)


def parse_int_at_least(raw, minimum, error):
    """
    Parse a 64-bit integer (as L{parse_int}) no smaller than C{minimum}.

    @raise ReplyError: C{error} if C{raw} is not one.
    """
    value = parse_int(raw, error)
    if value < minimum:
        raise ReplyError(error)
    return value


def parse_pop_count(argv):
    """
    Parse C{key [count]} of LPOP, RPOP, SPOP, ZPOPMIN and ZPOPMAX.

    @return: the count, None without one.
    @raise ReplyError: a syntax error past the count, an out of range one
        for a negative count.
    """
    if len(argv) > 3:
        raise ReplyError(SYNTAX)
    if len(argv) < 3:
        return None
    return parse_int_at_least(argv[2], 0, POSITIVE)


def parse_mpop(argv, at, ends):
    """
    Parse C{numkeys key [key ...] END [COUNT count]} starting at C{argv[at]}
    (LMPOP, ZMPOP and their blocking forms).

    @param ends: the two lowercase words END may be (in any case).
    @return: C{(keys, first, count)}, C{first} true when END is C{ends[0]},
        C{count} 1 without COUNT.
    """
    numkeys = parse_int_at_least(argv[at], 1, NUMKEYS)
    where = at + numkeys + 1
    if where >= len(argv) or argv[where].lower() not in ends:
        raise ReplyError(SYNTAX)
    count = None
    i = where + 1
    while i < len(argv):
        if count is None and argv[i].lower() == b"count" and i + 1 < len(argv):
            count = parse_int_at_least(argv[i + 1], 1, COUNT_POSITIVE)
            i += 2
        else:
            raise ReplyError(SYNTAX)
    return argv[at + 1 : where], argv[where].lower() == ends[0], count or 1


def parse_float(raw, error=NOT_FLOAT):
    """
    Parse a double as Redis's C{strtod} checks do: no spaces, no NaN.

    @raise ReplyError: C{error} if C{raw} is not one.
    """
    if type(raw) is bytes and _FLOAT.fullmatch(raw):
        value = float(raw)
        if not math.isnan(value):
            return value
    raise ReplyError(error)


def parse_timeout(raw, unit=1.0):
    """
    Parse a blocking command's timeout as Redis 7.0 does: C{strtold}
    syntax, in seconds (times C{unit}), rounded up to whole milliseconds;
    a value whose milliseconds overflow a C{long long} counts as negative.

    @return: the timeout in seconds, 0 for none.
    """
    match = _PLAIN_TIMEOUT.fullmatch(raw) if unit == 1.0 else None
    if match:  # the common case, in exact integer arithmetic
        fraction = match.group(2) or b""
        scale = 10 ** len(fraction)
        return -(-int(match.group(1) + fraction) * 1000 // scale) / 1000.0
    try:
        value = longdouble.parse(raw)
    except ValueError:
        raise ReplyError("ERR timeout is not a float or out of range")
    if value in (longdouble.INFINITY, -longdouble.INFINITY):
        raise ReplyError("ERR timeout is negative")
    ms = math.ceil(value * 1000 * Fraction(unit))
    if not 0 <= ms < 1 << 63:
        raise ReplyError("ERR timeout is negative")
    return ms / 1000.0


_STRTOD = re.compile(
    rb"[ \t\n\v\f\r]*([+-]?)(?:"
    rb"0x([0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p([+-]?[0-9]+))?"
    rb"|([0-9]+\.?[0-9]*|\.[0-9]+)(?:e([+-]?[0-9]+))?"
    rb"|(inf(?:inity)?)|nan(?:\([0-9a-z_]*\))?)",
    re.IGNORECASE,
)


def strtod(text):
    """
    Read a number at the start of C{text} as C's C{strtod} does (leading
    spaces, hexadecimal, C{inf}, C{nan}).

    @return: C{(value, end, out_of_range)}: C{end} is 0 when there is no
        number; C{out_of_range} when it overflows or underflows to zero.
    """
    found = _STRTOD.match(text)
    if found is None:
        return 0.0, 0, False
    sign, hexdigits, power, digits, exponent, infinite = found.groups()
    negative = sign == b"-"
    if infinite:
        value, mantissa = math.inf, b"1"
    elif hexdigits is not None:
        mantissa = hexdigits
        try:
            value = float.fromhex(
                "0x%sp%s" % (hexdigits.decode(), (power or b"0").decode())
            )
        except OverflowError:
            return (-math.inf if negative else math.inf), found.end(), True
    elif digits is not None:
        mantissa = digits
        value = float(digits + b"e" + exponent if exponent else digits)
    else:
        return math.nan, found.end(), False
    out_of_range = (value == 0 and mantissa.strip(b"0.") != b"") or (
        math.isinf(value) and not infinite
    )
    return (-value if negative else value), found.end(), out_of_range
