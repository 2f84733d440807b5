from tf_t2v.text import PromptReader

VOCABULARY = ["a", "big", "blue", "square", "moves", "up", "upward", "sunset", "over", "the", "ocean"]


def test_known_and_unknown_words_with_suggestions_for_typos():
    readings = PromptReader(VOCABULARY).read("A big blu sqaure moves upwrd.")
    assert [(r.word, r.known) for r in readings] == [
        ("a", True), ("big", True), ("blu", False), ("sqaure", False), ("moves", True), ("upwrd", False)]
    suggestions = {r.word: r.suggestions for r in readings if not r.known}
    assert suggestions["sqaure"][0] == "square" and suggestions["blu"][0] == "blue"
    assert suggestions["upwrd"][0] == "upward"


def test_words_are_normalised_as_the_tokenizer_does():
    reader = PromptReader(VOCABULARY)
    assert reader.words("A beautiful  SUNSET, over the Ocean!") == ["a", "beautiful", "sunset", "over", "the", "ocean"]
    assert reader.unknown_words("A beautiful sunset over the ocean") == ["beautiful"]
    assert reader.coverage("A beautiful sunset over the ocean") == 5 / 6


def test_describe_says_when_nothing_is_known_and_is_silent_when_all_is():
    reader = PromptReader(VOCABULARY)
    assert reader.describe("a blue square moves up") is None
    assert "knows none of the words" in reader.describe("rain falling on forests")
    assert "'sqaure' (did you mean 'square'" in reader.describe("a sqaure")
    assert reader.coverage("") == 0.0 and reader.read("") == []
