"""`clientsim bench responsiveness`: does the client answer good and poor counselling differently?

1. AnnoMI replays: the counsellor turns of high- and low-quality AnnoMI
   sessions are sent, in order, to the bundled persona whose topic fits
   (client/state/split.py). The client's replies are coded with the MI coder
   and the change-talk share, change / (change + sustain), is printed per
   condition and persona next to real clients' (0.70 after high-quality MI,
   0.53 after low). Only the "measure" half of the sessions counts for the
   goals; the "tuning" half is printed apart (the state's constants and the
   prompt's examples came from it).
2. Scripted sessions (validation/blind/responsiveness/, written blind from the
   MITI definitions): per persona, an MI-consistent and a confrontational
   script. Prints sustain talk + discord share under each, the stage after
   ten turns, and for CBT personas the belief the client reports and holds.

`--moves-only` skips the language model: it prints the shares of the moves
the state chose (what the client was asked to do), in seconds.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from clientsim.bench.stats import p50
from clientsim.paths import REPO_ROOT

REAL_SHARE = {"high": 0.70, "low": 0.53}
SCRIPTS_DIR = REPO_ROOT / "validation" / "blind" / "responsiveness"
PRECONTEMPLATION_TURNS = 10


def add_arguments(p) -> None:
    p.add_argument("--model", help="GGUF (default: the bundled default client model)")
    p.add_argument("--split", choices=("measure", "tuning", "all"), default="all",
                   help="which AnnoMI half to replay (default: both, printed apart)")
    p.add_argument("--turns", type=int, default=12, help="counsellor turns replayed per session (default 12)")
    p.add_argument("--sessions", type=int, default=0, help="at most this many sessions per quality and split (0: all)")
    p.add_argument("--script-lines", type=int, default=0, help="lines of each scripted session (0: all)")
    p.add_argument("--moves-only", action="store_true", help="no language model: shares of the chosen moves")
    p.add_argument("--skip-annomi", action="store_true")
    p.add_argument("--skip-scripts", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--json", metavar="FILE", help="write every reply and figure to FILE")


def change_share(talk: list[str]) -> float:
    c, s = talk.count("change"), talk.count("sustain")
    return c / (c + s) if c + s else float("nan")


class Runner:
    """Plays counsellor lines to a persona; with an engine the client answers, without it only moves are chosen."""

    def __init__(self, engine, seed: int) -> None:
        from clientsim.judge.mi.coder import MiCoder
        from clientsim.personas import PersonaLibrary
        from clientsim.storage import Database

        self.engine = engine
        self.seed = seed
        self.library = PersonaLibrary.load()
        self.coder = MiCoder.load()
        self.db = Database.open(Path(tempfile.mkdtemp(prefix="clientsim-resp-")) / "r.sqlite3")

    def play(self, persona_id: str, lines: list[str]) -> dict:
        from clientsim.client.state import StateTracker
        from clientsim.core.jobs import JobState
        from clientsim.sessions.opener import open_practice

        persona = self.library.get(persona_id)
        rows = []
        if self.engine is None:
            tracker = StateTracker(persona, self.seed)
            history = [("client", persona.opening_statement)]
            coding = updating = 0.0
            for line in lines:
                t0 = time.perf_counter()
                code = self.coder.code_turn(line, "counsellor", history)
                t1 = time.perf_counter()
                state, move = tracker.after_counsellor(line, code, len(history))
                t2 = time.perf_counter()
                coding, updating = coding + t1 - t0, updating + t2 - t1
                history += [("counsellor", line), ("client", "")]
                rows.append({"counsellor": line, "code": code["code"], "move": move.kind, "state": state.summary()})
            n = max(len(lines), 1)
            return {"persona": persona_id, "turns": rows, "talk": [self._move_talk(r["move"]) for r in rows],
                    "ms_per_turn": updating / n * 1000, "coding_ms_per_turn": coding / n * 1000}
        session = open_practice(persona, engine=self.engine, db=self.db, seed=self.seed, prime=False).session
        for line in lines:
            session.add_counsellor_turn(line)
            turn = session.generate_reply(JobState())
            st = turn.meta.get("state") or {}
            rows.append({"counsellor": line, "client": turn.text, "code": (session.turns[-2].meta.get("mi") or {}).get("code"),
                         "move": st.get("move"), "state": st, "attempts": turn.meta.get("attempts")})
        session.end()
        coded = self.coder.code_session(session.history())
        talk = [c["talk_type"] for (speaker, _), c in zip(session.history(), coded) if speaker == "client"][1:]
        for r, t in zip(rows, talk):
            r["talk_type"] = t
        return {"persona": persona_id, "turns": rows, "talk": talk}

    @staticmethod
    def _move_talk(move: str) -> str:
        # what the move asks for, in AnnoMI's talk types (discord is sustain talk's relative; deflecting a topic too)
        return {"change": "change", "sustain": "sustain", "discord": "sustain", "deflect": "sustain",
                "deny": "sustain"}.get(move, "neutral")


def run(args) -> int:
    from clientsim.client.state.split import replays

    engine = None
    if not args.moves_only:
        from clientsim.llm.engine import LlmEngine
        from clientsim.models.registry import resolve_model

        path = resolve_model(args.model)
        engine = LlmEngine(path, n_threads=args.threads, seed=args.seed).load()
        print(f"model {path.name}, threads {args.threads}, seed {args.seed}, load average {os.getloadavg()[0]:.1f}")
    else:
        print("moves only (no language model): shares of the moves the client state chose")
    runner = Runner(engine, args.seed)
    out: dict = {"annomi": [], "scripts": []}
    t0 = time.perf_counter()
    if not args.skip_annomi:
        chosen = [r for r in replays() if args.split == "all" or r.split == args.split]
        if args.sessions:
            chosen = _round_robin(chosen, args.sessions)
        # one persona after another: its prompt stays in the model's cache from session to session
        for r in sorted(chosen, key=lambda r: (r.persona_id, r.split, r.session.quality)):
            res = runner.play(r.persona_id, r.counsellor_lines[: args.turns])
            res |= {"transcript": r.session.transcript_id, "quality": r.session.quality, "split": r.split}
            out["annomi"].append(res)
            print(f"  AnnoMI {r.session.transcript_id:>4} {r.session.quality:<4} {r.split:<7} -> {r.persona_id:<18} "
                  f"change share {change_share(res['talk']):.2f}")
        _print_annomi(out["annomi"])
    if not args.skip_scripts:
        out["scripts"] = _scripts(runner, args.script_lines)
    print(f"done in {time.perf_counter() - t0:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def _round_robin(chosen: list, per_group: int) -> list:
    """At most `per_group` sessions per (split, quality), taken in turn from each persona."""
    kept = []
    for key in sorted({(r.split, r.session.quality) for r in chosen}):
        by_persona = defaultdict(list)
        for r in chosen:
            if (r.split, r.session.quality) == key:
                by_persona[r.persona_id].append(r)
        queues = [by_persona[p] for p in sorted(by_persona)]
        taken = 0
        while taken < per_group and any(queues):
            for q in queues:
                if q and taken < per_group:
                    kept.append(q.pop(0))
                    taken += 1
    return kept


def _print_annomi(results: list[dict]) -> None:
    for split in ("tuning", "measure"):
        sub = [r for r in results if r["split"] == split]
        if not sub:
            continue
        print(f"\nAnnoMI replays, {split} half ({'the figures that count' if split == 'measure' else 'shaped the method'}):")
        shares = {}
        for quality in ("high", "low"):
            talk = [t for r in sub if r["quality"] == quality for t in r["talk"]]
            shares[quality] = change_share(talk)
            n = sum(1 for r in sub if r["quality"] == quality)
            print(f"  after {quality}-quality MI ({n} sessions, {len(talk)} replies): change-talk share {shares[quality]:.2f} "
                  f"(real clients {REAL_SHARE[quality]:.2f}; within 0.10: {'yes' if abs(shares[quality] - REAL_SHARE[quality]) <= 0.10 else 'NO'})")
        gap = shares["high"] - shares["low"]
        print(f"  gap {gap:+.2f} (real {REAL_SHARE['high'] - REAL_SHARE['low']:+.2f}; goal >= +0.15: {'met' if gap >= 0.15 else 'NOT met'})")
        for pid in sorted({r["persona"] for r in sub}):
            parts = []
            for quality in ("high", "low"):
                talk = [t for r in sub if r["persona"] == pid and r["quality"] == quality for t in r["talk"]]
                parts.append(f"{quality} {change_share(talk):.2f} (n {len(talk)})" if talk else f"{quality} -")
            print(f"    {pid:<18} " + ", ".join(parts))
        ms = [r["ms_per_turn"] for r in sub if "ms_per_turn" in r]
        if ms:
            coding = [r["coding_ms_per_turn"] for r in sub]
            print(f"  state update + move choice: {p50(ms):.2f} ms per turn, max {max(ms):.2f} (goal < 20 ms); "
                  f"the live MI coding the session does anyway: {p50(coding):.1f} ms")


def _scripts(runner: Runner, max_lines: int = 0) -> list[dict]:
    files = sorted(SCRIPTS_DIR.glob("*.json"))
    if not files:
        print(f"\nno scripted sessions in {SCRIPTS_DIR}")
        return []
    print("\nScripted sessions (validation/blind/responsiveness, written blind from the MITI definitions):")
    print(f"  {'persona':<22} {'condition':<16} {'change':>6} {'sustain':>7} {'discord':>7} {'trust':>6} {'stage@10':<17} belief")
    results = []
    for f in files:
        script = json.loads(f.read_text(encoding="utf-8"))
        lines = [x["text"] for x in script["lines"]][: max_lines or None]
        res = runner.play(script["persona_id"], lines) | {"condition": script["condition"], "script": f.name}
        moves = [r["move"] for r in res["turns"]]
        talk = res["talk"]
        n = max(len(talk), 1)
        # with the model: what the coder heard, plus the discord moves (AnnoMI codes no discord);
        # moves only: the moves that push away from change (Runner._move_talk)
        res["sustain_or_discord"] = (talk.count("sustain") + (moves.count("discord") if runner.engine else 0)) / n
        res["discord_moves"] = moves.count("discord") / n
        tenth = res["turns"][min(PRECONTEMPLATION_TURNS, len(res["turns"])) - 1]["state"]
        res["stage_at_10"] = tenth.get("stage")
        last = res["turns"][-1]["state"]
        res["belief_end"] = last.get("belief")
        res["trust_end"] = last.get("trust")
        results.append(res)
        belief = f"{res['turns'][0]['state'].get('belief')} -> {res['belief_end']}" if res["belief_end"] is not None else ""
        print(f"  {script['persona_id']:<22} {script['condition']:<16} {talk.count('change') / n:>6.2f} "
              f"{talk.count('sustain') / n:>7.2f} {res['discord_moves']:>7.2f} {res['trust_end']:>6.1f} "
              f"{str(res['stage_at_10'] or '-'):<17} {belief}")
    by_persona = defaultdict(dict)
    for r in results:
        by_persona[r["persona"]][r["condition"]] = r
    more = [pid for pid, c in by_persona.items() if "confrontational" in c and "mi-consistent" in c
            and c["confrontational"]["sustain_or_discord"] > c["mi-consistent"]["sustain_or_discord"]]
    both = [pid for pid, c in by_persona.items() if len(c) == 2]
    print(f"  more sustain talk + discord under confrontation than under MI-consistent practice: {len(more)}/{len(both)} "
          f"personas (goal: all; {'met' if len(more) == len(both) else 'NOT met'})")
    pre = [r for r in results if r["persona"] in _precontemplative(runner)]
    at_action = [r for r in pre if r["stage_at_10"] in ("action", "maintenance")]
    print(f"  precontemplative personas at action within {PRECONTEMPLATION_TURNS} turns: {len(at_action)} of {len(pre)} sessions (goal 0)")
    return results


def _precontemplative(runner: Runner) -> set[str]:
    return {p.id for p in runner.library.all() if p.mi and p.mi.stage_of_change == "precontemplation"}
