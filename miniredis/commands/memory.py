"""
MEMORY (Redis's object.c): what a key costs, the memory figures of the
server, and the doctor's advice.

miniredis has no allocator statistics of its own: its totals are those of
INFO memory (the baseline and the estimated size of the dataset, see
L{miniredis.eviction}), and MEMORY USAGE is the estimate of one key that
L{miniredis.sizes} makes.
"""

from miniredis.commands import command, container
from miniredis.commands.info import memory_info
from miniredis.commands.parsing import SYNTAX, parse_int
from miniredis.commands.spec import Arg, Index, KeySpec, Range
from miniredis.eviction import BASELINE
from miniredis.resp import OK, ReplyError, Status, Verbatim
from miniredis.sizes import DEFAULT_SAMPLES, dataset_estimate, key_size, sizeof

container(
    "memory",
    -2,
    summary="Commands about the memory the server and its keys use.",
    group="server",
    since="4.0.0",
)

_EMPTY_INSTANCE = 5 * 1024 * 1024
_BIG_PEAK = 1.5


def _samples_option(argv):
    """@return: the SAMPLES of MEMORY USAGE, 0 for all, by Redis's rules."""
    samples = DEFAULT_SAMPLES
    i = 3
    while i < len(argv):
        if argv[i].lower() != b"samples" or i + 1 >= len(argv):
            raise ReplyError(SYNTAX)
        samples = parse_int(argv[i + 1])
        if samples < 0:
            raise ReplyError(SYNTAX)
        i += 2
    return samples


@command(
    "memory|usage",
    -3,
    "readonly",
    group="server",
    since="4.0.0",
    keys=[KeySpec("RO", Index(2), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("count", "integer", token="SAMPLES", flags="optional"),
    ],
)
def memory_usage(session, argv):
    """
    Estimate the bytes a key and its value take, sampling the elements of
    a large aggregate (5 by default, all with SAMPLES 0).
    """
    samples = _samples_option(argv)
    key = argv[2]
    # As Redis, a key past its deadline but not yet removed still counts.
    value = session.db.data.get(key)
    if value is None:
        return None
    return key_size(key, value, samples)


def _clients_size(server):
    return sum(
        sizeof(client) + sizeof(getattr(client, "__dict__", None))
        for client in server.clients.values()
    )


def _scripts_size(server):
    scripts = getattr(server, "scripts", None)
    cache = getattr(scripts, "cache", None)
    if not cache:
        return 0
    return sizeof(cache) + sum(sizeof(sha) for sha in cache)


def _memory_figures(server):
    """@return: MEMORY STATS's fields, name -> value, in Redis's order."""
    info = dict(memory_info(server))
    total = info["used_memory"]
    rss = info["used_memory_rss"]
    peak = max(info["used_memory_peak"], total)
    startup = min(BASELINE, total)
    figures = {
        "peak.allocated": peak,
        "total.allocated": total,
        "startup.allocated": startup,
        "replication.backlog": 0,
        "clients.slaves": 0,
        "clients.normal": _clients_size(server),
        "cluster.links": 0,
        "aof.buffer": 0,
        "lua.caches": _scripts_size(server),
        "functions.caches": 0,
    }
    overhead = sum(figures.values()) - peak - total
    keys = 0
    for db in server.store.databases:
        if not db.data:
            continue
        keys += len(db.data)
        tables = {
            "overhead.hashtable.main": sizeof(db.data),
            "overhead.hashtable.expires": sizeof(db.expires.deadlines),
            "overhead.hashtable.slot-to-keys": 0,
        }
        overhead += sum(tables.values())
        figures["db.%d" % (db.index,)] = tables
    overhead = min(overhead, total)
    net = total - startup if total > startup else 1
    figures.update(
        [
            ("overhead.total", overhead),
            ("keys.count", keys),
            ("keys.bytes-per-key", (total - startup) // keys if keys else 0),
            ("dataset.bytes", total - overhead),
            ("dataset.percentage", (total - overhead) * 100.0 / net),
            ("peak.percentage", total * 100.0 / peak if peak else 0.0),
            # No allocator of its own to tell apart: these are the totals.
            ("allocator.allocated", total),
            ("allocator.active", total),
            ("allocator.resident", rss),
            ("allocator-fragmentation.ratio", 1.0),
            ("allocator-fragmentation.bytes", 0),
            ("allocator-rss.ratio", rss / total if total else 1.0),
            ("allocator-rss.bytes", rss - total),
            ("rss-overhead.ratio", 1.0),
            ("rss-overhead.bytes", 0),
            ("fragmentation", rss / total if total else 1.0),
            ("fragmentation.bytes", rss - total),
        ]
    )
    return figures


def _as_reply(figures):
    return {
        name.encode(): _as_reply(value) if isinstance(value, dict) else value
        for name, value in figures.items()
    }


@command(
    "memory|stats",
    2,
    "",
    group="server",
    since="4.0.0",
    tips="nondeterministic_output request_policy:all_shards response_policy:special",
)
def memory_stats(session, argv):
    """
    Report where the server's memory goes: totals, overheads, the dataset
    and per-database hash tables.
    """
    return _as_reply(_memory_figures(session.server))


_DOCTOR_EMPTY = (
    "Hi Sam, this instance is empty or is using very little memory, my issues "
    "detector can't be used in these conditions. Please, leave for your mission "
    "on Earth and fill it with some data. The new Sam and I will be back to our "
    "programming as soon as I finished rebooting.\n"
)
_DOCTOR_FINE = (
    "Hi Sam, I can't find any memory issue in your instance. I can only account "
    "for what occurs on this base.\n"
)
_DOCTOR_PEAK = (
    "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
    " * Peak memory: In the past this instance used more than 150% the memory "
    "that is currently using. The allocator is normally not able to release "
    "memory after a peak, so you can expect to see a big fragmentation ratio, "
    "however this is actually harmless and is only due to the memory peak, and "
    "if the Redis instance Resident Set Size (RSS) is currently bigger than "
    "expected, the memory will be used as soon as you fill the Redis instance "
    "with more data. If the memory peak was only occasional and you want to try "
    "to reclaim memory, please try the MEMORY PURGE command, otherwise the only "
    "other option is to shutdown and restart the instance.\n\n"
    "I'm here to keep you safe, Sam. I want to help you.\n"
)


@command(
    "memory|doctor",
    2,
    "",
    group="server",
    since="4.0.0",
    tips="nondeterministic_output request_policy:all_shards response_policy:special",
)
def memory_doctor(session, argv):
    """
    Diagnose memory problems in plain words: too little data to judge, a
    past peak, or nothing to report.
    """
    server = session.server
    figures = _memory_figures(server)
    total = figures["total.allocated"]
    if dataset_estimate(server.store) < _EMPTY_INSTANCE:
        text = _DOCTOR_EMPTY
    elif figures["peak.allocated"] > total * _BIG_PEAK:
        text = _DOCTOR_PEAK
    else:
        text = _DOCTOR_FINE
    return Verbatim(text.encode())


@command(
    "memory|malloc-stats",
    2,
    "",
    group="server",
    since="4.0.0",
    tips="nondeterministic_output request_policy:all_shards response_policy:special",
)
def memory_malloc_stats(session, argv):
    """Show the memory allocator's own statistics, which Python does not offer."""
    return Verbatim(b"Stats not supported for the current allocator")


@command(
    "memory|purge",
    2,
    "",
    group="server",
    since="4.0.0",
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def memory_purge(session, argv):
    """Ask the allocator to give freed memory back: a no-op in miniredis."""
    return OK


_MEMORY_HELP = [
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
]


@command("memory|help", 2, "loading stale", group="server", since="4.0.0")
def memory_help(session, argv):
    """List the MEMORY subcommands and what they do."""
    return [Status(line.encode()) for line in _MEMORY_HELP]
