"""
OBJECT ENCODING: how Redis 7.0 would hold a value, told from its content,
the thresholds (C{hash-max-listpack-*}, C{set-max-intset-entries},
C{zset-max-listpack-*}) and the conversions writes made so far.

As in Redis, a conversion goes one way: a hash that grew into a hashtable
stays one when it shrinks, and changing a threshold changes nothing until
the next write to the value. A value made afresh (RESTORE, a loaded RDB
file, a STORE destination) is told from its content alone. Usage::

    conversions = Conversions(config, store)   # the factory makes it
    encoding(db, key, value, config)           # "listpack", "hashtable", ...
"""

from miniredis.quicklist import QuickList
from miniredis.store import Typed, type_name
from miniredis.zset import ZSet

THRESHOLDS = (
    "hash-max-listpack-entries",
    "hash-max-listpack-value",
    "set-max-intset-entries",
    "zset-max-listpack-entries",
    "zset-max-listpack-value",
)
# The encoding each kind of container ends in, once converted.
_CONVERTED = {dict: "hashtable", set: "hashtable", ZSet: "skiplist"}


def _is_integer(text):
    """Whether Redis reads C{text} as a 64-bit integer (no sign of +, no 0 lead)."""
    if not 0 < len(text) <= 20:
        return False
    digits = text[1:] if text[:1] == b"-" else text
    if not digits.isdigit() or (digits[:1] == b"0" and len(text) > 1):
        return False
    return -(1 << 63) <= int(text) < (1 << 63)


def string_encoding(text):
    """@return: C{int}, C{embstr} or C{raw}: what Redis makes of C{text}."""
    if _is_integer(text):
        return "int"
    return "embstr" if len(text) <= 44 else "raw"


def _all_short(items, limit):
    return max(map(len, items), default=0) <= limit


def _all_integers(members):
    """
    Whether every member of the set C{members} is an integer: checked at
    each write to a small set, so at C speed where the members are plain
    digits.
    """
    if not all(map(bytes.isdigit, members)):
        return all(map(_is_integer, members))  # negative, or not integers
    if (b" " + b" ".join(members)).count(b" 0") > (b"0" in members):
        return False  # a leading zero
    return max(map(len, members), default=0) < 19 or all(map(_is_integer, members))


def container_encoding(value, limits):
    """
    @param limits: the thresholds, by name (the configuration).
    @return: the encoding of the hash, set or sorted set C{value} made
        from its content alone.
    """
    kind = type(value)
    if kind is dict:
        limit = limits["hash-max-listpack-value"]
        if (
            len(value) <= limits["hash-max-listpack-entries"]
            and _all_short(value, limit)
            and _all_short(value.values(), limit)
        ):
            return "listpack"
        return "hashtable"
    if kind is set:
        if len(value) <= limits["set-max-intset-entries"] and _all_integers(value):
            return "intset"
        return "hashtable"
    limit = limits["zset-max-listpack-value"]
    if len(value) <= limits["zset-max-listpack-entries"] and _all_short(
        value.scores, limit
    ):
        return "listpack"
    return "skiplist"


def encoding(db, key, value, config):
    """@return: the OBJECT ENCODING of C{value}, stored at C{key} in C{db}."""
    override = db.encodings.get(key)
    if override is not None:
        return override
    kind = type(value)
    if kind is bytes:
        return string_encoding(value)
    if kind is Typed:
        inner = value.value
        return string_encoding(b"%d" % inner) if type(inner) is int else "raw"
    if kind is QuickList:
        return "quicklist"  # Redis 7.0 has no other list encoding
    if kind in _CONVERTED:
        return container_encoding(value, config)
    return type_name(value)


def _removal(value, size):
    """
    Whether a write that left C{value} with C{size} members before it
    was a removal: Redis checks a hash at every write that sets a field, a
    set or sorted set only when a member is added.
    """
    if type(value) is dict:
        return len(value) < size
    return len(value) <= size


class _Kept(str):
    """
    An encoding kept through a change of the thresholds.

    @ivar size: how many members the value had since, at the least: only
        a write that adds to it may convert it.
    """


class Conversions:
    """
    The conversions of hashes, sets and sorted sets, recorded in each
    database's C{encodings} as writes make them.

    @ivar limits: the thresholds in force, by name.
    """

    def __init__(self, config, store):
        self.store = store
        self.limits = {name: config[name] for name in THRESHOLDS}
        for name in THRESHOLDS:
            config.listeners.setdefault(name, []).append(self._changer(name))
        store.written = self.written

    def written(self, db, key):
        """A write changed C{key} in C{db}: convert its value if it outgrew its encoding."""
        value = db.data.get(key)
        converted = _CONVERTED.get(type(value))
        if converted is None:
            return
        kept = db.encodings.get(key)
        if kept == converted:
            return
        removal = kept is not None and _removal(value, kept.size)
        if not removal and container_encoding(value, self.limits) == converted:
            db.encodings[key] = converted
        elif kept is not None:
            kept.size = len(value)

    def _changer(self, name):
        def changed(value):
            """Every container keeps its encoding until a write to it."""
            for db in self.store.databases:
                for key, item in db.data.items():
                    if type(item) in _CONVERTED and key not in db.encodings:
                        kept = _Kept(container_encoding(item, self.limits))
                        kept.size = len(item)
                        db.encodings[key] = kept
            self.limits[name] = value

        return changed
