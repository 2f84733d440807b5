"""Bad and unusual prompts, seeds and arguments through the Python API, `tf_t2v.load(path).generate`."""

import numpy as np
import pytest
import tensorflow as tf

import tf_t2v
from tf_t2v.export.text_to_video_sampler import as_prompt_bytes, seeds_for
from tiny_text_to_video import PROMPTS, artifacts, keras_model

PROMPT = PROMPTS[0]  # 8 words: the tiny tokenizer's sequence_length
INT64_MIN, INT64_MAX = np.iinfo(np.int64).min, np.iinfo(np.int64).max


@pytest.fixture(scope="module", params=["saved_model", "keras"])
def model(request):
    return tf_t2v.load(artifacts().export_dir) if request.param == "saved_model" else keras_model()


@pytest.mark.parametrize("prompts", ["", [""], ["   "], ["red", "\t\n"]])
def test_empty_and_blank_prompts_are_refused(model, prompts):
    with pytest.raises(ValueError, match="must not be empty or blank"):
        model.generate(prompts, seed=1)


def test_a_10000_character_prompt_is_truncated_to_the_sequence_length(model):
    long = PROMPT + " left" * 2000
    assert len(long) > 10_000
    np.testing.assert_array_equal(model.generate([long], seed=3), model.generate([PROMPT], seed=3))
    # One 10,000-character word is one unknown word.
    np.testing.assert_array_equal(model.generate(["x" * 10_000], seed=3), model.generate(["zebra"], seed=3))


def test_invalid_utf8_is_replaced_by_one_unknown_symbol(model):
    expected = model.generate(["red zebra circle"], seed=4)
    np.testing.assert_array_equal(model.generate([b"red \xff circle"], seed=4), expected)
    # How Python hands over undecodable command-line bytes (surrogateescape).
    np.testing.assert_array_equal(model.generate(["red \udcff circle"], seed=4), expected)
    assert model.generate(["red \ud800 circle"], seed=4).shape == (1, 4, 16, 16, 3)


def test_unknown_words_emoji_and_other_scripts_become_the_unknown_word(model):
    # Emoji and Han characters are words of their own; none of these is in the vocabulary.
    prompts = ["zebra giraffe", "\U0001f993 \U0001f992", "\u7ea2\u8272", "\u043a\u0440\u0430\u0441\u043d\u044b\u0439 \u043a\u0440\u0443\u0433"]
    clips = model.generate(prompts, seed=[5] * 4)
    for clip in clips[1:]:
        np.testing.assert_array_equal(clip, clips[0])
    assert not np.array_equal(clips[0], model.generate(["red circle"], seed=5)[0])
    mixed = model.generate(["a small red \U0001f534 moves slowly to the left"], seed=6)
    np.testing.assert_array_equal(mixed, model.generate(["a small red zebra moves slowly to the left"], seed=6))


def test_a_batch_of_zero_gives_no_clips(model):
    assert model.generate([], seed=1).shape == (0, 4, 16, 16, 3)
    assert model.generate(np.array([], str), seed=1).shape == (0, 4, 16, 16, 3)


def test_seeds_at_the_int64_limits_are_valid(model):
    clips = model.generate(["red"] * 4, seed=[-1, INT64_MIN, INT64_MAX, np.int64(7)])
    assert clips.shape == (4, 4, 16, 16, 3)
    np.testing.assert_array_equal(model.generate(["red", "red"], seed=INT64_MAX - 1)[1], clips[2])
    np.testing.assert_array_equal(model.generate("red", seed=INT64_MIN), clips[1:2])


@pytest.mark.parametrize("seed, message", [
    (INT64_MAX, r"from -2\*\*63 to 2\*\*63 - 2, so that the 2 seeds seed..seed\+1 fit in int64; got 9223372036854775807"),
    (2**63, r"from -2\*\*63 to 2\*\*63 - 2"),
    (-(2**63) - 1, r"from -2\*\*63 to 2\*\*63 - 2"),
    ([1, 2**64], "Seeds must be integers from -2\\*\\*63 to 2\\*\\*63 - 1; seed 1 is 18446744073709551616"),
    ([1, 2.5], "seed 1 is 2.5"),
    (1.5, "seed must be an int, a list of ints"),
    ("7", "seed must be an int, a list of ints"),
    (True, "seed must be an int, a list of ints"),
    ([1], "Got 1 seeds for 2 prompts"),
])
def test_bad_seeds_are_refused(model, seed, message):
    with pytest.raises(ValueError, match=message):
        model.generate(["red", "blue"], seed=seed)


@pytest.mark.parametrize("prompts, message", [
    (5, "got int 5"),
    (None, "got NoneType None"),
    ([5], "prompt 0 is int 5"),
    (["red", None], "prompt 1 is NoneType None"),
    ([["red"]], "prompt 0 is list"),
    ({"red": 1}, "got dict"),
    (np.array([["red"]]), r"got an array of shape \(1, 1\)"),
])
def test_prompts_that_are_not_strings_are_refused(model, prompts, message):
    with pytest.raises(ValueError, match="prompts must be a str, or a list of str.*" + message):
        model.generate(prompts, seed=1)


def test_arrays_and_tensors_of_strings_are_prompts(model):
    expected = model.generate(["red", "blue"], seed=2)
    np.testing.assert_array_equal(model.generate(np.array(["red", "blue"]), seed=2), expected)
    np.testing.assert_array_equal(model.generate(tf.constant(["red", "blue"]), seed=2), expected)
    np.testing.assert_array_equal(model.generate(("red", b"blue"), seed=2), expected)


@pytest.mark.parametrize("kwargs, message", [
    (dict(truncation="x"), "truncation must be a finite number >= 0; got 'x'"),
    (dict(truncation=float("nan")), "truncation must be a finite number >= 0; got nan"),
    (dict(truncation=float("inf")), "truncation must be a finite number >= 0; got inf"),
    (dict(batch_size=0), "batch_size must be an integer >= 1 or None"),
    (dict(batch_size=2.0), "batch_size must be an integer >= 1 or None"),
])
def test_bad_truncations_and_batch_sizes_are_refused(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        model.generate(["red"], seed=1, **kwargs)


def test_request_helpers():
    assert as_prompt_bytes("caf\u00e9") == [b"caf\xc3\xa9"]
    assert as_prompt_bytes(["\udcff"]) == [b"\xff"]
    assert seeds_for(-2, 3).tolist() == [-2, -1, 0]
    assert seeds_for(INT64_MAX - 2, 3).tolist() == [INT64_MAX - 2, INT64_MAX - 1, INT64_MAX]
    assert seeds_for(np.array([3, 4], np.uint64), 2).dtype == np.int64
    assert seeds_for(5, 0).shape == (0,)
