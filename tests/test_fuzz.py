"""
Hostile input, fuzzed: byte streams for the two request decoders, and
command lines made from the command table's specs (tests/specfuzz.py) for
every family of commands, run in-process. After each case the server must
have answered in valid RESP without an internal error, still answer PING
(a script's call too), and hold its sentinel database unchanged; no Lua
script may have left its sandbox.

The long-running version over a real socket is C{python -m tests.fuzz}.
"""

import os
import resource

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from twisted.logger import globalLogPublisher

from miniredis import resp
from miniredis.commands import COMMANDS
from miniredis.resp import Decoder, ProtocolError, ReplyError, encode_command
from tests import specfuzz
from tests.local import Connection, Local

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

DECODERS = [Decoder]
if resp.hiredis is not None:
    DECODERS.append(resp.HiredisDecoder)


@pytest.fixture(scope="module", autouse=True)
def bounded_memory():
    """
    A fuzzed command that allocates without bound fails, not the machine:
    the process may grow by 3 GB at most while this module runs.
    """
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
    except OSError:  # not Linux: no bound
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = pages * os.sysconf("SC_PAGE_SIZE") + (3 << 30)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


# ---------------------------------------------------------------- decoders


def feed_all(decoder_class, chunks):
    """
    Feed C{chunks}: only L{ProtocolError} may stop the decoder (as its
    C{error}); nothing may raise.

    @return: C{(requests, error text or None)}.
    """
    decoder = decoder_class()
    out = []
    for chunk in chunks:
        decoder.feed(chunk)
        out.extend(decoder.requests())
    if decoder.error is not None:
        assert isinstance(decoder.error, ProtocolError), decoder.error
    return out, None if decoder.error is None else str(decoder.error)


def frames():
    """RESP2 and RESP3 frames of every type, nested."""
    line = st.binary(max_size=8).filter(lambda b: b"\r" not in b and b"\n" not in b)
    leaves = st.one_of(
        st.binary(max_size=10).map(lambda b: b"$%d\r\n%s\r\n" % (len(b), b)),
        line.map(lambda b: b"+" + b + b"\r\n"),
        line.map(lambda b: b"-" + b + b"\r\n"),
        st.integers(-(2**70), 2**70).map(lambda n: b":%d\r\n" % n),
        st.integers(-(2**70), 2**70).map(lambda n: b"(%d\r\n" % n),
        st.sampled_from([b",1.5\r\n", b",inf\r\n", b",-nan\r\n", b",x\r\n"]),
        st.sampled_from([b"#t\r\n", b"#f\r\n", b"#x\r\n", b"_\r\n", b"$-1\r\n"]),
        st.binary(max_size=6).map(lambda b: b"!%d\r\n%s\r\n" % (len(b), b)),
        st.binary(max_size=6).map(lambda b: b"=%d\r\ntxt:%s\r\n" % (len(b) + 4, b)),
    )

    def aggregate(inner):
        return st.tuples(
            st.sampled_from([b"*", b"~", b">", b"%", b"|"]),
            st.lists(inner, max_size=4),
        ).map(
            lambda kind_items: (
                kind_items[0]
                + b"%d\r\n"
                % (
                    len(kind_items[1]) // 2
                    if kind_items[0] in b"%|"
                    else len(kind_items[1])
                )
                + b"".join(kind_items[1])
            )
        )

    return st.recursive(leaves, aggregate, max_leaves=10)


def cut(data, cuts):
    cuts = sorted(set(c % (len(data) + 1) for c in cuts))
    return [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]


@FUZZ
@given(
    st.lists(
        st.one_of(
            frames(),
            st.binary(max_size=40),
            st.lists(st.binary(max_size=8), min_size=1, max_size=4).map(encode_command),
        ),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=3)), max_size=3),
    st.lists(st.integers(0, 10**6), max_size=8),
)
def test_decoders_take_any_bytes(parts, edits, cuts):
    """Frames of all types, random bytes, edited, in pieces: both decoders agree."""
    stream = bytearray(b"".join(parts))
    for at, noise in edits:
        at %= len(stream) + 1
        stream[at : at + len(noise)] = noise
    stream = bytes(stream)
    expected = repr(feed_all(Decoder, [stream]))  # repr: NaN equals NaN
    for decoder_class in DECODERS:
        assert repr(feed_all(decoder_class, cut(stream, cuts))) == expected


@pytest.mark.parametrize("decoder_class", DECODERS)
@pytest.mark.parametrize("kind", [b"*", b"~", b">", b"%", b"|"])
def test_deep_nesting_is_refused_or_read(decoder_class, kind):
    """A thousands-deep frame stops the decoder without a Python error."""
    key = b":1\r\n" if kind in b"%|" else b""  # a map nests in its values
    deep = (kind + b"1\r\n" + key) * 100000 + b":1\r\n"
    requests, error = feed_all(decoder_class, [b"*2\r\n$3\r\nSET\r\n" + deep])
    assert error is not None or requests


@pytest.mark.parametrize("depth", [10, 1000, 100000])
def test_deep_nesting_does_not_hurt_the_server(depth):
    """
    A deeply nested request is read (SET takes typed values), refused, or
    closes its own connection; the other clients and the data are untouched.
    """
    server = Local()
    try:
        server.call("SET", "k", "v")
        nested = Connection(server.factory)
        deep = b"*1\r\n" * depth + b":1\r\n"
        nested.transport.clear()
        nested.protocol.dataReceived(b"*3\r\n$3\r\nSET\r\n$1\r\nn\r\n" + deep)
        server.factory.outbox.flush()
        written = nested.transport.value()
        assert written in (b"+OK\r\n", b"") or written.startswith(b"-"), written
        assert written or nested.transport.disconnecting
        assert server.call("GET", "k") == b"v"
        assert server.connect().call("PING") == resp.Status(b"PONG")
    finally:
        server.close()


# ---------------------------------------------------------------- commands


class DrawChoices:
    """L{specfuzz.Maker}'s choices drawn by hypothesis (so failures shrink)."""

    def __init__(self, data):
        self.data = data

    def choice(self, options):
        return self.data.draw(st.sampled_from(options))

    def integer(self, low, high):
        return self.data.draw(st.integers(low, high))

    def chance(self, percent):
        return self.data.draw(st.integers(0, 99)) >= 100 - percent

    def binary(self, size):
        return self.data.draw(st.binary(max_size=size))


class Target:
    """
    A fresh in-process server holding the sentinel database and the seed
    keys, and the checks made after each case.

    @ivar failures: what the Twisted log reported as failures.
    """

    def __init__(self):
        self.server = Local()
        self.failures = []
        setup = self.server.connect()
        for argv in specfuzz.sentinel_lines() + specfuzz.SEED:
            assert not isinstance(setup.call(*argv), ReplyError), argv
        self.payloads = [setup.call(*argv) for argv in specfuzz.payload_lines()]
        self.payloads = [
            p for p in self.payloads if isinstance(p, bytes) and len(p) > 10
        ]
        self.expected = self.snapshot()
        globalLogPublisher.addObserver(self._observe)

    def _observe(self, event):
        if "log_failure" in event:
            self.failures.append(event["log_failure"].getTraceback())

    def close(self):
        globalLogPublisher.removeObserver(self._observe)
        self.server.close()

    def snapshot(self):
        checker = self.server.connect()
        return [checker.call(*argv) for argv in specfuzz.snapshot_lines()]

    def run(self, lines, data=None):
        """
        Send C{lines} (or the bytes C{data}) as one new client, then check
        the server.
        """
        client = Connection(self.server.factory)
        client.transport.clear()
        if data is not None:
            client.protocol.dataReceived(data)
        for argv in lines if data is None else ():
            client.protocol.dataReceived(encode_command(argv))
        self.server.factory.outbox.flush()
        written = client.transport.value()
        client.protocol.connectionLost(None)
        self.server.advance(0.01)
        decoder = Decoder(inline=False)
        decoder.feed(written)
        decoder.values()  # raises ProtocolError on an invalid reply
        assert decoder.pending() == 0, written
        assert b"internal error" not in written, written
        assert not self.failures, self.failures[0]
        checker = self.server.connect()
        assert checker.call("PING") == resp.Status(b"PONG")
        assert checker.call("EVAL", "return redis.call('ping')", "0") == resp.Status(
            b"PONG"
        )
        assert self.snapshot() == self.expected
        assert not os.path.exists(specfuzz.CANARY)


FAMILIES = [
    "generic",
    "string",
    "list",
    "hash",
    "set",
    "sorted-set",
    "stream",
    "geo",
    "bitmap",
    "hyperloglog",
    "scripting",
    "pubsub",
    "server",
    "config",
    "acl",
    "transactions",
    "connection",
    "cluster",
]


def fuzz_family(family):
    """@return: a test that fuzzes the commands of C{family}."""

    @FUZZ
    @given(data=st.data())
    def test(data):
        target = Target()
        try:
            maker = specfuzz.Maker(DrawChoices(data), target.payloads)
            lines = maker.case(family)
            data = maker.wire(lines)
            note(data)
            target.run(lines, data)
        finally:
            target.close()

    test.__doc__ = "Command lines of the %s family, made from their specs." % family
    return test


# One test per family (hypothesis and pytest-twisted's wrapper do not mix
# with parametrize).
for _family in FAMILIES:
    globals()["test_fuzz_" + _family.replace("-", "_")] = fuzz_family(_family)


def test_every_command_is_fuzzed():
    """Each command of the table is in a family above, or left out on purpose."""
    fuzzed = {
        cmd.name for family in FAMILIES for cmd in specfuzz.Maker.commands(family)
    }
    assert fuzzed == {cmd.name for cmd in specfuzz.Maker.commands()}


# ---------------------------------------------------------------- the checks


def _broken(problem):
    def func(session, argv):
        """A command gone wrong."""
        if isinstance(problem, Exception):
            raise problem
        return problem

    return func


@pytest.mark.parametrize(
    "problem",
    [KeyError("boom"), ReplyError("ERR internal error")],
    ids=["exception", "internal error"],
)
def test_the_checks_see_a_broken_command(monkeypatch, problem):
    target = Target()
    try:
        monkeypatch.setattr(COMMANDS[b"echo"], "func", _broken(problem))
        with pytest.raises((KeyError, AssertionError)):
            target.run([[b"ECHO", b"x"]])
    finally:
        target.close()


def test_the_checks_see_the_sentinel_change():
    target = Target()
    try:
        with pytest.raises(AssertionError):
            target.run([[b"SELECT", b"15"], [b"HSET", b"hash", b"f1", b"other"]])
    finally:
        target.close()


def test_lines_never_name_the_sentinel_database():
    lines = [[b"SELECT", b"15"], [b"MOVE", b"k", b"+015"], [b"GET", b"15"]]
    assert specfuzz.away_from_sentinel(lines) == [
        [b"SELECT", b"14"],
        [b"MOVE", b"k", b"14"],
        [b"GET", b"14"],
    ]
