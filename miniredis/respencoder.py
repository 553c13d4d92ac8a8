"""
The RESP encoder: one function per reply type, each writing RESP2 or RESP3
as the client asked (C{HELLO}); and the request encoder clients use.

Part of the RESP codec whose public face is L{miniredis.resp}.

Usage::

    encode([b"a", 1, None], 2)  # b"*3\\r\\n$1\\r\\na\\r\\n:1\\r\\n$-1\\r\\n"
    encode_command([b"GET", b"k"])
"""

import math

from miniredis.resptypes import (
    Attribute,
    BigNumber,
    Double,
    PairMap,
    Pairs,
    Push,
    Replies,
    ReplyError,
    SetReply,
    Status,
    Verbatim,
    _NullArray,
)


def format_double(value):
    """Format a double the way Redis 7.0 does (C{%.17g}; inf, -inf, nan)."""
    if math.isinf(value):
        return b"inf" if value > 0 else b"-inf"
    if value != value:
        return b"nan"
    return b"%.17g" % value


# The headers of bulk strings shorter than 1 KB and of arrays of fewer than
# 1024 elements, written once.
BULK_HEADERS = [b"$%d\r\n" % size for size in range(1024)]
ARRAY_HEADERS = [b"*%d\r\n" % size for size in range(1024)]


def _bulk(value, proto, out):
    out.append(b"$%d\r\n%s\r\n" % (len(value), value))


def _status(value, proto, out):
    out.append(b"+%s\r\n" % value)


def _error(value, proto, out):
    message = value.message
    if isinstance(message, str):
        message = message.encode("utf-8")
    out.append(b"-%s\r\n" % message.replace(b"\r", b" ").replace(b"\n", b" "))


def _int_reply(value, proto, out):
    out.append(b":%d\r\n" % value)


def _bignum(value, proto, out):
    if proto == 3:
        out.append(b"(%d\r\n" % value)
    else:
        text = b"%d" % value
        out.append(b"$%d\r\n%s\r\n" % (len(text), text))


def _bool(value, proto, out):
    if proto == 3:
        out.append(b"#t\r\n" if value else b"#f\r\n")
    else:
        out.append(b":1\r\n" if value else b":0\r\n")


def _double(value, proto, out):
    text = format_double(value)
    if proto == 3:
        out.append(b",%s\r\n" % text)
    else:
        out.append(b"$%d\r\n%s\r\n" % (len(text), text))


def _double_text(value, proto, out):
    if proto == 3:
        out.append(b",%s\r\n" % value)
    else:
        out.append(b"$%d\r\n%s\r\n" % (len(value), value))


def _null(value, proto, out):
    out.append(b"_\r\n" if proto == 3 else b"$-1\r\n")


def _null_array(value, proto, out):
    out.append(b"_\r\n" if proto == 3 else b"*-1\r\n")


def _aggregate(prefix3):
    star = prefix3 == b"*"

    def encode_aggregate(value, proto, out):
        size = len(value)
        if size < 1024 and (star or proto == 2):
            out.append(ARRAY_HEADERS[size])
        else:
            out.append(b"%s%d\r\n" % (prefix3 if proto == 3 else b"*", size))
        for item in value:
            kind = type(item)
            if kind is bytes:  # most members of most replies, inline
                size = len(item)
                if size < 1024:
                    out += (BULK_HEADERS[size], item, b"\r\n")
                else:
                    out += (b"$%d\r\n" % size, item, b"\r\n")
            elif kind is list:  # entries of streams, pairs... without a lookup
                _encode_list(item, proto, out)
            else:
                _ENCODERS.get(kind, _other)(item, proto, out)

    return encode_aggregate


def _replies(value, proto, out):
    for item in value:
        _ENCODERS.get(type(item), _other)(item, proto, out)


def _pairs(value, proto, out):
    if proto == 3:
        out.append(b"*%d\r\n" % len(value))
        for pair in value:
            _ENCODERS[list](pair, proto, out)
    else:
        _ENCODERS[list](value.flat(), proto, out)


def _map(value, proto, out):
    if proto == 3:
        out.append(b"%%%d\r\n" % len(value))
    else:
        out.append(b"*%d\r\n" % (2 * len(value)))
    for k, v in value.items():
        _ENCODERS.get(type(k), _other)(k, proto, out)
        _ENCODERS.get(type(v), _other)(v, proto, out)


def _attribute(value, proto, out):
    if proto == 3:
        out.append(b"|%d\r\n" % len(value))
        for k, v in value.items():
            _ENCODERS.get(type(k), _other)(k, proto, out)
            _ENCODERS.get(type(v), _other)(v, proto, out)


def _pair_map(value, proto, out):
    if proto == 3:
        out.append(b"%%%d\r\n" % len(value))
        for pair in value:
            for item in pair:
                _ENCODERS.get(type(item), _other)(item, proto, out)
    else:
        _ENCODERS[list](value, proto, out)


def _verbatim(value, proto, out):
    if proto == 3:
        out.append(b"=%d\r\n%s:%s\r\n" % (len(value) + 4, value.format, value))
    else:
        _bulk(value, proto, out)


def _other(value, proto, out):
    for kind in type(value).__mro__:
        encoder = _ENCODERS.get(kind)
        if encoder is not None:
            return encoder(value, proto, out)
    if isinstance(value, str):
        return _bulk(value.encode("utf-8", "surrogateescape"), proto, out)
    if isinstance(value, (tuple, set, frozenset)):
        return _ENCODERS[list](list(value), proto, out)
    raise TypeError("cannot encode %r as RESP" % (value,))


_ENCODERS = {
    bytes: _bulk,
    Status: _status,
    Verbatim: _verbatim,
    int: _int_reply,
    BigNumber: _bignum,
    bool: _bool,
    float: _double,
    Double: _double_text,
    type(None): _null,
    _NullArray: _null_array,
    list: _aggregate(b"*"),
    SetReply: _aggregate(b"~"),
    Push: _aggregate(b">"),
    Pairs: _pairs,
    Replies: _replies,
    dict: _map,
    Attribute: _attribute,
    PairMap: _pair_map,
    ReplyError: _error,
}
_encode_list = _ENCODERS[list]


def encode(value, proto=2):
    """
    Encode one reply for a client speaking RESP C{proto} (2 or 3).

    @rtype: L{bytes}
    """
    kind = type(value)
    if kind is bytes:
        return b"$%d\r\n%s\r\n" % (len(value), value)
    out = []
    _ENCODERS.get(kind, _other)(value, proto, out)
    return b"".join(out)


def encode_into(value, proto, out):
    """Append the encoding of C{value} to the list C{out}."""
    _ENCODERS.get(type(value), _other)(value, proto, out)


def encode_command(args):
    """
    Encode a request as an array; values may be typed (ints, lists, maps).

    @rtype: L{bytes}
    """
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if type(arg) is bytes:
            out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        elif isinstance(arg, str):
            arg = arg.encode("utf-8", "surrogateescape")
            out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        elif isinstance(arg, float) and not isinstance(arg, bool):
            text = repr(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(text), text))
        else:
            _ENCODERS.get(type(arg), _other)(arg, 3, out)
    return b"".join(out)
