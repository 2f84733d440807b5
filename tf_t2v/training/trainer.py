"""`train`: one run, from a `RunConfig` to a trained `model.keras`, resumable after a kill.

The run folder (any tf.io.gfile path) holds:

    train.lock         held (fcntl.flock) by the `train` using the folder; names its pid
    config.yaml        the resolved configuration
    vocabulary.txt     the words of the training captions (built once, reused on resume)
    backup/            AtomicBackupAndRestore state (weights and optimizers after the last
                       finished epoch): a killed run resumes here
    checkpoints/       ckpt-<epoch>.keras (the last few) and `latest`
    previews/          epoch-<epoch>.png contact sheets of the fixed prompts
    tensorboard/       train/ (losses, preview clips) and eval/ (attribute accuracies)
    eval.csv           ShapeEvaluation accuracies per evaluation step
    model.keras        the final model

Example:
```python
from tf_t2v.training import config, train

cfg = config.resolve("tiny", overrides=["data.data_dir=data"])
model = train(cfg, "runs/tiny")
clips = model.generate(["a red circle moves left"], seed=0)  # (1, T, H, W, 3) uint8
```
"""

import dataclasses
import hashlib
import logging
import os

import keras
import numpy as np
import tensorflow as tf

from tf_t2v.data import make_dataset
from tf_t2v.data.pipeline import load_builder
from tf_t2v.io.file_lock import FileLock
from tf_t2v.io.files import is_remote, write_text_atomically
from tf_t2v.text import build_vocabulary, load_vocabulary, save_vocabulary
from tf_t2v.training import config as config_lib
from tf_t2v.training import strategy as strategy_lib
from tf_t2v.training.atomic_backup_and_restore import AtomicBackupAndRestore
from tf_t2v.training.atomic_checkpoint import AtomicCheckpoint, save_model_atomically
from tf_t2v.training.contact_sheet_preview import ContactSheetPreview
from tf_t2v.training.shape_evaluation import ShapeEvaluation
from tf_t2v.training.terminate_on_nan import TerminateOnNaN
from tf_t2v.training.video_tensor_board import VideoTensorBoard

LOCK = "train.lock"
CONFIG = "config.yaml"
VOCABULARY = "vocabulary.txt"
BACKUP = "backup"
CHECKPOINTS = "checkpoints"
PREVIEWS = "previews"
TENSORBOARD = "tensorboard"
EVAL_CSV = "eval.csv"
FINAL_MODEL = "model.keras"

# Batch features the sprite family trains on, besides the attribute labels it names.
MODEL_INPUTS = ("caption", "video", "start")
# The general family reads captions and clips only.
GENERAL_INPUTS = ("caption", "video")
# The sprite family's objectives and their weights in `ModelConfig`.
SPRITE_OBJECTIVES = ("adversarial_weight", "reconstruction_weight", "layer_weight", "attribute_weight",
                     "attribute_classes", "foreground_weight", "foreground_threshold", "mismatch_weight")
# Keys that must not change between the runs of one folder: the weights depend on them.
_FIXED_KEYS = ("model", "data.name", "data.num_frames", "data.resolution")


def read_captions(name, split, data_dir=None, limit=None):
    """The captions of a built TFDS split, in file order, without decoding the videos."""
    import tensorflow_datasets as tfds

    builder = load_builder(name, data_dir)
    ds = builder.as_dataset(split=split, shuffle_files=False,
                            decoders={"video": tfds.decode.SkipDecoding()})
    ds = ds.map(lambda ex: ex["caption"])
    if limit is not None:
        ds = ds.take(limit)
    return [c.decode("utf-8") for c in ds.as_numpy_iterator()]


def resize_clips(batch, num_frames=None, resolution=None):
    """Keeps `num_frames` evenly spaced frames and area-resizes them to `resolution` squared.

    A batch's "start" centres (pixels) are rescaled with the frames.
    """
    video = batch["video"]  # (B, T, H, W, 3)
    b, t, h, w, c = video.shape
    batch = dict(batch)
    if num_frames is not None and num_frames != t:
        index = np.round(np.linspace(0, t - 1, num_frames)).astype(np.int32)
        video = tf.gather(video, index, axis=1)
        t = num_frames
    if resolution is not None and (resolution, resolution) != (h, w):
        frames = tf.reshape(video, [-1, h, w, c])
        frames = tf.image.resize(frames, (resolution, resolution), method="area")
        video = tf.reshape(frames, [-1 if b is None else b, t, resolution, resolution, c])
        if "start" in batch:
            batch["start"] = batch["start"] * tf.constant([resolution / w, resolution / h], tf.float32)
    batch["video"] = video
    return batch


def training_dataset(data, seed, labels=(), keys=MODEL_INPUTS):
    """Repeated, shuffled batches of static shape: "caption" (B,), "video" (B, T, H, W, 3) and,
    of the other `keys`, those the dataset has (moving_shapes: "start" (B, 2), the object's
    start centre in pixels), plus the label features named in `labels`."""
    keys = tuple(keys) + tuple(labels)
    ds = make_dataset(
        data.name, data.split, data.batch_size, data_dir=data.data_dir, shuffle=True,
        shuffle_buffer=data.shuffle_buffer, repeat=True, cache=data.cache, drop_remainder=True,
        augment=data.augment, seed=seed, keys=keys,
        deterministic=data.deterministic,
    )
    ds = ds.map(lambda batch: resize_clips({k: v for k, v in batch.items() if k in keys},
                                           data.num_frames, data.resolution))
    options = tf.data.Options()
    # Workers read every file and keep their share of each global batch: any file count works.
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options)


def run_dataset(cfg, seed):
    """The training batches of the run `cfg`: what its model family reads (`training_dataset`)."""
    sprite = cfg.model.family == "sprite"
    return training_dataset(cfg.data, seed=seed, labels=tuple(cfg.model.attribute_classes) if sprite else (),
                            keys=MODEL_INPUTS if sprite else GENERAL_INPUTS)


def build_gan(vocabulary, cfg):
    """The model `cfg.model` describes, from the run config: a `TextToVideoGAN` for the sprite
    family, a `TextToVideoVAE` for the general one; every argument from `cfg.model`, plus the
    train section's ema_decay and seed. Call under the strategy scope and dtype policy of the run."""
    from tf_t2v.text import TextEncoder, TextTokenizer

    m = cfg.model
    tokenizer = TextTokenizer(vocabulary, **dataclasses.asdict(m.tokenizer))
    encoder_args = dataclasses.asdict(m.text_encoder)
    if encoder_args["num_pooled"] is None:
        encoder_args["num_pooled"] = m.generator.num_objects if m.family == "sprite" else 1
    text_encoder = TextEncoder(tokenizer.vocabulary_size, m.tokenizer.sequence_length, **encoder_args)
    if m.family == "general":
        from tf_t2v.models import TextToVideoVAE
        from tf_t2v.video import FrameCritic, VideoDecoder, VideoEncoder

        decoder = VideoDecoder(**dataclasses.asdict(m.decoder))
        encoder = VideoEncoder(noise_dim=m.decoder.noise_dim, code_grid=decoder.code_grid,
                               **dataclasses.asdict(m.encoder))
        critic_args = dataclasses.asdict(m.frame_critic)
        critic_args["cond_dim"] = m.decoder.cond_dim if critic_args.pop("conditional") else 0
        critic = FrameCritic(**critic_args) if m.frame_critic.channels else None
        return TextToVideoVAE(tokenizer, text_encoder, decoder, encoder, ema_decay=cfg.train.ema_decay,
                              kl_weight=m.kl_weight, temporal_weight=m.temporal_weight, free_bits=m.free_bits,
                              prior_share=m.prior_share, motion_weight=m.motion_weight, l2_weight=m.l2_weight,
                              motion_match_weight=m.motion_match_weight, camera_weight=m.camera_weight,
                              flow_repeats=m.flow_repeats, flow_trains_text=m.flow_trains_text, discriminator=critic,
                              adversarial_weight=m.adversarial_weight if critic else 0.0,
                              mismatch_weight=m.mismatch_weight, seed=cfg.train.seed)
    from tf_t2v.models import TextToVideoGAN
    from tf_t2v.video import VideoDiscriminator, VideoGenerator

    generator = VideoGenerator(**dataclasses.asdict(m.generator))
    discriminator = VideoDiscriminator(**dataclasses.asdict(m.discriminator))
    losses = {k: getattr(m, k) for k in SPRITE_OBJECTIVES}
    return TextToVideoGAN(tokenizer, text_encoder, generator, discriminator,
                          ema_decay=cfg.train.ema_decay, seed=cfg.train.seed, **losses)


def build_model(cfg, vocabulary, strategy, model_fn=None):
    """Builds and compiles the model, both optimizers built, under `strategy`'s scope.

    `model_fn(vocabulary, cfg)` makes the model; default `build_gan`.
    """
    model_fn = model_fn or build_gan
    b1, b2 = cfg.train.betas
    clip = {"global_clipnorm": cfg.train.clipnorm} if cfg.train.clipnorm else {}
    with strategy.scope():
        model = model_fn(vocabulary, cfg)
        if not model.built:
            model.build()
        g_optimizer = keras.optimizers.Adam(cfg.train.g_learning_rate, beta_1=b1, beta_2=b2, **clip)
        # Only a model with a critic gets the critic's optimizer.
        critic = getattr(model, "discriminator", None) is not None
        d_optimizer = keras.optimizers.Adam(cfg.train.d_learning_rate, beta_1=b1, beta_2=b2, **clip) if critic else None
        model.compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, jit_compile=cfg.train.jit_compile)
        if not g_optimizer.built or (critic and not d_optimizer.built):
            raise ValueError(f"{type(model).__name__}.compile must build its optimizers (under the strategy scope).")
        unused = getattr(model, "optimizer", None)  # Keras' default from compile(); our tasks ignore it
        if unused is not None and unused not in (g_optimizer, d_optimizer) and not unused.built:
            unused.build([])  # else the backup's restore builds it over every weight on resume
    return model


def check_shapes(model, element_spec):
    """Raises ValueError if the model's clips and the data's differ in frames, size or objects."""
    data = tuple(element_spec["video"].shape[1:4])  # (T, H, W)
    made = (getattr(model, "num_frames", None),) + tuple(getattr(model, "frame_size", (None, None)))
    if None not in made and made != data:
        raise ValueError(
            f"The model makes clips of {made[0]} frames of {made[1]}x{made[2]} but the data gives "
            f"{data[0]} frames of {data[1]}x{data[2]}; set the model's frames and size, or "
            "data.num_frames and data.resolution, to match."
        )
    start = element_spec.get("start")
    drawn = getattr(getattr(model, "generator", None), "num_objects", None)
    if start is not None and drawn is not None:
        given = 1 if len(start.shape) == 2 else start.shape[1]  # (B, 2) or (B, K, 2)
        if given != drawn:
            raise ValueError(
                f"The data has {given} object(s) per clip but the model draws {drawn}; set "
                f"model.generator.num_objects={given} (the double_64 preset draws 2)."
            )


class RunFolderInUseError(RuntimeError):
    """Another process trains in the run folder."""


def _make_run_folder(run_dir):
    try:
        tf.io.gfile.makedirs(run_dir)
    except tf.errors.OpError as e:
        raise OSError(f"Cannot create the run folder {run_dir!r}: {e.message}") from None


def lock_run_folder(run_dir, strategy=None):
    """Takes the run folder's lock (`train.lock`; one per task in a multi-worker run) for this
    process, or raises `RunFolderInUseError` naming the pid that holds it. Returns the
    `FileLock` (None for a remote folder, which cannot be locked). The lock dies with the
    process, so a killed run's lock is taken by the next one."""
    if is_remote(run_dir):
        logging.warning("%s is remote: it is not locked; run one `train` in it at a time.", run_dir)
        return None
    task_type, task_id = strategy_lib.task(strategy) if strategy is not None else (None, 0)
    name = LOCK if task_type is None else f"train-{task_type}-{task_id}.lock"
    lock = FileLock(os.path.join(run_dir, name))
    if not lock.acquire():
        pid = lock.holder()
        raise RunFolderInUseError(
            f"The run folder {run_dir!r} is in use by another training process "
            f"(pid {pid if pid is not None else 'unknown'}, holding {lock.path}); wait for it to end "
            "or stop it, or use another --run-dir."
        )
    return lock


def _first_difference(a, b, key):
    """(dotted key, a value, b value) of the first leaf where nested dicts `a` and `b` differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if a.get(k) != b.get(k):
                return _first_difference(a.get(k), b.get(k), f"{key}.{k}")
    return key, a, b


def _check_run_folder(cfg, run_dir):
    """ValueError unless the run folder's config.yaml, if any, is a run config of the same model."""
    path = os.path.join(run_dir, CONFIG)
    if not tf.io.gfile.exists(path):
        return
    fix = ("delete it to let this command's configuration stand for the run (its model and data must be "
           "those the run started with), or use another --run-dir.")
    try:
        mapping = config_lib.load_yaml(path)
        if not mapping:
            raise ValueError("it is empty")
        old = config_lib.to_dict(config_lib.from_dict(mapping))
    except ValueError as e:
        reason = " ".join(str(e).split())
        raise ValueError(f"The run folder's {path} cannot be read as a run config ({reason}); {fix}") from None
    new = config_lib.to_dict(cfg)
    for fixed in _FIXED_KEYS:
        a, b = old, new
        for part in fixed.split("."):
            a, b = a[part], b[part]
        if a != b:
            key, a, b = _first_difference(a, b, fixed)
            raise ValueError(
                f"{run_dir!r} holds a run with {key} = {a!r}, not {b!r}: a run folder resumes "
                "one run only; use another --run-dir."
            )


def _write(path, text):
    try:
        write_text_atomically(path, text)  # other workers may be reading it
    except tf.errors.OpError as e:
        raise OSError(f"Cannot write {path!r}: {e.message}") from None


def _backup_dir(run_dir, strategy):
    # The backup has no notion of workers: each worker keeps its own copy.
    task_type, task_id = strategy_lib.task(strategy)
    folder = os.path.join(run_dir, BACKUP)
    return folder if task_type is None else os.path.join(folder, f"{task_type}-{task_id}")


def backed_up_epoch(backup_dir):
    """Epochs finished according to the run's backup folder (0 if none)."""
    return AtomicBackupAndRestore.finished_epochs(backup_dir)


def vocabulary_digest(vocabulary):
    """sha256 of the words in order, as the backup records it."""
    return hashlib.sha256("\n".join(vocabulary).encode("utf-8")).hexdigest()


def check_vocabulary(vocabulary, run_dir, backup_dir):
    """ValueError if the run folder's vocabulary.txt is not the vocabulary its backup was trained with."""
    recorded = AtomicBackupAndRestore.read_metadata(backup_dir)
    if "vocabulary_sha256" not in recorded or recorded["vocabulary_sha256"] == vocabulary_digest(vocabulary):
        return
    size = recorded.get("vocabulary_size")
    path = os.path.join(run_dir, VOCABULARY)
    found = f"{len(vocabulary)} words" if len(vocabulary) != size else f"{size} too, in another order or spelling"
    raise ValueError(
        f"{path} is not the vocabulary the run's model was trained with: that one has {size} words "
        f"(recorded in {os.path.join(backup_dir, 'training_metadata.json')}), the file holds {found}; put the "
        "run's own file back, or delete it to rebuild it from the training captions."
    )


def vocabulary_for(cfg, run_dir, write=True):
    """The run's vocabulary: read from the run folder, or built from the training captions."""
    path = os.path.join(run_dir, VOCABULARY)
    if tf.io.gfile.exists(path):
        return load_vocabulary(path)
    captions = read_captions(cfg.data.name, cfg.data.split, cfg.data.data_dir)
    vocabulary = build_vocabulary(captions, min_count=cfg.data.vocabulary_min_count)
    logging.info("Vocabulary: %d words from %d training captions.", len(vocabulary), len(captions))
    if write:  # atomically: other workers may be reading it
        tmp = os.path.join(run_dir, f".tmp-{os.getpid()}-{VOCABULARY}")
        save_vocabulary(tmp, vocabulary)
        tf.io.gfile.rename(tmp, path, overwrite=True)
    return vocabulary


def make_callbacks(cfg, run_dir, strategy, eval_captions, vocabulary=None):
    """The run's callbacks; only the chief writes shared files."""
    train = cfg.train
    recorded = {} if vocabulary is None else {"vocabulary_sha256": vocabulary_digest(vocabulary),
                                              "vocabulary_size": len(vocabulary)}
    callbacks = [
        AtomicBackupAndRestore(_backup_dir(run_dir, strategy), metadata=recorded),
        TerminateOnNaN(),
    ]
    if not strategy_lib.is_chief(strategy):
        return callbacks
    tensorboard = os.path.join(run_dir, TENSORBOARD)
    if eval_captions and train.eval_every_steps:
        callbacks.append(ShapeEvaluation(eval_captions, every_steps=train.eval_every_steps,
                                         csv_path=os.path.join(run_dir, EVAL_CSV), log_dir=tensorboard,
                                         seed=train.seed))
    callbacks += [
        AtomicCheckpoint(os.path.join(run_dir, CHECKPOINTS), every_epochs=train.checkpoint_every_epochs,
                         keep=train.keep_checkpoints),
        ContactSheetPreview(os.path.join(run_dir, PREVIEWS), train.preview_prompts,
                            every_epochs=train.preview_every_epochs, seed=train.seed),
        VideoTensorBoard(tensorboard, train.preview_prompts, log_every_steps=train.log_every_steps,
                         video_every_epochs=train.preview_every_epochs, seed=train.seed),
    ]
    return callbacks


def train(cfg, run_dir, model_fn=None, verbose="auto"):
    """Trains the model `cfg` describes; resumes from `run_dir`'s backup if there is one.

    Args:
        cfg: RunConfig. Validated again here.
        run_dir: str. The run folder; any tf.io.gfile path.
        model_fn: callable (vocabulary, cfg) -> model, or None for `build_gan`.
        verbose: "auto", 0, 1 or 2. Keras progress bar.

    Returns:
        The trained model (also saved as `<run_dir>/model.keras` by the chief).
    """
    cfg.validate()
    strategy = strategy_lib.make_strategy(cfg.strategy)  # first: multi-worker needs a fresh context
    run_dir = os.fspath(run_dir)
    _make_run_folder(run_dir)
    lock = lock_run_folder(run_dir, strategy)  # before anything in the folder is read or removed
    try:
        return _train_locked(cfg, run_dir, strategy, model_fn, verbose)
    finally:
        if lock is not None:
            lock.release()


def _pairs(target, source):
    """(target variable, source variable) pairs of two layers: position by position when their
    weights have the same shapes in the same order (auto-numbered names may differ), else by
    variable path relative to the layer (the k-th weight of a path to the k-th)."""
    mine, theirs = target.weights, source.weights
    if [tuple(v.shape) for v in mine] == [tuple(v.shape) for v in theirs]:
        return list(zip(mine, theirs))

    def by_path(weights):
        table = {}
        for v in weights:
            table.setdefault(v.path.split("/", 1)[-1], []).append(v)
        return table

    ours, others = by_path(mine), by_path(theirs)
    return [(a, b) for key, vs in ours.items() for a, b in zip(vs, others.get(key, []))
            if tuple(a.shape) == tuple(b.shape)]


def warm_start(model, path):
    """Copies into `model` the weights of the `.keras` model at `path` that fit: part by part
    (text encoder, generator, their moving averages, encoder, critic), by position where a part's
    weights have the same shapes in the same order, else every weight whose name and shape match
    (`_pairs`); the rest keep their fresh values (a part added since, such as a camera).
    Returns (copied, fresh) counts. ValueError if the vocabularies differ (token ids would mean
    other words) or nothing fits."""
    if not tf.io.gfile.exists(path):
        raise ValueError(f"train.init_from {path!r} does not exist: give a .keras checkpoint or final model of a run.")
    source = keras.saving.load_model(path, compile=False)
    if list(getattr(source, "vocabulary", [])) != list(model.vocabulary):
        raise ValueError(f"train.init_from {path!r} was trained with another vocabulary than this run's; "
                         "its text encoder would read other words.")
    parts = [p for p in type(model)._PARTS if p != "tokenizer"] + ["ema_text_encoder", "ema_generator"]
    copied = 0
    for part in parts:
        target, origin = getattr(model, part, None), getattr(source, part, None)
        if target is None or origin is None:
            continue
        for variable, value in _pairs(target, origin):
            variable.assign(value)
            copied += 1
    if not copied:
        raise ValueError(f"train.init_from {path!r} shares no weight (same name and shape) with this run's model.")
    return copied, len(model.weights) - copied


def _train_locked(cfg, run_dir, strategy, model_fn, verbose):
    chief = strategy_lib.is_chief(strategy)
    _check_run_folder(cfg, run_dir)
    if chief:
        for name in tf.io.gfile.listdir(run_dir):
            if name.startswith(".tmp-"):  # a final model or vocabulary of a run killed mid-write
                tf.io.gfile.remove(os.path.join(run_dir, name))
        _write(os.path.join(run_dir, CONFIG), config_lib.to_yaml(cfg))

    precision = strategy_lib.choose_precision(cfg.train.precision, strategy)
    keras.mixed_precision.set_global_policy(precision)
    keras.utils.set_random_seed(cfg.train.seed)
    logging.info("Strategy %s with %d replica(s), precision %s.", type(strategy).__name__,
                 strategy.num_replicas_in_sync, precision)

    vocabulary = vocabulary_for(cfg, run_dir, write=chief)
    eval_captions = None
    if cfg.train.eval_every_steps and cfg.data.name.startswith("moving_shapes/"):
        eval_captions = read_captions(cfg.data.name, cfg.data.eval_split, cfg.data.data_dir,
                                      limit=cfg.data.eval_examples)
    elif cfg.train.eval_every_steps:
        logging.info("Evaluation off: ShapeEvaluation scores moving_shapes datasets only.")

    backup_dir = _backup_dir(run_dir, strategy)
    initial_epoch = backed_up_epoch(backup_dir)
    check_vocabulary(vocabulary, run_dir, backup_dir)  # before a model of the wrong size blames the backup
    if initial_epoch:
        logging.info("Resuming %s after epoch %d of %d.", run_dir, initial_epoch, cfg.train.epochs)
    # A resumed run sees a new shuffle order rather than replaying the first epochs' batches.
    dataset = run_dataset(cfg, seed=cfg.train.seed + initial_epoch)
    model = build_model(cfg, vocabulary, strategy, model_fn)
    if cfg.train.init_from and not initial_epoch:
        with strategy.scope():
            copied, fresh = warm_start(model, cfg.train.init_from)
        logging.info("Started from %s: %d weights copied, %d fresh.", cfg.train.init_from, copied, fresh)
    check_shapes(model, dataset.element_spec)
    dataset = dataset.map(model.preprocess, num_parallel_calls=tf.data.AUTOTUNE)  # tokens on the host
    strategy_lib.prepare_fit(model, strategy)

    model.fit(
        dataset,
        epochs=cfg.train.epochs,
        steps_per_epoch=cfg.train.steps_per_epoch,
        callbacks=make_callbacks(cfg, run_dir, strategy, eval_captions, vocabulary),
        verbose=verbose,
        shuffle=False,  # the dataset shuffles
    )
    if chief:
        save_model_atomically(model, os.path.join(run_dir, FINAL_MODEL))
    return model
