#!/usr/bin/env bash
# Builds src/backends/kernels/models-kernels.wasm from the C sources next to this script with
# Debian's clang + wasm-ld (no libc, no Emscripten). The binary is committed, so CI and users need
# no clang; after editing a .c file run `bash libs/models/wasm/build.sh` and commit the .wasm.
#
#   build.sh [OUTPUT]    default OUTPUT: ../src/backends/kernels/models-kernels.wasm
#
# Deterministic for a given clang/wasm-ld: no debug info, custom sections stripped, sources in a
# fixed order. A default build records the compiler in toolchain.txt; the spec
# src/backends/kernels/models-wasm-build.spec.ts rebuilds with the same compiler and compares bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
default_out="$here/../src/backends/kernels/models-kernels.wasm"
out="${1:-$default_out}"
CLANG="${CLANG:-clang}"

flags=(
  --target=wasm32 -O3
  -msimd128 -mbulk-memory -mnontrapping-fptoint -msign-ext
  # Freestanding, no libc; no FMA contraction (plain float32 multiply-add).
  -ffreestanding -nostdlib -fno-builtin -ffp-contract=off
  -Wall -Wextra -Werror
)
link=(
  -Wl,--no-entry -Wl,--strip-all -Wl,--export=__heap_base -Wl,--stack-first
  -Wl,-z,stack-size=65536 -Wl,--initial-memory=1048576
)
sources=(channel-ops.c column-sum.c conv-direct.c conv-filter-grad.c max-pool-grad.c)

cd "$here"
"$CLANG" "${flags[@]}" "${link[@]}" -o "$out" "${sources[@]}"
chmod 644 "$out"
if [ "$out" = "$default_out" ]; then
  "$CLANG" --version | head -n 1 >"$here/toolchain.txt"
fi
echo "built $out ($(wc -c <"$out") bytes)"
