"""
The files of deploy/, each checked as far as this machine allows: the
systemd units with systemd-analyze and their command lines run (socket
activation simulated with LISTEN_FDS), the Dockerfile's files, plugin cache
step, CMD and HEALTHCHECK run outside a container, the compose file parsed,
the example configuration read.
"""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from miniredis import conffile
from miniredis.config import ALIASES, PARAMETERS, Config
from tests.servers import ROOT, RawConnection, ServerProcess, free_port, wait_for_port

DEPLOY = os.path.join(ROOT, "deploy")
BIN = os.path.dirname(sys.executable)


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    return env


def _unit(name):
    """@return: {(section, key): [values]} of a unit file (continuations joined)."""
    with open(os.path.join(DEPLOY, name)) as f:
        text = f.read().replace("\\\n", " ")
    found = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault((section, key), []).append(value)
    return found


def test_systemd_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    for name in ("miniredis.service", "miniredis.socket"):
        shutil.copy(os.path.join(DEPLOY, name), str(tmp_path))
    shutil.copytree(
        os.path.join(DEPLOY, "miniredis.service.d"),
        str(tmp_path / "miniredis.service.d"),
    )
    done = subprocess.run(
        [analyze, "verify", "miniredis.service", "miniredis.socket"],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "miniredis" not in output, output  # no warning about our units


def test_service_unit_settings():
    unit = _unit("miniredis.service")
    service = {key: values[-1] for (section, key), values in unit.items()}
    assert service["Restart"] == "on-failure"
    assert service["DynamicUser"] == "yes" and service["User"] == "miniredis"
    assert service["StateDirectory"] == "miniredis"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert "--nodaemon" in service["ExecStart"]
    socket_unit = _unit("miniredis.socket")
    assert socket_unit[("Socket", "ListenStream")] == ["127.0.0.1:6379"]
    dropin = _unit("miniredis.service.d/socket.conf")
    assert dropin[("Service", "ExecStart")][0] == ""  # resets the unit's
    assert "systemd:domain=INET:index=0" in dropin[("Service", "ExecStart")][1]


def _unit_command(line, state_dir):
    """The unit's ExecStart as a local command: our twistd, a temporary dir."""
    argv = shlex.split(line)
    assert argv[:2] == ["/usr/bin/env", "twistd"]
    argv = [os.path.join(BIN, "twistd")] + argv[2:]
    argv = [state_dir if a == "/var/lib/miniredis" else a for a in argv]
    conf = os.path.join(DEPLOY, "miniredis.conf")
    return [conf if a == "/etc/miniredis/miniredis.conf" else a for a in argv]


def test_service_command_runs(tmp_path):
    line = _unit("miniredis.service")[("Service", "ExecStart")][0]
    argv = _unit_command(line, str(tmp_path))
    port = free_port()
    argv.insert(argv.index("--dir"), "--port")
    argv.insert(argv.index("--dir"), str(port))
    server = ServerProcess(argv, port, str(tmp_path), _env()).start()
    try:
        client = RawConnection(port)
        assert client.call("PING") == b"PONG"
        assert client.call("CONFIG", "GET", "dir") == [b"dir", str(tmp_path).encode()]
        assert client.call("CONFIG", "GET", "save")[1] == b"3600 1 300 100 60 10000"
    finally:
        server.stop()


def test_socket_activation(tmp_path):
    """The drop-in's command line takes its listener from systemd (LISTEN_FDS)."""
    line = _unit("miniredis.service.d/socket.conf")[("Service", "ExecStart")][1]
    argv = _unit_command(line, str(tmp_path))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    fd = listener.fileno()

    def as_systemd_does():
        os.dup2(fd, 3)
        os.set_inheritable(3, True)

    # LISTEN_PID must be the server's own pid: sh sets it, then execs.
    command = [
        "sh",
        "-c",
        'LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=miniredis.socket exec "$@"',
        "sh",
    ] + argv
    log = open(str(tmp_path / "server.log"), "wb")
    process = subprocess.Popen(
        command,
        env=_env(),
        cwd=str(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=as_systemd_does,
        pass_fds=(fd, 3),
    )
    listener.close()  # the server has its own copy, as under systemd
    try:
        wait_for_port(port, process)
        assert RawConnection(port).call("PING") == b"PONG"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        log.close()
    with open(str(tmp_path / "server.log")) as f:
        assert "ready to exit" in f.read()


# ------------------------------------------------------------------ Docker


def _dockerfile():
    """@return: the Dockerfile's instructions, C{(keyword, arguments)}."""
    with open(os.path.join(DEPLOY, "Dockerfile")) as f:
        text = f.read().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_dockerfile_shape():
    steps = _dockerfile()
    keywords = [k for k, _ in steps]
    assert steps[0][0] == "FROM" and steps[0][1].startswith("python:3.11-slim")
    assert "USER" in keywords and "root" != [a for k, a in steps if k == "USER"][0]
    assert ("VOLUME", "/data") in steps
    assert any(k == "HEALTHCHECK" and "ping()" in a for k, a in steps)
    runs = " ".join(a for k, a in steps if k == "RUN")
    assert "getPlugins(IPlugin)" in runs  # the plugin cache, written at build time
    # Clients of a container never come from its loopback: protected mode
    # would refuse them all.
    cmd = json.loads([a for k, a in steps if k == "CMD"][0])
    assert cmd[cmd.index("--protected-mode") + 1] == "no"
    for keyword, args in steps:
        if keyword == "COPY":
            for source in args.split()[:-1]:
                assert os.path.exists(os.path.join(ROOT, source)), source
    stages = [a.split()[-1] for k, a in steps if k == "FROM" and " AS " in a]
    assert stages == ["server", "huey-worker"]
    with open(os.path.join(DEPLOY, "Dockerfile.dockerignore")) as f:
        assert ".git" in f.read().split()


def test_dockerfile_plugin_cache_step():
    (step,) = [a for k, a in _dockerfile() if k == "RUN" and "getPlugins" in a]
    argv = shlex.split(step)
    assert argv[:2] == ["python", "-c"]
    done = subprocess.run(
        [sys.executable, "-c", argv[2] + "; import twisted.plugins.miniredis_plugin"],
        env=_env(),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_dockerfile_cmd_and_healthcheck_run(tmp_path):
    steps = _dockerfile()
    server_stage = steps[: [k for k, _ in steps].index("FROM", 1)]
    cmd = json.loads([a for k, a in server_stage if k == "CMD"][-1])
    health = [a for k, a in server_stage if k == "HEALTHCHECK"][-1]
    health = json.loads(health[health.index("CMD") + 3 :])
    port, web, metrics = free_port(), free_port(), free_port()
    replace = {
        "twistd": os.path.join(BIN, "twistd"),
        "/data": str(tmp_path),
        "/etc/miniredis/miniredis.conf": os.path.join(DEPLOY, "miniredis.conf"),
        "tcp:8080": "tcp:%d" % (web,),
        "tcp:9121": "tcp:%d" % (metrics,),
        "0.0.0.0": "127.0.0.1",
    }
    argv = [replace.get(a, a) for a in cmd]
    argv.insert(argv.index("--dir"), "--port")
    argv.insert(argv.index("--dir"), str(port))
    server = ServerProcess(argv, port, str(tmp_path), _env()).start()
    try:
        assert health[0] == "python"
        check = [sys.executable] + [a.replace("6379", str(port)) for a in health[1:]]
        assert subprocess.run(check, env=_env(), timeout=30).returncode == 0
        for url in (
            "http://127.0.0.1:%d/" % web,
            "http://127.0.0.1:%d/metrics" % metrics,
        ):
            with urllib.request.urlopen(url) as reply:
                assert reply.status == 200
    finally:
        server.stop()
    check = [sys.executable] + [a.replace("6379", str(port)) for a in health[1:]]
    assert subprocess.run(check, env=_env(), timeout=30).returncode != 0


def _compose():
    path = os.path.join(DEPLOY, "compose.yaml")
    with open(path) as f:
        text = f.read()
    try:
        import yaml
    except ImportError:
        return None, text
    return yaml.safe_load(text), text


def test_compose_file():
    parsed, text = _compose()
    stages = [a.split()[-1] for k, a in _dockerfile() if k == "FROM" and " AS " in a]
    if parsed is not None:
        services = parsed["services"]
        assert set(services) == {"miniredis", "huey"}
        for service in services.values():
            build = service["build"]
            assert os.path.exists(
                os.path.join(DEPLOY, build["context"], build["dockerfile"])
            )
            assert build["target"] in stages
        assert services["huey"]["environment"]["MINIREDIS_HOST"] == "miniredis"
        assert "miniredis-data:/data" in services["miniredis"]["volumes"]
        return
    # No PyYAML here: a minimal check of its structure and references.
    assert not re.search(r"^\t", text, re.M), "tabs in YAML"
    top = re.findall(r"^(\w[\w-]*):", text, re.M)
    assert top == ["name", "services", "volumes"]
    assert re.findall(r"^  (\w[\w-]*):$", text, re.M) == [
        "miniredis",
        "huey",
        "miniredis-data",
    ]
    for target in re.findall(r"target: (\S+)", text):
        assert target in stages
    for dockerfile in re.findall(r"dockerfile: (\S+)", text):
        assert os.path.exists(os.path.join(ROOT, dockerfile))
    assert "MINIREDIS_HOST: miniredis" in text
    assert "- miniredis-data:/data" in text
    assert "condition: service_healthy" in text


def test_huey_tasks_module(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import huey_tasks; print(type(huey_tasks.huey).__name__, huey_tasks.huey.name)",
        ],
        cwd=DEPLOY,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.split() == ["RedisHuey", "app"], done.stderr


def test_example_configuration():
    config = Config()
    path = os.path.join(DEPLOY, "miniredis.conf")
    conffile.read(config, path)
    assert config["save"] == [(3600, 1), (300, 100), (60, 10000)]
    assert config["bind"] == "127.0.0.1"
    with open(path) as f:
        text = f.read()
    for name in PARAMETERS:
        if name not in ALIASES:
            assert re.search(r"^%s " % re.escape(name), text, re.M), name
