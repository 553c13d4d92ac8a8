"""
Pub/sub: differential tests over real sockets, plus RESP3 pushes.
"""

import time

import pytest

from miniredis.resp import Push
from tests.servers import RawConnection


@pytest.fixture
def pairs(redis_server, mini_server):
    """Two connections to each server: C{{"real": (a, b), "mini": (a, b)}}."""
    made = {}
    for name, server in (("real", redis_server), ("mini", mini_server)):
        made[name] = (RawConnection(server.port), RawConnection(server.port))
    yield made
    for a, b in made.values():
        a.close()
        b.close()


def _both(pairs, step):
    return {name: step(*conns) for name, conns in pairs.items()}


def test_subscribe_publish_unsubscribe(pairs):
    def step(sub, pub):
        replies = []
        sub.send("SUBSCRIBE", "a", "b")
        replies += [sub.read(), sub.read()]
        sub.send("PSUBSCRIBE", "n*")
        replies.append(sub.read())
        replies.append(pub.call("PUBLISH", "a", "hello"))
        replies.append(sub.read())
        replies.append(pub.call("PUBLISH", "news", "x"))
        replies.append(sub.read())
        replies.append(pub.call("PUBSUB", "NUMSUB", "a", "zz"))
        replies.append(sorted(pub.call("PUBSUB", "CHANNELS")))
        replies.append(pub.call("PUBSUB", "CHANNELS", "a*"))
        replies.append(pub.call("PUBSUB", "NUMPAT"))
        replies.append(sub.call("GET", "k"))
        replies.append(sub.call("PING"))
        sub.send("UNSUBSCRIBE", "b")
        replies.append(sub.read())
        sub.send("UNSUBSCRIBE")
        replies.append(sub.read())
        sub.send("PUNSUBSCRIBE")
        replies.append(sub.read())
        sub.send("UNSUBSCRIBE")
        replies.append(sub.read())
        replies.append(pub.call("PUBLISH", "a", "nobody"))
        return replies

    result = _both(pairs, step)
    assert result["mini"] == result["real"]


def test_resp3_push_and_commands_while_subscribed(mini_server):
    conn = RawConnection(mini_server.port, proto=3)
    other = RawConnection(mini_server.port)
    conn.send("SUBSCRIBE", "ch")
    reply = conn.read()
    assert type(reply) is Push and reply == [b"subscribe", b"ch", 1]
    assert conn.call("SET", "k", "v") == b"OK"
    assert other.call("PUBLISH", "ch", "m") == 1
    message = conn.read()
    assert type(message) is Push and message == [b"message", b"ch", b"m"]
    conn.close()
    deadline = time.time() + 5
    while other.call("PUBSUB", "NUMSUB", "ch") != [b"ch", 0]:
        assert time.time() < deadline, "a closed subscriber was not dropped"
        time.sleep(0.01)
    other.close()
