"""Does a model's moving_digits clip show the digit and the motion its caption says? Scores on a split.

`evaluate_digits_model` generates a clip for every caption of a moving_digits split with several
seeds and reads them with the shipped `DigitReader`: the digit, the axis, and whether the digit
moves as the spec draws it (3 px a frame, bouncing at the edges, the other coordinate still).
The real clips of the split are read the same way, as the ceiling. `markdown_report` is the
report for `model_evaluation.write_reports`.
"""

import logging

import numpy as np

from tf_t2v.eval.frechet_distance import frechet_distance
from tf_t2v.eval.model_evaluation import (
    clips_per_seed, frechet_summary, load_split, score_table, sheet_rows, spread_summary,
)
from tf_t2v.eval.shipped_evaluators import EVALUATOR_VERSION, load_evaluator
from tfds_builders.moving_digits import render, spec

NAMES = ("digit", "axis", "bounce", "all")
# A clip bounces as the spec draws it when its moving coordinate lies within this many pixels
# (mean over the frames) of a track the spec can draw and the other coordinate stays within
# MAX_DRIFT pixels.
MAX_BOUNCE_ERROR = 1.0
MAX_DRIFT = 2


def digit_scores(read, labels):
    """Shares of clips with the right digit, the right axis, the spec's bounce, and all three.

    Args:
        read: a `DigitReader.read` result for N clips.
        labels: int (N, 2): digit, axis index.
    """
    digit = read["digit"] == labels[:, 0]
    axis = read["axis"] == labels[:, 1]
    bounce = (read["bounce_error"] <= MAX_BOUNCE_ERROR) & (read["drift"] <= MAX_DRIFT)
    return {"digit": float(digit.mean()), "axis": float(axis.mean()), "bounce": float(bounce.mean()),
            "all": float((digit & axis & bounce).mean())}


def motion_figures(read):
    """Mean speed (px a frame), distance to the spec's bounce and drift (px) of read clips."""
    return {k: float(np.mean(read[k])) for k in ("speed", "bounce_error", "drift")}


def labels_of(examples):
    """int (N, 2) labels of moving_digits examples: digit, axis index."""
    return np.array([[int(e["digit"]), int(e["axis"])] for e in examples], np.int64).reshape(-1, 2)


def _redraw(labels, split, rng):
    """The same (digit, axis) pairs drawn again: other images of the split's pool, new motion."""
    digits, axes = labels[:, :1], labels[:, 1:]
    images, _ = render.digit_images()
    sources = render.sample_sources(rng, digits, split)
    tracks = render.tracks(axes, render.sample_motion(rng, digits.shape))
    return np.stack([render.render_clip(images[sources[i]], tracks[i]) for i in range(len(labels))])


def evaluate_digits_model(model, config="single_64", split="test", data_dir=None, seeds=(0, 1, 2), num=None,
                          diversity_captions=32, diversity_seeds=16, evaluator=None, batch_size=64):
    """Digit, axis and bounce accuracy, motion, Frechet distance and spread of a model on moving_digits.

    Args:
        model: anything with `generate(prompts, seed)` -> uint8 (N, 16, 64, 64, 3), e.g. `tf_t2v.load(path)`.
        config: str. "single_64" (double_64 clips hold two digits, which the reader does not
            separate yet).
        split: str. "test" (seen (digit, axis) pairs), "test_unseen" (held-out pairs),
            "validation" or "train".
        data_dir: str. Where moving_digits/<config> is built.
        seeds: sequence of int. One clip per caption per seed; seed s gives caption i the seed s * N + i.
        num: int or None. The first `num` captions of the split (None: all).
        diversity_captions: int. Captions whose first-frame position spread is measured ...
        diversity_seeds: int. ... over this many seeds each, against as many real draws.
        evaluator: `DigitReader` or None (the shipped one).
        batch_size: int. Prompts per `generate` call.

    Returns:
        dict: "generated" and "real" scores ("digit", "axis", "bounce", "all"), per-seed
        generated ones, "motion" (speed, distance to the spec's bounce, drift; generated and
        real), "frechet_distance" (in the reader's feature space, generated vs real, and real
        vs a second real draw), "diversity" (first-frame spread over seeds), and the settings.

    Example:
    ```python
    model = tf_t2v.load("saved_models/moving_digits/2")
    result = evaluate_digits_model(model, "single_64", "test_unseen", data_dir="data", num=200)
    result["generated"]["digit"], result["generated"]["axis"]
    ```
    """
    if config != "single_64":
        raise ValueError(f"moving_digits evaluation reads single_64 clips; got config {config!r}.")
    dataset = f"moving_digits/{config}"
    evaluator = evaluator or load_evaluator(dataset)
    examples = load_split(dataset, split, num, data_dir)
    captions = [e["caption"] for e in examples]
    labels = labels_of(examples)
    n = len(captions)
    real = np.stack([e["video"] for e in examples])
    del examples
    real_read = evaluator.read(real)
    rng = np.random.default_rng(0)
    redraw_features = evaluator.read(_redraw(labels, split, rng))["features"]
    per_seed, motions, distances, sheet = [], [], [], None
    for s, clips in clips_per_seed(model, captions, real, dataset, seeds, batch_size):
        read = evaluator.read(clips)
        per_seed.append(digit_scores(read, labels))
        motions.append(motion_figures(read))
        distances.append(frechet_distance(real_read["features"], read["features"]))
        logging.info("seed %d: %s, Frechet %.3f", s, per_seed[-1], distances[-1])
        sheet = sheet or sheet_rows(captions, real, clips)
    # What a caption leaves open: where the digit starts, over seeds, against real draws.
    gen_starts, real_starts = [], []
    for i in range(min(diversity_captions, n)):
        clips = model.generate([captions[i]] * diversity_seeds, seed=[10**9 + j for j in range(diversity_seeds)])
        gen_starts.append(evaluator.read(clips)["track"][:, 0])
        real_starts.append(evaluator.read(_redraw(labels[[i] * diversity_seeds], split, rng))["track"][:, 0])
    gen_spread = float(np.std(gen_starts, axis=1).mean())
    real_spread = float(np.std(real_starts, axis=1).mean())
    return {
        "dataset": dataset,
        "split": split,
        "captions": n,
        "seeds": [int(s) for s in seeds],
        "evaluator": getattr(evaluator, "description", "") or f"moving_digits-v{EVALUATOR_VERSION}",
        "generated": {k: float(np.mean([p[k] for p in per_seed])) for k in NAMES},
        "generated_per_seed": per_seed,
        "real": digit_scores(real_read, labels),
        "motion": {"generated": {k: float(np.mean([m[k] for m in motions])) for k in motions[0]},
                   "real": motion_figures(real_read)},
        "frechet_distance": frechet_summary(distances, frechet_distance(real_read["features"], redraw_features)),
        "diversity": spread_summary(gen_spread, real_spread, len(gen_starts), diversity_seeds),
        "sheet": sheet,
    }


def markdown_report(result, model_name=""):
    """The result of `evaluate_digits_model` as a Markdown report."""
    motion, fd, div = result["motion"], result["frechet_distance"], result["diversity"]
    lines = score_table(result, list(NAMES), model_name, intro=(
        f"digit: the digit read (a CNN on the spec's training images, probabilities averaged over the "
        f"frames); axis: the coordinate that travels further; bounce: the moving coordinate within "
        f"{MAX_BOUNCE_ERROR:g} px (mean) of a track the spec draws (3 px a frame, reflected at 0 and 36) "
        f"and the other within {MAX_DRIFT} px; all: the three at once.",
        "",
    ))
    gen, real = motion["generated"], motion["real"]
    lines += [
        "",
        "| measure | generated | real |",
        "| --- | --- | --- |",
        f"| speed along the axis (px a frame) | {gen['speed']:.3f} | {real['speed']:.3f} |",
        f"| distance to the nearest spec bounce (px) | {gen['bounce_error']:.3f} | {real['bounce_error']:.3f} |",
        f"| drift of the fixed coordinate (px) | {gen['drift']:.3f} | {real['drift']:.3f} |",
        f"| Frechet distance to the real clips (reader features) | {fd['generated_vs_real']:.3f} | "
        f"{fd['real_vs_real']:.3f} (a second draw of the same digits and axes) |",
        f"| first-frame spread over {div['seeds']} seeds, {div['captions']} captions (px) | "
        f"{div['generated_px']:.2f} | {div['real_px']:.2f} |",
        "",
    ]
    return "\n".join(lines)
