#!/usr/bin/env bash
# Every GPU measurement of issue 13 in one call on a lent GPU machine (see BENCHMARKS.md).
# Uses the machine's own python3 (its torch and transformers; nothing can be installed there)
# with this working tree on PYTHONPATH. Results land in $OUT (default /tmp/gpu-out).
set -uo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm,power.limit --format=csv
  python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.version.cuda)"
} 2>&1 | tee "$OUT/machine.txt"
# 1. XLM-R Large shape, seq 256 and 384, batch 32: every variant (compile last: it may be slow).
timeout 190 python3 bench/gpu.py --seq 256 384 --batch 32 \
  --variants fp32 tf32 bf16 bf16-deterministic --json "$OUT/large-b32.json" 2>&1 | tee "$OUT/large-b32.log"
# 2. Larger batches for the fast setting (MFU grows with work per step).
timeout 50 python3 bench/gpu.py --seq 256 384 --batch 64 --variants bf16 \
  --json "$OUT/large-b64.json" 2>&1 | tee "$OUT/large-b64.log"
# 3. torch.compile of the encoder.
timeout 150 python3 bench/gpu.py --seq 256 384 --batch 32 --variants bf16-compile \
  --json "$OUT/large-compile.json" 2>&1 | tee "$OUT/large-compile.log"
echo done | tee -a "$OUT/machine.txt"
