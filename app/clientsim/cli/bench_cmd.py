"""`clientsim bench NAME`: each benchmark module exposes add_arguments(parser) and run(args) -> int."""

from __future__ import annotations

import importlib

BENCHES = {
    "chat": ("clientsim.bench.chat", "client speed: time to first token, tokens/s, ratio to raw llama-cpp-python"),
    "fidelity": ("clientsim.bench.fidelity", "share of client replies that break character"),
    "judge": ("clientsim.bench.judge", "MI coder accuracy on AnnoMI (transcript-grouped CV)"),
    "voice": ("clientsim.bench.voice", "voice latency, word error rate, real-time factors, memory"),
    "ctrs": ("clientsim.bench.ctrs", "CTRS rater against the graded transcripts"),
    "safety": ("clientsim.bench.safety", "safety review precision and recall"),
    "selfreport": ("clientsim.bench.selfreport", "questionnaire answers against the persona's declared scores"),
    "progress": ("clientsim.bench.progress", "longest event-loop stall while the progress page loads 500 sessions"),
    "lab": ("clientsim.bench.lab", "a lab server (llama-server) against separate local engines, N students at once"),
    "responsiveness": ("clientsim.bench.responsiveness", "does the client answer good and poor counselling differently"),
}


def register(sub) -> None:
    p = sub.add_parser("bench", help="measure speed and quality; prints figures")
    bsub = p.add_subparsers(dest="bench", metavar="NAME")
    for name, (module_name, help_text) in BENCHES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        bp = bsub.add_parser(name, help=help_text)
        module.add_arguments(bp)
        bp.set_defaults(func=module.run)
