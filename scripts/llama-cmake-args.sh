#!/usr/bin/env bash
# CMAKE_ARGS for building llama-cpp-python from source on this CPU.
# Not -march=native: on CPUs with AMX (Xeon Sapphire Rapids and later) native
# builds route weights through AMX tiles, which crash (general protection
# fault) where the kernel does not grant tile state to the process, e.g. in VMs.
# So: the portable baseline plus each SIMD extension this CPU really has.
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $flags " == *" $1 "* ]]; }
args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
has avx && args+=" -DGGML_AVX=ON"
has avx2 && args+=" -DGGML_AVX2=ON"
has fma && args+=" -DGGML_FMA=ON"
has f16c && args+=" -DGGML_F16C=ON"
if has avx512f && has avx512bw && has avx512vl; then
  args+=" -DGGML_AVX512=ON"
  has avx512_vnni && args+=" -DGGML_AVX512_VNNI=ON"
fi
echo "$args"
