""""Test connection" for a lab server: each step said in words, what worked and what did not.

Qt-free: the Settings dialog runs it on a worker thread; the steps stop at the
first that fails, since the later ones depend on it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from clientsim.llm.remote import RemoteEngine, ServerAddress, ServerError
from clientsim.llm.types import SamplingParams

PROBE = [{"role": "system", "content": "Answer in one short sentence."},
         {"role": "user", "content": "Say hello."}]


@dataclass
class Step:
    ok: bool
    text: str


def test_connection(address: ServerAddress) -> list[Step]:
    steps: list[Step] = []
    try:
        where = address.display()
    except ServerError as exc:
        return [Step(False, str(exc))]
    engine = RemoteEngine(address)
    try:
        engine.get_json("/v1/models")
        steps.append(Step(True, f"Reached {where}" + (" and the API key was accepted" if address.api_key else "")))
        engine.load()
        ctx = f", context {engine.server_ctx} tokens per session" if engine.server_ctx else ""
        steps.append(Step(True, f"The server offers the model {engine.model_name}{ctx}"))
        t0 = time.perf_counter()
        reply = "".join(engine.stream_chat(PROBE, SamplingParams(max_tokens=12, temperature=0.0)))
        seconds = time.perf_counter() - t0
        if not reply.strip():
            steps.append(Step(False, "A test reply came back empty"))
        else:
            steps.append(Step(True, f"A test reply streamed back in {seconds:.1f} s "
                                    f"({engine.last_stats.completion_tokens} pieces, first after "
                                    f"{engine.last_stats.ttft_s:.2f} s)"))
    except ServerError as exc:
        steps.append(Step(False, str(exc).split("\n")[0]))
    return steps
