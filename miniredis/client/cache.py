"""
Client-side caching driven by the server's invalidations (C{CLIENT
TRACKING}, RESP3).
"""

from collections import OrderedDict

from twisted.internet.defer import inlineCallbacks
from twisted.logger import Logger

from miniredis.client.methods import RedisCommands
from miniredis.client.replies import command_name
from miniredis.client.service import Stopper, reconnecting

log = Logger(namespace="miniredis.client")


class CachedClient(RedisCommands):
    """
    A connection of its own with C{CLIENT TRACKING on}: C{GET} and
    C{HGETALL} replies are kept (at most C{size} keys, least recently used
    dropped first) until the server says their key changed; every other
    call goes to the server. After a reconnection the cache starts empty.

    @ivar hits: how many reads the cache answered.
    """

    _CACHED = ("get", "hgetall")

    def __init__(self, reactor, endpoint, settings, size):
        self._settings = settings
        self._reactor = reactor
        self._size = size
        self._entries = OrderedDict()
        self.hits = 0
        self._service = reconnecting(
            reactor, endpoint, self._build, self._prepare, settings.retry_policy
        )
        self._stop = Stopper(self._service)

    def _build(self):
        client = self._settings.build(self._reactor)
        client.pushReceived = self._pushed
        return client

    @inlineCallbacks
    def _prepare(self, client):
        yield self._settings.prepare(client)
        if client.protocolVersion != 3:
            yield client.execute("HELLO", 3)
        yield client.execute("CLIENT", "TRACKING", "on")
        self._entries.clear()
        return client

    def _pushed(self, push):
        kind = push[0]
        if kind not in (b"invalidate", "invalidate"):
            log.debug("push not handled: {push!r}", push=push)
            return
        if push[1] is None:
            self._entries.clear()
            return
        for key in map(_bytes, push[1]):
            for cached in [k for k in self._entries if k[1] == key]:
                del self._entries[cached]

    def _call(self, convert, *args):
        name = command_name(args)
        entry = (name, _bytes(args[1])) if name in self._CACHED else None
        if entry is not None and entry in self._entries:
            self._entries.move_to_end(entry)
            self.hits += 1
            value = self._entries[entry]
            return self._service.whenConnected().addCallback(
                lambda _: convert(value) if convert else value
            )
        calling = self._service.whenConnected().addCallback(
            lambda client: client.execute(*args)
        )
        if entry is not None:
            calling.addCallback(self._keep, entry)
        return calling if convert is None else calling.addCallback(convert)

    def _keep(self, value, entry):
        self._entries[entry] = value
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value

    def execute(self, *args):
        """Send any command as it is; @return: a L{Deferred} of the reply."""
        return self._call(None, *args)

    def __len__(self):
        return len(self._entries)

    def disconnect(self):
        """@return: a L{Deferred} firing once the connection is closed."""
        return self._stop()


def _bytes(key):
    if isinstance(key, bytes):
        return key
    return str(key).encode("utf-8", "surrogateescape")
