#!/usr/bin/env bash
# Builds src/kernels/preprocess-kernels.wasm from the C sources next to this script with Debian's
# clang + wasm-ld (no libc, no Emscripten). The binary is committed, so CI and users need no clang;
# after editing a .c file run `npm run build:wasm` in libs/preprocess and commit the .wasm with it.
#
#   build.sh [OUTPUT]    default OUTPUT: ../src/kernels/preprocess-kernels.wasm
#
# The output is deterministic for a given clang/wasm-ld: no debug info, custom sections (names,
# producers) stripped, sources in a fixed order. A default build records the compiler in
# toolchain.txt; kernels/wasm-build.spec.ts rebuilds with the same compiler and checks that the
# committed binary matches byte for byte.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
default_out="$here/../src/kernels/preprocess-kernels.wasm"
out="${1:-$default_out}"
CLANG="${CLANG:-clang}"

flags=(
  --target=wasm32 -O3
  # Features every Node >= 16.4 has: SIMD128, memory.fill/copy for memset, saturating
  # float->int conversions, sign extension.
  -msimd128 -mbulk-memory -mnontrapping-fptoint -msign-ext
  # Freestanding, no libc; no FMA contraction (exact float32 arithmetic, see kernels.h).
  -ffreestanding -nostdlib -fno-builtin -ffp-contract=off
  -Wall -Wextra -Werror
)
link=(
  -Wl,--no-entry -Wl,--strip-all -Wl,--export=__heap_base -Wl,--stack-first
  -Wl,-z,stack-size=65536 -Wl,--initial-memory=1048576
)
sources=(to-gray.c histogram.c clahe.c resize-area.c)

cd "$here"
"$CLANG" "${flags[@]}" "${link[@]}" -o "$out" "${sources[@]}"
chmod 644 "$out"
if [ "$out" = "$default_out" ]; then
  "$CLANG" --version | head -n 1 >"$here/toolchain.txt"
fi
echo "built $out ($(wc -c <"$out") bytes)"
