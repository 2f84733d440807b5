"""Clips per second through `tf_t2v.data.make_dataset`, and what a training step consumes.

    python benchmarks/pipeline_throughput.py --data-dir data --name moving_shapes/single_64

Reads a built dataset (build it first with `tf-t2v data build`), batches of 32 by default,
skips a warm-up, and prints a table: clips/s for the plain pipeline, with augmentation, and
from an in-memory cache after its first pass. `--step-seconds` adds the ratio to a training
step's consumption (batch / step time).
"""

import argparse
import time

import tensorflow as tf

from tf_t2v.data import make_dataset


def clips_per_second(ds, batches, warmup=5):
    it = iter(ds)
    for _ in range(warmup):
        next(it)
    start = time.perf_counter()
    clips = 0
    for _ in range(batches):
        clips += int(next(it)["video"].shape[0])
    return clips / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--name", default="moving_shapes/single_64")
    parser.add_argument("--split", default="train")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--step-seconds", type=float, help="measured training step time, for the ratio")
    args = parser.parse_args(argv)

    common = dict(data_dir=args.data_dir, repeat=True, drop_remainder=True)
    rows = []
    for label, kwargs in (
        ("plain", {}),
        ("augment hflip+reverse", {"augment": ("hflip", "reverse")}),
        ("cache (after first pass)", {"cache": True}),
    ):
        ds = make_dataset(args.name, args.split, args.batch_size, **common, **kwargs)
        warmup = 5
        if kwargs.get("cache"):
            # Fill the cache with one full pass before timing.
            warmup = tf.data.experimental.cardinality(
                make_dataset(args.name, args.split, args.batch_size, data_dir=args.data_dir, drop_remainder=True)
            ).numpy() + 5
        rows.append((label, clips_per_second(ds, args.batches, warmup=int(warmup))))

    print(f"{args.name} {args.split}, batch {args.batch_size}, {args.batches} batches timed")
    print(f"| pipeline | clips/s |{' x step need |' if args.step_seconds else ''}")
    print(f"| --- | --- |{' --- |' if args.step_seconds else ''}")
    for label, rate in rows:
        ratio = ""
        if args.step_seconds:
            ratio = f" {rate / (args.batch_size / args.step_seconds):.1f} |"
        print(f"| {label} | {rate:.0f} |{ratio}")


if __name__ == "__main__":
    main()
