import errno
import os

import keras
import numpy as np
import pytest

from callbacks_helpers import RenderingModel, fit
from tf_t2v.training import AtomicCheckpoint


def test_atomic_checkpoint_keeps_the_last_n_and_points_at_the_newest(tmp_path):
    folder = os.path.join(str(tmp_path), "ckpts")
    model = RenderingModel()
    fit(model, [AtomicCheckpoint(folder, every_epochs=1, keep=2)], epochs=3)
    assert sorted(os.listdir(folder)) == ["ckpt-0002.keras", "ckpt-0003.keras", "latest"]
    assert AtomicCheckpoint.latest(folder) == os.path.join(folder, "ckpt-0003.keras")
    # A checkpoint is a whole model: weights and optimizer state.
    restored = keras.saving.load_model(AtomicCheckpoint.latest(folder), compile=False)
    np.testing.assert_allclose(restored.dense.kernel.numpy(), model.dense.kernel.numpy())


def test_atomic_checkpoint_every_n_epochs_and_cleans_temporary_files(tmp_path):
    folder = str(tmp_path)
    leftover = os.path.join(folder, ".tmp-123-ckpt-0001.keras")
    open(leftover, "w").close()
    fit(RenderingModel(), [AtomicCheckpoint(folder, every_epochs=2, keep=None)], epochs=4)
    assert sorted(os.listdir(folder)) == ["ckpt-0002.keras", "ckpt-0004.keras", "latest"]


FULL_DISK = ("Cannot write '{}': the disk is full (no partial file is left); free some space or write elsewhere.")


@pytest.mark.parametrize("error, message", [
    (OSError("broken pipe"), "broken pipe"),  # passed on as it is
    (OSError(errno.ENOSPC, "No space left on device"), FULL_DISK),
    (RuntimeError("Unable to synchronously write data (file write failed: errno = 28, error message = "
                  "'No space left on device')"), FULL_DISK),  # as h5py words it
], ids=["other", "full_disk", "full_disk_h5py"])
def test_atomic_checkpoint_failed_save_leaves_the_previous_checkpoint(tmp_path, error, message):
    folder = str(tmp_path)
    model = RenderingModel()
    callback = AtomicCheckpoint(folder)
    fit(model, [callback], epochs=1)

    def broken_save(path, *args, **kwargs):
        with open(path, "w") as f:
            f.write("half a file")
        raise error

    model.save = broken_save
    with pytest.raises(OSError) as info:
        callback.save(2)
    assert str(info.value) == message.format(os.path.join(folder, "ckpt-0002.keras"))
    assert sorted(os.listdir(folder)) == ["ckpt-0001.keras", "latest"]
    assert AtomicCheckpoint.latest(folder).endswith("ckpt-0001.keras")


def test_atomic_checkpoint_latest_without_pointer_and_empty(tmp_path):
    folder = str(tmp_path)
    assert AtomicCheckpoint.latest(folder) is None
    for name in ("ckpt-0009.keras", "ckpt-0010.keras", "other.keras"):
        open(os.path.join(folder, name), "w").close()
    assert AtomicCheckpoint.latest(folder).endswith("ckpt-0010.keras")
    with pytest.raises(ValueError, match="keep must be"):
        AtomicCheckpoint(folder, keep=0)


def test_a_model_with_nan_in_its_ema_copy_is_not_checkpointed(tmp_path):
    from tf_t2v.testing.tiny_models import tiny_gan

    gan = tiny_gan()
    gan.build()
    callback = AtomicCheckpoint(str(tmp_path))
    callback.set_model(gan)
    variable = gan.ema_generator.weights[0]
    variable.assign(np.full(variable.shape, np.nan, variable.dtype))
    with pytest.raises(ValueError, match=rf"^TextToVideoGAN has NaN or infinite weights in 1 of its \d+ variables "
                                         rf"\(ema_generator/{variable.path.split('/', 1)[1]}\); .*ckpt-0001.keras is not written\."):
        callback.save(1)
    assert os.listdir(tmp_path) == []
