"""`clientsim bench chat`: the client's speed against raw llama-cpp-python.

One run, same model file, same threads: a scripted session through the real
PracticeSession (character checks, client state, storage, everything), and for
each turn the same conversation sent to a separate plain `llama_cpp.Llama`
instance with `create_chat_completion(stream=True)`. Prints per turn after the
first: time to first token, time to the first text the student sees (failed
attempts included), tokens/s for both, and the ratio of generation speeds.
Then the same script again without the client state (no move note after the
counsellor's words: the path before the state existed), so the cost of the
state is measured in the same run.

Then typed messages of about 20 words (TYPED), twice in the same run: as
today (the prompt primed up to where the student's words go, the words
evaluated at send) and as the app now does it, the draft evaluated while the
student types (at a pause every five words and before send:
PracticeSession.prime_draft). Each prints the stage breakdown per turn after
the first: evaluation at send, first token, first text shown (failed attempts
included), and the load average before and after.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from clientsim.bench.stats import p50, peak_rss_mb, percentile

SCRIPT = [
    "Hi, thanks for coming in today. What would you like to talk about?",
    "It sounds like things have been pretty hard lately.",
    "What worries you most about how things are going?",
    "You're not sure whether anything needs to change.",
    "Tell me about a recent time when it felt like too much.",
    "What would be different if things were better a year from now?",
    "On a scale from zero to ten, how important is it for you to make a change?",
    "You said a four, not a zero. What makes it a four?",
    "What have you tried before, and what helped even a little?",
    "Let me check I've understood: part of you wants things to stay as they are, and part of you is tired of it.",
]


TYPED = [  # about 20 words each, as a student types them
    "Thanks for coming in today, Daniel. I know it was not your idea, so what would make this hour worthwhile?",
    "It sounds like your partner has been worried for a while, and you are not sure the worry is fair.",
    "What do you notice about the evenings when you drink more than you meant to, compared with the quieter ones?",
    "You are saying the drinking helps you switch off after work, and at the same time the mornings are harder.",
    "On a scale from zero to ten, how important is it to you right now to change anything about drinking?",
    "You said a four rather than a zero, so something matters. What puts you at a four and not lower?",
    "If you decided to cut down, what would be the first small thing you might try during the coming week?",
    "What have you tried before, even briefly, that helped with the evenings, and what got in the way back then?",
    "Let me check I have understood: part of you wants things to stay as they are, and part feels tired.",
    "Before we finish today, what would you like to take away from this conversation, and what have I missed here?",
]
PASSES = ("raw", "typed", "state")


def add_arguments(p) -> None:
    p.add_argument("--model", help="GGUF (default: the bundled default client model)")
    p.add_argument("--persona", default="daniel-alcohol", help="persona id")
    p.add_argument("--threads", type=int, default=2, help="CPU threads for both engines (default 2)")
    p.add_argument("--turns", type=int, default=len(SCRIPT), help="counsellor turns (default %(default)s)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")
    p.add_argument("--no-compare", action="store_true", help="skip the pass without the client state")
    p.add_argument("--only", choices=PASSES, help="run one pass: raw (against plain llama-cpp-python), typed "
                   "(20-word messages with and without evaluation while typing), state (without the client state)")


def _raw_turn(llama, messages: list[dict], max_tokens: int, seed: int) -> tuple[float, int, float]:
    t0 = time.perf_counter()
    first = last = None
    n = 0
    for chunk in llama.create_chat_completion(messages=messages, stream=True, max_tokens=max_tokens,
                                               temperature=0.7, top_p=0.9, top_k=40, min_p=0.05,
                                               repeat_penalty=1.1, seed=seed):
        delta = chunk["choices"][0].get("delta", {})
        if delta.get("content"):
            now = time.perf_counter()
            if first is None:
                first = now
            last = now
            n += 1
    if first is None:
        return float("nan"), 0, float("nan")
    tps = (n - 1) / (last - first) if n > 1 and last > first else float("nan")
    return first - t0, n, tps


def run(args) -> int:
    from llama_cpp import Llama

    from clientsim.core.jobs import JobState
    from clientsim.llm.choice import EngineChoice
    from clientsim.models.registry import resolve_model
    from clientsim.personas import PersonaLibrary
    from clientsim.sessions.opener import open_engine, open_practice
    from clientsim.storage import Database

    path = resolve_model(args.model)
    persona = PersonaLibrary.load().get(args.persona)
    home = tempfile.mkdtemp(prefix="clientsim-bench-")
    db = Database.open(Path(home) / "bench.sqlite3")
    print(f"model {path.name}, persona {persona.id}, threads {args.threads}, cores {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    choice = EngineChoice(model=str(path), threads=args.threads, seed=args.seed)
    t0 = time.perf_counter()
    engine = open_engine(choice).engine
    load_s = time.perf_counter() - t0
    summary: dict = {"model": path.name, "threads": args.threads}
    if args.only in (None, "typed"):
        summary["typed"] = _typed_passes(db, persona, engine, args)
    if args.only == "typed":
        return _finish(args, summary, [], db)
    if args.only == "state":
        summary["without_state"] = _without_state(db, persona, engine, args)
        return _finish(args, summary, [], db)
    raw = Llama(model_path=str(path), n_ctx=engine.n_ctx, n_threads=args.threads, n_threads_batch=args.threads,
                n_batch=engine.n_batch, n_ubatch=engine.n_batch, seed=args.seed, verbose=False)
    session = open_practice(persona, choice, engine=engine, db=db, prime=False).session
    t0 = time.perf_counter()
    session.prime_now()
    prime_s = time.perf_counter() - t0
    raw.create_chat_completion(messages=[session.simulator._system_message()], max_tokens=1)  # same warm start
    print(f"load {load_s:.2f} s, persona prompt evaluated once in {prime_s:.2f} s")
    print(f"{'turn':>4} {'ttft_s':>7} {'shown_s':>7} {'tok':>4} {'tok/s':>6} | {'raw ttft':>8} {'raw tok':>7} {'raw tok/s':>9} "
          f"| ratio  new_prompt_tok  move")
    rows = []
    for i, line in enumerate(SCRIPT[: args.turns]):
        session.add_counsellor_turn(line)
        msgs = session.simulator.messages(session.history(), session.cues)
        turn = session.generate_reply(JobState())
        session.wait_primed()  # the next turn's prefix, as while a student types; not timed against raw
        st = session.last_reply.stats
        r_ttft, r_n, r_tps = _raw_turn(raw, msgs, max_tokens=session.simulator.max_tokens, seed=args.seed + i)
        ratio = st.tok_per_s / r_tps if r_tps == r_tps and r_tps > 0 else float("nan")
        shown = session.last_reply.first_visible_s
        rows.append({"turn": i + 1, "ttft_s": st.ttft_s, "shown_s": shown, "attempts": session.last_reply.attempts,
                     "move": (turn.meta.get("state") or {}).get("move"),
                     "tokens": st.completion_tokens, "tok_per_s": st.tok_per_s,
                     "raw_ttft_s": r_ttft, "raw_tokens": r_n, "raw_tok_per_s": r_tps, "ratio": ratio,
                     "new_prompt_tokens": st.new_prompt_tokens})
        print(f"{i + 1:>4} {st.ttft_s:>7.3f} {_s(shown):>7} {st.completion_tokens:>4} {st.tok_per_s:>6.1f} | {r_ttft:>8.3f} {r_n:>7} "
              f"{r_tps:>9.1f} | {ratio:5.3f}  {st.new_prompt_tokens:>14}  {rows[-1]['move'] or ''}")
    after_first = [r for r in rows[1:] if r["tokens"] > 1 and r["raw_tokens"] > 1] or rows
    ttfts = [r["ttft_s"] for r in rows[1:]] or [r["ttft_s"] for r in rows]
    shown = [r["shown_s"] for r in rows[1:] if r["shown_s"] is not None]
    ratios = [r["ratio"] for r in after_first if r["ratio"] == r["ratio"]]
    ours = sum(r["tokens"] - 1 for r in after_first) / max(sum((r["tokens"] - 1) / r["tok_per_s"] for r in after_first if r["tok_per_s"] > 0), 1e-9)
    theirs = sum(r["raw_tokens"] - 1 for r in after_first) / max(sum((r["raw_tokens"] - 1) / r["raw_tok_per_s"] for r in after_first if r["raw_tok_per_s"] > 0), 1e-9)
    summary |= {
        "turns_measured": len(ttfts),
        "ttft_p50_s": p50(ttfts), "ttft_p90_s": percentile(ttfts, 0.9),
        "shown_p50_s": p50(shown), "shown_p90_s": percentile(shown, 0.9),
        "tok_per_s": ours, "raw_tok_per_s": theirs, "speed_ratio": ours / theirs if theirs else float("nan"),
        "speed_ratio_median_per_turn": p50(ratios), "peak_rss_mb": peak_rss_mb(),
        "goal_ratio_ge_0_95": (ours / theirs) >= 0.95 if theirs else False, "goal_ttft_p50_lt_0_7": p50(ttfts) < 0.7,
    }
    print(f"turns after the first: time to first token p50 {summary['ttft_p50_s']:.3f} s, p90 {summary['ttft_p90_s']:.3f} s "
          f"(goal p50 < 0.7 s: {'met' if summary['goal_ttft_p50_lt_0_7'] else 'NOT met'})")
    print(f"generation: ClientSim {ours:.2f} tok/s, raw llama-cpp-python {theirs:.2f} tok/s, "
          f"ratio {summary['speed_ratio']:.3f} (per-turn median {summary['speed_ratio_median_per_turn']:.3f}; "
          f"goal >= 0.95: {'met' if summary['goal_ratio_ge_0_95'] else 'NOT met'})")
    print(f"time to the first text the student sees (failed attempts included): p50 {summary['shown_p50_s']:.3f} s, "
          f"p90 {summary['shown_p90_s']:.3f} s")
    print(f"peak memory {summary['peak_rss_mb']:.0f} MB (two model instances)")
    session.end()
    if not args.no_compare and args.only is None:
        del raw
        summary["without_state"] = _without_state(db, persona, engine, args)
        base = summary["without_state"]
        print(f"same run, same script, without the client state: time to first token p50 {base['ttft_p50_s']:.3f} s "
              f"(with the state {summary['ttft_p50_s']:.3f} s, difference {summary['ttft_p50_s'] - base['ttft_p50_s']:+.3f} s); "
              f"first text shown p50 {base['shown_p50_s']:.3f} s (with {summary['shown_p50_s']:.3f} s, "
              f"difference {summary['shown_p50_s'] - base['shown_p50_s']:+.3f} s)")
    return _finish(args, summary, rows, db)


def _finish(args, summary: dict, rows: list, db) -> int:
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        print(json.dumps({"summary": summary, "turns": rows}, indent=1))
    db.close()
    return 0


def _typed_passes(db, persona, engine, args) -> dict:
    """20-word messages as today (evaluated at send) and with the draft evaluated while typing, same run."""
    out = {}
    for name, drafts in (("at send", False), ("while typing", True)):
        load = os.getloadavg()[0]
        rows = _typed(db, persona, engine, args, drafts)
        later = rows[1:] or rows
        figures = {key: (p50([r[key] for r in later if r[key] is not None]),
                         percentile([r[key] for r in later if r[key] is not None], 0.9))
                   for key in ("prompt_s", "ttft_s", "shown_s", "new_prompt_tokens", "draft_s")}
        out[name] = {"rows": rows, "p50_p90": figures, "load_before": load, "load_after": os.getloadavg()[0]}
        print(f"typed messages of about 20 words, evaluated {name} (load average {load:.2f} -> "
              f"{out[name]['load_after']:.2f}); per turn after the first, p50 / p90:")
        print(f"  evaluated at send: {figures['new_prompt_tokens'][0]:.0f} / {figures['new_prompt_tokens'][1]:.0f} tokens"
              + (f" (whole chunks {figures['prompt_s'][0]:.3f} / {figures['prompt_s'][1]:.3f} s, the tail with the "
                 f"first token; while typing: {figures['draft_s'][0]:.2f} s of evaluation per message)" if drafts
                 else " (all with the first token)"))
        print(f"  first token {figures['ttft_s'][0]:.3f} / {figures['ttft_s'][1]:.3f} s; first text shown "
              f"{figures['shown_s'][0]:.3f} / {figures['shown_s'][1]:.3f} s")
    shown = out["while typing"]["p50_p90"]["shown_s"][0]
    first = out["while typing"]["p50_p90"]["ttft_s"][0]
    print(f"goal: send to the first visible text p50 <= 0.3 s: {shown:.3f} s, {'met' if shown <= 0.3 else 'NOT met'} "
          f"(first token {first:.3f} s; today's path {out['at send']['p50_p90']['shown_s'][0]:.3f} s)")
    return {name: {k: v for k, v in d.items() if k != "rows"} for name, d in out.items()}


def _typed(db, persona, engine, args, drafts: bool) -> list[dict]:
    from clientsim.core.jobs import JobState
    from clientsim.sessions.opener import open_practice

    engine.reset_cache()
    session = open_practice(persona, engine=engine, db=db, seed=args.seed, prime=False).session
    if drafts:
        session.enable_draft_evaluation()
    rows = []
    try:
        session.prime_now()
        for line in TYPED[: args.turns]:
            words = line.split()
            t0 = time.perf_counter()
            evaluated = 0
            if drafts:
                for k in range(5, len(words), 5):  # a pause every five words, as students type in bursts
                    evaluated += session.prime_draft(" ".join(words[:k]))
                evaluated += session.prime_draft(line)  # the pause before pressing send
            draft_s = time.perf_counter() - t0
            session.add_counsellor_turn(line)
            session.generate_reply(JobState())
            session.wait_primed()  # between turns, as while the student reads the reply
            reply = session.last_reply
            st = reply.stats
            rows.append({"prompt_s": st.prompt_s, "ttft_s": st.ttft_s, "shown_s": reply.first_visible_s,
                         "new_prompt_tokens": st.new_prompt_tokens, "attempts": reply.attempts,
                         "draft_tokens": evaluated, "draft_s": draft_s if drafts else None})
        session.end()
    finally:
        engine.draft_chunk = None
    return rows


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _without_state(db, persona, engine, args) -> dict:
    """The same script through the path without the client state (no move notes), timed the same way."""
    from clientsim.core.jobs import JobState
    from clientsim.sessions.opener import open_practice

    session = open_practice(persona, engine=engine, db=db, seed=args.seed, prime=False, client_state=False).session
    session.prime_now()
    ttfts, shown = [], []
    for i, line in enumerate(SCRIPT[: args.turns]):
        session.add_counsellor_turn(line)
        session.generate_reply(JobState())
        session.wait_primed()
        if i:
            ttfts.append(session.last_reply.stats.ttft_s)
            if session.last_reply.first_visible_s is not None:
                shown.append(session.last_reply.first_visible_s)
    session.end()
    return {"ttft_p50_s": p50(ttfts), "ttft_p90_s": percentile(ttfts, 0.9),
            "shown_p50_s": p50(shown), "shown_p90_s": percentile(shown, 0.9)}
