"""
Real servers for end-to-end tests: a miniredis process and a redis-server
process, each on a free loopback port, and a raw RESP connection to either.
"""

import os
import shutil
import socket
import subprocess
import sys
import time

from miniredis.resp import Decoder, encode_command

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


_handed_out = set()


def free_port():
    """
    @return: a loopback port free now, and not handed out before by this
        process (the kernel may give the same one twice in a row, and a
        test that asks for two ports would then start a server on both).
    """
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def wait_for_port(port, process, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited with %s" % (process.returncode,))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not listen on %d" % (port,))


class ServerProcess:
    """
    A server process on a free port.

    @ivar port: where it listens.
    @ivar directory: its working directory.
    """

    def __init__(self, argv, port, directory, env=None):
        self.argv = argv
        self.port = port
        self.directory = directory
        self.env = env
        self.process = None

    def start(self):
        log = open(os.path.join(self.directory, "server.log"), "ab")
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        log.close()
        wait_for_port(self.port, self.process)
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self):
        """kill -9: no chance to save anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self):
        with open(os.path.join(self.directory, "server.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")


def miniredis_process(directory, *options, port=None):
    """A C{python -m miniredis} process (not started) in C{directory}."""
    port = port or free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    argv = [sys.executable, "-m", "miniredis", "--port", str(port)] + list(options)
    return ServerProcess(argv, port, directory, env)


def redis_process(directory, *options, port=None):
    """A real C{redis-server} process (not started) in C{directory}."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError(
            "redis-server is not installed (apt-get install redis-server)"
        )
    port = port or free_port()
    argv = [
        executable,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        directory,
        "--daemonize",
        "no",
    ] + list(options)
    return ServerProcess(argv, port, directory)


class RawConnection:
    """
    A blocking RESP connection that returns replies exactly as decoded
    (L{miniredis.resp.Status} vs bytes, L{ReplyError} values, RESP3 types).
    """

    def __init__(self, port, proto=2, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.decoder = Decoder(inline=False)
        self.pending = []
        if proto == 3:
            self.call("HELLO", "3")

    def send(self, *args):
        self.sock.sendall(encode_command(list(args)))

    def read(self):
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed")
            self.decoder.feed(data)
            self.pending.extend(self.decoder.values())
        return self.pending.pop(0)

    def call(self, *args):
        self.send(*args)
        return self.read()

    def closed(self):
        """@return: whether the server closed the connection (after any replies)."""
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True

    def close(self):
        self.sock.close()
