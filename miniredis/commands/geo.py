"""
Geo commands (Redis's geo.c): points kept in a sorted set whose scores are
52-bit geohashes (see L{miniredis.geohash}), so a geo key is a plain zset.

GEOADD is ZADD with scores computed from coordinates, and is logged as that
ZADD, as Redis logs it. Distances are answered with four decimals and
coordinates with Redis's C{%.17Lf} less its trailing zeros.
"""

import math

from miniredis import geohash
from miniredis.commands import command
from miniredis.commands.parsing import NOT_FLOAT, SYNTAX, parse_int
from miniredis.commands.spec import (
    Arg,
    Block,
    Index,
    KeySpec,
    Keyword,
    OneOf,
    Range,
    Token,
)
from miniredis.commands.zsets import (
    add_scores,
    fit_listpack,
    listpack_limits,
    parse_score,
    store_result,
)
from miniredis.notifications import notify
from miniredis.resp import NULL_ARRAY, Double, ReplyError
from miniredis.zset import ZSet

_UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}
_NO_MEMBER = "ERR could not decode requested zset member"


def _coordinates(raw_lon, raw_lat):
    """
    Parse a longitude and a latitude.

    @raise ReplyError: when either is no number or they are off the map.
    """
    lon, lat = parse_score(raw_lon, NOT_FLOAT), parse_score(raw_lat, NOT_FLOAT)
    if not (
        geohash.LONG_MIN <= lon <= geohash.LONG_MAX
        and geohash.LAT_MIN <= lat <= geohash.LAT_MAX
    ):
        raise ReplyError("ERR invalid longitude,latitude pair %f,%f" % (lon, lat))
    return lon, lat


def _unit(raw):
    """@return: how many metres make one C{raw} unit."""
    metres = _UNITS.get(raw.lower())
    if metres is None:
        raise ReplyError("ERR unsupported unit provided. please use M, KM, FT, MI")
    return metres


def _distance(value):
    """A distance as Redis answers it: a string with four decimals."""
    return b"%.4f" % value


def _coordinate(value):
    """A coordinate as Redis answers it: 17 decimals, trailing zeros cut."""
    text = b"%.17f" % value
    text = text.rstrip(b"0").rstrip(b".")
    return Double(b"0" if text == b"-0" else text)


def _position(zs, member):
    """@return: the C{(lon, lat)} of C{member}, or None if it is absent."""
    score = zs.scores.get(member)
    return None if score is None else geohash.decode(score)


# ---------------------------------------------------------------- adding


@command(
    "geoadd",
    -5,
    "write denyoom",
    group="geo",
    since="3.2.0",
    acl="geo",
    keys=[KeySpec("RW update", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        OneOf("condition", Token("NX"), Token("XX"), flags="optional", since="6.2.0"),
        Arg("change", "pure-token", token="CH", flags="optional", since="6.2.0"),
        Block(
            "longitude_latitude_member",
            Arg("longitude", "double"),
            Arg("latitude", "double"),
            Arg("member"),
            flags="multiple",
        ),
    ],
)
def geoadd(session, argv):
    """Add points, given as longitude, latitude and name, to a sorted set."""
    at = 2
    flags = set()
    while at < len(argv) and argv[at].lower() in (b"nx", b"xx", b"ch"):
        flags.add(argv[at].lower())
        at += 1
    # No element at all is what the ZADD it becomes refuses.
    if (len(argv) - at) % 3 or {b"nx", b"xx"} <= flags or at == len(argv):
        raise ReplyError(SYNTAX)
    elements = []
    for i in range(at, len(argv), 3):
        lon, lat = _coordinates(argv[i], argv[i + 1])
        elements.append((geohash.encode(lon, lat), argv[i + 2]))
    reply = add_scores(
        session, argv[1], [(float(score), member) for score, member in elements], flags
    )
    zadd = [b"ZADD"] + argv[1:at]
    for score, member in elements:
        zadd += [b"%d" % score, member]
    session.rewrite(zadd)
    return reply


# ---------------------------------------------------------------- reading


@command(
    "geopos",
    -2,
    "readonly",
    group="geo",
    since="3.2.0",
    acl="geo",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member", flags="multiple")],
)
def geopos(session, argv):
    """Give the longitude and latitude of members of a geo set."""
    zs = session.db.get_typed(argv[1], ZSet)
    reply = []
    for member in argv[2:]:
        position = None if zs is None else _position(zs, member)
        if position is None:
            reply.append(NULL_ARRAY)
        else:
            reply.append([_coordinate(position[0]), _coordinate(position[1])])
    return reply


@command(
    "geohash",
    -2,
    "readonly",
    group="geo",
    since="3.2.0",
    acl="geo",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[Arg("key", "key", key_spec=0), Arg("member", flags="multiple")],
)
def geohash_strings(session, argv):
    """Give the standard base32 geohash strings of members of a geo set."""
    zs = session.db.get_typed(argv[1], ZSet)
    scores = {} if zs is None else zs.scores
    reply = []
    for member in argv[2:]:
        score = scores.get(member)
        reply.append(None if score is None else geohash.hash_string(score))
    return reply


@command(
    "geodist",
    -4,
    "readonly",
    group="geo",
    since="3.2.0",
    acl="geo",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("member1"),
        Arg("member2"),
        OneOf(
            "unit", Token("M"), Token("KM"), Token("FT"), Token("MI"), flags="optional"
        ),
    ],
)
def geodist(session, argv):
    """Measure the distance between two members of a geo set."""
    metres = 1.0
    if len(argv) == 5:
        metres = _unit(argv[4])
    elif len(argv) > 5:
        raise ReplyError(SYNTAX)
    zs = session.db.get_typed(argv[1], ZSet)
    if zs is None:
        return None
    first, second = _position(zs, argv[2]), _position(zs, argv[3])
    if first is None or second is None:
        return None
    return _distance(
        geohash.distance(first[0], first[1], second[0], second[1]) / metres
    )


# ---------------------------------------------------------------- searching


class _Query:
    """
    What a search asks, as parsed from its arguments.

    @ivar shape: a L{geohash.Circle} or L{geohash.Box}; None while unknown.
    @ivar store: the destination key, or None to answer the points.
    @ivar count: how many points at most; 0 for all.
    @ivar order: C{"asc"}, C{"desc"} or None (the set's order).
    @ivar event: the keyspace event of a stored result.
    @ivar centre, radius, box: what GEOSEARCH's FROM... and BY... options
        gave: C{(lon, lat)}, C{(radius, metres per unit)} and C{(width,
        height, metres per unit)}.
    """

    def __init__(self):
        self.shape = None
        self.centre = self.radius = self.box = None
        self.store = None
        self.store_distance = False
        self.with_distance = self.with_hash = self.with_coordinates = False
        self.count = 0
        self.any = False
        self.order = None
        self.event = None


def _radius(raw, raw_unit):
    """@return: C{(radius, metres per unit)} parsed from a radius and unit."""
    radius = parse_score(raw, "ERR need numeric radius")
    if radius < 0:
        raise ReplyError("ERR radius cannot be negative")
    return radius, _unit(raw_unit)


def _box(raw_width, raw_height, raw_unit):
    """@return: C{(width, height, metres per unit)}."""
    width = parse_score(raw_width, "ERR need numeric width")
    height = parse_score(raw_height, "ERR need numeric height")
    if width < 0 or height < 0:
        raise ReplyError("ERR height or width cannot be negative")
    return width, height, _unit(raw_unit)


def _parse(argv, at, zs, query, search, can_store):
    """
    Read a search's options from C{argv[at:]} into C{query}, in Redis's
    order of checks.

    @param search: whether this is GEOSEARCH or GEOSEARCHSTORE (FROM..., BY...).
    @param can_store: whether STORE and STOREDIST are allowed (GEORADIUS,
        GEORADIUSBYMEMBER).
    @return: C{(centre, by_radius, by_box)}: which FROM option GEOSEARCH
        got (C{"member"}, C{"lonlat"} or None), and which BY option.
    """
    centre = None
    by_radius = by_box = False
    i = at
    end = len(argv)
    while i < end:
        option = argv[i].lower()
        left = end - i - 1
        if option == b"withdist":
            query.with_distance = True
        elif option == b"withhash":
            query.with_hash = True
        elif option == b"withcoord":
            query.with_coordinates = True
        elif option == b"any":
            query.any = True
        elif option in (b"asc", b"desc"):
            query.order = option.decode()
        elif option == b"count" and left >= 1:
            query.count = parse_int(argv[i + 1])
            if query.count <= 0:
                raise ReplyError("ERR COUNT must be > 0")
            i += 1
        elif option in (b"store", b"storedist") and can_store and left >= 1:
            query.store = argv[i + 1]
            query.store_distance = option == b"storedist"
            i += 1
        elif option == b"storedist" and search and query.store is not None:
            query.store_distance = True
        elif option == b"frommember" and search and left >= 1 and centre != "lonlat":
            if zs is not None:
                position = _position(zs, argv[i + 1])
                if position is None:
                    raise ReplyError(_NO_MEMBER)
                query.centre = position
            centre = "member"
            i += 1
        elif option == b"fromlonlat" and search and left >= 2 and centre != "member":
            query.centre = _coordinates(argv[i + 1], argv[i + 2])
            centre = "lonlat"
            i += 2
        elif option == b"byradius" and search and left >= 2 and not by_box:
            query.radius = _radius(argv[i + 1], argv[i + 2])
            by_radius = True
            i += 2
        elif option == b"bybox" and search and left >= 3 and not by_radius:
            query.box = _box(argv[i + 1], argv[i + 2], argv[i + 3])
            by_box = True
            i += 3
        else:
            raise ReplyError(SYNTAX)
        i += 1
    return centre, by_radius, by_box


def _search(session, argv, key_at, kind, can_store=False, destination=None):
    """
    The search every GEORADIUS* and GEOSEARCH* command runs.

    @param kind: C{"lonlat"} (GEORADIUS), C{"member"} (GEORADIUSBYMEMBER)
        or C{"search"} (GEOSEARCH, GEOSEARCHSTORE).
    @param destination: GEOSEARCHSTORE's destination key.
    """
    zs = session.db.get_typed(argv[key_at], ZSet)
    query = _Query()
    query.store = destination
    name = argv[0].decode("utf-8", "replace")
    if kind == "lonlat":
        lon, lat = _coordinates(argv[2], argv[3])
        radius, metres = _radius(argv[4], argv[5])
        query.shape = geohash.Circle(lon, lat, radius, metres)
        at = 6
    elif kind == "member":
        at = 5
        if zs is not None:
            position = _position(zs, argv[2])
            if position is None:
                raise ReplyError(_NO_MEMBER)
            radius, metres = _radius(argv[3], argv[4])
            query.shape = geohash.Circle(position[0], position[1], radius, metres)
    else:
        at = key_at + 1
    centre, by_radius, by_box = _parse(argv, at, zs, query, kind == "search", can_store)
    if query.store is not None and (
        query.with_distance or query.with_hash or query.with_coordinates
    ):
        raise ReplyError(
            "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
            % (
                "GEOSEARCHSTORE"
                if destination is not None
                else "STORE option in GEORADIUS"
            )
        )
    if kind == "search":
        if centre is None:
            raise ReplyError(
                "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
                % name
            )
        if not (by_radius or by_box):
            raise ReplyError(
                "ERR exactly one of BYRADIUS and BYBOX can be specified for %s" % name
            )
    if query.any and not query.count:
        raise ReplyError("ERR the ANY argument requires COUNT argument")
    if zs is None:
        if query.store is None:
            return []
        if session.db.delete(query.store):
            notify(session.db, "g", b"del", query.store)
        return 0
    if kind == "search":
        lon, lat = query.centre
        if by_radius:
            radius, metres = query.radius
            query.shape = geohash.Circle(lon, lat, radius, metres)
        else:
            width, height, metres = query.box
            query.shape = geohash.Box(lon, lat, width, height, metres)
    query.event = b"geosearchstore" if kind == "search" else b"georadiusstore"
    return _answer(session, zs, query)


# Scores -> the L{geohash.point}s they decode to, for the searches (decoding
# costs more than measuring the distance); emptied past _DECODED_MAX entries.
_DECODED = {}
_DECODED_MAX = 1 << 16


def _points(zs, shape, limit):
    """
    The points of C{zs} within C{shape}, in the order Redis finds them.

    @param limit: stop once this many are found; 0 for no limit.
    @return: a list of C{(distance in metres, member, score, lon, lat)}.
    """
    found = []
    within = shape.measure()
    lat0, lat_band, lon0, lon_band = shape.bands()
    south, north = lat0 - lat_band, lat0 + lat_band
    turn = 2 * math.pi
    decoded, decode, point = _DECODED, geohash.decode, geohash.point
    if len(decoded) > _DECODED_MAX:
        decoded.clear()
    irange = zs.order.irange
    for low, high in geohash.search_ranges(shape):
        for score, member in irange((low,), (high,), inclusive=(True, False)):
            position = decoded.get(score)
            if position is None:
                position = decoded[score] = point(*decode(score))
            if not south <= position[3] <= north:
                continue
            apart = abs(position[2] - lon0)
            if apart > lon_band and turn - apart > lon_band:
                continue
            metres = within(position)
            if metres is not None:
                found.append((metres, member, score, position[0], position[1]))
                if limit and len(found) >= limit:
                    return found
    return found


def _answer(session, zs, query):
    """Find the points of C{query} and answer them or store them."""
    order = query.order
    if query.count and order is None and not query.any:
        order = "asc"
    points = _points(zs, query.shape, query.count if query.any else 0)
    if not points and query.store is None:
        return []
    wanted = query.count or len(points)
    if order is not None:
        _sort(points, order == "desc", wanted)
    del points[wanted:]
    conversion = query.shape.conversion
    if query.store is not None:
        result = ZSet()
        for metres, member, score, _, _ in points:
            result.add(member, metres / conversion if query.store_distance else score)
        fit_listpack(result, listpack_limits(session))
        return store_result(session, query.store, result, query.event)
    if not (query.with_distance or query.with_hash or query.with_coordinates):
        return [point[1] for point in points]
    reply = []
    for metres, member, score, lon, lat in points:
        item = [member]
        if query.with_distance:
            item.append(_distance(metres / conversion))
        if query.with_hash:
            item.append(int(score))
        if query.with_coordinates:
            item.append([_coordinate(lon), _coordinate(lat)])
        reply.append(item)
    return reply


@command(
    "georadius",
    -6,
    "write denyoom",
    group="geo",
    since="3.2.0",
    acl="geo",
    keys=[
        KeySpec("RO access", Index(1), Range(0)),
        KeySpec("OW update", Keyword("STORE", 6), Range(0)),
        KeySpec("OW update", Keyword("STOREDIST", 6), Range(0)),
    ],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("longitude", "double"),
        Arg("latitude", "double"),
        Arg("radius", "double"),
        OneOf("unit", Token("M"), Token("KM"), Token("FT"), Token("MI")),
        Token("WITHCOORD", flags="optional"),
        Token("WITHDIST", flags="optional"),
        Token("WITHHASH", flags="optional"),
        Block(
            "count",
            Arg("count", "integer", token="COUNT"),
            Token("ANY", flags="optional", since="6.2.0"),
            flags="optional",
        ),
        OneOf("order", Token("ASC"), Token("DESC"), flags="optional"),
        Arg("key", "key", token="STORE", flags="optional", key_spec=1),
        Arg("key", "key", token="STOREDIST", flags="optional", key_spec=2),
    ],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
)
def georadius(session, argv):
    """Find the points of a geo set within a radius of a longitude and latitude."""
    return _search(session, argv, 1, "lonlat", can_store=True)


@command(
    "georadius_ro",
    -6,
    "readonly",
    group="geo",
    since="3.2.10",
    acl="geo",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("longitude", "double"),
        Arg("latitude", "double"),
        Arg("radius", "double"),
        OneOf("unit", Token("M"), Token("KM"), Token("FT"), Token("MI")),
        Token("WITHCOORD", flags="optional"),
        Token("WITHDIST", flags="optional"),
        Token("WITHHASH", flags="optional"),
        Block(
            "count",
            Arg("count", "integer", token="COUNT"),
            Token("ANY", flags="optional", since="6.2.0"),
            flags="optional",
        ),
        OneOf("order", Token("ASC"), Token("DESC"), flags="optional"),
    ],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`GEOSEARCH` with the `BYRADIUS` argument",
)
def georadius_ro(session, argv):
    """Find the points within a radius of a longitude and latitude, read only."""
    return _search(session, argv, 1, "lonlat")


@command(
    "georadiusbymember",
    -5,
    "write denyoom",
    group="geo",
    since="3.2.0",
    acl="geo",
    keys=[
        KeySpec("RO access", Index(1), Range(0)),
        KeySpec("OW update", Keyword("STORE", 5), Range(0)),
        KeySpec("OW update", Keyword("STOREDIST", 5), Range(0)),
    ],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("member"),
        Arg("radius", "double"),
        OneOf("unit", Token("M"), Token("KM"), Token("FT"), Token("MI")),
        Token("WITHCOORD", flags="optional"),
        Token("WITHDIST", flags="optional"),
        Token("WITHHASH", flags="optional"),
        Block(
            "count",
            Arg("count", "integer", token="COUNT"),
            Token("ANY", flags="optional"),
            flags="optional",
        ),
        OneOf("order", Token("ASC"), Token("DESC"), flags="optional"),
        Arg("key", "key", token="STORE", flags="optional", key_spec=1),
        Arg("key", "key", token="STOREDIST", flags="optional", key_spec=2),
    ],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
)
def georadiusbymember(session, argv):
    """Find the points of a geo set within a radius of one of its members."""
    return _search(session, argv, 1, "member", can_store=True)


@command(
    "georadiusbymember_ro",
    -5,
    "readonly",
    group="geo",
    since="3.2.10",
    acl="geo",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        Arg("member"),
        Arg("radius", "double"),
        OneOf("unit", Token("M"), Token("KM"), Token("FT"), Token("MI")),
        Token("WITHCOORD", flags="optional"),
        Token("WITHDIST", flags="optional"),
        Token("WITHHASH", flags="optional"),
        Block(
            "count",
            Arg("count", "integer", token="COUNT"),
            Token("ANY", flags="optional"),
            flags="optional",
        ),
        OneOf("order", Token("ASC"), Token("DESC"), flags="optional"),
    ],
    doc_flags="deprecated",
    deprecated_since="6.2.0",
    replaced_by="`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments",
)
def georadiusbymember_ro(session, argv):
    """Find the points within a radius of a member of a geo set, read only."""
    return _search(session, argv, 1, "member")


@command(
    "geosearch",
    -7,
    "readonly",
    group="geo",
    since="6.2.0",
    acl="geo",
    keys=[KeySpec("RO access", Index(1), Range(0))],
    args=[
        Arg("key", "key", key_spec=0),
        OneOf(
            "from",
            Arg("member", token="FROMMEMBER"),
            Block(
                "longitude_latitude",
                Arg("longitude", "double"),
                Arg("latitude", "double"),
                token="FROMLONLAT",
            ),
        ),
        OneOf(
            "by",
            Block(
                "circle",
                Arg("radius", "double", token="BYRADIUS"),
                OneOf("unit", Token("M"), Token("KM"), Token("FT"), Token("MI")),
            ),
            Block(
                "box",
                Arg("width", "double", token="BYBOX"),
                Arg("height", "double"),
                OneOf("unit", Token("M"), Token("KM"), Token("FT"), Token("MI")),
            ),
        ),
        OneOf("order", Token("ASC"), Token("DESC"), flags="optional"),
        Block(
            "count",
            Arg("count", "integer", token="COUNT"),
            Token("ANY", flags="optional"),
            flags="optional",
        ),
        Token("WITHCOORD", flags="optional"),
        Token("WITHDIST", flags="optional"),
        Token("WITHHASH", flags="optional"),
    ],
)
def geosearch(session, argv):
    """Find the points of a geo set within a circle or a box."""
    return _search(session, argv, 1, "search")


@command(
    "geosearchstore",
    -8,
    "write denyoom",
    group="geo",
    since="6.2.0",
    acl="geo",
    keys=[
        KeySpec("OW update", Index(1), Range(0)),
        KeySpec("RO access", Index(2), Range(0)),
    ],
    args=[
        Arg("destination", "key", key_spec=0),
        Arg("source", "key", key_spec=1),
        OneOf(
            "from",
            Arg("member", token="FROMMEMBER"),
            Block(
                "longitude_latitude",
                Arg("longitude", "double"),
                Arg("latitude", "double"),
                token="FROMLONLAT",
            ),
        ),
        OneOf(
            "by",
            Block(
                "circle",
                Arg("radius", "double", token="BYRADIUS"),
                OneOf("unit", Token("M"), Token("KM"), Token("FT"), Token("MI")),
            ),
            Block(
                "box",
                Arg("width", "double", token="BYBOX"),
                Arg("height", "double"),
                OneOf("unit", Token("M"), Token("KM"), Token("FT"), Token("MI")),
            ),
        ),
        OneOf("order", Token("ASC"), Token("DESC"), flags="optional"),
        Block(
            "count",
            Arg("count", "integer", token="COUNT"),
            Token("ANY", flags="optional"),
            flags="optional",
        ),
        Token("STOREDIST", flags="optional"),
    ],
)
def geosearchstore(session, argv):
    """Store in a sorted set the points of a geo set within a circle or a box."""
    return _search(session, argv, 2, "search", destination=argv[1])


# ---------------------------------------------------------------- ordering


def _sort(points, descending, first):
    """
    Order C{points} by distance as Redis does: a whole sort is stable (glibc's
    merge sort); when only the C{first} of them are answered, Redis sorts
    them with its partial quicksort, whose order of equal distances we copy.
    """
    if first >= len(points) or len({point[0] for point in points}) == len(points):
        # Sorted whole, or no equal distances: every sort agrees.
        points.sort(key=lambda point: point[0], reverse=descending)
        return
    sign = -1 if descending else 1

    def compare(i, j):
        a, b = points[i][0], points[j][0]
        return sign * ((a > b) - (a < b))

    _partial_quicksort(points, compare, 0, len(points), 0, first - 1)


def _median(compare, a, b, c):
    if compare(a, b) < 0:
        return b if compare(b, c) < 0 else (c if compare(a, c) < 0 else a)
    return b if compare(b, c) > 0 else (a if compare(a, c) < 0 else c)


def _insertion_sort(items, compare, start, n):
    for m in range(start + 1, start + n):
        i = m
        while i > start and compare(i - 1, i) > 0:
            items[i], items[i - 1] = items[i - 1], items[i]
            i -= 1


def _swap_runs(items, a, b, n):
    for k in range(n):
        items[a + k], items[b + k] = items[b + k], items[a + k]


def _partial_quicksort(items, compare, start, n, low, high):
    """
    Redis's pqsort (Bentley and McIlroy's quicksort, leaving unsorted the
    parts outside the ranks C{low..high}), on C{items[start:start + n]}.
    """
    while True:
        if n < 7:
            _insertion_sort(items, compare, start, n)
            return
        middle = start + n // 2
        if n > 7:
            left, right = start, start + n - 1
            if n > 40:
                d = n // 8
                left = _median(compare, left, left + d, left + 2 * d)
                middle = _median(compare, middle - d, middle, middle + d)
                right = _median(compare, right - 2 * d, right - d, right)
            middle = _median(compare, left, middle, right)
        items[start], items[middle] = items[middle], items[start]
        pa = pb = start + 1
        pc = pd = start + n - 1
        while True:
            while pb <= pc:
                order = compare(pb, start)
                if order > 0:
                    break
                if order == 0:
                    items[pa], items[pb] = items[pb], items[pa]
                    pa += 1
                pb += 1
            while pb <= pc:
                order = compare(pc, start)
                if order < 0:
                    break
                if order == 0:
                    items[pc], items[pd] = items[pd], items[pc]
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            items[pb], items[pc] = items[pc], items[pb]
            pb += 1
            pc -= 1
        end = start + n
        r = min(pa - start, pb - pa)
        _swap_runs(items, start, pb - r, r)
        r = min(pd - pc, end - pd - 1)
        _swap_runs(items, pb, end - r, r)
        r = pb - pa
        if r > 1 and _overlaps(start, start + r - 1, low, high):
            _partial_quicksort(items, compare, start, r, low, high)
        r = pd - pc
        if r <= 1:
            return
        start, n = end - r, r
        if not _overlaps(start, start + r - 1, low, high):
            return


def _overlaps(first, last, low, high):
    """Whether ranks C{low..high} meet C{first..last}."""
    return not (low < first and high < first or low > last and high > last)
