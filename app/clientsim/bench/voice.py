"""`clientsim bench voice`: recognition accuracy, turn latency, real-time factors, memory.

1. Word error rate of tiny.en and base on 30 counsellor utterances spoken by
   six espeak-ng voices (never the client's piper voice), both texts
   normalised as Whisper's English normaliser does (``voice/wer.py``). Made
   once in the cache folder. Each utterance is recognised with the previous
   utterance's transcript as context, standing in for the client's last
   reply that the app passes (``--no-context`` for none); ``--beam`` as in the app.
   ``--all-voices``: every line in each of the six voices (180 clips), a wider
   check less sensitive to which voice happens to speak which line.
   Beside it, for tiny.en, the WER of what streaming recognition keeps
   (``measure_streamed_wer``): the pass over the audio up to the first silent
   frames, against today's full pass over the turn the end-pointer delivers.
2. Voice turns through the app's pipeline with the client model, hands-free:
   each clip is spoken in real time into a WAV microphone (``voice/wavmic.py``),
   so the VAD, the adaptive end-pointer and the streaming recogniser run as on
   a real microphone. End of speech is the last voiced frame; per turn the
   stage times (end-pointing wait, recognition left after it, the model's
   prompt evaluation, first client text, first audio; kept in the client
   turn's meta as "voice") and their p50 / p90. ``--no-streaming``: the same
   turns the way it was before (fixed 0.5 s silence, recognition after the
   end). ``--from-wav``: the WAV handed over whole, as at push-to-talk release
   (no end-pointing), as this bench measured before.
3. Real-time factors of recognition and synthesis; peak resident memory of
   the process (ru_maxrss), which includes every model loaded; the load
   average at the start and at the end.
Goals on 2 cores with the default models: end of speech to first audio p50
<= 1.2 s, p90 <= 1.8 s, end-pointing included; peak memory < 2.5 GB; WER
(tiny.en) < 10 %.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

GOALS = {"first_audio_p50_s": 1.2, "first_audio_p90_s": 1.8, "peak_rss_gb": 2.5, "wer_tiny": 0.10}
STAGES = ("endpoint_s", "recognition_s", "prompt_s", "first_token_s", "first_audio_s", "total_s")


def add_arguments(p) -> None:
    p.add_argument("--model", help="client GGUF (default: the default 1.5B model)")
    p.add_argument("--persona", default="daniel-alcohol", help="persona for the latency turns")
    p.add_argument("--turns", type=int, default=10, help="voice turns with the client model (default 10)")
    p.add_argument("--stt", default="tiny.en", help="recogniser for the latency turns (tiny.en or base)")
    p.add_argument("--llm-threads", type=int, help="client model threads (default: the thread budget)")
    p.add_argument("--skip-wer", action="store_true", help="latency only")
    p.add_argument("--skip-turns", "--wer-only", dest="skip_turns", action="store_true",
                   help="word error rate only")
    p.add_argument("--no-context", action="store_true",
                   help="recognise each test utterance without the previous one as context")
    p.add_argument("--beam", type=int, help="recogniser beam size (default: the app's)")
    p.add_argument("--all-voices", action="store_true",
                   help="WER over every line in each of the six voices (180 clips, about 6x longer)")
    p.add_argument("--no-streaming", action="store_true",
                   help="turns as before: fixed 0.5 s end-pointing silence, recognition after the end")
    p.add_argument("--from-wav", action="store_true",
                   help="hand each WAV over whole (as at push-to-talk release): no end-pointing, no streaming")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def percentile(values: list[float], q: float) -> float | None:
    v = sorted(x for x in values if x is not None)
    if not v:
        return None
    k = (len(v) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def _testset(rotation: int = 0):
    """The bench's 30 clips; ``rotation`` r > 0: the same lines, each spoken by the voice r places further on."""
    from clientsim import paths
    from clientsim.voice.testset import UTTERANCES, VOICES, load_testset, make_testset

    voices = VOICES[rotation:] + VOICES[:rotation]
    folder = paths.cache_dir() / ("voice-testset" if rotation == 0 else f"voice-testset-r{rotation}")
    try:
        items = load_testset(folder)
        if [u.text for u in items] == list(UTTERANCES) and all(u.path.exists() for u in items) \
                and [u.voice for u in items] == [voices[i % len(voices)][0] for i in range(len(items))]:
            return items
    except (OSError, ValueError, KeyError):
        pass
    print(f"speaking {len(UTTERANCES)} test utterances with espeak-ng into {folder} …", file=sys.stderr)
    return make_testset(folder, voices=voices)


def measure_wer(items, model: str, threads: int, *, context: bool = True, beam: int | None = None) -> dict:
    from clientsim.voice.stt import BEAM_SIZE, SpeechRecognizer
    from clientsim.voice.wer import wer, word_errors
    from clientsim.voice.wavio import read_wav_16k

    r = SpeechRecognizer(model, cpu_threads=threads, beam_size=beam or BEAM_SIZE)
    r.warm()
    pairs, secs, audio_s, worst = [], 0.0, 0.0, []
    by_voice: dict[str, list] = {}
    heard = ""
    for u in items:
        # The context is what was recognised, errors and all, as in the app; never the reference text.
        rec = r.transcribe(read_wav_16k(u.path), prompt=heard if context else None)
        heard = rec.text
        pairs.append((u.text, rec.text))
        by_voice.setdefault(u.voice, []).append((u.text, rec.text))
        secs += rec.seconds
        audio_s += rec.audio_seconds
        e, n = word_errors(u.text, rec.text)
        worst.append((e / n, u.id, u.voice, rec.text))
    worst.sort(reverse=True)
    return {"model": model, "beam": r.beam_size, "context": "previous transcript" if context else "none",
            "wer": round(wer(pairs), 4), "rtf": round(secs / audio_s, 3),
            "per_voice": {v: round(wer(p), 3) for v, p in by_voice.items()},
            "worst": [{"id": i, "voice": v, "wer": round(w, 2), "heard": h} for w, i, v, h in worst[:3]]}


def measure_streamed_wer(items, model: str, threads: int, *, trailing_frames=(2, 4, 8),
                         beam: int | None = None) -> dict:
    """WER of what streaming recognition keeps, beside today's full pass, on the same clips and context.

    Each clip goes through the app's end-pointer (Silero VAD) with a little noise before and after,
    as from a microphone. "full": one pass over the turn the end-pointer delivers (0.5 s of trailing
    silence; recognition after the end, as before streaming). "covering k": one pass over the audio up
    to k frames (32 ms each) after the last voiced frame: the pass the streaming recogniser starts as
    soon as the student falls silent (``streaming.SILENCE_FRAMES``), whose text is the transcript
    when the pause ends the turn. Context: the previous clip's full-pass transcript, as in ``measure_wer``.
    """
    import numpy as np

    from clientsim.voice.endpoint import EndPointer
    from clientsim.voice.stt import BEAM_SIZE, SpeechRecognizer
    from clientsim.voice.vad import FRAME, load_vad
    from clientsim.voice.wavio import SAMPLE_RATE, read_wav_16k
    from clientsim.voice.wer import wer

    r = SpeechRecognizer(model, cpu_threads=threads, beam_size=beam or BEAM_SIZE)
    r.warm()
    ep = EndPointer(load_vad(), silence_s=0.5)
    rng = np.random.default_rng(0)
    pairs: dict[str, list] = {"full": [], **{f"covering {k}": [] for k in trailing_frames}}
    heard = ""
    for u in items:
        speech = read_wav_16k(u.path)
        x = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), speech, np.zeros(SAMPLE_RATE, np.float32)])
        x = x + rng.normal(0, 0.002, len(x)).astype(np.float32)
        ep.reset()
        ev = None
        for i in range(0, len(x) - FRAME + 1, FRAME):
            ev = ep.feed(x[i:i + FRAME]) or ev
            if ev is not None and ev.kind == "end":
                break
        if ev is None or ev.kind != "end":
            for key in pairs:
                pairs[key].append((u.text, ""))
            continue
        audio = ev.audio
        silent = ep.frames_seen - ev.speech_end_frame
        speech_end = len(audio) - silent * FRAME
        full = r.transcribe(audio, prompt=heard).text
        pairs["full"].append((u.text, full))
        for k in trailing_frames:
            pairs[f"covering {k}"].append((u.text, r.transcribe(audio[:speech_end + k * FRAME], prompt=heard).text))
        heard = full
    return {"model": model, "clips": len(items), **{key: round(wer(p), 4) for key, p in pairs.items()}}


def measure_turns(items, args) -> dict:
    import numpy as np

    from clientsim.core.jobs import JobState
    from clientsim.voice.wer import wer
    from clientsim.voice.jobs import run_voice_turn
    from clientsim.voice.options import VoiceOptions
    from clientsim.voice.practice import open_voice_practice, temporary_database
    from clientsim.voice.replies import record_stages
    from clientsim.voice.wavio import SAMPLE_RATE, read_wav_16k
    from clientsim.voice.wavmic import WavMicrophone

    hands_free = not args.from_wav
    streaming = hands_free and not args.no_streaming
    mic = WavMicrophone() if hands_free else None
    options = VoiceOptions(stt_model=args.stt, hands_free=hands_free, streaming=streaming, adaptive_end=streaming)
    with tempfile.TemporaryDirectory() as tmp:
        db = temporary_database(Path(tmp))
        vp = open_voice_practice(args.persona, model=args.model, stt=args.stt, seed=0, db=db,
                                 llm_threads=args.llm_threads, quiet=args.json, backend=mic, options=options)
        if args.beam:
            vp.pipeline.stt.beam_size = args.beam
        rows = []
        try:
            if mic is not None:
                vp.pipeline.start_listening()
            for i in range(args.turns):
                u = items[i % len(items)]
                if mic is not None:
                    mic.say(np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), read_wav_16k(u.path)]))
                    turn_audio = vp.pipeline.next_utterance(timeout=60)
                else:
                    turn_audio = read_wav_16k(u.path)
                result = run_voice_turn(vp.pipeline, turn_audio, vp.replies, JobState())
                d = result.to_dict()
                d.update(record_stages(vp.session, vp.replies.last_turn, result) or result.stages())
                d["reference"] = u.text  # recognised with the client's previous reply as context
                # The same audio without that context, after the timed turn, to show what the context does.
                d["transcript_no_context"] = vp.pipeline.stt.transcribe(read_wav_16k(u.path), prompt=None).text
                meta = (vp.replies.last_turn.meta or {}) if vp.replies.last_turn else {}
                d["tokens"] = meta.get("tokens")
                d["llm_ttft_s"] = meta.get("ttft_s")  # the model's own first token (the session shows text later)
                d["llm_tok_per_s"] = meta.get("tok_per_s")
                rows.append(d)
                if not args.json:
                    print(f"turn {i + 1:2d}: end-pointing {_f(d['endpoint_s'])} s, recognition "
                          f"{_f(d['recognition_s'])} s ({d['stt_passes']} passes), first token "
                          f"{_f(d['first_token_s'])} s (prompt {_f(d['prompt_s'])} s), first audio +"
                          f"{_f(d['first_audio_s'])} s = {_f(d['total_s'])} s | heard {d['transcript'][:50]!r} "
                          f"| first piece: {d['first_piece'][:40]!r}", file=sys.stderr, flush=True)
        finally:
            model_name = vp.engine.info.name if vp.engine.loaded else "?"
            budget = vp.budget.describe()
            warm_s = vp.warm_s
            vp.close()
    mode = "from WAV (no end-pointing)" if not hands_free else (
        "hands-free, streaming recognition, adaptive end-pointing" if streaming
        else "hands-free, fixed 0.5 s end-pointing, recognition after the end")
    out = {"model": model_name, "persona": args.persona, "turns": len(rows), "threads": budget,
           "warm_up_s": round(warm_s, 2), "mode": mode,
           "stages": {k[:-2]: {"p50": _r(percentile([r[k] for r in rows], 0.5)),
                               "p90": _r(percentile([r[k] for r in rows], 0.9))} for k in STAGES}}
    for key in ("to_transcript_s", "to_first_token_s", "to_first_audio_s"):
        vals = [r[key] for r in rows if r[key] is not None]
        out[key[:-2]] = {"p50": _r(percentile(vals, 0.5)), "p90": _r(percentile(vals, 0.9)),
                                      "max": _r(max(vals) if vals else None)}
    for key, name in (("llm_ttft_s", "llm_ttft"), ("llm_tok_per_s", "llm_tok_per_s")):
        vals = [r[key] for r in rows if r.get(key) is not None]
        out[name] = {"p50": _r(percentile(vals, 0.5)), "p90": _r(percentile(vals, 0.9))}
    for key, name in (("transcript", "transcript_wer"), ("transcript_no_context", "transcript_wer_no_context")):
        out[name] = _r(wer((r["reference"], r[key]) for r in rows)) if rows else None
    out["load_average"] = _loadavg()
    out["stt_rtf_mean"] = _r(statistics.mean(r["stt_rtf"] for r in rows)) if rows else None
    tts = [r["tts_rtf"] for r in rows if r["tts_rtf"]]
    out["tts_rtf_mean"] = _r(statistics.mean(tts)) if tts else None
    out["rows"] = rows
    return out


def _loadavg() -> list[float] | None:
    import os

    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _peak_gb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 3)  # KiB on Linux


def _r(v):
    return None if v is None else round(v, 3)


def _pct(v) -> str:
    return "-" if v is None else f"{v * 100:.1f} %"


def _f(v) -> str:
    return "-" if v is None else f"{v:.2f}"


def run(args) -> int:
    from clientsim.voice.threads import thread_budget

    t0 = time.perf_counter()
    items = _testset()
    report: dict = {"goals": GOALS, "load_average_start": _loadavg()}
    budget = thread_budget()
    # Turns first: the peak memory right after them is the app's (one LLM, one recogniser, piper, VAD);
    # the WER step then loads base as well, which the app never does alongside tiny.en.
    if not args.skip_turns and args.turns > 0:
        report["latency"] = measure_turns(items, args)
        report["peak_rss_gb"] = _peak_gb()
    if not args.skip_wer:
        from clientsim.voice.testset import VOICES

        clips = [u for r in range(len(VOICES)) for u in _testset(r)] if args.all_voices else items
        report["wer"] = [measure_wer(clips, m, budget.stt, context=not args.no_context, beam=args.beam)
                         for m in ("tiny.en", "base")]
        from clientsim.voice.streaming import SILENCE_FRAMES

        report["wer_streamed"] = measure_streamed_wer(clips, "tiny.en", budget.stt, trailing_frames=(SILENCE_FRAMES,),
                                                      beam=args.beam)
    report.setdefault("peak_rss_gb", _peak_gb())
    report["peak_rss_gb_whole_bench"] = _peak_gb()
    report["bench_s"] = round(time.perf_counter() - t0, 1)
    report["load_average_end"] = _loadavg()
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        _print(report)
    return 0


def _print(rep: dict) -> None:
    print("clientsim bench voice")
    for w in rep.get("wer", []):
        print(f"  WER {w['model']:8s} {w['wer'] * 100:5.1f} %   recognition RTF {w['rtf']:.3f}   "
              f"(beam {w['beam']}, context: {w['context']}; goal for tiny.en < {GOALS['wer_tiny'] * 100:.0f} %)")
        print("           per voice: " + ", ".join(f"{v} {x * 100:.0f}%" for v, x in w["per_voice"].items()))
    ws = rep.get("wer_streamed")
    if ws:
        keys = [k for k in ws if k.startswith("covering")]
        print(f"  WER {ws['model']} through the end-pointer: full pass after the end {_pct(ws['full'])}, "
              + ", ".join(f"streamed ({k} frames after the last voiced one) {_pct(ws[k])}" for k in keys))
    lat = rep.get("latency")
    if lat:
        print(f"  turns: {lat['turns']} with {lat['model']} ({lat['threads']}); {lat['mode']}; "
              f"models warmed in {lat['warm_up_s']} s")
        for key, label in (("to_transcript", "end of speech -> transcript"),
                           ("to_first_token", "end of speech -> first client token"),
                           ("to_first_audio", "end of speech -> first client audio")):
            s = lat[key]
            print(f"  {label:38s} p50 {_f(s['p50'])} s  p90 {_f(s['p90'])} s  max {_f(s['max'])} s")
        print(f"  (goals: first audio p50 <= {GOALS['first_audio_p50_s']} s, p90 <= {GOALS['first_audio_p90_s']} s, "
              "end-pointing included)")
        print("  stages (p50 / p90 s): " + ", ".join(
            f"{name} {_f(v['p50'])} / {_f(v['p90'])}" for name, v in lat["stages"].items()))
        print("    (endpoint: last voiced frame -> turn ended; recognition: what was left after that; "
              "first_token: transcript -> first client text, prompt = the model's call -> first token, part of it; "
              "first_audio: first text -> first audio)")
        print(f"  client model: first token after its call p50 {_f(lat['llm_ttft']['p50'])} s, "
              f"{_f(lat['llm_tok_per_s']['p50'])} tokens/s (spoken text waits only for words that could still become a break)")
        print(f"  real-time factor: recognition after the end {_f(lat['stt_rtf_mean'])}, "
              f"synthesis {_f(lat['tts_rtf_mean'])}")
        print(f"  WER of the turns' transcripts with the client's real replies as context "
              f"{_pct(lat['transcript_wer'])}, same audio without context {_pct(lat['transcript_wer_no_context'])}")
    print(f"  peak memory (ru_maxrss) {rep['peak_rss_gb']:.2f} GB after the turns (goal < {GOALS['peak_rss_gb']} GB); "
          f"{rep['peak_rss_gb_whole_bench']:.2f} GB for the whole bench (base loaded too)")
    print(f"  load average at the start {rep['load_average_start']}, at the end {rep['load_average_end']} "
          "(2 cores; figures are only meaningful on an idle machine)")
    print(f"  bench took {rep['bench_s']} s")
