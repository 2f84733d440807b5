"""Rendered moving_digits clips and their motion, measured against the specification."""

import numpy as np
import pytest

from tfds_builders.moving_digits import render
from tfds_builders.moving_digits import spec

T = spec.NUM_FRAMES


def simulated(start, direction, frames=T):
    """The moving coordinate, stepped frame by frame: 3 px, reflected at 0 and 36."""
    p, d, out = float(start), int(direction), []
    for _ in range(frames):
        out.append(p)
        p += spec.STEP * d
        if p > spec.MAX_POSITION:
            p, d = 2 * spec.MAX_POSITION - p, -d
        elif p < 0:
            p, d = -p, -d
    return np.array(out)


def test_source_images_are_mnist_data_in_label_order():
    images, labels = render.digit_images()
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    np.testing.assert_array_equal(labels, np.repeat(np.arange(10), 500))
    assert images.max() == 255 and not images.flags.writeable
    assert all(spec.source_digit(i) == labels[i] for i in range(0, 5000, 37))


def test_bounce_moves_3_px_a_frame_and_reflects_at_0_and_36():
    rng = np.random.default_rng(0)
    starts = np.concatenate([[0.0, 36.0, 1.5, 34.5, 18.0], 36 * rng.random(200)])
    directions = np.concatenate([[-1, 1, -1, 1, 1], 2 * rng.integers(2, size=200) - 1])
    p = render.bounce(starts, directions, 40)  # (205, 40) float64
    assert p.shape == (205, 40)
    for row, start, direction in zip(p, starts, directions):
        np.testing.assert_allclose(row, simulated(start, direction, 40), atol=1e-9)
    assert p.min() >= 0 and p.max() <= spec.MAX_POSITION
    np.testing.assert_allclose(p[:, 0], starts)
    step = np.abs(np.diff(p, axis=1))
    near_wall = (np.minimum(p[:, :-1], p[:, 1:]) < 3) | (np.maximum(p[:, :-1], p[:, 1:]) > 33)
    np.testing.assert_allclose(step[~near_wall], 3.0)
    assert (np.diff(p[:, :2], axis=1)[:, 0] * directions > 0)[5:].mean() > 0.8  # starts in its direction
    # From 0 going back it turns at once; from 36 going on as well; 72 px is one period.
    np.testing.assert_allclose(render.bounce(0.0, -1, 4), [0, 3, 6, 9])
    np.testing.assert_allclose(render.bounce(36.0, 1, 4), [36, 33, 30, 27])
    np.testing.assert_allclose(render.bounce(10.0, 1, 25)[24], 10.0)


def test_positions_round_half_up():
    np.testing.assert_array_equal(render.pixel_position([0.0, 0.49, 0.5, 2.5, 35.5, 36.0]), [0, 0, 1, 3, 36, 36])
    assert render.pixel_position(1.2).dtype == np.int32


def test_tracks_move_the_axis_coordinate_and_fix_the_other():
    rng = np.random.default_rng(1)
    motion = render.sample_motion(rng, (500, 2))
    axis = rng.integers(2, size=(500, 2))
    track = render.tracks(axis, motion)
    assert track.shape == (500, 2, T, 2) and track.dtype == np.int32
    moving = np.floor(render.bounce(motion["start"], motion["direction"]) + 0.5)
    fixed = np.floor(motion["fixed"] + 0.5)
    x, y = track[..., 0], track[..., 1]
    horizontal = axis == 0
    np.testing.assert_array_equal(x[horizontal], moving[horizontal])
    np.testing.assert_array_equal(y[horizontal], np.broadcast_to(fixed[horizontal][:, None], (horizontal.sum(), T)))
    np.testing.assert_array_equal(y[~horizontal], moving[~horizontal])
    np.testing.assert_array_equal(x[~horizontal], np.broadcast_to(fixed[~horizontal][:, None], ((~horizontal).sum(), T)))
    assert track.min() == 0 and track.max() == 36


def test_motion_is_uniform():
    motion = render.sample_motion(np.random.default_rng(2), (20_000,))
    for name in ("start", "fixed"):
        values = motion[name]
        assert values.min() >= 0 and values.max() <= 36
        np.testing.assert_allclose(np.histogram(values, bins=6, range=(0, 36))[0] / len(values), 1 / 6, atol=0.015)
    assert set(np.unique(motion["direction"])) == {-1, 1}
    assert abs(motion["direction"].mean()) < 0.03


def test_sources_come_from_the_split_pool():
    rng = np.random.default_rng(3)
    digits = np.repeat(np.arange(10), 2000)[:, None]
    for split in spec.SOURCE_POOL:
        sources = render.sample_sources(rng, digits, split)
        assert all(spec.source_digit(s) == d for s, d in zip(sources[::97, 0], digits[::97, 0]))
        unseen = np.array([spec.is_unseen_source(s) for s in sources[:, 0]])
        assert unseen.all() == (split in ("test", "test_unseen")) and unseen.any() == unseen.all()
        for d in (0, 9):
            pool = spec.source_indices(d, split)
            assert len(pool) == (100 if split.startswith("test") else 400)
            drawn = set(sources[digits[:, 0] == d, 0].tolist())
            assert drawn <= set(pool) and len(drawn) > 0.95 * len(pool)


def test_a_clip_is_the_digit_pasted_on_black_with_r_equal_g_equal_b():
    images, _ = render.digit_images()
    track = np.stack([np.arange(T) * 2, np.full(T, 5)], axis=-1)[None]  # (1, T, 2)
    clip = render.render_clip(images[[7]], track)
    assert clip.shape == (T, 64, 64, 3) and clip.dtype == np.uint8
    assert (clip[..., 0] == clip[..., 1]).all() and (clip[..., 1] == clip[..., 2]).all()
    for t in range(T):
        expected = np.zeros((64, 64), np.uint8)
        expected[5:33, 2 * t:2 * t + 28] = images[7]
        np.testing.assert_array_equal(clip[t, ..., 0], expected)


def test_where_digits_overlap_the_brighter_wins():
    images, _ = render.digit_images()
    pair = images[[123, 2600]]
    track = np.array([[[10, 12]] * 2, [[20, 16]] * 2])  # (2, 2 frames, 2): overlapping squares
    clip = render.render_clip(pair, track)[..., 0]
    expected = np.zeros((64, 64), np.uint8)
    expected[12:40, 10:38] = pair[0]
    expected[16:44, 20:48] = np.maximum(expected[16:44, 20:48], pair[1])
    np.testing.assert_array_equal(clip[0], expected)
    np.testing.assert_array_equal(clip, render.render_clip(pair[::-1], track[::-1])[..., 0])  # order-free
    overlap = expected[16:40, 20:38]
    assert (overlap > np.minimum(pair[0][4:, 10:], pair[1][:24, :18])).any()


def test_a_track_outside_the_frame_is_refused():
    images, _ = render.digit_images()
    with pytest.raises(ValueError, match=r"in \[0, 36\]"):
        render.render_clip(images[[0]], np.full((1, 2, 2), 37))
