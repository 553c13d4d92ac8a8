"""
The list value, packed as Redis's quicklist packs one: the elements near
either end are byte strings in plain Python lists, where pushes and pops
cost what a deque's do, and the rest live in chunks of about L{CHUNK}
elements, each packed into one C{marshal} blob. A packed element takes its
length and five bytes; a bytes object takes 33 bytes more than its length,
and a slot to hold it 8 more.

Usage::

    items = QuickList([b"a", b"b"])
    items.appendleft(b"z")
    items.pop()                 # b"b": the methods of a deque
    items.range(0, 2)           # [b"z", b"a"]: elements 0 and 1, as a list
"""

import marshal
from collections import deque
from itertools import chain

from miniredis.store import register_type

CHUNK = 128
# An end holding this many plain elements packs all but the last CHUNK or so.
LIMIT = 2 * CHUNK

_dumps = marshal.dumps
_loads = marshal.loads


class QuickList:
    """
    A Redis list of byte strings, with a deque's methods.

    @ivar _head: the first elements, the first one last (LPUSH appends).
    @ivar _chunks: C{(count, blob)} for each packed run, in list order.
    @ivar _tail: the last elements, in order.
    @ivar _packed: how many elements the chunks hold.
    @ivar packed_bytes: the lengths of the blobs, summed.
    """

    __slots__ = ("_head", "_chunks", "_tail", "_packed", "packed_bytes")

    def __init__(self, items=()):
        self._head = []
        self._chunks = deque()
        self._tail = []
        self._packed = 0
        self.packed_bytes = 0
        self.extend(items)

    def __len__(self):
        return len(self._head) + self._packed + len(self._tail)

    def __iter__(self):
        blobs = (blob for _, blob in self._chunks)
        return chain(
            reversed(self._head), chain.from_iterable(map(_loads, blobs)), self._tail
        )

    def __reversed__(self):
        blobs = (blob for _, blob in reversed(self._chunks))
        unpacked = (reversed(_loads(blob)) for blob in blobs)
        return chain(reversed(self._tail), chain.from_iterable(unpacked), self._head)

    def __eq__(self, other):
        return (
            type(other) is QuickList
            and len(other) == len(self)
            and list(other) == list(self)
        )

    __hash__ = None

    def __repr__(self):
        return "QuickList(%r)" % (list(self),)

    def parts(self):
        """
        @return: C{(head, chunks, tail)}, the plain elements at the front
            (last first), the C{(count, blob)} chunks and the plain elements
            at the back, to measure (L{miniredis.sizes}).
        """
        return self._head, self._chunks, self._tail

    def copy(self):
        """@return: another list with the same elements (the blobs are shared)."""
        other = QuickList()
        other._head = self._head[:]
        other._chunks = self._chunks.copy()
        other._tail = self._tail[:]
        other._packed = self._packed
        other.packed_bytes = self.packed_bytes
        return other

    # -- at the ends

    def append(self, item):
        tail = self._tail
        tail.append(item)
        if len(tail) >= LIMIT:
            self._pack_tail()

    def appendleft(self, item):
        head = self._head
        head.append(item)
        if len(head) >= LIMIT:
            self._pack_head()

    def extend(self, items):
        """
        Push C{items} at the back.

        @return: the new length (which RPUSH replies).
        """
        tail = self._tail
        tail.extend(items)
        if len(tail) >= LIMIT:
            self._pack_tail()
        return len(self._head) + self._packed + len(tail)

    def extendleft(self, items):
        """
        Push each of C{items} at the front in turn (so they end up reversed).

        @return: the new length (which LPUSH replies).
        """
        head = self._head
        head.extend(items)
        if len(head) >= LIMIT:
            self._pack_head()
        return len(head) + self._packed + len(self._tail)

    def pop(self):
        tail = self._tail
        if tail:
            return tail.pop()
        return self._refill_tail().pop()

    def popleft(self):
        head = self._head
        if head:
            return head.pop()
        return self._refill_head().pop()

    def clear(self):
        self._head = []
        self._chunks = deque()
        self._tail = []
        self._packed = 0
        self.packed_bytes = 0

    # -- by index

    def __getitem__(self, index):
        index = self._index(index)
        head = self._head
        if index < len(head):
            return head[-1 - index]
        index -= len(head)
        if index >= self._packed:
            return self._tail[index - self._packed]
        position, offset = self._locate(index)
        return _loads(self._chunks[position][1])[offset]

    def __setitem__(self, index, item):
        index = self._index(index)
        head = self._head
        if index < len(head):
            head[-1 - index] = item
            return
        index -= len(head)
        if index >= self._packed:
            self._tail[index - self._packed] = item
            return
        position, offset = self._locate(index)
        items = _loads(self._chunks[position][1])
        items[offset] = item
        self._replace(position, items)

    def insert(self, index, item):
        """Put C{item} before the element at C{index}, as C{deque.insert} does."""
        if index < 0:
            index = max(index + len(self), 0)
        head = self._head
        if index <= len(head):
            head.insert(len(head) - index, item)
            if len(head) >= LIMIT:
                self._pack_head()
            return
        index -= len(head)
        if index >= self._packed:
            tail = self._tail
            tail.insert(index - self._packed, item)
            if len(tail) >= LIMIT:
                self._pack_tail()
            return
        position, offset = self._locate(index)
        items = _loads(self._chunks[position][1])
        items.insert(offset, item)
        self._packed += 1
        if len(items) < LIMIT:
            self._replace(position, items)
        else:
            self._replace(position, items[:CHUNK])
            rest = _dumps(items[CHUNK:])
            self._chunks.insert(position + 1, (len(items) - CHUNK, rest))
            self.packed_bytes += len(rest)

    def range(self, start, stop):
        """@return: the elements from C{start} up to C{stop}, as a list."""
        head, tail = self._head, self._tail
        size = len(head)
        out = head[size - min(stop, size) : size - start][::-1] if start < size else []
        position = size
        if start < size + self._packed and stop > size:
            for count, blob in self._chunks:
                end = position + count
                if end > start:
                    out += _loads(blob)[max(start - position, 0) : stop - position]
                    if end >= stop:
                        return out
                position = end
        position = size + self._packed
        if stop > position:
            out += tail[max(start - position, 0) : stop - position]
        return out

    # -- packing

    def _pack_tail(self):
        """Pack the oldest plain elements of the tail, keeping about CHUNK."""
        self._pack(self._tail, self._chunks.append, False)

    def _pack_head(self):
        """Pack the innermost plain elements of the head, keeping about CHUNK."""
        self._pack(self._head, self._chunks.appendleft, True)

    def _pack(self, plain, add, reverse):
        """
        Pack all but the last CHUNK or so of C{plain} (one end's elements,
        innermost first), chunk by chunk, each C{reverse}d for the head.
        """
        whole = (len(plain) - CHUNK) // CHUNK * CHUNK
        for start in range(0, whole, CHUNK):
            items = plain[start : start + CHUNK]
            if reverse:
                items.reverse()
            blob = _dumps(items)
            add((CHUNK, blob))
            self.packed_bytes += len(blob)
        del plain[:whole]
        self._packed += whole

    def _refill_tail(self):
        """@return: the tail, filled from the last chunk or the head's inner half."""
        if self._chunks:
            tail = self._unpack(self._chunks.pop())
        else:
            tail = _inner_half(self._head)
        self._tail = tail
        return tail

    def _refill_head(self):
        """@return: the head, filled from the first chunk or the tail's inner half."""
        if self._chunks:
            head = self._unpack(self._chunks.popleft())
            head.reverse()
        else:
            head = _inner_half(self._tail)
        self._head = head
        return head

    def _unpack(self, chunk):
        """@return: the elements of C{chunk}, just taken off the chunks."""
        count, blob = chunk
        self._packed -= count
        self.packed_bytes -= len(blob)
        return _loads(blob)

    def _replace(self, position, items):
        """Pack C{items} as the chunk at C{position}."""
        old = self._chunks[position][1]
        blob = _dumps(items)
        self._chunks[position] = (len(items), blob)
        self.packed_bytes += len(blob) - len(old)

    def _index(self, index):
        """@return: C{index} from 0, negative counting from the end; IndexError if outside."""
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("list index out of range")
        return index

    def _locate(self, index):
        """
        @return: C{(position of the chunk, index within it)} of the
            C{index}th packed element, walking from the nearer end.
        """
        chunks = self._chunks
        if index < self._packed // 2:
            for position, (count, _) in enumerate(chunks):
                if index < count:
                    return position, index
                index -= count
        back = self._packed - index
        position = len(chunks)
        for count, _ in reversed(chunks):
            position -= 1
            if back <= count:
                return position, count - back
            back -= count
        raise IndexError(index)


def _inner_half(end):
    """
    Take the inner half (rounded up) of one end's plain elements, for the
    other end, whose order is the reverse.

    @raise IndexError: when C{end} is empty too.
    """
    if not end:
        raise IndexError("pop from an empty list")
    half = (len(end) + 1) // 2
    taken = end[:half]
    del end[:half]
    taken.reverse()
    return taken


register_type(QuickList, "list")
