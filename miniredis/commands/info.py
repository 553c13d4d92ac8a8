"""
INFO: the server's state and statistics, by section.

Other families add to INFO with L{info_section}; a section may have several
providers, their fields printed in the order they registered::

    @info_section("persistence")
    def persistence_info(server):
        return [("loading", 0), ("rdb_changes_since_last_save", server.store.dirty)]

C{used_memory} and its friends are cheap estimates, not allocator counts:
a baseline plus the estimated size of the dataset (L{miniredis.eviction});
C{used_memory_rss} is the resident set size of the whole process
(C{/proc/self/statm} on Linux, else the peak from C{getrusage}).
"""

import itertools
import os
import platform
import sys
import time

import twisted
from miniredis import commandstats
from miniredis.commands import COMMANDS, command
from miniredis.commands.spec import Arg
from miniredis.eviction import BASELINE, resident_size
from miniredis.resp import Verbatim
from miniredis.version import __redis_version__, __version__

_RUN_ID = os.urandom(20).hex()


# Redis's sections in their order, and whether INFO without arguments
# (C{default}) shows them; a registered section not listed here comes last.
_SECTION_ORDER = [
    ("server", True),
    ("clients", True),
    ("memory", True),
    ("persistence", True),
    ("stats", True),
    ("replication", True),
    ("cpu", True),
    ("modules", True),
    ("commandstats", False),
    ("errorstats", True),
    ("latencystats", False),
    ("cluster", True),
    ("keyspace", True),
]
INFO_SECTIONS = {}


class _Section:
    def __init__(self, name, title, default):
        self.name = name
        self.title = title
        self.default = default
        self.providers = []

    def render(self, server):
        lines = ["# %s\r\n" % (self.title,)]
        for provider in self.providers:
            for field, value in provider(server):
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "replace")
                lines.append("%s:%s\r\n" % (field, value))
        return "".join(lines)


def info_section(name, title=None, default=None):
    """
    Register the decorated C{provider(server)} as (a part of) INFO section
    C{name}; it returns C{(field, value)} pairs.

    @param title: the section's header (C{# Title}); C{name} capitalized by
        default.
    @param default: whether plain C{INFO} shows the section; Redis's choice
        for its own sections, True for others.
    """

    def register(provider):
        section = INFO_SECTIONS.get(name)
        if section is None:
            show = dict(_SECTION_ORDER).get(name, True) if default is None else default
            section = INFO_SECTIONS[name] = _Section(
                name, title or name.capitalize(), show
            )
        section.providers.append(provider)
        return provider

    return register


def _ordered_sections():
    known = [name for name, _ in _SECTION_ORDER]
    order = {name: i for i, name in enumerate(known)}
    return sorted(INFO_SECTIONS.values(), key=lambda s: order.get(s.name, len(known)))


def info_fields(server, sections):
    """
    @return: {field: value} of the INFO sections named (as INFO shows them,
        before they become text): what the metrics and the dashboard read.
    """
    fields = {}
    for name in sections:
        for provider in INFO_SECTIONS[name].providers:
            fields.update(provider(server))
    return fields


def info_text(server, names=(b"default",)):
    """@return: the text of INFO for the section names asked (bytes, any case)."""
    wanted = {name.lower().decode("utf-8", "replace") for name in names}
    shown = [
        section
        for section in _ordered_sections()
        if section.name in wanted
        or "everything" in wanted
        or "all" in wanted
        or ("default" in wanted and section.default)
    ]
    return "\r\n".join(section.render(server) for section in shown).encode()


@command(
    "info",
    -1,
    "loading stale",
    group="server",
    since="1.0.0",
    acl="dangerous",
    args=[Arg("section", flags="optional multiple")],
    tips="nondeterministic_output request_policy:all_shards response_policy:special",
)
def info(session, argv):
    """Report the server's state and statistics, by section."""
    return Verbatim(info_text(session.server, argv[1:] or (b"default",)))


def human_bytes(n):
    """@return: C{n} bytes written as Redis writes memory sizes (C{1.16M})."""
    for shift, unit in ((50, "P"), (40, "T"), (30, "G"), (20, "M"), (10, "K")):
        if n >= 1 << shift:
            return "%.2f%s" % (n / (1 << shift), unit)
    return "%dB" % (n,)


def _system_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def _reactor_name(clock):
    if getattr(clock, "multiplexing", None):
        return clock.multiplexing
    name = type(clock).__name__.lower()
    return name[: -len("reactor")] if name.endswith("reactor") else name


@info_section("server")
def server_info(server):
    now = time.time()
    uptime = int(now - server.stats.started)
    uname = platform.uname()
    return [
        ("redis_version", __redis_version__),
        ("redis_git_sha1", "00000000"),
        ("redis_git_dirty", 0),
        ("redis_build_id", "0"),
        ("redis_mode", "standalone"),
        ("os", "%s %s %s" % (uname.system, uname.release, uname.machine)),
        ("arch_bits", 64 if sys.maxsize > 2**32 else 32),
        ("multiplexing_api", _reactor_name(server.clock)),
        ("process_id", os.getpid()),
        ("process_supervised", "no"),
        ("run_id", _RUN_ID),
        ("tcp_port", server.config["port"]),
        ("server_time_usec", int(now * 1000000)),
        ("uptime_in_seconds", uptime),
        ("uptime_in_days", uptime // 86400),
        ("hz", server.config["hz"]),
        ("configured_hz", server.config["hz"]),
        ("executable", os.path.abspath(sys.argv[0]) if sys.argv[0] else ""),
        ("config_file", server.config.file or ""),
        ("io_threads_active", 0),
        ("miniredis_version", __version__),
        ("python_implementation", platform.python_implementation()),
        ("python_version", platform.python_version()),
        ("twisted_version", twisted.__version__),
    ]


@info_section("clients")
def clients_info(server):
    clients = server.clients.values()
    return [
        # as Redis counts them: replicas apart (connected_slaves)
        ("connected_clients", len(server.clients) - len(server.replication.replicas)),
        ("cluster_connections", 0),
        ("maxclients", server.config["maxclients"]),
        (
            "client_recent_max_input_buffer",
            server.stats.recent_input.value(server.clock.seconds()),
        ),
        (
            "client_recent_max_output_buffer",
            server.stats.recent_output.value(server.clock.seconds()),
        ),
        ("blocked_clients", server.waits.count),
        ("tracking_clients", server.tracking.clients),
        (
            "clients_in_timeout_table",
            sum(1 for c in clients if c.blocked is not None and c.blocked.timer),
        ),
    ]


@info_section("memory")
def memory_info(server):
    used = server.memory.used()
    rss = resident_size()
    stats = server.stats
    stats.peak_memory = max(stats.peak_memory, used)
    system = _system_memory()
    maxmemory = server.config["maxmemory"]
    return [
        ("used_memory", used),
        ("used_memory_human", human_bytes(used)),
        ("used_memory_rss", rss),
        ("used_memory_rss_human", human_bytes(rss)),
        ("used_memory_peak", stats.peak_memory),
        ("used_memory_peak_human", human_bytes(stats.peak_memory)),
        ("used_memory_startup", BASELINE),
        ("used_memory_dataset", used - BASELINE),
        ("total_system_memory", system),
        ("total_system_memory_human", human_bytes(system)),
        ("maxmemory", maxmemory),
        ("maxmemory_human", human_bytes(maxmemory)),
        ("maxmemory_policy", server.config["maxmemory-policy"]),
        # Client buffers are not counted in used_memory at all.
        ("mem_not_counted_for_evict", 0),
        (
            "mem_allocator",
            "pymalloc" if sys.implementation.name == "cpython" else "libc",
        ),
    ]


@info_section("stats")
def stats_info(server):
    stats = server.stats
    exceeded = server.memory.exceeded()
    return [
        ("total_connections_received", stats.connections_received),
        ("total_commands_processed", stats.commands),
        ("instantaneous_ops_per_sec", stats.ops_per_sec()),
        ("total_net_input_bytes", stats.net_input_bytes),
        ("total_net_output_bytes", stats.net_output_bytes),
        ("rejected_connections", stats.rejected_connections),
        ("expired_keys", server.store.expired_keys),
        ("evicted_keys", server.memory.evicted_keys),
        ("evicted_clients", 0),
        ("total_eviction_exceeded_time", exceeded[0]),
        ("current_eviction_exceeded_time", exceeded[1]),
        ("keyspace_hits", server.store.keyspace_hits),
        ("keyspace_misses", server.store.keyspace_misses),
        ("tracking_total_keys", len(server.tracking.table)),
        ("tracking_total_items", server.tracking.items),
        ("tracking_total_prefixes", len(server.tracking.prefixes)),
    ]


@info_section("replication")
def replication_info(server):
    return server.replication.info()


@info_section("cpu", title="CPU")
def cpu_info(server):
    times = os.times()
    return [
        ("used_cpu_sys", "%.6f" % times.system),
        ("used_cpu_user", "%.6f" % times.user),
        ("used_cpu_sys_children", "%.6f" % times.children_system),
        ("used_cpu_user_children", "%.6f" % times.children_user),
    ]


@info_section("modules")
def modules_info(server):
    return []


@info_section("commandstats")
def commandstats_info(server):
    return commandstats.info_fields(COMMANDS)


@info_section("latencystats")
def latencystats_info(server):
    return commandstats.latency_fields(server, COMMANDS)


@info_section("cluster")
def cluster_info(server):
    return [("cluster_enabled", 0)]


@info_section("keyspace")
def keyspace_info(server):
    return [
        (
            "db%d" % db.index,
            "keys=%d,expires=%d,avg_ttl=%d"
            % (len(db), len(db.expires), average_ttl(db, server.store.now_ms())),
        )
        for db in server.store.databases
        if len(db)
    ]


_TTL_SAMPLES = 20


def average_ttl(db, now_ms):
    """
    @return: the mean time to live in ms of the first keys with a deadline
        (Redis estimates the same from the keys its expiry cycle samples).
    """
    ttls = [
        max(0, deadline - now_ms)
        for deadline in itertools.islice(db.expires.deadlines.values(), _TTL_SAMPLES)
    ]
    return sum(ttls) // len(ttls) if ttls else 0
