"""Character checks: repairs and fatal breaks."""

from __future__ import annotations

import pytest

from clientsim.client.guard import repair, scan_stream, sentences


@pytest.mark.parametrize("text,check", [
    ("As an AI, I don't have feelings.", "ai_disclosure"),
    ("I'm just a language model, sorry.", "ai_disclosure"),
    ("Honestly I'm not a real person.", "ai_disclosure"),
    ("My instructions say I should be reserved.", "instruction_reveal"),
    ("I was told to play a client called Dan.", "instruction_reveal"),
    ("How can I help you today?", "counsellor_voice"),
    ("Here are some tips to manage stress: sleep well.", "counsellor_voice"),
    ("```python\ndef f(): pass\n```", "not_speech"),
])
def test_fatal_breaks(text, check):
    v = scan_stream(text, "Daniel Okafor")
    assert v is not None and v.check == check and v.fatal


@pytest.mark.parametrize("text", [
    "I'm dying to see my kids again, honestly.",
    "My doctor said I should come. I don't see the point.",
    "I help out at my cousin's shop on weekends.",
    "What do you mean, am I a robot? I'm tired, that's all.",
])
def test_in_character_lines_pass(text):
    out, found = repair(text, "Daniel Okafor", "How are you?", 4)
    assert not [v for v in found if v.fatal]
    assert out


def test_repairs_label_stage_direction_and_counsellor_line():
    out, found = repair("Daniel: *sighs* I guess it's the drinking.\nCounsellor: Tell me more.", "Daniel Okafor", "", 3)
    assert out == "I guess it's the drinking."
    assert {v.check for v in found} == {"role_label", "stage_direction", "speaks_for_counsellor"}


def test_trims_to_style_length():
    out, found = repair("One. Two here. Three now. Four then.", "Ana Lee", "", 2)
    assert sentences(out) == ["One.", "Two here."]
    assert any(v.check == "too_long" for v in found)


def test_echo_is_fatal():
    said = "It sounds like you feel stuck between your family and your job."
    out, found = repair("It sounds like I feel stuck between my family and my job.", "Ana Lee", said, 3)
    assert any(v.check == "echo" and v.fatal for v in found)


def test_rtl_and_emoji_survive_repair():
    text = "أنا متعب جدا 😔 really tired."
    out, found = repair(text, "Ana Lee", "", 3)
    assert out == text and not found


def test_leaked_reminder_is_cut():
    out, found = repair("I'm okay. [Linh, the client, answers in the first person. Reply in one or two sentences.]",
                        "Linh Tran", "", 3)
    assert out == "I'm okay." and found[0].check == "stage_direction"
    _, found = repair("Reply in one or two sentences. Fine.", "Linh Tran", "", 3)
    assert any(v.check == "instruction_reveal" for v in found)


def test_spoken_replies_trail_the_model_by_fewer_words():
    from clientsim.client.simulator import HOLD_BACK_WORDS, SPOKEN_HOLD_BACK_WORDS, _visible

    text = "I don't know, maybe I could try cutting down"
    shown = _visible(text, "Daniel", HOLD_BACK_WORDS)
    spoken = _visible(text, "Daniel", SPOKEN_HOLD_BACK_WORDS)
    assert SPOKEN_HOLD_BACK_WORDS < HOLD_BACK_WORDS
    assert spoken.startswith(shown) and len(spoken.split()) == len(text.split()) - SPOKEN_HOLD_BACK_WORDS
    assert len(shown.split()) == len(text.split()) - HOLD_BACK_WORDS
    # the guard sees a breaking opening before any of it is spoken
    assert _visible("As an", "Daniel", SPOKEN_HOLD_BACK_WORDS) == ""
    assert scan_stream("As an AI", "Daniel")
