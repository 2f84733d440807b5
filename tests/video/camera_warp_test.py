import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.testing.test_case import TestCase
from tf_t2v.video import CameraWarp


class CameraWarpTest(TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.clips = rng.uniform(-1, 1, size=(2, 4, 16, 16, 3)).astype("float32")
        self.cond = rng.normal(size=(2, 8)).astype("float32")

    def test_it_starts_near_the_identity_and_its_camera_reads_the_conditioning(self):
        warp = CameraWarp(4)
        np.testing.assert_array_equal(np.asarray(warp(self.clips, np.zeros_like(self.cond))), self.clips)
        # The kernel is small and random, not zero: the camera depends on the conditioning from
        # the first step (so the conditioning gets a gradient from it), by well under a pixel.
        _, dx, dy = (np.asarray(v) * 16 for v in warp.camera(self.cond))  # in pixels
        self.assertGreater(np.abs(dx[0] - dx[1]).max(), 1e-4)
        self.assertLess(max(np.abs(dx).max(), np.abs(dy).max()), 1.0)

    def test_a_shift_pans_by_whole_pixels_and_repeats_the_edge(self):
        warp = CameraWarp(4)
        warp(self.clips, self.cond)
        warp.set_path(dx=2 / 16)  # the camera moves 2 px right: content moves 2 px left
        out = np.asarray(warp(self.clips, self.cond))
        np.testing.assert_allclose(out[:, :, :, :-2], self.clips[:, :, :, 2:], atol=1e-6)
        np.testing.assert_allclose(out[:, :, :, -2:], self.clips[:, :, :, -1:].repeat(2, axis=3), atol=1e-6)
        warp.set_path(dy=-3 / 16)  # tilts 3 px up
        out = np.asarray(warp(self.clips, self.cond))
        np.testing.assert_allclose(out[:, :, 3:], self.clips[:, :, :-3], atol=1e-6)

    def test_a_zoom_samples_bilinearly_about_the_centre(self):
        warp = CameraWarp(4)
        warp(self.clips, self.cond)
        warp.set_path(log_zoom=math.log(0.5))  # zooms in 2x
        out = np.asarray(warp(self.clips, self.cond))
        for i, j in ((5, 9), (0, 15), (8, 8)):
            y, x = (i + 0.5) / 2 + 4 - 0.5, (j + 0.5) / 2 + 4 - 0.5  # source pixel coordinates
            y0, x0 = int(np.floor(y)), int(np.floor(x))
            fy, fx = y - y0, x - x0
            c = self.clips
            expected = ((1 - fy) * ((1 - fx) * c[:, :, y0, x0] + fx * c[:, :, y0, x0 + 1])
                        + fy * ((1 - fx) * c[:, :, y0 + 1, x0] + fx * c[:, :, y0 + 1, x0 + 1]))
            np.testing.assert_allclose(out[:, :, i, j], expected, atol=1e-5)

    def test_the_camera_follows_a_path_and_learns_it_from_a_pixel_loss(self):
        # The target pans right over the clip; gradient descent on L1 alone moves the last
        # frame's shift toward it and leaves the first frame's near where it started.
        canvas = np.tile(np.sin(np.arange(16) / 2.0)[None, None, None, :, None], (2, 4, 16, 1, 3)).astype("float32")
        target_warp = CameraWarp(4, degree=3)
        target_warp(canvas, self.cond)
        target_warp.set_path(dx=[0.0, 0.02, 0.04, 0.06])
        _, dx, _ = target_warp.camera(self.cond)
        np.testing.assert_allclose(np.asarray(dx), [[0.0, 0.02, 0.04, 0.06]] * 2, atol=1e-6)
        target = target_warp(canvas, self.cond)
        warp = CameraWarp(4, degree=1)
        warp(canvas, self.cond)
        optimizer = keras.optimizers.Adam(0.01)
        for _ in range(60):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.abs(warp(canvas, self.cond) - target))
            optimizer.apply_gradients(zip(tape.gradient(loss, warp.trainable_variables), warp.trainable_variables))
        _, dx, _ = (np.asarray(v) for v in warp.camera(self.cond))
        self.assertLess(abs(dx[:, 3] - 0.06).max(), 0.015)
        self.assertLess(abs(dx[:, 0]).max(), 0.015)

    def test_the_path_is_smooth_in_time(self):
        # Degree 1: whatever the conditioning, each parameter moves steadily over the clip.
        warp = CameraWarp(8, degree=1)
        warp(np.zeros((2, 8, 16, 16, 3), "float32"), self.cond)
        warp.dense.kernel.assign(np.random.default_rng(3).normal(size=warp.dense.kernel.shape))
        for path in warp.camera(self.cond):
            steps = np.diff(np.asarray(path), axis=1)
            self.assertTrue(np.all((steps >= 0).all(axis=1) | (steps <= 0).all(axis=1)))
        with pytest.raises(ValueError, match="within"):
            warp.set_path(dx=0.6)

    def test_a_given_path_films_the_clip_as_the_set_path_does(self):
        warp = CameraWarp(4)
        warp(self.clips, self.cond)
        path = ([0.1, 0.05, 0.0, -0.05], [0.0, 0.02, 0.04, 0.06], [-0.03, -0.01, 0.01, 0.03])
        given = warp(self.clips, self.cond, path=tuple(np.tile(np.float32(p), (2, 1)) for p in path)).numpy()
        warp.set_path(*path)  # degree 2 meets these paths (linear) exactly
        np.testing.assert_allclose(given, warp(self.clips, self.cond).numpy(), atol=3e-3)  # tanh round trip

    def test_smooth_keeps_a_path_it_can_follow_and_smooths_one_it_cannot(self):
        warp = CameraWarp(8)
        phase = np.arange(8) / 7 - 0.5
        quadratic = np.float32([0.1 + 0.2 * phase - 0.3 * phase**2])
        np.testing.assert_allclose(warp.smooth(quadratic).numpy(), quadratic, atol=1e-5)
        jumps = np.float32([[0.0, 0.2, 0.0, 0.2, 0.0, 0.2, 0.0, 0.2]])
        smoothed = warp.smooth(jumps).numpy()
        self.assertLess(np.abs(np.diff(smoothed)).max(), 0.05)
        self.assertAlmostEqual(float(smoothed.mean()), 0.1, places=5)  # least squares keeps the mean

    def test_serialization_and_frame_count_checked(self):
        warp = CameraWarp(4)
        warp(self.clips, self.cond)
        self.run_serialization_test(warp)
        with pytest.raises(ValueError, match="frames"):
            CameraWarp(3)(self.clips, self.cond)
        with pytest.raises(ValueError, match="num_frames"):
            CameraWarp(0)
        with pytest.raises(ValueError, match="degree"):
            CameraWarp(4, degree=-1)

    def test_mixed_precision(self):
        self.run_mixed_precision_test(CameraWarp, {"num_frames": 4}, (self.clips, self.cond),
                                      expected_output_dtype="bfloat16")
