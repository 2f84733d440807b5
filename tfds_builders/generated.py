"""What the generated datasets share: seeds, PNG frames, shrinkable splits, render processes or Beam."""

import contextlib
import hashlib
import multiprocessing
import os

from absl import logging
import numpy as np
import tensorflow_datasets as tfds
from tqdm import tqdm

from tf_t2v.io.png import encode_png  # noqa: F401  (the builders' frame encoder: generated.encode_png)

from tfds_builders import beam_builds


def split_rng(dataset, config_name, split, chunk):
    """The random stream of one chunk of a split, seeded from names only (no Python hash())."""
    digest = hashlib.sha256(f"{dataset}/{config_name}/{split}".encode()).digest()
    entropy = int.from_bytes(digest[:16], "little")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([entropy, chunk])))


def label_index(attribute, names, value):
    """The ClassLabel index of `value` (a name in `names` or an index), or a ValueError naming
    what `attribute` accepts."""
    if isinstance(value, str):
        if value not in names:
            raise ValueError(f"Unknown {attribute} {value!r}; accepted: {list(names)}.")
        return names.index(value)
    index = int(value)
    if not 0 <= index < len(names):
        raise ValueError(f"{attribute} index {index} is out of range; accepted: 0..{len(names) - 1}.")
    return index


def validate_split_sizes(split_sizes, defaults):
    """The split sizes a builder makes: `defaults`, some of them shrunk by `split_sizes`."""
    sizes = dict(defaults)
    for split, size in (split_sizes or {}).items():
        if split not in sizes:
            raise ValueError(f"Unknown split {split!r} in split_sizes; accepted: {list(sizes)}.")
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= sizes[split]:
            raise ValueError(
                f"split_sizes[{split!r}] must be an int from 1 to {sizes[split]} (a split can only "
                f"shrink); got {size!r}."
            )
        sizes[split] = int(size)
    return sizes


class ShrinkableSplits:
    """Mixin for a generated `tfds.core.GeneratorBasedBuilder`: splits that can shrink.

    The builder sets `SPLIT_SIZES` (split name -> its specified size). The constructor takes
    `split_sizes` (dict split name -> int) shrinking some of them; a build's sizes are read back
    from its data_dir, and preparing into a data_dir that holds a build of other sizes raises
    ValueError instead of silently reusing it.
    """

    SPLIT_SIZES = {}

    def __init__(self, *, split_sizes=None, **kwargs):
        self._split_sizes = validate_split_sizes(split_sizes, self.SPLIT_SIZES)
        super().__init__(**kwargs)
        self._original_state["split_sizes"] = split_sizes  # So that pickling keeps the kwarg.
        built = self.built_split_sizes()
        # A builder made to read a build (no split_sizes) reads the sizes built: no warning.
        if split_sizes is not None and built is not None and built != self._split_sizes:
            logging.warning(
                "%s in %s was built with split sizes %s, not %s.",
                self.builder_config.name, self.data_dir, built, self._split_sizes,
            )

    @property
    def split_sizes(self):
        """The split sizes this builder generates: dict split name -> int."""
        return dict(self._split_sizes)

    @property
    def shrunk(self):
        """Whether some split is smaller than specified."""
        return self._split_sizes != self.SPLIT_SIZES

    def shrunk_description(self, description):
        """`description`, with a line naming the sizes when the build is shrunk."""
        if not self.shrunk:
            return description
        sizes = ", ".join(f"{k}={v}" for k, v in self._split_sizes.items())
        return f"{description}\n\nSHRUNK build, not the full dataset: {sizes}."

    def generated_info(self, features, fps):
        """The `tfds.core.DatasetInfo` of a generated clip dataset: `features` (dict), captions
        to videos as supervised keys, README.md, CITATIONS.bib and TAGS.txt beside the builder,
        and metadata `fps`, `split_sizes` and `shrunk`."""
        readme = self.get_metadata()
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.shrunk_description(readme.description),
            features=tfds.features.FeaturesDict(features),
            supervised_keys=("caption", "video"),
            citation=readme.citation,
            metadata=tfds.core.MetadataDict(fps=fps, split_sizes=self.split_sizes, shrunk=self.shrunk),
        )

    def built_split_sizes(self):
        """The split sizes of the build in data_dir, or None if nothing is built there."""
        if not (self.data_path / "dataset_info.json").exists():
            return None
        return {split: self.info.splits[split].num_examples for split in self.info.splits}

    def download_and_prepare(self, *args, **kwargs):
        built = self.built_split_sizes()
        if built is not None and built != self._split_sizes:
            raise ValueError(
                f"{self.data_dir} already holds {self.name}/{self.builder_config.name} built with "
                f"split sizes {built}, not the requested {self._split_sizes}; use another data_dir "
                "or delete that one."
            )
        return super().download_and_prepare(*args, **kwargs)


class ChunkWorkers:
    """Mixin for a generated builder whose splits are made in chunks: a pool of render processes.

    List it before `ShrinkableSplits` among the bases. The builder sets `CHUNK` (clips per
    chunk) and returns a split's examples from `chunk_examples`; during `download_and_prepare`
    the chunks are made in one pool of processes for the whole build, when more than one chunk
    needs it. The constructor takes `num_workers` (None: one process per CPU core; 1: in this
    process); the examples do not depend on it. A build whose `DownloadConfig` names a Beam
    runner or Beam options makes the chunks in that Beam pipeline instead (see `beam_builds`),
    the same examples again.
    """

    CHUNK = 64

    def __init__(self, *, num_workers=None, **kwargs):
        if num_workers is not None and (isinstance(num_workers, bool) or int(num_workers) != num_workers
                                        or num_workers < 1):
            raise ValueError(f"num_workers must be None or an int >= 1; got {num_workers!r}.")
        self._num_workers = num_workers
        self._pool = None
        self._beam = False
        super().__init__(**kwargs)
        self._original_state["num_workers"] = num_workers  # So that pickling keeps the kwarg.

    def download_and_prepare(self, *args, **kwargs):
        self._beam = beam_builds.requested(kwargs.get("download_config"))
        with self._workers():
            return super().download_and_prepare(*args, **kwargs)

    def chunk_examples(self, function, prefix, split, num_examples):
        """The (key, example) pairs of a split, chunk by chunk: a generator with a progress bar,
        or in a Beam build a `beam.PTransform` making one chunk per job.

        Args:
            function: picklable callable. Job `(*prefix, split, chunk, count)` -> the list of
                (key, example) pairs of the first `count` clips of chunk `chunk` of `split`.
            prefix: tuple. What `function` needs beside the split and chunk, e.g. the config name.
            split: str. The split.
            num_examples: int. Clips in the split: chunks of `CHUNK`, the last one cut short.
        """
        jobs = [(*prefix, split, chunk, min(self.CHUNK, num_examples - chunk * self.CHUNK))
                for chunk in range(-(-num_examples // self.CHUNK))]
        if self._beam:
            return beam_builds.fan_out(jobs, function)
        return self._chunks_in_processes(function, jobs, split, num_examples)

    def _chunks_in_processes(self, function, jobs, split, num_examples):
        results = self._pool.imap(function, jobs) if self._pool else map(function, jobs)
        with tqdm(total=num_examples, desc=f"{self.name}/{self.builder_config.name} {split}", unit=" clips",
                  leave=False) as progress:
            for examples in results:
                yield from examples
                progress.update(len(examples))

    @contextlib.contextmanager
    def _workers(self):
        chunks = max(-(-size // self.CHUNK) for size in self.split_sizes.values())
        if chunks <= 1 or self._num_workers == 1 or self._beam or self.built_split_sizes() is not None:
            yield
            return
        processes = min(int(self._num_workers or os.cpu_count() or 1), chunks)
        if processes <= 1:
            yield
            return
        # fork: a worker starts at once and re-runs no script (spawn would re-import __main__
        # and TensorFlow). Workers only run numpy and zlib, never the parent's TensorFlow.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with multiprocessing.get_context(method).Pool(processes) as pool:
            self._pool = pool
            try:
                yield
            finally:
                self._pool = None
