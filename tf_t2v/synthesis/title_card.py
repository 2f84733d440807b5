"""Title cards: white text centred over black, drawn with PIL."""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

_MARGIN = 0.08  # of the frame width, each side


def title_card(text, num_frames, height, width):
    """A still title: (num_frames, height, width, 3) uint8, `text` wrapped and centred in white on black.

    The font is PIL's scalable default, as large as lets the wrapped text fit the frame (and at
    most a sixth of its height).

    Example:
        >>> from tf_t2v.synthesis.title_card import title_card
        >>> title_card("A day at the sea", 16, 256, 256).shape
        (16, 256, 256, 3)
    """
    text = " ".join(str(text).split())
    if not text:
        raise ValueError("A title card needs some text; got an empty or blank title.")
    if int(num_frames) != num_frames or num_frames < 1:
        raise ValueError(f"A title card lasts at least one frame; got {num_frames!r}.")
    if min(height, width) < 8:
        raise ValueError(f"A title card needs a frame of at least 8x8 pixels; got {height}x{width}.")
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    room = width * (1 - 2 * _MARGIN)
    for size in range(max(6, height // 6), 5, -1):
        font = ImageFont.load_default(size=size)
        lines = _wrap(draw, text, font, room)
        spacing = size // 4
        box = draw.multiline_textbbox((0, 0), "\n".join(lines), font=font, spacing=spacing)
        if box[2] - box[0] <= room and box[3] - box[1] <= height * (1 - 2 * _MARGIN):
            break
    draw.multiline_text((width / 2, height / 2), "\n".join(lines), fill=(255, 255, 255), font=font,
                        anchor="mm", align="center", spacing=spacing)
    return np.repeat(np.asarray(image)[None], int(num_frames), axis=0)


def _wrap(draw, text, font, room):
    """Words of `text` in lines no wider than `room` pixels (a longer word gets a line of its own)."""
    lines = []
    for word in text.split(" "):
        if lines and draw.textlength(lines[-1] + " " + word, font=font) <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
