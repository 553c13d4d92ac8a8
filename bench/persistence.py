"""
The cost of durability: write throughput (redis-benchmark -t set) with
C{appendonly no}, C{appendfsync everysec} and C{appendfsync always}, for a
real redis-server and for miniredis in the same run; then how long both
take to start on a data set of a million keys (RDB, and the AOF).

Usage::

    python3 bench/persistence.py                     # defaults below
    python3 bench/persistence.py --load 0 -n 20000   # throughput only
    python3 bench/persistence.py --pypy venv/bin/python   # miniredis on PyPy

Runs alternate between the servers so that the noise of a shared machine
falls on both; each cell is the median of C{--repeat} runs.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

from benchlib import ROOT, median, ratio, table
from redis_benchmark import add_load_options, run_benchmark
from twisted.internet import task

from miniredis.persistence import rdb
from miniredis.persistence.files import write_atomically
from miniredis.persistence.rewrite import Rewrite
from miniredis.store import Store
from tests.servers import RawConnection, ServerProcess, free_port, redis_process

MODES = {
    "no": ["--appendonly", "no"],
    "everysec": ["--appendonly", "yes", "--appendfsync", "everysec"],
    "always": ["--appendonly", "yes", "--appendfsync", "always"],
}


def miniredis(directory, options, pypy):
    """
    @param pypy: None, or the PyPy interpreter to run it with.
    @return: a miniredis L{ServerProcess} (not started) in C{directory}.
    """
    executable = shutil.which(pypy) if pypy else sys.executable
    if executable is None:
        raise SystemExit("--pypy: no interpreter %r" % (pypy,))
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT
    argv = [executable, "-m", "miniredis", "--port", str(port), "--save", ""]
    return ServerProcess(argv + ["--dir", directory] + options, port, directory, env)


def fresh_directory(scratch, name):
    path = os.path.join(scratch, name)
    shutil.rmtree(path, ignore_errors=True)
    os.mkdir(path)
    return path


def throughput(scratch, options):
    """@return: the table rows of the write benchmark."""
    rows = []
    baseline = {}
    for mode, flags in MODES.items():
        redis = redis_process(fresh_directory(scratch, "redis-" + mode), *flags)
        mini = miniredis(fresh_directory(scratch, "mini-" + mode), flags, options.pypy)
        redis.start()
        mini.start()
        try:
            for pipeline in options.pipelines:
                runs = {redis.port: [], mini.port: []}
                for _ in range(options.repeat):
                    for port, samples in runs.items():
                        rps = run_benchmark(
                            port,
                            "set",
                            pipeline,
                            options.requests,
                            options.clients,
                            100000,
                        )
                        if rps is not None:
                            samples.append(rps)
                redis_rps = median(runs[redis.port])
                mini_rps = median(runs[mini.port])
                if mode == "no":
                    baseline[pipeline] = (redis_rps, mini_rps)
                rows.append(
                    [
                        mode,
                        pipeline,
                        "%.0f" % redis_rps if redis_rps else "n/a",
                        "%.0f" % mini_rps if mini_rps else "n/a",
                        ratio(mini_rps, redis_rps),
                        ratio(redis_rps, baseline[pipeline][0]),
                        ratio(mini_rps, baseline[pipeline][1]),
                    ]
                )
        finally:
            mini.stop()
            redis.stop()
    return rows


def data_set(count):
    """@return: a L{Store} of C{count} string keys and a few large values."""
    store = Store()
    data = store.db(0).data
    for i in range(count):
        data[b"key:%d" % i] = b"value:%d" % i
    return store


def timed(f, *args):
    started = time.perf_counter()
    result = f(*args)
    return time.perf_counter() - started, result


def start_time(server):
    """
    @return: seconds from spawning C{server} until it answers PING (Redis
        listens while it loads, answering C{-LOADING} until done).
    """
    started = time.perf_counter()
    server.start()
    conn = RawConnection(server.port, timeout=120)
    while conn.call("PING") != b"PONG":
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    conn.close()
    server.stop()
    return seconds


def loading(scratch, options):
    """@return: the table rows of the start-up (loading) benchmark."""
    count = options.load
    store = data_set(count)
    directory = fresh_directory(scratch, "load")
    rdb_path = os.path.join(directory, "dump.rdb")
    aof_path = os.path.join(directory, "appendonly.aof")
    rows = []
    seconds, _ = timed(
        write_atomically, rdb_path, lambda write: rdb.write_rdb(write, store)
    )
    rows.append(["write dump.rdb (in process)", "%.2f" % seconds, ""])
    job = Rewrite(store, aof_path, task.Clock(), None, lambda *args: None)
    seconds, _ = timed(job.run_to_completion)
    rows.append(["write appendonly.aof (in process)", "%.2f" % seconds, ""])
    with open(rdb_path, "rb") as f:
        image = f.read()
    seconds, _ = timed(rdb.load_rdb, image, Store())
    rows.append(["load dump.rdb (in process, checksum)", "%.2f" % seconds, ""])
    seconds, _ = timed(lambda: rdb.load_rdb(image, Store(), verify=False))
    rows.append(["load dump.rdb (in process, no checksum)", "%.2f" % seconds, ""])
    os.rename(aof_path, aof_path + ".kept")
    empty = fresh_directory(scratch, "empty")
    rows.append(
        [
            "start on nothing",
            "%.2f" % start_time(miniredis(empty, [], options.pypy)),
            "%.2f" % start_time(redis_process(empty)),
        ]
    )
    rows.append(
        [
            "start on dump.rdb",
            "%.2f" % start_time(miniredis(directory, [], options.pypy)),
            "%.2f" % start_time(redis_process(directory)),
        ]
    )
    os.rename(aof_path + ".kept", aof_path)
    mini = miniredis(directory, MODES["everysec"], options.pypy)
    redis_dir = fresh_directory(scratch, "redis-aof")
    shutil.copy(aof_path, redis_dir)
    redis = redis_process(redis_dir, *MODES["everysec"])
    rows.append(
        [
            "start on appendonly.aof",
            "%.2f" % start_time(mini),
            "%.2f" % start_time(redis),
        ]
    )
    return rows


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-n",
        "--requests",
        type=int,
        default=50000,
        help="SET requests per run (%(default)s)",
    )
    add_load_options(parser)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per cell (%(default)s)"
    )
    parser.add_argument(
        "--load",
        type=int,
        default=1000000,
        help="keys of the start-up benchmark, 0 to skip it (%(default)s)",
    )
    parser.add_argument(
        "--pypy",
        metavar="PYTHON",
        help="run miniredis with this PyPy interpreter (pypy3, or the python of "
        "a PyPy virtualenv holding miniredis's dependencies)",
    )
    options = parser.parse_args(argv)
    return options


def main(argv=None):
    options = parse_args(argv)
    scratch = tempfile.mkdtemp(prefix="miniredis-bench-persistence-")
    try:
        if options.requests:
            rows = throughput(scratch, options)
            print("redis-benchmark -t set, %d clients:" % (options.clients,))
            header = ["appendfsync", "pipeline", "redis ops/s", "miniredis ops/s"]
            header += ["ratio", "redis vs no", "miniredis vs no"]
            print(table(header, rows))
        if options.load:
            print()
            print("%d keys:" % (options.load,))
            rows = loading(scratch, options)
            print(table(["step", "miniredis s", "redis-server s"], rows))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
