"""
The web dashboard (C{--dashboard}) in a real headless Chromium: the page
loads without console errors, shows a key written during the test, its
charts update from server-sent events, a key's value pages, delete asks
first; and the password check. The screenshot goes to the test's tmp dir
and to /tmp/miniredis-dashboard.png.
"""

import base64
import shutil
import time
import urllib.error
import urllib.request

import pytest

from tests.cdp import Browser
from tests.servers import RawConnection, free_port, miniredis_process, wait_for_port

SCREENSHOT = "/tmp/miniredis-dashboard.png"


@pytest.fixture
def dashboard(tmp_path):
    """A miniredis process with --dashboard: C{(server, dashboard URL)}."""
    port = free_port()
    server = miniredis_process(
        str(tmp_path), "--dashboard", "tcp:%d:interface=127.0.0.1" % (port,)
    ).start()
    wait_for_port(port, server.process)
    yield server, "http://127.0.0.1:%d/" % (port,)
    server.stop()


def _id(key):
    return base64.urlsafe_b64encode(key.encode()).decode()


def _fill(client):
    for i in range(40):
        client.call("SET", "user:%d" % i, "name %d" % i)
    client.call("SET", "dashboard:test-key", "written by the test", "EX", "3600")
    client.call("RPUSH", "dashboard:list", *["item %d" % i for i in range(250)])
    client.call("HSET", "dashboard:hash", "field", "value", "other", "x")
    client.call("ZADD", "dashboard:board", "10", "alice", "7.5", "bob")
    client.call("LPUSH", "huey.redis.tasks", "t1", "t2", "t3")
    client.call("ZADD", "huey.schedule.tasks", str(time.time() + 60), "t4")
    client.call("HSET", "huey.results.tasks", "r1", "done")


def test_dashboard_in_a_browser(dashboard, tmp_path):
    server, url = dashboard
    client = RawConnection(server.port)
    _fill(client)
    with Browser(tmp_path / "chromium") as browser:
        page = browser.page()
        page.navigate(url + "#match=dashboard:*&key=" + _id("dashboard:list"))
        # the key written during the test is in the keyspace browser
        page.wait_for(
            "[...document.querySelectorAll('#keys td.key')]"
            ".some(td => td.textContent === 'dashboard:test-key')"
        )
        assert page.evaluate("document.querySelectorAll('#keys tbody tr').length") == 4
        # the list's first page, and its pager
        page.wait_for("!!document.querySelector('#detail-body .keyname')")
        assert page.evaluate(
            "document.querySelector('#detail-body .keyname').textContent"
        ) == ("dashboard:list")
        assert "1–100 of 250" in page.evaluate(
            "document.querySelector('#detail-body .pager').textContent"
        )
        # the charts update: samples keep coming, the ops chart has a line
        first = int(page.wait_for("document.body.dataset.samples"))
        for _ in range(30):
            client.call("GET", "user:1")
        page.wait_for("Number(document.body.dataset.samples) >= %d" % (first + 2))
        assert page.evaluate("!!document.querySelector('#chart-ops path.line')")
        page.wait_for("series.ops.some(v => v > 0)")
        page.wait_for("document.getElementById('v-clients').textContent === '1'")
        # huey's queue, the clients list, persistence, the slow log
        page.wait_for("!document.getElementById('huey-panel').hidden")
        assert page.evaluate(
            "[...document.querySelectorAll('#huey tbody td')].map(t => t.textContent)"
        )[:5] == ["tasks", "0", "3", "1", "1"]
        assert (
            page.evaluate("document.querySelectorAll('#clients tbody tr').length") == 1
        )
        assert "No command slower" in page.evaluate(
            "document.getElementById('slowlog').textContent"
        )
        # a string key, its TTL shown
        page.evaluate(
            "[...document.querySelectorAll('#keys tbody tr')]"
            ".find(tr => tr.dataset.id === '%s').click()" % (_id("dashboard:test-key"),)
        )
        page.wait_for(
            "document.querySelector('#detail-body pre.value')?.textContent"
            " === 'written by the test'"
        )
        assert page.evaluate(
            "document.querySelector('#detail-body .meta').textContent"
        ).startswith("stringTTL 59m")
        page.screenshot(str(tmp_path / "dashboard.png"))
        shutil.copy(str(tmp_path / "dashboard.png"), SCREENSHOT)
        # delete asks first: cancelled, the key stays; confirmed, it goes
        page.evaluate("document.getElementById('delete').click()")
        page.wait_for("document.getElementById('confirm').open")
        page.evaluate("document.getElementById('confirm').close('cancel')")
        time.sleep(0.3)
        assert client.call("EXISTS", "dashboard:test-key") == 1
        page.evaluate("document.getElementById('delete').click()")
        page.evaluate("document.getElementById('confirm').close('ok')")
        page.wait_for(
            "document.getElementById('detail-body').textContent.startsWith('Deleted')"
        )
        assert client.call("EXISTS", "dashboard:test-key") == 0
        assert page.errors == []
        page.close()


def _get(url, password=None):
    request = urllib.request.Request(url)
    if password is not None:
        token = base64.b64encode(b"admin:" + password.encode()).decode()
        request.add_header("Authorization", "Basic " + token)
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_dashboard_asks_for_the_password(tmp_path):
    port = free_port()
    server = miniredis_process(
        str(tmp_path), "--requirepass", "s3cret", "--dashboard", str(port)
    ).start()
    base = "http://127.0.0.1:%d/" % (port,)
    try:
        wait_for_port(port, server.process)
        for path in ("", "app.js", "api/overview", "api/keys"):
            status, headers, _ = _get(base + path)
            assert status == 401, path
            assert headers["WWW-Authenticate"] == 'Basic realm="miniredis"'
            assert _get(base + path, "wrong")[0] == 401
        status, _, body = _get(base, "s3cret")
        assert status == 200 and b"<title>miniredis dashboard</title>" in body
        status, _, body = _get(base + "api/overview", "s3cret")
        assert status == 200 and b'"redis_version": "7.0.15"' in body
    finally:
        server.stop()


def test_delete_needs_post_and_the_header(dashboard):
    server, url = dashboard
    client = RawConnection(server.port)
    client.call("SET", "k", "v")
    target = url + "api/delete?db=0&id=" + _id("k")
    assert _get(target)[0] == 405
    request = urllib.request.Request(target, method="POST", data=b"")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request)
    assert client.call("EXISTS", "k") == 1
    request.add_header("X-Miniredis", "1")
    with urllib.request.urlopen(request) as reply:
        assert reply.read() == b'{"deleted": true}'
    assert client.call("EXISTS", "k") == 0
