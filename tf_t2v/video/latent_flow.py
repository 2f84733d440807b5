"""`LatentFlow`: a text-conditioned prior over latent codes, learned by flow matching."""

import math

import keras
from keras import ops

TIME_FEATURES = 32  # sines and as many cosines of the flow's time


@keras.saving.register_keras_serializable(package="tf_t2v")
class LatentFlow(keras.layers.Layer):
    """Maps noise to the latent codes a caption's clips have, by integrating a learned flow.

    A Gaussian prior p(z | text) fitted by a small KL term lands where the posterior codes of
    real clips are not (on moving_digits their norms were about 10, the prior's about 3), and
    the decoder, trained on posterior codes, draws nothing useful there. This learns the codes
    themselves: a velocity field v(z, t, cond) (an MLP of `num_layers` silu layers of
    `hidden_dim` on the code, sinusoidal features of the time t and the conditioning) trained by
    conditional flow matching with straight paths (Lipman et al., 2023, "Flow Matching for
    Generative Modeling"; Liu et al., 2023, "rectified flow"): for a code z1 of a real clip,
    noise z0 ~ N(0, I) and t ~ U[0, 1], v(t z1 + (1 - t) z0, t, cond) should be z1 - z0
    (`loss`). `sample(noise, cond)` integrates dz/dt = v from the noise at t = 0 to t = 1 in
    `steps` Euler steps: the same noise always gives the same code (a seed's noise picks what
    the caption leaves open), and the steps are a fixed unrolled loop (static shapes,
    XLA-compilable).

    Args:
        noise_dim: int. Size of the codes (and of the noise).
        hidden_dim: int. Width of the velocity MLP.
        num_layers: int >= 1. Hidden layers of the velocity MLP.
        steps: int >= 1. Euler steps of `sample`.

    Example:
    ```python
    import numpy as np
    from tf_t2v.video import LatentFlow

    flow = LatentFlow(noise_dim=4, hidden_dim=16)
    codes = flow(np.zeros((2, 4)), np.zeros((2, 8)))  # (2, 4): noise and conditioning in
    ```
    """

    def __init__(self, noise_dim, hidden_dim=512, num_layers=4, steps=32, **kwargs):
        super().__init__(**kwargs)
        self.noise_dim = int(noise_dim)
        self.hidden_dim = int(hidden_dim)
        self.num_layers = int(num_layers)
        self.steps = int(steps)
        for name, value in (("noise_dim", self.noise_dim), ("hidden_dim", self.hidden_dim),
                            ("num_layers", self.num_layers), ("steps", self.steps)):
            if value < 1:
                raise ValueError(f"{name} must be >= 1; got {value}.")
        policy = self.dtype_policy
        self.hidden = [keras.layers.Dense(self.hidden_dim, activation="silu", dtype=policy, name=f"hidden_{i}")
                       for i in range(self.num_layers)]
        # Zero output at the start: the untrained flow leaves the noise as it is.
        self.out = keras.layers.Dense(self.noise_dim, kernel_initializer="zeros", dtype=policy, name="velocity")

    def build(self, noise_shape, cond_shape):
        width = self.noise_dim + 2 * TIME_FEATURES + cond_shape[-1]
        for layer in self.hidden:
            layer.build((None, width))
            width = self.hidden_dim
        self.out.build((None, width))

    def velocity(self, z, t, cond):
        """The flow's velocity (B, noise_dim), float32, at codes z (B, noise_dim) and times t (B,)."""
        frequencies = ops.exp(ops.linspace(0.0, math.log(1000.0), TIME_FEATURES))
        angle = ops.cast(t, "float32")[:, None] * frequencies[None]
        x = ops.concatenate([ops.cast(z, cond.dtype), ops.cast(ops.sin(angle), cond.dtype),
                             ops.cast(ops.cos(angle), cond.dtype), cond], axis=-1)
        for layer in self.hidden:
            x = layer(x)
        return ops.cast(self.out(x), "float32")

    def sample(self, noise, cond):
        """Codes (B, noise_dim), float32: the noise (B, noise_dim) carried along the flow."""
        z = ops.cast(noise, "float32")
        batch = ops.shape(z)[0]
        for k in range(self.steps):
            t = ops.full((batch,), k / self.steps, dtype="float32")
            z = z + self.velocity(z, t, cond) / self.steps
        return z

    def loss(self, codes, cond, seed, repeats=1):
        """Flow-matching loss (scalar float32) of codes (B, noise_dim) given conditioning (B, D):
        the mean squared error of the velocity over `repeats` draws of noise and time per code.
        `seed`: a `keras.random.SeedGenerator`, which each draw advances (one int would give the
        noise and the times the same random stream)."""
        codes = ops.repeat(ops.cast(codes, "float32"), repeats, axis=0)
        cond = ops.repeat(cond, repeats, axis=0)
        z0 = keras.random.normal(ops.shape(codes), seed=seed)
        t = keras.random.uniform(ops.shape(codes)[:1], seed=seed)
        zt = t[:, None] * codes + (1.0 - t[:, None]) * z0
        return ops.mean(ops.square(self.velocity(zt, t, cond) - (codes - z0)))

    def call(self, noise, cond):
        return self.sample(noise, cond)

    def compute_output_shape(self, noise_shape, cond_shape):
        return (noise_shape[0], self.noise_dim)

    def get_config(self):
        return {**super().get_config(), "noise_dim": self.noise_dim, "hidden_dim": self.hidden_dim,
                "num_layers": self.num_layers, "steps": self.steps}
