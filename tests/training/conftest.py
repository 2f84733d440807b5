import keras
import pytest

from tfds_builders.moving_shapes import Builder

TINY_SPLITS = {"train": 32, "validation": 8, "test": 8, "test_unseen": 8}


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory):
    """A data_dir holding moving_shapes/single_32 with tiny splits (about 7 s to build)."""
    data_dir = str(tmp_path_factory.mktemp("tiny_data"))
    Builder(config="single_32", data_dir=data_dir, split_sizes=TINY_SPLITS).download_and_prepare()
    return data_dir


@pytest.fixture(autouse=True)
def float32_policy():
    """`train` sets the global dtype policy; every test starts and ends with float32."""
    keras.mixed_precision.set_global_policy("float32")
    yield
    keras.mixed_precision.set_global_policy("float32")
    keras.backend.clear_session()
