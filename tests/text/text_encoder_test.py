import keras
import numpy as np
import tensorflow as tf

from tf_t2v.testing.test_case import TestCase
from tf_t2v.text import TextEncoder, TextTokenizer

KWARGS = {
    "vocabulary_size": 10,
    "sequence_length": 8,
    "hidden_dim": 8,
    "num_layers": 2,
    "num_heads": 2,
    "intermediate_dim": 16,
}


class TextEncoderTest(TestCase):
    def setUp(self):
        super().setUp()
        self.ids = np.array([[2, 5, 7, 0, 0, 0, 0, 0], [3, 4, 5, 6, 7, 8, 9, 2]], "int32")

    def test_outputs(self):
        outputs = TextEncoder(**KWARGS)(self.ids)
        self.assertEqual(sorted(outputs), ["mask", "pooled", "sequence"])
        self.assertEqual(outputs["sequence"].shape, (2, 8, 8))
        self.assertEqual(outputs["pooled"].shape, (2, 8))
        self.assertEqual(outputs["sequence"].dtype, tf.float32)
        self.assertEqual(outputs["pooled"].dtype, tf.float32)
        self.assertEqual(outputs["mask"].dtype, tf.bool)
        self.assertAllEqual(outputs["mask"], self.ids != 0)

    def test_padding_never_affects_the_output(self):
        encoder = TextEncoder(**KWARGS)
        sentence = [2, 5, 7]
        short = encoder(np.array([sentence + [0]], "int32"))
        long = encoder(np.array([sentence + [0] * 5], "int32"))
        self.assertAllClose(short["pooled"], long["pooled"], atol=1e-6)
        self.assertAllClose(short["sequence"][:, :3], long["sequence"][:, :3], atol=1e-6)
        # Batched with a longer prompt (more padding around it) gives the same vector too.
        batched = encoder(self.ids)
        self.assertAllClose(batched["pooled"][0], long["pooled"][0], atol=1e-6)
        # Padding rows are zero, and the padding embedding gets no gradient.
        self.assertAllEqual(batched["sequence"][0, 3:], np.zeros((5, 8)))
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(encoder(self.ids)["pooled"] ** 2)
        grad = tf.convert_to_tensor(tape.gradient(loss, encoder.token_embedding.embeddings))
        self.assertAllEqual(grad[0], np.zeros(8))
        self.assertGreater(float(tf.reduce_sum(tf.abs(grad[2]))), 0.0)

    def test_empty_prompt_pools_to_zeros(self):
        outputs = TextEncoder(**KWARGS)(np.zeros((1, 8), "int32"))
        self.assertAllEqual(outputs["pooled"], np.zeros((1, 8)))

    def test_with_tokenizer(self):
        tokenizer = TextTokenizer(["a", "red", "circle", "."], sequence_length=8)
        encoder = TextEncoder(**{**KWARGS, "vocabulary_size": tokenizer.vocabulary_size})
        pooled = encoder(tokenizer(["A RED Circle.", "a red circle ."]))["pooled"]
        self.assertAllClose(pooled[0], pooled[1])
        self.assertEqual(encoder(tokenizer(tf.zeros([0], tf.string)))["pooled"].shape, (0, 8))

    def test_dropout_only_in_training(self):
        encoder = TextEncoder(**KWARGS, dropout=0.5)
        self.assertAllClose(encoder(self.ids)["pooled"], encoder(self.ids)["pooled"])
        self.assertNotAllClose(
            encoder(self.ids, training=True)["pooled"], encoder(self.ids, training=True)["pooled"]
        )

    def test_serialization(self):
        self.run_serialization_test(TextEncoder(**KWARGS, dropout=0.1, dtype="mixed_bfloat16"))

    def test_keras_saving(self):
        self.run_keras_saving_test(TextEncoder(**KWARGS), self.ids, atol=1e-5)

    def test_mixed_precision(self):
        outputs = self.run_mixed_precision_test(TextEncoder, KWARGS, self.ids)
        self.assertEqual(outputs["sequence"].dtype, tf.bfloat16)
        self.assertEqual(outputs["pooled"].dtype, tf.bfloat16)
        self.assertEqual(outputs["mask"].dtype, tf.bool)

    def test_global_mixed_precision_policy(self):
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        encoder = TextEncoder(**KWARGS)
        self.assertEqual(encoder(self.ids)["pooled"].dtype, tf.bfloat16)
        self.assertEqual({w.dtype for w in encoder.weights}, {"float32"})
