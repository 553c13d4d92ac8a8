"""
The long-running fuzz target: a real miniredis process, fed command lines
made from the command table's specs (L{tests.specfuzz}) over real sockets,
one new client per case. After each case the server must still answer
PING (and a script's PING) within C{--stall} seconds, the replies must be
valid RESP without an internal error, its log must show no traceback, the
sentinel database must be unchanged, and no script may have left the Lua
sandbox. Not part of the test suite; run it for as long as you like::

    python -m tests.fuzz --minutes 10
    python -m tests.fuzz --cases 2000 --seed 7 --family stream

It prints the cases run and the failures (each with its seed, case number
and command lines, enough to replay it) and exits non-zero after a failure.
"""

import argparse
import os
import random
import resource
import shutil
import socket
import sys
import tempfile
import time

from miniredis.resp import Decoder, ProtocolError, ReplyError
from tests import specfuzz
from tests.servers import RawConnection, miniredis_process

# What a server log shows when a Python exception escaped.
_LOG_ALARMS = ("Traceback", "Unhandled", "internal error")


class Fuzzer:
    """
    One server and the checks made after each case.

    @ivar failures: C{(case number, lines, what went wrong)}.
    """

    def __init__(self, directory, seed, family, stall, memory):
        self.seed = seed
        self.family = family
        self.stall = stall
        self.server = miniredis_process(directory).start()
        resource.prlimit(self.server.process.pid, resource.RLIMIT_AS, (memory, memory))
        self.log_seen = 0
        self.failures = []
        self.cases = 0
        setup = self.connect()
        for argv in specfuzz.sentinel_lines() + specfuzz.SEED:
            if isinstance(setup.call(*argv), ReplyError):
                raise RuntimeError("the seed failed: %r" % (argv,))
        self.payloads = [setup.call(*argv) for argv in specfuzz.payload_lines()]
        self.payloads = [
            p for p in self.payloads if isinstance(p, bytes) and len(p) > 10
        ]
        setup.close()
        self.expected = self.snapshot()

    def connect(self):
        return RawConnection(self.server.port, timeout=self.stall)

    def snapshot(self):
        checker = self.connect()
        try:
            return [checker.call(*argv) for argv in specfuzz.snapshot_lines()]
        finally:
            checker.close()

    def reseed(self):
        """Give the fuzzed database its seed keys again."""
        setup = self.connect()
        setup.call("FLUSHDB")
        for argv in specfuzz.SEED:
            setup.call(*argv)
        setup.close()

    def run(self, number):
        """Run case C{number}; @return: whether the server survived it."""
        rng = random.Random("%d-%d" % (self.seed, number))
        maker = specfuzz.Maker(specfuzz.RandomChoices(rng), self.payloads)
        lines = maker.case(self.family)
        self.cases += 1
        try:
            problem = self.send(maker.wire(lines), len(lines)) or self.check()
        except OSError as e:
            problem = "no answer: %r" % (e,)
        if problem is None:
            return True
        self.failures.append((number, lines, problem))
        print(
            "FAILURE case %d (seed %d): %s\n  %r" % (number, self.seed, problem, lines),
            flush=True,
        )
        if self.server.process.poll() is not None:
            return False
        try:
            self.restore()
        except OSError:
            return False
        return True

    def send(self, data, count):
        """
        Send C{data} as a new client and read its replies (up to C{count}).

        @return: what went wrong, or None.
        """
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        decoder = Decoder(inline=False)
        try:
            try:
                sock.sendall(data)
            except OSError:  # closed early (a protocol error, say): fine
                pass
            sock.settimeout(0.2)  # fewer replies: blocked, CLIENT REPLY OFF, QUIT
            while count > 0:
                try:
                    data = sock.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    break
                if not data:
                    break
                decoder.feed(data)
                try:
                    values = decoder.values()
                except ProtocolError as e:
                    return "invalid reply: %s" % (e,)
                for value in values:
                    count -= 1
                    if isinstance(value, ReplyError) and "internal error" in str(value):
                        return "internal error: %s" % (value,)
        finally:
            sock.close()
        return None

    def check(self):
        """@return: what is wrong with the server after a case, or None."""
        started = time.monotonic()
        checker = self.connect()
        try:
            if checker.call("PING") != b"PONG":
                return "PING not answered"
            if checker.call("EVAL", "return redis.call('ping')", "0") != b"PONG":
                return "a script's PING not answered"
        finally:
            checker.close()
        if time.monotonic() - started > self.stall:
            return "stalled %.1f s" % (time.monotonic() - started,)
        if self.snapshot() != self.expected:
            return "the sentinel database changed"
        if os.path.exists(specfuzz.CANARY):
            os.unlink(specfuzz.CANARY)
            return "a script left the sandbox"
        log = self.server.log()
        fresh, self.log_seen = log[self.log_seen :], len(log)
        for alarm in _LOG_ALARMS:
            if alarm in fresh:
                return "the log says %r:\n%s" % (alarm, fresh[-3000:])
        return None

    def restore(self):
        """Fill the sentinel database again after a failure."""
        setup = self.connect()
        for argv in [["SELECT", str(specfuzz.SENTINEL_DB)], ["FLUSHDB"]]:
            setup.call(*argv)
        for argv in specfuzz.sentinel_lines():
            setup.call(*argv)
        setup.close()
        self.log_seen = len(self.server.log())

    def stop(self):
        self.server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--cases", type=int, default=None, help="stop after this many")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--family", default=None, help="e.g. stream, acl, config")
    parser.add_argument("--stall", type=float, default=10.0, help="seconds")
    parser.add_argument("--memory", type=int, default=2048, help="server limit, MB")
    options = parser.parse_args(argv)
    seed = options.seed if options.seed is not None else random.randrange(10**6)
    if options.family is not None:
        specfuzz.Maker.commands(options.family)  # fails on an unknown family
    directory = tempfile.mkdtemp(prefix="miniredis-fuzz-")
    fuzzer = Fuzzer(
        directory, seed, options.family, options.stall, options.memory << 20
    )
    print("fuzzing with seed %d, server log in %s" % (seed, directory), flush=True)
    deadline = time.monotonic() + options.minutes * 60
    shown = time.monotonic()
    number = 0
    try:
        while time.monotonic() < deadline and number != options.cases:
            if number % 50 == 0:
                fuzzer.reseed()
            if not fuzzer.run(number) or len(fuzzer.failures) >= 20:
                break
            number += 1
            if time.monotonic() - shown > 60:
                shown = time.monotonic()
                print(
                    "%d cases, %d failures" % (fuzzer.cases, len(fuzzer.failures)),
                    flush=True,
                )
    finally:
        fuzzer.stop()
    print("cases run: %d, failures: %d" % (fuzzer.cases, len(fuzzer.failures)))
    if fuzzer.failures:
        print("server log kept in %s" % (directory,))
        return 1
    shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
