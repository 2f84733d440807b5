"""Accuracy of a general-family run's checkpoints against training minutes, as a table, CSV and PNG.

    python benchmarks/checkpoint_curve.py --run-dir runs/scenes_64 --data-dir data \
        --num 200 -o docs/images/scenes_64_accuracy_vs_minutes.png
    python benchmarks/checkpoint_curve.py --run-dir runs/digits_64 --data-dir data \
        --num 200 -o docs/images/digits_64_accuracy_vs_minutes.png

Every checkpoints/ckpt-<epoch>.keras of the run is loaded and scored by `tf-t2v evaluate`'s
evaluation of its dataset (scenes: the shipped scenes attribute evaluator; moving_digits: the
digit reader) on the first --num captions of --split. Minutes are wall-clock minutes from the run's start (its first TensorBoard event file)
to when the checkpoint was written, so they include previews and checkpointing.
"""

import argparse
import csv
import glob
import os

import tf_t2v  # noqa: F401 (before TensorFlow: the package's CPU settings)
from tf_t2v.eval import digits_evaluation, scenes_evaluation
from tf_t2v.eval.training_curve import plot_curve
from tf_t2v.training import config as config_lib


def run_start(run_dir):
    files = glob.glob(os.path.join(run_dir, "tensorboard", "train", "events.out.tfevents.*"))
    if not files:
        raise ValueError(f"{run_dir!r} has no TensorBoard train events to date its start.")
    return min(float(os.path.basename(f).split(".")[3]) for f in files)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--num", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--every", type=int, default=1, help="score every Nth checkpoint (and the last)")
    parser.add_argument("--epochs", type=int, nargs="*", default=None, metavar="E",
                        help="score only these checkpoints (epoch numbers)")
    parser.add_argument("-o", "--output", required=True, help="PNG file; the CSV goes beside it")
    args = parser.parse_args()

    cfg = config_lib.load(os.path.join(args.run_dir, "config.yaml"))
    dataset, data_config = cfg.data.name.split("/")
    if dataset == "scenes":
        evaluate, names = scenes_evaluation.evaluate_scenes_model, list(scenes_evaluation.NAMES) + ["all_named"]
    elif dataset == "moving_digits":
        evaluate, names = digits_evaluation.evaluate_digits_model, list(digits_evaluation.NAMES)
    else:
        raise ValueError(f"This curve scores scenes and moving_digits runs; {args.run_dir!r} trained on {cfg.data.name}.")
    start = run_start(args.run_dir)
    checkpoints = sorted(glob.glob(os.path.join(args.run_dir, "checkpoints", "ckpt-*.keras")))
    chosen = checkpoints[args.every - 1 :: args.every]
    if checkpoints and checkpoints[-1] not in chosen:
        chosen.append(checkpoints[-1])
    if args.epochs:
        chosen = [c for c in checkpoints if int(os.path.basename(c)[len("ckpt-"):-len(".keras")]) in args.epochs]
    extra = "defaults_kept" if dataset == "scenes" else "speed"
    points = []
    print("| step | minutes | " + " | ".join(names) + f" | {extra} |")
    print("| --- | --- |" + " --- |" * (len(names) + 1))
    for path in chosen:
        epoch = int(os.path.basename(path)[len("ckpt-"):-len(".keras")])
        model = tf_t2v.load(path)
        result = evaluate(model, data_config, args.split, data_dir=args.data_dir, seeds=range(args.seeds),
                          num=args.num)
        point = {"step": epoch * cfg.train.steps_per_epoch, "minutes": (os.path.getmtime(path) - start) / 60.0,
                 **{n: result["generated"][n] for n in names},
                 extra: (result["defaults_kept"]["generated"]["all"] if dataset == "scenes"
                         else result["motion"]["generated"]["speed"])}
        points.append(point)
        print(f"| {point['step']} | {point['minutes']:.1f} | "
              + " | ".join("n/a" if point[n] is None else f"{point[n]:.3f}" for n in names)
              + f" | {point[extra]:.3f} |", flush=True)
    csv_path = os.path.splitext(args.output)[0] + ".csv"
    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(points[0]))
        writer.writeheader()
        writer.writerows(points)
    plot_curve([{k: (0.0 if v is None else v) for k, v in p.items()} for p in points], args.output,
               f"{cfg.data.name}: {args.split}, {args.num} captions", names=names)
    print(f"wrote {args.output} and {csv_path}")


if __name__ == "__main__":
    main()
