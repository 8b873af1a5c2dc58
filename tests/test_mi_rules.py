"""Lexical detectors for the MITI codes AnnoMI does not label."""

from __future__ import annotations

import pytest

from clientsim.judge.mi import rules


@pytest.mark.parametrize("text,code", [
    ("In the end it's up to you what you do.", "emphasizing_autonomy"),
    ("That's your decision to make.", "emphasizing_autonomy"),
    ("Would it be okay if I shared some information about drinking?", "permission"),
    ("Do you mind if I tell you what other people have tried?", "permission"),
    ("What do you think about that?", "seeking_collaboration"),
    ("Where would you like to start today?", "seeking_collaboration"),
    ("You've worked really hard on this, well done.", "affirm"),
    ("That took a lot of courage.", "affirm"),
    ("You're in denial about this.", "confront"),
    ("You're just making excuses.", "confront"),
    ("You need to stop drinking now.", "directive"),
])
def test_detects(text, code):
    assert code in rules.detect(text)


@pytest.mark.parametrize("text", [
    "How are things at home?",
    "So you've been drinking more since the divorce.",
    "Mm-hmm.",
])
def test_quiet_on_plain_turns(text):
    assert not (rules.detect(text) & {"confront", "affirm", "emphasizing_autonomy", "directive"})


def test_language_check():
    assert rules.looks_non_english("Je ne sais pas quoi faire avec ma consommation d'alcool.")
    assert rules.looks_non_english("Ich weiß nicht, was ich mit meinem Leben machen soll.")
    assert rules.looks_non_english("我不知道该怎么办")
    assert not rules.looks_non_english("I don't really know what to do about my drinking.")
    assert not rules.looks_non_english("Okay.")
