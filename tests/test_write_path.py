"""
The reply write path (L{miniredis.protocol.write_now}): replies sent at once
when nothing is queued, the rest queued behind in order, over a real socket.
"""

from tests.servers import RawConnection


def test_large_replies_stay_in_order(mini_server):
    """
    Replies larger than the socket buffer are partly sent at once and partly
    queued; replies written after them must wait their turn.
    """
    conn = RawConnection(mini_server.port, timeout=30)
    try:
        big = b"x" * (8 * 1024 * 1024)
        assert conn.call("SET", "write-path:big", big) == b"OK"
        requests = []
        for i in range(4):
            requests += [["GET", "write-path:big"], ["ECHO", "after-%d" % i]]
        for request in requests:
            conn.send(*request)
        replies = [conn.read() for _ in requests]
        for i in range(4):
            assert replies[2 * i] == big
            assert replies[2 * i + 1] == b"after-%d" % i
        assert conn.call("DEL", "write-path:big") == 1
    finally:
        conn.close()


def test_many_small_pipelined_replies(mini_server):
    """Thousands of pipelined replies come back whole and in order."""
    conn = RawConnection(mini_server.port)
    try:
        for i in range(5000):
            conn.send("ECHO", "%d" % i)
        assert [conn.read() for _ in range(5000)] == [b"%d" % i for i in range(5000)]
    finally:
        conn.close()
