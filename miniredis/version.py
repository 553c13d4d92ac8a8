"""The versions of miniredis and of the Redis it behaves as."""

__version__ = "0.1.0"
__redis_version__ = "7.0.15"
