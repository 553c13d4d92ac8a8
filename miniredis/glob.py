"""
Redis glob patterns (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE).

C{*} any run, C{?} one byte, C{[abc]} C{[^a]} C{[a-z]} a class, C{\\x} a
literal C{x}. Matching is on bytes; patterns compile once and are cached.
"""

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _compile(pattern, nocase):
    out = bytearray()
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i : i + 1]
        if c == b"*":
            out += b".*"
        elif c == b"?":
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
    flags = re.DOTALL | (re.IGNORECASE if nocase else 0)
    return re.compile(bytes(out) + b"\\Z", flags).match


def matcher(pattern, nocase=False):
    """
    @return: a function telling whether a byte string matches C{pattern}.
    """
    if pattern == b"*":
        return lambda value: True
    match = _compile(bytes(pattern), nocase)
    return lambda value: match(value) is not None
