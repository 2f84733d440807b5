"""`TextVideoMatcher`: a small contrastive text-video dual encoder (CLIP-style) for any captioned data."""

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

import tf_t2v.text  # noqa: F401  (registers the tokenizer and text encoder the config nests)


@keras.saving.register_keras_serializable(package="tf_t2v")
class TextVideoMatcher(keras.Model):
    """Embeds captions and clips in one space, where a clip lies closest to the captions it shows.

    Text tower: `tokenizer` ids through `text_encoder` ("pooled"), then a linear projection.
    Video tower: uint8 clips (B, T, H, W, 3) scaled to [-1, 1], strided 3D convolutions (stride 2
    in time and space, SiLU), a global mean over time and space and a dense layer: the clip's
    `video_dim` features (what a Frechet distance is measured on), then a linear projection.
    Both embeddings are L2-normalised (`embed_dim`); their dot product times a learnt logit
    scale (CLIP's inverse temperature, at most `max_logit_scale`) scores a (caption, clip) pair.

    Training (`fit` on batches {"caption" or "token_ids", "video"}) minimises the symmetric
    InfoNCE loss of each batch: every caption against every clip and every clip against every
    caption, pairs with the same token ids counting as matches (identical captions of different
    clips are both right). It tracks "loss" and "accuracy" (share of captions whose best clip
    is a match).

    Args:
        tokenizer: `tf_t2v.text.TextTokenizer`.
        text_encoder: `tf_t2v.text.TextEncoder` over the tokenizer's ids.
        channels: list of int. Channels of the strided 3D convolutions of the video tower.
        video_dim: int. Width of the video features.
        embed_dim: int. Width of the shared embedding.
        temperature: float. Initial softmax temperature (the logit scale starts at 1 / temperature).
        max_logit_scale: float. Largest logit scale (CLIP: 100).
        clip_shape: list of 3 int or None. (T, H, W) of the clips it was trained on; other clips
            are refused (None: any).
        description: str. What it was trained on, for reports.

    Example:
    ```python
    import numpy as np
    from tf_t2v.eval.text_video_matcher import TextVideoMatcher
    from tf_t2v.text import TextEncoder, TextTokenizer, build_vocabulary

    captions = ["a red square", "a blue circle"]
    tokenizer = TextTokenizer(build_vocabulary(captions), sequence_length=8)
    encoder = TextEncoder(tokenizer.vocabulary_size, 8, hidden_dim=16, num_layers=1, num_heads=2,
                          intermediate_dim=32)
    matcher = TextVideoMatcher(tokenizer, encoder, channels=[8, 16], video_dim=16, embed_dim=8)
    text = matcher.embed_text(captions)                                # (2, 8), unit rows
    video = matcher.embed_video(np.zeros((2, 4, 16, 16, 3), "uint8"))  # (2, 8), unit rows
    similarity = video @ text.T                                        # (2, 2)
    ```
    """

    def __init__(self, tokenizer, text_encoder, channels=(32, 64, 128, 256), video_dim=256, embed_dim=128,
                 temperature=0.07, max_logit_scale=100.0, clip_shape=None, description="", **kwargs):
        super().__init__(**kwargs)
        self.tokenizer = tokenizer
        self.text_encoder = text_encoder
        self.channels = [int(c) for c in channels]
        self.video_dim = int(video_dim)
        self.embed_dim = int(embed_dim)
        self.temperature = float(temperature)
        self.max_logit_scale = float(max_logit_scale)
        self.clip_shape = None if clip_shape is None else [int(s) for s in clip_shape]
        self.description = str(description)
        if not self.channels or min(self.channels + [self.video_dim, self.embed_dim]) < 1:
            raise ValueError(f"channels, video_dim and embed_dim must be positive; got {list(channels)}, "
                             f"{video_dim}, {embed_dim}.")
        if not (self.temperature > 0.0 and 1.0 / self.temperature <= self.max_logit_scale):
            raise ValueError(f"temperature must be positive with 1 / temperature <= max_logit_scale "
                             f"({self.max_logit_scale}); got {temperature}.")
        if self.clip_shape is not None and (len(self.clip_shape) != 3 or min(self.clip_shape) < 1):
            raise ValueError(f"clip_shape must be 3 positive ints (T, H, W) or None; got {clip_shape}.")

        # === Layers ===
        self.convs = [
            keras.layers.Conv3D(c, 3, strides=2, padding="same", activation="silu", name=f"video_conv_{i}")
            for i, c in enumerate(self.channels)
        ]
        self.video_hidden = keras.layers.Dense(self.video_dim, activation="silu", name="video_hidden")
        self.video_projection = keras.layers.Dense(self.embed_dim, use_bias=False, name="video_projection")
        self.text_projection = keras.layers.Dense(self.embed_dim, use_bias=False, name="text_projection")
        self.logit_scale = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(math.log(1.0 / self.temperature)), name="logit_scale"
        )
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.Mean(name="accuracy")

        # === Build every weight now, so a saved matcher loads without a call ===
        inputs = 3
        for conv in self.convs:
            conv.build((None, None, None, None, inputs))
            inputs = conv.filters
        self.video_hidden.build((None, inputs))
        self.video_projection.build((None, self.video_dim))
        pooled = self.text_encoder(self.tokenizer(tf.constant([""])))["pooled"]
        self.text_projection.build((None, int(pooled.shape[-1])))
        self.built = True

    # === Towers ===
    def encode_text(self, token_ids, training=False):
        """Token ids (B, L) -> unit embeddings (B, embed_dim) float32."""
        pooled = self.text_encoder(token_ids, training=training)["pooled"]
        return _l2_normalize(self.text_projection(ops.cast(pooled, "float32")))

    def encode_video(self, video, training=False):
        """Clips (B, T, H, W, 3) in [0, 255] (uint8 or float) -> {"embedding": (B, embed_dim) unit
        rows, "features": (B, video_dim)}, float32."""
        x = ops.cast(video, "float32") / 127.5 - 1.0  # (B, T, H, W, 3) in [-1, 1]
        for conv in self.convs:
            x = conv(x)  # (B, T / 2, H / 2, W / 2, C) per convolution
        features = self.video_hidden(ops.mean(x, axis=(1, 2, 3)))  # (B, video_dim)
        return {"embedding": _l2_normalize(self.video_projection(features)), "features": features}

    def token_ids(self, batch):
        """A batch's token ids: those `preprocess` added, else its captions tokenized here."""
        return batch["token_ids"] if "token_ids" in batch else self.tokenizer(batch["caption"])

    def preprocess(self, batch):
        """For `tf.data.Dataset.map`: "caption" (B,) tf.string becomes "token_ids" (B, L), so
        string ops run in the input pipeline."""
        batch = dict(batch)
        batch["token_ids"] = self.tokenizer(batch.pop("caption"))
        return batch

    def call(self, inputs, training=False):
        """{"token_ids" (B, L) or "caption" (B,), "video" (B, T, H, W, 3)} -> {"text", "video"}
        unit embeddings (B, embed_dim)."""
        return {"text": self.encode_text(self.token_ids(inputs), training=training),
                "video": self.encode_video(inputs["video"], training=training)["embedding"]}

    # === Training ===
    @property
    def clipped_logit_scale(self):
        """The logit scale in use: exp(logit_scale), clipped to [1, max_logit_scale]."""
        return ops.exp(ops.clip(self.logit_scale, 0.0, math.log(self.max_logit_scale)))

    def contrastive_loss(self, batch, training=False):
        """(symmetric InfoNCE loss, accuracy) of a batch of (caption, clip) pairs, float32 scalars."""
        token_ids = self.token_ids(batch)
        text = self.encode_text(token_ids, training=training)  # (B, D)
        video = self.encode_video(batch["video"], training=training)["embedding"]  # (B, D)
        logits = self.clipped_logit_scale * ops.matmul(text, ops.transpose(video))  # (B, B): caption i, clip j
        ids = ops.cast(token_ids, "int32")
        same = ops.cast(ops.all(ops.equal(ids[:, None, :], ids[None, :, :]), axis=-1), "float32")  # (B, B)
        targets = same / ops.sum(same, axis=1, keepdims=True)  # symmetric: matches share rows and columns
        loss = 0.5 * (ops.mean(keras.losses.categorical_crossentropy(targets, logits, from_logits=True))
                      + ops.mean(keras.losses.categorical_crossentropy(targets, ops.transpose(logits),
                                                                       from_logits=True)))
        best = ops.argmax(logits, axis=1)
        accuracy = ops.mean(ops.take_along_axis(same, best[:, None], axis=1))
        return loss, accuracy

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    def _track(self, loss, accuracy):
        self.loss_tracker.update_state(loss)
        self.accuracy_tracker.update_state(accuracy)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        variables = self.trainable_variables
        with tf.GradientTape() as tape:
            loss, accuracy = self.contrastive_loss(data, training=True)
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients([(g, v) for g, v in zip(grads, variables) if g is not None])
        return self._track(loss, accuracy)

    def test_step(self, data):
        return self._track(*self.contrastive_loss(data))

    # === Numpy in, numpy out ===
    def embed_text(self, captions, batch_size=256):
        """Unit embeddings (N, embed_dim) float32 numpy of a list of str captions."""
        captions = [captions] if isinstance(captions, (str, bytes)) else list(captions)
        parts = []
        for i in range(0, len(captions), batch_size):
            token_ids = self.tokenizer(tf.constant(captions[i:i + batch_size], tf.string))
            parts.append(ops.convert_to_numpy(self.encode_text(token_ids)))
        return np.concatenate(parts) if parts else np.zeros((0, self.embed_dim), np.float32)

    def read_video(self, clips, batch_size=64):
        """{"embedding": (N, embed_dim) unit rows, "features": (N, video_dim)} float32 numpy of
        uint8 clips (N, T, H, W, 3); ValueError for clips of another shape than `clip_shape`."""
        shape = tuple(np.shape(clips))
        if len(shape) != 5 or shape[-1] != 3 or (self.clip_shape is not None and list(shape[1:4]) != self.clip_shape):
            expected = "(N, T, H, W, 3)" if self.clip_shape is None else "(N, {}, {}, {}, 3)".format(*self.clip_shape)
            raise ValueError(
                f"This TextVideoMatcher reads clips of shape {expected}; got {shape}. Use a matcher "
                "trained on the dataset config the clips come from."
            )
        parts = [{k: ops.convert_to_numpy(v) for k, v in self._read_fn(np.asarray(clips[i:i + batch_size])).items()}
                 for i in range(0, len(clips), batch_size)]
        if not parts:
            return {"embedding": np.zeros((0, self.embed_dim), np.float32),
                    "features": np.zeros((0, self.video_dim), np.float32)}
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    @tf.function(reduce_retracing=True)
    def _read_fn(self, clips):
        return self.encode_video(clips)

    def embed_video(self, clips, batch_size=64):
        """Unit embeddings (N, embed_dim) float32 numpy of uint8 clips (N, T, H, W, 3)."""
        return self.read_video(clips, batch_size)["embedding"]

    def video_features(self, clips, batch_size=64):
        """Pre-projection features (N, video_dim) float32 numpy of uint8 clips, for a Frechet distance."""
        return self.read_video(clips, batch_size)["features"]

    # === Serialisation ===
    def get_config(self):
        return {
            **super().get_config(),
            "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
            "text_encoder": keras.saving.serialize_keras_object(self.text_encoder),
            "channels": list(self.channels),
            "video_dim": self.video_dim,
            "embed_dim": self.embed_dim,
            "temperature": self.temperature,
            "max_logit_scale": self.max_logit_scale,
            "clip_shape": None if self.clip_shape is None else list(self.clip_shape),
            "description": self.description,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("tokenizer", "text_encoder"):
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)


def _l2_normalize(x):
    """Rows of (B, D) scaled to unit length."""
    return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=-1, keepdims=True), 1e-12))
