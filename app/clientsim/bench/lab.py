"""`clientsim bench lab --sessions 1,2,4,8`: a lab server against separate local engines.

For each session count N, two arms in the same run, one after the other:
- server: one llama-server on 127.0.0.1 (a free port, loopback only) with N
  slots and all cores, and N simulated students talking to it at once;
- local: N separate llama-cpp-python engines (LlmEngine) side by side in this
  process, each with max(1, cores // N) threads, so both arms use about the
  cores the machine has.
Each student is a bundled persona (a different one per student) and replays
the counsellor lines of `clientsim bench chat` (bench/chat.py SCRIPT, each
student starting at a different line), with the app's own prompt (persona
system prompt, reminder before each counsellor line) and sampling. Both arms
go through the same interface, `stream_chat(messages, params, state)`.

Printed per arm: time to first token p50/p90 over the turns after the first
(the first turn evaluates the persona prompt; printed apart), generation
speed per student (decode tokens/s, mean over students), total tokens/s (all
tokens / the arm's wall time) and the load average, which tells how busy
the machine was with other work. Bounded: at most 16 students, loopback
only, and each arm stops starting turns after --time-limit seconds.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from dataclasses import dataclass, field

from clientsim.bench.chat import SCRIPT
from clientsim.bench.stats import p50, percentile
from clientsim.core.errors import UserError

MAX_SESSIONS = 16


def add_arguments(p) -> None:
    p.add_argument("--sessions", default="1,2,4,8", help="comma-separated student counts (default 1,2,4,8; at most 16)")
    p.add_argument("--model", help="GGUF (default: the default client model)")
    p.add_argument("--turns", type=int, default=4, help="counsellor turns per student (default 4)")
    p.add_argument("--time-limit", type=float, default=300.0,
                   help="seconds per arm after which no new turn starts (default 300)")
    p.add_argument("--persona", action="append", help="persona id(s) the students play (default: the bundled ones in turn)")
    p.add_argument("--arms", default="server,local", help="which arms to run (default server,local)")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--json", metavar="FILE", help="also write every turn and figure to FILE")
    p.add_argument("--server-url", metavar="URL",
                   help="bench an OpenAI-compatible server already running on this machine (loopback only) "
                   "instead of starting llama-server, e.g. llama-cpp-python's own (docs/lab-server.md)")


@dataclass
class TurnTiming:
    student: int
    turn: int
    ttft_s: float
    tokens: int
    gen_s: float  # first piece -> last piece
    total_s: float


@dataclass
class ArmResult:
    arm: str
    sessions: int
    wall_s: float
    turns: list[TurnTiming] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stopped_by_limit: bool = False
    load_before: tuple = ()
    load_after: tuple = ()
    threads: str = ""

    def summary(self) -> dict:
        later = [t.ttft_s for t in self.turns if t.turn > 0 and t.tokens]
        first = [t.ttft_s for t in self.turns if t.turn == 0 and t.tokens]
        per_student = []
        for s in range(self.sessions):
            mine = [t for t in self.turns if t.student == s and t.tokens > 1]
            gen = sum(t.gen_s for t in mine)
            if gen > 0:
                per_student.append(sum(t.tokens - 1 for t in mine) / gen)
        tokens = sum(t.tokens for t in self.turns)
        return {"arm": self.arm, "sessions": self.sessions, "threads": self.threads, "turns": len(self.turns),
                "tokens": tokens, "wall_s": self.wall_s,
                "ttft_p50_s": p50(later), "ttft_p90_s": percentile(later, 0.9),
                "first_ttft_p50_s": p50(first), "tok_per_s_per_session": statistics.fmean(per_student) if per_student else float("nan"),
                "tok_per_s_total": tokens / self.wall_s if self.wall_s > 0 else float("nan"),
                "load_before": self.load_before, "load_after": self.load_after,
                "stopped_by_limit": self.stopped_by_limit, "errors": self.errors}


def parse_sessions(text: str) -> list[int]:
    try:
        counts = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise UserError(f"--sessions wants numbers separated by commas, not {text!r}.") from exc
    if not counts or any(n < 1 for n in counts):
        raise UserError("--sessions wants at least one positive number.")
    if max(counts) > MAX_SESSIONS:
        raise UserError(f"At most {MAX_SESSIONS} simulated students at once on one machine (asked for {max(counts)}).")
    return counts


def _students(personas: list, n: int, seed: int) -> list[dict]:
    from clientsim.client.simulator import ClientSimulator

    out = []
    for i in range(n):
        persona = personas[i % len(personas)]
        sim = ClientSimulator(persona, engine=None, seed=seed + i)  # only its prompt is used here
        out.append({"sim": sim, "history": [("client", persona.opening_statement.strip())], "offset": i})
    return out


def _messages(student: dict) -> list[dict]:
    sim = student["sim"]
    return [sim._system_message()] + sim._chat(student["history"])  # the app's prompt (ClientSimulator.messages)


def _play(engine, student: dict, index: int, turns: int, seed: int, deadline: float, out: ArmResult,
          lock: threading.Lock, start: threading.Barrier) -> None:
    from clientsim.core.jobs import JobState
    from clientsim.llm.types import SamplingParams

    sim = student["sim"]
    start.wait()
    for turn in range(turns):
        if time.monotonic() > deadline:
            with lock:
                out.stopped_by_limit = True
            return
        line = SCRIPT[(student["offset"] + turn) % len(SCRIPT)]
        student["history"].append(("counsellor", line))
        params = SamplingParams(max_tokens=sim.max_tokens, seed=seed + 100 * index + turn)
        state = JobState()
        pieces: list[str] = []
        t0 = time.perf_counter()
        first = last = None
        try:
            for piece in engine.stream_chat(_messages(student), params, state):
                now = time.perf_counter()
                first = first or now
                last = now
                pieces.append(piece)
                if time.monotonic() > deadline + 60:  # a hung reply must not hold the bench
                    state.cancel()
        except Exception as exc:  # a failed turn is reported, the other students go on
            with lock:
                out.errors.append(f"student {index} turn {turn}: {exc}")
            return
        end = time.perf_counter()
        student["history"].append(("client", "".join(pieces).strip() or "…"))
        timing = TurnTiming(index, turn, (first or end) - t0, len(pieces), (last - first) if first else 0.0, end - t0)
        with lock:
            out.turns.append(timing)


def run_arm(arm: str, engines: list, students: list[dict], turns: int, seed: int, time_limit: float,
            threads: str) -> ArmResult:
    n = len(students)
    result = ArmResult(arm, n, 0.0, threads=threads)
    lock = threading.Lock()
    barrier = threading.Barrier(n + 1)
    deadline = time.monotonic() + time_limit
    workers = [threading.Thread(target=_play, args=(engines[i], students[i], i, turns, seed, deadline, result, lock,
                                                    barrier), name=f"student-{i}", daemon=True) for i in range(n)]
    for w in workers:
        w.start()
    result.load_before = os.getloadavg()
    barrier.wait()
    t0 = time.perf_counter()
    for w in workers:
        w.join()
    result.wall_s = time.perf_counter() - t0
    result.load_after = os.getloadavg()
    return result


def _remote_engines(url: str, n: int, seed: int) -> list:
    """One RemoteEngine per student: the app's own lab-server client (llm/remote.py)."""
    from clientsim.llm.remote import RemoteEngine, ServerAddress

    return [RemoteEngine(ServerAddress(url, read_timeout=300), seed=seed + i).load() for i in range(n)]


def _server_arm(model, students, args, cores) -> ArmResult:
    from clientsim.server.launch import start_server

    n = len(students)
    if args.server_url:
        engines = _remote_engines(args.server_url, n, args.seed)
        return run_arm("server", engines, students, args.turns, args.seed, args.time_limit, f"{args.server_url}")
    with start_server(model, parallel=n, threads=cores) as server:
        engines = _remote_engines(server.url, n, args.seed)
        return run_arm("server", engines, students, args.turns, args.seed, args.time_limit,
                       f"llama-server, {n} slots, {cores} threads")


def _local_arm(model, students, args, cores) -> ArmResult:
    from clientsim.llm.engine import LlmEngine

    n = len(students)
    threads = max(1, cores // n)
    engines = [LlmEngine(model, n_threads=threads, seed=args.seed + i).load() for i in range(n)]
    try:
        return run_arm("local", engines, students, args.turns, args.seed, args.time_limit,
                       f"{n} engines × {threads} threads")
    finally:
        for e in engines:
            e.close()


def _row(s: dict) -> str:
    lb, la = s["load_before"], s["load_after"]
    flag = " (time limit)" if s["stopped_by_limit"] else ""
    return (f"{s['sessions']:>3} {s['arm']:<7} {s['ttft_p50_s']:>8.3f} {s['ttft_p90_s']:>8.3f} {s['first_ttft_p50_s']:>9.3f} "
            f"{s['tok_per_s_per_session']:>9.2f} {s['tok_per_s_total']:>9.2f} {s['turns']:>5} {s['tokens']:>6} "
            f"{s['wall_s']:>7.1f}  {lb[0]:.2f}→{la[0]:.2f}  {s['threads']}{flag}")


def run(args) -> int:
    from clientsim.models.registry import resolve_model
    from clientsim.personas import PersonaLibrary

    counts = parse_sessions(args.sessions)
    arms = [a.strip() for a in args.arms.split(",") if a.strip()]
    if not set(arms) <= {"server", "local"} or not arms:
        raise UserError("--arms takes server, local or both.")
    model = resolve_model(args.model)
    library = PersonaLibrary.load()
    personas = [library.get(p) for p in args.persona] if args.persona else library.all()
    cores = os.cpu_count() or 1
    if "server" in arms and args.server_url:
        from urllib.parse import urlsplit

        from clientsim.server.options import is_loopback

        if not is_loopback(urlsplit(args.server_url).hostname or ""):
            raise UserError(f"--server-url must be on this machine (127.0.0.1 or localhost), not {args.server_url}.")
    elif "server" in arms:
        from clientsim.server.build import require_server_binary

        require_server_binary()
    print(f"model {model.name}; {cores} cores; {args.turns} turns per student; counsellor lines from bench chat; "
          f"time limit {args.time_limit:.0f} s per arm; load average now {os.getloadavg()[0]:.2f}")
    print(f"{'N':>3} {'arm':<7} {'ttft p50':>8} {'ttft p90':>8} {'1st ttft':>9} {'tok/s/ses':>9} {'tok/s tot':>9} "
          f"{'turns':>5} {'tokens':>6} {'wall s':>7}  load avg   engines")
    results: list[ArmResult] = []
    for n in counts:
        for arm in arms:
            students = _students(personas, n, args.seed)
            res = (_server_arm if arm == "server" else _local_arm)(model, students, args, cores)
            results.append(res)
            print(_row(res.summary()), flush=True)
            for e in res.errors[:3]:
                print(f"    error: {e}")
    summaries = [r.summary() for r in results]
    by = {(s["sessions"], s["arm"]): s for s in summaries}
    for n in counts:
        srv, loc = by.get((n, "server")), by.get((n, "local"))
        if srv and loc and loc["tok_per_s_total"] > 0:
            ratio = srv["tok_per_s_total"] / loc["tok_per_s_total"]
            verdict = ""
            if n == 4:
                met = ratio >= 1.5 and srv["ttft_p90_s"] <= loc["ttft_p90_s"]
                verdict = f"  goal (≥ 1.5×, p90 no worse): {'met' if met else 'NOT met'}"
            print(f"{n} sessions: server/local total tokens/s {ratio:.2f}×, ttft p90 {srv['ttft_p90_s']:.3f} s vs "
                  f"{loc['ttft_p90_s']:.3f} s{verdict}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"model": model.name, "cores": cores, "summaries": summaries,
                       "turns": {f"{r.arm}-{r.sessions}": [t.__dict__ for t in r.turns] for r in results}}, f, indent=1)
    return 0
