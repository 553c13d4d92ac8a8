"""
String commands (Redis's t_string.c): GET, SET and their kin, counters,
and the origin's typed values.
"""

from miniredis.commands import command
from miniredis.commands.parsing import SYNTAX, parse_int
from miniredis.resp import OK, ReplyError
from miniredis.store import Typed


def stored(value):
    """Wrap a typed (non-bytes) value for the string slot."""
    return value if type(value) is bytes else Typed(value)


def loaded(value):
    """Unwrap a string-slot value for a reply."""
    return value.value if type(value) is Typed else value


@command("get", 2, "readonly fast", keys=(1, 1, 1))
def get(session, argv):
    return loaded(session.db.get_string(argv[1]))


@command("set", -3, "write denyoom", keys=(1, 1, 1), typed=True)
def set_(session, argv):
    db = session.db
    key = argv[1]
    condition = None
    keepttl = want_old = False
    deadline = None
    i = 3
    while i < len(argv):
        option = argv[i].lower() if type(argv[i]) is bytes else None
        if option in (b"nx", b"xx") and condition in (None, option):
            condition = option
        elif option == b"get":
            want_old = True
        elif option == b"keepttl" and deadline is None:
            keepttl = True
        elif (
            option in (b"ex", b"px", b"exat", b"pxat")
            and not keepttl
            and deadline is None
            and i + 1 < len(argv)
        ):
            i += 1
            deadline = expire_deadline(session, argv[i], option, "set")
        else:
            raise ReplyError(SYNTAX)
        i += 1
    old = db.get_string(key) if want_old else db.lookup(key)
    if condition == b"nx" and old is not None or condition == b"xx" and old is None:
        return loaded(old) if want_old else None
    db.set(key, stored(argv[2]), keepttl=keepttl)
    if deadline is not None:
        db.set_deadline(key, deadline)
        session.rewrite([b"SET", key, argv[2]], [b"PEXPIREAT", key, b"%d" % deadline])
    return loaded(old) if want_old else OK


def expire_deadline(session, raw, unit, name):
    """
    @param unit: C{b"ex"}, C{b"px"}, C{b"exat"} or C{b"pxat"}.
    @return: the absolute deadline in ms.
    """
    value = parse_int(raw)
    if value <= 0 or unit in (b"ex", b"exat") and value > (1 << 63) // 1000:
        raise ReplyError("ERR invalid expire time in '%s' command" % (name,))
    if unit in (b"ex", b"exat"):
        value *= 1000
    if unit in (b"ex", b"px"):
        value += session.server.store.now_ms()
    return value
