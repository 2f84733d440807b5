import numpy as np
import pytest

from tf_t2v.testing.test_case import TestCase
from tf_t2v.video import CrossAttention


class CrossAttentionTest(TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(2, 3, 4, 4, 8)).astype("float32")
        self.tokens = rng.normal(size=(2, 3, 6)).astype("float32")

    def _layer(self):
        layer = CrossAttention(8, num_heads=2)
        layer(self.x, self.tokens)
        rng = np.random.default_rng(1)
        layer.out.kernel.assign(rng.normal(size=layer.out.kernel.shape).astype("float32"))
        return layer

    def test_starts_as_the_identity(self):
        layer = CrossAttention(8, num_heads=2)
        self.assertAllTensorsClose(layer(self.x, self.tokens), self.x)

    def test_each_position_reads_the_tokens_by_its_own_weights(self):
        layer = self._layer()
        out = np.asarray(layer(self.x, self.tokens))
        self.assertEqual(out.shape, self.x.shape)
        # Equal tokens: every position reads the same value whatever its query.
        same = np.repeat(self.tokens[:, :1], 3, axis=1)
        read = np.asarray(layer(self.x, same)) - self.x
        np.testing.assert_allclose(read, np.broadcast_to(read[:, :1, :1, :1], read.shape), atol=1e-5)
        # Different tokens: what a position reads depends on the position.
        read = out - self.x
        self.assertGreater(np.abs(read - read[:, :1, :1, :1]).max(), 1e-3)
        # Token order does not matter (attention is a weighted sum over tokens).
        self.assertAllTensorsClose(layer(self.x, self.tokens[:, ::-1]), out, atol=1e-5)

    def test_a_clip_reads_only_its_own_tokens(self):
        layer = self._layer()
        other = self.tokens.copy()
        other[1] = np.random.default_rng(2).normal(size=other[1].shape)
        a, b = np.asarray(layer(self.x, self.tokens)), np.asarray(layer(self.x, other))
        np.testing.assert_allclose(a[0], b[0], atol=1e-6)
        self.assertGreater(np.abs(a[1] - b[1]).max(), 1e-3)

    def test_serialization_and_mixed_precision(self):
        layer = self._layer()
        self.run_serialization_test(layer)
        self.run_mixed_precision_test(CrossAttention, dict(channels=8, num_heads=2), (self.x, self.tokens),
                                      expected_output_dtype="bfloat16")

    def test_heads_must_divide_the_channels(self):
        with pytest.raises(ValueError, match="divide channels"):
            CrossAttention(8, num_heads=3)
