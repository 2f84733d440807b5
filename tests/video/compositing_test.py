import numpy as np

from tf_t2v.testing.test_case import TestCase
from tf_t2v.video.compositing import composite


class CompositingTest(TestCase):
    def _dot_sprite(self, size=8):
        sprite = np.zeros((1, size, size, 4), np.float32)
        sprite[0, size // 2, size // 2] = [1.0, 0.5, 0.25, 1.0]  # the pixel right of/below centre
        return sprite

    def test_sprite_centre_lands_on_the_requested_pixel(self):
        background = np.full((1, 16, 20, 3), -1.0, np.float32)
        centres = np.array([[[10.0, 6.0], [3.0, 12.0]]], np.float32)  # (B, T, 2) pixels (x, y)
        out = np.asarray(composite(self._dot_sprite(), centres, background))  # (1, 2, 16, 20, 3)
        for t, (x, y) in enumerate(centres[0]):
            # Sprite pixel (4, 4) has its centre at sprite offset +0.5: frame pixel (x, y).
            row, col = np.unravel_index(np.argmax(out[0, t, ..., 3 - 3]), out.shape[2:4])
            self.assertEqual((row, col), (int(y), int(x)))
            self.assertAllClose(out[0, t, int(y), int(x)], [1.0, 0.5, 0.25])
            self.assertEqual(np.sum(out[0, t, ..., 0] > -1.0), 1)

    def test_half_pixel_shift_splits_the_dot(self):
        background = np.zeros((1, 8, 8, 3), np.float32)
        out = np.asarray(composite(self._dot_sprite(), np.array([[[4.5, 4.0]]], np.float32), background))
        self.assertAllClose(out[0, 0, 4, 4:6, 0], [0.5, 0.5])

    def test_transparent_sprite_shows_the_background(self):
        background = np.random.default_rng(0).uniform(-1, 1, (2, 8, 8, 3)).astype(np.float32)
        sprite = np.zeros((2, 4, 4, 4), np.float32)
        out = np.asarray(composite(sprite, np.full((2, 3, 2), 4.0, np.float32), background))
        self.assertAllClose(out, np.repeat(background[:, None], 3, axis=1))

    def test_second_sprite_over_clips_hides_the_first(self):
        background = np.zeros((1, 8, 8, 3), np.float32)
        centres = np.array([[[4.0, 4.0], [2.0, 2.0]]], np.float32)
        first = self._dot_sprite()
        second = self._dot_sprite()
        second[0, 4, 4] = [0.0, 0.0, 1.0, 1.0]
        under = np.asarray(composite(first, centres, background))  # (1, 2, 8, 8, 3)
        out = np.asarray(composite(second, centres, under))
        self.assertAllClose(out[0, :, 4, 4], [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
        self.assertAllClose(out[0, 1, 2, 2], [0.0, 0.0, 1.0])
