"""
L{miniredis.client.cluster} against a real three-master Redis Cluster that
the module starts on loopback ports: routing by slot, hash tags, CROSSSLOT
before sending, MOVED after the map changed, pipelines split per node, and
a slot moved between nodes (ASK, then MOVED) under load with no call lost.
"""

import os
import socket
import subprocess
import time

import pytest
import pytest_twisted
from twisted.internet import defer, task

from miniredis.client import RedisError, cluster, pool
from miniredis.client.cluster import crc16, key_slot, slot_of
from tests.servers import free_port, redis_process

pytestmark = pytest.mark.slow


def cluster_port():
    """@return: a free port whose cluster bus port (+10000) is free too."""
    while True:
        port = free_port()
        if port + 10000 > 65535:
            continue
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 10000))
        except OSError:
            continue
        return port


def redis_cli(port, *args):
    return subprocess.run(
        ["redis-cli", "-p", str(port)] + list(args),
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    """Three masters made into one cluster: their ports."""
    servers = []
    for index in range(3):
        directory = str(tmp_path_factory.mktemp("cluster%d" % (index,)))
        servers.append(
            redis_process(
                directory,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                os.path.join(directory, "nodes.conf"),
                "--cluster-node-timeout",
                "5000",
                port=cluster_port(),
            ).start()
        )
    try:
        addresses = ["127.0.0.1:%d" % (s.port,) for s in servers]
        subprocess.run(
            ["redis-cli", "--cluster", "create"]
            + addresses
            + ["--cluster-replicas", "0", "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.time() + 30
        while not all(
            "cluster_state:ok" in redis_cli(s.port, "cluster", "info") for s in servers
        ):
            assert time.time() < deadline, "the cluster did not come up"
            time.sleep(0.1)
        yield [s.port for s in servers]
    finally:
        for server in servers:
            server.stop()


@pytest_twisted.async_yield_fixture()
async def client(nodes):
    from twisted.internet import reactor

    redis = cluster(reactor, ["tcp:127.0.0.1:%d" % (nodes[0],)], size=2)
    await redis.on_masters("FLUSHALL")
    yield redis
    await redis.disconnect()


def test_slots():
    assert crc16(b"123456789") == 0x31C3
    assert key_slot("foo") == 12182
    assert key_slot("{user1000}.following") == key_slot("{user1000}.followers")
    assert key_slot("foo{}{bar}") == crc16(b"foo{}{bar}") % 16384
    assert key_slot("foo{{bar}}zap") == key_slot("{bar")
    assert slot_of(("MGET", "{a}1", "{a}2")) == key_slot("a")
    assert slot_of(("PING",)) is None
    with pytest.raises(RedisError, match="CROSSSLOT"):
        slot_of(("MGET", "a", "b"))


@pytest_twisted.ensureDeferred
async def test_calls_go_to_the_node_of_their_slot(client, nodes):
    keys = ["key:%d" % (i,) for i in range(60)]
    for key in keys:
        await client.set(key, key)
    assert [await client.get(key) for key in keys] == [k.encode() for k in keys]
    sizes = await client.on_masters("DBSIZE")
    assert len(sizes) == 3 and all(size > 0 for size in sizes.values())
    assert sum(sizes.values()) == 60
    assert client.redirections["MOVED"] == 0
    await client.mset({"{t}a": "1", "{t}b": "2"})
    assert await client.mget("{t}a", "{t}b") == [b"1", b"2"]
    with pytest.raises(RedisError, match="CROSSSLOT"):
        await client.mget("key:1", "key:2")
    assert await client.zadd("{t}z", {"m": 1.5}) == 1
    assert await client.zrange("{t}z", 0, -1, withscores=True) == [(b"m", 1.5)]


@pytest_twisted.ensureDeferred
async def test_commands_miniredis_lacks_are_routed_by_the_cluster(client):
    streams = ["stream:%d" % (i,) for i in range(12)]
    for name in streams:
        await client.xadd(name, {"f": name})
    for name in streams:
        read = await client.xread({name: "0"})
        [(entry_id, fields)] = read[name.encode()]
        assert fields == {b"f": name.encode()}
    pipe = client.pipeline()
    for name in streams:
        pipe.xlen(name)
    assert await pipe.execute() == [1] * 12
    # Every call went to the right node first: nobody had to say MOVED.
    assert client.redirections == {"MOVED": 0, "ASK": 0, "TRYAGAIN": 0}


@pytest_twisted.ensureDeferred
async def test_pipeline_split_per_node(client):
    pipe = client.pipeline()
    for i in range(30):
        pipe.incr("n:%d" % (i,))
    pipe.incr("{t}text").execute("LPUSH", "{t}text", "x")
    results = await pipe.execute()
    assert results[:31] == [1] * 31
    assert isinstance(results[31], RedisError)
    assert await client.multi().incr("{u}a").incr("{u}b").execute() == [1, 1]
    with pytest.raises(RedisError, match="CROSSSLOT"):
        await client.multi().incr("a").incr("b").execute()


@pytest_twisted.ensureDeferred
async def test_transaction_script_and_blocking_call(client):
    await client.set("{acct}balance", 10)

    def add(conn):
        conn.multi()
        conn.incrby("{acct}balance", 5)

    assert await client.transaction(add, "{acct}balance") == [15]
    script = client.register_script("return redis.call('GET', KEYS[1])")
    assert await script(keys=["{acct}balance"]) == b"15"
    popped = client.blpop("{q}jobs", 0)
    await client.rpush("{q}jobs", "one")
    assert await popped == [b"{q}jobs", b"one"]


def node_id(port):
    return redis_cli(port, "cluster", "myid").strip()


def owner_of(slot, ports):
    for port in ports:
        for line in redis_cli(port, "cluster", "nodes").splitlines():
            fields = line.split()
            if "myself" in fields[2]:
                for part in fields[8:]:
                    start, _, end = part.partition("-")
                    if start.isdigit() and int(start) <= slot <= int(end or start):
                        return port
    raise AssertionError("nobody holds slot %d" % (slot,))


@pytest_twisted.ensureDeferred
async def test_resharding_a_slot_under_load(client, nodes):
    from twisted.internet import reactor

    slot = key_slot("hot")
    source = owner_of(slot, nodes)
    target = next(port for port in nodes if port != source)
    admin = {
        port: pool(reactor, "tcp:127.0.0.1:%d" % (port,), size=1) for port in nodes
    }
    keys = ["{hot}%d" % (i,) for i in range(200)]
    for key in keys:
        await client.set(key, 0)

    done = []
    failures = []

    async def load(worker):
        for _ in range(40):
            for key in keys[worker::4]:
                try:
                    await client.incr(key)
                    done.append(key)
                except Exception as e:  # noqa: BLE001 - counted, then asserted
                    failures.append(e)
            await task.deferLater(reactor, 0.001)

    loading = [defer.ensureDeferred(load(w)) for w in range(4)]
    await task.deferLater(reactor, 0.05)
    source_id, target_id = node_id(source), node_id(target)
    await admin[target].execute("CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
    await admin[source].execute("CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
    while True:
        batch = await admin[source].execute("CLUSTER", "GETKEYSINSLOT", slot, 10)
        if not batch:
            break
        await admin[source].execute(
            "MIGRATE", "127.0.0.1", target, "", 0, 5000, "KEYS", *batch
        )
        await task.deferLater(reactor, 0.01)
    for port in (target, source) + tuple(p for p in nodes if p not in (source, target)):
        await admin[port].execute("CLUSTER", "SETSLOT", slot, "NODE", target_id)
    await defer.gatherResults(loading)
    assert failures == []
    assert len(done) == 200 * 40
    assert client.redirections["ASK"] > 0 and client.redirections["MOVED"] > 0
    values = await client.pipeline().mget(*keys).execute()
    assert values == [[b"40"] * 200]
    assert owner_of(slot, [target]) == target
    assert client.slots[slot] == "127.0.0.1:%d" % (target,)
    for admin_pool in admin.values():
        await admin_pool.disconnect()
