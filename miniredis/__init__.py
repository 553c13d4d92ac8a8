"""
miniredis: a Redis-compatible key-value server on Twisted.

Usage::

    from miniredis import MiniRedisFactory, makeService
    factory = MiniRedisFactory()          # listen with it on any endpoint
    factory.store.db(0).set(b"k", b"v")   # and use its store in-process
"""

from miniredis.protocol import MiniRedisFactory
from miniredis.store import Database, Store, Typed
from miniredis.tap import Options, makeService
from miniredis.version import __redis_version__, __version__

__all__ = [
    "MiniRedisFactory",
    "Store",
    "Database",
    "Typed",
    "Options",
    "makeService",
    "__version__",
    "__redis_version__",
]
