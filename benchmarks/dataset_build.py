"""Times a moving_shapes, scenes or moving_digits build and prints a table: one row per split, and the total.

    python benchmarks/dataset_build.py --config single_64 --data-dir build_full
    python benchmarks/dataset_build.py --dataset scenes --config scenes_64 --data-dir data
    python benchmarks/dataset_build.py --dataset moving_digits --config double_64 --data-dir digits
    python benchmarks/dataset_build.py --config double_64 --sizes train=2000,validation=100 \
        --data-dir build_double

Splits not named in --sizes keep the specification's sizes. The data_dir must not hold a build
of this config already (a reused build would time nothing); the script refuses one.
"""

import argparse
import time

import os

from tf_t2v.cli.data import parse_sizes
from tfds_builders import moving_digits
from tfds_builders import moving_shapes
from tfds_builders import scenes
from tfds_builders.moving_digits import spec as moving_digits_spec
from tfds_builders.moving_shapes import spec as moving_shapes_spec
from tfds_builders.scenes import spec as scenes_spec

BUILDERS = {"moving_shapes": (moving_shapes.Builder, moving_shapes_spec),
            "scenes": (scenes.Builder, scenes_spec),
            "moving_digits": (moving_digits.Builder, moving_digits_spec)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="moving_shapes", choices=sorted(BUILDERS))
    parser.add_argument("--config", help="default: the dataset's default config")
    parser.add_argument("--sizes", type=parse_sizes, default={}, help="e.g. train=2000,validation=100")
    parser.add_argument("--data-dir", required=True, help="an empty directory to build into")
    args = parser.parse_args(argv)
    Builder, spec = BUILDERS[args.dataset]
    args.config = args.config or spec.DEFAULT_CONFIG
    if args.config not in spec.CONFIGS:
        parser.error(f"--config {args.config!r} is not a {args.dataset} config; accepted: {sorted(spec.CONFIGS)}.")

    builder = Builder(config=args.config, data_dir=args.data_dir, split_sizes=args.sizes)
    if builder.is_prepared():
        parser.error(f"{builder.data_dir} already holds a build; pass an empty --data-dir.")
    start = time.perf_counter()
    builder.download_and_prepare()
    seconds = time.perf_counter() - start

    splits = builder.info.splits
    total = sum(splits[s].num_examples for s in builder.split_sizes)
    print(f"\n{args.dataset}/{args.config} in {builder.data_dir}")
    print(f"| split | clips | MiB |\n| --- | ---: | ---: |")
    for split in builder.split_sizes:
        print(f"| {split} | {splits[split].num_examples} | {splits[split].num_bytes / 2**20:.1f} |")
    print(f"| total | {total} | {sum(splits[s].num_bytes for s in builder.split_sizes) / 2**20:.1f} |")
    print(f"\nwall time {seconds:.1f} s, {total / seconds:.0f} clips/s (rendering, PNG encoding, "
          "TFDS serialization and shuffling)")
    print(f"= {seconds / 60:.2f} minutes; load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
