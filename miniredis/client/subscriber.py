"""
A pub/sub connection that subscribes again after each reconnection.
"""

from typing import Any, Callable, Optional

from twisted.internet.defer import Deferred, DeferredQueue, inlineCallbacks
from twisted.logger import Logger

from miniredis.client.service import Stopper, reconnecting

log = Logger(namespace="miniredis.client")

_KINDS = ("subscribe", "psubscribe", "ssubscribe")
_FAMILY = {
    "subscribe": "subscribe",
    "unsubscribe": "subscribe",
    "psubscribe": "psubscribe",
    "punsubscribe": "psubscribe",
    "ssubscribe": "ssubscribe",
    "sunsubscribe": "ssubscribe",
}


class Message:
    """
    A published message.

    @ivar kind: C{"message"}, C{"pmessage"} or C{"smessage"}.
    @ivar channel: the channel it was published to.
    @ivar data: the payload.
    @ivar pattern: the pattern that matched (C{pmessage}), else None.
    """

    def __init__(self, kind, channel, data, pattern=None):
        self.kind = kind
        self.channel = channel
        self.data = data
        self.pattern = pattern

    def __repr__(self):
        return "<Message %s %r %r>" % (self.kind, self.channel, self.data)

    def __eq__(self, other):
        return isinstance(other, Message) and vars(self) == vars(other)


def message_of(push):
    """@return: the L{Message} a push carries, or None for other pushes."""
    kind = push[0].decode() if isinstance(push[0], bytes) else push[0]
    if kind in ("message", "smessage") and len(push) == 3:
        return Message(kind, push[1], push[2])
    if kind == "pmessage" and len(push) == 4:
        return Message(kind, push[2], push[3], pattern=push[1])
    return None


class Subscriber:
    """
    A connection of its own (RESP3) for C{SUBSCRIBE}, C{PSUBSCRIBE},
    C{SSUBSCRIBE} and their unsubscribes; it subscribes again to the same
    names after a reconnection. Messages go to the callback and to the
    async iterator::

        sub = pool.subscriber()
        await sub.subscribe("news")
        async for message in sub:
            print(message.channel, message.data)

    @ivar names: C{{"subscribe": set(channels), ...}}, what to subscribe
        to again.
    """

    def __init__(
        self,
        reactor: Any,
        endpoint: Any,
        settings: Any,
        callback: Optional[Callable[["Message"], object]] = None,
    ):
        self._settings = settings
        self._reactor = reactor
        self._callback = callback
        self._queue = DeferredQueue()
        self._closed = False
        self.names = {kind: set() for kind in _KINDS}
        self._service = reconnecting(
            reactor, endpoint, self._build, self._prepare, settings.retry_policy
        )
        self._stop = Stopper(self._service)

    def _build(self):
        client = self._settings.build(self._reactor, timeout=False)
        client.pushReceived = self._pushed
        return client

    @inlineCallbacks
    def _prepare(self, client):
        yield self._settings.prepare(client)
        if client.protocolVersion != 3:
            yield client.execute("HELLO", 3)
        for kind, names in self.names.items():
            if names:
                yield client._subscribe(kind.encode(), tuple(names))
        return client

    def _pushed(self, push):
        message = message_of(push)
        if message is None:
            log.debug("push not handled: {push!r}", push=push)
            return
        if self._callback is not None:
            try:
                self._callback(message)
            except Exception:
                log.failure("message callback failed")
        self._queue.put(message)

    @inlineCallbacks
    def _send(self, kind, names, adding):
        wanted = self.names[_FAMILY[kind]]
        if adding:
            wanted.update(names)
        elif names:
            wanted.difference_update(names)
        else:
            wanted.clear()
        client = yield self._service.whenConnected()
        return (yield client._subscribe(kind.encode(), tuple(names)))

    def subscribe(self, *channels: Any) -> Deferred:
        """@return: a L{Deferred} firing with the confirmations."""
        return self._send("subscribe", channels, True)

    def psubscribe(self, *patterns: Any) -> Deferred:
        """@return: a L{Deferred} firing with the confirmations."""
        return self._send("psubscribe", patterns, True)

    def ssubscribe(self, *channels: Any) -> Deferred:
        """@return: a L{Deferred} firing with the confirmations."""
        return self._send("ssubscribe", channels, True)

    def unsubscribe(self, *channels: Any) -> Deferred:
        """All channels without arguments; @return: the confirmations."""
        return self._send("unsubscribe", channels, False)

    def punsubscribe(self, *patterns: Any) -> Deferred:
        """All patterns without arguments; @return: the confirmations."""
        return self._send("punsubscribe", patterns, False)

    def sunsubscribe(self, *channels: Any) -> Deferred:
        """All shard channels without arguments; @return: the confirmations."""
        return self._send("sunsubscribe", channels, False)

    def __aiter__(self):
        return self

    async def __anext__(self):
        message = await self._queue.get()
        if message is None:
            raise StopAsyncIteration
        return message

    def get_message(self) -> Deferred:
        """@return: a L{Deferred} firing with the next L{Message}."""
        return self._queue.get()

    def disconnect(self) -> Deferred:
        """
        Close the connection; the async iteration ends.

        @return: a L{Deferred} firing once it is closed.
        """
        if not self._closed:
            self._closed = True
            self._queue.put(None)
        return self._stop()
