"""
The process's open files limit (C{RLIMIT_NOFILE}) and C{maxclients}.

Each client is a file descriptor, and the server keeps a few more for its
own files and sockets. As Redis does, the server raises its soft limit to
C{maxclients} + 32 where it can; where it cannot, it lowers C{maxclients}
to what the limit allows and says so in the log.

Usage (the server process, at start)::

    follow(config)
"""

import os

try:
    import resource
except ImportError:  # not on this system: nothing to adjust
    resource = None

from miniredis.logging import logger
from miniredis.resp import ReplyError

log = logger("miniredis.fdlimit")

# The descriptors kept for the server's own use, as Redis counts them.
RESERVED = 32


class TooFewFiles(Exception):
    """The open files limit leaves no room for a single client."""


def adjust(config, limits=resource):
    """
    Raise the open files limit to C{maxclients} + L{RESERVED} if it is
    lower, else lower C{maxclients} to fit it.

    @param limits: the C{resource} module (or a stand-in, in tests).
    @return: C{maxclients} as it can be honoured.
    @raise TooFewFiles: if the limit is L{RESERVED} or less.
    """
    wanted = config["maxclients"]
    if limits is None:
        return wanted
    needed = wanted + RESERVED
    soft, hard = limits.getrlimit(limits.RLIMIT_NOFILE)
    if soft == limits.RLIM_INFINITY or soft >= needed:
        return wanted
    best, error = needed, None
    for attempt in (needed, hard):
        if attempt == limits.RLIM_INFINITY or attempt <= soft:
            continue
        ceiling = hard if hard == limits.RLIM_INFINITY else max(hard, attempt)
        try:
            limits.setrlimit(limits.RLIMIT_NOFILE, (attempt, ceiling))
            best = attempt
            break
        except (OSError, ValueError) as e:
            error = error or e
    else:
        best = soft
    if best >= needed:
        log.info(
            "Increased maximum number of open files to {needed} (it was "
            "originally set to {soft}).",
            needed=needed,
            soft=soft,
        )
        return wanted
    if best <= RESERVED:
        log.error(
            "Your current 'ulimit -n' of {soft} is not enough for the server "
            "to start. Please increase your open file limit to at least "
            "{needed}. Exiting.",
            soft=soft,
            needed=needed,
        )
        raise TooFewFiles(soft)
    reason = os.strerror(error.errno) if getattr(error, "errno", None) else error
    log.warn(
        "You requested maxclients of {wanted} requiring at least {needed} max "
        "file descriptors.",
        wanted=wanted,
        needed=needed,
    )
    log.warn(
        "Server can't set maximum open files to {needed} because of OS error: "
        "{reason}.",
        needed=needed,
        reason=reason,
    )
    log.warn(
        "Current maximum open files is {best}. maxclients has been reduced to "
        "{reduced} to compensate for low ulimit. If you need higher maxclients "
        "increase 'ulimit -n'.",
        best=best,
        reduced=best - RESERVED,
    )
    return best - RESERVED


def follow(config, limits=resource):
    """
    Fit the open files limit and C{maxclients} to each other now (lowering
    C{maxclients} if need be), and on each CONFIG SET of C{maxclients}
    (refusing a value the limit cannot be raised for, as Redis does).

    @raise TooFewFiles: as L{adjust} does.
    """
    config["maxclients"] = adjust(config, limits)

    def changed(value):
        possible = adjust(config, limits)
        if possible != value:
            raise ReplyError(
                "ERR CONFIG SET failed (possibly related to argument "
                "'maxclients') - The operating system is not able to handle "
                "the specified number of clients, try with %d" % (possible,)
            )

    config.listeners.setdefault("maxclients", []).append(changed)
