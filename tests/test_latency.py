"""
LATENCY: differential against redis-server with the times masked (the
monitor's spikes made with DEBUG SLEEP, the histograms' shape), and the
monitor's unit tests on a fake clock.
"""

import pytest
from twisted.internet import task

from miniredis.eviction import BASELINE
from miniredis.latency import HISTORY, LatencyMonitor
from miniredis.resp import ReplyError, Verbatim
from tests.differential import Differ
from tests.local import Local


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def differ(request, debug_servers):
    """A L{Differ} on the DEBUG servers, their latency monitors reset."""
    real, mini = debug_servers
    pair = Differ(real.port, mini.port, proto=request.param)
    pair.both("FLUSHALL")
    pair.both("LATENCY", "RESET")
    yield pair
    pair.both("CONFIG", "SET", "latency-monitor-threshold", "0")
    pair.both("CONFIG", "SET", "latency-tracking", "yes")
    pair.both("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")
    pair.close()


def test_help_and_errors(differ):
    differ.check("LATENCY", "HELP")
    for args in [
        ("LATENCY",),
        ("LATENCY", "NOSUCH"),
        ("LATENCY", "GRAPH"),
        ("LATENCY", "GRAPH", "command"),
        ("LATENCY", "HISTORY"),
        ("LATENCY", "HISTORY", "a", "b"),
        ("LATENCY", "LATEST", "x"),
        ("LATENCY", "DOCTOR", "x"),
    ]:
        real, mini = differ.both(*args)
        assert isinstance(real, ReplyError) and mini == real, (args, real, mini)


def test_no_spikes(differ):
    differ.check("LATENCY", "LATEST")
    differ.check("LATENCY", "HISTORY", "command")
    differ.check("LATENCY", "RESET")
    differ.check("LATENCY", "RESET", "command", "nosuch")
    differ.check("CONFIG", "SET", "latency-monitor-threshold", "0")
    differ.check("DEBUG", "SLEEP", "0.02")
    differ.check("LATENCY", "LATEST")


def _masked_latest(entries):
    out = []
    for name, when, ms, worst in entries:
        assert isinstance(when, int) and 20 <= ms <= worst, (name, ms, worst)
        out.append(name)
    return out


def test_spikes_of_a_slow_command(differ):
    differ.check("CONFIG", "SET", "latency-monitor-threshold", "10")
    differ.check("DEBUG", "SLEEP", "0.02")
    differ.check("SET", "k", "v")  # quick: no spike
    real, mini = differ.both("LATENCY", "LATEST")
    assert _masked_latest(mini) == _masked_latest(real) == [b"command"]
    real, mini = differ.both("LATENCY", "HISTORY", "command")
    assert len(mini) == len(real) == 1 and mini[0][1] >= 20
    differ.check("LATENCY", "HISTORY", "fast-command")
    differ.check("LATENCY", "HISTORY", "Command")  # event names are exact
    for args in [("LATENCY", "GRAPH", "command"), ("LATENCY", "DOCTOR")]:
        real, mini = differ.both(*args)
        assert type(mini) is type(real), (args, real, mini)
        assert b"command" in mini
    differ.check("LATENCY", "RESET", "command", "command", "nosuch")
    differ.check("LATENCY", "LATEST")


def _shape(histograms, exact=True):
    """
    @return: {command: calls}, the histograms checked cumulative (in
        power-of-two buckets where C{exact}: Redis's are close to them).
    """
    if isinstance(histograms, list):  # RESP2: a flat array
        histograms = dict(zip(histograms[::2], histograms[1::2]))
    out = {}
    for name, fields in histograms.items():
        if isinstance(fields, list):
            fields = dict(zip(fields[::2], fields[1::2]))
        buckets = fields[b"histogram_usec"]
        if isinstance(buckets, list):
            buckets = list(zip(buckets[::2], buckets[1::2]))
        else:
            buckets = list(buckets.items())
        bounds = [bound for bound, _ in buckets]
        counts = [count for _, count in buckets]
        assert not exact or all(bound & (bound - 1) == 0 for bound in bounds), buckets
        assert bounds == sorted(set(bounds)) and counts == sorted(set(counts))
        assert counts[-1] == fields[b"calls"]
        out[name] = fields[b"calls"]
    return out


def test_histogram(differ):
    differ.check("CONFIG", "RESETSTAT")
    for i in range(5):
        differ.check("SET", "k", "v%d" % i)
    differ.check("GET", "k")
    differ.check("CONFIG", "GET", "maxmemory")
    real, mini = differ.both("LATENCY", "HISTOGRAM", "set", "GET", "config", "nosuch")
    assert _shape(mini) == _shape(real, False)
    assert _shape(mini) == {
        b"set": 5,
        b"get": 1,
        b"config|resetstat": 1,
        b"config|get": 1,
    }
    real, mini = differ.both("LATENCY", "HISTOGRAM")
    assert _shape(mini) == _shape(real, False)
    differ.check("LATENCY", "HISTOGRAM", "nosuch", "config|nosuch")


def test_latency_tracking_off(differ):
    differ.check("CONFIG", "SET", "latency-tracking", "no")
    differ.check("CONFIG", "RESETSTAT")
    differ.check("SET", "k", "v")
    differ.check("INFO", "latencystats")
    differ.check("LATENCY", "HISTOGRAM")
    differ.check("CONFIG", "SET", "latency-tracking", "yes")
    differ.check("GET", "k")
    differ.check("SET", "k", "w")
    real, mini = differ.both("LATENCY", "HISTOGRAM", "set", "get")
    # the SET made while tracking was off is not in the histogram
    assert _shape(mini) == _shape(real, False) == {b"get": 1, b"set": 1}


def test_info_percentiles(differ):
    differ.check("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99.99999 0")
    differ.check("CONFIG", "RESETSTAT")
    differ.check("SET", "k", "v")
    real, mini = differ.both("INFO", "latencystats")
    assert b"latency_percentiles_usec_set:p50=" in real
    keys = [
        [field.split(b"=")[0] for field in line.split(b",")]
        for line in mini.split(b"\r\n")
        if line.startswith(b"latency_percentiles_usec_set:")
    ]
    assert keys == [[b"latency_percentiles_usec_set:p50", b"p99.99999", b"p0"]]
    assert keys == [
        [field.split(b"=")[0] for field in line.split(b",")]
        for line in real.split(b"\r\n")
        if line.startswith(b"latency_percentiles_usec_set:")
    ]


def test_expire_cycle_and_fast_command_events():
    server = Local(latency_monitor_threshold=1)
    try:
        server.factory.latency.add("fast-command", 0)  # under the threshold
        server.factory.latency.add("expire-cycle", 3)
        assert server.call("LATENCY", "LATEST") == [[b"expire-cycle", 1700000000, 3, 3]]
    finally:
        server.close()


def test_monitor_on_a_fake_clock():
    clock = task.Clock()
    clock.advance(1000)
    config = {"latency-monitor-threshold": 10}
    monitor = LatencyMonitor(config, clock)
    monitor.add("command", 9)  # under the threshold
    assert monitor.latest() == []
    monitor.add("command", 12)
    monitor.add("command", 30)  # the same second: the worst is kept
    monitor.add("command", 11)
    clock.advance(5)
    monitor.add("command", 15)
    assert monitor.history(b"command") == [[1000, 30], [1005, 15]]
    assert monitor.latest() == [[b"command", 1005, 15, 30]]
    graph = monitor.graph(b"command")
    lines = graph.split("\n")
    assert lines[0] == "command - high 30 ms, low 15 ms (all time high 30 ms)"
    assert lines[2:6] == ["# ", "| ", "| ", "|#"]
    assert lines[7:9] == ["50", "ss"]
    for _ in range(HISTORY + 5):
        clock.advance(1)
        monitor.add("fast-command", 10)
    assert len(monitor.history(b"fast-command")) == HISTORY
    assert "fast-command" in monitor.doctor()
    assert monitor.reset([b"command", b"nosuch"]) == 1
    assert monitor.reset() == 1
    assert monitor.graph(b"command") is None
    config["latency-monitor-threshold"] = 0
    monitor.add("command", 100)
    assert monitor.latest() == []
    assert "off" in monitor.doctor()


def test_doctor_and_graph_are_verbatim(server3):
    server3.call("CONFIG", "SET", "latency-monitor-threshold", "1")
    server3.factory.latency.add("command", 5)
    assert isinstance(server3.call("LATENCY", "DOCTOR"), Verbatim)
    assert isinstance(server3.call("LATENCY", "GRAPH", "command"), Verbatim)


def test_eviction_rounds_are_shown_to_the_monitor():
    server = Local(maxmemory=BASELINE + 20000, maxmemory_policy="allkeys-random")
    shown = []
    server.factory.latency.add = lambda event, ms: shown.append((event, ms))
    try:
        for i in range(400):
            server.call("SET", "k%d" % i, "v" * 200)
        rounds = [ms for event, ms in shown if event == "eviction-cycle"]
        assert rounds and all(ms >= 0 for ms in rounds)
        assert server.factory.memory.evicted_keys > 0
    finally:
        server.close()
