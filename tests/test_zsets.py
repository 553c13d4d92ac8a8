"""
Sorted set commands: unit tests on a socketless server, differential tests
against a real redis-server (both RESP versions), and a state machine
comparing both servers command by command.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from miniredis.commands.zsets import d2string, parse_score, score_bound, strtod
from miniredis.resp import ReplyError
from miniredis.zset import TOP, ZSet
from tests.differential import DifferMachine, check_raw, run_machine

LONG = "L" * 70  # longer than zset-max-listpack-value: forces a skiplist


# ---------------------------------------------------------------- unit: values


def test_zset_order_and_spans():
    zs = ZSet([(b"b", 1.0), (b"a", 1.0), (b"c", 2.0), (b"", 1.0), (b"d", math.inf)])
    assert [m for m, _ in zs.items()] == [b"", b"a", b"b", b"c", b"d"]
    assert zs.score_span(1.0, False, 2.0, False) == (0, 4)
    assert zs.score_span(1.0, True, 2.0, False) == (3, 4)
    assert zs.score_span(1.0, False, 2.0, True) == (0, 3)
    assert zs.score_span(2.0, True, 2.0, True) == (4, 4)
    assert zs.score_span(math.inf, False, math.inf, False) == (4, 5)
    assert zs.rank(b"c") == 3
    assert not zs.uniform()
    assert zs.pop(-1) == (math.inf, b"d")
    assert zs.remove_span(0, 2) == 2
    assert list(zs.items()) == [(b"b", 1.0), (b"c", 2.0)]
    assert b"a" not in zs and len(zs) == 2


def test_top_sorts_after_every_member():
    assert (1.0, b"\xff" * 10) < (1.0, TOP) < (1.5, b"")
    assert not (1.0, TOP) < (1.0, b"zzz")
    assert (1.0, TOP) == (1.0, TOP)


def test_uniform_member_bisect():
    zs = ZSet([(b"a", 0.0), (b"b", 0.0), (b"c", -0.0)])
    assert zs.uniform()
    assert zs.member_bisect(b"b", after=False) == 1
    assert zs.member_bisect(b"b", after=True) == 2


def test_strtod():
    assert strtod(b"  1.5x") == (1.5, 5, False)
    assert strtod(b"0x1p4") == (16.0, 5, False)
    assert strtod(b"0x") == (0.0, 1, False)
    assert strtod(b"1e") == (1.0, 1, False)
    assert strtod(b"-Infinity") == (-math.inf, 9, False)
    assert strtod(b"1e400") == (math.inf, 5, True)
    assert strtod(b"-1e-400")[2]
    assert strtod(b"x") == (0.0, 0, False)
    assert math.isnan(strtod(b"nan(12)")[0])


@pytest.mark.parametrize(
    "raw, value",
    [(b"1", 1.0), (b"+inf", math.inf), (b"-INF", -math.inf), (b"0x10", 16.0),
     (b".5", 0.5), (b"5.", 5.0), (b"1e-310", 1e-310), (b"-0", -0.0)],
)  # fmt: skip
def test_parse_score(raw, value):
    assert parse_score(raw) == value


@settings(max_examples=500)
@given(
    st.one_of(
        st.from_regex(rb"\A[-+]?[0-9]{0,8}\.?[0-9]{0,8}([eE][-+]?[0-9]{1,3})?\Z"),
        st.sampled_from([b"-", b".", b"-.", b"1.2.3", b"--1", b"-+1", b"0" * 299]),
    )
)
def test_parse_score_reads_decimals_as_strtod(raw):
    """The shortcut for plain decimals gives what C{strtod} gives, or refuses alike."""
    value, end, out_of_range = strtod(raw)
    if raw and end == len(raw) and not out_of_range:
        assert parse_score(raw) == value
        assert math.copysign(1, parse_score(raw)) == math.copysign(1, value)
    else:
        with pytest.raises(ReplyError):
            parse_score(raw)


@pytest.mark.parametrize(
    "raw", [b"", b" 1", b"1 ", b"nan", b"1e400", b"1e-400", b"1_0", b"0x", b"1e"]
)
def test_parse_score_rejects(raw):
    with pytest.raises(ReplyError):
        parse_score(raw)


def test_score_bound():
    assert score_bound(b"(1") == (1.0, True)
    assert score_bound(b"") == (0.0, False)
    assert score_bound(b"(") == (0.0, True)
    assert score_bound(b" 2") == (2.0, False)
    assert score_bound(b"1e400") == (math.inf, False)
    with pytest.raises(ReplyError):
        score_bound(b"(nan")


@pytest.mark.parametrize(
    "value, text",
    [(1.0, b"1"), (-0.0, b"-0"), (0.0, b"0"), (1.5, b"1.5"), (1e20, b"1e+20"),
     (2.0**62, b"4611686018427387904"), (2.0**62 + 2**10, b"4.6116860184273889e+18"),
     (123456789012345678.0, b"123456789012345680"), (-math.inf, b"-inf")],
)  # fmt: skip
def test_d2string(value, text):
    assert d2string(value) == text


# ---------------------------------------------------------------- unit: commands


def test_zadd_and_read(server):
    assert server.call("ZADD", "z", "1", "a", "2", "b", "1.5", "c") == 3
    assert server.call("ZADD", "z", "CH", "3", "a", "2", "b") == 1
    assert server.call("ZRANGE", "z", "0", "-1") == [b"c", b"b", b"a"]
    assert server.call("ZSCORE", "z", "c") == b"1.5"
    assert server.call("ZINCRBY", "z", "0.1", "c") == b"1.6000000000000001"
    assert server.call("ZRANK", "z", "a") == 2
    assert server.call("ZREVRANK", "z", "a") == 0
    assert server.call("ZCARD", "z") == 3


def test_resp3_pairs(server3):
    server3.call("ZADD", "z", "1", "a", "2", "b")
    assert server3.call("ZRANGE", "z", "0", "-1", "WITHSCORES") == [
        [b"a", 1.0],
        [b"b", 2.0],
    ]
    assert server3.call("ZPOPMIN", "z", "1") == [[b"a", 1.0]]
    assert server3.call("ZPOPMAX", "z") == [b"b", 2.0]


def test_emptied_key_is_removed(server):
    server.call("ZADD", "z", "1", "a", "2", "b")
    server.call("ZREM", "z", "a")
    server.call("ZREMRANGEBYSCORE", "z", "-inf", "+inf")
    assert server.call("EXISTS", "z") == 0


def test_listpack_conversion(server):
    server.call("ZADD", "z", "1", "a")
    zs = server.store.db(0).lookup(b"z")
    assert zs.compact
    server.call("ZADD", "z", "2", LONG)
    assert not zs.compact
    server.call("ZREM", "z", LONG)
    assert not zs.compact  # Redis does not convert back on removal
    assert not zs.is_listpack(128, 64)
    assert server.call("OBJECT", "ENCODING", "z") == b"skiplist"
    server.call("CONFIG", "SET", "zset-max-listpack-entries", "2")
    server.call("ZADD", "y", "1", "a", "2", "b")
    assert server.store.db(0).lookup(b"y").compact
    server.call("ZADD", "y", "3", "c")
    assert not server.store.db(0).lookup(b"y").compact


def test_negative_zero_kept_only_in_a_skiplist(server):
    server.call("ZADD", "small", "-0", "x")
    assert server.call("ZSCORE", "small", "x") == b"0"
    server.call("ZADD", "big", "1", LONG, "-0", "x")
    assert server.call("ZSCORE", "big", "x") == b"-0"
    assert server.call("ZINCRBY", "new", "-0", "x") == b"-0"


def test_writes_are_logged_as_sent(server):
    server.call("ZADD", "z", "1", "a", "2", "b")
    server.call("ZADD", "z", "1", "a")  # no change: not logged
    server.call("ZMPOP", "1", "z", "MAX", "COUNT", "5")
    assert server.logged == [
        (0, [b"ZADD", b"z", b"1", b"a", b"2", b"b"]),
        (0, [b"ZPOPMAX", b"z", b"5"]),
    ]


def test_watch_sees_only_real_changes(server):
    other = server.connect()
    server.call("ZADD", "z", "1", "a")
    server.call("WATCH", "z")
    other.call("ZADD", "z", "1", "a")
    other.call("ZREM", "z", "nope")
    server.call("MULTI")
    server.call("ZCARD", "z")
    assert server.call("EXEC") == [1]
    server.call("WATCH", "z")
    other.call("ZINCRBY", "z", "1", "a")
    server.call("MULTI")
    server.call("ZCARD", "z")
    assert server.call("EXEC") is None


def test_zscan_of_a_skiplist_pages_with_count(server):
    members = ["m%03d" % i for i in range(300)]
    server.call("ZADD", "z", *[x for m in members for x in ("1", m)])
    cursor, seen = b"0", []
    pages = 0
    while True:
        cursor, page = server.call("ZSCAN", "z", cursor, "COUNT", "50")
        seen.extend(page[0::2])
        assert set(page[1::2]) <= {b"1"}
        pages += 1
        if cursor == b"0":
            break
    assert pages > 1
    assert sorted(seen) == [m.encode() for m in members]


def test_zscan_of_a_listpack_ignores_count(server):
    server.call("ZADD", "z", "2", "b", "1", "a", "3", "c")
    assert server.call("ZSCAN", "z", "7", "COUNT", "1") == [
        b"0",
        [b"a", b"1", b"b", b"2", b"c", b"3"],
    ]


def test_zrandmember_counts(server):
    server.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert len(set(server.call("ZRANDMEMBER", "z", "2"))) == 2
    assert sorted(server.call("ZRANDMEMBER", "z", "10")) == [b"a", b"b", b"c"]
    repeated = server.call("ZRANDMEMBER", "z", "-20", "WITHSCORES")
    assert len(repeated) == 40
    assert set(zip(repeated[0::2], repeated[1::2])) <= {
        (b"a", b"1"),
        (b"b", b"2"),
        (b"c", b"3"),
    }


# ---------------------------------------------------------------- differential


def test_zadd_options(differ):
    differ.run(
        [
            ("ZADD", "z", "1", "a", "2", "b", "3", "c"),
            ("ZADD", "z", "XX", "CH", "5", "a", "6", "new"),
            ("ZADD", "z", "NX", "0", "a", "0", "new"),
            ("ZADD", "z", "GT", "CH", "1", "new", "7", "b"),
            ("ZADD", "z", "LT", "CH", "1", "new", "7", "c"),
            ("ZADD", "z", "GT", "INCR", "1", "new"),
            ("ZADD", "z", "GT", "INCR", "-1", "new"),
            ("ZADD", "z", "NX", "INCR", "1", "new"),
            ("ZADD", "z", "XX", "INCR", "1", "nope"),
            ("ZADD", "z", "INCR", "1", "new"),
            ("ZADD", "z", "CH", "INCR", "0", "new"),
            ("ZADD", "z", "LT", "INCR", "1", "new"),
            ("ZADD", "z", "1", "a", "2", "a"),
            ("ZADD", "z", "xx", "gt", "ch", "10", "a", "10", "zz"),
            ("ZADD", "nokey", "XX", "1", "a"),
            ("ZADD", "nokey", "XX", "INCR", "1", "a"),
            ("EXISTS", "nokey"),
            ("ZADD", "z2", "GT", "5", "a"),
            ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
            ("ZRANGE", "z2", "0", "-1", "WITHSCORES"),
        ]
    )


def test_zadd_errors(differ):
    differ.check("SET", "s", "x")
    differ.run(
        [
            ("ZADD", "z", "NX", "XX", "1", "a"),
            ("ZADD", "z", "GT", "NX", "1", "a"),
            ("ZADD", "z", "GT", "LT", "1", "a"),
            ("ZADD", "z", "LT", "NX", "XX", "1", "a"),
            ("ZADD", "z", "INCR", "1", "a", "2", "b"),
            ("ZADD", "z", "1"),
            ("ZADD", "z", "1", "a", "2"),
            ("ZADD", "z", "CH", "INCR"),
            ("ZADD", "z", "foo", "a"),
            ("ZADD", "z", "NX", "1", "a", "b", "2"),
            ("ZADD", "s", "1", "a"),
            ("ZADD", "s", "x", "a"),
            ("ZADD", "z", "inf", "a"),
            ("ZADD", "z", "INCR", "-inf", "a"),
            ("ZINCRBY", "z", "-inf", "a"),
            ("ZINCRBY", "z", "x", "a"),
            ("ZINCRBY", "s", "1", "a"),
            ("ZADD", "z", "INCR", "1", "a"),
            ("ZSCORE", "z", "a"),
        ]
    )


@pytest.mark.parametrize(
    "score",
    ["0x10", "-0x1.8p1", "1e-310", "infinity", "+inf", "-INF", ".5", "5.", "0",
     "1e400", "1e-400", " 1", "1 ", "", "nan", "1e", "0x", "1_0", "1\x00"],
)  # fmt: skip
def test_score_parsing(differ, score):
    differ.check("ZADD", "z", score, "m")
    differ.check("ZSCORE", "z", "m")
    differ.check("ZUNION", "1", "z", "WEIGHTS", score, "WITHSCORES")


@pytest.mark.parametrize(
    "score",
    ["1.1", "0.30000000000000004", "1e20", "-0.0", "inf", "-inf",
     "123456789012345678", "0.1", "3", "-2.5e-7", "4611686018427387904"],
)  # fmt: skip
def test_score_formatting(differ, score):
    for key in ("small", "big"):
        differ.check("ZADD", key, score, "m")
    differ.check("ZADD", "big", "1", LONG)
    for key in ("small", "big"):
        check_raw(differ, "ZSCORE", key, "m")
        check_raw(differ, "ZRANGE", key, "0", "-1", "WITHSCORES")
        check_raw(differ, "ZMSCORE", key, "m", "nope")
    check_raw(differ, "ZSCAN", "small", "0")
    check_scan_pairs(differ, "big")
    check_raw(differ, "ZINCRBY", "inc", score, "m")
    check_raw(differ, "ZINCRBY", "inc", "0.1", "m")
    check_raw(differ, "ZADD", "inc", "INCR", score, "m")


def check_scan_pairs(differ, key):
    """Compare a one-page ZSCAN of a skiplist, whose order is a hash's."""
    real, mini = differ.both("ZSCAN", key, "0")
    assert mini[0] == real[0] == b"0"
    pairs = [set(zip(reply[1][0::2], reply[1][1::2])) for reply in (real, mini)]
    assert pairs[1] == pairs[0]


def test_null_shapes(differ):
    differ.check("ZADD", "z", "1", "a")
    for args in [
        ("ZSCORE", "z", "x"),
        ("ZRANK", "z", "x"),
        ("ZREVRANK", "nokey", "x"),
        ("ZMSCORE", "z", "x", "a"),
        ("ZADD", "z", "NX", "INCR", "1", "a"),
        ("ZRANDMEMBER", "nokey"),
        ("ZMPOP", "1", "nokey", "MIN"),
        ("ZPOPMIN", "nokey"),
        ("ZPOPMIN", "nokey", "2"),
        ("ZRANGE", "nokey", "0", "-1"),
        ("ZRANDMEMBER", "nokey", "2"),
        ("ZSCAN", "nokey", "0"),
        ("ZPOPMIN", "z", "1"),  # huey's priority pop
    ]:
        check_raw(differ, *args)


def fill(differ, key="z", pairs="1 a 2 b 3 c 4 d 5 e"):
    differ.check("ZADD", key, *pairs.split())


def test_zrange_by_rank(differ):
    fill(differ)
    differ.run(
        [
            ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
            ("ZRANGE", "z", "0", "1", "REV"),
            ("ZRANGE", "z", "1", "0", "REV", "WITHSCORES"),
            ("ZRANGE", "z", "-100", "100"),
            ("ZRANGE", "z", "3", "1"),
            ("ZRANGE", "z", "10", "20"),
            ("ZRANGE", "z", "-2", "-1", "WITHSCORES", "WITHSCORES"),
            ("ZRANGE", "z", "9223372036854775807", "9223372036854775807"),
            ("ZRANGE", "z", "-9223372036854775808", "-9223372036854775808"),
            ("ZRANGE", "z", "0", "9223372036854775808"),
            ("ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1"),
            ("ZRANGE", "z", "0", "-1", "LIMIT", "5", "-1"),
            ("ZRANGE", "z", "0", "-1", "LIMIT", "0", "-2"),
            ("ZRANGE", "z", "0", "1", "LIMIT"),
            ("ZRANGE", "z", "0", "1", "LIMIT", "0"),
            ("ZRANGE", "z", "0", "1", "LIMIT", "x", "1"),
            ("ZRANGE", "z", "0", "1", "REV", "REV"),
            ("ZRANGE", "z", "0", "1", "foo"),
            ("ZRANGE", "z", "x", "1"),
            ("ZRANGE", "z", "0", "x"),
            ("ZRANGE", "nokey", "0", "-1"),
            ("ZRANGE", "nokey", "a", "b"),
            ("ZREVRANGE", "z", "0", "1", "WITHSCORES"),
            ("ZREVRANGE", "z", "0", "1", "REV"),
            ("ZREVRANGE", "z", "0", "1", "BYSCORE"),
            ("ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"),
        ]
    )


def test_zrange_by_score(differ):
    fill(differ, pairs="1 a 2 b 3 c 3 cc 4 d 5 e -inf lo inf hi")
    differ.run(
        [
            ("ZRANGE", "z", "(1", "5", "BYSCORE"),
            ("ZRANGE", "z", "5", "(1", "BYSCORE", "REV"),
            ("ZRANGE", "z", "1", "5", "BYSCORE", "REV"),
            ("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "WITHSCORES"),
            ("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "2", "3"),
            ("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "2", "-1"),
            ("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "-5"),
            ("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "2"),
            ("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "0"),
            ("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "100", "1"),
            ("ZRANGE", "z", "1", "5", "BYSCORE", "LIMIT", "1", "2", "WITHSCORES"),
            ("ZRANGE", "z", "(3", "(3", "BYSCORE"),
            ("ZRANGE", "z", "3", "3", "BYSCORE"),
            ("ZRANGE", "z", "(inf", "+inf", "BYSCORE"),
            ("ZRANGE", "z", "inf", "inf", "BYSCORE"),
            ("ZRANGE", "z", "-inf", "(-inf", "BYSCORE"),
            ("ZRANGE", "z", "(", "2", "BYSCORE"),
            ("ZRANGE", "z", "", "2", "BYSCORE"),
            ("ZRANGE", "z", " 2", "4", "BYSCORE"),
            ("ZRANGE", "z", "(  2", "4", "BYSCORE"),
            ("ZRANGE", "z", "0x2", "1e400", "BYSCORE"),
            ("ZRANGE", "z", "2 ", "4", "BYSCORE"),
            ("ZRANGE", "z", "[2", "4", "BYSCORE"),
            ("ZRANGE", "z", "nan", "4", "BYSCORE"),
            ("ZRANGE", "z", "(nan", "4", "BYSCORE"),
            ("ZRANGE", "z", "1", "x", "BYSCORE"),
            ("ZRANGE", "z", "0", "-1", "BYSCORE"),
            ("ZRANGE", "z", "1", "0", "BYSCORE", "REV"),
            ("ZRANGE", "z", "1", "5", "BYSCORE", "BYLEX"),
            ("ZRANGE", "z", "1", "5", "BYSCORE", "BYSCORE"),
            ("ZRANGEBYSCORE", "z", "1", "5", "WITHSCORES", "LIMIT", "0", "1"),
            ("ZRANGEBYSCORE", "z", "1", "2", "WITHSCORES", "LIMIT", "1", "1",
             "WITHSCORES"),
            ("ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "1", "1", "LIMIT", "0", "1"),
            ("ZRANGEBYSCORE", "z", "1", "5", "BYLEX"),
            ("ZRANGEBYSCORE", "z", "1", "5", "REV"),
            ("ZREVRANGEBYSCORE", "z", "5", "1", "WITHSCORES", "LIMIT", "0", "2"),
            ("ZREVRANGEBYSCORE", "z", "1", "5"),
            ("ZREVRANGEBYSCORE", "z", "(5", "(1"),
            ("ZRANGE", "nokey", "a", "b", "BYSCORE"),
        ]
    )  # fmt: skip


def test_zrange_by_lex(differ):
    fill(differ, pairs="0 a 0 b 0 c 0 d 0 e 0 ee 0 f")
    differ.run(
        [
            ("ZRANGE", "z", "[a", "[c", "BYLEX"),
            ("ZRANGE", "z", "[c", "[a", "BYLEX", "REV"),
            ("ZRANGE", "z", "(a", "(e", "BYLEX"),
            ("ZRANGE", "z", "-", "+", "BYLEX", "LIMIT", "1", "2"),
            ("ZRANGE", "z", "+", "-", "BYLEX", "REV", "LIMIT", "1", "3"),
            ("ZRANGE", "z", "[e", "+", "BYLEX"),
            ("ZRANGE", "z", "[b", "[b", "BYLEX"),
            ("ZRANGE", "z", "(b", "[b", "BYLEX"),
            ("ZRANGE", "z", "+", "-", "BYLEX"),
            ("ZRANGE", "z", "-", "-", "BYLEX"),
            ("ZRANGE", "z", "+", "+", "BYLEX"),
            ("ZRANGE", "z", "[", "+", "BYLEX"),
            ("ZRANGE", "z", "(", "+", "BYLEX"),
            ("ZRANGE", "z", "-a", "+", "BYLEX"),
            ("ZRANGE", "z", "-", "+a", "BYLEX"),
            ("ZRANGE", "z", "a", "c", "BYLEX"),
            ("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"),
            ("ZRANGE", "z", "-", "+", "BYLEX", "LIMIT", "-1", "2"),
            ("ZRANGEBYLEX", "z", "[a", "[c", "LIMIT", "1", "1"),
            ("ZRANGEBYLEX", "z", "[a", "[c", "LIMIT", "1"),
            ("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"),
            ("ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "-1"),
            ("ZREVRANGEBYLEX", "z", "[c", "[a"),
            ("ZREVRANGEBYLEX", "z", "[a", "[c"),
            ("ZLEXCOUNT", "z", "-", "+"),
            ("ZLEXCOUNT", "z", "[b", "(ee"),
            ("ZLEXCOUNT", "z", "a", "c"),
            ("ZRANGE", "nokey", "[a", "b", "BYLEX"),
        ]
    )


@pytest.mark.parametrize(
    "bounds",
    [("-", "+"), ("[a", "[c"), ("[b", "+"), ("-", "(c"), ("[c", "[e"), ("(a", "[d"),
     ("[x", "+"), ("-", "[a")],
)  # fmt: skip
def test_lex_ranges_over_mixed_scores(differ, bounds):
    """No sane answer exists, but Redis's listpack walk gives one."""
    fill(differ, pairs="1 c 2 a 3 e 4 b 5 d 6 a2")
    low, high = bounds
    differ.check("ZRANGE", "z", low, high, "BYLEX")
    differ.check("ZRANGE", "z", high, low, "BYLEX", "REV")
    differ.check("ZRANGE", "z", low, high, "BYLEX", "LIMIT", "1", "1")
    differ.check("ZRANGE", "z", low, high, "BYLEX", "LIMIT", "2", "5")
    differ.check("ZRANGE", "z", high, low, "BYLEX", "REV", "LIMIT", "2", "5")
    differ.check("ZLEXCOUNT", "z", low, high)
    differ.check("ZREMRANGEBYLEX", "z", low, high)
    differ.check("ZRANGE", "z", "0", "-1")


def test_big_sorted_set(differ):
    pairs = []
    for i in range(300):
        pairs += [str(i % 7), "m%03d" % i]
    differ.check("ZADD", "z", *pairs)
    differ.check("ZADD", "same", *[x if x.startswith("m") else "0" for x in pairs])
    differ.run(
        [
            ("ZRANGE", "z", "100", "120", "WITHSCORES"),
            ("ZRANGE", "z", "2", "(4", "BYSCORE", "LIMIT", "10", "5"),
            ("ZRANGE", "z", "4", "2", "BYSCORE", "REV", "LIMIT", "10", "5"),
            ("ZCOUNT", "z", "(1", "3"),
            ("ZRANK", "z", "m150"),
            ("ZREVRANK", "z", "m150"),
            ("ZRANGE", "same", "[m100", "(m110", "BYLEX"),
            ("ZRANGE", "same", "(m200", "[m100", "BYLEX", "REV", "LIMIT", "3", "4"),
            ("ZLEXCOUNT", "same", "[m100", "+"),
            ("ZREMRANGEBYLEX", "same", "[m100", "(m200"),
            ("ZREMRANGEBYRANK", "z", "10", "-10"),
            ("ZREMRANGEBYSCORE", "z", "-inf", "(3"),
            ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
            ("ZRANGE", "same", "0", "-1"),
            ("ZCARD", "same"),
            ("OBJECT", "ENCODING", "z"),
        ]
    )


def test_zrangestore(differ):
    fill(differ)
    differ.check("SET", "d", "x")
    differ.run(
        [
            ("ZRANGESTORE", "d", "nokey", "0", "-1"),
            ("EXISTS", "d"),
            ("ZRANGESTORE", "d", "z", "0", "1"),
            ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
            ("ZRANGESTORE", "d", "z", "5", "1", "BYSCORE", "REV", "LIMIT", "1", "2"),
            ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
            ("ZRANGESTORE", "d", "z", "(b", "+", "BYLEX"),
            ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
            ("ZRANGESTORE", "d", "z", "10", "20"),
            ("EXISTS", "d"),
            ("ZRANGESTORE", "d", "z", "0", "-1", "REV"),
            ("ZRANGE", "d", "0", "-1"),
            ("ZRANGESTORE", "z", "z", "1", "2"),
            ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
            ("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"),
            ("ZRANGESTORE", "d", "z", "0", "-1", "LIMIT", "0", "1"),
            ("ZRANGESTORE", "d", "z", "1", "2", "REV", "REV"),
            ("SET", "s", "x"),
            ("ZRANGESTORE", "d", "s", "0", "-1"),
            ("ZRANGESTORE", "s", "z", "0", "0"),
            ("TYPE", "s"),
        ]
    )


def test_negative_zero_by_encoding(differ):
    differ.check("ZADD", "src", "5", LONG, "-0", "x", "-0", "y")
    differ.check("ZADD", "f", "0", "a")
    for command in [
        ("ZRANGESTORE", "d1", "src", "-0", "0", "BYSCORE"),
        ("ZRANGESTORE", "d2", "src", "0", "1"),
        ("ZRANGESTORE", "d3", "src", "0", "-1"),
        ("ZUNIONSTORE", "d4", "1", "src"),
        ("ZUNIONSTORE", "d5", "1", "f", "WEIGHTS", "-1"),
        ("ZDIFFSTORE", "d6", "1", "src"),
        ("ZINTERSTORE", "d7", "2", "f", "f", "WEIGHTS", "-1", "1"),
    ]:
        differ.check(*command)
        check_raw(differ, "ZRANGE", command[1], "0", "-1", "WITHSCORES")
        differ.check("OBJECT", "ENCODING", command[1])
    check_raw(differ, "ZUNION", "1", "f", "WEIGHTS", "-1", "WITHSCORES")
    check_raw(differ, "ZRANGE", "src", "0", "-1", "WITHSCORES")


def test_reads(differ):
    fill(differ)
    differ.check("SET", "s", "x")
    differ.run(
        [
            ("ZSCORE", "z", "a"),
            ("ZSCORE", "z", "nope"),
            ("ZSCORE", "nokey", "a"),
            ("ZSCORE", "s", "a"),
            ("ZMSCORE", "z", "a", "nope", "e"),
            ("ZMSCORE", "nokey", "a", "b"),
            ("ZMSCORE", "s", "a"),
            ("ZMSCORE", "z"),
            ("ZRANK", "z", "c"),
            ("ZRANK", "z", "nope"),
            ("ZRANK", "nokey", "a"),
            ("ZRANK", "s", "a"),
            ("ZREVRANK", "z", "a"),
            ("ZRANK", "z", "a", "WITHSCORE"),
            ("ZCARD", "z"),
            ("ZCARD", "nokey"),
            ("ZCARD", "s"),
            ("ZCOUNT", "z", "-inf", "+inf"),
            ("ZCOUNT", "z", "(1", "(3"),
            ("ZCOUNT", "z", "3", "1"),
            ("ZCOUNT", "z", "x", "1"),
            ("ZCOUNT", "nokey", "0", "1"),
            ("ZCOUNT", "s", "0", "1"),
            ("ZCOUNT", "s", "x", "1"),
            ("ZLEXCOUNT", "s", "-", "+"),
            ("ZLEXCOUNT", "s", "a", "+"),
            ("ZLEXCOUNT", "nokey", "-", "+"),
            ("ZRANGE", "s", "0", "-1"),
            ("ZRANGE", "s", "a", "b"),
            ("ZRANGEBYSCORE", "s", "0", "1"),
            ("ZREVRANGEBYLEX", "s", "+", "-"),
        ]
    )


def test_removals(differ):
    fill(differ, pairs="1 a 2 b 3 c 3 d 3 e 4 f 5 g")
    differ.check("SET", "s", "x")
    differ.run(
        [
            ("ZREM", "z", "a", "nope", "b"),
            ("ZREM", "z", "a"),
            ("ZREM", "nokey", "a"),
            ("ZREM", "s", "a"),
            ("ZREMRANGEBYRANK", "z", "0", "0"),
            ("ZREMRANGEBYRANK", "z", "-1", "-1"),
            ("ZREMRANGEBYRANK", "z", "x", "1"),
            ("ZREMRANGEBYRANK", "z", "5", "1"),
            ("ZREMRANGEBYRANK", "s", "0", "1"),
            ("ZREMRANGEBYRANK", "nokey", "0", "1"),
            ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
            ("ZREMRANGEBYSCORE", "z", "(3", "4"),
            ("ZREMRANGEBYSCORE", "z", "x", "3"),
            ("ZREMRANGEBYSCORE", "s", "x", "3"),
            ("ZREMRANGEBYSCORE", "s", "1", "3"),
            ("ZREMRANGEBYLEX", "z", "a", "b"),
            ("ZREMRANGEBYLEX", "z", "[d", "+"),
            ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
            ("ZREMRANGEBYSCORE", "z", "-inf", "+inf"),
            ("EXISTS", "z"),
        ]
    )


def test_pops(differ):
    fill(differ, pairs="1 a 2 b 3 c 4 d 5 e 6 f 7 g")
    differ.check("SET", "s", "x")
    differ.run(
        [
            ("ZPOPMIN", "z"),
            ("ZPOPMIN", "z", "2"),
            ("ZPOPMAX", "z", "0"),
            ("ZPOPMAX", "z", "1"),
            ("ZPOPMAX", "z", "-1"),
            ("ZPOPMIN", "z", "x"),
            ("ZPOPMIN", "z", "1", "2"),
            ("ZPOPMAX", "nokey"),
            ("ZPOPMAX", "nokey", "2"),
            ("ZPOPMIN", "s"),
            ("ZPOPMIN", "s", "0"),
            ("ZMPOP", "1", "z", "MIN"),
            ("ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "1"),
            ("ZMPOP", "1", "nokey", "MAX"),
            ("ZMPOP", "2", "nokey", "s", "MAX"),
            ("ZMPOP", "2", "z", "s", "MAX"),
            ("ZMPOP", "0", "z", "MAX"),
            ("ZMPOP", "-1", "z", "MAX"),
            ("ZMPOP", "x", "z", "MAX"),
            ("ZMPOP", "1", "z", "foo"),
            ("ZMPOP", "1", "z", "MIN", "COUNT", "0"),
            ("ZMPOP", "1", "z", "MIN", "COUNT", "-1"),
            ("ZMPOP", "1", "z", "MIN", "COUNT", "x"),
            ("ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"),
            ("ZMPOP", "1", "z", "MIN", "COUNT"),
            ("ZMPOP", "1", "z"),
            ("ZMPOP", "3", "z", "MIN"),
            ("ZMPOP", "1", "z", "MIN", "COUNT", "100"),
            ("EXISTS", "z"),
        ]
    )


def test_zrandmember(differ):
    fill(differ)
    differ.check("SET", "s", "x")
    for args in [
        ("ZRANDMEMBER", "z", "0"),
        ("ZRANDMEMBER", "nokey"),
        ("ZRANDMEMBER", "nokey", "2"),
        ("ZRANDMEMBER", "nokey", "2", "WITHSCORES"),
        ("ZRANDMEMBER", "s"),
        ("ZRANDMEMBER", "s", "0"),
        ("ZRANDMEMBER", "z", "1", "WITHSCORES", "x"),
        ("ZRANDMEMBER", "z", "1", "x"),
        ("ZRANDMEMBER", "z", "x"),
        ("ZRANDMEMBER", "z", "-9223372036854775808"),
        ("ZRANDMEMBER", "z", "9223372036854775808"),
        ("ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES"),
        ("ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"),
        ("ZRANDMEMBER", "z", "5"),
        ("ZRANDMEMBER", "z", "10", "WITHSCORES"),
    ]:
        differ.check(*args, unordered=True)
    real, mini = differ.both("ZRANDMEMBER", "z")
    assert mini in (b"a", b"b", b"c", b"d", b"e")
    for count in ("3", "-8"):
        for args in (
            ("ZRANDMEMBER", "z", count),
            ("ZRANDMEMBER", "z", count, "WITHSCORES"),
        ):
            real, mini = differ.both(*args)
            assert len(mini) == len(real)
            assert set(map(repr, mini)) <= set(map(repr, real)) | all_pairs(differ)


def all_pairs(differ):
    """Every member, or member-score pair, z can give, as reprs."""
    real = differ.real.call("ZRANGE", "z", "0", "-1", "WITHSCORES")
    members = set(map(repr, real[0::2] if differ.proto == 2 else [p[0] for p in real]))
    scores = set(map(repr, real[1::2])) if differ.proto == 2 else set()
    pairs = set(map(repr, real)) if differ.proto == 3 else set()
    return members | scores | pairs


SETOPS = [
    ("ZUNION", "2", "a", "b", "WITHSCORES"),
    ("ZUNION", "2", "a", "b", "WEIGHTS", "2", "3", "AGGREGATE", "MIN", "WITHSCORES"),
    ("ZUNION", "3", "a", "b", "set", "AGGREGATE", "MAX", "WITHSCORES"),
    ("ZUNION", "2", "a", "nokey"),
    ("ZUNION", "2", "a", "a", "WITHSCORES", "WITHSCORES"),
    ("ZUNION", "2", "a", "inf", "WEIGHTS", "1", "0", "WITHSCORES"),
    ("ZUNION", "2", "inf", "ninf", "WITHSCORES"),
    ("ZUNION", "2", "inf", "ninf", "AGGREGATE", "MIN", "WITHSCORES"),
    ("ZUNION", "2", "a", "inf", "WEIGHTS", "1", "0", "AGGREGATE", "MIN", "WITHSCORES"),
    ("ZUNION", "2", "set", "inf", "WEIGHTS", "inf", "-inf", "WITHSCORES"),
    ("ZUNION", "2", "a", "b", "WEIGHTS", "1e308", "1e308", "WITHSCORES"),
    ("ZUNION", "2", "a", "b", "WEIGHTS", "0x10", "0.1", "WITHSCORES"),
    ("ZINTER", "2", "a", "b", "WITHSCORES"),
    ("ZINTER", "3", "a", "b", "set", "WEIGHTS", "1", "2", "3", "WITHSCORES"),
    ("ZINTER", "2", "a", "inf", "WEIGHTS", "1", "0", "WITHSCORES"),
    ("ZINTER", "2", "a", "inf", "WEIGHTS", "1", "0", "AGGREGATE", "MIN", "WITHSCORES"),
    ("ZINTER", "2", "a", "inf", "WEIGHTS", "1", "0", "AGGREGATE", "MAX", "WITHSCORES"),
    ("ZINTER", "2", "inf", "ninf", "WITHSCORES"),
    ("ZINTER", "2", "a", "a", "AGGREGATE", "MAX"),
    ("ZINTER", "2", "a", "nokey", "WITHSCORES"),
    ("ZDIFF", "2", "a", "b", "WITHSCORES"),
    ("ZDIFF", "3", "a", "set", "nokey", "WITHSCORES"),
    ("ZDIFF", "1", "nokey"),
    ("ZINTERCARD", "2", "a", "b"),
    ("ZINTERCARD", "2", "a", "b", "LIMIT", "1"),
    ("ZINTERCARD", "2", "a", "b", "LIMIT", "0"),
    ("ZINTERCARD", "1", "a", "LIMIT", "1", "LIMIT", "2"),
    ("ZINTERCARD", "2", "a", "set"),
    ("ZINTERCARD", "1", "nokey"),
]

SETOP_ERRORS = [
    ("ZUNION", "0", "a"),
    ("ZUNION", "-1", "a"),
    ("ZUNION", "x", "a"),
    ("ZUNION", "3", "a"),
    ("ZUNION", "1", "a", "WEIGHTS"),
    ("ZUNION", "1", "a", "WEIGHTS", "x"),
    ("ZUNION", "1", "a", "WEIGHTS", "nan"),
    ("ZUNION", "1", "a", "WEIGHTS", ""),
    ("ZUNION", "2", "a", "b", "WEIGHTS", "1"),
    ("ZUNION", "1", "a", "AGGREGATE", "foo"),
    ("ZUNION", "1", "a", "AGGREGATE"),
    ("ZUNION", "1", "a", "foo"),
    ("ZUNION", "2", "a", "str"),
    ("ZUNION", "2", "str", "a", "WEIGHTS", "x"),
    ("ZINTER", "2", "nokey", "str"),
    ("ZDIFF", "2", "nokey", "str"),
    ("ZDIFF", "1", "a", "WEIGHTS", "1"),
    ("ZDIFF", "1", "a", "AGGREGATE", "SUM"),
    ("ZUNIONSTORE", "d", "0", "a"),
    ("ZUNIONSTORE", "d", "1", "a", "WITHSCORES"),
    ("ZINTERSTORE", "d", "1", "a", "LIMIT", "1"),
    ("ZDIFFSTORE", "d", "1", "a", "WEIGHTS", "1"),
    ("ZINTERCARD", "0", "a"),
    ("ZINTERCARD", "1", "a", "LIMIT", "-1"),
    ("ZINTERCARD", "1", "a", "LIMIT", "x"),
    ("ZINTERCARD", "1", "a", "foo"),
    ("ZINTERCARD", "2", "a"),
    ("ZINTERCARD", "1", "a", "WEIGHTS", "1"),
    ("ZINTERCARD", "1", "a", "WITHSCORES"),
    ("ZINTERCARD", "2", "nokey", "str"),
]


def setop_data(differ):
    differ.check("ZADD", "a", "1", "x", "2", "y", "3", "z", "5", "w")
    differ.check("ZADD", "b", "10", "y", "20", "z", "30", "v", "0.5", "w")
    differ.check("ZADD", "inf", "inf", "x", "inf", "y", "-inf", "z", "1", "u")
    differ.check("ZADD", "ninf", "-inf", "x", "inf", "y", "1", "z")
    differ.check("SADD", "set", "x", "y", "q")
    differ.check("SET", "str", "v")


@pytest.mark.parametrize("args", SETOPS + SETOP_ERRORS, ids=" ".join)
def test_set_operations(differ, args):
    setop_data(differ)
    differ.check(*args)


@pytest.mark.parametrize("name", ["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
def test_store_operations(differ, name):
    setop_data(differ)
    differ.check("SET", "d", "x")
    differ.check("EXPIRE", "d", "100")
    differ.check(name, "d", "2", "a", "b")
    differ.check("TTL", "d")
    differ.check("ZRANGE", "d", "0", "-1", "WITHSCORES")
    differ.check(name, "d", "2", "nokey", "a")
    differ.check("EXISTS", "d")
    differ.check(name, "a", "2", "a", "set")
    differ.check("ZRANGE", "a", "0", "-1", "WITHSCORES")
    differ.check(name, "d", "2", "a", "str")


@pytest.mark.parametrize(
    "args",
    [("ZSCAN", "z", "0"), ("ZSCAN", "z", "0", "MATCH", "*a*"),
     ("ZSCAN", "z", "0", "COUNT", "1"), ("ZSCAN", "z", "0", "MATCH", "b", "COUNT", "100"),
     ("ZSCAN", "z", "0", "COUNT", "0"), ("ZSCAN", "z", "0", "COUNT", "x"),
     ("ZSCAN", "z", "0", "MATCH"), ("ZSCAN", "z", "0", "TYPE", "zset"),
     ("ZSCAN", "z", "0", "NOVALUES"), ("ZSCAN", "z", "x"), ("ZSCAN", "z", "-1"),
     ("ZSCAN", "nokey", "0", "COUNT", "0"), ("ZSCAN", "s", "0"), ("ZSCAN", "s", "x")],
    ids=" ".join,
)  # fmt: skip
def test_zscan(differ, args):
    fill(differ, pairs="1 a 2.5 b 3 ab -0 c 1e30 d")
    differ.check("SET", "s", "x")
    differ.check(*args)


def test_zscan_of_a_big_set_sees_every_member(differ):
    pairs = []
    for i in range(200):
        pairs += [str(i / 4), "m%d" % i]
    differ.check("ZADD", "z", *pairs)
    for connection in (differ.real, differ.mini):
        cursor, seen = b"0", {}
        while True:
            cursor, page = connection.call("ZSCAN", "z", cursor, "COUNT", "30")
            seen.update(zip(page[0::2], page[1::2]))
            if cursor == b"0":
                break
        assert len(seen) == 200
        assert seen[b"m3"] == b"0.75" and seen[b"m8"] == b"2"


def test_inside_multi(differ):
    fill(differ)
    differ.run(
        [
            ("MULTI",),
            ("ZADD", "z", "9", "z"),
            ("ZINCRBY", "z", "1", "a"),
            ("ZRANGE", "z", "0", "-1", "WITHSCORES"),
            ("ZPOPMIN", "z", "2"),
            ("BZPOPMIN", "nokey", "0"),
            ("BZMPOP", "0", "1", "nokey", "MIN"),
            ("BZPOPMAX", "z", "0"),
            ("BZMPOP", "0", "1", "z", "MIN", "COUNT", "2"),
            ("EXEC",),
        ]
    )


# ---------------------------------------------------------------- state machine

KEYS = ["z1", "z2", "str"]
MEMBERS = ["a", "b", "c", "d", "ab", ""]
keys = st.sampled_from(KEYS)
members = st.sampled_from(MEMBERS)
scores = st.sampled_from(["0", "1", "1.5", "-2", "inf", "-inf", "-0", "3e2"])
bounds = st.sampled_from(["-inf", "+inf", "0", "(0", "1", "(1.5", "2", "(-2"])
lex = st.sampled_from(["-", "+", "[a", "(a", "[ab", "(b", "[c", "[e", "("])
indexes = st.integers(-4, 4).map(str)
limits = st.none() | st.tuples(st.integers(-1, 3), st.integers(-1, 3))


class ZSetMachine(DifferMachine):
    """Random sorted set commands, each reply compared between both servers."""

    setup = (("SET", "str", "x"),)

    @rule(
        key=keys,
        flags=st.lists(st.sampled_from(["NX", "XX", "GT", "LT", "CH"]), max_size=2),
        items=st.lists(st.tuples(scores, members), min_size=1, max_size=3),
    )
    def zadd(self, key, flags, items):
        self.differ.check("ZADD", key, *flags, *[x for pair in items for x in pair])

    @rule(key=keys, flags=st.lists(st.sampled_from(["NX", "XX", "GT", "LT"]), max_size=1),
          score=scores, member=members)  # fmt: skip
    def zadd_incr(self, key, flags, score, member):
        self.differ.check("ZADD", key, *flags, "INCR", score, member)

    @rule(key=keys, score=scores, member=members)
    def zincrby(self, key, score, member):
        self.differ.check("ZINCRBY", key, score, member)

    @rule(key=keys, chosen=st.lists(members, min_size=1, max_size=3))
    def zrem(self, key, chosen):
        self.differ.check("ZREM", key, *chosen)

    @rule(
        key=keys,
        start=indexes,
        stop=indexes,
        rev=st.booleans(),
        withscores=st.booleans(),
    )
    def zrange_rank(self, key, start, stop, rev, withscores):
        options = ["REV"] * rev + ["WITHSCORES"] * withscores
        self.differ.check("ZRANGE", key, start, stop, *options)

    @rule(key=keys, low=bounds, high=bounds, rev=st.booleans(),
          withscores=st.booleans(), limit=limits)  # fmt: skip
    def zrange_score(self, key, low, high, rev, withscores, limit):
        options = ["REV"] * rev + ["WITHSCORES"] * withscores
        if limit is not None:
            options += ["LIMIT", str(limit[0]), str(limit[1])]
        self.differ.check("ZRANGE", key, low, high, "BYSCORE", *options)

    @rule(key=keys, low=lex, high=lex, rev=st.booleans(), limit=limits)
    def zrange_lex(self, key, low, high, rev, limit):
        options = ["REV"] * rev
        if limit is not None:
            options += ["LIMIT", str(limit[0]), str(limit[1])]
        self.differ.check("ZRANGE", key, low, high, "BYLEX", *options)

    @rule(key=keys, low=bounds, high=bounds)
    def zcount(self, key, low, high):
        self.differ.check("ZCOUNT", key, low, high)

    @rule(key=keys, low=lex, high=lex)
    def zlexcount(self, key, low, high):
        self.differ.check("ZLEXCOUNT", key, low, high)

    @rule(
        key=keys, member=members, name=st.sampled_from(["ZRANK", "ZREVRANK", "ZSCORE"])
    )
    def member_read(self, key, member, name):
        self.differ.check(name, key, member)

    @rule(key=keys, chosen=st.lists(members, min_size=1, max_size=3))
    def zmscore(self, key, chosen):
        self.differ.check("ZMSCORE", key, *chosen)

    @rule(key=keys)
    def zcard(self, key):
        self.differ.check("ZCARD", key)

    @rule(
        name=st.sampled_from(["ZPOPMIN", "ZPOPMAX"]),
        key=keys,
        count=st.none() | st.integers(0, 3).map(str),
    )
    def zpop(self, name, key, count):
        self.differ.check(name, key, *([count] if count is not None else []))

    @rule(chosen=st.lists(keys, min_size=1, max_size=2),
          where=st.sampled_from(["MIN", "MAX"]),
          count=st.none() | st.integers(1, 3).map(str))  # fmt: skip
    def zmpop(self, chosen, where, count):
        tail = ["COUNT", count] if count is not None else []
        self.differ.check("ZMPOP", str(len(chosen)), *chosen, where, *tail)

    @rule(key=keys, start=indexes, stop=indexes)
    def zremrangebyrank(self, key, start, stop):
        self.differ.check("ZREMRANGEBYRANK", key, start, stop)

    @rule(key=keys, low=bounds, high=bounds)
    def zremrangebyscore(self, key, low, high):
        self.differ.check("ZREMRANGEBYSCORE", key, low, high)

    @rule(key=keys, low=lex, high=lex)
    def zremrangebylex(self, key, low, high):
        self.differ.check("ZREMRANGEBYLEX", key, low, high)

    @rule(name=st.sampled_from(["ZUNION", "ZINTER", "ZDIFF"]),
          chosen=st.lists(keys, min_size=1, max_size=3),
          weights=st.booleans(), aggregate=st.sampled_from(["", "SUM", "MIN", "MAX"]))  # fmt: skip
    def setop(self, name, chosen, weights, aggregate):
        options = []
        if name != "ZDIFF":
            if weights:
                options += ["WEIGHTS"] + ["2", "-1", "0.5"][: len(chosen)]
            if aggregate:
                options += ["AGGREGATE", aggregate]
        self.differ.check(name, str(len(chosen)), *chosen, *options, "WITHSCORES")

    @rule(name=st.sampled_from(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]),
          destination=keys, chosen=st.lists(keys, min_size=1, max_size=2))  # fmt: skip
    def setop_store(self, name, destination, chosen):
        self.differ.check(name, destination, str(len(chosen)), *chosen)

    @rule(destination=keys, source=keys, start=indexes, stop=indexes)
    def zrangestore(self, destination, source, start, stop):
        self.differ.check("ZRANGESTORE", destination, source, start, stop)

    @rule(key=keys)
    def zscan(self, key):
        self.differ.check("ZSCAN", key, "0")

    @rule(key=keys, count=st.integers(-3, 3).map(str))
    def zrandmember_size(self, key, count):
        real, mini = self.differ.both("ZRANDMEMBER", key, count)
        if isinstance(real, list):
            assert isinstance(mini, list) and len(mini) == len(real)
        else:
            assert mini == real

    @rule(key=keys)
    def delete(self, key):
        self.differ.check("DEL", key)


def test_zset_state_machine(differ):
    run_machine(ZSetMachine, differ)
