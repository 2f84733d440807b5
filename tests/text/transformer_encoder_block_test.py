import keras
import numpy as np
import tensorflow as tf

from tf_t2v.testing.test_case import TestCase
from tf_t2v.text import TransformerEncoderBlock

KWARGS = {"num_heads": 2, "intermediate_dim": 16}


class TransformerEncoderBlockTest(TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(2, 5, 8)).astype("float32")  # (B, L, D)
        self.mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)  # (B, L)

    def test_output_shape(self):
        block = TransformerEncoderBlock(**KWARGS)
        self.assertEqual(block(self.x, padding_mask=self.mask).shape, (2, 5, 8))
        self.assertEqual(block(self.x).shape, (2, 5, 8))
        self.assertLen(block.trainable_weights, 16)

    def test_padded_positions_do_not_affect_real_ones(self):
        block = TransformerEncoderBlock(**KWARGS)
        y = block(self.x, padding_mask=self.mask)
        changed = self.x.copy()
        changed[0, 3:] = 100.0  # only padded positions of sample 0
        y_changed = block(changed, padding_mask=self.mask)
        self.assertAllClose(y[0, :3], y_changed[0, :3], atol=1e-5)
        self.assertAllClose(y[1], y_changed[1], atol=1e-6)
        # Without the mask the change leaks in.
        self.assertNotAllClose(block(self.x)[0, :3], block(changed)[0, :3])

    def test_dropout_only_in_training(self):
        block = TransformerEncoderBlock(**KWARGS, dropout=0.5)
        self.assertAllClose(block(self.x), block(self.x))
        self.assertNotAllClose(block(self.x, training=True), block(self.x, training=True))

    def test_heads_must_divide_features(self):
        with self.assertRaisesRegex(ValueError, "num_heads"):
            TransformerEncoderBlock(num_heads=3, intermediate_dim=16)(self.x)

    def test_serialization(self):
        self.run_serialization_test(TransformerEncoderBlock(**KWARGS, dropout=0.1, activation="relu"))

    def test_keras_saving(self):
        x = keras.Input(shape=(None, 8))
        mask = keras.Input(shape=(None,), dtype="bool")
        model = keras.Model([x, mask], TransformerEncoderBlock(**KWARGS)(x, padding_mask=mask))
        self.run_keras_saving_test(model, [self.x, self.mask], atol=1e-5)

    def test_mixed_precision(self):
        outputs = self.run_mixed_precision_test(
            TransformerEncoderBlock, KWARGS, self.x, expected_output_dtype="bfloat16"
        )
        self.assertEqual(outputs.shape, (2, 5, 8))
        masked = TransformerEncoderBlock(**KWARGS, dtype="mixed_bfloat16")(
            self.x, padding_mask=tf.constant(self.mask)
        )
        self.assertEqual(masked.dtype, tf.bfloat16)
