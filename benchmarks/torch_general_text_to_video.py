"""The general family's model (scenes_64) and training step in PyTorch, for benchmarks/train_step_peers.py only.

Not part of the package and not a dependency of it: install PyTorch for the benchmark with

    pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

A layer-for-layer port of the `TextToVideoVAE` that `tf_t2v.training.trainer.build_gan` builds
for `model.family: general` (the scenes_64 preset and its siblings) and of its `train_step`:

- the text encoder of benchmarks/torch_text_to_video.py, with attention pooling (`num_pooled`);
- `VideoDecoder`: conditioning MLP, text prior, a dense stem to the base grid, `Conv3DTranspose`
  stages with FiLM from (cond, z) after each, the RGB convolution and the depth-to-space step;
- `VideoEncoder`: space-to-depth, strided 3D convolutions ("same" padding as TensorFlow pads
  it: one more at the end than at the start where the kernel does not fit evenly), the MLP
  with the conditioning, the posterior;
- `FrameCritic`: 2D patch critic over frames and their changes, spectrally normalised as
  Keras' `SpectralNormalization` does it (see `SpectralConv2d`);
- `TextToVideoVAE.train_step`: posterior sample, the prior rows of the hybrid objective
  (the last round(prior_share * B) rows decode from the prior's mean without its gradient),
  L1 (+ L2, motion weights) reconstruction and frame-difference terms, the KL term with free
  bits, the critic's hinge term on the posterior rows (the critic judges clips clipped to
  [-1, 1], as `tf_t2v.models.text_to_video_vae.shown` gives them); Adam with the gradients clipped to a
  global norm on the text encoder, decoder and encoder; the critic's hinge step with its own
  clipped Adam; the moving averages of the text encoder and decoder.

Clips and the losses keep the Keras layout (B, T, H, W, 3); the convolutions run in PyTorch's
NCDHW / NCHW. The step is timed with `torch.optim.Adam` and `clip_grad_norm_`; for the check,
`KerasAdam` (with `global_clipnorm`) updates the weights exactly as Keras does, and
`train_step(..., noise=...)` takes the posterior noise Keras drew for its own step.

One weight cannot follow Keras to the last bit: the bias of the critic's head. While no logit
is clipped by the hinge, its gradient is exactly zero (the real term gives -1, the decoded
term +1); TensorFlow's float32 sums cancel to 0, PyTorch's leave a rounding residue, and Adam
turns a residue of any size into a step of up to the learning rate. The bias shifts every
logit alike, so `d_loss` still matches and only `g_adv` drifts (a few 1e-5 after a few steps,
at 16x16 with the frame critic on).
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from torch_text_to_video import (FiLM, KerasWeights, MovingAverages, TextEncoder, _glorot, descend,
                                 load_text_encoder)

# Loss names, in the order TextToVideoVAE's metrics list them.
LOSSES = ("loss", "rec_loss", "temporal_loss", "prior_rec_loss", "kl", "g_adv", "d_loss")


def same_padding(size, kernel, stride):
    """TensorFlow's "same" padding of one axis: (before, after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def same_conv(conv, x, weight=None):
    """`conv` (an nn.Conv2d or nn.Conv3d made with padding 0) applied with "same" padding."""
    pads = [same_padding(n, k, s) for n, k, s in zip(x.shape[2:], conv.kernel_size, conv.stride)]
    if all(a == b for a, b in pads):
        padding = tuple(a for a, _ in pads)
    else:  # uneven: pad explicitly (F.pad takes the last axis first)
        x = F.pad(x, [p for pair in reversed(pads) for p in pair])
        padding = 0
    fn = F.conv2d if x.dim() == 4 else F.conv3d
    return fn(x, conv.weight if weight is None else weight, conv.bias, conv.stride, padding)


def _transpose_padding(kernel, stride):
    """The nn.ConvTranspose padding that gives TensorFlow's "same" output (size * stride)."""
    if (kernel - stride) % 2:
        raise ValueError(f"A kernel of {kernel} at stride {stride} pads unevenly; the port covers even padding.")
    return (kernel - stride) // 2


class VideoDecoder(nn.Module):
    """As tf_t2v.video.VideoDecoder; `text_dim` is the text encoder's pooled width."""

    def __init__(self, num_frames=16, height=64, width=64, noise_dim=32, channels=(256, 128, 64, 32),
                 base_frames=2, pixel_shuffle=2, cond_dim=256, temperature=1.0, text_dim=512):
        super().__init__()
        self.num_frames, self.height, self.width, self.noise_dim = num_frames, height, width, noise_dim
        self.channels, self.base_frames, self.pixel_shuffle = list(channels), base_frames, pixel_shuffle
        stages = len(channels) - 1
        scale = 2 ** stages * pixel_shuffle
        self.base_height, self.base_width = height // scale, width // scale
        time_ups = int(np.log2(num_frames // base_frames))
        self.time_strides = [2 if i < time_ups else 1 for i in range(stages)]
        self.cond_mlp = nn.Sequential(nn.Linear(text_dim, cond_dim), nn.SiLU(), nn.Linear(cond_dim, cond_dim))
        self.prior_head = nn.Linear(cond_dim, 2 * noise_dim)
        style = cond_dim + noise_dim
        self.stem = nn.Linear(style, base_frames * self.base_height * self.base_width * channels[0])
        self.films = nn.ModuleList(FiLM(c, style) for c in channels)
        kernels = [(2 * s if s > 1 else 3, 4, 4) for s in self.time_strides]
        self.ups = nn.ModuleList(
            nn.ConvTranspose3d(a, b, k, stride=(s, 2, 2),
                               padding=tuple(_transpose_padding(n, t) for n, t in zip(k, (s, 2, 2))))
            for a, b, k, s in zip(channels[:-1], channels[1:], kernels, self.time_strides)
        )
        self.to_rgb = nn.Conv3d(channels[-1], 3 * pixel_shuffle ** 2, (1, 3, 3), padding=(0, 1, 1))

    def condition(self, text):
        return self.cond_mlp(text)

    def prior(self, cond):
        """Mean and log-variance (B, noise_dim) of z given the text."""
        mean, logvar = self.prior_head(cond).chunk(2, dim=-1)
        return mean, logvar.clamp(-8.0, 4.0)

    def decode(self, cond, z):
        """Clips (B, T, H, W, 3) from conditioning (B, cond_dim) and codes (B, noise_dim)."""
        style = torch.cat([cond, z], dim=-1)
        b = style.shape[0]
        x = self.stem(style).view(b, self.base_frames, self.base_height, self.base_width, self.channels[0])
        x = F.silu(self.films[0](x.permute(0, 4, 1, 2, 3), style))  # (B, C, t, h, w)
        for up, film in zip(self.ups, self.films[1:]):
            x = F.silu(film(up(x), style))  # (B, c, t, h, w), doubled
        x = self.to_rgb(x).permute(0, 2, 3, 4, 1)  # (B, T, H / p, W / p, 3 p^2)
        p = self.pixel_shuffle
        if p > 1:
            h, w = self.height // p, self.width // p
            x = x.reshape(b, self.num_frames, h, w, p, p, 3).permute(0, 1, 2, 4, 3, 5, 6)
            x = x.reshape(b, self.num_frames, self.height, self.width, 3)
        return x


class VideoEncoder(nn.Module):
    """As tf_t2v.video.VideoEncoder, for clips of `num_frames` x `height` x `width`."""

    def __init__(self, noise_dim=32, channels=(64, 128, 256), patch=4, hidden_dim=256, cond_dim=256,
                 num_frames=16, height=64, width=64):
        super().__init__()
        self.patch = patch
        ins = [3 * patch ** 2] + list(channels[:-1])
        self.convs = nn.ModuleList(nn.Conv3d(a, b, 3, stride=2) for a, b in zip(ins, channels))
        t, h, w = num_frames, height // patch, width // patch
        for _ in channels:
            t, h, w = -(-t // 2), -(-h // 2), -(-w // 2)
        self.hidden = nn.Linear(t * h * w * channels[-1] + cond_dim, hidden_dim)
        self.head = nn.Linear(hidden_dim, 2 * noise_dim)

    def forward(self, video, cond):
        """Posterior mean and log-variance (B, noise_dim) of clips (B, T, H, W, 3) and cond (B, C)."""
        b, t, h, w, _ = video.shape
        p = self.patch
        x = video.reshape(b, t, h // p, p, w // p, p, 3).permute(0, 1, 2, 4, 3, 5, 6)
        x = x.reshape(b, t, h // p, w // p, 3 * p * p).permute(0, 4, 1, 2, 3)  # (B, 3 p^2, T, H / p, W / p)
        for conv in self.convs:
            x = F.silu(same_conv(conv, x))
        x = x.permute(0, 2, 3, 4, 1).flatten(1)  # channels-last, as the Keras dense layer reads it
        x = F.silu(self.hidden(torch.cat([x, cond], dim=-1)))
        mean, logvar = self.head(x).chunk(2, dim=-1)
        return mean, logvar.clamp(-8.0, 4.0)


def _l2_normalize(x):
    """As keras.ops.normalize(x, axis=None): x * min(1 / |x|, 1 / 1e-7)."""
    return x * torch.minimum(torch.rsqrt((x * x).sum()), torch.tensor(1e7))


class SpectralConv2d(nn.Module):
    """A 2D convolution ("same" padding) under Keras' `SpectralNormalization`, or without it.

    Keras normalises in place: every call in training mode runs one power iteration from the
    stored `u`, divides the kernel variable itself by the estimated spectral norm (and stores
    the new `u`), then convolves with that kernel. The gradient is taken with respect to the
    normalised kernel, not through the division, and the optimizer updates the normalised
    kernel. A critic called three times in one step (on the decoded clips in the generator's
    step, then on real and decoded clips in its own) normalises three times.
    """

    def __init__(self, in_channels, out_channels, kernel, stride, spectral_norm=True):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, stride)
        if spectral_norm:
            self.register_buffer("u", nn.init.trunc_normal_(torch.empty(1, out_channels), std=0.02))
        else:
            self.u = None

    @torch.no_grad()
    def normalize_(self):
        w = self.conv.weight  # (out, in, kh, kw)
        if not w.any():  # Keras leaves an all-zero kernel alone
            return
        matrix = w.permute(2, 3, 1, 0).reshape(-1, w.shape[0])  # Keras' kernel (kh * kw * in, out)
        v = _l2_normalize(self.u @ matrix.T)
        u = _l2_normalize(v @ matrix)
        sigma = v @ matrix @ u.T  # (1, 1)
        w.div_(sigma)
        self.u.copy_(u)

    def forward(self, x, training=False):
        weight = self.conv.weight
        if training and self.u is not None:
            self.normalize_()
            # The convolution keeps this call's kernel for its backward pass, as TensorFlow
            # keeps the value it read; the next call's in-place division leaves it alone.
            weight = weight.clone()
        return same_conv(self.conv, x, weight)


class FrameCritic(nn.Module):
    """As tf_t2v.video.FrameCritic: patch logits (B * frames, h, w) of clips (B, T, H, W, 3)."""

    def __init__(self, channels=(32, 64, 128), frames=4, spectral_norm=True):
        super().__init__()
        self.frames = frames
        ins = [6] + list(channels[:-1])
        self.convs = nn.ModuleList(SpectralConv2d(a, b, 4, 2, spectral_norm) for a, b in zip(ins, channels))
        self.head = SpectralConv2d(channels[-1], 1, 3, 1, spectral_norm)

    def frame_indices(self, num_frames):
        last = num_frames - 2
        count = min(self.frames, last + 1)
        return sorted({round(i * last / max(count - 1, 1)) for i in range(count)})

    def forward(self, video, training=False):
        index = self.frame_indices(video.shape[1])
        now = video[:, index]
        change = video[:, [i + 1 for i in index]] - now
        x = torch.cat([now, change], dim=-1).flatten(0, 1).permute(0, 3, 1, 2)  # (B * F, 6, H, W)
        for conv in self.convs:
            x = F.leaky_relu(conv(x, training), 0.2)
        return self.head(x, training)[:, 0]


class TextToVideoVAE(MovingAverages):
    """Text encoder, decoder, posterior encoder, frame critic and the moving averages.

    Args:
        vocabulary_size: int. Token ids (the Keras tokenizer's vocabulary_size).
        sequence_length: int. Tokens per caption.
        text_encoder, decoder, encoder, frame_critic: dict. The run config's sections
            (`model.text_encoder` with num_pooled resolved, `model.decoder`, `model.encoder`,
            `model.frame_critic`; no critic when its channels are empty).
        ema_decay, kl_weight, temporal_weight, free_bits, prior_share, adversarial_weight,
            motion_weight, l2_weight: float. As `tf_t2v.models.TextToVideoVAE`.
    """

    def __init__(self, vocabulary_size, sequence_length, text_encoder, decoder, encoder, frame_critic=None,
                 ema_decay=0.999, kl_weight=1e-4, temporal_weight=1.0, free_bits=0.0, prior_share=0.0,
                 adversarial_weight=0.0, motion_weight=0.0, l2_weight=0.0):
        super().__init__()
        text_dim = text_encoder["hidden_dim"] * text_encoder.get("num_pooled", 1)
        make_text = lambda: TextEncoder(vocabulary_size, sequence_length, **text_encoder)  # noqa: E731
        make_decoder = lambda: VideoDecoder(text_dim=text_dim, **decoder)  # noqa: E731
        self.text_encoder, self.generator = make_text(), make_decoder()
        g = self.generator
        self.encoder = VideoEncoder(noise_dim=g.noise_dim, cond_dim=decoder.get("cond_dim", 256),
                                    num_frames=g.num_frames, height=g.height, width=g.width, **encoder)
        critic = frame_critic or {}
        self.discriminator = FrameCritic(**critic) if critic.get("channels") else None
        _glorot(self)
        for zero in [g.prior_head, self.encoder.head] + [film.dense for film in g.films]:
            nn.init.zeros_(zero.weight)  # Keras: kernel_initializer="zeros"
        self.make_averages(make_text, make_decoder, ema_decay)
        self.kl_weight, self.temporal_weight = kl_weight, temporal_weight
        self.free_bits, self.prior_share, self.adversarial_weight = free_bits, prior_share, adversarial_weight
        self.motion_weight, self.l2_weight = motion_weight, l2_weight

    def generator_parameters(self):
        """What the generator's optimizer updates: text encoder, decoder, posterior encoder."""
        return [*self.text_encoder.parameters(), *self.generator.parameters(), *self.encoder.parameters()]

    def pixel_weights(self, video):
        if self.motion_weight == 0:
            return torch.ones_like(video[..., :1])
        deviation = (video - video.mean(1, keepdim=True)).abs().mean(-1, keepdim=True)
        weight = 1.0 + self.motion_weight * deviation
        return weight / weight.mean((1, 2, 3, 4), keepdim=True)

    def losses(self, tokens, video, noise):
        """(loss terms, decoded clips, posterior-row mask (B,)) for token ids (B, L), clips
        (B, T, H, W, 3) in [-1, 1] and the posterior noise (B, noise_dim)."""
        g = self.generator
        cond = g.condition(self.text_encoder(tokens))
        prior_mean, prior_logvar = g.prior(cond)
        mean, logvar = self.encoder(video, cond)
        z = mean + torch.exp(0.5 * logvar) * noise
        batch = video.shape[0]
        from_prior = torch.arange(batch) >= batch - round(self.prior_share * batch)  # the last rows
        if self.prior_share > 0:
            z = torch.where(from_prior[:, None], prior_mean.detach(), z)
        fake = g.decode(cond, z)  # (B, T, H, W, 3)
        difference = fake - video
        weighted = self.pixel_weights(video) * (difference.abs() + self.l2_weight * difference.square())
        error = weighted.mean((1, 2, 3, 4))  # (B,)
        motion_error = ((fake[:, 1:] - fake[:, :-1]) - (video[:, 1:] - video[:, :-1])).abs().mean((1, 2, 3, 4))
        posterior = (~from_prior).to(video.dtype)
        prior = 1.0 - posterior
        posterior_rows = posterior.sum().clamp_min(1.0)
        rec_loss = (error * posterior).sum() / posterior_rows
        temporal_loss = (motion_error * posterior).sum() / posterior_rows
        prior_rec_loss = ((error + self.temporal_weight * motion_error) * prior).sum() / prior.sum().clamp_min(1.0)
        kl = 0.5 * (prior_logvar - logvar + (logvar.exp() + (mean - prior_mean).square()) / prior_logvar.exp()
                    - 1.0)  # (B, Z)
        kl_dims = kl.mean(0)
        share = self.prior_share
        loss = ((1.0 - share) * (rec_loss + self.temporal_weight * temporal_loss) + share * prior_rec_loss
                + self.kl_weight * kl_dims.clamp_min(self.free_bits).sum())
        g_adv = torch.zeros(())
        if self.discriminator is not None:
            logits = self.discriminator(fake.clamp(-1.0, 1.0), training=True).reshape(batch, -1)
            g_adv = -(logits.mean(1) * posterior).sum() / posterior_rows
            loss = loss + self.adversarial_weight * g_adv
        values = dict(loss=loss, rec_loss=rec_loss, temporal_loss=temporal_loss, prior_rec_loss=prior_rec_loss,
                      kl=kl_dims.sum(), g_adv=g_adv, d_loss=torch.zeros(()))
        return values, fake, posterior

    def critic_loss(self, video, fake, posterior):
        """Hinge loss of the critic: real clips against the posterior rows' decoded ones."""
        batch = video.shape[0]
        real = F.relu(1.0 - self.discriminator(video, training=True).reshape(batch, -1)).mean(1)
        fake = F.relu(1.0 + self.discriminator(fake.clamp(-1.0, 1.0), training=True).reshape(batch, -1)).mean(1)
        return real.mean() + (fake * posterior).sum() / posterior.sum().clamp_min(1.0)

    def train_step(self, batch, g_optimizer, d_optimizer=None, clipnorm=0.0, noise=None):
        """One step on {"tokens" (B, L) int64, "video" (B, T, H, W, 3)}; returns the losses as
        floats (which waits for it). `clipnorm` > 0 clips with `clip_grad_norm_` (leave it 0
        for optimizers that clip themselves, as `KerasAdam` does); `noise` (B, noise_dim) is
        the posterior noise, None draws it."""
        video = batch["video"]
        critic = self.discriminator
        if critic is not None:
            critic.requires_grad_(False)  # the generator's step needs no critic weight gradients
        if noise is None:
            noise = torch.randn(video.shape[0], self.generator.noise_dim)
        values, fake, posterior = self.losses(batch["tokens"], video, noise)
        descend(values["loss"], g_optimizer, self.generator_parameters(), clipnorm)
        if critic is not None:
            critic.requires_grad_(True)
            values["d_loss"] = self.critic_loss(video, fake.detach(), posterior)
            descend(values["d_loss"], d_optimizer, critic.parameters(), clipnorm)
        self.update_averages()
        return {name: float(values[name].detach()) for name in LOSSES}


def load_keras_weights(model, weights):
    """Copies a Keras `TextToVideoVAE`'s weights into `model`, a TextToVideoVAE.

    Args:
        model: TextToVideoVAE.
        weights: dict. "text_encoder", "generator", "encoder", "critic": {variable path inside
            that layer: numpy array}, e.g. "block_0/attention/query/kernel", "up_0/kernel"; the
            critic's as "conv_0/kernel", "conv_0/bias", "conv_0/vector_u", ..., "head/..." (the
            wrapped convolutions by name, with their spectral-norm vectors). Every array must be
            used: a left-over one means the port and the model differ.
    """
    with torch.no_grad():
        load_text_encoder(model.text_encoder, weights["text_encoder"])
        g, w = model.generator, KerasWeights(weights["generator"], "decoder")
        w.dense(g.cond_mlp[0], "cond_0")
        w.dense(g.cond_mlp[2], "cond_1")
        w.dense(g.prior_head, "prior")
        w.dense(g.stem, "stem")
        for i, film in enumerate(g.films):
            w.dense(film.dense, f"film_{i}/dense")
        for i, up in enumerate(g.ups):
            w.conv(up, f"up_{i}")
        w.conv(g.to_rgb, "to_rgb")
        w.check()

        e, w = model.encoder, KerasWeights(weights["encoder"], "encoder")
        for i, conv in enumerate(e.convs):
            w.conv(conv, f"conv_{i}")
        w.dense(e.hidden, "hidden")
        w.dense(e.head, "head")
        w.check()

        if model.discriminator is not None:
            d, w = model.discriminator, KerasWeights(weights["critic"], "critic")
            for layer, name in [*((c, f"conv_{i}") for i, c in enumerate(d.convs)), (d.head, "head")]:
                w.conv(layer.conv, name)
                if layer.u is not None:
                    layer.u.copy_(w.get(f"{name}/vector_u"))
            w.check()
        model.reset_averages()
