"""Does a model's clip show what its caption says? Scores on a moving_shapes split, and reports.

`evaluate_model` generates a clip for every caption of a split with several seeds and reads them
with the trained `AttributeEvaluator`; the real clips of the split are read the same way, as the
ceiling. `write_reports` writes the result as JSON, Markdown and a contact sheet.
"""

import datetime
import itertools
import json
import logging
import os

import numpy as np

from tf_t2v.data.contact_sheet import write_contact_sheet
from tf_t2v.data.pipeline import load_examples
from tf_t2v.eval.attribute_evaluator import ATTRIBUTE_NAMES, canonical_order
from tf_t2v.eval.frechet_distance import frechet_distance
from tf_t2v.eval.shipped_evaluators import EVALUATOR_VERSION, load_evaluator
from tf_t2v.io.files import write_text_atomically
from tfds_builders.moving_shapes import render, spec

SPLITS = ("test", "test_unseen", "validation", "train")


def _attributes(examples):
    """(N, K, 5) attribute indices of examples, objects in drawing order."""
    return np.stack([np.stack([np.reshape(e[a], -1) for a in ATTRIBUTE_NAMES], -1) for e in examples])


def _canonical(attrs):
    """(N, K, 5) attributes with objects in `canonical_order`, as the evaluator reads them."""
    return np.take_along_axis(attrs, canonical_order(attrs[..., 0])[..., None], axis=1)


def attribute_scores(read, labels, names=ATTRIBUTE_NAMES):
    """Accuracy per attribute (over every object), and the share of clips with all right.

    `read` maps each of `names` to (N, K) indices, `labels` is (N, K, len(names)). With several
    objects, the objects read are paired with the caption's objects in the order that gets the
    most attributes right (a misread shape does not reorder the rest).
    """
    predicted = np.stack([read[a] for a in names], -1)  # (N, K, A)
    best, right = -1, None
    for order in itertools.permutations(range(labels.shape[1])):
        candidate = predicted[:, list(order)] == labels  # (N, K, 5)
        count = candidate.sum(axis=(1, 2))
        right = candidate if right is None else np.where((count > best)[:, None, None], candidate, right)
        best = np.maximum(best, count)
    scores = {a: float(right[..., i].mean()) for i, a in enumerate(names)}
    scores["all"] = float(right.all(axis=(1, 2)).mean())
    return scores


def load_split(dataset, split, num, data_dir):
    """The first `num` examples (None: all) of a split to evaluate on, e.g. of "scenes/scenes_64";
    ValueError for an unknown split or an empty one."""
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; accepted: {list(SPLITS)}.")
    examples = load_examples(dataset, split, num if num is not None else -1, data_dir=data_dir)
    if not examples:
        raise ValueError(f"{dataset} split {split!r} has no examples in {data_dir!r}.")
    return examples


def generate_clips(model, prompts, first_seed, batch_size=64):
    """uint8 clips (N, T, H, W, 3) of `model` for `prompts`, prompt i with seed first_seed + i."""
    return np.concatenate([
        model.generate(prompts[i:i + batch_size], seed=first_seed + i)
        for i in range(0, len(prompts), batch_size)
    ])


def clips_per_seed(model, captions, real, dataset, seeds, batch_size=64):
    """Yields (seed, clips) per seed: the model's uint8 clips for `captions` (caption i of N with
    the seed s * N + i), checked against the shape of the real clips of `dataset`."""
    for s in seeds:
        clips = generate_clips(model, captions, int(s) * len(captions), batch_size)
        check_clip_shape(clips, real, dataset)
        yield int(s), clips


def sheet_rows(captions, real, clips, count=8):
    """The contact sheet of a report: (caption, real clip, generated clip) of the first `count` captions."""
    return [(captions[i], real[i], clips[i]) for i in range(min(count, len(captions)))]


def spread_summary(generated_px, real_px, captions, seeds):
    """The "diversity" entry of a result: first-frame spread over seeds, generated and real (px)."""
    return {"captions": captions, "seeds": seeds, "generated_px": generated_px, "real_px": real_px,
            "ratio": generated_px / real_px if real_px else None}


def frechet_summary(distances, real_vs_real):
    """The "frechet_distance" entry of a result: the mean over seeds, each seed's, and the real
    clips' distance to a second real draw (the floor)."""
    return {"generated_vs_real": float(np.mean(distances)), "generated_vs_real_per_seed": distances,
            "real_vs_real": real_vs_real}


def check_clip_shape(clips, real, dataset):
    """Raises ValueError when generated clips are not of the real clips' shape."""
    if clips.shape[1:] != real.shape[1:]:
        raise ValueError(
            f"The model makes clips of shape {clips.shape[1:]} but {dataset} clips are "
            f"{real.shape[1:]}; evaluate it on the config it was trained for."
        )


def _start_spread(starts):
    """Mean over captions and objects of the std (pixels, x and y averaged) of (C, S, K, 2) starts."""
    return float(np.asarray(starts).std(axis=1).mean())


def evaluate_model(model, config="single_64", split="test", data_dir=None, seeds=(0, 1, 2), num=None,
                   diversity_captions=32, diversity_seeds=16, evaluator=None, batch_size=64):
    """Caption accuracy, Frechet distance and diversity of a model on a moving_shapes split.

    Args:
        model: anything with `generate(prompts, seed)` -> uint8 (N, T, H, W, 3), e.g. `tf_t2v.load(path)`.
        config: str. moving_shapes config, e.g. "single_64" or "double_64".
        split: str. "test", "test_unseen", "validation" or "train".
        data_dir: str. Where moving_shapes/<config> is built.
        seeds: sequence of int. One clip per caption per seed; seed s gives caption i the seed
            s * N + i.
        num: int or None. The first `num` captions of the split (None: all).
        diversity_captions: int. Captions whose first-frame spread is measured ...
        diversity_seeds: int. ... over this many seeds each, against as many real starts.
        evaluator: `AttributeEvaluator` or None (the shipped one for `config`).
        batch_size: int. Prompts per `generate` call.

    Returns:
        dict: "generated" and "real" scores (per attribute, "all"), per-seed generated scores,
        "frechet_distance" (generated vs real, and real vs a second real draw of the same
        captions), "diversity" (first-frame spread, generated and real, and their ratio), and
        the settings.
    """
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; accepted: {list(SPLITS)}.")
    if config not in spec.CONFIGS:
        raise ValueError(f"Unknown moving_shapes config {config!r}; accepted: {sorted(spec.CONFIGS)}.")
    evaluator = evaluator or load_evaluator(config)
    _, size = spec.CONFIGS[config]
    examples = load_split(f"moving_shapes/{config}", split, num, data_dir)
    captions = [e["caption"] for e in examples]
    attrs = _attributes(examples)  # (N, K, 5)
    labels = _canonical(attrs)
    n = len(captions)

    real = np.stack([e["video"] for e in examples])
    del examples
    real_read = evaluator.read(real)
    # A second real draw of the same captions (new uniform starts): the real-vs-real reference.
    rng = np.random.default_rng(0)
    redraw = render.render_clips(attrs, render.sample_starts(rng, attrs, size), size)
    redraw_features = evaluator.read(redraw)["features"]
    del redraw
    per_seed, distances, sheet = [], [], None
    for s, clips in clips_per_seed(model, captions, real, f"moving_shapes/{config}", seeds, batch_size):
        read = evaluator.read(clips)
        per_seed.append(attribute_scores(read, labels))
        distances.append(frechet_distance(real_read["features"], read["features"]))
        logging.info("seed %d: %s, Frechet %.3f", s, per_seed[-1], distances[-1])
        sheet = sheet or sheet_rows(captions, real, clips)
    generated = {k: float(np.mean([p[k] for p in per_seed])) for k in per_seed[0]}

    # Diversity: spread of the first-frame position over seeds for one caption.
    div = list(range(min(diversity_captions, n)))
    gen_starts, real_starts = [], []
    for i in div:
        clips = model.generate([captions[i]] * diversity_seeds, seed=[10**9 + j for j in range(diversity_seeds)])
        gen_starts.append(evaluator.read(clips)["start"])
        attrs_i = np.repeat(attrs[i:i + 1], diversity_seeds, axis=0)
        redraws = render.render_clips(attrs_i, render.sample_starts(rng, attrs_i, size), size)
        real_starts.append(evaluator.read(redraws)["start"])
    gen_spread, real_spread = _start_spread(gen_starts), _start_spread(real_starts)
    return {
        "dataset": f"moving_shapes/{config}",
        "split": split,
        "captions": n,
        "seeds": [int(s) for s in seeds],
        "evaluator": getattr(evaluator, "description", f"{config}-v{EVALUATOR_VERSION}"),
        "generated": generated,
        "generated_per_seed": per_seed,
        "real": attribute_scores(real_read, labels),
        "frechet_distance": frechet_summary(distances, frechet_distance(real_read["features"], redraw_features)),
        "diversity": spread_summary(gen_spread, real_spread, len(div), diversity_seeds),
        "sheet": sheet,
    }


def _cell(value):
    return "n/a" if value is None else f"{value:.4f}"


def score_table(result, names, model_name="", intro=()):
    """The heading of a report on `result` and its table of scores: generated (mean over seeds),
    each seed, and real clips as the ceiling; `names` the columns, `intro` lines between the two.

    Returns:
        list of Markdown lines.
    """
    lines = [
        f"# Evaluation of {model_name or 'a model'} on {result['dataset']} {result['split']}",
        "",
        f"{result['captions']} captions x {len(result['seeds'])} seeds {result['seeds']}, read by the "
        f"attribute evaluator {result['evaluator']}; real clips of the split as the ceiling.",
        "",
        *intro,
        "| clips | " + " | ".join(names) + " |",
        "| --- |" + " --- |" * len(names),
        "| generated | " + " | ".join(_cell(result["generated"][k]) for k in names) + " |",
    ]
    for s, scores in zip(result["seeds"], result["generated_per_seed"]):
        lines.append(f"| generated, seed {s} | " + " | ".join(_cell(scores[k]) for k in names) + " |")
    lines.append("| real (ceiling) | " + " | ".join(_cell(result["real"][k]) for k in names) + " |")
    return lines


def markdown_report(result, model_name=""):
    """The result of `evaluate_model` as a Markdown report."""
    fd, div = result["frechet_distance"], result["diversity"]
    lines = score_table(result, list(ATTRIBUTE_NAMES) + ["all"], model_name) + [
        "",
        "| measure | generated | real |",
        "| --- | --- | --- |",
        f"| Frechet distance to the real clips (evaluator features) | {fd['generated_vs_real']:.3f} | "
        f"{fd['real_vs_real']:.3f} (a second draw of the same captions) |",
        f"| first-frame spread over {div['seeds']} seeds, {div['captions']} captions (px) | "
        f"{div['generated_px']:.2f} | {div['real_px']:.2f} |",
        f"| spread ratio, generated / real | {div['ratio']:.3f} | 1 |",
        "",
    ]
    return "\n".join(lines)


def write_reports(result, output_dir, model_name="", markdown=markdown_report):
    """Writes report.json, report.md and samples.png (real above generated) to `output_dir`.

    `markdown` writes the Markdown of a result, e.g. `scenes_evaluation.markdown_report`.

    Returns:
        dict kind -> path.
    """
    os.makedirs(output_dir, exist_ok=True)
    paths = {k: os.path.join(output_dir, f) for k, f in
             (("json", "report.json"), ("markdown", "report.md"), ("sheet", "samples.png"))}
    data = {k: v for k, v in result.items() if k != "sheet"}
    data["model"] = model_name
    data["date"] = datetime.date.today().isoformat()
    for kind, text in (("json", json.dumps(data, indent=2) + "\n"), ("markdown", markdown(result, model_name))):
        write_text_atomically(paths[kind], text)
    clips, captions = [], []
    for caption, real, generated in result["sheet"]:
        clips += [real, generated]
        captions += [f"real: {caption}", f"generated: {caption}"]
    write_contact_sheet(paths["sheet"], clips, captions, max_frames=8, scale=2)
    return paths
