"""
docs/compatibility.md is what docs/make_compatibility.py makes of today's
tables, and the Redis names it starts from are redis-server's own.
"""

import os
import subprocess
import sys

from tests.servers import ROOT, RawConnection

SCRIPT = os.path.join(ROOT, "docs", "make_compatibility.py")
NAMES = os.path.join(ROOT, "docs", "redis-7.0.15-names.txt")


def test_the_page_is_current():
    done = subprocess.run(
        [sys.executable, SCRIPT, "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_the_names_are_redis_s(redis_server):
    connection = RawConnection(redis_server.port)
    try:
        commands = connection.call("COMMAND", "LIST")
        config = connection.call("CONFIG", "GET", "*")
    finally:
        connection.close()
    stored = {"command": set(), "parameter": set()}
    with open(NAMES) as f:
        for line in f:
            kind, name = line.split()
            stored[kind].add(name.encode())
    assert stored["command"] == set(commands)
    assert stored["parameter"] == set(config[0::2])
