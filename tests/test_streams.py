"""
Streams: differential tests against redis-server (RESP2 and RESP3), a
random state machine, blocking reads with several clients, and what
persistence logs.
"""

import os
import time

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import rule

from miniredis import listpack
from miniredis.persistence import rdb
from miniredis.persistence.crc64 import crc64
from miniredis.resp import ReplyError
from miniredis.store import Store
from tests.differential import DifferMachine, block_both, check_raw, run_machine
from tests.local import Client
from tests.servers import RawConnection, miniredis_process, redis_process

# ---------------------------------------------------------------- XADD and ranges


def test_xadd_explicit_ids(differ):
    differ.run(
        [
            ("XADD", "s", "1-1", "a", "1"),
            ("XADD", "s", "1-1", "a", "1"),
            ("XADD", "s", "1-0", "a", "1"),
            ("XADD", "s", "1-*", "b", "2"),
            ("XADD", "s", "2-*", "c", "3"),
            ("XADD", "s", "2", "c", "3"),
            ("XADD", "s", "5", "c", "3", "d", "4"),
            ("XADD", "s", "0-0", "a", "1"),
            ("XADD", "new", "0-0", "a", "1"),
            ("EXISTS", "new"),
            ("XADD", "new", "0-*", "a", "1"),
            ("XADD", "s", "18446744073709551615-18446744073709551614", "a", "1"),
            ("XADD", "s", "18446744073709551615-*", "a", "1"),
            ("XADD", "s", "18446744073709551615-*", "a", "1"),
            ("XADD", "s", "*", "a", "1"),
            ("XADD", "s", "18446744073709551616-1", "a", "1"),
            ("XLEN", "s"),
            ("XRANGE", "s", "-", "+"),
        ]
    )


def test_xadd_star_shapes(differ):
    """IDs made from the clock: compared by shape, and by order."""
    made = [differ.both("XADD", "s", "*", "f", str(i)) for i in range(3)]
    for replies in zip(*made):
        ids = [tuple(map(int, reply.split(b"-"))) for reply in replies]
        assert ids == sorted(set(ids))
        assert abs(ids[0][0] - time.time() * 1000) < 60000
    differ.check("XLEN", "s")
    differ.check("XADD", "s", "1-*", "f", "v")


def test_xadd_errors(differ):
    differ.run(
        [
            ("XADD", "s", "1-1", "a"),
            ("XADD", "s", "1-1", "a", "1", "b"),
            ("XADD", "s", "abc", "a", "1"),
            ("XADD", "s", "1-x", "a", "1"),
            ("XADD", "s", "-", "a", "1"),
            ("XADD", "s", "+", "a", "1"),
            ("XADD", "s", "-1", "a", "1"),
            ("XADD", "s", "1--1", "a", "1"),
            ("XADD", "s", " 1-1", "a", "1"),
            ("XADD", "s", "01-+2", "a", "1"),
            ("XRANGE", "s", "-", "+"),
            ("XADD", "s", "MAXLEN", "-1", "*", "a", "1"),
            ("XADD", "s", "MAXLEN", "x", "*", "a", "1"),
            ("XADD", "s", "MAXLEN", "1", "MINID", "1", "*", "a", "1"),
            ("XADD", "s", "LIMIT", "10", "*", "a", "1"),
            ("XADD", "s", "MAXLEN", "=", "1", "LIMIT", "10", "*", "a", "1"),
            ("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "*", "a", "1"),
            ("XADD", "s", "MINID", "-", "*", "a", "1"),
            ("XADD", "s", "NOMKSTREAM", "5-0", "a", "1"),
            ("EXISTS", "s"),
            ("XADD", "s", "MAXLEN", "5"),
            ("SET", "str", "x"),
            ("XADD", "str", "*", "a", "1"),
            ("XADD", "str", "NOMKSTREAM", "5-0", "a", "1"),
        ]
    )


def _fill(differ, key, count, start=1):
    for i in range(start, start + count):
        differ.check("XADD", key, "%d-1" % i, "f", str(i))


def test_xrange_bounds(differ):
    _fill(differ, "s", 10)
    differ.run(
        [
            ("XRANGE", "s", "-", "+"),
            ("XRANGE", "s", "3", "5"),
            ("XRANGE", "s", "3-1", "5-0"),
            ("XRANGE", "s", "(3-1", "(5-1"),
            ("XRANGE", "s", "(3", "+"),
            ("XRANGE", "s", "-", "+", "COUNT", "3"),
            ("XRANGE", "s", "-", "+", "COUNT", "0"),
            ("XRANGE", "s", "-", "+", "COUNT", "-5"),
            ("XRANGE", "s", "-", "+", "COUNT", "99999999999999"),
            ("XRANGE", "s", "-", "+", "COUNT"),
            ("XRANGE", "s", "-", "+", "COUNT", "x"),
            ("XRANGE", "s", "-", "+", "LIMIT", "1"),
            ("XRANGE", "s", "5", "3"),
            ("XRANGE", "s", "(-", "+"),
            ("XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"),
            ("XRANGE", "s", "-", "(0-0"),
            ("XRANGE", "s", "(", "+"),
            ("XRANGE", "s", "x", "+"),
            ("XREVRANGE", "s", "+", "-"),
            ("XREVRANGE", "s", "+", "-", "COUNT", "2"),
            ("XREVRANGE", "s", "(5", "(3"),
            ("XREVRANGE", "s", "5", "3", "COUNT", "0"),
            ("XRANGE", "missing", "-", "+"),
            ("XRANGE", "missing", "-", "+", "COUNT", "0"),
            ("XREVRANGE", "missing", "+", "-"),
            ("XLEN", "missing"),
            ("SET", "str", "x"),
            ("XRANGE", "str", "-", "+"),
            ("XLEN", "str"),
        ]
    )


def test_xdel_and_info(differ):
    _fill(differ, "s", 5)
    differ.run(
        [
            ("XDEL", "s", "2-1", "4-1", "9-9"),
            ("XDEL", "s", "2-1"),
            ("XDEL", "s", "x"),
            ("XDEL", "s", "3-1", "x"),
            ("XLEN", "s"),
            ("XDEL", "missing", "1-1"),
            ("XDEL", "missing", "x"),
            ("XINFO", "STREAM", "s"),
            ("XDEL", "s", "1-1", "3-1", "5-1"),
            ("XINFO", "STREAM", "s"),
            ("XINFO", "STREAM", "missing"),
            ("XINFO", "STREAM", "s", "FULL", "x"),
            ("XINFO", "STREAM", "s", "COUNT"),
            ("XINFO", "STREAM", "s", "FULL", "COUNT", "x"),
            ("XINFO", "HELP"),
            ("XINFO", "HELP", "x"),
            ("XINFO", "NOPE", "s"),
            ("XGROUP", "HELP"),
            ("TYPE", "s"),
            ("OBJECT", "ENCODING", "s"),
        ]
    )


def test_trimming(differ):
    _fill(differ, "s", 250)
    differ.run(
        [
            ("XTRIM", "s", "MAXLEN", "~", "180"),
            ("XLEN", "s"),
            ("XTRIM", "s", "MAXLEN", "~", "120"),
            ("XLEN", "s"),
            ("XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "10"),
            ("XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "100"),
            ("XLEN", "s"),
            ("XTRIM", "s", "MAXLEN", "140"),
            ("XTRIM", "s", "MAXLEN", "=", "140"),
            ("XTRIM", "s", "MAXLEN", "40"),
            ("XRANGE", "s", "-", "+", "COUNT", "2"),
            ("XTRIM", "s", "MINID", "215"),
            ("XTRIM", "s", "MINID", "~", "260"),
            ("XTRIM", "s", "MINID", "~", "260", "LIMIT", "0"),
            ("XLEN", "s"),
            ("XTRIM", "s"),
            ("XTRIM", "s", "LIMIT", "5"),
            ("XTRIM", "s", "MAXLEN", "1", "NOMKSTREAM"),
            ("XTRIM", "s", "MAXLEN", "5", "LIMIT", "5"),
            ("XTRIM", "missing", "MAXLEN", "x"),
            ("XTRIM", "s", "MINID", "1", "MAXLEN", "1"),
            ("XINFO", "STREAM", "s"),
            ("XTRIM", "s", "MAXLEN", "0"),
            ("XINFO", "STREAM", "s"),
            ("XADD", "s", "MAXLEN", "~", "0", "300-0", "a", "1"),
            ("XLEN", "s"),
        ]
    )


def test_xadd_trims(differ):
    for i in range(1, 131):
        differ.check("XADD", "s", "MAXLEN", "~", "50", "%d-0" % i, "f", "v")
    differ.run(
        [
            ("XLEN", "s"),
            ("XADD", "s", "MAXLEN", "10", "200-0", "f", "v"),
            ("XLEN", "s"),
            ("XADD", "s", "MINID", "195", "201-0", "f", "v"),
            ("XRANGE", "s", "-", "+", "COUNT", "1"),
            ("XADD", "s", "NOMKSTREAM", "MINID", "=", "201", "202-0", "f", "v"),
            ("XINFO", "STREAM", "s"),
        ]
    )


def test_node_size_limit(differ):
    """Nodes also end at stream-node-max-bytes (4096): big values fill them sooner."""
    big = "x" * 700
    for i in range(1, 31):
        differ.check("XADD", "s", "%d-0" % i, "f", big, "n", str(i))
    differ.run(
        [
            ("XTRIM", "s", "MAXLEN", "~", "12"),
            ("XLEN", "s"),
            ("XINFO", "STREAM", "s"),
            ("XADD", "t", "1-0", "a", "1"),
            ("XADD", "t", "2-0", "b", "2", "c", "3"),
            ("XADD", "t", "3-0", "a", "12345678901"),
            ("XINFO", "STREAM", "t", "FULL"),
        ]
    )


# ---------------------------------------------------------------- XREAD


def test_xread(differ):
    _fill(differ, "a", 3)
    _fill(differ, "b", 2)
    differ.run(
        [
            ("XREAD", "STREAMS", "a", "0"),
            ("XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "1-1"),
            ("XREAD", "STREAMS", "a", "b", "$", "$"),
            ("XREAD", "STREAMS", "a", "missing", "2", "0"),
            ("XREAD", "STREAMS", "missing", "0"),
            ("XREAD", "COUNT", "-1", "STREAMS", "a", "0"),
            ("XREAD", "COUNT", "0", "STREAMS", "a", "0"),
            ("XREAD", "STREAMS", "a"),
            ("XREAD", "STREAMS", "a", "b", "0"),
            ("XREAD", "STREAMS", "a", ">"),
            ("XREAD", "STREAMS", "a", "x"),
            ("XREAD", "STREAMS", "a", "-"),
            ("XREAD", "GROUP", "g", "c", "STREAMS", "a", "0"),
            ("XREAD", "NOACK", "STREAMS", "a", "0"),
            ("XREAD", "COUNT", "1"),
            ("XREAD", "FOO", "STREAMS", "a", "0"),
            ("XREAD", "BLOCK", "-1", "STREAMS", "a", "0"),
            ("XREAD", "BLOCK", "x", "STREAMS", "a", "0"),
            ("XREAD", "BLOCK", "0", "STREAMS", "a", "0"),
            ("SET", "str", "x"),
            ("XREAD", "STREAMS", "a", "str", "0", "0"),
            ("MULTI",),
            ("XREAD", "BLOCK", "0", "STREAMS", "a", "$"),
            ("EXEC",),
            (
                "EVAL",
                "return redis.call('xread', 'block', 0, 'streams', 'a', '$')",
                "0",
            ),
            ("EVAL", "return redis.call('xread', 'streams', 'a', '2')", "0"),
        ]
    )


# ---------------------------------------------------------------- groups


def test_xgroup(differ):
    differ.run(
        [
            ("XGROUP", "CREATE", "s", "g", "$"),
            ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
            ("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
            ("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2"),
            ("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "x"),
            ("XGROUP", "CREATE", "s", "g2", "0", "FOO"),
            ("XGROUP", "CREATE", "s", "g2", "x"),
            ("XGROUP", "CREATE", "s", "g2", "-"),
            ("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "5"),
            ("XGROUP", "CREATE", "s", "g3", "0", "MKSTREAM", "MKSTREAM", "MKSTREAM"),
            ("XINFO", "GROUPS", "s"),
            ("XGROUP", "SETID", "s", "nogroup", "0"),
            ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD"),
            ("XGROUP", "SETID", "s", "g", "0", "FOO", "1"),
            ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "-3"),
            ("XGROUP", "SETID", "s", "g", "-"),
            ("XGROUP", "SETID", "s", "g", "+", "ENTRIESREAD", "3"),
            ("XGROUP", "SETID", "missing", "g", "0"),
            ("XINFO", "GROUPS", "s"),
            ("XGROUP", "CREATECONSUMER", "s", "g", "c"),
            ("XGROUP", "CREATECONSUMER", "s", "g", "c"),
            ("XGROUP", "CREATECONSUMER", "s", "nogroup", "c"),
            ("XGROUP", "DELCONSUMER", "s", "g", "c"),
            ("XGROUP", "DELCONSUMER", "s", "g", "c"),
            ("XGROUP", "DESTROY", "s", "g"),
            ("XGROUP", "DESTROY", "s", "g"),
            ("XGROUP", "DESTROY", "missing", "g"),
            ("XGROUP", "FOO", "s", "g"),
            ("XGROUP", "CREATE", "s"),
            ("XGROUP", "HELP", "x"),
            ("XINFO", "CONSUMERS", "s", "nogroup"),
            ("XINFO", "CONSUMERS", "missing", "g"),
            ("XINFO", "GROUPS", "missing"),
            ("SET", "str", "x"),
            ("XGROUP", "CREATE", "str", "g", "$", "MKSTREAM"),
            ("XINFO", "GROUPS", "str"),
        ]
    )


def test_xreadgroup(differ):
    _fill(differ, "s", 5)
    differ.run(
        [
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
            ("XGROUP", "CREATE", "s", "g", "0"),
            ("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"),
            ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", "1-1"),
            ("XREADGROUP", "GROUP", "g", "c3", "STREAMS", "s", "0"),
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"),
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s"),
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "x"),
            ("XREADGROUP", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "missing", ">"),
            ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s", ">"),
            ("XPENDING", "s", "g"),
            ("XDEL", "s", "1-1"),
            ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"),
            ("XINFO", "GROUPS", "s"),
            ("XADD", "s", "6-1", "f", "6"),
            ("XREADGROUP", "GROUP", "g", "c4", "NOACK", "STREAMS", "s", ">"),
            ("XINFO", "GROUPS", "s"),
            ("XPENDING", "s", "g"),
            ("XACK", "s", "g", "2-1", "3-1", "9-9"),
            ("XACK", "s", "g", "2-1"),
            ("XACK", "s", "g", "x"),
            ("XACK", "s", "nog", "x"),
            ("XACK", "missing", "g", "1-1"),
            ("XPENDING", "s", "g"),
            ("XGROUP", "DELCONSUMER", "s", "g", "c2"),
            ("XPENDING", "s", "g"),
            ("XGROUP", "SETID", "s", "g", "0"),
            ("XREADGROUP", "GROUP", "g", "c5", "STREAMS", "s", ">"),
            ("XINFO", "GROUPS", "s"),
        ]
    )


def test_xpending_extended(differ):
    _fill(differ, "s", 6)
    differ.run(
        [
            ("XGROUP", "CREATE", "s", "g", "0"),
            ("XPENDING", "s", "g"),
            ("XREADGROUP", "GROUP", "g", "a", "COUNT", "3", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">"),
            ("XPENDING", "s", "g", "-", "+", "0"),
            ("XPENDING", "s", "g", "-", "+", "-1"),
            ("XPENDING", "s", "g", "(2-1", "(5-1", "10", "nobody"),
            ("XPENDING", "s", "g", "5", "2", "10"),
            ("XPENDING", "s", "g", "-", "+"),
            ("XPENDING", "s", "g", "IDLE", "10", "-", "+"),
            ("XPENDING", "s", "g", "IDLE", "x", "-", "+", "10"),
            ("XPENDING", "s", "g", "-", "+", "x"),
            ("XPENDING", "s", "g", "x", "+", "10"),
            ("XPENDING", "s", "nog"),
            ("XPENDING", "missing", "g"),
            ("XPENDING", "missing", "g", "x", "+", "10"),
            ("XPENDING", "s", "g", "IDLE", "100000", "-", "+", "10"),
        ]
    )
    for args in (
        ("-", "+", "10"),
        ("-", "+", "10", "b"),
        ("-", "+", "10", "a", "extra"),
    ):
        real, mini = differ.both("XPENDING", "s", "g", *args)
        assert _idle_free(mini) == _idle_free(real)
    real, mini = differ.both("XINFO", "CONSUMERS", "s", "g")
    assert [_idle_free(c) for c in mini] == [_idle_free(c) for c in real]


def _idle_free(reply):
    """An XPENDING or XINFO CONSUMERS reply without its idle times (ms)."""
    if isinstance(reply, dict):
        return {k: v for k, v in reply.items() if k != b"idle"}
    if reply[:1] == [b"name"]:  # a consumer, flattened (RESP2)
        return reply[:-2]
    return [entry[:2] + entry[3:] for entry in reply]


def test_xclaim_and_xautoclaim(differ):
    _fill(differ, "s", 6)
    differ.run(
        [
            ("XCLAIM", "s", "g", "c", "0", "1-1"),
            ("XGROUP", "CREATE", "s", "g", "0"),
            ("XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"),
            ("XCLAIM", "s", "g", "b", "0", "1-1", "2-1", "9-9"),
            ("XCLAIM", "s", "g", "b", "0", "3-1", "JUSTID"),
            ("XCLAIM", "s", "g", "b", "100000", "4-1"),
            ("XCLAIM", "s", "g", "b", "x", "4-1"),
            ("XCLAIM", "s", "g", "b", "0", "4-1", "IDLE", "x"),
            ("XCLAIM", "s", "g", "b", "0", "4-1", "TIME", "x"),
            ("XCLAIM", "s", "g", "b", "0", "4-1", "RETRYCOUNT", "x"),
            ("XCLAIM", "s", "g", "b", "0", "4-1", "LASTID", "x"),
            ("XCLAIM", "s", "g", "b", "0", "4-1", "FOO"),
            ("XCLAIM", "s", "g", "b", "0", "4-1", "RETRYCOUNT", "7", "JUSTID"),
            ("XCLAIM", "s", "g", "b", "0", "4-1", "IDLE", "5000", "JUSTID"),
            ("XPENDING", "s", "g", "IDLE", "4000", "-", "+", "10", "nobody"),
            ("XCLAIM", "s", "g", "b", "0", "5-1", "TIME", "1", "JUSTID"),
            ("XCLAIM", "s", "g", "b", "0", "5-1", "TIME", "-5", "JUSTID"),
            ("XGROUP", "CREATE", "s", "h", "$"),
            ("XCLAIM", "s", "h", "z", "0", "2-1", "6-1", "FORCE"),
            ("XCLAIM", "s", "h", "z", "0", "3-1", "FORCE", "JUSTID", "LASTID", "5-1"),
            ("XPENDING", "s", "h"),
            ("XINFO", "GROUPS", "s"),
            ("XDEL", "s", "2-1"),
            ("XCLAIM", "s", "g", "c", "0", "2-1", "3-1"),
            ("XPENDING", "s", "g"),
            ("XAUTOCLAIM", "s", "g", "d", "0", "0"),
            ("XAUTOCLAIM", "s", "g", "d", "0", "0", "COUNT", "2"),
            ("XAUTOCLAIM", "s", "g", "d", "0", "(1-1", "COUNT", "2", "JUSTID"),
            ("XAUTOCLAIM", "s", "g", "d", "0", "0", "COUNT", "0"),
            ("XAUTOCLAIM", "s", "g", "d", "0", "0", "COUNT", "x"),
            ("XAUTOCLAIM", "s", "g", "d", "0", "0", "COUNT", "9223372036854775807"),
            ("XAUTOCLAIM", "s", "g", "d", "x", "0"),
            ("XAUTOCLAIM", "s", "g", "d", "0", "x"),
            ("XAUTOCLAIM", "s", "g", "d", "0", "0", "FOO"),
            ("XAUTOCLAIM", "s", "nog", "d", "0", "0"),
            ("XAUTOCLAIM", "missing", "g", "d", "0", "0"),
            ("XDEL", "s", "4-1", "5-1"),
            ("XAUTOCLAIM", "s", "g", "e", "0", "0", "COUNT", "1"),
            ("XAUTOCLAIM", "s", "g", "e", "0", "0"),
            ("SET", "str", "x"),
            ("XCLAIM", "str", "g", "c", "0", "1-1"),
            ("XAUTOCLAIM", "str", "g", "c", "0", "0"),
        ]
    )


def test_xsetid(differ):
    _fill(differ, "s", 3)
    differ.run(
        [
            ("XSETID", "s", "2-1"),
            ("XSETID", "s", "3-1"),
            ("XSETID", "s", "10-0", "ENTRIESADDED", "2"),
            ("XSETID", "s", "10-0", "ENTRIESADDED", "-1"),
            ("XSETID", "s", "10-0", "ENTRIESADDED", "50", "MAXDELETEDID", "11-0"),
            ("XSETID", "s", "10-0", "ENTRIESADDED", "50", "MAXDELETEDID", "2-0"),
            ("XSETID", "s", "10-0", "FOO", "1"),
            ("XSETID", "s", "10-0", "ENTRIESADDED"),
            ("XSETID", "s", "1-0"),
            ("XSETID", "s", "x"),
            ("XSETID", "s", "-"),
            ("XSETID", "missing", "1-0"),
            ("XINFO", "STREAM", "s"),
            ("XADD", "s", "10-*", "a", "1"),
            ("XSETID", "s", "99999999999999-5"),
            ("XADD", "s", "*", "a", "1"),
            ("XINFO", "STREAM", "s"),
            ("XTRIM", "s", "MAXLEN", "0"),
            ("XSETID", "s", "5-0"),
            ("XSETID", "s", "2-0"),
            ("XINFO", "STREAM", "s"),
        ]
    )


def test_lag_and_entries_read(differ):
    _fill(differ, "s", 5)
    differ.run(
        [
            ("XGROUP", "CREATE", "s", "g1", "0"),
            ("XGROUP", "CREATE", "s", "g2", "$"),
            ("XGROUP", "CREATE", "s", "g3", "2-1", "ENTRIESREAD", "2"),
            ("XGROUP", "CREATE", "s", "g4", "0"),
            ("XGROUP", "CREATE", "s", "g5", "2-1"),
            ("XINFO", "GROUPS", "s"),
            ("XREADGROUP", "GROUP", "g1", "c", "COUNT", "2", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "g3", "c", "COUNT", "1", "STREAMS", "s", ">"),
            ("XINFO", "GROUPS", "s"),
            ("XDEL", "s", "4-1"),
            ("XINFO", "GROUPS", "s"),
            ("XREADGROUP", "GROUP", "g1", "c", "STREAMS", "s", ">"),
            ("XINFO", "GROUPS", "s"),
            ("XADD", "s", "7-1", "f", "v"),
            ("XINFO", "GROUPS", "s"),
            ("XDEL", "s", "1-1"),
            ("XINFO", "GROUPS", "s"),
            ("XTRIM", "s", "MAXLEN", "0"),
            ("XINFO", "GROUPS", "s"),
            ("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"),
            ("XINFO", "GROUPS", "e"),
            ("XINFO", "STREAM", "e"),
        ]
    )


def test_full_info_with_groups(differ):
    """XINFO STREAM FULL has times: compare all but them."""
    _fill(differ, "s", 4)
    differ.run(
        [
            ("XGROUP", "CREATE", "s", "g", "0"),
            ("XGROUP", "CREATE", "s", "a", "0"),
            ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "s", ">"),
            ("XREADGROUP", "GROUP", "g", "c0", "STREAMS", "s", ">"),
            ("XGROUP", "CREATECONSUMER", "s", "g", "c2"),
        ]
    )
    for count in (None, "0", "1", "-1"):
        extra = () if count is None else ("COUNT", count)
        real, mini = differ.both("XINFO", "STREAM", "s", "FULL", *extra)
        assert _timeless(mini) == _timeless(real)


def _timeless(value):
    """A reply with the numbers over 10**12 (times in ms) replaced by a mark."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    if isinstance(value, int) and value > 10**12:
        return "time"
    return value


def test_keyspace_commands(differ):
    _fill(differ, "s", 3)
    differ.run(
        [
            ("XGROUP", "CREATE", "s", "g", "0"),
            ("XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"),
            ("COPY", "s", "t"),
            ("XADD", "t", "9-0", "x", "y"),
            ("XLEN", "s"),
            ("XPENDING", "t", "g"),
            ("XACK", "t", "g", "1-1"),
            ("XPENDING", "s", "g"),
            ("RENAME", "t", "u"),
            ("TYPE", "u"),
            ("EXISTS", "s", "t", "u"),
            ("MOVE", "u", "1"),
            ("DEL", "s"),
            ("LPUSH", "u", "x"),
            ("SELECT", "1"),
            ("XLEN", "u"),
            ("GET", "u"),
            ("LPUSH", "u", "x"),
            ("HSET", "u", "a", "b"),
            ("INCR", "u"),
            ("SELECT", "0"),
        ]
    )


def test_resp3_shapes(differ):
    _fill(differ, "s", 2)
    check_raw(differ, "XREAD", "STREAMS", "s", "0")
    check_raw(differ, "XREAD", "STREAMS", "s", "$")
    check_raw(differ, "XRANGE", "s", "-", "+", "COUNT", "0")
    check_raw(differ, "XINFO", "STREAM", "s")
    check_raw(differ, "XGROUP", "CREATE", "s", "g", "$")
    check_raw(differ, "XPENDING", "s", "g")
    check_raw(differ, "XADD", "missing", "NOMKSTREAM", "*", "a", "1")
    check_raw(differ, "XINFO", "GROUPS", "s")


EDGE_CASES = [
    ("XADD", "z", "MAXLEN", "0", "1-1", "a", "1"),
    ("XINFO", "STREAM", "z"),
    ("XADD", "z2", "MAXLEN", "~", "0", "LIMIT", "0", "1-1", "a", "1"),
    ("XLEN", "z2"),
    ("XADD", "s", "1", "a", "1", "a", "2"),
    ("XRANGE", "s", "-", "+"),
    ("XDEL", "s", "1-0", "1-0"),
    ("XINFO", "STREAM", "s"),
    ("XINFO", "STREAM", "s", "FULL"),
    ("XADD", "s", "2", "a", "1"),
    ("XGROUP", "CREATE", "s", "g", "0"),
    ("XREADGROUP", "GROUP", "g", "c", "COUNT", "0", "STREAMS", "s", ">"),
    ("XACK", "s", "g", "2-0", "2-0"),
    ("XREAD", "STREAMS", "s", "s", "0", "0"),
    ("XREAD", "COUNT", "1", "STREAMS", "s", "missing", "0", "0"),
    ("XAUTOCLAIM", "s", "g", "c", "0", "99"),
    ("XCLAIM", "s", "g", "c", "-5", "2-0", "JUSTID"),
    ("XCLAIM", "s", "g", "c", "0", "2-0", "JUSTID", "LASTID", "0-1"),
    ("XINFO", "GROUPS", "s"),
    ("XGROUP", "CREATE", "e", "g", "0", "MKSTREAM", "ENTRIESREAD", "5"),
    ("XINFO", "GROUPS", "e"),
    ("XSETID", "e", "9-9", "ENTRIESADDED", "3"),
    ("XINFO", "GROUPS", "e"),
    ("XINFO", "STREAM", "e", "FULL", "COUNT", "1"),
    ("XADD", "e", "NOMKSTREAM", "MAXLEN", "1", "10-0", "a", "1"),
    ("XADD", "e", "NOMKSTREAM", "MAXLEN", "1", "11-0", "a", "1"),
    ("XINFO", "GROUPS", "e"),
    ("XREVRANGE", "e", "(11", "(9", "COUNT", "5"),
    ("XADD", "m", "*", "a"),
    ("XADD", "m", "1-1", "a", "1", "b"),
    ("XGROUP", "SETID", "e", "g", "$", "ENTRIESREAD", "0"),
    ("XINFO", "GROUPS", "e"),
    ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "e", "e", ">", ">"),
    ("XREADGROUP", "GROUP", "g", "c", "COUNT", "-3", "STREAMS", "e", "0"),
    ("XPENDING", "e", "g", "IDLE", "0", "-", "+", "5", "nobody"),
    ("XPENDING", "e", "g", "IDLE", "-5", "-", "+", "0"),
    ("XTRIM", "e", "MINID", "~", "20"),
    ("XINFO", "STREAM", "e"),
    ("XINFO", "GROUPS", "e"),
    ("XTRIM", "e", "MAXLEN", "~", "x"),
    ("XTRIM", "e", "MAXLEN", "~"),
    ("XTRIM", "e", "MAXLEN"),
    ("XADD", "e", "MAXLEN", "~", "*", "a"),
    ("XADD", "e", "MAXLEN", "1", "~", "a", "b"),
    ("XGROUP", "CREATECONSUMER", "e", "g", ""),
    ("XINFO", "GROUPS", "e"),
    ("XREADGROUP", "GROUP", "g", "", "STREAMS", "e", ">"),
    ("XINFO", "STREAM", "e"),
    ("XSETID", "e", "11-0", "MAXDELETEDID", "11-0"),
    ("XSETID", "e", "11-0", "MAXDELETEDID", "0-0"),
    ("XINFO", "STREAM", "e"),
    ("XADD", "s", "18446744073709551615-18446744073709551615", "a", "1"),
    ("XADD", "s", "*", "a", "1"),
    ("XADD", "s", "18446744073709551615-*", "a", "1"),
    ("XRANGE", "s", "(18446744073709551615-18446744073709551614", "+"),
    ("XRANGE", "s", "-", "(1"),
    ("XRANGE", "s", "18446744073709551615", "+"),
    ("XRANGE", "s", "-", "0"),
]


def test_edge_cases(differ):
    differ.run(EDGE_CASES)
    check_raw(differ, "XREAD", "STREAMS", "s", "s", "0", "0")


# ---------------------------------------------------------------- blocking


def test_blocked_xread_served_by_xadd(differ, waiters):
    differ.check("XADD", "s", "1-1", "a", "1")
    block_both(differ, waiters, "XREAD", "BLOCK", "0", "STREAMS", "t", "s", "$", "$")
    differ.check("XADD", "s", "2-1", "b", "2")
    real, mini = (w.read() for w in waiters)
    assert mini == real == [[b"s", [[b"2-1", [b"b", b"2"]]]]] or mini == real


def test_blocked_xread_served_by_multi_and_script(differ, waiters):
    block_both(differ, waiters, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    differ.run(
        [
            ("MULTI",),
            ("XADD", "s", "1-1", "a", "1"),
            ("XADD", "s", "2-1", "b", "2"),
            ("EXEC",),
        ]
    )
    real, mini = (w.read() for w in waiters)
    assert mini == real
    block_both(
        differ, waiters, "XREAD", "BLOCK", "0", "COUNT", "1", "STREAMS", "s", "$"
    )
    differ.check(
        "EVAL", "return redis.call('xadd', KEYS[1], '3-1', 'c', '3')", "1", "s"
    )
    real, mini = (w.read() for w in waiters)
    assert mini == real == [[b"s", [[b"3-1", [b"c", b"3"]]]]] or mini == real


def test_blocked_xreadgroup(differ, waiters):
    differ.check("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    block_both(
        differ,
        waiters,
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "BLOCK",
        "0",
        "STREAMS",
        "s",
        ">",
    )
    differ.check("XADD", "s", "1-1", "a", "1")
    real, mini = (w.read() for w in waiters)
    assert mini == real
    differ.check("XPENDING", "s", "g")
    block_both(
        differ,
        waiters,
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "BLOCK",
        "0",
        "STREAMS",
        "s",
        ">",
    )
    differ.check("XGROUP", "DESTROY", "s", "g")
    real, mini = (w.read() for w in waiters)
    assert mini == real


def test_xread_block_times_out(differ, waiters):
    real, mini = waiters
    for connection in waiters:
        connection.send("XREAD", "BLOCK", "50", "STREAMS", "s", "$")
    assert mini.read() == real.read()


# unit tests on a fake clock


def test_timeout_on_the_reactor_clock(server):
    waiter = Client(server)
    waiter.send("XREAD", "BLOCK", "1500", "STREAMS", "s", "$")
    server.advance(1.4)
    assert waiter.replies() == []
    server.advance(0.2)
    assert waiter.replies() == [None]
    assert server.factory.waits.count == 0


def test_first_come_first_served(server):
    one, two, writer = Client(server), Client(server), Client(server)
    one.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    two.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    writer.call("XADD", "s", "5-0", "a", "1")
    assert one.replies() == two.replies() == [[[b"s", [[b"5-0", [b"a", b"1"]]]]]]


def test_group_waiters_share_entries(server):
    one, two, writer = Client(server), Client(server), Client(server)
    writer.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    for client, name in ((one, "c1"), (two, "c2")):
        client.send("XREADGROUP", "GROUP", "g", name, "BLOCK", "0", "STREAMS", "s", ">")
    writer.call("XADD", "s", "1-0", "a", "1")
    assert one.replies() == [[[b"s", [[b"1-0", [b"a", b"1"]]]]]]
    assert two.replies() == []
    writer.call("XADD", "s", "2-0", "b", "2")
    assert two.replies() == [[[b"s", [[b"2-0", [b"b", b"2"]]]]]]
    assert server.logged[-2][1][:6] == [b"XCLAIM", b"s", b"g", b"c2", b"0", b"2-0"]
    assert server.logged[-1][1] == [
        b"XGROUP",
        b"SETID",
        b"s",
        b"g",
        b"2-0",
        b"ENTRIESREAD",
        b"2",
    ]


def test_disconnect_while_blocked(server):
    waiter, writer = Client(server), Client(server)
    waiter.send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    assert server.factory.waits.count == 1
    waiter.disconnect()
    assert server.factory.waits.count == 0
    assert writer.call("XADD", "s", "1-0", "a", "1") == b"1-0"


def test_xadd_star_logs_its_id(server):
    server.call("XADD", "s", "MAXLEN", "~", "5", "*", "a", "1")
    server.call("XADD", "s", "5-*", "a", "1")
    ms = server.now_ms()
    assert (
        server.logged[-2:]
        == [
            (0, [b"XADD", b"s", b"MAXLEN", b"=", b"1", b"%d-0" % ms, b"a", b"1"]),
            (0, [b"XADD", b"s", b"%d-1" % ms, b"a", b"1"]),
        ]
        or server.logged
    )


# ---------------------------------------------------------------- random

keys = st.sampled_from(["s", "t", "str"])
groups = st.sampled_from(["g", "h"])
consumers = st.sampled_from(["c1", "c2"])
ids = st.builds(
    lambda ms, seq: "%d-%d" % (ms, seq), st.integers(0, 40), st.integers(0, 2)
) | st.integers(0, 40).map(str)
bounds = ids | st.sampled_from(["-", "+", "(3", "(5-1"])
fields = st.lists(st.sampled_from(["a", "b", "7", "x" * 70]), min_size=1, max_size=3)


class StreamMachine(DifferMachine):
    """
    Random stream commands with explicit IDs, each reply compared between
    both servers (idle times left out of the comparison).
    """

    setup = (("SET", "str", "x"),)

    @rule(key=keys, stream_id=ids | st.just("12-*"), names=fields,
          trim=st.sampled_from([(), ("MAXLEN", "3"), ("MAXLEN", "~", "2"),
                                ("MINID", "10"), ("NOMKSTREAM",)]))  # fmt: skip
    def xadd(self, key, stream_id, names, trim):
        args = [x for name in names for x in (name, "v")]
        self.differ.check("XADD", key, *trim, stream_id, *args)

    @rule(key=keys, chosen=st.lists(ids, min_size=1, max_size=3))
    def xdel(self, key, chosen):
        self.differ.check("XDEL", key, *chosen)

    @rule(key=keys, trim=st.sampled_from([("MAXLEN", "2"), ("MAXLEN", "~", "1"),
                                          ("MINID", "20"), ("MINID", "~", "30")]))  # fmt: skip
    def xtrim(self, key, trim):
        self.differ.check("XTRIM", key, *trim)

    @rule(key=keys, low=bounds, high=bounds, rev=st.booleans(),
          count=st.none() | st.integers(-1, 3))  # fmt: skip
    def xrange(self, key, low, high, rev, count):
        name = "XREVRANGE" if rev else "XRANGE"
        extra = () if count is None else ("COUNT", str(count))
        self.differ.check(name, key, high if rev else low, low if rev else high, *extra)

    @rule(key=keys)
    def xlen(self, key):
        self.differ.check("XLEN", key)

    @rule(key=keys, after=ids | st.just("$"), count=st.integers(0, 2))
    def xread(self, key, after, count):
        self.differ.check("XREAD", "COUNT", str(count), "STREAMS", key, after)

    @rule(key=keys, group=groups, start=ids | st.just("$"), mkstream=st.booleans())
    def xgroup_create(self, key, group, start, mkstream):
        self.differ.check(
            "XGROUP", "CREATE", key, group, start, *["MKSTREAM"] * mkstream
        )

    @rule(key=keys, group=groups, start=ids | st.just("$"))
    def xgroup_setid(self, key, group, start):
        self.differ.check("XGROUP", "SETID", key, group, start)

    @rule(key=keys, group=groups,
          sub=st.sampled_from(["DESTROY", "CREATECONSUMER", "DELCONSUMER"]),
          consumer=consumers)  # fmt: skip
    def xgroup_other(self, key, group, sub, consumer):
        extra = () if sub == "DESTROY" else (consumer,)
        self.differ.check("XGROUP", sub, key, group, *extra)

    @rule(key=keys, group=groups, consumer=consumers, after=ids | st.just(">"),
          count=st.integers(0, 2), noack=st.booleans())  # fmt: skip
    def xreadgroup(self, key, group, consumer, after, count, noack):
        self.differ.check("XREADGROUP", "GROUP", group, consumer, "COUNT", str(count),
                          *["NOACK"] * noack, "STREAMS", key, after)  # fmt: skip

    @rule(key=keys, group=groups, chosen=st.lists(ids, min_size=1, max_size=3))
    def xack(self, key, group, chosen):
        self.differ.check("XACK", key, group, *chosen)

    @rule(key=keys, group=groups, extended=st.booleans(), consumer=consumers)
    def xpending(self, key, group, extended, consumer):
        if not extended:
            self.differ.check("XPENDING", key, group)
            return
        real, mini = self.differ.both("XPENDING", key, group, "-", "+", "5", consumer)
        assert type(mini) is type(real)
        if isinstance(real, list):
            assert _idle_free(mini) == _idle_free(real)
        else:
            assert mini == real

    @rule(key=keys, group=groups, consumer=consumers,
          chosen=st.lists(ids, min_size=1, max_size=2), force=st.booleans())  # fmt: skip
    def xclaim(self, key, group, consumer, chosen, force):
        self.differ.check("XCLAIM", key, group, consumer, "0", *chosen,
                          *["FORCE"] * force, "RETRYCOUNT", "3", "JUSTID")  # fmt: skip

    @rule(key=keys, group=groups, consumer=consumers, start=ids,
          count=st.integers(1, 3))  # fmt: skip
    def xautoclaim(self, key, group, consumer, start, count):
        self.differ.check(
            "XAUTOCLAIM",
            key,
            group,
            consumer,
            "0",
            start,
            "COUNT",
            str(count),
            "JUSTID",
        )

    @rule(key=keys)
    def xinfo(self, key):
        self.differ.check("XINFO", "STREAM", key)
        self.differ.check("XINFO", "GROUPS", key)

    @rule(key=keys, count=st.sampled_from([(), ("COUNT", "0"), ("COUNT", "2")]))
    def xinfo_full(self, key, count):
        real, mini = self.differ.both("XINFO", "STREAM", key, "FULL", *count)
        assert _timeless(mini) == _timeless(real)

    @rule(key=keys, group=groups, consumer=consumers, chosen=st.lists(ids, max_size=2),
          start=ids)  # fmt: skip
    def claims_with_entries(self, key, group, consumer, chosen, start):
        self.differ.check("XCLAIM", key, group, consumer, "0", "0-1", *chosen)
        self.differ.check("XAUTOCLAIM", key, group, consumer, "0", start, "COUNT", "2")

    @rule(key=keys, last=ids)
    def xsetid(self, key, last):
        self.differ.check("XSETID", key, last)


def test_machine(differ):
    run_machine(StreamMachine, differ)


# ---------------------------------------------------------------- persistence

# name -> the commands that build the stream at "k"
STREAMS = {
    "plain": [("XADD", "k", "%d-%d" % (i, i % 3), "f", str(i)) for i in range(1, 8)],
    "many-nodes": [
        ("XADD", "k", "%d-0" % i, "f%d" % (i % 2), str(i * 1000), "x", "y" * (i % 70))
        for i in range(1, 260)
    ]
    + [("XDEL", "k", "3-0", "150-0"), ("XTRIM", "k", "MAXLEN", "200")],
    "huge-ids": [
        ("XADD", "k", "1-0", "a", "1"),
        ("XADD", "k", "18446744073709551615-18446744073709551614", "a", "2"),
    ],
    "empty-with-group": [
        ("XGROUP", "CREATE", "k", "g", "$", "MKSTREAM"),
        ("XGROUP", "CREATECONSUMER", "k", "g", "c"),
        ("XSETID", "k", "5-5", "ENTRIESADDED", "9", "MAXDELETEDID", "3-0"),
    ],
    "groups": [
        *[("XADD", "k", "%d-0" % i, "f", "v%d" % i) for i in range(1, 11)],
        ("XGROUP", "CREATE", "k", "g1", "0"),
        ("XGROUP", "CREATE", "k", "g0", "$"),
        ("XGROUP", "CREATE", "k", "g2", "0", "ENTRIESREAD", "3"),
        ("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "4", "STREAMS", "k", ">"),
        ("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "k", ">"),
        ("XREADGROUP", "GROUP", "g2", "carol", "NOACK", "STREAMS", "k", ">"),
        ("XGROUP", "CREATECONSUMER", "k", "g1", "dave"),
        ("XACK", "k", "g1", "2-0"),
        ("XDEL", "k", "1-0", "6-0"),
        ("XCLAIM", "k", "g1", "bob", "0", "3-0", "RETRYCOUNT", "5", "JUSTID"),
    ],
}


def _build(connection, name):
    for command in STREAMS[name]:
        reply = connection.call(*command)
        assert not isinstance(reply, ReplyError), (command, reply)


def _described(connection, key):
    """What XINFO tells of C{key}: the stream, its groups and consumers, in full."""
    return connection.call("XINFO", "STREAM", key, "FULL", "COUNT", "0")


@pytest.fixture
def pair(redis_server, mini_server):
    """C{(real, mini)} connections to emptied servers."""
    real = RawConnection(redis_server.port, 3)
    mini = RawConnection(mini_server.port, 3)
    for conn in (real, mini):
        conn.call("FLUSHALL")
    yield real, mini
    real.close()
    mini.close()


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_dump_restore_both_ways(pair, name):
    real, mini = pair
    _build(real, name)
    assert mini.call("RESTORE", "k", "0", real.call("DUMP", "k")) == b"OK"
    expected = _described(real, "k")
    assert _described(mini, "k") == expected
    assert real.call("RESTORE", "back", "0", mini.call("DUMP", "k")) == b"OK"
    back = _described(real, "back")
    if name == "many-nodes":  # miniredis writes no deleted entry into a node
        for info in (back, expected):
            info.pop(b"radix-tree-nodes")
    assert back == expected


@pytest.mark.parametrize("name", sorted(set(STREAMS) - {"huge-ids"}))
def test_restored_streams_go_on_alike(pair, name):
    """A stream from redis-server's DUMP fills its nodes as redis-server's does."""
    real, mini = pair
    _build(real, name)
    mini.call("RESTORE", "k", "0", real.call("DUMP", "k"))
    for i in range(150):
        command = ("XADD", "k", "MAXLEN", "~", "120", "*", "n", str(i))
        real_id, mini_id = real.call(*command), mini.call(*command)
        assert isinstance(real_id, bytes) and isinstance(mini_id, bytes)
    for conn in (real, mini):
        conn.call("XTRIM", "k", "MAXLEN", "~", "60")
    assert mini.call("XLEN", "k") == real.call("XLEN", "k")
    real_info, mini_info = (c.call("XINFO", "STREAM", "k") for c in (real, mini))
    assert mini_info[b"radix-tree-keys"] == real_info[b"radix-tree-keys"]


def test_rdb_files_both_ways(tmp_path):
    """redis-server's dump.rdb with streams loads here; ours loads there."""
    server = redis_process(str(tmp_path), "--enable-debug-command", "yes").start()
    conn = RawConnection(server.port, 3)
    try:
        expected = {}
        for name in STREAMS:
            _build(conn, name)
            conn.call("RENAME", "k", name)
            expected[name] = _described(conn, name)
        assert conn.call("SAVE") == b"OK"
        store = Store()
        result = rdb.load_rdb(open(str(tmp_path / "dump.rdb"), "rb").read(), store)
        assert result.keys == len(STREAMS)
        conn.call("FLUSHALL")
        with open(str(tmp_path / "dump.rdb"), "wb") as f:
            rdb.write_rdb(f.write, store)
        assert conn.call("DEBUG", "RELOAD", "NOSAVE") == b"OK"
        for name in STREAMS:
            found = _described(conn, name)
            if name == "many-nodes":
                found.pop(b"radix-tree-nodes")
                expected[name].pop(b"radix-tree-nodes")
            assert found == expected[name], name
    finally:
        conn.close()
        server.stop()


def _rewrite_aof(conn):
    assert conn.call("BGREWRITEAOF") is not None
    for _ in range(500):
        if b"aof_rewrite_in_progress:0" in conn.call("INFO", "persistence"):
            return
        time.sleep(0.01)
    raise AssertionError("the rewrite did not end")


def test_aof_rewrite_and_log_rebuild_groups(tmp_path):
    """
    The rewrite (XADD, XSETID, XGROUP CREATE, XCLAIM) and the writes logged
    after it (XCLAIM for what groups delivered) replay to the same streams.
    """
    directory = str(tmp_path)
    server = miniredis_process(directory, "--appendonly", "yes").start()
    conn = RawConnection(server.port, 3)
    try:
        for name in ("groups", "empty-with-group", "many-nodes"):
            _build(conn, name)
            conn.call("RENAME", "k", name)
        _rewrite_aof(conn)
        with open(os.path.join(directory, "appendonly.aof"), "rb") as f:
            assert b"XSETID" in f.read()
        conn.call("XADD", "groups", "MAXLEN", "~", "1", "*", "late", "1")
        conn.call("XREADGROUP", "GROUP", "g2", "frank", "STREAMS", "groups", ">")
        conn.call("XAUTOCLAIM", "groups", "g1", "erin", "0", "0", "COUNT", "1")
        conn.call("XAUTOCLAIM", "groups", "g1", "erin", "0", "0", "COUNT", "9")
        conn.call("XCLAIM", "groups", "g1", "erin", "0", "7-0", "LASTID", "99-0")
        names = ("groups", "empty-with-group", "many-nodes")
        expected = {name: _layout_free(_described(conn, name)) for name in names}
        conn.close()
        server.stop()
        server = miniredis_process(directory, "--appendonly", "yes").start()
        conn = RawConnection(server.port, 3)
        for name, info in expected.items():
            found = _layout_free(_described(conn, name))
            assert found == info, name

    finally:
        conn.close()
        server.stop()


def _layout_free(info):
    """
    XINFO STREAM FULL without the node counts (replayed XADDs skip deleted
    entries) and consumers' seen-time (a log does not keep it, nor Redis's).
    """
    if isinstance(info, dict):
        return {
            k: _layout_free(v)
            for k, v in info.items()
            if not k.startswith(b"radix-tree") and k != b"seen-time"
        }
    if isinstance(info, list):
        return [_layout_free(v) for v in info]
    return info


def _type15_payload():
    """A DUMP payload of RDB type 15 (Redis 5 and 6): one node, one group."""
    ln, raw = rdb.encode_length, rdb.encode_string
    node = listpack.encode(
        [2, 0, 1, b"f", 0]  # the master entry: 2 live, 0 deleted, field "f"
        + [2, 0, 0, b"v1", 4]  # 1-0, same fields
        + [2, 1, 0, b"v2", 4]  # 2-0
    )
    body = [b"\x0f", ln(1), raw((1).to_bytes(8, "big") + bytes(8)), raw(node)]
    body += [ln(2), ln(2), ln(0)]  # length, last ID 2-0
    body += [ln(1), raw(b"g"), ln(1), ln(0)]  # group g at 1-0
    body += [ln(1), (1).to_bytes(8, "big") + bytes(8), (1234).to_bytes(8, "little")]
    body += [ln(3), ln(1), raw(b"c"), (999).to_bytes(8, "little")]
    body += [ln(1), (1).to_bytes(8, "big") + bytes(8)]
    data = b"".join(body) + (9).to_bytes(2, "little")
    return data + crc64(0, data).to_bytes(8, "little")


def test_redis6_stream_payload(server3):
    assert server3.call("RESTORE", "k", "0", _type15_payload()) == b"OK"
    info = server3.call("XINFO", "STREAM", "k", "FULL")
    assert info[b"entries"] == [[b"1-0", [b"f", b"v1"]], [b"2-0", [b"f", b"v2"]]]
    assert info[b"entries-added"] == 2 and info[b"last-generated-id"] == b"2-0"
    (group,) = info[b"groups"]
    assert group[b"entries-read"] == 1 and group[b"lag"] == 1
    assert group[b"pending"] == [[b"1-0", b"c", 1234, 3]]
    assert group[b"consumers"][0][b"seen-time"] == 999


def test_redis6_stream_payload_alike(pair):
    real, mini = pair
    for conn in (real, mini):
        assert conn.call("RESTORE", "k", "0", _type15_payload()) == b"OK"
    assert _described(mini, "k") == _described(real, "k")
