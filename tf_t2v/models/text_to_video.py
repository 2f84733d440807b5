"""`TextToVideo`: the task base every text-to-video model shares (sampling, seeds, EMA)."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

# The parts register their classes on import, so `keras.saving.load_model` finds them.
import tf_t2v.text  # noqa: F401
import tf_t2v.video  # noqa: F401
from tf_t2v.models.seeds import seeds_for


def _tf_variable(variable):
    """The tf.Variable (or distributed variable) behind a Keras variable."""
    return getattr(variable, "_value", variable)


def to_uint8(video):
    """Float clips in [-1, 1] to uint8 [0, 255], rounded."""
    video = ops.clip(ops.cast(video, "float32"), -1.0, 1.0)
    return ops.cast(ops.round((video + 1.0) * 127.5), "uint8")


@keras.saving.register_keras_serializable(package="tf_t2v")
class TextToVideo(keras.Model):
    """A sentence in, a short clip out: the part of every text-to-video task that is not training.

    A task holds a tokenizer (raw strings to ids, inside the graph), a text encoder and a
    generator `generator(embedding, noise)` -> clips (B, T, H, W, 3) in [-1, 1], plus an
    exponential moving average of the text encoder and generator (`ema_text_encoder`,
    `ema_generator`) that sampling and export use. Subclasses add how the generator learns
    (`train_step`, `compile`): `TextToVideoGAN` (sprite generator, critic and layer
    supervision, for moving_shapes) and `TextToVideoVAE` (the general family).

    Sampling has one path: a seed per clip gives its noise (`noise_for_seeds`), the averaged
    text encoder the embedding (`encode_text`), and `generate_from_embedding` the uint8 clip;
    `generate`, the training previews, `tf_t2v.load` and the SavedModel endpoints all go
    through it. `use_served_functions` makes `generate` call that path as the SavedModel
    serves it (traced, with its input checks); `tf_t2v.load` does so for `.keras` files.

    Args:
        tokenizer: `tf_t2v.text.TextTokenizer`.
        text_encoder: `tf_t2v.text.TextEncoder`.
        generator: a layer `(embedding (B, D), noise (B, noise_dim)) -> clips`, with
            `num_frames`, `height`, `width` and `noise_dim` attributes.
        ema_decay: float. Decay of the moving average of the text encoder's and generator's weights.
        seed: int. Seed of the training noise.
    """

    def __init__(self, tokenizer, text_encoder, generator, ema_decay=0.999, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.tokenizer = tokenizer
        self.text_encoder = text_encoder
        self.generator = generator
        self.ema_decay = ema_decay
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.ema_text_encoder = text_encoder.__class__.from_config(text_encoder.get_config())
        self.ema_generator = generator.__class__.from_config(generator.get_config())
        self.ema_text_encoder.trainable = False
        self.ema_generator.trainable = False
        self._served = None  # see use_served_functions

    # === Shapes ===
    @property
    def num_frames(self):
        return self.generator.num_frames

    @property
    def frame_size(self):
        return (self.generator.height, self.generator.width)

    @property
    def noise_dim(self):
        return self.generator.noise_dim

    @property
    def vocabulary(self):
        """The words the model knows, in token-id order after the reserved ids."""
        return list(self.tokenizer.vocabulary)

    def read_prompt(self, prompt):
        """How the model reads `prompt`: a `tf_t2v.text.WordReading` per word (known or not, and
        for unknown words the closest known ones)."""
        from tf_t2v.text import PromptReader

        return PromptReader(self.vocabulary, lowercase=self.tokenizer.lowercase).read(prompt)

    def _build_sampler(self):
        """Builds the text encoders and generators with one tiny batch and copies the online
        weights into the averages. Returns the embedding of an empty prompt (1, D)."""
        tokens = self.tokenizer(tf.constant([""]))
        noise = ops.zeros((1, self.noise_dim))
        for encoder, generator in (
            (self.text_encoder, self.generator),
            (self.ema_text_encoder, self.ema_generator),
        ):
            text = encoder(tokens)["pooled"]
            generator(text, noise)
        for ema, online in zip(self._ema_variables(), self._online_variables()):
            ema.assign(online)
        return text

    def build(self, input_shape=None):
        self.built = True

    def _online_variables(self):
        return self.text_encoder.weights + self.generator.weights

    def _ema_variables(self):
        return self.ema_text_encoder.weights + self.ema_generator.weights

    def _update_ema(self):
        decay = self.ema_decay
        pairs = [(_tf_variable(e), _tf_variable(o)) for e, o in zip(self._ema_variables(), self._online_variables())]

        def update(strategy):
            for ema, online in pairs:
                strategy.extended.update(
                    ema, lambda e, o: e.assign(decay * e + (1.0 - decay) * o), args=(online,), group=False
                )

        tf.distribute.get_replica_context().merge_call(update)

    @staticmethod
    def _replica_scale():
        """Keras sums gradients over replicas: the factor that turns per-replica means into the global mean."""
        return 1.0 / tf.distribute.get_strategy().num_replicas_in_sync

    def preprocess(self, batch):
        """The task's preprocessor, for `tf.data.Dataset.map`: "caption" (B,) tf.string becomes
        "token_ids" (B, L) int64, so tokenization runs in the input pipeline, not in the train
        step (string ops do not compile with XLA or run on TPUs)."""
        batch = dict(batch)
        batch["token_ids"] = self.tokenizer(batch.pop("caption"))
        return batch

    def token_ids(self, batch):
        """A batch's token ids: those the preprocessor added, else the captions tokenized here."""
        return batch["token_ids"] if "token_ids" in batch else self.tokenizer(batch["caption"])

    # === Sampling ===
    def call(self, inputs, training=False):
        """{"token_ids": (B, L) int, "noise": (B, noise_dim)} -> clips (B, T, H, W, 3) in [-1, 1]."""
        text = self.ema_text_encoder(inputs["token_ids"])["pooled"]
        return self.ema_generator(text, inputs["noise"])

    def noise_for_seeds(self, seeds, truncation=1.0):
        """Noise (B, noise_dim) from one int64 seed per clip: a seed always gives the same noise."""
        seeds = ops.cast(ops.reshape(seeds, (-1,)), "int64")
        pairs = ops.stack([seeds, ops.zeros_like(seeds)], axis=-1)  # (B, 2)
        noise = tf.map_fn(
            lambda s: tf.random.stateless_normal((self.noise_dim,), seed=s),
            pairs,
            fn_output_signature=tf.float32,
        )
        return noise * truncation

    def generate_from_embedding(self, embedding, seeds, truncation=1.0):
        """Sentence embeddings (B, D) and seeds (B,) -> uint8 clips (B, T, H, W, 3)."""
        noise = self.noise_for_seeds(seeds, truncation)
        return to_uint8(self.ema_generator(embedding, noise))

    def encode_text(self, prompts):
        """tf.string prompts (B,) -> sentence embeddings (B, D) of the averaged text encoder."""
        return self.ema_text_encoder(self.tokenizer(prompts))["pooled"]

    def use_served_functions(self, sampler):
        """Makes `generate` go through `sampler`, a `tf_t2v.export.TextToVideoSampler` over this
        model's serving functions (`TextToVideoSampler.from_keras_model(model)`): clips, batches
        and the errors for bad input are then those of the model's SavedModel and TF Serving.
        None goes back to calling `encode_text` and `generate_from_embedding` directly.

        Example:
        ```python
        from tf_t2v.export import TextToVideoSampler

        model.use_served_functions(TextToVideoSampler.from_keras_model(model))
        model.generate(["  "], seed=1)  # ValueError: Prompts must not be empty or blank ...
        ```
        """
        self._served = sampler

    def generate(self, prompts, seed=None, truncation=1.0, batch_size=None):
        """Clips for prompts, as uint8 (B, T, H, W, 3).

        Args:
            prompts: str or list of str.
            seed: int, list of int (one per prompt) or None (random). Prompt i gets seed
                `seed + i` when one int is given; the same seed always gives the same clip
                (`tf_t2v.models.seeds.seeds_for`).
            truncation: float. Scales the noise; below 1 trades variety for typical clips.
            batch_size: int or None. Prompts per forward pass (None: 32, or with
                `use_served_functions` the served functions' cap).
        """
        if self._served is not None:
            return self._served.generate(prompts, seed=seed, truncation=truncation, batch_size=batch_size)
        batch_size = 32 if batch_size is None else batch_size
        if isinstance(prompts, (str, bytes)):
            prompts = [prompts]
        prompts = list(prompts)
        seeds = seeds_for(seed, len(prompts))
        out = []
        for i in range(0, len(prompts), batch_size):
            embedding = self.encode_text(tf.constant(prompts[i : i + batch_size], tf.string))
            out.append(
                np.asarray(self._generate_fn(embedding, tf.constant(seeds[i : i + batch_size]), truncation))
            )
        if not out:
            return np.zeros((0, self.num_frames) + self.frame_size + (3,), np.uint8)
        return np.concatenate(out)

    @tf.function(reduce_retracing=True)
    def _generate_fn(self, embedding, seeds, truncation):
        return self.generate_from_embedding(embedding, seeds, truncation)

    # === Serialisation ===
    FAMILY = None  # the model family a subclass implements, as run configs name it
    # Sub-models a config serialises; subclasses extend this tuple.
    _PARTS = ("tokenizer", "text_encoder", "generator")

    def get_config(self):
        config = super().get_config()
        for name in self._PARTS:
            config[name] = keras.saving.serialize_keras_object(getattr(self, name))
        config.update(ema_decay=self.ema_decay, seed=self.seed)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in cls._PARTS:
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)
