"""Reading a moving_shapes caption back into the attribute labels it names."""

import re

from tfds_builders.moving_shapes import spec

_CONJUNCTIONS = ("and", "while")


def _phrase_table():
    """Every caption phrase -> (attribute, ClassLabel index); conjunctions -> (None, None)."""
    table = {}
    for attribute, names in spec.ATTRIBUTES.items():
        for index, name in enumerate(names):
            table[name] = (attribute, index)
    for attribute, words in (
        ("size", spec.SIZE_WORDS),
        ("speed", spec.SPEED_WORDS),
        ("direction", spec.DIRECTION_WORDS),
    ):
        for name, phrases in words.items():
            for phrase in phrases:
                table[phrase] = (attribute, spec.ATTRIBUTES[attribute].index(name))
    for word in _CONJUNCTIONS:
        table[word] = (None, None)
    return table


_TABLE = _phrase_table()
# Longest phrases first, so "up and to the left" wins over "up", "and" and "to the left".
_ALTERNATIVES = "|".join(re.escape(p) for p in sorted(_TABLE, key=len, reverse=True))
_PATTERN = re.compile(r"(?<![\w-])(" + _ALTERNATIVES + r")(?![\w-])")


def parse_caption(caption):
    """The attribute labels a moving_shapes caption names, or None if it cannot be read.

    A caption is one clause per object, clauses joined by "and" or "while"; each clause must
    name every attribute exactly once, with the words of `spec` (any synonym, any word order).
    Case and punctuation are ignored, and so are words that name no attribute (verbs,
    determiners).

    Args:
        caption: str or bytes (UTF-8).

    Returns:
        dict attribute name -> ClassLabel index (int) for one object, or -> tuple of indices in
        clause order for several; None when a clause lacks an attribute or names one twice.

    Example:
    ```python
    from tf_t2v.eval import parse_caption
    parse_caption("slowly, a tiny green diamond glides toward the bottom right")
    # {'shape': 3, 'color': 1, 'size': 0, 'direction': 7, 'speed': 0}
    ```
    """
    if isinstance(caption, bytes):
        caption = caption.decode("utf-8", errors="replace")
    if not isinstance(caption, str):
        raise ValueError(f"caption must be str or bytes; got {type(caption).__name__}.")
    text = " ".join(re.sub(r"[^a-z\- ]", " ", caption.lower()).split())
    clauses = [{}]
    for match in _PATTERN.finditer(text):
        attribute, index = _TABLE[match.group(1)]
        if attribute is None:
            clauses.append({})
        elif attribute in clauses[-1]:
            return None
        else:
            clauses[-1][attribute] = index
    if any(set(clause) != set(spec.ATTRIBUTES) for clause in clauses):
        return None
    if len(clauses) == 1:
        return {a: clauses[0][a] for a in spec.ATTRIBUTES}
    return {a: tuple(clause[a] for clause in clauses) for a in spec.ATTRIBUTES}
