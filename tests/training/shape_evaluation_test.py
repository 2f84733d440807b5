import csv
import os

import pytest

from callbacks_helpers import CAPTIONS, RenderingModel, fit, read_events
from tf_t2v.training import ShapeEvaluation


def test_shape_evaluation_scores_true_renders_as_right_and_blank_clips_as_wrong(tmp_path):
    folder = str(tmp_path)
    csv_path = os.path.join(folder, "eval.csv")
    good = ShapeEvaluation(CAPTIONS, every_steps=2, csv_path=csv_path, log_dir=folder, batch_size=3)
    history = fit(RenderingModel(height=32, num_frames=8), [good], epochs=2, steps_per_epoch=2)
    assert [row["step"] for row in good.history] == [2, 4]
    assert good.history[-1]["all"] == 1.0 and good.history[-1]["found"] == 1.0
    assert history.history["eval_all"] == [1.0, 1.0]  # epoch logs carry the latest evaluation
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert [r["step"] for r in rows] == ["2", "4"] and float(rows[0]["direction"]) == 1.0
    scalars = {tag for tag, _, plugin, _, _ in read_events(os.path.join(folder, "eval"))}
    assert {"eval/shape", "eval/color", "eval/size", "eval/direction", "eval/speed", "eval/all"} <= scalars

    blank = ShapeEvaluation(CAPTIONS, every_steps=1)
    fit(RenderingModel(blank=True), [blank], epochs=1, steps_per_epoch=1)
    assert blank.history[-1]["all"] == 0.0 and blank.history[-1]["found"] == 0.0


def test_shape_evaluation_resumed_run_keeps_earlier_rows_up_to_its_start(tmp_path):
    csv_path = os.path.join(str(tmp_path), "eval.csv")
    fit(RenderingModel(), [ShapeEvaluation(CAPTIONS[:1], every_steps=1, csv_path=csv_path)],
        epochs=3, steps_per_epoch=2)
    # Resume after epoch 1 (as BackupAndRestore would): steps 3.. are redone.
    fit(RenderingModel(), [ShapeEvaluation(CAPTIONS[:1], every_steps=1, csv_path=csv_path)],
        epochs=2, steps_per_epoch=2, initial_epoch=1)
    with open(csv_path) as f:
        assert [int(r["step"]) for r in csv.DictReader(f)] == [1, 2, 3, 4]


def test_shape_evaluation_rejects_captions_it_cannot_read():
    with pytest.raises(ValueError, match=r"1 of 2 evaluation captions are not moving_shapes captions"):
        ShapeEvaluation([CAPTIONS[0], "a cat on a sofa"])
    with pytest.raises(ValueError, match="at least one caption"):
        ShapeEvaluation([])
