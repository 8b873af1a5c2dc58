"""Context condensation keeps the persona and folds old turns."""

from clientsim.client.context import ContextWindow, clip_for_model


def test_condense_folds_oldest_half_and_keeps_recent():
    turns = [("counsellor" if i % 2 else "client", f"Turn number {i}. More words here.") for i in range(20)]
    w = ContextWindow()
    assert w.condense(turns, keep_recent=4)
    assert w.condensed_upto == 10
    assert w.summary().startswith("Earlier in this session")
    assert "Turn number 0." in w.summary() and "Turn number 12" not in w.summary()
    before = w.summary()
    assert w.condense(turns, keep_recent=4)
    assert w.summary().startswith(before[: len(before) - 1].split("\n")[0])  # grows, never rewrites
    assert w.condensed_upto == 15


def test_nothing_to_condense_when_only_recent_turns():
    w = ContextWindow()
    assert not w.condense([("client", "hi"), ("counsellor", "hello")], keep_recent=4)


def test_clip_long_message_keeps_head_and_tail():
    text = "start " + "word " * 5000 + "the end"
    clipped = clip_for_model(text, 3000)
    assert len(clipped) < 3200 and clipped.startswith("start") and clipped.endswith("the end")


def test_summary_can_shrink_to_nothing():
    w = ContextWindow()
    turns = [("client", f"Line {i}. More.") for i in range(40)]
    while w.condense(turns, keep_recent=4):
        pass
    full = w.summary()
    assert w.shrink_summary() and len(w.summary()) < len(full)
    while w.shrink_summary():
        pass
    assert w.summary() == "Earlier in this session (condensed):\n…"
