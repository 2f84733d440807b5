"""Vectorised rendering of moving_shapes clips, exactly as the specification draws them.

Attributes travel as integer arrays `attrs` of shape (N, K, 5): N clips, K objects, and the
columns `spec.ATTRIBUTE_COLUMNS` (shape, color, size, direction, speed), each an index into
that attribute's ClassLabel names. Start centres `starts` are (N, K, 2) float arrays (cx, cy)
in the pixel convention of `spec`.

Each object is drawn from its exact signed distance d (negative inside) with coverage
alpha = clip(0.5 - d, 0, 1): a pixel whose centre lies at least half a pixel inside the shape
gets exactly the palette color, a pixel whose centre lies at least half a pixel outside is
untouched, and alpha >= 0.5 exactly when the pixel centre is inside the shape.
"""

import numpy as np

from tfds_builders.moving_shapes import spec

_SHAPE, _COLOR, _SIZE, _DIRECTION, _SPEED = range(5)

_HALF_EXTENT = np.array([spec.SIZE_HALF_EXTENT[s] for s in spec.SIZES])  # (sizes,) in units of H
_VECTORS = np.array([spec.DIRECTION_VECTORS[d] for d in spec.DIRECTIONS])  # (directions, 2)
_DISPLACEMENT = np.array([spec.SPEED_DISPLACEMENT[s] for s in spec.SPEEDS])  # (speeds,) in H
_RGB = np.array([spec.COLOR_RGB[c] for c in spec.COLORS], np.float32)  # (colors, 3)


def _as_attrs(attrs):
    attrs = np.asarray(attrs)
    if attrs.ndim == 2:
        attrs = attrs[:, None, :]
    if attrs.ndim != 3 or attrs.shape[-1] != len(spec.ATTRIBUTES):
        raise ValueError(
            f"attrs must have shape (N, K, {len(spec.ATTRIBUTES)}) or (N, {len(spec.ATTRIBUTES)}) "
            f"with columns {spec.ATTRIBUTE_COLUMNS}; got shape {attrs.shape}."
        )
    return attrs.astype(np.int64)


def half_extents(attrs, height):
    """Half-extent e in pixels of every object: (N, K) float64."""
    return _HALF_EXTENT[_as_attrs(attrs)[..., _SIZE]] * height


def displacements(attrs, height):
    """Centre displacement first frame -> last frame of every object: (N, K, 2) float64 pixels."""
    attrs = _as_attrs(attrs)
    distance = _DISPLACEMENT[attrs[..., _SPEED]] * height  # (N, K)
    return _VECTORS[attrs[..., _DIRECTION]] * distance[..., None]


def start_bounds(attrs, height):
    """The box of valid start centres: `(low, high)`, each (N, K, 2) float64 pixels.

    A start is valid when the whole shape (its bounding box [c - e, c + e] on both axes) lies
    inside the frame [0, H] x [0, H] in every frame; with straight motion that is the first
    and the last frame.
    """
    e = half_extents(attrs, height)[..., None]  # (N, K, 1)
    step = displacements(attrs, height)  # (N, K, 2)
    low = e + np.maximum(-step, 0.0)
    high = height - e - np.maximum(step, 0.0)
    return low, high


def sample_starts(rng, attrs, height):
    """Start centres uniform over the valid box of every object: (N, K, 2) float32 (cx, cy).

    Args:
        rng: np.random.Generator. Source of randomness.
        attrs: int array (N, K, 5) or (N, 5). Attribute indices, columns `spec.ATTRIBUTE_COLUMNS`.
        height: int. Frame height (= width) in pixels.

    Example:
    ```python
    rng = np.random.default_rng(0)
    starts = sample_starts(rng, [[0, 0, 0, 0, 0]], 64)  # (1, 1, 2)
    ```
    """
    low, high = start_bounds(attrs, height)
    starts = low + rng.random(low.shape) * (high - low)
    return np.clip(starts, low, high).astype(np.float32)


def trajectories(attrs, starts, height, num_frames=spec.NUM_FRAMES):
    """Centre of every object in every frame: (N, K, T, 2) float64, constant velocity."""
    starts = np.asarray(starts, np.float64)
    if starts.ndim == 2:
        starts = starts[:, None, :]
    fraction = np.arange(num_frames) / (num_frames - 1)  # (T,)
    step = displacements(attrs, height)  # (N, K, 2)
    return starts[:, :, None, :] + fraction[None, None, :, None] * step[:, :, None, :]


def _segment_distance(px, py, ax, ay, bx, by):
    """Distance from points (px, py) to the segment (ax, ay)-(bx, by); arrays broadcast."""
    ux, uy = bx - ax, by - ay
    wx, wy = px - ax, py - ay
    h = np.clip((wx * ux + wy * uy) / (ux * ux + uy * uy), 0.0, 1.0)
    return np.sqrt((wx - h * ux) ** 2 + (wy - h * uy) ** 2)


def signed_distance(shape, dx, dy, e):
    """Exact signed distance (negative inside) from offsets (dx, dy) to a shape centred at 0.

    Args:
        shape: int. Index into `spec.SHAPES`.
        dx, dy: float arrays. Offsets from the shape's centre in pixels (image y down);
            they broadcast against each other and against `e`.
        e: float array. Half-extent in pixels.
    """
    name = spec.SHAPES[shape]
    if name == "circle":
        return np.sqrt(dx * dx + dy * dy) - e
    if name == "square":
        qx, qy = np.abs(dx) - e, np.abs(dy) - e
        outside = np.sqrt(np.maximum(qx, 0.0) ** 2 + np.maximum(qy, 0.0) ** 2)
        return outside + np.minimum(np.maximum(qx, qy), 0.0)
    if name == "diamond":
        # By symmetry, the nearest edge is the one from (e, 0) to (0, e) in the first quadrant.
        a, b = np.abs(dx), np.abs(dy)
        distance = _segment_distance(a, b, e, 0.0, 0.0, e)
        return np.where(a + b > e, distance, -distance)
    if name == "triangle":
        # Apex (0, -e), base corners (+-e, e); mirrored onto x >= 0: the right side and half base.
        a = np.abs(dx)
        side = _segment_distance(a, dy, 0.0, -e, e, e)
        base = _segment_distance(a, dy, 0.0, e, e, e)
        distance = np.minimum(side, base)
        inside = (dy <= e) & (2.0 * a - dy - e <= 0.0)
        return np.where(inside, -distance, distance)
    raise ValueError(f"Unknown shape index {shape}; accepted: 0..{len(spec.SHAPES) - 1}.")


def _window_size(e):
    """Pixels per side of a window that holds every pixel an object of half-extent e touches."""
    return int(np.ceil(2.0 * e)) + 3


def render_clips(attrs, starts, height, num_frames=spec.NUM_FRAMES):
    """Renders clips: (N, T, H, W, 3) uint8 RGB, black background, objects drawn in order.

    Each object is computed only in a small window around it (a pixel farther than half a
    pixel from the shape has coverage 0), which keeps rendering cheap at any frame size.

    Args:
        attrs: int array (N, K, 5) or (N, 5). Attribute indices, columns
            `spec.ATTRIBUTE_COLUMNS`; object k + 1 is drawn over object k.
        starts: float array (N, K, 2) or (N, 2). Start centres (cx, cy) in pixels.
        height: int. Frame height (= width) in pixels.
        num_frames: int. Frames per clip; the centre moves by the full displacement from the
            first frame to the last.

    Example:
    ```python
    from tfds_builders.moving_shapes import render
    attrs = [[0, 0, 1, 1, 0]]  # a large red circle moving right slowly
    clip = render.render_clips(attrs, [[20.0, 32.0]], 64)  # (1, 16, 64, 64, 3) uint8
    ```
    """
    attrs = _as_attrs(attrs)
    n, k = attrs.shape[:2]
    centres = trajectories(attrs, starts, height, num_frames)  # (N, K, T, 2)
    out = np.zeros((n, num_frames, height, height, 3), np.uint8)  # (N, T, H, W, 3)
    t_idx = np.arange(num_frames)[None, :, None, None]  # (1, T, 1, 1)
    for obj in range(k):
        for shape in range(len(spec.SHAPES)):
            for size in range(len(spec.SIZES)):
                (clips,) = np.nonzero(
                    (attrs[:, obj, _SHAPE] == shape) & (attrs[:, obj, _SIZE] == size)
                )
                if clips.size == 0:
                    continue
                e = _HALF_EXTENT[size] * height
                side = _window_size(e)
                c = centres[clips, obj]  # (M, T, 2)
                # Window origin: the first pixel whose centre is at least e + 0.5 left of c.
                origin = np.clip(np.floor(c - e).astype(np.int64) - 1, 0, height - side)  # (M, T, 2)
                offsets = np.arange(side)
                xs = origin[:, :, 0, None] + offsets  # (M, T, S) pixel columns
                ys = origin[:, :, 1, None] + offsets  # (M, T, S) pixel rows
                dx = (xs + 0.5 - c[:, :, 0, None])[:, :, None, :]  # (M, T, 1, S)
                dy = (ys + 0.5 - c[:, :, 1, None])[:, :, :, None]  # (M, T, S, 1)
                d = signed_distance(shape, dx.astype(np.float32), dy.astype(np.float32), np.float32(e))
                alpha = np.clip(0.5 - d, 0.0, 1.0)[..., None]  # (M, T, S, S, 1)
                index = (clips[:, None, None, None], t_idx, ys[:, :, :, None], xs[:, :, None, :])
                color = _RGB[attrs[clips, obj, _COLOR]][:, None, None, None, :]  # (M, 1, 1, 1, 3)
                if obj == 0:
                    out[index] = np.rint(alpha * color).astype(np.uint8)
                else:
                    below = out[index].astype(np.float32)
                    out[index] = np.rint(below + alpha * (color - below)).astype(np.uint8)
    return out
