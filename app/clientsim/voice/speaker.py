"""Speaks a reply while the LLM is still writing it.

Text deltas (or ReplyEvents) go in with ``feed()`` from whichever thread
generates; the chunker turns them into pieces; one synthesis thread turns
pieces into audio and queues it on the player. ``stop()`` (barge-in) silences
the player, drops what was not yet spoken and returns ``cut_at``: the
character offset in the reply reached so far.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from clientsim.voice.chunker import Piece, Reset, SpeechChunker, as_text_events
from clientsim.voice.player import Player
from clientsim.voice.tts import SpeechSynthesizer, VoiceStyle

PAUSE_S = 0.12  # between pieces, so sentences do not run into each other

_DONE = object()


@dataclass
class SpokenReply:
    text: str  # the reply as written (after any reset)
    cut_at: int | None  # character offset reached when the student barged in; None if spoken whole
    pieces: list[Piece] = field(default_factory=list)
    first_text_at: float | None = None  # monotonic: first delta fed
    first_piece_at: float | None = None  # first speakable piece ready
    first_audio_at: float | None = None  # its audio ready to play
    synth_seconds: float = 0.0
    audio_seconds: float = 0.0
    error: str | None = None  # output device trouble; the text is still all there

    @property
    def synth_rtf(self) -> float:
        return self.synth_seconds / self.audio_seconds if self.audio_seconds else 0.0


class ReplySpeaker:
    def __init__(self, tts: SpeechSynthesizer | None, player: Player, style: VoiceStyle = VoiceStyle(), *,
                 muted: bool = False, chunker: SpeechChunker | None = None,
                 on_caption: Callable[[Piece], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.tts = tts
        self.player = player
        self.style = style
        self.muted = muted or tts is None
        self.chunker = chunker or SpeechChunker()
        self.on_caption = on_caption
        self.clock = clock
        self.result = SpokenReply("", None)
        self._q: queue.Queue = queue.Queue()
        self._generation = 0  # bumped by stop/reset: queued pieces of an older generation are dropped
        self._lock = threading.Lock()
        self._stopped = False
        if hasattr(player, "new_reply"):
            player.new_reply()
        self._thread = threading.Thread(target=self._synth_loop, name="clientsim-tts", daemon=True)
        self._thread.start()

    # -- input ----------------------------------------------------------------
    def feed(self, item) -> None:
        """A text delta, a ReplyEvent, or a list of them."""
        for ev in as_text_events([item] if not isinstance(item, list) else item):
            if isinstance(ev, Reset):
                self.reset()
                continue
            if not ev:
                continue
            with self._lock:
                if self.result.first_text_at is None:
                    self.result.first_text_at = self.clock()
                for p in self.chunker.feed(ev):
                    self._emit(p)

    def finish(self) -> None:
        with self._lock:
            for p in self.chunker.finish():
                self._emit(p)
        self._q.put(_DONE)

    def _emit(self, piece: Piece) -> None:
        if self.result.first_piece_at is None:
            self.result.first_piece_at = self.clock()
        self.result.pieces.append(piece)
        if self._stopped:
            return
        if self.muted:
            if self.on_caption:
                self.on_caption(piece)
            return
        self._q.put((self._generation, piece))

    def reset(self) -> None:
        """The reply is being regenerated: drop everything, start again.

        A reply the student already cut off stays cut: the redraft (the character guard
        repairs the text once the model has finished) is not spoken, and where the
        student cut in must not be forgotten because of it.
        """
        with self._lock:
            self._generation += 1
            self.player.stop()
            self.chunker.reset()
            if hasattr(self.player, "new_reply"):
                self.player.new_reply()
            self.result.pieces.clear()
            if not self._stopped:
                self.result.cut_at = None

    @property
    def stopped(self) -> bool:
        return self._stopped

    @property
    def pending(self) -> bool:
        """More of the reply may still be spoken: not finished, or pieces still being synthesised."""
        return self._thread.is_alive()

    def stop(self) -> int:
        """Barge-in: silence now; returns the character offset spoken so far."""
        with self._lock:
            self._stopped = True
            self._generation += 1
            cut = self.player.stop()
            self.result.cut_at = cut
            return cut

    # -- synthesis ------------------------------------------------------------
    def _synth_loop(self) -> None:
        while True:
            item = self._q.get()
            if item is _DONE:
                return
            generation, piece = item
            if generation != self._generation or self.tts is None:
                continue
            try:
                speech = self.tts.synthesize(piece.text, self.style)
            except Exception as exc:  # a broken voice must not take the text with it
                self.result.error = f"The client's voice failed: {exc}"
                continue
            self.result.synth_seconds += speech.seconds
            self.result.audio_seconds += speech.audio_seconds
            audio = np.concatenate([speech.audio, np.zeros(int(PAUSE_S * speech.rate), np.float32)])
            # Checked and queued under the lock stop() takes: a barge-in between the check and the
            # enqueue would otherwise let this piece play after the student cut in.
            with self._lock:
                if generation != self._generation:
                    continue
                try:
                    self.player.enqueue(piece, audio, speech.rate)
                except Exception as exc:  # no speaker / unplugged: captions carry on
                    self.result.error = str(exc)
                    self.muted = True
                    continue
            if self.result.first_audio_at is None:
                self.result.first_audio_at = self.clock()

    # -- end ------------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> SpokenReply:
        """Until everything fed has been synthesised and played (or cut)."""
        self._thread.join(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._stopped and self.player.busy():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if self.player.wait_idle(0.05 if left is None else min(0.05, left)):
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
        self.result.text = self.chunker.text
        err = getattr(self.player, "error", None)
        if err and not self.result.error:
            self.result.error = err
        return self.result
