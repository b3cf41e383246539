"""Dataset generators: latent items (language independent) and their per-language records."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from ._rng import make_rng
from .entities import Entity, name_inventory
from .grammar import (
    NP,
    PERSON_NOUNS,
    PP,
    Clause,
    CodeSwitchRenderer,
    Genre,
    Renderer,
    Sampler,
    Sent,
    detokenize,
)
from .lexicon import (
    ADJECTIVES,
    ADPOSITIONS,
    ADVERBS,
    ANTONYMS,
    CAUSAL_LINKS,
    LANGUAGES,
    LOCATIVE,
    NOUNS,
    VERBS,
    build_family,
)

ALL = list(LANGUAGES)
NON_EN = [lang for lang in LANGUAGES if lang != "en"]
EN = ["en"]

NLI_LABELS = ["entailment", "neutral", "contradiction"]
UPOS_LABELS = [
    "ADJ",
    "ADP",
    "ADV",
    "AUX",
    "CCONJ",
    "DET",
    "NOUN",
    "NUM",
    "PART",
    "PRON",
    "PROPN",
    "PUNCT",
    "VERB",
]
NER_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
COUNTABLE = ("thing", "food", "animal")

# --------------------------------------------------------------------------------------
# Shared machinery
# --------------------------------------------------------------------------------------


class Ctx:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.fam = build_family(seed)
        self.names = name_inventory(seed)
        self.R = {lang: Renderer(self.fam[lang]) for lang in LANGUAGES}

    def sampler(self, *key: object) -> Sampler:
        return Sampler(make_rng(self.seed, *key), self.names)


@lru_cache(maxsize=16)
def context(seed: int) -> Ctx:
    return Ctx(seed)


def balanced_labels(rng, n: int, k: int) -> list[int]:
    """Labels in shuffled blocks of k: balanced (to within one) for every prefix."""
    out: list[int] = []
    while len(out) < n:
        block = list(range(k))
        rng.shuffle(block)
        out.extend(block)
    return out[:n]


def weighted(S: Sampler, options: list[tuple[str, float]]) -> str:
    r = S.rng.random() * sum(w for _, w in options)
    for name, w in options:
        r -= w
        if r < 0:
            return name
    return options[-1][0]


def targets(c: Clause, strict: bool = True) -> list[str]:
    """Question targets a clause supports; strict: the asked constituent must be a noun/name."""
    if c.copular or c.obj is None:
        return []
    ok = ("noun", "name")
    out = []
    if not strict or c.subj.kind in ok:
        out.append("subj")
    if not strict or c.obj.kind in ok:
        out.append("obj")
    if c.obj.num is not None:
        out.append("num")
    if c.pps and c.pps[0].adp in LOCATIVE and c.pps[0].np.kind in ok:
        out.append("where")
    return out


ANSWER_SPAN = {"subj": "subj", "obj": "obj", "num": "obj.num", "where": "pp0"}


def qkey(c: Clause, target: str) -> tuple | None:
    """What a question about ``c`` with ``target`` identifies (for unambiguous contexts)."""
    if c.copular or c.obj is None:
        return None
    if target == "subj":
        return ("subj", c.verb, c.obj.key())
    if target == "obj":
        return ("obj", c.subj.key(), c.verb)
    if target == "num":
        return ("num", c.subj.key(), c.verb, c.obj.key())
    return ("where", c.subj.key(), c.verb, c.obj.key())


def all_qkeys(c: Clause) -> set:
    return {k for t in ANSWER_SPAN if (k := qkey(c, t)) is not None}


# Latent sentence: ("decl", clause) | ("q", clause, target) | ("coord", clauses, conj)
Latent = tuple


def render_latent(R: Renderer, lat: Latent) -> Sent:
    if lat[0] == "decl":
        return R.clause(lat[1])
    if lat[0] == "q":
        return R.question(lat[1], lat[2])
    return R.coordination(list(lat[1]), lat[2])


SHORT = Genre(p_adj=0.3, p_num=0.2, p_pp=0.35, p_adv=0.12, p_name=0.25, p_neg=0.12)


def sample_sentence(S: Sampler, g: Genre, weights: list[tuple[str, float]]) -> Latent:
    kind = weighted(S, weights)
    if kind == "q":
        for _ in range(50):
            c = S.clause(g, neg=False)
            ts = targets(c, strict=False)
            if ts:
                return ("q", c, S.choice(ts))
    if kind == "cop":
        return ("decl", S.copular(g))
    if kind == "coord":
        g2 = replace(g, p_pp2=0.0, p_adv=g.p_adv / 2)
        return ("coord", (S.clause(g2), S.clause(g2)), S.choice(("AND", "AND", "BUT")))
    if kind == "causal":
        return ("coord", causal_pair(S), "AND")
    if kind == "desc":
        return ("decl", S.choice(S.names.entities).description())
    if kind == "mention":
        c, _ = mention_clause(S, S.choice(S.names.entities))
        return ("decl", c)
    return ("decl", S.clause(g))


def causal_pair(S: Sampler) -> tuple[Clause, Clause]:
    """World knowledge for pretraining: "X dropped the cup and X broke the cup"."""
    cause, effect, objs = S.choice(CAUSAL_LINKS)
    subj = person_np(S)
    obj = NP("noun", S.choice(objs), 0, det=S.choice(("def", "indef")))
    obj = replace(obj, var=S.nvar(obj.head))
    c1 = Clause(subj, cause, S.vvar(cause), obj)
    c2 = Clause(pronoun_for(S, subj), effect, S.vvar(effect), replace(obj, det="def"))
    return c1, c2


def person_np(S: Sampler, p_name: float = 0.35, g: Genre = SHORT) -> NP:
    if S.chance(p_name):
        return S.name_np("PER")
    return S.noun_np(S.choice(PERSON_NOUNS), replace(g, p_adj=0.25), det=S.choice(("def", "indef")))


def pronoun_for(S: Sampler, np: NP) -> NP:
    if np.is_plural:
        return NP("pron", "they", det="none")
    return NP("pron", S.choice(("he", "she")), det="none")


def ident(prefix: str, split: str, i: int) -> str:
    return f"{prefix}-{split}-{i:05d}"


# --------------------------------------------------------------------------------------
# toy-corpus (text)
# --------------------------------------------------------------------------------------

CORPUS_MIX = [
    ("decl", 0.42),
    ("q", 0.13),
    ("coord", 0.08),
    ("causal", 0.06),
    ("cop", 0.1),
    ("desc", 0.11),
    ("mention", 0.1),
]
CORPUS_GENRE = Genre(
    p_adj=0.35, p_adj2=0.15, p_num=0.2, p_pp=0.45, p_pp2=0.1, p_adv=0.15, p_coord=0.03
)
PARALLEL_EVERY = 4  # every 4th corpus sentence is a translation shared by all languages
CODE_SWITCH_RATE = 0.15  # share of the other (non-English) sentences with English loanwords
CODE_SWITCH_WORDS = 0.3  # probability that a content word of such a sentence is English


def gen_corpus(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    S_par = ctx.sampler(dataset, split, "parallel")
    S_mono = ctx.sampler(dataset, split, "mono", lang)
    R = ctx.R[lang]
    out = []
    k = 0
    for i in range(n):
        if i % PARALLEL_EVERY == 0:
            lat = sample_sentence(S_par, CORPUS_GENRE, CORPUS_MIX)
            rid = f"corpus-par-{k:05d}"
            k += 1
        else:
            lat = sample_sentence(S_mono, CORPUS_GENRE, CORPUS_MIX)
            rid = f"corpus-{lang}-{i:05d}"
            if lang == "en" and lat[0] == "decl" and S_mono.chance(0.06):
                lat = ("decl", replace(lat[1], passive=True))
            if lang != "en" and S_mono.chance(CODE_SWITCH_RATE):
                cs = CodeSwitchRenderer(R.lex, S_mono.rng, CODE_SWITCH_WORDS)
                out.append({"id": rid, "text": render_latent(cs, lat).text()})
                continue
        out.append({"id": rid, "text": render_latent(R, lat).text()})
    return out


# --------------------------------------------------------------------------------------
# NLI (toy-xnli, toy-mnli)
# --------------------------------------------------------------------------------------

XNLI_GENRE = Genre(
    p_adj=0.35, p_adj2=0.1, p_num=0.25, p_pp=0.45, p_pp2=0.05, p_adv=0.15, p_name=0.25, p_neg=0.0
)
MNLI_GENRE = Genre(
    p_adj=0.5,
    p_adj2=0.3,
    p_num=0.3,
    p_pp=0.8,
    p_pp2=0.5,
    p_adv=0.35,
    p_name=0.35,
    p_neg=0.0,
    p_coord=0.15,
    p_front=0.2,
    p_obj_name=0.2,
)


def nli_mods(c: Clause) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if c.subj.kind == "noun":
        out += [("sadj", i) for i in range(len(c.subj.adjs))]
    if c.obj is not None and c.obj.kind == "noun":
        out += [("oadj", i) for i in range(len(c.obj.adjs))]
        if c.obj.num is not None:
            out.append(("onum", 0))
    out += [("pp", i) for i in range(len(c.pps))]
    if c.adv:
        out.append(("adv", 0))
    return out


def nli_drop(c: Clause, drop) -> Clause:
    drop = set(drop)
    subj, obj = c.subj, c.obj
    if subj.kind == "noun":
        subj = replace(
            subj, adjs=tuple(a for i, a in enumerate(subj.adjs) if ("sadj", i) not in drop)
        )
    if obj is not None and obj.kind == "noun":
        obj = replace(obj, adjs=tuple(a for i, a in enumerate(obj.adjs) if ("oadj", i) not in drop))
        if ("onum", 0) in drop:
            obj = replace(obj, num=None, plural=True, det="def")
    pps = tuple(p for i, p in enumerate(c.pps) if ("pp", i) not in drop)
    adv = None if ("adv", 0) in drop else c.adv
    return replace(c, subj=subj, obj=obj, pps=pps, adv=adv)


def nli_add(S: Sampler, c: Clause, g: Genre) -> Clause | None:
    """Add one modifier the clause does not have (None if impossible)."""
    options = []
    if c.subj.kind == "noun" and len(c.subj.adjs) < 2:
        options.append("sadj")
    obj = c.obj
    if obj is not None and obj.kind == "noun":
        if len(obj.adjs) < 2:
            options.append("oadj")
        if obj.num is None and obj.is_plural and NOUNS[obj.head].cls in COUNTABLE:
            options.append("onum")
    if len(c.pps) < 2:
        options.append("pp")
    if c.adv is None:
        options.append("adv")
    if not options:
        return None
    o = S.choice(options)
    if o == "sadj":
        new = S.adjs_for(c.subj.head, 1, exclude=tuple(a for a, _ in c.subj.adjs))
        return replace(c, subj=replace(c.subj, adjs=c.subj.adjs + new))
    assert obj is not None or o in ("pp", "adv")
    if o == "oadj":
        new = S.adjs_for(obj.head, 1, exclude=tuple(a for a, _ in obj.adjs))
        return replace(c, obj=replace(obj, adjs=new + obj.adjs))
    if o == "onum":
        return replace(c, obj=replace(obj, num=S.rng.randint(2, 12), plural=False, det="def"))
    if o == "pp":
        used = {p.adp for p in c.pps}
        adp = S.choice([a for a in ADPOSITIONS if a not in used])
        return replace(c, pps=c.pps + (S.pp(g, adp),))
    return replace(c, adv=S.choice(ADVERBS))


def nli_random_drop(S: Sampler, c: Clause, max_k: int, min_k: int = 0) -> Clause:
    mods = nli_mods(c)
    hi = min(max_k, len(mods))
    k = S.rng.randint(min(min_k, hi), hi)
    chosen = []
    pool = list(mods)
    for _ in range(k):
        m = S.choice(pool)
        pool.remove(m)
        chosen.append(m)
    return nli_drop(c, chosen)


def antonym_ok(c: Clause) -> bool:
    ant = ANTONYMS.get(c.verb)
    if ant is None or c.obj is None:
        return False
    vb = VERBS[ant]
    if c.obj.kind == "noun":
        return c.obj.head in vb.objects
    return c.obj.kind == "name" and c.obj.etype in vb.obj_names


def nli_hypothesis(S: Sampler, p: Clause, label: int, g: Genre) -> Clause | None:
    """Hypothesis for premise clause ``p`` with label 0 entailment, 1 neutral, 2 contradiction
    (None if ``p`` does not allow it).

    Monotonicity is respected: a positive premise entails its weakenings (dropped modifiers)
    and is contradicted by their negation or by the antonym verb; a negated premise entails its
    strengthenings (added modifiers) and is contradicted by un-negating it (plus modifiers);
    neutral hypotheses add information (or, for negated premises, drop modifiers)."""
    if not p.neg:
        if label == 0:
            return nli_random_drop(S, p, 2)
        if label == 2:
            h = nli_random_drop(S, p, 1)
            if antonym_ok(h) and S.chance(0.5):
                ant = ANTONYMS[h.verb]
                return replace(h, verb=ant, vvar=S.vvar(ant))
            return replace(h, neg=True)
        h = nli_add(S, nli_random_drop(S, p, 1), g)
        if h is not None and S.chance(0.15):
            h = replace(h, neg=True)
        return h
    # negated premise
    if label == 0:
        h = nli_add(S, p, g) if S.chance(0.6) else p
        return h
    if label == 2:
        h = nli_add(S, p, g) if S.chance(0.4) else p
        return replace(h, neg=False) if h is not None else None
    if not nli_mods(p):
        return None
    h = nli_random_drop(S, p, 2, min_k=1)
    if S.chance(0.3):
        h = nli_add(S, h, g)
    return h


def nli_latent(ctx: Ctx, dataset: str, split: str, n: int, mnli: bool) -> list:
    S = ctx.sampler(dataset, split)
    labels = balanced_labels(make_rng(ctx.seed, dataset, split, "labels"), n, 3)
    g = MNLI_GENRE if mnli else XNLI_GENRE
    items = []
    for label in labels:
        for _ in range(200):
            p = S.clause(g, neg=False)
            if S.chance(0.2):
                p = replace(p, neg=True)
            h = nli_hypothesis(S, p, label, g)
            if h is not None:
                break
        assert h is not None
        h = S.resyn(h)
        premise: tuple[Clause, ...] = (p,)
        if mnli and S.chance(0.3):
            other = S.clause(replace(g, p_pp2=0.0, p_adj2=0.0), neg=S.chance(0.2))
            premise = (p, other) if S.chance(0.5) else (other, p)
        items.append((premise, h, label))
    return items


def gen_nli(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    out = []
    prefix = dataset.removeprefix("toy-")
    for i, (premise, h, label) in enumerate(cached_latent(ctx.seed, dataset, split, n)):
        if len(premise) == 1:
            a = R.clause(premise[0]).text()
        else:
            a = R.coordination(list(premise)).text()
        out.append(
            {
                "id": ident(prefix, split, i),
                "text_a": a,
                "text_b": R.clause(h).text(),
                "label": label,
            }
        )
    return out


# --------------------------------------------------------------------------------------
# toy-qqp, toy-sst2, toy-pawsx (English / multilingual sentence-pair & sentence tasks)
# --------------------------------------------------------------------------------------

QQP_GENRE = Genre(p_adj=0.35, p_num=0.3, p_pp=0.45, p_adv=0.2, p_name=0.3, p_neg=0.1, p_pron=0.0)


def minimal_change(S: Sampler, c: Clause, t: str | None) -> tuple[Clause, str | None] | None:
    """A visible change of one participant, the verb, a number or an adjective (questions:
    never of the constituent the question asks about, which the question does not show)."""
    obj = c.obj
    assert obj is not None
    subj_visible = t != "subj"
    obj_visible = t not in ("obj", "num")
    opts = ["verb"]
    if subj_visible:
        opts.append("subj")
    if obj_visible:
        opts.append("obj")
    if obj.num is not None and obj_visible:
        opts.append("num")
    if (obj.adjs and obj_visible) or (c.subj.adjs and subj_visible):
        opts.append("adj")
    if t is not None:
        opts.append("target")
    o = S.choice(opts)
    if o == "obj":
        if obj.kind == "name":
            for _ in range(10):
                new = S.name_np(obj.etype or "PER")
                if new.head != obj.head:
                    return replace(c, obj=new), t
            return None
        cands = [x for x in VERBS[c.verb].objects if x != obj.head]
        same = [x for x in cands if NOUNS[x].cls == NOUNS[obj.head].cls] or cands
        nid = S.choice(same)
        return replace(c, obj=replace(obj, head=nid, var=S.nvar(nid), adjs=())), t
    if o == "subj":
        for _ in range(10):
            new = person_np(S)
            if new.key() != c.subj.key():
                return replace(c, subj=new), t
        return None
    if o == "verb":
        if obj.kind == "noun":
            verbs = [v for v in VERBS.values() if obj.head in v.objects and v.id != c.verb]
        else:
            verbs = [v for v in VERBS.values() if obj.etype in v.obj_names and v.id != c.verb]
        if not verbs:
            return None
        v = S.choice(verbs)
        return replace(c, verb=v.id, vvar=S.vvar(v.id)), t
    if o == "num":
        new = S.choice([k for k in range(2, 13) if k != obj.num])
        return replace(c, obj=replace(obj, num=new)), t
    if o == "adj":
        cands = [x for x, np in (("obj", obj), ("subj", c.subj)) if np.adjs]
        cands = [x for x in cands if (subj_visible if x == "subj" else obj_visible)]
        np_name = S.choice(cands)
        np = obj if np_name == "obj" else c.subj
        old = np.adjs[0][0]
        new_adj = S.adjs_for(np.head, 1, exclude=tuple(a for a, _ in np.adjs))
        np = replace(np, adjs=new_adj + np.adjs[1:])
        assert new_adj[0][0] != old
        return replace(c, **{np_name: np}), t
    ts = [x for x in targets(c, strict=False) if x != t]
    if not ts:
        return None
    return c, S.choice(ts)


def related_item(S: Sampler, c: Clause, t: str | None) -> tuple[Clause, str | None] | None:
    """Another question / statement about one of the same participants (not a duplicate)."""
    neg = False if t else None
    obj = c.obj
    assert obj is not None
    if S.chance(0.6):
        d = replace(S.clause(QQP_GENRE, neg=neg), subj=c.subj)
    else:
        verbs = [
            v.id
            for v in VERBS.values()
            if (obj.head in v.objects if obj.kind == "noun" else obj.etype in v.obj_names)
        ]
        if not verbs:
            return None
        d = replace(S.clause(QQP_GENRE, verb=S.choice(verbs), neg=neg), obj=obj)
    if d.verb == c.verb:
        return None
    if t is None:
        return d, None
    ts = targets(d, strict=False)
    return (d, S.choice(ts)) if ts else None


def qqp_latent(ctx: Ctx, dataset: str, split: str, n: int) -> list:
    """Duplicates: the same latent question/statement with synonyms, fronting or passive.
    Non-duplicates: a visible minimal change (40%) or a related item about a shared
    participant (60%).  Half of the pairs get independently resampled synonyms."""
    S = ctx.sampler(dataset, split)
    labels = balanced_labels(make_rng(ctx.seed, dataset, split, "labels"), n, 2)
    items = []
    for label in labels:
        while True:
            question = S.chance(0.65)
            c = S.clause(QQP_GENRE, neg=False if question else None)
            t = None
            if question:
                ts = targets(c, strict=False)
                if not ts:
                    continue
                t = S.choice(ts)
            if label == 1:
                res: tuple[Clause, str | None] | None = (c, t)
            elif S.chance(0.4):
                res = minimal_change(S, c, t)
            else:
                res = related_item(S, c, t)
            if res is None:
                continue
            c2, t2 = res
            if not question:
                if S.chance(0.3):
                    c2 = replace(c2, passive=not c2.passive)
                if (c2.pps or c2.adv) and S.chance(0.3):
                    c2 = replace(c2, front=not c2.front)
            a, b = c, c2
            if S.chance(0.5):
                a, b = S.resyn(a), S.resyn(b)
            if S.chance(0.5):
                a, b, t, t2 = b, a, t2, t
            items.append(((a, t), (b, t2), label))
            break
    return items


def gen_qqp(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    out = []
    for i, ((a, ta), (b, tb), label) in enumerate(cached_latent(ctx.seed, dataset, split, n)):
        sa = R.question(a, ta) if ta else R.clause(a)
        sb = R.question(b, tb) if tb else R.clause(b)
        out.append(
            {"id": ident("qqp", split, i), "text_a": sa.text(), "text_b": sb.text(), "label": label}
        )
    return out


SST_GENRE = Genre(p_adj=0.3, p_num=0.1, p_pp=0.3, p_adv=0.15, p_name=0.2, p_pron=0.1)
POS_ADJ = [a for a in ADJECTIVES.values() if a.sentiment > 0]
NEG_ADJ = [a for a in ADJECTIVES.values() if a.sentiment < 0]
NEUTRAL_ADJ_IDS = tuple(a.id for a in ADJECTIVES.values() if a.sentiment == 0)
SENTIMENT_ADJ_IDS = tuple(a.id for a in ADJECTIVES.values() if a.sentiment != 0)
NEUTRAL_VERBS = tuple(v.id for v in VERBS.values() if v.sentiment == 0)
EVAL_NOUNS = (
    "film",
    "book",
    "song",
    "picture",
    "cake",
    "pie",
    "house",
    "car",
)


def _neutral_adjs(S: Sampler, nid: str, p: float) -> tuple:
    if not S.chance(p):
        return ()
    return S.adjs_for(nid, 1, exclude=SENTIMENT_ADJ_IDS)


def sst2_clause(S: Sampler, s: int, things: list[str]) -> Clause:
    """A clause of polarity ``s`` (+1/-1) from one of three templates."""
    t = S.rng.random()
    if t < 0.4:  # copular: "the film was not good ."
        neg = S.chance(0.4)
        w = -s if neg else s
        nid = S.choice(things + list(PERSON_NOUNS[:6]))
        cands = [a for a in (POS_ADJ if w > 0 else NEG_ADJ) if a.fits(NOUNS[nid])]
        adj = S.choice(cands)
        subj = NP("noun", nid, S.nvar(nid), _neutral_adjs(S, nid, 0.3), S.choice(("def", "dem")))
        return Clause(
            subj,
            "_cop",
            pred_adj=(adj.id, S.rng.randrange(len(adj.forms))),
            neg=neg,
            tense=S.choice(("pres", "past")),
        )
    if t < 0.75:  # sentiment verb: "the farmer did not love the old song ."
        neg = S.chance(0.4)
        w = -s if neg else s
        verb = S.choice([v.id for v in VERBS.values() if v.sentiment == w])
        c = S.clause(replace(SST_GENRE, p_adj=0.0, p_num=0.0), verb=verb, neg=neg)
        if c.obj is not None and c.obj.kind == "noun":
            c = replace(c, obj=replace(c.obj, adjs=_neutral_adjs(S, c.obj.head, 0.3)))
        if c.subj.kind == "noun":
            c = replace(c, subj=replace(c.subj, adjs=_neutral_adjs(S, c.subj.head, 0.2)))
        return c
    # neutral verb, evaluative adjective: "Anna bought a terrible car in Lumen ."
    while True:
        verb = S.choice(NEUTRAL_VERBS)
        c = S.clause(replace(SST_GENRE, p_adj=0.0, p_obj_name=0.0), verb=verb, neg=False)
        if c.obj is not None and c.obj.kind == "noun":
            break
    obj = c.obj
    cands = [a for a in (POS_ADJ if s > 0 else NEG_ADJ) if a.fits(NOUNS[obj.head])]
    adj = S.choice(cands)
    adjs = ((adj.id, S.rng.randrange(len(adj.forms))),) + _neutral_adjs(S, obj.head, 0.3)
    c = replace(c, obj=replace(obj, adjs=adjs))
    if c.subj.kind == "noun":
        c = replace(c, subj=replace(c.subj, adjs=_neutral_adjs(S, c.subj.head, 0.2)))
    return c


def sst2_latent(ctx: Ctx, dataset: str, split: str, n: int) -> list:
    """Latent items (clauses, label); two clauses = "A , but B ." where B decides."""
    S = ctx.sampler(dataset, split)
    labels = balanced_labels(make_rng(ctx.seed, dataset, split, "labels"), n, 2)
    things = [x for x in EVAL_NOUNS if x in NOUNS]
    items = []
    for label in labels:
        s = 1 if label == 1 else -1
        if S.chance(0.25):
            first = sst2_clause(S, -s, things)
            clauses: tuple[Clause, ...] = (replace(first, adv=None), sst2_clause(S, s, things))
        else:
            clauses = (sst2_clause(S, s, things),)
        items.append((clauses, label))
    return items


def gen_sst2(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    return [
        {
            "id": ident("sst2", split, i),
            "text_a": (R.clause(cs[0]) if len(cs) == 1 else R.coordination(list(cs), "BUT")).text(),
            "text_b": "",
            "label": label,
        }
        for i, (cs, label) in enumerate(cached_latent(ctx.seed, dataset, split, n))
    ]


PAWS_GENRE = Genre(p_adj=0.3, p_num=0.15, p_pp=0.5, p_adv=0.2, p_name=0.3, p_pron=0.0, p_neg=0.1)
PERSON_VERBS = ("see", "find", "help", "call", "visit", "watch", "love", "like", "dislike", "hate")


def _animate_np(S: Sampler, avoid: tuple = ()) -> NP:
    while True:
        np = person_np(S, 0.4, PAWS_GENRE)
        np = replace(np, plural=False) if np.kind == "noun" and S.chance(0.7) else np
        if np.key() not in avoid:
            return np


def _place_np(S: Sampler, avoid: tuple = ()) -> NP:
    while True:
        pp = S.pp(PAWS_GENRE, "from", name_p=0.6)
        if pp.np.key() not in avoid:
            return pp.np


def paws_base(S: Sampler) -> Clause:
    """The clause every pair kind starts from (so that the kinds share their surface)."""
    g = PAWS_GENRE
    r = S.rng.random()
    if r < 0.45:
        subj = _animate_np(S)
        obj = _animate_np(S, avoid=(subj.key(),))
        c = replace(S.clause(replace(g, p_pp=0.0), verb=S.choice(PERSON_VERBS)), subj=subj, obj=obj)
    else:
        c = S.clause(replace(g, p_pp=0.0))
    if S.chance(0.12):
        a = _animate_np(S, avoid=(c.obj.key(),) if c.obj is not None else ())
        b = _animate_np(S, avoid=(a.key(),) + ((c.obj.key(),) if c.obj is not None else ()))
        c = replace(c, subj=NP("coord", parts=(a, b)))
    obj = c.obj
    assert obj is not None
    if c.subj.kind == "noun" and obj.kind == "noun" and S.chance(0.45):
        sn, on = NOUNS[c.subj.head], NOUNS[obj.head]
        both = [a for a in ADJECTIVES.values() if a.fits(sn) and a.fits(on)]
        a1 = S.choice(both)
        a2 = S.choice([a for a in both if a.id != a1.id])
        c = replace(
            c, subj=replace(c.subj, adjs=((a1.id, 0),)), obj=replace(obj, adjs=((a2.id, 0),))
        )
    r = S.rng.random()
    if r < 0.3:
        x = _place_np(S)
        c = replace(c, pps=(PP("from", x), PP("to", _place_np(S, avoid=(x.key(),)))))
    elif r < 0.5:
        adps = [a for a in ADPOSITIONS if a not in ("from", "to")]
        a1 = S.choice(adps)
        a2 = S.choice([a for a in adps if a != a1])
        c = replace(c, pps=(S.pp(g, a1), S.pp(g, a2)))
    elif r < 0.8:
        c = replace(c, pps=(S.pp(g),))
    return c


PAWS_NEG = [("so", 0.5), ("adj", 0.25), ("fromto", 0.25)]
PAWS_POS = [("syn", 0.3), ("front", 0.25), ("coord", 0.15), ("pporder", 0.3)]
_SWAPPABLE = ("noun", "name")


def paws_transform(S: Sampler, c: Clause, kind: str) -> Clause | None:
    """Second sentence of a pair of ``kind`` (None if ``c`` does not allow it)."""
    obj = c.obj
    assert obj is not None
    if kind == "so":  # swap subject and object: not a paraphrase
        if c.subj.kind not in _SWAPPABLE or obj.kind not in _SWAPPABLE:
            return None
        if not (c.subj.animate and obj.animate):
            return None
        return replace(c, subj=obj, obj=c.subj)
    if kind == "adj":  # swap the adjectives of subject and object: not a paraphrase
        if c.subj.kind != "noun" or obj.kind != "noun" or len(c.subj.adjs) != 1:
            return None
        if len(obj.adjs) != 1 or c.subj.adjs == obj.adjs:
            return None
        return replace(c, subj=replace(c.subj, adjs=obj.adjs), obj=replace(obj, adjs=c.subj.adjs))
    if kind == "fromto":  # swap source and goal: not a paraphrase
        if [p.adp for p in c.pps] != ["from", "to"]:
            return None
        return replace(c, pps=(PP("from", c.pps[1].np), PP("to", c.pps[0].np)))
    if kind == "syn":
        c2 = S.resyn(c)
        return c2 if c2 != c else None
    if kind == "front":
        return replace(c, front=not c.front) if (c.pps or c.adv) else None
    if kind == "coord":
        if c.subj.kind != "coord":
            return None
        return replace(c, subj=replace(c.subj, parts=c.subj.parts[::-1]))
    # "pporder": the two PPs in the other order (incl. "to Y from X")
    return replace(c, pps=c.pps[::-1]) if len(c.pps) == 2 else None


def paws_pair(S: Sampler, label: int) -> tuple[Clause, Clause]:
    kind = weighted(S, PAWS_NEG if label == 0 else PAWS_POS)
    while True:
        c = paws_base(S)
        c2 = paws_transform(S, c, kind)
        if c2 is not None:
            break
    if kind != "front" and (c.pps or c.adv) and S.chance(0.25):
        c2 = replace(c2, front=not c2.front)
    if kind != "syn" and S.chance(0.3):
        c2 = S.resyn(c2)
    if S.chance(0.5):
        c, c2 = c2, c
    return c, c2


def paws_latent(ctx: Ctx, dataset: str, split: str, n: int) -> list:
    S = ctx.sampler(dataset, split)
    labels = balanced_labels(make_rng(ctx.seed, dataset, split, "labels"), n, 2)
    return [(paws_pair(S, label), label) for label in labels]


def gen_paws(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    return [
        {
            "id": ident("pawsx", split, i),
            "text_a": R.clause(a).text(),
            "text_b": R.clause(b).text(),
            "label": label,
        }
        for i, ((a, b), label) in enumerate(cached_latent(ctx.seed, dataset, split, n))
    ]


# --------------------------------------------------------------------------------------
# toy-xcopa (multiple choice)
# --------------------------------------------------------------------------------------

CAUSES = tuple(dict.fromkeys(c for c, _, _ in CAUSAL_LINKS))
EFFECTS = tuple(dict.fromkeys(e for _, e, _ in CAUSAL_LINKS))


def _copa_rivals(question: str, cause: str, effect: str, oid: str) -> list[str]:
    """Wrong answers for a premise that are right answers for the same object elsewhere."""
    if question == "effect":
        linked = {e for c, e, _ in CAUSAL_LINKS if c == cause}
        return sorted(
            {e for c, e, objs in CAUSAL_LINKS if oid in objs and e not in linked and e != cause}
        )
    linked = {c for c, e, _ in CAUSAL_LINKS if e == effect}
    return sorted(
        {c for c, e, objs in CAUSAL_LINKS if oid in objs and c not in linked and c != effect}
    )


# (cause, effect, object, rivals) per question type, only where a rival exists: then every
# wrong choice is a right choice elsewhere and the choices alone carry little signal
COPA_TRIPLES: dict[str, list[tuple[str, str, str, list[str]]]] = {
    q: [
        (c, e, o, r) for c, e, objs in CAUSAL_LINKS for o in objs if (r := _copa_rivals(q, c, e, o))
    ]
    for q in ("cause", "effect")
}


def copa_latent(ctx: Ctx, dataset: str, split: str, n: int) -> list:
    S = ctx.sampler(dataset, split)
    labels = balanced_labels(make_rng(ctx.seed, dataset, split, "labels"), n, 2)
    qtypes = balanced_labels(make_rng(ctx.seed, dataset, split, "qtypes"), n, 2)
    g = Genre(p_adj=0.3, p_pp=0.3, p_adv=0.2)
    items = []
    for label, qt in zip(labels, qtypes, strict=True):
        question = ("cause", "effect")[qt]
        cause, effect, oid, rivals = S.choice(COPA_TRIPLES[question])
        if question == "effect":
            prem_v, corr = cause, effect
        else:
            prem_v, corr = effect, cause
        distractor = S.choice(rivals)
        subj = person_np(S, 0.4)
        obj = NP("noun", oid, S.nvar(oid), S.adjs_for(oid, 1) if S.chance(0.3) else (), "indef")
        if S.chance(0.2):
            obj = replace(obj, det="def")
        pps = (S.pp(g),) if S.chance(0.3) else ()
        adv = S.choice(ADVERBS) if S.chance(0.2) else None
        premise = Clause(subj, prem_v, S.vvar(prem_v), obj, pps=pps, adv=adv)
        if subj.kind == "noun" and S.chance(0.6):
            csubj = replace(subj, det="def", adjs=())
        elif S.chance(0.6):
            csubj = pronoun_for(S, subj)
        else:
            csubj = subj
        cobj = replace(obj, det="def", adjs=())
        right = Clause(csubj, corr, S.vvar(corr), cobj)
        wrong = Clause(csubj, distractor, S.vvar(distractor), cobj)
        choices = (right, wrong) if label == 0 else (wrong, right)
        items.append((premise, question, choices, label))
    return items


def gen_copa(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    out = []
    for i, (premise, question, choices, label) in enumerate(
        cached_latent(ctx.seed, dataset, split, n)
    ):
        out.append(
            {
                "id": ident("xcopa", split, i),
                "premise": R.clause(premise).text(),
                "question": question,
                "choices": [R.clause(c).text() for c in choices],
                "label": label,
            }
        )
    return out


# --------------------------------------------------------------------------------------
# Tagging (toy-udpos, toy-panx)
# --------------------------------------------------------------------------------------

POS_MIX = [("decl", 0.55), ("q", 0.15), ("cop", 0.15), ("coord", 0.15)]
POS_GENRE = Genre(p_adj=0.4, p_adj2=0.15, p_num=0.25, p_pp=0.5, p_pp2=0.15, p_adv=0.2, p_coord=0.05)
LONG_EVERY = 20  # every 20th sentence is a long (25-40 token) conjunction of clauses


def long_sentence(ctx: Ctx, S: Sampler) -> Latent:
    g = replace(POS_GENRE, p_pp2=0.0)
    while True:
        k = S.rng.randint(3, 4)
        lat = ("coord", tuple(S.clause(g) for _ in range(k)), S.choice(("AND", "BUT")))
        lens = [len(render_latent(ctx.R[lang], lat)) for lang in LANGUAGES]
        if min(lens) >= 25 and max(lens) <= 40:
            return lat


def pos_latent(ctx: Ctx, dataset: str, split: str, n: int) -> list:
    S = ctx.sampler(dataset, split)
    return [
        long_sentence(ctx, S)
        if i % LONG_EVERY == LONG_EVERY // 2
        else sample_sentence(S, POS_GENRE, POS_MIX)
        for i in range(n)
    ]


PANX_GENRE = Genre(
    p_adj=0.3, p_num=0.15, p_pp=0.6, p_adv=0.1, p_name=0.55, p_pron=0.05, p_org=0.3, p_obj_name=0.4
)


def panx_latent(ctx: Ctx, dataset: str, split: str, n: int) -> list:
    S = ctx.sampler(dataset, split)
    ents = ctx.names.entities
    items: list[Latent] = []
    for _ in range(n):
        r = S.rng.random()
        if r < 0.12:
            items.append(("decl", S.choice(ents).description()))
        elif r < 0.22:
            c, _ = mention_clause(S, S.choice(ents))
            items.append(("decl", c))
        else:
            c = S.clause(PANX_GENRE)
            if S.chance(0.5):
                c = replace(c, pps=(S.locative_pp(PANX_GENRE, name_p=0.75),) + c.pps[1:])
            items.append(("decl", c))
    return items


def gen_tagging(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    pos = dataset == "toy-udpos"
    out = []
    for i, lat in enumerate(cached_latent(ctx.seed, dataset, split, n)):
        s = render_latent(R, lat)
        out.append(
            {
                "id": ident("udpos" if pos else "panx", split, i),
                "tokens": list(s.toks),
                "tags": list(s.upos if pos else s.ner),
            }
        )
    return out


# --------------------------------------------------------------------------------------
# QA (toy-xquad, toy-squad) and toy-lareqa
# --------------------------------------------------------------------------------------

XQUAD_GENRE = Genre(p_adj=0.35, p_num=0.35, p_pp=0.4, p_adv=0.1, p_name=0.4, p_pron=0.0, p_neg=0.1)
SQUAD_GENRE = Genre(
    p_adj=0.45,
    p_adj2=0.2,
    p_num=0.25,
    p_pp=0.75,
    p_pp2=0.3,
    p_adv=0.3,
    p_name=0.5,
    p_pron=0.0,
    p_neg=0.1,
    p_obj_name=0.25,
)


@dataclass(frozen=True)
class QAItem:
    sents: tuple[Clause, ...]
    ans: int  # index of the answer sentence
    target: str
    question: Clause
    title: str  # a place name


def answer_clause(S: Sampler, g: Genre, target: str) -> Clause:
    while True:
        c = S.clause(g, neg=False)
        assert c.obj is not None
        if target == "num":
            if c.obj.kind != "noun" or NOUNS[c.obj.head].cls not in COUNTABLE:
                continue
            if c.obj.num is None:
                c = replace(c, obj=replace(c.obj, num=S.rng.randint(2, 12), plural=False))
        if target == "where":
            c = replace(c, pps=(S.locative_pp(g),) + c.pps[1:])
        if target in targets(c, strict=True):
            return replace(c, front=False)


def question_clause(S: Sampler, c: Clause, target: str) -> Clause:
    q = S.resyn(c) if S.chance(0.5) else c
    keep = [p for i, p in enumerate(q.pps) if (i == 0 and target == "where") or S.chance(0.5)]
    return replace(q, pps=tuple(keep), adv=q.adv if S.chance(0.5) else None)


def qa_item(S: Sampler, g: Genre, squad: bool) -> QAItem:
    if squad:
        target = weighted(S, [("subj", 0.3), ("obj", 0.3), ("num", 0.15), ("where", 0.25)])
        n = S.rng.randint(3, 5)
    else:
        target = weighted(S, [("subj", 0.35), ("obj", 0.35), ("num", 0.3)])
        n = S.rng.randint(2, 4)
    ans = answer_clause(S, g, target)
    key = qkey(ans, target)
    title = S.names.sample(S.rng, "LOC")
    sents: list[Clause] = []
    for _ in range(n - 1):
        while True:
            r = S.rng.random()
            if squad and r < 0.15:
                d = S.copular(g)
            elif r < 0.45:  # same subject, another event
                d = replace(S.clause(g), subj=S.resyn_np(ans.subj))
            elif r < 0.65:  # same verb, other participants
                d = S.clause(g, verb=ans.verb)
            else:
                d = S.clause(g)
            if qkey(d, target) != key:
                break
        sents.append(d)
    title_np = NP("name", title, etype="LOC", det="none")
    sents = [
        replace(d, pps=(PP("in", title_np),)) if not d.pps and S.chance(0.3) else d for d in sents
    ]
    pos = S.rng.randrange(n)
    sents.insert(pos, ans)
    return QAItem(tuple(sents), pos, target, question_clause(S, ans, target), title)


def qa_latent(ctx: Ctx, dataset: str, split: str, n: int) -> list:
    S = ctx.sampler(dataset, split)
    squad = dataset == "toy-squad"
    g = SQUAD_GENRE if squad else XQUAD_GENRE
    return [qa_item(S, g, squad) for _ in range(n)]


def gen_qa(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    prefix = dataset.removeprefix("toy-")
    out = []
    for i, item in enumerate(cached_latent(ctx.seed, dataset, split, n)):
        texts, starts, pos = [], [], 0
        ans_sent = None
        for j, c in enumerate(item.sents):
            s = R.clause(c)
            t = s.text()
            texts.append(t)
            starts.append(pos)
            pos += len(t) + 1
            if j == item.ans:
                ans_sent = s
        assert ans_sent is not None
        context = " ".join(texts)
        a, b = ans_sent.spans[ANSWER_SPAN[item.target]]
        _, offs = detokenize(ans_sent.toks)
        start = starts[item.ans] + offs[a][0]
        end = starts[item.ans] + offs[b - 1][1]
        out.append(
            {
                "id": ident(prefix, split, i),
                "title": R.lex.place(item.title),
                "context": context,
                "question": R.question(item.question, item.target).text(),
                "answers": {"text": [context[start:end]], "answer_start": [start]},
            }
        )
    return out


def lareqa_latent(ctx: Ctx, dataset: str, split: str, n: int) -> list:
    """(answer clause, question clause, target) with questions unambiguous within the pool."""
    S = ctx.sampler(dataset, split)
    ans_keys: set = set()
    q_keys: set = set()
    items = []
    while len(items) < n:
        target = weighted(S, [("subj", 0.3), ("obj", 0.3), ("num", 0.2), ("where", 0.2)])
        ans = answer_clause(S, XQUAD_GENRE, target)
        key = qkey(ans, target)
        keys = all_qkeys(ans)
        if key in ans_keys or keys & q_keys:
            continue
        ans_keys |= keys
        q_keys.add(key)
        items.append((ans, question_clause(S, ans, target), target))
    return items


# --------------------------------------------------------------------------------------
# Retrieval (toy-tatoeba, toy-lareqa, toy-mewsli)
# --------------------------------------------------------------------------------------

TATOEBA_MIX = [("decl", 0.7), ("q", 0.15), ("cop", 0.15)]


@lru_cache(maxsize=32)
def tatoeba_latent(seed: int, dataset: str, split: str, lang: str, n: int) -> tuple:
    ctx = context(seed)
    S = ctx.sampler(dataset, split, lang)
    seen: set[str] = set()
    items = []
    while len(items) < n:
        lat = sample_sentence(S, SHORT, TATOEBA_MIX)
        en = render_latent(ctx.R["en"], lat).text()
        if en in seen:
            continue
        seen.add(en)
        items.append(lat)
    return tuple(items)


def gen_tatoeba(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    out = []
    for i, lat in enumerate(tatoeba_latent(ctx.seed, dataset, split, lang, n)):
        rid = f"tatoeba-{split}-{lang}-{i:05d}"
        out.append({"id": rid, "query": render_latent(R, lat).text(), "gold": [rid]})
    return out


def cand_tatoeba(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R["en"]
    return [
        {"id": f"tatoeba-{split}-{lang}-{i:05d}", "text": render_latent(R, lat).text()}
        for i, lat in enumerate(tatoeba_latent(ctx.seed, dataset, split, lang, n))
    ]


def gen_lareqa(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    out = []
    langs = _REGISTRY[dataset]["splits"][split]
    for i, (ans, q, target) in enumerate(cached_latent(ctx.seed, dataset, split, n)):
        qid = ident("lareqa", split, i)
        query = R.question(q, target).text()
        if split == "train":
            out.append({"id": qid, "query": query, "positive": R.clause(ans).text()})
        else:
            out.append({"id": qid, "query": query, "gold": [f"{qid}-{x}" for x in langs]})
    return out


def cand_lareqa(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    return [
        {"id": f"{ident('lareqa', split, i)}-{lang}", "text": R.clause(ans).text()}
        for i, (ans, _q, _t) in enumerate(cached_latent(ctx.seed, dataset, split, n))
    ]


# Entity-typical events (mention contexts correlate with the entity descriptions)
PROF_ACTIONS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "farmer": [("sell", ("apple", "egg", "potato", "orange")), ("wash", ("horse", "dog"))],
    "teacher": [("read", ("book", "letter", "newspaper")), ("help", ("student", "child"))],
    "doctor": [("help", ("child", "nurse", "student")), ("visit", ("hospital",))],
    "student": [("read", ("book", "map")), ("visit", ("school",)), ("write", ("letter",))],
    "baker": [("sell", ("cake", "pie", "cookie")), ("cook", ("cake", "pie", "cookie"))],
    "sailor": [("fix", ("boat",)), ("build", ("boat",)), ("catch", ("fish",))],
    "artist": [("paint", ("picture", "house", "bridge")), ("sell", ("picture",))],
    "driver": [("fix", ("car",)), ("wash", ("car",)), ("take", ("ticket", "bag"))],
    "singer": [("write", ("song",)), ("enjoy", ("song",))],
    "writer": [("write", ("book", "letter")), ("read", ("book", "newspaper"))],
    "nurse": [
        ("help", ("doctor", "child")),
        ("visit", ("hospital",)),
        ("carry", ("bottle", "bag")),
    ],
    "soldier": [("carry", ("bag", "map")), ("visit", ("station",)), ("see", ("bridge", "road"))],
}
ORG_ACTIONS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "bank": [("lose", ("coin",)), ("keep", ("coin", "ring")), ("send", ("letter",))],
    "factory": [("build", ("car", "boat", "computer", "phone")), ("sell", ("car", "computer"))],
    "hospital": [("help", ("child", "doctor", "nurse"))],
    "newspaper": [("send", ("newspaper", "letter")), ("sell", ("newspaper",))],
    "school": [("help", ("student", "child")), ("buy", ("book", "map"))],
    "shop": [("sell", ("shirt", "bag", "apple", "cake", "phone")), ("buy", ("apple", "egg"))],
}
PLACE_ACTIONS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "city": [("buy", ("phone", "shirt", "ticket", "computer")), ("visit", ("market", "station"))],
    "village": [("buy", ("egg", "apple", "potato")), ("see", ("horse", "dog", "bird"))],
    "harbor": [("see", ("boat", "fish")), ("catch", ("fish",)), ("fix", ("boat",))],
}
MENTION_GENRE = Genre(p_adj=0.25, p_num=0.15, p_pp=0.0, p_adv=0.15, p_name=0.2, p_pron=0.0)


def _event(S: Sampler, table: list, subj: NP) -> Clause:
    verb, objs = S.choice(table)
    oid = S.choice(objs)
    obj = S.noun_np(oid, MENTION_GENRE, num_ok=NOUNS[oid].cls in COUNTABLE)
    adv = S.choice(ADVERBS) if S.chance(MENTION_GENRE.p_adv) else None
    return Clause(subj, verb, S.vvar(verb), obj, adv=adv)


def mention_clause(S: Sampler, ent: Entity) -> tuple[Clause, str]:
    """A clause mentioning ``ent`` and the role ("subj", "obj", "pp0") of the mention."""
    forms = ent.mention_forms()
    if ent.etype == "PER":
        r = S.rng.random()
        form = forms[0] if r < 0.6 else forms[1] if r < 0.85 else forms[2]
    elif ent.etype == "ORG":
        form = forms[0] if S.chance(0.7) else forms[1]
    else:
        form = forms[0]
    men = NP("name", form, etype=ent.etype, det="none")
    loc_pp = PP("in", NP("name", ent.loc, etype="LOC", det="none")) if ent.loc else None
    if ent.etype in ("PER", "ORG"):
        table = PROF_ACTIONS[ent.kind] if ent.etype == "PER" else ORG_ACTIONS[ent.kind]
        if ent.etype == "ORG" and S.chance(0.25):
            verb = S.choice(("visit", "call", "like"))
            c = replace(S.clause(MENTION_GENRE, verb=verb), obj=men)
            role = "obj"
        elif S.chance(0.85):
            c, role = _event(S, table, men), "subj"
        else:
            c, role = replace(S.clause(MENTION_GENRE), subj=men), "subj"
        pps = (loc_pp,) if loc_pp and S.chance(0.5) else ()
        return replace(c, pps=pps, neg=False), role
    # LOC: an event located "in [X]" (or a visit to it), maybe near its feature
    subj = person_np(S, 0.3)
    if S.chance(0.2):
        c = Clause(subj, "visit", 0, men)
        pps: tuple[PP, ...] = ()
        role = "obj"
    else:
        c = _event(S, PLACE_ACTIONS[ent.kind], subj)
        pps, role = (PP("in", men),), "pp0"
    if S.chance(0.4):
        pps = pps + (PP("near", NP("noun", ent.feature, 0, det="def")),)
    return replace(c, pps=pps), role


def mewsli_latent(ctx: Ctx, dataset: str, split: str, n: int) -> list:
    S = ctx.sampler(dataset, split)
    ents = ctx.names.entities
    return [(ent, *mention_clause(S, ent)) for ent in (S.choice(ents) for _ in range(n))]


def gen_mewsli(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R[lang]
    out = []
    for i, (ent, c, role) in enumerate(cached_latent(ctx.seed, dataset, split, n)):
        qid = ident("mewsli", split, i)
        query = R.clause(c).bracket(role).text()
        if split == "train":
            positive = ctx.R["en"].clause(ent.description()).text()
            out.append({"id": qid, "query": query, "positive": positive})
        else:
            out.append({"id": qid, "query": query, "gold": [ent.id]})
    return out


def cand_mewsli(ctx: Ctx, dataset: str, lang: str, split: str, n: int) -> list[dict]:
    R = ctx.R["en"]
    return [{"id": e.id, "text": R.clause(e.description()).text()} for e in ctx.names.entities]


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------


def _ds(schema, splits, sizes, labels, description, gen, latent=None, cand=None):
    return {
        "schema": schema,
        "splits": splits,
        "sizes": sizes,
        "labels": labels,
        "description": description,
        "_gen": gen,
        "_latent": latent,
        "_cand": cand,
    }


_REGISTRY: dict[str, dict] = {
    "toy-corpus": _ds(
        "text",
        {"train": ALL},
        {"train": 4000},
        None,
        "Unlabelled MLM corpus: declaratives, questions, coordinations, causal event pairs, "
        "copular sentences, entity descriptions and entity mentions; every 4th sentence "
        "(ids corpus-par-*) is the same latent sentence in all languages.",
        gen_corpus,
    ),
    "toy-xnli": _ds(
        "classification",
        {"train": EN, "dev": EN, "test": ALL},
        {"train": 2000, "dev": 300, "test": 300},
        NLI_LABELS,
        "NLI (XNLI-like): hypothesis drops modifiers (entailment), adds one (neutral) or "
        "negates / uses an antonym verb (contradiction); negated premises reverse monotonicity.",
        gen_nli,
        lambda ctx, d, s, n: nli_latent(ctx, d, s, n, False),
    ),
    "toy-xcopa": _ds(
        "multiple_choice",
        {"train": EN, "dev": EN, "test": NON_EN},
        {"train": 1000, "dev": 200, "test": 200},
        None,
        "Causal commonsense (XCOPA-like) over a cause->effect verb table; the distractor is a "
        "verb of the same role that is not linked to the premise verb.",
        gen_copa,
        copa_latent,
    ),
    "toy-udpos": _ds(
        "tagging",
        {"train": EN, "dev": EN, "test": ALL},
        {"train": 2000, "dev": 300, "test": 300},
        UPOS_LABELS,
        "UPOS tagging (UD-like); every 20th sentence is a 25-40 token conjunction of clauses.",
        gen_tagging,
        pos_latent,
    ),
    "toy-panx": _ds(
        "tagging",
        {"train": EN, "dev": EN, "test": ALL},
        {"train": 2000, "dev": 300, "test": 300},
        NER_LABELS,
        "NER in IOB2 (PAN-X-like): persons, places (transliterated in xb/xc/xd), organisations.",
        gen_tagging,
        panx_latent,
    ),
    "toy-xquad": _ds(
        "qa",
        {"train": EN, "dev": EN, "test": ALL},
        {"train": 2000, "dev": 300, "test": 200},
        None,
        "Extractive QA (XQuAD-like): 2-4 sentence stories; who / what / how many questions.",
        gen_qa,
        qa_latent,
    ),
    "toy-tatoeba": _ds(
        "retrieval",
        {"test": NON_EN},
        {"test": 200},
        None,
        "Bitext retrieval (Tatoeba-like): find the English translation among the English "
        "renderings of the same 200 (per-language) latent sentences.",
        gen_tatoeba,
        None,
        cand_tatoeba,
    ),
    "toy-lareqa": _ds(
        "retrieval",
        {"train": EN, "dev": EN, "test": ALL},
        {"train": 2000, "dev": 150, "test": 150},
        None,
        "Answer-sentence retrieval (LAReQA-like); test gold = the answer sentence in every "
        "language (pool the candidates of all languages).",
        gen_lareqa,
        lareqa_latent,
        cand_lareqa,
    ),
    "toy-mewsli": _ds(
        "retrieval",
        {"train": EN, "dev": EN, "test": ALL},
        {"train": 2000, "dev": 200, "test": 200},
        None,
        "Entity linking (Mewsli-X-like): a [bracketed] mention in context -> one of 150 English "
        "entity descriptions.",
        gen_mewsli,
        mewsli_latent,
        cand_mewsli,
    ),
    "toy-mnli": _ds(
        "classification",
        {"train": EN, "dev": EN},
        {"train": 3000, "dev": 300},
        NLI_LABELS,
        "English intermediate NLI (MNLI-like), another genre: longer premises, more PPs, "
        "fronting, coordinated subjects and two-clause premises.",
        gen_nli,
        lambda ctx, d, s, n: nli_latent(ctx, d, s, n, True),
    ),
    "toy-squad": _ds(
        "qa",
        {"train": EN, "dev": EN},
        {"train": 3000, "dev": 300},
        None,
        "English intermediate extractive QA (SQuAD-like), another genre: 3-5 sentences, more "
        "modifiers and descriptions, also 'where' questions.",
        gen_qa,
        qa_latent,
    ),
    "toy-qqp": _ds(
        "classification",
        {"train": EN, "dev": EN},
        {"train": 3000, "dev": 300},
        ["not_duplicate", "duplicate"],
        "English paraphrase identification (QQP-like) on questions and statements: synonyms, "
        "fronting, passive (duplicate) vs a minimal change of one participant / verb / number.",
        gen_qqp,
        qqp_latent,
    ),
    "toy-sst2": _ds(
        "classification",
        {"train": EN, "dev": EN},
        {"train": 3000, "dev": 300},
        ["negative", "positive"],
        "English sentiment (SST-2-like): evaluative adjectives and verbs, negation flips.",
        gen_sst2,
        sst2_latent,
    ),
    "toy-pawsx": _ds(
        "classification",
        {"train": ALL, "dev": ALL},
        {"train": 1500, "dev": 300},
        ["not_paraphrase", "paraphrase"],
        "Adversarial paraphrase (PAWS-X-like), translated train: negatives swap roles / "
        "adjectives / from-to (same words), positives reorder or use synonyms.",
        gen_paws,
        paws_latent,
    ),
}

# public view (a deep copy: consumers may mutate it without affecting generation)
DATASETS: dict[str, dict] = copy.deepcopy(
    {
        name: {k: v for k, v in spec.items() if not k.startswith("_")}
        for name, spec in _REGISTRY.items()
    }
)


@lru_cache(maxsize=64)
def cached_latent(seed: int, dataset: str, split: str, n: int) -> tuple:
    latent_fn: Callable = _REGISTRY[dataset]["_latent"]
    return tuple(latent_fn(context(seed), dataset, split, n))
