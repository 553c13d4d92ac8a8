"""
INFO commandstats: the per-command counts (calls, rejected, failed) after
the same workload on redis-server and miniredis, and the field shape
Redis 7.0 writes; the times and the latency histogram of every call.
"""

import itertools
import re

from miniredis import commands, commandstats
from miniredis.commands import COMMANDS
from tests.local import Local

_FIELD = re.compile(
    r"^calls=(\d+),usec=(\d+),usec_per_call=(\d+\.\d\d),"
    r"rejected_calls=(\d+),failed_calls=(\d+)$"
)


def _commandstats(text):
    """@return: {command: (calls, rejected_calls, failed_calls)}; checks the shape."""
    if isinstance(text, bytes):
        text = text.decode()
    lines = text.split("\r\n")
    assert lines[0] == "# Commandstats"
    found = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        assert name.startswith("cmdstat_"), line
        fields = _FIELD.match(value)
        assert fields, line
        calls, usec, per_call, rejected, failed = fields.groups()
        assert float(per_call) == (
            round(int(usec) / int(calls), 2) if int(calls) else 0
        ), line
        found[name[len("cmdstat_") :]] = (int(calls), int(rejected), int(failed))
    return found


WORKLOAD = [
    ("SET", "k", "v"),
    ("SET", "k", "w"),
    ("GET", "k"),
    ("GET",),  # wrong arity: rejected
    ("INCR", "k"),  # not an integer: failed
    ("CONFIG", "GET"),  # a subcommand with the wrong arity
    ("CONFIG", "GET", "maxclients"),
    ("NOSUCH", "x"),  # unknown: counted nowhere
    ("MULTI",),
    ("SAVE",),  # not allowed in MULTI: rejected
    ("DISCARD",),
    ("LPUSH", "l", "a"),
    ("LPUSH", "k", "a"),  # WRONGTYPE: failed
]


def test_commandstats_match_redis(differ):
    for args in (("CONFIG", "RESETSTAT"),) + tuple(WORKLOAD):
        differ.both(*args)
    real, mini = differ.both("INFO", "commandstats")
    real, mini = _commandstats(real), _commandstats(mini)
    assert mini == real
    assert mini["get"] == (1, 1, 0)
    assert mini["incr"] == (1, 0, 1)
    assert mini["save"] == (0, 1, 0)
    assert mini["config|get"] == (1, 1, 0)


def test_commandstats_not_in_default_info(differ):
    real, mini = differ.both("INFO")
    assert "# Commandstats" not in real.decode()
    assert "# Commandstats" not in mini.decode()
    real, mini = differ.both("INFO", "everything")
    assert "# Commandstats" in real.decode() and "# Commandstats" in mini.decode()


def test_resetstat_zeroes_commandstats(server):
    server.call("SET", "k", "v")
    server.call("CONFIG", "RESETSTAT")
    assert _commandstats(server.call("INFO", "commandstats")) == {
        "config|resetstat": (1, 0, 0)
    }


def test_every_call_is_timed(server, monkeypatch):
    # each reading of the dispatcher's clock is 2 us after the last: every
    # call is quick, whatever the interpreter (a cold PyPy takes longer)
    ticks = itertools.count()
    monkeypatch.setattr(commands, "clock", lambda: next(ticks) * 0.000002)
    server.call("CONFIG", "RESETSTAT")
    for _ in range(200):
        server.call("SET", "k", "v")
    cmd = COMMANDS[b"set"]
    assert cmd.calls == 200
    assert commandstats.usec(cmd) == int(cmd.seconds * 1000000) > 0
    buckets = commandstats.histogram(cmd)
    assert buckets[-1][1] == 200
    assert [bound for bound, _ in buckets] == [1 << i for i in range(len(buckets))]
    # the quick calls are all in the bucket of DETAIL microseconds
    assert buckets[commandstats.DETAIL.bit_length() - 1][1] > 0
    assert all(count == 0 for bound, count in buckets if bound < commandstats.DETAIL)


def test_slow_calls_have_their_bucket():
    server = Local(enable_debug_command="yes")
    try:
        server.call("CONFIG", "RESETSTAT")
        for _ in range(3):
            server.call("DEBUG", "SLEEP", "0.002")
        server.call("DEBUG", "SLEEP", "0")
        cmd = COMMANDS[b"debug"]
        assert cmd.calls == 4
        assert sum(cmd.latency) >= 3
        assert sum(cmd.latency[(2000).bit_length() :]) == 3
        assert cmd.seconds >= 0.006
    finally:
        server.close()


def test_latencystats_shape_matches_redis(differ):
    for args in [("CONFIG", "RESETSTAT")] + [("SET", "k", "v")] * 3 + [("GET", "k")]:
        differ.both(*args)
    real, mini = differ.both("INFO", "latencystats")
    shape = re.compile(r"^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$")

    def fields(text):
        lines = text.decode().split("\r\n")
        assert lines[0] == "# Latencystats"
        found = dict(line.split(":", 1) for line in lines[1:] if line)
        assert all(shape.match(value) for value in found.values()), found
        return set(found)

    mine, theirs = fields(mini), fields(real)
    assert mine == theirs
    assert {"latency_percentiles_usec_set", "latency_percentiles_usec_get"} <= mine
