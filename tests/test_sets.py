"""
Set commands: unit tests on a socketless server, differential tests
against a real redis-server, and a state machine comparing both.
"""

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from miniredis.resp import ReplyError, SetReply
from tests.differential import DifferMachine, run_machine
from tests.local import WRONGTYPE

# ---------------------------------------------------------------- unit


def test_add_remove(server):
    assert server.call("SADD", "s", "a", "b", "a") == 2
    assert server.call("SADD", "s", "b", "c") == 1
    assert server.call("SCARD", "s") == 3
    assert server.call("SREM", "s", "a", "zz") == 1
    assert sorted(server.call("SMEMBERS", "s")) == [b"b", b"c"]
    assert server.call("SREM", "s", "b", "c") == 2
    assert server.call("EXISTS", "s") == 0


def test_small_integer_sets_come_sorted(server):
    server.call("SADD", "s", "10", "-3", "2", "0")
    assert server.call("SMEMBERS", "s") == [b"-3", b"0", b"2", b"10"]
    assert server.call("SSCAN", "s", "99") == [b"0", [b"-3", b"0", b"2", b"10"]]
    server.call("SADD", "t", "2", "10", "007")
    assert sorted(server.call("SINTER", "s", "t")) == [b"10", b"2"]


def test_resp3_set_replies(server3):
    server3.call("SADD", "s", "a", "b")
    for args in [("SMEMBERS", "s"), ("SUNION", "s"), ("SPOP", "s", "1")]:
        reply = server3.call(*args)
        assert type(reply) is SetReply
    assert type(server3.call("SRANDMEMBER", "s", "1")) is list


def test_spop_is_logged_as_srem(server):
    server.call("SADD", "s", "a", "b", "c")
    one = server.call("SPOP", "s")
    two = server.call("SPOP", "s", "5")
    server.call("SPOP", "s")
    assert server.logged == [
        (0, [b"SADD", b"s", b"a", b"b", b"c"]),
        (0, [b"SREM", b"s", one]),
        (0, [b"SREM", b"s"] + two),
    ]
    assert sorted([one] + two) == [b"a", b"b", b"c"]


def test_random_members(server):
    server.call("SADD", "s", "a", "b", "c")
    assert server.call("SRANDMEMBER", "s") in (b"a", b"b", b"c")
    picked = server.call("SRANDMEMBER", "s", "2")
    assert len(set(picked)) == 2 and set(picked) <= {b"a", b"b", b"c"}
    assert len(server.call("SRANDMEMBER", "s", "-10")) == 10
    assert sorted(server.call("SRANDMEMBER", "s", "3")) == [b"a", b"b", b"c"]


def test_random_members_of_a_large_set(server):
    """A large set's member list (for O(1) picks) follows every change."""
    members = {b"m%d" % i for i in range(1000)}
    server.call("SADD", "s", *sorted(members))
    picks = {server.call("SRANDMEMBER", "s") for _ in range(2000)}
    assert picks <= members and len(picks) > 700  # not stuck on a few
    popped = [server.call("SPOP", "s") for _ in range(400)]
    assert len(set(popped)) == 400 and set(popped) <= members
    server.call("SADD", "s", "new")  # the list no longer matches: made again
    popped.append(server.call("SPOP", "s"))
    gone = min(members - set(popped))
    server.call("SREM", "s", gone)
    server.call("SADD", "s", "x")  # the list's length, one member stale
    while server.call("SCARD", "s"):
        popped.append(server.call("SPOP", "s"))
    assert len(popped) == len(set(popped)) == 1001
    assert set(popped) == members - {gone} | {b"new", b"x"}
    server.call("SADD", "s", *sorted(members))  # a new set at the same key
    assert server.call("SPOP", "s") in members
    server.call("DEL", "s")
    server.store.db(0).prune()
    assert server.store.db(0).samplers == {}


def test_store_replaces_and_deletes(server):
    server.call("SET", "d", "x")
    server.call("EXPIRE", "d", "100")
    server.call("SADD", "a", "1", "2")
    assert server.call("SUNIONSTORE", "d", "a") == 2
    assert server.call("TTL", "d") == -1
    server.call("SADD", "a", "3")
    assert server.call("SCARD", "d") == 2  # a copy, not the same set
    assert server.call("SDIFFSTORE", "d", "a", "a") == 0
    assert server.call("EXISTS", "d") == 0


def test_sscan_pages_a_large_set(server):
    members = ["m%d" % i for i in range(300)]
    server.call("SADD", "s", *members)
    cursor, seen = b"0", []
    while True:
        cursor, items = server.call("SSCAN", "s", cursor, "COUNT", "40")
        assert len(items) <= 40
        seen += items
        if cursor == b"0":
            break
    assert sorted(seen) == sorted(m.encode() for m in members)


def test_wrong_type(server):
    server.call("SET", "str", "x")
    server.call("SADD", "s", "a")
    for args in [
        ("SADD", "str", "a"),
        ("SMEMBERS", "str"),
        ("SINTER", "s", "str"),
        ("SINTERCARD", "2", "nokey", "str"),
        ("SMOVE", "s", "str", "a"),
        ("SSCAN", "str", "0"),
    ]:
        assert server.call(*args) == WRONGTYPE


# ---------------------------------------------------------------- differential


def test_members(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("SADD", "a", "1", "2", "3", "x"),
            ("SADD", "a", "1", "y"),
            ("SADD", "s", "1"),
            ("SADD", "i", "10", "-3", "2", "0", "9223372036854775807"),
            ("SMEMBERS", "i"),
            ("SADD", "i2", "1", "01", "-0", "+1"),
            ("SREM", "a", "1", "nope"),
            ("SREM", "nokey", "1"),
            ("SREM", "s", "1"),
            ("SMEMBERS", "nokey"),
            ("SMEMBERS", "s"),
            ("SISMEMBER", "a", "x"),
            ("SISMEMBER", "a", "nope"),
            ("SISMEMBER", "nokey", "x"),
            ("SISMEMBER", "s", "x"),
            ("SMISMEMBER", "a", "x", "nope", "2"),
            ("SMISMEMBER", "nokey", "x"),
            ("SMISMEMBER", "s", "x"),
            ("SCARD", "a"),
            ("SCARD", "nokey"),
            ("SCARD", "s"),
            ("SREM", "a", "2", "3", "x", "y"),
            ("EXISTS", "a"),
        ]
    )
    differ.check("SMEMBERS", "i2", unordered=True)


def test_algebra(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("SADD", "a", "1", "2", "3", "x", "y"),
            ("SADD", "b", "2", "3", "4", "z"),
            ("SADD", "c", "3", "x", "z"),
            ("SADD", "n1", "1", "5", "3"),
            ("SADD", "n2", "5", "2", "1"),
        ]
    )
    for args in [
        ("SINTER", "a", "b"),
        ("SINTER", "a", "b", "c"),
        ("SINTER", "a"),
        ("SUNION", "a", "b"),
        ("SUNION", "a", "nokey"),
        ("SDIFF", "a", "b"),
        ("SDIFF", "a", "b", "c"),
        ("SDIFF", "a", "nokey"),
    ]:
        differ.check(*args, unordered=True)
    differ.run(
        [
            ("SINTER", "n1", "n2"),
            ("SUNION", "n1", "n2"),
            ("SDIFF", "n1", "n2"),
            ("SINTER", "a", "nokey"),
            ("SINTER", "nokey", "s"),
            ("SINTER", "a", "s"),
            ("SINTER", "s", "nokey"),
            ("SUNION", "nokey"),
            ("SUNION", "nokey", "s"),
            ("SDIFF", "nokey", "a"),
            ("SDIFF", "nokey", "s"),
            ("SDIFF", "a", "nokey", "s"),
            ("SDIFF", "a", "a"),
            ("SINTERSTORE", "d", "a", "b"),
            ("SMEMBERS", "d"),
            ("SINTERSTORE", "d", "a", "nokey"),
            ("EXISTS", "d"),
            ("SINTERSTORE", "d", "nokey"),
            ("SET", "d", "str"),
            ("SUNIONSTORE", "d", "n1", "n2"),
            ("TYPE", "d"),
            ("SMEMBERS", "d"),
            ("SDIFFSTORE", "d", "a", "a"),
            ("EXISTS", "d"),
            ("SDIFFSTORE", "d", "n1", "n2"),
            ("SMEMBERS", "d"),
            ("SINTERSTORE", "d", "a", "s"),
            ("SUNIONSTORE", "d", "s"),
            ("SDIFFSTORE", "d", "nokey", "s"),
            ("SMEMBERS", "d"),
            ("SINTERSTORE", "a", "a", "b"),
            ("SMEMBERS", "a"),
        ]
    )


def test_sintercard(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("SADD", "a", "1", "2", "3", "x"),
            ("SADD", "b", "2", "3", "4", "x"),
            ("SINTERCARD", "1", "a"),
            ("SINTERCARD", "2", "a", "b"),
            ("SINTERCARD", "2", "a", "b", "LIMIT", "1"),
            ("SINTERCARD", "2", "a", "b", "limit", "0"),
            ("SINTERCARD", "2", "a", "b", "LIMIT", "10"),
            ("SINTERCARD", "2", "a", "b", "LIMIT", "-1"),
            ("SINTERCARD", "2", "a", "b", "LIMIT", "x"),
            ("SINTERCARD", "1", "a", "LIMIT", "1", "LIMIT", "2"),
            ("SINTERCARD", "0", "a"),
            ("SINTERCARD", "-1", "a"),
            ("SINTERCARD", "x", "a"),
            ("SINTERCARD", "3", "a", "b"),
            ("SINTERCARD", "1", "a", "foo", "1"),
            ("SINTERCARD", "1", "a", "LIMIT"),
            ("SINTERCARD", "2", "a", "nokey"),
            ("SINTERCARD", "2", "a", "s"),
            ("SINTERCARD", "2", "nokey", "s"),
            ("SINTERCARD", "1", "s", "LIMIT", "-1"),
        ]
    )


def test_smove(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("SADD", "a", "1", "2", "3"),
            ("SADD", "b", "x"),
            ("SMOVE", "nokey", "b", "x"),
            ("SMOVE", "nokey", "s", "x"),
            ("SMOVE", "a", "s", "1"),
            ("SMOVE", "a", "s", "9"),
            ("SMOVE", "s", "a", "1"),
            ("SMOVE", "a", "a", "1"),
            ("SMOVE", "a", "a", "9"),
            ("SMOVE", "a", "b", "1"),
            ("SMOVE", "a", "b", "9"),
            ("SMOVE", "a", "new", "2"),
            ("SMEMBERS", "new"),
            ("SMOVE", "a", "new", "3"),
            ("EXISTS", "a"),
            ("SMEMBERS", "new"),
        ]
    )
    differ.check("SMEMBERS", "b", unordered=True)


def test_spop_and_srandmember_errors_and_empty_replies(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("SADD", "a", "1", "2", "3"),
            ("SPOP", "nokey"),
            ("SPOP", "nokey", "2"),
            ("SPOP", "nokey", "0"),
            ("SPOP", "nokey", "-1"),
            ("SPOP", "nokey", "x"),
            ("SPOP", "s"),
            ("SPOP", "s", "1"),
            ("SPOP", "s", "0"),
            ("SPOP", "s", "-1"),
            ("SPOP", "a", "0"),
            ("SPOP", "a", "-1"),
            ("SPOP", "a", "1", "2"),
            ("SRANDMEMBER", "nokey"),
            ("SRANDMEMBER", "nokey", "3"),
            ("SRANDMEMBER", "nokey", "-3"),
            ("SRANDMEMBER", "nokey", "x"),
            ("SRANDMEMBER", "s"),
            ("SRANDMEMBER", "s", "1"),
            ("SRANDMEMBER", "s", "0"),
            ("SRANDMEMBER", "a", "0"),
            ("SRANDMEMBER", "a", "10"),
            ("SRANDMEMBER", "a", "-9223372036854775808"),
            ("SRANDMEMBER", "a", "1", "2"),
            ("SPOP", "a", "3"),
            ("EXISTS", "a"),
        ]
    )


@pytest.mark.parametrize(
    "args",
    [
        ("SPOP", "a"),
        ("SPOP", "a", "2"),
        ("SPOP", "a", "5"),
        ("SRANDMEMBER", "a"),
        ("SRANDMEMBER", "a", "2"),
        ("SRANDMEMBER", "a", "-7"),
    ],
)
def test_random_picks(differ, args):
    """Random picks: same shape and size, members of the set, popped gone."""
    members = {b"x", b"y", b"z"}
    differ.both("SADD", "a", *members)
    real, mini = differ.both(*args)
    assert type(mini) is type(real)
    picks = [mini] if len(args) == 2 else mini
    assert len(picks) == len([real] if len(args) == 2 else real)
    assert set(picks) <= members
    if args[0] == "SPOP":
        assert len(set(picks)) == len(picks)
        left = set(differ.mini.call("SMEMBERS", "a"))
        assert left == members - set(picks)
        differ.check("SCARD", "a")


def test_sscan(differ):
    differ.run(
        [
            ("SET", "s", "x"),
            ("SADD", "i", "3", "1", "2", "10"),
            ("SSCAN", "nokey", "0"),
            ("SSCAN", "nokey", "x"),
            ("SSCAN", "nokey", "0", "COUNT", "0"),
            ("SSCAN", "s", "0"),
            ("SSCAN", "s", "x"),
            ("SSCAN", "s", "0", "COUNT", "0"),
            ("SSCAN", "i", "0"),
            ("SSCAN", "i", "5"),
            ("SSCAN", "i", "0", "COUNT", "1"),
            ("SSCAN", "i", "0", "COUNT", "0"),
            ("SSCAN", "i", "0", "COUNT", "x"),
            ("SSCAN", "i", "0", "MATCH", "1*"),
            ("SSCAN", "i", "0", "MATCH"),
            ("SSCAN", "i", "0", "TYPE", "set"),
        ]
    )
    differ.check("SADD", "w", "apple", "avocado", "banana")
    for args in [("SSCAN", "w", "0"), ("SSCAN", "w", "0", "MATCH", "a*")]:
        real, mini = differ.both(*args)
        assert mini[0] == real[0] == b"0"
        assert sorted(mini[1]) == sorted(real[1])


def test_large_set_scan(differ):
    members = ["member:%d" % i for i in range(700)]
    differ.check("SADD", "s", *members)
    differ.check("SMEMBERS", "s", unordered=True)
    differ.check("SCARD", "s")
    for connection in (differ.real, differ.mini):
        cursor, seen = b"0", set()
        while True:
            cursor, items = connection.call("SSCAN", "s", cursor, "MATCH", "*7*")
            seen.update(items)
            if cursor == b"0":
                break
        assert seen == {m.encode() for m in members if "7" in m}


# ---------------------------------------------------------------- state machine

keys = st.sampled_from(["s1", "s2", "s3", "s1", "s2", "str"])
members = st.sampled_from(["a", "b", "c", "1", "2", "10"])
some_keys = st.lists(keys, min_size=1, max_size=3)


class SetMachine(DifferMachine):
    """Random set commands, each reply compared between both servers."""

    setup = (
        ("SET", "str", "x"),
        ("SADD", "s1", "a", "b", "1", "2"),
        ("SADD", "s2", "b", "c", "2", "10"),
    )

    def check(self, *args):
        self.differ.check(*args, unordered=True)

    @invariant()
    def same_sets(self):
        for key in ("s1", "s2", "s3"):
            self.check("SMEMBERS", key)

    @rule(
        name=st.sampled_from(["SADD", "SREM"]),
        key=keys,
        chosen=st.lists(members, min_size=1, max_size=3),
    )
    def change(self, name, key, chosen):
        self.check(name, key, *chosen)

    @rule(name=st.sampled_from(["SMEMBERS", "SCARD"]), key=keys)
    def read(self, name, key):
        self.check(name, key)

    @rule(key=keys, member=members)
    def sismember(self, key, member):
        self.check("SISMEMBER", key, member)

    @rule(key=keys, chosen=st.lists(members, min_size=1, max_size=3))
    def smismember(self, key, chosen):
        self.check("SMISMEMBER", key, *chosen)

    @rule(source=keys, destination=keys, member=members)
    def smove(self, source, destination, member):
        self.check("SMOVE", source, destination, member)

    @rule(name=st.sampled_from(["SINTER", "SUNION", "SDIFF"]), chosen=some_keys)
    def algebra(self, name, chosen):
        self.check(name, *chosen)

    @rule(
        name=st.sampled_from(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]),
        destination=keys,
        chosen=some_keys,
    )
    def store(self, name, destination, chosen):
        self.check(name, destination, *chosen)

    @rule(chosen=some_keys, limit=st.integers(0, 3))
    def sintercard(self, chosen, limit):
        self.check("SINTERCARD", str(len(chosen)), *chosen, "LIMIT", str(limit))

    @rule(key=keys, count=st.none() | st.integers(0, 4))
    def spop(self, key, count):
        """Pop on both, then give miniredis what redis-server kept."""
        args = ("SPOP", key) + (() if count is None else (str(count),))
        real, mini = self.differ.both(*args)
        if isinstance(real, ReplyError) or real is None:
            assert mini == real
            return
        if count is not None:
            assert len(mini) == len(real)
        kept = self.differ.real.call("SMEMBERS", key)
        self.differ.mini.call("DEL", key)
        if kept:
            self.differ.mini.call("SADD", key, *kept)

    @rule(key=keys, count=st.integers(-4, 4))
    def srandmember(self, key, count):
        real, mini = self.differ.both("SRANDMEMBER", key, str(count))
        if isinstance(real, ReplyError):
            assert mini == real
        else:
            assert len(mini) == len(real)
            assert set(mini) <= set(self.differ.mini.call("SMEMBERS", key))

    @rule(key=keys, pattern=st.sampled_from(["*", "a*", "[12]*"]))
    def sscan(self, key, pattern):
        real, mini = self.differ.both("SSCAN", key, "0", "MATCH", pattern)
        if isinstance(real, ReplyError):
            assert mini == real
        else:
            assert mini[0] == real[0] and sorted(mini[1]) == sorted(real[1])

    @rule(key=keys)
    def delete(self, key):
        self.check("DEL", key)


def test_set_state_machine(differ):
    run_machine(SetMachine, differ)
