import os

import keras
import numpy as np
import tensorflow as tf

from tf_t2v.testing.test_case import TestCase
from tf_t2v.text import OOV_ID, PAD_ID, TextTokenizer

VOCAB = ["a", "red", "circle", "blue", "square", ".", ",", "!"]
L = 6


def ids_of(*words):
    return [VOCAB.index(w) + 2 for w in words]


def padded(ids, length=L):
    return ids + [PAD_ID] * (length - len(ids))


class TextTokenizerTest(TestCase):
    def setUp(self):
        super().setUp()
        self.tokenizer = TextTokenizer(VOCAB, sequence_length=L)

    def test_ids_shape_and_dtype(self):
        ids = self.tokenizer(tf.constant(["a red circle", "blue"]))
        self.assertEqual(ids.shape, (2, L))
        self.assertEqual(ids.dtype, tf.int32)
        self.assertAllEqual(ids, [padded(ids_of("a", "red", "circle")), padded(ids_of("blue"))])
        self.assertEqual(self.tokenizer.vocabulary_size, len(VOCAB) + 2)

    def test_scalar_and_python_inputs(self):
        self.assertAllEqual(self.tokenizer("a red"), padded(ids_of("a", "red")))
        self.assertAllEqual(self.tokenizer(["a red"]), [padded(ids_of("a", "red"))])

    def test_case_and_unicode_normalisation(self):
        # Case folding, and NFKC maps full-width letters to ASCII.
        ids = self.tokenizer(["A RED Circle.", "a red circle .", "\uff21 \uff32\uff25\uff24 circle."])
        self.assertAllEqual(ids[0], ids[1])
        self.assertAllEqual(ids[0], ids[2])
        self.assertAllEqual(ids[0], padded(ids_of("a", "red", "circle", ".")))

    def test_lowercase_false_keeps_case(self):
        tokenizer = TextTokenizer(VOCAB + ["Red"], sequence_length=L, lowercase=False)
        self.assertAllEqual(tokenizer(["Red red RED"])[0], padded([len(VOCAB) + 2, 3, OOV_ID]))

    def test_punctuation_and_whitespace_split(self):
        ids = self.tokenizer(["red,circle!", "  a\tred\n\u00a0square\u3000. "])
        self.assertAllEqual(ids[0], padded(ids_of("red", ",", "circle", "!")))
        self.assertAllEqual(ids[1], padded(ids_of("a", "red", "square", ".")))

    def test_unknown_words_get_oov_id(self):
        ids = self.tokenizer(["a purple hexagon"])
        self.assertAllEqual(ids[0], padded(ids_of("a") + [OOV_ID, OOV_ID]))

    def test_invalid_utf8_bytes_do_not_error(self):
        ids = self.tokenizer(tf.constant([b"\xff\xfe red", b"re\xc3d"]))
        self.assertAllEqual(ids[0], padded([OOV_ID, OOV_ID] + ids_of("red")))
        self.assertEqual(ids.shape, (2, L))

    def test_emoji_and_non_latin_scripts(self):
        prompts = ["a \U0001F469\u200d\U0001F4BB red", "\u732b\u304c\u8d70\u308b\u3002", "\u043a\u0440\u0430\u0441\u043d\u044b\u0439 \u043a\u0440\u0443\u0433", "\u0645\u0631\u0628\u0639 \u0623\u062d\u0645\u0631"]
        ids = self.tokenizer(prompts)
        self.assertEqual(ids.shape, (4, L))
        self.assertEqual(ids[0, 0], ids_of("a")[0])
        self.assertIn(ids_of("red")[0], ids[0].numpy())
        # Han and kana characters are words of their own: 5 OOV words.
        self.assertAllEqual(ids[1], [OOV_ID] * 5 + [PAD_ID])
        self.assertAllEqual(ids[2], padded([OOV_ID, OOV_ID]))

    def test_empty_string_is_all_padding(self):
        self.assertAllEqual(self.tokenizer(["", " \t\n"]), np.zeros((2, L), np.int32))

    def test_long_prompt_is_truncated(self):
        prompt = ("red " * 2500)[:10000]
        self.assertEqual(len(prompt), 10000)
        ids = self.tokenizer([prompt])
        self.assertAllEqual(ids, [ids_of("red") * L])

    def test_empty_batch(self):
        ids = self.tokenizer(tf.zeros([0], tf.string))
        self.assertEqual(ids.shape, (0, L))

    def test_tf_function_with_unknown_batch_and_autograph_off(self):
        fn = tf.function(
            lambda prompts: self.tokenizer(prompts),
            input_signature=[tf.TensorSpec([None], tf.string)],
            autograph=False,
        )
        prompts = tf.constant(["A red circle.", "", b"\xff"])
        self.assertAllEqual(fn(prompts), self.tokenizer(prompts))
        self.assertEqual(fn(tf.zeros([0], tf.string)).shape, (0, L))

    def test_detokenize(self):
        text = self.tokenizer.detokenize(self.tokenizer(["A RED hexagon!", ""]))
        self.assertAllEqual(text, [b"a red [UNK] !", b""])

    def test_invalid_arguments(self):
        for vocabulary in ([], ["a", "a"], ["[UNK]"], ["two words"], [""], "a red"):
            with self.assertRaisesRegex(ValueError, "vocabulary"):
                TextTokenizer(vocabulary)
        with self.assertRaisesRegex(ValueError, "sequence_length"):
            TextTokenizer(VOCAB, sequence_length=0)
        with self.assertRaisesRegex(ValueError, "integer"):
            TextTokenizer(VOCAB, dtype="float32")

    def test_serialization(self):
        revived = self.run_serialization_test(self.tokenizer)
        self.assertAllEqual(revived(["a red square"]), self.tokenizer(["a red square"]))

    def test_keras_saving(self):
        prompts = keras.Input(shape=(), dtype="string", name="prompt")
        model = keras.Model(prompts, self.tokenizer(prompts))
        self.run_keras_saving_test(model, tf.constant(["A red circle.", b"\xff blue"]))

    def test_export_archive_round_trip_with_servable_ops(self):
        prompts = tf.constant(["A RED Circle.", b"\xff\xfe red", "", "\U0001F600 " * 50])
        archive = keras.export.ExportArchive()
        archive.track(self.tokenizer)
        archive.add_endpoint(
            "tokenize",
            self.tokenizer.call,
            input_signature=[tf.TensorSpec([None], tf.string, name="prompt")],
        )
        export_dir = os.path.join(self.get_temp_dir(), "tokenizer")
        archive.write_out(export_dir, verbose=False)

        restored = tf.saved_model.load(export_dir)
        self.assertAllEqual(restored.tokenize(prompts), self.tokenizer(prompts))
        self.assertAllEqual(
            restored.signatures["serving_default"](prompt=prompts)["output_0"],
            self.tokenizer(prompts),
        )
        op_types = self.assertSavedModelServable(export_dir)
        # The only ops from outside TF core are TF Text's Unicode normalisers.
        self.assertEqual([op for op in op_types if not hasattr(tf.raw_ops, op)], ["CaseFoldUTF8"])
        self.assertIn("LookupTableFindV2", op_types)

    def test_tf_saved_model_save_round_trip(self):
        module = tf.Module()
        module.tokenizer = TextTokenizer(VOCAB, sequence_length=L, lowercase=False)
        module.tokenize = tf.function(
            module.tokenizer.call,
            input_signature=[tf.TensorSpec([None], tf.string)],
            autograph=False,
        )
        export_dir = os.path.join(self.get_temp_dir(), "module")
        tf.saved_model.save(module, export_dir)
        restored = tf.saved_model.load(export_dir)
        prompts = tf.constant(["a Red circle.", "square"])
        self.assertAllEqual(restored.tokenize(prompts), module.tokenizer(prompts))
        self.assertIn("NormalizeUTF8", self.assertSavedModelServable(export_dir))
