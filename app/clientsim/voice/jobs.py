"""Voice work as plain functions taking a JobState (the UI wraps them in QThread workers).

- ``listen(pipeline, state)``: wait for the student's next turn; levels go to state.partial
- ``recognise(pipeline, utterance, state)``: its transcript
- ``speak_reply(pipeline, stream, state)``: speak a reply while it is written
- ``wait_spoken(pipeline, speaker, state)``: a reply fed piece by piece elsewhere (the app feeds
  ``pipeline.new_speaker()`` on its UI thread): wait until it has been spoken or cut
- ``run_voice_turn(pipeline, audio_or_utterance, reply_stream, state)``: recognise, reply, speak, timed
  stage by stage (``VoiceTurnResult.stages()``, kept in the client turn's meta by ``replies.record_stages``)
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
    """An ``Utterance`` recognised while spoken is only finished here (see ``voice/streaming.py``)."""
    state.progress(0.0, "Recognising…")
    rec = pipeline.recognise(utterance)
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


@dataclass(frozen=True)
class HeardTimes:
    """When the student's turn ended, was end-pointed and recognised (pipeline clock)."""
    end_of_speech: float
    delivered_at: float | None  # None: audio handed over whole at its end (no end-pointing)
    transcript_at: float
    passes: int = 1
    streamed: bool = False

    @classmethod
    def of(cls, utterance: Utterance, rec: Recognition, transcript_at: float) -> "HeardTimes":
        return cls(utterance.ended_at, utterance.delivered_at, transcript_at, rec.passes, rec.streamed)


def voice_stages(heard: HeardTimes, reply: SpokenReply, prompt_s: float | None = None) -> dict:
    """Where the time from the end of speech to the first client audio went, in seconds.

    endpoint_s: last voiced frame -> end-pointing decided (0 for audio handed over whole);
    recognition_s: -> transcript (what recognition had left after the end);
    first_token_s: transcript -> first client text (``prompt_s``, the model's own call -> first token,
    is part of it: prompt evaluation); first_audio_s: first text -> first audio; total_s: the sum.
    """
    r = lambda v: None if v is None else round(v, 3)  # noqa: E731
    end = heard.end_of_speech
    delivered = end if heard.delivered_at is None else heard.delivered_at
    first_text, first_audio = reply.first_text_at, reply.first_audio_at
    return {
        "endpoint_s": r(delivered - end),
        "recognition_s": r(heard.transcript_at - delivered),
        "prompt_s": r(prompt_s),
        "first_token_s": r(None if first_text is None else first_text - heard.transcript_at),
        "first_audio_s": r(None if first_text is None or first_audio is None else first_audio - first_text),
        "total_s": r(None if first_audio is None else first_audio - end),
        "stt_passes": heard.passes,
        "streamed": heard.streamed,
    }


@dataclass
class VoiceTurnResult:
    transcript: str
    reply: SpokenReply
    recognition: Recognition
    end_of_speech: float
    transcript_at: float
    extra: dict = field(default_factory=dict)
    delivered_at: float | None = None  # end-pointing decided (None: the audio was handed over at its end)

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

    def stages(self, prompt_s: float | None = None) -> dict:
        """Where the time from the end of speech to the first client audio went (``voice_stages``)."""
        return voice_stages(HeardTimes(self.end_of_speech, self.delivered_at, self.transcript_at,
                                       self.recognition.passes, self.recognition.streamed), self.reply, prompt_s)

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


def run_voice_turn(pipeline: VoiceTurnPipeline, audio: np.ndarray | Utterance, reply_stream: ReplyStream,
                   state: JobState, end_of_speech: float | None = None) -> VoiceTurnResult:
    """One whole turn: recognise, get the reply, speak it.

    ``audio``: an ``Utterance`` from the microphone (end of speech is its ``ended_at``, the
    end-pointing decision its ``delivered_at``), or audio already captured, whose end of speech is
    ``end_of_speech`` (default: now, i.e. handed over the moment speech ended, as with push-to-talk).
    """
    delivered = None
    if isinstance(audio, Utterance):
        end, delivered = audio.ended_at, audio.delivered_at
    else:
        end = pipeline.clock() if end_of_speech is None else end_of_speech
    rec = recognise(pipeline, audio, state)
    transcript_at = pipeline.clock()
    state.check()
    reply = speak_reply(pipeline, reply_stream(rec.text), state)
    return VoiceTurnResult(rec.text, reply, rec, end, transcript_at, delivered_at=delivered)


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
