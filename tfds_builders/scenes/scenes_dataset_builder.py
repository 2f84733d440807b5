"""scenes: captioned landscape clips, rendered exactly as the specification says."""

import dataclasses
import functools
import itertools

import numpy as np
import tensorflow_datasets as tfds

from tfds_builders import generated
from tfds_builders.scenes import captions
from tfds_builders.scenes import render
from tfds_builders.scenes import spec

# Clips sampled per random stream: example i of a split does not depend on the split size,
# nor on how many processes render it.
CHUNK = 64
_COLUMN = {name: i for i, name in enumerate(spec.ATTRIBUTE_COLUMNS)}


@functools.lru_cache(maxsize=None)
def allowed_triples(held_out):
    """(place, time, weather) index triples, (M, 3): the 14 held-out ones or the 86 seen ones."""
    triples = itertools.product(range(len(spec.PLACES)), range(len(spec.TIMES)), range(len(spec.WEATHERS)))
    return np.array([t for t in triples if spec.is_held_out(*t) == held_out], np.int64)


def sample_attributes(rng, num, held_out):
    """Attribute indices of `num` clips, (num, 7) in `spec.ATTRIBUTE_COLUMNS` order.

    The (place, time, weather) triple is uniform over the held-out triples (`held_out=True`,
    the test_unseen split) or the seen ones (every other split); the subject is none, bird,
    plane or balloon with `spec.SUBJECT_PROBABILITIES`; a bird or plane heads left or right
    uniformly, a balloon up; camera and style are uniform. All independent.
    """
    triples = allowed_triples(held_out)
    picked = triples[rng.integers(len(triples), size=num)]  # (num, 3)
    attrs = np.empty((num, len(spec.ATTRIBUTES)), np.int64)
    attrs[:, _COLUMN["place"]], attrs[:, _COLUMN["time"]], attrs[:, _COLUMN["weather"]] = picked.T
    subject = rng.choice(len(spec.SUBJECTS), size=num, p=spec.SUBJECT_PROBABILITIES)
    sideways = 1 + rng.integers(2, size=num)  # left or right
    heading = np.select([subject == 0, subject == 3], [0, 3], sideways)
    attrs[:, _COLUMN["subject"]], attrs[:, _COLUMN["heading"]] = subject, heading
    attrs[:, _COLUMN["camera"]] = rng.integers(len(spec.CAMERAS), size=num)
    attrs[:, _COLUMN["style"]] = rng.integers(len(spec.STYLES), size=num)
    return attrs


def sample_chunk(config_name, split, chunk):
    """One chunk of a split: attributes (CHUNK, 7), scenes, named (CHUNK, 5) bool, captions."""
    rng = generated.split_rng("scenes", config_name, split, chunk)
    unseen = split == "test_unseen"
    attrs = sample_attributes(rng, CHUNK, held_out=unseen)
    scene = render.sample_scenes(rng, attrs)
    named = captions.sample_named(rng, attrs, name_triple=unseen)
    texts = [
        captions.make_caption(rng, dict(zip(spec.ATTRIBUTE_COLUMNS, a)), dict(zip(spec.NAMED_ATTRIBUTES, n)))
        for a, n in zip(attrs, named)
    ]
    return attrs, scene, named, texts


def chunk_examples(job):
    """The (key, example) pairs of one chunk: job = (config name, height, split, chunk, count)."""
    config_name, height, split, chunk, count = job
    attrs, scene, named, texts = sample_chunk(config_name, split, chunk)
    examples = []
    for i in range(count):
        clip = render.render_clip(attrs[i], render.scene_row(scene, i), height)  # (T, H, H, 3)
        example = {"video": generated.encode_png(clip), "caption": texts[i]}
        example.update({name: int(attrs[i, k]) for k, name in enumerate(spec.ATTRIBUTE_COLUMNS)})
        example.update({f"{name}_named": bool(named[i, k]) for k, name in enumerate(spec.NAMED_ATTRIBUTES)})
        examples.append((chunk * CHUNK + i, example))
    return examples


@dataclasses.dataclass
class ScenesConfig(tfds.core.BuilderConfig):
    """A scenes variant: `spec.CONFIGS` gives the frame size of each named config.

    Args:
        height: int. Frame height = width in pixels.
    """

    height: int = 64


def _config(name):
    height = spec.CONFIGS[name]
    return ScenesConfig(name=name, height=height, description=f"16 frames of {height}x{height}.")


class Builder(generated.ChunkWorkers, generated.ShrinkableSplits, tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for scenes: generated landscape clips with captions, no download.

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
    from tfds_builders.scenes import Builder
    builder = Builder(config="scenes_32", data_dir="tiny_data",
                      split_sizes={"train": 64, "validation": 8, "test": 8, "test_unseen": 8})
    builder.download_and_prepare()
    ds = builder.as_dataset(split="train")  # {"video": (16, 32, 32, 3) uint8, "caption", ...}
    ```
    """

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: scenes_64, scenes_32, scenes_128."}
    BUILDER_CONFIGS = [_config(name) for name in spec.CONFIGS]
    DEFAULT_BUILDER_CONFIG_NAME = spec.DEFAULT_CONFIG
    SPLIT_SIZES = spec.SPLIT_SIZES
    CHUNK = CHUNK

    def _info(self):
        config = self.builder_config
        size = config.height
        features = {
            "video": tfds.features.Video(
                shape=(spec.NUM_FRAMES, size, size, 3), doc=f"RGB clip at {spec.FPS} fps, one PNG per frame."
            ),
            "caption": tfds.features.Text(),
        }
        features.update({name: tfds.features.ClassLabel(names=names) for name, names in spec.ATTRIBUTES.items()})
        features.update({
            f"{name}_named": tfds.features.Scalar(
                dtype=np.bool_, doc=f"Whether the caption names the {name}; if not, it is "
                + (f"{spec.DEFAULTS[name]}." if name in spec.DEFAULTS else "any value."),
            )
            for name in spec.NAMED_ATTRIBUTES
        })
        return self.generated_info(features, spec.FPS)

    def _split_generators(self, dl_manager):
        del dl_manager  # Generated: nothing to download.
        return {split: self._generate_examples(split, size) for split, size in self._split_sizes.items()}

    def _generate_examples(self, split, num_examples):
        config = self.builder_config
        return self.chunk_examples(chunk_examples, (config.name, config.height), split, num_examples)
