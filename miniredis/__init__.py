"""
miniredis: a Redis-compatible key-value server on Twisted.

Usage::

    from miniredis import MiniRedisFactory, makeService
    factory = MiniRedisFactory()          # listen with it on any endpoint
    factory.store.db(0).set(b"k", b"v")   # and use its store in-process
"""

from miniredis.version import __redis_version__, __version__

# Loaded on first use, so that importing a part of the package (the codec,
# miniredis.resp, in a client) does not load the server and the commands.
_LAZY = {
    "MiniRedisFactory": "miniredis.protocol",
    "Store": "miniredis.store",
    "Database": "miniredis.store",
    "Typed": "miniredis.store",
    "Options": "miniredis.tap",
    "makeService": "miniredis.tap",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module 'miniredis' has no attribute %r" % (name,))
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


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
