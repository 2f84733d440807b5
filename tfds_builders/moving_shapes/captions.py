"""Captions of moving_shapes clips: sentence templates over the specification's words only.

A caption is one clause per object; a clause names all five attributes, each through a
synonym drawn uniformly from `spec`'s word lists, in one of `TEMPLATES`' word orders. Two
clauses are joined with "and" or "while", in object order.
"""

from tfds_builders.moving_shapes import spec

# Slots: {det} determiner, {size} {color} {shape} the noun phrase, {verb}, {speed}, {direction}.
TEMPLATES = (
    "{det} {size} {color} {shape} {verb} {speed} {direction}",
    "{det} {size} {color} {shape} {verb} {direction} {speed}",
    "{speed}, {det} {size} {color} {shape} {verb} {direction}",
    "{direction}, {det} {size} {color} {shape} {verb} {speed}",
    "{speed} {direction}, {det} {size} {color} {shape} {verb}",
    "{det} {size} {color} {shape} {verb} {direction}, {speed}",
)
CONJUNCTIONS = ("and", "while")


def _name(attribute, value):
    names = spec.ATTRIBUTES[attribute]
    if isinstance(value, str):
        if value not in names:
            raise ValueError(f"Unknown {attribute} {value!r}; accepted: {list(names)}.")
        return value
    index = int(value)
    if not 0 <= index < len(names):
        raise ValueError(f"{attribute} index {index} is out of range; accepted: 0..{len(names) - 1}.")
    return names[index]


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def make_clause(rng, obj):
    """One object's clause: a random template filled with random synonyms.

    Args:
        rng: np.random.Generator. Source of every choice.
        obj: mapping attribute name -> value name (e.g. "circle") or ClassLabel index.
    """
    missing = set(spec.ATTRIBUTES) - set(obj)
    if missing:
        raise ValueError(f"An object needs all of {list(spec.ATTRIBUTES)}; missing {sorted(missing)}.")
    names = {a: _name(a, obj[a]) for a in spec.ATTRIBUTES}
    template = _pick(rng, TEMPLATES)
    return template.format(
        det=_pick(rng, spec.DETERMINERS),
        size=_pick(rng, spec.SIZE_WORDS[names["size"]]),
        color=names["color"],
        shape=names["shape"],
        verb=_pick(rng, spec.VERBS),
        speed=_pick(rng, spec.SPEED_WORDS[names["speed"]]),
        direction=_pick(rng, spec.DIRECTION_WORDS[names["direction"]]),
    )


def make_caption(rng, objects):
    """The caption of a clip: one clause per object, joined by "and" or "while".

    Args:
        rng: np.random.Generator. Source of every choice (template, synonyms, conjunction).
        objects: sequence of mappings attribute name -> value name or ClassLabel index, one
            per object, in drawing order; each has all five attributes of `spec.ATTRIBUTES`.

    Returns:
        str, lower case, using only the specification's words.

    Example:
    ```python
    import numpy as np
    from tfds_builders.moving_shapes.captions import make_caption
    obj = dict(shape="circle", color="red", size="small", direction="left", speed="slowly")
    make_caption(np.random.default_rng(0), [obj])  # e.g. "a tiny red circle slides slowly left"
    ```
    """
    if not objects:
        raise ValueError("make_caption needs at least one object.")
    clauses = [make_clause(rng, obj) for obj in objects]
    caption = clauses[0]
    for clause in clauses[1:]:
        caption = f"{caption} {_pick(rng, CONJUNCTIONS)} {clause}"
    return caption
