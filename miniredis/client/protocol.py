"""
One connection to miniredis (or Redis): every command is a method that
returns a L{Deferred}. Applications usually want a pool of them that
reconnects (L{miniredis.client.pool}); L{connect} gives a single one.

Usage::

    from twisted.internet import defer, task
    from miniredis.client import RedisError, connect

    @defer.inlineCallbacks
    def main(reactor):
        client = yield connect(reactor, "tcp:127.0.0.1:6379", protocol=3)
        yield client.mset("k1", "v1", "k2", ["v2-0", 1, "v2-2"])
        value = yield client.get("k2")      # [b"v2-0", 1, b"v2-2"]
        try:
            yield client.incr("k1")
        except RedisError as e:
            print(e.message)                # ERR value is not an integer ...
        yield client.quit()

    task.react(main)

A call does not wait for the replies to earlier ones: requests go out at
once (pipelined) and each L{Deferred} fires with its own reply, in order.
Arguments are sent as the codec encodes them: C{str} and C{bytes} as bulk
strings, C{float} as its text, C{int}, C{list}, C{dict} and None as typed
RESP values, which miniredis stores as such for C{SET}-like commands (and
takes as plain strings elsewhere).

L{RedisCommands} holds the methods, one per command; the blocking client of
L{miniredis.blocking} shares them.
"""

import re
from collections import deque

from twisted.internet.defer import (
    Deferred,
    TimeoutError,
    fail,
    inlineCallbacks,
    succeed,
)
from twisted.internet.endpoints import clientFromString, connectProtocol
from twisted.internet.error import NotConnectingError
from twisted.internet.interfaces import ITCPTransport
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from twisted.protocols.policies import TimeoutMixin
from twisted.python.failure import Failure

from miniredis.client.methods import RedisCommands
from miniredis.client.replies import RedisError, command_name, decoded
from miniredis.resp import (
    Decoder,
    ProtocolError,
    Push,
    ReplyError,
    Status,
    encode_command,
)

log = Logger(namespace="miniredis.client")


def encode_plain(args):
    """
    Encode a request as Redis wants it: C{int} arguments as their text
    (other typed values as L{encode_command} does).
    """
    return encode_command([str(arg) if type(arg) is int else arg for arg in args])


class _Subscription:
    """
    A (P|S)(UN)SUBSCRIBE call, waiting for one confirmation per name.

    @ivar kind: the confirmations awaited (C{b"subscribe"}, ...).
    @ivar expected: how many.
    """

    def __init__(self, kind, expected):
        self.kind = kind
        self.expected = expected
        self.confirmations = []
        self.deferred = Deferred()


_SUBSCRIPTION_KINDS = {
    b"subscribe": b"subscribe",
    b"unsubscribe": b"subscribe",
    b"psubscribe": b"psubscribe",
    b"punsubscribe": b"psubscribe",
    b"ssubscribe": b"ssubscribe",
    b"sunsubscribe": b"ssubscribe",
}


# What starts a MONITOR line, and no reply a command sends.
_MONITOR_LINE = re.compile(rb"\d+\.\d{6} \[")


class RedisClientProtocol(Protocol, TimeoutMixin, RedisCommands):
    """
    A connection to a Redis server; every call returns a L{Deferred}.

    A call fires with the reply, or fails with L{RedisError} for an error
    reply, with the reason of the connection's loss if it is lost first,
    or with L{TimeoutError} if no reply came for C{timeout} seconds (the
    connection is then dropped, failing the other calls too). Calls on a
    closed connection fail at once.

    Out-of-band messages (RESP3 pushes: pub/sub messages, invalidations)
    go to L{pushReceived}. The (un)subscribe methods need RESP3. After
    L{monitor}, the server's lines about the commands it runs go to
    L{monitorLineReceived}.

    @ivar protocolVersion: the RESP version the server speaks to us.
    @ivar replyTimeout: seconds to wait for a reply, or None.
    @ivar decodeResponses: whether replies come decoded from UTF-8.
    @ivar typed: whether C{int} arguments go out as RESP integers.
    """

    protocolVersion = 2
    _lost = None
    _closed = False
    _monitoring = False

    def __init__(self, timeout=None, clock=None, decode_responses=False, typed=True):
        """
        @param timeout: seconds to wait for each reply, None for ever.
        @param clock: the reactor timeouts are scheduled on (a
            C{task.Clock} in tests); the global reactor by default.
        @param decode_responses: decode the byte strings of replies to
            C{str} (see L{decoded}).
        @param typed: send C{int} arguments as RESP integers (miniredis
            stores them typed); if False, as their text, as Redis wants.
        """
        self._pending = deque()
        self._lossWaiters = []
        self._subscriptions = deque()
        self._subscribed = {
            b"subscribe": set(),
            b"psubscribe": set(),
            b"ssubscribe": set(),
        }
        self._decoder = Decoder(inline=False)
        self.replyTimeout = timeout
        self.decodeResponses = decode_responses
        self.typed = typed
        self._clockGiven = clock
        if clock is not None:
            self.callLater = clock.callLater

    def connectionMade(self):
        if ITCPTransport.providedBy(self.transport):
            self.transport.setTcpNoDelay(True)

    def execute(self, *args, timeout=None):
        """
        Send a command: C{execute("SET", "k", "v")}.

        @param timeout: seconds to wait for this reply, None for the
            connection's own limit: then this call alone fails with
            C{CancelledError} (its reply, when it comes, is dropped).
        @return: a L{Deferred} firing with the reply.
        """
        if not args:
            return fail(ValueError("a command needs a name"))
        return self.execute_many([args], timeout)[0]

    def execute_many(self, commands, timeout=None):
        """
        Send several commands in one write.

        @param commands: a list of command lines (tuples of arguments).
        @param timeout: as L{execute}'s, for each reply.
        @return: a list of L{Deferred}s, one per command, in order.
        """
        reason = self._refusal()
        if reason is not None:
            return [fail(reason) for _ in commands]
        if not self._pending:
            self.setTimeout(self.replyTimeout)
        deferreds = []
        for args in commands:
            deferred = Deferred()
            self._pending.append(deferred)
            name = command_name(args)
            if name == "hello" and len(args) > 1:
                deferred.addCallback(self._switched, int(args[1]))
            elif name == "reset":
                deferred.addCallback(self._reset_done)
            elif name == "monitor":
                deferred.addCallback(self._monitor_started)
            if timeout is not None:
                deferred.addTimeout(timeout, self._clock())
            deferreds.append(deferred)
        encode = encode_command if self.typed else encode_plain
        self.transport.write(b"".join(encode(args) for args in commands))
        return deferreds

    def _call(self, convert, *args):
        deferred = self.execute(*args)
        return deferred if convert is None else deferred.addCallback(convert)

    def _clock(self):
        if self._clockGiven is not None:
            return self._clockGiven
        from twisted.internet import reactor

        return reactor

    def _switched(self, reply, version):
        self.protocolVersion = version
        return reply

    def _reset_done(self, reply):
        self._monitoring = False
        return self._switched(reply, 2)

    def monitor(self):
        """
        C{MONITOR}: once the server has said OK, each command it runs comes
        to L{monitorLineReceived}, a line each. Other calls go on working
        (but Redis refuses a monitoring client the commands that touch keys).

        @return: a L{Deferred} firing with the OK.
        """
        return self.execute("MONITOR")

    def _monitor_started(self, reply):
        self._monitoring = True
        return reply

    def monitorLineReceived(self, line):
        """
        Override this to follow MONITOR.

        @param line: a L{Status}, such as
            C{1700000000.123456 [0 127.0.0.1:50312] "set" "k" "v"}.
        """
        log.debug("monitor line not handled: {line!r}", line=line)

    def _refusal(self):
        """@return: why no command can be sent now, or None."""
        if self._lost is not None:
            return self._lost
        if self.transport is None:
            return Failure(NotConnectingError("not connected yet"))
        return None

    def subscribe(self, *channels):
        """
        C{SUBSCRIBE channel [channel ...]}, under RESP3.

        @return: a L{Deferred} firing with the confirmation pushes; the
            messages then go to L{pushReceived}.
        """
        return self._subscribe(b"subscribe", channels)

    def psubscribe(self, *patterns):
        """C{PSUBSCRIBE pattern [pattern ...]}, under RESP3 (see L{subscribe})."""
        return self._subscribe(b"psubscribe", patterns)

    def ssubscribe(self, *channels):
        """C{SSUBSCRIBE shardchannel [...]}, under RESP3 (see L{subscribe})."""
        return self._subscribe(b"ssubscribe", channels)

    def unsubscribe(self, *channels):
        """C{UNSUBSCRIBE [channel ...]}, under RESP3 (see L{subscribe})."""
        return self._subscribe(b"unsubscribe", channels)

    def punsubscribe(self, *patterns):
        """C{PUNSUBSCRIBE [pattern ...]}, under RESP3 (see L{subscribe})."""
        return self._subscribe(b"punsubscribe", patterns)

    def sunsubscribe(self, *channels):
        """C{SUNSUBSCRIBE [shardchannel ...]}, under RESP3 (see L{subscribe})."""
        return self._subscribe(b"sunsubscribe", channels)

    def _subscribe(self, kind, names):
        reason = self._refusal()
        if reason is not None:
            return fail(reason)
        if self.protocolVersion != 3:
            return fail(ValueError("pub/sub needs RESP3: connect with protocol=3"))
        # Without names, one confirmation per name subscribed, or one.
        expected = len(names) or max(
            1, len(self._subscribed[_SUBSCRIPTION_KINDS[kind]])
        )
        subscription = _Subscription(kind, expected)
        self._subscriptions.append(subscription)
        self.transport.write(encode_command((kind,) + names))
        return subscription.deferred

    def dataReceived(self, data):
        self._decoder.feed(data)
        try:
            values = self._decoder.values()
        except ProtocolError:
            self._abort(Failure())
            return
        for value in values:
            if type(value) is Push:
                self._pushed(value)
            elif (
                self._monitoring
                and type(value) is Status
                and _MONITOR_LINE.match(value)
            ):
                self.monitorLineReceived(self._value(value))
            else:
                self._replied(value)
        if self._pending:
            self.resetTimeout()
        else:
            self.setTimeout(None)

    def _replied(self, value):
        if not self._pending:
            if self._lost is None:
                log.warn("reply to no request: {reply!r}", reply=value)
            return
        deferred = self._pending.popleft()
        if isinstance(value, ReplyError):
            deferred.errback(RedisError(value.message))
        elif self.decodeResponses:
            deferred.callback(decoded(value))
        else:
            deferred.callback(value)

    def _pushed(self, push):
        kind = push[0] if push else None
        family = _SUBSCRIPTION_KINDS.get(kind)
        if family is not None and len(push) == 3:
            names = self._subscribed[family]
            if kind == family:
                names.add(push[1])
            else:
                names.discard(push[1])
            waiting = self._subscriptions
            if waiting and waiting[0].kind == kind:
                subscription = waiting[0]
                subscription.confirmations.append(self._value(push))
                if len(subscription.confirmations) == subscription.expected:
                    waiting.popleft()
                    subscription.deferred.callback(subscription.confirmations)
                return
        self.pushReceived(self._value(push))

    def _value(self, value):
        return decoded(value) if self.decodeResponses else value

    def pushReceived(self, push):
        """
        Override this to handle out-of-band messages.

        @param push: a L{Push}, such as C{[b"message", channel, payload]}.
        """
        log.debug("push not handled: {push!r}", push=push)

    def timeoutConnection(self):
        self._abort(
            Failure(TimeoutError("no reply in %s seconds" % (self.replyTimeout,)))
        )

    def _abort(self, reason):
        """Fail every call with C{reason} and drop the connection."""
        self._lost = reason
        self._fail_all(reason)
        self.transport.loseConnection()

    def connectionLost(self, reason):
        self.setTimeout(None)
        if self._lost is None:
            self._lost = reason
        self._fail_all(reason)
        self._closed = True
        waiting, self._lossWaiters = self._lossWaiters, []
        for deferred in waiting:
            deferred.callback(None)

    def notifyLost(self):
        """
        @return: a L{Deferred} firing (with None) once the connection is
            closed, at once if it is.
        """
        if self._closed:
            return succeed(None)
        deferred = Deferred()
        self._lossWaiters.append(deferred)
        return deferred

    @property
    def ready(self):
        """Whether calls can be sent now."""
        return self._refusal() is None

    def _fail_all(self, reason):
        while self._pending:
            self._pending.popleft().errback(reason)
        while self._subscriptions:
            self._subscriptions.popleft().deferred.errback(reason)


@inlineCallbacks
def handshake(client, password=None, db=0, protocol=3, username=None, name=None):
    """
    Set a new connection up: C{HELLO} (or C{AUTH}), C{SELECT}, C{CLIENT
    SETNAME}; the connection is dropped if any of them fails.

    @return: a L{Deferred} firing with C{client} when it is ready.
    """
    try:
        if protocol == 3:
            auth = ()
            if password is not None:
                auth = ("AUTH", username or "default", password)
            yield client.execute("HELLO", "3", *auth)
        elif password is not None:
            yield client.execute("AUTH", *((username,) if username else ()), password)
        if db:
            yield client.execute("SELECT", str(db))
        if name is not None:
            yield client.execute("CLIENT", "SETNAME", name)
    except BaseException:
        client.transport.loseConnection()
        raise
    return client


def connect(
    reactor,
    endpoint="tcp:127.0.0.1:6379",
    password=None,
    db=0,
    protocol=3,
    timeout=None,
    decode_responses=False,
    username=None,
    name=None,
):
    """
    Connect to a server and get a client ready for commands.

    @param reactor: the reactor (its clock also times the replies).
    @param endpoint: a client endpoint description, as
        L{clientFromString} reads it (C{"unix:path=/run/redis.sock"}, ...).
    @param password: sent with C{AUTH} (or C{HELLO 3 AUTH}) when given.
    @param db: the database to C{SELECT}, if not 0.
    @param protocol: the RESP version to speak: 3 (C{HELLO 3}; maps come
        back as dicts, pub/sub pushes reach L{pushReceived}), or 2.
    @param timeout: seconds to wait for each reply, None for ever.
    @param decode_responses: decode replies' byte strings to C{str}.
    @param username: the ACL user to authenticate as, with C{password}.
    @param name: the connection's name (C{CLIENT SETNAME}).
    @return: a L{Deferred} firing with the connected L{RedisClientProtocol}.
    """
    client = RedisClientProtocol(
        timeout=timeout, clock=reactor, decode_responses=decode_responses
    )
    connecting = connectProtocol(clientFromString(reactor, endpoint), client)
    return connecting.addCallback(
        lambda _: handshake(client, password, db, protocol, username, name)
    )
