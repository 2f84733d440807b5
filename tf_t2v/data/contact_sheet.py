"""Contact sheets: one row of frames per clip, its caption printed underneath, saved as a PNG.

Example:
    >>> import numpy as np
    >>> from tf_t2v.data.contact_sheet import write_contact_sheet
    >>> clips = np.zeros((2, 8, 16, 16, 3), np.uint8)
    >>> write_contact_sheet("sheet.png", clips, ["a red circle", "a blue square"], scale=4)
"""

import contextlib
import os
import unicodedata

import cv2
import numpy as np

from tf_t2v.io import video_io
from tf_t2v.io.files import atomic_output
from tf_t2v.io.png import PngWriter

MIN_WIDTH = 240  # pixels: room for a readable caption under short rows of small frames
GAP = 2  # pixels between frames and around rows
MAX_CAPTION_LINES = 3
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_FONT_SCALE = 0.4
_THICKNESS = 1
_BACKGROUND = 255
_INK = (0, 0, 0)


def _ascii(text):
    # OpenCV's Hershey fonts draw ASCII only: strip accents, show anything else as "?".
    text = unicodedata.normalize("NFKD", " ".join(str(text).split()))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.encode("ascii", "replace").decode("ascii")


def _text_width(text):
    return cv2.getTextSize(text, _FONT, _FONT_SCALE, _THICKNESS)[0][0]


def _fit(text, width):
    """`text` cut (with "...") to fit in `width` pixels."""
    if _text_width(text) <= width:
        return text
    while text and _text_width(text + "...") > width:
        text = text[:-1]
    return text.rstrip() + "..." if text else ""


def wrap_caption(caption, width, max_lines=MAX_CAPTION_LINES):
    """Splits a caption into lines that fit `width` pixels; the last line is cut with "..." if needed.

    Args:
        caption: str. any text; non-ASCII characters are shown as their ASCII base or "?".
        width: int. pixels available per line.
        max_lines: int. lines at most.

    Example:
        >>> from tf_t2v.data.contact_sheet import wrap_caption
        >>> wrap_caption("a red circle moves quickly to the left", 160)
        ['a red circle moves', 'quickly to the left']
    """
    words = _ascii(caption).split()
    lines = []
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and _text_width(line + " " + words[0]) <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words:  # More text than lines: the last line ends in "...".
        lines[-1] = _fit(lines[-1] + " " + " ".join(words) + "...", width)
    return [_fit(line, width) for line in lines]


def _pick(clip, max_frames):
    if max_frames is None or len(clip) <= max_frames:
        return clip
    return clip[np.round(np.linspace(0, len(clip) - 1, max_frames)).astype(int)]


def _check_clips(clips, captions, max_frames):
    clips = [video_io.as_uint8_frames(c) for c in clips]
    captions = list(captions)
    if not clips:
        raise ValueError("make_contact_sheet needs at least one clip.")
    if len(captions) != len(clips):
        raise ValueError(f"Got {len(clips)} clips but {len(captions)} captions; give one caption per clip.")
    for i, clip in enumerate(clips):
        _check_clip(clip, i)
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"max_frames must be >= 1 or None; got {max_frames!r}.")
    return clips, captions


def _check_clip(clip, index):
    if clip.ndim != 4 or clip.shape[-1] != 3 or 0 in clip.shape:
        raise ValueError(f"Clip {index} must have shape (T, H, W, 3) with T, H, W >= 1; got {clip.shape}.")


class _Layout:
    """Where things go on a sheet of rows of `most` frames of (h, w), upscaled `scale` times."""

    def __init__(self, captions, most, h, w, max_frames, scale):
        self.h, self.w, self.max_frames, self.scale = h, w, max_frames, scale
        self.fh, self.fw = h * scale, w * scale
        most = most if max_frames is None else min(most, max_frames)
        self.width = max(MIN_WIDTH, most * (self.fw + GAP) + GAP)
        (_, self.text_h), baseline = cv2.getTextSize("Ag", _FONT, _FONT_SCALE, _THICKNESS)
        self.line_h = self.text_h + baseline + 3
        self.wrapped = [wrap_caption(c, self.width - 2 * GAP) for c in captions]
        self.height = GAP + sum(self.band_height(lines) for lines in self.wrapped)

    def band_height(self, lines):
        return self.fh + GAP + len(lines) * self.line_h + GAP

    def band(self, clip, lines):
        """One clip's frames in a row with its caption lines underneath: (band_height, width, 3)."""
        clip = _pick(clip, self.max_frames)
        if clip.shape[1:3] != (self.h, self.w):
            clip = np.stack([cv2.resize(f, (self.w, self.h), interpolation=cv2.INTER_AREA) for f in clip])
        band = np.full((self.band_height(lines), self.width, 3), _BACKGROUND, np.uint8)
        for i, frame in enumerate(video_io.upscale(clip, self.scale)):
            x = GAP + i * (self.fw + GAP)
            band[:self.fh, x:x + self.fw] = frame
        y = self.fh + GAP
        for line in lines:
            cv2.putText(band, line, (GAP, y + self.text_h), _FONT, _FONT_SCALE, _INK, _THICKNESS, cv2.LINE_AA)
            y += self.line_h
        return band

    def top(self):
        return np.full((GAP, self.width, 3), _BACKGROUND, np.uint8)


def make_contact_sheet(clips, captions, max_frames=None, scale=1):
    """Draws clips as rows of frames with their captions underneath.

    Args:
        clips: sequence of array-like. each (T, H, W, 3), uint8 or float in [-1, 1]; T may differ
            between clips; clips of another (H, W) than the first are resized to it.
        captions: sequence of str. one per clip.
        max_frames: int or None. frames shown per clip at most, picked evenly over the clip.
        scale: int. nearest-neighbour upscale of the frames (captions stay the same size).

    Returns:
        np.ndarray. uint8 (height, width, 3) RGB image on a white background.

    Example:
        >>> import numpy as np
        >>> from tf_t2v.data.contact_sheet import make_contact_sheet
        >>> sheet = make_contact_sheet(np.zeros((2, 4, 8, 8, 3), np.uint8), ["one", "two"], scale=2)
        >>> sheet.dtype, sheet.shape[2]
        (dtype('uint8'), 3)
    """
    clips, captions = _check_clips(clips, captions, max_frames)
    h, w = clips[0].shape[1:3]
    layout = _Layout(captions, max(len(c) for c in clips), h, w, max_frames, scale)
    return np.concatenate([layout.top()] + [layout.band(c, lines) for c, lines in zip(clips, layout.wrapped)])


class ContactSheetWriter:
    """Writes a contact sheet PNG clip by clip, so that the clips and the sheet are never all in
    memory: the captions, and the frame count and size of the clips, are given up front.

    Args:
        path: str or os.PathLike. ends in .png; any `tf.io.gfile` path; written atomically.
        captions: sequence of str. one per clip, in the order the clips are added.
        num_frames: int. frames of the longest clip.
        frame_size: (int, int). (H, W) of the frames; clips of another size are resized to it.
        max_frames: int or None. frames shown per clip at most, picked evenly over the clip.
        scale: int. nearest-neighbour upscale of the frames.

    Example:
        >>> import numpy as np
        >>> from tf_t2v.data.contact_sheet import ContactSheetWriter
        >>> with ContactSheetWriter("sheet.png", ["a", "b"], num_frames=4, frame_size=(8, 8)) as sheet:
        ...     for _ in range(2):
        ...         sheet.add(np.zeros((4, 8, 8, 3), np.uint8))
    """

    def __init__(self, path, captions, num_frames, frame_size, max_frames=None, scale=1):
        self.path = os.fspath(path)
        if not self.path.lower().endswith(".png"):
            raise ValueError(f"Cannot write contact sheet {self.path!r}: the file name must end in .png.")
        if max_frames is not None and max_frames < 1:
            raise ValueError(f"max_frames must be >= 1 or None; got {max_frames!r}.")
        self.layout = _Layout(list(captions), int(num_frames), *frame_size, max_frames, scale)
        self.added = 0

    def __enter__(self):
        with contextlib.ExitStack() as stack:
            tmp = stack.enter_context(atomic_output(self.path))
            self._file = stack.enter_context(open(tmp, "xb"))
            self._png = PngWriter(self._file, self.layout.width, self.layout.height)
            self._png.write(self.layout.top())
            self._stack = stack.pop_all()  # closed by __exit__: the file, then the rename
        return self

    def add(self, clip):
        """Draws the next clip (T, H, W, 3), uint8 or float in [-1, 1], with its caption."""
        clip = video_io.as_uint8_frames(clip)
        _check_clip(clip, self.added)
        if self.added == len(self.layout.wrapped):
            raise ValueError(f"The contact sheet has {self.added} captions, so room for {self.added} clips.")
        self._png.write(self.layout.band(clip, self.layout.wrapped[self.added]))
        self.added += 1

    def __exit__(self, kind, value, traceback):
        if kind is None:
            try:
                if self.added != len(self.layout.wrapped):
                    raise ValueError(f"The contact sheet has {len(self.layout.wrapped)} captions but "
                                     f"{self.added} clips were added.")
                self._png.close()
            except BaseException as e:  # the partial file is removed, then the error goes on
                if not self._stack.__exit__(type(e), e, e.__traceback__):
                    raise
                return False
        return self._stack.__exit__(kind, value, traceback)


def write_contact_sheet(path, clips, captions, max_frames=None, scale=1):
    """Writes `make_contact_sheet(clips, captions, max_frames, scale)` to a PNG file, atomically.

    Args:
        path: str or os.PathLike. ends in .png; any `tf.io.gfile` path.
        clips: sequence of array-like. each (T, H, W, 3), uint8 or float in [-1, 1].
        captions: sequence of str. one per clip.
        max_frames: int or None. frames shown per clip at most, picked evenly over the clip.
        scale: int. nearest-neighbour upscale of the frames.

    Example:
        >>> import numpy as np
        >>> from tf_t2v.data.contact_sheet import write_contact_sheet
        >>> clips = np.random.default_rng(0).uniform(-1, 1, (3, 16, 32, 32, 3))
        >>> write_contact_sheet("samples.png", clips, ["a", "b", "c"], max_frames=8, scale=2)
    """
    clips, captions = _check_clips(clips, captions, max_frames)
    num_frames = max(len(c) for c in clips)
    with ContactSheetWriter(path, captions, num_frames, clips[0].shape[1:3], max_frames, scale) as sheet:
        for clip in clips:
            sheet.add(clip)
