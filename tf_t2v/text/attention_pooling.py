"""Attention pooling: a few learned queries read a token sequence."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tf_t2v")
class AttentionPooling(keras.layers.Layer):
    """Pools (B, L, D) token features into `num_queries` vectors, concatenated to (B, Q * D).

    Query q scores every real token with a learned vector (dot product / sqrt(D)), and the
    softmax over real tokens weighs the features. Padding gets no weight; a sequence with no
    real tokens pools to zeros. With one query per object of a caption ("a red circle ... and
    a blue square ..."), each query learns to read its own clause.

    Args:
        num_queries: int. Vectors Q to pool.

    Example:
    ```python
    pool = tf_t2v.text.AttentionPooling(2)
    pooled = pool(np.ones((3, 5, 8)), np.ones((3, 5), bool))  # (3, 16)
    ```
    """

    def __init__(self, num_queries=2, **kwargs):
        super().__init__(**kwargs)
        self.num_queries = num_queries

    def build(self, sequence_shape, mask_shape=None):
        self.queries = self.add_weight(
            shape=(self.num_queries, sequence_shape[-1]), initializer="glorot_uniform", name="queries"
        )

    def call(self, sequence, mask):
        x = ops.cast(sequence, "float32")
        depth = ops.cast(ops.shape(x)[-1], "float32")
        scores = ops.einsum("bld,qd->bql", x, ops.cast(self.queries, "float32")) / ops.sqrt(depth)
        real = ops.cast(mask, "float32")[:, None, :]  # (B, 1, L)
        scores = scores - 1e9 * (1.0 - real)
        weights = ops.softmax(scores, axis=-1) * real  # (B, Q, L); all zero without real tokens
        pooled = ops.einsum("bql,bld->bqd", weights, x)
        return ops.cast(ops.reshape(pooled, (ops.shape(x)[0], -1)), sequence.dtype)

    def compute_output_shape(self, sequence_shape, mask_shape=None):
        return (sequence_shape[0], self.num_queries * sequence_shape[-1])

    def get_config(self):
        return {**super().get_config(), "num_queries": self.num_queries}
