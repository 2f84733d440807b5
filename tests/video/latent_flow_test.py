import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.testing.test_case import TestCase
from tf_t2v.video import LatentFlow


class LatentFlowTest(TestCase):
    def setUp(self):
        super().setUp()
        rng = np.random.default_rng(0)
        self.noise = rng.normal(size=(3, 4)).astype("float32")
        self.cond = rng.normal(size=(3, 8)).astype("float32")

    def test_untrained_it_leaves_the_noise_as_it_is(self):
        flow = LatentFlow(noise_dim=4, hidden_dim=16)
        np.testing.assert_allclose(np.asarray(flow(self.noise, self.cond)), self.noise, atol=1e-6)

    def test_it_learns_two_modes_per_condition_that_a_gaussian_cannot(self):
        # Condition A: codes at -2 or +2 (half each); condition B: codes at 3. A Gaussian prior
        # would put A's samples around 0, where no code is.
        keras.utils.set_random_seed(0)
        flow = LatentFlow(noise_dim=1, hidden_dim=64, num_layers=2, steps=16)
        rng = np.random.default_rng(1)
        cond = np.eye(2, dtype="float32")[rng.integers(0, 2, size=512)]
        codes = np.where(cond[:, :1] > 0, rng.choice([-2.0, 2.0], size=(512, 1)), 3.0).astype("float32")
        codes += rng.normal(scale=0.05, size=codes.shape).astype("float32")
        flow(codes[:2], cond[:2])
        optimizer = keras.optimizers.Adam(3e-3)
        seed = keras.random.SeedGenerator(2)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                loss = flow.loss(codes, cond, seed, repeats=2)
            grads = tape.gradient(loss, flow.trainable_variables)
            optimizer.apply_gradients(zip(grads, flow.trainable_variables))
            return loss

        first = float(step())
        for _ in range(600):
            last = float(step())
        self.assertLess(last, 0.6 * first)
        noise = np.random.default_rng(3).normal(size=(400, 1)).astype("float32")
        a = np.asarray(flow.sample(noise, np.tile([[1.0, 0.0]], (400, 1)).astype("float32")))[:, 0]
        b = np.asarray(flow.sample(noise, np.tile([[0.0, 1.0]], (400, 1)).astype("float32")))[:, 0]
        near_a_mode = np.abs(np.abs(a) - 2.0) < 0.6
        self.assertGreater(near_a_mode.mean(), 0.8)
        self.assertGreater(min((a > 0).mean(), (a < 0).mean()), 0.3)  # both modes, not one
        self.assertGreater((np.abs(b - 3.0) < 0.6).mean(), 0.8)

    def test_the_same_noise_gives_the_same_code(self):
        flow = LatentFlow(noise_dim=4, hidden_dim=16)
        flow(self.noise, self.cond)
        flow.out.kernel.assign(np.random.default_rng(4).normal(size=flow.out.kernel.shape))
        a, b = np.asarray(flow(self.noise, self.cond)), np.asarray(flow(self.noise, self.cond))
        np.testing.assert_array_equal(a, b)
        self.assertGreater(np.abs(a - self.noise).max(), 1e-3)

    def test_serialization_and_keras_round_trip(self):
        flow = LatentFlow(noise_dim=4, hidden_dim=16, num_layers=2, steps=4)
        flow(self.noise, self.cond)
        self.run_serialization_test(flow)
        noise, cond = keras.Input((4,)), keras.Input((8,))
        model = keras.Model([noise, cond], flow(noise, cond))
        self.run_keras_saving_test(model, [self.noise, self.cond], call=lambda m, x: m(x))

    def test_bad_sizes_are_refused(self):
        for name in ("noise_dim", "hidden_dim", "num_layers", "steps"):
            args = dict(noise_dim=4, hidden_dim=16, num_layers=2, steps=4)
            args[name] = 0
            with pytest.raises(ValueError, match=name):
                LatentFlow(**args)
