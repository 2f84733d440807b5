import json
import os

import keras
import numpy as np
import pytest

from tf_t2v.training import AtomicBackupAndRestore

STEPS = 3  # per epoch


class Recorder(keras.callbacks.Callback):
    """Epochs run, and the weights and optimizer step the model starts fit with (after any restore)."""

    def on_train_begin(self, logs=None):
        self.epochs = []
        self.start_weights = [w.copy() for w in self.model.get_weights()]
        self.start_iterations = int(self.model.optimizer.iterations.numpy())

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def new_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


def fit(model, folder, epochs):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2 * STEPS, 2)), rng.normal(size=(2 * STEPS, 1))
    recorder = Recorder()
    model.fit(x, y, batch_size=2, epochs=epochs, shuffle=False, verbose=0,
              callbacks=[AtomicBackupAndRestore(folder), recorder])
    return recorder


def backed_up_once(folder, **kwargs):
    """A model and its callback, with the backup of epoch 1 written."""
    model = new_model()
    callback = AtomicBackupAndRestore(folder, **kwargs)
    callback.set_model(model)
    callback.save(1)
    return model, callback


def test_a_new_fit_resumes_after_the_last_finished_epoch_with_the_optimizer_state(tmp_path):
    folder = str(tmp_path / "backup")
    first = new_model(seed=1)
    assert fit(first, folder, epochs=2).epochs == [0, 1]
    assert sorted(os.listdir(folder)) == ["epoch-0002.weights.h5", "training_metadata.json"]
    assert json.loads((tmp_path / "backup" / "training_metadata.json").read_text())["epoch"] == 2

    second = new_model(seed=2)  # other initial weights: the restore must replace them
    recorder = fit(second, folder, epochs=4)
    assert recorder.epochs == [2, 3]
    assert recorder.start_iterations == 2 * STEPS
    for restored, trained in zip(recorder.start_weights, first.get_weights()):
        np.testing.assert_array_equal(restored, trained)
    assert int(second.optimizer.iterations.numpy()) == 4 * STEPS
    assert AtomicBackupAndRestore.finished_epochs(folder) == 4
    assert sorted(os.listdir(folder)) == ["epoch-0004.weights.h5", "training_metadata.json"]


def test_files_of_a_run_killed_mid_backup_do_not_count(tmp_path):
    folder = tmp_path / "backup"
    model = new_model(seed=1)
    fit(model, str(folder), epochs=2)
    epoch_2 = [w.copy() for w in model.get_weights()]
    # Killed after epoch 3's weights were renamed into place but before the metadata was replaced,
    # and while writing both under temporary names.
    model.layers[0].kernel.assign(model.layers[0].kernel + 1.0)
    model.save_weights(str(folder / "epoch-0003.weights.h5"))
    (folder / ".tmp-99-epoch-0003.weights.h5").write_bytes(b"\x89HDF\r\n half a file")
    (folder / ".tmp-99-training_metadata.json").write_text('{"epo')

    recorder = fit(new_model(seed=2), str(folder), epochs=3)
    assert recorder.epochs == [2]  # epoch 3 is trained once, from epoch 2's state
    for restored, saved in zip(recorder.start_weights, epoch_2):
        np.testing.assert_array_equal(restored, saved)
    assert recorder.start_iterations == 2 * STEPS
    assert sorted(os.listdir(folder)) == ["epoch-0003.weights.h5", "training_metadata.json"]


def test_a_failed_backup_leaves_the_previous_one(tmp_path):
    folder = str(tmp_path)
    model, callback = backed_up_once(folder)

    def broken_save_weights(path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"half a file")
        raise OSError("disk full")

    model.save_weights = broken_save_weights
    with pytest.raises(OSError, match="disk full"):
        callback.save(2)
    assert sorted(os.listdir(folder)) == ["epoch-0001.weights.h5", "training_metadata.json"]
    assert AtomicBackupAndRestore.read(folder) == (1, os.path.join(folder, "epoch-0001.weights.h5"))


def test_a_keras_backup_and_restore_folder_is_read(tmp_path):
    folder = str(tmp_path)
    model = new_model(seed=1)
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(6, 2)), rng.normal(size=(6, 1)), batch_size=2, epochs=1, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(folder, delete_checkpoint=False, double_checkpoint=True)])
    recorder = fit(new_model(seed=2), folder, epochs=2)
    assert recorder.epochs == [1] and recorder.start_iterations == STEPS
    assert sorted(os.listdir(folder)) == ["epoch-0002.weights.h5", "training_metadata.json"]


def test_unreadable_backups_say_what_to_do(tmp_path):
    folder = tmp_path / "backup"
    folder.mkdir()
    assert AtomicBackupAndRestore.read(str(folder)) == (0, None)
    (folder / "training_metadata.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"backup/training_metadata.json cannot be read .* Remove .*backup to start the run over"):
        fit(new_model(), str(folder), epochs=1)
    (folder / "training_metadata.json").write_text('{"epoch": 3, "weights": "epoch-0003.weights.h5"}')
    with pytest.raises(ValueError, match="names .*epoch-0003.weights.h5, which does not exist"):
        AtomicBackupAndRestore.finished_epochs(str(folder))
    other = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    other.compile("adam", "mse")
    other.save_weights(str(folder / "epoch-0003.weights.h5"))
    with pytest.raises(ValueError, match="Cannot restore the backup .*epoch-0003.weights.h5 into Sequential"):
        fit(new_model(), str(folder), epochs=4)


@pytest.mark.parametrize("edit, message", [
    ({"epoch": 99}, r"says 99 epochs are finished but names the weights of epoch 2 \(epoch-0002.weights.h5\)"),
    ({"epoch": -3}, r"says -3 epochs are finished; the count is >= 0"),
    ({"weights": "../elsewhere/epoch-0002.weights.h5"}, r"names the weights file '../elsewhere/.*', which is not a file of"),
    ({"weights": "/tmp/epoch-0002.weights.h5"}, r"names the weights file '/tmp/.*', which is not a file of"),
    ({"epoch": "2"}, r"cannot be read \(TypeError: epoch '2' is not an integer\)"),
])
def test_edited_metadata_is_refused_naming_the_file_and_the_fix(tmp_path, edit, message):
    folder = tmp_path / "backup"
    fit(new_model(seed=1), str(folder), epochs=2)
    path = folder / "training_metadata.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **edit}))
    with pytest.raises(ValueError, match=f"^The backup {path} {message}.*[Rr]emove {folder} to start the run over"):
        AtomicBackupAndRestore.finished_epochs(str(folder))


def test_the_epoch_and_step_counter_are_checked_against_the_weights(tmp_path):
    folder = tmp_path / "backup"
    fit(new_model(seed=1), str(folder), epochs=2)
    path = folder / "training_metadata.json"
    metadata = json.loads(path.read_text())
    assert metadata["iterations"] == 2 * STEPS
    path.write_text(json.dumps({**metadata, "iterations": 40}))
    with pytest.raises(ValueError, match=rf"records 40 optimizer steps but its weights .*epoch-0002.weights.h5 hold {2 * STEPS}: correct"):
        fit(new_model(), str(folder), epochs=4)
    # A Keras-style name carries no epoch: the step counter bounds it.
    (folder / "epoch-0002.weights.h5").rename(folder / "latest.weights.h5")
    path.write_text(json.dumps({"epoch": 99, "weights": "latest.weights.h5"}))
    with pytest.raises(ValueError, match=rf"says 99 epochs are finished but its weights .* hold {2 * STEPS} optimizer steps"):
        fit(new_model(), str(folder), epochs=100)


def test_extra_metadata_is_recorded_with_every_backup(tmp_path):
    folder = str(tmp_path / "backup")
    backed_up_once(folder, metadata={"vocabulary_sha256": "abc"})
    assert AtomicBackupAndRestore.read_metadata(folder)["vocabulary_sha256"] == "abc"
    assert AtomicBackupAndRestore.read_metadata(str(tmp_path / "none")) == {}


def test_non_finite_weights_are_not_backed_up(tmp_path):
    folder = str(tmp_path / "backup")
    model, callback = backed_up_once(folder)
    model.layers[1].bias.assign([np.nan])
    with pytest.raises(ValueError, match=r"^Sequential after epoch 2 has NaN or infinite weights in 1 of its 4 "
                                         r"variables \(sequential/dense_\d+/bias\); it is not backed up .* still "
                                         r"holds the state after epoch 1\."):
        callback.save(2)
    assert AtomicBackupAndRestore.read(folder) == (1, os.path.join(folder, "epoch-0001.weights.h5"))


def test_a_disk_without_room_for_the_backup_is_one_line_before_any_write(tmp_path, monkeypatch):
    import collections
    import errno
    import shutil

    folder = str(tmp_path)
    model, callback = backed_up_once(folder)
    written = []
    model.save_weights = lambda path, *args, **kwargs: written.append(path)  # h5py is never reached
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(OSError, match="the disk is full") as raised:
        callback.save(2)
    assert raised.value.errno == errno.ENOSPC and "\n" not in str(raised.value)
    assert written == []
    assert sorted(os.listdir(folder)) == ["epoch-0001.weights.h5", "training_metadata.json"]


def test_a_full_disk_during_the_backup_write_is_the_one_line_error(tmp_path):
    import errno

    folder = str(tmp_path)
    model, callback = backed_up_once(folder)

    def full(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    model.save_weights = full
    with pytest.raises(OSError, match="the disk is full"):
        callback.save(2)
    assert AtomicBackupAndRestore.read(folder) == (1, os.path.join(folder, "epoch-0001.weights.h5"))
