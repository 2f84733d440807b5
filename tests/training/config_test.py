import dataclasses

import pytest
import yaml

from tf_t2v.training import config


@pytest.fixture
def write_yaml(tmp_path):
    def write(text):
        path = tmp_path / "run.yaml"
        path.write_text(text)
        return str(path)

    return write


def test_presets_exist_and_validate():
    for name in ("tiny", "single_32", "single_64"):
        cfg = config.get_preset(name).validate()
        assert cfg.train.steps % cfg.train.steps_per_epoch == 0
    assert config.get_preset("single_64").data.name == "moving_shapes/single_64"


def test_get_preset_returns_a_fresh_copy():
    config.get_preset("tiny").train.steps = 999
    assert config.get_preset("tiny").train.steps != 999


def test_precedence_preset_then_yaml_then_overrides(write_yaml):
    path = write_yaml("train:\n  steps: 10\n  steps_per_epoch: 5\n  g_learning_rate: 3e-4\ndata:\n  batch_size: 2\n")
    cfg = config.resolve("tiny", path, ["train.steps=20", "train.betas=[0.5, 0.9]"])
    assert cfg.train.steps == 20  # override beats YAML
    assert cfg.train.steps_per_epoch == 5  # YAML beats preset
    assert cfg.train.g_learning_rate == pytest.approx(3e-4)  # "3e-4" is a float, not a string
    assert cfg.data.batch_size == 2
    assert cfg.train.betas == [0.5, 0.9]
    assert cfg.data.num_frames == config.get_preset("tiny").data.num_frames  # preset kept


def test_nested_model_sections_merge_key_by_key(write_yaml):
    cfg = config.resolve("tiny", write_yaml("model:\n  generator:\n    noise_dim: 6\n"),
                         ["model.generator.channels=[16, 8]", "model.mismatch_weight=0.25"])
    tiny = config.get_preset("tiny")
    assert cfg.model.generator.noise_dim == 6 and cfg.model.generator.channels == [16, 8]
    assert cfg.model.generator.num_frames == tiny.model.generator.num_frames  # untouched keys stay
    assert cfg.model.mismatch_weight == 0.25
    with pytest.raises(ValueError, match=r"Unknown config key 'model.generator.chanels'; accepted keys: \[.*'channels'"):
        config.resolve("tiny", overrides=["model.generator.chanels=[8]"])
    with pytest.raises(ValueError, match=r"Unknown config key 'model.ema_decay'"):  # it lives in train
        config.resolve("tiny", overrides=["model.ema_decay=0.9"])


def test_override_values_are_yaml():
    assert config.parse_override("data.data_dir=null") == {"data": {"data_dir": None}}
    assert config.parse_override("train.jit_compile=true") == {"train": {"jit_compile": True}}
    assert config.parse_override("data.augment=[hflip, reverse]") == {"data": {"augment": ["hflip", "reverse"]}}
    assert config.parse_override("train.d_learning_rate=1e-3") == {"train": {"d_learning_rate": 1e-3}}
    assert config.parse_override("data.data_dir=gs://bucket/data") == {"data": {"data_dir": "gs://bucket/data"}}


def test_ints_widen_to_floats():
    assert config.resolve("tiny", overrides=["train.g_learning_rate=1"]).train.g_learning_rate == 1.0


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.stepz=3", r"Unknown config key 'train.stepz'; accepted keys: \[.*'steps'"),
        ("datum.batch_size=3", r"Unknown config key 'datum'; accepted keys: \['data', 'model', 'strategy', 'train'\]"),
        ("train.steps=abc", r"train.steps must be of type int; got 'abc'"),
        ("data.batch_size=2.5", r"data.batch_size must be of type int; got 2.5"),
        ("train.jit_compile=1", r"train.jit_compile must be of type bool"),
        ("data.data_dir=[1]", r"data.data_dir must be of type str or null"),
        ("train.betas=0.5", r"train.betas must be of type list of float"),
        ("train=3", r"train must be a mapping"),
        ("train.steps=7", r"train.steps \(7\) must be a multiple of train.steps_per_epoch \(2\)"),
        ("model.generator.motion=curvy", r"model.generator.motion must be one of \['linear', 'free'\]"),
        ("strategy=gpu", r"strategy must be one of \['auto', 'default', 'mirrored', 'multi_worker', 'tpu'\]"),
        ("train.precision=fp16", r"train.precision must be one of \['auto', 'float32', 'mixed_bfloat16'\]"),
        ("data.augment=[flip]", r"data.augment must be one of \['hflip', 'reverse'\]"),
        ("data.batch_size=0", r"data.batch_size must be an int >= 1"),
        ("train.clipnorm=-1", r"train.clipnorm must be a finite float >= 0 \(0: off\); got -1.0"),
        ("steps", r"Overrides take the form key.subkey=value"),
        ("model.camera_weight=1", r"model.camera_weight needs model.decoder.camera_warp: true"),
        ("model.camera_weight=-1", r"model.camera_weight must be a finite float >= 0"),
        ("model.decoder.flow_dim=-1", r"model.decoder.flow_dim must be an int >= 0 \(0: no latent flow\)"),
        ("model.flow_repeats=0", r"model.flow_repeats must be an int >= 1"),
        ("model.decoder.text_slots=2", r"text_slots \(2\) reads the text encoder's pooled vectors: set it to "
                                       r"model.text_encoder.num_pooled \(1\)"),
        ("model.decoder.text_slots=-1", r"model.decoder.text_slots must be an int >= 0"),
        ("model.decoder.motion_dim=-1", r"model.decoder.motion_dim must be an int >= 0"),
        ("model.decoder.motion_dim=4", r"set model.decoder.base_frames to model.decoder.num_frames"),
    ],
)
def test_bad_overrides_name_the_key(override, message):
    with pytest.raises(ValueError, match=message):
        config.resolve("tiny", overrides=[override])


def test_bad_yaml_files(write_yaml):
    with pytest.raises(ValueError, match=r"Unknown config key 'train.lr'"):
        config.resolve("tiny", write_yaml("train:\n  lr: 0.1\n"))
    with pytest.raises(ValueError, match="must hold a mapping"):
        config.resolve("tiny", write_yaml("- 1\n- 2\n"))
    with pytest.raises(ValueError, match="not valid YAML"):
        config.resolve("tiny", write_yaml("train: [1,\n"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        config.resolve("tiny", "/nonexistent/run.yaml")
    with pytest.raises(ValueError, match=r"Unknown preset 'huge'; accepted presets: \["):
        config.resolve("huge")


def test_empty_yaml_changes_nothing(write_yaml):
    assert config.resolve("tiny", write_yaml("")) == config.get_preset("tiny").validate()


def test_save_load_round_trip(tmp_path):
    cfg = config.resolve("single_64", overrides=["model.generator.sprite_size=16", "data.augment=[hflip]"])
    path = str(tmp_path / "config.yaml")
    config.save(cfg, path)
    assert config.load(path) == cfg
    with open(path) as f:
        assert yaml.safe_load(f)["train"]["steps"] == cfg.train.steps


def test_model_sections_mirror_the_constructors():
    """Every constructor argument has a config key, so every hyperparameter has one home."""
    import inspect

    from tf_t2v.models import TextToVideoGAN, TextToVideoVAE
    from tf_t2v.text import TextEncoder, TextTokenizer
    from tf_t2v.training.trainer import SPRITE_OBJECTIVES
    from tf_t2v.video import FrameCritic, VideoDecoder, VideoDiscriminator, VideoEncoder, VideoGenerator

    def arguments(cls, supplied):
        names = inspect.signature(cls.__init__).parameters
        return sorted(set(names) - {"self", "kwargs", "dtype"} - set(supplied))

    def fields(section):
        return sorted(f.name for f in dataclasses.fields(section))

    model = config.ModelConfig()
    assert fields(model.tokenizer) == arguments(TextTokenizer, {"vocabulary"})
    assert fields(model.text_encoder) == arguments(TextEncoder, {"vocabulary_size", "sequence_length"})
    assert fields(model.generator) == arguments(VideoGenerator, ())
    assert fields(model.discriminator) == arguments(VideoDiscriminator, ())
    assert fields(model.decoder) == arguments(VideoDecoder, ())
    assert fields(model.encoder) == arguments(VideoEncoder, {"noise_dim", "code_grid"})  # the decoder's
    # The sprite family's objectives and the general family's loss weights.
    parts = {"tokenizer", "text_encoder", "generator", "discriminator"}
    assert sorted(SPRITE_OBJECTIVES) == arguments(TextToVideoGAN, parts | {"ema_decay", "seed"})
    vae_parts = {"tokenizer", "text_encoder", "generator", "encoder", "ema_decay", "seed", "discriminator",
                 "adversarial_weight", "mismatch_weight"}  # the critic from frame_critic, its weights shared
                                                           # with the sprite family
    general = {"kl_weight", "temporal_weight", "free_bits", "prior_share", "motion_weight", "l2_weight",
               "motion_match_weight", "camera_weight", "flow_repeats", "flow_trains_text"}
    assert sorted(general) == arguments(TextToVideoVAE, vae_parts)
    # `conditional` gives the critic the decoder's cond_dim.
    assert fields(model.frame_critic) == sorted(arguments(FrameCritic, {"cond_dim"}) + ["conditional"])
    sections = {"family", "decoder", "encoder", "frame_critic"}
    assert sorted(set(fields(model)) - parts - sections - general) == sorted(SPRITE_OBJECTIVES)


def test_register_preset_rejects_duplicates():
    with pytest.raises(ValueError, match="already registered"):
        config.register_preset("tiny")(lambda: None)


def test_double_64_preset_builds_a_two_object_model():
    from tf_t2v.training.trainer import build_gan

    cfg = config.resolve("double_64")
    assert cfg.data.name == "moving_shapes/double_64" and cfg.model.generator.num_objects == 2
    gan = build_gan(["a", "red", "circle", "and", "blue", "square"], cfg)
    assert gan.text_encoder.num_pooled == 2 and gan.generator.num_objects == 2
    clips = gan.generate(["a red circle and a blue square"], seed=0)
    assert clips.shape == (1, 16, 64, 64, 3)
