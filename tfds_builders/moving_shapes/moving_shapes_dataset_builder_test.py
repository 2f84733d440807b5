"""moving_shapes builder: the TFDS checks, and tiny builds measured against the specification."""

import re

import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfds_builders.moving_shapes import Builder
from tfds_builders.moving_shapes import moving_shapes_dataset_builder as msb
from tfds_builders.moving_shapes import render
from tfds_builders.moving_shapes import spec

TINY = {"train": 6, "validation": 2, "test": 2, "test_unseen": 2}
SMALL = {"train": 40, "validation": 8, "test": 8, "test_unseen": 8}


class MovingShapesTest(tfds.testing.DatasetBuilderTestCase):
    """The standard TFDS builder checks on tiny builds of every config."""

    DATASET_CLASS = Builder
    SPLITS = TINY
    BUILDER_CONFIG_NAMES_TO_TEST = ["single_64", "double_64"]

    def _make_builder(self, config=None):
        return self.dataset_class(data_dir=self.tmp_dir, config=config, version=self.VERSION, split_sizes=TINY)


def _build(data_dir, config, sizes):
    builder = Builder(config=config, data_dir=data_dir, split_sizes=sizes)
    builder.download_and_prepare()
    return builder


def _examples(builder, split):
    return list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("single"), "single_64", SMALL)


@pytest.fixture(scope="module")
def double(tmp_path_factory):
    return _build(tmp_path_factory.mktemp("double"), "double_64", SMALL)


def _objects(example):
    """(K, 5) attribute indices and (K, 2) starts of a decoded example."""
    attrs = np.stack([np.atleast_1d(example[name]) for name in spec.ATTRIBUTE_COLUMNS], axis=-1)
    return attrs, np.asarray(example["start"], np.float64).reshape(-1, 2)


def test_features_and_metadata(single, double):
    ex = _examples(single, "train")[0]
    assert ex["video"].shape == (16, 64, 64, 3) and ex["video"].dtype == np.uint8
    assert ex["start"].shape == (2,) and ex["start"].dtype == np.float32
    assert isinstance(ex["caption"], bytes)
    for name, names in spec.ATTRIBUTES.items():
        assert single.info.features[name].names == list(names)
    ex = _examples(double, "train")[0]
    assert ex["start"].shape == (2, 2) and ex["shape"].shape == (2,)
    assert single.info.metadata["fps"] == spec.FPS
    assert single.info.metadata["split_sizes"] == SMALL and single.info.metadata["shrunk"] is True
    assert "SHRUNK" in single.info.description


def test_stored_clips_are_the_rendered_clips_and_starts_match_measured_centroids(single):
    for split in ("train", "test_unseen"):
        for ex in _examples(single, split):
            attrs, start = _objects(ex)
            np.testing.assert_array_equal(ex["video"], render.render_clips(attrs[None], start[None], 64)[0])
            shape, size = attrs[0, 0], attrs[0, 2]
            e = spec.SIZE_HALF_EXTENT[spec.SIZES[size]] * 64
            a = ex["video"][0].max(axis=-1) / 255.0
            ys, xs = np.mgrid[:64, :64] + 0.5
            measured = np.array([(a * xs).sum(), (a * ys).sum()]) / a.sum()
            offset = np.array([0.0, e / 3.0 if spec.SHAPES[shape] == "triangle" else 0.0])
            np.testing.assert_allclose(measured, start[0] + offset, atol=0.2)
            # The color is the labelled one.
            rgb = spec.COLOR_RGB[spec.COLORS[attrs[0, 1]]]
            assert ((ex["video"] == rgb).all(axis=-1)).sum() > 16


def _held_out(attrs):
    return [spec.is_held_out(s, c, d) for s, c, _, d, _ in attrs]


@pytest.mark.parametrize("which", ["single", "double"])
def test_splits_respect_held_out_compositions(which, request):
    builder = request.getfixturevalue(which)
    for split in ("train", "validation", "test", "test_unseen"):
        examples = _examples(builder, split)
        assert len(examples) == SMALL[split]
        for ex in examples:
            held = _held_out(_objects(ex)[0])
            assert all(held) if split == "test_unseen" else not any(held), (split, held)


def test_double_objects_differ_and_captions_name_both(double):
    for ex in _examples(double, "train"):
        attrs, _ = _objects(ex)
        assert attrs[0, 0] != attrs[1, 0] and attrs[0, 1] != attrs[1, 1]
        caption = ex["caption"].decode()
        shapes = re.findall(r"\b(circle|square|triangle|diamond)\b", caption)
        assert shapes == [spec.SHAPES[s] for s in attrs[:, 0]], caption
        assert re.search(r"\b(while|and)\b (?!to the)", caption), caption


def test_captions_name_the_labels(single):
    for ex in _examples(single, "train"):
        caption = ex["caption"].decode()
        words = set(re.findall(r"[\w-]+", caption))
        assert spec.SHAPES[ex["shape"]] in words and spec.COLORS[ex["color"]] in words, caption
        assert any(w in caption.split() for w in spec.SIZE_WORDS[spec.SIZES[ex["size"]]]), caption
        assert any(p in caption for p in spec.SPEED_WORDS[spec.SPEEDS[ex["speed"]]]), caption
        assert any(p in caption for p in spec.DIRECTION_WORDS[spec.DIRECTIONS[ex["direction"]]]), caption


def test_builds_are_byte_identical_and_sizes_only_truncate(tmp_path, single):
    a = _build(tmp_path / "a", "single_64", SMALL)
    files = sorted(p.name for p in a.data_path.iterdir() if "tfrecord" in p.name)
    assert len(files) == 4
    for name in files + ["features.json", "metadata.json"]:
        assert (a.data_path / name).read_bytes() == (single.data_path / name).read_bytes(), name
    # A smaller build holds the first examples of the larger one.
    small = _build(tmp_path / "small", "single_64", {"train": 5, "validation": 1, "test": 1, "test_unseen": 1})
    big_captions = {ex["caption"] for ex in _examples(single, "train")}
    assert {ex["caption"] for ex in _examples(small, "train")} <= big_captions


def test_a_shrunk_build_is_never_taken_for_another(single):
    with pytest.raises(ValueError, match="already holds"):
        Builder(config="single_64", data_dir=single.data_dir_root).download_and_prepare()
    reloaded = Builder(config="single_64", data_dir=single.data_dir_root)
    assert reloaded.built_split_sizes() == SMALL
    assert reloaded.info.metadata["shrunk"] is True


@pytest.mark.parametrize("sizes, message", [
    ({"tain": 4}, "Unknown split"),
    ({"train": 0}, "from 1 to"),
    ({"train": 30_000}, "can only shrink"),
    ({"test": 2.5}, "must be an int"),
])
def test_bad_split_sizes_are_rejected(tmp_path, sizes, message):
    with pytest.raises(ValueError, match=message):
        Builder(config="single_32", data_dir=tmp_path, split_sizes=sizes)


def test_png_frames_round_trip():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, size=(3, 5, 7, 3), dtype=np.uint8)
    image = tfds.features.Image(shape=(5, 7, 3))
    for frame, png in zip(frames, msb.encode_png(frames)):
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        np.testing.assert_array_equal(image.decode_example_np(png), frame)
        np.testing.assert_array_equal(image.decode_example(png).numpy(), frame)
