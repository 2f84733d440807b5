"""Captions and attribute sampling of scenes, against the specification."""

import numpy as np
import pytest

from tfds_builders.scenes import captions
from tfds_builders.scenes import scenes_dataset_builder as sdb
from tfds_builders.scenes import spec

NAMES = spec.ATTRIBUTE_COLUMNS


def generated(num=4000, held_out=False, seed=0):
    """Attributes (N, 7), named (N, 5) and captions sampled the way the builder samples them."""
    rng = np.random.default_rng(seed)
    attrs = sdb.sample_attributes(rng, num, held_out=held_out)
    named = captions.sample_named(rng, attrs, name_triple=held_out)
    texts = [captions.make_caption(rng, dict(zip(NAMES, a)), dict(zip(spec.NAMED_ATTRIBUTES, n)))
             for a, n in zip(attrs, named)]
    return attrs, named, texts


@pytest.fixture(scope="module")
def train():
    return generated()


def _every_phrase():
    phrases = [p for table in (spec.PLACE_PHRASES, spec.TIME_PHRASES, spec.TIME_NOUNS, spec.WEATHER_PHRASES,
                               spec.CAMERA_PHRASES, spec.STYLE_LEADS, spec.STYLE_TAILS)
               for ps in table.values() for p in ps]
    phrases += list(spec.UNNAMED_PLACE_PHRASES) + [f"a {a} " for a in spec.ADJECTIVES]
    for ps in spec.SUBJECT_PHRASES.values():
        phrases += sorted({p.format(h=h) for p in ps for h in ("left", "right")})
    return phrases


def test_every_phrase_occurs_in_training_captions(train):
    text = "\n".join(train[2])
    missing = [p for p in _every_phrase() if p not in text]
    assert not missing
    assert sum(" over " in c for c in train[2]) > 100  # the noun form is common


def test_a_beautiful_sunset_over_the_ocean_is_a_caption():
    attrs = dict(time="sunset", place="ocean", weather="clear", subject="none", heading="none",
                 camera="static", style="natural")
    named = dict(time=True, place=True, weather=False, camera=False, style=False)
    seen = {captions.make_caption(np.random.default_rng(i), attrs, named) for i in range(400)}
    assert "a beautiful sunset over the ocean" in seen


def test_parse_caption_reads_back_what_is_named(train):
    attrs, named, texts = train
    for a, n, text in zip(attrs, named, texts):
        values = {name: spec.ATTRIBUTES[name][i] for name, i in zip(NAMES, a)}
        expected = {name: values[name] for name, flag in zip(spec.NAMED_ATTRIBUTES, n) if flag}
        if values["subject"] != "none":
            expected.update(subject=values["subject"], heading=values["heading"])
        assert spec.parse_caption(text) == expected, text
        for name, default in spec.DEFAULTS.items():  # unnamed attributes are at their defaults
            if name not in expected:
                assert values[name] == default, text


def test_parse_caption_of_typed_prompts():
    assert spec.parse_caption("A beautiful sunset over the ocean") == {"time": "sunset", "place": "ocean"}
    assert spec.parse_caption(
        "a cinematic shot of the city at night in the rain, the camera pans left") == {
        "time": "night", "place": "city", "weather": "rain", "camera": "pan_left", "style": "cinematic"}
    assert spec.parse_caption(b"a bird flying left over the desert, panning to the right") == {
        "place": "desert", "subject": "bird", "heading": "left", "camera": "pan_right"}
    assert spec.parse_caption("something else entirely") == {}


def test_naming_probabilities(train):
    attrs, named, _ = train
    n = dict(zip(spec.NAMED_ATTRIBUTES, named.T))
    col = {name: attrs[:, i] for i, name in enumerate(NAMES)}
    assert abs(n["time"].mean() - 0.9) < 0.02 and abs(n["place"].mean() - 0.9) < 0.02
    for name, default, p in (("weather", "clear", 0.4), ("camera", "static", 0.3), ("style", "natural", 0.4)):
        at_default = col[name] == spec.ATTRIBUTES[name].index(default)
        assert n[name][~at_default].all()
        assert abs(n[name][at_default].mean() - p) < 0.06, name


def test_attribute_sampling_and_held_out_triples(train):
    assert sum(spec.is_held_out(p, t, w) for p in range(5) for t in range(4) for w in range(5)) == 14
    assert spec.is_held_out("ocean", "sunrise", "clear") and not spec.is_held_out(1, 0, 0)
    attrs = train[0]
    col = {name: attrs[:, i] for i, name in enumerate(NAMES)}
    assert not any(spec.is_held_out(p, t, w) for p, t, w in zip(col["place"], col["time"], col["weather"]))
    freq = np.bincount(col["subject"], minlength=4) / len(attrs)
    np.testing.assert_allclose(freq, spec.SUBJECT_PROBABILITIES, atol=0.03)
    expected_heading = {0: {0}, 1: {1, 2}, 2: {1, 2}, 3: {3}}
    for s, h in zip(col["subject"], col["heading"]):
        assert h in expected_heading[s]
    for name in ("camera", "style", "time"):
        freq = np.bincount(col[name]) / len(attrs)
        assert np.abs(freq - 1 / len(spec.ATTRIBUTES[name])).max() < 0.035, name
    unseen, named, texts = generated(500, held_out=True)
    assert all(spec.is_held_out(a[1], a[0], a[2]) for a in unseen)
    assert named[:, :3].all()
    assert len({tuple(a[:3]) for a in unseen}) == 14


def test_bad_inputs_are_refused():
    attrs = dict(time="day", place="city", weather="rain", subject="none", heading="none",
                 camera="static", style="natural")
    named = dict(time=True, place=True, weather=False, camera=False, style=False)
    with pytest.raises(ValueError, match="unnamed weather must be 'clear'"):
        captions.make_caption(np.random.default_rng(0), attrs, named)
    with pytest.raises(ValueError, match="Unknown place"):
        captions.make_caption(np.random.default_rng(0), dict(attrs, place="moon"), named)
    with pytest.raises(ValueError, match="does not go with"):
        captions.make_caption(np.random.default_rng(0), dict(attrs, weather="clear", subject="bird"), named)
