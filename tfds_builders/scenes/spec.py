"""The numbers of the scenes dataset, as its specification gives them.

Everything that renders, captions or evaluates scenes clips reads its constants from here, so
the definition has one home.

Coordinates: view (u, v) in [0, 1]^2 with v downward; world (X, Y) from the camera. Colours are
RGB floats in [0, 255].
"""

import re

from tfds_builders import generated

NUM_FRAMES = 16
FPS = 8

TIMES = ("sunrise", "day", "sunset", "night")
PLACES = ("ocean", "mountains", "desert", "meadow", "city")
WEATHERS = ("clear", "cloudy", "rain", "snow", "fog")
SUBJECTS = ("none", "bird", "plane", "balloon")
HEADINGS = ("none", "left", "right", "up")
CAMERAS = ("static", "pan_left", "pan_right", "zoom_in", "zoom_out")
STYLES = ("natural", "animation", "cinematic", "vintage")

# Attribute name -> its ClassLabel names, in ClassLabel order (a dict keeps its insertion order).
ATTRIBUTES = {
    "time": TIMES,
    "place": PLACES,
    "weather": WEATHERS,
    "subject": SUBJECTS,
    "heading": HEADINGS,
    "camera": CAMERAS,
    "style": STYLES,
}
# Column order of attribute index arrays, e.g. (N, 7) in the builder.
ATTRIBUTE_COLUMNS = tuple(ATTRIBUTES)
# The attributes that have a bool `<attribute>_named` feature.
NAMED_ATTRIBUTES = ("time", "place", "weather", "camera", "style")
# What an attribute the caption does not name is (time and place: any value).
DEFAULTS = {"weather": "clear", "camera": "static", "style": "natural", "subject": "none"}

SUBJECT_PROBABILITIES = (0.4, 0.2, 0.2, 0.2)  # none, bird, plane, balloon
# Probability that an attribute at its default value is named (time and place: any value);
# a weather, camera or style away from its default is always named, a subject always.
NAMING_PROBABILITY = {"time": 0.9, "place": 0.9, "weather": 0.4, "camera": 0.3, "style": 0.4}

# Split sizes by default; the builder can shrink them.
SPLIT_SIZES = {"train": 30_000, "validation": 1_000, "test": 2_000, "test_unseen": 2_000}

# Config name -> frame height = width; every config has NUM_FRAMES frames.
CONFIGS = {"scenes_64": 64, "scenes_32": 32, "scenes_128": 128}
DEFAULT_CONFIG = "scenes_64"


def is_held_out(place, time, weather):
    """Whether the (place, time, weather) triple is a held-out composition: 14 of the 100.

    Args are indices in `PLACES`, `TIMES` and `WEATHERS` order, or value names.
    """
    p, t, w = (_index(n, v) for n, v in (("place", place), ("time", time), ("weather", weather)))
    return (p + 2 * t + 3 * w) % 7 == 0


def _index(attribute, value):
    return generated.label_index(attribute, ATTRIBUTES[attribute], value)


# ---------------------------------------------------------------- world

HORIZON = {"ocean": 0.55, "mountains": 0.75, "desert": 0.60, "meadow": 0.60, "city": 0.80}
# Multiplies ground and building colours; RAIN_SNOW_TINT more under rain or snow.
TINT = {
    "sunrise": (1.0, 0.85, 0.8),
    "day": (1.0, 1.0, 1.0),
    "sunset": (0.95, 0.65, 0.55),
    "night": (0.18, 0.2, 0.3),
}
RAIN_SNOW_TINT = 0.8
SKY_TOP = {"sunrise": (90, 120, 190), "day": (50, 110, 215), "sunset": (60, 40, 110), "night": (8, 10, 30)}
SKY_HORIZON = {
    "sunrise": (255, 190, 140), "day": (165, 205, 245), "sunset": (250, 120, 50), "night": (30, 35, 70),
}
OVERCAST = {"sunrise": (150, 140, 140), "day": (150, 155, 165), "sunset": (120, 100, 100), "night": (25, 25, 35)}
OVERCAST_SKY_WEIGHT = 0.4  # sky <- 0.4 sky + 0.6 grey

NUM_STARS = 40
STAR_RADIUS = 0.012
STAR_COLOUR = (240, 240, 255)

NUM_CLOUDS = {"cloudy": 5, "rain": 7, "snow": 7}
CLOUD_DRIFT = 0.08
# (offset X, offset Y, radius X, radius Y) of the three ellipses of a cloud.
CLOUD_ELLIPSES = ((-0.06, 0.01, 0.07, 0.035), (0.0, -0.01, 0.09, 0.05), (0.07, 0.01, 0.06, 0.03))
CLOUD_ALPHA = 0.9
CLOUD_COLOUR = {"sunrise": (250, 210, 200), "day": (245, 245, 250), "sunset": (240, 150, 130), "night": (70, 70, 90)}
CLOUD_RAIN_SNOW = 0.6

SUN_RADIUS = 0.07
SUN_COLOUR = {"sunrise": (255, 200, 120), "day": (255, 245, 200), "sunset": (255, 140, 60), "night": (235, 235, 215)}
SUN_ALPHA_RAIN_SNOW = 0.55

OCEAN = (30, 90, 165)
DESERT = (225, 190, 120)
MEADOW = (70, 150, 55)
NUM_FLOWERS = 30
FLOWER_RADIUS = 0.012
FLOWER_COLOURS = ((230, 60, 60), (240, 220, 60), (250, 250, 250), (200, 90, 200))
NUM_PEAKS = 4
MOUNTAIN_LIT = (100, 105, 125)  # left of the highest peak
MOUNTAIN_SHADE = (80, 85, 105)  # right of it
MOUNTAIN_GRASS = (40, 90, 50)
BUILDING_COLOURS = ((70, 70, 80), (90, 85, 80), (60, 65, 75))
WINDOW_DAY = (150, 180, 210)
WINDOW_LIT = (255, 210, 110)
WINDOW_UNLIT = (30, 30, 40)
STREET = (50, 50, 55)

BIRD = (25, 25, 25)
BIRD_NIGHT = (190, 190, 200)
PLANE = (235, 235, 240)
PLANE_NIGHT = (150, 150, 160)
BALLOON_ENVELOPE = (220, 50, 50)
BALLOON_STRIPE = (240, 200, 60)
BALLOON_BASKET = (120, 80, 40)

# ---------------------------------------------------------------- weather in view coordinates

NUM_DROPS = 90
RAIN_COLOUR = (210, 215, 230)
NUM_FLAKES = 70
SNOW_COLOUR = (250, 250, 255)
FOG = {"sunrise": (200, 190, 190), "day": (200, 205, 210), "sunset": (150, 130, 130), "night": (40, 40, 50)}

# ---------------------------------------------------------------- captions

PLACE_PHRASES = {
    "ocean": ("the ocean", "the sea", "the open sea"),
    "mountains": ("the mountains", "a mountain range", "mountain peaks"),
    "desert": ("the desert", "sand dunes", "a sandy desert"),
    "meadow": ("a meadow", "a green field", "the grassland"),
    "city": ("the city", "a city skyline", "downtown"),
}
UNNAMED_PLACE_PHRASES = ("a scene", "the view", "a landscape")
TIME_PHRASES = {
    "sunrise": ("at sunrise", "at dawn", "at daybreak", "in the early morning"),
    "day": ("during the day", "in the daytime", "at midday", "at noon"),
    "sunset": ("at sunset", "at dusk", "at sundown", "in the evening"),
    "night": ("at night", "at midnight", "in the nighttime", "late at night"),
}
TIME_NOUNS = {"sunrise": ("sunrise", "dawn"), "sunset": ("sunset", "dusk")}
WEATHER_PHRASES = {
    "clear": ("under a clear sky", "with a clear sky", "in clear weather"),
    "cloudy": ("under a cloudy sky", "with clouds drifting by", "in cloudy weather"),
    "rain": ("in the rain", "while it rains", "in heavy rain", "during a rainstorm"),
    "snow": ("in the snow", "while it snows", "in falling snow", "during a snowfall"),
    "fog": ("in the fog", "in thick fog", "in the mist", "in misty weather"),
}
# Subject -> phrases; "{h}" is the heading (left or right).
SUBJECT_PHRASES = {
    "bird": ("a bird flies to the {h}", "a bird flying {h}", "with a bird flying to the {h}"),
    "plane": ("a plane flies to the {h}", "an airplane flying {h}", "with a plane crossing to the {h}"),
    "balloon": ("a hot air balloon rises", "a balloon floating upward", "with a hot air balloon rising"),
}
CAMERA_PHRASES = {
    "static": ("static shot", "the camera holds still", "a locked-off camera"),
    "pan_left": ("the camera pans left", "panning to the left", "a slow pan left"),
    "pan_right": ("the camera pans right", "panning to the right", "a slow pan right"),
    "zoom_in": ("the camera zooms in", "zooming in", "a slow zoom in"),
    "zoom_out": ("the camera zooms out", "zooming out", "the camera pulls back"),
}
STYLE_LEADS = {
    "natural": ("realistic footage of", "documentary footage of", "a photorealistic shot of"),
    "animation": ("an animated scene of", "a cartoon of", "animation of"),
    "cinematic": ("a cinematic shot of", "cinematic footage of", "a widescreen film shot of"),
    "vintage": ("vintage footage of", "an old film of", "a sepia shot of"),
}
STYLE_TAILS = {
    "natural": ("realistic style", "documentary style"),
    "animation": ("cartoon style", "animated"),
    "cinematic": ("cinematic style", "cinematic look"),
    "vintage": ("vintage style", "old film look", "sepia tone"),
}
ADJECTIVES = ("beautiful", "calm", "peaceful", "stunning", "quiet")


def _phrase_table():
    """Attribute -> [(regex, value)] for every phrase that names a value of it."""
    def words(phrase):
        return r"\b" + re.escape(phrase).replace(r"\ ", r"\s+") + r"\b"

    table = {
        "time": [(words(p), v) for v, ps in TIME_PHRASES.items() for p in ps]
        + [(words(n) + r"(?=\s+over\b)", v) for v, ns in TIME_NOUNS.items() for n in ns],
        "place": [(words(p), v) for v, ps in PLACE_PHRASES.items() for p in ps],
        "weather": [(words(p), v) for v, ps in WEATHER_PHRASES.items() for p in ps],
        "camera": [(words(p), v) for v, ps in CAMERA_PHRASES.items() for p in ps],
        "style": [(words(p), v) for v, ps in STYLE_LEADS.items() for p in ps]
        + [(words(p), v) for v, ps in STYLE_TAILS.items() for p in ps],
    }
    subject = []
    for value, phrases in SUBJECT_PHRASES.items():
        for phrase in phrases:
            headings = ("left", "right") if "{h}" in phrase else ("up",)
            for h in headings:
                subject.append((words(phrase.format(h=h)), (value, h)))
    table["subject"] = subject
    return {a: [(re.compile(r), v) for r, v in entries] for a, entries in table.items()}


_PHRASES = _phrase_table()


def parse_caption(caption):
    """The attributes a caption names, and their values, from its text alone.

    Recognises the specification's phrases (case and extra spaces do not matter). Where a
    caption names one attribute twice, the phrase that comes first wins.

    Args:
        caption: str or bytes.

    Returns:
        dict attribute name -> value name, for the attributes named: any of "time", "place",
        "weather", "camera", "style", and "subject" with "heading" (a named subject always
        comes with its heading). Attributes left out are unnamed: `DEFAULTS` says what they are.

    Example:
    ```python
    from tfds_builders.scenes.spec import parse_caption
    parse_caption("a beautiful sunset over the ocean")  # {"time": "sunset", "place": "ocean"}
    ```
    """
    if isinstance(caption, bytes):
        caption = caption.decode("utf-8")
    text = caption.lower()
    named = {}
    for attribute, entries in _PHRASES.items():
        found = [(m.start(), value) for regex, value in entries for m in [regex.search(text)] if m]
        if not found:
            continue
        value = min(found, key=lambda f: f[0])[1]
        if attribute == "subject":
            named["subject"], named["heading"] = value
        else:
            named[attribute] = value
    return {a: named[a] for a in ATTRIBUTE_COLUMNS if a in named}
