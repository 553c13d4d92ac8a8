"""
A Twisted client for miniredis (and Redis): every command is a method that
returns a L{Deferred}.

Usage::

    from twisted.internet import defer, task
    from miniredis.client import RedisError, connect

    @defer.inlineCallbacks
    def main(reactor):
        client = yield connect(reactor, "tcp:127.0.0.1:6379", protocol=3)
        yield client.mset("k1", "v1", "k2", ["v2-0", 1, "v2-2"])
        value = yield client.get("k2")      # [b"v2-0", 1, b"v2-2"]
        try:
            yield client.incr("k1")
        except RedisError as e:
            print(e.message)                # ERR value is not an integer ...
        yield client.quit()

    task.react(main)

A call does not wait for the replies to earlier ones: requests go out at
once (pipelined) and each L{Deferred} fires with its own reply, in order.
Arguments are sent as the codec encodes them: C{str} and C{bytes} as bulk
strings, C{float} as its text, C{int}, C{list}, C{dict} and None as typed
RESP values, which miniredis stores as such for C{SET}-like commands (and
takes as plain strings elsewhere).

L{RedisCommands} holds the methods, one per command; the blocking client of
L{miniredis.blocking} shares them.
"""

import re
from collections import deque

from twisted.internet.defer import Deferred, TimeoutError, fail, inlineCallbacks
from twisted.internet.endpoints import clientFromString, connectProtocol
from twisted.internet.error import NotConnectingError
from twisted.internet.interfaces import ITCPTransport
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from twisted.protocols.policies import TimeoutMixin
from twisted.python.failure import Failure

from miniredis.resp import (
    Decoder,
    ProtocolError,
    Push,
    ReplyError,
    Status,
    Verbatim,
    encode_command,
)

log = Logger(namespace="miniredis.client")


class RedisError(ReplyError):
    """
    An error reply to a call (C{-ERR ...}, C{-WRONGTYPE ...}).

    @ivar message: the error text, its first word the error code.
    """


def decoded(value):
    """
    @return: C{value} with its byte strings decoded from UTF-8 (bytes that
        are not UTF-8 become lone surrogates, which L{encode_command} turns
        back into the same bytes).
    """
    if isinstance(value, (bytes, Status, Verbatim)):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, list):
        return value.__class__(decoded(item) for item in value)
    if isinstance(value, dict):
        return {decoded(key): decoded(item) for key, item in value.items()}
    return value


def command_name(args):
    """@return: the command of a call's arguments, lower case."""
    name = args[0]
    return (
        name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
    ).lower()


def _command(name, syntax=""):
    """
    @param name: the command, with its subcommand for a container command
        (C{"CLIENT SETNAME"}).
    @param syntax: its arguments, as Redis's documentation writes them.
    @return: a method sending the command with the arguments it is given.
    """
    words = tuple(name.split())

    def method(self, *args):
        return self.execute(*(words + args))

    method.__name__ = "_".join(words).lower().replace("-", "_")
    method.__doc__ = "C{%s %s}" % (name, syntax)
    return method


def _flat(args):
    """
    @return: C{args}, or the keys and values of a single dict flattened
        (C{mset({"a": 1})} is C{mset("a", 1)}).
    """
    if len(args) == 1 and isinstance(args[0], dict):
        return [item for pair in args[0].items() for item in pair]
    return list(args)


class RedisCommands:
    """
    One method per command, each sending it with C{self.execute(*args)}
    and returning what that returns: the subclass provides C{execute}.
    """

    # connection
    auth = _command("AUTH", "[username] password")
    echo = _command("ECHO", "message")
    ping = _command("PING", "[message]")
    quit = _command("QUIT")
    reset = _command("RESET")
    select = _command("SELECT", "index")
    hello = _command("HELLO", "[protover [AUTH username password] [SETNAME name]]")
    client_id = _command("CLIENT ID")
    client_getname = _command("CLIENT GETNAME")
    client_setname = _command("CLIENT SETNAME", "name")
    client_info = _command("CLIENT INFO")
    client_list = _command("CLIENT LIST", "[TYPE type] [ID id ...]")
    client_kill = _command("CLIENT KILL", "filter value ...")
    client_unblock = _command("CLIENT UNBLOCK", "client-id [TIMEOUT|ERROR]")
    client_no_evict = _command("CLIENT NO-EVICT", "ON|OFF")

    # strings, and the origin's DELETE and FLUSH
    get = _command("GET", "key")
    getdel = _command("GETDEL", "key")
    getex = _command("GETEX", "key [EX s|PX ms|EXAT t|PXAT t|PERSIST]")
    getset = _command("GETSET", "key value")
    getrange = _command("GETRANGE", "key start end")
    substr = _command("SUBSTR", "key start end")
    lcs = _command("LCS", "key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]")
    setrange = _command("SETRANGE", "key offset value")
    setnx = _command("SETNX", "key value")
    setex = _command("SETEX", "key seconds value")
    psetex = _command("PSETEX", "key milliseconds value")
    mget = _command("MGET", "key [key ...]")
    append = _command("APPEND", "key value")
    strlen = _command("STRLEN", "key")
    incr = _command("INCR", "key")
    incrby = _command("INCRBY", "key increment")
    incrbyfloat = _command("INCRBYFLOAT", "key increment")
    decr = _command("DECR", "key")
    decrby = _command("DECRBY", "key decrement")
    delete = _command("DELETE", "key")
    flush = _command("FLUSH")

    # bitmaps
    setbit = _command("SETBIT", "key offset value")
    getbit = _command("GETBIT", "key offset")
    bitcount = _command("BITCOUNT", "key [start end [BYTE|BIT]]")
    bitpos = _command("BITPOS", "key bit [start [end [BYTE|BIT]]]")
    bitop = _command("BITOP", "AND|OR|XOR|NOT destkey key [key ...]")
    bitfield = _command(
        "BITFIELD",
        "key [GET type offset] [SET type offset value] "
        "[INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...",
    )
    bitfield_ro = _command("BITFIELD_RO", "key [GET type offset ...]")

    def set(
        self,
        key,
        value,
        ex=None,
        px=None,
        exat=None,
        pxat=None,
        nx=False,
        xx=False,
        keepttl=False,
        get=False,
    ):
        """C{SET key value [NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL]}"""
        args = [key, value]
        for option, given in (("EX", ex), ("PX", px), ("EXAT", exat), ("PXAT", pxat)):
            if given is not None:
                args += [option, str(given)]
        for flag, given in (("NX", nx), ("XX", xx), ("KEEPTTL", keepttl), ("GET", get)):
            if given:
                args.append(flag)
        return self.execute("SET", *args)

    def mset(self, *pairs):
        """C{MSET key value [key value ...]}, or C{mset({key: value, ...})}"""
        return self.execute("MSET", *_flat(pairs))

    def msetnx(self, *pairs):
        """C{MSETNX key value [key value ...]}, or C{msetnx({key: value, ...})}"""
        return self.execute("MSETNX", *_flat(pairs))

    # keys
    del_ = _command("DEL", "key [key ...]")
    unlink = _command("UNLINK", "key [key ...]")
    exists = _command("EXISTS", "key [key ...]")
    touch = _command("TOUCH", "key [key ...]")
    type = _command("TYPE", "key")
    keys = _command("KEYS", "pattern")
    scan = _command("SCAN", "cursor [MATCH pattern] [COUNT count] [TYPE type]")
    randomkey = _command("RANDOMKEY")
    rename = _command("RENAME", "key newkey")
    renamenx = _command("RENAMENX", "key newkey")
    copy = _command("COPY", "source destination [DB db] [REPLACE]")
    move = _command("MOVE", "key db")
    dbsize = _command("DBSIZE")
    flushdb = _command("FLUSHDB", "[ASYNC|SYNC]")
    flushall = _command("FLUSHALL", "[ASYNC|SYNC]")
    swapdb = _command("SWAPDB", "index1 index2")
    object_encoding = _command("OBJECT ENCODING", "key")
    object_freq = _command("OBJECT FREQ", "key")
    object_idletime = _command("OBJECT IDLETIME", "key")
    object_refcount = _command("OBJECT REFCOUNT", "key")

    # memory
    memory_usage = _command("MEMORY USAGE", "key [SAMPLES count]")
    memory_stats = _command("MEMORY STATS")
    memory_doctor = _command("MEMORY DOCTOR")
    memory_malloc_stats = _command("MEMORY MALLOC-STATS")
    memory_purge = _command("MEMORY PURGE")
    memory_help = _command("MEMORY HELP")

    # hyperloglog
    pfadd = _command("PFADD", "key [element ...]")
    pfcount = _command("PFCOUNT", "key [key ...]")
    pfmerge = _command("PFMERGE", "destkey [sourcekey ...]")

    # sort
    sort = _command(
        "SORT",
        "key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] "
        "[ALPHA] [STORE destination]",
    )
    sort_ro = _command(
        "SORT_RO",
        "key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]",
    )

    # expiry
    expire = _command("EXPIRE", "key seconds [NX|XX|GT|LT]")
    pexpire = _command("PEXPIRE", "key milliseconds [NX|XX|GT|LT]")
    expireat = _command("EXPIREAT", "key unix-time [NX|XX|GT|LT]")
    pexpireat = _command("PEXPIREAT", "key unix-time-ms [NX|XX|GT|LT]")
    expiretime = _command("EXPIRETIME", "key")
    pexpiretime = _command("PEXPIRETIME", "key")
    ttl = _command("TTL", "key")
    pttl = _command("PTTL", "key")
    persist = _command("PERSIST", "key")

    # serialized values
    dump = _command("DUMP", "key")
    restore = _command(
        "RESTORE",
        "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
    )

    # server and replication
    role = _command("ROLE")
    wait = _command("WAIT", "numreplicas timeout")

    # lists
    lpush = _command("LPUSH", "key element [element ...]")
    rpush = _command("RPUSH", "key element [element ...]")
    lpushx = _command("LPUSHX", "key element [element ...]")
    rpushx = _command("RPUSHX", "key element [element ...]")
    lpop = _command("LPOP", "key [count]")
    rpop = _command("RPOP", "key [count]")
    llen = _command("LLEN", "key")
    lrange = _command("LRANGE", "key start stop")
    lindex = _command("LINDEX", "key index")
    lset = _command("LSET", "key index element")
    linsert = _command("LINSERT", "key BEFORE|AFTER pivot element")
    lrem = _command("LREM", "key count element")
    ltrim = _command("LTRIM", "key start stop")
    lpos = _command("LPOS", "key element [RANK r] [COUNT n] [MAXLEN len]")
    lmove = _command("LMOVE", "source destination LEFT|RIGHT LEFT|RIGHT")
    lmpop = _command("LMPOP", "numkeys key [key ...] LEFT|RIGHT [COUNT count]")
    rpoplpush = _command("RPOPLPUSH", "source destination")
    blpop = _command("BLPOP", "key [key ...] timeout")
    brpop = _command("BRPOP", "key [key ...] timeout")
    blmove = _command("BLMOVE", "source destination LEFT|RIGHT LEFT|RIGHT timeout")
    blmpop = _command("BLMPOP", "timeout numkeys key [key ...] LEFT|RIGHT [COUNT n]")
    brpoplpush = _command("BRPOPLPUSH", "source destination timeout")

    # hashes
    hget = _command("HGET", "key field")
    hmget = _command("HMGET", "key field [field ...]")
    hgetall = _command("HGETALL", "key")
    hdel = _command("HDEL", "key field [field ...]")
    hexists = _command("HEXISTS", "key field")
    hlen = _command("HLEN", "key")
    hkeys = _command("HKEYS", "key")
    hvals = _command("HVALS", "key")
    hstrlen = _command("HSTRLEN", "key field")
    hsetnx = _command("HSETNX", "key field value")
    hincrby = _command("HINCRBY", "key field increment")
    hincrbyfloat = _command("HINCRBYFLOAT", "key field increment")
    hrandfield = _command("HRANDFIELD", "key [count [WITHVALUES]]")
    hscan = _command("HSCAN", "key cursor [MATCH pattern] [COUNT count]")

    def hset(self, key, *pairs):
        """C{HSET key field value [field value ...]}, or C{hset(key, {field: value})}"""
        return self.execute("HSET", key, *_flat(pairs))

    def hmset(self, key, *pairs):
        """C{HMSET key field value [field value ...]}, or C{hmset(key, {field: value})}"""
        return self.execute("HMSET", key, *_flat(pairs))

    # sets
    sadd = _command("SADD", "key member [member ...]")
    srem = _command("SREM", "key member [member ...]")
    smembers = _command("SMEMBERS", "key")
    sismember = _command("SISMEMBER", "key member")
    smismember = _command("SMISMEMBER", "key member [member ...]")
    scard = _command("SCARD", "key")
    spop = _command("SPOP", "key [count]")
    srandmember = _command("SRANDMEMBER", "key [count]")
    smove = _command("SMOVE", "source destination member")
    sinter = _command("SINTER", "key [key ...]")
    sintercard = _command("SINTERCARD", "numkeys key [key ...] [LIMIT limit]")
    sinterstore = _command("SINTERSTORE", "destination key [key ...]")
    sunion = _command("SUNION", "key [key ...]")
    sunionstore = _command("SUNIONSTORE", "destination key [key ...]")
    sdiff = _command("SDIFF", "key [key ...]")
    sdiffstore = _command("SDIFFSTORE", "destination key [key ...]")
    sscan = _command("SSCAN", "key cursor [MATCH pattern] [COUNT count]")

    # sorted sets
    zcard = _command("ZCARD", "key")
    zscore = _command("ZSCORE", "key member")
    zmscore = _command("ZMSCORE", "key member [member ...]")
    zincrby = _command("ZINCRBY", "key increment member")
    zrem = _command("ZREM", "key member [member ...]")
    zrank = _command("ZRANK", "key member")
    zrevrank = _command("ZREVRANK", "key member")
    zcount = _command("ZCOUNT", "key min max")
    zlexcount = _command("ZLEXCOUNT", "key min max")
    zrange = _command(
        "ZRANGE", "key start stop [BYSCORE|BYLEX] [REV] [LIMIT o n] [WITHSCORES]"
    )
    zrangestore = _command("ZRANGESTORE", "dst src min max [BYSCORE|BYLEX] [REV]")
    zrevrange = _command("ZREVRANGE", "key start stop [WITHSCORES]")
    zrangebyscore = _command("ZRANGEBYSCORE", "key min max [WITHSCORES] [LIMIT o n]")
    zrevrangebyscore = _command("ZREVRANGEBYSCORE", "key max min [WITHSCORES]")
    zrangebylex = _command("ZRANGEBYLEX", "key min max [LIMIT offset count]")
    zrevrangebylex = _command("ZREVRANGEBYLEX", "key max min [LIMIT offset count]")
    zremrangebyrank = _command("ZREMRANGEBYRANK", "key start stop")
    zremrangebyscore = _command("ZREMRANGEBYSCORE", "key min max")
    zremrangebylex = _command("ZREMRANGEBYLEX", "key min max")
    zpopmin = _command("ZPOPMIN", "key [count]")
    zpopmax = _command("ZPOPMAX", "key [count]")
    zmpop = _command("ZMPOP", "numkeys key [key ...] MIN|MAX [COUNT count]")
    bzpopmin = _command("BZPOPMIN", "key [key ...] timeout")
    bzpopmax = _command("BZPOPMAX", "key [key ...] timeout")
    bzmpop = _command("BZMPOP", "timeout numkeys key [key ...] MIN|MAX [COUNT n]")
    zrandmember = _command("ZRANDMEMBER", "key [count [WITHSCORES]]")
    zunion = _command("ZUNION", "numkeys key [key ...] [WEIGHTS ...] [WITHSCORES]")
    zunionstore = _command("ZUNIONSTORE", "destination numkeys key [key ...]")
    zinter = _command("ZINTER", "numkeys key [key ...] [WEIGHTS ...] [WITHSCORES]")
    zinterstore = _command("ZINTERSTORE", "destination numkeys key [key ...]")
    zintercard = _command("ZINTERCARD", "numkeys key [key ...] [LIMIT limit]")
    zdiff = _command("ZDIFF", "numkeys key [key ...] [WITHSCORES]")
    zdiffstore = _command("ZDIFFSTORE", "destination numkeys key [key ...]")
    zscan = _command("ZSCAN", "key cursor [MATCH pattern] [COUNT count]")

    def zadd(self, key, *args):
        """
        C{ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [...]}; the
        scores and members may come last as one C{{member: score}} dict.
        """
        if args and isinstance(args[-1], dict):
            pairs = args[-1].items()
            args = args[:-1] + tuple(
                x for member, score in pairs for x in (score, member)
            )
        return self.execute("ZADD", key, *args)

    # streams
    xadd = _command(
        "XADD",
        "key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT n]] *|id field value ...",
    )
    xrange = _command("XRANGE", "key start end [COUNT count]")
    xrevrange = _command("XREVRANGE", "key end start [COUNT count]")
    xlen = _command("XLEN", "key")
    xdel = _command("XDEL", "key id [id ...]")
    xtrim = _command("XTRIM", "key MAXLEN|MINID [=|~] threshold [LIMIT count]")
    xread = _command(
        "XREAD", "[COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...]"
    )
    xreadgroup = _command(
        "XREADGROUP",
        "GROUP group consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key ... id ...",
    )
    xgroup_create = _command(
        "XGROUP CREATE", "key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]"
    )
    xgroup_setid = _command("XGROUP SETID", "key group id|$ [ENTRIESREAD entries-read]")
    xgroup_destroy = _command("XGROUP DESTROY", "key group")
    xgroup_createconsumer = _command("XGROUP CREATECONSUMER", "key group consumer")
    xgroup_delconsumer = _command("XGROUP DELCONSUMER", "key group consumer")
    xack = _command("XACK", "key group id [id ...]")
    xpending = _command(
        "XPENDING", "key group [[IDLE min-idle-time] start end count [consumer]]"
    )
    xclaim = _command(
        "XCLAIM",
        "key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] "
        "[RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id]",
    )
    xautoclaim = _command(
        "XAUTOCLAIM", "key group consumer min-idle-time start [COUNT count] [JUSTID]"
    )
    xinfo_stream = _command("XINFO STREAM", "key [FULL [COUNT count]]")
    xinfo_groups = _command("XINFO GROUPS", "key")
    xinfo_consumers = _command("XINFO CONSUMERS", "key group")
    xsetid = _command(
        "XSETID",
        "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
    )

    # pub/sub
    publish = _command("PUBLISH", "channel message")
    spublish = _command("SPUBLISH", "shardchannel message")
    pubsub_channels = _command("PUBSUB CHANNELS", "[pattern]")
    pubsub_numsub = _command("PUBSUB NUMSUB", "[channel ...]")
    pubsub_numpat = _command("PUBSUB NUMPAT")
    pubsub_shardchannels = _command("PUBSUB SHARDCHANNELS", "[pattern]")
    pubsub_shardnumsub = _command("PUBSUB SHARDNUMSUB", "[shardchannel ...]")

    # transactions
    multi = _command("MULTI")
    exec = _command("EXEC")
    discard = _command("DISCARD")
    watch = _command("WATCH", "key [key ...]")
    unwatch = _command("UNWATCH")

    # scripting
    eval = _command("EVAL", "script numkeys [key ...] [arg ...]")
    eval_ro = _command("EVAL_RO", "script numkeys [key ...] [arg ...]")
    evalsha = _command("EVALSHA", "sha1 numkeys [key ...] [arg ...]")
    evalsha_ro = _command("EVALSHA_RO", "sha1 numkeys [key ...] [arg ...]")
    script_load = _command("SCRIPT LOAD", "script")
    script_exists = _command("SCRIPT EXISTS", "sha1 [sha1 ...]")
    script_flush = _command("SCRIPT FLUSH", "[ASYNC|SYNC]")
    script_kill = _command("SCRIPT KILL")

    # server
    info = _command("INFO", "[section ...]")
    time = _command("TIME")
    config_get = _command("CONFIG GET", "parameter [parameter ...]")
    config_set = _command("CONFIG SET", "parameter value [parameter value ...]")
    config_resetstat = _command("CONFIG RESETSTAT")
    config_rewrite = _command("CONFIG REWRITE")
    command_count = _command("COMMAND COUNT")
    command_info = _command("COMMAND INFO", "[command-name ...]")
    command_docs = _command("COMMAND DOCS", "[command-name ...]")
    command_list = _command("COMMAND LIST", "[FILTERBY ...]")
    command_getkeys = _command("COMMAND GETKEYS", "command [arg ...]")
    save = _command("SAVE")
    bgsave = _command("BGSAVE", "[SCHEDULE]")
    bgrewriteaof = _command("BGREWRITEAOF")
    lastsave = _command("LASTSAVE")
    shutdown = _command("SHUTDOWN", "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]")
    lolwut = _command("LOLWUT", "[VERSION version]")


class _Subscription:
    """
    A (P|S)(UN)SUBSCRIBE call, waiting for one confirmation per name.

    @ivar kind: the confirmations awaited (C{b"subscribe"}, ...).
    @ivar expected: how many.
    """

    def __init__(self, kind, expected):
        self.kind = kind
        self.expected = expected
        self.confirmations = []
        self.deferred = Deferred()


_SUBSCRIPTION_KINDS = {
    b"subscribe": b"subscribe",
    b"unsubscribe": b"subscribe",
    b"psubscribe": b"psubscribe",
    b"punsubscribe": b"psubscribe",
    b"ssubscribe": b"ssubscribe",
    b"sunsubscribe": b"ssubscribe",
}


# What starts a MONITOR line, and no reply a command sends.
_MONITOR_LINE = re.compile(rb"\d+\.\d{6} \[")


class RedisClientProtocol(Protocol, TimeoutMixin, RedisCommands):
    """
    A connection to a Redis server; every call returns a L{Deferred}.

    A call fires with the reply, or fails with L{RedisError} for an error
    reply, with the reason of the connection's loss if it is lost first,
    or with L{TimeoutError} if no reply came for C{timeout} seconds (the
    connection is then dropped, failing the other calls too). Calls on a
    closed connection fail at once.

    Out-of-band messages (RESP3 pushes: pub/sub messages, invalidations)
    go to L{pushReceived}. The (un)subscribe methods need RESP3. After
    L{monitor}, the server's lines about the commands it runs go to
    L{monitorLineReceived}.

    @ivar protocolVersion: the RESP version the server speaks to us.
    @ivar replyTimeout: seconds to wait for a reply, or None.
    @ivar decodeResponses: whether replies come decoded from UTF-8.
    """

    protocolVersion = 2
    _lost = None
    _monitoring = False

    def __init__(self, timeout=None, clock=None, decode_responses=False):
        """
        @param timeout: seconds to wait for each reply, None for ever.
        @param clock: the reactor timeouts are scheduled on (a
            C{task.Clock} in tests); the global reactor by default.
        @param decode_responses: decode the byte strings of replies to
            C{str} (see L{decoded}).
        """
        self._pending = deque()
        self._subscriptions = deque()
        self._subscribed = {
            b"subscribe": set(),
            b"psubscribe": set(),
            b"ssubscribe": set(),
        }
        self._decoder = Decoder(inline=False)
        self.replyTimeout = timeout
        self.decodeResponses = decode_responses
        if clock is not None:
            self.callLater = clock.callLater

    def connectionMade(self):
        if ITCPTransport.providedBy(self.transport):
            self.transport.setTcpNoDelay(True)

    def execute(self, *args):
        """
        Send a command: C{execute("SET", "k", "v")}.

        @return: a L{Deferred} firing with the reply.
        """
        if not args:
            return fail(ValueError("a command needs a name"))
        refused = self._refused()
        if refused is not None:
            return refused
        deferred = Deferred()
        if not self._pending:
            self.setTimeout(self.replyTimeout)
        self._pending.append(deferred)
        self.transport.write(encode_command(args))
        name = command_name(args)
        if name == "hello" and len(args) > 1:
            deferred.addCallback(self._switched, int(args[1]))
        elif name == "reset":
            deferred.addCallback(self._reset_done)
        elif name == "monitor":
            deferred.addCallback(self._monitor_started)
        return deferred

    def _switched(self, reply, version):
        self.protocolVersion = version
        return reply

    def _reset_done(self, reply):
        self._monitoring = False
        return self._switched(reply, 2)

    def monitor(self):
        """
        C{MONITOR}: once the server has said OK, each command it runs comes
        to L{monitorLineReceived}, a line each. Other calls go on working
        (but Redis refuses a monitoring client the commands that touch keys).

        @return: a L{Deferred} firing with the OK.
        """
        return self.execute("MONITOR")

    def _monitor_started(self, reply):
        self._monitoring = True
        return reply

    def monitorLineReceived(self, line):
        """
        Override this to follow MONITOR.

        @param line: a L{Status}, such as
            C{1700000000.123456 [0 127.0.0.1:50312] "set" "k" "v"}.
        """
        log.debug("monitor line not handled: {line!r}", line=line)

    def _refused(self):
        """@return: a failed L{Deferred} if no command can be sent now."""
        if self._lost is not None:
            return fail(self._lost)
        if self.transport is None:
            return fail(NotConnectingError("not connected yet"))
        return None

    def subscribe(self, *channels):
        """
        C{SUBSCRIBE channel [channel ...]}, under RESP3.

        @return: a L{Deferred} firing with the confirmation pushes; the
            messages then go to L{pushReceived}.
        """
        return self._subscribe(b"subscribe", channels)

    def psubscribe(self, *patterns):
        """C{PSUBSCRIBE pattern [pattern ...]}, under RESP3 (see L{subscribe})."""
        return self._subscribe(b"psubscribe", patterns)

    def ssubscribe(self, *channels):
        """C{SSUBSCRIBE shardchannel [...]}, under RESP3 (see L{subscribe})."""
        return self._subscribe(b"ssubscribe", channels)

    def unsubscribe(self, *channels):
        """C{UNSUBSCRIBE [channel ...]}, under RESP3 (see L{subscribe})."""
        return self._subscribe(b"unsubscribe", channels)

    def punsubscribe(self, *patterns):
        """C{PUNSUBSCRIBE [pattern ...]}, under RESP3 (see L{subscribe})."""
        return self._subscribe(b"punsubscribe", patterns)

    def sunsubscribe(self, *channels):
        """C{SUNSUBSCRIBE [shardchannel ...]}, under RESP3 (see L{subscribe})."""
        return self._subscribe(b"sunsubscribe", channels)

    def _subscribe(self, kind, names):
        refused = self._refused()
        if refused is not None:
            return refused
        if self.protocolVersion != 3:
            return fail(ValueError("pub/sub needs RESP3: connect with protocol=3"))
        # Without names, one confirmation per name subscribed, or one.
        expected = len(names) or max(
            1, len(self._subscribed[_SUBSCRIPTION_KINDS[kind]])
        )
        subscription = _Subscription(kind, expected)
        self._subscriptions.append(subscription)
        self.transport.write(encode_command((kind,) + names))
        return subscription.deferred

    def dataReceived(self, data):
        self._decoder.feed(data)
        try:
            values = self._decoder.values()
        except ProtocolError:
            self._abort(Failure())
            return
        for value in values:
            if type(value) is Push:
                self._pushed(value)
            elif (
                self._monitoring
                and type(value) is Status
                and _MONITOR_LINE.match(value)
            ):
                self.monitorLineReceived(self._value(value))
            else:
                self._replied(value)
        if self._pending:
            self.resetTimeout()
        else:
            self.setTimeout(None)

    def _replied(self, value):
        if not self._pending:
            if self._lost is None:
                log.warn("reply to no request: {reply!r}", reply=value)
            return
        deferred = self._pending.popleft()
        if isinstance(value, ReplyError):
            deferred.errback(RedisError(value.message))
        elif self.decodeResponses:
            deferred.callback(decoded(value))
        else:
            deferred.callback(value)

    def _pushed(self, push):
        kind = push[0] if push else None
        family = _SUBSCRIPTION_KINDS.get(kind)
        if family is not None and len(push) == 3:
            names = self._subscribed[family]
            if kind == family:
                names.add(push[1])
            else:
                names.discard(push[1])
            waiting = self._subscriptions
            if waiting and waiting[0].kind == kind:
                subscription = waiting[0]
                subscription.confirmations.append(self._value(push))
                if len(subscription.confirmations) == subscription.expected:
                    waiting.popleft()
                    subscription.deferred.callback(subscription.confirmations)
                return
        self.pushReceived(self._value(push))

    def _value(self, value):
        return decoded(value) if self.decodeResponses else value

    def pushReceived(self, push):
        """
        Override this to handle out-of-band messages.

        @param push: a L{Push}, such as C{[b"message", channel, payload]}.
        """
        log.debug("push not handled: {push!r}", push=push)

    def timeoutConnection(self):
        self._abort(
            Failure(TimeoutError("no reply in %s seconds" % (self.replyTimeout,)))
        )

    def _abort(self, reason):
        """Fail every call with C{reason} and drop the connection."""
        self._lost = reason
        self._fail_all(reason)
        self.transport.loseConnection()

    def connectionLost(self, reason):
        self.setTimeout(None)
        if self._lost is None:
            self._lost = reason
        self._fail_all(reason)

    def _fail_all(self, reason):
        while self._pending:
            self._pending.popleft().errback(reason)
        while self._subscriptions:
            self._subscriptions.popleft().deferred.errback(reason)


@inlineCallbacks
def _handshake(client, password, db, protocol):
    try:
        if protocol == 3:
            auth = ("AUTH", "default", password) if password is not None else ()
            yield client.hello(3, *auth)
        elif password is not None:
            yield client.auth(password)
        if db:
            yield client.select(db)
    except BaseException:
        client.transport.loseConnection()
        raise
    return client


def connect(
    reactor,
    endpoint="tcp:127.0.0.1:6379",
    password=None,
    db=0,
    protocol=3,
    timeout=None,
    decode_responses=False,
):
    """
    Connect to a server and get a client ready for commands.

    @param reactor: the reactor (its clock also times the replies).
    @param endpoint: a client endpoint description, as
        L{clientFromString} reads it (C{"unix:path=/run/redis.sock"}, ...).
    @param password: sent with C{AUTH} (or C{HELLO 3 AUTH}) when given.
    @param db: the database to C{SELECT}, if not 0.
    @param protocol: the RESP version to speak: 3 (C{HELLO 3}; maps come
        back as dicts, pub/sub pushes reach L{pushReceived}), or 2.
    @param timeout: seconds to wait for each reply, None for ever.
    @param decode_responses: decode replies' byte strings to C{str}.
    @return: a L{Deferred} firing with the connected L{RedisClientProtocol}.
    """
    client = RedisClientProtocol(
        timeout=timeout, clock=reactor, decode_responses=decode_responses
    )
    connecting = connectProtocol(clientFromString(reactor, endpoint), client)
    return connecting.addCallback(lambda _: _handshake(client, password, db, protocol))
