"""captioned_videos: your own captioned clips (WebVid / MSR-VTT style) as a TFDS dataset."""

from tfds_builders.captioned_videos.captioned_videos_dataset_builder import Builder
from tfds_builders.captioned_videos.captioned_videos_dataset_builder import CaptionedVideosConfig

__all__ = ["Builder", "CaptionedVideosConfig"]
