import csv
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.text import build_vocabulary, load_vocabulary
from tf_t2v.training import config, train, trainer


def tiny(data_dir, *overrides):
    return config.resolve("tiny", overrides=[f"data.data_dir={data_dir}", *overrides])


def test_train_writes_the_run_folder_and_a_model_that_reloads(tiny_data_dir, tmp_path):
    run_dir = str(tmp_path / "run")
    cfg = tiny(tiny_data_dir)
    model = train(cfg, run_dir, verbose=0)

    assert config.load(os.path.join(run_dir, "config.yaml")) == cfg
    captions = trainer.read_captions("moving_shapes/single_32", "train", tiny_data_dir)
    assert load_vocabulary(os.path.join(run_dir, "vocabulary.txt")) == build_vocabulary(captions)
    assert sorted(os.listdir(os.path.join(run_dir, "checkpoints"))) == ["ckpt-0001.keras", "ckpt-0002.keras", "latest"]
    assert sorted(os.listdir(os.path.join(run_dir, "previews"))) == ["epoch-0001.png", "epoch-0002.png"]
    assert sorted(os.listdir(os.path.join(run_dir, "tensorboard"))) == ["eval", "train"]
    assert sorted(os.listdir(os.path.join(run_dir, "backup"))) == ["epoch-0002.weights.h5", "training_metadata.json"]
    assert trainer.backed_up_epoch(os.path.join(run_dir, "backup")) == 2
    with open(os.path.join(run_dir, "eval.csv")) as f:
        rows = list(csv.DictReader(f))
    assert [r["step"] for r in rows] == ["2", "4"] and set(rows[0]) >= {"shape", "direction", "all"}
    assert int(model.g_optimizer.iterations.numpy()) == 4
    assert set(model.history.history) >= {"g_loss", "d_loss", "eval_all"}

    prompt = ["a large red circle moves slowly to the right"]
    restored = keras.saving.load_model(os.path.join(run_dir, "model.keras"), compile=False)
    clips = restored.generate(prompt, seed=3)
    assert clips.shape == (1, 4, 16, 16, 3) and clips.dtype == np.uint8
    np.testing.assert_array_equal(clips, model.generate(prompt, seed=3))


@pytest.mark.parametrize("preset, shape", [("tiny", (4, 16, 16)), ("single_32", (16, 32, 32)),
                                           ("single_64", (16, 64, 64))])
def test_presets_build_models_of_their_data_shape(preset, shape):
    model = trainer.build_model(config.get_preset(preset), ["a", "red", "circle"], tf.distribute.get_strategy())
    assert (model.num_frames,) + model.frame_size == shape
    assert model.g_optimizer.built and model.d_optimizer.built


def test_a_run_folder_refuses_another_model(tiny_data_dir, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    config.save(tiny(tiny_data_dir), str(run_dir / "config.yaml"))
    with pytest.raises(ValueError, match=r"holds a run with model.generator.noise_dim = 4, not 6: a run folder "
                                         r"resumes one run only; use another --run-dir.$"):
        train(tiny(tiny_data_dir, "model.generator.noise_dim=6"), str(run_dir), verbose=0)


@pytest.mark.parametrize("text, reason", [("", "it is empty"), ("\n# nothing\n", "it is empty"),
                                          ("model: [1\n", "is not valid YAML: while parsing a flow sequence"),
                                          ("train:\n  stepz: 3\n", "Unknown config key 'train.stepz'")])
def test_an_empty_or_invalid_config_yaml_is_one_short_line(tiny_data_dir, tmp_path, text, reason):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "config.yaml").write_text(text)
    with pytest.raises(ValueError) as raised:
        train(tiny(tiny_data_dir), str(run_dir), verbose=0)
    message = str(raised.value)
    assert message.startswith(f"The run folder's {run_dir}/config.yaml cannot be read as a run config (")
    assert reason in message and message.endswith("or use another --run-dir.")
    assert "\n" not in message and len(message.replace(str(run_dir), "RUN")) < 600  # short, however deep the folder


def test_a_second_train_on_one_run_folder_is_refused_naming_the_holder(tiny_data_dir, tmp_path):
    from tf_t2v.io.file_lock import FileLock

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    holder = FileLock(run_dir / "train.lock")
    assert holder.acquire()
    try:
        with pytest.raises(trainer.RunFolderInUseError,
                           match=rf"^The run folder '{run_dir}' is in use by another training process \(pid "
                                 rf"{os.getpid()}, holding {run_dir}/train.lock\); wait for it to end or stop it, "
                                 "or use another --run-dir.$"):
            train(tiny(tiny_data_dir), str(run_dir), verbose=0)
    finally:
        holder.release()
    assert os.listdir(run_dir) == ["train.lock"]  # nothing read, written or removed


def test_resume_refuses_a_vocabulary_other_than_the_models(tiny_data_dir, tmp_path):
    run_dir = tmp_path / "run"
    cfg = tiny(tiny_data_dir, "train.steps=2", "train.eval_every_steps=0")
    train(cfg, str(run_dir), verbose=0)
    trainer.lock_run_folder(str(run_dir)).release()  # train released it when it returned
    path = run_dir / "vocabulary.txt"
    words = path.read_text().split()
    cfg = tiny(tiny_data_dir, "train.steps=4", "train.eval_every_steps=0")
    for changed, found in [(words[1:], f"the file holds {len(words) - 1} words"),
                           (words[::-1], f"the file holds {len(words)} too, in another order")]:
        path.write_text("".join(w + "\n" for w in changed))
        with pytest.raises(ValueError, match=rf"^{path} is not the vocabulary the run's model was trained with: that "
                                             rf"one has {len(words)} words \(recorded in .*backup/training_metadata.json\), "
                                             rf"{found}.*delete it to rebuild it from the training captions.$"):
            train(cfg, str(run_dir), verbose=0)
    path.unlink()  # the fix: rebuilt from the captions, it is the model's again
    trainer.check_vocabulary(trainer.vocabulary_for(cfg, str(run_dir)), str(run_dir), str(run_dir / "backup"))


def test_clip_shape_mismatch_is_reported(tiny_data_dir, tmp_path):
    with pytest.raises(ValueError, match=r"makes clips of 4 frames of 16x16 but the data gives 4 frames of 32x32"):
        train(tiny(tiny_data_dir, "data.resolution=null"), str(tmp_path / "run"), verbose=0)


def test_missing_dataset_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"is not built in .*tf-t2v data build moving_shapes"):
        train(tiny(str(tmp_path / "empty")), str(tmp_path / "run"), verbose=0)


@pytest.mark.slow  # XLA compiles the 3D convolutions for about two minutes on 2 CPU cores
def test_jit_compiled_train_step_with_static_shapes(tiny_data_dir):
    """The TPU path: static batch shapes, tokens computed in the input pipeline, XLA-compiled step."""
    cfg = tiny(tiny_data_dir, "train.jit_compile=true")
    dataset = trainer.training_dataset(cfg.data, seed=0)
    assert dataset.element_spec["video"].shape == (4, 4, 16, 16, 3)  # fully static
    model = trainer.build_model(cfg, ["a", "red", "circle"], tf.distribute.get_strategy())
    dataset = dataset.map(model.preprocess)
    assert "caption" not in dataset.element_spec and dataset.element_spec["token_ids"].dtype.is_integer
    model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0)
    assert model.jit_compile is True
    assert np.isfinite(model.history.history["g_loss"][-1])
    clips = model.generate(["a red circle"], seed=0)  # prompts are still strings
    assert clips.shape == (1, 4, 16, 16, 3)


@pytest.mark.parametrize("clipnorm, expected", [(0.0, None), (1.5, 1.5)])
def test_clipnorm_reaches_both_optimizers(clipnorm, expected):
    cfg = config.get_preset("general_tiny")
    cfg.model.frame_critic.channels = [4]
    cfg.train.clipnorm = clipnorm
    model = trainer.build_model(cfg, ["a", "red", "circle"], tf.distribute.get_strategy())
    assert model.g_optimizer.global_clipnorm == expected
    assert model.d_optimizer.global_clipnorm == expected


def test_training_batches_carry_the_labels_the_model_names(tiny_data_dir):
    cfg = tiny(tiny_data_dir)
    spec = trainer.training_dataset(cfg.data, seed=0, labels=("shape", "direction")).element_spec
    assert sorted(spec) == ["caption", "direction", "shape", "start", "video"]
    assert spec["shape"].shape == (4,) and spec["start"].shape == (4, 2)
    assert sorted(trainer.training_dataset(cfg.data, seed=0).element_spec) == ["caption", "start", "video"]


def test_resize_clips_subsamples_frames_and_rescales_starts():
    video = tf.reshape(tf.range(2 * 16 * 8 * 8 * 3, dtype=tf.float32), (2, 16, 8, 8, 3))
    batch = {"video": video, "start": tf.constant([[2.0, 6.0], [4.0, 4.0]])}
    out = trainer.resize_clips(batch, num_frames=4, resolution=4)
    assert out["video"].shape == (2, 4, 4, 4, 3)
    np.testing.assert_allclose(out["video"][:, 1], tf.image.resize(video[:, 5], (4, 4), method="area"))
    np.testing.assert_allclose(out["start"], [[1.0, 3.0], [2.0, 2.0]])


def test_data_and_model_must_agree_on_objects_per_clip():
    import types

    model = types.SimpleNamespace(num_frames=4, frame_size=(16, 16), generator=types.SimpleNamespace(num_objects=1))
    spec = {"video": tf.TensorSpec((2, 4, 16, 16, 3)), "start": tf.TensorSpec((2, 2, 2))}
    with pytest.raises(ValueError, match="2 object.s. per clip but the model draws 1"):
        trainer.check_shapes(model, spec)
    trainer.check_shapes(model, {**spec, "start": tf.TensorSpec((2, 2))})  # one object: fine


def test_general_family_trains_from_captions_and_clips_only(tiny_data_dir, tmp_path):
    from tf_t2v.models import TextToVideoVAE

    run_dir = str(tmp_path / "run")
    cfg = config.resolve("general_tiny", overrides=[f"data.data_dir={tiny_data_dir}",
                                                    "data.name=moving_shapes/single_32"])
    model = train(cfg, run_dir, verbose=0)
    assert isinstance(model, TextToVideoVAE)
    assert int(model.g_optimizer.iterations.numpy()) == 4
    assert set(model.history.history) >= {"loss", "rec_loss", "temporal_loss", "kl"}
    assert sorted(os.listdir(os.path.join(run_dir, "checkpoints"))) == ["ckpt-0001.keras", "ckpt-0002.keras", "latest"]
    restored = keras.saving.load_model(os.path.join(run_dir, "model.keras"), compile=False)
    prompt = ["a large red circle moves slowly to the right"]
    np.testing.assert_array_equal(restored.generate(prompt, seed=3), model.generate(prompt, seed=3))
    # The batches carry captions and clips, nothing the dataset's renderer knows.
    batch = trainer.training_dataset(cfg.data, seed=0, keys=trainer.GENERAL_INPUTS).element_spec
    assert set(batch) == {"caption", "video"}


def test_a_run_starts_from_an_earlier_model_and_adds_a_camera(tiny_data_dir, tmp_path):
    overrides = [f"data.data_dir={tiny_data_dir}", "data.name=moving_shapes/single_32"]
    first = train(config.resolve("general_tiny", overrides=overrides), str(tmp_path / "first"), verbose=0)
    start = str(tmp_path / "first" / "model.keras")
    cfg = config.resolve("general_tiny", overrides=overrides + [
        f"train.init_from={start}", "train.steps=2", "train.steps_per_epoch=2", "train.g_learning_rate=1e-12",
        "model.decoder.camera_warp=true", "model.camera_weight=1"])
    second = train(cfg, str(tmp_path / "second"), verbose=0)
    # Nothing moves at that learning rate: the shared weights are the first run's, the camera is new.
    for a, b in ((second.text_encoder, first.text_encoder), (second.encoder, first.encoder),
                 (second.generator.stem, first.generator.stem)):
        for x, y in zip(a.weights, b.weights):
            np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=1e-6)
    assert second.generator.camera is not None and first.generator.camera is None
    model = trainer.build_model(cfg, ["a", "red", "circle"], tf.distribute.get_strategy())
    with pytest.raises(ValueError, match="another vocabulary"):
        trainer.warm_start(model, start)
    with pytest.raises(ValueError, match="does not exist"):
        trainer.warm_start(model, str(tmp_path / "missing.keras"))


@pytest.mark.parametrize("preset, shape", [("general_tiny", (4, 16, 16)), ("scenes_64", (16, 64, 64)),
                                           ("scenes_32", (16, 32, 32)), ("clips_32", (16, 32, 32))])
def test_general_presets_build_models_of_their_data_shape(preset, shape):
    model = trainer.build_model(config.get_preset(preset), ["a", "red", "circle"], tf.distribute.get_strategy())
    assert type(model).__name__ == "TextToVideoVAE"
    assert (model.num_frames,) + model.frame_size == shape
    assert model.g_optimizer.built


def test_nan_in_the_ema_generator_stops_the_run_before_any_backup(tiny_data_dir, tmp_path):
    """The losses stay finite (the online weights train them); the EMA copy is checked at the epoch end."""

    def nan_ema_gan(vocabulary, cfg):
        gan = trainer.build_gan(vocabulary, cfg)
        gan.build()
        variable = gan.ema_generator.weights[0]
        variable.assign(np.full(variable.shape, np.nan, variable.dtype))
        return gan

    run_dir = tmp_path / "run"
    cfg = tiny(tiny_data_dir, "train.steps=2", "train.eval_every_steps=0")
    with pytest.raises(ValueError, match=r"^TextToVideoGAN after epoch 1 has NaN or infinite weights in 1 of its \d+ "
                                         r"variables \(ema_generator/.*\); it is not backed up and training stops"):
        train(cfg, str(run_dir), model_fn=nan_ema_gan, verbose=0)
    assert trainer.backed_up_epoch(str(run_dir / "backup")) == 0
    assert not (run_dir / "model.keras").exists() and os.listdir(run_dir / "checkpoints") == []
