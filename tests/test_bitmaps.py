"""
Bitmap commands: unit tests (typed values, what persistence is given) and
differential tests against Redis, with a state machine of random bit
operations.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from miniredis.commands import bitmaps
from miniredis.resp import ReplyError
from tests.differential import DifferMachine, run_machine
from tests.local import WRONGTYPE, Local

I64_MIN = "-9223372036854775808"
I64_MAX = "9223372036854775807"

# ---------------------------------------------------------------- unit


def _bits_set(data):
    return sum(bin(byte).count("1") for byte in data)


@pytest.mark.skipif(not hasattr(int, "bit_count"), reason="Python 3.10 and later")
@given(st.binary(max_size=300))
def test_popcount_by_int(data):
    assert bitmaps._popcount_by_int(data) == _bits_set(data)


@given(st.binary(max_size=300))
def test_popcount_by_table(data):
    """The count used where int.bit_count is missing (CPython 3.9)."""
    assert bitmaps._popcount_by_table(data) == _bits_set(data)


def test_typed_integer_reads_as_its_digits(server):
    call = server.call
    call("SET", "n", 12)
    assert call("GETBIT", "n", "2") == 1  # "1" is 0x31
    assert call("BITCOUNT", "n") == 6
    assert call("BITPOS", "n", "0") == 0
    assert call("BITFIELD_RO", "n", "GET", "u16", "0") == [0x3132]
    assert call("BITOP", "OR", "d", "n") == 2
    assert call("GET", "d") == b"12"
    assert call("SETBIT", "n", "7", "0") == 1
    assert call("GET", "n") == b"02"
    assert call("OBJECT", "ENCODING", "n") == b"raw"
    call("SET", "n", 7)
    assert call("BITFIELD", "n", "SET", "u8", "0", "56") == [55]
    assert call("GET", "n") == b"8"


def test_other_typed_values_are_wrongtype(server):
    call = server.call
    call("SET", "t", [1, 2])
    for args in (
        ("SETBIT", "t", "0", "1"),
        ("GETBIT", "t", "0"),
        ("BITCOUNT", "t"),
        ("BITPOS", "t", "1"),
        ("BITOP", "AND", "d", "t"),
        ("BITFIELD", "t", "GET", "u8", "0"),
        ("BITFIELD", "t", "SET", "u8", "0", "1"),
        ("BITFIELD_RO", "t", "GET", "u8", "0"),
    ):
        assert call(*args) == WRONGTYPE, args
    assert call("GET", "t") == [1, 2]
    assert call("EXISTS", "d") == 0
    assert call("BITOP", "OR", "t", "nokey") == 0  # a destination: deleted
    assert call("EXISTS", "t") == 0


def test_what_persistence_is_given(server):
    call = server.call
    call("SETBIT", "k", "7", "1")
    call("SETBIT", "k", "7", "1")  # unchanged: no write (redis-server 7.0.15)
    call("SETBIT", "k", "-1", "1")  # an error: nothing
    call("GETBIT", "k", "7")
    call("BITCOUNT", "k")
    call("BITPOS", "k", "1")
    call("BITFIELD", "k", "GET", "u8", "0")  # only GET: not a write
    call("BITFIELD", "k", "OVERFLOW", "SAT")
    call("BITFIELD_RO", "k", "GET", "u8", "0")
    call("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "5")
    call("BITFIELD", "k", "INCRBY", "u8", "0", "1")
    call("BITOP", "AND", "none", "nokey")  # empty result, no key to delete
    call("BITOP", "NOT", "d", "k")
    call("BITOP", "AND", "d", "nokey")  # empty result deletes d
    assert server.logged == [
        (0, [b"SETBIT", b"k", b"7", b"1"]),
        (0, [b"BITFIELD", b"k", b"OVERFLOW", b"FAIL", b"INCRBY", b"u2", b"0", b"5"]),
        (0, [b"BITFIELD", b"k", b"INCRBY", b"u8", b"0", b"1"]),
        (0, [b"BITOP", b"NOT", b"d", b"k"]),
        (0, [b"BITOP", b"AND", b"d", b"nokey"]),
    ]


def test_reading_an_expired_key_logs_no_bitfield(server):
    call = server.call
    call("SET", "k", "x", "PX", "10")
    server.advance(0.02)
    del server.logged[:]
    assert call("BITFIELD", "k", "GET", "u8", "0") == [0]
    assert [argv[0] for _, argv in server.logged] in ([], [b"DEL"])


def test_setbit_keeps_the_deadline_bitop_drops_it(server):
    call = server.call
    call("SET", "k", "a", "EX", "100")
    call("SETBIT", "k", "100", "1")
    call("BITFIELD", "k", "SET", "u8", "0", "1")
    assert call("TTL", "k") == 100
    call("SET", "d", "x", "EX", "100")
    call("BITOP", "OR", "d", "k")
    assert call("TTL", "d") == -1


def test_offsets_are_bounded_by_proto_max_bulk_len():
    server = Local(proto_max_bulk_len=4)
    try:
        too_far = ReplyError("ERR bit offset is not an integer or out of range")
        assert server.call("SETBIT", "k", "32", "1") == too_far
        assert server.call("SETBIT", "k", "31", "1") == 0
        assert server.call("GETBIT", "k", "32") == too_far
        assert server.call("BITFIELD", "k", "GET", "u8", "#4") == too_far
        assert server.call("BITFIELD", "k", "GET", "u8", "#3") == [1]
        # The field may reach past the limit: only its offset is checked.
        assert server.call("BITFIELD", "k", "SET", "u16", "31", "0") == [32768]
        assert server.call("STRLEN", "k") == 6
    finally:
        server.close()


def test_command_docs_summaries(server):
    for name in ("setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield"):
        docs = server.call("COMMAND", "DOCS", name)[1]
        docs = dict(zip(docs[::2], docs[1::2]))
        assert docs[b"group"] == b"bitmap"
        assert not docs[b"summary"].startswith(b"The "), name


# ---------------------------------------------------------------- differential


def test_command_info_like_redis(differ):
    for name in ("setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield"):
        real, mini = differ.both("COMMAND", "INFO", name)
        assert mini[0][:7] == real[0][:7], name
    real, mini = differ.both("COMMAND", "INFO", "bitfield_ro")
    assert mini[0][:7] == real[0][:7]


def test_setbit_getbit(differ):
    differ.run(
        [
            ("SETBIT", "k", "7", "1"),
            ("GET", "k"),
            ("SETBIT", "k", "7", "1"),
            ("SETBIT", "k", "7", "0"),
            ("SETBIT", "k", "7", "0"),
            ("SETBIT", "k", "0", "1"),
            ("GET", "k"),
            ("SETBIT", "k", "100", "1"),
            ("STRLEN", "k"),
            ("GET", "k"),
            ("SETBIT", "new", "17", "0"),
            ("GET", "new"),
            ("GETBIT", "k", "0"),
            ("GETBIT", "k", "1"),
            ("GETBIT", "k", "100"),
            ("GETBIT", "k", "101"),
            ("GETBIT", "k", "4294967295"),
            ("GETBIT", "nokey", "0"),
            ("GETBIT", "nokey", "4294967295"),
            ("SET", "s", "12"),
            ("GETBIT", "s", "2"),
            ("GETBIT", "s", "3"),
            ("GETBIT", "s", "15"),
            ("SETBIT", "s", "7", "0"),
            ("GET", "s"),
            ("SET", "e", ""),
            ("GETBIT", "e", "0"),
            ("SETBIT", "e", "9", "1"),
            ("GET", "e"),
            ("SETBIT", "big", "8000000", "1"),
            ("STRLEN", "big"),
            ("GETBIT", "big", "8000000"),
            ("BITCOUNT", "big"),
            ("BITPOS", "big", "1"),
            ("DEL", "big"),
        ]
    )


def test_setbit_getbit_errors(differ):
    differ.check("RPUSH", "l", "a")
    script = []
    for offset in ["-1", "abc", "", " 5", "+5", "05", "-0", "1.5", "4294967296"]:
        script += [("SETBIT", "k", offset, "1"), ("GETBIT", "k", offset)]
        script += [("SETBIT", "l", offset, "1"), ("GETBIT", "l", offset)]
    script.append(("SETBIT", "k", I64_MAX + "0", "1"))
    for bit in ["2", "-1", "01", "a", "", "1.0", " 1"]:
        script += [("SETBIT", "k", "1", bit), ("SETBIT", "l", "1", bit)]
    script += [
        ("SETBIT", "k", "-1", "2"),
        ("SETBIT", "l", "0", "1"),
        ("GETBIT", "l", "0"),
        ("EXISTS", "k"),
        ("SETBIT",),
        ("SETBIT", "k", "1"),
        ("SETBIT", "k", "1", "1", "1"),
        ("GETBIT", "k"),
        ("GETBIT", "k", "1", "1"),
    ]
    differ.run(script)


def test_bitcount(differ):
    differ.check("SET", "k", "foobar")
    script = [("BITCOUNT", "k"), ("BITCOUNT", "nokey")]
    for start, end in [
        ("0", "0"),
        ("1", "1"),
        ("0", "-1"),
        ("-1", "-1"),
        ("-2", "-1"),
        ("-100", "100"),
        ("2", "1"),
        ("-1", "-5"),
        ("5", "30"),
        ("100", "200"),
        ("0", I64_MAX),
        (I64_MIN, "-1"),
        (I64_MIN, I64_MAX),
        ("7", "7"),
        ("1", "6"),
        ("9", "46"),
        ("-13", "-2"),
    ]:
        script.append(("BITCOUNT", "k", start, end))
        for unit in ("BIT", "byte", "bYtE", "Bit"):
            script.append(("BITCOUNT", "k", start, end, unit))
    script += [
        ("SET", "e", ""),
        ("BITCOUNT", "e"),
        ("BITCOUNT", "e", "0", "-1"),
        ("BITCOUNT", "e", "0", "-1", "BIT"),
        ("SET", "n", "123456"),
        ("BITCOUNT", "n"),
        ("BITCOUNT", "n", "1", "2"),
    ]
    differ.run(script)


def test_bitcount_errors(differ):
    differ.run(
        [
            ("SET", "k", "foobar"),
            ("BITCOUNT", "k", "1"),
            ("BITCOUNT", "k", "0", "1", "BIT", "x"),
            ("BITCOUNT", "k", "0", "1", "BITS"),
            ("BITCOUNT", "k", "a", "1"),
            ("BITCOUNT", "k", "1", "a"),
            ("BITCOUNT", "k", "a", "1", "FOO"),
            ("BITCOUNT", "k", "1", "-5", "FOO"),
            ("BITCOUNT", "k", "-1", "-5", "FOO"),
            ("BITCOUNT", "k", "1", I64_MAX + "0"),
            ("BITCOUNT", "nokey", "1"),
            ("BITCOUNT", "nokey", "a", "b"),
            ("BITCOUNT", "nokey", "0", "1", "FOO"),
            ("RPUSH", "l", "a"),
            ("BITCOUNT", "l"),
            ("BITCOUNT", "l", "a", "b"),
            ("BITCOUNT", "l", "1"),
            ("BITCOUNT",),
        ]
    )


def test_bitpos(differ):
    differ.run(
        [
            ("SET", "k", b"\xff\xf0\x00"),
            ("SET", "f", b"\xff\xff"),
            ("SET", "z", b"\x00\x00"),
            ("SET", "e", ""),
        ]
    )
    script = []
    for key in ("k", "f", "z", "e", "nokey"):
        for bit in ("0", "1"):
            script.append(("BITPOS", key, bit))
            for start in ("0", "1", "2", "-1", "-3", "5", I64_MIN):
                script.append(("BITPOS", key, bit, start))
            for start, end in [
                ("0", "0"),
                ("0", "-1"),
                ("1", "2"),
                ("0", "100"),
                ("-1", "-2"),
                ("2", "1"),
                ("-100", "-1"),
                (I64_MIN, I64_MAX),
            ]:
                script.append(("BITPOS", key, bit, start, end))
                script.append(("BITPOS", key, bit, start, end, "BYTE"))
            for start, end in [
                ("3", "5"),
                ("3", "13"),
                ("3", "11"),
                ("12", "100"),
                ("-3", "-1"),
                ("5", "4"),
                ("7", "8"),
                ("8", "15"),
                ("0", "-1"),
                ("-9", "-9"),
                ("13", "13"),
            ]:
                script.append(("BITPOS", key, bit, start, end, "bit"))
    differ.run(script)


def test_bitpos_errors(differ):
    differ.run(
        [
            ("BITPOS", "nokey", "2"),
            ("BITPOS", "nokey", "-1"),
            ("BITPOS", "nokey", "a"),
            ("BITPOS", "nokey", "0", "a"),
            ("BITPOS", "nokey", "1", "0", "1", "FOO"),
            ("SET", "k", "abc"),
            ("BITPOS", "k", "2"),
            ("BITPOS", "k", "01"),
            ("BITPOS", "k", "0", "a"),
            ("BITPOS", "k", "0", "0", "a"),
            ("BITPOS", "k", "0", "0", "abc", "FOO"),
            ("BITPOS", "k", "0", "abc", "1", "FOO"),
            ("BITPOS", "k", "0", "0", "1", "FOO"),
            ("BITPOS", "k", "0", "0", "1", "BIT", "x"),
            ("BITPOS", "k", "0", "0", "1", "2", "3"),
            ("RPUSH", "l", "a"),
            ("BITPOS", "l", "1"),
            ("BITPOS", "l", "2"),
            ("BITPOS", "l", "1", "a"),
            ("BITPOS", "k"),
            ("BITPOS",),
        ]
    )


def test_bitop(differ):
    differ.run(
        [
            ("SET", "a", b"\xf0\x0f\xaa"),
            ("SET", "b", b"\xff"),
            ("SET", "n", "123"),
            ("BITOP", "AND", "d", "a", "b"),
            ("GET", "d"),
            ("OBJECT", "ENCODING", "d"),
            ("BITOP", "AND", "d", "a", "b", "nokey"),
            ("GET", "d"),
            ("BITOP", "or", "d", "a", "b"),
            ("GET", "d"),
            ("BITOP", "Xor", "d", "a", "b", "a"),
            ("GET", "d"),
            ("BITOP", "NOT", "d", "a"),
            ("GET", "d"),
            ("BITOP", "NOT", "d", "n"),
            ("GET", "d"),
            ("BITOP", "OR", "d", "n"),
            ("GET", "d"),
            ("OBJECT", "ENCODING", "d"),
            ("BITOP", "XOR", "d", "d", "d"),
            ("GET", "d"),
            ("BITOP", "AND", "a", "a"),
            ("GET", "a"),
            ("BITOP", "NOT", "d", "nokey"),
            ("EXISTS", "d"),
            ("BITOP", "OR", "d", "nokey", "nokey2"),
            ("EXISTS", "d"),
            ("SET", "e", ""),
            ("BITOP", "OR", "d", "e"),
            ("EXISTS", "d"),
            ("SET", "d", "x", "EX", "100"),
            ("BITOP", "OR", "d", "a"),
            ("TTL", "d"),
            ("RPUSH", "l", "x"),
            ("BITOP", "OR", "l", "a"),
            ("TYPE", "l"),
            ("GET", "l"),
            ("RPUSH", "l2", "x"),
            ("BITOP", "AND", "l2", "nokey"),
            ("EXISTS", "l2"),
        ]
    )


def test_bitop_errors(differ):
    differ.run(
        [
            ("SET", "a", "x"),
            ("RPUSH", "l", "x"),
            ("BITOP", "FOO", "d", "a"),
            ("BITOP", "FOO", "d", "l"),
            ("BITOP", "NOT", "d", "a", "b"),
            ("BITOP", "NOT", "d", "l", "a"),
            ("BITOP", "NOT", "d", "l"),
            ("BITOP", "AND", "d", "l"),
            ("BITOP", "AND", "d", "a", "l"),
            ("BITOP", "OR", "d", "nokey", "l"),
            ("EXISTS", "d"),
            ("BITOP", "NOT", "d"),
            ("BITOP", "AND", "d"),
            ("BITOP",),
        ]
    )


def test_bitfield(differ):
    differ.run(
        [
            ("BITFIELD", "k"),
            ("EXISTS", "k"),
            ("BITFIELD", "k", "GET", "i8", "0"),
            ("EXISTS", "k"),
            ("BITFIELD", "k", "SET", "i8", "0", "-100", "GET", "u8", "0"),
            ("GET", "k"),
            ("OBJECT", "ENCODING", "k"),
            ("BITFIELD", "k", "SET", "u4", "#1", "9", "GET", "u4", "#1"),
            ("BITFIELD", "k", "INCRBY", "u4", "#1", "3", "GET", "i4", "4"),
            ("BITFIELD", "k", "get", "i5", "3", "Get", "u13", "2", "GET", "i1", "0"),
            ("BITFIELD", "k", "GET", "i64", "0", "GET", "u63", "1", "GET", "i64", "1"),
            ("BITFIELD", "k", "GET", "u8", "100", "GET", "i16", "#100"),
            ("BITFIELD", "k", "SET", "i64", "3", I64_MIN, "GET", "i64", "3"),
            ("BITFIELD", "k", "SET", "u63", "#2", "-1", "GET", "u63", "#2"),
            ("GET", "k"),
            ("STRLEN", "k"),
            ("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i3", "#7"),
            ("BITFIELD_RO", "k", "OVERFLOW", "sat", "GET", "u8", "0"),
            ("BITFIELD_RO", "k", "OVERFLOW", "sat"),
            ("BITFIELD_RO", "k"),
            ("BITFIELD_RO", "nokey", "GET", "i8", "0"),
            ("BITFIELD", "k", "GET", "i64", "#1152921504606846976"),
            ("BITFIELD", "k", "GET", "u8", "4294967295"),
            ("BITFIELD", "k", "GET", "u8", "#536870911"),
            ("SET", "n", "1"),
            ("OBJECT", "ENCODING", "n"),
            ("BITFIELD", "n", "GET", "u8", "0"),
            ("OBJECT", "ENCODING", "n"),
            ("BITFIELD", "n", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "5"),
            ("GET", "n"),
            ("OBJECT", "ENCODING", "n"),
            ("BITFIELD", "x", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "5"),
            ("GET", "x"),
            ("SET", "t", "abc", "EX", "100"),
            ("BITFIELD", "t", "INCRBY", "u8", "#0", "1"),
            ("TTL", "t"),
            ("GET", "t"),
        ]
    )


def test_bitfield_overflow(differ):
    script = []
    for mode in ("WRAP", "SAT", "FAIL", "wrap", "Sat"):
        for kind in ("i8", "u8", "i1", "u1", "i64", "u63", "i63", "i13", "u7"):
            for number in ("0", "1", "-1", "127", "128", "-128", "-129", "255"):
                script.append(
                    ("BITFIELD", "k", "OVERFLOW", mode, "SET", kind, "3", number)
                )
                script.append(
                    ("BITFIELD", "k", "OVERFLOW", mode, "INCRBY", kind, "3", number)
                )
            for number in (
                I64_MAX,
                I64_MIN,
                "-9223372036854775681",
                "-9223372036854775680",
                "-4611686018427387904",
                "4611686018427387904",
                "4611686018427387903",
            ):
                for verb in ("SET", "INCRBY", "INCRBY"):
                    script.append(
                        ("BITFIELD", "k", "OVERFLOW", mode, verb, kind, "3", number)
                    )
                script.append(("BITFIELD", "k", "GET", kind, "3"))
    script += [
        ("GET", "k"),
        (
            "BITFIELD",
            "m",
            "OVERFLOW",
            "FAIL",
            "INCRBY",
            "i64",
            "0",
            I64_MAX,
            "INCRBY",
            "i64",
            "0",
            "1",
            "OVERFLOW",
            "SAT",
            "INCRBY",
            "i64",
            "0",
            "1",
            "OVERFLOW",
            "WRAP",
            "INCRBY",
            "i64",
            "0",
            "1",
            "INCRBY",
            "u8",
            "#1",
            "-1",
        ),
        ("GET", "m"),
    ]
    differ.run(script)


def test_bitfield_errors(differ):
    bad_type = [
        "i0",
        "i65",
        "u64",
        "u0",
        "I8",
        "U8",
        "x8",
        "i08",
        "i+8",
        "i",
        "",
        "i-1",
    ]
    bad_type += ["8", "i8 ", "u99999999999999999999"]
    script = [("BITFIELD", "k", "GET", kind, "0") for kind in bad_type]
    for offset in ["-1", "#-1", "#", "##1", "#a", "a", "#+1", "#01", "1.5", " 1"]:
        script.append(("BITFIELD", "k", "GET", "i8", offset))
    for kind, offset in [
        ("i8", "4294967296"),
        ("i8", "#536870912"),
        ("i64", "#9223372036854775807"),
        ("i16", "#576460752303423488"),
        ("i8", "#1152921504606846976"),
        ("u63", "#" + I64_MAX),
        ("i8", I64_MAX + "0"),
    ]:
        script.append(("BITFIELD", "k", "GET", kind, offset))
    script += [
        ("BITFIELD", "k", "GET"),
        ("BITFIELD", "k", "GET", "i8"),
        ("BITFIELD", "k", "FOO", "i8", "0"),
        ("BITFIELD", "k", "GET", "i8", "0", "GET"),
        ("BITFIELD", "k", "GET", "i8", "0", "FOO"),
        ("BITFIELD", "k", "OVERFLOW"),
        ("BITFIELD", "k", "OVERFLOW", "foo"),
        ("BITFIELD", "k", "OVERFLOW", "sat", "FOO"),
        ("BITFIELD", "k", "OVERFLOW", "foo", "GET", "x8", "0"),
        ("BITFIELD", "k", "SET", "i8", "0"),
        ("BITFIELD", "k", "SET", "i8", "0", "x"),
        ("BITFIELD", "k", "SET", "i8", "0", "1.5"),
        ("BITFIELD", "k", "SET", "i8", "0", "9223372036854775808"),
        ("BITFIELD", "k", "INCRBY", "i8", "0", "x"),
        ("BITFIELD", "k", "INCRBY", "i8", "0"),
        ("BITFIELD", "k", "SET", "i8", "x", "x"),
        ("BITFIELD", "k", "SET", "x8", "x", "x"),
        ("BITFIELD", "k", "SET", "i8", "0", "1", "GET", "x8", "0"),
        ("EXISTS", "k"),
        ("BITFIELD_RO", "k", "SET", "i8", "0", "1"),
        ("BITFIELD_RO", "k", "INCRBY", "i8", "0", "1"),
        ("BITFIELD_RO", "k", "OVERFLOW", "foo"),
        ("BITFIELD_RO", "k", "GET", "u8", "0", "SET", "x8", "0", "1"),
        ("BITFIELD_RO", "k", "GET", "u8", "0", "SET", "i8", "0", "x"),
        ("BITFIELD_RO", "k", "FOO"),
        ("EXISTS", "k"),
        ("RPUSH", "l", "x"),
        ("BITFIELD", "l"),
        ("BITFIELD", "l", "GET", "i8", "0"),
        ("BITFIELD", "l", "SET", "i8", "0", "1"),
        ("BITFIELD", "l", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1"),
        ("BITFIELD", "l", "SET", "i8", "0", "x"),
        ("BITFIELD_RO", "l", "GET", "i8", "0"),
        ("BITFIELD_RO", "l", "SET", "i8", "0", "1"),
        ("BITFIELD_RO", "l"),
        ("BITFIELD",),
        ("BITFIELD_RO",),
    ]
    differ.run(script)


def test_offset_limit_follows_proto_max_bulk_len(differ):
    differ.run(
        [
            ("SETBIT", "k", "4294967296", "1"),
            ("GETBIT", "k", "4294967295"),
            ("CONFIG", "SET", "proto-max-bulk-len", "1mb"),
        ]
    )
    try:
        differ.run(
            [
                ("SETBIT", "k", "8388608", "1"),
                ("GETBIT", "k", "8388608"),
                ("BITFIELD", "k", "GET", "u8", "#1048576"),
                ("BITFIELD", "k", "SET", "u8", "8388608", "1"),
                ("SETBIT", "k", "8388607", "1"),
                ("STRLEN", "k"),
                ("GETBIT", "k", "8388607"),
                (
                    "BITFIELD",
                    "k",
                    "SET",
                    "u16",
                    "8388607",
                    "3",
                    "GET",
                    "u8",
                    "#1048575",
                ),
                ("STRLEN", "k"),
                ("BITCOUNT", "k"),
                ("BITPOS", "k", "1", "-3"),
            ]
        )
    finally:
        differ.run([("CONFIG", "SET", "proto-max-bulk-len", "512mb"), ("DEL", "k")])


def test_inside_a_transaction(differ):
    differ.run(
        [
            ("MULTI",),
            ("SETBIT", "k", "1", "1"),
            ("SETBIT", "k", "-1", "1"),
            ("BITFIELD", "k", "INCRBY", "u2", "0", "1"),
            ("BITOP", "NOT", "d", "k"),
            ("EXEC",),
            ("GET", "d"),
        ]
    )


# ---------------------------------------------------------------- state machine

KEYS = ["a", "b", "a", "b", "n", "l"]
keys = st.sampled_from(KEYS)
bit_offsets = st.integers(0, 40).map(str)
indexes = st.integers(-7, 7).map(str)
field_types = st.sampled_from(["i1", "u1", "i3", "u5", "i8", "u8", "i12", "i64", "u63"])
field_offsets = st.integers(0, 30).map(str) | st.integers(0, 4).map("#{}".format)
numbers = st.integers(-300, 300).map(str) | st.sampled_from([I64_MIN, I64_MAX])


class BitmapMachine(DifferMachine):
    """Random bitmap commands, each reply compared between both servers."""

    setup = (
        ("SET", "a", "foo"),
        ("SET", "n", "42"),
        ("RPUSH", "l", "x"),
    )

    @invariant()
    def same_strings(self):
        for key in ("a", "b", "n"):
            self.differ.check("GET", key)

    @rule(key=keys, offset=bit_offsets, bit=st.sampled_from(["0", "1"]))
    def setbit(self, key, offset, bit):
        self.differ.check("SETBIT", key, offset, bit)

    @rule(key=keys, offset=bit_offsets)
    def getbit(self, key, offset):
        self.differ.check("GETBIT", key, offset)

    @rule(
        key=keys,
        span=st.none() | st.tuples(indexes, indexes),
        unit=st.sampled_from([(), ("BIT",), ("BYTE",)]),
    )
    def bitcount(self, key, span, unit):
        args = () if span is None else span + unit
        self.differ.check("BITCOUNT", key, *args)

    @rule(
        key=keys,
        bit=st.sampled_from(["0", "1"]),
        span=st.lists(indexes, max_size=2),
        unit=st.sampled_from([(), ("BIT",), ("BYTE",)]),
    )
    def bitpos(self, key, bit, span, unit):
        args = tuple(span) + (unit if len(span) == 2 else ())
        self.differ.check("BITPOS", key, bit, *args)

    @rule(
        name=st.sampled_from(["AND", "OR", "XOR", "NOT"]),
        destination=keys,
        sources=st.lists(keys, min_size=1, max_size=3),
    )
    def bitop(self, name, destination, sources):
        self.differ.check("BITOP", name, destination, *sources)

    @rule(
        key=keys,
        read_only=st.booleans(),
        ops=st.lists(
            st.tuples(
                st.sampled_from(["GET", "SET", "INCRBY", "OVERFLOW"]),
                field_types,
                field_offsets,
                numbers,
                st.sampled_from(["WRAP", "SAT", "FAIL"]),
            ),
            max_size=4,
        ),
    )
    def bitfield(self, key, read_only, ops):
        args = []
        for verb, kind, offset, number, mode in ops:
            if verb == "OVERFLOW":
                args += [verb, mode]
            elif verb == "GET":
                args += [verb, kind, offset]
            else:
                args += [verb, kind, offset, number]
        name = "BITFIELD_RO" if read_only else "BITFIELD"
        self.differ.check(name, key, *args)

    @rule(key=st.sampled_from(["a", "b", "n"]), value=st.sampled_from(["", "7", "xyz"]))
    def set_string(self, key, value):
        self.differ.check("SET", key, value)

    @rule(key=keys)
    def encoding(self, key):
        self.differ.check("OBJECT", "ENCODING", key)


def test_bitmap_state_machine(differ):
    run_machine(BitmapMachine, differ)
