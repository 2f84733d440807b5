"""Video-side layers: generators, encoder, critic and their building blocks."""

from tf_t2v.video.camera_warp import CameraWarp
from tf_t2v.video.cross_attention import CrossAttention
from tf_t2v.video.film import FiLM
from tf_t2v.video.frame_critic import FrameCritic
from tf_t2v.video.latent_flow import LatentFlow
from tf_t2v.video.video_decoder import VideoDecoder
from tf_t2v.video.video_discriminator import VideoDiscriminator
from tf_t2v.video.video_encoder import VideoEncoder
from tf_t2v.video.video_generator import VideoGenerator
