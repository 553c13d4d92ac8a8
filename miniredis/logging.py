"""
The server's log: C{twisted.logger} events, filtered by Redis's C{loglevel}
and written where Redis's C{logfile} says.

miniredis's modules log through L{logger}, whose events pass the level
filter (L{LEVEL_FILTER}) before they reach Twisted's global publisher and so
any observer twistd set up. Redis's four levels map onto Twisted's:
C{warning} shows warnings and worse, C{notice} adds info events (the
default), C{verbose} adds debug events marked C{verbose=True} (connections
opening and closing), C{debug} shows everything.

C{logfile} (empty: standard output) is written by a L{LogFile} observer,
which C{SIGHUP} reopens (for logrotate). Events are written as text lines,
or as JSON lines with C{twistd --logger=miniredis.logging.json_observer}.

Usage::

    from miniredis.logging import logger
    log = logger("miniredis.mymodule")
    log.info("DB saved on disk", event="save")
    log.debug("Accepted {client}", client=address, verbose=True)
"""

import sys

from twisted.logger import Logger as _Logger
from twisted.logger import (
    LogLevel,
    globalLogPublisher,
    jsonFileLogObserver,
    textFileLogObserver,
)

LEVELS = ("debug", "verbose", "notice", "warning")


class LevelFilter:
    """
    An observer that passes events at or above Redis's C{loglevel} on to
    Twisted's global publisher.

    @ivar level: the Redis level name.
    """

    def __init__(self, level="notice"):
        self.level = level

    def passes(self, event):
        """@return: whether C{event} shows at the current level."""
        level = event.get("log_level", LogLevel.info)
        if self.level == "debug":
            return True
        if self.level == "warning":
            return level >= LogLevel.warn
        if level >= LogLevel.info:
            return True
        return self.level == "verbose" and bool(event.get("verbose"))

    def __call__(self, event):
        if self.passes(event):
            globalLogPublisher(event)


LEVEL_FILTER = LevelFilter()


def logger(namespace):
    """@return: a C{twisted.logger.Logger} whose events pass L{LEVEL_FILTER}."""
    return _Logger(namespace=namespace, observer=LEVEL_FILTER)


def follow(config):
    """Apply C{config}'s C{loglevel} now and after each CONFIG SET."""
    LEVEL_FILTER.level = config["loglevel"]
    config.listeners.setdefault("loglevel", []).append(_set_level)


def _set_level(level):
    LEVEL_FILTER.level = level


class LogFile:
    """
    An observer writing text (or JSON) lines to a file, reopened on demand.

    @ivar path: the file's path.
    @ivar received: whether any event came yet.
    """

    def __init__(self, path, json=False):
        self.path = path
        self.json = json
        self._file = None
        self._observer = None
        self.received = False
        self.reopen()

    def reopen(self):
        """Close the file and open it again (after logrotate moved it)."""
        old = self._file
        self._file = open(self.path, "a", encoding="utf-8", buffering=1)
        make = jsonFileLogObserver if self.json else textFileLogObserver
        self._observer = make(self._file)
        if old is not None:
            old.close()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None

    def __call__(self, event):
        self.received = True
        if self._file is not None:
            self._observer(event)


def json_observer():
    """
    JSON lines on standard output, one event a line: for
    C{twistd --logger=miniredis.logging.json_observer}.
    """
    return jsonFileLogObserver(sys.stdout)


def server_observer(config):
    """
    @return: the observer C{config} asks for: a L{LogFile} at C{logfile},
        or None for standard output (C{logfile ""}), where twistd's own
        observer already writes.
    """
    path = config["logfile"]
    return LogFile(path) if path else None
