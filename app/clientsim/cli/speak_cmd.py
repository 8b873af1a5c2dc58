"""`clientsim speak`: whole voice turns from WAV files through the app's voice pipeline.

Each WAV is one thing the counsellor says. It is recognised, the simulated
client answers (streamed), and the answer is synthesised sentence by
sentence, exactly as in the app. Per turn it reports: end of speech to
transcript, to first client token, to first client audio, and the real-time
factors of recognition and synthesis. End of speech is the end of the WAV
(as when the talk key is released).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("speak", help="voice turns from WAV files: recognise, client reply, synthesise; timings",
                       description=__doc__.split("\n\n")[1])
    p.add_argument("--persona", required=True, help="persona id (see `clientsim personas list`)")
    p.add_argument("--input", required=True, nargs="+", type=Path, metavar="WAV",
                   help="one WAV file per counsellor turn")
    p.add_argument("--reply-audio", type=Path, metavar="DIR", help="write the client's spoken replies here as WAV")
    p.add_argument("--json", action="store_true", help="one JSON object per turn on stdout")
    p.add_argument("--model", help="client GGUF (path or file name in a models folder); default: the default model")
    p.add_argument("--stt", default="tiny.en", help="speech recognition model: tiny.en (default) or base")
    p.add_argument("--seed", type=int, default=0, help="seed for the client (default 0)")
    p.add_argument("--llm-threads", type=int, help="threads for the client model (default: the thread budget)")
    p.set_defaults(func=run)


def run(args) -> int:
    from clientsim.core.errors import UserError
    from clientsim.core.jobs import JobState
    from clientsim.voice.jobs import run_voice_turn
    from clientsim.voice.practice import open_voice_practice
    from clientsim.voice.replies import record_cut, record_stages
    from clientsim.voice.wavio import read_wav_16k, write_wav

    for f in args.input:
        if not f.exists():
            raise UserError(f"No such file: {f}")
    audios = [read_wav_16k(f) for f in args.input]
    vp = open_voice_practice(args.persona, model=args.model, stt=args.stt, seed=args.seed,
                             llm_threads=args.llm_threads, quiet=args.json)
    try:
        opening = vp.session.turns[0].text
        head = {"session_id": vp.session.id, "persona": args.persona, "opening": opening,
                "threads": vp.budget.describe(), "warm_up_s": round(vp.warm_s, 2)}
        if args.json:
            print(json.dumps(head), file=sys.stderr)
        else:
            print(f"[session {vp.session.id}; {vp.budget.describe()}; models warmed in {vp.warm_s:.1f} s]")
            print(f"{vp.session.persona.first_name}: {opening}\n")
        for i, (path, audio) in enumerate(zip(args.input, audios), 1):
            result = run_voice_turn(vp.pipeline, audio, vp.replies, JobState())
            record_cut(vp.session, vp.replies.last_turn, result.reply.cut_at)
            stages = record_stages(vp.session, vp.replies.last_turn, result)
            d = {"turn": i, "input": str(path), **result.to_dict(), "stages": stages}
            if args.reply_audio:
                out = write_wav(Path(args.reply_audio) / f"turn-{i:02d}-client.wav", vp.pipeline.player.joined(),
                                vp.pipeline.player.rate or 22050)
                d["reply_audio"] = str(out)
            if args.json:
                print(json.dumps(d), flush=True)
            else:
                _print_turn(d, vp.session.persona.first_name)
    finally:
        vp.close()
    return 0


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.2f}"


def _print_turn(d: dict, name: str) -> None:
    print(f"You (heard): {d['transcript']}")
    print(f"{name}: {d['reply']}")
    print(f"  end of speech -> transcript {_fmt(d['to_transcript_s'])} s, -> first token "
          f"{_fmt(d['to_first_token_s'])} s, -> first audio {_fmt(d['to_first_audio_s'])} s; "
          f"recognition RTF {_fmt(d['stt_rtf'])}, synthesis RTF {_fmt(d['tts_rtf'])}")
    if d.get("reply_audio"):
        print(f"  reply audio: {d['reply_audio']}")
    if d.get("error"):
        print(f"  note: {d['error']}")
    print()
