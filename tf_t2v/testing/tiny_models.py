"""Tiny models for tests: every piece at the smallest size that still exercises it."""

VOCABULARY = ["a", "the", "red", "blue", "circle", "square", "moves", "left", "right", "slowly", "quickly"]


def tiny_gan(num_frames=4, size=16, seed=0, num_objects=1, **gan_kwargs):
    """A `TextToVideoGAN` with 4-frame 16x16 clips and 8-16 wide layers (one object by default)."""
    from tf_t2v.models import TextToVideoGAN
    from tf_t2v.text import TextEncoder, TextTokenizer
    from tf_t2v.video import VideoDiscriminator, VideoGenerator

    tokenizer = TextTokenizer(VOCABULARY, sequence_length=8)
    encoder = TextEncoder(
        tokenizer.vocabulary_size, 8, hidden_dim=16, num_layers=1, num_heads=2, intermediate_dim=32,
        num_pooled=num_objects,
    )
    generator = VideoGenerator(
        num_frames=num_frames, height=size, width=size, noise_dim=4, channels=[16, 8], cond_dim=32,
        num_objects=num_objects,
    )
    discriminator = VideoDiscriminator(channels=[8, 16])
    return TextToVideoGAN(tokenizer, encoder, generator, discriminator, seed=seed, **gan_kwargs)


def tiny_vae(num_frames=4, size=16, seed=0, camera_warp=False, flow_dim=0, **vae_kwargs):
    """A `TextToVideoVAE` (the general family) with 4-frame 16x16 clips and 8-16 wide layers
    (`camera_warp`: its decoder films with a `CameraWarp`; `flow_dim`: it samples through a
    `LatentFlow` of that width)."""
    from tf_t2v.models import TextToVideoVAE
    from tf_t2v.text import TextEncoder, TextTokenizer
    from tf_t2v.video import VideoDecoder, VideoEncoder

    tokenizer = TextTokenizer(VOCABULARY, sequence_length=8)
    text_encoder = TextEncoder(tokenizer.vocabulary_size, 8, hidden_dim=16, num_layers=1, num_heads=2,
                               intermediate_dim=32, num_pooled=2)
    decoder = VideoDecoder(num_frames=num_frames, height=size, width=size, noise_dim=4, channels=[16, 8],
                           base_frames=num_frames // 2, pixel_shuffle=2, cond_dim=16, camera_warp=camera_warp,
                           flow_dim=flow_dim)
    encoder = VideoEncoder(noise_dim=4, channels=[8, 16], patch=2, hidden_dim=16)
    return TextToVideoVAE(tokenizer, text_encoder, decoder, encoder, seed=seed, **vae_kwargs)
