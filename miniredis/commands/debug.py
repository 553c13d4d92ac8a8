"""
DEBUG: helpers for tests and tools, behind C{enable-debug-command} as in
Redis. Other families add subcommands with L{debug_subcommand}::

    @debug_subcommand("reload", -2)
    def debug_reload(session, argv):
        ...
"""

import os
import random
import time

from miniredis import digest
from miniredis.commands import command
from miniredis.commands.introspection import help_reply, summary
from miniredis.commands.keys import object_refcount
from miniredis.commands.parsing import parse_float, parse_int
from miniredis.encodings import encoding
from miniredis.glob import matcher
from miniredis.logging import logger
from miniredis.persistence.rdb import dump_payload
from miniredis.resp import (
    OK,
    Attribute,
    BigNumber,
    Push,
    Replies,
    ReplyError,
    SetReply,
    Status,
    Verbatim,
)

log = logger("miniredis.debug")

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


_CRASH = "it does not crash on purpose"
_C_ONLY = "it is about Redis's C structures"
# Redis's DEBUG subcommands that miniredis refuses, and why.
_NOT_HERE = {
    b"aof-flush-sleep": "its AOF is flushed by the reactor",
    b"assert": _CRASH,
    b"client-eviction": "no client is evicted",
    b"clusterlink": "cluster mode is off",
    b"config-rewrite-force-all": "CONFIG REWRITE writes what it changes",
    b"crash-and-recover": _CRASH,
    b"drop-cluster-packet-filter": "cluster mode is off",
    b"htstats": _C_ONLY,
    b"htstats-key": _C_ONLY,
    b"leak": "it does not leak memory on purpose",
    b"mallctl": "its allocator is not jemalloc",
    b"mallctl-str": "its allocator is not jemalloc",
    b"oom": _CRASH,
    b"panic": _CRASH,
    b"pause-cron": "its timers cannot be paused",
    b"quicklist": _C_ONLY,
    b"quicklist-packed-threshold": "its lists have no plain nodes",
    b"replicate": "it sends replicas its own writes only",
    b"replybuffer": "its reply buffers are not resized",
    b"restart": "it does not restart itself",
    b"sdslen": _C_ONLY,
    b"segfault": _CRASH,
    b"set-skip-checksum-validation": "it always checks checksums",
    b"structsize": _C_ONLY,
}

_DEBUG_REFUSED = (
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", '
    "you can run it from a local connection, otherwise you need to set this option "
    "in the configuration file, and then restart the server."
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
    """Reach the debugging helpers (sleep, reload, ...), when enabled."""
    if not session.allowed(session.server.config["enable-debug-command"]):
        raise ReplyError(_DEBUG_REFUSED)
    name = argv[1].lower()
    if name in _NOT_HERE:
        raise ReplyError(
            "ERR miniredis does not have DEBUG %s (%s)"
            % (name.decode().upper(), _NOT_HERE[name])
        )
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


def _existing(session, key):
    value = session.db.peek(key, quiet=True)
    if value is None:
        raise ReplyError("ERR no such key")
    return value


@debug_subcommand("object", 3)
def debug_object(session, argv):
    """Tell how the value of a key is kept: encoding, serialized size, idle time."""
    db, key = session.db, argv[2]
    value = _existing(session, key)
    kind = encoding(db, key, value, session.server.config)
    lru = db.access.get(key, db.store.lru_clock)
    line = (
        "Value at:0x%x refcount:%d encoding:%s serializedlength:%d "
        "lru:%d lru_seconds_idle:%d"
        % (
            id(value),
            object_refcount(session, [b"object", b"refcount", key]),
            kind,
            len(dump_payload(value)) - 11,  # no type byte, version nor checksum
            lru & 0xFFFFFF,
            max(0, db.store.lru_clock - lru),
        )
    )
    if kind == "quicklist":
        line += _quicklist_details(value, session.server.config)
    return Status(line.encode())


def _quicklist_details(items, config):
    """@return: the quicklist part of DEBUG OBJECT, for nodes as Redis fills them."""
    size = config["list-max-listpack-size"]
    nodes, in_node, node_bytes, total = 1, 0, 0, 0
    for item in items:
        cost = len(item) + 2  # a listpack entry's header and back length, about
        full = in_node >= size if size > 0 else node_bytes + cost > 4096 << (-size - 1)
        if full and in_node:
            nodes, in_node, node_bytes = nodes + 1, 0, 0
        in_node, node_bytes, total = in_node + 1, node_bytes + cost, total + cost
    return " ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:0 " % (
        nodes,
        len(items) / float(nodes),
        size,
    ) + "ql_uncompressed_size:%d" % (total,)


@debug_subcommand("listpack", 3)
def debug_listpack(session, argv):
    """Write the entries of a listpack-encoded value to the log."""
    db, key = session.db, argv[2]
    value = _existing(session, key)
    if encoding(db, key, value, session.server.config) != "listpack":
        raise ReplyError("ERR Not a listpack encoded object.")
    items = value.items() if hasattr(value, "items") else value
    log.info("Listpack of {key}: {items!r}", key=key, items=list(items))
    return Status(b"Listpack structure printed on stdout")


@debug_subcommand("digest", 2)
def debug_digest(session, argv):
    """Sign the whole dataset with a hex digest (zeros when empty)."""
    return Status(digest.dataset(session.server.store).encode())


@debug_subcommand("digest-value", -2)
def debug_digest_value(session, argv):
    """Sign the value of each key given with a hex digest."""
    db = session.db
    out = []
    for key in argv[2:]:
        value = db.data.get(key)  # logically expired keys too, as Redis
        signed = bytes(20) if value is None else digest.value(db, key, value)
        out.append(Status(signed.hex().encode()))
    return out


def _positive(raw):
    value = parse_int(raw, "ERR value is out of range, must be positive")
    if value < 0:
        raise ReplyError("ERR value is out of range, must be positive")
    return value


@debug_subcommand("populate", -3)
def debug_populate(session, argv):
    """Create COUNT string keys KEY:N (prefix and value size may be given)."""
    if len(argv) > 5:
        raise ReplyError(
            "ERR unknown subcommand or wrong number of arguments for '%s'. "
            "Try DEBUG HELP." % (argv[1].decode("utf-8", "replace"),)
        )
    count = _positive(argv[2])
    prefix = argv[3] if len(argv) > 3 else b"key"
    size = _positive(argv[4]) if len(argv) > 4 else 0
    db = session.db
    for n in range(count):
        key = b"%s:%d" % (prefix, n)
        if db.lookup(key) is not None:
            continue
        value = b"value:%d" % n
        if size:
            value = value[:size].ljust(size, b"\0")
        db.set(key, value)
    return OK


@debug_subcommand("change-repl-id", 2)
def debug_change_repl_id(session, argv):
    """Give the replication history a new id and forget the previous one."""
    session.server.replication.change_id()
    return OK


@debug_subcommand("log", 3)
def debug_log(session, argv):
    """Write a message to the server's log."""
    log.warn("DEBUG LOG: {message}", message=argv[2].decode("utf-8", "replace"))
    return OK


@debug_subcommand("error", 3)
def debug_error(session, argv):
    """Reply with the given text as an error."""
    raise ReplyError(argv[2])


def _random_text(rng):
    return bytes(rng.choice(b"*?[]^-\\ab") for _ in range(rng.randrange(32)))


@debug_subcommand("stringmatch-test", 2)
def debug_stringmatch_test(session, argv):
    """Match random patterns against random strings, to find a crash."""
    rng = random.Random(os.urandom(8))
    for _ in range(2000):
        matcher(_random_text(rng))(_random_text(rng))
    return Status(b"Apparently Redis did not crash: test passed")


_PROTOCOL_TYPES = (
    "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
)


@debug_subcommand("protocol", 3)
def debug_protocol(session, argv):
    """Reply with a sample of one RESP type, to test clients."""
    name = argv[2].lower()
    if name == b"string":
        return b"Hello World"
    if name == b"integer":
        return 12345
    if name == b"double":
        return 3.141
    if name == b"bignum":
        return BigNumber(1234567999999999999999999999999999999)
    if name == b"null":
        return None
    if name == b"array":
        return [0, 1, 2]
    if name == b"set":
        return SetReply([0, 1, 2])
    if name == b"map":
        return {0: False, 1: True, 2: False}
    if name == b"attrib":
        return Replies(
            [
                Attribute({b"key-popularity": [b"key:123", 90]}),
                b"Some real reply following the attribute",
            ]
        )
    if name == b"push":
        if session.proto < 3:
            raise ReplyError("ERR RESP2 is not supported by this command")
        return Replies(
            [
                Push([b"server-cpu-usage", 42]),
                b"Some real reply following the push reply",
            ]
        )
    if name == b"verbatim":
        return Verbatim(b"This is a verbatim\nstring")
    if name in (b"true", b"false"):
        return name == b"true"
    raise ReplyError(
        "ERR Wrong protocol type name. Please use one of the following: "
        + _PROTOCOL_TYPES
    )


@debug_subcommand("help", 2)
def debug_help(session, argv):
    """Prints this help."""
    lines = ["DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"]
    for name in sorted(_DEBUG):
        func = _DEBUG[name][0]
        lines.append(name.decode().upper())
        lines.append("    " + summary(func, ""))
    return help_reply(lines)
