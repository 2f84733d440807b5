"""Does a model's scenes clip show what its caption says, and only that? Scores on a scenes split.

`evaluate_scenes_model` generates a clip for every caption of a split with several seeds and
reads them with the trained scenes `AttributeEvaluator`; the real clips of the split are read
the same way, as the ceiling. A caption names some attributes and leaves the others to their
defaults (weather clear, camera static, style natural, no subject) or open (time, place: any
value), so the scores are: accuracy of what is named, defaults kept for what is not, and the
spread over seeds of what is left open. `markdown_report` is the report for
`model_evaluation.write_reports`.
"""

import logging

import numpy as np

from tf_t2v.eval.shipped_evaluators import EVALUATOR_VERSION, load_evaluator
from tf_t2v.eval.frechet_distance import frechet_distance
from tf_t2v.eval.model_evaluation import clips_per_seed, frechet_summary, load_split, score_table, sheet_rows
from tfds_builders.scenes import render, spec

NAMES = spec.ATTRIBUTE_COLUMNS  # time, place, weather, subject, heading, camera, style
_COLUMN = {name: i for i, name in enumerate(NAMES)}
DEFAULT_INDEX = {name: spec.ATTRIBUTES[name].index(value) for name, value in spec.DEFAULTS.items()}
OPEN_ATTRIBUTES = tuple(a for a in spec.NAMED_ATTRIBUTES if a not in spec.DEFAULTS)  # time, place


def labels_and_named(examples):
    """Attribute indices (N, 7) of scenes examples and whether each caption names each one (N, 7).

    Subject and heading count as named when the caption names a subject, i.e. when there is one.
    """
    labels = np.array([[int(e[name]) for name in NAMES] for e in examples], np.int64).reshape(-1, len(NAMES))
    named = np.zeros(labels.shape, bool)
    for name in spec.NAMED_ATTRIBUTES:
        named[:, _COLUMN[name]] = [bool(e[f"{name}_named"]) for e in examples]
    has_subject = labels[:, _COLUMN["subject"]] != DEFAULT_INDEX["subject"]
    named[:, _COLUMN["subject"]] = named[:, _COLUMN["heading"]] = has_subject
    return labels, named


def as_array(read):
    """(N, 7) indices from an evaluator's `read` (each attribute (N, 1))."""
    return np.stack([np.reshape(read[name], -1) for name in NAMES], -1)


def named_scores(read, labels, named):
    """Accuracy of each attribute over the clips whose caption names it (None if none does), and
    "all_named": the share of clips with every named attribute right. Arrays (N, 7)."""
    right = read == labels
    scores = {
        name: float(right[named[:, i], i].mean()) if named[:, i].any() else None for i, name in enumerate(NAMES)
    }
    scores["all_named"] = float((right | ~named).all(axis=1).mean())
    return scores


def defaults_kept(read, named):
    """Per attribute with a default, the share of the clips not naming it where it reads as its
    default (None if every clip names it); "all": the share of clips with at least one such
    attribute where every one does."""
    scores, kept, unnamed_any = {}, np.ones(len(read), bool), np.zeros(len(read), bool)
    for name, default in DEFAULT_INDEX.items():
        unnamed = ~named[:, _COLUMN[name]]
        at_default = read[:, _COLUMN[name]] == default
        scores[name] = float(at_default[unnamed].mean()) if unnamed.any() else None
        kept &= at_default | ~unnamed
        unnamed_any |= unnamed
    scores["all"] = float(kept[unnamed_any].mean()) if unnamed_any.any() else None
    return scores


def _entropy_bits(values, classes):
    p = np.bincount(np.reshape(values, -1), minlength=classes) / max(1, np.size(values))
    p = p[p > 0]
    return float(0.0 - (p * np.log2(p)).sum())  # 0.0, not -0.0, for a single value


def _distinct_share(groups, classes):
    """Mean over rows of (G, S) values of distinct values / min(S, classes)."""
    return float(np.mean([len(np.unique(g)) for g in groups]) / min(groups.shape[1], classes))


def open_spread(reads, real_read, named):
    """What captions leave open, over the seeds, against real clips.

    For time and place, over the captions that leave it unnamed: the share of distinct values
    read among a caption's seeds (distinct / min(seeds, classes)) and the entropy (bits) of all
    values read. Real: the real clips of those captions, in groups of as many clips as there are
    seeds (each an independent draw of the open attribute).

    Args:
        reads: (S, N, 7) generated clips read, per seed.
        real_read: (N, 7) real clips read.
        named: (N, 7) bool.

    Returns:
        dict attribute -> dict, or -> None when every caption names it.
    """
    seeds = reads.shape[0]
    out = {}
    for name in OPEN_ATTRIBUTES:
        col, classes = _COLUMN[name], len(spec.ATTRIBUTES[name])
        unnamed = np.flatnonzero(~named[:, col])
        if len(unnamed) == 0:
            out[name] = None
            continue
        generated = reads[:, unnamed, col].T  # (M, S)
        real = real_read[unnamed, col]
        groups = real[:len(real) // seeds * seeds].reshape(-1, seeds)  # (M // S, S)
        out[name] = {
            "captions": int(len(unnamed)),
            "generated_distinct": _distinct_share(generated, classes),
            "real_distinct": _distinct_share(groups, classes) if len(groups) else None,
            "generated_entropy_bits": _entropy_bits(generated, classes),
            "real_entropy_bits": _entropy_bits(real, classes),
            "max_entropy_bits": float(np.log2(classes)),
        }
    return out


def temporal_change(clips, batch_size=256):
    """Mean absolute change from one frame to the next of uint8 clips (N, T, H, W, 3), in [0, 255]
    units: "frame_change" per pixel and channel, "brightness_change" of each frame's mean."""
    pixel, brightness = [], []
    for i in range(0, len(clips), batch_size):
        x = np.asarray(clips[i:i + batch_size], np.float32)
        pixel.append(np.abs(np.diff(x, axis=1)).mean(axis=(1, 2, 3, 4)))
        brightness.append(np.abs(np.diff(x.mean(axis=(2, 3, 4)), axis=1)).mean(axis=1))
    return {"frame_change": float(np.concatenate(pixel).mean()),
            "brightness_change": float(np.concatenate(brightness).mean())}


def _mean(dicts):
    """Key-wise mean of dicts whose values are floats or None."""
    return {k: None if dicts[0][k] is None else float(np.mean([d[k] for d in dicts])) for k in dicts[0]}


def evaluate_scenes_model(model, config="scenes_64", split="test", data_dir=None, seeds=(0, 1, 2), num=None,
                          evaluator=None, batch_size=64):
    """Named accuracy, defaults kept, open spread, flicker and Frechet distance of a model on scenes.

    Args:
        model: anything with `generate(prompts, seed)` -> uint8 (N, T, H, W, 3), e.g. `tf_t2v.load(path)`.
        config: str. scenes config, e.g. "scenes_64".
        split: str. "test", "test_unseen", "validation" or "train".
        data_dir: str. Where scenes/<config> is built.
        seeds: sequence of int. One clip per caption per seed; seed s gives caption i the seed
            s * N + i.
        num: int or None. The first `num` captions of the split (None: all).
        evaluator: `AttributeEvaluator` or None (the shipped one for `config`).
        batch_size: int. Prompts per `generate` call.

    Returns:
        dict: "generated" and "real" named accuracies (per attribute, "all_named"), per-seed
        generated ones, "named" (clips naming each attribute), "defaults_kept", "open_spread",
        "temporal" (frame-to-frame change), "frechet_distance" (generated vs real, and real vs
        a second rendering of the same attributes), and the settings.

    Example:
    ```python
    model = tf_t2v.load("saved_models/scenes/3")
    result = evaluate_scenes_model(model, "scenes_64", "test", data_dir="data", num=200)
    result["generated"]["time"], result["defaults_kept"]["generated"]["all"]
    ```
    """
    if config not in spec.CONFIGS:
        raise ValueError(f"Unknown scenes config {config!r}; accepted: {sorted(spec.CONFIGS)}.")
    dataset = f"scenes/{config}"
    examples = load_split(dataset, split, num, data_dir)
    evaluator = evaluator or load_evaluator(dataset)
    captions = [e["caption"] for e in examples]
    labels, named = labels_and_named(examples)
    n = len(captions)
    real = np.stack([e["video"] for e in examples])
    del examples
    real_read = evaluator.read(real)
    real_attrs = as_array(real_read)
    # The same attributes rendered again with new random scenery: the real-vs-real reference.
    redraw = render.render_clips(labels, render.sample_scenes(np.random.default_rng(0), labels), spec.CONFIGS[config])
    redraw_features = evaluator.read(redraw)["features"]
    del redraw
    per_seed, defaults, reads, distances, temporal, sheet = [], [], [], [], [], None
    for s, clips in clips_per_seed(model, captions, real, dataset, seeds, batch_size):
        read = evaluator.read(clips)
        reads.append(as_array(read))
        per_seed.append(named_scores(reads[-1], labels, named))
        defaults.append(defaults_kept(reads[-1], named))
        distances.append(frechet_distance(real_read["features"], read["features"]))
        temporal.append(temporal_change(clips))
        logging.info("seed %d: %s, Frechet %.3f", s, per_seed[-1], distances[-1])
        sheet = sheet or sheet_rows(captions, real, clips)
    return {
        "dataset": dataset,
        "split": split,
        "captions": n,
        "seeds": [int(s) for s in seeds],
        "evaluator": getattr(evaluator, "description", f"{config}-v{EVALUATOR_VERSION}"),
        "named": {name: int(named[:, i].sum()) for i, name in enumerate(NAMES)},
        "generated": _mean(per_seed),
        "generated_per_seed": per_seed,
        "real": named_scores(real_attrs, labels, named),
        "defaults_kept": {
            "unnamed": {name: int((~named[:, _COLUMN[name]]).sum()) for name in DEFAULT_INDEX},
            "generated": _mean(defaults),
            "real": defaults_kept(real_attrs, named),
        },
        "open_spread": {"seeds": len(reads), **open_spread(np.stack(reads), real_attrs, named)},
        "temporal": {"generated": _mean(temporal), "real": temporal_change(real)},
        "frechet_distance": frechet_summary(distances, frechet_distance(real_read["features"], redraw_features)),
        "sheet": sheet,
    }


def _cell(value, digits=4):
    return "n/a" if value is None else f"{value:.{digits}f}"


def markdown_report(result, model_name=""):
    """The result of `evaluate_scenes_model` as a Markdown report."""
    names = list(NAMES) + ["all_named"]
    kept, spread, temporal, fd = (result[k] for k in ("defaults_kept", "open_spread", "temporal", "frechet_distance"))
    lines = score_table(result, names, model_name, intro=(
        "Accuracy of each attribute over the clips whose caption names it (subject and heading: "
        "captions naming a subject); all named: clips with every named attribute right.",
        "",
    ))
    lines += [
        "| captions naming it | " + " | ".join(str(result["named"][k]) for k in NAMES) + f" | {result['captions']} |",
        "",
        "Defaults kept: over the captions that do not name it, the share of clips where the "
        "attribute came out at its default (all: every unnamed one at once).",
        "",
        "| clips | " + " | ".join(f"{k} {spec.DEFAULTS[k]}" for k in DEFAULT_INDEX) + " | all |",
        "| --- |" + " --- |" * (len(DEFAULT_INDEX) + 1),
    ]
    for row in ("generated", "real"):
        lines.append(f"| {row} | " + " | ".join(_cell(kept[row][k]) for k in list(DEFAULT_INDEX) + ["all"]) + " |")
    lines += [
        "| captions not naming it | " + " | ".join(str(kept["unnamed"][k]) for k in DEFAULT_INDEX) + " | |",
        "",
        f"Left open: for captions that do not name it, the share of distinct values over the "
        f"{spread['seeds']} seeds (real: groups of {spread['seeds']} real clips) and the entropy of all values read.",
        "",
        "| attribute | captions | distinct, generated | distinct, real | entropy bits, generated | "
        "entropy bits, real | entropy bits, uniform |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in OPEN_ATTRIBUTES:
        o = spread[name]
        if o is None:
            lines.append(f"| {name} | 0 (every caption names it) | | | | | |")
        else:
            lines.append(f"| {name} | {o['captions']} | {_cell(o['generated_distinct'], 3)} | "
                         f"{_cell(o['real_distinct'], 3)} | {o['generated_entropy_bits']:.3f} | "
                         f"{o['real_entropy_bits']:.3f} | {o['max_entropy_bits']:.3f} |")
    lines += [
        "",
        "| measure | generated | real |",
        "| --- | --- | --- |",
        f"| Frechet distance to the real clips (evaluator features) | {fd['generated_vs_real']:.3f} | "
        f"{fd['real_vs_real']:.3f} (the same attributes rendered again) |",
        f"| frame-to-frame change, mean abs per pixel (0-255) | {temporal['generated']['frame_change']:.3f} | "
        f"{temporal['real']['frame_change']:.3f} |",
        f"| frame-to-frame change of mean brightness (0-255) | {temporal['generated']['brightness_change']:.3f} | "
        f"{temporal['real']['brightness_change']:.3f} |",
        "",
    ]
    return "\n".join(lines)
