"""
The cost of replication: how long a redis-server replica takes to sync a
data set of a million keys from a master, and the write throughput
(redis-benchmark -t set) of a master with and without one attached replica;
for a real redis-server master and a miniredis master in the same run.

Usage::

    python3 bench/replication.py                    # defaults below
    python3 bench/replication.py --keys 100000 -n 20000 --repeat 1

Both masters start on the same dump.rdb; the replica is always a real
redis-server, started on an empty directory. The redis-server master runs with
C{repl-diskless-sync-delay 0} (by default it waits 5 seconds for more replicas
before it starts a snapshot; miniredis starts one at once).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

from benchlib import median, ratio, table
from persistence import data_set, fresh_directory, miniredis
from redis_benchmark import add_load_options, run_benchmark

from miniredis.persistence import rdb
from miniredis.persistence.files import write_atomically
from tests.servers import RawConnection, redis_process


def replica_of(scratch, name, master_port):
    return redis_process(
        fresh_directory(scratch, name), "--replicaof", "127.0.0.1", str(master_port)
    )


def synced(conn):
    text = conn.call("INFO", "replication").decode()
    return "master_link_status:up" in text


def sync_time(scratch, master, keys):
    """@return: seconds from a replica's spawn until it holds every key."""
    replica = replica_of(scratch, "replica", master.port)
    started = time.perf_counter()
    replica.start()
    try:
        conn = RawConnection(replica.port, timeout=300)
        while not (synced(conn) and conn.call("DBSIZE") == keys):
            time.sleep(0.01)
        return time.perf_counter() - started
    finally:
        replica.stop()


def masters(scratch, directory, options):
    """@return: C{{"redis": process, "miniredis": process}}, not started."""
    redis_dir = fresh_directory(scratch, "redis-master")
    mini_dir = fresh_directory(scratch, "mini-master")
    for target in (redis_dir, mini_dir):
        shutil.copy(os.path.join(directory, "dump.rdb"), target)
    return {
        "redis": redis_process(redis_dir, "--repl-diskless-sync-delay", "0"),
        "miniredis": miniredis(mini_dir, [], options.pypy),
    }


def full_sync(scratch, options):
    directory = fresh_directory(scratch, "data")
    store = data_set(options.keys)
    write_atomically(
        os.path.join(directory, "dump.rdb"),
        lambda write: rdb.write_rdb(write, store),
    )
    seconds = {}
    for name, master in masters(scratch, directory, options).items():
        master.start()
        try:
            conn = RawConnection(master.port, timeout=300)
            while conn.call("DBSIZE") != options.keys:  # loading
                time.sleep(0.05)
            runs = [sync_time(scratch, master, options.keys)]
            for _ in range(options.repeat - 1):
                runs.append(sync_time(scratch, master, options.keys))
            seconds[name] = median(runs)
        finally:
            master.stop()
    return [
        [
            "full sync of %d keys (s)" % (options.keys,),
            "%.2f" % seconds["redis"],
            "%.2f" % seconds["miniredis"],
            ratio(seconds["miniredis"], seconds["redis"]),
        ]
    ]


def write_cost(scratch, options):
    rows = []
    for pipeline in options.pipelines:
        cells = {}
        for name, make in (
            ("redis", lambda d: redis_process(d, "--repl-diskless-sync-delay", "0")),
            ("miniredis", lambda d: miniredis(d, [], options.pypy)),
        ):
            master = make(fresh_directory(scratch, name + "-writes")).start()
            try:
                alone, attached = [], []
                for samples in (alone, attached):
                    if samples is attached:
                        replica = replica_of(scratch, "writes-replica", master.port)
                        replica.start()
                        conn = RawConnection(replica.port)
                        while not synced(conn):
                            time.sleep(0.01)
                    for _ in range(options.repeat):
                        rps = run_benchmark(
                            master.port,
                            "set",
                            pipeline,
                            options.requests,
                            options.clients,
                            100000,
                        )
                        if rps is not None:
                            samples.append(rps)
                replica.stop()
                cells[name] = (median(alone), median(attached))
            finally:
                master.stop()
        for index, label in ((0, "SET -P %d, no replica"), (1, "SET -P %d, 1 replica")):
            redis_rps, mini_rps = cells["redis"][index], cells["miniredis"][index]
            rows.append(
                [
                    label % (pipeline,),
                    "%.0f" % redis_rps,
                    "%.0f" % mini_rps,
                    ratio(mini_rps, redis_rps),
                ]
            )
        rows.append(
            [
                "  kept with a replica (-P %d)" % (pipeline,),
                ratio(cells["redis"][1], cells["redis"][0]),
                ratio(cells["miniredis"][1], cells["miniredis"][0]),
                "",
            ]
        )
    return rows


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--keys", type=int, default=1000000, help="keys to sync (%(default)s)"
    )
    parser.add_argument(
        "-n",
        "--requests",
        type=int,
        default=50000,
        help="SET requests per run (%(default)s)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per cell (%(default)s)"
    )
    parser.add_argument("--pypy", help="run miniredis with this PyPy interpreter")
    add_load_options(parser)
    return parser.parse_args(argv)


def main(argv):
    options = parse_args(argv)
    scratch = tempfile.mkdtemp(prefix="miniredis-bench-repl-")
    try:
        rows = full_sync(scratch, options) + write_cost(scratch, options)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(table(["", "redis", "miniredis", "ratio"], rows))


if __name__ == "__main__":
    main(sys.argv[1:])
