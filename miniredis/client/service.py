"""
How each connection of a pool is made, set up and made again.
"""

from twisted.application.internet import ClientService, backoffPolicy
from twisted.internet.defer import Deferred, succeed
from twisted.internet.protocol import Factory
from twisted.logger import Logger

from miniredis.client.protocol import RedisClientProtocol, handshake

log = Logger(namespace="miniredis.client")


class Settings:
    """
    How to set up each new connection of a pool.

    @ivar password, username, db, protocol, name: what the handshake sends
        (see L{handshake}).
    @ivar timeout: seconds to wait for each reply before dropping the
        connection, None for ever.
    @ivar decode_responses: decode replies' byte strings to C{str}.
    @ivar push_handler: None, or a function given every RESP3 push that is
        no reply (C{CLIENT TRACKING} invalidations, ...).
    @ivar typed: send C{int} arguments as RESP integers, as miniredis's
        typed values (Redis refuses them); by default as their text.
    @ivar retry_policy: seconds to wait before reconnecting, given the
        number of failed attempts (L{backoffPolicy} by default).
    """

    def __init__(
        self,
        password=None,
        username=None,
        db=0,
        protocol=3,
        timeout=None,
        name=None,
        decode_responses=False,
        push_handler=None,
        typed=False,
        retry_policy=None,
    ):
        self.password = password
        self.username = username
        self.db = db
        self.protocol = protocol
        self.timeout = timeout
        self.name = name
        self.decode_responses = decode_responses
        self.push_handler = push_handler
        self.typed = typed
        self.retry_policy = retry_policy or backoffPolicy(
            initialDelay=0.1, maxDelay=10.0
        )

    def build(self, clock, timeout=True):
        """
        @param timeout: False for connections whose calls may wait (blocking
            commands): no reply timeout then.
        @return: a new, unconnected L{RedisClientProtocol}.
        """
        client = RedisClientProtocol(
            timeout=self.timeout if timeout else None,
            clock=clock,
            decode_responses=self.decode_responses,
            typed=self.typed,
        )
        if self.push_handler is not None:
            client.pushReceived = self.push_handler
        return client

    def prepare(self, client):
        """@return: a L{Deferred} firing once C{client}'s handshake is done."""
        setting_up = handshake(
            client, self.password, self.db, self.protocol, self.username, self.name
        )
        return setting_up.addErrback(_refused, client)


def _refused(failure, client):
    """
    A handshake failed: log it, and keep the closing connection's loss from
    L{ClientService}, which has already counted the failure (and would
    otherwise be told of a loss in a state that expects none).
    """
    log.failure("setting up a connection failed", failure)
    if hasattr(client, "_lostNotification"):
        client._lostNotification = lambda reason: None
    return failure


class _Builder(Factory):
    """Builds each connection of a L{ClientService}."""

    def __init__(self, build):
        self._build = build

    def buildProtocol(self, addr):
        return self._build()


def reconnecting(reactor, endpoint, build, prepare, retry_policy):
    """
    @param build: a function giving a new L{RedisClientProtocol}.
    @param prepare: a function setting a new connection up (a L{Deferred}).
    @param retry_policy: see L{Settings.retry_policy}.
    @return: a started L{ClientService} reconnecting with backoff.
    """
    service = ClientService(
        endpoint,
        _Builder(build),
        retryPolicy=retry_policy,
        clock=reactor,
        prepareConnection=prepare,
    )
    service.startService()
    return service


class Stopper:
    """
    Stops a L{ClientService} once, however often it is asked to (the
    service refuses a second C{stopService} while the first is going on).
    """

    def __init__(self, service):
        self._service = service
        self._done = False
        self._waiting = None

    def __call__(self):
        """@return: a L{Deferred} firing once the service has stopped."""
        if self._done:
            return succeed(None)
        waiter = Deferred()
        if self._waiting is not None:
            self._waiting.append(waiter)
        else:
            self._waiting = [waiter]
            self._service.stopService().addBoth(self._stopped)
        return waiter

    def _stopped(self, _):
        self._done = True
        for waiter in self._waiting:
            waiter.callback(None)
