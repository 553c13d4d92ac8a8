"""
The Prometheus endpoint: INFO's fields in Prometheus's text format, named
as U{redis_exporter<https://github.com/oliver006/redis_exporter>} names
them, so dashboards and alerts written for it work unchanged.

The values come from the INFO section providers (the same numbers INFO
shows), the keyspace and the per-command statistics of
L{miniredis.commandstats}; nothing goes through a Redis connection.

Usage::

    from twisted.application import strports
    from miniredis.web.metrics import metrics_site
    strports.service("tcp:9121:interface=127.0.0.1", metrics_site(factory))
"""

from twisted.web import resource, server

from miniredis import commandstats
from miniredis.commands import COMMANDS
from miniredis.commands.info import average_ttl, info_fields

CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"

# INFO field -> (metric name without the redis_ prefix, type, help)
FIELDS = [
    ("uptime_in_seconds", "uptime_in_seconds", "gauge", "Seconds since the start"),
    ("process_id", "process_id", "gauge", "The server's process id"),
    ("connected_clients", "connected_clients", "gauge", "Client connections"),
    ("blocked_clients", "blocked_clients", "gauge", "Clients in a blocking call"),
    ("maxclients", "max_clients", "gauge", "The maxclients parameter"),
    ("used_memory", "memory_used_bytes", "gauge", "Memory in use"),
    ("used_memory_rss", "memory_used_rss_bytes", "gauge", "Resident memory"),
    ("used_memory_peak", "memory_used_peak_bytes", "gauge", "Peak memory in use"),
    ("maxmemory", "memory_max_bytes", "gauge", "The maxmemory parameter"),
    (
        "total_system_memory",
        "total_system_memory_bytes",
        "gauge",
        "Memory of the machine",
    ),
    ("loading", "loading_dump_file", "gauge", "Whether data files are loading"),
    (
        "rdb_changes_since_last_save",
        "rdb_changes_since_last_save",
        "gauge",
        "Changes since the last save",
    ),
    (
        "rdb_bgsave_in_progress",
        "rdb_bgsave_in_progress",
        "gauge",
        "Whether a BGSAVE runs",
    ),
    (
        "rdb_last_save_time",
        "rdb_last_save_timestamp_seconds",
        "gauge",
        "When the last save succeeded",
    ),
    (
        "rdb_last_bgsave_time_sec",
        "rdb_last_bgsave_duration_sec",
        "gauge",
        "How long the last BGSAVE took",
    ),
    ("aof_enabled", "aof_enabled", "gauge", "Whether the append-only file is on"),
    (
        "aof_rewrite_in_progress",
        "aof_rewrite_in_progress",
        "gauge",
        "Whether an AOF rewrite runs",
    ),
    ("aof_current_size", "aof_current_size_bytes", "gauge", "Size of the AOF"),
    ("connected_slaves", "connected_slaves", "gauge", "Connected replicas"),
    ("master_repl_offset", "master_repl_offset", "gauge", "Replication offset"),
    (
        "instantaneous_ops_per_sec",
        "instantaneous_ops",
        "gauge",
        "Commands per second, lately",
    ),
    (
        "total_connections_received",
        "connections_received_total",
        "counter",
        "Connections accepted",
    ),
    (
        "total_commands_processed",
        "commands_processed_total",
        "counter",
        "Commands run",
    ),
    (
        "rejected_connections",
        "rejected_connections_total",
        "counter",
        "Connections refused (maxclients)",
    ),
    ("total_net_input_bytes", "net_input_bytes_total", "counter", "Bytes read"),
    ("total_net_output_bytes", "net_output_bytes_total", "counter", "Bytes written"),
    ("expired_keys", "expired_keys_total", "counter", "Keys expired"),
    ("evicted_keys", "evicted_keys_total", "counter", "Keys evicted"),
    ("keyspace_hits", "keyspace_hits_total", "counter", "Lookups that found a key"),
    ("keyspace_misses", "keyspace_misses_total", "counter", "Lookups that missed"),
    ("used_cpu_sys", "cpu_sys_seconds_total", "counter", "System CPU time"),
    ("used_cpu_user", "cpu_user_seconds_total", "counter", "User CPU time"),
]
INSTANCE_LABELS = [
    "redis_version",
    "redis_mode",
    "os",
    "role",
    "run_id",
    "tcp_port",
    "process_id",
    "maxmemory_policy",
    "miniredis_version",
    "python_implementation",
]
_SECTIONS = (
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
)


def _label(value):
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Exposition:
    """Lines of Prometheus's text format, each metric's HELP and TYPE once."""

    def __init__(self):
        self.lines = []
        self._declared = set()

    def add(self, name, kind, help, value, **labels):
        name = "redis_" + name
        if name not in self._declared:
            self._declared.add(name)
            self.lines.append("# HELP %s %s" % (name, help))
            self.lines.append("# TYPE %s %s" % (name, kind))
        self.sample(name, value, labels)

    def sample(self, name, value, labels):
        if labels:
            name += "{%s}" % ",".join(
                '%s="%s"' % (key, _label(v)) for key, v in labels.items()
            )
        if isinstance(value, float):
            value = repr(value)
        self.lines.append("%s %s" % (name, value))

    def text(self):
        return "\n".join(self.lines) + "\n"


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return float(value)


def render(server):
    """@return: the metrics of C{server} (a factory) in the text format, as bytes."""
    out = Exposition()
    out.add("up", "gauge", "Whether the server answers", 1)
    fields = info_fields(server, _SECTIONS)
    out.add(
        "instance_info",
        "gauge",
        "What the server is",
        1,
        **{name: fields.get(name, "") for name in INSTANCE_LABELS},
    )
    for field, name, kind, help in FIELDS:
        if field in fields:
            out.add(name, kind, help, _number(fields[field]))
    now_ms = server.store.now_ms()
    for db in server.store.databases:
        label = "db%d" % db.index
        out.add("db_keys", "gauge", "Keys in a database", len(db), db=label)
    for db in server.store.databases:
        out.add(
            "db_keys_expiring",
            "gauge",
            "Keys with a time to live",
            len(db.expires),
            db="db%d" % db.index,
        )
    for db in server.store.databases:
        if len(db):
            out.add(
                "db_avg_ttl_seconds",
                "gauge",
                "Mean time to live of sampled keys",
                average_ttl(db, now_ms) / 1000.0,
                db="db%d" % db.index,
            )
    _command_metrics(out)
    return out.text().encode("utf-8")


def _command_metrics(out):
    used = commandstats.used(COMMANDS)
    for cmd in used:
        out.add(
            "commands_total", "counter", "Calls of a command", cmd.calls, cmd=cmd.name
        )
    for cmd in used:
        out.add(
            "commands_duration_seconds_total",
            "counter",
            "Time spent in a command",
            commandstats.usec(cmd) / 1e6,
            cmd=cmd.name,
        )
    for cmd in used:
        out.add(
            "commands_rejected_calls_total",
            "counter",
            "Calls refused before they ran",
            cmd.rejected_calls,
            cmd=cmd.name,
        )
    for cmd in used:
        out.add(
            "commands_failed_calls_total",
            "counter",
            "Calls that answered an error",
            cmd.failed_calls,
            cmd=cmd.name,
        )
    name = "redis_commands_latencies_usec"
    out.lines.append(
        "# HELP %s Latency of calls (those under %d us in one bucket)"
        % (name, commandstats.DETAIL)
    )
    out.lines.append("# TYPE %s histogram" % (name,))
    for cmd in used:
        buckets = commandstats.histogram(cmd)
        if not buckets:
            continue
        for bound, count in buckets:
            out.sample(name + "_bucket", count, {"cmd": cmd.name, "le": str(bound)})
        total = buckets[-1][1]
        out.sample(name + "_bucket", total, {"cmd": cmd.name, "le": "+Inf"})
        out.sample(name + "_sum", int(cmd.seconds * 1e6), {"cmd": cmd.name})
        out.sample(name + "_count", total, {"cmd": cmd.name})
    _latency_percentiles(out, used)


def _latency_percentiles(out, used):
    name = "redis_latency_percentiles_usec"
    out.lines.append("# HELP %s Latency percentiles of calls" % (name,))
    out.lines.append("# TYPE %s summary" % (name,))
    for cmd in used:
        if not cmd.calls:
            continue
        for percentile, usec in commandstats.percentiles(cmd):
            out.sample(name, usec, {"cmd": cmd.name, "quantile": "%g" % percentile})
        out.sample(name + "_sum", float(commandstats.usec(cmd)), {"cmd": cmd.name})
        out.sample(name + "_count", cmd.calls, {"cmd": cmd.name})


class MetricsResource(resource.Resource):
    """C{/metrics}: the text format, rendered at each scrape."""

    isLeaf = True

    def __init__(self, factory):
        resource.Resource.__init__(self)
        self.factory = factory

    def render_GET(self, request):
        request.setHeader(b"content-type", CONTENT_TYPE)
        return render(self.factory)


class QuietSite(server.Site):
    """A L{server.Site} that keeps no access log (a scrape every few seconds)."""

    def log(self, request):
        pass


def metrics_site(factory):
    """@return: the web site serving C{/metrics} of C{factory}."""
    root = resource.Resource()
    root.putChild(b"metrics", MetricsResource(factory))
    site = QuietSite(root)
    site.noisy = False
    return site
