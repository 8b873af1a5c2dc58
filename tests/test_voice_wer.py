"""WER text normalisation: writing differences are not errors, recognition differences still are."""

import pytest

from clientsim.voice.testset import UTTERANCES
from clientsim.voice.wer import normalise, wer, word_errors


@pytest.mark.parametrize("reference, heard", [
    ("You're not sure, and that's okay.", "you are not sure and that is OK"),
    ("On a scale from zero to ten, how important is it?", "On a scale from 0 to 10. How important is it?"),
    ("How much, from zero to one hundred percent?", "How much from 0 to 100%?"),
    ("one hundred per cent", "100 percent"),
    ("twenty-five years", "25 years"),
    ("two thousand and five", "2005"),
    ("Let's summarise your behaviour.", "let us summarize your behavior"),
    ("I can't, I won't.", "I can not. I will not."),
    ("It's been a follow-up.", "it has been a follow up"),
    ("Would it be all right?", "Would it be alright?"),
    ("on the one hand", "On the 1 hand,"),
    ("Tell me more.", "[BLANK_AUDIO] Um, tell me more (laughs)."),
    ("Your counsellor’s centre", "your counselor's center"),
])
def test_writing_differences_are_not_errors(reference, heard):
    assert normalise(reference) == normalise(heard)
    assert word_errors(reference, heard)[0] == 0


@pytest.mark.parametrize("reference, heard, errors", [
    ("You said a four, not a two.", "You said the 4, not the 2.", 2),  # "a" -> "the" twice
    ("one more chore in a busy day", "one more chorina busy night", 4),
    ("What would you say?", "What will you say?", 1),
    ("from zero to ten", "from zero to two", 1),
    ("your feeling", "You're feeling", 2),  # "you are": one substitution and one insertion
])
def test_recognition_differences_still_count(reference, heard, errors):
    e, n = word_errors(reference, heard)
    assert (e, n) == (errors, len(normalise(reference)))


def test_numbers_keep_their_order_and_separate_runs():
    assert normalise("nineteen ninety") == ["19", "90"]
    assert normalise("a four, not a two") == ["a", "4", "not", "a", "2"]
    assert normalise("one hundred and five thousand") == ["105000"]
    assert normalise("seven and eight") == ["7", "and", "8"]
    assert normalise("a hundred times") == ["a", "100", "times"]


def test_corpus_wer_weights_by_reference_words():
    pairs = [("we set an agenda together", "we set on agenda together"), ("yes", "no")]
    assert wer(pairs) == pytest.approx(2 / 6)  # not the mean of 1/5 and 1/1
    assert wer([]) == 0.0


def test_every_test_utterance_matches_itself():
    for text in UTTERANCES:
        assert word_errors(text, text) == (0, len(normalise(text)))
        assert normalise(text) and all(w.strip() for w in normalise(text))
