"""Trains a `TextVideoMatcher` on the real train clips of any captioned dataset, for `tf-t2v evaluate`.

    python -m tf_t2v.training.train_text_video_matcher --dataset captioned_videos/uniform_16x64x64 \
        --data-dir data --output matcher.keras --steps 3000

The vocabulary comes from the train captions. Writes the matcher (without optimizer state) to
`--output` and prints its R-precision on the real test split, the ceiling a model can reach.
"""

import argparse
import dataclasses
import logging
import os
import time
from typing import List

import keras
import numpy as np

from tf_t2v.data.pipeline import load_builder, make_dataset
from tf_t2v.eval.matching_evaluation import CANDIDATES, r_precision
from tf_t2v.eval.model_evaluation import load_split
from tf_t2v.eval.shipped_evaluators import without_optimizer
from tf_t2v.eval.text_video_matcher import TextVideoMatcher
from tf_t2v.text import TextEncoder, TextTokenizer, build_vocabulary
from tf_t2v.training import config
from tf_t2v.training.config import TextEncoderConfig, TokenizerConfig
from tf_t2v.training.trainer import read_captions


@dataclasses.dataclass
class MatcherSettings:
    """The sizes of a `TextVideoMatcher` built by `build_matcher`; `--set key.subkey=value` overrides them.

    Args:
        tokenizer: `tf_t2v.training.config.TokenizerConfig`. Words per caption (longer ones are
            cut) and case folding.
        vocabulary_min_count: int. Words seen fewer times in the train captions are out of vocabulary.
        text_encoder: `tf_t2v.training.config.TextEncoderConfig`. The text tower (one pooled vector).
        channels: list of int. Channels of the video tower's strided 3D convolutions.
        video_dim: int. Width of the video features (the Frechet distance's space).
        embed_dim: int. Width of the shared embedding.
        temperature: float. Initial softmax temperature.

    Example:
    ```python
    from tf_t2v.training.train_text_video_matcher import TINY_SETTINGS, build_matcher, settings_from

    tiny = settings_from(TINY_SETTINGS)  # 8 to 16 wide, for tests
    matcher = build_matcher(["a red square", "a blue circle"], tiny)
    ```
    """

    tokenizer: TokenizerConfig = dataclasses.field(default_factory=lambda: TokenizerConfig(sequence_length=32))
    vocabulary_min_count: int = 1
    text_encoder: TextEncoderConfig = dataclasses.field(default_factory=lambda: TextEncoderConfig(num_pooled=1))
    channels: List[int] = dataclasses.field(default_factory=lambda: [32, 64, 128, 256])
    video_dim: int = 256
    embed_dim: int = 128
    temperature: float = 0.07


# `--set` overrides of a matcher small enough for tests.
TINY_SETTINGS = ("tokenizer.sequence_length=8", "text_encoder.hidden_dim=8", "text_encoder.num_layers=1",
                 "text_encoder.num_heads=2", "text_encoder.intermediate_dim=16", "channels=[8, 16]",
                 "video_dim=16", "embed_dim=8")


def settings_from(overrides=()):
    """`MatcherSettings` with "key.subkey=value" overrides applied in order; ValueError naming an
    unknown key or a value of the wrong type."""
    settings = MatcherSettings()
    for text in overrides:
        settings = config.merge(settings, config.parse_override(text))
    return settings


def build_matcher(captions, settings=None, clip_shape=None, description=""):
    """An untrained `TextVideoMatcher` whose vocabulary is the words of `captions`.

    Args:
        captions: list of str. The train captions.
        settings: `MatcherSettings` or None (the defaults).
        clip_shape: (T, H, W) or None. The clips it will read (None: any).
        description: str. What it is trained on, for reports.
    """
    s = settings or MatcherSettings()
    vocabulary = build_vocabulary(captions, min_count=s.vocabulary_min_count, lowercase=s.tokenizer.lowercase)
    tokenizer = TextTokenizer(vocabulary, **dataclasses.asdict(s.tokenizer))
    text = {**dataclasses.asdict(s.text_encoder), "num_pooled": s.text_encoder.num_pooled or 1}
    text_encoder = TextEncoder(tokenizer.vocabulary_size, tokenizer.sequence_length, name="text_encoder", **text)
    return TextVideoMatcher(tokenizer, text_encoder, channels=s.channels, video_dim=s.video_dim,
                            embed_dim=s.embed_dim, temperature=s.temperature,
                            clip_shape=None if clip_shape is None else list(clip_shape)[:3],
                            description=description)


def train_text_video_matcher(dataset, data_dir=None, steps=3000, batch_size=64, learning_rate=1e-3, seed=0,
                             settings=None, cache=False, per_epoch=250, verbose=2):
    """A `TextVideoMatcher` trained on the "train" split of a built dataset.

    Args:
        dataset: str. A TFDS name with config, e.g. "captioned_videos/uniform_16x32x32",
            "scenes/scenes_32" or "moving_digits/single_64".
        data_dir: str. Where it is built.
        steps: int. Optimizer steps (Adam, warmup then cosine decay).
        batch_size: int. (caption, clip) pairs per step; each is contrasted with the others.
        learning_rate: float. Peak learning rate.
        seed: int. Seed of the weights and the shuffling.
        settings: `MatcherSettings` or None (the defaults).
        cache: bool or str. Keep the decoded train clips in memory (True) or a file.
        per_epoch: int. Steps between two log lines.
        verbose: int. Keras `fit` verbosity.

    Returns:
        The trained `TextVideoMatcher`; its `description` names the dataset and the steps.

    Example:
    ```python
    matcher = train_text_video_matcher("captioned_videos/uniform_16x64x64", "data", steps=3000)
    matcher.embed_text(["a dog runs on the beach"])  # (1, 128)
    ```
    """
    if "/" not in dataset:
        raise ValueError(f"--dataset must be NAME/CONFIG, e.g. captioned_videos/uniform_16x64x64; got {dataset!r}.")
    if steps < 1 or batch_size < 2:
        raise ValueError(f"steps must be >= 1 and batch_size >= 2 (a pair needs others to be contrasted "
                         f"with); got {steps} and {batch_size}.")
    keras.utils.set_random_seed(seed)
    builder = load_builder(dataset, data_dir)
    if "train" not in builder.info.splits:
        raise ValueError(f"{dataset} has no train split (splits: {sorted(builder.info.splits)}); the matcher "
                         "learns from the train clips.")
    captions = read_captions(dataset, "train", data_dir)
    matcher = build_matcher(captions, settings, clip_shape=builder.info.features["video"].shape[:3],
                            description=f"{dataset} train, {steps} steps")
    logging.info("Matcher vocabulary: %d words from %d train captions.", len(matcher.tokenizer.vocabulary),
                 len(captions))
    warmup = min(200, steps // 10)
    schedule = keras.optimizers.schedules.CosineDecay(0.0 if warmup else learning_rate, max(1, steps - warmup),
                                                      alpha=0.02, warmup_target=learning_rate if warmup else None,
                                                      warmup_steps=warmup)
    matcher.compile(optimizer=keras.optimizers.Adam(schedule, global_clipnorm=1.0))
    ds = make_dataset(dataset, "train", batch_size, data_dir=data_dir, repeat=True, cache=cache,
                      drop_remainder=True, seed=seed, keys=())
    # make_dataset gives clips in [-1, 1]; the matcher reads [0, 255] as it reads uint8 clips.
    ds = ds.map(lambda b: matcher.preprocess({"caption": b["caption"], "video": (b["video"] + 1.0) * 127.5}))
    per_epoch = min(per_epoch, steps)
    for epochs, epoch_steps in ((steps // per_epoch, per_epoch), (1, steps % per_epoch)):
        if epochs and epoch_steps:
            matcher.fit(ds, steps_per_epoch=epoch_steps, epochs=epochs, verbose=verbose)
    return matcher


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", required=True, help="NAME/CONFIG, e.g. captioned_videos/uniform_16x64x64")
    parser.add_argument("--data-dir", default=None, help="where the dataset is built")
    parser.add_argument("--output", required=True, metavar="PATH", help="the .keras file to write")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", action="store_true", help="keep the decoded train clips in memory")
    parser.add_argument("--num", type=int, default=None, metavar="N",
                        help="R-precision on the first N test clips (default: all)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a MatcherSettings field, e.g. --set text_encoder.hidden_dim=64 "
                             "--set channels=[16,32,64]")
    args = parser.parse_args(argv)
    if not args.output.endswith(".keras"):
        parser.error(f"--output must end in .keras; got {args.output!r}.")
    try:
        settings = settings_from(args.set)
    except ValueError as e:
        parser.error(str(e))
    logging.basicConfig(level=logging.INFO)
    start = time.time()
    matcher = train_text_video_matcher(args.dataset, args.data_dir, args.steps, args.batch_size,
                                       args.learning_rate, args.seed, settings=settings, cache=args.cache)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    without_optimizer(matcher).save(args.output)
    print(f"trained {args.steps} steps in {(time.time() - start) / 60:.1f} min; saved {args.output}")
    if "test" not in load_builder(args.dataset, args.data_dir).info.splits:
        print(f"{args.dataset} has no test split: no R-precision measured.")
        return
    examples = load_split(args.dataset, "test", args.num, args.data_dir)
    score = r_precision(matcher, np.stack([e["video"] for e in examples]), [e["caption"] for e in examples],
                        CANDIDATES)
    value = "n/a" if score["r_precision"] is None else f"{score['r_precision']:.4f}"
    print(f"test R-precision {value} over {score['candidates']} candidates ({score['clips']} clips, "
          f"{score['distinct_captions']} distinct captions; chance {1 / score['candidates']:.4f})")


if __name__ == "__main__":
    main()
