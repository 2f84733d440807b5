import json

import numpy as np
import pytest

from tf_t2v.eval.matching_evaluation import evaluate_matching_model, load_matcher, markdown_report, r_precision
from tf_t2v.eval.model_evaluation import load_split, write_reports
from tf_t2v.training.train_text_video_matcher import TINY_SETTINGS, build_matcher, settings_from
from tf_t2v.testing.scenes_rendering_model import ScenesRenderingModel


class TableMatcher:
    """A stand-in matcher over "clips" that are caption numbers: caption i embeds as row i of
    `table`, clip j as row j of `clip_table`."""

    def __init__(self, captions, table, clip_table):
        self.index = {c: i for i, c in enumerate(captions)}
        self.table, self.clip_table = table, clip_table

    def embed_text(self, captions):
        return self.table[[self.index[c] for c in captions]]

    def embed_video(self, clips, batch_size=64):
        return self.clip_table[np.asarray(clips)]


CAPTIONS = [f"caption {i}" for i in range(300)]


def test_a_perfect_matcher_scores_one_and_a_constant_one_chance():
    eye = np.eye(300, dtype=np.float32)
    clips = np.arange(300)
    perfect = r_precision(TableMatcher(CAPTIONS, eye, eye), clips, CAPTIONS)
    assert perfect == {"r_precision": 1.0, "candidates": 100, "candidates_requested": 100, "clips": 300,
                       "distinct_captions": 300}
    constant = np.ones((300, 4), np.float32) / 2
    constant_score = r_precision(TableMatcher(CAPTIONS, constant, constant), clips, CAPTIONS)
    assert constant_score["r_precision"] == pytest.approx(0.01)  # every clip ties with its 99 candidates
    rng = np.random.default_rng(0)
    noise = TableMatcher(CAPTIONS, rng.normal(size=(300, 16)), rng.normal(size=(300, 16)))
    chance = r_precision(noise, clips, CAPTIONS, candidates=10)
    assert abs(chance["r_precision"] - 0.1) < 0.06
    assert r_precision(noise, clips, CAPTIONS, candidates=10) == chance  # the same seed, the same draw


def test_candidates_are_capped_by_the_distinct_captions():
    captions = [f"caption {i % 5}" for i in range(20)]  # 5 distinct captions, 4 clips each
    eye = np.eye(5, dtype=np.float32)
    matcher = TableMatcher(captions[:5], eye, eye)
    result = r_precision(matcher, np.arange(20) % 5, captions)
    assert result["candidates"] == 5 and result["candidates_requested"] == 100 and result["r_precision"] == 1.0
    # A matcher that puts every clip nearest caption 0: right for the clips of caption 0 only.
    wrong = TableMatcher(captions[:5], eye, np.tile(eye[:1], (5, 1)))
    assert r_precision(wrong, np.arange(20) % 5, captions)["r_precision"] == 0.2
    single = r_precision(matcher, np.zeros(3, int), ["caption 0"] * 3)
    assert single["r_precision"] is None and single["candidates"] == 1
    with pytest.raises(ValueError, match="one caption per clip; got 3 clips and 2 captions"):
        r_precision(matcher, np.zeros(3, int), ["caption 0"] * 2)
    with pytest.raises(ValueError, match="candidates must be an int >= 2"):
        r_precision(matcher, np.arange(20) % 5, captions, candidates=1)


def test_evaluate_matching_model_end_to_end(scenes_64_dir, tmp_path):
    examples = load_split("scenes/scenes_64", "train", None, scenes_64_dir)
    matcher = build_matcher([e["caption"] for e in examples], settings_from(TINY_SETTINGS), clip_shape=(16, 64, 64),
                            description="untrained, for a test")
    path = str(tmp_path / "matcher.keras")
    matcher.save(path)
    matcher = load_matcher(path)
    result = evaluate_matching_model(ScenesRenderingModel(), "scenes/scenes_64", "test", data_dir=scenes_64_dir,
                                     seeds=(0, 1), num=12, matcher=matcher)
    assert result["captions"] == 12 and result["seeds"] == [0, 1] and len(result["generated_per_seed"]) == 2
    assert result["candidates"] == result["distinct_captions"] <= 12
    for scores in (result["real"], result["generated"]):
        assert 0.0 <= scores["r_precision"] <= 1.0
    fd = result["frechet_distance"]
    assert fd["features"] == 16 and fd["generated_vs_real"] >= 0.0 and fd["real_vs_real"] >= 0.0
    assert len(result["sheet"]) == 8 and result["evaluator"] == "TextVideoMatcher (untrained, for a test)"

    paths = write_reports(result, str(tmp_path / "report"), model_name="rendering model", markdown=markdown_report)
    report = json.loads(open(paths["json"]).read())
    assert report["real"] == result["real"] and "sheet" not in report
    markdown = open(paths["markdown"]).read()
    assert "| real (ceiling) |" in markdown and f"among {result['candidates']} candidates" in markdown
    assert "Frechet distance to the real clips (matcher features, 16 wide)" in markdown


def test_a_matcher_is_required_and_must_be_one(scenes_64_dir, tmp_path):
    with pytest.raises(ValueError, match="python -m tf_t2v.training.train_text_video_matcher --dataset scenes/scenes_64"):
        evaluate_matching_model(ScenesRenderingModel(), "scenes/scenes_64", data_dir=scenes_64_dir)
    with pytest.raises(FileNotFoundError, match="No TextVideoMatcher file at"):
        load_matcher(str(tmp_path / "none.keras"))
