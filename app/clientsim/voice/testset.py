"""Counsellor utterances spoken by voices other than the client's, for tests and `bench voice`.

espeak-ng (Debian package ``espeak-ng``) speaks each line with one of several
voices and speeds, cycling, so recognition is measured on more than one
voice. Files are 16 kHz mono 16-bit WAV with a ``manifest.json`` holding the
reference text. The client's voice (piper joe) is deliberately not used. Scoring is
``clientsim.voice.wer``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clientsim.core.errors import UserError

UTTERANCES = (
    "What brings you in to see me today?",
    "It sounds like part of you wants to cut down, and part of you worries what you'd lose.",
    "How has your drinking changed over the last year?",
    "You're feeling pretty frustrated that everyone keeps telling you what to do.",
    "What would need to happen for you to feel ready to make a change?",
    "On a scale from zero to ten, how important is it for you to quit smoking?",
    "You said a four, not a two. What makes it a four?",
    "So on the one hand you enjoy the evenings out with your friends, and on the other hand you hate how you feel the next morning.",
    "Would it be all right if I shared some information about that?",
    "What do you already know about the effects of cannabis on sleep?",
    "It sounds like your family matters a great deal to you.",
    "Tell me more about what a typical evening looks like for you.",
    "You've been through a lot this year, and you're still here trying.",
    "What have you tried before, and what helped even a little?",
    "I'm hearing that you don't want anyone to make this decision for you.",
    "How would your life be different if you stopped?",
    "What thoughts went through your mind right before you felt so anxious?",
    "Let's write that thought down and look at the evidence for and against it.",
    "When you say you always mess things up, what does always mean to you?",
    "How much do you believe that thought right now, from zero to one hundred percent?",
    "What would you say to a friend who had the same thought?",
    "Shall we set an agenda for today's session together?",
    "Before we finish, could you summarise what you're taking away from today?",
    "It seems like checking your blood sugar feels like one more chore in a busy day.",
    "Have you had any thoughts of hurting yourself or ending your life?",
    "You're not sure this is the right time, and that's okay.",
    "What worries you most about your health right now?",
    "If you decided to cut back, where would you start?",
    "Let me see if I've got this right: you want to keep your job, and the mornings after are putting it at risk.",
    "Thank you for being so honest with me about that.",
)

# (espeak-ng voice, words per minute): American and British, male and female variants.
VOICES = (
    ("en-us", 155),
    ("en-gb", 165),
    ("en-us+f3", 150),
    ("en-gb-x-rp+m3", 160),
    ("en-us+m7", 145),
    ("en-gb+f4", 150),
)


@dataclass(frozen=True)
class TestUtterance:
    id: str
    text: str
    voice: str
    speed: int
    path: Path


def espeak_binary() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise UserError("espeak-ng is needed to speak the test utterances.",
                        hint="Install it: sudo apt-get install espeak-ng")
    return exe


def make_testset(out_dir: str | Path, *, count: int | None = None, texts=UTTERANCES,
                 voices=VOICES) -> list[TestUtterance]:
    """Speak ``count`` utterances (default all) into ``out_dir``; returns them with their reference text."""
    from clientsim.voice.wavio import read_wav, resample, write_wav

    exe = espeak_binary()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = []
    chosen = list(texts)[: count or len(texts)]
    for i, text in enumerate(chosen):
        voice, speed = voices[i % len(voices)]
        uid = f"u{i + 1:02d}"
        path = out / f"{uid}.wav"
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw.wav"
            subprocess.run([exe, "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True,
                           capture_output=True, timeout=60)
            x, rate = read_wav(raw)
        write_wav(path, resample(x, rate, 16000), 16000)
        items.append(TestUtterance(uid, text, voice, speed, path))
    manifest = [{"id": u.id, "text": u.text, "voice": u.voice, "speed": u.speed, "file": u.path.name}
                for u in items]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return items


def load_testset(folder: str | Path) -> list[TestUtterance]:
    folder = Path(folder)
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [TestUtterance(d["id"], d["text"], d["voice"], int(d["speed"]), folder / d["file"]) for d in data]
