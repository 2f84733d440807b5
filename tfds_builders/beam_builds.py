"""Apache Beam builds: a builder makes its examples in a Beam pipeline when the build asks for one.

A build asks for Beam by giving `tfds.download.DownloadConfig(beam_runner=...)` or
`beam_options=...` (the `tfds build --beam_pipeline_options` and `tf-t2v data build --beam`
ways); otherwise the examples are made in this process, as always, and apache-beam is not needed.
The examples do not depend on which way they were made.

Example:
```python
import apache_beam as beam
import tensorflow_datasets as tfds
from tfds_builders.scenes import Builder

options = beam.options.pipeline_options.PipelineOptions(["--runner=FnApiRunner"])
Builder(config="scenes_32", data_dir="tiny_data", split_sizes={"train": 8, "validation": 2,
        "test": 2, "test_unseen": 2}).download_and_prepare(
    download_config=tfds.download.DownloadConfig(beam_options=options))
```
"""

INSTALL = "pip install 'tf-t2v[beam]' (or apache-beam)"


def requested(download_config):
    """Whether a build with `download_config` (a `tfds.download.DownloadConfig` or None) runs on Beam."""
    return download_config is not None and (
        download_config.beam_runner is not None or download_config.beam_options is not None
    )


def import_beam():
    """The `apache_beam` module, or an ImportError that says how to install it."""
    try:
        import apache_beam
    except ImportError as e:
        raise ImportError(f"A Beam build needs Apache Beam, which is not installed: {INSTALL}.") from e
    return apache_beam


def fan_out(jobs, function, *args, tagged=()):
    """A `beam.PTransform` (pipeline -> (key, example) pairs): `function(job, *args)` yields the
    pairs of each job; the jobs are reshuffled first, so that a runner spreads them over workers.

    Args:
        jobs: list. Picklable job descriptions, e.g. (config name, split, chunk, count).
        function: picklable callable. job, *args -> iterable of (key, example), and of
            `beam.pvalue.TaggedOutput(tag, value)` for the tags in `tagged`.
        *args: picklable values passed to every call.
        tagged: tuple of str. Tags of further outputs; with any, the transform gives a
            `DoOutputsTuple` whose main output, `examples`, holds the pairs.
    """
    beam = import_beam()
    each = beam.FlatMap(function, *args)
    if tagged:
        each = each.with_outputs(*tagged, main="examples")
    return beam.Create(jobs) | beam.Reshuffle() | each
