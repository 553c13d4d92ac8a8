"""
The long double arithmetic of INCRBYFLOAT and HINCRBYFLOAT.

Redis reads these numbers with C{strtold}, adds them as x86 80-bit long
doubles (a 64-bit significand) and writes the sum with C{"%.17Lf"} less its
trailing zeros. Python has no such type, so here a value is an exact
L{Fraction} rounded to that format after each step, which gives the same
digits as Redis down to the last one.

Usage::

    value = parse(b"10.5") + parse(b"0.1")    # exact, not yet rounded
    format_human(round_extended(value))       # b"10.6"
"""

import re
from fractions import Fraction

MAX_CHARS = 5 * 1024
_SIGNIFICAND_BITS = 64
_MIN_EXPONENT = -16445  # the unit of the smallest subnormal is 2**-16445
_OVERFLOW = 1 << 16384
_CHUNK = 1000  # digits per int conversion: Python 3.11 caps str<->int at 4300

_DECIMAL = re.compile(
    rb"([+-]?)(?:([0-9]+)\.?([0-9]*)|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?"
)
_HEX = re.compile(
    rb"([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))"
    rb"(?:[pP]([+-]?[0-9]+))?"
)
_INFINITY = re.compile(rb"([+-]?)(?:inf|infinity)", re.IGNORECASE)

INFINITY = float("inf")


class Overflow(ValueError):
    """A result too large for a long double (C{inf})."""


def parse(raw):
    """
    Read a number as Redis's C{string2ld} does: C{strtold} syntax (decimal,
    hexadecimal, C{inf}), no spaces, no NaN, nothing that over- or
    underflows.

    @return: a L{Fraction}, or C{INFINITY}/C{-INFINITY} for C{inf} itself.
    @raise ValueError: C{raw} is not such a number.
    """
    if not 0 < len(raw) < MAX_CHARS:
        raise ValueError(raw)
    match = _INFINITY.fullmatch(raw)
    if match:
        return -INFINITY if match.group(1) == b"-" else INFINITY
    match = _DECIMAL.fullmatch(raw)
    if match:
        value = _decimal(*match.groups()[1:])
    else:
        match = _HEX.fullmatch(raw)
        if not match:
            raise ValueError(raw)
        value = _hexadecimal(*match.groups()[1:])
    if value != 0:
        value = round_extended(value)
        if value == 0:
            raise ValueError(raw)
    return -value if match.group(1) == b"-" else value


def _exponent(raw, limit):
    """An exponent, clamped to +-C{limit} (far beyond any long double)."""
    if raw is None:
        return 0
    digits = raw.lstrip(b"+-").lstrip(b"0")
    value = int(digits or b"0") if len(digits) < 8 else limit
    return -min(value, limit) if raw[:1] == b"-" else min(value, limit)


def _decimal(whole, fraction, only_fraction, exponent):
    if whole is None:
        whole, fraction = b"", only_fraction
    digits = (whole + fraction).lstrip(b"0")
    if not digits:
        return Fraction(0)
    scale = _exponent(exponent, 10**7) - len(fraction)
    magnitude = len(digits) + scale  # the value is below 10**magnitude
    if magnitude > 4934:
        raise Overflow()
    if magnitude < -4952:
        raise ValueError("underflow")
    mantissa = int_from_digits(digits)
    if scale >= 0:
        return Fraction(mantissa * 10**scale)
    return Fraction(mantissa, 10**-scale)


def _hexadecimal(whole, fraction, only_fraction, exponent):
    if whole is None:
        whole, fraction = b"", only_fraction
    mantissa = int(whole + fraction or b"0", 16)
    if not mantissa:
        return Fraction(0)
    scale = _exponent(exponent, 10**7) - 4 * len(fraction)
    magnitude = mantissa.bit_length() + scale  # the value is below 2**magnitude
    if magnitude > 16385:
        raise Overflow()
    if magnitude < -16500:
        raise ValueError("underflow")
    if scale >= 0:
        return Fraction(mantissa << scale)
    return Fraction(mantissa, 1 << -scale)


def round_extended(value):
    """
    Round an exact value to the nearest long double (ties to even).

    @raise Overflow: the value rounds beyond the largest long double.
    """
    if value == 0:
        return Fraction(0)
    negative = value < 0
    value = -value if negative else value
    num, den = value.numerator, value.denominator
    exponent = num.bit_length() - den.bit_length() - (_SIGNIFICAND_BITS - 1)
    top = exponent + _SIGNIFICAND_BITS - 1  # is value below 2**top?
    if (num < den << top) if top >= 0 else (num << -top < den):
        exponent -= 1
    exponent = max(exponent, _MIN_EXPONENT)
    if exponent >= 0:
        significand, rest = divmod(num, den << exponent)
        half = den << exponent
    else:
        significand, rest = divmod(num << -exponent, den)
        half = den
    if 2 * rest > half or 2 * rest == half and significand & 1:
        significand += 1
    if exponent >= 0:
        result = Fraction(significand << exponent)
        if result >= _OVERFLOW:
            raise Overflow()
    else:
        result = Fraction(significand, 1 << -exponent)
    return -result if negative else result


def add(a, b):
    """
    @return: C{a + b} as a long double.
    @raise Overflow: the sum is infinite (or NaN, for C{inf + -inf}).
    """
    if a in (INFINITY, -INFINITY) or b in (INFINITY, -INFINITY):
        raise Overflow()
    return round_extended(a + b)


def format_human(value):
    """
    Write a long double as Redis does (C{"%.17Lf"}, trailing zeros and a
    trailing point removed, C{-0} written C{0}).

    @rtype: L{bytes}
    """
    scaled = round(abs(value) * 10**17)
    digits = digits_of(scaled).rjust(18, b"0")
    whole, fraction = digits[:-17], digits[-17:].rstrip(b"0")
    text = whole + b"." + fraction if fraction else whole
    if value < 0 and text != b"0":
        text = b"-" + text
    return text


def int_from_digits(digits):
    """C{int(digits)} for any number of decimal digits."""
    value = 0
    for start in range(0, len(digits), _CHUNK):
        chunk = digits[start : start + _CHUNK]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


def digits_of(value):
    """C{b"%d" % value} for any non-negative int, however long."""
    if value < 10**_CHUNK:
        return b"%d" % value
    chunks = []
    unit = 10**_CHUNK
    while value >= unit:
        value, chunk = divmod(value, unit)
        chunks.append(b"%0*d" % (_CHUNK, chunk))
    chunks.append(b"%d" % value)
    return b"".join(reversed(chunks))
