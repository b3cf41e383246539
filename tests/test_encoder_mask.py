"""An unpadded batch reaches an eager encoder without a mask tensor (SDPA may take its flash
kernel, and transformers does not read the mask on the device), with the same outputs; a padded
batch, or a compiled encoder, gets the mask."""

from __future__ import annotations

import torch
from transformers import XLMRobertaConfig, XLMRobertaModel

from xstilts.model.modeling import MultiTaskModel, masks_nothing


def tiny_model() -> MultiTaskModel:
    torch.manual_seed(0)
    config = XLMRobertaConfig(
        vocab_size=50,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=40,
        type_vocab_size=1,
        pad_token_id=1,
    )
    encoder = XLMRobertaModel(config, add_pooling_layer=False)
    model = MultiTaskModel(encoder, {"cls": ("classification", 3), "ner": ("tagging", 5)})
    return model.eval()


def masks_seen(model: MultiTaskModel) -> list:
    seen = []

    def hook(_module, _args, kwargs):
        seen.append(kwargs.get("attention_mask"))

    model.encoder.register_forward_pre_hook(hook, with_kwargs=True)
    return seen


def batch(padded: bool, tags: bool = False) -> dict:
    ids = torch.randint(3, 50, (3, 12), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    if padded:
        ids[0, -4:], mask[0, -4:] = 1, 0
    labels = torch.randint(0, 5, (3, 12)) if tags else torch.tensor([0, 1, 2])
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def test_masks_nothing_reads_host_masks_only():
    assert masks_nothing(torch.ones(2, 5, dtype=torch.long))
    assert not masks_nothing(torch.tensor([[1, 1, 0]]))
    assert not masks_nothing(torch.ones(2, 5, dtype=torch.long, device="meta"))


def test_unpadded_batch_reaches_the_encoder_without_a_mask_and_gives_the_same_logits():
    model = tiny_model()
    seen = masks_seen(model)
    with torch.no_grad():
        _, unmasked = model("cls", batch(padded=False))
        states = model.encoder(**{k: v for k, v in batch(False).items() if k != "labels"})
    assert seen[0] is None
    assert seen[1] is not None  # the direct call above, with the all-ones mask
    masked = model.heads["cls"](states.last_hidden_state)
    torch.testing.assert_close(unmasked, masked, rtol=1e-5, atol=1e-6)


def test_padded_batch_keeps_its_mask():
    model = tiny_model()
    seen = masks_seen(model)
    with torch.no_grad():
        model("ner", batch(padded=True, tags=True))
        model.embed(batch(True)["input_ids"], batch(True)["attention_mask"], pooling="mean")
    assert all(mask is not None and int((mask == 0).sum()) == 4 for mask in seen)


def test_compiled_encoder_keeps_the_mask_of_an_unpadded_batch():
    model = tiny_model()
    model.encoder.compile(dynamic=True)  # only marks it: nothing is compiled before a call
    assert model._compiled
    # What the compiled call receives, run eagerly (compiling on CPU takes minutes): the
    # decision under test is ours, not the compiler's.
    received = []

    def compiled_call(*args, **kwargs):
        received.append(kwargs.get("attention_mask"))
        return model.encoder._call_impl(*args, **kwargs)

    model.encoder._compiled_call_impl = compiled_call
    with torch.no_grad():
        model("cls", batch(padded=False))
    assert len(received) == 1 and received[0] is not None and bool(received[0].all())
