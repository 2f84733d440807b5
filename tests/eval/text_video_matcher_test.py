import keras
import numpy as np
import tensorflow as tf

from tf_t2v.eval.text_video_matcher import TextVideoMatcher
from tf_t2v.training.train_text_video_matcher import TINY_SETTINGS, build_matcher, settings_from
from tf_t2v.testing.test_case import TestCase

KINDS = ["a red clip", "a green clip", "a blue clip"]
COLORS = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]], np.float32)


def _pairs(count, seed=0):
    """(captions, uint8 clips (count, 4, 8, 8, 3)): each clip tinted the colour its caption names."""
    rng = np.random.default_rng(seed)
    kind = np.arange(count) % len(KINDS)
    clips = COLORS[kind][:, None, None, None, :] * 0.7 + rng.uniform(0, 60, (count, 4, 8, 8, 3))
    return [KINDS[k] for k in kind], np.clip(clips, 0, 255).astype(np.uint8), kind


def _batches(matcher, captions, clips, batch_size, repeat=False):
    ds = tf.data.Dataset.from_tensor_slices({"caption": captions, "video": clips})
    ds = ds.shuffle(len(captions), seed=0).repeat() if repeat else ds
    return ds.batch(batch_size, drop_remainder=repeat).map(matcher.preprocess)


class TextVideoMatcherTest(TestCase):
    def setUp(self):
        super().setUp()
        self.matcher = build_matcher(KINDS, settings_from(TINY_SETTINGS), clip_shape=(4, 8, 8))
        self.captions, self.clips, self.kind = _pairs(24)

    def test_embeddings_are_unit_rows_and_features_are_pre_projection(self):
        text = self.matcher.embed_text(self.captions[:5])
        video = self.matcher.read_video(self.clips[:5], batch_size=2)
        self.assertEqual(text.shape, (5, 8))
        self.assertEqual(video["embedding"].shape, (5, 8))
        self.assertEqual(video["features"].shape, (5, 16))
        self.assertEqual(text.dtype, np.float32)
        self.assertAllClose(np.linalg.norm(text, axis=1), np.ones(5), atol=1e-5)
        self.assertAllClose(np.linalg.norm(video["embedding"], axis=1), np.ones(5), atol=1e-5)
        self.assertAllClose(self.matcher.embed_video(self.clips[:5]), video["embedding"], atol=1e-6)
        self.assertAllClose(self.matcher.video_features(self.clips[:5]), video["features"], atol=1e-6)
        outputs = self.matcher({"caption": tf.constant(self.captions[:2]), "video": self.clips[:2]})
        self.assertEqual({k: tuple(v.shape) for k, v in outputs.items()}, {"text": (2, 8), "video": (2, 8)})

    def test_clips_of_another_shape_are_refused(self):
        with self.assertRaisesRegex(ValueError, r"reads clips of shape \(N, 4, 8, 8, 3\); got \(1, 4, 16, 16, 3\)"):
            self.matcher.embed_video(np.zeros((1, 4, 16, 16, 3), np.uint8))
        with self.assertRaisesRegex(ValueError, "temperature must be positive"):
            TextVideoMatcher(self.matcher.tokenizer, self.matcher.text_encoder, temperature=0.001)

    def test_serialization_and_keras_file_give_equal_embeddings(self):
        revived = self.run_serialization_test(self.matcher)
        self.assertEqual(revived.clip_shape, [4, 8, 8])
        self.run_keras_saving_test(
            self.matcher, (self.captions[:4], self.clips[:4]),
            call=lambda m, x: (m.embed_text(x[0]), m.read_video(x[1])),
        )

    def test_training_lowers_the_loss_and_ranks_the_right_caption_first(self):
        matcher = self.matcher
        matcher.compile(optimizer=keras.optimizers.Adam(1e-2))
        before = matcher.evaluate(_batches(matcher, self.captions, self.clips, 12), verbose=0, return_dict=True)
        weights = [w.copy() for w in matcher.get_weights()]
        matcher.fit(_batches(matcher, self.captions, self.clips, 12, repeat=True), steps_per_epoch=30, verbose=0)
        after = matcher.evaluate(_batches(matcher, self.captions, self.clips, 12), verbose=0, return_dict=True)
        self.assertLess(after["loss"], before["loss"] - 1.0)
        self.assertTrue(any(not np.allclose(w, v) for w, v in zip(weights, matcher.get_weights())))
        # Clips of an unseen draw: each closest to the caption that names its colour.
        _, clips, kind = _pairs(12, seed=1)
        similarity = matcher.embed_video(clips) @ matcher.embed_text(KINDS).T  # (12, 3)
        np.testing.assert_array_equal(similarity.argmax(axis=1), kind)
