"""A tiny TextToVideoGAN, its .keras file and its SavedModel export, made once per test process."""

import atexit
import functools
import os
import shutil
import tempfile
import types

VOCABULARY = ["a", "small", "big", "red", "blue", "circle", "square", "moves", "slowly", "quickly",
              "to", "the", "left", "right", "up", "down"]
PROMPTS = [
    "a small red circle moves slowly to the left",
    "a big blue square moves quickly up",
    "red",
    "a circle moves down",
]
SEEDS = [0, 7, -3, 2**63 - 1]
MAX_BATCH_SIZE = 8
MODEL_NAME = "tiny_shapes"


def build_gan(seed=3):
    """A 4-frame 16x16 TextToVideoGAN with random weights, in float32."""
    import keras

    from tf_t2v.models import TextToVideoGAN
    from tf_t2v.text import TextEncoder, TextTokenizer
    from tf_t2v.video import VideoDiscriminator, VideoGenerator

    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(seed)
    tokenizer = TextTokenizer(VOCABULARY, sequence_length=8)
    encoder = TextEncoder(tokenizer.vocabulary_size, 8, hidden_dim=16, num_layers=1, num_heads=2,
                          intermediate_dim=32)
    generator = VideoGenerator(num_frames=4, height=16, width=16, channels=[16, 8])
    discriminator = VideoDiscriminator(channels=[8, 16])
    gan = TextToVideoGAN(tokenizer, encoder, generator, discriminator)
    # Move the averaged weights off their copy of the online ones, as training would.
    for variable in gan.ema_generator.weights + gan.ema_text_encoder.weights:
        variable.assign(variable * 0.9 + 0.01)
    return gan


@functools.lru_cache(maxsize=None)
def artifacts():
    """gan, keras_path, root (serving root), base_path and export_dir of one shared export."""
    from tf_t2v.export import SavedModelExporter

    gan = build_gan()
    folder = tempfile.mkdtemp(prefix="tiny_t2v_")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    keras_path = os.path.join(folder, "model.keras")
    gan.save(keras_path)
    root = os.path.join(folder, "saved_models")
    base_path = os.path.join(root, MODEL_NAME)
    export_dir = SavedModelExporter(gan, max_batch_size=MAX_BATCH_SIZE, warmup_batch_sizes=(1, 2)).export(
        os.path.join(base_path, "1")
    )
    return types.SimpleNamespace(
        gan=gan, keras_path=keras_path, root=root, base_path=base_path, export_dir=export_dir
    )


@functools.lru_cache(maxsize=None)
def loaded_signatures():
    """{signature name: concrete function} of the shared export, loaded with tf.saved_model.load."""
    import tensorflow as tf
    import tensorflow_text  # noqa: F401

    loaded = tf.saved_model.load(artifacts().export_dir)
    return types.SimpleNamespace(loaded=loaded, **dict(loaded.signatures))


@functools.lru_cache(maxsize=None)
def keras_model():
    """The .keras file loaded through the Python API, `tf_t2v.load`."""
    import tf_t2v

    return tf_t2v.load(artifacts().keras_path)


@functools.lru_cache(maxsize=None)
def keras_sampler():
    """The serving functions traced from the Keras model in this process."""
    from tf_t2v.export import TextToVideoSampler

    return TextToVideoSampler.from_keras_model(keras_model())


@functools.lru_cache(maxsize=None)
def keras_clips(truncation=1.0):
    """The Keras model's clips for PROMPTS and SEEDS: the reference every path must match."""
    return keras_model().generate(PROMPTS, seed=SEEDS, truncation=truncation)
