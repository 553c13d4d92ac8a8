"""
The sorted set value: a dict of member scores plus a sorted list of
C{(score, member)} pairs, so updates and range queries are O(log n).

Usage::

    zs = ZSet([(b"a", 1.0), (b"b", 2.0)])
    zs.score_span(1.0, True, 2.0, False)   # (1, 2): the ranks of (1, 2]
    zs.rank(b"b")                          # 1
"""

from sortedcontainers import SortedList

from miniredis.store import register_type


class _Top:
    """A member greater than every byte string: C{(s, TOP)} follows all of score s."""

    __slots__ = ()

    def __lt__(self, other):
        return False

    def __le__(self, other):
        return other is self

    def __gt__(self, other):
        return other is not self

    def __ge__(self, other):
        return True

    def __eq__(self, other):
        return other is self

    def __hash__(self):
        return 0


TOP = _Top()


class ZSet:
    """
    A Redis sorted set.

    @ivar scores: member (bytes) -> score (float).
    @ivar order: a C{SortedList} of C{(score, member)}, Redis's order.
    @ivar compact: False once commands have made it a skiplist where Redis
        would (a listpack does not keep the sign of a zero score); Redis
        never turns a skiplist back into a listpack in place. See
        L{is_listpack}.
    """

    __slots__ = ("scores", "order", "compact")

    def __init__(self, items=()):
        self.scores = {}
        self.order = SortedList()
        self.compact = True
        for member, score in items:
            self.add(member, score)

    def __len__(self):
        return len(self.scores)

    def __contains__(self, member):
        return member in self.scores

    def __eq__(self, other):
        return isinstance(other, ZSet) and other.scores == self.scores

    def is_listpack(self, max_entries, max_value):
        """
        Whether Redis would hold this set as a listpack, under the
        C{zset-max-listpack-entries} and C{-value} limits.
        """
        return (
            self.compact
            and len(self.scores) <= max_entries
            and all(len(member) <= max_value for member in self.scores)
        )

    def add(self, member, score):
        """Set C{member}'s score; @return: whether the member is new."""
        old = self.scores.get(member)
        if old is not None:
            if old == score:
                return False
            self.order.remove((old, member))
        self.scores[member] = score
        self.order.add((score, member))
        return old is None

    def remove(self, member):
        """@return: whether C{member} was there."""
        score = self.scores.pop(member, None)
        if score is None:
            return False
        self.order.remove((score, member))
        return True

    def score(self, member):
        return self.scores.get(member)

    def rank(self, member):
        """@return: the 0-based ascending rank of C{member}, or None."""
        score = self.scores.get(member)
        if score is None:
            return None
        return self.order.index((score, member))

    def items(self):
        """@return: an iterator of C{(member, score)} in ascending order."""
        return ((member, score) for score, member in self.order)

    def pop(self, index):
        """Remove the pair at rank C{index} (0 or -1); @return: C{(score, member)}."""
        pair = self.order.pop(index)
        del self.scores[pair[1]]
        return pair

    def remove_span(self, start, stop):
        """Remove the ranks C{start} to C{stop - 1}; @return: how many."""
        scores = self.scores
        for _, member in self.order.islice(start, stop):
            del scores[member]
        del self.order[start:stop]
        return max(0, stop - start)

    def score_span(self, low, low_exclusive, high, high_exclusive):
        """@return: C{(start, stop)}, the ranks of the scores within the bounds."""
        bisect = self.order.bisect_left
        start = bisect((low, TOP if low_exclusive else b""))
        stop = bisect((high, b"" if high_exclusive else TOP))
        return start, max(start, stop)

    def uniform(self):
        """Whether every member has the same score (lex ranges are exact then)."""
        order = self.order
        return not order or order[0][0] == order[-1][0]

    def member_bisect(self, member, after):
        """
        In a L{uniform} set, the rank of the first member not below
        C{member} (C{after}: of the first member above it).
        """
        score = self.order[0][0]
        if after:
            return self.order.bisect_right((score, member))
        return self.order.bisect_left((score, member))


register_type(ZSet, "zset")
