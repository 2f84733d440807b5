import json
import os
from unittest import mock

import pytest
from google.protobuf import text_format

from tf_t2v.export import SavedModelExporter, ServingConfig
from tf_t2v.export.saved_model_exporter import resolve_version_dir
from tiny_text_to_video import MAX_BATCH_SIZE, MODEL_NAME, artifacts


def test_export_writes_the_tf_serving_layout():
    a = artifacts()
    assert a.export_dir == os.path.join(a.base_path, "1")
    assert sorted(os.listdir(a.base_path)) == ["1"]  # no temporary folder left behind
    files = set(os.listdir(a.export_dir))
    assert {"saved_model.pb", "variables", "assets.extra"} <= files
    assert sorted(os.listdir(os.path.join(a.export_dir, "assets.extra"))) == [
        "tf_serving_warmup_requests", "tf_t2v.json"]
    metadata = json.load(open(os.path.join(a.export_dir, "assets.extra", "tf_t2v.json")))
    assert metadata["max_batch_size"] == MAX_BATCH_SIZE
    assert (metadata["num_frames"], metadata["frame_size"], metadata["embedding_dim"]) == (4, [16, 16], 16)


def test_models_config_is_a_model_server_config_naming_every_model():
    from tensorflow_serving.config import model_server_config_pb2

    a = artifacts()
    with open(os.path.join(a.root, "models.config")) as f:
        config = text_format.Parse(f.read(), model_server_config_pb2.ModelServerConfig())
    (model,) = config.model_config_list.config
    assert (model.name, model.base_path, model.model_platform) == (
        MODEL_NAME, f"/models/{MODEL_NAME}", "tensorflow")


def test_models_config_lists_all_models_of_the_root(tmp_path):
    for name in ("b_model", "a_model"):
        os.makedirs(tmp_path / name / "3")
        (tmp_path / name / "3" / "saved_model.pb").write_bytes(b"")
    os.makedirs(tmp_path / "not_a_model" / "notes")
    config = ServingConfig(str(tmp_path), container_root="/srv/models/")
    assert config.model_names() == ["a_model", "b_model"]
    text = config.to_text()
    assert text.index('name: "a_model"') < text.index('name: "b_model"')
    assert 'base_path: "/srv/models/b_model"' in text


def test_models_config_needs_a_model(tmp_path):
    with pytest.raises(ValueError, match="No model under"):
        ServingConfig(str(tmp_path)).to_text()


def test_a_base_path_alone_gets_the_next_version(tmp_path):
    base = tmp_path / "shapes"
    assert resolve_version_dir(str(base)) == str(base / "1")
    for v in ("1", "7"):
        os.makedirs(base / v)
        (base / v / "saved_model.pb").write_bytes(b"")
    assert resolve_version_dir(str(base)) == str(base / "8")
    assert resolve_version_dir(str(base / "3")) == str(base / "3")


def test_an_existing_version_is_kept_unless_overwrite(tmp_path):
    version = tmp_path / "shapes" / "2"
    os.makedirs(version)
    (version / "keep.txt").write_text("old")
    exporter = SavedModelExporter(artifacts().gan, max_batch_size=4)
    with pytest.raises(FileExistsError, match="already exists"):
        exporter.export(str(version))
    assert (version / "keep.txt").read_text() == "old"
    exporter.export(str(version), overwrite=True)
    assert os.path.isfile(version / "saved_model.pb") and not os.path.exists(version / "keep.txt")
    assert sorted(os.listdir(tmp_path / "shapes")) == ["2"]


def test_a_failed_export_leaves_no_version_and_no_temporary_folder(tmp_path):
    exporter = SavedModelExporter(artifacts().gan, max_batch_size=4)
    with mock.patch.object(SavedModelExporter, "_write_warmup", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError, match="disk full"):
            exporter.export(str(tmp_path / "shapes" / "1"))
    assert os.listdir(tmp_path / "shapes") == []
    assert not os.path.exists(tmp_path / "models.config")


def test_what_a_killed_export_leaves_is_never_served_or_loaded(tmp_path):
    """A kill mid-export leaves only a hidden temporary folder beside the served versions."""
    import shutil

    import numpy as np

    import tf_t2v
    from tf_t2v.export.serving_config import version_folders

    base = tmp_path / "shapes"
    shutil.copytree(artifacts().export_dir, base / "1")
    half = base / ".tmp-2-0a1b2c3d"
    (half / "variables").mkdir(parents=True)
    (half / "saved_model.pb").write_bytes(b"half a file")
    assert version_folders(str(base)) == {1: str(base / "1")}
    assert resolve_version_dir(str(base)) == str(base / "2")
    model = tf_t2v.load(str(base))
    assert model.path == str(base / "1")
    assert model.generate(["red"], seed=1).dtype == np.uint8


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="exports a tf_t2v.models.TextToVideo model"):
        SavedModelExporter(object())
    with pytest.raises(ValueError, match="max_batch_size must be an integer >= 1"):
        SavedModelExporter(artifacts().gan, max_batch_size=0)
    with pytest.raises(ValueError, match="Warmup batch sizes"):
        SavedModelExporter(artifacts().gan, max_batch_size=4, warmup_batch_sizes=(8,))
    with pytest.raises(ValueError, match="non-blank"):
        SavedModelExporter(artifacts().gan, warmup_prompts=[" "])
    with pytest.raises(ValueError, match="must use only letters"):
        SavedModelExporter(artifacts().gan).export("saved_models/my model/1")


def test_two_exports_to_one_base_path_get_a_version_each(tmp_path):
    base = tmp_path / "shapes"
    exporter = SavedModelExporter(artifacts().gan, max_batch_size=4)
    write_warmup = SavedModelExporter._write_warmup
    inner = []

    def warmup_while_another_export_runs(self, export_dir, model_name):
        write_warmup(self, export_dir, model_name)
        if not inner:  # the second export starts after the first chose "1" and finishes first
            inner.append(None)
            inner[0] = exporter.export(str(base))

    with mock.patch.object(SavedModelExporter, "_write_warmup", warmup_while_another_export_runs):
        outer = exporter.export(str(base))
    assert inner == [str(base / "1")] and outer == str(base / "2")
    assert sorted(os.listdir(base)) == ["1", "2"]
    for version in ("1", "2"):
        assert os.path.isfile(base / version / "saved_model.pb")
        assert os.path.isfile(base / version / "assets.extra" / "tf_serving_warmup_requests")


def test_an_overwrite_killed_between_its_renames_is_restored_by_the_next_export(tmp_path):
    import shutil

    from tf_t2v.loading import model_metadata

    base = tmp_path / "shapes"
    shutil.copytree(artifacts().export_dir, base / ".old-2-0a1b2c3d")  # version 2, moved aside
    exporter = SavedModelExporter(artifacts().gan, max_batch_size=4)
    assert exporter.export(str(base)) == str(base / "3")
    assert sorted(os.listdir(base)) == ["2", "3"]
    assert model_metadata(str(base / "2"))["max_batch_size"] == MAX_BATCH_SIZE  # the old version, back


def test_a_model_with_non_finite_weights_is_not_exported(tmp_path):
    import numpy as np

    from tiny_text_to_video import build_gan

    gan = build_gan()
    variable = gan.ema_generator.weights[-1]
    variable.assign(np.full(variable.shape, np.inf, variable.dtype))
    with pytest.raises(ValueError, match=rf"^TextToVideoGAN has NaN or infinite weights in 1 of its \d+ variables "
                                         rf"\(ema_generator/{variable.path.split('/', 1)[1]}\); nothing is exported to .*shapes/1; export an earlier"):
        SavedModelExporter(gan, max_batch_size=4).export(str(tmp_path / "shapes" / "1"))
    assert os.listdir(tmp_path) == []


def test_each_weight_is_stored_once():
    # Keras' ExportArchive would store every weight twice (keras-team/keras#23553).
    import numpy as np
    import tensorflow as tf

    a = artifacts()
    stored = [(name, shape) for name, shape in tf.train.list_variables(
        os.path.join(a.export_dir, "variables", "variables")) if name.endswith("VARIABLE_VALUE")]
    exported = [v for layer in (a.gan.ema_text_encoder, a.gan.ema_generator) for v in layer.weights]
    assert len(stored) == len(exported)
    assert sum(int(np.prod(shape)) for _, shape in stored) == sum(int(np.prod(v.shape)) for v in exported)
