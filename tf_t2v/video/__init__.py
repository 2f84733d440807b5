"""Video-side layers: generator, critic and their building blocks."""

from tf_t2v.video.film import FiLM
from tf_t2v.video.video_discriminator import VideoDiscriminator
from tf_t2v.video.video_generator import VideoGenerator
