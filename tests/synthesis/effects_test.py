import numpy as np
import pytest

from tf_t2v.synthesis import effects

CLIP = np.arange(5, dtype=np.uint8)[:, None, None, None].repeat(2, 1).repeat(2, 2).repeat(3, 3)


def test_reverse_and_boomerang_frame_order():
    assert effects.reverse(CLIP)[:, 0, 0, 0].tolist() == [4, 3, 2, 1, 0]
    assert effects.boomerang(CLIP)[:, 0, 0, 0].tolist() == [0, 1, 2, 3, 4, 3, 2, 1]
    assert effects.boomerang(CLIP[:2])[:, 0, 0, 0].tolist() == [0, 1]


def test_lanczos_differs_from_nearest_and_keeps_the_shape():
    checker = (np.indices((4, 6)).sum(0) % 2 * 255).astype(np.uint8)
    frames = np.repeat(checker[None, :, :, None], 3, -1).repeat(2, 0)  # (2, 4, 6, 3)
    nearest = effects.upscale(frames, 4, "nearest")
    np.testing.assert_array_equal(nearest, frames.repeat(4, 1).repeat(4, 2))
    for name in ("lanczos", "bicubic", "bilinear"):
        smooth = effects.upscale(frames, 4, name)
        assert smooth.shape == nearest.shape == (2, 16, 24, 3) and smooth.dtype == np.uint8
        assert np.abs(smooth.astype(int) - nearest).max() > 30, name
    assert effects.upscale(frames, 1, "lanczos") is frames
    assert effects.upscale(np.zeros((3, 2, 4, 5, 3), np.uint8), 2, "lanczos").shape == (3, 2, 8, 10, 3)


@pytest.mark.parametrize("scale, name, message", [
    (2, "box", "Unknown scale filter 'box'; accepted: lanczos, bicubic, bilinear, nearest"),
    (0, "lanczos", "integer >= 1"),
    (1.5, "nearest", "integer >= 1"),
])
def test_bad_upscales(scale, name, message):
    with pytest.raises(ValueError, match=message):
        effects.upscale(CLIP, scale, name)
