"""
The rules of ACL users: a L{User}'s passwords and flags, and the
L{Selector}s that say which commands, keys and channels it may touch, as
Redis 7.0 parses (C{ACL SETUSER}) and describes (C{ACL LIST}) them.
"""

import hashlib
import hmac

from miniredis.commands import COMMANDS
from miniredis.commands.spec import CATEGORIES
from miniredis.conffile import split_line
from miniredis.glob import matcher
from miniredis.resp import ReplyError

READ, WRITE = 1, 2
BOTH = READ | WRITE

# Why a command was refused, in the order Redis ranks them for ACL LOG.
DENIED_CMD, DENIED_KEY, DENIED_AUTH, DENIED_CHANNEL = 1, 2, 3, 4
REASONS = {
    DENIED_CMD: "command",
    DENIED_KEY: "key",
    DENIED_AUTH: "auth",
    DENIED_CHANNEL: "channel",
}

UNKNOWN = "Unknown command or category name in ACL"
SYNTAX = "Syntax error"
AFTER_ALLKEYS = (
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid "
    "and does not have any effect. Try 'resetkeys' to start with an empty list "
    "of patterns"
)
AFTER_ALLCHANNELS = (
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not "
    "valid and does not have any effect. Try 'resetchannels' to start with an "
    "empty list of channels"
)
NO_SUCH_PASSWORD = "The password you are trying to remove from the user does not exist"
BAD_HASH = (
    "The password hash must be exactly 64 characters and contain only lowercase "
    "hexadecimal characters"
)
SUBCOMMAND_FIRSTARG = "Allowing first-arg of a subcommand is not supported"

_HEX = frozenset(b"0123456789abcdef")


class RuleError(Exception):
    """An ACL rule that cannot be applied; the argument says why."""


def hash_password(password):
    """@return: the SHA-256 hex digest of C{password}, as Redis keeps it."""
    return hashlib.sha256(password).hexdigest().encode()


def every_command():
    """@return: every table entry, subcommands after their container."""
    found = []
    for cmd in COMMANDS.values():
        found.append(cmd)
        if cmd.subcommands:
            found.extend(cmd.subcommands.values())
    return found


def _find_command(name):
    """@return: the L{Command} for C{get} or C{config|get}, or None."""
    parent, _, sub = name.lower().partition(b"|")
    cmd = COMMANDS.get(parent)
    if cmd is None or not sub:
        return cmd
    return (cmd.subcommands or {}).get(sub)


def _with_subcommands(cmd):
    return [cmd] + list(cmd.subcommands.values()) if cmd.subcommands else [cmd]


def channel_allowed(channels, channel, is_pattern):
    """
    Whether a channel list allows C{channel}: a channel must match one of
    its patterns, a subscription pattern must be one of them.
    """
    for allowed in channels:
        if is_pattern:
            if allowed == channel:
                return True
        elif matcher(allowed)(channel):
            return True
    return False


class Selector:
    """
    One set of permissions of a user.

    @ivar allowed: the L{Command}s it lets run.
    @ivar firstargs: command -> first arguments it allows where the command
        itself is not allowed (C{+select|0}).
    @ivar future: C{+@all} was the last word on commands: commands that do
        not exist yet would be allowed too (how ACL LIST describes it).
    @ivar allcommands: every command is allowed.
    @ivar allkeys, allchannels: every key, every channel is allowed.
    @ivar patterns: C{[pattern, READ|WRITE]} key patterns, in order.
    @ivar channels: channel patterns, in order.
    """

    def __init__(self, allchannels=False):
        self.allowed = set()
        self.firstargs = {}
        self.future = False
        self.allcommands = False
        self.allkeys = False
        self.patterns = []
        self.allchannels = allchannels
        self.channels = []

    def copy(self):
        other = Selector()
        other.allowed = set(self.allowed)
        other.firstargs = {c: list(a) for c, a in self.firstargs.items()}
        other.future = self.future
        other.allcommands = self.allcommands
        other.allkeys = self.allkeys
        other.patterns = [list(p) for p in self.patterns]
        other.allchannels = self.allchannels
        other.channels = list(self.channels)
        return other

    # -- rules

    def _permit(self, cmd, allow):
        for each in _with_subcommands(cmd):
            if allow:
                self.allowed.add(each)
            else:
                self.allowed.discard(each)
                self.allcommands = False
        self.firstargs.pop(cmd, None)

    def _category(self, name, allow):
        if name not in CATEGORIES:
            raise RuleError(UNKNOWN)
        for cmd in every_command():
            if name in cmd.categories:
                self._permit(cmd, allow)

    def apply(self, rule):
        """
        Apply one rule (C{+get}, C{~key:*}, C{&news}, ...).

        @raise RuleError: for a rule that does not apply.
        """
        word = rule.lower()
        if word in (b"allkeys", b"~*"):
            self.allkeys = True
            self.patterns = []
        elif word == b"resetkeys":
            self.allkeys = False
            self.patterns = []
        elif word in (b"allchannels", b"&*"):
            self.allchannels = True
            self.channels = []
        elif word == b"resetchannels":
            self.allchannels = False
            self.channels = []
        elif word in (b"allcommands", b"+@all"):
            self.allowed = set(every_command())
            self.allcommands = self.future = True
            self.firstargs = {}
        elif word in (b"nocommands", b"-@all"):
            self.allowed = set()
            self.allcommands = self.future = False
            self.firstargs = {}
        elif rule[:1] in (b"~", b"%"):
            self._key_pattern(rule)
        elif rule[:1] == b"&":
            if self.allchannels:
                raise RuleError(AFTER_ALLCHANNELS)
            if rule[1:] not in self.channels:
                self.channels.append(rule[1:])
        elif rule[:2] in (b"+@", b"-@"):
            self._category(word[2:].decode("latin-1"), rule[:1] == b"+")
        elif rule[:1] == b"+":
            self._allow(rule[1:])
        elif rule[:1] == b"-":
            cmd = _find_command(rule[1:])
            if cmd is None:
                raise RuleError(UNKNOWN)
            self._permit(cmd, False)
        else:
            raise RuleError(SYNTAX)

    def _allow(self, name):
        if b"|" not in name:
            cmd = _find_command(name)
            if cmd is None:
                raise RuleError(UNKNOWN)
            self._permit(cmd, True)
            return
        parent, _, first = name.rpartition(b"|")
        cmd = _find_command(parent)
        if cmd is None:
            raise RuleError(UNKNOWN)
        if "|" in cmd.name:
            raise RuleError(SUBCOMMAND_FIRSTARG)
        if not first:
            raise RuleError(SYNTAX)
        if cmd.subcommands:
            sub = cmd.subcommands.get(first.lower())
            if sub is None:
                raise RuleError(UNKNOWN)
            self._permit(sub, True)
        else:
            known = self.firstargs.setdefault(cmd, [])
            if first not in known:
                known.append(first)

    def _key_pattern(self, rule):
        if self.allkeys:
            raise RuleError(AFTER_ALLKEYS)
        flags, offset = BOTH, 1
        if rule[:1] == b"%":
            flags = 0
            while offset < len(rule):
                c = rule[offset : offset + 1].upper()
                if c == b"R" and not flags & READ:
                    flags |= READ
                elif c == b"W" and not flags & WRITE:
                    flags |= WRITE
                elif c == b"~":
                    offset += 1
                    break
                else:
                    raise RuleError(SYNTAX)
                offset += 1
            if not flags:
                raise RuleError(SYNTAX)
        pattern = rule[offset:]
        if pattern == b"*" and flags == BOTH:
            self.allkeys = True
            self.patterns = []
            return
        for known in self.patterns:
            if known[0] == pattern:
                known[1] |= flags
                return
        self.patterns.append([pattern, flags])

    # -- checks

    def check(self, cmd, argv, keys):
        """
        @param keys: C{[(position, key-spec flags)]} of C{argv}.
        @return: C{(reason, position)} of a refusal, or None.
        """
        if (
            not self.allcommands
            and cmd not in self.allowed
            and "no_auth" not in cmd.flags
        ):
            first = self.firstargs.get(cmd)
            if not first or len(argv) < 2:
                return DENIED_CMD, 0
            wanted = argv[1].lower()
            if not any(a.lower() == wanted for a in first):
                return DENIED_CMD, 0
        if not self.allkeys:
            for position, flags in keys:
                if not self.key_allowed(argv[position], flags):
                    return DENIED_KEY, position
        if not self.allchannels:
            for position, is_pattern in channels_of(cmd, argv):
                if not channel_allowed(self.channels, argv[position], is_pattern):
                    return DENIED_CHANNEL, position
        return None

    def key_allowed(self, key, flags):
        """Whether the key may be used as key-spec C{flags} say."""
        need = 0
        if "access" in flags:
            need |= READ
        if "insert" in flags or "delete" in flags or "update" in flags:
            need |= WRITE
        for pattern, allowed in self.patterns:
            if allowed & need == need and matcher(pattern)(key):
                return True
        return False

    # -- descriptions

    def describe_commands(self):
        """@return: the command rules, as ACL LIST and GETUSER give them."""
        if self.future:
            rules = [b"+@all"]
            fake = Selector()
            fake.apply(b"+@all")
        else:
            rules = [b"-@all"]
            fake = Selector()
        # Greedily, the category with the fewest differences (then the most
        # in common) with what is left to describe, as Redis picks them.
        additive = not self.future
        commands = every_command()
        members = {c: [m for m in commands if c in m.categories] for c in CATEGORIES}
        left = Selector()
        left.allowed = set(self.allowed)
        while True:
            best, fewest, most = None, None, 0
            for category in CATEGORIES:
                on = sum(1 for c in members[category] if c in left.allowed)
                off = len(members[category]) - on
                diff, same = (off, on) if additive else (on, off)
                if same > diff and (
                    fewest is None or diff < fewest or (diff == fewest and same > most)
                ):
                    best, fewest, most = category, diff, same
            if best is None:
                break
            rule = ("%s@%s" % ("+" if additive else "-", best)).encode()
            fake.apply(rule)
            left._category(best, not additive)
            rules.append(rule)
        for cmd in commands:
            mine = cmd in self.allowed
            if mine != (cmd in fake.allowed):
                rules.append(b"%s%s" % (b"+" if mine else b"-", cmd.name.encode()))
                fake._permit(cmd, mine)
            if not mine:
                for first in self.firstargs.get(cmd, ()):
                    rules.append(b"+%s|%s" % (cmd.name.encode(), first))
        return b" ".join(rules)

    def describe_keys(self):
        if self.allkeys:
            return b"~*"
        return b" ".join(
            b"%s~%s" % ({READ: b"%R", WRITE: b"%W", BOTH: b""}[f], p)
            for p, f in self.patterns
        )

    def describe_channels(self):
        if self.allchannels:
            return b"&*"
        return b" ".join(b"&" + c for c in self.channels)

    def describe(self):
        """@return: the selector as rules (ACL LIST's form)."""
        parts = []
        keys = self.describe_keys()
        if keys:
            parts.append(keys)
        if self.allchannels:
            parts.append(b"&*")
        else:
            parts.append(b"resetchannels")
            parts.extend(b"&" + c for c in self.channels)
        parts.append(self.describe_commands())
        return b" ".join(parts)

    def details(self):
        """@return: GETUSER's map for this selector."""
        return {
            b"commands": self.describe_commands(),
            b"keys": self.describe_keys(),
            b"channels": self.describe_channels(),
        }


_CHANNEL_ARGS = {
    "publish": (slice(1, 2), False),
    "spublish": (slice(1, 2), False),
    "subscribe": (slice(1, None), False),
    "ssubscribe": (slice(1, None), False),
    "psubscribe": (slice(1, None), True),
}


def channels_of(cmd, argv):
    """@return: C{[(position, is_pattern)]} of the channels C{cmd} publishes
    or subscribes to."""
    found = _CHANNEL_ARGS.get(cmd.name)
    if found is None:
        return ()
    where, is_pattern = found
    return [(i, is_pattern) for i in range(len(argv))[where]]


class User:
    """
    One ACL user.

    @ivar name: the user name (bytes).
    @ivar enabled: whether one may authenticate as this user.
    @ivar nopass: any password authenticates.
    @ivar sanitize: None, or whether RESTORE payloads are checked deeply
        (C{sanitize-payload}, shown only when set).
    @ivar passwords: the SHA-256 hex digests of its passwords.
    @ivar selectors: the root L{Selector} first, then the others.
    @ivar unrestricted: the root selector allows every command, key and
        channel: nothing to check when this user runs a command.
    """

    def __init__(self, name, allchannels=False):
        self.name = name
        self.enabled = False
        self.nopass = False
        self.sanitize = None
        self.passwords = []
        self.selectors = [Selector(allchannels)]
        self.unrestricted = False

    def copy(self):
        other = User(self.name)
        other.enabled = self.enabled
        other.nopass = self.nopass
        other.sanitize = self.sanitize
        other.passwords = list(self.passwords)
        other.selectors = [s.copy() for s in self.selectors]
        other.refresh()
        return other

    def refresh(self):
        """Work out L{unrestricted} again, after a change."""
        root = self.selectors[0]
        self.unrestricted = root.allcommands and root.allkeys and root.allchannels

    @property
    def root(self):
        return self.selectors[0]

    def apply(self, rule, allchannels):
        """
        Apply one user rule, or a selector rule to the root selector.

        @param allchannels: C{acl-pubsub-default} is C{allchannels}.
        @raise RuleError: for a rule that does not apply.
        """
        word = rule.lower()
        if not rule:
            pass  # an empty rule changes nothing
        elif word == b"on":
            self.enabled = True
        elif word == b"off":
            self.enabled = False
        elif word == b"skip-sanitize-payload":
            self.sanitize = False
        elif word == b"sanitize-payload":
            self.sanitize = True
        elif word == b"nopass":
            self.nopass = True
            self.passwords = []
        elif word == b"resetpass":
            self.nopass = False
            self.passwords = []
        elif rule[:1] in (b">", b"#"):
            digest = hash_password(rule[1:]) if rule[:1] == b">" else rule[1:]
            if rule[:1] == b"#":
                _check_digest(digest)
            if digest not in self.passwords:
                self.passwords.append(digest)
            self.nopass = False
        elif rule[:1] in (b"<", b"!"):
            digest = hash_password(rule[1:]) if rule[:1] == b"<" else rule[1:]
            if rule[:1] == b"!":
                _check_digest(digest)
            if digest not in self.passwords:
                raise RuleError(NO_SUCH_PASSWORD)
            self.passwords.remove(digest)
        elif word == b"clearselectors":
            del self.selectors[1:]
        elif word == b"reset":
            for each in (b"resetpass", b"resetkeys", b"resetchannels"):
                self.apply(each, allchannels)
            if allchannels:
                self.apply(b"allchannels", allchannels)
            for each in (b"off", b"sanitize-payload", b"clearselectors", b"-@all"):
                self.apply(each, allchannels)
        elif rule[:1] == b"(" and rule[-1:] == b")":
            selector = Selector(allchannels)
            try:  # the rules inside are split as Redis splits arguments
                inside = split_line(rule[1:-1].decode("latin-1"))
            except ValueError:
                inside = []  # unbalanced quotes: Redis then applies no rule
            for each in inside:
                selector.apply(each.encode("latin-1"))
            self.selectors.append(selector)
        else:
            self.root.apply(rule)
        self.refresh()

    def flags(self):
        found = [b"on" if self.enabled else b"off"]
        if self.nopass:
            found.append(b"nopass")
        if self.sanitize is not None:
            found.append(
                b"sanitize-payload" if self.sanitize else b"skip-sanitize-payload"
            )
        return found

    def describe(self):
        """@return: the user as rules, as ACL LIST gives it."""
        parts = self.flags() + [b"#" + p for p in self.passwords]
        parts.append(self.root.describe())
        line = b" ".join(parts)
        for selector in self.selectors[1:]:
            line += b" (" + selector.describe() + b")"
        return line

    def password_ok(self, password):
        """Whether C{password} authenticates this user (in constant time)."""
        if not self.enabled:
            return False
        if self.nopass:
            return True
        if type(password) is not bytes:
            return False
        digest = hash_password(password)
        ok = False
        for known in self.passwords:
            ok |= hmac.compare_digest(digest, known)
        return ok


def _check_digest(digest):
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise RuleError(BAD_HASH)


def merge_selectors(argv):
    """
    Join the words of C{(...)} selectors spread over several arguments.

    @raise ReplyError: for a selector that is never closed.
    """
    merged, opened = [], None
    for arg in argv:
        if opened is None and arg[:1] == b"(" and arg[-1:] != b")":
            opened = arg
            continue
        if opened is not None:
            opened += b" " + arg
            if arg[-1:] == b")":
                merged.append(opened)
                opened = None
            continue
        merged.append(arg)
    if opened is not None:
        raise ReplyError(
            "ERR Unmatched parenthesis in acl selector starting at '%s'."
            % (opened.split(b" ")[0].decode("utf-8", "replace"),)
        )
    return merged
