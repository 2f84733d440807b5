import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from tf_t2v.testing.tiny_data import build_tiny_moving_shapes, build_tiny_scenes


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory):
    """A data_dir holding moving_shapes/single_32 with `TINY_SPLITS` (shared by the session)."""
    return build_tiny_moving_shapes(str(tmp_path_factory.mktemp("tiny_data")))


SMALL_SPLITS = {"train": 8, "validation": 8, "test": 24, "test_unseen": 8}


def _small_build(tmp_path_factory, dataset, config):
    """A data_dir holding a `SMALL_SPLITS` build of tfds_builders.<dataset>'s `config`."""
    import importlib

    data_dir = str(tmp_path_factory.mktemp(config))
    builder = importlib.import_module(f"tfds_builders.{dataset}").Builder
    builder(config=config, data_dir=data_dir, split_sizes=SMALL_SPLITS).download_and_prepare()
    return data_dir


@pytest.fixture(scope="session")
def single_64_dir(tmp_path_factory):
    """A data_dir holding a small moving_shapes/single_64 build (the shipped models' size)."""
    return _small_build(tmp_path_factory, "moving_shapes", "single_64")


@pytest.fixture(scope="session")
def scenes_64_dir(tmp_path_factory):
    """A data_dir holding a small scenes/scenes_64 build."""
    return build_tiny_scenes(str(tmp_path_factory.mktemp("scenes_64")), "scenes_64", SMALL_SPLITS)


@pytest.fixture(scope="session")
def digits_64_dir(tmp_path_factory):
    """A data_dir holding a small moving_digits/single_64 build."""
    return _small_build(tmp_path_factory, "moving_digits", "single_64")
