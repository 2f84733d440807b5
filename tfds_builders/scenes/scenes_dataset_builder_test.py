"""scenes builder: the TFDS checks, and tiny builds checked against the specification."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfds_builders.scenes import Builder
from tfds_builders.scenes import render
from tfds_builders.scenes import scenes_dataset_builder as sdb
from tfds_builders.scenes import spec

TINY = {"train": 6, "validation": 2, "test": 2, "test_unseen": 2}
SMALL = {"train": 40, "validation": 8, "test": 12, "test_unseen": 12}


class ScenesTest(tfds.testing.DatasetBuilderTestCase):
    """The standard TFDS builder checks on tiny builds of every config."""

    DATASET_CLASS = Builder
    SPLITS = TINY
    BUILDER_CONFIG_NAMES_TO_TEST = ["scenes_64", "scenes_32", "scenes_128"]

    def _make_builder(self, config=None):
        return self.dataset_class(data_dir=self.tmp_dir, config=config, version=self.VERSION, split_sizes=TINY)


def _build(data_dir, config, sizes, **kwargs):
    builder = Builder(config=config, data_dir=data_dir, split_sizes=sizes, **kwargs)
    builder.download_and_prepare()
    return builder


def _examples(builder, split):
    return list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("small"), "scenes_32", SMALL, num_workers=1)


def _attrs(example):
    return np.array([example[name] for name in spec.ATTRIBUTE_COLUMNS])


def test_features_and_metadata(small):
    ex = _examples(small, "train")[0]
    assert ex["video"].shape == (16, 32, 32, 3) and ex["video"].dtype == np.uint8
    assert isinstance(ex["caption"], bytes)
    for name, names in spec.ATTRIBUTES.items():
        assert small.info.features[name].names == list(names)
        assert ex[name].dtype == np.int64
    for name in spec.NAMED_ATTRIBUTES:
        assert ex[f"{name}_named"].dtype == np.bool_
    assert small.info.metadata["fps"] == spec.FPS
    assert small.info.metadata["split_sizes"] == SMALL and small.info.metadata["shrunk"] is True
    assert "SHRUNK" in small.info.description
    assert Builder(config="scenes_128", data_dir="unused").info.features["video"].shape == (16, 128, 128, 3)
    assert Builder(data_dir="unused").builder_config.name == "scenes_64"


def test_splits_respect_held_out_compositions_and_name_them_in_test_unseen(small):
    for split, size in SMALL.items():
        examples = _examples(small, split)
        assert len(examples) == size
        for ex in examples:
            held = spec.is_held_out(ex["place"], ex["time"], ex["weather"])
            assert held == (split == "test_unseen"), split
            if split == "test_unseen":
                assert ex["time_named"] and ex["place_named"] and ex["weather_named"]


def test_named_features_agree_with_the_caption_and_unnamed_are_defaults(small):
    for split in SMALL:
        for ex in _examples(small, split):
            parsed = spec.parse_caption(ex["caption"])
            for name in spec.NAMED_ATTRIBUTES:
                assert (name in parsed) == bool(ex[f"{name}_named"]), ex["caption"]
                value = spec.ATTRIBUTES[name][ex[name]]
                if name in parsed:
                    assert parsed[name] == value
                elif name in spec.DEFAULTS:
                    assert value == spec.DEFAULTS[name]
            subject = spec.SUBJECTS[ex["subject"]]
            assert parsed.get("subject", "none") == subject
            assert parsed.get("heading", "none") == spec.HEADINGS[ex["heading"]]


def test_stored_clips_are_the_rendered_clips(small):
    for split in ("train", "test_unseen"):
        attrs, scene, named, texts = sdb.sample_chunk("scenes_32", split, 0)  # all of SMALL's clips
        for ex in _examples(small, split)[:8]:  # stored in TFDS' shuffled order
            i = texts.index(ex["caption"].decode())
            np.testing.assert_array_equal(_attrs(ex), attrs[i])
            assert [ex[f"{n}_named"] for n in spec.NAMED_ATTRIBUTES] == list(named[i])
            np.testing.assert_array_equal(ex["video"], render.render_clip(attrs[i], render.scene_row(scene, i), 32))


def test_builds_are_deterministic_whatever_the_workers_and_sizes_only_truncate(tmp_path):
    sizes = {"train": sdb.CHUNK + 3, "validation": 1, "test": 1, "test_unseen": 1}
    one = _build(tmp_path / "one", "scenes_32", sizes, num_workers=1)
    two = _build(tmp_path / "two", "scenes_32", sizes, num_workers=2)
    a, b = _examples(one, "train"), _examples(two, "train")
    key = lambda ex: ex["caption"]
    for x, y in zip(sorted(a, key=key), sorted(b, key=key)):
        assert x.keys() == y.keys()
        for k in x:
            np.testing.assert_array_equal(x[k], y[k])
    smaller = _build(tmp_path / "smaller", "scenes_32", {"train": 5, "validation": 1, "test": 1, "test_unseen": 1})
    assert {ex["caption"] for ex in _examples(smaller, "train")} <= {ex["caption"] for ex in a}


def test_a_shrunk_build_is_never_taken_for_another(small):
    with pytest.raises(ValueError, match="already holds"):
        Builder(config="scenes_32", data_dir=small.data_dir_root).download_and_prepare()
    assert Builder(config="scenes_32", data_dir=small.data_dir_root).built_split_sizes() == SMALL


@pytest.mark.parametrize("kwargs, message", [
    ({"split_sizes": {"tain": 4}}, "Unknown split"),
    ({"split_sizes": {"train": 0}}, "from 1 to"),
    ({"split_sizes": {"train": 30_001}}, "can only shrink"),
    ({"num_workers": 0}, "num_workers"),
])
def test_bad_arguments_are_rejected(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Builder(config="scenes_32", data_dir=tmp_path, **kwargs)


def test_a_beam_build_is_the_default_build_bit_for_bit(tmp_path):
    beam = pytest.importorskip("apache_beam")
    sizes = {"train": sdb.CHUNK + 2, "validation": 1, "test": 1, "test_unseen": 1}  # train: 2 chunks
    default = _build(tmp_path / "default", "scenes_32", sizes, num_workers=1)
    on_beam = Builder(config="scenes_32", data_dir=tmp_path / "beam", split_sizes=sizes)
    # The in-process runner that Beam's DirectRunner uses for batch pipelines (the DirectRunner
    # itself first tries to download its Prism engine).
    options = beam.options.pipeline_options.PipelineOptions(["--runner=FnApiRunner"])
    on_beam.download_and_prepare(download_config=tfds.download.DownloadConfig(beam_options=options))
    files = sorted(p.name for p in default.data_path.iterdir())
    assert sorted(p.name for p in on_beam.data_path.iterdir()) == files
    for name in files:  # the records, dataset_info.json and features.json
        assert (on_beam.data_path / name).read_bytes() == (default.data_path / name).read_bytes(), name
