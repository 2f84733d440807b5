"""`CameraWarp`: a learned camera (pan, tilt, zoom) applied to every frame of a clip."""

import keras
import numpy as np
from keras import ops

# Bounds of the camera per frame: zoom factor within exp(+-MAX_LOG_ZOOM), shift within
# +-MAX_SHIFT of the frame (each reached through a tanh, so the bounds are soft).
MAX_LOG_ZOOM = 0.7
MAX_SHIFT = 0.5
KERNEL_STDDEV = 0.005


def _resampling_matrices(position, size):
    """Bilinear resampling matrices (..., size, size) from sample positions (..., size) in pixels.

    Row i weighs source pixel floor(x_i) by 1 - f and the next one by f, f = x_i - floor(x_i),
    with x_i clamped to the frame (edge pixels repeat past it). The weights are linear in f, so a
    position's gradient is the difference of its two neighbours, also at whole pixels (where a
    triangle kernel max(0, 1 - |x - j|) has a zero subgradient and a camera at rest never moves).
    """
    x = ops.clip(position, 0.0, size - 1.0)
    left = ops.floor(ops.stop_gradient(x))
    frac = (x - left)[..., None]
    left = ops.cast(left, "int32")
    right = ops.minimum(left + 1, size - 1)
    return (1.0 - frac) * ops.one_hot(left, size, dtype=x.dtype) + frac * ops.one_hot(right, size, dtype=x.dtype)


@keras.saving.register_keras_serializable(package="tf_t2v")
class CameraWarp(keras.layers.Layer):
    """Films a clip (B, T, H, W, C) with a camera that pans, tilts and zooms over it.

    Most footage is filmed by a moving camera, and a camera move shifts or scales the whole frame:
    hard for a stack of small convolutions to draw (every pixel must move in step), trivial as a
    warp. From a conditioning vector (B, D), through a hidden layer of its own when `hidden_dim` > 0
    (silu), a dense layer (zero bias, a small random kernel) predicts a smooth path of the camera
    over the clip: for each of log zoom l, shift dx and shift dy, the coefficients of a polynomial
    of the given `degree` in the clip's phase s = t / (T - 1) - 1/2 (so a steady pan, a zoom that
    eases in, not a camera that jumps between frames). Frame t of the output samples frame t of the
    input at X = 0.5 + (u - 0.5) exp(l_t) + dx_t, Y = 0.5 + (v - 0.5) exp(l_t) + dy_t, with (u, v)
    in [0, 1]^2 the view coordinates of each pixel centre (bilinear; past the edge the edge pixels
    repeat). Zoom below 1 zooms in. It starts near the identity, and every value of the output is
    differentiable in the camera, so a pixel loss alone can move it (tests). The resampling is
    separable: two small matrix products per frame, no gathers (static shapes, XLA-compilable).

    Args:
        num_frames: int. Frames T of the clips.
        degree: int >= 0. Degree of each parameter's path in time (0: one camera for the clip).
        hidden_dim: int >= 0. Width of the camera's own hidden layer (0: none, the path is linear
            in the conditioning). A reading of the words of its own: through one small dense
            layer on a conditioning shared with the decoder, the camera phrases stayed as
            good as unseen (docs/general-model.md).

    Example:
    ```python
    import numpy as np
    from tf_t2v.video import CameraWarp

    warp = CameraWarp(num_frames=4)
    clips = warp(np.zeros((2, 4, 16, 16, 3)), np.ones((2, 8)))  # (2, 4, 16, 16, 3)
    ```
    """

    def __init__(self, num_frames, degree=2, hidden_dim=0, **kwargs):
        super().__init__(**kwargs)
        self.num_frames = int(num_frames)
        self.degree = int(degree)
        self.hidden_dim = int(hidden_dim)
        if self.hidden_dim < 0:
            raise ValueError(f"hidden_dim must be >= 0; got {hidden_dim}.")
        if self.num_frames < 1:
            raise ValueError(f"num_frames must be >= 1; got {num_frames}.")
        if self.degree < 0:
            raise ValueError(f"degree must be >= 0; got {degree}.")
        # A small random kernel, not zeros: through a zero kernel the conditioning gets no
        # gradient from the camera at all (a saddle). A small one gives it one; on scenes that was
        # still not enough to teach the camera words (docs/general-model.md). At 0.005 the
        # start moves frames by about a pixel or less.
        self.dense = keras.layers.Dense(3 * (self.degree + 1), dtype=self.dtype_policy, name="camera",
                                        kernel_initializer=keras.initializers.RandomNormal(stddev=KERNEL_STDDEV))
        self.hidden = (keras.layers.Dense(self.hidden_dim, activation="silu", dtype=self.dtype_policy, name="hidden")
                       if self.hidden_dim else None)

    def build(self, clips_shape, cond_shape):
        if clips_shape[1] is not None and clips_shape[1] != self.num_frames:
            raise ValueError(f"CameraWarp(num_frames={self.num_frames}) got clips of {clips_shape[1]} frames.")
        if self.hidden is not None:
            self.hidden.build(cond_shape)
            cond_shape = tuple(cond_shape[:-1]) + (self.hidden_dim,)
        self.dense.build(cond_shape)

    def basis(self):
        """(T, degree + 1) float32 array: the powers of each frame's phase s = t / (T - 1) - 1/2."""
        phase = np.arange(self.num_frames) / max(self.num_frames - 1, 1) - 0.5
        return np.stack([phase**k for k in range(self.degree + 1)], axis=-1).astype("float32")

    def camera(self, cond):
        """(log zoom, shift x, shift y) per frame, float32 (B, T) each, from conditioning (B, D)."""
        x = cond if self.hidden is None else self.hidden(cond)
        coefficients = ops.reshape(ops.cast(self.dense(x), "float32"), (-1, 3, self.degree + 1))
        params = ops.einsum("bpk,tk->btp", coefficients, ops.convert_to_tensor(self.basis()))  # (B, T, 3)
        log_zoom = MAX_LOG_ZOOM * ops.tanh(params[..., 0])
        return log_zoom, MAX_SHIFT * ops.tanh(params[..., 1]), MAX_SHIFT * ops.tanh(params[..., 2])

    def set_path(self, log_zoom=0.0, dx=0.0, dy=0.0):
        """Films every clip with one camera path, whatever the conditioning: sets the kernel to
        zero and the bias to the path's coefficients (least squares in the layer's `degree`; a
        path of T values is met exactly when degree >= T - 1). Each argument is a float (the
        same in every frame) or T floats; log zoom within +-MAX_LOG_ZOOM, shifts within
        +-MAX_SHIFT (open bounds)."""
        basis = self.basis().astype("float64")
        bias = []
        for value, bound in ((log_zoom, MAX_LOG_ZOOM), (dx, MAX_SHIFT), (dy, MAX_SHIFT)):
            path = np.broadcast_to(np.asarray(value, "float64"), (self.num_frames,))
            if np.abs(path).max() >= bound:
                raise ValueError(f"A camera path must stay within +-{bound}; got {path.tolist()}.")
            bias.append(np.linalg.lstsq(basis, np.arctanh(path / bound), rcond=None)[0])
        self.dense.kernel.assign(np.zeros(self.dense.kernel.shape, self.dense.kernel.dtype))
        self.dense.bias.assign(np.concatenate(bias).astype(self.dense.bias.dtype))

    def smooth(self, values):
        """Values per frame (B, T) projected on the layer's path (least squares on its polynomial
        basis): a path read from footage (`tf_t2v.models.global_motion.camera_path`) as smooth
        as the ones this layer predicts."""
        basis = self.basis().astype("float64")
        projection = (basis @ np.linalg.pinv(basis)).astype("float32")  # (T, T); exact when degree >= T - 1
        return ops.matmul(ops.cast(values, "float32"), ops.convert_to_tensor(projection.T))

    def warp(self, clips, log_zoom, dx, dy):
        """Films clips (B, T, H, W, C) along a given camera path ((B, T) each, this layer's terms)."""
        height, width = clips.shape[2], clips.shape[3]
        zoom = ops.exp(ops.cast(log_zoom, "float32"))[..., None]  # (B, T, 1)

        def positions(shift, size):  # source pixel coordinates (B, T, size)
            view = (ops.cast(ops.arange(size), "float32") + 0.5) / size
            return (0.5 + (view - 0.5) * zoom + ops.cast(shift, "float32")[..., None]) * size - 0.5

        rows = ops.cast(_resampling_matrices(positions(dy, height), height), clips.dtype)  # (B, T, H, H)
        cols = ops.cast(_resampling_matrices(positions(dx, width), width), clips.dtype)  # (B, T, W, W)
        x = ops.einsum("btik,btkwc->btiwc", rows, clips)
        return ops.einsum("btjl,btilc->btijc", cols, x)

    def call(self, clips, cond, path=None):
        """Films `clips` along the path predicted from `cond`, or along `path` ((log zoom, dx, dy),
        (B, T) each) when one is given (training on footage whose camera is known)."""
        return self.warp(clips, *(self.camera(cond) if path is None else path))

    def compute_output_shape(self, clips_shape, cond_shape=None):
        return clips_shape

    def get_config(self):
        return {**super().get_config(), "num_frames": self.num_frames, "degree": self.degree,
                "hidden_dim": self.hidden_dim}
