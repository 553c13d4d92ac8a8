"""
The example web application (examples/webapp.py): its pages against a
miniredis in this process, and the application started the two documented
ways, C{python examples/webapp.py} and C{twistd -n web --class=...}.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import pytest_twisted
from twisted.internet import task
from twisted.web.client import Agent, readBody

from examples.webapp import Root
from miniredis import MiniRedisFactory
from miniredis.client import in_process
from tests.servers import ROOT, free_port


async def fetch(agent, url, method=b"GET"):
    response = await agent.request(method, url.encode())
    return response.code, json.loads((await readBody(response)).decode())


@pytest_twisted.ensureDeferred
async def test_pages_in_process():
    from twisted.internet import reactor
    from twisted.web.server import Site

    factory = MiniRedisFactory(clock=reactor)
    root = Root(in_process(factory, reactor, size=2), limit=2)
    port = reactor.listenTCP(0, Site(root), interface="127.0.0.1")
    base = "http://127.0.0.1:%d" % (port.getHost().port,)
    agent = Agent(reactor)
    try:
        assert await fetch(agent, base + "/count") == (200, {"count": 1})
        assert await fetch(agent, base + "/count") == (200, {"count": 2})
        await root.subscribed
        for name in ("a", "b", "c"):
            code, body = await fetch(agent, base + "/jobs?name=" + name, b"POST")
            assert code == 200 and body["queued"] == name
        for _ in range(200):
            if len(root.heard) == 3:
                break
            await task.deferLater(reactor, 0.01)
        assert (await fetch(agent, base + "/events"))[1] == {"done": ["a", "b", "c"]}
        assert await fetch(agent, base + "/jobs") == (200, {"waiting": 0, "done": 3})
        assert (await fetch(agent, base + "/limited"))[0] == 200
        assert (await fetch(agent, base + "/limited"))[0] == 200
        code, body = await fetch(agent, base + "/limited")
        assert code == 429 and body["calls"] == 3
    finally:
        await port.stopListening()
        await root.close()
        factory.doStop()


def get(url, tries=100):
    for _ in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read().decode())
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError("%s did not answer" % (url,))


@pytest.mark.parametrize("how", ["python", "twistd"])
def test_runs_as_documented(how, mini_server, tmp_path):
    port = free_port()
    redis = "tcp:127.0.0.1:%d" % (mini_server.port,)
    env = dict(os.environ, MINIREDIS_ENDPOINT=redis, PYTHONPATH=ROOT)
    if how == "python":
        argv = [sys.executable, "examples/webapp.py", "--listen", "tcp:%d" % port]
        argv += ["--redis", redis]
    else:
        twistd = os.path.join(os.path.dirname(sys.executable), "twistd")
        argv = [twistd, "-n", "--pidfile=", "-l", str(tmp_path / "log"), "web"]
        argv += ["--listen", "tcp:%d" % port, "--class=examples.webapp.Root"]
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        first = get("http://127.0.0.1:%d/count" % port)["count"]
        assert get("http://127.0.0.1:%d/count" % port)["count"] == first + 1
    finally:
        process.terminate()
        process.wait(10)
