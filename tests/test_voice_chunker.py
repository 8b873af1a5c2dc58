"""Splitting a streaming reply into speakable pieces (no models)."""

from dataclasses import dataclass

from clientsim.voice.chunker import Reset, SpeechChunker, pieces

REPLY = ("I guess so, yeah. I mean, I just feel like drinking is the only thing that helps me relax after work, "
         "you know? Dr. Smith said it was fine... but my wife says otherwise.")


@dataclass(frozen=True)
class ReplyEvent:  # the shape PracticeSession pushes through state.partial
    kind: str
    text: str = ""


def _dribble(text, sizes=(1, 3, 2, 5, 4)):
    i = k = 0
    while i < len(text):
        n = sizes[k % len(sizes)]
        yield text[i:i + n]
        i += n
        k += 1


def test_pieces_cover_the_reply_with_exact_offsets():
    out = list(pieces(_dribble(REPLY)))
    assert [p.text for p in out] == [
        "I guess so,",
        "yeah. I mean, I just feel like drinking is the only thing that helps me relax after work, you know?",
        "Dr. Smith said it was fine...",
        "but my wife says otherwise.",
    ]
    for p in out:
        assert REPLY[p.start:p.end] == p.text


def test_first_piece_ends_at_first_clause_after_three_words():
    text = "Well honestly I do not know, it is hard to say what I want. Maybe later."
    out = list(pieces(_dribble(text)))
    assert out[0].text == "Well honestly I do not know,"
    assert out[1].text == "it is hard to say what I want."


def test_first_piece_is_cut_even_without_punctuation():
    text = " ".join(["word"] * 40) + "."
    first = list(pieces(_dribble(text)))[0]
    assert len(first.text.split()) == 6


def test_first_piece_never_a_one_or_two_word_fragment():
    out = list(pieces(_dribble("Yeah. No, I get it, it is just hard.")))
    assert out[0].text == "Yeah. No, I get it,"
    out = list(pieces(_dribble("Okay. I guess so. Maybe.")))
    assert out[0].text == "Okay. I guess so."
    assert [p.text for p in pieces(["Yeah."])] == ["Yeah."]  # a reply that short is still spoken


def test_first_piece_ends_before_a_clause_as_soon_as_the_conjunction_is_written():
    c = SpeechChunker()
    assert c.feed("I drink most evenings") == []
    assert c.feed(" because") == []  # "because" might still be "becausing"…: wait for the space
    got = c.feed(" ")
    assert [p.text for p in got] == ["I drink most evenings"]
    # "so" and "or" do not open a clause often enough to cut before them
    first = list(pieces(_dribble("I am not so sure about any of this.")))[0].text
    assert first == "I am not so sure about"


def test_first_piece_does_not_end_on_an_article():
    out = list(pieces(_dribble("Well, I suppose I drink a bit more than I used to.")))
    assert [p.text for p in out] == ["Well, I suppose I drink", "a bit more than I used to."]


def test_first_piece_without_punctuation_breaks_before_a_joining_word():
    text = "Honestly I have a few cans and then a couple more after work."
    out = list(pieces(_dribble(text)))
    assert [p.text for p in out] == ["Honestly I have a few cans", "and then a couple more after work."]


def test_piece_is_released_as_soon_as_its_sentence_ends():
    c = SpeechChunker()
    assert c.feed("Yeah, I suppose") == []
    got = c.feed(" so. And")
    assert [p.text for p in got] == ["Yeah, I suppose so."]


def test_reply_events_and_reset_discard_what_came_before():
    events = [ReplyEvent("text", "Fuck off, I am not "), ReplyEvent("reset"), ReplyEvent("text", "I'd rather not "),
              ReplyEvent("text", "talk about that. "), ReplyEvent("text", "Not today.")]
    out = list(pieces(events))
    assert isinstance(out[0], Reset) or out[0].text.startswith("Fuck")
    spoken_after_reset = [p.text for p in out[out.index(next(x for x in out if isinstance(x, Reset))) + 1:]]
    assert spoken_after_reset == ["I'd rather not talk about that.", "Not today."]
