"""Caption accuracy of a training run's clips against training minutes, as a table and a PNG.

    python benchmarks/accuracy_vs_minutes.py --run-dir runs/s64 -o docs/images/curve.png

Reads the run folder's eval.csv (written by the training's evaluation callback: the share of
held captions whose generated clip the ShapeMeasurer reads right, every few hundred steps).
"""

import argparse

from tf_t2v.eval.training_curve import plot_curve, read_curve

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--run-dir", required=True)
parser.add_argument("-o", "--output", required=True, help="PNG file")
parser.add_argument("--title", default="")
parser.add_argument("--max-step", type=int, default=None, help="leave out evaluations after this step")
args = parser.parse_args()
points = [p for p in read_curve(args.run_dir) if args.max_step is None or p["step"] <= args.max_step]
names = ["shape", "color", "size", "direction", "speed", "all"]
print("| step | minutes | " + " | ".join(names) + " |")
print("| --- | --- |" + " --- |" * len(names))
for p in points:
    print(f"| {p['step']} | {p['minutes']:.1f} | " + " | ".join(f"{p[k]:.3f}" for k in names) + " |")
plot_curve(points, args.output, args.title)
print(f"wrote {args.output}")
