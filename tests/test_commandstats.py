"""
INFO commandstats: the per-command counts (calls, rejected, failed) after
the same workload on redis-server and miniredis, and the field shape
Redis 7.0 writes; the latency histogram and the slow-command log event.
"""

import re

from twisted.logger import globalLogPublisher

from miniredis import commandstats
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


def test_slow_calls_are_all_timed():
    server = Local(enable_debug_command="yes")
    try:
        server.call("CONFIG", "RESETSTAT")
        cmd = COMMANDS[b"debug"]
        for _ in range(3):
            server.call("DEBUG", "SLEEP", "0.002")  # slow: the next is timed too
        assert cmd.timed == 3
        server.call("DEBUG", "SLEEP", "0")  # timed, quick: back to sampling
        server.call("DEBUG", "SLEEP", "0")
        assert cmd.timed == 4
    finally:
        server.close()


def test_usec_is_estimated_from_timed_calls(server):
    server.call("CONFIG", "RESETSTAT")
    for _ in range(commandstats.SAMPLE_EVERY * 3):
        server.call("SET", "k", "v")
    cmd = COMMANDS[b"set"]
    assert cmd.calls == commandstats.SAMPLE_EVERY * 3
    # one in 64, and the call after any that took a millisecond (a pause)
    assert 3 <= cmd.timed < commandstats.SAMPLE_EVERY
    assert sum(cmd.latency) == cmd.timed
    assert commandstats.usec(cmd) == int(cmd.seconds * 1000000 * cmd.calls / cmd.timed)
    buckets = commandstats.histogram(cmd)
    assert buckets[-1][1] == cmd.timed
    assert [bound for bound, _ in buckets] == [1 << i for i in range(len(buckets))]


def test_slow_commands_are_logged():
    server = Local(enable_debug_command="yes", slowlog_log_slower_than=15000)
    events = []
    globalLogPublisher.addObserver(events.append)
    try:
        server.call("CONFIG", "RESETSTAT")
        server.call("DEBUG", "SLEEP", "0.02")  # the first call is timed
        server.call("DEBUG", "SLEEP", "0.02")  # after a slow one, too
        server.call("DEBUG", "SLEEP", "0")  # quick: back to one in 64
        server.call("DEBUG", "SLEEP", "0.02")  # not timed, not logged
    finally:
        globalLogPublisher.removeObserver(events.append)
        server.close()
    slow = [e for e in events if e.get("event") == "slow_command"]
    assert [e["command"] for e in slow] == ["DEBUG SLEEP 0.02"] * 2
    assert all(e["usec"] >= 20000 for e in slow)


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

    # CONFIG RESETSTAT's own call: Redis times every call, miniredis one in
    # 64 (the first after the reset), and RESETSTAT began before the reset.
    resetstat = {"latency_percentiles_usec_config|resetstat"}
    mine, theirs = fields(mini) - resetstat, fields(real) - resetstat
    assert mine == theirs
    assert {"latency_percentiles_usec_set", "latency_percentiles_usec_get"} <= mine
