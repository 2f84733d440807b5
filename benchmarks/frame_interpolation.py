"""PSNR of interpolated in-between frames against the true ones, on scenes clips.

Each clip is rendered at three times the frame rate from the specification (phases
s = t / (3 (T - 1)), t = 0..3 (T - 1): 46 frames of the same motion); every third frame is the
T = 16 frame clip, which is interpolated back to 46 frames by `FrameInterpolator` ("flow") and
by plain linear blending ("blend"). PSNR is over the 30 in-between frames of each clip (the
kept frames come back exactly), averaged over clips, overall and by camera and style.

    python benchmarks/frame_interpolation.py --clips 64
"""

import argparse
import collections
import time

import numpy as np

from tf_t2v.synthesis import FrameInterpolator
from tfds_builders.scenes import render
from tfds_builders.scenes import scenes_dataset_builder
from tfds_builders.scenes import spec

FACTOR = 3


def psnr(estimate, truth):
    mse = np.mean((estimate.astype(np.float64) - truth.astype(np.float64)) ** 2)
    return 10.0 * np.log10(255.0 ** 2 / max(mse, 1e-10))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=64, help="clips of the scenes test split (at most 64)")
    parser.add_argument("--config", default="scenes_64", choices=sorted(spec.CONFIGS))
    args = parser.parse_args()
    attrs, scene, _, _ = scenes_dataset_builder.sample_chunk(args.config, "test", 0)
    count = min(args.clips, len(attrs))
    phases = render.phases_of(FACTOR * (spec.NUM_FRAMES - 1) + 1)
    between = np.arange(len(phases)) % FACTOR != 0  # (46,) the frames to estimate
    methods = {"flow": FrameInterpolator("flow"), "blend": FrameInterpolator("blend")}
    scores = {m: [] for m in methods}
    seconds = collections.Counter()
    groups = []
    for i in range(count):
        truth = render.render_clip(attrs[i], render.scene_row(scene, i), spec.CONFIGS[args.config], phases)
        clip = truth[::FACTOR]  # (16, H, W, 3): the specification's frames
        for name, interpolator in methods.items():
            start = time.perf_counter()
            out = interpolator.interpolate(clip, FACTOR)
            seconds[name] += time.perf_counter() - start
            assert np.array_equal(out[::FACTOR], clip)
            scores[name].append(psnr(out[between], truth[between]))
        names = {a: spec.ATTRIBUTES[a][v] for a, v in zip(spec.ATTRIBUTE_COLUMNS, attrs[i])}
        groups.append((names["camera"], names["style"]))
    scores = {m: np.array(v) for m, v in scores.items()}
    print(f"{count} clips of {args.config} (test split), {FACTOR}x: 16 -> 46 frames\n")
    print("| clips | flow PSNR (dB) | blend PSNR (dB) | flow - blend | flow better on | flow s/clip (all clips) |")
    print("|---|---|---|---|---|---|")

    def row(label, keep):
        f, b = scores["flow"][keep], scores["blend"][keep]
        print(f"| {label} ({keep.sum()}) | {f.mean():.2f} | {b.mean():.2f} | {f.mean() - b.mean():+.2f} | "
              f"{(f > b).sum()} of {keep.sum()} | {seconds['flow'] / count:.2f} |")

    row("all", np.ones(count, bool))
    for k, attribute in enumerate(("camera", "style")):
        for value in spec.ATTRIBUTES[attribute]:
            keep = np.array([g[k] == value for g in groups])
            if keep.any():
                row(f"{attribute} {value}", keep)


if __name__ == "__main__":
    main()
