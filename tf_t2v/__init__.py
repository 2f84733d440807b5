"""tf_t2v: text-to-video generation with TensorFlow and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"


def load(path):
    """A text-to-video model from a SavedModel folder or a `.keras` file; see `tf_t2v.loading.load`."""
    from tf_t2v.loading import load as _load

    return _load(path)
