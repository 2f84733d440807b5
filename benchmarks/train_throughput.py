"""Training throughput of a preset's GAN, in clips per second, float32 against mixed_bfloat16.

    python benchmarks/train_throughput.py                      # single_64: 16 frames of 64x64, batch 32
    python benchmarks/train_throughput.py --preset single_32 --batch-size 16 --steps 5
    python benchmarks/train_throughput.py --set model.adversarial_weight=0.1   # with the critic

Needs no built dataset: batches are rendered moving_shapes clips with their captions, start
centres and attribute labels, as the training split holds them. Both precisions build the same architecture from the
preset; each runs one untimed step (tracing) and then `--steps` timed steps of `fit`. Prints a
table: seconds per step, clips per second and the speed relative to float32.

bfloat16 pays off only where the hardware computes in it (AVX512-BF16 or AMX CPUs, GPUs, TPUs);
elsewhere it is emulated and slower, which is why `train.precision: auto` picks float32 there.
"""

import argparse
import os
import platform
import time

import keras
import numpy as np
import tensorflow as tf

from tf_t2v.text import build_vocabulary
from tf_t2v.training import config as config_lib
from tf_t2v.training import strategy as strategy_lib
from tf_t2v.training import trainer
from tfds_builders.moving_shapes import render
from tfds_builders.moving_shapes import spec
from tfds_builders.moving_shapes.moving_shapes_dataset_builder import sample_chunk


def sample_batch(cfg, batch_size):
    """One batch as the training split holds it, at the model's clip shape, and its captions."""
    config_name = cfg.data.name.split("/")[1]
    attrs, starts, captions = sample_chunk(config_name, "train", 0)  # the split's first 128 clips
    if not 1 <= batch_size <= len(captions):
        raise ValueError(f"--batch-size must be from 1 to {len(captions)}; got {batch_size}.")
    attrs, starts, captions = attrs[:batch_size], starts[:batch_size], captions[:batch_size]
    clips = render.render_clips(attrs, starts, spec.CONFIGS[config_name][1])  # (B, 16, H, W, 3) uint8
    batch = {"caption": tf.constant(captions), "video": tf.cast(clips, tf.float32) / 127.5 - 1.0,
             "start": tf.constant(starts[:, 0], tf.float32)}
    for name in cfg.model.attribute_classes:  # labels for the model's attribute heads
        batch[name] = tf.constant(attrs[:, 0, spec.ATTRIBUTE_COLUMNS.index(name)])
    g = cfg.model.generator
    return trainer.resize_clips(batch, g.num_frames, g.height), captions


class StepTimer(keras.callbacks.Callback):
    """Wall time of every training step, synchronised on the step's losses."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_train_batch_begin(self, batch, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        float(logs["g_loss"])  # waits for the step to finish
        self.seconds.append(time.perf_counter() - self._start)


def time_precision(cfg, precision, batch_size, steps):
    """(first step seconds, median seconds of the next `steps`) under dtype policy `precision`."""
    keras.backend.clear_session()
    keras.mixed_precision.set_global_policy(precision)
    keras.utils.set_random_seed(0)
    batch, captions = sample_batch(cfg, batch_size)
    model = trainer.build_model(cfg, build_vocabulary(captions), tf.distribute.get_strategy())
    timer = StepTimer()
    model.fit(tf.data.Dataset.from_tensors(batch).repeat(), epochs=1, steps_per_epoch=steps + 1,
              callbacks=[timer], verbose=0)
    return timer.seconds[0], float(np.median(timer.seconds[1:]))


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="single_64", help="run preset whose model is timed")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per precision (median)")
    parser.add_argument("--precisions", default="float32,mixed_bfloat16")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override a config key of the preset, e.g. model.adversarial_weight=0.1")
    args = parser.parse_args(argv)

    cfg = config_lib.resolve(args.preset, overrides=[*args.overrides, f"data.batch_size={args.batch_size}"])
    g = cfg.model.generator
    flags = strategy_lib.cpu_flags()
    changes = f" with {', '.join(args.overrides)}" if args.overrides else ""
    print(f"preset {args.preset}{changes}: {g.num_frames} frames of {g.height}x{g.width}, batch {args.batch_size}, "
          f"median of {args.steps} steps after one warm-up step")
    print(f"{cpu_name()} ({os.cpu_count()} cores), TF {tf.__version__}, Keras {keras.__version__}, "
          f"bf16 hardware: {sorted(flags & set(strategy_lib.BF16_CPU_FLAGS)) or strategy_lib.accelerator() or 'none'}, "
          f"auto picks {strategy_lib.choose_precision('auto')}")
    rows = []
    for precision in args.precisions.split(","):
        first, step = time_precision(cfg, precision, args.batch_size, args.steps)
        rows.append((precision, first, step))
    base = {p: s for p, _, s in rows}.get("float32")
    print("\n| precision | first step s | step s | clips/s | vs float32 |")
    print("|---|---:|---:|---:|---:|")
    for precision, first, step in rows:
        ratio = f"{base / step:.2f}x" if base else "-"
        print(f"| {precision} | {first:.1f} | {step:.2f} | {args.batch_size / step:.1f} | {ratio} |")
    keras.mixed_precision.set_global_policy("float32")


if __name__ == "__main__":
    main()
