"""A tiny two-optimizer GAN with the interface of `tf_t2v.models.TextToVideoGAN`, for training tests."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tf_t2v.text import TextTokenizer


@keras.saving.register_keras_serializable(package="tf_t2v_tests")
class StandInGAN(keras.Model):
    """Captions in, clips (B, T, H, W, 3) in [-1, 1] out; hinge GAN with one tape per player."""

    def __init__(self, vocabulary, num_frames=4, height=8, width=8, noise_dim=4, seed=0, ema_decay=0.999,
                 **kwargs):
        super().__init__(**kwargs)
        self.ema_decay = ema_decay  # accepted like the real model's; the stand-in keeps no average
        self.vocabulary = list(vocabulary)
        self.num_frames, self.height, self.width = num_frames, height, width
        self.noise_dim = noise_dim
        self.seed = seed
        self.tokenizer = TextTokenizer(self.vocabulary, sequence_length=8)
        size = num_frames * height * width * 3
        self.embedding = keras.layers.Embedding(self.tokenizer.vocabulary_size, 8, name="embedding")
        self.generator = keras.Sequential(
            [keras.layers.Dense(size, activation="tanh"), keras.layers.Reshape((num_frames, height, width, 3))],
            name="generator",
        )
        self.discriminator = keras.Sequential(
            [keras.layers.Flatten(), keras.layers.Dense(1)], name="discriminator"
        )
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.embedding.build((None, 8))
        self.generator.build((None, 8 + self.noise_dim))
        self.discriminator.build((None, num_frames, height, width, 3))
        self.built = True

    @property
    def frame_size(self):
        return (self.height, self.width)

    def _text(self, captions):
        return ops.mean(self.embedding(self.tokenizer(captions)), axis=1)  # (B, 8)

    def call(self, captions, training=False):
        text = self._text(captions)
        noise = keras.random.normal((ops.shape(text)[0], self.noise_dim), seed=self.seed_generator)
        return self.generator(ops.concatenate([text, ops.cast(noise, text.dtype)], -1))

    def compile(self, g_optimizer, d_optimizer, **kwargs):
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self.g_optimizer.build(self._g_variables())
        self.d_optimizer.build(self.discriminator.trainable_variables)

    def _g_variables(self):
        return self.generator.trainable_variables + self.embedding.trainable_variables

    @property
    def metrics(self):
        return [self.g_loss_tracker, self.d_loss_tracker]

    def train_step(self, data):
        captions, real = data["caption"], data["video"]
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            fake = self(captions, training=True)
            d_loss = (ops.mean(ops.relu(1.0 - self.discriminator(real)))
                      + ops.mean(ops.relu(1.0 + self.discriminator(fake)))) / replicas
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
        with tf.GradientTape() as tape:
            fake = self(captions, training=True)
            g_loss = -ops.mean(self.discriminator(fake)) / replicas
        g_vars = self._g_variables()
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
        self.d_loss_tracker.update_state(d_loss * replicas)
        self.g_loss_tracker.update_state(g_loss * replicas)
        return {m.name: m.result() for m in self.metrics}

    def generate(self, prompts, seed=None, truncation=1.0):
        clips = self(tf.constant(list(prompts)), training=False)
        return np.round((np.asarray(clips, np.float32) + 1.0) * 127.5).astype(np.uint8)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary": self.vocabulary,
            "num_frames": self.num_frames,
            "height": self.height,
            "width": self.width,
            "noise_dim": self.noise_dim,
            "seed": self.seed,
            "ema_decay": self.ema_decay,
        }


def build_stand_in(vocabulary, cfg):
    """A `model_fn` for `tf_t2v.training.train`: the stand-in with the run's clip shape."""
    g = cfg.model.generator
    return StandInGAN(vocabulary, num_frames=g.num_frames, height=g.height, width=g.width,
                      seed=cfg.train.seed, ema_decay=cfg.train.ema_decay)
