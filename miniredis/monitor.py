"""
MONITOR: the clients that watch every command the server runs.

After a command has run, L{feed} sends each monitoring client one line
about it, as Redis 7.0 writes them::

    +1700000000.123456 [0 127.0.0.1:50312] "set" "k" "v"

the time, the database the command left selected, who ran it (C{lua} for a
script's C{redis.call}) and the arguments, quoted. Administrative commands
and those flagged C{skip_monitor} are not shown; EVAL and friends show
themselves before the commands their script runs. The passwords of AUTH
and HELLO show as C{(redacted)}.
"""

import time

from miniredis.resp import Replies, ReplyError, Status, encode, plain_arg

# How each byte shows between double quotes (Redis's sdscatrepr).
_SHOWN = [b"\\x%02x" % byte for byte in range(256)]
for _byte in range(32, 127):
    _SHOWN[_byte] = bytes([_byte])
for _char, _shown in [
    (b"\\", b"\\\\"),
    (b'"', b'\\"'),
    (b"\n", b"\\n"),
    (b"\r", b"\\r"),
    (b"\t", b"\\t"),
    (b"\a", b"\\a"),
    (b"\b", b"\\b"),
]:
    _SHOWN[ord(_char)] = _shown

_REDACTED = b"(redacted)"


def quote(arg):
    """@return: C{arg} between double quotes, escaped as Redis shows it."""
    if type(arg) is not bytes:
        arg = _plain(arg)
    if arg.isalnum():
        return b'"%s"' % arg
    return b'"' + b"".join(_SHOWN[byte] for byte in arg) + b'"'


def _plain(arg):
    """A typed argument as the bytes a monitor shows for it."""
    try:
        return plain_arg(arg)
    except ReplyError:  # an aggregate or null: its RESP3 encoding
        return encode(arg, 3)


def redacted(name, argv):
    """
    @return: C{argv} with the secrets of AUTH and HELLO replaced, where
        those commands got as far as reading them.
    """
    if name == "auth" and len(argv) <= 3:
        return argv[:1] + [_REDACTED] * (len(argv) - 1)
    if name == "hello" and len(argv) > 2 and argv[1] in (b"2", b"3"):
        argv = list(argv)
        at = 2
        while at < len(argv):
            option = argv[at].lower()
            if option == b"auth" and at + 2 < len(argv):
                argv[at + 1] = argv[at + 2] = _REDACTED
                at += 3
            elif option == b"setname" and at + 1 < len(argv):
                at += 2
            else:
                break
    return argv


def feed(session, cmd, argv):
    """
    Tell the monitoring clients that C{session} ran C{argv} (for the table
    entry C{cmd}), unless C{cmd} is one a monitor does not see.
    """
    if cmd.monitored and session.server.monitors:
        show(session, cmd.name, argv)


def feed_after(session, cmd, argv, reply):
    """
    L{feed} for a client's own request, whose C{reply} is yet to be sent.

    @return: the reply to send: C{reply}, and then the monitor line when
        the client monitors itself (Redis writes the line after the reply).
    """
    if not cmd.monitored:
        return reply
    line = _line(session, cmd.name, argv)
    for monitor in list(session.server.monitors):
        if monitor is not session:
            monitor.push(line)
    if session.monitoring:
        return Replies([reply, line])
    return reply


def show(session, name, argv):
    """Send every monitoring client the line of C{argv}, command C{name}."""
    line = _line(session, name, argv)
    for monitor in list(session.server.monitors):
        monitor.push(line)


def _line(session, name, argv):
    now = time.time_ns() // 1000
    return Status(
        b"%d.%06d [%d %s] %s"
        % (
            now // 1000000,
            now % 1000000,
            session.db.index,
            _who(session).encode(),
            b" ".join(quote(arg) for arg in redacted(name, argv)),
        )
    )


def _who(session):
    if session.address:
        return session.address
    if session.connection is not None:  # a Unix socket has no peer address
        return "unix:" + session.connection.local_address
    return ""


def start(session):
    """Make C{session} a monitoring client."""
    session.monitoring = True
    session.server.monitors.append(session)
    session.server.plain_changed()


def stop(session):
    """C{session} no longer monitors (RESET, or it went away)."""
    if session.monitoring:
        session.monitoring = False
        session.server.monitors.remove(session)
        session.server.plain_changed()
