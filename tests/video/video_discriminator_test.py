import numpy as np

from tf_t2v.testing.test_case import TestCase
from tf_t2v.video import VideoDiscriminator

KWARGS = dict(channels=[8, 16])


class VideoDiscriminatorTest(TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.video = rng.uniform(-1, 1, (2, 4, 16, 16, 3)).astype("float32")
        self.text = rng.normal(size=(2, 12)).astype("float32")

    def test_logits_shape_and_projection(self):
        d = VideoDiscriminator(**KWARGS)
        logits = np.asarray(d(self.video, self.text))
        self.assertEqual(logits.shape, (2,))
        # One feature pass scores against several captions: the same as full calls.
        h = d.features(self.video)
        swapped = self.text[::-1]
        self.assertAllClose(d.score(h, swapped), d(self.video, swapped), atol=1e-5)
        self.assertGreater(np.abs(np.asarray(d.score(h, swapped)) - logits).max(), 1e-6)

    def test_serialization_and_keras_round_trip(self):
        import keras

        for downsample, sn in ((1, True), (2, False)):
            d = VideoDiscriminator(**KWARGS, downsample=downsample, spectral_norm=sn)
            d(self.video, self.text)
            self.run_serialization_test(d)
            video, text = keras.Input((4, 16, 16, 3)), keras.Input((12,))
            model = keras.Model([video, text], d(video, text))
            self.run_keras_saving_test(model, [self.video, self.text], call=lambda m, x: m(x), atol=1e-5)

    def test_mixed_precision(self):
        self.run_mixed_precision_test(
            VideoDiscriminator, KWARGS, (self.video, self.text), expected_output_dtype="float32")
