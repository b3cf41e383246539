#!/usr/bin/env bash
# Issue 13's second GPU round (see BENCHMARKS.md), XLM-R Large's shape. Round 1: what an
# unpadded batch gains when the encoder gets no mask tensor (eager and compiled). Round 2 (the
# compiled encoder keeps its mask): batch 256, dynamic against static shapes.
# Round 3: compiled blocks with eager attention.
# Machine's own python3 and torch; results in $OUT. `bash bench/gpu_run_mask.sh 1|2|3`
set -uo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,power.limit --format=csv
  python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.version.cuda)"
} 2>&1 | tee "$OUT/machine.txt"
run() {  # name, time limit, then bench/gpu.py's arguments
  local name=$1 limit=$2
  shift 2
  timeout "$limit" python3 bench/gpu.py --json "$OUT/$name.json" "$@" 2>&1 | tee "$OUT/$name.log"
}
if [ "${1:-1}" = 1 ]; then
  # Eager bf16, seq 384, batch 128: a mask tensor (one padded position) against none.
  run eager-pad 45 --seq 384 --batch 128 --variants bf16 --one-pad
  run eager-nopad 45 --seq 384 --batch 128 --variants bf16
  # Compiled, no mask: batch 128 then 256 (graph cache), then static shapes.
  run compile-b128 200 --seq 384 256 --batch 128 --variants bf16-compile
  run compile-b256 90 --seq 384 256 --batch 256 --variants bf16-compile
  run static-b256 140 --seq 384 --batch 256 --variants bf16-compile-static
elif [ "$1" = 3 ]; then
  # Round 3: feed-forward and output blocks compiled, attention eager (flash, no mask), against
  # the eager step and the whole-encoder compile (with its mask) on the same machine.
  run r3-blocks-b128 110 --seq 384 256 --batch 128 --variants bf16-compile-blocks
  run r3-eager-b128 30 --seq 384 --batch 128 --variants bf16
  run r3-compile-b128 70 --seq 384 --batch 128 --variants bf16-compile
else
  run r2-eager-b256 50 --seq 384 --batch 256 --variants bf16
  run r2-compile-b256 170 --seq 384 256 --batch 256 --variants bf16-compile
  run r2-static-b256 170 --seq 384 --batch 256 --variants bf16-compile-static
fi
echo done | tee -a "$OUT/machine.txt"
