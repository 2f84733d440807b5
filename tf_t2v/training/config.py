"""Run configuration: nested dataclasses, named presets, YAML files and `key=value` overrides.

A run's configuration is resolved in three layers, each overriding the one before:

1. a named preset (`PRESETS`, e.g. "tiny", "single_32", "single_64"),
2. a YAML file holding any subset of the nested keys,
3. `a.b=value` overrides, the value read as a YAML scalar or list (`train.betas=[0.0,0.99]`).

Unknown keys and values of the wrong type raise `ValueError` naming the key and what is
accepted. The resolved configuration is saved as `config.yaml` in the run folder.

Example:
```python
from tf_t2v.training import config

cfg = config.resolve("tiny", overrides=["train.steps=8", "data.batch_size=2"])
cfg.train.steps  # 8
print(config.to_yaml(cfg))
```
"""

import copy
import dataclasses
import math
import re
import typing
from typing import Dict, List, Optional, Union

import yaml

PRECISIONS = ("auto", "float32", "mixed_bfloat16")
STRATEGIES = ("auto", "default", "mirrored", "multi_worker", "tpu")
AUGMENTATIONS = ("hflip", "reverse")  # as tf_t2v.data.pipeline.AUGMENTATIONS
MOTIONS = ("linear", "free")  # as tf_t2v.video.video_generator.MOTIONS
# Model families: "sprite" (TextToVideoGAN with VideoGenerator, for moving_shapes) and
# "general" (TextToVideoVAE with VideoDecoder and VideoEncoder, for any captioned clips).
FAMILIES = ("sprite", "general")
# Modules whose import registers presets (one per model family).
PRESET_MODULES = ("tf_t2v.training.sprite_presets", "tf_t2v.training.general_presets")

# Prompts shown in previews: one per direction family, colours and shapes spread out.
DEFAULT_PREVIEW_PROMPTS = [
    "a large red circle moves slowly to the right",
    "a small blue square moves quickly up",
    "a large green triangle moves slowly down and to the left",
    "a small yellow diamond moves quickly to the left",
]


@dataclasses.dataclass
class DataConfig:
    """Where the training clips come from and how they are batched.

    Args:
        name: str. TFDS name with config, e.g. "moving_shapes/single_32".
        data_dir: str or None. Where the dataset is built (any tf.io.gfile path).
        split: str. Training split.
        batch_size: int. Global batch size (split over all replicas).
        shuffle_buffer: int. Examples in the shuffle buffer.
        cache: bool. Cache decoded examples in memory.
        augment: list of str. Caption-preserving augmentations: "hflip", "reverse".
        num_frames: int or None. Keep this many frames, evenly spaced (None: all).
        resolution: int or None. Resize frames to this square size (None: native).
        eval_split: str. Split whose captions the evaluation callback generates for.
        eval_examples: int. Held captions per evaluation.
        vocabulary_min_count: int. Words seen fewer times in the training captions are dropped.
        deterministic: bool. The same batch order every run for a seed (slower input pipeline).
    """

    name: str = "moving_shapes/single_32"
    data_dir: Optional[str] = None
    split: str = "train"
    batch_size: int = 32
    shuffle_buffer: int = 4096
    cache: bool = False
    augment: List[str] = dataclasses.field(default_factory=list)
    num_frames: Optional[int] = None
    resolution: Optional[int] = None
    eval_split: str = "validation"
    eval_examples: int = 64
    vocabulary_min_count: int = 1
    deterministic: bool = False


@dataclasses.dataclass
class TokenizerConfig:
    """`tf_t2v.text.TextTokenizer` arguments (the vocabulary comes from the training captions).

    Args:
        sequence_length: int. Tokens per prompt; longer prompts are cut.
        lowercase: bool. Case-fold prompts.
    """

    sequence_length: int = 24
    lowercase: bool = True


@dataclasses.dataclass
class TextEncoderConfig:
    """`tf_t2v.text.TextEncoder` arguments (vocabulary size and length come from the tokenizer).

    Args:
        hidden_dim: int. Feature size.
        num_layers: int. Transformer blocks.
        num_heads: int. Attention heads; must divide hidden_dim.
        intermediate_dim: int. MLP width inside each block.
        dropout: float. Dropout rate.
        num_pooled: int or None. Sentence vectors pooled by attention (None: one per object the
            sprite generator draws; the general family reads them all, concatenated).
    """

    hidden_dim: int = 128
    num_layers: int = 2
    num_heads: int = 4
    intermediate_dim: int = 256
    dropout: float = 0.0
    num_pooled: Optional[int] = None


@dataclasses.dataclass
class GeneratorConfig:
    """`tf_t2v.video.VideoGenerator` arguments; num_frames, height and width must match the data.

    Args:
        num_frames: int. Frames T.
        height: int. Frame height H.
        width: int. Frame width W.
        noise_dim: int. Noise size (>= 2).
        channels: list of int. Channels per sprite resolution.
        sprite_size: int or None. Sprite side (None: height // 2).
        background_size: int. Side of the background map.
        motion: str. "linear" or "free".
        noise_to_content: bool. Feed the noise to appearance too.
        cond_dim: int. Width of the conditioning MLP.
        color: str. "flat" (one sprite colour from the text) or "free" (colour per pixel).
        num_objects: int. Objects per clip; the text encoder then pools one vector per object.
    """

    num_frames: int = 16
    height: int = 64
    width: int = 64
    noise_dim: int = 8
    channels: List[int] = dataclasses.field(default_factory=lambda: [128, 64, 32, 32])
    sprite_size: Optional[int] = None
    background_size: int = 8
    motion: str = "linear"
    noise_to_content: bool = False
    cond_dim: int = 256
    color: str = "flat"
    num_objects: int = 1


@dataclasses.dataclass
class DecoderConfig:
    """`tf_t2v.video.VideoDecoder` arguments (general family); frames and size must match the data.

    Args:
        num_frames: int. Frames T.
        height: int. Frame height H.
        width: int. Frame width W.
        noise_dim: int. Size of the latent code (and of the noise a seed gives).
        channels: list of int. Channels of the base grid, then of each conv-transpose stage.
        base_frames: int. Frames of the base grid.
        pixel_shuffle: int. Depth-to-space factor of the output.
        cond_dim: int. Width of the conditioning MLP.
        temperature: float. Scales the prior's spread when sampling (1: the learned prior).
        camera_warp: bool. Film the decoded clip with a learned pan, tilt and zoom.
        flow_dim: int >= 0. Width of the latent flow prior that sampling maps the noise through
            (`tf_t2v.video.LatentFlow`; 0: the Gaussian prior).
        spatial_code: bool. z as a grid over the decoder's base grid (noise_dim a multiple of
            its cells), encoded and decoded in place.
        text_slots: int >= 0. Read the sentence embedding as this many vectors (the text
            encoder's num_pooled), attended to at every stage but the last; FiLM then reads
            the code alone (0: off).
        motion_dim: int >= 0. Draw the clip frame by frame from a code per frame of this size,
            made from the words and the code by a motion head (base_frames must equal
            num_frames; 0: off).
    """

    num_frames: int = 16
    height: int = 64
    width: int = 64
    noise_dim: int = 32
    channels: List[int] = dataclasses.field(default_factory=lambda: [256, 128, 64, 32])
    base_frames: int = 2
    pixel_shuffle: int = 2
    cond_dim: int = 256
    temperature: float = 1.0
    camera_warp: bool = False
    flow_dim: int = 0
    spatial_code: bool = False
    text_slots: int = 0
    motion_dim: int = 0


@dataclasses.dataclass
class EncoderConfig:
    """`tf_t2v.video.VideoEncoder` arguments (general family; noise_dim comes from the decoder).

    Args:
        channels: list of int. Channels of the strided 3D convolutions.
        patch: int. Space-to-depth factor of the input frames.
        hidden_dim: int. Width of the posterior MLP.
    """

    channels: List[int] = dataclasses.field(default_factory=lambda: [64, 128, 256])
    patch: int = 4
    hidden_dim: int = 256


@dataclasses.dataclass
class FrameCriticConfig:
    """`tf_t2v.video.FrameCritic` arguments (general family's optional adversarial term).

    Args:
        channels: list of int. Channels of the stride-2 convolutions; empty: no critic.
        frames: int. Frames scored per clip.
        spectral_norm: bool. Spectral normalisation on every convolution.
        conditional: bool. The critic reads the caption's conditioning too (a projection
            critic that also scores real clips with a wrong caption as fakes).
    """

    channels: List[int] = dataclasses.field(default_factory=list)
    frames: int = 4
    spectral_norm: bool = True
    conditional: bool = False


@dataclasses.dataclass
class DiscriminatorConfig:
    """`tf_t2v.video.VideoDiscriminator` arguments.

    Args:
        channels: list of int. Channels of the 3D convolutions.
        downsample: int. Average-pool frames by this factor first.
        spectral_norm: bool. Spectral normalisation on every layer.
    """

    channels: List[int] = dataclasses.field(default_factory=lambda: [32, 64, 128, 256])
    downsample: int = 1
    spectral_norm: bool = True


@dataclasses.dataclass
class ModelConfig:
    """The task model and its parts (ema_decay and seed come from `train`).

    `family` picks the model: "sprite" builds `tf_t2v.models.TextToVideoGAN` from `generator`
    and `discriminator` (the loss weights below are its objectives); "general" builds
    `tf_t2v.models.TextToVideoVAE` from `decoder` and `encoder` (with kl_weight,
    temporal_weight and free_bits), which needs only captions and clips.

    Args:
        family: str. "sprite" or "general".
        tokenizer: TokenizerConfig.
        text_encoder: TextEncoderConfig.
        generator: GeneratorConfig. The sprite generator.
        discriminator: DiscriminatorConfig. The sprite family's critic.
        decoder: DecoderConfig. The general generator.
        encoder: EncoderConfig. The general family's posterior encoder.
        frame_critic: FrameCriticConfig. The general family's critic (none unless channels
            are given; then `adversarial_weight` weighs its term).
        kl_weight: float. General family: weight of the KL term (nats per clip).
        temporal_weight: float. General family: weight of the frame-difference loss.
        free_bits: float. General family: nats per latent dimension that cost nothing.
        prior_share: float in [0, 1). General family: share of each batch decoded from the
            text prior's mean (the hybrid objective; 0 trains on posterior samples only).
        motion_weight: float >= 0. General family: extra weight of the pixels that change
            within a clip in the reconstruction loss (0: every pixel weighs the same).
        l2_weight: float >= 0. General family: weight of the squared error added to the L1
            reconstruction loss.
        motion_match_weight: float >= 0. General family: weight of the motion-statistics term
            (decoded against real frame-to-frame shifts per quarter of the frame).
        camera_weight: float >= 0. General family, with `decoder.camera_warp`: weight of the
            camera term (the camera read from each training clip films its decoding, and the
            camera the words predict learns to match it; 0: off).
        flow_repeats: int >= 1. General family, with `decoder.flow_dim`: draws of noise and time
            per clip in the latent flow's loss.
        flow_trains_text: bool. General family, with `decoder.flow_dim`: the latent flow's loss
            also trains the conditioning and the text encoder (the words learn to say which
            codes their clips have), not the flow alone.
        adversarial_weight: float. Weight of the generator's adversarial loss (both families).
        reconstruction_weight: float. Weight of the reconstruction loss.
        layer_weight: float. Weight of the layer supervision (sprite alpha and colour,
            background, velocity) from real clips with a known start.
        attribute_weight: float. Weight of the attribute heads' cross-entropy.
        attribute_classes: mapping of label feature -> class count for the attribute heads
            (the training data must have these single-object labels).
        foreground_weight: float. Extra weight of foreground pixels in the reconstruction loss.
        foreground_threshold: float. Brightness in [-1, 1] above which a pixel is foreground.
        mismatch_weight: float. Share of the critic's fake term given to mismatched captions
            (the sprite family's critic, and the general family's with `frame_critic.conditional`).
    """

    family: str = "sprite"
    tokenizer: TokenizerConfig = dataclasses.field(default_factory=TokenizerConfig)
    text_encoder: TextEncoderConfig = dataclasses.field(default_factory=TextEncoderConfig)
    generator: GeneratorConfig = dataclasses.field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = dataclasses.field(default_factory=DiscriminatorConfig)
    decoder: DecoderConfig = dataclasses.field(default_factory=DecoderConfig)
    encoder: EncoderConfig = dataclasses.field(default_factory=EncoderConfig)
    frame_critic: FrameCriticConfig = dataclasses.field(default_factory=FrameCriticConfig)
    kl_weight: float = 1e-4
    temporal_weight: float = 1.0
    free_bits: float = 0.0
    prior_share: float = 0.0
    motion_weight: float = 0.0
    l2_weight: float = 0.0
    motion_match_weight: float = 0.0
    camera_weight: float = 0.0
    flow_repeats: int = 16
    flow_trains_text: bool = False
    adversarial_weight: float = 0.1
    reconstruction_weight: float = 0.0
    layer_weight: float = 1.0
    attribute_weight: float = 1.0
    attribute_classes: Dict[str, int] = dataclasses.field(default_factory=dict)
    foreground_weight: float = 4.0
    foreground_threshold: float = 0.0
    mismatch_weight: float = 0.5


@dataclasses.dataclass
class TrainConfig:
    """How long and how the GAN is optimised, and what is saved and watched on the way.

    Args:
        steps: int. Total training steps; a multiple of `steps_per_epoch`.
        steps_per_epoch: int. Steps between epoch ends (backups, checkpoints, previews).
        g_learning_rate: float. Adam learning rate of the generator.
        d_learning_rate: float. Adam learning rate of the discriminator.
        betas: list of two floats. Adam (beta_1, beta_2) of both optimizers.
        clipnorm: float. Both optimizers scale each step's gradients down to this global norm
            when it is larger (0 turns clipping off): one outlier batch then cannot throw the
            weights far.
        ema_decay: float. Decay of the moving average of the generator that `generate` uses.
        precision: str. "auto", "float32" or "mixed_bfloat16"; "auto" picks bfloat16 only where
            the hardware has it (see `tf_t2v.training.strategy.choose_precision`).
        jit_compile: bool. XLA-compile the train step (slow for 3D convolutions on CPU).
        seed: int. Seed of weights, noise, shuffling and augmentation.
        checkpoint_every_epochs: int. Epochs between `.keras` checkpoints.
        keep_checkpoints: int. Checkpoints kept; older ones are deleted.
        preview_every_epochs: int. Epochs between contact sheets and video summaries.
        preview_prompts: list of str. Fixed prompts rendered in previews.
        eval_every_steps: int. Steps between evaluations (0 turns evaluation off).
        log_every_steps: int. Steps between TensorBoard loss scalars.
        init_from: str or None. A `.keras` model (a checkpoint or final model of an earlier run
            with the same vocabulary) whose weights start this run wherever a weight of the same
            name and shape exists (fine-tuning, or adding a part to a trained model); the rest
            start fresh. Read only when the run starts, not on resume.
    """

    steps: int = 20000
    steps_per_epoch: int = 500
    g_learning_rate: float = 2e-4
    d_learning_rate: float = 2e-4
    betas: List[float] = dataclasses.field(default_factory=lambda: [0.0, 0.99])
    clipnorm: float = 0.0
    ema_decay: float = 0.999
    precision: str = "auto"
    jit_compile: bool = False
    seed: int = 0
    checkpoint_every_epochs: int = 1
    keep_checkpoints: int = 3
    preview_every_epochs: int = 1
    preview_prompts: List[str] = dataclasses.field(default_factory=lambda: list(DEFAULT_PREVIEW_PROMPTS))
    eval_every_steps: int = 500
    log_every_steps: int = 50
    init_from: Optional[str] = None

    @property
    def epochs(self):
        return self.steps // self.steps_per_epoch


@dataclasses.dataclass
class RunConfig:
    """A whole training run: data, model, optimisation and distribution.

    Args:
        data: DataConfig.
        model: ModelConfig.
        train: TrainConfig.
        strategy: str. "auto", "default", "mirrored", "multi_worker" or "tpu".
    """

    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)
    strategy: str = "auto"

    def validate(self):
        """Checks values that types cannot: choices and ranges. Returns self."""
        _choice("strategy", self.strategy, STRATEGIES)
        _choice("train.precision", self.train.precision, PRECISIONS)
        _choice("model.family", self.model.family, FAMILIES)
        _choice("model.generator.motion", self.model.generator.motion, MOTIONS)
        if self.model.text_encoder.num_pooled is not None:
            _positive("model.text_encoder.num_pooled", self.model.text_encoder.num_pooled)
        for key in ("model.kl_weight", "model.temporal_weight", "model.free_bits", "model.motion_weight",
                    "model.l2_weight", "model.motion_match_weight", "model.camera_weight"):
            if not _get(self, key) >= 0 or not math.isfinite(_get(self, key)):
                raise ValueError(f"{key} must be a finite float >= 0; got {_get(self, key)}.")
        if not 0.0 <= self.model.prior_share < 1.0:
            raise ValueError(f"model.prior_share must be in [0, 1); got {self.model.prior_share}.")
        if self.model.camera_weight > 0 and not self.model.decoder.camera_warp:
            raise ValueError("model.camera_weight needs model.decoder.camera_warp: true (the camera it teaches).")
        if not self.model.decoder.flow_dim >= 0:
            raise ValueError(f"model.decoder.flow_dim must be an int >= 0 (0: no latent flow); "
                             f"got {self.model.decoder.flow_dim}.")
        _positive("model.flow_repeats", self.model.flow_repeats)
        slots, pooled = self.model.decoder.text_slots, self.model.text_encoder.num_pooled or 1
        if slots < 0:
            raise ValueError(f"model.decoder.text_slots must be an int >= 0; got {slots}.")
        if slots and slots != pooled:
            raise ValueError(f"model.decoder.text_slots ({slots}) reads the text encoder's pooled vectors: "
                             f"set it to model.text_encoder.num_pooled ({pooled}), or 0 for none.")
        d = self.model.decoder
        if d.motion_dim < 0:
            raise ValueError(f"model.decoder.motion_dim must be an int >= 0 (0: off); got {d.motion_dim}.")
        if d.motion_dim and d.base_frames != d.num_frames:
            raise ValueError(f"model.decoder.motion_dim draws every frame by itself: set model.decoder.base_frames "
                             f"to model.decoder.num_frames ({d.num_frames}); got {d.base_frames}.")
        for key in ("model.decoder.noise_dim", "model.decoder.base_frames", "model.decoder.pixel_shuffle",
                    "model.decoder.cond_dim", "model.encoder.patch", "model.encoder.hidden_dim"):
            _positive(key, _get(self, key))
        for key in ("model.decoder.channels", "model.encoder.channels"):
            if not _get(self, key) or min(_get(self, key)) < 1:
                raise ValueError(f"{key} must list at least one positive int; got {_get(self, key)}.")
        for a in self.data.augment:
            _choice("data.augment", a, AUGMENTATIONS)
        for key in ("data.batch_size", "data.shuffle_buffer", "data.eval_examples",
                    "data.vocabulary_min_count", "train.steps", "train.steps_per_epoch",
                    "train.checkpoint_every_epochs", "train.keep_checkpoints",
                    "train.preview_every_epochs", "train.log_every_steps"):
            _positive(key, _get(self, key))
        for key in ("data.num_frames", "data.resolution"):
            if _get(self, key) is not None:
                _positive(key, _get(self, key), minimum=2)
        if self.train.eval_every_steps < 0:
            raise ValueError(f"train.eval_every_steps must be >= 0 (0: off); got {self.train.eval_every_steps}.")
        if self.train.steps % self.train.steps_per_epoch:
            raise ValueError(
                f"train.steps ({self.train.steps}) must be a multiple of train.steps_per_epoch "
                f"({self.train.steps_per_epoch}): runs stop and resume at epoch ends."
            )
        if len(self.train.betas) != 2 or not all(0.0 <= b < 1.0 for b in self.train.betas):
            raise ValueError(f"train.betas must be two floats in [0, 1); got {self.train.betas}.")
        if not 0.0 <= self.train.ema_decay < 1.0:
            raise ValueError(f"train.ema_decay must be in [0, 1); got {self.train.ema_decay}.")
        for key in ("train.g_learning_rate", "train.d_learning_rate"):
            if not _get(self, key) > 0 or not math.isfinite(_get(self, key)):
                raise ValueError(f"{key} must be a positive float; got {_get(self, key)}.")
        if not self.train.clipnorm >= 0 or not math.isfinite(self.train.clipnorm):
            raise ValueError(f"train.clipnorm must be a finite float >= 0 (0: off); got {self.train.clipnorm}.")
        if not self.train.preview_prompts:
            raise ValueError("train.preview_prompts must hold at least one prompt.")
        return self


# ------------------------------------------------------------------------------- presets

PRESETS = {}


def register_preset(name):
    """Decorator: registers a function returning a `RunConfig` as the preset `name`."""

    def register(fn):
        if name in PRESETS:
            raise ValueError(f"Preset {name!r} is already registered.")
        PRESETS[name] = fn
        return fn

    return register


def get_preset(name):
    """A fresh copy of the preset `name`."""
    import importlib

    for module in PRESET_MODULES:  # each registers its family's presets on import
        importlib.import_module(module)
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}; accepted presets: {sorted(PRESETS)}.")
    return PRESETS[name]()


# ----------------------------------------------------------------------- merging, checking


def _choice(key, value, accepted):
    if value not in accepted:
        raise ValueError(f"{key} must be one of {list(accepted)}; got {value!r}.")


def _positive(key, value, minimum=1):
    if value < minimum:
        raise ValueError(f"{key} must be an int >= {minimum}; got {value!r}.")


def _get(cfg, dotted):
    for part in dotted.split("."):
        cfg = getattr(cfg, part)
    return cfg


def _type_name(tp):
    origin = typing.get_origin(tp)
    if origin is Union:
        return " or ".join("null" if a is type(None) else _type_name(a) for a in typing.get_args(tp))
    if origin in (list, tuple):
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    if origin is dict:
        key, value = typing.get_args(tp)
        return f"mapping of {_type_name(key)} to {_type_name(value)}"
    return tp.__name__


def _coerce(value, tp):
    """`value` as type `tp` (ints widen to float, tuples to lists); raises TypeError if it is not."""
    origin = typing.get_origin(tp)
    if origin is Union:
        for arg in typing.get_args(tp):
            if arg is type(None):
                if value is None:
                    return None
                continue
            try:
                return _coerce(value, arg)
            except TypeError:
                pass
        raise TypeError
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise TypeError
        (item,) = typing.get_args(tp)[:1]
        return [_coerce(v, item) for v in value]
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError
        key_type, value_type = typing.get_args(tp)
        return {_coerce(k, key_type): _coerce(v, value_type) for k, v in value.items()}
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise TypeError
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise TypeError
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise TypeError
    if tp is str:
        if isinstance(value, str):
            return value
        raise TypeError
    raise TypeError


def _merge(obj, mapping, prefix=""):
    """Sets the fields of dataclass `obj` from a nested mapping, in place."""
    if not isinstance(mapping, dict):
        where = prefix.rstrip(".") or "the configuration"
        raise ValueError(f"{where} must be a mapping of keys to values; got {mapping!r}.")
    fields = {f.name: f for f in dataclasses.fields(obj)}
    hints = typing.get_type_hints(type(obj))
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if key not in fields:
            raise ValueError(f"Unknown config key {name!r}; accepted keys: {sorted(fields)}.")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            _merge(current, value, prefix=f"{name}.")
        else:
            try:
                setattr(obj, key, _coerce(value, hints[key]))
            except TypeError:
                raise ValueError(
                    f"{name} must be of type {_type_name(hints[key])}; got {value!r} ({type(value).__name__})."
                ) from None


def merge(cfg, mapping):
    """A copy of `cfg` with the nested `mapping` merged in."""
    cfg = copy.deepcopy(cfg)
    _merge(cfg, mapping or {})
    return cfg


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads "3e-4" (no dot) as a string; this loader reads it as the float it means."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$"), list("-+0123456789.")
)


def parse_override(text):
    """"a.b=value" -> {"a": {"b": value}}, the value read as YAML ("[1, 2]", "null", "3e-4")."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ValueError(f"Overrides take the form key.subkey=value; got {text!r}.")
    try:
        value = yaml.load(raw, Loader=_Loader) if raw.strip() else ""
    except yaml.YAMLError as e:
        raise ValueError(f"Cannot read the value of override {text!r} as YAML: {e}") from None
    out = value
    for part in reversed(key.split(".")):
        out = {part: out}
    return out


def load_yaml(path):
    """The mapping in a YAML file (any tf.io.gfile path); an empty file is an empty mapping."""
    import tensorflow as tf

    if not tf.io.gfile.exists(path):
        raise FileNotFoundError(f"Config file {path!r} does not exist.")
    with tf.io.gfile.GFile(path, "r") as f:
        try:
            mapping = yaml.load(f.read(), Loader=_Loader)
        except yaml.YAMLError as e:
            raise ValueError(f"Config file {path!r} is not valid YAML: {e}") from None
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise ValueError(f"Config file {path!r} must hold a mapping of keys; got {type(mapping).__name__}.")
    return mapping


def resolve(preset, config_file=None, overrides=()):
    """Preset, then YAML file, then `key=value` overrides; validated.

    Args:
        preset: str. A name in `PRESETS`.
        config_file: str or None. A YAML file with any subset of the nested keys.
        overrides: sequence of str. "a.b=value" items, applied in order.

    Returns:
        RunConfig.
    """
    cfg = get_preset(preset)
    if config_file:
        cfg = merge(cfg, load_yaml(config_file))
    for text in overrides or ():
        cfg = merge(cfg, parse_override(text))
    return cfg.validate()


def to_dict(cfg):
    return dataclasses.asdict(cfg)


def from_dict(mapping):
    """A `RunConfig` from a full or partial nested mapping (missing keys take the defaults)."""
    return merge(RunConfig(), mapping).validate()


def to_yaml(cfg):
    return yaml.safe_dump(to_dict(cfg), sort_keys=False, default_flow_style=None)


def save(cfg, path):
    """Writes `cfg` as YAML to `path` (any tf.io.gfile path)."""
    import tensorflow as tf

    with tf.io.gfile.GFile(path, "w") as f:
        f.write(to_yaml(cfg))


def load(path):
    """Reads a `RunConfig` written by `save`."""
    return from_dict(load_yaml(path))
