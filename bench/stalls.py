"""
Stalls: the slowest PING while a server does its background work on a large
data set, miniredis beside a real redis-server.

A probe sends PING, waits for the reply, sleeps a millisecond and sends the
next, for as long as the work lasts; the table shows the slowest round trip
and the 99.9th percentile. The work, on C{--keys} keys (1,000,000 by
default) of 16-byte names and 3-byte values:

    - C{expiry}: every key has a TTL of 2 to 3 seconds; probed until all are
      gone;
    - C{rewrite}: C{BGREWRITEAOF} (C{appendonly yes}); probed until
      C{aof_rewrite_in_progress} is 0;
    - C{full-sync}: a redis-server replica attaches (C{REPLICAOF}); probed
      until it reports C{master_link_status:up}.

Usage::

    python3 bench/stalls.py
    python3 bench/stalls.py --keys 200000 --work expiry
    python3 bench/stalls.py --pypy
"""

import argparse
import os
import socket
import subprocess
import tempfile
import threading
import time

from benchlib import add_pypy_option, servers, table

from tests.servers import RawConnection, redis_process

WORK = ("expiry", "rewrite", "full-sync")


class Probe(threading.Thread):
    """
    PING a server once a millisecond until stopped.

    @ivar times: the round trips, in seconds.
    """

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.times = []
        self.done = threading.Event()

    def run(self):
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while not self.done.is_set():
            started = time.perf_counter()
            sock.sendall(b"PING\r\n")
            reply = b""
            while not reply.endswith(b"\r\n"):
                reply += sock.recv(64)
            self.times.append(time.perf_counter() - started)
            time.sleep(0.001)
        sock.close()

    def stop(self):
        """@return: C{(slowest, 99.9th percentile)} in milliseconds."""
        self.done.set()
        self.join()
        ordered = sorted(self.times)
        return ordered[-1] * 1000, ordered[int(len(ordered) * 0.999)] * 1000


def load(port, keys, ttl):
    """Write C{keys} strings to the server on C{port}, with TTLs if C{ttl}."""
    out = []
    for i in range(keys):
        key = b"key:%012d" % i
        if ttl:
            px = b"%d" % (2000 + i % 1000)
            out.append(b"*5\r\n$3\r\nSET\r\n$16\r\n%s\r\n$3\r\nxxx\r\n" % key)
            out.append(b"$2\r\nPX\r\n$%d\r\n%s\r\n" % (len(px), px))
        else:
            out.append(b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$3\r\nxxx\r\n" % key)
    subprocess.run(
        ["redis-cli", "-p", str(port), "--pipe"],
        input=b"".join(out),
        capture_output=True,
        check=True,
        timeout=1800,
    )


def info_field(conn, section, name):
    """@return: the value of C{name} in C{INFO section}, as text."""
    text = conn.call("INFO", section).decode()
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def wait(condition, timeout=600):
    """Poll C{condition} every 50 ms until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        time.sleep(0.05)


def expiry(server, keys):
    load(server.port, keys, ttl=True)
    conn = RawConnection(server.port)
    probe = Probe(server.port)
    probe.start()
    wait(lambda: conn.call("DBSIZE") == 0)
    return probe.stop()


def rewrite(server, keys):
    conn = RawConnection(server.port)
    conn.call("CONFIG", "SET", "appendonly", "yes")
    wait(lambda: info_field(conn, "persistence", "aof_rewrite_in_progress") == "0")
    load(server.port, keys, ttl=False)
    probe = Probe(server.port)
    probe.start()
    conn.call("BGREWRITEAOF")
    time.sleep(0.1)
    wait(lambda: info_field(conn, "persistence", "aof_rewrite_in_progress") == "0")
    return probe.stop()


def full_sync(server, keys):
    load(server.port, keys, ttl=False)
    directory = tempfile.mkdtemp(prefix="miniredis-bench-replica-")
    replica = redis_process(directory, "--replicaof", "127.0.0.1", str(server.port))
    probe = Probe(server.port)
    probe.start()
    replica.start()
    try:
        conn = RawConnection(replica.port)
        wait(lambda: info_field(conn, "replication", "master_link_status") == "up")
        return probe.stop()
    finally:
        replica.stop()
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
        os.rmdir(directory)


def measure(options):
    """@return: rows of the results table."""
    rows = []
    for work in options.work:
        run = {"expiry": expiry, "rewrite": rewrite, "full-sync": full_sync}[work]
        with servers(options.pypy) as (redis, mini):
            redis_max, redis_p999 = run(redis, options.keys)
            mini_max, mini_p999 = run(mini, options.keys)
        rows.append(
            [
                work,
                "%.1f ms" % redis_max,
                "%.1f ms" % mini_max,
                "%.1f ms" % redis_p999,
                "%.1f ms" % mini_p999,
            ]
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=1000000)
    parser.add_argument(
        "--work",
        default=",".join(WORK),
        type=lambda text: text.split(","),
        help="comma-separated, of: %s" % ", ".join(WORK),
    )
    add_pypy_option(parser)
    options = parser.parse_args(argv)
    header = ["work", "redis max", "miniredis max", "redis p99.9", "miniredis p99.9"]
    print(table(header, measure(options)))


if __name__ == "__main__":
    main()
