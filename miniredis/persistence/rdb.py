"""
Redis's snapshot format, RDB: write version 9, read versions 1 to 11.

Written: strings (small integers int-encoded; no LZF compression), lists,
sets, hashes and sorted sets (binary doubles) in their plain encodings,
streams as Redis 7.0 writes them (type 19: listpack nodes, consumer
groups and their pending entries), millisecond expiry, SELECTDB,
RESIZEDB, AUX fields and the CRC-64 of the file. Redis 7.0 loads these
files.

Read: the same, plus every compact encoding Redis wrote over the years
(ziplist, zipmap, intset, listpack, quicklist of ziplists or listpacks),
LZF-compressed strings and expiry in seconds, so C{dump.rdb} files of
redis-server 7.0 (and of 2.6 to 7.2 for the core types and streams) load.
Module values are refused with a message naming them. Redis Functions
libraries (the C{FUNCTION_2} opcode of Redis 7.0: the code of each library)
are written before the databases and read back into L{LoadResult.functions}.

L{dump_payload} and L{load_dump_payload} serialize one value as the DUMP
and RESTORE commands do: its type byte and encoding, the RDB version and a
CRC-64.

Typed values of the origin (an int, a list, a map stored by a typed client)
are written as a string: L{TYPED_PREFIX} followed by the value's RESP3
encoding. A string starting with that prefix loads back as the typed value;
any other server sees a plain (binary) string.

Usage::

    with open("dump.rdb", "wb") as f:
        write_rdb(f.write, store)
    result = load_rdb(open("dump.rdb", "rb").read(), store)
"""

import math
import struct
import time

from miniredis import listpack
from miniredis.persistence.crc64 import crc64
from miniredis.persistence.lzf import LZFError, decompress
from miniredis.quicklist import QuickList
from miniredis.resp import Decoder, ProtocolError, encode
from miniredis.store import Typed
from miniredis.stream import Group, Node, Stream
from miniredis.version import __redis_version__, __version__
from miniredis.zset import ZSet

RDB_VERSION = 9
FUNCTIONS_RDB_VERSION = 10  # the first with functions: FUNCTION DUMP says it
MAX_VERSION = 11
TYPED_PREFIX = b"\x00miniredis:typed\x00"

# value types
STRING = 0
LIST = 1
SET = 2
ZSET = 3
HASH = 4
ZSET_2 = 5
MODULE = 6
MODULE_2 = 7
HASH_ZIPMAP = 9
LIST_ZIPLIST = 10
SET_INTSET = 11
ZSET_ZIPLIST = 12
HASH_ZIPLIST = 13
LIST_QUICKLIST = 14
STREAM_LISTPACKS = 15
HASH_LISTPACK = 16
ZSET_LISTPACK = 17
LIST_QUICKLIST_2 = 18
STREAM_LISTPACKS_2 = 19
SET_LISTPACK = 20
STREAM_LISTPACKS_3 = 21

# the flags of a stream entry in a node
STREAM_DELETED = 1
STREAM_SAME_FIELDS = 2
_UINT64 = (1 << 64) - 1

# opcodes
FUNCTION_2 = 245
FUNCTION_PRE_GA = 246
MODULE_AUX = 247
IDLE = 248
FREQ = 249
AUX = 250
RESIZEDB = 251
EXPIRETIME_MS = 252
EXPIRETIME = 253
SELECTDB = 254
EOF = 255

_FLUSH_SIZE = 1 << 20
_pack_double = struct.Struct("<d").pack
_unpack_double = struct.Struct("<d").unpack_from


class RDBError(Exception):
    """The data is not a valid RDB file, or holds what miniredis cannot load."""


# ---------------------------------------------------------------- writing


def encode_length(n):
    """@return: the RDB length encoding of C{n}."""
    if n < 0x40:
        return bytes((n,))
    if n < 0x4000:
        return bytes((0x40 | n >> 8, n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


def encode_string(s):
    """@return: the RDB encoding of the string C{s}, int-encoded if it can be."""
    n = len(s)
    if n <= 11 and n and s[0] in b"-0123456789":
        try:
            value = int(s)
        except ValueError:
            value = None
        if value is not None and b"%d" % value == s:
            if -0x80 <= value < 0x80:
                return b"\xc0" + value.to_bytes(1, "little", signed=True)
            if -0x8000 <= value < 0x8000:
                return b"\xc1" + value.to_bytes(2, "little", signed=True)
            if -0x80000000 <= value < 0x80000000:
                return b"\xc2" + value.to_bytes(4, "little", signed=True)
    if n < 0x40:
        return bytes((n,)) + s
    return encode_length(n) + s


def typed_blob(value):
    """@return: the string that stands for the L{Typed} C{value} in an RDB file."""
    return TYPED_PREFIX + encode(value.value, 3)


def _encode_list(value, out):
    out.append(encode_length(len(value)))
    out.extend(encode_string(item) for item in value)


def _encode_hash(value, out):
    out.append(encode_length(len(value)))
    for field, item in value.items():
        out.append(encode_string(field))
        out.append(encode_string(item))


def _encode_zset(value, out):
    out.append(encode_length(len(value)))
    for member, score in value.scores.items():
        out.append(encode_string(member))
        out.append(_pack_double(score))


def _stream_node_listpack(stream, index):
    """
    @return: the listpack of node C{index} of C{stream}, its live entries
        only (so none is marked deleted), or None when it has none.
    """
    node = stream.nodes[index]
    end = stream.keys[index + 1] if index + 1 < len(stream.keys) else None
    ids = list(stream.ids.irange(node.master, end, (True, False)))
    if not ids:
        return None
    fields = list(node.fields)
    items = [len(ids), 0, len(fields)] + fields + [0]
    master_ms, master_seq = node.master
    for stream_id in ids:
        flat = stream.entries[stream_id][1]
        names = flat[0::2]
        same = names == fields
        items += [STREAM_SAME_FIELDS if same else 0]
        items += [_int64(stream_id[0] - master_ms), _int64(stream_id[1] - master_seq)]
        if same:
            items += flat[1::2]
            items.append(len(names) + 3)
        else:
            items.append(len(names))
            items += flat
            items.append(2 * len(names) + 4)
    return listpack.encode(items)


def _int64(delta):
    """An ID's difference from its node's, wrapped to 64 bits as Redis stores it."""
    return (delta + (1 << 63) & _UINT64) - (1 << 63)


def _raw_id(stream_id):
    return stream_id[0].to_bytes(8, "big") + stream_id[1].to_bytes(8, "big")


def _encode_stream(value, out):
    """A stream as RDB type 19 (Redis 7.0's STREAM_LISTPACKS_2)."""
    nodes = []
    for index, node in enumerate(value.nodes):
        blob = _stream_node_listpack(value, index)
        if blob is not None:
            nodes.append((node.master, blob))
    out.append(encode_length(len(nodes)))
    for master, blob in nodes:
        out.append(encode_string(_raw_id(master)))
        out.append(encode_string(blob))
    out.append(encode_length(len(value)))
    for stream_id in (value.last_id, value.first_id(), value.max_deleted):
        out.append(encode_length(stream_id[0]) + encode_length(stream_id[1]))
    out.append(encode_length(value.entries_added))
    out.append(encode_length(len(value.groups)))
    for name in sorted(value.groups):
        group = value.groups[name]
        out.append(encode_string(name))
        out.append(encode_length(group.last_id[0]) + encode_length(group.last_id[1]))
        out.append(encode_length(group.entries_read & _UINT64))
        out.append(encode_length(len(group.pending)))
        for stream_id, entry in group.pending.items():
            out.append(_raw_id(stream_id))
            out.append(entry.delivered.to_bytes(8, "little", signed=True))
            out.append(encode_length(entry.count))
        out.append(encode_length(len(group.consumers)))
        for consumer_name in sorted(group.consumers):
            consumer = group.consumers[consumer_name]
            out.append(encode_string(consumer_name))
            out.append(consumer.seen.to_bytes(8, "little", signed=True))
            out.append(encode_length(len(consumer.pending)))
            out.extend(_raw_id(stream_id) for stream_id in consumer.pending)


def _encode_string_value(value, out):
    out.append(encode_string(value))


def _encode_typed(value, out):
    out.append(encode_string(typed_blob(value)))


_VALUE_ENCODERS = {
    bytes: (b"\x00", _encode_string_value),
    Typed: (b"\x00", _encode_typed),
    QuickList: (b"\x01", _encode_list),
    set: (b"\x02", _encode_list),
    dict: (b"\x04", _encode_hash),
    ZSet: (b"\x05", _encode_zset),
    Stream: (b"\x13", _encode_stream),
}


def _encoder(value):
    """
    @return: the type byte of C{value} and the function appending its
        encoding to a list.
    @raise RDBError: for a value of a type RDB files cannot hold here.
    """
    try:
        return _VALUE_ENCODERS[type(value)]
    except KeyError:
        raise RDBError("cannot save a value of type %s" % (type(value).__name__,))


def encode_entry(key, value, out):
    """
    Append the type byte, the key and the encoding of C{value} to the list
    C{out}.

    @raise RDBError: for a value of a type RDB files cannot hold here.
    """
    tag, encode_payload = _encoder(value)
    out.append(tag)
    out.append(encode_string(key))
    encode_payload(value, out)


def dump_payload(value):
    """
    @return: C{value} serialized as DUMP gives it: the type byte and the
        encoding of an RDB entry (no key), then L{RDB_VERSION} on 2 bytes
        and the CRC-64 of all that on 8 bytes, both little-endian.
    @raise RDBError: for a value of a type RDB files cannot hold here.
    """
    tag, encode_payload = _encoder(value)
    out = [tag]
    encode_payload(value, out)
    out.append(RDB_VERSION.to_bytes(2, "little"))
    body = b"".join(out)
    return body + crc64(0, body).to_bytes(8, "little")


class _Sink:
    """Buffer output, checksum it, and hand it on in large chunks."""

    def __init__(self, write, checksum):
        self._write = write
        self._checksum = checksum
        self.crc = 0
        self.parts = []
        self.size = 0

    def add(self, data):
        self.parts.append(data)
        self.size += len(data)
        if self.size >= _FLUSH_SIZE:
            self.flush()

    def flush(self):
        chunk = b"".join(self.parts)
        self.parts = []
        self.size = 0
        if self._checksum:
            self.crc = crc64(self.crc, chunk)
        self._write(chunk)


def _aux(key, value):
    return b"\xfa" + encode_string(key) + encode_string(value)


def function_entries(codes):
    """@return: the RDB entries of the function libraries of C{codes}."""
    return b"".join(bytes((FUNCTION_2,)) + encode_string(code) for code in codes)


def dump_functions(codes):
    """
    @return: the payload of FUNCTION DUMP for the libraries of C{codes}:
        their RDB entries, the RDB version and the CRC-64.
    """
    body = function_entries(codes) + FUNCTIONS_RDB_VERSION.to_bytes(2, "little")
    return body + crc64(0, body).to_bytes(8, "little")


def load_functions_payload(payload):
    """
    Read a FUNCTION DUMP payload whose footer L{dump_footer_ok} accepts.

    @return: the code of each library, in order.
    @raise RDBError: with FUNCTION RESTORE's message for what is not a
        sequence of function entries.
    """
    reader = _Reader(payload)
    codes = []
    while len(payload) - reader.pos > 10:
        kind = reader.byte()
        if kind == FUNCTION_PRE_GA:
            raise RDBError("Pre-GA function format not supported")
        if kind != FUNCTION_2:
            raise RDBError("given type is not a function")
        try:
            codes.append(reader.string())
        except (IndexError, RDBError):
            raise RDBError("failed loading the given functions payload")
    return codes


def write_rdb(write, store, now_ms=None, checksum=True, aux=(), functions=()):
    """
    Write a snapshot of every database of C{store}.

    Keys past their deadline are left out.

    @param write: a callable taking bytes (a file's C{write}).
    @param now_ms: the current time in ms (C{store.now_ms()} by default).
    @param checksum: whether to compute the CRC-64 (else 0 is written, which
        readers take as "not checksummed").
    @param aux: more C{(name, value)} AUX fields, as bytes.
    @param functions: the code of each function library.
    @return: how many keys were written.
    """
    if now_ms is None:
        now_ms = store.now_ms()
    sink = _Sink(write, checksum)
    sink.add(b"REDIS%04d" % RDB_VERSION)
    fields = [
        (b"redis-ver", __redis_version__.encode()),
        (b"redis-bits", b"64"),
        (b"ctime", b"%d" % int(time.time())),
        (b"used-mem", b"0"),
        (b"aof-base", b"0"),
        (b"miniredis-ver", __version__.encode()),
    ]
    for key, value in fields + list(aux):
        sink.add(_aux(key, value))
    if functions:
        sink.add(function_entries(functions))
    written = 0
    for db in store.databases:
        if db.data:
            written += _write_db(sink, db, now_ms)
    sink.add(b"\xff")
    sink.flush()
    write(sink.crc.to_bytes(8, "little"))
    return written


def _write_db(sink, db, now_ms):
    deadlines = db.expires.deadlines
    sink.add(b"\xfe" + encode_length(db.index))
    sink.add(b"\xfb" + encode_length(len(db.data)) + encode_length(len(deadlines)))
    out = []
    written = 0
    for key, value in db.data.items():
        if deadlines:
            deadline = deadlines.get(key)
            if deadline is not None:
                if deadline <= now_ms:
                    continue
                out.append(b"\xfc" + deadline.to_bytes(8, "little", signed=True))
        encode_entry(key, value, out)
        written += 1
        if len(out) > 4096:
            sink.add(b"".join(out))
            out = []
    sink.add(b"".join(out))
    return written


# ---------------------------------------------------------------- reading


class LoadResult:
    """
    What a load found.

    @ivar keys: how many keys were loaded.
    @ivar expired: how many keys were skipped as already expired.
    @ivar aux: the AUX fields, name -> value.
    @ivar functions: the code of each Redis Functions library found.
    @ivar end: the offset just past the file's checksum.
    @ivar version: the RDB version of the file.
    """

    def __init__(self):
        self.keys = 0
        self.expired = 0
        self.aux = {}
        self.functions = []
        self.end = 0
        self.version = 0


class _Reader:
    """A position in an RDB image and the primitives that read from it."""

    def __init__(self, data, pos=0):
        self.data = data
        self.pos = pos

    def byte(self):
        value = self.data[self.pos]
        self.pos += 1
        return value

    def take(self, n):
        pos = self.pos
        end = pos + n
        if end > len(self.data):
            raise IndexError("past the end")
        self.pos = end
        return self.data[pos:end]

    def length(self):
        data, pos = self.data, self.pos
        first = data[pos]
        kind = first >> 6
        if kind == 0:
            self.pos = pos + 1
            return first
        if kind == 1:
            self.pos = pos + 2
            return (first & 0x3F) << 8 | data[pos + 1]
        if first == 0x80:
            self.pos = pos + 5
            return int.from_bytes(self.take_at(pos + 1, 4), "big")
        if first == 0x81:
            self.pos = pos + 9
            return int.from_bytes(self.take_at(pos + 1, 8), "big")
        raise RDBError("invalid length encoding 0x%02x at offset %d" % (first, pos))

    def take_at(self, pos, n):
        if pos + n > len(self.data):
            raise IndexError("past the end")
        return self.data[pos : pos + n]

    def string(self):
        data, pos = self.data, self.pos
        first = data[pos]
        if first < 0x40:
            end = pos + 1 + first
            if end > len(data):
                raise IndexError("past the end")
            self.pos = end
            return data[pos + 1 : end]
        if first < 0xC0:
            return self.take(self.length())
        self.pos = pos + 1
        special = first & 0x3F
        if special == 0:
            return b"%d" % int.from_bytes(self.take(1), "little", signed=True)
        if special == 1:
            return b"%d" % int.from_bytes(self.take(2), "little", signed=True)
        if special == 2:
            return b"%d" % int.from_bytes(self.take(4), "little", signed=True)
        if special == 3:
            compressed_length = self.length()
            length = self.length()
            try:
                return decompress(self.take(compressed_length), length)
            except LZFError as e:
                raise RDBError("invalid LZF string at offset %d: %s" % (pos, e))
        raise RDBError("unknown string encoding 0x%02x at offset %d" % (first, pos))

    def old_double(self):
        size = self.byte()
        if size == 253:
            return math.nan
        if size == 254:
            return math.inf
        if size == 255:
            return -math.inf
        return float(self.take(size))

    def binary_double(self):
        value = _unpack_double(self.take(8))[0]
        return value


def load_rdb(data, store, now_ms=None, verify=True, start=0):
    """
    Load an RDB image into C{store} (added to what it holds).

    @param data: the file's bytes.
    @param now_ms: the time keys' deadlines are compared with.
    @param verify: whether to check the CRC-64 of the file.
    @param start: where the image starts in C{data} (an AOF preamble).
    @rtype: L{LoadResult}
    @raise RDBError: on a malformed or unsupported file.
    """
    if now_ms is None:
        now_ms = store.now_ms()
    result = LoadResult()
    reader = _Reader(data, start)
    try:
        _load(reader, store, now_ms, result)
    except IndexError:
        raise RDBError(
            "unexpected end of data near offset %d (truncated or corrupt file)"
            % (reader.pos,)
        )
    except (ValueError, struct.error) as e:
        raise RDBError("malformed value near offset %d: %s" % (reader.pos, e))
    if result.version >= 5:
        stored = int.from_bytes(reader.take_at(reader.pos, 8), "little")
        result.end = reader.pos + 8
        if verify and stored:
            actual = crc64(0, memoryview(data)[start : reader.pos])
            if actual != stored:
                raise RDBError(
                    "wrong RDB checksum expected: (%x) got: (%x)" % (stored, actual)
                )
    else:
        result.end = reader.pos
    return result


def _load(reader, store, now_ms, result):
    header = reader.take(9)
    if header[:5] != b"REDIS" or not header[5:].isdigit():
        raise RDBError("wrong signature trying to load DB from file")
    version = int(header[5:])
    if not 1 <= version <= MAX_VERSION:
        raise RDBError("can't handle RDB format version %d" % (version,))
    result.version = version
    databases = store.databases
    db = databases[0]
    deadline = None
    string = reader.string
    while True:
        kind = reader.byte()
        if kind == EXPIRETIME_MS:
            deadline = int.from_bytes(reader.take(8), "little", signed=True)
            continue
        if kind == EXPIRETIME:
            deadline = int.from_bytes(reader.take(4), "little", signed=True) * 1000
            continue
        if kind < FUNCTION_2:
            key = string()
            value = _read_value(reader, kind, key)
            if deadline is not None and deadline <= now_ms:
                result.expired += 1
            elif value is not None:
                db.data[key] = value
                db.encodings.pop(key, None)  # told from the content as loaded
                if deadline is not None:
                    db.expires.set(key, deadline)
                result.keys += 1
            deadline = None
        elif kind == SELECTDB:
            index = reader.length()
            if index >= len(databases):
                raise RDBError(
                    "FATAL: Data file was created with a Redis server configured "
                    "to handle more than %d databases. Exiting" % (len(databases),)
                )
            db = databases[index]
        elif kind == RESIZEDB:
            reader.length()
            reader.length()
        elif kind == AUX:
            name = string()
            result.aux[name] = string()
        elif kind == IDLE:
            reader.length()
        elif kind == FREQ:
            reader.byte()
        elif kind == FUNCTION_2:
            result.functions.append(string())
        elif kind == EOF:
            return
        else:
            raise RDBError(
                "unsupported RDB opcode or type %d at offset %d "
                "(module data or a pre-release functions format)"
                % (kind, reader.pos - 1)
            )


def _read_value(reader, kind, key):
    """@return: the value of type C{kind}, or None for an empty aggregate."""
    string = reader.string
    if kind == STRING:
        value = string()
        if value[:1] == b"\x00" and value.startswith(TYPED_PREFIX):
            return _typed(value, key)
        return value
    if kind == LIST:
        value = QuickList(string() for _ in range(reader.length()))
    elif kind == SET:
        value = {string() for _ in range(reader.length())}
    elif kind == HASH:
        value = {}
        for _ in range(reader.length()):
            field = string()
            value[field] = string()
    elif kind == ZSET_2 or kind == ZSET:
        read_score = reader.binary_double if kind == ZSET_2 else reader.old_double
        value = ZSet()
        for _ in range(reader.length()):
            member = string()
            value.add(member, read_score())
    elif kind == LIST_QUICKLIST_2:
        value = QuickList()
        for _ in range(reader.length()):
            container = reader.length()
            node = string()
            if container == 1:
                value.append(node)
            else:
                value.extend(listpack_items(node))
    elif kind == LIST_QUICKLIST:
        value = QuickList()
        for _ in range(reader.length()):
            value.extend(ziplist_items(string()))
    elif kind in _COMPACT:
        value = _COMPACT[kind](string())
    elif kind in (STREAM_LISTPACKS, STREAM_LISTPACKS_2, STREAM_LISTPACKS_3):
        return _read_stream(reader, kind, key)
    elif kind in (MODULE, MODULE_2):
        raise RDBError(
            "the RDB file holds a module value (key %r): modules are not supported"
            % (key,)
        )
    else:
        raise RDBError("unknown RDB value type %d (key %r)" % (kind, key))
    return value if value else None


def _read_id(reader):
    ms = reader.length()
    return ms, reader.length()


def _read_raw_id(reader):
    raw = reader.take(16)
    return int.from_bytes(raw[:8], "big"), int.from_bytes(raw[8:], "big")


def _read_stream(reader, kind, key):
    """A stream of RDB type 15 (Redis 5 and 6), 19 (7.0) or 21 (7.2)."""
    stream = Stream()
    for _ in range(reader.length()):
        raw_key = reader.string()
        if len(raw_key) != 16:
            raise RDBError("stream node key of %d bytes (key %r)" % (len(raw_key), key))
        master = int.from_bytes(raw_key[:8], "big"), int.from_bytes(raw_key[8:], "big")
        items = listpack_items(reader.string())
        if not items:
            raise RDBError("empty listpack inside stream (key %r)" % (key,))
        try:
            _load_stream_node(stream, master, items)
        except StopIteration:
            raise RDBError("stream listpack ends inside an entry (key %r)" % (key,))
    length = reader.length()
    stream.last_id = _read_id(reader)
    if kind >= STREAM_LISTPACKS_2:
        _read_id(reader)  # the first ID: the entries tell it
        stream.max_deleted = _read_id(reader)
        stream.entries_added = reader.length()
    else:
        stream.entries_added = length
    if length != len(stream):
        raise RDBError(
            "stream length %d for %d entries (key %r)" % (length, len(stream), key)
        )
    for _ in range(reader.length()):
        name = reader.string()
        last_id = _read_id(reader)
        if kind >= STREAM_LISTPACKS_2:
            reads = reader.length()
            reads = reads - (1 << 64) if reads >= 1 << 63 else reads
        else:
            reads = stream.estimate_reads(last_id)
        group = stream.groups[name] = Group(last_id, reads)
        delivered = {}
        for _ in range(reader.length()):
            stream_id = _read_raw_id(reader)
            when = int.from_bytes(reader.take(8), "little", signed=True)
            delivered[stream_id] = (when, reader.length())
        for _ in range(reader.length()):
            consumer = group.consumer(reader.string(), 0)
            consumer.seen = int.from_bytes(reader.take(8), "little", signed=True)
            if kind >= STREAM_LISTPACKS_3:
                reader.take(8)  # the active time of Redis 7.2
            for _ in range(reader.length()):
                stream_id = _read_raw_id(reader)
                if stream_id not in delivered:
                    raise RDBError(
                        "consumer PEL entry not in its group's (key %r)" % (key,)
                    )
                when, count = delivered.pop(stream_id)
                group.add_pending(stream_id, consumer, when, count)
        if delivered:
            raise RDBError("group PEL entry without a consumer (key %r)" % (key,))
    return stream


def _load_stream_node(stream, master, items):
    """Add the entries of one listpack node, deleted ones to its outline only."""
    numbers = iter(items)
    next(numbers)  # the live count
    next(numbers)  # the deleted count
    fields = [next(numbers) for _ in range(int(next(numbers)))]
    next(numbers)  # the master entry's end mark
    node = Node(master, tuple(fields))
    stream.nodes.append(node)
    stream.keys.append(master)
    for flags in numbers:
        flags = int(flags)
        ms = master[0] + int(next(numbers)) & _UINT64
        stream_id = ms, master[1] + int(next(numbers)) & _UINT64
        if flags & STREAM_SAME_FIELDS:
            flat = []
            for field in fields:
                flat += [field, next(numbers)]
        else:
            flat = [next(numbers) for _ in range(2 * int(next(numbers)))]
        next(numbers)  # the element count, for reading backwards
        node.add(stream_id, flat)
        if flags & STREAM_DELETED:
            node.live -= 1
            node.deleted += 1
        else:
            stream.put(stream_id, flat)


def _typed(blob, key):
    decoder = Decoder(inline=False)
    decoder.feed(blob[len(TYPED_PREFIX) :])
    try:
        values = decoder.values()
    except ProtocolError as e:
        raise RDBError("malformed typed value at key %r: %s" % (key, e))
    if len(values) != 1 or decoder.pending():
        raise RDBError("malformed typed value at key %r" % (key,))
    return Typed(values[0])


# ------------------------------------------------------ DUMP payloads


def dump_footer_ok(payload):
    """
    @return: whether the DUMP payload C{payload} ends with an RDB version
        this reader knows (up to L{MAX_VERSION}) and the CRC-64 of what
        precedes its checksum.
    """
    if len(payload) < 10:
        return False
    if int.from_bytes(payload[-10:-8], "little") > MAX_VERSION:
        return False
    return crc64(0, payload[:-8]) == int.from_bytes(payload[-8:], "little")


def load_dump_payload(payload, key):
    """
    Read the value of a DUMP payload whose footer L{dump_footer_ok} accepts.

    As Redis does, the value is read from the whole payload: bytes left
    before the footer are ignored, and a value running into the footer
    reads it.

    @param key: the key it is meant for, for messages.
    @return: the value (a L{Typed} for a typed value's string).
    @raise RDBError: for a body that is not one valid value, an empty
        aggregate, duplicate set or sorted set members, or a NaN score.
    """
    reader = _Reader(payload)
    try:
        kind = reader.byte()
        value = _read_value(reader, kind, key)
        declared = _Reader(payload, 1).length() if kind in _COUNTED else None
    except IndexError:
        raise RDBError("the value runs past the end of the payload")
    except (ValueError, OverflowError, struct.error) as e:
        raise RDBError("malformed value: %s" % (e,))
    if value is None:
        raise RDBError("an empty aggregate")
    if declared is not None and declared != len(value):
        raise RDBError("duplicate members")
    if type(value) is ZSet and any(math.isnan(s) for s in value.scores.values()):
        raise RDBError("a NaN score")
    return value


# the encodings that give the number of members: fewer read means duplicates
_COUNTED = (SET, ZSET, ZSET_2)


# ------------------------------------------------------ compact encodings


def ziplist_items(blob):
    """@return: the entries of a ziplist, integers as their decimal bytes."""
    out = []
    append = out.append
    pos = 10
    while True:
        prev = blob[pos]
        if prev == 0xFF:
            return out
        pos += 5 if prev == 0xFE else 1
        head = blob[pos]
        top = head >> 6
        if top == 0:
            size = head & 0x3F
            pos += 1
        elif top == 1:
            size = (head & 0x3F) << 8 | blob[pos + 1]
            pos += 2
        elif top == 2:
            size = int.from_bytes(blob[pos + 1 : pos + 5], "big")
            pos += 5
        else:
            width = _ZIPLIST_INT_WIDTHS.get(head)
            if width is None:
                if 0xF1 <= head <= 0xFD:
                    append(b"%d" % ((head & 0x0F) - 1))
                    pos += 1
                    continue
                raise RDBError("invalid ziplist entry encoding 0x%02x" % (head,))
            append(
                b"%d"
                % int.from_bytes(blob[pos + 1 : pos + 1 + width], "little", signed=True)
            )
            pos += 1 + width
            continue
        if pos + size > len(blob):
            raise RDBError("ziplist entry past the end of the ziplist")
        append(blob[pos : pos + size])
        pos += size


_ZIPLIST_INT_WIDTHS = {0xC0: 2, 0xD0: 4, 0xE0: 8, 0xF0: 3, 0xFE: 1}


def listpack_items(blob):
    """@return: the entries of a listpack, integers as their decimal bytes."""
    out = []
    append = out.append
    pos = 6
    while True:
        head = blob[pos]
        if head < 0x80:
            append(b"%d" % head)
            size = 1
        elif head < 0xC0:
            size = 1 + (head & 0x3F)
            append(blob[pos + 1 : pos + size])
        elif head < 0xE0:
            value = (head & 0x1F) << 8 | blob[pos + 1]
            append(b"%d" % (value - 0x2000 if value >= 0x1000 else value))
            size = 2
        elif head < 0xF0:
            size = 2 + ((head & 0x0F) << 8 | blob[pos + 1])
            append(blob[pos + 2 : pos + size])
        elif head == 0xF0:
            size = 5 + int.from_bytes(blob[pos + 1 : pos + 5], "little")
            append(blob[pos + 5 : pos + size])
        elif head == 0xFF:
            return out
        else:
            width = _LISTPACK_INT_WIDTHS.get(head)
            if width is None:
                raise RDBError("invalid listpack entry encoding 0x%02x" % (head,))
            append(
                b"%d"
                % int.from_bytes(blob[pos + 1 : pos + 1 + width], "little", signed=True)
            )
            size = 1 + width
        if pos + size > len(blob):
            raise RDBError("listpack entry past the end of the listpack")
        pos += size + _backlen_size(size)


_LISTPACK_INT_WIDTHS = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}


def _backlen_size(size):
    if size <= 127:
        return 1
    if size < 16383:
        return 2
    if size < 2097151:
        return 3
    if size < 268435455:
        return 4
    return 5


def intset_items(blob):
    """@return: the members of an intset as decimal bytes."""
    width = int.from_bytes(blob[0:4], "little")
    count = int.from_bytes(blob[4:8], "little")
    if width not in (2, 4, 8) or 8 + width * count > len(blob):
        raise RDBError("invalid intset")
    return [
        b"%d" % int.from_bytes(blob[i : i + width], "little", signed=True)
        for i in range(8, 8 + width * count, width)
    ]


def zipmap_items(blob):
    """@return: the C{(field, value)} pairs of a zipmap (Redis before 2.6)."""
    out = []
    pos = 1
    while blob[pos] != 0xFF:
        size, pos = _zipmap_length(blob, pos)
        field = blob[pos : pos + size]
        pos += size
        size, pos = _zipmap_length(blob, pos)
        free = blob[pos]
        pos += 1
        out.append((field, blob[pos : pos + size]))
        pos += size + free
    return out


def _zipmap_length(blob, pos):
    first = blob[pos]
    if first < 254:
        return first, pos + 1
    if first == 254:
        return int.from_bytes(blob[pos + 1 : pos + 5], "little"), pos + 5
    raise RDBError("invalid zipmap length")


def _pairs(items):
    return zip(items[0::2], items[1::2])


def _zset_from(items):
    value = ZSet()
    for member, score in _pairs(items):
        value.add(member, float(score))
    return value


_COMPACT = {
    HASH_ZIPMAP: lambda blob: dict(zipmap_items(blob)),
    LIST_ZIPLIST: lambda blob: QuickList(ziplist_items(blob)),
    SET_INTSET: lambda blob: set(intset_items(blob)),
    ZSET_ZIPLIST: lambda blob: _zset_from(ziplist_items(blob)),
    HASH_ZIPLIST: lambda blob: dict(_pairs(ziplist_items(blob))),
    HASH_LISTPACK: lambda blob: dict(_pairs(listpack_items(blob))),
    ZSET_LISTPACK: lambda blob: _zset_from(listpack_items(blob)),
    SET_LISTPACK: lambda blob: set(listpack_items(blob)),
}
