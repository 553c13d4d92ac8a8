"""
Errors and reply conversions shared by every client of L{miniredis.client}
and by L{miniredis.blocking}.
"""

from miniredis.resp import ReplyError, Status, Verbatim


class RedisError(ReplyError):
    """
    An error reply to a call (C{-ERR ...}, C{-WRONGTYPE ...}).

    @ivar message: the error text, its first word the error code.
    """

    def __repr__(self):
        return "%s(%r)" % (type(self).__name__, self.message)


class WatchError(RedisError):
    """A transaction was not run: a key it watched changed (EXEC said nil)."""

    def __init__(self, message="a watched key changed"):
        RedisError.__init__(self, message)


def decoded(value):
    """
    @return: C{value} with its byte strings decoded from UTF-8 (bytes that
        are not UTF-8 become lone surrogates, which the encoder turns back
        into the same bytes).
    """
    if isinstance(value, (bytes, Status, Verbatim)):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, list):
        return value.__class__(decoded(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return {decoded(item) for item in value}
    if isinstance(value, dict):
        return {decoded(key): decoded(item) for key, item in value.items()}
    return value


def command_name(args):
    """@return: the command of a call's arguments, lower case."""
    name = args[0]
    return (
        name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
    ).lower()


def as_error(value):
    """@return: C{value}, a L{RedisError} if it is an error reply."""
    if isinstance(value, ReplyError) and not isinstance(value, RedisError):
        return RedisError(value.message)
    return value


# Converters: each takes a reply (bytes or, with decode_responses, str) and
# gives the Python value redis-py would give.


def to_bool(reply):
    """@return: C{1} and C{OK} as True, C{0} and nil as False."""
    if reply is None:
        return False
    if isinstance(reply, (bytes, str)):
        return reply in (b"OK", "OK")
    return bool(reply)


def to_float(reply):
    """@return: a score as a float (None stays None)."""
    return None if reply is None else float(reply)


def to_floats(reply):
    """@return: a list of scores as floats."""
    return [to_float(item) for item in reply]


def to_dict(reply):
    """@return: a RESP2 flat list of pairs, or a RESP3 map, as a dict."""
    if reply is None or isinstance(reply, dict):
        return reply
    return dict(zip(reply[::2], reply[1::2]))


def to_set(reply):
    """@return: an array or RESP3 set as a Python set."""
    return set(reply)


def to_scored(reply):
    """
    @return: C{[(member, score), ...]} from a RESP2 flat list or a RESP3
        list of pairs, the scores as floats.
    """
    if reply is None:
        return None
    if reply and isinstance(reply[0], list):
        return [(member, float(score)) for member, score in reply]
    return [(member, float(score)) for member, score in zip(reply[::2], reply[1::2])]


def to_scan(reply):
    """@return: a SCAN reply as C{(next cursor, items)}."""
    cursor, items = reply
    return int(cursor), items


def to_hscan(reply):
    """@return: an HSCAN reply as C{(next cursor, {field: value})}."""
    cursor, items = reply
    return int(cursor), to_dict(items)


def to_zscan(reply):
    """@return: a ZSCAN reply as C{(next cursor, [(member, score), ...])}."""
    cursor, items = reply
    return int(cursor), to_scored(items)


def to_info(reply):
    """
    @return: an INFO reply as a dict, numbers converted, the C{dbN} lines
        as dicts of their own.
    """
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    info = {}
    for line in reply.splitlines():
        if not line or line.startswith("#") or ":" not in line:
            continue
        name, _, value = line.partition(":")
        if "=" in value and "," in value or name.startswith("db"):
            info[name] = {
                k: _number(v)
                for k, _, v in (item.partition("=") for item in value.split(","))
            }
        else:
            info[name] = _number(value)
    return info


def _number(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def to_pair(reply):
    """@return: a two-element array as a tuple (None stays None)."""
    return None if reply is None else tuple(reply)
