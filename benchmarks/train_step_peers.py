"""Training step, clips/s at 64x64x16, batch 32: tf_t2v as shipped, the same model in plain Keras, and PyTorch.

    pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu   # for this benchmark only
    python benchmarks/train_step_peers.py                    # 5 warm-up + 20 timed steps each
    python benchmarks/train_step_peers.py --warmup 3 --steps 10 --xla

Three implementations of one model and one training step, each in its own process (PyTorch in
two), timed in turns (one step of each, then the next round) so that a change in the machine's
load falls on all of them alike:

- tf_t2v as shipped: what `tf-t2v train --preset single_64` builds and runs. `build_model` from
  the preset under the precision `train.precision: auto` picks (float32 on a CPU without bf16
  instructions), `compile(g_optimizer, d_optimizer, jit_compile=train.jit_compile)` (False in
  the preset), `prepare_fit`, and the train function `fit` compiles (`make_train_function`),
  called on a distributed iterator as `fit` calls it. Captions are tokenized inside the step.
  The process imports tf_t2v first, as the tf-t2v command does, so TensorFlow starts with the
  package's `TF_ENABLE_ONEDNN_OPTS=1` (its oneDNN CPU kernels).
- plain float32 Keras: the same `TextToVideoGAN` from the same constructor call, the float32
  global policy, and `compile(g_optimizer=Adam, d_optimizer=Adam)` with every other argument at
  Keras' default (`jit_compile="auto"`, `run_eagerly=False`, `steps_per_execution=1`); nothing of
  the trainer, and TensorFlow imported before tf_t2v with TF_ENABLE_ONEDNN_OPTS as the user
  started the script, so TensorFlow picks its kernels itself (on x86 CPUs without VNNI, bf16 or
  AMX: its Eigen kernels, not oneDNN). Otherwise the two are the same program on a CPU: Keras'
  "auto" turns XLA off on a machine without accelerators, the trainer passes
  `jit_compile=False`, "auto" precision picks float32, and neither moves tokenization into the
  input pipeline (the trainer does so only under XLA or on TPUs).
- PyTorch 2.13 (CPU, eager, `torch.set_num_threads(2)`): benchmarks/torch_text_to_video.py, a
  layer-for-layer port of the text encoder, generator, attribute heads and this step (start
  prior, layer supervision, attribute cross-entropy, Adam with the preset's settings, the moving
  average), fed the same token ids the Keras tokenizer makes from the same captions. Timed twice,
  in two processes: with OpenMP's defaults, and with `OMP_WAIT_POLICY=PASSIVE`, under which its
  threads sleep instead of spinning while they wait for each other. On cores shared with other
  jobs a spinning thread burns the time its partner needs, and the default can be several times
  slower. "vs PyTorch" compares with the faster of the two rows.
- with --xla, also tf_t2v with `--set train.jit_compile=true`: the step compiled by XLA, captions
  tokenized in the input pipeline (`model.preprocess`), as the trainer does it.
- with --onednn, also tf_t2v as shipped in a process started with `TF_ENABLE_ONEDNN_OPTS=1`
  set before anything is imported (a check that the package's own setting took effect).

Every implementation trains on one batch of moving_shapes clips as the training split holds them
(rendered, no dataset needed): the step is timed, not data loading. The PyTorch models start
from the shipped model's initial weights, and in the first --check-steps warm-up steps it is
updated with Keras' own Adam arithmetic (`torch_text_to_video.KerasAdam`); the losses of every
loss term are compared step by step, which checks the forward pass, the gradients and the update
of the port. The timed steps use `torch.optim.Adam`. Prints the parameter counts of both, the
loss check, and a table of the median of the timed steps, with the load average before and
after.
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
LOSS_NAMES = ("prior_loss", "velocity_loss", "mask_loss", "color_loss", "background_loss", "attribute_loss",
              "g_loss")


def make_batch(preset, batch_size):
    """One training batch as numpy arrays, the token ids of its captions, and the vocabulary."""
    import numpy as np

    from tf_t2v.text import TextTokenizer, build_vocabulary
    from tf_t2v.training import config as config_lib
    from train_throughput import sample_batch
    from tfds_builders.moving_shapes.moving_shapes_dataset_builder import sample_chunk

    cfg = config_lib.resolve(preset, overrides=[f"data.batch_size={batch_size}"])
    batch, _ = sample_batch(cfg, batch_size)
    batch = {k: v.numpy() for k, v in batch.items()}
    # The words of the training captions (the first chunk already holds all of them).
    vocabulary = build_vocabulary(sample_chunk(cfg.data.name.split("/")[1], "train", 0)[2])
    tokenizer = TextTokenizer(vocabulary, **vars(cfg.model.tokenizer))
    batch["tokens"] = np.asarray(tokenizer(batch["caption"]), np.int64)
    return batch, vocabulary


class KerasRunner:
    """The TextToVideoGAN step, built as the trainer builds it or as plain Keras would."""

    def __init__(self, kind, preset, batch, vocabulary):
        import keras
        import tensorflow as tf

        from tf_t2v.training import config as config_lib
        from tf_t2v.training import strategy as strategy_lib
        from tf_t2v.training import trainer

        overrides = [f"data.batch_size={len(batch['caption'])}"]
        if kind == XLA:
            overrides.append("train.jit_compile=true")
        cfg = config_lib.resolve(preset, overrides=overrides)
        data = {k: batch[k] for k in (*trainer.MODEL_INPUTS, *cfg.model.attribute_classes)}
        dataset = tf.data.Dataset.from_tensors(data).repeat()
        if kind == KERAS:
            keras.mixed_precision.set_global_policy("float32")
            keras.utils.set_random_seed(cfg.train.seed)
            model = trainer.build_gan(vocabulary, cfg)
            b1, b2 = cfg.train.betas
            model.compile(g_optimizer=keras.optimizers.Adam(cfg.train.g_learning_rate, beta_1=b1, beta_2=b2),
                          d_optimizer=keras.optimizers.Adam(cfg.train.d_learning_rate, beta_1=b1, beta_2=b2))
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
        self.iterator = iter(strategy.experimental_distribute_dataset(dataset))
        self.jit_compile = model.jit_compile

    def parameters(self):
        import numpy as np

        m = self.model
        count = lambda variables: int(sum(np.prod(v.shape) for v in variables))  # noqa: E731
        heads = [v for h in m.attribute_heads.values() for v in h.trainable_weights]
        return {"text encoder": count(m.text_encoder.trainable_weights),
                "generator": count(m.generator.trainable_weights), "attribute heads": count(heads),
                "critic": count(m.discriminator.trainable_weights),
                "all weights (moving averages, spectral-norm vectors)": count(m.weights)}

    def weights(self):
        m = self.model

        def by_path(layer, prefix=""):
            return {v.path[len(prefix):]: v.numpy() for v in layer.weights}

        return {"text_encoder": by_path(m.text_encoder),
                "generator": by_path(m.generator, prefix=f"{m.generator.name}/"),
                "heads": {name: (h.kernel.numpy(), h.bias.numpy()) for name, h in m.attribute_heads.items()}}

    def step(self, check=False):
        self.model.reset_metrics()  # the logs are then this step's losses
        start = time.perf_counter()
        logs = self.model.train_function(self.iterator)
        losses = {k: float(v) for k, v in logs.items()}  # waits for the step
        return time.perf_counter() - start, losses


class TorchRunner:
    def __init__(self, preset, batch, vocabulary):
        import torch

        from tf_t2v.training import config as config_lib
        import torch_text_to_video as ttv

        torch.set_num_threads(os.cpu_count())
        torch.manual_seed(0)
        cfg = config_lib.resolve(preset)
        m, g = cfg.model, cfg.model.generator
        if (m.adversarial_weight, m.reconstruction_weight, g.motion, g.color, g.noise_to_content) != (
                0.0, 0.0, "linear", "flat", False):
            raise ValueError("The PyTorch port covers the single_64 step: no critic, no reconstruction, "
                             "linear motion, flat colour, noise not fed to the content.")
        te = vars(m.text_encoder).copy()
        if te.pop("dropout"):
            raise ValueError("The PyTorch port has no dropout; the preset's text encoder must have none.")
        self.model = ttv.TextToVideo(
            len(vocabulary) + 2, m.tokenizer.sequence_length, attribute_classes=m.attribute_classes,
            ema_decay=cfg.train.ema_decay, foreground_threshold=m.foreground_threshold,
            layer_weight=m.layer_weight, attribute_weight=m.attribute_weight, text_encoder=te,
            generator={k: getattr(g, k) for k in ("num_frames", "height", "width", "noise_dim", "channels",
                                                  "sprite_size", "background_size", "cond_dim")},
            discriminator={"channels": cfg.model.discriminator.channels},
        )
        self.batch = {k: torch.from_numpy(v) for k, v in batch.items() if k != "caption"}
        self.optimizer = torch.optim.Adam(self.model.generator_parameters(), lr=cfg.train.g_learning_rate,
                                          betas=tuple(cfg.train.betas), eps=1e-7)  # Keras' epsilon
        self.check_optimizer = ttv.KerasAdam(self.model, cfg.train.g_learning_rate, tuple(cfg.train.betas))
        self.model.text_encoder.keep_embedded = False
        self.ttv = ttv

    def parameters(self):
        m, count = self.model, self.ttv.count_parameters
        buffers = sum(b.numel() for b in m.buffers())
        return {"text encoder": count(m.text_encoder), "generator": count(m.generator),
                "attribute heads": count(m.attribute_heads), "critic": count(m.discriminator),
                "all weights (moving averages, spectral-norm vectors)": count(m, False) + buffers}

    def load(self, weights):
        self.ttv.load_keras_weights(self.model, weights)

    def step(self, check=False):
        """One step with torch.optim.Adam, or, to check the port, with Keras' Adam update."""
        self.model.text_encoder.keep_embedded = check
        optimizer = self.check_optimizer if check else self.optimizer
        start = time.perf_counter()
        losses = self.model.train_step(self.batch, optimizer)
        return time.perf_counter() - start, losses


def worker(kind, preset, conn):
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
        runner = TorchRunner(preset, batch, vocabulary)
    else:
        runner = KerasRunner(kind, preset, batch, vocabulary)
    conn.send({"parameters": runner.parameters(), "precision": getattr(runner, "precision", "float32"),
               "jit_compile": getattr(runner, "jit_compile", None), "versions": versions(kind)})
    while True:
        command, payload = conn.recv()
        if command == "step":
            conn.send(runner.step(check=payload))
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
    parser.add_argument("--preset", default="single_64")
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

    batch, vocabulary = make_batch(args.preset, args.batch_size)
    kinds = [SHIPPED, KERAS, TORCH, TORCH_PASSIVE] + ([XLA] if args.xla else []) + ([ONEDNN] if args.onednn else [])
    context = multiprocessing.get_context("spawn")
    conns, procs = {}, []
    for kind in kinds:
        parent, child = context.Pipe()
        proc = context.Process(target=worker, args=(kind, args.preset, child), daemon=True)
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
        for kind in kinds:  # A, B, C, A, B, C, ...
            conns[kind].send(("step", round_ < args.check_steps))
            dt, losses = conns[kind].recv()
            if round_ < args.check_steps:
                first_losses[kind].append(losses)
            if round_ >= args.warmup:
                seconds[kind].append(dt)
    load_after = os.getloadavg()
    for conn in conns.values():
        conn.send(("stop", None))
    for proc in procs:
        proc.join(timeout=30)

    g = batch["video"].shape
    print(f"preset {args.preset}: batch {g[0]} of {g[1]} frames of {g[2]}x{g[3]}; "
          f"{args.warmup} warm-up + {args.steps} timed steps each, interleaved; {os.cpu_count()} cores")
    for kind in kinds:
        jit = "" if info[kind]["jit_compile"] is None else f", jit_compile {info[kind]['jit_compile']}"
        print(f"  {kind}: {info[kind]['versions']}, {info[kind]['precision']}{jit}")

    print("\n| parameters | Keras | PyTorch |\n| --- | ---: | ---: |")
    for name in info[SHIPPED]["parameters"]:
        print(f"| {name} | {info[SHIPPED]['parameters'][name]:,} | {info[TORCH]['parameters'][name]:,} |")

    print("\nPort check: PyTorch from the shipped model's initial weights, updated as Keras' Adam does")
    print("| step | loss | tf_t2v as shipped | plain Keras | PyTorch |")
    print("| ---: | --- | ---: | ---: | ---: |")
    worst = 0.0
    for i in range(args.check_steps):
        for name in LOSS_NAMES:
            a, b, c = (first_losses[k][i][name] for k in (SHIPPED, KERAS, TORCH))
            worst = max(worst, abs(a - c) / max(abs(a), 1e-6))
            if name == "g_loss" or i == 0:
                print(f"| {i + 1} | {name} | {a:.6f} | {b:.6f} | {c:.6f} |")
    print(f"largest relative difference of any loss, shipped against PyTorch, steps 1-{args.check_steps}: "
          f"{worst:.1e}")

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
