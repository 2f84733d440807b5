"""Presets of the general family (`TextToVideoVAE` with `VideoDecoder` and `VideoEncoder`).

One per built-in dataset the family learns, plus two for your own captioned clips
(`captioned_videos`, built with `tf-t2v data build captioned_videos`):

- general_tiny: 4 frames of 16x16, width-8 networks, 4 steps (tests and smoke runs);
- scenes_64 (the shipped default model), scenes_32;
- digits_64: moving_digits/single_64;
- shapes_general_64: moving_shapes/single_64 with the general family (no sprite objectives);
- clips_32, clips_64: captioned_videos at 32 or 64 px (set data.name to your build's
  "captioned_videos/<config>" and point --data-dir at it).
"""

from tf_t2v.training.config import (
    DataConfig,
    DecoderConfig,
    EncoderConfig,
    ModelConfig,
    RunConfig,
    TextEncoderConfig,
    TokenizerConfig,
    TrainConfig,
    register_preset,
)

SCENES_PREVIEW_PROMPTS = [
    "a beautiful sunset over the ocean",
    "a cinematic shot of the city at night in the rain, the camera pans left",
    "the mountains during the day, a hot air balloon rises",
    "an animated scene of a meadow at sunrise in the snow",
]
DIGITS_PREVIEW_PROMPTS = [
    "the digit 3 is moving up and down",
    "the digit 7 is moving left and right",
]


def _general(name, size, steps, preview_prompts, batch_size=32):
    """The general family's recipe for 16-frame clips of `size` px from the dataset `name`."""
    return RunConfig(
        data=DataConfig(name=name, batch_size=batch_size),
        model=ModelConfig(
            family="general",
            tokenizer=TokenizerConfig(sequence_length=32),
            text_encoder=TextEncoderConfig(hidden_dim=128, num_layers=2, num_heads=4, intermediate_dim=256,
                                           num_pooled=4),
            decoder=DecoderConfig(num_frames=16, height=size, width=size),
            encoder=EncoderConfig(patch=4 if size >= 64 else 2),
        ),
        train=TrainConfig(steps=steps, steps_per_epoch=250, g_learning_rate=1e-3, betas=[0.9, 0.999],
                          ema_decay=0.998, eval_every_steps=0, preview_prompts=list(preview_prompts)),
    )


@register_preset("general_tiny")
def _general_tiny():
    cfg = _general("scenes/scenes_32", 16, 4, SCENES_PREVIEW_PROMPTS[:2], batch_size=4)
    cfg.data.shuffle_buffer = 64
    cfg.data.num_frames = 4
    cfg.data.resolution = 16
    cfg.data.eval_examples = 4
    m = cfg.model
    m.tokenizer.sequence_length = 16
    m.text_encoder = TextEncoderConfig(hidden_dim=8, num_layers=1, num_heads=2, intermediate_dim=16, num_pooled=2)
    m.decoder = DecoderConfig(num_frames=4, height=16, width=16, noise_dim=4, channels=[16, 8], base_frames=2,
                              pixel_shuffle=2, cond_dim=16)
    m.encoder = EncoderConfig(channels=[8, 16], patch=2, hidden_dim=16)
    cfg.train.steps_per_epoch = 2
    cfg.train.keep_checkpoints = 2
    cfg.train.log_every_steps = 1
    cfg.train.precision = "float32"
    return cfg


@register_preset("scenes_64")
def _scenes_64():
    # The shipped default model. Batch 16: on a 2-core CPU, twice the steps of batch 32 in the
    # same minutes; decoded clips cached in memory (about 3 GB for scenes_64's 30,000 clips).
    # Half of each batch decoded from the text prior's mean (the hybrid objective: the words must
    # say what the clip shows) and a frame patch critic for the detail L1 averages away. Gradients
    # clipped to a global norm of 1, a guard against outlier batches (the blow-ups of earlier runs
    # came from the critic judging unclipped output: see `text_to_video_vae.shown`).
    cfg = _general("scenes/scenes_64", 64, 6000, SCENES_PREVIEW_PROMPTS, batch_size=16)
    cfg.data.cache = True
    cfg.train.clipnorm = 1.0
    cfg.model.prior_share = 0.5
    cfg.model.frame_critic.channels = [32, 64, 128]
    cfg.model.adversarial_weight = 0.02
    cfg.train.keep_checkpoints = 24
    return cfg


@register_preset("scenes_32")
def _scenes_32():
    return _general("scenes/scenes_32", 32, 4000, SCENES_PREVIEW_PROMPTS)


@register_preset("digits_64")
def _digits_64():
    # A small bright digit on black: the per-pixel median over where it may be is black, so plain
    # L1 learns a black clip and the code stays unused. Pixels that change weigh 20 times more,
    # the squared error beside L1 leaves a trace of the digit where the code does not know the
    # place yet, and 0.5 nats per latent dimension are free, so the code carries where the digit
    # starts and how it is written. A quarter of each batch decodes from the text prior's mean.
    # Generation samples codes through a latent flow (the Gaussian prior's samples fell where the
    # decoder had never been). The clip is drawn frame by frame (`motion_dim`: a motion head gives
    # each frame a code, one 2D stack draws every frame), the words reach the frames by attention
    # to the text slots, and the text encoder has no Transformer layer, so each slot is a mix of
    # context-free word vectors: a digit word means the same whatever axis it comes with, which is
    # what lets held-out (digit, axis) pairs be drawn (docs/general-model.md, "Frame by frame").
    # The shipped model went on from this recipe with a frame critic and L1 alone (BENCHMARKS.md).
    cfg = _general("moving_digits/single_64", 64, 2000, DIGITS_PREVIEW_PROMPTS, batch_size=16)
    cfg.data.cache = True
    cfg.model.text_encoder.num_layers = 0
    d = cfg.model.decoder
    d.flow_dim, d.text_slots, d.motion_dim, d.base_frames = 512, 4, 16, 16
    cfg.model.prior_share = 0.25
    cfg.model.free_bits = 0.5
    cfg.model.motion_weight = 20.0
    cfg.model.l2_weight = 1.0
    cfg.train.clipnorm = 1.0
    cfg.train.keep_checkpoints = 30
    return cfg


@register_preset("shapes_general_64")
def _shapes_general_64():
    from tf_t2v.training.config import DEFAULT_PREVIEW_PROMPTS

    return _general("moving_shapes/single_64", 64, 2000, DEFAULT_PREVIEW_PROMPTS)


@register_preset("clips_32")
def _clips_32():
    return _general("captioned_videos/uniform_16x32x32", 32, 2000, ["a clip"], batch_size=16)


@register_preset("clips_64")
def _clips_64():
    return _general("captioned_videos/uniform_16x64x64", 64, 2000, ["a clip"], batch_size=16)
