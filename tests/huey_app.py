"""
A huey application for the end-to-end tests (L{tests.test_huey}) and the
huey benchmark (C{bench/huey_bench.py}).

A consumer process loads it from the environment::

    MINIREDIS_HUEY_PORT=6380 MINIREDIS_HUEY_STORAGE=PriorityRedisHuey \\
        python3 -m huey.bin.huey_consumer tests.huey_app.huey -w 4 -k thread

C{MINIREDIS_HUEY_STORAGE} names one of L{STORAGES} (RedisHuey by default)
and C{MINIREDIS_HUEY_NAME} the application's name (its keys' prefix; by
default derived from the storage). The enqueueing side builds the same
application in-process with L{create}, so that task names match.
"""

import os
import signal
import subprocess
import sys
import time

import huey as _huey
from huey.contrib.helpers import lock_task_semaphore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STORAGES = (
    "RedisHuey",
    "PriorityRedisHuey",
    "RedisExpireHuey",
    "PriorityRedisExpireHuey",
)


def default_name(storage):
    return "t_" + storage


class App:
    """
    A huey instance and its tasks.

    @ivar huey: the L{huey.Huey} instance.
    @ivar runs_key: a Redis list each recording task appends its tag to.
    """

    def __init__(self, storage, port, name=None):
        cls = getattr(_huey, storage)
        self.name = name or default_name(storage)
        self.huey = cls(
            self.name,
            host="127.0.0.1",
            port=port,
            notify_result=True,
            read_timeout=1,
            store_intermediate_errors=False,
        )
        self.runs_key = "%s:runs" % (self.name,)
        self._define_tasks()

    @property
    def conn(self):
        """The redis-py client of the storage."""
        return self.huey.storage.conn

    def runs(self):
        """@return: the tags recorded so far, in the order the tasks ran."""
        return [tag.decode() for tag in self.conn.lrange(self.runs_key, 0, -1)]

    def attempts(self, tag):
        """@return: how many times L{flaky} ran for C{tag}."""
        return int(self.conn.get("%s:attempts:%s" % (self.name, tag)) or 0)

    def _define_tasks(self):
        huey = self.huey
        conn = self.conn
        runs_key = self.runs_key
        name = self.name

        @huey.task()
        def add(a, b):
            return a + b

        @huey.task()
        def timed(value):
            """@return: C{value} doubled, and when the task ran."""
            return [value * 2, time.time()]

        @huey.task()
        def record(tag):
            """Append C{tag} to the runs list; return it."""
            conn.rpush(runs_key, tag)
            return tag

        @huey.task()
        def stamp(tag):
            """Record C{tag} and return when the task ran (epoch seconds)."""
            conn.rpush(runs_key, tag)
            return time.time()

        @huey.task(retries=3)
        def flaky(tag, failures):
            """Fail C{failures} times, then return the attempt number."""
            attempt = conn.incr("%s:attempts:%s" % (name, tag))
            if attempt <= failures:
                raise ValueError("attempt %d of %s fails" % (attempt, tag))
            return attempt

        @huey.task()
        def hold_lock(tag, seconds):
            """Hold the task lock C{shared} for C{seconds}."""
            with huey.lock_task("shared"):
                time.sleep(seconds)
            return tag

        @huey.task()
        @lock_task_semaphore(huey, "pair", 2)
        def hold_semaphore(tag, seconds):
            """Hold one of the two slots of the semaphore C{pair}."""
            time.sleep(seconds)
            return tag

        @huey.task()
        def slow(value, seconds):
            time.sleep(seconds)
            return value

        self.add = add
        self.timed = timed
        self.record = record
        self.stamp = stamp
        self.flaky = flaky
        self.hold_lock = hold_lock
        self.hold_semaphore = hold_semaphore
        self.slow = slow


class Consumer:
    """
    A C{huey_consumer} process running this module's application.

    @ivar logfile: where its output goes.
    """

    def __init__(self, storage, port, logfile, name=None, workers=4):
        self.logfile = logfile
        env = dict(os.environ)
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        env["MINIREDIS_HUEY_STORAGE"] = storage
        env["MINIREDIS_HUEY_PORT"] = str(port)
        env["MINIREDIS_HUEY_NAME"] = name or default_name(storage)
        self.env = env
        self.argv = [
            sys.executable,
            "-m",
            "huey.bin.huey_consumer",
            "tests.huey_app.huey",
            "-w",
            str(workers),
            "-k",
            "thread",
            "-C",
        ]
        self.process = None

    def start(self, timeout=20.0):
        """Start the consumer and wait until its workers run."""
        with open(self.logfile, "ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while "Huey consumer started" not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("huey consumer did not start:\n" + self.log())
            time.sleep(0.05)
        return self

    def stop(self):
        """Stop at once (SIGTERM: running tasks are interrupted)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self):
        with open(self.logfile, "rb") as f:
            return f.read().decode("utf-8", "replace")


def create(storage, port, name=None):
    """@return: an L{App} on the server at C{port}."""
    return App(storage, port, name)


_from_env = None


def __getattr__(attribute):
    """C{tests.huey_app.huey}: the application the environment describes."""
    global _from_env
    if attribute != "huey":
        raise AttributeError(attribute)
    if _from_env is None:
        storage = os.environ.get("MINIREDIS_HUEY_STORAGE", "RedisHuey")
        _from_env = create(
            storage,
            int(os.environ["MINIREDIS_HUEY_PORT"]),
            os.environ.get("MINIREDIS_HUEY_NAME"),
        )
    return _from_env.huey
