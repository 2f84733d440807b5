"""tf_t2v: text-to-video generation with TensorFlow and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# TensorFlow's oneDNN CPU kernels. TensorFlow turns them on by itself only on x86 CPUs with VNNI,
# bf16 or AMX instructions; elsewhere (e.g. AVX2-only CPUs) they made the training step 1.4x
# faster than its default kernels (BENCHMARKS.md). TensorFlow reads this when it is imported, so
# it applies where tf_t2v is imported first, as the tf-t2v command does. TF_ENABLE_ONEDNN_OPTS=0
# opts out.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

__version__ = "0.1.0"


def load(path=None):
    """A text-to-video model from a SavedModel folder or a `.keras` file (None: the shipped default
    model); see `tf_t2v.loading.load`."""
    from tf_t2v.loading import load as _load

    return _load(path)
