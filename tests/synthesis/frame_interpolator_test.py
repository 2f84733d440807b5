import numpy as np
import pytest

from tf_t2v.synthesis import FrameInterpolator, playback_times


def psnr(a, b):
    return 10 * np.log10(255.0 ** 2 / max(np.mean((a.astype(np.float64) - b) ** 2), 1e-10))


def translating(num_frames, step, size=64):
    """A smooth textured pattern moving `step` pixels right per frame: (T, size, size, 3) uint8."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    frames = []
    for t in range(num_frames):
        u = x - step * t
        v = 127 + 60 * np.sin(u / 3.0) * np.cos(y / 4.0) + 50 * np.sin((u + y) / 7.0)
        frames.append(np.stack([v, 255 - v, 0.5 * v + 60], -1))
    return np.clip(np.round(frames), 0, 255).astype(np.uint8)


def test_flow_beats_blending_on_a_translating_pattern_and_keeps_the_endpoints():
    truth = translating(7, 2.0)  # 3x the rate of the clip below: 6 px per clip frame
    clip = truth[::3]
    flow = FrameInterpolator().interpolate(clip, 3)
    blend = FrameInterpolator("blend").interpolate(clip, 3)
    assert flow.shape == blend.shape == truth.shape and flow.dtype == np.uint8
    np.testing.assert_array_equal(flow[::3], clip)
    np.testing.assert_array_equal(blend[::3], clip)
    inner = (slice(None), slice(8, -8), slice(8, -8))  # away from the edge the pattern enters
    mid = [1, 2, 4, 5]
    assert psnr(flow[mid][inner], truth[mid][inner]) > psnr(blend[mid][inner], truth[mid][inner]) + 8


def test_a_square_moving_over_a_still_background_has_no_ghost():
    frames = np.full((3, 48, 48, 3), 40, np.uint8)
    for t, x in enumerate((8, 12, 16)):  # 8 px between the frames given
        frames[t, 18:30, x:x + 12] = 220
    middle = FrameInterpolator().between(frames[0], frames[2], 0.5)
    assert psnr(middle, frames[1]) > psnr(((frames[0].astype(int) + frames[2]) // 2), frames[1]) + 5


def test_between_and_whole_times_return_the_frames():
    clip = translating(3, 1.0, size=32)
    f = FrameInterpolator()
    np.testing.assert_array_equal(f.between(clip[0], clip[1], 0.0), clip[0])
    np.testing.assert_array_equal(f.between(clip[0], clip[1], 1.0), clip[1])
    np.testing.assert_array_equal(f.retime(clip, [2, 0, 1]), clip[[2, 0, 1]])


def test_playback_times_keep_the_duration():
    times = playback_times(16, 8, 24)
    assert len(times) == 48 and times[3] == 1.0 and times[-1] == 15.0
    np.testing.assert_array_equal(playback_times(16, 8, 8), np.arange(16))
    assert len(playback_times(16, 8, 8, slow_motion=2)) == 32
    assert len(playback_times(16, 8, 4)) == 8
    clip = translating(16, 1.0, size=16)
    np.testing.assert_array_equal(FrameInterpolator().resample(clip, 8, 8), clip)
    assert FrameInterpolator().resample(clip, 8, 24).shape == (48, 16, 16, 3)


@pytest.mark.parametrize("call, message", [
    (lambda: FrameInterpolator("magic"), "Unknown interpolation method 'magic'; accepted: flow, blend"),
    (lambda: playback_times(16, 8, 0), "Frame rates must be finite numbers > 0"),
    (lambda: playback_times(16, 8, 8, slow_motion=0.5), "slow-motion factor must be a finite number >= 1"),
    (lambda: FrameInterpolator().interpolate(np.zeros((2, 8, 8, 3), np.uint8), 0), "integer >= 1"),
    (lambda: FrameInterpolator().retime(np.zeros((2, 8, 8, 3), np.uint8), [1.5]), "values from 0 to 1"),
    (lambda: FrameInterpolator().interpolate(np.zeros((2, 8, 8), np.uint8), 2), r"\(T, H, W, 3\)"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
