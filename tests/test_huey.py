"""
huey end to end: a real C{huey_consumer} process with four worker threads
against a miniredis process, once for each of huey's four Redis storages.

The tests enqueue from this process with the same application
(L{tests.huey_app}) and check every result.
"""

import os
import time
import uuid

import pytest
from huey.contrib.helpers import RedisSemaphore
from huey.exceptions import TaskException

from tests import huey_app
from tests.servers import miniredis_process, redis_process

WAIT = 20  # seconds a blocking result get may take at most


@pytest.fixture(scope="module")
def huey_server(tmp_path_factory):
    """
    A miniredis process of its own for this module (a real redis-server
    with C{MINIREDIS_HUEY_AGAINST=redis}, to check the tests themselves).
    """
    make = miniredis_process
    if os.environ.get("MINIREDIS_HUEY_AGAINST") == "redis":
        make = redis_process
    server = make(str(tmp_path_factory.mktemp("huey-server")))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=huey_app.STORAGES)
def app(request, huey_server, tmp_path_factory):
    """
    An application on each storage, its queue served by a consumer with
    four worker threads.
    """
    storage = request.param
    app = huey_app.create(storage, huey_server.port)
    app.huey.flush()
    app.conn.delete(app.runs_key)
    logfile = str(tmp_path_factory.mktemp("huey") / ("%s.log" % (storage,)))
    consumer = huey_app.Consumer(storage, huey_server.port, logfile).start()
    app.consumer = consumer
    yield app
    consumer.stop()


def consumer_log(app):
    return "\n--- consumer log ---\n" + app.consumer.log()[-4000:]


def get(app, result):
    """@return: the value of C{result}, waiting for it (BLPOP)."""
    try:
        return result.get(blocking=True, timeout=WAIT)
    except TaskException:
        raise
    except Exception as e:
        raise AssertionError("%r%s" % (e, consumer_log(app)))


def error_of(app, result):
    """@return: the error text of a task that must have failed."""
    with pytest.raises(TaskException) as caught:
        get(app, result)
    return caught.value.metadata


def test_results(app):
    """Plain tasks: every result comes back, each exactly once."""
    results = [app.add(i, 1000) for i in range(40)]
    values = [i + 1000 for i in range(40)]
    assert [get(app, r) for r in results] == values
    again = [app.huey.result(r.id) for r in results]
    if "Expire" in type(app.huey).__name__:
        assert again == values  # results expire, reading keeps them
    else:
        assert again == [None] * 40  # reading a result removes it
    assert app.huey.pending_count() == 0


def test_retries(app):
    """A task failing twice then succeeding; one failing more than its retries."""
    tag = uuid.uuid4().hex
    assert get(app, app.flaky(tag + "a", 2)) == 3
    assert app.attempts(tag + "a") == 3
    metadata = error_of(app, app.flaky(tag + "b", 5, retries=1))
    assert "ValueError('attempt 2 of %sb fails')" % (tag,) == metadata["error"]
    assert metadata["retries"] == 0
    assert app.attempts(tag + "b") == 2


def test_scheduled_not_run_early(app):
    """A task scheduled two seconds ahead runs then, not before."""
    enqueued = time.time()
    result = app.stamp.schedule(("scheduled",), delay=2)
    deadline = time.monotonic() + 1.5
    while app.huey.scheduled_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [t.id for t in app.huey.scheduled()] == [result.id]
    ran_at = get(app, result)
    assert enqueued + 2 <= ran_at < enqueued + 2 + 5


def test_lock_task(app):
    """Two tasks under one lock at once: one runs, the other is refused."""
    first = app.hold_lock("first", 1.0)
    second = app.hold_lock("second", 1.0)
    outcomes = []
    for result in (first, second):
        try:
            outcomes.append(get(app, result))
        except TaskException as e:
            outcomes.append(e.metadata["error"])
    assert sorted(outcomes, key=len) in (
        ["first", "TaskLockedException('unable to acquire lock shared')"],
        ["second", "TaskLockedException('unable to acquire lock shared')"],
    ), outcomes
    assert not app.huey.is_locked("shared")


def test_revoked_tasks_never_run(app):
    """
    A scheduled task revoked before its time, and an immediate task revoked
    by id before it is enqueued, never run; their neighbours do.
    """
    revoked = app.record.schedule(("revoked-scheduled",), delay=1)
    kept = app.record.schedule(("kept-scheduled",), delay=1)
    revoked.revoke()
    task_id = str(uuid.uuid4())
    app.huey.revoke_by_id(task_id)
    immediate = app.huey.enqueue(app.record.s("revoked-immediate", id=task_id))
    assert get(app, kept) == "kept-scheduled"
    assert get(app, app.record("after")) == "after"
    runs = app.runs()
    assert "kept-scheduled" in runs and "after" in runs
    assert "revoked-scheduled" not in runs
    assert "revoked-immediate" not in runs
    assert revoked.get() is None and immediate.get() is None


def test_blocking_result_uses_notification(app, monkeypatch):
    """
    With C{notify_result}, a blocking get waits in BLPOP and is woken by the
    consumer's notification, not by its timeout.
    """
    calls = []
    blpop = app.conn.blpop

    def spy(*args, **kwargs):
        reply = blpop(*args, **kwargs)
        calls.append(reply)
        return reply

    monkeypatch.setattr(app.conn, "blpop", spy)
    started = time.monotonic()
    assert get(app, app.slow(42, 0.5)) == 42
    assert time.monotonic() - started < WAIT
    assert len(calls) == 1 and calls[0] is not None, calls
    assert calls[0][1] == b"1"


def test_semaphore_task(app):
    """Four tasks on a semaphore of two slots at once: two run, two are refused."""
    results = [app.hold_semaphore("s%d" % i, 1.0) for i in range(4)]
    ran, refused = [], []
    for result in results:
        try:
            ran.append(get(app, result))
        except TaskException as e:
            refused.append(e.metadata["error"])
    assert len(ran) == 2, (ran, refused)
    assert refused == ["TaskLockedException('unable to acquire lock pair')"] * 2
    assert app.conn.zcard("%s.lock.pair" % (app.name,)) == 0


def test_semaphore_direct(app):
    """RedisSemaphore's Lua scripts: acquire up to the limit, renew, release."""
    semaphore = RedisSemaphore(app.huey, "direct", value=2, timeout=60)
    first = semaphore.acquire()
    second = semaphore.acquire()
    assert first and second and first != second
    assert semaphore.acquire() is None
    assert semaphore.acquire(first) == first  # a holder may acquire again
    assert semaphore.renew(first) is True
    assert semaphore.renew("nobody") is False
    assert semaphore.release(first) == 1
    third = semaphore.acquire()
    assert third is not None
    assert semaphore.release(second) == 1 and semaphore.release(third) == 1
    assert app.conn.zcard(semaphore.key) == 0


@pytest.mark.parametrize(
    "storage", [s for s in huey_app.STORAGES if s.startswith("Priority")]
)
def test_priorities(storage, huey_server, tmp_path):
    """
    Tasks enqueued while no consumer runs are taken by priority, then in
    the order they came: high ones first, with a single worker.
    """
    name = "prio_" + storage
    app = huey_app.create(storage, huey_server.port, name=name)
    app.huey.flush()
    app.conn.delete(app.runs_key)
    tags = []
    for i in range(4):
        for priority in (1, 10, 5):
            tag = "p%d-%d" % (priority, i)
            tags.append((priority, tag))
            app.record(tag, priority=priority)
    assert app.huey.pending_count() == 12
    consumer = huey_app.Consumer(
        storage, huey_server.port, str(tmp_path / "consumer.log"), name=name, workers=1
    )
    consumer.start()
    try:
        deadline = time.monotonic() + WAIT
        while len(app.runs()) < 12 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop()
    expected = [tag for _, tag in sorted(tags, key=lambda t: -t[0])]
    assert app.runs() == expected, consumer.log()[-4000:]


def test_expire_storage_results_have_ttl(huey_server):
    """RedisExpireHuey stores results with SET ... EX and keeps them on read."""
    app = huey_app.create("RedisExpireHuey", huey_server.port, name="ttl_check")
    app.huey.flush()
    app.huey.storage.put_data("k", b"v", is_result=True)
    key = app.huey.storage.result_key("k")
    assert 86000 < app.conn.ttl(key) <= 86400
    assert app.huey.storage.pop_data("k") == b"v"
    assert app.conn.exists(key) == 1
    app.huey.flush()
