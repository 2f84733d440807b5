"""Rendered clips and captions measured against the moving_shapes specification."""

import itertools
import re

import numpy as np
import pytest

from tfds_builders.moving_shapes import captions
from tfds_builders.moving_shapes import moving_shapes_dataset_builder as msb
from tfds_builders.moving_shapes import render
from tfds_builders.moving_shapes import spec

T = spec.NUM_FRAMES
SHAPE, COLOR, SIZE, DIRECTION, SPEED = range(5)


# ---------------------------------------------------------------- measurement helpers


def alpha_of(frame):
    """Coverage of a single-object frame (H, W, 3) in [0, 1]: its brightest channel / 255."""
    return frame.max(axis=-1).astype(np.float64) / 255.0


def centroid(frame):
    """Coverage-weighted centroid (cx, cy) in pixels, pixel centres at i + 0.5."""
    a = alpha_of(frame)
    ys, xs = np.mgrid[: a.shape[0], : a.shape[1]] + 0.5
    return np.array([(a * xs).sum(), (a * ys).sum()]) / a.sum()


def extents(frame):
    """Sub-pixel width and height: per column (row), the largest coverage, summed.

    Exact for straight and round edges; a sharp vertex loses part of its sub-pixel tip.
    """
    a = alpha_of(frame)
    return a.max(axis=0).sum(), a.max(axis=1).sum()


def lit_box(frame):
    """Bounding box (x0, x1, y0, y1) of the colored (non-black) pixels, in pixel coordinates."""
    lit = frame.any(axis=-1)
    cols, rows = np.nonzero(lit.any(axis=0))[0], np.nonzero(lit.any(axis=1))[0]
    return np.array([cols[0], cols[-1] + 1, rows[0], rows[-1] + 1], np.float64)


# How much shorter than 2e the sub-pixel extent may measure: flat and round edges are exact,
# the triangle's and diamond's sharp vertices lose up to about a pixel of thin tip.
EXTENT_SLACK = {"circle": 0.15, "square": 0.05, "triangle": 1.25, "diamond": 1.25}


def interior(mask):
    """Pixels whose 3x3 neighbourhood is all in `mask` (frame borders count as outside)."""
    padded = np.pad(mask, 1)
    h, w = mask.shape
    out = np.ones_like(mask)
    for dy, dx in itertools.product(range(3), range(3)):
        out &= padded[dy : dy + h, dx : dx + w]
    return out


def centroid_offset(shape, e):
    """Area centroid minus the spec's centre: the triangle's lies e/3 below it."""
    return np.array([0.0, e / 3.0 if spec.SHAPES[shape] == "triangle" else 0.0])


def one_clip(shape, color, size, direction, speed, start, height=64):
    """One single-object clip (T, H, W, 3) and its start, from attribute indices."""
    attrs = np.array([[[shape, color, size, direction, speed]]])
    start = np.asarray(start, np.float32).reshape(1, 1, 2)
    return render.render_clips(attrs, start, height)[0], start[0, 0].astype(np.float64)


ALL_SINGLE = list(itertools.product(range(4), range(7), range(2), range(8), range(2)))


@pytest.fixture(scope="module")
def sample_clips():
    """Every (shape, size, direction, speed) once, colors cycling, at 64 and 32 pixels."""
    rng = np.random.default_rng(7)
    combos = np.array([(s, (s + z + d) % 7, z, d, v) for s, z, d, v in
                       itertools.product(range(4), range(2), range(8), range(2))])  # (128, 5)
    out = {}
    for height in (64, 32):
        attrs = combos[:, None, :]
        starts = render.sample_starts(rng, attrs, height)
        out[height] = (attrs, starts, render.render_clips(attrs, starts, height))
    return out


# ---------------------------------------------------------------- geometry and colour


@pytest.mark.parametrize("height", [64, 32])
def test_interior_is_exact_palette_color_and_background_black(sample_clips, height):
    attrs, starts, videos = sample_clips[height]
    for (shape, color, size, *_), clip in zip(attrs[:, 0], videos):
        rgb = np.array(spec.COLOR_RGB[spec.COLORS[color]], np.uint8)
        for frame in clip[[0, T // 2, T - 1]]:
            lit = frame.any(axis=-1)
            inside = interior(lit)
            assert inside.sum() >= 1, "a shape should have interior pixels"
            np.testing.assert_array_equal(frame[inside], np.broadcast_to(rgb, frame[inside].shape))
            # Every lit pixel is the palette color scaled by its coverage: off channels stay 0,
            # on channels are equal.
            on = rgb > 0
            assert (frame[lit][:, ~on] == 0).all()
            assert (frame[lit][:, on] == frame[lit][:, on][:, :1]).all()
            # Background: black, and most of the frame.
            e = spec.SIZE_HALF_EXTENT[spec.SIZES[size]] * height
            assert (~lit).sum() > height * height - (2 * e + 2) ** 2


@pytest.mark.parametrize("height", [64, 32])
def test_extents_displacement_and_frames_inside(sample_clips, height):
    attrs, starts, videos = sample_clips[height]
    for (shape, color, size, direction, speed), start, clip in zip(attrs[:, 0], starts[:, 0], videos):
        e = spec.SIZE_HALF_EXTENT[spec.SIZES[size]] * height
        step = (
            np.array(spec.DIRECTION_VECTORS[spec.DIRECTIONS[direction]])
            * spec.SPEED_DISPLACEMENT[spec.SPEEDS[speed]] * height
        )
        # The whole shape inside the frame at the first and last frame (so at every frame).
        for centre in (start, start + step):
            assert (centre - e >= -1e-4).all() and (centre + e <= height + 1e-4).all(), (centre, e)
        name = spec.SHAPES[shape]
        for t, frame in enumerate(clip):
            centre = start + step * t / (T - 1)
            # Each side of the colored region's bounding box within a pixel of the shape's.
            box = np.array([centre[0] - e, centre[0] + e, centre[1] - e, centre[1] + e])
            np.testing.assert_array_less(np.abs(lit_box(frame) - box), 1.0 + 1e-3)
            for extent in extents(frame):
                assert 2 * e - EXTENT_SLACK[name] <= extent <= 2 * e + 0.01, (name, t, extent, 2 * e)
            np.testing.assert_allclose(centroid(frame), centre + centroid_offset(shape, e), atol=0.2)
        moved = centroid(clip[-1]) - centroid(clip[0])
        np.testing.assert_allclose(moved, step, atol=0.2)
        distance = spec.SPEED_DISPLACEMENT[spec.SPEEDS[speed]] * height
        assert abs(np.linalg.norm(moved) - distance) <= 0.2
        unit = np.array(spec.DIRECTION_VECTORS[spec.DIRECTIONS[direction]])
        assert moved @ unit / np.linalg.norm(moved) > 0.999


def test_square_is_axis_aligned_with_exact_width():
    # A large square at an integer-aligned centre: e = 9.6, so 19 full columns and rows.
    clip, start = one_clip(1, 0, 1, 1, 0, start=(32.0, 32.0))
    frame = clip[0]
    full = (frame == (255, 0, 0)).all(axis=-1)
    cols = np.nonzero(full.any(axis=0))[0]
    rows = np.nonzero(full.any(axis=1))[0]
    assert (cols.min(), cols.max(), rows.min(), rows.max()) == (23, 40, 23, 40)
    np.testing.assert_allclose(extents(frame), (19.2, 19.2), atol=1e-2)
    # Edges at 22.4 and 41.6: the border pixels are 0.6 covered (0.6 * 255 = 153), then black.
    assert frame[32, 22, 0] == frame[32, 41, 0] == frame[22, 32, 0] == frame[41, 32, 0] == 153
    assert frame[32, 21, 0] == frame[32, 42, 0] == 0


def test_circle_is_round():
    clip, _ = one_clip(0, 2, 1, 2, 0, start=(40.0, 30.0))
    a = alpha_of(clip[0])
    ys, xs = np.mgrid[:64, :64] + 0.5
    r = np.hypot(xs - 40.0, ys - 30.0)
    e = 0.15 * 64
    assert (a[r <= e - 0.5] == 1.0).all()
    assert (a[r >= e + 0.5] == 0.0).all()
    np.testing.assert_allclose(a.sum(), np.pi * e * e, rtol=0.01)


def test_triangle_points_up_and_diamond_is_a_rotated_square():
    e = 0.15 * 64
    tri, _ = one_clip(2, 3, 1, 2, 0, start=(32.0, 40.0))
    half = alpha_of(tri[0]) >= 0.5
    rows = np.nonzero(half.any(axis=1))[0]
    widths = half[rows].sum(axis=1)
    assert widths[0] <= 3, widths  # the apex is at the top
    assert widths[-1] >= 2 * e - 1.5, widths  # the base at the bottom
    assert (np.diff(widths) >= 0).all(), widths  # widening downward
    np.testing.assert_allclose(alpha_of(tri[0]).sum(), 2 * e * e, rtol=0.01)  # area 2 e^2
    # The apex at (cx, cy - e), the base at cy + e: the colored box within a pixel of them.
    np.testing.assert_array_less(np.abs(lit_box(tri[0]) - (32 - e, 32 + e, 40 - e, 40 + e)), 1.0)

    dia, _ = one_clip(3, 4, 1, 2, 0, start=(32.0, 32.0))
    half = alpha_of(dia[0]) >= 0.5
    widths = half[half.any(axis=1)].sum(axis=1)
    middle = len(widths) // 2
    assert widths[0] <= 3 and widths[-1] <= 3 and widths[middle] >= 2 * e - 1.5, widths
    np.testing.assert_allclose(alpha_of(dia[0]).sum(), 2 * e * e, rtol=0.01)


def test_windowed_rendering_matches_full_frame_signed_distance():
    # The renderer works in windows; a brute-force full-frame evaluation must agree exactly.
    rng = np.random.default_rng(3)
    attrs = np.array([[[s, 6, z, d, v]] for s, z, d, v in
                      itertools.product(range(4), range(2), (0, 5), range(2))])
    for height in (64, 32):
        starts = render.sample_starts(rng, attrs, height)
        clips = render.render_clips(attrs, starts, height)
        centres = render.trajectories(attrs, starts, height)  # (N, 1, T, 2)
        pixel = np.arange(height, dtype=np.float32) + 0.5
        for i, (shape, _, size, _, _) in enumerate(attrs[:, 0]):
            e = np.float32(spec.SIZE_HALF_EXTENT[spec.SIZES[size]] * height)
            c = centres[i, 0]
            dx = (pixel[None, None, :] - c[:, 0, None, None]).astype(np.float32)
            dy = (pixel[None, :, None] - c[:, 1, None, None]).astype(np.float32)
            alpha = np.clip(0.5 - render.signed_distance(shape, dx, dy, e), 0, 1)
            np.testing.assert_array_equal(clips[i, ..., 0], np.rint(alpha * 255).astype(np.uint8))


def test_second_object_is_drawn_over_the_first():
    # Same start for both: a large red square under a small blue circle.
    attrs = np.array([[[1, 0, 1, 1, 0], [0, 2, 0, 1, 0]]])
    starts = np.array([[[20.0, 32.0], [20.0, 32.0]]], np.float32)
    clip = render.render_clips(attrs, starts, 64)[0]
    frame = clip[0]
    np.testing.assert_array_equal(frame[32, 20], (0, 0, 255))  # centre: the second object
    np.testing.assert_array_equal(frame[32, 13], (255, 0, 0))  # outside the circle: the first
    swapped = render.render_clips(attrs[:, ::-1], starts, 64)[0]
    np.testing.assert_array_equal(swapped[0, 32, 20], (255, 0, 0))  # the square now covers it


# ---------------------------------------------------------------- starts


def test_starts_are_uniform_over_the_valid_box():
    rng = np.random.default_rng(11)
    attrs = np.tile(np.array([[[2, 0, 1, 5, 1]]]), (20000, 1, 1))  # large up-right quickly
    starts = render.sample_starts(rng, attrs, 64)[:, 0].astype(np.float64)
    e, d = 0.15 * 64, 0.5 * 64 / np.sqrt(2.0)
    low = np.array([e, e + d])  # moving right: x room on the right; moving up: y room above
    high = np.array([64 - e - d, 64 - e])
    assert (starts >= low - 1e-4).all() and (starts <= high + 1e-4).all()
    np.testing.assert_allclose(starts.min(axis=0), low, atol=0.05)
    np.testing.assert_allclose(starts.max(axis=0), high, atol=0.05)
    for axis in range(2):
        counts, _ = np.histogram(starts[:, axis], bins=10, range=(low[axis], high[axis]))
        np.testing.assert_allclose(counts, 2000, rtol=0.1)


def test_every_attribute_combination_has_room_to_move():
    attrs = np.array(ALL_SINGLE)[:, None, :]
    for height in (64, 32):
        low, high = render.start_bounds(attrs, height)
        assert (high > low).all()


# ---------------------------------------------------------------- captions

_WORDS = {
    "shape": {v: (v,) for v in spec.SHAPES},
    "color": {v: (v,) for v in spec.COLORS},
    "size": spec.SIZE_WORDS,
    "direction": spec.DIRECTION_WORDS,
    "speed": spec.SPEED_WORDS,
}


def parse(caption):
    """Attribute name -> list of values named in the caption, in order of appearance."""
    found = {}
    for attribute, table in _WORDS.items():
        phrases = sorted(((p, v) for v, ps in table.items() for p in ps), key=lambda x: -len(x[0]))
        lookup = dict(phrases)
        pattern = r"(?<![\w-])(" + "|".join(re.escape(p) for p, _ in phrases) + r")(?![\w-])"
        found[attribute] = [lookup[m] for m in re.findall(pattern, caption)]
    return found


def allowed_words():
    words = set(spec.SHAPES) | set(spec.COLORS) | set(captions.CONJUNCTIONS)
    for phrase in itertools.chain(
        spec.VERBS, spec.DETERMINERS, *spec.SIZE_WORDS.values(), *spec.SPEED_WORDS.values(),
        *spec.DIRECTION_WORDS.values(),
    ):
        words.update(phrase.split())
    return words


def _train_captions(config_name, chunks):
    out = []
    for chunk in range(chunks):
        attrs, _, texts = msb.sample_chunk(config_name, "train", chunk)
        out.extend(zip(attrs, texts))
    return out


@pytest.mark.parametrize("config_name", ["single_64", "double_64"])
def test_captions_name_every_attribute_with_spec_words(config_name):
    allowed = allowed_words()
    for attrs, text in _train_captions(config_name, 4):
        assert set(re.findall(r"[\w-]+", text)) <= allowed, text
        named = parse(text)
        for column, attribute in enumerate(spec.ATTRIBUTE_COLUMNS):
            expected = [spec.ATTRIBUTES[attribute][i] for i in attrs[:, column]]
            assert named[attribute] == expected, (text, attribute)
        if len(attrs) == 2:
            assert re.search(r"\b(and|while)\b", text.replace("up and to", "").replace("down and to", ""))


def test_every_synonym_template_and_conjunction_occurs_in_training_captions():
    single = " | ".join(text for _, text in _train_captions("single_64", 16))  # 2048 captions
    double = " | ".join(text for _, text in _train_captions("double_64", 8))
    for phrase in itertools.chain(
        spec.VERBS, *spec.SIZE_WORDS.values(), *spec.SPEED_WORDS.values(),
        *spec.DIRECTION_WORDS.values(),
    ):
        assert re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", single), phrase
    for det in spec.DETERMINERS:
        assert re.search(rf"(^|\| |, ){det} ", single), det
    assert " while " in double and re.search(r"(slowly|pace|quickly|fast|rapidly|ward|left|right|up|down) and ", double)
    # Every template is used: reduce captions of one object to their word order.
    slots = {"D": spec.DETERMINERS, "S": spec.SIZE_WORDS["small"], "C": ("red",), "N": ("circle",),
             "V": spec.VERBS, "P": spec.SPEED_WORDS["slowly"], "R": spec.DIRECTION_WORDS["left"]}
    letter = {phrase: slot for slot, phrases in slots.items() for phrase in phrases}
    pattern = r"\b(" + "|".join(sorted(letter, key=len, reverse=True)) + r")\b"
    rng = np.random.default_rng(0)
    obj = dict(shape="circle", color="red", size="small", direction="left", speed="slowly")
    orders = {re.sub(pattern, lambda m: letter[m.group(1)], captions.make_caption(rng, [obj]))
              for _ in range(600)}
    expected = {t.format(det="D", size="S", color="C", shape="N", verb="V", speed="P", direction="R")
                for t in captions.TEMPLATES}
    assert len(expected) >= 6 and orders == expected


def test_make_caption_accepts_indices_and_rejects_bad_input():
    rng = np.random.default_rng(1)
    text = captions.make_caption(rng, [dict(shape=2, color=6, size=1, direction=7, speed=1)])
    assert parse(text)["shape"] == ["triangle"] and parse(text)["direction"] == ["down-right"]
    with pytest.raises(ValueError, match="missing"):
        captions.make_caption(rng, [dict(shape="circle")])
    with pytest.raises(ValueError, match="Unknown color"):
        captions.make_caption(rng, [dict(shape="circle", color="pink", size="small", direction="up",
                                         speed="slowly")])
    with pytest.raises(ValueError, match="at least one"):
        captions.make_caption(rng, [])


# ---------------------------------------------------------------- held-out compositions


def test_held_out_triples_are_the_specs_26():
    held = msb.allowed_triples(held_out=True)
    seen = msb.allowed_triples(held_out=False)
    assert len(held) == 26 and len(seen) == 198
    assert all((2 * s + 3 * c + d) % 9 == 0 for s, c, d in held)


@pytest.mark.parametrize("config_name", ["single_64", "double_64"])
def test_sampled_splits_respect_held_out_compositions(config_name):
    num_objects = spec.CONFIGS[config_name][0]
    for split in ("train", "validation", "test", "test_unseen"):
        attrs = np.concatenate([msb.sample_chunk(config_name, split, c)[0] for c in range(4)])
        held = np.array([[spec.is_held_out(*o[[SHAPE, COLOR, DIRECTION]]) for o in clip] for clip in attrs])
        assert attrs.shape == (4 * msb.CHUNK, num_objects, 5)
        assert held.all() if split == "test_unseen" else not held.any(), split
        if num_objects == 2:
            assert (attrs[:, 0, SHAPE] != attrs[:, 1, SHAPE]).all()
            assert (attrs[:, 0, COLOR] != attrs[:, 1, COLOR]).all()
        if split == "train":
            for column, names in enumerate(spec.ATTRIBUTES.values()):
                assert set(attrs[..., column].ravel()) == set(range(len(names)))


def test_sampling_is_seeded_by_names_only():
    a = msb.sample_chunk("single_64", "train", 3)
    b = msb.sample_chunk("single_64", "train", 3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]
    c = msb.sample_chunk("single_64", "validation", 3)
    assert not np.array_equal(a[1], c[1])
    # Pinned values: a change in the seeding (and so in the dataset) cannot go unnoticed.
    assert [msb.split_rng("single_64", "train", c).integers(1 << 30) for c in (0, 1)] == [
        873582574, 239029877]
