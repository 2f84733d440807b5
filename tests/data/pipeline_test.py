import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.data import pipeline
from tf_t2v.testing.tiny_data import TINY_SPLITS
from tfds_builders.moving_shapes import spec


@pytest.fixture
def data_dir(tiny_data_dir):
    return tiny_data_dir


def test_batches_have_static_shapes_and_float_videos(data_dir):
    ds = pipeline.make_dataset("moving_shapes/single_32", "train", 8, data_dir=data_dir, drop_remainder=True)
    spec_ = ds.element_spec
    assert spec_["video"].shape.as_list() == [8, 16, 32, 32, 3]
    assert spec_["video"].dtype == tf.float32
    assert spec_["caption"].shape.as_list() == [8]
    assert spec_["caption"].dtype == tf.string
    batches = list(ds)
    assert len(batches) == TINY_SPLITS["train"] // 8
    video = batches[0]["video"].numpy()
    assert video.min() >= -1.0 and video.max() <= 1.0
    assert video.min() == -1.0 and video.max() == 1.0  # black background, full-intensity colour


def test_remainder_is_kept_unless_dropped(data_dir):
    sizes = [int(b["video"].shape[0]) for b in pipeline.make_dataset(
        "moving_shapes/single_32", "test", 3, data_dir=data_dir, shuffle=False)]
    n = TINY_SPLITS["test"]
    assert sizes == [3] * (n // 3) + [n % 3]


def test_deterministic_order_for_a_seed(data_dir):
    def captions():
        ds = pipeline.make_dataset(
            "moving_shapes/single_32", "train", 4, data_dir=data_dir, deterministic=True, seed=3,
            augment=("hflip", "reverse"))
        return [c for b in ds for c in b["caption"].numpy().tolist()]

    assert captions() == captions()


def test_keys_filter_keeps_video_and_caption(data_dir):
    ds = pipeline.make_dataset("moving_shapes/single_32", "test", 2, data_dir=data_dir, keys=["start"])
    assert set(ds.element_spec) == {"video", "caption", "start"}


def test_unbuilt_dataset_names_the_build_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="tf-t2v data build moving_shapes"):
        pipeline.make_dataset("moving_shapes/single_32", "train", 2, data_dir=str(tmp_path))


def test_unknown_augmentation_is_refused():
    with pytest.raises(ValueError, match="hflip"):
        pipeline.make_dataset("moving_shapes/single_32", "train", 2, augment=("rotate",))


def test_swap_words_swaps_whole_words_both_ways():
    out = pipeline.swap_words(
        tf.constant(["left then right, leftward; bright lefty up-left"]), spec.HFLIP_WORDS
    ).numpy()[0].decode()
    assert out == "right then left, rightward; bright lefty up-right"


def _example(data_dir):
    """One test example as the pipeline gives it (float video in [-1, 1])."""
    ex = next(iter(pipeline.make_dataset(
        "moving_shapes/single_32", "test", 1, data_dir=data_dir, shuffle=False).unbatch()))
    return {k: v for k, v in ex.items()}


def _centroids(video):
    """Brightness-weighted centroid (x, y) per frame of a float clip in [-1, 1], in pixels."""
    weight = (video.max(-1) + 1.0) / 2.0  # (T, H, W)
    ys, xs = np.mgrid[: video.shape[1], : video.shape[2]] + 0.5
    total = weight.sum((1, 2))
    return np.stack([(weight * xs).sum((1, 2)) / total, (weight * ys).sum((1, 2)) / total], -1)


def test_hflip_keeps_caption_labels_and_start_true(data_dir):
    ex = _example(data_dir)
    out = pipeline.hflip(ex)
    np.testing.assert_array_equal(out["video"].numpy(), ex["video"].numpy()[:, :, ::-1])
    assert int(out["direction"]) == spec.HFLIP_DIRECTION[int(ex["direction"])]
    assert out["caption"].numpy().decode() == spec.hflip_caption(ex["caption"].numpy().decode())
    # The measured first-frame centre of the flipped clip is the new start.
    first = _centroids(out["video"].numpy())[0]
    np.testing.assert_allclose(first[0], out["start"].numpy()[0], atol=0.6)


def test_reverse_time_moves_start_to_the_old_end(data_dir):
    examples = pipeline.make_dataset(
        "moving_shapes/single_32", "test", 1, data_dir=data_dir, shuffle=False).unbatch()
    checked = 0
    for ex in examples:
        out = pipeline.reverse_time(ex)
        assert int(out["direction"]) == spec.REVERSE_DIRECTION[int(ex["direction"])]
        assert out["caption"].numpy().decode() == spec.reverse_caption(ex["caption"].numpy().decode())
        if ex["shape"] != spec.SHAPES.index("triangle"):  # a triangle's centroid is not its centre
            np.testing.assert_allclose(_centroids(out["video"].numpy())[0], out["start"].numpy(), atol=0.6)
            checked += 1
    assert checked > 0
