"""Voice work as plain functions taking a JobState (the UI wraps them in QThread workers).

- ``listen(pipeline, state)``: wait for the student's next turn; levels go to state.partial
- ``recognise(pipeline, utterance, state)``: its transcript
- ``speak_reply(pipeline, stream, state)``: speak a reply while it is written
- ``wait_spoken(pipeline, speaker, state)``: a reply fed piece by piece elsewhere (the app feeds
  ``pipeline.new_speaker()`` on its UI thread): wait until it has been spoken or cut
- ``run_voice_turn(pipeline, audio, reply_stream, state)``: all three from a WAV's audio, timed
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from clientsim.core.jobs import JobState
from clientsim.voice.pipeline import Utterance, VoiceTurnPipeline
from clientsim.voice.speaker import ReplySpeaker, SpokenReply
from clientsim.voice.stt import Recognition

ReplyStream = Callable[[str], Iterable]  # counsellor text -> text deltas or ReplyEvents


def listen(pipeline: VoiceTurnPipeline, state: JobState, *, open_microphone: bool = True) -> Utterance:
    """``open_microphone=False``: the caller opened it and handles a loss itself (DeviceLost is raised
    once the turns said before the loss have been returned)."""
    pipeline.add_listener(state.partial)
    try:
        if open_microphone:
            pipeline.start_listening()
        return pipeline.next_utterance(state)
    finally:
        pipeline.remove_listener(state.partial)


def recognise(pipeline: VoiceTurnPipeline, utterance: Utterance | np.ndarray, state: JobState) -> Recognition:
    audio = utterance.audio if isinstance(utterance, Utterance) else utterance
    state.progress(0.0, "Recognising…")
    rec = pipeline.recognise(audio)
    state.progress(1.0, "")
    return rec


def speak_reply(pipeline: VoiceTurnPipeline, stream: Iterable, state: JobState) -> SpokenReply:
    pipeline.add_listener(state.partial)
    try:
        return pipeline.speak(stream, state)
    finally:
        pipeline.remove_listener(state.partial)


def wait_spoken(pipeline: VoiceTurnPipeline, speaker: ReplySpeaker, state: JobState) -> SpokenReply:
    """Until ``speaker`` (already ``finish()``-ed) has been spoken or cut; then it is no longer current."""
    try:
        return speaker.wait()
    finally:
        pipeline.finish_speaker(speaker)


@dataclass
class VoiceTurnResult:
    transcript: str
    reply: SpokenReply
    recognition: Recognition
    end_of_speech: float
    transcript_at: float
    extra: dict = field(default_factory=dict)

    def _since_end(self, t: float | None) -> float | None:
        return None if t is None else t - self.end_of_speech

    @property
    def to_transcript(self) -> float:
        return self.transcript_at - self.end_of_speech

    @property
    def to_first_token(self) -> float | None:
        return self._since_end(self.reply.first_text_at)

    @property
    def to_first_audio(self) -> float | None:
        return self._since_end(self.reply.first_audio_at)

    def meta(self) -> dict:
        """What the session keeps in the client turn's meta."""
        return {"cut_at": self.reply.cut_at} if self.reply.cut_at is not None else {}

    def to_dict(self) -> dict:
        r = lambda v: None if v is None else round(v, 3)  # noqa: E731
        first_piece = self.reply.pieces[0].text if self.reply.pieces else ""
        return {
            "transcript": self.transcript,
            "reply": self.reply.text,
            "first_piece": first_piece,
            "cut_at": self.reply.cut_at,
            "to_transcript_s": r(self.to_transcript),
            "to_first_token_s": r(self.to_first_token),
            "to_first_audio_s": r(self.to_first_audio),
            "audio_s": r(self.recognition.audio_seconds),
            "stt_rtf": r(self.recognition.rtf),
            "tts_rtf": r(self.reply.synth_rtf),
            "reply_audio_s": r(self.reply.audio_seconds),
            "error": self.reply.error,
            **self.extra,
        }


def run_voice_turn(pipeline: VoiceTurnPipeline, audio: np.ndarray, reply_stream: ReplyStream,
                   state: JobState, end_of_speech: float | None = None) -> VoiceTurnResult:
    """One whole turn from audio already captured: recognise, get the reply, speak it.

    ``end_of_speech`` is when the student stopped talking (default: now, i.e.
    the audio was handed over the moment speech ended, as with push-to-talk).
    """
    end = pipeline.clock() if end_of_speech is None else end_of_speech
    rec = recognise(pipeline, audio, state)
    transcript_at = pipeline.clock()
    state.check()
    reply = speak_reply(pipeline, reply_stream(rec.text), state)
    return VoiceTurnResult(rec.text, reply, rec, end, transcript_at)


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
