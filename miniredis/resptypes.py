"""
The values of RESP: reply types, request types and the protocol's limits.

Part of the RESP codec whose public face is L{miniredis.resp} (import from
there); this module holds the types every other part shares, and nothing
that parses or formats bytes. The codec is split as:

    resptypes.py    these types, L{ProtocolError} and Redis's limits
    respdecoder.py  the pure-Python incremental decoder (requests, replies)
    resphiredis.py  the request decoder on hiredis, and the choice of decoder
    respencoder.py  the encoder (one function per type, both protocols)

Usage::

    from miniredis.resp import OK, ReplyError, Status

    raise ReplyError("ERR syntax error")
"""

PROTO_MAX_BULK_LEN = 512 * 1024 * 1024
MAX_MULTIBULK = 2**31 - 1
MAX_INLINE = 64 * 1024
# What a client that has not authenticated may send, as Redis limits it.
UNAUTHENTICATED_ARGS = 10
UNAUTHENTICATED_BULK = 16 * 1024
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


class Double(bytes):
    """A double already written out: a RESP3 double, a bulk string under RESP2."""


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


class Attribute(dict):
    """
    A RESP3 attribute map, sent before the reply it describes; a RESP2
    client gets nothing of it.
    """


class Replies(list):
    """Several replies to one command, sent one after the other (SUBSCRIBE)."""


class _NullArray:
    def __repr__(self):
        return "NULL_ARRAY"


NULL_ARRAY = _NullArray()
OK = Status(b"OK")


def plain_arg(arg):
    """A scalar typed argument (an int, a double, a boolean) as bytes."""
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
