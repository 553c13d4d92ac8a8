"""
The slow log: the latest commands that took at least
C{slowlog-log-slower-than} microseconds (every command at 0, none when it
is negative), at most C{slowlog-max-len} of them, newest first, as Redis
7.0 keeps them for C{SLOWLOG GET}.

An entry holds its id (counted from 0 since the server started), the Unix
time it was logged, the microseconds the command took, its arguments (at
most L{MAX_ARGS}, the last then saying how many more there were, each cut
at L{MAX_STRING} bytes), the client's address and name. The secrets a
command carries (the passwords of AUTH, HELLO, MIGRATE, ACL SETUSER's
rules, CONFIG SET of a password) show as C{(redacted)}, and EXEC is never
logged (the commands it ran are). A script's commands show the client
C{?:0}, with no name.

L{miniredis.commandstats.record} offers every call that took long enough.

Usage::

    log = SlowLog(factory.config, factory.clock)
    log.add(session, cmd, argv, usec)
    log.get(10)    # the newest ten entries, as SLOWLOG GET replies them
"""

from collections import deque

from miniredis.monitor import redacted as redacted_login
from miniredis.resp import ReplyError, plain_arg

MAX_ARGS = 32
MAX_STRING = 128
REDACTED = b"(redacted)"
# CONFIG SET values hidden in the slow log, as Redis's sensitive parameters.
SENSITIVE = frozenset(
    [b"masterauth", b"masteruser", b"requirepass", b"tls-key-file-pass"]
    + [b"tls-client-key-file-pass"]
)


def redacted(name, argv):
    """
    @param name: the command's table name (C{"config|set"}).
    @return: C{argv} with the secrets it carries replaced by C{(redacted)}.
    """
    if name in ("auth", "hello"):
        return redacted_login(name, argv)
    argv = list(argv)
    if name == "config|set":
        for at in range(2, len(argv) - 1, 2):
            if argv[at].lower() in SENSITIVE:
                argv[at + 1] = REDACTED
    elif name == "acl|setuser":
        argv[2:] = [REDACTED] * (len(argv) - 2)
    elif name == "migrate":
        at = 6
        while at < len(argv):
            option = argv[at].lower()
            if option == b"keys":
                break
            hidden = {b"auth": 1, b"auth2": 2}.get(option, 0)
            argv[at + 1 : at + 1 + hidden] = [REDACTED] * len(
                argv[at + 1 : at + 1 + hidden]
            )
            at += 1 + hidden
    return argv


def shown_args(argv):
    """@return: the arguments as an entry keeps them: counted and cut."""
    if len(argv) > MAX_ARGS:
        more = len(argv) - MAX_ARGS + 1
        argv = list(argv[: MAX_ARGS - 1]) + [b"... (%d more arguments)" % more]
    out = []
    for arg in argv:
        if type(arg) is not bytes:
            arg = _plain(arg)
        if len(arg) > MAX_STRING:
            arg = arg[:MAX_STRING] + b"... (%d more bytes)" % (len(arg) - MAX_STRING)
        out.append(arg)
    return out


def _plain(arg):
    try:
        return plain_arg(arg)
    except ReplyError:  # an aggregate argument of a typed request
        return repr(arg).encode()


def client_address(session):
    """@return: the client as an entry names it: C{ip:port}, C{?:0} for a script."""
    if session.script:
        return "?:0"
    if session.address:
        return session.address
    if session.connection is not None:  # a Unix socket: its path, port 0
        return session.connection.local_address + ":0"
    return "?:0"


class SlowLog:
    """
    The slow log of one server.

    @ivar entries: the entries, newest first: C{[id, time, usec, argv,
        address, name]}, as SLOWLOG GET replies them.
    """

    def __init__(self, config, clock):
        """
        @param config: the server's L{miniredis.config.Config}.
        @param clock: what tells the time (the reactor).
        """
        self._config = config
        self._clock = clock
        self._next_id = 0
        self.entries = deque()

    def add(self, session, cmd, argv, usec):
        """
        Log that C{session} ran C{argv} (the table entry C{cmd}) in C{usec}
        microseconds, dropping the oldest entries beyond C{slowlog-max-len}.
        """
        if "skip_slowlog" in cmd.flags:
            return
        entry = [
            self._next_id,
            int(self._clock.seconds()),
            usec,
            shown_args(redacted(cmd.name, argv)),
            client_address(session).encode(),
            b"" if session.script else session.name,
        ]
        self._next_id += 1
        entries = self.entries
        entries.appendleft(entry)
        while len(entries) > self._config["slowlog-max-len"]:
            entries.pop()

    def get(self, count=10):
        """@return: the newest C{count} entries (all of them for -1)."""
        if count < 0:
            return list(self.entries)
        return [entry for entry, _ in zip(self.entries, range(count))]

    def reset(self):
        """Forget every entry (the ids go on)."""
        self.entries.clear()
