"""
Geohashes as Redis keeps them in sorted sets: a point is a 52-bit score,
26 bits of latitude and 26 of longitude interleaved (latitude on the even
bits), over the latitudes Web Mercator covers. An area search walks the
cell that holds the centre and its eight neighbours, at a precision chosen
from the radius, and keeps the points within the shape. The arithmetic
follows Redis's geohash.c and geohash_helper.c step by step, so that
scores, decoded coordinates and distances agree to the last bit.

Usage::

    score = encode(13.361389, 38.115556)     # 3479099956230698
    lon, lat = decode(score)                 # the centre of its cell
    distance(lon, lat, 15.087269, 37.502669) # metres
"""

import math

STEP_MAX = 26
LONG_MIN, LONG_MAX = -180.0, 180.0
LAT_MIN, LAT_MAX = -85.05112878, 85.05112878
EARTH_RADIUS = 6372797.560856
MERCATOR_MAX = 20037726.37
_D_R = math.pi / 180.0
_MASK64 = (1 << 64) - 1
_EVEN = 0x5555555555555555
_ODD = 0xAAAAAAAAAAAAAAAA
_BASE32 = b"0123456789bcdefghjkmnpqrstuvwxyz"
_CELLS = float(1 << STEP_MAX)
_LAT_SCALE = LAT_MAX - LAT_MIN
_LON_SCALE = LONG_MAX - LONG_MIN
_PAIR_MASKS = [
    mask | (mask << 64)
    for mask in (
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
        0x00000000FFFFFFFF,
    )
]


def _spread(value):
    """The 32 bits of C{value} on the even bits of a 64-bit word."""
    value = (value | (value << 16)) & 0x0000FFFF0000FFFF
    value = (value | (value << 8)) & 0x00FF00FF00FF00FF
    value = (value | (value << 4)) & 0x0F0F0F0F0F0F0F0F
    value = (value | (value << 2)) & 0x3333333333333333
    return (value | (value << 1)) & _EVEN


def _squash_pair(bits):
    """
    Split a 64-bit word: @return: C{(even bits, odd bits)}, each packed
    into 32 bits. Both are squashed at once, the odd ones moved up to the
    even places of a second 64-bit half.
    """
    value = (bits & _EVEN) | ((bits & _ODD) << 63)
    value = (value | (value >> 1)) & _PAIR_MASKS[0]
    value = (value | (value >> 2)) & _PAIR_MASKS[1]
    value = (value | (value >> 4)) & _PAIR_MASKS[2]
    value = (value | (value >> 8)) & _PAIR_MASKS[3]
    value = (value | (value >> 16)) & _PAIR_MASKS[4]
    return value & 0xFFFFFFFF, value >> 64


def encode_bits(lon, lat, step, lat_range=(LAT_MIN, LAT_MAX)):
    """
    The cell of C{step} bits per axis holding a point.

    @return: the interleaved bits, or None outside the ranges.
    """
    if not (LONG_MIN <= lon <= LONG_MAX and LAT_MIN <= lat <= LAT_MAX):
        return None
    lat_min, lat_max = lat_range
    if not lat_min <= lat <= lat_max:
        return None
    lat_offset = (lat - lat_min) / (lat_max - lat_min) * (1 << step)
    lon_offset = (lon - LONG_MIN) / (LONG_MAX - LONG_MIN) * (1 << step)
    return _spread(int(lat_offset)) | (_spread(int(lon_offset)) << 1)


def encode(lon, lat):
    """@return: the sorted set score of a point (a 52-bit integer)."""
    return encode_bits(lon, lat, STEP_MAX)


def _cell(bits, step):
    """@return: the cell's C{(lon_min, lon_max, lat_min, lat_max)}."""
    ilat, ilon = _squash_pair(bits)
    cells = float(1 << step)
    lat_scale = LAT_MAX - LAT_MIN
    lon_scale = LONG_MAX - LONG_MIN
    return (
        LONG_MIN + (ilon * 1.0 / cells) * lon_scale,
        LONG_MIN + ((ilon + 1) * 1.0 / cells) * lon_scale,
        LAT_MIN + (ilat * 1.0 / cells) * lat_scale,
        LAT_MIN + ((ilat + 1) * 1.0 / cells) * lat_scale,
    )


def _score_bits(score):
    """A score as C's conversion of a double to C{uint64_t} on x86-64 gives it."""
    if score < 9223372036854775808.0:
        if score != score or score <= -9223372036854775809.0:
            return 1 << 63
        return int(score) & _MASK64
    rest = score - 9223372036854775808.0
    if rest != rest or rest >= 9223372036854775808.0:
        return 0
    return int(rest) ^ (1 << 63)


def decode(score):
    """@return: C{(lon, lat)}, the centre of the cell a score names."""
    if 0.0 <= score < 4503599627370496.0:  # a geohash: the cast is plain
        ilat, ilon = _squash_pair(int(score))
    else:
        ilat, ilon = _squash_pair(_score_bits(score))
    lon_min = LONG_MIN + (ilon * 1.0 / _CELLS) * _LON_SCALE
    lon_max = LONG_MIN + ((ilon + 1) * 1.0 / _CELLS) * _LON_SCALE
    lat_min = LAT_MIN + (ilat * 1.0 / _CELLS) * _LAT_SCALE
    lat_max = LAT_MIN + ((ilat + 1) * 1.0 / _CELLS) * _LAT_SCALE
    lon = (lon_min + lon_max) / 2
    lat = (lat_min + lat_max) / 2
    if not LONG_MIN <= lon <= LONG_MAX:
        lon = LONG_MIN if lon < LONG_MIN else LONG_MAX
    if not LAT_MIN <= lat <= LAT_MAX:
        lat = LAT_MIN if lat < LAT_MIN else LAT_MAX
    return lon, lat


def hash_string(score):
    """@return: the 11-character geohash of a score, over latitudes -90..90."""
    lon, lat = decode(score)
    bits = encode_bits(lon, lat, STEP_MAX, (-90.0, 90.0))
    text = bytearray(b"0" * 11)
    for i in range(10):
        text[i] = _BASE32[(bits >> (52 - (i + 1) * 5)) & 0x1F]
    return bytes(text)


# ---------------------------------------------------------------- distances


def _cos(x):
    """C's C{cos}: NaN for an infinite angle, where Python's raises."""
    return math.cos(x) if math.isfinite(x) else math.nan


def point(lon, lat):
    """
    @return: a point as the area searches measure it: C{(lon, lat, lon in
        radians, lat in radians, cosine of lat)}.
    """
    lat_r = lat * _D_R
    return lon, lat, lon * _D_R, lat_r, math.cos(lat_r)


def _arc(lon1, lat1, cos1, lon2, lat2, cos2, sin=math.sin, sqrt=math.sqrt):
    """
    The great-circle distance in metres (haversine) between points given
    by their longitudes and latitudes in radians and the cosines of the
    latitudes.
    """
    v = sin((lon2 - lon1) / 2)
    if v == 0.0:
        return EARTH_RADIUS * abs(lat2 - lat1)
    u = sin((lat2 - lat1) / 2)
    root = sqrt(u * u + cos1 * cos2 * v * v)
    # C's asin gives NaN past 1 (rounding can get there), Python's raises.
    return 2.0 * EARTH_RADIUS * (math.asin(root) if root <= 1.0 else math.nan)


def distance(lon1, lat1, lon2, lat2):
    """The great-circle distance in metres (haversine)."""
    lat1r, lat2r = lat1 * _D_R, lat2 * _D_R
    return _arc(lon1 * _D_R, lat1r, _cos(lat1r), lon2 * _D_R, lat2r, _cos(lat2r))


class Circle:
    """
    A search area: points within C{radius} of the centre.

    @ivar lon, lat: the centre.
    @ivar radius: in the unit asked; C{conversion} metres to the unit.
    """

    def __init__(self, lon, lat, radius, conversion):
        self.lon, self.lat = lon, lat
        self.radius, self.conversion = radius, conversion

    def half_sizes(self):
        """@return: half the height and half the width, in metres."""
        metres = self.radius * self.conversion
        return metres, metres

    def reach(self):
        """@return: the farthest a point of the area can be, in metres."""
        return self.radius * self.conversion

    def bands(self):
        """
        @return: C{(lat, lat_band, lon, lon_band)} in radians: a point
            farther than C{lat_band} from the centre's latitude, or than
            C{lon_band} from its longitude, is outside. The distance along
            a meridian never exceeds the great-circle distance; a cap of
            angular radius d reaches longitudes up to asin(sin d / cos lat)
            away, unless it holds a pole.
        """
        lat0 = self.lat * _D_R
        reach = _loose(self.reach() / EARTH_RADIUS)
        room = math.cos(lat0)
        if reach < math.pi / 2 and math.sin(reach) < room * (1 - 1e-9):
            lon_band = _loose(math.asin(math.sin(reach) / room))
        else:
            lon_band = math.inf
        return lat0, reach, self.lon * _D_R, lon_band

    def measure(self):
        """
        @return: a function of a L{point} giving its distance in metres when
            it is inside, else None.
        """
        lon0, lat0 = self.lon * _D_R, self.lat * _D_R
        cos0 = math.cos(lat0)
        reach = self.reach()

        def within(point):
            found = _arc(lon0, lat0, cos0, point[2], point[3], point[4])
            return None if found > reach else found

        return within


def _loose(angle):
    """@return: C{angle} a little wider, a margin for rounding."""
    return angle * (1 + 1e-9) + 1e-12


class Box:
    """
    A search area: an axis-aligned rectangle around the centre.

    @ivar width, height: in the unit asked; C{conversion} metres to the unit.
    """

    def __init__(self, lon, lat, width, height, conversion):
        self.lon, self.lat = lon, lat
        self.width, self.height = width, height
        self.conversion = conversion

    def half_sizes(self):
        return self.conversion * (self.height / 2), self.conversion * (self.width / 2)

    def reach(self):
        half_width, half_height = self.width / 2, self.height / 2
        return (
            math.sqrt(half_width * half_width + half_height * half_height)
            * self.conversion
        )

    def bands(self):
        """
        @return: C{(lat, lat_band, lon, lon_band)} in radians, as
            L{Circle.bands}: half the height along a meridian, and half the
            width along the parallel nearest a pole.
        """
        lat0 = self.lat * _D_R
        half_height, half_width = self.half_sizes()
        lat_band = _loose(half_height / EARTH_RADIUS)
        # a point d metres from the centre's meridian, along its own
        # parallel at latitude p, is 2 asin(cos p sin(dlon / 2)) radians off
        half_arc = half_width / 2 / EARTH_RADIUS
        room = math.cos(min(abs(lat0) + lat_band, math.pi / 2))
        if half_arc < math.pi / 2 and math.sin(half_arc) < room * (1 - 1e-9):
            lon_band = _loose(2 * math.asin(math.sin(half_arc) / room))
        else:
            lon_band = math.inf
        return lat0, lat_band, self.lon * _D_R, lon_band

    def measure(self):
        """
        @return: a function of a L{point} giving its distance in metres when
            it is inside, else None: within half the height of the centre
            along a meridian, and within half the width of it along the
            point's own parallel, as Redis measures a box.
        """
        lon0, lat0 = self.lon * _D_R, self.lat * _D_R
        cos0 = math.cos(lat0)
        half_height = self.height * self.conversion / 2
        half_width = self.width * self.conversion / 2

        def within(point):
            lon, lat, cos_lat = point[2], point[3], point[4]
            if EARTH_RADIUS * abs(lat0 - lat) > half_height:
                return None
            if _arc(lon, lat, cos_lat, lon0, lat, cos_lat) > half_width:
                return None
            return _arc(lon0, lat0, cos0, lon, lat, cos_lat)

        return within


# ---------------------------------------------------------------- areas


def _steps_for(reach, lat):
    """The cell precision for a search reaching C{reach} metres."""
    if reach == 0:
        return STEP_MAX
    step = 1
    while reach < MERCATOR_MAX:
        reach *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return min(max(step, 1), STEP_MAX)


def _bounds(shape):
    """@return: the C{(lon_min, lat_min, lon_max, lat_max)} around a shape."""
    half_height, half_width = shape.half_sizes()
    lon, lat = shape.lon, shape.lat
    lat_delta = (half_height / EARTH_RADIUS) / _D_R
    top = (half_width / EARTH_RADIUS / _cos((lat + lat_delta) * _D_R)) / _D_R
    bottom = (half_width / EARTH_RADIUS / _cos((lat - lat_delta) * _D_R)) / _D_R
    lon_delta = bottom if lat < 0 else top
    return lon - lon_delta, lat - lat_delta, lon + lon_delta, lat + lat_delta


def _move(bits, step, evens, forward):
    """Step a cell one cell along one axis (longitude: odd bits)."""
    keep = bits & (_ODD if evens else _EVEN)
    axis = bits & (_EVEN if evens else _ODD)
    filler = (_ODD if evens else _EVEN) >> (64 - step * 2)
    if forward:
        axis = axis + (filler + 1)
    else:
        axis = (axis | filler) - (filler + 1)
    axis &= (_EVEN if evens else _ODD) >> (64 - step * 2)
    return axis | keep


def _neighbours(bits, step):
    """
    @return: the bits of the cells north, south, east, west, north-east,
        north-west, south-east and south-west, in that order.
    """
    north = _move(bits, step, True, True)
    south = _move(bits, step, True, False)
    east = _move(bits, step, False, True)
    west = _move(bits, step, False, False)
    return [
        north,
        south,
        east,
        west,
        _move(east, step, True, True),
        _move(west, step, True, True),
        _move(east, step, True, False),
        _move(west, step, True, False),
    ]


def search_ranges(shape):
    """
    The score ranges to scan for a shape: its cell and the neighbours that
    can hold points of it, as Redis picks them.

    @return: a list of C{(min, max)} scores, C{min} included, C{max} not.
    """
    lon_min, lat_min, lon_max, lat_max = _bounds(shape)
    steps = _steps_for(shape.reach(), shape.lat)
    bits = encode_bits(shape.lon, shape.lat, steps)
    neighbours = _neighbours(bits, steps)
    north, south, east, west = [_cell(n, steps) for n in neighbours[:4]]
    if steps > 1 and (
        north[3] < lat_max
        or south[2] > lat_min
        or east[1] < lon_max
        or west[0] > lon_min
    ):
        steps -= 1
        bits = encode_bits(shape.lon, shape.lat, steps)
        neighbours = _neighbours(bits, steps)
    cells = [bits] + neighbours
    if steps >= 2:
        area = _cell(bits, steps)
        useless = set()
        if area[2] < lat_min:
            useless.update((2, 7, 8))  # south, south-east, south-west
        if area[3] > lat_max:
            useless.update((1, 5, 6))
        if area[0] < lon_min:
            useless.update((4, 8, 6))
        if area[1] > lon_max:
            useless.update((3, 7, 5))
        cells = [None if i in useless else cell for i, cell in enumerate(cells)]
    ranges = []
    last = None
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        if last is not None and cell == cells[last]:
            continue
        shift = 52 - steps * 2
        ranges.append((float(cell << shift), float((cell + 1) << shift)))
        if i:
            last = i
    return ranges
