"""Does a model's clip match its own caption better than the split's other captions? Scores for any captioned data.

A `TextVideoMatcher` trained on a dataset's real train clips embeds captions and clips; a
clip's R-precision is whether its own caption scores highest among it and 99 other captions
of the split (AttnGAN, TFGAN). `evaluate_matching_model` generates a clip for every caption of
a split with several seeds and reports the R-precision of the generated clips and of the real
ones (the ceiling), and the Frechet distance between real and generated clips in the
matcher's video features. `markdown_report` is the report for `model_evaluation.write_reports`.
"""

import logging
import os

import keras
import numpy as np

from tf_t2v.eval.frechet_distance import frechet_distance
from tf_t2v.eval.model_evaluation import clips_per_seed, load_split, score_table, sheet_rows
from tf_t2v.eval.text_video_matcher import TextVideoMatcher

CANDIDATES = 100  # the true caption and 99 others, as AttnGAN and TFGAN rank them


def train_command(dataset="DATASET/CONFIG", data_dir=None):
    """The command that trains a matcher for `dataset`, for error messages."""
    return (f"python -m tf_t2v.training.train_text_video_matcher --dataset {dataset} --data-dir {data_dir or 'DIR'} "
            "--output matcher.keras")


def load_matcher(path):
    """The `TextVideoMatcher` of a .keras file; FileNotFoundError naming the training command
    when there is none, ValueError when the file holds another kind of model."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No TextVideoMatcher file at {path!r}; train one with `{train_command()}`.")
    matcher = keras.saving.load_model(path, safe_mode=True)
    if not isinstance(matcher, TextVideoMatcher):
        raise ValueError(f"{path!r} holds a {type(matcher).__name__}, not a TextVideoMatcher; give the .keras "
                         f"file that `{train_command()}` writes.")
    return matcher


def _distinct(captions):
    """(distinct captions in first-seen order, (N,) index of each caption among them)."""
    table = {c: i for i, c in enumerate(dict.fromkeys(captions))}
    return list(table), np.array([table[c] for c in captions], np.int64)


def _candidates(true_index, num_distinct, candidates, seed):
    """(N, K) caption indices per clip: its own caption first, then K - 1 others drawn without
    replacement from the other distinct captions; K = min(candidates, num_distinct)."""
    count = min(candidates, num_distinct)
    rng = np.random.default_rng(seed)
    rows = np.empty((len(true_index), count), np.int64)
    for i, t in enumerate(true_index):
        others = rng.choice(num_distinct - 1, count - 1, replace=False)
        rows[i] = np.concatenate([[t], others + (others >= t)])  # skip the clip's own caption
    return rows


def _precision(video_embedding, text_embedding, rows):
    """Top-1 R-precision of (N, D) clip embeddings against `rows` (N, K) of (M, D) caption
    embeddings: a clip scores 1 when its own caption (column 0) ranks first, 1 / (1 + ties)
    when it shares first place, else 0."""
    scores = np.concatenate([  # (N, K), 1024 clips at a time
        np.einsum("nd,nkd->nk", video_embedding[i:i + 1024], text_embedding[rows[i:i + 1024]])
        for i in range(0, len(rows), 1024)
    ])
    own, others = scores[:, :1], scores[:, 1:]
    first = ~(others > own).any(axis=1)
    return float(np.mean(first / (1.0 + (others == own).sum(axis=1))))


def _r_precision(video_embedding, text_embedding, true_index, candidates, seed):
    """R-precision dict of clip embeddings against the distinct captions' embeddings."""
    if int(candidates) < 2:
        raise ValueError(f"candidates must be an int >= 2 (the true caption and at least one other); got {candidates}.")
    num_distinct = len(text_embedding)
    out = {"clips": int(len(true_index)), "distinct_captions": int(num_distinct),
           "candidates": int(min(candidates, num_distinct)), "candidates_requested": int(candidates)}
    if num_distinct < 2:
        logging.warning("R-precision needs at least 2 distinct captions; the split has %d.", num_distinct)
        return {"r_precision": None, **out}
    rows = _candidates(true_index, num_distinct, int(candidates), seed)
    return {"r_precision": _precision(video_embedding, text_embedding, rows), **out}


def r_precision(matcher, clips, captions, candidates=CANDIDATES, seed=0, batch_size=64):
    """Top-1 R-precision of clips against their captions, read by `matcher`.

    Each clip's own caption is ranked by the matcher's similarity among itself and
    `candidates - 1` other captions drawn (seeded, without replacement) from the distinct
    captions of `captions` that differ from it; the R-precision is the share of clips whose own
    caption ranks first (a tie for first counts 1 / the captions tied). Chance is 1 / candidates.

    Args:
        matcher: `TextVideoMatcher`, or anything with `embed_text(captions)` and
            `embed_video(clips, batch_size)` giving unit rows.
        clips: uint8 (N, T, H, W, 3).
        captions: list of N str, the caption of each clip.
        candidates: int. Captions ranked per clip, the true one included; fewer when the
            captions hold fewer distinct ones.
        seed: int. Seed of the draw of the other captions (the same seed, the same draw).
        batch_size: int. Clips per forward pass.

    Returns:
        dict: "r_precision" (float, None with a single distinct caption), "candidates" (ranked
        per clip), "candidates_requested", "clips", "distinct_captions".

    Example:
    ```python
    matcher = load_matcher("matcher.keras")
    examples = load_split("captioned_videos/uniform_16x64x64", "test", None, "data")
    r_precision(matcher, np.stack([e["video"] for e in examples]), [e["caption"] for e in examples])
    ```
    """
    if len(clips) != len(captions):
        raise ValueError(f"r_precision needs one caption per clip; got {len(clips)} clips and {len(captions)} "
                         "captions.")
    distinct, true_index = _distinct(list(captions))
    return _r_precision(matcher.embed_video(clips, batch_size), matcher.embed_text(distinct), true_index,
                        candidates, seed)


def _frechet(features_a, features_b):
    """The Frechet distance of two feature sets, or None when either has fewer than 2 rows."""
    if min(len(features_a), len(features_b)) < 2:
        logging.warning("No Frechet distance between %d and %d clips: it needs 2 each.", len(features_a),
                        len(features_b))
        return None
    return frechet_distance(features_a, features_b)


def _mean(values):
    return None if not values or any(v is None for v in values) else float(np.mean(values))


def evaluate_matching_model(model, dataset, split="test", data_dir=None, seeds=(0, 1, 2), num=None, matcher=None,
                            batch_size=64, candidates=CANDIDATES):
    """R-precision and Frechet distance of a model's clips on any captioned split, read by a matcher.

    Args:
        model: anything with `generate(prompts, seed)` -> uint8 (N, T, H, W, 3), e.g. `tf_t2v.load(path)`.
        dataset: str. A built TFDS name with config, e.g. "captioned_videos/uniform_16x64x64" or
            "scenes/scenes_64".
        split: str. "test", "test_unseen", "validation" or "train".
        data_dir: str. Where the dataset is built.
        seeds: sequence of int. One clip per caption per seed; seed s gives caption i the seed s * N + i.
        num: int or None. The first `num` captions of the split (None: all).
        matcher: `TextVideoMatcher` trained on the dataset's train clips (`load_matcher`).
        batch_size: int. Prompts per `generate` call and clips per matcher pass.
        candidates: int. Captions ranked per clip (`r_precision`).

    Returns:
        dict: "generated" and "real" {"r_precision"}, per-seed generated ones, "candidates"
        (ranked per clip, fewer than requested when the split has fewer distinct captions),
        "frechet_distance" in the matcher's video features (generated vs real, and one random
        half of the real clips vs the other; None with too few clips), a "sheet" of 8
        (caption, real, generated), and the settings.

    Example:
    ```python
    model = tf_t2v.load("runs/my_clips/model.keras")
    matcher = load_matcher("matcher.keras")
    result = evaluate_matching_model(model, "captioned_videos/uniform_16x64x64", "test", data_dir="data",
                                     matcher=matcher)
    result["generated"]["r_precision"], result["real"]["r_precision"]
    ```
    """
    if matcher is None:
        raise ValueError(f"evaluate_matching_model needs a TextVideoMatcher trained on {dataset}: "
                         f"`{train_command(dataset, data_dir)}`.")
    examples = load_split(dataset, split, num, data_dir)
    captions = [e["caption"] for e in examples]
    n = len(captions)
    real = np.stack([e["video"] for e in examples])
    del examples
    distinct, true_index = _distinct(captions)
    text = matcher.embed_text(distinct)  # (M, D)
    real_read = matcher.read_video(real, batch_size)
    real_score = _r_precision(real_read["embedding"], text, true_index, candidates, seed=0)
    # Real against real: one random half of the clips against the other.
    order = np.random.default_rng(0).permutation(n)
    halves = real_read["features"][order[:n // 2]], real_read["features"][order[n // 2:]]
    per_seed, distances, sheet = [], [], None
    for s, clips in clips_per_seed(model, captions, real, dataset, seeds, batch_size):
        read = matcher.read_video(clips, batch_size)
        score = _r_precision(read["embedding"], text, true_index, candidates, seed=0)  # the real clips' draw
        per_seed.append({"r_precision": score["r_precision"]})
        distances.append(_frechet(real_read["features"], read["features"]))
        logging.info("seed %d: %s, Frechet %s", s, per_seed[-1], distances[-1])
        sheet = sheet or sheet_rows(captions, real, clips)
    return {
        "dataset": dataset,
        "split": split,
        "captions": n,
        "distinct_captions": len(distinct),
        "seeds": [int(s) for s in seeds],
        "evaluator": f"TextVideoMatcher ({matcher.description or matcher.name})",
        "candidates": real_score["candidates"],
        "candidates_requested": int(candidates),
        "generated": {"r_precision": _mean([p["r_precision"] for p in per_seed])},
        "generated_per_seed": per_seed,
        "real": {"r_precision": real_score["r_precision"]},
        "frechet_distance": {
            "generated_vs_real": _mean(distances),
            "generated_vs_real_per_seed": distances,
            "real_vs_real": _frechet(*halves),
            "features": int(real_read["features"].shape[1]),
        },
        "sheet": sheet,
    }


def _figure(value):
    return "n/a" if value is None else f"{value:.3f}"


def markdown_report(result, model_name=""):
    """The result of `evaluate_matching_model` as a Markdown report."""
    k, fd = result["candidates"], result["frechet_distance"]
    fewer = (f" The split has {result['distinct_captions']} distinct captions: {k} candidates, not the "
             f"{result['candidates_requested']} asked." if k < result["candidates_requested"] else "")
    lines = score_table(result, ["r_precision"], model_name, intro=(
        f"R-precision: the share of clips whose own caption the matcher scores highest among {k} candidates "
        f"(it and {k - 1} other captions of the split drawn at random, the same draws for real and generated clips); "
        f"chance is 1/{k} = {1 / k:.4f}.{fewer}",
        "",
    ))
    lines += [
        "",
        "| measure | generated | real |",
        "| --- | --- | --- |",
        f"| Frechet distance to the real clips (matcher features, {fd['features']} wide) | "
        f"{_figure(fd['generated_vs_real'])} | {_figure(fd['real_vs_real'])} (one half of the real clips "
        f"against the other) |",
        "",
    ]
    return "\n".join(lines)
