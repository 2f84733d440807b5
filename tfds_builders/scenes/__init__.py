"""scenes: captioned landscape clips, the dataset the default shipped model learns."""

from tfds_builders.scenes.scenes_dataset_builder import Builder

__all__ = ["Builder"]
