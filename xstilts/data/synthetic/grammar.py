"""Latent sentence trees, their rendering into each language, and a sampler of trees.

A latent tree (``Clause``) fixes every choice that matters for the surface form, including
the synonym variant of every content word, so the same tree renders deterministically in
every language (parallel data, translations, retrieval gold).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from .lexicon import (
    ADJECTIVES,
    ADPOSITIONS,
    ADVERBS,
    LOCATIVE,
    NOUNS,
    PRONOUNS,
    VERBS,
    Lexicon,
)

PUNCT_ATTACH_LEFT = frozenset({".", "?", ",", "]"})
PUNCT_ATTACH_RIGHT = frozenset({"["})

# --------------------------------------------------------------------------------------
# Latent structures
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NP:
    kind: str  # "noun" | "name" | "pron" | "coord"
    head: str = ""  # noun id, name string (Latin), pronoun id
    var: int = 0  # synonym variant of the noun
    adjs: tuple[tuple[str, int], ...] = ()  # (adjective id, variant)
    det: str = "def"  # "def" | "indef" | "dem" | "none"
    num: int | None = None  # cardinal number (implies plural)
    plural: bool = False
    etype: str | None = None  # "PER" | "LOC" | "ORG" for names
    parts: tuple[NP, ...] = ()  # for "coord"

    @property
    def is_plural(self) -> bool:
        return self.plural or self.num is not None or self.kind == "coord" or self.head == "they"

    @property
    def animate(self) -> bool:
        if self.kind == "noun":
            return NOUNS[self.head].animate
        if self.kind == "name":
            return self.etype == "PER"
        return self.kind in ("pron", "coord")

    def key(self) -> tuple:
        """Identity of the referent, ignoring synonyms and modifiers."""
        if self.kind == "coord":
            return ("coord",) + tuple(p.key() for p in self.parts)
        return (self.kind, self.head)


@dataclass(frozen=True)
class PP:
    adp: str
    np: NP


@dataclass(frozen=True)
class Clause:
    subj: NP
    verb: str  # verb id, or "_cop" for a copular clause
    vvar: int = 0
    obj: NP | None = None  # object, or the predicate noun of a copular clause
    pred_adj: tuple[str, int] | None = None  # predicate adjective of a copular clause
    pps: tuple[PP, ...] = ()
    neg: bool = False
    adv: str | None = None
    tense: str = "past"  # copular clauses may be "pres"
    passive: bool = False  # only rendered in English
    front: bool = False  # first PP (or the adverb) fronted: meaning-preserving reordering

    @property
    def copular(self) -> bool:
        return self.verb == "_cop"


# --------------------------------------------------------------------------------------
# Rendered sentences
# --------------------------------------------------------------------------------------


class Sent:
    """Tokens with UPOS tags, entity IOB2 tags and named token spans ``[start, end)``."""

    __slots__ = ("toks", "upos", "ner", "spans")

    def __init__(self) -> None:
        self.toks: list[str] = []
        self.upos: list[str] = []
        self.ner: list[str] = []
        self.spans: dict[str, tuple[int, int]] = {}

    def __len__(self) -> int:
        return len(self.toks)

    def add(self, tok: str, upos: str, ner: str = "O") -> Sent:
        self.toks.append(tok)
        self.upos.append(upos)
        self.ner.append(ner)
        return self

    def append(self, other: Sent, role: str | None = None) -> Sent:
        off = len(self.toks)
        self.toks.extend(other.toks)
        self.upos.extend(other.upos)
        self.ner.extend(other.ner)
        for k, (a, b) in other.spans.items():
            if role is None:
                name = k
            else:
                name = role if k == "core" else f"{role}.{k}"
            self.spans[name] = (a + off, b + off)
        return self

    def text(self) -> str:
        return detokenize(self.toks)[0]

    def bracket(self, span: str) -> Sent:
        """A copy with "[" and "]" tokens around ``span`` (mention marking)."""
        a, b = self.spans[span]
        out = Sent()
        for i, (t, u, n) in enumerate(zip(self.toks, self.upos, self.ner, strict=True)):
            if i == a:
                out.add("[", "PUNCT")
            out.add(t, u, n)
            if i == b - 1:
                out.add("]", "PUNCT")
        return out


def detokenize(toks: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join tokens with spaces, attaching punctuation; returns text and char offsets."""
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    pos = 0
    prev = None
    for t in toks:
        if prev is not None and t not in PUNCT_ATTACH_LEFT and prev not in PUNCT_ATTACH_RIGHT:
            parts.append(" ")
            pos += 1
        offsets.append((pos, pos + len(t)))
        parts.append(t)
        pos += len(t)
        prev = t
    return "".join(parts), offsets


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


class Renderer:
    def __init__(self, lex: Lexicon) -> None:
        self.lex = lex
        self.spec = lex.spec
        self.en = lex.lang == "en"

    def w(self, *key) -> str:
        return self.lex.words[key]

    # ---- noun phrases -------------------------------------------------------------------
    def np(self, np: NP, role: str = "subj") -> Sent:
        """Render a noun phrase; span "core" excludes determiners, span "num" is the number."""
        s = Sent()
        acc = self.spec.obj_case and role == "obj"
        if np.kind == "coord":
            for i, part in enumerate(np.parts):
                if i:
                    s.add(self.w("F", "AND"), "CCONJ")
                s.append(self.np(part, role), role=f"part{i}")
            s.spans["core"] = (0, len(s))
            return s
        if np.kind == "pron":
            if self.en:
                form = PRONOUNS[np.head][0 if role in ("subj", "pred") else 1]
            else:
                form = self.w("PRON", np.head)
                if acc:
                    form = self.lex.accusative(form)
            s.add(form, "PRON")
            s.spans["core"] = (0, 1)
            return s
        if np.kind == "name":
            name = self.lex.place(np.head) if np.etype == "LOC" else np.head
            words = name.split(" ")
            if acc:
                words[-1] = self.lex.accusative(words[-1], hyphen=True)
            for i, word in enumerate(words):
                s.add(word, "PROPN", ("B-" if i == 0 else "I-") + str(np.etype))
            s.spans["core"] = (0, len(s))
            return s
        # common noun
        plural = np.is_plural
        noun, foreign = self.noun_form(np.head, np.var, plural)
        adjs = [self.adj(a, v) for a, v in np.adjs]
        det_pre: str | None = None
        if np.num is None:
            det_pre, noun = self._determiner(np.det, plural, noun, adjs, foreign)
        if acc:
            noun = self.lex.accusative(noun, hyphen=foreign)
        if det_pre:
            s.add(det_pre, "DET")
        start = len(s)
        if np.num is not None:
            s.spans["num"] = (len(s), len(s) + 1)
            s.add(str(np.num), "NUM")
        if self.spec.adj == "pre":
            for a in adjs:
                s.add(a, "ADJ")
        s.add(noun, "NOUN")
        if self.spec.adj == "post":
            for a in adjs:
                s.add(a, "ADJ")
        s.spans["core"] = (start, len(s))
        return s

    def noun_form(self, nid: str, var: int, plural: bool) -> tuple[str, bool]:
        """(surface form, whether it is a foreign word that takes suffixes after a hyphen)"""
        form = self.lex.noun(nid, var, plural)
        return form, self.lex.is_foreign(form)

    def _determiner(self, det: str, plural: bool, noun: str, adjs: list[str], foreign: bool):
        arts = self.spec.articles
        if det == "dem":
            return self.w("F", "DEM_PL" if plural and self.en else "DEM"), noun
        if det == "none":
            return None, noun
        if det == "def":
            if arts == "words":
                return self.w("F", "DEF"), noun
            if arts == "def-suffix":
                return None, self.lex.definite(noun, hyphen=foreign)
            return None, noun
        # indefinite
        if plural or arts == "none":
            return None, noun
        if self.en:
            first = adjs[0] if adjs else noun
            return ("an" if first[0] in "aeiou" else "a"), noun
        return self.w("F", "INDEF"), noun

    def adj(self, aid: str, var: int) -> str:
        return ADJECTIVES[aid].forms[var] if self.en else self.w("A", aid, var)

    def pp(self, pp: PP) -> Sent:
        s = Sent()
        adp = pp.adp if self.en else self.w("P", pp.adp)
        inner = self.np(pp.np, role="pp")
        if self.spec.adpos == "pre":
            s.add(adp, "ADP")
            s.append(inner)
        else:
            s.append(inner)
            s.add(adp, "ADP")
        return s

    def adverb(self, rid: str) -> Sent:
        return Sent().add(rid if self.en else self.w("R", rid), "ADV")

    # ---- verbs --------------------------------------------------------------------------
    def verb_form(self, c: Clause, form: int) -> str:
        """form: 0 base, 1 past, 2 participle (English); other languages have one form."""
        if self.en:
            return VERBS[c.verb].forms[c.vvar][form]
        return self.w("V", c.verb, c.vvar)

    def copula(self, c: Clause) -> str:
        name = "COP_PRES" if c.tense == "pres" else "COP_PAST"
        if self.en and c.subj.is_plural:
            name += "_PL"
        if not self.en:
            name = name.removesuffix("_PL")
        return self.w("F", name)

    def verb_group(self, c: Clause) -> Sent:
        s = Sent()
        if c.copular:
            if self.en:
                s.add(self.copula(c), "AUX")
                if c.neg:
                    s.add(self.w("F", "NEG"), "PART")
            else:
                if c.neg:
                    s.add(self.w("F", "NEG"), "PART")
                s.add(self.copula(c), "AUX")
            return s
        if c.neg:
            if self.en:
                s.add("did", "AUX").add("not", "PART").add(self.verb_form(c, 0), "VERB")
            else:
                s.add(self.w("F", "NEG"), "PART").add(self.verb_form(c, 1), "VERB")
        else:
            s.add(self.verb_form(c, 1), "VERB")
        return s

    def predicate(self, c: Clause) -> Sent:
        if c.pred_adj is not None:
            return Sent().add(self.adj(*c.pred_adj), "ADJ")
        assert c.obj is not None
        return self.np(c.obj, role="pred")

    # ---- clauses ------------------------------------------------------------------------
    def clause(self, c: Clause, end: str | None = ".") -> Sent:
        """Render a declarative clause.  Spans: subj, obj, obj.num, pp0, pp1, ..."""
        if c.passive and self.en and not c.copular and c.obj is not None:
            return self._passive(c, end)
        subj = ("subj", self.np(c.subj, "subj"))
        vg = (None, self.verb_group(c))
        obj = None
        if c.copular:
            obj = ("obj", self.predicate(c))
        elif c.obj is not None:
            obj = ("obj", self.np(c.obj, "obj"))
        pps = [(f"pp{i}", self.pp(p)) for i, p in enumerate(c.pps)]
        adv = [("adv", self.adverb(c.adv))] if c.adv else []
        order = self.spec.order
        core: list[tuple[str | None, Sent]]
        if order == "SVO":
            core = [subj, vg] + ([obj] if obj else []) + pps
        elif order == "VSO":
            core = [vg, subj] + ([obj] if obj else []) + pps
        else:  # SOV: S PP O V
            core = [subj] + pps + ([obj] if obj else []) + [vg]
        if self.spec.adverb == "end":
            core = core + adv
        else:
            core = adv + core
        if c.front:
            # move the first PP (else the adverb) to the front, followed by a comma
            mover = next((p for p in core if p[0] == "pp0"), None) or (adv[0] if adv else None)
            if mover is not None and core[0] is not mover:
                core = [mover, (None, Sent().add(",", "PUNCT"))] + [
                    p for p in core if p is not mover
                ]
        s = Sent()
        for role, part in core:
            s.append(part, role)
        if end:
            s.add(end, "PUNCT")
        return s

    def _passive(self, c: Clause, end: str | None) -> Sent:
        assert c.obj is not None
        s = Sent()
        s.append(self.np(c.obj, "subj"), "obj")
        s.add("were" if c.obj.is_plural else "was", "AUX")
        if c.neg:
            s.add("not", "PART")
        s.add(self.verb_form(c, 2), "VERB")
        by = Sent().add("by", "ADP").append(self.np(c.subj, "obj"))
        tail = [("subj", by)] + [(f"pp{i}", self.pp(p)) for i, p in enumerate(c.pps)]
        if c.adv:
            tail.append(("adv", self.adverb(c.adv)))
        for role, part in tail:
            s.append(part, role)
        if end:
            s.add(end, "PUNCT")
        return s

    def coordination(self, clauses: list[Clause], conj: str = "AND") -> Sent:
        """c1 , c2 , CONJ c3 ."""
        s = Sent()
        for i, c in enumerate(clauses):
            if i:
                s.add(",", "PUNCT")
                if i == len(clauses) - 1:
                    s.add(self.w("F", conj), "CCONJ")
            s.append(self.clause(c, end=None), f"c{i}")
        s.add(".", "PUNCT")
        return s

    # ---- questions ----------------------------------------------------------------------
    def qword(self, target: str, c: Clause) -> Sent:
        s = Sent()
        if target == "subj":
            s.add(self.w("F", "WHO"), "PRON")
        elif target == "obj":
            assert c.obj is not None
            word = self.w("F", "WHO" if c.obj.animate else "WHAT")
            if self.spec.obj_case:
                word = self.lex.accusative(word)
            s.add(word, "PRON")
        elif target == "where":
            s.add(self.w("F", "WHERE"), "ADV")
        elif target == "num":
            if self.en:
                s.add("how", "ADV").add("many", "ADJ")
            else:
                s.add(self.w("F", "HOWMANY"), "ADV")
            assert c.obj is not None
            s.append(self.np(replace(c.obj, num=None, plural=True, det="none"), "obj"))
        return s

    def question(self, c: Clause, target: str) -> Sent:
        """Ask for the subject ("subj"), object ("obj"), the object's number ("num") or the
        place of the first PP ("where").  Questions are never negated."""
        c = replace(c, neg=False, front=False, passive=False)
        qw = self.qword(target, c)
        pps = list(c.pps)
        if target == "where":
            pps = pps[1:]
        rest = replace(c, pps=tuple(pps))
        subj = self.np(c.subj, "subj")
        obj = self.np(c.obj, "obj") if c.obj is not None else None
        pp_s = [self.pp(p) for p in rest.pps]
        adv = [self.adverb(c.adv)] if c.adv else []
        items: list[Sent]
        if self.en:
            if target == "subj":
                items = [qw, self.verb_group(rest)] + ([obj] if obj else []) + pp_s + adv
            else:
                do = Sent().add("did", "AUX")
                base = Sent().add(self.verb_form(c, 0), "VERB")
                keep_obj = [obj] if (obj and target == "where") else []
                items = [qw, do, subj, base] + keep_obj + pp_s + adv
        elif self.spec.question == "front":
            vg = self.verb_group(rest)
            if target == "subj":
                items = [qw, vg] + ([obj] if obj else []) + pp_s + adv
            else:
                keep_obj = [obj] if (obj and target == "where") else []
                items = [qw, vg, subj] + keep_obj + pp_s + adv
        else:  # in situ (the SOV languages)
            assert self.spec.order == "SOV"
            vg = self.verb_group(rest)
            s_part = qw if target == "subj" else subj
            if target in ("obj", "num"):
                o_part: list[Sent] = [qw]
            else:
                o_part = [obj] if obj else []
            loc = [qw] if target == "where" else []
            items = adv + [s_part] + loc + pp_s + o_part + [vg]
        s = Sent()
        for it in items:
            s.append(it)
        s.spans = {}
        s.add("?", "PUNCT")
        return s


class CodeSwitchRenderer(Renderer):
    """Renders a non-English language with some content words borrowed from English
    (code-switching / loanwords): English stems keep English number marking and take the
    host language's case and definiteness suffixes after a hyphen."""

    def __init__(self, lex: Lexicon, rng: random.Random, p: float) -> None:
        super().__init__(lex)
        assert not self.en
        self.rng = rng
        self.p = p

    def noun_form(self, nid: str, var: int, plural: bool) -> tuple[str, bool]:
        if self.rng.random() < self.p:
            sg, pl = NOUNS[nid].forms[var]
            return (pl if plural else sg), self.spec.script != "Latin"
        return super().noun_form(nid, var, plural)

    def adj(self, aid: str, var: int) -> str:
        if self.rng.random() < self.p:
            return ADJECTIVES[aid].forms[var]
        return super().adj(aid, var)

    def verb_form(self, c: Clause, form: int) -> str:
        if self.rng.random() < self.p:
            return VERBS[c.verb].forms[c.vvar][1]
        return super().verb_form(c, form)


# --------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------

PERSON_NOUNS = tuple(n.id for n in NOUNS.values() if n.cls == "person")
ANIMAL_NOUNS = tuple(n.id for n in NOUNS.values() if n.cls == "animal")


@dataclass(frozen=True)
class Genre:
    p_adj: float = 0.3  # per NP, probability of an adjective
    p_adj2: float = 0.1  # probability of a second adjective
    p_num: float = 0.2  # object has a number
    p_pp: float = 0.4
    p_pp2: float = 0.0
    p_adv: float = 0.15
    p_name: float = 0.25  # subject is a name
    p_pron: float = 0.08
    p_neg: float = 0.15
    p_org: float = 0.08  # subject is an organisation (if the verb allows it)
    p_coord: float = 0.0  # coordinated subject
    p_front: float = 0.0
    p_obj_name: float = 0.15


DEFAULT_GENRE = Genre()


class Sampler:
    """Samples latent trees from a ``random.Random`` stream and a name inventory."""

    def __init__(self, rng: random.Random, names) -> None:
        self.rng = rng
        self.names = names  # NameInventory

    # ---- helpers ------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def choice(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def nvar(self, nid: str) -> int:
        return self.rng.randrange(len(NOUNS[nid].forms))

    def vvar(self, vid: str) -> int:
        return self.rng.randrange(len(VERBS[vid].forms))

    def adjs_for(self, nid: str, k: int, exclude: tuple[str, ...] = ()) -> tuple:
        noun = NOUNS[nid]
        groups = {ADJECTIVES[x].group for x in exclude}
        cands = [a for a in ADJECTIVES.values() if a.fits(noun) and a.group not in groups]
        out: list[tuple[str, int]] = []
        for _ in range(k):
            a = self.choice(cands)
            cands = [x for x in cands if x.group != a.group]
            out.append((a.id, self.rng.randrange(len(a.forms))))
        return tuple(out)

    def n_adjs(self, g: Genre) -> int:
        if not self.chance(g.p_adj):
            return 0
        return 2 if self.chance(g.p_adj2) else 1

    def noun_np(
        self,
        nid: str,
        g: Genre,
        num_ok: bool = False,
        det: str | None = None,
        adjs: int | None = None,
    ) -> NP:
        k = self.n_adjs(g) if adjs is None else adjs
        num = None
        plural = False
        if num_ok and self.chance(g.p_num):
            num = self.rng.randint(2, 12)
        else:
            plural = self.chance(0.2)
        if det is None:
            det = self.choice(("def", "def", "def", "indef", "indef", "dem"))
        return NP(
            "noun", nid, self.nvar(nid), self.adjs_for(nid, k), det, num, plural and num is None
        )

    def name_np(self, etype: str) -> NP:
        return NP("name", self.names.sample(self.rng, etype), etype=etype, det="none")

    def pron_np(self) -> NP:
        return NP("pron", self.choice(tuple(PRONOUNS)), det="none")

    # ---- constituents -------------------------------------------------------------------
    def subject(self, verb: str, g: Genre) -> NP:
        vb = VERBS[verb]
        if "o" in vb.subj and self.chance(g.p_org):
            return self.name_np("ORG")
        if self.chance(g.p_coord):
            return NP("coord", parts=(self._simple_subject(vb, g), self._simple_subject(vb, g)))
        r = self.rng.random()
        if r < g.p_pron:
            return self.pron_np()
        if r < g.p_pron + g.p_name:
            return self.name_np("PER")
        return self._simple_subject(vb, g)

    def _simple_subject(self, vb, g: Genre) -> NP:
        pool = PERSON_NOUNS + (ANIMAL_NOUNS if "a" in vb.subj else ())
        return self.noun_np(self.choice(pool), g)

    def object(self, verb: str, g: Genre, avoid: tuple = ()) -> NP:
        vb = VERBS[verb]
        if vb.obj_names and self.chance(g.p_obj_name):
            return self.name_np(self.choice(vb.obj_names))
        cands = [o for o in vb.objects if ("noun", o) not in avoid]
        nid = self.choice(cands)
        return self.noun_np(nid, g, num_ok=NOUNS[nid].cls in ("thing", "food", "animal"))

    def pp(self, g: Genre, adp: str | None = None, name_p: float = 0.35) -> PP:
        adp = adp or self.choice(tuple(ADPOSITIONS))
        nouns, names = ADPOSITIONS[adp]
        if names and self.chance(name_p):
            return PP(adp, self.name_np(self.choice(names)))
        nid = self.choice(nouns)
        return PP(adp, self.noun_np(nid, g, det=self.choice(("def", "def", "indef", "dem"))))

    def clause(self, g: Genre = DEFAULT_GENRE, verb: str | None = None, neg: bool | None = None):
        verb = verb or self.choice(tuple(VERBS))
        subj = self.subject(verb, g)
        obj = self.object(verb, g, avoid=(subj.key(),))
        pps: list[PP] = []
        if self.chance(g.p_pp):
            pps.append(self.pp(g))
            if self.chance(g.p_pp2):
                adp2 = self.choice([a for a in ADPOSITIONS if a != pps[0].adp])
                pps.append(self.pp(g, adp2))
        adv = self.choice(ADVERBS) if self.chance(g.p_adv) else None
        return Clause(
            subj,
            verb,
            self.vvar(verb),
            obj,
            pps=tuple(pps),
            neg=self.chance(g.p_neg) if neg is None else neg,
            adv=adv,
            front=self.chance(g.p_front),
        )

    def locative_pp(self, g: Genre, name_p: float = 0.5) -> PP:
        return self.pp(g, self.choice(LOCATIVE), name_p=name_p)

    def copular(self, g: Genre = DEFAULT_GENRE) -> Clause:
        """ "the house is big", "Anna Berg was a teacher in Lumen", ..."""
        r = self.rng.random()
        if r < 0.5:
            nid = self.choice(tuple(NOUNS))
            subj = self.noun_np(nid, g, det=self.choice(("def", "dem")), adjs=0)
            pred_adj = self.adjs_for(nid, 1)[0]
            return Clause(
                subj,
                "_cop",
                pred_adj=pred_adj,
                neg=self.chance(g.p_neg),
                tense=self.choice(("pres", "past")),
            )
        subj = (
            self.name_np("PER") if r < 0.8 else self.noun_np(self.choice(PERSON_NOUNS), g, adjs=0)
        )
        pred = self.noun_np(self.choice(PERSON_NOUNS), g, det="indef", adjs=self.n_adjs(g))
        pred = replace(pred, plural=False, num=None)
        pps = (self.locative_pp(g),) if self.chance(0.5) else ()
        return Clause(subj, "_cop", obj=pred, pps=pps, neg=self.chance(g.p_neg), tense="pres")

    # ---- variation ----------------------------------------------------------------------
    def resyn_np(self, np: NP) -> NP:
        if np.kind == "coord":
            return replace(np, parts=tuple(self.resyn_np(p) for p in np.parts))
        if np.kind != "noun":
            return np
        adjs = tuple((a, self.rng.randrange(len(ADJECTIVES[a].forms))) for a, _ in np.adjs)
        return replace(np, var=self.nvar(np.head), adjs=adjs)

    def resyn(self, c: Clause) -> Clause:
        """Independently resample the synonym variant of every content word."""
        return replace(
            c,
            subj=self.resyn_np(c.subj),
            vvar=self.vvar(c.verb) if not c.copular else 0,
            obj=self.resyn_np(c.obj) if c.obj is not None else None,
            pred_adj=(
                (c.pred_adj[0], self.rng.randrange(len(ADJECTIVES[c.pred_adj[0]].forms)))
                if c.pred_adj
                else None
            ),
            pps=tuple(PP(p.adp, self.resyn_np(p.np)) for p in c.pps),
        )
