"""
Geo commands: unit tests of the geohash arithmetic and of what persistence
is given, and differential tests against Redis, replies compared byte for
byte (the digits of distances and coordinates are part of the interface).
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from miniredis import geohash
from tests.differential import DifferMachine, check_raw, run_machine
from tests.persistence import Server, commands_of

SICILY = (
    ("13.361389", "38.115556", "Palermo"),
    ("15.087269", "37.502669", "Catania"),
    ("12.758489", "38.788135", "Trapani"),
    ("13.583333", "37.316667", "Agrigento"),
)
EDGES = (
    ("-180", "-85.05112878", "sw"),
    ("180", "85.05112878", "ne"),
    ("-180", "85.05112878", "nw"),
    ("180", "-85.05112878", "se"),
    ("0", "0", "origin"),
    ("179.9999", "0.0001", "east"),
    ("-179.9999", "-0.0001", "west"),
    ("0", "85", "north"),
    ("0", "-85", "south"),
)


def _add(differ, key, points):
    check_raw(differ, "GEOADD", key, *[x for point in points for x in point])


def _run(differ, *script):
    for args in script:
        check_raw(differ, *args)


# ---------------------------------------------------------------- unit


def test_encode_and_decode():
    score = geohash.encode(13.361389, 38.115556)
    assert score == 3479099956230698
    assert geohash.decode(score) == (13.361389338970184, 38.1155563954963)
    assert geohash.hash_string(score) == b"sqc8b49rny0"


def test_decode_converts_scores_as_c_does():
    """Scores that are no geohash decode as the C cast to uint64_t makes them."""
    lowest = geohash.decode(0.0)
    assert geohash.decode(0.5) == lowest
    assert geohash.decode(1.8446744073709552e19) == lowest
    assert geohash.decode(-1.0) == (180.0, geohash.LAT_MAX)
    assert geohash.decode(-1e19) == (180.0, lowest[1])


def test_distance():
    palermo = geohash.decode(geohash.encode(13.361389, 38.115556))
    catania = geohash.decode(geohash.encode(15.087269, 37.502669))
    assert round(geohash.distance(*palermo, *catania), 4) == 166274.1516
    along_meridian = geohash.EARTH_RADIUS * abs(3 * geohash._D_R - 2 * geohash._D_R)
    assert geohash.distance(1, 2, 1, 3) == along_meridian


def _measured_plainly(shape, lon, lat):
    """What a search shape's measure gives, from L{geohash.distance} alone."""
    if isinstance(shape, geohash.Circle):
        found = geohash.distance(shape.lon, shape.lat, lon, lat)
        return None if found > shape.radius * shape.conversion else found
    if geohash.distance(0, shape.lat, 0, lat) > shape.height * shape.conversion / 2:
        return None
    if geohash.distance(lon, lat, shape.lon, lat) > shape.width * shape.conversion / 2:
        return None
    return geohash.distance(shape.lon, shape.lat, lon, lat)


_LON = st.floats(-180, 180)
_LAT = st.floats(geohash.LAT_MIN, geohash.LAT_MAX)
_SIZE = st.one_of(st.floats(0, 2e7), st.sampled_from([0.0, 1.0, 1e-9]))


@settings(max_examples=400)
@given(_LON, _LAT, _SIZE, _SIZE, st.lists(st.tuples(_LON, _LAT), max_size=20))
def test_shapes_measure_as_the_plain_distance_does(lon, lat, width, height, points):
    """
    A shape's measure keeps and drops the points the plain rule does (a
    circle by its radius; a box by its height along the meridian, its width
    along the point's parallel), and its bands keep every point inside.
    The distances themselves are compared with Redis's by the differential
    searches below.
    """
    shapes = [
        geohash.Circle(lon, lat, width, 1.0),
        geohash.Box(lon, lat, width, height, 1.0),
    ]
    points += [(lon, lat), (lon, lat + 1e-12)] + _around(lon, lat, width)
    points += _around(lon, lat, height / 2) + _around(lon, lat, width / 2)
    points = [
        (x, y)
        for x, y in points
        if geohash.LAT_MIN <= y <= geohash.LAT_MAX and -180 <= x <= 180
    ]
    for shape in shapes:
        within = shape.measure()
        lat0, lat_band, lon0, lon_band = shape.bands()
        for x, y in points:
            position = geohash.point(x, y)
            expected = _measured_plainly(shape, x, y)
            assert within(position) == expected
            if expected is not None:  # the bands keep every point inside
                assert abs(position[3] - lat0) <= lat_band
                apart = abs(position[2] - lon0)
                assert min(apart, 2 * math.pi - apart) <= lon_band


def _around(lon, lat, metres):
    """
    @return: points C{metres} away from C{(lon, lat)} (a hair nearer or
        farther) at bearings all around.
    """
    points = []
    d = metres / geohash.EARTH_RADIUS
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    for degrees in range(0, 360, 15):
        bearing = math.radians(degrees)
        for scale in (1 - 1e-12, 1, 1 + 1e-12):
            a = d * scale
            to_lat = math.asin(
                math.sin(lat_r) * math.cos(a)
                + math.cos(lat_r) * math.sin(a) * math.cos(bearing)
            )
            to_lon = lon_r + math.atan2(
                math.sin(bearing) * math.sin(a) * math.cos(lat_r),
                math.cos(a) - math.sin(lat_r) * math.sin(to_lat),
            )
            to_lon = (to_lon + math.pi) % (2 * math.pi) - math.pi
            points.append((math.degrees(to_lon), math.degrees(to_lat)))
    return points


def test_geoadd_is_logged_as_zadd(server):
    logged = []
    server.factory.writes.listen(lambda db, argvs: logged.extend(argvs))
    assert server.call("GEOADD", "k", "CH", "13.361389", "38.115556", "Palermo") == 1
    assert server.call("GEOADD", "k", "NX", "13.361389", "38.115556", "Palermo") == 0
    assert logged == [[b"ZADD", b"k", b"CH", b"3479099956230698", b"Palermo"]]


def test_store_is_logged_as_run(server):
    logged = []
    server.factory.writes.listen(lambda db, argvs: logged.extend(argvs))
    server.call("GEOADD", "k", "13.361389", "38.115556", "Palermo")
    del logged[:]
    command = ["GEORADIUS", "k", "13", "38", "100", "km", "STOREDIST", "d"]
    assert server.call(*command) == 1
    assert server.call("GEORADIUS", "k", "13", "38", "100", "km") == [b"Palermo"]
    assert logged == [[x.encode() for x in command]]


def test_the_log_replays_to_the_same_data(tmp_path):
    first = Server(tmp_path, appendonly=True)
    first.call("GEOADD", "k", "XX", "1", "1", "none")
    for i in range(30):
        first.call("GEOADD", "k", "CH", "%d.5" % (i - 15), "%d.25" % (i * 2), "m%d" % i)
    first.call("SET", "str", "x")
    first.call("GEORADIUS", "k", "0", "10", "2000", "km", "COUNT", "5", "STORE", "a")
    first.call("GEORADIUSBYMEMBER", "k", "m3", "900", "mi", "STOREDIST", "str")
    first.call("GEOSEARCHSTORE", "b", "k", "FROMLONLAT", "0", "0", "BYBOX", "3000",
               "3000", "km", "STOREDIST")  # fmt: skip
    first.call("GEORADIUS", "k", "0", "10", "0", "km", "STORE", "b")
    first.call("GEOSEARCHSTORE", "c", "k", "FROMMEMBER", "m0", "BYRADIUS", "10000",
               "km", "DESC", "COUNT", "3")  # fmt: skip
    logged = commands_of(first.aof())
    assert [b"ZADD", b"k", b"XX", b"1", b"none"] not in logged
    assert logged[1][:2] == [b"ZADD", b"k"]
    data = first.store.db(0).data
    assert set(data) == {b"k", b"str", b"a", b"c"}
    first.stop()
    again = Server(tmp_path, appendonly=True)
    assert again.store.db(0).data == data


# ---------------------------------------------------------------- differential


def test_command_info(differ):
    for name in ("geoadd", "geodist", "geohash", "geopos", "georadius",
                 "georadiusbymember", "georadius_ro", "georadiusbymember_ro",
                 "geosearch", "geosearchstore"):  # fmt: skip
        differ.check("COMMAND", "INFO", name)


@pytest.mark.parametrize(
    "args",
    [
        ("GEORADIUS", "k", "1", "2", "3", "m", "STORE", "a", "STOREDIST", "b"),
        ("GEORADIUS", "k", "1", "2", "3", "m", "STORE", "a"),
        ("GEORADIUS", "k", "1", "2", "3", "m", "COUNT", "3"),
        ("GEORADIUSBYMEMBER", "k", "m", "3", "m", "STORE", "a", "STORE", "c"),
        ("GEORADIUSBYMEMBER", "k", "m", "3", "m", "STOREDIST", "b"),
        ("GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "a", "BYBOX", "1", "1", "m"),
        ("GEOADD", "k", "1", "2", "m"),
    ],
)
def test_getkeys(differ, args):
    differ.check("COMMAND", "GETKEYS", *args)


def test_add_and_read(differ):
    _add(differ, "k", SICILY)
    _add(differ, "e", EDGES)
    _run(
        differ,
        ("ZRANGE", "k", "0", "-1", "WITHSCORES"),
        ("ZRANGE", "e", "0", "-1", "WITHSCORES"),
        ("GEOPOS", "k", "Palermo", "nope", "Catania"),
        ("GEOPOS", "e", *[point[2] for point in EDGES]),
        ("GEOHASH", "k", "Palermo", "nope", "Catania", "Trapani"),
        ("GEOHASH", "e", *[point[2] for point in EDGES]),
        ("GEOPOS", "missing", "a", "b"),
        ("GEOHASH", "missing", "a"),
        ("GEOPOS", "k"),
        ("GEOHASH", "k"),
        ("GEODIST", "k", "Palermo", "Catania"),
        ("GEODIST", "e", "sw", "ne", "km"),
        ("GEODIST", "e", "east", "west", "MI"),
        ("GEODIST", "e", "north", "south", "ft"),
        ("GEODIST", "e", "sw", "sw"),
        ("GEODIST", "k", "Palermo", "nope"),
        ("GEODIST", "missing", "a", "b"),
    )


def test_add_options(differ):
    _run(
        differ,
        ("GEOADD", "k", "NX", "1", "2", "a"),
        ("GEOADD", "k", "NX", "3", "4", "a", "5", "6", "b"),
        ("GEOADD", "k", "XX", "7", "8", "a", "9", "10", "c"),
        ("GEOADD", "k", "XX", "CH", "11", "12", "a", "9", "10", "c"),
        ("GEOADD", "k", "CH", "11", "12", "a", "1", "1", "b"),
        ("GEOADD", "k", "CH", "NX", "CH", "0", "0", "z"),
        ("ZRANGE", "k", "0", "-1", "WITHSCORES"),
        ("GEOADD", "k", "NX", "XX", "1", "2", "a"),
        ("GEOADD", "k", "GT", "1", "2", "a"),
        ("GEOADD", "k", "CH", "CH", "CH"),
        ("GEOADD", "k", "1", "2", "a", "3"),
        ("GEOADD", "k", "1", "2"),
    )


def test_errors(differ):
    _add(differ, "k", SICILY)
    differ.check("SET", "str", "x")
    _run(
        differ,
        ("GEOADD", "k", "200", "100", "x"),
        ("GEOADD", "k", "1", "86", "x"),
        ("GEOADD", "k", "-180.0001", "0", "x"),
        ("GEOADD", "k", "inf", "0", "x"),
        ("GEOADD", "k", "nan", "0", "x"),
        ("GEOADD", "k", " 1", "0", "x"),
        ("GEOADD", "k", "1", "2", "ok", "1", "x", "bad"),
        ("ZCARD", "k"),
        ("GEOADD", "str", "1", "2", "a"),
        ("GEOADD", "str", "1", "200", "a"),
        ("GEOPOS", "str", "a"),
        ("GEOHASH", "str", "a"),
        ("GEODIST", "str", "a", "b"),
        ("GEODIST", "str", "a", "b", "parsec"),
        ("GEODIST", "k", "Palermo", "Catania", "parsec"),
        ("GEODIST", "k", "Palermo", "Catania", "km", "extra"),
        ("GEORADIUS", "str", "1", "2", "3", "km"),
        ("GEORADIUS", "k", "1", "2", "x", "km"),
        ("GEORADIUS", "k", "1", "2", "-1", "km"),
        ("GEORADIUS", "k", "1", "2", "1", "parsec"),
        ("GEORADIUS", "k", "1", "200", "1", "km"),
        ("GEORADIUS", "k", "15", "37", "200", "km", "COUNT", "0"),
        ("GEORADIUS", "k", "15", "37", "200", "km", "COUNT", "-3"),
        ("GEORADIUS", "k", "15", "37", "200", "km", "COUNT", "x"),
        ("GEORADIUS", "k", "15", "37", "200", "km", "COUNT"),
        ("GEORADIUS", "k", "15", "37", "200", "km", "ANY"),
        ("GEORADIUS", "k", "15", "37", "200", "km", "STORE"),
        ("GEORADIUS", "k", "15", "37", "200", "km", "STORE", "d", "WITHDIST"),
        ("GEORADIUS", "k", "15", "37", "200", "km", "BYBOX", "1", "1", "m"),
        ("GEORADIUS_RO", "k", "15", "37", "200", "km", "STORE", "d"),
        ("GEORADIUSBYMEMBER", "k", "nope", "200", "km"),
        ("GEORADIUSBYMEMBER", "k", "Palermo", "x", "km"),
        ("GEORADIUSBYMEMBER", "missing", "nope", "x", "km"),
        ("GEORADIUSBYMEMBER_RO", "k", "Palermo", "1", "km", "STOREDIST", "d"),
        ("GEOSEARCH", "k", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "k", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km", "x"),
        ("GEOSEARCH", "k", "BYRADIUS", "1", "km", "ASC"),
        ("GEOSEARCH", "k", "FROMLONLAT", "1", "2", "ASC"),
        ("geosearch", "k", "BYRADIUS", "1", "km", "ASC"),
        (
            "GEOSEARCH",
            "k",
            "FROMLONLAT",
            "1",
            "2",
            "FROMMEMBER",
            "Palermo",
            "BYRADIUS",
            "1",
            "km",
        ),  # fmt: skip
        (
            "GEOSEARCH",
            "k",
            "FROMLONLAT",
            "1",
            "2",
            "BYBOX",
            "1",
            "2",
            "m",
            "BYRADIUS",
            "1",
            "km",
        ),  # fmt: skip
        ("GEOSEARCH", "k", "FROMLONLAT", "1", "2", "BYBOX", "-1", "2", "m"),
        ("GEOSEARCH", "k", "FROMLONLAT", "1", "2", "BYBOX", "1", "x", "m"),
        ("GEOSEARCH", "k", "FROMLONLAT", "1", "2", "BYBOX", "x", "1", "m"),
        ("GEOSEARCH", "k", "FROMLONLAT", "1", "2", "BYBOX", "1", "1", "yd"),
        (
            "GEOSEARCH",
            "k",
            "FROMLONLAT",
            "1",
            "2",
            "BYRADIUS",
            "1",
            "km",
            "STORE",
            "d",
        ),  # fmt: skip
        (
            "GEOSEARCH",
            "k",
            "FROMLONLAT",
            "1",
            "2",
            "BYRADIUS",
            "1",
            "km",
            "STOREDIST",
        ),  # fmt: skip
        (
            "GEOSEARCHSTORE",
            "d",
            "k",
            "FROMLONLAT",
            "1",
            "2",
            "BYRADIUS",
            "1",
            "km",
            "WITHCOORD",
        ),  # fmt: skip
        (
            "GEOSEARCHSTORE",
            "d",
            "k",
            "FROMLONLAT",
            "1",
            "2",
            "BYRADIUS",
            "1",
            "km",
            "STORE",
            "e",
        ),  # fmt: skip
        ("GEOSEARCH", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "missing", "FROMMEMBER", "x", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "missing", "FROMMEMBER", "x", "BYRADIUS", "x", "km"),
        ("GEOSEARCH", "missing", "FROMMEMBER", "x"),
        ("GEOSEARCH", "missing", "FROMMEMBER", "x", "BYRADIUS", "1", "km", "ANY"),
        ("EXISTS", "d", "e"),
    )


SEARCH_OPTIONS = [
    (),
    ("ASC",),
    ("DESC",),
    ("WITHDIST",),
    ("WITHCOORD", "WITHHASH", "WITHDIST"),
    ("WITHHASH",),
    ("COUNT", "2"),
    ("COUNT", "2", "DESC", "WITHDIST"),
    ("COUNT", "1", "ANY"),
    ("COUNT", "3", "ANY", "ASC", "WITHCOORD"),
    ("COUNT", "100"),
]


@pytest.mark.parametrize("options", SEARCH_OPTIONS)
def test_radius_searches(differ, options):
    _add(differ, "k", SICILY)
    _run(
        differ,
        ("GEORADIUS", "k", "15", "37", "200", "km", *options),
        ("GEORADIUS", "k", "15", "37", "100", "mi", *options),
        ("GEORADIUS_RO", "k", "15", "37", "200000", "m", *options),
        ("GEORADIUS", "k", "15", "37", "1", "m", *options),
        ("GEORADIUS", "k", "15", "37", "0", "km", *options),
        ("GEORADIUSBYMEMBER", "k", "Palermo", "100", "km", *options),
        ("GEORADIUSBYMEMBER_RO", "k", "Palermo", "100000", "ft", *options),
        ("GEORADIUSBYMEMBER", "k", "Palermo", "0", "km", *options),
        ("GEOSEARCH", "k", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", *options),
        (
            "GEOSEARCH",
            "k",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "KM",
            *options,
        ),  # fmt: skip
        (
            "GEOSEARCH",
            "k",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "400",
            "400",
            "km",
            *options,
        ),  # fmt: skip
        (
            "GEOSEARCH",
            "k",
            "FROMLONLAT",
            "14",
            "38",
            "BYBOX",
            "100",
            "300",
            "km",
            *options,
        ),  # fmt: skip
        (
            "GEOSEARCH",
            "k",
            "FROMMEMBER",
            "Trapani",
            "BYBOX",
            "500",
            "10",
            "mi",
            *options,
        ),  # fmt: skip
        ("GEORADIUS", "missing", "15", "37", "200", "km", *options),
        (
            "GEOSEARCH",
            "missing",
            "FROMLONLAT",
            "15",
            "37",
            "BYBOX",
            "4",
            "4",
            "km",
            *options,
        ),  # fmt: skip
    )


@pytest.mark.parametrize("options", [(), ("WITHDIST", "ASC"), ("COUNT", "3")])
def test_edges_of_the_map(differ, options):
    """Poles, the antimeridian and radii that cover the earth."""
    _add(differ, "e", EDGES)
    for lon, lat in [("180", "85.05112878"), ("-180", "-85.05112878"),
                     ("179.99", "0"), ("-179.99", "0"), ("0", "84"), ("0", "-84"),
                     ("0", "0")]:  # fmt: skip
        for radius in ("1", "500", "5000", "20000", "40000", "1e10"):
            check_raw(differ, "GEORADIUS", "e", lon, lat, radius, "km", *options)
        for size in ("1", "4000", "20000", "80000", "inf"):
            check_raw(differ, "GEOSEARCH", "e", "FROMLONLAT", lon, lat,
                      "BYBOX", size, size, "km", *options)  # fmt: skip
    check_raw(differ, "GEORADIUS", "e", "0", "0", "inf", "m", *options)


def test_scores_of_plain_sorted_sets(differ):
    """Members whose scores are no geohash decode as Redis decodes them."""
    differ.check("ZADD", "z", "-1", "neg", "1e300", "huge", "0.5", "half",
                 "4503599627370496", "top", "1e19", "big", "-1e19", "low",
                 "1.8446744073709552e19", "wrap", "-inf", "ninf", "inf", "pinf")  # fmt: skip
    names = ["neg", "huge", "half", "top", "big", "low", "wrap", "ninf", "pinf"]
    _run(
        differ,
        ("GEOPOS", "z", *names),
        ("GEOHASH", "z", *names),
        ("GEODIST", "z", "neg", "half"),
        ("GEORADIUS", "z", "0", "0", "30000", "km", "WITHHASH", "WITHCOORD"),
        ("GEORADIUSBYMEMBER", "z", "half", "1", "km", "WITHDIST"),
    )


def test_store(differ):
    _add(differ, "k", SICILY)
    differ.check("SET", "str", "x")
    differ.check("EXPIRE", "str", "100")
    _run(
        differ,
        ("GEORADIUS", "k", "15", "37", "200", "km", "STORE", "new"),
        ("ZRANGE", "new", "0", "-1", "WITHSCORES"),
        ("GEORADIUS", "k", "15", "37", "200", "km", "STOREDIST", "str"),
        ("TYPE", "str"),
        ("TTL", "str"),
        ("ZRANGE", "str", "0", "-1", "WITHSCORES"),
        ("OBJECT", "ENCODING", "str"),
        (
            "GEORADIUS",
            "k",
            "15",
            "37",
            "200",
            "km",
            "COUNT",
            "1",
            "DESC",
            "STORE",
            "a",
            "STOREDIST",
            "b",
        ),  # fmt: skip
        ("ZRANGE", "b", "0", "-1", "WITHSCORES"),
        ("EXISTS", "a"),
        ("GEORADIUSBYMEMBER", "k", "Palermo", "100", "km", "STOREDIST", "c"),
        ("ZRANGE", "c", "0", "-1", "WITHSCORES"),
        ("GEORADIUS", "k", "0", "0", "1", "km", "STORE", "c"),
        ("EXISTS", "c"),
        ("GEORADIUS", "missing", "0", "0", "1", "km", "STORE", "new"),
        ("EXISTS", "new"),
        ("GEORADIUSBYMEMBER", "missing", "x", "1", "km", "STORE", "str"),
        ("EXISTS", "str"),
        (
            "GEOSEARCHSTORE",
            "s",
            "k",
            "FROMMEMBER",
            "Catania",
            "BYBOX",
            "300",
            "300",
            "km",
            "STOREDIST",
        ),  # fmt: skip
        ("ZRANGE", "s", "0", "-1", "WITHSCORES"),
        (
            "GEOSEARCHSTORE",
            "s2",
            "k",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "COUNT",
            "2",
            "DESC",
        ),  # fmt: skip
        ("ZRANGE", "s2", "0", "-1", "WITHSCORES"),
        ("GEOSEARCHSTORE", "s2", "missing", "FROMMEMBER", "x", "BYRADIUS", "1", "m"),
        ("EXISTS", "s2"),
        (
            "GEOSEARCHSTORE",
            "k",
            "k",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "100",
            "km",
        ),  # fmt: skip
        ("ZRANGE", "k", "0", "-1", "WITHSCORES"),
    )


def test_store_encoding(differ):
    members = [("%d" % (i % 90), "%d" % (i % 80), "m%d" % i) for i in range(200)]
    _add(differ, "k", members)
    _run(
        differ,
        (
            "GEOSEARCHSTORE",
            "d",
            "k",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
            "5000",
            "km",
        ),  # fmt: skip
        ("OBJECT", "ENCODING", "d"),
        (
            "GEOSEARCHSTORE",
            "d",
            "k",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
            "5000",
            "km",
            "COUNT",
            "5",
        ),  # fmt: skip
        ("OBJECT", "ENCODING", "d"),
        ("ZRANGE", "d", "0", "-1", "WITHSCORES"),
    )


@pytest.mark.parametrize("size", [5, 12, 60, 150])
def test_ties(differ, size):
    """Points at the same places: their order, sorted or partly sorted."""
    points = [("10.%d" % (i % 4), "20", "p%d" % i) for i in range(size)]
    _add(differ, "k", points + [("10.5", "20", "far"), ("10", "20.001", "near")])
    for count in ("1", "3", "5", "13", "41", "100", "1000"):
        for options in [("COUNT", count), ("COUNT", count, "DESC"),
                        ("COUNT", count, "ANY"), ("COUNT", count, "ANY", "DESC"),
                        ("ASC",), ("DESC",)]:  # fmt: skip
            check_raw(differ, "GEORADIUS", "k", "10", "20", "100", "km", *options)


# ---------------------------------------------------------------- state machine

keys = st.sampled_from(["g1", "g2", "str"])
members = st.sampled_from(["a", "b", "c", "d", "e", "f"])
longitudes = st.floats(-180, 180).map(lambda x: "%.6f" % x)
latitudes = st.floats(geohash.LAT_MIN, geohash.LAT_MAX).map(lambda x: "%.6f" % x)
units = st.sampled_from(["m", "km", "ft", "mi", "KM"])
sizes = st.sampled_from(["0", "1", "50", "500", "2000", "8000", "25000"])
options = st.lists(
    st.sampled_from(["WITHDIST", "WITHCOORD", "WITHHASH", "ASC", "DESC", "ANY"]),
    max_size=3,
)
counts = st.none() | st.integers(1, 4).map(str)


def _count(count):
    return [] if count is None else ["COUNT", count]


class GeoMachine(DifferMachine):
    """Random geo commands, each reply compared byte for byte."""

    setup = (("SET", "str", "x"),)

    def check(self, *args):
        check_raw(self.differ, *args)

    @rule(key=keys, flags=st.lists(st.sampled_from(["NX", "XX", "CH"]), max_size=2),
          points=st.lists(st.tuples(longitudes, latitudes, members), min_size=1,
                          max_size=3))  # fmt: skip
    def geoadd(self, key, flags, points):
        self.check("GEOADD", key, *flags, *[x for point in points for x in point])

    @rule(key=keys, chosen=st.lists(members, min_size=1, max_size=3))
    def geopos(self, key, chosen):
        self.check("GEOPOS", key, *chosen)
        self.check("GEOHASH", key, *chosen)

    @rule(key=keys, first=members, second=members, unit=units)
    def geodist(self, key, first, second, unit):
        self.check("GEODIST", key, first, second, unit)

    @rule(key=keys, lon=longitudes, lat=latitudes, radius=sizes, unit=units,
          chosen=options, count=counts)  # fmt: skip
    def georadius(self, key, lon, lat, radius, unit, chosen, count):
        self.check("GEORADIUS", key, lon, lat, radius, unit, *chosen, *_count(count))

    @rule(key=keys, member=members, radius=sizes, unit=units, chosen=options,
          count=counts)  # fmt: skip
    def georadiusbymember(self, key, member, radius, unit, chosen, count):
        self.check("GEORADIUSBYMEMBER", key, member, radius, unit, *chosen,
                   *_count(count))  # fmt: skip

    @rule(key=keys, lon=longitudes, lat=latitudes, member=members | st.none(),
          width=sizes, height=sizes, radius=sizes | st.none(), unit=units,
          chosen=options, count=counts)  # fmt: skip
    def geosearch(self, key, lon, lat, member, width, height, radius, unit, chosen,
                  count):  # fmt: skip
        origin = ["FROMLONLAT", lon, lat] if member is None else ["FROMMEMBER", member]
        area = ["BYBOX", width, height] if radius is None else ["BYRADIUS", radius]
        self.check("GEOSEARCH", key, *origin, *area, unit, *chosen, *_count(count))

    @rule(key=keys, destination=keys, lon=longitudes, lat=latitudes,
          radius=sizes, distances=st.booleans(), count=counts)  # fmt: skip
    def store(self, key, destination, lon, lat, radius, distances, count):
        store = "STOREDIST" if distances else "STORE"
        self.check("GEORADIUS", key, lon, lat, radius, "km", store, destination,
                   *_count(count))  # fmt: skip
        self.check("ZRANGE", destination, "0", "-1", "WITHSCORES")


def test_geo_state_machine(differ):
    run_machine(GeoMachine, differ)


def test_coordinates_in_scripts(differ):
    """A script sees GEOPOS's coordinates as doubles under RESP3, as strings under 2."""
    _add(differ, "points", [("13.361389", "38.115556", "Palermo")])
    for resp in ("2", "3"):
        script = "redis.setresp(%s) return redis.call('GEOPOS', KEYS[1], 'Palermo')"
        check_raw(differ, "EVAL", script % resp, "1", "points")
        script = (
            "redis.setresp(%s) local p = redis.call('GEOPOS', KEYS[1], 'Palermo') "
            "return type(p[1][1])"
        )
        check_raw(differ, "EVAL", script % resp, "1", "points")
