"""Training step, clips/s at 64x64x16, batch 32: tf_t2v as shipped, the same model in plain Keras, and PyTorch.

    pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu   # for this benchmark only
    python benchmarks/train_step_peers.py                    # single_64: 5 warm-up + 20 timed steps each
    python benchmarks/train_step_peers.py --warmup 3 --steps 10 --xla
    python benchmarks/train_step_peers.py --preset scenes_64 --batch-size 32   # the general family
    python benchmarks/train_step_peers.py --preset general_tiny --set model.frame_critic.channels=[8,16]

Three implementations of one model and one training step, each in its own process (PyTorch in
two), timed in turns (one step of each, then the next round) so that a change in the machine's
load falls on all of them alike. `--preset` picks the model and step: a sprite-family preset
(single_64, the default) times `TextToVideoGAN.train_step`, a general-family one (scenes_64,
the shipped default model) `TextToVideoVAE.train_step`; `--set key=value` overrides the preset
as `tf-t2v train --set` does.

- tf_t2v as shipped: what `tf-t2v train --preset <preset>` builds and runs. `build_model` from
  the preset under the precision `train.precision: auto` picks (float32 on a CPU without bf16
  instructions), `compile(g_optimizer, d_optimizer, jit_compile=train.jit_compile)` (False in
  the presets; both Adam optimizers with the preset's `global_clipnorm` when `train.clipnorm`
  is set, as in scenes_64), `prepare_fit`, and the train function `fit` compiles
  (`make_train_function`), called on a distributed iterator as `fit` calls it. Captions are
  tokenized inside the step. The process imports tf_t2v first, as the tf-t2v command does, so
  TensorFlow starts with the package's `TF_ENABLE_ONEDNN_OPTS=1` (its oneDNN CPU kernels).
- plain float32 Keras: the same model class from the same constructor call (`build_gan`), the
  float32 global policy, and `compile(g_optimizer=Adam, d_optimizer=Adam)` with the preset's
  learning rates, betas and clipping and every other argument at Keras' default
  (`jit_compile="auto"`, `run_eagerly=False`, `steps_per_execution=1`); nothing of the trainer,
  and TensorFlow imported before tf_t2v with TF_ENABLE_ONEDNN_OPTS as the user started the
  script, so TensorFlow picks its kernels itself (on x86 CPUs without VNNI, bf16 or AMX: its
  Eigen kernels, not oneDNN). Otherwise the two are the same program on a CPU: Keras' "auto"
  turns XLA off on a machine without accelerators, the trainer passes `jit_compile=False`,
  "auto" precision picks float32, and neither moves tokenization into the input pipeline (the
  trainer does so only under XLA or on TPUs).
- PyTorch 2.13 (CPU, eager, `torch.set_num_threads(2)`): a layer-for-layer port of the model
  and this step, fed the same token ids the Keras tokenizer makes from the same captions.
  Sprite family: benchmarks/torch_text_to_video.py (text encoder, generator, attribute heads;
  start prior, layer supervision, attribute cross-entropy, Adam, the moving average). General
  family: benchmarks/torch_general_text_to_video.py (text encoder with attention pooling,
  VideoDecoder, VideoEncoder, FrameCritic with Keras' spectral normalisation; reconstruction,
  frame-difference, prior-row, KL and hinge terms, both optimizers with `clip_grad_norm_`, the
  moving averages). Timed twice, in two processes: with OpenMP's defaults, and with
  `OMP_WAIT_POLICY=PASSIVE`, under which its threads sleep instead of spinning while they wait
  for each other. On cores shared with other jobs a spinning thread burns the time its partner
  needs, and the default can be several times slower. "vs PyTorch" compares with the faster of
  the two rows.
- with --xla, also tf_t2v with `--set train.jit_compile=true`: the step compiled by XLA, captions
  tokenized in the input pipeline (`model.preprocess`), as the trainer does it.
- with --onednn, also tf_t2v as shipped in a process started with `TF_ENABLE_ONEDNN_OPTS=1`
  set before anything is imported (a check that the package's own setting took effect).

Every implementation trains on one batch of clips as the training split holds them (rendered,
no dataset needed: moving_shapes clips with their start centres and labels, or scenes clips
with their captions): the step is timed, not data loading. The PyTorch models start from the
shipped model's initial weights, and in the first --check-steps warm-up steps they are updated
with Keras' own Adam arithmetic (`torch_text_to_video.KerasAdam`, clipping included) and, for
the general family, given the posterior noise the shipped model draws in that step (read from
its seed generator before the step); the losses of every loss term are compared step by step,
which checks the forward pass, the gradients and the update of the port. The timed steps use
`torch.optim.Adam` and PyTorch's own noise. Prints the parameter counts of both, the loss check,
and a table of the median of the timed steps, with the load average before and after.
"""

import argparse
import multiprocessing
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TF_ENABLE_ONEDNN_OPTS as the user started us (importing tf_t2v sets it, and workers inherit
# the environment): the plain Keras row gets it back.
os.environ.setdefault("T2V_ONEDNN_AT_START", os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset"))

SHIPPED, KERAS, XLA = "tf_t2v as shipped", "plain float32 Keras", "tf_t2v, XLA"
ONEDNN = "tf_t2v, TF_ENABLE_ONEDNN_OPTS=1"
TORCH, TORCH_PASSIVE = "PyTorch", "PyTorch, OMP_WAIT_POLICY=PASSIVE"
TOTALS = ("g_loss", "loss", "d_loss")  # the loss terms the check prints at every step, not only the first
ALL_WEIGHTS = "all weights (moving averages, spectral-norm vectors)"
# Chunks of scenes training captions whose words make the vocabulary: the first 8 (512 captions)
# already use every word of the whole split.
SCENES_VOCABULARY_CHUNKS = 8


def resolve(preset, overrides, batch_size):
    from tf_t2v.training import config as config_lib

    return config_lib.resolve(preset, overrides=[*overrides, f"data.batch_size={batch_size}"])


def make_batch(cfg, batch_size):
    """One training batch as numpy arrays (with "tokens", the captions' token ids) and the vocabulary.

    The clips are rendered as the preset's training split holds them (moving_shapes or scenes),
    at the size of the preset's model.
    """
    import numpy as np

    from tf_t2v.text import TextTokenizer, build_vocabulary
    from tf_t2v.training import trainer

    dataset, config_name = cfg.data.name.split("/")
    if dataset == "moving_shapes":
        from train_throughput import sample_batch
        from tfds_builders.moving_shapes.moving_shapes_dataset_builder import sample_chunk

        batch, _ = sample_batch(cfg, batch_size)
        words = sample_chunk(config_name, "train", 0)[2]  # the first chunk already holds all of them
    elif dataset == "scenes":
        from tfds_builders.scenes import render, spec
        from tfds_builders.scenes.scenes_dataset_builder import CHUNK, sample_chunk

        if not 1 <= batch_size <= CHUNK:
            raise ValueError(f"--batch-size must be from 1 to {CHUNK} for scenes clips; got {batch_size}.")
        attrs, scene, _, captions = sample_chunk(config_name, "train", 0)
        clips = render.render_clips(attrs[:batch_size], scene, spec.CONFIGS[config_name])  # (B, 16, H, H, 3) uint8
        batch = {"caption": np.array(captions[:batch_size], object), "video": clips.astype(np.float32) / 127.5 - 1.0}
        words = [c for chunk in range(SCENES_VOCABULARY_CHUNKS) for c in sample_chunk(config_name, "train", chunk)[3]]
    else:
        raise ValueError(f"The benchmark renders moving_shapes and scenes clips; the preset trains on {cfg.data.name}.")
    clip = cfg.model.decoder if cfg.model.family == "general" else cfg.model.generator
    batch = trainer.resize_clips(batch, clip.num_frames, clip.height)
    batch = {k: np.asarray(v) for k, v in batch.items()}
    vocabulary = build_vocabulary(words, min_count=cfg.data.vocabulary_min_count)
    tokenizer = TextTokenizer(vocabulary, **vars(cfg.model.tokenizer))
    batch["tokens"] = np.asarray(tokenizer(batch["caption"]), np.int64)
    return batch, vocabulary


def _count(variables):
    import numpy as np

    return int(sum(np.prod(v.shape) for v in variables))


def _by_path(layer):
    """{variable path inside `layer`: numpy array} of a Keras layer's weights."""
    prefix = f"{layer.name}/"
    return {v.path[len(prefix):] if v.path.startswith(prefix) else v.path: v.numpy() for v in layer.weights}


def _critic_weights(critic):
    """A FrameCritic's convolutions by name ("conv_0/kernel", ...), with their spectral-norm vectors."""
    weights = {}
    for layer in critic.convs + [critic.head]:
        conv = getattr(layer, "layer", layer)  # the convolution inside SpectralNormalization
        weights[f"{conv.name}/kernel"], weights[f"{conv.name}/bias"] = conv.kernel.numpy(), conv.bias.numpy()
        if conv is not layer:
            weights[f"{conv.name}/vector_u"] = layer.vector_u.numpy()
    return weights


class KerasRunner:
    """The preset's train step, built as the trainer builds it or as plain Keras would."""

    def __init__(self, kind, preset, overrides, batch, vocabulary):
        import keras
        import tensorflow as tf

        from tf_t2v.training import strategy as strategy_lib
        from tf_t2v.training import trainer

        xla = ["train.jit_compile=true"] if kind == XLA else []
        cfg = resolve(preset, [*overrides, *xla], len(batch["caption"]))
        self.general = cfg.model.family == "general"
        keys = trainer.GENERAL_INPUTS if self.general else (*trainer.MODEL_INPUTS, *cfg.model.attribute_classes)
        dataset = tf.data.Dataset.from_tensors({k: batch[k] for k in keys}).repeat()
        if kind == KERAS:
            keras.mixed_precision.set_global_policy("float32")
            keras.utils.set_random_seed(cfg.train.seed)
            model = trainer.build_gan(vocabulary, cfg)
            t = cfg.train
            clip = {"global_clipnorm": t.clipnorm} if t.clipnorm else {}
            adam = lambda rate: keras.optimizers.Adam(rate, beta_1=t.betas[0], beta_2=t.betas[1], **clip)  # noqa: E731
            model.compile(g_optimizer=adam(t.g_learning_rate), d_optimizer=adam(t.d_learning_rate))
            strategy = tf.distribute.get_strategy()
        else:  # as tf_t2v.training.trainer.train does it
            strategy = strategy_lib.make_strategy(cfg.strategy)
            self.precision = strategy_lib.choose_precision(cfg.train.precision, strategy)
            keras.mixed_precision.set_global_policy(self.precision)
            keras.utils.set_random_seed(cfg.train.seed)
            model = trainer.build_model(cfg, vocabulary, strategy)
            dataset = dataset.map(model.preprocess, num_parallel_calls=tf.data.AUTOTUNE)  # as the trainer does
            strategy_lib.prepare_fit(model, strategy)
        model.make_train_function()
        self.model = model
        self.batch_size = len(batch["caption"])
        self.iterator = iter(strategy.experimental_distribute_dataset(dataset))
        self.jit_compile = model.jit_compile

    def parameters(self):
        m = self.model
        if self.general:
            critic = m.discriminator.trainable_weights if m.discriminator is not None else []
            return {"text encoder": _count(m.text_encoder.trainable_weights),
                    "decoder": _count(m.generator.trainable_weights),
                    "posterior encoder": _count(m.encoder.trainable_weights), "frame critic": _count(critic),
                    ALL_WEIGHTS: _count(m.weights)}
        heads = [v for h in m.attribute_heads.values() for v in h.trainable_weights]
        return {"text encoder": _count(m.text_encoder.trainable_weights),
                "generator": _count(m.generator.trainable_weights), "attribute heads": _count(heads),
                "critic": _count(m.discriminator.trainable_weights), ALL_WEIGHTS: _count(m.weights)}

    def weights(self):
        m = self.model
        weights = {"text_encoder": _by_path(m.text_encoder), "generator": _by_path(m.generator)}
        if self.general:
            weights["encoder"] = _by_path(m.encoder)
            weights["critic"] = _critic_weights(m.discriminator) if m.discriminator is not None else {}
        else:
            weights["heads"] = {name: (h.kernel.numpy(), h.bias.numpy()) for name, h in m.attribute_heads.items()}
        return weights

    def check_inputs(self):
        """What the next step draws at random, for the port to use the same: the general family's
        posterior noise, drawn from a copy of the model's seed generator as its step draws it."""
        if not self.general:
            return {}
        import keras

        draw = keras.random.SeedGenerator(0)
        draw.state.assign(self.model.seed_generator.state.value)
        return {"noise": keras.random.normal((self.batch_size, self.model.noise_dim), seed=draw).numpy()}

    def step(self, check=None):
        self.model.reset_metrics()  # the logs are then this step's losses
        start = time.perf_counter()
        logs = self.model.train_function(self.iterator)
        losses = {k: float(v) for k, v in logs.items()}  # waits for the step
        return time.perf_counter() - start, losses


class SpritePort:
    """benchmarks/torch_text_to_video.py's TextToVideo, built from a sprite-family run config."""

    def __init__(self, cfg, vocabulary_size):
        import torch

        import torch_text_to_video as ttv

        m, g, t = cfg.model, cfg.model.generator, cfg.train
        if (m.adversarial_weight, m.reconstruction_weight, g.motion, g.color, g.noise_to_content, g.num_objects,
                t.clipnorm) != (0.0, 0.0, "linear", "flat", False, 1, 0.0):
            raise ValueError("The PyTorch port covers the single_64 step: no critic, no reconstruction, "
                             "linear motion, flat colour, noise not fed to the content, one object, no clipping.")
        te = vars(m.text_encoder).copy()
        if te.pop("dropout"):
            raise ValueError("The PyTorch port has no dropout; the preset's text encoder must have none.")
        te["num_pooled"] = te["num_pooled"] or g.num_objects  # as trainer.build_gan resolves it
        self.model = ttv.TextToVideo(
            vocabulary_size, m.tokenizer.sequence_length, attribute_classes=m.attribute_classes,
            ema_decay=t.ema_decay, foreground_threshold=m.foreground_threshold,
            layer_weight=m.layer_weight, attribute_weight=m.attribute_weight, text_encoder=te,
            generator={k: getattr(g, k) for k in ("num_frames", "height", "width", "noise_dim", "channels",
                                                  "sprite_size", "background_size", "cond_dim")},
            discriminator={"channels": cfg.model.discriminator.channels},
        )
        params = self.model.generator_parameters()
        # eps: Keras' epsilon
        self.optimizer = torch.optim.Adam(params, lr=t.g_learning_rate, betas=tuple(t.betas), eps=1e-7)
        self.check_optimizer = ttv.KerasAdam(params, t.g_learning_rate, tuple(t.betas),
                                             text_encoder=self.model.text_encoder)
        self.model.text_encoder.keep_embedded = False
        self.ttv = ttv

    def parameters(self):
        m, count = self.model, self.ttv.count_parameters
        return {"text encoder": count(m.text_encoder), "generator": count(m.generator),
                "attribute heads": count(m.attribute_heads), "critic": count(m.discriminator),
                ALL_WEIGHTS: count(m, False) + sum(b.numel() for b in m.buffers())}

    def load(self, weights):
        self.ttv.load_keras_weights(self.model, weights)

    def step(self, batch, check):
        """One step with torch.optim.Adam, or, to check the port, with Keras' Adam update."""
        self.model.text_encoder.keep_embedded = check is not None
        return self.model.train_step(batch, self.optimizer if check is None else self.check_optimizer)


class GeneralPort:
    """benchmarks/torch_general_text_to_video.py's TextToVideoVAE, built from a general-family run config."""

    def __init__(self, cfg, vocabulary_size):
        import dataclasses

        import torch

        import torch_general_text_to_video as gtv
        from torch_text_to_video import KerasAdam, count_parameters

        m, t = cfg.model, cfg.train
        te = dataclasses.asdict(m.text_encoder)
        if te.pop("dropout"):
            raise ValueError("The PyTorch port has no dropout; the preset's text encoder must have none.")
        te["num_pooled"] = te["num_pooled"] or 1  # as trainer.build_gan resolves it
        if m.decoder.camera_warp or m.motion_match_weight:
            raise ValueError("The PyTorch port has no camera warp and no motion-statistics term; "
                             "compare a config without them.")
        decoder = dataclasses.asdict(m.decoder)
        decoder.pop("camera_warp")
        critic = dataclasses.asdict(m.frame_critic)
        self.model = model = gtv.TextToVideoVAE(
            vocabulary_size, m.tokenizer.sequence_length, text_encoder=te, decoder=decoder,
            encoder=dataclasses.asdict(m.encoder), frame_critic=critic, ema_decay=t.ema_decay,
            kl_weight=m.kl_weight, temporal_weight=m.temporal_weight, free_bits=m.free_bits,
            prior_share=m.prior_share, motion_weight=m.motion_weight, l2_weight=m.l2_weight,
            adversarial_weight=m.adversarial_weight if critic["channels"] else 0.0,
        )
        betas, critic = tuple(t.betas), model.discriminator
        adam = lambda params, rate: torch.optim.Adam(params, lr=rate, betas=betas, eps=1e-7)  # noqa: E731
        self.optimizers = (adam(model.generator_parameters(), t.g_learning_rate),
                           None if critic is None else adam(critic.parameters(), t.d_learning_rate))
        self.check_optimizers = (
            KerasAdam(model.generator_parameters(), t.g_learning_rate, betas, global_clipnorm=t.clipnorm,
                      text_encoder=model.text_encoder),
            None if critic is None else KerasAdam(critic.parameters(), t.d_learning_rate, betas,
                                                  global_clipnorm=t.clipnorm),
        )
        model.text_encoder.keep_embedded = False
        self.clipnorm, self.gtv, self.count, self.torch = t.clipnorm, gtv, count_parameters, torch

    def parameters(self):
        m, count = self.model, self.count
        return {"text encoder": count(m.text_encoder), "decoder": count(m.generator),
                "posterior encoder": count(m.encoder),
                "frame critic": count(m.discriminator) if m.discriminator is not None else 0,
                ALL_WEIGHTS: count(m, False) + sum(b.numel() for b in m.buffers())}

    def load(self, weights):
        self.gtv.load_keras_weights(self.model, weights)

    def step(self, batch, check):
        """One step with torch.optim.Adam and PyTorch's noise, or, to check the port, with Keras'
        Adam update (clipping included) and the noise the Keras step drew."""
        self.model.text_encoder.keep_embedded = check is not None
        if check is None:
            return self.model.train_step(batch, *self.optimizers, clipnorm=self.clipnorm)
        return self.model.train_step(batch, *self.check_optimizers, noise=self.torch.from_numpy(check["noise"]))


class TorchRunner:
    def __init__(self, preset, overrides, batch, vocabulary):
        import torch

        torch.set_num_threads(os.cpu_count())
        torch.manual_seed(0)
        cfg = resolve(preset, overrides, len(batch["caption"]))
        port = GeneralPort if cfg.model.family == "general" else SpritePort
        self.port = port(cfg, len(vocabulary) + 2)  # the tokenizer's ids: the words, padding and unknown
        self.batch = {k: torch.from_numpy(v) for k, v in batch.items() if k != "caption"}

    def parameters(self):
        return self.port.parameters()

    def load(self, weights):
        self.port.load(weights)

    def step(self, check=None):
        """One step; `check` (what the Keras step drew at random, a dict) runs it as Keras would."""
        start = time.perf_counter()
        losses = self.port.step(self.batch, check)
        return time.perf_counter() - start, losses


def worker(kind, preset, overrides, conn):
    """Builds one implementation in this process, then runs a step whenever asked."""
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if kind == TORCH_PASSIVE:  # read by OpenMP when torch loads it
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    if kind == ONEDNN:  # read by TensorFlow when it is imported
        os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
    if kind == KERAS:  # TensorFlow's own kernel choice, as without tf_t2v
        if os.environ["T2V_ONEDNN_AT_START"] == "unset":
            os.environ.pop("TF_ENABLE_ONEDNN_OPTS", None)
        else:
            os.environ["TF_ENABLE_ONEDNN_OPTS"] = os.environ["T2V_ONEDNN_AT_START"]
        import tensorflow  # noqa: F401  (before tf_t2v, which would set it)
    elif kind not in (TORCH, TORCH_PASSIVE):
        import tf_t2v  # noqa: F401  (first, as the tf-t2v command: the package's settings)
    batch, vocabulary = conn.recv()
    if kind in (TORCH, TORCH_PASSIVE):
        runner = TorchRunner(preset, overrides, batch, vocabulary)
    else:
        runner = KerasRunner(kind, preset, overrides, batch, vocabulary)
    conn.send({"parameters": runner.parameters(), "precision": getattr(runner, "precision", "float32"),
               "jit_compile": getattr(runner, "jit_compile", None), "versions": versions(kind)})
    while True:
        command, payload = conn.recv()
        if command == "step":
            conn.send(runner.step(check=payload))
        elif command == "check_inputs":
            conn.send(runner.check_inputs())
        elif command == "weights":
            conn.send(runner.weights())
        elif command == "load":
            runner.load(payload)
            conn.send(None)
        else:
            return


def versions(kind):
    if kind in (TORCH, TORCH_PASSIVE):
        import torch

        policy = os.environ.get("OMP_WAIT_POLICY", "unset")
        return f"torch {torch.__version__} ({torch.get_num_threads()} threads, OMP_WAIT_POLICY {policy})"
    import keras
    import tensorflow as tf

    try:
        from tensorflow.python.util import _pywrap_util_port

        onednn = "on" if _pywrap_util_port.IsMklEnabled() else "off"
    except ImportError:
        onednn = "unknown"
    return f"TF {tf.__version__} (oneDNN {onednn}), Keras {keras.__version__}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="single_64", help="run preset whose model and step are timed")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override a config key of the preset, e.g. model.frame_critic.channels=[8,16]")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps of each implementation")
    parser.add_argument("--steps", type=int, default=20, help="timed steps of each implementation")
    parser.add_argument("--check-steps", type=int, default=3,
                        help="warm-up steps in which the PyTorch port's losses are compared with Keras'")
    parser.add_argument("--xla", action="store_true", help="also time the step with train.jit_compile=true")
    parser.add_argument("--onednn", action="store_true", help="also time the shipped step with TF_ENABLE_ONEDNN_OPTS=1")
    args = parser.parse_args(argv)
    if not 1 <= args.check_steps <= args.warmup:
        parser.error("--check-steps must be from 1 to --warmup: the check runs in warm-up steps.")

    import numpy as np

    cfg = resolve(args.preset, args.overrides, args.batch_size)
    batch, vocabulary = make_batch(cfg, args.batch_size)
    kinds = [SHIPPED, KERAS, TORCH, TORCH_PASSIVE] + ([XLA] if args.xla else []) + ([ONEDNN] if args.onednn else [])
    context = multiprocessing.get_context("spawn")
    conns, procs = {}, []
    for kind in kinds:
        parent, child = context.Pipe()
        proc = context.Process(target=worker, args=(kind, args.preset, args.overrides, child), daemon=True)
        proc.start()
        parent.send((batch, vocabulary))
        conns[kind], procs = parent, procs + [proc]
    info = {kind: conns[kind].recv() for kind in kinds}  # one at a time: builds do not overlap timing

    conns[SHIPPED].send(("weights", None))
    weights = conns[SHIPPED].recv()
    for kind in (TORCH, TORCH_PASSIVE):
        conns[kind].send(("load", weights))
        conns[kind].recv()

    load_before = os.getloadavg()
    seconds = {kind: [] for kind in kinds}
    first_losses = {kind: [] for kind in kinds}
    for round_ in range(args.warmup + args.steps):
        check = None
        if round_ < args.check_steps:  # what the shipped step is about to draw, for the ports to draw the same
            conns[SHIPPED].send(("check_inputs", None))
            check = conns[SHIPPED].recv()
        for kind in kinds:  # A, B, C, A, B, C, ...
            conns[kind].send(("step", check))
            dt, losses = conns[kind].recv()
            if check is not None:
                first_losses[kind].append(losses)
            if round_ >= args.warmup:
                seconds[kind].append(dt)
    load_after = os.getloadavg()
    for conn in conns.values():
        conn.send(("stop", None))
    for proc in procs:
        proc.join(timeout=30)

    g = batch["video"].shape
    changes = f" with {', '.join(args.overrides)}" if args.overrides else ""
    print(f"preset {args.preset}{changes} ({cfg.model.family} family): batch {g[0]} of {g[1]} frames of "
          f"{g[2]}x{g[3]}; {args.warmup} warm-up + {args.steps} timed steps each, interleaved; "
          f"{os.cpu_count()} cores")
    for kind in kinds:
        jit = "" if info[kind]["jit_compile"] is None else f", jit_compile {info[kind]['jit_compile']}"
        print(f"  {kind}: {info[kind]['versions']}, {info[kind]['precision']}{jit}")

    print("\n| parameters | Keras | PyTorch |\n| --- | ---: | ---: |")
    for name in info[SHIPPED]["parameters"]:
        print(f"| {name} | {info[SHIPPED]['parameters'][name]:,} | {info[TORCH]['parameters'][name]:,} |")

    print("\nPort check: PyTorch from the shipped model's initial weights, updated as Keras' Adam does"
          + (", with the shipped step's noise" if cfg.model.family == "general" else ""))
    print("| step | loss | tf_t2v as shipped | plain Keras | PyTorch |")
    print("| ---: | --- | ---: | ---: | ---: |")
    names = list(first_losses[TORCH][0])
    relative, absolute = ({name: 0.0 for name in names} for _ in range(2))
    for i in range(args.check_steps):
        for name in names:
            a, b, c = (first_losses[k][i][name] for k in (SHIPPED, KERAS, TORCH))
            relative[name] = max(relative[name], abs(a - c) / max(abs(a), 1e-6))
            absolute[name] = max(absolute[name], abs(a - c))
            if name in TOTALS or i == 0:
                print(f"| {i + 1} | {name} | {a:.6f} | {b:.6f} | {c:.6f} |")
    print(f"largest difference, shipped against PyTorch, steps 1-{args.check_steps} (relative, absolute):")
    print("  " + ", ".join(f"{name} {relative[name]:.1e}, {absolute[name]:.1e}" for name in names))

    median = {kind: float(np.median(seconds[kind])) for kind in kinds}
    torch_best = min(median[TORCH], median[TORCH_PASSIVE])
    print(f"\nload average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"(1 min; 5 min after: {load_after[1]:.2f})")
    print("| implementation | s/step (median) | clips/s | vs plain Keras | vs PyTorch (faster row) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for kind in kinds:
        s = median[kind]
        print(f"| {kind} | {s:.3f} | {args.batch_size / s:.1f} | {median[KERAS] / s:.2f}x | "
              f"{torch_best / s:.2f}x |")
    spread = ", ".join(f"{k}: {min(v):.3f}-{max(v):.3f}" for k, v in seconds.items())
    print(f"range of the timed steps (s): {spread}")


if __name__ == "__main__":
    main()
