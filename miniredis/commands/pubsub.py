"""
Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB.

Each (un)subscription is confirmed by its own reply, so these commands answer
with L{Replies}: several replies in a row (pushes under RESP3).
"""

from miniredis.commands import command, container
from miniredis.commands.introspection import help_reply
from miniredis.commands.spec import Arg, Block, Index, KeySpec, Range
from miniredis.glob import matcher
from miniredis.resp import Push, Replies


def _confirm(kind, name, session):
    count = len(session.channels) + len(session.patterns)
    if kind in (b"ssubscribe", b"sunsubscribe"):
        count = len(session.shard_channels)
    return Push([kind, name, count])


def _each(session, kind, names, change):
    """
    Apply C{change(session, name)} to each of C{names} in turn, confirming
    each with a C{kind} push that counts the subscriptions after it.
    """
    replies = Replies()
    for name in names:
        change(session, name)
        replies.append(_confirm(kind, name, session))
    return replies


@command(
    "subscribe",
    -2,
    "pubsub noscript loading stale",
    group="pubsub",
    since="2.0.0",
    args=[Arg("channel", flags="multiple")],
)
def subscribe(session, argv):
    """Receive the messages of channels."""
    return _each(session, b"subscribe", argv[1:], session.server.pubsub.subscribe)


@command(
    "ssubscribe",
    -2,
    "pubsub noscript loading stale",
    group="pubsub",
    since="7.0.0",
    keys=[KeySpec("not_key", Index(1), Range(-1))],
    args=[Arg("shardchannel", flags="multiple")],
)
def ssubscribe(session, argv):
    """Receive the messages of shard channels."""
    pubsub = session.server.pubsub
    return _each(
        session,
        b"ssubscribe",
        argv[1:],
        lambda s, name: pubsub.subscribe(s, name, shard=True),
    )


@command(
    "psubscribe",
    -2,
    "pubsub noscript loading stale",
    group="pubsub",
    since="2.0.0",
    args=[Block("pattern", Arg("pattern", "pattern"), flags="multiple")],
)
def psubscribe(session, argv):
    """Receive the messages of every channel matching glob patterns."""
    return _each(session, b"psubscribe", argv[1:], session.server.pubsub.psubscribe)


def _unsubscribe_all(session, kind, names, remove):
    if not names:
        return Replies([_confirm(kind, None, session)])
    return _each(session, kind, names, remove)


@command(
    "unsubscribe",
    -1,
    "pubsub noscript loading stale",
    group="pubsub",
    since="2.0.0",
    args=[Arg("channel", flags="optional multiple")],
)
def unsubscribe(session, argv):
    """Stop receiving the messages of channels."""
    names = argv[1:] or sorted(session.channels)
    return _unsubscribe_all(
        session, b"unsubscribe", names, session.server.pubsub.unsubscribe
    )


@command(
    "sunsubscribe",
    -1,
    "pubsub noscript loading stale",
    group="pubsub",
    since="7.0.0",
    keys=[KeySpec("not_key", Index(1), Range(-1))],
    args=[Arg("shardchannel", flags="optional multiple")],
)
def sunsubscribe(session, argv):
    """Stop receiving the messages of shard channels."""
    pubsub = session.server.pubsub
    names = argv[1:] or sorted(session.shard_channels)
    return _unsubscribe_all(
        session,
        b"sunsubscribe",
        names,
        lambda s, name: pubsub.unsubscribe(s, name, shard=True),
    )


@command(
    "punsubscribe",
    -1,
    "pubsub noscript loading stale",
    group="pubsub",
    since="2.0.0",
    args=[Arg("pattern", "pattern", flags="optional multiple")],
)
def punsubscribe(session, argv):
    """Stop receiving the messages of channel patterns."""
    names = argv[1:] or sorted(session.patterns)
    return _unsubscribe_all(
        session, b"punsubscribe", names, session.server.pubsub.punsubscribe
    )


@command(
    "publish",
    3,
    "pubsub loading stale fast may_replicate",
    group="pubsub",
    since="2.0.0",
    args=[Arg("channel"), Arg("message")],
)
def publish(session, argv):
    """Send a message to the subscribers of a channel."""
    return session.server.pubsub.publish(argv[1], argv[2])


@command(
    "spublish",
    3,
    "pubsub loading stale fast may_replicate",
    group="pubsub",
    since="7.0.0",
    keys=[KeySpec("not_key", Index(1), Range(0))],
    args=[Arg("shardchannel"), Arg("message")],
)
def spublish(session, argv):
    """Send a message to the subscribers of a shard channel."""
    return session.server.pubsub.publish(argv[1], argv[2], shard=True)


container(
    "pubsub",
    -2,
    group="pubsub",
    since="2.8.0",
    summary="Commands that look at channels and their subscribers.",
)


def _matching(names, argv):
    if len(argv) > 2:
        match = matcher(argv[2])
        return [name for name in names if match(name)]
    return list(names)


@command(
    "pubsub|channels",
    -2,
    "pubsub loading stale",
    group="pubsub",
    since="2.8.0",
    args=[Arg("pattern", "pattern", flags="optional")],
)
def pubsub_channels(session, argv):
    """List the channels that have subscribers (matching a pattern)."""
    return _matching(session.server.pubsub.channels, argv)


@command(
    "pubsub|shardchannels",
    -2,
    "pubsub loading stale",
    group="pubsub",
    since="7.0.0",
    args=[Arg("pattern", "pattern", flags="optional")],
)
def pubsub_shardchannels(session, argv):
    """List the shard channels that have subscribers."""
    return _matching(session.server.pubsub.shard_channels, argv)


@command(
    "pubsub|numsub",
    -2,
    "pubsub loading stale",
    group="pubsub",
    since="2.8.0",
    args=[Arg("channel", flags="optional multiple")],
)
def pubsub_numsub(session, argv):
    """Count the subscribers of each channel given."""
    channels = session.server.pubsub.channels
    out = []
    for channel in argv[2:]:
        out += [channel, len(channels.get(channel, ()))]
    return out


@command(
    "pubsub|shardnumsub",
    -2,
    "pubsub loading stale",
    group="pubsub",
    since="7.0.0",
    args=[Arg("shardchannel", flags="optional multiple")],
)
def pubsub_shardnumsub(session, argv):
    """Count the subscribers of each shard channel given."""
    channels = session.server.pubsub.shard_channels
    out = []
    for channel in argv[2:]:
        out += [channel, len(channels.get(channel, ()))]
    return out


@command("pubsub|numpat", 2, "pubsub loading stale", group="pubsub", since="2.8.0")
def pubsub_numpat(session, argv):
    """Count the pattern subscriptions of all clients."""
    return len(session.server.pubsub.patterns)


@command("pubsub|help", 2, "loading stale", group="pubsub", since="6.2.0")
def pubsub_help(session, argv):
    """Show what PUBSUB can do."""
    return help_reply(
        [
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern>"
            " (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
            "HELP",
            "    Prints this help.",
        ]
    )
