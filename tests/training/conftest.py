import keras
import pytest

@pytest.fixture(autouse=True)
def float32_policy():
    """`train` sets the global dtype policy; every test starts and ends with float32."""
    keras.mixed_precision.set_global_policy("float32")
    yield
    keras.mixed_precision.set_global_policy("float32")
    keras.backend.clear_session()
