"""
A small twisted.web application on the miniredis client pool:

    - C{GET /count}: a hit counter (C{INCR}).
    - C{POST /jobs?name=N}: queues a job (C{RPUSH}); a worker in the same
      process takes jobs with C{BLPOP} (on a connection of its own) and
      announces each one done on the C{jobs:done} channel.
    - C{GET /jobs}: how many jobs wait, and how many are done.
    - C{GET /events}: the last announcements the page's subscriber heard.
    - C{GET /limited}: a rate-limited page: a Lua script counts the calls
      of the current window, 429 past the limit.

Run it from the repository's root, against the server at
C{$MINIREDIS_ENDPOINT} (C{tcp:127.0.0.1:6379} by default)::

    twistd -n web --listen tcp:8080 --class=examples.webapp.Root
    python examples/webapp.py --listen tcp:8080 --redis tcp:127.0.0.1:6379
    python examples/webapp.py --in-process      # a miniredis in the process
"""

import argparse
import json
import os
import sys

if __name__ == "__main__":
    # Run as a script: this checkout's miniredis, not an installed one.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from twisted.internet import defer, endpoints, task  # noqa: E402
from twisted.logger import Logger  # noqa: E402
from twisted.web.resource import Resource  # noqa: E402
from twisted.web.server import NOT_DONE_YET, Site  # noqa: E402

from miniredis.client import pool  # noqa: E402

log = Logger(namespace="examples.webapp")

RATE_LIMIT = """
local calls = redis.call('INCR', KEYS[1])
if calls == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return calls
"""


def page(method):
    """
    Serve a page with an C{async def} method returning a dict: the dict is
    sent as JSON (with the status the method set).
    """

    def render(self, request):
        def send(body):
            request.setHeader(b"content-type", b"application/json")
            request.write(json.dumps(body).encode())
            request.finish()

        def failed(failure):
            log.failure("page failed", failure)
            request.setResponseCode(500)
            send({"error": failure.getErrorMessage()})

        defer.ensureDeferred(method(self, request)).addCallbacks(send, failed)
        return NOT_DONE_YET

    return render


class Counter(Resource):
    isLeaf = True

    def __init__(self, redis):
        Resource.__init__(self)
        self.redis = redis

    @page
    async def render_GET(self, request):
        return {"count": await self.redis.incr("webapp:hits")}


class Jobs(Resource):
    isLeaf = True

    def __init__(self, redis):
        Resource.__init__(self)
        self.redis = redis

    @page
    async def render_POST(self, request):
        name = request.args.get(b"name", [b"job"])[0]
        waiting = await self.redis.rpush("webapp:jobs", name)
        return {"queued": name.decode(), "waiting": waiting}

    @page
    async def render_GET(self, request):
        waiting = await self.redis.llen("webapp:jobs")
        done = await self.redis.get("webapp:done")
        return {"waiting": waiting, "done": int(done or 0)}


class Events(Resource):
    isLeaf = True

    def __init__(self, heard):
        Resource.__init__(self)
        self.heard = heard

    def render_GET(self, request):
        request.setHeader(b"content-type", b"application/json")
        return json.dumps({"done": self.heard[-10:]}).encode()


class Limited(Resource):
    isLeaf = True

    def __init__(self, redis, limit, window):
        Resource.__init__(self)
        self.script = redis.register_script(RATE_LIMIT)
        self.limit = limit
        self.window = window

    @page
    async def render_GET(self, request):
        calls = await self.script(keys=["webapp:calls"], args=[self.window])
        if calls > self.limit:
            request.setResponseCode(429)
            return {"error": "too many calls", "calls": calls}
        return {"calls": calls}


class Worker:
    """Takes jobs off the queue and announces each one done."""

    def __init__(self, redis):
        self.redis = redis
        self.running = True
        self.done = defer.ensureDeferred(self.run())

    async def run(self):
        while self.running:
            try:
                taken = await self.redis.blpop("webapp:jobs", 1)
            except Exception:
                if not self.running:
                    return
                log.failure("taking a job failed")
                continue
            if taken is not None:
                await self.redis.incr("webapp:done")
                await self.redis.publish("webapp:done", taken[1])

    def stop(self):
        self.running = False
        return self.done


class Root(Resource):
    """
    The application: built with no argument by C{twistd web --class}, then
    connecting to C{$MINIREDIS_ENDPOINT}.

    @ivar redis: the L{ClientPool}.
    @ivar heard: the jobs announced done, as the subscriber heard them.
    """

    def __init__(self, redis=None, limit=5, window=10):
        Resource.__init__(self)
        if redis is None:
            from twisted.internet import reactor

            endpoint = os.environ.get("MINIREDIS_ENDPOINT", "tcp:127.0.0.1:6379")
            redis = pool(reactor, endpoint, decode_responses=False)
        self.redis = redis
        self.heard = []
        self.subscriber = redis.subscriber(
            lambda message: self.heard.append(message.data.decode())
        )
        self.subscribed = self.subscriber.subscribe("webapp:done")
        self.worker = Worker(redis)
        self.putChild(b"count", Counter(redis))
        self.putChild(b"jobs", Jobs(redis))
        self.putChild(b"events", Events(self.heard))
        self.putChild(b"limited", Limited(redis, limit, window))

    def render_GET(self, request):
        request.setHeader(b"content-type", b"text/plain")
        return b"pages: /count /jobs /events /limited\n"

    @defer.inlineCallbacks
    def close(self):
        """Stop the worker and close the connections."""
        self.worker.running = False
        yield self.subscriber.disconnect()
        yield self.redis.disconnect()
        yield self.worker.done


def main(reactor, *argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--listen", default="tcp:8080")
    parser.add_argument("--redis", default="tcp:127.0.0.1:6379")
    parser.add_argument("--in-process", action="store_true")
    options = parser.parse_args(argv)
    if options.in_process:
        from miniredis import MiniRedisFactory
        from miniredis.client import in_process

        redis = in_process(MiniRedisFactory(clock=reactor), reactor, size=2)
    else:
        redis = pool(reactor, options.redis)
    root = Root(redis)
    endpoint = endpoints.serverFromString(reactor, options.listen)
    listening = endpoint.listen(Site(root))
    listening.addCallback(announce)
    return listening.addCallback(lambda _: defer.Deferred())


def announce(port):
    print("listening on", port.getHost().port, flush=True)


if __name__ == "__main__":
    task.react(main, sys.argv[1:])
