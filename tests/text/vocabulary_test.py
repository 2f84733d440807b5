import os

import tensorflow as tf

from tf_t2v.testing.test_case import TestCase
from tf_t2v.text import OOV_ID, TextTokenizer, build_vocabulary, load_vocabulary, save_vocabulary

CAPTIONS = [
    "A RED Circle.",
    "a blue square moves left.",
    "A red square, then a blue circle!",
]


class VocabularyTest(TestCase):
    def test_order_is_frequency_then_alphabetical(self):
        vocab = build_vocabulary(CAPTIONS)
        # a: 4; ".", blue, circle, red, square: 2 each; then the words seen once.
        self.assertEqual(
            vocab,
            ["a", ".", "blue", "circle", "red", "square", "!", ",", "left", "moves", "then"],
        )
        self.assertEqual(build_vocabulary(list(reversed(CAPTIONS))), vocab)

    def test_min_count_and_max_size(self):
        self.assertEqual(build_vocabulary(CAPTIONS, min_count=3), ["a"])
        self.assertEqual(build_vocabulary(CAPTIONS, max_size=3), ["a", ".", "blue"])
        with self.assertRaisesRegex(ValueError, "min_count"):
            build_vocabulary(CAPTIONS, min_count=0)
        with self.assertRaisesRegex(ValueError, "max_size"):
            build_vocabulary(CAPTIONS, max_size=0)
        with self.assertRaisesRegex(ValueError, "captions"):
            build_vocabulary("a red circle")

    def test_same_splitting_as_the_tokenizer(self):
        captions = CAPTIONS + ["\uff33\uff31\uff35\uff21\uff32\uff25 \u732b\u3002", b"\xff red"]
        vocab = build_vocabulary(captions)
        self.assertIn("square", vocab)  # full-width letters, NFKC-normalised
        self.assertIn("\u732b", vocab)
        ids = TextTokenizer(vocab, sequence_length=16)(captions).numpy()
        self.assertNotIn(OOV_ID, ids)

    def test_lowercase_false(self):
        self.assertEqual(build_vocabulary(["Red red"], lowercase=False), ["Red", "red"])

    def test_tensor_and_dataset_inputs(self):
        expected = build_vocabulary(CAPTIONS)
        self.assertEqual(build_vocabulary(tf.constant(CAPTIONS)), expected)
        self.assertEqual(build_vocabulary(tf.data.Dataset.from_tensor_slices(CAPTIONS)), expected)
        self.assertEqual(build_vocabulary([]), [])

    def test_save_and_load_round_trip(self):
        vocab = build_vocabulary(CAPTIONS + ["\u043a\u0440\u0443\u0433 \U0001F600"])
        path = os.path.join(self.get_temp_dir(), "vocab.txt")
        save_vocabulary(path, vocab)
        self.assertEqual(load_vocabulary(path), vocab)
        with tf.io.gfile.GFile(path) as f:
            self.assertEqual(f.read().splitlines(), vocab)
        with self.assertRaisesRegex(ValueError, "line breaks"):
            save_vocabulary(path, ["a\nb"])
