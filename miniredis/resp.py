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

import math

try:
    import hiredis
except ImportError:  # PyPy, or hiredis not installed
    hiredis = None

PROTO_MAX_BULK_LEN = 512 * 1024 * 1024
MAX_MULTIBULK = 1024 * 1024
MAX_INLINE = 64 * 1024


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


class Push(list):
    """A RESP3 out-of-band push (an array under RESP2)."""


class Replies(list):
    """Several replies to one command, sent one after the other (SUBSCRIBE)."""


class _NullArray:
    def __repr__(self):
        return "NULL_ARRAY"


NULL_ARRAY = _NullArray()
OK = Status(b"OK")


# ---------------------------------------------------------------- decoding


class _Incomplete(Exception):
    pass


_INCOMPLETE = _Incomplete()


def _int(raw, what):
    try:
        return int(raw)
    except ValueError:
        raise ProtocolError("invalid %s length" % (what,))


def _line(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _INCOMPLETE
    return buf[pos:end], end + 2


def _parse(buf, pos):
    """
    Parse one RESP value of C{buf} at C{pos}.

    @return: C{(value, next position)}
    @raise _Incomplete: the value is not all there yet.
    """
    if pos >= len(buf):
        raise _INCOMPLETE
    kind = buf[pos]
    if kind == 36:  # $
        raw, pos = _line(buf, pos + 1)
        length = _int(raw, "bulk")
        if length < 0:
            return None, pos
        if length > PROTO_MAX_BULK_LEN:
            raise ProtocolError("invalid bulk length")
        end = pos + length
        if end + 2 > len(buf):
            raise _INCOMPLETE
        return buf[pos:end], end + 2
    if kind in (42, 126, 62, 37):  # * ~ > %
        raw, pos = _line(buf, pos + 1)
        count = _int(raw, "multibulk")
        if count < 0:
            return None, pos
        if count > MAX_MULTIBULK:
            raise ProtocolError("invalid multibulk length")
        if kind == 37:
            result = {}
            for _ in range(count):
                key, pos = _parse(buf, pos)
                value, pos = _parse(buf, pos)
                try:
                    result[key] = value
                except TypeError:
                    raise ProtocolError("unhashable map key")
            return result, pos
        items = []
        for _ in range(count):
            item, pos = _parse(buf, pos)
            items.append(item)
        if kind == 126:
            items = SetReply(items)
        elif kind == 62:
            items = Push(items)
        return items, pos
    if kind == 58:  # :
        raw, pos = _line(buf, pos + 1)
        try:
            return int(raw), pos
        except ValueError:
            raise ProtocolError("invalid integer")
    if kind == 43:  # +
        raw, pos = _line(buf, pos + 1)
        return Status(raw), pos
    if kind == 45:  # -
        raw, pos = _line(buf, pos + 1)
        return ReplyError(raw.decode("utf-8", "replace")), pos
    if kind == 95:  # _
        raw, pos = _line(buf, pos + 1)
        return None, pos
    if kind == 44:  # ,
        raw, pos = _line(buf, pos + 1)
        try:
            return float(raw), pos
        except ValueError:
            raise ProtocolError("invalid double")
    if kind == 35:  # #
        raw, pos = _line(buf, pos + 1)
        if raw not in (b"t", b"f"):
            raise ProtocolError("invalid boolean")
        return raw == b"t", pos
    if kind == 40:  # (
        raw, pos = _line(buf, pos + 1)
        try:
            return BigNumber(int(raw)), pos
        except ValueError:
            raise ProtocolError("invalid big number")
    if kind in (61, 33):  # = !
        raw, pos = _line(buf, pos + 1)
        length = _int(raw, "bulk")
        end = pos + length
        if end + 2 > len(buf):
            raise _INCOMPLETE
        body = buf[pos:end]
        if kind == 33:
            return ReplyError(body.decode("utf-8", "replace")), end + 2
        value = Verbatim(body[4:])
        value.format = body[:3]
        return value, end + 2
    if kind == 124:  # | attribute: parsed and dropped
        raw, pos = _line(buf, pos + 1)
        for _ in range(2 * _int(raw, "multibulk")):
            _, pos = _parse(buf, pos)
        return _parse(buf, pos)
    raise ProtocolError("unexpected type byte %r" % (chr(kind),))


def split_inline(line):
    """
    Split an inline command the way Redis's C{sdssplitargs} does.

    @raise ProtocolError: on an unbalanced quote.
    """
    args = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in b" \t\n\r\v\f":
            i += 1
        if i >= n:
            return args
        current = bytearray()
        quote = None
        while True:
            if quote is None:
                if i >= n or line[i] in b" \t\n\r\v\f\x00":
                    break
                c = line[i]
                if c in b"\"'":
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
                if i + 1 < n and line[i + 1] not in b" \t\n\r\v\f":
                    raise ProtocolError("unbalanced quotes in request")
                quote = None
                i += 1
                break
            current.append(c)
            i += 1
        args.append(bytes(current))


_ESCAPES = {110: 10, 114: 13, 116: 9, 98: 8, 97: 7}


def _is_hex(c):
    return c in b"0123456789abcdefABCDEF"


class Decoder:
    """
    Incremental pure-Python decoder of a stream of RESP values.

    Feed it bytes as they arrive with L{feed}; L{requests} (for a server)
    or L{values} (for a client) return every complete frame so far.

    @ivar inline: whether a line not starting with a RESP type byte is an
        inline command (servers: yes; clients: no).
    """

    def __init__(self, inline=True):
        self._buf = b""
        self._pos = 0
        self.inline = inline
        self.error = None

    def feed(self, data):
        if self._pos:
            self._buf = self._buf[self._pos :] + data
            self._pos = 0
        elif self._buf:
            self._buf += data
        else:
            self._buf = data

    def pending(self):
        """@return: how many fed bytes are not yet a complete frame."""
        return len(self._buf) - self._pos

    def values(self):
        """
        @return: every complete value fed so far, in order.
        @raise ProtocolError: on malformed input.
        """
        out = []
        buf, pos, end = self._buf, self._pos, len(self._buf)
        try:
            while pos < end:
                value, pos = _parse(buf, pos)
                out.append(value)
        except _Incomplete:
            pass
        finally:
            self._pos = pos
        return out

    def requests(self):
        """
        @return: every complete request fed so far: a list of arguments each.
            After malformed input, the requests before it; L{error} is then
            set to the L{ProtocolError} and nothing more is decoded.
        """
        out = []
        if self.error is not None:
            return out
        append = out.append
        buf, pos, end = self._buf, self._pos, len(self._buf)
        find = buf.find
        try:
            while pos < end:
                if buf[pos] == 42:  # the common case: an array of bulk strings
                    nl = find(b"\r\n", pos)
                    if nl < 0:
                        if end - pos > MAX_INLINE:
                            raise ProtocolError("too big mbulk count string")
                        break
                    try:
                        count = int(buf[pos + 1 : nl])
                    except ValueError:
                        raise ProtocolError("invalid multibulk length")
                    if count > MAX_MULTIBULK:
                        raise ProtocolError("invalid multibulk length")
                    p = nl + 2
                    args = []
                    for _ in range(count):
                        if p < end and buf[p] == 36:
                            nl = find(b"\r\n", p)
                            if nl < 0:
                                raise _INCOMPLETE
                            try:
                                length = int(buf[p + 1 : nl])
                            except ValueError:
                                raise ProtocolError("invalid bulk length")
                            if not 0 <= length <= PROTO_MAX_BULK_LEN:
                                raise ProtocolError("invalid bulk length")
                            p = nl + 2 + length
                            if p + 2 > end:
                                raise _INCOMPLETE
                            args.append(buf[nl + 2 : p])
                            p += 2
                        else:
                            value, p = _parse(buf, p)
                            args.append(value)
                    pos = p
                    if count > 0:
                        append(args)
                elif self.inline and buf[pos] not in _TYPE_BYTES:
                    nl = find(b"\n", pos)
                    if nl < 0:
                        if end - pos > MAX_INLINE:
                            raise ProtocolError("too big inline request")
                        break
                    line = buf[pos:nl]
                    pos = nl + 1
                    args = split_inline(line)
                    if args:
                        append(args)
                else:
                    value, pos = _parse(buf, pos)
                    request = _as_request(value)
                    if request:
                        append(request)
        except _Incomplete:
            pass
        except ProtocolError as e:
            self.error = e
        self._pos = pos
        return out


_TYPE_BYTES = frozenset(b"$*:+-_,#(=!~>%|")


def _as_request(value):
    """A request that is not an array: a string is split on spaces."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, (bytes, int)):
        return split_inline(value if isinstance(value, bytes) else b"%d" % value)
    if value is None:
        return []
    raise ProtocolError("expected an array request")


class HiredisDecoder:
    """
    A request decoder that parses with C{hiredis.Reader}, in C.

    It counts the bytes of each request hiredis returns, so it always knows
    where the unparsed input starts. With that it checks the header of a
    partial request against Redis's limits (hiredis has none), and it hands
    the rest of the stream to the pure L{Decoder} for good when the input is
    something hiredis cannot return faithfully: an inline command (what
    telnet and PING_INLINE send) or a request with typed values.
    """

    def __init__(self):
        self._reader = hiredis.Reader(notEnoughData=_INCOMPLETE)
        self._chunks = []
        self._unconsumed = 0
        self._checked = 0
        self._fallback = None
        self.error = None

    def feed(self, data):
        if self._fallback is not None:
            self._fallback.feed(data)
        elif self._unconsumed == 0 and data[:1] != b"*":
            self._switch(data)
        elif data:
            self._reader.feed(data)
            self._chunks.append(data)
            self._unconsumed += len(data)

    def _tail(self, limit=None):
        data = b"".join(self._chunks)
        start = len(data) - self._unconsumed
        return data[start:] if limit is None else data[start : start + limit]

    def _switch(self, rest):
        self._fallback = Decoder()
        self._fallback.feed(rest)
        self._reader = self._chunks = None

    def requests(self):
        if self._fallback is None:
            out = self._parse()
            if self._fallback is None:
                return out
        else:
            out = []
        out.extend(self._fallback.requests())
        self.error = self._fallback.error
        return out

    def _parse(self):
        out = []
        if self.error is not None:
            return out
        gets = self._reader.gets
        while True:
            try:
                value = gets()
            except hiredis.ProtocolError:
                self._switch(self._tail())
                return out
            if value is _INCOMPLETE:
                break
            size = _frame_size(value)
            if size is None:
                self._switch(self._tail())
                return out
            self._unconsumed -= size
            self._checked = 0
            if value:
                out.append(value)
        if self._unconsumed <= 0:
            self._chunks = []
            self._unconsumed = 0
        else:
            self._keep_tail_chunks()
            if self._checked < MAX_INLINE:
                head = self._tail(MAX_INLINE)
                self._checked = len(head)
                check = Decoder()
                check.feed(head)
                check.requests()
                self.error = check.error
        return out

    def _keep_tail_chunks(self):
        kept, size = [], 0
        for chunk in reversed(self._chunks):
            kept.append(chunk)
            size += len(chunk)
            if size >= self._unconsumed:
                break
        kept.reverse()
        self._chunks = kept


def _frame_size(value):
    """@return: the wire size of a request of bulk strings, else None."""
    if type(value) is not list:
        return None
    count = len(value)
    size = 4 if count < 10 else 5 if count < 100 else 3 + len(b"%d" % count)
    for arg in value:
        if type(arg) is not bytes:
            return None
        n = len(arg)
        size += n + (6 if n < 10 else 7 if n < 100 else 5 + len(b"%d" % n))
    return size


def request_decoder():
    """@return: the fastest request decoder available here."""
    if hiredis is not None:
        return HiredisDecoder()
    return Decoder()


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
        for item in value:
            _ENCODERS.get(type(item), _other)(item, proto, out)

    return encode_aggregate


def _replies(value, proto, out):
    for item in value:
        _ENCODERS.get(type(item), _other)(item, proto, out)


def _map(value, proto, out):
    if proto == 3:
        out.append(b"%%%d\r\n" % len(value))
    else:
        out.append(b"*%d\r\n" % (2 * len(value)))
    for k, v in value.items():
        _ENCODERS.get(type(k), _other)(k, proto, out)
        _ENCODERS.get(type(v), _other)(v, proto, out)


def _verbatim(value, proto, out):
    if proto == 3:
        out.append(b"=%d\r\n%s:%s\r\n" % (len(value) + 4, value.format, value))
    else:
        _bulk(value, proto, out)


def _other(value, proto, out):
    for kind, encoder in _ENCODERS.items():
        if isinstance(value, kind):
            return encoder(value, proto, out)
    if isinstance(value, str):
        return _bulk(value.encode("utf-8"), proto, out)
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
    Replies: _replies,
    dict: _map,
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
            arg = arg.encode("utf-8")
            out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
        elif isinstance(arg, float) and not isinstance(arg, bool):
            text = repr(arg).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(text), text))
        else:
            _ENCODERS.get(type(arg), _other)(arg, 3, out)
    return b"".join(out)
