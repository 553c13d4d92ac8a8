"""
C{rename-command} in the configuration file and on the command line, each
compared with redis-server 7.0.15 started with the same file.
"""

import shutil

import pytest

from miniredis.conffile import rename_command
from miniredis.config import Config
from tests.differential import Differ
from tests.servers import RawConnection, ServerProcess, free_port, miniredis_process

RENAMES = (
    'rename-command CONFIG ""\n'
    "rename-command FLUSHALL MYFLUSH\n"
    "rename-command client myclient\n"
    "rename-command get get\n"
)


def _redis_with_file(directory, path):
    port = free_port()
    argv = [shutil.which("redis-server"), path, "--port", str(port)]
    argv += ["--bind", "127.0.0.1", "--save", "", "--dir", directory]
    return ServerProcess(argv, port, directory)


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    directory = tmp_path_factory.mktemp("renamed")
    path = directory / "renamed.conf"
    path.write_text(RENAMES)
    real = _redis_with_file(str(directory), str(path)).start()
    mini = miniredis_process(str(directory), str(path)).start()
    yield real, mini
    real.stop()
    mini.stop()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def differ(request, renamed):
    real, mini = renamed
    pair = Differ(real.port, mini.port, proto=request.param)
    yield pair
    pair.close()


@pytest.mark.parametrize(
    "line",
    [
        ("SET", "k", "v"),
        ("FLUSHALL",),
        ("flushall", "ASYNC"),
        ("MYFLUSH",),
        ("myflush", "x", "y"),
        ("GET", "k"),
        ("CONFIG", "GET", "port"),
        ("config",),
        ("CONFIG", "SET", "rename-command", "GET FETCH"),
        ("MYCLIENT", "SETNAME", "renamed"),
        ("MYCLIENT", "GETNAME"),
        ("myclient", "nosuch"),
        ("MYCLIENT", "LIST", "x"),
        ("CLIENT", "GETNAME"),
        ("COMMAND", "INFO", "myflush", "flushall", "config", "get"),
        ("COMMAND", "INFO", "myclient|getname", "client|getname"),
        ("COMMAND", "GETKEYS", "myflush"),
        ("COMMAND", "GETKEYS", "FLUSHALL"),
        ("EVAL", "return redis.call('flushall')", "0"),
        ("EVAL", "return redis.call('myflush')", "0"),
        ("EVAL", "return redis.pcall('config', 'get', 'port')", "0"),
        ("ACL", "SETUSER", "someone", "+myflush"),
        ("ACL", "SETUSER", "someone", "+flushall", "+config|get"),
        ("ACL", "DRYRUN", "someone", "myflush"),
        ("ACL", "DRYRUN", "someone", "flushall"),
    ],
)
def test_renamed_commands_like_redis(differ, line):
    differ.check(*line)


def test_command_docs_names_a_command_as_before(differ):
    """(The summaries are miniredis's own words: only the names compare.)"""
    for names in (["myflush", "flushall"], ["myclient", "config", "get"]):
        real, mini = differ.both("COMMAND", "DOCS", *names)
        if isinstance(real, dict):
            real, mini = list(real), list(mini)
        assert mini[::2] == real[::2]


def test_command_count_loses_the_disabled_command(renamed, redis_server, mini_server):
    """(miniredis's table differs from Redis's by a few commands of its own.)"""
    counts = [
        RawConnection(server.port).call("COMMAND", "COUNT")
        for server in (redis_server, renamed[0], mini_server, renamed[1])
    ]
    assert counts[0] - counts[1] == counts[2] - counts[3] == 1


def test_command_list_names_commands_as_before(differ):
    for pattern in ("flusha*", "config*", "client|set*", "myclient*"):
        differ.check("COMMAND", "LIST", "FILTERBY", "PATTERN", pattern, unordered=True)


def test_in_a_transaction(differ):
    differ.check("MULTI")
    differ.check("MYFLUSH")
    differ.check("FLUSHALL")
    differ.check("EXEC")


@pytest.mark.parametrize(
    "lines, message",
    [
        ("rename-command NOSUCH other\n", "No such command in rename-command"),
        ("rename-command GET SET\n", "Target command name already exists"),
        (
            "rename-command GET FETCH\nrename-command GET OTHER\n",
            "No such command in rename-command",
        ),
        ("rename-command GET\n", "Bad directive or wrong number of arguments"),
    ],
    ids=["unknown", "taken", "gone", "one name"],
)
def test_bad_renames_stop_the_start(tmp_path, lines, message):
    path = tmp_path / "bad.conf"
    path.write_text(lines)
    for server in (
        _redis_with_file(str(tmp_path), str(path)),
        miniredis_process(str(tmp_path), str(path)),
    ):
        with pytest.raises(RuntimeError, match="exited"):
            server.start()
        assert message in server.log()


def test_a_subcommand_cannot_be_renamed(tmp_path):
    """(Redis 7.0 stops on an assertion there.)"""
    path = tmp_path / "bad.conf"
    path.write_text("rename-command CONFIG|GET x\n")
    server = miniredis_process(str(tmp_path), str(path))
    with pytest.raises(RuntimeError, match="exited"):
        server.start()
    assert "No such command in rename-command" in server.log()


def test_on_the_command_line(tmp_path):
    server = miniredis_process(
        str(tmp_path),
        "--rename-command",
        "FLUSHALL WIPE",
        "--rename-command",
        'DEBUG ""',
    ).start()
    try:
        conn = RawConnection(server.port)
        assert conn.call("WIPE") == b"OK"
        assert conn.call("DEBUG", "SLEEP", "0").message.startswith(
            "ERR unknown command 'DEBUG'"
        )
        conn.close()
    finally:
        server.stop()


def test_renames_build_on_each_other():
    config = Config()
    rename_command(config, ["GET", "FETCH"])
    rename_command(config, ["SET", "GET"])
    assert config.renames == [(b"GET", b"FETCH"), (b"SET", b"GET")]
    with pytest.raises(ValueError, match="No such command"):
        rename_command(config, ["GET2", "X"])
    assert len(config.renames) == 2
