import itertools
import unittest

import numpy as np

from tf_t2v.eval import parse_caption
from tfds_builders.moving_shapes import captions, spec

ATTRIBUTES = tuple(spec.ATTRIBUTES)
COMBINATIONS = list(itertools.product(*(range(len(v)) for v in spec.ATTRIBUTES.values())))
SYNONYMS = [
    phrase
    for table in (spec.SIZE_WORDS, spec.SPEED_WORDS, spec.DIRECTION_WORDS)
    for phrases in table.values()
    for phrase in phrases
]
PHRASES = SYNONYMS + list(spec.VERBS) + list(spec.DETERMINERS)


class ParseCaptionTest(unittest.TestCase):
    def test_round_trips_every_generated_caption(self):
        rng = np.random.default_rng(0)
        seen = set()
        for _ in range(4):
            for combo in COMBINATIONS:
                obj = dict(zip(ATTRIBUTES, combo))
                caption = captions.make_caption(rng, [obj])
                self.assertEqual(parse_caption(caption), obj, caption)
                seen.update(p for p in PHRASES if f" {p} " in f" {caption.replace(',', '')} ")
        self.assertEqual(set(PHRASES) - seen, set(), "every synonym should have been tried")

    def test_every_template_and_synonym(self):
        obj = {"shape": 2, "color": 5, "size": 1, "direction": 4, "speed": 0}
        names = {a: spec.ATTRIBUTES[a][obj[a]] for a in ATTRIBUTES}
        for template in captions.TEMPLATES:
            for size, speed, direction, verb, det in itertools.product(
                spec.SIZE_WORDS[names["size"]],
                spec.SPEED_WORDS[names["speed"]],
                spec.DIRECTION_WORDS[names["direction"]],
                spec.VERBS,
                spec.DETERMINERS,
            ):
                caption = template.format(
                    det=det, size=size, color=names["color"], shape=names["shape"], verb=verb,
                    speed=speed, direction=direction,
                )
                self.assertEqual(parse_caption(caption), obj, caption)

    def test_two_objects_in_clause_order(self):
        rng = np.random.default_rng(1)
        for _ in range(300):
            i, j = rng.integers(len(COMBINATIONS), size=2)
            first, second = (dict(zip(ATTRIBUTES, COMBINATIONS[k])) for k in (i, j))
            caption = captions.make_caption(rng, [first, second])
            expected = {a: (first[a], second[a]) for a in ATTRIBUTES}
            self.assertEqual(parse_caption(caption), expected, caption)

    def test_flipped_captions_follow_the_direction_maps(self):
        rng = np.random.default_rng(2)
        for combo in COMBINATIONS[::5]:
            obj = dict(zip(ATTRIBUTES, combo))
            caption = captions.make_caption(rng, [obj])
            d = obj["direction"]
            flipped = parse_caption(spec.hflip_caption(caption))
            reversed_ = parse_caption(spec.reverse_caption(caption))
            self.assertEqual(flipped["direction"], spec.HFLIP_DIRECTION[d], caption)
            self.assertEqual(reversed_["direction"], spec.REVERSE_DIRECTION[d], caption)

    def test_case_punctuation_bytes_and_label_names(self):
        expected = {"shape": 0, "color": 0, "size": 0, "direction": 5, "speed": 1}
        caption = "A Small RED circle moves Diagonally Up-Right, FAST!"
        self.assertEqual(parse_caption(caption), expected)
        self.assertEqual(parse_caption(b"a small red circle goes up-right quickly"), expected)

    def test_unreadable_captions_give_none(self):
        for caption in (
            "",
            "a red circle moves left",  # no size, no speed
            "a small big red circle moves slowly to the left",  # two sizes
            "a small red circle moves slowly to the left and",  # an empty clause
            "a small red circle moves slowly left and a big blue square moves up",  # 2nd: no speed
        ):
            self.assertIsNone(parse_caption(caption), caption)
        with self.assertRaisesRegex(ValueError, "str or bytes"):
            parse_caption(3)


if __name__ == "__main__":
    unittest.main()
