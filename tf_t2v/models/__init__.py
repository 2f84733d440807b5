"""Task models."""

from tf_t2v.models.text_to_video_gan import TextToVideoGAN
