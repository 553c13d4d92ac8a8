-- The sandbox scripts run in, built once per Lua runtime by miniredis.scripting.
--
-- It receives the Python callables it needs, keeps them (and the debug
-- library) as upvalues that no script can reach, empties the real global
-- table and makes it a read-only view of what Redis 7.0 offers scripts.
-- It returns what the Python side calls: compile, run, shape and unpack,
-- and the size of the chunks shape and unpack hand over at once.

local py_call, py_killed, py_log, py_sha1hex, py_setresp, py_set_repl,
      py_command_exists, py_bit, CJSON, REDIS_VERSION, REDIS_VERSION_NUM,
      py_load_expired, py_struct, py_cmsgpack = ...

local getinfo, sethook = debug.getinfo, debug.sethook
local error, type, tostring, tonumber, select, unpack = error, type, tostring, tonumber, select, unpack
local pcall, xpcall, next, pairs, ipairs = pcall, xpcall, next, pairs, ipairs
local rawget, rawset, setmetatable, getmetatable = rawget, rawset, setmetatable, getmetatable
local loadstring, load, newproxy, setfenv = loadstring, load, newproxy, setfenv
local concat, insert, remove, sort, setn = table.concat, table.insert, table.remove, table.sort, table.setn
local floor, min = math.floor, math.min

local BOOT = getinfo(1, "S").source
local READONLY = "Attempt to modify a readonly table"
local KILLED = "ERR Script killed by user with SCRIPT KILL..."
local HOOK_EVERY = 100000

-- read-only views: view -> the table it shows
local hidden = setmetatable({}, {__mode = "k"})

local function refuse()
  error(READONLY, 2)
end

local function readonly(t)
  local view = setmetatable({}, {__index = t, __newindex = refuse, __metatable = false})
  hidden[view] = t
  return view
end

-- the frame that last looked up a field of a watched table (see where)
local looked_up

-- The frame of the script an error comes from. A script's
-- "return redis.call(...)" is a tail call that drops the script's own frame
-- (Redis's functions are C functions, never tail-called): then the frame is
-- the one that last looked up a field of redis or of a library table.
local function where()
  local level = 3
  while true do
    local info = getinfo(level, "Sl")
    if info == nil or info.what == "tail" then
      if looked_up == nil then
        return nil
      end
      local at = getinfo(looked_up.func, "S")
      at.currentline = looked_up.currentline
      return at
    end
    if info.what ~= "C" and info.source ~= BOOT then
      return info
    end
    level = level + 1
  end
end

-- raise an error positioned at the script's line, as C functions' errors are
local function raise(message)
  local info = where()
  if info then
    message = info.short_src .. ":" .. info.currentline .. ": " .. message
  end
  error(message, 0)
end

-- a read-only view that notes the frame reading it (its function and line:
-- where() asks for its source only when an error needs it)
local function watched(t)
  local view = setmetatable({}, {
    __index = function(_, name)
      looked_up = getinfo(2, "fl")
      return t[name]
    end,
    __newindex = refuse,
    __metatable = false,
  })
  hidden[view] = t
  return view
end

local function copy(t)
  local out = {}
  for k, v in pairs(t) do
    out[k] = v
  end
  return out
end

local function guarded(f)
  return function(t, ...)
    if hidden[t] then
      error(READONLY, 0)
    end
    return f(t, ...)
  end
end

-- ------------------------------------------------------------ the redis table

local redis = {}

local function command_error(message)
  error({err = message})
end

function redis.call(...)
  local ok, value = py_call(true, ...)
  if ok then
    return value
  end
  command_error(value)
end

function redis.pcall(...)
  local _, value = py_call(false, ...)
  return value
end

local function reply_argument(...)
  local value = ...
  if select("#", ...) ~= 1 or type(value) ~= "string" then
    return nil
  end
  return value
end

function redis.error_reply(...)
  local message = reply_argument(...)
  if message == nil then
    return {err = "ERR wrong number or type of arguments"}
  end
  if message:sub(1, 1) == "-" then
    message = message:sub(2)
  end
  if not message:find(" ", 1, true) then
    message = "ERR " .. message
  end
  return {err = message}
end

function redis.status_reply(...)
  local message = reply_argument(...)
  if message == nil then
    return {err = "ERR wrong number or type of arguments"}
  end
  return {ok = message}
end

function redis.sha1hex(...)
  if select("#", ...) ~= 1 then
    command_error("ERR wrong number of arguments")
  end
  local text = ...
  if type(text) == "number" then
    text = tostring(text)
  elseif type(text) ~= "string" then
    text = ""
  end
  return py_sha1hex(text)
end

function redis.log(...)
  local n = select("#", ...)
  if n < 2 then
    command_error("ERR redis.log() requires two arguments or more.")
  end
  local level = tonumber((...))
  if level == nil then
    command_error("ERR First argument must be a number (log level).")
  end
  level = level >= 0 and floor(level) or -floor(-level)
  if level < 0 or level > 3 then
    command_error("ERR Invalid debug level.")
  end
  local parts = {}
  for i = 2, n do
    local part = select(i, ...)
    local kind = type(part)
    if kind == "string" or kind == "number" then
      parts[#parts + 1] = tostring(part)
    end
  end
  py_log(level, concat(parts, " "))
end

function redis.setresp(...)
  if select("#", ...) ~= 1 then
    command_error("ERR redis.setresp() requires one argument.")
  end
  local resp = tonumber((...))
  if resp ~= nil then
    resp = resp >= 0 and floor(resp) or -floor(-resp)
  end
  if resp ~= 2 and resp ~= 3 then
    command_error("ERR RESP version must be 2 or 3.")
  end
  py_setresp(resp)
end

function redis.set_repl(...)
  if select("#", ...) ~= 1 then
    command_error("ERR redis.set_repl() requires one argument.")
  end
  local flags = tonumber((...))
  if flags == nil or flags < 0 or flags > 3 or flags ~= floor(flags) then
    command_error("ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
  end
  py_set_repl(flags)
end

function redis.replicate_commands()
  return true
end

function redis.breakpoint()
  return false
end

function redis.debug()
end

function redis.acl_check_cmd(...)
  if select("#", ...) < 1 then
    command_error("ERR Please specify at least one argument for this redis lib call")
  end
  if not py_command_exists(...) then
    command_error("ERR Invalid command passed to redis.acl_check_cmd()")
  end
  return true
end

redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = REDIS_VERSION, REDIS_VERSION_NUM

-- ------------------------------------------------------------ bit and cjson

local bit = {}
for _, name in ipairs({"tobit", "tohex", "bnot", "band", "bor", "bxor", "lshift",
                       "rshift", "arshift", "rol", "ror", "bswap"}) do
  bit[name] = function(...)
    local ok, value = py_bit(name, ...)
    if not ok then
      raise(value)
    end
    return value
  end
end

-- cjson.lua, run as a part of this chunk (see there)
local cjson = assert(loadstring(CJSON, BOOT))(raise, hidden)

-- ------------------------------------------------------------ struct and cmsgpack

-- How a library function's error names it, and whether it starts with the
-- script's line, as for Redis's C functions: called straight from pcall (a
-- C function) it is '?' and has no line; otherwise the name its caller used
-- (a tail call leaves none: then its own name). Level 2 is the library
-- function, level 3 its caller.
local function called_as(default)
  local caller = getinfo(3, "S")
  if caller and caller.what == "C" then
    return "?", false
  end
  return getinfo(2, "n").name or default, true
end

-- what the Python side of struct and cmsgpack answered: true and the
-- results, or false and an error raised at the script's line (or, when
-- flagged or when positioned is false, as Lua raises its own errors: with
-- no position)
local function answered(positioned, ok, ...)
  if ok then
    return ...
  end
  local message, plain = ...
  if plain or not positioned then
    error(message, 0)
  end
  raise(message)
end

-- Python sees every Lua number that is zero as 0: tell it which arguments
-- are -0 (as "i,j,"), for struct.pack's floats
local function negative_zeros(...)
  local found = ""
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if v == 0 and 1 / v < 0 then
      found = found .. i .. ","
    end
  end
  return found
end

local struct = {}
function struct.pack(...)
  local label, positioned = called_as("pack")
  return answered(positioned, py_struct("pack", label, select("#", ...), negative_zeros(...), ...))
end
for _, name in ipairs({"unpack", "size"}) do
  struct[name] = function(...)
    local label, positioned = called_as(name)
    return answered(positioned, py_struct(name, label, select("#", ...), "", ...))
  end
end

local cmsgpack = {}

-- what a table shows: the one behind a read-only view, for cmsgpack.pack
local function shown(t)
  return hidden[t] or t
end

for _, name in ipairs({"pack", "unpack", "unpack_one", "unpack_limit"}) do
  cmsgpack[name] = function(...)
    local label, positioned = called_as(name)
    return answered(positioned, py_cmsgpack(name, label, shown, select("#", ...), ...))
  end
end
-- after the functions, as Redis sets them (pairs() then visits the same order)
cmsgpack._NAME = "cmsgpack"
cmsgpack._VERSION = "lua-cmsgpack 0.4.0"
cmsgpack._COPYRIGHT = "Copyright (C) 2012, Salvatore Sanfilippo"
cmsgpack._DESCRIPTION = "MessagePack C implementation for Lua"

-- ------------------------------------------------------------ guarded builtins

local function safe_loadstring(text, name)
  if type(text) == "string" and text:byte(1) == 27 then
    return nil, "binary chunks are not allowed"
  end
  return loadstring(text, name)
end

local function safe_load(reader, name)
  if type(reader) ~= "function" then
    return load(reader, name)
  end
  local parts = {}
  while true do
    local piece = reader()
    if piece == nil or piece == "" then
      break
    end
    if type(piece) ~= "string" then
      return nil, "reader function must return a string"
    end
    parts[#parts + 1] = piece
  end
  return safe_loadstring(concat(parts), name or "=(load)")
end

local function unwrap_error(ok, ...)
  if ok then
    return ok, ...
  end
  local e = ...
  if type(e) == "table" then
    local message = rawget(e, "err")
    local kind = type(message)
    if kind == "string" or kind == "number" then
      e = message
    end
  end
  return false, e
end

local function safe_pcall(...)
  return unwrap_error(pcall(...))
end

-- Lua 5.1 keeps a hook per coroutine: each one a script makes gets the
-- hook that lets SCRIPT KILL stop it (see "hook" below).
local hook
local co_create, co_resume = coroutine.create, coroutine.resume

local function hooked_create(f)
  local co = co_create(f)
  sethook(co, hook, "", HOOK_EVERY)
  return co
end

local function hooked_wrap(f)
  local co = hooked_create(f)
  return function(...)
    local results = {co_resume(co, ...)}
    if not results[1] then
      error(results[2], 0)
    end
    return unpack(results, 2, table.maxn(results))
  end
end

local coroutinelib = copy(coroutine)
coroutinelib.create, coroutinelib.wrap = hooked_create, hooked_wrap

local function safe_pairs(t)
  local shown = hidden[t]
  if shown then
    return function(_, k)
      return next(shown, k)
    end, t, nil
  end
  return pairs(t)
end

local function safe_ipairs(t)
  local shown = hidden[t]
  if shown then
    return function(_, i)
      i = i + 1
      local v = shown[i]
      if v ~= nil then
        return i, v
      end
    end, t, 0
  end
  return ipairs(t)
end

local function safe_next(t, k)
  return next(hidden[t] or t, k)
end

local function safe_rawget(t, k)
  return rawget(hidden[t] or t, k)
end

local tablelib = copy(table)
tablelib.insert = guarded(insert)
tablelib.remove = guarded(remove)
tablelib.sort = guarded(sort)
tablelib.setn = guarded(setn)

-- ------------------------------------------------------------ the globals

local globals = _G
local base = {
  _VERSION = _VERSION,
  assert = assert,
  collectgarbage = collectgarbage,
  error = error,
  gcinfo = gcinfo,
  getmetatable = function(t)
    if hidden[t] and t ~= globals then
      return nil
    end
    return getmetatable(t)
  end,
  ipairs = safe_ipairs,
  load = safe_load,
  loadstring = safe_loadstring,
  next = safe_next,
  pairs = safe_pairs,
  pcall = safe_pcall,
  rawequal = rawequal,
  rawget = safe_rawget,
  rawset = guarded(rawset),
  select = select,
  setmetatable = guarded(setmetatable),
  tonumber = tonumber,
  tostring = tostring,
  type = type,
  unpack = unpack,
  xpcall = xpcall,
  string = readonly(copy(string)),
  table = readonly(tablelib),
  math = readonly(copy(math)),
  coroutine = readonly(coroutinelib),
  redis = watched(redis),
  bit = watched(bit),
  cjson = watched(cjson),
  struct = watched(struct),
  cmsgpack = watched(cmsgpack),
}

-- lupa itself looks up the global "debug" (for a traceback) from C before
-- each call into Lua: it must find nil there, not an error
setmetatable(base, {
  __index = function(_, name)
    local caller = getinfo(2, "S")
    if caller and caller.what ~= "C" then
      error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
    end
  end,
})

base._G = globals
for name in pairs(copy(globals)) do
  globals[name] = nil
end
local globals_meta = {__index = base, __newindex = refuse}
globals_meta.__metatable = readonly({__index = getmetatable(base).__index})
setmetatable(globals, globals_meta)
hidden[globals] = base

local string_meta = getmetatable("")
string_meta.__index = base.string
string_meta.__metatable = readonly({__index = base.string})

-- ------------------------------------------------------------ running

local function handler(e)
  local info = where()
  local message
  if type(e) == "table" then
    message = rawget(e, "err")
  else
    message = tostring(e)
    if info then
      local at = (info.short_src .. ":" .. info.currentline .. ": "):gsub("%%", "%%%%")
      message = message:gsub("^miniredis:%d+: ", at)
    end
    message = "ERR " .. message
  end
  if info then
    return {err = message, source = info.source, line = info.currentline}
  end
  return {err = message}
end

-- once killed, raise in the script's own code (not in ours) at every line:
-- a script may catch the error with pcall, and is then stopped again
hook = function()
  if py_killed() and getinfo(2, "S").source ~= BOOT then
    sethook(hook, "l", HOOK_EVERY)
    error({err = KILLED})
  end
end

local function finish(ok, result)
  if ok then
    return true, result
  end
  if type(result) ~= "table" then
    return false, "ERR " .. tostring(result)
  end
  local message = rawget(result, "err")
  if type(message) == "number" then
    message = tostring(message)
  elseif type(message) ~= "string" then
    message = "ERR Script raised an error object with no 'err' message"
  end
  return false, message, rawget(result, "source"), rawget(result, "line")
end

-- A run's keys and arguments come as the count of keys followed by the
-- keys and the arguments, or (too many for a call) as two tables.
local function split(nkeys, ...)
  if type(nkeys) == "table" then
    return nkeys, ...
  end
  local keys = {...}
  local argv = {select(nkeys + 1, ...)}
  for i = #keys, nkeys + 1, -1 do
    keys[i] = nil
  end
  return keys, argv
end

local function run(f, ...)
  base.KEYS, base.ARGV = split(...)
  looked_up = nil
  sethook(hook, "", HOOK_EVERY)
  return finish(xpcall(f, handler))
end

local function compile(code)
  if code:byte(1) == 27 then
    return nil, "user_script: binary chunks are not allowed"
  end
  local f, e = loadstring(code, "@user_script")
  return f, e
end

-- what a script returned, for the Python side: a kind and its parts
local CHUNK = 4000

local function shape(v)
  local x = rawget(v, "err")
  if type(x) == "string" then
    return "err", x
  end
  x = rawget(v, "ok")
  if type(x) == "string" then
    return "ok", x
  end
  x = rawget(v, "double")
  if type(x) == "number" then
    return "double", x
  end
  x = rawget(v, "big_number")
  if type(x) == "string" then
    return "big_number", x
  end
  x = rawget(v, "map")
  if type(x) == "table" then
    local flat = {}
    for key, value in next, x do
      flat[#flat + 1] = key
      flat[#flat + 1] = value
    end
    return "map", #flat, flat, unpack(flat, 1, min(#flat, CHUNK))
  end
  x = rawget(v, "set")
  if type(x) == "table" then
    local flat = {}
    for key in next, x do
      flat[#flat + 1] = key
    end
    return "set", #flat, flat, unpack(flat, 1, min(#flat, CHUNK))
  end
  x = rawget(v, "verbatim_string")
  if type(x) == "table" then
    local format, text = rawget(x, "format"), rawget(x, "string")
    if type(format) == "string" and type(text) == "string" then
      return "verbatim", format, text
    end
  end
  local n = 0
  while rawget(v, n + 1) ~= nil do
    n = n + 1
  end
  return "array", n, v, unpack(v, 1, min(n, CHUNK))
end

-- ------------------------------------------------------------ function libraries

local function fail(message)
  error({err = "ERR " .. message})
end

local FUNCTION_FLAGS = {
  ["no-writes"] = true, ["allow-oom"] = true, ["allow-stale"] = true,
  ["no-cluster"] = true, ["allow-cross-slot-keys"] = true,
}

-- the functions the library being loaded registered, in order
local registering

local function register(name, callback, description, flags)
  if name == nil then
    fail("redis.register_function must get a function name argument")
  end
  if callback == nil then
    fail("redis.register_function must get a callback argument")
  end
  if not name:find("^[%w_]+$") then
    fail("Library names can only contain letters, numbers, or underscores(_) " ..
         "and must be at least one character long")
  end
  for i = 1, #registering, 4 do
    if registering[i] == name then
      fail("Function already exists in the library")
    end
  end
  local n = #registering
  registering[n + 1], registering[n + 2] = name, callback
  registering[n + 3], registering[n + 4] = description or false, concat(flags, ",")
end

local function read_flags(value)
  if type(value) ~= "table" then
    fail("flags argument to redis.register_function must be a table representing function flags")
  end
  local flags = {}
  for _, flag in next, value do
    if type(flag) ~= "string" or not FUNCTION_FLAGS[flag] then
      fail("unknown flag given")
    end
    flags[#flags + 1] = flag
  end
  return flags
end

local function as_string(value)
  local kind = type(value)
  if kind == "string" then
    return value
  elseif kind == "number" then
    return tostring(value)
  end
end

local function register_named(args)
  local name, callback, description, flags = nil, nil, nil, {}
  for key, value in next, args do
    if type(key) ~= "string" and type(key) ~= "number" then
      fail("named argument key given to redis.register_function is not a string")
    end
    if key == "function_name" then
      name = as_string(value)
      if name == nil then
        fail("function_name argument given to redis.register_function must be a string")
      end
    elseif key == "description" then
      description = as_string(value)
      if description == nil then
        fail("description argument given to redis.register_function must be a string")
      end
    elseif key == "callback" then
      if type(value) ~= "function" then
        fail("callback argument given to redis.register_function must be a function")
      end
      callback = value
    elseif key == "flags" then
      flags = read_flags(value)
    else
      fail("unknown argument given to redis.register_function")
    end
  end
  register(name, callback, description, flags)
end

local function register_function(...)
  if registering == nil then
    fail("redis.register_function can only be called on FUNCTION LOAD command")
  end
  local n = select("#", ...)
  if n < 1 or n > 2 then
    fail("wrong number of arguments to redis.register_function")
  end
  local first, second = ...
  if n == 1 then
    if type(first) ~= "table" then
      fail("calling redis.register_function with a single argument is only " ..
           "applicable to Lua table (representing named arguments).")
    end
    return register_named(first)
  end
  local name = as_string(first)
  if name == nil then
    fail("first argument to redis.register_function must be a string")
  end
  if type(second) ~= "function" then
    fail("second argument to redis.register_function must be a function")
  end
  register(name, second, nil, {})
end

local function nonexistent(_, name)
  error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
end

-- the redis table a library sees while it loads
local load_redis = {register_function = register_function, log = redis.log}
for _, name in ipairs({"LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
                       "REDIS_VERSION", "REDIS_VERSION_NUM"}) do
  load_redis[name] = redis[name]
end
load_redis = setmetatable(load_redis, {__index = nonexistent, __newindex = refuse, __metatable = false})

local function load_hook()
  if py_load_expired() then
    error({err = "ERR FUNCTION LOAD timeout"})
  end
end

-- Run a library's code in its own environment, where the globals hold only
-- the load-time redis table. Once it has loaded, the environment shows the
-- globals every script sees, so that its functions run as scripts do.
-- Returns false and the error, or true and name, callback, description,
-- flags of each function registered.
local function load_library(code)
  if code:byte(1) == 27 then
    return false, "ERR Error compiling function: binary chunks are not allowed"
  end
  local f, e = loadstring(code, "@user_function")
  if f == nil then
    return false, "ERR Error compiling function: " .. e
  end
  local meta = {__newindex = refuse, __metatable = false}
  meta.__index = function(_, name)
    if name == "redis" then
      return load_redis
    end
    error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
  end
  setfenv(f, setmetatable({}, meta))
  registering = {}
  looked_up = nil
  sethook(load_hook, "", HOOK_EVERY)
  local ok, message = finish(xpcall(f, handler))
  sethook()
  meta.__index = base
  local registered = registering
  registering = nil
  if not ok then
    return false, "ERR Error registering functions: " .. message
  end
  return true, unpack(registered, 1, #registered)
end

-- what call_function calls next, kept here so that a call makes no closure
local function_called, function_keys, function_argv

local function call_function()
  local f, keys, argv = function_called, function_keys, function_argv
  function_called, function_keys, function_argv = nil, nil, nil
  return f(keys, argv)
end

local function run_function(f, ...)
  base.KEYS, base.ARGV = nil, nil
  looked_up = nil
  function_called = f
  function_keys, function_argv = split(...)
  sethook(hook, "", HOOK_EVERY)
  return finish(xpcall(call_function, handler))
end

return compile, run, shape, unpack, CHUNK, load_library, run_function
