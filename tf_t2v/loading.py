"""`tf_t2v.load(path)`: a text-to-video model from a SavedModel folder or a `.keras` file."""

import os

# The default model first: `tf_t2v.load()` and `tf-t2v generate` without a model use the first
# of these that is shipped.
DEFAULT_MODEL_NAMES = ("scenes", "moving_shapes")


def _version_dir(path):
    """`path` itself if it holds saved_model.pb, else its highest integer version folder, else None."""
    from tf_t2v.export.serving_config import version_folders

    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    versions = version_folders(path)
    return versions[max(versions)] if versions else None


def _shipped_roots():
    # Inside the package and beside it (a source checkout keeps saved_models/ at the repository root).
    package = os.path.dirname(os.path.abspath(__file__))
    return [os.path.join(root, "saved_models") for root in (package, os.path.dirname(package))]


def default_model_path(name=None):
    """The highest version of the shipped `saved_models/<name>/` model, or None.

    Without `name`, the first shipped model of `DEFAULT_MODEL_NAMES`.
    """
    for candidate in [name] if name else DEFAULT_MODEL_NAMES:
        for root in _shipped_roots():
            found = _version_dir(os.path.join(root, candidate))
            if found:
                return found
    return None


def shipped_models():
    """{name: highest version folder} of every model shipped in saved_models/, default first."""
    names = set()
    for root in _shipped_roots():
        if os.path.isdir(root):
            names.update(n for n in os.listdir(root) if os.path.isdir(os.path.join(root, n)))
    found = {n: default_model_path(n) for n in sorted(names, key=lambda n: (
        DEFAULT_MODEL_NAMES.index(n) if n in DEFAULT_MODEL_NAMES else len(DEFAULT_MODEL_NAMES), n))}
    return {n: p for n, p in found.items() if p}


def model_metadata(path):
    """The export metadata (assets.extra/tf_t2v.json) of a SavedModel folder or base path, or {}."""
    import json

    version_dir = _version_dir(os.fspath(path)) if os.path.isdir(path) else None
    if version_dir is None:
        return {}
    file = os.path.join(version_dir, "assets.extra", "tf_t2v.json")
    if not os.path.isfile(file):
        return {}
    with open(file, encoding="utf-8") as f:
        return json.load(f)


def choose_model(prompts, models=None):
    """The shipped model whose vocabulary covers `prompts` best.

    Args:
        prompts: list of str.
        models: {name: path} or None (the shipped models).

    Returns:
        (name, path, coverage): coverage is the share of the prompts' words the model knows;
        ties go to the earlier model (the default first). None if no model records a vocabulary.
    """
    from tf_t2v.text.prompt_reader import PromptReader

    best = None
    for name, path in (models if models is not None else shipped_models()).items():
        metadata = model_metadata(path)
        if metadata.get("vocabulary") is None:
            continue
        reader = PromptReader(metadata["vocabulary"], lowercase=metadata.get("lowercase", True))
        words = [w for p in prompts for w in reader.words(p)]
        coverage = sum(reader.knows(w) for w in words) / len(words) if words else 0.0
        if best is None or coverage > best[2]:
            best = (name, path, coverage)
    return best


def load(path=None):
    """Loads a text-to-video model for generation.

    Args:
        path: str or None (the shipped default model). One of
            - a SavedModel version folder from `tf-t2v export` (holding saved_model.pb), or a
              model's base path (its highest integer version is loaded): returns a
              `tf_t2v.export.TextToVideoSampler` over the SavedModel's signatures, which needs
              only TensorFlow and TF Text;
            - a `.keras` file of a `TextToVideoGAN` (e.g. a training run's model.keras), loaded
              with Keras' safe_mode on (no Python code in the file runs): returns the
              `tf_t2v.models.TextToVideo` (e.g. `TextToVideoGAN`), its `generate` running the
              functions an export of it would serve (`model.use_served_functions`), so its
              clips and input errors are those of the SavedModel and TF Serving, bit for bit.
        Both give `.generate(prompts, seed=None, truncation=1.0)` -> uint8 (B, T, H, W, 3),
        `.encode_text(prompts)` and `.generate_from_embedding(embedding, seeds, truncation)`.

    Raises:
        FileNotFoundError: nothing exists at `path`.
        ValueError: `path` is neither a SavedModel folder nor a `.keras` file, or it is one but
            cannot be read as a tf_t2v text-to-video model (the message says why: a damaged
            file, another kind of model, NaN or infinite weights).

    Example:
    ```python
    import tf_t2v

    model = tf_t2v.load("saved_models/moving_shapes/1")
    clips = model.generate(["a small red circle moves slowly to the left"], seed=7)
    ```
    """
    if path is None:
        path = default_model_path()
        if path is None:
            raise FileNotFoundError(f"No shipped model found (saved_models/{'|'.join(DEFAULT_MODEL_NAMES)}/VERSION); "
                                    "give a model path.")
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

        sampler = TextToVideoSampler.from_saved_model(version_dir)
        _check_finite(sampler.loaded.variables, version_dir)
        return sampler
    if path.endswith(".keras"):
        return _load_keras(path)
    raise ValueError(f"Cannot load {path!r}: it is a file but not a .keras file; give {accepted}.")


def _check_finite(variables, path):
    from tf_t2v.io.finite_weights import check_finite_weights

    check_finite_weights(variables, f"The model {path!r}",
                         "it cannot make clips; load an earlier checkpoint or an export of one.")


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
    _check_finite(model, path)
    model.use_served_functions(TextToVideoSampler.from_keras_model(model))
    return model
