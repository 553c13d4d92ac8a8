"""
The web dashboard: one page (C{static/index.html}, its script and style
shipped in the package, nothing from a CDN) and the JSON it reads, all
taken from the server in process (the factory's store, clients, stats),
without a Redis connection.

    - C{/api/overview}: the server, its persistence and replication, the
      clients, the newest entries of the slow log, and
      huey's queues when huey's keys are there;
    - C{/api/events}: server-sent events, a sample a second (ops/s, memory,
      clients, hit rate, keys) for the charts;
    - C{/api/keys}: one page of a scan (pattern, type, database);
    - C{/api/key}: one key, its type, time to live and a page of its value;
    - C{/api/delete} (POST): delete a key.

With C{requirepass} set, every request must carry the password (HTTP basic
authentication, any user name), compared with C{hmac.compare_digest}.

Usage::

    from twisted.application import strports
    from miniredis.web.dashboard import dashboard_site
    strports.service("tcp:8080:interface=127.0.0.1", dashboard_site(factory))
"""

import base64
import hmac
import json
import os
import time
from collections import deque
from itertools import islice

from twisted.internet import task
from twisted.web import resource, server, static

from miniredis import commandstats
from miniredis.commands import COMMANDS
from miniredis.commands.info import info_fields
from miniredis.glob import matcher
from miniredis.logging import logger
from miniredis.quicklist import QuickList
from miniredis.store import Typed, type_name
from miniredis.zset import ZSet

log = logger("miniredis.web.dashboard")

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
SCAN_STEP = 1000
SCAN_BUDGET = 20000
HUEY_SCAN_LIMIT = 100000
PAGE = 100


def text(value):
    """@return: bytes (or anything) shown as text."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else json.dumps(value, default=str)


def key_id(key):
    """@return: C{key} as URL-safe base64 (keys may be any bytes)."""
    return base64.urlsafe_b64encode(key).decode("ascii")


# ------------------------------------------------------------------ the data


def overview(factory, huey):
    """
    @param huey: the server's L{HueyQueues}.
    @return: what the page shows apart from the charts and the keys.
    """
    fields = info_fields(
        factory,
        ("server", "clients", "memory", "persistence", "stats", "replication"),
    )
    now = time.time()
    clients = [
        {
            "id": session.id,
            "address": session.address,
            "name": text(session.name),
            "db": session.db.index,
            "age": int(now - session.created),
            "idle": int(now - session.last_interaction),
            "command": session.last_command,
            "blocked": session.blocked is not None,
            "subscribed": bool(session.subscribed),
            "proto": session.proto,
        }
        for session in list(factory.clients.values())[:500]
    ]
    databases = [
        {"db": db.index, "keys": len(db), "expires": len(db.expires)}
        for db in factory.store.databases
        if len(db)
    ]
    commands = sorted(
        (
            {
                "name": cmd.name,
                "calls": cmd.calls,
                "usec_per_call": round(commandstats.usec(cmd) / cmd.calls, 2)
                if cmd.calls
                else 0,
                "failed": cmd.failed_calls,
                "rejected": cmd.rejected_calls,
            }
            for cmd in commandstats.used(COMMANDS)
        ),
        key=lambda c: -c["calls"],
    )[:15]
    keep = [
        "redis_version",
        "miniredis_version",
        "python_implementation",
        "python_version",
        "process_id",
        "tcp_port",
        "uptime_in_seconds",
        "connected_clients",
        "blocked_clients",
        "maxclients",
        "used_memory",
        "used_memory_human",
        "used_memory_peak_human",
        "maxmemory_human",
        "maxmemory_policy",
        "total_commands_processed",
        "total_connections_received",
        "expired_keys",
        "evicted_keys",
        "keyspace_hits",
        "keyspace_misses",
        "role",
        "connected_slaves",
        "master_replid",
        "master_repl_offset",
        "rdb_changes_since_last_save",
        "rdb_bgsave_in_progress",
        "rdb_last_save_time",
        "rdb_last_bgsave_status",
        "rdb_saves",
        "aof_enabled",
        "aof_rewrite_in_progress",
        "aof_last_bgrewrite_status",
        "aof_last_write_status",
        "aof_current_size",
    ]
    config = factory.config
    return {
        "info": {name: text(fields[name]) for name in keep if name in fields},
        "config": {
            "save": text(config.render("save")),
            "appendfsync": config["appendfsync"],
            "dir": config["dir"],
            "dbfilename": config["dbfilename"],
            "appendfilename": config["appendfilename"],
        },
        "databases": databases,
        "clients": clients,
        "commands": commands,
        "slowlog": [
            {
                "id": id_,
                "time": when,
                "usec": usec,
                "command": " ".join(text(arg) for arg in argv),
                "client": text(address),
                "name": text(name),
            }
            for id_, when, usec, argv, address, name in factory.slowlog.get(10)
        ],
        "huey": huey.queues(),
    }


class HueyQueues:
    """
    huey's queues found in the keyspace, per database and name: pending
    tasks (C{huey.redis.<name>}, a list, or a sorted set for the priority
    storages), scheduled ones (C{huey.schedule.<name>}) and results
    (C{huey.results.<name>}, or C{huey.r.<name>.*} keys of the expiring
    storages).

    Finding the keys walks the keyspace (at most L{HUEY_SCAN_LIMIT} keys a
    database), so it is done every L{rescan} seconds; in between only the
    keys found are read again.
    """

    rescan = 30.0

    def __init__(self, factory):
        self.factory = factory
        self._keys = []
        self._found_at = None

    def _find(self):
        keys = []
        for db in self.factory.store.databases:
            if not len(db):
                continue
            for key in islice(db.data, HUEY_SCAN_LIMIT):
                if key.startswith(b"huey."):
                    kind, _, rest = key[5:].partition(b".")
                    if kind == b"r":
                        keys.append((db.index, kind, rest.rsplit(b".", 1)[0], key))
                    elif kind in (b"redis", b"schedule", b"results"):
                        keys.append((db.index, kind, rest, key))
        return keys

    def queues(self):
        """@return: a list of queues: db, name, pending, scheduled, results, next_run."""
        now = self.factory.clock.seconds()
        if self._found_at is None or now - self._found_at >= self.rescan:
            self._keys = self._find()
            self._found_at = now
        found = {}
        for index, kind, name, key in self._keys:
            value = self.factory.store.db(index).peek(key)
            if value is None:
                continue
            queue = found.setdefault(
                (index, name),
                {
                    "db": index,
                    "name": text(name),
                    "pending": 0,
                    "scheduled": 0,
                    "results": 0,
                    "next_run": None,
                },
            )
            if kind == b"redis":
                queue["pending"] = len(value)
            elif kind == b"schedule":
                queue["scheduled"] = len(value)
                if isinstance(value, ZSet) and len(value):
                    queue["next_run"] = value.order[0][0]
            elif kind == b"results":
                queue["results"] = len(value)
            else:
                queue["results"] += 1
        return sorted(found.values(), key=lambda q: (q["db"], q["name"]))


def scan_keys(factory, db_index, cursor, pattern, kind):
    """
    @return: one page of keys matching C{pattern} (a glob, bytes) and of
        type C{kind} (or any): C{{"cursor", "keys": [...]}}; the cursor is 0
        when the scan is done. Looks at L{SCAN_BUDGET} keys at most.
    """
    db = factory.store.db(db_index)
    match = matcher(pattern) if pattern not in (b"", b"*") else None
    now = factory.store.now_ms()
    keys = []
    looked = 0
    while True:
        cursor, page = factory.cursors.page(cursor, lambda: list(db.data), SCAN_STEP)
        looked += len(page)
        for key in page:
            if match is not None and not match(key):
                continue
            value = db.peek(key)
            if value is None:
                continue
            name = type_name(value)
            if kind and name != kind:
                continue
            deadline = db.expires.deadlines.get(key)
            keys.append(
                {
                    "id": key_id(key),
                    "key": text(key),
                    "type": name,
                    "size": size(value),
                    "ttl": None if deadline is None else max(0, deadline - now),
                }
            )
        if cursor == 0 or len(keys) >= PAGE or looked >= SCAN_BUDGET:
            return {"cursor": cursor, "keys": keys, "looked": looked}


def size(value):
    """@return: the length of a value (bytes of a string, elements otherwise)."""
    if type(value) is Typed:
        return len(json.dumps(value.value, default=text))
    return len(value)


def describe(factory, db_index, key, offset, count):
    """@return: the key's type, time to live and one page of its value, or None."""
    db = factory.store.db(db_index)
    value = db.peek(key)
    if value is None:
        return None
    deadline = db.expires.deadlines.get(key)
    now = factory.store.now_ms()
    out = {
        "id": key_id(key),
        "key": text(key),
        "db": db_index,
        "type": type_name(value),
        "ttl": None if deadline is None else max(0, deadline - now),
        "size": size(value),
        "offset": offset,
    }
    end = offset + count
    if type(value) is bytes:
        out["value"] = text(value[offset:end])
        out["encoding"] = "utf-8" if _is_text(value) else "binary"
    elif type(value) is Typed:
        out["value"] = json.dumps(value.value, default=text, indent=2)
        out["encoding"] = "typed"
    elif isinstance(value, QuickList):
        out["items"] = [text(v) for v in islice(value, offset, end)]
    elif isinstance(value, dict):
        out["items"] = [
            [text(f), text(v)] for f, v in islice(value.items(), offset, end)
        ]
    elif isinstance(value, set):
        out["items"] = [text(v) for v in islice(value, offset, end)]
    elif isinstance(value, ZSet):
        out["items"] = [
            [text(member), score] for score, member in value.order[offset:end]
        ]
    else:
        out["value"] = "(a %s value: not shown)" % (out["type"],)
    return out


def _is_text(value):
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Samples:
    """
    The series of the charts: a sample a second, the last L{keep} of them.

    @ivar history: C{deque} of samples (dicts), oldest first.
    """

    keep = 300

    def __init__(self, factory):
        self.factory = factory
        self.history = deque(maxlen=self.keep)
        self.listeners = []
        self._last = None
        self._loop = task.LoopingCall(self.sample)
        self._loop.clock = factory.clock

    def start(self):
        if not self._loop.running:
            self._loop.start(1.0)

    def stop(self):
        if self._loop.running:
            self._loop.stop()

    def sample(self):
        """Take a sample and send it to every listener."""
        try:
            factory = self.factory
            store = factory.store
            now = factory.clock.seconds()
            commands = factory.stats.commands
            hits, misses = store.keyspace_hits, store.keyspace_misses
            memory = info_fields(factory, ("memory",))["used_memory"]
            last = self._last
            self._last = (now, commands, hits, misses)
            if last is None:
                ops, hit_rate = 0, None
            else:
                elapsed = max(now - last[0], 1e-6)
                ops = max(0, commands - last[1]) / elapsed
                lookups = (hits - last[2]) + (misses - last[3])
                hit_rate = (hits - last[2]) / lookups if lookups > 0 else None
            point = {
                "t": now,
                "ops": round(ops, 1),
                "memory": memory,
                "clients": len(factory.clients),
                "hit_rate": hit_rate,
                "keys": sum(len(db) for db in store.databases),
            }
            self.history.append(point)
            for listener in list(self.listeners):
                listener(point)
        except Exception:
            log.failure("dashboard sample failed")


# ------------------------------------------------------------- the resources


def _json(request, data, code=200):
    request.setResponseCode(code)
    request.setHeader(b"content-type", b"application/json; charset=utf-8")
    request.setHeader(b"cache-control", b"no-store")
    return json.dumps(data).encode("utf-8")


def _arg(request, name, default=b""):
    values = request.args.get(name.encode())
    return values[0] if values else default


def _int_arg(request, name, default=0):
    try:
        return int(_arg(request, name, b"%d" % default))
    except ValueError:
        return default


class Api(resource.Resource):
    """The JSON endpoints under C{/api/}."""

    def __init__(self, factory, samples):
        resource.Resource.__init__(self)
        self.factory = factory
        self.samples = samples
        self.huey = HueyQueues(factory)

    def getChild(self, name, request):
        handler = getattr(self, "api_" + name.decode("ascii", "replace"), None)
        if handler is None:
            return resource.NoResource()
        return _Endpoint(handler)

    def _db(self, request):
        index = _int_arg(request, "db")
        if not 0 <= index < len(self.factory.store.databases):
            raise ValueError("no database %d" % (index,))
        return index

    def api_overview(self, request):
        return _json(request, overview(self.factory, self.huey))

    def api_history(self, request):
        return _json(request, list(self.samples.history))

    def api_keys(self, request):
        try:
            db = self._db(request)
        except ValueError as e:
            return _json(request, {"error": str(e)}, 400)
        kind = _arg(request, "type").decode("ascii", "replace")
        result = scan_keys(
            self.factory,
            db,
            _int_arg(request, "cursor"),
            _arg(request, "match", b"*"),
            kind,
        )
        return _json(request, result)

    def _key(self, request):
        return base64.urlsafe_b64decode(_arg(request, "id"))

    def api_key(self, request):
        try:
            db = self._db(request)
            key = self._key(request)
        except ValueError as e:
            return _json(request, {"error": str(e)}, 400)
        count = min(max(_int_arg(request, "count", PAGE), 1), 1000)
        offset = max(_int_arg(request, "offset"), 0)
        if _arg(request, "type") == b"string":
            count *= 40
        found = describe(self.factory, db, key, offset, count)
        if found is None:
            return _json(request, {"error": "no such key"}, 404)
        found["count"] = count
        return _json(request, found)

    def api_delete(self, request):
        if request.method != b"POST" or request.getHeader(b"x-miniredis") != b"1":
            return _json(request, {"error": "POST with X-Miniredis: 1"}, 405)
        try:
            db = self._db(request)
            key = self._key(request)
        except ValueError as e:
            return _json(request, {"error": str(e)}, 400)
        database = self.factory.store.db(db)
        deleted = database.peek(key) is not None and database.delete(key)
        if deleted:
            self.factory.store.dirty += 1
            propagate = self.factory.propagate
            if propagate is not None:
                propagate(db, [[b"DEL", key]])
        return _json(request, {"deleted": bool(deleted)})

    def api_events(self, request):
        return _Events(self.samples).render(request)


class _Endpoint(resource.Resource):
    isLeaf = True

    def __init__(self, handler):
        resource.Resource.__init__(self)
        self.handler = handler

    def render(self, request):
        return self.handler(request)


class _Events(resource.Resource):
    """C{text/event-stream}: the chart history, then a sample a second."""

    isLeaf = True

    def __init__(self, samples):
        resource.Resource.__init__(self)
        self.samples = samples

    def render(self, request):
        request.setHeader(b"content-type", b"text/event-stream")
        request.setHeader(b"cache-control", b"no-store")
        request.write(b"retry: 2000\n\n")
        for point in self.samples.history:
            request.write(b"data: %s\n\n" % json.dumps(point).encode())

        def send(point):
            request.write(b"data: %s\n\n" % json.dumps(point).encode())

        def gone(_):
            if send in self.samples.listeners:
                self.samples.listeners.remove(send)

        self.samples.listeners.append(send)
        request.notifyFinish().addBoth(gone)
        return server.NOT_DONE_YET


class Guard(resource.Resource):
    """
    Ask for the server's password (C{requirepass}) with HTTP basic
    authentication before handing the request to the dashboard.
    """

    def __init__(self, factory, wrapped):
        resource.Resource.__init__(self)
        self.factory = factory
        self.wrapped = wrapped

    def allowed(self, request):
        password = self.factory.config["requirepass"]
        if not password:
            return True
        given = request.getPassword() or b""
        return hmac.compare_digest(given, password.encode("utf-8"))

    def getChildWithDefault(self, name, request):
        if not self.allowed(request):
            return _Unauthorized()
        request.postpath.insert(0, name)
        request.prepath.pop()
        return resource.getChildForRequest(self.wrapped, request)

    def render(self, request):
        if not self.allowed(request):
            return _Unauthorized().render(request)
        return self.wrapped.render(request)


class _Unauthorized(resource.Resource):
    isLeaf = True

    def render(self, request):
        request.setResponseCode(401)
        request.setHeader(b"www-authenticate", b'Basic realm="miniredis"')
        request.setHeader(b"content-type", b"text/plain; charset=utf-8")
        return b"The server's password (requirepass) is needed.\n"


class DashboardSite(server.Site):
    """The dashboard's site: no access log; the chart sampler runs while up."""

    def __init__(self, factory):
        self.samples = Samples(factory)
        root = static.File(STATIC)
        root.indexNames = ["index.html"]
        root.putChild(b"api", Api(factory, self.samples))
        server.Site.__init__(self, Guard(factory, root))
        self.noisy = False

    def startFactory(self):
        server.Site.startFactory(self)
        self.samples.start()

    def stopFactory(self):
        self.samples.stop()
        server.Site.stopFactory(self)

    def log(self, request):
        pass


def dashboard_site(factory):
    """@return: the web site of the dashboard of C{factory}."""
    return DashboardSite(factory)
