"""`ShapeEvaluation`: how often generated moving_shapes clips show what their captions say."""

import csv
import io
import logging
import os
import time

import keras
import numpy as np
import tensorflow as tf

from tf_t2v.eval import ShapeMeasurer, parse_caption
from tf_t2v.eval.shape_measurer import ATTRIBUTE_NAMES
from tf_t2v.io.files import write_text_atomically
from tf_t2v.training.video_tensor_board import global_step, write_scalar

# "minutes": wall-clock minutes of training so far (over all runs of a resumed folder).
COLUMNS = ("step", "epoch", "minutes") + ATTRIBUTE_NAMES + ("all", "found")


class ShapeEvaluation(keras.callbacks.Callback):
    """Every N steps, generates clips for held captions and measures them with `ShapeMeasurer`.

    The labels come from the captions themselves (`parse_caption`), so any moving_shapes split
    serves, test_unseen included. Each evaluation gives the accuracy per attribute (shape,
    color, size, direction, speed), "all" (clips with every attribute right) and "found"; they
    are added to the step's logs and the epoch's logs as `eval_<name>` (so the progress bar and
    History show them), written as TensorBoard scalars `eval/<name>` under `<log_dir>/eval`, and
    appended to a CSV file with the step and epoch. `history` holds every row of this run.

    Args:
        captions: list of str. moving_shapes captions; each must parse.
        every_steps: int. Steps between evaluations.
        csv_path: str or None. CSV file; rows of an earlier run up to the resumed step are kept.
        log_dir: str or None. TensorBoard folder.
        seed: int. Noise seed of the generated clips.
        batch_size: int. Captions per `model.generate` call.
        truncation: float. Passed to `model.generate`.

    Example:
    ```python
    from tf_t2v.training import ShapeEvaluation

    captions = ["a large red circle moves slowly to the right", "a small blue square moves quickly up"]
    callback = ShapeEvaluation(captions, every_steps=100, csv_path="runs/demo/eval.csv")
    # model.fit(dataset, epochs=2, steps_per_epoch=100, callbacks=[callback])
    # callback.history[-1] -> {"step": 200, "epoch": 2, "shape": 0.5, ..., "all": 0.0, "found": 1.0}
    ```
    """

    def __init__(self, captions, every_steps=500, csv_path=None, log_dir=None, seed=0, batch_size=32,
                 truncation=1.0):
        super().__init__()
        self.captions = [c.decode("utf-8") if isinstance(c, bytes) else str(c) for c in captions]
        if not self.captions:
            raise ValueError("ShapeEvaluation needs at least one caption.")
        labels = [parse_caption(c) for c in self.captions]
        unread = [c for c, label in zip(self.captions, labels) if label is None]
        if unread:
            raise ValueError(
                f"{len(unread)} of {len(self.captions)} evaluation captions are not moving_shapes "
                f"captions (first: {unread[0]!r}); ShapeEvaluation scores moving_shapes only."
            )
        counts = {1 if isinstance(label["shape"], int) else len(label["shape"]) for label in labels}
        if len(counts) != 1 or not counts <= {1, 2}:
            raise ValueError(f"Evaluation captions must all name 1 or all name 2 objects; got {sorted(counts)}.")
        self.num_objects = counts.pop()
        self.labels = labels
        if int(every_steps) < 1:
            raise ValueError(f"every_steps must be an int >= 1; got {every_steps!r}.")
        self.every_steps = int(every_steps)
        self.csv_path = None if csv_path is None else os.fspath(csv_path)
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.seed = seed
        self.batch_size = int(batch_size)
        self.truncation = truncation
        self.history = []
        self._rows = None  # the CSV's rows: earlier runs' and this one's
        self._writer = None
        self._epoch = 0
        self._latest = {}

    def evaluate(self):
        """Generates the captions' clips and scores them: dict name -> accuracy."""
        clips = np.concatenate([
            self.model.generate(self.captions[i:i + self.batch_size], seed=self.seed + i,
                                truncation=self.truncation)
            for i in range(0, len(self.captions), self.batch_size)
        ])  # (N, T, H, W, 3) uint8
        measurer = ShapeMeasurer(clips.shape[2], num_objects=self.num_objects)
        return measurer.score(clips, self.labels)

    def _read_csv(self, up_to_step):
        rows = []
        if self.csv_path and tf.io.gfile.exists(self.csv_path):
            with tf.io.gfile.GFile(self.csv_path, "r") as f:
                for row in csv.DictReader(io.StringIO(f.read())):
                    if int(row["step"]) <= up_to_step:
                        rows.append(row)
        return rows

    def _write_csv(self):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self._rows)
        write_text_atomically(self.csv_path, out.getvalue())

    def on_train_begin(self, logs=None):
        self._rows = None
        self._started = time.time()
        self._minutes_before = 0.0  # of the runs before a resume
        if self.log_dir:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "eval"))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        if self._rows is None:  # first epoch of this run, maybe a resumed one
            self._rows = self._read_csv(up_to_step=epoch * self.params["steps"])
            if self._rows and self._rows[-1].get("minutes"):
                self._minutes_before = float(self._rows[-1]["minutes"])

    def on_train_batch_end(self, batch, logs=None):
        step = global_step(self._epoch, batch, self.params["steps"])
        if step % self.every_steps:
            return
        result = self.evaluate()
        minutes = self._minutes_before + (time.time() - self._started) / 60.0
        row = {"step": step, "epoch": self._epoch + 1, "minutes": round(minutes, 3), **result}
        self.history.append(row)
        self._latest = {f"eval_{k}": v for k, v in result.items()}
        if logs is not None:
            logs.update(self._latest)
        logging.info("step %d: %s", step, ", ".join(f"{k} {v:.3f}" for k, v in result.items()))
        if self._writer is not None:
            with self._writer.as_default(step=step):
                for name, value in result.items():
                    write_scalar(f"eval/{name}", value, step)
            self._writer.flush()
        if self.csv_path:
            self._rows.append({k: row[k] for k in COLUMNS})
            self._write_csv()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(self._latest)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
