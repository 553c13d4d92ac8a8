"""
miniredis: a Redis-compatible key-value server on Twisted.

Usage::

    from miniredis import MiniRedisFactory, makeService
    factory = MiniRedisFactory()          # listen with it on any endpoint
    factory.store.db(0).set(b"k", b"v")   # and use its store in-process
"""

__version__ = "0.1.0"
__redis_version__ = "7.0.15"

from miniredis.protocol import MiniRedisFactory  # noqa: E402
from miniredis.store import Database, Store, Typed  # noqa: E402
from miniredis.tap import Options, makeService  # noqa: E402

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
