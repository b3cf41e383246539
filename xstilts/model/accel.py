"""How a training run uses its device: precision, TF32, torch.compile and the deterministic
switch, resolved from the hyperparameters and recorded with the model they produced.

- `precision: bf16` runs the training forward pass under bf16 autocast (weights, optimizer and
  loss stay float32; evaluation and prediction run in float32). `fp32` (default) is plain.
- `tf32: true` lets float32 matrix products use TF32 on Ampere and later GPUs (no effect on CPU).
- `compile: true` compiles the encoder with `torch.compile(dynamic=True)` (batches vary in
  length); the weights and their names are unchanged.
- `deterministic: true` (default): deterministic kernels and, on a GPU, eager attention instead
  of the fused SDPA kernels whose backward pass is not deterministic; same config, same machine,
  same weights. `bench/gpu.py` measures what it costs.
"""

from __future__ import annotations

import contextlib

import torch


def device_settings(params: dict, device: torch.device) -> dict:
    """The settings a run uses on `device`, as recorded in its summary."""
    precision = params.get("precision", "fp32")
    if precision not in ("fp32", "bf16"):
        raise ValueError(f"precision {precision!r}: allowed fp32, bf16")
    cuda = device.type == "cuda"
    return {
        "device": device.type,
        "precision": precision,
        "tf32": bool(params.get("tf32", False)) and cuda,
        "compile": bool(params.get("compile", False)),
        "deterministic": bool(params.get("deterministic", True)),
    }


def apply_backend_flags(settings: dict) -> None:
    """Process-wide matmul flags (set for every run, so one run's choice does not leak into the
    next job of the same process)."""
    torch.backends.cuda.matmul.allow_tf32 = settings["tf32"]
    torch.backends.cudnn.allow_tf32 = settings["tf32"]


def autocast(settings: dict):
    """The context the training forward pass runs in."""
    if settings["precision"] == "bf16":
        return torch.autocast(settings["device"], dtype=torch.bfloat16)
    return contextlib.nullcontext()


def maybe_compile(model, settings: dict) -> None:
    """Compile the encoder in place (`nn.Module.compile` keeps state_dict names)."""
    if settings["compile"]:
        model.encoder.compile(dynamic=True)
