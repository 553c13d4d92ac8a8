-- cjson for scripts: the functions of lua-cjson 2.1.0 that Redis 7.0 offers
-- (encode, decode, null), in pure Lua.
--
-- sandbox.lua loads this file as a part of its own chunk (under the same
-- chunk name, so that where() skips these frames as its own) while the real
-- globals are still in place, and passes it what it shares with the rest of
-- the sandbox: raise (an error positioned at the script's line) and hidden
-- (read-only view -> the table it shows). It returns the cjson table.

local raise, hidden = ...

local error, type, tostring, tonumber, select = error, type, tostring, tonumber, select
local pcall, next, newproxy = pcall, next, newproxy
local concat, floor = table.concat, math.floor

local cjson = {_NAME = "cjson", _VERSION = "2.1.0"}
local null = newproxy(false)
cjson.null = null
local format, char, byte, find, sub = string.format, string.char, string.byte, string.find, string.sub
local huge = math.huge
local MAX_DEPTH = 1000

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["/"] = "\\/", ["\b"] = "\\b",
  ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}

local function escape(c)
  return escapes[c] or format("\\u%04x", byte(c))
end

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\/]', escape) .. '"'
end

local function encode_number(n)
  if n ~= n or n == huge or n == -huge then
    error("Cannot serialise number: must not be NaN or Inf", 0)
  end
  return format("%.14g", n)
end

-- the length of an array-like table, or nil for one cjson encodes as an object
local function array_length(t)
  local max, count = 0, 0
  for k in next, t do
    if type(k) ~= "number" or k < 1 or floor(k) ~= k then
      return nil
    end
    if k > max then
      max = k
    end
    count = count + 1
  end
  if max > 10 and max > count * 2 then
    error("Cannot serialise table: excessively sparse array", 0)
  end
  if max > 0 then
    return max
  end
end

local encode_value

local function encode_table(t, depth, out)
  if depth > MAX_DEPTH then
    error("Cannot serialise, excessive nesting (" .. depth .. ")", 0)
  end
  local n = array_length(t)
  if n then
    out[#out + 1] = "["
    for i = 1, n do
      if i > 1 then
        out[#out + 1] = ","
      end
      encode_value(t[i], depth, out)
    end
    out[#out + 1] = "]"
    return
  end
  out[#out + 1] = "{"
  local first = true
  for k, v in next, t do
    if not first then
      out[#out + 1] = ","
    end
    first = false
    if type(k) == "string" then
      out[#out + 1] = encode_string(k)
    elseif type(k) == "number" then
      out[#out + 1] = '"' .. encode_number(k) .. '"'
    else
      error("Cannot serialise table: table key must be a number or string", 0)
    end
    out[#out + 1] = ":"
    encode_value(v, depth, out)
  end
  out[#out + 1] = "}"
end

encode_value = function(v, depth, out)
  local kind = type(v)
  if kind == "string" then
    out[#out + 1] = encode_string(v)
  elseif kind == "number" then
    out[#out + 1] = encode_number(v)
  elseif kind == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif v == nil or v == null then
    out[#out + 1] = "null"
  elseif kind == "table" then
    encode_table(hidden[v] or v, depth + 1, out)
  else
    error("Cannot serialise " .. kind .. ": type not supported", 0)
  end
end

function cjson.encode(...)
  if select("#", ...) ~= 1 then
    raise("bad argument #1 to 'encode' (expected 1 argument)")
  end
  local out = {}
  local ok, e = pcall(encode_value, (...), 0, out)
  if not ok then
    raise(e)
  end
  return concat(out)
end

local tokens = {
  ["{"] = "T_OBJ_BEGIN", ["}"] = "T_OBJ_END", ["["] = "T_ARR_BEGIN", ["]"] = "T_ARR_END",
  [":"] = "T_COLON", [","] = "T_COMMA", ['"'] = "T_STRING", ["t"] = "T_BOOLEAN",
  ["f"] = "T_BOOLEAN", ["n"] = "T_NULL", [""] = "T_END",
}

local function expected(what, s, i)
  local c = sub(s, i, i)
  local found = tokens[c] or (find(c, "^[%-%d]") and "T_NUMBER") or "invalid token"
  error(format("Expected %s but found %s at character %d", what, found, i), 0)
end

local function skip(s, i)
  return find(s, "[^ \t\n\r]", i) or #s + 1
end

local function utf8(code)
  if code < 0x80 then
    return char(code)
  elseif code < 0x800 then
    return char(0xC0 + floor(code / 0x40), 0x80 + code % 0x40)
  elseif code < 0x10000 then
    return char(0xE0 + floor(code / 0x1000), 0x80 + floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
  end
  return char(0xF0 + floor(code / 0x40000), 0x80 + floor(code / 0x1000) % 0x40,
              0x80 + floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
end

local unescapes = {
  ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t",
}

local function decode_string(s, i)
  local parts = {}
  local j = i + 1
  while true do
    local stop = find(s, '["\\]', j)
    if stop == nil then
      error(format("Expected value but found invalid token at character %d", i), 0)
    end
    parts[#parts + 1] = sub(s, j, stop - 1)
    if sub(s, stop, stop) == '"' then
      return concat(parts), stop + 1
    end
    local c = sub(s, stop + 1, stop + 1)
    if c == "u" then
      local code = tonumber(sub(s, stop + 2, stop + 5), 16)
      j = stop + 6
      if code and code >= 0xD800 and code <= 0xDBFF and sub(s, j, j + 1) == "\\u" then
        local low = tonumber(sub(s, j + 2, j + 5), 16)
        if low and low >= 0xDC00 and low <= 0xDFFF then
          code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
          j = j + 6
        end
      end
      if code == nil then
        error(format("Expected value but found invalid unicode escape code at character %d", i), 0)
      end
      parts[#parts + 1] = utf8(code)
    elseif unescapes[c] then
      parts[#parts + 1] = unescapes[c]
      j = stop + 2
    else
      error(format("Expected value but found invalid escape code at character %d", i), 0)
    end
  end
end

local decode_value

local function decode_array(s, i, depth)
  local out, n = {}, 0
  i = skip(s, i + 1)
  if sub(s, i, i) == "]" then
    return out, i + 1
  end
  while true do
    n = n + 1
    out[n], i = decode_value(s, i, depth)
    i = skip(s, i)
    local c = sub(s, i, i)
    if c == "]" then
      return out, i + 1
    elseif c ~= "," then
      expected("comma or array end", s, i)
    end
    i = skip(s, i + 1)
  end
end

local function decode_object(s, i, depth)
  local out = {}
  i = skip(s, i + 1)
  if sub(s, i, i) == "}" then
    return out, i + 1
  end
  while true do
    if sub(s, i, i) ~= '"' then
      expected("object key string", s, i)
    end
    local key
    key, i = decode_string(s, i)
    i = skip(s, i)
    if sub(s, i, i) ~= ":" then
      expected("colon", s, i)
    end
    out[key], i = decode_value(s, skip(s, i + 1), depth)
    i = skip(s, i)
    local c = sub(s, i, i)
    if c == "}" then
      return out, i + 1
    elseif c ~= "," then
      expected("comma or object end", s, i)
    end
    i = skip(s, i + 1)
  end
end

local literals = {["true"] = true, ["false"] = false}

decode_value = function(s, i, depth)
  local c = sub(s, i, i)
  if c == "{" or c == "[" then
    if depth >= MAX_DEPTH then
      error(format("Found too many nested data structures (%d) at character %d", depth + 1, i), 0)
    end
    if c == "{" then
      return decode_object(s, i, depth + 1)
    end
    return decode_array(s, i, depth + 1)
  elseif c == '"' then
    return decode_string(s, i)
  end
  local number = s:match("^-?%d+%.?%d*[eE][-+]?%d+", i) or s:match("^-?%d+%.?%d*", i)
  if number then
    return tonumber(number), i + #number
  end
  for word, value in next, literals do
    if sub(s, i, i + #word - 1) == word then
      return value, i + #word
    end
  end
  if sub(s, i, i + 3) == "null" then
    return null, i + 4
  end
  expected("value", s, i)
end

function cjson.decode(...)
  if select("#", ...) ~= 1 then
    raise("bad argument #1 to 'decode' (expected 1 argument)")
  end
  local text = ...
  if type(text) == "number" then
    text = tostring(text)
  elseif type(text) ~= "string" then
    raise("bad argument #1 to 'decode' (string expected, got " .. type(text) .. ")")
  end
  local ok, value, i = pcall(decode_value, text, skip(text, 1), 0)
  if ok then
    i = skip(text, i)
    if i <= #text then
      ok, value = pcall(expected, "the end", text, i)
    end
  end
  if not ok then
    raise(value)
  end
  return value
end

return cjson
