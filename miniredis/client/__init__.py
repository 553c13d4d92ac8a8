"""
Twisted clients for miniredis and Redis: every command is a method
returning a L{Deferred}.

    - L{pool}: what applications use; connections that reconnect with
      backoff, pipelines, transactions, pub/sub, scripts, client-side
      caching.
    - L{in_process}: the same against a L{MiniRedisFactory} in this
      process, with no socket.
    - L{cluster}: the same against a Redis (or Valkey) Cluster.
    - L{connect}: one plain connection (L{RedisClientProtocol}).

Usage::

    from twisted.internet import defer, task
    from miniredis.client import pool

    async def main(reactor):
        redis = pool(reactor, "tcp:127.0.0.1:6379")
        await redis.set("k", "v", ex=60)
        print(await redis.get("k"))                 # b"v"
        await redis.zadd("z", {"a": 1, "b": 2.5})
        print(await redis.zrange("z", 0, -1, withscores=True))
        await redis.disconnect()

    task.react(lambda reactor: defer.ensureDeferred(main(reactor)))

Replies are C{bytes} (or C{str} with C{decode_responses=True}), converted
in redis-py's manner where a method says so (scores as floats, hashes as
dicts); an error reply fails the call with L{RedisError}.
"""

from typing import Callable, Optional

from twisted.internet.endpoints import clientFromString

from miniredis.client.batch import Pipeline, WatchedConnection
from miniredis.client.methods import RedisCommands
from miniredis.client.pool import ClientPool, Script
from miniredis.client.protocol import RedisClientProtocol, connect, handshake
from miniredis.client.replies import RedisError, WatchError, command_name, decoded
from miniredis.client.service import Settings

__all__ = [
    "ClientPool",
    "Pipeline",
    "RedisClientProtocol",
    "RedisCommands",
    "RedisError",
    "Script",
    "Settings",
    "WatchError",
    "WatchedConnection",
    "cluster",
    "command_name",
    "connect",
    "decoded",
    "handshake",
    "in_process",
    "pool",
]


def pool(
    reactor,
    endpoint: str = "tcp:127.0.0.1:6379",
    size: int = 4,
    password: Optional[str] = None,
    username: Optional[str] = None,
    db: int = 0,
    protocol: int = 3,
    timeout: Optional[float] = None,
    name: Optional[str] = None,
    decode_responses: bool = False,
    push_handler: Optional[Callable] = None,
    typed: bool = False,
) -> ClientPool:
    """
    A pool of connections to one server, returned at once: calls made
    before it is connected wait for it.

    @param reactor: the reactor.
    @param endpoint: a client endpoint description (C{"tcp:host:port"},
        C{"unix:path=/run/redis.sock"}, ...) or an C{IStreamClientEndpoint}.
    @param size: how many connections to keep open.
    @param password: sent with C{HELLO 3 AUTH} (or C{AUTH}) on every new
        connection.
    @param username: the ACL user, with C{password}.
    @param db: the database to C{SELECT} on every new connection.
    @param protocol: the RESP version: 3 (maps come back as dicts) or 2.
    @param timeout: seconds to wait for each reply before the connection is
        dropped (and made again), None for ever.
    @param name: the connections' name (C{CLIENT SETNAME}).
    @param decode_responses: decode replies' byte strings to C{str}.
    @param push_handler: a function given each RESP3 push that is no reply.
    @param typed: send C{int} arguments as RESP integers, which miniredis
        stores as typed values (Redis refuses them); by default as text.
    @return: a L{ClientPool}.
    """
    if isinstance(endpoint, str):
        endpoint = clientFromString(reactor, endpoint)
    settings = Settings(
        password,
        username,
        db,
        protocol,
        timeout,
        name,
        decode_responses,
        push_handler,
        typed,
    )
    return ClientPool(reactor, endpoint, size, settings)


def in_process(factory, reactor=None, size: int = 1, **options) -> ClientPool:
    """
    A pool (see L{pool}) connected to a L{MiniRedisFactory} in this
    process, with no socket: for tests and single-process applications.

    @param factory: the server's factory (started here if it is not).
    @param reactor: the reactor; the factory's clock by default.
    @param options: L{pool}'s other keyword arguments.
    @return: a L{ClientPool}.
    """
    from miniredis.client.loopback import InProcessEndpoint

    reactor = reactor or factory.clock
    if not factory.numPorts:
        factory.doStart()
    return pool(reactor, InProcessEndpoint(reactor, factory), size=size, **options)


def cluster(reactor, nodes: list[str], size: int = 1, **options):
    """
    A client of a Redis Cluster: calls go to the node holding their keys'
    slot.

    @param nodes: some of the cluster's nodes, as endpoint descriptions
        (C{"tcp:127.0.0.1:7000"}); the others are learnt from them.
    @param size: connections per node.
    @param options: L{pool}'s other keyword arguments.
    @return: a L{ClusterClient}.
    """
    from miniredis.client.cluster import ClusterClient

    return ClusterClient(reactor, nodes, size, **options)
