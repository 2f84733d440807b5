import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.models import TextToVideoGAN
from tf_t2v.testing.test_case import TestCase
from tf_t2v.testing.tiny_models import tiny_gan

PROMPTS = ["a red circle moves left", "the blue square moves right quickly", "a circle"]


def _dataset(batch=4, with_start=True):
    """A fixed batch of rendered 4-frame 16x16 moving_shapes clips, repeated."""
    from tfds_builders.moving_shapes import render

    rng = np.random.default_rng(0)
    attrs = np.array([[i % 4, i % 7, 1, i % 8, 1] for i in range(batch)])
    starts = render.sample_starts(rng, attrs[:, None], 16)[:, 0]
    example = {
        "caption": tf.constant([PROMPTS[i % 2] for i in range(batch)]),
        "video": tf.constant(render.render_clips(attrs, starts, 16, num_frames=4) / 127.5 - 1.0, tf.float32),
    }
    if with_start:
        example["start"] = tf.constant(starts, tf.float32)
    return tf.data.Dataset.from_tensors(example).repeat()


def _compiled(**kwargs):
    gan = tiny_gan(**kwargs)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(1e-3))
    return gan


class TextToVideoGANTest(TestCase):
    def test_fit_moves_both_players_and_lowers_reconstruction(self):
        gan = _compiled(reconstruction_weight=1.0)
        g_before = [w.numpy().copy() for w in gan.generator.trainable_weights]
        d_before = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
        t_before = [w.numpy().copy() for w in gan.text_encoder.trainable_weights]
        ema_before = [w.numpy().copy() for w in gan.ema_generator.weights]
        first = gan.fit(_dataset(), steps_per_epoch=1, epochs=1, verbose=0).history
        for name in ("d_loss", "g_loss", "g_adv", "rec_loss", "prior_loss", "velocity_loss", "mask_loss",
                     "color_loss", "background_loss"):
            self.assertTrue(np.isfinite(first[name][0]), name)
        self.assertGreater(first["rec_loss"][0], 0.0)

        def moved(before, weights):
            return any(np.abs(b - w.numpy()).max() > 0 for b, w in zip(before, weights))

        self.assertTrue(moved(g_before, gan.generator.trainable_weights))
        self.assertTrue(moved(d_before, gan.discriminator.trainable_weights))
        self.assertTrue(moved(t_before, gan.text_encoder.trainable_weights))
        self.assertTrue(moved(ema_before, gan.ema_generator.weights))
        # The average moves by (1 - decay) of the step, not the whole step.
        g_step = max(np.abs(b - w.numpy()).max() for b, w in zip(g_before, gan.generator.weights))
        ema_step = max(np.abs(b - w.numpy()).max() for b, w in zip(ema_before, gan.ema_generator.weights))
        self.assertLess(ema_step, g_step)

        # Same compiled step, more of it: the reconstruction of the fixed batch improves.
        later = gan.fit(_dataset(), steps_per_epoch=20, epochs=1, verbose=0).history
        self.assertLess(later["rec_loss"][-1], first["rec_loss"][0])
        self.assertLess(later["mask_loss"][-1], first["mask_loss"][0])

        # And the trained model survives a `.keras` round trip with identical clips.
        path = os.path.join(self.get_temp_dir(), "gan.keras")
        gan.save(path)
        restored = keras.saving.load_model(path, safe_mode=True)
        self.assertIsInstance(restored, TextToVideoGAN)
        np.testing.assert_array_equal(restored.generate(PROMPTS, seed=5), gan.generate(PROMPTS, seed=5))
        as_json = lambda m: json.loads(json.dumps(m.get_config()))  # noqa: E731 (tuples -> lists)
        self.assertEqual(as_json(restored), as_json(gan))

    def test_trains_without_start_adversarially_only(self):
        gan = _compiled(reconstruction_weight=1.0)
        history = gan.fit(_dataset(with_start=False), steps_per_epoch=2, epochs=1, verbose=0).history
        self.assertNotIn("rec_loss", history)
        self.assertNotIn("mask_loss", history)
        self.assertTrue(np.isfinite(history["g_adv"][-1]))

    def test_attribute_heads_and_no_critic_when_adversarial_weight_is_zero(self):
        gan = _compiled(adversarial_weight=0.0, attribute_classes={"shape": 4, "color": 7})
        ds = _dataset().map(lambda ex: {**ex, "shape": tf.zeros((4,), tf.int64), "color": tf.ones((4,), tf.int64)})
        d_before = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
        history = gan.fit(ds, steps_per_epoch=3, epochs=1, verbose=0).history
        self.assertNotIn("d_loss", history)
        self.assertTrue(np.isfinite(history["attribute_loss"][-1]))
        for b, w in zip(d_before, gan.discriminator.trainable_weights):
            np.testing.assert_array_equal(b, w.numpy())

    def test_layer_supervision_targets_match_a_rendered_clip(self):
        from tfds_builders.moving_shapes import render, spec

        gan = tiny_gan(num_frames=16, size=32)
        attrs = np.array([[spec.SHAPES.index("square"), 0, 1, spec.DIRECTIONS.index("right"), 1]])
        clip = render.render_clips(attrs, np.array([[10.0, 16.0]]), 32).astype(np.float32) / 127.5 - 1.0
        # A large square moving right quickly: displacement 0.5 H = 16 px = 1.0 in [-1, 1] units.
        self.assertAllClose(gan.centroid_motion(clip), [[1.0, 0.0]], atol=0.05)
        start = gan.normalise_start(np.array([[10.0, 16.0]], np.float32))
        cond = gan.generator.condition(gan.encode_text(tf.constant(["a circle"])))
        losses = {k: float(v) for k, v in gan.layer_losses(cond, clip, start).items()}
        self.assertTrue(all(np.isfinite(v) and v >= 0 for v in losses.values()), losses)
        # Moving the start off the object makes the mask target empty: a different mask loss.
        off = gan.layer_losses(cond, clip, start + 0.8)
        self.assertNotAlmostEqual(losses["mask_loss"], float(off["mask_loss"]), places=3)

    def test_generate_is_uint8_and_deterministic_per_seed(self):
        gan = tiny_gan()
        clips = gan.generate(PROMPTS, seed=11)
        self.assertEqual(clips.shape, (3, 4, 16, 16, 3))
        self.assertEqual(clips.dtype, np.uint8)
        np.testing.assert_array_equal(clips, gan.generate(PROMPTS, seed=11))
        # Prompt i gets seed + i whatever the batch: a clip does not depend on its neighbours.
        np.testing.assert_array_equal(clips[1:2], gan.generate(PROMPTS[1:2], seed=12))
        np.testing.assert_array_equal(clips[2:], gan.generate(PROMPTS[2:], seed=[13]))
        self.assertFalse(np.array_equal(clips, gan.generate(PROMPTS, seed=12)))

    def test_any_int64_seed_and_empty_batch(self):
        gan = tiny_gan()
        for seed in (-(2**63), 2**63 - 1, -1, 0):
            self.assertEqual(gan.generate(["a circle"], seed=[seed]).shape, (1, 4, 16, 16, 3))
        self.assertEqual(gan.generate([], seed=0).shape, (0, 4, 16, 16, 3))
        with pytest.raises(ValueError, match="one per prompt"):
            gan.generate(PROMPTS, seed=[1, 2])

    def test_mixed_bfloat16_training_step(self):
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        gan = _compiled()
        history = gan.fit(_dataset(), steps_per_epoch=1, epochs=1, verbose=0).history
        self.assertTrue(np.isfinite(history["g_loss"][0]))
        self.assertEqual(gan.generator.compute_dtype, "bfloat16")
        self.assertEqual(gan.generate(PROMPTS[:1], seed=1).dtype, np.uint8)

    def test_truncation_zero_gives_the_same_clip_for_every_seed(self):
        gan = tiny_gan()
        a = gan.generate(PROMPTS[:1], seed=1, truncation=0.0)
        b = gan.generate(PROMPTS[:1], seed=2, truncation=0.0)
        np.testing.assert_array_equal(a, b)


def _two_object_dataset(batch=4):
    """Rendered 4-frame 16x16 double_64-style clips: start (B, 2, 2), labels (B, 2)."""
    from tfds_builders.moving_shapes import render

    rng = np.random.default_rng(0)
    attrs = np.array([[[i % 4, i % 7, 1, i % 8, 1], [(i + 1) % 4, (i + 2) % 7, 0, (i + 3) % 8, 0]]
                      for i in range(batch)])
    starts = render.sample_starts(rng, attrs, 16)
    example = {
        "caption": tf.constant(["a red circle moves left and the blue square moves right"] * batch),
        "video": tf.constant(render.render_clips(attrs, starts, 16, num_frames=4) / 127.5 - 1.0, tf.float32),
        "start": tf.constant(starts, tf.float32),
        "shape": tf.constant(attrs[..., 0]),
        "color": tf.constant(attrs[..., 1]),
    }
    return tf.data.Dataset.from_tensors(example).repeat()


class TwoObjectGANTest(TestCase):
    def test_fit_saves_and_generates_two_object_clips(self):
        gan = _compiled(num_objects=2, adversarial_weight=0.0, attribute_classes={"shape": 4, "color": 7})
        before = [w.numpy().copy() for w in gan.text_encoder.trainable_weights]
        history = gan.fit(_two_object_dataset(), steps_per_epoch=2, epochs=1, verbose=0).history
        for name in ("g_loss", "prior_loss", "velocity_loss", "mask_loss", "color_loss", "attribute_loss"):
            self.assertTrue(np.isfinite(history[name][-1]), name)
        self.assertTrue(any(not np.allclose(b, w.numpy()) for b, w in zip(before, gan.text_encoder.trainable_weights)))
        clips = gan.generate(PROMPTS, seed=3)
        self.assertEqual(clips.shape, (3, 4, 16, 16, 3))
        path = os.path.join(self.get_temp_dir(), "two.keras")
        gan.save(path)
        np.testing.assert_array_equal(keras.saving.load_model(path).generate(PROMPTS, seed=3), clips)

    def test_hue_key_keeps_only_the_objects_own_pixels(self):
        from tfds_builders.moving_shapes import render

        gan = tiny_gan(num_objects=2, num_frames=16, size=32)
        # A large red square moving right quickly and a small blue circle not far from it.
        attrs = np.array([[[1, 0, 1, 1, 1], [0, 2, 0, 2, 0]]])
        starts = np.array([[[10.0, 16.0], [22.0, 12.0]]], np.float32)
        clip = render.render_clips(attrs, starts, 32).astype(np.float32) / 127.5 - 1.0
        red = np.array([[1.0, 0.0, 0.0]], np.float32)
        self.assertAllClose(gan.centroid_motion(clip, red), [[1.0, 0.0]], atol=0.05)
