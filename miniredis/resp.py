"""
RESP2 and RESP3: reply types, incremental decoders and the encoder.

Python values stand for RESP values::

    bytes -> $ bulk string      Status -> + simple string   ReplyError -> - error
    int   -> : integer          float  -> , double          bool -> # boolean
    None  -> null               list   -> * array           dict -> % map
    SetReply -> ~ set           Push   -> > push            Verbatim -> = verbatim
    BigNumber -> ( big number   NULL_ARRAY -> *-1 (RESP2) / _ (RESP3)

Usage::

    decoder = Decoder()
    decoder.feed(b"*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n")
    decoder.requests()          # [[b"GET", b"k"]]
    encode([b"a", 1, None], 2)  # b"*3\\r\\n$1\\r\\na\\r\\n:1\\r\\n$-1\\r\\n"
"""

import ctypes
import math
import sys

try:
    import hiredis
except ImportError:  # PyPy, or hiredis not installed
    hiredis = None

PROTO_MAX_BULK_LEN = 512 * 1024 * 1024
MAX_MULTIBULK = 2**31 - 1
MAX_INLINE = 64 * 1024
MAX_DEPTH = 128


class ProtocolError(Exception):
    """
    The peer sent bytes that are not RESP; the connection must be closed.
    """


class ReplyError(Exception):
    """
    An error reply (C{-ERR ...}); raised by commands, returned as a value.

    @ivar message: the error text, its first word the error code.
    """

    def __init__(self, message):
        Exception.__init__(self, message)
        self.message = message

    def __eq__(self, other):
        return isinstance(other, ReplyError) and other.message == self.message

    def __hash__(self):
        return hash(self.message)

    def __repr__(self):
        return "ReplyError(%r)" % (self.message,)


class Status(bytes):
    """A simple string reply (C{+OK})."""


class Verbatim(bytes):
    """A verbatim string; C{format} is its three-letter type."""

    format = b"txt"


class BigNumber(int):
    """A RESP3 big number."""


class SetReply(list):
    """A RESP3 set (an array under RESP2)."""


class Pairs(list):
    """
    A list of two-element lists: an array of pairs under RESP3, one flat
    array under RESP2 (ZRANGE WITHSCORES, HRANDFIELD WITHVALUES).
    """

    def flat(self):
        return [item for pair in self for item in pair]


class PairMap(list):
    """
    C{[key, value]} pairs: a map under RESP3 (a key may come twice), an
    array of the pairs under RESP2 (XREAD's streams).
    """


class Push(list):
    """A RESP3 out-of-band push (an array under RESP2)."""


class TypedRequest(list):
    """A request with typed arguments (ints, arrays, maps, null)."""


def plain_arg(arg):
    """A scalar argument of a L{TypedRequest} (an int, a double, a boolean) as bytes."""
    if type(arg) is bytes:
        return arg
    if isinstance(arg, bool):
        return b"1" if arg else b"0"
    if isinstance(arg, int):
        return b"%d" % arg
    if isinstance(arg, float):
        return repr(arg).encode()
    raise ReplyError(
        "ERR typed values (arrays, maps, null) are only accepted as values "
        "of SET-like commands"
    )


class Replies(list):
    """Several replies to one command, sent one after the other (SUBSCRIBE)."""


class _NullArray:
    def __repr__(self):
        return "NULL_ARRAY"


NULL_ARRAY = _NullArray()
OK = Status(b"OK")


# ---------------------------------------------------------------- decoding


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
    raise ProtocolError("unexpected type byte %r" % (chr(kind),))


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
    @ivar error: the L{ProtocolError} that stopped L{requests}, or None.
    """

    def __init__(self, inline=True, max_bulk=PROTO_MAX_BULK_LEN):
        self.max_bulk = max_bulk
        self._buf = b""
        self._pos = 0
        self._more = []
        self._size = 0
        self._need = 0
        self._args = None
        self._left = 0
        self.inline = inline
        self.error = None

    def feed(self, data):
        self._more.append(data)
        self._size += len(data)

    def pending(self):
        """@return: how many fed bytes are not yet part of a returned frame."""
        return self._size

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

    def requests(self):
        """
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
        need = 0
        try:
            while True:
                if args is None:
                    if pos >= end:
                        break
                    kind = buf[pos]
                    if kind != 42 and kind not in _ARRAY_REQUESTS:
                        pos = self._other(buf, pos, append)
                        continue
                    nl = find(b"\r\n", pos)
                    if nl < 0:
                        if end - pos > MAX_INLINE:
                            raise ProtocolError("too big mbulk count string")
                        break
                    raw = buf[pos + 1 : nl]
                    left = _small_length(raw)
                    if left is None:
                        left = _length(raw, "multibulk")
                        if left > MAX_MULTIBULK:
                            raise ProtocolError("invalid multibulk length")
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
                                raise ProtocolError("invalid bulk length")
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
        except _Incomplete as e:
            need = max(need, e.need)
        except ProtocolError as e:
            self.error = e
        self._args, self._left = args, left
        self._stop(pos, end, need)
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


class HiredisDecoder:
    """
    A request decoder that parses with C{hiredis.Reader}, in C.

    hiredis returns simple strings, verbatim strings and big numbers inside
    an array as plain bytes, keeps no limits, and waits for a whole frame
    whatever its size. So this decoder keeps the bytes it gave hiredis and
    holds each request to what a Redis client sends: an array of bulk
    strings byte for byte (which also gives its exact size), whose headers
    keep Redis's limits even while the request is cut short by the end of
    the input. Anything else (an inline command, typed values, a header out
    of bounds, more than L{HIREDIS_MAX_ELEMENTS} elements) goes to a pure
    L{Decoder} from the start of that request, until the pure decoder has
    used up all it was given.

    @ivar max_bulk: the longest argument a request may carry.
    @ivar error: the L{ProtocolError} that stopped decoding, or None.
    """

    def __init__(self, max_bulk=PROTO_MAX_BULK_LEN):
        self.max_bulk = max_bulk
        self._reader = _reader()
        self._chunks = []
        self._offset = 0
        self._unconsumed = 0
        self._partial = None
        self._fallback = None
        self.error = None

    def feed(self, data):
        if not data:
            return
        fallback = self._fallback
        if fallback is not None:
            if data[0] != 42 or not fallback.idle():
                fallback.feed(data)
                return
            self._fallback = None
            self._reader = _reader()
        elif self._unconsumed == 0 and data[0] != 42:
            self._switch(data)
            return
        self._reader.feed(data)
        self._chunks.append(data)
        self._unconsumed += len(data)

    def requests(self):
        out = self._parse() if self._fallback is None else []
        if self._fallback is not None:
            out.extend(self._fallback.requests())
            self.error = self._fallback.error
        return out

    def _parse(self):
        out = []
        gets = self._reader.gets
        try:
            value = gets()
        except Exception:  # hiredis.ProtocolError, or a list as map key
            self._switch(self._rest(self._offset))
            return out
        if value is _NOT_ENOUGH:
            if self._unconsumed and not self._check_partial():
                self._switch(self._rest(self._offset))
            return out
        chunks = self._chunks
        buf = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        pos = self._offset
        while value is not _NOT_ENOUGH:
            # Where the request ends, if it is an array of bulk strings byte
            # for byte (hiredis returns simple strings, verbatim strings and
            # big numbers as bytes too, and reads attributes as arrays).
            if type(value) is not list or buf[pos] != 42:
                self._switch(buf[pos:])
                return out
            count = len(value)
            start = pos + (_HEADER_SIZES[count] if count < 100 else _header_size(count))
            end = start
            try:
                for arg in value:
                    if buf[end] != 36:
                        raise TypeError()
                    end += _BULK_SIZES[len(arg)]  # TypeError for the None of $-1
            except IndexError:  # an argument of 1000 bytes or more
                end = _bulk_end(buf, start, value)
            except TypeError:
                end = -1
            if end < 0:
                self._switch(buf[pos:])
                return out
            pos = end
            if value:
                out.append(value)
            try:
                value = gets()
            except Exception:  # hiredis.ProtocolError, or a list as map key
                self._switch(buf[pos:])
                return out
        self._partial = None
        if pos < len(buf):
            self._chunks = [buf]
            self._offset = pos
            self._unconsumed = len(buf) - pos
            if not self._check_partial():
                self._switch(buf[pos:])
        else:
            self._chunks = []
            self._offset = self._unconsumed = 0
        return out

    def _rest(self, pos):
        """@return: the input from C{pos} of the first chunk on."""
        chunks = self._chunks
        return (chunks[0] if len(chunks) == 1 else b"".join(chunks))[pos:]

    def _switch(self, rest):
        """Go on with the pure decoder, from C{rest}."""
        self._fallback = Decoder(max_bulk=self.max_bulk)
        self._fallback.feed(rest)
        self._reader = None
        self._chunks = []
        self._offset = self._unconsumed = 0
        self._partial = None

    def _check_partial(self):
        """@return: whether the request cut short keeps Redis's limits so far."""
        partial = self._partial
        if partial is None:
            partial = self._partial = _PartialRequest(self.max_bulk)
        new = self._unconsumed - partial.seen
        pieces = []
        for chunk in reversed(self._chunks):
            if new <= 0:
                break
            pieces.append(chunk)
            new -= len(chunk)
        start = -new
        for chunk in reversed(pieces):
            if not partial.scan(chunk, start):
                return False
            start = 0
        return True


_NOT_ENOUGH = object()


def _header_size(count):
    """@return: the size of C{*<count>\\r\\n}."""
    return 3 + len(b"%d" % count)


_HEADER_SIZES = {count: _header_size(count) for count in range(100)}
_BULK_SIZES = tuple(n + 5 + len(b"%d" % n) for n in range(1000))


def _bulk_end(buf, pos, args):
    """
    @return: where the bulk strings C{args}, read from C{buf} at C{pos},
        end, or -1 if one of them was not sent as a bulk string.
    """
    for arg in args:
        if buf[pos] != 36 or type(arg) is not bytes:
            return -1
        pos += len(arg) + 5 + len(b"%d" % len(arg))
    return pos


class _PartialRequest:
    """
    The headers of a request array whose end has not arrived, followed as
    its bytes come in.

    @ivar seen: how many bytes of the request were looked at.
    """

    def __init__(self, max_bulk):
        self._max_bulk = max_bulk
        self.seen = 0
        self._line = b""
        self._left = None
        self._skip = 0

    def scan(self, data, i):
        """
        Look at C{data[i:]}, the next bytes of the request.

        @return: False if the request is not a well-formed array of bulk
            strings within Redis's limits so far, or may not be.
        """
        end = len(data)
        self.seen += end - i
        while i < end:
            if self._skip:
                step = min(self._skip, end - i)
                self._skip -= step
                i += step
                continue
            if self._line[-1:] == b"\r" and data[i] == 10:
                line = self._line[:-1]
                i += 1
            else:
                nl = data.find(b"\r\n", i)
                if nl < 0:
                    self._line += data[i:]
                    return len(self._line) <= MAX_INLINE
                line = self._line + data[i:nl]
                i = nl + 2
            self._line = b""
            if not self._header(line):
                return False
        return True

    def _header(self, line):
        raw = line[1:]
        if len(raw) > 10 or not raw.isdigit() or raw[0] == 48 and len(raw) > 1:
            return False
        n = int(raw)
        if self._left is None:
            self._left = n
            return line[0] == 42 and 0 < n <= MAX_MULTIBULK
        if line[0] != 36 or n > self._max_bulk or not self._left:
            return False
        self._left -= 1
        self._skip = n + 2
        return True


def _element_limit():
    """
    hiredis allocates an array in full as soon as it reads its header, so
    fourteen bytes claiming two billion elements would cost seconds of CPU
    to free when the connection closes. Its C reader has a limit for that
    (C{maxelements}), which hiredis-py does not expose.

    @return: a function setting that limit on a C{hiredis.Reader}, which
        finds the field in the reader's C struct, after checking on a probe
        that the fields around it hold what they must; or None if they do
        not (then hiredis is not used).
    """
    if hiredis is None or ctypes.sizeof(ctypes.c_void_p) != 8:
        return None
    if hiredis.__version__.split(".")[0] not in ("2", "3"):
        return None

    def fields(reader):
        # hiredis_ReaderObject: PyObject_HEAD, then its redisReader *; in
        # that: int err, char errstr[128], char *buf, size_t pos, len,
        # maxbuf, long long maxelements.
        struct = ctypes.c_void_p.from_address(id(reader) + 16).value
        return (ctypes.c_int64 * 3).from_address(struct + 152)

    probe = hiredis.Reader()
    probe.feed(b"+probe")
    probe.setmaxbuf(12345)
    if list(fields(probe)) != [6, 12345, 2**32 - 1]:
        return None

    def limit(reader, count):
        fields(reader)[2] = count
        return reader

    return limit


_limit_elements = _element_limit()

# Larger requests are decoded by the pure decoder, which never allocates
# before elements arrive.
HIREDIS_MAX_ELEMENTS = 65536


def _reader():
    reader = hiredis.Reader(notEnoughData=_NOT_ENOUGH)
    return _limit_elements(reader, HIREDIS_MAX_ELEMENTS)


def request_decoder(max_bulk=PROTO_MAX_BULK_LEN):
    """
    @param max_bulk: the longest argument a request may carry.
    @return: the fastest request decoder available here.
    """
    if _limit_elements is not None:
        return HiredisDecoder(max_bulk)
    return Decoder(max_bulk=max_bulk)


# ---------------------------------------------------------------- encoding


def format_double(value):
    """Format a double the way Redis 7.0 does (C{%.17g}; inf, -inf, nan)."""
    if math.isinf(value):
        return b"inf" if value > 0 else b"-inf"
    if value != value:
        return b"nan"
    return b"%.17g" % value


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


def _null(value, proto, out):
    out.append(b"_\r\n" if proto == 3 else b"$-1\r\n")


def _null_array(value, proto, out):
    out.append(b"_\r\n" if proto == 3 else b"*-1\r\n")


def _aggregate(prefix3):
    def encode_aggregate(value, proto, out):
        out.append(b"%s%d\r\n" % (prefix3 if proto == 3 else b"*", len(value)))
        append = out.append
        for item in value:
            if type(item) is bytes:  # most members of most replies, inline
                append(b"$%d\r\n%s\r\n" % (len(item), item))
            else:
                _ENCODERS.get(type(item), _other)(item, proto, out)

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
    type(None): _null,
    _NullArray: _null_array,
    list: _aggregate(b"*"),
    SetReply: _aggregate(b"~"),
    Push: _aggregate(b">"),
    Pairs: _pairs,
    Replies: _replies,
    dict: _map,
    PairMap: _pair_map,
    ReplyError: _error,
}


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
