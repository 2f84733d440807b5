"""`TextToVideoVAE`: the general family's task, a conditional VAE over whole clips."""

import keras
import tensorflow as tf
from keras import ops

from tf_t2v.models.global_motion import camera_path, motion_divergence
from tf_t2v.video.camera_warp import MAX_LOG_ZOOM, MAX_SHIFT
from tf_t2v.models.text_to_video import TextToVideo

# Loss tracker names, in the order `metrics` lists them.
LOSSES = ("loss", "rec_loss", "temporal_loss", "prior_rec_loss", "kl", "motion_match", "camera_loss", "flow_loss",
          "g_adv", "d_loss")


def shown(clips):
    """Decoded clips as they are shown: clipped to [-1, 1], as the uint8 conversion clips them.

    The critic judges these. The decoder's output is linear, and a critic fed it raw rates a clip
    by values no viewer sees: the decoder learned to push pixels far past the range, where the
    (Lipschitz) critic's score grows without bound, and the run blew up (reconstruction error
    from 0.13 to hundreds within a few hundred steps). Past the range the clip has no gradient
    from the critic.
    """
    return ops.clip(clips, -1.0, 1.0)


def gaussian_kl(mean, logvar, prior_mean, prior_logvar):
    """KL(N(mean, exp(logvar)) || N(prior_mean, exp(prior_logvar))) per dimension, in nats."""
    return 0.5 * (prior_logvar - logvar + (ops.exp(logvar) + ops.square(mean - prior_mean)) / ops.exp(prior_logvar)
                  - 1.0)


def half_size(clips):
    """Clips (B, T, H, W, C) at half the height and width (2x2 means): the motion term's input,
    a quarter of the arithmetic, with shifts up to 2 pixels there covering 4 at full size."""
    b, t, h, w, c = ops.shape(clips)[0], clips.shape[1], clips.shape[2], clips.shape[3], clips.shape[4]
    return ops.mean(ops.reshape(clips, (b, t, h // 2, 2, w // 2, 2, c)), axis=(3, 5))


@keras.saving.register_keras_serializable(package="tf_t2v")
class TextToVideoVAE(TextToVideo):
    """Learns any captioned clips: a conditional VAE with a text-conditioned prior.

    Training (`fit` on dict batches {"caption": (B,) tf.string, "video": (B, T, H, W, 3) float in
    [-1, 1]}; nothing else is read) encodes the real clip and its caption's conditioning into a
    posterior q(z | clip, text) (`encoder`, a `tf_t2v.video.VideoEncoder`), decodes a sample of
    it with the generator (`tf_t2v.video.VideoDecoder`) and minimises
    - `rec_loss`: mean absolute error of the decoded clip against the real one; with
      `motion_weight`, each pixel weighs 1 + motion_weight * (its mean absolute deviation over
      the channels from the clip's temporal mean), normalised to a mean of 1 per clip, so what
      moves or changes (a digit bouncing over black, a boat crossing the bay) is not averaged
      away by a static background that fills most of the frame (the per-pixel median of a
      small moving object over its possible positions is the background). With `l2_weight`,
      the squared error (weighted the same way) is added to it: its optimum
      is the mean rather than the median, so a small bright object whose place the code does not
      yet know shows as a faint trace instead of vanishing into the background, which gives the
      encoder something to say from the first steps.
    - `temporal_loss`: mean absolute error of their frame-to-frame differences (motion: waves,
      camera moves, falling rain), weighted by `temporal_weight`,
    - `prior_rec_loss`: for a `prior_share` of each batch, the clip is decoded from the prior's
      mean instead of a posterior sample, and its L1 and frame-difference errors are scored as
      above (the "hybrid" conditional-VAE objective of Sohn et al., 2015): the text alone must
      then say what the clip shows, which teaches the text encoder and the conditioning the
      named attributes directly instead of through the small KL gradient; the prior's mean is
      taken without its gradient there, so the prior itself learns from the KL term only,
    - `kl`: KL(q(z | clip, text) || p(z | text)) per clip, in nats, weighted by `kl_weight`; the
      prior is the generator's own (`VideoDecoder.prior`), so at sampling time the noise of a
      seed is mapped through the prior of the prompt and picks what the caption leaves open
      (an unnamed place, where the sun stands). Dimensions below `free_bits` nats are not
      penalised, so the code is used rather than collapsed.
    - `motion_match`: with `motion_match_weight`, how differently the decoded clip moves from
      the real one: `tf_t2v.models.global_motion.motion_divergence` (nats), the KL between
      their distributions of frame-to-frame shifts in each quarter of the frame (at half size),
      over every row of the batch, prior rows too. A pixel loss teaches a pan only once the
      decoder knows where the textures are; this says "everything moves left" at once. (On
      scenes, with `CameraWarp`, it did not yet teach the camera words: docs/general-model.md.)
      Reads 0 when the weight is 0.
    - `camera_loss`: with `camera_weight` (needs a generator with a `tf_t2v.video.CameraWarp`),
      the camera is read from each real clip (`tf_t2v.models.global_motion.camera_path`, made
      as smooth as the warp's path) and the clip is decoded through that camera, not the one
      the words predict: the decoder then draws the scene as the camera sees it at the clip's
      middle, and the camera the words predict (`generator.camera_path(text)`) learns to match
      the read one (mean absolute difference of log zoom, dx and dy per frame, summed). A pixel
      loss alone did not teach the words their camera moves (docs/general-model.md); this is a
      target for them from the footage itself. Generation films with the predicted camera.
      Reads 0 when the weight is 0.
    - `flow_loss`: with a generator that has a latent flow (`VideoDecoder(flow_dim=...)`), the
      flow-matching loss of `tf_t2v.video.LatentFlow` on each clip's posterior sample given its
      conditioning, over `flow_repeats` draws of noise and time per clip; both without their
      gradient, so the term trains the flow alone, which then maps a seed's noise to a code like
      those of the caption's real clips (what generation decodes). With `flow_trains_text`, the
      conditioning keeps its gradient: the words also learn from the flow which codes their
      clips have (the way to teach the words when no row decodes from the prior). On
      moving_digits the Gaussian prior left its samples where the decoder had never been
      (docs/general-model.md). Reads 0 without a flow.
    - `g_adv`: with a `discriminator` (a `tf_t2v.video.FrameCritic`), the hinge generator loss
      of the posterior rows' decoded clips, weighted by `adversarial_weight`; the critic is
      trained beside it on real against decoded clips (`d_loss`, hinge). A critic with a
      `cond_dim` reads each clip with its caption's conditioning (without its gradient: the
      critic does not move the words), and also learns real clips with another row's caption
      as fakes (`mismatch_weight` of its fake term; the matching-aware critic of Reed et al.,
      2016), so that what a caption names
      must be in the clip. Without a critic, both read 0.
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
        prior_share: float in [0, 1). Share of each batch decoded from the prior's mean.
        discriminator: `tf_t2v.video.FrameCritic` or None. The critic of the adversarial term.
        adversarial_weight: float. Weight of the adversarial term (ignored without a critic).
        mismatch_weight: float in [0, 1]. With a critic that reads the text: share of its fake
            term given to real clips with another row's caption (as `TextToVideoGAN`'s).
        motion_weight: float >= 0. Extra weight of the pixels that change within a clip (0: all equal).
        l2_weight: float >= 0. Weight of the squared error added to the reconstruction loss.
        motion_match_weight: float >= 0. Weight of the motion-statistics term (0: off).
        camera_weight: float >= 0. Weight of the camera term (0: off, the camera learns from
            the pixels alone).
        flow_repeats: int >= 1. Draws of noise and time per clip in the flow-matching loss
            (ignored without a latent flow): more updates of the small flow per decoder step.
        flow_trains_text: bool. The flow loss also trains the conditioning and text encoder.
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
    _PARTS = TextToVideo._PARTS + ("encoder", "discriminator")

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
        prior_share=0.0,
        discriminator=None,
        adversarial_weight=0.0,
        mismatch_weight=0.5,
        motion_weight=0.0,
        l2_weight=0.0,
        motion_match_weight=0.0,
        camera_weight=0.0,
        flow_repeats=16,
        flow_trains_text=False,
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
        self.prior_share = float(prior_share)
        if not 0.0 <= self.prior_share < 1.0:
            raise ValueError(f"prior_share must be in [0, 1); got {prior_share}.")
        self.discriminator = discriminator
        self.adversarial_weight = float(adversarial_weight)
        self.mismatch_weight = float(mismatch_weight)
        if not 0.0 <= self.mismatch_weight <= 1.0:
            raise ValueError(f"mismatch_weight must be in [0, 1]; got {mismatch_weight}.")
        self.motion_weight = float(motion_weight)
        self.l2_weight = float(l2_weight)
        self.motion_match_weight = float(motion_match_weight)
        self.camera_weight = float(camera_weight)
        self.flow_repeats = int(flow_repeats)
        self.flow_trains_text = bool(flow_trains_text)
        if self.flow_repeats < 1:
            raise ValueError(f"flow_repeats must be >= 1; got {flow_repeats}.")
        for name, value in (("motion_weight", self.motion_weight), ("l2_weight", self.l2_weight),
                            ("motion_match_weight", self.motion_match_weight), ("camera_weight", self.camera_weight)):
            if not value >= 0.0:
                raise ValueError(f"{name} must be >= 0; got {value}.")
        if discriminator is not None and discriminator.cond_dim not in (0, generator.cond_dim):
            raise ValueError(f"The critic's cond_dim ({discriminator.cond_dim}) must be 0 or the generator's "
                             f"({generator.cond_dim}).")
        if self.camera_weight > 0 and getattr(generator, "camera", None) is None:
            raise ValueError("camera_weight needs a generator with a camera warp (VideoDecoder(camera_warp=True)).")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in LOSSES}
        text = self._build_sampler()
        video = ops.zeros((1, self.num_frames) + self.frame_size + (3,))
        cond = self.generator.condition(text)
        self.encoder(video, cond)
        if self.discriminator is not None:
            self._critic(video, cond)
        self.built = True

    # === Training ===
    def compile(self, g_optimizer, d_optimizer=None, **kwargs):
        """`g_optimizer` trains the text encoder, encoder and generator; `d_optimizer` the
        critic (needed with a `discriminator`, ignored without)."""
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.g_optimizer.build(self._generator_trainable_variables())  # inside the caller's strategy scope
        self.d_optimizer = d_optimizer if self.discriminator is not None else None
        if self.discriminator is not None:
            if d_optimizer is None:
                raise ValueError("A TextToVideoVAE with a discriminator needs a d_optimizer in compile().")
            self.d_optimizer.build(self.discriminator.trainable_variables)

    def _generator_trainable_variables(self):
        return (self.text_encoder.trainable_variables + self.generator.trainable_variables
                + self.encoder.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def losses_for(self, data, training=False):
        """The loss terms (dict of float32 scalars) for a batch, from one posterior sample."""
        return self._forward(data, training)[0]

    def _forward(self, data, training):
        """(loss terms, decoded clips, posterior-row mask (B,) float32, conditioning) for a batch."""
        video = ops.cast(data["video"], "float32")
        text = self.text_encoder(self.token_ids(data), training=training)["pooled"]
        cond = self.generator.condition(text)
        prior_mean, prior_logvar = self.generator.prior(cond)
        mean, logvar = self.encoder(video, cond)
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        z = mean + ops.exp(0.5 * logvar) * eps
        flow_loss = ops.zeros(())
        if getattr(self.generator, "flow", None) is not None:  # the flow learns the posterior codes
            flow_cond = cond if self.flow_trains_text else ops.stop_gradient(cond)
            flow_loss = self.generator.flow.loss(ops.stop_gradient(z), flow_cond, self.seed_generator,
                                                 repeats=self.flow_repeats)
        batch = ops.shape(video)[0]
        if self.prior_share > 0:  # the last rows of the batch decode from the prior's mean
            count = ops.cast(ops.round(self.prior_share * ops.cast(batch, "float32")), "int32")
            from_prior = ops.arange(batch) >= batch - count
            # Without its gradient: the prior learns from the KL term alone, so it follows the
            # posterior codes (what sampling draws from) instead of the code of the average clip.
            z = ops.where(from_prior[:, None], ops.stop_gradient(prior_mean), z)
        else:
            from_prior = ops.zeros((batch,), "bool")
        camera_loss, path = ops.zeros(()), self.generator.camera_path(text)  # None without a camera
        if self.camera_weight > 0:  # the camera read from the clip films it; the words' camera learns it
            predicted, path = path, self.read_camera(video)
            camera_loss = sum(ops.mean(ops.abs(p - r)) for p, r in zip(predicted, path))
        fake = ops.cast(self.generator.decode(cond, z, camera_path=path, text=text), "float32")  # (B, T, H, W, 3)
        difference = fake - video
        weighted = self.pixel_weights(video) * (ops.abs(difference) + self.l2_weight * ops.square(difference))
        error = ops.mean(weighted, axis=(1, 2, 3, 4))  # (B,)
        motion_error = ops.mean(ops.abs((fake[:, 1:] - fake[:, :-1]) - (video[:, 1:] - video[:, :-1])),
                                axis=(1, 2, 3, 4))
        posterior = ops.cast(ops.logical_not(from_prior), "float32")
        prior = 1.0 - posterior
        posterior_rows = ops.maximum(ops.sum(posterior), 1.0)
        rec_loss = ops.sum(error * posterior) / posterior_rows
        temporal_loss = ops.sum(motion_error * posterior) / posterior_rows
        prior_rec_loss = (ops.sum((error + self.temporal_weight * motion_error) * prior)
                          / ops.maximum(ops.sum(prior), 1.0))
        kl = gaussian_kl(mean, logvar, prior_mean, prior_logvar)  # (B, Z)
        kl_dims = ops.mean(kl, axis=0)
        kl_cost = ops.sum(ops.maximum(kl_dims, self.free_bits))
        share = self.prior_share
        loss = ((1.0 - share) * (rec_loss + self.temporal_weight * temporal_loss) + share * prior_rec_loss
                + self.kl_weight * kl_cost)
        motion_match = ops.zeros(())
        if self.motion_match_weight > 0:
            motion_match = ops.mean(motion_divergence(half_size(video), half_size(fake)))
            loss = loss + self.motion_match_weight * motion_match
        loss = loss + self.camera_weight * camera_loss + flow_loss
        g_adv = ops.zeros(())
        if self.discriminator is not None:
            logits = ops.reshape(self._critic(shown(fake), cond, training=training), (batch, -1))
            g_adv = -ops.sum(ops.mean(logits, axis=1) * posterior) / posterior_rows
            loss = loss + self.adversarial_weight * g_adv
        values = dict(loss=loss, rec_loss=rec_loss, temporal_loss=temporal_loss, prior_rec_loss=prior_rec_loss,
                      kl=ops.sum(kl_dims), motion_match=motion_match, camera_loss=camera_loss, flow_loss=flow_loss,
                      g_adv=g_adv, d_loss=ops.zeros(()))
        return values, fake, posterior, cond

    def read_camera(self, video):
        """The camera of real clips (B, T, H, W, 3) as the generator's warp would film them:
        (log zoom, dx, dy), (B, T) each, read by `global_motion.camera_path`, projected on the
        warp's smooth path and kept inside its bounds. No gradient."""
        camera = self.generator.camera
        bounds = (MAX_LOG_ZOOM, MAX_SHIFT, MAX_SHIFT)
        return tuple(ops.stop_gradient(ops.clip(camera.smooth(v), -0.95 * b, 0.95 * b))
                     for v, b in zip(camera_path(video), bounds))

    def pixel_weights(self, video):
        """Per-pixel weights (B, T, H, W, 1) of the reconstruction error, mean 1 per clip (1 when
        `motion_weight` is 0): 1 + motion_weight * the pixel's mean absolute deviation from the
        clip's temporal mean."""
        if self.motion_weight == 0:
            return ops.ones_like(video[..., :1])
        deviation = ops.mean(ops.abs(video - ops.mean(video, axis=1, keepdims=True)), axis=-1, keepdims=True)
        weight = 1.0 + self.motion_weight * deviation
        return weight / ops.mean(weight, axis=(1, 2, 3, 4), keepdims=True)

    def _critic(self, video, cond, training=False):
        """The critic's patch logits of clips, with their conditioning if it reads any."""
        if not self.discriminator.cond_dim:
            return self.discriminator(video, training=training)
        return self.discriminator(video, ops.stop_gradient(cond), training=training)

    def _critic_loss(self, video, fake, posterior, cond, training):
        """Hinge loss of the critic: real clips against the posterior rows' decoded ones (and,
        for a critic that reads the text, against real clips with the next row's caption)."""
        batch = ops.shape(video)[0]

        def hinge(clips, sign, rows_cond):
            logits = ops.reshape(self._critic(clips, rows_cond, training=training), (batch, -1))
            return ops.mean(ops.relu(1.0 + sign * logits), axis=1)  # (B,)

        real = hinge(video, -1.0, cond)
        count = ops.maximum(ops.sum(posterior), 1.0)
        fake = ops.sum(hinge(shown(fake), 1.0, cond) * posterior) / count
        if not self.discriminator.cond_dim:
            return ops.mean(real) + fake
        mismatched = ops.mean(hinge(video, 1.0, ops.roll(cond, 1, axis=0)))
        m = self.mismatch_weight
        return ops.mean(real) + (1.0 - m) * fake + m * mismatched

    def train_step(self, data):
        variables = self._generator_trainable_variables()
        with tf.GradientTape() as tape:
            values, fake, posterior, cond = self._forward(data, training=True)
            scaled = values["loss"] * self._replica_scale()
        grads = tape.gradient(scaled, variables)
        self.g_optimizer.apply_gradients([(g, v) for g, v in zip(grads, variables) if g is not None])
        if self.discriminator is not None:
            video = ops.cast(data["video"], "float32")
            d_vars = self.discriminator.trainable_variables
            with tf.GradientTape() as d_tape:
                d_loss = self._critic_loss(video, ops.stop_gradient(fake), posterior, cond, training=True)
                d_scaled = d_loss * self._replica_scale()
            d_grads = d_tape.gradient(d_scaled, d_vars)
            self.d_optimizer.apply_gradients([(g, v) for g, v in zip(d_grads, d_vars) if g is not None])
            values["d_loss"] = d_loss
        self._update_ema()
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in LOSSES}

    def test_step(self, data):
        values, fake, posterior, cond = self._forward(data, training=False)
        if self.discriminator is not None:
            values["d_loss"] = self._critic_loss(ops.cast(data["video"], "float32"), fake, posterior, cond, False)
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in LOSSES}

    # === Serialisation ===
    def get_config(self):
        config = super().get_config()
        config.update(kl_weight=self.kl_weight, temporal_weight=self.temporal_weight, free_bits=self.free_bits,
                      prior_share=self.prior_share, adversarial_weight=self.adversarial_weight,
                      mismatch_weight=self.mismatch_weight,
                      motion_weight=self.motion_weight, l2_weight=self.l2_weight,
                      motion_match_weight=self.motion_match_weight, camera_weight=self.camera_weight,
                      flow_repeats=self.flow_repeats, flow_trains_text=self.flow_trains_text)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.setdefault("discriminator", None)  # models saved before the critic existed have none
        return super().from_config(config)
