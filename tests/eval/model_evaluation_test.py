import json
import os

import cv2
import numpy as np
import pytest

from tf_t2v.eval import parse_caption
from tf_t2v.eval.shipped_evaluators import evaluator_path
from tf_t2v.eval.model_evaluation import evaluate_model, markdown_report, write_reports
from tfds_builders.moving_shapes import render, spec

pytestmark = pytest.mark.skipif(not os.path.exists(evaluator_path("single_64")),
                                reason="no evaluator shipped for single_64")


class RenderingModel:
    """Draws exactly what a caption says (the spec's renderer), at a start drawn from the seed.

    `color_shift` draws every object in the next colour instead: a model that gets colour wrong.
    """

    def __init__(self, color_shift=0):
        self.color_shift = color_shift

    def generate(self, prompts, seed=0):
        seeds = seed if isinstance(seed, list) else [seed + i for i in range(len(prompts))]
        clips = []
        for prompt, s in zip(prompts, seeds):
            label = parse_caption(prompt)
            attrs = np.array([[[label[a] for a in spec.ATTRIBUTES]]])
            attrs[..., 1] = (attrs[..., 1] + self.color_shift) % len(spec.COLORS)
            starts = render.sample_starts(np.random.default_rng(s), attrs, 64)
            clips.append(render.render_clips(attrs, starts, 64)[0])
        return np.stack(clips)


def test_a_model_that_draws_the_caption_scores_like_real_clips(single_64_dir, tmp_path):
    result = evaluate_model(RenderingModel(), "single_64", "test", data_dir=single_64_dir, seeds=(0, 1),
                            diversity_captions=4, diversity_seeds=8)
    assert result["captions"] == 24 and len(result["generated_per_seed"]) == 2
    for name in ("shape", "color", "size", "direction", "speed", "all"):
        assert result["generated"][name] >= 0.95, name
        assert result["real"][name] >= 0.95, name
    fd = result["frechet_distance"]
    assert fd["generated_vs_real"] < 2.0 * fd["real_vs_real"] + 1.0
    assert 0.6 < result["diversity"]["ratio"] < 1.6

    paths = write_reports(result, str(tmp_path / "report"), model_name="rendering model")
    data = json.loads(open(paths["json"]).read())
    assert data["generated"] == result["generated"] and data["model"] == "rendering model"
    assert "| real (ceiling) |" in open(paths["markdown"]).read()
    sheet = cv2.imread(paths["sheet"])
    assert sheet is not None and sheet.shape[0] > 16 * 64  # 8 captions, real and generated rows


def test_a_model_with_wrong_colours_fails_colour_only(single_64_dir):
    result = evaluate_model(RenderingModel(color_shift=1), "single_64", "test", data_dir=single_64_dir,
                            seeds=(0,), diversity_captions=2, diversity_seeds=4)
    assert result["generated"]["color"] <= 0.05
    assert result["generated"]["all"] <= 0.05
    assert result["generated"]["shape"] >= 0.95
    assert result["frechet_distance"]["generated_vs_real"] > result["frechet_distance"]["real_vs_real"]
    assert "| generated, seed 0 |" in markdown_report(result)


def test_bad_split_and_config_are_refused(single_64_dir):
    with pytest.raises(ValueError, match="Unknown split 'dev'"):
        evaluate_model(RenderingModel(), "single_64", "dev", data_dir=single_64_dir)
    with pytest.raises(ValueError, match="Unknown moving_shapes config"):
        evaluate_model(RenderingModel(), "triple_64", "test", data_dir=single_64_dir)


def test_a_model_of_another_size_is_refused(single_64_dir):
    class Small(RenderingModel):
        def generate(self, prompts, seed=0):
            return super().generate(prompts, seed)[:, :, ::2, ::2]

    with pytest.raises(ValueError, match="evaluate it on the config it was trained for"):
        evaluate_model(Small(), "single_64", "test", data_dir=single_64_dir, seeds=(0,), num=2)
