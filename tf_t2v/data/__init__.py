"""Datasets, tf.data pipelines and video I/O."""

from tf_t2v.data.pipeline import make_dataset
