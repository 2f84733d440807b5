import json

import numpy as np
import pytest

from tf_t2v.eval import load_evaluator
from tf_t2v.eval.digits_evaluation import digit_scores, evaluate_digits_model, markdown_report
from tf_t2v.eval.model_evaluation import write_reports
from tf_t2v.eval.shipped_evaluators import evaluator_path
from tf_t2v.testing.digits_rendering_model import DigitsRenderingModel

import os

shipped = pytest.mark.skipif(not os.path.exists(evaluator_path("moving_digits/single_64")),
                             reason="the shipped moving_digits reader is not in the tree")


def test_digit_scores_count_each_reading():
    read = {"digit": np.array([1, 2, 3, 4]), "axis": np.array([0, 1, 0, 1]),
            "bounce_error": np.array([0.0, 0.5, 3.0, 0.0]), "drift": np.array([0, 0, 0, 4])}
    labels = np.array([[1, 0], [2, 0], [3, 0], [9, 1]])
    assert digit_scores(read, labels) == {"digit": 0.75, "axis": 0.75, "bounce": 0.5, "all": 0.25}


@shipped
def test_a_model_that_renders_the_caption_scores_near_the_ceiling(digits_64_dir, tmp_path):
    result = evaluate_digits_model(DigitsRenderingModel(), "single_64", "test", data_dir=digits_64_dir,
                                   seeds=(0, 1), diversity_captions=4, diversity_seeds=8)
    assert result["captions"] == 24 and len(result["generated_per_seed"]) == 2
    for name in ("digit", "axis", "bounce", "all"):
        assert result["real"][name] >= 0.9, (name, result["real"])
        assert result["generated"][name] >= 0.85, (name, result["generated"])
    assert result["motion"]["real"]["bounce_error"] == 0.0
    assert abs(result["motion"]["generated"]["speed"] - 2.9) < 0.3
    assert result["diversity"]["generated_px"] > 3.0 and result["diversity"]["real_px"] > 3.0
    paths = write_reports(result, str(tmp_path / "report"), model_name="rendering model", markdown=markdown_report)
    assert json.loads(open(paths["json"]).read())["generated"] == result["generated"]
    assert "| real (ceiling) |" in open(paths["markdown"]).read()


@shipped
def test_wrong_axis_and_still_digits_are_caught(digits_64_dir):
    horizontal = evaluate_digits_model(DigitsRenderingModel(override={"axis": 0}), "single_64", "test",
                                       data_dir=digits_64_dir, seeds=(0,), diversity_captions=2, diversity_seeds=4)
    assert horizontal["generated"]["axis"] < 0.8 and horizontal["generated"]["digit"] >= 0.85
    still = evaluate_digits_model(DigitsRenderingModel(still=True), "single_64", "test", data_dir=digits_64_dir,
                                  seeds=(0,), diversity_captions=2, diversity_seeds=4)
    assert still["generated"]["bounce"] == 0.0 and still["motion"]["generated"]["speed"] == 0.0
    wrong = evaluate_digits_model(DigitsRenderingModel(override={"digit": 1}), "single_64", "test",
                                  data_dir=digits_64_dir, seeds=(0,), diversity_captions=2, diversity_seeds=4)
    assert wrong["generated"]["digit"] < 0.4
    assert wrong["frechet_distance"]["generated_vs_real"] > wrong["frechet_distance"]["real_vs_real"]


@shipped
def test_the_shipped_reader_is_a_digit_reader():
    reader = load_evaluator("moving_digits/single_64")
    assert type(reader).__name__ == "DigitReader" and "training images" in reader.description


def test_only_single_64_is_read(digits_64_dir):
    with pytest.raises(ValueError, match="reads single_64 clips"):
        evaluate_digits_model(DigitsRenderingModel(), "double_64", "test", data_dir=digits_64_dir)
