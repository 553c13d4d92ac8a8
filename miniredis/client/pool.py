"""
A pool of connections that reconnect by themselves: what applications use.

Usage::

    from twisted.internet import task
    from miniredis.client import pool

    async def main(reactor):
        redis = pool(reactor, "tcp:127.0.0.1:6379", size=4)
        await redis.set("k", "v", ex=60)
        print(await redis.get("k"))
        results = await redis.pipeline().incr("n").incr("n").execute()
        await redis.disconnect()

    task.react(lambda reactor: defer.ensureDeferred(main(reactor)))
"""

import hashlib
from collections.abc import Sequence
from inspect import iscoroutine
from typing import Any, Callable, Optional, Union

from twisted.internet.defer import (
    Deferred,
    DeferredList,
    ensureDeferred,
    fail,
    inlineCallbacks,
    succeed,
)
from twisted.internet.endpoints import connectProtocol
from twisted.logger import Logger
from twisted.python.failure import Failure

from miniredis.client.batch import Pipeline, WatchedConnection
from miniredis.client.methods import Key, RedisCommands, is_blocking
from miniredis.client.replies import RedisError, WatchError, command_name
from miniredis.client.service import Settings, Stopper, reconnecting

log = Logger(namespace="miniredis.client")


def _awaited(result):
    """@return: a L{Deferred} of C{result}, a coroutine's run included."""
    if iscoroutine(result):
        return ensureDeferred(result)
    if isinstance(result, Deferred):
        return result
    return succeed(result)


class PoolFeatures:
    """
    What every pool-like client adds to the commands, given C{_call},
    C{pipeline} and C{watch}: scripts, retried transactions, and async
    iteration over the SCAN family.
    """

    async def scan_iter(
        self,
        match: Optional[Key] = None,
        count: Optional[int] = None,
        _type: Optional[str] = None,
    ):
        """
        Every key, through C{SCAN} calls as they are needed::

            async for key in redis.scan_iter(match="user:*"):
                ...

        (On a cluster: the keys of one node; see C{on_masters}.)
        """
        cursor = None
        while cursor != 0:
            cursor, keys = await self.scan(cursor or 0, match, count, _type)
            for key in keys:
                yield key

    async def hscan_iter(self, key: Key, match: Optional[Key] = None, count=None):
        """Every C{(field, value)} of a hash, through C{HSCAN} calls."""
        cursor = None
        while cursor != 0:
            cursor, fields = await self.hscan(key, cursor or 0, match, count)
            for pair in fields.items():
                yield pair

    async def sscan_iter(self, key: Key, match: Optional[Key] = None, count=None):
        """Every member of a set, through C{SSCAN} calls."""
        cursor = None
        while cursor != 0:
            cursor, members = await self.sscan(key, cursor or 0, match, count)
            for member in members:
                yield member

    async def zscan_iter(self, key: Key, match: Optional[Key] = None, count=None):
        """Every C{(member, score)} of a sorted set, through C{ZSCAN} calls."""
        cursor = None
        while cursor != 0:
            cursor, pairs = await self.zscan(key, cursor or 0, match, count)
            for pair in pairs:
                yield pair

    def register_script(self, script: Union[str, bytes]) -> "Script":
        """
        @param script: Lua source.
        @return: a L{Script}: call it with C{keys=} and C{args=}.
        """
        return Script(self, script)

    @inlineCallbacks
    def transaction(
        self, func: Callable, *keys: Key, max_tries: Optional[int] = None
    ) -> Deferred:
        """
        Run an optimistic transaction, again while a watched key changes.

        C{func} is given a L{WatchedConnection} on which C{keys} are
        watched: it reads at once what it needs, then calls C{multi()} and
        the writes (collected). It may return a L{Deferred} or be an
        C{async def}.

        @param max_tries: give up with L{WatchError} after that many tries;
            None to try until it works.
        @return: a L{Deferred} firing with the results of the writes.
        """
        tries = 0
        while True:
            tries += 1
            watched = yield self.watch(*keys)
            try:
                yield _awaited(func(watched))
                watched.multi()
                return (yield watched.execute())
            except WatchError:
                if max_tries is not None and tries >= max_tries:
                    raise
            finally:
                watched.release()


class Script:
    """
    A Lua script run by its SHA1 (C{EVALSHA}), loaded with C{EVAL} when the
    server does not know it (C{NOSCRIPT}).

    @ivar sha: the script's SHA1, hex.
    """

    def __init__(self, client, script):
        self.client = client
        self.script = script
        source = script.encode("utf-8") if isinstance(script, str) else script
        self.sha = hashlib.sha1(source).hexdigest()

    def __call__(
        self, keys: Sequence[Key] = (), args: Sequence[Any] = (), client: Any = None
    ) -> Any:
        """
        Run the script.

        @param client: where to run it, the pool by default; in a
            L{Pipeline}, C{EVAL} is queued.
        @return: a L{Deferred} firing with the script's reply.
        """
        if client is None:
            client = self.client
        line = [len(keys)] + list(keys) + list(args)
        if isinstance(client, Pipeline):
            return client.eval(self.script, *line)
        calling = client.evalsha(self.sha, *line)

        def loaded(failure):
            failure.trap(RedisError)
            if not failure.value.message.startswith("NOSCRIPT"):
                return failure
            return client.eval(self.script, *line)

        return calling.addErrback(loaded)


class ClientPool(PoolFeatures, RedisCommands):
    """
    Connections to one server, each set up again (AUTH/HELLO, SELECT,
    CLIENT SETNAME) whenever it reconnects, with backoff.

    Calls go round the connections; made before any is ready, they wait.
    Blocking commands (BLPOP, XREAD BLOCK, ...) and watched transactions
    take a connection of their own, so they hold nobody up. Calls made one
    after the other without waiting for the replies may go on different
    connections: wait for a reply, or use L{pipeline}, where order matters.

    @ivar settings: the L{Settings} of every connection.
    """

    def __init__(
        self,
        reactor: Any,
        endpoint: Any,
        size: int = 4,
        settings: Optional[Settings] = None,
    ):
        """
        @param reactor: the reactor (a C{task.Clock}-like one in tests).
        @param endpoint: an C{IStreamClientEndpoint}.
        @param size: how many connections to keep.
        @param settings: L{Settings}; defaults otherwise.
        """
        self._reactor = reactor
        self._endpoint = endpoint
        self.settings = settings or Settings()
        self._size = size
        self._turn = 0
        self._live = []
        self._idle = []
        self._held = set()
        self._children = []
        self._closing = False
        self._services = [
            reconnecting(
                reactor,
                endpoint,
                self._build,
                self._prepare,
                self.settings.retry_policy,
            )
            for _ in range(size)
        ]
        self._stoppers = [Stopper(service) for service in self._services]

    def _build(self):
        return self.settings.build(self._reactor)

    def _prepare(self, client):
        preparing = self.settings.prepare(client)
        return preparing.addCallback(self._connected, client)

    def _connected(self, _, client):
        log.debug("connection ready: {client!r}", client=client)
        self._live.append(client)
        client.notifyLost().addCallback(lambda _: self._live.remove(client))

    def connection(self) -> Deferred:
        """
        @return: a L{Deferred} firing with the next ready connection (at
            once while any is ready, else once one is).
        """
        if self._closing:
            return fail(RuntimeError("the pool is disconnected"))
        self._turn += 1
        live = [client for client in self._live if client.ready]
        if live:
            return succeed(live[self._turn % len(live)])
        return self._services[self._turn % len(self._services)].whenConnected()

    def execute(self, *args: Any, timeout: Optional[float] = None) -> Deferred:
        """
        Send any command as it is: C{execute("OBJECT", "ENCODING", "k")}.

        @param timeout: seconds to wait for this reply, None for ever.
        @return: a L{Deferred} firing with the reply.
        """
        if not args:
            return fail(ValueError("a command needs a name"))
        if is_blocking(command_name(args), args):
            return self._blocking(args, timeout)
        return self.connection().addCallback(
            lambda client: client.execute(*args, timeout=timeout)
        )

    def _call(self, convert, *args):
        deferred = self.execute(*args)
        return deferred if convert is None else deferred.addCallback(convert)

    # connections of one's own

    @inlineCallbacks
    def hold(self) -> Deferred:
        """
        A connection for one caller alone, ready, without reply timeout:
        give it back with L{release}.

        @return: a L{Deferred} firing with a L{RedisClientProtocol}.
        """
        if self._closing:
            raise RuntimeError("the pool is disconnected")
        while self._idle:
            client = self._idle.pop()
            if client.ready:
                self._held.add(client)
                return client
        client = self.settings.build(self._reactor, timeout=False)
        self._held.add(client)
        try:
            yield connectProtocol(self._endpoint, client)
            yield self.settings.prepare(client)
            if self._closing:
                client.transport.loseConnection()
                raise RuntimeError("the pool is disconnected")
        except BaseException:
            self._held.discard(client)
            raise
        return client

    def release(self, client: Any, reusable: bool = True) -> None:
        """Give back a connection from L{hold}; it is closed if not reusable."""
        self._held.discard(client)
        if (
            reusable
            and client.ready
            and not self._closing
            and len(self._idle) < self._size
        ):
            self._idle.append(client)
        elif client.transport is not None:
            client.transport.loseConnection()

    def _blocking(self, args, timeout):
        return self.hold().addCallback(self._blocking_on, args, timeout)

    def _blocking_on(self, client, args, timeout):
        def done(result):
            # A call given up on (cancelled, timed out) would leave the
            # connection blocked: it is closed rather than reused.
            reusable = not isinstance(result, Failure) or result.check(RedisError)
            if not reusable:
                log.debug("closing a connection left blocked: {args!r}", args=args)
            self.release(client, reusable=bool(reusable))
            return result

        return client.execute(*args, timeout=timeout).addBoth(done)

    # batches and transactions

    def pipeline(self) -> Pipeline:
        """@return: a L{Pipeline}: calls sent together on one connection."""
        return Pipeline(self.connection)

    def multi(self) -> Pipeline:
        """@return: a L{Pipeline} whose calls run in C{MULTI}/C{EXEC}."""
        return Pipeline(self.connection, transaction=True)

    @inlineCallbacks
    def watch(self, *keys: Key) -> Deferred:
        """
        C{WATCH} keys on a connection held for an optimistic transaction.

        @return: a L{Deferred} firing with a L{WatchedConnection}.
        """
        client = yield self.hold()
        try:
            yield client.execute("WATCH", *keys)
        except BaseException:
            self.release(client, reusable=False)
            raise
        return WatchedConnection(client, self._unwatch)

    def _unwatch(self, client):
        if client.ready:
            client.execute("UNWATCH").addErrback(lambda _: None)
        self.release(client)

    # pub/sub and tracking

    def subscriber(self, callback: Optional[Callable] = None) -> Any:
        """
        @param callback: None, or a function given each L{Message}.
        @return: a L{Subscriber} on a connection of its own.
        """
        from miniredis.client.subscriber import Subscriber

        subscriber = Subscriber(self._reactor, self._endpoint, self.settings, callback)
        self._children.append(subscriber)
        return subscriber

    def cached(self, size: int = 1024) -> Any:
        """
        @param size: how many keys to keep.
        @return: a L{CachedClient}: reads kept in memory until the server
            says (C{CLIENT TRACKING}) that their keys changed.
        """
        from miniredis.client.cache import CachedClient

        cache = CachedClient(self._reactor, self._endpoint, self.settings, size)
        self._children.append(cache)
        return cache

    def disconnect(self) -> Deferred:
        """
        Close every connection and stop reconnecting, those of the
        subscribers and caches made from the pool included.

        @return: a L{Deferred} firing once all are closed.
        """
        self._closing = True
        waiting = [stop() for stop in self._stoppers]
        waiting += [child.disconnect() for child in self._children]
        for client in self._idle + list(self._held):
            if client.transport is not None:  # else still connecting: see hold()
                waiting.append(client.notifyLost())
                client.transport.loseConnection()
        self._idle = []
        return DeferredList(waiting, consumeErrors=True).addCallback(lambda _: None)
