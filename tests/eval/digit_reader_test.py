import numpy as np
import pytest

from tf_t2v.eval.digit_reader import DigitReader, crops, locate, motion
from tfds_builders.moving_digits import render


def _clips(num, seed=0):
    """Real moving_digits clips (num, 16, 64, 64, 3), their tracks (num, 16, 2), digits and axes."""
    rng = np.random.default_rng(seed)
    images, labels = render.digit_images()
    axes = rng.integers(2, size=(num, 1))
    tracks = render.tracks(axes, render.sample_motion(rng, (num, 1)))[:, 0]
    sources = rng.integers(len(images), size=num)
    clips = np.stack([render.render_clip(images[[s]], t[None]) for s, t in zip(sources, tracks)])
    return clips, tracks, labels[sources], axes[:, 0]


def test_locate_finds_the_pasted_position_of_real_clips():
    clips, tracks, _, _ = _clips(64)
    np.testing.assert_array_equal(locate(clips), tracks)


def test_locate_ignores_a_speck_far_from_the_digit():
    clips, tracks, _, _ = _clips(4, seed=1)
    specked = clips.copy()
    x, y = tracks[:, 0, 0], tracks[:, 0, 1]
    for i in range(4):  # one bright pixel in the corner farthest from the digit
        specked[i, :, 0 if y[i] > 18 else 63, 0 if x[i] > 18 else 63] = 255
    assert np.abs(locate(specked) - tracks).max() <= 1


def test_motion_reads_real_tracks_as_the_spec_draws_them():
    _, tracks, _, axes = _clips(128, seed=2)
    read = motion(tracks)
    np.testing.assert_array_equal(read["axis"], axes)
    assert read["bounce_error"].max() == 0.0 and read["drift"].max() == 0.0
    assert 2.5 < read["speed"].mean() <= 3.0  # a bounce shortens its step


def test_motion_tells_a_still_or_a_wandering_digit_from_a_bounce():
    still = np.full((1, 16, 2), 10)
    read = motion(still)
    assert read["speed"][0] == 0.0 and read["bounce_error"][0] > 5.0
    slow = np.stack([np.arange(16), np.full(16, 10)], -1)[None]  # 1 px a frame
    assert motion(slow)["bounce_error"][0] > 2.0
    wobbly = np.stack([np.clip(3 * np.arange(16), 0, 36), 10 + 5 * (np.arange(16) % 2)], -1)[None]
    read = motion(wobbly)
    assert read["axis"][0] == 0 and read["drift"][0] == 5.0


def test_crops_cut_the_digit_image_out_of_a_clip():
    images, _ = render.digit_images()
    clips, tracks, _, _ = _clips(3, seed=3)
    cut = crops(clips, tracks)
    assert cut.shape == (3, 16, 28, 28, 1) and cut.max() <= 1.0
    # Every frame's crop is the same source image.
    np.testing.assert_array_equal(cut[:, :1].repeat(16, axis=1), cut)


def test_a_reader_reads_a_batch_and_survives_saving(tmp_path):
    reader = DigitReader(filters=[4, 8], feature_dim=16)
    clips, tracks, _, _ = _clips(5, seed=4)
    read = reader.read(clips, batch_size=2)
    assert read["digit"].shape == (5,) and read["features"].shape == (5, 16)
    assert ((read["confidence"] > 0) & (read["confidence"] <= 1)).all()
    np.testing.assert_array_equal(read["track"], tracks)
    path = str(tmp_path / "reader.keras")
    reader.save(path)
    import keras

    again = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(again.read(clips)["features"], read["features"], atol=1e-5)
    assert again.get_config()["filters"] == [4, 8]


def test_blank_clips_do_not_break_the_reader():
    reader = DigitReader(filters=[4, 8], feature_dim=16)
    read = reader.read(np.zeros((2, 16, 64, 64, 3), np.uint8))
    assert read["speed"].tolist() == [0.0, 0.0] and read["track"].min() >= 0


def test_frames_smaller_than_a_digit_are_refused():
    with pytest.raises(ValueError, match="at least 28x28"):
        locate(np.zeros((1, 2, 16, 16, 3), np.uint8))
