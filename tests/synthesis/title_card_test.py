import numpy as np
import pytest

from tf_t2v.synthesis.title_card import title_card


def test_mostly_black_with_white_text_in_the_middle():
    card = title_card("A day at the sea, with a long title that wraps", 5, 128, 160)
    assert card.shape == (5, 128, 160, 3) and card.dtype == np.uint8
    np.testing.assert_array_equal(card[0], card[-1])
    grey = card[0].mean(-1)
    assert (grey < 10).mean() > 0.7  # mostly black
    white = grey > 200
    assert white.sum() > 100  # text pixels
    rows, cols = np.nonzero(white)
    assert abs(rows.mean() - 64) < 16 and abs(cols.mean() - 80) < 16  # centred
    assert cols.min() > 4 and cols.max() < 156  # inside the margins


@pytest.mark.parametrize("args, message", [
    (("  ", 4, 64, 64), "empty or blank"),
    (("Title", 0, 64, 64), "at least one frame"),
    (("Title", 4, 4, 64), "at least 8x8"),
])
def test_bad_title_cards(args, message):
    with pytest.raises(ValueError, match=message):
        title_card(*args)
