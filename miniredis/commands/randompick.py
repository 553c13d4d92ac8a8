"""
Random picks shared by the random-member commands of several families
(HRANDFIELD, SRANDMEMBER, SPOP with a count, ZRANDMEMBER).

Usage::

    random_picks([b"a", b"b", b"c"], 2)    # two distinct items
    random_picks([b"a", b"b", b"c"], -5)   # five items, repeats allowed
"""

import random


def random_picks(items, count):
    """
    Pick as Redis's random-member commands do: C{count >= 0} distinct
    items (all of them, in order, when there are no more), C{count < 0}
    then C{-count} items that may repeat.
    """
    if count < 0:
        return random.choices(items, k=-count)
    if count >= len(items):
        return items
    return random.sample(items, count)
