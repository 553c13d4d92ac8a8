"""
Server commands: INFO, CONFIG, ROLE, WAIT, TIME, LOLWUT, DEBUG.

Other families add to INFO with L{info_section}; a section may have several
providers, their fields printed in the order they registered::

    @info_section("persistence")
    def persistence_info(server):
        return [("loading", 0), ("rdb_changes_since_last_save", server.store.dirty)]

C{used_memory} and its friends are cheap estimates, not allocator counts:
the resident set size of the whole process (C{/proc/self/statm} on Linux,
else the peak from C{getrusage}).
"""

import itertools
import os
import platform
import sys
import time

import twisted
from miniredis import commandstats, monitor
from miniredis.commands import BLOCKED, COMMANDS, command, container
from miniredis.commands.introspection import help_reply, summary
from miniredis.commands.parsing import LLONG_MAX, parse_float, parse_int
from miniredis.commands.spec import Arg, Block
from miniredis.resp import OK, Replies, ReplyError, Verbatim
from miniredis.version import __redis_version__, __version__

try:
    import resource
except ImportError:  # Windows
    resource = None

_RUN_ID = os.urandom(20).hex()
_REPLICATION_ID = os.urandom(20).hex()

# --------------------------------------------------------------------- INFO

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
    """Get information and statistics about the server."""
    return Verbatim(info_text(session.server, argv[1:] or (b"default",)))


def human_bytes(n):
    """@return: C{n} bytes written as Redis writes memory sizes (C{1.16M})."""
    for shift, unit in ((50, "P"), (40, "T"), (30, "G"), (20, "M"), (10, "K")):
        if n >= 1 << shift:
            return "%.2f%s" % (n / (1 << shift), unit)
    return "%dB" % (n,)


def resident_size():
    """@return: the resident memory of this process, in bytes."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        if resource is None:
            return 0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def _system_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def _reactor_name(clock):
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
        ("connected_clients", len(server.clients)),
        ("cluster_connections", 0),
        ("maxclients", server.config["maxclients"]),
        ("blocked_clients", server.waits.count),
        ("tracking_clients", 0),
        (
            "clients_in_timeout_table",
            sum(1 for c in clients if c.blocked is not None and c.blocked.timer),
        ),
    ]


@info_section("memory")
def memory_info(server):
    rss = resident_size()
    stats = server.stats
    stats.peak_memory = max(stats.peak_memory, rss)
    system = _system_memory()
    maxmemory = server.config["maxmemory"]
    return [
        ("used_memory", rss),
        ("used_memory_human", human_bytes(rss)),
        ("used_memory_rss", rss),
        ("used_memory_rss_human", human_bytes(rss)),
        ("used_memory_peak", stats.peak_memory),
        ("used_memory_peak_human", human_bytes(stats.peak_memory)),
        ("total_system_memory", system),
        ("total_system_memory_human", human_bytes(system)),
        ("maxmemory", maxmemory),
        ("maxmemory_human", human_bytes(maxmemory)),
        ("maxmemory_policy", server.config["maxmemory-policy"]),
        (
            "mem_allocator",
            "pymalloc" if sys.implementation.name == "cpython" else "libc",
        ),
    ]


@info_section("stats")
def stats_info(server):
    stats = server.stats
    return [
        ("total_connections_received", stats.connections_received),
        ("total_commands_processed", stats.commands),
        ("instantaneous_ops_per_sec", stats.ops_per_sec()),
        ("total_net_input_bytes", stats.net_input_bytes),
        ("total_net_output_bytes", stats.net_output_bytes),
        ("rejected_connections", stats.rejected_connections),
        ("expired_keys", server.store.expired_keys),
        ("evicted_keys", 0),
        ("keyspace_hits", server.store.keyspace_hits),
        ("keyspace_misses", server.store.keyspace_misses),
    ]


@info_section("replication")
def replication_info(server):
    return [
        ("role", "master"),
        ("connected_slaves", 0),
        ("master_failover_state", "no-failover"),
        ("master_replid", _REPLICATION_ID),
        ("master_replid2", "0" * 40),
        ("master_repl_offset", 0),
        ("second_repl_offset", -1),
        ("repl_backlog_active", 0),
        ("repl_backlog_size", 1048576),
        ("repl_backlog_first_byte_offset", 0),
        ("repl_backlog_histlen", 0),
    ]


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
    return commandstats.latency_fields(COMMANDS)


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


# ------------------------------------------------------------------- CONFIG

container("config", -2, group="server", since="2.0.0")


@command(
    "config|get",
    -3,
    "admin noscript loading stale",
    group="server",
    since="2.0.0",
    args=[Block("parameter", Arg("parameter"), flags="multiple")],
)
def config_get(session, argv):
    """
    Get the values of configuration parameters: those matching glob
    patterns, and those named exactly (as the client spelled them).
    """
    config = session.server.config
    found = {}
    seen = set()
    for pattern in argv[2:]:
        glob = any(c in pattern for c in b"*?[\\")
        for name, value in config.get_matching(pattern).items():
            if name not in seen and (glob or name == pattern.lower()):
                seen.add(name)
                found[name if glob else pattern] = value
    return found


@command(
    "config|set",
    -4,
    "admin noscript loading stale",
    group="server",
    since="2.0.0",
    args=[Block("parameter_value", Arg("parameter"), Arg("value"), flags="multiple")],
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def config_set(session, argv):
    """
    Set configuration parameters, all or none: a value that does not parse
    puts back those already set.
    """
    if len(argv) % 2:
        raise ReplyError("ERR syntax error")
    config = session.server.config
    pairs = []
    seen = set()
    for i in range(2, len(argv), 2):
        shown = argv[i].decode("utf-8", "replace")
        name = shown.lower()
        key = config.check_settable(name, shown)
        if name in seen:
            raise ReplyError(
                "ERR CONFIG SET failed (possibly related to argument '%s') - "
                "duplicate parameter" % (shown,)
            )
        seen.add(name)
        pairs.append((name, argv[i + 1], config.render(key)))
    applied = []
    try:
        for name, raw, old in pairs:
            config.set(name, raw)
            applied.append((name, old))
    except ReplyError:
        for name, old in applied:
            config.set(name, old)
        raise
    return OK


@command(
    "config|resetstat", 2, "admin noscript loading stale", group="server", since="2.0.0"
)
def config_resetstat(session, argv):
    """Reset the stats returned by INFO."""
    server = session.server
    server.stats.reset()
    server.store.expired_keys = 0
    server.store.reset_stats()
    commandstats.reset_all(COMMANDS)
    return OK


@command(
    "config|rewrite", 2, "admin noscript loading stale", group="server", since="2.8.0"
)
def config_rewrite(session, argv):
    """Rewrite the configuration file with the in memory configuration."""
    from miniredis import conffile

    config = session.server.config
    if not config.file:
        raise ReplyError("ERR The server is running without a config file")
    try:
        conffile.rewrite(config)
    except OSError as e:
        raise ReplyError("ERR Rewriting config file: %s" % (e.strerror,))
    return OK


@command("config|help", 2, "loading stale", group="server", since="5.0.0")
def confighelp_reply(session, argv):
    """Show helpful text about the different subcommands."""
    return help_reply(
        [
            "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
            "HELP",
            "    Prints this help.",
        ]
    )


# --------------------------------------------------------------------- MONITOR


@command("monitor", 1, "admin noscript loading stale", group="server", since="1.0.0")
def monitor_(session, argv):
    """
    Show this client every command the server runs, as it runs them.

    The lines are made by L{miniredis.monitor}.
    """
    if session.deny_blocking:
        raise ReplyError("ERR MONITOR isn't allowed for DENY BLOCKING client")
    if session.monitoring:
        return Replies()  # Redis answers a second MONITOR with nothing
    monitor.start(session)
    return OK


# ------------------------------------------------------------------ ROLE WAIT


@command(
    "role",
    1,
    "noscript loading stale fast",
    group="server",
    since="2.8.12",
    acl="admin dangerous",
)
def role(session, argv):
    """Tell the role of this server in replication: always a master, without replicas."""
    return [b"master", 0, []]


def _no_key_serves(key):
    return None


@command(
    "wait",
    3,
    "noscript",
    group="generic",
    since="3.0.0",
    acl="connection",
    args=[Arg("numreplicas", "integer"), Arg("timeout", "integer")],
    tips="request_policy:all_shards response_policy:agg_min",
)
def wait(session, argv):
    """
    Wait until the writes of this connection reach some replicas, or for a
    timeout in milliseconds (0: for ever); reply how many did (always 0).

    With no replicas, a count of 0 or less answers 0 at once, as WAIT does
    inside MULTI; a count of 1 or more waits for the whole timeout.
    A timeout past the end of time (Redis's deadline would overflow) never
    ends.
    """
    wanted = parse_int(argv[1])
    timeout = parse_int(argv[2], "ERR timeout is not an integer or out of range")
    if timeout < 0:
        raise ReplyError("ERR timeout is negative")
    if wanted <= 0 or session.deny_blocking:
        return 0
    server = session.server
    if timeout > LLONG_MAX - server.store.now_ms():
        timeout = 0
    server.waits.block(session, (), timeout / 1000.0, _no_key_serves, 0)
    return BLOCKED


# --------------------------------------------------------- TIME LOLWUT DEBUG


@command(
    "time",
    1,
    "loading stale fast",
    group="server",
    since="2.6.0",
    tips="nondeterministic_output",
)
def time_(session, argv):
    """Return the current server time."""
    micros = int(session.server.clock.seconds() * 1000000)
    return [b"%d" % (micros // 1000000), b"%d" % (micros % 1000000)]


@command(
    "lolwut",
    -1,
    "readonly fast",
    group="server",
    since="5.0.0",
    args=[Arg("version", "integer", token="VERSION", flags="optional")],
)
def lolwut(session, argv):
    """Display some computer art and the Redis version (here: the version)."""
    if len(argv) == 3 and argv[1].lower() == b"version":
        parse_int(argv[2])
    return Verbatim(b"Redis ver. %s\n" % (__redis_version__.encode(),))


_DEBUG = {}


def debug_subcommand(name, arity):
    """
    Register the decorated C{f(session, argv)} as C{DEBUG name}; C{arity}
    counts C{DEBUG} and C{name} as for a command.
    """

    def register(func):
        _DEBUG[name.encode()] = (func, arity)
        return func

    return register


_DEBUG_REFUSED = (
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", '
    "you can run it from a local connection, otherwise you need to set this option "
    "in the configuration file, and then restart the server."
)


def _local(session):
    address = session.address
    return (
        not address or address.startswith(("127.", "[::1]", "/")) or ":" not in address
    )


@command(
    "debug",
    -2,
    "admin noscript loading stale protected",
    group="server",
    since="1.0.0",
    doc_flags="syscmd",
)
def debug(session, argv):
    """A container for debugging commands."""
    allowed = session.server.config["enable-debug-command"]
    if allowed == "no" or (allowed == "local" and not _local(session)):
        raise ReplyError(_DEBUG_REFUSED)
    name = argv[1].lower()
    entry = _DEBUG.get(name)
    if entry is None or not (
        len(argv) == entry[1] if entry[1] >= 0 else len(argv) >= -entry[1]
    ):
        raise ReplyError(
            "ERR unknown subcommand or wrong number of arguments for '%s'. "
            "Try DEBUG HELP." % (argv[1].decode("utf-8", "replace"),)
        )
    return entry[0](session, argv)


@debug_subcommand("sleep", 3)
def debug_sleep(session, argv):
    """Stop the whole server for the given seconds (0 for none)."""
    seconds = parse_float(argv[2])
    if seconds > 0:
        time.sleep(seconds)
    return OK


@debug_subcommand("set-active-expire", 3)
def debug_set_active_expire(session, argv):
    """Turn the active expire cycle off (0) or on (1)."""
    if parse_int(argv[2]):
        session.server.expiry.start()
    else:
        session.server.expiry.stop()
    return OK


@debug_subcommand("help", 2)
def debughelp_reply(session, argv):
    """Prints this help."""
    lines = ["DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"]
    for name in sorted(_DEBUG):
        func = _DEBUG[name][0]
        lines.append(name.decode().upper())
        lines.append("    " + summary(func, ""))
    return help_reply(lines)
