"""
A client of a Redis (or Valkey) Cluster: each call goes to the master
holding its keys' hash slot.

The slot map comes from C{CLUSTER SHARDS} (C{CLUSTER SLOTS} on servers
without it) and is read again when a node answers C{MOVED}; C{ASK} sends
the one call on to the importing node after C{ASKING}; C{TRYAGAIN} and
C{CLUSTERDOWN} are retried after a pause. A call whose keys lie in more
than one slot fails with C{CROSSSLOT} before anything is sent. Pipelines
are split per node; transactions and watches need all their keys in one
slot. Commands without keys go to any node; L{ClusterClient.on_masters}
sends one to every master.
"""

from collections.abc import Sequence
from typing import Any, Callable, Optional

from twisted.internet import task
from twisted.internet.defer import (
    Deferred,
    DeferredList,
    gatherResults,
    inlineCallbacks,
    succeed,
)
from twisted.internet.error import ConnectError, ConnectionClosed
from twisted.logger import Logger
from twisted.python.failure import Failure

from miniredis.client.batch import Pipeline
from miniredis.client.methods import Key, RedisCommands
from miniredis.client.pool import ClientPool, PoolFeatures
from miniredis.client.replies import RedisError, command_name, to_dict
from miniredis.client.subscriber import Subscriber

log = Logger(namespace="miniredis.client.cluster")

SLOTS = 16384
MAX_REDIRECTIONS = 16


def _crc16_table():
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return table


_CRC16 = _crc16_table()


def crc16(data: bytes) -> int:
    """@return: the CRC16 (XMODEM) of C{data}, as Redis Cluster computes it."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[((crc >> 8) ^ byte) & 0xFF]
    return crc


def _bytes(value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogateescape")


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def key_slot(key: Key) -> int:
    """
    @return: the hash slot of C{key}: of its hash tag, the part between the
        first C{{} and the next C{}}, when that part is not empty.
    """
    key = _bytes(key)
    start = key.find(b"{")
    if start >= 0:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            key = key[start + 1 : end]
    return crc16(key) % SLOTS


def command_keys(args):
    """
    @return: the keys of a command line, found by miniredis's command table;
        None for a command the table does not have.
    """
    from miniredis import commands

    commands.load_all()
    argv = [_bytes(arg) for arg in args]
    command, problem = commands.find(argv)
    if command is None:
        return None
    return [argv[i] for i, _ in command.key_positions(argv) or ()]


def slot_of(args: Sequence[Any], keys: Optional[list] = None) -> Optional[int]:
    """
    @param keys: the keys of C{args}, if known; else L{command_keys} finds
        them (the first argument, for a command it does not know).
    @return: the one slot of a command line's keys, or None without keys.
    @raise RedisError: C{CROSSSLOT} where the keys lie in several slots.
    """
    if keys is None:
        keys = command_keys(args)
        if keys is None:
            keys = list(args[1:2])
    slots = {key_slot(key) for key in keys}
    if len(slots) > 1:
        raise RedisError("CROSSSLOT Keys in request don't hash to the same slot")
    return slots.pop() if slots else None


def parse_shards(reply):
    """@return: C{[(start, end, "host:port")]} from a C{CLUSTER SHARDS} reply."""
    ranges = []
    for shard in reply:
        shard = {_text(k): v for k, v in to_dict(shard).items()}
        master = None
        for node in shard["nodes"]:
            node = {_text(k): v for k, v in to_dict(node).items()}
            if _text(node["role"]) == "master" and _text(node["health"]) == "online":
                master = "%s:%s" % (_text(node["ip"]), node["port"])
        slots = [int(s) for s in shard["slots"]]
        if master is not None:
            ranges.extend((s, e, master) for s, e in zip(slots[::2], slots[1::2]))
    return ranges


def parse_slots(reply):
    """@return: C{[(start, end, "host:port")]} from a C{CLUSTER SLOTS} reply."""
    return [
        (int(start), int(end), "%s:%s" % (_text(master[0]), master[1]))
        for start, end, master, *_ in reply
    ]


class ClusterClient(PoolFeatures, RedisCommands):
    """
    The commands of L{ClientPool}, each sent to the node holding its slot
    (one L{ClientPool} per node).

    @ivar slots: the slot map, a node address (C{"host:port"}) per slot.
    @ivar redirections: how many C{MOVED}, C{ASK} and C{TRYAGAIN} (or
        C{CLUSTERDOWN}) answers were followed.
    """

    def __init__(self, reactor: Any, nodes: list, size: int = 1, **options: Any):
        """
        @param nodes: endpoint descriptions of some nodes (C{"tcp:h:p"}).
        @param size: connections per node.
        @param options: the keyword arguments of L{miniredis.client.pool}.
        """
        self._reactor = reactor
        self._size = size
        self._options = options
        self._seeds = [_address(node) for node in nodes]
        self._pools = {}
        self.slots = [None] * SLOTS
        self._refreshing = None
        self._mapped = False
        self.redirections = {"MOVED": 0, "ASK": 0, "TRYAGAIN": 0}

    def node(self, address: str) -> ClientPool:
        """@return: the L{ClientPool} of the node at C{"host:port"}."""
        pool = self._pools.get(address)
        if pool is None:
            from miniredis.client import pool as make_pool

            host, _, port = address.rpartition(":")
            endpoint = "tcp:%s:%s" % (host.replace(":", r"\:"), port)
            pool = make_pool(self._reactor, endpoint, self._size, **self._options)
            self._pools[address] = pool
        return pool

    def refresh(self) -> Deferred:
        """
        Read the slot map again (one reading at a time).

        @return: a L{Deferred} firing once it is read.
        """
        waiter = Deferred()
        if self._refreshing is None:
            self._refreshing = [waiter]
            self._read_map().addBoth(self._refreshed)
        else:
            self._refreshing.append(waiter)
        return waiter

    def _refreshed(self, result):
        waiting, self._refreshing = self._refreshing, None
        for waiter in waiting:
            if isinstance(result, Failure):
                waiter.errback(result)
            else:
                waiter.callback(result)

    def _refresh_soon(self):
        """Read the slot map again, without waiting for it."""
        self.refresh().addErrback(
            lambda failure: log.failure("reading the slot map failed", failure)
        )

    @inlineCallbacks
    def _read_map(self):
        errors = []
        for address in list(dict.fromkeys(list(self._pools) + self._seeds)):
            pool = self.node(address)
            try:
                try:
                    ranges = parse_shards((yield pool.execute("CLUSTER", "SHARDS")))
                except RedisError:
                    ranges = parse_slots((yield pool.execute("CLUSTER", "SLOTS")))
            except Exception as e:
                errors.append(e)
                continue
            slots = [None] * SLOTS
            for start, end, master in ranges:
                slots[start : end + 1] = [master] * (end - start + 1)
            self.slots = slots
            self._mapped = True
            log.debug("slot map read from {address}", address=address)
            return None
        raise RedisError("ERR no cluster node answered: %s" % (errors,))

    def _ready(self):
        return self.refresh() if not self._mapped else succeed(None)

    def _address_of(self, slot):
        address = self.slots[slot] if slot is not None else None
        if address is None:
            address = next((a for a in self.slots if a is not None), self._seeds[0])
        return address

    def execute(self, *args: Any, timeout: Optional[float] = None) -> Deferred:
        """
        Send any command as it is, to the node of its keys' slot.

        @return: a L{Deferred} firing with the reply.
        """
        return self._send(args, timeout)

    def _call(self, convert, *args):
        deferred = self._send(args, None)
        return deferred if convert is None else deferred.addCallback(convert)

    @inlineCallbacks
    def slot(self, args: Sequence[Any]) -> Deferred:
        """
        The slot of a command line: its keys found by miniredis's command
        table, or else by the cluster (C{COMMAND GETKEYS}).

        @return: a L{Deferred} firing with the slot, None without keys;
            failing with C{CROSSSLOT} where the keys lie in several slots.
        """
        keys = command_keys(args)
        if keys is None:
            yield self._ready()
            try:
                keys = yield self.node(self._address_of(None)).execute(
                    "COMMAND", "GETKEYS", *args
                )
            except RedisError:
                keys = []  # no keys, or a bad command line: the node will say
        return slot_of(args, keys)

    @inlineCallbacks
    def _send(self, args, timeout):
        slot = yield self.slot(args)
        address, asking = None, False
        for attempt in range(MAX_REDIRECTIONS):
            yield self._ready()
            pool = self.node(address or self._address_of(slot))
            try:
                if asking:
                    results = (
                        yield pool.pipeline().execute("ASKING").execute(*args).execute()
                    )
                    if isinstance(results[1], Exception):
                        raise results[1]
                    return results[1]
                return (yield pool.execute(*args, timeout=timeout))
            except RedisError as e:
                address, asking = yield self._redirected(e, attempt)
            except (ConnectError, ConnectionClosed):
                if attempt > 2:
                    raise
                address, asking = None, False
                self._mapped = False
                yield self._pause(attempt)
        raise RedisError(
            "ERR too many cluster redirections for %s" % (command_name(args),)
        )

    @inlineCallbacks
    def _redirected(self, error, attempt):
        """
        Handle an error that means "ask elsewhere", or raise it.

        @return: where to send the next try (None: where the slot map
            says) and whether to send C{ASKING} first.
        """
        words = error.message.split()
        kind = words[0]
        if kind in ("MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN"):
            self.redirections["TRYAGAIN" if kind == "CLUSTERDOWN" else kind] += 1
        if kind == "MOVED":
            address = self._full(words[2])
            self.slots[int(words[1])] = address
            self._refresh_soon()
            return address, False
        if kind == "ASK":
            return self._full(words[2]), True
        if kind in ("TRYAGAIN", "CLUSTERDOWN"):
            yield self._pause(attempt)
            return None, False
        raise error

    def _full(self, address):
        """@return: C{address}, with a host where the node gave only C{":port"}."""
        if address.startswith(":"):
            return self._seeds[0].rpartition(":")[0] + address
        return address

    def _pause(self, attempt):
        return task.deferLater(self._reactor, min(0.01 * 2**attempt, 0.5))

    @inlineCallbacks
    def on_masters(self, *args: Any) -> Deferred:
        """
        Send a command to every master (C{FLUSHALL}, C{SCRIPT LOAD}, ...).

        @return: a L{Deferred} firing with C{{"host:port": reply}}.
        """
        yield self._ready()
        masters = sorted({a for a in self.slots if a is not None})
        replies = yield gatherResults(
            [self.node(a).execute(*args) for a in masters], consumeErrors=True
        )
        return dict(zip(masters, replies))

    def pipeline(self) -> "ClusterPipeline":
        """@return: a L{ClusterPipeline}: calls sent per node, one write each."""
        return ClusterPipeline(self)

    def multi(self) -> "ClusterPipeline":
        """@return: a L{ClusterPipeline} run in C{MULTI}/C{EXEC} (one slot)."""
        return ClusterPipeline(self, transaction=True)

    @inlineCallbacks
    def watch(self, *keys: Key) -> Deferred:
        """C{WATCH} keys of one slot; @return: a L{WatchedConnection}."""
        slot = slot_of(("WATCH",) + keys, list(keys))
        yield self._ready()
        return (yield self.node(self._address_of(slot)).watch(*keys))

    def subscriber(self, callback: Optional[Callable] = None) -> Subscriber:
        """@return: a L{Subscriber} on a node (messages reach every node)."""
        return self.node(self._seeds[0]).subscriber(callback)

    def disconnect(self) -> Deferred:
        """@return: a L{Deferred} firing once every node's pool is closed."""
        pools = list(self._pools.values())
        return DeferredList([p.disconnect() for p in pools]).addCallback(lambda _: None)


class ClusterPipeline(Pipeline):
    """
    A L{Pipeline} over a cluster: its calls are sent to their nodes, one
    write per node, and the results put back in order; a call answered
    C{MOVED}, C{ASK} or C{TRYAGAIN} is sent again on its own.
    """

    def __init__(self, cluster, transaction=False):
        Pipeline.__init__(self, None, transaction)
        self._cluster = cluster

    def execute(self, *args):
        """As L{Pipeline.execute}, over the cluster."""
        if args:
            return self._call(None, *args)
        queued, self._queued = self._queued, []
        return self._send(queued)

    @inlineCallbacks
    def _send(self, queued):
        cluster = self._cluster
        slots = []
        for args, _ in queued:
            slots.append((yield cluster.slot(args)))
        if self.transaction:
            if len({s for s in slots if s is not None}) > 1:
                raise RedisError(
                    "CROSSSLOT Keys in request don't hash to the same slot"
                )
            slot = next((s for s in slots if s is not None), None)
            for attempt in range(MAX_REDIRECTIONS):
                yield cluster._ready()
                pipeline = cluster.node(cluster._address_of(slot)).multi()
                pipeline._queued = list(queued)
                try:
                    return (yield pipeline.execute())
                except RedisError as e:
                    if "MOVED" not in e.message and "TRYAGAIN" not in e.message:
                        raise
                    cluster._refresh_soon()
                    yield cluster._pause(attempt)
            raise RedisError("ERR too many cluster redirections")
        yield cluster._ready()
        groups = {}
        for index, slot in enumerate(slots):
            groups.setdefault(cluster._address_of(slot), []).append(index)
        results = [None] * len(queued)
        sent = []
        for address, indexes in groups.items():
            pipeline = cluster.node(address).pipeline()
            pipeline._queued = [queued[i] for i in indexes]
            sent.append(pipeline.execute().addCallback(_place, results, indexes))
        yield gatherResults(sent, consumeErrors=True)
        for index, result in enumerate(results):
            if isinstance(result, RedisError) and result.message.split()[0] in (
                "MOVED",
                "ASK",
                "TRYAGAIN",
            ):
                args, convert = queued[index]
                try:
                    results[index] = yield cluster._call(convert, *args)
                except RedisError as e:
                    results[index] = e
        return results


def _place(replies, results, indexes):
    for index, reply in zip(indexes, replies):
        results[index] = reply


def _address(node):
    """@return: C{"host:port"} of an endpoint description C{"tcp:h:p"}."""
    parts = node.split(":")
    if parts[0] in ("tcp", "tcp6"):
        parts = parts[1:]
    return "%s:%s" % (parts[0], parts[1])
