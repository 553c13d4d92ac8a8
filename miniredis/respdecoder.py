"""
The pure-Python incremental RESP decoder: requests for a server, any value
for a client, inline commands.

Part of the RESP codec whose public face is L{miniredis.resp}; it works on
every interpreter (PyPy has no hiredis), and L{miniredis.resphiredis} falls
back on it for whatever hiredis cannot decode as Redis does.

Usage::

    decoder = Decoder()
    decoder.feed(b"*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n")
    decoder.requests()          # [[b"GET", b"k"]]
"""

import sys

from miniredis.resptypes import (
    MAX_DEPTH,
    MAX_INLINE,
    MAX_MULTIBULK,
    PROTO_MAX_BULK_LEN,
    UNAUTHENTICATED_ARGS,
    UNAUTHENTICATED_BULK,
    BigNumber,
    ProtocolError,
    Push,
    ReplyError,
    SetReply,
    Status,
    TypedRequest,
    Verbatim,
)


class _Incomplete(Exception):
    """
    A frame is cut short by the end of the input.

    @ivar need: the buffer length that could complete it (0: unknown).
    """

    def __init__(self, need=0):
        self.need = need


def _length(raw, what):
    """
    Read a length as Redis does: digits without sign, space or leading
    zero, or C{-N} (a null).

    @raise ProtocolError: C{invalid <what> length}.
    """
    if len(raw) < 20:
        if raw.isdigit():
            if raw[0] != 48 or len(raw) == 1:
                return int(raw)
        elif raw[:1] == b"-" and raw[1:].isdigit() and raw[1] != 48:
            return -int(raw[1:])
    raise ProtocolError("invalid %s length" % (what,))


def _small_length(raw):
    """
    @return: the number C{raw} writes, if it is below 1024 and written as
        Redis writes it (no sign, space or leading zero); else None.
    """
    if len(raw) < 5 and raw.isdigit() and (raw[0] != 48 or len(raw) == 1):
        n = int(raw)
        if n < 1024:
            return n
    return None


if sys.implementation.name == "cpython":
    # There a look-up is much faster than int() on bytes (on PyPy, slower).
    _small_length = {b"%d" % n: n for n in range(1024)}.get


def _line(buf, pos, limit):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        if len(buf) - pos > limit:
            raise ProtocolError("too big bulk count string")
        raise _Incomplete()
    return buf[pos:end], end + 2


def _parse(buf, pos, depth, limit):
    """
    Parse one RESP value of C{buf} at C{pos}.

    @param depth: how many levels of aggregates may still open.
    @param limit: the longest line (without its end) waited for.
    @return: C{(value, next position)}
    @raise _Incomplete: the value is not all there yet.
    @raise ProtocolError: the bytes are not RESP, or break a limit.
    """
    if pos >= len(buf):
        raise _Incomplete()
    kind = buf[pos]
    if kind == 36:  # $
        raw, pos = _line(buf, pos + 1, limit)
        length = _small_length(raw)
        if length is None:
            length = _length(raw, "bulk")
            if length < 0:
                return None, pos
            if length > PROTO_MAX_BULK_LEN:
                raise ProtocolError("invalid bulk length")
        end = pos + length
        if end + 2 > len(buf):
            raise _Incomplete(end + 2)
        return buf[pos:end], end + 2
    if kind in _AGGREGATES:
        raw, pos = _line(buf, pos + 1, limit)
        count = _length(raw, "multibulk")
        if count < 0:
            return None, pos
        if count > MAX_MULTIBULK:
            raise ProtocolError("invalid multibulk length")
        if depth <= 0:
            raise ProtocolError("too deeply nested value")
        if kind == 37:  # %
            return _map_items(buf, pos, count, depth - 1, limit)
        if kind == 124:  # | attributes: parsed and dropped before their value
            _, pos = _map_items(buf, pos, count, depth - 1, limit)
            return _parse(buf, pos, depth, limit)
        items = []
        for _ in range(count):
            item, pos = _parse(buf, pos, depth - 1, limit)
            items.append(item)
        if kind == 126:
            items = SetReply(items)
        elif kind == 62:
            items = Push(items)
        return items, pos
    if kind in _LINES:
        raw, pos = _line(buf, pos + 1, limit)
        return _LINES[kind](raw), pos
    if kind in (61, 33):  # = !
        raw, pos = _line(buf, pos + 1, limit)
        length = _length(raw, "bulk")
        if not 0 <= length <= PROTO_MAX_BULK_LEN:
            raise ProtocolError("invalid bulk length")
        end = pos + length
        if end + 2 > len(buf):
            raise _Incomplete(end + 2)
        body = buf[pos:end]
        if kind == 33:
            return ReplyError(body.decode("utf-8", "replace")), end + 2
        if body[3:4] != b":":
            raise ProtocolError("invalid verbatim string")
        value = Verbatim(body[4:])
        value.format = body[:3]
        return value, end + 2
    # Redis's words: its requests hold bulk strings only.
    raise ProtocolError("expected '$', got '%s'" % (chr(kind),))


_AGGREGATES = frozenset(b"*~>%|")


def _map_items(buf, pos, count, depth, limit):
    result = {}
    for _ in range(count):
        key, pos = _parse(buf, pos, depth, limit)
        value, pos = _parse(buf, pos, depth, limit)
        try:
            result[key] = value
        except TypeError:
            raise ProtocolError("unhashable map key")
    return result, pos


def _integer(raw):
    if raw.isdigit() or raw[:1] == b"-" and raw[1:].isdigit():
        try:
            return int(raw)
        except ValueError:  # more digits than Python converts
            pass
    raise ProtocolError("invalid integer")


def _double_value(raw):
    try:
        return float(raw)
    except ValueError:
        raise ProtocolError("invalid double")


def _boolean(raw):
    if raw not in (b"t", b"f"):
        raise ProtocolError("invalid boolean")
    return raw == b"t"


def _big_number(raw):
    return BigNumber(_integer(raw))


def _null_line(raw):
    if raw:
        raise ProtocolError("invalid null")


_LINES = {
    43: Status,  # +
    45: lambda raw: ReplyError(raw.decode("utf-8", "replace")),  # -
    58: _integer,  # :
    95: _null_line,  # _
    44: _double_value,  # ,
    35: _boolean,  # #
    40: _big_number,  # (
}


def split_inline(line):
    """
    Split an inline command the way Redis's C{sdssplitargs} does.

    @raise ProtocolError: on an unbalanced quote.
    """
    if 34 not in line and 39 not in line:
        return line.split()  # the same six spaces as C's isspace()
    args = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in _SPACES:
            i += 1
        if i >= n:
            return args
        current = bytearray()
        quote = None
        while True:
            if quote is None:
                if i >= n or line[i] in _SPACES:
                    break
                c = line[i]
                if c == 34 or c == 39:
                    quote = c
                else:
                    current.append(c)
                i += 1
                continue
            if i >= n:
                raise ProtocolError("unbalanced quotes in request")
            c = line[i]
            if quote == 34 and c == 92 and i + 1 < n:  # backslash in "..."
                nxt = line[i + 1]
                if (
                    nxt == 120
                    and i + 3 < n
                    and _is_hex(line[i + 2])
                    and _is_hex(line[i + 3])
                ):
                    current.append(int(line[i + 2 : i + 4], 16))
                    i += 4
                    continue
                current.append(_ESCAPES.get(nxt, nxt))
                i += 2
                continue
            if quote == 39 and c == 92 and i + 1 < n and line[i + 1] == 39:
                current.append(39)
                i += 2
                continue
            if c == quote:
                if i + 1 < n and line[i + 1] not in _SPACES:
                    raise ProtocolError("unbalanced quotes in request")
                quote = None
                i += 1
                break
            current.append(c)
            i += 1
        args.append(bytes(current))


_SPACES = frozenset(b" \t\n\r\v\f")
_ESCAPES = {110: 10, 114: 13, 116: 9, 98: 8, 97: 7}


def _is_hex(c):
    return c in b"0123456789abcdefABCDEF"


class Decoder:
    """
    Incremental pure-Python decoder of a stream of RESP values.

    Feed it bytes as they arrive with L{feed}; L{requests} (for a server)
    or L{values} (for a client) return every complete frame so far. Input
    is joined only once there can be a new frame in it, and a request cut
    by the end of the input is resumed where it stopped, so a large value
    arriving in many reads costs time in proportion to its size.

    @ivar inline: whether a line not starting with a RESP type byte is an
        inline command (servers: yes; clients: no).
    @ivar max_bulk: the longest argument a request may carry
        (C{proto-max-bulk-len}).
    @ivar max_args: the most arguments a request may carry.
    @ivar error: the L{ProtocolError} that stopped L{requests}, or None.
    """

    def __init__(self, inline=True, max_bulk=PROTO_MAX_BULK_LEN, unauthenticated=False):
        """
        @param unauthenticated: hold requests to what Redis lets a client
            that has not authenticated send: 10 arguments of 16 KB at most.
        """
        self.max_bulk = max_bulk
        self.max_args = MAX_MULTIBULK
        self._limit = "invalid"
        if unauthenticated:
            self.max_bulk, self.max_args = UNAUTHENTICATED_BULK, UNAUTHENTICATED_ARGS
            self._limit = "unauthenticated"
        self._buf = b""
        self._pos = 0
        self._more = []
        self._size = 0
        self._need = 0
        self._args = None
        self._left = 0
        self._parsed = 0
        self.inline = inline
        self.error = None

    def feed(self, data):
        self._more.append(data)
        self._size += len(data)

    def pending(self):
        """
        @return: how many fed bytes are not yet part of a returned frame
            (with those of the arguments of a request cut short, as hiredis
            and Redis count them).
        """
        return self._size + self._parsed

    def idle(self):
        """@return: whether no part of a frame is waiting for more input."""
        return self._size == 0 and self._args is None and self.error is None

    def _gather(self):
        """@return: the unparsed input in one buffer (it is C{self._buf})."""
        more = self._more
        if more:
            self._more = []
            if self._pos < len(self._buf):
                more.insert(0, memoryview(self._buf)[self._pos :])
            self._buf = more[0] if len(more) == 1 else b"".join(more)
        elif self._pos:
            self._buf = self._buf[self._pos :]
        self._pos = 0
        return self._buf

    def _stop(self, pos, end, need):
        """Remember where parsing stopped and how much input it waits for."""
        self._pos = pos
        self._size = end - pos
        self._need = need - pos if need > end else end - pos + 1

    def values(self):
        """
        @return: every complete value fed so far, in order.
        @raise ProtocolError: on malformed input (the decoder is then done).
        """
        out = []
        if self._size < self._need:
            return out
        buf = self._gather()
        pos, end = 0, len(buf)
        need = 0
        try:
            while pos < end:
                value, pos = _parse(buf, pos, 2 * MAX_DEPTH, PROTO_MAX_BULK_LEN)
                out.append(value)
        except _Incomplete as e:
            need = e.need
        self._stop(pos, end, need)
        return out

    def rest(self):
        """
        @return: the input fed and not yet decoded, between two requests
            (to go on with another decoder).
        """
        assert self._args is None
        rest = self._gather()
        self._buf, self._pos, self._size, self._need = b"", 0, 0, 0
        return rest

    def requests(self, most=0):
        """
        @param most: decode this many requests at most (0: all there are).
        @return: every complete request fed so far: a list of arguments each.
            After malformed input, the requests before it; L{error} is then
            set to the L{ProtocolError} and nothing more is decoded.
        """
        out = []
        if self._size < self._need or self.error is not None:
            return out
        more = self._more
        if len(more) == 1 and self._pos == len(self._buf):
            buf = self._buf = more[0]  # the common case: all before was used
            self._more = []
            self._pos = 0
        else:
            buf = self._gather()
        pos, end = 0, len(buf)
        append = out.append
        find = buf.find
        args, left = self._args, self._left
        max_args = self.max_args
        need = 0
        parsed = self._parsed  # bytes of the cut request read by earlier calls
        begun = 0  # where the request being decoded starts in buf
        try:
            while True:
                if args is None:
                    if pos >= end:
                        break
                    begun = pos
                    kind = buf[pos]
                    if kind != 42 and kind not in _ARRAY_REQUESTS:
                        pos = self._other(buf, pos, append)
                        if most and len(out) >= most:
                            break
                        continue
                    nl = find(b"\r\n", pos)
                    if nl < 0:
                        if end - pos > MAX_INLINE:
                            raise ProtocolError("too big mbulk count string")
                        break
                    raw = buf[pos + 1 : nl]
                    left = _small_length(raw)
                    if left is None or left > max_args:
                        if left is None:
                            left = _length(raw, "multibulk")
                        if left > max_args:
                            raise ProtocolError("%s multibulk length" % (self._limit,))
                    if kind == 124:  # attributes: their keys and values
                        left *= 2
                    pos = nl + 2
                    if left <= 0:
                        continue
                    args = []
                while left:
                    if pos < end and buf[pos] == 36:
                        nl = find(b"\r\n", pos)
                        if nl < 0:
                            if end - pos > MAX_INLINE:
                                raise ProtocolError("too big bulk count string")
                            raise _Incomplete()
                        raw = buf[pos + 1 : nl]
                        length = _small_length(raw)
                        if length is None:
                            length = _length(raw, "bulk")
                            if not 0 <= length <= self.max_bulk:
                                raise ProtocolError("%s bulk length" % (self._limit,))
                        start = nl + 2
                        stop = start + length
                        if stop + 2 > end:
                            need = stop + 2
                            raise _Incomplete()
                        args.append(buf[start:stop])
                        pos = stop + 2
                    else:
                        value, pos = _element(buf, pos)
                        if type(value) is not bytes and type(args) is list:
                            args = TypedRequest(args)
                        args.append(value)
                    left -= 1
                append(args)
                args = None
                parsed = 0
                if most and len(out) >= most:
                    break
        except _Incomplete as e:
            need = max(need, e.need)
        except ProtocolError as e:
            self.error = e
        self._parsed = parsed + pos - begun if args is not None else 0
        self._args, self._left = args, left
        self._stop(pos, end, need)
        if most and len(out) >= most:
            self._need = 0  # what is left may hold whole requests already
        return out

    def _other(self, buf, pos, append):
        """
        Decode a request that is not an array: an inline command, or a
        single RESP value (a string is split on spaces).

        @return: the position after it.
        @raise _Incomplete: it is not all there yet.
        """
        if self.inline and buf[pos] not in _TYPE_BYTES:
            nl = buf.find(b"\n", pos)
            if nl < 0:
                if len(buf) - pos > MAX_INLINE:
                    raise ProtocolError("too big inline request")
                raise _Incomplete()
            args = split_inline(buf[pos:nl])
            pos = nl + 1
        else:
            if buf.find(b"\r\n", pos) < 0 and len(buf) - pos > MAX_INLINE:
                raise ProtocolError("too big inline request")
            value, pos = _parse(buf, pos, MAX_DEPTH, MAX_INLINE)
            args = _as_request(value)
        if args:
            append(args)
        return pos


def _element(buf, pos):
    """
    Parse an argument of a request array that is not a bulk string.

    A simple string, a verbatim string or a big number is a string there,
    as hiredis reads it (so that both decoders agree); anything else is a
    typed value.

    @return: C{(value, next position)}
    """
    kind = buf[pos] if pos < len(buf) else None
    if kind == 43 or kind == 40:  # + (
        raw, pos = _line(buf, pos + 1, MAX_INLINE)
        digits = raw[1:] if raw[:1] == b"-" else raw
        if kind == 40 and digits and not digits.isdigit():
            raise ProtocolError("invalid big number")
        return raw, pos
    value, pos = _parse(buf, pos, MAX_DEPTH, MAX_INLINE)
    if type(value) is Verbatim:
        value = bytes(value)
    return value, pos


_ARRAY_REQUESTS = frozenset(b"~>|")
_TYPE_BYTES = frozenset(b"$*:+-_,#(=!~>%|")


def _as_request(value):
    """A request that is not an array: a string is split on spaces."""
    if isinstance(value, (bytes, int)):
        return split_inline(value if isinstance(value, bytes) else b"%d" % value)
    if value is None:
        return []
    raise ProtocolError("expected an array request")
