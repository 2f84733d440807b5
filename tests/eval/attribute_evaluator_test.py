import numpy as np
import pytest

from tf_t2v.eval.attribute_evaluator import ATTRIBUTE_NAMES, AttributeEvaluator, canonical_order
from tf_t2v.eval.shipped_evaluators import load_evaluator
from tf_t2v.testing.test_case import TestCase
from tfds_builders.moving_shapes import render, spec
from tfds_builders.scenes import render as scenes_render
from tfds_builders.scenes import spec as scenes_spec
from tfds_builders.scenes.scenes_dataset_builder import sample_attributes as sample_scenes_attributes


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

    def test_scenes_settings_outputs_and_round_trip(self):
        attributes = {"time": 4, "camera": 5}
        evaluator = AttributeEvaluator(num_frames=4, size=16, num_read_frames=3, filters=[8, 8, 8], feature_dim=16,
                                       attributes=attributes, regress_start=False, frame_differences=True,
                                       first_stride=2, batch_norm=True, mean_pool=True, blur=0.5,
                                       per_frame_layers=2)
        video = np.random.default_rng(0).integers(0, 256, (3, 4, 16, 16, 3)).astype("uint8")
        out = evaluator(video, training=True)  # with noise and blur
        self.assertEqual(sorted(out), ["camera", "time"])
        self.assertEqual(tuple(out["camera"].shape), (3, 1, 5))
        read = evaluator.read(video)
        self.assertEqual(sorted(read), ["camera", "features", "time"])
        self.assertEqual(read["time"].shape, (3, 1))
        self.run_serialization_test(evaluator)
        self.run_keras_saving_test(evaluator, video, call=lambda m, x: m(x)["camera"])

    def test_frame_differences_see_motion_that_frames_alone_do_not(self):
        # Two clips with the same read frames (0 and 3) that differ in frame 1 only.
        evaluator = AttributeEvaluator(num_frames=4, size=8, num_read_frames=2, filters=[4], feature_dim=4,
                                       attributes={"camera": 5}, regress_start=False, frame_differences=True)
        video = np.zeros((2, 4, 8, 8, 3), "uint8")
        video[1, 1] = 200
        features = evaluator.read(video)["features"]
        self.assertGreater(np.abs(features[0] - features[1]).max(), 0)

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


def test_shipped_scenes_evaluator_reads_freshly_rendered_clips():
    rng = np.random.default_rng(123)
    attrs = sample_scenes_attributes(rng, 300, held_out=False)
    evaluator = load_evaluator("scenes_64")
    read = evaluator.read(scenes_render.render_clips(attrs, scenes_render.sample_scenes(rng, attrs), 64))
    scores = {name: float((read[name][:, 0] == attrs[:, i]).mean())
              for i, name in enumerate(scenes_spec.ATTRIBUTE_COLUMNS)}
    assert all(score >= 0.95 for score in scores.values()), scores
    assert evaluator.attribute_names == scenes_spec.ATTRIBUTE_COLUMNS
