"""A shared Hugging Face encoder with one head per task.

Heads are dropped between stages: only the encoder is saved as a stage's output. A target
model is saved as encoder + its head (head.pt) + xstilts.json metadata.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from xstilts.io import verify_folder, write_folder_record
from xstilts.runtime import IGNORE


def masks_nothing(attention_mask) -> bool:
    """True when a mask still on the host has no padded position (False on a device: reading
    it there would wait for the device)."""
    return attention_mask.device.type == "cpu" and bool(attention_mask.all())


class ClassificationHead(nn.Module):
    """RoBERTa-style: dense + tanh over the first token, then the output layer."""

    def __init__(self, hidden: int, n_labels: int, dropout: float):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, n_labels)

    def forward(self, states):
        x = self.dropout(states[:, 0])
        return self.out(self.dropout(torch.tanh(self.dense(x))))


class TokenHead(nn.Module):
    def __init__(self, hidden: int, n_out: int, dropout: float):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, n_out)

    def forward(self, states):
        return self.out(self.dropout(states))


class MLMHead(nn.Module):
    """Masked-LM head (dense, gelu, layer_norm, decoder), the layout both XLM-R's `lm_head` and
    BERT's `cls.predictions` have (xstilts.model.families maps either onto it); used by
    continued-MLM stages. MultiTaskModel ties the decoder to the input embeddings, as both
    families are pretrained."""

    def __init__(self, hidden: int, vocab_size: int, eps: float = 1e-5):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.layer_norm = nn.LayerNorm(hidden, eps=eps)
        self.decoder = nn.Linear(hidden, vocab_size)

    def forward(self, states):
        return self.decoder(self.layer_norm(F.gelu(self.dense(states))))


MLM_PROBABILITY = 0.15  # BERT/XLM-R masking: 15% of tokens; of those 80% <mask>, 10% random


def mask_tokens(input_ids, special: torch.Tensor, mask_id: int, vocab_size: int):
    """(masked ids, labels): the standard 80/10/10 masking, drawn from torch's global RNG
    (saved in step checkpoints, so a resumed stage draws the same masks)."""
    labels = input_ids.clone()
    probability = torch.full(input_ids.shape, MLM_PROBABILITY, device=input_ids.device)
    probability.masked_fill_(torch.isin(input_ids, special), 0.0)
    masked = torch.bernoulli(probability).bool()
    if not masked.any():  # a tiny batch may draw no mask: take its first maskable token
        maskable = (probability > 0).flatten().nonzero()
        if len(maskable):
            masked.view(-1)[maskable[0]] = True
    labels[~masked] = IGNORE
    replace = torch.bernoulli(torch.full(input_ids.shape, 0.8, device=input_ids.device)).bool()
    replace &= masked
    randomise = torch.bernoulli(torch.full(input_ids.shape, 0.5, device=input_ids.device)).bool()
    randomise &= masked & ~replace
    ids = input_ids.masked_fill(replace, mask_id)
    ids = torch.where(randomise, torch.randint_like(ids, vocab_size), ids)
    return ids, labels


def make_head(
    head: str, hidden: int, n_labels: int, dropout: float = 0.1, eps: float = 1e-5
) -> nn.Module | None:
    if head == "classification":
        return ClassificationHead(hidden, n_labels, dropout)
    if head == "multiple_choice":
        return ClassificationHead(hidden, 1, dropout)
    if head == "tagging":
        return TokenHead(hidden, n_labels, dropout)
    if head == "span":
        return TokenHead(hidden, 2, dropout)
    if head == "retrieval":
        return None  # dual encoder: L2-normalised sentence embeddings, no parameters
    if head == "mlm":
        return MLMHead(hidden, n_labels, eps)
    raise ValueError(f"unknown head kind {head!r}")


def pool(hidden_states, attention_mask, pooling: str):
    if pooling == "cls":
        return hidden_states[:, 0]
    if pooling == "mean":  # over all positions, special tokens included (as XTREME's Tatoeba)
        mask = attention_mask.unsqueeze(-1).to(hidden_states.dtype)
        return (hidden_states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
    raise ValueError(f"unknown pooling {pooling!r}; allowed: cls, mean")


def _per_task(value, heads: dict) -> dict:
    return dict(value) if isinstance(value, dict) else dict.fromkeys(heads, value)


class MultiTaskModel(nn.Module):
    """encoder + {task: head}; `forward(task, batch)` returns (loss, logits)."""

    def __init__(
        self,
        encoder,
        heads: dict[str, tuple[str, int]],
        dropout: float | dict[str, float] = 0.1,
        temperature: float | dict[str, float] = 0.05,
        mlm_tokens: tuple[int, list[int], int] | None = None,
    ):
        """`dropout` (of the heads) and `temperature` (of retrieval's contrastive loss): one
        value, or one per task (task hyperparameters)."""
        from xstilts.model.families import position_capacity, uses_token_types

        super().__init__()
        self.encoder = encoder
        config = encoder.config
        hidden, vocab = config.hidden_size, config.vocab_size
        eps = getattr(config, "layer_norm_eps", 1e-5)
        self.kinds = {task: kind for task, (kind, _) in heads.items()}
        dropouts = _per_task(dropout, heads)
        self.heads = nn.ModuleDict(
            {
                task: h
                for task, (kind, n) in heads.items()
                if (
                    h := make_head(kind, hidden, vocab if kind == "mlm" else n, dropouts[task], eps)
                )
                is not None
            }
        )
        tied = getattr(config, "tie_word_embeddings", True)
        for task, kind in self.kinds.items():
            if kind == "mlm" and tied:  # as in pretraining (and no second vocab x hidden matrix)
                self.heads[task].decoder.weight = encoder.get_input_embeddings().weight
        self.temperature = _per_task(temperature, heads)
        # (mask token id, ids never masked: special tokens and padding, tokenizer size: random
        # replacements are drawn below it) for MLM heads
        self.mlm_tokens = mlm_tokens
        self.max_positions = position_capacity(config)
        self.token_types = uses_token_types(config)

    def check_length(self, input_ids) -> None:
        """A clear error instead of an index error deep inside the position embeddings."""
        if input_ids.shape[-1] > self.max_positions:
            raise ValueError(
                f"inputs of {input_ids.shape[-1]} tokens, but the encoder "
                f"({self.encoder.config.model_type}) takes at most {self.max_positions}: lower "
                "max_length in training.heads.<head kind> (and rerun tokenize)"
            )

    def encode(self, input_ids, attention_mask, token_type_ids=None, unpadded=False):
        """Last hidden states. `unpadded` (the mask masks nothing) gives an eager encoder no
        mask: the same attention without transformers' own check of the mask on the device (a
        host sync) and SDPA may take its flash kernel (H200, XLM-R Large, seq 384: +4.6%
        tokens/s). A compiled encoder keeps the mask: without one, inductor lowered attention
        with dropout to plain matmul and softmax (-32% tokens/s, 1.5x the memory)."""
        self.check_length(input_ids)
        extra = {}
        if self.token_types and token_type_ids is not None:  # segment ids: BERT-style pairs
            extra["token_type_ids"] = token_type_ids
        if unpadded and not self._compiled:
            attention_mask = None
        return self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, **extra
        ).last_hidden_state

    @property
    def _compiled(self) -> bool:
        """Whether `nn.Module.compile` compiled the encoder (xstilts.model.accel)."""
        return getattr(self.encoder, "_compiled_call_impl", None) is not None

    def embed(self, input_ids, attention_mask, pooling: str = "cls", layer: int = -1):
        unpadded = masks_nothing(attention_mask)
        input_ids, attention_mask = input_ids.to(self.device), attention_mask.to(self.device)
        if layer == -1:
            states = self.encode(input_ids, attention_mask, unpadded=unpadded)
        else:
            self.check_length(input_ids)
            out = self.encoder(
                input_ids=input_ids,
                attention_mask=None if unpadded and not self._compiled else attention_mask,
                output_hidden_states=True,
            )
            states = out.hidden_states[layer]
        return F.normalize(pool(states, attention_mask, pooling), dim=-1)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def forward(self, task: str, batch: dict):
        kind = self.kinds[task]
        if kind == "retrieval":  # embed copies to the device after reading the host masks
            q = self.embed(batch["input_ids"], batch["attention_mask"])
            p = self.embed(batch["positive_ids"], batch["positive_mask"])
            logits = q @ p.T / self.temperature[task]  # in-batch negatives
            return F.cross_entropy(logits, torch.arange(len(q), device=q.device)), logits
        unpadded = masks_nothing(batch["attention_mask"])  # before the copy: no device sync
        batch = {key: value.to(self.device) for key, value in batch.items()}
        if kind == "mlm":
            mask_id, special, vocab_size = self.mlm_tokens
            special = torch.tensor(special, device=self.device)
            ids, labels = mask_tokens(batch["input_ids"], special, mask_id, vocab_size)
            states = self.encode(ids, batch["attention_mask"], unpadded=unpadded)
            # Vocabulary logits only at the masked positions: the same loss without a
            # [batch, length, vocabulary] tensor (250k columns for XLM-R's vocabulary).
            chosen = labels != IGNORE
            logits = self.heads[task](states[chosen])
            return F.cross_entropy(logits, labels[chosen]), logits
        if kind == "multiple_choice":
            b, c, t = batch["input_ids"].shape
            types = batch.get("token_type_ids")
            states = self.encode(
                batch["input_ids"].view(b * c, t),
                batch["attention_mask"].view(b * c, t),
                None if types is None else types.view(b * c, t),
                unpadded=unpadded,
            )
            logits = self.heads[task](states).view(b, c)
            loss = F.cross_entropy(logits, batch["labels"]) if "labels" in batch else None
            return loss, logits
        states = self.encode(
            batch["input_ids"],
            batch["attention_mask"],
            batch.get("token_type_ids"),
            unpadded=unpadded,
        )
        logits = self.heads[task](states)
        if kind == "classification":
            loss = F.cross_entropy(logits, batch["labels"]) if "labels" in batch else None
            return loss, logits
        if kind == "tagging":
            loss = None
            if "labels" in batch:
                loss = F.cross_entropy(
                    logits.flatten(0, 1), batch["labels"].flatten(), ignore_index=IGNORE
                )
            return loss, logits
        if kind == "span":
            start_logits, end_logits = logits.unbind(-1)
            mask = batch["attention_mask"] == 0
            start_logits = start_logits.masked_fill(mask, -1e4)
            end_logits = end_logits.masked_fill(mask, -1e4)
            loss = None
            if "start" in batch:
                loss = (
                    F.cross_entropy(start_logits, batch["start"])
                    + F.cross_entropy(end_logits, batch["end"])
                ) / 2
            return loss, (start_logits, end_logits)
        raise ValueError(f"unknown head kind {kind!r}")


def load_encoder(path: str | Path, deterministic: bool = False):
    """The encoder of a saved model, after checking its files. With `deterministic` on a GPU,
    plain (eager) attention: the fused SDPA kernels' backward passes are not deterministic on
    CUDA."""
    from transformers import AutoModel

    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(
            f"{path}: no encoder here (config.json missing); rerun the rule that makes it"
        )
    verify_folder(path)
    extra = {"attn_implementation": "eager"} if deterministic and torch.cuda.is_available() else {}
    return AutoModel.from_pretrained(str(path), add_pooling_layer=False, **extra)


def save_model(
    model: MultiTaskModel, tokenizer, out_dir: Path, metadata: dict, save_heads: bool
) -> None:
    """Write encoder (+ heads) and the record of its files into out_dir (the caller makes it
    atomic)."""
    model.encoder.save_pretrained(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))
    if save_heads:
        torch.save({"kinds": model.kinds, "state": model.heads.state_dict()}, out_dir / "heads.pt")
    write_folder_record(out_dir, metadata)


def load_model(path: str | Path, heads: dict[str, tuple[str, int]]) -> MultiTaskModel:
    path = Path(path)
    model = MultiTaskModel(load_encoder(path), heads)  # load_encoder checks every file
    head_file = path / "heads.pt"
    if model.heads and head_file.is_file():
        saved = torch.load(head_file, weights_only=True, map_location="cpu")
        model.heads.load_state_dict(saved["state"])
    elif model.heads:
        raise FileNotFoundError(f"{head_file}: the trained heads are missing; rerun training")
    return model
