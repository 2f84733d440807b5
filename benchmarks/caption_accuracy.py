"""Caption accuracy of a model's clips on moving_shapes, measured by `ShapeMeasurer`.

    python benchmarks/caption_accuracy.py --model saved_models/moving_shapes/1 --data-dir data

Generates one clip (seed 0 + i) per caption of the first --num examples of test and test_unseen,
scores them and the real clips against the captions' attributes, and measures the spread of the
first-frame position across 32 seeds for 20 captions against uniformly drawn valid starts.
"""

import argparse
import time

import numpy as np

import tf_t2v
from tf_t2v.eval import ShapeMeasurer
from tf_t2v.data.pipeline import load_examples
from tfds_builders.moving_shapes import render, spec
parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--model", default="saved_models/moving_shapes/1")
parser.add_argument("--data-dir", required=True)
parser.add_argument("--num", type=int, default=1000)
args = parser.parse_args()
model = tf_t2v.load(args.model)
m = ShapeMeasurer(64)
for split in ("test", "test_unseen"):
    ex = load_examples("moving_shapes/single_64", split, args.num, data_dir=args.data_dir)
    caps = [e["caption"] for e in ex]
    labels = {k: np.array([e[k] for e in ex]) for k in spec.ATTRIBUTES}
    t = time.time(); clips = model.generate(caps, seed=0); dt = time.time() - t
    real = np.stack([e["video"] for e in ex])
    print(split, len(caps), "generated", {k: round(v, 4) for k, v in m.score(clips, labels).items()}, f"{len(caps)/dt:.0f} clips/s", flush=True)
    print(split, "real", {k: round(v, 4) for k, v in m.score(real, labels).items()}, flush=True)
# first-frame spread: 20 captions x 32 seeds, std of the measured first-frame centroid vs uniform valid starts
ex = load_examples("moving_shapes/single_64", "test", 20, data_dir=args.data_dir)
rng = np.random.default_rng(0)
gen_sd, real_sd = [], []
for e in ex:
    clips = model.generate([e["caption"]] * 32, seed=list(range(32)))
    w = clips[:, 0].max(-1).astype(float)  # (32, H, W)
    ys, xs = np.mgrid[:64, :64] + 0.5
    c = np.stack([(w * xs).sum((1, 2)) / w.sum((1, 2)), (w * ys).sum((1, 2)) / w.sum((1, 2))], -1)
    gen_sd.append(c.std(0).mean())
    attrs = np.array([[e[k] for k in spec.ATTRIBUTES]] * 4000)
    real_sd.append(render.sample_starts(rng, attrs[:, None], 64)[:, 0].std(0).mean())
print(f"first-frame spread: generated {np.mean(gen_sd):.2f} px, real {np.mean(real_sd):.2f} px, ratio {np.mean(gen_sd)/np.mean(real_sd):.2f}")
