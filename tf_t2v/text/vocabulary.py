"""Build, save and load the word vocabulary of a `TextTokenizer`."""

import collections

import tensorflow as tf

from tf_t2v.text.text_tokenizer import split_words

_BATCH_SIZE = 1024  # captions normalised per TF call


def build_vocabulary(captions, min_count=1, max_size=None, lowercase=True):
    """The words of `captions`, split exactly as `TextTokenizer` splits them.

    Ordered by descending count, ties broken alphabetically (by UTF-8 bytes), so the result is
    deterministic. The reserved tokens (`[PAD]`, `[UNK]`) are not included: `TextTokenizer` adds them.

    Args:
        captions: iterable of str or bytes, or a tf.string tensor / `tf.data.Dataset` of scalars.
        min_count: int. Drop words seen fewer times.
        max_size: int or None. Keep at most this many words (the most frequent).
        lowercase: bool. Must match the `lowercase` of the `TextTokenizer` that will use it.

    Returns:
        list of str.
    """
    if int(min_count) < 1:
        raise ValueError(f"`min_count` must be a positive int. Received: {min_count}")
    if max_size is not None and int(max_size) < 1:
        raise ValueError(f"`max_size` must be a positive int or None. Received: {max_size}")
    if isinstance(captions, (str, bytes)):
        raise ValueError("`captions` must be an iterable of captions, not a single string.")
    if isinstance(captions, tf.data.Dataset):
        captions = captions.as_numpy_iterator()
    elif tf.is_tensor(captions):
        captions = tf.reshape(captions, [-1]).numpy()

    counts = collections.Counter()

    def count(batch):
        words = split_words(tf.constant(batch, dtype=tf.string), lowercase=lowercase)
        counts.update(words.flat_values.numpy())

    batch = []
    for caption in captions:
        batch.append(caption)
        if len(batch) == _BATCH_SIZE:
            count(batch)
            batch = []
    if batch:
        count(batch)

    words = sorted(
        (word for word, n in counts.items() if n >= min_count),
        key=lambda word: (-counts[word], word),
    )
    words = [word.decode("utf-8") for word in words]
    return words[:max_size] if max_size is not None else words


def save_vocabulary(path, vocabulary):
    """Write one word per line (UTF-8); `path` may be any `tf.io.gfile` path."""
    for word in vocabulary:
        if not word or "\n" in word or "\r" in word:
            raise ValueError(f"Words must be non-empty and hold no line breaks. Received: {word!r}")
    with tf.io.gfile.GFile(path, "w") as f:
        f.write("".join(word + "\n" for word in vocabulary))


def load_vocabulary(path):
    """Read a vocabulary written by `save_vocabulary`: a list of str, in file order."""
    with tf.io.gfile.GFile(path, "rb") as f:
        text = f.read().decode("utf-8")
    return [line.rstrip("\r") for line in text.split("\n") if line.rstrip("\r")]
