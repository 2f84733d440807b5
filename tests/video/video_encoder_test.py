import keras
import numpy as np

from tf_t2v.testing.test_case import TestCase
from tf_t2v.video import VideoEncoder

KWARGS = dict(noise_dim=4, channels=[8, 16], patch=2, hidden_dim=16)


class VideoEncoderTest(TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.video = rng.uniform(-1, 1, size=(3, 4, 16, 16, 3)).astype("float32")
        self.cond = rng.normal(size=(3, 8)).astype("float32")

    def test_posterior_shapes(self):
        mean, logvar = VideoEncoder(**KWARGS)(self.video, self.cond)
        self.assertEqual(tuple(mean.shape), (3, 4))
        self.assertEqual(tuple(logvar.shape), (3, 4))

    def test_posterior_reads_the_clip(self):
        encoder = VideoEncoder(**KWARGS)
        encoder(self.video, self.cond)
        encoder.head.kernel.assign(np.random.default_rng(1).normal(size=encoder.head.kernel.shape))
        a, _ = encoder(self.video, self.cond)
        b, _ = encoder(self.video[:, ::-1], self.cond)  # the same frames, reversed
        self.assertGreater(float(np.abs(np.asarray(a) - np.asarray(b)).max()), 1e-4)

    def test_serialization_and_keras_round_trip(self):
        encoder = VideoEncoder(**KWARGS)
        encoder(self.video, self.cond)
        encoder.head.kernel.assign(np.random.default_rng(1).normal(size=encoder.head.kernel.shape))
        self.run_serialization_test(encoder)
        video, cond = keras.Input((4, 16, 16, 3)), keras.Input((8,))
        model = keras.Model([video, cond], list(encoder(video, cond)))
        self.run_keras_saving_test(model, [self.video, self.cond], call=lambda m, x: list(m(x)))

    def test_mixed_precision(self):
        self.run_mixed_precision_test(VideoEncoder, KWARGS, (self.video, self.cond), expected_output_dtype="float32")

    def test_a_code_grid_is_encoded_cell_by_cell(self):
        encoder = VideoEncoder(**{**KWARGS, "noise_dim": 64}, code_grid=(2, 4, 4, 2))
        mean, logvar = encoder(self.video, self.cond)
        self.assertEqual((tuple(mean.shape), tuple(logvar.shape)), ((3, 64), (3, 64)))
        # Strides stop at the grid: time 4 -> 2 and space 8 -> 4 in the first convolution only.
        self.assertEqual([c.strides for c in encoder.convs], [(2, 2, 2), (1, 1, 1)])
        clone = VideoEncoder.from_config(encoder.get_config())
        self.assertEqual(clone.code_grid, (2, 4, 4, 2))
        with self.assertRaisesRegex(ValueError, "code_grid"):
            VideoEncoder(**{**KWARGS, "noise_dim": 60}, code_grid=(2, 4, 4, 2))
        with self.assertRaisesRegex(ValueError, "grid"):
            VideoEncoder(**{**KWARGS, "noise_dim": 32}, code_grid=(1, 1, 1, 32))(self.video, self.cond)
