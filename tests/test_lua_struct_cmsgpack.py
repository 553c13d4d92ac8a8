"""
The C{struct} and C{cmsgpack} libraries of scripts against a real
redis-server: every format option and encoding, offsets, limits and error
texts, values packed by one server and unpacked by the other, and the
library tables read-only.
"""

import pytest

from tests.test_scripting import evals

STRUCT_PACK = [
    "return struct.pack('>i', 1)",
    "return struct.pack('i3', 1)",
    "return struct.pack('z', 1)",
    "return struct.pack('c5', 'ab')",
    "return struct.pack('b', {})",
    "return struct.pack('b')",
    "return struct.pack('i99999999999', 1)",
    "return struct.pack('c99999999999', 'a')",
    "return struct.pack('!99999999999', 1)",
    "return struct.pack('s', 12.5)",
    "return struct.pack('b', '0x10')",
    "return struct.pack('b', ' 12 ')",
    "return struct.pack()",
    "return struct.pack('>I2 xxx', 300)",
    "return struct.pack('<i', -2)",
    "return struct.pack('B', -1)",
    "return struct.pack('i', 2^31 + 0.7)",
    "return struct.pack('>I9', -1)",
    "return struct.pack('I', 2^64)",
    "return struct.pack('l', 0/0)",
    "return struct.pack('i', 0/0)",
    "return struct.pack('<l', -2^63)",
    "return struct.pack('<l', -2^70)",
    "return struct.pack('<L', 2^63 + 2^20)",
    "return struct.pack('<f', 1/3)",
    "return struct.pack('>f', 1e300)",
    "return struct.pack('>f', -1e300)",
    "return struct.pack('>d', 1/3)",
    "return struct.pack('>d', -0.0)",
    "return struct.pack('>f', -0.0)",
    "return struct.pack('c0', -0.0)",
    "return struct.pack('!8 b d', 1, 2.5)",
    "return struct.pack('!b h i l', 1, 2, 3, 4)",
    "return struct.pack('!2 b h i l', 1, 2, 3, 4)",
    "return struct.pack('!8 b i3', 1, 2)",
    "return struct.pack('!8 b i3 b i5', 1, 2, 3, 4)",
    "return struct.pack('T', 5)",
    "return struct.pack('>hH', -2, 65535)",
    "return struct.pack('c', 'abc')",
    "return struct.pack('c0', 'abc')",
    "return struct.pack('c2x s', 'abc', 'de')",
    "return struct.pack('c2x s', 'abc')",
    "return struct.pack('!\\233')",
    "local f = struct.pack; return f('>h', 3)",
    "return pcall(struct.pack, '>h', 3)",
    "return struct.pack('b', 1, 2, 3)",
]

STRUCT_UNPACK = [
    "return {struct.unpack('c0', '1')}",
    "return {struct.unpack('c1c0', '2ab')}",
    "return {struct.unpack('b', 'abc', -1)}",
    "return {struct.unpack('b', 'abc', 0)}",
    "return {struct.unpack('b', 'abc', 4)}",
    "return {struct.unpack('x', 'abc', 4)}",
    "return {struct.unpack('', 'abc', 9)}",
    "return {struct.unpack('', 'abc', -1)}",
    "return {struct.unpack('bc0', '\\3abcd')}",
    "return {struct.unpack('bc0', '\\255abcd')}",
    "return {struct.unpack('s', 'ab\\0cd')}",
    "return {struct.unpack('s', 'abcd')}",
    "return struct.unpack('b', 12)",
    "return struct.unpack(12, 'a')",
    "return {struct.unpack('b', 'ab', '2')}",
    "return {struct.unpack('b', 'ab', 'x')}",
    "return {struct.unpack('b', 'ab', 1.9)}",
    "return struct.unpack('b')",
    "return {struct.unpack('>i16', string.rep('\\255', 16))}",
    "return {struct.unpack('<i12', string.rep('\\255', 7) .. '\\128' .. string.rep('\\0', 4))}",
    "return {struct.unpack('<i9', string.rep('\\0', 8) .. '\\1')}",
    "return {struct.unpack('<i9', '\\128' .. string.rep('\\0', 8))}",
    "return {struct.unpack('>I16', string.rep('\\255', 16))}",
    "return {struct.unpack('<l', struct.pack('<l', -2^53 - 1))}",
    "return {struct.unpack('<L', struct.pack('<L', 2^64 - 1))}",
    "return {struct.unpack('>f', struct.pack('>f', 1/3))}",
    "return tostring(struct.unpack('>f', struct.pack('>f', 1/3)))",
    "return tostring(struct.unpack('>d', struct.pack('>d', 1/3)))",
    "return tostring(struct.unpack('>d', struct.pack('>d', -0.0)))",
    "return tostring(struct.unpack('f', struct.pack('f', 0/0)))",
    "return {struct.unpack('!8 b d', struct.pack('!8 b d', 1, 2.5))}",
    "return {struct.unpack('>bBhHlLiI', struct.pack('>bBhHlLiI', -1, 255, -300, 65000, -5, 7, -9, 10))}",
    "return {struct.unpack('b c0 s', struct.pack('b c0 s', 3, 'abc', 'zz'))}",
    "return {struct.unpack('i2', 'abcdef', 3)}",
    "return {struct.unpack('!4 b i', 'abcdefgh', 1)}",
    "return {struct.unpack('!4 b i', 'abcdefgh', 2)}",
]

STRUCT_SIZE = [
    "return struct.size('s')",
    "return struct.size('!8bd')",
    "return struct.size('bz')",
    "return struct.size('b c0')",
    "return struct.size('!4 b i3 h d')",
    "return struct.size()",
    "return struct.size('\\233')",
]

CMSGPACK_PACK = [
    "return cmsgpack.pack(1, 'a', true, false, nil)",
    "return cmsgpack.pack()",
    "return cmsgpack.pack({1, 2, 3})",
    "return cmsgpack.pack({})",
    "return cmsgpack.pack({a = 1})",
    "return cmsgpack.pack({[1] = 1, [3] = 3})",
    "return cmsgpack.pack({1, nil, 3})",
    "return cmsgpack.pack({[1.5] = 1})",
    "return cmsgpack.pack({[2^31] = 1})",
    "return cmsgpack.pack({[0] = 1})",
    "return cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536, 2^32 - 1, 2^32, 2^53, 2^63 - 2^11, 2^63, 2^64)",
    "return cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769, -2^31, -2^31 - 1, -2^63, -2^63 - 2^11, -2^64)",
    "return cmsgpack.pack(1.5, 0.1, 1/3, 1e300, -1e300, 1/0, -1/0, 0/0, -0.0, 3.4028234663852886e38)",
    "return cmsgpack.pack(string.rep('a', 31), string.rep('b', 32))",
    "return #cmsgpack.pack(string.rep('a', 255)) .. ' ' .. #cmsgpack.pack(string.rep('a', 256)) .. ' ' .. #cmsgpack.pack(string.rep('a', 65535)) .. ' ' .. #cmsgpack.pack(string.rep('a', 65536))",
    "return cmsgpack.pack(string.rep('a', 256)):sub(1, 4)",
    "return cmsgpack.pack(string.rep('a', 65536)):sub(1, 6)",
    "local t = {} for i = 1, 16 do t[i] = i end return cmsgpack.pack(t)",
    "local t = {} for i = 1, 70000 do t[i] = i end return cmsgpack.pack(t):sub(1, 8)",
    "local t = {} for i = 1, 16 do t['k' .. i] = i end return #cmsgpack.pack(t)",
    "local t = {} for i = 1, 16 do t['k' .. i] = i end return cmsgpack.pack(t):sub(1, 3)",
    "local t = {} for i = 1, 70000 do t['k' .. i] = i end return cmsgpack.pack(t):sub(1, 5)",
    "local t = {} t[1] = t return cmsgpack.pack(t)",
    "local t = {} t.x = t return cmsgpack.pack(t)",
    "local t = {{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}} return cmsgpack.pack(t)",
    "return cmsgpack.pack(cjson.null, function() end, coroutine.create(function() end))",
    "return cmsgpack.pack({{1, {2, {3}}}, x = {y = 'z'}})",
    "local t = {} for i = 1, 16 do t['k' .. i] = i end return cmsgpack.pack(t)",
    "return cmsgpack.pack({a = 1, b = 2, c = {x = 1, y = 2}, [5] = 'five'})",
    "local t = setmetatable({}, {__index = function() return 7 end}) t[1] = 1 t[2] = 2 return cmsgpack.pack(t)",
]

CMSGPACK_UNPACK = [
    "return cmsgpack.unpack('\\193')",
    "return cmsgpack.unpack('\\196\\1a')",
    "return cmsgpack.unpack('\\212\\1a')",
    "return cmsgpack.unpack('\\129\\192\\1')",
    "return cmsgpack.unpack('\\129\\1\\192')",
    "return cmsgpack.unpack('\\129\\192')",
    "return cmsgpack.unpack('\\146\\1')",
    "return cmsgpack.unpack('\\217')",
    "return cmsgpack.unpack('\\217\\5abc')",
    "return cmsgpack.unpack('\\219\\0\\0\\0\\5abc')",
    "return cmsgpack.unpack('\\205\\1')",
    "return cmsgpack.unpack(5)",
    "return cmsgpack.unpack({})",
    "return cmsgpack.unpack()",
    "return cmsgpack.unpack_limit('\\1')",
    "return cmsgpack.unpack_limit('\\1', 'x')",
    "return cmsgpack.unpack_one('\\1', 'x')",
    "return {cmsgpack.unpack_one('\\1\\2', 1.5)}",
    "return {cmsgpack.unpack_one('\\1\\2', '1')}",
    "return {cmsgpack.unpack_limit('\\1\\2\\3', 0)}",
    "return {cmsgpack.unpack_limit('\\1\\2\\3', 0, 1)}",
    "return {cmsgpack.unpack_limit('\\1\\2\\3', 2, 1)}",
    "return {cmsgpack.unpack_limit('\\1\\2\\3', 5)}",
    "return {cmsgpack.unpack_one('\\1\\2\\3', 3)}",
    "return {cmsgpack.unpack_one('', 0)}",
    "return {cmsgpack.unpack_one('\\1\\2\\3', 4)}",
    "return {cmsgpack.unpack_one('\\1\\2\\3', -1)}",
    "return {cmsgpack.unpack_limit('\\1\\2\\3', -1, 2)}",
    "return {cmsgpack.unpack_limit('\\1\\2\\3', 1, 2^32 + 5)}",
    "return cmsgpack.unpack('\\129\\203\\255\\248\\0\\0\\0\\0\\0\\0\\1')",
    "return {cmsgpack.unpack('')}",
    "return {cmsgpack.unpack('\\1\\192\\2')}",
    "return select('#', cmsgpack.unpack('\\1\\192\\2'))",
    "return {cmsgpack.unpack('\\204\\200\\205\\1\\0\\206\\255\\255\\255\\255\\208\\128\\209\\128\\0\\210\\128\\0\\0\\0')}",
    "return {cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255')}",
    "return {cmsgpack.unpack('\\207\\127\\255\\255\\255\\255\\255\\255\\255')}",
    "return tostring(cmsgpack.unpack('\\207\\0\\32\\0\\0\\0\\0\\0\\1'))",
    "return tostring(cmsgpack.unpack('\\211\\128\\0\\0\\0\\0\\0\\0\\0'))",
    "return tostring(cmsgpack.unpack('\\202\\62\\170\\170\\171'))",
    "return tostring(cmsgpack.unpack('\\203\\63\\213\\85\\85\\85\\85\\85\\85'))",
    "return {cmsgpack.unpack('\\224\\255\\127\\0')}",
    "return cmsgpack.unpack('\\147\\1\\2\\3')",
    "return cmsgpack.unpack('\\220\\0\\2\\1\\2')",
    "return cmsgpack.unpack('\\221\\0\\0\\0\\2\\1\\2')",
    "return cmsgpack.unpack('\\221\\255\\255\\255\\255\\1\\2')",
    "return cmsgpack.unpack('\\130\\161a\\1\\161b\\2').b",
    "return cmsgpack.unpack('\\222\\0\\1\\161a\\1').a",
    "return cmsgpack.unpack('\\223\\0\\0\\0\\1\\161a\\1').a",
    "return cmsgpack.unpack('\\223\\0\\0\\0\\2\\161a\\1')",
    "return cmsgpack.unpack('\\145\\192')",
    "return #cmsgpack.unpack('\\147\\1\\192\\3')",
    "return cmsgpack.unpack('\\129\\1\\161x')[1]",
    "return cmsgpack.unpack('\\129\\145\\1\\161x')",
    "return cjson.encode({cmsgpack.unpack(cmsgpack.pack({1, 2, {a = 'b'}}, 'x', 3.5))})",
    "return cmsgpack.unpack(cmsgpack.pack(1/3)) == 1/3",
    "return cmsgpack.unpack(cmsgpack.pack(0.5)) == 0.5",
    "return tostring(cmsgpack.unpack(cmsgpack.pack(2^63)))",
]

# zero-terminated strings, subnormal and overflowing floats, odd sizes and
# alignments, out-of-range integers, numbers given as strings
STRUCT_EDGES = [
    "return struct.pack('s', 'a\\0b')",
    "return {struct.unpack('s s', 'a\\0b\\0')}",
    "return {struct.unpack('>c2 c0', 'x\\1yz')}",
    "return {struct.unpack('>H c0', '\\0\\2yz')}",
    "return {struct.unpack('d', struct.pack('d', 1e308))}",
    "return tostring(struct.unpack('<d', struct.pack('<d', 2^-1074)))",
    "return tostring(struct.unpack('<f', struct.pack('<f', 2^-149)))",
    "return tostring(struct.unpack('<f', struct.pack('<f', 2^-150)))",
    "return tostring(struct.unpack('<f', struct.pack('<f', 3.4028235677973366e38)))",
    "return struct.pack('i0', 5)",
    "return struct.size('i0')",
    "return struct.size('!16 b d')",
    "return struct.size('!16 b i16')",
    "return struct.size('!1 b d')",
    "return struct.size('!0 b')",
    "return struct.pack('<I4', 2^32 + 1)",
    "return struct.pack('<i', -2^31 - 1)",
    "return struct.pack('<b', 200)",
    "return struct.pack('<b', -200.9)",
    "return struct.pack(5, 1)",
    "return {struct.unpack(4, 'abcd')}",
    "return {struct.unpack('<I', 'abcd', 2^53)}",
]

# strings and tables of every header, floats, odd keys, nils
CMSGPACK_EDGES = [
    "return {cmsgpack.unpack_limit('\\1\\2\\3', 1.9)}",
    "return {cmsgpack.unpack_one('\\1\\2\\3', '2')}",
    "return {cmsgpack.unpack_limit('\\1\\2\\3', '1', '1')}",
    "return cmsgpack.unpack('\\218\\0\\3abc')",
    "return cmsgpack.unpack('\\218\\0\\3ab')",
    "return cmsgpack.unpack('\\219\\0\\0\\0\\3abc')",
    "return cmsgpack.unpack('\\202\\127\\128\\0\\0') == 1/0",
    "return cmsgpack.pack(cmsgpack.unpack('\\202\\127\\192\\0\\0'))",
    "return cmsgpack.unpack('\\220\\0')",
    "return cmsgpack.unpack('\\223\\0\\0\\0')",
    "return cmsgpack.unpack('\\199\\1\\1a')",
    "return {cmsgpack.unpack('\\129\\161a\\192')}",
    "return cmsgpack.pack({[true] = 1})",
    "return cmsgpack.pack({[{1}] = 2})",
    "return cmsgpack.unpack('\\129\\145\\1\\2')[1]",
    "return cmsgpack.pack('a', nil, nil)",
    "return cmsgpack.pack(nil)",
    "return cmsgpack.pack(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25)",
]

# how an error names the function and whether it has the script's line:
# called straight from pcall, '?' and none
ERROR_FORMS = [
    "local ok, e = pcall(struct.pack, 'z') return e",
    "local ok, e = pcall(function() return struct.pack('z') end) return e",
    "local ok, e = pcall(function() local x = struct.pack('z') return x end) return e",
    "local ok, e = pcall(cmsgpack.unpack, '\\193') return e",
    "local ok, e = pcall(cmsgpack.unpack, '\\129\\192\\1') return e",
    "local ok, e = pcall(function() local x = cmsgpack.unpack('\\129\\192\\1') return x end) return e",
    "local ok, e = pcall(cmsgpack.pack) return e",
    "local ok, e = pcall(struct.unpack, 'b', 'abc', 0) return e",
    "local t = {f = struct.pack} local x = t.f('z') return x",
    "local f = cmsgpack.unpack_limit local x = f('\\1') return x",
    "local x = struct.pack('z') return x",
    "return struct.pack('z')",
    "local ok, e = pcall(struct.size, 's') return e",
    "return {pcall(struct.pack, '>h', 3)}",
]

# the C stack limits: too many results, nesting too deep
STACK_LIMITS = [
    "return select('#', struct.unpack(string.rep('b', 7998), string.rep('a', 8000)))",
    "return select('#', struct.unpack(string.rep('b', 7997), string.rep('a', 8000)))",
    "return select('#', struct.unpack(string.rep('b', 7997), string.rep('a', 8000), 1))",
    "return select('#', struct.unpack(string.rep('b', 7996), string.rep('a', 8000), 1))",
    "local t = {} for i = 1, 8000 do t[i] = 1 end local s = string.rep('\\1', 7999) return select('#', cmsgpack.unpack(s))",
    "local s = string.rep('\\1', 8000) return select('#', cmsgpack.unpack(s))",
    "local s = string.rep('\\1', 7999) return select('#', cmsgpack.unpack(s, 1))",
    "local s = string.rep('\\1', 7999) return select('#', cmsgpack.unpack_limit(s, 8000))",
    "local s = string.rep('\\1', 7998) return select('#', cmsgpack.unpack_limit(s, 8000))",
    "local s = string.rep('\\145', 5000) .. '\\1' return type(cmsgpack.unpack(s))",
    "local s = string.rep('\\145', 3998) .. '\\1' return type(cmsgpack.unpack(s))",
    "local s = string.rep('\\145', 3999) .. '\\1' return type(cmsgpack.unpack(s))",
    "local s = string.rep('\\145', 4000) .. '\\1' return type(cmsgpack.unpack(s))",
    "local s = string.rep('\\129\\1', 7997) .. '\\1' return type(cmsgpack.unpack(s))",
    "local s = string.rep('\\129\\1', 7998) .. '\\1' return type(cmsgpack.unpack(s))",
    "local s = string.rep('\\129\\1', 7999) .. '\\1' return type(cmsgpack.unpack(s))",
    "local s = string.rep('\\129', 7997) .. '\\1' return type(cmsgpack.unpack(s))",
    "local s = string.rep('\\129', 7998) .. '\\1' return type(cmsgpack.unpack(s))",
    "local s = string.rep('\\129', 7999) .. '\\1' return type(cmsgpack.unpack(s))",
]

LIBRARY_TABLES = [
    "struct.x = 1",
    "struct.pack = nil",
    "return type(struct)",
    "return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}",
    "local n = {} for k in pairs(cmsgpack) do n[#n + 1] = k end table.sort(n) return n",
    "local n = {} for k in pairs(struct) do n[#n + 1] = k end table.sort(n) return n",
    "cmsgpack.pack = nil",
    "return rawget(cmsgpack, 'pack')",
    "return cmsgpack.pack(struct)",
    "return cmsgpack.pack(cmsgpack)",
]


@pytest.mark.parametrize(
    "scripts",
    [STRUCT_PACK, STRUCT_UNPACK, STRUCT_SIZE, STRUCT_EDGES],
    ids=["pack", "unpack", "size", "edges"],
)
def test_struct(differ, scripts):
    differ.run(evals(*scripts))


@pytest.mark.parametrize(
    "scripts",
    [CMSGPACK_PACK, CMSGPACK_UNPACK, CMSGPACK_EDGES],
    ids=["pack", "unpack", "edges"],
)
def test_cmsgpack(differ, scripts):
    differ.run(evals(*scripts))


def test_error_forms(differ):
    differ.run(evals(*ERROR_FORMS))


def test_stack_limits(differ):
    differ.run(evals(*STACK_LIMITS))


def test_library_tables(differ):
    differ.run(evals(*LIBRARY_TABLES))
    differ.run(
        evals(
            "rawset(struct, 'pack', 1)",
            "setmetatable(cmsgpack, {})",
            "return getmetatable(struct)",
            "table.insert(cmsgpack, 1)",
        )
    )


PACKED = [
    ("return struct.pack(ARGV[1], 1, -2, 3, -4, 5, 6, 7.5, 8.25)", "!8 <bhilLT f d"),
    ("return struct.pack(ARGV[1], 1, -2, 3, -4, 5, 6, 7.5, 8.25)", ">BHIlLi3 f d"),
    ("return struct.pack(ARGV[1], 'abc', 'de', 258, 'xyz')", "c3 s >I2 c0"),
]
UNPACK = "return {struct.unpack(ARGV[1], ARGV[2])}"


def test_struct_round_trips(differ):
    for pack, fmt in PACKED:
        real, mini = differ.both("EVAL", pack, "0", fmt)
        assert real == mini
        for data in (real, mini):
            differ.check("EVAL", UNPACK, "0", fmt.replace("c0", "c3"), data)


MESSAGES = [
    "return cmsgpack.pack(1, -1, 300, -300, 2^40, -2^40, 1.5, 0.1, 1/0, -1/0)",
    "return cmsgpack.pack('', 'x', string.rep('y', 40), string.rep('z', 300))",
    "return cmsgpack.pack({1, 2, {3, {4}}}, {a = {b = {c = 'd'}}}, true, false)",
    "local t = {} for i = 1, 20 do t[i] = i * 1000 end return cmsgpack.pack(t)",
    "local t = {} for i = 1, 20 do t['k' .. i] = {i} end return cmsgpack.pack(t)",
    "return cmsgpack.pack({[1] = 'a', [2] = 'b', x = 'c', [2.5] = 'd'})",
]
UNPACKERS = [
    "return cjson.encode({cmsgpack.unpack(ARGV[1])})",
    "return {cmsgpack.unpack_one(ARGV[1])}",
    "return {cmsgpack.unpack_one(ARGV[1], 3)}",
    "return {cmsgpack.unpack_limit(ARGV[1], 2)}",
    "return {cmsgpack.unpack_limit(ARGV[1], 2, 1)}",
    "return cmsgpack.pack(cmsgpack.unpack(ARGV[1])) == ARGV[1]",
]


def test_cmsgpack_round_trips(differ):
    for pack in MESSAGES:
        real, mini = differ.both("EVAL", pack, "0")
        assert real == mini
        for data in (real, mini):
            for unpack in UNPACKERS:
                differ.check("EVAL", unpack, "0", data)


def test_struct_and_cmsgpack_in_functions(differ):
    library = (
        "#!lua name=packing\n"
        "redis.register_function('packed', function(keys, args) "
        "return {struct.pack('>I2', tonumber(args[1])), "
        "cmsgpack.unpack(cmsgpack.pack({args[1]}))[1]} end)"
    )
    differ.check("FUNCTION", "LOAD", "REPLACE", library)
    differ.check("FCALL", "packed", "0", "513")
    differ.check("FUNCTION", "DELETE", "packing")


def test_libraries_hold_only_functions_and_strings(differ):
    differ.run(
        evals(
            "local kinds = {} "
            "for _, t in ipairs({struct, cmsgpack}) do "
            "for k, v in pairs(t) do kinds[#kinds + 1] = type(v) end end "
            "table.sort(kinds) return kinds",
            "return struct.pack.__self",
            "return getmetatable(cmsgpack.unpack)",
        )
    )
