"""`tf_t2v.load(path)`: a text-to-video model from a SavedModel folder or a `.keras` file."""

import os

DEFAULT_MODEL_NAME = "moving_shapes"


def _version_dir(path):
    """`path` itself if it holds saved_model.pb, else its highest integer version folder, else None."""
    from tf_t2v.export.serving_config import version_folders

    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    versions = version_folders(path)
    return versions[max(versions)] if versions else None


def default_model_path(name=DEFAULT_MODEL_NAME):
    """The highest version of the shipped `saved_models/<name>/` model, or None.

    Looked up inside the package and beside it (a source checkout keeps `saved_models/` at the
    repository root).
    """
    package = os.path.dirname(os.path.abspath(__file__))
    for root in (package, os.path.dirname(package)):
        found = _version_dir(os.path.join(root, "saved_models", name))
        if found:
            return found
    return None


def load(path):
    """Loads a text-to-video model for generation.

    Args:
        path: str. One of
            - a SavedModel version folder from `tf-t2v export` (holding saved_model.pb), or a
              model's base path (its highest integer version is loaded): returns a
              `tf_t2v.export.TextToVideoSampler` over the SavedModel's signatures, which needs
              only TensorFlow and TF Text;
            - a `.keras` file of a `TextToVideoGAN` (e.g. a training run's model.keras), loaded
              with Keras' safe_mode on (no Python code in the file runs): returns the
              `tf_t2v.models.TextToVideoGAN`, its `generate` running the functions an export
              of it would serve (`TextToVideoSampler.from_keras_model`), so its clips are those
              of the SavedModel and TF Serving, bit for bit.
        Both give `.generate(prompts, seed=None, truncation=1.0)` -> uint8 (B, T, H, W, 3),
        `.encode_text(prompts)` and `.generate_from_embedding(embedding, seeds, truncation)`.

    Raises:
        FileNotFoundError: nothing exists at `path`.
        ValueError: `path` is neither a SavedModel folder nor a `.keras` file, or it is one but
            cannot be read as a tf_t2v text-to-video model (the message says why).

    Example:
    ```python
    import tf_t2v

    model = tf_t2v.load("saved_models/moving_shapes/1")
    clips = model.generate(["a small red circle moves slowly to the left"], seed=7)
    ```
    """
    path = os.fspath(path)
    accepted = "a SavedModel folder from `tf-t2v export` (holding saved_model.pb) or a .keras file"
    if not os.path.exists(path):
        raise FileNotFoundError(f"No model at {path!r}; give {accepted}.")
    if os.path.isdir(path):
        version_dir = _version_dir(path)
        if version_dir is None:
            raise ValueError(
                f"{path!r} is a folder without saved_model.pb or integer version folders; give {accepted}."
            )
        from tf_t2v.export.text_to_video_sampler import TextToVideoSampler

        return TextToVideoSampler.from_saved_model(version_dir)
    if path.endswith(".keras"):
        return _load_keras(path)
    raise ValueError(f"Cannot load {path!r}: it is a file but not a .keras file; give {accepted}.")


def _load_keras(path):
    """The `TextToVideoGAN` of a `.keras` file, loaded with safe_mode on; ValueError if it is not one."""
    import zipfile

    import keras

    from tf_t2v.export.text_to_video_sampler import TextToVideoSampler
    from tf_t2v.models import TextToVideo  # also registers the classes the file names

    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path!r} is not a Keras model file: a .keras file is the zip archive that "
            "`model.save` writes (a training run's model.keras or checkpoints/ckpt-*.keras)."
        )
    with zipfile.ZipFile(path) as archive:
        missing = [name for name in ("config.json", "model.weights.h5") if name not in archive.namelist()]
    if missing:
        raise ValueError(f"{path!r} is a zip archive but not a Keras model file: it lacks {missing}.")
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as e:  # Keras raises many kinds; the cause stays chained.
        reason = " ".join(str(e).split())
        raise ValueError(f"Cannot load {path!r} as a tf_t2v model (safe mode on): {reason}") from e
    if not isinstance(model, TextToVideo):
        raise ValueError(f"{path!r} holds a {type(model).__name__}, not a tf_t2v text-to-video model.")
    # Keras tracks attribute assignments; a bound method is plain Python state here.
    object.__setattr__(model, "generate", TextToVideoSampler.from_keras_model(model).generate)
    return model
