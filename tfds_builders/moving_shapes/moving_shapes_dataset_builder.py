"""moving_shapes: captioned clips of moving shapes, rendered exactly as the specification says."""

import dataclasses
import functools
import itertools

import numpy as np
import tensorflow_datasets as tfds
from tqdm import tqdm

from tfds_builders import generated
from tfds_builders.generated import encode_png
from tfds_builders.moving_shapes import captions
from tfds_builders.moving_shapes import render
from tfds_builders.moving_shapes import spec

# Clips sampled per random stream: example i of a split does not depend on the split size.
CHUNK = 128
_ATTRIBUTE_SIZES = tuple(len(v) for v in spec.ATTRIBUTES.values())
_SHAPE, _COLOR, _SIZE, _DIRECTION, _SPEED = range(5)


def split_rng(config_name, split, chunk):
    """The random stream of one chunk of a split, seeded from names only (no Python hash())."""
    return generated.split_rng("moving_shapes", config_name, split, chunk)


def allowed_triples(held_out):
    """(shape, color, direction) index triples, (M, 3): the held-out ones or the seen ones."""
    triples = itertools.product(*(range(n) for n in (_ATTRIBUTE_SIZES[_SHAPE], _ATTRIBUTE_SIZES[_COLOR],
                                                     _ATTRIBUTE_SIZES[_DIRECTION])))
    return np.array([t for t in triples if spec.is_held_out(*t) == held_out], np.int64)


@functools.lru_cache(maxsize=None)
def _allowed_combinations(num_objects, held_out):
    """Every allowed tuple of per-object triples, (M, K, 3); objects differ in shape and color."""
    triples = allowed_triples(held_out)
    if num_objects == 1:
        return triples[:, None, :]
    if num_objects != 2:
        raise ValueError(f"num_objects must be 1 or 2; got {num_objects}.")
    first, second = np.meshgrid(np.arange(len(triples)), np.arange(len(triples)), indexing="ij")
    pairs = np.stack([triples[first.ravel()], triples[second.ravel()]], axis=1)  # (M*M, 2, 3)
    distinct = (pairs[:, 0, 0] != pairs[:, 1, 0]) & (pairs[:, 0, 1] != pairs[:, 1, 1])
    return pairs[distinct]


def sample_attributes(rng, num, num_objects, held_out):
    """Attribute indices of `num` clips, (num, K, 5) in `spec.ATTRIBUTE_COLUMNS` order.

    The (shape, color, direction) triple of every object is uniform over the held-out triples
    (`held_out=True`, the test_unseen split) or the seen ones (every other split), jointly
    with the other objects' under the rule that objects differ in shape and in color; size
    and speed are uniform and independent.
    """
    combos = _allowed_combinations(num_objects, held_out)
    picked = combos[rng.integers(len(combos), size=num)]  # (num, K, 3)
    attrs = np.empty((num, num_objects, 5), np.int64)
    attrs[..., _SHAPE] = picked[..., 0]
    attrs[..., _COLOR] = picked[..., 1]
    attrs[..., _DIRECTION] = picked[..., 2]
    attrs[..., _SIZE] = rng.integers(_ATTRIBUTE_SIZES[_SIZE], size=(num, num_objects))
    attrs[..., _SPEED] = rng.integers(_ATTRIBUTE_SIZES[_SPEED], size=(num, num_objects))
    return attrs


def sample_chunk(config_name, split, chunk):
    """Attributes (CHUNK, K, 5), starts (CHUNK, K, 2) float32 and captions of one chunk."""
    num_objects, height = spec.CONFIGS[config_name]
    rng = split_rng(config_name, split, chunk)
    attrs = sample_attributes(rng, CHUNK, num_objects, held_out=split == "test_unseen")
    starts = render.sample_starts(rng, attrs, height)
    texts = [
        captions.make_caption(rng, [dict(zip(spec.ATTRIBUTE_COLUMNS, obj)) for obj in clip])
        for clip in attrs
    ]
    return attrs, starts, texts


@dataclasses.dataclass
class MovingShapesConfig(tfds.core.BuilderConfig):
    """A moving_shapes variant: `spec.CONFIGS` gives the values of each named config.

    Args:
        num_objects: int. Objects per clip, 1 or 2.
        height: int. Frame height = width in pixels.
    """

    num_objects: int = 1
    height: int = 64


def _config(name, description):
    num_objects, height = spec.CONFIGS[name]
    return MovingShapesConfig(name=name, num_objects=num_objects, height=height, description=description)


class Builder(generated.ShrinkableSplits, tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for moving_shapes: generated clips, no download.

    Args:
        split_sizes: dict split name -> int. Shrinks those splits (the rest keep the
            specification's sizes); for tests and quick runs. The sizes of a build are kept in
            `info.metadata["split_sizes"]` and `info.metadata["shrunk"]`; preparing into a
            data_dir that holds a build of other sizes raises ValueError.
        **kwargs: forwarded to `tfds.core.GeneratorBasedBuilder` (config, data_dir, version).

    Example:
    ```python
    from tfds_builders.moving_shapes import Builder
    builder = Builder(config="single_32", data_dir="tiny_data",
                      split_sizes={"train": 64, "validation": 8, "test": 8, "test_unseen": 8})
    builder.download_and_prepare()
    ds = builder.as_dataset(split="train")  # {"video": (16, 32, 32, 3) uint8, "caption", ...}
    ```
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: single_64, single_32, double_64."}
    BUILDER_CONFIGS = [
        _config("single_64", "One object per clip, 16 frames of 64x64."),
        _config("single_32", "One object per clip, 16 frames of 32x32."),
        _config("double_64", "Two objects per clip (different shapes and colors), 16 frames of 64x64."),
    ]
    DEFAULT_BUILDER_CONFIG_NAME = spec.DEFAULT_CONFIG
    SPLIT_SIZES = spec.SPLIT_SIZES


    def _info(self):
        config = self.builder_config
        frames = spec.NUM_FRAMES
        size = config.height
        label = lambda name: tfds.features.ClassLabel(names=spec.ATTRIBUTES[name])
        start = tfds.features.Tensor(
            shape=(2,), dtype=np.float32,
            doc="First-frame centre (cx, cy) in pixels: x right, y down, pixel i spans [i, i + 1).",
        )
        features = {"caption": tfds.features.Text()}
        if config.num_objects == 1:
            features.update({name: label(name) for name in spec.ATTRIBUTES})
            features["start"] = start
        else:
            k = config.num_objects
            features.update({name: tfds.features.Sequence(label(name), length=k) for name in spec.ATTRIBUTES})
            features["start"] = tfds.features.Sequence(start, length=k)
        features["video"] = tfds.features.Video(
            shape=(frames, size, size, 3), doc=f"RGB clip at {spec.FPS} fps, one PNG per frame."
        )
        return self.generated_info(features, spec.FPS)

    def _split_generators(self, dl_manager):
        del dl_manager  # Generated: nothing to download.
        return {split: self._generate_examples(split, size) for split, size in self._split_sizes.items()}

    def _generate_examples(self, split, num_examples):
        config = self.builder_config
        single = config.num_objects == 1
        num_chunks = -(-num_examples // CHUNK)
        with tqdm(total=num_examples, desc=f"moving_shapes/{config.name} {split}", unit=" clips",
                  leave=False) as progress:
            for chunk in range(num_chunks):
                attrs, starts, texts = sample_chunk(config.name, split, chunk)
                count = min(CHUNK, num_examples - chunk * CHUNK)
                videos = render.render_clips(attrs[:count], starts[:count], config.height)  # (B, T, H, W, 3)
                for i in range(count):
                    example = {"video": encode_png(videos[i]), "caption": texts[i]}
                    for column, name in enumerate(spec.ATTRIBUTE_COLUMNS):
                        values = attrs[i, :, column]
                        example[name] = int(values[0]) if single else [int(v) for v in values]
                    example["start"] = starts[i, 0] if single else list(starts[i])
                    yield chunk * CHUNK + i, example
                progress.update(count)
