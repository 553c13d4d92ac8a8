"""
Cursors for SCAN, HSCAN, SSCAN and ZSCAN.

Redis promises that a full iteration returns every element present from
start to end, and may return an element more than once. miniredis keeps that
promise with snapshots: cursor 0 takes the list of current elements, and the
cursor handed back names the snapshot and the offset reached. Elements gone
by the time their turn comes are skipped by the caller's filter.

Snapshots are kept in a bounded LRU per server; a cursor whose snapshot was
dropped (more than L{Cursors.limit} iterations at once) ends the iteration.
"""

import itertools
import re
from collections import OrderedDict

from miniredis.commands.parsing import parse_int
from miniredis.resp import ReplyError

_OFFSET_BITS = 32


class Cursors:
    """
    The live snapshots of one server.

    @ivar limit: how many iterations may be under way at once.
    """

    limit = 256

    def __init__(self):
        self._snapshots = OrderedDict()
        self._ids = itertools.count(1)

    def page(self, cursor, elements, count):
        """
        Return one page of an iteration.

        @param cursor: the cursor the client sent (0 starts).
        @param elements: a callable giving the current elements, called only
            when a new iteration starts.
        @param count: about how many elements to return.
        @return: C{(next cursor, elements of this page)}; cursor 0 means done.
        """
        if cursor == 0:
            snapshot = list(elements())
            if len(snapshot) <= count:
                return 0, snapshot
            ident = next(self._ids) % (1 << 30) or next(self._ids)
            self._snapshots[ident] = snapshot
            if len(self._snapshots) > self.limit:
                self._snapshots.popitem(last=False)
            offset = 0
        else:
            ident, offset = cursor >> _OFFSET_BITS, cursor & ((1 << _OFFSET_BITS) - 1)
            snapshot = self._snapshots.get(ident)
            if snapshot is None:
                return 0, []
            self._snapshots.move_to_end(ident)
        page = snapshot[offset : offset + count]
        offset += count
        if offset >= len(snapshot):
            del self._snapshots[ident]
            return 0, page
        return (ident << _OFFSET_BITS) | offset, page


_CURSOR = re.compile(rb"([+-]?)([0-9]*)")


def parse_cursor(raw):
    """
    Parse a SCAN cursor argument as Redis's C{strtoul} does: an unsigned
    64-bit integer, a sign allowed (C{-1} wraps around), C{""} is 0.
    """
    match = _CURSOR.fullmatch(raw)
    if match is None or match.group(1) and not match.group(2):
        raise ReplyError("ERR invalid cursor")
    digits = match.group(2).lstrip(b"0")
    if len(digits) > 20 or int(digits or b"0") >= 1 << 64:
        raise ReplyError("ERR invalid cursor")
    value = int(digits or b"0")
    return (-value) % (1 << 64) if match.group(1) == b"-" else value


def parse_options(argv, start, allow_type=False):
    """
    Parse C{MATCH pattern}, C{COUNT n} (and C{TYPE t} for SCAN).

    @return: C{(pattern or None, count, type or None)}.
    """
    pattern, count, kind = None, 10, None
    i = start
    while i < len(argv):
        option = argv[i].lower()
        if i + 1 >= len(argv):
            raise ReplyError("ERR syntax error")
        if option == b"match":
            pattern = argv[i + 1]
        elif option == b"count":
            count = parse_int(argv[i + 1])
            if count < 1:
                raise ReplyError("ERR syntax error")
        elif option == b"type" and allow_type:
            kind = argv[i + 1].decode("utf-8", "replace").lower()
        else:
            raise ReplyError("ERR syntax error")
        i += 2
    return pattern, count, kind
