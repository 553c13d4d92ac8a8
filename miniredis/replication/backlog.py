"""
The replication backlog: the last bytes of the replication stream, kept so
that a replica that lost its link for a moment gets only what it missed.

Offsets count bytes of the stream since the replication id was made, the
first byte being offset 1, as Redis counts them. Usage::

    backlog = Backlog(1024 * 1024, start=1)
    backlog.append(b"*1\\r\\n$4\\r\\nPING\\r\\n")
    backlog.since(1)  # the whole PING
"""

from collections import deque


class Backlog:
    """
    A bounded run of the stream's last bytes.

    @ivar size: how many bytes it keeps at most (C{repl-backlog-size}).
    @ivar first: the offset of the first byte it holds.
    @ivar histlen: how many bytes it holds.
    """

    def __init__(self, size, start):
        self.size = size
        self.first = start
        self.histlen = 0
        self._chunks = deque()

    def append(self, data):
        """Keep C{data}, dropping the oldest bytes beyond L{size}."""
        self._chunks.append(data)
        self.histlen += len(data)
        self._trim()

    def resize(self, size):
        """Keep at most C{size} bytes from now on."""
        self.size = size
        self._trim()

    def _trim(self):
        chunks = self._chunks
        while chunks and self.histlen - len(chunks[0]) >= self.size:
            dropped = chunks.popleft()
            self.first += len(dropped)
            self.histlen -= len(dropped)
        excess = self.histlen - self.size
        if excess > 0:
            chunks[0] = chunks[0][excess:]
            self.first += excess
            self.histlen -= excess

    def holds(self, offset):
        """Whether the stream from C{offset} on is all here."""
        return self.first <= offset <= self.first + self.histlen

    def since(self, offset):
        """@return: the bytes from C{offset} to the end (see L{holds})."""
        skip = offset - self.first
        parts = []
        for chunk in self._chunks:
            if skip >= len(chunk):
                skip -= len(chunk)
                continue
            parts.append(chunk[skip:] if skip else chunk)
            skip = 0
        return b"".join(parts)
