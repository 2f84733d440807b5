"""tf_t2v: text-to-video generation with TensorFlow and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"
