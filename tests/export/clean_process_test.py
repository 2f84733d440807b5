"""The SavedModel in a fresh process that imports only TensorFlow and TF Text, as the model server."""

import json
import os
import subprocess
import sys

import numpy as np

from tiny_text_to_video import PROMPTS, SEEDS, artifacts, keras_clips, keras_sampler

SERVER_LIKE = r"""
import json, sys
import numpy as np
import tensorflow as tf
import tensorflow_text  # noqa: F401  (the TF Text ops, as tensorflow_model_server links them)

export_dir, inputs_path, outputs_path = sys.argv[1:]
inputs = np.load(inputs_path)
prompts = tf.constant([p.encode("utf-8") for p in inputs["prompts"]])
seeds = tf.constant(inputs["seeds"])
signatures = tf.saved_model.load(export_dir).signatures
video = signatures["serving_default"](prompt=prompts, seed=seeds)["video"]
embedding = signatures["encode_text"](prompt=prompts)["embedding"]
truncated = signatures["generate_from_embedding"](
    embedding=embedding, seed=seeds, truncation=tf.constant(0.5))["video"]
try:
    signatures["serving_default"](prompt=tf.constant([" "]), seed=tf.constant([1], tf.int64))
    error = None
except tf.errors.InvalidArgumentError as e:
    error = e.message
np.savez(outputs_path, video=video.numpy(), embedding=embedding.numpy(), truncated=truncated.numpy())
print(json.dumps({"error": error, "project_modules": sorted(m for m in sys.modules if m.startswith("tf_t2v"))}))
"""


def test_a_fresh_tensorflow_process_gets_the_keras_models_clips(tmp_path):
    inputs = str(tmp_path / "inputs.npz")
    outputs = str(tmp_path / "outputs.npz")
    np.savez(inputs, prompts=np.array(PROMPTS), seeds=np.array(SEEDS, np.int64))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-c", SERVER_LIKE, artifacts().export_dir, inputs, outputs],
        capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["project_modules"] == []
    assert "must not be empty or blank" in report["error"]

    got = np.load(outputs)
    np.testing.assert_array_equal(got["video"], keras_clips())
    np.testing.assert_array_equal(got["truncated"], keras_clips(0.5))
    np.testing.assert_array_equal(got["embedding"], keras_sampler().encode_text(PROMPTS))
