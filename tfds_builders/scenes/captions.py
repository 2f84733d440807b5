"""Captions of scenes clips: which attributes a caption names, and the sentence that names them.

`sample_named` decides per clip which of time, place, weather, camera and style the caption
names, with the specification's probabilities; `make_caption` writes one of `TEMPLATES` with
phrases drawn uniformly from `spec`'s lists. A template is a list of comma-separated parts, each
a list of space-separated slots; a slot whose attribute is unnamed is left out, and a part left
empty is dropped. The place slot is never empty: an unnamed place reads "a scene", "the view"
or "a landscape". The subject is named whenever there is one.
"""

import numpy as np

from tfds_builders.scenes import spec

# Slots: {lead} {tail} the style as lead or tail, {place}, {time}, {weather}, {subject},
# {camera}; {adjective} and {noun} the noun form of the time (sunrise and sunset only).
TEMPLATES = (
    (("{lead}", "{place}", "{time}", "{weather}"), ("{subject}",), ("{camera}",)),
    (("{time}",), ("{place}", "{weather}"), ("{camera}",), ("{subject}",), ("{tail}",)),
    (("a", "{adjective}", "{noun}", "over", "{place}", "{weather}"), ("{subject}",), ("{camera}",), ("{tail}",)),
    (("{place}", "{time}", "{weather}"), ("{subject}",), ("{camera}",), ("{tail}",)),
)
NOUN_TEMPLATE = 2  # needs a named sunrise or sunset


def sample_named(rng, attrs, name_triple=False):
    """Which attributes the captions of N clips name: bool (N, 5) in `spec.NAMED_ATTRIBUTES` order.

    Args:
        rng: np.random.Generator. Source of randomness.
        attrs: int array (N, 7). Attribute indices, columns `spec.ATTRIBUTE_COLUMNS`.
        name_triple: bool. Name time, place and weather always (the test_unseen split).
    """
    attrs = np.asarray(attrs, np.int64)
    draws = rng.random((len(attrs), len(spec.NAMED_ATTRIBUTES)))
    named = np.empty(draws.shape, bool)
    for k, attribute in enumerate(spec.NAMED_ATTRIBUTES):
        chance = draws[:, k] < spec.NAMING_PROBABILITY[attribute]
        if attribute in spec.DEFAULTS:  # away from its default, always named
            values = attrs[:, spec.ATTRIBUTE_COLUMNS.index(attribute)]
            chance |= values != spec.ATTRIBUTES[attribute].index(spec.DEFAULTS[attribute])
        if name_triple and attribute in ("time", "place", "weather"):
            chance[:] = True
        named[:, k] = chance
    return named


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def make_caption(rng, attrs, named):
    """The caption of one clip.

    Args:
        rng: np.random.Generator. Source of every choice (template, phrases).
        attrs: mapping attribute name -> value name or ClassLabel index, all seven of
            `spec.ATTRIBUTES`.
        named: mapping attribute name -> bool for the five of `spec.NAMED_ATTRIBUTES`.

    Returns:
        str, lower case, made of the specification's phrases only.

    Example:
    ```python
    import numpy as np
    from tfds_builders.scenes.captions import make_caption
    attrs = dict(time="sunset", place="ocean", weather="clear", subject="none", heading="none",
                 camera="static", style="natural")
    named = dict(time=True, place=True, weather=False, camera=False, style=False)
    make_caption(np.random.default_rng(0), attrs, named)  # e.g. "a beautiful sunset over the ocean"
    ```
    """
    v = {a: spec.ATTRIBUTES[a][spec._index(a, attrs[a])] for a in spec.ATTRIBUTES}
    missing = set(spec.NAMED_ATTRIBUTES) - set(named)
    if missing:
        raise ValueError(f"named needs all of {list(spec.NAMED_ATTRIBUTES)}; missing {sorted(missing)}.")
    for attribute, default in spec.DEFAULTS.items():
        if attribute != "subject" and not named[attribute] and v[attribute] != default:
            raise ValueError(f"An unnamed {attribute} must be {default!r}; got {v[attribute]!r}.")
    if (v["subject"] == "none") != (v["heading"] == "none") or (
            v["subject"] == "balloon") != (v["heading"] == "up"):
        raise ValueError(f"Heading {v['heading']!r} does not go with subject {v['subject']!r}.")

    slots = dict.fromkeys(("lead", "tail", "time", "weather", "subject", "camera", "adjective", "noun"), "")
    if named["style"]:
        slots["lead"] = _pick(rng, spec.STYLE_LEADS[v["style"]])
        slots["tail"] = _pick(rng, spec.STYLE_TAILS[v["style"]])
    slots["place"] = _pick(rng, spec.PLACE_PHRASES[v["place"]] if named["place"] else spec.UNNAMED_PLACE_PHRASES)
    if named["time"]:
        slots["time"] = _pick(rng, spec.TIME_PHRASES[v["time"]])
    if named["weather"]:
        slots["weather"] = _pick(rng, spec.WEATHER_PHRASES[v["weather"]])
    if v["subject"] != "none":
        slots["subject"] = _pick(rng, spec.SUBJECT_PHRASES[v["subject"]]).format(h=v["heading"])
    if named["camera"]:
        slots["camera"] = _pick(rng, spec.CAMERA_PHRASES[v["camera"]])
    templates = list(range(len(TEMPLATES)))
    if named["time"] and v["time"] in spec.TIME_NOUNS:
        slots["adjective"] = _pick(rng, spec.ADJECTIVES)
        slots["noun"] = _pick(rng, spec.TIME_NOUNS[v["time"]])
    else:
        templates.remove(NOUN_TEMPLATE)
    template = TEMPLATES[_pick(rng, templates)]
    parts = (" ".join(w for w in (s.format(**slots) for s in part) if w) for part in template)
    return ", ".join(p for p in parts if p)
