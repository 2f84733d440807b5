import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.models.global_motion import _weighted_median, camera_path, motion_divergence, motion_vectors
from tf_t2v.video import CameraWarp


def texture(size=40, frames=4, seed=0):
    """A smooth random texture (B=1, frames, size, size, 3), the same in every frame."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(-1, 1, size=(1, 1, size // 4, size // 4, 1)).astype("float32")
    frame = tf.image.resize(small[0], (size, size), method="bicubic").numpy()[None]
    return np.repeat(np.repeat(frame, frames, axis=1), 3, axis=-1)


def test_content_moving_right_reads_as_positive_dx_in_every_region():
    big = texture(48, 1)[0, 0]
    clip = np.stack([big[4:44, 4 - t:44 - t] for t in range(4)])[None]  # moves 1 px right a frame
    vectors = motion_vectors(clip).numpy()
    assert vectors.shape == (1, 3, 4, 2)
    np.testing.assert_allclose(vectors[..., 1], 1.0, atol=0.15)
    np.testing.assert_allclose(vectors[..., 0], 0.0, atol=0.15)
    np.testing.assert_allclose(motion_vectors(texture(40, 4)).numpy(), 0.0, atol=0.05)  # static: no motion


def test_a_zoom_in_moves_the_regions_apart():
    warp = CameraWarp(4)
    clips = texture(40, 4)
    warp(clips, np.zeros((1, 8), "float32"))
    warp.set_path(log_zoom=[math.log(z) for z in (1.0, 0.95, 0.9, 0.85)])
    vectors = motion_vectors(warp(clips, np.zeros((1, 8), "float32"))).numpy().mean(axis=1)[0]  # (4, 2)
    # Regions in row-major order: top-left, top-right, bottom-left, bottom-right.
    assert vectors[0, 0] < -0.2 and vectors[1, 0] < -0.2 and vectors[2, 0] > 0.2 and vectors[3, 0] > 0.2  # dy
    assert vectors[0, 1] < -0.2 and vectors[2, 1] < -0.2 and vectors[1, 1] > 0.2 and vectors[3, 1] > 0.2  # dx


def test_matching_motion_alone_teaches_a_camera_which_way_to_pan():
    # No pixel loss: the camera learns the real clip's pan from the motion statistics only.
    clips = texture(40, 4, seed=1)
    target_warp = CameraWarp(4, degree=3)
    target_warp(clips, np.zeros((1, 8), "float32"))
    target_warp.set_path(dx=[0.0, 0.025, 0.05, 0.075])  # 1 px a frame
    real = target_warp(clips, np.zeros((1, 8), "float32"))
    warp = CameraWarp(4)
    warp(clips, np.zeros((1, 8), "float32"))
    optimizer = keras.optimizers.Adam(0.01)
    for _ in range(40):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(motion_divergence(real, warp(clips, np.zeros((1, 8), "float32"))))
        optimizer.apply_gradients(zip(tape.gradient(loss, warp.trainable_variables), warp.trainable_variables))
    _, dx, _ = warp.camera(np.zeros((1, 8), "float32"))
    steps = np.diff(np.asarray(dx)[0]) * 40  # pixels a frame
    assert np.all(steps > 0.5), steps


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="max_shift"):
        motion_vectors(np.zeros((1, 2, 16, 16, 3)), max_shift=0)
    with pytest.raises(ValueError, match="too small"):
        motion_vectors(np.zeros((1, 2, 6, 6, 3)), max_shift=2, regions=4)


def test_the_divergence_is_zero_for_the_same_motion_and_worst_for_flat_or_reversed_clips():
    big = texture(48, 1, seed=2)[0, 0]
    right = np.stack([big[4:44, 4 - t:44 - t] for t in range(4)])[None]
    left = right[:, :, :, ::-1]
    still = np.repeat(right[:, :1], 4, axis=1)
    flat = np.zeros_like(right)
    same, reversed_, static, blank = (float(motion_divergence(right, x)[0]) for x in (right, left, still, flat))
    assert abs(same) < 1e-5
    assert reversed_ > static > 0.5 and blank > 0.5  # a flat clip is no way out


def filmed(clip, **path):
    """`clip` (1, T, H, W, 3) filmed by a `CameraWarp` along a set path."""
    warp = CameraWarp(clip.shape[1], degree=3)
    warp(clip, np.zeros((1, 8), "float32"))
    warp.set_path(**path)
    return warp(clip, np.zeros((1, 8), "float32")).numpy()


def test_camera_path_reads_a_known_pan_and_zoom():
    phase = np.arange(16) / 15 - 0.5
    clip = texture(64, 16, seed=3)
    log_zoom, dx, dy = (np.asarray(v)[0] for v in camera_path(filmed(clip, log_zoom=-0.15 * phase, dx=0.1 * phase)))
    # The path is read with the middle of the clip as the reference.
    np.testing.assert_allclose(dx, 0.1 * phase, atol=0.012)
    np.testing.assert_allclose(log_zoom, -0.15 * phase, atol=0.018)
    np.testing.assert_allclose(dy, 0.0, atol=0.01)
    still = [np.abs(np.asarray(v)).max() for v in camera_path(clip)]
    assert max(still) < 0.005, still  # a third of a pixel at most, over the whole clip


def test_specks_that_move_on_their_own_do_not_move_the_camera():
    clip = texture(64, 8, seed=4)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 64, 400), rng.integers(0, 64, 400)
    for t in range(8):  # 400 one-pixel flakes fall 2 px a frame over a still scene
        clip[0, t, (y + 2 * t) % 64, x] = 1.0
    _, dx, dy = (np.asarray(v)[0] for v in camera_path(clip))
    assert np.abs(dx).max() < 0.01 and np.abs(dy).max() < 0.01, (dx, dy)
    _, _, dy_raw = (np.asarray(v)[0] for v in camera_path(clip, opening=1))  # without the opening they are read
    assert np.abs(dy_raw).max() > 2 * np.abs(dy).max()


def test_weighted_median_follows_the_weights():
    x = tf.constant([[3.0, 1.0, 2.0, 10.0, -5.0]])
    assert float(_weighted_median(x, tf.ones_like(x))[0]) == 2.0
    assert float(_weighted_median(x, tf.constant([[0.0, 0.0, 0.0, 1.0, 0.0]]))[0]) == 10.0
    assert float(_weighted_median(x, tf.constant([[1.0, 1.0, 1.0, 5.0, 1.0]]))[0]) == 10.0
