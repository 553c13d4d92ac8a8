"""
SLOWLOG: differential against redis-server for what does not depend on
time (entries with their times masked), and unit tests of the log on a
fake clock.
"""

import re

import pytest
from twisted.internet import task

from miniredis.commands import COMMANDS
from miniredis.resp import ReplyError
from miniredis.slowlog import SlowLog, redacted, shown_args
from tests.differential import Differ
from tests.local import Local

_ADDRESS = re.compile(rb"^(127\.0\.0\.1:\d+|\?:0)$")


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def differ(request, debug_servers):
    """A L{Differ} on the DEBUG servers, their slow logs empty."""
    real, mini = debug_servers
    pair = Differ(real.port, mini.port, proto=request.param)
    pair.both("FLUSHALL")
    pair.both("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    pair.both("CONFIG", "SET", "slowlog-max-len", "128")
    pair.both("SLOWLOG", "RESET")
    yield pair
    pair.both("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    pair.close()


def masked(entries):
    """
    @return: the entries of a SLOWLOG GET reply without what differs
        between two servers: ids counted from the oldest shown, no times,
        the client's port checked and left out.
    """
    if not entries:
        return entries
    first = min(entry[0] for entry in entries)
    out = []
    for id_, when, usec, argv, address, name in entries:
        assert isinstance(when, int) and isinstance(usec, int) and usec >= 0
        assert _ADDRESS.match(address), address
        out.append([id_ - first, argv, address.split(b":")[0], name])
    return out


def slowlog(differ, *args):
    """@return: the masked SLOWLOG GET replies of both servers, checked equal."""
    real, mini = differ.both("SLOWLOG", "GET", *args)
    assert masked(mini) == masked(real)
    return masked(mini)


def test_help_len_reset_and_errors(differ):
    differ.check("SLOWLOG", "HELP")
    differ.check("SLOWLOG", "LEN")
    differ.check("SLOWLOG", "RESET")
    differ.check("SLOWLOG", "GET")
    for args in [
        ("SLOWLOG", "GET", "-2"),
        ("SLOWLOG", "GET", "x"),
        ("SLOWLOG", "GET", "1", "2"),
        ("SLOWLOG", "LEN", "x"),
        ("SLOWLOG", "RESET", "x"),
        ("SLOWLOG", "NOSUCH"),
        ("SLOWLOG",),
    ]:
        real, mini = differ.both(*args)
        assert isinstance(real, ReplyError) and mini == real, (args, real, mini)


def test_every_command_at_zero(differ):
    differ.check("CONFIG", "SET", "slowlog-log-slower-than", "0")
    script = [
        ("SET", "k", "v"),
        ("RPUSH", "l") + tuple("e%d" % i for i in range(40)),
        ("SET", "long", "x" * 200),
        ("MULTI",),
        ("INCR", "n"),
        ("EXEC",),
        ("EVAL", "return redis.call('get', KEYS[1])", "1", "k"),
        ("CLIENT", "SETNAME", "slowpoke"),
        ("AUTH", "secret"),
        ("AUTH", "user", "secret"),
        ("HELLO", str(differ.proto), "AUTH", "default", "nopass"),
        ("CONFIG", "SET", "masterauth", "pw", "maxmemory-samples", "5"),
        ("ACL", "SETUSER", "bob", "on", ">pw"),
        ("ACL", "DELUSER", "bob"),
    ]
    for args in script:
        differ.both(*args)
    entries = slowlog(differ, "-1")
    commands = [entry[1] for entry in entries]
    assert [b"EXEC"] not in commands
    assert [b"INCR", b"n"] in commands
    assert [b"AUTH", b"(redacted)"] in commands
    assert [b"get", b"k"] in commands  # the script's call, client ?:0
    rpush = next(argv for argv in commands if argv[0] == b"RPUSH")
    assert len(rpush) == 32 and rpush[-1] == b"... (11 more arguments)"
    differ.check("SLOWLOG", "LEN")
    slowlog(differ, "3")
    differ.check("SLOWLOG", "GET", "0")


def test_slow_command_and_order(differ):
    differ.check("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    differ.check("DEBUG", "SLEEP", "0.02")
    differ.check("SET", "quick", "1")
    differ.check("DEBUG", "SLEEP", "0.015")
    differ.check("SLOWLOG", "LEN")
    entries = slowlog(differ)
    assert [argv for _, argv, _, _ in entries] == [
        [b"DEBUG", b"SLEEP", b"0.015"],
        [b"DEBUG", b"SLEEP", b"0.02"],
    ]
    real, mini = differ.both("SLOWLOG", "GET")
    assert mini[0][2] >= 15000 and mini[1][2] >= 20000


def test_max_len_and_negative_threshold(differ):
    differ.check("CONFIG", "SET", "slowlog-max-len", "2")
    differ.check("CONFIG", "SET", "slowlog-log-slower-than", "0")
    for i in range(4):
        differ.both("SET", "k%d" % i, "v")
    differ.check("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    differ.check("SLOWLOG", "LEN")
    slowlog(differ)
    differ.check("SLOWLOG", "RESET")
    differ.check("DEBUG", "SLEEP", "0.02")
    differ.check("SLOWLOG", "LEN")


def test_slow_call_after_fast_ones_is_logged():
    # Timing one call in 64 would miss it: every call is timed.
    server = Local(enable_debug_command="yes", slowlog_log_slower_than=10000)
    try:
        for _ in range(100):
            server.call("DEBUG", "SLEEP", "0")
        server.call("DEBUG", "SLEEP", "0.02")
        entries = server.call("SLOWLOG", "GET")
        assert [entry[3] for entry in entries] == [[b"DEBUG", b"SLEEP", b"0.02"]]
        assert entries[0][2] >= 20000
    finally:
        server.close()


class _Session:
    script = False
    connection = None

    def __init__(self, address="127.0.0.1:5000", name=b""):
        self.address = address
        self.name = name


def test_log_on_a_fake_clock():
    clock = task.Clock()
    clock.advance(1700000000.75)
    config = {"slowlog-max-len": 2}
    log = SlowLog(config, clock)
    get, exec_ = COMMANDS[b"get"], COMMANDS[b"exec"]
    log.add(_Session(name=b"app"), get, [b"GET", b"a"], 12000)
    clock.advance(2)
    log.add(_Session(), exec_, [b"EXEC"], 50000)  # never logged
    log.add(_Session(), get, [b"GET", b"b"], 15000)
    assert log.get() == [
        [1, 1700000002, 15000, [b"GET", b"b"], b"127.0.0.1:5000", b""],
        [0, 1700000000, 12000, [b"GET", b"a"], b"127.0.0.1:5000", b"app"],
    ]
    log.add(_Session(), get, [b"GET", b"c"], 1)
    assert [entry[0] for entry in log.get(-1)] == [2, 1]
    assert log.get(1)[0][3] == [b"GET", b"c"]
    assert log.get(0) == []
    config["slowlog-max-len"] = 0
    log.add(_Session(), get, [b"GET", b"d"], 1)
    assert log.get(-1) == []
    log.reset()
    config["slowlog-max-len"] = 5
    log.add(_Session(), get, [b"GET", b"e"], 1)
    assert log.get()[0][0] == 4  # the ids go on


def test_script_client():
    session = _Session(address="lua")
    session.script = True
    log = SlowLog({"slowlog-max-len": 5}, task.Clock())
    log.add(session, COMMANDS[b"get"], [b"get", b"k"], 10)
    assert log.get()[0][4:] == [b"?:0", b""]


def test_arguments_cut():
    assert shown_args([b"x" * 128]) == [b"x" * 128]
    assert shown_args([b"x" * 130]) == [b"x" * 128 + b"... (2 more bytes)"]
    argv = [b"%d" % i for i in range(33)]
    assert shown_args(argv) == argv[:31] + [b"... (2 more arguments)"]
    assert shown_args(argv[:32]) == argv[:32]


def test_redacted():
    assert redacted("auth", [b"AUTH", b"u", b"p"]) == [b"AUTH"] + [b"(redacted)"] * 2
    assert redacted("config|set", [b"CONFIG", b"SET", b"requirepass", b"x"]) == [
        b"CONFIG",
        b"SET",
        b"requirepass",
        b"(redacted)",
    ]
    assert redacted(
        "migrate",
        [b"MIGRATE", b"h", b"1", b"", b"0", b"10", b"AUTH2", b"u", b"p", b"KEYS", b"a"],
    )[6:] == [b"AUTH2", b"(redacted)", b"(redacted)", b"KEYS", b"a"]
    assert redacted("get", [b"GET", b"k"]) == [b"GET", b"k"]
