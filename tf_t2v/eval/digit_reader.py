"""A reader of moving_digits clips: which digit, along which axis, how it moves."""

import keras
import numpy as np
from keras import ops

from tfds_builders.moving_digits import render, spec

SIZE = spec.DIGIT_SIZE
LIMIT = spec.MAX_POSITION
# MNIST digits are centred by their centre of mass, which lies here (pixel index, x and y) in
# the 28 x 28 image: the mean over the 5,000 images of mnist_data() (std 0.29 px).
CENTRE_OF_MASS = 14.0
# Every start and direction of the spec's bounce, at half-pixel steps: what a track is matched to.
_STARTS = np.arange(0.0, LIMIT + 0.25, 0.5)
_CANDIDATES = render.pixel_position(render.bounce(np.concatenate([_STARTS, _STARTS]),
                                                  np.repeat([1, -1], len(_STARTS))))  # (C, T)


def locate(videos):
    """Where the digit of each frame is: top-left (x, y) int32 (N, T, 2) of uint8 clips (N, T, H, W, 3).

    The 28 x 28 window holding the most brightness is found first (so specks and blur elsewhere
    do not move it); the centre of mass of the brightness inside it, less the centre of mass of
    an MNIST image (`CENTRE_OF_MASS`), gives the top-left, rounded and kept in [0, H - 28]. On a
    real clip this is the pasted position to within a pixel.
    """
    return _locate(_grey(videos))


def _grey(videos):
    """Grey frames float32 (N, T, H, W) in [0, 255] of clips (N, T, H, W, 3)."""
    return np.asarray(videos, np.float32).mean(axis=-1)


def _window(grey, top, left):
    """The 28 x 28 windows (N, T, 28, 28) of grey frames at top-left corners (N, T)."""
    n, t = grey.shape[:2]
    offsets = np.arange(SIZE)
    rows = top[..., None] + offsets  # (N, T, 28)
    cols = left[..., None] + offsets
    ni, ti = np.arange(n)[:, None, None, None], np.arange(t)[None, :, None, None]
    return grey[ni, ti, rows[..., :, None], cols[..., None, :]]


def _locate(grey):
    n, t, h, w = grey.shape
    if h < SIZE or w < SIZE:
        raise ValueError(f"Frames must be at least {SIZE}x{SIZE}; got {h}x{w}.")
    integral = np.pad(grey.cumsum(2).cumsum(3), ((0, 0), (0, 0), (1, 0), (1, 0)))
    sums = (integral[:, :, SIZE:, SIZE:] - integral[:, :, :-SIZE, SIZE:] - integral[:, :, SIZE:, :-SIZE]
            + integral[:, :, :-SIZE, :-SIZE])  # (N, T, H - 27, W - 27)
    best = sums.reshape(n, t, -1).argmax(-1)
    wy, wx = np.divmod(best, sums.shape[3])
    window = _window(grey, wy, wx)  # (N, T, 28, 28)
    offsets = np.arange(SIZE)
    mass = np.maximum(window.sum((2, 3)), 1e-6)
    cy = (window.sum(3) * offsets).sum(2) / mass
    cx = (window.sum(2) * offsets).sum(2) / mass
    x = np.clip(np.floor(wx + cx - CENTRE_OF_MASS + 0.5), 0, w - SIZE)
    y = np.clip(np.floor(wy + cy - CENTRE_OF_MASS + 0.5), 0, h - SIZE)
    return np.stack([x, y], -1).astype(np.int32)


def crops(videos, track):
    """The 28 x 28 grey crops at a track: float32 (N, T, 28, 28, 1) in [0, 1]."""
    return _crops(_grey(videos), track)


def _crops(grey, track):
    return _window(grey, track[..., 1], track[..., 0])[..., None] / 255.0


def motion(track):
    """How a track moves, by the spec's motion rule.

    Args:
        track: int (N, T, 2) top-left (x, y) per frame.

    Returns:
        dict of numpy arrays (N,): "axis" 0 (x travels further: horizontal) or 1; "speed" the mean
        absolute step of the moving coordinate (px a frame; a real clip's is just under 3, the
        bounces shortening a step); "bounce_error" the mean distance (px) of the moving
        coordinate to the nearest track the spec can draw (3 px a frame, reflected at 0 and
        36, any start and direction); "drift" the range (px) of the other coordinate, which the
        spec keeps fixed.
    """
    track = np.asarray(track, np.float64)
    extent = track.max(1) - track.min(1)  # (N, 2)
    axis = (extent[:, 1] > extent[:, 0]).astype(np.int64)
    rows = np.arange(len(track))
    moving = track[rows, :, axis]  # (N, T)
    fixed = track[rows, :, 1 - axis]
    errors = np.abs(moving[:, None, :] - _CANDIDATES[None, :, :moving.shape[1]]).mean(-1)  # (N, C)
    return {
        "axis": axis,
        "speed": np.abs(np.diff(moving, axis=1)).mean(1),
        "bounce_error": errors.min(1),
        "drift": fixed.max(1) - fixed.min(1),
    }


@keras.saving.register_keras_serializable(package="tf_t2v")
class DigitReader(keras.Model):
    """Reads a moving_digits clip: the digit (a small CNN on 28 x 28 crops), its axis and motion.

    `call` classifies 28 x 28 grey crops (B, 28, 28, 1) in [0, 1] into logits (B, 10). `read`
    finds the digit in every frame of a clip (`locate`), classifies each frame's crop and
    averages the probabilities over the frames; the track of positions gives the axis and how
    well the motion follows the spec's bounce (`motion`). Trained by
    `tf_t2v.eval.train_digit_reader` on the spec's training images only (the first 400 of each
    digit), so test clips, drawn from the last 100, are handwriting it has never seen.

    Args:
        filters: list of int. Channels of the two pairs of 3x3 convolutions.
        feature_dim: int. Width of the dense layer whose activations, averaged over the frames,
            are a clip's features (Frechet distance).
        dropout: float. Dropout before the logits, in training.
        description: str. How the reader was made (reports name it).

    Example:
    ```python
    reader = tf_t2v.eval.load_evaluator("moving_digits/single_64")
    read = reader.read(clips)  # uint8 (N, 16, 64, 64, 3)
    read["digit"], read["axis"], read["bounce_error"]
    ```
    """

    def __init__(self, filters=(32, 64), feature_dim=128, dropout=0.3, description="", **kwargs):
        super().__init__(**kwargs)
        self.filters = [int(f) for f in filters]
        self.feature_dim = int(feature_dim)
        self.dropout_rate = float(dropout)
        self.description = str(description)
        self.convs = []
        for i, f in enumerate(self.filters):
            self.convs += [keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"conv_{i}a"),
                           keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"conv_{i}b"),
                           keras.layers.MaxPooling2D(2, name=f"pool_{i}")]
        self.flatten = keras.layers.Flatten()
        self.dense = keras.layers.Dense(self.feature_dim, activation="relu", name="features")
        self.dropout = keras.layers.Dropout(self.dropout_rate)
        self.logits = keras.layers.Dense(len(spec.DIGITS), name="logits")
        self.build((None, SIZE, SIZE, 1))

    def build(self, input_shape):
        x = keras.KerasTensor(input_shape)
        for layer in self.convs:
            layer.build(x.shape)
            x = layer.compute_output_spec(x)
        self.dense.build(self.flatten.compute_output_shape(x.shape))
        self.logits.build((None, self.feature_dim))
        self.built = True

    def features(self, images, training=False):
        """Features (B, feature_dim) of crops (B, 28, 28, 1) in [0, 1]."""
        x = ops.convert_to_tensor(images, "float32")
        for layer in self.convs:
            x = layer(x)
        return self.dense(self.flatten(x))

    def call(self, images, training=False):
        return self.logits(self.dropout(self.features(images, training), training=training))

    def read(self, videos, batch_size=256):
        """The digit, axis and motion of clips (N, T, H, W, 3) uint8, as numpy.

        Returns:
            dict: "digit" (N,) 0-9, "confidence" (N,) its mean probability over the frames,
            "track" (N, T, 2) top-left (x, y) per frame, "features" (N, feature_dim), and
            `motion`'s "axis", "speed", "bounce_error", "drift".
        """
        videos = np.asarray(videos)
        parts = {"track": [], "probabilities": [], "features": []}
        for i in range(0, len(videos), batch_size):
            grey = _grey(videos[i:i + batch_size])
            parts["track"].append(_locate(grey))
            images = _crops(grey, parts["track"][-1])
            n, t = images.shape[:2]
            flat = images.reshape((n * t,) + images.shape[2:])
            h = self.features(flat)
            p = ops.softmax(self.logits(h), -1)
            parts["probabilities"].append(ops.convert_to_numpy(p).reshape(n, t, -1).mean(1))
            parts["features"].append(ops.convert_to_numpy(h).reshape(n, t, -1).mean(1))
        probabilities = np.concatenate(parts["probabilities"])
        track = np.concatenate(parts["track"])
        return {
            "digit": probabilities.argmax(-1),
            "confidence": probabilities.max(-1),
            "track": track,
            "features": np.concatenate(parts["features"]),
            **motion(track),
        }

    def get_config(self):
        return {
            **super().get_config(),
            "filters": list(self.filters),
            "feature_dim": self.feature_dim,
            "dropout": self.dropout_rate,
            "description": self.description,
        }
