"""
Server parameters: their defaults, parsing, CONFIG GET/SET, and listeners
told when one changes.

Usage::

    config = Config(port=7000, appendonly=True)
    config["appendonly"]          # True
    config.set("maxclients", b"50")
    config.render("appendonly")   # b"yes"
"""

import os

from miniredis.glob import matcher
from miniredis.resp import ReplyError


def _yes_no(raw):
    value = raw.lower()
    if value in (b"yes", b"1"):
        return True
    if value in (b"no", b"0"):
        return False
    raise ValueError("argument must be 'yes' or 'no'")


def _int(raw):
    value = raw.strip().lower()
    scale = 1
    for suffix, factor in ((b"gb", 1 << 30), (b"mb", 1 << 20), (b"kb", 1 << 10)):
        if value.endswith(suffix):
            value, scale = value[: -len(suffix)], factor
            break
    try:
        return int(value) * scale
    except ValueError:
        raise ValueError("argument couldn't be parsed into an integer")


def _int_between(low, high):
    """An integer parameter that Redis bounds to C{low}..C{high}."""

    def parse(raw):
        value = _int(raw)
        if not -_LONG_MAX - 1 <= value <= _LONG_MAX:
            raise ValueError("argument couldn't be parsed into an integer")
        if not low <= value <= high:
            raise ValueError(
                "argument must be between %d and %d inclusive" % (low, high)
            )
        return value

    return parse


_INT_MAX = (1 << 31) - 1
_LONG_MAX = (1 << 63) - 1


def _memory(raw):
    """A size in bytes, as Redis reads memory options (C{1k}, C{2mb}...)."""
    value = raw.strip().lower()
    scale = 1
    for suffix, factor in (
        (b"gb", 1 << 30),
        (b"mb", 1 << 20),
        (b"kb", 1 << 10),
        (b"g", 1000**3),
        (b"m", 1000**2),
        (b"k", 1000),
        (b"b", 1),
    ):
        if value.endswith(suffix):
            value, scale = value[: -len(suffix)], factor
            break
    if not value.isdigit():
        raise ValueError("argument must be a memory value")
    return int(value) * scale


def _memory_between(low, high):
    """A memory parameter that Redis bounds (an empty value reads as 0)."""

    def parse(raw):
        value = _memory(raw) if raw.strip() else 0
        if not low <= value <= high:
            raise ValueError(
                "argument must be between %d and %d inclusive" % (low, high)
            )
        return value

    return parse


def _hostname(raw):
    text = raw.decode("utf-8", "replace")
    if not all(c.isascii() and (c.isalnum() or c in "-.") for c in text):
        raise ValueError(
            "Hostnames may only contain alphanumeric characters, hyphens or dots"
        )
    return text


_TITLE_FIELDS = (
    "title",
    "listen-addr",
    "server-mode",
    "port",
    "tls-port",
    "unixsocket",
    "config-file",
)


def _title_template(raw):
    """C{proc-title-template}: text and known C{{fields}}, not empty."""
    text = raw.decode("utf-8", "replace")
    rest = text
    for field in _TITLE_FIELDS:
        rest = rest.replace("{%s}" % (field,), "")
    if not text.strip() or "{" in rest or "}" in rest:
        raise ValueError("template format is invalid or contains unknown variables")
    return text


def _text(raw):
    return raw.decode("utf-8")


def _choice(*choices, **same):
    """
    One of C{choices}; C{same} maps a choice to the one it means and that
    CONFIG GET shows.
    """

    def parse(raw):
        value = raw.decode("utf-8").lower()
        if value not in choices:
            raise ValueError(
                "argument(s) must be one of the following: " + ", ".join(choices)
            )
        return same.get(value, value)

    return parse


def _filename(name):
    """A file name without a directory: C{dbfilename}, C{appendfilename}."""

    def parse(raw):
        if b"/" in raw or b"\\" in raw:
            raise ValueError("%s can't be a path, just a filename" % (name,))
        return raw.decode("utf-8")

    return parse


# notify-keyspace-events: the classes "A" stands for, in Redis's order.
_EVENT_CLASSES = "g$lshzxetd"


class KeyspaceEvents(str):
    """
    A C{notify-keyspace-events} value: the text CONFIG GET shows, and in
    C{flags} the set of flags it stands for (C{n} too where the text is
    C{A}, which leaves it out).
    """

    flags = frozenset()


def _keyspace_events(raw):
    """Redis's C{notify-keyspace-events} flags, in the form CONFIG GET shows."""
    text = raw.decode("utf-8", "replace")
    flags = set()
    for char in text:
        if char == "A":
            flags.update(_EVENT_CLASSES)
        elif char in _EVENT_CLASSES + "mnKE":
            flags.add(char)
        else:
            raise ValueError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
    if set(_EVENT_CLASSES) <= flags:
        shown = "A"  # Redis then leaves "n" out, though it is set
    else:
        shown = "".join(c for c in _EVENT_CLASSES + "n" if c in flags)
    value = KeyspaceEvents(shown + "".join(c for c in "KEm" if c in flags))
    value.flags = frozenset(flags)
    return value


_CLIENT_CLASSES = ("normal", "replica", "pubsub")
_CLASS_NAMES = {
    "normal": "normal",
    "replica": "replica",
    "slave": "replica",
    "pubsub": "pubsub",
}


def _buffer_limits(raw):
    """
    C{client-output-buffer-limit}: C{class hard soft seconds} groups, each
    replacing the limits of its class (C{slave} names C{replica}).

    @return: C{{class: (hard, soft, seconds)}} for the classes given.
    """
    parts = raw.decode("utf-8", "replace").split()
    if len(parts) % 4:
        raise ValueError("Wrong number of arguments in buffer limit configuration.")
    limits = {}
    for i in range(0, len(parts), 4):
        kind = _CLASS_NAMES.get(parts[i].lower())
        if kind is None:
            raise ValueError(
                "Invalid client class specified in buffer limit configuration."
            )
        try:
            hard, soft = (_memory(part.encode()) for part in parts[i + 1 : i + 3])
            seconds = int(parts[i + 3])
        except ValueError:
            raise ValueError(
                "Error in hard, soft or soft_seconds setting in buffer limit "
                "configuration."
            )
        if seconds < 0:
            raise ValueError(
                "Error in hard, soft or soft_seconds setting in buffer limit "
                "configuration."
            )
        limits[kind] = (hard, soft, seconds)
    return limits


def _render_buffer_limits(limits):
    return " ".join(
        "%s %d %d %d" % ((("slave" if kind == "replica" else kind),) + limits[kind])
        for kind in _CLIENT_CLASSES
    )


def _percentiles(raw):
    """C{latency-tracking-info-percentiles}: up to 16 numbers from 0 to 100."""
    try:
        values = [float(part) for part in raw.split()]
    except ValueError:
        raise ValueError("Invalid latency-tracking-info-percentiles parameters")
    if not all(0 <= v <= 100 for v in values):
        raise ValueError(
            "latency-tracking-info-percentiles parameters should sit between "
            "[0.0,100.0]"
        )
    return values


def percentile_text(value):
    """@return: a percentile as Redis writes it: C{%f} without trailing zeros."""
    return ("%f" % (value,)).rstrip("0").rstrip(".")


def _render_percentiles(values):
    return " ".join(percentile_text(value) for value in values)


def _oom_score_adj_values(raw):
    parts = raw.split()
    if len(parts) != 3:
        raise ValueError("wrong number of arguments")
    try:
        values = [int(part) for part in parts]
    except ValueError:
        values = [None]
    if not all(v is not None and -2000 <= v <= 2000 for v in values):
        raise ValueError(
            "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
        )
    return values


def _render_ints(values):
    return " ".join("%d" % (value,) for value in values)


def _master_address(raw):
    """C{replicaof}: empty, or a host and a port."""
    text = _text(raw)
    if not text:
        return ""
    parts = text.split()
    if len(parts) != 2 or not parts[1].isdigit() or int(parts[1]) > 65535:
        raise ValueError("replicaof needs a host and a port")
    return "%s %s" % (parts[0], int(parts[1]))


def _refused_when(refused, why):
    """
    A parameter miniredis takes only at values it can honour: C{refused(value)}
    says which it cannot, and C{why} is the error.
    """

    def wrap(parse):
        def check(raw):
            value = parse(raw)
            if refused(value):
                raise ValueError(why)
            return value

        return check

    return wrap


def _flag_set(*names):
    """Several words of C{names} (C{default} alone means none): a set."""

    def parse(raw):
        words = raw.decode("utf-8", "replace").lower().split()
        if not words or any(word not in names for word in words):
            raise ValueError(
                "argument(s) must be one of the following: " + ", ".join(names)
            )
        return frozenset(words) - {names[0]}

    return parse


def _render_flag_set(names):
    def render(flags):
        return " ".join(name for name in names if name in flags) or names[0]

    return render


_SHUTDOWN_FLAGS = ("default", "save", "nosave", "now", "force")


def _memory_or_percent(raw):
    """C{maxmemory-clients}: a memory value, or a percent of C{maxmemory}."""
    if raw.endswith(b"%"):
        if not raw[:-1].isdigit():
            raise ValueError("argument must be a memory or percent value")
        return raw.decode()
    try:
        return _memory(raw)
    except ValueError:
        raise ValueError("argument must be a memory or percent value")


def _octal(raw):
    try:
        return int(raw, 8)
    except ValueError:
        raise ValueError("argument couldn't be parsed into an integer")


def _render_octal(value):
    return "%o" % (value,)


def _save_rules(raw):
    parts = raw.split()
    if len(parts) % 2:
        raise ValueError("Invalid save parameters")
    rules = []
    for i in range(0, len(parts), 2):
        rules.append((int(parts[i]), int(parts[i + 1])))
    return rules


def _render_save(rules):
    return " ".join("%d %d" % rule for rule in rules)


# name -> (default, parse, render or None, settable at run time)
PARAMETERS = {
    "bind": ("127.0.0.1", _text, None, False),
    "port": (6379, _int, None, False),
    "unixsocket": ("", _text, None, False),
    "databases": (16, _int, None, False),
    "requirepass": ("", _text, None, True),
    "aclfile": ("", _text, None, False),
    "acllog-max-len": (128, _int_between(0, _LONG_MAX), None, True),
    "acl-pubsub-default": (
        "resetchannels",
        _choice("allchannels", "resetchannels"),
        None,
        True,
    ),
    "maxclients": (10000, _int_between(1, (1 << 32) - 1), None, True),
    "timeout": (0, _int_between(0, _INT_MAX), None, True),
    "tcp-keepalive": (300, _int_between(0, _INT_MAX), None, True),
    "protected-mode": (True, _yes_no, None, True),
    "proto-max-bulk-len": (512 << 20, _memory_between(1 << 20, _LONG_MAX), None, True),
    "client-query-buffer-limit": (
        1 << 30,
        _memory_between(1 << 20, _LONG_MAX),
        None,
        True,
    ),
    "client-output-buffer-limit": (
        {
            "normal": (0, 0, 0),
            "replica": (256 << 20, 64 << 20, 60),
            "pubsub": (32 << 20, 8 << 20, 60),
        },
        _buffer_limits,
        _render_buffer_limits,
        True,
    ),
    "maxmemory": (0, _int, None, True),
    "maxmemory-policy": (
        "noeviction",
        _choice(
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "noeviction",
        ),
        None,
        True,
    ),
    "lfu-decay-time": (1, _int_between(0, _INT_MAX), None, True),
    "lfu-log-factor": (10, _int_between(0, _INT_MAX), None, True),
    "maxmemory-eviction-tenacity": (10, _int_between(0, 100), None, True),
    "maxmemory-samples": (5, _int_between(1, _INT_MAX), None, True),
    "replica-ignore-maxmemory": (True, _yes_no, None, True),
    "hz": (10, _int, None, True),
    "enable-debug-command": ("no", _choice("no", "yes", "local"), None, False),
    "enable-protected-configs": ("no", _choice("no", "yes", "local"), None, False),
    "loglevel": (
        "notice",
        _choice("debug", "verbose", "notice", "warning"),
        None,
        True,
    ),
    "logfile": ("", _text, None, False),
    "dir": (os.getcwd(), _text, None, True),
    "dbfilename": ("dump.rdb", _filename("dbfilename"), None, True),
    "save": ([], _save_rules, _render_save, True),
    "rdbcompression": (True, _yes_no, None, True),
    "rdbchecksum": (True, _yes_no, None, True),
    "appendonly": (False, _yes_no, None, True),
    "appendfilename": ("appendonly.aof", _filename("appendfilename"), None, False),
    "appendfsync": ("everysec", _choice("everysec", "always", "no"), None, True),
    "auto-aof-rewrite-percentage": (100, _int, None, True),
    "auto-aof-rewrite-min-size": (64 * 1024 * 1024, _int, None, True),
    "aof-load-truncated": (True, _yes_no, None, True),
    "busy-reply-threshold": (5000, _int, None, True),
    "lua-time-limit": (5000, _int, None, True),
    "slowlog-log-slower-than": (10000, _int, None, True),
    "slowlog-max-len": (128, _int, None, True),
    "notify-keyspace-events": (KeyspaceEvents(), _keyspace_events, None, True),
    "list-max-listpack-size": (-2, _int, None, True),
    "hash-max-listpack-entries": (512, _int, None, True),
    "hash-max-listpack-value": (64, _int, None, True),
    "set-max-intset-entries": (512, _int, None, True),
    "zset-max-listpack-entries": (128, _int, None, True),
    "zset-max-listpack-value": (64, _int, None, True),
    "stream-node-max-bytes": (4096, _memory, None, True),
    "stream-node-max-entries": (100, _int, None, True),
    "hll-sparse-max-bytes": (3000, _memory, None, True),
    "tcp-backlog": (511, _int_between(0, _INT_MAX), None, False),
    "unixsocketperm": (0, _octal, _render_octal, False),
    "pidfile": ("", _text, None, False),
    "repl-backlog-size": (1024 * 1024, _memory, None, True),
    "repl-backlog-ttl": (3600, _int_between(0, _LONG_MAX), None, True),
    "repl-diskless-sync": (True, _yes_no, None, True),
    "repl-ping-replica-period": (10, _int_between(1, _INT_MAX), None, True),
    "repl-timeout": (60, _int_between(1, _INT_MAX), None, True),
    "min-replicas-to-write": (0, _int_between(0, _INT_MAX), None, True),
    "min-replicas-max-lag": (10, _int_between(0, _INT_MAX), None, True),
    "replicaof": ("", _master_address, None, False),
    "masterauth": ("", _text, None, True),
    "masteruser": ("", _text, None, True),
    "replica-read-only": (True, _yes_no, None, True),
    "replica-priority": (100, _int_between(0, _INT_MAX), None, True),
    "replica-serve-stale-data": (True, _yes_no, None, True),
    "tls-port": (0, _int_between(0, 65535), None, True),
    "tls-cert-file": ("", _text, None, True),
    "tls-key-file": ("", _text, None, True),
    "tls-key-file-pass": ("", _text, None, True),
    "tls-client-cert-file": ("", _text, None, True),
    "tls-client-key-file": ("", _text, None, True),
    "tls-client-key-file-pass": ("", _text, None, True),
    "tls-dh-params-file": ("", _text, None, True),
    "tls-ca-cert-file": ("", _text, None, True),
    "tls-ca-cert-dir": ("", _text, None, True),
    "tls-protocols": ("", _text, None, True),
    "tls-ciphers": ("", _text, None, True),
    "tls-ciphersuites": ("", _text, None, True),
    "tls-prefer-server-ciphers": (False, _yes_no, None, True),
    "tls-session-caching": (True, _yes_no, None, True),
    "tls-session-cache-timeout": (300, _int_between(0, _INT_MAX), None, True),
    "tls-auth-clients": ("yes", _choice("no", "yes", "optional"), None, True),
    "tls-replication": (False, _yes_no, None, True),
}
# Parameters of Redis 7.0 that miniredis takes, checked as Redis checks
# them, but that change nothing here:
# name -> (default, parse, render or None, settable at run time).
_NO_EFFECT_PARAMETERS = {
    "activedefrag": (False, _yes_no, None, True),
    "active-defrag-cycle-max": (25, _int_between(1, 99), None, True),
    "active-defrag-cycle-min": (1, _int_between(1, 99), None, True),
    "active-defrag-ignore-bytes": (
        100 << 20,
        _memory_between(1, _LONG_MAX),
        None,
        True,
    ),
    "active-defrag-max-scan-fields": (1000, _int_between(1, _LONG_MAX), None, True),
    "active-defrag-threshold-lower": (10, _int_between(0, 1000), None, True),
    "active-defrag-threshold-upper": (100, _int_between(0, 1000), None, True),
    "activerehashing": (True, _yes_no, None, True),
    "active-expire-effort": (1, _int_between(1, 10), None, True),
    "always-show-logo": (False, _yes_no, None, False),
    "aof-disable-auto-gc": (False, _yes_no, None, True),
    "aof-rewrite-incremental-fsync": (True, _yes_no, None, True),
    "rdb-save-incremental-fsync": (True, _yes_no, None, True),
    "no-appendfsync-on-rewrite": (False, _yes_no, None, True),
    "appenddirname": ("appendonlydir", _filename("appenddirname"), None, False),
    "aof_rewrite_cpulist": ("", _text, None, False),
    "bgsave_cpulist": ("", _text, None, False),
    "bio_cpulist": ("", _text, None, False),
    "server_cpulist": ("", _text, None, False),
    "cluster-allow-pubsubshard-when-down": (True, _yes_no, None, True),
    "cluster-allow-reads-when-down": (False, _yes_no, None, True),
    "cluster-allow-replica-migration": (True, _yes_no, None, True),
    "cluster-announce-bus-port": (0, _int_between(0, 65535), None, True),
    "cluster-announce-hostname": ("", _hostname, None, True),
    "cluster-announce-ip": ("", _text, None, True),
    "cluster-announce-port": (0, _int_between(0, 65535), None, True),
    "cluster-announce-tls-port": (0, _int_between(0, 65535), None, True),
    "cluster-config-file": ("nodes.conf", _text, None, False),
    "cluster-link-sendbuf-limit": (0, _memory_between(0, float("inf")), None, True),
    "cluster-migration-barrier": (1, _int_between(0, _INT_MAX), None, True),
    "cluster-node-timeout": (15000, _int_between(0, _LONG_MAX), None, True),
    "cluster-port": (0, _int_between(0, 65535), None, False),
    "cluster-preferred-endpoint-type": (
        "ip",
        _choice("ip", "hostname", "unknown-endpoint"),
        None,
        True,
    ),
    "cluster-replica-no-failover": (False, _yes_no, None, True),
    "cluster-replica-validity-factor": (10, _int_between(0, _INT_MAX), None, True),
    "cluster-require-full-coverage": (True, _yes_no, None, True),
    "crash-log-enabled": (True, _yes_no, None, True),
    "crash-memcheck-enabled": (True, _yes_no, None, True),
    "disable-thp": (True, _yes_no, None, False),
    "dynamic-hz": (True, _yes_no, None, True),
    "enable-module-command": ("no", _choice("no", "yes", "local"), None, False),
    "ignore-warnings": ("", _text, None, True),
    "io-threads": (1, _int_between(1, 128), None, False),
    "io-threads-do-reads": (False, _yes_no, None, False),
    "jemalloc-bg-thread": (True, _yes_no, None, True),
    "latency-monitor-threshold": (0, _int_between(0, _LONG_MAX), None, True),
    "latency-tracking": (True, _yes_no, None, True),
    "latency-tracking-info-percentiles": (
        [50.0, 99.0, 99.9],
        _percentiles,
        _render_percentiles,
        True,
    ),
    "lazyfree-lazy-eviction": (False, _yes_no, None, True),
    "lazyfree-lazy-expire": (False, _yes_no, None, True),
    "lazyfree-lazy-server-del": (False, _yes_no, None, True),
    "lazyfree-lazy-user-del": (False, _yes_no, None, True),
    "lazyfree-lazy-user-flush": (False, _yes_no, None, True),
    "list-compress-depth": (0, _int_between(0, _INT_MAX), None, True),
    "oom-score-adj": (
        "no",
        _choice("no", "yes", "relative", "absolute", relative="yes"),
        None,
        True,
    ),
    "oom-score-adj-values": ([0, 200, 800], _oom_score_adj_values, _render_ints, True),
    "proc-title-template": (
        "{title} {listen-addr} {server-mode}",
        _title_template,
        None,
        True,
    ),
    "propagation-error-behavior": (
        "ignore",
        _choice("ignore", "panic", "panic-on-replicas"),
        None,
        True,
    ),
    "sanitize-dump-payload": ("no", _choice("no", "yes", "clients"), None, True),
    "set-proc-title": (True, _yes_no, None, False),
    "shutdown-timeout": (10, _int_between(0, _INT_MAX), None, True),
    "socket-mark-id": (0, _int_between(0, _INT_MAX), None, False),
    "tracking-table-max-keys": (1000000, _int_between(0, _LONG_MAX), None, True),
    "aof-use-rdb-preamble": (True, _yes_no, None, True),
    "stop-writes-on-bgsave-error": (True, _yes_no, None, True),
    "shutdown-on-sigint": (
        frozenset(),
        _flag_set(*_SHUTDOWN_FLAGS),
        _render_flag_set(_SHUTDOWN_FLAGS),
        True,
    ),
    "shutdown-on-sigterm": (
        frozenset(),
        _flag_set(*_SHUTDOWN_FLAGS),
        _render_flag_set(_SHUTDOWN_FLAGS),
        True,
    ),
    "syslog-ident": ("redis", _text, None, False),
    "syslog-facility": (
        "local0",
        _choice("user", *("local%d" % (n,) for n in range(8))),
        None,
        False,
    ),
    "tls-cluster": (False, _yes_no, None, True),
    "bind-source-addr": ("", _text, None, True),
    "repl-diskless-load": (
        "disabled",
        _choice("disabled", "on-empty-db", "swapdb"),
        None,
        True,
    ),
    "repl-diskless-sync-delay": (5, _int_between(0, _INT_MAX), None, True),
    "repl-diskless-sync-max-replicas": (0, _int_between(0, _INT_MAX), None, True),
    "repl-disable-tcp-nodelay": (False, _yes_no, None, True),
    "replica-announce-ip": ("", _text, None, True),
    "replica-announce-port": (0, _int_between(0, 65535), None, True),
    "replica-announced": (True, _yes_no, None, True),
    "replica-ignore-disk-write-errors": (False, _yes_no, None, True),
    "replica-lazy-flush": (False, _yes_no, None, True),
    "rdb-del-sync-files": (False, _yes_no, None, True),
}

# Parameters miniredis takes at the values it can honour, refusing the
# others with an error that says why.
_LIMITED_PARAMETERS = {
    "daemonize": (
        False,
        _refused_when(
            bool,
            "miniredis does not fork: run twistd without -n, or under systemd",
        )(_yes_no),
        None,
        False,
    ),
    "supervised": (
        "no",
        _refused_when(
            lambda value: value in ("upstart", "systemd"),
            "miniredis does not notify a supervisor of its start",
        )(_choice("no", "upstart", "systemd", "auto")),
        None,
        False,
    ),
    "syslog-enabled": (
        False,
        _refused_when(
            bool, "miniredis does not log to syslog: use logfile, or twistd --syslog"
        )(_yes_no),
        None,
        False,
    ),
    "cluster-enabled": (
        False,
        _refused_when(
            bool,
            "miniredis has no cluster mode: move into a Redis Cluster instead "
            "(see the README)",
        )(_yes_no),
        None,
        False,
    ),
    "aof-timestamp-enabled": (
        False,
        _refused_when(bool, "miniredis writes no timestamps in the AOF")(_yes_no),
        None,
        True,
    ),
    "maxmemory-clients": (
        0,
        _refused_when(
            lambda value: value not in (0, "0%"),
            "miniredis does not evict clients: maxmemory-clients must be 0",
        )(_memory_or_percent),
        None,
        True,
    ),
    "tls-session-cache-size": (
        20480,
        _refused_when(
            lambda value: value != 20480,
            "miniredis cannot size OpenSSL's session cache (pyOpenSSL has no "
            "call for it): it holds OpenSSL's 20480 sessions",
        )(_int_between(0, _INT_MAX)),
        None,
        True,
    ),
}

# Why each parameter accepted with no effect has none (the README's table).
NO_EFFECT = {
    "rdbcompression": "RDB strings are written uncompressed (Redis reads both); "
    "LZF strings are read",
    "list-compress-depth": "lists are not compressed (DEBUG OBJECT says "
    "`ql_compressed:0`)",
    "activedefrag": "Python's allocator is not jemalloc: there is no defragmenter",
    "active-defrag-*": "as `activedefrag`",
    "activerehashing": "Python's dicts resize themselves at once",
    "active-expire-effort": "the active expiry cycle is tuned by `hz` alone",
    "dynamic-hz": "`hz` is not raised with the number of clients",
    "always-show-logo": "miniredis prints no logo",
    "aof-disable-auto-gc": "the AOF is one file (`appendfilename`), with no "
    "history to collect",
    "appenddirname": "as `aof-disable-auto-gc`: Redis 7.0's multi-part AOF "
    "directory is not used",
    "aof-rewrite-incremental-fsync": "a rewritten AOF or an RDB file is synced "
    "once, when complete",
    "rdb-save-incremental-fsync": "as `aof-rewrite-incremental-fsync`",
    "no-appendfsync-on-rewrite": "rewrites do not compete with `appendfsync` "
    "for the disk: the rewrite is written in one go",
    "*_cpulist": "one process and one reactor thread: nothing to pin",
    "io-threads": "as `*_cpulist`",
    "io-threads-do-reads": "as `*_cpulist`",
    "cluster-*": "cluster mode is off (`CLUSTER` answers as a standalone "
    "redis-server), as in Redis without `cluster-enabled`",
    "crash-log-enabled": "a failure is logged as a Python traceback",
    "crash-memcheck-enabled": "there is no memory test after a crash",
    "disable-thp": "miniredis leaves transparent huge pages as they are",
    "ignore-warnings": "miniredis makes none of the startup checks it silences",
    "jemalloc-bg-thread": "as `activedefrag`",
    "lazyfree-lazy-user-del": "values are freed by Python's reference counting, "
    "at once, in every case",
    "lazyfree-lazy-user-flush": "as `lazyfree-lazy-user-del`",
    "lazyfree-lazy-server-del": "as `lazyfree-lazy-user-del`",
    "oom-score-adj": "miniredis does not change its OOM score",
    "oom-score-adj-values": "as `oom-score-adj`",
    "proc-title-template": "the process title is Python's",
    "set-proc-title": "as `proc-title-template`",
    "propagation-error-behavior": "a write that fails in a script or EXEC is "
    "not propagated, so there is nothing to act on",
    "sanitize-dump-payload": "RESTORE and RDB loading check every payload in "
    "full, whatever the value",
    "shutdown-timeout": "a shutdown does not wait for replicas to catch up "
    "(`WAIT` does)",
    "socket-mark-id": "sockets are not marked",
    "aof-use-rdb-preamble": "a rewritten AOF holds commands; an AOF that starts "
    "with an RDB image (Redis's) loads",
    "stop-writes-on-bgsave-error": "writes go on after a failed save; INFO "
    "shows it in `rdb_last_bgsave_status`",
    "shutdown-on-sigint": "SIGINT and SIGTERM stop the server as SHUTDOWN does "
    "without options",
    "shutdown-on-sigterm": "as `shutdown-on-sigint`",
    "syslog-ident": "`syslog-enabled yes` is refused",
    "syslog-facility": "as `syslog-ident`",
    "tls-cluster": "cluster mode is off: there is no cluster bus to encrypt "
    "(`yes` still has the TLS files checked at start, as in Redis)",
    "bind-source-addr": "outgoing connections (replication, MIGRATE) leave "
    "from the address the system picks",
    "repl-diskless-load": "a replica loads the snapshot once it has all of it, "
    "whatever the value",
    "repl-diskless-sync-delay": "each replica gets a snapshot of its own at "
    "once: none waits for others to share it",
    "repl-diskless-sync-max-replicas": "as `repl-diskless-sync-delay`",
    "repl-disable-tcp-nodelay": "the replication stream is sent as it is written",
    "replica-announce-ip": "a replica is known to its master by the address "
    "and the listening port it connects with",
    "replica-announce-port": "as `replica-announce-ip`",
    "replica-announced": "Sentinel is shown every replica",
    "replica-ignore-disk-write-errors": "as `stop-writes-on-bgsave-error`",
    "replica-lazy-flush": "as `lazyfree-lazy-user-del`",
    "rdb-del-sync-files": "snapshots for replicas go through a pipe, never a file",
}
PARAMETERS.update(_NO_EFFECT_PARAMETERS)
PARAMETERS.update(_LIMITED_PARAMETERS)
# Names Redis keeps for older ones, listed by CONFIG GET too.
ALIASES = {
    "lua-time-limit": "busy-reply-threshold",
    "hash-max-ziplist-entries": "hash-max-listpack-entries",
    "hash-max-ziplist-value": "hash-max-listpack-value",
    "zset-max-ziplist-entries": "zset-max-listpack-entries",
    "zset-max-ziplist-value": "zset-max-listpack-value",
    "list-max-ziplist-size": "list-max-listpack-size",
    "cluster-slave-no-failover": "cluster-replica-no-failover",
    "cluster-slave-validity-factor": "cluster-replica-validity-factor",
    "repl-ping-slave-period": "repl-ping-replica-period",
    "min-slaves-to-write": "min-replicas-to-write",
    "min-slaves-max-lag": "min-replicas-max-lag",
    "slave-read-only": "replica-read-only",
    "slave-priority": "replica-priority",
    "slaveof": "replicaof",
    "slave-serve-stale-data": "replica-serve-stale-data",
    "slave-announce-ip": "replica-announce-ip",
    "slave-announce-port": "replica-announce-port",
    "slave-ignore-maxmemory": "replica-ignore-maxmemory",
    "slave-lazy-flush": "replica-lazy-flush",
}
for _alias, _name in ALIASES.items():
    PARAMETERS.setdefault(_alias, PARAMETERS[_name])
# What a client may change only where enable-protected-configs lets it:
# where files are written.
PROTECTED = frozenset(["dir", "dbfilename"])


def interfaces(bind):
    """
    @param bind: Redis's C{bind} value.
    @return: the interfaces to listen on, as Twisted names them (C{""}
        for C{*}, C{"::"} for C{::*}); a leading C{-} (optional address)
        is dropped.
    """
    out = []
    for address in bind.split():
        address = address.lstrip("-")
        out.append({"*": "", "::*": "::"}.get(address, address))
    return out


def _render(value):
    if isinstance(value, bool):
        return b"yes" if value else b"no"
    if isinstance(value, int):
        return b"%d" % value
    return str(value).encode("utf-8")


class Config:
    """
    The parameters of one server.

    @ivar listeners: name -> callables C{(value)} run after a CONFIG SET.
    @ivar appliers: name -> a callable run once after a CONFIG SET that
        changed that parameter and others (Redis's apply functions: one
        for several parameters sees them all set); it raises C{ValueError}
        when the new values cannot be used.
    @ivar file: the path of the configuration file read at start, or None.
    @ivar users: the C{user} declarations of that file: each a list of
        arguments (the name, then its rules).
    @ivar renames: the C{rename-command} declarations of that file or of
        the command line: C{(old name, new name)} pairs of bytes, an empty
        new name disabling the command.
    """

    def __init__(self, **overrides):
        self._values = {name: spec[0] for name, spec in PARAMETERS.items()}
        self.listeners = {}
        self.appliers = {}
        self.file = None
        self.users = []
        self.renames = []
        for name, value in overrides.items():
            self[name.replace("_", "-")] = value

    def __getitem__(self, name):
        return self._values[ALIASES.get(name, name)]

    def __setitem__(self, name, value):
        name = ALIASES.get(name, name)
        if name not in self._values:
            raise KeyError(name)
        if isinstance(value, str):
            value = value.encode("utf-8")
        if isinstance(value, bytes):
            value = PARAMETERS[name][1](value)
        self._values[name] = self._merged(name, value)

    def _merged(self, name, value):
        """A partial C{client-output-buffer-limit} keeps the other classes."""
        old = self._values[name]
        return {**old, **value} if isinstance(old, dict) else value

    def render(self, name):
        spec = PARAMETERS[name]
        value = self._values[name]
        return spec[2](value).encode() if spec[2] else _render(value)

    def get_matching(self, pattern):
        """@return: C{{name: rendered value}} for the names matching a glob."""
        match = matcher(pattern.lower())
        return {
            name.encode(): self.render(ALIASES.get(name, name))
            for name in PARAMETERS
            if match(name.encode())
        }

    def check_settable(self, name, shown=None):
        """
        @param shown: the name as the client wrote it, for error messages.
        @return: the parameter C{name} stands for (aliases resolved).
        @raise ReplyError: for an unknown or fixed parameter.
        """
        shown = name if shown is None else shown
        key = ALIASES.get(name, name)
        spec = PARAMETERS.get(key)
        if spec is None:
            raise ReplyError(
                "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
                % (shown,)
            )
        if not spec[3]:
            raise ReplyError(
                "ERR CONFIG SET failed (possibly related to argument '%s') - "
                "can't set immutable config" % (shown,)
            )
        return key

    def set(self, name, raw):
        """
        CONFIG SET one parameter from its wire form.

        @raise ReplyError: for an unknown, fixed or malformed parameter, or
            a value a listener refused (the old value then stays).
        """
        key = self.check_settable(name)
        spec = PARAMETERS[key]
        try:
            value = spec[1](raw)
        except ValueError as e:
            raise ReplyError(
                "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
                % (name, e)
            )
        old = self._values[key]
        self._values[key] = value = self._merged(key, value)
        try:
            for listener in self.listeners.get(key, ()):
                listener(value)
        except ReplyError:  # a listener refused the value
            self._values[key] = old
            raise

    def apply(self, names, strict=True):
        """
        Run the appliers of the parameters C{names}, each once.

        @param strict: stop at the first that fails; else run them all,
            whatever they say (going back to the previous values).
        @raise ReplyError: when one fails, naming its parameter.
        """
        done = []
        for name in names:
            applier = self.appliers.get(name)
            if applier is None or applier in done:
                continue
            done.append(applier)
            try:
                applier()
            except ValueError as e:
                if strict:
                    raise ReplyError(
                        "ERR CONFIG SET failed (possibly related to argument "
                        "'%s') - %s" % (name, e)
                    )
