"""
RESP2 and RESP3: reply types, incremental decoders and the encoder.

This module is the codec's public face: import from here. It re-exports the
parts, which live in modules of their own (none of them imports the
reactor or the command table):

    L{miniredis.resptypes}    reply and request types, L{ProtocolError}, limits
    L{miniredis.respdecoder}  the pure-Python incremental L{Decoder}
    L{miniredis.resphiredis}  L{HiredisDecoder} (CPython) and L{request_decoder}
    L{miniredis.respencoder}  L{encode}, L{encode_into}, L{encode_command}

Python values stand for RESP values::

    bytes -> $ bulk string      Status -> + simple string   ReplyError -> - error
    int   -> : integer          float  -> , double          bool -> # boolean
    None  -> null               list   -> * array           dict -> % map
    SetReply -> ~ set           Push   -> > push            Verbatim -> = verbatim
    BigNumber -> ( big number   NULL_ARRAY -> *-1 (RESP2) / _ (RESP3)
    Double -> , double already written out (a bulk string under RESP2)
    PairMap -> % map of [key, value] pairs (an array of the pairs under RESP2)
    Attribute -> | attributes before the next reply (nothing under RESP2)

Usage::

    decoder = Decoder()
    decoder.feed(b"*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n")
    decoder.requests()          # [[b"GET", b"k"]]
    encode([b"a", 1, None], 2)  # b"*3\\r\\n$1\\r\\na\\r\\n:1\\r\\n$-1\\r\\n"
"""

from miniredis.respdecoder import Decoder, split_inline
from miniredis.respencoder import (
    ARRAY_HEADERS,
    BULK_HEADERS,
    encode,
    encode_command,
    encode_into,
    format_double,
)
from miniredis.resphiredis import (
    HIREDIS_MAX_ELEMENTS,
    HiredisDecoder,
    hiredis,
    request_decoder,
)
from miniredis.resptypes import (
    MAX_DEPTH,
    MAX_INLINE,
    MAX_MULTIBULK,
    NULL_ARRAY,
    OK,
    PROTO_MAX_BULK_LEN,
    Attribute,
    BigNumber,
    Double,
    PairMap,
    Pairs,
    ProtocolError,
    Push,
    Replies,
    ReplyError,
    SetReply,
    Status,
    TypedRequest,
    Verbatim,
    plain_arg,
)

__all__ = [
    "ARRAY_HEADERS",
    "BULK_HEADERS",
    "HIREDIS_MAX_ELEMENTS",
    "MAX_DEPTH",
    "MAX_INLINE",
    "MAX_MULTIBULK",
    "NULL_ARRAY",
    "OK",
    "PROTO_MAX_BULK_LEN",
    "Attribute",
    "BigNumber",
    "Decoder",
    "Double",
    "PairMap",
    "HiredisDecoder",
    "Pairs",
    "ProtocolError",
    "Push",
    "Replies",
    "ReplyError",
    "SetReply",
    "Status",
    "TypedRequest",
    "Verbatim",
    "encode",
    "encode_command",
    "encode_into",
    "format_double",
    "hiredis",
    "plain_arg",
    "request_decoder",
    "split_inline",
]
