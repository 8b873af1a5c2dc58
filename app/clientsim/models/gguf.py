"""Read a GGUF header without loading the model.

Gives what `clientsim models list` shows (name, parameter count, quantization,
context length) and catches files that are not GGUF or are truncated before a
model load fails with an opaque error.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from clientsim.core.errors import ModelError

GGUF_MAGIC = b"GGUF"

# llama_ftype (general.file_type) -> quantization name
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
    10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
    16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
    22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
    28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
}

# ggml_type -> (elements per block, bytes per block); used to check the file is complete
TENSOR_TYPES = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
    15: (256, 292), 20: (32, 18), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4),
    27: (1, 8), 28: (1, 8), 30: (1, 2),
}

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


@dataclass(frozen=True)
class GgufHeader:
    path: Path
    version: int
    name: str
    architecture: str
    n_params: int
    quantization: str
    context_length: int | None
    file_size: int
    expected_size: int | None
    has_chat_template: bool

    @property
    def truncated(self) -> bool:
        return self.expected_size is not None and self.file_size < self.expected_size


class _Reader:
    def __init__(self, f, path: Path) -> None:
        self.f = f
        self.path = path

    def read(self, n: int) -> bytes:
        data = self.f.read(n)
        if len(data) != n:
            raise ModelError(
                f"{self.path.name} ends inside its GGUF header: the file is truncated.",
                hint="Run `clientsim models fetch` to fetch it again, or replace the file.",
            )
        return data

    def scalar(self, fmt: str):
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        n = self.scalar("<Q")
        if n > 1 << 26:
            raise ModelError(f"{self.path.name} has a corrupt GGUF header (string of {n} bytes).",
                             hint="Run `clientsim models fetch` or replace the file.")
        return self.read(n).decode("utf-8", errors="replace")

    def value(self, vtype: int, keep: bool = True):
        if vtype in _SCALARS:
            return self.scalar(_SCALARS[vtype])
        if vtype == 8:
            return self.string()
        if vtype == 9:
            item_type = self.scalar("<I")
            count = self.scalar("<Q")
            if item_type in _SCALARS and not keep:
                self.f.seek(struct.calcsize(_SCALARS[item_type]) * count, 1)
                return None
            items = [self.value(item_type, keep) for _ in range(count)]
            return items if keep else None
        raise ModelError(f"{self.path.name} has an unknown GGUF value type {vtype}.",
                         hint="The file may be corrupt; run `clientsim models fetch` or replace it.")


def read_header(path: Path) -> GgufHeader:
    """Parse the GGUF header; raises ModelError with what to do for bad files."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"Model file not found: {path}", hint="Run `clientsim models fetch`, or choose another model.")
    size = path.stat().st_size
    with path.open("rb") as f:
        magic = f.read(4)
        if magic != GGUF_MAGIC:
            raise ModelError(
                f"{path.name} is not a GGUF model file (it starts with {magic!r}).",
                hint="ClientSim runs GGUF models (llama.cpp format). Run `clientsim models fetch` "
                "for the bundled ones, or drop a .gguf file into the models folder.",
            )
        r = _Reader(f, path)
        version = r.scalar("<I")
        if version not in (2, 3):
            raise ModelError(f"{path.name} uses GGUF version {version}, which this app does not read.",
                             hint="Use a GGUF v3 file.")
        n_tensors = r.scalar("<Q")
        n_kv = r.scalar("<Q")
        meta: dict = {}
        for _ in range(n_kv):
            key = r.string()
            vtype = r.scalar("<I")
            keep = not key.startswith("tokenizer.ggml.")
            meta[key] = r.value(vtype, keep)
        n_params = 0
        max_end = 0
        exact = True
        for _ in range(n_tensors):
            r.string()
            n_dims = r.scalar("<I")
            dims = [r.scalar("<Q") for _ in range(n_dims)]
            ttype = r.scalar("<I")
            offset = r.scalar("<Q")
            n = 1
            for d in dims:
                n *= d
            n_params += n
            if ttype in TENSOR_TYPES:
                per_block, block_bytes = TENSOR_TYPES[ttype]
                max_end = max(max_end, offset + (n // per_block) * block_bytes)
            else:
                exact = False
                max_end = max(max_end, offset)
        alignment = int(meta.get("general.alignment", 32) or 32)
        header_end = f.tell()
        data_start = (header_end + alignment - 1) // alignment * alignment
    arch = str(meta.get("general.architecture", "unknown"))
    ctx = meta.get(f"{arch}.context_length")
    ftype = meta.get("general.file_type")
    quant = FILE_TYPES.get(ftype, f"type {ftype}" if ftype is not None else "unknown")
    expected = data_start + max_end if n_tensors else None
    if not exact and expected is not None:
        expected = data_start + max_end  # a lower bound
    return GgufHeader(
        path=path,
        version=version,
        name=str(meta.get("general.name") or path.stem),
        architecture=arch,
        n_params=n_params,
        quantization=quant,
        context_length=int(ctx) if ctx is not None else None,
        file_size=size,
        expected_size=expected,
        has_chat_template="tokenizer.chat_template" in meta,
    )


def check_model_file(path: Path) -> GgufHeader:
    """read_header plus the truncation check; raises ModelError if unusable."""
    header = read_header(path)
    if header.truncated:
        raise ModelError(
            f"{Path(path).name} is truncated: {header.file_size:,} bytes of the "
            f"{header.expected_size:,} its header describes.",
            hint="Run `clientsim models fetch` to fetch it again, or replace the file.",
        )
    return header


def human_params(n: int) -> str:
    if n >= 1e9:
        return f"{n / 1e9:.2f}B"
    if n >= 1e6:
        return f"{n / 1e6:.0f}M"
    return str(n)
