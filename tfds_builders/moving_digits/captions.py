"""Captions of moving_digits clips: Sync-DRAW's sentence shape with the specification's variety.

A clause is "{digit} {verb} {axis}", each part drawn uniformly from `spec`'s phrases, e.g.
"the number five is going up and down"; the clauses of a two-digit clip are joined with "and"
or "while", in digit order.
"""

from tfds_builders.moving_digits import spec


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def make_clause(rng, digit, axis):
    """One digit's clause.

    Args:
        rng: np.random.Generator. Source of every choice (digit form, verb, axis phrase).
        digit: int 0-9 or numeral.
        axis: axis index (0 horizontal, 1 vertical) or name.
    """
    d = spec.label_index("digit", digit)
    name = spec.AXES[spec.label_index("axis", axis)]
    subject = _pick(rng, spec.DIGIT_PHRASES).format(d=d, w=spec.DIGIT_WORDS[d])
    return f"{subject} {_pick(rng, spec.VERBS)} {_pick(rng, spec.AXIS_PHRASES[name])}"


def make_caption(rng, digits, axes):
    """The caption of a clip: one clause per digit, joined by "and" or "while".

    Args:
        rng: np.random.Generator. Source of every choice.
        digits: sequence of int 0-9, one per digit of the clip.
        axes: sequence of axis indices or names, as many as `digits`.

    Returns:
        str, lower case, made of the specification's phrases only.

    Example:
    ```python
    import numpy as np
    from tfds_builders.moving_digits.captions import make_caption
    make_caption(np.random.default_rng(0), [3], ["vertical"])  # e.g. "digit 3 is moving up and down"
    ```
    """
    if not len(digits) or len(digits) != len(axes):
        raise ValueError(f"make_caption needs one axis per digit and at least one digit; got "
                         f"{len(digits)} digit(s) and {len(axes)} axis(es).")
    caption = make_clause(rng, digits[0], axes[0])
    for digit, axis in zip(digits[1:], axes[1:]):
        caption = f"{caption} {_pick(rng, spec.CONJUNCTIONS)} {make_clause(rng, digit, axis)}"
    return caption
