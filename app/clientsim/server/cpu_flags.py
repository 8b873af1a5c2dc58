"""CMake flags for llama.cpp on this CPU: the same choice as scripts/llama-cmake-args.sh.

Not -march=native: on CPUs with AMX native builds route weights through AMX
tiles, which crash where the kernel does not grant tile state (VMs). So the
portable baseline plus each SIMD extension this CPU really has. The script
builds llama-cpp-python, this builds llama-server; tests/test_server_build.py
checks that both say the same.
"""

from __future__ import annotations

from pathlib import Path

BASE = ["-DGGML_NATIVE=OFF", "-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"]


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def llama_cmake_args(flags: set[str] | None = None) -> list[str]:
    has = cpu_flags() if flags is None else flags
    args = list(BASE)
    for flag, option in (("avx", "GGML_AVX"), ("avx2", "GGML_AVX2"), ("fma", "GGML_FMA"), ("f16c", "GGML_F16C")):
        if flag in has:
            args.append(f"-D{option}=ON")
    if {"avx512f", "avx512bw", "avx512vl"} <= has:
        args.append("-DGGML_AVX512=ON")
        if "avx512_vnni" in has:
            args.append("-DGGML_AVX512_VNNI=ON")
    return args
