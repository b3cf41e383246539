"""The pretraining loss over masked positions only equals the Hugging Face model's own loss
(its LM head is position-wise), for the value and the gradients."""

import torch


def test_masked_only_loss_equals_the_models_loss():
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM

    from xstilts.model.pretrain import masked_lm_loss

    torch.manual_seed(0)
    config = XLMRobertaConfig(
        vocab_size=300,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        pad_token_id=1,
        type_vocab_size=1,
    )
    model = XLMRobertaForMaskedLM(config).eval()  # no dropout: the two passes see the same net
    ids = torch.randint(5, 300, (4, 20))
    mask = torch.ones_like(ids)
    mask[0, 15:] = 0
    labels = torch.full_like(ids, -100)
    labels[:, ::5] = ids[:, ::5]
    batch = {"input_ids": ids, "attention_mask": mask, "labels": labels}

    reference = model(**batch).loss
    reference.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad()
    ours = masked_lm_loss(model, batch)
    ours.backward()
    assert torch.allclose(ours, reference, rtol=1e-6)
    for name, grad in grads.items():
        assert torch.allclose(dict(model.named_parameters())[name].grad, grad, atol=1e-6), name
