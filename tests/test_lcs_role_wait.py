"""
LCS, ROLE and WAIT: differential tests against Redis, and WAIT's blocking
on a socketless server with a fake clock.
"""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miniredis.commands.strings import _lcs_rows, _lcs_walk
from miniredis.resp import ReplyError
from tests.differential import block_both
from tests.local import Client

# ------------------------------------------------------------------- LCS

_PAIRS = [
    ("ohmytext", "mynewtext"),
    ("", ""),
    ("abc", ""),
    ("", "abc"),
    ("abc", "abc"),
    ("abc", "def"),
    ("a", "a"),
    ("ab", "ba"),
    ("abab", "baba"),
    ("aaaa", "aa"),
    ("aa", "aaaa"),
    ("abcbdab", "bdcaba"),
    ("xaxbxcx", "abc"),
    ("ACCGGTCGAGTGCGCGGAAGCCGGCCGAA", "GTCGTTCGGAATGCCGTTGCTCTGTAAA"),
    ("rosettacode", "raisethysword"),
    ("thisisatest", "testing123testing"),
    ("1234", "1224533324"),
    ("hello world", "world hello"),
    ("\x00\xff\x00", "\xff\x00\xff"),
    ("mississippi", "misisipi"),
]

_OPTIONS = [
    (),
    ("LEN",),
    ("IDX",),
    ("IDX", "WITHMATCHLEN"),
    ("IDX", "MINMATCHLEN", "2"),
    ("IDX", "MINMATCHLEN", "3", "WITHMATCHLEN"),
    ("WITHMATCHLEN", "MINMATCHLEN", "-4", "idx"),
    ("idx", "minmatchlen", "100"),
    ("len", "len"),
    ("MINMATCHLEN", "2", "WITHMATCHLEN"),
]


def _set_pair(differ, a, b):
    differ.both("DEL", "a", "b")
    for key, value in (("a", a), ("b", b)):
        if value:
            differ.check("SET", key, value.encode("latin-1"))


def test_lcs_pairs(differ):
    for a, b in _PAIRS:
        _set_pair(differ, a, b)
        for options in _OPTIONS:
            differ.check("LCS", "a", "b", *options)
            differ.check("LCS", "b", "a", *options)


def test_lcs_integers_and_missing_keys(differ):
    differ.check("SET", "n", "12345")
    differ.check("SET", "m", "1234")
    differ.check("SET", "x", "-12")
    for options in _OPTIONS:
        differ.check("LCS", "n", "m", *options)
        differ.check("LCS", "x", "n", *options)
        differ.check("LCS", "n", "missing", *options)
        differ.check("LCS", "missing", "other", *options)


def test_lcs_errors(differ):
    differ.check("SET", "s", "abc")
    differ.check("RPUSH", "l", "x")
    differ.check("HSET", "h", "f", "v")
    for args in [
        ("LCS",),
        ("LCS", "s"),
        ("LCS", "s", "l"),
        ("LCS", "l", "s"),
        ("LCS", "h", "missing"),
        ("LCS", "l", "s", "BOGUS"),
        ("LCS", "l", "s", "LEN", "IDX"),
        ("LCS", "s", "s", "BOGUS"),
        ("LCS", "s", "s", "LEN", "IDX"),
        ("LCS", "s", "s", "IDX", "LEN"),
        ("LCS", "s", "s", "LEN", "IDX", "BOGUS"),
        ("LCS", "s", "s", "MINMATCHLEN"),
        ("LCS", "s", "s", "MINMATCHLEN", "x"),
        ("LCS", "s", "s", "MINMATCHLEN", "x", "LEN", "IDX"),
        ("LCS", "s", "s", "MINMATCHLEN", "1.5"),
        ("LCS", "s", "s", "MINMATCHLEN", "9223372036854775808"),
        ("LCS", "s", "s", "MINMATCHLEN", "9223372036854775807", "IDX"),
        ("LCS", "s", "s", "IDX", "MINMATCHLEN"),
    ]:
        differ.check(*args)


def test_lcs_table_size_limit(differ):
    """Redis refuses a table of more than proto-max-bulk-len bytes (4 a cell)."""
    try:
        differ.check("CONFIG", "SET", "proto-max-bulk-len", "1mb")
        # (511 + 1) * (511 + 1) * 4 == 1mb: just allowed.
        differ.check("SET", "s511", "ab" * 255 + "a")
        differ.check("SET", "s512", "ba" * 256)
        differ.check("LCS", "s511", "s511", "LEN")
        differ.check("LCS", "s511", "s512", "LEN")
        differ.check("LCS", "s512", "s511")
        differ.check("LCS", "s512", "missing", "IDX")
        differ.check("LCS", "s512", "s512", "LEN", "IDX")
    finally:
        differ.both("CONFIG", "SET", "proto-max-bulk-len", "512mb")


def test_lcs_long_strings(differ):
    rng = random.Random(7)
    for alphabet, n, m in [("acgt", 700, 650), ("ab", 300, 900), ("a", 50, 800)]:
        a = "".join(rng.choice(alphabet) for _ in range(n))
        b = "".join(rng.choice(alphabet) for _ in range(m))
        _set_pair(differ, a, b)
        differ.check("LCS", "a", "b")
        differ.check("LCS", "b", "a", "LEN")
        differ.check("LCS", "a", "b", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "3")


_SHORT = st.text(alphabet="abc", max_size=12)


def test_lcs_random_short_strings(differ):
    """Random short strings over a small alphabet, IDX with its options."""

    @settings(max_examples=150, deadline=None)
    @given(a=_SHORT, b=_SHORT, min_len=st.integers(-1, 4), with_len=st.booleans())
    def check(a, b, min_len, with_len):
        _set_pair(differ, a, b)
        options = ["IDX", "MINMATCHLEN", str(min_len)]
        if with_len:
            options.append("WITHMATCHLEN")
        differ.check("LCS", "a", "b")
        differ.check("LCS", "a", "b", "LEN")
        differ.check("LCS", "a", "b", *options)

    check()


def _table_lcs(a, b):
    """The plain O(n*m) table, for comparing the bit-parallel one."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table


@settings(max_examples=300, deadline=None)
@given(a=st.binary(max_size=40), b=st.binary(max_size=40))
def test_bit_rows_hold_the_table(a, b):
    """Bit j of row i is clear exactly where the table grows along b."""
    full = _table_lcs(a, b)
    stride = (len(b) + 7) // 8
    table = bytearray(len(a) * stride)
    assert _lcs_rows(a, b, table) == full[len(a)][len(b)]
    assert _lcs_rows(b, a, None) == full[len(a)][len(b)]
    for i in range(len(a)):
        for j in range(len(b)):
            clear = not table[i * stride + j // 8] >> (j % 8) & 1
            assert clear == (full[i + 1][j + 1] > full[i + 1][j])
    found, _ = _lcs_walk(a, b, full[len(a)][len(b)], table, 0, False)
    assert len(found) == full[len(a)][len(b)]


def test_lcs_typed_values(server):
    call = server.call
    call("SET", "n", 12345)
    call("SET", "m", b"x2y4")
    call("SET", "l", [1, 2])
    assert call("LCS", "n", "m") == b"24"
    assert call("LCS", "m", "n", "IDX") == [
        b"matches",
        [[[3, 3], [3, 3]], [[1, 1], [1, 1]]],
        b"len",
        2,
    ]
    error = ReplyError("ERR The specified keys must contain string values")
    assert call("LCS", "l", "m") == error
    assert call("LCS", "m", "l", "LEN") == error
    assert call("GET", "l") == [1, 2]


def test_lcs_idx_is_a_map_in_resp3(server3):
    server3.call("SET", "a", "ohmytext")
    server3.call("SET", "b", "mynewtext")
    assert server3.call("LCS", "a", "b", "IDX", "MINMATCHLEN", "4") == {
        b"matches": [[[4, 7], [5, 8]]],
        b"len": 6,
    }


def test_lcs_is_not_logged(server):
    server.call("SET", "a", "abc")
    del server.logged[:]
    assert server.call("LCS", "a", "a") == b"abc"
    assert server.logged == []


# ------------------------------------------------------------------ ROLE


def test_role(differ):
    differ.check("ROLE")
    differ.check("ROLE", "x")
    differ.check("MULTI")
    differ.check("ROLE")
    differ.check("EXEC")
    differ.check("EVAL", "return redis.call('role')", "0")


def test_command_info(differ):
    for name in ("lcs", "role", "wait"):
        real, mini = differ.both("COMMAND", "INFO", name)
        assert mini[0][:7] == real[0][:7], name
    real, mini = differ.both("COMMAND", "INFO", "lcs")
    assert mini[0][8] == real[0][8]


# ------------------------------------------------------------------ WAIT


def test_wait_at_once_and_errors(differ):
    for args in [
        ("0", "0"),
        ("0", "100"),
        ("-1", "0"),
        ("-5", "1000"),
        ("0", "9223372036854775807"),
        ("0", "-1"),
        ("-1", "-1"),
        ("1", "-1"),
        ("x", "0"),
        ("x", "x"),
        ("x", "-1"),
        ("1.5", "0"),
        ("0", "x"),
        ("1", "x"),
        ("0", "1.5"),
        ("0", "01"),
        ("0", "+5"),
        ("0", "-0"),
        ("0", "9223372036854775808"),
        ("9223372036854775808", "0"),
    ]:
        differ.check("WAIT", *args)
    differ.check("WAIT", "0")
    differ.check("WAIT", "0", "0", "0")


def test_wait_in_multi_and_scripts(differ):
    differ.check("MULTI")
    differ.check("WAIT", "1", "0")
    differ.check("WAIT", "5", "100")
    differ.check("WAIT", "1", "-1")
    differ.check("WAIT", "x", "1")
    differ.check("EXEC")
    differ.check("EVAL", "return redis.call('wait', 1, 0)", "0")
    differ.check("EVAL", "return redis.pcall('wait', 0, 0)", "0")


def test_wait_times_out_on_both(differ, waiters):
    block_both(differ, waiters, "WAIT", "1", "100")
    assert waiters[1].read() == waiters[0].read() == 0


def test_wait_client_unblock_on_both(differ, waiters):
    for reason in ((), ("TIMEOUT",), ("ERROR",)):
        block_both(differ, waiters, "WAIT", "2", "0")
        replies = []
        for commands, connection in zip((differ.real, differ.mini), waiters):
            listing = commands.call("CLIENT", "LIST")
            if isinstance(listing, bytes):
                listing = listing.decode()
            line = next(x for x in listing.splitlines() if "cmd=wait" in x)
            assert " flags=b " in line
            client_id = line.split()[0].split("=")[1]
            assert commands.call("CLIENT", "UNBLOCK", client_id, *reason) == 1
            replies.append(connection.read())
        assert replies[1] == replies[0]


def test_wait_blocks_for_its_timeout(server):
    waiter = Client(server)
    waiter.send("WAIT", "1", "1500")
    assert waiter.replies() == []
    assert waiter.session.blocked is not None
    assert server.factory.waits.count == 1
    info = server.call("INFO", "clients")
    assert b"blocked_clients:1\r\n" in info
    assert b"clients_in_timeout_table:1\r\n" in info
    line = server.call("CLIENT", "LIST").decode()
    assert "flags=b" in [x for x in line.split("\n") if "cmd=wait" in x][0].split()
    server.advance(1.499)
    assert waiter.raw() == b""
    server.advance(0.001)
    assert waiter.raw() == b":0\r\n"
    assert waiter.session.blocked is None
    assert server.factory.waits.count == 0
    assert waiter.call("PING") == b"PONG"


@pytest.mark.parametrize("timeout", ["0", "9223372036854775807"])
def test_wait_for_ever(server, timeout):
    waiter = Client(server, proto=3)
    waiter.send("WAIT", "3", timeout)
    waiter.send("PING")
    server.advance(10**8)
    assert waiter.raw() == b""
    assert b"clients_in_timeout_table:0\r\n" in server.call("INFO", "clients")
    assert server.call("CLIENT", "UNBLOCK", str(waiter.session.id)) == 1
    assert waiter.replies() == [0, b"PONG"]


def test_wait_unblocked_with_an_error(server):
    waiter = Client(server)
    waiter.send("WAIT", "1", "0")
    assert server.call("CLIENT", "UNBLOCK", str(waiter.session.id), "ERROR") == 1
    assert waiter.replies() == [
        ReplyError("UNBLOCKED client unblocked via CLIENT UNBLOCK")
    ]
    assert server.call("CLIENT", "UNBLOCK", str(waiter.session.id)) == 0


def test_wait_disconnect_cleans_up(server):
    waiter = Client(server)
    waiter.send("WAIT", "1", "5000")
    assert server.factory.waits.count == 1
    waiter.disconnect()
    assert server.factory.waits.count == 0
    server.advance(6)
    assert b"blocked_clients:0\r\n" in server.call("INFO", "clients")


def test_wait_does_not_block_the_server(server):
    waiter, other = Client(server), Client(server)
    waiter.send("WAIT", "1", "1000")
    assert other.call("SET", "k", "v") == b"OK"
    assert other.call("WAIT", "0", "1000") == 0
    assert waiter.replies() == []
    server.advance(1)
    assert waiter.replies() == [0]


def test_wait_in_exec_answers_at_once(server):
    waiter = Client(server)
    waiter.call("MULTI")
    waiter.call("WAIT", "1", "0")
    assert waiter.call("EXEC") == [0]
    assert server.factory.waits.count == 0
