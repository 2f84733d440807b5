"""Trains the tiny preset in a fresh process and saves the final weights, for strategy tests.

    python distributed_run.py --strategy mirrored --devices 2 --data-dir D --run-dir R --out w.npz
    TF_CONFIG=... python distributed_run.py --strategy multi_worker --data-dir D --run-dir R --out w.npz

Logical CPU devices must be configured before TensorFlow initialises, hence a process per run.
"""

import argparse
import os


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--strategy", required=True)
    parser.add_argument("--devices", type=int, default=1, help="logical CPU devices")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--set", action="append", default=[])
    args = parser.parse_args()

    import numpy as np
    import tensorflow as tf

    if args.devices > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * args.devices)

    from tf_t2v.training import config, train

    overrides = [
        f"data.data_dir={args.data_dir}", f"strategy={args.strategy}", "data.deterministic=true",
        "train.eval_every_steps=0", "train.steps=4", "train.steps_per_epoch=2", *args.set,
    ]
    model = train(config.resolve("tiny", overrides=overrides), args.run_dir, verbose=2)
    weights = {v.path: np.asarray(v.numpy()) for v in model.weights}
    np.savez(args.out, replicas=model.distribute_strategy.num_replicas_in_sync, **weights)
    print("saved", args.out, os.getpid())


if __name__ == "__main__":
    main()
