"""
Example huey tasks for the compose setup: a consumer runs them, anything may
enqueue them (C{python -c "import huey_tasks; huey_tasks.add(1, 2)"}).

miniredis stands in for Redis unchanged: huey's own RedisHuey, pointed at the
host and port in C{MINIREDIS_HOST} and C{MINIREDIS_PORT}.
"""

import os

from huey import RedisHuey, crontab

huey = RedisHuey(
    "app",
    host=os.environ.get("MINIREDIS_HOST", "127.0.0.1"),
    port=int(os.environ.get("MINIREDIS_PORT", "6379")),
    password=os.environ.get("MINIREDIS_PASSWORD") or None,
)


@huey.task()
def add(a, b):
    """Add two numbers (the result waits in huey.results.app)."""
    return a + b


@huey.periodic_task(crontab(minute="*"))
def heartbeat():
    """Once a minute: something to see in the dashboard's huey panel."""
    return "alive"
