"""Training-free measurement of moving_shapes clips: the five attributes of every object."""

import math
import warnings

import numpy as np

from tfds_builders.moving_shapes import spec

ATTRIBUTE_NAMES = tuple(spec.ATTRIBUTES)  # ("shape", "color", "size", "direction", "speed")

_PALETTE = np.array([spec.COLOR_RGB[c] for c in spec.COLORS], np.float32) / 255.0  # (colors, 3)
_VECTORS = np.array([spec.DIRECTION_VECTORS[d] for d in spec.DIRECTIONS])  # (directions, 2)

# Palette index nearest to each RGB-cube corner, the corner coded as bits (r, g, b) -> 4r + 2g + b.
_CORNERS = np.array([[(code >> 2) & 1, (code >> 1) & 1, code & 1] for code in range(8)], np.float32)
_CORNER_COLOR = np.argmin(((_CORNERS[:, None] - _PALETTE[None]) ** 2).sum(-1), axis=-1)
_CORNER_COLOR = _CORNER_COLOR.astype(np.int8)

# Shape prototypes in the silhouette feature space (y skewness, log moment ratio) of the exact
# continuous shapes: the skewness mu03 / mu02^1.5 is -0.566 for the upward triangle and 0 for the
# others; the ratio mu22 / mean(mu40, mu04) is 5/9 (square), 1/3 (circle), 0.32 (triangle) and
# 1/6 (diamond).
_SHAPE_PROTOTYPES = {
    "circle": (0.0, math.log(1.0 / 3.0)),
    "square": (0.0, math.log(5.0 / 9.0)),
    "triangle": (-0.5657, math.log(0.32)),
    "diamond": (0.0, math.log(1.0 / 6.0)),
}
_PROTOTYPES = np.array([_SHAPE_PROTOTYPES[s] for s in spec.SHAPES])  # (shapes, 2)
_FEATURE_SCALE = np.array([0.5657, 0.5])  # per-feature spread used by the nearest-prototype rule
# Area of each shape in units of its squared half-extent e^2.
_SHAPE_AREA = np.array([{"circle": math.pi, "square": 4.0}.get(s, 2.0) for s in spec.SHAPES])
_SMALL, _LARGE = (spec.SIZE_HALF_EXTENT[s] for s in spec.SIZES)
_SLOW, _FAST = (spec.SPEED_DISPLACEMENT[s] for s in spec.SPEEDS)

_MIN_CONTRAST = 0.2  # an object must be this much brighter than the background, in [0, 1]
_MIN_FRAMES = 2  # frames an object must be seen in to count as found
_STRETCH = 2.0  # coverage contrast around 0.5: re-sharpens blurred edges, mutes faint noise
_RIM = 2  # pixels around the core whose coverage counts (anti-aliasing, blur)


def _dilate(mask, radius):
    """Square binary dilation of (N, H, W) masks by `radius` pixels."""
    out = mask.copy()
    for s in range(1, radius + 1):
        out[:, s:, :] |= mask[:, :-s, :]
        out[:, :-s, :] |= mask[:, s:, :]
    rows = out.copy()
    for s in range(1, radius + 1):
        out[:, :, s:] |= rows[:, :, :-s]
        out[:, :, :-s] |= rows[:, :, s:]
    return out


def _crop(frames, oy, ox, side):
    """The (side, side) crop of every frame at rows oy.., columns ox..: (N, ..., S, S)."""
    windows = np.lib.stride_tricks.sliding_window_view(frames, (side, side), axis=(1, 2))
    return windows[np.arange(len(frames)), oy, ox]


def _weighted_median_index(weights):
    """Index of the weighted median along the last axis of (N, L) non-negative weights."""
    cumulative = np.cumsum(weights, axis=-1)
    return np.argmax(cumulative >= 0.5 * cumulative[:, -1:], axis=-1)


def _central_moment(m, mean_x, mean_y, p, q):
    """Central moment mu_pq from raw moments m[..., j, i] = E[y^j x^i] about the same origin."""
    total = 0.0
    for i in range(p + 1):
        for j in range(q + 1):
            coeff = math.comb(p, i) * math.comb(q, j)
            total = total + coeff * (-mean_x) ** (p - i) * (-mean_y) ** (q - j) * m[:, j, i]
    return total


def _masked_median(values, valid):
    """Median over axis 1 (frames) of the entries where `valid` (B, T); NaN for rows with none."""
    mask = valid.reshape(valid.shape + (1,) * (values.ndim - valid.ndim))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        return np.nanmedian(np.where(mask, values, np.nan), axis=1)


class ShapeMeasurer:
    """Measures the attributes of moving_shapes objects in clips, with no training.

    Each frame is reduced to an object coverage map (brightness above the background, scaled by
    the brightest pixel), restricted to a window around the object's robust centre. The
    coverage's moments give the object's area, centroid and silhouette: the y skewness singles
    out the upward triangle, and the ratio of the mixed to the axial fourth moment separates
    square (5/9), circle (1/3) and diamond (1/6). Per-frame estimates are aggregated by medians
    over the frames the object is visible in; direction and speed come from a least-squares
    line through the centroids. With two objects, pixels are first split by nearest palette
    color and the two most frequent colors are measured separately.

    Predictions are returned for every clip; `found` says whether the object was seen in at
    least two frames, `confidence` in what share of the frames it was seen. A clip where the
    object was not found gets the first class of every attribute.

    Args:
        height: int. Frame height H in pixels; sizes and speeds are measured relative to it.
        num_objects: int. Objects per clip: 1 (`single_64`, `single_32`) or 2 (`double_64`).
        batch_size: int. Clips processed at once; bounds the memory used.

    Example:
    ```python
    from tf_t2v.eval import ShapeMeasurer, parse_caption
    from tfds_builders.moving_shapes import render

    labels = parse_caption("a big green triangle moves quickly up and to the right")
    attrs = [[labels[a] for a in ("shape", "color", "size", "direction", "speed")]]
    clips = render.render_clips(attrs, [[20.0, 44.0]], 64)  # (1, 16, 64, 64, 3) uint8
    measurer = ShapeMeasurer(64)
    measurer.measure(clips)["shape"]  # array([2]): a triangle
    measurer.score(clips, [labels])  # {"shape": 1.0, ..., "all": 1.0, "found": 1.0}
    ```
    """

    def __init__(self, height, num_objects=1, batch_size=64):
        if int(height) < 8:
            raise ValueError(f"height must be an int >= 8 pixels; got {height!r}.")
        if num_objects not in (1, 2):
            raise ValueError(f"num_objects must be 1 or 2; got {num_objects!r}.")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be a positive int; got {batch_size!r}.")
        self.height = int(height)
        self.num_objects = int(num_objects)
        self.batch_size = int(batch_size)

    def get_config(self):
        return {
            "height": self.height,
            "num_objects": self.num_objects,
            "batch_size": self.batch_size,
        }

    def _check(self, clips):
        """Clips as an array, checked: (B, T, H, W, 3), uint8 or float."""
        clips = np.asarray(clips)
        if clips.ndim != 5 or clips.shape[-1] != 3:
            raise ValueError(
                f"clips must have shape (B, T, H, W, 3) with RGB channels; got shape {clips.shape}."
            )
        if clips.shape[2] != self.height:
            raise ValueError(
                f"clips have height {clips.shape[2]} but the measurer was built for {self.height}."
            )
        if clips.shape[1] < 2:
            raise ValueError(
                f"clips need at least 2 frames to measure motion; got {clips.shape[1]}."
            )
        if clips.shape[0] == 0:
            raise ValueError("clips is empty; pass at least one clip.")
        if clips.dtype != np.uint8 and not np.issubdtype(clips.dtype, np.floating):
            raise ValueError(f"clips must be uint8 or float in [-1, 1]; got dtype {clips.dtype}.")
        return clips

    @staticmethod
    def _to_unit(x):
        """A chunk of clips as (values in their own dtype, factor to [0, 1]); floats are mapped."""
        if x.dtype == np.uint8:
            return x, np.float32(1.0 / 255.0)
        x = np.nan_to_num(x.astype(np.float32), nan=-1.0, posinf=1.0, neginf=-1.0)
        return np.clip((x + 1.0) * 0.5, 0.0, 1.0), np.float32(1.0)

    def _frame_features(self, value, background, scale, rgb=None, unit=1.0, others=None):
        """Per-frame measurements of one object.

        Args:
            value: (N, H, W) float32 brightness in [0, 1] (the max over RGB) of the object's pixels.
            background: (N,) float32 background brightness of each frame.
            scale: (N,) float32 factor from brightness above the background to coverage in [0, 1];
                0 for a frame with nothing in it.
            rgb: optional (N, H, W, 3) colors, `rgb * unit` in [0, 1]; when given, the mean color
                of the object's core is measured too.
            unit: float. Factor from `rgb` values to [0, 1].
            others: optional (N, H, W) bool, the pixels of other objects; frames where they touch
                this object (which may hide part of it) are marked as not "clear".
        """
        n, h, w = value.shape
        # Core: pixels at least half covered. Robust centre: weighted medians of its profiles.
        with np.errstate(divide="ignore"):
            threshold = np.where(scale > 0, background + 0.5 / scale, np.inf).astype(np.float32)
        core = value > threshold[:, None, None]  # (N, H, W)
        cy0 = _weighted_median_index(core.sum(axis=2, dtype=np.float32)) + 0.5  # (N,)
        cx0 = _weighted_median_index(core.sum(axis=1, dtype=np.float32)) + 0.5  # (N,)
        # A square crop around it; the farthest point of any shape from its centroid is the
        # triangle's apex at 4e/3 = 0.2 H for a large one, plus room for blur.
        side = min(2 * int(math.ceil(0.2 * h + 3.0)), h, w)
        offsets = np.arange(side)
        oy = np.clip(np.round(cy0).astype(np.int64) - side // 2, 0, h - side)  # (N,)
        ox = np.clip(np.round(cx0).astype(np.int64) - side // 2, 0, w - side)  # (N,)
        rows = oy[:, None] + offsets  # (N, S)
        cols = ox[:, None] + offsets  # (N, S)
        crop = _crop(value, oy, ox, side)  # (N, S, S)
        cover = np.clip((crop - background[:, None, None]) * scale[:, None, None], 0.0, 1.0)
        core = cover > 0.5
        cover = np.clip((cover - 0.5) * _STRETCH + 0.5, 0.0, 1.0)
        support = _dilate(core, _RIM)  # (N, S, S): the core and its anti-aliased rim
        weights = cover * support
        dy = (rows + 0.5 - cy0[:, None]).astype(np.float32)  # (N, S) offsets from the robust centre
        dx = (cols + 0.5 - cx0[:, None]).astype(np.float32)  # (N, S)

        # Raw moments E[y^j x^i] about (cx0, cy0) up to order 4, by two batched matmuls.
        xp = np.stack([np.ones_like(dx), dx, dx * dx, dx**3, (dx * dx) ** 2], axis=-1)  # (N, S, 5)
        yp = np.stack([np.ones_like(dy), dy, dy * dy, dy**3, (dy * dy) ** 2], axis=-1)  # (N, S, 5)
        raw = np.matmul(np.swapaxes(yp, 1, 2), np.matmul(weights, xp))  # (N, 5, 5)
        raw = raw.astype(np.float64)
        area = raw[:, 0, 0]
        with np.errstate(all="ignore"):
            m = raw / area[:, None, None]
            mx, my = m[:, 0, 1], m[:, 1, 0]
            mu = lambda p, q: _central_moment(m, mx, my, p, q)  # noqa: E731
            # Pixel-grid (Sheppard) corrections: a pixel's mass sits at its centre.
            mu20 = mu(2, 0) - 1.0 / 12.0
            mu02 = mu(0, 2) - 1.0 / 12.0
            mu40 = mu(4, 0) - 0.5 * mu20 - 1.0 / 80.0
            mu04 = mu(0, 4) - 0.5 * mu02 - 1.0 / 80.0
            mu22 = mu(2, 2) - (mu20 + mu02) / 12.0 - 1.0 / 144.0
            skew = mu(0, 3) / np.maximum(mu02, 1e-6) ** 1.5
            ratio = np.log(np.maximum(mu22, 1e-6) / np.maximum(0.5 * (mu40 + mu04), 1e-6))
        features = {
            "area": area,
            "x": cx0 + mx,
            "y": cy0 + my,
            "skew": skew,
            "ratio": ratio,
        }
        min_area = 0.25 * 2.0 * (_SMALL * h) ** 2
        max_area = 2.0 * 4.0 * (_LARGE * h) ** 2
        valid = (area >= min_area) & (area <= max_area) & (mu20 > 0) & (mu02 > 0)
        for feature in features.values():
            valid &= np.isfinite(feature)
        features["valid"] = valid
        if others is not None:
            features["clear"] = ~(_crop(others, oy, ox, side) & support).any(axis=(1, 2))
        if rgb is not None:
            # Mean color of the core, over the same crop.
            rgb_crop = _crop(rgb, oy, ox, side).astype(np.float32)  # (N, 3, S, S)
            in_core = core.reshape(n, side * side, 1).astype(np.float32)
            total = np.matmul(rgb_crop.reshape(n, 3, side * side), in_core)[..., 0] * unit  # (N, 3)
            count = core.sum(axis=(1, 2))[:, None]
            with np.errstate(all="ignore"):
                features["color"] = total / count  # (N, 3)
        return features

    def _aggregate(self, f, b, t):
        """Per-clip predictions from per-frame features of one object: dict of (B,) arrays."""
        f = {k: v.reshape((b, t) + v.shape[1:]) for k, v in f.items()}
        valid = f["valid"]
        if "clear" in f:
            # Frames where another object touches this one are used only when there are too few
            # others.
            clear = valid & f["clear"]
            enough = clear.sum(axis=1, keepdims=True) >= _MIN_FRAMES
            valid = np.where(enough, clear, valid)
        # Frames whose area is far from the clip's typical area are partly hidden or broken.
        area = _masked_median(f["area"], valid)  # (B,)
        with np.errstate(all="ignore"):
            rel = f["area"] / area[:, None]
        valid = valid & (rel > 0.75) & (rel < 1.33)
        count = valid.sum(axis=1)
        found = count >= _MIN_FRAMES
        area = _masked_median(f["area"], valid)
        skew = _masked_median(f["skew"], valid)
        ratio = _masked_median(f["ratio"], valid)

        feats = np.stack([skew, ratio], axis=-1)  # (B, 2)
        dist = (((feats[:, None, :] - _PROTOTYPES[None]) / _FEATURE_SCALE) ** 2).sum(-1)  # (B, 4)
        shape = np.argmin(np.nan_to_num(dist, nan=0.0), axis=-1)

        with np.errstate(all="ignore"):
            half_extent = np.sqrt(area / _SHAPE_AREA[shape]) / self.height
        size = (np.nan_to_num(half_extent) > math.sqrt(_SMALL * _LARGE)).astype(np.int64)

        # Least-squares line through the centroids of the valid frames.
        wts = valid.astype(np.float64)
        frames = np.arange(t, dtype=np.float64)[None, :]
        sw = np.maximum(wts.sum(axis=1, keepdims=True), 1e-9)
        tc = frames - (wts * frames).sum(axis=1, keepdims=True) / sw  # (B, T)
        denom = np.maximum((wts * tc * tc).sum(axis=1), 1e-9)
        step = []
        for key in ("x", "y"):
            coord = np.nan_to_num(f[key])
            step.append((wts * tc * coord).sum(axis=1) / denom)
        displacement = np.stack(step, axis=-1) * (t - 1) / self.height  # (B, 2) in units of H
        direction = np.argmax(displacement @ _VECTORS.T, axis=-1)
        distance = np.linalg.norm(displacement, axis=-1)
        speed = (distance > 0.5 * (_SLOW + _FAST)).astype(np.int64)

        out = {
            "shape": shape,
            "size": size,
            "direction": direction,
            "speed": speed,
            "found": found,
            "confidence": count / t,
        }
        if "color" in f:
            color = np.nan_to_num(_masked_median(f["color"], valid))  # (B, 3)
            color = color / np.maximum(color.max(axis=-1, keepdims=True), 1e-6)  # hue
            out["color"] = np.argmin(((color[:, None, :] - _PALETTE[None]) ** 2).sum(-1), axis=-1)
        for key in ATTRIBUTE_NAMES:
            if key in out:
                out[key] = np.where(found, out[key], 0).astype(np.int64)
        return out

    def _measure_chunk(self, clips):
        """clips: (B, T, H, W, 3) uint8 or float in [-1, 1] -> dict of (B, K) arrays."""
        x, unit = self._to_unit(clips)
        b, t, h, w, _ = x.shape
        rgb = x.reshape(b * t, h, w, 3)  # (N, H, W, 3)
        value = np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])
        value = value.astype(np.float32) * unit  # (N, H, W) in [0, 1]
        # The background covers most of the frame: its level is the median brightness.
        background = np.median(value[:, ::2, ::2].reshape(b * t, -1), axis=1)  # (N,)
        peak = value.reshape(b * t, -1).max(axis=1)
        contrast = peak - background
        lit = contrast > _MIN_CONTRAST
        scale = np.where(lit, 1.0 / np.maximum(contrast, 1e-6), 0.0).astype(np.float32)

        if self.num_objects == 1:
            f = self._frame_features(value, background, scale, rgb, unit)
            out = self._aggregate(f, b, t)
            return {k: v[:, None] for k, v in out.items()}

        # Two objects: every pixel takes the palette color nearest to its hue (color / max), which
        # for a palette of RGB-cube corners means rounding each channel of the hue.
        level = value / unit  # (N, H, W) brightness in the units of rgb
        code = np.zeros(value.shape, np.uint8)
        for c in range(3):
            code |= (rgb[..., c] > 0.5 * level).view(np.uint8) << np.uint8(2 - c)
        label = _CORNER_COLOR[code]  # (N, H, W) palette index
        core = value > (background + 0.5 * contrast)[:, None, None]
        counts = np.stack(
            [(core & (label == c)).reshape(b, -1).sum(axis=1) for c in range(len(_PALETTE))], axis=1
        )  # (B, colors)
        top = np.argsort(-counts, axis=1, kind="stable")[:, :2]  # (B, 2) most frequent colors
        top = np.sort(top, axis=1)  # objects in palette order
        outs = []
        for k in range(2):
            colour = np.repeat(top[:, k], t)  # (N,)
            mine = label == colour[:, None, None]
            f = self._frame_features(value * mine, background, scale, others=core & ~mine)
            out = self._aggregate(f, b, t)
            out["color"] = np.where(out["found"], top[:, k], 0)
            outs.append(out)
        return {k: np.stack([o[k] for o in outs], axis=1) for k in outs[0]}

    def measure(self, clips):
        """Measures every object of every clip.

        Args:
            clips: (B, T, H, W, 3) uint8, or float in [-1, 1] (NaN and values out of range are
                tolerated), with H equal to `height`.

        Returns:
            dict with int64 "shape", "color", "size", "direction", "speed" (ClassLabel indices in
            the spec's order), bool "found" and float "confidence" (share of frames the object
            was seen in); each (B,) for one object, (B, 2) for two (objects in the palette order
            of their colors).
        """
        clips = self._check(clips)
        chunks = [
            self._measure_chunk(clips[start : start + self.batch_size])
            for start in range(0, len(clips), self.batch_size)
        ]
        keys = ATTRIBUTE_NAMES + ("found", "confidence")
        out = {k: np.concatenate([c[k] for c in chunks], axis=0) for k in keys}
        if self.num_objects == 1:
            out = {k: v[:, 0] for k, v in out.items()}
        return out

    def score(self, clips, labels):
        """Accuracy of the measured attributes against the intended ones.

        Args:
            clips: as for `measure`.
            labels: mapping attribute name -> int array (B,) (or (B, 2) with two objects), or a
                sequence of B such mappings (e.g. from `parse_caption`). With two objects, each
                clip's measured objects are matched to its labels in the better of the two orders.

        Returns:
            dict of floats: per-attribute accuracy over objects, "all" (share of clips with every
            attribute of every object right) and "found" (share of objects found). An object
            that was not found counts as wrong.
        """
        labels = _stack_labels(labels, self.num_objects)
        pred = self.measure(clips)
        b = len(pred["found"])
        if len(labels["shape"]) != b:
            raise ValueError(f"labels describe {len(labels['shape'])} clips but clips holds {b}.")
        k = self.num_objects
        p = np.stack([pred[a].reshape(b, k) for a in ATTRIBUTE_NAMES], axis=-1)  # (B, K, 5)
        y = np.stack([labels[a].reshape(b, k) for a in ATTRIBUTE_NAMES], axis=-1)  # (B, K, 5)
        found = pred["found"].reshape(b, k)
        if k == 2:
            swapped = (p[:, ::-1] == y).sum(axis=(1, 2)) > (p == y).sum(axis=(1, 2))
            p = np.where(swapped[:, None, None], p[:, ::-1], p)
            found = np.where(swapped[:, None], found[:, ::-1], found)
        right = (p == y) & found[..., None]  # (B, K, 5)
        result = {a: float(right[..., i].mean()) for i, a in enumerate(ATTRIBUTE_NAMES)}
        result["all"] = float(right.all(axis=(1, 2)).mean())
        result["found"] = float(found.mean())
        return result


def _stack_labels(labels, num_objects):
    """Labels as a dict of int arrays (B, K), from a mapping of arrays or a sequence of mappings."""
    if not hasattr(labels, "keys"):
        labels = list(labels)
        if any(item is None for item in labels):
            missing = sum(item is None for item in labels)
            raise ValueError(f"{missing} of {len(labels)} labels are None (an unparsed caption?).")
        labels = {a: [item[a] for item in labels] for a in ATTRIBUTE_NAMES}
    missing = [a for a in ATTRIBUTE_NAMES if a not in labels]
    if missing:
        raise ValueError(f"labels lack {missing}; they need all of {list(ATTRIBUTE_NAMES)}.")
    out = {}
    for a in ATTRIBUTE_NAMES:
        value = np.asarray(labels[a], np.int64)
        if value.ndim == 1:
            value = value[:, None]
        if value.ndim != 2 or value.shape[1] != num_objects:
            raise ValueError(
                f"labels[{a!r}] must have shape (B,) or (B, {num_objects}); got {value.shape}."
            )
        out[a] = value
    return out
