"""
SORT and SORT_RO: differential tests against a real redis-server (every
option, pattern, error and LIMIT edge where Redis's order is defined), and
unit tests for what only miniredis has (typed values, what is logged).

Where Redis's order is not defined, nothing here depends on it: a set's
members with C{BY nosort} (but for a small set of integers, an intset,
read in ascending order), and elements of equal C{ALPHA} weights. Redis
leaves C{errno} set after a weight that over- or underflows, which fails
the numeric sorts that follow on the same connection: those cases come
last in their tests.
"""

import random

import pytest

from miniredis.resp import ReplyError
from tests.differential import block_both, wait_until_blocked
from tests.local import WRONGTYPE, Client

NOT_DOUBLE = ReplyError("ERR One or more scores can't be converted into double")
LONG_MAX = "9223372036854775807"
LONG_MIN = "-9223372036854775808"

# ---------------------------------------------------------------- differential


def test_numbers_and_strings(differ):
    differ.run(
        [
            ("RPUSH", "l", "3", "1", "2", "1.5", "10", "-1", "1e1", "0x10"),
            ("RPUSH", "l", " 7", "", "inf", "-inf", "+5", ".5", "5.", "-.5e1"),
            ("RPUSH", "l", "1.0", "01", "1", "-0", "0", "0x1p-1074"),
            ("SORT", "l"),
            ("SORT", "l", "DESC"),
            ("SORT", "l", "ASC"),
            ("SORT", "l", "DESC", "ASC"),
            ("SORT", "l", "ALPHA"),
            ("SORT", "l", "alpha", "desc"),
            ("SORT_RO", "l"),
            ("SORT_RO", "l", "ALPHA", "DESC"),
            ("LRANGE", "l", "0", "-1"),
        ]
    )


def test_strings_compare_as_bytes(differ):
    differ.run(
        [
            ("RPUSH", "l", "b", "B", "a", "A", "ab", "a b", "_", "~", "10", "9"),
            ("RPUSH", "l", b"\xff", b"\xc3\xa9", b"\xe2\x82\xac", b"\x80", b"z"),
            ("SORT", "l", "ALPHA"),
            ("SORT", "l", "ALPHA", "DESC"),
            ("SORT", "l", "ALPHA", "STORE", "d"),
            ("LRANGE", "d", "0", "-1"),
        ]
    )


def test_nul_bytes(differ):
    """Redis's strtod and (unless storing) strcoll stop at a NUL byte."""
    differ.run(
        [
            ("RPUSH", "n", b"2\x00x", "1", b"3\x00"),
            ("SORT", "n"),
            ("RPUSH", "s", b"b\x00a", b"a\x00z", b"a\x00b", "c"),
            ("SORT", "s", "ALPHA", "LIMIT", "2", "2"),
            ("SORT", "s", "ALPHA", "STORE", "d"),
            ("LRANGE", "d", "0", "-1"),
            ("SET", b"w_\x00x", "1"),
            (
                "SORT",
                "s",
                "ALPHA",
                "LIMIT",
                "2",
                "2",
                "GET",
                b"#\x00x",
                "GET",
                b"w_\x00*",
            ),
            ("SORT", "n", "BY", b"w_\x00*"),
        ]
    )


def test_ties_break_by_element(differ):
    differ.run(
        [
            ("RPUSH", "l", "b", "a", "c", "d", "e"),
            ("MSET", "w_a", "1", "w_b", "1", "w_c", "0", "w_d", "1.0", "w_e", "2"),
            ("SORT", "l", "BY", "w_*"),
            ("SORT", "l", "BY", "w_*", "DESC"),
            ("SORT", "l", "BY", "w_*", "LIMIT", "1", "2"),
            ("SORT", "l", "BY", "w_*", "DESC", "LIMIT", "1", "3"),
            ("SORT", "l", "BY", "missing_*"),
            ("SORT", "l", "BY", "missing_*", "DESC"),
        ]
    )


def test_random_lists(differ):
    rng = random.Random(7)
    pool = ["0", "-0", "1", "01", "1.0", "+1", " 1", "1e0", "0x1", "2", "-3.5"]
    pool += ["10", "9", "inf", "-inf", "", "7.25", "100", "0.1"]
    for size in (1, 2, 30, 300):
        items = [rng.choice(pool) for _ in range(size)]
        differ.check("DEL", "l")
        differ.check("RPUSH", "l", *items)
        start, count = str(rng.randrange(-2, size)), str(rng.randrange(-2, size))
        for extra in ((), ("DESC",), ("ALPHA",), ("ALPHA", "DESC")):
            differ.check("SORT", "l", *extra)
            differ.check("SORT", "l", "LIMIT", start, count, *extra)
            differ.check("SORT", "l", "BY", "nosort", "LIMIT", start, count, *extra)
        weights = rng.sample(range(1000), len(set(items)))
        for item, weight in zip(set(items), weights):
            differ.check("SET", "w_" + item, str(weight % 20))
            differ.check("HSET", "h_" + item, "f", "x%03d" % weight)
        differ.check("SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*")
        differ.check("SORT", "l", "BY", "w_*", "DESC", "LIMIT", start, count)
        differ.check("SORT", "l", "BY", "h_*->f", "ALPHA", "LIMIT", start, count)
        differ.check("SORT", "l", "BY", "h_*->f", "ALPHA", "DESC", "GET", "h_*->f")


def test_lists_of_digits(differ):
    """Equal values (01 and 1; past 2**53, where doubles merge) tie by element."""
    rng = random.Random(11)
    pool = ["0", "00", "1", "01", "001", "7", "10", "9", "100", "42"]
    pool += ["9007199254740992", "9007199254740993", "18014398509481985", "9" * 310]
    for size in (1, 2, 30, 200):
        items = [rng.choice(pool[:-1]) for _ in range(size)]
        differ.check("DEL", "l")
        differ.check("RPUSH", "l", *items)
        for extra in ((), ("DESC",), ("LIMIT", "1", "5"), ("DESC", "LIMIT", "2", "4")):
            differ.check("SORT", "l", *extra)
    # no leading zeros, at most 15 digits: each value its own double
    simple = ["0", "7", "10", "9", "100", "42", "999999999999999", "123456789012345"]
    for extra in (
        (),
        ("100000000000000",),
        ("1000000000000000",),
        ("07",),
        ("9007199254740993", "9007199254740992"),  # one double
    ):
        items = [rng.choice(simple) for _ in range(50)] + list(extra)
        differ.check("DEL", "l")
        differ.check("RPUSH", "l", *items)
        for order in ((), ("DESC",), ("LIMIT", "3", "10")):
            differ.check("SORT", "l", *order)
    # Last: Redis 7.0 leaves errno at ERANGE after this element, and then
    # refuses every number that is not stored as an integer (07, 1.5) until
    # something else sets errno.
    differ.check("RPUSH", "l", pool[-1], "")
    differ.check("SORT", "l")
    differ.check("SORT", "l", "DESC")


@pytest.mark.parametrize("nosort", [(), ("BY", "nosort")], ids=["sorted", "nosort"])
@pytest.mark.parametrize("order", [(), ("DESC",)], ids=["asc", "desc"])
def test_limit(differ, nosort, order):
    differ.run(
        [
            ("RPUSH", "l", "5", "3", "1", "4", "2"),
            ("ZADD", "z", "5", "a", "1", "c", "2", "b", "2", "bb", "0", "zz"),
        ]
    )
    for offset, count in [
        ("0", "2"),
        ("-1", "2"),
        ("-5", "-1"),
        ("2", "-1"),
        ("4", "10"),
        ("4", "1"),
        ("5", "1"),
        ("6", "1"),
        ("100", "-1"),
        ("0", "0"),
        ("3", "0"),
        ("1", LONG_MAX),
        ("3", LONG_MAX),
        (LONG_MAX, LONG_MAX),
        (LONG_MIN, "2"),
        ("2", LONG_MIN),
    ]:
        for key, alpha in (("l", ()), ("z", ("ALPHA",))):
            limit = ("LIMIT", offset, count)
            differ.check("SORT", key, *(nosort + limit + order + alpha))
            differ.check("SORT", "missing", *(nosort + limit + order + alpha))
    differ.check("SORT", "l", *(nosort + order + ("LIMIT", "1", "2", "STORE", "d")))
    differ.check("LRANGE", "d", "0", "-1")


def _own_order(key):
    """BY nosort: C{key} in its own order, reversed, cut, stored."""
    return [
        ("SORT", key, "BY", "nosort"),
        ("SORT", key, "BY", "nosort", "DESC"),
        ("SORT", key, "BY", "nosort", "DESC", "LIMIT", "1", "2"),
        ("SORT", key, "BY", "nosort", "STORE", "d"),
        ("LRANGE", "d", "0", "-1"),
    ]


def test_sorted_sets(differ):
    differ.run(
        [
            ("ZADD", "z", "3", "a", "1", "c", "2", "b", "2", "bb", "0", "zz"),
            ("SORT", "z", "ALPHA"),
            ("SORT", "z", "ALPHA", "DESC", "LIMIT", "1", "3"),
            *_own_order("z"),
            ("ZADD", "n", "1", "30", "2", "4", "3", "-1.5"),
            ("SORT", "n"),
            ("SORT", "n", "DESC", "GET", "#"),
            ("SORT", "z"),
        ]
    )


def test_sets(differ):
    differ.run(
        [
            ("SADD", "s", "b", "c", "a", "10", "2"),
            ("SORT", "s", "ALPHA"),
            ("SORT", "s", "ALPHA", "DESC", "LIMIT", "1", "2"),
            ("MSET", "w_a", "3", "w_b", "1", "w_c", "2", "w_10", "x", "w_2", "-1"),
            ("SORT", "s", "BY", "w_*", "ALPHA"),
            ("SORT", "s", "BY", "w_*", "DESC", "LIMIT", "0", "3"),
            ("SADD", "i", "5", "3", "10", "1", "-2"),
            ("SORT", "i"),
            ("SORT", "i", "DESC", "LIMIT", "0", "3"),
            ("SORT", "i", "ALPHA"),
        ]
    )
    differ.check("SORT", "s", "BY", "nosort", unordered=True)
    differ.check("SORT", "s", "BY", "nosort", "GET", "#", unordered=True)


def test_sets_by_nosort(differ):
    """
    A set's own order is its iteration order (DESC leaves it), defined for
    an intset only; with STORE or in a script Redis sorts it as strings.
    """
    script = "return redis.call('%s', KEYS[1], 'BY', 'nosort', unpack(ARGV))"
    differ.run(
        [
            ("SADD", "i", "5", "3", "10", "1", "-2"),
            *_own_order("i"),
            ("SORT", "i", "BY", "nosort", "DESC", "LIMIT", "1", "2", "STORE", "d"),
            ("LRANGE", "d", "0", "-1"),
            ("SADD", "s", "b", "c", "a", "10", "2"),
            ("SORT", "s", "BY", "nosort", "DESC", "STORE", "d"),
            ("LRANGE", "d", "0", "-1"),
            ("SORT", "s", "BY", "nosort", "GET", "#", "GET", "x_*", "STORE", "d"),
            ("LRANGE", "d", "0", "-1"),
            ("SORT", "s", "BY", "w_*", "BY", "nosort", "STORE", "d"),
            ("LRANGE", "d", "0", "-1"),
            ("EVAL", script % "sort", "1", "s"),
            ("EVAL", script % "sort", "1", "i"),
            ("EVAL", script % "sort_ro", "1", "s", "DESC", "LIMIT", "1", "2"),
            ("EVAL", script % "sort", "1", "s", "STORE", "d"),
            ("LRANGE", "d", "0", "-1"),
        ]
    )


def test_by_and_get_patterns(differ):
    differ.run(
        [
            ("RPUSH", "l", "a", "b", "c", "d"),
            ("MSET", "w_a", "3", "w_b", "1", "w_c", "2", "v_a", "A", "v_b", "B"),
            ("HSET", "h_a", "f", "10", "g", "x"),
            ("HSET", "h_b", "f", "5"),
            ("HSET", "h_c", "f", "7", "g", "y"),
            ("RPUSH", "v_c", "a list"),
            ("SORT", "l", "BY", "w_*"),
            ("SORT", "l", "BY", "w_*", "DESC"),
            ("SORT", "l", "BY", "w_*", "GET", "#", "GET", "v_*", "GET", "h_*->g"),
            ("SORT", "l", "BY", "w_*", "GET", "nostar", "GET", "#x", "GET", "*"),
            ("SORT", "l", "BY", "h_*->f"),
            ("SORT", "l", "BY", "h_*->f", "ALPHA"),
            ("SORT", "l", "BY", "h_*->f", "ALPHA", "DESC"),
            ("SORT", "l", "BY", "h_*->f", "ALPHA", "LIMIT", "1", "2"),
            (
                "SORT",
                "l",
                "BY",
                "h_*",
                "GET",
                "h_*->f",
                "GET",
                "h_*->",
                "GET",
                "w_*->f",
            ),
            ("SORT", "l", "BY", "v_*", "ALPHA", "LIMIT", "2", "2"),
            ("SORT", "l", "BY", "v_*", "ALPHA", "DESC", "LIMIT", "0", "2"),
            ("SORT", "l", "BY", "w_*->f"),
            ("SET", "w_a->", "q"),
            ("SET", "h_->b", "z"),
            ("SORT", "l", "ALPHA", "GET", "w_*->", "GET", "h_->*", "GET", "*->f"),
            ("SET", "w_a*", "S"),
            ("SORT", "l", "ALPHA", "GET", "w_**", "GET", "w_*_*"),
            ("HSET", "h_d", "f->g", "1", "f", "2"),
            ("SORT", "l", "ALPHA", "GET", "h_*->f->g", "GET", "h_*->f"),
            ("SORT", "l", "BY", "#", "GET", "#"),
            ("SORT", "l", "BY", "w_*", "BY", "nosort"),
            ("SORT", "l", "BY", "nosort", "BY", "w_*", "DESC"),
        ]
    )


def test_store(differ):
    differ.run(
        [
            ("RPUSH", "l", "3", "1", "2"),
            ("SET", "d", "old"),
            ("EXPIRE", "d", "100"),
            ("SORT", "l", "STORE", "d"),
            ("TYPE", "d"),
            ("TTL", "d"),
            ("LRANGE", "d", "0", "-1"),
            ("SORT", "l", "DESC", "STORE", "l"),
            ("LRANGE", "l", "0", "-1"),
            ("SORT", "l", "GET", "#", "GET", "w_*", "STORE", "d"),
            ("LRANGE", "d", "0", "-1"),
            ("SORT", "l", "LIMIT", "5", "1", "STORE", "d"),
            ("EXISTS", "d"),
            ("SORT", "l", "LIMIT", "5", "1", "STORE", "d"),
            ("SORT", "missing", "STORE", "l"),
            ("EXISTS", "l"),
            ("SADD", "s", "x"),
            ("SORT", "s", "ALPHA", "STORE", "d", "STORE", "e"),
            ("EXISTS", "d"),
            ("LRANGE", "e", "0", "-1"),
            ("WATCH", "e"),
            ("SORT", "s", "ALPHA", "STORE", "e"),
            ("MULTI",),
            ("SORT", "s", "ALPHA", "STORE", "f"),
            ("EXEC",),
            ("MULTI",),
            ("SORT", "s", "ALPHA", "STORE", "f"),
            ("EXEC",),
            ("LRANGE", "f", "0", "-1"),
        ]
    )


def test_errors(differ):
    differ.run(
        [
            ("SORT",),
            ("SORT_RO",),
            ("SET", "str", "x"),
            ("HSET", "h", "f", "v"),
            ("RPUSH", "l", "1", "2"),
            ("SORT", "str"),
            ("SORT", "h", "ALPHA"),
            ("SORT_RO", "str"),
            ("SORT", "str", "STORE", "d"),
            ("SORT", "str", "FOO"),
            ("SORT", "str", "LIMIT", "a", "1"),
            ("SORT", "missing"),
            ("SORT", "missing", "FOO"),
            ("SORT_RO", "l", "STORE", "d"),
            ("SORT_RO", "l", "STORE"),
            ("SORT_RO", "str", "STORE", "d"),
        ]
    )
    for options in [
        ("LIMIT",),
        ("LIMIT", "1"),
        ("LIMIT", "x", "1"),
        ("LIMIT", "1", "x"),
        ("LIMIT", "1", "1.5"),
        ("LIMIT", "+1", "1"),
        ("LIMIT", "9223372036854775808", "1"),
        ("BY",),
        ("GET",),
        ("STORE",),
        ("LIMIT", "0", "1", "ALPHA", "DESC", "ASC", "BOGUS"),
    ]:
        differ.check("SORT", "l", *options)
    differ.check("EXISTS", "d")


@pytest.mark.parametrize(
    "weight", ["x", "nan", "1 ", "1e", "0x", "1_", "--1", " ", "1e400", "1e-400"]
)
def test_weights_that_are_not_numbers(differ, weight):
    """Refused whatever LIMIT keeps; last in the test (Redis's errno)."""
    differ.run(
        [
            ("RPUSH", "l", "1", weight, "2"),
            ("SORT", "l", "ALPHA"),
            ("SORT", "l", "BY", "nosort"),
            ("SET", "w_b", weight),
            ("RPUSH", "k", "a", "b"),
            ("SORT", "k", "BY", "w_*", "ALPHA"),
            ("SORT", "k", "BY", "w_*", "STORE", "d"),
            ("EXISTS", "d"),
            ("SORT", "k", "BY", "w_*", "LIMIT", "0", "0"),
            ("SORT", "l", "LIMIT", "0", "1"),
            ("SORT_RO", "l"),
        ]
    )


@pytest.mark.parametrize(
    "weight", ["1e-310", "4.9e-324", "-1e-310", "0x1p-1080", "1.8e308"]
)
def test_subnormal_and_huge_weights(differ, weight):
    differ.run([("RPUSH", "l", "1", weight), ("SORT", "l")])


def test_command_info(differ):
    for name in ("sort", "sort_ro"):
        real, mini = differ.both("COMMAND", "INFO", name)
        assert mini[0][:6] == real[0][:6]
    differ.check("COMMAND", "GETKEYS", "SORT", "l")
    differ.check("COMMAND", "GETKEYS", "SORT_RO", "l", "ALPHA")


def test_blocked_client_woken_by_store(differ, waiters):
    differ.run([("RPUSH", "src", "3", "1", "2")])
    block_both(differ, waiters, "BLPOP", "dst", "0")
    differ.check("SORT", "src", "STORE", "dst")
    real, mini = (connection.read() for connection in waiters)
    assert mini == real == [b"dst", b"1"]
    differ.check("LRANGE", "dst", "0", "-1")


def test_blocked_client_not_woken_by_an_overwrite(differ, waiters):
    """Redis signals a list only as the key is created, not replaced."""
    differ.run([("RPUSH", "src", "1")])
    block_both(differ, waiters, "BLPOP", "dst", "0")
    differ.run([("SET", "dst", "x"), ("SORT", "src", "STORE", "dst")])
    for connection in (differ.real, differ.mini):
        wait_until_blocked(connection)
    differ.check("LRANGE", "dst", "0", "-1")


# ---------------------------------------------------------------- unit


def test_typed_values(server):
    call = server.call
    call("RPUSH", "l", "a", "b", "c")
    call("SET", "w_a", 3)
    call("SET", "w_b", 1)
    call("SET", "w_c", [2])
    call("SET", "v_a", 7)
    call("SET", "v_b", [1, [b"x"]])
    assert call("SORT", "l", "ALPHA", "GET", "v_*") == [7, [1, [b"x"]], None]
    assert call("SORT", "l", "BY", "w_*") == WRONGTYPE
    call("DEL", "w_c")
    assert call("SORT", "l", "BY", "w_*", "GET", "w_*") == [None, 1, 3]
    assert call("SORT", "l", "BY", "w_*", "ALPHA") == [b"c", b"b", b"a"]
    assert call("SORT", "l", "ALPHA", "GET", "v_*", "STORE", "d") == WRONGTYPE
    assert call("EXISTS", "d") == 0
    call("DEL", "v_b")
    assert call("SORT", "l", "ALPHA", "GET", "v_*", "STORE", "d") == 3
    assert call("LRANGE", "d", 0, -1) == [b"7", b"", b""]


def test_logged(server):
    """SORT ... STORE is logged as sent, when it changes something."""
    call = server.call
    call("RPUSH", "l", "2", "1")
    call("SET", "w_1", "1")
    server.logged.clear()
    assert call("SORT", "l", "BY", "w_*") == [b"2", b"1"]
    assert call("SORT", "missing", "STORE", "d") == 0
    assert call("SORT", "l", "BY", "x", "STORE", "d", "GET", "bad") == 2
    assert server.logged == [
        (0, [b"SORT", b"l", b"BY", b"x", b"STORE", b"d", b"GET", b"bad"])
    ]
    call("DEL", "d")
    server.logged.clear()
    assert call("SORT", "l", "STORE", "d") == 2
    assert call("SORT", "missing", "STORE", "d") == 0
    assert call("SORT", "l", "BY", "x", "STORE", "e") == 2
    assert server.logged == [
        (0, [b"SORT", b"l", b"STORE", b"d"]),
        (0, [b"SORT", b"missing", b"STORE", b"d"]),
        (0, [b"SORT", b"l", b"BY", b"x", b"STORE", b"e"]),
    ]


def test_replayed_store_of_a_set_is_the_same(server):
    """Equal ALPHA weights: a set's members keep their byte order."""
    call = server.call
    members = ["m%d" % i for i in range(50)]
    call("SADD", "s", *members)
    assert call("SORT", "s", "BY", "nosuch_*", "ALPHA") == sorted(
        m.encode() for m in members
    )
    assert call("SORT", "s", "BY", "nosort", "STORE", "d") == 50
    assert call("LRANGE", "d", 0, -1) == sorted(m.encode() for m in members)


def test_blocked_client_served_after_exec(server):
    waiter, writer = Client(server), Client(server)
    writer.call("RPUSH", "src", "b", "a")
    waiter.send("BLPOP", "dst", "0")
    writer.call("MULTI")
    writer.call("SORT", "src", "ALPHA", "STORE", "dst")
    assert waiter.replies() == []
    assert writer.call("EXEC") == [2]
    assert waiter.replies() == [[b"dst", b"a"]]
    assert writer.call("LRANGE", "dst", 0, -1) == [b"b"]


def test_nosort_in_a_script(server):
    script = "return redis.call('sort', KEYS[1], 'BY', 'nosort', 'DESC')"
    server.call("SADD", "s", *("m%d" % i for i in range(30)))
    assert server.call("EVAL", script, 1, "s") == sorted(
        (b"m%d" % i for i in range(30)), reverse=True
    )
