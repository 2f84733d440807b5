"""Feature-wise linear modulation."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tf_t2v")
class FiLM(keras.layers.Layer):
    """Scales and shifts feature maps by amounts predicted from a conditioning vector.

    `x * (1 + gamma(c)) + beta(c)`, broadcast over every spatial position; zero-initialised,
    so the layer starts as the identity.

    Args:
        channels: int. Channels of the modulated feature map.

    Example:
    ```python
    film = tf_t2v.video.FiLM(16)
    y = film(np.zeros((2, 8, 8, 16)), np.ones((2, 32)))  # (2, 8, 8, 16)
    ```
    """

    def __init__(self, channels, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.dense = keras.layers.Dense(
            2 * channels, kernel_initializer="zeros", dtype=self.dtype_policy, name="dense"
        )

    def build(self, x_shape, c_shape):
        self.dense.build(c_shape)

    def call(self, x, c):
        gamma, beta = ops.split(self.dense(c), 2, axis=-1)  # (B, C) each
        expand = (slice(None),) + (None,) * (len(x.shape) - 2) + (slice(None),)
        return x * (1.0 + gamma[expand]) + beta[expand]

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}
