import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.io.finite_weights import check_finite_weights, non_finite_weights


def test_nan_and_inf_weights_are_named_and_refused():
    layer = keras.layers.Dense(2, name="dense")
    layer.build((None, 3))
    counter = tf.Variable(7, dtype=tf.int64, name="iterations")
    check_finite_weights(layer.weights + [counter], "The layer", "nothing was saved.")
    layer.bias.assign([np.nan, 0.0])
    assert non_finite_weights(layer.weights) == ["dense/bias"]
    layer.kernel.assign(np.full((3, 2), np.inf))
    with pytest.raises(ValueError, match=r"^The layer has NaN or infinite weights in 2 of its 2 variables "
                                         r"\(dense/kernel, dense/bias\); nothing was saved\.$"):
        check_finite_weights(layer.weights, "The layer", "nothing was saved.")


def test_a_models_weights_are_named_by_the_attribute_holding_them():
    from tf_t2v.testing.tiny_models import tiny_gan

    gan = tiny_gan()
    gan.build()
    online, ema = gan.generator.weights[0], gan.ema_generator.weights[0]
    assert online.path == ema.path  # the EMA copy's layers bear the generator's names
    ema.assign(np.full(ema.shape, np.nan, ema.dtype))
    assert non_finite_weights(gan) == ["ema_generator/" + ema.path.split("/", 1)[1]]
    with pytest.raises(ValueError, match=rf"in 1 of its {len(gan.weights)} variables \(ema_generator/"):
        check_finite_weights(gan, "TextToVideoGAN", "nothing was saved.")
