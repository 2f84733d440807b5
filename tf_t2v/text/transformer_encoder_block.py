"""`TransformerEncoderBlock`: pre-norm self-attention + MLP, padding-aware."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tf_t2v")
class TransformerEncoderBlock(keras.layers.Layer):
    """A pre-norm Transformer encoder block.

    `x + Dropout(MultiHeadAttention(LayerNorm(x)))`, then `x + Dropout(MLP(LayerNorm(x)))`.
    Padded positions (`padding_mask` False) are never attended to, so they cannot change the
    features of real positions.

    Call args:
        inputs: float tensor (B, L, D).
        padding_mask: bool or int tensor (B, L), True / 1 for real tokens. None attends to all.
        training: bool. Enables dropout.

    Args:
        num_heads: int. Attention heads; must divide the feature size D.
        intermediate_dim: int. Hidden width of the MLP.
        dropout: float. Dropout rate on attention weights and on both residual branches.
        activation: str. Activation of the MLP's hidden layer.
        layer_norm_epsilon: float. Epsilon of both layer norms.

    Example:
    ```python
    import numpy as np
    from tf_t2v.text import TransformerEncoderBlock

    block = TransformerEncoderBlock(num_heads=2, intermediate_dim=16)
    x = np.random.rand(2, 5, 8).astype("float32")         # (B, L, D)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)  # (B, L)
    y = block(x, padding_mask=mask)                       # (2, 5, 8)
    ```
    """

    def __init__(
        self,
        num_heads,
        intermediate_dim,
        dropout=0.0,
        activation="gelu",
        layer_norm_epsilon=1e-5,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.intermediate_dim = int(intermediate_dim)
        self.dropout = float(dropout)
        self.activation = activation
        self.layer_norm_epsilon = float(layer_norm_epsilon)

    def build(self, inputs_shape):
        hidden_dim = inputs_shape[-1]
        if hidden_dim is None or hidden_dim % self.num_heads != 0:
            raise ValueError(
                f"The feature size of the inputs must be a multiple of `num_heads`={self.num_heads}."
                f" Received inputs of shape {inputs_shape}."
            )
        common = dict(dtype=self.dtype_policy)
        self.attention_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, name="attention_norm", **common
        )
        self.attention = keras.layers.MultiHeadAttention(
            num_heads=self.num_heads,
            key_dim=hidden_dim // self.num_heads,
            dropout=self.dropout,
            name="attention",
            **common,
        )
        self.attention_dropout = keras.layers.Dropout(self.dropout, name="attention_dropout", **common)
        self.mlp_norm = keras.layers.LayerNormalization(
            epsilon=self.layer_norm_epsilon, name="mlp_norm", **common
        )
        self.mlp_intermediate = keras.layers.Dense(
            self.intermediate_dim, activation=self.activation, name="mlp_intermediate", **common
        )
        self.mlp_output = keras.layers.Dense(hidden_dim, name="mlp_output", **common)
        self.mlp_dropout = keras.layers.Dropout(self.dropout, name="mlp_dropout", **common)

        self.attention_norm.build(inputs_shape)
        self.attention.build(inputs_shape, inputs_shape)
        self.mlp_norm.build(inputs_shape)
        self.mlp_intermediate.build(inputs_shape)
        self.mlp_output.build(tuple(inputs_shape[:-1]) + (self.intermediate_dim,))
        self.built = True

    def call(self, inputs, padding_mask=None, training=None):
        attention_mask = None
        if padding_mask is not None:
            attention_mask = ops.expand_dims(ops.cast(padding_mask, "bool"), axis=1)  # (B, 1, L)
        h = self.attention_norm(inputs)  # (B, L, D)
        h = self.attention(h, h, attention_mask=attention_mask, training=training)
        x = inputs + self.attention_dropout(h, training=training)
        h = self.mlp_output(self.mlp_intermediate(self.mlp_norm(x)))
        return x + self.mlp_dropout(h, training=training)

    def compute_output_shape(self, inputs_shape):
        return inputs_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_heads": self.num_heads,
                "intermediate_dim": self.intermediate_dim,
                "dropout": self.dropout,
                "activation": self.activation,
                "layer_norm_epsilon": self.layer_norm_epsilon,
            }
        )
        return config
