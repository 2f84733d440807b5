"""`TerminateOnNaN`: stops a run the moment any of its losses is NaN or infinite."""

import keras
import numpy as np


class NonFiniteLossError(ValueError):
    """A loss became NaN or infinite during training."""


class TerminateOnNaN(keras.callbacks.TerminateOnNaN):
    """Raises `NonFiniteLossError` when any logged loss (every log named `*loss`) is NaN or Inf.

    Keras' own `TerminateOnNaN` watches only `logs["loss"]`, which a GAN does not log. Raising,
    rather than stopping gracefully, skips the epoch-end callbacks, so neither the backup nor a
    checkpoint is overwritten with the diverged weights: a restart resumes from the last good epoch.

    Example:
    ```python
    from tf_t2v.training import TerminateOnNaN

    callback = TerminateOnNaN()
    callback.on_batch_end(0, {"g_loss": 1.0, "d_loss": 0.5})  # fine
    # callback.on_batch_end(1, {"g_loss": float("nan")})  -> NonFiniteLossError
    ```
    """

    def __init__(self):
        super().__init__(raise_error=True)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        bad = {
            name: float(np.asarray(value).reshape(-1)[0])
            for name, value in (logs or {}).items()
            if name.endswith("loss") and not np.all(np.isfinite(np.asarray(value, np.float64)))
        }
        if bad:
            raise NonFiniteLossError(
                f"Training diverged in epoch {self._epoch + 1}, batch {batch + 1}: "
                + ", ".join(f"{k}={v}" for k, v in bad.items())
                + ". The backup and checkpoints still hold the last finished epoch; lower the "
                "learning rates or try another seed."
            )
