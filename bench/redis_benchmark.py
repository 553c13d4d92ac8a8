"""
redis-benchmark against a real redis-server and against miniredis, in the
same run, and a table of both throughputs and their ratio.

Usage::

    python3 bench/redis_benchmark.py                 # defaults below
    python3 bench/redis_benchmark.py --repeat 5 --tests set,get -P 16
    python3 bench/redis_benchmark.py --pypy          # miniredis under pypy3
    python3 bench/redis_benchmark.py --tests families  # lists, sets, hashes, ...

Runs alternate between the servers (redis, miniredis, redis, miniredis, ...)
so that the noise of a shared machine falls on both; each cell is the median
of C{--repeat} runs. Each test runs in its own redis-benchmark process, so a
command miniredis lacks costs that test only ("n/a").
"""

import argparse
import csv
import io
import subprocess
import sys

from benchlib import add_pypy_option, cpu_seconds, median, ratio, servers, table

# redis-benchmark's own tests (-t name): name -> the name its CSV gives.
TESTS = {
    "ping_inline": "PING_INLINE",
    "set": "SET",
    "get": "GET",
    "incr": "INCR",
    "mset": "MSET (10 keys)",
    "lpush": "LPUSH",
    "rpush": "RPUSH",
    "lpop": "LPOP",
    "rpop": "RPOP",
    "lrange_100": "LRANGE_100 (first 100 elements)",
    "sadd": "SADD",
    "spop": "SPOP",
    "hset": "HSET",
    "zadd": "ZADD",
    "zpopmin": "ZPOPMIN",
}
# Commands redis-benchmark has no test for: name -> the command line it
# sends (__rand_int__ is a random number below the keyspace size).
COMMANDS = {
    "setbit": "SETBIT bits:__rand_int__ 100 1",
    "getbit": "GETBIT bits:__rand_int__ 100",
    "bitcount": "BITCOUNT bits:__rand_int__",
    "sort": "SORT sortme LIMIT 0 10",
    "dump": "DUMP key:__rand_int__",
    "geoadd": "GEOADD geo:adds 13.361389 38.115556 m:__rand_int__",
    "geosearch": "GEOSEARCH geo:points FROMLONLAT 15 37 BYRADIUS 100 km COUNT 10 ASC",
    "xadd": "XADD stream:__rand_int__ MAXLEN ~ 1000 * field value",
    "xrange": "XRANGE rangeme - + COUNT 10",
    "xreadgroup": "XREADGROUP GROUP group consumer COUNT 10 STREAMS readme 0",
    "fcall": "FCALL bench_incr 1 fcall:__rand_int__",
}
_STREAM = (
    "for i = 1, 100 do redis.call('xadd', KEYS[1], '*', 'field', i) end "
    "redis.call('xgroup', 'create', KEYS[1], 'group', '0') "
    "redis.call('xreadgroup', 'group', 'group', 'consumer', 'streams', KEYS[1], '>')"
)
# What some tests need in the keyspace first (sent once with redis-cli).
PREPARE = {
    "sort": ["RPUSH", "sortme"] + [str(n * 7919 % 1000) for n in range(100)],
    # 1000 points spread over 10 x 6 degrees around Sicily.
    "geosearch": ["GEOADD", "geo:points"]
    + [
        x
        for n in range(1000)
        for x in (
            "%.4f" % (10 + n * 7919 % 1000 / 100),
            "%.4f" % (35 + n % 600 / 100),
            "p%d" % n,
        )
    ],
    # 100 entries, all delivered to one consumer of a group (its history)
    "xrange": ["EVAL", _STREAM, "1", "rangeme"],
    "xreadgroup": ["EVAL", _STREAM, "1", "readme"],
    # a function that increments its key, as a small library would
    "fcall": [
        "FUNCTION",
        "LOAD",
        "REPLACE",
        "#!lua name=bench\n"
        "redis.register_function('bench_incr', "
        "function(keys) return redis.call('INCR', keys[1]) end)",
    ],
}
DEFAULT_TESTS = "set,get,incr,mset,ping_inline"
# The pushes come before the pops, and push as many as the pops take, so no
# pop meets an empty list.
FAMILIES = "lpush,rpush,lpop,rpop,lrange_100,sadd,spop,hset,zadd,zpopmin," + ",".join(
    COMMANDS
)


def parse_csv(text):
    """
    @param text: the C{--csv} output of redis-benchmark.
    @return: test name -> requests per second.
    """
    rows = csv.reader(io.StringIO(text))
    result = {}
    for row in rows:
        if len(row) >= 2 and row[0] != "test":
            try:
                result[row[0]] = float(row[1])
            except ValueError:
                pass
    return result


def run_benchmark(port, test, pipeline, requests, clients, keyspace):
    """
    Run one redis-benchmark test against the server on C{port}.

    @return: requests per second, or None when the test failed.
    """
    argv = [
        "redis-benchmark",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-c",
        str(clients),
        "-n",
        str(requests),
        "-P",
        str(pipeline),
        "--csv",
    ]
    if keyspace:
        argv += ["-r", str(keyspace)]
    if test in COMMANDS:
        argv += COMMANDS[test].split()
    else:
        argv += ["-t", test]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or "ERR" in done.stderr:
        return None
    return parse_csv(done.stdout).get(COMMANDS.get(test) or TESTS[test])


def prepare(port, tests):
    """Put in the server on C{port} the data the C{tests} read."""
    for test in tests:
        if test in PREPARE:
            subprocess.run(
                ["redis-cli", "-p", str(port)] + PREPARE[test],
                capture_output=True,
                check=True,
                timeout=60,
            )


def measure(redis, mini, options):
    """
    @param redis, mini: the running L{tests.servers.ServerProcess}es.
    @return: C{(test, pipeline)} -> C{(redis samples, miniredis samples)},
        each sample C{(requests per second, user us, system us)}: the
        throughput redis-benchmark reports, and the server's CPU time per
        request over the run.
    """
    for server in (redis, mini):
        prepare(server.port, options.tests)
    for test in options.tests:
        for server in (redis, mini):
            run_benchmark(server.port, test, 16, options.warmup, 50, options.keyspace)
    samples = {}
    for pipeline in options.pipelines:
        requests = options.n_p1 if pipeline == 1 else options.n_pipelined
        for test in options.tests:
            redis_runs, mini_runs = [], []
            for _ in range(options.repeat):
                for server, runs in ((redis, redis_runs), (mini, mini_runs)):
                    user, system = cpu_seconds(server)
                    rps = run_benchmark(
                        server.port,
                        test,
                        pipeline,
                        requests,
                        options.clients,
                        options.keyspace,
                    )
                    user_after, system_after = cpu_seconds(server)
                    if rps is not None:
                        per_request = 1e6 / requests
                        runs.append(
                            (
                                rps,
                                (user_after - user) * per_request,
                                (system_after - system) * per_request,
                            )
                        )
            samples[test, pipeline] = (redis_runs, mini_runs)
            if options.verbose:
                print(test, pipeline, redis_runs, mini_runs, file=sys.stderr)
    return samples


def _cpu(runs):
    """@return: the median user and system us per request of C{runs}, as text."""
    if not runs:
        return "n/a"
    return "%.2f+%.2f" % (median([r[1] for r in runs]), median([r[2] for r in runs]))


def report(samples):
    """@return: the results table as text."""
    rows = []
    for (test, pipeline), (redis_runs, mini_runs) in samples.items():
        redis_rps = median([r[0] for r in redis_runs])
        mini_rps = median([r[0] for r in mini_runs])
        rows.append(
            [
                TESTS.get(test) or COMMANDS[test],
                pipeline,
                "%.0f" % redis_rps if redis_rps else "n/a",
                "%.0f" % mini_rps if mini_rps else "n/a",
                ratio(mini_rps, redis_rps),
                _cpu(redis_runs),
                _cpu(mini_runs),
            ]
        )
    header = ["test", "pipeline", "redis ops/s", "miniredis ops/s", "ratio"]
    header += ["redis cpu us", "miniredis cpu us"]
    return table(header, rows)


def _depths(text):
    return [int(p) for p in text.split(",")]


def add_load_options(parser):
    """Add C{-P/--pipelines} (a list of depths) and C{-c/--clients}."""
    parser.add_argument(
        "-P",
        "--pipelines",
        type=_depths,
        default="1,16",
        help="comma-separated pipeline depths (%(default)s)",
    )
    parser.add_argument(
        "-c", "--clients", type=int, default=50, help="connections (%(default)s)"
    )


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tests",
        default=DEFAULT_TESTS,
        help="comma-separated tests (%(default)s); 'families' for the data "
        "types and commands beyond strings (" + FAMILIES + "), 'all' for both",
    )
    add_load_options(parser)
    parser.add_argument(
        "--n-p1",
        type=int,
        default=20000,
        help="requests per run without pipelining (%(default)s)",
    )
    parser.add_argument(
        "--n-pipelined",
        type=int,
        default=100000,
        help="requests per run with pipelining (%(default)s)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per server and test; the median is shown (%(default)s)",
    )
    parser.add_argument(
        "-r",
        "--keyspace",
        type=int,
        default=100000,
        help="random keys per test, as redis-benchmark -r (%(default)s); "
        "0: every request on the same key",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=20000,
        help="requests of an unmeasured first run of each test (%(default)s)",
    )
    add_pypy_option(parser)
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print every sample"
    )
    options = parser.parse_args(argv)
    named = {"families": FAMILIES, "all": DEFAULT_TESTS + "," + FAMILIES}
    tests = named.get(options.tests.strip().lower(), options.tests)
    options.tests = [t.strip().lower() for t in tests.split(",")]
    known = list(TESTS) + list(COMMANDS)
    unknown = [t for t in options.tests if t not in known]
    if unknown:
        parser.error("unknown tests: %s (known: %s)" % (unknown, ", ".join(known)))
    return options


def main(argv=None):
    options = parse_args(argv)
    with servers(pypy=options.pypy) as (redis, mini):
        samples = measure(redis, mini, options)
    print(report(samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
