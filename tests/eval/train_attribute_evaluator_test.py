import keras
import numpy as np

from tf_t2v.eval.train_attribute_evaluator import TimeBudget, accuracy, build_evaluator, main, train
from tfds_builders.scenes import spec


def test_scenes_evaluator_settings():
    evaluator = build_evaluator("scenes/scenes_64")
    assert evaluator.attribute_names == spec.ATTRIBUTE_COLUMNS and not evaluator.regress_start
    assert evaluator.frame_differences and evaluator.per_frame_layers == 2
    assert build_evaluator("single_64").regress_start


def test_training_moves_the_weights_and_scores_every_attribute(scenes_64_dir, tmp_path):
    before = build_evaluator("scenes_64")
    before(np.zeros((1, 16, 64, 64, 3), "uint8"))
    evaluator = train("scenes_64", scenes_64_dir, steps=2, batch_size=4)
    assert evaluator.trained_steps == 2
    assert any(w.shape == v.shape and not np.allclose(w, v) for w, v in zip(before.get_weights(), evaluator.get_weights()))
    scores = accuracy(evaluator, "scenes_64", "test", scenes_64_dir)
    assert set(scores) == set(spec.ATTRIBUTE_COLUMNS) | {"all"}


def test_time_budget_decays_the_learning_rate_and_stops():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    budget = TimeBudget(minutes=0.05, learning_rate=1e-2)  # 3 s, of 6.4 s the epoch would take
    x = np.zeros((64, 2), "float32")

    class Slow(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            import time
            time.sleep(0.1)

    model.fit(x, x[:, :1], batch_size=1, epochs=1, verbose=0, callbacks=[budget, Slow()])
    assert 3 <= budget.steps < 64
    assert float(model.optimizer.learning_rate) < 1e-3


def test_main_saves_a_loadable_evaluator(scenes_64_dir, tmp_path, capsys):
    output = tmp_path / "ev.keras"
    main(["--config", "scenes_64", "--data-dir", scenes_64_dir, "--steps", "1", "--output", str(output)])
    printed = capsys.readouterr().out
    assert "trained 1 steps" in printed and "test_unseen {" in printed
    assert keras.saving.load_model(str(output), safe_mode=True).attribute_names == spec.ATTRIBUTE_COLUMNS


def test_training_continues_from_a_saved_evaluator(scenes_64_dir, tmp_path):
    first = tmp_path / "first.keras"
    main(["--config", "scenes_64", "--data-dir", scenes_64_dir, "--steps", "1", "--output", str(first)])
    start = keras.saving.load_model(str(first), safe_mode=True)
    evaluator = train("scenes_64", scenes_64_dir, steps=1, batch_size=4, learning_rate=1e-3, init=str(first))
    assert evaluator.get_config() == start.get_config()
    assert any(not np.allclose(w, v) for w, v in zip(start.get_weights(), evaluator.get_weights()))
