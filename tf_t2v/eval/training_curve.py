"""Caption accuracy against training minutes: read from a run folder, drawn as a PNG."""

import csv
import glob
import os

import cv2
import numpy as np

from tf_t2v.io.files import atomic_output

from tf_t2v.eval.shape_measurer import ATTRIBUTE_NAMES

_COLORS = {  # BGR
    "all": (0, 0, 0), "shape": (180, 119, 31), "color": (14, 127, 255), "size": (44, 160, 44),
    "direction": (40, 39, 214), "speed": (189, 103, 148),
}


def _event_minutes(run_dir):
    """Step -> minutes since the run's first event, from the TensorBoard eval summaries."""
    import tensorflow as tf

    files = sorted(glob.glob(os.path.join(run_dir, "tensorboard", "eval", "events.out.tfevents.*")))
    if not files:
        return {}
    start = float(os.path.basename(files[0]).split(".")[3])  # the writer's creation time
    train = sorted(glob.glob(os.path.join(run_dir, "tensorboard", "train", "events.out.tfevents.*")))
    if train:
        start = min(start, float(os.path.basename(train[0]).split(".")[3]))
    minutes = {}
    for path in files:
        for event in tf.compat.v1.train.summary_iterator(path):
            if any(v.tag == "eval/all" for v in event.summary.value):
                minutes[int(event.step)] = (event.wall_time - start) / 60.0
    return minutes


def read_curve(run_dir):
    """The evaluations of a training run folder, in step order.

    Minutes come from eval.csv's "minutes" column; older runs without it get them from the
    wall times of their TensorBoard eval summaries.

    Returns:
        list of dict: "step", "minutes" and the accuracies ("shape" ... "speed", "all").
    """
    with open(os.path.join(run_dir, "eval.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if rows and not all(r.get("minutes") for r in rows):
        minutes = _event_minutes(run_dir)
        for r in rows:
            r["minutes"] = minutes.get(int(r["step"]), "")
    names = list(ATTRIBUTE_NAMES) + ["all"]
    return [
        {"step": int(r["step"]), "minutes": float(r["minutes"]), **{k: float(r[k]) for k in names}}
        for r in rows if r.get("minutes") != ""
    ]


_MORE_COLORS = [(180, 119, 31), (14, 127, 255), (44, 160, 44), (40, 39, 214), (189, 103, 148),
                (75, 86, 140), (194, 119, 227), (127, 127, 127), (34, 189, 188), (207, 190, 23)]


def plot_curve(points, path, title="", size=(720, 420), names=None):
    """Draws accuracies (0 to 1) against minutes as a PNG: the last name (default "all") bold,
    the others thin.

    Args:
        points: list of dict with "minutes" and a value per name.
        path: str. PNG file.
        title: str.
        size: (width, height) in pixels.
        names: list of str or None. Series to draw (None: the moving_shapes attributes and "all").
    """
    names = list(names) if names is not None else list(ATTRIBUTE_NAMES) + ["all"]
    colors = {n: _COLORS.get(n, _MORE_COLORS[i % len(_MORE_COLORS)]) for i, n in enumerate(names)}
    colors[names[-1]] = (0, 0, 0)
    width, height = size
    left, right, top, bottom = 60, 130, 40, 50
    image = np.full((height, width, 3), 255, np.uint8)
    max_minutes = max([p["minutes"] for p in points] + [1.0])
    x = lambda m: int(left + (width - left - right) * m / max_minutes)  # noqa: E731
    y = lambda a: int(height - bottom - (height - top - bottom) * a)  # noqa: E731
    font = cv2.FONT_HERSHEY_SIMPLEX
    for a in np.linspace(0, 1, 6):
        cv2.line(image, (left, y(a)), (width - right, y(a)), (225, 225, 225), 1)
        cv2.putText(image, f"{a:.1f}", (left - 35, y(a) + 4), font, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    step = max(1, int(np.ceil(max_minutes / 8)))
    for m in range(0, int(max_minutes) + 1, step):
        cv2.line(image, (x(m), height - bottom), (x(m), height - bottom + 4), (0, 0, 0), 1)
        cv2.putText(image, str(m), (x(m) - 5, height - bottom + 18), font, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.rectangle(image, (left, top), (width - right, height - bottom), (0, 0, 0), 1)
    cv2.putText(image, "training minutes", (width // 2 - 70, height - 12), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(image, title, (left, 25), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    for i, name in enumerate(names):
        line = [(x(p["minutes"]), y(p[name])) for p in points]
        bold = name == names[-1]
        thick = 3 if bold else 1
        cv2.polylines(image, [np.array(line, np.int32)], False, colors[name], thick, cv2.LINE_AA)
        for px, py in line:
            cv2.circle(image, (px, py), 3 if bold else 2, colors[name], -1, cv2.LINE_AA)
        ly = top + 15 + 20 * i
        cv2.line(image, (width - right + 10, ly), (width - right + 35, ly), colors[name], thick)
        cv2.putText(image, name, (width - right + 40, ly + 4), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise ValueError(f"Could not encode the plot for {path!r}.")
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(png.tobytes())
