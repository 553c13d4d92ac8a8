"""
The stream value: entries by ID, the nodes Redis would pack them in, and
consumer groups with their pending entries.

IDs are C{(ms, seq)} pairs of ints. Entries live in a dict from ID to the
entry as replies give it, C{[b"ms-seq", [field, value, ...]]} (shared by
the replies that show it, so never changed in place); as IDs only grow,
the dict's order is theirs, and a C{SortedList} of them finds ranges.
Beside them the stream keeps the outline of Redis's radix tree of listpack nodes (which IDs each node
holds, how many of them are deleted, how many bytes it takes): C{~}
trimming removes whole nodes only, XINFO counts them, and RDB files hold
them, so they must fill up as Redis's do.

Usage::

    stream = Stream()
    stream.append((1, 0), [b"field", b"value"], 100, 4096)
    list(stream.ids.irange((0, 0), MAX_ID))   # [(1, 0)]
    stream.trim(MAXLEN, 0, approx=False, limit=0)  # 1
"""

import bisect

from sortedcontainers import SortedDict, SortedList

from miniredis.listpack import EMPTY_SIZE, element_size
from miniredis.store import register_type

MAX_ID = ((1 << 64) - 1, (1 << 64) - 1)
ZERO_ID = (0, 0)
INVALID_READS = -1  # a group whose count of entries read is unknown
MAXLEN = "maxlen"
MINID = "minid"


def format_id(stream_id):
    """@return: C{b"ms-seq"}."""
    return b"%d-%d" % stream_id


def next_id(stream_id):
    """@return: the ID right after C{stream_id}, or None after L{MAX_ID}."""
    ms, seq = stream_id
    if seq < MAX_ID[1]:
        return ms, seq + 1
    if ms < MAX_ID[0]:
        return ms + 1, 0
    return None


def previous_id(stream_id):
    """@return: the ID right before C{stream_id}, or None before 0-0."""
    ms, seq = stream_id
    if seq:
        return ms, seq - 1
    if ms:
        return ms - 1, MAX_ID[1]
    return None


class Pending:
    """
    An entry delivered to a consumer and not yet acknowledged.

    @ivar delivered: when it was last delivered (ms).
    @ivar count: how many times it was delivered.
    @ivar consumer: the L{Consumer} that has it.
    """

    __slots__ = ("delivered", "count", "consumer")

    def __init__(self, delivered, count, consumer):
        self.delivered = delivered
        self.count = count
        self.consumer = consumer


class Consumer:
    """
    A consumer of a group.

    @ivar seen: when it last read or claimed (ms).
    @ivar pending: ID -> L{Pending}, its share of the group's.
    """

    __slots__ = ("name", "seen", "pending")

    def __init__(self, name, seen):
        self.name = name
        self.seen = seen
        self.pending = SortedDict()


class Group:
    """
    A consumer group.

    @ivar last_id: the last ID delivered to it.
    @ivar entries_read: how many entries of the stream it has read, or
        L{INVALID_READS}.
    @ivar pending: ID -> L{Pending}.
    @ivar consumers: name -> L{Consumer}.
    """

    __slots__ = ("last_id", "entries_read", "pending", "consumers")

    def __init__(self, last_id, entries_read):
        self.last_id = last_id
        self.entries_read = entries_read
        self.pending = SortedDict()
        self.consumers = {}

    def consumer(self, name, now, create=True):
        """@return: the consumer C{name}, made if C{create}, else None if absent."""
        found = self.consumers.get(name)
        if found is None and create:
            found = self.consumers[name] = Consumer(name, now)
        return found

    def add_pending(self, stream_id, consumer, now, count):
        """Give C{stream_id} to C{consumer}, taking it from any other."""
        entry = self.pending.get(stream_id)
        if entry is None:
            entry = self.pending[stream_id] = Pending(now, count, consumer)
        else:
            del entry.consumer.pending[stream_id]
            entry.consumer = consumer
            entry.delivered = now
            entry.count = count
        consumer.pending[stream_id] = entry
        return entry

    def remove_pending(self, stream_id):
        """@return: whether C{stream_id} was pending (it is no more)."""
        entry = self.pending.pop(stream_id, None)
        if entry is None:
            return False
        del entry.consumer.pending[stream_id]
        return True


class Node:
    """
    The outline of one listpack node of Redis's radix tree.

    @ivar master: the ID of the first entry put in it (its key in the tree).
    @ivar fields: the field names of that entry (its "master entry").
    @ivar last: the ID of the last entry put in it, deleted or not.
    @ivar live: how many of its entries are not deleted.
    @ivar deleted: how many are marked deleted.
    @ivar body: its bytes, without the header, the end mark and the two
        counters above.
    """

    __slots__ = ("master", "fields", "last", "live", "deleted", "body")

    def __init__(self, master, fields):
        self.master = master
        self.fields = fields
        self.last = master
        self.live = 0
        self.deleted = 0
        self.body = element_size(len(fields)) + element_size(0)
        self.body += sum(element_size(field) for field in fields)

    def size(self):
        """@return: its listpack's size in bytes, as Redis's C{lpBytes}."""
        if self.live + self.deleted < 128:
            counters = 4  # two one-byte integers and their back lengths
        else:
            counters = element_size(self.live) + element_size(self.deleted)
        return EMPTY_SIZE + counters + self.body

    def add(self, stream_id, flat):
        """
        Count in the entry C{stream_id} with fields and values C{flat}:
        its flags, the differences of its ID from the master ID, its values
        (and field names unless they are the master entry's), its length.
        """
        fields = tuple(flat[0::2])
        count = len(fields)
        master = self.master
        size = element_size(stream_id[0] - master[0])
        size += element_size(stream_id[1] - master[1])
        if fields == self.fields:
            size += sum(map(element_size, flat[1::2])) + element_size(count + 3)
        else:
            size += sum(map(element_size, flat)) + element_size(count)
            size += element_size(2 * count + 4)
        self.body += size + 2  # and the flags
        self.last = stream_id
        self.live += 1


class Stream:
    """
    A Redis stream.

    @ivar entries: ID -> C{[formatted ID, flat list of fields and values]},
        in ID order.
    @ivar ids: a C{SortedList} of the IDs of L{entries}.
    @ivar nodes: the L{Node}s in order; C{keys} their master IDs.
    @ivar last_id: the greatest ID ever added (or set by XSETID).
    @ivar max_deleted: the greatest ID deleted by XDEL.
    @ivar entries_added: how many entries were ever added.
    @ivar groups: name -> L{Group}.
    """

    __slots__ = (
        "entries",
        "ids",
        "nodes",
        "keys",
        "last_id",
        "max_deleted",
        "entries_added",
        "groups",
    )

    def __init__(self):
        self.entries = {}
        self.ids = SortedList()
        self.nodes = []
        self.keys = []
        self.last_id = ZERO_ID
        self.max_deleted = ZERO_ID
        self.entries_added = 0
        self.groups = {}

    def __len__(self):
        return len(self.entries)

    def __bool__(self):
        return True  # an empty stream is still a value

    def first_id(self):
        """@return: the ID of the first entry, 0-0 when empty."""
        return self.ids[0] if self.entries else ZERO_ID

    def top_id(self):
        """@return: the ID of the last entry, 0-0 when empty."""
        return self.ids[-1] if self.entries else ZERO_ID

    def put(self, stream_id, flat):
        """
        Store an entry (its node is the caller's business).

        @return: its ID formatted.
        """
        formatted = format_id(stream_id)
        self.entries[stream_id] = [formatted, flat]
        self.ids.add(stream_id)
        return formatted

    def append(self, stream_id, flat, max_entries, max_bytes):
        """
        Add an entry at the end, in a new node when the last one is full
        (C{max_entries}, C{max_bytes}: stream-node-max-entries and -bytes).

        @return: its ID formatted.
        """
        node = self.nodes[-1] if self.nodes else None
        if node is not None:
            if max_bytes <= 0 or max_bytes > 1 << 30:
                max_bytes = 1 << 30
            if node.size() + sum(map(len, flat)) >= max_bytes:
                node = None
            elif max_entries and node.live + node.deleted >= max_entries:
                node = None
        if node is None:
            node = Node(stream_id, tuple(flat[0::2]))
            self.nodes.append(node)
            self.keys.append(stream_id)
        node.add(stream_id, flat)
        self.last_id = stream_id
        self.entries_added += 1
        return self.put(stream_id, flat)

    def _node_index(self, stream_id):
        return bisect.bisect_right(self.keys, stream_id) - 1

    def delete(self, stream_id):
        """@return: whether the entry C{stream_id} was there (it is now gone)."""
        if self.entries.pop(stream_id, None) is None:
            return False
        self.ids.remove(stream_id)
        index = self._node_index(stream_id)
        node = self.nodes[index]
        if node.live == 1:
            del self.nodes[index]
            del self.keys[index]
        else:
            node.live -= 1
            node.deleted += 1
        return True

    def trim(self, strategy, threshold, approx, limit):
        """
        Trim from the start as Redis's C{streamTrim} does: whole nodes while
        they can go, then (unless C{approx}) entries of the next node.

        @param strategy: L{MAXLEN} (C{threshold}: a length) or L{MINID}
            (C{threshold}: an ID).
        @param limit: at most this many entries removed with whole nodes
            (0: no limit).
        @return: how many entries were removed.
        """
        removed = 0
        while self.nodes:
            if strategy == MAXLEN and len(self.entries) <= threshold:
                break
            node = self.nodes[0]
            if limit and removed + node.live > limit:
                break
            if strategy == MAXLEN:
                whole = len(self.entries) - node.live >= threshold
            else:
                whole = node.last < threshold
            if whole:
                self._drop_first_node(node)
                removed += node.live
                continue
            if approx:
                break
            if strategy == MAXLEN:
                count = len(self.entries) - threshold
            else:
                count = self.ids.bisect_left(threshold)
            self._drop_head(count)
            node.live -= count
            node.deleted += count
            removed += count
            break
        return removed

    def _drop_first_node(self, node):
        self._drop_head(node.live)
        del self.nodes[0]
        del self.keys[0]

    def _drop_head(self, count):
        """Forget the first C{count} entries (of the first node)."""
        entries = self.entries
        for stream_id in self.ids[:count]:
            del entries[stream_id]
        del self.ids[:count]

    def has_tombstones(self, start):
        """
        Whether an XDEL may have left a hole at or after C{start} (Redis's
        C{streamRangeHasTombstones} to the end).
        """
        if not self.entries or self.max_deleted == ZERO_ID:
            return False
        if self.first_id() > self.max_deleted:
            return False
        return start <= self.max_deleted

    def estimate_reads(self, stream_id):
        """
        @return: how many entries were added up to C{stream_id}, where that
            can be known, else L{INVALID_READS} (Redis's
            C{streamEstimateDistanceFromFirstEverEntry}).
        """
        if not self.entries_added:
            return 0
        if not self.entries and stream_id <= self.last_id:
            return self.entries_added
        if stream_id == self.last_id:
            return self.entries_added
        if stream_id > self.last_id:
            return INVALID_READS
        first = self.first_id()
        if self.max_deleted == ZERO_ID or self.max_deleted < first:
            if stream_id < first:
                return self.entries_added - len(self.entries)
            if stream_id == first:
                return self.entries_added - len(self.entries) + 1
        return INVALID_READS

    def lag(self, group):
        """@return: how many entries C{group} has yet to read, or None if unknown."""
        if not self.entries_added:
            return 0
        if group.entries_read != INVALID_READS and not self.has_tombstones(
            group.last_id
        ):
            return self.entries_added - group.entries_read
        reads = self.estimate_reads(group.last_id)
        if reads == INVALID_READS:
            return None
        return self.entries_added - reads

    def copy(self):
        """@return: a deep copy (COPY)."""
        other = Stream()
        other.entries = dict(self.entries)
        other.ids = self.ids.copy()
        for node in self.nodes:
            twin = Node.__new__(Node)
            for name in Node.__slots__:
                setattr(twin, name, getattr(node, name))
            other.nodes.append(twin)
        other.keys = list(self.keys)
        other.last_id = self.last_id
        other.max_deleted = self.max_deleted
        other.entries_added = self.entries_added
        for name, group in self.groups.items():
            twin = other.groups[name] = Group(group.last_id, group.entries_read)
            for consumer in group.consumers.values():
                mine = twin.consumer(consumer.name, consumer.seen)
                for stream_id, entry in consumer.pending.items():
                    twin.add_pending(stream_id, mine, entry.delivered, entry.count)
        return other


register_type(Stream, "stream")
