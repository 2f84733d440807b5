"""`AtomicCheckpoint`: whole-model `.keras` files at epoch ends, never half written."""

import os
import re

import keras
import tensorflow as tf

from tf_t2v.io.files import full_disk_in_one_line, write_text_atomically
from tf_t2v.io.finite_weights import check_finite_weights

_NAME = re.compile(r"^ckpt-(\d+)\.keras$")
LATEST = "latest"  # text file holding the newest checkpoint's file name


def save_model_atomically(model, path):
    """`model.save(path)`, written to a temporary name in the same folder and then renamed.

    A reader never sees a partial file at `path`: it holds the previous version or the new one.
    A model with NaN or infinite weights (the EMA copies included) is refused: ValueError. A save
    that fills the disk (ENOSPC, EDQUOT, as Python or h5py reports it) is one OSError line, the
    temporary file removed.
    """
    check_finite_weights(model, type(model).__name__,
                         f"{path} is not written. Lower the learning rates or try another seed.")
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".tmp-{os.getpid()}-{name}")  # still ends in .keras, as save() requires
    with full_disk_in_one_line(path):
        try:
            model.save(tmp)
            tf.io.gfile.rename(tmp, path, overwrite=True)
        finally:
            if tf.io.gfile.exists(tmp):
                tf.io.gfile.remove(tmp)


class AtomicCheckpoint(keras.callbacks.Callback):
    """Saves the whole model (weights, optimizers, config) as `.keras` every N epochs.

    Files are named `ckpt-<epoch>.keras` (epochs counted from 1, zero-padded), written under a
    temporary name and renamed, so a run killed mid-save leaves no broken checkpoint. A text file
    `latest` names the newest one. Only the last `keep` checkpoints are kept.

    Args:
        directory: str. Folder of the checkpoints; any tf.io.gfile path. Created if missing.
        every_epochs: int. Save after every this many epochs.
        keep: int or None. Checkpoints kept; None keeps all.

    Example:
    ```python
    import keras, numpy as np
    from tf_t2v.training import AtomicCheckpoint

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=3, verbose=0,
              callbacks=[AtomicCheckpoint("runs/ckpts", keep=2)])
    AtomicCheckpoint.latest("runs/ckpts")  # 'runs/ckpts/ckpt-0003.keras'
    ```
    """

    def __init__(self, directory, every_epochs=1, keep=3):
        super().__init__()
        if int(every_epochs) < 1:
            raise ValueError(f"every_epochs must be an int >= 1; got {every_epochs!r}.")
        if keep is not None and int(keep) < 1:
            raise ValueError(f"keep must be an int >= 1 or None; got {keep!r}.")
        self.directory = os.fspath(directory)
        self.every_epochs = int(every_epochs)
        self.keep = None if keep is None else int(keep)

    @staticmethod
    def checkpoints(directory):
        """Paths of the complete checkpoints in `directory`, oldest first."""
        if not tf.io.gfile.isdir(directory):
            return []
        found = [(int(m.group(1)), name) for name in tf.io.gfile.listdir(directory)
                 if (m := _NAME.match(name.rstrip("/")))]
        return [os.path.join(directory, name) for _, name in sorted(found)]

    @staticmethod
    def latest(directory):
        """Path of the newest checkpoint in `directory`, or None."""
        pointer = os.path.join(directory, LATEST)
        if tf.io.gfile.exists(pointer):
            with tf.io.gfile.GFile(pointer, "r") as f:
                path = os.path.join(directory, f.read().strip())
            if tf.io.gfile.exists(path):
                return path
        found = AtomicCheckpoint.checkpoints(directory)
        return found[-1] if found else None

    def on_train_begin(self, logs=None):
        tf.io.gfile.makedirs(self.directory)
        for name in tf.io.gfile.listdir(self.directory):
            if name.startswith(".tmp-"):  # left by a run killed mid-save
                tf.io.gfile.remove(os.path.join(self.directory, name))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_epochs == 0:
            self.save(epoch + 1)

    def save(self, epoch):
        """Writes `ckpt-<epoch>.keras`, points `latest` at it and prunes old checkpoints."""
        name = f"ckpt-{epoch:04d}.keras"
        save_model_atomically(self.model, os.path.join(self.directory, name))
        write_text_atomically(os.path.join(self.directory, LATEST), name + "\n")
        if self.keep is not None:
            for path in self.checkpoints(self.directory)[:-self.keep]:
                tf.io.gfile.remove(path)
