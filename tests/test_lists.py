"""
List commands: unit tests on a socketless server, differential tests
against a real redis-server, and a state machine comparing both.
"""

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from tests.differential import DifferMachine, check_raw, run_machine
from tests.local import WRONGTYPE

# ---------------------------------------------------------------- unit


def test_push_pop_range(server):
    assert server.call("RPUSH", "l", "a", "b", "c") == 3
    assert server.call("LPUSH", "l", "x", "y") == 5
    assert server.call("LRANGE", "l", "0", "-1") == [b"y", b"x", b"a", b"b", b"c"]
    assert server.call("LRANGE", "l", "-2", "-1") == [b"b", b"c"]
    assert server.call("LRANGE", "l", "3", "100") == [b"b", b"c"]
    assert server.call("LPOP", "l") == b"y"
    assert server.call("RPOP", "l", "2") == [b"c", b"b"]
    assert server.call("LLEN", "l") == 2
    assert server.call("RPOP", "l", "5") == [b"a", b"x"]
    assert server.call("EXISTS", "l") == 0


def test_emptied_list_is_deleted(server):
    server.call("RPUSH", "l", "a", "b")
    server.call("LREM", "l", "0", "a")
    server.call("LTRIM", "l", "5", "6")
    assert server.call("EXISTS", "l") == 0
    server.call("RPUSH", "l", "a")
    server.call("LMOVE", "l", "m", "LEFT", "RIGHT")
    assert server.call("EXISTS", "l") == 0
    assert server.call("LRANGE", "m", "0", "-1") == [b"a"]


def test_rotation_of_a_single_element(server):
    server.call("RPUSH", "l", "a")
    assert server.call("LMOVE", "l", "l", "LEFT", "RIGHT") == b"a"
    assert server.call("RPOPLPUSH", "l", "l") == b"a"
    assert server.call("LRANGE", "l", "0", "-1") == [b"a"]


def test_replies_are_snapshots_inside_exec(server):
    server.call("RPUSH", "l", "a")
    server.call("MULTI")
    server.call("LRANGE", "l", "0", "-1")
    server.call("RPUSH", "l", "b")
    assert server.call("EXEC") == [[b"a"], 2]


def test_lpos_options(server):
    server.call("RPUSH", "l", "a", "b", "a", "c", "a")
    assert server.call("LPOS", "l", "a", "RANK", "2") == 2
    assert server.call("LPOS", "l", "a", "RANK", "-1", "COUNT", "2") == [4, 2]
    assert server.call("LPOS", "l", "a", "COUNT", "0", "MAXLEN", "3") == [0, 2]
    assert server.call("LPOS", "l", "a", "RANK", "-9223372036854775808") == 4


def test_what_persistence_is_given(server):
    server.call("RPUSH", "l", "a", "b", "c")
    server.call("LPOP", "missing")
    server.call("LMPOP", "2", "missing", "l", "RIGHT", "COUNT", "2")
    server.call("BLPOP", "l", "0")
    server.call("RPUSH", "m", "x")
    server.call("BRPOPLPUSH", "m", "l", "0")
    assert server.logged == [
        (0, [b"RPUSH", b"l", b"a", b"b", b"c"]),
        (0, [b"RPOP", b"l", b"2"]),
        (0, [b"LPOP", b"l"]),
        (0, [b"RPUSH", b"m", b"x"]),
        (0, [b"LMOVE", b"m", b"l", b"RIGHT", b"LEFT"]),
    ]


def test_wrong_type(server):
    server.call("SET", "s", "x")
    for args in [
        ("LPUSH", "s", "a"),
        ("LPOP", "s"),
        ("LRANGE", "s", "0", "1"),
        ("LMOVE", "s", "l", "LEFT", "LEFT"),
        ("BLPOP", "s", "0"),
    ]:
        assert server.call(*args) == WRONGTYPE


# ---------------------------------------------------------------- differential


def test_push_and_pop(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("LPUSH", "l", "a", "b", "c"),
            ("RPUSH", "l", "d", "e"),
            ("LPUSHX", "l", "f"),
            ("RPUSHX", "l", "g"),
            ("LPUSHX", "nokey", "a"),
            ("RPUSHX", "nokey", "a"),
            ("LPUSH", "s", "a"),
            ("LPUSHX", "s", "a"),
            ("LPUSH", "l"),
            ("LRANGE", "l", "0", "-1"),
            ("LPOP", "l"),
            ("RPOP", "l"),
            ("LPOP", "l", "2"),
            ("RPOP", "l", "2"),
            ("LPOP", "l", "0"),
            ("LPOP", "l", "-1"),
            ("LPOP", "l", "x"),
            ("LPOP", "l", "1", "2"),
            ("RPOP", "l", "1", "2"),
            ("LPOP", "s"),
            ("LPOP", "s", "-1"),
            ("RPOP", "s", "1"),
            ("LPOP", "l", "10"),
            ("EXISTS", "l"),
            ("LLEN", "l"),
            ("LLEN", "s"),
        ]
    )


@pytest.mark.parametrize(
    "args",
    [
        ("LPOP", "nokey"),
        ("LPOP", "nokey", "2"),
        ("RPOP", "nokey", "0"),
        ("LINDEX", "nokey", "0"),
        ("LPOS", "nokey", "a"),
        ("LMOVE", "nokey", "d", "LEFT", "RIGHT"),
        ("RPOPLPUSH", "nokey", "d"),
        ("LMPOP", "1", "nokey", "LEFT"),
        ("BLPOP", "nokey", "0.01"),
        ("BLMPOP", "0.01", "1", "nokey", "LEFT", "COUNT", "3"),
        ("BLMOVE", "nokey", "d", "LEFT", "RIGHT", "0.01"),
        ("BRPOPLPUSH", "nokey", "d", "0.01"),
    ],
)
def test_null_shapes(differ, args):
    check_raw(differ, *args)


def test_null_shapes_inside_exec(differ):
    differ.check("MULTI")
    for args in [
        ("BLPOP", "nokey", "0"),
        ("BRPOP", "nokey", "0"),
        ("BLMOVE", "nokey", "d", "LEFT", "LEFT", "0"),
        ("BRPOPLPUSH", "nokey", "d", "0"),
        ("BLMPOP", "0", "1", "nokey", "LEFT"),
        ("BLPOP", "nokey", "-1"),
    ]:
        differ.check(*args)
    check_raw(differ, "EXEC")


def test_ranges_and_indexes(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("RPUSH", "l", "a", "b", "c", "d", "e"),
            ("LRANGE", "l", "0", "-1"),
            ("LRANGE", "l", "-100", "100"),
            ("LRANGE", "l", "-2", "-1"),
            ("LRANGE", "l", "3", "1"),
            ("LRANGE", "l", "5", "10"),
            ("LRANGE", "l", "-1", "-2"),
            ("LRANGE", "l", "x", "1"),
            ("LRANGE", "nokey", "0", "-1"),
            ("LRANGE", "nokey", "x", "1"),
            ("LRANGE", "s", "0", "1"),
            ("LINDEX", "l", "0"),
            ("LINDEX", "l", "-1"),
            ("LINDEX", "l", "-6"),
            ("LINDEX", "l", "5"),
            ("LINDEX", "l", "x"),
            ("LINDEX", "nokey", "x"),
            ("LINDEX", "s", "0"),
            ("LSET", "l", "0", "A"),
            ("LSET", "l", "-1", "E"),
            ("LSET", "l", "5", "z"),
            ("LSET", "l", "-6", "z"),
            ("LSET", "l", "x", "z"),
            ("LSET", "nokey", "x", "z"),
            ("LSET", "s", "0", "z"),
            ("LRANGE", "l", "0", "-1"),
        ]
    )


def test_remove_trim_insert(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("RPUSH", "l", "a", "b", "a", "c", "a", "b", "a"),
            ("LREM", "l", "2", "a"),
            ("LRANGE", "l", "0", "-1"),
            ("LREM", "l", "-1", "a"),
            ("LRANGE", "l", "0", "-1"),
            ("LREM", "l", "0", "b"),
            ("LREM", "l", "0", "zz"),
            ("LREM", "l", "x", "a"),
            ("LREM", "nokey", "0", "a"),
            ("LREM", "nokey", "x", "a"),
            ("LREM", "s", "0", "a"),
            ("LRANGE", "l", "0", "-1"),
            ("LINSERT", "l", "BEFORE", "c", "X"),
            ("LINSERT", "l", "after", "c", "Y"),
            ("LINSERT", "l", "after", "zz", "Y"),
            ("LINSERT", "l", "middle", "c", "Y"),
            ("LINSERT", "nokey", "before", "a", "b"),
            ("LINSERT", "nokey", "middle", "a", "b"),
            ("LINSERT", "s", "before", "a", "b"),
            ("LRANGE", "l", "0", "-1"),
            ("LTRIM", "l", "1", "-2"),
            ("LRANGE", "l", "0", "-1"),
            ("LTRIM", "l", "-100", "100"),
            ("LTRIM", "l", "x", "1"),
            ("LTRIM", "nokey", "0", "1"),
            ("LTRIM", "s", "0", "1"),
            ("LTRIM", "l", "2", "1"),
            ("EXISTS", "l"),
        ]
    )


def test_lpos(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("RPUSH", "l", "a", "b", "c", "d", "e", "a", "b", "a"),
            ("LPOS", "l", "a"),
            ("LPOS", "l", "zz"),
            ("LPOS", "l", "a", "RANK", "2"),
            ("LPOS", "l", "a", "RANK", "-1"),
            ("LPOS", "l", "a", "RANK", "-3"),
            ("LPOS", "l", "a", "RANK", "4"),
            ("LPOS", "l", "a", "RANK", "0"),
            ("LPOS", "l", "a", "RANK", "x"),
            ("LPOS", "l", "a", "RANK", "-9223372036854775808"),
            ("LPOS", "l", "a", "RANK", "9223372036854775807"),
            ("LPOS", "l", "a", "COUNT", "0"),
            ("LPOS", "l", "a", "COUNT", "2"),
            ("LPOS", "l", "a", "COUNT", "2", "RANK", "-1"),
            ("LPOS", "l", "a", "COUNT", "0", "RANK", "2"),
            ("LPOS", "l", "zz", "COUNT", "0"),
            ("LPOS", "l", "a", "COUNT", "-1"),
            ("LPOS", "l", "a", "COUNT", "x"),
            ("LPOS", "l", "a", "MAXLEN", "5"),
            ("LPOS", "l", "a", "MAXLEN", "5", "COUNT", "0"),
            ("LPOS", "l", "a", "MAXLEN", "2", "RANK", "-1", "COUNT", "0"),
            ("LPOS", "l", "e", "MAXLEN", "3"),
            ("LPOS", "l", "a", "MAXLEN", "-1"),
            ("LPOS", "l", "a", "MAXLEN", "x"),
            ("LPOS", "l", "a", "RANK", "1", "RANK", "-1"),
            ("LPOS", "l", "a", "FOO", "1"),
            ("LPOS", "l", "a", "RANK"),
            ("LPOS", "nokey", "a"),
            ("LPOS", "nokey", "a", "COUNT", "1"),
            ("LPOS", "nokey", "a", "RANK", "0"),
            ("LPOS", "s", "a"),
            ("LPOS", "s", "a", "RANK", "0"),
        ]
    )


def test_moves(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("RPUSH", "l", "a", "b", "c"),
            ("LMOVE", "l", "l", "LEFT", "RIGHT"),
            ("LMOVE", "l", "l", "right", "left"),
            ("LRANGE", "l", "0", "-1"),
            ("LMOVE", "l", "m", "LEFT", "LEFT"),
            ("LMOVE", "l", "m", "RIGHT", "RIGHT"),
            ("LMOVE", "l", "m", "LEFT", "MIDDLE"),
            ("LMOVE", "nokey", "m", "UP", "LEFT"),
            ("LMOVE", "nokey", "m", "LEFT", "LEFT"),
            ("LMOVE", "nokey", "s", "LEFT", "LEFT"),
            ("LMOVE", "l", "s", "LEFT", "LEFT"),
            ("LMOVE", "s", "l", "LEFT", "LEFT"),
            ("RPOPLPUSH", "m", "l"),
            ("RPOPLPUSH", "nokey", "l"),
            ("RPOPLPUSH", "l", "s"),
            ("RPOPLPUSH", "s", "l"),
            ("LRANGE", "l", "0", "-1"),
            ("LRANGE", "m", "0", "-1"),
            ("LMOVE", "l", "new", "LEFT", "RIGHT"),
            ("LMOVE", "l", "new", "LEFT", "RIGHT"),
            ("EXISTS", "l"),
            ("LRANGE", "new", "0", "-1"),
        ]
    )


def test_lmpop(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("RPUSH", "l1", "a", "b", "c"),
            ("RPUSH", "l2", "d", "e"),
            ("LMPOP", "2", "nokey", "l1", "LEFT"),
            ("LMPOP", "2", "l2", "l1", "RIGHT", "COUNT", "5"),
            ("LMPOP", "1", "l1", "left", "count", "1"),
            ("LMPOP", "3", "nokey", "l2", "l1", "LEFT"),
            ("LMPOP", "1", "nokey", "LEFT"),
            ("LMPOP", "1", "nokey", "LEFT", "COUNT", "5"),
            ("LMPOP", "0", "l1", "LEFT"),
            ("LMPOP", "-1", "l1", "LEFT"),
            ("LMPOP", "x", "l1", "LEFT"),
            ("LMPOP", "5", "l1", "LEFT"),
            ("LMPOP", "9223372036854775807", "l1", "LEFT"),
            ("LMPOP", "1", "l1", "UP"),
            ("LMPOP", "2", "l1", "LEFT"),
            ("LMPOP", "1", "l1", "LEFT", "COUNT", "0"),
            ("LMPOP", "1", "l1", "LEFT", "COUNT", "-1"),
            ("LMPOP", "1", "l1", "LEFT", "COUNT", "x"),
            ("LMPOP", "1", "l1", "LEFT", "COUNT"),
            ("LMPOP", "1", "l1", "LEFT", "COUNT", "1", "COUNT", "2"),
            ("LMPOP", "1", "l1", "LEFT", "extra"),
            ("LMPOP", "2", "s", "l1", "LEFT"),
            ("LMPOP", "2", "nokey", "s", "LEFT"),
            ("RPUSH", "l1", "z"),
            ("LMPOP", "2", "l1", "s", "LEFT"),
        ]
    )


def test_blocking_commands_that_need_not_block(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("RPUSH", "l", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"),
            ("BLPOP", "nokey", "l", "0"),
            ("BRPOP", "l", "nokey", "0"),
            ("BLPOP", "s", "l", "0"),
            ("BLPOP", "l", "s", "0"),
            ("BLMOVE", "l", "m", "LEFT", "RIGHT", "0"),
            ("BLMOVE", "l", "s", "LEFT", "RIGHT", "0"),
            ("BRPOPLPUSH", "l", "m", "0"),
            ("BLMPOP", "0", "2", "nokey", "l", "RIGHT", "COUNT", "5"),
            ("BLMPOP", "0", "2", "s", "l", "RIGHT"),
            ("LRANGE", "m", "0", "-1"),
            ("BLPOP", "l", "-1"),
            ("BLPOP", "l", "abc"),
            ("BLPOP", "l", "inf"),
            ("BLPOP", "l", "1e17"),
            ("BLPOP", "l", " 1"),
            ("BLPOP", "l", "nan"),
            ("BLPOP", "l", ""),
            ("BLPOP", "0.1"),
            ("BLMPOP", "-1", "1", "l", "LEFT"),
            ("BLMPOP", "x", "0", "l", "LEFT"),
            ("BLMPOP", "x", "1", "l", "UP"),
            ("BLMPOP", "x", "1", "l", "LEFT", "COUNT", "0"),
            ("BLMPOP", "x", "1", "l", "LEFT"),
            ("BLMOVE", "l", "m", "UP", "LEFT", "-1"),
            ("BLMOVE", "l", "m", "LEFT", "LEFT", "-1"),
            ("BRPOPLPUSH", "l", "m", "x"),
        ]
    )


def test_blocking_commands_inside_exec(differ):
    differ.run(
        [
            ("RPUSH", "l", "a", "b", "c", "d"),
            ("MULTI",),
            ("BLPOP", "l", "0"),
            ("BRPOP", "l", "0"),
            ("BLMOVE", "l", "d", "LEFT", "LEFT", "0"),
            ("BRPOPLPUSH", "l", "d", "0"),
            ("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "3"),
            ("BLPOP", "l", "0"),
            ("EXEC",),
            ("LRANGE", "d", "0", "-1"),
        ]
    )


# ---------------------------------------------------------------- state machine

KEYS = ["k1", "k2", "k1", "k2", "str"]
VALUES = ["a", "b", "c", "1"]
keys = st.sampled_from(KEYS)
values = st.sampled_from(VALUES)
indexes = st.integers(-5, 5).map(str)
wheres = st.sampled_from(["LEFT", "RIGHT"])


class ListMachine(DifferMachine):
    """Random list commands, each reply compared between both servers."""

    setup = (
        ("SET", "str", "x"),
        ("RPUSH", "k1", "a", "b", "c", "a", "1"),
        ("RPUSH", "k2", "b", "a"),
    )

    @invariant()
    def same_lists(self):
        for key in ("k1", "k2"):
            self.differ.check("LRANGE", key, "0", "-1")

    @rule(
        name=st.sampled_from(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]),
        key=keys,
        items=st.lists(values, min_size=1, max_size=3),
    )
    def push(self, name, key, items):
        self.differ.check(name, key, *items)

    @rule(
        name=st.sampled_from(["LPOP", "RPOP"]),
        key=keys,
        count=st.none() | st.integers(-1, 3).map(str),
    )
    def pop(self, name, key, count):
        self.differ.check(name, key, *([count] if count is not None else []))

    @rule(key=keys, start=indexes, end=indexes)
    def lrange(self, key, start, end):
        self.differ.check("LRANGE", key, start, end)

    @rule(key=keys, index=indexes)
    def lindex(self, key, index):
        self.differ.check("LINDEX", key, index)

    @rule(key=keys, index=indexes, value=values)
    def lset(self, key, index, value):
        self.differ.check("LSET", key, index, value)

    @rule(key=keys, count=st.integers(-2, 2).map(str), value=values)
    def lrem(self, key, count, value):
        self.differ.check("LREM", key, count, value)

    @rule(key=keys, start=indexes, end=indexes)
    def ltrim(self, key, start, end):
        self.differ.check("LTRIM", key, start, end)

    @rule(
        key=keys, where=st.sampled_from(["BEFORE", "AFTER"]), pivot=values, value=values
    )
    def linsert(self, key, where, pivot, value):
        self.differ.check("LINSERT", key, where, pivot, value)

    @rule(
        key=keys,
        value=values,
        options=st.lists(
            st.tuples(
                st.sampled_from(["RANK", "COUNT", "MAXLEN"]),
                st.integers(-3, 3).map(str),
            ),
            max_size=2,
        ),
    )
    def lpos(self, key, value, options):
        self.differ.check("LPOS", key, value, *[x for pair in options for x in pair])

    @rule(source=keys, destination=keys, wherefrom=wheres, whereto=wheres)
    def lmove(self, source, destination, wherefrom, whereto):
        self.differ.check("LMOVE", source, destination, wherefrom, whereto)

    @rule(source=keys, destination=keys)
    def rpoplpush(self, source, destination):
        self.differ.check("RPOPLPUSH", source, destination)

    @rule(
        chosen=st.lists(keys, min_size=1, max_size=2),
        where=wheres,
        count=st.none() | st.integers(1, 3).map(str),
    )
    def lmpop(self, chosen, where, count):
        tail = ["COUNT", count] if count is not None else []
        self.differ.check("LMPOP", str(len(chosen)), *chosen, where, *tail)

    @rule(
        name=st.sampled_from(["BLPOP", "BRPOP"]),
        chosen=st.lists(keys, min_size=1, max_size=2),
    )
    def blocking_pop_in_exec(self, name, chosen):
        self.differ.check("MULTI")
        self.differ.check(name, *chosen, "0")
        self.differ.check("EXEC")

    @rule(source=keys, destination=keys, wherefrom=wheres, whereto=wheres)
    def blmove_in_exec(self, source, destination, wherefrom, whereto):
        self.differ.check("MULTI")
        self.differ.check("BLMOVE", source, destination, wherefrom, whereto, "0")
        self.differ.check("EXEC")

    @rule(key=keys)
    def llen(self, key):
        self.differ.check("LLEN", key)


def test_list_state_machine(differ):
    run_machine(ListMachine, differ)
