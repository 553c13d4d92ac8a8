"""
Redis glob patterns (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE).

C{*} any run, C{?} one byte, C{[abc]} C{[^a]} C{[a-z]} a class, C{\\x} a
literal C{x}. Matching is on bytes; patterns compile once and are cached.

The stars cut a pattern into segments that match one byte per item: the
first is matched at the start, the last at the end, and each one between
at its leftmost place after the one before. A pattern of many stars then
costs the length of the value times that of the pattern, where a single
regular expression of C{.*} runs backtracks exponentially (C{*a*a*a...*b}
against a long run of C{a}).
"""

import re
from functools import lru_cache


def _segments(pattern):
    """
    @return: C{[(regular expression, width)]} for the parts of C{pattern}
        between its stars (empty ones included); the width is the number
        of bytes the part matches.
    """
    segments = []
    out, width = bytearray(), 0
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i : i + 1]
        if c == b"*":
            segments.append((bytes(out), width))
            out, width = bytearray(), 0
            i += 1
            continue
        width += 1
        if c == b"?":
            out += b"."
        elif c == b"\\" and i + 1 < n:
            i += 1
            out += re.escape(pattern[i : i + 1])
        elif c == b"[":
            i += 1
            negate = i < n and pattern[i : i + 1] == b"^"
            if negate:
                i += 1
            items = bytearray()
            while i < n and pattern[i : i + 1] != b"]":
                if pattern[i : i + 1] == b"\\" and i + 1 < n:
                    i += 1
                    items += re.escape(pattern[i : i + 1])
                elif i + 2 < n and pattern[i + 1 : i + 2] == b"-":
                    lo, hi = sorted((pattern[i], pattern[i + 2]))
                    items += b"%s-%s" % (re.escape(bytes([lo])), re.escape(bytes([hi])))
                    i += 2
                else:
                    items += re.escape(pattern[i : i + 1])
                i += 1
            if not items:
                out += b"(?!)" if not negate else b"."
            else:
                out += b"[%s%s]" % (b"^" if negate else b"", bytes(items))
        else:
            out += re.escape(c)
        i += 1
    segments.append((bytes(out), width))
    return segments


@lru_cache(maxsize=512)
def _compile(pattern, nocase):
    flags = re.DOTALL | (re.IGNORECASE if nocase else 0)
    segments = [
        (re.compile(regex, flags), width) for regex, width in _segments(pattern)
    ]
    if len(segments) == 1:
        whole = segments[0][0].fullmatch
        return lambda value: whole(value) is not None
    first = segments[0][0].match
    middle = [segment.search for segment, _ in segments[1:-1]]
    last, last_width = segments[-1]
    last = last.fullmatch

    def match(value):
        found = first(value)
        if found is None:
            return False
        pos = found.end()
        for search in middle:
            found = search(value, pos)
            if found is None:
                return False
            pos = found.end()
        start = len(value) - last_width
        return start >= pos and last(value, start) is not None

    return match


def matcher(pattern, nocase=False):
    """
    @return: a function telling whether a byte string matches C{pattern}.
    """
    if pattern == b"*":
        return lambda value: True
    return _compile(bytes(pattern), nocase)
