"""
maxmemory: the memory the server uses, held to its limit.

miniredis counts what it uses as the resident set size of the process (what
INFO reports as C{used_memory}), read ten times a second while a limit is
set and at once when the limit changes. Over the limit, commands flagged
C{denyoom} are refused with Redis's C{-OOM} error, as Redis's C{noeviction}
policy does; reads and deletes go on, so a client can make room.

The evicting policies (C{allkeys-lru} and the others) are not implemented
yet: with a limit set, the configuration refuses them rather than accept a
policy it would not follow.

Usage::

    limit = MemoryLimit(config)
    limit.sample()          # ten times a second
    limit.over              # refuse denyoom commands
"""

import os
import sys

try:
    import resource
except ImportError:  # Windows
    resource = None

OOM = "OOM command not allowed when used memory > 'maxmemory'."
EVICTING = frozenset(
    [
        "allkeys-lru",
        "allkeys-lfu",
        "allkeys-random",
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ]
)


def resident_size():
    """@return: the resident memory of this process, in bytes."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        if resource is None:
            return 0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def check_policy(config):
    """
    @raise ValueError: for a limit with a policy that would evict keys,
        which miniredis does not do yet.
    """
    if config["maxmemory"] and config["maxmemory-policy"] in EVICTING:
        raise ValueError(
            "miniredis does not evict keys yet: with maxmemory set, "
            "maxmemory-policy must be noeviction"
        )


class MemoryLimit:
    """
    The C{maxmemory} limit of one server.

    @ivar over: whether the last sample found the process over the limit.
    """

    def __init__(self, config, changed=lambda: None):
        """
        @param changed: called when C{over} changes.
        """
        self._config = config
        self._changed = changed
        self.over = False
        config.listeners.setdefault("maxmemory", []).append(lambda value: self.sample())

    def sample(self):
        limit = self._config["maxmemory"]
        over = bool(limit) and resident_size() > limit
        if over != self.over:
            self.over = over
            self._changed()
