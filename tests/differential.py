"""
Differential testing: the same commands against a real redis-server and
against miniredis, replies compared one by one.
"""

from miniredis.resp import ReplyError
from tests.servers import RawConnection


def _sorted_if(value, unordered):
    if unordered and isinstance(value, list):
        return sorted(value, key=repr)
    return value


class Differ:
    """
    A pair of raw connections, one per server, speaking the same RESP version.

    Usage::

        differ.check("SET", "k", "v")          # asserts equal replies
        differ.check("SMEMBERS", "s", unordered=True)
    """

    def __init__(self, redis_port, mini_port, proto=2):
        self.proto = proto
        self.real = RawConnection(redis_port, proto)
        self.mini = RawConnection(mini_port, proto)

    def both(self, *args):
        """@return: C{(real reply, miniredis reply)}."""
        return self.real.call(*args), self.mini.call(*args)

    def check(self, *args, unordered=False):
        """Send C{args} to both servers and assert the replies are equal."""
        real, mini = self.both(*args)
        assert _sorted_if(mini, unordered) == _sorted_if(real, unordered), (
            "%r: redis-server said %r, miniredis said %r" % (args, real, mini)
        )
        assert type(mini) is type(real) or isinstance(real, ReplyError), (
            "%r: redis-server said %r (%s), miniredis said %r (%s)"
            % (args, real, type(real).__name__, mini, type(mini).__name__)
        )
        return mini

    def run(self, script, unordered=False):
        """Check each command of C{script}, a list of argument tuples."""
        return [self.check(*args, unordered=unordered) for args in script]

    def close(self):
        self.real.close()
        self.mini.close()
