"""`TextToVideoGAN`: the text-to-video task model."""

import keras
import tensorflow as tf
from keras import ops

from tf_t2v.models.text_to_video import TextToVideo
from tf_t2v.video.compositing import shift_kernels

# Loss tracker names, in the order `metrics` lists them.
LOSSES = (
    "g_loss", "d_loss", "g_adv", "d_real", "d_fake", "rec_loss", "prior_loss",
    "velocity_loss", "mask_loss", "color_loss", "background_loss", "attribute_loss",
)


@keras.saving.register_keras_serializable(package="tf_t2v")
class TextToVideoGAN(TextToVideo):
    """The sprite family's task: tokenizer, text encoder, sprite generator and critic in one model.

    Training (`fit` on dict batches {"caption": (B,) tf.string, "video": (B, T, H, W, 3) float
    in [-1, 1]}, plus, where the dataset has them, "start": (B, 2) the object's first-frame
    centre in pixels, and attribute labels) runs both players from one forward pass, each with
    its own tape and optimizer:
    - critic (when `adversarial_weight` > 0): hinge loss on real clips with their captions
      (real), generated clips (fake) and, matching-aware, real clips with another clip's caption
      (fake); the generator gets the hinge adversarial loss;
    - with "start": the loss that teaches the noise -> start box (pinball on its quantiles),
      optionally a reconstruction of the real clip from its caption and start (foreground-
      weighted L1), and layer supervision: the real first frame, cut out around the start, is
      the target of the sprite's alpha (cross-entropy against its brightness) and colour, the
      uncovered pixels the target of the background, and the motion of the real foreground's
      centroid the target of the velocity. These tell the generator directly what each word
      means, which the adversarial signal alone does only slowly (it is what makes training on
      moving_shapes reach high caption accuracy in minutes on a CPU). They assume a dark,
      static background, as moving_shapes has;
    - with attribute labels named in `attribute_classes`: cross-entropy of small heads on the
      generator's conditioning vector, so the text encoder separates the attributes early.
    With a generator of K > 1 objects, "start" is (B, K, 2) and labels (B, K), in caption
    order; each object's targets are keyed by its colour (the hue at its start centre in the
    first frame), so the other objects in the frame do not leak into them.
    An exponential moving average of the text encoder and generator (`ema_text_encoder`,
    `ema_generator`) is what `generate` and export use (`tf_t2v.models.TextToVideo`).

    Args:
        tokenizer: `tf_t2v.text.TextTokenizer`.
        text_encoder: `tf_t2v.text.TextEncoder`.
        generator: `tf_t2v.video.VideoGenerator`.
        discriminator: `tf_t2v.video.VideoDiscriminator`.
        ema_decay: float. Decay of the moving average of the generator's weights.
        adversarial_weight: float. Weight of the generator's adversarial loss.
        reconstruction_weight: float. Weight of the reconstruction loss (used when batches
            carry "start").
        layer_weight: float. Weight of the layer supervision (used when batches carry "start").
        attribute_weight: float. Weight of the attribute heads' cross-entropy.
        attribute_classes: dict name -> int. Attribute labels in the batches (ClassLabels,
            one per object) and their class counts, e.g. {"shape": 4, "color": 7}.
        foreground_weight: float. Extra weight of pixels that are not background (brighter
            than `foreground_threshold` in the real clip) in the reconstruction loss.
        foreground_threshold: float. Brightness in [-1, 1] above which a pixel is foreground.
        mismatch_weight: float. Share of the critic's fake term given to real clips with a
            wrong caption.
        seed: int. Seed of the training noise.

    Example:
    ```python
    gan = tf_t2v.models.TextToVideoGAN(tokenizer, text_encoder, generator, discriminator)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(1e-3))
    gan.fit(dataset, epochs=1, steps_per_epoch=100)
    clips = gan.generate(["a small red circle moves slowly to the left"], seed=7)  # uint8
    ```
    """

    def __init__(
        self,
        tokenizer,
        text_encoder,
        generator,
        discriminator,
        ema_decay=0.999,
        adversarial_weight=0.1,
        reconstruction_weight=0.0,
        layer_weight=1.0,
        attribute_weight=1.0,
        attribute_classes=None,
        foreground_weight=4.0,
        foreground_threshold=0.0,
        mismatch_weight=0.5,
        seed=None,
        **kwargs,
    ):
        super().__init__(tokenizer, text_encoder, generator, ema_decay=ema_decay, seed=seed, **kwargs)
        self.discriminator = discriminator
        self.adversarial_weight = adversarial_weight
        self.reconstruction_weight = reconstruction_weight
        self.layer_weight = layer_weight
        self.attribute_weight = attribute_weight
        self.attribute_classes = dict(attribute_classes or {})
        self.attribute_heads = {
            name: keras.layers.Dense(n, name=f"attribute_{name}") for name, n in self.attribute_classes.items()
        }
        self.foreground_weight = foreground_weight
        self.foreground_threshold = foreground_threshold
        self.mismatch_weight = mismatch_weight
        self.trackers = {name: keras.metrics.Mean(name=name) for name in LOSSES}
        self._build_players()

    def _build_players(self):
        """Builds every sub-model with one tiny batch, so weights exist before training or loading."""
        text = self._build_sampler()
        video = ops.zeros((1, self.num_frames) + self.frame_size + (3,))
        self.discriminator(video, text)
        for head in self.attribute_heads.values():
            head.build((None, self.generator.cond_dim))
        self.built = True

    # === Training ===
    def compile(self, g_optimizer, d_optimizer, **kwargs):
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        # Built here, inside the caller's strategy scope (needed by tf.distribute).
        self.g_optimizer.build(self._generator_trainable_variables())
        self.d_optimizer.build(self.discriminator.trainable_variables)

    def _generator_trainable_variables(self):
        heads = [v for head in self.attribute_heads.values() for v in head.trainable_variables]
        return self.text_encoder.trainable_variables + self.generator.trainable_variables + heads

    @property
    def metrics(self):
        return list(self.trackers.values())

    def normalise_start(self, start):
        """Start centres in pixels (x, y) to [-1, 1] frame coordinates."""
        height, width = self.frame_size
        return ops.cast(start, "float32") / ops.array([width / 2.0, height / 2.0]) - 1.0

    def reconstruction_loss(self, fake, real):
        """Foreground-weighted mean absolute error of two clips (B, T, H, W, 3)."""
        real = ops.cast(real, "float32")
        fake = ops.cast(fake, "float32")
        foreground = ops.cast(ops.max(real, axis=-1, keepdims=True) > self.foreground_threshold, "float32")
        weight = 1.0 + self.foreground_weight * foreground
        return ops.mean(weight * ops.abs(fake - real))

    def _foreground(self, video):
        return ops.cast(ops.max(video, axis=-1) > self.foreground_threshold, "float32")  # (B, T, H, W)

    @staticmethod
    def _hue_match(video, key):
        """Where pixels of clips (B, ..., 3) in [-1, 1] have the hue `key` (B, 3): float 0/1."""
        rgb = (ops.cast(video, "float32") + 1.0) * 0.5
        hue = rgb / ops.maximum(ops.max(rgb, axis=-1, keepdims=True), 1e-3)
        key = ops.reshape(key, (ops.shape(key)[0],) + (1,) * (len(video.shape) - 2) + (3,))
        return ops.cast(ops.max(ops.abs(hue - key), axis=-1) < 0.35, "float32")

    def centroid_motion(self, video, key=None):
        """First-to-last-frame displacement (B, 2) of the foreground centroid, in [-1, 1] units.

        With `key` (B, 3), a hue, only foreground pixels of that hue count.
        """
        mask = self._foreground(ops.cast(video, "float32"))
        if key is not None:
            mask = mask * self._hue_match(video, key)
        count = ops.maximum(ops.sum(mask, axis=(2, 3)), 1.0)  # (B, T)
        height, width = self.frame_size
        xs = ops.arange(width, dtype="float32") + 0.5
        ys = ops.arange(height, dtype="float32") + 0.5
        cx = ops.sum(mask * xs[None, None, None, :], axis=(2, 3)) / count
        cy = ops.sum(mask * ys[None, None, :, None], axis=(2, 3)) / count
        centre = ops.stack([cx, cy], axis=-1)  # (B, T, 2) pixels
        return (centre[:, -1] - centre[:, 0]) / ops.array([width / 2.0, height / 2.0])

    def layer_losses(self, cond, video, start):
        """Supervision of the generator's layers from a real clip whose object starts at `start`.

        Args:
            cond: (B * K, cond_dim) generator conditioning.
            video: (B, T, H, W, 3) real clips in [-1, 1].
            start: (B * K, 2) object starts in [-1, 1] frame coordinates.

        Returns:
            dict of scalar losses: velocity, mask, color, background.
        """
        video = ops.cast(video, "float32")
        height, width = self.frame_size
        k = self.generator.num_objects
        objects = ops.repeat(video, k, axis=0) if k > 1 else video  # (B * K, T, H, W, 3)
        rgb, alpha = self.generator.sprite(cond)
        rgb, alpha = ops.cast(rgb, "float32"), ops.cast(alpha, "float32")
        # The real first frame in sprite coordinates: the window centred on the start.
        centres = (start[:, None, :] + 1.0) * ops.array([width / 2.0, height / 2.0])  # (B*K, 1, 2)
        sprite_size = self.generator.sprite_size
        ky, kx = shift_kernels(centres, (height, width), sprite_size, "float32")
        frame = objects[:, :1] + 1.0  # (B * K, 1, H, W, 3) in [0, 2]
        crop = ops.einsum("btyi,btyxc->btixc", ky, frame)
        crop = ops.einsum("btixc,btxj->bijc", crop, kx) - 1.0  # (B * K, S, S, 3) in [-1, 1]
        key = None
        if k > 1:
            middle = slice(sprite_size // 2 - 1, sprite_size // 2 + 1)
            centre = (ops.mean(crop[:, middle, middle], axis=(1, 2)) + 1.0) * 0.5  # (B * K, 3)
            key = centre / ops.maximum(ops.max(centre, axis=-1, keepdims=True), 1e-3)
            crop = (crop + 1.0) * self._hue_match(crop, key)[..., None] - 1.0  # others -> black
        motion = self.centroid_motion(objects, key)
        velocity_loss = ops.mean(ops.abs(self.generator.velocity(cond) - motion))
        cover = ops.stop_gradient(ops.max(crop, axis=-1, keepdims=True) * 0.5 + 0.5)  # (B, S, S, 1)
        a = ops.clip(alpha, 1e-6, 1.0 - 1e-6)
        mask_loss = -ops.mean(cover * ops.log(a) + (1.0 - cover) * ops.log(1.0 - a))
        core = ops.cast(cover > 0.5, "float32")
        target = ((crop + 1.0) * 0.5 / ops.maximum(cover, 1e-3)) * 2.0 - 1.0  # colour, unpremultiplied
        color_loss = ops.sum(core * ops.abs(rgb - target)) / ops.maximum(3.0 * ops.sum(core), 1.0)
        background = ops.cast(self.generator.background(cond), "float32")  # (B, H, W, 3)
        uncovered = 1.0 - self._foreground(video[:, :1])[:, 0, ..., None]  # (B, H, W, 1)
        background_loss = ops.sum(uncovered * ops.abs(background - video[:, 0])) / ops.maximum(
            3.0 * ops.sum(uncovered), 1.0
        )
        return dict(
            velocity_loss=velocity_loss, mask_loss=mask_loss, color_loss=color_loss,
            background_loss=background_loss,
        )

    def train_step(self, data):
        video = ops.cast(data["video"], self.compute_dtype)
        tokens = self.token_ids(data)
        batch = ops.shape(video)[0]
        noise = keras.random.normal((batch, self.noise_dim), seed=self.seed_generator)
        scale = self._replica_scale()
        values = {}
        adversarial = self.adversarial_weight > 0
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            text = self.text_encoder(tokens, training=True)["pooled"]  # (B, D)
            cond = self.generator.condition(text)
            g_loss = ops.zeros(())
            if adversarial:
                fake = self.generator(text, noise, training=True)  # (B, T, H, W, 3)
                d_text = ops.stop_gradient(text)
                h_real = self.discriminator.features(video, training=True)
                h_fake = self.discriminator.features(fake, training=True)
                d_real = self.discriminator.score(h_real, d_text, training=True)
                d_fake = self.discriminator.score(h_fake, d_text, training=True)
                d_wrong = self.discriminator.score(h_real, ops.roll(d_text, 1, axis=0), training=True)
                m = self.mismatch_weight
                d_loss = (
                    ops.mean(ops.relu(1.0 - d_real))
                    + (1.0 - m) * ops.mean(ops.relu(1.0 + d_fake))
                    + m * ops.mean(ops.relu(1.0 + d_wrong))
                )
                values.update(d_loss=d_loss, g_adv=-ops.mean(d_fake), d_real=ops.mean(d_real),
                              d_fake=ops.mean(d_fake))
                g_loss = g_loss + self.adversarial_weight * values["g_adv"]
            if "start" in data:
                start = ops.reshape(self.normalise_start(data["start"]), (-1, 2))  # (B * K, 2)
                values["prior_loss"] = self.generator.start_prior_loss(cond, start)
                g_loss = g_loss + values["prior_loss"]
                if self.reconstruction_weight > 0:
                    rec = self.generator.reconstruct(text, start)
                    values["rec_loss"] = self.reconstruction_loss(rec, video)
                    g_loss = g_loss + self.reconstruction_weight * values["rec_loss"]
                if self.layer_weight > 0:
                    layer = self.layer_losses(cond, video, start)
                    values.update(layer)
                    g_loss = g_loss + self.layer_weight * sum(layer.values())
            labelled = [name for name in self.attribute_heads if name in data]
            if self.attribute_weight > 0 and labelled:
                values["attribute_loss"] = sum(
                    ops.mean(keras.losses.sparse_categorical_crossentropy(
                        ops.reshape(data[name], (-1,)),  # (B * K,) in caption order
                        ops.cast(self.attribute_heads[name](cond), "float32"), from_logits=True))
                    for name in labelled
                )
                g_loss = g_loss + self.attribute_weight * values["attribute_loss"]
            values["g_loss"] = g_loss
            g_scaled = g_loss * scale
            d_scaled = values["d_loss"] * scale if adversarial else None
        if adversarial:
            d_vars = self.discriminator.trainable_variables
            self.d_optimizer.apply_gradients(zip(d_tape.gradient(d_scaled, d_vars), d_vars))
        g_vars = self._generator_trainable_variables()
        grads = g_tape.gradient(g_scaled, g_vars)
        self.g_optimizer.apply_gradients(
            [(g, v) for g, v in zip(grads, g_vars) if g is not None]
        )
        self._update_ema()
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in LOSSES if name in values}

    def test_step(self, data):
        video = ops.cast(data["video"], "float32")
        tokens = self.token_ids(data)
        text = self.ema_text_encoder(tokens)["pooled"]
        batch = ops.shape(video)[0]
        noise = keras.random.normal((batch, self.noise_dim), seed=self.seed_generator)
        fake = self.ema_generator(text, noise)
        d_real = self.discriminator(video, text)
        d_fake = self.discriminator(fake, text)
        self.trackers["d_real"].update_state(ops.mean(d_real))
        self.trackers["d_fake"].update_state(ops.mean(d_fake))
        self.trackers["g_adv"].update_state(-ops.mean(d_fake))
        if "start" in data:
            start = ops.reshape(self.normalise_start(data["start"]), (-1, 2))
            rec = self.ema_generator.reconstruct(text, start)
            self.trackers["rec_loss"].update_state(self.reconstruction_loss(rec, video))
        return {name: self.trackers[name].result() for name in ("d_real", "d_fake", "g_adv", "rec_loss")}

    # === Serialisation ===
    FAMILY = "sprite"
    _PARTS = TextToVideo._PARTS + ("discriminator",)

    def get_config(self):
        config = super().get_config()
        config.update(
            adversarial_weight=self.adversarial_weight,
            reconstruction_weight=self.reconstruction_weight,
            layer_weight=self.layer_weight,
            attribute_weight=self.attribute_weight,
            attribute_classes=dict(self.attribute_classes),
            foreground_weight=self.foreground_weight,
            foreground_threshold=self.foreground_threshold,
            mismatch_weight=self.mismatch_weight,
        )
        return config
