"""Vectorised rendering of scenes clips, exactly as the specification draws them.

A clip is drawn on a supersampled canvas (3, T, 2H, 2H) of float32 RGB planes (planar, so that
whole-frame layers run on contiguous arrays): sample (row r, column k)
sits at view (u, v) = ((k + 0.5)/(2H), (r + 0.5)/(2H)). Every camera maps view to world
separately per axis, X = ax(t) + bx(t)·u and Y = ay(t) + by(t)·v, so world X is an array
(T, 2H) over columns and Y one over rows; layers that fill the frame broadcast the two, and
small objects (stars, clouds, the sun, flowers, subjects, drops, flakes) are drawn in a window
around each object only.

Objects of one layer are blended one after another in drawing order (c <- c(1 - a) + colour·a
each), which for objects of one colour is a single blend with a = 1 - prod(1 - a_i) over the
objects covering a sample; a cloud is the union of its three ellipses, a bird of its two wings.

Attributes travel as int arrays (7,) in `spec.ATTRIBUTE_COLUMNS` order; the random quantities
of a clip (star positions, building widths, ...) come from `sample_scenes`, so that rendering
is a pure function of (attributes, scene, height).
"""

import numpy as np

from tfds_builders.scenes import spec

T = spec.NUM_FRAMES
TIME, PLACE, WEATHER, SUBJECT, HEADING, CAMERA, STYLE = range(7)
_TAU = 2.0 * np.pi
MAX_BUILDINGS = 21  # widths >= 0.07 from X = -0.2 pass 1.2 within 21 buildings
WINDOW_ROWS, WINDOW_COLUMNS = 13, 4  # window grid of the tallest, widest building


def _rgb(colour):
    return np.asarray(colour, np.float32)


_HORIZON = np.array([spec.HORIZON[p] for p in spec.PLACES])


# ---------------------------------------------------------------- sampling


def _uniform(rng, low, high, size):
    """U[low, high) of shape `size`; low and high broadcast against it."""
    low, high = np.asarray(low, np.float64), np.asarray(high, np.float64)
    return low + (high - low) * rng.random(size)


def sample_scenes(rng, attrs):
    """The random quantities of N clips, drawn as the specification says.

    Args:
        rng: np.random.Generator. Source of randomness; the same stream gives the same scenes.
        attrs: int array (N, 7). Attribute indices, columns `spec.ATTRIBUTE_COLUMNS`.

    Returns:
        dict name -> array with N rows (world units): "stars" (N, 40, 3) X, Y, phase;
        "clouds" (N, 7, 2) Xc0, Yc; "sun_x" (N,); "phase" (N,) of the desert and meadow edges;
        "flowers" (N, 30, 2) and "flower_colour" (N, 30); "peaks" (N, 4, 2) Xp, hp;
        "buildings" (N, 21, 2) width, top and "building_colour" (N, 21); "lit" (N, 21, 13, 4);
        "subject" (N, 2) X0, Y0; "drops" (N, 90, 2); "flakes" (N, 70, 3); "grain_seed" (N,);
        "flicker" (N, T).
    """
    attrs = np.asarray(attrs, np.int64)
    n = len(attrs)
    yh = _HORIZON[attrs[:, PLACE]][:, None]  # (N, 1)
    scene = {}
    scene["stars"] = np.stack([
        _uniform(rng, -0.2, 1.2, (n, spec.NUM_STARS)),
        _uniform(rng, 0.0, 0.8 * yh, (n, spec.NUM_STARS)),
        rng.random((n, spec.NUM_STARS)),
    ], axis=-1)
    clouds = max(spec.NUM_CLOUDS.values())
    scene["clouds"] = np.stack([
        _uniform(rng, -0.2, 1.2, (n, clouds)),
        _uniform(rng, 0.05, np.maximum(0.1, yh - 0.2), (n, clouds)),
    ], axis=-1)
    scene["sun_x"] = _uniform(rng, 0.2, 0.8, n)
    scene["phase"] = rng.random(n)
    scene["flowers"] = np.stack([
        _uniform(rng, -0.2, 1.2, (n, spec.NUM_FLOWERS)), _uniform(rng, 0.63, 1.0, (n, spec.NUM_FLOWERS)),
    ], axis=-1)
    scene["flower_colour"] = rng.integers(len(spec.FLOWER_COLOURS), size=(n, spec.NUM_FLOWERS))
    scene["peaks"] = np.stack([
        _uniform(rng, -0.1, 1.1, (n, spec.NUM_PEAKS)), _uniform(rng, 0.22, 0.38, (n, spec.NUM_PEAKS)),
    ], axis=-1)
    scene["buildings"] = np.stack([
        _uniform(rng, 0.07, 0.13, (n, MAX_BUILDINGS)), _uniform(rng, 0.25, 0.62, (n, MAX_BUILDINGS)),
    ], axis=-1)
    scene["building_colour"] = rng.integers(len(spec.BUILDING_COLOURS), size=(n, MAX_BUILDINGS))
    scene["lit"] = rng.random((n, MAX_BUILDINGS, WINDOW_ROWS, WINDOW_COLUMNS)) < 0.5

    # Subject start: bird, plane and balloon each by their own rule (none: unused).
    a, b = rng.random(n), rng.random(n)
    subject, right = attrs[:, SUBJECT], attrs[:, HEADING] == spec.HEADINGS.index("right")
    yh = yh[:, 0]
    x0 = np.select(
        [subject == 1, subject == 2, subject == 3],
        [np.where(right, 0.2, 0.6) + 0.2 * a, np.where(right, 0.15, 0.65) + 0.2 * a, 0.25 + 0.5 * a],
        0.5,
    )
    balloon_low, balloon_high = np.maximum(0.33, yh - 0.25), np.maximum(0.35, yh - 0.12)
    bird_high = np.minimum(0.4, yh - 0.15)
    y0 = np.select(
        [subject == 1, subject == 2, subject == 3],
        [0.12 + (bird_high - 0.12) * b, 0.1 + 0.2 * b, balloon_low + (balloon_high - balloon_low) * b],
        0.5,
    )
    scene["subject"] = np.stack([x0, y0], axis=-1)
    scene["drops"] = rng.random((n, spec.NUM_DROPS, 2))
    scene["flakes"] = rng.random((n, spec.NUM_FLAKES, 3))
    scene["grain_seed"] = rng.integers(2**63, size=n)
    scene["flicker"] = _uniform(rng, -1.0, 1.0, (n, T))
    return scene


def scene_row(scene, i):
    """Clip i of a batch of scenes from `sample_scenes`."""
    return {k: v[i] for k, v in scene.items()}


# ---------------------------------------------------------------- camera and canvas


class _Canvas:
    """The supersampled clip being drawn, with the camera's world coordinates.

    Attributes: c (3, F, S, S) float32 colour planes; X (F, S) world X
    per column; Y (F, S) world Y per row; ax, bx, ay, by (F,) the camera per frame; s (F,) the
    phase of each frame drawn (t/(T - 1) for the specification's T frames).
    """

    def __init__(self, camera, height, phases):
        self.size = size = 2 * height
        self.s = s = phases
        frames = len(s)
        one, zero = np.ones(frames), np.zeros(frames)
        name = spec.CAMERAS[camera]
        if name == "static":
            ax, bx, ay, by = zero, one, zero, one
        elif name in ("pan_left", "pan_right"):
            sign = 1.0 if name == "pan_right" else -1.0
            ax, bx, ay, by = sign * 0.3 * (s - 0.5), one, zero, one
        else:
            z = 1.0 - 0.3 * s if name == "zoom_in" else 0.7 + 0.3 * s
            ax, bx, ay, by = 0.5 - 0.5 * z, z, 0.5 - 0.5 * z, z
        self.set_camera(ax, bx, ay, by)
        self.c = np.empty((3, frames, size, size), np.float32)

    def set_camera(self, ax, bx, ay, by):
        self.ax, self.bx, self.ay, self.by = (np.asarray(a, np.float32) for a in (ax, bx, ay, by))
        u = ((np.arange(self.size) + 0.5) / self.size).astype(np.float32)  # (S,)
        self.X = self.ax[:, None] + self.bx[:, None] * u  # (T, S)
        self.Y = self.ay[:, None] + self.by[:, None] * u  # (T, S)

    def first_row(self, y):
        """The first row index at which some frame has world Y >= y."""
        return int(min(np.searchsorted(row, y) for row in self.Y))

    def windows(self, cx, cy, hx, hy, wrap_x=False, wrap_y=False):
        """Sample windows around N objects per frame.

        Args:
            cx, cy: (T, N) world centres. hx, hy: floats, half extents in world units.
            wrap_x, wrap_y: bool. Column (row) indices wrap around the canvas, which in view
                coordinates draws the object again at x +- 1 (y +- 1); X and Y stay unwrapped.

        Returns:
            (X, Y, rows, cols, valid): X (T, N, 1, kw) and Y (T, N, kh, 1) world coordinates of
            the window samples, rows (T, N, kh, 1) and cols (T, N, 1, kw) their indices,
            valid (T, N, kh, kw) those inside the canvas.
        """
        size = self.size
        kw = int(np.ceil(2 * hx / self.bx.min() * size)) + 2
        kh = int(np.ceil(2 * hy / self.by.min() * size)) + 2
        col0 = np.floor((cx - hx - self.ax[:, None]) / self.bx[:, None] * size - 0.5).astype(np.int64)
        row0 = np.floor((cy - hy - self.ay[:, None]) / self.by[:, None] * size - 0.5).astype(np.int64)
        cols = col0[..., None, None] + np.arange(kw)  # (T, N, 1, kw)
        rows = row0[..., None, None] + np.arange(kh)[:, None]  # (T, N, kh, 1)
        X = self.ax[:, None, None, None] + self.bx[:, None, None, None] * ((cols + 0.5) / size).astype(np.float32)
        Y = self.ay[:, None, None, None] + self.by[:, None, None, None] * ((rows + 0.5) / size).astype(np.float32)
        valid = np.ones((1, 1, 1, 1), bool)
        if wrap_x:
            cols = cols % size
        else:
            valid = valid & (cols >= 0) & (cols < size)
        if wrap_y:
            rows = rows % size
        else:
            valid = valid & (rows >= 0) & (rows < size)
        return X, Y, rows, cols, valid

    def hits(self, mask, rows, cols):
        """Flat sample index (into a plane of c reshaped (T*S*S,)), frame and object of every hit."""
        t, n, i, j = np.nonzero(mask)
        r = rows[t, n, i, 0]
        k = cols[t, n, 0, j]
        return (t * self.size + r) * self.size + k, t, n

    def blend_hits(self, flat, alpha, colour):
        """Blends the hits one after another toward one colour: a = 1 - prod(1 - a_i) per sample.

        Args:
            flat: (M,) flat sample indices, repeated where objects overlap.
            alpha: (M,) alpha of each hit, or a float.
            colour: (3,) RGB.
        """
        if flat.size == 0:
            return
        keep = np.broadcast_to(np.float32(1.0) - np.asarray(alpha, np.float32), flat.shape)
        order = np.argsort(flat, kind="stable")
        flat, keep = flat[order], keep[order]
        first = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
        flat = flat[first]
        keep = np.multiply.reduceat(keep, first)  # (M',)
        c = self.c.reshape(3, -1)
        c[:, flat] = c[:, flat] * keep + _rgb(colour)[:, None] * (1.0 - keep)

    def paint_hits(self, flat, colours):
        """Opaque hits at distinct samples: colours (3,) or (M, 3)."""
        c = self.c.reshape(3, -1)
        c[:, flat] = np.asarray(colours, np.float32).T.reshape(3, -1)

    def fill(self, mask, colour, row0=0, scale=None):
        """Opaque fill from row row0 where mask (T, R, S) is set.

        colour: (3,) RGB, or an array (..., 3) broadcasting to (T, R, S, 3); times `scale`
        (an array broadcasting to (T, R, S)) if given.
        """
        colour = np.asarray(colour, np.float32)
        for ch in range(3):
            value = colour[..., ch] if scale is None else colour[..., ch] * scale
            np.copyto(self.c[ch, :, row0:], value, where=mask)


def _ellipse(dx, dy, rx, ry):
    return (dx / rx) ** 2 + (dy / ry) ** 2 <= 1.0


def _segment_distance2(px, py, ax, ay, bx, by):
    """Squared distance from points (px, py) to the segment (ax, ay)-(bx, by); arrays broadcast."""
    ux, uy = bx - ax, by - ay
    wx, wy = px - ax, py - ay
    h = np.clip((wx * ux + wy * uy) / (ux * ux + uy * uy), 0.0, 1.0)
    return (wx - h * ux) ** 2 + (wy - h * uy) ** 2


# ---------------------------------------------------------------- world layers


def _sky(cv, time, weather, yh):
    top, horizon = _rgb(spec.SKY_TOP[time]), _rgb(spec.SKY_HORIZON[time])
    w = np.clip(cv.Y / yh, 0.0, 1.0)[..., None]  # (T, S, 1)
    sky = top + (horizon - top) * w  # (T, S, 3)
    if weather in ("rain", "snow"):
        g = spec.OVERCAST_SKY_WEIGHT
        sky = g * sky + (1.0 - g) * _rgb(spec.OVERCAST[time])
    cv.c[...] = np.moveaxis(sky, -1, 0)[..., None]  # (3, T, S, 1)


def _stars(cv, stars):
    x, y, phase = stars[:, 0], stars[:, 1], stars[:, 2]  # (N,)
    r = spec.STAR_RADIUS
    cx, cy = np.broadcast_to(x, (len(cv.s), len(x))), np.broadcast_to(y, (len(cv.s), len(y)))
    X, Y, rows, cols, valid = cv.windows(cx, cy, r, r)
    mask = valid & ((X - x[:, None, None]) ** 2 + (Y - y[:, None, None]) ** 2 <= r * r)
    alpha = 0.6 + 0.4 * np.sin(_TAU * (1.5 * cv.s[:, None] + phase))  # (T, N)
    flat, t, n = cv.hits(mask, rows, cols)
    cv.blend_hits(flat, alpha[t, n], spec.STAR_COLOUR)


def _clouds(cv, clouds, time, weather):
    count = spec.NUM_CLOUDS.get(weather, 0)
    if not count:
        return
    x0, yc = clouds[:count, 0], clouds[:count, 1]
    cx = x0 + spec.CLOUD_DRIFT * cv.s[:, None]  # (T, N)
    cy = np.broadcast_to(yc, cx.shape)
    X, Y, rows, cols, valid = cv.windows(cx, cy, 0.13, 0.06)
    dx, dy = X - cx[..., None, None], Y - cy[..., None, None]
    inside = np.zeros(np.broadcast_shapes(dx.shape, dy.shape), bool)
    for ox, oy, rx, ry in spec.CLOUD_ELLIPSES:
        inside |= _ellipse(dx - ox, dy - oy, rx, ry)
    colour = _rgb(spec.CLOUD_COLOUR[time])
    if weather in ("rain", "snow"):
        colour = colour * spec.CLOUD_RAIN_SNOW
    flat, _, _ = cv.hits(inside & valid, rows, cols)
    cv.blend_hits(flat, spec.CLOUD_ALPHA, colour)


def sun_y(time, yh, s):
    """World Y of the sun (moon) centre at phase s: it rises at sunrise and sets at sunset."""
    if time == "day":
        return np.full_like(s, 0.18)
    if time == "night":
        return np.full_like(s, 0.2)
    if time == "sunrise":
        return yh - 0.02 - 0.16 * s
    return yh - 0.18 + 0.16 * s


def _sun(cv, time, weather, yh, sun_x):
    r = spec.SUN_RADIUS
    cy = sun_y(time, yh, cv.s)[:, None]  # (T, 1)
    cx = np.full_like(cy, sun_x)
    X, Y, rows, cols, valid = cv.windows(cx, cy, r, r)
    mask = valid & ((X - sun_x) ** 2 + (Y - cy[..., None, None]) ** 2 <= r * r)
    alpha = spec.SUN_ALPHA_RAIN_SNOW if weather in ("rain", "snow") else 1.0
    flat, _, _ = cv.hits(mask, rows, cols)
    cv.blend_hits(flat, alpha, spec.SUN_COLOUR[time])


def _ocean(cv, tint, time, weather, yh, sun_x):
    r0 = cv.first_row(yh)
    Y = cv.Y[:, r0:, None]  # (T, R, 1)
    X = cv.X[:, None, :]  # (T, 1, S)
    s = cv.s[:, None, None]
    d = (Y - yh) / (1.0 - yh)
    f = 1.0 + 0.18 * np.sin(_TAU * (8.0 * d - 1.5 * s) + 1.2 * np.sin(_TAU * (3.0 * X + d)))  # (T, R, S)
    below = np.broadcast_to(Y >= yh, f.shape)
    cv.fill(below, _rgb(spec.OCEAN) * tint, r0, scale=f)
    if weather in ("clear", "cloudy"):
        glint = below & (np.abs(X - sun_x) < 0.04 + 0.06 * d) & (np.sin(_TAU * (20.0 * d - 3.0 * s)) > 0.3)
        sun = _rgb(spec.SUN_COLOUR[time])
        for ch in range(3):
            block = cv.c[ch, :, r0:]
            block[glint] = 0.5 * block[glint] + 0.5 * sun[ch]


def _desert(cv, tint, phase, flat):
    r0 = cv.first_row(0.56)
    Y = cv.Y[:, r0:, None]
    X = cv.X[:, None, :]
    edge = 0.60 - 0.04 * (0.5 + 0.5 * np.sin(_TAU * (1.7 * X + phase)))  # (T, 1, S)
    mask = Y >= edge
    f = None
    if not flat:
        d = np.clip((Y - 0.6) / 0.4, 0.0, 1.0)
        f = 1.0 + 0.12 * np.sin(_TAU * (2.5 * X + 4.0 * d + phase))  # (T, R, S)
    cv.fill(mask, _rgb(spec.DESERT) * tint, r0, scale=f)


def _meadow(cv, tint, phase, flat, flowers, flower_colour):
    r0 = cv.first_row(0.58)
    Y = cv.Y[:, r0:, None]
    X = cv.X[:, None, :]
    mask = Y >= 0.60 - 0.02 * np.sin(_TAU * (1.3 * X + phase))  # (T, R, S)
    f = None
    if not flat:
        f = 1.0 + 0.10 * np.sin(_TAU * 12.0 * X) * np.sin(_TAU * 10.0 * Y)  # (T, R, S)
    cv.fill(mask, _rgb(spec.MEADOW) * tint, r0, scale=f)
    # Flowers: opaque discs, a later flower over an earlier one.
    r = spec.FLOWER_RADIUS
    x, y = flowers[:, 0], flowers[:, 1]
    cx, cy = np.broadcast_to(x, (len(cv.s), len(x))), np.broadcast_to(y, (len(cv.s), len(y)))
    Xw, Yw, rows, cols, valid = cv.windows(cx, cy, r, r)
    hit = valid & ((Xw - x[:, None, None]) ** 2 + (Yw - y[:, None, None]) ** 2 <= r * r)
    flat_index, _, n = cv.hits(hit, rows, cols)
    order = np.lexsort((n, flat_index))  # by sample, then by flower
    flat_index, n = flat_index[order], n[order]
    last = np.r_[flat_index[1:] != flat_index[:-1], True]
    palette = np.array(spec.FLOWER_COLOURS, np.float32) * tint
    cv.paint_hits(flat_index[last], palette[flower_colour[n[last]]])


def _mountains(cv, tint, peaks):
    xp, hp = peaks[:, 0], peaks[:, 1]  # (P,)
    X = cv.X[..., None]  # (T, S, 1)
    rise = np.maximum(0.0, hp - np.abs(X - xp) / 1.2)  # (T, S, P)
    ridge = 0.75 - rise.max(axis=-1)  # (T, S)
    highest = xp[rise.argmax(axis=-1)]  # (T, S)
    r0 = cv.first_row(float(ridge.min()))
    Y = cv.Y[:, r0:, None]  # (T, R, 1)
    lit = (cv.X < highest)[:, None, :, None]  # (T, 1, S, 1)
    face = np.where(lit, _rgb(spec.MOUNTAIN_LIT) * tint, _rgb(spec.MOUNTAIN_SHADE) * tint)
    cv.fill((Y >= ridge[:, None, :]) & (Y < 0.75), face, r0)
    cv.fill(np.broadcast_to(Y >= 0.75, (len(cv.s), Y.shape[1], cv.size)), _rgb(spec.MOUNTAIN_GRASS) * tint, r0)


def building_edges(widths):
    """Left edges x0 and right edges x1 of the buildings side by side from X = -0.2 until one
    ends past 1.2: two (B,) arrays, B <= len(widths)."""
    x1 = -0.2 + np.cumsum(widths)
    count = int(np.argmax(x1 > 1.2)) + 1
    if not x1[count - 1] > 1.2:
        raise ValueError(f"{len(widths)} building widths do not reach past X = 1.2.")
    x1 = x1[:count]
    return np.r_[-0.2, x1[:-1]], x1


def _city(cv, tint, night, buildings, building_colour, lit):
    x0, x1 = building_edges(buildings[:, 0])
    count = len(x0)
    tops = buildings[:count, 1]
    X = cv.X  # (T, S)
    b = np.clip(np.searchsorted(x1, X, side="right"), 0, count - 1)  # building under each column
    inside_x = (X >= x0[b]) & (X < x1[b])
    top = np.where(inside_x, tops[b], 2.0)[:, None, :]  # (T, 1, S); 2.0: no building
    r0 = cv.first_row(float(tops.min()))
    Y = cv.Y[:, r0:, None]  # (T, R, 1)
    building = (Y >= top) & (Y < 0.80)  # (T, R, S)
    colours = np.array(spec.BUILDING_COLOURS, np.float32) * tint
    cv.fill(building, colours[building_colour[b]][:, None, :, :], r0)
    # Windows.
    lx = np.mod(X - x0[b], 0.035)
    columns = inside_x & (lx >= 0.01) & (lx < 0.028) & (X > x0[b] + 0.005) & (X < x1[b] - 0.005)
    ly = np.mod(Y - top, 0.045)
    window = building & columns[:, None, :] & (ly >= 0.012) & (ly < 0.037)
    if night:  # each window lit or not, by its place in its building's grid
        t, r, k = np.nonzero(window)
        ys = Y[t, r, 0]
        i = np.clip(np.floor((ys - top[t, 0, k]) / 0.045).astype(np.int64), 0, WINDOW_ROWS - 1)
        j = np.clip(np.floor((X[t, k] - x0[b[t, k]]) / 0.035).astype(np.int64), 0, WINDOW_COLUMNS - 1)
        on = lit[b[t, k], i, j][:, None]
        flat = (t * cv.size + r + r0) * cv.size + k
        cv.paint_hits(flat, np.where(on, _rgb(spec.WINDOW_LIT), _rgb(spec.WINDOW_UNLIT)))
    else:
        cv.fill(window, _rgb(spec.WINDOW_DAY) * tint, r0)
    cv.fill(np.broadcast_to(Y >= 0.80, building.shape), _rgb(spec.STREET) * tint, r0)


def _subject(cv, subject, heading, time, start):
    x0, y0 = start
    s = cv.s[:, None]  # (T, 1)
    g = 1.0 if heading == "right" else -1.0
    night = time == "night"
    if subject == "bird":
        cx, cy = x0 + 0.4 * g * s, np.full_like(s, y0)
        X, Y, rows, cols, valid = cv.windows(cx, cy, 0.075, 0.055)
        tip_y = (y0 - 0.04 * np.cos(_TAU * 3.0 * s))[..., None, None]  # (T, 1, 1, 1)
        bx = cx[..., None, None]
        r2 = 0.012 ** 2
        wings = (_segment_distance2(X, Y, bx, y0, bx - 0.06, tip_y) <= r2) | (
            _segment_distance2(X, Y, bx, y0, bx + 0.06, tip_y) <= r2)
        flat, _, _ = cv.hits(wings & valid, rows, cols)
        cv.paint_hits(flat, _rgb(spec.BIRD_NIGHT if night else spec.BIRD))
    elif subject == "plane":
        cx, cy = x0 + 0.5 * g * s, np.full_like(s, y0)
        X, Y, rows, cols, valid = cv.windows(cx, cy - 0.0125, 0.1, 0.035)
        px = cx[..., None, None]
        body = _ellipse(X - px, Y - y0, 0.09, 0.02)
        ta, tb = px - 0.09 * g, px - 0.06 * g
        tail = (X >= np.minimum(ta, tb)) & (X <= np.maximum(ta, tb)) & (Y >= y0 - 0.045) & (Y <= y0)
        flat, _, _ = cv.hits((body | tail) & valid, rows, cols)
        cv.paint_hits(flat, _rgb(spec.PLANE_NIGHT if night else spec.PLANE))
    elif subject == "balloon":
        cx = x0 + 0.01 * np.sin(_TAU * s)
        cy = y0 - 0.25 * s
        X, Y, rows, cols, valid = cv.windows(cx, cy + 0.02, 0.07, 0.105)
        dx, dy = X - cx[..., None, None], Y - cy[..., None, None]
        envelope = _ellipse(dx, dy, 0.07, 0.085)
        middle = np.abs(dx) < 0.018
        basket = middle & (dy >= 0.095) & (dy < 0.125)
        shape = np.broadcast_shapes(dx.shape, dy.shape)
        b = 0.5 + 0.5 * _rgb(spec.TINT[time])
        colour = np.empty(shape + (3,), np.float32)
        colour[...] = _rgb(spec.BALLOON_ENVELOPE) * b
        colour[np.broadcast_to(envelope & middle, shape)] = _rgb(spec.BALLOON_STRIPE) * b
        colour[np.broadcast_to(basket, shape)] = _rgb(spec.BALLOON_BASKET) * b
        mask = (envelope | basket) & valid
        flat, _, _ = cv.hits(mask, rows, cols)
        cv.paint_hits(flat, colour[mask])


# ---------------------------------------------------------------- weather in view coordinates


def _rain(cv, drops):
    s = cv.s[:, None]  # (T, 1)
    x = np.mod(drops[:, 0] + 0.26 * s, 1.0)  # (T, N)
    y = np.mod(drops[:, 1] + 1.2 * s, 1.1) - 0.05
    # Also drawn at x - 1 and x + 1: columns wrap.
    X, Y, rows, cols, valid = cv.windows(x + 0.0075, y + 0.035, 0.0125, 0.04, wrap_x=True)
    xa, ya = x[..., None, None], y[..., None, None]
    near = _segment_distance2(X, Y, xa, ya, xa + 0.015, ya + 0.07) <= 0.005 ** 2
    flat, _, _ = cv.hits(near & valid, rows, cols)
    cv.blend_hits(flat, 0.5, spec.RAIN_COLOUR)


def _snow(cv, flakes):
    s = cv.s[:, None]
    y = np.mod(flakes[:, 1] + 0.3 * s, 1.0)  # (T, N)
    x = np.mod(flakes[:, 0] + 0.015 * np.sin(_TAU * (s + flakes[:, 2])), 1.0)
    r = 0.011
    X, Y, rows, cols, valid = cv.windows(x, y, r, r, wrap_x=True, wrap_y=True)  # wrapped both ways
    inside = (X - x[..., None, None]) ** 2 + (Y - y[..., None, None]) ** 2 <= r * r
    flat, _, _ = cv.hits(inside & valid, rows, cols)
    cv.blend_hits(flat, 0.9, spec.SNOW_COLOUR)


# ---------------------------------------------------------------- styles, per pixel


def luminance(rgb):
    """0.299 R + 0.587 G + 0.114 B over the last axis."""
    return rgb @ np.array([0.299, 0.587, 0.114], np.float32)


def _animation(c):
    q = np.floor(np.clip(c, 0.0, 255.0) / 51.2) * 51.0 + 25.0  # (T, H, W, 3)
    lum = luminance(q)  # (T, H, W)
    edge = np.zeros(lum.shape, bool)
    vertical = np.abs(lum[:, 1:] - lum[:, :-1]) > 60.0
    horizontal = np.abs(lum[:, :, 1:] - lum[:, :, :-1]) > 60.0
    edge[:, 1:] |= vertical
    edge[:, :-1] |= vertical
    edge[:, :, 1:] |= horizontal
    edge[:, :, :-1] |= horizontal
    q[edge] = 15.0
    return q


def letterbox_rows(height):
    """Rows blacked out by the cinematic letterbox at each edge: round(H/8)."""
    return int(np.floor(height / 8 + 0.5))


def _cinematic(c):
    height = c.shape[1]
    c = (c - 128.0) * 1.2 + 128.0
    centre = (np.arange(height) + 0.5) / height - 0.5
    r2 = (centre[:, None] ** 2 + centre[None, :] ** 2) / 0.5  # (H, W)
    c = c * (1.0 - 0.3 * r2)[None, :, :, None].astype(np.float32)
    bar = letterbox_rows(height)
    c[:, :bar] = 0.0
    c[:, height - bar:] = 0.0
    return c


_SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], np.float32)


def _vintage(c, grain_seed, flicker, frame):
    """Sepia, grain and flicker; `frame` (F,) is the specification frame whose noise each drawn
    frame takes (noise is drawn per specification frame, so it has no in-between)."""
    c = np.clip(np.clip(c, 0.0, 255.0) @ _SEPIA.T, 0.0, 255.0)
    grain = np.random.default_rng(int(grain_seed)).normal(0.0, 10.0, (T,) + c.shape[1:3])  # (T, H, W)
    c = c + grain[frame][..., None].astype(np.float32)
    return c * (1.0 + 0.06 * flicker[frame].astype(np.float32))[:, None, None, None]


# ---------------------------------------------------------------- a clip


def phases_of(num_frames=T):
    """The phases s = t / (num_frames - 1), t = 0..num_frames-1: (num_frames,) float32 in [0, 1].
    `phases_of(T)` are the specification's frames; `phases_of(3 * (T - 1) + 1)` the same motion at
    three times the frame rate."""
    if int(num_frames) != num_frames or num_frames < 2:
        raise ValueError(f"num_frames must be an integer >= 2; got {num_frames!r}.")
    return (np.arange(num_frames) / (num_frames - 1)).astype(np.float32)


def render_clip(attrs, scene, height, phases=None):
    """One clip, drawn exactly as the specification says.

    Args:
        attrs: int array (7,). Attribute indices in `spec.ATTRIBUTE_COLUMNS` order.
        scene: dict from `scene_row(sample_scenes(rng, attrs[None]), 0)`.
        height: int. Frame height (= width) in pixels.
        phases: float array (F,) in [0, 1] or None. The phase s of each frame to draw (None: the
            specification's T frames, `phases_of(T)`); every motion is a function of s, so other
            phases draw the same clip at another frame rate. The vintage style's grain and
            flicker are per specification frame: an in-between phase takes its nearest frame's.

    Returns:
        uint8 array (F, H, H, 3); F = T by default.

    Example:
    ```python
    import numpy as np
    from tfds_builders.scenes import render
    attrs = np.array([[2, 0, 0, 0, 0, 0, 0]])  # sunset, ocean, clear, no subject, static, natural
    scene = render.sample_scenes(np.random.default_rng(0), attrs)
    clip = render.render_clip(attrs[0], render.scene_row(scene, 0), 64)  # (16, 64, 64, 3)
    fast = render.render_clip(attrs[0], render.scene_row(scene, 0), 64, render.phases_of(46))  # (46, ...)
    ```
    """
    phases = phases_of(T) if phases is None else np.asarray(phases, np.float32)
    if phases.ndim != 1 or len(phases) == 0 or not ((phases >= 0) & (phases <= 1)).all():
        raise ValueError(f"phases must be a non-empty 1-D array of values in [0, 1]; got shape {phases.shape}.")
    names = {a: spec.ATTRIBUTES[a][int(i)] for a, i in zip(spec.ATTRIBUTE_COLUMNS, attrs)}
    time, place, weather, style = names["time"], names["place"], names["weather"], names["style"]
    yh = spec.HORIZON[place]
    wet = weather in ("rain", "snow")
    tint = _rgb(spec.TINT[time]) * (spec.RAIN_SNOW_TINT if wet else 1.0)
    flat = style == "animation"

    cv = _Canvas(int(attrs[CAMERA]), height, phases)
    _sky(cv, time, weather, yh)
    if time == "night" and weather in ("clear", "cloudy"):
        _stars(cv, scene["stars"])
    _clouds(cv, scene["clouds"], time, weather)
    _sun(cv, time, weather, yh, float(scene["sun_x"]))
    if place == "ocean":
        _ocean(cv, tint, time, weather, yh, float(scene["sun_x"]))
    elif place == "desert":
        _desert(cv, tint, float(scene["phase"]), flat)
    elif place == "meadow":
        _meadow(cv, tint, float(scene["phase"]), flat, scene["flowers"], scene["flower_colour"])
    elif place == "mountains":
        _mountains(cv, tint, scene["peaks"])
    else:
        _city(cv, tint, time == "night", scene["buildings"], scene["building_colour"], scene["lit"])
    if names["subject"] != "none":
        _subject(cv, names["subject"], names["heading"], time, scene["subject"])

    # Weather in view coordinates.
    one, zero = np.ones(len(phases)), np.zeros(len(phases))
    cv.set_camera(zero, one, zero, one)
    if weather == "rain":
        _rain(cv, scene["drops"])
    elif weather == "snow":
        _snow(cv, scene["flakes"])
    elif weather == "fog":
        cv.c *= 0.5
        cv.c += 0.5 * _rgb(spec.FOG[time])[:, None, None, None]

    q = cv.c.reshape(3, len(phases), height, 2, height, 2)
    c = (q[:, :, :, 0, :, 0] + q[:, :, :, 0, :, 1]) + (q[:, :, :, 1, :, 0] + q[:, :, :, 1, :, 1])
    c = np.moveaxis(c * 0.25, 0, -1)  # (T, H, H, 3), the 2x2 mean
    if style == "animation":
        c = _animation(c)
    elif style == "cinematic":
        c = _cinematic(c)
    elif style == "vintage":
        c = _vintage(c, scene["grain_seed"], scene["flicker"], np.round(phases * (T - 1)).astype(np.int64))
    return np.clip(np.floor(c + 0.5), 0, 255).astype(np.uint8)


def render_clips(attrs, scene, height, phases=None):
    """N clips: uint8 (N, F, H, H, 3). attrs (N, 7); scene from `sample_scenes`; phases as in `render_clip`."""
    attrs = np.asarray(attrs, np.int64)
    return np.stack([render_clip(a, scene_row(scene, i), height, phases) for i, a in enumerate(attrs)])
