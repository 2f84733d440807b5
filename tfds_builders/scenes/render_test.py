"""Rendered scenes clips measured against the specification."""

import numpy as np
import pytest

from tfds_builders.scenes import render
from tfds_builders.scenes import spec

T = spec.NUM_FRAMES
CALM = dict(time="day", place="meadow", weather="clear", subject="none", heading="none",
            camera="static", style="natural")


def attrs_of(**names):
    names = dict(CALM, **names)
    return np.array([spec.ATTRIBUTES[a].index(names[a]) for a in spec.ATTRIBUTE_COLUMNS])


def clip(height=64, seed=0, scene=None, **names):
    """One clip (T, H, H, 3) uint8 from attribute names (the rest as CALM)."""
    attrs = attrs_of(**names)
    if scene is None:
        scene = render.scene_row(render.sample_scenes(np.random.default_rng(seed), attrs[None]), 0)
    return render.render_clip(attrs, scene, height)


def rows_of(mask):
    return np.nonzero(mask.any(axis=1))[0]


def test_shape_dtype_and_determinism():
    a = clip(32, seed=3, weather="rain", style="vintage", subject="bird", heading="left", camera="zoom_out")
    assert a.shape == (T, 32, 32, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, clip(32, seed=3, weather="rain", style="vintage", subject="bird",
                                          heading="left", camera="zoom_out"))


@pytest.mark.parametrize("time", spec.TIMES)
def test_sky_top_row_is_the_top_colour(time):
    height = 64
    video = clip(height, time=time, place="ocean")
    top, horizon = np.array(spec.SKY_TOP[time]), np.array(spec.SKY_HORIZON[time])
    v = np.array([0.5, 1.5]) / (2 * height)  # the two sample rows of pixel row 0
    expected = top + (horizon - top) * (v / spec.HORIZON["ocean"]).mean()
    measured = np.median(video[:, 0].reshape(-1, 3), axis=0)  # stars may cross the top row
    np.testing.assert_allclose(measured, expected, atol=0.51)
    assert np.abs(expected - top).max() < 3  # and that is within a few levels of the top colour


@pytest.mark.parametrize("height", [32, 64, 128])
def test_cinematic_letterbox_rows_are_black(height):
    video = clip(height, style="cinematic", time="day")
    bar = {32: 4, 64: 8, 128: 16}[height]
    assert render.letterbox_rows(height) == bar
    assert (video[:, :bar] == 0).all() and (video[:, height - bar:] == 0).all()
    assert (video[:, bar:height - bar].max(axis=-1) > 0).mean() > 0.99


def test_night_city_windows_lit_and_unlit_and_day_windows_tinted():
    night = clip(128, time="night", place="city")
    counts = [(night == spec.WINDOW_LIT).all(-1).sum(), (night == spec.WINDOW_UNLIT).all(-1).sum()]
    assert min(counts) > 100, counts
    day = clip(128, time="day", place="city")
    assert (day == spec.WINDOW_DAY).all(-1).sum() > 100
    assert (day == spec.WINDOW_LIT).all(-1).sum() == 0
    street = np.array(spec.STREET) * np.array(spec.TINT["night"])
    np.testing.assert_allclose(night[:, -1].reshape(-1, 3).mean(0), street, atol=0.51)


def _sun_top(video, colour):
    near = np.abs(video.astype(int) - colour).max(-1) <= 2  # (T, H, W)
    return np.array([rows_of(f)[0] for f in near])


@pytest.mark.parametrize("time, sign", [("sunset", 1), ("sunrise", -1)])
def test_the_sun_sets_at_sunset_and_rises_at_sunrise(time, sign):
    video = clip(64, time=time, place="meadow", style="natural")
    top = _sun_top(video, np.array(spec.SUN_COLOUR[time]))
    assert np.all(np.diff(top) * sign >= 0)
    assert abs((top[-1] - top[0]) * sign - 0.16 * 64) <= 1.5, top


@pytest.mark.parametrize("camera, sign", [("pan_right", -1), ("pan_left", 1)])
def test_pans_move_content_the_other_way(camera, sign):
    video = clip(64, place="city", camera=camera).astype(float)
    rows = slice(45, 51)  # buildings, above the street
    first, last = video[0, rows], video[-1, rows]
    errors = {d: np.abs(np.roll(first, d, axis=1)[:, 25:39] - last[:, 25:39]).mean() for d in range(-25, 26)}
    assert min(errors, key=errors.get) == sign * round(0.3 * 64)


def test_zooms_start_or_end_at_the_static_view():
    static = clip(64, place="desert", camera="static")
    np.testing.assert_array_equal(clip(64, place="desert", camera="zoom_in")[0], static[0])
    np.testing.assert_array_equal(clip(64, place="desert", camera="zoom_out")[-1], static[-1])
    assert np.abs(clip(64, place="desert", camera="zoom_in")[-1].astype(int) - static[-1]).max() > 20


def test_balloon_rises_and_bird_flies_its_heading():
    video = clip(64, subject="balloon", heading="up", place="desert")
    envelope = (np.array(spec.BALLOON_ENVELOPE) * (0.5 + 0.5 * np.array(spec.TINT["day"]))).round()
    rows = [np.nonzero((np.abs(f.astype(int) - envelope).max(-1) <= 1))[0].mean() for f in video]
    assert abs((rows[0] - rows[-1]) - 0.25 * 64) < 1.5
    for heading, sign in (("right", 1), ("left", -1)):
        video = clip(64, subject="bird", heading=heading, place="ocean", time="day")
        cols = [np.nonzero((f[:30] <= 60).all(-1))[1].mean() for f in video]  # dark bird in the sky
        assert abs((cols[-1] - cols[0]) * sign - 0.4 * 64) < 2


def test_fog_is_half_the_clear_frame_and_half_fog_colour():
    scene = render.scene_row(render.sample_scenes(np.random.default_rng(1), attrs_of()[None]), 0)
    clear = clip(64, scene=scene).astype(float)
    fog = clip(64, scene=scene, weather="fog").astype(float)
    np.testing.assert_allclose(fog, 0.5 * clear + 0.5 * np.array(spec.FOG["day"]), atol=1.01)


def test_animation_is_posterized_with_outlines():
    video = clip(64, style="animation", place="mountains", subject="plane", heading="left")
    assert set(np.unique(video)) <= {15, 25, 76, 127, 178, 229}
    assert (video == 15).all(-1).sum() > 0


def test_vintage_is_sepia_and_rain_and_snow_add_particles():
    video = clip(64, style="vintage", place="ocean").astype(int)
    r, g, b = video[..., 0], video[..., 1], video[..., 2]
    assert (r >= g).all() and (g >= b).all()
    for weather in ("rain", "snow"):
        wet = clip(64, weather=weather, place="city", time="night")
        colour = spec.RAIN_COLOUR if weather == "rain" else spec.SNOW_COLOUR
        bright = (wet.astype(int) > np.array(colour) * 0.45 + 5).all(-1).sum(axis=(1, 2))
        assert (bright > 10).all(), bright  # particles in every frame


def test_building_edges_run_past_the_frame():
    x0, x1 = render.building_edges(np.full(render.MAX_BUILDINGS, 0.07))
    assert x0[0] == -0.2 and x1[-1] > 1.2 and x1[-2] <= 1.2
    np.testing.assert_allclose(x0[1:], x1[:-1])


def test_phases_draw_the_same_motion_at_another_frame_rate():
    attrs = attrs_of(subject="bird", heading="left", camera="pan_right", style="vintage", weather="snow")
    scene = render.scene_row(render.sample_scenes(np.random.default_rng(5), attrs[None]), 0)
    fast = render.render_clip(attrs, scene, 32, render.phases_of(3 * (T - 1) + 1))
    assert fast.shape == (46, 32, 32, 3)
    np.testing.assert_array_equal(fast[::3], render.render_clip(attrs, scene, 32))
    assert not np.array_equal(fast[1], fast[0]) and not np.array_equal(fast[1], fast[3])
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        render.render_clip(attrs, scene, 32, [0.0, 1.5])
