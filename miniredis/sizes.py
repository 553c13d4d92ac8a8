"""
What keys take: an estimate in bytes of a key and its value, the one
estimator behind MEMORY USAGE and the C{maxmemory} accounting
(L{miniredis.dataset}).

The estimate adds up the C{sys.getsizeof} of the Python objects that hold
a key, sampling the elements of a large aggregate as Redis does. PyPy has
no C{getsizeof}: there the sizes are what CPython's objects of the same
content take, estimated. Usage::

    key_size(b"k", b"v")            # the key, its entry and its value
    value_size(big_hash, samples=0) # every element measured
"""

import itertools
import platform
import sys
from collections import deque

from miniredis.quicklist import QuickList
from miniredis.store import Typed
from miniredis.stream import Stream
from miniredis.zset import ZSet

DEFAULT_SAMPLES = 5


def _cpython_like(obj):
    """An estimate of C{sys.getsizeof(obj)}, for PyPy."""
    if isinstance(obj, (bytes, str)):
        return 33 + len(obj)
    if isinstance(obj, (int, float)):
        return 24
    if isinstance(obj, dict):
        return 64 + 40 * len(obj)
    if isinstance(obj, (set, frozenset)):
        return 216 + 16 * len(obj)
    if isinstance(obj, tuple):
        return 40 + 8 * len(obj)
    if isinstance(obj, (list, deque)):
        return 56 + 8 * len(obj)
    return 64  # an object of slots: miniredis's values, a SortedList


if platform.python_implementation() == "PyPy":
    sizeof = _cpython_like
else:
    sizeof = sys.getsizeof

# What one more entry costs a dict, its share of the hash table included.
DICT_ENTRY = (sizeof(dict.fromkeys(range(1 << 12))) - sizeof({})) >> 12


def sampled(items, count, samples, size):
    """
    @return: the summed C{size} of the C{count} C{items}, measured on the
        first C{samples} of them (all for 0) and scaled up to C{count}.
    """
    if not count:
        return 0
    if samples and count > samples:
        measured = sum(size(item) for item in itertools.islice(items, samples))
        return measured * count // samples
    return sum(size(item) for item in items)


def _pair_size(pair):
    return sizeof(pair[0]) + sizeof(pair[1])


def _nested_size(value, samples):
    """@return: the size of a decoded RESP value a typed client stored."""
    size = sizeof(value)
    if isinstance(value, dict):
        return size + sampled(
            iter(value.items()),
            len(value),
            samples,
            lambda pair: (
                _nested_size(pair[0], samples) + _nested_size(pair[1], samples)
            ),
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        return size + sampled(
            iter(value), len(value), samples, lambda item: _nested_size(item, samples)
        )
    return size


def _zset_size(value, samples):
    """The dict of scores, the sorted list of (score, member) and their items."""
    order = value.order
    lists = getattr(order, "_lists", ())
    size = sizeof(value) + sizeof(value.scores) + sizeof(order)
    size += sizeof(lists) + sum(sizeof(part) for part in lists)
    size += sizeof(getattr(order, "_maxes", ()))
    tuple_size = sizeof((0.0, b""))
    return size + sampled(
        iter(value.scores.items()),
        len(value),
        samples,
        lambda pair: _pair_size(pair) + tuple_size,
    )


def _stream_size(value, samples):
    """The dict of entries, their IDs and fields, the node outlines and groups."""
    entries = value.entries
    size = sizeof(value) + sizeof(entries) + sizeof(value.nodes) + sizeof(value.keys)
    size += len(value.nodes) * sizeof(value.nodes[0]) if value.nodes else 0
    size += sum(
        sizeof(group.pending) + sizeof(group) for group in value.groups.values()
    )
    return size + sampled(
        iter(entries.items()),
        len(entries),
        samples,
        lambda item: (
            sizeof(item[0])
            + sizeof(item[1])
            + sizeof(item[1][0])
            + sizeof(item[1][1])
            + sum(map(sizeof, item[1][1]))
        ),
    )


# A packed chunk besides its bytes: its (count, blob) pair and the blob's header.
_CHUNK_OVERHEAD = sizeof((0, b"")) + sizeof(b"")


def _list_size(value, samples):
    """The plain elements are sampled, the packed ones counted by their blobs."""
    head, chunks, tail = value.parts()
    plain = sampled(itertools.chain(head, tail), len(head) + len(tail), samples, sizeof)
    return (
        sizeof(value)
        + sizeof(head)
        + sizeof(tail)
        + sizeof(chunks)
        + len(chunks) * _CHUNK_OVERHEAD
        + value.packed_bytes
        + plain
    )


def value_size(value, samples=DEFAULT_SAMPLES):
    """
    @return: an estimate in bytes of what C{value} takes: its objects'
        C{sys.getsizeof}, elements included, an aggregate larger than
        C{samples} (0 for no limit) measured on its first C{samples}
        elements and the total extrapolated.
    """
    kind = type(value)
    if kind is bytes:
        return sizeof(value)
    if kind is Typed:
        return sizeof(value) + _nested_size(value.value, samples)
    if kind is ZSet:
        return _zset_size(value, samples)
    if kind is Stream:
        return _stream_size(value, samples)
    if kind is dict:
        items = sampled(iter(value.items()), len(value), samples, _pair_size)
        return sizeof(value) + items
    if kind is QuickList:
        return _list_size(value, samples)
    if kind is set:
        items = sampled(iter(value), len(value), samples, sizeof)
        return sizeof(value) + items
    return _nested_size(value, samples)


def key_size(key, value, samples=DEFAULT_SAMPLES):
    """
    @return: an estimate in bytes of C{key}, its entry in the keyspace and
        its C{value} (measured as L{value_size} does).
    """
    return sizeof(key) + DICT_ENTRY + value_size(value, samples)


def dataset_estimate(store, samples=DEFAULT_SAMPLES):
    """
    @return: the bytes the keys of C{store} take, measured on the first
        C{samples} keys of each database and extrapolated to all.
    """
    return sum(
        sampled(
            iter(db.data.items()),
            len(db.data),
            samples,
            lambda pair: key_size(pair[0], pair[1]),
        )
        for db in store.databases
    )
