import json
import os

import pytest

from tf_t2v.cli.main import main
from tf_t2v.eval.shipped_evaluators import evaluator_path
from tf_t2v.loading import default_model_path


def test_unknown_dataset_is_a_one_line_error(capsys):
    assert main(["evaluate", "--dataset", "mnist/single_64"]) == 2
    err = capsys.readouterr().err
    assert "--dataset must be one of moving_digits/single_64, moving_shapes/double_64" in err
    assert "moving_digits/double_64" not in err and "Traceback" not in err


def test_unbuilt_dataset_names_the_build_command(tmp_path, capsys):
    assert main(["evaluate", "--data-dir", str(tmp_path), "--num", "2", "--seeds", "1",
                 "--out", str(tmp_path / "r")]) == 2
    assert "tf-t2v data build moving_shapes" in capsys.readouterr().err


@pytest.mark.skipif(default_model_path() is None or not os.path.exists(evaluator_path("single_64")),
                    reason="needs the shipped model and evaluator")
def test_shipped_model_report(single_64_dir, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["evaluate", "--data-dir", single_64_dir, "--split", "test", "--num", "6",
                 "--seeds", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "moving_shapes/single_64 test: 6 captions x 2 seeds" in printed
    report = json.loads((out / "report.json").read_text())
    assert report["seeds"] == [0, 1] and report["captions"] == 6
    assert set(report["generated"]) == {"shape", "color", "size", "direction", "speed", "all"}
    assert (out / "report.md").exists() and (out / "samples.png").stat().st_size > 1000



@pytest.fixture
def rendering_model(monkeypatch):
    """`--model rendering` loads a `ScenesRenderingModel` (a model that draws what captions name)."""
    import tf_t2v.loading
    from tf_t2v.testing.scenes_rendering_model import ScenesRenderingModel

    real_load = tf_t2v.loading.load
    monkeypatch.setattr(tf_t2v.loading, "load",
                        lambda path: ScenesRenderingModel() if path == "rendering" else real_load(path))


def test_scenes_unbuilt_dataset_names_the_build_command(rendering_model, tmp_path, capsys):
    assert main(["evaluate", "--model", "rendering", "--dataset", "scenes/scenes_64", "--data-dir", str(tmp_path),
                 "--num", "2", "--seeds", "1", "--out", str(tmp_path / "r")]) == 2
    assert "tf-t2v data build scenes" in capsys.readouterr().err


def test_scenes_report(rendering_model, scenes_64_dir, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["evaluate", "--model", "rendering", "--dataset", "scenes/scenes_64", "--data-dir", scenes_64_dir,
                 "--split", "test_unseen", "--num", "6", "--seeds", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "scenes/scenes_64 test_unseen: 6 captions x 2 seeds" in printed and "defaults kept" in printed
    report = json.loads((out / "report.json").read_text())
    assert report["seeds"] == [0, 1] and report["captions"] == 6 and report["dataset"] == "scenes/scenes_64"
    assert set(report["generated"]) == {"time", "place", "weather", "subject", "heading", "camera", "style",
                                        "all_named"}
    # test_unseen names time, place and weather in every caption: nothing is left open.
    assert report["named"]["place"] == 6 and report["open_spread"]["place"] is None
    assert "Defaults kept" in (out / "report.md").read_text() and (out / "samples.png").stat().st_size > 1000


def test_captioned_videos_needs_a_matcher_and_a_model(tmp_path, capsys):
    args = ["evaluate", "--dataset", "captioned_videos/uniform_4x16x16", "--data-dir", str(tmp_path),
            "--out", str(tmp_path / "r")]
    assert main(args + ["--model", "model.keras"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tf-t2v evaluate: error: captioned_videos/uniform_4x16x16 has no attribute evaluator: "
                          "give --matcher PATH, a TextVideoMatcher trained on its train clips with `python -m "
                          "tf_t2v.training.train_text_video_matcher --dataset captioned_videos/uniform_4x16x16 "
                          f"--data-dir {tmp_path} --output matcher.keras`.")
    assert err.count("\n") == 1
    assert main(args + ["--matcher", "matcher.keras"]) == 2
    assert "--model is required for captioned_videos" in capsys.readouterr().err


def test_a_matcher_scores_by_r_precision(rendering_model, scenes_64_dir, tmp_path, capsys):
    from tf_t2v.training.train_text_video_matcher import TINY_SETTINGS, build_matcher, settings_from

    matcher = tmp_path / "matcher.keras"
    build_matcher(["a beautiful sunset over the ocean"], settings_from(TINY_SETTINGS)).save(str(matcher))
    out = tmp_path / "report"
    assert main(["evaluate", "--model", "rendering", "--dataset", "scenes/scenes_64", "--matcher", str(matcher),
                 "--data-dir", scenes_64_dir, "--num", "6", "--seeds", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "scenes/scenes_64 test: 6 captions x 1 seeds" in printed and "R-precision over 6 candidates" in printed
    report = json.loads((out / "report.json").read_text())
    assert set(report["generated"]) == {"r_precision"} and report["candidates"] == 6
    assert "R-precision" in (out / "report.md").read_text()
