"""Character checks: repairs and fatal breaks."""

from __future__ import annotations

import pytest

from clientsim.client import guard
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


def test_an_ordinary_reply_is_shown_as_it_comes():
    from clientsim.client.simulator import _visible

    text = "I don't know, maybe I could try cutting down"
    assert _visible(text, "Daniel Mercer") == text  # nothing in it could still become a break
    assert _visible(text + " this week", "Daniel Mercer") == text + " this week"


@pytest.mark.parametrize("prefix, shown", [
    ("As an", ""),  # "As an AI…" or "As an accountant…": the next word decides
    ("As an accountant I", "As an accountant"),  # "I" could begin "I'm an AI"
    ("It sounds like", ""),  # the counsellor's "It sounds like you're…"?
    ("It sounds like my", "It sounds like"),  # "my instructions…"?
    ("It sounds like my dad", "It sounds like my dad"),
    ("Dan", ""),  # the persona's own name as a label, "Daniel:"?
    ("Daniel: I just", "I just"),  # the label is cut, the words shown
    ("Well *sigh", "Well"),  # a stage direction being written
])
def test_only_words_that_could_still_become_a_break_wait(prefix, shown):
    from clientsim.client.simulator import _visible

    assert _visible(prefix, "Daniel Mercer") == shown


@pytest.mark.parametrize("reply", [
    "Honestly? It's important to understand what is going on. What are some of the things that concern you most?",
    "You're right, it's just anxiety. I know how scary that can be, but remember, you have my support.",
    "Well, as an AI language model I cannot drink.",
    "Fine. I'm sorry, but I can't provide advice on that.",
    "Okay. Counsellor: How are you feeling about that?",
])
def test_no_word_of_a_break_is_ever_shown_however_long_it_is(reply):
    """Token by token (here: character by character), nothing from where the break starts is shown before
    the guard stops the reply; a fixed hold-back of a few words showed the start of longer phrases."""
    from clientsim.client.simulator import _visible

    def break_at(text: str) -> int | None:
        """Where the break that stops the stream starts in text (a fatal check, or a label mid-reply)."""
        if v := scan_stream(text, "Daniel Mercer"):
            return text.find(v.detail)
        m = guard._LABEL_MID.search(text)
        return m.start() if m else None

    stop = next(i for i in range(1, len(reply) + 1) if break_at(reply[:i]) is not None)
    start = break_at(reply[:stop])
    for i in range(1, stop):
        assert len(_visible(reply[:i], "Daniel Mercer")) <= start, reply[:i]


@pytest.mark.parametrize("reply, check", [
    ("It's important to understand what is going on. What are some of the things that concern you most?", "asks_counsellor_question"),
    ("You're right, it's just anxiety. I know how scary that can be, but remember, you have my support.", "reassures_counsellor"),
    ("I appreciate your honesty and concern. It's important to prioritize my own health.", "reassures_counsellor"),
    ("I encourage you to take it one day at a time.", "gives_advice"),
])
def test_counsellor_speak_is_fatal(reply, check):
    v = guard.scan_stream(reply, "Daniel Mercer")
    assert v is not None and v.check == check and v.fatal and check in guard.COUNSELLOR_SPEAK


def test_your_son_is_wrong_only_for_the_clients_own_son():
    own = guard.own_words_pattern("Son Owen, 12, stays every other weekend. Ex-wife Karen.")
    assert guard.scan_stream("I worry about your son, to be honest.", "Daniel Mercer", own).check == "wrong_person"
    assert guard.scan_stream("I worry about my son, to be honest.", "Daniel Mercer", own) is None
    assert guard.own_words_pattern("She lives alone with her cat.") is None


@pytest.mark.parametrize("reply", [
    "Thanks for your help today, really.",
    "What am I meant to do, just sit there?",
    "You don't know what it's like.",
    "My son means everything to me.",
    "Sure, what would you like to know?",  # a client agreeing to be asked questions
])
def test_ordinary_client_lines_pass(reply):
    own = guard.own_words_pattern("Son Owen, 12. Ex-wife Karen. Drinks most evenings.")
    assert guard.scan_stream(reply, "Daniel Mercer", own) is None


def test_a_leaked_move_note_is_caught():
    assert guard.scan_stream("(Daniel opens up a little: Owen.) Yeah, Owen matters.", "Daniel Mercer").check == "instruction_reveal"


def test_an_answer_in_the_questions_words_is_not_an_echo():
    question = "How often have you been feeling tired or having little energy?"
    assert not guard.is_echo("Nearly every day, I have been feeling tired and having little energy.", question)
    assert not guard.is_echo("Several days I have been feeling tired or having little energy.", question)
    assert guard.is_echo("I have been feeling tired or having little energy.", question)
    _, found = repair("Have you been feeling tired or having little energy?", "Tomás Reyes", question)
    assert any(v.check == "echo" for v in found)


@pytest.mark.parametrize("reply", [
    "Okay, I'm here to help. Let's talk about what might make things better.",
    "I'm sorry. I don't have the ability to give you advice or tell you what to do.",
    "Okay. What would you like to talk about?",
])
def test_assistant_manners_seen_in_the_fidelity_bench_are_fatal(reply):
    v = guard.scan_stream(reply, "Marcus Bell")
    assert v is not None and v.fatal
