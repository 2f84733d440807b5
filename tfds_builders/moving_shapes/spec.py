"""The numbers of the moving_shapes benchmark, as its specification gives them.

Everything that renders, captions, augments or evaluates moving_shapes clips reads its constants
from here, so the definition has one home.

Coordinates: x grows to the right, y grows downward; pixel (column i, row j) covers
[i, i + 1) x [j, j + 1), so its centre is (i + 0.5, j + 0.5) and a frame of width W spans [0, W].
"""

import math
import re

NUM_FRAMES = 16
FPS = 8

SHAPES = ("circle", "square", "triangle", "diamond")
COLORS = ("red", "green", "blue", "yellow", "cyan", "magenta", "white")
SIZES = ("small", "large")
DIRECTIONS = (
    "left", "right", "up", "down", "up-left", "up-right", "down-left", "down-right",
)
SPEEDS = ("slowly", "quickly")

# Attribute name -> its ClassLabel names, in ClassLabel order.
ATTRIBUTES = {
    "shape": SHAPES,
    "color": COLORS,
    "size": SIZES,
    "direction": DIRECTIONS,
    "speed": SPEEDS,
}
# Column order of per-object attribute index arrays, e.g. (N, K, 5) in the renderer.
ATTRIBUTE_COLUMNS = tuple(ATTRIBUTES)

COLOR_RGB = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "cyan": (0, 255, 255),
    "magenta": (255, 0, 255),
    "white": (255, 255, 255),
}

# Half-extent e as a fraction of the frame height H.
SIZE_HALF_EXTENT = {"small": 0.09, "large": 0.15}

_D = 1.0 / math.sqrt(2.0)
# Unit direction (x, y), image y down.
DIRECTION_VECTORS = {
    "left": (-1.0, 0.0),
    "right": (1.0, 0.0),
    "up": (0.0, -1.0),
    "down": (0.0, 1.0),
    "up-left": (-_D, -_D),
    "up-right": (_D, -_D),
    "down-left": (-_D, _D),
    "down-right": (_D, _D),
}

# Displacement of the centre from the first frame to the last, as a fraction of H.
SPEED_DISPLACEMENT = {"slowly": 0.25, "quickly": 0.5}

# Caption words and phrases; each synonym must occur in training captions.
SIZE_WORDS = {"small": ("small", "little", "tiny"), "large": ("large", "big")}
SPEED_WORDS = {"slowly": ("slowly", "at a slow pace"), "quickly": ("quickly", "fast", "rapidly")}
DIRECTION_WORDS = {
    "left": ("left", "to the left", "leftward"),
    "right": ("right", "to the right", "rightward"),
    "up": ("up", "upward"),
    "down": ("down", "downward"),
}
for _vertical, _top in (("up", "top"), ("down", "bottom")):
    for _horizontal in ("left", "right"):
        DIRECTION_WORDS[f"{_vertical}-{_horizontal}"] = (
            f"{_vertical} and to the {_horizontal}",
            f"toward the {_top} {_horizontal}",
            f"diagonally {_vertical}-{_horizontal}",
        )
VERBS = ("moves", "is moving", "slides", "travels", "goes", "glides")
DETERMINERS = ("a", "the", "one")

# Split sizes by default; the builder can shrink them.
SPLIT_SIZES = {"train": 20_000, "validation": 1_000, "test": 2_000, "test_unseen": 2_000}

# Config name -> (objects per clip, frame height = width); every config has NUM_FRAMES frames.
CONFIGS = {"single_64": (1, 64), "single_32": (1, 32), "double_64": (2, 64)}
DEFAULT_CONFIG = "single_64"


def is_held_out(shape, color, direction):
    """Whether the (shape, color, direction) triple (as indices) is a held-out composition."""
    return (2 * shape + 3 * color + direction) % 9 == 0


# Label maps under augmentation: new_direction = MAP[old_direction].
HFLIP_DIRECTION = tuple(
    DIRECTIONS.index(d.replace("left", "#").replace("right", "left").replace("#", "right"))
    for d in DIRECTIONS
)
REVERSE_DIRECTION = tuple(
    DIRECTIONS.index(
        "-".join({"left": "right", "right": "left", "up": "down", "down": "up"}[p] for p in d.split("-"))
    )
    for d in DIRECTIONS
)

HFLIP_WORDS = {"left": "right", "right": "left", "leftward": "rightward", "rightward": "leftward"}
REVERSE_WORDS = dict(
    HFLIP_WORDS, up="down", down="up", upward="downward", downward="upward", top="bottom", bottom="top"
)


def _swap_words(caption, table):
    pattern = r"\b(" + "|".join(sorted(table, key=len, reverse=True)) + r")\b"
    return re.sub(pattern, lambda m: table[m.group(1)], caption)


def hflip_caption(caption):
    """The caption of the horizontally mirrored clip: left and right words swap."""
    return _swap_words(caption, HFLIP_WORDS)


def reverse_caption(caption):
    """The caption of the time-reversed clip: every direction word turns around."""
    return _swap_words(caption, REVERSE_WORDS)
