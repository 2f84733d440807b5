import os

import numpy as np
import pytest

import tf_t2v
from tf_t2v.export import TextToVideoSampler
from tf_t2v.loading import default_model_path
from tf_t2v.models import TextToVideoGAN
from tiny_text_to_video import MAX_BATCH_SIZE, PROMPTS, SEEDS, artifacts, keras_clips, keras_model


def test_load_a_version_folder_or_base_path_gives_a_sampler_with_the_keras_clips():
    for path in (artifacts().export_dir, artifacts().base_path):
        model = tf_t2v.load(path)
        assert isinstance(model, TextToVideoSampler)
        assert (model.num_frames, model.frame_size, model.max_batch_size) == (4, (16, 16), MAX_BATCH_SIZE)
        np.testing.assert_array_equal(model.generate(PROMPTS, seed=SEEDS), keras_clips())


def test_load_a_keras_file_gives_the_gan():
    model = keras_model()
    assert isinstance(model, TextToVideoGAN)
    clips = model.generate(PROMPTS, seed=SEEDS)
    assert clips.dtype == np.uint8 and clips.shape == (4, 4, 16, 16, 3)


def test_a_keras_files_generate_is_its_served_functions_without_patching_the_instance():
    from tf_t2v.models import TextToVideo

    model = keras_model()
    assert "generate" not in vars(model)  # the class's generate, routed by use_served_functions
    with pytest.raises(ValueError, match="must not be empty or blank.*batch index 1"):
        model.generate(["red", " "], seed=1)
    own = tf_t2v.load(artifacts().keras_path)
    own.use_served_functions(None)
    np.testing.assert_array_equal(own.generate(PROMPTS, seed=SEEDS), keras_clips())
    np.testing.assert_array_equal(TextToVideo.generate(artifacts().gan, PROMPTS, seed=SEEDS), keras_clips())


def test_sampler_api_matches_across_batches_truncations_and_seed_forms():
    model = tf_t2v.load(artifacts().export_dir)
    np.testing.assert_array_equal(model.generate(PROMPTS, seed=SEEDS, batch_size=3), keras_clips())
    np.testing.assert_array_equal(model.generate(PROMPTS, seed=SEEDS, truncation=0.5), keras_clips(0.5))
    np.testing.assert_array_equal(model.generate(PROMPTS, seed=10), model.generate(PROMPTS, seed=[10, 11, 12, 13]))
    np.testing.assert_array_equal(model.generate(PROMPTS[0], seed=SEEDS[0]), keras_clips()[:1])
    embedding = model.encode_text(PROMPTS)
    np.testing.assert_array_equal(model.generate_from_embedding(embedding, seed=SEEDS), keras_clips())
    assert model.generate([], seed=1).shape == (0, 4, 16, 16, 3)


def test_more_prompts_than_the_cap_go_in_several_calls():
    model = tf_t2v.load(artifacts().export_dir)
    prompts = [PROMPTS[i % 4] for i in range(MAX_BATCH_SIZE + 3)]
    clips = model.generate(prompts, seed=100)
    np.testing.assert_array_equal(clips[-3:], model.generate(prompts[-3:], seed=100 + MAX_BATCH_SIZE))


def test_bad_inputs_raise_value_errors_that_say_why():
    model = tf_t2v.load(artifacts().export_dir)
    with pytest.raises(ValueError, match="must not be empty or blank.*batch index 1"):
        model.generate(["red", " "], seed=1)
    with pytest.raises(ValueError, match="Got 1 seeds for 2 prompts"):
        model.generate(["red", "blue"], seed=[1])
    with pytest.raises(ValueError, match=r"embedding must have shape \(B, 16\)"):
        model.generate_from_embedding(np.zeros((1, 3)), seed=[1])
    with pytest.raises(ValueError, match="truncation must be a finite number >= 0; got -1"):
        model.generate(["red"], seed=1, truncation=-1.0)


def test_load_explains_what_it_accepts(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model at"):
        tf_t2v.load(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="without saved_model.pb or integer version folders"):
        tf_t2v.load(str(tmp_path))
    (tmp_path / "clip.mp4").write_bytes(b"")
    with pytest.raises(ValueError, match="not a .keras file"):
        tf_t2v.load(str(tmp_path / "clip.mp4"))


def test_files_that_are_not_models_give_a_clear_error(tmp_path):
    import zipfile

    import keras

    (tmp_path / "notes.keras").write_text("this is a text file\n")
    with pytest.raises(ValueError, match="'.*notes.keras' is not a Keras model file: a .keras file is the zip archive"):
        tf_t2v.load(str(tmp_path / "notes.keras"))
    data = open(artifacts().keras_path, "rb").read()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])  # a copy that stopped half way
    with pytest.raises(ValueError, match="is not a Keras model file"):
        tf_t2v.load(str(tmp_path / "cut.keras"))
    with zipfile.ZipFile(tmp_path / "other.keras", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match=r"a zip archive but not a Keras model file: it lacks \['config.json'"):
        tf_t2v.load(str(tmp_path / "other.keras"))
    keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(tmp_path / "dense.keras")
    with pytest.raises(ValueError, match="holds a Sequential, not a tf_t2v text-to-video model"):
        tf_t2v.load(str(tmp_path / "dense.keras"))
    (tmp_path / "broken" / "1").mkdir(parents=True)
    (tmp_path / "broken" / "1" / "saved_model.pb").write_bytes(b"not a protocol buffer")
    with pytest.raises(ValueError, match="holds a saved_model.pb that cannot be loaded"):
        tf_t2v.load(str(tmp_path / "broken"))


@pytest.mark.parametrize("damage", ["truncated", "empty"])
def test_a_savedmodel_with_damaged_variables_is_one_clear_error(tmp_path, damage):
    import shutil

    version = tmp_path / "shapes" / "1"
    shutil.copytree(artifacts().export_dir, version)
    (data,) = [p for p in (version / "variables").iterdir() if p.name.startswith("variables.data-")]
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2] if damage == "truncated" else b"")
    with pytest.raises(ValueError, match=rf"^'{version}' holds a SavedModel whose variables cannot be read "
                                         r"\(Read less bytes than requested\): its variables/ folder is damaged "
                                         r"or cut short; copy or export the model again.$"):
        tf_t2v.load(str(tmp_path / "shapes"))


def test_models_with_nan_or_infinite_weights_are_refused(tmp_path):
    from unittest import mock

    from tf_t2v.export import SavedModelExporter
    from tiny_text_to_video import build_gan

    gan = build_gan()
    variable = gan.ema_generator.weights[0]
    variable.assign(np.full(variable.shape, np.nan, variable.dtype))
    gan.save(tmp_path / "nan.keras")
    message = r"has NaN or infinite weights in 1 of its \d+ variables \(.*\); it cannot make clips; load an earlier"
    with pytest.raises(ValueError, match=rf"^The model '.*nan.keras' {message}"):
        tf_t2v.load(str(tmp_path / "nan.keras"))
    # An export by a version of tf_t2v that did not check.
    with mock.patch("tf_t2v.export.saved_model_exporter.check_finite_weights"):
        SavedModelExporter(gan, max_batch_size=4).export(str(tmp_path / "nan" / "1"))
    with pytest.raises(ValueError, match=rf"^The model '.*nan/1' {message}"):
        tf_t2v.load(str(tmp_path / "nan"))


def test_keras_files_load_with_safe_mode_on(tmp_path):
    import keras

    path = str(tmp_path / "lambda.keras")
    keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2)]).save(path)
    with pytest.raises(ValueError, match=r"Cannot load .*lambda.keras' as a tf_t2v model \(safe mode on\): "
                                         r"Requested the deserialization of a `Lambda` layer"):
        tf_t2v.load(path)


def test_default_model_path_is_the_highest_shipped_version_or_none():
    path = default_model_path()
    assert path is None or os.path.isfile(os.path.join(path, "saved_model.pb"))


def test_import_tf_t2v_stays_light():
    import subprocess
    import sys

    code = "import sys, tf_t2v; print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_nothing_in_the_package_unpickles_or_turns_safe_mode_off():
    import re

    root = os.path.dirname(os.path.dirname(os.path.abspath(tf_t2v.__file__)))
    unsafe = re.compile(
        r"^\s*(import|from)\s+(pickle|cPickle|_pickle|dill|cloudpickle|joblib|shelve|marshal)\b"
        r"|allow_pickle\s*=\s*True|safe_mode\s*=\s*False|enable_unsafe_deserialization",
        re.MULTILINE,
    )
    found, scanned = [], 0
    for package in ("tf_t2v", "tfds_builders"):
        for folder, _, files in os.walk(os.path.join(root, package)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    scanned += 1
                    with open(path, encoding="utf-8") as f:
                        found += [f"{os.path.relpath(path, root)}: {m.group(0).strip()}" for m in unsafe.finditer(f.read())]
    assert scanned > 50 and found == []
