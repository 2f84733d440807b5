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


def test_default_model_path_is_the_highest_shipped_version_or_none():
    path = default_model_path()
    assert path is None or os.path.isfile(os.path.join(path, "saved_model.pb"))


def test_import_tf_t2v_stays_light():
    import subprocess
    import sys

    code = "import sys, tf_t2v; print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
