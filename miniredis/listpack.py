"""
Redis's listpack: the compact list a stream node (and an RDB payload of
one) is made of. L{element_size} says what an element takes, so that a
stream fills its nodes as Redis does; L{encode} writes a whole listpack.

Usage::

    blob = encode([b"field", 7, b"-12"])
    element_size(b"value")      # 7: one byte of encoding, five, one of back length
"""

import re

_INTEGER = re.compile(rb"-?[1-9][0-9]{0,19}|0")
_INT64 = (-(1 << 63), (1 << 63) - 1)


def as_integer(item):
    """
    @return: the integer a listpack stores C{item} (bytes or int) as, or
        None when it stays a string.
    """
    if type(item) is int:
        return item
    if len(item) <= 20 and _INTEGER.fullmatch(item):
        value = int(item)
        if _INT64[0] <= value <= _INT64[1]:
            return value
    return None


def _int_encoding(value):
    if 0 <= value <= 127:
        return bytes((value,))
    if -4096 <= value <= 4095:
        value &= 0x1FFF
        return bytes((0xC0 | value >> 8, value & 0xFF))
    for tag, width in ((0xF1, 2), (0xF2, 3), (0xF3, 4), (0xF4, 8)):
        bound = 1 << (8 * width - 1)
        if -bound <= value < bound:
            return bytes((tag,)) + value.to_bytes(width, "little", signed=True)
    raise OverflowError("integer too large for a listpack")


def _str_encoding(text):
    n = len(text)
    if n < 64:
        return bytes((0x80 | n,)) + text
    if n < 4096:
        return bytes((0xE0 | n >> 8, n & 0xFF)) + text
    return b"\xf0" + n.to_bytes(4, "little") + text


def _backlen_width(size):
    if size <= 127:
        return 1
    if size < 16383:
        return 2
    if size < 2097151:
        return 3
    if size < 268435455:
        return 4
    return 5


def _backlen(size):
    """The length of an element, written to be read backwards."""
    width = _backlen_width(size)
    out = [
        (size >> 7 * (width - 1 - i)) & 127 | (128 if i else 0) for i in range(width)
    ]
    return bytes(out)


def _encoded_size(item):
    value = as_integer(item)
    if value is not None:
        if 0 <= value <= 127:
            return 1
        if -4096 <= value <= 4095:
            return 2
        for width in (2, 3, 4):
            bound = 1 << (8 * width - 1)
            if -bound <= value < bound:
                return 1 + width
        return 9
    n = len(item)
    return n + (1 if n < 64 else 2 if n < 4096 else 5)


_DIGITS = frozenset(b"-0123456789")


def element_size(item):
    """@return: the bytes C{item} (bytes or int) takes in a listpack."""
    if type(item) is int and 0 <= item <= 127:
        return 2  # a stream entry's flags, field count or small delta
    if type(item) is bytes and (not item or item[0] not in _DIGITS):
        n = len(item)  # a string, the common case, at once
        if n < 64:
            return n + 2
        size = n + (2 if n < 4096 else 5)
    else:
        size = _encoded_size(item)
    return size + _backlen_width(size)


EMPTY_SIZE = 7  # the header (total bytes, element count) and the end mark


def encode(items):
    """@return: the listpack of C{items} (bytes, or ints), as Redis writes it."""
    out = []
    for item in items:
        value = as_integer(item)
        body = _str_encoding(item) if value is None else _int_encoding(value)
        out.append(body + _backlen(len(body)))
    data = b"".join(out)
    count = min(len(items), 65535)
    total = EMPTY_SIZE + len(data)
    return total.to_bytes(4, "little") + count.to_bytes(2, "little") + data + b"\xff"
