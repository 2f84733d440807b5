import os
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.models import TextToVideo, TextToVideoVAE
from tf_t2v.models.text_to_video_vae import shown
from tf_t2v.testing.test_case import TestCase
from tf_t2v.testing.tiny_models import tiny_vae


def two_caption_batches(batch=8):
    """Captions and clips of two kinds: "red" clips are bright on the left, "blue" on the right,
    with a per-clip random brightness the caption does not name."""
    rng = np.random.default_rng(0)
    video = -np.ones((batch, 4, 16, 16, 3), np.float32)
    captions = []
    for i in range(batch):
        red = i % 2 == 0
        level = rng.uniform(0.0, 1.0)
        if red:
            video[i, :, :, :8, 0] = level
        else:
            video[i, :, :, 8:, 2] = level
        captions.append("a red circle" if red else "a blue square")
    return tf.data.Dataset.from_tensors({"caption": tf.constant(captions), "video": tf.constant(video)}).repeat()


class TextToVideoVAETest(TestCase):
    def assert_serves_its_clips(self, model):
        """Exports `model` and checks TF Serving's signature draws the clips `generate` does."""
        from tf_t2v.export import SavedModelExporter

        export_dir = SavedModelExporter(model, max_batch_size=2, warmup_batch_sizes=(1,)).export(
            os.path.join(tempfile.mkdtemp(), "tiny", "1"))
        self.assertSavedModelServable(export_dir)
        prompts, seeds = ["a red circle", "a blue square"], [4, 9]
        served = tf.saved_model.load(export_dir).signatures["serving_default"](
            prompt=tf.constant(prompts), seed=tf.constant(seeds, tf.int64))["video"]
        np.testing.assert_array_equal(served.numpy(), model.generate(prompts, seed=seeds))

    def test_is_a_text_to_video_task(self):
        self.assertIsInstance(tiny_vae(), TextToVideo)

    def test_training_learns_what_the_words_say(self):
        model = tiny_vae(ema_decay=0.0)  # the sampler follows the online weights at once
        model.compile(g_optimizer=keras.optimizers.Adam(3e-3))
        before = [np.array(v) for v in model.generator.weights]
        history = model.fit(two_caption_batches(), epochs=1, steps_per_epoch=200, verbose=0)
        self.assertTrue(any(np.abs(np.array(v) - b).max() > 0 for v, b in zip(model.generator.weights, before)))
        self.assertLess(history.history["rec_loss"][-1], 0.35)
        red, blue = model.generate(["a red circle", "a blue square"], seed=[1, 1]).astype(np.float32)
        # Red clips are brighter in the red channel on the left, blue ones in blue on the right.
        self.assertGreater(red[..., :8, 0].mean(), red[..., 8:, 0].mean() + 8)
        self.assertGreater(blue[..., 8:, 2].mean(), blue[..., :8, 2].mean() + 8)

    def test_seeds_are_deterministic_and_vary_the_clip(self):
        model = tiny_vae()
        model.generator.prior_head.kernel.assign(
            np.random.default_rng(0).normal(size=model.generator.prior_head.kernel.shape))
        model.ema_generator.set_weights(model.generator.get_weights())
        a = model.generate(["a red circle"] * 2, seed=[5, 6])
        b = model.generate(["a red circle"], seed=5)
        np.testing.assert_array_equal(a[:1], b)
        self.assertGreater(np.abs(a[0].astype(int) - a[1].astype(int)).max(), 0)

    def test_keras_round_trip_generates_the_same_clips(self):
        model = tiny_vae()
        model.compile(g_optimizer=keras.optimizers.Adam(1e-3))
        model.fit(two_caption_batches(), epochs=1, steps_per_epoch=2, verbose=0)
        path = os.path.join(tempfile.mkdtemp(), "vae.keras")
        model.save(path)
        restored = keras.saving.load_model(path, safe_mode=True, compile=False)
        self.assertIsInstance(restored, TextToVideoVAE)
        self.assertEqual(restored.get_config()["kl_weight"], model.kl_weight)
        prompts = ["a red circle", "the blue square moves left"]
        np.testing.assert_array_equal(restored.generate(prompts, seed=3), model.generate(prompts, seed=3))

    def test_motion_weight_puts_the_loss_on_what_moves(self):
        video = -np.ones((2, 4, 16, 16, 3), np.float32)
        for t in range(4):
            video[0, t, 2:4, 3 * t:3 * t + 2] = 1.0  # a dot crossing a black clip
        video[1] = 0.3  # a static grey clip
        model = tiny_vae(motion_weight=20.0)
        weights = np.asarray(model.pixel_weights(video))
        self.assertEqual(weights.shape, (2, 4, 16, 16, 1))
        self.assertAllClose(weights.mean(axis=(1, 2, 3, 4)), [1.0, 1.0], atol=1e-5)
        self.assertAllClose(weights[1], np.ones_like(weights[1]))  # nothing moves: all equal
        dot, background = weights[0, 0, 2, 0, 0], weights[0, 0, 10, 10, 0]
        self.assertGreater(dot, 10 * background)
        flat = np.asarray(tiny_vae().pixel_weights(video))
        self.assertAllClose(flat, np.ones_like(flat))
        self.assertEqual(model.get_config()["motion_weight"], 20.0)
        with pytest.raises(ValueError, match="motion_weight must be >= 0"):
            tiny_vae(motion_weight=-1.0)

    def test_l2_weight_adds_the_squared_error(self):
        batch = next(iter(two_caption_batches()))
        plain = float(tiny_vae().losses_for(batch)["rec_loss"])
        both = tiny_vae(l2_weight=2.0)
        self.assertEqual(both.get_config()["l2_weight"], 2.0)
        self.assertGreater(float(both.losses_for(batch)["rec_loss"]), plain)  # same weights, same sample
        with pytest.raises(ValueError, match="l2_weight must be >= 0"):
            tiny_vae(l2_weight=-0.5)

    def test_the_prior_learns_from_the_kl_alone(self):
        model = tiny_vae(prior_share=0.5, kl_weight=0.0)  # no KL: nothing may move the prior
        batch = next(iter(two_caption_batches()))
        with tf.GradientTape() as tape:
            loss = model.losses_for(batch, training=True)["loss"]
        kernel = model.generator.prior_head.kernel
        grads = tape.gradient(loss, [kernel, model.generator.stem.kernel])
        self.assertTrue(grads[0] is None or float(tf.reduce_max(tf.abs(grads[0]))) == 0.0)
        self.assertGreater(float(tf.reduce_max(tf.abs(grads[1]))), 0.0)  # the decoder still learns

    def test_kl_is_zero_when_the_posterior_is_the_prior(self):
        model = tiny_vae()  # zero-initialised heads: posterior and prior are both N(0, 1)
        batch = next(iter(two_caption_batches()))
        self.assertAllClose(float(model.losses_for(batch)["kl"]), 0.0, atol=1e-6)

    def test_mismatched_latent_sizes_are_refused(self):
        from tf_t2v.video import VideoEncoder

        model = tiny_vae()
        with pytest.raises(ValueError, match="noise_dim"):
            TextToVideoVAE(model.tokenizer, model.text_encoder, model.generator,
                           VideoEncoder(noise_dim=5, channels=[8], patch=2, hidden_dim=8))

    def test_prior_share_scores_the_last_rows_decoded_from_the_prior_mean(self):
        model = tiny_vae(prior_share=0.5, temporal_weight=0.5)
        batch = next(iter(two_caption_batches()))
        values = model.losses_for(batch)
        video = batch["video"].numpy()
        text = model.text_encoder(model.token_ids(batch))["pooled"]
        cond = model.generator.condition(text)
        prior_mean, _ = model.generator.prior(cond)
        fake = np.asarray(model.generator.decode(cond, prior_mean))[4:]
        real = video[4:]
        motion = np.abs(np.diff(fake, axis=1) - np.diff(real, axis=1)).mean()
        expected = np.abs(fake - real).mean() + 0.5 * motion
        self.assertAllClose(float(values["prior_rec_loss"]), expected, atol=1e-5)
        posterior_terms = float(values["rec_loss"]) + 0.5 * float(values["temporal_loss"])
        self.assertAllClose(float(values["loss"]), 0.5 * posterior_terms + 0.5 * expected
                            + model.kl_weight * float(values["kl"]), atol=1e-5)

    def test_prior_share_outside_zero_to_one_is_refused(self):
        for share in (-0.1, 1.0):
            with pytest.raises(ValueError, match="prior_share"):
                tiny_vae(prior_share=share)

    def test_a_frame_critic_trains_beside_the_decoder_and_round_trips(self):
        from tf_t2v.video import FrameCritic

        model = tiny_vae(discriminator=FrameCritic(channels=[8], frames=2), adversarial_weight=0.1)
        with pytest.raises(ValueError, match="d_optimizer"):
            model.compile(g_optimizer=keras.optimizers.Adam(1e-3))
        model.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(1e-3))
        before = [np.array(v) for v in model.discriminator.trainable_weights]
        history = model.fit(two_caption_batches(), epochs=1, steps_per_epoch=3, verbose=0)
        self.assertGreater(history.history["d_loss"][-1], 0)
        self.assertNotEqual(history.history["g_adv"][-1], 0)
        self.assertTrue(any(np.abs(np.array(v) - b).max() > 0
                            for v, b in zip(model.discriminator.trainable_weights, before)))
        path = os.path.join(tempfile.mkdtemp(), "vae.keras")
        model.save(path)
        restored = keras.saving.load_model(path, safe_mode=True, compile=False)
        self.assertIsInstance(restored.discriminator, FrameCritic)
        self.assertEqual(restored.adversarial_weight, 0.1)
        prompt = ["a red circle"]
        np.testing.assert_array_equal(restored.generate(prompt, seed=3), model.generate(prompt, seed=3))

    def test_a_conditional_critic_also_learns_real_clips_with_a_wrong_caption_as_fakes(self):
        from tf_t2v.video import FrameCritic

        with pytest.raises(ValueError, match="cond_dim"):
            tiny_vae(discriminator=FrameCritic(channels=[8], frames=2, cond_dim=7), adversarial_weight=0.1)
        with pytest.raises(ValueError, match="mismatch_weight"):
            tiny_vae(discriminator=FrameCritic(channels=[8], frames=2, cond_dim=16), mismatch_weight=1.5)
        model = tiny_vae(discriminator=FrameCritic(channels=[8], frames=2, cond_dim=16), adversarial_weight=0.1)
        batch = next(iter(two_caption_batches()))
        values, fake, posterior, cond = model._forward(batch, training=False)
        video = tf.cast(batch["video"], tf.float32)

        def hinge(clips, sign, rows_cond):
            logits = tf.reshape(model.discriminator(clips, rows_cond), (clips.shape[0], -1))
            return tf.reduce_mean(tf.nn.relu(1.0 + sign * logits), axis=1)

        expected = (tf.reduce_mean(hinge(video, -1.0, cond))
                    + 0.5 * tf.reduce_sum(hinge(shown(fake), 1.0, cond) * posterior) / tf.reduce_sum(posterior)
                    + 0.5 * tf.reduce_mean(hinge(video, 1.0, tf.roll(cond, 1, axis=0))))
        loss = model._critic_loss(video, fake, posterior, cond, False)
        self.assertAlmostEqual(float(loss), float(expected), places=5)
        # The critic reads the words without moving them: no gradient reaches the text encoder.
        with tf.GradientTape() as tape:
            text = model.text_encoder(model.token_ids(batch))["pooled"]
            score = tf.reduce_sum(model._critic(video, model.generator.condition(text)))
        grads = tape.gradient(score, model.text_encoder.trainable_variables)
        self.assertTrue(all(g is None or float(tf.reduce_max(tf.abs(g))) == 0.0 for g in grads))
        model.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(1e-3))
        history = model.fit(two_caption_batches(), epochs=1, steps_per_epoch=2, verbose=0)
        self.assertTrue(np.isfinite(history.history["d_loss"][-1]))

    def test_the_critic_judges_clips_as_shown_not_past_their_range(self):
        from tf_t2v.video import FrameCritic

        model = tiny_vae(discriminator=FrameCritic(channels=[8], frames=2), adversarial_weight=0.1)
        batch = next(iter(two_caption_batches()))
        decode = model.generator.decode
        model.generator.decode = lambda cond, z, **kw: 50.0 * decode(cond, z, **kw)  # pixels far past [-1, 1]
        values, fake, posterior, _ = model._forward(batch, training=False)
        del model.generator.decode
        self.assertGreater(float(tf.reduce_max(tf.abs(fake))), 1.5)
        logits = tf.reshape(model.discriminator(tf.clip_by_value(fake, -1.0, 1.0)), (fake.shape[0], -1))
        expected = -tf.reduce_sum(tf.reduce_mean(logits, axis=1) * posterior) / tf.reduce_sum(posterior)
        self.assertAlmostEqual(float(values["g_adv"]), float(expected), places=5)
        # Pixels pushed past the range get no gradient from the critic.
        fake = tf.Variable(tf.fill((2, 4, 16, 16, 3), 3.0))
        with tf.GradientTape() as tape:
            score = tf.reduce_sum(model.discriminator(shown(fake)))
        self.assertEqual(float(tf.reduce_max(tf.abs(tape.gradient(score, fake)))), 0.0)

    def test_the_flow_term_trains_the_latent_flow_alone(self):
        batch = next(iter(two_caption_batches()))
        self.assertEqual(float(tiny_vae().losses_for(batch)["flow_loss"]), 0.0)  # no flow, no term
        for trains_text in (False, True):
            model = tiny_vae(flow_dim=16, flow_repeats=3, flow_trains_text=trains_text)
            # A few steps first: the flow's zero-initialised output passes no gradient back at the start.
            model.compile(g_optimizer=keras.optimizers.Adam(1e-2))
            model.fit(two_caption_batches(), epochs=1, steps_per_epoch=2, verbose=0)
            flow_vars = model.generator.flow.trainable_variables
            others = [v for v in model._generator_trainable_variables() if all(v is not f for f in flow_vars)]
            text_vars = model.text_encoder.trainable_variables
            with tf.GradientTape(persistent=True) as tape:
                flow_loss = model.losses_for(batch, training=True)["flow_loss"]
            self.assertGreater(float(flow_loss), 0.0)
            self.assertGreater(max(float(tf.reduce_max(tf.abs(g))) for g in tape.gradient(flow_loss, flow_vars)), 0.0)

            def largest(grads):
                return max([float(tf.reduce_max(tf.abs(g))) for g in grads if g is not None] + [0.0])

            if trains_text:  # the words learn from the flow too; the encoder and decoder still do not
                self.assertGreater(largest(tape.gradient(flow_loss, text_vars)), 0.0)
                self.assertEqual(largest(tape.gradient(flow_loss, model.encoder.trainable_variables)), 0.0)
            else:
                self.assertEqual(largest(tape.gradient(flow_loss, others)), 0.0)
        with pytest.raises(ValueError, match="flow_repeats"):
            tiny_vae(flow_dim=16, flow_repeats=0)

    def test_a_latent_flow_model_exports_a_servable_saved_model_that_draws_its_clips(self):
        model = tiny_vae(flow_dim=16)
        model.compile(g_optimizer=keras.optimizers.Adam(1e-2))
        history = model.fit(two_caption_batches(), epochs=1, steps_per_epoch=3, verbose=0)
        self.assertGreater(history.history["flow_loss"][-1], 0.0)
        model.ema_generator.set_weights(model.generator.get_weights())
        model.ema_text_encoder.set_weights(model.text_encoder.get_weights())
        self.assert_serves_its_clips(model)

    def test_a_config_from_before_the_critic_loads_without_one(self):
        model = tiny_vae()
        config = model.get_config()
        del config["discriminator"], config["adversarial_weight"], config["prior_share"]
        restored = TextToVideoVAE.from_config(config)
        self.assertIsNone(restored.discriminator)
        self.assertEqual((restored.adversarial_weight, restored.prior_share), (0.0, 0.0))

    def test_a_camera_warp_model_exports_a_servable_saved_model_that_draws_its_clips(self):
        model = tiny_vae(camera_warp=True, camera_weight=1.0)  # trained with the camera read from the clips
        model.compile(g_optimizer=keras.optimizers.Adam(1e-2))
        model.fit(two_caption_batches(), epochs=1, steps_per_epoch=3, verbose=0)
        model.ema_generator.set_weights(model.generator.get_weights())
        model.ema_text_encoder.set_weights(model.text_encoder.get_weights())
        text = model.ema_text_encoder(model.token_ids({"caption": tf.constant(["a red circle"])}))["pooled"]
        _, dx, _ = model.ema_generator.camera_path(text)
        self.assertGreater(float(np.abs(np.asarray(dx)).max()), 0.0)  # the camera is not at rest
        self.assert_serves_its_clips(model)

    def test_the_camera_term_teaches_the_words_the_camera_of_their_clips(self):
        # "left" clips pan (their content moves 1 px a frame to the right), "right" clips hold
        # still: no label says so, the camera is read from the clips.
        rng = np.random.default_rng(3)
        small = rng.uniform(-1, 1, size=(8, 6, 6, 1)).astype("float32")
        scenes = np.repeat(tf.image.resize(small, (24, 24), method="bicubic").numpy(), 3, axis=-1)
        video = np.stack([np.stack([scenes[i, 4:20, 4 - t if i % 2 == 0 else 4:20 - t if i % 2 == 0 else 20]
                                    for t in range(4)]) for i in range(8)])
        captions = ["the square moves left" if i % 2 == 0 else "the square moves right" for i in range(8)]
        batches = tf.data.Dataset.from_tensors({"caption": tf.constant(captions), "video": tf.constant(video)}).repeat()
        model = tiny_vae(camera_warp=True, camera_weight=1.0)
        read = model.read_camera(tf.constant(video))[1].numpy()  # dx (8, 4)
        np.testing.assert_allclose(np.diff(read[0::2], axis=1) * 16, -1.0, atol=0.2)  # the camera pans left
        np.testing.assert_allclose(read[1::2], 0.0, atol=0.02)
        model.compile(g_optimizer=keras.optimizers.Adam(1e-2))
        history = model.fit(batches, epochs=2, steps_per_epoch=40, verbose=0)
        first, last = history.history["camera_loss"]
        self.assertLess(last, 0.5 * first)
        text = model.text_encoder(model.token_ids({"caption": tf.constant(captions[:2])}))["pooled"]
        _, dx, _ = model.generator.camera_path(text)
        steps = np.diff(np.asarray(dx), axis=1) * 16  # pixels a frame, per caption
        np.testing.assert_allclose(steps[0], -1.0, atol=0.25)
        np.testing.assert_allclose(steps[1], 0.0, atol=0.25)

    def test_the_camera_term_needs_a_camera_and_films_the_decoding_with_the_read_camera(self):
        with self.assertRaisesRegex(ValueError, "camera warp"):
            tiny_vae(camera_weight=1.0)
        batch = next(iter(two_caption_batches()))
        self.assertEqual(float(tiny_vae(camera_warp=True).losses_for(batch)["camera_loss"]), 0.0)  # off by default
        model = tiny_vae(camera_warp=True, camera_weight=1.0)
        values, fake, _, _ = model._forward(batch, training=False)
        self.assertGreater(float(values["camera_loss"]), 0.0)
        cond = model.generator.condition(model.text_encoder(model.token_ids(batch))["pooled"])
        video = tf.cast(batch["video"], tf.float32)
        mean, _ = model.encoder(video, cond)
        # The decoding of the posterior mean (no noise: training=False still samples, so compare
        # the warp alone): the read camera, not the predicted one, films the decoded clip.
        path = model.read_camera(video)
        clip = model.generator.decode(cond, mean, camera_path=path)
        unwarped = model.generator.decode(cond, mean, camera_path=(tf.zeros_like(path[0]),) * 3)
        np.testing.assert_allclose(clip.numpy(), model.generator.camera.warp(unwarped, *path).numpy(), atol=1e-5)
        self.assertEqual(fake.shape, clip.shape)

    def test_motion_match_scores_the_decoded_motion_against_the_real_one(self):
        batch = next(iter(two_caption_batches()))
        self.assertEqual(float(tiny_vae().losses_for(batch)["motion_match"]), 0.0)  # off by default
        keras.utils.set_random_seed(1)  # the same weights and training noise for both
        plain = tiny_vae().losses_for(batch)
        keras.utils.set_random_seed(1)
        matched = tiny_vae(motion_match_weight=0.5).losses_for(batch)
        self.assertGreater(float(matched["motion_match"]), 0.0)
        self.assertAllTensorsClose(matched["loss"], plain["loss"] + 0.5 * matched["motion_match"], atol=1e-5)
        self.assertEqual(tiny_vae(motion_match_weight=0.5).get_config()["motion_match_weight"], 0.5)
        with pytest.raises(ValueError, match="motion_match_weight"):
            tiny_vae(motion_match_weight=-1.0)
