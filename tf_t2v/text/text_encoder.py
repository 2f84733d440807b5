"""`TextEncoder`: token ids to per-token features and a sentence embedding."""

import keras
from keras import ops

from tf_t2v.text.attention_pooling import AttentionPooling
from tf_t2v.text.transformer_encoder_block import TransformerEncoderBlock


@keras.saving.register_keras_serializable(package="tf_t2v")
class TextEncoder(keras.Model):
    """A small Transformer encoder over `TextTokenizer` ids (a functional backbone).

    Token embedding + learned position embedding, `num_layers` pre-norm
    `TransformerEncoderBlock`s, a final LayerNorm. Id 0 is padding: it is never attended to, its
    `sequence` rows are zero, and `pooled` is the mean over real tokens only, so the same prompt
    gives the same `pooled` vector whatever its padding (all zeros for an empty prompt).

    Input: int token ids (B, L) with L <= `sequence_length`.
    Output: a dict
        "sequence": (B, L, hidden_dim) per-token features in the compute dtype,
        "pooled": (B, hidden_dim) masked mean of "sequence", in the compute dtype; with
            `num_pooled` > 1, (B, num_pooled * hidden_dim) from `AttentionPooling` instead,
            one vector per object a caption describes,
        "mask": (B, L) bool, True for real tokens.

    Args:
        vocabulary_size: int. Number of token ids (`TextTokenizer.vocabulary_size`).
        sequence_length: int. Longest input; the size of the position embedding.
        hidden_dim: int. Feature size.
        num_layers: int. Number of Transformer blocks.
        num_heads: int. Attention heads per block; must divide `hidden_dim`.
        intermediate_dim: int. MLP width inside each block.
        dropout: float. Dropout rate of embeddings, attention and MLP.
        num_pooled: int. Sentence vectors in "pooled" (1: the masked mean).
        dtype: str or `keras.DTypePolicy`, e.g. `"mixed_bfloat16"`. None uses the global policy.

    Example:
    ```python
    from tf_t2v.text import TextEncoder, TextTokenizer

    tokenizer = TextTokenizer(["a", "red", "circle"], sequence_length=8)
    encoder = TextEncoder(tokenizer.vocabulary_size, sequence_length=8, hidden_dim=16,
                          num_layers=1, num_heads=2, intermediate_dim=32)
    outputs = encoder(tokenizer(["a red circle", "a circle"]))
    outputs["pooled"].shape    # (2, 16)
    outputs["sequence"].shape  # (2, 8, 16)
    ```
    """

    def __init__(
        self,
        vocabulary_size,
        sequence_length,
        hidden_dim=128,
        num_layers=2,
        num_heads=4,
        intermediate_dim=256,
        dropout=0.0,
        num_pooled=1,
        dtype=None,
        **kwargs,
    ):
        # === Layers ===
        self.token_embedding = keras.layers.Embedding(
            vocabulary_size, hidden_dim, dtype=dtype, name="token_embedding"
        )
        self.position_embedding = keras.layers.Embedding(
            sequence_length, hidden_dim, dtype=dtype, name="position_embedding"
        )
        self.embedding_dropout = keras.layers.Dropout(dropout, dtype=dtype, name="embedding_dropout")
        self.blocks = [
            TransformerEncoderBlock(
                num_heads=num_heads,
                intermediate_dim=intermediate_dim,
                dropout=dropout,
                dtype=dtype,
                name=f"block_{i}",
            )
            for i in range(num_layers)
        ]
        self.final_norm = keras.layers.LayerNormalization(
            epsilon=1e-5, dtype=dtype, name="final_norm"
        )

        # === Functional model ===
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")  # (B, L)
        mask = ops.not_equal(token_ids, 0)  # (B, L)
        positions = ops.cumsum(ops.ones_like(token_ids), axis=1) - 1  # (B, L): 0, 1, ...
        x = self.token_embedding(token_ids) + self.position_embedding(positions)  # (B, L, D)
        x = self.embedding_dropout(x)
        for block in self.blocks:
            x = block(x, padding_mask=mask)
        x = self.final_norm(x)
        weights = ops.expand_dims(ops.cast(mask, x.dtype), axis=-1)  # (B, L, 1)
        sequence = x * weights  # padding rows are zero
        # Average in float32: bfloat16 sums lose digits.
        total = ops.sum(ops.cast(sequence, "float32"), axis=1)  # (B, D)
        count = ops.maximum(ops.sum(ops.cast(weights, "float32"), axis=1), 1.0)  # (B, 1)
        pooled = ops.cast(total / count, x.dtype)  # (B, D)
        if num_pooled > 1:
            self.attention_pooling = AttentionPooling(num_pooled, dtype=dtype, name="attention_pooling")
            pooled = self.attention_pooling(sequence, mask)  # (B, num_pooled * D)
        super().__init__(
            inputs=token_ids,
            outputs={"sequence": sequence, "pooled": pooled, "mask": mask},
            **kwargs,
        )
        if dtype is not None:
            self.dtype_policy = keras.dtype_policies.get(dtype)

        # === Config ===
        self.vocabulary_size = int(vocabulary_size)
        self.sequence_length = int(sequence_length)
        self.hidden_dim = int(hidden_dim)
        self.num_layers = int(num_layers)
        self.num_heads = int(num_heads)
        self.intermediate_dim = int(intermediate_dim)
        self.dropout = float(dropout)
        self.num_pooled = int(num_pooled)

    def get_config(self):
        # Not chained to super(): a functional model's config is a layer graph, not our arguments.
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "vocabulary_size": self.vocabulary_size,
            "sequence_length": self.sequence_length,
            "hidden_dim": self.hidden_dim,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
            "num_pooled": self.num_pooled,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
