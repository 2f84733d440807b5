import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from tf_t2v.testing.tiny_data import build_tiny_moving_shapes, build_tiny_scenes


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory):
    """A data_dir holding moving_shapes/single_32 with `TINY_SPLITS` (shared by the session)."""
    return build_tiny_moving_shapes(str(tmp_path_factory.mktemp("tiny_data")))


@pytest.fixture(scope="session")
def single_64_dir(tmp_path_factory):
    """A data_dir holding a small moving_shapes/single_64 build (the shipped models' size)."""
    from tfds_builders.moving_shapes import Builder

    data_dir = str(tmp_path_factory.mktemp("single_64"))
    splits = {"train": 8, "validation": 8, "test": 24, "test_unseen": 8}
    Builder(config="single_64", data_dir=data_dir, split_sizes=splits).download_and_prepare()
    return data_dir


@pytest.fixture(scope="session")
def scenes_64_dir(tmp_path_factory):
    """A data_dir holding a small scenes/scenes_64 build."""
    splits = {"train": 8, "validation": 8, "test": 24, "test_unseen": 8}
    return build_tiny_scenes(str(tmp_path_factory.mktemp("scenes_64")), "scenes_64", splits)


@pytest.fixture(scope="session")
def digits_64_dir(tmp_path_factory):
    """A data_dir holding a small moving_digits/single_64 build."""
    from tfds_builders.moving_digits import Builder

    data_dir = str(tmp_path_factory.mktemp("digits_64"))
    splits = {"train": 8, "validation": 8, "test": 24, "test_unseen": 8}
    Builder(config="single_64", data_dir=data_dir, split_sizes=splits).download_and_prepare()
    return data_dir
