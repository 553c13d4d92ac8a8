"""
Instructions per command on the request path, counted by valgrind's
callgrind: the same count for the same code whatever else the machine does,
so a change of a few percent shows where timings drown in noise.

Each workload of L{hot_path} runs in a child interpreter under callgrind
with C{N} and C{3N} commands, and again with the requests only prepared;
the growth of the full runs less that of the preparation, divided by C{2N},
is the server's count per command (decode, dispatch, command, encode and
the protocol's glue, as C{hot_path.py}'s C{total}).

Usage::

    python3 bench/instructions.py                    # GET and SET
    python3 bench/instructions.py --tests get,incr,lpush -n 5000
"""

import argparse
import os
import re
import subprocess
import sys

import hot_path
from benchlib import ROOT, table

_COLLECTED = re.compile(rb"Collected : (\d+)")


def child(name, commands, pipeline, keys, prepare_only):
    """Prepare C{commands} requests of workload C{name}; run them unless told not to."""
    hot_path.load_all()
    protocol = hot_path.server(keys, name in hot_path.FAMILIES)
    data = hot_path.chunks(name, commands, pipeline, keys)
    if not prepare_only:
        hot_path.run_protocol(protocol, data)


def count(name, commands, options, prepare_only):
    """@return: the instructions callgrind counted for one child run."""
    argv = [sys.executable, __file__, "--child", name, "-n", str(commands)]
    argv += ["-P", str(options.pipeline), "--keys", str(options.keys)]
    if prepare_only:
        argv.append("--prepare-only")
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + argv,
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    return int(_COLLECTED.search(result.stderr).group(1))


def per_command(name, options):
    """@return: the server's instructions per command of workload C{name}."""
    n = options.commands
    full = count(name, 3 * n, options, False) - count(name, n, options, False)
    prepared = count(name, 3 * n, options, True) - count(name, n, options, True)
    return (full - prepared) // (2 * n)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", default="get,set", help="workloads (%(default)s)")
    parser.add_argument("-n", "--commands", type=int, default=10000)
    parser.add_argument("-P", "--pipeline", type=int, default=16)
    parser.add_argument("--keys", type=int, default=1000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        child(
            options.child,
            options.commands,
            options.pipeline,
            options.keys,
            options.prepare_only,
        )
        return 0
    rows = [
        [name.upper(), per_command(name, options)] for name in options.tests.split(",")
    ]
    print(
        "instructions per command, %d per read, %d keys (callgrind, %s)"
        % (options.pipeline, options.keys, os.path.basename(sys.executable))
    )
    print(table(["command", "instructions"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
