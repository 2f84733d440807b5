import numpy as np
import pytest

from tf_t2v.synthesis.transitions import TRANSITIONS, join_clips

A = np.full((8, 4, 6, 3), 200, np.uint8)
B = np.full((8, 4, 6, 3), 20, np.uint8)
B[..., 0] = 90


@pytest.mark.parametrize("transition, frames, count", [
    ("cut", 0, 16), ("crossfade", 3, 13), ("wipe", 3, 13), ("slide", 3, 13), ("fade_black", 3, 16),
    ("crossfade", 0, 16),
])
def test_frame_counts_and_ends(transition, frames, count):
    out = join_clips([A, B], transition, frames)
    assert out.shape == (count, 4, 6, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[0], A[0])
    np.testing.assert_array_equal(out[-1], B[-1])


def test_each_transition_moves_from_one_clip_to_the_next():
    fade = join_clips([A, B], "crossfade", 2)[:, 0, 0, 1].tolist()
    assert fade == [200] * 6 + [140, 80] + [20] * 6
    dark = join_clips([A, B], "fade_black", 2)[:, 0, 0, 1]
    assert dark[5:11].tolist() == [200, 133, 67, 7, 13, 20] and dark.shape[0] == 16
    wipe = join_clips([A, B], "wipe", 2)[6:8, 0, :, 0]  # the next clip uncovered from the left
    assert wipe.tolist() == [[90, 90, 200, 200, 200, 200], [90, 90, 90, 90, 200, 200]]
    ramp = np.broadcast_to(np.arange(6, dtype=np.uint8)[None, None, :, None], (8, 4, 6, 3))
    slide = join_clips([ramp, B], "slide", 2)[6, 0, :, 0]  # the last clip pushed out to the left
    assert slide.tolist() == [2, 3, 4, 5, 90, 90]


@pytest.mark.parametrize("transition, frames, message", [
    ("dissolve", 2, "Unknown transition 'dissolve'; accepted: " + ", ".join(TRANSITIONS)),
    ("crossfade", 5, "from 0 to 4 frames"),
    ("wipe", -1, "from 0 to 4 frames"),
    ("cut", 2, "A cut has no duration"),
])
def test_bad_transitions(transition, frames, message):
    with pytest.raises(ValueError, match=message):
        join_clips([A, B], transition, frames)
