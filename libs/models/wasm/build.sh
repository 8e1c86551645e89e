#!/usr/bin/env bash
# Builds ROPline's model kernels from the C sources next to this script with Debian's clang +
# wasm-ld (no libc, no Emscripten), into two modules next to src/backends/kernels/models-wasm.ts:
#   models-kernels.wasm          SIMD128 (clang 14, $CLANG); runs everywhere
#   models-kernels-relaxed.wasm  SIMD128 + relaxed SIMD (fused multiply-add; clang 16,
#                                $CLANG_RELAXED, the first Debian clang with the final opcodes);
#                                loaded instead when the runtime validates relaxed SIMD
# The binaries are committed, so CI and users need no clang; after editing a .c file run
# `bash libs/models/wasm/build.sh` (apt-get install clang lld clang-16 lld-16) and commit both.
#
#   build.sh                      both modules to their default paths; records the compilers
#   build.sh [--relaxed] OUTPUT   one module (plain, or relaxed) to OUTPUT
#
# Deterministic for a given clang/wasm-ld: no debug info, custom sections stripped, sources in a
# fixed order. A default build records the compilers in toolchain.txt and toolchain-relaxed.txt;
# the spec src/backends/kernels/models-wasm-build.spec.ts rebuilds with the same compilers and
# compares bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kernels="$here/../src/backends/kernels"
CLANG="${CLANG:-clang}"
CLANG_RELAXED="${CLANG_RELAXED:-clang-16}"

flags=(
  --target=wasm32 -O3
  -msimd128 -mbulk-memory -mnontrapping-fptoint -msign-ext
  # Freestanding, no libc; no implicit FMA contraction (the relaxed build fuses explicitly).
  -ffreestanding -nostdlib -fno-builtin -ffp-contract=off
  -Wall -Wextra -Werror
)
link=(
  -Wl,--no-entry -Wl,--strip-all -Wl,--export=__heap_base -Wl,--stack-first
  -Wl,-z,stack-size=65536 -Wl,--initial-memory=1048576
)
sources=(channel-ops.c column-sum.c conv-direct.c conv-winograd.c conv-filter-grad.c max-pool-grad.c)

# build COMPILER OUTPUT [EXTRA_FLAGS...]
build() {
  local cc="$1" out="$2"
  shift 2
  (cd "$here" && "$cc" "${flags[@]}" "$@" "${link[@]}" -o "$out" "${sources[@]}")
  chmod 644 "$out"
  echo "built $out ($(wc -c <"$out") bytes)"
}

case "${1:-}" in
"")
  build "$CLANG" "$kernels/models-kernels.wasm"
  build "$CLANG_RELAXED" "$kernels/models-kernels-relaxed.wasm" -mrelaxed-simd
  "$CLANG" --version | head -n 1 >"$here/toolchain.txt"
  "$CLANG_RELAXED" --version | head -n 1 >"$here/toolchain-relaxed.txt"
  ;;
--relaxed) build "$CLANG_RELAXED" "$2" -mrelaxed-simd ;;
*) build "$CLANG" "$1" ;;
esac
