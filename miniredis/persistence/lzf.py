"""
LZF decompression, for the compressed strings of RDB files.

An LZF stream is a series of runs. A control byte below 32 starts a run of
C{ctrl + 1} literal bytes; any other control byte is a back reference: its
top three bits are the length minus 2 (7 means "add the next byte"), its
low five bits and the following byte the distance back minus 1.

Usage::

    decompress(compressed, expected_length)
"""


class LZFError(ValueError):
    """The input is not a valid LZF stream of the announced length."""


def decompress(data, length):
    """
    @param data: the compressed bytes.
    @param length: the length of the decompressed result.
    @return: the decompressed L{bytes}.
    @raise LZFError: on a malformed stream or a length mismatch.
    """
    out = bytearray()
    pos, end = 0, len(data)
    try:
        while pos < end:
            ctrl = data[pos]
            pos += 1
            if ctrl < 32:
                stop = pos + ctrl + 1
                if stop > end:
                    raise LZFError("literal run past the end of the input")
                out += data[pos:stop]
                pos = stop
                continue
            run = ctrl >> 5
            if run == 7:
                run += data[pos]
                pos += 1
            run += 2
            start = len(out) - ((ctrl & 0x1F) << 8) - data[pos] - 1
            pos += 1
            if start < 0:
                raise LZFError("back reference before the start of the output")
            distance = len(out) - start
            if run <= distance:
                out += out[start : start + run]
            else:
                pattern = out[start:]
                copies, rest = divmod(run, distance)
                out += pattern * copies + pattern[:rest]
    except IndexError:
        raise LZFError("truncated back reference")
    if len(out) != length:
        raise LZFError("decompressed %d bytes, expected %d" % (len(out), length))
    return bytes(out)
