"""bench/gpu.py on CPU with a tiny shape: the FLOPs formula, MFU and the deterministic switch
(what the GPU run reports, checked where it can be)."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gpu():
    spec = importlib.util.spec_from_file_location("bench_gpu", ROOT / "bench/gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_flops_per_token_counts_every_matrix(gpu):
    import torch

    shape = {"layers": 2, "hidden": 64, "heads": 4, "ffn": 128, "vocab": 300}
    model = gpu.build_model(shape, deterministic=False, device=torch.device("cpu"))
    h, f, L = 64, 128, 2
    per_layer = 4 * (h * h + h) + (h * f + f) + (f * h + h) + 2 * 2 * h  # attention, FFN, 2 LNs
    head = (h * h + h) + (h * 3 + 3)  # classification head: dense, output
    assert gpu.non_embedding_parameters(model) == L * per_layer + head
    assert gpu.flops_per_token(model, L, h, 32) == 6 * (L * per_layer + head) + 12 * L * h * 32


def test_tiny_run_reports_throughput_and_determinism(gpu, tmp_path):
    out = tmp_path / "bench.json"
    argv = ["--tiny", "--steps", "2", "--warmup", "1", "--threads", "1", "--peak-tflops", "0.5"]
    report = gpu.main([*argv, "--variants", "fp32", "bf16-deterministic", "--json", str(out)])
    assert json.loads(out.read_text()) == report
    runs = {r["variant"]: r for r in report["runs"]}
    assert set(runs) == {"fp32", "bf16-deterministic"}
    for r in runs.values():
        assert r["tokens_per_second"] > 0 and r["seq"] == 32 and r["batch"] == 4
        assert r["achieved_tflops"] > 0
        assert r["mfu"] == pytest.approx(r["achieved_tflops"] / 0.5, rel=1e-3)
    assert runs["bf16-deterministic"]["bit_identical_rerun"] is True
    assert runs["bf16-deterministic"]["settings"]["precision"] == "bf16"
