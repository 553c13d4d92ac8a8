"""
Pipelines, transactions and watched connections: calls collected and sent
in one write.
"""

from twisted.internet.defer import DeferredList, inlineCallbacks
from twisted.python.failure import Failure

from miniredis.client.methods import RedisCommands
from miniredis.client.replies import RedisError, WatchError, as_error
from miniredis.resp import ReplyError


@inlineCallbacks
def send_batch(connection, queued, transaction):
    """
    Send calls in one write and gather their replies.

    @param connection: a connected L{RedisClientProtocol}.
    @param queued: a list of C{(args, convert)}.
    @param transaction: whether to wrap them in C{MULTI}/C{EXEC}.
    @return: a L{Deferred} firing with the list of results, a
        L{RedisError} in place of each call that failed; failing with
        L{WatchError} where a watched key changed, or with the reason of
        the connection's loss.
    """
    lines = [args for args, _ in queued]
    if transaction:
        lines = [("MULTI",)] + lines + [("EXEC",)]
    replies = yield DeferredList(
        connection.execute_many(lines), consumeErrors=True, fireOnOneErrback=False
    )
    for ok, failure in replies:
        if not ok and not failure.check(RedisError):
            failure.raiseException()
    if transaction:
        ok, executed = replies[-1]
        if not ok:
            executed.raiseException()
        if executed is None:
            raise WatchError()
        replies = [(not isinstance(v, ReplyError), as_error(v)) for v in executed]
    results = []
    for (ok, value), (_, convert) in zip(replies, queued):
        if not ok:
            results.append(value.value if isinstance(value, Failure) else value)
        elif convert is not None:
            results.append(convert(value))
        else:
            results.append(value)
    return results


class Pipeline(RedisCommands):
    """
    Calls collected, then sent in one write by L{execute}: each method
    returns the pipeline itself, so calls chain.

        results = yield pool.pipeline().incr("n").get("k").execute()

    @ivar transaction: whether the calls run inside C{MULTI}/C{EXEC}.
    """

    def __init__(self, connection, transaction=False):
        """
        @param connection: a function giving a L{Deferred} that fires with
            the connection to send on.
        @param transaction: wrap the calls in C{MULTI}/C{EXEC}.
        """
        self._connection = connection
        self.transaction = transaction
        self._queued = []

    def __len__(self):
        return len(self._queued)

    def _call(self, convert, *args):
        self._queued.append((args, convert))
        return self

    def execute(self, *args):
        """
        With arguments, add that command as it is; without, send all.

        @return: the pipeline; or, to send, a L{Deferred} firing with the
            list of results (see L{send_batch}).
        """
        if args:
            return self._call(None, *args)
        queued, self._queued = self._queued, []
        return self._connection().addCallback(send_batch, queued, self.transaction)


class WatchedConnection(RedisCommands):
    """
    A connection held for an optimistic transaction: C{WATCH} has been
    sent; calls run at once (read what the transaction depends on) until
    L{multi}, after which they are collected and L{execute} sends them
    inside C{MULTI}/C{EXEC}, then gives the connection back.

    @ivar connection: the L{RedisClientProtocol} held.
    """

    def __init__(self, connection, release):
        """
        @param connection: the L{RedisClientProtocol}, WATCH sent.
        @param release: called with the connection when done with it.
        """
        self.connection = connection
        self._release = release
        self._queued = None

    def _call(self, convert, *args):
        if self._queued is not None:
            self._queued.append((args, convert))
            return self
        return self.connection._call(convert, *args)

    def multi(self):
        """Collect the calls from now on; @return: this connection."""
        if self._queued is None:
            self._queued = []
        return self

    def execute(self, *args):
        """
        With arguments, that command as it is; without, send the calls
        collected since L{multi} inside C{MULTI}/C{EXEC} and give the
        connection back.

        @return: a L{Deferred} firing with the results (failing with
            L{WatchError} if a watched key changed).
        """
        if args:
            return self._call(None, *args)
        queued, self._queued = self._queued or [], None
        result = send_batch(self.connection, queued, True)
        return result.addBoth(self._done)

    def _done(self, result):
        self.release()
        return result

    def release(self):
        """Give the connection back to the pool (C{UNWATCH} is sent)."""
        connection, self.connection = self.connection, None
        if connection is not None:
            self._release(connection)
