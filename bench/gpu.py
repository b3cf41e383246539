#!/usr/bin/env python3
"""Training throughput of the workflow's model and step on one device: tokens/s, model FLOPs
utilisation (MFU) and peak memory, for each device setting (xstilts/model/accel.py) and length.

    python bench/gpu.py                       # XLM-R Large shape, seq 256 and 384 (a GPU)
    python bench/gpu.py --tiny --json out.json   # tiny shape on CPU (what the tests run)

One training step is the workflow's (xstilts.model.training): the encoder and a classification
head (MultiTaskModel), AdamW as `training._optimizer` builds it (fused), the forward pass under
the run's autocast, gradient clipping at 1.0. Batches are full-length random token ids (no
padding: every token is a real one), labels random.

Model FLOPs per token for training: 6 * N + 12 * L * h * s, with N the non-embedding parameters
(every matrix a token passes through: attention, feed-forward, head), L layers, h hidden size and
s the sequence length (attention scores and weighted sum, forward and backward; Kaplan et al.
2020, PaLM's MFU). MFU = FLOPs per token * tokens/s / peak; the peak is `--peak-tflops`
(default 989: H100/H200 SXM dense bf16, vendor datasheet; give the one that fits the variant).

Variants: `fp32` (plain float32), `tf32` (float32 weights, TF32 matrix products), `bf16` (bf16
autocast + TF32, SDPA attention: the fast setting), `bf16-deterministic` (the same with the
workflow's deterministic switch: deterministic kernels and eager attention; run twice to check
the weights come out bit-identical), `bf16-compile` (torch.compile of the encoder, dynamic shapes
as in the workflow), `bf16-compile-static` (the same with static shapes, for comparison).

`--one-pad` makes the last position of each batch's first sequence padding: the encoder then
gets a mask tensor, as for any padded batch (an unpadded batch is given none, so SDPA may take
its flash kernel: xstilts.model.modeling.masks_nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
# What xstilts.runtime.seed_everything sets in every run (deterministic cuBLAS workspace).
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LARGE = dict(layers=24, hidden=1024, heads=16, ffn=4096, vocab=250002)
TINY = dict(layers=2, hidden=64, heads=4, ffn=128, vocab=3000)
VARIANTS = {
    "fp32": {"precision": "fp32", "tf32": False, "deterministic": False},
    "tf32": {"precision": "fp32", "tf32": True, "deterministic": False},
    "bf16": {"precision": "bf16", "tf32": True, "deterministic": False},
    "bf16-deterministic": {"precision": "bf16", "tf32": True, "deterministic": True},
    "bf16-compile": {"precision": "bf16", "tf32": True, "deterministic": False, "compile": True},
    # Each layer's feed-forward and output blocks compiled, attention left eager: an unpadded
    # batch then reaches SDPA's flash kernel (the whole-encoder compile lowers it to matmul).
    "bf16-compile-blocks": {
        "precision": "bf16",
        "tf32": True,
        "deterministic": False,
        "compile": "blocks",
    },
    # Static shapes (dynamic=False): what the workflow's dynamic compile costs, if anything.
    "bf16-compile-static": {
        "precision": "bf16",
        "tf32": True,
        "deterministic": False,
        "compile": "static",
    },
}


def non_embedding_parameters(model) -> int:
    return sum(p.numel() for name, p in model.named_parameters() if ".embeddings." not in name)


def flops_per_token(model, layers: int, hidden: int, seq: int) -> float:
    return 6 * non_embedding_parameters(model) + 12 * layers * hidden * seq


def build_model(shape: dict, deterministic: bool, device):
    from transformers import XLMRobertaConfig, XLMRobertaModel

    from xstilts.model.modeling import MultiTaskModel

    config = XLMRobertaConfig(
        vocab_size=shape["vocab"],
        hidden_size=shape["hidden"],
        num_hidden_layers=shape["layers"],
        num_attention_heads=shape["heads"],
        intermediate_size=shape["ffn"],
        max_position_embeddings=514,
        type_vocab_size=1,
        pad_token_id=1,
        # The switch as xstilts.model.modeling.load_encoder applies it: eager attention on a GPU.
        attn_implementation="eager" if deterministic and device.type == "cuda" else "sdpa",
    )
    with device:  # initialised on the device: seconds, not a minute, for the Large shape
        encoder = XLMRobertaModel(config, add_pooling_layer=False)
        return MultiTaskModel(encoder, {"task": ("classification", 3)})


def sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def run_variant(
    name: str,
    shape: dict,
    seq: int,
    batch: int,
    steps: int,
    warmup: int,
    device,
    threads: int | None = None,
    one_pad: bool = False,
):
    import torch

    from xstilts.model.accel import apply_backend_flags, autocast, device_settings, maybe_compile
    from xstilts.model.training import _optimizer
    from xstilts.runtime import seed_everything

    params = VARIANTS[name]
    seed_everything(0, deterministic=params["deterministic"])
    if threads:  # CPU threads, as a training job's `threads` setting
        torch.set_num_threads(threads)
    settings = device_settings(params, device)
    apply_backend_flags(settings)
    model = build_model(shape, params["deterministic"], device)
    if params.get("compile") == "static":
        model.encoder.compile(dynamic=False)
    elif params.get("compile") == "blocks":
        for name, module in model.encoder.named_modules():
            if name.endswith(("intermediate", "output")) and ".layer." in f".{name}":
                module.compile(dynamic=True)
    else:
        maybe_compile(model, settings)
    optimizer = _optimizer(model, 1e-5, 0.01)
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(5, shape["vocab"], (steps + warmup, batch, seq), generator=generator)
    labels = torch.randint(0, 3, (steps + warmup, batch), generator=generator)
    mask = torch.ones(batch, seq, dtype=torch.long)
    if one_pad:
        mask[0, -1] = 0
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    model.train()
    losses, times = [], []
    for i in range(steps + warmup):
        batch_i = {"input_ids": ids[i], "attention_mask": mask, "labels": labels[i]}
        sync(device)
        started = time.perf_counter()
        with autocast(settings):
            loss, _ = model("task", batch_i)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, foreach=True)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        sync(device)
        if i >= warmup:
            times.append(time.perf_counter() - started)
        losses.append(loss.detach())
    step_s = statistics.median(times)
    tokens_per_s = batch * seq / step_s
    checksum = float(sum(p.detach().double().sum() for p in model.parameters()))
    flops = flops_per_token(model, shape["layers"], shape["hidden"], seq)
    result = {
        "variant": name,
        "settings": settings,
        "seq": seq,
        "batch": batch,
        "padded_positions": int((mask == 0).sum()),
        "timed_steps": steps,
        "step_seconds_median": round(step_s, 5),
        "tokens_per_second": round(tokens_per_s, 1),
        "flops_per_token": flops,
        "achieved_tflops": round(flops * tokens_per_s / 1e12, 6),
        "peak_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2)
        if device.type == "cuda"
        else None,
        "loss_first": round(float(losses[0]), 4),
        "loss_last": round(float(losses[-1]), 4),
        "weights_checksum": checksum,
    }
    del model, optimizer
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny shape, for CPU")
    for key in LARGE:
        parser.add_argument(f"--{key}", type=int)
    parser.add_argument("--seq", type=int, nargs="+", default=None)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--variants", nargs="+", choices=list(VARIANTS), help="default: all (on CPU: not compile)"
    )
    parser.add_argument("--peak-tflops", type=float, default=989.0)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--one-pad", action="store_true", help="one padded position per batch")
    args = parser.parse_args(argv)

    import torch

    from xstilts.runtime import best_device

    device = best_device()
    shape = dict(TINY if args.tiny else LARGE)
    shape.update({k: getattr(args, k) for k in LARGE if getattr(args, k) is not None})
    seqs = args.seq or ([32] if args.tiny else [256, 384])
    batch = args.batch or (4 if args.tiny else 32)
    name = torch.cuda.get_device_name() if device.type == "cuda" else "cpu"
    variants = args.variants or [
        v for v in VARIANTS if device.type == "cuda" or not v.startswith("bf16-compile")
    ]
    report = {
        "device": name,
        "torch": torch.__version__,
        "shape": shape,
        "peak_tflops": args.peak_tflops,
        "flops_formula": "6 * non-embedding parameters + 12 * layers * hidden * seq, per token",
        "runs": [],
    }
    print(f"{name}, torch {torch.__version__}, shape {shape}, batch {batch}")
    print(f"MFU against {args.peak_tflops} TFLOP/s; FLOPs/token = {report['flops_formula']}")
    print(
        f"{'variant':<20} {'seq':>4} {'tokens/s':>10} {'TFLOP/s':>8} {'MFU':>6} {'GiB':>6} {'loss':>14}"
    )
    for seq in seqs:
        for variant in variants:
            measure = (
                variant,
                shape,
                seq,
                batch,
                args.steps,
                args.warmup,
                device,
                args.threads,
                args.one_pad,
            )
            runs = [run_variant(*measure)]
            if variant == "bf16-deterministic":  # the switch's promise: the same weights again
                runs.append(run_variant(*measure))
                runs[0]["bit_identical_rerun"] = (
                    runs[0]["weights_checksum"] == runs[1]["weights_checksum"]
                    and runs[0]["loss_last"] == runs[1]["loss_last"]
                )
            r = runs[0]
            r["mfu"] = round(r["achieved_tflops"] / args.peak_tflops, 6)
            report["runs"].append(r)
            if args.json:  # after every run: a time limit leaves what was measured
                args.json.write_text(json.dumps(report, indent=2))
            memory = f"{r['peak_memory_gib']:.1f}" if r["peak_memory_gib"] is not None else "-"
            print(
                f"{variant:<20} {seq:>4} {r['tokens_per_second']:>10.0f} {r['achieved_tflops']:>8.1f} "
                f"{100 * r['mfu']:>5.1f}% {memory:>6} {r['loss_first']:>6.3f}->{r['loss_last']:<6.3f}"
                + (
                    f" rerun identical: {r['bit_identical_rerun']}"
                    if "bit_identical_rerun" in r
                    else ""
                )
            )
    by = {(r["variant"], r["seq"]): r for r in report["runs"]}
    for seq in seqs:
        fast, det = by.get(("bf16", seq)), by.get(("bf16-deterministic", seq))
        if fast and det:
            cost = 1 - det["tokens_per_second"] / fast["tokens_per_second"]
            print(f"deterministic switch at seq {seq}: {100 * cost:.0f}% fewer tokens/s than bf16")
    return report


if __name__ == "__main__":
    main()
