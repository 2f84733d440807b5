import numpy as np
import pytest

from tf_t2v.eval.attribute_evaluator import (
    ATTRIBUTE_NAMES, AttributeEvaluator, canonical_order, load_evaluator,
)
from tf_t2v.testing.test_case import TestCase
from tfds_builders.moving_shapes import render, spec


def random_attributes(rng, n, num_objects):
    """(n, K, 5) valid moving_shapes attributes: distinct shapes and colours within a clip."""
    attrs = np.zeros((n, num_objects, 5), np.int64)
    for i in range(n):
        attrs[i, :, 0] = rng.choice(len(spec.SHAPES), num_objects, replace=False)
        attrs[i, :, 1] = rng.choice(len(spec.COLORS), num_objects, replace=False)
        for j, values in enumerate(list(spec.ATTRIBUTES.values())[2:], start=2):
            attrs[i, :, j] = rng.integers(0, len(values), num_objects)
    return attrs


class AttributeEvaluatorTest(TestCase):
    def test_outputs_and_round_trip(self):
        evaluator = AttributeEvaluator(num_objects=2, num_frames=4, size=16, filters=[8, 8], feature_dim=16)
        video = np.random.default_rng(0).integers(0, 256, (3, 4, 16, 16, 3)).astype("uint8")
        out = evaluator(video)
        for name, values in spec.ATTRIBUTES.items():
            self.assertEqual(tuple(out[name].shape), (3, 2, len(values)))
        self.assertEqual(tuple(out["start"].shape), (3, 2, 2))
        read = evaluator.read(video, batch_size=2)
        self.assertEqual(read["features"].shape, (3, 16))
        self.assertEqual(read["shape"].shape, (3, 2))
        self.run_keras_saving_test(evaluator, video, call=lambda m, x: m(x)["shape"])

    def test_canonical_order_sorts_objects_by_shape(self):
        np.testing.assert_array_equal(canonical_order(np.array([[3, 1], [0, 2]])), [[1, 0], [0, 1]])
        np.testing.assert_array_equal(canonical_order(np.array([2, 0])), [[0], [0]])


@pytest.mark.parametrize("config", ["single_64", "double_64"])
def test_shipped_evaluator_reads_freshly_rendered_real_clips(config):
    from tf_t2v.eval.model_evaluation import _canonical, attribute_scores

    num_objects, size = spec.CONFIGS[config]
    rng = np.random.default_rng(123)
    attrs = random_attributes(rng, 300, num_objects)
    starts = render.sample_starts(rng, attrs, size)
    read = load_evaluator(config).read(render.render_clips(attrs, starts, size))
    scores = attribute_scores(read, _canonical(attrs))
    # Two objects may hide each other, which caps what any reader can see.
    floor = 0.99 if num_objects == 1 else 0.95
    assert all(scores[name] >= floor for name in ATTRIBUTE_NAMES), scores
    assert scores["all"] >= (0.99 if num_objects == 1 else 0.85), scores
    if num_objects == 1:
        error = np.abs(read["start"] - starts)
        assert np.median(error) < 1.5, np.median(error)


def test_unknown_config_is_refused():
    with pytest.raises(ValueError, match="No attribute evaluator for moving_shapes/single_99"):
        load_evaluator("single_99")
