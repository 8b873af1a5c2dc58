"""VoiceTurnPipeline: microphone -> end-pointing -> recognition; reply text -> speech; barge-in.

Qt-free. The microphone runs on a capture thread of its own once
``start_listening()`` is called: every 32 ms frame gives a ``Level`` event,
feeds the end-pointer (hands-free) or the push-to-talk buffer, and, if the
client is speaking and the student starts to talk, stops the client
(``BargeIn(cut_at)``). Finished turns wait in a queue for ``next_utterance()``.

Long steps are plain functions taking a JobState, in ``voice/jobs.py``.
Nothing here needs a device: with ``NoAudioBackend`` the pipeline still
recognises WAV audio and synthesises replies into memory (the CLI and bench).
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from clientsim.core.jobs import Cancelled, JobState
from clientsim.voice.audio import AudioBackend, NoAudioBackend
from clientsim.voice.chunker import Piece
from clientsim.voice.endpoint import EndPointer
from clientsim.voice.errors import DeviceLost, VoiceUnavailable
from clientsim.voice.events import (BargeIn, Caption, Level, PartialTranscript, SpeechStarted, Transcribed,
                                    UtteranceEnded, VoiceProblem)
from clientsim.voice.microphone import Microphone
from clientsim.voice.options import VoiceOptions
from clientsim.voice.player import CollectingPlayer, Player, StreamPlayer
from clientsim.voice.recordings import Recorder
from clientsim.voice.speaker import ReplySpeaker, SpokenReply
from clientsim.voice.streaming import UtteranceStream
from clientsim.voice.stt import Recognition, SpeechRecognizer
from clientsim.voice.tts import SpeechSynthesizer, VoiceStyle
from clientsim.voice.turn_end import silence_needed
from clientsim.voice.vad import FRAME, Vad, load_vad
from clientsim.voice.wavio import SAMPLE_RATE, rms

log = logging.getLogger(__name__)

_INPUT_LOST = object()
FRAME_S = FRAME / SAMPLE_RATE


@dataclass
class Utterance:
    audio: np.ndarray  # 16 kHz mono float32, pre-roll included
    ended_at: float  # clock time the student stopped speaking (or released the key)
    interrupted: bool = False  # the device went away mid-turn; what came before is here
    stream: UtteranceStream | None = None  # recognised while spoken; ``recognise`` finishes it
    delivered_at: float | None = None  # clock time the turn was handed over (end-pointing decided)

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE


class VoiceTurnPipeline:
    def __init__(self, stt: SpeechRecognizer, tts: SpeechSynthesizer | None,
                 backend: AudioBackend | None = None, *, style: VoiceStyle = VoiceStyle(),
                 options: VoiceOptions | None = None, vad: Vad | None = None, player: Player | None = None,
                 session_id: str | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stt = stt
        self.tts = tts
        self.backend = backend or NoAudioBackend()
        self.style = style
        self.options = options or VoiceOptions()
        self.clock = clock
        self.vad = vad or load_vad()
        self.endpointer = EndPointer(self.vad, silence_s=self.options.silence_s, preroll_s=self.options.preroll_s,
                                     silence_for=self._silence_needed)
        if player is None:
            if isinstance(self.backend, NoAudioBackend):
                player = CollectingPlayer(on_piece_started=self._caption)
            else:
                player = StreamPlayer(self.backend, self.options.output_device,
                                      on_piece_started=self._caption, on_error=self._output_lost)
        self.player = player
        self.recorder = Recorder(session_id, self.options.store_audio)
        self.mic: Microphone | None = None
        self.input_error: str | None = None
        self.output_error: str | None = None
        self._listeners: list[Callable[[Any], None]] = []
        self._utterances: queue.Queue = queue.Queue()
        self._capture_thread: threading.Thread | None = None
        self._stop_capture = threading.Event()
        self._ptt_lock = threading.Lock()
        self._ptt_frames: list[np.ndarray] | None = None  # not None while the talk key is held
        self._ring: collections.deque = collections.deque(maxlen=max(1, round(self.options.preroll_s / FRAME_S)))
        self._active_speaker: ReplySpeaker | None = None
        self._last_speaker: ReplySpeaker | None = None  # the client's latest reply: context for recognition
        self._stream: UtteranceStream | None = None  # the utterance being spoken, recognised as it comes

    # -- listeners ----------------------------------------------------------------
    def add_listener(self, fn: Callable[[Any], None]) -> None:
        self._listeners.append(fn)

    def remove_listener(self, fn: Callable[[Any], None]) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _emit(self, event: Any) -> None:
        for fn in list(self._listeners):
            try:
                fn(event)
            except Exception:  # a listener's bug must not stop the microphone
                log.exception("voice listener failed")

    def _caption(self, piece: Piece) -> None:
        self._emit(Caption(piece.text, piece.start, piece.end))

    def _output_lost(self, message: str) -> None:
        self.output_error = message
        self._emit(VoiceProblem(message + " The client's replies are shown as text.", input=False))

    # -- devices ------------------------------------------------------------------
    def input_devices(self):
        return self.backend.input_devices()

    def output_devices(self):
        return self.backend.output_devices()

    # -- the microphone -----------------------------------------------------------
    @property
    def listening(self) -> bool:
        return self._capture_thread is not None and self._capture_thread.is_alive()

    def start_listening(self) -> None:
        """Open the microphone; raises VoiceUnavailable / DeviceLost with a readable message."""
        if self.listening:
            return
        self.mic = Microphone(self.backend, self.options.input_device)
        self.mic.open()
        self.input_error = None
        self._stop_capture.clear()
        self.endpointer.reset()
        self._capture_thread = threading.Thread(target=self._capture_loop, name="clientsim-mic", daemon=True)
        self._capture_thread.start()

    def stop_listening(self) -> None:
        self._stop_capture.set()
        if self._capture_thread is not None:
            self._capture_thread.join(timeout=2.0)
        self._capture_thread = None
        self._drop_stream()
        if self.mic is not None:
            self.mic.close()

    def recover(self) -> str:
        """Try the microphone again after a loss; falls back to the default device. Returns a status line."""
        self.stop_listening()
        try:
            self.start_listening()
            return "Microphone back."
        except (DeviceLost, VoiceUnavailable):
            if self.options.input_device is None:
                raise
            chosen, self.options.input_device = self.options.input_device, None
            self.start_listening()
            return f"{chosen} is not available; using the default microphone."

    def set_input_device(self, device: str | int | None) -> None:
        """The microphone to open next (None: the system default); takes effect on ``start_listening()``."""
        self.options.input_device = device

    def set_hands_free(self, on: bool) -> None:
        self.options.hands_free = bool(on)
        self.endpointer.reset()
        if not self.talking:
            self._drop_stream()

    def _capture_loop(self) -> None:
        mic = self.mic
        try:
            for frame in mic.frames(self._stop_capture):
                self.hear(frame)
        except DeviceLost as exc:
            self.input_error = str(exc)
            self._keep_partial_turn()
            self._emit(VoiceProblem(str(exc), input=True))
            self._utterances.put(_INPUT_LOST)
        except Exception as exc:  # never die silently: the UI must learn voice input stopped
            log.exception("capture loop failed")
            self.input_error = f"The microphone stopped: {exc}"
            self._keep_partial_turn()
            self._emit(VoiceProblem(self.input_error, input=True))
            self._utterances.put(_INPUT_LOST)
        finally:
            mic.close()

    def hear(self, frame: np.ndarray) -> None:
        """One 32 ms microphone frame, as the capture thread hands it over (the bench feeds WAVs here)."""
        self._emit(Level(rms(frame)))
        self._on_frame(frame)

    def _on_frame(self, frame: np.ndarray) -> None:
        with self._ptt_lock:
            if self._ptt_frames is not None:
                self._ptt_frames.append(frame)
                stream = self._stream
                if stream is not None:
                    stream.feed(frame, self.endpointer.voiced(self.vad(frame)))
                return
            self._ring.append(frame)
        if not self.options.hands_free:
            return
        prob = self.vad(frame)
        stream = self._stream
        if stream is not None and self.endpointer.in_speech:
            stream.feed(frame, self.endpointer.voiced(prob))  # before the end-pointer decides on this frame
        ev = self.endpointer.feed(frame, prob=prob)
        if ev is None:
            if stream is not None and not self.endpointer.in_speech:
                self._drop_stream()  # too short to be a turn (a cough, a click)
            return
        if ev.kind == "start":
            self._emit(SpeechStarted())
            self.barge_in()
            self._start_stream(self.endpointer.turn_frames)
        elif ev.kind == "end":
            silent = (self.endpointer.frames_seen - ev.speech_end_frame) * FRAME_S
            stream, self._stream = self._stream, None
            self._deliver(Utterance(ev.audio, self.clock() - silent, stream=stream))

    def _start_stream(self, frames: list[np.ndarray]) -> None:
        self._drop_stream()
        if self.options.streaming:
            self._stream = UtteranceStream(self.stt, self.last_reply(), frames, on_text=self._partial)

    def _drop_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.cancel()

    def _partial(self, text: str, covers: bool) -> None:
        self._emit(PartialTranscript(text, covers))

    def _silence_needed(self) -> float:
        """Asked by the end-pointer on each silent frame: how much silence ends this turn now."""
        stream = self._stream
        if stream is None or not self.options.adaptive_end:
            return self.options.silence_s
        text = stream.covering_text()
        return silence_needed(text, self.options.silence_s, pending=text is None and stream.covering_pending)

    def _deliver(self, utt: Utterance) -> None:
        utt.delivered_at = self.clock()
        self._emit(UtteranceEnded(utt.seconds))
        self._utterances.put(utt)

    def _keep_partial_turn(self) -> None:
        """The device went away: whatever the student had said so far becomes a turn."""
        with self._ptt_lock:
            frames, self._ptt_frames = self._ptt_frames, None
            stream, self._stream = self._stream, None
        if frames:
            self._deliver(Utterance(np.concatenate(frames), self.clock(), interrupted=True, stream=stream))
            return
        ev = self.endpointer.flush()
        if ev is not None and ev.audio is not None:
            self._deliver(Utterance(ev.audio, self.clock(), interrupted=True, stream=stream))
        elif stream is not None:
            stream.cancel()

    # -- push-to-talk -------------------------------------------------------------
    def press_to_talk(self) -> None:
        """The talk key or button went down: the client stops, capture starts (with pre-roll)."""
        self.barge_in()
        with self._ptt_lock:
            if self._ptt_frames is None:
                self._ptt_frames = list(self._ring)
                self._ring.clear()
                self.vad.reset()
                self._start_stream(self._ptt_frames)
        self._emit(SpeechStarted())

    def release_to_talk(self) -> None:
        with self._ptt_lock:
            frames, self._ptt_frames = self._ptt_frames, None
            stream, self._stream = self._stream, None
        if frames:
            self._deliver(Utterance(np.concatenate(frames), self.clock(), stream=stream))
        elif stream is not None:
            stream.cancel()

    @property
    def talking(self) -> bool:
        return self._ptt_frames is not None

    def next_utterance(self, state: JobState | None = None, timeout: float | None = None) -> Utterance:
        """The next finished turn; DeviceLost once the microphone is gone and no turn is left."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if state is not None and state.cancelled:
                raise Cancelled()
            try:
                item = self._utterances.get(timeout=0.05)
            except queue.Empty:
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError("no speech")
                if not self.listening and self._utterances.empty():
                    raise DeviceLost(self.input_error or "The microphone is not listening.")
                continue
            if item is _INPUT_LOST:
                raise DeviceLost(self.input_error or "The microphone stopped working.")
            return item

    # -- recognition --------------------------------------------------------------
    def last_reply(self) -> str:
        """What the client last said, up to where the student cut in (the recogniser's context)."""
        sp = self._last_speaker
        if sp is None:
            return ""
        text, cut = sp.chunker.text, sp.result.cut_at
        return text[:cut] if cut is not None else text

    def recognise(self, audio: np.ndarray | Utterance, prompt: str | None = None) -> Recognition:
        """The student's words; ``prompt`` defaults to the client's last reply ("" for none).

        An ``Utterance`` recognised while it was spoken is finished from its stream: only what the
        passes during speech did not cover is recognised now.
        """
        stream = None
        if isinstance(audio, Utterance):
            stream, audio = audio.stream, audio.audio
        if stream is not None and prompt is None:
            rec = stream.finish(audio)
        else:
            if stream is not None:
                stream.cancel()
            rec = self.stt.transcribe(audio, prompt=self.last_reply() if prompt is None else prompt)
        self.recorder.save("counsellor", audio, SAMPLE_RATE)
        self._emit(Transcribed(rec.text))
        return rec

    # -- speaking -----------------------------------------------------------------
    def new_speaker(self) -> ReplySpeaker:
        muted = self.options.mute or self.output_error is not None
        sp = ReplySpeaker(self.tts, self.player, self.style, muted=muted, on_caption=self._caption,
                          clock=self.clock)
        self._active_speaker = self._last_speaker = sp
        return sp

    def speak(self, stream: Iterable, state: JobState | None = None) -> SpokenReply:
        """Speak a reply from a stream of text deltas / ReplyEvents, sentence by sentence as it comes."""
        sp = self.new_speaker()
        try:
            try:
                for item in stream:
                    if state is not None and state.cancelled:
                        sp.stop()
                        break
                    sp.feed(item)
                    if state is not None:
                        state.partial(item)
            except BaseException:
                sp.stop()  # the reply failed: silence, and let the synthesis thread end
                sp.finish()
                raise
            sp.finish()
            return sp.wait()
        finally:
            self.finish_speaker(sp)

    def finish_speaker(self, sp: ReplySpeaker) -> None:
        """The reply ``sp`` is over (spoken, cut or failed): a barge-in no longer has anything to stop."""
        if self._active_speaker is sp:
            self._active_speaker = None

    @property
    def speaking(self) -> bool:
        """A reply is being spoken: playing now, or between two of its sentences with more to come.

        The player falls idle whenever synthesis lags playback (a busy machine), so its
        ``busy()`` alone would call a reply over between two sentences.
        """
        sp = self._active_speaker
        return sp is not None and not sp.stopped and not sp.muted and (self.player.busy() or sp.pending)

    def barge_in(self) -> int | None:
        """Stop the client mid-sentence; returns cut_at (None if it was not speaking)."""
        sp = self._active_speaker
        # A reply in progress counts even before its first sound: the client must not start over the student.
        if sp is None or not self.options.barge_in or sp.stopped:
            return None
        cut = sp.stop()
        self._emit(BargeIn(cut))
        return cut

    def set_mute(self, on: bool) -> None:
        self.options.mute = bool(on)
        self.player.muted = bool(on)

    def close(self) -> None:
        sp = self._active_speaker
        if sp is not None:
            sp.stop()
        self.stop_listening()
        self._drop_stream()
        self.player.close()
