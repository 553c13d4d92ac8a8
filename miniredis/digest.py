"""
DEBUG DIGEST and DIGEST-VALUE: Redis's SHA1 signature of the dataset and of
values, computed the same way, so that the digest of a miniredis dataset
equals redis-server's for the same data.

Usage::

    digest.dataset(store)          # 40 hex digits; zeros when empty
    digest.value(db, key, value)   # 20 bytes
"""

import hashlib
import struct

from miniredis.persistence.rdb import typed_blob
from miniredis.quicklist import QuickList
from miniredis.respencoder import format_double
from miniredis.store import Typed
from miniredis.stream import Stream
from miniredis.zset import ZSet

_EMPTY = bytes(20)
# Redis's type numbers (OBJ_STRING...)
_TYPES = {bytes: 0, Typed: 0, QuickList: 1, set: 2, ZSet: 3, dict: 4, Stream: 6}


def _xor(digest, data):
    """Redis's C{xorDigest}: C{digest} XOR the SHA1 of C{data}."""
    hashed = hashlib.sha1(data).digest()
    return bytes(a ^ b for a, b in zip(digest, hashed))


def _mix(digest, data):
    """Redis's C{mixDigest}: XOR, then hash the result: order matters."""
    return hashlib.sha1(_xor(digest, data)).digest()


def _string(value):
    if type(value) is bytes:
        return value
    inner = value.value
    return b"%d" % inner if type(inner) is int else typed_blob(value)


def value(db, key, value, digest=_EMPTY):
    """
    @param digest: where the digest starts (Redis's C{xorObjectDigest}).
    @return: the 20-byte digest of C{value} stored at C{key} in C{db}.
    """
    digest = _mix(digest, struct.pack(">I", _TYPES[type(value)]))
    kind = type(value)
    if kind is QuickList:
        for item in value:
            digest = _mix(digest, item)
    elif kind is set:
        for member in value:
            digest = _xor(digest, member)
    elif kind is ZSet:
        for member, score in value.items():
            element = _mix(_mix(_EMPTY, member), format_double(score))
            digest = _xor(digest, element)
    elif kind is dict:
        for field, item in value.items():
            digest = _xor(digest, _mix(_mix(_EMPTY, field), item))
    elif kind is Stream:
        for stream_id in value.ids:
            digest = _mix(digest, b"%d.%d" % stream_id)
            for part in value.entries[stream_id][1]:
                digest = _mix(digest, part)
    else:
        digest = _mix(digest, _string(value))
    if key in db.expires.deadlines:
        digest = _xor(digest, b"!!expire!!")
    return digest


def dataset(store):
    """@return: the hex digest of every database of C{store}, as DEBUG DIGEST's."""
    final = _EMPTY
    for db in store.databases:
        if not db.data:
            continue
        final = _mix(final, struct.pack(">I", db.index))
        for key, item in db.data.items():
            final = _xor(final, value(db, key, item, _mix(_EMPTY, key)))
    return final.hex()
