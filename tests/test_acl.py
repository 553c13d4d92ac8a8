"""
ACL compared with a real redis-server: users and their rules, what they
may run (commands, keys, channels, selectors), ACL LOG, DRYRUN, the ACL
file, and the clients a changed or deleted user loses.

Redis lists the single commands of a rule set in the order of its command
hash table (random per process), so the tests give at most one single
command per rule set where the description is compared.
"""

import os
import subprocess
import sys

import pytest

from miniredis.resp import ReplyError
from tests.differential import Differ
from tests.servers import ROOT, RawConnection, miniredis_process, redis_process

_DEFAULT = "user default on nopass ~* &* +@all\n"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """A redis-server and a miniredis, each with an ACL file."""
    started = []
    for make, name in ((redis_process, "redis"), (miniredis_process, "mini")):
        directory = tmp_path_factory.mktemp("acl-" + name)
        aclfile = directory / "users.acl"
        aclfile.write_text(_DEFAULT)
        server = make(str(directory), "--aclfile", str(aclfile)).start()
        server.aclfile = aclfile
        started.append(server)
    yield started
    for server in started:
        server.stop()


def _reset(port):
    conn = RawConnection(port)
    for name in conn.call("ACL", "USERS"):
        if name != b"default":
            conn.call("ACL", "DELUSER", name)
    conn.call(
        "ACL",
        "SETUSER",
        "default",
        "on",
        "nopass",
        "clearselectors",
        "resetkeys",
        "resetchannels",
        "allkeys",
        "allchannels",
        "+@all",
    )
    conn.call("ACL", "LOG", "RESET")
    conn.call("FLUSHALL")
    conn.close()


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def acl(request, servers):
    """A L{Differ} on the two servers, their users as new."""
    real, mini = servers
    for server in servers:
        _reset(server.port)
    pair = Differ(real.port, mini.port, proto=request.param)
    yield pair
    pair.close()


def _connect(acl):
    """@return: another L{Differ} on the same servers."""
    return Differ(acl.real.sock.getpeername()[1], acl.mini.sock.getpeername()[1])


# ------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    "rules",
    [
        [],
        ["on", ">secret", "~app:*", "+@read"],
        ["+@all", "-get"],
        ["+@all", "-@dangerous"],
        ["-@all", "+@string", "+@hash", "-hget"],
        ["+@read", "+@write"],
        ["+@hyperloglog", "+@list"],
        ["+@transaction", "+@connection", "+@scripting"],
        ["+config|get", "-@read"],
        ["+config|get", "+config"],
        ["+config", "-config|set"],
        ["+select|0", "+select|1"],
        ["+@all", "-@all", "+get"],
        ["allcommands", "nocommands"],
        ["%R~read:*", "%W~write:*", "~both:*", "%RW~rw", "%R~x", "%W~x"],
        ["%RW"],
        ["allkeys", "resetkeys", "~a"],
        ["&news.*", "&alerts", "&alerts"],
        ["allchannels"],
        ["&*", "resetchannels", "&x"],
        [">a", ">b", "<a", ">a"],
        ["#" + "a" * 64, "!" + "a" * 64],
        ["nopass", ">x"],
        [">x", "nopass"],
        [">x", "resetpass"],
        ["on", "off"],
        ["sanitize-payload"],
        ["skip-sanitize-payload"],
        ["reset"],
        ["on", "(+get ~x)", "(&c +publish)"],
        ["(+get", "~x", "%R~y)", "+set"],
        ["(+get ~x)", "clearselectors"],
        ["ALLKEYS", "+GET", "ON"],
        ["", "on"],
        ["()"],
        ["(", ")"],
        ["( +get )", "(+set", ")"],
    ],
)
def test_setuser_then_getuser_and_list(acl, rules):
    acl.check("ACL", "SETUSER", "someone", *rules)
    acl.check("ACL", "GETUSER", "someone")
    acl.check("ACL", "LIST")
    acl.check("ACL", "USERS")


@pytest.mark.parametrize(
    "rules",
    [
        ["%~x"],
        ["%RX~x"],
        ["%"],
        ["~*", "~x"],
        ["&*", "&x"],
        ["(~x"],
        ["(~x", "+get"],
        ["foo"],
        ["+nosuch"],
        ["-nosuch"],
        ["+@nosuch"],
        ["-@nosuch"],
        ["+config|get|x"],
        ["+config|nosuch"],
        ["-get|x"],
        ["+config|"],
        ["#abc"],
        ["#" + "A" * 64],
        ["!" + "b" * 64],
        ["<nosuch"],
        ["(+nosuch)"],
        ["(on)"],
        ["on", ">pw", "+nosuch"],
        ['(~"a b" +get)'],
        ["(~'a b' +get)"],
        ['(~ab "+get)'],
        ['("~ab" +get)'],
        ["(+get\t~x  &y)"],
    ],
)
def test_setuser_errors_change_nothing(acl, rules):
    acl.check("ACL", "SETUSER", "someone", "on", "+get")
    acl.check("ACL", "SETUSER", "someone", *rules)
    acl.check("ACL", "GETUSER", "someone")


def test_acl_pubsub_default(acl):
    acl.run(
        [
            ("CONFIG", "SET", "acl-pubsub-default", "allchannels"),
            ("ACL", "SETUSER", "a", "(+get)"),
            ("ACL", "SETUSER", "b", "&x", "reset"),
            ("ACL", "LIST"),
            ("CONFIG", "SET", "acl-pubsub-default", "bogus"),
            ("CONFIG", "SET", "acl-pubsub-default", "resetchannels"),
            ("ACL", "SETUSER", "c", "(+get)"),
            ("ACL", "SETUSER", "b", "reset"),
            ("ACL", "LIST"),
            ("CONFIG", "GET", "acl-pubsub-default"),
            ("CONFIG", "GET", "acllog-max-len"),
        ]
    )


def test_user_names(acl):
    acl.check("ACL", "SETUSER", "a b")
    acl.check("ACL", "SETUSER", "a\x00b")
    acl.check("ACL", "GETUSER", "nosuch")
    acl.check("ACL", "SETUSER", "zed")
    acl.check("ACL", "SETUSER", "alice")
    acl.check("ACL", "USERS")


def test_deluser(acl):
    acl.check("ACL", "SETUSER", "a")
    acl.check("ACL", "SETUSER", "b")
    acl.check("ACL", "DELUSER", "default")
    acl.check("ACL", "DELUSER", "a", "default")
    acl.check("ACL", "DELUSER", "a", "b", "nosuch", "a")
    acl.check("ACL", "USERS")


def test_small_subcommands(acl):
    acl.run(
        [
            ("ACL", "WHOAMI"),
            ("ACL", "WHOAMI", "x"),
            ("ACL", "USERS", "x"),
            ("ACL", "LIST", "x"),
            ("ACL", "CAT"),
            ("ACL", "CAT", "nosuch"),
            ("ACL", "CAT", "read", "x"),
            ("ACL", "GENPASS", "0"),
            ("ACL", "GENPASS", "4097"),
            ("ACL", "GENPASS", "-1"),
            ("ACL", "GENPASS", "x"),
            ("ACL", "LOG", "x"),
            ("ACL", "LOG", "1", "2"),
            ("ACL", "LOG", "-1"),
            ("ACL", "HELP"),
            ("ACL", "NOSUCH"),
            ("ACL",),
            ("ACL", "SETUSER"),
            ("ACL", "DRYRUN", "default"),
        ]
    )


@pytest.mark.parametrize("bits", [None, "1", "4", "5", "8", "255", "4096"])
def test_genpass_length(acl, bits):
    args = ("ACL", "GENPASS") + ((bits,) if bits else ())
    real, mini = acl.both(*args)
    assert len(mini) == len(real)
    assert set(mini) <= set(b"0123456789abcdef")
    if len(mini) >= 16:
        assert acl.mini.call(*args) != mini


def test_categories(acl):
    """
    Each category holds the same commands (among those both servers know:
    miniredis lacks a few of Redis's, such as MIGRATE, and has a few of
    its own).
    """
    known = set()
    for conn in (acl.real, acl.mini):
        names = set()
        for entry in conn.call("COMMAND"):
            names.add(entry[0])
            names.update(sub[0] for sub in entry[9])
        known.add(frozenset(names))
    both = frozenset.intersection(*known)
    for category in acl.check("ACL", "CAT"):
        real, mini = acl.both("ACL", "CAT", category)
        assert {c for c in mini if c in both} == {c for c in real if c in both}, (
            category
        )


# ----------------------------------------------------- logging in as users


def test_auth_and_hello(acl):
    acl.run(
        [
            ("ACL", "SETUSER", "alice", "on", ">pw", "+@all", "~*"),
            ("AUTH", "alice", "wrong"),
            ("AUTH", "nobody", "pw"),
            ("AUTH", "alice", "pw"),
            ("ACL", "WHOAMI"),
            ("AUTH", "default", "anything"),
            ("ACL", "WHOAMI"),
            ("HELLO", "2", "AUTH", "alice", "wrong"),
            ("ACL", "WHOAMI"),
            ("ACL", "SETUSER", "alice", "off"),
            ("AUTH", "alice", "pw"),
            ("ACL", "SETUSER", "alice", "on", "nopass"),
            ("AUTH", "alice", "whatever"),
            ("ACL", "SETUSER", "alice", "resetpass"),
            ("AUTH", "alice", "whatever"),
            ("AUTH", "pw"),
            ("ACL", "SETUSER", "default", ">sesame"),
            ("AUTH", "wrong"),
            ("AUTH", "sesame"),
            ("RESET",),
            ("ACL", "WHOAMI"),
            ("GET", "k"),
            ("AUTH", "sesame"),
            ("ACL", "SETUSER", "default", "nopass"),
        ]
    )
    real, mini = acl.both("HELLO", "3", "AUTH", "default", "x")
    assert real[b"id"] and mini[b"id"]
    real[b"id"] = mini[b"id"] = 0
    assert mini == real


def test_requirepass_is_the_default_users_password(acl):
    acl.run(
        [
            ("CONFIG", "SET", "requirepass", "s3cret"),
            ("ACL", "GETUSER", "default"),
            ("AUTH", "s3cret"),
            ("CONFIG", "SET", "requirepass", ""),
            ("ACL", "GETUSER", "default"),
        ]
    )


# ------------------------------------------------------------ enforcement

_APP = [
    "on",
    ">pw",
    "~k*",
    "%R~r*",
    "%W~w*",
    "&ch",
    "&news.*",
    "+get",
    "+set",
    "+del",
    "+exists",
    "+lpush",
    "+rename",
    "+object|encoding",
    "+select|1",
    "+publish",
    "+subscribe",
    "+psubscribe",
    "+eval",
    "+multi",
    "+exec",
    "+ping",
    "+acl",
]

_AS_APP = [
    ("GET", "x"),
    ("GET", "k1"),
    ("SET", "k1", "v"),
    ("GET", "r1"),
    ("SET", "r1", "v"),
    ("SET", "w1", "v"),
    ("GET", "w1"),
    ("EXISTS", "w1"),
    ("EXISTS", "x"),
    ("DEL", "r1"),
    ("RENAME", "k1", "w1"),
    ("RENAME", "k1", "r1"),
    ("LPUSH", "w2", "a"),
    ("INCR", "k1"),
    ("OBJECT", "ENCODING", "k1"),
    ("OBJECT", "FREQ", "k1"),
    ("SELECT", "1"),
    ("SELECT", "2"),
    ("select", "1"),
    ("PUBLISH", "ch", "m"),
    ("PUBLISH", "news.today", "m"),
    ("PUBLISH", "other", "m"),
    ("EVAL", "return redis.call('get', 'x')", "0"),
    ("EVAL", "return redis.call('get', 'k1')", "0"),
    ("EVAL", "return redis.call('incr', 'k1')", "0"),
    ("EVAL", "return redis.call('publish', 'other', 'm')", "0"),
    ("EVAL", "return redis.pcall('set', 'r2', 'v')", "0"),
    ("MULTI",),
    ("GET", "k1"),
    ("GET", "x"),
    ("EXEC",),
    ("MULTI",),
    ("GET", "k1"),
    ("EXEC",),
    ("CONFIG", "GET", "port"),
    ("ACL", "WHOAMI"),
]


def test_what_a_user_may_run(acl):
    acl.check("ACL", "SETUSER", "app", *_APP)
    acl.check("AUTH", "app", "pw")
    acl.run(_AS_APP)


@pytest.mark.parametrize(
    "script",
    [
        [("SUBSCRIBE", "ch", "other")],
        [("SUBSCRIBE", "ch", "news.x")],
        [("PSUBSCRIBE", "news.*")],
        [("PSUBSCRIBE", "news.x")],
        [("PSUBSCRIBE", "*")],
    ],
)
def test_channels(acl, script):
    acl.check("ACL", "SETUSER", "app", *_APP)
    acl.check("AUTH", "app", "pw")
    acl.run(script)


def test_selectors(acl):
    acl.check(
        "ACL",
        "SETUSER",
        "sel",
        "on",
        "nopass",
        "+get",
        "~a*",
        "(+set ~b*)",
        "(+get %R~c* &x +publish)",
    )
    acl.check("AUTH", "sel", "x")
    acl.run(
        [
            ("GET", "a1"),
            ("GET", "b1"),
            ("GET", "c1"),
            ("SET", "b1", "v"),
            ("SET", "a1", "v"),
            ("SET", "c1", "v"),
            ("PUBLISH", "x", "m"),
            ("PUBLISH", "y", "m"),
            ("DEL", "a1"),
            ("ACL", "LOG"),
        ]
    )


@pytest.mark.parametrize(
    "request_",
    [
        ("GET", "x"),
        ("GET", "k1"),
        ("GET",),
        ("NOSUCH",),
        ("SET", "r1", "v"),
        ("SET", "w1", "v"),
        ("SET", "w1", "v", "GET"),
        ("DEL", "k1"),
        ("RENAME", "k1", "r1"),
        ("CONFIG", "GET", "x"),
        ("CONFIG", "NOSUCH"),
        ("OBJECT", "ENCODING", "k1"),
        ("SELECT", "1"),
        ("SELECT", "2"),
        ("PUBLISH", "ch", "m"),
        ("PUBLISH", "zz", "m"),
        ("SUBSCRIBE", "ch", "zz"),
        ("PSUBSCRIBE", "news.*"),
        ("PSUBSCRIBE", "news.x"),
    ],
)
def test_dryrun(acl, request_):
    acl.check("ACL", "SETUSER", "app", *_APP)
    acl.check("ACL", "DRYRUN", "app", *request_)
    acl.check("ACL", "DRYRUN", "default", *request_)
    acl.check("ACL", "DRYRUN", "nosuch", *request_)


@pytest.mark.parametrize("keys", [["%R~*"], ["~l*", "%R~*"], ["~l"], ["allkeys"]])
def test_sort_patterns_need_every_key(acl, keys):
    acl.check("RPUSH", "l", "1", "2")
    acl.check("ACL", "SETUSER", "sorter", "on", "nopass", "+@all", *keys)
    acl.check("AUTH", "sorter", "x")
    acl.run(
        [
            ("SORT", "l", "BY", "w_*"),
            ("SORT", "l", "GET", "w_*"),
            ("SORT", "l", "GET", "#"),
            ("SORT", "l", "BY", "nosort"),
            ("SORT", "l", "BAD", "GET", "#"),
            ("SORT_RO", "l", "BY", "w_*"),
            ("SORT", "l"),
        ]
    )


def test_a_changed_user_holds_at_once(acl):
    acl.check("ACL", "SETUSER", "default", "-get", "resetkeys", "~k*")
    acl.run([("GET", "k"), ("SET", "x", "1"), ("SET", "k", "1"), ("DBSIZE",)])


def test_rules_changed_before_exec(acl):
    acl.check("ACL", "SETUSER", "app", *_APP)
    acl.check("AUTH", "app", "pw")
    other = _connect(acl)
    acl.run([("MULTI",), ("GET", "k1"), ("PUBLISH", "ch", "m"), ("SET", "k2", "v")])
    other.check("ACL", "SETUSER", "app", "resetkeys", "resetchannels", "-set")
    acl.check("EXEC")
    other.close()


def _log(differ, *args):
    """ACL LOG from both servers, without what cannot be the same."""
    replies = []
    for conn in (differ.real, differ.mini):
        entries = conn.call("ACL", "LOG", *args)
        shown = []
        for entry in entries:
            if isinstance(entry, list):
                entry = dict(zip(entry[::2], entry[1::2]))
            age = float(entry.pop(b"age-seconds"))
            assert 0 <= age < 60
            info = dict(
                field.split(b"=", 1) for field in entry.pop(b"client-info").split()
            )
            entry[b"client"] = {
                k: info[k] for k in (b"flags", b"db", b"multi", b"cmd", b"user")
            }
            shown.append(entry)
        replies.append(shown)
    return replies


def test_acl_log(acl):
    acl.check("ACL", "SETUSER", "app", *_APP)
    acl.check("AUTH", "app", "wrong")
    acl.check("AUTH", "nobody", "x")
    acl.check("HELLO", "2", "AUTH", "app", "wrong")
    acl.check("AUTH", "app", "pw")
    acl.run(_AS_APP)
    for _ in range(3):
        acl.check("GET", "x")
    acl.check("AUTH", "app", "wrong")
    for args in [(), ("3",), ("100",), ("0",)]:
        real, mini = _log(acl, *args)
        assert mini == real
    acl.check("ACL", "LOG", "RESET")
    acl.check("ACL", "LOG")


def test_acl_log_max_len(acl):
    acl.check("CONFIG", "SET", "acllog-max-len", "2")
    for name in ("a", "b", "c"):
        acl.check("AUTH", name, "x")
    real, mini = _log(acl)
    assert mini == real
    acl.check("CONFIG", "SET", "acllog-max-len", "128")


# ------------------------------------------- clients of changed users


def test_deleted_users_clients_are_disconnected(acl):
    acl.check("ACL", "SETUSER", "gone", "on", "nopass", "+@all", "~*")
    victim = _connect(acl)
    victim.check("AUTH", "gone", "x")
    acl.check("ACL", "DELUSER", "gone")
    for conn in (victim.real, victim.mini):
        with pytest.raises(ConnectionError):
            conn.call("PING")


def test_subscribers_losing_their_channel_are_disconnected(acl):
    acl.check("ACL", "SETUSER", "sub", "on", "nopass", "+@all", "&a", "&b")
    kept, lost = _connect(acl), _connect(acl)
    for conn in (kept, lost):
        conn.check("AUTH", "sub", "x")
    kept.check("SUBSCRIBE", "a")
    lost.check("SUBSCRIBE", "b")
    acl.check("ACL", "SETUSER", "sub", "resetchannels", "&a")
    acl.check("PUBLISH", "a", "m")
    assert kept.mini.read() == kept.real.read()
    for conn in (lost.real, lost.mini):
        with pytest.raises(ConnectionError):
            conn.call("PING")


def test_client_kill_user(acl):
    acl.check("ACL", "SETUSER", "k", "on", "nopass", "+@all", "~*")
    victims = [_connect(acl), _connect(acl)]
    for victim in victims:
        victim.check("AUTH", "k", "x")
    acl.check("CLIENT", "KILL", "USER", "nosuch")
    acl.check("CLIENT", "KILL", "USER", "k")
    for victim in victims:
        for conn in (victim.real, victim.mini):
            with pytest.raises(ConnectionError):
                conn.call("PING")


# ------------------------------------------------------------ the ACL file


def test_save_and_load(acl, servers):
    acl.check("ACL", "SETUSER", "alice", "on", ">pw", "~a*", "&c", "+get")
    acl.check("ACL", "SETUSER", "bob", "(+set ~b*)")
    acl.check("ACL", "SAVE")
    real, mini = servers
    assert mini.aclfile.read_text() == real.aclfile.read_text()
    client = _connect(acl)
    client.check("AUTH", "alice", "pw")
    acl.check("ACL", "DELUSER", "alice")
    acl.check("ACL", "SETUSER", "carol")
    acl.check("ACL", "LOAD")
    acl.check("ACL", "LIST")
    for conn in (client.real, client.mini):
        with pytest.raises(ConnectionError):
            conn.call("PING")


@pytest.mark.parametrize(
    "text",
    [
        "user default on nopass ~* &* +@all\nuser b on +nosuch\nfoo\n"
        "user a on\nuser a off\n\n# comment\n",
        "user b on ~x\nuser a ( +get\n",
        "user a on %X~x ~y\n",
        "user a on >pw ~a* +get\n",
        "",
    ],
)
def test_load_errors(acl, servers, text):
    for server in servers:
        server.aclfile.write_text(text)
    real, mini = acl.both("ACL", "LOAD")
    if isinstance(real, ReplyError):
        assert mini.message.replace(
            str(servers[1].aclfile), "FILE"
        ) == real.message.replace(str(servers[0].aclfile), "FILE")
    else:
        assert mini == real
    acl.check("ACL", "LIST")
    for server in servers:
        server.aclfile.write_text(_DEFAULT)


def test_no_aclfile(acl, tmp_path):
    pair = [
        redis_process(str(tmp_path / "r")),
        miniredis_process(str(tmp_path / "m")),
    ]
    (tmp_path / "r").mkdir()
    (tmp_path / "m").mkdir()
    for server in pair:
        server.start()
    try:
        differ = Differ(pair[0].port, pair[1].port)
        differ.check("ACL", "SAVE")
        differ.check("ACL", "LOAD")
        differ.close()
    finally:
        for server in pair:
            server.stop()


# ------------------------------------------- users in the configuration file

_CONF = "user alice on >pw ~a* +get\n# a comment\nuser bob off\n"


def _with_conf(tmp_path, text):
    """A redis-server and a miniredis, each given a configuration file."""
    pair = []
    for name in ("redis", "mini"):
        directory = tmp_path / name
        directory.mkdir()
        conf = directory / "server.conf"
        conf.write_text(text)
        if name == "redis":
            server = redis_process(str(directory))
            server.argv[1:1] = [str(conf)]
        else:
            server = miniredis_process(str(directory), "-c", str(conf))
        server.conf = conf
        pair.append(server)
    return pair


def test_users_declared_in_the_configuration_file(tmp_path):
    pair = _with_conf(tmp_path, _CONF)
    for server in pair:
        server.start()
    try:
        differ = Differ(pair[0].port, pair[1].port)
        differ.run(
            [
                ("ACL", "LIST"),
                ("AUTH", "alice", "pw"),
                ("GET", "a1"),
                ("GET", "b1"),
                ("AUTH", "default", "x"),
                ("ACL", "SETUSER", "carol", "on"),
                ("CONFIG", "REWRITE"),
            ]
        )
        differ.close()
        written = [
            [
                line
                for line in s.conf.read_text().splitlines()
                if line.startswith("user ")
            ]
            for s in pair
        ]
        assert written[1] == written[0]
    finally:
        for server in pair:
            server.stop()


@pytest.mark.parametrize(
    "text, error",
    [
        (
            "user alice on +nosuch\n",
            "Error loading ACL rule '+nosuch' for the user named 'alice': "
            "Unknown command or category name in ACL",
        ),
        ("user alice on\naclfile users.acl\n", "Configuring Redis with users"),
    ],
)
def test_bad_user_declarations_stop_the_start(tmp_path, text, error):
    (tmp_path / "users.acl").write_text("")
    conf = tmp_path / "server.conf"
    conf.write_text(text.replace("users.acl", str(tmp_path / "users.acl")))
    done = subprocess.run(
        [sys.executable, "-m", "miniredis", "-c", str(conf), "--port", "0"],
        capture_output=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=ROOT),
    )
    assert done.returncode != 0
    assert error in done.stderr.decode() + done.stdout.decode()
