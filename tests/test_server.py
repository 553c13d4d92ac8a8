"""
Server commands: COMMAND, INFO, CONFIG, TIME, LOLWUT, DEBUG, and the
command table checked against real Redis's COMMAND INFO.
"""

import hashlib
import re
import time

import pytest
from twisted.internet import task

from miniredis import conffile
from miniredis.commands import COMMANDS, command, load_all
from miniredis.commands.info import (
    INFO_SECTIONS,
    human_bytes,
    info_section,
    info_text,
)
from miniredis.commands.introspection import all_commands
from miniredis.commands.spec import Index, KeySpec, Range
from miniredis.config import Config
from miniredis.protocol import MiniRedisFactory
from miniredis.resp import ReplyError, Verbatim
from tests.local import Connection
from tests.servers import RawConnection, miniredis_process

load_all()


@pytest.fixture
def factory():
    return MiniRedisFactory(clock=task.Clock())


def _info(text):
    """@return: {section title: {field: value}} of an INFO reply."""
    sections = {}
    current = None
    for line in text.decode().split("\r\n"):
        if line.startswith("# "):
            current = sections[line[2:]] = {}
        elif line:
            field, _, value = line.partition(":")
            current[field] = value
    return sections


# -------------------------------------------------------------------- unit


def test_human_bytes():
    assert human_bytes(0) == "0B"
    assert human_bytes(1023) == "1023B"
    assert human_bytes(1024) == "1.00K"
    assert human_bytes(1213176) == "1.16M"
    assert human_bytes(25276502016) == "23.54G"


def test_info_sections_and_registry(factory):
    client = Connection(factory)
    client.call("SET", "a", "1")
    client.call("SELECT", "2")
    client.call("SET", "b", "2", "EX", "100")
    info = _info(client.call("INFO"))
    assert list(info)[:3] == ["Server", "Clients", "Memory"]
    assert info["Server"]["redis_version"] == "7.0.15"
    assert info["Clients"]["connected_clients"] == "1"
    assert info["Keyspace"] == {
        "db0": "keys=1,expires=0,avg_ttl=0",
        "db2": "keys=1,expires=1,avg_ttl=100000",
    }
    assert list(_info(client.call("INFO", "KEYSPACE", "cpu"))) == ["CPU", "Keyspace"]
    assert client.call("INFO", "nosuch") == b""

    @info_section("testing-extra", default=False)
    def extra(server):
        return [("answer", 42), ("name", b"bytes")]

    try:
        assert "Testing-extra" not in _info(client.call("INFO"))
        assert _info(client.call("INFO", "everything"))["Testing-extra"] == {
            "answer": "42",
            "name": "bytes",
        }
        assert list(_info(info_text(factory, [b"testing-extra"]))) == ["Testing-extra"]
    finally:
        del INFO_SECTIONS["testing-extra"]


def test_info_is_verbatim_under_resp3(factory):
    client = Connection(factory)
    client.call("HELLO", "3")
    assert client.raw("INFO", "cluster") == (
        b"=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n"
    )


def test_info_stats(factory):
    clock = factory.clock
    factory.startFactory()
    try:
        client = Connection(factory)
        # command counts are per process: start them from zero
        assert client.call("CONFIG", "RESETSTAT") == b"OK"
        for _ in range(50):
            client.call("PING")
        clock.advance(0.1)
        for _ in range(50):
            client.call("PING")
        clock.advance(0.1)
        stats = _info(client.call("INFO", "stats"))["Stats"]
        assert stats["instantaneous_ops_per_sec"] == "500"
        assert stats["total_connections_received"] == "0"
        assert int(stats["total_commands_processed"]) == 101
        assert int(stats["total_net_input_bytes"]) > 100 * 14
        assert client.call("CONFIG", "RESETSTAT") == b"OK"
        stats = _info(client.call("INFO", "stats"))["Stats"]
        assert stats["total_connections_received"] == "0"
        assert stats["total_commands_processed"] == "1"
    finally:
        factory.stopFactory()


def test_info_blocked_clients(factory):
    blocked, other = Connection(factory), Connection(factory)
    factory.waits.block(blocked.session, [b"k"], 5, lambda key: None, None)
    clients = _info(other.call("INFO", "clients"))["Clients"]
    assert clients["blocked_clients"] == "1"
    assert clients["clients_in_timeout_table"] == "1"
    assert clients["connected_clients"] == "2"


def test_config_set_is_atomic(factory):
    client = Connection(factory)
    assert client.call("CONFIG", "SET", "hz", "20", "maxclients", "x") == ReplyError(
        "ERR CONFIG SET failed (possibly related to argument 'maxclients') - "
        "argument couldn't be parsed into an integer"
    )
    assert factory.config["hz"] == 10
    assert client.call("CONFIG", "SET", "HZ", "20", "maxclients", "50") == b"OK"
    assert (factory.config["hz"], factory.config["maxclients"]) == (20, 50)
    seen = []
    factory.config.listeners["hz"] = [seen.append]
    client.call("CONFIG", "SET", "hz", "30", "appendfsync", "sometimes")
    assert seen == [30, 20] and factory.config["hz"] == 20


def test_config_file_read_and_rewrite(tmp_path):
    path = tmp_path / "miniredis.conf"
    path.write_text(
        "# a comment\n"
        "port 7001\n"
        'requirepass "pass word"\n'
        "save 900 1\n"
        "save 300 10\n"
        "some-unknown-directive yes\n"
        "maxclients 100\n"
        "maxclients 200\n"
    )
    config = Config()
    conffile.read(config, str(path))
    assert config.file == str(path)
    assert (config["port"], config["requirepass"]) == (7001, "pass word")
    assert config["save"] == [(900, 1), (300, 10)]
    assert config["maxclients"] == 200
    factory = MiniRedisFactory(config=config, clock=task.Clock())
    client = Connection(factory)
    client.call("AUTH", "pass word")
    assert client.call("CONFIG", "SET", "hz", "15", "maxclients", "300") == b"OK"
    assert client.call("CONFIG", "REWRITE") == b"OK"
    assert path.read_text() == (
        "# a comment\n"
        "port 7001\n"
        'requirepass "pass word"\n'
        "save 900 1 300 10\n"
        "some-unknown-directive yes\n"
        "maxclients 300\n"
        "# Generated by CONFIG REWRITE\n"
        "hz 15\n"
        # the users, as Redis writes them
        "user default on #%s ~* &* +@all\n"
        % (hashlib.sha256(b"pass word").hexdigest(),)
    )
    again = Config()
    conffile.read(again, str(path))
    assert (again["hz"], again["maxclients"], again["save"]) == (
        15,
        300,
        config["save"],
    )


def test_config_file_errors(tmp_path):
    path = tmp_path / "bad.conf"
    path.write_text("maxclients lots\n")
    with pytest.raises(conffile.ConfigFileError, match="bad.conf:1"):
        conffile.read(Config(), str(path))
    path.write_text('requirepass "open\n')
    with pytest.raises(conffile.ConfigFileError, match="unbalanced"):
        conffile.read(Config(), str(path))


def test_split_line():
    assert conffile.split_line('a "b c" \'d e\' "x\\n\\x41"') == [
        "a",
        "b c",
        "d e",
        "x\nA",
    ]
    assert conffile.split_line('save ""') == ["save", ""]


def test_config_rewrite_without_a_file(factory):
    client = Connection(factory)
    assert client.call("CONFIG", "REWRITE") == ReplyError(
        "ERR The server is running without a config file"
    )


def test_time_follows_the_clock(factory):
    factory.clock.advance(1700000000.25)
    assert Connection(factory).call("TIME") == [b"1700000000", b"250000"]


def test_debug():
    factory = MiniRedisFactory(clock=task.Clock(), enable_debug_command="yes")
    client = Connection(factory)
    factory.startFactory()
    try:
        start = time.monotonic()
        assert client.call("DEBUG", "SLEEP", "0.05") == b"OK"
        assert time.monotonic() - start >= 0.05
        assert client.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
        assert not factory.expiry._loop.running
        assert client.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
        assert factory.expiry._loop.running
        assert client.call("DEBUG", "NOSUCH") == ReplyError(
            "ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. "
            "Try DEBUG HELP."
        )
        assert client.call("DEBUG", "SLEEP") == client.call("DEBUG", "SLEEP", "1", "2")
        assert b"SLEEP" in client.call("DEBUG", "HELP")
    finally:
        factory.stopFactory()


def test_a_registered_spec_drives_command_replies():
    @command(
        "testing-probe",
        -2,
        "write denyoom",
        group="generic",
        since="0.1.0",
        acl="keyspace",
        keys=[KeySpec("RW update", Index(1), Range(-1, 2))],
    )
    def probe(session, argv):
        """Probe the table."""

    try:
        entry = COMMANDS[b"testing-probe"]
        assert entry.categories == ["keyspace", "write", "slow"]
        client = Connection(MiniRedisFactory(clock=task.Clock()))
        info = client.call("COMMAND", "INFO", "testing-probe")[0]
        assert info[:6] == [b"testing-probe", -2, [b"write", b"denyoom"], 1, -1, 2]
        spec = dict(zip(info[8][0][::2], info[8][0][1::2]))
        assert spec[b"find_keys"][-1] == [b"lastkey", -1, b"keystep", 2, b"limit", 0]
        docs = client.call("COMMAND", "DOCS", "testing-probe")
        assert docs[1][:2] == [b"summary", b"Probe the table."]
        assert client.call("COMMAND", "GETKEYS", "testing-probe", "a", "b", "c") == [
            b"a",
            b"c",
        ]
    finally:
        del COMMANDS[b"testing-probe"]


def test_command_count_and_list(factory):
    client = Connection(factory)
    assert client.call("COMMAND", "COUNT") == len(COMMANDS)
    names = client.call("COMMAND", "LIST")
    assert len(names) == len(list(all_commands()))
    assert b"client|id" in names and b"get" in names
    assert len(client.call("COMMAND")) == len(COMMANDS)
    found = client.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "client|g*")
    assert sorted(found) == [b"client|getname", b"client|getredir"]


# ------------------------------------------------------------ differential


def test_command_errors_and_help(differ):
    differ.run(
        [
            ("COMMAND", "COUNT", "x"),
            ("COMMAND", "NOSUCH"),
            ("COMMAND", "HELP"),
            ("COMMAND", "INFO", "nosuch"),
            ("COMMAND", "INFO", "client|nosuch", "nosuch|x"),
            ("COMMAND", "DOCS", "nosuch"),
            ("COMMAND", "LIST", "bogus"),
            ("COMMAND", "LIST", "FILTERBY"),
            ("COMMAND", "LIST", "FILTERBY", "bogus", "x"),
            ("COMMAND", "LIST", "FILTERBY", "MODULE", "x"),
            ("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"),
            ("COMMAND", "GETKEYS"),
            ("COMMAND", "GETKEYS", "get"),
            ("COMMAND", "GETKEYS", "nosuch", "a"),
            ("COMMAND", "GETKEYS", "get", "a", "b"),
            ("COMMAND", "GETKEYS", "client", "list"),
            ("COMMAND", "GETKEYS", "client", "nosuch"),
            ("COMMAND", "GETKEYS", "ping", "x"),
            ("COMMAND", "GETKEYS", "get", "a"),
            ("COMMAND", "GETKEYS", "set", "a", "b"),
            ("COMMAND", "GETKEYS", "SET", "k", "v", "EX", "10"),
            ("COMMAND", "GETKEYSANDFLAGS", "get", "a"),
        ]
    )


@pytest.mark.parametrize(
    "line",
    [
        ("mset", "a", "1", "b", "2"),
        ("del", "a", "b", "c"),
        ("blpop", "a", "b", "0"),
        ("eval", "return 1", "2", "k1", "k2", "arg"),
        ("zunionstore", "dest", "2", "a", "b", "WEIGHTS", "1", "2"),
        ("lmpop", "2", "a", "b", "LEFT"),
        ("rename", "a", "b"),
        ("lmove", "a", "b", "LEFT", "RIGHT"),
        ("sort", "l", "LIMIT", "0", "1", "BY", "w", "GET", "store", "STORE", "d"),
        ("sort", "l", "STORE", "d", "ALPHA", "store", "e"),
        ("sort_ro", "l", "BY", "w"),
        ("setbit", "k", "7", "1"),
        ("bitop", "AND", "dest", "a", "b"),
        ("restore", "k", "0", "payload"),
    ],
)
def test_getkeys_of_other_families(differ, line):
    differ.check("COMMAND", "GETKEYS", *line)


def test_command_list_filters(differ):
    real, mini = differ.both("COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection")
    assert set(mini) - {b"command"} <= set(real)
    assert {b"ping", b"client|id", b"hello", b"auth"} <= set(mini)
    real, mini = differ.both("COMMAND", "LIST", "FILTERBY", "PATTERN", "CLIENT|*ID")
    assert sorted(mini) == sorted(real) == [b"client|id"]


def test_command_docs_shape(differ):
    real, mini = differ.both("COMMAND", "DOCS", "get", "client|id", "nosuch")
    if differ.proto == 2:
        real = dict(zip(real[::2], real[1::2]))
        mini = dict(zip(mini[::2], mini[1::2]))
    assert sorted(mini) == sorted(real) == [b"client|id", b"get"]
    for docs in mini.values():
        if differ.proto == 2:
            docs = dict(zip(docs[::2], docs[1::2]))
        assert {b"summary", b"since", b"group"} <= set(docs)


def _info_reply(differ, *args):
    real, mini = differ.both("INFO", *args)
    assert type(mini) is type(real)
    if differ.proto == 3:
        assert isinstance(mini, Verbatim) and mini.format == real.format == b"txt"
    return _info(real), _info(mini)


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("default",),
        ("all",),
        ("everything",),
        ("server", "clients"),
        ("KEYSPACE", "server", "server"),
        ("cpu",),
        ("replication", "cluster", "modules"),
    ],
)
def test_info_sections(differ, args):
    real, mini = _info_reply(differ, *args)
    assert mini and set(mini) <= set(real)
    assert [t for t in mini if t in real] == [t for t in real if t in mini]
    if args and not {"all", "everything", "default"} & set(args):
        assert list(mini) == list(real)


def test_info_fields(differ):
    real, mini = _info_reply(differ, "everything")
    extensions = {
        "miniredis_version",
        "python_implementation",
        "python_version",
        "twisted_version",
    }
    for title, fields in mini.items():
        if title in ("Commandstats", "Latencystats"):
            continue  # one field per command each server ran (test_commandstats)
        unknown = set(fields) - set(real[title]) - extensions
        assert not unknown, (title, unknown)
    for field in ("redis_version", "redis_mode", "arch_bits", "hz", "config_file"):
        assert mini["Server"][field] == real["Server"][field], field
    for title, field in (("Replication", "role"), ("Cluster", "cluster_enabled")):
        assert mini[title][field] == real[title][field]


def test_info_nosuch_section(differ):
    differ.check("INFO", "nosuch")
    differ.check("INFO", "nosuch", "other")


def test_info_keyspace(differ):
    differ.check("INFO", "keyspace")
    for args in (("SET", "a", "1"), ("SET", "b", "2", "EX", "1000")):
        differ.check(*args)
    differ.check("SELECT", "5")
    differ.check("SET", "c", "3")
    # avg_ttl is Redis's estimate from its expiry cycle's samples: 0 until
    # the cycle has run, then about the mean; miniredis computes the mean.
    real, mini = differ.both("INFO", "keyspace")
    average = re.compile(rb"avg_ttl=(\d+)")
    assert average.sub(b"", mini) == average.sub(b"", real)
    real_ttl, mini_ttl = [int(average.search(text).group(1)) for text in (real, mini)]
    assert real_ttl in (0,) or 990000 < real_ttl <= 1000000
    assert 990000 < mini_ttl <= 1000000


def test_config_get(differ):
    mini = differ.mini.call("CONFIG", "GET", "*")
    names = mini[::2] if differ.proto == 2 else list(mini)
    assert {b"save", b"appendonly", b"maxclients"} <= set(names)
    local = {b"bind", b"port", b"dir", b"save", b"appendonly", b"dbfilename"}
    for name in names:
        if name not in local:
            differ.check("CONFIG", "GET", name)
    differ.check("CONFIG", "GET", "maxclients", "hz", "maxclients", unordered=True)
    differ.check("CONFIG", "GET", "nosuch*")
    differ.check("CONFIG", "GET", "LUA-TIME-LIMIT")
    differ.check("CONFIG", "GET", "MaxClients", "maxclients")
    differ.check(
        "CONFIG", "GET", "lua-time-limit", "busy-reply-threshold", unordered=True
    )
    differ.check("CONFIG", "GET", "maxclient?", "MAXCLIENTS")
    differ.check("CONFIG", "GET")


def test_config_set(differ):
    try:
        differ.run(
            [
                ("CONFIG", "SET", "maxclients", "100", "hz", "20"),
                ("CONFIG", "GET", "maxclients"),
                ("CONFIG", "GET", "hz"),
                ("CONFIG", "SET", "maxclients"),
                ("CONFIG", "SET", "maxclients", "100", "hz"),
                ("CONFIG", "SET", "NOSUCH", "1"),
                ("CONFIG", "SET", "maxclients", "abc"),
                ("CONFIG", "SET", "MAXCLIENTS", "abc"),
                ("CONFIG", "SET", "DATABASES", "3"),
                ("CONFIG", "SET", "hz", "5", "hz", "6"),
                ("CONFIG", "SET", "hz", "7", "nosuch", "1"),
                ("CONFIG", "SET", "hz", "7", "maxclients", "x"),
                ("CONFIG", "GET", "hz"),
                ("CONFIG", "SET", "appendfsync", "sometimes"),
                ("CONFIG", "SET", "protected-mode", "maybe"),
                ("CONFIG", "SET", "loglevel", "loud"),
                ("CONFIG", "SET", "lua-time-limit", "x"),
                ("CONFIG", "SET", "maxmemory", "1mb"),
                ("CONFIG", "GET", "maxmemory"),
                ("CONFIG", "SET", "lua-time-limit", "4000"),
                ("CONFIG", "GET", "busy-reply-threshold"),
            ]
        )
    finally:
        differ.both("CONFIG", "SET", "maxclients", "10000", "hz", "10")
        differ.both("CONFIG", "SET", "maxmemory", "0", "busy-reply-threshold", "5000")


def test_config_misc_time_lolwut_debug(differ):
    differ.run(
        [
            ("CONFIG",),
            ("CONFIG", "NOSUCH"),
            ("CONFIG", "HELP"),
            ("CONFIG", "RESETSTAT"),
            ("CONFIG", "RESETSTAT", "x"),
            ("CONFIG", "REWRITE"),
            ("TIME", "x"),
            ("LOLWUT",),
            ("LOLWUT", "VERSION", "x"),
            ("LOLWUT", "VERSION", "1"),
            ("DEBUG", "SLEEP", "0"),
            ("DEBUG",),
        ]
    )


def test_time(differ):
    real, mini = differ.both("TIME")
    assert type(mini[0]) is type(real[0]) is bytes and len(mini) == 2
    assert abs(int(mini[0]) - int(real[0])) <= 2
    assert 0 <= int(mini[1]) < 1000000


def test_config_file_over_a_socket(tmp_path):
    path = tmp_path / "m.conf"
    path.write_text("maxclients 77\n")
    server = miniredis_process(str(tmp_path), str(path)).start()
    try:
        conn = RawConnection(server.port)
        assert conn.call("CONFIG", "GET", "maxclients") == [b"maxclients", b"77"]
        info = _info(conn.call("INFO", "server"))
        assert info["Server"]["config_file"] == str(path)
        assert conn.call("CONFIG", "SET", "maxclients", "88") == b"OK"
        assert conn.call("CONFIG", "REWRITE") == b"OK"
        assert path.read_text().splitlines()[0] == "maxclients 88"
        path.unlink()
        path.mkdir()
        error = conn.call("CONFIG", "REWRITE")
        assert error.message.startswith("ERR Rewriting config file")
        conn.close()
    finally:
        server.stop()
