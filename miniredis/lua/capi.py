"""
What the C functions of Redis's Lua libraries get from Lua's C API, for
their Python versions: arguments read with its coercions and named in its
error messages, and the limits of a C function's stack.

Usage::

    class Library(Coercions):
        def __call__(self, name, count, *args):
            args = Arguments(self, name, args)
            args.number(2)  # or LuaError("bad argument #2 to ...")
"""

from lupa.lua51 import lua_type

INT_MAX = 2**31 - 1
SIZE_T = 2**64
# a C function's stack holds at most this many values
MAX_C_STACK = 8000


class LuaError(Exception):
    """An error a library function raises, with its message."""


def argument_error(index, name, message):
    """@return: the L{LuaError} of a bad argument, as C{luaL_argerror} words it."""
    return LuaError("bad argument #%d to '%s' (%s)" % (index, name, message))


def type_name(args, index):
    """@return: the Lua type name of argument C{index} (1-based) of C{args}."""
    if index > len(args):
        return "no value"
    value = args[index - 1]
    kind = type(value)
    if value is None:
        return "nil"
    if kind is bool:
        return "boolean"
    if kind is bytes:
        return "string"
    if kind in (int, float):
        return "number"
    return lua_type(value)


class Arguments:
    """
    The arguments of one call, read with the coercions of Lua's C API.

    @ivar values: the arguments (index 1 is C{values[0]}).
    @ivar name: the function's name, for error messages.
    @ivar negative: the indexes of the arguments that are -0 (which
        lupa hands Python as 0).
    """

    def __init__(self, library, name, values, negative=frozenset(), marked=False):
        """
        @param library: its L{Coercions}.
        @param marked: the function pushed a nil after its arguments (the
            first missing one is then nil, not "no value").
        """
        self.library = library
        self.name = name
        self.values = values
        self.negative = negative
        self.marked = marked

    def _get(self, index):
        return self.values[index - 1] if index <= len(self.values) else None

    def _type_name(self, index):
        if self.marked and index == len(self.values) + 1 > 1:
            return "nil"
        return type_name(self.values, index)

    def number(self, index):
        """The argument as a number (a numeric string converts)."""
        value = self.library.to_number(self._get(index))
        if index in self.negative:
            return -0.0
        if value is None:
            raise argument_error(
                index,
                self.name,
                "number expected, got %s" % (self._type_name(index),),
            )
        return value

    def string(self, index):
        """The argument as a string (a number converts)."""
        value = self._get(index)
        if index in self.negative:
            return b"-0"
        if type(value) in (int, float):
            return self.library.to_string(value)
        if type(value) is not bytes:
            raise argument_error(
                index,
                self.name,
                "string expected, got %s" % (self._type_name(index),),
            )
        return value

    def integer(self, index, default):
        """The argument as an integer (truncated), or C{default} if nil/absent."""
        if self._get(index) is None:
            return default
        return truncate(self.number(index))


def truncate(number):
    """@return: C{number} cast to a C C{long} (x86-64: out of range is LONG_MIN)."""
    if number != number or number in (float("inf"), float("-inf")):
        return -(2**63)
    value = int(number)
    return value if -(2**63) <= value < 2**63 else -(2**63)


class Coercions:
    """
    Lua's conversions between strings and numbers, for L{Arguments}.

    @ivar to_string: Lua's C{tostring} (for numbers given as strings).
    """

    def __init__(self, to_number, to_string):
        """
        @param to_number: Lua's C{tonumber}.
        @param to_string: Lua's C{tostring}.
        """
        self._tonumber = to_number
        self.to_string = to_string

    def to_number(self, value):
        """@return: a number or numeric string as a number, else None."""
        if type(value) in (int, float):
            return value
        if type(value) is bytes:
            return self._tonumber(value)
        return None


def signed(value):
    """A 64-bit unsigned value as the signed one with the same bits."""
    return value - SIZE_T if value >= 2**63 else value
