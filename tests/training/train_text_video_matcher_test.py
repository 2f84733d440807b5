import os
import re

import keras
import pytest

from tf_t2v.cli.main import main as cli_main
from tf_t2v.eval.text_video_matcher import TextVideoMatcher
from tf_t2v.training.train_text_video_matcher import TINY_SETTINGS, main, settings_from, train_text_video_matcher

CAPTIONED = "captioned_videos/uniform_4x16x16"


@pytest.fixture(scope="module")
def captioned_dir(tmp_path_factory):
    """captioned_videos built from the builder's dummy_data (train 4, validation 1, test 1), 4x16x16."""
    import tfds_builders.captioned_videos as captioned_videos

    data = str(tmp_path_factory.mktemp("captioned"))
    manual = os.path.join(os.path.dirname(captioned_videos.__file__), "dummy_data")
    assert cli_main(["data", "build", "captioned_videos", "--data-dir", data, "--manual-dir", manual,
                     "--num-frames", "4", "--size", "16"]) == 0
    return data


def test_training_takes_the_steps_and_the_train_vocabulary(captioned_dir):
    matcher = train_text_video_matcher(CAPTIONED, captioned_dir, steps=3, batch_size=4,
                                       settings=settings_from(TINY_SETTINGS), per_epoch=2, verbose=0)
    assert int(matcher.optimizer.iterations) == 3  # an epoch of 2 steps and one of 1
    assert matcher.clip_shape == [4, 16, 16] and matcher.description == f"{CAPTIONED} train, 3 steps"
    assert {"red", "box", "square"} <= set(matcher.tokenizer.vocabulary) and "cyan" not in matcher.tokenizer.vocabulary
    assert matcher.embed_dim == 8 and matcher.tokenizer.sequence_length == 8


def test_main_saves_a_matcher_without_optimizer_and_prints_its_r_precision(scenes_64_dir, tmp_path, capsys):
    output = tmp_path / "matchers" / "matcher.keras"
    main(["--dataset", "scenes/scenes_64", "--data-dir", scenes_64_dir, "--output", str(output), "--steps", "2",
          "--batch-size", "4", *[f"--set={o}" for o in TINY_SETTINGS]])
    printed = capsys.readouterr().out
    assert "trained 2 steps" in printed and f"saved {output}" in printed
    assert re.search(r"test R-precision \d\.\d{4} over 24 candidates \(24 clips, 24 distinct captions; "
                     r"chance 0\.0417\)", printed), printed
    matcher = keras.saving.load_model(str(output), safe_mode=True)
    assert isinstance(matcher, TextVideoMatcher) and getattr(matcher, "optimizer", None) is None
    assert matcher.clip_shape == [16, 64, 64] and matcher.description == "scenes/scenes_64 train, 2 steps"


def test_bad_settings_and_datasets_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--dataset", CAPTIONED, "--output", str(tmp_path / "m.keras"), "--set", "width=8"])
    assert "Unknown config key 'width'; accepted keys: ['channels', 'embed_dim'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="--dataset must be NAME/CONFIG"):
        train_text_video_matcher("captioned_videos", str(tmp_path))
