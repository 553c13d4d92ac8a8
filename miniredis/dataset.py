"""
The size of the dataset, kept up to date while C{maxmemory} is set.

Each key is measured by L{miniredis.sizes.key_size} (its name, its entry,
its value, elements sampled), plus its deadline and its access stamp: all
of them once when the limit is set, then each when a write touches it: L{Dataset} listens to the write stream
(L{miniredis.propagation}) and measures again the keys each write names
(a key gone counts for nothing). FLUSHALL, FLUSHDB and SWAPDB are followed
as such; what changes keys without a write in the stream (a log being
loaded, a full resynchronization) is caught by L{Dataset.reconcile}, which
counts a database again whose number of keys no longer matches.

The keys of each database are also kept in L{KeyPool}s, for the eviction
policies to pick keys at random in constant time. Usage::

    dataset = Dataset(store, commands.find)
    writes.listen(dataset.written)
    dataset.total                 # bytes
"""

import random

from miniredis.sizes import DICT_ENTRY, key_size, sizeof

# A deadline: its dict entry, the int, and its (deadline, key) in the heap.
DEADLINE = DICT_ENTRY + sizeof(1 << 40) + sizeof((0, b"")) + 8
# The access stamp of OBJECT IDLETIME / FREQ: its dict entry and the int.
STAMP = DICT_ENTRY + sizeof(1 << 40)


class KeyPool:
    """
    A set of keys that gives one at random in constant time.

    @ivar keys: the keys, in no order.
    """

    def __init__(self):
        self.keys = []
        self._where = {}

    def __len__(self):
        return len(self.keys)

    def add(self, key):
        if key not in self._where:
            self._where[key] = len(self.keys)
            self.keys.append(key)

    def discard(self, key):
        where = self._where.pop(key, None)
        if where is None:
            return
        last = self.keys.pop()
        if where < len(self.keys):
            self.keys[where] = last
            self._where[last] = where

    def sample(self, count):
        """@return: C{count} keys picked at random (repeats possible)."""
        keys = self.keys
        size = len(keys)
        return [keys[int(random.random() * size)] for _ in range(count)]


class Tally:
    """
    What the keys of one database take.

    @ivar sizes: key -> bytes.
    @ivar keys: a L{KeyPool} of all the keys; C{volatile}: of those with a
        deadline.
    """

    def __init__(self):
        self.sizes = {}
        self.keys = KeyPool()
        self.volatile = KeyPool()


class Dataset:
    """
    The estimated bytes of all the keys of a store.

    @ivar total: the sum of the sizes of every key.
    @ivar tallies: a L{Tally} per database.
    """

    def __init__(self, store, find):
        """
        @param find: the command table's lookup (L{miniredis.commands.find}),
            which tells the keys of a write.
        """
        self._store = store
        self._find = find
        self._commands = {}
        self.total = 0
        self.tallies = [Tally() for _ in store.databases]
        for db in store.databases:
            self.recount(db.index)

    def measure(self, index, key):
        """
        Measure C{key} of database C{index} again.

        @return: how many bytes it takes more than before (negative when
            it shrank or went away).
        """
        db = self._store.databases[index]
        tally = self.tallies[index]
        old = tally.sizes.get(key, 0)
        value = db.data.get(key)
        if value is None:
            if old:
                del tally.sizes[key]
                tally.keys.discard(key)
                tally.volatile.discard(key)
            self.total -= old
            return -old
        size = key_size(key, value) + STAMP
        if key in db.expires.deadlines:
            size += DEADLINE
            tally.volatile.add(key)
        else:
            tally.volatile.discard(key)
        tally.sizes[key] = size
        tally.keys.add(key)
        self.total += size - old
        return size - old

    def recount(self, index):
        """Measure every key of database C{index} again."""
        self.total -= sum(self.tallies[index].sizes.values())
        self.tallies[index] = Tally()
        for key in list(self._store.databases[index].data):
            self.measure(index, key)

    def reconcile(self):
        """Count again the databases whose keys changed out of sight."""
        for db in self._store.databases:
            if len(db.data) != len(self.tallies[db.index].sizes):
                self.recount(db.index)

    def written(self, index, argvs):
        """
        The write stream's listener: measure again what C{argvs}, run on
        database C{index}, touched.
        """
        for argv in argvs:
            cmd = self._commands.get(argv[0])
            if cmd is None:
                cmd, problem = self._find(argv)
                if cmd is None or problem is not None:
                    continue
                if "|" not in cmd.name and len(self._commands) < 1024:
                    self._commands[argv[0]] = cmd
            name = cmd.name
            if name in _WHOLE_DATABASES:
                index = self._whole(name, index, argv)
                continue
            first, last, step = cmd.key_range
            if first and "movablekeys" not in cmd.flags:
                if last < 0:
                    last += len(argv)
                for i in range(first, min(last, len(argv) - 1) + 1, step):
                    self.measure(index, argv[i])
            else:
                for key in cmd.key_names(argv):
                    self.measure(index, key)
            if name == "move" or name == "copy":
                target = _other_database(name, argv)
                if target is not None:
                    self.measure(target, argv[2] if name == "copy" else argv[1])

    def _whole(self, name, index, argv):
        """
        Follow a write on whole databases; @return: the database the next
        writes run on.
        """
        if name == "select":
            return int(argv[1])
        if name == "flushall":
            for db in self._store.databases:
                self.recount(db.index)
        elif name == "flushdb":
            self.recount(index)
        else:  # swapdb
            a, b = int(argv[1]), int(argv[2])
            self.tallies[a], self.tallies[b] = self.tallies[b], self.tallies[a]
        return index


_WHOLE_DATABASES = frozenset(["select", "flushall", "flushdb", "swapdb"])


def _other_database(name, argv):
    """@return: the database MOVE or COPY ... DB writes to, if another."""
    if name == "move":
        return int(argv[2])
    if name == "copy":
        for i in range(3, len(argv) - 1):
            if argv[i].lower() == b"db":
                return int(argv[i + 1])
    return None
