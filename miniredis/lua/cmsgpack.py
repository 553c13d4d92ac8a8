"""
The C{cmsgpack} library of scripts (lua-cmsgpack 0.4.0, as Redis 7.0
ships it): MessagePack C{pack}, C{unpack}, C{unpack_one} and
C{unpack_limit}, in Python over lupa's Lua tables.

C{sandbox.lua} builds the script-visible C{cmsgpack} table from a
L{MessagePack}, which L{miniredis.scripting} hands it.

Usage::

    library = MessagePack(runtime.table, lua_tonumber, lua_tostring)
    library(b"pack", b"pack", shown, 2, 1, b"a")  # (True, b"\\x01\\xa1a")
    library(b"unpack_one", b"unpack_one", shown, 1, b"\\x01\\x02")
    # (True, 1, 1.0)
"""

import struct

from lupa.lua51 import lua_type

from miniredis.lua.capi import (
    INT_MAX,
    MAX_C_STACK,
    Arguments,
    Coercions,
    LuaError,
    argument_error,
    truncate,
)

MAX_NESTING = 16
TOO_MANY = (
    "stack overflow (too many return values at once; "
    "use unpack_one or unpack_limit instead.)"
)


class _PlainError(Exception):
    """An error Lua itself raises, with no position in front of it."""


class _Missing(Exception):
    """The input ends in the middle of a value."""


class _BadFormat(Exception):
    """A byte that starts no value this library decodes."""


def _header(length, fixed, code16, code32):
    """A length's header: C{fixed | length}, or a code and 2 or 4 bytes."""
    if length <= 15:
        return bytes([fixed | length])
    if length <= 0xFFFF:
        return bytes([code16]) + length.to_bytes(2, "big")
    return bytes([code32]) + (length & 0xFFFFFFFF).to_bytes(4, "big")


def _encode_string(value):
    length = len(value)
    if length < 32:
        return bytes([0xA0 | length]) + value
    if length <= 0xFF:
        return bytes([0xD9, length]) + value
    if length <= 0xFFFF:
        return b"\xda" + length.to_bytes(2, "big") + value
    return b"\xdb" + (length & 0xFFFFFFFF).to_bytes(4, "big") + value


def _encode_integer(n):
    if 0 <= n <= 127 or -32 <= n < 0:
        return (n & 0xFF).to_bytes(1, "big")
    for low, high, code, size in _INTEGER_KINDS:
        if low <= n <= high:
            return bytes([code]) + (n % 2 ** (8 * size)).to_bytes(size, "big")
    raise AssertionError(n)


_INTEGER_KINDS = [
    (0, 0xFF, 0xCC, 1),
    (0, 0xFFFF, 0xCD, 2),
    (0, 0xFFFFFFFF, 0xCE, 4),
    (0, 2**64 - 1, 0xCF, 8),
    (-128, -1, 0xD0, 1),
    (-32768, -1, 0xD1, 2),
    (-(2**31), -1, 0xD2, 4),
    (-(2**63), -1, 0xD3, 8),
]


def _encode_number(n):
    if type(n) is int or (n == n and n.is_integer()):
        if -(2**63) <= n < 2**63:
            return _encode_integer(int(n))
    try:
        single = struct.pack(">f", n)
    except OverflowError:
        single = None
    if single is not None and struct.unpack(">f", single)[0] == n:
        return b"\xca" + single
    return b"\xcb" + struct.pack(">d", n)


def _array_length(table):
    """The length of a table holding exactly the keys 1..N, else None."""
    count = largest = 0
    for key in table.keys():
        if type(key) not in (int, float) or not 0 < key <= INT_MAX:
            return None
        if key != int(key):
            return None
        largest = max(largest, key)
        count += 1
    return count if largest == count else None


def _encode(value, level, out, shown):
    kind = type(value)
    if kind is bytes:
        out.append(_encode_string(value))
    elif kind is bool:
        out.append(b"\xc3" if value else b"\xc2")
    elif kind in (int, float):
        out.append(_encode_number(value))
    elif value is not None and level < MAX_NESTING and lua_type(value) == "table":
        value = shown(value)
        length = _array_length(value)
        if length is not None:
            out.append(_header(length, 0x90, 0xDC, 0xDD))
            for index in range(1, length + 1):
                _encode(value[index], level + 1, out, shown)
        else:
            items = list(value.items())
            out.append(_header(len(items), 0x80, 0xDE, 0xDF))
            for key, item in items:
                _encode(key, level + 1, out, shown)
                _encode(item, level + 1, out, shown)
    else:
        out.append(b"\xc0")


class _Container:
    """
    A table being decoded: an array (its next index) or a map (a key
    waiting for its value).
    """

    def __init__(self, table, is_array, length):
        self.table = table
        self.is_array = is_array
        self.left = length
        self.index = 1
        self.key = None
        self.has_key = False

    @property
    def slots(self):
        """How many stack slots the C library holds for it now."""
        return 2 if self.is_array or self.has_key else 1


class _Decoder:
    """
    A cursor over MessagePack input that builds Lua values, without
    recursion (C{cmsgpack} nests as deep as its stack allows).

    @ivar held: how many values the C library holds on its stack outside
        the value being decoded.
    """

    def __init__(self, data, at, new_table):
        self.data = data
        self.at = at
        self.new_table = new_table
        self.held = 0

    def need(self, count):
        if len(self.data) - self.at < count:
            raise _Missing()

    def take(self, count):
        self.need(count)
        part = self.data[self.at : self.at + count]
        self.at += count
        return part

    def length(self, size):
        return int.from_bytes(self.take(size), "big")

    def value(self):
        """Decode one value and everything nested in it."""
        open_tables = []
        depth = self.held
        while True:
            self.need(1)
            if depth + 1 > MAX_C_STACK:
                raise LuaError(TOO_MANY)
            item = self.item()
            if type(item) is _Container:
                if item.is_array and depth + 2 > MAX_C_STACK:
                    raise LuaError(
                        "stack overflow (in function mp_decode_to_lua_array)"
                    )
                if item.left:
                    open_tables.append(item)
                    depth += item.slots
                    continue
                item = item.table
            while open_tables:
                container = open_tables[-1]
                depth -= container.slots
                if not container.is_array and not container.has_key:
                    container.key, container.has_key = item, True
                    depth += container.slots
                    break
                self.store(container, item)
                if container.left:
                    depth += container.slots
                    break
                open_tables.pop()
                item = container.table
            else:
                return item

    def store(self, container, item):
        """Put an item in its table (the value of a waiting key in a map)."""
        if container.is_array:
            container.table[container.index] = item
            container.index += 1
        else:
            key = container.key
            container.key, container.has_key = None, False
            if key is None:
                raise _PlainError("table index is nil")
            if key != key:
                raise _PlainError("table index is NaN")
            container.table[key] = item
        container.left -= 1

    def item(self):
        """Decode a scalar, or the header of a table (as a L{_Container})."""
        code = self.data[self.at]
        fixed = _FIXED.get(code)
        if fixed is not None:
            self.at += 1
            return fixed[0]
        if code in _NUMBERS:
            size, form = _NUMBERS[code]
            self.need(1 + size)
            self.at += 1
            return float(struct.unpack(form, self.take(size))[0])
        if code <= 0x7F:
            self.at += 1
            return float(code)
        if code >= 0xE0:
            self.at += 1
            return float(code - 256)
        if 0xA0 <= code <= 0xBF or code in (0xD9, 0xDA, 0xDB):
            return self.string(code)
        if 0x90 <= code <= 0x9F or code in (0xDC, 0xDD):
            length = self.container_length(code, 0x90)
            return _Container(self.new_table(), True, length)
        if 0x80 <= code <= 0x8F or code in (0xDE, 0xDF):
            length = self.container_length(code, 0x80)
            return _Container(self.new_table(), False, length)
        raise _BadFormat()

    def string(self, code):
        if code <= 0xBF:
            self.need(1 + (code & 0x1F))
            self.at += 1
            return self.take(code & 0x1F)
        size = {0xD9: 1, 0xDA: 2, 0xDB: 4}[code]
        self.need(1 + size)
        self.at += 1
        return self.take(self.length(size))

    def container_length(self, code, fixed):
        if fixed <= code <= fixed + 15:
            self.at += 1
            return code & 0x0F
        size = 2 if code in (0xDC, 0xDE) else 4
        self.need(1 + size)
        self.at += 1
        return self.length(size)


# codes decoded to a constant, and the numbers of fixed size
_FIXED = {0xC0: (None,), 0xC2: (False,), 0xC3: (True,)}
_NUMBERS = {
    0xCC: (1, ">B"),
    0xCD: (2, ">H"),
    0xCE: (4, ">I"),
    0xCF: (8, ">q"),  # pushed as a signed Lua integer: wraps past 2^63
    0xD0: (1, ">b"),
    0xD1: (2, ">h"),
    0xD2: (4, ">i"),
    0xD3: (8, ">q"),
    0xCA: (4, ">f"),
    0xCB: (8, ">d"),
}


class MessagePack(Coercions):
    """
    The functions of C{cmsgpack}; called as C{library(name, count, *args)}.

    @ivar new_table: makes an empty Lua table (the runtime's C{table}).
    """

    def __init__(self, new_table, to_number, to_string):
        Coercions.__init__(self, to_number, to_string)
        self.new_table = new_table

    def __call__(self, name, label, shown, count, *args):
        """
        @param label: how errors name the function (as its caller called it).
        @param shown: a Lua function giving the table a read-only view
            shows (or the table itself), for C{pack}.
        @param count: how many arguments the script passed (C{args} may
            hold fewer: trailing nils).
        @return: C{(True, results...)}, C{(False, message)} for an error
            raised at the script's line, or C{(False, message, True)} for
            one raised without a position.
        """
        name = name.decode()
        values = args[:count] + (None,) * (count - len(args))
        args = Arguments(self, label.decode("latin-1"), values)
        try:
            if name == "pack":
                return True, self._pack(args, shown)
            if name == "unpack":
                return (True,) + self._unpack(args, 0, 0, len(args.values))
            if name == "unpack_one":
                return (True,) + self._unpack(args, 1, args.integer(2, 0), 1)
            limit = truncate(args.number(2))
            return (True,) + self._unpack(args, limit, args.integer(3, 0), 1)
        except LuaError as e:
            return False, str(e).encode("latin-1")
        except _PlainError as e:
            return False, str(e).encode(), True

    def _pack(self, args, shown):
        if not args.values:
            raise argument_error(0, args.name, "MessagePack pack needs input.")
        out = []
        for value in args.values:
            _encode(value, 0, out, shown)
        return b"".join(out)

    def _unpack(self, args, limit, offset, held):
        """
        Decode up to C{limit} values from C{offset} (both 0: all of them,
        and no next offset in front).

        @param held: how many arguments the C function still holds.
        """
        data = args.string(1)
        if offset < 0 or limit < 0:
            raise LuaError(
                "Invalid request to unpack with offset of %d and limit of %d."
                % (_c_int(offset), _c_int(len(data)))
            )
        if offset > len(data):
            raise LuaError(
                "Start offset %d greater than input length %d."
                % (_c_int(offset), _c_int(len(data)))
            )
        every = limit == 0 and offset == 0
        if every:
            limit = INT_MAX
        decoder = _Decoder(data, offset, self.new_table)
        results = []
        try:
            while decoder.at < len(data) and len(results) < limit:
                decoder.held = held + len(results)
                results.append(decoder.value())
        except _Missing:
            raise LuaError("Missing bytes in input.")
        except _BadFormat:
            raise LuaError("Bad data format in input.")
        if every:
            return tuple(results)
        if held + len(results) + 1 > MAX_C_STACK:
            raise LuaError("stack overflow (in function mp_unpack_full)")
        following = -1 if decoder.at == len(data) else decoder.at
        return (following,) + tuple(results)


def _c_int(value):
    """A 64-bit integer cast to a 32-bit C C{int}."""
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value
