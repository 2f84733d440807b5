import itertools
import unittest

import cv2
import numpy as np

from tf_t2v.eval import ShapeMeasurer, parse_caption
from tfds_builders.moving_shapes import captions, render, spec

ATTRIBUTES = tuple(spec.ATTRIBUTES)
# Every (shape, color, size, direction, speed) combination: (896, 5).
COMBINATIONS = np.array(
    list(itertools.product(*(range(len(v)) for v in spec.ATTRIBUTES.values())))
)
_CLIPS = {}


def clips_for(height):
    """Every combination rendered once at `height`, from random valid starts."""
    if height not in _CLIPS:
        rng = np.random.default_rng(height)
        starts = render.sample_starts(rng, COMBINATIONS, height)
        _CLIPS[height] = render.render_clips(COMBINATIONS, starts, height)  # (896, 16, H, H, 3)
    return _CLIPS[height]


def labels_of(attrs):
    return {a: attrs[..., i] for i, a in enumerate(ATTRIBUTES)}


def blur(clips, sigma):
    frames = clips.reshape((-1,) + clips.shape[2:])
    return np.stack([cv2.GaussianBlur(f, (0, 0), sigma) for f in frames]).reshape(clips.shape)


class ShapeMeasurerTest(unittest.TestCase):
    def assertAccuracy(self, scores, minimum, attributes=ATTRIBUTES):
        for a in attributes:
            self.assertGreaterEqual(scores[a], minimum, f"{a} accuracy {scores[a]:.4f}: {scores}")

    def test_every_combination_at_64(self):
        scores = ShapeMeasurer(64).score(clips_for(64), labels_of(COMBINATIONS))
        self.assertAccuracy(scores, 0.99)
        self.assertEqual(scores["found"], 1.0)

    def test_every_combination_at_32(self):
        scores = ShapeMeasurer(32).score(clips_for(32), labels_of(COMBINATIONS))
        self.assertAccuracy(scores, 0.99)
        self.assertEqual(scores["found"], 1.0)

    def test_outputs(self):
        out = ShapeMeasurer(32).measure(clips_for(32)[:5])
        self.assertEqual(set(out), set(ATTRIBUTES) | {"found", "confidence"})
        for a in ATTRIBUTES:
            self.assertEqual(out[a].shape, (5,))
            self.assertEqual(out[a].dtype, np.int64)
            self.assertTrue(np.all((out[a] >= 0) & (out[a] < len(spec.ATTRIBUTES[a]))))
        self.assertEqual(out["found"].dtype, bool)
        np.testing.assert_array_equal(out["confidence"], np.ones(5))
        np.testing.assert_array_equal(np.stack([out[a] for a in ATTRIBUTES], -1), COMBINATIONS[:5])

    def test_float_input_in_minus_one_one(self):
        clips = clips_for(32)[::7]
        measurer = ShapeMeasurer(32)
        expected = measurer.measure(clips)
        actual = measurer.measure(clips.astype(np.float32) / 127.5 - 1.0)
        for a in ATTRIBUTES + ("found",):
            np.testing.assert_array_equal(actual[a], expected[a])

    def test_gaussian_noise(self):
        rng = np.random.default_rng(0)
        for height in (64, 32):
            clips = clips_for(height)[::4].astype(np.float32) / 127.5 - 1.0
            noise = 0.2 * rng.standard_normal(clips.shape, dtype=np.float32)  # sigma 25/255
            noisy = np.clip(clips + noise, -1.0, 1.0)
            scores = ShapeMeasurer(height).score(noisy, labels_of(COMBINATIONS[::4]))
            self.assertAccuracy(scores, 0.95)

    def test_blur(self):
        labels = labels_of(COMBINATIONS[::4])
        scores = ShapeMeasurer(64).score(blur(clips_for(64)[::4], 1.0), labels)
        self.assertAccuracy(scores, 0.95)
        # At 32 a small shape is under 6 pixels wide: blur costs the silhouette first.
        scores = ShapeMeasurer(32).score(blur(clips_for(32)[::4], 0.7), labels)
        self.assertAccuracy(scores, 0.95)

    def test_dim_and_missing_frames(self):
        clips = clips_for(32)[::4].copy()
        clips[:, ::3] = 0  # the object vanishes in every third frame
        clips = (clips * 0.6).astype(np.uint8)  # and is dim
        out = ShapeMeasurer(32).measure(clips)
        self.assertAccuracy(ShapeMeasurer(32).score(clips, labels_of(COMBINATIONS[::4])), 0.99)
        np.testing.assert_allclose(out["confidence"], 10 / 16)

    def test_empty_clips_are_not_found(self):
        measurer = ShapeMeasurer(32)
        black = np.zeros((2, 16, 32, 32, 3), np.uint8)
        white = np.full((1, 16, 32, 32, 3), 255, np.uint8)
        nan = np.full((1, 16, 32, 32, 3), np.nan, np.float32)
        for clips in (black, white, nan):
            out = measurer.measure(clips)
            self.assertFalse(out["found"].any())
            np.testing.assert_array_equal(out["confidence"], 0.0)
            for a in ATTRIBUTES:
                np.testing.assert_array_equal(out[a], 0)
        # A clip with no object scores zero even where the labels are all first classes.
        scores = measurer.score(black, labels_of(np.zeros((2, 5), np.int64)))
        self.assertEqual(scores, {a: 0.0 for a in ATTRIBUTES + ("all", "found")})

    def test_score_with_parsed_captions(self):
        rng = np.random.default_rng(1)
        attrs = COMBINATIONS[::9]
        labels = [
            parse_caption(captions.make_caption(rng, [dict(zip(ATTRIBUTES, row))])) for row in attrs
        ]
        measurer = ShapeMeasurer(64)
        scores = measurer.score(clips_for(64)[::9], labels)
        self.assertEqual(scores, measurer.score(clips_for(64)[::9], labels_of(attrs)))
        self.assertEqual(scores["all"], 1.0)
        wrong = labels_of(attrs.copy())
        wrong["color"] = (wrong["color"] + 1) % len(spec.COLORS)
        scores = measurer.score(clips_for(64)[::9], wrong)
        self.assertEqual((scores["color"], scores["all"], scores["shape"]), (0.0, 0.0, 1.0))

    def test_two_objects(self):
        rng = np.random.default_rng(2)
        n = 120
        attrs = rng.integers(0, [len(v) for v in spec.ATTRIBUTES.values()], (n, 2, 5))
        for i in range(n):  # different shapes and different colors
            attrs[i, :, 0] = rng.choice(len(spec.SHAPES), 2, replace=False)
            attrs[i, :, 1] = rng.choice(len(spec.COLORS), 2, replace=False)
        clips = render.render_clips(attrs, render.sample_starts(rng, attrs, 64), 64)
        measurer = ShapeMeasurer(64, num_objects=2)
        out = measurer.measure(clips)
        self.assertEqual(out["shape"].shape, (n, 2))
        scores = measurer.score(clips, labels_of(attrs))
        # Objects that overlap for long stretches hide each other; most clips are clean.
        self.assertAccuracy(scores, 0.95)
        self.assertEqual(scores, measurer.score(clips, labels_of(attrs[:, ::-1])))

    def test_bad_input(self):
        measurer = ShapeMeasurer(32)
        with self.assertRaisesRegex(ValueError, r"\(B, T, H, W, 3\)"):
            measurer.measure(np.zeros((16, 32, 32, 3), np.uint8))
        with self.assertRaisesRegex(ValueError, "height"):
            measurer.measure(np.zeros((1, 16, 64, 64, 3), np.uint8))
        with self.assertRaisesRegex(ValueError, "dtype"):
            measurer.measure(np.zeros((1, 16, 32, 32, 3), np.int32))
        with self.assertRaisesRegex(ValueError, "lack"):
            measurer.score(clips_for(32)[:1], {"shape": [0]})
        with self.assertRaisesRegex(ValueError, "None"):
            measurer.score(clips_for(32)[:1], [None])
        with self.assertRaisesRegex(ValueError, "num_objects"):
            ShapeMeasurer(32, num_objects=3)


if __name__ == "__main__":
    unittest.main()
