"""What differs between encoder families, in one place, so no other module assumes XLM-R.

- BERT-style (bert, e5, mBERT, ...): absolute positions from 0, segment (token type) ids for
  sentence pairs, masked-LM head at `cls.predictions` (`transform.dense`, `transform.LayerNorm`,
  `decoder`), and often no LM head at all in an encoder-only checkpoint.
- RoBERTa-style (roberta, xlm-roberta, camembert): positions start after the padding index
  (pad_token_id + 1), a single token type, masked-LM head at `lm_head` (`dense`, `layer_norm`,
  `decoder`).
"""

from __future__ import annotations

from pathlib import Path

from xstilts.runtime import ROBERTA_STYLE

# Where each family keeps its masked-LM head, and the names of its parts in that module,
# mapped onto xstilts.model.modeling.MLMHead's (dense, layer_norm, decoder).
LM_HEAD_LAYOUTS = {
    "lm_head": {"dense": "dense", "layer_norm": "layer_norm", "decoder": "decoder"},
    "cls.predictions": {
        "dense": "transform.dense",
        "layer_norm": "transform.LayerNorm",
        "decoder": "decoder",
    },
}


def position_capacity(config) -> int:
    """The longest input, special tokens included, the position embeddings can take."""
    positions = config.max_position_embeddings
    if config.model_type in ROBERTA_STYLE:  # position ids run from pad_token_id + 1
        positions -= (config.pad_token_id or 0) + 1
    return positions


def uses_token_types(config) -> bool:
    """Whether segment ids carry information (BERT: 2 types; XLM-R: 1)."""
    return getattr(config, "type_vocab_size", 1) > 1


def _submodule(model, dotted: str):
    for part in dotted.split("."):
        model = getattr(model, part, None)
        if model is None:
            return None
    return model


def lm_head_layout(masked_lm) -> str | None:
    return next((name for name in LM_HEAD_LAYOUTS if _submodule(masked_lm, name) is not None), None)


def lm_head_state(masked_lm) -> dict:
    """The masked LM's head as MLMHead's state dict (dense, layer_norm, decoder weight and bias)."""
    where = lm_head_layout(masked_lm)
    if where is None:
        raise ValueError(
            f"{type(masked_lm).__name__}: no masked-LM head at any of {list(LM_HEAD_LAYOUTS)}"
        )
    head = _submodule(masked_lm, where)
    state = {}
    for ours, theirs in LM_HEAD_LAYOUTS[where].items():
        module = _submodule(head, theirs)
        state[f"{ours}.weight"] = module.weight.detach()
        bias = module.bias if module.bias is not None else getattr(head, "bias", None)
        state[f"{ours}.bias"] = bias.detach()
    return state


def checkpoint_lm_head(where: str | Path, revision: str | None = None):
    """(masked LM, True) when the checkpoint holds a complete masked-LM head, else
    (its encoder alone, False): transformers would otherwise fill a missing head with random
    weights that later look pretrained."""
    from transformers import AutoModelForMaskedLM

    model, info = AutoModelForMaskedLM.from_pretrained(
        str(where), revision=revision, output_loading_info=True
    )
    prefix = model.base_model_prefix + "."
    missing = [k for k in info["missing_keys"] if not k.startswith(prefix)]
    if missing:
        return model.base_model, False
    return model, True


def has_lm_head(init_dir: str | Path) -> bool:
    """Whether a saved starting folder is a masked LM (its config names a *MaskedLM class)."""
    import json

    config = json.loads((Path(init_dir) / "config.json").read_text())
    return any("MaskedLM" in a for a in config.get("architectures") or [])
