"""moving_shapes: the built-in captioned-video benchmark."""

from tfds_builders.moving_shapes.moving_shapes_dataset_builder import Builder

__all__ = ["Builder"]
