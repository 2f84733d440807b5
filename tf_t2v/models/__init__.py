"""Task models: one base (`TextToVideo`) and a subclass per model family."""

from tf_t2v.models.text_to_video import TextToVideo
from tf_t2v.models.text_to_video_gan import TextToVideoGAN
from tf_t2v.models.text_to_video_vae import TextToVideoVAE

__all__ = ["TextToVideo", "TextToVideoGAN", "TextToVideoVAE"]
