import os

import numpy as np
import pytest

from callbacks_helpers import RenderingModel
from tf_t2v.training import AtomicCheckpoint, NonFiniteLossError, TerminateOnNaN


def test_terminate_on_nan_raises_on_any_loss():
    callback = TerminateOnNaN()
    callback.on_batch_end(0, {"g_loss": 1.0, "d_loss": np.float32(0.5), "eval_all": float("nan")})
    with pytest.raises(NonFiniteLossError, match=r"batch 2: d_loss=inf"):
        callback.on_batch_end(1, {"g_loss": 1.0, "d_loss": np.float32(np.inf)})


def test_terminate_on_nan_stops_fit_before_epoch_end_callbacks(tmp_path):
    folder = str(tmp_path)
    model = RenderingModel()
    model.compile("sgd", "mse")
    x = np.array([[1.0, 1.0], [np.nan, 0.0]], np.float32)
    with pytest.raises(NonFiniteLossError, match="epoch 1, batch 2"):
        model.fit(x, np.zeros((2, 1)), batch_size=1, epochs=1, verbose=0, shuffle=False,
                  callbacks=[TerminateOnNaN(), AtomicCheckpoint(folder)])
    assert os.listdir(folder) == []  # no checkpoint of diverged weights
