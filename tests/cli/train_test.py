import json
import os
import signal
import subprocess
import sys
import time

import keras
import pytest

from tf_t2v.cli.main import main


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("tfds"))
    assert main(["data", "build", "moving_shapes", "--config", "single_32", "--data-dir", path,
                 "--sizes", "train=32,validation=8,test=8,test_unseen=8"]) == 0
    return path


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
        (["--preset", "huge"], "Unknown preset 'huge'; accepted presets: ['single_32', 'single_64', 'tiny']"),
        (["--config", "/nonexistent/run.yaml"], "Config file '/nonexistent/run.yaml' does not exist."),
    ],
)
def test_configuration_errors_print_one_line(data_dir, tmp_path, capsys, extra, message):
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


@pytest.mark.slow  # two training processes: about two minutes on 2 CPU cores
def test_a_killed_run_resumes_with_the_same_command(data_dir, tmp_path):
    run_dir = tmp_path / "run"
    argv = [sys.executable, "-m", "tf_t2v.cli.main", *command(run_dir, data_dir, "--set", "train.steps=6",
                                                                "--set", "train.eval_every_steps=0")]
    metadata = run_dir / "backup" / "training_metadata.json"
    first = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while not (metadata.exists() and json.loads(metadata.read_text() or "{}").get("epoch") == 1):
        assert first.poll() is None and time.time() < deadline, "the first run ended before its first backup"
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()

    second = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Epoch 1/3" not in second.stdout and "Epoch 2/3" in second.stdout
    assert "Resuming" in second.stderr
    assert (run_dir / "model.keras").exists()
