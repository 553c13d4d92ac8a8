"""
The command table against redis-server's, whole: COMMAND INFO (key specs
included) and COMMAND DOCS (arguments included) of every command miniredis
implements, compared as data with what redis-server 7.0.15 says.

What is Redis's prose (summaries, complexity, history, key-spec notes) is
left out of the comparison: miniredis writes its own summaries.
"""

import pytest

from miniredis.commands import COMMANDS, find, load_all, lookup
from miniredis.commands.introspection import all_commands
from miniredis.commands.spec import Arg, Index, Keynum, KeySpec, Range, SpecError
from miniredis.resp import ReplyError
from tests.servers import RawConnection

load_all()

# miniredis's own commands, from its origin.
_OWN = {b"delete", b"flush"}
_PROSE = (b"summary", b"complexity", b"history")


@pytest.fixture(scope="module", params=[2, 3], ids=["resp2", "resp3"])
def tables(request, redis_server, mini_server):
    """C{(redis's, miniredis's)} COMMAND INFO and DOCS, by name."""
    names = [cmd.name.encode() for cmd in all_commands()]
    out = []
    for server in (redis_server, mini_server):
        conn = RawConnection(server.port, request.param)
        info = dict(zip(names, conn.call("COMMAND", "INFO", *names)))
        docs = conn.call("COMMAND", "DOCS", *names)
        if request.param == 2:
            docs = dict(zip(docs[::2], docs[1::2]))
        conn.close()
        out.append((info, docs, request.param))
    return out


def _pairs(value, proto):
    """A RESP2 map (a flat list) or a RESP3 one, as a dict."""
    if proto == 2:
        return dict(zip(value[::2], value[1::2]))
    return dict(value)


def _without_notes(info, proto):
    """COMMAND INFO with the notes (Redis's prose) taken out of key specs."""
    specs = []
    for spec in info[8]:
        fields = _pairs(spec, proto)
        fields.pop(b"notes", None)
        specs.append(fields)
    return info[:8] + [specs]


def _without_prose(docs, proto):
    fields = _pairs(docs, proto)
    for name in _PROSE:
        fields.pop(name, None)
    fields.pop(b"subcommands", None)  # each is compared on its own
    return fields


def test_every_command_is_redis_s_or_our_own(tables):
    (real, _, _), _ = tables
    unknown = {name for name, entry in real.items() if entry is None}
    assert unknown == _OWN


def test_command_info_matches_redis(tables):
    (real, _, proto), (mine, _, _) = tables
    wrong = []
    for name, theirs in real.items():
        if theirs is None:
            continue
        if _without_notes(mine[name], proto) != _without_notes(theirs, proto):
            wrong.append(
                "%s:\n  redis     %r\n  miniredis %r" % (name, theirs, mine[name])
            )
    assert not wrong, "\n".join(wrong)
    assert len(real) - len(_OWN) >= 230


def test_subcommands_are_redis_s(tables):
    """A container lists the subcommands miniredis has (each compared above)."""
    (real, _, _), (mine, _, _) = tables
    for name, ours in mine.items():
        if ours[9]:
            theirs = {sub[0] for sub in real[name][9]}
            assert {sub[0] for sub in ours[9]} <= theirs, name


def test_command_info_types_match_redis(tables):
    """Sets stay sets and arrays arrays (RESP3 tells them apart)."""
    (real, _, _), (mine, _, _) = tables
    for name, theirs in real.items():
        if theirs is None:
            continue
        kinds = [type(part) for part in theirs]
        assert [type(part) for part in mine[name]] == kinds, name


def test_command_docs_match_redis(tables):
    (_, real, proto), (_, mine, _) = tables
    wrong = []
    for name, theirs in real.items():
        ours = _without_prose(mine[name], proto)
        if ours != _without_prose(theirs, proto):
            wrong.append("%s:\n  redis     %r\n  miniredis %r" % (name, theirs, ours))
    assert not wrong, "\n".join(wrong)
    assert set(mine) - set(real) == _OWN


def _words(text):
    return b" ".join(text.lower().rstrip(b".").split())


def test_summaries_are_our_own(tables):
    """Every command has a summary, written in miniredis's words."""
    (_, real, proto), (_, mine, _) = tables
    copied = []
    for name, ours in mine.items():
        summary = _pairs(ours, proto)[b"summary"]
        assert summary and not summary.startswith(b"The "), name
        theirs = real.get(name)
        if theirs is not None and _words(_pairs(theirs, proto)[b"summary"]) == _words(
            summary
        ):
            copied.append(name)
    assert not copied


@pytest.mark.parametrize(
    "line",
    [
        ("set", "k", "v"),
        ("set", "k", "v", "GET"),
        ("set", "k", "v", "EX", "10", "get"),
        ("bitfield", "k", "GET", "u8", "0"),
        ("bitfield", "k", "GET", "u8", "0", "SET", "u8", "0", "1"),
        ("bitfield", "k", "OVERFLOW", "SAT"),
        ("bitfield_ro", "k", "GET", "u8", "0"),
        ("sort", "l", "BY", "w", "STORE", "d"),
        ("sort_ro", "l", "BY", "w"),
        ("eval", "return 1", "2", "k1", "k2", "arg"),
        ("eval", "return 1", "0"),
        ("lmove", "a", "b", "LEFT", "RIGHT"),
        ("zunionstore", "d", "2", "a", "b"),
        ("smove", "a", "b", "m"),
        ("getex", "k", "PERSIST"),
        ("getdel", "k"),
        ("copy", "a", "b"),
        ("pfmerge", "d", "a", "b"),
        ("blmpop", "0", "2", "a", "b", "LEFT"),
    ],
)
def test_getkeysandflags_matches_redis(differ, line):
    differ.check("COMMAND", "GETKEYSANDFLAGS", *line)


@pytest.mark.parametrize(
    "line",
    [
        ("eval", "return 1", "3", "k1"),
        ("eval", "return 1", "-1"),
        ("eval", "return 1", "x"),
        ("zunionstore", "d", "5", "a"),
        ("lmpop", "0", "LEFT"),
        ("sintercard", "2", "a", "b", "LIMIT", "1"),
        ("get",),
        ("get", "a", "b"),
        ("ping",),
        ("client", "list"),
        ("client", "nosuch"),
        ("nosuch", "a"),
        ("sort", "l", "STORE"),
    ],
)
def test_getkeys_errors_match_redis(differ, line):
    differ.check("COMMAND", "GETKEYS", *line)


# ------------------------------------------------------ the spec, refused


def test_unknown_flags_categories_and_types_are_refused():
    with pytest.raises(SpecError):
        KeySpec("RW sometimes", Index(1), Range(0))
    with pytest.raises(SpecError):
        Arg("key", "kee")
    with pytest.raises(SpecError):
        Arg("key", "key")  # a key names its key spec
    with pytest.raises(SpecError):
        Arg("x", flags="optional often")
    with pytest.raises(SpecError):
        KeySpec("RO", Index(1))
    from miniredis.commands import command

    for bad in (
        {"flags": "write quick"},
        {"acl": "keyspace everything"},
        {"group": "strings"},
        {"tips": "nondeterministic"},
        {"args": [Arg("key", "key", key_spec=1)]},
    ):
        fields = {"group": "generic", "since": "0.1.0", **bad}
        flags = fields.pop("flags", "")
        with pytest.raises(SpecError):
            command("testing-bad", -1, flags, **fields)(lambda session, argv: None)
        assert b"testing-bad" not in COMMANDS


def test_key_specs_find_keys_as_redis_does():
    mpop = COMMANDS[b"lmpop"]
    assert mpop.key_names([b"lmpop", b"2", b"a", b"b", b"LEFT"]) == [b"a", b"b"]
    assert mpop.key_positions([b"lmpop", b"9", b"a", b"LEFT"]) is None
    streams = KeySpec("RO", Index(1), Range(-1, 1, 2))
    assert streams.positions([b"x", b"a", b"b", b"0", b"0"]) == [1, 2]
    keynum = KeySpec("RO", Index(1), Keynum(0, 1, 1))
    assert keynum.positions([b"x", b"2", b"a", b"b"]) == [2, 3]
    assert COMMANDS[b"sort"].flags >= {"movablekeys"}
    assert "movablekeys" not in COMMANDS[b"set"].flags


def test_one_lookup_for_every_caller():
    assert find([b"GET", b"k"]) == (COMMANDS[b"get"], None)
    cmd, problem = find([b"client", b"nosuch"])
    assert cmd is COMMANDS[b"client"] and problem == "unknown subcommand"
    assert find([b"nosuch"]) == (None, "unknown command")
    assert find([[b"array"], b"x"]) == (None, "unknown command")
    with pytest.raises(ReplyError, match="wrong number of arguments for 'get'"):
        lookup([b"get"])
    with pytest.raises(ReplyError, match="unknown subcommand 'nosuch'. Try CLIENT"):
        lookup([b"client", b"nosuch"])
