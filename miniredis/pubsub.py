"""
Publish/subscribe: who listens to which channel or pattern.

Usage::

    registry = PubSub()
    registry.subscribe(session, b"news")
    registry.publish(b"news", b"hello")   # 1: pushed to that session
"""

from miniredis.glob import matcher
from miniredis.resp import Push


class PubSub:
    """
    The subscriptions of one server.

    @ivar channels: channel -> the sessions subscribed to it.
    @ivar patterns: pattern -> the sessions subscribed to it.
    @ivar shard_channels: shard channel -> sessions (SSUBSCRIBE).
    """

    def __init__(self):
        self.channels = {}
        self.patterns = {}
        self.shard_channels = {}
        self._matchers = {}

    def subscribe(self, session, channel, shard=False):
        """@return: whether C{session} was not yet subscribed to C{channel}."""
        registry = self.shard_channels if shard else self.channels
        mine = session.shard_channels if shard else session.channels
        if channel in mine:
            return False
        mine.add(channel)
        registry.setdefault(channel, set()).add(session)
        session.subscribed = True
        return True

    def unsubscribe(self, session, channel, shard=False):
        registry = self.shard_channels if shard else self.channels
        mine = session.shard_channels if shard else session.channels
        if channel not in mine:
            return False
        mine.discard(channel)
        _discard(registry, channel, session)
        _still_subscribed(session)
        return True

    def psubscribe(self, session, pattern):
        if pattern in session.patterns:
            return False
        session.patterns.add(pattern)
        if pattern not in self.patterns:
            self._matchers[pattern] = matcher(pattern)
        self.patterns.setdefault(pattern, set()).add(session)
        session.subscribed = True
        return True

    def punsubscribe(self, session, pattern):
        if pattern not in session.patterns:
            return False
        session.patterns.discard(pattern)
        _discard(self.patterns, pattern, session)
        if pattern not in self.patterns:
            del self._matchers[pattern]
        _still_subscribed(session)
        return True

    def publish(self, channel, message, shard=False):
        """Push C{message} to every subscriber; @return: how many got it."""
        registry = self.shard_channels if shard else self.channels
        kind = b"smessage" if shard else b"message"
        receivers = 0
        for session in list(registry.get(channel, ())):
            session.push(Push([kind, channel, message]))
            receivers += 1
        if shard:
            return receivers
        for pattern, sessions in list(self.patterns.items()):
            if self._matchers[pattern](channel):
                for session in list(sessions):
                    session.push(Push([b"pmessage", pattern, channel, message]))
                    receivers += 1
        return receivers

    def drop(self, session):
        """Forget every subscription of C{session}."""
        for channel in list(session.channels):
            self.unsubscribe(session, channel)
        for channel in list(session.shard_channels):
            self.unsubscribe(session, channel, shard=True)
        for pattern in list(session.patterns):
            self.punsubscribe(session, pattern)


def _still_subscribed(session):
    session.subscribed = bool(
        session.channels or session.patterns or session.shard_channels
    )


def _discard(registry, name, session):
    sessions = registry.get(name)
    if sessions is not None:
        sessions.discard(session)
        if not sessions:
            del registry[name]
