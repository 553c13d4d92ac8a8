"""
A headless Chromium driven through the DevTools protocol, with only the
standard library (a small WebSocket client): enough to load a page, run
JavaScript in it, collect its console errors and take a screenshot.

Usage::

    with Browser(profile_dir) as browser:
        page = browser.page()
        page.navigate("http://127.0.0.1:8080/")
        page.wait_for("document.title !== ''")
        page.screenshot("/tmp/page.png")
        assert page.errors == []
"""

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import time
import urllib.parse
import urllib.request


class WebSocket:
    """A client WebSocket (RFC 6455): text frames, masked as clients must."""

    def __init__(self, url, timeout=30.0):
        parts = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n" % (parts.path, parts.netloc, key)
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("no WebSocket handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(head.decode("latin-1"))
        self.buffer = b""

    def send(self, text):
        payload = text.encode("utf-8")
        header = bytearray([0x81])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        elif len(payload) < 1 << 16:
            header.append(0x80 | 126)
            header += struct.pack(">H", len(payload))
        else:
            header.append(0x80 | 127)
            header += struct.pack(">Q", len(payload))
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(header) + mask + masked)

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("WebSocket closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def receive(self):
        """@return: the next text message (fragments joined)."""
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            opcode = first & 0x0F
            if opcode == 8:
                raise ConnectionError("WebSocket closed")
            if opcode in (0, 1, 2):
                message += payload
                if first & 0x80:
                    return message.decode("utf-8")

    def close(self):
        self.sock.close()


class Page:
    """
    One page target.

    @ivar errors: the console errors, warnings and uncaught exceptions seen.
    """

    def __init__(self, url):
        self.ws = WebSocket(url)
        self.ids = iter(range(1, 1 << 30))
        self.errors = []
        for method in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.call(method)

    def call(self, method, **params):
        ident = next(self.ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError("%s: %s" % (method, message["error"]))
                return message.get("result", {})
            self._event(message)

    def _event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.errors.append(
                details.get("exception", {}).get("description") or details["text"]
            )
        elif method == "Runtime.consoleAPICalled" and params["type"] in (
            "error",
            "warning",
            "assert",
        ):
            self.errors.append(
                " ".join(
                    str(a.get("value", a.get("description"))) for a in params["args"]
                )
            )
        elif method == "Log.entryAdded" and params["entry"]["level"] in (
            "error",
            "warning",
        ):
            self.errors.append(params["entry"]["text"])

    def navigate(self, url):
        self.call("Page.navigate", url=url)

    def evaluate(self, expression):
        """@return: the value of a JavaScript expression (promises awaited)."""
        result = self.call(
            "Runtime.evaluate",
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("text"))
        return result["result"].get("value")

    def wait_for(self, expression, timeout=15.0):
        """Wait until a JavaScript expression is true; @return: its last value."""
        deadline = time.time() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.time() > deadline:
                raise AssertionError("timed out waiting for %s" % (expression,))
            time.sleep(0.1)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        self.ws.close()


class Browser:
    """A headless Chromium process with its own profile in C{directory}."""

    def __init__(self, directory, width=1440, height=1400):
        executable = shutil.which("chromium") or shutil.which("chromium-browser")
        if executable is None:
            raise RuntimeError("chromium is not installed (apt-get install chromium)")
        self.directory = str(directory)
        self.argv = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "--user-data-dir=" + self.directory,
            "--window-size=%d,%d" % (width, height),
            "about:blank",
        ]
        self.process = None
        self.port = None

    def __enter__(self):
        self.process = subprocess.Popen(
            self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        marker = os.path.join(self.directory, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(marker) or not open(marker).read().strip():
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError("chromium did not start")
            time.sleep(0.1)
        with open(marker) as f:
            self.port = int(f.read().split()[0])
        return self

    def page(self):
        """@return: a L{Page} on the browser's first tab."""
        url = "http://127.0.0.1:%d/json/list" % (self.port,)
        with urllib.request.urlopen(url) as reply:
            targets = json.loads(reply.read())
        (target,) = [t for t in targets if t["type"] == "page"][:1]
        return Page(target["webSocketDebuggerUrl"])

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
