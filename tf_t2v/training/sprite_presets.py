"""Presets of the sprite family (`TextToVideoGAN` with `VideoGenerator`), for moving_shapes.

tiny (tests and smoke runs), single_32, single_64 (the shipped moving_shapes model) and
double_64 (two objects per clip, the shipped moving_shapes_double model).
"""

from tf_t2v.training.config import (
    DEFAULT_PREVIEW_PROMPTS,
    DataConfig,
    DiscriminatorConfig,
    GeneratorConfig,
    ModelConfig,
    RunConfig,
    TextEncoderConfig,
    TokenizerConfig,
    TrainConfig,
    register_preset,
)

# moving_shapes' ClassLabels and their class counts (its specification), which the attribute
# heads of the single-object presets read.
MOVING_SHAPES_ATTRIBUTES = {"shape": 4, "color": 7, "size": 2, "direction": 8, "speed": 2}


@register_preset("tiny")
def _tiny():
    # For tests and smoke runs: 4 frames of 16x16 from single_32, width-8 networks, 4 steps.
    return RunConfig(
        data=DataConfig(name="moving_shapes/single_32", batch_size=4, shuffle_buffer=64,
                        num_frames=4, resolution=16, eval_examples=4),
        model=ModelConfig(
            tokenizer=TokenizerConfig(sequence_length=16),
            text_encoder=TextEncoderConfig(hidden_dim=8, num_layers=1, num_heads=2, intermediate_dim=16),
            generator=GeneratorConfig(num_frames=4, height=16, width=16, noise_dim=4, channels=[8, 8],
                                      background_size=4, cond_dim=8),
            discriminator=DiscriminatorConfig(channels=[8, 8]),
        ),
        train=TrainConfig(steps=4, steps_per_epoch=2, keep_checkpoints=2, eval_every_steps=2,
                          log_every_steps=1, preview_prompts=DEFAULT_PREVIEW_PROMPTS[:2],
                          precision="float32"),
        strategy="auto",
    )


@register_preset("single_32")
def _single_32():
    return RunConfig(
        data=DataConfig(name="moving_shapes/single_32", batch_size=32),
        model=ModelConfig(
            text_encoder=TextEncoderConfig(hidden_dim=64, num_layers=2, num_heads=4, intermediate_dim=128),
            generator=GeneratorConfig(num_frames=16, height=32, width=32, channels=[64, 32, 16], cond_dim=128),
            discriminator=DiscriminatorConfig(channels=[32, 64, 128]),
        ),
        train=TrainConfig(steps=10000, steps_per_epoch=500, eval_every_steps=250),
    )


@register_preset("single_64")
def _single_64():
    # The shipped moving_shapes model: direct layer and attribute supervision, no critic (on a
    # 2-core CPU the critic costs about five times the rest of a step).
    return RunConfig(
        data=DataConfig(name="moving_shapes/single_64", batch_size=32),
        model=ModelConfig(
            adversarial_weight=0.0,
            attribute_classes=dict(MOVING_SHAPES_ATTRIBUTES),
        ),
        train=TrainConfig(steps=1500, steps_per_epoch=250, eval_every_steps=250, g_learning_rate=1e-3,
                          betas=[0.9, 0.999], ema_decay=0.995),
    )


@register_preset("double_64")
def _double_64():
    # Two objects per clip: the single_64 recipe with one text vector, sprite and path per object.
    cfg = _single_64()
    cfg.data.name = "moving_shapes/double_64"
    cfg.model.generator.num_objects = 2
    cfg.train.steps = 2000
    cfg.train.preview_prompts = [
        "a large red circle moves slowly to the right and a small blue square moves quickly up",
        "a small green triangle moves slowly down while a large yellow diamond moves quickly left",
    ]
    return cfg
