"""The single_64 model and its training step ported to PyTorch, for benchmarks/train_step_peers.py only.

Not part of the package and not a dependency of it: install PyTorch for the benchmark with

    pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

A layer-for-layer port of what `tf_t2v.training.trainer.build_gan` builds from the single_64
preset and of the generator's half of `TextToVideoGAN.train_step` (the half that runs when
`adversarial_weight` is 0, as in that preset):

- `TextEncoder`: token + position embeddings, pre-norm Transformer blocks (LayerNorm,
  `nn.MultiheadAttention` with a key padding mask, GELU MLP), a final LayerNorm, the masked mean
  (or, with `num_pooled` > 1, `AttentionPooling`).
- `VideoGenerator`: the conditioning MLP, start-box, velocity, content, background and colour
  heads, the conv-transpose sprite stack with FiLM at every resolution, and the parts of the
  layer supervision (`sprite`, `background`, `velocity`, `start_box`).
- `VideoDiscriminator`: the spectrally normalised 3D critic, built so the parameter counts can
  be compared; the step does not run it (nor does the Keras step at adversarial weight 0).
- `TextToVideo.train_step`: start-prior pinball loss, layer supervision (velocity, mask, colour,
  background), attribute heads' cross-entropy; Adam on the text encoder, generator and heads;
  the exponential moving average of the text encoder and generator.

Tensors keep the Keras layouts where the losses read them (clips (B, T, H, W, 3), sprites and
backgrounds channels-last); the convolutions run in PyTorch's own NCHW. The step is timed
with `torch.optim.Adam`. `load_keras_weights` copies a Keras model's weights in and `KerasAdam`
updates them exactly as Keras does, so both implementations can be checked to compute the same
losses, step after step, on the same batch.

benchmarks/torch_general_text_to_video.py (the general family) builds on the text encoder,
FiLM, the initialisers, the moving averages (`MovingAverages`), `descend`, `KerasAdam` and the
weight copying (`KerasWeights`, `load_text_encoder`) defined here.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

PRIOR_QUANTILES = (0.02, 0.98)  # as tf_t2v.video.video_generator


def _glorot(module):
    """Keras' initialisers: glorot_uniform kernels, zero biases, uniform(-0.05, 0.05) embeddings."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d, nn.Conv3d, nn.ConvTranspose3d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.uniform_(m.weight, -0.05, 0.05)


class TransformerEncoderBlock(nn.Module):
    def __init__(self, hidden_dim, num_heads, intermediate_dim):
        super().__init__()
        self.attention_norm = nn.LayerNorm(hidden_dim, eps=1e-5)
        self.attention = nn.MultiheadAttention(hidden_dim, num_heads, batch_first=True)
        self.mlp_norm = nn.LayerNorm(hidden_dim, eps=1e-5)
        self.mlp_intermediate = nn.Linear(hidden_dim, intermediate_dim)
        self.mlp_output = nn.Linear(intermediate_dim, hidden_dim)

    def forward(self, x, mask):  # x (B, L, D), mask (B, L) True for real tokens
        h = self.attention_norm(x)
        h, _ = self.attention(h, h, h, key_padding_mask=~mask, need_weights=False)
        x = x + h
        return x + self.mlp_output(F.gelu(self.mlp_intermediate(self.mlp_norm(x))))


class AttentionPooling(nn.Module):
    """As tf_t2v.text.AttentionPooling: `num_queries` learned queries read the real tokens."""

    def __init__(self, num_queries, hidden_dim):
        super().__init__()
        self.queries = nn.Parameter(nn.init.xavier_uniform_(torch.empty(num_queries, hidden_dim)))

    def forward(self, sequence, mask):  # sequence (B, L, D), mask (B, L) -> (B, Q * D)
        scores = torch.einsum("bld,qd->bql", sequence, self.queries) / math.sqrt(sequence.shape[-1])
        real = mask[:, None, :].to(sequence.dtype)  # (B, 1, L)
        weights = torch.softmax(scores - 1e9 * (1.0 - real), dim=-1) * real  # (B, Q, L)
        return torch.einsum("bql,bld->bqd", weights, sequence).flatten(1)


class TextEncoder(nn.Module):
    def __init__(self, vocabulary_size, sequence_length, hidden_dim=128, num_layers=2, num_heads=4,
                 intermediate_dim=256, num_pooled=1):
        super().__init__()
        self.token_embedding = nn.Embedding(vocabulary_size, hidden_dim)
        self.position_embedding = nn.Embedding(sequence_length, hidden_dim)
        self.blocks = nn.ModuleList(
            TransformerEncoderBlock(hidden_dim, num_heads, intermediate_dim) for _ in range(num_layers)
        )
        self.final_norm = nn.LayerNorm(hidden_dim, eps=1e-5)
        self.attention_pooling = AttentionPooling(num_pooled, hidden_dim) if num_pooled > 1 else None
        self.keep_embedded = False  # KerasAdam reads the gradient of each embedded token

    def forward(self, token_ids):
        """Pooled sentence embeddings (B, D), or (B, num_pooled * D), of token ids (B, L); id 0 is padding."""
        mask = token_ids != 0  # (B, L)
        positions = torch.arange(token_ids.shape[1], device=token_ids.device)
        x = self.token_embedding(token_ids) + self.position_embedding(positions)[None]  # (B, L, D)
        if self.keep_embedded:
            x.retain_grad()
            self.embedded, self.token_ids = x, token_ids
        for block in self.blocks:
            x = block(x, mask)
        weights = mask[..., None].to(x.dtype)  # (B, L, 1)
        sequence = self.final_norm(x) * weights
        if self.attention_pooling is not None:
            return self.attention_pooling(sequence, mask)
        return sequence.sum(1) / weights.sum(1).clamp_min(1.0)


class FiLM(nn.Module):
    def __init__(self, channels, cond_dim):
        super().__init__()
        self.dense = nn.Linear(cond_dim, 2 * channels)

    def forward(self, x, c):  # x (B, C, ...) channels-first, c (B, cond_dim)
        gamma, beta = self.dense(c).chunk(2, dim=-1)  # (B, C) each
        expand = (slice(None), slice(None)) + (None,) * (x.dim() - 2)
        return x * (1.0 + gamma[expand]) + beta[expand]


def _mlp(in_dim, hidden, out):
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.SiLU(), nn.Linear(hidden, out))


class VideoGenerator(nn.Module):
    """`motion="linear"`, `color="flat"`, `noise_to_content=False`: the single_64 generator."""

    def __init__(self, num_frames=16, height=64, width=64, noise_dim=8, channels=(128, 64, 32, 32),
                 sprite_size=None, background_size=8, cond_dim=256, text_dim=128):
        super().__init__()
        self.num_frames, self.height, self.width, self.noise_dim = num_frames, height, width, noise_dim
        self.channels = list(channels)
        self.sprite_size = sprite_size or height // 2
        self.base_size = self.sprite_size // 2 ** (len(channels) - 1)
        self.background_size = background_size
        self.cond_mlp = nn.Sequential(nn.Linear(text_dim, cond_dim), nn.SiLU(), nn.Linear(cond_dim, cond_dim),
                                      nn.SiLU())
        self.box_head = _mlp(cond_dim, 128, 4)
        self.velocity_head = _mlp(cond_dim, 128, 2)
        self.content = nn.Linear(cond_dim, self.base_size * self.base_size * channels[0])
        self.background_head = nn.Linear(cond_dim, background_size * background_size * 3)
        self.color_head = nn.Linear(cond_dim, 3)
        self.up = nn.ModuleList(
            nn.ConvTranspose2d(a, b, 4, stride=2, padding=1) for a, b in zip(channels[:-1], channels[1:])
        )
        self.convs = nn.ModuleList(nn.Conv2d(c, c, 3, padding=1) for c in channels)
        self.films = nn.ModuleList(FiLM(c, cond_dim) for c in channels)
        self.to_rgba = nn.Conv2d(channels[-1], 4, 3, padding=1)

    def condition(self, text):
        return self.cond_mlp(text)

    def start_box(self, cond):
        box = self.box_head(cond)
        return box[:, :2], box[:, 2:]

    def velocity(self, cond):
        return 2.0 * torch.tanh(self.velocity_head(cond) / 2.0)

    def sprite(self, cond):
        """Colour (B, S, S, 3) in [-1, 1] and alpha (B, S, S, 1), channels-last as in Keras."""
        b, s = cond.shape[0], self.base_size
        x = self.content(cond).view(b, s, s, self.channels[0]).permute(0, 3, 1, 2)  # (B, C, s, s)
        for i in range(len(self.channels)):
            if i > 0:
                x = self.up[i - 1](x)
            x = F.leaky_relu(self.films[i](self.convs[i](x), cond), 0.2)
        rgba = self.to_rgba(x).permute(0, 2, 3, 1)  # (B, S, S, 4)
        alpha = torch.sigmoid(rgba[..., 3:])
        rgb = torch.tanh(self.color_head(cond))[:, None, None, :] * torch.ones_like(rgba[..., :3])
        return rgb, alpha

    def background(self, cond):
        """(B, H, W, 3) in [-1, 1]: the small map, bilinearly upsampled."""
        n = self.background_size
        small = torch.tanh(self.background_head(cond)).view(-1, n, n, 3).permute(0, 3, 1, 2)
        big = F.interpolate(small, size=(self.height, self.width), mode="bilinear", align_corners=False)
        return big.permute(0, 2, 3, 1)

    def start_prior_loss(self, cond, start):
        low, high = self.start_box(cond)
        return _pinball(start - low, PRIOR_QUANTILES[0]) + _pinball(start - high, PRIOR_QUANTILES[1])


def _pinball(error, tau):
    return torch.maximum(tau * error, (tau - 1.0) * error).mean()


class SpectralNorm(nn.Module):
    """Keras' `SpectralNormalization` parameters: the wrapped layer plus a (1, out) `u` vector."""

    def __init__(self, layer, out_features):
        super().__init__()
        self.layer = layer
        self.register_buffer("u", torch.randn(1, out_features))


class VideoDiscriminator(nn.Module):
    """The critic's layers (built for the parameter count; the step at adversarial weight 0 skips it)."""

    def __init__(self, channels=(32, 64, 128, 256), text_dim=128):
        super().__init__()
        ins = [3] + list(channels[:-1])
        self.convs = nn.ModuleList(
            SpectralNorm(nn.Conv3d(a, b, (1 if i == 0 else 3, 4, 4), stride=(1 if i == 0 else 2, 2, 2)), b)
            for i, (a, b) in enumerate(zip(ins, channels))
        )
        self.psi = SpectralNorm(nn.Linear(channels[-1], 1), 1)
        self.embed = SpectralNorm(nn.Linear(text_dim, channels[-1], bias=False), channels[-1])


def shift_kernels(centres, frame_size, sprite_size):
    """As tf_t2v.video.compositing.shift_kernels: (B, T, H, S) and (B, T, W, S) tent weights."""
    height, width = frame_size
    offsets = torch.arange(sprite_size, dtype=torch.float32) + 0.5 - sprite_size / 2.0

    def kernel(size, centre):  # centre (B, T)
        pixels = torch.arange(size, dtype=torch.float32) + 0.5
        d = pixels[None, None, :, None] - centre[:, :, None, None] - offsets[None, None, None, :]
        return torch.relu(1.0 - d.abs())

    return kernel(height, centres[..., 1]), kernel(width, centres[..., 0])


class MovingAverages(nn.Module):
    """A task with `text_encoder` and `generator` and their exponential moving averages
    (`ema_text_encoder`, `ema_generator`), as tf_t2v.models.TextToVideo keeps them."""

    def make_averages(self, make_text_encoder, make_generator, decay):
        """Builds the averages with the two factories and starts them at the online weights."""
        self.ema_text_encoder, self.ema_generator = make_text_encoder(), make_generator()
        self.ema_text_encoder.requires_grad_(False)
        self.ema_generator.requires_grad_(False)
        self.ema_decay = decay
        self.reset_averages()

    def reset_averages(self):
        self.ema_text_encoder.load_state_dict(self.text_encoder.state_dict())
        self.ema_generator.load_state_dict(self.generator.state_dict())

    @torch.no_grad()
    def update_averages(self):
        for ema, online in ((self.ema_text_encoder, self.text_encoder), (self.ema_generator, self.generator)):
            torch._foreach_lerp_(list(ema.parameters()), list(online.parameters()), 1.0 - self.ema_decay)


def descend(loss, optimizer, params=None, clipnorm=0.0):
    """One optimizer step on `loss`; with `clipnorm` > 0, `params`' gradients clipped to that global norm first."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if clipnorm:
        torch.nn.utils.clip_grad_norm_(params, clipnorm)
    optimizer.step()


class TextToVideo(MovingAverages):
    """Text encoder, generator, attribute heads, their moving averages, and the critic."""

    def __init__(self, vocabulary_size, sequence_length=24, attribute_classes=None, ema_decay=0.995,
                 foreground_threshold=0.0, layer_weight=1.0, attribute_weight=1.0, text_encoder=None,
                 generator=None, discriminator=None):
        super().__init__()
        text_encoder, generator, discriminator = text_encoder or {}, generator or {}, discriminator or {}
        make_encoder = lambda: TextEncoder(vocabulary_size, sequence_length, **text_encoder)  # noqa: E731
        hidden = text_encoder.get("hidden_dim", 128)
        make_generator = lambda: VideoGenerator(text_dim=hidden, **generator)  # noqa: E731
        self.text_encoder, self.generator = make_encoder(), make_generator()
        cond_dim = generator.get("cond_dim", 256)
        self.attribute_heads = nn.ModuleDict(
            {name: nn.Linear(cond_dim, n) for name, n in (attribute_classes or {}).items()}
        )
        self.discriminator = VideoDiscriminator(text_dim=hidden, **discriminator)
        _glorot(self)
        for film in self.generator.films:
            nn.init.zeros_(film.dense.weight)
        self.make_averages(make_encoder, make_generator, ema_decay)
        self.foreground_threshold = foreground_threshold
        self.layer_weight = layer_weight
        self.attribute_weight = attribute_weight

    def generator_parameters(self):
        """What the generator's optimizer updates: text encoder, generator, attribute heads."""
        return [*self.text_encoder.parameters(), *self.generator.parameters(),
                *self.attribute_heads.parameters()]

    def _foreground(self, video):
        return (video.amax(-1) > self.foreground_threshold).float()  # (B, T, H, W)

    def centroid_motion(self, video):
        g = self.generator
        mask = self._foreground(video)
        count = mask.sum((2, 3)).clamp_min(1.0)  # (B, T)
        xs = torch.arange(g.width, dtype=torch.float32) + 0.5
        ys = torch.arange(g.height, dtype=torch.float32) + 0.5
        cx = (mask * xs[None, None, None, :]).sum((2, 3)) / count
        cy = (mask * ys[None, None, :, None]).sum((2, 3)) / count
        centre = torch.stack([cx, cy], -1)  # (B, T, 2)
        return (centre[:, -1] - centre[:, 0]) / torch.tensor([g.width / 2.0, g.height / 2.0])

    def layer_losses(self, cond, video, start):
        g = self.generator
        height, width = g.height, g.width
        velocity_loss = (g.velocity(cond) - self.centroid_motion(video)).abs().mean()
        rgb, alpha = g.sprite(cond)
        centres = (start[:, None, :] + 1.0) * torch.tensor([width / 2.0, height / 2.0])  # (B, 1, 2)
        ky, kx = shift_kernels(centres, (height, width), g.sprite_size)
        frame = video[:, :1] + 1.0  # (B, 1, H, W, 3)
        crop = torch.einsum("btyi,btyxc->btixc", ky, frame)
        crop = torch.einsum("btixc,btxj->bijc", crop, kx) - 1.0  # (B, S, S, 3)
        cover = (crop.amax(-1, keepdim=True) * 0.5 + 0.5).detach()
        a = alpha.clamp(1e-6, 1.0 - 1e-6)
        mask_loss = -(cover * torch.log(a) + (1.0 - cover) * torch.log(1.0 - a)).mean()
        core = (cover > 0.5).float()
        target = ((crop + 1.0) * 0.5 / cover.clamp_min(1e-3)) * 2.0 - 1.0
        color_loss = (core * (rgb - target).abs()).sum() / (3.0 * core.sum()).clamp_min(1.0)
        background = g.background(cond)
        uncovered = 1.0 - self._foreground(video[:, :1])[:, 0, ..., None]  # (B, H, W, 1)
        background_loss = (uncovered * (background - video[:, 0]).abs()).sum() / (
            3.0 * uncovered.sum()).clamp_min(1.0)
        return dict(velocity_loss=velocity_loss, mask_loss=mask_loss, color_loss=color_loss,
                    background_loss=background_loss)

    def train_step(self, batch, optimizer):
        """One generator step on {"tokens" (B, L) int64, "video" (B, T, H, W, 3), "start" (B, 2)
        pixels, attribute labels (B,) int64}; returns the losses as floats (which waits for it)."""
        video = batch["video"]
        g = self.generator
        text = self.text_encoder(batch["tokens"])  # (B, D)
        cond = g.condition(text)
        start = batch["start"] / torch.tensor([g.width / 2.0, g.height / 2.0]) - 1.0  # (B, 2)
        values = {"prior_loss": g.start_prior_loss(cond, start)}
        g_loss = values["prior_loss"]
        if self.layer_weight > 0:
            layer = self.layer_losses(cond, video, start)
            values.update(layer)
            g_loss = g_loss + self.layer_weight * sum(layer.values())
        if self.attribute_weight > 0 and len(self.attribute_heads):
            values["attribute_loss"] = sum(
                F.cross_entropy(head(cond), batch[name]) for name, head in self.attribute_heads.items()
            )
            g_loss = g_loss + self.attribute_weight * values["attribute_loss"]
        values["g_loss"] = g_loss
        descend(g_loss, optimizer)
        self.update_averages()
        return {name: float(value.detach()) for name, value in values.items()}


class KerasAdam:
    """Keras 3.15's Adam as it runs on the TensorFlow backend, to check the port, not to time it.

    Two differences from `torch.optim.Adam`: epsilon is added to sqrt(v) before the bias
    correction, and an Embedding's gradient reaches Keras as `tf.IndexedSlices`, one row per
    looked-up token, which `ops.square` squares row by row before repeated ids are summed: v
    gets the sum of the squares of the per-token gradients, not the square of their sum. The
    text encoder must run with `keep_embedded = True` so those per-token gradients exist.

    With `global_clipnorm`, the gradients are first scaled as Keras' `clip_by_global_norm`
    does: by clipnorm * min(1 / norm, 1 / clipnorm), where an Embedding's share of the squared
    norm is again the sum of its per-token squares; the scaled gradients come out dense (an
    `IndexedSlices` times a tensor is a tensor), so v then gets the square of each row's sum.

    Args:
        params: list of parameters, all updated by this optimizer.
        lr, betas, eps: Keras' learning_rate, (beta_1, beta_2) and epsilon.
        global_clipnorm: float. 0 (or None) does not clip.
        text_encoder: TextEncoder or None. The encoder whose two embedding tables are in `params`.
    """

    def __init__(self, params, lr, betas, eps=1e-7, global_clipnorm=0.0, text_encoder=None):
        self.params, self.lr, self.betas, self.eps = list(params), lr, betas, eps
        self.global_clipnorm = global_clipnorm or 0.0
        self.text_encoder = text_encoder
        self.slots = [(torch.zeros_like(p), torch.zeros_like(p)) for p in self.params]
        self.iterations = 0
        if text_encoder is not None:
            text_encoder.keep_embedded = True

    def zero_grad(self, set_to_none=True):
        for p in self.params:
            p.grad = None

    def _embedding_squares(self):
        """{id(table): the sum of the squared per-token gradients} for the text encoder's tables."""
        enc = self.text_encoder
        if enc is None:
            return {}
        per_token = enc.embedded.grad  # (B, L, D): the gradient of each looked-up row
        return {  # by id: tensors compare element-wise
            id(enc.token_embedding.weight): torch.zeros_like(enc.token_embedding.weight).index_add_(
                0, enc.token_ids.flatten(), per_token.flatten(0, 1) ** 2),
            id(enc.position_embedding.weight): (per_token ** 2).sum(0),
        }

    @torch.no_grad()
    def step(self):
        b1, b2 = self.betas
        self.iterations += 1
        t = self.iterations
        alpha = self.lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        squares = self._embedding_squares()
        grads = [p.grad for p in self.params]
        if self.global_clipnorm > 0:
            norm = torch.stack([squares[id(p)].sum() if id(p) in squares else (g ** 2).sum()
                                for p, g in zip(self.params, grads) if g is not None]).sum().sqrt()
            clip = self.global_clipnorm
            scale = clip * torch.minimum(1.0 / norm, torch.tensor(1.0 / clip))
            grads = [None if g is None else g * scale for g in grads]
            squares = {}  # the clipped gradients are dense
        for p, g, (m, v) in zip(self.params, grads, self.slots):
            if g is None:
                continue
            m.add_((g - m) * (1 - b1))
            v.add_((squares.get(id(p), g ** 2) - v) * (1 - b2))
            p.sub_(alpha * m / (v.sqrt() + self.eps))


def count_parameters(module, trainable_only=True):
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


# ------------------------------------------------------------------ weights from the Keras model


class KerasWeights:
    """One Keras layer's weights, {variable path inside the layer: numpy array}, copied into
    PyTorch modules by name; `check()` raises if one was not used (the port and the model differ).

    Args:
        arrays: dict. e.g. {"conv_0/kernel": ..., "conv_0/bias": ...}.
        what: str. The layer, for the error message.
    """

    def __init__(self, arrays, what):
        self.arrays, self.what, self.used = dict(arrays), what, set()

    def get(self, path):
        self.used.add(path)
        return torch.from_numpy(np.ascontiguousarray(self.arrays[path]))

    def dense(self, linear, name):  # Keras kernel (in, out) -> torch weight (out, in)
        linear.weight.copy_(self.get(f"{name}/kernel").T)
        linear.bias.copy_(self.get(f"{name}/bias"))

    def norm(self, layer, name):
        layer.weight.copy_(self.get(f"{name}/gamma"))
        layer.bias.copy_(self.get(f"{name}/beta"))

    def conv(self, layer, name):
        # ConvND kernel (k..., in, out) -> (out, in, k...); ConvNDTranspose kernel (k..., out, in)
        # -> (in, out, k...): the same axis permutation.
        kernel = self.get(f"{name}/kernel")
        n = kernel.dim() - 2
        layer.weight.copy_(kernel.permute(n + 1, n, *range(n)))
        layer.bias.copy_(self.get(f"{name}/bias"))

    def check(self):
        left = sorted(set(self.arrays) - self.used)
        if left:
            raise ValueError(f"Keras {self.what} weights not copied (the port and the model differ): {left}")


def load_text_encoder(enc, arrays):
    """Copies a Keras `TextEncoder`'s weights, {variable path: numpy array}, into `enc`, a TextEncoder."""
    weights = KerasWeights(arrays, "text_encoder")
    enc.token_embedding.weight.copy_(weights.get("token_embedding/embeddings"))
    enc.position_embedding.weight.copy_(weights.get("position_embedding/embeddings"))
    for i, block in enumerate(enc.blocks):
        b = f"block_{i}"
        weights.norm(block.attention_norm, f"{b}/attention_norm")
        # query/key/value kernels (D, heads, key_dim) -> rows of in_proj_weight (3D, D)
        block.attention.in_proj_weight.copy_(torch.cat(
            [weights.get(f"{b}/attention/{n}/kernel").flatten(1).T for n in ("query", "key", "value")]))
        block.attention.in_proj_bias.copy_(torch.cat(
            [weights.get(f"{b}/attention/{n}/bias").flatten() for n in ("query", "key", "value")]))
        out = weights.get(f"{b}/attention/attention_output/kernel")  # (heads, key_dim, D)
        block.attention.out_proj.weight.copy_(out.flatten(0, 1).T)
        block.attention.out_proj.bias.copy_(weights.get(f"{b}/attention/attention_output/bias"))
        weights.norm(block.mlp_norm, f"{b}/mlp_norm")
        weights.dense(block.mlp_intermediate, f"{b}/mlp_intermediate")
        weights.dense(block.mlp_output, f"{b}/mlp_output")
    weights.norm(enc.final_norm, "final_norm")
    if enc.attention_pooling is not None:
        enc.attention_pooling.queries.copy_(weights.get("attention_pooling/queries"))
    weights.check()


def load_keras_weights(model, weights):
    """Copies a Keras `TextToVideoGAN`'s text encoder, generator and heads into `model`.

    Args:
        model: TextToVideo.
        weights: dict. "text_encoder", "generator": {variable path inside that layer: numpy
            array}, e.g. "block_0/attention/query/kernel", "conv_0/kernel"; "heads": {attribute
            name: (kernel, bias)}. Every array must be used: a left-over one means the port and
            the model differ.
    """
    with torch.no_grad():
        load_text_encoder(model.text_encoder, weights["text_encoder"])
        g, w = model.generator, KerasWeights(weights["generator"], "generator")
        w.dense(g.cond_mlp[0], "cond_0")
        w.dense(g.cond_mlp[2], "cond_1")
        for head, name in ((g.box_head, "box"), (g.velocity_head, "velocity")):
            w.dense(head[0], f"{name}_0")
            w.dense(head[2], name)
        for layer, name in ((g.content, "content"), (g.background_head, "background"), (g.color_head, "color")):
            w.dense(layer, name)
        for i, up in enumerate(g.up, start=1):
            w.conv(up, f"up_{i}")
        for i, (layer, film) in enumerate(zip(g.convs, g.films)):
            w.conv(layer, f"conv_{i}")
            w.dense(film.dense, f"film_{i}/dense")
        w.conv(g.to_rgba, "to_rgba")
        w.check()

        for name, (kernel, bias) in weights["heads"].items():
            model.attribute_heads[name].weight.copy_(torch.from_numpy(kernel.T.copy()))
            model.attribute_heads[name].bias.copy_(torch.from_numpy(bias.copy()))
        model.reset_averages()
