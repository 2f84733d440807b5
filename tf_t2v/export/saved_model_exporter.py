"""`SavedModelExporter`: a `TextToVideoGAN` to a TF Serving model version, written atomically."""

import json
import logging
import os
import re
import secrets
import shutil

import keras
import numpy as np
import tensorflow as tf

from tf_t2v.export.serving_config import (
    DEFAULT_CONTAINER_ROOT,
    ServingConfig,
    check_model_name,
    version_folders,
)
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
    ServingEndpoints,
)
from tf_t2v.export.warmup_writer import WarmupWriter
from tf_t2v.io.finite_weights import check_finite_weights
from tf_t2v.io.folders import rename_no_replace, replace_folder, restore_replaced

# Written beside the warmup file; TF Serving ignores it, `tf_t2v.load` reads it.
METADATA_FILE = os.path.join("assets.extra", "tf_t2v.json")
DEFAULT_WARMUP_PROMPTS = ("a small red circle moves slowly to the left",)
_REPLACED = re.compile(r"^\.old-(\d+)-")  # a version an overwrite moved aside (tf_t2v.io.folders)


def resolve_version_dir(out):
    """`base/VERSION` as given, or `base/(highest + 1)` when `out` does not end in an integer."""
    out = os.path.normpath(os.fspath(out))
    if os.path.basename(out).isdigit():
        return out
    versions = version_folders(out)
    return os.path.join(out, str(max(versions, default=0) + 1))


def _store_each_weight_once(archive):
    """Point an `ExportArchive`'s variable collections at the `tf.Variable`s the endpoints use.

    `track()` files the `keras.Variable` wrappers under `variables`, the endpoints capture the
    `tf.Variable`s inside them, and the SavedModel saves the two as separate objects: every weight
    twice on disk and twice in the memory of whoever loads it, TF Serving included (Keras issue
    keras-team/keras#23553). Outside an autocast scope a wrapper's `value` is its `tf.Variable`.
    """
    trackable = archive._tf_trackable
    for collection in ("variables", "trainable_variables", "non_trainable_variables"):
        wrapped = getattr(trackable, collection)
        setattr(trackable, collection, [v.value if isinstance(v, keras.Variable) else v for v in wrapped])


class SavedModelExporter:
    """Exports a `TextToVideoGAN` as one version of a TF Serving model.

    Writes `base_path/VERSION/` with the signatures of `tf_t2v.export.ServingEndpoints`
    (`serving_default`, `encode_text`, `generate_from_embedding`; raw strings in, the tokenizer
    in the graph), `assets.extra/tf_serving_warmup_requests` (one request per signature and
    warmup batch size) and `assets.extra/tf_t2v.json` (shapes and the batch cap, for
    `tf_t2v.load`), then (re)writes `models.config` beside `base_path`, listing every model of
    that serving root. The version is written to a hidden temporary folder beside it and renamed
    into place, so TF Serving never sees a half-written version. The rename claims the version:
    it never replaces one, so of two exports to one base path each gets its own number (the
    later one the next free number); an overwrite swaps the new version for the old in one step.
    A model with NaN or infinite weights is refused.

    Args:
        model: `tf_t2v.models.TextToVideoGAN`.
        max_batch_size: int. Most prompts one request may hold; larger requests are rejected.
        warmup_prompts: list of str. Prompts of the warmup requests.
        warmup_batch_sizes: list of int. A warmup request per signature and batch size.
        container_root: str. Where the server sees the serving root (the folder holding
            `base_path`), used for the base paths in `models.config`.
        temperature: float or None. For generators with a text prior (`VideoDecoder`): the
            spread of the prior the export samples (None: the model's own, 1 unless set).
        run_config: dict or None. The training run's configuration (its config.yaml), recorded
            in `assets.extra/tf_t2v.json` with the dataset it names, beside the model family
            and classes, the vocabulary and the example (warmup) prompts.

    Example:
    ```python
    import keras
    from tf_t2v.export import SavedModelExporter

    gan = keras.saving.load_model("runs/shapes/model.keras")
    SavedModelExporter(gan).export("saved_models/moving_shapes/1")
    # saved_models/moving_shapes/1/saved_model.pb, saved_models/models.config
    ```
    """

    def __init__(
        self,
        model,
        max_batch_size=DEFAULT_MAX_BATCH_SIZE,
        warmup_prompts=DEFAULT_WARMUP_PROMPTS,
        warmup_batch_sizes=(1,),
        container_root=DEFAULT_CONTAINER_ROOT,
        run_config=None,
        temperature=None,
    ):
        from tf_t2v.models import TextToVideo

        if not isinstance(model, TextToVideo):
            raise ValueError(
                f"SavedModelExporter exports a tf_t2v.models.TextToVideo model; got {type(model).__name__}."
            )
        self.model = model
        self.endpoints = ServingEndpoints(model, max_batch_size=max_batch_size)
        self.max_batch_size = self.endpoints.max_batch_size
        self.warmup_prompts = [str(p) for p in warmup_prompts]
        if not self.warmup_prompts or not all(p.strip() for p in self.warmup_prompts):
            raise ValueError("warmup_prompts must hold at least one non-blank prompt.")
        self.warmup_batch_sizes = [int(b) for b in warmup_batch_sizes]
        for b in self.warmup_batch_sizes:
            if not 1 <= b <= self.max_batch_size:
                raise ValueError(
                    f"Warmup batch sizes must be in [1, max_batch_size={self.max_batch_size}]; got {b}."
                )
        self.container_root = container_root
        self.run_config = dict(run_config) if run_config else None
        if temperature is not None:
            if not hasattr(model.ema_generator, "temperature"):
                raise ValueError(f"temperature applies to generators with a prior (VideoDecoder); "
                                 f"this model's is a {type(model.ema_generator).__name__}.")
            if not temperature >= 0 or temperature == float("inf"):
                raise ValueError(f"temperature must be a finite number >= 0; got {temperature}.")
            model.ema_generator.temperature = float(temperature)  # traced into the export

    def metadata(self):
        """Plain-JSON facts about the export that the signatures do not carry."""
        model = self.model
        return {
            "format": "tf_t2v.text_to_video/1",
            "signatures": list(SIGNATURES),
            "max_batch_size": self.max_batch_size,
            "num_frames": int(model.num_frames),
            "frame_size": [int(s) for s in model.frame_size],
            "embedding_dim": self.endpoints.embedding_dim,
            "sequence_length": int(model.tokenizer.sequence_length),
            "noise_dim": int(model.noise_dim),
            "compute_dtype": model.ema_generator.compute_dtype,
            "keras_version": keras.__version__,
            "tensorflow_version": tf.__version__,
            "family": model.FAMILY,
            "model_class": type(model).__name__,
            "generator_class": type(model.generator).__name__,
            "dataset": (self.run_config or {}).get("data", {}).get("name"),
            "example_prompts": list(self.warmup_prompts),
            "vocabulary": model.vocabulary,
            "lowercase": bool(model.tokenizer.lowercase),
            "run_config": self.run_config,
            "temperature": getattr(model.ema_generator, "temperature", None),
        }

    def _write_saved_model(self, export_dir):
        archive = keras.export.ExportArchive()
        # Tracking the tokenizer carries its lookup table into the SavedModel.
        for layer in (self.model.tokenizer, self.model.ema_text_encoder, self.model.ema_generator):
            archive.track(layer)
        signatures = self.endpoints.input_signatures()
        # serving_default first: ExportArchive serves the first endpoint by default too.
        for name, fn in self.endpoints.functions().items():
            archive.add_endpoint(name, fn, input_signature=signatures[name])
        _store_each_weight_once(archive)
        archive.write_out(export_dir, verbose=False)

    def _write_warmup(self, export_dir, model_name):
        writer = WarmupWriter(model_name)
        prompts = self.warmup_prompts
        for batch in self.warmup_batch_sizes:
            batch_prompts = np.array([prompts[i % len(prompts)].encode() for i in range(batch)], object)
            seeds = np.arange(batch, dtype=np.int64)
            embedding = self.model.encode_text(tf.constant(batch_prompts, tf.string))
            writer.add(SERVING_DEFAULT, {PROMPT: batch_prompts, SEED: seeds})
            writer.add(ENCODE_TEXT, {PROMPT: batch_prompts})
            writer.add(
                GENERATE_FROM_EMBEDDING,
                {
                    EMBEDDING: np.asarray(embedding, np.float32),
                    SEED: seeds,
                    TRUNCATION: np.float32(1.0),
                },
            )
        writer.write(export_dir)

    @staticmethod
    def _claim(tmp, version_dir, explicit):
        """Renames `tmp` to `version_dir`, or to the next free version if another export took it."""
        while True:
            try:
                rename_no_replace(tmp, version_dir)
                return version_dir
            except FileExistsError:
                if explicit:
                    raise FileExistsError(
                        f"{version_dir!r} was written by another export meanwhile; pass overwrite=True "
                        "(--overwrite) or another version."
                    ) from None
                base_path, version = os.path.split(version_dir)
                logging.info("Version %s of %s was taken meanwhile; trying the next.", version, base_path)
                version_dir = os.path.join(base_path, str(int(version) + 1))

    def export(self, out, overwrite=False):
        """Writes the version folder and `models.config`; returns the version folder.

        Args:
            out: str. `base_path/VERSION` with an integer VERSION, or `base_path` alone to write
                the version after the highest one there (1 if none).
            overwrite: bool. Replace an existing version folder.
        """
        out = os.path.normpath(os.fspath(out))
        explicit = os.path.basename(out).isdigit()
        base_path = os.path.dirname(out) if explicit else out
        model_name = os.path.basename(base_path)
        if not model_name:
            raise ValueError(f"Cannot export to {out!r}: expected saved_models/NAME/VERSION.")
        check_model_name(model_name)
        check_finite_weights(self.model, type(self.model).__name__,
                             f"nothing is exported to {out}; export an earlier checkpoint.")
        if os.path.isdir(base_path):
            for name in os.listdir(base_path):  # an overwrite killed between its two renames
                if match := _REPLACED.match(name):
                    restore_replaced(os.path.join(base_path, match.group(1)))
        version_dir = resolve_version_dir(out)
        if explicit and os.path.exists(version_dir) and not overwrite:
            raise FileExistsError(
                f"{version_dir!r} already exists; pass overwrite=True (--overwrite) or another version."
            )
        os.makedirs(base_path, exist_ok=True)
        version = os.path.basename(version_dir)
        tmp = os.path.join(base_path, f".tmp-{version}-{secrets.token_hex(4)}")
        try:
            self._write_saved_model(tmp)
            self._write_warmup(tmp, model_name)
            with open(os.path.join(tmp, METADATA_FILE), "w") as f:
                json.dump(self.metadata(), f, indent=2)
            if explicit and overwrite:
                replace_folder(tmp, version_dir)
            else:
                version_dir = self._claim(tmp, version_dir, explicit)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        config_path = ServingConfig(os.path.dirname(base_path) or ".", self.container_root).write()
        logging.info("Exported %s (signatures: %s); wrote %s", version_dir, ", ".join(SIGNATURES), config_path)
        return version_dir
