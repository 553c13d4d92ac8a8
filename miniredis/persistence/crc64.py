"""
CRC-64 with the Jones polynomial, as Redis checksums its RDB files.

The CRC is reflected, starts at 0 and has no final XOR: C{crc64(0,
b"123456789") == 0xE9C6D914C4B8D9CA}. With C{anycrc} installed (a CPython
dependency) it runs in C, at gigabytes a second. Without it, Python runs
eight bytes at a time with eight tables ("slicing by 8"), about twice the
speed of a byte loop on CPython; PyPy, whose JIT prefers the simple loop,
gets the byte loop.

Usage::

    crc = crc64(0, first_chunk)
    crc = crc64(crc, next_chunk)
"""

import platform

try:
    from anycrc import Model
except ImportError:
    _anycrc = None
else:
    _anycrc = Model("CRC64-REDIS").calc

_POLY = 0x95AC9329AC4BC9B5  # 0xAD93D23594C935A9 bit-reversed


def _byte_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


def _slice_tables():
    tables = [_byte_table()]
    first = tables[0]
    for _ in range(7):
        previous = tables[-1]
        tables.append([(c >> 8) ^ first[c & 0xFF] for c in previous])
    return tables


_TABLES = _slice_tables()


def _crc64_bytes(crc, data):
    table = _TABLES[0]
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def _crc64_sliced(crc, data):
    whole = len(data) & ~7
    t0, t1, t2, t3, t4, t5, t6, t7 = _TABLES
    if whole:
        for word in memoryview(data)[:whole].cast("Q"):
            c = crc ^ word
            crc = (
                t7[c & 0xFF]
                ^ t6[c >> 8 & 0xFF]
                ^ t5[c >> 16 & 0xFF]
                ^ t4[c >> 24 & 0xFF]
                ^ t3[c >> 32 & 0xFF]
                ^ t2[c >> 40 & 0xFF]
                ^ t1[c >> 48 & 0xFF]
                ^ t0[c >> 56]
            )
    return _crc64_bytes(crc, data[whole:])


def _little_endian():
    return memoryview(b"\x01\x00\x00\x00\x00\x00\x00\x00").cast("Q")[0] == 1


_FAST = platform.python_implementation() != "PyPy" and _little_endian()


def crc64_python(crc, data):
    """L{crc64} in Python, whatever is installed."""
    if _FAST:
        return _crc64_sliced(crc, data)
    return _crc64_bytes(crc, data)


def crc64(crc, data):
    """
    @param crc: the CRC of what came before (0 to start).
    @param data: the next bytes (any buffer).
    @return: the CRC of everything so far.
    """
    if _anycrc is not None:
        return _anycrc(data, crc)
    return crc64_python(crc, data)
