"""
What the README shows runs: every fenced code block of README.md has a check
here (a block without one fails the suite), and every option and endpoint
form of its option table starts a server that answers.

The blocks run as written, with only the port (and for the start command a
C{--port}) changed so that they do not collide with a server on 6379.
"""

import doctest
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest

from miniredis.commands import COMMANDS, Command, load_all
from miniredis.commands.introspection import command_docs, command_info
from miniredis.glob import matcher
from miniredis.resp import OK, ReplyError
from tests.servers import (
    ROOT,
    RawConnection,
    ServerProcess,
    free_port,
    miniredis_process,
    redis_process,
    wait_for_port,
)
from tests.test_deploy import _dockerfile
from tests.test_tls import make_certificate

pytestmark = pytest.mark.timeout(900)

README = os.path.join(ROOT, "README.md")


def blocks():
    """@return: C{[(language, text)]} of README.md's fenced code blocks."""
    with open(README) as f:
        text = f.read()
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, re.S | re.M)


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _only(predicate):
    found = [text for lang, text in blocks() if predicate(lang, text)]
    assert len(found) == 1, found
    return found[0]


def _ping(port=None, unix=None):
    argv = ["redis-cli"] + (["-s", unix] if unix else ["-p", str(port)])
    return subprocess.run(argv + ["PING"], capture_output=True, timeout=30).stdout


# ------------------------------------------------------------ the blocks

_KINDS = {
    "start": lambda lang, text: (
        "twistd -n miniredis" in text and "pip install ." in text
    ),
    "tests": lambda lang, text: "python -m pytest" in text,
    "cli": lambda lang, text: text.startswith("redis-cli"),
    "embedding": lambda lang, text: "MiniRedisFactory(" in text,
    "deferred client": lambda lang, text: "miniredis.client import connect" in text,
    "client pool": lambda lang, text: "miniredis.client import pool" in text,
    "blocking client": lambda lang, text: text.startswith(">>>"),
    "huey": lambda lang, text: "RedisHuey(" in text,
    "spec": lambda lang, text: text.startswith("@command("),
    "function library": lambda lang, text: lang == "lua",
    "aclfile": lambda lang, text: text.startswith("user "),
    "replica": lambda lang, text: text.startswith(
        "redis-server --port 6380 --replicaof"
    ),
    "systemd": lambda lang, text: "systemctl enable" in text,
    "docker": lambda lang, text: text.startswith("docker build"),
    "prometheus": lambda lang, text: lang == "yaml" and "scrape_configs:" in text,
    "fuzz": lambda lang, text: text.startswith("python -m tests.fuzz"),
}


def test_every_block_has_a_check():
    for lang, text in blocks():
        kinds = [kind for kind, match in _KINDS.items() if match(lang, text)]
        assert len(kinds) == 1, "README block with no check (or two):\n" + text


def test_the_test_command_is_what_ci_runs():
    text = _only(_KINDS["tests"])
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        assert "test-command" in f.read()
    with open(README) as f:
        marked = re.search(
            r"<!-- test-command -->\n```sh\n(.*?)```\n<!-- end -->", f.read(), re.S
        )
    assert marked and marked.group(1) == text


@pytest.mark.slow
def test_start_command_installs_and_serves(tmp_path):
    """The quick start, in a copy of the checkout: a virtualenv, pip, twistd."""
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        str(source),
        ignore=shutil.ignore_patterns(".git", ".venv", "*.egg-info", "__pycache__"),
    )
    line = _only(_KINDS["start"]).strip()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    process = subprocess.Popen(
        ["bash", "-c", "%s --port %d" % (line, port)],
        cwd=str(source),
        env=env,
        stdout=open(str(tmp_path / "start.log"), "wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process, timeout=600)
        assert _ping(port) == b"PONG\n"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)


def test_redis_cli_lines(tmp_path):
    server = miniredis_process(str(tmp_path)).start()
    try:
        outputs = []
        for line in _only(_KINDS["cli"]).splitlines():
            argv = line.split()
            argv[1:1] = ["-p", str(server.port)]
            done = subprocess.run(argv, capture_output=True, timeout=30)
            outputs.append(done.stdout)
        assert outputs == [b"PONG\n", b"OK\n", b"hello\n"]
    finally:
        server.stop()


def test_function_library(tmp_path):
    server = miniredis_process(str(tmp_path)).start()
    try:
        conn = RawConnection(server.port)
        code = _only(_KINDS["function library"])
        assert conn.call("FUNCTION", "LOAD", code) == b"counters"
        assert conn.call("FCALL", "bump", "1", "hits", "5") == 5
        assert conn.call("FCALL", "bump", "1", "hits") == 6
        assert conn.call("FCALL_RO", "peek", "1", "hits") == b"6"
        assert conn.call("FCALL_RO", "bump", "1", "hits").message.startswith("ERR ")
        conn.close()
    finally:
        server.stop()


def test_acl_file(tmp_path):
    """The README's ACL file: redis-server and miniredis read it alike."""
    listed = []
    for make in (redis_process, miniredis_process):
        directory = tmp_path / make.__name__
        directory.mkdir()
        aclfile = directory / "users.acl"
        aclfile.write_text(_only(_KINDS["aclfile"]))
        server = make(str(directory), "--aclfile", str(aclfile)).start()
        try:
            conn = RawConnection(server.port)
            replies = [
                conn.call("AUTH", "admin-secret"),
                conn.call("ACL", "GETUSER", "reporter"),
                conn.call("AUTH", "app", "app-secret"),
                conn.call("SET", "app:1", "x"),
                conn.call("SET", "other", "x"),
                conn.call("FLUSHALL"),
                conn.call("AUTH", "reporter", "report-secret"),
                conn.call("GET", "app:1"),
                conn.call("SET", "app:1", "y"),
            ]
            conn.close()
        finally:
            server.stop()
        listed.append(replies)
    assert listed[1] == listed[0]
    assert listed[1][3:5] == [
        OK,
        ReplyError(
            "NOPERM this user has no permissions to access one of the keys "
            "used as arguments"
        ),
    ]


def test_replica_lines(tmp_path):
    """A redis-server replica of miniredis, started and read as the README says."""
    master = miniredis_process(str(tmp_path)).start()
    replica_port = free_port()
    lines = [
        line.replace("6379", str(master.port)).replace("6380", str(replica_port))
        for line in _only(_KINDS["replica"]).splitlines()
    ]
    replica = ServerProcess(
        lines[0].split() + ["--save", "", "--dir", str(tmp_path)],
        replica_port,
        str(tmp_path),
    )
    try:
        conn = RawConnection(master.port)
        assert conn.call("SET", "greeting", "hello") == b"OK"
        replica.start()
        outputs = []
        deadline = time.time() + 30
        while outputs[:1] != [b"1\n"] and time.time() < deadline:
            outputs = [
                subprocess.run(line.split(), capture_output=True, timeout=30).stdout
                for line in lines[1:]
            ]
        assert outputs == [b"1\n", b"hello\n"]
    finally:
        replica.stop()
        master.stop()


def test_embedding_snippet(tmp_path):
    port = free_port()
    code = _only(_KINDS["embedding"]).replace("tcp:6380:", "tcp:%d:" % port)
    assert str(port) in code
    script = tmp_path / "embedded.py"
    script.write_text(code)
    server = ServerProcess(
        [sys.executable, str(script)], port, str(tmp_path), _env()
    ).start()
    try:
        conn = RawConnection(port)
        assert conn.call("GET", "greeting") == b"hello"
        conn.close()
    finally:
        server.stop()


def test_deferred_client_snippet(tmp_path):
    server = miniredis_process(str(tmp_path)).start()
    body = _only(_KINDS["deferred client"]).replace(
        "127.0.0.1:6379", "127.0.0.1:%d" % server.port
    )
    code = (
        "from twisted.internet import defer, task\n\n"
        "@defer.inlineCallbacks\n"
        "def main(reactor):\n"
        + textwrap.indent(body, "    ")
        + "    assert value == {b'nested': [1, 2, 3]}, value\n"
        "    client.transport.loseConnection()\n\n"
        "task.react(main)\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, env=_env(), timeout=60
        )
        assert done.returncode == 0, done.stderr.decode()
    finally:
        server.stop()


def test_client_pool_example(tmp_path):
    """The pool example runs, and prints what its comments say."""
    server = miniredis_process(str(tmp_path)).start()
    code = _only(_KINDS["client pool"]).replace(
        "127.0.0.1:6379", "127.0.0.1:%d" % server.port
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, env=_env(), timeout=60
        )
        assert done.returncode == 0, done.stderr.decode()
    finally:
        server.stop()
    assert done.stdout.decode().splitlines() == [
        "[(b'ann', 12.0), (b'bob', 7.5)]",
        "{}",
        "[1, 2]",
        "[3, RedisError('WRONGTYPE Operation against a key holding the wrong kind "
        "of value')]",
        # The subscriber's handler, print, is given each message.
        "<Message message b'news' b'hello'>",
    ]


def test_blocking_client_session(tmp_path):
    server = miniredis_process(str(tmp_path)).start()
    text = _only(_KINDS["blocking client"]).replace(
        '"127.0.0.1", 6379', '"127.0.0.1", %d' % server.port
    )
    try:
        test = doctest.DocTestParser().get_doctest(text, {}, "README", README, 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(test)
        assert runner.failures == 0 and runner.tries >= 7
    finally:
        server.stop()


def test_huey_snippet(tmp_path):
    server = miniredis_process(str(tmp_path)).start()
    code = _only(_KINDS["huey"]).replace("port=6379", "port=%d" % server.port)
    assert str(server.port) in code
    try:
        names = {}
        exec(code, names)
        storage = names["huey"].storage
        storage.enqueue(b"job")
        assert storage.dequeue() == b"job"
    finally:
        server.stop()


def test_fuzz_target_runs():
    """The fuzz command of the README, for a few cases instead of minutes."""
    argv = shlex.split(_only(_KINDS["fuzz"]).strip())
    assert argv[:3] == ["python", "-m", "tests.fuzz"]
    done = subprocess.run(
        [sys.executable] + argv[1:] + ["--cases", "30", "--seed", "1"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cases run: 30, failures: 0" in done.stdout


def test_spec_example_is_the_real_spec():
    load_all()
    captured = {}

    def command(name, arity, flags="", **fields):
        def register(func):
            captured["entry"] = Command(name, func, arity, flags, **fields)
            return func

        return register

    names = {"command": command}
    exec("from miniredis.commands.spec import *\n", names)
    exec(_only(_KINDS["spec"]), names)
    shown, real = captured["entry"], COMMANDS[b"getdel"]
    assert command_info(shown) == command_info(real)
    assert command_docs(shown)[b"arguments"] == command_docs(real)[b"arguments"]


def test_systemd_blocks_install_what_deploy_has():
    shown = [text for lang, text in blocks() if _KINDS["systemd"](lang, text)]
    assert len(shown) == 2
    for text in shown:
        copied = set()
        for line in text.splitlines():
            argv = shlex.split(line, comments=True)
            if argv and argv[0] in ("cp", "install"):
                sources = [a for a in argv[1:] if a.startswith("deploy/")]
                assert sources, line
                for source in sources:
                    assert os.path.exists(os.path.join(ROOT, source)), source
                    copied.add(os.path.basename(source))
        for unit in re.findall(r"systemctl enable --now (\S+)", text):
            assert unit in copied or unit + ".service" in copied, unit


def test_docker_block_matches_the_dockerfile():
    text = _only(_KINDS["docker"]).replace("\\\n", " ")
    argv = shlex.split(text.replace("\n", " "))
    build = argv.index("build")
    assert argv[argv.index("-f", build) + 1] == "deploy/Dockerfile"
    assert argv[argv.index("-t", build) + 1] == argv[-1]  # the image run is built
    steps = _dockerfile()
    exposed = {a for k, args in steps if k == "EXPOSE" for a in args.split()}
    published = {p.split(":")[-1] for p in re.findall(r"-p (\S+)", text)}
    assert published == exposed
    assert all(p.startswith("127.0.0.1:") for p in re.findall(r"-p (\S+)", text))
    volumes = {v.split(":")[-1] for v in re.findall(r"-v (\S+)", text)}
    assert volumes == {a for k, a in steps if k == "VOLUME"}


def test_prometheus_block_scrapes_the_metrics_option(tmp_path):
    (form,) = set(re.findall(r"`--metrics (tcp:[^`]*)`", _readme()))
    (target,) = re.findall(r'targets: \["([^"]+)"\]', _only(_KINDS["prometheus"]))
    host, port = target.split(":")
    assert form == "tcp:%s:interface=%s" % (port, host)
    metrics = free_port()
    server = miniredis_process(
        str(tmp_path), "--metrics", form.replace(port, str(metrics))
    ).start()
    try:
        url = "http://%s:%d/metrics" % (host, metrics)
        with urllib.request.urlopen(url, timeout=30) as reply:
            assert b"\nredis_up 1\n" in reply.read()
    finally:
        server.stop()


def _readme():
    with open(README) as f:
        return f.read()


# ------------------------------------------------------- the option table


def _table_options():
    """@return: the options named in the first column of the option table."""
    with open(README) as f:
        text = f.read()
    options = []
    for line in text.splitlines():
        if line.startswith("| `-"):
            cell = line.split(" | ")[0]
            options.extend(re.findall(r"`(--?[a-z-]+)", cell))
    return options


def test_every_option_of_the_table_is_an_option():
    help_text = subprocess.run(
        [sys.executable, "-m", "miniredis", "--help"],
        capture_output=True,
        env=_env(),
        timeout=60,
    ).stdout.decode()
    options = _table_options()
    assert len(options) >= 12
    for option in options:
        assert option in help_text, option


def _listen_forms():
    """@return: the endpoint forms of the option table's C{--listen} row."""
    (row,) = [line for line in _readme().splitlines() if line.startswith("| `--listen")]
    return re.findall(r"`((?:tcp|unix|ssl|systemd):[^`]*)`", row)


def test_every_listen_form_serves(tmp_path):
    forms = _listen_forms()
    assert {form.split(":")[0] for form in forms} == {"tcp", "unix", "ssl", "systemd"}
    cert, key = make_certificate(str(tmp_path))
    for form in forms:
        kind = form.split(":")[0]
        if kind == "systemd":
            _systemd_serves(form, tmp_path)
            continue
        port = free_port()
        path = str(tmp_path / "miniredis.sock")
        listen = form.replace("6380", str(port)).replace("/run/miniredis.sock", path)
        listen = listen.replace("key.pem", key).replace("cert.pem", cert)
        if kind == "unix":
            argv = ["redis-cli", "-s", path, "PING"]
        elif kind == "ssl":
            argv = ["redis-cli", "--tls", "--cacert", cert, "-p", str(port), "PING"]
        else:
            argv = ["redis-cli", "-p", str(port), "PING"]
        process = subprocess.Popen(
            [sys.executable, "-m", "miniredis", "--listen", listen],
            env=_env(),
            cwd=str(tmp_path),
        )
        try:
            _until(argv, process)
        finally:
            process.terminate()
            process.wait(30)


def _until(argv, process, timeout=20.0):
    """Run C{argv} (a redis-cli PING) until it gets PONG."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert process.poll() is None, "the server exited"
        if subprocess.run(argv, capture_output=True, timeout=30).stdout == b"PONG\n":
            return
        time.sleep(0.1)
    raise AssertionError("no answer to %r" % (argv,))


def _systemd_serves(form, tmp_path):
    """Socket activation as systemd does it: a listening socket as fd 3."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    shell = "exec 3<&%d; LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=miniredis "
    shell += "exec %s -m miniredis --listen '%s'"
    process = subprocess.Popen(
        ["bash", "-c", shell % (listener.fileno(), sys.executable, form)],
        env=_env(),
        cwd=str(tmp_path),
        pass_fds=(listener.fileno(),),
    )
    try:
        _until(["redis-cli", "-p", str(port), "PING"], process)
    finally:
        process.terminate()
        process.wait(30)
        listener.close()


def test_config_file_and_persistence_options(tmp_path):
    conf = tmp_path / "miniredis.conf"
    conf.write_text("databases 4\nmaxclients 50\n")
    server = miniredis_process(
        str(tmp_path),
        "-c",
        str(conf),
        "--requirepass",
        "secret",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--appendfilename",
        "log.aof",
        "--dir",
        str(tmp_path),
        "--save",
        "3600 1",
        "--dbfilename",
        "snap.rdb",
    ).start()
    try:
        conn = RawConnection(server.port)
        assert conn.call("AUTH", "secret") == b"OK"
        got = conn.call("CONFIG", "GET", "*")
        got = dict(zip(got[::2], got[1::2]))
        assert got[b"databases"] == b"4" and got[b"maxclients"] == b"50"
        assert got[b"appendfilename"] == b"log.aof" and got[b"save"] == b"3600 1"
        assert conn.call("SET", "k", "v") == b"OK"
        assert conn.call("SAVE") == b"OK"
        conn.close()
        assert os.path.exists(str(tmp_path / "snap.rdb"))
        assert b"SET" in (tmp_path / "log.aof").read_bytes()
    finally:
        server.stop()


def test_check_aof_tool(tmp_path):
    tool = shutil.which("miniredis-check-aof")
    assert tool, "miniredis-check-aof is not on PATH (pip install .)"
    path = tmp_path / "broken.aof"
    path.write_bytes(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET")
    done = subprocess.run([tool, str(path)], capture_output=True, timeout=60)
    assert done.returncode != 0
    done = subprocess.run(
        [tool, "--fix", str(path)], input=b"y\n", capture_output=True, timeout=60
    )
    assert done.returncode == 0, done
    assert path.read_bytes() == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
    done = subprocess.run([tool, str(path)], capture_output=True, timeout=60)
    assert done.returncode == 0


def test_the_no_effect_table_is_the_code_s():
    """The README's table of parameters with no effect is config.NO_EFFECT."""
    from miniredis.config import NO_EFFECT, PARAMETERS

    with open(README) as f:
        rows = re.findall(r"^  \| `([^`]+)` \| (.*) \|$", f.read(), re.M)
    assert rows == list(NO_EFFECT.items())
    names = [name.encode() for name in PARAMETERS]
    for pattern in NO_EFFECT:
        assert any(matcher(pattern.encode())(name) for name in names), pattern
