"""
The Prometheus endpoint (C{--metrics}): metric names, labels and values as
redis_exporter gives them, after a known workload on a real server process;
INFO's keyspace hits and misses against redis-server; the cost of a scrape.
"""

import re
import time
import urllib.request

import pytest

from miniredis.eviction import BASELINE
from miniredis.web.metrics import render
from tests.local import Local
from tests.servers import RawConnection, free_port, miniredis_process

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def parse(text):
    """
    @return: {(name, frozenset of label pairs): value}, checking each line
        is a comment or a sample and each metric has one TYPE line.
    """
    samples = {}
    typed = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            name = line.split()[2]
            assert name not in typed, line
            typed.add(name)
            continue
        if line.startswith("# HELP "):
            continue
        found = _SAMPLE.match(line)
        assert found, line
        name, labels, value = found.groups()
        pairs = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels or ""))
        samples[(name, pairs)] = float(value)
    return samples


def value(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


@pytest.fixture
def metered(tmp_path):
    """A miniredis process with --metrics, and its metrics port."""
    port = free_port()
    server = miniredis_process(
        str(tmp_path), "--metrics", "tcp:%d:interface=127.0.0.1" % (port,)
    ).start()
    yield server, port
    server.stop()


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % (port,)) as reply:
        assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return reply.read().decode("utf-8")


def test_metrics_after_a_known_workload(metered):
    server, port = metered
    client = RawConnection(server.port)
    blocked = RawConnection(server.port)
    blocked.send("BLPOP", "nothing", "0")
    for i in range(10):
        client.call("SET", "k%d" % i, "v")
    client.call("SET", "t", "v", "EX", "100")
    client.call("GET", "k0")
    client.call("GET", "k0")
    client.call("GET", "missing")
    client.call("INCR", "k1")  # fails: not an integer
    client.call("GET")  # rejected: arity
    client.call("SELECT", "2")
    client.call("SET", "other", "v")
    samples = parse(scrape(port))
    assert value(samples, "redis_up") == 1
    assert value(samples, "redis_connected_clients") == 2
    assert value(samples, "redis_blocked_clients") == 1
    assert value(samples, "redis_db_keys", db="db0") == 11
    assert value(samples, "redis_db_keys_expiring", db="db0") == 1
    assert value(samples, "redis_db_keys", db="db2") == 1
    assert value(samples, "redis_db_keys", db="db15") == 0
    assert value(samples, "redis_commands_total", cmd="set") == 12
    assert value(samples, "redis_commands_total", cmd="get") == 3
    assert value(samples, "redis_commands_failed_calls_total", cmd="incr") == 1
    assert value(samples, "redis_commands_rejected_calls_total", cmd="get") == 1
    assert value(samples, "redis_commands_duration_seconds_total", cmd="set") > 0
    stats = dict(
        line.split(":", 1)
        for line in client.call("INFO", "stats").decode().split("\r\n")
        if ":" in line
    )
    assert value(samples, "redis_keyspace_hits_total") == int(stats["keyspace_hits"])
    assert value(samples, "redis_keyspace_misses_total") == int(
        stats["keyspace_misses"]
    )
    assert value(samples, "redis_keyspace_hits_total") >= 2
    # two clients, and the probe that waited for the port
    assert value(samples, "redis_connections_received_total") == 3
    # the baseline of an empty server, and the keys
    assert value(samples, "redis_memory_used_bytes") > BASELINE
    assert value(samples, "redis_memory_used_rss_bytes") > 1000000
    assert value(samples, "redis_memory_max_bytes") == 0
    assert value(samples, "redis_aof_enabled") == 0
    assert value(samples, "redis_connected_slaves") == 0
    assert value(samples, "redis_evicted_keys_total") == 0
    assert value(samples, "redis_expired_keys_total") == 0
    assert value(samples, "redis_net_input_bytes_total") > 100
    assert value(samples, "redis_net_output_bytes_total") > 50
    assert 0 <= value(samples, "redis_uptime_in_seconds") < 60
    assert (
        abs(value(samples, "redis_rdb_last_save_timestamp_seconds") - time.time()) < 60
    )
    # the latency histogram of SET: cumulative buckets, +Inf = count
    buckets = sorted(
        (float(dict(labels)["le"]), n)
        for (name, labels), n in samples.items()
        if name == "redis_commands_latencies_usec_bucket"
        and dict(labels)["cmd"] == "set"
    )
    counts = [n for _, n in buckets]
    assert counts == sorted(counts) and buckets[-1][0] == float("inf")
    assert buckets[-1][1] == value(
        samples, "redis_commands_latencies_usec_count", cmd="set"
    )
    assert value(
        samples, "redis_latency_percentiles_usec", cmd="set", quantile="99.9"
    ) >= value(samples, "redis_latency_percentiles_usec", cmd="set", quantile="50")
    assert value(samples, "redis_latency_percentiles_usec_count", cmd="set") == 12
    info = [
        labels for (name, labels), _ in samples.items() if name == "redis_instance_info"
    ][0]
    assert dict(info)["redis_version"] == "7.0.15"
    assert dict(info)["role"] == "master"
    client.close()
    blocked.close()


def test_keyspace_hits_and_misses_match_redis(differ):
    # Read commands only: miniredis also counts the lookups of writes.
    script = [
        ("SET", "s", "v"),
        ("HSET", "h", "f", "v"),
        ("CONFIG", "RESETSTAT"),
        ("GET", "s"),
        ("GET", "nope"),
        ("HGET", "h", "f"),
        ("HGET", "nothere", "f"),
        ("LRANGE", "l", "0", "-1"),
    ]
    for args in script:
        differ.both(*args)
    real, mini = differ.both("INFO", "stats")

    def hits(text):
        fields = dict(
            line.split(":", 1) for line in text.decode().split("\r\n") if ":" in line
        )
        return fields["keyspace_hits"], fields["keyspace_misses"]

    assert hits(mini) == hits(real)


def test_a_scrape_is_cheap():
    """10,000 keys and 100 clients: one scrape takes a few milliseconds."""
    server = Local()
    try:
        db = server.store.db(0)
        for i in range(10000):
            db.set(b"key:%d" % i, b"v")
        clients = [server.connect() for _ in range(99)]
        for client in clients:
            client.call("GET", "key:1")
        render(server.factory)
        started = time.perf_counter()
        for _ in range(10):
            text = render(server.factory)
        per_scrape = (time.perf_counter() - started) / 10
        assert b'redis_db_keys{db="db0"} 10000' in text
        assert b"redis_connected_clients 100" in text
        print("one scrape: %.2f ms" % (per_scrape * 1000))
        assert per_scrape < 0.05
    finally:
        server.close()
