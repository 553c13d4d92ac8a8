"""
The methods of every client: one per command, shared by the Deferred
clients of L{miniredis.client} (connection, pool, pipeline, cluster) and the
blocking client of L{miniredis.blocking}.

The common commands have Pythonic signatures and reply conversions in
redis-py's manner (C{set(key, value, ex=10, nx=True)}, C{zadd(key, {m: 1})},
scores as floats, hashes as dicts); every other command of the server's
table has a method taking its arguments as the command line does
(C{object_encoding(key)}, C{client_list("TYPE", "normal")}). Extra
positional words given to a Pythonic method go out as they are, and its
reply then comes back unconverted (C{zrange(k, 0, -1, "WITHSCORES")}).
"""

from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from miniredis.client.replies import (
    to_bool,
    to_dict,
    to_float,
    to_floats,
    to_hscan,
    to_info,
    to_pair,
    to_scan,
    to_scored,
    to_set,
    to_zscan,
)

#: A key, a field, a member: bytes, or text sent as UTF-8.
Key = Union[bytes, str]

# Commands that may wait on the server: a pool sends them on a connection of
# their own (XREAD and XREADGROUP only with BLOCK).
BLOCKING = frozenset(
    "blpop brpop blmove blmpop brpoplpush bzpopmin bzpopmax bzmpop wait".split()
)


def is_blocking(name, args):
    """@return: whether a command line C{args} named C{name} may block."""
    if name in BLOCKING:
        return True
    if name in ("xread", "xreadgroup"):
        return any(_word(arg) == "BLOCK" for arg in args[1:])
    return False


def _word(arg):
    """@return: an argument as upper-case text."""
    if isinstance(arg, bytes):
        return arg.decode("utf-8", "replace").upper()
    return str(arg).upper()


def _command(name, syntax="", convert=None):
    """
    @param name: the command, with its subcommand for a container command
        (C{"CLIENT SETNAME"}).
    @param syntax: its arguments, as Redis's documentation writes them.
    @param convert: None, or a function converting the reply.
    @return: a method sending the command with the arguments it is given.
    """
    words = tuple(name.split())

    def method(self, *args):
        return self._call(convert, *(words + args))

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


def _list(keys):
    """@return: C{keys} as a list: one key, or an iterable of them."""
    if isinstance(keys, (bytes, str, int, float)):
        return [keys]
    return list(keys)


def _flags(**given):
    """@return: the upper-case names of the true flags, in the order given."""
    return [name.upper() for name, on in given.items() if on]


def _options(**given):
    """@return: C{[NAME, value, ...]} for the options that are not None."""
    args = []
    for name, value in given.items():
        if value is not None:
            args += [name.upper(), value]
    return args


class RedisCommands:
    """
    One method per command, each sending it through C{self._call(convert,
    *args)}: the subclass sends the command line C{args} and applies
    C{convert} (None, or a function) to the reply, returning a L{Deferred}
    or the value itself. C{execute(*args)} sends any command as it is.
    """

    def _call(self, convert, *args) -> Any:
        raise NotImplementedError("a client class provides _call")

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
    client_getredir = _command("CLIENT GETREDIR")
    client_help = _command("CLIENT HELP")
    client_info = _command("CLIENT INFO")
    client_list = _command("CLIENT LIST", "[TYPE type] [ID id ...]")
    client_kill = _command("CLIENT KILL", "filter value ...")
    client_reply = _command("CLIENT REPLY", "ON|OFF|SKIP")
    client_tracking = _command("CLIENT TRACKING", "ON|OFF [options]")
    client_trackinginfo = _command("CLIENT TRACKINGINFO")
    client_caching = _command("CLIENT CACHING", "YES|NO")
    client_unblock = _command("CLIENT UNBLOCK", "client-id [TIMEOUT|ERROR]")
    client_no_evict = _command("CLIENT NO-EVICT", "ON|OFF")
    client_pause = _command("CLIENT PAUSE", "timeout [WRITE|ALL]")
    client_unpause = _command("CLIENT UNPAUSE")

    # strings, and the origin's DELETE and FLUSH
    get = _command("GET", "key")
    getdel = _command("GETDEL", "key")
    getset = _command("GETSET", "key value")
    getrange = _command("GETRANGE", "key start end")
    substr = _command("SUBSTR", "key start end")
    lcs = _command("LCS", "key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]")
    setrange = _command("SETRANGE", "key offset value")
    setnx = _command("SETNX", "key value", to_bool)
    setex = _command("SETEX", "key seconds value")
    psetex = _command("PSETEX", "key milliseconds value")
    append = _command("APPEND", "key value")
    strlen = _command("STRLEN", "key")
    incr = _command("INCR", "key")
    incrby = _command("INCRBY", "key increment")
    incrbyfloat = _command("INCRBYFLOAT", "key increment", to_float)
    decr = _command("DECR", "key")
    decrby = _command("DECRBY", "key decrement")
    delete = _command("DELETE", "key")
    flush = _command("FLUSH")

    def set(
        self,
        key: Key,
        value: Any,
        ex: Optional[float] = None,
        px: Optional[int] = None,
        exat: Optional[int] = None,
        pxat: Optional[int] = None,
        nx: bool = False,
        xx: bool = False,
        keepttl: bool = False,
        get: bool = False,
    ) -> Any:
        """
        C{SET key value [NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL]}.

        @return: C{OK}, None where NX or XX stopped it, or with C{get} the
            old value.
        """
        args = ["SET", key, value]
        args += _options(ex=ex, px=px, exat=exat, pxat=pxat)
        args += _flags(nx=nx, xx=xx, keepttl=keepttl, get=get)
        return self._call(None, *args)

    def getex(
        self,
        key: Key,
        ex: Optional[float] = None,
        px: Optional[int] = None,
        exat: Optional[int] = None,
        pxat: Optional[int] = None,
        persist: bool = False,
    ) -> Any:
        """C{GETEX key [EX s|PX ms|EXAT t|PXAT t|PERSIST]}"""
        args = ["GETEX", key] + _options(ex=ex, px=px, exat=exat, pxat=pxat)
        return self._call(None, *(args + _flags(persist=persist)))

    def mget(self, *keys) -> Any:
        """C{MGET key [key ...]}, or C{mget([key, ...])}"""
        if len(keys) == 1 and not isinstance(keys[0], (bytes, str)):
            keys = tuple(keys[0])
        return self._call(None, "MGET", *keys)

    def mset(self, *pairs) -> Any:
        """C{MSET key value [key value ...]}, or C{mset({key: value, ...})}"""
        return self._call(None, "MSET", *_flat(pairs))

    def msetnx(self, *pairs) -> Any:
        """C{MSETNX key value [...]}, or C{msetnx({key: value, ...})}: a bool"""
        return self._call(to_bool, "MSETNX", *_flat(pairs))

    # bitmaps
    setbit = _command("SETBIT", "key offset value")
    getbit = _command("GETBIT", "key offset")
    bitcount = _command("BITCOUNT", "key [start end [BYTE|BIT]]")
    bitpos = _command("BITPOS", "key bit [start [end [BYTE|BIT]]]")
    bitop = _command("BITOP", "AND|OR|XOR|NOT destkey key [key ...]")
    bitfield = _command("BITFIELD", "key [GET|SET|INCRBY|OVERFLOW ...] ...")
    bitfield_ro = _command("BITFIELD_RO", "key [GET type offset ...]")

    # keys
    del_ = _command("DEL", "key [key ...]")
    unlink = _command("UNLINK", "key [key ...]")
    exists = _command("EXISTS", "key [key ...]")
    touch = _command("TOUCH", "key [key ...]")
    type = _command("TYPE", "key")
    keys = _command("KEYS", "pattern")
    randomkey = _command("RANDOMKEY")
    rename = _command("RENAME", "key newkey")
    renamenx = _command("RENAMENX", "key newkey", to_bool)
    copy = _command("COPY", "source destination [DB db] [REPLACE]", to_bool)
    move = _command("MOVE", "key db", to_bool)
    dbsize = _command("DBSIZE")
    flushdb = _command("FLUSHDB", "[ASYNC|SYNC]")
    flushall = _command("FLUSHALL", "[ASYNC|SYNC]")
    swapdb = _command("SWAPDB", "index1 index2")
    object_encoding = _command("OBJECT ENCODING", "key")
    object_freq = _command("OBJECT FREQ", "key")
    object_help = _command("OBJECT HELP")
    object_idletime = _command("OBJECT IDLETIME", "key")
    object_refcount = _command("OBJECT REFCOUNT", "key")

    def scan(
        self,
        cursor: int = 0,
        match: Optional[Key] = None,
        count: Optional[int] = None,
        _type: Optional[str] = None,
    ) -> Any:
        """C{SCAN cursor [MATCH m] [COUNT n] [TYPE t]}: C{(cursor, keys)}"""
        args = ["SCAN", cursor] + _options(match=match, count=count, type=_type)
        return self._call(to_scan, *args)

    # memory
    memory_usage = _command("MEMORY USAGE", "key [SAMPLES count]")
    memory_stats = _command("MEMORY STATS", "", to_dict)
    memory_doctor = _command("MEMORY DOCTOR")
    memory_malloc_stats = _command("MEMORY MALLOC-STATS")
    memory_purge = _command("MEMORY PURGE")
    memory_help = _command("MEMORY HELP")

    # hyperloglog
    pfadd = _command("PFADD", "key [element ...]")
    pfcount = _command("PFCOUNT", "key [key ...]")
    pfmerge = _command("PFMERGE", "destkey [sourcekey ...]")
    pfdebug = _command("PFDEBUG", "subcommand key")
    pfselftest = _command("PFSELFTEST")

    # replication and migration
    replicaof = _command("REPLICAOF", "host port | NO ONE")
    slaveof = _command("SLAVEOF", "host port | NO ONE")
    migrate = _command(
        "MIGRATE", 'host port key|"" destination-db timeout [COPY] [REPLACE] ...'
    )
    # What a replica sends its master: for tools that act as replicas.
    replconf = _command("REPLCONF", "option value ...")
    psync = _command("PSYNC", "replicationid offset")
    sync = _command("SYNC")

    # cluster: a standalone server refuses these (a real cluster answers)
    cluster_info = _command("CLUSTER INFO")
    cluster_nodes = _command("CLUSTER NODES")
    cluster_shards = _command("CLUSTER SHARDS")
    cluster_slots = _command("CLUSTER SLOTS")
    cluster_myid = _command("CLUSTER MYID")
    cluster_keyslot = _command("CLUSTER KEYSLOT", "key")
    cluster_addslots = _command("CLUSTER ADDSLOTS")
    cluster_addslotsrange = _command("CLUSTER ADDSLOTSRANGE")
    cluster_bumpepoch = _command("CLUSTER BUMPEPOCH")
    cluster_count_failure_reports = _command("CLUSTER COUNT-FAILURE-REPORTS")
    cluster_countkeysinslot = _command("CLUSTER COUNTKEYSINSLOT")
    cluster_delslots = _command("CLUSTER DELSLOTS")
    cluster_delslotsrange = _command("CLUSTER DELSLOTSRANGE")
    cluster_failover = _command("CLUSTER FAILOVER")
    cluster_flushslots = _command("CLUSTER FLUSHSLOTS")
    cluster_forget = _command("CLUSTER FORGET")
    cluster_getkeysinslot = _command("CLUSTER GETKEYSINSLOT")
    cluster_help = _command("CLUSTER HELP")
    cluster_links = _command("CLUSTER LINKS")
    cluster_meet = _command("CLUSTER MEET")
    cluster_replicas = _command("CLUSTER REPLICAS")
    cluster_replicate = _command("CLUSTER REPLICATE")
    cluster_reset = _command("CLUSTER RESET")
    cluster_saveconfig = _command("CLUSTER SAVECONFIG")
    cluster_set_config_epoch = _command("CLUSTER SET-CONFIG-EPOCH")
    cluster_setslot = _command("CLUSTER SETSLOT")
    cluster_slaves = _command("CLUSTER SLAVES")
    readonly = _command("READONLY")
    readwrite = _command("READWRITE")
    asking = _command("ASKING")

    # sort
    sort = _command(
        "SORT", "key [BY p] [LIMIT o n] [GET p ...] [ASC|DESC] [ALPHA] [STORE d]"
    )
    sort_ro = _command(
        "SORT_RO", "key [BY p] [LIMIT o n] [GET p ...] [ASC|DESC] [ALPHA]"
    )

    # expiry
    ttl = _command("TTL", "key")
    pttl = _command("PTTL", "key")
    persist = _command("PERSIST", "key", to_bool)
    expiretime = _command("EXPIRETIME", "key")
    pexpiretime = _command("PEXPIRETIME", "key")

    def expire(
        self,
        key: Key,
        seconds: int,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> Any:
        """C{EXPIRE key seconds [NX|XX|GT|LT]}: whether a deadline was set"""
        args = ["EXPIRE", key, seconds] + _flags(nx=nx, xx=xx, gt=gt, lt=lt)
        return self._call(to_bool, *args)

    def pexpire(
        self,
        key: Key,
        milliseconds: int,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> Any:
        """C{PEXPIRE key milliseconds [NX|XX|GT|LT]}: a bool"""
        args = ["PEXPIRE", key, milliseconds] + _flags(nx=nx, xx=xx, gt=gt, lt=lt)
        return self._call(to_bool, *args)

    def expireat(
        self,
        key: Key,
        when: int,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> Any:
        """C{EXPIREAT key unix-time [NX|XX|GT|LT]}: a bool"""
        args = ["EXPIREAT", key, when] + _flags(nx=nx, xx=xx, gt=gt, lt=lt)
        return self._call(to_bool, *args)

    def pexpireat(
        self,
        key: Key,
        when: int,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
    ) -> Any:
        """C{PEXPIREAT key unix-time-ms [NX|XX|GT|LT]}: a bool"""
        args = ["PEXPIREAT", key, when] + _flags(nx=nx, xx=xx, gt=gt, lt=lt)
        return self._call(to_bool, *args)

    # serialized values
    dump = _command("DUMP", "key")
    restore = _command(
        "RESTORE", "key ttl value [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]"
    )
    restore_asking = _command(
        "RESTORE-ASKING", "key ttl value [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]"
    )

    # server and replication
    role = _command("ROLE")
    wait = _command("WAIT", "numreplicas timeout")
    debug = _command("DEBUG", "subcommand [argument ...]")
    failover = _command("FAILOVER", "[TO host port [FORCE]] [ABORT] [TIMEOUT ms]")
    module_list = _command("MODULE LIST")
    module_load = _command("MODULE LOAD", "path [arg ...]")
    module_loadex = _command(
        "MODULE LOADEX", "path [CONFIG name value ...] [ARGS arg ...]"
    )
    module_unload = _command("MODULE UNLOAD", "name")
    module_help = _command("MODULE HELP")

    # slow log and latency monitor
    slowlog_get = _command("SLOWLOG GET", "[count]")
    slowlog_len = _command("SLOWLOG LEN")
    slowlog_reset = _command("SLOWLOG RESET")
    slowlog_help = _command("SLOWLOG HELP")
    latency_latest = _command("LATENCY LATEST")
    latency_history = _command("LATENCY HISTORY", "event")
    latency_reset = _command("LATENCY RESET", "[event ...]")
    latency_graph = _command("LATENCY GRAPH", "event")
    latency_doctor = _command("LATENCY DOCTOR")
    latency_histogram = _command("LATENCY HISTOGRAM", "[command ...]")
    latency_help = _command("LATENCY HELP")
    monitor = _command("MONITOR")

    # lists
    lpush = _command("LPUSH", "key element [element ...]")
    rpush = _command("RPUSH", "key element [element ...]")
    lpushx = _command("LPUSHX", "key element [element ...]")
    rpushx = _command("RPUSHX", "key element [element ...]")
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
    blmove = _command("BLMOVE", "source destination LEFT|RIGHT LEFT|RIGHT timeout")
    blmpop = _command("BLMPOP", "timeout numkeys key [key ...] LEFT|RIGHT [COUNT n]")
    brpoplpush = _command("BRPOPLPUSH", "source destination timeout")

    def lpop(self, key: Key, count: Optional[int] = None) -> Any:
        """C{LPOP key [count]}"""
        return self._call(None, "LPOP", key, *([] if count is None else [count]))

    def rpop(self, key: Key, count: Optional[int] = None) -> Any:
        """C{RPOP key [count]}"""
        return self._call(None, "RPOP", key, *([] if count is None else [count]))

    def blpop(self, keys: Union[Key, Sequence[Key]], timeout: float = 0) -> Any:
        """
        C{BLPOP key [key ...] timeout}: C{keys} is one key or a list.

        @return: C{[key, element]}, or None after C{timeout} seconds.
        """
        return self._call(None, "BLPOP", *(_list(keys) + [timeout]))

    def brpop(self, keys: Union[Key, Sequence[Key]], timeout: float = 0) -> Any:
        """C{BRPOP key [key ...] timeout}: as L{blpop}, from the tail."""
        return self._call(None, "BRPOP", *(_list(keys) + [timeout]))

    # hashes
    hget = _command("HGET", "key field")
    hdel = _command("HDEL", "key field [field ...]")
    hexists = _command("HEXISTS", "key field", to_bool)
    hlen = _command("HLEN", "key")
    hkeys = _command("HKEYS", "key")
    hvals = _command("HVALS", "key")
    hstrlen = _command("HSTRLEN", "key field")
    hsetnx = _command("HSETNX", "key field value", to_bool)
    hincrby = _command("HINCRBY", "key field increment")
    hincrbyfloat = _command("HINCRBYFLOAT", "key field increment", to_float)
    hrandfield = _command("HRANDFIELD", "key [count [WITHVALUES]]")
    hgetall = _command("HGETALL", "key", to_dict)

    def hmget(self, key: Key, *fields) -> Any:
        """C{HMGET key field [field ...]}, or C{hmget(key, [field, ...])}"""
        if len(fields) == 1 and not isinstance(fields[0], (bytes, str)):
            fields = tuple(fields[0])
        return self._call(None, "HMGET", key, *fields)

    def hset(
        self, key: Key, *pairs, mapping: Optional[Mapping[Key, Any]] = None
    ) -> Any:
        """
        C{HSET key field value [field value ...]}: the pairs given in line,
        as one dict, or as C{mapping}.
        """
        args = _flat(pairs) + _flat((mapping,) if mapping else ())
        return self._call(None, "HSET", key, *args)

    def hmset(self, key: Key, *pairs) -> Any:
        """C{HMSET key field value [...]}, or C{hmset(key, {field: value})}"""
        return self._call(None, "HMSET", key, *_flat(pairs))

    def hscan(
        self,
        key: Key,
        cursor: int = 0,
        match: Optional[Key] = None,
        count: Optional[int] = None,
    ) -> Any:
        """C{HSCAN key cursor [MATCH m] [COUNT n]}: C{(cursor, {f: v})}"""
        args = ["HSCAN", key, cursor] + _options(match=match, count=count)
        return self._call(to_hscan, *args)

    # sets
    sadd = _command("SADD", "key member [member ...]")
    srem = _command("SREM", "key member [member ...]")
    smembers = _command("SMEMBERS", "key", to_set)
    sismember = _command("SISMEMBER", "key member", to_bool)
    smismember = _command("SMISMEMBER", "key member [member ...]")
    scard = _command("SCARD", "key")
    spop = _command("SPOP", "key [count]")
    srandmember = _command("SRANDMEMBER", "key [count]")
    smove = _command("SMOVE", "source destination member", to_bool)
    sinter = _command("SINTER", "key [key ...]", to_set)
    sintercard = _command("SINTERCARD", "numkeys key [key ...] [LIMIT limit]")
    sinterstore = _command("SINTERSTORE", "destination key [key ...]")
    sunion = _command("SUNION", "key [key ...]", to_set)
    sunionstore = _command("SUNIONSTORE", "destination key [key ...]")
    sdiff = _command("SDIFF", "key [key ...]", to_set)
    sdiffstore = _command("SDIFFSTORE", "destination key [key ...]")

    def sscan(
        self,
        key: Key,
        cursor: int = 0,
        match: Optional[Key] = None,
        count: Optional[int] = None,
    ) -> Any:
        """C{SSCAN key cursor [MATCH m] [COUNT n]}: C{(cursor, members)}"""
        args = ["SSCAN", key, cursor] + _options(match=match, count=count)
        return self._call(to_scan, *args)

    # sorted sets
    zcard = _command("ZCARD", "key")
    zscore = _command("ZSCORE", "key member", to_float)
    zmscore = _command("ZMSCORE", "key member [member ...]", to_floats)
    zincrby = _command("ZINCRBY", "key increment member", to_float)
    zrem = _command("ZREM", "key member [member ...]")
    zrank = _command("ZRANK", "key member")
    zrevrank = _command("ZREVRANK", "key member")
    zcount = _command("ZCOUNT", "key min max")
    zlexcount = _command("ZLEXCOUNT", "key min max")
    zrangestore = _command("ZRANGESTORE", "dst src min max [BYSCORE|BYLEX] [REV]")
    zrevrangebyscore = _command("ZREVRANGEBYSCORE", "key max min [WITHSCORES]")
    zrangebylex = _command("ZRANGEBYLEX", "key min max [LIMIT offset count]")
    zrevrangebylex = _command("ZREVRANGEBYLEX", "key max min [LIMIT offset count]")
    zremrangebyrank = _command("ZREMRANGEBYRANK", "key start stop")
    zremrangebyscore = _command("ZREMRANGEBYSCORE", "key min max")
    zremrangebylex = _command("ZREMRANGEBYLEX", "key min max")
    zmpop = _command("ZMPOP", "numkeys key [key ...] MIN|MAX [COUNT count]")
    bzmpop = _command("BZMPOP", "timeout numkeys key [key ...] MIN|MAX [COUNT n]")
    zrandmember = _command("ZRANDMEMBER", "key [count [WITHSCORES]]")
    zunion = _command("ZUNION", "numkeys key [key ...] [WEIGHTS ...] [WITHSCORES]")
    zunionstore = _command("ZUNIONSTORE", "destination numkeys key [key ...]")
    zinter = _command("ZINTER", "numkeys key [key ...] [WEIGHTS ...] [WITHSCORES]")
    zinterstore = _command("ZINTERSTORE", "destination numkeys key [key ...]")
    zintercard = _command("ZINTERCARD", "numkeys key [key ...] [LIMIT limit]")
    zdiff = _command("ZDIFF", "numkeys key [key ...] [WITHSCORES]")
    zdiffstore = _command("ZDIFFSTORE", "destination numkeys key [key ...]")

    def zadd(
        self,
        key: Key,
        *args,
        nx: bool = False,
        xx: bool = False,
        gt: bool = False,
        lt: bool = False,
        ch: bool = False,
        incr: bool = False,
    ) -> Any:
        """
        C{ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [...]}: the
        members and scores as one C{{member: score}} dict (first or last),
        or as C{score, member} pairs in line.

        @return: how many were added (or changed, with C{ch}); with C{incr}
            the new score, a float.
        """
        if args and isinstance(args[0], dict):
            args = args[1:] + args[:1]
        if args and isinstance(args[-1], dict):
            pairs = args[-1].items()
            args = args[:-1] + tuple(x for member, s in pairs for x in (s, member))
        flags = _flags(nx=nx, xx=xx, gt=gt, lt=lt, ch=ch, incr=incr)
        return self._call(
            to_float if incr else None, "ZADD", key, *(flags + list(args))
        )

    def zrange(
        self,
        key: Key,
        start: Any,
        stop: Any,
        *args,
        desc: bool = False,
        withscores: bool = False,
        byscore: bool = False,
        bylex: bool = False,
        offset: Optional[int] = None,
        num: Optional[int] = None,
    ) -> Any:
        """
        C{ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT o n] [WITHSCORES]}.

        @return: the members, or with C{withscores} C{[(member, score)]}.
        """
        options = _flags(byscore=byscore, bylex=bylex, rev=desc)
        if offset is not None or num is not None:
            options += ["LIMIT", offset or 0, -1 if num is None else num]
        options += _flags(withscores=withscores)
        convert = to_scored if withscores else None
        return self._call(convert, "ZRANGE", key, start, stop, *(options + list(args)))

    def zrevrange(
        self, key: Key, start: Any, stop: Any, *args, withscores: bool = False
    ) -> Any:
        """C{ZREVRANGE key start stop [WITHSCORES]}"""
        convert = to_scored if withscores else None
        options = _flags(withscores=withscores) + list(args)
        return self._call(convert, "ZREVRANGE", key, start, stop, *options)

    def zrangebyscore(
        self,
        key: Key,
        min: Any,
        max: Any,
        *args,
        start: Any = None,
        num: Optional[int] = None,
        withscores: bool = False,
    ) -> Any:
        """C{ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]}"""
        options = _flags(withscores=withscores)
        if start is not None or num is not None:
            options += ["LIMIT", start or 0, -1 if num is None else num]
        convert = to_scored if withscores else None
        return self._call(
            convert, "ZRANGEBYSCORE", key, min, max, *(options + list(args))
        )

    def zpopmin(self, key: Key, count: Optional[int] = None) -> Any:
        """C{ZPOPMIN key [count]}: C{[(member, score), ...]}"""
        extra = [] if count is None else [count]
        return self._call(to_scored, "ZPOPMIN", key, *extra)

    def zpopmax(self, key: Key, count: Optional[int] = None) -> Any:
        """C{ZPOPMAX key [count]}: C{[(member, score), ...]}"""
        extra = [] if count is None else [count]
        return self._call(to_scored, "ZPOPMAX", key, *extra)

    def bzpopmin(self, keys: Union[Key, Sequence[Key]], timeout: float = 0) -> Any:
        """C{BZPOPMIN key [key ...] timeout}: C{(key, member, score)} or None"""
        return self._call(_popped, "BZPOPMIN", *(_list(keys) + [timeout]))

    def bzpopmax(self, keys: Union[Key, Sequence[Key]], timeout: float = 0) -> Any:
        """C{BZPOPMAX key [key ...] timeout}: C{(key, member, score)} or None"""
        return self._call(_popped, "BZPOPMAX", *(_list(keys) + [timeout]))

    def zscan(
        self,
        key: Key,
        cursor: int = 0,
        match: Optional[Key] = None,
        count: Optional[int] = None,
    ) -> Any:
        """C{ZSCAN key cursor [MATCH m] [COUNT n]}: C{(cursor, [(m, score)])}"""
        args = ["ZSCAN", key, cursor] + _options(match=match, count=count)
        return self._call(to_zscan, *args)

    # geo
    geoadd = _command("GEOADD", "key [NX|XX] [CH] longitude latitude member [...]")
    geodist = _command("GEODIST", "key member1 member2 [M|KM|FT|MI]", to_float)
    geohash = _command("GEOHASH", "key [member ...]")
    geopos = _command("GEOPOS", "key [member ...]")
    georadius = _command(
        "GEORADIUS",
        "key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] "
        "[WITHHASH] [COUNT count [ANY]] [ASC|DESC] [STORE key|STOREDIST key]",
    )
    georadius_ro = _command(
        "GEORADIUS_RO",
        "key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] "
        "[WITHHASH] [COUNT count [ANY]] [ASC|DESC]",
    )
    georadiusbymember = _command(
        "GEORADIUSBYMEMBER",
        "key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] "
        "[COUNT count [ANY]] [ASC|DESC] [STORE key|STOREDIST key]",
    )
    georadiusbymember_ro = _command(
        "GEORADIUSBYMEMBER_RO",
        "key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] "
        "[COUNT count [ANY]] [ASC|DESC]",
    )
    geosearch = _command(
        "GEOSEARCH",
        "key FROMMEMBER member|FROMLONLAT longitude latitude "
        "BYRADIUS radius unit|BYBOX width height unit [ASC|DESC] "
        "[COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]",
    )
    geosearchstore = _command(
        "GEOSEARCHSTORE",
        "destination source FROMMEMBER member|FROMLONLAT longitude latitude "
        "BYRADIUS radius unit|BYBOX width height unit [ASC|DESC] "
        "[COUNT count [ANY]] [STOREDIST]",
    )

    # streams
    xlen = _command("XLEN", "key")
    xdel = _command("XDEL", "key id [id ...]")
    xtrim = _command("XTRIM", "key MAXLEN|MINID [=|~] threshold [LIMIT count]")
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
    xgroup_help = _command("XGROUP HELP")
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
    xinfo_help = _command("XINFO HELP")
    xsetid = _command(
        "XSETID",
        "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
    )

    def xadd(
        self,
        key: Key,
        fields: Mapping[Key, Any],
        id: Key = "*",
        maxlen: Optional[int] = None,
        approximate: bool = True,
    ) -> Any:
        """C{XADD key [MAXLEN [~] n] id field value [...]}: the entry's id"""
        args = ["XADD", key]
        if maxlen is not None:
            args += ["MAXLEN"] + (["~"] if approximate else []) + [maxlen]
        return self._call(None, *(args + [id] + _flat((fields,))))

    def xrange(
        self, key: Key, min: Any = "-", max: Any = "+", count: Optional[int] = None
    ) -> Any:
        """C{XRANGE key start end [COUNT n]}: C{[(id, {field: value})]}"""
        args = ["XRANGE", key, min, max] + _options(count=count)
        return self._call(_entries, *args)

    def xrevrange(
        self, key: Key, max: Any = "+", min: Any = "-", count: Optional[int] = None
    ) -> Any:
        """C{XREVRANGE key end start [COUNT n]}: C{[(id, {field: value})]}"""
        args = ["XREVRANGE", key, max, min] + _options(count=count)
        return self._call(_entries, *args)

    def xread(
        self,
        streams: Mapping[Key, Key],
        count: Optional[int] = None,
        block: Optional[int] = None,
    ) -> Any:
        """
        C{XREAD [COUNT n] [BLOCK ms] STREAMS key [...] id [...]}.

        @param streams: C{{key: last id seen}}.
        @return: C{{key: [(id, {field: value}), ...]}}, or None.
        """
        args = ["XREAD"] + _options(count=count, block=block) + ["STREAMS"]
        args += list(streams) + list(streams.values())
        return self._call(_streams, *args)

    # pub/sub (subscribing is for a pool's subscriber(), or RESP3 connections)
    publish = _command("PUBLISH", "channel message")
    spublish = _command("SPUBLISH", "shardchannel message")
    pubsub_channels = _command("PUBSUB CHANNELS", "[pattern]")
    pubsub_numsub = _command("PUBSUB NUMSUB", "[channel ...]")
    pubsub_numpat = _command("PUBSUB NUMPAT")
    pubsub_shardchannels = _command("PUBSUB SHARDCHANNELS", "[pattern]")
    pubsub_shardnumsub = _command("PUBSUB SHARDNUMSUB", "[shardchannel ...]")
    pubsub_help = _command("PUBSUB HELP")

    # transactions, on one connection (a pool has pipeline/multi/watch)
    multi = _command("MULTI")
    exec = _command("EXEC")
    discard = _command("DISCARD")
    watch = _command("WATCH", "key [key ...]")
    unwatch = _command("UNWATCH")

    # scripting and functions
    eval = _command("EVAL", "script numkeys [key ...] [arg ...]")
    eval_ro = _command("EVAL_RO", "script numkeys [key ...] [arg ...]")
    evalsha = _command("EVALSHA", "sha1 numkeys [key ...] [arg ...]")
    evalsha_ro = _command("EVALSHA_RO", "sha1 numkeys [key ...] [arg ...]")
    fcall = _command("FCALL", "function numkeys [key ...] [arg ...]")
    fcall_ro = _command("FCALL_RO", "function numkeys [key ...] [arg ...]")
    function_load = _command("FUNCTION LOAD", "[REPLACE] code")
    function_delete = _command("FUNCTION DELETE", "library")
    function_flush = _command("FUNCTION FLUSH", "[ASYNC|SYNC]")
    function_list = _command("FUNCTION LIST", "[LIBRARYNAME pattern] [WITHCODE]")
    function_dump = _command("FUNCTION DUMP")
    function_restore = _command("FUNCTION RESTORE", "payload [FLUSH|APPEND|REPLACE]")
    function_stats = _command("FUNCTION STATS")
    function_kill = _command("FUNCTION KILL")
    function_help = _command("FUNCTION HELP")
    script_load = _command("SCRIPT LOAD", "script")
    script_exists = _command("SCRIPT EXISTS", "sha1 [sha1 ...]")
    script_flush = _command("SCRIPT FLUSH", "[ASYNC|SYNC]")
    script_kill = _command("SCRIPT KILL")
    script_debug = _command("SCRIPT DEBUG", "YES|SYNC|NO")
    script_help = _command("SCRIPT HELP")

    # server
    time = _command("TIME", "", to_pair)
    config_get = _command("CONFIG GET", "parameter [parameter ...]", to_dict)
    config_set = _command("CONFIG SET", "parameter value [parameter value ...]")
    config_resetstat = _command("CONFIG RESETSTAT")
    config_rewrite = _command("CONFIG REWRITE")
    config_help = _command("CONFIG HELP")
    acl_setuser = _command("ACL SETUSER", "username [rule ...]")
    acl_getuser = _command("ACL GETUSER", "username")
    acl_deluser = _command("ACL DELUSER", "username [username ...]")
    acl_list = _command("ACL LIST")
    acl_users = _command("ACL USERS")
    acl_whoami = _command("ACL WHOAMI")
    acl_cat = _command("ACL CAT", "[category]")
    acl_genpass = _command("ACL GENPASS", "[bits]")
    acl_log = _command("ACL LOG", "[count|RESET]")
    acl_dryrun = _command("ACL DRYRUN", "username command [arg ...]")
    acl_save = _command("ACL SAVE")
    acl_load = _command("ACL LOAD")
    acl_help = _command("ACL HELP")
    command_count = _command("COMMAND COUNT")
    command_info = _command("COMMAND INFO", "[command-name ...]")
    command_docs = _command("COMMAND DOCS", "[command-name ...]")
    command_list = _command("COMMAND LIST", "[FILTERBY ...]")
    command_getkeys = _command("COMMAND GETKEYS", "command [arg ...]")
    command_getkeysandflags = _command("COMMAND GETKEYSANDFLAGS", "command [arg ...]")
    command_help = _command("COMMAND HELP")
    save = _command("SAVE")
    bgsave = _command("BGSAVE", "[SCHEDULE]")
    bgrewriteaof = _command("BGREWRITEAOF")
    lastsave = _command("LASTSAVE")
    shutdown = _command("SHUTDOWN", "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]")
    lolwut = _command("LOLWUT", "[VERSION version]")

    def info(self, *sections) -> Any:
        """C{INFO [section ...]}: a dict of the fields, numbers converted"""
        return self._call(to_info, "INFO", *sections)


def _popped(reply):
    """@return: a BZPOP reply as C{(key, member, score)}, or None."""
    if reply is None:
        return None
    key, member, score = reply
    return key, member, float(score)


def _entries(reply):
    """@return: stream entries as C{[(id, {field: value}), ...]}."""
    return [(entry_id, to_dict(fields)) for entry_id, fields in reply]


def _streams(reply):
    """@return: an XREAD reply as C{{key: entries}} (RESP2 or RESP3)."""
    if reply is None:
        return None
    pairs = reply.items() if isinstance(reply, dict) else reply
    return {key: _entries(entries) for key, entries in pairs}
