"""A video classifier, trained on real moving_shapes clips, that reads the attributes of every object."""

import os

import keras
import numpy as np
from keras import ops

from tfds_builders.moving_shapes import spec

ATTRIBUTE_NAMES = tuple(spec.ATTRIBUTES)
# Trained evaluators shipped with the package: dataset config -> file in tf_t2v/eval/evaluators/.
EVALUATOR_VERSION = 1
EVALUATORS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "evaluators")


def canonical_order(shapes):
    """Per clip, the object order (B, K) that sorts objects by shape index.

    Objects in a clip have different shapes (spec), so sorting by shape gives every object a slot
    that does not depend on drawing or caption order.
    """
    return np.argsort(np.asarray(shapes).reshape(len(shapes), -1), axis=1, kind="stable")


def evaluator_path(config):
    """Path of the shipped evaluator for a moving_shapes config, e.g. "single_64"."""
    return os.path.join(EVALUATORS_DIR, f"{config}-v{EVALUATOR_VERSION}.keras")


def load_evaluator(config):
    """The shipped, trained evaluator for a moving_shapes config.

    An `AttributeEvaluator`; for double_64 (two objects of different colours), the single_64
    one applied to each object after splitting the clip by colour (`HueSeparatedEvaluator`).
    """
    if config == "double_64" and not os.path.exists(evaluator_path(config)):
        from tf_t2v.eval.hue_separated_evaluator import HueSeparatedEvaluator

        description = f"single_64-v{EVALUATOR_VERSION} on each object, objects split by colour"
        return HueSeparatedEvaluator(load_evaluator("single_64"), num_objects=2, description=description)
    path = evaluator_path(config)
    if not os.path.exists(path):
        shipped = sorted(f.split("-v")[0] for f in os.listdir(EVALUATORS_DIR) if f.endswith(".keras"))
        raise ValueError(f"No attribute evaluator for moving_shapes/{config}; shipped: {shipped}.")
    return keras.saving.load_model(path, safe_mode=True)


@keras.saving.register_keras_serializable(package="tf_t2v")
class AttributeEvaluator(keras.Model):
    """Reads shape, color, size, direction and speed of every object, plus its start centre.

    A few frames, evenly spaced from first to last, are stacked along channels with two
    coordinate channels; 2D convolutions (the first at full size, then stride 2) and a dense
    layer over the last map and the channel maxima of the deeper maps give a feature vector
    (used for Frechet distances); one
    softmax head per attribute and object slot and a start-centre regression read it. Slots are
    objects sorted by shape index (`canonical_order`). Input: clips (B, T, H, W, 3) with values
    in [0, 255] (uint8 or float).

    Args:
        num_objects: int. Objects per clip (1 for single_*, 2 for double_64).
        num_frames: int. Frames T.
        size: int. Frame height = width.
        num_read_frames: int. Frames read, evenly spaced from the first to the last.
        filters: list of int. Channels of the convolutions.
        feature_dim: int. Width of the feature vector.
        noise: float. Std of Gaussian noise added to inputs in training (in [-1, 1] units), so
            slightly imperfect generated clips read like real ones.

    Example:
    ```python
    ev = tf_t2v.eval.AttributeEvaluator(num_frames=4, size=16, filters=[8, 8])
    logits = ev(np.zeros((2, 4, 16, 16, 3), "uint8"))  # logits["shape"]: (2, 1, 4)
    ```
    """

    def __init__(self, num_objects=1, num_frames=16, size=64, num_read_frames=4,
                 filters=(16, 32, 64, 128, 128), feature_dim=256, noise=0.03, **kwargs):
        super().__init__(**kwargs)
        self.num_objects = num_objects
        self.num_frames = num_frames
        self.size = size
        self.filters = [int(f) for f in filters]
        self.feature_dim = feature_dim
        self.noise = noise
        # Read frames spaced evenly from the first to the last.
        self.frames = np.linspace(0, num_frames - 1, num_read_frames).round().astype("int32")
        self.num_read_frames = num_read_frames
        self.convs = [
            keras.layers.Conv2D(f, 3, strides=1 if i == 0 else 2, padding="same", activation="relu", name=f"conv_{i}")
            for i, f in enumerate(self.filters)
        ]
        self.flatten = keras.layers.Flatten()
        self.feature = keras.layers.Dense(feature_dim, activation="relu", name="feature")
        self.heads = {
            name: keras.layers.Dense(num_objects * len(values), name=f"{name}_head")
            for name, values in spec.ATTRIBUTES.items()
        }
        self.start_head = keras.layers.Dense(num_objects * 2, name="start_head")
        ys, xs = np.meshgrid(np.linspace(-1, 1, size), np.linspace(-1, 1, size), indexing="ij")
        self._coords = np.stack([xs, ys], -1).astype("float32")[None]  # (1, H, W, 2)

    def features(self, video, training=False):
        """Feature vectors (B, feature_dim) of clips (B, T, H, W, 3) in [0, 255]."""
        x = ops.cast(ops.take(video, self.frames, axis=1), "float32") / 127.5 - 1.0
        if training and self.noise:
            x = x + keras.random.normal(ops.shape(x), stddev=self.noise)
        batch = ops.shape(x)[0]
        x = ops.reshape(ops.transpose(x, (0, 2, 3, 1, 4)), (batch, self.size, self.size, len(self.frames) * 3))
        x = ops.concatenate([x, ops.tile(ops.convert_to_tensor(self._coords), (batch, 1, 1, 1))], -1)
        pooled = []
        for conv in self.convs:
            x = conv(x)
            pooled.append(ops.max(x, axis=(1, 2)))  # where-free evidence for shape and colour
        return self.feature(ops.concatenate([self.flatten(x)] + pooled[2:], -1))

    def _heads(self, h):
        out = {
            name: ops.reshape(head(h), (-1, self.num_objects, len(spec.ATTRIBUTES[name])))
            for name, head in self.heads.items()
        }
        out["start"] = ops.reshape(self.start_head(h), (-1, self.num_objects, 2))  # [-1, 1] units
        return out

    def call(self, video, training=False):
        """Logits per attribute (B, K, classes) and "start" (B, K, 2) in [-1, 1] frame units."""
        return self._heads(self.features(video, training=training))

    def read(self, videos, batch_size=128):
        """Attributes of clips (N, T, H, W, 3) uint8, as numpy.

        Returns:
            dict: each attribute -> (N, K) int ClassLabel indices, "start" -> (N, K, 2) centres
            in pixels, "features" -> (N, feature_dim); K objects in `canonical_order`.
        """
        parts = []
        for i in range(0, len(videos), batch_size):
            batch = ops.convert_to_tensor(np.asarray(videos[i:i + batch_size]))
            h = self.features(batch)
            out = self._heads(h)
            out = {name: ops.argmax(out[name], -1) for name in ATTRIBUTE_NAMES} | {
                "start": (out["start"] + 1.0) * self.size / 2.0}
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
        }
