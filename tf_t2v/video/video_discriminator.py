"""Text-conditioned space-time critic."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tf_t2v")
class VideoDiscriminator(keras.layers.Layer):
    """Scores how real a clip looks and how well it matches a sentence embedding.

    Spectrally normalised 3D convolutions over space and time, global sum pooling, and a
    projection head (Miyato & Koyama, 2018): `score = psi(h) + <h, W text>`. `features` and
    `score` are exposed separately so a caller can score one clip against several captions
    (matching-aware training: a real clip with the wrong caption counts as fake) without a
    second pass through the convolutions.

    Args:
        channels: list of int. Channels of the 3D convolutions; each halves the frame size
            and, from the second on, the frame count.
        downsample: int. Average-pool the frames by this factor in space before the first
            convolution (1 keeps full resolution; 2 quarters the critic's cost).
        spectral_norm: bool. Wrap every convolution and dense layer in spectral normalisation.

    Example:
    ```python
    d = tf_t2v.video.VideoDiscriminator(channels=[8, 16])
    logits = d(np.zeros((2, 4, 16, 16, 3)), np.zeros((2, 32)))  # (2,)
    ```
    """

    def __init__(self, channels=(32, 64, 128, 256), downsample=1, spectral_norm=True, **kwargs):
        super().__init__(**kwargs)
        self.channels = [int(c) for c in channels]
        self.downsample = downsample
        self.spectral_norm = spectral_norm
        p = self.dtype_policy

        def sn(layer):
            return keras.layers.SpectralNormalization(layer, dtype=p) if spectral_norm else layer

        self.convs = [
            sn(
                keras.layers.Conv3D(
                    c,
                    (1 if i == 0 else 3, 4, 4),
                    strides=(1 if i == 0 else 2, 2, 2),
                    padding="same",
                    dtype=p,
                    name=f"conv_{i}",
                )
            )
            for i, c in enumerate(self.channels)
        ]
        self.psi = sn(keras.layers.Dense(1, dtype=p, name="psi"))
        self.embed = sn(keras.layers.Dense(self.channels[-1], use_bias=False, dtype=p, name="embed"))

    def build(self, video_shape, text_shape):
        shape = list(video_shape)
        shape[2] //= self.downsample
        shape[3] //= self.downsample
        for i, conv in enumerate(self.convs):
            conv.build(tuple(shape))
            shape = list(conv.compute_output_shape(tuple(shape)))
        self.psi.build((None, self.channels[-1]))
        self.embed.build(text_shape)

    def features(self, video, training=False):
        """Pooled features h (B, C) of a clip (B, T, H, W, 3)."""
        x = ops.cast(video, self.compute_dtype)
        if self.downsample > 1:
            x = ops.average_pool(
                x, (1, self.downsample, self.downsample), strides=(1, self.downsample, self.downsample)
            )
        for conv in self.convs:
            x = ops.leaky_relu(conv(x, training=training), 0.2)
        return ops.sum(x, axis=(1, 2, 3))  # (B, C)

    def score(self, features, text, training=False):
        """Logits (B,) of pooled features against sentence embeddings (B, D), in float32."""
        text = ops.cast(text, self.compute_dtype)
        logits = self.psi(features, training=training)[:, 0] + ops.sum(
            features * self.embed(text, training=training), axis=-1
        )
        return ops.cast(logits, "float32")

    def call(self, video, text, training=False):
        return self.score(self.features(video, training=training), text, training=training)

    def compute_output_shape(self, video_shape, text_shape):
        return (video_shape[0],)

    def get_config(self):
        return {
            **super().get_config(),
            "channels": list(self.channels),
            "downsample": self.downsample,
            "spectral_norm": self.spectral_norm,
        }
