"""Models in a student's words: "Standard: better replies, slower" or "Fast: quicker, simpler".

The file name, parameters and quantization stay available as details; the
choice a student makes is about speed against quality, so that is what it says.
"""

from __future__ import annotations

from pathlib import Path

# At or above this many parameters a model writes noticeably better client replies (and runs slower on a CPU).
STANDARD_MIN_PARAMS = 1_000_000_000
STANDARD = "Standard: better replies, slower"
FAST = "Fast: quicker, simpler"


def tier(n_params: int, file_size: int = 0) -> str:
    """STANDARD or FAST; the file size stands in when the parameter count is unknown (~0.6 byte per param)."""
    params = n_params or int(file_size / 0.6)
    return STANDARD if params >= STANDARD_MIN_PARAMS else FAST


def plain_labels(entries) -> list[str]:
    """One label per ModelEntry; two models of the same kind are told apart by a short name in brackets."""
    tiers = [tier(e.n_params, e.size_bytes) for e in entries]
    labels = []
    for e, t in zip(entries, tiers):
        label = t
        if tiers.count(t) > 1:
            label += f" ({short_name(e.path)})"
        if not e.usable:
            label += " — cannot be used"
        labels.append(label)
    return labels


def short_name(path: Path | str) -> str:
    """'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf' -> 'qwen2.5 coder 1.5b'."""
    stem = Path(path).stem
    words = [w for w in stem.replace("_", "-").split("-") if w]
    keep = [w for w in words if not w.lower().startswith(("q4", "q5", "q6", "q8", "f16", "instruct", "gguf"))]
    return " ".join(keep[:3]) or stem


def details(entry) -> str:
    """The file details, for a folded-away line or a tooltip."""
    where = {"repository": "bundled", "user": "your models folder", "system": "the lab's shared folder"}
    return f"{entry.path.name} · {entry.summary()} · {where.get(entry.location, entry.location)}" + \
        (f" · {entry.problem}" if entry.problem else "")
