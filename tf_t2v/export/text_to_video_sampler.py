"""`TextToVideoSampler`: prompts to uint8 clips through the served graph functions."""

import json
import os
import re

import numpy as np

from tf_t2v.export.serving_endpoints import (
    DEFAULT_MAX_BATCH_SIZE,
    EMBEDDING,
    ENCODE_TEXT,
    GENERATE_FROM_EMBEDDING,
    PROMPT,
    SEED,
    SERVING_DEFAULT,
    SIGNATURES,
    TRUNCATION,
    VIDEO,
)
from tf_t2v.models.seeds import INT64_MAX, INT64_MIN, is_integer, seeds_for  # noqa: F401 (re-exported)
from tf_t2v.text.text_tokenizer import to_utf8_bytes

METADATA_FILE = os.path.join("assets.extra", "tf_t2v.json")
def as_prompt_bytes(prompts):
    """A prompt or a 1-D sequence of prompts (str or bytes) as a list of bytes.

    Accepts a str, bytes, or a list, tuple, 1-D NumPy array or tf.Tensor of them. str prompts are
    encoded as UTF-8; bytes go as they are (invalid UTF-8 is repaired in the graph).

    Raises:
        ValueError: anything else, naming the first prompt that is not a str or bytes.

    Example:
        >>> as_prompt_bytes(["a red circle", b"moves up"])
        [b'a red circle', b'moves up']
    """
    accepted = "prompts must be a str, or a list of str (bytes are taken as UTF-8)"
    if hasattr(prompts, "numpy") and not isinstance(prompts, np.ndarray):  # a tf.Tensor
        prompts = prompts.numpy()
    if isinstance(prompts, np.ndarray):
        if prompts.ndim > 1:
            raise ValueError(f"{accepted}; got an array of shape {prompts.shape}.")
        prompts = prompts.reshape(-1).tolist()
    if isinstance(prompts, (str, bytes)):
        prompts = [prompts]
    if not isinstance(prompts, (list, tuple)):
        raise ValueError(f"{accepted}; got {type(prompts).__name__} {prompts!r:.80}.")
    out = []
    for i, prompt in enumerate(prompts):
        if isinstance(prompt, str):
            out.append(to_utf8_bytes(prompt))
        elif isinstance(prompt, bytes):
            out.append(bytes(prompt))
        else:
            raise ValueError(f"{accepted}; prompt {i} is {type(prompt).__name__} {prompt!r:.80}.")
    return out


def check_truncation(truncation):
    """`truncation` as a float; ValueError unless it is a finite number >= 0."""
    try:
        value = float(truncation)
    except (TypeError, ValueError):
        value = None
    if isinstance(truncation, (str, bytes, bool)) or value is None or not 0 <= value < float("inf"):
        raise ValueError(f"truncation must be a finite number >= 0; got {truncation!r}.")
    return value


def _invalid_argument_message(error):
    """The sentence of a graph assertion, without TF's node and stack details."""
    text = getattr(error, "message", str(error))
    match = re.search(r"assertion failed: (.*)", text)
    text = match.group(1) if match else text.splitlines()[0]
    return re.sub(r"\]\s*\[", " ", text).strip("[] \n")


class TextToVideoSampler:
    """The Python API of a text-to-video model, run through its serving functions.

    Every call goes through the three functions a SavedModel serves (`serving_default`,
    `encode_text`, `generate_from_embedding`, see `tf_t2v.export.ServingEndpoints`), either
    loaded from an export or traced from a Keras model in this process, so a (prompt, seed)
    gives the clip TF Serving returns for it, bit for bit, whatever the batch. Long lists go in
    batches of at most the exported cap; a blank prompt or another invalid input raises
    `ValueError` with the graph's message.

    Use `from_saved_model(path)` (needs TensorFlow and TF Text only, as the model server does) or
    `from_keras_model(gan)`; `tf_t2v.load(path)` picks one.

    Args:
        functions: dict. {signature name: callable taking the signature's inputs by name and
            returning its outputs as a dict of tensors}.
        num_frames: int. Frames T of a clip.
        frame_size: (int, int). (H, W) of a frame.
        embedding_dim: int. Size D of a sentence embedding.
        max_batch_size: int. Most prompts one call may hold.
        path: str or None. Where the functions were loaded from, for messages.

    Example:
    ```python
    from tf_t2v.export import TextToVideoSampler

    model = TextToVideoSampler.from_saved_model("saved_models/moving_shapes/1")
    clips = model.generate(["a small red circle moves slowly to the left"], seed=7)  # uint8 (1, T, H, W, 3)
    a, b = model.encode_text(["a red circle moves up", "a blue square moves down"])
    halfway = model.generate_from_embedding([(a + b) / 2], seed=[7])
    ```
    """

    def __init__(self, functions, num_frames, frame_size, embedding_dim,
                 max_batch_size=DEFAULT_MAX_BATCH_SIZE, path=None):
        missing = [name for name in SIGNATURES if name not in functions]
        if missing:
            raise ValueError(f"TextToVideoSampler needs the functions {list(SIGNATURES)}; missing {missing}.")
        self.functions = {name: functions[name] for name in SIGNATURES}
        self.num_frames = int(num_frames)
        self.frame_size = tuple(int(s) for s in frame_size)
        self.embedding_dim = int(embedding_dim)
        self.max_batch_size = int(max_batch_size)
        self.path = path
        self.metadata = {}

    @classmethod
    def from_saved_model(cls, path):
        """Loads a SavedModel version folder written by `tf-t2v export`."""
        import tensorflow as tf
        import tensorflow_text  # noqa: F401  (registers the TF Text ops the tokenizer uses)

        path = os.fspath(path)
        if not tf.io.gfile.exists(os.path.join(path, "saved_model.pb")):
            raise FileNotFoundError(f"{path!r} is not a SavedModel folder (no saved_model.pb in it).")
        try:
            loaded = tf.saved_model.load(path)
        except IndexError as e:  # TF's checkpoint reader: variables.data-* cut short or empty
            raise ValueError(
                f"{path!r} holds a SavedModel whose variables cannot be read ({e}): its variables/ "
                "folder is damaged or cut short; copy or export the model again."
            ) from e
        except (OSError, ValueError, tf.errors.OpError) as e:  # a damaged or foreign saved_model.pb
            reason = " ".join(getattr(e, "message", str(e)).split())
            raise ValueError(f"{path!r} holds a saved_model.pb that cannot be loaded: {reason}") from e
        missing = [name for name in SIGNATURES if name not in loaded.signatures]
        if missing:
            raise ValueError(f"{path!r} is not a tf_t2v text-to-video SavedModel: it lacks the signatures {missing}.")
        metadata = {}
        if tf.io.gfile.exists(os.path.join(path, METADATA_FILE)):
            with tf.io.gfile.GFile(os.path.join(path, METADATA_FILE)) as f:
                metadata = json.load(f)
        generate = loaded.signatures[GENERATE_FROM_EMBEDDING]
        video = generate.structured_outputs[VIDEO]
        sampler = cls(
            {name: loaded.signatures[name] for name in SIGNATURES},
            num_frames=video.shape[1],
            frame_size=video.shape[2:4],
            embedding_dim=generate.structured_input_signature[1][EMBEDDING].shape[-1],
            max_batch_size=metadata.get("max_batch_size", DEFAULT_MAX_BATCH_SIZE),
            path=path,
        )
        sampler.loaded = loaded  # keeps the variables the signatures read alive
        sampler.metadata = metadata
        return sampler

    @classmethod
    def from_keras_model(cls, model, max_batch_size=DEFAULT_MAX_BATCH_SIZE):
        """Traces the serving functions of a `TextToVideoGAN` in this process (nothing is written)."""
        from tf_t2v.export.serving_endpoints import ServingEndpoints

        endpoints = ServingEndpoints(model, max_batch_size=max_batch_size)
        sampler = cls(
            endpoints.traced(),
            num_frames=model.num_frames,
            frame_size=model.frame_size,
            embedding_dim=endpoints.embedding_dim,
            max_batch_size=max_batch_size,
        )
        sampler.metadata = {"vocabulary": model.vocabulary, "lowercase": bool(model.tokenizer.lowercase),
                            "family": model.FAMILY,
                            "model_class": type(model).__name__}
        return sampler

    @property
    def vocabulary(self):
        """The words the model knows (from the export's metadata), or None for an export without them."""
        words = self.metadata.get("vocabulary")
        return list(words) if words is not None else None

    def read_prompt(self, prompt):
        """How the model reads `prompt`: a `tf_t2v.text.WordReading` per word; ValueError for an
        export whose metadata does not list its vocabulary."""
        from tf_t2v.text.prompt_reader import PromptReader

        if self.vocabulary is None:
            raise ValueError(f"{self.path or 'This model'} does not record its vocabulary "
                             f"({METADATA_FILE} has no \"vocabulary\"); re-export it with `tf-t2v export`.")
        return PromptReader(self.vocabulary, lowercase=self.metadata.get("lowercase", True)).read(prompt)

    def __repr__(self):
        where = f"{self.path!r}: " if self.path else ""
        return (
            f"TextToVideoSampler({where}{self.num_frames} frames of {self.frame_size[0]}x{self.frame_size[1]}, "
            f"batches of at most {self.max_batch_size})"
        )

    def _call(self, name, **inputs):
        import tensorflow as tf

        try:
            return self.functions[name](**inputs)
        except tf.errors.InvalidArgumentError as e:
            raise ValueError(_invalid_argument_message(e)) from e

    def _batches(self, count, batch_size):
        if batch_size is None:
            batch_size = self.max_batch_size
        elif not is_integer(batch_size) or batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1 or None (the cap, {self.max_batch_size}); got {batch_size!r}.")
        batch_size = min(int(batch_size), self.max_batch_size)
        return [slice(i, i + batch_size) for i in range(0, count, batch_size)]

    def _empty_clips(self):
        return np.zeros((0, self.num_frames) + self.frame_size + (3,), np.uint8)

    def encode_text(self, prompts, batch_size=None):
        """Sentence embeddings float32 (B, D) of prompts (str or list of str)."""
        import tensorflow as tf

        prompts = as_prompt_bytes(prompts)
        out = [
            self._call(ENCODE_TEXT, **{PROMPT: tf.constant(prompts[s], tf.string)})[EMBEDDING].numpy()
            for s in self._batches(len(prompts), batch_size)
        ]
        return np.concatenate(out) if out else np.zeros((0, self.embedding_dim), np.float32)

    def generate_from_embedding(self, embedding, seed=None, truncation=1.0, batch_size=None):
        """uint8 clips (B, T, H, W, 3) from embeddings (B, D); seeds as in `generate`."""
        import tensorflow as tf

        truncation = check_truncation(truncation)
        embedding = np.asarray(embedding, np.float32)
        if embedding.ndim != 2 or embedding.shape[1] != self.embedding_dim:
            raise ValueError(f"embedding must have shape (B, {self.embedding_dim}); got {embedding.shape}.")
        seeds = seeds_for(seed, len(embedding))
        out = [
            self._call(
                GENERATE_FROM_EMBEDDING,
                **{
                    EMBEDDING: tf.constant(embedding[s]),
                    SEED: tf.constant(seeds[s]),
                    TRUNCATION: tf.constant(truncation, tf.float32),
                },
            )[VIDEO].numpy()
            for s in self._batches(len(embedding), batch_size)
        ]
        return np.concatenate(out) if out else self._empty_clips()

    def generate(self, prompts, seed=None, truncation=1.0, batch_size=None):
        """uint8 clips (B, T, H, W, 3) for prompts.

        Prompts longer than the tokenizer's sequence length are truncated to it; invalid UTF-8 is
        repaired; words, emoji and characters the vocabulary lacks become its unknown-word token
        (a prompt of n unknown words gives the same clip as any other); an empty list gives
        (0, T, H, W, 3); more prompts than the exported cap go in several calls.

        Args:
            prompts: str or list of str (bytes are taken as UTF-8).
            seed: int, list of int (one per prompt) or None (random). Prompt i gets seed
                `seed + i` when one int is given; the same seed always gives the same clip.
                Seeds are int64: any integer from -2**63 to 2**63 - 1.
            truncation: float >= 0. Scales the noise; below 1 trades variety for typical clips.
            batch_size: int or None. Prompts per call, at most the exported cap (the default).

        Raises:
            ValueError: an empty or blank prompt, a prompt that is not a str, a seed that is not
                an int64 integer, a negative or non-finite truncation; the message says which.
        """
        import tensorflow as tf

        prompts = as_prompt_bytes(prompts)
        seeds = seeds_for(seed, len(prompts))
        truncation = check_truncation(truncation)
        out = []
        for s in self._batches(len(prompts), batch_size):
            if truncation == 1.0:  # one call to serving_default, as a TF Serving client makes it
                inputs = {PROMPT: tf.constant(prompts[s], tf.string), SEED: tf.constant(seeds[s])}
                out.append(self._call(SERVING_DEFAULT, **inputs)[VIDEO].numpy())
            else:
                embedding = self.encode_text(prompts[s])
                out.append(self.generate_from_embedding(embedding, seeds[s], truncation))
        return np.concatenate(out) if out else self._empty_clips()
