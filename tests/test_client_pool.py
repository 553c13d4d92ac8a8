"""
The client pool (L{miniredis.client.pool}) end to end, once against a
miniredis process and once against a real redis-server: the same calls,
the same results.
"""

import pytest
import pytest_twisted
from twisted.internet import defer, task

from miniredis.client import RedisError, WatchError, pool
from miniredis.client.subscriber import Message

DB = 9


@pytest.fixture(params=["miniredis", "redis"])
def port(request):
    fixture = "mini_server" if request.param == "miniredis" else "redis_server"
    return request.getfixturevalue(fixture).port


def sleep(seconds):
    from twisted.internet import reactor

    return task.deferLater(reactor, seconds)


@pytest_twisted.async_yield_fixture()
async def redis(port):
    from twisted.internet import reactor

    client = pool(reactor, "tcp:127.0.0.1:%d" % (port,), size=3, db=DB, name="pooltest")
    await client.flushdb()
    yield client
    await client.disconnect()


@pytest_twisted.ensureDeferred
async def test_calls_made_before_connecting_wait(port):
    from twisted.internet import reactor

    client = pool(reactor, "tcp:127.0.0.1:%d" % (port,), db=DB)
    first = client.set("early", "bird")
    assert not first.called
    assert await first == b"OK"
    assert await client.get("early") == b"bird"
    await client.del_("early")
    closing = client.disconnect()
    await closing
    with pytest.raises(RuntimeError, match="disconnected"):
        await client.get("early")


@pytest_twisted.ensureDeferred
async def test_pythonic_signatures_and_conversions(redis):
    assert await redis.set("k", "v", ex=100, nx=True) == b"OK"
    assert await redis.set("k", "w", nx=True) is None
    assert await redis.set("k", "w", xx=True, get=True, keepttl=True) == b"v"
    assert 0 < await redis.ttl("k") <= 100
    assert await redis.expire("k", 50, gt=True) is False
    assert await redis.expire("k", 50, lt=True) is True
    assert await redis.mset({"a": "1", "b": "2"}) == b"OK"
    assert await redis.mget(["a", "b", "nothing"]) == [b"1", b"2", None]
    assert await redis.incrbyfloat("a", 0.5) == 1.5
    assert await redis.hset("h", mapping={"f": "1", "g": "2"}) == 2
    assert await redis.hset("h", "x", "y") == 1
    assert await redis.hgetall("h") == {b"f": b"1", b"g": b"2", b"x": b"y"}
    assert await redis.hexists("h", "f") is True
    assert await redis.zadd("z", {"a": 1, "b": 2.5}) == 2
    assert await redis.zadd("z", {"a": 3}, xx=True, ch=True) == 1
    assert await redis.zadd("z", {"a": 1}, incr=True) == 4.0
    assert await redis.zscore("z", "b") == 2.5
    assert await redis.zrange("z", 0, -1, withscores=True) == [(b"b", 2.5), (b"a", 4.0)]
    assert await redis.zrange("z", 0, -1, desc=True) == [b"a", b"b"]
    assert await redis.zrangebyscore("z", 0, 3, withscores=True) == [(b"b", 2.5)]
    assert await redis.zpopmin("z") == [(b"b", 2.5)]
    assert await redis.sadd("s", "x", "y") == 2
    assert await redis.smembers("s") == {b"x", b"y"}
    assert await redis.sismember("s", "x") is True
    cursor, keys = await redis.scan(0, match="*", count=100)
    assert cursor == 0 and sorted(keys) == [b"a", b"b", b"h", b"k", b"s", b"z"]
    info = await redis.info("keyspace")
    assert info["db%d" % (DB,)]["keys"] == 6
    assert (await redis.config_get("maxmemory-policy"))[b"maxmemory-policy"]
    assert await redis.client_getname() == b"pooltest"
    with pytest.raises(RedisError, match="WRONGTYPE"):
        await redis.lpush("h", "x")


@pytest_twisted.ensureDeferred
async def test_scan_iterators(redis):
    await redis.mset({"it:%d" % i: i for i in range(50)})
    await redis.hset("ih", mapping={"f%d" % i: i for i in range(30)})
    await redis.sadd("is", *range(30))
    await redis.zadd("iz", {"m%d" % i: i for i in range(30)})
    keys = [key async for key in redis.scan_iter(match="it:*", count=7)]
    assert sorted(keys) == sorted(b"it:%d" % i for i in range(50))
    fields = dict([pair async for pair in redis.hscan_iter("ih", count=5)])
    assert fields == {b"f%d" % i: b"%d" % i for i in range(30)}
    members = {member async for member in redis.sscan_iter("is", count=5)}
    assert members == {b"%d" % i for i in range(30)}
    scored = dict([pair async for pair in redis.zscan_iter("iz", count=5)])
    assert scored == {b"m%d" % i: float(i) for i in range(30)}


@pytest_twisted.ensureDeferred
async def test_decode_responses(port):
    from twisted.internet import reactor

    client = pool(reactor, "tcp:127.0.0.1:%d" % (port,), db=DB, decode_responses=True)
    await client.hset("dh", mapping={"clé": "v"})
    assert await client.hgetall("dh") == {"clé": "v"}
    await client.zadd("dz", {"m": 2})
    assert await client.zrange("dz", 0, -1, withscores=True) == [("m", 2.0)]
    await client.del_("dh")
    await client.del_("dz")
    await client.disconnect()


@pytest_twisted.ensureDeferred
async def test_pipeline_errors_in_place(redis):
    await redis.set("text", "x")
    pipe = redis.pipeline()
    pipe.incr("n").incr("text").get("text").hset("hp", mapping={"a": "1"})
    pipe.hgetall("hp").execute("TYPE", "hp")
    assert len(pipe) == 6
    results = await pipe.execute()
    assert results[0] == 1
    assert isinstance(results[1], RedisError)
    assert results[1].message == "ERR value is not an integer or out of range"
    assert results[2:] == [b"x", 1, {b"a": b"1"}, b"hash"]
    assert len(pipe) == 0


@pytest_twisted.ensureDeferred
async def test_multi(redis):
    results = await redis.multi().incr("m").lpush("m", "x").incr("m").execute()
    assert results[0] == 1 and results[2] == 2
    assert isinstance(results[1], RedisError)
    assert results[1].message.startswith("WRONGTYPE")
    with pytest.raises(RedisError, match="EXECABORT"):
        await redis.multi().incr("m").execute("NOSUCHCOMMAND").execute()


@pytest_twisted.ensureDeferred
async def test_watch_conflict_and_transaction_retries(redis):
    await redis.set("balance", 10)
    watched = await redis.watch("balance")
    assert await watched.get("balance") == b"10"
    await redis.set("balance", 20)
    watched.multi().incrby("balance", 5)
    with pytest.raises(WatchError):
        await watched.execute()

    tries = []

    async def add_five(conn):
        value = int(await conn.get("balance"))
        if not tries:
            await redis.set("balance", value + 100)
        tries.append(value)
        conn.multi()
        conn.set("balance", value + 5)

    assert await redis.transaction(add_five, "balance") == [b"OK"]
    assert tries == [20, 120]
    assert await redis.get("balance") == b"125"


@pytest_twisted.ensureDeferred
async def test_register_script_falls_back_to_eval(redis):
    script = redis.register_script("return {KEYS[1], ARGV[1], 7}")
    await redis.script_flush()
    assert await script(keys=["k"], args=["a"]) == [b"k", b"a", 7]
    assert await redis.script_exists(script.sha) == [1]
    assert await script(keys=["k"], args=["b"]) == [b"k", b"b", 7]
    pipe = redis.pipeline()
    script(keys=["k"], args=["c"], client=pipe)
    assert await pipe.execute() == [[b"k", b"c", 7]]


@pytest_twisted.ensureDeferred
async def test_blocking_call_holds_nobody_up(redis):
    fired = []
    popped = redis.blpop(["queue"], 0).addCallback(lambda r: fired.append(r) or r)
    for _ in range(5):
        assert await redis.ping() == b"PONG"
    assert not fired
    await redis.rpush("queue", "job")
    assert await popped == [b"queue", b"job"]
    assert await redis.blpop("queue", 0.05) is None


@pytest_twisted.ensureDeferred
async def test_cancel_and_timeout_of_a_blocking_call(redis):
    popped = redis.blpop("never", 0)
    await sleep(0.05)
    popped.cancel()
    with pytest.raises(defer.CancelledError):
        await popped
    with pytest.raises(defer.TimeoutError):
        await redis.execute("BLPOP", "never", 0, timeout=0.05)
    await redis.rpush("never", "x")
    assert await redis.lpop("never") == b"x"
    assert await redis.get("missing") is None


@pytest_twisted.ensureDeferred
async def test_reconnects_and_sets_up_again(redis):
    await redis.set("here", "db9")
    killed = await redis.execute("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no")
    assert killed >= 1
    for _ in range(100):
        try:
            value = await redis.get("here")
            break
        except Exception:
            await sleep(0.05)
    assert value == b"db9"
    assert await redis.client_getname() == b"pooltest"


@pytest_twisted.ensureDeferred
async def test_subscriber(redis):
    seen = []
    sub = redis.subscriber(seen.append)
    confirmations = await sub.subscribe("news")
    assert confirmations == [[b"subscribe", b"news", 1]]
    await sub.psubscribe("w*")
    assert await redis.publish("news", "hello") == 1
    assert await redis.publish("weather", "rain") == 1
    messages = []
    async for message in sub:
        messages.append(message)
        if len(messages) == 2:
            break
    assert messages == [
        Message("message", b"news", b"hello"),
        Message("pmessage", b"weather", b"rain", pattern=b"w*"),
    ]
    assert seen == messages
    # Kill the subscriber's connection: it subscribes again by itself.
    await redis.execute("CLIENT", "KILL", "TYPE", "pubsub")
    for _ in range(100):
        if await redis.publish("news", "again") == 1:
            break
        await sleep(0.05)
    assert (await sub.get_message()).data == b"again"
    await sub.unsubscribe("news")
    assert sub.names["subscribe"] == set()
    await sub.disconnect()


@pytest_twisted.ensureDeferred
async def test_client_side_cache(redis):
    cache = redis.cached(size=2)
    await redis.set("c1", "v1")
    assert await cache.get("c1") == b"v1"
    assert await cache.get("c1") == b"v1"
    assert cache.hits == 1
    await redis.set("c1", "v2")
    for _ in range(100):
        if len(cache) == 0:
            break
        await sleep(0.01)
    assert await cache.get("c1") == b"v2"
    assert cache.hits == 1
    await cache.disconnect()
