"""`CrossAttention`: every position of a feature map reads a few text vectors by attention."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tf_t2v")
class CrossAttention(keras.layers.Layer):
    """A residual multi-head attention from the positions of a feature map to text tokens.

    `x + out(attention(query(norm(x)), key(norm(tokens)), value(norm(tokens))))`: each
    position (of any number of leading axes, e.g. (B, t, h, w, C)) weighs the tokens by its own
    query and adds their values, so what a token says reaches the places that ask for it. This is how
    text-to-image models condition their decoders (Rombach et al., 2022), in place of one
    pooled vector through an MLP: the words stay apart, and a position that draws an object
    reads the word for that object whatever the others say. The output projection is
    zero-initialised, so the layer starts as the identity; both sides are layer-normalised, so
    the attention logits stay in range (a digits run without the tokens' norm, and without
    gradient clipping, blew up at step 500).

    Args:
        channels: int. Channels C of the feature map (and of the attention).
        num_heads: int. Attention heads; must divide `channels`.

    Example:
    ```python
    import numpy as np
    from tf_t2v.video import CrossAttention

    layer = CrossAttention(16, num_heads=2)
    y = layer(np.zeros((2, 4, 8, 8, 16)), np.ones((2, 3, 12)))  # (2, 4, 8, 8, 16)
    ```
    """

    def __init__(self, channels, num_heads=4, **kwargs):
        super().__init__(**kwargs)
        self.channels = int(channels)
        self.num_heads = int(num_heads)
        if self.num_heads < 1 or self.channels % self.num_heads:
            raise ValueError(f"num_heads ({num_heads}) must be >= 1 and divide channels ({channels}).")
        policy = self.dtype_policy
        self.norm = keras.layers.LayerNormalization(epsilon=1e-5, dtype=policy, name="norm")
        self.token_norm = keras.layers.LayerNormalization(epsilon=1e-5, dtype=policy, name="token_norm")
        self.query = keras.layers.Dense(self.channels, use_bias=False, dtype=policy, name="query")
        self.key = keras.layers.Dense(self.channels, use_bias=False, dtype=policy, name="key")
        self.value = keras.layers.Dense(self.channels, dtype=policy, name="value")
        self.out = keras.layers.Dense(self.channels, kernel_initializer="zeros", dtype=policy, name="out")

    def build(self, x_shape, tokens_shape):
        self.norm.build(x_shape)
        self.token_norm.build(tokens_shape)
        self.query.build(x_shape)
        self.key.build(tokens_shape)
        self.value.build(tokens_shape)
        self.out.build(x_shape)

    def call(self, x, tokens):
        b = ops.shape(x)[0]
        heads, width = self.num_heads, self.channels // self.num_heads
        q = ops.reshape(self.query(self.norm(x)), (b, -1, heads, width))  # (B, N, h, d)
        tokens = self.token_norm(tokens)
        k = ops.reshape(self.key(tokens), (b, -1, heads, width))  # (B, K, h, d)
        v = ops.reshape(self.value(tokens), (b, -1, heads, width))  # (B, K, h, d)
        logits = ops.einsum("bnhd,bkhd->bhnk", q, k) / (width**0.5)
        weights = ops.cast(ops.softmax(ops.cast(logits, "float32"), axis=-1), v.dtype)  # (B, h, N, K)
        read = ops.reshape(ops.einsum("bhnk,bkhd->bnhd", weights, v), ops.shape(x))  # (B, ..., C)
        return x + self.out(read)

    def compute_output_shape(self, x_shape, tokens_shape=None):
        return x_shape

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "num_heads": self.num_heads}
