"""
ACL LOG: the commands and logins refused lately, a repeat counted once.
"""

from miniredis.acl.rules import REASONS

_LOG_GROUPING_MS = 60000


class LogEntry:
    """One ACL LOG entry: a refusal, counted again when it repeats."""

    def __init__(self, reason, context, obj, username, client_info, now):
        self.count = 1
        self.reason = reason
        self.context = context
        self.object = obj
        self.username = username
        self.client_info = client_info
        self.created = now

    def same(self, other):
        return (
            self.reason == other.reason
            and self.context == other.context
            and self.object == other.object
            and self.username == other.username
            and other.created - self.created <= _LOG_GROUPING_MS
        )

    def reply(self, now):
        return {
            b"count": self.count,
            b"reason": REASONS[self.reason].encode(),
            b"context": self.context.encode(),
            b"object": self.object,
            b"username": self.username,
            b"age-seconds": (now - self.created) / 1000.0,
            b"client-info": self.client_info.encode(),
        }
