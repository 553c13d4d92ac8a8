"""
Differential testing: the same commands against a real redis-server and
against miniredis, replies compared one by one.
"""

import time

from hypothesis import settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    run_state_machine_as_test,
)

from miniredis.resp import Decoder, ReplyError, encode_command
from tests.servers import RawConnection

MACHINE_SETTINGS = settings(max_examples=25, stateful_step_count=30, deadline=None)


def _sorted_if(value, unordered):
    if unordered and isinstance(value, list):
        return sorted(value, key=repr)
    return value


def many(count):
    """@return: C{count} distinct arguments, for commands that take any number."""
    return ["a%d" % i for i in range(count)]


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


def raw_reply(connection, *args):
    """Send C{args} on a L{tests.servers.RawConnection}; @return: reply bytes."""
    assert not connection.pending
    connection.sock.sendall(encode_command(list(args)))
    decoder = Decoder(inline=False)
    data = b""
    while not decoder.values():
        chunk = connection.sock.recv(65536)
        assert chunk, "connection closed"
        data += chunk
        decoder.feed(chunk)
    return data


def check_raw(differ, *args):
    """Assert both servers send the very same bytes (null shapes included)."""
    real, mini = raw_reply(differ.real, *args), raw_reply(differ.mini, *args)
    assert mini == real, "%r: redis-server sent %r, miniredis sent %r" % (
        args,
        real,
        mini,
    )
    return mini


class DifferMachine(RuleBasedStateMachine):
    """
    Random commands, each reply compared between both servers of C{differ}.

    @cvar differ: the L{Differ}, set by L{run_machine}.
    @cvar setup: the commands checked on emptied servers before each run.
    """

    differ = None
    setup = ()

    @initialize()
    def start(self):
        self.differ.both("FLUSHALL")
        self.differ.run(self.setup)


def run_machine(machine, differ):
    """Run the L{DifferMachine} subclass C{machine} against C{differ}."""
    machine.differ = differ
    run_state_machine_as_test(machine, settings=MACHINE_SETTINGS)


def wait_until_blocked(connection, clients=1):
    """Poll INFO until C{clients} clients are blocked on that server."""
    for _ in range(200):
        info = connection.call("INFO", "clients")
        if b"blocked_clients:%d\r" % clients in info:
            return
        time.sleep(0.005)
    raise AssertionError("no client blocked")


def block_both(differ, waiters, *args):
    """
    Send the blocking command C{args} on C{waiters}, a second connection to
    each server of C{differ}; return once each server counts it blocked.
    """
    for connection, commands in zip(waiters, (differ.real, differ.mini)):
        connection.send(*args)
        wait_until_blocked(commands)
