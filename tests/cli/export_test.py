import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "export"))
import tiny_text_to_video  # noqa: E402

import tf_t2v  # noqa: E402
from tf_t2v.cli.main import main  # noqa: E402


def test_export_writes_a_servable_version_and_models_config(tmp_path, capsys):
    a = tiny_text_to_video.artifacts()
    out = tmp_path / "saved_models" / "shapes" / "2"
    code = main(["export", "--model", a.keras_path, "--out", str(out), "--max-batch-size", "4",
                 "--warmup-prompt", "a red circle moves up"])
    assert code == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "docker run" in printed
    assert os.path.isfile(out / "saved_model.pb")
    assert os.path.isfile(out / "assets.extra" / "tf_serving_warmup_requests")
    assert 'base_path: "/models/shapes"' in (tmp_path / "saved_models" / "models.config").read_text()
    model = tf_t2v.load(str(out))
    assert model.max_batch_size == 4
    np.testing.assert_array_equal(
        model.generate(tiny_text_to_video.PROMPTS, seed=tiny_text_to_video.SEEDS), tiny_text_to_video.keras_clips()
    )
    # Without a version, the next one; an existing version needs --overwrite.
    assert main(["export", "--model", a.keras_path, "--out", str(out.parent)]) == 0
    assert sorted(os.listdir(out.parent)) == ["2", "3"]
    assert main(["export", "--model", a.keras_path, "--out", str(out)]) == 2
    assert "already exists; pass overwrite=True (--overwrite)" in capsys.readouterr().err


def test_export_errors_are_one_clear_line(tmp_path, capsys):
    assert main(["export", "--model", str(tmp_path / "none.keras"), "--out", str(tmp_path / "m" / "1")]) == 2
    assert capsys.readouterr().err.strip() == f"tf-t2v export: error: No model file at {str(tmp_path / 'none.keras')!r}."
    assert main(["export", "--model", str(tmp_path), "--out", str(tmp_path / "m" / "1")]) == 2
    assert "must be a .keras file" in capsys.readouterr().err


def test_export_refuses_files_that_are_not_models_and_unwritable_outputs(tmp_path, capsys):
    notes = tmp_path / "notes.keras"
    notes.write_text("a text file, not a model")
    assert main(["export", "--model", str(notes), "--out", str(tmp_path / "m" / "1")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tf-t2v export: error: {str(notes)!r} is not a Keras model file") and err.count("\n") == 1
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    out = str(blocker / "m" / "1")
    assert main(["export", "--model", tiny_text_to_video.artifacts().keras_path, "--out", out]) == 2
    err = capsys.readouterr().err
    assert err == f"tf-t2v export: error: Cannot write {out!r}: {str(blocker)!r} is a file, not a folder.\n"
    assert sorted(os.listdir(tmp_path)) == ["blocker", "notes.keras"]


def test_a_model_with_nan_weights_is_not_exported(tmp_path, capsys):
    gan = tiny_text_to_video.build_gan()
    variable = gan.ema_generator.weights[0]
    variable.assign(np.full(variable.shape, np.nan, variable.dtype))
    gan.save(tmp_path / "nan.keras")
    assert main(["export", "--model", str(tmp_path / "nan.keras"), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tf-t2v export: error: The model '{tmp_path}/nan.keras' has NaN or infinite weights in 1 ")
    assert err.count("\n") == 1 and not os.path.exists(tmp_path / "m")
