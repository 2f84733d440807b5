import os
import re
import shutil
import subprocess
import tempfile
from unittest import mock

import numpy as np
import tensorflow as tf

from tf_t2v.io import video_io
from tf_t2v.io.video_io import VideoReadError, read_video, write_video

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
COLORS = (RED, GREEN, BLUE, (200, 120, 40), (20, 20, 20), (240, 240, 240))
# Largest per-channel error allowed after a lossy round trip of flat-colour frames.
TOLERANCE = {".mp4": 6, ".webm": 6, ".gif": 1}


def flat_clip(colors, h=8, w=8):
    return np.stack([np.full((h, w, 3), c, np.uint8) for c in colors])


def ramp_clip(t, h=8, w=8):
    # Frame i is flat grey i * 10: a frame's value tells which frame it is.
    return np.stack([np.full((h, w, 3), 10 * i, np.uint8) for i in range(t)])


def banded_frame(h, w, vertical=True):
    # Three equal bands red | green | blue, side by side (or stacked when vertical=False).
    frame = np.zeros((h, w, 3), np.uint8)
    n = w if vertical else h
    for i, color in enumerate((RED, GREEN, BLUE)):
        band = slice(i * n // 3, (i + 1) * n // 3)
        if vertical:
            frame[:, band] = color
        else:
            frame[band] = color
    return frame


def ffmpeg_info(path):
    """ffmpeg's description of the first video stream (there is no ffprobe): codec, profile, pix_fmt, size."""
    err = subprocess.run(
        [video_io.ffmpeg_exe(), "-hide_banner", "-i", path], capture_output=True, text=True
    ).stderr
    m = re.search(r"Stream #\S+.*?: Video: (\w+)(?: \((\w+)\))?[^,]*, (\w+).*?\b(\d+)x(\d+)\b", err)
    assert m, err
    codec, profile, pix_fmt, w, h = m.groups()
    return dict(codec=codec, profile=profile, pix_fmt=pix_fmt, size=(int(h), int(w)), text=err)


def top_level_boxes(path):
    with open(path, "rb") as f:
        data = f.read()
    boxes, at = [], 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        boxes.append(data[at + 4:at + 8].decode("latin-1"))
        if size < 8:
            break
        at += size
    return boxes


class VideoIOTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def assertFramesClose(self, actual, expected, atol):
        diff = np.abs(actual.astype(int) - expected.astype(int)).max()
        self.assertLessEqual(diff, atol, f"frames differ by up to {diff}")

    def test_round_trip_count_size_and_colour(self):
        clip = flat_clip(COLORS, h=16, w=24)
        for ext in (".mp4", ".gif", ".webm"):
            with self.subTest(ext):
                path = self.path("clip" + ext)
                write_video(path, clip, fps=8)
                frames = read_video(path)
                self.assertEqual(frames.dtype, np.uint8)
                self.assertEqual(frames.shape, clip.shape)
                self.assertFramesClose(frames, clip, TOLERANCE[ext])

    def test_mp4_is_browser_friendly_h264(self):
        path = self.path("clip.mp4")
        write_video(path, flat_clip(COLORS), fps=8)
        info = ffmpeg_info(path)
        self.assertEqual(info["codec"], "h264")
        self.assertEqual(info["pix_fmt"], "yuv420p")
        self.assertIn(info["profile"], ("High", "Main", "Constrained Baseline"))
        self.assertIn("8 fps", info["text"])
        boxes = top_level_boxes(path)
        self.assertLess(boxes.index("moov"), boxes.index("mdat"), "index must come first")

    def test_webm_and_gif_codecs(self):
        write_video(self.path("clip.webm"), flat_clip(COLORS), fps=8)
        self.assertIn(ffmpeg_info(self.path("clip.webm"))["codec"], ("vp9", "vp8"))
        write_video(self.path("clip.gif"), flat_clip(COLORS), fps=8)
        self.assertEqual(ffmpeg_info(self.path("clip.gif"))["codec"], "gif")

    def test_odd_sizes(self):
        clip = flat_clip(COLORS, h=7, w=9)
        write_video(self.path("odd.mp4"), clip, fps=8)
        # H.264 yuv420p needs even sizes: the edge row/column is repeated, so colours stay.
        self.assertEqual(ffmpeg_info(self.path("odd.mp4"))["size"], (8, 10))
        frames = read_video(self.path("odd.mp4"))
        self.assertEqual(frames.shape, (6, 8, 10, 3))
        self.assertFramesClose(frames[:, :7, :9], clip, TOLERANCE[".mp4"])
        for ext in (".gif", ".webm"):
            with self.subTest(ext):
                write_video(self.path("odd" + ext), clip, fps=8)
                frames = read_video(self.path("odd" + ext))
                self.assertEqual(frames.shape, clip.shape)
                self.assertFramesClose(frames, clip, TOLERANCE[ext])

    def test_scale_filters(self):
        checker = np.indices((4, 5)).sum(axis=0) % 2 * 255
        clip = np.repeat(checker[None, :, :, None], 3, axis=-1).repeat(2, axis=0).astype(np.uint8)
        write_video(self.path("big.gif"), clip, fps=8, scale=3, scale_filter="nearest")
        frames = read_video(self.path("big.gif"))
        self.assertEqual(frames.shape, (2, 12, 15, 3))
        self.assertFramesClose(frames, clip.repeat(3, axis=1).repeat(3, axis=2), 0)
        # Lanczos by default: the same size, smooth edges instead of blocks.
        write_video(self.path("smooth.gif"), clip, fps=8, scale=3)
        smooth = read_video(self.path("smooth.gif"))
        self.assertEqual(smooth.shape, (2, 12, 15, 3))
        self.assertGreater(np.abs(smooth.astype(int) - frames).max(), 20)
        with self.assertRaisesRegex(ValueError, "Unknown scale filter 'box'; accepted: lanczos, bicubic"):
            write_video(self.path("x.gif"), clip, fps=8, scale=3, scale_filter="box")

    def test_float_frames_in_minus_one_one(self):
        clip = np.stack([np.full((8, 8, 3), -1.0), np.full((8, 8, 3), 1.0)]).astype(np.float32)
        write_video(self.path("float.gif"), clip, fps=8)
        frames = read_video(self.path("float.gif"))
        self.assertAllEqual(frames[:, 0, 0, 0], [0, 255])

    def test_bad_write_arguments(self):
        with self.assertRaisesRegex(ValueError, r"\.avi.*accepted: \.mp4, \.gif, \.webm"):
            write_video(self.path("clip.avi"), flat_clip(COLORS), fps=8)
        with self.assertRaisesRegex(ValueError, r"\(T, H, W, 3\)"):
            write_video(self.path("clip.mp4"), np.zeros((8, 8, 3), np.uint8))
        with self.assertRaisesRegex(ValueError, "uint8"):
            write_video(self.path("clip.mp4"), np.zeros((2, 8, 8, 3), np.int32))
        self.assertEmpty(os.listdir(self.dir))

    def test_write_is_atomic(self):
        path = self.path("clip.gif")
        write_video(path, flat_clip(COLORS), fps=8)
        with open(path, "rb") as f:
            before = f.read()

        def interrupted(args, stdin=None):
            with open(args[-1], "wb") as f:  # ffmpeg's output is the last argument
                f.write(b"half a fi")
            raise KeyboardInterrupt

        with mock.patch.object(video_io, "_run_ffmpeg", interrupted):
            with self.assertRaises(KeyboardInterrupt):
                write_video(path, flat_clip(COLORS[:2]), fps=8)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertEqual(os.listdir(self.dir), ["clip.gif"])

    def test_a_full_disk_is_one_line_and_leaves_no_partial_file(self):
        # A stand-in for ffmpeg that writes part of its output, then fails as ffmpeg does on a full disk.
        fake = self.path("ffmpeg")
        with open(fake, "w") as f:
            f.write('#!/bin/sh\nfor last; do :; done\nprintf partial > "$last"\n'
                    'echo "av_interleaved_write_frame(): No space left on device" >&2\nexit 1\n')
        os.chmod(fake, 0o755)
        path = self.path("out/clip.mp4")
        with mock.patch.object(video_io, "ffmpeg_exe", return_value=fake):
            with self.assertRaises(OSError) as info:
                write_video(path, flat_clip(COLORS), fps=8)
        self.assertEqual(str(info.exception), f"Cannot write {path!r}: the disk is full (no partial file is left); "
                                              "free some space or write elsewhere.")
        self.assertEqual(os.listdir(self.path("out")), [])

    def test_write_creates_folders_and_overwrites(self):
        path = self.path("a/b/clip.mp4")
        write_video(path, flat_clip(COLORS), fps=8)
        write_video(path, flat_clip(COLORS[:3]), fps=8)
        self.assertLen(read_video(path), 3)
        self.assertEqual(os.listdir(self.path("a/b")), ["clip.mp4"])

    def test_reads_avi_and_mov(self):
        for ext, codec in ((".avi", "mpeg4"), (".mov", "libx264")):
            with self.subTest(ext):
                path = self.path("red" + ext)
                subprocess.run(
                    [video_io.ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                     "color=c=red:s=16x12:r=8:d=1", "-c:v", codec, "-pix_fmt", "yuv420p", path],
                    check=True,
                )
                frames = read_video(path, num_frames=4)
                self.assertEqual(frames.shape, (4, 12, 16, 3))
                self.assertFramesClose(frames, flat_clip([RED] * 4, 12, 16), 8)

    def test_uniform_sampling_spans_the_clip(self):
        path = self.path("ramp.gif")
        write_video(path, ramp_clip(24), fps=8)
        frames = read_video(path, num_frames=5)
        # Indices round(linspace(0, 23, 5)) = 0, 6, 12, 17, 23: first and last frame included.
        self.assertAllEqual(frames[:, 0, 0, 0], [0, 60, 120, 170, 230])
        self.assertLen(read_video(path), 24)
        self.assertLen(read_video(path, num_frames=24), 24)

    def test_fps_sampling_from_the_start(self):
        path = self.path("ramp.gif")
        write_video(path, ramp_clip(20), fps=10)
        self.assertAllEqual(read_video(path, sampling="fps", fps=5)[:, 0, 0, 0], np.arange(0, 200, 20))
        self.assertAllEqual(read_video(path, num_frames=3, sampling="fps", fps=5)[:, 0, 0, 0], [0, 20, 40])
        self.assertAllEqual(read_video(path, num_frames=4, sampling="fps", fps=10)[:, 0, 0, 0], [0, 10, 20, 30])
        path = self.path("ramp.mp4")
        write_video(path, ramp_clip(20), fps=10)
        frames = read_video(path, num_frames=4, sampling="fps", fps=2.5)
        self.assertFramesClose(frames[:, 0, 0], np.array([0, 40, 80, 120])[:, None].repeat(3, 1), 3)
        frames = read_video(path, sampling="fps", fps=3)  # frame k: the one on screen at k / 3 s
        self.assertFramesClose(frames[:, 0, 0], np.array([0, 30, 60, 100, 130, 160])[:, None].repeat(3, 1), 3)

    def test_too_short(self):
        path = self.path("ramp.gif")
        write_video(path, ramp_clip(6), fps=6)
        with self.assertRaisesRegex(ValueError, r"ramp\.gif.*only 6 frame\(s\) in all; 7 were asked for") as cm:
            read_video(path, num_frames=7)
        self.assertEqual(cm.exception.reason, video_io.TOO_SHORT)
        with self.assertRaisesRegex(ValueError, r"ramp\.gif.*only 3 frame\(s\) at 3 fps; 4 were asked for"):
            read_video(path, num_frames=4, sampling="fps", fps=3)

    def test_resize_keeps_aspect_and_crops_the_centre(self):
        wide = banded_frame(20, 60)[None].repeat(2, axis=0)
        write_video(self.path("wide.gif"), wide, fps=8)
        frames = read_video(self.path("wide.gif"), size=(8, 8))
        self.assertEqual(frames.shape, (2, 8, 8, 3))
        self.assertFramesClose(frames, flat_clip([GREEN, GREEN], 8, 8), 0)
        # A size of the same aspect ratio keeps the whole frame.
        frames = read_video(self.path("wide.gif"), size=(4, 12))
        self.assertFramesClose(frames, banded_frame(4, 12)[None].repeat(2, axis=0), 0)

        tall = banded_frame(60, 20, vertical=False)[None].repeat(2, axis=0)
        write_video(self.path("tall.gif"), tall, fps=8)
        frames = read_video(self.path("tall.gif"), num_frames=1, size=(8, 8))
        self.assertFramesClose(frames, flat_clip([GREEN], 8, 8), 0)
        # Upscaling, to a non-square size, from an odd portrait frame.
        write_video(self.path("tall.webm"), tall[:, :45, :15], fps=8)
        self.assertEqual(read_video(self.path("tall.webm"), size=(32, 24)).shape, (2, 32, 24, 3))

    def test_bad_files_name_the_file_and_the_problem(self):
        good = self.path("good.mp4")
        write_video(good, ramp_clip(24, 16, 16), fps=8)
        with open(good, "rb") as f:
            data = f.read()
        cases = {
            "empty.mp4": (b"", video_io.EMPTY_FILE, "empty"),
            "notes.mp4": (b"this is a text file, not a video\n" * 4, video_io.NOT_A_VIDEO, "not a video"),
            "cut.mp4": (data[: len(data) * 3 // 4], video_io.CORRUPT, "truncated"),
            "stub.mp4": (data[: len(data) // 3], video_io.CORRUPT, "truncated"),
        }
        for name, (content, reason, words) in cases.items():
            with self.subTest(name):
                with open(self.path(name), "wb") as f:
                    f.write(content)
                with self.assertRaisesRegex(ValueError, rf"{re.escape(self.path(name))}.*{words}") as cm:
                    read_video(self.path(name))
                self.assertIsInstance(cm.exception, VideoReadError)
                self.assertEqual(cm.exception.reason, reason)
        with self.assertRaisesRegex(FileNotFoundError, "missing.mp4"):
            read_video(self.path("missing.mp4"))

    def test_bad_read_arguments(self):
        path = self.path("ramp.gif")
        write_video(path, ramp_clip(4), fps=8)
        with self.assertRaisesRegex(ValueError, "sampling='fps' needs a target fps"):
            read_video(path, sampling="fps")
        with self.assertRaisesRegex(ValueError, "sampling must be one of"):
            read_video(path, sampling="random")
        with self.assertRaisesRegex(ValueError, "only used with sampling='fps'"):
            read_video(path, fps=4)
        with self.assertRaisesRegex(ValueError, "num_frames"):
            read_video(path, num_frames=0)

    def test_gfile_paths(self):
        # TensorFlow's in-memory file system stands in for gs:// and friends.
        path = f"ram://{self.id()}/clip.gif"
        write_video(path, flat_clip(COLORS), fps=8)
        self.assertEqual(tf.io.gfile.listdir(os.path.dirname(path)), ["clip.gif"])
        self.assertFramesClose(read_video(path), flat_clip(COLORS), 1)
        with self.assertRaisesRegex(FileNotFoundError, "ram://"):
            read_video(f"ram://{self.id()}/missing.mp4")
