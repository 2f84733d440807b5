"""Reads clips of several objects one object at a time: split by colour, read by a one-object evaluator."""

import numpy as np

from tf_t2v.eval.attribute_evaluator import ATTRIBUTE_NAMES, canonical_order
from tfds_builders.moving_shapes import spec

# Palette index of each hue code 4r + 2g + b (a channel is "on" above half the brightest one);
# the seven non-zero codes are exactly the seven colours of the spec.
_CODE_TO_COLOR = np.full(8, -1, np.int8)
for _index, _name in enumerate(spec.COLORS):
    _r, _g, _b = (int(v > 127) for v in spec.COLOR_RGB[_name])
    _CODE_TO_COLOR[4 * _r + 2 * _g + _b] = _index
_MIN_BRIGHTNESS = 64  # of the brightest channel, in [0, 255]: darker pixels are background


def hue_classes(videos):
    """Per pixel, the palette colour of its hue (int8), or -1 for background: (N, T, H, W).

    Hue, not value: anti-aliased edges (the colour times a coverage) keep their colour.
    """
    rgb = np.asarray(videos, np.uint8)
    peak = rgb.max(-1)
    on = rgb.astype(np.uint16) * 2 > peak[..., None]  # (N, T, H, W, 3)
    code = on[..., 0] * 4 + on[..., 1] * 2 + on[..., 2].astype(np.int64)
    classes = _CODE_TO_COLOR[code]
    classes[peak < _MIN_BRIGHTNESS] = -1
    return classes


class HueSeparatedEvaluator:
    """An `AttributeEvaluator` for one object, applied to each object of a multi-object clip.

    In moving_shapes clips with several objects every object has its own colour (spec), so the
    `num_objects` most frequent palette hues of a clip cut it into one-object clips (the pixels
    of that hue, black elsewhere), and the one-object evaluator reads each. Objects are returned
    in `canonical_order` of the shapes read. Where one object hides another, the hidden one is
    read from what is left of it, as a viewer would.

    Args:
        evaluator: `AttributeEvaluator` trained on one-object clips of the same size.
        num_objects: int. Objects per clip.
        description: str. How reports name this evaluator.

    Example:
    ```python
    single = tf_t2v.eval.load_evaluator("single_64")
    read = HueSeparatedEvaluator(single, 2).read(double_clips)  # read["color"]: (N, 2)
    ```
    """

    def __init__(self, evaluator, num_objects=2, description=""):
        self.evaluator = evaluator
        self.num_objects = num_objects
        self.description = description or f"one-object evaluator on {num_objects} objects split by colour"
        self.size = evaluator.size

    def read(self, videos, batch_size=64):
        """Same output as `AttributeEvaluator.read`, with K = `num_objects`; "features" concatenates
        the objects' features in canonical order."""
        parts = []
        for i in range(0, len(videos), batch_size):
            parts.append(self._read(np.asarray(videos[i:i + batch_size])))
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def _read(self, videos):
        n, k = len(videos), self.num_objects
        classes = hue_classes(videos)  # (N, T, H, W)
        counts = np.stack([(classes == c).sum((1, 2, 3)) for c in range(len(spec.COLORS))], -1)
        hues = np.argsort(-counts, axis=1, kind="stable")[:, :k]  # (N, K) most frequent hues
        masks = classes[:, None] == hues[:, :, None, None, None]  # (N, K, T, H, W)
        objects = np.where(masks[..., None], videos[:, None], 0).astype(np.uint8)
        read = self.evaluator.read(objects.reshape((n * k,) + videos.shape[1:]))
        read = {name: value.reshape((n, k) + value.shape[1:]) for name, value in read.items()}
        out = {name: read[name][..., 0] for name in ATTRIBUTE_NAMES}  # (N, K)
        out["start"] = read["start"][:, :, 0]  # (N, K, 2)
        order = canonical_order(out["shape"])
        out = {name: np.take_along_axis(v, order.reshape(order.shape + (1,) * (v.ndim - 2)), axis=1)
               for name, v in out.items()}
        features = np.take_along_axis(read["features"], order[..., None], axis=1)  # (N, K, D)
        out["features"] = features.reshape(n, -1)
        return out
