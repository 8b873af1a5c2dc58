"""`clientsim bench progress`: the longest event-loop stall while the progress page loads N stored sessions.

Fills a fresh database (in a temporary CLIENTSIM_HOME unless --keep) with N
sessions, each with a full report of realistic size (40 coded turns, CTRS
items, safety flags, client state), then opens the progress page and measures
the gaps of a 5 ms timer on the UI thread from the moment it asks for the
sessions until the charts are drawn (and again when a filter changes). Goal:
no stall over 100 ms with 500 sessions.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone

GOAL_MS = 100.0


def add_arguments(parser) -> None:
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="loads measured (the longest stall is reported)")


_BASE: dict[str, dict] = {}


def _base_report(approach: str) -> dict:
    """A real report (the judge run on a short scripted session), made once per approach."""
    if approach not in _BASE:
        from clientsim.judge.report import build_report

        turns = []
        for i in range(40):
            text = ("I keep putting it off, but I do want things to be different." if i % 2 == 0 else
                    ("What would you like to be different?" if i % 4 == 1 else
                     "You want a change, and it feels hard to start."))
            turns.append({"index": i, "speaker": "client" if i % 2 == 0 else "counsellor", "text": text})
        transcript = {"id": "bench", "status": "ended", "turns": turns,
                      "persona": {"id": "bench", "name": "Bench", "modality": [approach]}}
        _BASE[approach] = build_report(transcript)
    return _BASE[approach]


def sample_report(rng: random.Random, session_id: str, approach: str, k: int) -> dict:
    """A real report's shape (every key the renderers read), its figures drawn at random, improving with k."""
    import copy

    from clientsim.judge.mi.metrics import BANDS, THRESHOLDS

    report = copy.deepcopy(_base_report(approach))
    report["session_id"] = session_id
    skill = min(1.0, 0.2 + k / 400 + rng.random() * 0.3)
    summary = report["mi"]["summary"]
    g = {key: round(1 + 4 * min(1.0, skill + rng.uniform(-0.2, 0.2)), 1) for key in summary["globals"]}
    summary["globals"] = g
    figures = {"technical": round((g["cultivating_change_talk"] + g["softening_sustain_talk"]) / 2, 2),
               "relational": round((g["partnership"] + g["empathy"]) / 2, 2),
               "reflection_to_question": round(0.3 + 2.5 * skill * rng.uniform(0.7, 1.2), 2),
               "percent_complex_reflections": round(100 * min(1.0, skill * rng.uniform(0.6, 1.2)), 1)}
    levels = [2 if v >= THRESHOLDS[m]["good"] else 1 if v >= THRESHOLDS[m]["fair"] else 0 for m, v in figures.items()]
    band = BANDS[min(levels)]
    summary.update(figures, band=band, percent_open_questions=round(100 * skill, 1),
                   percent_change_talk=round(100 * skill * rng.uniform(0.5, 1.0), 1))
    for key, value in figures.items():
        row = (summary.get("thresholds") or {}).get(key)
        if isinstance(row, dict):
            row.update(value=value, level="good" if value >= row["good"] else "fair" if value >= row["fair"]
                       else "below fair")
    report["mi"]["band"] = band
    if "ctrs" in report and approach == "CBT":
        items = report["ctrs"]["items"]
        for item in items:
            item["score"] = rng.randint(0, 6)
            item["status"] = "rated"
        total = sum(i["score"] for i in items)
        report["ctrs"].update(total=total, prorated_total=float(total), rated_items=len(items), competent=total >= 40)
    else:
        report.pop("ctrs", None)
    report["safety"]["flags"] = [
        {"turn_index": 1, "check": "harmful_advice", "severity": rng.choice(("low", "medium", "high")),
         "reason": "The counsellor gave advice.", "teaching_note": "Ask before advising.", "quote": "You should stop.",
         "cue_turn_index": None}
        for _ in range(rng.choice((0, 0, 0, 1, 2)))]
    measure = "belief" if approach == "CBT" else "readiness"
    report["client"] = {"kind": approach, "measure": measure, "start": None, "raised": [], "lowered": [],
                        "points": [{"counsellor_index": i, "client_index": i + 1, "counsellor_text": "",
                                    "trust": round(3 + 6 * skill * i / 20, 1), "discord": 1.0, "move": None,
                                    "stage": None, measure: round((100 - 60 * skill) if approach == "CBT"
                                                                  else 2 + 6 * skill * i / 20, 1)}
                                   for i in range(1, 21, 2)]}
    return report


def fill(db, n: int, seed: int = 0) -> list[str]:
    """Store n ended sessions with reports and scores, a day apart, oldest first; returns their ids."""
    from clientsim.judge.report import score_rows
    from clientsim.storage import new_session_id

    rng = random.Random(seed)
    personas = [{"id": "maria", "name": "Maria", "modality": ["MI"]},
                {"id": "james", "name": "James", "modality": ["CBT"]},
                {"id": "sam", "name": "Sam", "modality": ["MI", "CBT"]}]
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=n)
    ids = []
    for k in range(n):
        persona = personas[k % len(personas)]
        approach = "CBT" if persona["id"] == "james" else "MI"
        sid = new_session_id()
        at = (start + timedelta(days=k)).isoformat()
        db.import_session(session_id=sid, persona=persona, model={"name": "bench"}, seed=k, started_at=at,
                          ended_at=at, status="ended",
                          turns=[{"index": i, "speaker": "client" if i % 2 == 0 else "counsellor",
                                  "text": "words " * 10, "at": at} for i in range(6)])
        report = sample_report(rng, sid, approach, k)
        db.save_report(sid, "full", report)
        db.save_scores(sid, score_rows(report))
        ids.append(sid)
    return ids


def measure_stall(view, app, action, timeout_s: float = 30.0) -> tuple[float, float, float]:
    """(longest gap between 5 ms ticks in ms, the UI thread's CPU time in that kind of gap in ms, total seconds)
    while `action()` runs until the charts are drawn.

    The CPU figure is the work the UI thread did between two ticks; on a machine shared with other jobs the
    wall-clock gap also counts the time the system gave to other processes.
    """
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    # A QEventLoop, not a processEvents() loop: PySide6 6.12 on Python 3.11 drops a reference to None on
    # every processEvents() call from Python, and a few thousand calls crash the interpreter.
    loop = QEventLoop()
    view.drawn.connect(loop.quit)
    clock = QElapsedTimer()
    longest = [0.0]
    last = [0.0]
    cpu_longest = [0.0]
    cpu_last = [time.thread_time()]
    timer = QTimer()
    timer.setInterval(5)

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        longest[0] = max(longest[0], now - last[0] - 5)
        last[0] = now
        cpu = time.thread_time()
        cpu_longest[0] = max(cpu_longest[0], (cpu - cpu_last[0]) * 1000)
        cpu_last[0] = cpu

    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    t0 = time.perf_counter()
    QTimer.singleShot(0, action)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    settle = QEventLoop()  # the paints queued after the last chart
    QTimer.singleShot(100, settle.quit)
    settle.exec()
    tick()
    timer.stop()
    view.drawn.disconnect(loop.quit)
    return max(0.0, longest[0]), cpu_longest[0], time.perf_counter() - t0


def run(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="clientsim-bench-progress-")
    os.environ["CLIENTSIM_HOME"] = home
    from PySide6.QtWidgets import QApplication

    from clientsim import paths
    from clientsim.storage import Database
    from clientsim.ui.progress_view import ProgressView
    from clientsim.ui.workers import JobRunner

    app = QApplication.instance() or QApplication([])
    db = Database.open()
    t0 = time.perf_counter()
    fill(db, args.sessions)
    db.close()
    print(f"stored {args.sessions} sessions with reports in {time.perf_counter() - t0:.1f} s")
    runner = JobRunner()
    view = ProgressView(runner, paths.database_path())
    view.resize(1240, 800)
    view.show()
    stalls, cpu_stalls = [], []
    for i in range(args.repeat):
        stall, cpu, secs = measure_stall(view, app, view.refresh)
        stalls.append(stall)
        cpu_stalls.append(cpu)
        print(f"load {i + 1}: {len(view.rows)} sessions, {len(view.visible_charts())} charts in {secs * 1000:.0f} ms; "
              f"longest event-loop stall {stall:.1f} ms (UI-thread CPU {cpu:.1f} ms)")
    stall, cpu, secs = measure_stall(view, app, lambda: view.approach.setCurrentIndex(1))
    stalls.append(stall)
    cpu_stalls.append(cpu)
    print(f"filter to MI sessions: redraw stall {stall:.1f} ms (UI-thread CPU {cpu:.1f} ms)")
    worst = max(stalls)
    try:
        load = f"; system load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        load = ""
    print(f"longest event-loop stall: {worst:.1f} ms, of which UI-thread CPU at most {max(cpu_stalls):.1f} ms "
          f"(goal <= {GOAL_MS:.0f} ms) -> {'OK' if worst <= GOAL_MS else 'OVER'}{load}")
    runner.shutdown()
    view.close()
    return 0 if worst <= GOAL_MS else 1
