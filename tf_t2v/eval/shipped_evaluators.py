"""The trained attribute evaluators shipped with the package, by dataset config.

Above every kind of evaluator: an `AttributeEvaluator` file per moving_shapes or scenes config
in `tf_t2v/eval/evaluators/`, for moving_shapes double_64 a `HueSeparatedEvaluator` over the
single_64 one, and one `DigitReader` file for moving_digits.
"""

import os

import keras

import tf_t2v.eval.attribute_evaluator  # noqa: F401  (registers the AttributeEvaluator the files hold)
import tf_t2v.eval.digit_reader  # noqa: F401  (registers the DigitReader)
from tf_t2v.eval.hue_separated_evaluator import HueSeparatedEvaluator
from tfds_builders.moving_shapes import spec
from tfds_builders.moving_digits import spec as digits_spec
from tfds_builders.scenes import spec as scenes_spec

# Trained evaluators shipped with the package: dataset config -> file in tf_t2v/eval/evaluators/.
EVALUATOR_VERSION = 1
EVALUATORS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "evaluators")
# Dataset -> its configs. moving_digits shares config names with moving_shapes: a bare name is
# read as the first dataset that has it.
DATASET_CONFIGS = {"moving_shapes": tuple(spec.CONFIGS), "scenes": tuple(scenes_spec.CONFIGS),
                   "moving_digits": tuple(digits_spec.CONFIGS)}


def split_config(name):
    """(dataset, config) of a config name, bare ("scenes_64", "single_64" is moving_shapes') or
    dataset-qualified ("scenes/scenes_64", "moving_digits/single_64")."""
    dataset, _, config = name.rpartition("/")
    if not dataset:
        dataset = next((d for d, configs in DATASET_CONFIGS.items() if config in configs), "moving_shapes")
    if dataset not in DATASET_CONFIGS:
        raise ValueError(f"Unknown dataset {dataset!r} in {name!r}; accepted: {sorted(DATASET_CONFIGS)}.")
    return dataset, config


def evaluator_path(config):
    """Path of the shipped evaluator for a config, e.g. "single_64" or "scenes/scenes_64"; every
    moving_digits config has the one `DigitReader` file."""
    dataset, config = split_config(config)
    stem = dataset if dataset == "moving_digits" else config
    return os.path.join(EVALUATORS_DIR, f"{stem}-v{EVALUATOR_VERSION}.keras")


def without_optimizer(model, sample=None):
    """A copy of a trained Keras model with its weights only (no optimizer state): what ships,
    a fraction of the size. `sample` is an input that builds the copy when its constructor
    does not."""
    copy = type(model).from_config(model.get_config())
    if sample is not None:
        copy(sample)
    copy.set_weights(model.get_weights())
    return copy


def load_evaluator(config):
    """The shipped, trained evaluator for a config: "single_64", "scenes_64", "scenes/scenes_64",
    "moving_digits/single_64".

    An `AttributeEvaluator`; for moving_shapes double_64 (two objects of different colours), the
    single_64 one applied to each object after splitting the clip by colour
    (`HueSeparatedEvaluator`); for moving_digits a `DigitReader`.
    """
    dataset, config = split_config(config)
    path = evaluator_path(f"{dataset}/{config}")
    if dataset == "moving_shapes" and config == "double_64" and not os.path.exists(path):
        description = f"single_64-v{EVALUATOR_VERSION} on each object, objects split by colour"
        return HueSeparatedEvaluator(load_evaluator("single_64"), num_objects=2, description=description)
    if not os.path.exists(path):
        shipped = sorted(f.split("-v")[0] for f in os.listdir(EVALUATORS_DIR) if f.endswith(".keras"))
        raise ValueError(f"No attribute evaluator for {dataset}/{config}; shipped: {shipped}.")
    return keras.saving.load_model(path, safe_mode=True)
