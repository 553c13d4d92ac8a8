"""
The RESP codec: encoding, the two request decoders (pure Python and
hiredis) and the reply decoder, Redis's limits and their error texts.

The texts and the close-or-not outcome of malformed input are checked
against a real redis-server 7.0.15 by sending it the same raw bytes.
"""

import os
import socket
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twisted.internet import task

from miniredis import resp
from miniredis.protocol import MiniRedisFactory
from miniredis.resp import (
    NULL_ARRAY,
    OK,
    BigNumber,
    Decoder,
    ProtocolError,
    Push,
    ReplyError,
    SetReply,
    Status,
    Verbatim,
    encode,
    encode_command,
    split_inline,
)
from tests.local import loopback_transport, receive
from tests.servers import ROOT

needs_hiredis = pytest.mark.skipif(resp.hiredis is None, reason="hiredis missing")
DECODERS = [Decoder]
if resp.hiredis is not None:
    DECODERS.append(resp.HiredisDecoder)


def decode(decoder_class, chunks):
    """@return: C{(requests, error text or None)} after feeding C{chunks}."""
    decoder = decoder_class()
    out = []
    for chunk in chunks:
        decoder.feed(chunk)
        out.extend(decoder.requests())
    return out, None if decoder.error is None else str(decoder.error)


def replies(data, chunks=None):
    """@return: the values a client decoder reads from C{data}."""
    decoder = Decoder(inline=False)
    out = []
    for chunk in chunks or [data]:
        decoder.feed(chunk)
        out.extend(decoder.values())
    assert decoder.pending() == 0
    return out


# ---------------------------------------------------------------- encoding

ENCODINGS = [
    (b"abc", b"$3\r\nabc\r\n", b"$3\r\nabc\r\n"),
    (b"", b"$0\r\n\r\n", b"$0\r\n\r\n"),
    (OK, b"+OK\r\n", b"+OK\r\n"),
    (ReplyError("ERR bad\r\nthing"), b"-ERR bad  thing\r\n", b"-ERR bad  thing\r\n"),
    (42, b":42\r\n", b":42\r\n"),
    (-1, b":-1\r\n", b":-1\r\n"),
    (True, b":1\r\n", b"#t\r\n"),
    (False, b":0\r\n", b"#f\r\n"),
    (1.5, b"$3\r\n1.5\r\n", b",1.5\r\n"),
    (0.1, b"$19\r\n0.10000000000000001\r\n", b",0.10000000000000001\r\n"),
    (float("inf"), b"$3\r\ninf\r\n", b",inf\r\n"),
    (float("-inf"), b"$4\r\n-inf\r\n", b",-inf\r\n"),
    (None, b"$-1\r\n", b"_\r\n"),
    (NULL_ARRAY, b"*-1\r\n", b"_\r\n"),
    (BigNumber(10**30), b"$31\r\n1" + b"0" * 30 + b"\r\n", b"(1" + b"0" * 30 + b"\r\n"),
    (
        [b"a", 1, None],
        b"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n",
        b"*3\r\n$1\r\na\r\n:1\r\n_\r\n",
    ),
    ([], b"*0\r\n", b"*0\r\n"),
    (
        {b"k": [1, {b"x": None}]},
        None,
        b"%1\r\n$1\r\nk\r\n*2\r\n:1\r\n%1\r\n$1\r\nx\r\n_\r\n",
    ),
    (SetReply([b"a"]), b"*1\r\n$1\r\na\r\n", b"~1\r\n$1\r\na\r\n"),
    (
        Push([b"message", b"c", b"m"]),
        None,
        b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n",
    ),
    (
        SetReply([[b"a"], SetReply([b"b"])]),
        b"*2\r\n*1\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n",
        b"~2\r\n*1\r\n$1\r\na\r\n~1\r\n$1\r\nb\r\n",
    ),
    (
        Push([b"invalidate", [b"k"]]),
        None,
        b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n",
    ),
    ([[b""] * 1023], b"*1\r\n*1023\r\n" + b"$0\r\n\r\n" * 1023, None),
    ([[b""] * 1024], b"*1\r\n*1024\r\n" + b"$0\r\n\r\n" * 1024, None),
    ("é", b"$2\r\n\xc3\xa9\r\n", b"$2\r\n\xc3\xa9\r\n"),
    ((1, 2), b"*2\r\n:1\r\n:2\r\n", b"*2\r\n:1\r\n:2\r\n"),
]


@pytest.mark.parametrize("value, resp2, resp3", ENCODINGS)
def test_encode(value, resp2, resp3):
    if resp2 is not None:
        assert encode(value, 2) == resp2
    assert encode(value, 3) == (resp2 if resp3 is None else resp3)


def test_encode_map_resp2_is_flattened():
    assert (
        encode({b"a": 1, b"b": None}, 2) == b"*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n"
    )


def test_encode_verbatim():
    value = Verbatim(b"hello")
    value.format = b"txt"
    assert encode(value, 3) == b"=9\r\ntxt:hello\r\n"
    assert encode(value, 2) == b"$5\r\nhello\r\n"


def test_encode_subclass_uses_its_closest_type():
    class Name(Status):
        pass

    class Counter(int):
        pass

    assert encode(Name(b"OK"), 2) == b"+OK\r\n"
    assert encode(Counter(3), 3) == b":3\r\n"


def test_encode_unknown_type():
    with pytest.raises(TypeError):
        encode(object())


def test_encode_command_typed_arguments():
    data = encode_command(["SET", b"k", {"a": [1, None]}, 2.5, 7])
    assert data == (
        b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n%1\r\n$1\r\na\r\n*2\r\n:1\r\n_\r\n"
        b"$3\r\n2.5\r\n:7\r\n"
    )


# ---------------------------------------------------------------- decoding replies

DECODINGS = [
    (b"+OK\r\n", OK, Status),
    (b"-ERR x y\r\n", ReplyError("ERR x y"), ReplyError),
    (b":-12\r\n", -12, int),
    (b"$3\r\na\r\n\r\n", b"a\r\n", bytes),
    (b"$-1\r\n", None, type(None)),
    (b"*-1\r\n", None, type(None)),
    (b"_\r\n", None, type(None)),
    (b",3.25\r\n", 3.25, float),
    (b",-inf\r\n", float("-inf"), float),
    (b"#t\r\n", True, bool),
    (b"#f\r\n", False, bool),
    (b"(12345678901234567890123\r\n", 12345678901234567890123, BigNumber),
    (b"=9\r\ntxt:hello\r\n", b"hello", Verbatim),
    (b"!7\r\nERR bad\r\n", ReplyError("ERR bad"), ReplyError),
    (b"*2\r\n*1\r\n:1\r\n%1\r\n+a\r\n~1\r\n#t\r\n", [[1], {b"a": [True]}], list),
    (b"%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n", {b"a": 1, b"b": None}, dict),
    (b"~2\r\n:1\r\n:2\r\n", [1, 2], SetReply),
    (b">2\r\n$1\r\na\r\n$1\r\nb\r\n", [b"a", b"b"], Push),
    (b"|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n", b"v", bytes),
]


@pytest.mark.parametrize("data, value, kind", DECODINGS)
def test_decode_value(data, value, kind):
    [decoded] = replies(data)
    assert decoded == value
    assert type(decoded) is kind


def test_decode_verbatim_format():
    [decoded] = replies(b"=9\r\nmkd:hello\r\n")
    assert decoded.format == b"mkd"


@pytest.mark.parametrize("data, value, kind", DECODINGS)
def test_decode_value_byte_by_byte(data, value, kind):
    [decoded] = replies(data, [data[i : i + 1] for i in range(len(data))])
    assert decoded == value


@pytest.mark.parametrize(
    "data",
    [
        b"?x\r\n",
        b"$x\r\n",
        b"$01\r\nab\r\n",
        b"*+1\r\n:1\r\n",
        b":1x\r\n",
        b"#x\r\n",
        b",abc\r\n",
        b"=3\r\nabc\r\n",
        b"%1\r\n*1\r\n:1\r\n:2\r\n",
    ],
)
def test_decode_malformed_reply(data):
    decoder = Decoder(inline=False)
    decoder.feed(data)
    with pytest.raises(ProtocolError):
        decoder.values()


def test_decode_nesting_limit():
    deep = b"*1\r\n" * (2 * resp.MAX_DEPTH) + b":1\r\n"
    value = replies(deep)[0]
    for _ in range(2 * resp.MAX_DEPTH):
        value = value[0]
    assert value == 1
    decoder = Decoder(inline=False)
    decoder.feed(b"*1\r\n" + deep)
    with pytest.raises(ProtocolError, match="too deeply nested"):
        decoder.values()


def resp3_values():
    leaves = st.one_of(
        st.binary(max_size=20),
        st.builds(
            Status,
            st.binary(max_size=10).filter(lambda b: b"\r" not in b and b"\n" not in b),
        ),
        st.integers(-(2**63), 2**63 - 1),
        st.builds(BigNumber, st.integers(-(10**40), 10**40)),
        st.floats(allow_nan=False),
        st.booleans(),
        st.none(),
        st.builds(ReplyError, st.text("abcdefERR ", min_size=1, max_size=12)),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.builds(SetReply, st.lists(inner, max_size=3)),
            st.builds(Push, st.lists(inner, max_size=3)),
            st.dictionaries(st.binary(max_size=5), inner, max_size=3),
        ),
        max_leaves=12,
    )


def same(a, b):
    """Equal, and of the same RESP type all the way down."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    else:
        assert a == b


@settings(max_examples=200, deadline=None)
@given(st.lists(resp3_values(), min_size=1, max_size=4), st.data())
def test_resp3_round_trip(values, data):
    wire = b"".join(encode(value, 3) for value in values)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=5)))
    chunks = [wire[a:b] for a, b in zip([0] + cuts, cuts + [len(wire)])]
    decoded = replies(wire, chunks)
    assert len(decoded) == len(values)
    for value, back in zip(values, decoded):
        same(value, back)


def resp2_view(value):
    """What a RESP2 client reads back for C{value}."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, BigNumber):
        return b"%d" % value
    if isinstance(value, float):
        return resp.format_double(value)
    if isinstance(value, dict):
        flat = []
        for key, item in value.items():
            flat += [resp2_view(key), resp2_view(item)]
        return flat
    if isinstance(value, list):
        return [resp2_view(item) for item in value]
    return value


@settings(max_examples=200, deadline=None)
@given(resp3_values())
def test_resp2_round_trip(value):
    [back] = replies(encode(value, 2))
    assert back == resp2_view(value)
    if isinstance(back, list):
        assert type(back) is list


# ---------------------------------------------------------------- requests

STREAMS = [
    # bulk arrays, pipelined
    b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n",
    # binary values, an empty argument, an empty array, a null array
    b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$3\r\n\x00\xff*\r\n*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n",
    # inline commands between arrays, empty lines, LF only
    b"PING\r\n\r\n  \r\n*1\r\n$4\r\nPING\r\nECHO 'a b'\nSET k \"v\\x41\"\r\n",
    # typed values: ints, nested arrays, maps, null
    encode_command(["SET", "k", [1, [2, None], {"a": -3}]])
    + encode_command(["GET", "k"]),
    # simple strings, verbatim strings and big numbers as arguments
    b"*2\r\n$4\r\nECHO\r\n+hi\r\n*2\r\n$4\r\nECHO\r\n=8\r\ntxt:abcd\r\n"
    b"*2\r\n$4\r\nECHO\r\n(007\r\n*2\r\n$4\r\nECHO\r\n+0123456789\r\n",
    # a set and attributes at the top level
    b"~2\r\n$4\r\nECHO\r\n$1\r\nx\r\n|1\r\n+a\r\n+b\r\n*1\r\n$4\r\nPING\r\n",
    # a request that is a simple string, a bulk string
    b"+PING\r\n$9\r\nECHO  abc\r\n:7\r\n",
    # a bulk string not followed by CRLF: Redis skips two bytes unread
    b"*1\r\n$4\r\nPINGxx*2\r\n$4\r\nECHO\r\n$2\r\nabYY",
    # ends inside a request
    b"*2\r\n$4\r\nECHO\r\n$10\r\n0123456789\r\n*2\r\n$4\r\nEC",
    # errors after valid requests
    b"*1\r\n$4\r\nPING\r\n*1\r\n$abc\r\n*1\r\n$4\r\nPING\r\n",
    b"*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$-1\r\n",
    b'ECHO "unbalanced\r\n',
    b"*2\r\n$4\r\nECHO\r\n+x\r\n*1\r\n%1\r\n*1\r\n:1\r\n:2\r\n",
]


@pytest.mark.parametrize("decoder_class", DECODERS)
@pytest.mark.parametrize("stream", STREAMS)
def test_split_anywhere(decoder_class, stream):
    whole = decode(Decoder, [stream])
    assert decode(decoder_class, [stream]) == whole
    for i in range(len(stream) + 1):
        assert decode(decoder_class, [stream[:i], stream[i:]]) == whole, i
    bytewise = [stream[i : i + 1] for i in range(len(stream))]
    assert decode(decoder_class, bytewise) == whole


@pytest.mark.parametrize("decoder_class", DECODERS)
def test_pending_counts_a_cut_request_from_its_start(decoder_class):
    """
    The bytes of a request not yet complete are pending, those of its
    arguments already read too (CLIENT LIST's qbuf, the query buffer limit).
    """
    done = b"*1\r\n$4\r\nPING\r\n"
    cut = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"
    decoder = decoder_class()
    decoder.feed(done)
    assert decoder.requests() == [[b"PING"]]
    for i in range(len(cut) - 1):
        decoder.feed(cut[i : i + 1])
        assert decoder.requests() == []
        assert decoder.pending() == i + 1
    decoder.feed(cut[-1:] + cut[:19])
    assert decoder.requests() == [[b"SET", b"k", b"value"]]
    assert decoder.pending() == 19


@pytest.mark.parametrize("decoder_class", DECODERS)
def test_requests_decoded(decoder_class):
    assert decode(decoder_class, STREAMS[2:4]) == (
        [
            [b"PING"],
            [b"PING"],
            [b"ECHO", b"a b"],
            [b"SET", b"k", b"vA"],
            [b"SET", b"k", [1, [2, None], {b"a": -3}]],
            [b"GET", b"k"],
        ],
        None,
    )
    assert decode(decoder_class, STREAMS[4:8]) == (
        [
            [b"ECHO", b"hi"],
            [b"ECHO", b"abcd"],
            [b"ECHO", b"007"],
            [b"ECHO", b"0123456789"],
            [b"ECHO", b"x"],
            [b"a", b"b"],
            [b"PING"],
            [b"PING"],
            [b"ECHO", b"abc"],
            [b"7"],
            [b"PING"],
            [b"ECHO", b"ab"],
        ],
        None,
    )


@pytest.mark.parametrize("decoder_class", DECODERS)
def test_string_arguments_are_plain_bytes(decoder_class):
    [request] = decode(decoder_class, [STREAMS[4]])[0][:1]
    assert [type(arg) for arg in request] == [bytes, bytes]


@pytest.mark.parametrize("decoder_class", DECODERS)
def test_pipelined_batch(decoder_class):
    requests = [[b"SET", b"key:%d" % i, b"v" * (i % 300)] for i in range(2000)]
    wire = b"".join(encode_command(r) for r in requests)
    chunks = [wire[i : i + 1000] for i in range(0, len(wire), 1000)]
    assert decode(decoder_class, [wire]) == (requests, None)
    assert decode(decoder_class, chunks) == (requests, None)


@pytest.mark.parametrize("decoder_class", DECODERS)
def test_large_value_in_many_reads_is_linear(decoder_class):
    value = b"x" * (32 * 1024 * 1024)
    wire = encode_command([b"SET", b"k", value])
    started = time.perf_counter()
    out, error = decode(
        decoder_class, [wire[i : i + 16384] for i in range(0, len(wire), 16384)]
    )
    elapsed = time.perf_counter() - started
    assert error is None and out[0][2] == value
    assert elapsed < 3.0, elapsed


@needs_hiredis
def test_hiredis_decoder_goes_back_to_hiredis():
    decoder = resp.HiredisDecoder()
    decoder.feed(b"PING\r\n")
    assert decoder.requests() == [[b"PING"]]
    assert decoder._fallback is not None
    decoder.feed(b"*1\r\n$4\r\nPING\r\n")
    assert decoder.requests() == [[b"PING"]]
    assert decoder._fallback is None


@needs_hiredis
def test_hiredis_decoder_counts_string_arguments_exactly():
    # +0123456789 is four bytes shorter than $10\r\n0123456789: a decoder
    # taking hiredis's bytes for bulk strings would lose its place.
    decoder = resp.HiredisDecoder()
    decoder.feed(b"*1\r\n+0123456789\r\n*1\r\n")
    assert decoder.requests() == [[b"0123456789"]]
    decoder.feed(b"$4\r\nPING\r\n")
    assert decoder.requests() == [[b"PING"]]
    assert decoder.error is None


LONG_REQUESTS = {
    "long-bulk": encode_command([b"SET", b"k", b"v" * 5000]),
    "around-1000": encode_command([b"SET", b"v" * 999, b"w" * 1000, b"x"]),
    "long-nested-array": encode_command([b"RPUSH", b"k", [b"e"] * 1500]),
    "long-bulk-then-simple-string": b"*3\r\n$3\r\nSET\r\n$1500\r\n"
    + b"v" * 1500
    + b"\r\n+x\r\n",
}


@needs_hiredis
@pytest.mark.parametrize("name", sorted(LONG_REQUESTS))
def test_hiredis_decoder_long_arguments(name):
    """Arguments of 1000 bytes or elements take the exact count's slow way."""
    data = LONG_REQUESTS[name] + encode_command([b"ECHO", b"after"])
    hiredis_decoder, pure = resp.HiredisDecoder(), resp.Decoder()
    hiredis_decoder.feed(data)
    pure.feed(data)
    assert hiredis_decoder.requests() == pure.requests()
    assert hiredis_decoder.error is pure.error is None


# ---------------------------------------------------------------- inline commands

INLINE = [
    (b"SET k v", [b"SET", b"k", b"v"]),
    (b"  SET \t k   v  ", [b"SET", b"k", b"v"]),
    (b"SET\vk\fv\r", [b"SET", b"k", b"v"]),
    (b"ECHO a\x1cb\x85c\xa0d", [b"ECHO", b"a\x1cb\x85c\xa0d"]),
    (b'ECHO "a b"', [b"ECHO", b"a b"]),
    (b'ECHO "\\x41\\n\\r\\t\\b\\a"', [b"ECHO", b"A\n\r\t\b\a"]),
    (b'ECHO "\\x4"', [b"ECHO", b"x4"]),
    (b'ECHO "\\xZZ"', [b"ECHO", b"xZZ"]),
    (b'ECHO "\\z\\\\\\""', [b"ECHO", b'z\\"']),
    (b"ECHO 'a\\'b'", [b"ECHO", b"a'b"]),
    (b"ECHO 'a\\nb'", [b"ECHO", b"a\\nb"]),
    (b'ECHO ""', [b"ECHO", b""]),
    (b"ECHO '' x", [b"ECHO", b"", b"x"]),
    (b'ECHO ab"c d"e', None),
    (b'ECHO ab"c d" e', [b"ECHO", b"abc d", b"e"]),
    (b"ECHO a\x00b", [b"ECHO", b"a\x00b"]),
    (b"", []),
    (b" \t ", []),
]


@pytest.mark.parametrize("line, args", INLINE)
def test_split_inline(line, args):
    if args is None:
        with pytest.raises(ProtocolError, match="unbalanced quotes in request"):
            split_inline(line)
    else:
        assert split_inline(line) == args


@pytest.mark.parametrize(
    "line", [b'PING "abc', b"PING 'abc", b'PING "a"b', b'ECHO "a""b"', b'ECHO "\\"']
)
def test_split_inline_unbalanced(line):
    with pytest.raises(ProtocolError, match="unbalanced quotes in request"):
        split_inline(line)


# ---------------------------------------------------------------- limits


def big(n):
    return b"1" * n


# (input, requests decoded before the error, error text or None)
LIMITS = [
    (b"*1\r\n$4\r\nPING\r\n*1\r\n$600000000\r\n", 1, "invalid bulk length"),
    (b"*1\r\n$536870913\r\n", 0, "invalid bulk length"),
    (b"*1\r\n$536870912\r\n", 0, None),
    (b"*2147483648\r\n", 0, "invalid multibulk length"),
    (b"*2147483647\r\n", 0, None),
    (b"*99999999999999999999\r\n", 0, "invalid multibulk length"),
    (b"*abc\r\n", 0, "invalid multibulk length"),
    (b"*\r\n", 0, "invalid multibulk length"),
    (b"*+1\r\n$4\r\nPING\r\n", 0, "invalid multibulk length"),
    (b"* 1\r\n$4\r\nPING\r\n", 0, "invalid multibulk length"),
    (b"*01\r\n$4\r\nPING\r\n", 0, "invalid multibulk length"),
    (b"*-0\r\n", 0, "invalid multibulk length"),
    (b"*1_0\r\n", 0, "invalid multibulk length"),
    (b"*1\r\n$abc\r\n", 0, "invalid bulk length"),
    (b"*1\r\nfoo\r\n", 0, "expected '$', got 'f'"),
    (b"*1\r\n$\r\n", 0, "invalid bulk length"),
    (b"*1\r\n$-1\r\n", 0, "invalid bulk length"),
    (b"*1\r\n$-5\r\n", 0, "invalid bulk length"),
    (b"*1\r\n$-0\r\n", 0, "invalid bulk length"),
    (b"*1\r\n$+4\r\nPING\r\n", 0, "invalid bulk length"),
    (b"*1\r\n$04\r\nPING\r\n", 0, "invalid bulk length"),
    (b"*1\r\n$4 \r\nPING\r\n", 0, "invalid bulk length"),
    (b"*1\r\n$1_0\r\n", 0, "invalid bulk length"),
    (b"*1\r\n$99999999999999999999\r\n", 0, "invalid bulk length"),
    (b'PING "abc\r\n', 0, "unbalanced quotes in request"),
    (b"PING 'abc\r\n", 0, "unbalanced quotes in request"),
    (b'PING "a"b\r\n', 0, "unbalanced quotes in request"),
    (b"x" * 70000, 0, "too big inline request"),
    (b"x" * 65536, 0, None),
    (b"*1\r\n$4\r\nPING\r\n" + b"x" * 70000, 1, "too big inline request"),
    (b"*" + big(70000), 0, "too big mbulk count string"),
    (b"*" + big(70000) + b"\r\n", 0, "invalid multibulk length"),
    (b"*1\r\n$" + big(70000), 0, "too big bulk count string"),
    (b"*1\r\n$4\r\nPING\r\n*1\r\n$" + big(70000), 1, "too big bulk count string"),
    (b"*-1\r\nPING\r\n", 1, None),
    (b"*0\r\nPING\r\n", 1, None),
    (b"\r\n\r\nPING\r\n", 1, None),
    (b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", 2, None),
]


@pytest.mark.parametrize("decoder_class", DECODERS)
@pytest.mark.parametrize(
    "data, before, error", LIMITS, ids=[repr(c[0][:24]) for c in LIMITS]
)
def test_limits(decoder_class, data, before, error):
    out, text = decode(decoder_class, [data])
    assert (len(out), text) == (before, error)
    if b"\r\n" not in data[resp.MAX_INLINE :]:
        # Arriving in pieces changes nothing (but a line longer than the
        # limit is only refused as such while its end has not arrived).
        pieces = [data[i : i + 4096] for i in range(0, len(data), 4096)]
        assert decode(decoder_class, pieces) == (out, text)


@pytest.mark.parametrize("decoder_class", DECODERS)
def test_bulk_length_checked_before_its_data_arrives(decoder_class):
    first = encode_command([b"SET", b"k", b"v" * 70000])
    bad = b"*2\r\n$3\r\nSET\r\n$70000\r\n" + b"v" * 70000 + b"\r\n$600000000\r\n"
    decoder = decoder_class()
    for i in range(0, len(first), 1000):
        decoder.feed(first[i : i + 1000])
    assert decoder.requests() == [[b"SET", b"k", b"v" * 70000]]
    for i in range(0, len(bad), 1000):
        decoder.feed(bad[i : i + 1000])
        decoder.requests()
    assert str(decoder.error) == "invalid bulk length"


@pytest.mark.parametrize("decoder_class", DECODERS)
def test_endless_line_is_refused(decoder_class):
    for start in [b"*1\r\n$", b"*1\r\n:", b"*2\r\n$1\r\na\r\n+", b"*"]:
        decoder = decoder_class()
        decoder.feed(start)
        for _ in range(20):
            decoder.feed(b"1" * 4096)
            decoder.requests()
        assert decoder.error is not None, start


@pytest.mark.parametrize("decoder_class", DECODERS)
@pytest.mark.parametrize(
    "data",
    [
        b"*2147483647\r\n",
        b"*2\r\n$3\r\nSET\r\n*2147483647\r\n",
        b"*2\r\n$3\r\nSET\r\n~2147483647\r\n",
        b"*2\r\n$3\r\nSET\r\n*1\r\n>2147483647\r\n",
    ],
)
def test_huge_count_costs_nothing(decoder_class, data):
    # hiredis allocates a whole array when it reads its header: two billion
    # elements took seconds of CPU to free when the connection closed.
    started = time.perf_counter()
    for _ in range(3):
        decoder = decoder_class()
        decoder.feed(data)
        assert decoder.requests() == []
        assert decoder.error is None
        del decoder
    assert time.perf_counter() - started < 0.5


@needs_hiredis
def test_hiredis_decoder_is_the_server_decoder():
    assert isinstance(resp.request_decoder(), resp.HiredisDecoder)


@needs_hiredis
def test_many_elements_go_to_the_pure_decoder():
    request = [b"MSET"] + [b"k"] * resp.HIREDIS_MAX_ELEMENTS
    assert decode(resp.HiredisDecoder, [encode_command(request)] * 2) == (
        [request, request],
        None,
    )


@pytest.mark.parametrize("decoder_class", DECODERS)
def test_nesting_limit_in_requests(decoder_class):
    deep = b"*1\r\n" * (resp.MAX_DEPTH + 1) + b":1\r\n"
    assert decode(decoder_class, [b"*2\r\n$3\r\nSET\r\n" + deep]) == (
        [],
        "too deeply nested value",
    )


# ---------------------------------------------------------------- the server


class Connection:
    """A server protocol on a StringTransport."""

    def __init__(self, factory):
        self.transport = loopback_transport()
        self.protocol = factory.buildProtocol(None)
        self.protocol.makeConnection(self.transport)

    def send(self, data):
        self.transport.clear()
        receive(self.protocol, data)
        return self.transport.value()


def test_protocol_error_closes_only_that_connection():
    factory = MiniRedisFactory(clock=task.Clock())
    bad, good = Connection(factory), Connection(factory)
    reply = bad.send(b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n*1\r\n$x\r\n")
    assert reply == b"+PONG\r\n$1\r\nx\r\n-ERR Protocol error: invalid bulk length\r\n"
    assert bad.transport.disconnecting
    assert bad.send(b"*1\r\n$4\r\nPING\r\n") == b""
    assert good.send(b"*1\r\n$4\r\nPING\r\n") == b"+PONG\r\n"
    assert not good.transport.disconnecting


def raw_exchange(ports, data, expect_close, settle=0.3):
    """
    Send C{data} to each server and read the replies: until the server
    closes the connection if C{expect_close}, else until it is quiet for
    C{settle} seconds.

    @return: C{(reply bytes, whether the server closed the connection)}
        of each server.
    """
    socks = [
        socket.create_connection(("127.0.0.1", port), timeout=10) for port in ports
    ]
    results = []
    try:
        for sock in socks:
            sock.sendall(data)
        for sock in socks:
            sock.settimeout(10 if expect_close else settle)
            out, closed = b"", False
            while True:
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    closed = True
                    break
                out += chunk
            results.append((out, closed))
    finally:
        for sock in socks:
            sock.close()
    return results


RAW = [data for data, _, _ in LIMITS] + [
    b'ECHO "\\x41\\n"\r\n',
    b"ECHO 'a\\'b'\r\n",
    b'ECHO "\\z\\\\"\r\n',
    b"ECHO a\tb\r\n",
    b'ECHO "a"\t\r\n',
    b"*2\r\n$4\r\nECHO\r\n$3\r\nabcXY",
    b"*3\r\n$3\r\nfoo\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\n$3\r\nget\r\n",
    b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n",
]


@pytest.mark.parametrize("data", RAW, ids=[repr(d[:24]) for d in RAW])
def test_raw_bytes_like_redis(redis_server, mini_server, data):
    expect_close = (
        any(d == data and e is not None for d, _, e in LIMITS) or b"QUIT" in data
    )
    real, mini = raw_exchange([redis_server.port, mini_server.port], data, expect_close)
    assert mini == real


# ---------------------------------------------------------------- both decoders agree

WORD = st.binary(min_size=1, max_size=8).filter(
    lambda w: (
        all(c not in b" \t\r\n\v\f\"'\x00" for c in w)
        and w[0] not in b"$*:+-_,#(=!~>%|"
    )
)


def typed_values():
    return st.recursive(
        st.one_of(st.binary(max_size=12), st.integers(-(2**40), 2**40), st.none()),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.binary(max_size=4), inner, max_size=3),
        ),
        max_leaves=6,
    )


def string_element():
    """A string argument sent as +, = or ( (hiredis reads them as bytes)."""
    line = st.binary(max_size=12).filter(lambda b: b"\r" not in b and b"\n" not in b)
    return st.one_of(
        line.map(lambda b: b"+" + b + b"\r\n"),
        line.map(lambda b: b"=%d\r\ntxt:%s\r\n" % (len(b) + 4, b)),
        st.integers(-(10**12), 10**12).map(lambda n: b"(%d\r\n" % n),
    )


REQUESTS = st.one_of(
    st.lists(st.binary(max_size=20), min_size=1, max_size=5).map(encode_command),
    st.lists(WORD, min_size=1, max_size=4).map(lambda ws: b" ".join(ws) + b"\r\n"),
    st.lists(typed_values(), min_size=1, max_size=4).map(encode_command),
    st.lists(
        st.one_of(
            st.binary(max_size=10).map(lambda b: b"$%d\r\n%s\r\n" % (len(b), b)),
            string_element(),
        ),
        min_size=1,
        max_size=4,
    ).map(lambda elements: b"*%d\r\n" % len(elements) + b"".join(elements)),
    st.just(b"*0\r\n"),
    st.just(b"\r\n"),
)


def pieces(data, cuts):
    cuts = sorted(set(c % (len(data) + 1) for c in cuts))
    return [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]


@needs_hiredis
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(REQUESTS, min_size=1, max_size=8),
    st.lists(st.integers(0, 10**6), max_size=6),
)
def test_decoders_agree_on_requests(requests, cuts):
    stream = b"".join(requests)
    expected = decode(Decoder, [stream])
    assert expected[1] is None
    assert decode(resp.HiredisDecoder, [stream]) == expected
    assert decode(resp.HiredisDecoder, pieces(stream, cuts)) == expected
    assert decode(Decoder, pieces(stream, cuts)) == expected


# Streams that hiredis reads whole, with an element that is not a bulk
# string where a quick check of the whole read could miss it, or a header
# that Redis refuses (hiredis must refuse it too).
NEAR_MISSES = [
    b"*2\r\n:1\r\n$1\r\n$\r\n",
    b"*2\r\n$-1\r\n$1\r\na\r\n",
    b"*2\r\n_\r\n$1\r\na\r\n",
    b"*2\r\n,1.5\r\n$1\r\na\r\n",
    b"*2\r\n#t\r\n$1\r\na\r\n",
    b"*2\r\n-ERR x\r\n$1\r\na\r\n",
    b"*2\r\n!1\r\nx\r\n$1\r\na\r\n",
    b"*1\r\n*1\r\n$1\r\na\r\n",
    b"*1\r\n%1\r\n$1\r\na\r\n$1\r\nb\r\n",
    b"*2\r\n~1\r\n$1\r\na\r\n$1\r\nb\r\n",
    b"*2\r\n|1\r\n$1\r\nk\r\n$1\r\nv\r\n$1\r\na\r\n$1\r\nb\r\n",
    b"|1\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$1\r\na\r\n",
    b"~1\r\n$1\r\na\r\n",
    b"*1\r\n+a\r\n",
    b"*1\r\n(12\r\n",
    b"*1\r\n=7\r\ntxt:abc\r\n",
    b"$0\r\n\r\n*1\r\n$1\r\n*\r\n",
    b"*02\r\n$1\r\na\r\n$1\r\nb\r\n",
    b"*2\r\n$01\r\na\r\n$1\r\nb\r\n",
    b"*2\r\n$+1\r\na\r\n$1\r\nb\r\n",
    b"*2\r\n$1 \r\na\r\n$1\r\nb\r\n",
    b"*1\r\n$1\r\na\r\n*0\r\n*1\r\n$1\r\nb\r\n",
]


def shape(value):
    """@return: C{value} with the type of every part spelt out."""
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [shape(part) for part in value])
    if isinstance(value, dict):
        return ("dict", [(shape(k), shape(v)) for k, v in value.items()])
    return (type(value).__name__, value)


@needs_hiredis
@pytest.mark.parametrize("stream", NEAR_MISSES)
def test_decoders_agree_on_near_misses(stream):
    """hiredis's quick check of a whole read holds to the pure decoder."""
    assert shape(decode(resp.HiredisDecoder, [stream])) == shape(
        decode(Decoder, [stream])
    )


@needs_hiredis
def test_whole_reads_skip_the_request_by_request_check(monkeypatch):
    """
    The probe of hiredis's reader finds its fields, and a read that ends
    on a request's end is taken at once; a read that ends inside one, or
    holds something else than strings, is checked request by request.
    """
    assert isinstance(resp.request_decoder(), resp.HiredisDecoder)
    checked = []
    original = resp.HiredisDecoder._checked

    def spy(self, requests, last):
        checked.append(len(requests))
        return original(self, requests, last)

    monkeypatch.setattr(resp.HiredisDecoder, "_checked", spy)
    decoder = resp.HiredisDecoder()
    whole = encode_command([b"GET", b"k"]) + encode_command([b"SET", b"k", b"v"])
    for data, expected, check in [
        (whole, [[b"GET", b"k"], [b"SET", b"k", b"v"]], []),
        (whole + b"*", [[b"GET", b"k"], [b"SET", b"k", b"v"]], [2]),
        (b"1\r\n$4\r\nPING\r\n", [[b"PING"]], [1]),
        (whole, [[b"GET", b"k"], [b"SET", b"k", b"v"]], []),
        (b"*2\r\n$3\r\nGET\r\n", [], [0]),
        (b"$1\r\nk\r\n", [[b"GET", b"k"]], []),
        (b"*1\r\n$4\r\nPING\r\n*2\r\n$1\r\na\r\n:1\r\n", [[b"PING"], [b"a", 1]], [2]),
    ]:
        del checked[:]
        decoder.feed(data)
        assert (decoder.requests(), checked) == (expected, check)


NOISE = st.binary(max_size=6) | st.sampled_from(
    [
        b"*",
        b"$",
        b"\r\n",
        b"-1",
        b"0",
        b"+",
        b":",
        b"%",
        b"~",
        b"|",
        b"=",
        b"(",
        b"_",
        b'"',
        b"'",
        b"\n",
        b"\\x4",
    ]
)


@needs_hiredis
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(REQUESTS, min_size=1, max_size=6),
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 3), NOISE),
        min_size=1,
        max_size=3,
    ),
    st.lists(st.integers(0, 10**6), max_size=6),
)
def test_decoders_agree_on_malformed_input(requests, edits, cuts):
    stream = bytearray(b"".join(requests))
    for at, drop, noise in edits:
        at %= len(stream) + 1
        stream[at : at + drop] = noise
    stream = bytes(stream)
    expected = decode(Decoder, [stream])
    assert decode(resp.HiredisDecoder, [stream]) == expected
    assert decode(resp.HiredisDecoder, pieces(stream, cuts)) == expected
    assert decode(Decoder, pieces(stream, cuts)) == expected


# ---------------------------------------------------------------- the modules

_LIGHT_IMPORT = (
    "import sys, miniredis.resp; "
    "assert not any(m.startswith('miniredis.commands') for m in sys.modules), "
    "sorted(m for m in sys.modules if m.startswith('miniredis')); "
    "assert 'twisted.internet.reactor' not in sys.modules"
)


def test_the_codec_imports_neither_commands_nor_reactor():
    env = dict(
        os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
    )
    done = subprocess.run(
        [sys.executable, "-c", _LIGHT_IMPORT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_the_facade_exports_every_public_name_of_its_parts():
    from miniredis import respdecoder, respencoder, resphiredis, resptypes

    for part in (resptypes, respdecoder, resphiredis, respencoder):
        for name, value in vars(part).items():
            if (
                name.startswith("_")
                or getattr(value, "__module__", None) != part.__name__
            ):
                continue
            assert getattr(resp, name) is value, (part.__name__, name)
