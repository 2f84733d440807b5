"""Contact sheets: one row of frames per clip, its caption printed underneath, saved as a PNG.

Example:
    >>> import numpy as np
    >>> from tf_t2v.data.contact_sheet import write_contact_sheet
    >>> clips = np.zeros((2, 8, 16, 16, 3), np.uint8)
    >>> write_contact_sheet("sheet.png", clips, ["a red circle", "a blue square"], scale=4)
"""

import os
import unicodedata

import cv2
import numpy as np

from tf_t2v.io import video_io
from tf_t2v.io.files import atomic_output

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
    clips = [video_io.as_uint8_frames(c) for c in clips]
    captions = list(captions)
    if not clips:
        raise ValueError("make_contact_sheet needs at least one clip.")
    if len(captions) != len(clips):
        raise ValueError(f"Got {len(clips)} clips but {len(captions)} captions; give one caption per clip.")
    for i, clip in enumerate(clips):
        if clip.ndim != 4 or clip.shape[-1] != 3 or 0 in clip.shape:
            raise ValueError(f"Clip {i} must have shape (T, H, W, 3) with T, H, W >= 1; got {clip.shape}.")
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"max_frames must be >= 1 or None; got {max_frames!r}.")

    h, w = clips[0].shape[1:3]
    rows = []
    for clip in clips:
        clip = _pick(clip, max_frames)
        if clip.shape[1:3] != (h, w):
            clip = np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in clip])
        rows.append(video_io.upscale(clip, scale))
    fh, fw = h * scale, w * scale
    most = max(len(r) for r in rows)
    width = max(MIN_WIDTH, most * (fw + GAP) + GAP)
    (_, text_h), baseline = cv2.getTextSize("Ag", _FONT, _FONT_SCALE, _THICKNESS)
    line_h = text_h + baseline + 3
    wrapped = [wrap_caption(c, width - 2 * GAP) for c in captions]

    height = GAP + sum(fh + GAP + len(lines) * line_h + GAP for lines in wrapped)
    sheet = np.full((height, width, 3), _BACKGROUND, np.uint8)
    y = GAP
    for row, lines in zip(rows, wrapped):
        for i, frame in enumerate(row):
            x = GAP + i * (fw + GAP)
            sheet[y:y + fh, x:x + fw] = frame
        y += fh + GAP
        for line in lines:
            cv2.putText(sheet, line, (GAP, y + text_h), _FONT, _FONT_SCALE, _INK, _THICKNESS, cv2.LINE_AA)
            y += line_h
        y += GAP
    return sheet


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
    path = os.fspath(path)
    if not path.lower().endswith(".png"):
        raise ValueError(f"Cannot write contact sheet {path!r}: the file name must end in .png.")
    sheet = make_contact_sheet(clips, captions, max_frames=max_frames, scale=scale)
    ok, png = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError(f"OpenCV could not encode the contact sheet for {path!r}.")
    with atomic_output(path) as tmp:
        with open(tmp, "xb") as f:
            f.write(png.tobytes())
