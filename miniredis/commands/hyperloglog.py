"""
HyperLogLog commands (Redis's hyperloglog.c): PFADD, PFCOUNT and PFMERGE.

An HLL is a plain string laid out byte for byte as Redis lays it out, so
that GET, SET, DUMP and RDB files carry it between the two servers:

    - a 16-byte header: C{HYLL}, the encoding (0 dense, 1 sparse), three
      unused bytes, and the cached cardinality, 8 bytes little-endian whose
      most significant bit set means "stale";
    - dense: 16384 registers of 6 bits, register I at bits 6I..6I+5 of the
      little-endian bit stream (4 registers per 3 bytes);
    - sparse: runs of registers, as opcodes: ZERO C{00xxxxxx} (1 to 64
      zeros), XZERO C{01xxxxxx yyyyyyyy} (1 to 16384 zeros) and VAL
      C{1vvvvvxx} (1 to 4 registers of value 1 to 32). A sparse HLL becomes
      dense when a register needs more than 32 or when the string would
      pass C{hll-sparse-max-bytes}.

An element picks its register with the low 14 bits of its MurmurHash64A
(seed C{0xadc83b19}); the register keeps the longest run of zeros seen in
the other 50 bits (plus one). The cardinality comes from the histogram of
the registers by Otmar Ertl's estimator ("New cardinality estimation
algorithms for HyperLogLog sketches", 2017), as in Redis 7.0.

Sparse updates are replayed exactly as Redis edits its string in place (a
run split in up to three opcodes, then equal neighbouring VAL opcodes
merged), on a list of opcodes searched by bisection. Reads past the end of
a truncated string see a zero byte, as Redis's do (its strings end with a
NUL). PFCOUNT of one key writes the cardinality it computed back into the
header: a change of the key, logged as the PFCOUNT itself, as Redis
propagates it.
"""

import re
import struct
from bisect import bisect_right
from collections import Counter
from itertools import accumulate
from math import floor, inf, sqrt

from miniredis.commands import command
from miniredis.commands.bitmaps import save  # keeps TTL, says raw
from miniredis.commands.spec import Arg, Index, KeySpec, Range
from miniredis.notifications import notify
from miniredis.resp import OK, ReplyError, Status

NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
CORRUPTED = "INVALIDOBJ Corrupted HLL object detected"

P = 14
REGISTERS = 1 << P
Q = 64 - P
HEADER = 16
DENSE_BYTES = REGISTERS * 6 // 8
DENSE_SIZE = HEADER + DENSE_BYTES
DENSE, SPARSE = 0, 1
VAL_MAX_VALUE = 32
VAL_MAX_LEN = 4
ZERO_MAX_LEN = 64
STALE = 0x80  # in the last byte of the cached cardinality
ALPHA_INF = 0.721347520444481703680  # 1 / (2 ln 2)

_SEED = 0xADC83B19
_MUL = 0xC6A4A7935BD1E995
_MASK64 = (1 << 64) - 1

EMPTY = b"HYLL\x01" + bytes(11) + b"\x7f\xff"  # sparse: one XZERO of 16384


def murmur64a(data, seed=_SEED):
    """@return: Austin Appleby's 64-bit MurmurHash2 (MurmurHash64A) of C{data}."""
    size = len(data)
    h = seed ^ (size * _MUL & _MASK64)
    blocks = size >> 3
    if blocks:
        for k in struct.unpack_from("<%dQ" % blocks, data):
            k = k * _MUL & _MASK64
            k = (k ^ k >> 47) * _MUL & _MASK64
            h = (h ^ k) * _MUL & _MASK64
    if size & 7:
        h = (h ^ int.from_bytes(data[blocks << 3 :], "little")) * _MUL & _MASK64
    h = (h ^ h >> 47) * _MUL & _MASK64
    return h ^ h >> 47


def position(element):
    """@return: C{(register, value)}: where C{element} goes, and what it counts."""
    h = murmur64a(element)
    rest = h >> P | 1 << Q
    return h & (REGISTERS - 1), (rest & -rest).bit_length()


# ---------------------------------------------------------------- dense


def _table(f):
    return bytes(f(x) & 0xFF for x in range(256))


_LOW6, _HIGH2 = _table(lambda x: x & 63), _table(lambda x: x >> 6)
_LOW4_UP2 = _table(lambda x: (x & 15) << 2)
_HIGH4, _LOW2_UP4 = _table(lambda x: x >> 4), _table(lambda x: (x & 3) << 4)
_DOWN2, _UP2 = _table(lambda x: x >> 2), _table(lambda x: x << 2)
_LOW2_UP6, _LOW4_UP4 = _table(lambda x: (x & 3) << 6), _table(lambda x: (x & 15) << 4)
_HIGH_BITS = int.from_bytes(b"\x80" * REGISTERS, "little")


def _or(a, b):
    size = len(a)
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(
        size, "little"
    )


def dense_set(registers, index, count):
    """
    Raise register C{index} of the dense C{registers} (a bytearray) to C{count}.

    @return: whether it changed.
    """
    at = (index >> 2) * 3
    shift = (index & 3) * 6
    group = registers[at] | registers[at + 1] << 8 | registers[at + 2] << 16
    if (group >> shift) & 63 >= count:
        return False
    group = group & ~(63 << shift) | count << shift
    registers[at : at + 3] = group.to_bytes(3, "little")
    return True


def dense_to_raw(registers):
    """@return: the 16384 dense registers one a byte (a bytearray)."""
    b0, b1, b2 = registers[0::3], registers[1::3], registers[2::3]
    raw = bytearray(REGISTERS)
    raw[0::4] = b0.translate(_LOW6)
    raw[1::4] = _or(b0.translate(_HIGH2), b1.translate(_LOW4_UP2))
    raw[2::4] = _or(b1.translate(_HIGH4), b2.translate(_LOW2_UP4))
    raw[3::4] = b2.translate(_DOWN2)
    return raw


def raw_to_dense(raw):
    """@return: registers one a byte (at most 63) packed as dense (bytes)."""
    r0, r1, r2, r3 = raw[0::4], raw[1::4], raw[2::4], raw[3::4]
    dense = bytearray(DENSE_BYTES)
    dense[0::3] = _or(r0, r1.translate(_LOW2_UP6))
    dense[1::3] = _or(r1.translate(_DOWN2), r2.translate(_LOW4_UP4))
    dense[2::3] = _or(r2.translate(_HIGH4), r3.translate(_UP2))
    return bytes(dense)


def raw_max(a, b):
    """@return: the register-wise maximum of two raw HLLs (values below 128)."""
    x, y = int.from_bytes(a, "little"), int.from_bytes(b, "little")
    x_wins = ((((x | _HIGH_BITS) - y) & _HIGH_BITS) >> 7) * 0xFF
    return bytearray((x & x_wins | y & ~x_wins).to_bytes(REGISTERS, "little"))


# ---------------------------------------------------------------- sparse

# One opcode: XZERO takes two bytes (one if the string ends there).
_OPCODE = re.compile(rb"[\x40-\x7f].?|[^\x40-\x7f]", re.S)
_RUN = {}  # opcode -> how many registers it covers
for _b in range(256):
    if _b & 0x80:
        _RUN[bytes((_b,))] = (_b & 3) + 1
    elif _b & 0x40:
        _RUN[bytes((_b,))] = ((_b & 0x3F) << 8) + 1  # truncated: reads a NUL
        for _c in range(256):
            _RUN[bytes((_b, _c))] = ((_b & 0x3F) << 8 | _c) + 1
    else:
        _RUN[bytes((_b,))] = (_b & 0x3F) + 1
_VAL = [None] + [
    [None] + [bytes((0x80 | (v - 1) << 2 | (n - 1),)) for n in range(1, 5)]
    for v in range(1, VAL_MAX_VALUE + 1)
]


def _zeros(n):
    """@return: the opcode for a run of C{n} zero registers."""
    if n > ZERO_MAX_LEN:
        n -= 1
        return bytes((0x40 | n >> 8, n & 0xFF))
    return bytes((n - 1,))


class Sparse:
    """
    The opcodes of a sparse HLL, one C{bytes} each, with where the run of
    each one ends (exclusive), for lookups by bisection.

    @ivar size: the length of the opcodes in bytes.
    """

    __slots__ = ("ops", "ends", "size")

    def __init__(self, data):
        self._parse(data)

    def _parse(self, data):
        self.ops = _OPCODE.findall(data)
        self.ends = list(accumulate(map(_RUN.__getitem__, self.ops)))
        self.size = len(data)

    def to_bytes(self):
        return b"".join(self.ops)

    def set(self, index, count, max_bytes):
        """
        Raise register C{index} to C{count}, as Redis's C{hllSparseSet}.

        @param max_bytes: C{hll-sparse-max-bytes}.
        @return: 1 if the register changed, 0 if not, -1 if no opcode covers
            it (a corrupted HLL), None if the HLL must become dense first.
        """
        if count > VAL_MAX_VALUE:
            return None
        ops, ends = self.ops, self.ends
        i = bisect_right(ends, index)
        if i >= len(ops):
            return -1
        op = ops[i]
        code = op[0]
        first = ends[i - 1] if i else 0
        last = ends[i] - 1
        if code & 0x80:
            value = (code >> 2 & 31) + 1
            if value >= count:
                return 0
            if first == last:
                ops[i] = _VAL[count][1]
                self._merge(i - 1 if i else 0)
                return 1
            pieces, bounds = [], []
            if index != first:
                pieces.append(_VAL[value][index - first])
                bounds.append(index)
            pieces.append(_VAL[count][1])
            bounds.append(index + 1)
            if index != last:
                pieces.append(_VAL[value][last - index])
                bounds.append(last + 1)
        elif code == 0:  # ZERO of one register
            ops[i] = _VAL[count][1]
            self._merge(i - 1 if i else 0)
            return 1
        else:
            pieces, bounds = [], []
            if index != first:
                pieces.append(_zeros(index - first))
                bounds.append(index)
            pieces.append(_VAL[count][1])
            bounds.append(index + 1)
            if index != last:
                pieces.append(_zeros(last - index))
                bounds.append(last + 1)
        grown = sum(map(len, pieces)) - (2 if code & 0xC0 == 0x40 else 1)
        if grown > 0 and HEADER + self.size + grown > max_bytes:
            return None
        if len(op) == 1 and code & 0xC0 == 0x40:
            # An XZERO cut by the end of the string: Redis writes its two
            # bytes' replacement, then the string keeps its length + growth.
            tail = b"".join(pieces)[:-1]
            self._parse(b"".join(ops[:i]) + tail)
        else:
            ops[i : i + 1] = pieces
            ends[i : i + 1] = bounds
            self.size += grown
        self._merge(i - 1 if i else 0)
        return 1

    def _merge(self, at):
        """Merge equal VAL neighbours among the five opcodes from C{at}."""
        ops, ends = self.ops, self.ends
        for _ in range(5):
            if at >= len(ops):
                return
            code = ops[at][0]
            if code & 0x80 and at + 1 < len(ops):
                after = ops[at + 1][0]
                if after & 0x80 and (code ^ after) & 0x7C == 0:
                    run = (code & 3) + (after & 3) + 2
                    if run <= VAL_MAX_LEN:
                        ops[at : at + 2] = [_VAL[(code >> 2 & 31) + 1][run]]
                        del ends[at]
                        self.size -= 1
                        continue
            at += 1

    def histogram(self):
        """@return: C{(histogram of the registers, whether they are 16384)}."""
        counts = [0] * 64
        for op, times in Counter(self.ops).items():
            code = op[0]
            if code & 0x80:
                counts[(code >> 2 & 31) + 1] += times * ((code & 3) + 1)
            else:
                counts[0] += times * _RUN[op]
        covered = self.ends[-1] if self.ends else 0
        return counts, covered == REGISTERS

    def merge_into(self, raw):
        """
        Raise the registers of C{raw} (one a byte) to this HLL's.

        @return: whether the opcodes cover exactly the 16384 registers (if
            not, C{raw} may be partly changed).
        """
        if not self.ends or self.ends[-1] != REGISTERS:
            return False
        start = 0
        for op, end in zip(self.ops, self.ends):
            code = op[0]
            if code & 0x80:
                value = (code >> 2 & 31) + 1
                for j in range(start, end):
                    if raw[j] < value:
                        raw[j] = value
            start = end
        return True


# ---------------------------------------------------------------- estimate


def _sigma(x):
    if x == 1.0:
        return inf
    y = 1.0
    z = x
    while True:
        x *= x
        previous = z
        z += x * y
        y += y
        if z == previous:
            return z


def _tau(x):
    if x == 0.0 or x == 1.0:
        return 0.0
    y = 1.0
    z = 1.0 - x
    while True:
        x = sqrt(x)
        previous = z
        y *= 0.5
        z -= (1.0 - x) * (1.0 - x) * y
        if z == previous:
            return z / 3.0


def estimate(counts):
    """@return: the cardinality Ertl's estimator gives for a register histogram."""
    m = float(REGISTERS)
    z = m * _tau((m - counts[Q + 1]) / m)
    for j in range(Q, 0, -1):
        z += counts[j]
        z *= 0.5
    z += m * _sigma(counts[0] / m)
    e = ALPHA_INF * m * m / z
    whole = floor(e)
    return int(whole) + (e - whole >= 0.5)


def raw_histogram(raw):
    counts = [0] * 64
    for value, times in Counter(raw).items():
        counts[value] = times
    return counts


# ---------------------------------------------------------------- values


def is_hll(value):
    """@return: whether the string C{value} passes Redis's HLL checks."""
    return (
        type(value) is bytes
        and len(value) >= HEADER
        and value[:4] == b"HYLL"
        and (value[4] == SPARSE or value[4] == DENSE and len(value) == DENSE_SIZE)
    )


def _hll_at(db, key):
    """
    @return: the HLL at C{key}, or None.
    @raise ReplyError: WRONGTYPE for another type or a string that is no HLL
        (a typed value included).
    """
    value = db.get_string(key)
    if value is not None and not is_hll(value):
        raise ReplyError(NOT_HLL)
    return value


def _stale(header):
    return header[:15] + bytes((header[15] | STALE,))


def _merged(values):
    """
    @return: C{(raw registers, whether one HLL was dense)}: the maxima of
        the registers of C{values} (HLL strings or None).
    @raise ReplyError: INVALIDOBJ for a corrupted sparse HLL.
    """
    raw = bytearray(REGISTERS)
    dense = False
    for value in values:
        if value is None:
            continue
        if value[4] == DENSE:
            dense = True
            raw = raw_max(raw, dense_to_raw(value[HEADER:]))
        elif not Sparse(value[HEADER:]).merge_into(raw):
            raise ReplyError(CORRUPTED)
    return raw, dense


# id -> (value, its L{Sparse}): the sparse HLLs PFADD last wrote, so that
# the next PFADD to them need not parse them again. An entry is taken out
# when used: a value two keys share (COPY) is parsed again for the second.
_PARSED = {}
_PARSED_MAX = 32


def _sparse_of(value):
    entry = _PARSED.pop(id(value), None)
    if entry is not None and entry[0] is value:
        return entry[1]
    return Sparse(value[HEADER:])


def _remember(value, sparse):
    if len(_PARSED) >= _PARSED_MAX:
        del _PARSED[next(iter(_PARSED))]
    _PARSED[id(value)] = (value, sparse)


# ---------------------------------------------------------------- commands


@command(
    "pfadd",
    -2,
    "write denyoom fast",
    group="hyperloglog",
    since="2.8.9",
    acl="hyperloglog",
    keys=[KeySpec("RW insert", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("element", flags="optional multiple")],
)
def pfadd(session, argv):
    """
    Add elements to a HyperLogLog, creating it if needed; answers 1 if its
    estimate may have changed, else 0.
    """
    db = session.db
    key = argv[1]
    value = _hll_at(db, key)
    created = value is None
    if created:
        value = EMPTY
    else:
        db.encodings[key] = "raw"
    header = value[:HEADER]
    updated = int(created)
    registers = sparse = None
    if value[4] == DENSE:
        registers = bytearray(value[HEADER:])
    else:
        sparse = _sparse_of(value)
        max_bytes = session.server.config["hll-sparse-max-bytes"]
    for element in argv[2:]:
        index, count = position(element)
        if sparse is None:
            updated += dense_set(registers, index, count)
            continue
        done = sparse.set(index, count, max_bytes)
        if done is None:
            raw = bytearray(REGISTERS)
            if not sparse.merge_into(raw):
                done = -1
            else:
                registers = bytearray(raw_to_dense(raw))
                sparse = None
                header = header[:4] + bytes((DENSE,)) + header[5:]
                updated += dense_set(registers, index, count)
                continue
        if done < 0:
            if updated:
                # What was changed stays, as Redis changed it in place, but
                # the command counts as no write (not logged).
                db.data[key] = _stale(header) + sparse.to_bytes()
                db.encodings[key] = "raw"
            raise ReplyError(CORRUPTED)
        updated += done
    if not updated:
        if sparse is not None:
            _remember(value, sparse)
        return 0
    if sparse is None:
        value = _stale(header) + bytes(registers)
    else:
        value = _stale(header) + sparse.to_bytes()
        _remember(value, sparse)
    save(db, key, value, not created)
    db.store.dirty += updated - 1
    notify(db, "$", b"pfadd", key)
    return 1


@command(
    "pfcount",
    -2,
    "readonly",
    group="hyperloglog",
    since="2.8.9",
    acl="hyperloglog",
    keys=[KeySpec("RW access", Index(1), Range(-1))],
    args=[Arg("key", "key", flags="multiple", key_spec=0)],
)
def pfcount(session, argv):
    """
    Estimate how many distinct elements a HyperLogLog saw, or the union of
    several of them.
    """
    db = session.db
    if len(argv) > 2:
        raw, _ = _merged([_hll_at(db, key) for key in argv[1:]])
        return estimate(raw_histogram(raw))
    key = argv[1]
    value = _hll_at(db, key)
    if value is None:
        return 0
    db.encodings[key] = "raw"
    cached = int.from_bytes(value[8:HEADER], "little")
    if not cached >> 63:
        return cached
    if value[4] == DENSE:
        counts = raw_histogram(dense_to_raw(value[HEADER:]))
    else:
        counts, valid = Sparse(value[HEADER:]).histogram()
        if not valid:
            raise ReplyError(CORRUPTED)
    cardinality = estimate(counts)
    db.replace(key, value[:8] + cardinality.to_bytes(8, "little") + value[HEADER:])
    db.encodings[key] = "raw"
    session.rewrite(argv)  # the cache is a change of the string: as Redis
    return cardinality


@command(
    "pfmerge",
    -2,
    "write denyoom",
    group="hyperloglog",
    since="2.8.9",
    acl="hyperloglog",
    keys=[
        KeySpec("RW access insert", Index(1), Range(0)),
        KeySpec("RO access", Index(2), Range(-1)),
    ],
    args=[
        Arg("destkey", "key", key_spec=0),
        Arg("sourcekey", "key", flags="multiple", key_spec=1),
    ],
)
def pfmerge(session, argv):
    """
    Store at the first key the union of it and the other HyperLogLogs given,
    as if every element they saw had been added to it.
    """
    db = session.db
    key = argv[1]
    values = []
    for name in argv[1:]:
        values.append(_hll_at(db, name))
        if values[-1] is None:
            db.read_miss(name)
    raw, dense = _merged(values)
    value = values[0]
    created = value is None
    if created:
        value = EMPTY
    header = value[:HEADER]
    if dense:
        body = raw_to_dense(raw)
    else:
        sparse = Sparse(value[HEADER:])
        max_bytes = session.server.config["hll-sparse-max-bytes"]
        for match in re.finditer(rb"[^\x00]", raw):
            index = match.start()
            if sparse.set(index, raw[index], max_bytes) is None:
                dense = True  # what follows sets the dense registers to raw
                break
        body = raw_to_dense(raw) if dense else sparse.to_bytes()
    if dense:
        header = header[:4] + bytes((DENSE,)) + header[5:]
    save(db, key, _stale(header) + body, not created)
    notify(db, "$", b"pfadd", key)
    return OK


# ------------------------------------------------------------- internals


def _densified(value):
    """
    @return: the HLL string C{value} in the dense encoding (its header,
        cached estimate included, kept).
    @raise ReplyError: INVALIDOBJ for a corrupted sparse HLL.
    """
    raw = bytearray(REGISTERS)
    if not Sparse(value[HEADER:]).merge_into(raw):
        raise ReplyError(CORRUPTED)
    return value[:4] + bytes((DENSE,)) + value[5:HEADER] + raw_to_dense(raw)


def _decoded(value):
    """@return: the opcodes of a sparse HLL as PFDEBUG DECODE shows them."""
    shown = []
    for op in Sparse(value[HEADER:]).ops:
        code = op[0]
        if code & 0x80:
            shown.append(b"v:%d,%d" % ((code >> 2 & 31) + 1, (code & 3) + 1))
        elif code & 0x40:
            shown.append(b"Z:%d" % (_RUN[op],))
        else:
            shown.append(b"z:%d" % (_RUN[op],))
    return b" ".join(shown)


_PFDEBUG = (b"getreg", b"decode", b"encoding", b"todense")


@command(
    "pfdebug",
    3,
    "write denyoom admin",
    group="hyperloglog",
    since="2.8.9",
    acl="hyperloglog",
    keys=[KeySpec("RW access", Index(2), Range(0))],
    args=[Arg("subcommand"), Arg("key", "key", key_spec=0)],
    doc_flags="syscmd",
)
def pfdebug(session, argv):
    """Look inside a HyperLogLog: its registers, opcodes or encoding."""
    db = session.db
    key = argv[2]
    value = db.lookup(key)
    if value is None:
        raise ReplyError("ERR The specified key does not exist")
    value = _hll_at(db, key)
    sub = argv[1].lower()
    if sub not in _PFDEBUG:
        raise ReplyError(
            "ERR Unknown PFDEBUG subcommand '%s'"
            % (argv[1].decode("utf-8", "replace"),)
        )
    sparse = value[4] == SPARSE
    if sub == b"decode":
        if not sparse:
            raise ReplyError("ERR HLL encoding is not sparse")
        return _decoded(value)
    if sub == b"encoding":
        return Status(b"sparse" if sparse else b"dense")
    if sparse:
        value = _densified(value)
        db.replace(key, value)
        db.encodings[key] = "raw"
    if sub == b"todense":
        return int(sparse)
    return list(dense_to_raw(value[HEADER:]))


@command(
    "pfselftest",
    1,
    "admin",
    group="hyperloglog",
    since="2.8.9",
    acl="hyperloglog",
    doc_flags="syscmd",
)
def pfselftest(session, argv):
    """Check the HyperLogLog code: registers, both encodings and estimates."""
    registers = bytearray(DENSE_BYTES)
    raw = bytearray(REGISTERS)
    for index in range(REGISTERS):
        count = (index * 7 + 3) % 64
        dense_set(registers, index, count)
        raw[index] = count
    if dense_to_raw(registers) != raw or raw_to_dense(raw) != bytes(registers):
        raise ReplyError("ERR TESTFAILED Register error at index")
    sparse = Sparse(EMPTY[HEADER:])
    dense = bytearray(DENSE_BYTES)
    for n in range(1, 20001):
        index, count = position(b"%d" % n)
        if sparse is not None and sparse.set(index, count, 3000) is None:
            sparse = None
        dense_set(dense, index, count)
        if n in (10, 100, 1000, 10000, 20000):
            counts = raw_histogram(dense_to_raw(dense))
            if sparse is not None and sparse.histogram()[0] != counts:
                raise ReplyError("ERR TESTFAILED sparse and dense disagree")
            error = abs(estimate(counts) - n) / n
            if error > 5 * 1.04 / 128:  # five standard errors of 16384 registers
                raise ReplyError("ERR TESTFAILED too big error. card:%d" % (n,))
    return OK
