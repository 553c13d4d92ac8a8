"""
Memory per element: how much the resident set of each server grows for a
million strings, hash fields, set members, sorted-set members and list
elements, and for an idle connection, miniredis beside a real redis-server.

Each workload runs on a fresh pair of servers: the resident set size
(C{VmRSS} of C{/proc/PID/status}) is read once the server answers, the data
is written through C{redis-cli --pipe}, and the growth divided by the number
of elements is the figure. Aggregates hold C{--per-key} elements each (1000
by default, past Redis's listpack thresholds, so Redis uses its hash tables
and skiplists as miniredis does; C{--per-key 10} shows small aggregates,
which Redis packs into listpacks).

Usage::

    python3 bench/memory.py                       # 1,000,000 elements a type
    python3 bench/memory.py --elements 200000 --types strings,lists
    python3 bench/memory.py --pypy                # miniredis on PyPy
"""

import argparse
import socket
import subprocess
import time

from benchlib import add_pypy_option, ratio, servers, table

TYPES = ("strings", "hashes", "sets", "zsets", "lists", "connections")


def command(*args):
    """@return: C{args} as one RESP request."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


def requests(kind, elements, per_key):
    """
    @return: the RESP requests that store C{elements} elements of C{kind},
        C{per_key} of them in each aggregate.
    """
    out = []
    for i in range(elements):
        member = b"member:%012d" % i
        key = b"%s:%08d" % (kind.encode(), i // per_key)
        if kind == "strings":
            out.append(command(b"SET", b"key:%012d" % i, b"xxx"))
        elif kind == "hashes":
            out.append(command(b"HSET", key, member, b"xxx"))
        elif kind == "sets":
            out.append(command(b"SADD", key, member))
        elif kind == "zsets":
            out.append(command(b"ZADD", key, b"%d" % i, member))
        elif kind == "lists":
            out.append(command(b"RPUSH", key, member))
    return b"".join(out)


def resident(server):
    """@return: the resident set size of C{server}'s process, in bytes."""
    with open("/proc/%d/status" % server.process.pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS for %d" % server.process.pid)


def settle(server):
    """Wait until C{server} answers (its replies all sent) and its RSS is stable."""
    subprocess.run(
        ["redis-cli", "-p", str(server.port), "PING"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    time.sleep(0.5)


def load(server, data):
    """Write C{data} (RESP requests) to C{server} with C{redis-cli --pipe}."""
    subprocess.run(
        ["redis-cli", "-p", str(server.port), "--pipe"],
        input=data,
        capture_output=True,
        check=True,
        timeout=1800,
    )


def open_idle(server, count):
    """@return: C{count} connections to C{server}, each having sent one PING."""
    held = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"PING\r\n")
        held.append(sock)
    for sock in held:
        sock.recv(16)
    return held


def growth(server, kind, data, connections):
    """@return: bytes the RSS of C{server} grew by for the workload."""
    settle(server)
    before = resident(server)
    held = []
    if kind == "connections":
        held = open_idle(server, connections)
    else:
        load(server, data)
    settle(server)
    after = resident(server)
    for sock in held:
        sock.close()
    return after - before


def measure(options):
    """@return: rows of the results table."""
    rows = []
    for kind in options.types:
        count = options.connections if kind == "connections" else options.elements
        data = b"" if kind == "connections" else requests(kind, count, options.per_key)
        with servers(options.pypy) as (redis, mini):
            redis_bytes = growth(redis, kind, data, count) / count
            mini_bytes = growth(mini, kind, data, count) / count
        unit = "connection" if kind == "connections" else "element"
        rows.append(
            [
                kind,
                count,
                "%.0f B/%s" % (redis_bytes, unit),
                "%.0f B/%s" % (mini_bytes, unit),
                ratio(mini_bytes, redis_bytes),
            ]
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--elements", type=int, default=1000000)
    parser.add_argument("--per-key", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument(
        "--types",
        default=",".join(TYPES),
        type=lambda text: text.split(","),
        help="comma-separated, of: %s" % ", ".join(TYPES),
    )
    add_pypy_option(parser)
    options = parser.parse_args(argv)
    header = ["type", "count", "redis", "miniredis", "ratio"]
    print(table(header, measure(options)))


if __name__ == "__main__":
    main()
