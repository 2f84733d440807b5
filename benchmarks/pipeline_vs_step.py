"""Input pipeline clips/s against what a training step consumes, for a training preset.

    tf-t2v data build moving_shapes --config single_64 --data-dir data
    python benchmarks/pipeline_vs_step.py --data-dir data                       # single_64 as shipped
    python benchmarks/pipeline_vs_step.py --data-dir data --set data.cache=true

Builds what `tf-t2v train --preset single_64 --data-dir data` builds: the training dataset from
`tf_t2v.training.trainer.training_dataset` (TFDS PNG decoding, shuffling with the preset's
buffer, float conversion, batching, the attribute labels the model's heads need) and the model
from `build_model` with the precision `auto` picks and the train function `fit` runs. Then, in
turns, one round after another:

- input pipeline alone: clips/s of the training dataset's iterator, nothing else running;
- training step alone: batch / seconds per step of the compiled train step on one fixed batch
  taken from that pipeline, nothing else running: the rate the step consumes clips at;
- training step fed by the pipeline: the same step pulling its batches from the pipeline, as
  `fit` does in training.

Pipeline and step are measured alone first: in real training they share the same CPU cores,
and the third row shows what is left of the step's rate when they do. A round times the steps
alone, then starts a fresh pipeline iterator (untimed until its shuffle buffer is full and its
first batch is out), times its batches, feeds the steps with it and deletes it: no batches
buffered while the timing was elsewhere are counted, and no pipeline works in the background
while the step runs alone. Prints a table with the medians over rounds, the ratio of the
pipeline's rate to the step's consumption (against the faster of the two step rates, so the
ratio is not flattered), and the load average.
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True, help="where the preset's dataset is built")
    parser.add_argument("--preset", default="single_64")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override a config key of the preset, e.g. data.cache=true")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--batches", type=int, default=40, help="pipeline batches timed per round")
    parser.add_argument("--steps", type=int, default=5, help="steps timed per round, alone and fed")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds of rest before the steps alone")
    args = parser.parse_args(argv)

    import tf_t2v  # noqa: F401  (first, as the tf-t2v command: TensorFlow starts with its settings)

    import keras
    import numpy as np
    import tensorflow as tf

    from tf_t2v.data import make_dataset
    from tf_t2v.training import config as config_lib
    from tf_t2v.training import strategy as strategy_lib
    from tf_t2v.training import trainer

    cfg = config_lib.resolve(args.preset, overrides=[f"data.data_dir={args.data_dir}", *args.overrides])
    # As tf_t2v.training.trainer.train sets up a run.
    strategy = strategy_lib.make_strategy(cfg.strategy)
    precision = strategy_lib.choose_precision(cfg.train.precision, strategy)
    keras.mixed_precision.set_global_policy(precision)
    keras.utils.set_random_seed(cfg.train.seed)
    with tempfile.TemporaryDirectory() as run_dir:
        vocabulary = trainer.vocabulary_for(cfg, run_dir, write=False)
    dataset = trainer.run_dataset(cfg, seed=cfg.train.seed)
    model = trainer.build_model(cfg, vocabulary, strategy)
    trainer.check_shapes(model, dataset.element_spec)
    dataset = dataset.map(model.preprocess, num_parallel_calls=tf.data.AUTOTUNE)  # as the trainer does
    strategy_lib.prepare_fit(model, strategy)
    model.make_train_function()
    batch_size = cfg.data.batch_size

    def new_pipeline():
        """A fresh iterator, as `fit` makes it, past its first batch (its shuffle buffer full)."""
        iterator = iter(strategy.experimental_distribute_dataset(dataset))
        next(iterator)
        return iterator

    pipeline = new_pipeline()
    if cfg.data.cache:  # one pass over the split fills the (shared, in-memory) cache first
        batches = make_dataset(cfg.data.name, cfg.data.split, batch_size, data_dir=cfg.data.data_dir,
                               shuffle=False, drop_remainder=True).cardinality().numpy()
        print(f"data.cache: filling the cache ({batches} batches) first", flush=True)
        for _ in range(int(batches) + 1):
            next(pipeline)
    fixed = tf.data.Dataset.from_tensors(next(pipeline)).repeat()  # a real batch, for the step alone
    alone = iter(strategy.experimental_distribute_dataset(fixed))

    def step(iterator):
        start = time.perf_counter()
        logs = model.train_function(iterator)
        [float(value) for value in logs.values()]  # waits for the step
        return time.perf_counter() - start

    print("warming up (train step tracing) ...", flush=True)
    for _ in range(2):
        step(alone)
        step(pipeline)
    del pipeline
    load_before = os.getloadavg()
    rates, alone_s, fed_s = [], [], []
    for _ in range(args.rounds):
        time.sleep(args.pause)
        alone_s += [step(alone) for _ in range(args.steps)]
        pipeline = new_pipeline()
        start = time.perf_counter()
        for _ in range(args.batches):
            next(pipeline)["video"].shape  # the batch is complete when next() returns it
        rates.append(args.batches * batch_size / (time.perf_counter() - start))
        fed_s += [step(pipeline) for _ in range(args.steps)]
        del pipeline  # stops its background work before the next steps alone
    load_after = os.getloadavg()

    pipeline_rate = float(np.median(rates))
    step_rate = batch_size / float(np.median(alone_s))
    fed_rate = batch_size / float(np.median(fed_s))
    g = model.generator
    changes = f" with {', '.join(args.overrides)}" if args.overrides else ""
    print(f"\npreset {args.preset}{changes}: {cfg.data.name} {cfg.data.split}, batch {batch_size} of "
          f"{g.num_frames} frames of {g.height}x{g.width}, shuffle buffer {cfg.data.shuffle_buffer}, "
          f"cache {cfg.data.cache}, augment {cfg.data.augment or 'none'}, precision {precision}")
    print(f"{args.rounds} rounds of {args.batches} pipeline batches, {args.steps} steps alone, {args.steps} "
          f"steps fed; {os.cpu_count()} cores, TF {tf.__version__}, Keras {keras.__version__}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min; 5 min after: "
          f"{load_after[1]:.2f})\n")
    print("| measured | s/step | clips/s |")
    print("| --- | ---: | ---: |")
    print(f"| input pipeline alone | - | {pipeline_rate:.0f} |")
    print(f"| training step alone (its consumption) | {np.median(alone_s):.3f} | {step_rate:.1f} |")
    print(f"| training step fed by the pipeline | {np.median(fed_s):.3f} | {fed_rate:.1f} |")
    print(f"\npipeline / step consumption: {pipeline_rate / max(step_rate, fed_rate):.1f}x against the faster of "
          f"the two step rates ({pipeline_rate / step_rate:.1f}x against the step alone)")
    print(f"per-round pipeline clips/s: {', '.join(f'{r:.0f}' for r in rates)}")


if __name__ == "__main__":
    main()
