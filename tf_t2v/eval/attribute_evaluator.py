"""A video classifier, trained on real clips of a built-in dataset, that reads their attributes.

One class serves both datasets: for moving_shapes it reads every object's attributes and start
centre; for scenes the seven attributes of the clip (one "object", no start regression).
"""

import keras
import numpy as np
from keras import ops

from tfds_builders.moving_shapes import spec

ATTRIBUTE_NAMES = tuple(spec.ATTRIBUTES)  # moving_shapes


def canonical_order(shapes):
    """Per clip, the object order (B, K) that sorts objects by shape index.

    Objects in a clip have different shapes (spec), so sorting by shape gives every object a slot
    that does not depend on drawing or caption order.
    """
    return np.argsort(np.asarray(shapes).reshape(len(shapes), -1), axis=1, kind="stable")


def _binomial_kernel(channels):
    """A (3, 3, channels, 1) depthwise kernel of the 3x3 binomial blur."""
    k = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16.0
    return np.tile(k[:, :, None, None], (1, 1, channels, 1)).astype("float32")


@keras.saving.register_keras_serializable(package="tf_t2v")
class AttributeEvaluator(keras.Model):
    """Reads the attributes of a clip (of every object in it), and for moving_shapes its start centre.

    A few frames, evenly spaced from first to last, optionally each with its difference to the
    next frame (motion too small to see between the spaced frames: camera pans and zooms,
    falling rain, a subject's heading), and two coordinate channels go through 2D convolutions
    (the first at stride `first_stride`, then stride 2). By default the frames are stacked on
    channels before the first convolution; with `per_frame_layers` the first layers see one
    frame at a time with shared weights (what a bird looks like is learnt once for every frame)
    and the frames are stacked on channels after them. A dense layer over the last map and the
    channel maxima (and means) of the deeper maps gives a feature vector (used for Frechet
    distances); one softmax head per attribute and object slot, and optionally a start-centre
    regression, read it. Slots are objects sorted by shape index (`canonical_order`). Input:
    clips (B, T, H, W, 3) with values in [0, 255] (uint8 or float).

    In training, inputs get, per clip, a 3x3 blur of random strength up to `blur`, then
    Gaussian noise (`noise`), so slightly softer or noisier generated clips read like real ones.

    Args:
        num_objects: int. Objects per clip (1 for single_* and scenes, 2 for double_64).
        num_frames: int. Frames T.
        size: int. Frame height = width.
        num_read_frames: int. Frames read, evenly spaced from the first to the last.
        filters: list of int. Channels of the convolutions.
        feature_dim: int. Width of the feature vector.
        noise: float. Std of Gaussian noise added to inputs in training (in [-1, 1] units).
        attributes: dict str -> int or None. Attribute name -> number of classes, one head
            each (None: the moving_shapes attributes).
        regress_start: bool. Also regress each object's start centre (moving_shapes).
        frame_differences: bool. Also read, for each read frame, its difference to the next
            frame (the last frame: from the previous one).
        blur: float in [0, 1]. Largest mix of the 3x3 blurred clip into the clip in training.
        first_stride: int. Stride of the first convolution.
        batch_norm: bool. Batch normalisation after every convolution (before its ReLU).
        mean_pool: bool. Channel means of the deeper maps too, beside their maxima.
        per_frame_layers: int. Convolutions applied to each frame alone, before frames are
            stacked on channels (0: stacked at the input); their last map is pooled over
            frames and positions.

    Example:
    ```python
    ev = tf_t2v.eval.AttributeEvaluator(num_frames=4, size=16, filters=[8, 8])
    logits = ev(np.zeros((2, 4, 16, 16, 3), "uint8"))  # logits["shape"]: (2, 1, 4)
    scenes = tf_t2v.eval.AttributeEvaluator(
        num_frames=4, size=16, num_read_frames=3, filters=[8, 8, 8], attributes={"time": 4, "place": 5},
        regress_start=False, frame_differences=True, per_frame_layers=2)
    logits = scenes(np.zeros((2, 4, 16, 16, 3), "uint8"))  # logits["time"]: (2, 1, 4)
    ```
    """

    def __init__(self, num_objects=1, num_frames=16, size=64, num_read_frames=4,
                 filters=(16, 32, 64, 128, 128), feature_dim=256, noise=0.03, attributes=None,
                 regress_start=True, frame_differences=False, blur=0.0, first_stride=1, batch_norm=False,
                 mean_pool=False, per_frame_layers=0, **kwargs):
        super().__init__(**kwargs)
        self.num_objects = num_objects
        self.num_frames = num_frames
        self.size = size
        self.filters = [int(f) for f in filters]
        self.feature_dim = feature_dim
        self.noise = noise
        if attributes is None:
            attributes = {name: len(values) for name, values in spec.ATTRIBUTES.items()}
        self.attributes = {str(name): int(n) for name, n in attributes.items()}
        self.attribute_names = tuple(self.attributes)
        self.regress_start = bool(regress_start)
        self.frame_differences = bool(frame_differences)
        self.blur = float(blur)
        self.first_stride = int(first_stride)
        self.batch_norm = bool(batch_norm)
        self.mean_pool = bool(mean_pool)
        self.per_frame_layers = int(per_frame_layers)
        # Read frames spaced evenly from the first to the last.
        self.frames = np.linspace(0, num_frames - 1, num_read_frames).round().astype("int32")
        self.num_read_frames = num_read_frames
        # Each read frame's neighbour for its difference: the next frame, or for the last the previous.
        self._neighbours = np.where(self.frames < num_frames - 1, self.frames + 1, self.frames - 1).astype("int32")
        self._difference_signs = np.where(self.frames < num_frames - 1, 1.0, -1.0).astype("float32")
        self.convs = [
            keras.layers.Conv2D(f, 3, strides=self.first_stride if i == 0 else 2, padding="same",
                                activation=None if self.batch_norm else "relu", name=f"conv_{i}")
            for i, f in enumerate(self.filters)
        ]
        self.norms = [keras.layers.BatchNormalization(name=f"norm_{i}") for i in range(len(self.filters))] \
            if self.batch_norm else []
        self.flatten = keras.layers.Flatten()
        self.feature = keras.layers.Dense(feature_dim, activation="relu", name="feature")
        self.heads = {
            name: keras.layers.Dense(num_objects * n, name=f"{name}_head") for name, n in self.attributes.items()
        }
        if self.regress_start:
            self.start_head = keras.layers.Dense(num_objects * 2, name="start_head")
        ys, xs = np.meshgrid(np.linspace(-1, 1, size), np.linspace(-1, 1, size), indexing="ij")
        self._coords = np.stack([xs, ys], -1).astype("float32")[None]  # (1, H, W, 2)

    def _augment(self, x):
        """Per clip a random mild blur, then noise, of (B, F, H, W, 3) inputs in [-1, 1], for training."""
        if self.blur:
            batch, count = ops.shape(x)[0], ops.shape(x)[1]
            flat = ops.reshape(x, (batch * count, self.size, self.size, 3))
            blurred = ops.reshape(ops.depthwise_conv(flat, _binomial_kernel(3), padding="same"), ops.shape(x))
            amount = keras.random.uniform((batch, 1, 1, 1, 1), maxval=self.blur)
            x = x + amount * (blurred - x)
        if self.noise:
            x = x + keras.random.normal(ops.shape(x), stddev=self.noise)
        return x

    def _conv(self, i, x, training):
        x = self.convs[i](x)
        return ops.relu(self.norms[i](x, training=training)) if self.batch_norm else x

    def _with_coords(self, x):
        """(N, H, W, C) -> (N, H, W, C + 2) with the coordinate channels."""
        return ops.concatenate([x, ops.tile(ops.convert_to_tensor(self._coords), (ops.shape(x)[0], 1, 1, 1))], -1)

    def features(self, video, training=False):
        """Feature vectors (B, feature_dim) of clips (B, T, H, W, 3) in [0, 255]."""
        read = len(self.frames)
        indices = np.concatenate([self.frames, self._neighbours]) if self.frame_differences else self.frames
        x = ops.cast(ops.take(video, indices, axis=1), "float32") / 127.5 - 1.0  # (B, F', H, W, 3)
        if training:
            x = self._augment(x)
        if self.frame_differences:
            signs = self._difference_signs[None, :, None, None, None]
            x = ops.concatenate([x[:, :read], (x[:, read:] - x[:, :read]) * signs], -1)  # (B, F, H, W, 6)
        batch, channels = ops.shape(x)[0], x.shape[-1]
        if self.per_frame_layers:
            # The first layers see one frame at a time, with shared weights: (B * F, H, W, C).
            x = self._with_coords(ops.reshape(x, (batch * read, self.size, self.size, channels)))
            for i in range(self.per_frame_layers):
                x = self._conv(i, x, training)
            size, channels = x.shape[1], x.shape[-1]
            x = ops.reshape(x, (batch, read, size, size, channels))
            # Where- and when-free evidence: a small subject seen anywhere in any frame.
            pooled = [ops.max(x, axis=(1, 2, 3))] + ([ops.mean(x, axis=(1, 2, 3))] if self.mean_pool else [])
        else:
            size, pooled = self.size, []
        # Frames on channels: (B, h, w, F * C).
        x = ops.reshape(ops.transpose(x, (0, 2, 3, 1, 4)), (batch, size, size, read * channels))
        if not self.per_frame_layers:
            x = self._with_coords(x)
        for i in range(self.per_frame_layers, len(self.convs)):
            x = self._conv(i, x, training)
            if i >= 2:
                pooled.append(ops.max(x, axis=(1, 2)))  # where-free evidence for shape and colour
                if self.mean_pool:
                    pooled.append(ops.mean(x, axis=(1, 2)))  # evidence spread over the frame (motion)
        return self.feature(ops.concatenate([self.flatten(x)] + pooled, -1))

    def _heads(self, h):
        out = {
            name: ops.reshape(head(h), (-1, self.num_objects, self.attributes[name]))
            for name, head in self.heads.items()
        }
        if self.regress_start:
            out["start"] = ops.reshape(self.start_head(h), (-1, self.num_objects, 2))  # [-1, 1] units
        return out

    def call(self, video, training=False):
        """Logits per attribute (B, K, classes), and "start" (B, K, 2) in [-1, 1] frame units if
        `regress_start`."""
        return self._heads(self.features(video, training=training))

    def read(self, videos, batch_size=128):
        """Attributes of clips (N, T, H, W, 3) uint8, as numpy.

        Returns:
            dict: each attribute -> (N, K) int ClassLabel indices, "features" -> (N,
            feature_dim), and if `regress_start` "start" -> (N, K, 2) centres in pixels; K
            objects in `canonical_order`.
        """
        parts = []
        for i in range(0, len(videos), batch_size):
            batch = ops.convert_to_tensor(np.asarray(videos[i:i + batch_size]))
            h = self.features(batch)
            logits = self._heads(h)
            out = {name: ops.argmax(logits[name], -1) for name in self.attribute_names}
            if self.regress_start:
                out["start"] = (logits["start"] + 1.0) * self.size / 2.0
            out["features"] = h
            parts.append({k: ops.convert_to_numpy(v) for k, v in out.items()})
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def get_config(self):
        return {
            **super().get_config(),
            "num_objects": self.num_objects,
            "num_frames": self.num_frames,
            "size": self.size,
            "num_read_frames": self.num_read_frames,
            "filters": list(self.filters),
            "feature_dim": self.feature_dim,
            "noise": self.noise,
            "attributes": dict(self.attributes),
            "regress_start": self.regress_start,
            "frame_differences": self.frame_differences,
            "blur": self.blur,
            "first_stride": self.first_stride,
            "batch_norm": self.batch_norm,
            "mean_pool": self.mean_pool,
            "per_frame_layers": self.per_frame_layers,
        }
