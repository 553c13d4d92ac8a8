"""
The C{struct} library of scripts (Roberto Ierusalimschy's struct, as Redis
7.0 ships it): C{pack}, C{unpack} and C{size} of binary records described
by a format string, in Python, with the C library's x86-64 sizes (C{l},
C{L} and C{T} are 8 bytes, C{i} 4, the largest alignment 8).

C{sandbox.lua} builds the script-visible C{struct} table from a
L{StructLibrary}, which L{miniredis.scripting} hands it.

Usage::

    library = StructLibrary(lua_tonumber, lua_tostring)
    library(b"pack", b"pack", 2, b"", b">H", 258)   # (True, b"\\x01\\x02")
    library(b"size", b"size", 1, b"", b">H")        # (True, 2)
"""

import struct

from miniredis.lua.capi import (
    INT_MAX,
    MAX_C_STACK,
    SIZE_T,
    Arguments,
    Coercions,
    LuaError,
    argument_error,
    signed,
    truncate,
)

MAX_INT_SIZE = 32
MAX_ALIGN = 8

_SIZES = {
    "b": 1,
    "B": 1,
    "h": 2,
    "H": 2,
    "l": 8,
    "L": 8,
    "T": 8,
    "f": 4,
    "d": 8,
    "x": 1,
}
_INTEGERS = frozenset("bBhHlLTiI")


def _to_unsigned(number):
    """A Lua number as C{unsigned long}, the way the library casts it."""
    if number < 0:
        return truncate(number) % SIZE_T
    if number != number:
        return 2**63
    if number >= SIZE_T:
        return 0
    return int(number)


def _float_bytes(number):
    """@return: the C{float} nearest C{number}, as 4 native bytes."""
    try:
        return struct.pack("<f", number)
    except OverflowError:
        return struct.pack("<f", float("inf") if number > 0 else float("-inf"))


class _Format:
    """A cursor over a format string, with its endianness and alignment."""

    def __init__(self, text):
        self.text = text
        self.at = 0
        self.little = True
        self.align = 1

    def __iter__(self):
        while self.at < len(self.text):
            option = chr(self.text[self.at])
            self.at += 1
            yield option, self.size(option)

    def number(self, default):
        if not self._digit():
            return default
        value = 0
        while self._digit():
            digit = self.text[self.at] - 48
            if value > INT_MAX // 10 or value * 10 > INT_MAX - digit:
                raise LuaError("integral size overflow")
            value = value * 10 + digit
            self.at += 1
        return value

    def _digit(self):
        return self.at < len(self.text) and 48 <= self.text[self.at] <= 57

    def size(self, option):
        if option in _SIZES:
            return _SIZES[option]
        if option == "c":
            return self.number(1)
        if option in "iI":
            size = self.number(4)
            if size > MAX_INT_SIZE:
                raise LuaError(
                    "integral size %d is larger than limit of %d" % (size, MAX_INT_SIZE)
                )
            return size
        return 0

    def padding(self, position, option, size):
        """Bytes needed before an item of C{size} at C{position}."""
        if size == 0 or option == "c":
            return 0
        size = min(size, self.align)
        return (size - (position & (size - 1))) & (size - 1)

    def control(self, option, name):
        """Apply a control option (space, endianness, alignment)."""
        if option == " ":
            return
        if option == ">":
            self.little = False
        elif option == "<":
            self.little = True
        elif option == "!":
            align = self.number(MAX_ALIGN)
            if align <= 0 or align & (align - 1):
                raise LuaError("alignment %d is not a power of 2" % (align,))
            self.align = align
        else:
            raise argument_error(1, name, "invalid format option '%s'" % (option,))

    def order(self, raw):
        """Native (little-endian) bytes in the format's current order."""
        return raw if self.little else raw[::-1]


class StructLibrary(Coercions):
    """The functions of C{struct}; called as C{library(name, count, *args)}."""

    def __call__(self, name, label, count, negative, *args):
        """
        @param label: how errors name the function (as its caller called it).
        @param count: how many arguments the script passed (C{args} may
            hold fewer: trailing nils).
        @param negative: the indexes of the arguments that are -0, as
            C{b"i,j,"}.
        @return: C{(True, results...)} or C{(False, error message)}.
        """
        name = name.decode()
        args = Arguments(
            self,
            label.decode("latin-1"),
            args[:count] + (None,) * (count - len(args)),
            frozenset(int(i) for i in negative.split(b",") if i),
            marked=name == "pack",
        )
        try:
            return (True,) + getattr(self, "_" + name)(args)
        except LuaError as e:
            return False, str(e).encode("latin-1")

    def _pack(self, args):
        fmt = _Format(args.string(1))
        out = bytearray()
        index = 2
        for option, size in fmt:
            out += bytes(fmt.padding(len(out), option, size))
            if option in _INTEGERS:
                value = _to_unsigned(args.number(index))
                index += 1
                raw = (value % 2 ** (8 * size)).to_bytes(size, "little")
                out += fmt.order(raw)
            elif option == "x":
                out += b"\0"
            elif option == "f":
                out += fmt.order(_float_bytes(args.number(index)))
                index += 1
            elif option == "d":
                out += fmt.order(struct.pack("<d", args.number(index)))
                index += 1
            elif option in "cs":
                text = args.string(index)
                index += 1
                if size == 0:
                    size = len(text)
                if len(text) < size:
                    raise argument_error(index, args.name, "string too short")
                out += text[:size]
                if option == "s":
                    out += b"\0"
            else:
                fmt.control(option, args.name)
        return (bytes(out),)

    def _unpack(self, args):
        fmt = _Format(args.string(1))
        data = args.string(2)
        position = args.integer(3, 1) % SIZE_T
        if position == 0:
            raise argument_error(3, args.name, "offset must be 1 or greater")
        position -= 1
        results = []
        for option, size in fmt:
            position = (position + fmt.padding(position, option, size)) % SIZE_T
            if size > len(data) or position > len(data) - size:
                raise argument_error(2, args.name, "data string too short")
            if len(args.values) + len(results) + 2 > MAX_C_STACK:
                raise LuaError("stack overflow (too many results)")
            item = data[position : position + size]
            if option in _INTEGERS:
                value = int.from_bytes(fmt.order(item), "little")
                results.append(float(_as_c_long(value, size, option.islower())))
            elif option == "f":
                results.append(struct.unpack("<f", fmt.order(item))[0])
            elif option == "d":
                results.append(struct.unpack("<d", fmt.order(item))[0])
            elif option == "c":
                if size == 0:
                    size = self._previous_size(results)
                    if size > len(data) - position:
                        raise argument_error(2, args.name, "data string too short")
                results.append(data[position : position + size])
            elif option == "s":
                end = data.find(b"\0", position)
                if end < 0:
                    raise LuaError("unfinished string in data")
                results.append(data[position:end])
                size = end - position + 1
            elif option != "x":
                fmt.control(option, args.name)
            position += size
        results.append(float(signed((position + 1) % SIZE_T)))
        return tuple(results)

    def _previous_size(self, results):
        """The length C{c0} reads: the previous result, which it consumes."""
        size = self.to_number(results[-1]) if results else None
        if size is None:
            raise LuaError("format 'c0' needs a previous size")
        results.pop()
        if size < 0 or size != size:
            return SIZE_T - 1
        return int(size)

    def _size(self, args):
        fmt = _Format(args.string(1))
        position = 0
        for option, size in fmt:
            position += fmt.padding(position, option, size)
            if option == "s":
                raise argument_error(1, args.name, "option 's' has no fixed size")
            if option == "c" and size == 0:
                raise argument_error(1, args.name, "option 'c0' has no fixed size")
            if not (option.isascii() and option.isalnum()):
                fmt.control(option, args.name)
            position += size
        return (position,)


def _as_c_long(value, size, is_signed):
    """
    The low 64 bits of an integer read from C{size} bytes, as C{unsigned
    long} or sign-extended to C{long} (for sizes over 8, from the bit the
    x86 shift by C{8 * size - 1} modulo 64 picks).
    """
    value %= SIZE_T
    if not is_signed:
        return value
    mask = (SIZE_T - 1) << ((8 * size - 1) & 63) & (SIZE_T - 1)
    if value & mask:
        value |= mask
    return signed(value)
