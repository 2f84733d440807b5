import keras
import numpy as np
import pytest

from tf_t2v.testing.test_case import TestCase
from tf_t2v.video import VideoDecoder

KWARGS = dict(num_frames=4, height=16, width=16, noise_dim=4, channels=[16, 8], base_frames=2, pixel_shuffle=2,
              cond_dim=16)


class VideoDecoderTest(TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.text = rng.normal(size=(3, 12)).astype("float32")
        self.noise = rng.normal(size=(3, 4)).astype("float32")

    def test_output_shape(self):
        out = np.asarray(VideoDecoder(**KWARGS)(self.text, self.noise))
        self.assertEqual(out.shape, (3, 4, 16, 16, 3))
        self.assertTrue(np.all(np.isfinite(out)))

    def test_every_frame_and_pixel_depends_on_the_inputs(self):
        # Nothing is a fixed background: changing the text changes pixels in every frame.
        decoder = VideoDecoder(**KWARGS)
        keras.utils.set_random_seed(3)
        for w in decoder.films[0].dense.weights[:1]:
            w.assign(np.random.default_rng(1).normal(size=w.shape).astype("float32"))
        a = np.asarray(decoder(self.text, self.noise))
        b = np.asarray(decoder(self.text[::-1], self.noise))
        changed = np.abs(a - b).max(axis=(2, 3, 4))  # (B, T)
        self.assertTrue(np.all(changed[0] > 1e-4))

    def test_noise_goes_through_the_text_prior(self):
        decoder = VideoDecoder(**KWARGS)
        decoder(self.text, self.noise)
        cond = decoder.condition(self.text)
        mean, logvar = decoder.prior(cond)
        z = np.asarray(mean) + np.exp(0.5 * np.asarray(logvar)) * self.noise
        self.assertAllTensorsClose(decoder(self.text, self.noise), decoder.decode(cond, z), atol=1e-5)

    def test_serialization_and_keras_round_trip(self):
        decoder = VideoDecoder(**KWARGS)
        decoder(self.text, self.noise)
        self.run_serialization_test(decoder)
        text, noise = keras.Input((12,)), keras.Input((4,))
        model = keras.Model([text, noise], decoder(text, noise))
        self.run_keras_saving_test(model, [self.text, self.noise], call=lambda m, x: m(x))

    def test_mixed_precision(self):
        self.run_mixed_precision_test(VideoDecoder, KWARGS, (self.text, self.noise), expected_output_dtype="bfloat16")

    def test_sizes_it_cannot_reach_are_refused(self):
        with pytest.raises(ValueError, match="multiples of"):
            VideoDecoder(**{**KWARGS, "height": 18})
        with pytest.raises(ValueError, match="power of two"):
            VideoDecoder(**{**KWARGS, "num_frames": 6, "base_frames": 4})
        with pytest.raises(ValueError, match="upsampling stages"):
            VideoDecoder(**{**KWARGS, "num_frames": 16, "base_frames": 1})

    def test_temperature_scales_the_noise_and_zero_gives_the_prior_mean(self):
        decoder = VideoDecoder(**KWARGS, temperature=0.0)
        decoder(self.text, self.noise)
        decoder.prior_head.kernel.assign(np.random.default_rng(2).normal(size=decoder.prior_head.kernel.shape))
        a = np.asarray(decoder(self.text, self.noise))
        b = np.asarray(decoder(self.text, -self.noise))
        np.testing.assert_allclose(a, b, atol=1e-6)  # the noise no longer matters
        decoder.temperature = 1.0
        self.assertGreater(np.abs(np.asarray(decoder(self.text, self.noise)) - a).max(), 1e-5)
        with pytest.raises(ValueError, match="temperature"):
            VideoDecoder(**KWARGS, temperature=-1.0)

    def test_camera_warp_films_the_decoded_clip_and_saves(self):
        decoder = VideoDecoder(**KWARGS, camera_warp=True)
        decoder(self.text, self.noise)
        plain = VideoDecoder(**KWARGS)
        plain(self.text, self.noise)
        for a, b in zip(plain.weights, [w for w in decoder.weights if "camera" not in w.path]):
            a.assign(b)
        # Without the camera's kernel the clip is the plain decoder's, and moving it moves the clip.
        decoder.camera.dense.kernel.assign(np.zeros(decoder.camera.dense.kernel.shape, "float32"))
        out = decoder(self.text, self.noise)
        self.assertAllTensorsClose(out, plain(self.text, self.noise), atol=1e-5)
        decoder.camera.dense.bias.assign(np.full(decoder.camera.dense.bias.shape, 0.5, "float32"))
        self.assertGreater(np.abs(np.asarray(decoder(self.text, self.noise)) - np.asarray(out)).max(), 1e-3)
        self.assertEqual(decoder.get_config()["camera_warp"], True)
        # The camera reads the sentence embedding (its own hidden layer), and decode needs a path.
        self.assertEqual(tuple(decoder.camera.hidden.kernel.shape), (12, 128))
        cond = decoder.condition(self.text)
        with pytest.raises(ValueError, match="camera path"):
            decoder.decode(cond, self.noise)
        self.assertAllTensorsClose(decoder.decode(cond, self.noise, camera_path=decoder.camera_path(self.text)),
                                   decoder(self.text, self.noise), atol=1e-6)
        self.run_serialization_test(decoder)
        text, noise = keras.Input((12,)), keras.Input((4,))
        model = keras.Model([text, noise], decoder(text, noise))
        self.run_keras_saving_test(model, [self.text, self.noise], call=lambda m, x: m(x))

    def test_a_latent_flow_maps_the_noise_instead_of_the_gaussian_prior(self):
        decoder = VideoDecoder(**KWARGS, flow_dim=16, temperature=0.5)
        decoder(self.text, self.noise)
        decoder.flow.out.kernel.assign(np.random.default_rng(5).normal(size=decoder.flow.out.kernel.shape))
        cond = decoder.condition(self.text)
        z = decoder.flow.sample(0.5 * self.noise, cond)
        self.assertAllTensorsClose(decoder.code(cond, self.noise), z, atol=1e-6)
        self.assertAllTensorsClose(decoder(self.text, self.noise), decoder.decode(cond, z), atol=1e-5)
        self.run_serialization_test(decoder)
        with pytest.raises(ValueError, match="flow_dim"):
            VideoDecoder(**KWARGS, flow_dim=-1)

    def test_a_spatial_code_enters_the_base_grid_at_its_cell(self):
        # Base grid 2 x 4 x 4: 32 cells, 2 channels each.
        decoder = VideoDecoder(**{**KWARGS, "noise_dim": 64}, spatial_code=True)
        self.assertEqual(decoder.code_grid, (2, 4, 4, 2))
        cond = decoder.condition(self.text)
        z = np.zeros((3, 64), np.float32)
        moved = z.copy()
        moved[:, :2] = 3.0  # the first cell: frame 0, top-left
        a, b = np.asarray(decoder.decode(cond, z)), np.asarray(decoder.decode(cond, moved))
        change = np.abs(a - b).max(axis=(0, 4))  # (T, H, W)
        self.assertGreater(change[:2, :4, :4].max(), 1e-4)
        self.assertEqual(change[:, 8:, 8:].max(), 0.0)  # far from that cell, nothing moves
        clone = VideoDecoder.from_config(decoder.get_config())
        self.assertTrue(clone.spatial_code)
        with pytest.raises(ValueError, match="multiple"):
            VideoDecoder(**{**KWARGS, "noise_dim": 40}, spatial_code=True)

    def test_text_slots_reach_every_stage_by_attention_and_not_by_film(self):
        # The 12-wide embedding read as 3 vectors of 4; FiLM reads z alone (the stem still reads
        # the conditioning too); every stage but the last attends.
        decoder = VideoDecoder(**{**KWARGS, "channels": [16, 8, 8], "height": 32, "width": 32},
                               text_slots=3)
        decoder(self.text, self.noise)
        self.assertEqual([a.channels for a in decoder.attends], [16, 8])
        self.assertEqual(tuple(decoder.films[0].dense.kernel.shape), (4, 32))
        self.assertEqual(tuple(decoder.attends[0].key.kernel.shape), (4, 16))
        self.assertEqual(tuple(decoder.stem.kernel.shape)[0], 16 + 4)
        cond = decoder.condition(self.text)
        with pytest.raises(ValueError, match="text="):
            decoder.decode(cond, self.noise)
        # With the attention output zero (as built), `text` does not change the clip (cond reaches the stem) ...
        a = np.asarray(decoder.decode(cond, self.noise, text=self.text))
        b = np.asarray(decoder.decode(cond, self.noise, text=self.text[::-1]))
        np.testing.assert_allclose(a, b, atol=1e-6)
        # ... and once it reads them they do, at every stage.
        rng = np.random.default_rng(4)
        for attend in decoder.attends:
            attend.out.kernel.assign(rng.normal(size=attend.out.kernel.shape).astype("float32"))
            b = np.asarray(decoder.decode(cond, self.noise, text=self.text[::-1]))
            self.assertGreater(np.abs(a - b).max(), 1e-4)
            a = np.asarray(decoder.decode(cond, self.noise, text=self.text))
        self.assertAllTensorsClose(decoder(self.text, self.noise),
                                   decoder.decode(cond, decoder.code(cond, self.noise), text=self.text), atol=1e-5)
        self.run_serialization_test(decoder)
        text, noise = keras.Input((12,)), keras.Input((4,))
        model = keras.Model([text, noise], decoder(text, noise))
        self.run_keras_saving_test(model, [self.text, self.noise], call=lambda m, x: m(x))

    def test_motion_dim_draws_each_frame_by_itself_from_its_own_code(self):
        decoder = VideoDecoder(**{**KWARGS, "base_frames": 4}, motion_dim=3)
        out = np.asarray(decoder(self.text, self.noise))
        self.assertEqual(out.shape, (3, 4, 16, 16, 3))
        self.assertEqual(decoder.time_strides, [1])
        self.assertEqual(decoder.ups[0].kernel_size[0], 1)  # 2D stages: no frame sees another
        self.assertEqual(tuple(decoder.stem.kernel.shape), (16 + 4 + 3, 4 * 4 * 16))  # one frame's grid
        cond = decoder.condition(self.text)
        z = decoder.code(cond, self.noise)
        # A frame depends on its own motion code only: change frame 2's code and only frame 2 changes.
        last = decoder.motion_head[1]
        bias = np.asarray(last.bias).copy()
        bias[2 * 3:3 * 3] += 1.0
        last.bias.assign(bias)
        b = np.asarray(decoder.decode(cond, z))
        changed = np.abs(out - b).max(axis=(2, 3, 4))  # (B, T)
        self.assertTrue(np.all(changed[:, 2] > 1e-4))
        np.testing.assert_allclose(changed[:, [0, 1, 3]], 0.0, atol=1e-6)
        self.run_serialization_test(decoder)
        # With text slots the stem reads the code and the frame's code alone; the words attend.
        slots = VideoDecoder(**{**KWARGS, "base_frames": 4, "channels": [16, 8, 8], "height": 32, "width": 32},
                             motion_dim=3, text_slots=3)
        slots(self.text, self.noise)
        self.assertEqual(tuple(slots.stem.kernel.shape)[0], 4 + 3)
        with pytest.raises(ValueError, match="motion_dim must be"):
            VideoDecoder(**KWARGS, motion_dim=-1)
        with pytest.raises(ValueError, match="base_frames \\(2\\) must equal num_frames \\(4\\)"):
            VideoDecoder(**KWARGS, motion_dim=3)
        with pytest.raises(ValueError, match="choose one"):
            VideoDecoder(**{**KWARGS, "base_frames": 4, "noise_dim": 64}, motion_dim=3, spatial_code=True)

    def test_text_slots_that_cannot_work_are_refused(self):
        with pytest.raises(ValueError, match="text_slots must be"):
            VideoDecoder(**KWARGS, text_slots=-1)
        with pytest.raises(ValueError, match="choose one"):
            VideoDecoder(**{**KWARGS, "noise_dim": 64}, spatial_code=True, text_slots=3)
        with pytest.raises(ValueError, match="multiple of 4"):
            VideoDecoder(**{**KWARGS, "channels": [6, 8]}, text_slots=3)
        with pytest.raises(ValueError, match="at least two"):
            VideoDecoder(**{**KWARGS, "channels": [16], "num_frames": 2}, text_slots=3)
        with pytest.raises(ValueError, match="does not split"):
            VideoDecoder(**KWARGS, text_slots=5)(self.text, self.noise)
