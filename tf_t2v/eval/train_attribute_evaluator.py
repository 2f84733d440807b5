"""Trains the `AttributeEvaluator` of a moving_shapes or scenes config on its real training clips.

    python -m tf_t2v.eval.train_attribute_evaluator --config single_64 --data-dir D
    python -m tf_t2v.eval.train_attribute_evaluator --config scenes_64 --data-dir D

writes `tf_t2v/eval/evaluators/<config>-v<version>.keras` (or `--output`) and prints the
per-attribute accuracy on the real test and test_unseen clips.
"""

import argparse
import logging
import math
import time

import keras
import numpy as np
import tensorflow as tf

from tf_t2v.data.pipeline import make_dataset
from tf_t2v.eval.attribute_evaluator import ATTRIBUTE_NAMES, AttributeEvaluator
from tf_t2v.eval.model_evaluation import attribute_scores
from tf_t2v.eval.shipped_evaluators import DATASET_CONFIGS, evaluator_path, split_config, without_optimizer
from tfds_builders.moving_shapes import spec
from tfds_builders.scenes import spec as scenes_spec

# Per dataset: the evaluator's settings beyond what the data fixes, and the training schedule.
# scenes reads 6 frames, each with its difference to the next frame (camera motion, heading,
# rain against snow); two batch-normalised convolutions (the first at stride 2) see one frame
# at a time with shared weights, the rest the frames stacked on channels; the deeper maps are
# pooled by mean as well as max (motion is evidence spread over the whole frame). Weather,
# subject and heading, the slowest to learn (clouds at night, small subjects), weigh double in the
# loss.
EVALUATOR_SETTINGS = {
    "moving_shapes": {},
    "scenes": {"num_read_frames": 6, "frame_differences": True, "regress_start": False, "first_stride": 2,
               "filters": [16, 32, 64, 128, 128], "batch_norm": True, "mean_pool": True, "per_frame_layers": 2,
               "blur": 0.25},
}
LOSS_WEIGHTS = {"moving_shapes": {}, "scenes": {"weather": 2.0, "subject": 2.0, "heading": 2.0}}
TRAINING_STEPS = {"moving_shapes": 1500, "scenes": 4000}


class TimeBudget(keras.callbacks.Callback):
    """Trains for a wall-clock budget: the learning rate follows a cosine from `learning_rate`
    down to `alpha` times it over `minutes`, and training stops when they are up."""

    def __init__(self, minutes, learning_rate, alpha=0.02):
        super().__init__()
        self.seconds, self.learning_rate, self.alpha = minutes * 60.0, learning_rate, alpha
        self.steps = 0

    def on_train_begin(self, logs=None):
        self.start = time.time()

    def on_train_batch_begin(self, batch, logs=None):
        done = min(1.0, (time.time() - self.start) / self.seconds)
        cosine = 0.5 * (1.0 + math.cos(math.pi * done))
        self.model.optimizer.learning_rate.assign(self.learning_rate * (self.alpha + (1 - self.alpha) * cosine))
        if done >= 1.0:
            self.model.stop_training = True
        else:
            self.steps += 1


def _attribute_classes(dataset):
    """Attribute name -> number of classes of a dataset's clips."""
    attributes = spec.ATTRIBUTES if dataset == "moving_shapes" else scenes_spec.ATTRIBUTES
    return {name: len(values) for name, values in attributes.items()}


def _moving_shapes_targets(example):
    """(video in [0, 255], labels) with objects in canonical order (sorted by shape)."""
    video = (example["video"] + 1.0) * 127.5
    order = tf.argsort(tf.reshape(example["shape"], (tf.shape(video)[0], -1)), axis=1, stable=True)
    labels = {}
    for name in ATTRIBUTE_NAMES:
        values = tf.reshape(example[name], tf.shape(order))
        labels[name] = tf.gather(values, order, batch_dims=1)
    start = tf.reshape(example["start"], (tf.shape(video)[0], -1, 2))
    labels["start"] = tf.gather(start, order, batch_dims=1) / (tf.cast(tf.shape(video)[2], tf.float32) / 2.0) - 1.0
    return video, labels


def _scenes_targets(example):
    """(video in [0, 255], labels (B, 1) per attribute): a scenes clip is one "object"."""
    return (example["video"] + 1.0) * 127.5, {name: example[name][:, None] for name in scenes_spec.ATTRIBUTES}


def evaluator_dataset(config, split, batch_size, data_dir, **kwargs):
    """Batches of (clips in [0, 255], labels as the evaluator reads them) for training or scoring."""
    dataset, config = split_config(config)
    if dataset == "scenes":
        keys, targets = list(scenes_spec.ATTRIBUTES), _scenes_targets
    else:
        keys, targets = list(ATTRIBUTE_NAMES) + ["start"], _moving_shapes_targets
    ds = make_dataset(f"{dataset}/{config}", split, batch_size, data_dir=data_dir, keys=keys, **kwargs)
    return ds.map(targets, num_parallel_calls=tf.data.AUTOTUNE)


def accuracy(evaluator, config, split, data_dir):
    """Per-attribute accuracy (every object) and all-attributes-right share on real clips, scored
    as `tf-t2v evaluate` scores them."""
    names = evaluator.attribute_names
    reads, labels = [], []
    for video, batch_labels in evaluator_dataset(config, split, 250, data_dir, shuffle=False):
        reads.append(evaluator.read(video.numpy()))
        labels.append(np.stack([batch_labels[name].numpy() for name in names], -1))  # (B, K, A)
    read = {name: np.concatenate([r[name] for r in reads]) for name in names}
    return attribute_scores(read, np.concatenate(labels), names)


def build_evaluator(config):
    """An untrained `AttributeEvaluator` for a config, with `EVALUATOR_SETTINGS` of its dataset."""
    dataset, config = split_config(config)
    if dataset == "scenes":
        num_objects, size, num_frames = 1, scenes_spec.CONFIGS[config], scenes_spec.NUM_FRAMES
    else:
        (num_objects, size), num_frames = spec.CONFIGS[config], spec.NUM_FRAMES
    return AttributeEvaluator(num_objects=num_objects, num_frames=num_frames, size=size,
                              attributes=_attribute_classes(dataset), **EVALUATOR_SETTINGS[dataset])


def train(config, data_dir, steps=None, batch_size=32, learning_rate=2e-3, seed=0, per_epoch=250, minutes=None,
          init=None):
    """A trained `AttributeEvaluator` for a config, e.g. "single_64" or "scenes_64".

    `steps` None: `TRAINING_STEPS` of the config's dataset. With `minutes`, training stops
    after that wall-clock time (or `steps`), its learning rate decaying over the time
    (`TimeBudget`); the steps done are in `evaluator.trained_steps`. `init`: the path of an
    evaluator (.keras) to continue training instead of a new one.
    """
    keras.utils.set_random_seed(seed)
    dataset, _ = split_config(config)
    steps = steps or TRAINING_STEPS[dataset]
    per_epoch = min(per_epoch, steps)
    evaluator = keras.saving.load_model(init, safe_mode=True) if init else build_evaluator(config)
    names = evaluator.attribute_names
    losses = {name: keras.losses.SparseCategoricalCrossentropy(from_logits=True) for name in names}
    if evaluator.regress_start:
        losses["start"] = keras.losses.MeanSquaredError()
    budget = TimeBudget(minutes, learning_rate) if minutes else None
    schedule = learning_rate if budget else keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.02)
    metrics = {name: ["sparse_categorical_accuracy"] for name in names}
    evaluator.compile(optimizer=keras.optimizers.Adam(schedule), loss=losses, metrics=metrics,
                      loss_weights={name: LOSS_WEIGHTS[dataset].get(name, 1.0) for name in losses})
    ds = evaluator_dataset(config, "train", batch_size, data_dir, repeat=True, cache=True,
                           drop_remainder=True, seed=seed)
    validation = evaluator_dataset(config, "validation", 250, data_dir, shuffle=False, cache=True)
    evaluator.fit(ds, steps_per_epoch=per_epoch, epochs=max(1, steps // per_epoch),
                  validation_data=validation, verbose=2, callbacks=[budget] if budget else [])
    evaluator.trained_steps = budget.steps if budget else steps
    return evaluator


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    configs = sorted({c for d, cs in DATASET_CONFIGS.items() if d != "moving_digits" for c in cs})
    parser.add_argument("--config", default="single_64", choices=configs)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--steps", type=int, default=None,
                        help=f"training steps (default: {TRAINING_STEPS})")
    parser.add_argument("--minutes", type=float, default=None,
                        help="train for this wall-clock time at most, the learning rate decaying over it")
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--init", default=None, metavar="PATH",
                        help="an evaluator (.keras) to continue training, e.g. a shipped one")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    start = time.time()
    evaluator = train(args.config, args.data_dir, args.steps, learning_rate=args.learning_rate, minutes=args.minutes,
                      init=args.init)
    minutes = (time.time() - start) / 60
    output = args.output or evaluator_path(args.config)
    # Ship the weights without the optimizer's state: a third of the size.
    sample = np.zeros((1, evaluator.num_frames, evaluator.size, evaluator.size, 3), "uint8")
    without_optimizer(evaluator, sample).save(output)
    print(f"trained {evaluator.trained_steps} steps in {minutes:.1f} min; saved {output}")
    for split in ("test", "test_unseen"):
        print(split, {k: round(v, 4) for k, v in accuracy(evaluator, args.config, split, args.data_dir).items()})


if __name__ == "__main__":
    main()
