import os

import numpy as np
import pytest
import tensorflow as tf

from tf_t2v.export.serving_endpoints import SIGNATURES
from tf_t2v.testing.test_case import TestCase
from tf_t2v.testing.saved_model_ops import saved_model_op_types
from tiny_text_to_video import (
    MAX_BATCH_SIZE, PROMPTS, SEEDS, artifacts, keras_clips, keras_sampler, loaded_signatures
)

OPS_AFTER_2_10 = os.path.join(os.path.dirname(__file__), "tf_core_ops_after_2_10.txt")


def serve(prompts, seeds):
    return loaded_signatures().serving_default(
        prompt=tf.constant(prompts, tf.string), seed=tf.constant(seeds, tf.int64)
    )["video"].numpy()


class ServableOpsTest(TestCase):
    def test_every_op_is_one_tf_serving_2_10_carries(self):
        op_types = self.assertSavedModelServable(artifacts().export_dir, min_serving_version="2.10")
        with open(OPS_AFTER_2_10) as f:
            newer = {line.strip() for line in f if line.strip() and not line.startswith("#")}
        self.assertEqual(sorted(set(op_types) & newer), [], "TF ops that TF Serving 2.10 lacks")
        # The tokenizer runs in the graph: its TF Text op is there, and no Python callback.
        self.assertIn("CaseFoldUTF8", op_types)
        self.assertNotIn("PyFunc", op_types)
        self.assertNotIn("EagerPyFunc", op_types)

    def test_the_op_list_reads_functions_too(self):
        op_types = saved_model_op_types(artifacts().export_dir)
        for op in ("StatelessRandomNormalV2", "Conv2DBackpropInput", "LookupTableFindV2", "Assert"):
            self.assertIn(op, op_types)


def test_signatures_take_raw_strings_and_give_uint8_video():
    s = loaded_signatures()
    assert set(SIGNATURES) <= set(s.loaded.signatures)
    inputs = s.serving_default.structured_input_signature[1]
    assert {k: (v.dtype, v.shape.as_list()) for k, v in inputs.items()} == {
        "prompt": (tf.string, [None]), "seed": (tf.int64, [None])}
    assert {k: (v.dtype, v.shape.as_list()) for k, v in s.serving_default.structured_outputs.items()} == {
        "video": (tf.uint8, [None, 4, 16, 16, 3])}
    assert s.encode_text.structured_outputs["embedding"].shape.as_list() == [None, 16]
    inputs = s.generate_from_embedding.structured_input_signature[1]
    assert {k: (v.dtype, v.shape.as_list()) for k, v in inputs.items()} == {
        "embedding": (tf.float32, [None, 16]), "seed": (tf.int64, [None]), "truncation": (tf.float32, [])}


def test_serving_default_gives_the_keras_models_clips_bit_for_bit():
    np.testing.assert_array_equal(serve(PROMPTS, SEEDS), keras_clips())


def test_a_clip_does_not_depend_on_its_batch():
    single = np.concatenate([serve([p], [s]) for p, s in zip(PROMPTS, SEEDS)])
    np.testing.assert_array_equal(single, keras_clips())
    np.testing.assert_array_equal(serve(PROMPTS[::-1], SEEDS[::-1]), keras_clips()[::-1])


def test_the_models_own_batched_generate_agrees_up_to_rounding():
    own = artifacts().gan.generate(PROMPTS, seed=SEEDS).astype(int)
    assert np.abs(own - keras_clips()).max() <= 1


def test_encode_then_generate_from_embedding_matches_generate_at_any_truncation():
    s = loaded_signatures()
    embedding = s.encode_text(prompt=tf.constant(PROMPTS))["embedding"]
    np.testing.assert_array_equal(embedding.numpy(), keras_sampler().encode_text(PROMPTS))
    # The model's own eager encoder gives the same vectors up to float rounding.
    np.testing.assert_allclose(
        embedding.numpy(), artifacts().gan.encode_text(tf.constant(PROMPTS)).numpy(), atol=1e-5
    )
    for truncation in (1.0, 0.5):
        video = s.generate_from_embedding(
            embedding=embedding, seed=tf.constant(SEEDS, tf.int64), truncation=tf.constant(truncation)
        )["video"].numpy()
        np.testing.assert_array_equal(video, keras_clips(truncation))


def test_seeds_are_reproducible_and_distinct():
    a = serve([PROMPTS[0]] * 3, [5, 5, 6])
    np.testing.assert_array_equal(a[0], a[1])
    assert not np.array_equal(a[0], a[2])


def test_any_int64_seed_is_valid():
    video = serve(["red"] * 4, [0, -1, np.iinfo(np.int64).min, np.iinfo(np.int64).max])
    assert video.shape == (4, 4, 16, 16, 3)


def test_over_long_prompts_are_truncated_to_the_sequence_length():
    words = "a small red circle moves slowly to the"  # 8 words: the tokenizer's sequence_length
    long = serve([words + " left" * 500], [1])
    np.testing.assert_array_equal(long, serve([words], [1]))


def test_a_10000_character_prompt_is_truncated():
    long = PROMPTS[0] + " left" * 2000
    assert len(long) > 10_000
    np.testing.assert_array_equal(serve([long, "x" * 10_000], [1, 2]), serve([PROMPTS[0], "zebra"], [1, 2]))


def test_invalid_utf8_becomes_one_unknown_symbol():
    # Each byte that is not UTF-8 becomes U+FFFD, a symbol: a word of its own, unknown.
    np.testing.assert_array_equal(serve([b"red \xff\xfe circle", b"\xe2\x82", b"red\xffcircle"], [3, 4, 5]),
                                  serve(["red zebra zebra circle", "zebra", "red zebra circle"], [3, 4, 5]))


def test_emoji_other_scripts_and_unknown_words_give_the_unknown_word_clip():
    prompts = ["zebra giraffe", "\U0001f993 \U0001f992", "\u7ea2\u8272", "\u043a\u0440\u0430\u0441\u043d\u044b\u0439 \u043a\u0440\u0443\u0433"]
    clips = serve(prompts, [5] * 4)
    for clip in clips[1:]:
        np.testing.assert_array_equal(clip, clips[0])
    assert not np.array_equal(clips[0], serve(["red circle"], [5])[0])


@pytest.mark.parametrize("prompt, seed, message", [
    (tf.constant([5]), tf.constant([1], tf.int64), "input #0.* was expected to be a string tensor but is a int32"),
    (tf.constant([0.5]), tf.constant([1], tf.int64), "input #0.* was expected to be a string tensor but is a float"),
    (tf.constant(["red"]), tf.constant([1], tf.int32), "input #1.* was expected to be a int64 tensor but is a int32"),
    (tf.constant(["red"]), tf.constant(["1"]), "input #1.* was expected to be a int64 tensor but is a string"),
    (tf.constant("red"), tf.constant([1], tf.int64), "input must be a vector, got shape: \\[\\]"),
])
def test_inputs_of_the_wrong_type_or_rank_are_invalid_arguments(prompt, seed, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        loaded_signatures().serving_default(prompt=prompt, seed=seed)


def test_an_empty_batch_gives_no_clips():
    assert serve(np.zeros([0], object), np.zeros([0], np.int64)).shape == (0, 4, 16, 16, 3)


@pytest.mark.parametrize("prompts", [[""], ["   "], ["red", "\t\n"], ["\x00\x01"]])
def test_blank_prompts_are_an_invalid_argument(prompts):
    with pytest.raises(tf.errors.InvalidArgumentError, match="must not be empty or blank"):
        serve(prompts, list(range(len(prompts))))
    with pytest.raises(tf.errors.InvalidArgumentError, match="must not be empty or blank"):
        loaded_signatures().encode_text(prompt=tf.constant(prompts))


def test_a_batch_above_the_cap_is_an_invalid_argument():
    n = MAX_BATCH_SIZE + 1
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"at most {MAX_BATCH_SIZE} prompts"):
        serve(["red"] * n, list(range(n)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"at most {MAX_BATCH_SIZE} embeddings"):
        loaded_signatures().generate_from_embedding(
            embedding=tf.zeros([n, 16]), seed=tf.range(n, dtype=tf.int64), truncation=tf.constant(1.0))


def test_seed_count_must_match():
    with pytest.raises(tf.errors.InvalidArgumentError, match="needs one seed; got.*3.*seeds for.*2"):
        serve(["red", "blue"], [1, 2, 3])


@pytest.mark.parametrize("embedding, truncation, message", [
    (np.full((1, 16), np.nan, np.float32), 1.0, "finite"),
    (np.zeros((1, 16), np.float32), -0.5, "truncation must be a finite number >= 0"),
    (np.zeros((1, 16), np.float32), np.inf, "truncation must be a finite number >= 0"),
])
def test_bad_embeddings_and_truncations_are_invalid_arguments(embedding, truncation, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        loaded_signatures().generate_from_embedding(
            embedding=tf.constant(embedding), seed=tf.constant([1], tf.int64),
            truncation=tf.constant(truncation, tf.float32))


def test_two_object_models_embed_one_vector_per_object():
    from tf_t2v.export.serving_endpoints import ServingEndpoints
    from tf_t2v.export.text_to_video_sampler import TextToVideoSampler
    from tf_t2v.testing.tiny_models import tiny_gan

    gan = tiny_gan(num_objects=2)
    assert ServingEndpoints(gan).embedding_dim == 2 * gan.text_encoder.hidden_dim
    sampler = TextToVideoSampler.from_keras_model(gan)
    embedding = sampler.encode_text(["a red circle moves left and a blue square moves right"])
    assert embedding.shape == (1, 32)
    np.testing.assert_array_equal(
        sampler.generate_from_embedding(embedding, [5]),
        sampler.generate(["a red circle moves left and a blue square moves right"], seed=5),
    )
