"""Effects on a clip's frames: reverse, boomerang, and upscaling by a named filter."""

import cv2
import numpy as np

SCALE_FILTERS = {
    "lanczos": cv2.INTER_LANCZOS4,
    "bicubic": cv2.INTER_CUBIC,
    "bilinear": cv2.INTER_LINEAR,
    "nearest": cv2.INTER_NEAREST,
}


def reverse(frames):
    """The frames last to first.

    Example:
        >>> import numpy as np
        >>> reverse(np.arange(3)[:, None, None, None]).ravel().tolist()
        [2, 1, 0]
    """
    return np.asarray(frames)[::-1]


def boomerang(frames):
    """Forward then backward, a loop that neither repeats the turning frames: 2T - 2 frames
    (T for T < 2), so that played on repeat the first frame follows the second.

    Example:
        >>> import numpy as np
        >>> boomerang(np.arange(4)[:, None, None, None]).ravel().tolist()
        [0, 1, 2, 3, 2, 1]
    """
    frames = np.asarray(frames)
    return np.concatenate([frames, frames[-2:0:-1]]) if len(frames) > 2 else frames


def upscale(frames, scale, filter="nearest"):
    """Upscale of (..., H, W, C) uint8 frames by an integer factor with a named filter.

    Args:
        frames: np.ndarray. (..., H, W, C), uint8.
        scale: int. >= 1.
        filter: str. one of `SCALE_FILTERS`: "nearest" repeats pixels (exact blocks), "lanczos",
            "bicubic" and "bilinear" resample smoothly (OpenCV's `cv2.resize`).

    Example:
        >>> import numpy as np
        >>> from tf_t2v.synthesis.effects import upscale
        >>> upscale(np.zeros((2, 4, 5, 3), np.uint8), 3, "lanczos").shape
        (2, 12, 15, 3)
    """
    if filter not in SCALE_FILTERS:
        raise ValueError(f"Unknown scale filter {filter!r}; accepted: {', '.join(SCALE_FILTERS)}.")
    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be an integer >= 1; got {scale!r}.")
    scale = int(scale)
    frames = np.asarray(frames)
    if scale == 1:
        return frames
    if filter == "nearest":
        return frames.repeat(scale, axis=-3).repeat(scale, axis=-2)
    h, w = frames.shape[-3:-1]
    flat = frames.reshape((-1,) + frames.shape[-3:])
    out = np.stack([cv2.resize(f, (w * scale, h * scale), interpolation=SCALE_FILTERS[filter]) for f in flat])
    return out.reshape(frames.shape[:-3] + out.shape[1:3] + frames.shape[-1:])
