"""`AtomicBackupAndRestore`: the training state at every epoch end, restored when training starts again."""

import errno
import json
import logging
import math
import os
import re
import shutil

import keras
import numpy as np
import tensorflow as tf

from tf_t2v.io.files import disk_full_error, full_disk_in_one_line, is_remote, write_text_atomically
from tf_t2v.io.finite_weights import check_finite_weights

METADATA = "training_metadata.json"  # the name keras.callbacks.BackupAndRestore gives it
KERAS_WEIGHTS = "latest.weights.h5"  # keras.callbacks.BackupAndRestore's weights, still read
_WEIGHTS = re.compile(r"^epoch-(\d+)\.weights\.h5$")
_TEMPORARY = ".tmp-"


class AtomicBackupAndRestore(keras.callbacks.Callback):
    """Backs up the model and optimizer state at every epoch end; the next `fit` resumes from it.

    `keras.callbacks.BackupAndRestore(save_freq="epoch")` with crash-safe files. Keras writes its
    weights and then its metadata in place, so a kill between or during the two writes leaves a
    backup that repeats an epoch or cannot be read. Here the weights (model and optimizer
    variables) are written to `epoch-<N>.weights.h5` under a temporary name and renamed, then
    `training_metadata.json` (`{"epoch": N, "weights": "epoch-<N>.weights.h5"}`) is replaced by a
    rename: that rename commits the backup, and the older weights file is removed only after it.
    The metadata also records the optimizer's step counter (`"iterations"`) and any `metadata`
    given; what it says is checked, not trusted: an epoch below 0, a weights file outside the
    folder or of another epoch, and a step counter other than the weights' are refused. A model
    with NaN or infinite weights is not backed up: fit stops, the previous backup stays.
    Killed at any moment, a run leaves metadata naming complete weights of the same epoch, and
    resumes after the last finished epoch with its step counters and optimizer moments, never
    repeating or skipping an epoch. A folder written by `keras.callbacks.BackupAndRestore` is
    read too.

    Args:
        backup_dir: str. Folder of the backup; any tf.io.gfile path. Created if missing.
        metadata: dict or None. Plain-JSON facts recorded with every backup (the trainer records
            its vocabulary's digest there), read back by `read_metadata`.

    Example:
    ```python
    import keras, numpy as np
    from tf_t2v.training.atomic_backup_and_restore import AtomicBackupAndRestore

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    data = np.zeros((4, 2)), np.zeros((4, 1))
    model.fit(*data, epochs=2, verbose=0, callbacks=[AtomicBackupAndRestore("runs/backup")])
    # A new process running the same lines with epochs=4 trains epochs 3 and 4 only.
    AtomicBackupAndRestore.finished_epochs("runs/backup")  # 2
    ```
    """

    def __init__(self, backup_dir, metadata=None):
        super().__init__()
        if not backup_dir:
            raise ValueError("backup_dir must name a folder; got an empty path.")
        self.backup_dir = os.fspath(backup_dir)
        self.metadata = dict(metadata or {})

    @staticmethod
    def read_metadata(backup_dir):
        """The metadata dict of the backup in `backup_dir` ({} if there is none)."""
        path = os.path.join(backup_dir, METADATA)
        if not tf.io.gfile.exists(path):
            return {}
        with tf.io.gfile.GFile(path, "r") as f:
            text = f.read()
        try:
            metadata = json.loads(text)
            if not isinstance(metadata, dict):
                raise TypeError(f"a JSON {type(metadata).__name__}, not an object")
            epoch = metadata["epoch"]
            if isinstance(epoch, bool) or not isinstance(epoch, int):
                raise TypeError(f"epoch {epoch!r} is not an integer")
            name = metadata.get("weights", KERAS_WEIGHTS)
            if not isinstance(name, str):
                raise TypeError(f"weights {name!r} is not a file name")
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(
                f"The backup {path} cannot be read ({type(e).__name__}: {e}); it should hold "
                f'{{"epoch": N, "weights": FILE}}. Remove {backup_dir} to start the run over.'
            ) from None
        start_over = f"correct it, or remove {backup_dir} to start the run over."
        if epoch < 0:
            raise ValueError(f"The backup {path} says {epoch} epochs are finished; the count is >= 0: {start_over}")
        if name in ("", ".", "..") or os.path.basename(name) != name or "/" in name or "\\" in name:
            raise ValueError(
                f"The backup {path} names the weights file {name!r}, which is not a file of {backup_dir}: {start_over}"
            )
        match = _WEIGHTS.match(name)
        if match and int(match.group(1)) != epoch:
            raise ValueError(
                f"The backup {path} says {epoch} epochs are finished but names the weights of epoch "
                f"{int(match.group(1))} ({name}): {start_over}"
            )
        return metadata

    @staticmethod
    def read(backup_dir):
        """(finished epochs, path of their weights file or None) of the backup in `backup_dir`."""
        metadata = AtomicBackupAndRestore.read_metadata(backup_dir)
        if not metadata:
            return 0, None
        path = os.path.join(backup_dir, METADATA)
        epoch = metadata["epoch"]
        weights = os.path.join(backup_dir, metadata.get("weights", KERAS_WEIGHTS))
        if not tf.io.gfile.exists(weights):
            if epoch:
                raise ValueError(
                    f"The backup {path} names {weights}, which does not exist; remove {backup_dir} "
                    "to start the run over."
                )
            weights = None
        return epoch, weights

    @staticmethod
    def finished_epochs(backup_dir):
        """Epochs finished according to the backup in `backup_dir` (0 if there is none)."""
        return AtomicBackupAndRestore.read(backup_dir)[0]

    def on_train_begin(self, logs=None):
        tf.io.gfile.makedirs(self.backup_dir)
        for name in tf.io.gfile.listdir(self.backup_dir):
            if name.startswith(_TEMPORARY):  # left by a run killed mid-save
                tf.io.gfile.remove(os.path.join(self.backup_dir, name))
        epoch, weights = self.read(self.backup_dir)
        if weights is None:
            return
        if not self.model.built:
            raise ValueError(f"Build {type(self.model).__name__} before fit: its backup cannot be restored into an unbuilt model.")
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        try:
            self.model.load_weights(weights)
        except Exception as e:  # h5py and Keras raise many kinds; the cause stays chained.
            raise ValueError(
                f"Cannot restore the backup {weights} into {type(self.model).__name__} ({e}); was it "
                f"written by another model? Remove {self.backup_dir} to start the run over."
            ) from e
        self._check_iterations(epoch, weights)
        self.model._initial_epoch = epoch  # fit() starts there, as with keras.callbacks.BackupAndRestore
        logging.info("Restored the training state after epoch %d from %s.", epoch, weights)

    def _step_counter(self):
        """The optimizer whose `iterations` counts the training steps (the generator's in a GAN)."""
        for name in ("g_optimizer", "optimizer"):
            optimizer = getattr(self.model, name, None)
            if optimizer is not None and optimizer.built:
                return optimizer
        return None

    def _check_iterations(self, epoch, weights):
        optimizer = self._step_counter()
        if optimizer is None:
            return
        steps = int(optimizer.iterations.numpy())
        recorded = self.read_metadata(self.backup_dir).get("iterations")
        path = os.path.join(self.backup_dir, METADATA)
        start_over = f"correct {path}, or remove {self.backup_dir} to start the run over."
        if recorded is not None and recorded != steps:
            raise ValueError(
                f"The backup {path} records {recorded} optimizer steps but its weights {weights} hold "
                f"{steps}: {start_over}"
            )
        if steps < epoch:
            raise ValueError(
                f"The backup {path} says {epoch} epochs are finished but its weights {weights} hold "
                f"{steps} optimizer steps (an epoch takes at least one): {start_over}"
            )

    def _check_room(self, path):
        """The one-line disk-full OSError unless the backup's folder has room for its weights.

        Checked before writing, not caught after: h5py can take the process down on a full disk
        rather than raise. The need is the larger of the weights' bytes and the last backup's
        size, plus a margin for the file's own structure."""
        if is_remote(self.backup_dir):
            return
        need = sum(math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in self.model.weights)  # no copies
        for old in tf.io.gfile.listdir(self.backup_dir):
            if _WEIGHTS.match(old):
                need = max(need, os.path.getsize(os.path.join(self.backup_dir, old)))
        need = int(need * 1.05) + (1 << 20)
        if shutil.disk_usage(self.backup_dir).free < need:
            raise disk_full_error(path, OSError(errno.ENOSPC, "no room for the backup"))

    def on_epoch_end(self, epoch, logs=None):
        self.save(epoch + 1)

    def save(self, epoch):
        """Backs up the state after `epoch` finished epochs: weights, then the metadata naming them."""
        check_finite_weights(
            self.model, f"{type(self.model).__name__} after epoch {epoch}",
            f"it is not backed up and training stops; {self.backup_dir} still holds the state after "
            f"epoch {AtomicBackupAndRestore.finished_epochs(self.backup_dir)}. Lower the learning "
            "rates or try another seed.",
        )
        name = f"epoch-{epoch:04d}.weights.h5"
        path = os.path.join(self.backup_dir, name)
        tmp = os.path.join(self.backup_dir, f"{_TEMPORARY}{os.getpid()}-{name}")  # ends in .weights.h5
        tf.io.gfile.makedirs(self.backup_dir)
        self._check_room(path)
        try:
            with full_disk_in_one_line(path):
                self.model.save_weights(tmp, overwrite=True)
                tf.io.gfile.rename(tmp, path, overwrite=True)
        finally:
            if tf.io.gfile.exists(tmp):
                tf.io.gfile.remove(tmp)
        optimizer = self._step_counter()
        steps = None if optimizer is None else int(optimizer.iterations.numpy())
        metadata = json.dumps({**self.metadata, "epoch": epoch, "batch": 0, "weights": name, "iterations": steps})
        write_text_atomically(os.path.join(self.backup_dir, METADATA), metadata)  # the commit
        for old in tf.io.gfile.listdir(self.backup_dir):
            stale = old != name and (_WEIGHTS.match(old) or old.startswith(KERAS_WEIGHTS) or old == METADATA + ".bkp")
            if stale:
                tf.io.gfile.remove(os.path.join(self.backup_dir, old))
