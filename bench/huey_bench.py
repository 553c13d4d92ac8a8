"""
A huey workload on a real redis-server and on miniredis, in the same run.

For each storage class and server: N tasks are enqueued while no consumer
runs (the enqueue rate), then a C{huey_consumer} with four worker threads
runs them (the run rate: N over the time between the first and the last
task's start, as each task reports when it ran), and every result is read
back and checked.

Usage::

    python3 bench/huey_bench.py                      # 2000 tasks, all storages
    python3 bench/huey_bench.py -n 5000 --storages RedisHuey --repeat 3
"""

import argparse
import os
import sys
import tempfile
import time

from benchlib import add_pypy_option, median, ratio, servers, table

# isort: split
from tests import huey_app  # benchlib put the checkout on the path


def run_once(storage, port, tasks, workers, logdir):
    """
    Enqueue, run and check C{tasks} tasks on the server at C{port}.

    @return: C{(enqueued per second, run per second)}.
    """
    app = huey_app.create(storage, port, name="bench_" + storage)
    app.huey.flush()
    start = time.perf_counter()
    results = [app.timed(i) for i in range(tasks)]
    enqueue_rate = tasks / (time.perf_counter() - start)
    consumer = huey_app.Consumer(
        storage,
        port,
        os.path.join(logdir, "%s-%d.log" % (storage, port)),
        name=app.name,
        workers=workers,
    )
    consumer.start()
    try:
        values = [r.get(blocking=True, timeout=120) for r in results]
    finally:
        consumer.stop()
    for i, value in enumerate(values):
        if value is None or value[0] != 2 * i:
            raise AssertionError("task %d: wrong result %r" % (i, value))
    times = sorted(value[1] for value in values)
    app.huey.flush()
    return enqueue_rate, (tasks - 1) / (times[-1] - times[0])


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-n", "--tasks", type=int, default=2000, help="tasks per run (%(default)s)"
    )
    parser.add_argument(
        "-w", "--workers", type=int, default=4, help="worker threads (%(default)s)"
    )
    parser.add_argument(
        "--storages",
        default=",".join(huey_app.STORAGES),
        help="comma-separated huey classes (%(default)s)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per server and storage; the median is shown (%(default)s)",
    )
    add_pypy_option(parser)
    options = parser.parse_args(argv)
    options.storages = [s.strip() for s in options.storages.split(",")]
    unknown = set(options.storages) - set(huey_app.STORAGES)
    if unknown:
        parser.error("unknown storages: %s" % (", ".join(sorted(unknown)),))
    return options


def main(argv=None):
    options = parse_args(argv)
    rows = []
    logdir = tempfile.mkdtemp(prefix="miniredis-huey-bench-")
    with servers(pypy=options.pypy) as (redis, mini):
        for storage in options.storages:
            samples = {redis.port: ([], []), mini.port: ([], [])}
            for _ in range(options.repeat):
                for port in (redis.port, mini.port):
                    enqueued, ran = run_once(
                        storage, port, options.tasks, options.workers, logdir
                    )
                    samples[port][0].append(enqueued)
                    samples[port][1].append(ran)
            (r_enq, r_run), (m_enq, m_run) = (
                [median(s) for s in samples[port]] for port in (redis.port, mini.port)
            )
            rows.append(
                [
                    storage,
                    "%.0f" % r_enq,
                    "%.0f" % m_enq,
                    ratio(m_enq, r_enq),
                    "%.0f" % r_run,
                    "%.0f" % m_run,
                    ratio(m_run, r_run),
                ]
            )
    print(
        "%d tasks, %d worker threads, all results checked (tasks/s)"
        % (options.tasks, options.workers)
    )
    header = [
        "storage",
        "redis enqueue",
        "mini enqueue",
        "ratio",
        "redis run",
        "mini run",
        "ratio",
    ]
    print(table(header, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
