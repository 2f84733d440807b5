import numpy as np
import pytest

from tf_t2v.testing.test_case import TestCase
from tf_t2v.video import VideoGenerator

KWARGS = dict(num_frames=4, height=16, width=16, noise_dim=4, channels=[16, 8], cond_dim=32)


class VideoGeneratorTest(TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.text = rng.normal(size=(3, 12)).astype("float32")
        self.noise = rng.normal(size=(3, 4)).astype("float32")

    def test_output_shape_and_range(self):
        gen = VideoGenerator(**KWARGS)
        out = np.asarray(gen(self.text, self.noise))
        self.assertEqual(out.shape, (3, 4, 16, 16, 3))
        self.assertTrue(np.all(np.abs(out) <= 1.0))

    def test_serialization_and_keras_round_trip(self):
        for motion, color in (("linear", "flat"), ("free", "free")):
            gen = VideoGenerator(**KWARGS, motion=motion, noise_to_content=True, color=color)
            gen(self.text, self.noise)
            self.run_serialization_test(gen)
            model = self._wrap(gen)
            self.run_keras_saving_test(model, [self.text, self.noise], call=lambda m, x: m(x))

    def _wrap(self, gen):
        import keras

        text = keras.Input((12,))
        noise = keras.Input((4,))
        return keras.Model([text, noise], gen(text, noise))

    def test_mixed_precision(self):
        self.run_mixed_precision_test(VideoGenerator, KWARGS, (self.text, self.noise), expected_output_dtype="bfloat16")

    def test_different_texts_give_different_clips(self):
        gen = VideoGenerator(**KWARGS)
        out = np.asarray(gen(self.text, np.repeat(self.noise[:1], 3, axis=0)))
        self.assertGreater(np.abs(out[0] - out[1]).mean(), 1e-4)

    def test_noise_moves_the_start_and_reconstruct_uses_the_given_start(self):
        gen = VideoGenerator(**KWARGS)
        text = np.repeat(self.text[:1], 2, axis=0)
        a = np.asarray(gen(text, np.array([[-2, -2, 0, 0], [2, 2, 0, 0]], np.float32)))
        self.assertGreater(np.abs(a[0] - a[1]).mean(), 1e-4)
        starts = np.array([[-0.5, -0.5], [-0.5, -0.5]], np.float32)
        b = np.asarray(gen.reconstruct(text, starts))
        self.assertAllClose(b[0], b[1])

    def test_start_prior_loss_is_finite_and_differentiable(self):
        import tensorflow as tf

        gen = VideoGenerator(**KWARGS)
        gen(self.text, self.noise)
        with tf.GradientTape() as tape:
            loss = gen.start_prior_loss(gen.condition(self.text), np.zeros((3, 2), np.float32))
        grads = tape.gradient(loss, gen.trainable_variables)
        self.assertTrue(np.isfinite(float(loss)))
        self.assertTrue(any(g is not None and float(tf.reduce_sum(tf.abs(g))) > 0 for g in grads))

    def test_bad_arguments_are_refused(self):
        with pytest.raises(ValueError, match="multiple of"):
            VideoGenerator(height=16, width=16, channels=[8, 8, 8, 8, 8])
        with pytest.raises(ValueError, match="motion"):
            VideoGenerator(**{**KWARGS, "motion": "zigzag"})
        with pytest.raises(ValueError, match="color"):
            VideoGenerator(**{**KWARGS, "color": "plaid"})
        with pytest.raises(ValueError, match="noise_dim"):
            VideoGenerator(**{**KWARGS, "noise_dim": 1})


class TwoObjectGeneratorTest(TestCase):
    def test_each_object_has_its_own_text_and_start(self):
        gen = VideoGenerator(**KWARGS, num_objects=2)
        rng = np.random.default_rng(1)
        text = rng.normal(size=(2, 24)).astype("float32")  # two 12-wide object vectors per clip
        noise = rng.normal(size=(2, 4)).astype("float32")
        out = np.asarray(gen(text, noise))
        self.assertEqual(out.shape, (2, 4, 16, 16, 3))
        self.assertEqual(tuple(gen.condition(text).shape), (4, 32))  # B * K rows
        other = text.copy()
        other[:, 12:] += 1.0  # only the second object's vector
        self.assertFalse(np.allclose(np.asarray(gen(other, noise)), out))
        # Object k starts from noise dims 2k, 2k + 1.
        per_object = np.asarray(gen.object_noise(noise)).reshape(2, 2, 4)
        np.testing.assert_array_equal(per_object[:, 1, :2], noise[:, 2:4])
        gen(text, noise)
        self.run_serialization_test(gen)

    def test_noise_must_place_every_object(self):
        with pytest.raises(ValueError, match="2 per object"):
            VideoGenerator(**{**KWARGS, "noise_dim": 3}, num_objects=2)
