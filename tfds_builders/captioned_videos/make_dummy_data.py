"""Writes tiny generated clips and a captions file for the captioned_videos tests (nothing downloaded).

Run `python -m tfds_builders.captioned_videos.make_dummy_data` to regenerate `dummy_data/`; the
builder tests also use `moving_square` and `write_clip` to make manual dirs of their own.

Example:
    >>> import tempfile
    >>> from tfds_builders.captioned_videos import make_dummy_data
    >>> make_dummy_data.write_clip(tempfile.mkdtemp() + "/a.avi", make_dummy_data.moving_square(4))
"""

import pathlib
import subprocess

import numpy as np

from tf_t2v.io import video_io

DUMMY_DATA = pathlib.Path(__file__).parent / "dummy_data"
FPS = 8
# The expected split sizes of dummy_data/ (DatasetBuilderTestCase.SPLITS).
SPLIT_SIZES = {"train": 4, "validation": 1, "test": 1}
CAPTIONS_CSV = """\
video,caption,split
red_square.mp4,A red square slides to the right,train
red_square.mp4,"A red box, moving right",train
green_square.webm,A green square slides to the right,train
blue_square.gif,A blue square slides to the right,train
yellow_square.avi,"A yellow square
slides to the right",validation
cyan_square.mov,A cyan square slides to the right,test
empty.mp4,An empty file is skipped,train
gone.mp4,A missing video is skipped,test
"""
CLIPS = {
    "red_square.mp4": (255, 0, 0),
    "green_square.webm": (0, 255, 0),
    "blue_square.gif": (0, 0, 255),
    "yellow_square.avi": (255, 255, 0),
    "cyan_square.mov": (0, 255, 255),
}


def moving_square(num_frames, height=16, width=16, color=(255, 0, 0)):
    """A square crossing a grey frame left to right: uint8 (num_frames, height, width, 3).

    Args:
        num_frames: int. frames.
        height: int. frame height.
        width: int. frame width.
        color: (int, int, int). RGB of the square.

    Example:
        >>> from tfds_builders.captioned_videos.make_dummy_data import moving_square
        >>> moving_square(4, 9, 15).shape
        (4, 9, 15, 3)
    """
    frames = np.full((num_frames, height, width, 3), 96, np.uint8)
    side = max(1, min(height, width) // 3)
    top = (height - side) // 2
    for t in range(num_frames):
        left = round(t * (width - side) / max(1, num_frames - 1))
        frames[t, top:top + side, left:left + side] = color
    return frames


def write_clip(path, frames, fps=FPS):
    """Writes frames to mp4/gif/webm with `write_video`, or to avi (MPEG-4 part 2) / mov (H.264).

    Args:
        path: str or os.PathLike. ends in .mp4, .gif, .webm, .avi or .mov.
        frames: np.ndarray. uint8 (T, H, W, 3).
        fps: float. frames per second.

    Example:
        >>> import tempfile
        >>> from tfds_builders.captioned_videos.make_dummy_data import moving_square, write_clip
        >>> write_clip(tempfile.mkdtemp() + "/clip.mov", moving_square(4))
    """
    path = pathlib.Path(path)
    codecs = {".avi": "mpeg4", ".mov": "libx264"}
    if path.suffix not in codecs:
        video_io.write_video(path, frames, fps=fps)
        return
    t, h, w, _ = frames.shape
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [video_io.ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
         "-s", f"{w}x{h}", "-r", str(fps), "-i", "-", "-c:v", codecs[path.suffix],
         "-pix_fmt", "yuv420p", str(path)],
        input=np.ascontiguousarray(frames).tobytes(), check=True,
    )


def make_dummy_data(folder=DUMMY_DATA):
    """Writes `captions.csv` and `videos/` (five 20-frame 16x16 clips, one zero-byte file) to `folder`.

    Args:
        folder: str or os.PathLike. the manual dir to fill.

    Example:
        >>> import tempfile
        >>> from tfds_builders.captioned_videos.make_dummy_data import make_dummy_data
        >>> make_dummy_data(tempfile.mkdtemp())
    """
    folder = pathlib.Path(folder)
    videos = folder / "videos"
    videos.mkdir(parents=True, exist_ok=True)
    for name, color in CLIPS.items():
        write_clip(videos / name, moving_square(20, color=color))
    (videos / "empty.mp4").write_bytes(b"")
    (folder / "captions.csv").write_text(CAPTIONS_CSV, encoding="utf-8")


if __name__ == "__main__":
    make_dummy_data()
