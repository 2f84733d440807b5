"""From a built TFDS dataset to the batches a model consumes."""

import tensorflow as tf
import tensorflow_datasets as tfds

from tfds_builders.moving_shapes import spec

AUGMENTATIONS = ("hflip", "reverse")
DATASETS = ("moving_shapes", "captioned_videos", "scenes", "moving_digits")  # the TFDS datasets of tfds_builders


def load_builder(name, data_dir=None):
    """The TFDS builder of a built dataset; a clear error naming the build command if it is not.

    Importing the project's builder modules registers them with TFDS by name.
    """
    import tfds_builders.captioned_videos  # noqa: F401
    import tfds_builders.moving_digits  # noqa: F401
    import tfds_builders.moving_shapes  # noqa: F401
    import tfds_builders.scenes  # noqa: F401

    dataset = name.split("/")[0]
    if dataset not in DATASETS:
        raise ValueError(
            f"Unknown dataset {name!r}; accepted: {' or '.join(d + '/CONFIG' for d in DATASETS)}, "
            "e.g. moving_shapes/single_64."
        )
    not_built = (f"Dataset {name!r} is not built in {data_dir!r}: build it first with "
                 f"`tf-t2v data build {dataset} --data-dir {data_dir}`")
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except ValueError as e:  # a config that is neither a preset nor built
        presets = sorted(tfds.builder_cls(dataset).builder_configs)
        raise FileNotFoundError(f"{not_built} (presets of {dataset}: {', '.join(presets)}).") from e
    if not tf.io.gfile.exists(builder.data_dir) or not builder.info.splits:
        raise FileNotFoundError(not_built + ".")
    return builder


def swap_words(captions, table):
    """Swaps whole words of a tf.string tensor in-graph: `table` maps word -> word.

    Every word is first replaced by a placeholder, so pairs such as left <-> right swap cleanly.
    """
    words = sorted(table, key=len, reverse=True)
    for i, word in enumerate(words):
        captions = tf.strings.regex_replace(captions, rf"\b{word}\b", f"\x01{i}\x02")
    for i, word in enumerate(words):
        captions = tf.strings.regex_replace(captions, f"\x01{i}\x02", table[word])
    return captions


def _flip_example(example, axis, words, direction_map):
    example = dict(example)
    example["video"] = tf.reverse(example["video"], axis=[axis])
    example["caption"] = swap_words(example["caption"], words)
    if "direction" in example:
        example["direction"] = tf.gather(
            tf.constant(direction_map, example["direction"].dtype), example["direction"]
        )
    return example


def hflip(example):
    """Mirrors a clip left-right; the caption's left/right words and direction labels follow."""
    width = tf.cast(tf.shape(example["video"])[2], tf.float32)
    out = _flip_example(example, 2, spec.HFLIP_WORDS, spec.HFLIP_DIRECTION)
    if "start" in example:
        start = example["start"]
        out["start"] = tf.stack([width - start[..., 0], start[..., 1]], axis=-1)
    return out


def reverse_time(example):
    """Plays a clip backwards; every direction word and label turns around."""
    out = _flip_example(example, 0, spec.REVERSE_WORDS, spec.REVERSE_DIRECTION)
    if "start" in example and "speed" in example:
        # The new start is the old end: start + displacement * unit direction.
        height = tf.cast(tf.shape(example["video"])[1], tf.float32)
        vectors = tf.constant([spec.DIRECTION_VECTORS[d] for d in spec.DIRECTIONS], tf.float32)
        displacement = tf.constant([spec.SPEED_DISPLACEMENT[s] for s in spec.SPEEDS], tf.float32)
        step = tf.gather(vectors, example["direction"]) * (
            tf.gather(displacement, example["speed"]) * height
        )[..., None]
        out["start"] = example["start"] + step
    return out


def _to_float(example):
    example = dict(example)
    example["video"] = tf.cast(example["video"], tf.float32) / 127.5 - 1.0  # (T, H, W, 3)
    return example


def make_dataset(
    name,
    split,
    batch_size,
    data_dir=None,
    shuffle=True,
    shuffle_buffer=4096,
    repeat=False,
    cache=False,
    drop_remainder=False,
    deterministic=False,
    augment=(),
    seed=None,
    keys=None,
):
    """One call from a built dataset to batches: captions tf.string, videos float in [-1, 1].

    Args:
        name: str. A TFDS name with config, e.g. "moving_shapes/single_64"; the project's
            builders are registered on import.
        split: str. A TFDS split, e.g. "train" or "test[:100]".
        batch_size: int. Clips per batch.
        data_dir: str. Where the dataset was built; any tf.io.gfile path (gs:// works the same).
        shuffle: bool. Shuffle files and examples.
        shuffle_buffer: int. Examples in the shuffle buffer.
        repeat: bool. Repeat forever (the caller sets steps_per_epoch).
        cache: bool or str. Cache decoded uint8 examples in memory (True) or in a file.
        drop_remainder: bool. Static batch shapes (needed on TPU).
        deterministic: bool. Same order every run for the same seed.
        augment: sequence of "hflip", "reverse". Caption-preserving augmentations, each applied
            to half the examples at random.
        seed: int. Seed for shuffling and augmentation.
        keys: sequence of str. Features to keep (default: all). "video" and "caption" always stay.

    Returns:
        A `tf.data.Dataset` of dicts: "caption" (B,) tf.string, "video" (B, T, H, W, 3) float32,
        and the dataset's other features (labels, start centres) batched.

    Example:
    ```python
    ds = tf_t2v.data.make_dataset("moving_shapes/single_64", "train", 32, data_dir="data")
    batch = next(iter(ds))  # batch["video"]: (32, 16, 64, 64, 3) in [-1, 1]
    ```
    """
    unknown = set(augment) - set(AUGMENTATIONS)
    if unknown:
        raise ValueError(f"Unknown augmentation {sorted(unknown)}; accepted: {list(AUGMENTATIONS)}.")
    builder = load_builder(name, data_dir)
    read_config = tfds.ReadConfig(
        shuffle_seed=seed, interleave_cycle_length=4 if shuffle else 1,
        enable_ordering_guard=False
    )
    ds = builder.as_dataset(split=split, shuffle_files=shuffle, read_config=read_config)
    options = tf.data.Options()
    options.deterministic = deterministic
    ds = ds.with_options(options)
    if keys is not None:
        kept = set(keys) | {"video", "caption"}
        ds = ds.map(lambda ex: {k: v for k, v in ex.items() if k in kept})
    if cache:
        ds = ds.cache() if cache is True else ds.cache(cache)
    if repeat:
        ds = ds.repeat()
    if shuffle:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if augment:
        # One random int64 per example; bit i decides augmentation i. Reproducible for a seed.
        fns = [{"hflip": hflip, "reverse": reverse_time}[a] for a in sorted(set(augment))]
        ds = tf.data.Dataset.zip((ds, tf.data.Dataset.random(seed=seed)))
        ds = ds.map(
            lambda ex, bits: _augment(ex, bits, fns),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=deterministic,
        )
    ds = ds.map(_to_float, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder, num_parallel_calls=tf.data.AUTOTUNE,
                  deterministic=deterministic)
    return ds.prefetch(tf.data.AUTOTUNE)


def _augment(example, bits, fns):
    for i, fn in enumerate(fns):
        apply = tf.equal(tf.bitwise.bitwise_and(tf.bitwise.right_shift(bits, i), 1), 1)
        example = tf.cond(apply, lambda fn=fn, ex=example: fn(ex), lambda ex=example: dict(ex))
    return example


def iter_examples(builder, split, num):
    """The first `num` examples (-1: all) of a built dataset's split, one at a time, as numpy
    dicts (uint8 video, str caption)."""
    for ex in tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False).take(num)):
        ex = dict(ex)
        ex["caption"] = ex["caption"].decode("utf-8")
        yield ex


def load_examples(name, split, num, data_dir=None):
    """The first `num` examples of a split as numpy dicts (uint8 video, str caption)."""
    return list(iter_examples(load_builder(name, data_dir), split, num))
