import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.export import WarmupWriter
from tf_t2v.export.serving_endpoints import SIGNATURES
from tiny_text_to_video import MODEL_NAME, artifacts, keras_model, loaded_signatures


def replay(request):
    """Runs a PredictRequest against the loaded SavedModel, as TF Serving does on load."""
    signature = getattr(loaded_signatures(), request.model_spec.signature_name)
    inputs = {name: tf.constant(tf.make_ndarray(proto)) for name, proto in request.inputs.items()}
    return signature(**inputs), inputs


def test_warmup_holds_each_signature_at_each_batch_size():
    seen = []
    for r in WarmupWriter.read(artifacts().export_dir):
        batch = len(tf.make_ndarray(r.inputs["seed" if "seed" in r.inputs else "prompt"]))
        seen.append((r.model_spec.name, r.model_spec.signature_name, batch))
    assert seen == [(MODEL_NAME, name, batch) for batch in (1, 2) for name in SIGNATURES]


def test_every_warmup_record_runs_and_gives_the_keras_models_clips():
    for request in WarmupWriter.read(artifacts().export_dir):
        outputs, inputs = replay(request)
        name = request.model_spec.signature_name
        if name == "encode_text":
            assert outputs["embedding"].shape == (inputs["prompt"].shape[0], 16)
            continue
        video = outputs["video"].numpy()
        assert video.dtype == np.uint8 and video.shape[1:] == (4, 16, 16, 3)
        if name == "serving_default":
            prompts = [p.decode() for p in inputs["prompt"].numpy()]
            expected = keras_model().generate(prompts, seed=inputs["seed"].numpy())
            np.testing.assert_array_equal(video, expected)


def test_writer_round_trips_and_checks_its_input(tmp_path):
    writer = WarmupWriter("m")
    with pytest.raises(ValueError, match="No warmup requests"):
        writer.write(str(tmp_path))
    writer.add("serving_default", {"prompt": np.array([b"a red circle"]), "seed": np.array([3], np.int64)})
    writer.write(str(tmp_path))
    (request,) = WarmupWriter.read(str(tmp_path))
    assert request.model_spec.name == "m"
    assert tf.make_ndarray(request.inputs["seed"]).tolist() == [3]
    with pytest.raises(FileNotFoundError):
        WarmupWriter.read(str(tmp_path / "elsewhere"))
