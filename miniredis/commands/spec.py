"""
What a command is, as data: the spec every command declares when it
registers, in the spirit of Redis 7's C{src/commands/*.json}.

From a spec alone come COMMAND INFO and DOCS, the ACL categories, arity
errors, the keys of a command line (for WATCH, the AOF, GETKEYS) and
C{movablekeys}. A spec that names an unknown flag, category, argument type
or key-spec flag is refused when the command registers.

Usage (what C{@command} takes)::

    keys=[KeySpec("RW access update", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("value"),
          OneOf("condition", Token("NX"), Token("XX"), flags="optional")]
"""

# Command flags in the order COMMAND INFO lists them; the last three are
# kept out of its replies, as Redis keeps them.
FLAGS = (
    "write",
    "readonly",
    "denyoom",
    "module",
    "admin",
    "pubsub",
    "noscript",
    "blocking",
    "loading",
    "stale",
    "skip_monitor",
    "skip_slowlog",
    "asking",
    "fast",
    "no_auth",
    "no_mandatory_keys",
    "no_async_loading",
    "no_multi",
    "movablekeys",
    "allow_busy",
    "may_replicate",
    "protected",
    "sentinel",
)
HIDDEN_FLAGS = frozenset(["may_replicate", "protected", "sentinel"])
SHOWN_FLAGS = tuple(f for f in FLAGS if f not in HIDDEN_FLAGS)

# ACL categories in Redis's order.
CATEGORIES = (
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
)

GROUPS = frozenset(
    [
        "generic",
        "string",
        "list",
        "set",
        "sorted-set",
        "hash",
        "pubsub",
        "transactions",
        "connection",
        "server",
        "scripting",
        "hyperloglog",
        "cluster",
        "sentinel",
        "geo",
        "stream",
        "bitmap",
    ]
)

KEY_FLAGS = frozenset(
    [
        "RW",
        "RO",
        "OW",
        "RM",
        "access",
        "update",
        "insert",
        "delete",
        "not_key",
        "incomplete",
        "variable_flags",
    ]
)

ARG_TYPES = frozenset(
    [
        "string",
        "integer",
        "double",
        "key",
        "pattern",
        "unix-time",
        "pure-token",
        "oneof",
        "block",
    ]
)
ARG_FLAGS = frozenset(["optional", "multiple", "multiple_token"])
DOC_FLAGS = frozenset(["deprecated", "syscmd"])
TIPS_PREFIXES = (
    "nondeterministic_output",
    "nondeterministic_output_order",
    "request_policy:",
    "response_policy:",
)


class SpecError(Exception):
    """A command's spec is malformed."""


def check_words(text, known, what):
    """@return: the words of C{text}, each one of C{known}."""
    words = tuple(text.split())
    for word in words:
        if word not in known:
            raise SpecError("unknown %s %r" % (what, word))
    return words


# --------------------------------------------------------------- key specs


class Index:
    """Begin search: the key range starts at argument C{pos}."""

    def __init__(self, pos):
        self.pos = pos

    def reply(self):
        return {b"type": b"index", b"spec": {b"index": self.pos}}


class Keyword:
    """
    Begin search: the keys start after C{keyword}, looked for from argument
    C{startfrom} onwards (backwards from the end when negative).
    """

    def __init__(self, keyword, startfrom):
        self.keyword = keyword
        self.lowered = keyword.lower().encode()
        self.startfrom = startfrom

    def reply(self):
        spec = {b"keyword": self.keyword.encode(), b"startfrom": self.startfrom}
        return {b"type": b"keyword", b"spec": spec}


class Range:
    """
    Find keys: from the beginning to C{lastkey} (relative to it; negative
    counts from the end), every C{step}; with C{lastkey} -1, C{limit} > 0
    keeps the first 1/C{limit} of what remains.
    """

    def __init__(self, lastkey=0, step=1, limit=0):
        self.lastkey = lastkey
        self.step = step
        self.limit = limit

    def reply(self):
        spec = {b"lastkey": self.lastkey, b"keystep": self.step, b"limit": self.limit}
        return {b"type": b"range", b"spec": spec}


class Keynum:
    """
    Find keys: the argument C{keynumidx} after the beginning says how many
    keys there are; the first is C{firstkey} after the beginning.
    """

    def __init__(self, keynumidx, firstkey, step):
        self.keynumidx = keynumidx
        self.firstkey = firstkey
        self.step = step

    def reply(self):
        spec = {
            b"keynumidx": self.keynumidx,
            b"firstkey": self.firstkey,
            b"keystep": self.step,
        }
        return {b"type": b"keynum", b"spec": spec}


_UNKNOWN = {b"type": b"unknown", b"spec": {}}


class KeySpec:
    """
    Where some of a command's keys are, and what it does to them.

    @ivar flags: Redis's key-spec flags (C{RW access update}, ...).
    @ivar begin: an L{Index} or a L{Keyword}; None where the keys cannot be
        found from the arguments alone (SORT's BY patterns).
    @ivar find: a L{Range} or a L{Keynum} (None with C{begin} None).
    """

    def __init__(self, flags, begin=None, find=None):
        self.flags = check_words(flags, KEY_FLAGS, "key-spec flag")
        self.begin = begin
        self.find = find
        if (begin is None) != (find is None):
            raise SpecError("a key spec has both a beginning and a find, or neither")

    def reply(self):
        return {
            b"flags": self.flags,
            b"begin_search": _UNKNOWN if self.begin is None else self.begin.reply(),
            b"find_keys": _UNKNOWN if self.find is None else self.find.reply(),
        }

    def positions(self, argv):
        """
        @return: the positions of this spec's keys in C{argv} (an empty
            list where its keyword is absent), or None where C{argv}
            does not fit it.
        """
        begin = self.begin
        argc = len(argv)
        if begin is None:
            return None
        if type(begin) is Index:
            first = begin.pos
        else:
            first = 0
            start = begin.startfrom
            if start > 0:
                candidates = range(start, argc)
            else:
                candidates = range(argc + start, 0, -1)
            for i in candidates:
                if 1 <= i < argc and argv[i].lower() == begin.lowered:
                    first = i + 1
                    break
            if not first:
                return []
        find = self.find
        if type(find) is Range:
            step = find.step
            if find.lastkey >= 0:
                last = first + find.lastkey
            elif not find.limit:
                last = argc + find.lastkey
            else:
                last = first + (argc - first) // find.limit + find.lastkey
        else:
            step = find.step
            at = first + find.keynumidx
            if at >= argc:
                return None
            try:
                count = int(argv[at])
            except ValueError:
                return None
            if count < 0 or not argv[at].strip().lstrip(b"-").isdigit():
                return None
            first += find.firstkey
            last = first + count - 1
        if last >= argc or last < first or first >= argc:
            return None
        return list(range(first, last + 1, step))


# --------------------------------------------------------------- arguments


class Arg:
    """
    One argument of a command, as COMMAND DOCS describes it.

    @ivar args: the arguments inside a C{oneof} or a C{block}.
    """

    def __init__(
        self,
        name,
        type="string",
        *args,
        token=None,
        flags="",
        since=None,
        key_spec=None,
        deprecated_since=None,
    ):
        if type not in ARG_TYPES:
            raise SpecError("unknown argument type %r" % (type,))
        if bool(args) != (type in ("oneof", "block")):
            raise SpecError("only oneof and block arguments hold arguments")
        if type == "key" and key_spec is None:
            raise SpecError("a key argument names its key spec")
        self.name = name
        self.type = type
        self.args = args
        self.token = token
        self.flags = check_words(flags, ARG_FLAGS, "argument flag")
        self.since = since
        self.key_spec = key_spec
        self.deprecated_since = deprecated_since

    def reply(self):
        out = {b"name": self.name.encode(), b"type": self.type.encode()}
        if self.key_spec is not None:
            out[b"key_spec_index"] = self.key_spec
        if self.token is not None:
            out[b"token"] = self.token.encode()
        if self.since is not None:
            out[b"since"] = self.since.encode()
        if self.deprecated_since is not None:
            out[b"deprecated_since"] = self.deprecated_since.encode()
        if self.flags:
            out[b"flags"] = [flag.encode() for flag in self.flags]
        if self.args:
            out[b"arguments"] = [arg.reply() for arg in self.args]
        return out


def walk(args):
    """@return: every argument of C{args}, those inside others too."""
    for arg in args:
        yield arg
        yield from walk(arg.args)


def Token(token, **kwargs):
    """A pure token named as it is spelled, lower-cased (C{NX})."""
    return Arg(token.lower(), "pure-token", token=token, **kwargs)


def OneOf(name, *args, **kwargs):
    """One of C{args}."""
    return Arg(name, "oneof", *args, **kwargs)


def Block(name, *args, **kwargs):
    """C{args} in a row."""
    return Arg(name, "block", *args, **kwargs)


# ------------------------------------------------------------ the command


def check_tips(tips):
    words = tuple(tips.split())
    for tip in words:
        if not tip.startswith(TIPS_PREFIXES):
            raise SpecError("unknown command tip %r" % (tip,))
    return words


def implicit_categories(flags, explicit):
    """
    @return: the categories a command has by its flags, as Redis gives
        them (C{write} -> C{@write}, not C{fast} -> C{@slow}, ...).
    """
    found = set()
    if "write" in flags:
        found.add("write")
    if "readonly" in flags and "scripting" not in explicit:
        found.add("read")
    if "admin" in flags:
        found.update(("admin", "dangerous"))
    if "pubsub" in flags:
        found.add("pubsub")
    if "fast" in flags:
        found.add("fast")
    if "blocking" in flags:
        found.add("blocking")
    if "fast" not in found and "fast" not in explicit:
        found.add("slow")
    return found


def legacy_range(key_specs):
    """
    The C{(first, last, step)} of COMMAND INFO and whether the keys move,
    derived from the key specs as Redis does.

    @return: C{(first, last, step, movable)}.
    """
    if not key_specs:
        return 0, 0, 0, False
    movable = False
    first, last, previous = None, 0, 0
    for spec in key_specs:
        if type(spec.begin) is not Index or type(spec.find) is not Range:
            movable = True
            continue
        pos, rng = spec.begin.pos, spec.find
        if len(key_specs) > 1 and (rng.step != 1 or (previous and previous != pos - 1)):
            movable = True
            continue
        if "incomplete" in spec.flags:
            movable = True
        end = rng.lastkey + pos if rng.lastkey >= 0 else rng.lastkey
        first = pos if first is None else min(first, pos)
        # Redis compares as unsigned: a negative last key wins.
        if last >= 0 and (end < 0 or end > last):
            last = end
        elif last < 0 and end < 0:
            last = max(last, end)
        previous = last
        if len(key_specs) == 1:
            return pos, end, rng.step, movable
    if first is None:
        return 0, 0, 0, movable
    return first, last, 1, movable
