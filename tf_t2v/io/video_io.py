"""Reading and writing video files with the ffmpeg binary that imageio-ffmpeg ships.

No system ffmpeg is needed: decoding and encoding run `imageio_ffmpeg.get_ffmpeg_exe()` in a
subprocess (frames travel as PPM images on a pipe, so rotation and odd sizes need no probing), and
resizing uses OpenCV. Paths may be anything `tf.io.gfile` opens (`gs://...` is copied to a local
temporary file first); TensorFlow is only imported for such remote paths.

Example:
    >>> import numpy as np
    >>> from tf_t2v.io.video_io import read_video, write_video
    >>> frames = np.zeros((8, 32, 48, 3), np.uint8)
    >>> write_video("clip.mp4", frames, fps=8)
    >>> read_video("clip.mp4", num_frames=4, size=(16, 16)).shape
    (4, 16, 16, 3)
"""

import os
import re
import subprocess
import tempfile

import cv2
import imageio_ffmpeg
import numpy as np

from tf_t2v.io.files import atomic_output, local_copy

from tf_t2v.synthesis.effects import upscale  # noqa: F401  (nearest by default: contact sheets, TensorBoard)

SAMPLINGS = ("uniform", "fps")
READ_EXTENSIONS = (".mp4", ".webm", ".avi", ".mov", ".gif")
WRITE_EXTENSIONS = (".mp4", ".gif", ".webm")

# Reasons a `VideoReadError` carries, so callers can count skipped files by cause.
EMPTY_FILE = "empty_file"
NOT_A_VIDEO = "not_a_video"
CORRUPT = "corrupt"
TOO_SHORT = "too_short"

# First bytes of the containers we read: a file that ffmpeg rejects and that starts with none of
# them is reported as "not a video" rather than as a damaged video.
_MAGIC = (
    (4, b"ftyp"),  # mp4, mov, m4v
    (4, b"moov"),
    (4, b"mdat"),
    (4, b"wide"),
    (4, b"free"),
    (0, b"\x1a\x45\xdf\xa3"),  # webm, mkv
    (0, b"RIFF"),  # avi
    (0, b"GIF87a"),
    (0, b"GIF89a"),
)
_NO_VIDEO_STREAM = ("matches no streams", "does not contain any stream")
_TRUNCATED = "partial file"  # what ffmpeg's demuxers say when data ends early, exit code 0 or not

# ffmpeg arguments per output extension. mp4: H.264 High profile, yuv420p, BT.709 tags and the
# index up front, which every browser plays; gif: one palette for the clip, looping forever.
_BT709 = (
    "scale=out_color_matrix=bt709:out_range=tv,"
    "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
)
_ENCODERS = {
    ".mp4": [
        "-vf", _BT709,
        "-c:v", "libx264", "-preset", "medium", "-crf", "18", "-profile:v", "high",
        "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4",
    ],
    ".gif": [
        "-filter_complex", "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse",
        "-loop", "0", "-f", "gif",
    ],
    ".webm": [
        "-vf", _BT709,
        "-c:v", "libvpx-vp9", "-crf", "30", "-b:v", "0", "-deadline", "good", "-cpu-used", "4",
        "-row-mt", "1", "-pix_fmt", "yuv420p", "-f", "webm",
    ],
}


class VideoReadError(ValueError):
    """A file that cannot give the frames asked for.

    Args:
        path: str. the file.
        reason: str. one of `EMPTY_FILE`, `NOT_A_VIDEO`, `CORRUPT`, `TOO_SHORT`.
        problem: str. what was wrong, in a sentence.

    Example:
        >>> from tf_t2v.io.video_io import VideoReadError, TOO_SHORT
        >>> err = VideoReadError("a.mp4", TOO_SHORT, "it has 3 frames; 16 were asked for")
        >>> str(err)
        "Cannot read video 'a.mp4': it has 3 frames; 16 were asked for."
    """

    def __init__(self, path, reason, problem):
        super().__init__(f"Cannot read video {path!r}: {problem}.")
        self.path = path
        self.reason = reason
        self.problem = problem


def ffmpeg_exe():
    """The ffmpeg binary imageio-ffmpeg ships (or the one `IMAGEIO_FFMPEG_EXE` names)."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def as_uint8_frames(frames):
    """Frames as uint8: uint8 passes through, floats in [-1, 1] map to [0, 255].

    Args:
        frames: array-like. uint8 in [0, 255] or float in [-1, 1], any shape.

    Example:
        >>> import numpy as np
        >>> from tf_t2v.io.video_io import as_uint8_frames
        >>> as_uint8_frames(np.array([-1.0, 0.0, 1.0])).tolist()
        [0, 128, 255]
    """
    frames = np.asarray(frames)
    if frames.dtype == np.uint8:
        return frames
    if np.issubdtype(frames.dtype, np.floating):
        return np.clip(np.round((frames.astype(np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)
    raise ValueError(f"Frames must be uint8 in [0, 255] or float in [-1, 1]; got dtype {frames.dtype}.")


def _check_frames(frames):
    frames = as_uint8_frames(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or 0 in frames.shape:
        raise ValueError(
            f"Frames must have shape (T, H, W, 3) with T, H, W >= 1; got {frames.shape}."
        )
    return frames


def resize_and_crop(frame, size):
    """Resizes one (h, w, 3) frame to cover `size=(H, W)`, keeping its aspect ratio, then crops the centre.

    Args:
        frame: np.ndarray. uint8 (h, w, C).
        size: (int, int). the (H, W) wanted.

    Example:
        >>> import numpy as np
        >>> from tf_t2v.io.video_io import resize_and_crop
        >>> resize_and_crop(np.zeros((90, 160, 3), np.uint8), (32, 32)).shape
        (32, 32, 3)
    """
    height, width = size
    h, w = frame.shape[:2]
    if (h, w) == (height, width):
        return frame
    s = max(height / h, width / w)
    new_h, new_w = max(height, round(h * s)), max(width, round(w * s))
    interpolation = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    frame = cv2.resize(frame, (new_w, new_h), interpolation=interpolation)
    top, left = (new_h - height) // 2, (new_w - width) // 2
    return frame[top:top + height, left:left + width]


def _check_size(size):
    if size is None:
        return None
    if isinstance(size, (int, np.integer)):
        size = (size, size)
    size = tuple(int(s) for s in size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"size must be (H, W) with H, W >= 1, or one int; got {size!r}.")
    return size


def _run_ffmpeg(args, stdin=None):
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", *args]
    result = subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise RuntimeError(
            f"ffmpeg failed (exit {result.returncode}): {result.stderr.decode(errors='replace').strip()}"
        )


def _read_ppm_frames(stream):
    """Yields (h, w, 3) uint8 frames from a stream of binary PPM images, as ffmpeg writes them."""
    while True:
        magic = stream.readline()
        if not magic:
            return
        dims, maxval = stream.readline().split(), stream.readline().strip()
        if magic.strip() != b"P6" or len(dims) != 2 or maxval != b"255":
            raise RuntimeError(f"Unexpected frame header from ffmpeg: {magic + b' '.join(dims)!r}.")
        w, h = int(dims[0]), int(dims[1])
        data = stream.read(w * h * 3)
        if len(data) < w * h * 3:
            return
        yield np.frombuffer(data, np.uint8).reshape(h, w, 3)


def _head(name):
    with open(name, "rb") as f:
        return f.read(16)


def _looks_like_video(name):
    head = _head(name)
    return any(head[at:at + len(magic)] == magic for at, magic in _MAGIC)


def _declared_frame_count(name):
    """The frame count an mp4/mov/avi index declares, or None (other containers only estimate it)."""
    head = _head(name)
    if head[4:8] not in (b"ftyp", b"moov", b"mdat", b"wide", b"free") and head[:4] != b"RIFF":
        return None
    capture = cv2.VideoCapture(name)
    try:
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
    finally:
        capture.release()
    return count if count > 0 else None


def _decode(name, shown, fps, max_frames, size):
    """Decodes the first video stream of a local file: (list of frames, ffmpeg's error text, exit code)."""
    args = ["-i", name, "-map", "0:v:0"]
    if fps is not None:
        # round=up: output frame k is the one on screen at time k / fps (the last with t <= k / fps).
        args += ["-vf", f"fps=fps={fps}:round=up"]
    if max_frames is not None:
        args += ["-frames:v", str(max_frames)]
    # passthrough: the decoded frames as they are, never duplicated to a guessed constant rate.
    args += ["-fps_mode", "passthrough", "-f", "image2pipe", "-c:v", "ppm", "-"]
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", *args]
    frames = []
    with tempfile.TemporaryFile() as errors:
        # stderr goes to a file: a pipe could fill up with decoder complaints and stall ffmpeg.
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors)
        try:
            for frame in _read_ppm_frames(proc.stdout):
                frames.append(frame if size is None else resize_and_crop(frame, size))
        except RuntimeError as e:
            raise VideoReadError(shown, CORRUPT, str(e)) from e
        finally:
            proc.stdout.close()
            code = proc.wait()
        errors.seek(0)
        text = errors.read().decode(errors="replace").strip()
    return frames, text, code


def _decode_error(name, shown, errors, code):
    """The VideoReadError for a file ffmpeg could not decode, with the cause told apart."""
    detail = errors.splitlines()[-1] if errors else f"ffmpeg exit code {code}"
    if _TRUNCATED in errors:
        return VideoReadError(shown, CORRUPT, "it is truncated (the file ends early)")
    if any(s in errors for s in _NO_VIDEO_STREAM):
        probe = subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", name],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        ).stderr.decode(errors="replace")
        if re.search(r"Stream #\S+: (Audio|Subtitle): ", probe):
            return VideoReadError(shown, NOT_A_VIDEO, "it has no video stream")
        if _looks_like_video(name):
            return VideoReadError(shown, CORRUPT, "it is damaged or truncated (no streams could be read)")
    if not _looks_like_video(name):
        return VideoReadError(shown, NOT_A_VIDEO, f"it is not a video file ({detail})")
    return VideoReadError(shown, CORRUPT, f"it is damaged or truncated ({detail})")


def read_video(path, num_frames=None, size=None, sampling="uniform", fps=None):
    """Decodes a video file (mp4, webm, avi, mov, gif, ...) to uint8 frames.

    Args:
        path: str or os.PathLike. a local path or any `tf.io.gfile` path.
        num_frames: int or None. frames to return; None returns every sampled frame.
        size: (int, int), int or None. (H, W) of the result: each frame is resized to cover it,
            keeping its aspect ratio, and centre-cropped. None keeps the file's size.
        sampling: str. "uniform" picks `num_frames` evenly over the whole clip, first and last
            frame included; "fps" takes frames at `fps` per second from the start (frames repeat
            when `fps` is above the file's rate) and stops after `num_frames`.
        fps: float or None. the target rate; required by, and only allowed with, sampling="fps".

    Returns:
        np.ndarray. uint8 (T, H, W, 3), RGB.

    Raises:
        FileNotFoundError: the file does not exist.
        VideoReadError: (a ValueError) the file is empty, not a video, damaged, or has fewer
            frames than `num_frames`; the message names the file and the problem.

    With sampling="uniform" every decoded frame is held in memory until the clip ends (resized
    first when `size` is given), so pass `size` for long, large clips.

    Example:
        >>> import numpy as np
        >>> from tf_t2v.io.video_io import read_video, write_video
        >>> write_video("ramp.gif", np.full((10, 8, 8, 3), 200, np.uint8), fps=10)
        >>> read_video("ramp.gif", num_frames=4, size=(4, 4)).shape
        (4, 4, 4, 3)
        >>> read_video("ramp.gif", sampling="fps", fps=5).shape
        (5, 8, 8, 3)
    """
    shown = os.fspath(path)
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS}; got {sampling!r}.")
    if sampling == "fps" and (fps is None or fps <= 0):
        raise ValueError(f"sampling='fps' needs a target fps > 0; got fps={fps!r}.")
    if sampling == "uniform" and fps is not None:
        raise ValueError(f"fps={fps!r} is only used with sampling='fps'; got sampling='uniform'.")
    if num_frames is not None and (int(num_frames) != num_frames or num_frames < 1):
        raise ValueError(f"num_frames must be an integer >= 1 or None; got {num_frames!r}.")
    size = _check_size(size)

    with local_copy(shown) as name:
        if not os.path.isfile(name):
            raise FileNotFoundError(f"Video file {shown!r} does not exist.")
        if os.path.getsize(name) == 0:
            raise VideoReadError(shown, EMPTY_FILE, "the file is empty (0 bytes)")
        frames, errors, code = _decode(
            name, shown, fps if sampling == "fps" else None,
            num_frames if sampling == "fps" else None, size,
        )
        if code != 0 or not frames or _TRUNCATED in errors:
            raise _decode_error(name, shown, errors, code)
        # A file cut at a sample boundary decodes without complaint: its index still counts the rest.
        declared = _declared_frame_count(name) if sampling == "uniform" else None
        if declared and len(frames) < declared - 1:
            raise VideoReadError(
                shown, CORRUPT,
                f"it is truncated: its index declares {declared} frames but only {len(frames)} decode",
            )

    if num_frames is not None and len(frames) < num_frames:
        how = f"at {fps:g} fps" if sampling == "fps" else "in all"
        raise VideoReadError(
            shown, TOO_SHORT,
            f"it has only {len(frames)} frame(s) {how}; {num_frames} were asked for",
        )
    if sampling == "uniform" and num_frames is not None:
        picks = np.round(np.linspace(0, len(frames) - 1, num_frames)).astype(int)
        frames = [frames[i] for i in picks]
    return np.stack(frames)


def write_video(path, frames, fps=8, scale=1, scale_filter="lanczos"):
    """Encodes frames to a video file, its format chosen by the extension; written atomically.

    `.mp4`: H.264 (High profile) yuv420p with the index up front, which every browser plays; odd
    sizes are padded to even by repeating the last row/column. `.gif`: one palette, loops forever.
    `.webm`: VP9.

    Args:
        path: str or os.PathLike. ends in .mp4, .gif or .webm; any `tf.io.gfile` path.
        frames: array-like. uint8 (T, H, W, 3), or float in [-1, 1].
        fps: float. frames per second.
        scale: int. upscale factor, for viewing small clips.
        scale_filter: str. how to upscale: "lanczos" (default), "bicubic", "bilinear" or "nearest".

    Example:
        >>> import numpy as np
        >>> from tf_t2v.io.video_io import write_video
        >>> clip = np.random.default_rng(0).uniform(-1, 1, (16, 32, 32, 3))
        >>> write_video("sample.mp4", clip, fps=8, scale=4)
        >>> write_video("sample.gif", clip, fps=8, scale=4)
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in _ENCODERS:
        raise ValueError(
            f"Cannot write video {path!r}: unknown extension {ext!r}; accepted: {', '.join(WRITE_EXTENSIONS)}."
        )
    if not fps or fps <= 0:
        raise ValueError(f"fps must be > 0; got {fps!r}.")
    frames = upscale(_check_frames(frames), scale, scale_filter)
    if ext == ".mp4":
        t, h, w, _ = frames.shape
        frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    t, h, w, _ = frames.shape
    with atomic_output(path) as tmp:
        _run_ffmpeg(
            ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", f"{fps:g}", "-i", "-",
             *_ENCODERS[ext], "-y", tmp],
            stdin=np.ascontiguousarray(frames).tobytes(),
        )
