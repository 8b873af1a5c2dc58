"""`clientsim speak` end to end: WAV files -> whisper -> SmolLM2 client -> piper, timings per turn."""

import json
from pathlib import Path

import numpy as np
import pytest

from clientsim.voice.wer import word_errors
from clientsim.voice.wavio import read_wav

pytestmark = [pytest.mark.speech, pytest.mark.model, pytest.mark.slow]

DATA = Path(__file__).parent / "data" / "voice"
REF = {d["file"]: d["text"] for d in json.loads((DATA / "manifest.json").read_text())}


def test_speak_runs_voice_turns_from_wav_files(smollm_path, tmp_path, capsys):
    from clientsim.cli.main import main
    from clientsim.storage import Database

    out_dir = tmp_path / "replies"
    rc = main(["speak", "--persona", "daniel-alcohol", "--model", str(smollm_path), "--json",
               "--input", str(DATA / "u01.wav"), str(DATA / "u03.wav"), "--reply-audio", str(out_dir)])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    turns = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    head = json.loads(captured.err.strip().splitlines()[-1])
    assert len(turns) == 2
    for t, wav in zip(turns, ("u01.wav", "u03.wav")):
        e, n = word_errors(REF[wav], t["transcript"])
        assert e / n <= 0.5, t["transcript"]
        assert t["reply"].strip()
        assert 0 <= t["to_transcript_s"] <= t["to_first_token_s"] <= t["to_first_audio_s"] < 60
        assert 0 < t["stt_rtf"] < 1 and 0 < t["tts_rtf"] < 1
        audio, rate = read_wav(t["reply_audio"])
        assert rate == 22050 and len(audio) / rate > 0.5 and np.abs(audio).max() > 0.1
    # the turns are in the session like typed ones
    db = Database.open()
    stored = db.get_turns(head["session_id"])
    counsellor = [t["text"] for t in stored if t["speaker"] == "counsellor"]
    assert counsellor == [turns[0]["transcript"], turns[1]["transcript"]]


def test_cut_is_kept_in_the_client_turn_meta(smollm_path):
    from clientsim.llm.engine import LlmEngine
    from clientsim.personas import PersonaLibrary
    from clientsim.sessions.session import PracticeSession
    from clientsim.storage import Database
    from clientsim.voice.replies import record_cut, session_reply_stream

    db = Database.open()
    engine = LlmEngine(smollm_path, n_threads=2, seed=0)
    engine.load()
    session = PracticeSession.start(db, PersonaLibrary.load().get("daniel-alcohol"), engine, seed=0, prime=False)
    replies = session_reply_stream(session)
    events = list(replies("How has your drinking changed over the last year?"))
    assert events and all(getattr(e, "kind", None) in ("text", "reset") for e in events)
    text = "".join(e.text for e in events if e.kind == "text")
    assert replies.last_turn is not None and replies.last_turn.speaker == "client"
    assert text.strip() and replies.last_turn.text.strip()
    record_cut(session, replies.last_turn, 7)
    stored = [t for t in db.get_turns(session.id) if t["index"] == replies.last_turn.index][0]
    assert stored["meta"]["cut_at"] == 7
