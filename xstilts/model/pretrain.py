"""The embedded default's stand-in for "a public multilingual MLM": a BPE tokenizer and a
tiny XLM-R-architecture masked LM trained from scratch on the generator's multilingual
corpus. The real study starts from a hub model instead."""

from __future__ import annotations

from pathlib import Path

from xstilts.io import atomic_dir

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def build_tokenizer(texts: list[str], vocab_size: int):
    """A BPE fast tokenizer over SentencePiece-style pieces (Metaspace), with XLM-R's special
    tokens and templates. BPE rather than XLM-R's unigram model: the `tokenizers` unigram
    trainer gives a different vocabulary on every run, BPE the same one (reproducibility)."""
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False
    )
    tok.train_from_iterator(texts, trainer=trainer)
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    # XLM-R's templates: <s> A </s> and <s> A </s></s> B </s>
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
    )


def train_tokenizer(
    corpus_dir: str | Path, languages: list[str], vocab_size: int, out_dir: str | Path
) -> None:
    from xstilts.data.store import read_rows
    from xstilts.io import write_folder_record

    texts = [
        row["text"] for lang in languages for row in read_rows(corpus_dir, lang, "train", ["text"])
    ]
    fast = build_tokenizer(texts, vocab_size)
    with atomic_dir(out_dir) as tmp:
        fast.save_pretrained(str(tmp))
        write_folder_record(
            tmp,
            {
                "kind": "tokenizer-trained-here",
                "vocab_size": vocab_size,
                "languages": languages,
                "corpus_manifest_sha256": _manifest_sha256(corpus_dir),
            },
        )


def _manifest_sha256(data_dir) -> str:
    from xstilts.io import sha256_file

    return sha256_file(Path(data_dir) / "manifest.json")


def masked_lm_loss(model, batch: dict):
    """XLMRobertaForMaskedLM's loss, with the LM head applied to the masked positions only (it
    is position-wise, so the loss is the same; the vocabulary projection of the other 85% of the
    tokens was two thirds of the tiny model's pretraining time)."""
    from torch.nn import functional as F

    hidden = model.roberta(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
    ).last_hidden_state
    chosen = batch["labels"] != -100
    logits = model.lm_head(hidden[chosen])
    return F.cross_entropy(logits, batch["labels"][chosen])


def pretrain_mlm(
    tokenizer_dir,
    corpus_dir,
    languages: list[str],
    architecture: dict,
    params: dict,
    out_dir,
    log=print,
    checkpoint_path: str | Path | None = None,
    fingerprint: dict | None = None,
    stop_after_step: int | None = None,
) -> dict:
    """Train the tiny masked LM. With `checkpoint_path`, a step checkpoint is written every
    `checkpoint_every` steps and when a stop is requested (signals), and a rerun with the same
    fingerprint resumes from it bit-identically (xstilts.model.checkpoints)."""
    import torch
    from transformers import (
        DataCollatorForLanguageModeling,
        XLMRobertaConfig,
        XLMRobertaForMaskedLM,
    )

    from xstilts.data.features import load_tokenizer
    from xstilts.data.store import read_rows
    from xstilts.io import write_folder_record
    from xstilts.model import checkpoints
    from xstilts.provenance import environment
    from xstilts.runtime import (
        install_stop_handlers,
        restore_handlers,
        seed_everything,
        stop_count,
        stop_requested_since,
    )
    from xstilts.study.hparams import result_params

    seed = params.get("seed", 0)
    stops_before = stop_count()
    seed_everything(seed)
    torch.set_num_threads(params.get("threads", 1))
    tokenizer = load_tokenizer(tokenizer_dir)
    texts = [
        row["text"] for lang in languages for row in read_rows(corpus_dir, lang, "train", ["text"])
    ]
    encoded = tokenizer(texts, truncation=True, max_length=params.get("max_length", 64))[
        "input_ids"
    ]
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        type_vocab_size=1,
        **architecture,
    )
    model = XLMRobertaForMaskedLM(config)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=seed)
    # The masking generator a main process would get: HF refuses to seed it in another process
    # (a local run's worker process, xstilts.workers) outside a DataLoader.
    collator.generator = collator.get_generator(seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=params.get("lr", 1e-3), weight_decay=0.01, fused=True
    )
    steps, batch_size = params["steps"], params.get("batch_size", 64)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, (steps - s) / steps)
    )
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(encoded), generator=generator).tolist()
    losses, cursor, first = [], 0, 0
    fingerprint = {
        **(fingerprint or {}),
        "architecture": architecture,
        "params": result_params(params),  # a checkpoint of another interval is resumed
        "languages": languages,
    }
    checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
    state = checkpoints.load(checkpoint_path, fingerprint, log) if checkpoint_path else None
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        generator.set_state(state["order_generator"])
        collator.generator = torch.Generator()  # the collator's masking draws
        collator.generator.set_state(state["mask_generator"])
        checkpoints.set_rng_state(state["rng"])
        order, cursor, losses, first = (
            state["order"],
            state["cursor"],
            state["losses"],
            state["step"],
        )
        log(f"resumed pretraining from {checkpoint_path} at step {first}")
    checkpoint_every = params.get("checkpoint_every", 0)
    handlers = install_stop_handlers(chain=False)
    model.train()
    try:
        for step in range(first, steps):
            if cursor + batch_size > len(order):
                order, cursor = torch.randperm(len(encoded), generator=generator).tolist(), 0
            batch = collator(
                [{"input_ids": encoded[i]} for i in order[cursor : cursor + batch_size]]
            )
            cursor += batch_size
            loss = masked_lm_loss(model, {key: value.to(device) for key, value in batch.items()})
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            if (step + 1) % max(1, steps // 5) == 0:
                recent = losses[-50:]
                log(f"pretrain step {step + 1}/{steps} mlm loss {sum(recent) / len(recent):.3f}")
            signum = stop_requested_since(stops_before)
            interrupted = signum is not None or step + 1 == stop_after_step
            periodic = checkpoint_every and (step + 1) % checkpoint_every == 0
            if checkpoint_path and step + 1 < steps and (interrupted or periodic):
                checkpoints.save(
                    checkpoint_path,
                    {
                        "step": step + 1,
                        "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "schedule": schedule.state_dict(),
                        "order_generator": generator.get_state(),
                        "mask_generator": collator.generator.get_state(),
                        "rng": checkpoints.rng_state(),
                        "order": order,
                        "cursor": cursor,
                        "losses": losses,
                    },
                    fingerprint,
                )
                log(f"checkpoint at pretraining step {step + 1}")
            if interrupted and step + 1 < steps:
                message = f"stopping pretraining at step {step + 1} (signal {signum})"
                log(message)
                raise checkpoints.Preempted(message, 143 if signum else 3)
    finally:
        restore_handlers(handlers)
    meta = {
        "kind": "pretrained-from-scratch",
        "languages": languages,
        "steps": steps,
        "final_mlm_loss": sum(losses[-50:]) / len(losses[-50:]),
        "params": params,
        "inputs": fingerprint,
        "resumed_from_step": first or None,
        "environment": environment(),
    }
    with atomic_dir(out_dir) as tmp:
        model.cpu().save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        write_folder_record(tmp, meta)
    if checkpoint_path:
        checkpoint_path.unlink(missing_ok=True)
    return meta
