"""
CLUSTER, READONLY, READWRITE and ASKING, answered as a standalone
redis-server answers them: miniredis is never a cluster node, so each of
them says cluster support is disabled (after the usual checks of the
subcommand and its arity). To grow past one process, move into a real
Redis Cluster (see the README).
"""

from miniredis.commands import command, container
from miniredis.commands.spec import Arg, Block, OneOf, Token
from miniredis.resp import ReplyError

DISABLED = "ERR This instance has cluster support disabled"


def cluster_disabled(session, argv):
    """Refuse, as a server without cluster support does."""
    raise ReplyError(DISABLED)


container(
    "cluster",
    -2,
    summary="Cluster commands, all refused: miniredis runs standalone.",
    group="cluster",
    since="3.0.0",
)
command(
    "cluster|addslots",
    -3,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
    args=[Arg("slot", "integer", flags="multiple")],
)(cluster_disabled)
command(
    "cluster|addslotsrange",
    -4,
    "admin stale no_async_loading",
    group="cluster",
    since="7.0.0",
    args=[
        Block(
            "start-slot_end-slot",
            Arg("start-slot", "integer"),
            Arg("end-slot", "integer"),
            flags="multiple",
        )
    ],
)(cluster_disabled)
command(
    "cluster|bumpepoch",
    2,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
    tips="nondeterministic_output",
)(cluster_disabled)
command(
    "cluster|count-failure-reports",
    3,
    "admin stale",
    group="cluster",
    since="3.0.0",
    args=[Arg("node-id")],
    tips="nondeterministic_output",
)(cluster_disabled)
command(
    "cluster|countkeysinslot",
    3,
    "stale",
    group="cluster",
    since="3.0.0",
    args=[Arg("slot", "integer")],
)(cluster_disabled)
command(
    "cluster|delslots",
    -3,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
    args=[Arg("slot", "integer", flags="multiple")],
)(cluster_disabled)
command(
    "cluster|delslotsrange",
    -4,
    "admin stale no_async_loading",
    group="cluster",
    since="7.0.0",
    args=[
        Block(
            "start-slot_end-slot",
            Arg("start-slot", "integer"),
            Arg("end-slot", "integer"),
            flags="multiple",
        )
    ],
)(cluster_disabled)
command(
    "cluster|failover",
    -2,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
    args=[OneOf("options", Token("FORCE"), Token("TAKEOVER"), flags="optional")],
)(cluster_disabled)
command(
    "cluster|flushslots",
    2,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
)(cluster_disabled)
command(
    "cluster|forget",
    3,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
    args=[Arg("node-id")],
)(cluster_disabled)
command(
    "cluster|getkeysinslot",
    4,
    "stale",
    group="cluster",
    since="3.0.0",
    args=[Arg("slot", "integer"), Arg("count", "integer")],
    tips="nondeterministic_output",
)(cluster_disabled)
command("cluster|help", 2, "loading stale", group="cluster", since="5.0.0")(
    cluster_disabled
)
command(
    "cluster|info",
    2,
    "stale",
    group="cluster",
    since="3.0.0",
    tips="nondeterministic_output",
)(cluster_disabled)
command(
    "cluster|keyslot", 3, "stale", group="cluster", since="3.0.0", args=[Arg("key")]
)(cluster_disabled)
command(
    "cluster|links",
    2,
    "stale",
    group="cluster",
    since="7.0.0",
    tips="nondeterministic_output",
)(cluster_disabled)
command(
    "cluster|meet",
    -4,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
    args=[
        Arg("ip"),
        Arg("port", "integer"),
        Arg("cluster_bus_port", "integer", flags="optional", since="4.0.0"),
    ],
)(cluster_disabled)
command("cluster|myid", 2, "stale", group="cluster", since="3.0.0")(cluster_disabled)
command(
    "cluster|nodes",
    2,
    "stale",
    group="cluster",
    since="3.0.0",
    tips="nondeterministic_output",
)(cluster_disabled)
command(
    "cluster|replicas",
    3,
    "admin stale",
    group="cluster",
    since="5.0.0",
    args=[Arg("node-id")],
    tips="nondeterministic_output",
)(cluster_disabled)
command(
    "cluster|replicate",
    3,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
    args=[Arg("node-id")],
)(cluster_disabled)
command(
    "cluster|reset",
    -2,
    "admin noscript stale",
    group="cluster",
    since="3.0.0",
    args=[OneOf("hard_soft", Token("HARD"), Token("SOFT"), flags="optional")],
)(cluster_disabled)
command(
    "cluster|saveconfig",
    2,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
)(cluster_disabled)
command(
    "cluster|set-config-epoch",
    3,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
    args=[Arg("config-epoch", "integer")],
)(cluster_disabled)
command(
    "cluster|setslot",
    -4,
    "admin stale no_async_loading",
    group="cluster",
    since="3.0.0",
    args=[
        Arg("slot", "integer"),
        OneOf(
            "subcommand",
            Arg("node-id", token="IMPORTING"),
            Arg("node-id", token="MIGRATING"),
            Arg("node-id", token="NODE"),
            Token("STABLE"),
        ),
    ],
)(cluster_disabled)
command(
    "cluster|shards",
    2,
    "stale",
    group="cluster",
    since="7.0.0",
    tips="nondeterministic_output",
)(cluster_disabled)
command(
    "cluster|slaves",
    3,
    "admin stale",
    group="cluster",
    since="3.0.0",
    args=[Arg("node-id")],
    tips="nondeterministic_output",
    doc_flags="deprecated",
    deprecated_since="5.0.0",
    replaced_by="`CLUSTER REPLICAS`",
)(cluster_disabled)
command(
    "cluster|slots",
    2,
    "stale",
    group="cluster",
    since="3.0.0",
    tips="nondeterministic_output",
    doc_flags="deprecated",
    deprecated_since="7.0.0",
    replaced_by="`CLUSTER SHARDS`",
)(cluster_disabled)


@command(
    "readonly",
    1,
    "loading stale fast",
    group="cluster",
    since="3.0.0",
    acl="connection",
)
def readonly(session, argv):
    """Ask to read from a cluster replica: refused, this is no cluster node."""
    raise ReplyError(DISABLED)


@command(
    "readwrite",
    1,
    "loading stale fast",
    group="cluster",
    since="3.0.0",
    acl="connection",
)
def readwrite(session, argv):
    """Go back to reading from masters only: refused, this is no cluster node."""
    raise ReplyError(DISABLED)


@command("asking", 1, "fast", group="cluster", since="3.0.0", acl="connection")
def asking(session, argv):
    """Follow an ASK redirection: refused, this is no cluster node."""
    raise ReplyError(DISABLED)
