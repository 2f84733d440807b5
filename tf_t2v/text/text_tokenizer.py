"""`TextTokenizer`: raw prompts to padded word ids, in-graph, servable by TF Serving."""

import keras
import tensorflow as tf
import tensorflow_text as tf_text

PAD_ID = 0
OOV_ID = 1
PAD_TOKEN = "[PAD]"
OOV_TOKEN = "[UNK]"
RESERVED_TOKENS = (PAD_TOKEN, OOV_TOKEN)  # ids 0 and 1; vocabulary words start at id 2

# Each match becomes a word of its own: punctuation, symbols (emoji included), and characters of
# scripts written without spaces (Han, Hiragana, Katakana), as BERT's basic tokenizer does.
_SPLIT_OFF_PATTERN = r"[\pP\pS\p{Han}\p{Hiragana}\p{Katakana}]"
# Unicode whitespace and control characters separate words.
_SEPARATOR_PATTERN = r"[\s\p{Z}\p{Cc}]+"


def to_utf8_bytes(text):
    """`text` as UTF-8 bytes. Lone surrogates (how Python keeps undecodable command-line bytes)
    give back their bytes or become invalid UTF-8, which the tokenizer replaces with U+FFFD."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def normalize_text(text, lowercase=True):
    """Valid, NFKC-normalised (and case-folded) UTF-8 with words separated by single spaces.

    Invalid UTF-8 bytes become U+FFFD instead of raising. Uses only TF core and TF Text ops.

    Args:
        text: tf.string tensor of any shape.
        lowercase: bool. Apply Unicode case folding (NFKC_Casefold) instead of plain NFKC.

    Returns:
        A tf.string tensor with the shape of `text`.
    """
    text = tf.convert_to_tensor(text, dtype=tf.string)
    text = tf.strings.unicode_transcode(
        text, input_encoding="UTF-8", output_encoding="UTF-8", errors="replace"
    )
    if lowercase:
        text = tf_text.case_fold_utf8(text)  # also applies NFKC
    else:
        text = tf_text.normalize_utf8(text, "NFKC")
    text = tf.strings.regex_replace(text, _SPLIT_OFF_PATTERN, r" \0 ")
    return tf.strings.strip(tf.strings.regex_replace(text, _SEPARATOR_PATTERN, " "))


def split_words(text, lowercase=True):
    """Normalise `text` (B,) and split it into words: a (B, None) tf.string RaggedTensor."""
    return tf.strings.split(normalize_text(text, lowercase=lowercase))


def _validate_vocabulary(vocabulary):
    if isinstance(vocabulary, (str, bytes)):
        raise ValueError(
            "`vocabulary` must be a list of words, not a single string. "
            "Use `tf_t2v.text.load_vocabulary(path)` to read a vocabulary file."
        )
    words = list(vocabulary)
    if not words:
        raise ValueError("`vocabulary` must hold at least one word. Received an empty list.")
    for word in words:
        if not isinstance(word, str) or word.split() != [word]:
            raise ValueError(
                "`vocabulary` must hold non-empty str words without spaces, "
                f"as `tf_t2v.text.build_vocabulary` returns. Received: {word!r}"
            )
        if word in RESERVED_TOKENS:
            raise ValueError(
                f"`vocabulary` must not contain the reserved tokens {RESERVED_TOKENS}; "
                f"they always take ids {PAD_ID} and {OOV_ID}. Received: {word!r}"
            )
    if len(set(words)) != len(words):
        duplicates = sorted({w for w in words if words.count(w) > 1})
        raise ValueError(f"`vocabulary` must not repeat words. Repeated: {duplicates[:10]}")
    return words


@keras.saving.register_keras_serializable(package="tf_t2v")
class TextTokenizer(keras.layers.Layer):
    """Raw prompts to padded word ids, entirely in-graph.

    Steps: repair invalid UTF-8 (bad bytes become U+FFFD), NFKC normalisation and case folding,
    punctuation, symbols and CJK characters split off, split on whitespace, truncate to
    `sequence_length` words, look words up (unknown words get the OOV id), pad with 0.
    Uses only TF core and TF Text ops, so a SavedModel holding it runs on TF Serving >= 2.10.
    Id 0 is padding, id 1 is OOV, and word `i` of `vocabulary` gets id `i + 2`.

    Input of any shape `S` (a scalar prompt or a batch `(B,)`) gives int32 ids of shape
    `S + (sequence_length,)`.

    Args:
        vocabulary: list of str. Words in id order, as `tf_t2v.text.build_vocabulary` returns;
            saved in the config.
        sequence_length: int. Number of ids per prompt; longer prompts are truncated.
        lowercase: bool. Case-fold prompts; must match the setting the vocabulary was built with.

    Example:
    ```python
    from tf_t2v.text import TextTokenizer, build_vocabulary

    vocab = build_vocabulary(["A red circle.", "a blue square"])
    tokenizer = TextTokenizer(vocab, sequence_length=6)
    ids = tokenizer(["A RED square!"])  # (1, 6) int32: [[a, red, square, OOV, 0, 0]]
    tokenizer.detokenize(ids)           # [b"a red square [UNK]"]
    ```
    """

    def __init__(self, vocabulary, sequence_length=24, lowercase=True, **kwargs):
        super().__init__(dtype=kwargs.pop("dtype", None) or "int32", **kwargs)
        if not keras.backend.is_int_dtype(self.compute_dtype):
            raise ValueError(
                f"`dtype` of a TextTokenizer must be an integer type. Received: {self.compute_dtype}"
            )
        if int(sequence_length) < 1:
            raise ValueError(f"`sequence_length` must be a positive int. Received: {sequence_length}")
        self.vocabulary = _validate_vocabulary(vocabulary)
        self.sequence_length = int(sequence_length)
        self.lowercase = bool(lowercase)
        # Strings pass through untouched; there is nothing to build.
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self.built = True

        num_reserved = len(RESERVED_TOKENS)
        # Attribute assignment tracks the table, so SavedModel export carries it.
        self.lookup_table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                keys=tf.constant(self.vocabulary, dtype=tf.string, shape=[len(self.vocabulary)]),
                values=tf.range(num_reserved, num_reserved + len(self.vocabulary), dtype=tf.int64),
            ),
            default_value=OOV_ID,
        )

    @property
    def vocabulary_size(self):
        """Number of ids, reserved ones included: `len(vocabulary) + 2`."""
        return len(self.vocabulary) + len(RESERVED_TOKENS)

    def get_vocabulary(self):
        """All tokens in id order, reserved ones first."""
        return list(RESERVED_TOKENS) + list(self.vocabulary)

    def call(self, inputs):
        inputs = tf.convert_to_tensor(inputs, dtype=tf.string)
        flat = tf.reshape(inputs, [-1])  # (B,)
        words = split_words(flat, lowercase=self.lowercase)[:, : self.sequence_length]  # (B, <=L)
        ids = tf.ragged.map_flat_values(self.lookup_table.lookup, words)
        ids = ids.to_tensor(default_value=PAD_ID, shape=[None, self.sequence_length])  # (B, L)
        ids = tf.cast(ids, self.compute_dtype)
        return tf.reshape(ids, tf.concat([tf.shape(inputs), [self.sequence_length]], axis=0))

    def detokenize(self, ids):
        """Ids `S + (L,)` back to space-joined words `S`; padding dropped, OOV shown as `[UNK]`."""
        ids = tf.cast(tf.convert_to_tensor(ids), tf.int64)
        tokens = tf.constant(self.get_vocabulary(), dtype=tf.string)
        in_range = tf.logical_and(ids >= 0, ids < self.vocabulary_size)
        words = tf.gather(tokens, tf.where(in_range, ids, OOV_ID))
        words = tf.where(tf.equal(ids, PAD_ID), "", words)
        text = tf.strings.reduce_join(words, axis=-1, separator=" ")
        return tf.strings.strip(tf.strings.regex_replace(text, " +", " "))

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(
            tuple(inputs.shape) + (self.sequence_length,), dtype=self.compute_dtype
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary": list(self.vocabulary),
                "sequence_length": self.sequence_length,
                "lowercase": self.lowercase,
            }
        )
        return config
