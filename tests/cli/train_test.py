import json
import os
import re
import signal
import subprocess
import sys
import time

import keras
import pytest

from tf_t2v.cli.main import main
from tf_t2v.training import trainer


@pytest.fixture(scope="module")
def data_dir(tiny_data_dir):
    return tiny_data_dir


@pytest.fixture(autouse=True)
def float32_policy():
    yield
    keras.mixed_precision.set_global_policy("float32")
    keras.backend.clear_session()


def command(run_dir, data_dir, *extra):
    return ["train", "--preset", "tiny", "--run-dir", str(run_dir), "--data-dir", data_dir,
            "--progress", "epoch", *extra]


def test_train_writes_a_model_then_continues_where_it_stopped(data_dir, tmp_path, capfd):
    run_dir = tmp_path / "run"
    assert main(command(run_dir, data_dir, "--set", "train.steps=2")) == 0
    out = capfd.readouterr().out
    assert "2/2 - " in out and f"wrote {run_dir}/model.keras" in out  # one epoch of 2 steps
    model = keras.saving.load_model(str(run_dir / "model.keras"), compile=False)
    assert model.generate(["a large red circle moves slowly to the right"], seed=0).shape == (1, 4, 16, 16, 3)
    assert (run_dir / "vocabulary.txt").read_text().split()[0]

    # The same command with more steps resumes at epoch 2 instead of starting over.
    assert main(command(run_dir, data_dir, "--set", "train.steps=4")) == 0
    out = capfd.readouterr().out
    assert "Epoch 2/2" in out and "Epoch 1/2" not in out
    assert json.loads((run_dir / "backup" / "training_metadata.json").read_text())["epoch"] == 2
    assert sorted(os.listdir(run_dir / "checkpoints")) == ["ckpt-0001.keras", "ckpt-0002.keras", "latest"]
    assert "steps: 4" in (run_dir / "config.yaml").read_text()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--set", "train.stepz=3"], "Unknown config key 'train.stepz'; accepted keys: ["),
        (["--set", "data.batch_size=two"], "data.batch_size must be of type int; got 'two'"),
        (["--preset", "huge"], "Unknown preset 'huge'; accepted presets: ["),
        (["--config", "/nonexistent/run.yaml"], "Config file '/nonexistent/run.yaml' does not exist."),
        (["--config", "broken.yaml"], "Config file 'broken.yaml' is not valid YAML: while parsing a flow sequence"),
        (["--config", "latin1.yaml"], "Config file 'latin1.yaml' is not UTF-8 text (invalid continuation byte at byte 30)."),
        (["--config", "list.yaml"], "Config file 'list.yaml' must hold a mapping of keys; got list."),
        (["--config", "unknown.yaml"], "Unknown config key 'train.stepz'; accepted keys: ["),
        (["--config", "types.yaml"], "data.batch_size must be of type int; got [4]"),
        (["--set", "train.steps=[1"], "Cannot read the value of override 'train.steps=[1' as YAML"),
        (["--set", "train.steps"], "Overrides take the form key.subkey=value; got 'train.steps'."),
    ],
)
def test_configuration_errors_print_one_line(data_dir, tmp_path, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.yaml").write_text("train: [1, 2\n")
    (tmp_path / "latin1.yaml").write_bytes("train:\n  preview_prompts: [caf\u00e9]\n".encode("latin-1"))
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    (tmp_path / "unknown.yaml").write_text("train:\n  stepz: 3\n")
    (tmp_path / "types.yaml").write_text("data:\n  batch_size: [4]\n")
    assert main(command(tmp_path / "run", data_dir, *extra)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tf-t2v train: error: ") and message in err and "\n" not in err


def test_missing_dataset_prints_one_line(tmp_path, capsys):
    assert main(command(tmp_path / "run", str(tmp_path / "nothing_here"))) == 2
    err = capsys.readouterr().err.strip()
    assert "is not built in" in err and "tf-t2v data build moving_shapes" in err and "\n" not in err


def test_unwritable_run_dir_prints_one_line(data_dir, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert main(command(blocker / "run", data_dir)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tf-t2v train: error: Cannot create the run folder") and "\n" not in err


def test_a_second_train_on_a_run_folder_in_use_prints_one_line_naming_the_pid(data_dir, tmp_path, capsys):
    from tf_t2v.io.file_lock import FileLock

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with FileLock(run_dir / "train.lock"):  # as the first `tf-t2v train` holds it
        assert main(command(run_dir, data_dir)) == 2
    err = capsys.readouterr().err
    assert err == (f"tf-t2v train: error: The run folder '{run_dir}' is in use by another training process "
                   f"(pid {os.getpid()}, holding {run_dir}/train.lock); wait for it to end or stop it, or use "
                   "another --run-dir.\n")


def optimizer_steps(keras_file, optimizer="g_optimizer"):
    """The step counter of an optimizer stored in a `.keras` file (its variable 0, `iterations`)."""
    import io
    import zipfile

    import h5py

    with zipfile.ZipFile(keras_file) as archive:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as weights:
            return int(weights[optimizer]["vars"]["0"][()])


def test_a_killed_run_resumes_from_its_last_backup_with_the_same_command(data_dir, tmp_path):
    """SIGKILL once the first checkpoint is written; the same command resumes there and finishes."""
    run_dir = tmp_path / "run"
    epochs = 3  # of one step each; the critic is off to keep the run short
    argv = [sys.executable, "-m", "tf_t2v.cli.main", *command(
        run_dir, data_dir, "--set", f"train.steps={epochs}", "--set", "train.steps_per_epoch=1",
        "--set", "train.eval_every_steps=0", "--set", f"train.keep_checkpoints={epochs}",
        "--set", "model.adversarial_weight=0.0")]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    checkpoints = run_dir / "checkpoints"
    first = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 600
    while not (checkpoints / "ckpt-0001.keras").exists():  # renamed into place: complete when seen
        if first.poll() is not None:
            pytest.fail("the first run ended before its first checkpoint: " + first.stderr.read().decode()[-3000:])
        assert time.monotonic() < deadline, "no checkpoint after 10 minutes"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    assert first.returncode == -signal.SIGKILL
    assert (run_dir / "train.lock").read_text() == f"{first.pid}\n"  # its lock died with it: taken over below
    killed_after = trainer.backed_up_epoch(str(run_dir / "backup"))
    assert 1 <= killed_after < epochs
    first_checkpoint = os.stat(checkpoints / "ckpt-0001.keras")
    (run_dir / ".tmp-12345-model.keras").write_bytes(b"as a kill mid-save leaves it")
    assert optimizer_steps(checkpoints / "ckpt-0001.keras") == 1

    second = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"Resuming {run_dir} after epoch {killed_after} of {epochs}." in second.stderr
    # Only the epochs the killed run had not finished are trained, each once.
    started = [int(e) for e in re.findall(rf"^Epoch (\d+)/{epochs}$", second.stdout, re.MULTILINE)]
    assert started == list(range(killed_after + 1, epochs + 1))
    assert os.stat(checkpoints / "ckpt-0001.keras").st_mtime_ns == first_checkpoint.st_mtime_ns
    # The optimizer state continued: each checkpoint's step counter counts every step once.
    names = sorted(os.listdir(checkpoints))
    assert names == [f"ckpt-{e:04d}.keras" for e in range(1, epochs + 1)] + ["latest"]
    assert [optimizer_steps(checkpoints / n) for n in names[:-1]] == list(range(1, epochs + 1))
    assert optimizer_steps(run_dir / "model.keras") == epochs
    assert trainer.backed_up_epoch(str(run_dir / "backup")) == epochs
    leftovers = [os.path.join(folder, n) for folder, _, files in os.walk(run_dir) for n in files if ".tmp" in n]
    assert leftovers == []


def test_your_own_clips_build_train_export_and_generate(tmp_path, capfd):
    """The own-footage path end to end, through video decoding: captioned_videos from a folder of
    clips and a captions file, the general family trained on it, exported, and generating."""
    import numpy as np

    manual = os.path.join(os.path.dirname(trainer.__file__), "..", "..", "tfds_builders", "captioned_videos",
                          "dummy_data")
    data = str(tmp_path / "data")
    assert main(["data", "build", "captioned_videos", "--data-dir", data, "--manual-dir", manual,
                 "--num-frames", "4", "--size", "16"]) == 0
    run_dir = tmp_path / "run"
    assert main(["train", "--preset", "general_tiny", "--run-dir", str(run_dir), "--data-dir", data,
                 "--set", "data.name=captioned_videos/uniform_4x16x16", "--set", "data.resolution=null",
                 "--set", "data.num_frames=null", "--progress", "none"]) == 0
    export = tmp_path / "serving" / "clips"
    assert main(["export", "--model", str(run_dir / "model.keras"), "--out", str(export / "1")]) == 0
    metadata = json.loads((export / "1" / "assets.extra" / "tf_t2v.json").read_text())
    assert metadata["family"] == "general" and metadata["dataset"] == "captioned_videos/uniform_4x16x16"
    assert "square" in metadata["vocabulary"]
    out = str(tmp_path / "clip.npy")
    assert main(["generate", "a red square slides to the right", "--model", str(export), "-o", out,
                 "--seed", "3"]) == 0
    clip = np.load(out)
    assert clip.shape == (1, 4, 16, 16, 3) and clip.dtype == np.uint8


def test_the_help_lists_every_preset(capsys):
    from tf_t2v.cli import train as train_cli
    from tf_t2v.training import config as config_lib

    config_lib.get_preset("tiny")  # imports every family's presets
    assert sorted(train_cli.SPRITE_PRESETS + train_cli.GENERAL_PRESETS) == sorted(config_lib.PRESETS)
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for name in config_lib.PRESETS:
        assert re.search(rf"\b{name}\b", out), name
