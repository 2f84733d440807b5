import json

import cv2
import numpy as np
import pytest

from tf_t2v.eval.model_evaluation import write_reports
from tf_t2v.eval.scenes_evaluation import (
    defaults_kept, evaluate_scenes_model, labels_and_named, markdown_report, named_scores, open_spread,
    temporal_change,
)
from tf_t2v.testing.scenes_rendering_model import ScenesRenderingModel
from tfds_builders.scenes import spec

NAMES = spec.ATTRIBUTE_COLUMNS
NIGHT = spec.TIMES.index("night")


def _example(named=(), **values):
    """A scenes example dict: attribute indices (default 0), `<attribute>_named` for `named`."""
    example = {name: values.get(name, 0) for name in NAMES}
    example.update({f"{name}_named": name in named for name in spec.NAMED_ATTRIBUTES})
    return example


def test_subject_and_heading_are_named_with_a_subject():
    labels, named = labels_and_named([_example(("time",), subject=1, heading=2), _example(("camera",))])
    np.testing.assert_array_equal(labels[0], [0, 0, 0, 1, 2, 0, 0])
    np.testing.assert_array_equal(named, [[1, 0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 1, 0]])


def test_named_accuracy_counts_only_the_clips_that_name_it():
    labels = np.zeros((4, 7), np.int64)
    named = np.zeros((4, 7), bool)
    named[:2, 0] = True  # time named by two clips
    read = labels.copy()
    read[0, 0] = 3  # one of them wrong
    read[2:, 1] = 4  # place wrong where nobody names it: does not count
    scores = named_scores(read, labels, named)
    assert scores["time"] == 0.5 and scores["place"] is None
    assert scores["all_named"] == 0.75


def test_defaults_kept_reads_the_unnamed_attributes_only():
    named = np.zeros((4, 7), bool)
    named[:, NAMES.index("weather")] = [True, True, False, False]
    read = np.zeros((4, 7), np.int64)
    read[:, NAMES.index("weather")] = [2, 3, 0, 4]  # named rain/snow ok; unnamed: clear, then fog
    read[3, NAMES.index("camera")] = 1  # a pan nobody asked for
    scores = defaults_kept(read, named)
    assert scores["weather"] == 0.5 and scores["camera"] == 0.75 and scores["style"] == 1.0
    assert scores["subject"] == 1.0 and scores["all"] == 0.75


def test_open_spread_tells_a_collapsed_model_from_real_variety():
    n, seeds = 30, 3
    named = np.ones((n, 7), bool)
    named[:, NAMES.index("place")] = False
    reads = np.zeros((seeds, n, 7), np.int64)  # always the ocean
    real = np.zeros((n, 7), np.int64)
    real[:, NAMES.index("place")] = np.arange(n) % 5
    spread = open_spread(reads, real, named)
    assert spread["time"] is None
    place = spread["place"]
    assert place["captions"] == n and place["generated_distinct"] == pytest.approx(1 / 3)
    assert place["real_distinct"] == 1.0 and place["generated_entropy_bits"] == 0.0
    assert place["real_entropy_bits"] == pytest.approx(np.log2(5))


def test_temporal_change_measures_flicker():
    static = np.full((2, 4, 8, 8, 3), 100, np.uint8)
    flicker = static.copy()
    flicker[:, 1::2] = 110
    assert temporal_change(static) == {"frame_change": 0.0, "brightness_change": 0.0}
    assert temporal_change(flicker) == {"frame_change": 10.0, "brightness_change": 10.0}


def test_a_model_that_renders_the_caption_scores_near_the_ceiling(scenes_64_dir, tmp_path):
    result = evaluate_scenes_model(ScenesRenderingModel(), "scenes_64", "test", data_dir=scenes_64_dir, seeds=(0, 1))
    assert result["captions"] == 24 and len(result["generated_per_seed"]) == 2
    for name in list(NAMES) + ["all_named"]:
        if result["real"][name] is not None:
            assert result["real"][name] >= 0.9, (name, result["real"])
            assert result["generated"][name] >= 0.85, (name, result["generated"])
    kept = result["defaults_kept"]
    assert kept["generated"]["all"] >= 0.9 and kept["real"]["all"] >= 0.9, kept
    place = result["open_spread"]["place"]
    if place is not None:  # unnamed places vary with the seed, as in real clips
        assert place["generated_distinct"] > 0.5
    fd = result["frechet_distance"]
    assert fd["generated_vs_real"] < 2.0 * fd["real_vs_real"] + 1.0, fd
    temporal = result["temporal"]
    assert abs(temporal["generated"]["frame_change"] - temporal["real"]["frame_change"]) < 0.5 * temporal["real"]["frame_change"]

    paths = write_reports(result, str(tmp_path / "report"), model_name="rendering model", markdown=markdown_report)
    data = json.loads(open(paths["json"]).read())
    assert data["generated"] == result["generated"] and data["model"] == "rendering model"
    text = open(paths["markdown"]).read()
    assert "| real (ceiling) |" in text and "Defaults kept" in text and "| place |" in text
    sheet = cv2.imread(paths["sheet"])
    assert sheet is not None and sheet.shape[0] > 16 * 64  # 8 captions, real and generated rows


def test_a_model_that_always_draws_night_fails_the_time_only(scenes_64_dir):
    result = evaluate_scenes_model(ScenesRenderingModel(override={"time": "night"}), "scenes_64", "test",
                                   data_dir=scenes_64_dir, seeds=(0,))
    generated = result["generated"]
    assert generated["time"] <= 0.5, generated
    for name in ("place", "weather", "subject", "heading", "camera", "style"):
        assert generated[name] is None or generated[name] >= 0.85, (name, generated)
    assert generated["all_named"] < result["real"]["all_named"] - 0.3
    assert result["frechet_distance"]["generated_vs_real"] > result["frechet_distance"]["real_vs_real"]
    assert "| generated, seed 0 |" in markdown_report(result)


def test_bad_split_config_and_clip_size_are_refused(scenes_64_dir):
    with pytest.raises(ValueError, match="Unknown split 'dev'"):
        evaluate_scenes_model(ScenesRenderingModel(), "scenes_64", "dev", data_dir=scenes_64_dir)
    with pytest.raises(ValueError, match="Unknown scenes config"):
        evaluate_scenes_model(ScenesRenderingModel(), "scenes_99", "test", data_dir=scenes_64_dir)
    with pytest.raises(ValueError, match="evaluate it on the config it was trained for"):
        evaluate_scenes_model(ScenesRenderingModel(size=32), "scenes_64", "test", data_dir=scenes_64_dir,
                              seeds=(0,), num=2)
