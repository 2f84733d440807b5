"""`PromptReader`: which words of a prompt a model knows, and what an unknown word may have meant."""

import dataclasses
import difflib

from tf_t2v.text.text_tokenizer import split_words, to_utf8_bytes


@dataclasses.dataclass(frozen=True)
class WordReading:
    """How one word of a prompt was read.

    Args:
        word: str. The word as the tokenizer sees it (normalised, case-folded).
        known: bool. The word is in the model's vocabulary (else it is read as unknown).
        suggestions: tuple of str. For an unknown word, the closest known words (typos).
    """

    word: str
    known: bool
    suggestions: tuple = ()


class PromptReader:
    """Reads prompts against a model's vocabulary, with the tokenizer's own normalisation.

    Punctuation is split off and skipped (it carries no meaning the reader reports); every other
    word is known or unknown, and unknown words get up to three close known words
    (`difflib` similarity >= `cutoff`), so "sqaure" suggests "square".

    Args:
        vocabulary: list of str. The model's words (`model.vocabulary`, or an export's metadata).
        lowercase: bool. As the model's tokenizer.
        cutoff: float. Least similarity in [0, 1] of a suggestion.

    Example:
    ```python
    from tf_t2v.text import PromptReader

    reader = PromptReader(["a", "red", "square", "moves", "up"])
    [(r.word, r.known, r.suggestions) for r in reader.read("a red sqaure moves upwrd")][2]
    # ('sqaure', False, ('square',))
    reader.unknown_words("a red sqaure")  # ['sqaure']
    ```
    """

    def __init__(self, vocabulary, lowercase=True, cutoff=0.75):
        self.vocabulary = list(vocabulary)
        self.lowercase = bool(lowercase)
        self.cutoff = float(cutoff)
        self._known = set(self.vocabulary)
        self._words = [w for w in self.vocabulary if any(ch.isalnum() for ch in w)]

    def words(self, prompt):
        """The words (str) of `prompt` as the tokenizer splits them, punctuation left out."""
        text = to_utf8_bytes(prompt) if isinstance(prompt, str) else prompt
        split = split_words([text], lowercase=self.lowercase).to_list()[0]
        words = [w.decode("utf-8", "replace") for w in split]
        return [w for w in words if any(ch.isalnum() for ch in w)]

    def read(self, prompt):
        """A `WordReading` per word of `prompt`, in order."""
        out = []
        for word in self.words(prompt):
            if word in self._known:
                out.append(WordReading(word, True))
            else:
                close = difflib.get_close_matches(word, self._words, n=3, cutoff=self.cutoff)
                out.append(WordReading(word, False, tuple(close)))
        return out

    def knows(self, word):
        """Whether `word` (as `words` gives it) is in the vocabulary."""
        return word in self._known

    def unknown_words(self, prompt):
        return [r.word for r in self.read(prompt) if not r.known]

    def coverage(self, prompt):
        """The share of the prompt's words the model knows (0 for a prompt without words)."""
        readings = self.read(prompt)
        return sum(r.known for r in readings) / len(readings) if readings else 0.0

    def describe(self, prompt):
        """One line for people: the unknown words with their suggestions, or None if all are known."""
        readings = self.read(prompt)
        unknown = [r for r in readings if not r.known]
        if not unknown:
            return None
        if len(unknown) == len(readings):
            return f"the model knows none of the words of {prompt!r}; it reads them all as unknown"
        parts = []
        for r in unknown:
            hint = f" (did you mean {' or '.join(repr(s) for s in r.suggestions)}?)" if r.suggestions else ""
            parts.append(f"{r.word!r}{hint}")
        return f"words the model does not know, read as unknown: {', '.join(parts)}"
