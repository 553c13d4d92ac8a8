"""
Command lines made from the command table's specs, for fuzzing: near-valid
ones (each argument of the type its spec says, tokens where they belong)
and broken ones (arguments dropped, repeated, swapped, replaced by junk),
with Redis's awkward numbers among the values; and a sentinel dataset the
fuzzed lines cannot reach, read back to check that it is intact.

The same maker serves the hypothesis suite (tests/test_fuzz.py, choices
drawn by hypothesis so that failures shrink) and the long-running target
(tests/fuzz.py, choices from C{random.Random})::

    maker = Maker(RandomChoices(random.Random(7)))
    maker.case("string")    # [[b"SETRANGE", b"str", b"-1", b"x"], ...]
"""

import hashlib
import re

from miniredis.commands import COMMANDS, load_all
from miniredis.persistence.crc64 import crc64
from miniredis.resp import encode_command

load_all()

# Commands never fuzzed, and why.
EXCLUDED = {
    # They stop, stall or take over the server, as they are meant to.
    "shutdown": "stops the server",
    "debug": "sleeps, crashes, reloads on purpose",
    "monitor": "turns the connection into a monitor",
    "client|pause": "stalls every client, as it is meant to",
    "pfselftest": "seconds of work by design",
    # They reach the sentinel database or the files of the server.
    "flushall": "empties the sentinel database",
    "save": "writes files",
    "bgsave": "writes files",
    "bgrewriteaof": "writes files",
    "config|rewrite": "writes the config file",
    "acl|save": "writes the ACL file",
    "acl|load": "reads the ACL file",
    # Replication and cluster links to other servers.
    "replicaof": "connects to another server",
    "slaveof": "connects to another server",
    "migrate": "connects to another server",
    "sync": "turns the connection into a replica",
    "psync": "turns the connection into a replica",
    "replconf": "replica handshake",
    "failover": "needs replicas",
}

_EXCLUDED_WORDS = {name.split("|")[-1].encode() for name in EXCLUDED}

# The database the fuzzed lines never reach.
SENTINEL_DB = 15

# Commands taking a database index: no argument of theirs may name SENTINEL_DB.
_DB_WORDS = (b"select", b"move", b"copy", b"swapdb")

# The parameters CONFIG SET may change: those that change how commands
# behave (encodings, events, limits), none that moves files, closes the
# server to clients or locks out the checker.
CONFIG_PARAMETERS = [
    "hash-max-listpack-entries",
    "hash-max-listpack-value",
    "hash-max-ziplist-entries",
    "set-max-intset-entries",
    "zset-max-listpack-entries",
    "zset-max-listpack-value",
    "list-max-listpack-size",
    "list-compress-depth",
    "stream-node-max-bytes",
    "stream-node-max-entries",
    "hll-sparse-max-bytes",
    "notify-keyspace-events",
    "slowlog-log-slower-than",
    "slowlog-max-len",
    "latency-monitor-threshold",
    "latency-tracking-info-percentiles",
    "acllog-max-len",
    "lfu-log-factor",
    "lfu-decay-time",
    "maxmemory-policy",
    "maxmemory-samples",
    "active-expire-effort",
    "hz",
    "tracking-table-max-keys",
    "acl-pubsub-default",
    "sanitize-dump-payload",
]

# Keys of the fuzzed database, each holding the type its name says.
KEYS = [
    b"str",
    b"int",
    b"list",
    b"hash",
    b"set",
    b"intset",
    b"zset",
    b"stream",
    b"geo",
    b"hll",
    b"bits",
    b"long",
    b"typed",
    b"missing",
    b"{t}a",
    b"",
]

# The keys that hold what each group of commands works on.
KEYS_BY_GROUP = {
    "string": [b"str", b"int", b"long", b"typed", b"missing"],
    "list": [b"list", b"missing"],
    "hash": [b"hash", b"missing"],
    "set": [b"set", b"intset", b"missing"],
    "sorted-set": [b"zset", b"geo", b"missing"],
    "geo": [b"geo", b"zset", b"missing"],
    "stream": [b"stream", b"missing"],
    "bitmap": [b"bits", b"str", b"missing"],
    "hyperloglog": [b"hll", b"missing"],
}

SEED = [
    ["SET", "str", "hello\x00world"],
    ["SET", "int", "12345"],
    ["RPUSH", "list", "a", "b", "c", "1", "2", "a"],
    ["HSET", "hash", "f1", "v1", "f2", "2", "f3", "1.5"],
    ["SADD", "set", "a", "b", "c"],
    ["SADD", "intset", "1", "2", "3", "-7"],
    ["ZADD", "zset", "1", "a", "2", "b", "-inf", "c", "inf", "d", "2", "e"],
    ["XADD", "stream", "1-1", "f", "v"],
    ["XADD", "stream", "2-0", "f", "w", "g", "x"],
    ["XGROUP", "CREATE", "stream", "grp", "0"],
    ["XREADGROUP", "GROUP", "grp", "alice", "COUNT", "1", "STREAMS", "stream", ">"],
    ["GEOADD", "geo", "13.36", "38.11", "palermo", "15.08", "37.50", "catania"],
    ["PFADD", "hll", "a", "b", "c"],
    ["SETBIT", "bits", "7", "1"],
    ["SET", "long", "a" * 300],
    ["SET", "typed", [1, {b"a": [None, -2]}, b"x"]],
]

# Typed values (RESP3 aggregates and numbers as arguments), for SET and its kin.
TYPED = [7, -1, None, [], [b"a", [1]], {b"k": 1}, [[[[b"deep"]]]], {b"": None}]

# Integers that sit on Redis's limits, and some that pass them. Counts and
# offsets between 2**30 and 2**63 stay out: Redis too allocates or loops for
# what they ask (SETBIT k 4294967295 1 is half a gigabyte; SRANDMEMBER k
# -4611686018427387904 never ends, in Redis 7.0 as here).
NUMBERS = [
    b"0",
    b"1",
    b"-1",
    b"2",
    b"3",
    b"-2",
    b"10",
    b"100",
    b"-100",
    b"1000",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775808",
    b"-9223372036854775809",
    b"18446744073709551615",
    b"18446744073709551616",
    b"4294967296",
    b"536870912",
    b"100000000000000000000",
    b"+1",
    b"01",
    b" 1",
    b"1 ",
    b"-0",
    b"1_0",
    b"0x10",
    b"",
]

DOUBLES = [
    b"0",
    b"1.5",
    b"-2.5",
    b"1e308",
    b"1e309",
    b"-1e309",
    b"1e-320",
    b"inf",
    b"-inf",
    b"+inf",
    b"nan",
    b"-nan",
    b"(1",
    b"(inf",
    b"(-inf",
    b"[a",
    b"(a",
    b"-",
    b"+",
    b"0x1p3",
    b"1.",
    b".5",
    b"5e",
    b"179.9",
    b"-85.05112879",
    b"85.06",
]

WORDS = [
    b"a",
    b"b",
    b"x",
    b"f1",
    b"v1",
    b"palermo",
    b"grp",
    b"alice",
    b"*",
    b">",
    b"$",
    b"0-0",
    b"1-1",
    b"1-*",
    b"2-0",
    b"0-1",
    b"18446744073709551615-18446744073709551615",
    b"1-18446744073709551616",
    b"-",
    b"+",
    b"\x00",
    b"\xff\xfe",
    b"\r\n",
    b"\"'",
    b"%",
    b"a" * 70,
    b"x" * 5000,
    b"on",
    b"off",
    b"yes",
    b"no",
    b"m",
    b"km",
    b"ft",
    b"mi",
    b"i8",
    b"u63",
    b"i64",
    b"u8",
    b"#1",
    b"#-1",
    b"i65",
]

PATTERNS = [
    b"*",
    b"?",
    b"[",
    b"[a-",
    b"[^]",
    b"\\",
    b"s*",
    b"*a" * 20 + b"b",
    b"[[]]*",
    b"h?sh",
]

# What edits the bytes of a request.
NOISE = [
    b"*",
    b"$",
    b"\r\n",
    b"\n",
    b"-1",
    b"0",
    b"*1\r\n" * 300,
    b"%1\r\n",
    b"~2\r\n",
    b"|1\r\n",
    b">",
    b"_\r\n",
    b",",
    b"(",
    b"#",
    b"=",
    b"!",
    b'"',
    b"'",
    b"\x00",
    b"*2147483647\r\n",
    b"$536870912\r\n",
    b"",
]

CHANNELS = [b"news", b"n*", b"__keyspace@0__:*", b"", b"ch\x00"]

# Scripts: a generic one that runs the command line it is given, the Lua
# libraries, and attempts to leave the sandbox (none must succeed: the
# canary file must never appear).
CANARY = "/tmp/miniredis-fuzz-canary"
CALL_SCRIPT = b"return redis.pcall(unpack(ARGV))"
SCRIPTS = [
    CALL_SCRIPT,
    b"return redis.call(unpack(ARGV))",
    b"return {1, 'a', {2, {3, {4}}}, redis.status_reply('x'), false}",
    b"local t = {} for i = 1, 100000 do t = {t} end return t",
    b"local t = {} for i = 1, 1000 do t[i] = i end return t",
    b"return redis.error_reply(ARGV[1])",
    b"return redis.status_reply(ARGV[1])",
    b"return redis.setresp(tonumber(ARGV[1]))",
    b"redis.setresp(3) return redis.pcall(unpack(ARGV))",
    b"return cjson.decode(ARGV[1])",
    b"return cjson.encode(cjson.decode(ARGV[1]))",
    b"return cmsgpack.unpack(ARGV[1])",
    b"return cmsgpack.pack(ARGV)",
    b"return struct.unpack(ARGV[1], ARGV[2])",
    b"return struct.pack(ARGV[1], ARGV[2])",
    b"return bit.tohex(ARGV[1], ARGV[2])",
    b"return redis.sha1hex(ARGV[1])",
    b"return tonumber(ARGV[1])",
    b"return string.format(ARGV[1], ARGV[2])",
    b"return string.rep(ARGV[1], 1000)",
    b"return redis.breakpoint()",
    b"return redis.log(redis.LOG_WARNING, ARGV[1])",
    b"return redis.set_repl(tonumber(ARGV[1]))",
    b"return redis.acl_check_cmd(unpack(ARGV))",
    ("return os.execute('touch %s')" % CANARY).encode(),
    ("return io.open('%s', 'w')" % CANARY).encode(),
    ("local f = loadstring('return io') return f().open('%s', 'w')" % CANARY).encode(),
    b"return require('os')",
    b"return dofile('/etc/passwd')",
    b"return loadfile('/etc/passwd')",
    b"setmetatable(_G, nil) x = 1 return x",
    b"rawset(_G, 'x', 1) return x",
    b"redis = nil return 1",
    b"redis.call = nil return 1",
    b"return debug.getinfo(1)",
    b"return getmetatable('').__index",
    b"string.rep = nil return 1",
    b"return coroutine.wrap(function() return 1 end)()",
    b"return pcall(error, {})",
    b"error({err = ARGV[1]})",
    b"error(ARGV[1])",
    b"return",
    b"",
    b"!!",
    b"return {err = 1}",
    b"return {ok = {}}",
    b"return 3.99",
    b"return {double = ARGV[1]}",
    b"return {map = {a = 1}}",
    b"return {set = {a = true}}",
    b"return {big_number = '-123456789012345678901234567890'}",
    b"return {verbatim_string = {format = 'txt', string = ARGV[1]}}",
]
SHAS = [hashlib.sha1(script).hexdigest().encode() for script in SCRIPTS[:3]] + [
    b"0" * 40,
    b"x",
]

LIBRARIES = [
    b"#!lua name=fuzz\n"
    b"redis.register_function('call', function(keys, args)"
    b" return redis.pcall(unpack(args)) end)\n"
    b"redis.register_function{function_name='ro', flags={'no-writes'},"
    b" callback=function(keys, args) return redis.pcall(unpack(args)) end}",
    b"#!lua name=other\nredis.register_function('call', function() return 1 end)",
    b"#!lua name=bad\nredis.call('ping')",
    b"#!lua name=loop\nlocal x = 1",
    b"#!lua name=x engine=LUA\nreturn 1",
    b"#!lua\nreturn 1",
    b"#!js name=x\n1",
    b"#!lua name=esc\nos.execute('touch " + CANARY.encode() + b"')",
    b"",
]

ACL_RULES = [
    b"on",
    b"off",
    b">pw",
    b"<pw",
    b"#" + b"a" * 64,
    b"nopass",
    b"resetpass",
    b"+@all",
    b"-@all",
    b"+get",
    b"-get",
    b"+client|id",
    b"+select|0",
    b"~*",
    b"~k*",
    b"%R~k*",
    b"%W~*",
    b"&*",
    b"&n*",
    b"allkeys",
    b"allchannels",
    b"allcommands",
    b"nocommands",
    b"resetkeys",
    b"resetchannels",
    b"reset",
    b"(~k* +get)",
    b"(",
    b"clearselectors",
    b"+@nosuch",
]

# Values by argument name, where a name says more than a type.
BY_NAME = {
    "script": SCRIPTS,
    "sha1": SHAS,
    "function-code": LIBRARIES,
    "library-name": [b"fuzz", b"other", b"nosuch", b""],
    "function": [b"call", b"ro", b"nosuch"],
    "rule": ACL_RULES,
    "username": [b"fuzzer", b"other", b""],
    "password": [b"pw", b"wrong", b""],
    "parameter": [p.encode() for p in CONFIG_PARAMETERS] + [b"nosuch", b"*"],
    "channel": CHANNELS,
    "shardchannel": CHANNELS,
    "pattern": PATTERNS,
    "category": [b"read", b"write", b"nosuch", b"@all"],
    "group": [b"grp", b"nosuch"],
    "consumer": [b"alice", b"bob"],
    "id": WORDS[8:20],
    "field": [b"f1", b"f2", b"f3", b"new"],
    "member": [b"a", b"b", b"palermo", b"new"],
}

_DB_DIGITS = re.compile(rb"[^0-9]")
_FAMILIES = {}


class RandomChoices:
    """Choices from a C{random.Random}."""

    def __init__(self, rng):
        self.rng = rng

    def choice(self, options):
        return options[self.rng.randrange(len(options))]

    def integer(self, low, high):
        return self.rng.randint(low, high)

    def chance(self, percent):
        return self.rng.randrange(100) < percent

    def binary(self, size):
        return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(0, size)))


class Maker:
    """
    Command lines from the specs of the command table.

    @ivar choices: where the choices come from (L{RandomChoices}, or
        hypothesis draws in tests/test_fuzz.py).
    @ivar payloads: DUMP payloads RESTORE is given (and mutations of them).
    """

    def __init__(self, choices, payloads=()):
        self.choices = choices
        self.payloads = list(payloads)

    # -- what may be fuzzed

    @staticmethod
    def commands(family=None):
        """
        @return: the L{Command}s of C{family} (a group of the command table,
            or C{"acl"} / C{"config"}), all of them for None; excluded ones
            left out, containers replaced by their subcommands.
        """
        if family not in _FAMILIES:
            found = []
            for _, cmd in sorted(COMMANDS.items()):
                entries = [cmd]
                if cmd.subcommands:
                    entries = [sub for _, sub in sorted(cmd.subcommands.items())]
                for entry in entries:
                    container = entry.name.split("|")[0]
                    if entry.name in EXCLUDED or container in EXCLUDED:
                        continue
                    if family is None or family in (entry.group, container):
                        found.append(entry)
            if not found:
                raise ValueError("no commands in family %r" % (family,))
            _FAMILIES[family] = found
        return _FAMILIES[family]

    # -- values

    def value(self, arg, group):
        c = self.choices
        if c.chance(4):
            return c.binary(12)
        if c.chance(4):
            return c.choice(NUMBERS)
        if arg.name == "serialized-value":
            return self.payload()
        if arg.name in BY_NAME:
            return c.choice(BY_NAME[arg.name])
        if arg.type == "key":
            if group in KEYS_BY_GROUP and c.chance(75):
                return c.choice(KEYS_BY_GROUP[group])
            return c.choice(KEYS)
        if arg.type in ("integer", "unix-time"):
            return c.choice(NUMBERS[:10] if c.chance(60) else NUMBERS)
        if arg.type == "double":
            return c.choice(DOUBLES[:3] + DOUBLES[-3:] if c.chance(50) else DOUBLES)
        if arg.type == "pattern":
            return c.choice(PATTERNS)
        return c.choice(WORDS + NUMBERS[:8] + DOUBLES[:12])

    def payload(self):
        c = self.choices
        if not self.payloads:
            return c.binary(20)
        whole = c.choice(self.payloads)
        body, footer = bytearray(whole[:-10]), whole[-10:-8]
        for _ in range(c.integer(0, 3)):
            if body:
                body[c.integer(0, len(body) - 1)] = c.integer(0, 255)
        if c.chance(20):
            del body[c.integer(0, len(body)) :]
        if c.chance(20):
            body[c.integer(0, len(body)) : 0] = c.binary(6)
        body = bytes(body) + footer
        if c.chance(80):  # past the checksum, into the loader
            return body + crc64(0, body).to_bytes(8, "little")
        return body + whole[-8:]

    def args(self, args, group=None):
        """@return: the words for the spec arguments C{args} (of a C{group} command)."""
        out = []
        c = self.choices
        args = list(args)
        while args:
            arg = args.pop(0)
            if "optional" in arg.flags and c.chance(50):
                continue
            if arg.name == "numkeys" and args and c.chance(80):
                # Most often the count of the keys that follow.
                keys = self.args(args[:1], group)
                del args[0]
                out += [str(len(keys)).encode()] + keys
                continue
            times = c.integer(1, 3) if "multiple" in arg.flags else 1
            for i in range(times):
                if arg.token is not None and (i == 0 or "multiple_token" in arg.flags):
                    out.append(arg.token.encode())
                if arg.type == "pure-token":
                    continue
                if arg.type == "oneof":
                    out.extend(self.args([c.choice(arg.args)], group))
                elif arg.type == "block":
                    out.extend(self.args(arg.args, group))
                else:
                    out.append(self.value(arg, group))
        return out

    # -- command lines

    def line(self, cmd):
        """@return: a command line for C{cmd} (a table entry), maybe broken."""
        c = self.choices
        name = [part.encode() for part in cmd.name.split("|")]
        if c.chance(30):
            name = [part.upper() for part in name]
        if cmd.name in (
            "eval",
            "eval_ro",
            "evalsha",
            "evalsha_ro",
            "fcall",
            "fcall_ro",
        ):
            argv = name + self.script_call(cmd)
        else:
            argv = name + self.args(cmd.args, cmd.group)
        return self.mutate(argv, len(name))

    def script_call(self, cmd):
        """Script arguments: keys, then a whole command line for the script to run."""
        c = self.choices
        head = self.args(cmd.args[:1], cmd.group)
        keys = [c.choice(KEYS) for _ in range(c.integer(0, 2))]
        numkeys = str(len(keys)).encode() if c.chance(85) else c.choice(NUMBERS)
        inner = self.line(c.choice(self.commands())) if c.chance(70) else []
        return head + [numkeys] + keys + inner

    def mutate(self, argv, fixed):
        c = self.choices
        if not c.chance(25) or len(argv) <= fixed:
            return argv
        argv = list(argv)
        at = c.integer(fixed, len(argv) - 1)
        how = c.integer(0, 5)
        if how == 0:
            del argv[at]
        elif how == 1:
            argv.insert(at, argv[at])
        elif how == 2:
            other = c.integer(fixed, len(argv) - 1)
            argv[at], argv[other] = argv[other], argv[at]
        elif how == 3:
            argv[at] = c.choice(NUMBERS + WORDS)
        elif how == 4:
            argv[at] = c.choice(TYPED)
        else:
            argv.append(c.choice(NUMBERS + WORDS))
        return argv

    def wire(self, lines):
        """
        @return: the bytes that send C{lines}, now and then edited with
            RESP's own characters (where an edit cannot make an excluded
            command of an argument, nor reach the sentinel database).
        """
        c = self.choices
        data = b"".join(encode_command(argv) for argv in lines)
        if not c.chance(10):
            return data
        edited = bytearray(data)
        for _ in range(c.integer(1, 3)):
            at = c.integer(0, len(edited))
            edited[at : at + c.integer(0, 3)] = c.choice(NOISE)
        edited = bytes(edited)
        lowered = edited.lower()
        if any(name in lowered for name in _EXCLUDED_WORDS) or (
            b"15" in lowered and any(word in lowered for word in _DB_WORDS)
        ):
            return data
        return edited

    def case(self, family=None):
        """
        @return: a few command lines for one client, the first of C{family}
            (all families for None), the others of any family.
        """
        c = self.choices
        lines = [self.line(c.choice(self.commands(family)))]
        for _ in range(c.integer(0, 2)):
            if c.chance(15):
                lines.insert(0, [b"MULTI"])
                lines.append([b"EXEC"])
            elif c.chance(10):
                lines.insert(0, [b"HELLO", b"3"])
            else:
                lines.append(self.line(c.choice(self.commands())))
        return away_from_sentinel(lines)


def away_from_sentinel(lines):
    """
    Keep command lines away from L{SENTINEL_DB}: where any of them may
    select a database (SELECT, MOVE, COPY, SWAPDB, a script), no argument
    may read as its index.
    """
    words = [arg.lower() for argv in lines for arg in argv if isinstance(arg, bytes)]
    if not any(word in arg for arg in words for word in _DB_WORDS):
        return lines
    sentinel = str(SENTINEL_DB).encode()
    return [
        [
            b"14"
            if isinstance(arg, bytes)
            and _DB_DIGITS.sub(b"", arg).lstrip(b"0") == sentinel
            else arg
            for arg in argv
        ]
        for argv in lines
    ]


# -- the sentinel dataset


def payload_lines():
    """
    @return: the command lines whose replies are the payloads RESTORE and
        FUNCTION RESTORE are given (a library is loaded on the way).
    """
    return [["DUMP", key] for key in KEYS[:13]] + [
        ["FUNCTION", "LOAD", LIBRARIES[0]],
        ["FUNCTION", "DUMP"],
    ]


def sentinel_lines():
    """@return: the command lines that fill the sentinel database."""
    return [["SELECT", str(SENTINEL_DB)]] + SEED + [["SELECT", "0"]]


def snapshot_lines():
    """@return: the command lines that read back the whole sentinel database."""
    lines = [["SELECT", str(SENTINEL_DB)], ["DBSIZE"]]
    for key, read in _READS:
        lines += [["TYPE", key], ["PTTL", key], [part or key for part in read]]
    lines += [["XINFO", "GROUPS", "stream"], ["XPENDING", "stream", "grp"]]
    return lines + [["SELECT", "0"]]


# How to read each key of L{SEED} (None stands for the key).
_READS = [
    ("str", ["GET", None]),
    ("int", ["GET", None]),
    ("list", ["LRANGE", None, "0", "-1"]),
    ("hash", ["HGETALL", None]),
    ("set", ["SORT", None, "ALPHA"]),
    ("intset", ["SORT", None]),
    ("zset", ["ZRANGE", None, "0", "-1", "WITHSCORES"]),
    ("stream", ["XRANGE", None, "-", "+"]),
    ("geo", ["ZRANGE", None, "0", "-1", "WITHSCORES"]),
    ("hll", ["GET", None]),
    ("bits", ["GET", None]),
    ("long", ["GET", None]),
    ("typed", ["GET", None]),
]
