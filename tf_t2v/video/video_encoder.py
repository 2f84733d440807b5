"""`VideoEncoder`: a clip and its text to the posterior over a `VideoDecoder`'s latent code."""

import math

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tf_t2v")
class VideoEncoder(keras.layers.Layer):
    """Clips (B, T, H, W, 3) in [-1, 1] and conditioning (B, C) -> mean and log-variance of z.

    Frames are folded space-to-depth by `patch` (a cheap first step at full size), then strided
    3D convolutions halve time and space per entry of `channels`; the last small grid, flattened
    so that where things are survives, and the conditioning give the posterior through an MLP.
    What the text already says need not be encoded, so z keeps what the caption leaves open.

    With `code_grid` (a `VideoDecoder`'s spatial code, (frames, height, width, channels)), the
    convolutions stride in time and space only until the grid has that size, the conditioning
    is added to every cell, and a per-cell dense layer gives the posterior of each cell's code:
    a place in the clip is encoded at that place.

    Args:
        noise_dim: int. Size of the latent code.
        channels: list of int. Channels of the strided 3D convolutions.
        patch: int. Space-to-depth factor of the input frames.
        hidden_dim: int. Width of the MLP (with `code_grid`: of the per-cell layer before the head).
        code_grid: None or (frames, height, width, channels) of a spatial code.
        dtype: str or `keras.DTypePolicy`. None uses the global policy.

    Example:
    ```python
    import numpy as np
    from tf_t2v.video import VideoEncoder

    encoder = VideoEncoder(noise_dim=4, channels=[8, 16], patch=2, hidden_dim=16)
    mean, logvar = encoder(np.zeros((2, 4, 16, 16, 3)), np.zeros((2, 8)))  # (2, 4) each
    ```
    """

    def __init__(self, noise_dim=32, channels=(64, 128, 256), patch=4, hidden_dim=256, code_grid=None, **kwargs):
        super().__init__(**kwargs)
        self.noise_dim = int(noise_dim)
        self.channels = [int(c) for c in channels]
        self.patch = int(patch)
        self.hidden_dim = int(hidden_dim)
        self.code_grid = None if code_grid is None else tuple(int(n) for n in code_grid)
        if not self.channels or self.patch < 1:
            raise ValueError(f"VideoEncoder needs channels and patch >= 1; got {list(channels)}, {patch}.")
        if self.code_grid is not None and (len(self.code_grid) != 4 or math.prod(self.code_grid) != self.noise_dim):
            raise ValueError(f"code_grid must be (frames, height, width, channels) with noise_dim ({self.noise_dim}) "
                             f"values; got {code_grid}.")
        policy = self.dtype_policy
        # Strides are fixed when a Conv3D is made; a spatial code's depend on the clip size, so
        # those convolutions are made in build.
        self.convs = None if self.code_grid is not None else [
            keras.layers.Conv3D(c, 3, strides=2, padding="same", activation="silu", dtype=policy, name=f"conv_{i}")
            for i, c in enumerate(self.channels)
        ]
        self.hidden = keras.layers.Dense(self.hidden_dim, activation="silu", dtype=policy, name="hidden")
        out = 2 * (self.noise_dim if self.code_grid is None else self.code_grid[3])
        self.head = keras.layers.Dense(out, kernel_initializer="zeros", dtype=policy, name="head")
        self.cond_in = (keras.layers.Dense(self.channels[-1], dtype=policy, name="cond_in")
                        if self.code_grid is not None else None)

    def _strides(self, t, h):
        """Per convolution (time, space) strides that bring a (t, h) grid down to the code grid."""
        strides = []
        for _ in self.channels:
            st, ss = (2 if t > self.code_grid[0] else 1), (2 if h > self.code_grid[1] else 1)
            strides.append((st, ss))
            t, h = -(-t // st), -(-h // ss)
        return strides

    def _grid(self, shape):
        t, h, w = shape[1], shape[2] // self.patch, shape[3] // self.patch
        c = 3 * self.patch**2
        if self.convs is None:
            p = self.dtype_policy
            self.convs = [
                keras.layers.Conv3D(ch, 3, strides=(st, ss, ss), padding="same", activation="silu", dtype=p,
                                    name=f"conv_{i}")
                for i, (ch, (st, ss)) in enumerate(zip(self.channels, self._strides(t, h)))
            ]
        for conv in self.convs:
            conv.build((None, t, h, w, c))
            st, ss = conv.strides[0], conv.strides[1]
            t, h, w, c = -(-t // st), -(-h // ss), -(-w // ss), conv.filters
        if self.code_grid is not None and (t, h, w) != self.code_grid[:3]:
            raise ValueError(f"The encoder's convolutions end on a {t}x{h}x{w} grid, not the code's "
                             f"{self.code_grid[:3]}: add convolutions (channels) or change patch.")
        return t * h * w * c

    def build(self, video_shape, cond_shape):
        flat = self._grid(video_shape)
        if self.code_grid is None:
            self.hidden.build((None, flat + cond_shape[-1]))
            self.head.build((None, self.hidden_dim))
        else:
            self.cond_in.build((None, cond_shape[-1]))
            self.hidden.build((None, self.channels[-1]))
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
        if self.code_grid is not None:  # (B, t, h, w, C) -> per cell (B, t, h, w, 2 c) -> (B, noise_dim) each
            x = self.hidden(x + self.cond_in(ops.cast(cond, x.dtype))[:, None, None, None, :])
            mean, logvar = ops.split(ops.cast(self.head(x), "float32"), 2, axis=-1)
            mean, logvar = ops.reshape(mean, (-1, self.noise_dim)), ops.reshape(logvar, (-1, self.noise_dim))
            return mean, ops.clip(logvar, -8.0, 4.0)
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
            "code_grid": None if self.code_grid is None else list(self.code_grid),
        }
