"""Text-conditioned conv-transpose video generator: a layered sprite moved along a path."""

import math

import keras
from keras import ops

from tf_t2v.video.compositing import composite
from tf_t2v.video.film import FiLM

MOTIONS = ("linear", "free")
COLORS = ("flat", "free")
# Quantiles of the start position that the prior learns; sampling spans the box between them.
PRIOR_QUANTILES = (0.02, 0.98)


def _normal_cdf(x):
    return 0.5 * (1.0 + ops.erf(x / math.sqrt(2.0)))


def _pinball(error, tau):
    return ops.mean(ops.maximum(tau * error, (tau - 1.0) * error))


@keras.saving.register_keras_serializable(package="tf_t2v")
class VideoGenerator(keras.layers.Layer):
    """Noise plus a sentence embedding in, a clip (B, T, H, W, 3) in [-1, 1] out.

    Content and motion are factorised, the way the clips are made:
    - appearance: a conv-transpose stack upsamples a content code from the text to an RGBA
      sprite (S x S), with the text injected at every resolution by FiLM; a low-resolution
      background map comes from the text too;
    - motion: a start point and a path. The start is drawn from a box the text predicts
      (the noise picks a point in it), the velocity comes from the text alone, so "moves left
      quickly" is one vector; `motion="free"` lets the noise bend the path per frame;
    - rendering: the sprite is moved to each frame's position with bilinear shift matrices
      (two small matmuls per frame) and laid over the background.
    The costly convolutions run once per clip, not once per frame, which keeps a training step
    cheap on a CPU.

    With `num_objects` K > 1 the text embedding holds one vector per object (B, K * D), e.g. a
    `TextEncoder` with `num_pooled=K`; each object gets its own conditioning, sprite, start
    (from noise dims 2k, 2k + 1) and path, and later objects are drawn over earlier ones. The
    per-object methods (`condition` and the heads) then work on B * K rows, object-minor.

    `reconstruct(text, start)` renders with a known start (teacher forcing for training);
    `start_prior_loss(text, start)` teaches the box the noise samples from.

    Args:
        num_frames: int. Frames T.
        height: int. Frame height H.
        width: int. Frame width W.
        noise_dim: int. Size of the noise vector (at least 2: the first two place the start).
        channels: list of int. Channels per sprite resolution; the first at S / 2**(len - 1).
        sprite_size: int. Side S of the sprite; default H // 2.
        background_size: int. Side of the background map, bilinearly upsampled to H x W.
        motion: str. "linear" (constant velocity from the text) or "free".
        noise_to_content: bool. Feed the noise (beyond the two start dims) to appearance too.
        cond_dim: int. Width of the conditioning MLP.
        color: str. "flat": the sprite has one colour, predicted from the text (the
            conv-transpose stack draws its shape, as alpha); "free": colour per pixel.
        num_objects: int. Objects K per clip.

    Example:
    ```python
    g = tf_t2v.video.VideoGenerator(num_frames=4, height=16, width=16, channels=[16, 8])
    clip = g(np.zeros((2, 32)), np.zeros((2, 8)))  # (2, 4, 16, 16, 3)
    ```
    """

    def __init__(
        self,
        num_frames=16,
        height=64,
        width=64,
        noise_dim=8,
        channels=(128, 64, 32, 32),
        sprite_size=None,
        background_size=8,
        motion="linear",
        noise_to_content=False,
        cond_dim=256,
        color="flat",
        num_objects=1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        channels = [int(c) for c in channels]
        sprite_size = int(sprite_size or height // 2)
        factor = 2 ** (len(channels) - 1)
        if sprite_size % factor:
            raise ValueError(
                f"sprite_size must be a multiple of 2**(len(channels) - 1) = {factor}; got "
                f"{sprite_size} with {len(channels)} channel entries."
            )
        if motion not in MOTIONS:
            raise ValueError(f"motion must be one of {MOTIONS}; got {motion!r}.")
        if color not in COLORS:
            raise ValueError(f"color must be one of {COLORS}; got {color!r}.")
        if noise_dim < 2 * num_objects:
            raise ValueError(
                f"noise_dim must be at least 2 per object (the start positions); got {noise_dim} "
                f"for {num_objects} objects."
            )
        self.num_frames = num_frames
        self.height = height
        self.width = width
        self.noise_dim = noise_dim
        self.channels = channels
        self.sprite_size = sprite_size
        self.background_size = background_size
        self.motion = motion
        self.noise_to_content = noise_to_content
        self.cond_dim = cond_dim
        self.color = color
        self.num_objects = int(num_objects)
        self.base_size = sprite_size // factor

        p = self.dtype_policy
        dense = lambda units, name, **kw: keras.layers.Dense(units, dtype=p, name=name, **kw)  # noqa: E731
        self.cond_mlp = [dense(cond_dim, f"cond_{i}", activation="silu") for i in range(2)]
        self.box_head = [dense(128, "box_0", activation="silu"), dense(4, "box")]
        self.velocity_head = [dense(128, "velocity_0", activation="silu"), dense(2, "velocity")]
        if motion == "free":
            self.path_head = [dense(128, "path_0", activation="silu"), dense(2 * num_frames, "path")]
        self.content = dense(self.base_size * self.base_size * channels[0], "content")
        self.background_head = dense(background_size * background_size * 3, "background")
        self.color_head = dense(3, "color")
        self.up = [
            keras.layers.Conv2DTranspose(c, 4, strides=2, padding="same", dtype=p, name=f"up_{i}")
            for i, c in enumerate(channels[1:], start=1)
        ]
        self.convs = [
            keras.layers.Conv2D(c, 3, padding="same", dtype=p, name=f"conv_{i}")
            for i, c in enumerate(channels)
        ]
        self.films = [FiLM(c, dtype=p, name=f"film_{i}") for i, c in enumerate(channels)]
        self.to_rgba = keras.layers.Conv2D(4, 3, padding="same", dtype=p, name="to_rgba")

    def build(self, text_shape, noise_shape=None):
        cond_shape = (None, self.cond_dim)
        self.cond_mlp[0].build((None, text_shape[-1] // self.num_objects))
        self.cond_mlp[1].build(cond_shape)
        heads = [(self.box_head, self.cond_dim), (self.velocity_head, self.cond_dim)]
        if self.motion == "free":
            heads.append((self.path_head, self.cond_dim + self.noise_dim))
        for head, in_dim in heads:
            head[0].build((None, in_dim))
            head[1].build((None, 128))
        content_in = self.cond_dim + (self.noise_dim - 2 if self.noise_to_content else 0)
        self.content.build((None, content_in))
        self.background_head.build(cond_shape)
        self.color_head.build(cond_shape)
        size = self.base_size
        for i, c in enumerate(self.channels):
            if i > 0:
                self.up[i - 1].build((None, size, size, self.channels[i - 1]))
                size *= 2
            self.convs[i].build((None, size, size, c))
            self.films[i].build((None, size, size, c), cond_shape)
        self.to_rgba.build((None, size, size, self.channels[-1]))

    @staticmethod
    def _mlp(layers, x):
        for layer in layers:
            x = layer(x)
        return x

    def condition(self, text):
        """The conditioning vectors (B * K, cond_dim) every head reads, from text (B, K * D)."""
        return self._mlp(self.cond_mlp, ops.reshape(text, (-1, ops.shape(text)[-1] // self.num_objects)))

    def object_noise(self, noise):
        """Per-object noise (B * K, noise_dim): object k's first two dims are noise dims 2k, 2k + 1."""
        if self.num_objects == 1:
            return noise
        rolled = [ops.roll(noise, -2 * k, axis=1) for k in range(self.num_objects)]
        return ops.reshape(ops.stack(rolled, axis=1), (-1, self.noise_dim))

    def start_box(self, cond):
        """Low and high corners (B, 2) each, in [-1, 1] frame units, of the box starts come from.

        The corners are plain linear outputs (a squashing function would stall the quantile
        loss at its limits).
        """
        box = ops.cast(self._mlp(self.box_head, cond), "float32")  # (B, 4)
        return box[:, :2], box[:, 2:]

    def velocity(self, cond):
        """Displacement (B, 2) of the sprite from the first frame to the last, in [-1, 1] units.

        Bounded to (-2, 2), a whole frame, with room to spare: a displacement of 1 (half the
        frame) stays in the unsaturated range.
        """
        return 2.0 * ops.tanh(ops.cast(self._mlp(self.velocity_head, cond), "float32") / 2.0)

    def trajectory(self, cond, start, noise):
        """Per-frame centres (B, T, 2) in [-1, 1] coordinates from a start (B, 2)."""
        frac = ops.linspace(0.0, 1.0, self.num_frames)  # (T,)
        path = start[:, None, :] + self.velocity(cond)[:, None, :] * frac[None, :, None]
        if self.motion == "free":
            bend = self._mlp(self.path_head, ops.concatenate([cond, noise], -1))
            bend = ops.reshape(ops.cast(bend, "float32"), (-1, self.num_frames, 2))
            path = path + bend - bend[:, :1]
        return path

    def sprite(self, cond, noise=None):
        """The sprite's colour (B, S, S, 3) in [-1, 1] and alpha (B, S, S, 1) in [0, 1]."""
        batch = ops.shape(cond)[0]
        content_in = cond
        if self.noise_to_content:
            if noise is None:
                noise = ops.zeros((batch, self.noise_dim), cond.dtype)
            content_in = ops.concatenate([cond, ops.cast(noise[:, 2:], cond.dtype)], -1)
        x = ops.reshape(self.content(content_in), (batch, self.base_size, self.base_size, self.channels[0]))
        for i in range(len(self.channels)):
            if i > 0:
                x = self.up[i - 1](x)
            x = ops.leaky_relu(self.films[i](self.convs[i](x), cond), 0.2)
        rgba = self.to_rgba(x)  # (B, S, S, 4)
        alpha = ops.sigmoid(rgba[..., 3:])
        if self.color == "flat":
            rgb = ops.tanh(self.color_head(cond))[:, None, None, :] * ops.ones_like(rgba[..., :3])
        else:
            rgb = ops.tanh(rgba[..., :3])
        return rgb, alpha

    def background(self, cond):
        """The static background (B, H, W, 3) in [-1, 1], from the first object's conditioning."""
        cond = cond[:: self.num_objects]
        size = self.background_size
        small = ops.reshape(ops.tanh(self.background_head(cond)), (ops.shape(cond)[0], size, size, 3))
        return ops.image.resize(small, (self.height, self.width), interpolation="bilinear")

    def render(self, cond, path, noise=None):
        """Clips (B, T, H, W, 3) with the sprites moved along `path` (B * K, T, 2) in [-1, 1] units."""
        rgb, alpha = self.sprite(cond, noise)
        sprite = ops.concatenate([rgb * alpha, alpha], -1)  # (B * K, S, S, 4)
        scale = ops.array([self.width / 2.0, self.height / 2.0])
        centres = (path + 1.0) * scale  # (B * K, T, 2) pixels
        k = self.num_objects
        clip = ops.cast(self.background(cond), sprite.dtype)
        for i in range(k):  # later objects over earlier ones
            clip = composite(sprite[i::k], centres[i::k], clip)
        return clip

    def call(self, text, noise):
        cond = self.condition(text)
        noise = self.object_noise(ops.cast(noise, cond.dtype))
        low, high = self.start_box(cond)
        u = _normal_cdf(ops.cast(noise[:, :2], "float32"))  # uniform in (0, 1)
        start = low + (high - low) * u
        return self.render(cond, self.trajectory(cond, start, noise), noise)

    def reconstruct(self, text, start, noise=None):
        """The clip whose objects start at `start` (B * K, 2) in [-1, 1] frame coordinates."""
        cond = self.condition(text)
        if noise is None:
            noise = ops.zeros((ops.shape(cond)[0] // self.num_objects, self.noise_dim), cond.dtype)
        noise = self.object_noise(ops.cast(noise, cond.dtype))
        return self.render(cond, self.trajectory(cond, ops.cast(start, "float32"), noise), noise)

    def start_prior_loss(self, cond, start):
        """Pinball loss that fits the start box to the quantiles of real starts (B * K, 2)."""
        low, high = self.start_box(cond)
        start = ops.cast(start, "float32")
        return _pinball(start - low, PRIOR_QUANTILES[0]) + _pinball(start - high, PRIOR_QUANTILES[1])

    def compute_output_shape(self, text_shape, noise_shape=None):
        return (text_shape[0], self.num_frames, self.height, self.width, 3)

    def get_config(self):
        return {
            **super().get_config(),
            "num_frames": self.num_frames,
            "height": self.height,
            "width": self.width,
            "noise_dim": self.noise_dim,
            "channels": list(self.channels),
            "sprite_size": self.sprite_size,
            "background_size": self.background_size,
            "motion": self.motion,
            "noise_to_content": self.noise_to_content,
            "cond_dim": self.cond_dim,
            "color": self.color,
            "num_objects": self.num_objects,
        }
