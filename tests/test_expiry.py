"""
Key expiry: lazy on every access, the active cycle for keys nobody reads,
and what TTLs read as the fake clock moves.
"""

import time

import pytest
from twisted.internet import task

from miniredis import expiry
from miniredis.expiry import ActiveExpiry
from miniredis.resp import ReplyError


@pytest.fixture
def lazy(server):
    """A server whose active expire cycle is stopped: only lazy expiry."""
    server.factory.expiry.stop()
    return server


def test_ttl_counts_down(server):
    call = server.call
    call("SET", "k", "v", "PX", "2500")
    assert (call("TTL", "k"), call("PTTL", "k")) == (3, 2500)
    server.advance(1.001)
    assert (call("TTL", "k"), call("PTTL", "k")) == (1, 1499)
    server.advance(1.499)
    assert (call("TTL", "k"), call("PTTL", "k")) == (-2, -2)
    assert call("GET", "k") is None


def test_key_is_gone_at_its_deadline(lazy):
    call = lazy.call
    call("SET", "k", "v", "PX", "100")
    lazy.advance(0.099)
    assert call("GET", "k") == b"v"
    assert call("PTTL", "k") == 1
    lazy.advance(0.001)
    assert call("GET", "k") is None
    assert lazy.store.expired_keys == 1


def test_no_command_sees_an_expired_key(lazy):
    call = lazy.call
    expired = []
    lazy.store.expire_listeners.append(lambda index, key: expired.append(key))

    def fresh():
        call("SET", "k", "12", "PX", "10")
        lazy.advance(0.010)
        assert lazy.store.db(0).data.get(b"k") == b"12"  # still there...

    for args, reply in [
        (("EXISTS", "k"), 0),
        (("TYPE", "k"), b"none"),
        (("TTL", "k"), -2),
        (("PEXPIRETIME", "k"), -2),
        (("MGET", "k"), [None]),
        (("STRLEN", "k"), 0),
        (("GETRANGE", "k", "0", "-1"), b""),
        (("INCR", "k"), 1),
        (("APPEND", "k", "x"), 1),
        (("SETNX", "k", "x"), 1),
        (("SET", "k", "x", "NX", "GET"), None),
        (("TOUCH", "k"), 0),
        (("COPY", "k", "k2"), 0),
        (("MOVE", "k", "1"), 0),
        (("RENAME", "k", "k2"), ReplyError("ERR no such key")),
        (("EXPIRE", "k", "100"), 0),
        (("PERSIST", "k"), 0),
        (("OBJECT", "ENCODING", "k"), None),
        (("KEYS", "*"), []),
        (("SCAN", "0"), [b"0", []]),
        (("RANDOMKEY",), None),
        (("DEL", "k"), 0),
    ]:
        call("DEL", "k")
        fresh()
        assert call(*args) == reply, args
    assert len(expired) >= 20


def test_active_cycle_removes_keys_nobody_reads(server, monkeypatch):
    monkeypatch.setattr(expiry, "perf_counter", lambda: 0.0)  # no slice runs out
    deleted = []
    server.store.expire_listeners.append(lambda index, key: deleted.append(key))
    call = server.call
    for i in range(1000):
        call("SET", "k%d" % i, "v", "PX", "50")
    call("SET", "stays", "v", "EX", "100")
    call("SELECT", "3")
    call("SET", "other", "v", "PX", "150")
    assert server.store.db(0).data.__len__() == 1001
    server.advance(0.1)  # one cycle, several rounds of 200 keys
    assert len(server.store.db(0)) == 1
    assert len(deleted) == 1000
    assert call("DBSIZE") == 1
    server.advance(0.1)
    assert call("DBSIZE") == 0
    assert server.store.expired_keys == 1001


def test_active_cycle_works_in_slices_within_a_quarter_period(server, monkeypatch):
    """
    A cycle expires in slices, each one a turn of the reactor, and stops
    for the period once a quarter of it (25 ms at hz 10) is spent.
    """
    monkeypatch.setattr(ActiveExpiry, "slice", 0)  # a slice: one round of 200 keys
    ticks = iter(range(10**6))
    monkeypatch.setattr(expiry, "perf_counter", lambda: next(ticks) * 0.002)
    sizes = []
    cycle = server.store.active_expire_cycle

    def slice_of_work(budget):
        sizes.append(len(server.store.db(0)))
        return cycle(budget=budget)

    monkeypatch.setattr(server.store, "active_expire_cycle", slice_of_work)
    for i in range(3000):
        server.call("SET", "k%d" % i, "v", "PX", "50")
    server.advance(0.1)
    # Each slice spends 2 ms of the fake clock: 13 fit in 25 ms.
    assert sizes == list(range(3000, 400, -200))
    assert len(server.store.db(0)) == 400
    server.advance(0.1)
    assert sizes[13:] == [400, 200, 0]
    assert len(server.store.db(0)) == 0


def test_keepttl_and_what_clears_a_deadline(server):
    call = server.call
    for command in [
        ("SET", "k", "w", "KEEPTTL"),
        ("INCR", "n"),
        ("INCRBYFLOAT", "n", "1.5"),
        ("APPEND", "k", "x"),
        ("SETRANGE", "k", "0", "y"),
    ]:
        call("SET", "k", "v", "EX", "100")
        call("SET", "n", "1", "EX", "100")
        call(*command)
        assert call("TTL", command[1]) == 100, command
    for command in [
        ("SET", "k", "w"),
        ("GETSET", "k", "w"),
        ("MSET", "k", "w"),
        ("GETEX", "k", "PERSIST"),
        ("PERSIST", "k"),
    ]:
        call("SET", "k", "v", "EX", "100")
        call(*command)
        assert call("TTL", "k") == -1, command


def test_expire_in_the_past_deletes_and_is_logged_as_del(server):
    call = server.call
    call("SET", "k", "v")
    assert call("EXPIREAT", "k", str(int(server.clock.seconds()))) == 1
    assert call("EXISTS", "k") == 0
    assert server.logged[-1] == (0, [b"DEL", b"k"])


def test_lru_clock_ticks_with_the_cycle(server):
    start = server.store.lru_clock
    server.advance(2.05)
    assert start + 2000 <= server.store.lru_clock <= start + 2050


def test_access_records_of_emptied_keys_are_pruned(server):
    db = server.store.db(0)
    for i in range(3000):
        server.call("RPUSH", "k%d" % i, "v")
    for i in range(3000):
        server.call("LPOP", "k%d" % i)
    server.call("SET", "kept", "v")
    assert len(db.access) > 3000
    server.advance(0.1)
    assert list(db.access) == [b"kept"]


def test_deleted_flushed_and_expired_keys_take_their_access_records(server):
    """No large prune is left for the cycle (it would stall every client)."""
    db = server.store.db(0)
    for i in range(3000):
        server.call("SET", "k%d" % i, "v")
    server.call("FLUSHDB")
    assert len(db.access) == 0
    server.call("SET", "gone", "v")
    server.call("DEL", "gone")
    server.call("SET", "brief", "v", "PX", "10")
    server.call("SET", "kept", "v")
    server.advance(0.2)
    assert list(db.access) == [b"kept"]


def test_expired_keys_vanish_on_real_servers(differ):
    differ.run(
        [
            ("SET", "a", "1", "PX", "1"),
            ("SET", "b", "2"),
            ("PEXPIRE", "b", "1"),
            ("SET", "c", "3", "PX", "100000"),
        ]
    )
    time.sleep(0.01)
    differ.run(
        [
            ("GET", "a"),
            ("EXISTS", "a", "b", "c"),
            ("TTL", "b"),
            ("TYPE", "b"),
            ("KEYS", "*"),
            ("SCAN", "0"),
            ("RANDOMKEY",),
            ("MGET", "a", "b", "c"),
            ("RENAME", "a", "z"),
        ]
    )


def test_each_slice_first_sends_the_replies_that_wait(server, monkeypatch):
    """
    A reply waiting in the outbox goes out before a slice of expiry, not
    after it: a client does not wait for the slice.
    """
    order = []
    client = server.factory.buildProtocol(None)
    cycle = server.store.active_expire_cycle

    def slice_of_work(budget):
        order.append("slice")
        return cycle(budget=budget)

    monkeypatch.setattr(server.store, "active_expire_cycle", slice_of_work)
    monkeypatch.setattr(client, "flush", lambda: order.append("reply"))
    server.factory.outbox.add(client)
    server.factory.expiry._slice()
    assert order == ["reply", "slice"]


def test_expiry_calls_before_each_slice():
    events = []

    class Store:
        def active_expire_cycle(self, budget):
            events.append("slice")
            return len(events) < 6

    cycle = ActiveExpiry(
        Store(), task.Clock(), before_slice=lambda: events.append("before")
    )
    cycle._cycle()
    cycle.clock.advance(0)
    cycle.clock.advance(0)
    assert events == ["before", "slice"] * 3
