"""
Write docs/compatibility.md: every command and parameter of redis-server
7.0.15, and what miniredis does with it, from miniredis's own tables.

Usage::

    python docs/make_compatibility.py             # rewrite the page
    python docs/make_compatibility.py --check     # exit 1 if it is stale
    python docs/make_compatibility.py --names-from 6379
        # first take Redis's names again from a redis-server 7.0.15 there

Redis's names are kept in docs/redis-7.0.15-names.txt (C{command NAME} and
C{parameter NAME} lines); tests/test_compatibility_page.py checks them
against a live redis-server.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from miniredis import commands  # noqa: E402
from miniredis.config import (  # noqa: E402
    _LIMITED_PARAMETERS,
    ALIASES,
    NO_EFFECT,
    PARAMETERS,
)
from miniredis.glob import matcher  # noqa: E402

NAMES = os.path.join(HERE, "redis-7.0.15-names.txt")
PAGE = os.path.join(HERE, "compatibility.md")

# What differs in a command miniredis has, beyond what the README says of
# all of them.
COMMAND_NOTES = {
    "client|no-evict": "accepted with no effect: no client is evicted",
    "client|reply": "`ON` only; `OFF` and `SKIP` are refused",
    "cluster": "answers as a standalone redis-server (cluster support disabled)",
    "readonly": "answers as a standalone redis-server",
    "readwrite": "answers as a standalone redis-server",
    "asking": "answers as a standalone redis-server",
    "migrate": "refused inside `MULTI` and scripts",
    "memory|malloc-stats": "no allocator statistics (not jemalloc)",
    "debug": "the subcommands tools use (the others are refused with the reason); "
    "behind `enable-debug-command`",
    "module": "there are no modules: `LIST` is empty, a load fails as for a missing file",
    "latency": "events `command`, `fast-command`, `expire-cycle` and `eviction-cycle`",
    "latency|doctor": "a report in miniredis's own words",
    "latency|graph": "miniredis's own drawing",
    "latency|histogram": "power-of-two buckets, the calls under 8 us in one",
    "slowlog": "a call's time includes its checks and the encoding of the reply "
    "before it",
}


# What differs in a parameter that does what Redis's does.
PARAMETER_NOTES = {
    "save": "no rules by default: miniredis saves when asked",
    "lazyfree-lazy-expire": "values are freed at once; it picks `UNLINK` over `DEL` "
    "in the write stream, as Redis does",
    "lazyfree-lazy-eviction": "as `lazyfree-lazy-expire`",
    "lazyfree-lazy-server-del": "as `lazyfree-lazy-expire` (RESTORE of an expired key)",
    "maxmemory": "`used_memory` is a baseline plus the estimated size of the keys",
    "maxmemory-policy": "LRU idle times to the tick of `hz` (Redis: a second)",
    "list-max-listpack-size": "every list is a quicklist, as in Redis 7.0: it sizes "
    "the nodes `DEBUG OBJECT` counts",
}


def redis_names():
    """@return: C{(commands, parameters)} of redis-server 7.0.15, sorted."""
    found = {"command": [], "parameter": []}
    with open(NAMES) as f:
        for line in f:
            kind, name = line.split()
            found[kind].append(name)
    return found["command"], found["parameter"]


def our_commands():
    """@return: the names in miniredis's table, subcommands as C{a|b}."""
    commands.load_all()
    names = set()
    for name, cmd in commands.COMMANDS.items():
        names.add(name.decode())
        for sub in cmd.subcommands or ():
            names.add(name.decode() + "|" + sub.decode())
    return names


def _note_for(name):
    return COMMAND_NOTES.get(name) or COMMAND_NOTES.get(name.partition("|")[0], "")


def _no_effect_reason(name):
    name = ALIASES.get(name, name)
    for pattern, reason in NO_EFFECT.items():
        if matcher(pattern.encode())(name.encode()):
            return reason
    return None


def parameter_status(name):
    """@return: C{(status, note)} of the Redis parameter C{name}."""
    if name not in PARAMETERS:
        return "missing", ""
    target = ALIASES.get(name, name)
    note = "alias of `%s`" % (target,) if target != name else ""
    if target in _LIMITED_PARAMETERS:
        return "some values", "; ".join(
            filter(None, [note, "values miniredis cannot honour are refused"])
        )
    reason = _no_effect_reason(name)
    if reason is not None:
        return "no effect", "; ".join(filter(None, [note, reason]))
    return "yes", "; ".join(filter(None, [note, PARAMETER_NOTES.get(target, "")]))


def page():
    """@return: the text of docs/compatibility.md."""
    redis_commands, redis_parameters = redis_names()
    ours = our_commands()
    lines = [
        "# Compatibility with redis-server 7.0.15",
        "",
        "Made by `python docs/make_compatibility.py` from miniredis's command and",
        "configuration tables; `tests/test_compatibility_page.py` fails when it is stale.",
        "",
    ]
    have = [name for name in redis_commands if name in ours]
    lines += [
        "## Commands",
        "",
        "%d of Redis's %d commands and subcommands; miniredis adds %s."
        % (
            len(have),
            len(redis_commands),
            ", ".join("`%s`" % (name,) for name in sorted(ours - set(redis_commands))),
        ),
        "",
        "| command | in miniredis | difference |",
        "| --- | --- | --- |",
    ]
    for name in redis_commands:
        status = "yes" if name in ours else "no"
        lines.append(
            "| `%s` | %s | %s |" % (name, status, _note_for(name) * (name in ours))
        )
    lines += [
        "",
        "## Parameters",
        "",
        "`yes`: does what Redis's does. `some values`: takes the values it can honour",
        "and refuses the others with an error that says why. `no effect`: read and checked",
        "as Redis does, changes nothing in miniredis (the README's table says why).",
        "",
        "| parameter | in miniredis | note |",
        "| --- | --- | --- |",
    ]
    for name in redis_parameters:
        status, note = parameter_status(name)
        lines.append("| `%s` | %s | %s |" % (name, status, note))
    return "\n".join(lines) + "\n"


def names_from(port):
    """Write docs/redis-7.0.15-names.txt from the redis-server at C{port}."""
    import subprocess

    def ask(*args):
        return subprocess.run(
            ["redis-cli", "-p", str(port)] + list(args),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")

    found = [line for line in ask("COMMAND", "LIST") if line]
    config = [line for line in ask("CONFIG", "GET", "*")]
    parameters = config[0::2]
    with open(NAMES, "w") as f:
        for name in sorted(found):
            f.write("command %s\n" % (name,))
        for name in sorted(p for p in parameters if p):
            f.write("parameter %s\n" % (name,))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--names-from", type=int, metavar="PORT")
    args = parser.parse_args()
    if args.names_from:
        names_from(args.names_from)
    text = page()
    if args.check:
        with open(PAGE) as f:
            if f.read() != text:
                sys.exit("docs/compatibility.md is stale: run %s" % (sys.argv[0],))
        return
    with open(PAGE, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
