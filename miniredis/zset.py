"""
The sorted set value: a dict of member scores plus a sorted list of
C{(score, member)} pairs, so updates and range queries are O(log n).
"""

from sortedcontainers import SortedList

from miniredis.store import register_type


class ZSet:
    """
    A Redis sorted set.

    @ivar scores: member (bytes) -> score (float).
    @ivar order: a C{SortedList} of C{(score, member)}, Redis's order.
    """

    __slots__ = ("scores", "order")

    def __init__(self, items=()):
        self.scores = {}
        self.order = SortedList()
        for member, score in items:
            self.add(member, score)

    def __len__(self):
        return len(self.scores)

    def __contains__(self, member):
        return member in self.scores

    def __eq__(self, other):
        return isinstance(other, ZSet) and other.scores == self.scores

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


register_type(ZSet, "zset")
