"""
The request decoder on C{hiredis.Reader} (in C), and L{request_decoder},
which picks the fastest decoder this interpreter has.

Part of the RESP codec whose public face is L{miniredis.resp}. hiredis is
used only where it is installed (CPython) and where the probe of its C
reader's fields (L{_reader_fields}) finds what it expects; anything
else gets the pure L{miniredis.respdecoder.Decoder}.

Usage::

    decoder = request_decoder(max_bulk=512 * 1024 * 1024)
    decoder.feed(data)
    decoder.requests()
"""

import ctypes
from itertools import chain

try:
    import hiredis
except ImportError:  # PyPy, or hiredis not installed
    hiredis = None

from miniredis.respdecoder import Decoder
from miniredis.resptypes import MAX_INLINE, MAX_MULTIBULK, PROTO_MAX_BULK_LEN


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
        self._reader, self._index, self._kind = _reader()
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
            self._reader, self._index, self._kind = _reader()
        elif self._unconsumed == 0 and data[0] != 42:
            self._switch(data)
            return
        self._reader.feed(data)
        self._chunks.append(data)
        self._unconsumed += len(data)

    def pending(self):
        """@return: how many fed bytes are not yet part of a returned request."""
        fallback = self._fallback
        return self._unconsumed + (0 if fallback is None else fallback.pending())

    def requests(self):
        out = self._parse() if self._fallback is None else []
        if self._fallback is not None:
            out.extend(self._fallback.requests())
            self.error = self._fallback.error
        return out

    def _parse(self):
        requests = []
        gets = self._reader.gets
        try:
            value = gets()
            while type(value) is list:
                requests.append(value)
                value = gets()
        except Exception:  # hiredis.ProtocolError, or a list as map key
            value = None
        if (
            value is _NOT_ENOUGH
            and requests
            and self._offset == 0
            and (self._index.value == -1 or self._kind.value == -1)
            and not self._reader.has_data()  # no reply begun, nothing unread
        ):
            if _bulk_strings_only(requests):
                self._chunks = []
                self._unconsumed = 0
                self._partial = None
                return [r for r in requests if r] if [] in requests else requests
        return self._checked(requests, value)

    def _checked(self, requests, last):
        """
        Check the C{requests} hiredis read, one by one, against the bytes
        they came from, and go on with the pure decoder from the first
        that is not an array of bulk strings.

        @param last: what hiredis returned after them: C{_NOT_ENOUGH}, a
            value that is no array, or None for an error.
        @return: the requests that passed.
        """
        out = []
        if not requests and last is _NOT_ENOUGH:
            if self._unconsumed and not self._check_partial():
                self._switch(self._rest(self._offset))
            return out
        chunks = self._chunks
        buf = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        pos = self._offset
        for value in requests:
            # Where the request ends, if it is an array of bulk strings byte
            # for byte (hiredis returns simple strings, verbatim strings and
            # big numbers as bytes too, and reads attributes as arrays).
            if buf[pos] != 42:
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
        if last is not _NOT_ENOUGH:
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
        self._reader = self._index = self._kind = None
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


def _bulk_strings_only(requests):
    """
    Whether the C{requests} (arrays) that hiredis read hold nothing but
    strings, told at C speed: no null, integer, double, boolean, error or
    aggregate. hiredis has checked that their headers are well formed; the
    strings it reads from simple strings, big numbers and verbatim strings
    are the ones the pure decoder reads from them. When this says no, the
    requests are checked one by one (L{HiredisDecoder._checked}).
    """
    try:
        b"".join(chain.from_iterable(requests))
    except TypeError:
        return False
    return True


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


def _reader_fields():
    """
    hiredis allocates an array in full as soon as it reads its header, so
    fourteen bytes claiming two billion elements would cost seconds of CPU
    to free when the connection closes. Its C reader has a limit for that
    (C{maxelements}), which hiredis-py does not expose; nor does it tell
    whether the reader has begun a reply it could not finish, which
    L{HiredisDecoder} needs to know to trust a whole read at once.

    @return: a function that sets a C{hiredis.Reader}'s element limit and
        returns C{ctypes} views of two fields of its C struct: the index
        of the reply being read (C{ridx}, -1 between replies) and the type
        of its outermost element (-1 when not a byte of it was read). They
        are found after checking on a probe that the fields around them
        hold what they must; None if they do not (then hiredis is not used).
    """
    if hiredis is None or ctypes.sizeof(ctypes.c_void_p) != 8:
        return None
    if hiredis.__version__.split(".")[0] not in ("2", "3"):
        return None

    def fields(reader):
        # hiredis_ReaderObject: PyObject_HEAD, then its redisReader *; in
        # that: int err, char errstr[128], char *buf, size_t pos, len,
        # maxbuf, long long maxelements, redisReadTask **task, int tasks,
        # int ridx. A redisReadTask starts with its int type; task[0] stays
        # where it is when the array of tasks grows.
        struct = ctypes.c_void_p.from_address(id(reader) + 16).value
        first = ctypes.c_void_p.from_address(struct + 176).value
        return (
            (ctypes.c_int64 * 3).from_address(struct + 152),
            ctypes.c_int.from_address(struct + 188),
            ctypes.c_int.from_address(ctypes.c_void_p.from_address(first).value),
        )

    probe = hiredis.Reader()
    probe.feed(b"+probe")
    probe.setmaxbuf(12345)
    sizes, index, kind = fields(probe)
    if list(sizes) != [6, 12345, 2**32 - 1] or index.value != -1:
        return None
    steps = [(b"", False, 0, 5), (b"\r\n", b"probe", -1, 5), (b"", False, 0, -1)]
    for data, reply, expected_index, expected_kind in steps:
        probe.feed(data)
        if probe.gets() != reply or (index.value, kind.value) != (
            expected_index,
            expected_kind,
        ):
            return None

    def limited(reader, count):
        """Limit C{reader}'s arrays to C{count} elements; @return: the views."""
        sizes, index, kind = fields(reader)
        sizes[2] = count
        return index, kind

    return limited


_limited = _reader_fields()

# Larger requests are decoded by the pure decoder, which never allocates
# before elements arrive.
HIREDIS_MAX_ELEMENTS = 65536


def _reader():
    """@return: a new C{hiredis.Reader} and the views of its reply state."""
    reader = hiredis.Reader(notEnoughData=_NOT_ENOUGH)
    return (reader, *_limited(reader, HIREDIS_MAX_ELEMENTS))


def request_decoder(max_bulk=PROTO_MAX_BULK_LEN):
    """
    @param max_bulk: the longest argument a request may carry.
    @return: the fastest request decoder available here.
    """
    if _limited is not None:
        return HiredisDecoder(max_bulk)
    return Decoder(max_bulk=max_bulk)
