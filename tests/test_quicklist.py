"""
The packed list value (L{miniredis.quicklist}) against C{collections.deque},
operation by operation, with chunks small enough that every operation
crosses packed chunks.
"""

from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from miniredis import quicklist
from miniredis.quicklist import QuickList
from miniredis.sizes import sizeof, value_size

_items = st.lists(st.binary(max_size=6), max_size=12)
_index = st.integers(-70, 70)

_OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.binary(max_size=4)),
        st.tuples(st.just("appendleft"), st.binary(max_size=4)),
        st.tuples(st.just("extend"), _items),
        st.tuples(st.just("extendleft"), _items),
        st.tuples(st.just("pop")),
        st.tuples(st.just("popleft")),
        st.tuples(st.just("get"), _index),
        st.tuples(st.just("set"), _index, st.binary(max_size=4)),
        st.tuples(st.just("insert"), _index, st.binary(max_size=4)),
        st.tuples(st.just("range"), _index, _index),
        st.tuples(st.just("clear")),
        st.tuples(st.just("copy")),
    ),
    max_size=120,
)


@pytest.fixture
def small_chunks(monkeypatch):
    """
    Chunks of 3 elements, so that a dozen elements are mostly packed (the
    same for every example: the fixture needs no reset between them).
    """
    monkeypatch.setattr(quicklist, "CHUNK", 3)
    monkeypatch.setattr(quicklist, "LIMIT", 6)


def _apply(value, operation):
    """@return: what C{operation} on C{value} (a deque or a QuickList) gives."""
    name, args = operation[0], operation[1:]
    if name in ("pop", "popleft", "get", "set"):
        try:
            if name == "get":
                return value[args[0]]
            if name == "set":
                value[args[0]] = args[1]
                return None
            return getattr(value, name)()
        except IndexError:
            return IndexError
    if name == "range":
        start, stop = sorted(max(0, min(i, len(value))) for i in args)
        if type(value) is deque:
            return list(value)[start:stop]
        return value.range(start, stop)
    if name == "copy":
        return list(value.copy())
    if name in ("extend", "extendleft") and type(value) is deque:
        getattr(value, name)(*args)
        return len(value)  # what a QuickList's returns
    return getattr(value, name)(*args)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    initial=st.lists(st.binary(max_size=4), max_size=30),
    operations=_OPERATIONS,
)
def test_behaves_as_a_deque(small_chunks, initial, operations):
    """Every operation gives what it gives on a deque and leaves the same elements."""
    expected, packed = deque(initial), QuickList(initial)
    for operation in operations:
        assert _apply(packed, operation) == _apply(expected, operation), operation
        assert list(packed) == list(expected)
        assert list(reversed(packed)) == list(reversed(expected))
        assert len(packed) == len(expected)
    head, chunks, tail = packed.parts()
    assert sum(count for count, _ in chunks) + len(head) + len(tail) == len(expected)
    assert packed.packed_bytes == sum(len(blob) for _, blob in chunks)


def test_long_lists_are_packed():
    """Past two chunks of plain elements, an end packs all but about one chunk."""
    value = QuickList()
    for i in range(1000):
        value.append(b"member:%012d" % i)
        value.appendleft(b"member:%012d" % -i)
    head, chunks, tail = value.parts()
    assert len(head) < quicklist.LIMIT and len(tail) < quicklist.LIMIT
    assert sum(count for count, _ in chunks) == 2000 - len(head) - len(tail)
    assert value[0] == b"member:-00000000999" and value[1999] == b"member:000000000999"


def test_packed_elements_are_smaller():
    """A packed element costs its length and a few bytes; MEMORY counts it so."""
    value = QuickList(b"member:%012d" % i for i in range(10000))
    plain = deque(value)
    plain_size = sizeof(plain) + sum(map(sizeof, plain))
    assert value_size(value, samples=0) < plain_size / 2
    assert value_size(value, samples=0) > 10000 * len(b"member:000000000000")


def test_inserts_in_the_middle_split_a_chunk():
    """A chunk grown by inserts to two chunks' worth is cut in two."""
    value = QuickList(b"%d" % i for i in range(1000))
    expected = deque(value)
    for i in range(600):
        value.insert(500, b"new %d" % i)
        expected.insert(500, b"new %d" % i)
        value[501] = expected[501] = b"set %d" % i
    assert list(value) == list(expected)
    assert [value[i] for i in range(0, 1600, 7)] == [
        expected[i] for i in range(0, 1600, 7)
    ]
    head, chunks, tail = value.parts()
    counts = [count for count, _ in chunks]
    assert max(counts) < quicklist.LIMIT
    assert sum(counts) + len(head) + len(tail) == 1600
