import errno
import os
import re
import signal
import subprocess
import sys
import time
from unittest import mock

import cv2
import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "export"))
import tiny_text_to_video  # noqa: E402

from tf_t2v.cli.generate import default_output, numbered_path, split_storyboard  # noqa: E402
from tf_t2v.cli.main import main  # noqa: E402
from tf_t2v.io.video_io import ffmpeg_exe, read_video  # noqa: E402
from tf_t2v.synthesis import FrameInterpolator, effects  # noqa: E402
from tf_t2v.synthesis.title_card import title_card  # noqa: E402
from tf_t2v.synthesis.transitions import join_clips  # noqa: E402

PROMPT = tiny_text_to_video.PROMPTS[0]


def keras_clips(prompts, seed):
    return tiny_text_to_video.keras_model().generate(prompts, seed=seed)


@pytest.fixture(params=["keras", "saved_model"])
def model_path(request):
    a = tiny_text_to_video.artifacts()
    return a.keras_path if request.param == "keras" else a.export_dir


def test_npy_clips_are_the_python_apis_bit_for_bit(model_path, tmp_path):
    out = str(tmp_path / "clips.npy")
    assert main(["generate", PROMPT, "-o", out, "--model", model_path, "--seed", "41",
                 "--num-videos", "3", "--batch-size", "2"]) == 0
    np.testing.assert_array_equal(np.load(out), keras_clips([PROMPT] * 3, seed=41))


def test_a_new_process_gives_the_same_clips(model_path, tmp_path):
    """The clip of a (model, prompt, seed) is bit-identical in this process and a fresh one, on the CPU."""
    out = str(tmp_path / "clip.npy")
    cmd = [sys.executable, "-m", "tf_t2v.cli.main", "generate", PROMPT, "-o", out, "--seed", "-5",
           "--model", model_path]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "wrote" in result.stdout and "(seed -5)" in result.stdout
    np.testing.assert_array_equal(np.load(out), keras_clips([PROMPT], seed=-5))


def test_mp4_is_h264_yuv420p_and_playable(tmp_path, capsys):
    out = str(tmp_path / "out.mp4")
    assert main(["generate", PROMPT, "-o", out, "--model", tiny_text_to_video.artifacts().export_dir,
                 "--seed", "3", "--scale", "4"]) == 0
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", out], capture_output=True, text=True).stderr
    assert re.search(r"Video: h264 .*yuv420p", probe), probe
    assert "64x64" in probe and "8 fps" in probe
    assert read_video(out).shape == (4, 64, 64, 3)
    assert f"wrote {out} (seed 3)" in capsys.readouterr().out


def test_many_videos_get_numbered_files_and_a_progress_bar(tmp_path, capsys):
    out = str(tmp_path / "clip.gif")
    assert main(["generate", PROMPT, "-o", out, "--model", tiny_text_to_video.artifacts().keras_path,
                 "--seed", "0", "--num-videos", "3", "--batch-size", "2"]) == 0
    assert sorted(os.listdir(tmp_path)) == ["clip_000.gif", "clip_001.gif", "clip_002.gif"]
    captured = capsys.readouterr()
    assert "3/3" in captured.err
    assert "seeds 0..2" in captured.out
    assert read_video(str(tmp_path / "clip_002.gif")).shape == (4, 16, 16, 3)


def test_png_is_one_contact_sheet(tmp_path):
    out = str(tmp_path / "sheet.png")
    assert main(["generate", PROMPT, "-o", out, "--model", tiny_text_to_video.artifacts().export_dir,
                 "--num-videos", "2", "--seed", "9", "--scale", "2"]) == 0
    assert os.listdir(tmp_path) == ["sheet.png"]
    sheet = cv2.imread(out)
    assert sheet is not None and sheet.shape[0] > 2 * 32


def test_storyboard_joins_one_clip_per_sentence_with_cross_fades(model_path, tmp_path):
    story = "a small red circle moves slowly to the left. Then a big blue square moves quickly up!"
    out = str(tmp_path / "story.npy")
    assert main(["generate", "--storyboard", story, "-o", out, "--model", model_path, "--seed", "4",
                 "--crossfade", "2"]) == 0
    clips = keras_clips(split_storyboard(story), seed=4)
    np.testing.assert_array_equal(np.load(out), join_clips(list(clips), "crossfade", 2))
    assert np.load(out).shape == (6, 16, 16, 3)
    video = str(tmp_path / "story.webm")
    assert main(["generate", "--storyboard", story, "-o", video, "--model", model_path, "--seed", "4"]) == 0
    assert read_video(video).shape == (7, 16, 16, 3)  # default cross-fade: a quarter clip, 1 frame


def test_storyboard_helpers():
    assert split_storyboard("one. two!  three?\nfour; ") == ["one", "two", "three", "four"]
    assert split_storyboard(" . ! ") == []
    assert numbered_path("out/clip.mp4", 7, 12) == "out/clip_007.mp4"
    assert numbered_path("clip.mp4", 7, 2000) == "clip_0007.mp4"


def test_fps_interpolates_and_the_effects_apply_in_order(tmp_path):
    model = tiny_text_to_video.artifacts().export_dir
    out = str(tmp_path / "clip.npy")
    assert main(["generate", PROMPT, "-o", out, "--model", model, "--seed", "2", "--fps", "24"]) == 0
    clip = keras_clips([PROMPT], seed=2)[0]  # (4, 16, 16, 3) at 8 fps
    np.testing.assert_array_equal(np.load(out)[0], FrameInterpolator().resample(clip, 8, 24))
    assert np.load(out).shape == (1, 12, 16, 16, 3)  # 3x the frames, the same duration
    np.testing.assert_array_equal(np.load(out)[0, ::3], clip)
    assert main(["generate", PROMPT, "-o", out, "--model", model, "--seed", "2", "--reverse", "--boomerang",
                 "--slow-motion", "2", "--scale", "2", "--scale-filter", "bicubic",
                 "--title", "The end", "--title-seconds", "0.5"]) == 0
    looped = FrameInterpolator().resample(effects.boomerang(clip[::-1]), 8, 8, slow_motion=2)
    expected = np.concatenate([title_card("The end", 4, 32, 32), effects.upscale(looped, 2, "bicubic")])
    np.testing.assert_array_equal(np.load(out)[0], expected)
    video = str(tmp_path / "smooth.mp4")
    assert main(["generate", PROMPT, "-o", video, "--model", model, "--seed", "2", "--fps", "24",
                 "--scale", "4"]) == 0
    assert read_video(video).shape == (12, 64, 64, 3)
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", video], capture_output=True, text=True).stderr
    assert "24 fps" in probe


@pytest.mark.parametrize("transition, frames, count", [
    ("cut", None, 8), ("fade_black", "2", 8), ("wipe", "1", 7), ("slide", "2", 6), ("crossfade", "0", 8),
])
def test_storyboard_transitions(transition, frames, count, tmp_path):
    story = "a red circle moves left. a blue square moves up."
    out = str(tmp_path / "story.npy")
    extra = ["--transition-frames", frames] if frames is not None else []
    assert main(["generate", "--storyboard", story, "-o", out, "--seed", "4", "--transition", transition,
                 *extra, "--model", tiny_text_to_video.artifacts().keras_path]) == 0
    clips = keras_clips(split_storyboard(story), seed=4)
    joined = np.load(out)
    assert joined.shape == (count, 16, 16, 3)
    np.testing.assert_array_equal(joined, join_clips(list(clips), transition, int(frames or 0)))


def test_output_defaults_to_the_prompt_never_over_a_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    model = tiny_text_to_video.artifacts().export_dir
    name = "a_small_red_circle_moves_slowly_to_the_left"
    (tmp_path / f"{name}.mp4").write_text("an earlier clip")
    assert main(["generate", PROMPT, "--model", model, "--seed", "1"]) == 0
    assert f"wrote {name}_1.mp4" in capsys.readouterr().out
    assert (tmp_path / f"{name}.mp4").read_text() == "an earlier clip"
    assert read_video(str(tmp_path / f"{name}_1.mp4")).shape == (4, 16, 16, 3)
    assert default_output("Red, blue & GREEN!", folder="") == "red_blue_green.mp4"
    assert default_output("!!!", folder="") == "clip.mp4"
    assert default_output(PROMPT, count=2, folder="") == f"{name}.mp4"  # no numbered file yet


def test_the_shipped_model_is_the_default(tmp_path):
    out = str(tmp_path / "clip.npy")
    with mock.patch("tf_t2v.loading.default_model_path", return_value=tiny_text_to_video.artifacts().export_dir):
        assert main(["generate", PROMPT, "-o", out, "--seed", "8"]) == 0
    np.testing.assert_array_equal(np.load(out), keras_clips([PROMPT], seed=8))


@pytest.mark.parametrize("args, message", [
    ([PROMPT, "-o", "x.mp4"], "pass --model with a SavedModel folder"),
    ([PROMPT, "-o", "x.avi"], "unknown extension '.avi'; accepted: .mp4, .gif, .webm, .png, .npy"),
    (["  ", "-o", "x.mp4"], "The prompt is empty or blank"),
    ([PROMPT, "--storyboard", "a. b.", "-o", "x.mp4"], "Give either a prompt or --storyboard"),
    (["-o", "x.mp4"], "Give either a prompt or --storyboard"),
    ([PROMPT, "-o", "x.mp4", "--truncation", "-1"], "--truncation must be a finite number >= 0"),
    (["--storyboard", "a. b.", "-o", "x.mp4", "--num-videos", "2"], "a storyboard makes one video"),
    ([PROMPT, "-o", "x.mp4", "--model", "no/such/model"], "No model at 'no/such/model'"),
    (["", "-o", "x.mp4"], "The prompt is empty or blank"),
    ([PROMPT, "-o", "x.mp4", "--num-videos", "0"], "--num-videos must be >= 1; got 0"),
    # Seeds are checked before the model loads (its path is not even looked at).
    ([PROMPT, "-o", "x.mp4", "--seed", str(2**63 - 1), "--num-videos", "2", "--model", "no/such/model"],
     "seed must be an integer from -2**63 to 2**63 - 2, so that the 2 seeds seed..seed+1 fit in int64"),
    ([PROMPT, "-o", "x.mp4", "--seed", str(2**63), "--model", "no/such/model"],
     "seed must be an integer from -2**63 to 2**63 - 1 (int64)"),
    ([PROMPT, "-o", "x.mp4", "--seed", str(-(2**63) - 1), "--model", "no/such/model"],
     "seed must be an integer from -2**63"),
    ([PROMPT, "-o", "blocker/x.mp4"], "Cannot write 'blocker/x.mp4': "),
    ([PROMPT, "-o", "blocker/deeper/x.mp4"], "is a file, not a folder"),
    ([PROMPT, "-o", "folder.mp4"], "Cannot write 'folder.mp4': it is a folder"),
    ([PROMPT, "-o", "x.mp4", "--model", "notes.keras"], "'notes.keras' is not a Keras model file"),
    ([PROMPT, "-o", "x.mp4", "--model", "."], "is a folder without saved_model.pb"),
    ([PROMPT, "-o", "x.mp4", "--fps", "0"], "--fps must be a finite number of frames a second > 0; got 0"),
    ([PROMPT, "-o", "x.mp4", "--fps", "-24"], "--fps must be a finite number of frames a second > 0"),
    ([PROMPT, "-o", "x.mp4", "--slow-motion", "0.5"], "--slow-motion must be a finite factor >= 1"),
    ([PROMPT, "-o", "x.mp4", "--scale-filter", "box"],
     "Unknown --scale-filter 'box'; accepted: lanczos, bicubic, bilinear, nearest"),
    (["--storyboard", "a. b.", "-o", "x.mp4", "--transition", "dissolve"],
     "Unknown --transition 'dissolve'; accepted: cut, crossfade, fade_black, wipe, slide"),
    (["--storyboard", "a. b.", "-o", "x.mp4", "--transition-frames", "-1"], "--transition-frames must be >= 0"),
    (["--storyboard", "a. b.", "-o", "x.mp4", "--transition", "cut", "--transition-frames", "2"],
     "A cut has no duration"),
    (["--storyboard", "a. b.", "-o", "x.mp4", "--crossfade", "2", "--transition", "wipe"],
     "--crossfade FRAMES is --transition crossfade --transition-frames FRAMES"),
    ([PROMPT, "-o", "x.mp4", "--transition", "wipe"], "join the clips of a --storyboard"),
    ([PROMPT, "-o", "x.mp4", "--title", " "], "--title is empty or blank"),
    ([PROMPT, "-o", "x.mp4", "--title", "Hi", "--title-seconds", "0"], "--title-seconds must be a finite number"),
    ([PROMPT, "-o", "x.png", "--reverse", "--title", "Hi"],
     "--title, --reverse apply to videos and .npy; a contact sheet shows the frames as generated"),
])
def test_bad_requests_are_one_clear_line(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "blocker").write_text("a file where a folder should be")
    (tmp_path / "folder.mp4").mkdir()
    (tmp_path / "notes.keras").write_text("a text file, not a model")
    with mock.patch("tf_t2v.loading.default_model_path", return_value=None):
        assert main(["generate", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tf-t2v generate: error: ") and message in err and err.count("\n") == 1
    assert sorted(os.listdir(tmp_path)) == ["blocker", "folder.mp4", "notes.keras"]  # nothing written


def test_a_transition_longer_than_the_clips_is_one_clear_line(tmp_path, capsys):
    out = str(tmp_path / "story.mp4")
    assert main(["generate", "--storyboard", "a red circle. a blue square.", "-o", out, "--transition", "wipe",
                 "--transition-frames", "3", "--model", tiny_text_to_video.artifacts().keras_path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tf-t2v generate: error: A transition must last from 0 to 2 frames") and err.count("\n") == 1
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs a read-only /proc")
def test_an_output_folder_that_takes_no_files_is_one_clear_line(capsys):
    assert main(["generate", PROMPT, "-o", "/proc/clip.mp4", "--model", "unused"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tf-t2v generate: error: Cannot write '/proc/clip.mp4': no new file can be made in '/proc'")


@pytest.mark.parametrize("args", [["--seed", "abc"], ["--num-videos", "two"], ["--fps", "fast"]])
def test_values_of_the_wrong_type_are_argparse_errors(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", PROMPT, "-o", "x.mp4", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"tf-t2v generate: error: argument {args[0]}: invalid" in err and "Traceback" not in err


@pytest.mark.parametrize("prompt, same_as", [
    (PROMPT + " left" * 2000, PROMPT),                          # 10,000 characters: truncated
    ("red \udcff circle", b"red \xff circle"),                   # undecodable bytes, as argv holds them
    ("\U0001f993 \u7ea2 \u043a\u0440\u0443\u0433", "zebra giraffe okapi"),  # emoji, Han, Cyrillic: unknown words
], ids=["10000_characters", "invalid_utf8", "emoji_and_other_scripts"])
def test_unusual_prompts_give_the_python_apis_clip(prompt, same_as, tmp_path):
    out = str(tmp_path / "clip.npy")
    assert main(["generate", prompt, "-o", out, "--seed", "-9", "--model", tiny_text_to_video.artifacts().export_dir]) == 0
    np.testing.assert_array_equal(np.load(out), keras_clips([same_as], seed=-9))


def test_seeds_at_the_int64_limits_and_more_clips_than_the_cap(tmp_path, capsys):
    model = tiny_text_to_video.artifacts().export_dir
    count = tiny_text_to_video.MAX_BATCH_SIZE + 2
    out = str(tmp_path / "many.npy")
    first = 2**63 - count
    assert main(["generate", PROMPT, "-o", out, "--seed", str(first), "--num-videos", str(count),
                 "--batch-size", "64", "--model", model]) == 0
    assert f"seeds {first}..{2**63 - 1}" in capsys.readouterr().out
    clips = np.load(out)
    assert clips.shape == (count, 4, 16, 16, 3)
    np.testing.assert_array_equal(clips[-1:], keras_clips([PROMPT], seed=2**63 - 1))
    out = str(tmp_path / "lowest.npy")
    assert main(["generate", PROMPT, "-o", out, "--seed", str(-(2**63)), "--model", model]) == 0
    np.testing.assert_array_equal(np.load(out), keras_clips([PROMPT], seed=-(2**63)))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_generation_leaves_only_complete_videos(tmp_path, sig):
    count = 500  # far more than are written before the signal
    cmd = [sys.executable, "-m", "tf_t2v.cli.main", "generate", PROMPT, "-o", str(tmp_path / "clip.mp4"),
           "--num-videos", str(count), "--batch-size", "1", "--seed", "0",
           "--model", tiny_text_to_video.artifacts().export_dir]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    # A shell starts background jobs with SIGINT ignored, and children inherit that: give the
    # command the default disposition, as it has when a user runs it.
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 600
    while not (tmp_path / "clip_000.mp4").exists():
        if process.poll() is not None:
            pytest.fail("generate ended before its first clip: " + process.stderr.read().decode()[-3000:])
        assert time.monotonic() < deadline, "no clip after 10 minutes"
        time.sleep(0.02)
    time.sleep(0.3)  # into the middle of later clips
    process.send_signal(sig)
    err = process.communicate(timeout=60)[1].decode()
    names = sorted(os.listdir(tmp_path))
    clips = [n for n in names if not n.startswith(".")]
    assert 1 <= len(clips) < count
    assert clips == [f"clip_{i:03d}.mp4" for i in range(len(clips))]  # written in order, none missing
    for name in clips:  # every file under a final name is a whole video
        assert read_video(str(tmp_path / name)).shape == (4, 16, 16, 3), name
    if sig == signal.SIGINT:
        assert process.returncode == 130
        assert err.strip().endswith("tf-t2v: interrupted") and "Traceback" not in err
        assert clips == names  # the clip being written was removed
    else:
        assert process.returncode == -signal.SIGKILL
        # At most the clip being written is left, under its hidden temporary name.
        assert len(names) - len(clips) <= 1
        assert all(re.fullmatch(r"\.clip_\d{3}\.mp4\.[0-9a-f]+\.tmp", n) for n in names if n not in clips)


def _scenes_model():
    from tf_t2v.loading import default_model_path

    path = default_model_path("scenes")  # 16 frames of 64x64, read from its metadata
    if path is None:
        pytest.skip("needs the shipped scenes model")
    return path


@pytest.mark.parametrize("args, message", [
    ([PROMPT, "-o", "clips.npy", "--num-videos", "100000"],
     "This request writes 19.7 GB (100000 clip(s) of 16 frames of 64x64), more than --max-output-gb 4; "
     "ask for fewer clips or a smaller --scale or --fps, or raise --max-output-gb."),
    ([PROMPT, "--num-videos", "100000"], "writes 19.7 GB (100000 clip(s)"),  # mp4 files, named by the prompt
    ([PROMPT, "-o", "x.mp4", "--scale", "1000"], "writes 196.6 GB (1 clip(s) of 16 frames of 64000x64000)"),
    ([PROMPT, "-o", "x.mp4", "--fps", "1000000"], "writes 24.6 GB (1 clip(s) of 2000000 frames"),
    (["--storyboard", "a red circle moves left. " * 7000, "-o", "story.mp4"],
     "This request holds 4.1 GB in memory (a storyboard of 7000 clips, 112000 frames of 64x64)"),
    ([PROMPT, "-o", "sheet.png", "--num-videos", "30000"], "writes 5.9 GB (30000 clip(s) of 16 frames of 64x64)"),
    ([PROMPT, "-o", "x.mp4", "--num-videos", "2", "--max-output-gb", "0.0001"], "more than --max-output-gb 0.0001"),
    ([PROMPT, "-o", "x.mp4", "--max-output-gb", "0"], "--max-output-gb must be a finite number of gigabytes > 0; got 0."),
])
def test_requests_that_cannot_fit_are_refused_before_the_model_loads(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    with mock.patch("tf_t2v.loading.load", side_effect=AssertionError("the model was loaded")):
        assert main(["generate", *args, "--model", _scenes_model()]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tf-t2v generate: error: ") and message in err and err.count("\n") == 1, err
    assert os.listdir(tmp_path) == []


def test_max_output_gb_raises_the_limit(model_path, tmp_path, capsys):
    """A SavedModel's metadata and a .keras file's config give the clip shape without loading."""
    out = str(tmp_path / "clips.npy")
    args = ["generate", PROMPT, "-o", out, "--model", model_path, "--num-videos", "3", "--seed", "1"]
    with mock.patch("tf_t2v.loading.load", side_effect=AssertionError("the model was loaded")):
        assert main(args + ["--max-output-gb", "0.000009"]) == 2  # 3 clips of 4 x 16 x 16 x 3 bytes: 9,216
    assert "This request writes 0.0 GB (3 clip(s) of 4 frames of 16x16)" in capsys.readouterr().err
    from tf_t2v.cli import generate

    with mock.patch.object(generate, "_keras_clip_shape", return_value=None), \
            mock.patch.object(generate, "_batches", side_effect=AssertionError("generated")):
        assert main(args + ["--max-output-gb", "0.000009"]) == 2  # else refused once loaded, before generating
    assert "This request writes 0.0 GB (3 clip(s) of 4 frames of 16x16)" in capsys.readouterr().err
    assert main(args + ["--max-output-gb", "0.00001"]) == 0
    np.testing.assert_array_equal(np.load(out), keras_clips([PROMPT] * 3, seed=1))


class _FullDisk:
    """A file whose writes fail with ENOSPC once `room` bytes are written, as on a full disk."""

    def __init__(self, file, room):
        self.file, self.room = file, room

    def write(self, data):
        size = memoryview(data).nbytes
        if size > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= size
        return self.file.write(data)

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()


@pytest.mark.parametrize("story", [False, True], ids=["clips", "storyboard"])
def test_a_full_disk_is_one_line_and_leaves_no_partial_npy(tmp_path, monkeypatch, capsys, story):
    import builtins

    from tf_t2v.cli import generate

    real_open = builtins.open
    monkeypatch.setattr(generate, "open", lambda *a, **k: _FullDisk(real_open(*a, **k), 5000), raising=False)
    monkeypatch.setattr(np.lib.format, "open_memmap", None)  # never mapped: a full disk there is a bus error
    out = str(tmp_path / "clips.npy")
    what = ["--storyboard", "a red circle. a blue square. a green circle."] if story else [PROMPT, "--num-videos", "5"]
    assert main(["generate", *what, "-o", out, "--batch-size", "1",
                 "--model", tiny_text_to_video.artifacts().export_dir]) == 2
    assert capsys.readouterr().err.endswith(  # after the progress bar
        f"\ntf-t2v generate: error: Cannot write {out!r}: the disk is full (no partial file is left); "
        "free some space or write elsewhere.\n")
    assert os.listdir(tmp_path) == []


def test_a_full_disk_keeps_the_complete_videos_and_no_partial_one(tmp_path, capsys):
    from tf_t2v.io import video_io

    real = video_io._run_ffmpeg
    calls = []

    def fills_the_disk(args, stdin=None):
        calls.append(args[-1])
        if len(calls) < 2:
            return real(args, stdin=stdin)
        with open(args[-1], "wb") as f:
            f.write(b"part of a vi")
        raise RuntimeError("ffmpeg failed (exit 1): av_interleaved_write_frame(): No space left on device")

    out = str(tmp_path / "clip.mp4")
    with mock.patch.object(video_io, "_run_ffmpeg", fills_the_disk):
        assert main(["generate", PROMPT, "-o", out, "--num-videos", "3", "--seed", "0",
                     "--model", tiny_text_to_video.artifacts().export_dir]) == 2
    second = str(tmp_path / "clip_001.mp4")
    assert capsys.readouterr().err.endswith(f"error: Cannot write {second!r}: the disk is full (no partial file "
                                            "is left); free some space or write elsewhere.\n")
    assert os.listdir(tmp_path) == ["clip_000.mp4"]
    assert read_video(str(tmp_path / "clip_000.mp4")).shape == (4, 16, 16, 3)


def test_a_contact_sheet_is_drawn_clip_by_clip(tmp_path):
    from tf_t2v.data import contact_sheet

    out = str(tmp_path / "sheet.png")
    with mock.patch.object(contact_sheet, "make_contact_sheet", side_effect=AssertionError("held whole")):
        assert main(["generate", PROMPT, "-o", out, "--num-videos", "3", "--batch-size", "1", "--seed", "5",
                     "--scale", "2", "--model", tiny_text_to_video.artifacts().export_dir]) == 0
    captions = [f"{PROMPT} (seed {s})" for s in (5, 6, 7)]
    expected = contact_sheet.make_contact_sheet(keras_clips([PROMPT] * 3, seed=5), captions, scale=2)
    np.testing.assert_array_equal(cv2.cvtColor(cv2.imread(out), cv2.COLOR_BGR2RGB), expected)


def test_a_legal_244_byte_file_name_is_written(tmp_path):
    out = str(tmp_path / ("c" * 240 + ".npy"))
    assert main(["generate", PROMPT, "-o", out, "--seed", "3", "--model", tiny_text_to_video.artifacts().export_dir]) == 0
    np.testing.assert_array_equal(np.load(out), keras_clips([PROMPT], seed=3))
    assert os.listdir(tmp_path) == [os.path.basename(out)]
