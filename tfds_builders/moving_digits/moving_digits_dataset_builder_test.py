"""moving_digits builder: the TFDS checks, and tiny builds checked against the specification."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfds_builders.moving_digits import Builder
from tfds_builders.moving_digits import moving_digits_dataset_builder as mdb
from tfds_builders.moving_digits import render
from tfds_builders.moving_digits import spec

TINY = {"train": 6, "validation": 2, "test": 2, "test_unseen": 2}
SMALL = {"train": 40, "validation": 8, "test": 16, "test_unseen": 16}
PER_DIGIT = ("digit", "axis", "source_index", "track")


class MovingDigitsTest(tfds.testing.DatasetBuilderTestCase):
    """The standard TFDS builder checks on tiny builds of every config."""

    DATASET_CLASS = Builder
    SPLITS = TINY
    BUILDER_CONFIG_NAMES_TO_TEST = ["single_64", "double_64"]

    def _make_builder(self, config=None):
        return self.dataset_class(data_dir=self.tmp_dir, config=config, version=self.VERSION, split_sizes=TINY)


def _build(data_dir, config, sizes, **kwargs):
    builder = Builder(config=config, data_dir=data_dir, split_sizes=sizes, **kwargs)
    builder.download_and_prepare()
    return builder


def _examples(builder, split):
    return list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))


def _digits(example):
    """The per-digit features of an example as lists, one entry per digit."""
    single = np.ndim(example["digit"]) == 0
    return {name: [example[name]] if single else list(example[name]) for name in PER_DIGIT}


@pytest.fixture(scope="module", params=["single_64", "double_64"])
def small(request, tmp_path_factory):
    return _build(tmp_path_factory.mktemp(request.param), request.param, SMALL, num_workers=1)


def test_features_and_metadata(small):
    k = spec.CONFIGS[small.builder_config.name]
    ex = _examples(small, "train")[0]
    assert ex["video"].shape == (16, 64, 64, 3) and ex["video"].dtype == np.uint8
    assert isinstance(ex["caption"], bytes)
    lead = () if k == 1 else (k,)
    assert np.shape(ex["digit"]) == lead and ex["digit"].dtype == np.int64
    assert np.shape(ex["axis"]) == lead and ex["axis"].dtype == np.int64
    assert np.shape(ex["source_index"]) == lead and ex["source_index"].dtype == np.int64
    assert ex["track"].shape == lead + (16, 2) and ex["track"].dtype == np.int32
    features = small.info.features
    if k == 1:
        assert features["digit"].names == list(spec.DIGITS) and features["axis"].names == ["horizontal", "vertical"]
    else:
        assert features["digit"].feature.names == list(spec.DIGITS)
        assert features["axis"].feature.names == ["horizontal", "vertical"]
    assert small.info.metadata["fps"] == 8
    assert small.info.metadata["split_sizes"] == SMALL and small.info.metadata["shrunk"] is True
    assert "SHRUNK" in small.info.description
    assert Builder(data_dir="unused").builder_config.name == "single_64"


def test_splits_respect_held_out_pairs(small):
    for split, size in SMALL.items():
        examples = _examples(small, split)
        assert len(examples) == size
        for ex in examples:
            d = _digits(ex)
            held = [spec.is_held_out(digit, axis) for digit, axis in zip(d["digit"], d["axis"])]
            if split == "test_unseen":
                assert any(held), split
            else:
                assert not any(held), split
            assert len(set(d["digit"])) == len(d["digit"])  # digits of a clip differ


def test_test_clips_show_only_the_last_100_images_of_each_digit(small):
    for split in SMALL:
        for ex in _examples(small, split):
            d = _digits(ex)
            for digit, source in zip(d["digit"], d["source_index"]):
                assert spec.source_digit(source) == digit
                assert source in spec.source_indices(digit, split)
                assert spec.is_unseen_source(source) == split.startswith("test"), (split, source)


def test_captions_name_the_labels(small):
    for split in SMALL:
        for ex in _examples(small, split):
            d = _digits(ex)
            expected = [{"digit": int(g), "axis": spec.AXES[a]} for g, a in zip(d["digit"], d["axis"])]
            assert spec.parse_caption(ex["caption"]) == expected, ex["caption"]


def test_stored_clips_are_the_source_images_along_the_tracks(small):
    images, _ = render.digit_images()
    for split in ("train", "test_unseen"):
        for ex in _examples(small, split)[:6]:
            d = _digits(ex)
            track = np.stack(d["track"])  # (K, T, 2)
            np.testing.assert_array_equal(ex["video"], render.render_clip(images[d["source_index"]], track))
            for axis, positions in zip(d["axis"], track):
                moving, fixed = positions[:, axis], positions[:, 1 - axis]
                assert (fixed == fixed[0]).all() and len(set(moving.tolist())) > 1
                assert np.abs(np.diff(moving)).max() <= 3 and 0 <= moving.min() and moving.max() <= 36


def test_builds_are_deterministic_whatever_the_workers_and_sizes_only_truncate(tmp_path):
    sizes = {"train": mdb.CHUNK + 3, "validation": 1, "test": 1, "test_unseen": 1}
    one = _build(tmp_path / "one", "double_64", sizes, num_workers=1)
    two = _build(tmp_path / "two", "double_64", sizes, num_workers=2)
    a, b = _examples(one, "train"), _examples(two, "train")
    key = lambda ex: (ex["caption"], tuple(ex["source_index"].tolist()))
    for x, y in zip(sorted(a, key=key), sorted(b, key=key)):
        assert x.keys() == y.keys()
        for k in x:
            np.testing.assert_array_equal(x[k], y[k])
    smaller = _build(tmp_path / "smaller", "double_64", {"train": 5, "validation": 1, "test": 1, "test_unseen": 1})
    assert {key(ex) for ex in _examples(smaller, "train")} <= {key(ex) for ex in a}


def test_a_shrunk_build_is_never_taken_for_another(small):
    config = small.builder_config.name
    with pytest.raises(ValueError, match="already holds"):
        Builder(config=config, data_dir=small.data_dir_root).download_and_prepare()
    assert Builder(config=config, data_dir=small.data_dir_root).built_split_sizes() == SMALL


@pytest.mark.parametrize("kwargs, message", [
    ({"split_sizes": {"tain": 4}}, "Unknown split"),
    ({"split_sizes": {"train": 0}}, "from 1 to"),
    ({"split_sizes": {"train": 20_001}}, "can only shrink"),
    ({"num_workers": 0}, "num_workers"),
])
def test_bad_arguments_are_rejected(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Builder(config="single_64", data_dir=tmp_path, **kwargs)
