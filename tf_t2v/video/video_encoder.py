"""`VideoEncoder`: a clip and its text to the posterior over a `VideoDecoder`'s latent code."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tf_t2v")
class VideoEncoder(keras.layers.Layer):
    """Clips (B, T, H, W, 3) in [-1, 1] and conditioning (B, C) -> mean and log-variance of z.

    Frames are folded space-to-depth by `patch` (a cheap first step at full size), then strided
    3D convolutions halve time and space per entry of `channels`; the last small grid, flattened
    so that where things are survives, and the conditioning give the posterior through an MLP.
    What the text already says need not be encoded, so z keeps what the caption leaves open.

    Args:
        noise_dim: int. Size of the latent code.
        channels: list of int. Channels of the strided 3D convolutions.
        patch: int. Space-to-depth factor of the input frames.
        hidden_dim: int. Width of the MLP.
        dtype: str or `keras.DTypePolicy`. None uses the global policy.

    Example:
    ```python
    import numpy as np
    from tf_t2v.video import VideoEncoder

    encoder = VideoEncoder(noise_dim=4, channels=[8, 16], patch=2, hidden_dim=16)
    mean, logvar = encoder(np.zeros((2, 4, 16, 16, 3)), np.zeros((2, 8)))  # (2, 4) each
    ```
    """

    def __init__(self, noise_dim=32, channels=(64, 128, 256), patch=4, hidden_dim=256, **kwargs):
        super().__init__(**kwargs)
        self.noise_dim = int(noise_dim)
        self.channels = [int(c) for c in channels]
        self.patch = int(patch)
        self.hidden_dim = int(hidden_dim)
        if not self.channels or self.patch < 1:
            raise ValueError(f"VideoEncoder needs channels and patch >= 1; got {list(channels)}, {patch}.")
        policy = self.dtype_policy
        self.convs = [
            keras.layers.Conv3D(c, 3, strides=2, padding="same", activation="silu", dtype=policy, name=f"conv_{i}")
            for i, c in enumerate(self.channels)
        ]
        self.hidden = keras.layers.Dense(self.hidden_dim, activation="silu", dtype=policy, name="hidden")
        self.head = keras.layers.Dense(2 * self.noise_dim, kernel_initializer="zeros", dtype=policy, name="head")

    def _grid(self, shape):
        t, h, w = shape[1], shape[2] // self.patch, shape[3] // self.patch
        c = 3 * self.patch**2
        for conv in self.convs:
            conv.build((None, t, h, w, c))
            t, h, w, c = -(-t // 2), -(-h // 2), -(-w // 2), conv.filters
        return t * h * w * c

    def build(self, video_shape, cond_shape):
        flat = self._grid(video_shape)
        self.hidden.build((None, flat + cond_shape[-1]))
        self.head.build((None, self.hidden_dim))

    def call(self, video, cond):
        b, t, h, w = (ops.shape(video)[i] for i in range(4))
        p = self.patch
        x = ops.cast(video, self.compute_dtype)
        if p > 1:  # (B, T, H, W, 3) -> (B, T, H / p, W / p, 3 p^2)
            x = ops.reshape(x, (b, t, h // p, p, w // p, p, 3))
            x = ops.transpose(x, (0, 1, 2, 4, 3, 5, 6))
            x = ops.reshape(x, (b, t, h // p, w // p, 3 * p * p))
        for conv in self.convs:
            x = conv(x)
        x = ops.reshape(x, (-1, int(x.shape[1]) * int(x.shape[2]) * int(x.shape[3]) * int(x.shape[4])))
        x = self.hidden(ops.concatenate([x, ops.cast(cond, x.dtype)], axis=-1))
        mean, logvar = ops.split(ops.cast(self.head(x), "float32"), 2, axis=-1)
        return mean, ops.clip(logvar, -8.0, 4.0)

    def get_config(self):
        return {
            **super().get_config(),
            "noise_dim": self.noise_dim,
            "channels": list(self.channels),
            "patch": self.patch,
            "hidden_dim": self.hidden_dim,
        }
