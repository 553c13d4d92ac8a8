"""
What the benchmarks share: a real redis-server and a miniredis process side
by side on free loopback ports, each in a scratch directory, both without
persistence.

Usage::

    with servers() as (redis, mini):
        print(redis.port, mini.port)
"""

import contextlib
import os
import shutil
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.servers import (  # noqa: E402
    ServerProcess,
    free_port,
    miniredis_process,
    redis_process,
)


def _miniredis(directory, pypy):
    if not pypy:
        return miniredis_process(directory, "--appendonly", "no", "--save", "")
    executable = shutil.which(pypy)
    if executable is None:
        raise SystemExit("--pypy: no interpreter %r" % (pypy,))
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT
    argv = [executable, "-m", "miniredis", "--port", str(port)]
    return ServerProcess(
        argv + ["--appendonly", "no", "--save", ""], port, directory, env
    )


@contextlib.contextmanager
def servers(pypy=None):
    """
    Run a redis-server and a miniredis process for the duration of the block.

    @param pypy: None, or the PyPy interpreter to run miniredis with rather
        than this one (C{"pypy3"}, or the python of a PyPy virtualenv that
        has miniredis's dependencies).
    @return: a context manager giving C{(redis, miniredis)}
        L{tests.servers.ServerProcess} objects.
    """
    scratch = tempfile.mkdtemp(prefix="miniredis-bench-")
    redis_dir = os.path.join(scratch, "redis")
    mini_dir = os.path.join(scratch, "miniredis")
    os.mkdir(redis_dir)
    os.mkdir(mini_dir)
    redis = redis_process(redis_dir)
    mini = _miniredis(mini_dir, pypy)
    try:
        redis.start()
        mini.start()
        yield redis, mini
    finally:
        mini.stop()
        redis.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def add_pypy_option(parser):
    """Add C{--pypy [PYTHON]} to C{parser}: the interpreter for L{servers}."""
    parser.add_argument(
        "--pypy",
        nargs="?",
        const="pypy3",
        metavar="PYTHON",
        help="run miniredis under PyPy: pypy3, or the given interpreter "
        "(a PyPy virtualenv's python with Twisted, sortedcontainers, lupa)",
    )


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(server):
    """
    @return: C{(user, system)} CPU seconds the process of C{server} (a
        running L{ServerProcess}) has used so far, all its threads, from
        C{/proc/PID/stat} (in clock ticks, 10 ms here).
    """
    with open("/proc/%d/stat" % server.process.pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / _TICK, int(fields[12]) / _TICK


def median(values):
    """@return: the median of C{values}, or None when there are none."""
    return statistics.median(values) if values else None


def ratio(mini, redis):
    """@return: C{mini / redis} as text, or C{"n/a"}."""
    if not mini or not redis:
        return "n/a"
    return "%.2f" % (mini / redis,)


def table(header, rows):
    """@return: C{rows} under C{header} as aligned text columns."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
