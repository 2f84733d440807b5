"""How well `tf_t2v.models.global_motion.camera_path` reads the camera of real scenes clips.

    python benchmarks/camera_path.py --data-dir data --num 500

For the first --num clips of a scenes split: per camera move of the spec, the mean and spread of
what the reader gives as the change of log zoom, dx and dy from the first frame to the last
(the spec's values beside them), the share of clips whose nearest spec move is the right one
(overall and per weather: rain and snow move on their own), and the reader's time per clip.
"""

import argparse
import time

import numpy as np

import tf_t2v  # noqa: F401 (before TensorFlow: the package's CPU settings)
from tf_t2v.eval.model_evaluation import load_split
from tf_t2v.models.global_motion import camera_path
from tfds_builders.scenes import spec

# The change from first to last frame of (log zoom, dx, dy) of each camera move in the spec.
SPEC_MOVES = {"static": (0.0, 0.0, 0.0), "pan_left": (0.0, -0.3, 0.0), "pan_right": (0.0, 0.3, 0.0),
              "zoom_in": (float(np.log(0.7)), 0.0, 0.0), "zoom_out": (float(np.log(1 / 0.7)), 0.0, 0.0)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--dataset", default="scenes/scenes_64")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--num", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=50)
    args = parser.parse_args()

    examples = load_split(args.dataset, args.split, args.num, args.data_dir)
    video = np.stack([e["video"] for e in examples]).astype("float32") / 127.5 - 1.0
    camera = np.array([int(e["camera"]) for e in examples])
    weather = np.array([int(e["weather"]) for e in examples])
    camera_path(video[:2])  # traced once before timing
    start = time.perf_counter()
    paths = [camera_path(video[i:i + args.batch_size]) for i in range(0, len(video), args.batch_size)]
    seconds = time.perf_counter() - start
    change = np.concatenate([np.stack([np.asarray(v)[:, -1] - np.asarray(v)[:, 0] for v in p], 1) for p in paths])
    moves = spec.ATTRIBUTES["camera"]
    print(f"{len(video)} clips of {args.dataset} {args.split}: {1000 * seconds / len(video):.1f} ms a clip")
    print("| camera | clips | log zoom | dx | dy | spec (log zoom, dx, dy) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for k, name in enumerate(moves):
        rows = change[camera == k]
        cells = " | ".join(f"{m:+.3f} ± {s:.3f}" for m, s in zip(rows.mean(0), rows.std(0)))
        print(f"| {name} | {len(rows)} | {cells} | {SPEC_MOVES[name]} |")
    centres = np.array([SPEC_MOVES[name] for name in moves])
    right = np.argmin(((change[:, None] - centres[None]) ** 2).sum(-1), axis=1) == camera
    per_weather = ", ".join(f"{w} {right[weather == i].mean():.3f}" for i, w in enumerate(spec.ATTRIBUTES["weather"]))
    print(f"nearest spec move right: {right.mean():.3f} ({per_weather})")


if __name__ == "__main__":
    main()
