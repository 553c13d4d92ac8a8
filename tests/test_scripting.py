"""
Lua scripting: EVAL and friends against a real redis-server (the
conversion rules, the error texts, the redis/cjson/bit libraries, the huey
scripts), the sandbox, persistence of a script's writes, and busy scripts
(BUSY replies, SCRIPT KILL) on both servers.
"""

import hashlib
import threading
import time

import pytest
from twisted.internet import task

from miniredis import MiniRedisFactory
from miniredis.commands import dispatch
from miniredis.resp import Decoder, ReplyError
from tests.differential import many
from tests.local import loopback_transport, receive
from tests.servers import RawConnection

HUEY_SCHEDULE_POP = """\
local unix_ts = tonumber(ARGV[1])
local res = redis.call('zrangebyscore', KEYS[1], '-inf', unix_ts)
if #res and redis.call('zremrangebyscore', KEYS[1], '-inf', unix_ts) == #res then
    return res
end"""

HUEY_ACQUIRE = """\
local t = redis.call('time')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[1]))
if redis.call('zscore', KEYS[1], ARGV[3]) == false and
        redis.call('zcard', KEYS[1]) >= tonumber(ARGV[2]) then
    return 0
end
redis.call('zadd', KEYS[1], now, ARGV[3])
return 1"""

HUEY_RENEW = """\
local t = redis.call('time')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
if redis.call('zscore', KEYS[1], ARGV[1]) == false then
    return 0
end
redis.call('zadd', KEYS[1], now, ARGV[1])
return 1"""


def evals(*scripts):
    """EVAL commands with no keys, one per script."""
    return [("EVAL", script, "0") for script in scripts]


# ---------------------------------------------------------------- differential


def test_lua_values_to_replies(differ):
    differ.run(
        evals(
            "return 1",
            "return 3.99",
            "return -3.99",
            "return 1e20",
            "return -2^63",
            "return 2^62",
            "return 0/0",
            "return 9007199254740993",
            "return 'x'",
            "return ''",
            "return {1, 2, nil, 3}",
            "local t = {1, 2, 3}; t[5] = 5; return t",
            "return {1, {2, {3, 'x'}}, {}}",
            "return {a = 1}",
            "return false",
            "return true",
            "return nil",
            "return",
            "",
            "return {1, false, true, 3}",
            "return {err = 'boom'}",
            "return {err = 'ERR boom'}",
            "return {err = ''}",
            "return {err = 3}",
            "return {ok = 'fine'}",
            "return {ok = 3}",
            "return {err = 'a', ok = 'b'}",
            "return {1, err = 'x'}",
            "return {1, {err = 'inner'}, {ok = 'fine'}}",
            "return unpack({1, 2})",
            "return {...}",
            "return function() end",
            "return coroutine.create(function() end)",
        )
    )


def test_resp3_values_to_replies(differ):
    differ.run(
        evals(
            "return {double = 3.5}",
            "return {double = -0.25}",
            "return {double = '3.5'}",
            "return {map = {a = 1}}",
            "return {map = {a = {1, 2}}}",
            "return {map = {[1] = 2}}",
            "return {map = {a = false}}",
            "return {map = {}}",
            "return {set = {a = true}}",
            "return {set = {[3] = 1}}",
            "return {big_number = '123456789012345678901234567890'}",
            "return {verbatim_string = {format = 'txt', string = 'abc'}}",
            "redis.setresp(3); return false",
            "redis.setresp(3); return true",
            "redis.setresp(3); return {1, false, true}",
            "redis.setresp(3); return nil",
            "redis.setresp(2); return false",
        )
    )


def test_replies_to_lua_resp2(differ):
    differ.run(
        [
            ("SET", "s", "v"),
            ("HSET", "h", "f", "v"),
            ("ZADD", "z", "1.5", "m"),
            ("SADD", "st", "a"),
        ]
        + evals(
            "return redis.call('set', 'a', 'b')",
            "local r = redis.call('set', 'a', 'b'); return type(r) .. r.ok",
            "local r = redis.call('ping'); return r.ok",
            "local r = redis.pcall('incr', 's'); return type(r) .. r.err",
            "return redis.call('get', 's')",
            "return redis.call('get', 'nokey')",
            "return redis.call('get', 'nokey') == false",
            "return redis.call('incr', 'n')",
            "return redis.call('hgetall', 'h')",
            "return redis.call('hgetall', 'nokey')",
            "return redis.call('zscore', 'z', 'm')",
            "return redis.call('zscore', 'z', 'nom') == false",
            "return redis.call('zrange', 'z', 0, -1, 'withscores')",
            "return redis.call('smembers', 'st')",
            "return redis.call('mget', 's', 'nokey', 'a')",
            "return #redis.call('mget', 's', 'nokey', 'a')",
            "return redis.call('hexists', 'h', 'f')",
            "return redis.call('lpop', 'nolist')",
            "return redis.call('spop', 'nokey', '1')",
            "return redis.call('echo', 12.0)",
            "return redis.call('echo', -3)",
            "return redis.call('echo', 0.1 + 0.2)",
            "return redis.call('echo', 1e300)",
            "return redis.call('echo', 123456789012)",
            "return redis.call('echo', 12345678901234567)",
            "return redis.call('echo', 1/0)",
        )
    )


def test_replies_to_lua_resp3(differ):
    differ.run(
        [
            ("HSET", "h", "f", "v"),
            ("ZADD", "z", "1.5", "m", "2", "n"),
            ("SADD", "st", "a"),
            ("SET", "s", "v"),
        ]
        + evals(
            "redis.setresp(3); return redis.call('hgetall', 'h')",
            "redis.setresp(3); return redis.call('hgetall', 'nokey')",
            "redis.setresp(3); return type(redis.call('hgetall', 'h').map)",
            "redis.setresp(3); return redis.call('hgetall', 'h').map.f",
            "redis.setresp(3); return redis.call('zscore', 'z', 'm')",
            "redis.setresp(3); return redis.call('zscore', 'z', 'm').double",
            "redis.setresp(3); return redis.call('zrange', 'z', 0, -1, 'withscores')",
            "redis.setresp(3); return redis.call('zpopmin', 'z')",
            "redis.setresp(3); return redis.call('smembers', 'st')",
            "redis.setresp(3); return redis.call('smembers', 'st').set.a",
            "redis.setresp(3); return redis.call('get', 'nokey')",
            "redis.setresp(3); return type(redis.call('get', 'nokey'))",
            "redis.setresp(3); return redis.call('mget', 'nokey', 's')",
            "redis.setresp(3); return #redis.call('mget', 'nokey', 's')",
            "redis.setresp(3); return redis.call('hexists', 'h', 'f')",
            "redis.setresp(3); return redis.call('set', 'a', 'b')",
            "redis.setresp(3); redis.setresp(2); return redis.call('zscore', 'z', 'm')",
        )
    )


def test_keys_and_argv(differ):
    differ.run(
        [
            ("EVAL", "return KEYS", "2", "a", "b", "c"),
            ("EVAL", "return ARGV", "2", "a", "b", "c", "d"),
            ("EVAL", "return {#KEYS, #ARGV}", "0"),
            ("EVAL", "return {#KEYS, #ARGV}", "0", "a"),
            # 64 keys and arguments come to Lua as call arguments, more as tables
            ("EVAL", "return {KEYS, ARGV}", "40", *many(64)),
            ("EVAL", "return {KEYS, ARGV}", "40", *many(65)),
            ("EVAL", "return {KEYS, ARGV}", "65", *many(65)),
            ("EVAL", "return {#KEYS, #ARGV, KEYS[5000]}", "5000", *many(9000)),
            ("EVAL", "KEYS[1] = 'x'; return KEYS[1]", "1", "k"),
            ("EVAL", "return tonumber(ARGV[1]) + 1", "0", "5"),
            ("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"),
            ("GET", "k"),
            ("EVAL", "return 1", "2", "a"),
            ("EVAL", "return 1", "-1"),
            ("EVAL", "return 1", "x"),
            ("EVAL", "return 1 +", "5"),
            ("EVAL", "return 1"),
            ("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
        ]
    )


def test_script_errors(differ):
    differ.run(
        evals(
            "return 1 +",
            "error('x')",
            "error({err = 'x'})",
            "error({err = 5})",
            "error(5)",
            "error()",
            "error('x', 0)",
            "local x = 1\nlocal y = nil\nreturn y.z",
            "\n\nerror('third line')",
            "return a",
            "a = 1",
            "_G.x = 1",
            "rawset(_G, 'x', 1)",
            "setmetatable(_G, nil)",
            "string.x = 1",
            "redis.call = nil",
            "cjson.x = 1",
            "getmetatable('').__index.x = 1",
            "return string.format('%s', {})",
            "local a = loadstring('x = 1'); return a()",
            "local function f() error('deep') end\nlocal function g() f() end\ng()",
        )
    )


def test_redis_call_errors(differ):
    differ.run(
        [("SET", "s", "a")]
        + evals(
            "return redis.call('nosuch')",
            "local x = 1\n\nreturn redis.call('nosuch')",
            "local r = redis.call('nosuch') return r",
            "return redis.pcall('nosuch')",
            "return redis.call('get')",
            "return redis.pcall('get', 's', 'x')",
            "return redis.call('incr', 's')",
            "return redis.pcall('incr', 's')",
            "return redis.call('zadd', 'z', 'a', 'b')",
            "return redis.call()",
            "return redis.pcall()",
            "return redis.call(5)",
            "return redis.call('get', 5)",
            "return redis.call('set', 'n', {})",
            "return redis.call('set', 'n', true)",
            "return redis.call('set', 'n', nil)",
            "return redis.pcall('set', 'n', {})",
            "return redis.call('client', 'foo')",
            "return redis.call('client')",
            "return redis.call('multi')",
            "return redis.call('watch', 'x')",
            "return redis.call('eval', 'return 1', '0')",
            "return redis.call('script', 'load', 'return 1')",
            "return redis.call('blpop', 'l', 0)",
            "return redis.call('subscribe', 'c')",
            "return redis.pcall('select', '99')",
            "local ok, e = pcall(redis.call, 'nosuch'); return e",
            "return {pcall(redis.call, 'nosuch')}",
            "return {pcall(function() error({err = 'x'}) end)}",
            "return {pcall(function() error({y = 'x'}) end)}",
            "return {pcall(function() error('x') end)}",
            "return {pcall(redis.call)}",
            "return {xpcall(function() error({err = 'x'}) end, function(e) return type(e) end)}",
            "local ok, e = pcall(redis.error_reply); return {tostring(ok), e}",
        )
    )


def test_redis_library(differ):
    differ.run(
        evals(
            "return redis.error_reply('My error')",
            "return redis.error_reply('x')",
            "return redis.error_reply('-x')",
            "return redis.error_reply('My  error')",
            "return redis.error_reply()",
            "return redis.error_reply(5)",
            "return redis.status_reply('S')",
            "return redis.status_reply('-x')",
            "return redis.status_reply(5)",
            "return redis.sha1hex('')",
            "return redis.sha1hex('abc')",
            "return redis.sha1hex(5)",
            "return redis.sha1hex(1.5)",
            "return redis.sha1hex()",
            "redis.log(redis.LOG_WARNING, 'from a test'); return 1",
            "return redis.log(redis.LOG_NOTICE, 'a', 'b', 3)",
            "return redis.log(redis.LOG_NOTICE, {})",
            "return redis.log(7, 'x')",
            "return redis.log(1)",
            "return redis.log('x', 'y')",
            "return redis.log('3', 'x')",
            "redis.log(3.7, 'x') redis.log(-0.5, 'y') return 1",
            "return redis.log(4, 'x')",
            "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
            "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, "
            "redis.REPL_SLAVE, redis.REPL_ALL}",
            "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}",
            "return redis.setresp()",
            "return redis.setresp(4)",
            "return redis.setresp('x')",
            "return redis.setresp('3')",
            "return redis.setresp(2.5)",
            "return redis.set_repl(9)",
            "return redis.set_repl(redis.REPL_ALL)",
            "return redis.replicate_commands()",
            "return redis.breakpoint()",
            "return redis.debug('x')",
            "return redis.acl_check_cmd('get', 'x')",
            "return redis.acl_check_cmd('nosuch')",
            "return redis.x",
            "local r = {} for k in pairs(redis) do r[#r + 1] = k end "
            "table.sort(r) return r",
        )
    )


def test_standard_libraries(differ):
    differ.run(
        evals(
            "return string.rep('x', 3)",
            "return ('x'):rep(3)",
            "return string.format('%d %s %.17g', 5, 'a', 0.1)",
            "return tostring(1e15) .. ' ' .. tostring(0.1) .. ' ' .. tostring(nil)",
            "return math.floor(3.7)",
            "return table.concat({'a', 'b'}, ',')",
            "local t = {3, 1, 2}; table.sort(t); return t",
            "local t = {}; table.insert(t, 'a'); table.insert(t, 1, 'b'); return t",
            "return select('#', 1, 2)",
            "return coroutine.wrap(function() coroutine.yield(5) end)()",
            "return tostring(tonumber('0x10'))",
            "return _VERSION",
            "return type(loadstring('return 1'))",
            "return loadstring('return 1')()",
            "return type(collectgarbage('count'))",
            "return gcinfo() > 0",
            "return rawget(_G, 'x')",
            "return type(rawget(_G, 'redis'))",
            "return type(getmetatable(_G))",
            "return getmetatable(string)",
            "local n = 0 for k, v in ipairs({1, 2, 3}) do n = n + v end return n",
            "local t = setmetatable({}, {__index = function() return 7 end}) "
            "return t.x",
        )
    )


def test_globals(differ):
    # struct and cmsgpack are not there in miniredis; __redis__err__handler
    # is an internal of Redis
    differ.check(
        "EVAL",
        "local skip = {struct = 1, cmsgpack = 1, __redis__err__handler = 1} "
        "local r = {} for k in pairs(_G) do if not skip[k] then r[#r + 1] = k end end "
        "table.sort(r) return r",
        "0",
    )
    differ.run(
        evals(
            *[
                "return type(%s)" % (name,)
                for name in (
                    "os",
                    "io",
                    "require",
                    "loadfile",
                    "dofile",
                    "debug",
                    "package",
                    "setfenv",
                    "getfenv",
                    "print",
                    "module",
                    "newproxy",
                    "python",
                )
            ]
        )
    )


def test_cjson(differ):
    differ.run(
        evals(
            "return cjson.encode({1, 2, 3})",
            "return cjson.encode({a = 1})",
            "return cjson.encode({})",
            "return cjson.encode('a\"b\\\\c/d\\n\\1')",
            "return cjson.encode(1.5)",
            "return cjson.encode(1/3)",
            "return cjson.encode(true)",
            "return cjson.encode(cjson.null)",
            "return cjson.encode({1, nil, 3})",
            "return cjson.encode({[1] = 1, [20] = 2})",
            "return cjson.encode({[2.5] = 1})",
            "return cjson.encode({[1] = 'a', [2] = 'b', x = 'c'})",
            "return cjson.encode({a = {b = {c = {1, 2}}}})",
            "return cjson.encode(function() end)",
            "return cjson.encode(0/0)",
            "return cjson.encode()",
            "return cjson.decode('[1,2,{\"a\":3}]')[3].a",
            'return cjson.decode(\'{"a":[1,"x",true,false]}\').a',
            "return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')",
            "return cjson.decode('  5e2 ')",
            "return cjson.decode('-0.5')",
            "return cjson.decode('null') == cjson.null",
            "return type(cjson.null)",
            "return cjson.decode('')",
            "return cjson.decode('[1,')",
            "return cjson.decode('{1: 2}')",
            "return cjson.decode('[1] x')",
            "return cjson.decode(5)",
            'return cjson.encode(cjson.decode(\'{"k":[1,2,{"z":null}]}\'))',
        )
    )


def test_bit(differ):
    differ.run(
        evals(
            "return bit.band(7, 3)",
            "return bit.bor(1, 2, 4)",
            "return bit.bxor(5, 3)",
            "return bit.bnot(0)",
            "return bit.tobit(2^32 + 5)",
            "return bit.tobit(2^31)",
            "return bit.lshift(1, 31)",
            "return bit.rshift(-1, 28)",
            "return bit.arshift(-256, 4)",
            "return bit.rol(0x12345678, 8)",
            "return bit.ror(0x12345678, 8)",
            "return bit.bswap(0x12345678)",
            "return bit.tohex(255)",
            "return bit.tohex(-1, -4)",
            "return bit.tohex(0x1234, 2)",
            "return bit.band('7', 3)",
            "return bit.band({}, 3)",
            "return bit.band()",
        )
    )


def test_shebang_and_read_only_scripts(differ):
    differ.run(
        [
            ("EVAL", "#!lua\nreturn 1", "0"),
            ("EVAL", "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0"),
            (
                "EVAL",
                "#!lua flags=no-writes,allow-oom\nreturn redis.call('get','a')",
                "0",
            ),
            ("EVAL", "#!lua flags=foo\nreturn 1", "0"),
            ("EVAL", "#!lua name=x\nreturn 1", "0"),
            ("EVAL", "#!python\nreturn 1", "0"),
            ("EVAL", "#! lua\nreturn 1", "0"),
            ("EVAL", "#!lua", "0"),
            ("EVAL", "#!lua\nerror('x')", "0"),
            ("EVAL", "#!lua flags=\nreturn 1", "0"),
            ("EVAL", "#!lua    flags=no-writes   \nreturn 1", "0"),
            (
                "EVAL",
                "#!lua flags=no-cluster,allow-cross-slot-keys,allow-stale\nreturn 2",
                "0",
            ),
            ("EVAL_RO", "#!lua\nreturn 1", "0"),
            ("EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"),
            ("EVAL_RO", "return redis.call('set', 'a', 'b')", "0"),
            ("EVAL_RO", "return redis.call('get', 'a')", "0"),
            ("EVAL_RO", "return redis.pcall('del', 'a')", "0"),
            ("SCRIPT", "LOAD", "return redis.call('incr', 'c')"),
            ("EVALSHA_RO", "eb5c6b7dc3ebf1fd2dc5ca4e1b0a8e1237e5d7ee", "0"),
            ("EVALSHA", "eb5c6b7dc3ebf1fd2dc5ca4e1b0a8e1237e5d7ee", "0"),
        ]
    )


def test_script_command(differ):
    one = hashlib.sha1(b"return 1").hexdigest()
    differ.run(
        [
            ("SCRIPT", "FLUSH"),
            ("EVALSHA", one, "0"),
            ("EVALSHA", "abc", "0"),
            ("EVALSHA", "abc", "x"),
            ("SCRIPT", "EXISTS", one, "abc"),
            ("EVAL", "return 1", "0"),
            ("EVALSHA", one, "0"),
            ("EVALSHA", one.upper(), "0"),
            ("EVALSHA", one, "5"),
            ("SCRIPT", "EXISTS", one.upper(), "abc"),
            ("SCRIPT", "LOAD", "return 2"),
            ("SCRIPT", "LOAD", "return 1 +"),
            ("SCRIPT", "LOAD", "#!lua flags=foo\nreturn 1"),
            ("SCRIPT", "FLUSH", "ASYNC"),
            ("SCRIPT", "EXISTS", one),
            ("SCRIPT", "FLUSH", "sync"),
            ("SCRIPT", "FLUSH", "foo"),
            ("SCRIPT", "FLUSH", "sync", "x"),
            ("SCRIPT", "KILL"),
            ("SCRIPT", "KILL", "x"),
            ("SCRIPT", "HELP"),
            ("SCRIPT", "DEBUG", "x"),
            ("SCRIPT", "DEBUG", "no"),
            ("SCRIPT", "EXISTS"),
            ("SCRIPT", "LOAD"),
            ("SCRIPT", "nope"),
            ("SCRIPT",),
        ]
    )


def test_select_inside_a_script(differ):
    differ.run(
        [
            (
                "EVAL",
                "redis.call('select', '1'); return redis.call('set', 'k', 'x')",
                "0",
            ),
            ("EXISTS", "k"),
            ("SELECT", "1"),
            ("GET", "k"),
            ("EVAL", "return redis.call('get', 'k')", "0"),
            ("SELECT", "0"),
            ("EVAL", "return redis.call('get', 'k')", "0"),
        ]
    )


def test_huey_schedule_pop(differ):
    sha = differ.check("SCRIPT", "LOAD", HUEY_SCHEDULE_POP)
    differ.run(
        [
            ("EVALSHA", sha, "1", "schedule", "100"),
            ("ZADD", "schedule", "10", "a", "20", "b", "300", "c"),
            ("EVALSHA", sha, "1", "schedule", "100.5"),
            ("ZRANGE", "schedule", "0", "-1", "WITHSCORES"),
            ("EVALSHA", sha, "1", "schedule", "100"),
            ("EVALSHA", sha, "1", "schedule", "1e9"),
            ("ZCARD", "schedule"),
        ]
    )


def test_huey_semaphore(differ):
    for args in (
        ("1", "sem", "300", "2", "w1"),
        ("1", "sem", "300", "2", "w2"),
        ("1", "sem", "300", "2", "w3"),
        ("1", "sem", "300", "2", "w1"),
    ):
        differ.check("EVAL", HUEY_ACQUIRE, *args)
    differ.check("ZCARD", "sem")
    differ.check("ZRANGE", "sem", "0", "-1")
    differ.check("EVAL", HUEY_RENEW, "1", "sem", "w1")
    differ.check("EVAL", HUEY_RENEW, "1", "sem", "nobody")
    differ.check("ZREM", "sem", "w1")
    differ.check("EVAL", HUEY_ACQUIRE, "1", "sem", "300", "2", "w3")
    # a zero timeout drops every holder first
    differ.check("EVAL", HUEY_ACQUIRE, "1", "sem", "0", "1", "w4")
    differ.check("ZRANGE", "sem", "0", "-1")


def test_time_inside_a_script(differ):
    differ.check(
        "EVAL",
        "local t = redis.call('time') "
        "return {#t, type(t[1]), type(t[2]), tonumber(t[1]) > 1600000000}",
        "0",
    )


def test_keys_do_not_expire_during_a_script(differ):
    script = (
        "local before = redis.call('exists', KEYS[1]) "
        "local t = redis.call('time') local start = t[1] * 1e6 + t[2] "
        "repeat t = redis.call('time') until t[1] * 1e6 + t[2] - start > 250000 "
        "return {before, redis.call('exists', KEYS[1])}"
    )
    # both servers at once: each script outlives the key's 100 ms
    for connection in (differ.real, differ.mini):
        connection.send("SET", "k", "v", "PX", "100")
        connection.send("EVAL", script, "1", "k")
    replies = [[c.read(), c.read()] for c in (differ.real, differ.mini)]
    assert replies[1] == replies[0] == [b"OK", [1, 1]]
    differ.check("EXISTS", "k")


def test_writes_wake_watchers_and_blocked_clients(redis_server, mini_server):
    def scenario(port):
        a, b = RawConnection(port), RawConnection(port)
        a.call("FLUSHALL")
        out = [a.call("WATCH", "k")]
        out.append(b.call("EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "k"))
        out += [a.call("MULTI"), a.call("PING"), a.call("EXEC")]
        a.send("BLPOP", "list", "0")
        time.sleep(0.05)
        out.append(
            b.call(
                "EVAL",
                "redis.call('rpush', KEYS[1], 'x', 'y') return redis.call('llen', KEYS[1])",
                "1",
                "list",
            )
        )
        out.append(a.read())
        out.append(b.call("LRANGE", "list", "0", "-1"))
        a.close()
        b.close()
        return out

    assert scenario(mini_server.port) == scenario(redis_server.port)


# ---------------------------------------------------------------- busy scripts


@pytest.fixture
def busy_threshold(redis_server, mini_server):
    """Both servers answer BUSY after 100 ms of script."""
    ports = (redis_server.port, mini_server.port)
    for port in ports:
        RawConnection(port).call("CONFIG", "SET", "busy-reply-threshold", "100")
    yield ports
    for port in ports:
        RawConnection(port).call("CONFIG", "SET", "busy-reply-threshold", "5000")


def _start_busy(port, script, *args):
    caller, other = RawConnection(port), RawConnection(port)
    caller.send("EVAL", script, str(len(args)), *args)
    deadline = time.time() + 5
    while True:
        reply = other.call("PING")
        if isinstance(reply, ReplyError) or time.time() > deadline:
            return caller, other, reply
        time.sleep(0.02)


def _kill_scenario(port):
    caller, other, busy = _start_busy(port, "while true do end")
    out = [busy]
    out.append(other.call("GET", "x"))
    out.append(other.call("MULTI"))
    out.append(other.call("SCRIPT", "EXISTS", "x"))
    out.append(other.call("AUTH", "x"))
    out.append(other.call("EXEC"))
    out.append(other.call("SCRIPT", "KILL"))
    out.append(caller.read())
    out.append(caller.call("PING"))
    out.append(other.call("PING"))
    out.append(other.call("SCRIPT", "KILL"))
    return out


def test_script_kill(busy_threshold):
    real, mini = (_kill_scenario(port) for port in busy_threshold)
    assert mini == real
    assert mini[0] == ReplyError(
        "BUSY Redis is busy running a script. "
        "You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    )


def _pcall_kill_scenario(port):
    caller, other, busy = _start_busy(
        port,
        "local ok, e = pcall(function() while true do end end) "
        "return {'survived', tostring(ok), e}",
    )
    out = [busy, other.call("SCRIPT", "KILL"), caller.read()]
    caller, other, busy = _start_busy(
        port, "while true do pcall(function() while true do end end) end"
    )
    out += [busy, other.call("SCRIPT", "KILL"), caller.read(), other.call("PING")]
    return out


def test_script_kill_inside_pcall(busy_threshold):
    real, mini = (_pcall_kill_scenario(port) for port in busy_threshold)
    assert mini == real


def _unkillable_scenario(port):
    RawConnection(port).call("DEL", "x")
    caller, other, busy = _start_busy(
        port,
        "redis.call('incr', KEYS[1]) "
        "local t = redis.call('time') local start = t[1] * 1e6 + t[2] "
        "repeat t = redis.call('time') until t[1] * 1e6 + t[2] - start > 400000 "
        "return redis.call('incr', KEYS[1])",
        "x",
    )
    out = [busy, other.call("SCRIPT", "KILL"), other.call("GET", "x")]
    out += [caller.read(), other.call("GET", "x")]
    return out


def test_script_that_wrote_is_unkillable(busy_threshold):
    real, mini = (_unkillable_scenario(port) for port in busy_threshold)
    assert mini == real
    assert mini[1].message.startswith("UNKILLABLE Sorry the script already executed")


# ---------------------------------------------------------------- in process


class Server:
    """A miniredis server on a fake clock, driven without sockets."""

    def __init__(self):
        self.factory = MiniRedisFactory(clock=task.Clock())
        self.session = self.factory.session()
        self.logged = []
        self.factory.writes.listen(
            lambda db, argvs: self.logged.extend((db, argv) for argv in argvs)
        )

    def __call__(self, *args):
        return dispatch(self.session, [_b(a) for a in args])

    def eval(self, script, *args):
        return self("EVAL", script, str(len(args)), *args)

    def connect(self):
        protocol = self.factory.buildProtocol(None)
        transport = loopback_transport()
        protocol.makeConnection(transport)
        return protocol, transport


def _b(value):
    return value if isinstance(value, bytes) else str(value).encode()


@pytest.fixture
def server():
    return Server()


@pytest.mark.parametrize(
    "name",
    [
        "os",
        "io",
        "require",
        "loadfile",
        "dofile",
        "debug",
        "package",
        "python",
        "getfenv",
        "setfenv",
        "module",
        "newproxy",
        "print",
    ],
)
def test_sandbox_hides(server, name):
    reply = server.eval("return %s" % (name,))
    assert isinstance(reply, ReplyError)
    assert (
        "Script attempted to access nonexistent global variable '%s'" % (name,)
    ).encode() in reply.message


def test_sandbox_reaches_no_python_object(server):
    # every value reachable from the globals, through tables and metatables
    reply = server.eval(
        """
        local seen, kinds = {}, {}
        local function walk(v)
          if seen[v] then return end
          seen[v] = true
          kinds[#kinds + 1] = type(v)
          if type(v) == 'table' then
            for k, x in pairs(v) do walk(k) walk(x) end
            local m = getmetatable(v)
            if m then walk(m) end
          end
        end
        walk(_G)
        walk(getmetatable(''))
        local odd = {}
        for _, kind in ipairs(kinds) do
          if kind ~= 'table' and kind ~= 'function' and kind ~= 'string'
             and kind ~= 'number' and kind ~= 'boolean' then
            odd[#odd + 1] = kind
          end
        end
        return odd
        """
    )
    assert reply == [b"userdata"]  # cjson.null only
    assert server.eval("return type(cjson.null)") == b"userdata"
    assert server.eval("return type(redis.call)") == b"function"


def test_sandbox_refuses_bytecode(server):
    reply = server.eval(
        "local f = loadstring(string.dump(function() return 1 end)) return f == nil"
    )
    assert reply == 1
    reply = server.eval(
        "local parts = {string.dump(function() return 1 end)} "
        "local f = load(function() return table.remove(parts) end) return f == nil"
    )
    assert reply == 1
    assert isinstance(server("EVAL", b"\x1bLua", "0"), ReplyError)


def test_sandbox_loaded_code_is_sandboxed(server):
    reply = server.eval("return loadstring('return os')()")
    assert b"nonexistent global variable 'os'" in reply.message
    reply = server.eval("return loadstring('x = 1')()")
    assert b"Attempt to modify a readonly table" in reply.message


def test_sandbox_state_does_not_leak_between_scripts(server):
    attempts = [
        "string.x = 1",
        "rawset(string, 'x', 1)",
        "table.insert(string, 'x')",
        "setmetatable(string, {})",
        "getmetatable('').__index.x = 1",
        "getmetatable('').__index = nil",
        "local f, s = pairs(_G) s.x = 1",
        "rawset(_G, 'x', 1)",
        "x = 1",
    ]
    for script in attempts:
        server.eval("pcall(function() %s end)" % (script,))
    assert server.eval("return rawget(string, 'x')") is None
    assert server.eval("return #string") == 0
    assert server.eval("return ('a'):upper()") == b"A"
    assert b"nonexistent global variable 'x'" in server.eval("return x").message


def test_script_writes_are_logged_between_multi_and_exec(server):
    server.eval(
        "redis.call('set', 'a', '1') redis.call('get', 'a') redis.call('incr', 'a')"
    )
    assert server.logged == [
        (0, [b"MULTI"]),
        (0, [b"set", b"a", b"1"]),
        (0, [b"incr", b"a"]),
        (0, [b"EXEC"]),
    ]
    del server.logged[:]
    server.eval("return redis.call('get', 'a')")
    assert server.logged == []


def test_script_writes_in_another_database(server):
    server.eval("redis.call('select', 2) redis.call('set', 'a', '1')")
    assert server.logged == [(2, [b"MULTI"]), (2, [b"set", b"a", b"1"]), (2, [b"EXEC"])]
    assert server.session.db.index == 0


def test_set_repl_none_logs_nothing(server):
    server.eval("redis.set_repl(redis.REPL_NONE) redis.call('set', 'a', '1')")
    assert server.logged == []
    assert server("GET", "a") == b"1"


def test_script_inside_exec_is_logged_once(server):
    server("MULTI")
    server("SET", "x", "1")
    server("EVAL", "redis.call('set', 'a', '1') redis.call('set', 'b', '2')", "0")
    assert server("EXEC") == [b"OK", None]
    assert [argv for db, argv in server.logged] == [
        [b"MULTI"],
        [b"SET", b"x", b"1"],
        [b"set", b"a", b"1"],
        [b"set", b"b", b"2"],
        [b"EXEC"],
    ]


def test_blocked_clients_are_served_after_the_script(server):
    waiter, transport = server.connect()
    receive(waiter, b"*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n")
    assert transport.value() == b""
    reply = server.eval(
        "redis.call('rpush', 'l', 'a', 'b') "
        "local n = redis.call('llen', 'l') redis.call('rpush', 'l', 'c') "
        "return {n, redis.call('llen', 'l')}"
    )
    assert reply == [2, 3]
    server.factory.clock.advance(0)
    decoder = Decoder(inline=False)
    decoder.feed(transport.value())
    assert decoder.values() == [[b"l", b"a"]]
    assert server("LRANGE", "l", "0", "-1") == [b"b", b"c"]


def test_script_kill_when_no_script_runs(server):
    assert server("SCRIPT", "KILL") == ReplyError(
        "NOTBUSY No scripts in execution right now."
    )


def test_scripts_wait_to_their_end_without_a_connection(server):
    # an in-process session cannot be answered later: it is never BUSY
    server("CONFIG", "SET", "busy-reply-threshold", "10")
    assert server.eval("local n = 0 for i = 1, 2e7 do n = n + 1 end return n") == 2e7
    assert server.factory.busy is None


def test_script_session_is_reused(server):
    server.eval("return 1")
    first = server.factory.scripts._session
    server.eval("return 2")
    assert server.factory.scripts._session is first
    assert first.id not in server.factory.clients


def test_busy_scripts_under_load(mini_server):
    """Fast scripts from four clients while slow ones go busy: nothing lost."""
    port = mini_server.port
    admin = RawConnection(port)
    admin.call("DEL", "n", "l")
    admin.call("CONFIG", "SET", "busy-reply-threshold", "30")
    fast = admin.call(
        "SCRIPT",
        "LOAD",
        "redis.call('incr', 'n') redis.call('rpush', 'l', ARGV[1]) "
        "return redis.call('get', 'n')",
    )
    slow = (
        "local t = redis.call('time') local s = t[1] * 1e6 + t[2] "
        "repeat t = redis.call('time') until t[1] * 1e6 + t[2] - s > 50000 "
        "return redis.call('incr', 'n')"
    )
    done = {"fast": 0, "slow": 0, "busy": 0}
    lock = threading.Lock()
    stop = time.time() + 1.5

    def client(script):
        connection = RawConnection(port)
        while time.time() < stop:
            if script is None:
                reply = connection.call("EVAL", slow, "0")
            else:
                reply = connection.call("EVALSHA", script, "0", "x")
            with lock:
                if isinstance(reply, ReplyError):
                    assert reply.message.startswith("BUSY"), reply
                    done["busy"] += 1
                else:
                    done["fast" if script else "slow"] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(fast,)) for _ in range(4)]
    threads.append(threading.Thread(target=client, args=(None,)))
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        admin.call("CONFIG", "SET", "busy-reply-threshold", "5000")
    assert done["slow"] > 0 and done["busy"] > 0 and done["fast"] > 0
    assert int(admin.call("GET", "n")) == done["fast"] + done["slow"]
    assert admin.call("LLEN", "l") == done["fast"]
