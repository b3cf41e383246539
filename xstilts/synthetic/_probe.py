# TEMPORARY learnability probe (not part of the package; deleted after use)
import json
import os
import random
import sys
import time

import torch
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import (
    XLMRobertaConfig,
    XLMRobertaForMaskedLM,
    XLMRobertaForMultipleChoice,
    XLMRobertaForSequenceClassification,
)
from transformers.utils import logging

import xstilts.synthetic.tasks as T

logging.set_verbosity_error()
CS, MLM_STEPS, FT_STEPS = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
TASKS = sys.argv[4].split(",")
SEED = int(sys.argv[5]) if len(sys.argv) > 5 else 0
T.CODE_SWITCH_RATE = CS
from xstilts.synthetic import DATASETS, LANGUAGES, generate  # noqa: E402

dev = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(SEED)
random.seed(SEED)
t0 = time.time()
corpus = [r["text"] for lang in LANGUAGES for r in generate("toy-corpus", lang, "train")]
tok = Tokenizer(models.BPE(unk_token="<unk>"))
tok.pre_tokenizer = pre_tokenizers.Metaspace()
tok.train_from_iterator(
    corpus,
    trainers.BpeTrainer(
        vocab_size=3500, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    ),
)
V, PAD, CLS, SEP, MASK = tok.get_vocab_size(), 1, 0, 2, 4


def enc(a, b=None):
    ids = [CLS] + tok.encode(a).ids + [SEP]
    if b:
        ids += [SEP] + tok.encode(b).ids + [SEP]
    return ids[:128]


def pad(batch):
    L = max(len(x) for x in batch)
    ids = torch.full((len(batch), L), PAD)
    for i, x in enumerate(batch):
        ids[i, : len(x)] = torch.tensor(x)
    return ids.to(dev), (ids != PAD).long().to(dev)


cfg = dict(
    vocab_size=V,
    hidden_size=64,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=256,
    max_position_embeddings=260,
    pad_token_id=PAD,
    type_vocab_size=1,
)
mlm = XLMRobertaForMaskedLM(XLMRobertaConfig(**cfg)).to(dev)
opt = torch.optim.AdamW(mlm.parameters(), lr=2e-3, weight_decay=0.01)
data = [enc(t) for t in corpus]
for step in range(MLM_STEPS):
    ids, att = pad(random.sample(data, 64))
    labels = ids.clone()
    m = (torch.rand(ids.shape, device=dev) < 0.15) & (ids > 4)
    labels[~m] = -100
    inp = ids.clone()
    r = torch.rand(ids.shape, device=dev)
    inp[m & (r < 0.8)] = MASK
    rnd = m & (r >= 0.8) & (r < 0.9)
    inp[rnd] = torch.randint(5, V, (int(rnd.sum()),), device=dev)
    for g in opt.param_groups:
        g["lr"] = 2e-3 * min(1, (step + 1) / 100) * max(0.05, 1 - step / MLM_STEPS)
    loss = mlm(input_ids=inp, attention_mask=att, labels=labels).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(mlm.parameters(), 1.0)
    opt.step()
    opt.zero_grad()
enc_state = {k: v.detach().clone() for k, v in mlm.roberta.state_dict().items()}
out = {"cs": CS, "mlm_steps": MLM_STEPS, "mlm_loss": round(loss.item(), 3)}


def train(m, examples, fn):
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.01)
    m.train()
    for step in range(FT_STEPS):
        for g in opt.param_groups:
            g["lr"] = 1e-3 * min(1, (step + 1) / 30) * max(0.0, 1 - step / FT_STEPS)
        loss = fn(m, random.sample(examples, 32))
        loss.backward()
        opt.step()
        opt.zero_grad()
    m.eval()


def cls_task(name, evals):
    k = len(DATASETS[name]["labels"])
    m = XLMRobertaForSequenceClassification(XLMRobertaConfig(**cfg, num_labels=k)).to(dev)
    m.roberta.load_state_dict(enc_state, strict=False)
    tr = [(enc(r["text_a"], r["text_b"]), r["label"]) for r in generate(name, "en", "train")]

    def fn(m, b):
        ids, att = pad([x for x, _ in b])
        return m(
            input_ids=ids, attention_mask=att, labels=torch.tensor([y for _, y in b]).to(dev)
        ).loss

    train(m, tr, fn)
    res = {}
    with torch.no_grad():
        for split, lang in evals:
            rs = generate(name, lang, split)
            c = 0
            for i in range(0, len(rs), 100):
                b = rs[i : i + 100]
                ids, att = pad([enc(r["text_a"], r["text_b"]) for r in b])
                pred = m(input_ids=ids, attention_mask=att).logits.argmax(-1).cpu()
                c += (pred == torch.tensor([r["label"] for r in b])).sum().item()
            res[f"{split}-{lang}"] = round(c / len(rs), 3)
    return res


def copa_task():
    m = XLMRobertaForMultipleChoice(XLMRobertaConfig(**cfg)).to(dev)
    m.roberta.load_state_dict(enc_state, strict=False)

    def ex(r):
        return [enc(r["premise"], c) for c in r["choices"]]

    tr = [(ex(r), r["label"]) for r in generate("toy-xcopa", "en", "train")]

    def fn(m, b):
        ids, att = pad([x for e, _ in b for x in e])
        n = len(b)
        return m(
            input_ids=ids.view(n, 2, -1),
            attention_mask=att.view(n, 2, -1),
            labels=torch.tensor([y for _, y in b]).to(dev),
        ).loss

    train(m, tr, fn)
    res = {}
    with torch.no_grad():
        for split, lang in [("dev", "en")] + [("test", x) for x in ("xa", "xb", "xc", "xd")]:
            rs = generate("toy-xcopa", lang, split)
            ids, att = pad([x for r in rs for x in ex(r)])
            pred = m(
                input_ids=ids.view(len(rs), 2, -1), attention_mask=att.view(len(rs), 2, -1)
            ).logits.argmax(-1).cpu()
            res[f"{split}-{lang}"] = round(
                (pred == torch.tensor([r["label"] for r in rs])).float().mean().item(), 3
            )
    return res


allx = [("dev", "en")] + [("test", x) for x in LANGUAGES]
EV = {
    "toy-xnli": allx,
    "toy-pawsx": [("dev", x) for x in LANGUAGES],
    "toy-mnli": [("dev", "en")],
    "toy-qqp": [("dev", "en")],
    "toy-sst2": [("dev", "en")],
}
for t in TASKS:
    torch.manual_seed(SEED)
    random.seed(SEED)
    out[t] = copa_task() if t == "toy-xcopa" else cls_task(t, EV[t])
out["seconds"] = round(time.time() - t0, 1)
print(json.dumps(out))
path = os.environ.get("OUT")
if path:
    with open(os.path.join(path, f"probe-{CS}-{MLM_STEPS}-{SEED}.json"), "w") as f:
        json.dump(out, f)
