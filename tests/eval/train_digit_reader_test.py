import numpy as np

from tf_t2v.eval.train_digit_reader import augment, split_images, train_digit_reader
from tfds_builders.moving_digits import spec


def test_the_pools_are_the_specs_seen_and_unseen_images():
    seen_x, seen_y = split_images("seen")
    unseen_x, unseen_y = split_images("unseen")
    assert seen_x.shape == (4000, 28, 28, 1) and unseen_x.shape == (1000, 28, 28, 1)
    assert np.bincount(seen_y).tolist() == [spec.SEEN_IMAGES_PER_DIGIT] * 10
    assert np.bincount(unseen_y).tolist() == [100] * 10
    # No unseen image is among the seen ones.
    seen = {x.tobytes() for x in seen_x}
    assert not any(x.tobytes() in seen for x in unseen_x)


def test_augment_keeps_shape_and_range_and_changes_images():
    x, _ = split_images("unseen")
    out = augment(x[:50], np.random.default_rng(0))
    assert out.shape == (50, 28, 28, 1) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0 and not np.allclose(out, x[:50])


def test_one_epoch_reads_unseen_handwriting_far_above_chance():
    reader, accuracy = train_digit_reader(epochs=1, seed=0)
    assert accuracy > 0.5  # chance is 0.1
    assert "4000 training images" in reader.description
