"""
The C{bit} library of scripts (LuaBitOp, as Redis 7.0 ships it): 32-bit
operations on Lua numbers, in Python.

C{sandbox.lua} builds the script-visible C{bit} table from
L{bit_operation}, which L{miniredis.scripting} hands it.

Usage::

    bit_operation(b"band", 7, 12)   # (True, 4)
    bit_operation(b"tohex", 255)    # (True, b"000000ff")
"""

import struct


def _bit_argument(value, index, name):
    """Normalize a number to 32 bits the way LuaBitOp does."""
    if type(value) is bytes:
        try:
            value = float(value)
        except ValueError:
            value = None
    if type(value) not in (int, float):
        kind = _LUA_TYPES.get(type(value), "table")
        raise ValueError(
            "bad argument #%d to '%s' (number expected, got %s)" % (index, name, kind)
        )
    shifted = float(value) + 6755399441055744.0
    return struct.unpack("<Q", struct.pack("<d", shifted))[0] & 0xFFFFFFFF


_LUA_TYPES = {type(None): "nil", bool: "boolean", bytes: "string"}


def _signed(bits):
    return bits - (1 << 32) if bits & 0x80000000 else bits


def _fold(op):
    def fold(name, args):
        if not args:
            raise ValueError(
                "bad argument #1 to '%s' (number expected, got no value)" % (name,)
            )
        result = _bit_argument(args[0], 1, name)
        for i, arg in enumerate(args[1:], 2):
            result = op(result, _bit_argument(arg, i, name))
        return result

    return fold


def _unary(op):
    def unary(name, args):
        return op(_bit_argument(args[0] if args else None, 1, name))

    return unary


def _shift(op):
    def shift(name, args):
        value = _bit_argument(args[0] if args else None, 1, name)
        count = _bit_argument(args[1] if len(args) > 1 else None, 2, name) & 31
        return op(value, count) & 0xFFFFFFFF

    return shift


def _tohex(name, args):
    value = _bit_argument(args[0] if args else None, 1, name)
    digits = 8
    if len(args) > 1 and args[1] is not None:
        digits = _signed(_bit_argument(args[1], 2, name))
    upper = digits < 0
    digits = min(abs(digits), 8)
    if digits < 8:
        value &= (1 << (4 * digits)) - 1
    text = ("%0*X" if upper else "%0*x") % (digits, value)
    return text.encode() if digits else b""


_BIT = {
    "tobit": _unary(lambda x: x),
    "bnot": _unary(lambda x: ~x & 0xFFFFFFFF),
    "bswap": _unary(lambda x: int.from_bytes(x.to_bytes(4, "little"), "big")),
    "band": _fold(lambda a, b: a & b),
    "bor": _fold(lambda a, b: a | b),
    "bxor": _fold(lambda a, b: a ^ b),
    "lshift": _shift(lambda x, n: x << n),
    "rshift": _shift(lambda x, n: x >> n),
    "arshift": _shift(lambda x, n: _signed(x) >> n),
    "rol": _shift(lambda x, n: (x << n) | (x >> (32 - n))),
    "ror": _shift(lambda x, n: (x >> n) | (x << (32 - n))),
    "tohex": _tohex,
}


def bit_operation(name, *args):
    """
    The functions of the C{bit} library (LuaBitOp): 32-bit operations on
    Lua numbers.

    @return: C{(True, result)} or C{(False, error message)}.
    """
    name = name.decode()
    try:
        result = _BIT[name](name, args)
    except ValueError as e:
        return False, str(e).encode()
    except Exception:
        return False, b"bad argument to '%s'" % (name.encode(),)
    return True, result if type(result) is bytes else _signed(result)
