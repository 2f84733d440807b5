"""`VideoDecoder`: the general text-conditioned conv-transpose video generator."""

import math

import keras
from keras import ops

from tf_t2v.video.camera_warp import CameraWarp
from tf_t2v.video.cross_attention import CrossAttention
from tf_t2v.video.film import FiLM
from tf_t2v.video.latent_flow import LatentFlow

# Width of the camera's own hidden layer on the sentence embedding.
CAMERA_HIDDEN = 128
# Heads of each stage's attention to the text slots (`text_slots`).
ATTENTION_HEADS = 4


def _log2(value, what):
    power = int(round(math.log2(value))) if value > 0 else -1
    if power < 0 or 2**power != value:
        raise ValueError(f"{what} must be a power of two; got {value}.")
    return power


@keras.saving.register_keras_serializable(package="tf_t2v")
class VideoDecoder(keras.layers.Layer):
    """A sentence embedding and noise in, a whole clip (B, T, H, W, 3) on the [-1, 1] scale out.

    Nothing in it knows what the clips show: every pixel of every frame comes out of one
    spatio-temporal conv-transpose stack, so it can draw full-frame content, textures, lighting
    that changes and camera motion as well as moving objects.

    - The text gives a conditioning vector `cond` (an MLP) and a Gaussian prior over a latent
      code z (`prior(cond)`: mean and log-variance); `call(text, noise)` samples
      z = mean + exp(logvar / 2) * noise, so the noise picks what the prompt leaves open.
    - `decode(cond, z)`: a dense layer maps (cond, z) to a small grid (base_frames, S0, S0,
      channels[0]); each further entry of `channels` is a `Conv3DTranspose` stage doubling
      height and width (and the frame count until it reaches num_frames), modulated by FiLM from
      (cond, z); a last convolution predicts `pixel_shuffle`^2 RGB values per position, which
      a depth-to-space step spreads over full-size frames (so the costliest convolutions run
      at 1 / pixel_shuffle of the size). The output is linear (no tanh: a saturated tanh stops
      the gradient of a pixel loss); `tf_t2v.models.to_uint8` clips it to [-1, 1].
    - With `camera_warp`, a `tf_t2v.video.CameraWarp` then films that clip with a camera that
      pans, tilts and zooms as the words say (`camera_path(text)`: its own hidden layer on the
      sentence embedding, not the conditioning, which had learned to ignore camera phrases): a
      camera move shifts every pixel in step, which the convolutions (whose modulation is the
      same in every frame) barely learn to draw. The camera reads the words alone, not z, so a
      camera read from the footage can stand in for it in training (`decode(..., camera_path)`).
    - With `spatial_code`, z is a grid laid over the base grid, (base_frames, S0, S0,
      noise_dim / cells) (`code_grid`), added to it by a per-cell dense layer, and FiLM reads the
      conditioning alone: what z says about a place in the clip enters at that place, as the
      latents of latent video models do, instead of through one dense layer from a vector.
    - With `text_slots` K, the sentence embedding is read as K vectors (the text encoder's
      `num_pooled` attention-pooled vectors, one per thing a caption describes) and every
      position of every stage but the last reads them by a `tf_t2v.video.CrossAttention` (the
      last, the largest, only refines what the others placed; attending there too cost 65% more
      decoder time a step); FiLM then reads z alone. The stem still reads (cond, z): it lays
      out the coarse base grid, where and how the clip moves (with the stem on z alone, a
      digits run's decodings stayed still for 1,000 steps). The aim: the words reach each
      place apart from one another instead of mixed by one MLP, so that a caption pairing
      words no training caption paired (a digit with an axis it was never seen moving along)
      is drawn from what each word means (docs/general-model.md, "Words that stay apart",
      for how far it got). The conditioning MLP still gives the prior (and the flow) their input.
    - With `motion_dim` M, the clip is drawn frame by frame, as MoCoGAN splits content from
      motion: a motion head (an MLP on (cond, z)) gives every frame a code (B, T, M), the stem
      lays out each frame's base grid from (cond, z) and that frame's code (with `text_slots`,
      from z and the frame's code only: the words reach the frames by attention and through
      the motion head), and the stages are 2D (kernels one frame deep), so one frame generator
      draws every frame. Each frame of a clip whose words were never paired (a digit moving
      along an axis it was never seen on) is then a frame the generator has drawn before (that
      digit at that place); only the sequence of places is new, and the motion head makes it
      from the axis words. Needs base_frames == num_frames.
    - With `flow_dim`, sampling maps the noise through a `tf_t2v.video.LatentFlow` (an MLP of
      that width) instead of the Gaussian prior: a flow-matching model of the codes real clips
      of the caption have (`code(cond, noise)`). The Gaussian prior stays as the KL term's
      reference in training.

    Trained with a posterior over z (`tf_t2v.video.VideoEncoder`) by `tf_t2v.models.TextToVideoVAE`.

    Args:
        num_frames: int. Frames T (base_frames times a power of two).
        height: int. Frame height H.
        width: int. Frame width W.
        noise_dim: int. Size of the latent code z (and of the noise).
        channels: list of int. Channels of the base grid, then of each upsampling stage.
        base_frames: int. Frames of the base grid.
        pixel_shuffle: int. Depth-to-space factor of the output (1: none).
        cond_dim: int. Width of the conditioning MLP.
        temperature: float. Scales the noise when sampling (`call`, `code`): 1 samples the
            learned prior; below 1 keeps closer to what the text makes most likely. Training
            (`decode` with posterior codes) does not use it.
        camera_warp: bool. Film the decoded clip with a camera path the words give.
        flow_dim: int >= 0. Width of the latent flow prior (0: sample the Gaussian prior).
        spatial_code: bool. z as a grid over the base grid (noise_dim a multiple of its cells).
        text_slots: int >= 0. Read the sentence embedding as this many vectors, attended to
            by every stage but the last (0: the conditioning MLP's vector modulates every stage).
        motion_dim: int >= 0. Draw frame by frame from a code per frame of this size (0: the
            stages are 3D and upsample time).
        dtype: str or `keras.DTypePolicy`. None uses the global policy.

    Example:
    ```python
    import numpy as np
    from tf_t2v.video import VideoDecoder

    decoder = VideoDecoder(num_frames=4, height=16, width=16, noise_dim=4, channels=[16, 8],
                           base_frames=2, pixel_shuffle=2, cond_dim=16)
    clips = decoder(np.zeros((2, 8)), np.zeros((2, 4)))  # (2, 4, 16, 16, 3)
    ```
    """

    def __init__(
        self,
        num_frames=16,
        height=64,
        width=64,
        noise_dim=32,
        channels=(256, 128, 64, 32),
        base_frames=2,
        pixel_shuffle=2,
        cond_dim=256,
        temperature=1.0,
        camera_warp=False,
        flow_dim=0,
        spatial_code=False,
        text_slots=0,
        motion_dim=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_frames = int(num_frames)
        self.height = int(height)
        self.width = int(width)
        self.noise_dim = int(noise_dim)
        self.channels = [int(c) for c in channels]
        self.base_frames = int(base_frames)
        self.pixel_shuffle = int(pixel_shuffle)
        self.cond_dim = int(cond_dim)
        self.temperature = float(temperature)
        self.camera_warp = bool(camera_warp)
        self.flow_dim = int(flow_dim)
        self.spatial_code = bool(spatial_code)
        self.text_slots = int(text_slots)
        self.motion_dim = int(motion_dim)
        if self.motion_dim < 0:
            raise ValueError(f"motion_dim must be >= 0; got {motion_dim}.")
        if self.motion_dim and self.base_frames != self.num_frames:
            raise ValueError(f"With motion_dim, every frame is drawn by itself: base_frames ({self.base_frames}) "
                             f"must equal num_frames ({self.num_frames}).")
        if self.motion_dim and self.spatial_code:
            raise ValueError("motion_dim and spatial_code both lay the code over the base grid; choose one of them.")
        if self.text_slots < 0:
            raise ValueError(f"text_slots must be >= 0; got {text_slots}.")
        if self.text_slots and self.spatial_code:
            raise ValueError("text_slots and spatial_code both take the conditioning out of FiLM; "
                             "choose one of them.")
        if self.text_slots and len(self.channels) < 2:
            raise ValueError("text_slots attend at every stage but the last: channels must list at least two.")
        if self.text_slots and min(self.channels[:-1]) % ATTENTION_HEADS:
            raise ValueError(f"With text_slots, every entry of channels but the last must be a multiple of "
                             f"{ATTENTION_HEADS} (the attention heads); got {list(channels)}.")
        if self.flow_dim < 0:
            raise ValueError(f"flow_dim must be >= 0; got {flow_dim}.")
        if not self.temperature >= 0 or self.temperature == float("inf"):
            raise ValueError(f"temperature must be a finite float >= 0; got {temperature}.")
        if not self.channels or min(self.channels) < 1:
            raise ValueError(f"channels must list at least one positive width; got {list(channels)}.")
        if self.noise_dim < 1:
            raise ValueError(f"noise_dim must be >= 1; got {noise_dim}.")
        stages = len(self.channels) - 1
        scale = 2**stages * self.pixel_shuffle
        _log2(self.pixel_shuffle, "pixel_shuffle")
        if self.height % scale or self.width % scale:
            raise ValueError(
                f"height and width ({self.height}x{self.width}) must be multiples of "
                f"2**(len(channels) - 1) * pixel_shuffle = {scale}."
            )
        time_ups = _log2(self.num_frames // max(self.base_frames, 1), "num_frames / base_frames")
        if self.base_frames * 2**time_ups != self.num_frames:
            raise ValueError(f"num_frames ({self.num_frames}) must be base_frames ({self.base_frames}) "
                             "times a power of two.")
        if time_ups > stages:
            raise ValueError(
                f"num_frames / base_frames = {2**time_ups} needs {time_ups} upsampling stages; "
                f"channels gives {stages}: raise base_frames or add stages."
            )
        self.base_height = self.height // scale
        self.base_width = self.width // scale
        cells = self.base_frames * self.base_height * self.base_width
        if self.spatial_code and self.noise_dim % cells:
            raise ValueError(f"A spatial code lays noise_dim over the base grid's {cells} cells "
                             f"({self.base_frames}x{self.base_height}x{self.base_width}); noise_dim "
                             f"{self.noise_dim} is not a multiple of it.")
        # Frames double in the first stages until they reach num_frames.
        self.time_strides = [2 if i < time_ups else 1 for i in range(stages)]
        policy = self.dtype_policy
        self.cond_mlp = [
            keras.layers.Dense(self.cond_dim, activation="silu", dtype=policy, name="cond_0"),
            keras.layers.Dense(self.cond_dim, dtype=policy, name="cond_1"),
        ]
        self.prior_head = keras.layers.Dense(2 * self.noise_dim, kernel_initializer="zeros", dtype=policy,
                                             name="prior")
        # Frame by frame, the stem lays out one frame's grid from that frame's input.
        base = (1 if self.motion_dim else self.base_frames) * self.base_height * self.base_width * self.channels[0]
        self.stem = keras.layers.Dense(base, dtype=policy, name="stem")
        self.motion_head = ([
            keras.layers.Dense(self.cond_dim, activation="silu", dtype=policy, name="motion_0"),
            keras.layers.Dense(self.num_frames * self.motion_dim, dtype=policy, name="motion_1"),
        ] if self.motion_dim else [])
        self.code_in = (keras.layers.Dense(self.channels[0], dtype=policy, name="code_in")
                        if self.spatial_code else None)
        self.films = [FiLM(c, dtype=policy, name=f"film_{i}") for i, c in enumerate(self.channels)]
        depth = 1 if self.motion_dim else 3  # frames a stage's kernel spans where it keeps the frame count
        self.ups = [
            keras.layers.Conv3DTranspose(
                c, (2 * s, 4, 4) if s > 1 else (depth, 4, 4), strides=(s, 2, 2), padding="same",
                dtype=policy, name=f"up_{i}",
            )
            for i, (c, s) in enumerate(zip(self.channels[1:], self.time_strides))
        ]
        self.attends = ([CrossAttention(c, num_heads=ATTENTION_HEADS, dtype=policy, name=f"attend_{i}")
                         for i, c in enumerate(self.channels[:-1])] if self.text_slots else [])
        self.to_rgb = keras.layers.Conv3D(3 * self.pixel_shuffle**2, (1, 3, 3), padding="same", dtype=policy,
                                          name="to_rgb")
        self.camera = (CameraWarp(self.num_frames, hidden_dim=CAMERA_HIDDEN, dtype=policy, name="camera")
                       if self.camera_warp else None)
        self.flow = (LatentFlow(self.noise_dim, hidden_dim=self.flow_dim, dtype=policy, name="flow")
                     if self.flow_dim else None)

    def build(self, text_shape, noise_shape=None):
        self.cond_mlp[0].build((None, text_shape[-1]))
        self.cond_mlp[1].build((None, self.cond_dim))
        self.prior_head.build((None, self.cond_dim))
        if self.text_slots:
            if text_shape[-1] % self.text_slots:
                raise ValueError(f"A sentence embedding of width {text_shape[-1]} does not split into "
                                 f"text_slots={self.text_slots} vectors.")
            slots = (None, self.text_slots, text_shape[-1] // self.text_slots)
            style = (None, self.noise_dim)
        elif self.spatial_code:
            style = (None, self.cond_dim)
        else:
            style = (None, self.cond_dim + self.noise_dim)
        if self.motion_dim:
            self.motion_head[0].build((None, self.cond_dim + self.noise_dim))
            self.motion_head[1].build((None, self.cond_dim))
            self.stem.build((None, self.noise_dim + self.motion_dim + (0 if self.text_slots else self.cond_dim)))
        else:
            self.stem.build((None, self.cond_dim) if self.spatial_code else (None, self.cond_dim + self.noise_dim))
        if self.code_in is not None:
            self.code_in.build((None,) + self.code_grid[:3] + (self.code_grid[3],))
        t, h, w = self.base_frames, self.base_height, self.base_width
        for i, c in enumerate(self.channels):
            if i > 0:
                self.ups[i - 1].build((None, t, h, w, self.channels[i - 1]))
                t, h, w = t * self.time_strides[i - 1], h * 2, w * 2
            self.films[i].build((None, t, h, w, c), style)
            if i < len(self.attends):
                self.attends[i].build((None, t, h, w, c), slots)
        self.to_rgb.build((None, t, h, w, self.channels[-1]))
        if self.camera is not None:
            self.camera.build((None, self.num_frames, self.height, self.width, 3), (None, text_shape[-1]))
        if self.flow is not None:
            self.flow.build((None, self.noise_dim), (None, self.cond_dim))

    @property
    def code_grid(self):
        """(frames, height, width, channels) of a spatial code, or None."""
        if not self.spatial_code:
            return None
        cells = self.base_frames * self.base_height * self.base_width
        return (self.base_frames, self.base_height, self.base_width, self.noise_dim // cells)

    def condition(self, text):
        """Conditioning vectors (B, cond_dim) from sentence embeddings (B, D)."""
        x = text
        for layer in self.cond_mlp:
            x = layer(x)
        return x

    def prior(self, cond):
        """Mean and log-variance (B, noise_dim) each, float32, of z given the text."""
        mean, logvar = ops.split(ops.cast(self.prior_head(cond), "float32"), 2, axis=-1)
        return mean, ops.clip(logvar, -8.0, 4.0)

    def code(self, cond, noise):
        """The latent codes (B, noise_dim), float32, that sampling decodes for noise (B, noise_dim):
        carried along the latent flow with `flow_dim`, else mean + exp(logvar / 2) * noise of the
        Gaussian prior; the noise scaled by `temperature` either way."""
        noise = self.temperature * ops.cast(noise, "float32")
        if self.flow is not None:
            return self.flow.sample(noise, cond)
        mean, logvar = self.prior(cond)
        return mean + ops.exp(0.5 * logvar) * noise

    def camera_path(self, text):
        """The camera the words say, (log zoom, dx, dy), (B, T) float32 each, from sentence
        embeddings (B, D); None without a camera warp."""
        return None if self.camera is None else self.camera.camera(text)

    def decode(self, cond, z, camera_path=None, text=None):
        """Clips (B, T, H, W, 3), on the [-1, 1] scale, from conditioning (B, cond_dim) and codes
        (B, noise_dim). With a camera warp, filmed along `camera_path` ((log zoom, dx, dy), (B, T)
        each: `camera_path(text)` for the words' camera, or one read from footage); required then.
        With `text_slots`, the stages attend to the sentence embeddings `text` (B, D); required then."""
        if self.camera is not None and camera_path is None:
            raise ValueError("A VideoDecoder with a camera warp decodes along a camera path: pass "
                             "camera_path=decoder.camera_path(text) (or a path read from a clip).")
        if self.text_slots and text is None:
            raise ValueError("A VideoDecoder with text_slots attends to the words: pass text=, the "
                             "sentence embeddings its conditioning came from.")
        code = ops.cast(z, cond.dtype)
        grid = (-1, self.base_frames, self.base_height, self.base_width, self.channels[0])
        if self.spatial_code:
            style = cond
            x = ops.reshape(self.stem(cond), grid) + self.code_in(ops.reshape(code, (-1,) + self.code_grid))
        elif self.motion_dim:
            style = ops.concatenate([cond, code], axis=-1)
            motion = style
            for layer in self.motion_head:
                motion = layer(motion)
            motion = ops.reshape(motion, (-1, self.num_frames, self.motion_dim))  # a code per frame
            content = code if self.text_slots else style  # (B, C), the same for every frame
            content = ops.repeat(ops.expand_dims(content, 1), self.num_frames, axis=1)
            x = ops.reshape(self.stem(ops.concatenate([content, motion], axis=-1)), grid)
        else:
            style = ops.concatenate([cond, code], axis=-1)
            x = ops.reshape(self.stem(style), grid)
        slots = None
        if self.text_slots:  # the words come in by attention; FiLM reads the code alone
            slots = ops.reshape(ops.cast(text, cond.dtype), (ops.shape(text)[0], self.text_slots, -1))
            style = code
        for i, film in enumerate(self.films):
            if i > 0:
                x = self.ups[i - 1](x)  # (B, t, h, w, c), doubled
            x = film(x, style)
            if i < len(self.attends):
                x = self.attends[i](x, slots)
            x = ops.silu(x)
        x = self.to_rgb(x)  # (B, T, H / p, W / p, 3 p^2)
        p = self.pixel_shuffle
        if p > 1:
            b = ops.shape(x)[0]
            h, w = self.height // p, self.width // p
            x = ops.reshape(x, (b, self.num_frames, h, w, p, p, 3))
            x = ops.transpose(x, (0, 1, 2, 4, 3, 5, 6))
            x = ops.reshape(x, (b, self.num_frames, self.height, self.width, 3))
        if self.camera is not None:
            x = self.camera.warp(x, *camera_path)
        return x

    def call(self, text, noise):
        cond = self.condition(text)
        return self.decode(cond, self.code(cond, noise), camera_path=self.camera_path(text), text=text)

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
            "base_frames": self.base_frames,
            "pixel_shuffle": self.pixel_shuffle,
            "cond_dim": self.cond_dim,
            "temperature": self.temperature,
            "camera_warp": self.camera_warp,
            "flow_dim": self.flow_dim,
            "spatial_code": self.spatial_code,
            "text_slots": self.text_slots,
            "motion_dim": self.motion_dim,
        }
