"""captioned_videos builder: the TFDS checks, and builds from messy manual dirs."""

import json

import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfds_builders.captioned_videos import Builder, CaptionedVideosConfig
from tfds_builders.captioned_videos import captioned_videos_dataset_builder as cvb
from tfds_builders.captioned_videos import make_dummy_data
from tfds_builders.captioned_videos.make_dummy_data import moving_square, write_clip

TINY = CaptionedVideosConfig(num_frames=4, size=(8, 8))
QUOTED = 'A dog, running\nthen "jumping"'


class CaptionedVideosTest(tfds.testing.DatasetBuilderTestCase):
    """The standard TFDS checks on dummy_data/ (made by make_dummy_data.py), for every preset."""

    DATASET_CLASS = Builder
    SPLITS = make_dummy_data.SPLIT_SIZES
    SKIP_CHECKSUMS = True


def _build(data_dir, manual_dir, **kwargs):
    builder = Builder(data_dir=data_dir, **kwargs)
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
    return builder


def _examples(builder):
    """{split: sorted [(video_id, caption)]}, and {video_id: frames} of every split."""
    kept, frames = {}, {}
    for split in builder.info.splits:
        rows = list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))
        kept[split] = sorted((ex["video_id"].decode(), ex["caption"].decode()) for ex in rows)
        frames.update((ex["video_id"].decode(), ex["video"]) for ex in rows)
    return kept, frames


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """A build from a manual dir holding good clips and one of each kind of bad input."""
    manual = tmp_path_factory.mktemp("manual")
    videos = manual / "videos"
    write_clip(videos / "good_a.mp4", moving_square(6))
    write_clip(videos / "good_b.avi", moving_square(6, color=(0, 255, 0)))
    write_clip(videos / "good_c.gif", moving_square(6, color=(0, 0, 255)))
    write_clip(videos / "sub" / "portrait.webm", moving_square(6, 15, 9))  # odd, portrait
    write_clip(videos / "one_frame.mp4", moving_square(1))
    write_clip(videos / "whole.mp4", moving_square(24, 32, 32))
    data = (videos / "whole.mp4").read_bytes()
    (videos / "corrupt.mp4").write_bytes(data[: len(data) // 2])
    (videos / "empty.mp4").write_bytes(b"")
    (videos / "notes.mp4").write_text("this is a text file, not a video\n")
    (manual / "captions.csv").write_text(
        "video,caption,split\n"                                   # line 1
        f'good_a.mp4,"{QUOTED.replace(chr(34), chr(34) * 2)}",train\n'  # lines 2-3
        "good_a.mp4,A second caption,train\n"                     # 4
        "good_b.avi,A green square,test\n"                        # 5
        "good_c.gif,A blue square,train\n"                        # 6
        "good_c.gif,  A blue square ,train\n"                     # 7 duplicate of 6
        "good_c.gif,   ,train\n"                                  # 8 empty caption
        "sub/portrait.webm,A tall clip,val\n"                     # 9 val -> validation
        "corrupt.mp4,A truncated file,extra\n"                    # 10
        "empty.mp4,A zero-byte file,extra\n"                      # 11
        "notes.mp4,A text file,extra\n"                           # 12
        "one_frame.mp4,A single frame,extra\n"                    # 13
        "one_frame.mp4,The same single frame,extra\n"             # 14
        "gone.mp4,A missing video,train\n"                        # 15
        "good_a.mp4,An unquoted, comma,train\n"                   # 16 four fields
        "good_b,No extension given,test\n"                        # 17 finds good_b.avi
        "good_b.avi,A bad split name,my-split\n"                  # 18
        "good_c.gif,The blue square again,test\n"                 # 19 a second split
    )
    builder = _build(tmp_path_factory.mktemp("data"), manual, config=TINY)
    return builder, manual


def test_messy_build_keeps_exactly_the_good_rows(messy):
    builder, _ = messy
    kept, frames = _examples(builder)
    assert kept == {
        "train": [("good_a.mp4", QUOTED), ("good_a.mp4", "A second caption"),
                  ("good_c.gif", "A blue square")],
        "validation": [("sub/portrait.webm", "A tall clip")],
        "test": [("good_b", "No extension given"), ("good_b.avi", "A green square"),
                 ("good_c.gif", "The blue square again")],
    }
    # The split whose every video is bad is not produced.
    assert set(builder.info.splits) == {"train", "validation", "test"}
    for video in frames.values():
        assert video.shape == (4, 8, 8, 3) and video.dtype == np.uint8


def test_messy_build_reports_every_skip_with_its_reason(messy):
    builder, _ = messy
    summary = builder.load_skipped()
    assert json.loads((builder.data_path / cvb.SKIPPED_FILE).read_text()) == summary
    named = {
        reason: sorted((item["video"], tuple(item["lines"])) for item in items)
        for reason, items in summary["skipped"].items()
    }
    assert named == {
        cvb.BAD_ROW: [("good_a.mp4", (16,)), ("good_b.avi", (18,))],
        cvb.EMPTY_CAPTION: [("good_c.gif", (8,))],
        cvb.DUPLICATE_ROW: [("good_c.gif", (7,))],
        cvb.MISSING_VIDEO: [("gone.mp4", (15,))],
        cvb.CORRUPT: [("corrupt.mp4", (10,))],
        cvb.EMPTY_FILE: [("empty.mp4", (11,))],
        cvb.NOT_A_VIDEO: [("notes.mp4", (12,))],
        cvb.TOO_SHORT: [("one_frame.mp4", (13, 14))],
    }
    assert summary["skipped_counts"] == {
        cvb.BAD_ROW: 2, cvb.EMPTY_CAPTION: 1, cvb.DUPLICATE_ROW: 1, cvb.MISSING_VIDEO: 1,
        cvb.CORRUPT: 1, cvb.EMPTY_FILE: 1, cvb.NOT_A_VIDEO: 1, cvb.TOO_SHORT: 2,
    }
    too_short = summary["skipped"][cvb.TOO_SHORT][0]["detail"]
    assert "only 1 frame(s)" in too_short and "4 were asked for" in too_short
    assert "4 fields for the 3 columns" in summary["skipped"][cvb.BAD_ROW][0]["detail"]
    assert "'my-split' is not a valid split name" in summary["skipped"][cvb.BAD_ROW][1]["detail"]
    assert summary["empty_splits"] == ["extra"]
    assert summary["examples"] == {"train": 3, "validation": 1, "test": 3}
    assert summary["videos_in_several_splits"] == ["good_c.gif"]
    assert summary["rows"] == 17 and summary["captions_file"] == "captions.csv"


def test_messy_build_logs_a_summary(messy, tmp_path, caplog):
    from absl import logging as absl_logging

    _, manual = messy
    verbosity = absl_logging.get_verbosity()
    absl_logging.set_verbosity(absl_logging.INFO)  # Other tests may have lowered it.
    try:
        with caplog.at_level("INFO"):
            _build(tmp_path, manual, num_frames=2, size=4)
    finally:
        absl_logging.set_verbosity(verbosity)
    text = caplog.text
    assert "skipped" in text and "corrupt: 1 row(s) (corrupt.mp4)" in text
    assert "missing_video: 1 row(s) (gone.mp4)" in text and "examples kept: 3 train" in text


def test_a_beam_build_is_the_default_build_bit_for_bit(messy, tmp_path, monkeypatch):
    beam = pytest.importorskip("apache_beam")
    from apache_beam.metrics.metric import MetricsFilter

    _, manual = messy
    # A split whose first video decodes: the bad videos after it are found by the Beam workers.
    clips = tmp_path / "manual"
    (clips / "videos").mkdir(parents=True)
    for name in ("good_a.mp4", "corrupt.mp4", "good_b.avi", "empty.mp4", "one_frame.mp4"):
        (clips / "videos" / name).write_bytes((manual / "videos" / name).read_bytes())
    rows = ["good_a.mp4,A red square", "corrupt.mp4,A truncated file", "good_b.avi,A green square",
            "empty.mp4,A zero-byte file", "one_frame.mp4,A single frame", "one_frame.mp4,Again",
            "good_a.mp4,Red again", "gone.mp4,A missing video"]
    (clips / "captions.csv").write_text("video,caption,split\n" + "".join(f"{row},train\n" for row in rows))
    default = _build(tmp_path / "default", clips, config=TINY)
    counters = {}

    def record_counters(builder, pipeline_result):
        query = pipeline_result.metrics().query(MetricsFilter().with_namespace("captioned_videos"))
        counters.update((c.key.metric.name, c.committed) for c in query["counters"])

    monkeypatch.setattr(Builder, "_process_pipeline_result", record_counters)
    on_beam = Builder(data_dir=tmp_path / "beam", config=TINY)
    # The in-process runner that Beam's DirectRunner uses for batch pipelines (the DirectRunner
    # itself first tries to download its Prism engine).
    options = beam.options.pipeline_options.PipelineOptions(["--runner=FnApiRunner"])
    on_beam.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=clips, beam_options=options))
    files = sorted(p.name for p in default.data_path.iterdir())
    assert sorted(p.name for p in on_beam.data_path.iterdir()) == files  # no part files left
    for name in files:  # the records, skipped.json, dataset_info.json and features.json
        assert (on_beam.data_path / name).read_bytes() == (default.data_path / name).read_bytes(), name
    summary = on_beam.load_skipped()
    assert summary["skipped_counts"] == {cvb.MISSING_VIDEO: 1, cvb.CORRUPT: 1, cvb.EMPTY_FILE: 1, cvb.TOO_SHORT: 2}
    assert summary["examples"] == {"train": 3}
    assert counters == {"examples": 3, "skipped_corrupt": 1, "skipped_empty_file": 1, "skipped_too_short": 2}


def test_jsonl_captions_and_hash_split(tmp_path):
    manual = tmp_path / "manual"
    names = [f"clip_{i}" for i in range(8)]
    for name in names:
        write_clip(manual / f"{name}.gif", moving_square(4, 8, 8))
    lines = [json.dumps({"video": f"{n}.gif", "caption": f"caption of {n} \u00e9\u00e8"}) for n in names]
    lines += ['{"video": "clip_0.gif", "caption": "a second caption", "split": null}',
              "not json at all", '["a", "list"]', '{"video": "clip_1.gif", "caption": 7}', ""]
    (manual / "captions.jsonl").write_text("\n".join(lines), encoding="utf-8")
    ratios = (0.5, 0.5, 0.0)
    builder = _build(tmp_path / "data", manual, num_frames=4, size=(8, 8), split_ratios=ratios)
    kept, _ = _examples(builder)
    expected = {}
    for n in names:
        expected.setdefault(cvb.hash_split(f"{n}.gif", ratios), []).append((f"{n}.gif", f"caption of {n} \u00e9\u00e8"))
    expected[cvb.hash_split("clip_0.gif", ratios)].append(("clip_0.gif", "a second caption"))
    assert kept == {split: sorted(rows) for split, rows in expected.items()}
    assert "test" not in builder.info.splits  # a zero ratio makes no split
    assert builder.builder_config.name == "uniform_4x8x8_split50-50-0"
    summary = builder.load_skipped()
    assert summary["skipped_counts"] == {cvb.BAD_ROW: 3}
    assert [item["lines"] for item in summary["skipped"][cvb.BAD_ROW]] == [[10], [11], [12]]


def test_paths_outside_the_videos_folder_are_skipped_unless_allowed(tmp_path):
    manual = tmp_path / "manual"
    write_clip(manual / "videos" / "inside.gif", moving_square(4, 8, 8))
    write_clip(manual / "videos" / "sub" / "deeper.gif", moving_square(4, 8, 8))
    write_clip(manual / "secret.gif", moving_square(4, 8, 8))  # beside videos/, not in it
    outside = tmp_path / "elsewhere.gif"
    write_clip(outside, moving_square(4, 8, 8))
    (manual / "captions.csv").write_text(
        "video,caption,split\n"
        "inside.gif,kept,train\n"                        # 2
        "sub/../sub/deeper.gif,kept too,train\n"         # 3: .. that stays inside
        "../secret.gif,climbs out,train\n"               # 4
        f"{outside},an absolute path,train\n"            # 5
        "sub/../../../elsewhere.gif,climbs further,train\n"  # 6
    )
    builder = _build(tmp_path / "data", manual, config=TINY)
    kept, _ = _examples(builder)
    assert kept == {"train": [("inside.gif", "kept"), ("sub/../sub/deeper.gif", "kept too")]}
    summary = builder.load_skipped()
    assert summary["skipped_counts"] == {cvb.OUTSIDE_FOLDER: 3}
    assert [item["lines"] for item in summary["skipped"][cvb.OUTSIDE_FOLDER]] == [[4], [5], [6]]
    assert "--allow-outside-paths" in summary["skipped"][cvb.OUTSIDE_FOLDER][0]["detail"]

    allowed = _build(tmp_path / "allowed", manual, config=TINY, allow_outside_paths=True)
    assert len(_examples(allowed)[0]["train"]) == 5
    assert allowed.load_skipped()["skipped_counts"] == {}


def test_hash_split_is_deterministic_and_follows_the_ratios():
    # Fixed answers: a change of hash (or Python's salted hash()) would move videos between splits.
    assert [cvb.hash_split(f"video_{i}.mp4", (0.4, 0.3, 0.3)) for i in range(8)] == [
        "train", "train", "train", "test", "test", "validation", "validation", "test"]
    assert cvb.hash_split("clip_0001.mp4") == "train"
    assert cvb.hash_split("a", (0.0, 0.0, 1.0)) == "test"
    assert cvb.hash_split("a", (0.0, 1.0, 0.0)) == "validation"
    splits = [cvb.hash_split(f"video_{i}.mp4") for i in range(4000)]
    share = {s: splits.count(s) / len(splits) for s in cvb.SPLITS}
    assert abs(share["train"] - 0.9) < 0.02 and abs(share["test"] - 0.05) < 0.015


def test_dummy_data_matches_its_generator(tmp_path):
    make_dummy_data.make_dummy_data(tmp_path)
    committed = make_dummy_data.DUMMY_DATA
    assert (tmp_path / "captions.csv").read_text() == (committed / "captions.csv").read_text()
    assert sorted(p.name for p in (tmp_path / "videos").iterdir()) == sorted(
        p.name for p in (committed / "videos").iterdir())


def test_csv_encodings_and_header(tmp_path):
    path = tmp_path / "captions.csv"
    path.write_bytes("video,caption\nok.mp4,caf\u00e9 ok\n".encode("utf-8")
                     + "bad.mp4,caf\u00e9 cr\u00e8me\n".encode("cp1252"))
    report = cvb.SkipReport()
    rows = cvb.read_captions(path, report)
    assert [(r.video, r.caption, r.line) for r in rows] == [
        ("ok.mp4", "caf\u00e9 ok", 2), ("bad.mp4", "caf\u00e9 cr\u00e8me", 3)]
    assert report["recoded_lines"] == [3]
    path.write_bytes("\ufeffVideo , Caption\r\nclip.mp4,\"two\r\nlines\"\r\n".encode("utf-8"))
    assert [(r.video, r.caption) for r in cvb.read_captions(path)] == [("clip.mp4", "two\r\nlines")]
    path.write_bytes("video,caption\nclip.mp4,utf sixteen\n".encode("utf-16"))
    assert [r.caption for r in cvb.read_captions(path)] == ["utf sixteen"]
    path.write_text("file,text\nclip.mp4,no header\n")
    with pytest.raises(ValueError, match="header naming the columns video and caption"):
        cvb.read_captions(path)


def test_configs_and_kwargs(tmp_path):
    assert [c.name for c in Builder.BUILDER_CONFIGS] == ["uniform_16x64x64", "fps8_16x64x64"]
    assert Builder(data_dir=tmp_path, num_frames=16).builder_config is Builder.BUILDER_CONFIGS[0]
    assert Builder(data_dir=tmp_path, fps=8).builder_config is Builder.BUILDER_CONFIGS[1]
    config = Builder(data_dir=tmp_path, num_frames=8, size=(32, 48), fps=4).builder_config
    assert (config.name, config.num_frames, config.size, config.sampling, config.fps) == (
        "fps4_8x32x48", 8, (32, 48), "fps", 4)
    config = Builder(data_dir=tmp_path, config="fps8_16x64x64", sampling="uniform").builder_config
    assert config is Builder.BUILDER_CONFIGS[0]
    info = Builder(data_dir=tmp_path, config=TINY).info
    assert info.features["video"].shape == (4, 8, 8, 3)
    assert info.supervised_keys == ("caption", "video")
    with pytest.raises(ValueError, match="sampling='fps' needs fps > 0"):
        CaptionedVideosConfig(sampling="fps")
    with pytest.raises(ValueError, match="split_ratios"):
        CaptionedVideosConfig(split_ratios=(0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match="Unknown config"):
        Builder(data_dir=tmp_path, config="nope", num_frames=4)


def test_manual_dir_needs_one_captions_file(tmp_path):
    (tmp_path / "manual" / "videos").mkdir(parents=True)
    write_clip(tmp_path / "manual" / "videos" / "a.gif", moving_square(4, 8, 8))
    with pytest.raises(ValueError, match="must hold exactly one of captions.csv, captions.jsonl"):
        _build(tmp_path / "data", tmp_path / "manual", config=TINY)


def test_jsonl_encodings_and_empty_captions_files(tmp_path):
    path = tmp_path / "captions.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"video": "a.mp4", "caption": "caf\xc3\xa9"}\n'
                     + '{"video": "b.mp4", "caption": "cr\u00e8me, \\"quoted\\"\\nand two lines"}\n'.encode("cp1252"))
    report = cvb.SkipReport()
    rows = cvb.read_captions(path, report)
    assert [(r.video, r.caption) for r in rows] == [
        ("a.mp4", "caf\u00e9"), ("b.mp4", 'cr\u00e8me, "quoted"\nand two lines')]
    assert report["recoded_lines"] == [2]
    path.write_bytes(b"")
    assert cvb.read_captions(path) == []
    empty_csv = tmp_path / "captions.csv"
    empty_csv.write_bytes(b"")
    with pytest.raises(ValueError, match=r"must start with a header naming the columns video and caption .*got \[\]"):
        cvb.read_captions(empty_csv)
