"""
Every parameter of redis-server 7.0.15 that miniredis takes with no effect
(config.NO_EFFECT) is still read and checked as Redis reads and checks it:
the same default, the same errors, the same form once set.
"""

import pytest

from miniredis.config import _NO_EFFECT_PARAMETERS, ALIASES

NAMES = sorted(_NO_EFFECT_PARAMETERS) + sorted(
    alias for alias, name in ALIASES.items() if name in _NO_EFFECT_PARAMETERS
)
BAD_VALUES = ["abc", "-1", "99999999999999999999", "", "yes no"]


@pytest.mark.parametrize("name", NAMES)
def test_default_and_errors(differ, name):
    default = differ.both("CONFIG", "GET", name)[0]
    differ.check("CONFIG", "GET", name)
    try:
        for value in BAD_VALUES:
            differ.check("CONFIG", "SET", name, value)
    finally:
        value = default[name.encode()] if isinstance(default, dict) else default[1]
        differ.both("CONFIG", "SET", name, value)
    differ.check("CONFIG", "GET", name)


@pytest.mark.parametrize(
    "name, value",
    [
        ("client-output-buffer-limit", "pubsub 1mb 2k 5"),
        ("client-output-buffer-limit", "slave 10 20 30 normal 1 2 3"),
        ("client-output-buffer-limit", "foo 1 2 3"),
        ("client-output-buffer-limit", "normal 1 2 x"),
        ("latency-tracking-info-percentiles", "50.5 99 99.99"),
        ("latency-tracking-info-percentiles", "50 101"),
        ("oom-score-adj-values", "1 2 3000"),
        ("active-defrag-cycle-max", "100"),
        ("hash-max-ziplist-entries", "100"),
        ("oom-score-adj", "RELATIVE"),
    ],
)
def test_values(differ, name, value):
    default = differ.both("CONFIG", "GET", name)[0]
    try:
        differ.check("CONFIG", "SET", name, value)
        differ.check("CONFIG", "GET", name)
    finally:
        value = default[name.encode()] if isinstance(default, dict) else default[1]
        differ.both("CONFIG", "SET", name, value)
