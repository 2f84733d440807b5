import numpy as np

from tf_t2v.eval.hue_separated_evaluator import HueSeparatedEvaluator, hue_classes
from tf_t2v.eval.shipped_evaluators import load_evaluator
from tfds_builders.moving_shapes import render


def test_anti_aliased_edges_keep_their_hue_and_dark_pixels_are_background():
    pixels = np.array([[[[[255, 0, 0], [120, 0, 0], [30, 0, 0], [200, 200, 200], [0, 180, 180]]]]], np.uint8)
    np.testing.assert_array_equal(hue_classes(pixels)[0, 0, 0], [0, 0, -1, 6, 4])  # red red - white cyan


def test_double_64_evaluator_splits_objects_by_colour():
    evaluator = load_evaluator("double_64")
    assert isinstance(evaluator, HueSeparatedEvaluator) and evaluator.num_objects == 2
    # A red circle and a blue square far apart: each hue is one object, dark pixels background.
    attrs = np.array([[[0, 0, 1, 0, 0], [1, 2, 1, 1, 0]]])
    clip = render.render_clips(attrs, np.array([[[48.0, 16.0], [16.0, 48.0]]]), 64)
    classes = hue_classes(clip)
    assert set(np.unique(classes)) == {-1, 0, 2}
    read = evaluator.read(clip)
    np.testing.assert_array_equal(read["shape"], [[0, 1]])
    np.testing.assert_array_equal(read["color"], [[0, 2]])
    assert read["features"].shape == (1, 2 * evaluator.evaluator.feature_dim)
