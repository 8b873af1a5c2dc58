"""ClientSimulator: one persona played by the local model, turn by turn.

`reply()` streams the client's answer as ReplyEvents while running the
character checks on every token (client/guard.py). Text is shown a few words
behind the model so a breaking phrase ("as an AI…") is caught before the
student sees it; a fatal break stops generation and the reply is regenerated
(up to two more attempts with another seed), a repairable one is repaired.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field

from clientsim.client import guard
from clientsim.client.context import ContextWindow, clip_for_model
from clientsim.client.prompt import build_system_prompt, length_rule, max_sentences
from clientsim.core.errors import ModelError
from clientsim.core.jobs import JobState
from clientsim.llm.backend import ChatEngine
from clientsim.llm.remote import ServerError
from clientsim.llm.types import GenerationStats, SamplingParams
from clientsim.personas.model import Persona

MAX_TOKENS = {"short": 90, "medium": 150, "long": 230}
MODEL_MESSAGE_CHARS = 3000  # what the model hears of a very long counsellor message
# "script": the conversation is shown to the model as a transcript inside one user
# message and it writes the client's next line; "chat": counsellor turns are user
# messages and client turns assistant messages. See docs/client-prompt.md for the
# measurements behind the default.
PROMPT_MODE = "chat"
NEXT_MARK = "\u2063NEXT\u2063"  # stands for the student's next words while the prompt before them is primed
FALLBACKS = (
    "Sorry, I lost my train of thought there. Can you say that again?",
    "I'm not sure what you mean.",
    "Hm. I don't really know how to answer that.",
)


@dataclass(frozen=True)
class ReplyEvent:
    kind: str  # "text": append `text`; "reset": discard what was shown (regenerating)
    text: str = ""


@dataclass
class ClientReply:
    text: str
    attempts: int
    checks: list[dict] = field(default_factory=list)  # every check that fired, with attempt number
    stats: GenerationStats = field(default_factory=GenerationStats)
    stopped: bool = False  # cancelled by the student
    fallback: bool = False
    first_visible_s: float | None = None  # reply() start -> first text the student sees, failed attempts included
    interrupted: str = ""  # why the reply is cut short: the lab server failed mid-reply (llm/remote.py)

    def meta(self) -> dict:
        s = self.stats
        return {"prompt_s": round(s.prompt_s, 4), "ttft_s": round(s.ttft_s, 4), "tokens": s.completion_tokens, "tok_per_s": round(s.tok_per_s, 2),
                "new_prompt_tokens": s.new_prompt_tokens, "prompt_tokens": s.prompt_tokens,
                "attempts": self.attempts, "checks": self.checks, "stopped": self.stopped, "fallback": self.fallback,
                "first_visible_s": None if self.first_visible_s is None else round(self.first_visible_s, 4)} | \
            ({"interrupted": self.interrupted} if self.interrupted else {})


_OPEN_MARKUP = re.compile(r"[*(\[][^*)\]]*$")


def _visible(text: str, name: str, own: re.Pattern | None = None) -> str:
    """The part of a growing reply that is safe to show (or speak) now, already cleaned: everything
    before the first words that could still become a break (guard.safe_end) or an open stage direction."""
    candidate = text[:guard.safe_end(text, name, own)]
    m = _OPEN_MARKUP.search(candidate)
    if m:
        candidate = candidate[: m.start()]
    cleaned, _ = guard.repair(candidate, name, max_sentences=99)
    return cleaned


class ClientSimulator:
    def __init__(self, persona: Persona, engine: ChatEngine, seed: int | None = None, mode: str = PROMPT_MODE) -> None:
        self.mode = mode
        self.persona = persona
        self.engine = engine
        self.seed = seed if seed is not None else random.randrange(1, 2**31)
        self.system_prompt = build_system_prompt(persona)
        self.window = ContextWindow()
        self.max_sentences = max_sentences(persona)
        self.max_tokens = MAX_TOKENS.get(persona.style.reply_length, 120)
        self._length_rule = length_rule(persona)
        i = persona.identity
        self.own_words = guard.own_words_pattern(" ".join((i.relationships, i.living_situation, persona.presenting_problem,
                                                          persona.history)))

    # ---- prompt ----------------------------------------------------------
    def _system_message(self) -> dict:
        summary = self.window.summary()
        content = self.system_prompt + ("\n\n" + summary if summary else "")
        return {"role": "system", "content": content}

    def messages(self, turns: list[tuple[str, str]], cues: dict[int, str] | None = None) -> list[dict]:
        """Chat messages for the model, always within its context window.

        `cues` maps a counsellor turn's index to the move note that follows its
        words (client/state/moves.py); earlier turns keep theirs, so the
        prompt prefix and its KV cache stay the same from turn to turn.

        In order, until it fits: condense the oldest live turns; keep fewer
        summary lines; hear less of very long counsellor messages. The persona
        prompt itself is never cut.
        """
        budget = self.engine.n_ctx - self.max_tokens - 32
        clip = MODEL_MESSAGE_CHARS
        while True:
            live = turns[self.window.condensed_upto:]
            msgs = [self._system_message()] + (self._script(live, clip) if self.mode == "script"
                                               else self._chat(live, clip, cues or {}, self.window.condensed_upto))
            if self.engine.count_tokens(msgs) <= budget:
                return msgs
            if self.window.condense(turns) or self.window.shrink_summary():
                continue
            if clip > 200:
                clip //= 2
                continue
            raise ModelError(
                f"This model's context ({self.engine.n_ctx} tokens) is too small for {self.persona.name}'s persona.",
                hint="Choose a model with a larger context window in Settings, or a larger --ctx.")

    def _reminder(self) -> str:
        return f"[{self.persona.first_name}, the client, answers in the first person. {self._length_rule}]"

    def _chat(self, live: list[tuple[str, str]], clip: int = MODEL_MESSAGE_CHARS, cues: dict[int, str] | None = None,
              offset: int = 0) -> list[dict]:
        # A short reminder with every counsellor line: small models drift out of
        # role without one. Kept on every turn (not only the last) so the prompt
        # prefix, and with it the KV cache, stays the same from turn to turn. It
        # comes before the counsellor's words so it can be evaluated while the
        # student is still typing or speaking (prime_next); after them it would
        # cost ~20 tokens of evaluation between "send" and the first word.
        reminder = self._reminder()
        msgs = []
        for index, (speaker, text) in enumerate(live, start=offset):
            if speaker == "counsellor":
                body = text if text == NEXT_MARK else clip_for_model(text, clip)
                if cue := (cues or {}).get(index):
                    body += "\n\n" + cue
                msgs.append({"role": "user", "content": reminder + "\n\n" + body})
            else:
                msgs.append({"role": "assistant", "content": text})
        return msgs

    def _script(self, live: list[tuple[str, str]], clip: int = MODEL_MESSAGE_CHARS) -> list[dict]:
        first = self.persona.first_name
        lines = [f"{'Counsellor' if sp == 'counsellor' else first}: "
                 f"{clip_for_model(text, clip) if sp == 'counsellor' else text}" for sp, text in live]
        return [{"role": "user", "content": "The session so far:\n" + "\n".join(lines) +
                 f"\n\nWhat does {first} say next? {self._length_rule} Write only {first}'s words."}]

    def prime(self) -> int:
        """Evaluate the persona prompt now so the first reply only pays for the new tokens."""
        return self.engine.prime([self._system_message()])

    def prime_next(self, turns: list[tuple[str, str]], cues: dict[int, str] | None = None) -> int:
        """Evaluate the prompt up to where the student's next words will go.

        Run between turns (the student is reading, typing or speaking): the
        last reply as stored, any condensing of old turns, and the opening of
        the next counsellor message (template tokens and the reminder) are
        then already in the KV cache when they press send.
        """
        if self.mode != "chat":
            return self.prime()
        msgs = self.messages(list(turns) + [("counsellor", NEXT_MARK)], cues)
        return self.engine.prime(msgs, upto=NEXT_MARK)

    # ---- reply -----------------------------------------------------------
    def reply(self, turns: list[tuple[str, str]], state: JobState | None = None, turn_index: int = 0,
              cues: dict[int, str] | None = None, opening: str = "") -> ClientReply:
        """The client's reply. ``opening`` is the reply's first words, put in the model's mouth: a
        questionnaire answer in the questionnaire's own words, which a small model does not always say
        when only asked to (client/state/moves.py)."""
        outer = state or JobState()
        started = time.perf_counter()
        first_visible: list[float] = []

        def on_partial(event) -> None:
            if not first_visible and isinstance(event, ReplyEvent) and event.kind == "text" and event.text.strip():
                first_visible.append(time.perf_counter() - started)
            outer.partial(event)

        state = JobState(on_progress=outer.on_progress, on_partial=on_partial, _cancel=outer._cancel)
        reply = self._reply(turns, state, turn_index, cues, opening)
        reply.first_visible_s = first_visible[0] if first_visible else None
        return reply

    def _reply(self, turns: list[tuple[str, str]], state: JobState, turn_index: int,
               cues: dict[int, str] | None, opening: str = "") -> ClientReply:
        counsellor_text = turns[-1][1] if turns and turns[-1][0] == "counsellor" else ""
        msgs = self.messages(turns, cues)
        name = self.persona.name
        checks: list[dict] = []
        shown_any = False
        for attempt in range(3):
            params = SamplingParams(temperature=0.7 + 0.15 * attempt, max_tokens=self.max_tokens,
                                    seed=self.seed * 1009 + turn_index * 31 + attempt)
            text, shown, fatal = opening, "", None
            try:
                for piece in self.engine.stream_chat(msgs, params, state, opening=opening):
                    text += piece
                    fatal = guard.scan_stream(text, name, self.own_words)
                    if fatal or guard._LABEL_MID.search(text):
                        break
                    if len(guard.sentences(text)) > self.max_sentences and re.search(r"[.!?…]\s+\S", text):
                        break  # long enough: stop early instead of trimming later
                    visible = _visible(text, name, self.own_words)
                    if len(visible) > len(shown) and visible.startswith(shown):
                        state.partial(ReplyEvent("text", visible[len(shown):]))
                        shown = visible
                        shown_any = True
            except ServerError as exc:
                return self._interrupted(text if not fatal else shown, shown, attempt + 1, checks, state, exc)
            stats = self.engine.last_stats
            if state.cancelled:
                final, found = guard.repair(text, name, "", self.max_sentences, self.own_words)
                final = final if not guard.is_fatal(found) else shown
                if final.startswith(shown):
                    state.partial(ReplyEvent("text", final[len(shown):]))
                else:
                    state.partial(ReplyEvent("reset"))
                    state.partial(ReplyEvent("text", final))
                return ClientReply(final, attempt + 1, checks, stats, stopped=True)
            final, found = guard.repair(text, name, counsellor_text, self.max_sentences, self.own_words)
            checks += [{"check": v.check, "detail": v.detail[:80], "fatal": v.fatal, "attempt": attempt + 1} for v in found]
            if not guard.is_fatal(found):
                if final.startswith(shown):
                    state.partial(ReplyEvent("text", final[len(shown):]))
                else:
                    state.partial(ReplyEvent("reset"))
                    state.partial(ReplyEvent("text", final))
                return ClientReply(final, attempt + 1, checks, stats)
            if shown_any:
                state.partial(ReplyEvent("reset"))
                shown_any = False
        line = FALLBACKS[(self.seed + turn_index) % len(FALLBACKS)]
        state.partial(ReplyEvent("text", line))
        return ClientReply(line, 3, checks, self.engine.last_stats, fallback=True)

    def _interrupted(self, text: str, shown: str, attempts: int, checks: list[dict], state: JobState,
                     exc: ServerError) -> ClientReply:
        """The lab server failed mid-reply: keep what the guard passes of the words so far, marked."""
        final, found = guard.repair(text, self.persona.name, "", self.max_sentences, self.own_words)
        final = shown if guard.is_fatal(found) else final
        if final.startswith(shown):
            state.partial(ReplyEvent("text", final[len(shown):]))
        else:
            state.partial(ReplyEvent("reset"))
            state.partial(ReplyEvent("text", final))
        return ClientReply(final, attempts, checks, self.engine.last_stats, interrupted=exc.args[0])
