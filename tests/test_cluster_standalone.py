"""
CLUSTER, READONLY, READWRITE and ASKING on a standalone server: miniredis
answers as redis-server does without cluster support.
"""

import pytest


@pytest.mark.parametrize(
    "line",
    [
        ("CLUSTER", "INFO"),
        ("CLUSTER", "SLOTS"),
        ("CLUSTER", "SHARDS"),
        ("CLUSTER", "NODES"),
        ("CLUSTER", "MYID"),
        ("CLUSTER", "HELP"),
        ("CLUSTER", "KEYSLOT", "foo"),
        ("CLUSTER", "COUNTKEYSINSLOT", "1"),
        ("CLUSTER", "GETKEYSINSLOT", "1", "1"),
        ("CLUSTER", "ADDSLOTS", "1", "2"),
        ("CLUSTER", "SETSLOT", "1", "NODE", "x"),
        ("CLUSTER", "RESET"),
        ("CLUSTER", "FAILOVER", "FORCE"),
        ("CLUSTER", "BOGUS"),
        ("CLUSTER",),
        ("CLUSTER", "INFO", "extra"),
        ("CLUSTER", "KEYSLOT"),
        ("READONLY",),
        ("READWRITE",),
        ("ASKING",),
        ("READONLY", "x"),
    ],
)
def test_cluster_commands_match_a_standalone_redis(differ, line):
    differ.check(*line)


def test_inside_multi_and_scripts(differ):
    differ.run(
        [
            ("MULTI",),
            ("CLUSTER", "INFO"),
            ("READONLY",),
            ("EXEC",),
            ("EVAL", "return redis.pcall('cluster', 'info')", "0"),
            ("EVAL", "return redis.pcall('readwrite')", "0"),
        ]
    )
