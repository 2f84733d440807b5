"""Captions, held-out pairs and attribute sampling of moving_digits, against the specification."""

import re

import numpy as np
import pytest

from tfds_builders.moving_digits import captions
from tfds_builders.moving_digits import moving_digits_dataset_builder as mdb
from tfds_builders.moving_digits import spec


def generated(num_digits, num=3000, held_out=False, seed=0):
    """Digits (N, K), axes (N, K) and captions sampled the way the builder samples them."""
    rng = np.random.default_rng(seed)
    digits, axes = mdb.sample_attributes(rng, num, num_digits, held_out=held_out)
    return digits, axes, [captions.make_caption(rng, d, a) for d, a in zip(digits, axes)]


@pytest.fixture(scope="module", params=[1, 2], ids=["single", "double"])
def train(request):
    return generated(request.param)


def _every_phrase():
    phrases = [p.format(d=d, w=w) for p in spec.DIGIT_PHRASES for d, w in enumerate(spec.DIGIT_WORDS)]
    phrases += [f" {verb} " for verb in spec.VERBS]
    return phrases + [p for ps in spec.AXIS_PHRASES.values() for p in ps]


def test_every_phrase_occurs_in_training_captions(train):
    digits, _, texts = train
    text = "\n".join(texts)
    missing = [p for p in _every_phrase() if p not in text]
    assert not missing
    if digits.shape[1] == 2:  # both conjunctions, about half the time each
        for conjunction in spec.CONJUNCTIONS:
            joined = sum(bool(re.search(rf" {conjunction} (digit|the|a) ", t)) for t in texts)
            assert abs(joined / len(texts) - 0.5) < 0.05, conjunction


def test_the_specification_examples_are_captions():
    seen = {captions.make_caption(np.random.default_rng(i), [d], [a])
            for i in range(300) for d, a in ((3, 1), (7, 0), (5, 1), (2, 0))}
    for example in ("digit 3 is moving up and down", "the digit 7 bounces left and right",
                    "the number five is going up and down", "a 2 moves horizontally"):
        assert example in seen


def test_parse_caption_agrees_with_the_labels(train):
    for digits, axes, text in zip(*train):
        expected = [{"digit": int(d), "axis": spec.AXES[a]} for d, a in zip(digits, axes)]
        assert spec.parse_caption(text) == expected, text
        assert spec.parse_caption(text.upper().encode()) == expected


def test_parse_caption_of_typed_prompts():
    assert spec.parse_caption("The number 5 bounces  Up and Down") == [{"digit": 5, "axis": "vertical"}]
    assert spec.parse_caption("digit seven and a 3 moving left and right") == [
        {"digit": 7, "axis": None}, {"digit": 3, "axis": "horizontal"}]
    assert spec.parse_caption("vertically, the digit 1") == [{"digit": 1, "axis": "vertical"}]
    assert spec.parse_caption("a cat moves horizontally") == []


def test_held_out_pairs():
    held = {(d, a) for d in range(10) for a in range(2) if spec.is_held_out(d, a)}
    assert held == {(0, 0), (5, 0), (4, 1), (9, 1)}
    assert spec.is_held_out("5", "horizontal") and not spec.is_held_out(5, "vertical")


@pytest.mark.parametrize("num_digits", [1, 2])
def test_sampling_respects_held_out_pairs_and_distinct_digits(num_digits):
    digits, axes, _ = generated(num_digits, num=2000)
    assert not any(spec.is_held_out(d, a) for d, a in zip(digits.ravel(), axes.ravel()))
    unseen_digits, unseen_axes, _ = generated(num_digits, num=2000, held_out=True, seed=1)
    held = np.vectorize(spec.is_held_out)(unseen_digits, unseen_axes)  # (N, K)
    assert held.any(axis=1).all()
    assert len({(d, a) for d, a, h in zip(unseen_digits.ravel(), unseen_axes.ravel(), held.ravel()) if h}) == 4
    if num_digits == 2:
        assert (digits[:, 0] != digits[:, 1]).all() and (unseen_digits[:, 0] != unseen_digits[:, 1]).all()
        assert (~held).any()  # the second digit of an unseen clip may be a seen pair
    pairs = {(d, a) for d, a in zip(digits.ravel(), axes.ravel())}
    assert len(pairs) == 16  # every seen pair occurs
    np.testing.assert_allclose(np.bincount(axes.ravel()) / axes.size, 0.5, atol=0.03)


def test_bad_inputs_are_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="Unknown axis"):
        captions.make_caption(rng, [3], ["diagonal"])
    with pytest.raises(ValueError, match="out of range"):
        captions.make_caption(rng, [10], [0])
    with pytest.raises(ValueError, match="one axis per digit"):
        captions.make_caption(rng, [1, 2], [0])
