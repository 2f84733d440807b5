import numpy as np

from tf_t2v.testing.test_case import TestCase
from tf_t2v.text import AttentionPooling, TextEncoder


class AttentionPoolingTest(TestCase):
    def setUp(self):
        super().setUp()
        self.x = np.random.default_rng(0).normal(size=(2, 5, 8)).astype("float32")

    def test_shape_and_padding_gets_no_weight(self):
        pool = AttentionPooling(3)
        mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
        out = np.asarray(pool(self.x, mask))
        self.assertEqual(out.shape, (2, 24))
        changed = self.x.copy()
        changed[0, 3:] = 100.0  # padding rows of the first sequence
        np.testing.assert_allclose(np.asarray(pool(changed, mask))[0], out[0], rtol=1e-6)
        # A weighted mean of the real rows: inside their range, per feature.
        first = out[0].reshape(3, 8)
        self.assertTrue(np.all(first <= self.x[0, :3].max(0) + 1e-6))
        self.assertTrue(np.all(first >= self.x[0, :3].min(0) - 1e-6))

    def test_no_real_tokens_pools_to_zeros(self):
        out = np.asarray(AttentionPooling(2)(self.x, np.zeros((2, 5), bool)))
        np.testing.assert_array_equal(out, np.zeros((2, 16)))

    def test_queries_read_different_tokens(self):
        pool = AttentionPooling(2)
        out = np.asarray(pool(self.x, np.ones((2, 5), bool))).reshape(2, 2, 8)
        self.assertFalse(np.allclose(out[:, 0], out[:, 1]))

    def test_serialization(self):
        pool = AttentionPooling(2)
        pool(self.x, np.ones((2, 5), bool))
        self.run_serialization_test(pool)

    def test_text_encoder_pools_one_vector_per_object(self):
        encoder = TextEncoder(20, 6, hidden_dim=8, num_layers=1, num_heads=2, intermediate_dim=16, num_pooled=2)
        ids = np.array([[2, 3, 4, 0, 0, 0]], "int32")
        out = encoder(ids)
        self.assertEqual(tuple(out["pooled"].shape), (1, 16))
        self.run_keras_saving_test(encoder, ids, call=lambda m, x: m(x)["pooled"])
