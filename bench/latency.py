"""
Request latency: redis-benchmark's p50 and p99 for GET and SET, with one
client (p50 is the figure to read) and with 50 (p99), no pipelining,
miniredis beside a real redis-server, alternating, the median of
C{--repeat} runs.

Usage::

    python3 bench/latency.py
    python3 bench/latency.py --repeat 5 -n 50000
    python3 bench/latency.py --pypy          # miniredis on PyPy
"""

import argparse
import csv
import io
import subprocess

from benchlib import add_pypy_option, median, ratio, servers, table

CASES = (("get", 1, "p50"), ("set", 1, "p50"), ("get", 50, "p99"), ("set", 50, "p99"))
COLUMNS = {"p50": "p50_latency_ms", "p99": "p99_latency_ms"}


def latencies(port, test, clients, requests):
    """@return: redis-benchmark's CSV row for C{test} as a dict."""
    argv = ["redis-benchmark", "-p", str(port), "-t", test, "-c", str(clients)]
    argv += ["-n", str(requests), "-r", "100000", "--csv"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    done.check_returncode()
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    return rows[0]


def measure(options):
    """@return: rows of the results table."""
    rows = []
    with servers(options.pypy) as (redis, mini):
        for test, clients, _ in CASES:  # warm-up, the JIT's too
            for server in (redis, mini):
                latencies(server.port, test, clients, options.requests)
        for test, clients, percentile in CASES:
            column = COLUMNS[percentile]
            found = {redis.port: [], mini.port: []}
            for _ in range(options.repeat):
                for server in (redis, mini):
                    row = latencies(server.port, test, clients, options.requests)
                    found[server.port].append(float(row[column]))
            redis_ms, mini_ms = median(found[redis.port]), median(found[mini.port])
            rows.append(
                [
                    "%s, %d client%s" % (test.upper(), clients, "s"[: clients > 1]),
                    percentile,
                    "%.3f ms" % redis_ms,
                    "%.3f ms" % mini_ms,
                    ratio(mini_ms, redis_ms),
                ]
            )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    add_pypy_option(parser)
    options = parser.parse_args(argv)
    header = ["test", "percentile", "redis", "miniredis", "ratio"]
    print(table(header, measure(options)))


if __name__ == "__main__":
    main()
