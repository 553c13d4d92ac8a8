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


def _text(raw):
    return raw.decode("utf-8")


def _choice(*choices):
    def parse(raw):
        value = raw.decode("utf-8").lower()
        if value not in choices:
            raise ValueError(
                "argument(s) must be one of the following: " + ", ".join(choices)
            )
        return value

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
    "maxclients": (10000, _int, None, True),
    "timeout": (0, _int, None, True),
    "tcp-keepalive": (300, _int, None, True),
    "protected-mode": (True, _yes_no, None, True),
    "proto-max-bulk-len": (512 * 1024 * 1024, _int, None, True),
    "client-query-buffer-limit": (1024 * 1024 * 1024, _int, None, True),
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
    "hz": (10, _int, None, True),
    "enable-debug-command": ("no", _choice("no", "yes", "local"), None, False),
    "enable-protected-configs": ("no", _choice("no", "yes", "local"), None, False),
    "loglevel": (
        "notice",
        _choice("debug", "verbose", "notice", "warning"),
        None,
        True,
    ),
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
    "hll-sparse-max-bytes": (3000, _memory, None, True),
}
ALIASES = {"lua-time-limit": "busy-reply-threshold"}
# What a client may change only where enable-protected-configs lets it:
# where files are written.
PROTECTED = frozenset(["dir", "dbfilename"])


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
    @ivar file: the path of the configuration file read at start, or None.
    """

    def __init__(self, **overrides):
        self._values = {name: spec[0] for name, spec in PARAMETERS.items()}
        self.listeners = {}
        self.file = None
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
        self._values[name] = value

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

        @raise ReplyError: for an unknown, fixed or malformed parameter.
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
        self._values[key] = value
        for listener in self.listeners.get(key, ()):
            listener(value)
