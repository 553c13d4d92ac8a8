"""
Users and their permissions, as Redis 7.0's ACL has them.

A L{User} has passwords (kept as SHA-256 hex digests) and one or more
L{Selector}s: the root one and those added with C{(...)}. A selector says
which commands (by name, subcommand or category, from the command table),
which keys (glob patterns, for reading, writing or both) and which pub/sub
channels its user may touch; a command runs when any selector allows it.
The dispatcher asks L{Users.check} before a command runs (only for users
that are not L{User.unrestricted}); commands never check for themselves.
The rules are parsed and described in L{miniredis.acl.rules}; ACL LOG's
entries are L{miniredis.acl.log}'s; this module holds a server's L{Users}.

Usage::

    users = Users(config)
    user, _ = users.setuser(b"app", [b"on", b">secret", b"~app:*", b"+@read"])
    users.check(user, cmd, argv)   # (DENIED_KEY, 1), say, or None
"""

import time

from miniredis.acl.log import LogEntry
from miniredis.acl.rules import (
    CATEGORIES,
    DENIED_AUTH,
    DENIED_CHANNEL,
    DENIED_CMD,
    DENIED_KEY,
    READ,
    UNKNOWN,
    RuleError,
    User,
    channel_allowed,
    every_command,
    merge_selectors,
)
from miniredis.resp import ReplyError

__all__ = [
    "CATEGORIES",
    "DENIED_AUTH",
    "DENIED_CHANNEL",
    "DENIED_CMD",
    "DENIED_KEY",
    "User",
    "Users",
    "channel_allowed",
    "every_command",
]

# The errors of refused commands: [from a script][reason].
MESSAGES = (
    {
        DENIED_CMD: "NOPERM this user has no permissions to run the '%s' command",
        DENIED_KEY: "NOPERM this user has no permissions to access one of the keys "
        "used as arguments",
        DENIED_CHANNEL: "NOPERM this user has no permissions to access one of the "
        "channels used as arguments",
    },
    {
        DENIED_CMD: "ERR The user executing the script can't run this command or "
        "subcommand",
        DENIED_KEY: "ERR The user executing the script can't access at least one "
        "of the keys mentioned in the command arguments",
        DENIED_CHANNEL: "ERR The user executing the script can't publish to the "
        "channel mentioned in the command",
    },
)

_BOTH = (
    "Configuring Redis with users defined in redis.conf and at the same setting "
    "an ACL file path is invalid. This setup is very likely to lead to "
    "configuration errors and security holes, please define either an ACL file "
    "or declare users directly in your redis.conf, but not both."
)

_NO_LONGER = {
    DENIED_CMD: "no permission to execute the command or subcommand",
    DENIED_KEY: "no permission to touch the specified keys",
    DENIED_CHANNEL: "no permission to access one of the channels used as arguments",
}


def _decoded(raw):
    return raw.decode("utf-8", "replace")


class Users:
    """
    The users of one server, and the ACL LOG.

    @ivar users: name -> L{User}, C{default} first.
    @ivar default: the C{default} user.
    @ivar log: L{LogEntry}s, newest first.
    """

    def __init__(self, config):
        self.config = config
        self.default = self._fresh_default()
        self.users = {b"default": self.default}
        self.log = []
        self.set_requirepass(config["requirepass"])
        if config.users and config["aclfile"]:
            raise ReplyError("ERR " + _BOTH)
        for declaration in config.users:
            self._declare(declaration)
        if config["aclfile"]:
            self.load(config["aclfile"])
        config.listeners.setdefault("requirepass", []).append(self.set_requirepass)

    def _declare(self, declaration):
        """Add a user as a C{user} line of the configuration file says."""
        name, rules = declaration[0], declaration[1:]
        user = self.users.get(name) or User(name, self._allchannels())
        for rule in merge_selectors(rules):
            try:
                user.apply(rule, self._allchannels())
            except RuleError as e:
                raise ReplyError(
                    "ERR Error loading ACL rule '%s' for the user named '%s': %s"
                    % (_decoded(rule), _decoded(name), e.args[0])
                )
        self.users[name] = user

    def lines(self):
        """@return: the users as C{user} lines (ACL LIST, ACL SAVE)."""
        return [
            b"user %s %s" % (name, self.users[name].describe())
            for name in sorted(self.users)
        ]

    def set_requirepass(self, password):
        """C{requirepass}: the default user's only password, or none."""
        if isinstance(password, str):
            password = password.encode("utf-8")
        self.default.apply(b"resetpass", False)
        self.default.apply(b">" + password if password else b"nopass", False)

    def _fresh_default(self):
        user = User(b"default")
        for rule in (b"on", b"nopass", b"~*", b"&*", b"+@all"):
            user.apply(rule, False)
        return user

    def load(self, path):
        """
        Replace the users with those of an ACL file (lines as ACL LIST
        gives them); the C{default} user object stays, with the file's rules.

        @return: the users replaced (their clients must go).
        @raise ReplyError: listing every problem of the file; nothing
            changes then.
        """
        try:
            with open(path, "rb") as f:
                lines = f.read().split(b"\n")
        except OSError as e:
            raise ReplyError(
                "ERR Error loading ACLs, opening file '%s': %s" % (path, e.strerror)
            )
        errors = ""
        loaded = {}
        allchannels = self._allchannels()
        for number, line in enumerate(lines, 1):
            words = line.strip(b" \t\r\n").split(b" ")
            if words == [b""]:
                continue
            if words[0] != b"user" or len(words) < 2:
                errors += (
                    "%s:%d should start with user keyword followed by the username. "
                    % (path, number)
                )
                continue
            name = _decoded(words[1])
            if words[1] in loaded:
                errors += "WARNING: Duplicate user '%s' found on line %d. " % (
                    name,
                    number,
                )
                continue
            user = loaded[words[1]] = User(words[1], allchannels)
            try:
                rules = merge_selectors(words[2:])
            except ReplyError:
                errors += "%s:%d: Unmatched parenthesis in selector definition." % (
                    path,
                    number,
                )
                continue
            syntax_error = False
            for rule in rules:
                try:
                    user.apply(rule.strip(b"\t\r\n"), allchannels)
                except RuleError as e:
                    if e.args[0] == UNKNOWN:
                        errors += "%s:%d: Error in applying operation '%s': %s. " % (
                            path,
                            number,
                            _decoded(rule),
                            e.args[0],
                        )
                    elif not syntax_error:
                        errors += "%s:%d: %s. " % (path, number, e.args[0])
                        syntax_error = True
        if errors:
            raise ReplyError(
                "ERR "
                + errors
                + "WARNING: ACL errors detected, no change to the previously active "
                "ACL rules was performed"
            )
        new_default = loaded.pop(b"default", None) or self._fresh_default()
        self.default.__dict__.update(new_default.copy().__dict__)
        self.default.name = b"default"
        replaced = [u for u in self.users.values() if u is not self.default]
        self.users = {b"default": self.default}
        self.users.update(loaded)
        return replaced

    def _allchannels(self):
        return self.config["acl-pubsub-default"] == "allchannels"

    def setuser(self, name, rules):
        """
        Create or change a user; all rules apply, or none.

        @return: C{(user, previous)}: the user, and a copy of it as it was
            (None for a new user).
        @raise ReplyError: for a rule that does not apply.
        """
        old = self.users.get(name)
        new = old.copy() if old is not None else User(name, self._allchannels())
        allchannels = self._allchannels()
        for rule in merge_selectors(rules):
            try:
                new.apply(rule, allchannels)
            except RuleError as e:
                raise ReplyError(
                    "ERR Error in ACL SETUSER modifier '%s': %s"
                    % (rule.decode("utf-8", "replace"), e.args[0])
                )
        if old is None:
            self.users[name] = new
            return new, None
        previous = old.copy()
        old.__dict__.update(new.__dict__)
        return old, previous

    def authenticate(self, name, password):
        """@return: the user C{name} and C{password} log in as, or None."""
        user = self.users.get(name)
        if user is None or not user.password_ok(password):
            return None
        return user

    def check(self, user, cmd, argv):
        """
        Whether C{user} may run C{cmd} with C{argv}, as Redis decides it:
        allowed by any selector; else the most telling refusal.

        @return: None, or C{(reason, position of the offending argument)}.
        """
        keys = None
        worst = (DENIED_CMD, 0)
        for selector in user.selectors:
            if keys is None:
                keys = cmd.key_positions(argv) or () if cmd.has_keys() else ()
            refusal = selector.check(cmd, argv, keys)
            if refusal is None:
                return None
            if refusal > worst:
                worst = refusal
        return worst

    def refuse(self, session, cmd, argv, context=None, caller=None):
        """
        Check a command of C{session}'s user; log a refusal in ACL LOG.

        @param context: C{"lua"} for a script's command; by default
            C{"multi"} or C{"toplevel"} as the session is in MULTI or not.
        @param caller: the client ACL LOG describes (the script's caller),
            C{session} by default.
        @return: None, or the refusal's error (Redis's text for the context).
        """
        refusal = self.check(session.user, cmd, argv)
        if refusal is None:
            return None
        reason, position = refusal
        if context is None:
            context = "toplevel" if session.multi is None else "multi"
        self.log_refusal(caller or session, reason, context, cmd, argv, position)
        message = MESSAGES[context == "lua"][reason]
        if reason == DENIED_CMD:
            message = message.replace("%s", cmd.name)
        return ReplyError(message)

    def reads_any_key(self, session, cmd, argv):
        """
        Whether C{session} may run C{cmd} with C{argv} and read any key
        while it does (SORT's BY and GET patterns name keys of their own).
        """
        if not session.checked:
            return True
        keys = cmd.key_positions(argv) or ()
        for selector in session.user.selectors:
            if selector.check(cmd, argv, keys) is None and (
                selector.allkeys
                or any(p == b"*" and f & READ for p, f in selector.patterns)
            ):
                return True
        return False

    def recheck(self, session, cmd, argv):
        """
        EXEC's check of a queued command: the rules may have changed since
        it was queued.

        @return: None, or the error that replaces the command's reply.
        """
        refusal = self.check(session.user, cmd, argv)
        if refusal is None:
            return None
        reason, position = refusal
        self.log_refusal(session, reason, "multi", cmd, argv, position)
        return ReplyError(
            "NOPERM ACLs rules changed between the moment the transaction was "
            "accumulated and the EXEC call. This command is no longer allowed for "
            "the following reason: " + _NO_LONGER[reason]
        )

    def log_refusal(self, session, reason, context, cmd, argv, position):
        """Log a refused command: its name, or the key or channel refused."""
        obj = cmd.name.encode() if reason == DENIED_CMD else argv[position]
        self.record(reason, context, obj, session.user.name, session.describe())

    def record(self, reason, context, obj, username, client_info):
        """Add a refusal to ACL LOG, or count it again."""
        now = int(time.time() * 1000)
        entry = LogEntry(reason, context, obj, username, client_info, now)
        for i, known in enumerate(self.log[:10]):
            if known.same(entry):
                known.count += 1
                known.client_info = client_info
                known.created = now
                self.log.insert(0, self.log.pop(i))
                return
        self.log.insert(0, entry)
        del self.log[self.config["acllog-max-len"] :]
