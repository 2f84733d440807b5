import contextlib
import io
import logging
import os
import re

import imageio.v3 as iio
import pytest

from tf_t2v.cli.main import main


SIZES = "train=8,validation=2,test=2,test_unseen=2"


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A small moving_shapes build through the CLI: its folder, stdout, stderr and log records."""
    path = str(tmp_path_factory.mktemp("tfds"))
    out, err, log = io.StringIO(), io.StringIO(), _Records()
    logging.getLogger().addHandler(log)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["data", "build", "moving_shapes", "--config", "single_32", "--data-dir", path,
                         "--sizes", SIZES])
    finally:
        logging.getLogger().removeHandler(log)
    assert code == 0
    return path, out.getvalue(), err.getvalue(), log.records


@pytest.fixture(scope="module")
def data_dir(built):
    return built[0]


def test_build_says_one_plain_line_and_nothing_that_looks_like_an_error(built, capsys, caplog):
    path, out, err, records = built
    where = os.path.join(path, "moving_shapes", "single_32", "1.0.0")
    assert out == f"Built moving_shapes/single_32 (train 8, validation 2, test 2, test_unseen 2) in {where}.\n"
    assert not re.search(r"WARNING|ERROR|INFO|prepared|deprecated", err), err  # progress bars only
    assert [r.getMessage() for r in records if "tensorflow_datasets" in r.pathname] == []
    # Built again: nothing to do, said so.
    assert main(["data", "build", "moving_shapes", "--config", "single_32", "--data-dir", path, "--sizes", SIZES]) == 0
    assert capsys.readouterr().out == (f"Already built moving_shapes/single_32 (train 8, validation 2, test 2, "
                                       f"test_unseen 2) in {where}; nothing to do.\n")
    # Reading the shrunk build (as preview, train and evaluate do) warns of nothing.
    import tensorflow_datasets as tfds

    with caplog.at_level(logging.INFO):
        tfds.builder("moving_shapes/single_32", data_dir=path)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert main(["data", "preview", "moving_shapes/single_32", "--data-dir", path, "--num", "1",
                     "-o", os.path.join(path, "preview.png")]) == 0
    assert [r.getMessage() for r in caplog.records if "tensorflow_datasets" in r.pathname] == []


def test_tfds_lines_show_with_verbose(tmp_path, capsys, caplog):
    with caplog.at_level(logging.INFO):
        assert main(["-v", "data", "build", "moving_shapes", "--config", "single_32", "--data-dir", str(tmp_path),
                     "--sizes", "train=2,validation=1,test=1,test_unseen=1"]) == 0
    assert "downloaded and prepared" in capsys.readouterr().out
    assert any("tensorflow_datasets" in r.pathname for r in caplog.records)


def test_build_writes_the_requested_split_sizes(data_dir):
    import tensorflow_datasets as tfds

    import tfds_builders.moving_shapes  # noqa: F401

    info = tfds.builder("moving_shapes/single_32", data_dir=data_dir).info
    assert {k: v.num_examples for k, v in info.splits.items()} == {
        "train": 8, "validation": 2, "test": 2, "test_unseen": 2}


@pytest.mark.parametrize("ext", [".mp4", ".gif", ".png"])
def test_preview_writes_a_playable_file(data_dir, tmp_path, ext, capsys):
    out = str(tmp_path / f"preview{ext}")
    assert main(["data", "preview", "moving_shapes/single_32", "--data-dir", data_dir,
                 "--num", "3", "--scale", "2", "-o", out]) == 0
    assert os.path.getsize(out) > 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 3 and printed[0].startswith("0: ")
    if ext != ".png":
        frames = iio.imread(out, index=None)
        assert frames.shape[0] == 16
        assert frames.shape[1] >= 64  # 32 px clips upscaled twice


def test_bad_arguments_give_one_line_errors(data_dir, tmp_path, capsys):
    assert main(["data", "preview", "moving_shapes/single_32", "--data-dir", data_dir,
                 "-o", str(tmp_path / "x.avi")]) == 2
    assert "accepted: .mp4" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "build", "moving_shapes", "--data-dir", data_dir, "--sizes", "train"])
    assert exit_info.value.code == 2
    assert "--sizes" in capsys.readouterr().err
    assert main(["data", "preview", "moving_shapes/single_64", "--data-dir", str(tmp_path / "none"),
                 "-o", str(tmp_path / "x.mp4")]) == 2
    assert "tf-t2v data build moving_shapes" in capsys.readouterr().err
    assert main(["data", "build", "captioned_videos", "--data-dir", str(tmp_path)]) == 2
    assert "--manual-dir" in capsys.readouterr().err
    assert main(["data", "preview", "mnist/3.0.1", "--data-dir", data_dir, "-o", str(tmp_path / "x.png")]) == 2
    assert capsys.readouterr().err == (
        "tf-t2v data: error: Unknown dataset 'mnist/3.0.1'; accepted: moving_shapes/CONFIG or "
        "captioned_videos/CONFIG or scenes/CONFIG or moving_digits/CONFIG, e.g. moving_shapes/single_64.\n")
    assert main(["data", "preview", "moving_shapes/single_16", "--data-dir", data_dir, "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "'moving_shapes/single_16' is not built in" in err and "(presets of moving_shapes: " in err
    assert err.count("\n") == 1


def test_captioned_videos_build_prints_what_it_skipped(tmp_path, capsys):
    from tfds_builders.captioned_videos.make_dummy_data import moving_square, write_clip

    manual = tmp_path / "manual"
    write_clip(manual / "videos" / "good.gif", moving_square(4, 9, 15))  # odd, landscape
    (manual / "videos" / "empty.mp4").write_bytes(b"")
    (manual / "videos" / "notes.mp4").write_text("not a video\n")
    (manual / "captions.csv").write_text(
        'video,caption,split\ngood.gif,"a red square, moving",train\ngood.gif,"a red square, moving",train\n'
        "empty.mp4,zero bytes,train\nnotes.mp4,a text file,train\ngone.mp4,missing,train\ngood.gif, ,train\n"
        "../../manual/videos/good.gif,outside the folder,train\n"
    )
    data = str(tmp_path / "data")
    assert main(["data", "build", "captioned_videos", "--manual-dir", str(manual), "--data-dir", data,
                 "--num-frames", "2", "--size", "8"]) == 0
    where = f"{data}/captioned_videos/uniform_2x8x8/1.0.0"
    assert capsys.readouterr().out.splitlines() == [
        f"Built captioned_videos/uniform_2x8x8 (train 1) in {where}.",
        "Skipped 6 row(s) (1 empty_caption, 1 duplicate_row, 1 outside_folder, 1 missing_video, 1 empty_file, "
        f"1 not_a_video); each is named in {where}/skipped.json.",
    ]
    allowed = str(tmp_path / "allowed")
    assert main(["data", "build", "captioned_videos", "--manual-dir", str(manual), "--data-dir", allowed,
                 "--num-frames", "2", "--size", "8", "--allow-outside-paths"]) == 0
    assert f"Built captioned_videos/uniform_2x8x8 (train 2) in {allowed}" in capsys.readouterr().out
    assert main(["data", "build", "moving_shapes", "--data-dir", allowed, "--allow-outside-paths"]) == 2
    assert "moving_shapes takes --config and --sizes only" in capsys.readouterr().err


def test_captioned_videos_of_only_bad_rows_is_one_line_error(tmp_path, capsys):
    manual = tmp_path / "manual"
    (manual / "videos").mkdir(parents=True)
    (manual / "videos" / "empty.mp4").write_bytes(b"")
    (manual / "captions.jsonl").write_text('{"video": "empty.mp4", "caption": "zero bytes"}\n')
    assert main(["data", "build", "captioned_videos", "--manual-dir", str(manual),
                 "--data-dir", str(tmp_path / "data"), "--num-frames", "2", "--size", "8"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tf-t2v data: error: No usable (video, caption) rows in ") and "\n" not in err
    assert main(["data", "build", "captioned_videos", "--manual-dir", str(tmp_path / "nowhere"),
                 "--data-dir", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tf-t2v data: error: --manual-dir ") and err.endswith("is not a folder.")


@pytest.fixture(scope="module")
def scenes_dir(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("scenes"))
    code = main(["data", "build", "scenes", "--config", "scenes_32", "--data-dir", path,
                 "--sizes", "train=6,validation=2,test=2,test_unseen=2"])
    assert code == 0
    return path


def test_scenes_build_and_preview(scenes_dir, tmp_path, capsys):
    import tensorflow_datasets as tfds

    import tfds_builders.scenes  # noqa: F401

    info = tfds.builder("scenes/scenes_32", data_dir=scenes_dir).info
    assert {k: v.num_examples for k, v in info.splits.items()} == {
        "train": 6, "validation": 2, "test": 2, "test_unseen": 2}
    capsys.readouterr()
    out = str(tmp_path / "scenes.png")
    assert main(["data", "preview", "scenes/scenes_32", "--data-dir", scenes_dir, "--num", "4", "-o", out]) == 0
    assert os.path.getsize(out) > 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 4 and printed[0].startswith("0: ")
    assert main(["data", "build", "scenes", "--data-dir", str(tmp_path / "x"), "--num-frames", "4"]) == 2
    assert "scenes takes --config and --sizes only" in capsys.readouterr().err


def test_moving_digits_build_and_preview(tmp_path, capsys):
    import tensorflow_datasets as tfds

    import tfds_builders.moving_digits  # noqa: F401
    from tfds_builders.moving_digits import spec

    data_dir = str(tmp_path / "digits")
    assert main(["data", "build", "moving_digits", "--config", "double_64", "--data-dir", data_dir,
                 "--sizes", "train=4,validation=1,test=1,test_unseen=1"]) == 0
    info = tfds.builder("moving_digits/double_64", data_dir=data_dir).info
    assert {k: v.num_examples for k, v in info.splits.items()} == {
        "train": 4, "validation": 1, "test": 1, "test_unseen": 1}
    capsys.readouterr()
    out = str(tmp_path / "digits.gif")
    assert main(["data", "preview", "moving_digits/double_64", "--data-dir", data_dir, "--num", "3",
                 "--scale", "1", "-o", out]) == 0
    assert iio.imread(out, index=None).shape[:3] == (16, 64, 3 * 64)
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 3 and all(len(spec.parse_caption(line)) == 2 for line in printed)
    assert main(["data", "build", "moving_digits", "--data-dir", str(tmp_path / "x"), "--fps", "4"]) == 2
    assert "moving_digits takes --config and --sizes only" in capsys.readouterr().err


def test_scenes_build_on_beam_is_the_default_build(scenes_dir, tmp_path):
    pytest.importorskip("apache_beam")
    beam_dir = str(tmp_path / "beam")
    assert main(["data", "build", "scenes", "--config", "scenes_32", "--data-dir", beam_dir,
                 "--sizes", "train=6,validation=2,test=2,test_unseen=2",
                 "--beam-options", "--direct_num_workers 1"]) == 0  # no --runner: in this process
    default, on_beam = (os.path.join(d, "scenes", "scenes_32", "1.0.0") for d in (scenes_dir, beam_dir))
    assert sorted(os.listdir(on_beam)) == sorted(os.listdir(default))
    for name in os.listdir(default):
        with open(os.path.join(default, name), "rb") as a, open(os.path.join(on_beam, name), "rb") as b:
            assert a.read() == b.read(), name


def test_beam_is_refused_with_a_sentence(tmp_path, capsys, monkeypatch):
    assert main(["data", "build", "moving_shapes", "--data-dir", str(tmp_path), "--beam"]) == 2
    assert "--beam is for captioned_videos, scenes, moving_digits; moving_shapes builds" in capsys.readouterr().err
    monkeypatch.setitem(__import__("sys").modules, "apache_beam", None)  # as if not installed
    assert main(["data", "build", "scenes", "--data-dir", str(tmp_path), "--beam"]) == 2
    err = capsys.readouterr().err
    assert "needs Apache Beam, which is not installed: pip install 'tf-t2v[beam]'" in err and err.count("\n") == 1


def test_build_takes_dataset_slash_config(tmp_path, capsys):
    data_dir = str(tmp_path / "data")
    assert main(["data", "build", "moving_digits/single_64", "--data-dir", data_dir,
                 "--sizes", "train=2,validation=2,test=2,test_unseen=2"]) == 0
    assert "Built moving_digits/single_64 (train 2" in capsys.readouterr().out
    assert main(["data", "build", "mnist/single_64", "--data-dir", data_dir]) == 2
    err = capsys.readouterr().err
    assert "Unknown dataset 'mnist/single_64'; accepted: moving_shapes" in err and "Traceback" not in err
    assert main(["data", "build", "moving_digits/single_64", "--config", "double_64", "--data-dir", data_dir]) == 2
    assert "name two configs" in capsys.readouterr().err


def test_write_clips_makes_a_folder_that_builds_back_into_the_same_captioned_clips(data_dir, tmp_path, capsys):
    import csv

    import numpy as np

    from tf_t2v.data.pipeline import load_examples

    out = str(tmp_path / "my_clips")
    assert main(["data", "write-clips", "moving_shapes/single_32", "--data-dir", data_dir, "--out", out,
                 "--splits", "train=3,test=2"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"Wrote 5 clips and captions.csv to {out}.")
    with open(os.path.join(out, "captions.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["video"], r["split"]) for r in rows] == [
        ("train_00000.mp4", "train"), ("train_00001.mp4", "train"), ("train_00002.mp4", "train"),
        ("test_00000.mp4", "test"), ("test_00001.mp4", "test")]
    real = load_examples("moving_shapes/single_32", "train", 3, data_dir=data_dir)
    assert [r["caption"] for r in rows[:3]] == [ex["caption"] for ex in real]
    built = str(tmp_path / "built")
    assert main(["data", "build", "captioned_videos", "--manual-dir", out, "--data-dir", built,
                 "--num-frames", "16", "--size", "32"]) == 0
    back = load_examples("captioned_videos/uniform_16x32x32", "train", 3, data_dir=built)
    assert sorted(ex["caption"] for ex in back) == sorted(ex["caption"] for ex in real)
    # The same clips through H.264 and back: close, not bit-equal.
    by_caption = {ex["caption"]: ex["video"] for ex in back}
    for ex in real:
        error = np.abs(by_caption[ex["caption"]].astype(float) - ex["video"].astype(float)).mean()
        assert error < 12, error


def test_write_clips_refuses_a_split_the_dataset_lacks(data_dir, tmp_path, capsys):
    assert main(["data", "write-clips", "moving_shapes/single_32", "--data-dir", data_dir, "--out",
                 str(tmp_path / "x"), "--splits", "dev=2"]) == 2
    assert "moving_shapes/single_32 has no split 'dev'; accepted: ['test', 'test_unseen', 'train', 'validation']." in \
        capsys.readouterr().err
