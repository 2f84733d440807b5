"""`TextToVideoVAE`: the general family's task, a conditional VAE over whole clips."""

import keras
import tensorflow as tf
from keras import ops

from tf_t2v.models.text_to_video import TextToVideo

# Loss tracker names, in the order `metrics` lists them.
LOSSES = ("loss", "rec_loss", "temporal_loss", "kl")


@keras.saving.register_keras_serializable(package="tf_t2v")
class TextToVideoVAE(TextToVideo):
    """Learns any captioned clips: a conditional VAE with a text-conditioned prior.

    Training (`fit` on dict batches {"caption": (B,) tf.string, "video": (B, T, H, W, 3) float in
    [-1, 1]}; nothing else is read) encodes the real clip and its caption's conditioning into a
    posterior q(z | clip, text) (`encoder`, a `tf_t2v.video.VideoEncoder`), decodes a sample of
    it with the generator (`tf_t2v.video.VideoDecoder`) and minimises
    - `rec_loss`: mean absolute error of the decoded clip against the real one,
    - `temporal_loss`: mean absolute error of their frame-to-frame differences (motion: waves,
      camera moves, falling rain), weighted by `temporal_weight`,
    - `kl`: KL(q(z | clip, text) || p(z | text)) per clip, in nats, weighted by `kl_weight`; the
      prior is the generator's own (`VideoDecoder.prior`), so at sampling time the noise of a
      seed is mapped through the prior of the prompt and picks what the caption leaves open
      (an unnamed place, where the sun stands). Dimensions below `free_bits` nats are not
      penalised, so the code is used rather than collapsed.
    The text encoder learns from the reconstruction only; sampling and export use the moving
    averages, as every `TextToVideo` does.

    Args:
        tokenizer: `tf_t2v.text.TextTokenizer`.
        text_encoder: `tf_t2v.text.TextEncoder`.
        generator: `tf_t2v.video.VideoDecoder`.
        encoder: `tf_t2v.video.VideoEncoder` with the generator's noise_dim.
        ema_decay: float. Decay of the moving average used for sampling.
        kl_weight: float. Weight of the KL term (per clip, in nats) against the per-pixel losses.
        temporal_weight: float. Weight of the frame-difference loss.
        free_bits: float. Nats per latent dimension (batch mean) that cost nothing.
        seed: int. Seed of the training noise.

    Example:
    ```python
    vae = tf_t2v.models.TextToVideoVAE(tokenizer, text_encoder, tf_t2v.video.VideoDecoder(...),
                                       tf_t2v.video.VideoEncoder(...))
    vae.compile(g_optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(dataset, epochs=1, steps_per_epoch=100)
    clips = vae.generate(["a beautiful sunset over the ocean"], seed=7)  # uint8
    ```
    """

    FAMILY = "general"
    _PARTS = TextToVideo._PARTS + ("encoder",)

    def __init__(
        self,
        tokenizer,
        text_encoder,
        generator,
        encoder,
        ema_decay=0.999,
        kl_weight=1e-4,
        temporal_weight=1.0,
        free_bits=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(tokenizer, text_encoder, generator, ema_decay=ema_decay, seed=seed, **kwargs)
        if encoder.noise_dim != generator.noise_dim:
            raise ValueError(
                f"The encoder's noise_dim ({encoder.noise_dim}) must equal the generator's ({generator.noise_dim})."
            )
        self.encoder = encoder
        self.kl_weight = float(kl_weight)
        self.temporal_weight = float(temporal_weight)
        self.free_bits = float(free_bits)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in LOSSES}
        text = self._build_sampler()
        video = ops.zeros((1, self.num_frames) + self.frame_size + (3,))
        self.encoder(video, self.generator.condition(text))
        self.built = True

    # === Training ===
    def compile(self, g_optimizer, d_optimizer=None, **kwargs):
        """`g_optimizer` trains the text encoder, encoder and generator; there is no critic
        (`d_optimizer` is accepted for a common call and ignored)."""
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.g_optimizer.build(self._generator_trainable_variables())  # inside the caller's strategy scope

    def _generator_trainable_variables(self):
        return (self.text_encoder.trainable_variables + self.generator.trainable_variables
                + self.encoder.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def losses_for(self, data, training=False):
        """The loss terms (dict of float32 scalars) for a batch, from one posterior sample."""
        video = ops.cast(data["video"], "float32")
        text = self.text_encoder(self.token_ids(data), training=training)["pooled"]
        cond = self.generator.condition(text)
        prior_mean, prior_logvar = self.generator.prior(cond)
        mean, logvar = self.encoder(video, cond)
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        z = mean + ops.exp(0.5 * logvar) * eps
        fake = ops.cast(self.generator.decode(cond, z), "float32")  # (B, T, H, W, 3)
        rec_loss = ops.mean(ops.abs(fake - video))
        temporal_loss = ops.mean(ops.abs((fake[:, 1:] - fake[:, :-1]) - (video[:, 1:] - video[:, :-1])))
        kl = 0.5 * (prior_logvar - logvar + (ops.exp(logvar) + ops.square(mean - prior_mean))
                    / ops.exp(prior_logvar) - 1.0)  # (B, Z)
        kl_dims = ops.mean(kl, axis=0)
        kl_cost = ops.sum(ops.maximum(kl_dims, self.free_bits))
        loss = rec_loss + self.temporal_weight * temporal_loss + self.kl_weight * kl_cost
        return dict(loss=loss, rec_loss=rec_loss, temporal_loss=temporal_loss, kl=ops.sum(kl_dims))

    def train_step(self, data):
        variables = self._generator_trainable_variables()
        with tf.GradientTape() as tape:
            values = self.losses_for(data, training=True)
            scaled = values["loss"] * self._replica_scale()
        grads = tape.gradient(scaled, variables)
        self.g_optimizer.apply_gradients([(g, v) for g, v in zip(grads, variables) if g is not None])
        self._update_ema()
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in LOSSES}

    def test_step(self, data):
        for name, value in self.losses_for(data).items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in LOSSES}

    # === Serialisation ===
    def get_config(self):
        config = super().get_config()
        config.update(kl_weight=self.kl_weight, temporal_weight=self.temporal_weight, free_bits=self.free_bits)
        return config
