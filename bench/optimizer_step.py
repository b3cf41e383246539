"""AdamW variants on the real encoder (multilingual-e5-small, 118M parameters of which 96M are
the 250,037 x 384 embedding matrix) on CPU: peak resident memory and time of the optimizer
step, for torch's foreach, per-parameter loop and fused implementations. Each variant runs in
a process of its own, one thread, four steps after one batch's backward pass.

    PYTHONPATH=$PWD .venv/bin/python bench/optimizer_step.py [--encoder DIR]

The encoder folder is rule convert_model's output for config/real-encoder.yaml (run
`snakemake --configfile config/real-encoder.yaml resources-real/models/e5-small/encoder`).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

VARIANTS = {"foreach": {"foreach": True}, "loop": {"foreach": False}, "fused": {"fused": True}}


def one(encoder_dir: str, variant: str) -> dict:
    import torch

    from xstilts.model.modeling import MultiTaskModel, load_encoder

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = MultiTaskModel(load_encoder(encoder_dir), {"t": ("classification", 3)})
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "LayerNorm" not in n]
    rest = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "LayerNorm" not in n)]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
        lr=5e-5,
        **VARIANTS[variant],
    )
    ids = torch.randint(5, 1000, (8, 48))
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids[:, 0] % 3}
    seconds = []
    for _ in range(4):
        loss, _ = model("t", batch)
        loss.backward()
        started = time.perf_counter()
        optimizer.step()
        seconds.append(round(time.perf_counter() - started, 3))
        optimizer.zero_grad(set_to_none=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    return {"variant": variant, "step_seconds": seconds, "peak_rss_gb": round(peak, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--encoder", default="resources-real/models/e5-small/encoder")
    parser.add_argument("--variant", choices=list(VARIANTS))
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(one(args.encoder, args.variant)))
        return
    for variant in VARIANTS:
        cmd = [sys.executable, __file__, "--encoder", args.encoder, "--variant", variant]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        steps = ", ".join(f"{s:.2f}" for s in result["step_seconds"])
        print(f"{variant:8s} peak RSS {result['peak_rss_gb']:.2f} GB; optimizer steps {steps} s")


if __name__ == "__main__":
    main()
